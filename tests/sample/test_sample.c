/* test_sample: the synthetic task generators. Determinism, split plans, and
 * for every generated item an independent re-solution of its question (the
 * arithmetic re-evaluated, the coin and the dial simulated, the word chain
 * followed) checked against the answer, the gold steps and the wrong path. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/sample.h"
#include "test.h"

/* --------------------------------------------------------------- helpers */

static char *generate(const char *task, uint64_t seed, const struct sample_split_plan *plan,
		      size_t *len)
{
	char *mem = NULL;
	size_t n = 0;
	char err[MENTOR_ERR_LEN];
	FILE *f = open_memstream(&mem, &n);
	if (!f)
		TEST_SETUP_FAIL("open_memstream");
	int rc = sample_write(task, seed, plan, f, err);
	fclose(f);
	CHECK_MSG(rc == 0, "sample_write %s: %s", task, err);
	if (len)
		*len = n;
	return mem;
}

/* Split s into sentences ending in '.' or '?' followed by a space or the end.
 * Returns the count; out[i] are heap strings. */
static size_t sentences(const char *s, char **out, size_t max)
{
	size_t n = 0;
	const char *start = s;
	for (const char *p = s; *p && n < max; p++) {
		if ((*p == '.' || *p == '?') && (p[1] == ' ' || !p[1])) {
			size_t len = (size_t)(p - start) + 1;
			out[n] = malloc(len + 1);
			memcpy(out[n], start, len);
			out[n][len] = '\0';
			n++;
			start = p[1] ? p + 2 : p + 1;
		}
	}
	return n;
}

static void free_all(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* The only integer in a sentence (-1 if none or several). */
static int str_array(const cJSON *a, char **out, size_t max)
{
	if (!cJSON_IsArray(a))
		return -1;
	size_t n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e) || n >= max)
			return -1;
		out[n++] = e->valuestring;
	}
	return (int)n;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ------------------------------------------------------------------ arith */

static int eval_op(int a, char op, int b, int *ok)
{
	*ok = 1;
	switch (op) {
	case '+': return a + b;
	case '-': return a - b;
	case '*': return a * b;
	case '/':
		if (b && a % b == 0)
			return a / b;
		break;
	}
	*ok = 0;
	return 0;
}

static int parse_eq(const char *s, int *a, char *op, int *b, int *c)
{
	int used = -1;
	if (sscanf(s, "%d %c %d = %d.%n", a, op, b, c, &used) != 4 || used != (int)strlen(s))
		return -1;
	return 0;
}

/* "Name has N things. P gives her K. Q takes K. ... How many things does
 * Name have now?" with one "P: a op k = c." step per person. */
static int check_arith(const cJSON *rec, const char *answer, const char *distractor, char **steps,
		       int ns, char **wrong, int nw)
{
	const char *q = jstr(rec, "question");
	char *sent[12];
	size_t n = sentences(q, sent, 12);
	int fails = test_failures;
	CHECK(n >= 5 && n <= 7);
	char name[32], obj[32];
	int start = -1;
	CHECK(sscanf(sent[0], "%31s has %d %31[a-z ].", name, &start, obj) == 3);
	CHECK(start >= 1 && start <= 9);
	char last[96];
	snprintf(last, sizeof last, "How many %s does %s have now?", obj, name);
	CHECK_STR(sent[n - 1], last);
	int nops = (int)n - 2;
	CHECK(nops >= 3 && nops <= 5);
	char ops[5], who[5][32];
	int ks[5];
	int value = start;
	for (int i = 0; i < nops && i < 5; i++) {
		char pron[8];
		int k = -1;
		if (sscanf(sent[i + 1], "%31s gives %7s %d.", who[i], pron, &k) == 3) {
			ops[i] = '+';
			CHECK(!strcmp(pron, "her") || !strcmp(pron, "him"));
		} else if (sscanf(sent[i + 1], "%31s takes %d.", who[i], &k) == 2) {
			ops[i] = '-';
		} else {
			ops[i] = '?';
		}
		ks[i] = k;
		CHECK_MSG(ops[i] != '?' && k >= 1 && k <= 5, "sentence '%s'", sent[i + 1]);
		CHECK(strcmp(who[i], name) != 0);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(who[i], who[j]) != 0);
		int ok;
		value = eval_op(value, ops[i], k, &ok);
		CHECK_MSG(ok && value >= 0 && value <= 20, "'%s': step %d leaves 0..20", q, i);
	}
	char want[16];
	snprintf(want, sizeof want, "%d", value);
	CHECK_STR(answer, want);

	/* one step per person, by name */
	for (int path = 0; path < 2; path++) {
		char **st = path ? wrong : steps;
		CHECK_INT(path ? nw : ns, nops);
		int prev = start, mistakes = 0;
		for (int i = 0; i < nops && i < (path ? nw : ns); i++) {
			size_t nl = strlen(who[i]);
			CHECK_MSG(!strncmp(st[i], who[i], nl) && !strncmp(st[i] + nl, ": ", 2),
				  "step '%s'", st[i]);
			int a, b, c, ok;
			char op;
			CHECK_MSG(parse_eq(st[i] + nl + 2, &a, &op, &b, &c) == 0, "step '%s'",
				  st[i]);
			CHECK_INT(a, prev);
			CHECK_INT(b, ks[i]);
			CHECK(c >= 0 && c <= 20);
			int right = eval_op(a, op, b, &ok);
			if (op != ops[i]) {
				mistakes++;
				CHECK(ok && right == c);
			} else if (!ok || right != c) {
				mistakes++;
			}
			prev = c;
		}
		CHECK_INT(mistakes, path);
		snprintf(want, sizeof want, "%d", prev);
		CHECK_STR(path ? distractor : answer, want);
	}
	free_all(sent, n);
	return test_failures == fails ? 0 : -1;
}

/* The people's sentences sent[1..people]: "NAME ACTION." or "NAME does not.";
 * act[i] is 1 for the action. */
static void read_actions(char **sent, size_t people, const char *action, int *act, char names[][32])
{
	for (size_t i = 0; i < people && i < 12; i++) {
		char rest[32];
		CHECK(sscanf(sent[i + 1], "%31s %31[a-z .]", names[i], rest) == 2);
		act[i] = !strcmp(rest, action);
		CHECK(act[i] || !strcmp(rest, "does not."));
	}
}

/* ------------------------------------------------------------------- coin */

/* "A coin is SIDE up. P flips it. Q does not. ... Is it still SIDE up?"
 * with one "P flips: SIDE." step per person. */
static int check_coin(const cJSON *rec, const char *answer, const char *distractor, char **steps,
		      int ns, char **wrong, int nw)
{
	const char *q = jstr(rec, "question");
	char *sent[16];
	size_t n = sentences(q, sent, 16);
	int fails = test_failures;
	char side[8], side2[8];
	CHECK(sscanf(sent[0], "A coin is %7s up.", side) == 1);
	CHECK(!strcmp(side, "heads") || !strcmp(side, "tails"));
	CHECK(sscanf(sent[n - 1], "Is it still %7s up?", side2) == 1);
	CHECK_STR(side2, side);
	int heads = !strcmp(side, "heads");
	size_t people = n - 2;
	CHECK(people >= 8 && people <= 10);
	int flip[12];
	char names[12][32];
	int state = heads;
	read_actions(sent, people, "flips it.", flip, names);
	for (size_t i = 0; i < people && i < 12; i++)
		state ^= flip[i];
	CHECK_STR(answer, state == heads ? "yes" : "no");
	for (int path = 0; path < 2; path++) {
		char **st = path ? wrong : steps;
		int nst = path ? nw : ns;
		CHECK_INT(nst, (int)people);
		int cur = heads, mistakes = 0;
		for (int i = 0; i < nst && i < (int)people; i++) {
			char want[64];
			snprintf(want, sizeof want, "%s %s: ", names[i],
				 flip[i] ? "flips" : "does not");
			CHECK_MSG(!strncmp(st[i], want, strlen(want)), "step '%s'", st[i]);
			const char *sd = st[i] + strlen(want);
			int now = !strcmp(sd, "heads.") ? 1 : !strcmp(sd, "tails.") ? 0 : -1;
			CHECK_MSG(now >= 0, "step '%s'", st[i]);
			if (now != (cur ^ flip[i]))
				mistakes++;
			cur = now;
		}
		CHECK_INT(mistakes, path);
		CHECK_STR(path ? distractor : answer, cur == heads ? "yes" : "no");
	}
	free_all(sent, n);
	return test_failures == fails ? 0 : -1;
}

/* ---------------------------------------------------------------- letters */

/* "Words: w1, w2, .... Start with W and take K turns: each word starts with
 * the last letter of the one before. Which word is last?" The chain is
 * followed again from the list: first letters are unique, every turn has its
 * one next word, no word comes twice; the wrong path stops one turn early. */
static int check_letters(const cJSON *rec, const char *answer, const char *distractor, char **steps,
			 int ns, char **wrong, int nw)
{
	const char *q = jstr(rec, "question");
	int fails = test_failures;
	char list[256], start[32];
	int turns = 0, used = 0;
	CHECK(sscanf(q, "Words: %255[a-z, ]. Start with %31[a-z] and take %d turns: %n", list,
		     start, &turns, &used) == 3);
	if (test_failures != fails)
		return -1;
	CHECK_STR(q + used, "each word starts with the last letter of the one before. "
			    "Which word is last?");
	CHECK(turns >= 5 && turns <= 7);
	char *w[16];
	int nwords = 0;
	char *save = NULL;
	for (char *tok = strtok_r(list, ", ", &save); tok && nwords < 16;
	     tok = strtok_r(NULL, ", ", &save))
		w[nwords++] = tok;
	CHECK_INT(nwords, turns + 1 + 2);
	for (int i = 0; i < nwords; i++)
		for (int j = 0; j < i; j++)
			CHECK_MSG(w[i][0] != w[j][0], "'%s' and '%s' start alike", w[i], w[j]);
	const char *path[16];
	path[0] = NULL;
	for (int i = 0; i < nwords; i++)
		if (!strcmp(w[i], start))
			path[0] = w[i];
	CHECK_MSG(path[0] != NULL, "start '%s' not in the list", start);
	if (!path[0])
		return -1;
	for (int t = 0; t < turns; t++) {
		char c = path[t][strlen(path[t]) - 1];
		path[t + 1] = NULL;
		for (int i = 0; i < nwords; i++)
			if (w[i][0] == c)
				path[t + 1] = w[i];
		CHECK_MSG(path[t + 1] != NULL, "no word after '%s'", path[t]);
		if (!path[t + 1])
			return -1;
		for (int u = 0; u <= t; u++)
			CHECK(path[u] != path[t + 1]);
	}
	CHECK_STR(answer, path[turns]);
	CHECK_STR(distractor, path[turns - 1]);
	CHECK_INT(ns, turns);
	CHECK_INT(nw, turns - 1);
	for (int t = 0; t < turns && t < ns; t++) {
		char line[96];
		snprintf(line, sizeof line, "%s ends in %c: %s.", path[t],
			 path[t][strlen(path[t]) - 1], path[t + 1]);
		CHECK_STR(steps[t], line);
		if (t < nw)
			CHECK_STR(wrong[t], line);
	}
	return test_failures == fails ? 0 : -1;
}

/* ------------------------------------------------------------------- dial */

/* "The dial points to C. P turns it. Q does not. ... Where does it point
 * now?" with one "P turns: C." step per person; red, green, blue, red. */
static int colour_index(const char *c)
{
	static const char *const col[] = {"red", "green", "blue"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(c, col[i]))
			return i;
	return -1;
}

static int check_dial(const cJSON *rec, const char *answer, const char *distractor, char **steps,
		      int ns, char **wrong, int nw)
{
	static const char *const col[] = {"red", "green", "blue"};
	const char *q = jstr(rec, "question");
	char *sent[16];
	size_t n = sentences(q, sent, 16);
	int fails = test_failures;
	char c0[8] = "";
	CHECK(sscanf(sent[0], "The dial points to %7[a-z].", c0) == 1);
	int start = colour_index(c0);
	CHECK(start >= 0);
	CHECK_STR(sent[n - 1], "Where does it point now?");
	size_t people = n - 2;
	CHECK(people >= 6 && people <= 8);
	int turn[12];
	char names[12][32];
	int at = start;
	read_actions(sent, people, "turns it.", turn, names);
	for (size_t i = 0; i < people && i < 12; i++)
		at = (at + turn[i]) % 3;
	CHECK_STR(answer, col[at < 0 ? 0 : at]);
	for (int path = 0; path < 2; path++) {
		char **st = path ? wrong : steps;
		int nst = path ? nw : ns;
		CHECK_INT(nst, (int)people);
		int cur = start, mistakes = 0;
		for (int i = 0; i < nst && i < (int)people; i++) {
			char want[64], c[16] = "";
			snprintf(want, sizeof want, "%s %s: ", names[i],
				 turn[i] ? "turns" : "does not");
			CHECK_MSG(!strncmp(st[i], want, strlen(want)), "step '%s'", st[i]);
			CHECK(sscanf(st[i] + strlen(want), "%15[a-z].", c) == 1);
			int now = colour_index(c);
			CHECK_MSG(now >= 0, "step '%s'", st[i]);
			if (now != (cur + turn[i]) % 3)
				mistakes++;
			cur = now < 0 ? 0 : now;
		}
		CHECK_INT(mistakes, path);
		CHECK_STR(path ? distractor : answer, col[cur]);
	}
	free_all(sent, n);
	return test_failures == fails ? 0 : -1;
}

/* ------------------------------------------------------- whole-file checks */

typedef int (*checker)(const cJSON *, const char *, const char *, char **, int, char **, int);

/* Parse every line of a generated file; check layout, ids, splits,
 * uniqueness of questions and the task's own checker. */
static void check_file(const char *task, const char *data, const struct sample_split_plan *plan,
		       checker chk)
{
	size_t counts[3] = {0, 0, 0};
	size_t n_lines = 0, bad_items = 0;
	const char *line = data;
	while (*line) {
		const char *nl = strchr(line, '\n');
		CHECK(nl != NULL);
		if (!nl)
			break;
		char *copy = strndup(line, (size_t)(nl - line));
		cJSON *rec = cJSON_Parse(copy);
		CHECK_MSG(rec != NULL, "%s line %zu does not parse", task, n_lines + 1);
		if (!rec) {
			free(copy);
			break;
		}
		const char *id = jstr(rec, "id"), *split = jstr(rec, "split");
		const char *answer = jstr(rec, "answer"), *type = jstr(rec, "answer_type");
		const char *rationale = jstr(rec, "rationale"), *q = jstr(rec, "question");
		const cJSON *trace = cJSON_GetObjectItemCaseSensitive(rec, "trace");
		CHECK(id && split && answer && type && rationale && q && cJSON_IsObject(trace));
		if (!(id && split && answer && type && rationale && q && cJSON_IsObject(trace))) {
			cJSON_Delete(rec);
			free(copy);
			break;
		}
		CHECK_STR(type, sample_task_info(task)->answer_type);
		CHECK_STR(jstr(trace, "task"), task);
		CHECK_STR(jstr(trace, "answer"), answer);
		const char *distractor = jstr(trace, "distractor");
		CHECK(distractor && strcmp(distractor, answer) != 0);
		char *steps[SAMPLE_MAX_STEPS + 1], *wrong[SAMPLE_MAX_STEPS + 1];
		int ns = str_array(cJSON_GetObjectItemCaseSensitive(trace, "steps"), steps,
				   SAMPLE_MAX_STEPS);
		int nw = str_array(cJSON_GetObjectItemCaseSensitive(trace, "wrong_steps"), wrong,
				   SAMPLE_MAX_STEPS);
		CHECK(ns >= 2 && nw >= 2);
		/* the rationale is the steps joined by spaces */
		struct buf joined;
		buf_init(&joined);
		for (int i = 0; i < ns; i++) {
			if (i)
				buf_putc(&joined, ' ');
			buf_puts(&joined, steps[i]);
		}
		CHECK_STR(rationale, joined.data ? joined.data : "");
		buf_release(&joined);
		int s = !strcmp(split, "train")  ? 0
			: !strcmp(split, "dev")  ? 1
			: !strcmp(split, "test") ? 2
						 : -1;
		CHECK(s >= 0);
		if (s >= 0) {
			char want[64];
			snprintf(want, sizeof want, "%s-%s-%05zu", task, split, counts[s]);
			CHECK_STR(id, want);
			counts[s]++;
		}
		if (distractor && ns >= 2 && nw >= 2 &&
		    chk(rec, answer, distractor, steps, ns, wrong, nw)) {
			if (++bad_items <= 3)
				fprintf(stderr, "  item: %s\n", copy);
		}
		cJSON_Delete(rec);
		free(copy);
		n_lines++;
		line = nl + 1;
	}
	CHECK_INT(counts[0], plan->n_train);
	CHECK_INT(counts[1], plan->n_dev);
	CHECK_INT(counts[2], plan->n_test);
	CHECK_INT(bad_items, 0);
}

static int cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t count_duplicate_questions(const char *data)
{
	size_t n = 0, cap = 16;
	char **qs = malloc(cap * sizeof *qs);
	for (const char *line = data; *line;) {
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		char *copy = strndup(line, (size_t)(nl - line));
		cJSON *rec = cJSON_Parse(copy);
		if (rec && jstr(rec, "question")) {
			if (n == cap)
				qs = realloc(qs, (cap *= 2) * sizeof *qs);
			qs[n++] = strdup(jstr(rec, "question"));
		}
		cJSON_Delete(rec);
		free(copy);
		line = nl + 1;
	}
	qsort(qs, n, sizeof *qs, cmp_pstr);
	size_t d = 0;
	for (size_t i = 1; i < n; i++)
		d += !strcmp(qs[i - 1], qs[i]);
	for (size_t i = 0; i < n; i++)
		free(qs[i]);
	free(qs);
	return d;
}

static const struct {
	const char *task;
	checker chk;
} tasks[] = {
	{"arith", check_arith},
	{"coin", check_coin},
	{"letters", check_letters},
	{"dial", check_dial},
};

/* ----------------------------------------------------------------- tests */

static void test_tasks_listed(void)
{
	const char *const *t = sample_tasks();
	size_t n = 0;
	for (; t[n]; n++)
		CHECK(sample_task_info(t[n]) != NULL);
	CHECK_INT(n, 4);
	CHECK(sample_task_info("nope") == NULL);
	CHECK(sample_task_info(NULL) == NULL);
	struct sample_split_plan p = sample_default_plan("arith");
	CHECK_INT(p.n_train, 2000);
	CHECK_INT(p.n_dev, 200);
	CHECK_INT(p.n_test, 500);
	p = sample_default_plan("nope");
	CHECK_INT(p.n_train + p.n_dev + p.n_test, 0);
}

static void test_every_item_checks_out(void)
{
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		struct sample_split_plan plan = sample_default_plan(tasks[i].task);
		char *data = generate(tasks[i].task, SAMPLE_DEFAULT_SEED, &plan, NULL);
		check_file(tasks[i].task, data, &plan, tasks[i].chk);
		CHECK_INT(count_duplicate_questions(data), 0);
		free(data);
		/* another seed, another plan: still all correct */
		struct sample_split_plan small = {300, 30, 70};
		data = generate(tasks[i].task, 99, &small, NULL);
		check_file(tasks[i].task, data, &small, tasks[i].chk);
		free(data);
	}
}

static void test_determinism(void)
{
	struct sample_split_plan plan = {200, 20, 50};
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		size_t la, lb, lc;
		char *a = generate(tasks[i].task, 7, &plan, &la);
		char *b = generate(tasks[i].task, 7, &plan, &lb);
		char *c = generate(tasks[i].task, 8, &plan, &lc);
		CHECK(la == lb && !memcmp(a, b, la));
		CHECK(la != lc || memcmp(a, c, la) != 0);
		/* the train part does not depend on the other splits' sizes */
		struct sample_split_plan train_only = {200, 0, 0};
		size_t lt;
		char *t = generate(tasks[i].task, 7, &train_only, &lt);
		CHECK(lt < la && !memcmp(a, t, lt));
		free(a);
		free(b);
		free(c);
		free(t);
	}
	/* tasks draw from different streams even with the same seed */
	struct sample_split_plan one = {1, 0, 0};
	char *x = generate("arith", 1, &one, NULL);
	char *y = generate("arith", 2, &one, NULL);
	CHECK(strcmp(x, y) != 0);
	free(x);
	free(y);
}

/* The item API without files. */
static void test_item_api(void)
{
	char err[MENTOR_ERR_LEN];
	struct rng r;
	rng_seed(&r, 5);
	struct sample_item it;
	sample_item_init(&it);
	CHECK_INT(sample_item_make("arith", &r, &it, err), 0);
	CHECK(it.question && it.answer && it.distractor && it.n_steps >= 3);
	CHECK(it.id == NULL && it.split == NULL);
	char *rat = sample_item_rationale(&it);
	CHECK(rat && !strncmp(rat, it.steps[0], strlen(it.steps[0])));
	free(rat);
	struct buf b;
	buf_init(&b);
	CHECK_INT(sample_item_json(&it, &b), 0);
	CHECK(b.len > 0 && b.data[b.len - 1] == '\n');
	cJSON *j = cJSON_Parse(b.data);
	CHECK(j != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "split") == NULL);
	cJSON_Delete(j);
	buf_release(&b);
	sample_item_release(&it);
	sample_item_release(&it); /* released twice: harmless */
	sample_item_release(NULL);

	CHECK_INT(sample_item_make("nope", &r, &it, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown task 'nope'") != NULL);
	CHECK_INT(sample_item_make(NULL, &r, &it, err), MENTOR_EUSAGE);

	/* JSON escaping of hostile text */
	sample_item_init(&it);
	it.id = strdup("x\"1");
	it.task = "arith";
	it.answer_type = "number";
	it.question = strdup("a \"quoted\" \\ back\tslash\n\x01 and \xe6\x97\xa5");
	it.answer = strdup("1");
	it.distractor = strdup("2");
	it.steps[0] = strdup("s\"1");
	it.n_steps = 1;
	it.wrong_steps[0] = strdup("w");
	it.n_wrong_steps = 1;
	buf_init(&b);
	CHECK_INT(sample_item_json(&it, &b), 0);
	j = cJSON_Parse(b.data);
	CHECK(j != NULL);
	CHECK_STR(jstr(j, "question"), it.question);
	CHECK_STR(jstr(j, "id"), "x\"1");
	cJSON_Delete(j);
	buf_release(&b);
	sample_item_release(&it);
}

static void test_plan_parse(void)
{
	char err[MENTOR_ERR_LEN];
	struct sample_split_plan p;
	CHECK_INT(sample_plan_parse("2000/200/500", &p, err), 0);
	CHECK_INT(p.n_train, 2000);
	CHECK_INT(p.n_dev, 200);
	CHECK_INT(p.n_test, 500);
	CHECK_INT(sample_plan_parse("0/0/7", &p, err), 0);
	CHECK_INT(p.n_test, 7);
	static const char *const bad[] = {
		"",        "1/2",          "1/2/3/4",
		"a/b/c",   "-1/2/3",       "1//3",
		"/1/2",    "1/2/",         " 1/2/3",
		"1/2/3 ",  "99999999/1/1", "600000/600000/1",
		"1e3/1/1", "+1/2/3",       "18446744073709551617/0/0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_MSG(sample_plan_parse(bad[i], &p, err) == MENTOR_EUSAGE, "'%s'", bad[i]);
		CHECK(!strncmp(err, "invalid split sizes", 19));
	}
	CHECK_INT(sample_plan_parse(NULL, &p, err), MENTOR_EUSAGE);
	/* a long hostile string */
	char huge[5000];
	memset(huge, '9', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	CHECK_INT(sample_plan_parse(huge, &p, err), MENTOR_EUSAGE);
}

static int stop_after_three(void *u, const struct sample_item *it)
{
	int *n = u;
	(void)it;
	return ++*n == 3 ? 42 : 0;
}

static void test_generate_errors(void)
{
	char err[MENTOR_ERR_LEN];
	struct sample_split_plan empty = {0, 0, 0};
	CHECK_INT(sample_generate("arith", 1, &empty, stop_after_three, NULL, err), MENTOR_EUSAGE);
	struct sample_split_plan too_big = {SAMPLE_MAX_ITEMS, 1, 0};
	CHECK_INT(sample_generate("arith", 1, &too_big, stop_after_three, NULL, err),
		  MENTOR_EUSAGE);
	struct sample_split_plan overflow = {SIZE_MAX, SIZE_MAX, 2};
	CHECK_INT(sample_generate("arith", 1, &overflow, stop_after_three, NULL, err),
		  MENTOR_EUSAGE);
	struct sample_split_plan plan = {10, 0, 0};
	CHECK_INT(sample_generate("bogus", 1, &plan, stop_after_three, NULL, err), MENTOR_EUSAGE);
	int n = 0;
	CHECK_INT(sample_generate("coin", 1, &plan, stop_after_three, &n, err), 42);
	CHECK_INT(n, 3);

	/* a write error surfaces */
	struct stat sb;
	FILE *ro = stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode) ? fopen("/dev/full", "wb")
								      : NULL;
	if (ro) {
		setvbuf(ro, NULL, _IONBF, 0);
		CHECK(sample_write("arith", 1, &plan, ro, err) != 0);
		CHECK(strstr(err, "write error") != NULL);
		fclose(ro);
	}
}

/* The files in sample_datasets/ are exactly what the generator writes. */
static void test_shipped_files(void)
{
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		char path[1024], err[MENTOR_ERR_LEN];
		snprintf(path, sizeof path, "%s/sample_datasets/%s.jsonl", MENTOR_SOURCE_DIR,
			 tasks[i].task);
		size_t flen = 0, glen = 0;
		char *file = util_read_file(path, 64u << 20, &flen, err);
		CHECK_MSG(file != NULL, "%s", err);
		struct sample_split_plan plan = sample_default_plan(tasks[i].task);
		char *gen = generate(tasks[i].task, SAMPLE_DEFAULT_SEED, &plan, &glen);
		CHECK_MSG(file && flen == glen && !memcmp(file, gen, glen),
			  "%s differs from `mentor sample %s`: regenerate it", path, tasks[i].task);
		free(file);
		free(gen);
	}
}

int main(void)
{
	test_tasks_listed();
	test_item_api();
	test_plan_parse();
	test_generate_errors();
	test_determinism();
	test_every_item_checks_out();
	test_shipped_files();
	return test_done();
}
