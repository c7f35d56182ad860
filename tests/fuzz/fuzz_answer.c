/* fuzz_answer: answer parsing and normalisation (src/answer.c, src/prompt.c).
 * Input: one byte choosing the answer type, then text NUL gold NUL choices
 * (a JSON array of {label, text} or anything else). Properties: normalising
 * a normalised number, label or yes/no answer changes nothing; an answer
 * equals itself; a parsed answer is normalised. */
#include <string.h>

#include "fuzz.h"
#include "mentor/answer.h"
#include "mentor/prompt.h"

static const char *const types[] = {"number", "mc", "yesno", "text"};

/* Normalising once more gives the same string (text answers drop one pair of
 * quotes per pass, so they are not checked). */
static void check_stable(const char *type, const char *s)
{
	if (!s)
		return;
	FUZZ_CHECK(prompt_answers_equal(type, s, s));
	if (!strcmp(type, "text"))
		return;
	char *again = answer_normalise(type, s);
	if (!again || strcmp(again, s))
		fprintf(stderr, "%s: '%s' normalises to '%s'\n", type, s, again ? again : "(null)");
	FUZZ_CHECK(again && !strcmp(again, s));
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *type = types[data[0] % 4];
	int markdown = data[0] & 4;
	data++, size--;
	char *text = fuzz_take(&data, &size);
	char *gold = fuzz_take(&data, &size);
	char *choices = fuzz_strndup(data, size);

	char *parsed = prompt_parse_answer(text, type, choices);
	check_stable(type, parsed);
	char *norm = answer_normalise(type, gold);
	check_stable(type, norm);
	if (parsed && norm)
		(void)prompt_answers_equal(type, parsed, norm);
	(void)prompt_leaked(text, norm ? norm : gold, type, choices);

	char *folded = answer_fold(text, markdown);
	FUZZ_CHECK(folded != NULL);
	size_t chars = 0, span = answer_label_span(text, &chars);
	FUZZ_CHECK(span <= strlen(text) && chars <= span);
	char *label = answer_label(text);
	if (label) {
		size_t lc = 0;
		FUZZ_CHECK(answer_label_span(label, &lc) == strlen(label));
		FUZZ_CHECK(lc >= 1 && lc <= ANSWER_MAX_LABEL);
	}
	char *clean = answer_clean_text(gold);
	if (clean)
		FUZZ_CHECK(clean[0] != '\0');

	free(clean);
	free(label);
	free(folded);
	free(norm);
	free(parsed);
	free(choices);
	free(gold);
	free(text);
	return 0;
}
