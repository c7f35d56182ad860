/* tui_mkws: builds a workspace for the TUI tests and benchmark through the
 * store API: dataset "arith" with N generated items (splits, choices,
 * rationales, some explanations), and dataset "nihongo" with Japanese text,
 * control characters and an escape sequence in its questions.
 * usage: tui_mkws DB N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/store.h"
#include "mentor/util.h"

static void die(const char *what, const char *err)
{
	fprintf(stderr, "tui_mkws: %s: %s\n", what, err);
	exit(99);
}

static void add_expl(struct store *st, int64_t item, const char *mode, const char *status,
		     int correct, int leaked, const char *text)
{
	char err[MENTOR_ERR_LEN];
	struct store_expl e;
	memset(&e, 0, sizeof e);
	e.item_id = item;
	e.mode = (char *)mode;
	e.provider = "offline";
	e.model = "echo-1";
	e.text = (char *)text;
	e.parsed_answer = correct ? "42" : "41";
	e.correct = correct;
	e.leaked = leaked;
	e.status = (char *)status;
	if (store_expl_insert(st, &e, err))
		die("explanation", err);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage", "tui_mkws DB N");
	long n = strtol(argv[2], NULL, 10);
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(argv[1], err);
	if (!st)
		die("open", err);
	int64_t ds;
	if (store_dataset_upsert(st, "arith", "sample:arith", "sample", NULL, &ds, err))
		die("dataset", err);
	if (store_begin(st, err))
		die("begin", err);
	for (long i = 0; i < n; i++) {
		char ext[32], q[256], a[32], rat[256];
		snprintf(ext, sizeof ext, "a%ld", i);
		snprintf(q, sizeof q,
			 "Question %ld: Tom has %ld apples and buys %ld more. "
			 "How many apples does Tom have now?",
			 i, i % 97, i % 13 + 1);
		snprintf(a, sizeof a, "%ld", i % 97 + i % 13 + 1);
		snprintf(rat, sizeof rat, "%ld + %ld = %s", i % 97, i % 13 + 1, a);
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = ds;
		it.split = i % 10 == 0 ? "test" : i % 10 == 1 ? "dev" : "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = a;
		it.answer_type = "number";
		it.gold_rationale = rat;
		if (store_item_upsert(st, &it, err))
			die("item", err);
		if (i == 2)
			add_expl(st, it.id, "cot", "accepted", 1, 0,
				 "Tom starts with 2 apples and buys 3, so 5.");
		if (i == 3)
			add_expl(st, it.id, "rp", "rejected", 0, 1,
				 "The answer is 42 because the hint says so.");
		if (i == 5)
			add_expl(st, it.id, "cot", "pending", 0, 0, "Wrong sum.");
	}
	if (store_commit(st, err))
		die("commit", err);
	if (store_dataset_upsert(st, "nihongo", "sample:jp", "generic", NULL, &ds, err))
		die("dataset", err);
	static const char *const qs[] = {
		"りんごが3個あります。2個食べると、残りは何個ですか？",
		"東京から大阪まで新幹線で行きます。所要時間は約2時間半です。何分ですか？",
		"Escape test: \x1b[2J\x1b[31mred\x1b[0m bell\x07 tab\there cr\rend \xc2\x9b C1",
		"Invalid bytes: \xff\xfe and a long word Supercalifragilisticexpialidocious",
	};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "jp%zu", i);
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = (char *)qs[i];
		it.choices_json =
			i == 0 ? "[{\"label\":\"A\",\"text\":\"1個\"},{\"label\":\"B\",\"text\":\"5個\"}]"
			       : NULL;
		it.answer = i == 0 ? "A" : "150";
		it.answer_type = i == 0 ? "mc" : "number";
		it.gold_rationale = i == 0 ? "3個から2個を引くと1個です。" : NULL;
		if (store_item_upsert(st, &it, err))
			die("item", err);
		if (i == 0)
			add_expl(st, it.id, "crop", "accepted", 1, 0,
				 "3から2を引いて1個残ります。");
	}
	store_close(st);
	return 0;
}
