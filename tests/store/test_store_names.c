/* test_store_names: the name tables of modes, review states, run states and
 * call outcomes: every name round-trips, unknown and hostile strings parse
 * to -1, and each name is one the workspace accepts and gives back. */
#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

/* The strings no table may accept: near misses, case, blanks, controls. */
static const char *const bad[] = {
	"",         " ",           "cot ",   " cot",         "COT",
	"Cot",      "cote",        "co",     "cotx",         "accept",
	"Accepted", "pending\n",   "don",    "ok;",          "?",
	"none",     "queue",       "runing", "\x1b[31mdone", "d\xc3\xb6ne",
	"\xff\xfe", "cancelled\t", "rp\r",   "crop crop",
};

static void check_table(const char *what, int n, const char *(*name)(int),
			int (*parse)(const char *))
{
	CHECK_MSG(n > 0, "%s: empty table", what);
	for (int i = 0; i < n; i++) {
		const char *s = name(i);
		CHECK_MSG(s && *s && strcmp(s, "?"), "%s %d has no name", what, i);
		CHECK_MSG(parse(s) == i, "%s '%s' does not parse back to %d", what, s, i);
		for (int j = 0; j < i; j++)
			CHECK_MSG(strcmp(s, name(j)), "%s: %d and %d share '%s'", what, i, j, s);
	}
	CHECK_STR(name(-1), "?");
	CHECK_STR(name(n), "?");
	CHECK_STR(name(1 << 30), "?");
	CHECK_INT(parse(NULL), -1);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		CHECK_MSG(parse(bad[k]) == -1, "%s accepts '%s'", what, bad[k]);
	/* a long string with a name as its prefix */
	char big[4096];
	snprintf(big, sizeof big, "%s", name(0));
	memset(big + strlen(big), 'x', sizeof big - strlen(big) - 1);
	big[sizeof big - 1] = 0;
	CHECK_INT(parse(big), -1);
}

/* Adapters from the enum-typed names to one signature. */
static const char *mode_name(int i)
{
	return store_mode_name((enum store_mode)i);
}
static const char *review_name(int i)
{
	return store_review_name((enum store_review)i);
}
static const char *run_name(int i)
{
	return store_run_status_name((enum store_run_status)i);
}
static const char *call_name(int i)
{
	return store_call_status_name((enum store_call_status)i);
}

int main(void)
{
	check_table("mode", STORE_N_MODES, mode_name, store_mode_parse);
	check_table("review", STORE_N_REVIEWS, review_name, store_review_parse);
	check_table("run status", STORE_N_RUN_STATUSES, run_name, store_run_status_parse);
	check_table("call status", STORE_N_CALL_STATUSES, call_name, store_call_status_parse);
	CHECK_STR(store_mode_name(STORE_CROP), "crop");
	CHECK_STR(store_review_name(STORE_REVIEW_FLAGGED), "flagged");
	CHECK_STR(store_run_status_name(STORE_RUN_DONE), "done");
	CHECK_STR(store_call_status_name(STORE_CALL_CANCELLED), "cancelled");
	/* the words the schema's CHECK constraints allow */
	CHECK_STR(store_mode_name(STORE_COT), "cot");
	CHECK_STR(store_mode_name(STORE_RP), "rp");

	char err[MENTOR_ERR_LEN] = "";
	struct store *st = store_open(test_path("names.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ds;
	struct store_item it;
	memset(&it, 0, sizeof it);
	if (store_dataset_upsert(st, "toy", "x", "generic", "h", &ds, err))
		TEST_SETUP_FAIL("%s", err);
	it.dataset_id = ds;
	it.split = "train";
	it.ext_id = "1";
	it.question = "1+1?";
	it.answer = "2";
	it.answer_type = STORE_ANS_NUMBER;
	if (store_item_upsert(st, &it, err))
		TEST_SETUP_FAIL("%s", err);

	/* what the store writes by default parses to the enum callers expect */
	struct store_expl e, g;
	memset(&e, 0, sizeof e);
	e.item_id = it.id;
	e.mode = (char *)store_mode_name(STORE_CROP);
	e.provider = "offline";
	e.model = "echo";
	e.text = "1 and 1 make 2.";
	e.correct = 1;
	CHECK_INT(store_expl_insert(st, &e, err), 0);
	CHECK_INT(store_expl_get(st, e.id, &g, err), 0);
	CHECK_INT(store_review_parse(g.status), STORE_REVIEW_PENDING);
	CHECK_INT(store_mode_parse(g.mode), STORE_CROP);
	CHECK_INT(store_mode_parse(g.path), STORE_COT);
	store_expl_release(&g);

	/* every review state is one the schema takes, set by its own name */
	for (int r = STORE_N_REVIEWS - 1; r >= 0; r--) {
		const char *name = store_review_name((enum store_review)r);
		CHECK_MSG(store_expl_decide(st, e.id, name, "t", err) == 0, "%s: %s", name, err);
		CHECK_INT(store_expl_get(st, e.id, &g, err), 0);
		CHECK_INT(store_review_parse(g.status), r);
		store_expl_release(&g);
	}

	/* every mode, and the two that are paths */
	for (int m = 0; m < STORE_N_MODES; m++) {
		struct store_expl x = e;
		x.id = 0;
		x.mode = (char *)store_mode_name((enum store_mode)m);
		x.path = (char *)store_mode_name(m == STORE_RP ? STORE_RP : STORE_COT);
		CHECK_MSG(store_expl_insert(st, &x, err) == 0, "%s: %s", x.mode, err);
		CHECK_INT(store_expl_get(st, x.id, &g, err), 0);
		CHECK_INT(store_mode_parse(g.mode), m);
		store_expl_release(&g);
	}

	/* every run status, for runs and for experiments; both start queued */
	struct store_run run;
	memset(&run, 0, sizeof run);
	run.dataset_id = ds;
	run.name = "r";
	CHECK_INT(store_run_insert(st, &run, err), 0);
	struct store_run rg;
	CHECK_INT(store_run_get(st, run.id, &rg, err), 0);
	CHECK_INT(store_run_status_parse(rg.status), STORE_RUN_QUEUED);
	store_run_release(&rg);
	struct store_experiment x, xg;
	memset(&x, 0, sizeof x);
	x.dataset_id = ds;
	x.config_json = "{}";
	CHECK_INT(store_experiment_insert(st, &x, err), 0);
	CHECK_INT(store_experiment_get(st, x.id, &xg, err), 0);
	CHECK_INT(store_run_status_parse(xg.status), STORE_RUN_QUEUED);
	store_experiment_release(&xg);
	for (int s = 0; s < STORE_N_RUN_STATUSES; s++) {
		const char *name = store_run_status_name((enum store_run_status)s);
		CHECK_MSG(store_run_set_status(st, run.id, name, NULL, 0, err) == 0, "%s: %s", name,
			  err);
		CHECK_INT(store_run_get(st, run.id, &rg, err), 0);
		CHECK_INT(store_run_status_parse(rg.status), s);
		store_run_release(&rg);
		CHECK_MSG(store_experiment_set_status(st, x.id, name, 0, err) == 0, "%s: %s", name,
			  err);
		CHECK_INT(store_experiment_get(st, x.id, &xg, err), 0);
		CHECK_INT(store_run_status_parse(xg.status), s);
		store_experiment_release(&xg);
	}

	/* every call outcome; a call without one is logged as an error */
	for (int c = -1; c < STORE_N_CALL_STATUSES; c++) {
		struct store_call call, cg;
		char key[32];
		memset(&call, 0, sizeof call);
		snprintf(key, sizeof key, "k%d", c);
		call.cache_key = key;
		call.provider = "offline";
		call.model = "echo";
		call.request_json = "{}";
		call.status = c < 0 ? NULL
				    : (char *)store_call_status_name((enum store_call_status)c);
		CHECK_INT(store_call_insert(st, &call, err), 0);
		CHECK_INT(store_call_get(st, call.id, &cg, err), 0);
		CHECK_INT(store_call_status_parse(cg.status), c < 0 ? STORE_CALL_ERROR : c);
		store_call_release(&cg);
	}
	store_close(st);
	return test_done();
}
