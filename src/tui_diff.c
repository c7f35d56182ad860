/* tui_diff: a word-level diff of two explanations for the Review screen:
 * the texts are split into words (a wide CJK character is a word of its
 * own, so Japanese diffs line up by character), aligned by their longest
 * common subsequence, and laid out as lines whose changes carry markers
 * ([-gone-] {+new+}) as well as roles, so the diff reads without colour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui_review.h"

struct word {
	const char *s;
	size_t n;
	int gap;
};

struct words {
	struct word *v;
	size_t n, cap;
};

static void words_add(struct words *w, const char *s, size_t n, int gap)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64, bytes;
		if (util_mul_size(cap, sizeof *w->v, &bytes))
			util_oom();
		struct word *v = realloc(w->v, bytes);
		if (!v)
			util_oom();
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct word){s, n, gap};
}

static int is_sep(const char *s, const struct tui_glyph *g)
{
	unsigned char c = (unsigned char)s[g->off];
	if (g->len == 1 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
		return 1;
	/* U+3000 IDEOGRAPHIC SPACE */
	return g->len == 3 && !memcmp(s + g->off, "\xe3\x80\x80", 3);
}

static void split_words(struct words *w, const char *s, size_t n, int utf8)
{
	size_t pos = 0, start = 0;
	int in_word = 0, gap = 0;
	struct tui_glyph g;
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0) {
		if (is_sep(s, &g)) {
			if (in_word)
				words_add(w, s + start, g.off - start, gap);
			in_word = 0;
			gap = 1;
			continue;
		}
		if (g.wide) {
			if (in_word)
				words_add(w, s + start, g.off - start, gap), gap = 0;
			words_add(w, s + g.off, g.len, gap);
			in_word = 0;
			gap = 0;
			continue;
		}
		if (!in_word) {
			in_word = 1;
			start = g.off;
		}
	}
	if (in_word)
		words_add(w, s + start, n - start, gap);
}

static int same(const struct word *a, const struct word *b)
{
	return a->n == b->n && !memcmp(a->s, b->s, a->n);
}

void tui_diff_init(struct tui_diff *d)
{
	memset(d, 0, sizeof *d);
}

void tui_diff_release(struct tui_diff *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof *d);
}

static void op_add(struct tui_diff *d, int op, const struct word *w)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64, bytes;
		if (util_mul_size(cap, sizeof *d->v, &bytes))
			util_oom();
		struct tui_diff_op *v = realloc(d->v, bytes);
		if (!v)
			util_oom();
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = (struct tui_diff_op){op, w->s, w->n, w->gap};
}

/* LCS of a[0..n) and b[0..m) (both at most TUI_DIFF_MAX_WORDS), emitted in
 * order. The table holds suffix lengths so the walk goes forwards. */
static void lcs(struct tui_diff *d, const struct word *a, size_t n, const struct word *b, size_t m)
{
	size_t cells, bytes;
	if (util_mul_size(n + 1, m + 1, &cells) || util_mul_size(cells, sizeof(uint16_t), &bytes))
		util_oom();
	uint16_t *t = calloc(cells, sizeof *t);
	if (!t)
		util_oom();
#define T(i, j) t[(size_t)(i) * (m + 1) + (size_t)(j)]
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;) {
			if (same(&a[i], &b[j]))
				T(i, j) = (uint16_t)(T(i + 1, j + 1) + 1);
			else
				T(i, j) = T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
		}
	size_t i = 0, j = 0;
	while (i < n && j < m) {
		if (same(&a[i], &b[j])) {
			op_add(d, TUI_DIFF_SAME, &b[j]);
			i++, j++;
		} else if (T(i + 1, j) >= T(i, j + 1)) {
			op_add(d, TUI_DIFF_DEL, &a[i++]);
		} else {
			op_add(d, TUI_DIFF_INS, &b[j++]);
		}
	}
#undef T
	while (i < n)
		op_add(d, TUI_DIFF_DEL, &a[i++]);
	while (j < m)
		op_add(d, TUI_DIFF_INS, &b[j++]);
	free(t);
}

void tui_diff_words(struct tui_diff *d, const char *a, size_t na, const char *b, size_t nb,
		    int utf8)
{
	struct words wa = {0}, wb = {0};
	split_words(&wa, a ? a : "", a ? na : 0, utf8);
	split_words(&wb, b ? b : "", b ? nb : 0, utf8);
	size_t pre = 0;
	while (pre < wa.n && pre < wb.n && same(&wa.v[pre], &wb.v[pre]))
		pre++;
	size_t suf = 0;
	while (suf < wa.n - pre && suf < wb.n - pre &&
	       same(&wa.v[wa.n - 1 - suf], &wb.v[wb.n - 1 - suf]))
		suf++;
	for (size_t i = 0; i < pre; i++)
		op_add(d, TUI_DIFF_SAME, &wb.v[i]);
	size_t n = wa.n - pre - suf, m = wb.n - pre - suf;
	if (n > TUI_DIFF_MAX_WORDS || m > TUI_DIFF_MAX_WORDS) {
		d->capped = 1;
		for (size_t i = 0; i < n; i++)
			op_add(d, TUI_DIFF_DEL, &wa.v[pre + i]);
		for (size_t j = 0; j < m; j++)
			op_add(d, TUI_DIFF_INS, &wb.v[pre + j]);
	} else {
		lcs(d, wa.v + pre, n, wb.v + pre, m);
	}
	for (size_t i = wb.n - suf; i < wb.n; i++)
		op_add(d, TUI_DIFF_SAME, &wb.v[i]);
	free(wa.v);
	free(wb.v);
}

/* ------------------------------------------------------------- layout */

static int op_role(int op)
{
	return op == TUI_DIFF_DEL   ? TUI_ROLE_REJECTED
	       : op == TUI_DIFF_INS ? TUI_ROLE_ACCEPTED
				    : TUI_ROLE_NORMAL;
}

void tui_diff_lines(const struct tui_diff *d, int width, int utf8, struct tui_lines *out)
{
	static const char *const open_m[] = {"", "[-", "{+"};
	static const char *const close_m[] = {"", "-]", "+}"};
	if (width < 8)
		width = 8;
	struct tui_line *l = tui_lines_add(out);
	for (size_t i = 0; i < d->n; i++) {
		const struct tui_diff_op *o = &d->v[i];
		int first = i == 0 || d->v[i - 1].op != o->op;
		int last = i + 1 == d->n || d->v[i + 1].op != o->op;
		int role = op_role(o->op);
		/* A change of kind gets a space even between CJK words, so that a
		 * marker does not stick to the word beside it. */
		int space = l->width > 0 && (o->gap || (i > 0 && first));
		int ww = tui_text_width(o->s, o->n, utf8);
		int need = (space ? 1 : 0) + ww + (first ? 2 : 0) + (last ? 2 : 0);
		if (o->op == TUI_DIFF_SAME)
			need = (space ? 1 : 0) + ww;
		if (l->width > 0 && l->width + need > width) {
			l = tui_lines_add(out);
			space = 0;
		}
		if (space)
			tui_line_put(l, TUI_ROLE_NORMAL, " ");
		if (first && o->op != TUI_DIFF_SAME)
			tui_line_put(l, role, open_m[o->op]);
		int room = width - l->width - (last && o->op != TUI_DIFF_SAME ? 2 : 0);
		tui_line_text(l, role, o->s, o->n, room > 1 ? room : 1, 1, utf8);
		if (last && o->op != TUI_DIFF_SAME)
			tui_line_put(l, role, close_m[o->op]);
	}
	if (d->n == 0)
		tui_line_put(l, TUI_ROLE_DIM, "(both texts are empty)");
}
