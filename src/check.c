/* check: recompute the arithmetic written in an explanation, find operands
 * that come from nowhere, see whether the stated answer is the last result,
 * and compare the text with a solution trace. The text is read once into a
 * token array (numbers, operators, '=', parentheses, breaks); every '=' then
 * takes the longest expression on each side within a bounded window, so the
 * whole check stays linear in the text. */
#include "mentor/check.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens on either side of '=' that one expression may span. */
#define EXPR_WINDOW 64
/* Parenthesis nesting followed. */
#define MAX_DEPTH 16
/* Largest magnitude checked: beyond it doubles no longer hold every integer. */
#define MAX_EXACT 1e15
/* Longest unit word skipped between a number and an operator, in bytes. */
#define MAX_UNIT 32

/* ------------------------------------------------------------ characters */

enum cls {
	C_SPACE,
	C_DIGIT,
	C_OP,
	C_EQ,
	C_LP,
	C_RP,
	C_DOT,
	C_COMMA,
	C_CUR,
	C_PCT,
	C_LETTER,
	C_PUNCT
};

/* Class of a code point; *aux gets the digit value or the canonical
 * operator ('+', '-', '*', '/'). */
static int classify(uint32_t c, int *aux)
{
	*aux = 0;
	if (c >= '0' && c <= '9') {
		*aux = (int)(c - '0');
		return C_DIGIT;
	}
	if (c >= 0xFF10 && c <= 0xFF19) {
		*aux = (int)(c - 0xFF10);
		return C_DIGIT;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return C_LETTER;
	switch (c) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case '\f':
	case '\v':
	case 0xA0:
	case 0x3000: return C_SPACE;
	case '+':
	case 0xFF0B: *aux = '+'; return C_OP;
	case '-':
	case 0x2212:
	case 0x2013:
	case 0xFF0D: *aux = '-'; return C_OP;
	case '*':
	case 0xD7:
	case 0xB7:
	case 0x22C5:
	case 0x2217:
	case 0xFF0A: *aux = '*'; return C_OP;
	case '/':
	case 0xF7:
	case 0x2215:
	case 0xFF0F: *aux = '/'; return C_OP;
	case '=':
	case 0xFF1D:
	case 0x2248: return C_EQ;
	case '(':
	case 0xFF08: return C_LP;
	case ')':
	case 0xFF09: return C_RP;
	case '.':
	case 0xFF0E: return C_DOT;
	case ',': return C_COMMA;
	case '$':
	case 0xA3:
	case 0xA5:
	case 0x20AC:
	case 0xFFE5: return C_CUR;
	case '%':
	case 0xFF05: return C_PCT;
	default: break;
	}
	if (c < 0xC0 || c == 0xFFFD || (c >= 0x2000 && c <= 0x2BFF) ||
	    (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
	    (c >= 0xFF00 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
	    (c >= 0xFF5B && c <= 0xFF65) || c >= 0xFFF0)
		return C_PUNCT;
	return C_LETTER;
}

/* Decode at s[i] (i < n): byte length, code point in *c, class returned. */
static int at(const char *s, size_t n, size_t i, size_t *len, int *aux)
{
	uint32_t c;
	*len = (size_t)util_utf8_decode((const unsigned char *)s + i, n - i, &c);
	return classify(c, aux);
}

static int cls_at(const char *s, size_t n, size_t i)
{
	size_t l;
	int aux;
	return i < n ? at(s, n, i, &l, &aux) : -1;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
	size_t l;
	int aux;
	while (i < n && at(s, n, i, &l, &aux) == C_SPACE)
		i += l;
	return i;
}

/* ---------------------------------------------------------------- tokens */

enum kind { K_NUM, K_OP, K_EQ, K_LP, K_RP, K_BRK };

struct tok {
	size_t start, end;
	double value;        /* K_NUM */
	int decimals;        /* K_NUM: digits written after the point */
	unsigned char kind;  /* enum kind */
	unsigned char op;    /* K_OP: '+', '-', '*', '/' */
	unsigned char pct;   /* K_NUM followed by a percent sign */
	unsigned char tight; /* K_OP: the next token starts right after it */
	unsigned char unit;  /* K_NUM: a word after it was read as its unit */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

static int toks_push(struct toks *t, const struct tok *k)
{
	if (k->kind == K_BRK && t->n && t->v[t->n - 1].kind == K_BRK) {
		t->v[t->n - 1].end = k->end;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64, bytes;
		if (util_mul_size(cap, sizeof *t->v, &bytes))
			return MENTOR_ENOMEM;
		struct tok *v = realloc(t->v, bytes);
		if (!v)
			return MENTOR_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *k;
	return 0;
}

/* 1 when s[i..) holds exactly three digits then no further digit. */
static int three_digits(const char *s, size_t n, size_t i)
{
	for (int k = 0; k < 3; k++) {
		size_t l;
		int aux;
		if (i >= n || at(s, n, i, &l, &aux) != C_DIGIT)
			return 0;
		i += l;
	}
	return cls_at(s, n, i) != C_DIGIT;
}

static int is_percent_word(const char *w, size_t n)
{
	static const char pw[] = "\xE3\x83\x91\xE3\x83\xBC\xE3\x82\xBB\xE3\x83\xB3\xE3\x83\x88";
	if (n == 7) {
		const char *p = "percent";
		for (size_t i = 0; i < 7; i++)
			if ((w[i] | 0x20) != p[i])
				return 0;
		return 1;
	}
	return n == sizeof pw - 1 && !memcmp(w, pw, n);
}

/* Scan the number starting at s[i] (a digit, or a currency sign before one);
 * fill k and return the offset after it and its unit, when the unit is
 * followed by something that continues an expression. */
static size_t scan_number(const char *s, size_t n, size_t i, struct tok *k)
{
	size_t l;
	int d;
	memset(k, 0, sizeof *k);
	k->kind = K_NUM;
	k->start = i;
	if (at(s, n, i, &l, &d) == C_CUR)
		i += l;
	double ip = 0;
	size_t group = 0, groups = 0;
	while (i < n) {
		int c = at(s, n, i, &l, &d);
		if (c == C_DIGIT) {
			ip = ip * 10 + d;
			group++;
			i += l;
		} else if (c == C_COMMA && (groups ? group == 3 : group <= 3) &&
			   three_digits(s, n, i + l)) {
			i += l;
			group = 0;
			groups++;
		} else {
			break;
		}
	}
	double fp = 0, scale = 1;
	int dec = 0;
	if (i < n && at(s, n, i, &l, &d) == C_DOT && cls_at(s, n, i + l) == C_DIGIT) {
		i += l;
		while (i < n && at(s, n, i, &l, &d) == C_DIGIT) {
			if (dec < 17) {
				fp = fp * 10 + d;
				scale *= 10;
			}
			if (dec < 1000)
				dec++;
			i += l;
		}
	}
	k->value = ip + fp / scale;
	k->decimals = dec > 15 ? 15 : dec;
	size_t j = skip_space(s, n, i);
	if (j < n && at(s, n, j, &l, &d) == C_PCT) {
		k->pct = 1;
		i = j + l;
	}
	k->end = i;
	/* A unit word ("apples", "分", "percent") between the number and an
	 * operator belongs to the number. */
	j = skip_space(s, n, i);
	size_t w = j;
	while (w < n && w - j <= MAX_UNIT && at(s, n, w, &l, &d) == C_LETTER)
		w += l;
	if (w == j || w - j > MAX_UNIT)
		return i;
	if (is_percent_word(s + j, w - j))
		k->pct = 1;
	size_t after = skip_space(s, n, w);
	int c = cls_at(s, n, after);
	if (c == C_OP || c == C_EQ || c == C_RP) {
		k->unit = 1;
		return w;
	}
	return i;
}

/* 'x' standing alone between a number and a number is a times sign. */
static int times_x(const char *s, size_t n, size_t i, const struct toks *t)
{
	if (s[i] != 'x' || !t->n || t->v[t->n - 1].kind != K_NUM)
		return 0;
	if (cls_at(s, n, i + 1) == C_LETTER)
		return 0;
	int c = cls_at(s, n, skip_space(s, n, i + 1));
	return c == C_DIGIT || c == C_LP || c == C_CUR;
}

static int tokenise(const char *s, size_t n, struct toks *t)
{
	size_t i = 0;
	while (i < n) {
		size_t l;
		int aux;
		int c = at(s, n, i, &l, &aux);
		struct tok k;
		memset(&k, 0, sizeof k);
		k.start = i;
		if (c == C_SPACE) {
			i += l;
			continue;
		}
		if (c == C_DIGIT || (c == C_CUR && cls_at(s, n, i + l) == C_DIGIT)) {
			i = scan_number(s, n, i, &k);
		} else if (c == C_OP || (c == C_LETTER && times_x(s, n, i, t))) {
			k.kind = K_OP;
			k.op = (unsigned char)(c == C_OP ? aux : '*');
			i += l;
			int nc = cls_at(s, n, i);
			k.tight = nc == C_DIGIT || nc == C_CUR || nc == C_LP;
		} else if (c == C_EQ || c == C_LP || c == C_RP) {
			k.kind = c == C_EQ ? K_EQ : c == C_LP ? K_LP : K_RP;
			i += l;
		} else if (c == C_LETTER) {
			k.kind = K_BRK;
			while (i < n && at(s, n, i, &l, &aux) == C_LETTER)
				i += l;
		} else {
			k.kind = K_BRK;
			i += l;
		}
		if (k.kind != K_NUM)
			k.end = i;
		if (toks_push(t, &k))
			return MENTOR_ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ expressions */

struct eval {
	const struct tok *t;
	size_t pos, end;
	int pct;   /* read percentages as hundredths */
	int binop; /* a binary operator was seen */
	int div0;
	int huge; /* a number or a partial result beyond MAX_EXACT */
	int depth;
};

static int parse_sum(struct eval *e, double *v);

static int parse_atom(struct eval *e, double *v)
{
	if (e->pos >= e->end)
		return -1;
	const struct tok *k = &e->t[e->pos];
	if (k->kind == K_OP && (k->op == '-' || k->op == '+') && k->tight && e->pos + 1 < e->end &&
	    e->t[e->pos + 1].kind != K_OP) {
		e->pos++;
		if (parse_atom(e, v))
			return -1;
		if (k->op == '-')
			*v = -*v;
		return 0;
	}
	if (k->kind == K_NUM) {
		e->pos++;
		*v = e->pct && k->pct ? k->value / 100 : k->value;
		if (!isfinite(k->value) || fabs(k->value) >= MAX_EXACT)
			e->huge = 1;
		return 0;
	}
	if (k->kind == K_LP && e->depth < MAX_DEPTH) {
		e->pos++;
		e->depth++;
		if (parse_sum(e, v) || e->pos >= e->end || e->t[e->pos].kind != K_RP)
			return -1;
		e->depth--;
		e->pos++;
		return 0;
	}
	return -1;
}

static int parse_product(struct eval *e, double *v)
{
	if (parse_atom(e, v))
		return -1;
	while (e->pos < e->end && e->t[e->pos].kind == K_OP &&
	       (e->t[e->pos].op == '*' || e->t[e->pos].op == '/')) {
		int op = e->t[e->pos++].op;
		double r;
		if (parse_atom(e, &r))
			return -1;
		e->binop = 1;
		if (op == '*') {
			*v *= r;
		} else if (r == 0) {
			e->div0 = 1;
			*v = 0;
		} else {
			*v /= r;
		}
		if (!isfinite(*v) || fabs(*v) >= MAX_EXACT)
			e->huge = 1;
	}
	return 0;
}

static int parse_sum(struct eval *e, double *v)
{
	if (parse_product(e, v))
		return -1;
	while (e->pos < e->end && e->t[e->pos].kind == K_OP &&
	       (e->t[e->pos].op == '+' || e->t[e->pos].op == '-')) {
		int op = e->t[e->pos++].op;
		double r;
		if (parse_product(e, &r))
			return -1;
		e->binop = 1;
		*v = op == '+' ? *v + r : *v - r;
		if (!isfinite(*v) || fabs(*v) >= MAX_EXACT)
			e->huge = 1;
	}
	return 0;
}

/* Evaluate t[a..b) as one whole expression. 0 and *e filled, or -1. */
static int eval_range(const struct tok *t, size_t a, size_t b, int pct, struct eval *e, double *v)
{
	memset(e, 0, sizeof *e);
	e->t = t;
	e->pos = a;
	e->end = b;
	e->pct = pct;
	if (a >= b || parse_sum(e, v) || e->pos != b)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ value sets */

/* Numbers compared to a millionth: a hash set of rounded values. */
struct vset {
	int64_t *keys;
	unsigned char *used;
	size_t cap, n;
};

static int vkey(double v, int64_t *key)
{
	if (!isfinite(v))
		return -1;
	if (fabs(v) < 1e12) {
		*key = (int64_t)llround(v * 1e6);
	} else {
		uint64_t u;
		memcpy(&u, &v, sizeof u);
		*key = (int64_t)(u >> 1) | INT64_MIN; /* beyond the rounded keys' range */
	}
	return 0;
}

static size_t vslot(const struct vset *s, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	size_t i = (size_t)h & (s->cap - 1);
	while (s->used[i] && s->keys[i] != key)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int vset_has(const struct vset *s, double v)
{
	int64_t key;
	if (!s->cap || vkey(v, &key))
		return 0;
	return s->used[vslot(s, key)];
}

static int vset_add(struct vset *s, double v)
{
	int64_t key;
	if (vkey(v, &key))
		return 0;
	if (2 * (s->n + 1) > s->cap) {
		struct vset g = {NULL, NULL, s->cap ? s->cap * 2 : 64, 0};
		g.keys = calloc(g.cap, sizeof *g.keys);
		g.used = calloc(g.cap, 1);
		if (!g.keys || !g.used) {
			free(g.keys);
			free(g.used);
			return MENTOR_ENOMEM;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (s->used[i]) {
				size_t j = vslot(&g, s->keys[i]);
				g.used[j] = 1;
				g.keys[j] = s->keys[i];
				g.n++;
			}
		}
		free(s->keys);
		free(s->used);
		*s = g;
	}
	size_t i = vslot(s, key);
	if (!s->used[i]) {
		s->used[i] = 1;
		s->keys[i] = key;
		s->n++;
	}
	return 0;
}

static void vset_release(struct vset *s)
{
	free(s->keys);
	free(s->used);
	memset(s, 0, sizeof *s);
}

/* Conversions a reader needs no question for: percent, time, doubling. */
static int small_constant(double v)
{
	static const double k[] = {0, 1, 2, 10, 100, 1000, 60, 3600, 24, 7, 12, 365};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		if (v == k[i])
			return 1;
	return 0;
}

/* English number words a question may use instead of digits. */
static const struct {
	const char *w;
	double v;
} number_words[] = {
	{"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},        {"five", 5},
	{"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},        {"ten", 10},
	{"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},   {"fifteen", 15},
	{"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},   {"twenty", 20},
	{"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},      {"seventy", 70},
	{"eighty", 80},  {"ninety", 90},    {"hundred", 100}, {"thousand", 1000}, {"dozen", 12},
	{"twice", 2},    {"double", 2},     {"triple", 3},    {"thrice", 3},      {"half", 2},
	{"quarter", 4},  {"quadruple", 4},
};

static int word_eq(const char *w, size_t n, const char *lit)
{
	size_t i = 0;
	for (; i < n && lit[i]; i++)
		if ((w[i] | 0x20) != lit[i])
			return 0;
	return i == n && !lit[i];
}

/* Every number the question gives, with hundredths for percentages. */
static int question_numbers(const char *q, struct vset *set)
{
	if (!q)
		return 0;
	size_t n = strlen(q);
	struct toks t = {NULL, 0, 0};
	int rc = tokenise(q, n, &t);
	for (size_t i = 0; !rc && i < t.n; i++) {
		if (t.v[i].kind != K_NUM)
			continue;
		rc = vset_add(set, t.v[i].value);
		if (!rc && t.v[i].pct)
			rc = vset_add(set, t.v[i].value / 100);
	}
	free(t.v);
	for (size_t i = 0; !rc && i < n;) {
		if (!((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'z')) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && (q[j] | 0x20) >= 'a' && (q[j] | 0x20) <= 'z')
			j++;
		for (size_t k = 0; k < sizeof number_words / sizeof number_words[0]; k++)
			if (word_eq(q + i, j - i, number_words[k].w))
				rc = vset_add(set, number_words[k].v);
		i = j;
	}
	return rc;
}

/* ----------------------------------------------------------------- steps */

static int same_value(double a, double b, int decimals)
{
	if (!isfinite(a) || !isfinite(b))
		return 0;
	double tol = 0.5 * pow(10, -decimals);
	double m = fmax(1, fmax(fabs(a), fabs(b)));
	return fabs(a - b) <= tol + 1e-9 * m;
}

/* Decimals written on a right-hand side: those of its one number, or many
 * when it is an expression. */
static int written_decimals(const struct tok *t, size_t a, size_t b)
{
	int nums = 0, dec = 15;
	for (size_t i = a; i < b; i++) {
		if (t[i].kind == K_NUM) {
			nums++;
			dec = t[i].decimals;
		}
	}
	return nums == 1 ? dec : 15;
}

static int has_pct(const struct tok *t, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (t[i].kind == K_NUM && t[i].pct)
			return 1;
	return 0;
}

struct checker {
	const char *text;
	struct toks t;
	struct vset question, derived;
	struct check_result *res;
	size_t checked_upto; /* tokens below this had their support checked */
	int has_question;
	size_t after_last; /* token after the last step */
};

static int add_unsupported(struct checker *c, const struct tok *k)
{
	struct check_result *r = c->res;
	if (r->n_unsupported_stored < CHECK_MAX_STORED) {
		if (!r->unsupported) {
			r->unsupported = malloc(CHECK_MAX_STORED * sizeof *r->unsupported);
			if (!r->unsupported)
				return MENTOR_ENOMEM;
		}
		struct check_number *u = &r->unsupported[r->n_unsupported_stored++];
		u->start = k->start;
		u->end = k->end;
		u->value = k->value;
	}
	r->n_unsupported++;
	return 0;
}

/* Check the operands of t[a..b) not seen before; *any set when one is
 * unsupported. */
static int check_support(struct checker *c, size_t a, size_t b, int *any)
{
	if (a < c->checked_upto)
		a = c->checked_upto;
	for (size_t i = a; i < b; i++) {
		const struct tok *k = &c->t.v[i];
		if (k->kind != K_NUM || small_constant(k->value) ||
		    vset_has(&c->question, k->value) || vset_has(&c->derived, k->value))
			continue;
		*any = 1;
		if (add_unsupported(c, k))
			return MENTOR_ENOMEM;
	}
	if (b > c->checked_upto)
		c->checked_upto = b;
	return 0;
}

static int add_step(struct checker *c, const struct check_step *s)
{
	struct check_result *r = c->res;
	if (s->status == CHECK_STEP_WRONG) {
		if (r->first_bad < 0) {
			r->first_bad = (long)r->n_steps;
			r->bad = *s;
		}
		r->n_wrong++;
	} else if (s->status == CHECK_STEP_UNCHECKED) {
		r->n_unchecked++;
	} else {
		r->n_valid++;
	}
	r->n_steps++;
	if (r->n_stored < CHECK_MAX_STORED) {
		if (!r->steps) {
			r->steps = malloc(CHECK_MAX_STORED * sizeof *r->steps);
			if (!r->steps)
				return MENTOR_ENOMEM;
		}
		r->steps[r->n_stored++] = *s;
	}
	return 0;
}

/* Bounds of the expression-bearing tokens around '=' at e: [lo, e) and
 * (e, hi), not crossing a break or another '='. */
static void window(const struct toks *t, size_t e, size_t *lo, size_t *hi)
{
	size_t a = e;
	while (a > 0 && e - a < EXPR_WINDOW && t->v[a - 1].kind != K_BRK &&
	       t->v[a - 1].kind != K_EQ)
		a--;
	size_t b = e + 1;
	while (b < t->n && b - e - 1 < EXPR_WINDOW && t->v[b].kind != K_BRK && t->v[b].kind != K_EQ)
		b++;
	*lo = a;
	*hi = b;
}

/* "she gives 3 away - 10 - 3 = 7": a word read as a unit may have been
 * prose. When the longest left side t[*a..e) computes to something else
 * than rv (written with dec decimals), a shorter one that starts after such a
 * word and its operator and computes to rv is the reading taken. */
static void shorter_reading(const struct tok *t, size_t e, double rv, int dec, size_t *a,
			    struct eval *le, double *lv)
{
	if (!le->binop || le->huge || le->div0 || same_value(*lv, rv, dec))
		return;
	for (size_t s = *a + 2; s < e; s++) {
		struct eval x;
		double v;
		if (t[s - 1].kind != K_OP || t[s - 2].kind != K_NUM || !t[s - 2].unit)
			continue;
		if (!eval_range(t, s, e, 0, &x, &v) && x.binop && same_value(v, rv, dec)) {
			*a = s;
			*le = x;
			*lv = v;
			return;
		}
	}
}

/* The step (or conversion) around the '=' at token e. */
static int check_eq(struct checker *c, size_t e)
{
	const struct tok *t = c->t.v;
	size_t lo, hi, a, b;
	window(&c->t, e, &lo, &hi);
	struct eval le, re;
	double lv = 0, rv = 0;
	for (b = hi; b > e + 1; b--)
		if (!eval_range(t, e + 1, b, 0, &re, &rv))
			break;
	for (a = lo; a < e; a++)
		if (!eval_range(t, a, e, 0, &le, &lv))
			break;
	if (b == e + 1)
		return 0; /* nothing readable on the right */
	if (a == e || !le.binop)
		return vset_add(&c->derived, rv); /* "7 hours = 420 minutes" */
	struct check_step s;
	memset(&s, 0, sizeof s);
	s.decimals = written_decimals(t, e + 1, b);
	int dec = s.decimals;
	shorter_reading(t, e, rv, dec, &a, &le, &lv);
	s.start = t[a].start;
	s.end = t[b - 1].end;
	s.rhs_start = t[e + 1].start;
	s.written = rv;
	s.expected = le.div0 ? NAN : lv;
	if (le.huge || re.huge) {
		s.status = CHECK_STEP_UNCHECKED;
	} else {
		int ok = !le.div0 && !re.div0 && same_value(lv, rv, dec);
		if (!ok && has_pct(t, a, b)) {
			/* "50% x 200 = 100": percent read as hundredths. */
			struct eval pl, pr;
			double plv, prv;
			if (!eval_range(t, a, e, 1, &pl, &plv) &&
			    !eval_range(t, e + 1, b, 1, &pr, &prv) && !pl.div0 && !pr.div0)
				ok = same_value(plv, prv, dec);
		}
		s.status = ok ? CHECK_STEP_VALID : CHECK_STEP_WRONG;
	}
	int unsupported = 0;
	if (!c->has_question) {
		/* Nothing to compare the operands with. */
	} else if (check_support(c, a, e, &unsupported) ||
		   (re.binop && check_support(c, e + 1, b, &unsupported)))
		return MENTOR_ENOMEM;
	if (unsupported && s.status == CHECK_STEP_VALID)
		s.status = CHECK_STEP_UNSUPPORTED;
	if (add_step(c, &s))
		return MENTOR_ENOMEM;
	c->after_last = b;
	c->res->has_final = 1;
	c->res->final_value = rv;
	c->res->final_decimals = s.decimals;
	return vset_add(&c->derived, rv);
}

/* The stated answer as a number: one number, perhaps signed. */
static int answer_number(const char *answer, double *v, int *dec)
{
	if (!answer)
		return -1;
	struct toks t = {NULL, 0, 0};
	int ok = -1;
	if (!tokenise(answer, strlen(answer), &t)) {
		size_t i = 0;
		int neg = 0;
		if (t.n == 2 && t.v[0].kind == K_OP && t.v[0].op == '-') {
			neg = 1;
			i = 1;
		}
		if (t.n == i + 1 && t.v[i].kind == K_NUM && isfinite(t.v[i].value)) {
			*v = neg ? -t.v[i].value : t.v[i].value;
			*dec = t.v[i].decimals;
			ok = 0;
		}
	}
	free(t.v);
	return ok;
}

/* A break that ends a sentence. */
static int ends_sentence(const char *text, const struct tok *k)
{
	for (size_t i = k->start; i < k->end; i++) {
		char ch = text[i];
		if (ch == '.' || ch == '!' || ch == '?')
			return 1;
		/* 。 ！ ？ */
		if (i + 2 < k->end && (unsigned char)ch == 0xE3 && text[i + 1] == '\x80' &&
		    text[i + 2] == '\x82')
			return 1;
		if (i + 2 < k->end && (unsigned char)ch == 0xEF && text[i + 1] == '\xBC' &&
		    (text[i + 2] == '\x81' || text[i + 2] == '\x9F'))
			return 1;
	}
	return 0;
}

/* Does the stated answer follow? After steps it must be the last result, or
 * that result written as a percentage later ("0.04 なので、4%"); without
 * steps, one of the numbers of the last sentence that states any. */
static void follows(struct checker *c, const char *answer)
{
	struct check_result *r = c->res;
	const struct tok *t = c->t.v;
	double av = 0;
	int adec = 0;
	size_t i;
	int have_answer = !answer_number(answer, &av, &adec);
	if (r->n_steps) {
		for (i = c->after_last; i < c->t.n; i++) {
			if (t[i].kind == K_NUM && t[i].pct &&
			    same_value(t[i].value / 100, r->final_value, t[i].decimals + 2)) {
				r->final_value = t[i].value;
				r->final_decimals = t[i].decimals;
				break;
			}
		}
		if (have_answer) {
			/* Compare at the coarser of the two written precisions. */
			int dec = adec < r->final_decimals ? adec : r->final_decimals;
			r->answer_follows = same_value(av, r->final_value, dec);
		}
		return;
	}
	for (i = c->t.n; i-- > 0;)
		if (t[i].kind == K_NUM && isfinite(t[i].value))
			break;
	if (i >= c->t.n)
		return;
	r->has_final = 1;
	r->final_value = t[i].value;
	r->final_decimals = t[i].decimals;
	if (!have_answer)
		return;
	r->answer_follows = 0;
	for (size_t j = i + 1; j-- > 0;) {
		if (t[j].kind == K_BRK && ends_sentence(c->text, &t[j]))
			break;
		int dec = adec < t[j].decimals ? adec : t[j].decimals;
		if (t[j].kind == K_NUM && same_value(av, t[j].value, dec)) {
			r->answer_follows = 1;
			r->final_value = t[j].value;
			r->final_decimals = t[j].decimals;
			return;
		}
	}
}

/* ----------------------------------------------------------------- trace */

/* Text folded for comparison: lowercase ASCII, full-width digits and letters
 * as ASCII, operators as words of their own, every other punctuation, quote
 * and white space one separator; " a b c " with a space at both ends. */
static int fold(const char *s, size_t n, struct buf *b)
{
	int rc = buf_putc(b, ' ');
	int pending = 0;
	for (size_t i = 0; !rc && i < n;) {
		uint32_t c;
		size_t l = (size_t)util_utf8_decode((const unsigned char *)s + i, n - i, &c);
		int aux;
		int k = classify(c, &aux);
		if (c >= 0xFF21 && c <= 0xFF3A)
			c = c - 0xFF21 + 'a';
		else if (c >= 0xFF41 && c <= 0xFF5A)
			c = c - 0xFF41 + 'a';
		else if (k == C_DIGIT)
			c = (uint32_t)('0' + aux);
		else if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		int space = b->data[b->len - 1] == ' ';
		if (k == C_DIGIT || k == C_LETTER) {
			if (pending && !space)
				rc = buf_putc(b, ' ');
			pending = 0;
			if (!rc)
				rc = c < 0x80 ? buf_putc(b, (int)c) : buf_append(b, s + i, l);
		} else if (k == C_OP || k == C_EQ) {
			char w[4] = {' ', (char)(k == C_EQ ? '=' : aux), ' ', 0};
			rc = buf_puts(b, space ? w + 1 : w);
			pending = 0;
		} else {
			pending = 1;
		}
		i += l;
	}
	if (!rc && b->data[b->len - 1] != ' ')
		rc = buf_putc(b, ' ');
	return rc;
}

/* With every step of the trace followed and no number to decide it, the
 * stated answer follows when it is the trace's own (a word, a colour). */
static int trace_answer(const struct check_input *in, const cJSON *j, struct check_result *res)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "answer");
	if (!in->answer || !cJSON_IsString(a) || res->answer_follows != -1)
		return 0;
	struct buf x, y;
	buf_init(&x);
	buf_init(&y);
	int rc = fold(in->answer, strlen(in->answer), &x);
	if (!rc)
		rc = fold(a->valuestring, strlen(a->valuestring), &y);
	if (!rc && x.len > 1)
		res->answer_follows = !strcmp(x.data, y.data);
	buf_release(&x);
	buf_release(&y);
	return rc;
}

/* Where hay holds the start of the folded step in needle, its first two
 * words or more, the longest such start first, while the whole step is not
 * there: the step written with another result or operation ("zoe 4 plus 3 =
 * 7" for "zoe 4 minus 3 = 1"); else NULL. */
static const char *contradiction(const char *hay, const struct buf *needle)
{
	/* needle is " w1 w2 ... wn ": drop the last word, then the next... */
	size_t words = 0;
	for (size_t i = 1; i < needle->len; i++)
		words += needle->data[i] == ' ';
	if (words < 3)
		return NULL;
	char *prefix = strndup(needle->data, needle->len);
	if (!prefix)
		return NULL;
	const char *h = NULL;
	size_t cut = needle->len - 1;
	for (size_t k = words - 1; k >= 2 && !h; k--) {
		while (prefix[cut - 1] != ' ')
			cut--;
		prefix[cut] = '\0'; /* " w1 ... wk " */
		h = strstr(hay, prefix);
		cut--;
	}
	free(prefix);
	return h;
}

static int check_trace(const struct check_input *in, struct check_result *res)
{
	struct check_trace *tr = &res->trace;
	size_t tl = strlen(in->trace_json);
	if (tl > CHECK_MAX_TRACE)
		return 0;
	cJSON *j = cJSON_ParseWithLength(in->trace_json, tl);
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
	if (!cJSON_IsArray(steps) || !cJSON_GetArraySize(steps)) {
		cJSON_Delete(j);
		return 0;
	}
	struct buf hay, needle;
	buf_init(&hay);
	buf_init(&needle);
	int rc = fold(in->text ? in->text : "", in->text ? in->len : 0, &hay);
	size_t pos = 0, idx = 0, missing = 0;
	const cJSON *s;
	tr->first_diverging = -1;
	cJSON_ArrayForEach(s, steps)
	{
		if (rc)
			break;
		if (!cJSON_IsString(s))
			continue;
		buf_reset(&needle);
		rc = fold(s->valuestring, strlen(s->valuestring), &needle);
		if (rc || needle.len <= 1)
			continue;
		const char *hit = strstr(hay.data + pos, needle.data);
		const char *other = hit ? NULL : contradiction(hay.data + pos, &needle);
		if (other) {
			/* the step's words with another result: a wrong step,
			 * however the rest is worded */
			if (tr->first_diverging < 0)
				tr->first_diverging = (long)idx;
			tr->contradicted++;
			pos = (size_t)(other - hay.data) + 1;
			idx++;
			continue;
		}
		if (hit) {
			/* Leading steps left out (a restated question) are no
			 * departure unless other words took their place; a step
			 * missing after one that matched is. */
			if (missing && (tr->matched || hit > hay.data + pos))
				tr->replaced += missing;
			missing = 0;
			tr->matched++;
			pos = (size_t)(hit - hay.data) + needle.len - 1;
		} else {
			if (tr->first_diverging < 0)
				tr->first_diverging = (long)idx;
			missing++;
		}
		idx++;
	}
	if (missing && (tr->matched || hay.len > pos + 1))
		tr->replaced += missing;
	tr->n_steps = idx;
	tr->present = idx > 0;
	if (!rc && tr->present && tr->matched == idx)
		rc = trace_answer(in, j, res);
	buf_release(&hay);
	buf_release(&needle);
	cJSON_Delete(j);
	return rc ? MENTOR_ENOMEM : 0;
}

/* ------------------------------------------------------------------- api */

static const char *const verdict_names[CHECK_VERDICT_COUNT] = {
	"no-steps",       "valid",
	"wrong-step",     "answer-does-not-follow",
	"trace-diverges", "unsupported-numbers",
};

const char *check_verdict_name(int verdict)
{
	return verdict >= 0 && verdict < CHECK_VERDICT_COUNT ? verdict_names[verdict] : "?";
}

int check_verdict_sound(int verdict)
{
	return verdict == CHECK_VALID || verdict == CHECK_UNSUPPORTED_NUMBERS;
}

void check_result_release(struct check_result *res)
{
	if (!res)
		return;
	free(res->steps);
	free(res->unsupported);
	memset(res, 0, sizeof *res);
	res->first_bad = -1;
	res->answer_follows = -1;
	res->trace.first_diverging = -1;
}

static int decide(const struct check_result *r)
{
	const struct check_trace *tr = &r->trace;
	if (r->n_wrong)
		return CHECK_WRONG_STEP;
	if (r->answer_follows == 0)
		return CHECK_ANSWER_DOES_NOT_FOLLOW;
	/* A trace worded differently throughout says nothing, nor do steps
	 * merely left out; one followed and then left for other words says
	 * where the reasoning parts from it. */
	if (tr->present && ((tr->matched > 0 && tr->replaced > 0) || tr->contradicted > 0))
		return CHECK_TRACE_DIVERGES;
	if (r->n_unsupported)
		return CHECK_UNSUPPORTED_NUMBERS;
	/* without arithmetic, a trace followed step by step is what holds up */
	return r->n_steps || (tr->present && tr->matched == tr->n_steps) ? CHECK_VALID
									 : CHECK_NO_STEPS;
}

int check_explanation(const struct check_input *in, struct check_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	check_result_release(res);
	struct checker c;
	memset(&c, 0, sizeof c);
	c.text = in->text;
	c.res = res;
	c.has_question = in->question != NULL;
	size_t len = in->text ? in->len : 0;
	int rc = tokenise(in->text, len, &c.t);
	if (!rc)
		rc = question_numbers(in->question, &c.question);
	for (size_t i = 0; !rc && i < c.t.n; i++)
		if (c.t.v[i].kind == K_EQ)
			rc = check_eq(&c, i);
	if (!rc)
		follows(&c, in->answer);
	if (!rc && in->trace_json)
		rc = check_trace(in, res);
	free(c.t.v);
	vset_release(&c.question);
	vset_release(&c.derived);
	if (rc)
		return util_err(err, "cannot check explanation: out of memory"), MENTOR_ENOMEM;
	res->verdict = decide(res);
	return 0;
}

/* ---------------------------------------------------------------- summary */

char *check_format_value(double v, int decimals, char *out, size_t cap)
{
	if (!cap)
		return out;
	if (isnan(v)) {
		snprintf(out, cap, "undefined");
		return out;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	double a = fabs(v);
	while (decimals > 0 && a * pow(10, decimals) >= 9e15)
		decimals--;
	if (!(a * pow(10, decimals) < 9e15)) {
		/* Too large for fixed point: exponent form, '.' forced. */
		snprintf(out, cap, "%.6e", v);
		for (char *p = out; *p; p++)
			if (!((*p >= '0' && *p <= '9') || *p == 'e' || *p == '-' || *p == '+' ||
			      *p == 'i' || *p == 'n' || *p == 'f'))
				*p = '.';
		return out;
	}
	long long scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	long long q = llround(a * (double)scale);
	long long ip = q / scale, fp = q % scale;
	int w = snprintf(out, cap, "%s%lld", v < 0 && q ? "-" : "", ip);
	if (fp && w > 0 && (size_t)w < cap) {
		char frac[24];
		snprintf(frac, sizeof frac, "%0*lld", decimals, fp);
		size_t fl = strlen(frac);
		while (fl && frac[fl - 1] == '0')
			frac[--fl] = 0;
		snprintf(out + w, cap - (size_t)w, ".%s", frac);
	}
	return out;
}

/* text[a..b) with white space and control bytes folded to single spaces,
 * cut at a character boundary to fit max bytes. */
static void put_span(struct buf *b, const char *text, size_t len, size_t a, size_t e, size_t max)
{
	if (!text || a >= e || e > len)
		return;
	if (e - a > max) {
		e = a + max;
		while (e > a && ((unsigned char)text[e] & 0xC0) == 0x80)
			e--;
	}
	int space = 0;
	for (size_t i = a; i < e; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch <= ' ' || ch == 0x7F) {
			space = 1;
			continue;
		}
		if (space)
			buf_putc(b, ' ');
		space = 0;
		buf_putc(b, ch);
	}
}

char *check_summary(const struct check_result *r, const char *text, size_t len, char *out,
		    size_t cap)
{
	struct buf b;
	char v[64];
	buf_init(&b);
	if (r->first_bad >= 0) {
		buf_printf(&b, "step %ld wrong: ", r->first_bad + 1);
		put_span(&b, text, len, r->bad.start, r->bad.end, 80);
		if (isnan(r->bad.expected))
			buf_puts(&b, " (division by zero)");
		else
			buf_printf(&b, " (is %s)",
				   check_format_value(r->bad.expected, 4, v, sizeof v));
		if (r->n_wrong > 1)
			buf_printf(&b, ", %zu wrong in all", r->n_wrong);
	} else if (r->n_steps) {
		buf_printf(&b, "steps: %zu of %zu valid", r->n_valid, r->n_steps);
		if (r->n_unchecked)
			buf_printf(&b, ", %zu too large to check", r->n_unchecked);
	} else {
		buf_puts(&b, "no arithmetic steps");
	}
	if (r->answer_follows == 1) {
		buf_puts(&b, ", answer follows");
	} else if (r->answer_follows == 0) {
		buf_printf(&b, ", answer does not follow (%s %s)",
			   r->n_steps ? "last result" : "last number",
			   check_format_value(r->final_value, 6, v, sizeof v));
	}
	if (r->n_unsupported) {
		buf_printf(&b, ", unsupported number%s ", r->n_unsupported > 1 ? "s" : "");
		for (size_t i = 0; i < r->n_unsupported_stored && i < 3; i++)
			buf_printf(&b, "%s%s", i ? ", " : "",
				   check_format_value(r->unsupported[i].value, 6, v, sizeof v));
		if (r->n_unsupported > 3)
			buf_printf(&b, " (%zu in all)", r->n_unsupported);
	}
	if (r->trace.present) {
		buf_printf(&b, "; trace: %zu of %zu steps", r->trace.matched, r->trace.n_steps);
		if (r->trace.first_diverging >= 0)
			buf_printf(&b, ", first differs at step %ld", r->trace.first_diverging + 1);
	}
	if (cap) {
		const char *s = b.data ? b.data : "";
		size_t n = strlen(s);
		if (n >= cap) {
			n = cap - 1;
			while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(out, s, n);
		out[n] = 0;
	}
	buf_release(&b);
	return out;
}
