/* report_pair: which runs a report or the Inspect screen compares when the
 * operator has not said: the newest finished explanation-trained run against
 * the baseline of the same dataset trained with the closest settings, so
 * that "fixed" always means fixed by training with explanations. Also the
 * rule that only runs of one dataset are compared. Pure: run lists in,
 * indexes out. */
#include <stdio.h>
#include <string.h>

#include "mentor/report.h"
#include "mentor/train.h"

static int is_done(const struct store_run *r)
{
	return store_run_status_parse(r->status) == STORE_RUN_DONE;
}

static int is_baseline(const struct store_run *r)
{
	return !r->variant || !strcmp(r->variant, "baseline");
}

/* 1 when x finished after y (ended_at, then id). */
static int newer(const struct store_run *x, const struct store_run *y)
{
	if (x->ended_at != y->ended_at)
		return x->ended_at > y->ended_at;
	return x->id > y->id;
}

/* The settings compared; known 0 when the configuration cannot be read. */
struct settings {
	int known;
	struct train_config c;
};

static void settings_of(const struct store_run *r, struct settings *s)
{
	char err[MENTOR_ERR_LEN];
	s->known = r->config_json && !train_config_from_json(r->config_json, &s->c, err);
}

static int closeness(const struct store_run *a, const struct settings *sa,
		     const struct store_run *b)
{
	struct settings sb;
	settings_of(b, &sb);
	int score = 0;
	if (sa->known && sb.known) {
		const struct train_config *x = &sa->c, *y = &sb.c;
		if (!strcmp(x->preset, y->preset) && x->n_layer == y->n_layer &&
		    x->n_embd == y->n_embd && x->n_head == y->n_head && x->n_ctx == y->n_ctx)
			score += 4;
		if (x->seed == y->seed)
			score += 1;
	}
	if (a->total_steps == b->total_steps)
		score += 2;
	return score;
}

int report_pick_baseline(const struct store_run *runs, size_t n, size_t a)
{
	if (a >= n || is_baseline(&runs[a]))
		return -1;
	struct settings sa;
	settings_of(&runs[a], &sa);
	int best = -1, best_score = -1;
	for (size_t i = 0; i < n; i++) {
		const struct store_run *r = &runs[i];
		if (i == a || !is_baseline(r) || !is_done(r) || r->dataset_id != runs[a].dataset_id)
			continue;
		int score = closeness(&runs[a], &sa, r);
		if (score > best_score || (score == best_score && newer(r, &runs[best]))) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

/* The newest run passing the test, -1 when none. */
static int newest(const struct store_run *runs, size_t n, int done, int trained)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if ((done && !is_done(&runs[i])) || (trained && is_baseline(&runs[i])))
			continue;
		if (best < 0 || newer(&runs[i], &runs[best]))
			best = (int)i;
	}
	return best;
}

void report_default_pair(const struct store_run *runs, size_t n, struct report_pair *out)
{
	memset(out, 0, sizeof *out);
	out->a = out->b = -1;
	if (!runs || n == 0) {
		out->why = REPORT_PAIR_NO_RUNS;
		snprintf(out->note, sizeof out->note, "no runs yet: train one first");
		return;
	}
	out->a = newest(runs, n, 1, 1);
	if (out->a >= 0) {
		const struct store_run *a = &runs[out->a];
		out->b = report_pick_baseline(runs, n, (size_t)out->a);
		if (out->b < 0) {
			out->why = REPORT_PAIR_NO_BASELINE;
			snprintf(out->note, sizeof out->note,
				 "no finished baseline run of run #%lld's "
				 "dataset to compare with: showing it alone",
				 (long long)a->id);
		}
		return;
	}
	out->a = newest(runs, n, 1, 0);
	if (out->a >= 0) {
		out->why = REPORT_PAIR_NO_TRAINED;
		snprintf(out->note, sizeof out->note,
			 "no finished explanation-trained run: showing "
			 "run #%lld (%s) alone",
			 (long long)runs[out->a].id,
			 runs[out->a].variant ? runs[out->a].variant : "?");
		return;
	}
	out->a = newest(runs, n, 0, 0);
	out->why = REPORT_PAIR_NO_FINISHED;
	snprintf(out->note, sizeof out->note, "no finished run yet: showing run #%lld (%s) alone",
		 (long long)runs[out->a].id, runs[out->a].status ? runs[out->a].status : "?");
}

int report_pair_check(const struct store_run *a, const struct store_run *b, char *err)
{
	if (a->dataset_id == b->dataset_id)
		return 0;
	util_err(err,
		 "cannot compare run #%lld with run #%lld: they are on different datasets "
		 "(%lld and %lld), so their items differ",
		 (long long)a->id, (long long)b->id, (long long)a->dataset_id,
		 (long long)b->dataset_id);
	return MENTOR_EUSAGE;
}
