/* test_prompt: answer parsing (English, Japanese, money, mc, yes/no,
 * unparsable, hostile), normalisation, the leak heuristic, template loading
 * and rendering, and the demonstration rule (never self, never test, k, seed). */
#include <stdlib.h>
#include <string.h>

#include "mentor/prompt.h"
#include "test.h"

static const char
	*CH = "[{\"label\":\"A\",\"text\":\"refrigerator\"},{\"label\":\"B\",\"text\":\"oven\"},"
	      "{\"label\":\"C\",\"text\":\"a pen\"},{\"label\":\"D\",\"text\":\"bookcase\"}]";

struct pcase {
	const char *type;
	const char *text;
	const char *want; /* NULL = unparsable */
};

static const struct pcase cases[] = {
	/* numbers */
	{"number", "7 + 5 = 12. 12 - 3 = 9. So the answer is 9.", "9"},
	{"number", "The answer is 42.", "42"},
	{"number", "The answer is $1,200.", "1200"},
	{"number", "$1,200", "1200"},
	{"number", "So the answer is 1,234,567.", "1234567"},
	{"number", "So the answer is 12.50 dollars.", "12.5"},
	{"number", "So the answer is 8.0.", "8"},
	{"number", "So the answer is -3.", "-3"},
	{"number", "So the answer is -0.", "0"},
	{"number", "The final answer is: 0.75", "0.75"},
	{"number", "So the answer is 007.", "7"},
	{"number", "He pays 3 + 4 = 7 dollars. So the answer is 3 + 4 = 7.", "7"},
	{"number", "**Answer:** 18", "18"},
	{"number", "The answer is 42.\nThe answer is 43.", "43"},
	{"number", "答えは 42 です", "42"},
	{"number", "答えは４２です。", "42"},
	{"number", "よって、答えは１，２００円です。", "1200"},
	{"number", "答え：3.5", "3.5"},
	{"number", "42", "42"},
	{"number", "I am not sure about this one at all, sorry, it is hard to tell.", NULL},
	{"number", "So the answer is unknown.", NULL},
	{"number", "", NULL},
	{"number", "The answer is ", NULL},
	/* multiple choice */
	{"mc", "Milk needs cold. So the answer is (a).", "A"},
	{"mc", "So the answer is (b).", "B"},
	{"mc", "The answer is B because it is the answer.", "B"},
	{"mc", "The answer is D.", "D"},
	{"mc", "Answer: (C) a pen", "C"},
	{"mc", "So the answer is refrigerator.", "A"},
	{"mc", "So the answer is \"oven\".", "B"},
	{"mc", "So the answer is a pen.", "C"},
	{"mc", "答え：(B)", "B"},
	{"mc", "答えは（Ｄ）です。", "D"},
	{"mc", "So the answer is option C.", "C"},
	{"mc", "So the answer is (Z).", NULL},
	{"mc", "So the answer is something else entirely.", NULL},
	/* yes / no */
	{"yesno", "Yes", "yes"},
	{"yesno", "no", "no"},
	{"yesno", "Birds fly. So the answer is yes.", "yes"},
	{"yesno", "So the answer is No, because fish cannot climb.", "no"},
	{"yesno", "The answer is true.", "yes"},
	{"yesno", "はい", "yes"},
	{"yesno", "いいえ", "no"},
	{"yesno", "答えは はい です。", "yes"},
	{"yesno", "答え：いいえ", "no"},
	{"yesno", "So the answer is maybe.", NULL},
	{"yesno", "Nobody knows whether this is true or false in general honestly.", NULL},
	/* text */
	{"text", "So the answer is  Paris  .", "Paris"},
	{"text", "The answer is New   York.", "New York"},
	{"text", "Words, words, and more words without any conclusion being drawn here.", NULL},
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct pcase *c = &cases[i];
		char *got = prompt_parse_answer(c->text, c->type,
						!strcmp(c->type, "mc") ? CH : NULL);
		if (c->want)
			CHECK_MSG(got && !strcmp(got, c->want), "case %zu '%s': got %s want %s", i,
				  c->text, got ? got : "NULL", c->want);
		else
			CHECK_MSG(got == NULL, "case %zu '%s': got %s want NULL", i, c->text, got);
		free(got);
	}
	/* NULL, invalid UTF-8 and huge input are unparsable, not a crash. */
	CHECK(prompt_parse_answer(NULL, "number", NULL) == NULL);
	CHECK(prompt_parse_answer("The answer is \xff\xfe 42", "number", NULL) == NULL);
	size_t big = (size_t)2 << 20;
	char *h = malloc(big + 1);
	memset(h, '9', big);
	h[big] = '\0';
	CHECK(prompt_parse_answer(h, "number", NULL) == NULL);
	/* A long but acceptable text ending with a marker still parses. */
	memset(h, 'x', 100000);
	memcpy(h + 100000, " So the answer is 5.", 21);
	char *g = prompt_parse_answer(h, "number", NULL);
	CHECK_STR(g, "5");
	free(g);
	free(h);
	/* Hostile: many markers, unterminated parentheses, control bytes. */
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "answer is answer: 答えは (");
	g = prompt_parse_answer(b.data, "mc", CH);
	CHECK(g == NULL);
	free(g);
	buf_release(&b);
	g = prompt_parse_answer("So the answer is \x1b[31m7\x1b[0m.", "number", NULL);
	CHECK_STR(g, "7");
	free(g);
}

static void test_normalise(void)
{
	static const char *const tbl[][3] = {
		{"number", "1,200", "1200"}, {"number", "$18.00", "18"},
		{"number", "8.0", "8"},      {"number", "-0.50", "-0.5"},
		{"number", "１２", "12"},    {"number", " 42 ", "42"},
		{"mc", "(b)", "B"},          {"mc", "c", "C"},
		{"yesno", "True", "yes"},    {"yesno", "0", "no"},
		{"yesno", "いいえ", "no"},   {"text", "  New   York ", "New York"},
	};
	for (size_t i = 0; i < sizeof tbl / sizeof tbl[0]; i++) {
		char *g = prompt_normalise_answer(tbl[i][0], tbl[i][1]);
		CHECK_MSG(g && !strcmp(g, tbl[i][2]), "%s '%s' -> %s", tbl[i][0], tbl[i][1], g);
		free(g);
	}
	CHECK(prompt_normalise_answer("number", "12 apples") == NULL);
	CHECK(prompt_normalise_answer("number", "abc") == NULL);
	CHECK(prompt_normalise_answer("mc", "b c") == NULL);
	CHECK(prompt_normalise_answer("yesno", "maybe") == NULL);
	CHECK(prompt_answers_equal("text", "Paris", "paris"));
	CHECK(!prompt_answers_equal("number", "12", "12.5"));
	CHECK(!prompt_answers_equal("mc", NULL, "A"));
}

static void test_leak(void)
{
	/* leaked */
	CHECK(prompt_leaked("The answer is B because it is the answer.", "B", "mc", CH));
	CHECK(prompt_leaked("Since the answer is (b), the oven is right because it bakes.", "B",
			    "mc", CH));
	CHECK(prompt_leaked("So the answer is (B).", "B", "mc", CH));
	CHECK(prompt_leaked("The correct answer is oven. So the answer is (B).", "B", "mc", CH));
	CHECK(prompt_leaked("Given that the answer is 12, we have 12.", "12", "number", NULL));
	CHECK(prompt_leaked("The answer is 12. So the answer is 12.", "12", "number", NULL));
	CHECK(prompt_leaked("Yes, because it is correct.", "yes", "yesno", NULL));
	CHECK(prompt_leaked("答えはBです。正解だから。", "B", "mc", CH));
	CHECK(prompt_leaked("", "B", "mc", CH));
	/* The answer treated as handed over, with plenty of the question around it. */
	CHECK(prompt_leaked(
		"Looking at the question (Gus has 11 rocks and buys more), the expected "
		"answer is 15, which fits. So the answer is 15.",
		"15", "number", NULL));
	CHECK(prompt_leaked("The question starts with 'Tom has 15 apples' and the provided answer "
			    "is 24, so 24 is right. So the answer is 24.",
			    "24", "number", NULL));
	CHECK(prompt_leaked("Milk goes in a cold place; the answer provided, (A) refrigerator, "
			    "matches that reasoning about cold storage.",
			    "A", "mc", CH));
	CHECK(prompt_leaked("Reading about the coin flips carefully, yes is the answer we were "
			    "given and it checks out. So the answer is yes.",
			    "yes", "yesno", NULL));
	CHECK(prompt_leaked("与えられた答えはBです。オーブンはパンを焼く道具だからです。", "B",
			    "mc", CH));
	/* real explanations */
	CHECK(!prompt_leaked(
		"Milk spoils quickly at room temperature because bacteria grow; cold "
		"slows them, and a refrigerator keeps food cold. So the answer is (A).",
		"A", "mc", CH));
	CHECK(!prompt_leaked("Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 14. 14 + 7 = 21. So "
			     "the answer is 21.",
			     "21", "number", NULL));
	CHECK(!prompt_leaked("Penguins are birds that cannot fly, their wings are flippers made "
			     "for swimming. So the answer is no.",
			     "no", "yesno", NULL));
	CHECK(!prompt_leaked("不良率は不良品の数を生産数で割って求めます。10 ÷ 500 = 0.02 です。"
			     "答えは 2 です。",
			     "2", "number", NULL));
	CHECK(!prompt_leaked(NULL, "2", "number", NULL));
	/* "given" and "provided" in ordinary reasoning are not the hint. */
	CHECK(!prompt_leaked("Given 3 boxes of 4 eggs, 3 * 4 = 12 eggs are provided in total. So "
			     "the answer is 12.",
			     "12", "number", NULL));
	CHECK(!prompt_leaked("The expected number of defects is 2000 * 0.03 = 60, since each part "
			     "fails with probability 0.03. So the answer is 60.",
			     "60", "number", NULL));
}

static void test_templates(void)
{
	char err[MENTOR_ERR_LEN];
	struct prompt_set ps;
	prompt_set_init(&ps);
	for (int m = 0; m < PROMPT_N_MODES; m++)
		for (int t = 0; t < PROMPT_N_TYPES; t++) {
			const char *s = prompt_set_get(&ps, m, prompt_type_name(t));
			CHECK(strstr(s, "{{demos}}") && strstr(s, "{{question}}"));
			CHECK((m == PROMPT_RP) == (strstr(s, "{{answer}}") != NULL));
			CHECK((t == 0) == (strstr(s, "{{choices}}") != NULL));
		}
	/* Write the defaults, edit one, load: the edit wins, others stay. */
	const char *dir = test_path("prompts/sub");
	int written = 0;
	CHECK_INT(prompt_write_defaults(dir, 0, &written, err), 0);
	CHECK_INT(written, 16); /* English and Japanese */
	CHECK_INT(prompt_write_defaults(dir, 0, &written, err), 0);
	CHECK_INT(written, 0);
	char p[600];
	snprintf(p, sizeof p, "%s/cot-number.txt", dir);
	const char *mine = "MY TEMPLATE {{demos}}Q: {{question}} {{unknown}} {{open\n";
	test_write_file(p, mine, strlen(mine));
	CHECK_INT(prompt_set_load_dir(&ps, dir, err), 0);
	CHECK_STR(prompt_set_get(&ps, PROMPT_COT, "number"),
		  "MY TEMPLATE {{demos}}Q: {{question}} {{unknown}} {{open");
	CHECK(ps.from_file[PROMPT_COT][2]);
	CHECK_STR(prompt_set_get(&ps, PROMPT_RP, "mc"), prompt_default_template(PROMPT_RP, "mc"));
	/* Hostile template files: invalid UTF-8, too large. */
	snprintf(p, sizeof p, "%s/rp-text.txt", dir);
	test_write_file(p, "bad \xff byte", 10);
	CHECK(prompt_set_load_dir(&ps, dir, err) != 0);
	CHECK(strstr(err, "rp-text.txt") != NULL);
	char *huge = malloc(PROMPT_MAX_TEMPLATE + 10);
	memset(huge, 'a', PROMPT_MAX_TEMPLATE + 10);
	test_write_file(p, huge, PROMPT_MAX_TEMPLATE + 10);
	free(huge);
	CHECK(prompt_set_load_dir(&ps, dir, err) != 0);
	CHECK_INT(prompt_set_load_dir(&ps, test_path("no-such-dir"), err), 0);

	/* Rendering: placeholders, unknown ones kept. */
	struct prompt_example tgt = {99, "train", "How many?", NULL, "9", "number", NULL};
	struct prompt_example demo = {5, "train", "Q five?", NULL, "5", "number", "2 + 3 = 5."};
	struct buf b;
	buf_init(&b);
	CHECK_INT(prompt_render(prompt_set_get(&ps, PROMPT_COT, "number"), PROMPT_COT, &tgt, &demo,
				1, &b, err),
		  0);
	CHECK(strstr(b.data, "Question: Q five?\nExplanation: 2 + 3 = 5.\nSo the answer is 5.") !=
	      NULL);
	CHECK(strstr(b.data, "Q: How many? {{unknown}} {{open") != NULL);
	buf_reset(&b);
	struct prompt_example mc = {7, "train", "Where is milk kept?", CH, "A", "mc", NULL};
	CHECK_INT(prompt_render(prompt_set_get(&ps, PROMPT_RP, "mc"), PROMPT_RP, &mc, NULL, 0, &b,
				err),
		  0);
	CHECK(strstr(b.data, "(A) refrigerator\n(B) oven") != NULL);
	CHECK(strstr(b.data, "Answer: (A) refrigerator\nExplanation:") != NULL);
	buf_release(&b);
	prompt_set_release(&ps);
}

static void test_demos(void)
{
	struct prompt_example c[20];
	for (int i = 0; i < 20; i++) {
		c[i] = (struct prompt_example){i + 1,
					       i % 5 == 4 ? "test" : "train",
					       "q",
					       NULL,
					       "1",
					       "number",
					       i == 7 ? NULL : "r"};
	}
	size_t out[8], out2[8];
	for (int64_t self = 1; self <= 20; self++) {
		size_t n = prompt_pick_demos(c, 20, self, 4, 1, out);
		CHECK_INT(n, 4);
		for (size_t i = 0; i < n; i++) {
			CHECK(c[out[i]].id != self);
			CHECK(strcmp(c[out[i]].split, "test") != 0);
			CHECK(c[out[i]].rationale != NULL);
			for (size_t k = 0; k < i; k++)
				CHECK(out[k] != out[i]);
		}
	}
	/* Same seed, same demos; another seed, another set (for this pool). */
	size_t n1 = prompt_pick_demos(c, 20, 100, 4, 1, out);
	size_t n2 = prompt_pick_demos(c, 20, 100, 4, 1, out2);
	CHECK_INT(n1, n2);
	CHECK(!memcmp(out, out2, n1 * sizeof out[0]));
	n2 = prompt_pick_demos(c, 20, 100, 4, 12345, out2);
	CHECK(memcmp(out, out2, 4 * sizeof out[0]) != 0);
	/* The target among the fixed set is replaced by the next candidate. */
	int64_t first = c[out[0]].id;
	size_t o3[8];
	prompt_pick_demos(c, 20, first, 4, 1, o3);
	CHECK(c[o3[0]].id == c[out[1]].id);
	/* k larger than the pool; k = 0; empty pool. */
	CHECK_INT(prompt_pick_demos(c, 3, 0, 8, 1, out), 3);
	CHECK_INT(prompt_pick_demos(c, 20, 1, 0, 1, out), 0);
	CHECK_INT(prompt_pick_demos(c, 0, 1, 4, 1, out), 0);
}

/* The Japanese templates: the same placeholders as the English ones, chosen
 * by language, overridable by MODE-TYPE.ja.txt; demonstrations rendered with
 * Japanese labels and a closing line that parses back to the gold. */
static void test_japanese(void)
{
	char err[MENTOR_ERR_LEN];
	static const char *const marks[] = {"{{demos}}", "{{question}}", "{{choices}}",
					    "{{answer}}"};
	for (int m = 0; m < PROMPT_N_MODES; m++)
		for (int t = 0; t < PROMPT_N_TYPES; t++) {
			const char *type = prompt_type_name(t);
			const char *en = prompt_default_template_lang(I18N_EN, m, type);
			const char *ja = prompt_default_template_lang(I18N_JA, m, type);
			CHECK(en == prompt_default_template(m, type));
			CHECK(strcmp(en, ja) != 0);
			CHECK(strstr(ja, "問題: {{question}}") &&
			      strstr(ja, "したがって、答えは X です。"));
			CHECK(util_utf8_valid(ja, strlen(ja), 1, NULL));
			for (size_t k = 0; k < 4; k++)
				CHECK_MSG((strstr(en, marks[k]) != NULL) ==
						  (strstr(ja, marks[k]) != NULL),
					  "%s-%s %s", prompt_mode_name(m), type, marks[k]);
		}
	/* an unknown language is English */
	CHECK(prompt_default_template_lang(7, PROMPT_COT, "mc") ==
	      prompt_default_template(PROMPT_COT, "mc"));

	/* a set: built-ins, then a Japanese file replaces the Japanese slot only */
	struct prompt_set ps;
	prompt_set_init(&ps);
	CHECK_STR(prompt_set_get_lang(&ps, I18N_JA, PROMPT_RP, "number"),
		  prompt_default_template_lang(I18N_JA, PROMPT_RP, "number"));
	const char *dir = test_path("prompts-ja");
	int written = 0;
	CHECK_INT(prompt_write_defaults(dir, 0, &written, err), 0);
	CHECK_INT(written, 16);
	char p[600];
	snprintf(p, sizeof p, "%s/rp-number.ja.txt", dir);
	const char *mine = "私のテンプレート {{demos}}問題: {{question}}\n答え: {{answer}}\n";
	test_write_file(p, mine, strlen(mine));
	CHECK_INT(prompt_set_load_dir(&ps, dir, err), 0);
	CHECK_STR(prompt_set_get_lang(&ps, I18N_JA, PROMPT_RP, "number"),
		  "私のテンプレート {{demos}}問題: {{question}}\n答え: {{answer}}");
	CHECK(ps.from_file_ja[PROMPT_RP][2]);
	CHECK_STR(prompt_set_get(&ps, PROMPT_RP, "number"),
		  prompt_default_template(PROMPT_RP, "number"));
	/* hostile: a Japanese template with invalid UTF-8 names its file */
	snprintf(p, sizeof p, "%s/cot-mc.ja.txt", dir);
	test_write_file(p, "\xe3\x81 切れた", 11);
	CHECK(prompt_set_load_dir(&ps, dir, err) != 0);
	CHECK(strstr(err, "cot-mc.ja.txt") != NULL);
	prompt_set_release(&ps);

	/* rendering: Japanese labels and closing line */
	struct prompt_example demo =
		{1,        "train",           "りんごが 3 個と 4 個。合計は?", NULL, "7",
		 "number", "3 + 4 = 7 です。"};
	struct prompt_example yn = {2,     "train", "東京は日本の首都ですか?", NULL,
				    "yes", "yesno", "東京は日本の首都です。"};
	struct prompt_example mc = {3,
				    "train",
				    "赤い果物はどれ?",
				    "[{\"label\":\"A\",\"text\":\"バナナ\"},"
				    "{\"label\":\"B\",\"text\":\"りんご\"}]",
				    "B",
				    "mc",
				    "りんごは赤い果物です。"};
	struct prompt_example target = {9,    "test", "みかんが 2 個と 5 個。合計は?",
					NULL, "7",    "number",
					NULL};
	struct prompt_example demos[3] = {demo, yn, mc};
	struct buf out;
	buf_init(&out);
	CHECK_INT(prompt_render_lang(prompt_default_template_lang(I18N_JA, PROMPT_COT, "number"),
				     I18N_JA, PROMPT_COT, &target, demos, 3, &out, err),
		  0);
	const char *r = out.data ? out.data : "";
	CHECK(strstr(r, "問題: りんごが 3 個と 4 個。合計は?\n説明: 3 + 4 = 7 です。\n"
			"したがって、答えは 7 です。\n\n") != NULL);
	CHECK(strstr(r, "したがって、答えは はい です。") != NULL);
	CHECK(strstr(r, "選択肢:\n(A) バナナ\n(B) りんご\n") != NULL);
	CHECK(strstr(r, "したがって、答えは (B) です。") != NULL);
	CHECK(strstr(r, "問題: みかんが 2 個と 5 個。合計は?\n説明:") != NULL);
	CHECK(strstr(r, "Question:") == NULL && strstr(r, "So the answer") == NULL);
	buf_release(&out);
	/* the closing lines read back as the gold answers */
	char *a = prompt_parse_answer("3 + 4 = 7 です。\nしたがって、答えは 7 です。", "number",
				      NULL);
	CHECK_STR(a, "7");
	free(a);
	a = prompt_parse_answer("首都です。\nしたがって、答えは はい です。", "yesno", NULL);
	CHECK_STR(a, "yes");
	free(a);
	a = prompt_parse_answer("赤いのはりんご。\nしたがって、答えは (B) です。", "mc",
				mc.choices_json);
	CHECK_STR(a, "B");
	free(a);
	/* RP shows the given answer in Japanese (yes/no as はい/いいえ) */
	buf_init(&out);
	struct prompt_example no = {4,       "test", "富士山は海の中にありますか?", NULL, "no",
				    "yesno", NULL};
	CHECK_INT(prompt_render_lang(prompt_default_template_lang(I18N_JA, PROMPT_RP, "yesno"),
				     I18N_JA, PROMPT_RP, &no, &yn, 1, &out, err),
		  0);
	r = out.data ? out.data : "";
	CHECK(strstr(r, "答え: はい\n") && strstr(r, "答え: いいえ\n説明:"));
	buf_release(&out);
	/* English stays as it was */
	buf_init(&out);
	CHECK_INT(prompt_render(prompt_default_template(PROMPT_COT, "number"), PROMPT_COT, &target,
				&demo, 1, &out, err),
		  0);
	r = out.data ? out.data : "";
	CHECK(strstr(r, "Question: りんごが") && strstr(r, "So the answer is 7."));
	CHECK(strstr(r, "したがって") == NULL);
	buf_release(&out);
	/* a rationale that already states its answer (in either language) gets
	 * no second closing line */
	struct prompt_example stated =
		{5, "train", "q", NULL, "7", "number", "3 + 4 = 7。答えは 7 です。"};
	buf_init(&out);
	CHECK_INT(prompt_render_lang("{{demos}}", I18N_JA, PROMPT_COT, &target, &stated, 1, &out,
				     err),
		  0);
	CHECK(out.data && !strstr(out.data, "したがって"));
	buf_release(&out);
}

int main(void)
{
	test_parse();
	test_normalise();
	test_leak();
	test_templates();
	test_demos();
	test_japanese();
	return test_done();
}
