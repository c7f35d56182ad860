/* test_experiment_results: the table of an experiment whose runs are given
 * hand-made predictions (no training): accuracies, intervals, the paired
 * comparison with the baseline and the verdict, partial and complete; the
 * plan's shape and its refusals. Expected values are worked out in the
 * comments. */
#include <sqlite3.h>

#include "mentor/experiment.h"
#include "mentor/i18n.h"
#include "mentor/store.h"
#include "test.h"

static char err[MENTOR_ERR_LEN];

/* Outcomes per run (10 test items): baseline and MT-CoT direct and
 * explain-then-answer, seeds 1 and 2. */
static const int base_ok[2][10] = {{1, 0, 0, 1, 0, 0, 1, 0, 0, 0}, {0, 0, 1, 1, 0, 0, 0, 0, 1, 0}};
static const int cot_dir[2][10] = {{1, 1, 0, 1, 0, 1, 1, 0, 0, 0}, {0, 1, 1, 1, 0, 0, 1, 0, 1, 0}};
static const int cot_exp[2][10] = {{1, 1, 1, 1, 0, 1, 1, 1, 0, 1}, {1, 1, 1, 1, 1, 0, 1, 0, 1, 0}};

static int64_t test_item[10];

static int64_t ds_id_of(struct store *st, const char *name)
{
	char e2[MENTOR_ERR_LEN];
	struct store_dataset d;
	if (store_dataset_get(st, name, &d, e2))
		TEST_SETUP_FAIL("%s", e2);
	int64_t id = d.id;
	store_dataset_release(&d);
	return id;
}

static void make_dataset(struct store *st)
{
	int64_t ds;
	if (store_dataset_upsert(st, "toy", "test", "generic", "x", &ds, err) ||
	    store_begin(st, err))
		TEST_SETUP_FAIL("%s", err);
	for (int i = 0; i < 14; i++) {
		char ext[16], q[32], a[8];
		snprintf(ext, sizeof ext, "i%d", i);
		snprintf(q, sizeof q, "What is %d + 1?", i);
		snprintf(a, sizeof a, "%d", i + 1);
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = ds;
		it.split = i < 10 ? "test" : "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = a;
		it.answer_type = STORE_ANS_NUMBER;
		it.gold_rationale = "add one";
		if (store_item_upsert(st, &it, err))
			TEST_SETUP_FAIL("%s", err);
		if (i < 10)
			test_item[i] = it.id;
	}
	if (store_commit(st, err))
		TEST_SETUP_FAIL("%s", err);
}

/* Mark run done with predictions: direct outcomes d, explain ones e (NULL:
 * not applicable). */
static void finish_run(struct store *st, int64_t run, const int *d, const int *e)
{
	for (int i = 0; i < 10; i++) {
		struct store_pred p;
		memset(&p, 0, sizeof p);
		p.run_id = run;
		p.item_id = test_item[i];
		p.split = "test";
		p.answer = "0";
		p.correct = d[i];
		p.cot_correct = e ? e[i] : -1;
		if (store_pred_put(st, &p, err))
			TEST_SETUP_FAIL("%s", err);
	}
	if (store_run_set_status(st, run, "done", NULL, 0, err))
		TEST_SETUP_FAIL("%s", err);
}

static void test_plan_refusals(struct store *st)
{
	struct experiment_spec s;
	experiment_spec_init(&s);
	CHECK_INT(s.n_variants, 4);
	CHECK_INT(s.seeds, EXPERIMENT_DEFAULT_SEEDS);
	struct train_config d;
	train_config_defaults(&d);
	CHECK_INT(s.base.steps, d.steps);
	CHECK_STR(s.base.preset, d.preset);
	CHECK_INT(s.base.source, d.source);
	int64_t id = 0;
	/* no dataset */
	snprintf(s.base.dataset, sizeof s.base.dataset, "nope");
	CHECK_INT(experiment_plan(st, &s, &id, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "no dataset 'nope'") != NULL);
	/* the multi-task variants without accepted explanations, asked for */
	snprintf(s.base.dataset, sizeof s.base.dataset, "toy");
	s.base.source = TRAIN_SRC_ACCEPTED;
	s.auto_source = 0;
	CHECK_INT(experiment_plan(st, &s, &id, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "no accepted explanations") && strstr(err, "--source gold"));
	/* with the source left to the plan: the toy's gold rationales */
	int src = -1;
	CHECK_INT(experiment_pick_source(st, ds_id_of(st, "toy"), &src, err), 0);
	CHECK_INT(src, TRAIN_SRC_GOLD);
	/* the baseline alone needs none */
	CHECK_INT(experiment_spec_variants(&s, "baseline", err), 0);
	s.seeds = 0;
	CHECK_INT(experiment_plan(st, &s, &id, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "seeds") != NULL);
	s.seeds = 1;
	s.base.steps = -5;
	CHECK_INT(experiment_plan(st, &s, &id, err), MENTOR_EUSAGE);
	/* variant lists */
	CHECK_INT(experiment_spec_variants(&s, "baseline,mt-cot,baseline", err), MENTOR_EUSAGE);
	CHECK(strstr(err, "twice") != NULL);
	CHECK_INT(experiment_spec_variants(&s, "baseline,,mt-cot", err), MENTOR_EUSAGE);
	CHECK_INT(experiment_spec_variants(&s, "mt-xx", err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown variant 'mt-xx'") != NULL);
	CHECK_INT(experiment_spec_variants(&s, "", err), MENTOR_EUSAGE);
	CHECK_INT(experiment_spec_variants(&s, "mt-cot,mt-re", err), 0);
	CHECK_INT(s.n_variants, 2);
	CHECK(s.variants[0] == TRAIN_MT_COT && s.variants[1] == TRAIN_MT_RE);
	/* nothing was created by the refusals */
	struct store_experiment *all;
	size_t n;
	CHECK_INT(store_experiment_list(st, &all, &n, err), 0);
	CHECK_INT(n, 0);
	free(all);
}

static const struct experiment_cell *cell(const struct experiment_results *r, const char *v,
					  int mode)
{
	for (size_t i = 0; i < r->n_cells; i++)
		if (!strcmp(r->cells[i].variant, v) && r->cells[i].mode == mode)
			return &r->cells[i];
	return NULL;
}

int main(void)
{
	struct store *st = store_open(test_path("results.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	make_dataset(st);
	test_plan_refusals(st);

	struct experiment_spec s;
	experiment_spec_init(&s);
	snprintf(s.base.dataset, sizeof s.base.dataset, "toy");
	s.base.source = TRAIN_SRC_GOLD;
	s.base.steps = 123;
	s.seeds = 2;
	CHECK_INT(experiment_spec_variants(&s, "baseline,mt-cot", err), 0);
	int64_t id = 0;
	CHECK_INT(experiment_plan(st, &s, &id, err), 0);
	CHECK(id > 0);

	/* four queued runs, seed-major, named after the experiment */
	int64_t *runs = NULL;
	size_t n = 0;
	CHECK_INT(store_experiment_run_ids(st, id, &runs, &n, err), 0);
	CHECK_INT(n, 4);
	if (n != 4)
		return test_done();
	static const char *const names[4] = {"baseline s1", "mt-cot s1", "baseline s2",
					     "mt-cot s2"};
	for (size_t i = 0; i < 4; i++) {
		struct store_run r;
		CHECK_INT(store_run_get(st, runs[i], &r, err), 0);
		char want[64];
		snprintf(want, sizeof want, "exp%lld %s", (long long)id, names[i]);
		CHECK_STR(r.name, want);
		CHECK_STR(r.status, "queued");
		CHECK_STR(r.source, "gold");
		CHECK_INT(r.total_steps, 123);
		struct train_config c;
		CHECK_INT(train_config_from_json(r.config_json, &c, err), 0);
		CHECK_INT(c.seed, i < 2 ? 1 : 2);
		CHECK_INT(c.steps, 123);
		store_run_release(&r);
	}
	struct store_experiment e;
	CHECK_INT(store_experiment_get(st, id, &e, err), 0);
	char ename[32];
	snprintf(ename, sizeof ename, "exp%lld", (long long)id);
	CHECK_STR(e.name, ename);
	CHECK_STR(e.status, "queued");
	store_experiment_release(&e);

	/* nothing evaluated yet */
	struct experiment_results r;
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_cells, 3);
	CHECK_INT(r.n_runs, 4);
	CHECK_INT(r.n_evaluated, 0);
	CHECK_INT(r.split_items, 10);
	CHECK_STR(r.split, "test");
	CHECK_INT(r.best, -1);
	CHECK_INT(r.best_vs, -1);
	CHECK_STR(r.verdict, "No paired results yet: 0 of 4 runs evaluated.");
	experiment_results_release(&r);

	/* seed 1 done: one pair. MT-CoT explain-then-answer 8/10 vs baseline
	 * 3/10: +50 points; 5 items better, none worse, McNemar p = 2/2^5;
	 * bootstrap [0.2, 0.8] (python reimplementation of the rng, see
	 * tests/stats: boot([mexp[0]], [base[0]], 20221001)). The one seed's
	 * interval is Wilson's: for 8/10, [0.490162, 0.943318]. */
	finish_run(st, runs[0], base_ok[0], NULL);
	finish_run(st, runs[1], cot_dir[0], cot_exp[0]);
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_evaluated, 2);
	const struct experiment_cell *x = cell(&r, "mt-cot", EXPERIMENT_EXPLAIN);
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(x->s.n, 1);
		CHECK_NEAR(x->acc[0], 0.8, 1e-12);
		CHECK(isnan(x->acc[1]));
		CHECK_STR(x->ci_method, "wilson");
		CHECK_NEAR(x->lo, 0.490162, 1e-6);
		CHECK_NEAR(x->hi, 0.943318, 1e-6);
		CHECK_INT(x->n_paired, 1);
		CHECK_INT(x->better, 5);
		CHECK_INT(x->worse, 0);
		CHECK_NEAR(x->p_mcnemar, 0.0625, 1e-12);
		CHECK_NEAR(x->diff, 0.5, 1e-12);
		CHECK_NEAR(x->diff_lo, 0.2, 1e-12);
		CHECK_NEAR(x->diff_hi, 0.8, 1e-12);
	}
	CHECK_STR(r.verdict, "MT-CoT (explain-then-answer) answers 50 points more test questions "
			     "than the baseline, 95% CI 20 to 80, 1 seed. Partial: 2 of 4 runs "
			     "evaluated.");
	experiment_results_release(&r);

	/* both seeds. Baseline 3/10 twice: mean 0.3, sd 0. MT-CoT direct 5/10
	 * twice (+20 points, 4 better, 0 worse: p = 2/2^4 = 0.125, bootstrap
	 * [0.0, 0.4]); explain 8/10 and 7/10: mean 0.75, sd sqrt(0.005) =
	 * 0.0707107, t interval 0.75 -/+ 12.706205 * 0.05 = [0.114690,
	 * 1.385310], shown clamped to [0.114690, 1]; vs baseline +45 points,
	 * 9 better, 0 worse, p = 2/2^9 = 0.00390625, bootstrap [0.3, 0.6]. */
	finish_run(st, runs[2], base_ok[1], NULL);
	finish_run(st, runs[3], cot_dir[1], cot_exp[1]);
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_evaluated, 4);
	CHECK_INT(r.n_done, 4);
	CHECK_INT(r.steps, 123);
	CHECK_STR(r.source, "gold");
	CHECK_STR(r.dataset, "toy");
	x = cell(&r, "baseline", EXPERIMENT_DIRECT);
	CHECK(x != NULL && !x->has_diff && x->s.n == 2);
	if (x) {
		CHECK_NEAR(x->s.mean, 0.3, 1e-12);
		CHECK_NEAR(x->s.sd, 0, 1e-12);
		CHECK_INT(x->run_id[0], runs[0]);
		CHECK_INT(x->run_id[1], runs[2]);
		CHECK_INT(x->n_items[1], 10);
	}
	CHECK(cell(&r, "baseline", EXPERIMENT_EXPLAIN) == NULL);
	x = cell(&r, "mt-cot", EXPERIMENT_DIRECT);
	CHECK(x != NULL);
	if (x) {
		CHECK_NEAR(x->s.mean, 0.5, 1e-12);
		CHECK_NEAR(x->diff, 0.2, 1e-12);
		CHECK_INT(x->better, 4);
		CHECK_INT(x->worse, 0);
		CHECK_NEAR(x->p_mcnemar, 0.125, 1e-12);
		CHECK_NEAR(x->diff_lo, 0.0, 1e-12);
		CHECK_NEAR(x->diff_hi, 0.4, 1e-12);
		CHECK_INT(x->paired_items, 10);
	}
	x = cell(&r, "mt-cot", EXPERIMENT_EXPLAIN);
	CHECK(x != NULL);
	if (x) {
		CHECK_STR(x->ci_method, "t");
		CHECK_NEAR(x->s.mean, 0.75, 1e-12);
		CHECK_NEAR(x->s.sd, 0.0707107, 1e-6);
		CHECK_NEAR(x->lo, 0.114690, 1e-6);
		CHECK_NEAR(x->hi, 1.0, 1e-12);
		CHECK_NEAR(x->diff, 0.45, 1e-12);
		CHECK_INT(x->better, 9);
		CHECK_INT(x->worse, 0);
		CHECK_NEAR(x->p_mcnemar, 0.00390625, 1e-12);
		CHECK_NEAR(x->diff_lo, 0.3, 1e-12);
		CHECK_NEAR(x->diff_hi, 0.6, 1e-12);
		CHECK_INT(x->n_paired, 2);
	}
	CHECK(r.best >= 0 && r.cells[r.best].mode == EXPERIMENT_EXPLAIN);
	CHECK(r.best_vs == r.best);
	CHECK_STR(r.verdict, "MT-CoT (explain-then-answer) answers 45 points more test questions "
			     "than the baseline, 95% CI 30 to 60, 2 seeds.");
	experiment_results_release(&r);

	/* a run that lost predictions (an interrupted evaluation) drops out of
	 * the table and its pair goes with it */
	CHECK_INT(sqlite3_exec(store_db(st),
			       "DELETE FROM prediction WHERE rowid IN (SELECT rowid "
			       "FROM prediction ORDER BY rowid DESC LIMIT 1)",
			       NULL, NULL, NULL),
		  0);
	CHECK_INT(experiment_results(st, id, &r, err), 0);
	CHECK_INT(r.n_evaluated, 3);
	x = cell(&r, "mt-cot", EXPERIMENT_EXPLAIN);
	if (x)
		CHECK_INT(x->n_paired, 1);
	CHECK(strstr(r.verdict, "Partial: 3 of 4 runs evaluated.") != NULL);
	experiment_results_release(&r);

	/* the verdict's other wordings, from hand-set tables */
	struct experiment_cell cells[2];
	memset(cells, 0, sizeof cells);
	cells[0].variant = "baseline";
	cells[1].variant = "mt-re";
	cells[1].has_diff = 1;
	cells[1].n_paired = 3;
	cells[1].diff = -0.052;
	cells[1].diff_lo = -0.081;
	cells[1].diff_hi = -0.02;
	struct experiment_results h;
	memset(&h, 0, sizeof h);
	snprintf(h.split, sizeof h.split, "test");
	h.cells = cells;
	h.n_cells = 2;
	h.best_vs = 1;
	h.n_runs = h.n_evaluated = 6;
	char v[512];
	experiment_verdict(&h, v, sizeof v);
	CHECK_STR(v, "MT-Re (direct) answers 5.2 points fewer test questions than the baseline, "
		     "95% CI -8.1 to -2, 3 seeds.");
	cells[1].diff = 0.004;
	cells[1].diff_lo = -0.03;
	cells[1].diff_hi = 0.04;
	experiment_verdict(&h, v, sizeof v);
	CHECK_STR(v, "MT-Re (direct): no clear difference from the baseline (+0.4 points, 95% CI "
		     "-3 to 4, 3 seeds).");
	h.n_cells = 1;
	h.cells = &cells[1];
	experiment_verdict(&h, v, sizeof v);
	CHECK_STR(v, "No baseline in this experiment, so nothing to compare with.");
	h.cells = &cells[0];
	experiment_verdict(&h, v, sizeof v);
	CHECK_STR(v, "Only the baseline in this experiment, so nothing to compare it with.");
	h.cells = &cells[1];
	experiment_verdict(&h, v, 8);
	CHECK_INT(strlen(v), 7);

	/* the same verdicts in Japanese */
	h.cells = cells;
	h.n_cells = 2;
	cells[1].diff = -0.052;
	cells[1].diff_lo = -0.081;
	cells[1].diff_hi = -0.02;
	experiment_verdict_lang(&h, I18N_JA, v, sizeof v);
	CHECK_STR(v, "MT-Re (直接回答) はベースラインより正解が 5.2 ポイント少ない (test 分割、"
		     "95% 信頼区間 -8.1〜-2、シード 3 個)。");
	cells[1].diff = 0.004;
	cells[1].diff_lo = -0.03;
	cells[1].diff_hi = 0.04;
	cells[1].mode = EXPERIMENT_EXPLAIN;
	h.n_evaluated = 5;
	h.n_failed = 1;
	experiment_verdict_lang(&h, I18N_JA, v, sizeof v);
	CHECK_STR(v, "MT-Re (説明してから回答): ベースラインとの明確な差はありません (+0.4 "
		     "ポイント、95% 信頼区間 -3〜4、シード 3 個)。（途中結果: 評価済み 5 / 6 実行、"
		     "一部失敗）");
	experiment_verdict(&h, v, sizeof v);
	CHECK(strstr(v, " Partial: 5 of 6 runs evaluated, some failed.") != NULL);
	h.best_vs = -1;
	experiment_verdict_lang(&h, I18N_JA, v, sizeof v);
	CHECK_STR(v, "比較できる結果はまだありません (評価済み 5 / 6 実行、一部失敗)。");
	h.n_cells = 1;
	experiment_verdict_lang(&h, I18N_JA, v, sizeof v);
	CHECK(strncmp(v, "この実験にはベースラインしかない", 48) == 0);
	/* cut on a small buffer, never past it */
	experiment_verdict_lang(&h, I18N_JA, v, 10);
	CHECK(strlen(v) <= 9);

	CHECK_INT(experiment_results(st, id + 99, &r, err), MENTOR_ENOTFOUND);
	/* a damaged plan is an error, not a crash */
	char sql[128];
	snprintf(sql, sizeof sql,
		 "UPDATE experiment SET config_json='{\"variants\":[1]}' WHERE "
		 "id=%lld",
		 (long long)id);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), 0);
	CHECK_INT(experiment_results(st, id, &r, err), MENTOR_ERR);
	CHECK(strstr(err, "bad variant list") != NULL);
	snprintf(sql, sizeof sql, "UPDATE experiment SET config_json='[' WHERE id=%lld",
		 (long long)id);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), 0);
	CHECK_INT(experiment_results(st, id, &r, err), MENTOR_ERR);
	free(runs);
	store_close(st);
	return test_done();
}
