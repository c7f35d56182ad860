/* test_experiment_run: whole experiments of a very small model on a
 * generated arithmetic task (60 train, 10 dev, 40 test items): two variants
 * by two seeds run in order; a stop in the second run is resumed from its
 * checkpoint; every run ends with one prediction per test item and the table
 * pairs the same items; an interrupted evaluation is completed on the next
 * execution; a failing run is recorded while the others go on. */
#include <sqlite3.h>

#include "mentor/experiment.h"
#include "mentor/store.h"
#include "test.h"

static char err[MENTOR_ERR_LEN];
static const char *db;

static void tiny(struct train_config *c)
{
	train_config_defaults(c);
	snprintf(c->dataset, sizeof c->dataset, "toy");
	c->source = TRAIN_SRC_GOLD;
	snprintf(c->preset, sizeof c->preset, "custom");
	c->n_layer = 1;
	c->n_embd = 32;
	c->n_head = 2;
	c->n_ctx = 96;
	c->vocab = 300;
	c->steps = 20;
	c->batch = 4;
	c->warmup = 4;
	c->threads = 1;
	c->ckpt_every = 100;
	c->val_every = 0;
	c->max_new = 12;
}

/* Plan an experiment of the tiny configuration (steps 0: tiny's own) and
 * read its run ids into *runs, which must be `want` of them. */
static int64_t plan_tiny(struct store *st, const char *variants, int seeds, long steps,
			 int64_t **runs, size_t want)
{
	struct experiment_spec spec;
	experiment_spec_init(&spec);
	tiny(&spec.base);
	if (steps)
		spec.base.steps = steps;
	spec.seeds = seeds;
	CHECK_INT(experiment_spec_variants(&spec, variants, err), 0);
	int64_t id;
	size_t n = 0;
	if (experiment_plan(st, &spec, &id, err))
		TEST_SETUP_FAIL("%s", err);
	if (store_experiment_run_ids(st, id, runs, &n, err) || n != want)
		TEST_SETUP_FAIL("runs: %zu %s", n, err);
	return id;
}

/* What the progress callback saw. */
struct seen {
	int64_t stop_run;      /* stop this run ... */
	int64_t stop_step;     /* ... after this step (0: never) */
	int64_t first_step[8]; /* first step seen per run k (1-based k) */
	int prepared[8], skipped[8], evals[8];
	size_t n;
};

static int watch(void *u, const struct experiment_progress *p)
{
	struct seen *s = u;
	s->n = p->n;
	if (p->k < 1 || p->k > 7)
		return 0;
	if (!p->train) {
		s->skipped[p->k]++;
		return 0;
	}
	if (p->train->phase == TRAIN_PHASE_PREPARE)
		s->prepared[p->k]++;
	if (p->train->phase == TRAIN_PHASE_EVAL)
		s->evals[p->k]++;
	if (p->train->phase == TRAIN_PHASE_STEP) {
		if (!s->first_step[p->k])
			s->first_step[p->k] = p->train->step;
		if (p->run_id == s->stop_run && p->train->step == s->stop_step)
			return 1;
	}
	return 0;
}

static char *status_of(struct store *st, int64_t run)
{
	struct store_run r;
	if (store_run_get(st, run, &r, err))
		TEST_SETUP_FAIL("%s", err);
	char *s = util_strdup(r.status);
	store_run_release(&r);
	return s;
}

static void check_status(struct store *st, int64_t run, const char *want)
{
	char *s = status_of(st, run);
	CHECK_MSG(!strcmp(s, want), "run %lld is %s, not %s", (long long)run, s, want);
	free(s);
}

static void check_exp_status(struct store *st, int64_t id, const char *want)
{
	struct store_experiment e;
	CHECK_INT(store_experiment_get(st, id, &e, err), 0);
	CHECK_STR(e.status, want);
	CHECK_INT(e.pid, 0);
	store_experiment_release(&e);
}

/* Items right in run a and wrong in run b (direct answers, or a's answer
 * read from its explanation when explain) over the test split. */
static int64_t discordant(struct store *st, int64_t a, int64_t b, int explain)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM prediction x JOIN prediction y ON x.item_id = y.item_id "
		 "WHERE x.run_id = %lld AND y.run_id = %lld AND x.split = 'test' AND "
		 "x.%s = 1 AND y.correct = 0",
		 (long long)a, (long long)b, explain ? "cot_correct" : "correct");
	sqlite3_stmt *s;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void test_stop_resume(void)
{
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t *runs = NULL;
	size_t n = 4;
	int64_t id = plan_tiny(st, "baseline,mt-cot", 2, 0, &runs, n);

	/* stop in the second run (mt-cot seed 1) after step 7 */
	struct seen s1;
	memset(&s1, 0, sizeof s1);
	s1.stop_run = runs[1];
	s1.stop_step = 7;
	struct experiment_opts o = {NULL, watch, &s1, 0};
	CHECK_INT(experiment_exec(db, id, &o, err), MENTOR_ECANCEL);
	CHECK(strstr(err, "--resume") != NULL);
	CHECK_INT(s1.n, 4);
	CHECK_INT(s1.prepared[1], 1);
	CHECK_INT(s1.first_step[1], 1);
	CHECK(s1.evals[1] > 0);
	CHECK_INT(s1.prepared[2], 1);
	CHECK_INT(s1.prepared[3], 0);
	check_status(st, runs[0], "done");
	check_status(st, runs[1], "stopped");
	check_status(st, runs[2], "queued");
	check_status(st, runs[3], "queued");
	check_exp_status(st, id, "stopped");
	/* partial results: the one evaluated run */
	struct experiment_results r;
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_evaluated, 1);
	CHECK(strstr(r.verdict, "No paired results yet: 1 of 4 runs evaluated.") != NULL);
	experiment_results_release(&r);

	/* a stop flag set before the start stops before any run */
	volatile sig_atomic_t flag = 1;
	struct seen s0;
	memset(&s0, 0, sizeof s0);
	struct experiment_opts o0 = {&flag, watch, &s0, 0};
	CHECK_INT(experiment_exec(db, id, &o0, err), MENTOR_ECANCEL);
	CHECK_INT(s0.prepared[2] + s0.skipped[1], 0);

	/* resume: run 1 is skipped, run 2 goes on from its checkpoint */
	struct seen s2;
	memset(&s2, 0, sizeof s2);
	struct experiment_opts o2 = {NULL, watch, &s2, 0};
	CHECK_MSG(experiment_exec(db, id, &o2, err) == 0, "%s", err);
	CHECK_INT(s2.skipped[1], 1);
	CHECK_INT(s2.prepared[1], 0);
	CHECK_INT(s2.first_step[2], 8);
	CHECK_INT(s2.first_step[3], 1);
	CHECK_INT(s2.first_step[4], 1);
	for (size_t i = 0; i < 4; i++)
		check_status(st, runs[i], "done");
	check_exp_status(st, id, "done");

	/* every run answered every test question */
	for (size_t i = 0; i < 4; i++) {
		int64_t cnt = -1;
		CHECK_INT(store_pred_count(st, runs[i], "test", &cnt, err), 0);
		CHECK_INT(cnt, 40);
	}
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_cells, 3);
	CHECK_INT(r.n_evaluated, 4);
	CHECK_INT(r.split_items, 40);
	CHECK(r.best >= 0 && r.best_vs >= 1);
	CHECK_MSG(strstr(r.verdict, "MT-CoT (") && strstr(r.verdict, ", 2 seeds"), "%s", r.verdict);
	CHECK(strstr(r.verdict, "Partial") == NULL);
	/* the pairing: the same 40 items, seed by seed, against the baseline
	 * run of that seed; the pooled discordant counts are the ones the
	 * database gives */
	for (size_t i = 1; i < r.n_cells; i++) {
		const struct experiment_cell *c = &r.cells[i];
		CHECK_STR(c->variant, "mt-cot");
		CHECK(c->has_diff);
		CHECK_INT(c->n_paired, 2);
		CHECK_INT(c->paired_items, 40);
		CHECK_INT(c->run_id[0], runs[1]);
		CHECK_INT(c->run_id[1], runs[3]);
		int ex = c->mode == EXPERIMENT_EXPLAIN;
		int64_t better = discordant(st, runs[1], runs[0], ex) +
				 discordant(st, runs[3], runs[2], ex);
		CHECK_INT(c->better, better);
		double want = (c->acc[0] - r.cells[0].acc[0] + c->acc[1] - r.cells[0].acc[1]) / 2;
		CHECK_NEAR(c->diff, want, 1e-12);
		CHECK(c->diff_lo <= c->diff + 1e-12 && c->diff <= c->diff_hi + 1e-12);
		CHECK(c->p_mcnemar >= 0 && c->p_mcnemar <= 1);
	}
	CHECK_STR(r.cells[0].variant, "baseline");
	CHECK_INT(r.cells[0].n_items[0], 40);
	experiment_results_release(&r);

	/* an evaluation cut short: the next execution completes it and trains
	 * nothing */
	char sql[160];
	snprintf(sql, sizeof sql,
		 "DELETE FROM prediction WHERE run_id = %lld AND item_id IN "
		 "(SELECT item_id FROM prediction WHERE run_id = %lld LIMIT 5)",
		 (long long)runs[3], (long long)runs[3]);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_evaluated, 3);
	experiment_results_release(&r);
	struct seen s3;
	memset(&s3, 0, sizeof s3);
	struct experiment_opts o3 = {NULL, watch, &s3, 0};
	CHECK_MSG(experiment_exec(db, id, &o3, err) == 0, "%s", err);
	CHECK_INT(s3.skipped[1] + s3.skipped[2] + s3.skipped[3], 3);
	CHECK_INT(s3.prepared[4], 0);
	CHECK(s3.evals[4] > 0);
	int64_t cnt = 0;
	CHECK_INT(store_pred_count(st, runs[3], "test", &cnt, err), 0);
	CHECK_INT(cnt, 40);

	/* stopping a finished experiment is refused; a queued one stops */
	CHECK_INT(experiment_stop(st, id, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "already done") != NULL);
	free(runs);
	store_close(st);
}

static void test_failed_run(void)
{
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t *runs = NULL;
	size_t n = 2;
	int64_t id = plan_tiny(st, "mt-re,baseline", 1, 6, &runs, n);
	/* the first run learns from a source the dataset does not have */
	char sql[200];
	snprintf(sql, sizeof sql,
		 "UPDATE run SET config_json = replace(config_json, "
		 "'\"source\":\"gold\"', '\"source\":\"rp\"') WHERE id = %lld",
		 (long long)runs[0]);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(experiment_stop(st, id, err), 0);
	check_exp_status(st, id, "stopped");
	struct experiment_opts o = {NULL, NULL, NULL, 0};
	CHECK_INT(experiment_exec(db, id, &o, err), MENTOR_ERR);
	CHECK_MSG(strstr(err, "1 of 2 runs") && strstr(err, "no explanations from source 'rp'"),
		  "%s", err);
	check_status(st, runs[0], "failed");
	check_status(st, runs[1], "done");
	check_exp_status(st, id, "failed");
	struct experiment_results r;
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_failed, 1);
	CHECK_INT(r.n_evaluated, 1);
	experiment_results_release(&r);
	/* a second process cannot take a running experiment */
	CHECK_INT(store_experiment_set_status(st, id, "running", (int64_t)getppid(), err), 0);
	CHECK_INT(experiment_exec(db, id, &o, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "already running") != NULL);
	int64_t pid;
	CHECK_INT(experiment_spawn(NULL, db, id, &pid, err), MENTOR_EUSAGE);
	CHECK_INT(store_experiment_set_status(st, id, "failed", 0, err), 0);
	free(runs);
	store_close(st);
}

int main(void)
{
	const char *bin = getenv("MENTOR_BIN");
	if (!bin || !*bin) {
		fprintf(stderr, "MENTOR_BIN is not set\n");
		return 77;
	}
	db = test_path("exp.db");
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' sample arith --splits 60/10/40 --import toy "
		 ">/dev/null",
		 bin, db);
	if (system(cmd) != 0)
		TEST_SETUP_FAIL("cannot generate the dataset: %s", cmd);
	test_stop_resume();
	test_failed_run();
	return test_done();
}
