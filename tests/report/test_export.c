/* test_export: every export format read back record by record with cJSON
 * and compared with the fixture: fields, types and values, the status, mode
 * and split filters, the choice of one explanation per item and mode, the
 * edited text, hostile and Japanese text, no secrets, and the errors; the
 * mt format's token ids against train_encode, cut to a short context, and
 * the tokenizer fingerprint. */
#include <cjson/cJSON.h>

#include "fixture.h"
#include "mentor/export.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

/* Build an export; returns the parsed records (a JSON array) or NULL when
 * the build failed (*rc says how). Checks the JSONL framing on the way. */
static cJSON *run_export(struct store *st, const struct export_opts *o, int *rc,
			 struct export_stats *stats, char *err)
{
	struct buf b;
	buf_init(&b);
	*rc = export_build(st, o, &b, stats, err);
	if (*rc) {
		CHECK(b.len == 0);
		buf_release(&b);
		return NULL;
	}
	CHECK(b.len > 0 && b.data[b.len - 1] == '\n');
	CHECK(util_utf8_valid(b.data, b.len, 1, NULL));
	CHECK(strstr(b.data, "sk-") == NULL && strstr(b.data, "SECRET123") == NULL);
	cJSON *arr = cJSON_CreateArray();
	char *save = NULL;
	for (char *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *rec = cJSON_Parse(line);
		CHECK_MSG(cJSON_IsObject(rec), "line does not parse: %.80s", line);
		if (rec)
			cJSON_AddItemToArray(arr, rec);
	}
	if (stats)
		CHECK_INT(cJSON_GetArraySize(arr), stats->records);
	buf_release(&b);
	return arr;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int count_keys(const cJSON *o)
{
	int n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, o) n++;
	return n;
}

struct want {
	int item;
	const char *ext, *split, *mode, *path, *status;
	const char *user, *assistant;
	int edited;
};

#define Q4_USER "Which is a prime?\nAnswer choices: (A) 4 (B) 5 (C) 6"
static const struct want accepted[] = {
	{FX_Q1, "q1", "test", "cot", "cot", "accepted", "What is 2+3?",
	 "2 and 3 make 5. So the answer is 5.", 0},
	{FX_Q3, "q3", "test", "cot", "cot", "accepted", FX_JA_Q, FX_JA_EDIT " So the answer is 7.",
	 1},
	{FX_Q4, "q4", "test", "rp", "rp", "accepted", Q4_USER,
	 "5 has no divisors other than 1 and itself. So the answer is B.", 0},
	{FX_T1, "t1", "train", "cot", "cot", "accepted", "What is 1+1?",
	 "1 plus 1 is 2. So the answer is 2.", 0},
	{FX_T2, "t2", "train", "cot", "cot", "accepted", "What is 2*4?",
	 "2 times 4 is 8. So the answer is 8.", 0},
};
static const char *const answers[FX_N] = {"5", "7", "7", "B", "6", "9", "2", "8"};

/* The metadata of a record against the fixture (w NULL: an [ANS] record). */
static void check_meta(const cJSON *rec, const struct fixture *fx, const struct want *w, int item,
		       const char *task)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "metadata");
	CHECK(cJSON_IsObject(m));
	if (!m)
		return;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "item_id");
	CHECK(cJSON_IsNumber(id) && (int64_t)id->valuedouble == fx->item[item]);
	CHECK_STR(str_of(m, "dataset"), "arith");
	CHECK_STR(str_of(m, "answer"), answers[item]);
	CHECK_STR(str_of(m, "answer_type"), item == FX_Q4 ? "mc" : "number");
	const cJSON *eid = cJSON_GetObjectItemCaseSensitive(m, "explanation_id");
	const cJSON *ed = cJSON_GetObjectItemCaseSensitive(m, "edited");
	CHECK(cJSON_IsBool(ed));
	if (task)
		CHECK_STR(str_of(m, "task"), task);
	else
		CHECK(cJSON_GetObjectItemCaseSensitive(m, "task") == NULL);
	if (!w) {
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "mode")));
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "provider")));
		CHECK(cJSON_IsNull(eid));
		CHECK(cJSON_IsFalse(ed));
		return;
	}
	CHECK_STR(str_of(m, "ext_id"), w->ext);
	CHECK_STR(str_of(m, "split"), w->split);
	CHECK_STR(str_of(m, "mode"), w->mode);
	CHECK_STR(str_of(m, "path"), w->path);
	CHECK_STR(str_of(m, "status"), w->status);
	CHECK_STR(str_of(m, "provider"), "offline");
	CHECK_STR(str_of(m, "model"), "teacher-1");
	CHECK(cJSON_IsNumber(eid) && eid->valuedouble > 0);
	CHECK(w->edited ? cJSON_IsTrue(ed) : cJSON_IsFalse(ed));
}

static void test_chat(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct export_opts o;
	export_opts_init(&o);
	o.dataset = "arith";
	int rc;
	struct export_stats stats;
	cJSON *arr = run_export(st, &o, &rc, &stats, err);
	CHECK_INT(rc, 0);
	if (!arr)
		return;
	CHECK_INT(cJSON_GetArraySize(arr), 5);
	CHECK_INT(stats.items, 8);
	CHECK_INT(stats.items_used, 5);
	CHECK_INT(stats.explanations, 5);
	CHECK_INT(stats.test_items, 3);
	for (int i = 0; i < 5 && i < cJSON_GetArraySize(arr); i++) {
		const cJSON *rec = cJSON_GetArrayItem(arr, i);
		const struct want *w = &accepted[i];
		CHECK_INT(count_keys(rec), 2);
		const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages");
		CHECK(cJSON_IsArray(msgs) && cJSON_GetArraySize(msgs) == 3);
		const char *roles[] = {"system", "user", "assistant"};
		const char *contents[] = {EXPORT_DEFAULT_SYSTEM, w->user, w->assistant};
		for (int k = 0; k < 3 && msgs; k++) {
			const cJSON *m = cJSON_GetArrayItem(msgs, k);
			CHECK_INT(count_keys(m), 2);
			CHECK_STR(str_of(m, "role"), roles[k]);
			CHECK_STR(str_of(m, "content"), contents[k]);
		}
		check_meta(rec, fx, w, w->item, NULL);
	}
	cJSON_Delete(arr);

	/* without metadata: exactly what OpenAI's format documents */
	o.metadata = 0;
	o.system = "あなたは先生です。";
	arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	const cJSON *rec;
	cJSON_ArrayForEach(rec, arr)
	{
		CHECK_INT(count_keys(rec), 1);
		const cJSON *sys = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rec,
										       "messages"),
						      0);
		CHECK_STR(str_of(sys, "content"), "あなたは先生です。");
	}
	cJSON_Delete(arr);
}

static void test_alpaca(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct export_opts o;
	export_opts_init(&o);
	o.dataset = "arith";
	o.format = EXPORT_ALPACA;
	int rc;
	cJSON *arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	if (!arr)
		return;
	CHECK_INT(cJSON_GetArraySize(arr), 5);
	for (int i = 0; i < 5 && i < cJSON_GetArraySize(arr); i++) {
		const cJSON *rec = cJSON_GetArrayItem(arr, i);
		CHECK_INT(count_keys(rec), 4);
		CHECK_STR(str_of(rec, "instruction"), EXPORT_DEFAULT_SYSTEM);
		CHECK_STR(str_of(rec, "input"), accepted[i].user);
		CHECK_STR(str_of(rec, "output"), accepted[i].assistant);
		check_meta(rec, fx, &accepted[i], accepted[i].item, NULL);
	}
	cJSON_Delete(arr);
}

static void test_mt(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct export_opts o;
	export_opts_init(&o);
	o.dataset = "arith";
	o.format = EXPORT_MT;
	int rc;
	cJSON *arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	if (!arr)
		return;
	CHECK_INT(cJSON_GetArraySize(arr), 10);
	for (int i = 0; i < 5 && 2 * i + 1 < cJSON_GetArraySize(arr); i++) {
		const struct want *w = &accepted[i];
		const cJSON *ans = cJSON_GetArrayItem(arr, 2 * i);
		const cJSON *exp = cJSON_GetArrayItem(arr, 2 * i + 1);
		CHECK_INT(count_keys(ans), 5);
		CHECK_STR(str_of(ans, "task"), "ans");
		CHECK_STR(str_of(ans, "prefix"), "[ANS]");
		CHECK_STR(str_of(ans, "input"), w->user);
		CHECK_STR(str_of(ans, "target"), answers[w->item]);
		check_meta(ans, fx, NULL, w->item, "ans");
		CHECK_INT(count_keys(exp), 6);
		CHECK_STR(str_of(exp, "task"), "exp");
		CHECK_STR(str_of(exp, "prefix"), "[EXP]");
		CHECK_STR(str_of(exp, "variant"), "mt-cot");
		CHECK_STR(str_of(exp, "input"), w->user);
		CHECK_STR(str_of(exp, "target"), w->assistant);
		check_meta(exp, fx, w, w->item, "exp");
	}
	cJSON_Delete(arr);

	o.variant = "mt-ra";
	arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 1), "target"), "5, because 2 and 3 make 5.");
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 1), "variant"), "mt-ra");
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 3), "target"), "7, because " FX_JA_EDIT);
	cJSON_Delete(arr);
	o.variant = "mt-re";
	arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 1), "target"), "2 and 3 make 5.");
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 9), "target"), "2 times 4 is 8.");
	cJSON_Delete(arr);
	o.variant = "mt-xyz";
	arr = run_export(st, &o, &rc, NULL, err);
	CHECK(arr == NULL && rc == MENTOR_ERR && strstr(err, "mt-xyz"));
}

/* The mt format with a tokenizer: every record's ids are the ones
 * train_encode gives for its input and target, n_prompt points past SEP, the
 * fingerprint is the documented hash, a short context cuts and says so. */
static void test_mt_ids(struct store *st)
{
	const char *texts[] = {"What is 1+1? 1 plus 1 is 2. So the answer is 2.",
			       "What is 2*4? 2 times 4 is 8. Therefore, the answer is 8.",
			       "Which is a prime? Answer choices: (A) 4 (B) 5 (C) 6"};
	size_t lens[3];
	for (int i = 0; i < 3; i++)
		lens[i] = strlen(texts[i]);
	char err[MENTOR_ERR_LEN] = "";
	struct tokenizer *tok = NULL, *bare = NULL;
	CHECK(tokenizer_train(texts, lens, 3, 300, &tok, err) == 0);
	CHECK(tokenizer_train(texts, lens, 3, TOKENIZER_MIN_VOCAB, &bare, err) == 0);
	if (!tok || !bare) {
		tokenizer_free(tok);
		tokenizer_free(bare);
		return;
	}
	/* the fingerprint of a tokenizer without merges: FNV-1a 64 of
	 * u32 264, u32 0 */
	CHECK_INT(tokenizer_num_merges(bare), 0);
	const unsigned char hdr[8] =
		{TOKENIZER_MIN_VOCAB & 0xff, TOKENIZER_MIN_VOCAB >> 8, 0, 0, 0, 0, 0, 0};
	char want[17], fp[17], fp_bare[17];
	snprintf(want, sizeof want, "%016llx", (unsigned long long)util_fnv1a(hdr, 8, 0));
	CHECK(export_tokenizer_fingerprint(bare, fp_bare, err) == 0);
	CHECK_STR(fp_bare, want);
	CHECK(export_tokenizer_fingerprint(tok, fp, err) == 0);
	CHECK(strlen(fp) == 16 && strcmp(fp, fp_bare) != 0);

	struct export_opts o;
	export_opts_init(&o);
	o.dataset = "arith";
	o.format = EXPORT_MT;
	o.tok = tok;
	o.n_ctx = 512;
	struct export_stats stats;
	int rc;
	cJSON *arr = run_export(st, &o, &rc, &stats, err);
	CHECK_INT(rc, 0);
	CHECK_INT(stats.truncated, 0);
	int n = arr ? cJSON_GetArraySize(arr) : 0;
	CHECK_INT(n, 10);
	for (int i = 0; i < n; i++) {
		const cJSON *rec = cJSON_GetArrayItem(arr, i);
		int exp = !strcmp(str_of(rec, "task"), "exp");
		CHECK_INT(count_keys(rec), exp ? 9 : 8);
		CHECK_STR(str_of(rec, "tokenizer"), fp);
		const cJSON *ids = cJSON_GetObjectItemCaseSensitive(rec, "ids");
		const cJSON *np = cJSON_GetObjectItemCaseSensitive(rec, "n_prompt");
		CHECK(cJSON_IsArray(ids) && cJSON_IsNumber(np));
		struct train_example ex;
		int tr = 0;
		CHECK(train_encode(tok, exp ? TRAIN_TASK_EXP : TRAIN_TASK_ANS, str_of(rec, "input"),
				   str_of(rec, "target"), 512, &ex, &tr, err) == 0);
		CHECK_INT(cJSON_GetArraySize(ids), (int64_t)ex.n);
		for (size_t k = 0; k < ex.n && k < (size_t)cJSON_GetArraySize(ids); k++)
			CHECK_INT(cJSON_GetArrayItem(ids, (int)k)->valueint, ex.tok[k]);
		int first = 0;
		while ((size_t)first < ex.n && !ex.target[first])
			first++;
		CHECK_INT(np->valueint, first);
		CHECK_INT(cJSON_GetArrayItem(ids, 0)->valueint,
			  tokenizer_special(tok, exp ? TOKENIZER_EXP : TOKENIZER_ANS));
		CHECK_INT(cJSON_GetArrayItem(ids, first - 1)->valueint,
			  tokenizer_special(tok, TOKENIZER_SEP));
		CHECK_INT(cJSON_GetArrayItem(ids, (int)ex.n - 1)->valueint,
			  tokenizer_special(tok, TOKENIZER_EOS));
		CHECK(cJSON_GetObjectItemCaseSensitive(rec, "truncated") == NULL);
		train_example_release(&ex);
	}
	cJSON_Delete(arr);

	/* a context of 12 tokens cuts the longer sequences and says so */
	o.n_ctx = 12;
	arr = run_export(st, &o, &rc, &stats, err);
	CHECK_INT(rc, 0);
	CHECK(stats.truncated > 0);
	int cut = 0;
	for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
		const cJSON *rec = cJSON_GetArrayItem(arr, i);
		CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "ids")) <= 12);
		cut += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "truncated"));
	}
	CHECK_INT(cut, stats.truncated);
	cJSON_Delete(arr);

	/* only with mt, only with a usable context */
	o.n_ctx = 3;
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);
	CHECK(strstr(err, "context") != NULL);
	o.n_ctx = 512;
	o.format = EXPORT_CHAT;
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);
	CHECK(strstr(err, "mt format") != NULL);
	tokenizer_free(tok);
	tokenizer_free(bare);
}

/* "ext:mode:status" of every record, joined by spaces. */
static void summary(const cJSON *arr, char *out, size_t n)
{
	out[0] = '\0';
	const cJSON *rec;
	cJSON_ArrayForEach(rec, arr)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "metadata");
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s:%s:%s", len ? " " : "", str_of(m, "ext_id"),
			 str_of(m, "mode"), str_of(m, "status"));
	}
}

static void test_filters(struct store *st, const struct fixture *fx)
{
	(void)fx;
	char err[MENTOR_ERR_LEN] = "", got[1024];
	struct export_opts o;
	int rc;
	export_opts_init(&o);
	o.dataset = "arith";
	o.status = EXPORT_STATUS_ALL;
	cJSON *arr = run_export(st, &o, &rc, NULL, err);
	summary(arr, got, sizeof got);
	CHECK_STR(got, "q1:cot:accepted q1:rp:pending q2:rp:flagged q3:cot:accepted "
		       "q4:rp:accepted t1:cot:accepted t1:crop:pending t2:cot:accepted");
	/* the flagged hostile one keeps its text and question exactly */
	const cJSON *q2 = cJSON_GetArrayItem(arr, 2);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(q2, "messages");
	CHECK_STR(str_of(cJSON_GetArrayItem(msgs, 1), "content"), FX_HOSTILE);
	CHECK_STR(str_of(cJSON_GetArrayItem(msgs, 2), "content"),
		  "Hostile & <b>flagged</b> So the answer is 7.");
	cJSON_Delete(arr);

	o.include_rejected = 1;
	arr = run_export(st, &o, &rc, NULL, err);
	summary(arr, got, sizeof got);
	CHECK_STR(got, "q1:cot:accepted q1:rp:pending q2:cot:rejected q2:rp:flagged "
		       "q3:cot:accepted q4:rp:accepted t1:cot:accepted t1:crop:pending "
		       "t2:cot:accepted t2:rp:rejected");
	cJSON_Delete(arr);

	export_opts_init(&o);
	o.dataset = "arith";
	o.mode = "cot";
	arr = run_export(st, &o, &rc, NULL, err);
	summary(arr, got, sizeof got);
	CHECK_STR(got, "q1:cot:accepted q3:cot:accepted t1:cot:accepted t2:cot:accepted");
	cJSON_Delete(arr);

	o.mode = NULL;
	o.split = "train";
	struct export_stats stats;
	arr = run_export(st, &o, &rc, &stats, err);
	summary(arr, got, sizeof got);
	CHECK_STR(got, "t1:cot:accepted t2:cot:accepted");
	CHECK_INT(stats.items, 2);
	cJSON_Delete(arr);

	o.split = "test";
	o.mode = "rp";
	arr = run_export(st, &o, &rc, NULL, err);
	summary(arr, got, sizeof got);
	CHECK_STR(got, "q4:rp:accepted");
	cJSON_Delete(arr);

	/* nothing passes: a message with the counts, no output */
	o.split = NULL;
	o.mode = "crop";
	arr = run_export(st, &o, &rc, NULL, err);
	CHECK(arr == NULL && rc == MENTOR_ERR);
	CHECK_MSG(strstr(err, "2 pending, 5 accepted, 1 flagged, 3 rejected") != NULL, "%s", err);
	CHECK(strstr(err, "--status all") != NULL);
}

static void test_choice_and_edge(struct store *st)
{
	char err[MENTOR_ERR_LEN] = "";
	int64_t ds;
	if (store_dataset_upsert(st, "pref", "fixture", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	int64_t it = fx_item(st, ds, "train", "p1", "Bad \xFF byte and a \x01 control?", NULL, "3",
			     "number", NULL);
	/* older accepted beats newer pending, for the same mode */
	fx_expl(st, it, "cot", "cot", "old accepted", 1, "accept", NULL);
	fx_expl(st, it, "cot", "cot", "new pending", 1, NULL, NULL);
	/* a CROP COTE attempt replaced by RP is left out unless accepted */
	int64_t attempt = fx_expl(st, it, "crop", "cot", "crop attempt", 0, NULL, NULL);
	struct store_expl e;
	memset(&e, 0, sizeof e);
	e.item_id = it;
	e.mode = (char *)"crop";
	e.path = (char *)"rp";
	e.provider = (char *)"offline";
	e.model = (char *)"teacher-1";
	e.text = (char *)"crop rationalization";
	e.correct = 1;
	e.attempt_of = attempt;
	if (store_expl_insert(st, &e, err))
		TEST_SETUP_FAIL("%s", err);
	/* a huge explanation survives whole */
	int64_t it2 = fx_item(st, ds, "train", "p2", "Huge?", NULL, "1", "number", NULL);
	size_t big = 300000;
	char *text = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		text[i] = "ab\"\\\n\tc"[i % 7];
	text[big] = '\0';
	fx_expl(st, it2, "rp", "rp", text, 1, "accept", NULL);

	struct export_opts o;
	export_opts_init(&o);
	o.dataset = "pref";
	o.status = EXPORT_STATUS_ALL;
	o.format = EXPORT_ALPACA;
	int rc;
	cJSON *arr = run_export(st, &o, &rc, NULL, err);
	CHECK_INT(rc, 0);
	CHECK_INT(cJSON_GetArraySize(arr), 3);
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 0), "output"), "old accepted So the answer is 3.");
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 1), "output"),
		  "crop rationalization So the answer is 3.");
	CHECK_STR(str_of(cJSON_GetArrayItem(arr, 0), "input"),
		  "Bad \xEF\xBF\xBD byte and a \x01 control?");
	const char *huge = str_of(cJSON_GetArrayItem(arr, 2), "output");
	CHECK(huge && strlen(huge) == big + strlen(" So the answer is 1.") &&
	      !strncmp(huge, text, big));
	cJSON_Delete(arr);
	free(text);
}

static void test_errors_and_write(struct store *st)
{
	char err[MENTOR_ERR_LEN] = "";
	struct export_opts o;
	export_opts_init(&o);
	int rc;
	o.dataset = "nosuch";
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ENOTFOUND);
	CHECK(strstr(err, "no dataset 'nosuch'") != NULL);
	o.dataset = "empty";
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);
	CHECK_MSG(strstr(err, "dataset 'empty' has no items") != NULL, "%s", err);
	o.dataset = "arith";
	o.split = "dev";
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);
	CHECK_MSG(strstr(err, "no items in split 'dev'") != NULL, "%s", err);
	o.split = NULL;
	o.dataset = "bare";
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);
	CHECK_MSG(strstr(err, "has no explanations yet") != NULL, "%s", err);
	o.dataset = "arith";
	o.mode = "bogus";
	CHECK(run_export(st, &o, &rc, NULL, err) == NULL && rc == MENTOR_ERR);

	/* the file matches the build, with no temporary left */
	export_opts_init(&o);
	o.dataset = "arith";
	const char *path = test_path("out.jsonl");
	struct export_stats stats;
	CHECK_INT(export_write(st, &o, path, &stats, err), 0);
	size_t n = 0;
	char *data = util_read_file(path, 1 << 24, &n, err);
	struct buf b;
	buf_init(&b);
	CHECK_INT(export_build(st, &o, &b, NULL, err), 0);
	CHECK(data && b.data && n == b.len && !memcmp(data, b.data, n));
	free(data);
	buf_release(&b);
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	CHECK(access(tmp, F_OK) != 0);
	/* a failed export leaves an existing file alone */
	o.dataset = "empty";
	CHECK(export_write(st, &o, path, NULL, err) != 0);
	data = util_read_file(path, 1 << 24, &n, err);
	CHECK(data && n > 0);
	free(data);
	o.dataset = "arith";
	CHECK(export_write(st, &o, "/nonexistent-dir/out.jsonl", NULL, err) == MENTOR_ERR);
}

int main(void)
{
	/* secrets in the environment never reach an export */
	setenv("OPENAI_API_KEY", "sk-test-SECRET123", 1);
	setenv("ANTHROPIC_API_KEY", "sk-ant-SECRET123", 1);
	struct fixture fx;
	struct store *st = fixture_make(test_path("ws.db"), &fx);
	test_chat(st, &fx);
	test_alpaca(st, &fx);
	test_mt(st, &fx);
	test_mt_ids(st);
	test_filters(st, &fx);
	test_choice_and_edge(st);
	test_errors_and_write(st);
	store_close(st);
	return test_done();
}
