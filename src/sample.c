/* sample: the generators of the bundled synthetic tasks (multi-step
 * arithmetic, coin flips, last-letter concatenation, object counting), their
 * gold step-by-step rationales and solution traces with one plausible mistake,
 * and the JSON-lines writer of the generic import layout. */
#include "mentor/sample.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ tasks */

static const char *const task_names[] = {"arith", "coin", "letters", "count", NULL};

static const struct sample_task_info task_table[] = {
	{"arith", "number", "how many things one has after 3 to 5 people give or take some", 2000, 200, 500},
	{"coin", "yesno", "is the coin still heads up after 8 to 10 people flip it or not", 2000, 200, 500},
	{"letters", "text", "concatenate the last letters of 2 to 4 names", 1000, 100, 300},
	{"count", "number", "count the objects of one kind in a mixed list", 1000, 100, 300},
};

const char *const *sample_tasks(void) { return task_names; }

const struct sample_task_info *sample_task_info(const char *task)
{
	if (!task)
		return NULL;
	for (size_t i = 0; i < sizeof task_table / sizeof task_table[0]; i++)
		if (!strcmp(task_table[i].name, task))
			return &task_table[i];
	return NULL;
}

struct sample_split_plan sample_default_plan(const char *task)
{
	struct sample_split_plan p = {0, 0, 0};
	const struct sample_task_info *ti = sample_task_info(task);
	if (ti) {
		p.n_train = ti->n_train;
		p.n_dev = ti->n_dev;
		p.n_test = ti->n_test;
	}
	return p;
}

/* ------------------------------------------------------------------- items */

void sample_item_init(struct sample_item *it) { memset(it, 0, sizeof *it); }

void sample_item_release(struct sample_item *it)
{
	if (!it)
		return;
	free(it->id);
	free(it->question);
	free(it->answer);
	free(it->distractor);
	for (size_t i = 0; i < it->n_steps; i++)
		free(it->steps[i]);
	for (size_t i = 0; i < it->n_wrong_steps; i++)
		free(it->wrong_steps[i]);
	memset(it, 0, sizeof *it);
}

char *sample_item_rationale(const struct sample_item *it)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < it->n_steps; i++) {
		if ((i && buf_putc(&b, ' ')) || buf_puts(&b, it->steps[i])) {
			buf_release(&b);
			return NULL;
		}
	}
	return buf_detach(&b, NULL);
}

/* Builder state: one out-of-memory flag checked once at the end, so the
 * generators read as straight lines. */
struct gen {
	struct sample_item *it;
	struct buf q; /* question being written */
	int oom;
};

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *gen_format(struct gen *g, const char *fmt, ...) MENTOR_PRINTF(2, 3);
static char *gen_format(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		g->oom = 1;
	return s;
}

/* Append a sentence to the question, a space before all but the first. */
static void gen_say(struct gen *g, const char *fmt, ...) MENTOR_PRINTF(2, 3);
static void gen_say(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!s || (g->q.len && buf_putc(&g->q, ' ')) || buf_puts(&g->q, s))
		g->oom = 1;
	free(s);
}

/* Append a step to the gold path (wrong = 0) or the wrong path (wrong = 1). */
static void gen_step(struct gen *g, int wrong, const char *fmt, ...) MENTOR_PRINTF(3, 4);
static void gen_step(struct gen *g, int wrong, const char *fmt, ...)
{
	size_t *n = wrong ? &g->it->n_wrong_steps : &g->it->n_steps;
	char **arr = wrong ? g->it->wrong_steps : g->it->steps;
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!s || *n >= SAMPLE_MAX_STEPS) {
		free(s);
		g->oom = 1;
		return;
	}
	arr[(*n)++] = s;
}

static size_t pick(struct rng *r, size_t n) { return (size_t)rng_below(r, n); }

struct person {
	const char *name;
	int female;
};

static const struct person people[] = {
	{"Ann", 1},   {"Beth", 1},  {"Cara", 1}, {"Dora", 1}, {"Emma", 1},  {"Fay", 1},
	{"Gina", 1},  {"Hana", 1},  {"Iris", 1}, {"Jane", 1}, {"Kate", 1},  {"Lily", 1},
	{"Mia", 1},   {"Nora", 1},  {"Olga", 1}, {"Pam", 1},  {"Rosa", 1},  {"Sara", 1},
	{"Tina", 1},  {"Vera", 1},  {"Wendy", 1}, {"Zoe", 1}, {"Adam", 0},  {"Ben", 0},
	{"Carl", 0},  {"Dan", 0},   {"Eric", 0}, {"Fred", 0}, {"Gus", 0},   {"Hugo", 0},
	{"Ivan", 0},  {"Jack", 0},  {"Ken", 0},  {"Leo", 0},  {"Max", 0},   {"Ned", 0},
	{"Omar", 0},  {"Paul", 0},  {"Ray", 0},  {"Sam", 0},  {"Tom", 0},   {"Will", 0},
};
#define N_PEOPLE (sizeof people / sizeof people[0])

/* k distinct indexes into [0, n) in draw order; k <= n. */
static void pick_distinct(struct rng *r, size_t n, size_t k, size_t *out)
{
	for (size_t i = 0; i < k; i++) {
		size_t v;
		int again;
		do {
			v = pick(r, n);
			again = 0;
			for (size_t j = 0; j < i; j++)
				if (out[j] == v)
					again = 1;
		} while (again);
		out[i] = v;
	}
}

/* ------------------------------------------------------------------ arith */

/* Knobs: ARITH_MIN_OPS..ARITH_MAX_OPS operations, a start of 1..9, amounts
 * of 1..ARITH_MAX_K, every value within 0..ARITH_MAX. Each operation is done
 * by a person of its own, so that a step of the explanation can find its
 * sentence in the question by the name it starts with. */
#define ARITH_MIN_OPS 3
#define ARITH_MAX_OPS 5
#define ARITH_MAX_K 5
#define ARITH_MAX 20

enum { OP_ADD, OP_SUB };
static const char op_sym[] = "+-";

static const char *const arith_objects[] = {
	"apples", "pencils", "marbles", "stickers", "cookies", "cards",
	"books",  "shells",  "stamps",  "balloons", "eggs",    "beads",
};

/* The value of `a op k`, or -1 when it leaves 0..ARITH_MAX. */
static int arith_apply(int op, int a, int k)
{
	int v = op == OP_ADD ? a + k : a - k;
	return v < 0 || v > ARITH_MAX ? -1 : v;
}

/* Apply ops[from..n) to v; -1 when a step leaves the range. */
static int arith_chain(const int *ops, const int *ks, int n, int from, int v)
{
	for (int i = from; i < n && v >= 0; i++)
		v = arith_apply(ops[i], v, ks[i]);
	return v;
}

struct arith_wrong {
	int step;  /* index of the operation that goes wrong */
	int op;    /* operation written in the wrong step */
	int value; /* result written in the wrong step */
};

static int arith_make(struct gen *g, struct rng *r)
{
	int ops[ARITH_MAX_OPS], ks[ARITH_MAX_OPS], vals[ARITH_MAX_OPS + 1];
	int n = ARITH_MIN_OPS + (int)pick(r, ARITH_MAX_OPS - ARITH_MIN_OPS + 1);
	vals[0] = 1 + (int)pick(r, 9);
	for (int i = 0; i < n; i++) {
		int cur = vals[i];
		int can_add = cur + 1 <= ARITH_MAX - 5, can_sub = cur >= 2;
		ops[i] = can_add && (!can_sub || pick(r, 2)) ? OP_ADD : OP_SUB;
		int hi = ops[i] == OP_ADD ? ARITH_MAX_K : (cur - 1 < ARITH_MAX_K ? cur - 1 : ARITH_MAX_K);
		ks[i] = 1 + (int)pick(r, (size_t)hi);
		vals[i + 1] = arith_apply(ops[i], cur, ks[i]);
	}
	size_t who[ARITH_MAX_OPS + 1];
	pick_distinct(r, N_PEOPLE, (size_t)n + 1, who);
	const struct person *p = &people[who[0]];
	const char *obj = arith_objects[pick(r, sizeof arith_objects / sizeof arith_objects[0])];

	gen_say(g, "%s has %d %s.", p->name, vals[0], obj);
	for (int i = 0; i < n; i++) {
		const char *o = people[who[i + 1]].name;
		if (ops[i] == OP_ADD)
			gen_say(g, "%s gives %s %d.", o, p->female ? "her" : "him", ks[i]);
		else
			gen_say(g, "%s takes %d.", o, ks[i]);
	}
	gen_say(g, "How many %s does %s have now?", obj, p->name);

	/* The plausible mistakes: a slip in one result, or "gives" read as
	 * "takes" (or the other way round); the later steps stay right. */
	struct arith_wrong cand[ARITH_MAX_OPS * 5];
	size_t nc = 0;
	static const int deltas[] = {1, -1, 2, -2};
	for (int j = 0; j < n; j++) {
		for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
			int v = vals[j + 1] + deltas[d];
			int end = v < 0 || v > ARITH_MAX ? -1 : arith_chain(ops, ks, n, j + 1, v);
			if (end >= 0 && end != vals[n])
				cand[nc++] = (struct arith_wrong){j, ops[j], v};
		}
		int wop = ops[j] == OP_ADD ? OP_SUB : OP_ADD;
		int v = arith_apply(wop, vals[j], ks[j]);
		int end = v < 0 ? -1 : arith_chain(ops, ks, n, j + 1, v);
		if (end >= 0 && end != vals[n])
			cand[nc++] = (struct arith_wrong){j, wop, v};
	}
	if (!nc)
		return -1; /* no plausible mistake: draw again */
	struct arith_wrong w = cand[pick(r, nc)];

	int wv = vals[0];
	for (int i = 0; i < n; i++) {
		const char *o = people[who[i + 1]].name;
		gen_step(g, 0, "%s: %d %c %d = %d.", o, vals[i], op_sym[ops[i]], ks[i], vals[i + 1]);
		int op = i == w.step ? w.op : ops[i];
		int nv = i == w.step ? w.value : arith_apply(ops[i], wv, ks[i]);
		gen_step(g, 1, "%s: %d %c %d = %d.", o, wv, op_sym[op], ks[i], nv);
		wv = nv;
	}
	g->it->answer = gen_format(g, "%d", vals[n]);
	g->it->distractor = gen_format(g, "%d", wv);
	return 0;
}

/* ------------------------------------------------------------------- coin */

/* Knobs: COIN_MIN..COIN_MAX people, each flips the coin or does not with
 * even odds: the answer is the parity of the flips, which a small model
 * cannot read off the question in one step, while each step of the
 * explanation only turns the previous side over or keeps it. */
#define COIN_MIN 8
#define COIN_MAX 10

static void coin_make(struct gen *g, struct rng *r)
{
	size_t who[COIN_MAX];
	size_t n = COIN_MIN + pick(r, COIN_MAX - COIN_MIN + 1);
	pick_distinct(r, N_PEOPLE, n, who);
	int flips[COIN_MAX];
	int heads = (int)pick(r, 2);
	const char *start = heads ? "heads" : "tails";
	gen_say(g, "A coin is %s up.", start);
	for (size_t i = 0; i < n; i++) {
		flips[i] = (int)pick(r, 2);
		gen_say(g, "%s %s.", people[who[i]].name, flips[i] ? "flips it" : "does not");
	}
	gen_say(g, "Is it still %s up?", start);

	/* the mistake: one person's action read the wrong way round */
	size_t bad = pick(r, n);
	int side = heads, wside = heads;
	for (size_t i = 0; i < n; i++) {
		const char *name = people[who[i]].name;
		side ^= flips[i];
		wside ^= flips[i] ^ (i == bad);
		gen_step(g, 0, "%s %s: %s.", name, flips[i] ? "flips" : "does not",
			 side ? "heads" : "tails");
		gen_step(g, 1, "%s %s: %s.", name, flips[i] ? "flips" : "does not",
			 wside ? "heads" : "tails");
	}
	g->it->answer = gen_format(g, "%s", side == heads ? "yes" : "no");
	g->it->distractor = gen_format(g, "%s", wside == heads ? "yes" : "no");
}

/* ---------------------------------------------------------------- letters */

static const char *const letter_words[] = {
	"Ann",    "Beth",   "Cara",   "Dora",  "Emma",   "Fay",    "Gina",  "Hana",
	"Iris",   "Jane",   "Kate",   "Lily",  "Mia",    "Nora",   "Olga",  "Pam",
	"Rosa",   "Sara",   "Tina",   "Vera",  "Wendy",  "Zoe",    "Adam",  "Ben",
	"Carl",   "Dan",    "Eric",   "Fred",  "Gus",    "Hugo",   "Ivan",  "Jack",
	"Ken",    "Leo",    "Max",    "Ned",   "Omar",   "Paul",   "Ray",   "Sam",
	"Tom",    "Will",   "Maria",  "Oscar", "Lucas",  "Elena",  "Diego", "Julia",
	"Peter",  "Helen",  "Kevin",  "Linda", "Frank",  "Grace",  "Henry", "Irene",
	"James",  "Karen",  "Louis",  "Megan", "Nancy",  "Owen",   "Quinn", "Ruth",
	"Steve",  "Tracy",  "Victor", "Wanda", "Xavier", "Yusuf",  "Zelda", "Alice",
	"Bruno",  "Chloe",  "David",  "Ethan", "Fiona",  "George", "Holly", "Isaac",
};
#define N_LETTER_WORDS (sizeof letter_words / sizeof letter_words[0])

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int letters_make(struct gen *g, struct rng *r)
{
	size_t idx[4];
	size_t n = 2 + pick(r, 3);
	pick_distinct(r, N_LETTER_WORDS, n, idx);
	char ans[8], wrong[8];
	size_t cand[4], nc = 0;
	for (size_t i = 0; i < n; i++) {
		const char *w = letter_words[idx[i]];
		size_t len = strlen(w);
		ans[i] = (char)lower(w[len - 1]);
		if (lower(w[len - 2]) != ans[i])
			cand[nc++] = i;
	}
	ans[n] = '\0';
	if (!nc)
		return -1; /* no plausible slip: draw again */
	size_t bad = cand[pick(r, nc)];
	memcpy(wrong, ans, n + 1);
	const char *bw = letter_words[idx[bad]];
	wrong[bad] = (char)lower(bw[strlen(bw) - 2]);

	struct buf words;
	buf_init(&words);
	for (size_t i = 0; i < n; i++)
		if ((i && buf_putc(&words, ' ')) || buf_puts(&words, letter_words[idx[i]]))
			g->oom = 1;
	gen_say(g, "Take the last letters of the words in \"%s\" and concatenate them.",
		words.data ? words.data : "");
	buf_release(&words);
	for (size_t i = 0; i < n; i++) {
		const char *w = letter_words[idx[i]];
		gen_step(g, 0, "The last letter of \"%s\" is \"%c\".", w, ans[i]);
		gen_step(g, 1, "The last letter of \"%s\" is \"%c\".", w, wrong[i]);
	}
	gen_step(g, 0, "Putting them together gives \"%s\".", ans);
	gen_step(g, 1, "Putting them together gives \"%s\".", wrong);
	g->it->answer = gen_format(g, "%s", ans);
	g->it->distractor = gen_format(g, "%s", wrong);
	return 0;
}

/* ------------------------------------------------------------------ count */

struct noun {
	const char *sing; /* with its article: "an apple" */
	const char *plur;
};

struct category {
	const char *sing;     /* "animal" */
	const char *plur;     /* "animals" */
	const char *not_sing; /* "not an animal" */
	const char *not_plur; /* "not animals" */
	const struct noun *nouns;
	size_t n;
};

static const struct noun fruits[] = {
	{"an apple", "apples"}, {"a banana", "bananas"}, {"an orange", "oranges"},
	{"a pear", "pears"},    {"a peach", "peaches"},  {"a plum", "plums"},
	{"a mango", "mangoes"}, {"a lemon", "lemons"},   {"a cherry", "cherries"},
	{"a strawberry", "strawberries"},
};
static const struct noun vegetables[] = {
	{"a carrot", "carrots"}, {"a potato", "potatoes"}, {"an onion", "onions"},
	{"a cabbage", "cabbages"}, {"a turnip", "turnips"}, {"a radish", "radishes"},
	{"a leek", "leeks"},     {"a beet", "beets"},     {"a yam", "yams"},
};
static const struct noun animals[] = {
	{"a cow", "cows"},     {"a goat", "goats"},   {"a pig", "pigs"},
	{"a dog", "dogs"},     {"a cat", "cats"},     {"a rabbit", "rabbits"},
	{"a duck", "ducks"},   {"a horse", "horses"}, {"a sheep", "sheep"},
	{"a mouse", "mice"},   {"a donkey", "donkeys"},
};
static const struct noun instruments[] = {
	{"a piano", "pianos"},   {"a flute", "flutes"},       {"a violin", "violins"},
	{"a drum", "drums"},     {"a trumpet", "trumpets"},   {"a guitar", "guitars"},
	{"a clarinet", "clarinets"}, {"an accordion", "accordions"},
	{"a trombone", "trombones"}, {"a cello", "cellos"},
};
static const struct noun furniture[] = {
	{"a chair", "chairs"}, {"a table", "tables"},     {"a bed", "beds"},
	{"a sofa", "sofas"},   {"a desk", "desks"},       {"a stool", "stools"},
	{"a bookcase", "bookcases"}, {"a wardrobe", "wardrobes"}, {"a dresser", "dressers"},
};

#define NOUNS(a) a, sizeof a / sizeof a[0]
static const struct category categories[] = {
	{"fruit", "fruits", "not a fruit", "not fruits", NOUNS(fruits)},
	{"vegetable", "vegetables", "not a vegetable", "not vegetables", NOUNS(vegetables)},
	{"animal", "animals", "not an animal", "not animals", NOUNS(animals)},
	{"musical instrument", "musical instruments", "not a musical instrument",
	 "not musical instruments", NOUNS(instruments)},
	{"piece of furniture", "pieces of furniture", "not furniture", "not furniture",
	 NOUNS(furniture)},
};
#define N_CATEGORIES (sizeof categories / sizeof categories[0])

static const char *const count_words[] = {"", "", "two", "three", "four"};

struct count_obj {
	const struct noun *noun;
	int count;  /* 1..4 */
	int target; /* of the asked category */
};

/* "a cow" or "three cows" into b */
static void count_phrase(const struct count_obj *o, char *b, size_t n)
{
	if (o->count == 1)
		snprintf(b, n, "%s", o->noun->sing);
	else
		snprintf(b, n, "%s %s", count_words[o->count], o->noun->plur);
}

/* One step per object, then the sum; `wrong` selects the path, `bad` the
 * object whose count goes wrong and `bad_count` the count written for it. */
static int count_steps(struct gen *g, const struct category *c, const struct count_obj *objs,
		       size_t n, int wrong, size_t bad, int bad_count)
{
	char phrase[64];
	struct buf sum;
	buf_init(&sum);
	int total = 0, terms = 0;
	for (size_t i = 0; i < n; i++) {
		int counted = objs[i].target ? objs[i].count : 0;
		if (wrong && i == bad)
			counted = bad_count;
		count_phrase(&objs[i], phrase, sizeof phrase);
		if (phrase[0] >= 'a' && phrase[0] <= 'z')
			phrase[0] = (char)(phrase[0] - 'a' + 'A');
		const char *verb = objs[i].count == 1 ? "is" : "are";
		if (counted)
			gen_step(g, wrong, "%s %s %d %s.", phrase, verb, counted,
				 counted == 1 ? c->sing : c->plur);
		else
			gen_step(g, wrong, "%s %s %s.", phrase, verb,
				 objs[i].count == 1 ? c->not_sing : c->not_plur);
		if (counted) {
			if ((terms && buf_puts(&sum, " + ")) || buf_printf(&sum, "%d", counted))
				g->oom = 1;
			terms++;
			total += counted;
		}
	}
	if (terms > 1)
		gen_step(g, wrong, "So the total is %s = %d.", sum.data ? sum.data : "", total);
	else
		gen_step(g, wrong, "So the total is %d.", total);
	buf_release(&sum);
	return total;
}

static void count_make(struct gen *g, struct rng *r)
{
	size_t cat = pick(r, N_CATEGORIES);
	const struct category *c = &categories[cat];
	size_t n = 3 + pick(r, 3);
	size_t n_target = 1 + pick(r, n - 1 < 3 ? n - 1 : 3);
	struct count_obj objs[5];
	for (size_t i = 0; i < n; i++) {
		int again;
		do {
			const struct category *from = c;
			if (i >= n_target) {
				size_t o = pick(r, N_CATEGORIES - 1);
				from = &categories[o >= cat ? o + 1 : o];
			}
			objs[i].noun = &from->nouns[pick(r, from->n)];
			objs[i].target = i < n_target;
			again = 0;
			for (size_t j = 0; j < i; j++)
				if (objs[j].noun == objs[i].noun)
					again = 1;
		} while (again);
		objs[i].count = 1 + (int)pick(r, 4);
	}
	/* shuffle so the asked kind is not always first (Fisher-Yates) */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = pick(r, i + 1);
		struct count_obj t = objs[i];
		objs[i] = objs[j];
		objs[j] = t;
	}
	struct buf list;
	buf_init(&list);
	char phrase[64];
	for (size_t i = 0; i < n; i++) {
		count_phrase(&objs[i], phrase, sizeof phrase);
		const char *sep = i == 0 ? "" : i + 1 < n ? ", " : n > 2 ? ", and " : " and ";
		if (buf_puts(&list, sep) || buf_puts(&list, phrase))
			g->oom = 1;
	}
	gen_say(g, "I have %s.", list.data ? list.data : "");
	gen_say(g, "How many %s do I have?", c->plur);
	buf_release(&list);

	/* the mistakes: an object of another kind counted, or a count misread */
	size_t others[5], targets[5], no = 0, nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (objs[i].target)
			targets[nt++] = i;
		else
			others[no++] = i;
	}
	size_t bad;
	int bad_count;
	if (pick(r, 2)) {
		bad = others[pick(r, no)];
		bad_count = objs[bad].count;
	} else {
		bad = targets[pick(r, nt)];
		bad_count = objs[bad].count + (objs[bad].count > 1 && pick(r, 2) ? -1 : 1);
	}
	int total = count_steps(g, c, objs, n, 0, 0, 0);
	int wtotal = count_steps(g, c, objs, n, 1, bad, bad_count);
	g->it->answer = gen_format(g, "%d", total);
	g->it->distractor = gen_format(g, "%d", wtotal);
}

/* ----------------------------------------------------------- generation */

int sample_item_make(const char *task, struct rng *r, struct sample_item *it, char *err)
{
	const struct sample_task_info *ti = sample_task_info(task);
	if (!ti) {
		util_err(err, "unknown task '%s': try arith, coin, letters or count",
			 task ? task : "");
		return MENTOR_EUSAGE;
	}
	for (int attempt = 0; attempt < 100; attempt++) {
		struct gen g;
		g.it = it;
		g.oom = 0;
		buf_init(&g.q);
		it->task = ti->name;
		it->answer_type = ti->answer_type;
		int rc = 0;
		if (!strcmp(ti->name, "arith"))
			rc = arith_make(&g, r);
		else if (!strcmp(ti->name, "coin"))
			coin_make(&g, r);
		else if (!strcmp(ti->name, "letters"))
			rc = letters_make(&g, r);
		else
			count_make(&g, r);
		if (!g.oom && !rc)
			it->question = buf_detach(&g.q, NULL);
		buf_release(&g.q);
		if (g.oom || !it->answer || !it->distractor || !it->question) {
			sample_item_release(it);
			if (rc)
				continue;
			util_err(err, "cannot generate a '%s' item: out of memory", ti->name);
			return MENTOR_ENOMEM;
		}
		return 0;
	}
	return util_err(err, "cannot generate a '%s' item", ti->name);
}

/* --------------------------------------------------------------- JSON out */

static int json_str(struct buf *b, const char *s)
{
	int rc = buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		switch (*p) {
		case '"': rc = buf_puts(b, "\\\""); break;
		case '\\': rc = buf_puts(b, "\\\\"); break;
		case '\n': rc = buf_puts(b, "\\n"); break;
		case '\t': rc = buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rc = buf_printf(b, "\\u%04x", *p);
			else
				rc = buf_putc(b, *p);
		}
	}
	return rc ? rc : buf_putc(b, '"');
}

static int json_key(struct buf *b, const char *key, const char *value)
{
	int rc = buf_puts(b, ",");
	if (!rc)
		rc = json_str(b, key);
	if (!rc)
		rc = buf_putc(b, ':');
	return rc ? rc : json_str(b, value);
}

static int json_array(struct buf *b, const char *key, char *const *v, size_t n)
{
	int rc = buf_puts(b, ",");
	if (!rc)
		rc = json_str(b, key);
	if (!rc)
		rc = buf_puts(b, ":[");
	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = buf_putc(b, ',');
		if (!rc)
			rc = json_str(b, v[i]);
	}
	return rc ? rc : buf_putc(b, ']');
}

int sample_item_json(const struct sample_item *it, struct buf *out)
{
	char *rationale = sample_item_rationale(it);
	if (!rationale)
		return MENTOR_ENOMEM;
	int rc = buf_puts(out, "{\"id\":");
	if (!rc)
		rc = json_str(out, it->id ? it->id : "");
	if (!rc)
		rc = json_key(out, "question", it->question);
	if (!rc)
		rc = json_key(out, "answer", it->answer);
	if (!rc)
		rc = json_key(out, "answer_type", it->answer_type);
	if (!rc)
		rc = json_key(out, "rationale", rationale);
	if (!rc && it->split)
		rc = json_key(out, "split", it->split);
	if (!rc)
		rc = buf_puts(out, ",\"trace\":{\"task\":");
	if (!rc)
		rc = json_str(out, it->task);
	if (!rc)
		rc = json_array(out, "steps", it->steps, it->n_steps);
	if (!rc)
		rc = json_key(out, "answer", it->answer);
	if (!rc)
		rc = json_key(out, "distractor", it->distractor);
	if (!rc)
		rc = json_array(out, "wrong_steps", it->wrong_steps, it->n_wrong_steps);
	if (!rc)
		rc = buf_puts(out, "}}\n");
	free(rationale);
	return rc ? MENTOR_ENOMEM : 0;
}

/* --------------------------------------------------------------- plans */

static int parse_size(const char *s, size_t len, size_t *out)
{
	if (!len || len > 7)
		return -1;
	size_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int sample_plan_parse(const char *text, struct sample_split_plan *plan, char *err)
{
	size_t v[3];
	const char *p = text ? text : "";
	for (int i = 0; i < 3; i++) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if ((i < 2) != (end != NULL) || parse_size(p, len, &v[i])) {
			util_err(err, "invalid split sizes '%s': expected TRAIN/DEV/TEST, "
				 "e.g. 2000/200/500", text ? text : "");
			return MENTOR_EUSAGE;
		}
		p = end ? end + 1 : p + len;
	}
	if ((uint64_t)v[0] + v[1] + v[2] > SAMPLE_MAX_ITEMS) {
		util_err(err, "invalid split sizes '%s': at most %d items", text,
			 SAMPLE_MAX_ITEMS);
		return MENTOR_EUSAGE;
	}
	plan->n_train = v[0];
	plan->n_dev = v[1];
	plan->n_test = v[2];
	return 0;
}

/* A set of 64-bit question hashes (open addressing; 0 marks empty). */
struct seen {
	uint64_t *slot;
	size_t cap;
};

static int seen_add(struct seen *s, uint64_t h)
{
	h = h ? h : 1;
	size_t i = (size_t)(h & (s->cap - 1));
	while (s->slot[i]) {
		if (s->slot[i] == h)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = h;
	return 1;
}

static uint64_t stream_seed(const char *task, const char *split, uint64_t seed)
{
	char key[96];
	int n = snprintf(key, sizeof key, "sample/%s/%s/%llu", task, split,
			 (unsigned long long)seed);
	return util_fnv1a(key, (size_t)n, 0xcbf29ce484222325ULL);
}

int sample_generate(const char *task, uint64_t seed, const struct sample_split_plan *plan,
		    sample_emit_fn emit, void *u, char *err)
{
	const struct sample_task_info *ti = sample_task_info(task);
	if (!ti) {
		util_err(err, "unknown task '%s': try arith, coin, letters or count",
			 task ? task : "");
		return MENTOR_EUSAGE;
	}
	size_t sizes[3] = {plan->n_train, plan->n_dev, plan->n_test};
	static const char *const split_names[3] = {"train", "dev", "test"};
	if (sizes[0] > SAMPLE_MAX_ITEMS || sizes[1] > SAMPLE_MAX_ITEMS ||
	    sizes[2] > SAMPLE_MAX_ITEMS || sizes[0] + sizes[1] + sizes[2] > SAMPLE_MAX_ITEMS) {
		util_err(err, "cannot generate '%s': at most %d items", task, SAMPLE_MAX_ITEMS);
		return MENTOR_EUSAGE;
	}
	size_t total = sizes[0] + sizes[1] + sizes[2];
	if (!total) {
		util_err(err, "cannot generate '%s': no items asked for", task);
		return MENTOR_EUSAGE;
	}
	struct seen seen;
	seen.cap = 64;
	while (seen.cap < total * 2)
		seen.cap *= 2;
	seen.slot = calloc(seen.cap, sizeof *seen.slot);
	if (!seen.slot) {
		util_err(err, "cannot generate '%s': out of memory", task);
		return MENTOR_ENOMEM;
	}

	int rc = 0;
	struct sample_item it;
	sample_item_init(&it);
	for (int s = 0; s < 3 && !rc; s++) {
		struct rng r;
		rng_seed(&r, stream_seed(ti->name, split_names[s], seed));
		for (size_t i = 0; i < sizes[s] && !rc; i++) {
			int fresh = 0;
			for (int tries = 0; tries < 1000 && !fresh; tries++) {
				rc = sample_item_make(ti->name, &r, &it, err);
				if (rc)
					break;
				fresh = seen_add(&seen, util_fnv1a(it.question, strlen(it.question),
								   0xcbf29ce484222325ULL));
				if (!fresh)
					sample_item_release(&it);
			}
			if (rc)
				break;
			if (!fresh) {
				rc = util_err(err, "cannot generate %zu distinct '%s' questions",
					      total, ti->name);
				break;
			}
			char id[64];
			snprintf(id, sizeof id, "%s-%s-%05zu", ti->name, split_names[s], i);
			it.id = util_strdup(id);
			it.split = split_names[s];
			rc = emit(u, &it);
			sample_item_release(&it);
		}
	}
	free(seen.slot);
	return rc;
}

struct write_ctx {
	FILE *out;
	struct buf line;
	int failed; /* MENTOR_ENOMEM or MENTOR_ERR */
};

static int write_one(void *u, const struct sample_item *it)
{
	struct write_ctx *w = u;
	buf_reset(&w->line);
	if (sample_item_json(it, &w->line)) {
		w->failed = MENTOR_ENOMEM;
		return MENTOR_ENOMEM;
	}
	if (fwrite(w->line.data, 1, w->line.len, w->out) != w->line.len) {
		w->failed = MENTOR_ERR;
		return MENTOR_ERR;
	}
	return 0;
}

int sample_write(const char *task, uint64_t seed, const struct sample_split_plan *plan,
		 FILE *out, char *err)
{
	struct write_ctx w;
	w.out = out;
	w.failed = 0;
	buf_init(&w.line);
	int rc = sample_generate(task, seed, plan, write_one, &w, err);
	buf_release(&w.line);
	if (rc && w.failed == MENTOR_ENOMEM)
		util_err(err, "cannot write '%s' items: out of memory", task);
	else if (rc && w.failed)
		util_err(err, "cannot write '%s' items: write error", task);
	return rc;
}
