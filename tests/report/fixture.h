/* fixture: the small workspace the report and export tests share, made
 * through the store API: a dataset of 8 items (one hostile, one Japanese,
 * one multiple choice), explanations in every mode and review status, a
 * baseline and an MT-CoT run with metrics and predictions, and an empty
 * dataset. The expected numbers of the tests are computed by hand from it. */
#ifndef MENTOR_TEST_REPORT_FIXTURE_H
#define MENTOR_TEST_REPORT_FIXTURE_H

#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

/* The hostile question: markup, quotes, an ampersand and an ESC sequence. */
#define FX_HOSTILE "<script>alert(\"x&y\")</script> 'q' \x1b[31mred"
#define FX_JA_Q "りんごが3個、みかんが4個あります。果物は全部で何個ですか？"
#define FX_JA_EDIT "りんご3個とみかん4個で、3 + 4 = 7。"
#define FX_JA_COT "3 + 4 = 7 です。"

enum { FX_Q1, FX_Q2, FX_Q3, FX_Q4, FX_Q5, FX_Q6, FX_T1, FX_T2, FX_N };

struct fixture {
	int64_t dataset, empty_dataset, bare_dataset;
	int64_t item[FX_N];
	int64_t base_run, mt_run, idle_run;
};

static inline int64_t fx_item(struct store *st, int64_t ds, const char *split, const char *ext,
			      const char *q, const char *choices, const char *ans, const char *type,
			      const char *rationale)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it;
	memset(&it, 0, sizeof it);
	it.dataset_id = ds;
	it.split = (char *)split;
	it.ext_id = (char *)ext;
	it.question = (char *)q;
	it.choices_json = (char *)choices;
	it.answer = (char *)ans;
	it.answer_type = (char *)type;
	it.gold_rationale = (char *)rationale;
	if (store_item_upsert(st, &it, err))
		TEST_SETUP_FAIL("item %s: %s", ext, err);
	return it.id;
}

/* Insert an explanation, then review it (action NULL = leave pending) and
 * optionally edit it. */
static inline int64_t fx_expl(struct store *st, int64_t item, const char *mode, const char *path,
			      const char *text, int correct, const char *action, const char *edit)
{
	char err[MENTOR_ERR_LEN];
	struct store_expl e;
	memset(&e, 0, sizeof e);
	e.item_id = item;
	e.mode = (char *)mode;
	e.path = (char *)path;
	e.provider = (char *)"offline";
	e.model = (char *)"teacher-1";
	e.text = (char *)text;
	e.correct = correct;
	if (store_expl_insert(st, &e, err))
		TEST_SETUP_FAIL("explanation: %s", err);
	if (action && store_expl_decide(st, e.id, action, "tester", err))
		TEST_SETUP_FAIL("decide: %s", err);
	if (edit && store_expl_edit(st, e.id, edit, NULL, "tester", err))
		TEST_SETUP_FAIL("edit: %s", err);
	return e.id;
}

static inline void fx_pred(struct store *st, int64_t run, int64_t item, const char *ans,
			   int correct, const char *cot, const char *cot_ans, int cot_correct)
{
	char err[MENTOR_ERR_LEN];
	struct store_pred p;
	memset(&p, 0, sizeof p);
	p.run_id = run;
	p.item_id = item;
	p.split = (char *)"test";
	p.answer = (char *)ans;
	p.correct = correct;
	p.cot_text = (char *)cot;
	p.cot_answer = (char *)cot_ans;
	p.cot_correct = cot_correct;
	if (store_pred_put(st, &p, err))
		TEST_SETUP_FAIL("prediction: %s", err);
}

static inline int64_t fx_run(struct store *st, int64_t ds, const char *name, const char *variant)
{
	char err[MENTOR_ERR_LEN];
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = ds;
	r.name = (char *)name;
	r.variant = (char *)variant;
	r.alpha = 0.5;
	r.source = (char *)"cot";
	r.status = (char *)"done";
	r.step = 20;
	r.total_steps = 20;
	if (store_run_insert(st, &r, err))
		TEST_SETUP_FAIL("run: %s", err);
	return r.id;
}

static inline void fx_metric(struct store *st, int64_t run, const char *name, int64_t step,
			     double v)
{
	char err[MENTOR_ERR_LEN];
	if (store_metric_add(st, run, step, (double)step, name, v, err))
		TEST_SETUP_FAIL("metric: %s", err);
}

/* Build the fixture in a new workspace at path; returns the open store. */
static inline struct store *fixture_make(const char *path, struct fixture *fx)
{
	char err[MENTOR_ERR_LEN];
	unlink(path);
	struct store *st = store_open(path, err);
	if (!st)
		TEST_SETUP_FAIL("open: %s", err);
	memset(fx, 0, sizeof *fx);
	if (store_dataset_upsert(st, "arith", "fixture", "generic", NULL, &fx->dataset, err) ||
	    store_dataset_upsert(st, "empty", "fixture", "generic", NULL, &fx->empty_dataset,
				 err) ||
	    store_dataset_upsert(st, "bare", "fixture", "generic", NULL, &fx->bare_dataset, err))
		TEST_SETUP_FAIL("dataset: %s", err);
	int64_t ds = fx->dataset;
	fx->item[FX_Q1] = fx_item(st, ds, "test", "q1", "What is 2+3?", NULL, "5", "number",
				  "2 plus 3 is 5.");
	fx->item[FX_Q2] = fx_item(st, ds, "test", "q2", FX_HOSTILE, NULL, "7", "number",
				  "<b>bold</b> & done");
	fx->item[FX_Q3] = fx_item(st, ds, "test", "q3", FX_JA_Q, NULL, "7", "number",
				  "3 + 4 = 7 なので、答えは7個です。");
	fx->item[FX_Q4] =
		fx_item(st, ds, "test", "q4", "Which is a prime?",
			"[{\"label\":\"A\",\"text\":\"4\"},{\"label\":\"B\",\"text\":\"5\"},"
			"{\"label\":\"C\",\"text\":\"6\"}]",
			"B", "mc", NULL);
	fx->item[FX_Q5] = fx_item(st, ds, "test", "q5", "What is 10-4?", NULL, "6", "number", NULL);
	fx->item[FX_Q6] = fx_item(st, ds, "test", "q6", "What is 3*3?", NULL, "9", "number", NULL);
	fx->item[FX_T1] = fx_item(st, ds, "train", "t1", "What is 1+1?", NULL, "2", "number", NULL);
	fx->item[FX_T2] = fx_item(st, ds, "train", "t2", "What is 2*4?", NULL, "8", "number", NULL);
	fx_item(st, fx->bare_dataset, "train", "b1", "Lonely question?", NULL, "yes", "yesno",
		NULL);

	/* explanations: cot 4 accepted + 2 rejected; rp 1 pending, 1 accepted,
	 * 1 rejected, 1 flagged; crop 1 pending */
	fx_expl(st, fx->item[FX_Q1], "cot", "cot", "2 and 3 make 5. So the answer is 5.", 1,
		"accept", NULL);
	fx_expl(st, fx->item[FX_Q1], "rp", "rp", "Because 2+3=5.", 1, NULL, NULL);
	fx_expl(st, fx->item[FX_Q2], "cot", "cot", "<img src=x onerror=alert(1)>", 0, "reject",
		NULL);
	fx_expl(st, fx->item[FX_Q2], "rp", "rp", "Hostile & <b>flagged</b>", 1, "flag", NULL);
	fx_expl(st, fx->item[FX_Q3], "cot", "cot", "3 plus 4 is 7.", 1, "accept", FX_JA_EDIT);
	fx_expl(st, fx->item[FX_Q4], "rp", "rp",
		"5 has no divisors other than 1 and itself. So the answer is B.", 1, "accept",
		NULL);
	fx_expl(st, fx->item[FX_T1], "cot", "cot", "1 plus 1 is 2.", 1, "accept", NULL);
	fx_expl(st, fx->item[FX_T1], "crop", "rp", "One and one make two.", 1, NULL, NULL);
	fx_expl(st, fx->item[FX_T2], "cot", "cot", "wrong 9", 0, "reject", NULL);
	fx_expl(st, fx->item[FX_T2], "cot", "cot", "2 times 4 is 8. Therefore, the answer is 8.", 1,
		"accept", NULL);
	fx_expl(st, fx->item[FX_T2], "rp", "rp", "nope", 0, "reject", NULL);

	/* runs */
	fx->base_run = fx_run(st, ds, "base", "baseline");
	fx->mt_run = fx_run(st, ds, "mtcot", "mt-cot");
	fx->idle_run = fx_run(st, ds, "idle", "mt-re");
	for (int s = 0; s <= 20; s += 10) {
		fx_metric(st, fx->base_run, "loss", s, 2.1 - 0.025 * s);
		fx_metric(st, fx->mt_run, "loss", s, 2.0 - 0.04 * s);
		fx_metric(st, fx->mt_run, "loss_ans", s, 1.0 - 0.02 * s);
		fx_metric(st, fx->mt_run, "loss_exp", s, 3.0 - 0.06 * s);
		if (s > 0)
			fx_metric(st, fx->mt_run, "val_loss", s, 2.2 - 0.03 * s);
	}
	/* baseline: 3/6 direct */
	fx_pred(st, fx->base_run, fx->item[FX_Q1], "5", 1, NULL, NULL, -1);
	fx_pred(st, fx->base_run, fx->item[FX_Q2], "6", 0, NULL, NULL, -1);
	fx_pred(st, fx->base_run, fx->item[FX_Q3], "7", 1, NULL, NULL, -1);
	fx_pred(st, fx->base_run, fx->item[FX_Q4], "A", 0, NULL, NULL, -1);
	fx_pred(st, fx->base_run, fx->item[FX_Q5], "6", 1, NULL, NULL, -1);
	fx_pred(st, fx->base_run, fx->item[FX_Q6], "6", 0, NULL, NULL, -1);
	/* mt-cot: 4/6 direct, 3/5 explain-then-answer */
	fx_pred(st, fx->mt_run, fx->item[FX_Q1], "4", 0, "2+3=4", "4", 0);        /* broken */
	fx_pred(st, fx->mt_run, fx->item[FX_Q2], "7", 1, "<i>seven</i>", "7", 1); /* fixed */
	fx_pred(st, fx->mt_run, fx->item[FX_Q3], "7", 1, FX_JA_COT, "7", 1);      /* both right */
	fx_pred(st, fx->mt_run, fx->item[FX_Q4], "B", 1, "5 is prime", "A", 0);   /* fixed */
	fx_pred(st, fx->mt_run, fx->item[FX_Q5], "6", 1, "10-4=6", "6", 1);       /* both right */
	fx_pred(st, fx->mt_run, fx->item[FX_Q6], "8", 0, NULL, NULL, -1);         /* both wrong */
	return st;
}

#endif
