/* store_names: the one table of words for each enum of store.h (modes,
 * review states, run states, call outcomes). These are the strings the
 * schema's CHECK constraints allow; the rest of the code compares enums. */
#include <string.h>

#include "mentor/store.h"
#include "mentor/util.h"

static const char *const mode_names[STORE_N_MODES] = {
	[STORE_COT] = "cot",
	[STORE_RP] = "rp",
	[STORE_CROP] = "crop",
};

static const char *const review_names[STORE_N_REVIEWS] = {
	[STORE_REVIEW_PENDING] = "pending",
	[STORE_REVIEW_ACCEPTED] = "accepted",
	[STORE_REVIEW_REJECTED] = "rejected",
	[STORE_REVIEW_FLAGGED] = "flagged",
};

static const char *const run_status_names[STORE_N_RUN_STATUSES] = {
	[STORE_RUN_QUEUED] = "queued",   [STORE_RUN_RUNNING] = "running",
	[STORE_RUN_STOPPED] = "stopped", [STORE_RUN_DONE] = "done",
	[STORE_RUN_FAILED] = "failed",
};

static const char *const call_status_names[STORE_N_CALL_STATUSES] = {
	[STORE_CALL_OK] = "ok",
	[STORE_CALL_ERROR] = "error",
	[STORE_CALL_CANCELLED] = "cancelled",
};

static const char *name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : "?";
}

static int parse(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *store_mode_name(enum store_mode mode)
{
	return name_of(mode_names, STORE_N_MODES, (int)mode);
}

int store_mode_parse(const char *s)
{
	return parse(mode_names, STORE_N_MODES, s);
}

const char *store_review_name(enum store_review review)
{
	return name_of(review_names, STORE_N_REVIEWS, (int)review);
}

int store_review_parse(const char *s)
{
	return parse(review_names, STORE_N_REVIEWS, s);
}

const char *store_run_status_name(enum store_run_status status)
{
	return name_of(run_status_names, STORE_N_RUN_STATUSES, (int)status);
}

int store_run_status_parse(const char *s)
{
	return parse(run_status_names, STORE_N_RUN_STATUSES, s);
}

const char *store_call_status_name(enum store_call_status status)
{
	return name_of(call_status_names, STORE_N_CALL_STATUSES, (int)status);
}

int store_call_status_parse(const char *s)
{
	return parse(call_status_names, STORE_N_CALL_STATUSES, s);
}
