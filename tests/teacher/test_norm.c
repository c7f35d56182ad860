/* test_norm: the teacher's answer normalisation agrees with the dataset
 * importer's on the same inputs (gold and parsed answers must compare as
 * strings), and extends it only where documented (full-width digits,
 * Japanese yes/no). */
#include <stdlib.h>
#include <string.h>

#include "mentor/dataset.h"
#include "mentor/prompt.h"
#include "test.h"

static const char *const inputs[][2] = {
	{"number", "1,200"}, {"number", "$18.00"}, {"number", "8.0"}, {"number", "-0.50"},
	{"number", "+5"}, {"number", "007"}, {"number", "0.0"}, {"number", ".5"},
	{"number", "1e3"}, {"number", "2.5E-1"}, {"number", "-0"}, {"number", " 42 "},
	{"number", "1,2"}, {"number", "12 apples"}, {"number", "abc"}, {"number", ""},
	{"number", "--3"}, {"number", "1.2.3"}, {"number", "$"}, {"number", "1e"},
	{"number", "123456789012345678901234567890"}, {"number", "0.000100"},
	{"mc", "(b)"}, {"mc", "B)"}, {"mc", "b."}, {"mc", "c"}, {"mc", " D "}, {"mc", "b c"},
	{"mc", ""}, {"mc", "()"}, {"mc", "A1"},
	{"yesno", "Yes"}, {"yesno", "no"}, {"yesno", "TRUE"}, {"yesno", "f"}, {"yesno", "1"},
	{"yesno", "0"}, {"yesno", "maybe"}, {"yesno", ""}, {"yesno", " y "},
	{"text", "  New   York "}, {"text", "Paris"}, {"text", ""}, {"text", "a\tb\nc"},
	{"text", "\"quoted\""},
};

int main(void)
{
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		char *a = prompt_normalise_answer(inputs[i][0], inputs[i][1]);
		char *b = dataset_normalise_answer(inputs[i][0], inputs[i][1]);
		CHECK_MSG((!a && !b) || (a && b && !strcmp(a, b)), "%s '%s': teacher %s, importer %s",
			  inputs[i][0], inputs[i][1], a ? a : "NULL", b ? b : "NULL");
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
	return test_done();
}
