/* train_fixture: a small generated arithmetic dataset written into a fresh
 * workspace through the store API, shared by the train tests. */
#ifndef MENTOR_TRAIN_FIXTURE_H
#define MENTOR_TRAIN_FIXTURE_H

#include "mentor/eval.h"
#include "mentor/store.h"
#include "mentor/train.h"
#include "mentor/util.h"
#include "test.h"

/* Item i of a split: "What is a + b?" with a, b from i; answer and rationale. */
static inline void fixture_item_text(const char *split, int i, char *q, size_t qn, char *ans,
				     size_t an, char *why, size_t wn)
{
	int salt = split[0] == 't' && split[1] == 'r' ? 0 : split[0] == 'd' ? 37 : 71;
	int a = (i * 7 + salt) % 10, b = (i * 3 + salt / 2 + i / 10) % 10;
	snprintf(q, qn, "What is %d + %d?", a, b);
	snprintf(ans, an, "%d", a + b);
	snprintf(why, wn, "%d + %d = %d.", a, b, a + b);
}

/* Create dataset `name` with the given split sizes; returns its id. */
static inline int64_t fixture_dataset(struct store *st, const char *name, int n_train, int n_dev,
				      int n_test)
{
	char err[MENTOR_ERR_LEN];
	int64_t ds;
	if (store_dataset_upsert(st, name, "test", "generic", "x", &ds, err))
		TEST_SETUP_FAIL("%s", err);
	if (store_begin(st, err))
		TEST_SETUP_FAIL("%s", err);
	const char *splits[3] = {"train", "dev", "test"};
	int counts[3] = {n_train, n_dev, n_test};
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < counts[s]; i++) {
			char q[64], a[16], w[64], ext[32];
			fixture_item_text(splits[s], i, q, sizeof q, a, sizeof a, w, sizeof w);
			snprintf(ext, sizeof ext, "%s-%d", splits[s], i);
			struct store_item it;
			memset(&it, 0, sizeof it);
			it.dataset_id = ds;
			it.split = (char *)splits[s];
			it.ext_id = ext;
			it.question = q;
			it.answer = a;
			it.answer_type = (char *)STORE_ANS_NUMBER;
			it.gold_rationale = w;
			if (store_item_upsert(st, &it, err))
				TEST_SETUP_FAIL("%s", err);
		}
	}
	if (store_commit(st, err))
		TEST_SETUP_FAIL("%s", err);
	return ds;
}

/* The tiny GPT-2 run of the init and llama tests: 2 layers of width 32, 2
 * heads, context 48, 300 tokens, gold explanations, one thread, checkpoints
 * every 10 steps, no validation and no evaluation. */
static inline void fixture_tiny_config(struct train_config *c, int variant, int64_t steps)
{
	train_config_defaults(c);
	snprintf(c->dataset, sizeof c->dataset, "toy");
	c->variant = variant;
	c->source = TRAIN_SRC_GOLD;
	snprintf(c->preset, sizeof c->preset, "custom");
	c->n_layer = 2;
	c->n_embd = 32;
	c->n_head = 2;
	c->n_ctx = 48;
	c->vocab = 300;
	c->steps = steps;
	c->batch = 8;
	c->lr = 3e-3;
	c->warmup = 10;
	c->threads = 1;
	c->ckpt_every = 10;
	c->val_every = 0;
	c->eval_every = 0;
	c->eval_at_end = 0;
	c->max_new = 24;
}

/* The workspace db, open (setup failure otherwise). */
static inline struct store *fixture_open(const char *db)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	return st;
}

/* A queued run of c in workspace db; its id. */
static inline int64_t fixture_new_run(const char *db, const struct train_config *c)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	int64_t id;
	if (!st || train_run_create(st, c, NULL, &id, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	return id;
}

static inline int fixture_stop_at_(void *u, const struct train_progress *p)
{
	const int64_t *stop_at = u;
	return p->phase == TRAIN_PHASE_STEP && *stop_at && p->step == *stop_at;
}

/* Train (or resume) run id of workspace db in this thread, asking it to stop
 * after step stop_at (0: never). Returns train_run_exec's code. */
static inline int fixture_exec(const char *db, int64_t id, int64_t stop_at, char *err)
{
	struct train_opts o = {.progress = fixture_stop_at_,
			       .u = &stop_at,
			       .eval = eval_train_hooks()};
	return train_run_exec(db, id, &o, err);
}

/* The values of a run's metric in step order: a heap array (caller frees)
 * of *n values. */
static inline double *fixture_metric(const char *db, int64_t run, const char *name, size_t *n)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	struct store_metric *m = NULL;
	*n = 0;
	if (!st || store_metric_get(st, run, name, 0, &m, n, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	double *v = malloc((*n ? *n : 1) * sizeof *v);
	if (!v)
		TEST_SETUP_FAIL("out of memory");
	for (size_t i = 0; i < *n; i++)
		v[i] = m[i].value;
	free(m);
	return v;
}

/* Mean of v[from..to). */
static inline double fixture_mean(const double *v, size_t from, size_t to)
{
	double s = 0;
	for (size_t i = from; i < to; i++)
		s += v[i];
	return s / (double)(to - from);
}

#endif
