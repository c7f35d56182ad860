/* test_offline_mistakes: the offline teacher's three kinds of mistakes over
 * a few hundred generated items of every synthetic task. Each kind is
 * recognised from the text alone (a wrong parsed answer; the gold answer
 * with exactly one step changed; prompt_leaked on RP) and its frequency must
 * stay within a binomial bound of its rate. Also: same seed, same texts;
 * rate 0, none of that kind; the kind reported matches the text. Nothing
 * here depends on the wording of a task's steps. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/prompt.h"
#include "mentor/sample.h"
#include "mentor/teacher.h"
#include "test.h"

#define PER_TASK 300
#define MAX_ITEMS 4096
#define SEED 11

struct item {
	struct store_item it;
	char *steps[SAMPLE_MAX_STEPS];
	size_t n_steps;
	const char *task;
};

struct pool {
	struct item *v;
	size_t n;
};

static void json_steps(cJSON *o, const char *key, char *const *steps, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(steps[i]));
}

static int collect(void *u, const struct sample_item *s)
{
	struct pool *p = u;
	if (p->n >= MAX_ITEMS)
		return 1;
	struct item *x = &p->v[p->n];
	memset(x, 0, sizeof *x);
	x->it.id = (int64_t)p->n + 1;
	x->it.question = util_strdup(s->question);
	x->it.answer = util_strdup(s->answer);
	x->it.answer_type = util_strdup(s->answer_type);
	x->it.gold_rationale = sample_item_rationale(s);
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "task", s->task);
	json_steps(t, "steps", s->steps, s->n_steps);
	cJSON_AddStringToObject(t, "answer", s->answer);
	cJSON_AddStringToObject(t, "distractor", s->distractor);
	json_steps(t, "wrong_steps", s->wrong_steps, s->n_wrong_steps);
	x->it.trace_json = cJSON_PrintUnformatted(t);
	cJSON_Delete(t);
	for (size_t i = 0; i < s->n_steps; i++)
		x->steps[i] = util_strdup(s->steps[i]);
	x->n_steps = s->n_steps;
	x->task = s->task;
	p->n++;
	return 0;
}

static void pool_make(struct pool *p)
{
	char err[MENTOR_ERR_LEN];
	p->v = calloc(MAX_ITEMS, sizeof *p->v);
	p->n = 0;
	if (!p->v)
		TEST_SETUP_FAIL("out of memory");
	for (const char *const *t = sample_tasks(); *t; t++) {
		struct sample_split_plan plan = {PER_TASK, 0, 0};
		if (sample_generate(*t, SEED, &plan, collect, p, err))
			TEST_SETUP_FAIL("sample %s: %s", *t, err);
	}
	if (p->n < 2 * PER_TASK)
		TEST_SETUP_FAIL("only %zu items generated", p->n);
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct item *x = &p->v[i];
		free(x->it.question);
		free(x->it.answer);
		free(x->it.answer_type);
		free(x->it.gold_rationale);
		free(x->it.trace_json);
		for (size_t k = 0; k < x->n_steps; k++)
			free(x->steps[k]);
	}
	free(p->v);
}

static struct config_offline_rates rates(double wrong, double bad_step, double leak)
{
	struct config_offline_rates r = {wrong, bad_step, leak};
	return r;
}

/* The text for item x in pmode (heap), and the mistake reported. */
static char *explain(const struct item *x, int pmode, const struct config_offline_rates *r,
		     uint64_t seed, int *mistake)
{
	char err[MENTOR_ERR_LEN];
	struct buf b;
	buf_init(&b);
	int rc = teacher_offline_explain(&x->it, pmode, r, seed, &b, mistake, err);
	CHECK_MSG(rc == 0, "item %lld: %s", (long long)x->it.id, err);
	return buf_detach(&b, NULL);
}

/* The gold COTE text: steps joined, then the answer. */
static char *gold_text(const struct item *x)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < x->n_steps; i++)
		buf_printf(&b, "%s%s", i ? " " : "", x->steps[i]);
	buf_printf(&b, " So the answer is %s.", x->it.answer);
	return buf_detach(&b, NULL);
}

/* 1 if text is the gold steps with exactly one step, not the last,
 * replaced by a different non-empty one, followed by the gold answer. */
static int one_step_changed(const struct item *x, const char *text)
{
	struct buf tail;
	buf_init(&tail);
	buf_printf(&tail, " So the answer is %s.", x->it.answer);
	size_t tl = strlen(text);
	int ok = tl > tail.len && !strcmp(text + tl - tail.len, tail.data);
	size_t end = ok ? tl - tail.len : 0; /* the steps' part is text[0, end) */
	buf_release(&tail);
	if (!ok)
		return 0;
	size_t n = x->n_steps, head = 0, lo = 0, back = 0, hi = end;
	/* Whole gold steps matching from the front, each followed by a space. */
	while (head < n) {
		size_t sl = strlen(x->steps[head]);
		if (lo + sl + 1 > hi || strncmp(text + lo, x->steps[head], sl) ||
		    text[lo + sl] != ' ')
			break;
		lo += sl + 1;
		head++;
	}
	/* And from the back, each preceded by a space. */
	while (back < n - head) {
		size_t sl = strlen(x->steps[n - 1 - back]);
		if (hi < lo + sl + 1 || strncmp(text + hi - sl, x->steps[n - 1 - back], sl) ||
		    text[hi - sl - 1] != ' ')
			break;
		hi -= sl + 1;
		back++;
	}
	if (head + back != n - 1 || back < 1 || hi <= lo)
		return 0;
	const char *old = x->steps[head];
	return strlen(old) != hi - lo || strncmp(text + lo, old, hi - lo) != 0;
}

/* Observed count k of n trials against rate p: within 4.5 standard
 * deviations (plus one for small n). With a fixed seed this is exact and
 * repeatable; the bound only says the rate means what it says. */
static void check_rate(const char *what, size_t k, size_t n, double p)
{
	double mean = p * (double)n, sd = sqrt((double)n * p * (1 - p));
	double dev = fabs((double)k - mean);
	printf("%-28s %5zu / %5zu = %.3f (rate %.2f)\n", what, k, n,
	       n ? (double)k / (double)n : 0.0, p);
	CHECK_MSG(dev <= 4.5 * sd + 1, "%s: %zu of %zu, expected about %.1f", what, k, n, mean);
}

struct tally {
	size_t n, wrong, bad, gold, leak, rp_gold;
};

/* Run every item in both modes at r and classify each text by itself. */
static void tally(const struct pool *p, const struct config_offline_rates *r, uint64_t seed,
		  struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < p->n; i++) {
		const struct item *x = &p->v[i];
		int mis;
		char *text = explain(x, PROMPT_COT, r, seed, &mis);
		char *gold = gold_text(x);
		char *ans = prompt_parse_answer(text, x->it.answer_type, NULL);
		int right = ans && prompt_answers_equal(x->it.answer_type, ans, x->it.answer);
		t->n++;
		if (!right) {
			t->wrong++;
			CHECK_INT(mis, TEACHER_OFFLINE_COT_WRONG);
		} else if (strcmp(text, gold)) {
			t->bad++;
			CHECK_INT(mis, TEACHER_OFFLINE_BAD_STEP);
			CHECK_MSG(one_step_changed(x, text), "not one step changed: '%s' vs '%s'",
				  text, gold);
		} else {
			t->gold++;
			CHECK_INT(mis, TEACHER_OFFLINE_NONE);
		}
		free(ans);
		free(text);

		text = explain(x, PROMPT_RP, r, seed, &mis);
		ans = prompt_parse_answer(text, x->it.answer_type, NULL);
		/* RP always concludes with the gold answer, leaked or not. */
		CHECK_MSG(ans && !strcmp(ans, x->it.answer), "rp text '%s' for answer %s", text,
			  x->it.answer);
		int leaked = prompt_leaked(text, x->it.answer, x->it.answer_type, NULL);
		if (mis == TEACHER_OFFLINE_RP_LEAK) {
			CHECK_MSG(leaked, "leak not flagged: '%s'", text);
			t->leak++;
		} else {
			CHECK_INT(mis, TEACHER_OFFLINE_NONE);
			CHECK_STR(text, gold);
			CHECK_MSG(!leaked, "gold rp text flagged leaked: '%s'", text);
			t->rp_gold++;
		}
		free(ans);
		free(text);
		free(gold);
	}
}

static void test_frequencies(const struct pool *p)
{
	/* Which items each kind can reach at all: every generated item has
	 * wrong steps and a distractor; a bad step needs something to alter. */
	struct config_offline_rates all_wrong = rates(1, 0, 1), all_bad = rates(0, 1, 0);
	struct tally w, b, t;
	tally(p, &all_wrong, SEED, &w);
	CHECK_INT(w.wrong, p->n);
	CHECK_INT(w.leak, p->n);
	tally(p, &all_bad, SEED, &b);
	CHECK_INT(b.wrong, 0);
	CHECK_INT(b.leak, 0);
	printf("bad step possible in %zu of %zu items\n", b.bad, b.n);
	CHECK_MSG(b.bad * 10 >= b.n * 9, "a bad step was possible in only %zu of %zu items", b.bad,
		  b.n);

	struct config_offline_rates d = rates(0.2, 0.1, 0.1);
	tally(p, &d, SEED, &t);
	check_rate("cot wrong answer", t.wrong, t.n, 0.2);
	/* Bad steps among the items that can have one (wrong answers take
	 * the first 0.2 of each item's draw, bad steps the next 0.1). */
	check_rate("cot bad step (of possible)", t.bad, b.bad, 0.1);
	check_rate("rp leak", t.leak, t.n, 0.1);
	CHECK_INT(t.wrong + t.bad + t.gold, t.n);

	/* Other rates move the frequencies with them. */
	struct config_offline_rates e = rates(0.05, 0.5, 0.4);
	tally(p, &e, SEED, &t);
	check_rate("cot wrong answer", t.wrong, t.n, 0.05);
	check_rate("cot bad step (of possible)", t.bad, b.bad, 0.5);
	check_rate("rp leak", t.leak, t.n, 0.4);
}

static void test_rate_zero(const struct pool *p)
{
	struct tally t;
	struct config_offline_rates r = rates(0, 1, 0);
	tally(p, &r, SEED, &t);
	CHECK_INT(t.wrong, 0);
	CHECK_INT(t.leak, 0);
	r = rates(1, 0, 0);
	tally(p, &r, SEED, &t);
	CHECK_INT(t.bad, 0);
	CHECK_INT(t.leak, 0);
	r = rates(0, 0, 0);
	tally(p, &r, SEED, &t);
	CHECK_INT(t.wrong + t.bad + t.leak, 0);
	CHECK_INT(t.gold, t.n);
}

static void test_deterministic(const struct pool *p)
{
	struct config_offline_rates r = rates(0.2, 0.1, 0.1);
	size_t differ = 0;
	for (size_t i = 0; i < p->n; i++)
		for (int m = 0; m < 2; m++) {
			int pm = m ? PROMPT_RP : PROMPT_COT;
			char *a = explain(&p->v[i], pm, &r, 5, NULL);
			char *b = explain(&p->v[i], pm, &r, 5, NULL);
			char *c = explain(&p->v[i], pm, &r, 6, NULL);
			CHECK_STR(a, b);
			differ += strcmp(a, c) != 0;
			free(a);
			free(b);
			free(c);
		}
	/* Another seed picks other items. */
	CHECK_MSG(differ > p->n / 10, "only %zu texts changed with the seed", differ);
	/* COTE rates do not move RP texts, nor the RP rate COTE texts. */
	struct config_offline_rates r2 = rates(0.6, 0.3, 0.1), r3 = rates(0.2, 0.1, 0.7);
	for (size_t i = 0; i < p->n; i += 7) {
		char *a = explain(&p->v[i], PROMPT_RP, &r, 5, NULL);
		char *b = explain(&p->v[i], PROMPT_RP, &r2, 5, NULL);
		char *c = explain(&p->v[i], PROMPT_COT, &r, 5, NULL);
		char *d = explain(&p->v[i], PROMPT_COT, &r3, 5, NULL);
		CHECK_STR(a, b);
		CHECK_STR(c, d);
		free(a);
		free(b);
		free(c);
		free(d);
	}
}

/* Traces of unknown tasks and odd shapes: alterations stay generic. */
static void test_generic_traces(void)
{
	struct config_offline_rates bad = rates(0, 1, 0);
	struct {
		const char *steps, *answer, *type;
		const char *want; /* NULL: some one-step change, checked loosely */
	} cases[] = {
		/* nothing alterable: the gold text */
		{"[\"Cats purr.\",\"Dogs bark.\",\"So it is a dog.\"]", "dog", "text",
		 "Cats purr. Dogs bark. So it is a dog. So the answer is dog."},
		/* one step only: never the last */
		{"[\"3 + 4 = 7.\"]", "7", "number", "3 + 4 = 7. So the answer is 7."},
		/* a state word in a middle step flips, capital kept */
		{"[\"Start.\",\"Heads it is.\",\"Done: yes.\"]", "yes", "yesno",
		 "Start. Tails it is. Done: yes. So the answer is yes."},
		/* two steps: the first is altered */
		{"[\"The door is open.\",\"So yes.\"]", "yes", "yesno",
		 "The door is closed. So yes. So the answer is yes."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf tr;
		buf_init(&tr);
		buf_printf(&tr, "{\"task\":\"mystery\",\"steps\":%s}", cases[i].steps);
		struct store_item it = {0};
		it.id = 1;
		it.question = "q";
		it.answer = (char *)cases[i].answer;
		it.answer_type = (char *)cases[i].type;
		it.trace_json = tr.data;
		struct buf out;
		buf_init(&out);
		char err[MENTOR_ERR_LEN];
		int mis;
		CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &bad, 1, &out, &mis, err), 0);
		CHECK_STR(out.data, cases[i].want);
		CHECK_INT(mis, strstr(cases[i].want, "Tails") || strstr(cases[i].want, "closed")
				       ? TEACHER_OFFLINE_BAD_STEP
				       : TEACHER_OFFLINE_NONE);
		buf_release(&out);
		buf_release(&tr);
	}
	/* A number moves by 1 to 3 and stays >= 0; zero padding is kept; a
	 * quoted letter changes; huge digit runs and numbers glued to words are
	 * left alone. */
	const char *steps =
		"[\"x\",\"0.05 of 0 is a3 and 12345678901 and 0\",\"The last is \\\"q\\\".\","
		"\"end\"]";
	struct buf tr;
	buf_init(&tr);
	buf_printf(&tr, "{\"steps\":%s}", steps);
	struct store_item it = {0};
	it.question = "q";
	it.answer = "end";
	it.answer_type = "text";
	it.trace_json = tr.data;
	int seen_number = 0, seen_letter = 0;
	const char *num_pre = "x 0.05 of 0 is a3 and 12345678901 and ";
	const char *let_pre = "x 0.05 of 0 is a3 and 12345678901 and 0 The last is \"";
	size_t nl = strlen(num_pre), ll = strlen(let_pre);
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct buf out;
		buf_init(&out);
		char err[MENTOR_ERR_LEN];
		CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &bad, seed, &out, NULL, err), 0);
		const char *s = out.data;
		if (strncmp(s, num_pre, nl) == 0 && strstr(s, "The last is \"q\". end So")) {
			char *e;
			long v = strtol(s + nl, &e, 10);
			CHECK_MSG(v >= 1 && v <= 3 && *e == ' ', "0 became %ld in '%s'", v, s);
			seen_number++;
		} else if (strncmp(s, let_pre, ll) == 0) {
			CHECK_MSG(s[ll] != 'q' && s[ll] >= 'a' && s[ll] <= 'z' && s[ll + 1] == '"',
				  "letter '%s'", s);
			seen_letter++;
		} else {
			CHECK_MSG(0, "unexpected text '%s'", s);
		}
		buf_release(&out);
	}
	CHECK(seen_number > 0 && seen_letter > 0);
	buf_release(&tr);
}

/* Leaks on every answer type, including multiple choice with choices. */
static void test_leak_types(void)
{
	struct config_offline_rates leak = rates(0, 0, 1);
	const char *ch =
		"[{\"label\":\"A\",\"text\":\"refrigerator\"},{\"label\":\"B\",\"text\":\"oven\"}]";
	struct {
		const char *q, *answer, *type, *choices;
	} cases[] = {
		{"Where would you keep milk cold for days?", "A", "mc", NULL},
		{"Is a whale a mammal? Think of how it breathes.", "yes", "yesno", NULL},
		{"Take the last letters of \"Ann Bo\" and join them.", "no", "text", NULL},
		{"ある工程で1日に500個を生産したところ、10個が不良品でした。不良率は何パーセントですか。",
		 "2", "number", NULL},
	};
	cases[0].choices = ch;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (uint64_t seed = 1; seed <= 20; seed++) {
			struct store_item it = {0};
			it.question = (char *)cases[i].q;
			it.answer = (char *)cases[i].answer;
			it.answer_type = (char *)cases[i].type;
			it.choices_json = (char *)cases[i].choices;
			it.gold_rationale = "Some reasoning that explains it well enough here.";
			struct buf out;
			buf_init(&out);
			char err[MENTOR_ERR_LEN];
			int mis;
			CHECK_INT(teacher_offline_explain(&it, PROMPT_RP, &leak, seed, &out, &mis,
							  err),
				  0);
			CHECK_INT(mis, TEACHER_OFFLINE_RP_LEAK);
			CHECK_MSG(util_utf8_valid(out.data, out.len, 0, NULL), "invalid UTF-8 '%s'",
				  out.data);
			CHECK_MSG(prompt_leaked(out.data, it.answer, it.answer_type,
						it.choices_json),
				  "not flagged: '%s'", out.data);
			char *a = prompt_parse_answer(out.data, it.answer_type, it.choices_json);
			CHECK_MSG(a && !strcmp(a, it.answer), "'%s' parses to %s", out.data,
				  a ? a : "-");
			free(a);
			buf_release(&out);
		}
	CHECK_STR(teacher_offline_mistake_name(TEACHER_OFFLINE_RP_LEAK), "rp_leak");
	CHECK_STR(teacher_offline_mistake_name(TEACHER_OFFLINE_BAD_STEP), "cot_bad_step");
	CHECK_STR(teacher_offline_mistake_name(TEACHER_OFFLINE_COT_WRONG), "cot_wrong");
	CHECK_STR(teacher_offline_mistake_name(99), "none");
}

int main(void)
{
	struct pool p;
	pool_make(&p);
	test_frequencies(&p);
	test_rate_zero(&p);
	test_deterministic(&p);
	pool_free(&p);
	test_generic_traces();
	test_leak_types();
	return test_done();
}
