/* test_cli_dataset: the import, datasets, items and show commands end to
 * end through the built binary ($MENTOR_BIN): exit codes, one-line errors on
 * stderr, the documented --json fields, and escaping of hostile text. */
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static const char *bin, *fixtures, *db;
static char *out_text, *err_text;

/* Run `mentor --db DB ARGS` with stdout and stderr captured; exit code. */
static int run(const char *args)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' %s >'%s' 2>'%s'", bin, db, args,
		 test_path("out.txt"), test_path("err.txt"));
	int st = system(cmd);
	free(out_text);
	free(err_text);
	char err[MENTOR_ERR_LEN];
	out_text = util_read_file(test_path("out.txt"), 64 << 20, NULL, err);
	err_text = util_read_file(test_path("err.txt"), 1 << 20, NULL, err);
	if (!out_text || !err_text)
		TEST_SETUP_FAIL("cannot read command output: %s", err);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A failing command: exit code, exactly one stderr line "mentor: ...". */
static void check_fail(const char *args, int code, const char *want)
{
	int rc = run(args);
	CHECK_MSG(rc == code, "%s: exit %d, want %d", args, rc, code);
	CHECK_MSG(count_lines(err_text) == 1, "%s: stderr has %d lines: %s", args,
		  count_lines(err_text), err_text);
	CHECK_MSG(!strncmp(err_text, "mentor: ", 8), "%s: stderr '%s'", args, err_text);
	CHECK_MSG(strstr(err_text, want) != NULL, "%s: stderr '%s' lacks '%s'", args, err_text,
		  want);
	CHECK_MSG(out_text[0] == 0, "%s: stdout not empty: %s", args, out_text);
}

static const char *fx(const char *name)
{
	static char p[4][1024];
	static int k;
	char *s = p[k++ % 4];
	snprintf(s, 1024, "'%s/%s'", fixtures, name);
	return s;
}

static void import_ok(const char *file, const char *extra)
{
	char args[2048];
	snprintf(args, sizeof args, "import %s %s", fx(file), extra ? extra : "");
	int rc = run(args);
	CHECK_MSG(rc == 0, "%s: exit %d: %s", args, rc, err_text);
	CHECK_MSG(strstr(out_text, "imported") != NULL, "%s: %s", args, out_text);
}

static void test_help(void)
{
	const char *cmds[] = {"import", "datasets", "items", "show"};
	for (size_t i = 0; i < 4; i++) {
		char args[64];
		snprintf(args, sizeof args, "%s --help", cmds[i]);
		CHECK_INT(run(args), 0);
		CHECK_MSG(!strncmp(out_text, "usage: mentor ", 14), "%s: %s", args, out_text);
		CHECK(strstr(out_text, cmds[i]) != NULL);
		CHECK(err_text[0] == 0);
	}
}

static const cJSON *dataset_named(const cJSON *arr, const char *name)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, arr)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return d;
	}
	return NULL;
}

static int jint(const cJSON *o, const char *path1, const char *path2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path1);
	if (path2)
		v = cJSON_GetObjectItemCaseSensitive(v, path2);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *jstrv(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_import_all(void)
{
	/* No workspace yet: a read-only command says so and makes none. */
	CHECK_INT(run("datasets"), 1);
	CHECK(strstr(err_text, "run 'mentor init' first") != NULL);
	CHECK(access(db, F_OK) != 0);
	/* A fresh (empty) workspace: no datasets yet. */
	char e[MENTOR_ERR_LEN];
	struct store *st = store_open(db, e);
	CHECK_MSG(st != NULL, "%s", e);
	store_close(st);
	CHECK_INT(run("datasets"), 0);
	CHECK(strstr(out_text, "no datasets") != NULL);
	CHECK_INT(run("datasets --json"), 0);
	CHECK_STR(out_text, "[]\n");

	import_ok("gsm8k_test.jsonl", NULL);
	CHECK(strstr(out_text, "'gsm8k_test' (gsm8k)") != NULL);
	import_ok("csqa_dev.jsonl", NULL);
	import_ok("csqa_hf_validation.json", "--name csqa-hf");
	import_ok("strategyqa_train.json", NULL);
	import_ok("obqa_test.jsonl", NULL);
	import_ok("aqua_dev.json", "--format aqua");
	import_ok("svamp.json", "--split test");
	import_ok("generic.jsonl", NULL);
	import_ok("generic.csv", "--name generic-csv");

	/* Again: unchanged. */
	char args[2048];
	snprintf(args, sizeof args, "import %s --name generic-csv --json", fx("generic.csv"));
	CHECK_INT(run(args), 0);
	cJSON *j = cJSON_Parse(out_text);
	CHECK_MSG(cJSON_IsObject(j), "not JSON: %s", out_text);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "unchanged")));
	CHECK_INT(jint(j, "items", NULL), 3);
	CHECK_STR(jstrv(j, "dataset"), "generic-csv");
	CHECK_INT(jint(j, "counts", "dev"), 1);
	cJSON_Delete(j);

	CHECK_INT(run("datasets --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_MSG(cJSON_IsArray(j), "not a JSON array: %s", out_text);
	CHECK_INT(cJSON_GetArraySize(j), 9);
	struct {
		const char *name, *format;
		int train, dev, test;
	} want[] = {
		{"gsm8k_test", "gsm8k", 0, 0, 2},    {"csqa_dev", "csqa", 0, 2, 0},
		{"csqa-hf", "csqa", 0, 1, 0},        {"strategyqa_train", "strategyqa", 2, 0, 0},
		{"obqa_test", "obqa", 0, 0, 1},      {"aqua_dev", "aqua", 0, 1, 0},
		{"svamp", "svamp", 0, 0, 2},         {"generic", "generic", 1, 1, 2},
		{"generic-csv", "generic", 1, 1, 1},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const cJSON *d = dataset_named(j, want[i].name);
		CHECK_MSG(d != NULL, "dataset %s missing", want[i].name);
		if (!d)
			continue;
		CHECK_STR(jstrv(d, "format"), want[i].format);
		CHECK(jstrv(d, "source") && strstr(jstrv(d, "source"), "fixtures/"));
		CHECK_INT(jint(d, "counts", "train"), want[i].train);
		CHECK_INT(jint(d, "counts", "dev"), want[i].dev);
		CHECK_INT(jint(d, "counts", "test"), want[i].test);
		CHECK_INT(jint(d, "total", NULL), want[i].train + want[i].dev + want[i].test);
	}
	cJSON_Delete(j);

	CHECK_INT(run("datasets"), 0);
	CHECK(strncmp(out_text, "NAME", 4) == 0);
	CHECK_INT(count_lines(out_text), 10);
}

static void test_items_show(void)
{
	CHECK_INT(run("items generic --json --limit 0"), 0);
	cJSON *j = cJSON_Parse(out_text);
	CHECK_MSG(cJSON_IsArray(j), "not a JSON array: %s", out_text);
	CHECK_INT(cJSON_GetArraySize(j), 4);
	const cJSON *it = cJSON_GetArrayItem(j, 3);
	const char *fields[] = {"id",     "split",       "question",  "choices",
				"answer", "answer_type", "rationale", "ext_id"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		CHECK_MSG(cJSON_GetObjectItemCaseSensitive(it, fields[i]) != NULL, "field %s",
			  fields[i]);
	CHECK_STR(jstrv(it, "question"), "日本の首都はどこですか？");
	CHECK_STR(jstrv(it, "answer"), "B");
	CHECK_STR(jstrv(it, "answer_type"), "mc");
	CHECK_STR(jstrv(it, "ext_id"), "g4");
	CHECK_STR(jstrv(it, "split"), "test");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(it, "choices");
	CHECK_INT(cJSON_GetArraySize(ch), 2);
	CHECK_STR(jstrv(cJSON_GetArrayItem(ch, 1), "text"), "東京");
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(it, "rationale")));
	int first_id = jint(cJSON_GetArrayItem(j, 0), "id", NULL);
	cJSON_Delete(j);

	/* Filters and paging. */
	CHECK_INT(run("items generic --split test --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	CHECK_INT(run("items generic --offset 1 --limit 2 --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 2);
	CHECK_STR(jstrv(cJSON_GetArrayItem(j, 0), "ext_id"), "g2");
	cJSON_Delete(j);
	CHECK_INT(run("items generic --search PLANET --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	CHECK_INT(run("items generic --limit 2"), 0);
	CHECK(strstr(out_text, "(items 1-2 of 4") != NULL);
	CHECK_INT(run("items generic --split dev"), 0);
	CHECK(strstr(out_text, "Is 9 a prime number?") != NULL);

	/* show: text and JSON. */
	char args[128];
	snprintf(args, sizeof args, "show %d", first_id);
	CHECK_INT(run(args), 0);
	CHECK(strstr(out_text, "question:\n  What is 7 + 5?") != NULL);
	CHECK(strstr(out_text, "answer: 12 (number)") != NULL);
	CHECK(strstr(out_text, "rationale:\n  7 + 5 = 12") != NULL);
	snprintf(args, sizeof args, "show %d --json", first_id);
	CHECK_INT(run(args), 0);
	j = cJSON_Parse(out_text);
	CHECK_MSG(cJSON_IsObject(j), "%s", out_text);
	CHECK_STR(jstrv(j, "dataset"), "generic");
	CHECK_STR(jstrv(j, "rationale"), "7 + 5 = 12");
	CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "trace")));
	CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "explanations")));
	cJSON_Delete(j);

	CHECK_INT(run("items svamp --json --limit 1"), 0);
	j = cJSON_Parse(out_text);
	CHECK_STR(jstrv(cJSON_GetArrayItem(j, 0), "answer"), "51");
	CHECK_STR(jstrv(cJSON_GetArrayItem(j, 0), "ext_id"), "chal-1");
	cJSON_Delete(j);
	CHECK_INT(run("items gsm8k_test --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_STR(jstrv(cJSON_GetArrayItem(j, 1), "answer"), "1200");
	cJSON_Delete(j);
}

/* Run SQL on the workspace directly (setup error on failure). */
static void exec_sql(const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		TEST_SETUP_FAIL("cannot open %s", db);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		TEST_SETUP_FAIL("%s", msg ? msg : "sql failed");
	sqlite3_close(h);
}

/* The id of the first item an `items --json` command lists. */
static int first_item(const char *args)
{
	CHECK_INT(run(args), 0);
	cJSON *j = cJSON_Parse(out_text);
	int id = jint(cJSON_GetArrayItem(j, 0), "id", NULL);
	cJSON_Delete(j);
	return id;
}

/* Explanations written straight into the workspace show up in `show`. */
static void test_show_explanations(void)
{
	int id = first_item("items generic --json --limit 1");
	cJSON *j;
	char sql[1024];
	snprintf(
		sql, sizeof sql,
		"INSERT INTO explanation(item_id, mode, path, provider, model, text, parsed_answer,"
		" correct, leaked, status, edited_text, created_at) VALUES"
		"(%d, 'cot', 'cot', 'fake', 'm1', 'Seven plus five is 12.', '12', 1, 0, 'accepted',"
		" NULL, 1),"
		"(%d, 'rp', 'rp', 'fake', 'm1', 'The answer is 12.\x1b[2J', '12', 1, 1, 'flagged',"
		" 'Edited: 7 + 5 = 12.', 2)",
		id, id);
	exec_sql(sql);
	char args[64];
	snprintf(args, sizeof args, "show %d", id);
	CHECK_INT(run(args), 0);
	CHECK_MSG(strstr(out_text, "explanations: 2") != NULL, "%s", out_text);
	CHECK(strstr(out_text, "Seven plus five is 12.") != NULL);
	CHECK(strstr(out_text, "Edited: 7 + 5 = 12.") != NULL);
	CHECK(strstr(out_text, "leaked") != NULL);
	CHECK(strstr(out_text, "accepted") != NULL);
	CHECK_MSG(strstr(out_text, "Edited: 7 + 5 = 12.\n    check: steps: 1 of 1 valid, answer "
				   "follows\n") != NULL,
		  "%s", out_text);
	CHECK(strstr(out_text, "    check: no arithmetic steps, answer follows\n") != NULL);
	snprintf(args, sizeof args, "show %d --json", id);
	CHECK_INT(run(args), 0);
	j = cJSON_Parse(out_text);
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "explanations");
	CHECK_INT(cJSON_GetArraySize(ex), 2);
	int seen_rp = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, ex)
	{
		if (jstrv(e, "mode") && !strcmp(jstrv(e, "mode"), "rp")) {
			seen_rp = 1;
			CHECK_STR(jstrv(e, "edited_text"), "Edited: 7 + 5 = 12.");
			CHECK_STR(jstrv(e, "status"), "flagged");
			CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "leaked")));
			CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "correct")));
			const cJSON *ck = cJSON_GetObjectItemCaseSensitive(e, "check");
			CHECK_STR(jstrv(ck, "verdict"), "valid");
			CHECK_INT(jint(ck, "steps", NULL), 1);
			CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ck, "answer_follows")));
			CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ck, "first_wrong")));
		}
	}
	CHECK(seen_rp);
	cJSON_Delete(j);
	/* Filters over explanations. */
	CHECK_INT(run("items generic --review accepted --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 1);
	CHECK_INT(jint(cJSON_GetArrayItem(j, 0), "id", NULL), id);
	cJSON_Delete(j);
	CHECK_INT(run("items generic --review none --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	CHECK_INT(run("items generic --mode rp --review flagged --json"), 0);
	j = cJSON_Parse(out_text);
	CHECK_INT(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	CHECK_INT(run("items generic --mode crop --json"), 0);
	CHECK_STR(out_text, "[]\n");
	check_fail("items generic --review maybe", 2, "unknown review status 'maybe'");
	check_fail("items generic --mode x", 2, "unknown mode 'x'");
	/* Re-importing a changed file never deletes an explained item. */
	const char *tmp = test_path("generic_v2.jsonl");
	const char v2[] =
		"{\"id\":\"g9\",\"question\":\"New?\",\"answer\":\"yes\"}\n"
		"{\"id\":\"g8\",\"question\":\"Newer?\",\"answer\":\"no\",\"split\":\"test\"}\n";
	test_write_file(tmp, v2, sizeof v2 - 1);
	char imp[1024];
	snprintf(imp, sizeof imp, "import '%s' --name generic --json", tmp);
	CHECK_INT(run(imp), 0);
	j = cJSON_Parse(out_text);
	/* train (g1, explained: kept) and test (g3, g4: deleted) are replaced;
	 * the file has no dev item, so g2 stays. */
	CHECK_INT(jint(j, "deleted", NULL), 2);
	CHECK_INT(jint(j, "kept", NULL), 1);
	CHECK_INT(jint(j, "counts", "train"), 2);
	CHECK_INT(jint(j, "counts", "dev"), 1);
	CHECK_INT(jint(j, "counts", "test"), 1);
	cJSON_Delete(j);
	CHECK_INT(run(args), 0);
}

static void test_errors(void)
{
	char args[2048];
	check_fail("import", 2, "missing FILE");
	check_fail("import a b", 2, "one FILE at a time");
	check_fail("import --bogus x", 2, "unknown option '--bogus'");
	snprintf(args, sizeof args, "import %s --format xml", fx("generic.jsonl"));
	check_fail(args, 2, "unknown format 'xml'");
	snprintf(args, sizeof args, "import %s --split holdout", fx("generic.jsonl"));
	check_fail(args, 2, "unknown split 'holdout'");
	snprintf(args, sizeof args, "import %s --name", fx("generic.jsonl"));
	check_fail(args, 2, "'--name' needs a value");
	check_fail("import /nonexistent/file.jsonl", 1, "cannot open '/nonexistent/file.jsonl'");
	snprintf(args, sizeof args, "import %s", fx("bad_line3.jsonl"));
	check_fail(args, 1, "bad_line3.jsonl:3: missing field 'question'");
	check_fail("items", 2, "missing DATASET");
	check_fail("items nosuch", 1, "no dataset 'nosuch'");
	check_fail("items generic --limit -1", 2, "--limit");
	check_fail("items generic --split x", 2, "unknown split 'x'");
	check_fail("show", 2, "missing ITEM");
	check_fail("show abc", 2, "numeric item id");
	check_fail("show 999999", 1, "no item with id 999999");
	check_fail("show 1 2", 2, "one ITEM at a time");
	check_fail("datasets extra", 2, "unexpected argument 'extra'");

	/* Nothing of the bad file was written. */
	CHECK_INT(run("items bad_line3"), 1);

	/* --skip-bad: the good records, one stderr line per skipped one. */
	snprintf(args, sizeof args, "import %s --skip-bad", fx("bad_line3.jsonl"));
	CHECK_INT(run(args), 0);
	CHECK(strstr(out_text, "imported 3 items") != NULL);
	CHECK(strstr(out_text, "1 bad records skipped") != NULL);
	CHECK_INT(count_lines(err_text), 1);
	CHECK(strstr(err_text, "mentor: skipped ") &&
	      strstr(err_text, "bad_line3.jsonl:3: missing field 'question'"));

	/* A workspace that is not a database. */
	const char *junk = test_path("junk.db");
	test_write_file(junk, "definitely not sqlite, padding padding padding padding padding\n",
			64);
	const char *saved = db;
	db = junk;
	check_fail("datasets", 1, "cannot open workspace");
	db = saved;
}

static void test_escaping(void)
{
	import_ok("hostile.jsonl", NULL);
	CHECK_INT(run("items hostile"), 0);
	CHECK(strchr(out_text, 0x1b) == NULL);
	CHECK(strchr(out_text, 0x07) == NULL);
	CHECK(strchr(out_text, '\r') == NULL);
	CHECK(strstr(out_text, "\\x1b[31mred") != NULL);
	CHECK_INT(run("items hostile --json"), 0);
	cJSON *j = cJSON_Parse(out_text);
	int id = jint(cJSON_GetArrayItem(j, 0), "id", NULL);
	/* JSON keeps the text exactly, escaped the JSON way. */
	CHECK(jstrv(cJSON_GetArrayItem(j, 0), "question") &&
	      strstr(jstrv(cJSON_GetArrayItem(j, 0), "question"), "\x1b[31mred"));
	CHECK(strchr(out_text, 0x1b) == NULL);
	cJSON_Delete(j);
	char args[64];
	snprintf(args, sizeof args, "show %d", id);
	CHECK_INT(run(args), 0);
	CHECK(strchr(out_text, 0x1b) == NULL);
	CHECK(strchr(out_text, 0x07) == NULL);
	CHECK(strstr(out_text, "Bell\\x07 and \\x1b[31mred\\x1b[0m text\\rover\\u0085?") != NULL);
	CHECK(strstr(out_text, "rationale:\n  line one\n  line two \\x1b]0;title\\x07") != NULL);
}

/* A wrong step is named under its explanation, in text and JSON. */
static void test_show_check(void)
{
	int id = first_item("items generic --json --search 'What is 7'");
	cJSON *j;
	char sql[1024];
	snprintf(
		sql, sizeof sql,
		"INSERT INTO explanation(item_id, mode, path, provider, model, text, parsed_answer,"
		" correct, leaked, status, created_at) VALUES (%d, 'cot', 'cot', 'fake', 'm2',"
		" 'We add: 7 + 5 = 13, and 13 - 1 = 12.\x1b[2J', '12', 1, 0, 'pending', 3)",
		id);
	exec_sql(sql);
	char args[64];
	snprintf(args, sizeof args, "show %d", id);
	CHECK_INT(run(args), 0);
	CHECK_MSG(strstr(out_text,
			 "    check: step 1 wrong: 7 + 5 = 13 (is 12), answer follows\n") != NULL,
		  "%s", out_text);
	CHECK(strchr(out_text, 0x1b) == NULL);
	snprintf(args, sizeof args, "show %d --json", id);
	CHECK_INT(run(args), 0);
	j = cJSON_Parse(out_text);
	const cJSON *e, *seen = NULL;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "explanations")) if (
		jstrv(e, "model") && !strcmp(jstrv(e, "model"), "m2"))
		seen = cJSON_GetObjectItemCaseSensitive(e, "check");
	CHECK_STR(jstrv(seen, "verdict"), "wrong-step");
	CHECK_INT(jint(seen, "wrong", NULL), 1);
	CHECK_INT(jint(seen, "steps", NULL), 2);
	CHECK_STR(jstrv(cJSON_GetObjectItemCaseSensitive(seen, "first_wrong"), "text"),
		  "7 + 5 = 13");
	CHECK_INT(jint(seen, "first_wrong", "expected"), 12);
	CHECK_INT(jint(seen, "first_wrong", "start"), 8);
	CHECK(strstr(jstrv(seen, "summary"), "step 1 wrong") == jstrv(seen, "summary"));
	cJSON_Delete(j);
}

/* The language of a dataset's prompts: detected (a Japanese sample
 * dataset, an English fixture), set, shown in --json, followed by the
 * printed prompts, reset with auto; bad uses fail on one line. */
static void test_dataset_lang(const char *src)
{
	char args[2048];
	snprintf(args, sizeof args, "import '%s/sample_datasets/factory-ja.jsonl' --name kanban",
		 src);
	CHECK_MSG(run(args) == 0, "%s", err_text);
	CHECK_INT(run("datasets --lang kanban"), 0);
	CHECK_STR(out_text, "kanban: prompts in ja (detected from the questions)\n");
	CHECK_INT(run("datasets --lang gsm8k_test"), 0);
	CHECK_STR(out_text, "gsm8k_test: prompts in en (detected from the questions)\n");
	CHECK_INT(run("explain gsm8k_test --print-prompts --limit 1 --mode cot"), 0);
	CHECK(strstr(out_text, "Question: ") && !strstr(out_text, "問題: "));
	CHECK_INT(run("datasets --lang gsm8k_test ja"), 0);
	CHECK_STR(out_text, "gsm8k_test: prompts in ja (set)\n");
	CHECK_INT(run("explain gsm8k_test --print-prompts --limit 1 --mode rp"), 0);
	CHECK(strstr(out_text, "問題の正解が与えられています。") && strstr(out_text, "問題: "));
	CHECK(!strstr(out_text, "Question: "));
	CHECK_INT(run("datasets --json"), 0);
	cJSON *j = cJSON_Parse(out_text);
	const cJSON *g = dataset_named(j, "gsm8k_test"), *k = dataset_named(j, "kanban");
	CHECK(g && k);
	if (g && k) {
		CHECK_STR(jstrv(g, "lang"), "ja");
		CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "lang_set")));
		CHECK_STR(jstrv(k, "lang"), "ja");
		CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(k, "lang_set")));
	}
	cJSON_Delete(j);
	CHECK_INT(run("datasets --lang gsm8k_test auto"), 0);
	CHECK_STR(out_text, "gsm8k_test: prompts in en (detected from the questions)\n");
	check_fail("datasets --lang", 2, "option '--lang' needs a value (DATASET)");
	check_fail("datasets --lang gsm8k_test fr", 2, "'fr' is not ja, en or auto");
	check_fail("datasets --lang gsm8k_test ja extra", 2, "unexpected argument 'extra'");
	check_fail("datasets --lang nosuch ja", 1, "no dataset 'nosuch'");
	/* the refused value changed nothing */
	CHECK_INT(run("datasets --lang gsm8k_test"), 0);
	CHECK(strstr(out_text, "prompts in en") != NULL);
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	const char *src = getenv("MENTOR_SOURCE_DIR");
	if (!bin || !*bin)
		TEST_SKIP("MENTOR_BIN not set");
	static char fxdir[1024];
	snprintf(fxdir, sizeof fxdir, "%s/tests/dataset/fixtures",
		 src && *src ? src : MENTOR_SOURCE_DIR);
	fixtures = fxdir;
	static char dbp[512];
	snprintf(dbp, sizeof dbp, "%s", test_path("cli.db"));
	db = dbp;
	unsetenv("MENTOR_DB");
	test_help();
	test_import_all();
	test_items_show();
	test_errors();
	test_show_explanations();
	test_escaping();
	test_show_check();
	test_dataset_lang(src && *src ? src : MENTOR_SOURCE_DIR);
	free(out_text);
	free(err_text);
	return test_done();
}
