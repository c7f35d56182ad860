/* sample: the generators of the bundled synthetic tasks (multi-step
 * arithmetic, coin flips, a word chain by last letters, a three-colour
 * dial), their gold step-by-step rationales and solution traces with one
 * plausible mistake, and the JSON-lines writer of the generic import
 * layout. */
#include "mentor/sample.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ tasks */

static const char *const task_names[] = {"arith", "coin", "letters", "dial", NULL};

static const struct sample_task_info task_table[] = {
	{"arith", "number", "how many things one has after 3 to 5 people give or take some", 2000,
	 200, 500},
	{"coin", "yesno", "is the coin still heads up after 8 to 10 people flip it or not", 2000,
	 200, 500},
	{"letters", "text", "follow a word chain by last letters for 5 to 7 turns", 2000, 200, 500},
	{"dial", "text", "where a dial of three colours points after 6 to 8 people turn it or not",
	 2000, 200, 500},
};

const char *const *sample_tasks(void)
{
	return task_names;
}

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

void sample_item_init(struct sample_item *it)
{
	memset(it, 0, sizeof *it);
}

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

static size_t pick(struct rng *r, size_t n)
{
	return (size_t)rng_below(r, n);
}

struct person {
	const char *name;
	int female;
};

static const struct person people[] = {
	{"Ann", 1},  {"Beth", 1}, {"Cara", 1}, {"Dora", 1}, {"Emma", 1}, {"Fay", 1},  {"Gina", 1},
	{"Hana", 1}, {"Iris", 1}, {"Jane", 1}, {"Kate", 1}, {"Lily", 1}, {"Mia", 1},  {"Nora", 1},
	{"Olga", 1}, {"Pam", 1},  {"Rosa", 1}, {"Sara", 1}, {"Tina", 1}, {"Vera", 1}, {"Wendy", 1},
	{"Zoe", 1},  {"Adam", 0}, {"Ben", 0},  {"Carl", 0}, {"Dan", 0},  {"Eric", 0}, {"Fred", 0},
	{"Gus", 0},  {"Hugo", 0}, {"Ivan", 0}, {"Jack", 0}, {"Ken", 0},  {"Leo", 0},  {"Max", 0},
	{"Ned", 0},  {"Omar", 0}, {"Paul", 0}, {"Ray", 0},  {"Sam", 0},  {"Tom", 0},  {"Will", 0},
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
		int hi = ops[i] == OP_ADD ? ARITH_MAX_K
					  : (cur - 1 < ARITH_MAX_K ? cur - 1 : ARITH_MAX_K);
		ks[i] = 1 + (int)pick(r, (size_t)hi);
		vals[i + 1] = arith_apply(ops[i], cur, ks[i]);
	}
	/* pick_distinct fills who[0..n]; zeroed since gcc -O3 cannot tell */
	size_t who[ARITH_MAX_OPS + 1] = {0};
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
		gen_step(g, 0, "%s: %d %c %d = %d.", o, vals[i], op_sym[ops[i]], ks[i],
			 vals[i + 1]);
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

/* A word chain (shiritori): from a start word, each turn goes to the word of
 * the list that begins with the last letter of the word before. The first
 * letters of a question's words are all different, so every turn has one
 * answer. The direct answer needs LETTERS_MIN_TURNS..LETTERS_MAX_TURNS such
 * look-ups in a row, more than a small model does in one step; a step of the
 * explanation is one look-up ("goat ends in t: tree."): the last letter of
 * the word it starts with, and the word of the list that begins with it.
 * Knobs: the turns, LETTERS_EXTRA words off the chain, and the word list. */
#define LETTERS_MIN_TURNS 5
#define LETTERS_MAX_TURNS 7
#define LETTERS_EXTRA 2
#define LETTERS_WORDS (LETTERS_MAX_TURNS + 1 + LETTERS_EXTRA)

static const char *const chain_words[] = {
	"apple", "arm",  "ant",  "bell",  "bird",  "boat", "cake", "cat",  "cup",    "desk",
	"dog",   "drum", "egg",  "ear",   "eagle", "fish", "fork", "frog", "goat",   "gift",
	"grape", "hat",  "hen",  "horse", "ink",   "iron", "kite", "king", "lamp",   "leaf",
	"lion",  "map",  "milk", "moon",  "nest",  "net",  "nut",  "owl",  "orange", "pen",
	"pig",   "pot",  "rat",  "rose",  "road",  "sun",  "ship", "star", "tree",   "tent",
	"tiger", "van",  "vest", "wolf",  "web",   "yak",  "yarn",
};
#define N_CHAIN_WORDS (sizeof chain_words / sizeof chain_words[0])

static char last_char(const char *w)
{
	return w[strlen(w) - 1];
}

/* A word that begins with c, or NULL. */
static const char *chain_next(struct rng *r, char c)
{
	size_t n = 0;
	for (size_t i = 0; i < N_CHAIN_WORDS; i++)
		n += chain_words[i][0] == c;
	if (!n)
		return NULL;
	size_t k = pick(r, n);
	for (size_t i = 0; i < N_CHAIN_WORDS; i++)
		if (chain_words[i][0] == c && !k--)
			return chain_words[i];
	return NULL;
}

/* The chain of `turns` turns from a random start into path, its first
 * letters into used; -1 when it would come back or run out of words. */
static int chain_draw(struct rng *r, size_t turns, const char **path, char *used)
{
	path[0] = chain_words[pick(r, N_CHAIN_WORDS)];
	used[0] = path[0][0];
	used[1] = '\0';
	for (size_t i = 0; i < turns; i++) {
		char c = last_char(path[i]);
		if (strchr(used, c))
			return -1;
		path[i + 1] = chain_next(r, c);
		if (!path[i + 1])
			return -1;
		used[i + 1] = c;
		used[i + 2] = '\0';
	}
	return 0;
}

static int letters_make(struct gen *g, struct rng *r)
{
	const char *path[LETTERS_WORDS];
	const char *pool[LETTERS_WORDS];
	char used[LETTERS_WORDS + 1];
	size_t turns = LETTERS_MIN_TURNS + pick(r, LETTERS_MAX_TURNS - LETTERS_MIN_TURNS + 1);
	/* long chains are rarer: draw until one of this length comes up, so
	 * that every length is as frequent as the others */
	int tries = 0;
	while (chain_draw(r, turns, path, used))
		if (++tries == 1000)
			return -1;
	size_t n = turns + 1;
	memcpy(pool, path, n * sizeof *pool);
	/* words off the chain, with first letters of their own */
	for (size_t e = 0; e < LETTERS_EXTRA; e++) {
		const char *w;
		do
			w = chain_words[pick(r, N_CHAIN_WORDS)];
		while (strchr(used, w[0]));
		used[n] = w[0];
		used[n + 1] = '\0';
		pool[n++] = w;
	}
	for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = pick(r, i + 1);
		const char *t = pool[i];
		pool[i] = pool[j];
		pool[j] = t;
	}
	struct buf list;
	buf_init(&list);
	for (size_t i = 0; i < n; i++)
		if ((i && buf_puts(&list, ", ")) || buf_puts(&list, pool[i]))
			g->oom = 1;
	gen_say(g, "Words: %s.", list.data ? list.data : "");
	buf_release(&list);
	gen_say(g,
		"Start with %s and take %zu turns: each word starts with the last letter of "
		"the one before.",
		path[0], turns);
	gen_say(g, "Which word is last?");

	/* the mistake: one turn too few, a miscount of the turns */
	for (size_t i = 0; i < turns; i++) {
		gen_step(g, 0, "%s ends in %c: %s.", path[i], last_char(path[i]), path[i + 1]);
		if (i + 1 < turns)
			gen_step(g, 1, "%s ends in %c: %s.", path[i], last_char(path[i]),
				 path[i + 1]);
	}
	g->it->answer = gen_format(g, "%s", path[turns]);
	g->it->distractor = gen_format(g, "%s", path[turns - 1]);
	return 0;
}

/* ------------------------------------------------------------------- dial */

/* Knobs: DIAL_MIN..DIAL_MAX people, each turns the dial one place on
 * (red, green, blue, red, ...) or does not, with even odds. The answer is
 * the count of turns modulo 3, which, like the coin's parity, a small model
 * cannot read off the question in one step; each step of the explanation
 * only moves the previous colour on or keeps it. */
#define DIAL_MIN 6
#define DIAL_MAX 8

static const char *const dial_colours[] = {"red", "green", "blue"};

static void dial_make(struct gen *g, struct rng *r)
{
	size_t who[DIAL_MAX];
	size_t n = DIAL_MIN + pick(r, DIAL_MAX - DIAL_MIN + 1);
	pick_distinct(r, N_PEOPLE, n, who);
	int turns[DIAL_MAX];
	size_t start = pick(r, 3);
	gen_say(g, "The dial points to %s.", dial_colours[start]);
	for (size_t i = 0; i < n; i++) {
		turns[i] = (int)pick(r, 2);
		gen_say(g, "%s %s.", people[who[i]].name, turns[i] ? "turns it" : "does not");
	}
	gen_say(g, "Where does it point now?");

	/* the mistake: one person's action read the wrong way round */
	size_t bad = pick(r, n);
	size_t at = start, wat = start;
	for (size_t i = 0; i < n; i++) {
		const char *name = people[who[i]].name;
		const char *verb = turns[i] ? "turns" : "does not";
		at = (at + (size_t)turns[i]) % 3;
		wat = (wat + (size_t)(turns[i] ^ (i == bad))) % 3;
		gen_step(g, 0, "%s %s: %s.", name, verb, dial_colours[at]);
		gen_step(g, 1, "%s %s: %s.", name, verb, dial_colours[wat]);
	}
	g->it->answer = gen_format(g, "%s", dial_colours[at]);
	g->it->distractor = gen_format(g, "%s", dial_colours[wat]);
}

/* ----------------------------------------------------------- generation */

int sample_item_make(const char *task, struct rng *r, struct sample_item *it, char *err)
{
	const struct sample_task_info *ti = sample_task_info(task);
	if (!ti) {
		util_err(err, "unknown task '%s': try arith, coin, letters or dial",
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
			dial_make(&g, r);
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
			util_err(err,
				 "invalid split sizes '%s': expected TRAIN/DEV/TEST, "
				 "e.g. 2000/200/500",
				 text ? text : "");
			return MENTOR_EUSAGE;
		}
		p = end ? end + 1 : p + len;
	}
	if ((uint64_t)v[0] + v[1] + v[2] > SAMPLE_MAX_ITEMS) {
		util_err(err, "invalid split sizes '%s': at most %d items", text, SAMPLE_MAX_ITEMS);
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
		util_err(err, "unknown task '%s': try arith, coin, letters or dial",
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

int sample_write(const char *task, uint64_t seed, const struct sample_split_plan *plan, FILE *out,
		 char *err)
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
