/* test_import: whole imports into a real workspace file: every layout from
 * JSON Lines, JSON arrays and CSV; bad input of every kind (each must leave
 * the workspace untouched); --skip-bad; idempotent and updating re-imports;
 * a generated 50 MB line. */
#include <sqlite3.h>

#include "mentor/dataset.h"
#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static struct store *st;

static int64_t q_int(const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		TEST_SETUP_FAIL("%s: %s", sql, sqlite3_errmsg(store_db(st)));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t n_items(const char *dataset)
{
	char sql[256];
	snprintf(
		sql, sizeof sql,
		"SELECT count(*) FROM item JOIN dataset d ON d.id = dataset_id WHERE d.name = '%s'",
		dataset);
	return q_int(sql);
}

static int64_t n_datasets(void)
{
	return q_int("SELECT count(*) FROM dataset");
}

/* The item of a dataset with this ext_id (release it), or exits. */
static void item_by_ext(const char *dataset, const char *ext, struct store_item *it)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT item.id FROM item JOIN dataset d ON d.id = dataset_id "
		 "WHERE d.name = '%s' AND ext_id = '%s'",
		 dataset, ext);
	int64_t id = q_int(sql);
	char err[MENTOR_ERR_LEN];
	memset(it, 0, sizeof *it);
	if (id < 0 || store_item_get(st, id, it, err)) {
		fprintf(stderr, "no item %s/%s\n", dataset, ext);
		test_failures++;
	}
}

static int import_str(const char *label, const char *text, const char *name, const char *format,
		      int skip_bad, struct dataset_import_result *res, char *err)
{
	struct dataset_import_opts o = {name, format, NULL, skip_bad};
	return dataset_import_mem(st, text, strlen(text), label, &o, res, NULL, NULL, err);
}

static void test_layouts(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	struct store_item it;

	/* GSM8K, name and split from the path, ids are line numbers. */
	const char *gsm =
		"{\"question\":\"Janet has 16 eggs. How many?\",\"answer\":\"She sells 16 - 3 = "
		"<<16-3=13>>13 eggs.\\n#### 18\"}\n"
		"\n"
		"{\"question\":\"Big number?\",\"answer\":\"It is <<1000+200=1200>>1200.\\n#### 1,200\"}\n";
	CHECK_INT(import_str("data/gsm8k/test.jsonl", gsm, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "gsm8k");
	CHECK_INT(r.n_items, 2);
	CHECK_INT(r.n_new, 2);
	CHECK_INT(r.unchanged, 0);
	item_by_ext("gsm8k", "test:1", &it);
	CHECK_STR(it.answer, "18");
	CHECK_STR(it.split, "test");
	CHECK_STR(it.gold_rationale, "She sells 16 - 3 = 13 eggs.");
	store_item_release(&it);
	item_by_ext("gsm8k", "test:3", &it);
	CHECK_STR(it.answer, "1200");
	store_item_release(&it);
	struct store_dataset d;
	CHECK_INT(store_dataset_get(st, "gsm8k", &d, err), 0);
	CHECK_STR(d.format, "gsm8k");
	CHECK_STR(d.source, "data/gsm8k/test.jsonl");
	CHECK(d.source_hash && strlen(d.source_hash) == 64);
	CHECK_INT(d.n_test, 2);
	store_dataset_release(&d);

	/* CommonsenseQA, original layout, CRLF line ends and a BOM. */
	const char *csqa =
		"\xEF\xBB\xBF{\"answerKey\":\"A\",\"id\":\"c1\",\"question\":{\"question_concept\":\"x\","
		"\"choices\":[{\"label\":\"A\",\"text\":\"bank\"},{\"label\":\"B\",\"text\":\"park\"}],"
		"\"stem\":\"Where is money?\"}}\r\n"
		"{\"answerKey\":\"B\",\"id\":\"c2\",\"question\":{\"question_concept\":\"y\","
		"\"choices\":[{\"label\":\"A\",\"text\":\"sea\"},{\"label\":\"B\",\"text\":\"tree\"}],"
		"\"stem\":\"Where are leaves?\"}}\r\n";
	CHECK_INT(import_str("csqa_train.jsonl", csqa, "csqa", NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "csqa");
	item_by_ext("csqa", "c2", &it);
	CHECK_STR(it.answer, "B");
	CHECK_STR(it.split, "train");
	CHECK_STR(it.question, "Where are leaves?");
	store_item_release(&it);

	/* CommonsenseQA as the datasets library writes it, as a JSON array. */
	const char *csqa_hf =
		"[\n  {\"id\": \"h1\", \"question\": \"The sun is?\",\n"
		"   \"choices\": {\"label\": [\"A\", \"B\"], \"text\": [\"hot\", \"cold\"]},\n"
		"   \"answerKey\": \"A\"},\n"
		"  {\"id\": \"h2\", \"question\": \"Ice is?\", \"choices\": {\"label\": [\"A\", \"B\"],"
		" \"text\": [\"hot\", \"cold\"]}, \"answerKey\": \"B\"}\n]\n";
	CHECK_INT(import_str("csqa_hf_validation.json", csqa_hf, "csqa-hf", NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "csqa");
	CHECK_INT(r.n_items, 2);
	item_by_ext("csqa-hf", "h2", &it);
	CHECK_STR(it.answer, "B");
	CHECK_STR(it.split, "dev");
	store_item_release(&it);

	/* StrategyQA: a JSON array (its usual shipping form). */
	const char *sqa =
		"[{\"qid\":\"s1\",\"term\":\"Moon\",\"description\":\"d\",\"question\":\"Is the Moon "
		"made of cheese?\",\"answer\":false,\"facts\":[\"The Moon is rock.\"],"
		"\"decomposition\":[\"What is the Moon made of?\"]},"
		"{\"qid\":\"s2\",\"question\":\"Is water wet?\",\"answer\":true,\"facts\":[]}]";
	CHECK_INT(import_str("strategyqa.json", sqa, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "strategyqa");
	item_by_ext("strategyqa", "s1", &it);
	CHECK_STR(it.answer, "no");
	CHECK_STR(it.gold_rationale, "The Moon is rock.");
	CHECK(it.meta_json && strstr(it.meta_json, "\"decomposition\""));
	store_item_release(&it);
	item_by_ext("strategyqa", "s2", &it);
	CHECK_STR(it.answer, "yes");
	CHECK(it.gold_rationale == NULL);
	store_item_release(&it);

	/* OpenBookQA. */
	const char *obqa =
		"{\"id\":\"7-980\",\"question\":{\"stem\":\"The sun is responsible for\",\"choices\":["
		"{\"text\":\"puppies learning new tricks\",\"label\":\"A\"},{\"text\":\"children "
		"growing up\",\"label\":\"B\"},{\"text\":\"flowers wilting\",\"label\":\"C\"},"
		"{\"text\":\"plants sprouting\",\"label\":\"D\"}]},\"fact1\":\"the sun is the source "
		"of energy for physical cycles on Earth\",\"answerKey\":\"D\"}\n";
	CHECK_INT(import_str("obqa/test.jsonl", obqa, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "obqa");
	item_by_ext("obqa", "7-980", &it);
	CHECK_STR(it.answer, "D");
	CHECK_STR(it.gold_rationale,
		  "the sun is the source of energy for physical cycles on Earth");
	store_item_release(&it);

	/* AQuA-RAT: JSON Lines behind a .json ending. */
	const char *aqua =
		"{\"question\": \"A car travels 60 km in 1.5 hours. Speed?\", \"options\": "
		"[\"A)30\", \"B)40\", \"C)50\", \"D)60\", \"E)90\"], \"rationale\": \"60/1.5 = 40\", "
		"\"correct\": \"B\"}\n"
		"{\"question\": \"2+2?\", \"options\": [\"A)4\", \"B)5\"], \"rationale\": \"4\", "
		"\"correct\": \"A\"}";
	CHECK_INT(import_str("aqua/dev.json", aqua, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "aqua");
	CHECK_INT(r.n_items, 2);
	item_by_ext("aqua", "dev:1", &it);
	CHECK_STR(it.answer, "B");
	CHECK_STR(it.split, "dev");
	CHECK(it.choices_json && strstr(it.choices_json, "{\"label\":\"B\",\"text\":\"40\"}"));
	store_item_release(&it);

	/* SVAMP: a JSON array with ids. */
	const char *svamp =
		"[{\"ID\":\"chal-1\",\"Body\":\"Each pack has 8.0 apples.\",\"Question\":\"How many in"
		" 2 packs?\",\"Equation\":\"( 8.0 * 2.0 )\",\"Answer\":16.0,\"Type\":\"Multiplication\"},"
		"{\"ID\":\"chal-2\",\"Body\":\"Ed has 5.\",\"Question\":\"Half?\",\"Equation\":"
		"\"( 5.0 / 2.0 )\",\"Answer\":2.5}]";
	CHECK_INT(import_str("SVAMP.json", svamp, "svamp", NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "svamp");
	item_by_ext("svamp", "chal-1", &it);
	CHECK_STR(it.answer, "16");
	CHECK_STR(it.question, "Each pack has 8.0 apples. How many in 2 packs?");
	store_item_release(&it);
	item_by_ext("svamp", "chal-2", &it);
	CHECK_STR(it.answer, "2.5");
	store_item_release(&it);

	/* Generic with the forced format, record splits, and a trace. */
	const char *gen =
		"{\"id\":\"g1\",\"question\":\"3+4?\",\"answer\":7,\"split\":\"test\","
		"\"trace\":{\"op\":\"add\",\"args\":[3,4]}}\n"
		"{\"id\":\"g2\",\"question\":\"Is 7 odd?\",\"answer\":\"yes\",\"rationale\":\"7 = 2*3+1\"}\n"
		"{\"id\":\"g3\",\"question\":\"Pick the prime\",\"choices\":[\"4\",\"6\",\"7\"],\"answer\":\"C\"}\n"
		"{\"id\":\"g4\",\"question\":\"東京は日本の首都ですか？\",\"answer\":\"はい\",\"answer_type\":\"text\"}\n";
	struct dataset_import_opts o = {"gen", "generic", "dev", 0};
	CHECK_INT(dataset_import_mem(st, gen, strlen(gen), "gen.jsonl", &o, &r, NULL, NULL, err),
		  0);
	CHECK_INT(r.n_items, 4);
	item_by_ext("gen", "g1", &it);
	CHECK_STR(it.split, "test");
	CHECK_STR(it.answer, "7");
	CHECK_STR(it.answer_type, "number");
	CHECK_STR(it.trace_json, "{\"op\":\"add\",\"args\":[3,4]}");
	store_item_release(&it);
	item_by_ext("gen", "g2", &it);
	CHECK_STR(it.split, "dev"); /* --split */
	CHECK_STR(it.answer_type, "yesno");
	store_item_release(&it);
	item_by_ext("gen", "g3", &it);
	CHECK_STR(it.answer, "C");
	CHECK_STR(it.answer_type, "mc");
	store_item_release(&it);
	item_by_ext("gen", "g4", &it);
	CHECK_STR(it.answer, "はい");
	store_item_release(&it);
}

static void test_csv(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	struct store_item it;
	/* RFC 4180: quoted commas, doubled quotes, a newline inside quotes,
	 * CRLF, an empty optional cell, choices as a|b and as JSON text. */
	const char *csv =
		"id,question,choices,answer,rationale,split\r\n"
		"1,\"Add 2, then 3\",,5,\"2 + 3 = 5\",test\r\n"
		"2,\"He said \"\"hi\"\"\nthen left. Who?\",Ann|Bob|Cy,B,,\r\n"
		"3,Pick,\"[{\"\"label\"\":\"\"X\"\",\"\"text\"\":\"\"x\"\"},{\"\"label\"\":\"\"Y\"\",\"\"text\"\":\"\"y\"\"}]\",Y,,dev\r\n"
		"\r\n"
		"4,Last one without newline,,\"1,500\",,";
	CHECK_INT(import_str("quiz.csv", csv, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "generic");
	CHECK_INT(r.n_items, 4);
	item_by_ext("quiz", "1", &it);
	CHECK_STR(it.question, "Add 2, then 3");
	CHECK_STR(it.answer, "5");
	CHECK_STR(it.split, "test");
	CHECK_STR(it.gold_rationale, "2 + 3 = 5");
	CHECK(it.meta_json == NULL);
	store_item_release(&it);
	item_by_ext("quiz", "2", &it);
	CHECK_STR(it.question, "He said \"hi\"\nthen left. Who?");
	CHECK_STR(it.answer, "B");
	CHECK_STR(
		it.choices_json,
		"[{\"label\":\"A\",\"text\":\"Ann\"},{\"label\":\"B\",\"text\":\"Bob\"},{\"label\":\"C\",\"text\":\"Cy\"}]");
	CHECK_STR(it.split, "train");
	store_item_release(&it);
	item_by_ext("quiz", "3", &it);
	CHECK_STR(it.answer, "Y");
	CHECK_STR(it.split, "dev");
	store_item_release(&it);
	item_by_ext("quiz", "4", &it);
	CHECK_STR(it.answer, "1500");
	store_item_release(&it);

	/* GSM8K columns in a CSV are detected too; ids are record lines. */
	const char *gcsv = "question,answer\n"
			   "\"Two\nlines?\",\"x <<1+1=2>>2\n#### 2\"\n"
			   "Next?,\"#### 3\"\n";
	CHECK_INT(import_str("gsm.csv", gcsv, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "gsm8k");
	item_by_ext("gsm", "train:2", &it);
	CHECK_STR(it.answer, "2");
	CHECK_STR(it.gold_rationale, "x 2");
	store_item_release(&it);
	item_by_ext("gsm", "train:5", &it); /* the first record spans lines 2-4 */
	CHECK_STR(it.answer, "3");
	store_item_release(&it);

	/* Old Mac line ends (CR only) and a quote inside an unquoted field,
	 * which is kept literally. */
	const char *mac = "question,answer\rShe said \"hi\" twice?,2\rq2,3\r";
	CHECK_INT(import_str("mac.csv", mac, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.n_items, 2);
	item_by_ext("mac", "train:2", &it);
	CHECK_STR(it.question, "She said \"hi\" twice?");
	store_item_release(&it);

	/* StrategyQA columns with a textual boolean and facts as JSON text. */
	const char *scsv = "qid,question,answer,facts\n"
			   "a,Is fire cold?,False,\"[\"\"Fire is hot.\"\"]\"\n";
	CHECK_INT(import_str("sqa.csv", scsv, NULL, NULL, 0, &r, err), 0);
	CHECK_STR(r.format, "strategyqa");
	item_by_ext("sqa", "a", &it);
	CHECK_STR(it.answer, "no");
	CHECK_STR(it.gold_rationale, "Fire is hot.");
	store_item_release(&it);
}

/* An import that must fail with `want` in a one-line message and change
 * nothing in the workspace. */
static void bad_input(const char *label, const char *text, size_t len, const char *want)
{
	char err[MENTOR_ERR_LEN] = "";
	struct dataset_import_result r;
	int64_t before_ds = n_datasets(), before_items = q_int("SELECT count(*) FROM item");
	struct dataset_import_opts o = {"bad", NULL, NULL, 0};
	int rc = dataset_import_mem(st, text, len, label, &o, &r, NULL, NULL, err);
	CHECK_MSG(rc != 0, "%s was accepted", label);
	CHECK_MSG(strstr(err, want) != NULL, "%s: error '%s' lacks '%s'", label, err, want);
	CHECK_MSG(strchr(err, '\n') == NULL, "%s: error has a newline: %s", label, err);
	CHECK_INT(n_datasets(), before_ds);
	CHECK_INT(q_int("SELECT count(*) FROM item"), before_items);
	CHECK_INT(r.dataset_id, 0);
	CHECK_INT(sqlite3_get_autocommit(store_db(st)), 1);
}

#define BAD(label, lit, want) bad_input(label, lit, sizeof(lit) - 1, want)

static void test_bad_inputs(void)
{
	const char good[] = "{\"question\":\"q\",\"answer\":\"1\"}\n";
	(void)good;
	BAD("empty.jsonl", "", "empty.jsonl: empty file, no records");
	BAD("blank.jsonl", "\n  \n\t\n", "blank.jsonl: empty file");
	BAD("bom.jsonl", "\xEF\xBB\xBF", "bom.jsonl: empty file");
	BAD("utf16.jsonl", "\xFF\xFE{\0\"\0q\0",
	    "utf16.jsonl:1: the file is UTF-16; convert it to UTF-8 first");
	BAD("latin1.csv", "\xFEquestion,answer\n", "latin1.csv:1: invalid UTF-8 at byte 1");
	BAD("utf8.jsonl",
	    "{\"question\":\"q\",\"answer\":\"1\"}\n"
	    "{\"question\":\"q\",\"answer\":\"1\",\"id\":\"b\"}\n"
	    "{\"question\":\"caf\xE9\",\"answer\":\"1\",\"id\":\"c\"}\n",
	    "utf8.jsonl:3: invalid UTF-8 at byte 17");
	BAD("overlong.jsonl", "{\"question\":\"\xC0\xAF\",\"answer\":\"1\"}\n",
	    "overlong.jsonl:1: invalid UTF-8");
	BAD("nul.jsonl",
	    "{\"question\":\"q\",\"answer\":\"1\"}\n{\"question\":\"a\0b\",\"answer\":\"1\"}\n",
	    "nul.jsonl:2: NUL byte in record at byte 15");
	BAD("nulesc.jsonl", "{\"question\":\"a\\u0000b\",\"answer\":\"1\"}\n",
	    "nulesc.jsonl:1: NUL character");
	BAD("surrogate.jsonl", "{\"question\":\"a\\ud800b\",\"answer\":\"1\"}\n",
	    "surrogate.jsonl:1: invalid JSON");
	BAD("missing.jsonl", "{\"question\":\"q\",\"answer\":\"1\"}\n{\"question\":\"q2\"}\n",
	    "missing.jsonl:2: missing field 'answer'");
	BAD("mistyped.jsonl", "{\"question\":[\"q\"],\"answer\":\"1\"}\n",
	    "mistyped.jsonl:1: field 'question' must be a string, not an array");
	BAD("dup.jsonl",
	    "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"1\"}\n"
	    "{\"id\":\"y\",\"question\":\"q\",\"answer\":\"1\"}\n"
	    "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"2\"}\n",
	    "dup.jsonl:3: duplicate id 'x' (first on line 1)");
	BAD("trunc.jsonl", "{\"question\":\"q\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"ans",
	    "trunc.jsonl:2: invalid JSON: record ends too early (truncated last line?)");
	BAD("pretty.json", "{\n \"question\": \"q\",\n \"answer\": \"1\"\n}\n",
	    "pretty.json:1: invalid JSON: record ends too early (JSON Lines need one whole record per line)");
	BAD("garbage.jsonl", "{\"question\":\"q\",\"answer\":\"1\"} trailing\n",
	    "garbage.jsonl:1: invalid JSON at byte 31");
	BAD("notobj.jsonl", "{\"question\":\"q\",\"answer\":\"1\"}\n[1,2]\n",
	    "notobj.jsonl:2: record is an array, not a JSON object");
	BAD("string.json", "[\"just a string\"]",
	    "string.json:1: element 1: record is a string, not a JSON object");
	BAD("arr_trunc.json", "[{\"question\":\"q\",\"answer\":\"1\"},\n{\"question\":\"q2\",",
	    "arr_trunc.json:2: element 2: JSON array is truncated inside this element");
	BAD("arr_open.json", "[{\"question\":\"q\",\"answer\":\"1\"}",
	    "arr_open.json:1: JSON array is truncated: missing ']'");
	BAD("arr_comma.json", "[{\"question\":\"q\",\"answer\":\"1\"},]",
	    "trailing ',' before ']'");
	BAD("arr_after.json", "[{\"question\":\"q\",\"answer\":\"1\"}] {}",
	    "unexpected data after the JSON array");
	BAD("arr_sep.json",
	    "[{\"question\":\"q\",\"answer\":\"1\"} {\"question\":\"q\",\"answer\":\"1\"}]",
	    "expected ',' or ']'");
	BAD("arr_empty.json", "[ ]", "arr_empty.json: no records");
	BAD("csv_quote.csv", "question,answer\nq,1\n\"open,2\n",
	    "csv_quote.csv:3: unterminated quoted field");
	BAD("csv_after.csv", "question,answer\n\"q\"x,1\n",
	    "csv_after.csv:2: unexpected character after a closing quote");
	BAD("csv_fields.csv", "question,answer\nq,1,extra\n",
	    "csv_fields.csv:2: record has 3 fields, the header has 2");
	BAD("csv_header.csv", "question,,answer\nq,x,1\n", "column 2 has no name");
	BAD("csv_duphdr.csv", "question,answer,answer\nq,1,2\n", "duplicate column 'answer'");
	BAD("csv_only_header.csv", "question,answer\n", "csv_only_header.csv: no records");
	BAD("csv_utf8.csv", "question,answer\n\xff\xfe,1\n", "csv_utf8.csv:2: invalid UTF-8");
	BAD("csv_nul.csv", "question,answer\nq\0x,1\n", "csv_nul.csv:2: NUL byte");
	BAD("csv_missing.csv", "question,answer\n,1\n",
	    "csv_missing.csv:2: field 'question' is empty");
	BAD("mc.jsonl", "{\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer\":\"Z\"}\n",
	    "mc.jsonl:1: field 'answer' ('Z') is not one of the choices A, B");
	BAD("gsm.jsonl",
	    "{\"question\":\"q\",\"answer\":\"x\\n#### 1\"}\n{\"question\":\"q\",\"answer\":\"no mark\"}\n",
	    "gsm.jsonl:2: field 'answer' has no final answer after '####'");

	/* Hostile nesting: the parser's depth limit answers, no crash. */
	struct buf deep;
	buf_init(&deep);
	buf_puts(&deep, "{\"question\":\"q\",\"answer\":\"1\",\"x\":");
	for (int i = 0; i < 100000; i++)
		buf_putc(&deep, '[');
	for (int i = 0; i < 100000; i++)
		buf_putc(&deep, ']');
	buf_puts(&deep, "}\n");
	bad_input("deep.jsonl", deep.data, deep.len, "deep.jsonl:1: invalid JSON");
	/* The same nesting inside a JSON array element. */
	buf_reset(&deep);
	buf_putc(&deep, '[');
	for (int i = 0; i < 100000; i++)
		buf_putc(&deep, '[');
	for (int i = 0; i < 100000; i++)
		buf_putc(&deep, ']');
	buf_putc(&deep, ']');
	bad_input("deep.json", deep.data, deep.len, "deep.json:1: element 1: invalid JSON");
	buf_release(&deep);

	/* Records just over the cap (in memory): refused without a crash. */
	struct buf big;
	buf_init(&big);
	buf_puts(&big, "{\"question\":\"");
	while (big.len < DATASET_MAX_RECORD + 10)
		buf_puts(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	buf_puts(&big, "\",\"answer\":\"1\"}\n");
	bad_input("big.jsonl", big.data, big.len, "big.jsonl:1: record longer than 1048576 bytes");
	big.data[0] = '[';
	big.data[big.len - 1] = ']';
	bad_input("big.json", big.data, big.len,
		  "big.json:1: element 1: record longer than 1048576 bytes");
	buf_reset(&big);
	buf_puts(&big, "question,answer\n");
	while (big.len < DATASET_MAX_RECORD + 10)
		buf_puts(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	buf_puts(&big, ",1\n");
	bad_input("big.csv", big.data, big.len, "big.csv:2: record longer than 1048576 bytes");
	buf_release(&big);

	/* Bad options are usage errors. */
	char err[MENTOR_ERR_LEN];
	struct dataset_import_opts o = {"x", "xml", NULL, 0};
	const char *ok = "{\"question\":\"q\",\"answer\":\"1\"}\n";
	CHECK_INT(dataset_import_mem(st, ok, strlen(ok), "x.jsonl", &o, NULL, NULL, NULL, err),
		  MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown format 'xml'") != NULL);
	o.format = NULL;
	o.split = "holdout";
	CHECK_INT(dataset_import_mem(st, ok, strlen(ok), "x.jsonl", &o, NULL, NULL, NULL, err),
		  MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown split 'holdout'") != NULL);
	o.split = NULL;
	o.name = "";
	CHECK_INT(dataset_import_mem(st, ok, strlen(ok), "x.jsonl", &o, NULL, NULL, NULL, err),
		  MENTOR_EUSAGE);
	o.name = "tab\tname";
	CHECK_INT(dataset_import_mem(st, ok, strlen(ok), "x.jsonl", &o, NULL, NULL, NULL, err),
		  MENTOR_EUSAGE);
	CHECK(strstr(err, "control character") != NULL);

	/* Files: missing, a directory. */
	o.name = NULL;
	CHECK(dataset_import_file(st, test_path("nope.jsonl"), &o, NULL, NULL, NULL, err) != 0);
	CHECK_MSG(strstr(err, "cannot open") && strstr(err, "nope.jsonl") &&
			  strstr(err, "No such file"),
		  "%s", err);
	CHECK(dataset_import_file(st, test_tmpdir(), &o, NULL, NULL, NULL, err) != 0);
	CHECK_MSG(strstr(err, "is a directory") != NULL, "%s", err);
}

struct skips {
	int n;
	char last[MENTOR_ERR_LEN];
};

static void on_skip(void *u, const char *msg)
{
	struct skips *s = u;
	s->n++;
	snprintf(s->last, sizeof s->last, "%s", msg);
	CHECK(strchr(msg, '\n') == NULL);
}

static void test_skip_bad(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	struct skips sk = {0};
	const char *text = "{\"id\":\"1\",\"question\":\"q1\",\"answer\":\"1\"}\n"
			   "{\"id\":\"2\",\"question\":\"q2\"}\n"
			   "not json\n"
			   "{\"id\":\"3\",\"question\":\"caf\xE9\",\"answer\":\"1\"}\n"
			   "{\"id\":\"1\",\"question\":\"dup\",\"answer\":\"1\"}\n"
			   "{\"id\":\"4\",\"question\":\"q4\",\"answer\":\"4\"}\n"
			   "{\"id\":\"5\",\"question\":\"trunc";
	struct dataset_import_opts o = {"skip", NULL, NULL, 1};
	CHECK_INT(dataset_import_mem(st, text, strlen(text), "skip.jsonl", &o, &r, on_skip, &sk,
				     err),
		  0);
	CHECK_INT(r.n_items, 2);
	CHECK_INT(r.n_skipped, 5);
	CHECK_INT(sk.n, 5);
	CHECK_STR(sk.last,
		  "skip.jsonl:7: invalid JSON: record ends too early (truncated last line?)");
	CHECK_INT(n_items("skip"), 2);

	/* Skipping in arrays and CSV too. */
	sk.n = 0;
	const char *arr = "[{\"question\":\"q\",\"answer\":\"1\"}, 5, {\"question\":\"q\"},"
			  " {\"question\":\"q3\",\"answer\":\"3\"}]";
	o.name = "skip-arr";
	CHECK_INT(dataset_import_mem(st, arr, strlen(arr), "a.json", &o, &r, on_skip, &sk, err), 0);
	CHECK_INT(r.n_items, 2);
	CHECK_INT(r.n_skipped, 2);
	sk.n = 0;
	const char *csv = "question,answer\nq,1\nq,1,2\n\"bad\"x,1\nq3,3\n";
	o.name = "skip-csv";
	CHECK_INT(dataset_import_mem(st, csv, strlen(csv), "c.csv", &o, &r, on_skip, &sk, err), 0);
	CHECK_INT(r.n_items, 2);
	CHECK_INT(r.n_skipped, 2);
	CHECK_INT(sk.n, 2);

	/* Nothing good at all is still an error, and writes nothing. */
	o.name = "allbad";
	const char *allbad = "{x\n{y\n";
	CHECK(dataset_import_mem(st, allbad, strlen(allbad), "allbad.jsonl", &o, &r, NULL, NULL,
				 err) != 0);
	CHECK_MSG(strstr(err, "no valid records (2 skipped)") != NULL, "%s", err);
	struct store_dataset d;
	CHECK_INT(store_dataset_get(st, "allbad", &d, err), MENTOR_ENOTFOUND);
}

static void test_reimport(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	const char *v1 = "{\"id\":\"a\",\"question\":\"qa\",\"answer\":\"1\"}\n"
			 "{\"id\":\"b\",\"question\":\"qb\",\"answer\":\"2\"}\n"
			 "{\"id\":\"c\",\"question\":\"qc\",\"answer\":\"3\"}\n"
			 "{\"id\":\"d\",\"question\":\"qd\",\"answer\":\"4\"}\n";
	CHECK_INT(import_str("re.jsonl", v1, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.n_new, 4);
	int64_t ds = r.dataset_id;
	struct store_item it;
	item_by_ext("re", "a", &it);
	int64_t id_a = it.id;
	store_item_release(&it);

	/* Same bytes: unchanged, nothing written. */
	int64_t changes = sqlite3_total_changes(store_db(st));
	CHECK_INT(import_str("re.jsonl", v1, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.unchanged, 1);
	CHECK_INT(r.n_items, 4);
	CHECK_INT(r.dataset_id, ds);
	CHECK_STR(r.format, "generic");
	CHECK_INT(sqlite3_total_changes(store_db(st)), changes);

	/* Other options make it a new import (still no item changes). */
	CHECK_INT(import_str("re.jsonl", v1, NULL, "generic", 0, &r, err), 0);
	CHECK_INT(r.unchanged, 0);
	CHECK_INT(r.n_updated, 0);
	CHECK_INT(r.n_new, 0);
	CHECK_INT(r.n_items, 4);

	/* b has an explanation; c does not. v2 changes a, drops b and c,
	 * keeps d, adds e. */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(item_id, mode, path, provider, model, text, created_at) "
		 "SELECT id, 'cot', 'cot', 'p', 'm', 't', 1 FROM item WHERE dataset_id = %lld "
		 "AND ext_id = 'b'",
		 (long long)ds);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	const char *v2 = "{\"id\":\"a\",\"question\":\"qa changed\",\"answer\":\"1\"}\n"
			 "{\"id\":\"d\",\"question\":\"qd\",\"answer\":\"4\"}\n"
			 "{\"id\":\"e\",\"question\":\"qe\",\"answer\":\"5\"}\n";
	CHECK_INT(import_str("re.jsonl", v2, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.unchanged, 0);
	CHECK_INT(r.n_items, 3);
	CHECK_INT(r.n_updated, 1);
	CHECK_INT(r.n_new, 1);
	CHECK_INT(r.n_deleted, 1);
	CHECK_INT(r.n_kept, 1);
	CHECK_INT(n_items("re"), 4); /* a, b (explained), d, e */
	item_by_ext("re", "a", &it);
	CHECK_INT(it.id, id_a); /* updated in place: ids are stable */
	CHECK_STR(it.question, "qa changed");
	store_item_release(&it);
	item_by_ext("re", "b", &it);
	CHECK_STR(it.question, "qb");
	store_item_release(&it);

	/* A bad re-import leaves the previous state and hash intact. */
	struct store_dataset before, after;
	CHECK_INT(store_dataset_get(st, "re", &before, err), 0);
	const char
		*bad = "{\"id\":\"a\",\"question\":\"qa v3\",\"answer\":\"1\"}\n{\"id\":\"z\"}\n";
	CHECK(import_str("re.jsonl", bad, NULL, NULL, 0, &r, err) != 0);
	CHECK_INT(store_dataset_get(st, "re", &after, err), 0);
	CHECK_STR(after.source_hash, before.source_hash);
	CHECK_STR(after.format, before.format);
	store_dataset_release(&before);
	store_dataset_release(&after);
	item_by_ext("re", "a", &it);
	CHECK_STR(it.question, "qa changed");
	store_item_release(&it);
	CHECK_INT(n_items("re"), 4);
	/* And v2 again is recognised as unchanged. */
	CHECK_INT(import_str("re.jsonl", v2, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.unchanged, 1);
}

/* A corpus shipped as train and test files gathers in one dataset; a
 * re-import of one file replaces only the items of its own split. */
static void test_split_files(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	struct store_item it;
	const char *train = "{\"question\":\"t1\",\"answer\":\"#### 1\"}\n"
			    "{\"question\":\"t2\",\"answer\":\"#### 2\"}\n"
			    "{\"question\":\"t3\",\"answer\":\"#### 3\"}\n";
	const char *test = "{\"question\":\"s1\",\"answer\":\"#### 10\"}\n"
			   "{\"question\":\"s2\",\"answer\":\"#### 20\"}\n";
	CHECK_INT(import_str("corpus/train.jsonl", train, NULL, NULL, 0, &r, err), 0);
	int64_t ds = r.dataset_id;
	CHECK_INT(import_str("corpus/test.jsonl", test, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.dataset_id, ds);
	CHECK_INT(r.n_new, 2);
	CHECK_INT(r.n_deleted, 0);
	struct store_dataset d;
	CHECK_INT(store_dataset_get(st, "corpus", &d, err), 0);
	CHECK_INT(d.n_train, 3);
	CHECK_INT(d.n_test, 2);
	store_dataset_release(&d);
	item_by_ext("corpus", "train:1", &it);
	CHECK_STR(it.question, "t1");
	store_item_release(&it);
	item_by_ext("corpus", "test:1", &it);
	CHECK_STR(it.question, "s1");
	store_item_release(&it);
	/* The test file shrinks: one test item goes, the train items stay. */
	const char *test2 = "{\"question\":\"s1\",\"answer\":\"#### 10\"}\n";
	CHECK_INT(import_str("corpus/test.jsonl", test2, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.n_deleted, 1);
	CHECK_INT(r.n_items, 1);
	CHECK_INT(store_dataset_get(st, "corpus", &d, err), 0);
	CHECK_INT(d.n_train, 3);
	CHECK_INT(d.n_test, 1);
	store_dataset_release(&d);
	/* Importing the train file again changes nothing. */
	CHECK_INT(import_str("corpus/train.jsonl", train, NULL, NULL, 0, &r, err), 0);
	CHECK_INT(r.n_new + r.n_updated + r.n_deleted, 0);
	CHECK_INT(n_items("corpus"), 4);
}

/* The file path: a file on disk, its re-import, and a 50 MB line. */
static void test_files(void)
{
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result r;
	const char *path = test_path("train.jsonl");
	struct buf b;
	buf_init(&b);
	/* Over several read blocks, so that records straddle them. */
	for (int i = 0; i < 3000; i++)
		buf_printf(&b,
			   "{\"id\":\"%d\",\"question\":\"Question number %d with some padding "
			   "text to make lines longer: 日本語\",\"answer\":\"%d\"}\n",
			   i, i, i * 7);
	test_write_file(path, b.data, b.len);
	struct dataset_import_opts o = {"train", NULL, NULL, 0};
	CHECK_INT(dataset_import_file(st, path, &o, &r, NULL, NULL, err), 0);
	CHECK_INT(r.n_items, 3000);
	CHECK_INT(n_items("train"), 3000);
	struct store_item it;
	item_by_ext("train", "2999", &it);
	CHECK_STR(it.answer, "20993");
	CHECK_STR(it.split, "train");
	store_item_release(&it);
	CHECK_INT(dataset_import_file(st, path, &o, &r, NULL, NULL, err), 0);
	CHECK_INT(r.unchanged, 1);
	/* Same bytes from memory hash the same. */
	CHECK_INT(dataset_import_mem(st, b.data, b.len, "train.jsonl", &o, &r, NULL, NULL, err), 0);
	CHECK_INT(r.unchanged, 1);
	buf_release(&b);

	/* A 50 MB single line, written to the temporary directory. */
	const char *hpath = test_path("huge.jsonl");
	FILE *f = fopen(hpath, "wb");
	if (!f)
		TEST_SETUP_FAIL("cannot write %s", hpath);
	fputs("{\"question\":\"q\",\"answer\":\"1\"}\n{\"question\":\"", f);
	char block[65536];
	memset(block, 'a', sizeof block);
	for (int i = 0; i < 50 * 16; i++)
		fwrite(block, 1, sizeof block, f);
	fputs("\",\"answer\":\"1\"}\n{\"question\":\"after\",\"answer\":\"2\"}\n", f);
	if (fclose(f))
		TEST_SETUP_FAIL("cannot write %s", hpath);
	int64_t before = n_datasets();
	CHECK(dataset_import_file(st, hpath, NULL, &r, NULL, NULL, err) != 0);
	CHECK_MSG(strstr(err, "huge.jsonl:2: record longer than 1048576 bytes") != NULL, "%s", err);
	CHECK_INT(n_datasets(), before);
	/* With --skip-bad the neighbours of the long line are imported. */
	struct skips sk = {0};
	o.name = "huge";
	o.skip_bad = 1;
	CHECK_INT(dataset_import_file(st, hpath, &o, &r, on_skip, &sk, err), 0);
	CHECK_INT(r.n_items, 2);
	CHECK_INT(r.n_skipped, 1);
	item_by_ext("huge", "train:3", &it);
	CHECK_STR(it.question, "after");
	store_item_release(&it);
	remove(hpath);
}

/* Deterministic mutations of valid files (bytes flipped, cut, duplicated):
 * every import either succeeds or fails with one line, and a failure never
 * leaves a dataset behind. Meant for the sanitizer run. */
static void test_mutations(void)
{
	static const char *const seeds[] = {
		("{\"id\":\"a\",\"question\":\"q1\",\"choices\":[\"x\",\"y\"],\"answer\":\"B\"}\n"
		 "{\"id\":\"b\",\"question\":\"q2\",\"answer\":\"1,200\",\"trace\":{\"k\":[1]}}\n"),
		"[{\"question\":\"q\",\"answer\":\"x\\n#### 5\"},\n {\"question\":\"r\",\"answer\":\"#### 6\"}]\n",
		"id,question,choices,answer\r\n1,\"a, \"\"b\"\"\",x|y,A\r\n2,\"multi\nline\",,7\r\n",
		"{\"question\":\"q\",\"options\":[\"A)1\",\"B)2\"],\"rationale\":\"r\",\"correct\":\"B\"}\n",
	};
	struct rng g;
	rng_seed(&g, 20221128);
	char err[MENTOR_ERR_LEN];
	int ok = 0, failed = 0;
	for (int iter = 0; iter < 400; iter++) {
		const char *seed = seeds[iter % 4];
		size_t n = strlen(seed);
		char buf[512];
		memcpy(buf, seed, n);
		int edits = 1 + (int)rng_below(&g, 4);
		for (int e = 0; e < edits && n > 0; e++) {
			size_t at = (size_t)rng_below(&g, n);
			switch (rng_below(&g, 4)) {
			case 0: /* flip a byte to something arbitrary */
				buf[at] = (char)rng_below(&g, 256);
				break;
			case 1: /* truncate */ n = at; break;
			case 2: /* duplicate a span */
				if (n + 16 < sizeof buf) {
					memmove(buf + at + 16, buf + at, n - at);
					n += 16;
				}
				break;
			default: /* a structural character */
				buf[at] = "{}[]\",:\\\n\r"[rng_below(&g, 11)];
			}
		}
		char name[32];
		snprintf(name, sizeof name, "mut%d", iter);
		int64_t before = n_datasets();
		struct dataset_import_opts o = {name, NULL, NULL, (int)(iter & 1)};
		struct dataset_import_result r;
		err[0] = 0;
		int rc = dataset_import_mem(st, buf, n, "mut.jsonl", &o, &r, NULL, NULL, err);
		if (rc == 0) {
			ok++;
			CHECK(r.n_items > 0);
			CHECK_INT(n_items(name), (int64_t)r.n_items);
		} else {
			failed++;
			CHECK_MSG(err[0] && !strchr(err, '\n'), "iteration %d: error '%s'", iter,
				  err);
			CHECK_INT(n_datasets(), before);
		}
		CHECK_INT(sqlite3_get_autocommit(store_db(st)), 1);
	}
	CHECK(ok > 0);
	CHECK(failed > 0);
}

int main(void)
{
	char err[MENTOR_ERR_LEN];
	st = store_open(test_path("import.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	test_layouts();
	test_csv();
	test_bad_inputs();
	test_skip_bad();
	test_reimport();
	test_split_files();
	test_files();
	test_mutations();
	store_close(st);
	return test_done();
}
