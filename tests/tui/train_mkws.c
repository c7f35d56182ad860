/* train_mkws: builds a workspace for the Train and Inspect screen tests
 * through the store API, without training: dataset "coin" with 40 test items
 * (gold rationales, one in Japanese, one with an escape sequence) and 10
 * train items, runs
 * #1 baseline (done), #2 mt-cot (done) and #3 mt-cot (stopped), with loss
 * metrics and predictions whose counts are known: A=#2 vs B=#1 gives 13
 * fixed, 6 broken, direct 27/40 vs 20/40, explain-then-answer 30/40.
 * usage: train_mkws DB */
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

static int64_t add_run(struct store *st, int64_t ds, const char *name, const char *variant,
		       const char *status, int64_t step)
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

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage", "train_mkws DB");
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
		snprintf(q, sizeof q, "Question %d: a coin is heads up; it is flipped %d times. Is it "
			 "still heads up?", i, i % 4);
		snprintf(rat, sizeof rat, "Flipped %d times, so the answer is %s.", i % 4,
			 i % 2 ? "no" : "yes");
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = ds;
		it.split = "test";
		it.ext_id = ext;
		it.question = i == 1 ? "コインは表です。太郎が裏返しました。まだ表ですか？" :
			      i == 2 ? "Escape test: \x1b[2J flipped?" : q;
		it.answer = i % 2 ? "no" : "yes";
		it.answer_type = "yesno";
		it.gold_rationale = i == 1 ? "太郎が裏返したので、裏です。" : rat;
		if (store_item_upsert(st, &it, err))
			die("item", err);
		ids[i] = it.id;
	}
	for (int i = 41; i <= 50; i++) {
		char ext[32], q[160];
		snprintf(ext, sizeof ext, "c%d", i);
		snprintf(q, sizeof q, "Training question %d: is the coin heads up?", i);
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = "yes";
		it.answer_type = "yesno";
		it.gold_rationale = "Nobody flipped it, so the answer is yes.";
		if (store_item_upsert(st, &it, err))
			die("item", err);
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
		p.cot_text = i == 1 ? "太郎が裏返したので裏。So the answer is no." :
			     "The coin was flipped, so the answer is yes.";
		p.cot_answer = (char *)(p.cot_correct ? gold : other);
		if (store_pred_put(st, &p, err))
			die("pred", err);
	}
	if (store_commit(st, err))
		die("commit", err);
	store_close(st);
	return 0;
}
