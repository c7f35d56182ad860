/* train_fixture: a small generated arithmetic dataset written into a fresh
 * workspace through the store API, shared by the train tests. */
#ifndef MENTOR_TRAIN_FIXTURE_H
#define MENTOR_TRAIN_FIXTURE_H

#include "mentor/store.h"
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
static inline int64_t fixture_dataset(struct store *st, const char *name, int n_train,
				      int n_dev, int n_test)
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

#endif
