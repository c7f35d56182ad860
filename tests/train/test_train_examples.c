/* test_train_examples: the sequences each variant trains on (exact tokens and
 * loss masks with a byte-level tokenizer), explanation sources read from a
 * real workspace, batch weights, the learning-rate schedule, the run
 * configuration and the answer parsing of evaluation. */
#include <cjson/cJSON.h>

#include "mentor/eval.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include <sqlite3.h>

#include "mentor/i18n.h"
#include "test.h"
#include "train_fixture.h"

static char err[MENTOR_ERR_LEN];

/* A tokenizer without merges: token i < 256 is byte i, specials follow. */
static struct tokenizer *byte_tokenizer(void)
{
	const char *text = "x";
	size_t len = 1;
	struct tokenizer *t = NULL;
	if (tokenizer_train(&text, &len, 1, TOKENIZER_MIN_VOCAB, &t, err))
		TEST_SETUP_FAIL("%s", err);
	if (tokenizer_num_merges(t) != 0)
		TEST_SETUP_FAIL("expected no merges");
	return t;
}

/* Expected sequence: prefix, prompt bytes, SEP, target bytes, EOS. */
static size_t expect_seq(const struct tokenizer *t, int prefix, const char *prompt,
			 const char *target, int32_t *tok, uint8_t *mask)
{
	size_t n = 0;
	mask[n] = 0;
	tok[n++] = tokenizer_special(t, prefix);
	for (const char *p = prompt; *p; p++) {
		mask[n] = 0;
		tok[n++] = (unsigned char)*p;
	}
	mask[n] = 0;
	tok[n++] = tokenizer_special(t, TOKENIZER_SEP);
	for (const char *p = target; *p; p++) {
		mask[n] = 1;
		tok[n++] = (unsigned char)*p;
	}
	mask[n] = 1;
	tok[n++] = tokenizer_special(t, TOKENIZER_EOS);
	return n;
}

static int same_example(const struct train_example *ex, const int32_t *tok, const uint8_t *mask,
			size_t n)
{
	if (ex->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ex->tok[i] != tok[i] || ex->target[i] != mask[i])
			return 0;
	return 1;
}

static void test_encode(const struct tokenizer *t)
{
	int32_t eos = tokenizer_special(t, TOKENIZER_EOS),
		ans = tokenizer_special(t, TOKENIZER_ANS);
	int32_t exp = tokenizer_special(t, TOKENIZER_EXP),
		sep = tokenizer_special(t, TOKENIZER_SEP);
	CHECK_INT(eos, 256);
	CHECK_INT(ans, 257);
	CHECK_INT(exp, 258);
	CHECK_INT(sep, 259);

	/* <|ans|> Q ? <|sep|> 7 <|eos|>, loss on "7" and <|eos|> only */
	struct train_example ex;
	int trunc = -1;
	CHECK_INT(train_encode(t, TRAIN_TASK_ANS, "Q?", "7", 64, &ex, &trunc, err), 0);
	int32_t want[] = {257, 'Q', '?', 259, '7', 256};
	uint8_t mask[] = {0, 0, 0, 0, 1, 1};
	CHECK(same_example(&ex, want, mask, 6));
	CHECK_INT(trunc, 0);
	CHECK_INT(ex.task, TRAIN_TASK_ANS);
	train_example_release(&ex);

	CHECK_INT(train_encode(t, TRAIN_TASK_EXP, "Q?", "ab", 64, &ex, &trunc, err), 0);
	int32_t want2[] = {258, 'Q', '?', 259, 'a', 'b', 256};
	uint8_t mask2[] = {0, 0, 0, 0, 1, 1, 1};
	CHECK(same_example(&ex, want2, mask2, 7));
	train_example_release(&ex);

	/* too long: the start of the prompt goes first */
	CHECK_INT(train_encode(t, TRAIN_TASK_ANS, "abcd", "xy", 6, &ex, &trunc, err), 0);
	int32_t want3[] = {257, 'd', 259, 'x', 'y', 256};
	uint8_t mask3[] = {0, 0, 0, 1, 1, 1};
	CHECK(same_example(&ex, want3, mask3, 6));
	CHECK_INT(trunc, 1);
	train_example_release(&ex);

	/* then the end of the target (EOS first) */
	CHECK_INT(train_encode(t, TRAIN_TASK_EXP, "ab", "wxyz", 4, &ex, &trunc, err), 0);
	int32_t want4[] = {258, 259, 'w', 'x'};
	uint8_t mask4[] = {0, 0, 1, 1};
	CHECK(same_example(&ex, want4, mask4, 4));
	CHECK_INT(trunc, 1);
	train_example_release(&ex);

	/* empty prompt and target still give a well-formed sequence */
	CHECK_INT(train_encode(t, TRAIN_TASK_ANS, "", "", 8, &ex, NULL, err), 0);
	int32_t want5[] = {257, 259, 256};
	uint8_t mask5[] = {0, 0, 1};
	CHECK(same_example(&ex, want5, mask5, 3));
	train_example_release(&ex);

	/* CJK text goes through as bytes */
	CHECK_INT(train_encode(t, TRAIN_TASK_ANS, "答え?", "四", 64, &ex, NULL, err), 0);
	CHECK_INT(ex.n, 1 + 7 + 1 + 3 + 1);
	CHECK_INT(ex.tok[1], 0xe7);
	train_example_release(&ex);

	CHECK(train_encode(t, TRAIN_TASK_ANS, "a", "b", 3, &ex, NULL, err) != 0);
}

static void check_target(int variant, const char *expl, const char *answer, const char *want)
{
	struct buf b;
	buf_init(&b);
	CHECK_INT(train_exp_target(variant, expl, answer, &b), 0);
	CHECK_STR(b.data ? b.data : "", want);
	buf_release(&b);
}

static void test_targets(void)
{
	check_target(TRAIN_MT_RE, "  2 + 3 = 5.  \n", "5", "2 + 3 = 5.");
	check_target(TRAIN_MT_RA, "2 + 3 = 5.", "5", "5 because 2 + 3 = 5.");
	check_target(TRAIN_MT_COT, "2 + 3 = 5.", "5", "2 + 3 = 5. So the answer is 5.");
	check_target(TRAIN_MT_COT, "2 + 3 = 5", "5", "2 + 3 = 5. So the answer is 5.");
	check_target(TRAIN_MT_COT, "2 + 3 = 5. So the answer is 5.", "5",
		     "2 + 3 = 5. So the answer is 5.");
	check_target(TRAIN_MT_COT, "Adding gives 5, so the answer is 5", "5",
		     "Adding gives 5, so the answer is 5");
	/* an explanation ending on a different answer keeps the gold appended */
	check_target(TRAIN_MT_COT, "So the answer is 6.", "5",
		     "So the answer is 6. So the answer is 5.");
	check_target(TRAIN_MT_COT, "", "5", "So the answer is 5.");
	check_target(TRAIN_MT_COT, "りんごは5個。", "5", "りんごは5個。 So the answer is 5.");
	struct buf b;
	buf_init(&b);
	CHECK_INT(train_exp_target(TRAIN_BASELINE, "x", "5", &b), MENTOR_EUSAGE);
	buf_release(&b);
}

static void check_target_ja(int variant, const char *expl, const char *answer, const char *want)
{
	struct buf b;
	buf_init(&b);
	CHECK_INT(train_exp_target_lang(variant, I18N_JA, expl, answer, &b), 0);
	CHECK_STR(b.data ? b.data : "", want);
	buf_release(&b);
}

/* Japanese items: the sentence the Japanese teacher prompts ask for */
static void test_targets_ja(void)
{
	check_target_ja(TRAIN_MT_COT, "10 ÷ 500 = 0.02 なので、不良率は2%です。", "2",
			"10 ÷ 500 = 0.02 なので、不良率は2%です。したがって、答えは 2 です。");
	check_target_ja(TRAIN_MT_COT, " 合計は12本 \n", "12",
			"合計は12本。したがって、答えは 12 です。");
	/* already stated in the last sentence: not repeated */
	check_target_ja(TRAIN_MT_COT, "8 + 4 = 12。したがって、答えは 12 です。", "12",
			"8 + 4 = 12。したがって、答えは 12 です。");
	/* stated in an earlier sentence only, or another answer: appended */
	check_target_ja(TRAIN_MT_COT, "答えは 12 です。でも確認します。", "12",
			"答えは 12 です。でも確認します。したがって、答えは 12 です。");
	check_target_ja(TRAIN_MT_COT, "答えは 13 です。", "12",
			"答えは 13 です。したがって、答えは 12 です。");
	check_target_ja(TRAIN_MT_COT, "", "12", "したがって、答えは 12 です。");
	check_target_ja(TRAIN_MT_COT, "Is it 12?", "12", "Is it 12?したがって、答えは 12 です。");
	check_target_ja(TRAIN_MT_RA, "8 と 4 を足します。", "12", "12。理由: 8 と 4 を足します。");
	check_target_ja(TRAIN_MT_RE, " 8 と 4 を足します。 ", "12", "8 と 4 を足します。");
	/* English in, English out, whatever the other argument */
	struct buf b;
	buf_init(&b);
	CHECK_INT(train_exp_target_lang(TRAIN_MT_COT, I18N_EN, "2 + 3 = 5", "5", &b), 0);
	CHECK_STR(b.data, "2 + 3 = 5. So the answer is 5.");
	buf_reset(&b);
	CHECK_INT(train_exp_target_lang(TRAIN_BASELINE, I18N_JA, "x", "5", &b), MENTOR_EUSAGE);
	buf_release(&b);
}

static void test_question_text(void)
{
	struct buf b;
	buf_init(&b);
	CHECK_INT(train_question_text("Which?",
				      "[{\"label\":\"A\",\"text\":\"red\"},"
				      "{\"label\":\"B\",\"text\":\"blue\"}]",
				      &b, err),
		  0);
	CHECK_STR(b.data, "Which?\nAnswer choices: (A) red (B) blue");
	buf_reset(&b);
	CHECK_INT(train_question_text("Q", "[]", &b, err), 0);
	CHECK_STR(b.data, "Q");
	buf_reset(&b);
	CHECK_INT(train_question_text("Q", NULL, &b, err), 0);
	CHECK_STR(b.data, "Q");
	const char *bad[] = {"{",
			     "[1]",
			     "{\"a\":1}",
			     "[{\"label\":\"A\"}]",
			     "[{\"label\":1,\"text\":\"x\"}]",
			     "\"str\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&b);
		CHECK_MSG(train_question_text("Q", bad[i], &b, err) != 0, "%s", bad[i]);
	}
	buf_release(&b);
}

static int64_t add_expl(struct store *st, int64_t item, const char *mode, const char *status,
			const char *text, const char *edited)
{
	struct store_expl e;
	memset(&e, 0, sizeof e);
	e.item_id = item;
	e.mode = (char *)mode;
	e.path = (char *)(strcmp(mode, "rp") ? "cot" : "rp");
	e.provider = (char *)"offline";
	e.model = (char *)"m";
	e.text = (char *)text;
	e.status = (char *)status;
	e.edited_text = (char *)edited;
	e.correct = -1;
	if (store_expl_insert(st, &e, err))
		TEST_SETUP_FAIL("%s", err);
	return e.id;
}

static const struct train_text *find_item(const struct train_corpus *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].item_id == id)
			return &c->items[i];
	return NULL;
}

/* The ids of the first three train items of the dataset. */
static void train_ids(struct store *st, int64_t ds, int64_t ids[3])
{
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = ds;
	f.split = "train";
	struct store_item *items;
	size_t n;
	if (store_item_page(st, &f, 0, 0, 3, &items, &n, err) || n != 3)
		TEST_SETUP_FAIL("cannot list items: %s", err);
	for (size_t i = 0; i < n; i++) {
		ids[i] = items[i].id;
		store_item_release(&items[i]);
	}
	free(items);
}

static void test_sources(const struct tokenizer *t)
{
	struct store *st = store_open(test_path("src.db"), err);
	CHECK(st != NULL);
	if (!st)
		return;
	int64_t ds = fixture_dataset(st, "toy", 3, 1, 1);
	int64_t id[3];
	train_ids(st, ds, id);
	add_expl(st, id[0], "cot", "accepted", "E1", "E1 edited");
	add_expl(st, id[0], "rp", "rejected", "E2", NULL);
	add_expl(st, id[0], "crop", "pending", "E3 old", NULL);
	add_expl(st, id[0], "crop", "pending", "E3 new", NULL);
	add_expl(st, id[1], "cot", "pending", "F1", NULL);
	add_expl(st, id[1], "rp", "accepted", "F2", NULL);
	add_expl(st, id[1], "crop", "accepted", "F3", NULL);

	struct train_corpus c;
	/* accepted: every accepted one, edited text when present, in id order */
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_ACCEPTED, &c, err), 0);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.n_expl, 3);
	const struct train_text *a = find_item(&c, id[0]), *b = find_item(&c, id[1]);
	const struct train_text *g = find_item(&c, id[2]);
	CHECK(a && b && g);
	if (a && b && g) {
		CHECK_INT(a->n_expl, 1);
		CHECK_STR(a->expl[0], "E1 edited");
		CHECK_INT(b->n_expl, 2);
		CHECK_STR(b->expl[0], "F2");
		CHECK_STR(b->expl[1], "F3");
		CHECK_INT(g->n_expl, 0);
		CHECK_STR(a->answer, "0");
		CHECK_STR(a->answer_type, "number");
		CHECK_STR(a->prompt, "What is 0 + 0?");
	}

	/* MT-CoT sequences of that corpus, hand-checked */
	struct train_set set;
	CHECK_INT(train_set_build(&c, TRAIN_MT_COT, t, 128, &set, err), 0);
	CHECK_INT(set.n_ans, 3);
	CHECK_INT(set.n_exp, 3);
	int32_t tok[256];
	uint8_t mask[256];
	size_t n = expect_seq(t, TOKENIZER_EXP, "What is 0 + 0?", "E1 edited. So the answer is 0.",
			      tok, mask);
	CHECK(set.n_exp && same_example(&set.exp[0], tok, mask, n));
	CHECK_INT(set.exp[0].item_id, id[0]);
	n = expect_seq(t, TOKENIZER_ANS, "What is 0 + 0?", "0", tok, mask);
	CHECK(same_example(&set.ans[0], tok, mask, n));
	uint64_t h_cot = set.hash;
	train_set_release(&set);

	CHECK_INT(train_set_build(&c, TRAIN_MT_RA, t, 128, &set, err), 0);
	n = expect_seq(t, TOKENIZER_EXP, "What is 0 + 0?", "0 because E1 edited", tok, mask);
	CHECK(set.n_exp && same_example(&set.exp[0], tok, mask, n));
	CHECK(set.hash != h_cot);
	train_set_release(&set);

	CHECK_INT(train_set_build(&c, TRAIN_MT_RE, t, 128, &set, err), 0);
	n = expect_seq(t, TOKENIZER_EXP, "What is 0 + 0?", "E1 edited", tok, mask);
	CHECK(set.n_exp && same_example(&set.exp[0], tok, mask, n));
	train_set_release(&set);

	/* baseline: the answer task alone */
	CHECK_INT(train_set_build(&c, TRAIN_BASELINE, t, 128, &set, err), 0);
	CHECK_INT(set.n_ans, 3);
	CHECK_INT(set.n_exp, 0);
	train_set_release(&set);
	train_corpus_release(&c);

	/* a teacher mode: that mode's newest, reviewed or not */
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_COT, &c, err), 0);
	a = find_item(&c, id[0]);
	b = find_item(&c, id[1]);
	CHECK(a && b && a->n_expl == 1 && b->n_expl == 1);
	if (a && b && a->n_expl == 1 && b->n_expl == 1) {
		CHECK_STR(a->expl[0], "E1 edited");
		CHECK_STR(b->expl[0], "F1");
	}
	train_corpus_release(&c);
	/* ... but never a rejected one: item 0's only RP explanation was rejected */
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_RP, &c, err), 0);
	a = find_item(&c, id[0]);
	b = find_item(&c, id[1]);
	CHECK(a && a->n_expl == 0);
	CHECK(b && b->n_expl == 1 && !strcmp(b->expl[0], "F2"));
	CHECK_INT(c.n_expl, 1);
	train_corpus_release(&c);
	/* ... nor a COTE explanation whose answer is wrong, unless accepted */
	{
		int64_t w = add_expl(st, id[1], "cot", "pending", "F1 wrong", NULL);
		sqlite3_exec(store_db(st),
			     "UPDATE explanation SET correct = 0 WHERE text = 'F1 wrong'", NULL,
			     NULL, NULL);
		CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_COT, &c, err), 0);
		b = find_item(&c, id[1]);
		CHECK(b && b->n_expl == 1 && !strcmp(b->expl[0], "F1"));
		train_corpus_release(&c);
		CHECK_INT(store_expl_decide(st, w, "accept", "t", err), 0);
		CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_COT, &c, err), 0);
		b = find_item(&c, id[1]);
		CHECK(b && b->n_expl == 1 && !strcmp(b->expl[0], "F1 wrong"));
		train_corpus_release(&c);
		sqlite3_exec(store_db(st), "DELETE FROM explanation WHERE text = 'F1 wrong'", NULL,
			     NULL, NULL);
	}
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_CROP, &c, err), 0);
	a = find_item(&c, id[0]);
	CHECK(a && a->n_expl == 1 && !strcmp(a->expl[0], "E3 new"));
	train_corpus_release(&c);

	/* gold: the dataset's rationales, every item */
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_GOLD, &c, err), 0);
	CHECK_INT(c.n_expl, 3);
	a = find_item(&c, id[0]);
	CHECK(a && a->n_expl == 1 && !strcmp(a->expl[0], "0 + 0 = 0."));
	train_corpus_release(&c);

	/* other splits and a missing dataset */
	CHECK_INT(train_corpus_load(st, ds, "test", TRAIN_SRC_GOLD, &c, err), 0);
	CHECK_INT(c.n, 1);
	train_corpus_release(&c);
	CHECK_INT(train_corpus_load(st, ds + 100, "train", TRAIN_SRC_GOLD, &c, err), 0);
	CHECK_INT(c.n, 0);
	train_corpus_release(&c);

	/* multiple choice: choices reach the prompt */
	struct store_item it;
	memset(&it, 0, sizeof it);
	it.dataset_id = ds;
	it.split = (char *)"train";
	it.ext_id = (char *)"mc-1";
	it.question = (char *)"Which colour?";
	it.choices_json =
		(char *)"[{\"label\":\"A\",\"text\":\"red\"},{\"label\":\"B\",\"text\":\"blue\"}]";
	it.answer = (char *)"B";
	it.answer_type = (char *)STORE_ANS_MC;
	CHECK_INT(store_item_upsert(st, &it, err), 0);
	CHECK_INT(train_corpus_load(st, ds, "train", TRAIN_SRC_GOLD, &c, err), 0);
	const struct train_text *mc = find_item(&c, it.id);
	CHECK(mc && !strcmp(mc->prompt, "Which colour?\nAnswer choices: (A) red (B) blue"));
	CHECK(mc && !strcmp(mc->answer, "B"));
	train_corpus_release(&c);

	/* runs: create, find by id or name, metrics, predictions, delete */
	struct train_config cfg;
	train_config_defaults(&cfg);
	snprintf(cfg.dataset, sizeof cfg.dataset, "toy");
	cfg.variant = TRAIN_MT_RA;
	int64_t run = 0, run2 = 0;
	CHECK_INT(train_run_create(st, &cfg, "ラン", &run, err), 0);
	CHECK_INT(train_run_create(st, &cfg, NULL, &run2, err), 0);
	snprintf(cfg.dataset, sizeof cfg.dataset, "missing");
	CHECK(train_run_create(st, &cfg, NULL, &run2, err) != 0);
	CHECK(strstr(err, "no dataset 'missing'") != NULL);
	struct store_run r;
	CHECK_INT(store_run_find(st, "ラン", &r, err), 0);
	CHECK_INT(r.id, run);
	CHECK_STR(r.status, "queued");
	CHECK_STR(r.variant, "mt-ra");
	CHECK_STR(r.source, "accepted");
	CHECK_INT(r.total_steps, 1500);
	store_run_release(&r);
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", (long long)run2);
	CHECK_INT(store_run_find(st, ref, &r, err), 0);
	CHECK_STR(r.name, "mt-ra-2");
	store_run_release(&r);
	const char *bad_refs[] = {"", "0", "-1", "99999999999999999999", "nope", "1x"};
	for (size_t i = 0; i < sizeof bad_refs / sizeof bad_refs[0]; i++) {
		int rc = store_run_find(st, bad_refs[i], &r, err);
		CHECK_MSG(rc != 0, "'%s' found", bad_refs[i]);
		if (!rc)
			store_run_release(&r);
	}
	CHECK_INT(store_run_set_status(st, run, "running", NULL, 42, err), 0);
	CHECK_INT(store_run_get(st, run, &r, err), 0);
	CHECK(r.started_at > 0 && r.ended_at == 0 && r.pid == 42);
	store_run_release(&r);
	CHECK_INT(store_run_set_status(st, run, "done", "note", 0, err), 0);
	CHECK_INT(store_run_get(st, run, &r, err), 0);
	CHECK(r.ended_at > 0 && r.pid == 0 && r.error && !strcmp(r.error, "note"));
	store_run_release(&r);
	CHECK(store_run_set_status(st, run, "bogus", NULL, 0, err) != 0);
	CHECK(store_run_set_status(st, 9999, "done", NULL, 0, err) != 0);
	for (int k = 1; k <= 5; k++)
		CHECK_INT(store_metric_add(st, run, k, k * 0.5, "loss", 1.0 / k, err), 0);
	CHECK_INT(store_metric_add(st, run, 3, 9, "loss", 7, err), 0); /* replaces */
	struct store_metric *m;
	size_t nm;
	CHECK_INT(store_metric_get(st, run, "loss", 1, &m, &nm, err), 0);
	CHECK(nm == 4 && m[0].step == 2 && m[1].value == 7 && m[1].t == 9);
	free(m);
	CHECK_INT(store_metric_trim(st, run, 3, err), 0);
	CHECK_INT(store_metric_get(st, run, "loss", 0, &m, &nm, err), 0);
	CHECK_INT(nm, 3);
	free(m);
	struct store_pred p;
	memset(&p, 0, sizeof p);
	p.run_id = run;
	p.item_id = id[0];
	p.split = (char *)"train";
	p.answer = (char *)"5";
	p.correct = 1;
	p.cot_text = (char *)"説明";
	p.cot_correct = -1;
	CHECK_INT(store_pred_put(st, &p, err), 0);
	p.answer = (char *)"6";
	p.correct = 0;
	CHECK_INT(store_pred_put(st, &p, err), 0); /* replaces */
	struct store_pred *pl;
	size_t npl;
	CHECK_INT(store_pred_list(st, run, &pl, &npl, err), 0);
	CHECK(npl == 1 && !strcmp(pl[0].answer, "6") && pl[0].correct == 0 &&
	      pl[0].cot_answer == NULL && pl[0].cot_correct == -1 &&
	      !strcmp(pl[0].cot_text, "説明"));
	for (size_t i = 0; i < npl; i++)
		store_pred_release(&pl[i]);
	free(pl);
	struct store_run *all;
	size_t nall;
	CHECK_INT(store_run_list(st, &all, &nall, err), 0);
	CHECK_INT(nall, 2);
	for (size_t i = 0; i < nall; i++)
		store_run_release(&all[i]);
	free(all);
	CHECK_INT(store_run_delete(st, run, err), 0);
	CHECK_INT(store_run_get(st, run, &r, err), MENTOR_ENOTFOUND);
	CHECK_INT(store_pred_list(st, run, &pl, &npl, err), 0);
	CHECK_INT(npl, 0);
	free(pl);
	store_close(st);
}

static void test_batches(const struct tokenizer *t)
{
	struct train_corpus c;
	train_corpus_init(&c);
	/* two items by hand: one with an explanation */
	c.items = calloc(2, sizeof *c.items);
	c.n = 2;
	c.items[0].item_id = 1;
	c.items[0].prompt = util_strdup("Q1");
	c.items[0].answer = util_strdup("5");
	c.items[0].answer_type = util_strdup("number");
	c.items[0].expl = calloc(1, sizeof(char *));
	c.items[0].expl[0] = util_strdup("long explanation text");
	c.items[0].n_expl = 1;
	c.items[1].item_id = 2;
	c.items[1].prompt = util_strdup("Question 2");
	c.items[1].answer = util_strdup("17");
	c.items[1].answer_type = util_strdup("number");
	c.n_expl = 1;

	struct train_set s;
	CHECK_INT(train_set_build(&c, TRAIN_MT_COT, t, 128, &s, err), 0);
	struct train_batch b;
	train_batch_init(&b);
	struct rng r;
	rng_seed(&r, 5);
	CHECK_INT(train_batch_sample(&s, TRAIN_MT_COT, 0.3, &r, 4, &b, err), 0);
	CHECK_INT(b.B, 4);
	size_t maxn = s.exp[0].n; /* the explanation is the longest sequence */
	CHECK_INT(b.T, (long long)maxn - 1);
	double wa = 0, we = 0;
	int na = 0, ne = 0;
	for (int i = 0; i < b.B; i++) {
		for (int k = 0; k < b.T; k++) {
			size_t at = (size_t)i * (size_t)b.T + (size_t)k;
			CHECK_INT(b.task[at], i < 2 ? TRAIN_TASK_ANS : TRAIN_TASK_EXP);
			if (b.targets[at] < 0) {
				CHECK(b.weights[at] == 0.0f);
				continue;
			}
			if (b.task[at] == TRAIN_TASK_ANS) {
				wa += b.weights[at];
				na++;
			} else {
				we += b.weights[at];
				ne++;
			}
		}
	}
	CHECK_NEAR(wa, 0.3, 1e-6);
	CHECK_NEAR(we, 0.7, 1e-6);
	/* explanation rows: every target position after SEP, EOS included */
	CHECK_INT(ne, 2 * (int)(strlen("long explanation text. So the answer is 5.") + 1));
	/* an explanation row: input k is tok[k], target k is tok[k+1] on target positions */
	const struct train_example *e = &s.exp[0];
	size_t row = 2 * (size_t)b.T;
	for (size_t k = 0; k + 1 < e->n; k++) {
		CHECK_INT(b.inputs[row + k], e->tok[k]);
		CHECK_INT(b.targets[row + k], e->target[k + 1] ? e->tok[k + 1] : -1);
	}
	/* same seed, same batch */
	struct train_batch b2;
	train_batch_init(&b2);
	rng_seed(&r, 5);
	CHECK_INT(train_batch_sample(&s, TRAIN_MT_COT, 0.3, &r, 4, &b2, err), 0);
	CHECK(b2.T == b.T &&
	      !memcmp(b.inputs, b2.inputs, (size_t)b.B * (size_t)b.T * sizeof *b.inputs) &&
	      !memcmp(b.weights, b2.weights, (size_t)b.B * (size_t)b.T * sizeof *b.weights));
	train_batch_release(&b2);

	/* baseline: every row an answer, weights summing to 1 */
	train_set_release(&s);
	CHECK_INT(train_set_build(&c, TRAIN_BASELINE, t, 128, &s, err), 0);
	CHECK_INT(train_batch_sample(&s, TRAIN_BASELINE, 0.3, &r, 3, &b, err), 0);
	double w = 0;
	for (int i = 0; i < b.B * b.T; i++) {
		CHECK_INT(b.task[i], TRAIN_TASK_ANS);
		w += b.weights[i];
	}
	CHECK_NEAR(w, 1.0, 1e-6);
	/* a multi-task variant with no explanation sequences refuses */
	CHECK(train_batch_sample(&s, TRAIN_MT_COT, 0.5, &r, 4, &b, err) != 0);
	CHECK(train_batch_sample(&s, TRAIN_BASELINE, 0.5, &r, 0, &b, err) != 0);
	train_batch_release(&b);
	train_set_release(&s);

	/* the tokenizer fitted on a corpus keeps the specials and round-trips */
	struct tokenizer *ft = NULL;
	CHECK_INT(train_tokenizer_fit(&c, TRAIN_MT_COT, 300, &ft, err), 0);
	CHECK(ft && tokenizer_vocab_size(ft) <= 300);
	tokenizer_free(ft);
	train_corpus_release(&c);
}

static void test_schedule(void)
{
	struct train_config c;
	train_config_defaults(&c);
	c.lr = 1e-3;
	c.min_lr_frac = 0.1;
	c.warmup = 10;
	CHECK_NEAR(train_lr_at(&c, 0, 110), 1e-4, 1e-12);
	CHECK_NEAR(train_lr_at(&c, 4, 110), 5e-4, 1e-12);
	CHECK_NEAR(train_lr_at(&c, 9, 110), 1e-3, 1e-12);
	CHECK_NEAR(train_lr_at(&c, 10, 110), 1e-3, 1e-12);
	/* a third of the cosine: 1e-4 + 0.45e-3 * (1 + cos(pi/3)) */
	CHECK_NEAR(train_lr_at(&c, 43, 110), 7.75e-4, 1e-12);
	CHECK_NEAR(train_lr_at(&c, 59, 110) + train_lr_at(&c, 60, 110), 1.1e-3, 1e-5);
	CHECK_NEAR(train_lr_at(&c, 109, 110), 1e-4, 1e-12);
	for (int64_t s = 10; s < 109; s++)
		CHECK(train_lr_at(&c, s + 1, 110) <= train_lr_at(&c, s, 110));
	c.warmup = -1;
	CHECK_INT(train_warmup_steps(&c, 50), 5);
	CHECK_INT(train_warmup_steps(&c, 5000), 100);
	CHECK_INT(train_warmup_steps(&c, 1), 0);
	CHECK_NEAR(train_lr_at(&c, 0, 1), 1e-3, 1e-12);
	c.warmup = 20;
	CHECK_INT(train_warmup_steps(&c, 5), 5);
}

static void test_config(void)
{
	struct train_config c, d;
	train_config_defaults(&c);
	snprintf(c.dataset, sizeof c.dataset, "算数 \"x\"");
	c.variant = TRAIN_MT_RA;
	c.source = TRAIN_SRC_CROP;
	c.alpha = 0.25;
	c.seed = 18446744073709551615ULL;
	c.steps = 0;
	c.minutes = 2.5;
	c.eval_at_end = 0;
	CHECK_INT(train_config_preset(&c, "tiny", err), 0);
	CHECK_INT(train_config_check(&c, err), 0);
	char *json = train_config_to_json(&c);
	CHECK_INT(train_config_from_json(json, &d, err), 0);
	CHECK(!memcmp(&c, &d, sizeof c));
	free(json);
	CHECK_INT(train_config_preset(&c, "huge", err), MENTOR_EUSAGE);

	const char *bad[] = {"",
			     "nope",
			     "[]",
			     "{\"layers\":-3}",
			     "{\"variant\":\"zzz\"}",
			     "{\"seed\":\"-1\"}",
			     "{\"seed\":\"12x\"}",
			     "{\"alpha\":2}",
			     "{\"dataset\":5}",
			     "{\"batch\":1e300}",
			     "{\"context\":\"8\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(train_config_from_json(bad[i], &d, err) != 0, "%s", bad[i]);

	train_config_defaults(&c);
	CHECK_INT(train_config_check(&c, err), MENTOR_EUSAGE); /* no dataset */
	snprintf(c.dataset, sizeof c.dataset, "toy");
	CHECK_INT(train_config_check(&c, err), 0);
	c.n_head = 3; /* does not divide 256 */
	CHECK_INT(train_config_check(&c, err), MENTOR_EUSAGE);
	c.n_head = 4;
	c.steps = 0;
	CHECK_INT(train_config_check(&c, err), MENTOR_EUSAGE);
	c.steps = 10;
	c.alpha = 1.5;
	CHECK_INT(train_config_check(&c, err), MENTOR_EUSAGE);
	c.alpha = 0.5;
	c.vocab = 10;
	CHECK_INT(train_config_check(&c, err), MENTOR_EUSAGE);

	CHECK_INT(train_variant_parse("mt-cot"), TRAIN_MT_COT);
	CHECK_INT(train_variant_parse("MT-COT"), -1);
	CHECK_INT(train_source_parse("gold"), TRAIN_SRC_GOLD);
	CHECK_STR(train_variant_name(TRAIN_MT_RE), "mt-re");
	CHECK_STR(train_variant_name(99), "?");
}

static void check_parse(int variant, const char *text, const char *type, const char *want)
{
	char *got = eval_parse_expl_answer(variant, text, type);
	if (!want)
		CHECK_MSG(got == NULL, "'%s' gave '%s'", text, got);
	else
		CHECK_STR(got, want);
	free(got);
}

static void check_norm(const char *type, const char *text, const char *want)
{
	char *got = eval_normalise(type, text);
	if (!want)
		CHECK_MSG(got == NULL, "'%s' gave '%s'", text, got);
	else
		CHECK_STR(got, want);
	free(got);
}

static void test_parsing(void)
{
	check_parse(TRAIN_MT_COT, "2 + 3 = 5. So the answer is 5.", "number", "5");
	check_parse(TRAIN_MT_COT, "so the answer is 1,200.", "number", "1200");
	check_parse(TRAIN_MT_COT, "12 * 3 = 36.", "number", NULL);
	check_parse(TRAIN_MT_COT, "", "number", NULL);
	check_parse(TRAIN_MT_RA, "5 because 2 + 3 = 5.", "number", "5");
	check_parse(TRAIN_MT_RA, "yes because birds fly", "yesno", "yes");
	check_parse(TRAIN_MT_RE, "5 because", "number", NULL);
	/* the Japanese forms the trainer writes come back */
	check_parse(TRAIN_MT_COT, "不良率は2%です。したがって、答えは 2 です。", "number", "2");
	check_parse(TRAIN_MT_RA, "12。理由: 8 と 4 を足します。", "number", "12");
	check_parse(TRAIN_MT_RA, "はい。理由: 鳥は飛ぶ", "yesno", "yes");
	check_parse(TRAIN_BASELINE, "5", "number", NULL);
	check_norm("number", " 7 ", "7");
	check_norm("number", "7 apples.", "7");
	check_norm("number", "", NULL);
	check_norm("number", "none", NULL);
	check_norm("yesno", "Yes.", "yes");
	check_norm("mc", "(b)", "B");
	check_norm("text", "  two   words ", "two words");
	check_norm("number", NULL, NULL);
}

int main(void)
{
	struct tokenizer *t = byte_tokenizer();
	test_encode(t);
	test_targets();
	test_targets_ja();
	test_question_text();
	test_sources(t);
	test_batches(t);
	test_schedule();
	test_config();
	test_parsing();
	tokenizer_free(t);
	return test_done();
}
