/* train_mkws: builds a workspace for the Train and Inspect screen tests
 * through the store API, without training: dataset "coin" with 40 test items
 * (gold rationales, one in Japanese, one with an escape sequence) and 10
 * train items, runs
 * #1 baseline (done), #2 mt-cot (done) and #3 mt-cot (stopped), with loss
 * metrics and predictions whose counts are known: A=#2 vs B=#1 gives 13
 * fixed, 6 broken, direct 27/40 vs 20/40, explain-then-answer 30/40.
 * With "sums", also dataset "sums" (arithmetic, 3 train and 3 test items)
 * and, after the coin runs, #4 mt-cot "sums-cot" (done, tiny, seed 1, a
 * checkpoint that does not exist), #5 baseline "sums-far" (done, small,
 * seed 2) and #6 baseline "sums-base" (done, tiny, seed 1, the newest run);
 * #4's explanations: s1 (train) right answer after a wrong step, s2 (train)
 * and s4 (test) sound, s5 (test) without steps: 2 of 4 sound, 1 right-wrong;
 * test accuracy 75% for #4 and 0% for #5 and #6.
 * With "many", the sums runs and then #7..#104 without metrics: even ids
 * mt-cot "extra-N" of coin (done), odd ids baseline "extra-N" of sums
 * (stopped at step 0), for the Train list past runs 9 and 99.
 * usage: train_mkws DB [sums|many] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/store.h"
#include "mentor/util.h"

static void die(const char *what, const char *err)
{
	fprintf(stderr, "train_mkws: %s: %s\n", what, err);
	exit(99);
}

static int64_t add_run_cfg(struct store *st, int64_t ds, const char *name, const char *variant,
			   const char *status, int64_t step, const char *config, const char *ckpt)
{
	char err[MENTOR_ERR_LEN];
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = ds;
	r.name = (char *)name;
	r.variant = (char *)variant;
	r.alpha = 0.5;
	r.source = "gold";
	r.kind = "internal";
	r.status = (char *)status;
	r.step = step;
	r.total_steps = 200;
	r.config_json = (char *)config;
	r.checkpoint = (char *)ckpt;
	if (store_run_insert(st, &r, err))
		die("run", err);
	for (int64_t s = 1; s <= step; s++) {
		double t = 0.05 * (double)s, base = 3.0 * exp(-(double)s / 60.0) + 0.4;
		double noise = 0.05 * sin((double)s * 1.7);
		if (store_metric_add(st, r.id, s, t, "loss", base + noise, err) ||
		    store_metric_add(st, r.id, s, t, "loss_ans", base * 0.8 + noise, err) ||
		    store_metric_add(st, r.id, s, t, "lr", 1e-3, err) ||
		    store_metric_add(st, r.id, s, t, "tok_s", 1500, err))
			die("metric", err);
		if (strcmp(variant, "baseline") &&
		    store_metric_add(st, r.id, s, t, "loss_exp", base * 1.2 + noise, err))
			die("metric", err);
		if (s % 20 == 0 && store_metric_add(st, r.id, s, t, "val_loss", base + 0.1, err))
			die("metric", err);
	}
	return r.id;
}

static int64_t add_run(struct store *st, int64_t ds, const char *name, const char *variant,
		       const char *status, int64_t step)
{
	return add_run_cfg(st, ds, name, variant, status, step, NULL, NULL);
}

static int64_t add_item(struct store *st, int64_t ds, const char *ext, const char *split,
			const char *q, const char *ans, const char *type, const char *rationale)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it;
	memset(&it, 0, sizeof it);
	it.dataset_id = ds;
	it.split = (char *)split;
	it.ext_id = (char *)ext;
	it.question = (char *)q;
	it.answer = (char *)ans;
	it.answer_type = (char *)type;
	it.gold_rationale = (char *)rationale;
	if (store_item_upsert(st, &it, err))
		die("item", err);
	return it.id;
}

static void sums_pred(struct store *st, int64_t run, int64_t item, const char *split,
		      const char *ans, int correct, const char *cot, const char *cot_ans,
		      int cot_correct)
{
	char err[MENTOR_ERR_LEN];
	struct store_pred p;
	memset(&p, 0, sizeof p);
	p.run_id = run;
	p.item_id = item;
	p.split = (char *)split;
	p.answer = (char *)ans;
	p.correct = correct;
	p.cot_text = (char *)cot;
	p.cot_answer = (char *)cot_ans;
	p.cot_correct = cot_correct;
	if (store_pred_put(st, &p, err))
		die("pred", err);
}

/* The "sums" dataset and its runs #4..#6 (see the head of the file). */
static void add_sums(struct store *st)
{
	char err[MENTOR_ERR_LEN];
	int64_t ds;
	if (store_dataset_upsert(st, "sums", "sample:sums", "sample", NULL, &ds, err))
		die("dataset", err);
	int64_t s1 = add_item(st, ds, "s1", "train", "Ann has 3 pens and gets 4 more. How many?",
			      "7", "number", "3 + 4 = 7");
	int64_t s2 = add_item(st, ds, "s2", "train", "Bo has 2 cups and gets 2 more. How many?",
			      "4", "number", "2 + 2 = 4");
	add_item(st, ds, "s3", "train", "Cy has 1 hat and gets 1 more. How many?", "2", "number",
		 "1 + 1 = 2");
	int64_t s4 = add_item(st, ds, "s4", "test", "Di has 5 keys and gets 6 more. How many?",
			      "11", "number", "5 + 6 = 11");
	int64_t s5 = add_item(st, ds, "s5", "test", "Ed has 8 cards and gets 1 more. How many?",
			      "9", "number", "8 + 1 = 9");
	static const char tiny1[] = "{\"preset\":\"tiny\",\"layers\":2,\"width\":64,"
				    "\"heads\":2,\"context\":128,\"steps\":200,\"seed\":\"1\"}";
	static const char small2[] = "{\"preset\":\"small\",\"layers\":4,\"width\":128,"
				     "\"heads\":4,\"context\":256,\"steps\":200,\"seed\":\"2\"}";
	int64_t cot = add_run_cfg(st, ds, "sums-cot", "mt-cot", "done", 200, tiny1,
				  "/nonexistent/mentor-test/ckpt.bin");
	int64_t far = add_run_cfg(st, ds, "sums-far", "baseline", "done", 200, small2, NULL);
	int64_t base = add_run_cfg(st, ds, "sums-base", "baseline", "done", 200, tiny1, NULL);
	/* the evaluation at the end of each run, on the test split */
	if (store_metric_add(st, cot, 200, 10, "acc_test", 0.75, err) ||
	    store_metric_add(st, cot, 200, 10, "acc_expl_test", 0.75, err) ||
	    store_metric_add(st, far, 200, 10, "acc_test", 0, err) ||
	    store_metric_add(st, base, 200, 10, "acc_test", 0, err))
		die("metric", err);
	sums_pred(st, cot, s1, "train", "7", 1, "3 + 4 = 8. So the answer is 7.", "7", 1);
	sums_pred(st, cot, s2, "train", "4", 1, "2 + 2 = 4. So the answer is 4.", "4", 1);
	sums_pred(st, cot, s4, "test", "11", 1, "5 + 6 = 11. So the answer is 11.", "11", 1);
	sums_pred(st, cot, s5, "test", "8", 0, "Ed has some cards, so 8.", "8", 0);
	int64_t items[] = {s1, s2, s4, s5};
	const char *splits[] = {"train", "train", "test", "test"};
	for (int i = 0; i < 4; i++) {
		sums_pred(st, base, items[i], splits[i], "1", 0, NULL, NULL, -1);
		sums_pred(st, far, items[i], splits[i], "1", 0, NULL, NULL, -1);
	}
}

int main(int argc, char **argv)
{
	int many = argc == 3 && !strcmp(argv[2], "many");
	if (argc != 2 && !(argc == 3 && (!strcmp(argv[2], "sums") || many)))
		die("usage", "train_mkws DB [sums|many]");
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(argv[1], err);
	if (!st)
		die("open", err);
	int64_t ds;
	if (store_dataset_upsert(st, "coin", "sample:coin", "sample", NULL, &ds, err))
		die("dataset", err);
	if (store_begin(st, err))
		die("begin", err);
	int64_t ids[41];
	for (int i = 1; i <= 40; i++) {
		char ext[32], q[160], rat[200];
		snprintf(ext, sizeof ext, "c%d", i);
		snprintf(q, sizeof q,
			 "Question %d: a coin is heads up; it is flipped %d times. Is it "
			 "still heads up?",
			 i, i % 4);
		snprintf(rat, sizeof rat, "Flipped %d times, so the answer is %s.", i % 4,
			 i % 2 ? "no" : "yes");
		ids[i] = add_item(st, ds, ext, "test",
				  i == 1 ? "コインは表です。太郎が裏返しました。まだ表ですか？"
				  : i == 2 ? "Escape test: \x1b[2J flipped?"
					   : q,
				  i % 2 ? "no" : "yes", "yesno",
				  i == 1 ? "太郎が裏返したので、裏です。" : rat);
	}
	for (int i = 41; i <= 50; i++) {
		char ext[32], q[160];
		snprintf(ext, sizeof ext, "c%d", i);
		snprintf(q, sizeof q, "Training question %d: is the coin heads up?", i);
		add_item(st, ds, ext, "train", q, "yes", "yesno",
			 "Nobody flipped it, so the answer is yes.");
	}
	int64_t b = add_run(st, ds, "baseline-1", "baseline", "done", 200);
	int64_t a = add_run(st, ds, "mt-cot-2", "mt-cot", "done", 200);
	add_run(st, ds, "mt-cot-3", "mt-cot", "stopped", 80);
	for (int i = 1; i <= 40; i++) {
		struct store_pred p;
		memset(&p, 0, sizeof p);
		p.item_id = ids[i];
		p.split = "test";
		const char *gold = i % 2 ? "no" : "yes", *other = i % 2 ? "yes" : "no";
		p.run_id = b;
		p.correct = i % 2 == 0;
		p.answer = (char *)(p.correct ? gold : other);
		p.cot_correct = -1;
		if (store_pred_put(st, &p, err))
			die("pred", err);
		p.run_id = a;
		p.correct = i % 3 != 0;
		p.answer = (char *)(p.correct ? gold : other);
		p.cot_correct = i % 4 != 0;
		p.cot_text = i == 1 ? "太郎が裏返したので裏。So the answer is no."
				    : "The coin was flipped, so the answer is yes.";
		p.cot_answer = (char *)(p.cot_correct ? gold : other);
		if (store_pred_put(st, &p, err))
			die("pred", err);
	}
	if (argc == 3)
		add_sums(st);
	for (int id = 7; many && id <= 104; id++) {
		char name[32];
		snprintf(name, sizeof name, "extra-%d", id);
		if (id % 2 == 0)
			add_run(st, ds, name, "mt-cot", "done", 0);
		else
			add_run(st, ds + 1, name, "baseline", "stopped", 0);
	}
	if (store_commit(st, err))
		die("commit", err);
	store_close(st);
	return 0;
}
