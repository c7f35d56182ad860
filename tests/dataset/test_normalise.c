/* test_normalise: layout detection and the normalisation of single records
 * and answers, without a workspace: every layout, every answer type, and
 * records that are missing fields or carry the wrong types. */
#include <cjson/cJSON.h>

#include "mentor/dataset.h"
#include "mentor/util.h"
#include "test.h"

static void check_answer(const char *type, const char *in, const char *want)
{
	char *got = dataset_normalise_answer(type, in);
	if (want)
		CHECK_MSG(got && !strcmp(got, want), "%s '%s' -> '%s', want '%s'", type, in,
			  got ? got : "(null)", want);
	else
		CHECK_MSG(got == NULL, "%s '%s' -> '%s', want NULL", type, in, got);
	free(got);
}

static void test_answers(void)
{
	check_answer("number", "18", "18");
	check_answer("number", "1,200", "1200");
	check_answer("number", "1,234,567", "1234567");
	check_answer("number", " 8.0 ", "8");
	check_answer("number", "$18.00", "18");
	check_answer("number", "-$5", "-5");
	check_answer("number", "-0.50", "-0.5");
	check_answer("number", "+7", "7");
	check_answer("number", "007", "7");
	check_answer("number", ".5", "0.5");
	check_answer("number", "-0", "0");
	check_answer("number", "0.000", "0");
	check_answer("number", "1e3", "1000");
	check_answer("number", "2.5E-1", "0.25");
	check_answer("number", "123456789012345678901234567890", "123456789012345678901234567890");
	check_answer("number", "", NULL);
	check_answer("number", "abc", NULL);
	check_answer("number", "1,2,", NULL);
	check_answer("number", "1.2.3", NULL);
	check_answer("number", "12 apples", NULL);
	check_answer("number", "1e", NULL);
	check_answer("number", "1e999", NULL);
	check_answer("number", ",5", NULL);
	check_answer("yesno", "Yes", "yes");
	check_answer("yesno", "TRUE", "yes");
	check_answer("yesno", " no ", "no");
	check_answer("yesno", "false", "no");
	check_answer("yesno", "0", "no");
	check_answer("yesno", "maybe", NULL);
	check_answer("mc", "b", "B");
	check_answer("mc", "(c)", "C");
	check_answer("mc", "D)", "D");
	check_answer("mc", "e.", "E");
	check_answer("mc", "", NULL);
	check_answer("mc", "two words", NULL);
	check_answer("text", "  New   York\n City ", "New York City");
	check_answer("text", "東京", "東京");
	check_answer("text", "   ", NULL);
	check_answer("other", "x", NULL);
	CHECK(dataset_normalise_answer(NULL, "x") == NULL);
	CHECK(dataset_normalise_answer("text", NULL) == NULL);
}

static void test_splits_names(void)
{
	CHECK_STR(dataset_split_canonical("train"), "train");
	CHECK_STR(dataset_split_canonical("Validation"), "dev");
	CHECK_STR(dataset_split_canonical("val"), "dev");
	CHECK_STR(dataset_split_canonical("TEST"), "test");
	CHECK(dataset_split_canonical("holdout") == NULL);
	CHECK(dataset_split_canonical(NULL) == NULL);
	CHECK_STR(dataset_split_from_path("data/gsm8k/test.jsonl"), "test");
	CHECK_STR(dataset_split_from_path("aqua/dev.json"), "dev");
	CHECK_STR(dataset_split_from_path("csqa_validation.csv"), "dev");
	CHECK_STR(dataset_split_from_path("svamp-train-v2.json"), "train");
	CHECK(dataset_split_from_path("contest.jsonl") == NULL); /* "test" inside a word */
	CHECK(dataset_split_from_path("questions.jsonl") == NULL);
	char *n = dataset_default_name("../shared/datasets/gsm8k/test.jsonl");
	CHECK_STR(n, "gsm8k");
	free(n);
	n = dataset_default_name("aqua/dev.json");
	CHECK_STR(n, "aqua");
	free(n);
	n = dataset_default_name("./test.jsonl");
	CHECK_STR(n, "test");
	free(n);
	n = dataset_default_name("my_data.csv");
	CHECK_STR(n, "my_data");
	free(n);
	n = dataset_default_name("train.jsonl");
	CHECK_STR(n, "train");
	free(n);
	n = dataset_default_name("/x/算数.jsonl");
	CHECK_STR(n, "算数");
	free(n);
	CHECK(dataset_format_valid("auto"));
	CHECK(dataset_format_valid("svamp"));
	CHECK(!dataset_format_valid("xml"));
	CHECK(!dataset_format_valid(NULL));
}

/* Normalise one JSON record text with a layout (or detect when NULL). */
static int norm(const char *json, const char *format, struct store_item *it, char *err)
{
	cJSON *o = cJSON_Parse(json);
	if (!o)
		TEST_SETUP_FAIL("bad fixture JSON: %s", json);
	if (!format)
		format = dataset_detect(o);
	int rc = dataset_normalise(o, format, it, err);
	cJSON_Delete(o);
	return rc;
}

static void detect_is(const char *json, const char *want)
{
	cJSON *o = cJSON_Parse(json);
	if (!o)
		TEST_SETUP_FAIL("bad fixture JSON: %s", json);
	CHECK_MSG(!strcmp(dataset_detect(o), want), "%s detected as %s, want %s", json,
		  dataset_detect(o), want);
	cJSON_Delete(o);
}

static void test_detect(void)
{
	detect_is("{\"question\":\"q\",\"answer\":\"x\\n#### 5\"}", "gsm8k");
	detect_is("{\"id\":\"1\",\"question\":{\"question_concept\":\"c\",\"stem\":\"s\","
		  "\"choices\":[]},\"answerKey\":\"A\"}",
		  "csqa");
	detect_is("{\"question\":\"q\",\"choices\":{\"label\":[\"A\"],\"text\":[\"a\"]},"
		  "\"answerKey\":\"A\"}",
		  "csqa");
	detect_is("{\"qid\":\"x\",\"question\":\"q\",\"answer\":true,\"facts\":[]}", "strategyqa");
	detect_is("{\"question\":\"q\",\"answer\":false}", "generic");
	detect_is("{\"question\":\"q\",\"answer\":false,\"rationale\":\"r\",\"id\":\"x\"}",
		  "generic");
	detect_is("{\"qid\":\"x\",\"question\":\"q\",\"answer\":false,\"decomposition\":[]}",
		  "strategyqa");
	detect_is("{\"id\":\"7\",\"question\":{\"stem\":\"s\",\"choices\":[]},\"fact1\":\"f\","
		  "\"answerKey\":\"A\"}",
		  "obqa");
	detect_is("{\"id\":\"7\",\"question_stem\":\"s\",\"choices\":{},\"answerKey\":\"A\"}",
		  "obqa");
	detect_is("{\"question\":\"q\",\"options\":[],\"rationale\":\"r\",\"correct\":\"A\"}",
		  "aqua");
	detect_is("{\"Body\":\"b\",\"Question\":\"q\",\"Equation\":\"e\",\"Answer\":1}", "svamp");
	detect_is("{\"question\":\"q\",\"answer\":\"42\"}", "generic");
	detect_is("{\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer\":\"A\"}", "generic");
	detect_is("[1,2]", "generic");
}

static void test_layouts(void)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it;

	CHECK_INT(norm("{\"question\":\" Janet has 3 ducks. \",\"answer\":\"She has 3 * 400 = "
		       "<<3*400=1200>>1200 eggs.\\n#### 1,200\"}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.question, "Janet has 3 ducks.");
	CHECK_STR(it.answer, "1200");
	CHECK_STR(it.answer_type, "number");
	CHECK_STR(it.gold_rationale, "She has 3 * 400 = 1200 eggs.");
	CHECK(it.choices_json == NULL);
	CHECK(it.meta_json == NULL);
	CHECK(it.ext_id == NULL);
	store_item_release(&it);

	CHECK_INT(norm("{\"answerKey\":\"b\",\"id\":\"075e\",\"question\":{\"question_concept\":"
		       "\"revolving door\",\"choices\":[{\"label\":\"A\",\"text\":\"bank\"},"
		       "{\"label\":\"B\",\"text\":\"library\"}],\"stem\":\"Where?\"}}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.question, "Where?");
	CHECK_STR(it.answer, "B");
	CHECK_STR(it.answer_type, "mc");
	CHECK_STR(it.choices_json,
		  "[{\"label\":\"A\",\"text\":\"bank\"},{\"label\":\"B\",\"text\":\"library\"}]");
	CHECK_STR(it.ext_id, "075e");
	CHECK_STR(it.meta_json, "{\"question_concept\":\"revolving door\"}");
	store_item_release(&it);

	CHECK_INT(norm("{\"id\":\"h1\",\"question\":\"Where?\",\"question_concept\":\"c\","
		       "\"choices\":{\"label\":[\"A\",\"B\",\"C\"],\"text\":[\"x\",\"y\",\"z\"]},"
		       "\"answerKey\":\"C\"}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.answer, "C");
	CHECK_STR(
		it.choices_json,
		"[{\"label\":\"A\",\"text\":\"x\"},{\"label\":\"B\",\"text\":\"y\"},{\"label\":\"C\",\"text\":\"z\"}]");
	CHECK_STR(it.meta_json, "{\"question_concept\":\"c\"}");
	store_item_release(&it);

	CHECK_INT(
		norm("{\"qid\":\"q7\",\"term\":\"Moon\",\"question\":\"Is the Moon a planet?\","
		     "\"answer\":false,\"facts\":[\"The Moon is a satellite.\",\" Planets orbit stars.\"]}",
		     NULL, &it, err),
		0);
	CHECK_STR(it.answer, "no");
	CHECK_STR(it.answer_type, "yesno");
	CHECK_STR(it.gold_rationale, "The Moon is a satellite. Planets orbit stars.");
	CHECK_STR(it.ext_id, "q7");
	CHECK_STR(it.meta_json, "{\"term\":\"Moon\"}");
	store_item_release(&it);

	CHECK_INT(
		norm("{\"id\":\"7-980\",\"question\":{\"stem\":\"The sun is\",\"choices\":["
		     "{\"text\":\"a star\",\"label\":\"A\"},{\"text\":\"a moon\",\"label\":\"B\"},"
		     "{\"text\":\"a rock\",\"label\":\"C\"},{\"text\":\"ice\",\"label\":\"D\"}]},"
		     "\"fact1\":\"the sun is a star\",\"humanScore\":1,\"answerKey\":\"A\"}",
		     NULL, &it, err),
		0);
	CHECK_STR(it.answer, "A");
	CHECK_STR(it.gold_rationale, "the sun is a star");
	CHECK_STR(it.ext_id, "7-980");
	CHECK_STR(it.meta_json, "{\"humanScore\":1}");
	store_item_release(&it);

	CHECK_INT(norm("{\"question\":\"Two trains...\",\"options\":[\"A)12\",\"B) 5 km\","
		       "\"C)√3 + 1\",\"D)8\",\"E)None of these\"],\"rationale\":\"Speed is...\","
		       "\"correct\":\"C\"}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.answer, "C");
	CHECK_STR(it.choices_json,
		  "[{\"label\":\"A\",\"text\":\"12\"},{\"label\":\"B\",\"text\":\"5 km\"},"
		  "{\"label\":\"C\",\"text\":\"√3 + 1\"},{\"label\":\"D\",\"text\":\"8\"},"
		  "{\"label\":\"E\",\"text\":\"None of these\"}]");
	CHECK_STR(it.gold_rationale, "Speed is...");
	store_item_release(&it);

	CHECK_INT(
		norm("{\"ID\":\"chal-1\",\"Body\":\"Ed had 16 marbles.\",\"Question\":\"He lost 8."
		     " How many are left?\",\"Equation\":\"( 16.0 - 8.0 )\",\"Answer\":8.0,"
		     "\"Type\":\"Subtraction\"}",
		     NULL, &it, err),
		0);
	CHECK_STR(it.question, "Ed had 16 marbles. He lost 8. How many are left?");
	CHECK_STR(it.answer, "8");
	CHECK_STR(it.answer_type, "number");
	CHECK_STR(it.gold_rationale, "( 16.0 - 8.0 ) = 8");
	CHECK_STR(it.ext_id, "chal-1");
	CHECK_STR(it.meta_json, "{\"Type\":\"Subtraction\"}");
	store_item_release(&it);

	/* Generic: string choices get labels; the answer may be a choice text. */
	CHECK_INT(norm("{\"question\":\"Capital of Japan?\",\"choices\":[\"Kyoto\",\"Tokyo\"],"
		       "\"answer\":\"Tokyo\",\"split\":\"validation\",\"id\":17,\"source\":\"x\"}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.answer, "B");
	CHECK_STR(it.answer_type, "mc");
	CHECK_STR(it.split, "dev");
	CHECK_STR(it.ext_id, "17");
	CHECK_STR(it.meta_json, "{\"source\":\"x\"}");
	store_item_release(&it);

	CHECK_INT(norm("{\"question\":\"q\",\"answer\":true}", "generic", &it, err), 0);
	CHECK_STR(it.answer, "yes");
	CHECK_STR(it.answer_type, "yesno");
	store_item_release(&it);
	CHECK_INT(norm("{\"question\":\"q\",\"answer\":\"1,000\"}", NULL, &it, err), 0);
	CHECK_STR(it.answer, "1000");
	CHECK_STR(it.answer_type, "number");
	store_item_release(&it);
	CHECK_INT(norm("{\"question\":\"q\",\"answer\":\"1984\",\"answer_type\":\"text\"}", NULL,
		       &it, err),
		  0);
	CHECK_STR(it.answer, "1984");
	CHECK_STR(it.answer_type, "text");
	store_item_release(&it);
	CHECK_INT(norm("{\"question\":\"q\",\"answer\":\"Paris,  France\"}", NULL, &it, err), 0);
	CHECK_STR(it.answer, "Paris, France");
	CHECK_STR(it.answer_type, "text");
	store_item_release(&it);
	CHECK_INT(norm("{\"question\":\"q\",\"answer\":12,\"rationale\":\"r\",\"trace\":"
		       "{\"steps\":[1,2],\"op\":\"add\"}}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.trace_json, "{\"steps\":[1,2],\"op\":\"add\"}");
	CHECK_STR(it.gold_rationale, "r");
	CHECK(it.meta_json == NULL);
	store_item_release(&it);
	CHECK_INT(norm("{\"question\":\"漢字は？\",\"choices\":[{\"label\":\"ア\",\"text\":\"山\"},"
		       "{\"label\":\"イ\",\"text\":\"川\"}],\"answer\":\"イ\"}",
		       NULL, &it, err),
		  0);
	CHECK_STR(it.answer, "イ");
	store_item_release(&it);
}

static void bad_record(const char *json, const char *format, const char *want)
{
	char err[MENTOR_ERR_LEN] = "";
	struct store_item it;
	int rc = norm(json, format, &it, err);
	CHECK_MSG(rc != 0, "accepted: %s", json);
	CHECK_MSG(strstr(err, want) != NULL, "%s: error '%s' lacks '%s'", json, err, want);
	CHECK(strchr(err, '\n') == NULL);
	/* On failure the item holds nothing. */
	CHECK(it.question == NULL && it.answer == NULL && it.choices_json == NULL);
}

static void test_bad_records(void)
{
	bad_record("{\"answer\":\"5\"}", "generic", "missing field 'question'");
	bad_record("{\"question\":\"q\"}", "generic", "missing field 'answer'");
	bad_record("{\"question\":5,\"answer\":\"5\"}", "generic",
		   "field 'question' must be a string, not a number");
	bad_record("{\"question\":\"  \",\"answer\":\"5\"}", "generic",
		   "field 'question' is empty");
	bad_record("{\"question\":\"q\",\"answer\":[1]}", "generic", "field 'answer' must be");
	bad_record("{\"question\":\"q\",\"answer\":\"x\",\"answer_type\":\"essay\"}", "generic",
		   "answer_type");
	bad_record("{\"question\":\"q\",\"answer\":\"x\",\"answer_type\":\"number\"}", "generic",
		   "not a valid number answer");
	bad_record("{\"question\":\"q\",\"answer\":\"x\",\"answer_type\":\"mc\"}", "generic",
		   "needs field 'choices'");
	bad_record("{\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer\":\"C\"}", "generic",
		   "not one of the choices A, B");
	bad_record("{\"question\":\"q\",\"choices\":[\"a\"],\"answer\":\"A\"}", "generic",
		   "at least 2 choices");
	bad_record("{\"question\":\"q\",\"choices\":\"a|b\",\"answer\":\"A\"}", "generic",
		   "must be an array");
	bad_record("{\"question\":\"q\",\"choices\":[{\"label\":\"A\"},\"b\"],\"answer\":\"A\"}",
		   "generic", "needs string 'label' and 'text'");
	bad_record(
		"{\"question\":\"q\",\"choices\":[{\"label\":\"A\",\"text\":\"a\"},{\"label\":\"a\",\"text\":\"b\"}],\"answer\":\"A\"}",
		"generic", "duplicate choice label 'A'");
	bad_record("{\"question\":\"q\",\"answer\":\"1\",\"split\":\"holdout\"}", "generic",
		   "field 'split' must be train, dev or test");
	bad_record("{\"question\":\"q\",\"answer\":\"1\",\"id\":{\"a\":1}}", "generic",
		   "field 'id' must be a string or an integer");
	bad_record("{\"question\":\"q\",\"answer\":\"1\",\"trace\":\"steps\"}", "generic",
		   "field 'trace' must be an object");
	bad_record("{\"question\":\"q\",\"answer\":\"no marker\"}", "gsm8k",
		   "no final answer after '####'");
	bad_record("{\"question\":\"q\",\"answer\":\"x\\n#### many\"}", "gsm8k",
		   "not a number: 'many'");
	bad_record("{\"question\":{\"choices\":[]},\"answerKey\":\"A\"}", "csqa",
		   "missing field 'question.stem'");
	bad_record(
		"{\"question\":{\"stem\":\"s\",\"choices\":[{\"label\":\"A\",\"text\":\"a\"},{\"label\":\"B\",\"text\":\"b\"}]}}",
		"csqa", "missing field 'answerKey'");
	bad_record(
		"{\"question\":\"q\",\"choices\":{\"label\":[\"A\",\"B\"],\"text\":[\"a\"]},\"answerKey\":\"A\"}",
		"csqa", "equal length");
	bad_record("{\"question\":\"q\",\"answer\":\"perhaps\"}", "strategyqa", "not yes/no");
	bad_record("{\"question\":\"q\",\"answer\":3}", "strategyqa", "must be a boolean");
	bad_record("{\"question\":\"q\",\"answer\":true,\"facts\":[1]}", "strategyqa",
		   "strings only");
	bad_record("{\"question\":\"q\",\"options\":[\"12\",\"B)3\"],\"correct\":\"B\"}", "aqua",
		   "not like 'A)text'");
	bad_record("{\"question\":\"q\",\"options\":\"A)1\",\"correct\":\"A\"}", "aqua",
		   "must be an array of strings");
	bad_record("{\"question\":\"q\",\"options\":[\"A)1\",\"B)2\"],\"correct\":\"F\"}", "aqua",
		   "not one of the choices");
	bad_record("{\"Body\":\"b\",\"Question\":\"q\",\"Answer\":\"lots\"}", "svamp",
		   "field 'Answer' is not a number");
	bad_record("{\"Body\":\"b\",\"Answer\":1}", "svamp", "missing field 'Question'");
	bad_record("[1]", "generic", "not a JSON object");
	bad_record("{\"question\":\"q\",\"answer\":\"1\"}", "xml", "unknown format");
}

int main(void)
{
	test_answers();
	test_splits_names();
	test_detect();
	test_layouts();
	test_bad_records();
	return test_done();
}
