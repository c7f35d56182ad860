/* test_norm: the teacher's answer normalisation agrees with the dataset
 * importer's on the same inputs (gold and parsed answers must compare as
 * strings), and extends it only where documented (full-width digits,
 * Japanese yes/no). Every multiple-choice label the importer accepts can be
 * named by a parsed answer, and what no answer could name is refused at
 * import with a clear error. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/answer.h"
#include "mentor/dataset.h"
#include "mentor/prompt.h"
#include "test.h"

/* Import a generic record whose choices are label and "ZZ9"; 0 with the
 * normalised label in *norm (heap), else the error in err. */
static int import_label(const char *label, char **norm, char *err)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "question", "Which one?");
	cJSON *ch = cJSON_AddArrayToObject(o, "choices");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "label", label);
	cJSON_AddStringToObject(c, "text", "the first choice");
	cJSON_AddItemToArray(ch, c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "label", "ZZ9");
	cJSON_AddStringToObject(c, "text", "the other choice");
	cJSON_AddItemToArray(ch, c);
	cJSON_AddStringToObject(o, "answer", label);
	struct store_item it = {0};
	int rc = dataset_normalise(o, "generic", &it, err);
	cJSON_Delete(o);
	*norm = NULL;
	if (!rc) {
		*norm = strdup(it.answer);
		/* every form of the answer a teacher may write is read back */
		const char *forms[] = {"So the answer is %s.",
				       "So the answer is (%s).",
				       "The answer is **%s**.",
				       "So the answer is `%s`.",
				       "The answer is [%s] because of the first choice.",
				       "答えは%sです",
				       "答え：(%s)",
				       "So the answer is option %s."};
		const char *as[] = {label, it.answer};
		/* the label as written in the file, in the forms that add no brackets */
		const int raw_ok[] = {1, 0, 1, 1, 0, 1, 0, 1};
		for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++)
			for (int k = raw_ok[f] ? 0 : 1; k < 2; k++) {
				char text[300];
				snprintf(text, sizeof text, forms[f], as[k]);
				char *got = prompt_parse_answer(text, "mc", it.choices_json);
				CHECK_MSG(got && !strcmp(got, it.answer),
					  "label '%s' imported as '%s': "
					  "'%s' parsed as %s",
					  label, it.answer, text, got ? got : "NULL");
				free(got);
			}
		/* the choice's text names it too */
		char *got = prompt_parse_answer("So the answer is the first choice.", "mc",
						it.choices_json);
		CHECK_MSG(got && !strcmp(got, it.answer), "label '%s': by text, %s", label,
			  got ? got : "NULL");
		free(got);
		store_item_release(&it);
	}
	return rc;
}

static void test_labels(void)
{
	static const char *const accepted[] = {
		"A",
		"b",
		"(c)",
		"D)",
		"e.",
		"[F]",
		"**G**",
		"`H`",
		"*I*",
		"`**J**`",
		"10",
		"opt1",
		"abcdefghi",
		"LongLabel12345",
		"ABCDEFGHIJKLMNOP",
		"ＫＬ",
		"ア",
		"①",
		"**9**",
		"  M  ",
	};
	char err[MENTOR_ERR_LEN];
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		char *n;
		int rc = import_label(accepted[i], &n, err);
		CHECK_MSG(rc == 0, "label '%s' refused: %s", accepted[i], err);
		free(n);
	}
	/* What no parsed answer could name is refused, saying why. */
	static const char *const refused[] = {
		"ABCDEFGHIJKLMNOPQ",
		"a b",
		"*",
		"``",
		"",
		"A-1",
		"x,y",
		"()",
		"A+",
		"「ア」",
		"**",
		"A.B",
		"(A",
		"ア、イ",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *n;
		err[0] = '\0';
		int rc = import_label(refused[i], &n, err);
		CHECK_MSG(rc != 0, "label '%s' accepted as '%s'", refused[i], n ? n : "?");
		CHECK_MSG(strstr(err, "bad choice label") && strstr(err, "16"), "label '%s': %s",
			  refused[i], err);
		free(n);
		/* the parser's normaliser gives nothing for it either */
		char *p = prompt_normalise_answer("mc", refused[i]);
		CHECK_MSG(p == NULL, "label '%s': parser normalises it to '%s'", refused[i], p);
		free(p);
	}
}

static const char *const inputs[][2] = {
	{"number", "1,200"},
	{"number", "$18.00"},
	{"number", "8.0"},
	{"number", "-0.50"},
	{"number", "+5"},
	{"number", "007"},
	{"number", "0.0"},
	{"number", ".5"},
	{"number", "1e3"},
	{"number", "2.5E-1"},
	{"number", "-0"},
	{"number", " 42 "},
	{"number", "1,2"},
	{"number", "12 apples"},
	{"number", "abc"},
	{"number", ""},
	{"number", "--3"},
	{"number", "1.2.3"},
	{"number", "$"},
	{"number", "1e"},
	{"number", "123456789012345678901234567890"},
	{"number", "0.000100"},
	{"mc", "(b)"},
	{"mc", "B)"},
	{"mc", "b."},
	{"mc", "c"},
	{"mc", " D "},
	{"mc", "b c"},
	{"mc", ""},
	{"mc", "()"},
	{"mc", "A1"},
	{"mc", "**B**"},
	{"mc", "`c`"},
	{"mc", "abcdefghijklmnop"},
	{"mc", "abcdefghijklmnopq"},
	{"mc", "ア"},
	{"mc", "x-y"},
	{"yesno", "Yes"},
	{"yesno", "no"},
	{"yesno", "TRUE"},
	{"yesno", "f"},
	{"yesno", "1"},
	{"yesno", "0"},
	{"yesno", "maybe"},
	{"yesno", ""},
	{"yesno", " y "},
	{"text", "  New   York "},
	{"text", "Paris"},
	{"text", ""},
	{"text", "a\tb\nc"},
	{"text", "\"quoted\""},
};

int main(void)
{
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		char *a = prompt_normalise_answer(inputs[i][0], inputs[i][1]);
		char *b = dataset_normalise_answer(inputs[i][0], inputs[i][1]);
		CHECK_MSG((!a && !b) || (a && b && !strcmp(a, b)),
			  "%s '%s': teacher %s, importer %s", inputs[i][0], inputs[i][1],
			  a ? a : "NULL", b ? b : "NULL");
		free(a);
		free(b);
	}
	/* Documented extensions. */
	char *a = prompt_normalise_answer("number", "１，２００");
	CHECK_STR(a, "1200");
	free(a);
	a = prompt_normalise_answer("yesno", "はい");
	CHECK_STR(a, "yes");
	free(a);
	/* A parsed answer equals the importer's gold for the same value. */
	char *gold = dataset_normalise_answer("number", "$1,200.00");
	char *got = prompt_parse_answer("So the answer is $1,200.", "number", NULL);
	CHECK_STR(got, gold);
	free(gold);
	free(got);
	test_labels();
	/* hostile input: bad UTF-8, a huge string, NULL */
	CHECK(answer_label("\xff") == NULL);
	CHECK(answer_label("A\xc3") == NULL);
	CHECK(answer_label(NULL) == NULL);
	char *huge = malloc(1 << 20);
	memset(huge, 'A', (1 << 20) - 1);
	huge[(1 << 20) - 1] = '\0';
	CHECK(answer_label(huge) == NULL);
	a = prompt_parse_answer(huge, "mc", "[{\"label\":\"A\",\"text\":\"x\"}]");
	CHECK(a == NULL);
	free(huge);
	return test_done();
}
