/* Tests of the check module: hand-written English and Japanese explanations,
 * precedence, rounding, full-width digits, unsupported numbers, the answer
 * following, trace agreement on one line of each bundled task (read from
 * MENTOR_DATA_DIR) and hostile input. */
#include "mentor/check.h"

#include <cjson/cJSON.h>

#include "test.h"

struct run {
	struct check_result r;
	char sum[512];
	const char *text;
};

static void run_full(struct run *x, const char *text, size_t len, const char *q, const char *ans,
		     const char *trace)
{
	char err[MENTOR_ERR_LEN];
	struct check_input in = {text, len, q, ans, trace};
	x->text = text;
	CHECK_INT(check_explanation(&in, &x->r, err), 0);
	check_summary(&x->r, text, len, x->sum, sizeof x->sum);
}

static void run(struct run *x, const char *text, const char *q, const char *ans)
{
	run_full(x, text, strlen(text), q, ans, NULL);
}

/* The text of a span. */
static const char *span(const char *text, size_t a, size_t b)
{
	static char out[256];
	size_t n = b > a && b - a < sizeof out ? b - a : 0;
	memcpy(out, text + a, n);
	out[n] = 0;
	return out;
}

static const char arith_q[] = "Wendy has 10 books. She gives 3 to Carl. Carl gives her 7 more. "
			      "She buys 7 more. How many books does Wendy have now?";

static void test_english(void)
{
	struct run x;
	run(&x, "Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 14. 14 + 7 = 21.", arith_q, "21");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.n_steps, 3);
	CHECK_INT(x.r.n_valid, 3);
	CHECK_INT(x.r.answer_follows, 1);
	CHECK_INT(x.r.n_unsupported, 0);
	CHECK_INT(x.r.first_bad, -1);
	CHECK_STR(span(x.text, x.r.steps[1].start, x.r.steps[1].end), "7 + 7 = 14");
	CHECK_STR(x.sum, "steps: 3 of 3 valid, answer follows");
	check_result_release(&x.r);

	/* A wrong step: its span, the right value, the summary. */
	run(&x, "Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 15. 15 + 7 = 22.", arith_q, "22");
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK_INT(x.r.n_wrong, 1);
	CHECK_INT(x.r.first_bad, 1);
	CHECK_STR(span(x.text, x.r.bad.start, x.r.bad.end), "7 + 7 = 15");
	CHECK_NEAR(x.r.bad.expected, 14, 1e-12);
	CHECK_INT(x.r.steps[1].status, CHECK_STEP_WRONG);
	CHECK_INT(x.r.steps[2].status, CHECK_STEP_VALID);
	CHECK_STR(x.sum, "step 2 wrong: 7 + 7 = 15 (is 14), answer follows");
	check_result_release(&x.r);

	/* The right answer from a wrong step is still a wrong step. */
	run(&x, "10 - 3 = 6. Then 6 + 8 = 14, and 14 + 7 = 21. The answer is 21.", arith_q, "21");
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK_INT(x.r.first_bad, 0);
	CHECK_INT(x.r.answer_follows, 1);
	CHECK(strstr(x.sum, "step 1 wrong: 10 - 3 = 6 (is 7)") == x.sum);
	check_result_release(&x.r);

	/* No steps at all. */
	run(&x, "The coin starts heads up. Adam does not flip it, so it is still heads up.",
	    "A coin is heads up. Adam does not flip the coin. Is the coin still heads up?", "yes");
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	CHECK_INT(x.r.n_steps, 0);
	CHECK_INT(x.r.answer_follows, -1);
	CHECK_STR(x.sum, "no arithmetic steps");
	check_result_release(&x.r);
	run(&x, "", NULL, NULL);
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	check_result_release(&x.r);

	/* Steps right, the answer is something else. */
	run(&x, "10 - 3 = 7. 7 + 7 = 14. So Wendy has 15 books.", arith_q, "15");
	CHECK_INT(x.r.verdict, CHECK_ANSWER_DOES_NOT_FOLLOW);
	CHECK_INT(x.r.answer_follows, 0);
	CHECK_STR(x.sum, "steps: 2 of 2 valid, answer does not follow (last result 14)");
	check_result_release(&x.r);
	/* Without steps the last number stated is what the answer meets. */
	run(&x, "A sofa is 1 piece of furniture. So the total is 1.", NULL, "1");
	CHECK_INT(x.r.answer_follows, 1);
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	check_result_release(&x.r);
	run(&x, "A sofa is 1 piece of furniture. So the total is 2.", NULL, "1");
	CHECK_INT(x.r.verdict, CHECK_ANSWER_DOES_NOT_FOLLOW);
	check_result_release(&x.r);
}

static void expect(const char *text, size_t steps, size_t valid, const char *why)
{
	struct run x;
	run(&x, text, NULL, NULL);
	CHECK_MSG(x.r.n_steps == steps && x.r.n_valid == valid,
		  "%s: '%s' gave %zu steps, %zu valid (%s)", why, text, x.r.n_steps, x.r.n_valid,
		  x.sum);
	check_result_release(&x.r);
}

static void test_arithmetic(void)
{
	/* Chains. */
	expect("3 + 4 + 5 = 12", 1, 1, "chain");
	expect("3 + 4 + 5 = 13", 1, 0, "chain");
	expect("2 + 3 = 4 + 1 = 5", 2, 2, "chain of equalities");
	expect("2 + 3 = 4 + 2 = 6", 2, 1, "chain of equalities");
	/* Precedence and parentheses. */
	expect("2 + 3 * 4 = 14", 1, 1, "precedence");
	expect("2 + 3 * 4 = 20", 1, 0, "precedence");
	expect("(2 + 3) * 4 = 20", 1, 1, "parentheses");
	expect("10 - 4 / 2 = 8", 1, 1, "precedence");
	expect("12 / 3 / 2 = 2", 1, 1, "left to right");
	expect("10 - 3 - 2 = 5", 1, 1, "left to right");
	expect("3 x 4 = 12 and 3 × 4 = 12 and 3 · 4 = 12", 3, 3, "times signs");
	expect("12 ÷ 4 = 3", 1, 1, "division sign");
	/* Negative results and signs. */
	expect("3 - 5 = -2", 1, 1, "negative");
	expect("3 \xE2\x88\x92 5 = \xE2\x88\x92"
	       "2",
	       1, 1, "U+2212 minus");
	expect("3 - 5 = 2", 1, 0, "negative");
	expect("10 - -3 = 13", 1, 1, "signed operand");
	/* Decimals, rounding at the written digits, thousands. */
	expect("10 / 500 = 0.02", 1, 1, "decimal");
	expect("100 / 3 = 33.3", 1, 1, "rounded");
	expect("100 / 3 = 33.33", 1, 1, "rounded");
	expect("100 / 3 = 33.4", 1, 0, "badly rounded");
	expect("2 / 3 = 0.67", 1, 1, "rounded");
	expect("2 / 3 = 0.66", 1, 0, "truncated is not rounded");
	expect("7 + 7 = 14.4", 1, 0, "precision");
	expect("1,200 + 300 = 1,500", 1, 1, "thousands");
	expect("1.5 * 4 = 6", 1, 1, "decimal operand");
	expect("$12 + $3 = $15", 1, 1, "currency");
	expect("50% × 200 = 100", 1, 1, "percent");
	/* Full-width digits and operators. */
	expect("\xEF\xBC\x93\xEF\xBC\x8B\xEF\xBC\x94\xEF\xBC\x9D\xEF\xBC\x97", 1, 1,
	       "full-width 3+4=7");
	expect("\xEF\xBC\x91\xEF\xBC\x90 ÷ \xEF\xBC\x95\xEF\xBC\x90\xEF\xBC\x90 = 0.02", 1, 1,
	       "full-width 10 ÷ 500");
	/* Units around numbers. */
	expect("12 apples + 3 apples = 15 apples", 1, 1, "units");
	/* Not steps: numbered lists, conversions, words between. */
	expect("Step 1. Wendy has 10 books.", 0, 0, "no step");
	expect("7 hours = 420 minutes", 0, 0, "conversion");
	expect("The total is 3 and 4 = 7 maybe", 0, 0, "no operator");
	expect("a 3-day trip", 0, 0, "hyphen");

	struct run x;
	run(&x, "5 / 0 = 0", NULL, NULL);
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK(isnan(x.r.bad.expected));
	CHECK_STR(x.sum, "step 1 wrong: 5 / 0 = 0 (division by zero)");
	check_result_release(&x.r);
	run(&x, "2 / 3 = 0", NULL, NULL);
	CHECK_STR(x.sum, "step 1 wrong: 2 / 3 = 0 (is 0.6667)");
	check_result_release(&x.r);
	/* A dash before the expression is not a sign. */
	run(&x, "she gives 3 away - 10 - 3 = 7", NULL, NULL);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_STR(span(x.text, x.r.steps[0].start, x.r.steps[0].end), "10 - 3 = 7");
	check_result_release(&x.r);
}

static void test_japanese(void)
{
	struct run x;
	run(&x,
	    "不良率は不良品の数を生産数で割って求めます。10 ÷ 500 = 0.02 です。百分率にすると "
	    "0.02 × 100 = 2 なので、不良率は2%です。",
	    "ある工程で1日に500個を生産したところ、10個が不良品でした。この日の不良率は何パーセント"
	    "ですか。",
	    "2");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.n_steps, 2);
	CHECK_INT(x.r.answer_follows, 1);
	check_result_release(&x.r);

	run(&x,
	    "タクトタイムは稼働時間を必要生産数で割って求めます。480分 ÷ 240個 = 2分 なので、"
	    "1個を2分に1個のペースで作ればよいことになります。",
	    "1日の稼働時間が480分で、1日に240個を生産する必要があります。タクトタイムは何分ですか。",
	    "2");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.n_steps, 1);
	CHECK_STR(span(x.text, x.r.steps[0].start, x.r.steps[0].end), "480分 ÷ 240個 = 2");
	check_result_release(&x.r);

	/* "7時間 = 420分" converts; only the expression is a step, and 420 is
	 * supported by the conversion. */
	const char
		*q3 = "1日の稼働時間が7時間で、必要生産数が210個です。タクトタイムは何秒ですか。";
	run(&x,
	    "まず稼働時間を秒に直します。7時間 = 420分 = 420 × 60 = 25200秒です。"
	    "タクトタイムは 25200 ÷ 210 = 120秒です。",
	    q3, "120");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.n_steps, 2);
	CHECK_INT(x.r.n_unsupported, 0);
	CHECK_STR(span(x.text, x.r.steps[0].start, x.r.steps[0].end), "420 × 60 = 25200");
	check_result_release(&x.r);
	run(&x, "7時間 = 420分 = 420 × 60 = 25200秒です。タクトタイムは 25200 ÷ 210 = 110秒です。",
	    q3, "110");
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK_STR(x.sum, "step 2 wrong: 25200 ÷ 210 = 110 (is 120), answer follows");
	check_result_release(&x.r);

	/* 3% in the question supports 0.03. */
	run(&x,
	    "見込みの不良数は生産数に不良率を掛けて求めます。2000 × 0.03 = 60 なので、60個です。",
	    "不良率が3%の工程で2000個を生産すると、不良品は何個出ると見込まれますか。", "60");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	/* The last result restated as a percentage is the answer. */
	run(&x, "2 ÷ 50 = 0.04 なので、4%です。ロットの大きさ1000個は計算には使いません。",
	    "1000個のロットから50個を抜き取ったところ、2個が不良でした。不良率は何%ですか。", "4");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.answer_follows, 1);
	check_result_release(&x.r);
	run(&x, "2 ÷ 50 = 0.04 なので、5%です。", NULL, "5");
	CHECK_INT(x.r.verdict, CHECK_ANSWER_DOES_NOT_FOLLOW);
	check_result_release(&x.r);
	/* Without steps: a number of the last sentence. */
	run(&x, "40秒、55秒、45秒のうち最大は55秒です。製品は55秒に1個しか出てきません。", NULL,
	    "55");
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	CHECK_INT(x.r.answer_follows, 1);
	check_result_release(&x.r);
	run(&x, "最大は55秒です。製品は45秒に1個しか出てきません。", NULL, "55");
	CHECK_INT(x.r.verdict, CHECK_ANSWER_DOES_NOT_FOLLOW);
	check_result_release(&x.r);
	/* Full-width digits in Japanese text. */
	run(&x,
	    "合計は\xEF\xBC\x93\xEF\xBC\x90個 ＋ \xEF\xBC\x95個 ＝ \xEF\xBC\x93\xEF\xBC\x95個です。",
	    "箱に30個、袋に5個あります。", "35");
	CHECK_INT(x.r.verdict, CHECK_VALID);
	CHECK_INT(x.r.answer_follows, 1);
	check_result_release(&x.r);
}

static void test_unsupported(void)
{
	struct run x;
	run(&x, "10 + 13 = 23. 23 - 3 = 20.", arith_q, "20");
	CHECK_INT(x.r.verdict, CHECK_UNSUPPORTED_NUMBERS);
	CHECK_INT(x.r.n_unsupported, 1);
	CHECK_INT(x.r.n_valid, 2);
	CHECK_STR(span(x.text, x.r.unsupported[0].start, x.r.unsupported[0].end), "13");
	CHECK_INT(x.r.steps[0].status, CHECK_STEP_UNSUPPORTED);
	CHECK_INT(x.r.steps[1].status, CHECK_STEP_VALID); /* 23 is an earlier result */
	CHECK_STR(x.sum, "steps: 2 of 2 valid, answer follows, unsupported number 13");
	check_result_release(&x.r);
	/* Number words and small constants are supported. */
	run(&x, "5 * 3 = 15. 15 * 2 = 30. 30 / 60 = 0.5", "Five boxes of three, doubled?", NULL);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	/* A wrong step outranks unsupported numbers. */
	run(&x, "10 + 13 = 24", arith_q, NULL);
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK_INT(x.r.n_unsupported, 1);
	check_result_release(&x.r);
}

/* ------------------------------------------------------------------ traces */

/* First line of sample_datasets/NAME.jsonl, parsed (caller deletes). */
static cJSON *first_line(const char *name)
{
	const char *dir = getenv("MENTOR_DATA_DIR");
	char path[1024], err[MENTOR_ERR_LEN];
	snprintf(path, sizeof path, "%s/sample_datasets/%s.jsonl", dir ? dir : MENTOR_SOURCE_DIR,
		 name);
	size_t n;
	char *data = util_read_file(path, 64u << 20, &n, err);
	if (!data)
		TEST_SETUP_FAIL("%s", err);
	char *nl = strchr(data, '\n');
	if (nl)
		*nl = 0;
	cJSON *o = cJSON_Parse(data);
	free(data);
	if (!o)
		TEST_SETUP_FAIL("first line of %s is not JSON", path);
	return o;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	if (!s)
		TEST_SETUP_FAIL("no string '%s'", k);
	return s;
}

/* Check text against the line's trace. */
static void run_trace(struct run *x, const cJSON *line, const char *text, const char *answer)
{
	char *trace = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(line, "trace"));
	if (!trace)
		TEST_SETUP_FAIL("no trace");
	run_full(x, text, strlen(text), jstr(line, "question"), answer, trace);
	free(trace);
}

/* Every line of the four generated files: the gold steps with their answer
 * hold up (follow the trace, valid arithmetic), and the wrong path with its
 * distractor is flagged, each line on its own. */
static void test_whole_files(void)
{
	const char *tasks[] = {"arith", "coin", "letters", "dial"};
	for (size_t t = 0; t < 4; t++) {
		const char *dir = getenv("MENTOR_DATA_DIR");
		char path[1024], err[MENTOR_ERR_LEN];
		snprintf(path, sizeof path, "%s/sample_datasets/%s.jsonl",
			 dir ? dir : MENTOR_SOURCE_DIR, tasks[t]);
		size_t n;
		char *data = util_read_file(path, 64u << 20, &n, err);
		if (!data)
			TEST_SETUP_FAIL("%s", err);
		size_t lines = 0, gold_ok = 0, wrong_flagged = 0;
		for (char *p = data, *nl; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			*nl = 0;
			cJSON *line = cJSON_Parse(p);
			if (!line)
				TEST_SETUP_FAIL("%s line %zu is not JSON", tasks[t], lines + 1);
			const cJSON *tr = cJSON_GetObjectItemCaseSensitive(line, "trace");
			char text[2048];
			struct run x;
			snprintf(text, sizeof text, "%s So the answer is %s.",
				 jstr(line, "rationale"), jstr(line, "answer"));
			run_trace(&x, line, text, jstr(line, "answer"));
			gold_ok += x.r.trace.first_diverging == -1 &&
				   (check_verdict_sound(x.r.verdict) ||
				    x.r.verdict == CHECK_NO_STEPS) &&
				   x.r.answer_follows == 1;
			check_result_release(&x.r);
			size_t len = 0;
			text[0] = 0;
			const cJSON *ws;
			cJSON_ArrayForEach(ws, cJSON_GetObjectItemCaseSensitive(tr, "wrong_steps"))
				len += (size_t)snprintf(text + len, sizeof text - len, "%s ",
							cJSON_GetStringValue(ws));
			const char *d = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(tr, "distractor"));
			snprintf(text + len, sizeof text - len, "So the answer is %s.",
				 d ? d : "?");
			run_trace(&x, line, text, d ? d : "?");
			wrong_flagged += !check_verdict_sound(x.r.verdict) &&
					 x.r.verdict != CHECK_NO_STEPS;
			check_result_release(&x.r);
			cJSON_Delete(line);
			lines++;
		}
		free(data);
		CHECK_MSG(lines == 2700, "%s: %zu lines", tasks[t], lines);
		CHECK_MSG(gold_ok == lines, "%s: %zu of %zu gold explanations hold up", tasks[t],
			  gold_ok, lines);
		CHECK_MSG(wrong_flagged == lines, "%s: %zu of %zu wrong paths flagged", tasks[t],
			  wrong_flagged, lines);
	}
}

/* Text with the first occurrence of from replaced by to (static storage). */
static const char *replace(const char *s, const char *from, const char *to)
{
	static char out[4096];
	const char *p = strstr(s, from);
	if (!p)
		TEST_SETUP_FAIL("'%s' not in '%s'", from, s);
	snprintf(out, sizeof out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return out;
}

static void test_traces(void)
{
	struct run x;
	const char *tasks[] = {"arith", "coin", "letters", "dial"};
	for (size_t i = 0; i < 4; i++) {
		cJSON *line = first_line(tasks[i]);
		int n = cJSON_GetArraySize(
			cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(line,
											  "trace"),
							 "steps"));
		run_trace(&x, line, jstr(line, "rationale"), jstr(line, "answer"));
		CHECK_MSG(x.r.trace.present && x.r.trace.matched == (size_t)n &&
				  x.r.trace.first_diverging == -1,
			  "%s: %s", tasks[i], x.sum);
		CHECK_MSG(check_verdict_sound(x.r.verdict) || x.r.verdict == CHECK_NO_STEPS,
			  "%s: %s", tasks[i], check_verdict_name(x.r.verdict));
		CHECK(x.r.answer_follows != 0);
		check_result_release(&x.r);
		cJSON_Delete(line);
	}

	/* arith: the trace's own wrong steps. */
	cJSON *line = first_line("arith");
	CHECK_STR(jstr(line, "rationale"), "Zoe: 4 - 3 = 1. Nora: 1 + 3 = 4. Ray: 4 - 3 = 1. "
					   "Gina: 1 + 1 = 2. Sara: 2 + 4 = 6.");
	run_trace(&x, line,
		  "Zoe: 4 - 3 = 1. Nora: 1 + 3 = 4. Ray: 4 - 3 = 1. Gina: 1 + 1 = 2. "
		  "Sara: 2 + 4 = 7.",
		  "7");
	CHECK_INT(x.r.verdict, CHECK_WRONG_STEP);
	CHECK_INT(x.r.trace.matched, 4);
	CHECK_INT(x.r.trace.first_diverging, 4);
	CHECK_STR(x.sum, "step 5 wrong: 2 + 4 = 7 (is 6), answer follows; trace: 4 of 5 steps, "
			 "first differs at step 5");
	check_result_release(&x.r);
	/* Right arithmetic, wrong operation: only the trace sees it. */
	run_trace(&x, line,
		  "Zoe: 4 - 3 = 1. Nora: 1 + 3 = 4. Ray: 4 + 3 = 7. Gina: 7 + 1 = 8. "
		  "Sara: 8 + 4 = 12.",
		  "12");
	CHECK_INT(x.r.verdict, CHECK_TRACE_DIVERGES);
	CHECK_INT(x.r.trace.first_diverging, 2);
	check_result_release(&x.r);
	/* Case, spacing, quotes and punctuation do not matter. */
	run_trace(&x, line,
		  "ZOE:  4-3=1 ; \"Nora: 1 + 3 = 4\" then Ray, 4 - 3 = 1! "
		  "gina: 1+1 = 2, Sara: 2 + 4 = 6",
		  "6");
	CHECK_INT(x.r.trace.matched, 5);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	/* A step left out is not a departure. */
	run_trace(&x, line, "Nora: 1 + 3 = 4. Ray: 4 - 3 = 1. Gina: 1 + 1 = 2. Sara: 2 + 4 = 6.",
		  "6");
	CHECK_INT(x.r.trace.matched, 4);
	CHECK_INT(x.r.trace.first_diverging, 0);
	CHECK_INT(x.r.trace.replaced, 0);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	/* Worded otherwise throughout: the trace says nothing. */
	run_trace(&x, line, "He had four, lost three, got three back and so on: 6 in all.", "6");
	CHECK_INT(x.r.trace.matched, 0);
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	check_result_release(&x.r);
	cJSON_Delete(line);

	line = first_line("coin");
	const char *rat = jstr(line, "rationale");
	run_trace(&x, line, replace(rat, "Fay does not: heads.", "Fay does not: tails."), "yes");
	CHECK_INT(x.r.verdict, CHECK_TRACE_DIVERGES);
	CHECK_INT(x.r.trace.first_diverging, 1);
	CHECK_INT(x.r.trace.matched, x.r.trace.n_steps - 1);
	check_result_release(&x.r);
	cJSON_Delete(line);

	line = first_line("letters");
	rat = jstr(line, "rationale");
	/* Quoted words and another case still match. */
	run_trace(&x, line,
		  replace(rat, "net ends in t: tiger.",
			  "\xE2\x80\x9CNet\xE2\x80\x9D ends "
			  "in \"t\": Tiger."),
		  "eagle");
	CHECK_INT(x.r.trace.first_diverging, -1);
	check_result_release(&x.r);
	/* A turn to a word that does not begin with the letter. */
	run_trace(&x, line, replace(rat, "net ends in t: tiger.", "net ends in t: tree."), "eagle");
	CHECK_INT(x.r.verdict, CHECK_TRACE_DIVERGES);
	CHECK_INT(x.r.trace.first_diverging, 2);
	CHECK(strstr(x.sum, "first differs at step 3") != NULL);
	check_result_release(&x.r);
	cJSON_Delete(line);

	line = first_line("dial");
	rat = jstr(line, "rationale");
	/* The last step right, the answer another colour. */
	run_trace(&x, line,
		  replace(rat, "Leo turns: green.", "Leo turns: green. So it points to blue."),
		  "blue");
	CHECK_INT(x.r.trace.matched, x.r.trace.n_steps);
	CHECK_INT(x.r.verdict, CHECK_ANSWER_DOES_NOT_FOLLOW);
	check_result_release(&x.r);
	run_trace(&x, line, replace(rat, "Sam does not: green.", "Sam does not: blue."), "green");
	CHECK_INT(x.r.verdict, CHECK_TRACE_DIVERGES);
	CHECK_INT(x.r.trace.first_diverging, 2);
	check_result_release(&x.r);
	cJSON_Delete(line);

	/* Malformed traces count as none. */
	const char *bad[] = {"",
			     "{",
			     "[1,2]",
			     "{\"steps\":5}",
			     "{\"steps\":[1,null,{}]}",
			     "{\"steps\":[\"\",\"...\"]}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		run_full(&x, "3 + 4 = 7", 9, NULL, "7", bad[i]);
		CHECK_MSG(!x.r.trace.present && x.r.verdict == CHECK_VALID, "trace '%s'", bad[i]);
		check_result_release(&x.r);
	}
}

/* ------------------------------------------------------------------ hostile */

static void test_hostile(void)
{
	struct run x;
	/* Numbers beyond what a double holds exactly. */
	run(&x, "99999999999999999999 + 1 = 100000000000000000000", NULL, NULL);
	CHECK_INT(x.r.n_steps, 1);
	CHECK_INT(x.r.n_unchecked, 1);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	run(&x, "99999999 * 99999999 * 99999999 * 99999999 = 1", NULL, "1");
	CHECK_INT(x.r.n_unchecked, 1);
	check_result_release(&x.r);

	struct buf b;
	buf_init(&b);
	/* A 400-digit number overflows to infinity; 5000 decimals. */
	for (int i = 0; i < 400; i++)
		buf_putc(&b, '9');
	buf_puts(&b, " * 10 = 1.");
	for (int i = 0; i < 5000; i++)
		buf_putc(&b, '5');
	buf_puts(&b, " / 0 = 3");
	run_full(&x, b.data, b.len, b.data, b.data, NULL);
	CHECK_INT(x.r.n_steps, 2);
	check_result_release(&x.r);

	/* Deep parentheses, unbalanced parentheses. */
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, '(');
	buf_puts(&b, "1 + 1");
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, ')');
	buf_puts(&b, " = 2 ((( 3 + 4 = 7 ))");
	run_full(&x, b.data, b.len, NULL, NULL, NULL);
	CHECK_INT(x.r.n_steps, 1);
	CHECK_INT(x.r.n_valid, 1);
	check_result_release(&x.r);

	/* Invalid UTF-8 and NUL bytes around a step; bytes past len unread. */
	static const char raw[] = "\xff\xfe"
				  "3 + 4 = 7\xc3\0\x80 5 + 5 = 11 \xe3\x81";
	run_full(&x, raw, sizeof raw - 1, "\xff", "\xc3", NULL);
	CHECK_INT(x.r.n_steps, 2);
	CHECK_INT(x.r.n_wrong, 1);
	check_result_release(&x.r);
	run_full(&x, raw, 9, NULL, NULL, NULL);
	CHECK_INT(x.r.n_steps, 0); /* "3 + 4 = " is cut before its result */
	check_result_release(&x.r);
	run_full(&x, NULL, 100, NULL, NULL, NULL);
	CHECK_INT(x.r.verdict, CHECK_NO_STEPS);
	check_result_release(&x.r);

	/* Arbitrary bytes: no crash, spans inside the text, sane counts. */
	struct rng g;
	rng_seed(&g, 42);
	static const char alphabet[] = "0123456789+-*/=()., x%$\n\xe3\x81\x82\xef\xbc\x91\xff";
	char text[512];
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)rng_below(&g, sizeof text);
		for (size_t i = 0; i < n; i++)
			text[i] = rng_below(&g, 4) ? alphabet[rng_below(&g, sizeof alphabet - 1)]
						   : (char)rng_below(&g, 256);
		run_full(&x, text, n, text, "12", "{\"steps\":[\"1 + 1 = 2\"]}");
		int ok = x.r.n_valid + x.r.n_wrong + x.r.n_unchecked == x.r.n_steps &&
			 x.r.verdict >= 0 && x.r.verdict < CHECK_VERDICT_COUNT &&
			 strlen(x.sum) < 512;
		for (size_t i = 0; i < x.r.n_stored; i++)
			ok = ok && x.r.steps[i].start < x.r.steps[i].end && x.r.steps[i].end <= n;
		CHECK_MSG(ok, "round %d", round);
		check_result_release(&x.r);
	}

	/* 1 MB texts: many steps, one long expression, one long number. */
	buf_reset(&b);
	while (b.len < (1u << 20))
		buf_puts(&b, "1 + 1 = 2. ");
	run_full(&x, b.data, b.len, NULL, "2", NULL);
	CHECK_INT(x.r.n_steps, b.len / 11);
	CHECK_INT(x.r.n_valid, x.r.n_steps);
	CHECK_INT(x.r.n_stored, CHECK_MAX_STORED);
	CHECK_INT(x.r.verdict, CHECK_VALID);
	check_result_release(&x.r);
	buf_reset(&b);
	while (b.len < (1u << 20))
		buf_puts(&b, "1+");
	buf_puts(&b, "1=3");
	run_full(&x, b.data, b.len, b.data, NULL, NULL);
	CHECK(x.r.n_steps <= 1);
	check_result_release(&x.r);
	buf_reset(&b);
	while (b.len < (1u << 20))
		buf_puts(&b, "1,000");
	run_full(&x, b.data, b.len, b.data, b.data, b.data);
	CHECK_INT(x.r.n_steps, 0);
	check_result_release(&x.r);
	buf_release(&b);

	/* Summaries fit any buffer and end on a character boundary. */
	run(&x, "480分 ÷ 240個 = 3分", NULL, NULL);
	char small[20];
	check_summary(&x.r, x.text, strlen(x.text), small, sizeof small);
	CHECK(strlen(small) < sizeof small);
	CHECK(util_utf8_valid(small, strlen(small), 1, NULL));
	check_result_release(&x.r);
	check_result_release(NULL);
}

static void test_names(void)
{
	CHECK_STR(check_verdict_name(CHECK_NO_STEPS), "no-steps");
	CHECK_STR(check_verdict_name(CHECK_WRONG_STEP), "wrong-step");
	CHECK_STR(check_verdict_name(CHECK_ANSWER_DOES_NOT_FOLLOW), "answer-does-not-follow");
	CHECK_STR(check_verdict_name(-1), "?");
	CHECK_STR(check_verdict_name(CHECK_VERDICT_COUNT), "?");
	for (int v = 0; v < CHECK_VERDICT_COUNT; v++)
		CHECK(strcmp(check_verdict_name(v), "?") != 0);
	char v[64];
	CHECK_STR(check_format_value(14, 4, v, sizeof v), "14");
	CHECK_STR(check_format_value(-0.5, 4, v, sizeof v), "-0.5");
	CHECK_STR(check_format_value(100.0 / 3, 3, v, sizeof v), "33.333");
	CHECK_STR(check_format_value(0.02, 6, v, sizeof v), "0.02");
	CHECK_STR(check_format_value(-0.00001, 2, v, sizeof v), "0");
	CHECK_STR(check_format_value(NAN, 2, v, sizeof v), "undefined");
	CHECK(strchr(check_format_value(1e300, 2, v, sizeof v), 'e') != NULL);
	CHECK_STR(check_format_value(INFINITY, 2, v, sizeof v), "inf");
}

int main(void)
{
	test_english();
	test_arithmetic();
	test_japanese();
	test_unsupported();
	test_traces();
	test_whole_files();
	test_hostile();
	test_names();
	return test_done();
}
