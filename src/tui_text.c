/* tui_text: pure text functions of the workbench: display widths (mbrtowc +
 * wcwidth), visible escapes of control characters and bad bytes, truncation
 * and wrapping by display width, lines of role-tagged spans, a one-line
 * editor and the off-screen canvas a frame is composed in. No ncurses here. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <langinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "mentor/store.h"
#include "tui_int.h"

static const struct tui_glyphs glyphs_utf8 = {
	.ok = "\xe2\x9c\x93",
	.bad = "\xe2\x9c\x97",
	.unknown = "?",
	.ellipsis = "\xe2\x80\xa6",
	.vline = "\xe2\x94\x82",
	.hline = "\xe2\x94\x80",
	.accepted = "[A]",
	.rejected = "[R]",
	.pending = "[P]",
	.flagged = "[F]",
	.leaked = "[L]",
	.more_up = "\xe2\x96\xb2",
	.more_down = "\xe2\x96\xbc",
	.corner_tl = "\xe2\x94\x8c",
	.corner_tr = "\xe2\x94\x90",
	.corner_bl = "\xe2\x94\x94",
	.corner_br = "\xe2\x94\x98",
};
static const struct tui_glyphs glyphs_ascii = {
	.ok = "+",
	.bad = "x",
	.unknown = "?",
	.ellipsis = "...",
	.vline = "|",
	.hline = "-",
	.accepted = "[A]",
	.rejected = "[R]",
	.pending = "[P]",
	.flagged = "[F]",
	.leaked = "[L]",
	.more_up = "^",
	.more_down = "v",
	.corner_tl = "+",
	.corner_tr = "+",
	.corner_bl = "+",
	.corner_br = "+",
};

const struct tui_glyphs *tui_glyphs_get(int utf8)
{
	return utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

const char *tui_status_glyph(const struct tui_glyphs *g, const char *status, int *role,
			     const char **word)
{
	const char *const gl[STORE_N_REVIEWS] = {
		[STORE_REVIEW_PENDING] = g->pending,
		[STORE_REVIEW_ACCEPTED] = g->accepted,
		[STORE_REVIEW_REJECTED] = g->rejected,
		[STORE_REVIEW_FLAGGED] = g->flagged,
	};
	static const int roles[STORE_N_REVIEWS] = {
		[STORE_REVIEW_PENDING] = TUI_ROLE_PENDING,
		[STORE_REVIEW_ACCEPTED] = TUI_ROLE_ACCEPTED,
		[STORE_REVIEW_REJECTED] = TUI_ROLE_REJECTED,
		[STORE_REVIEW_FLAGGED] = TUI_ROLE_FLAGGED,
	};
	int i = store_review_parse(status);
	if (i < 0)
		i = STORE_REVIEW_PENDING; /* an unknown status reads as pending */
	*role = roles[i];
	if (word)
		*word = store_review_name((enum store_review)i);
	return gl[i];
}

int tui_locale_utf8(void)
{
	if (MB_CUR_MAX < 2)
		return 0;
	const char *cs = nl_langinfo(CODESET);
	return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

/* ------------------------------------------------------------ glyphs */

/* The escape of a character util_term_char lets through but the terminal
 * cannot draw on its own (no width, or none in this locale). */
static void esc_cp(char rep[16], uint32_t cp)
{
	if (cp > 0xffff)
		snprintf(rep, 16, "\\U%08x", (unsigned)cp);
	else
		snprintf(rep, 16, "\\u%04x", (unsigned)cp);
}

/* Width of a safe code point as the terminal draws it (-1: unprintable). */
static int cp_cols(uint32_t cp)
{
	return cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
}

int tui_glyph_next(const char *s, size_t n, size_t *pos, int utf8, struct tui_glyph *g)
{
	if (*pos >= n)
		return -1;
	memset(g, 0, sizeof *g);
	g->off = *pos;
	unsigned char c = (unsigned char)s[*pos];
	uint32_t cp = c;
	char rep[16];
	int esc;
	size_t len = 1;
	/* one rule for what is escaped: util_term_char, nothing kept raw */
	if (c >= 0x80 && !utf8) {
		snprintf(rep, sizeof rep, "\\x%02x", c);
		esc = 1;
	} else {
		len = (size_t)util_term_char(s + *pos, n - *pos, 0, &cp, rep, &esc);
	}
	int w = esc ? 0 : cp_cols(cp);
	if (!esc && w <= 0) {
		/* a mark or joiner with nothing to attach to, or unprintable */
		esc_cp(rep, cp);
		esc = 1;
	}
	g->len = len;
	*pos += len;
	if (esc) {
		snprintf(g->rep, sizeof g->rep, "%s", rep);
		g->esc = 1;
		g->newline = c == '\n';
		g->width = (int)strlen(g->rep);
		return 0;
	}
	memcpy(g->rep, s + g->off, len);
	size_t rlen = len;
	g->width = w;
	g->wide = w == 2;
	/* Zero-width characters (combining marks, joiners, variation
	 * selectors) go with the character before them, at most
	 * TUI_MARKS_MAX, as in a terminal cell; the next one is a glyph of its
	 * own (an escape). A character after a joiner is a glyph of its own:
	 * ncurses and most terminals draw it in its own cells. */
	for (int k = 0; utf8 && k < TUI_MARKS_MAX && *pos < n; k++) {
		uint32_t nc;
		int e2;
		size_t nl = (size_t)util_term_char(s + *pos, n - *pos, 0, &nc, rep, &e2);
		if (e2 || nc < 0x80 || cp_cols(nc) != 0)
			break;
		memcpy(g->rep + rlen, s + *pos, nl);
		rlen += nl;
		*pos += nl;
	}
	g->rep[rlen] = '\0';
	g->len = *pos - g->off;
	/* a space that carries marks is text, not a break to drop */
	g->space = cp == ' ' && g->len == 1;
	return 0;
}

int tui_text_width(const char *s, size_t n, int utf8)
{
	size_t pos = 0;
	struct tui_glyph g;
	int w = 0;
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0)
		w += g.width;
	return w;
}

int tui_text_escape(const char *s, size_t n, int utf8, struct buf *out)
{
	size_t pos = 0;
	struct tui_glyph g;
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0)
		if (buf_puts(out, g.rep))
			return MENTOR_ENOMEM;
	return 0;
}

/* ------------------------------------------------------------- lines */

void tui_lines_init(struct tui_lines *ls)
{
	memset(ls, 0, sizeof *ls);
}

static void line_release(struct tui_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->spans[i].text);
	free(l->spans);
	memset(l, 0, sizeof *l);
}

void tui_lines_release(struct tui_lines *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		line_release(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof *ls);
}

struct tui_line *tui_lines_add(struct tui_lines *ls)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 16, bytes;
		if (util_mul_size(cap, sizeof *ls->v, &bytes))
			util_oom();
		struct tui_line *v = realloc(ls->v, bytes);
		if (!v)
			util_oom();
		ls->v = v;
		ls->cap = cap;
	}
	struct tui_line *l = &ls->v[ls->n++];
	memset(l, 0, sizeof *l);
	return l;
}

/* Append n bytes of safe text of width w; merges with the last span when the
 * role is the same. */
static void line_append(struct tui_line *l, int role, const char *text, size_t n, int w)
{
	if (!n)
		return;
	if (l->n && l->spans[l->n - 1].role == role) {
		struct tui_span *sp = &l->spans[l->n - 1];
		size_t old = strlen(sp->text);
		char *t = realloc(sp->text, old + n + 1);
		if (!t)
			util_oom();
		memcpy(t + old, text, n);
		t[old + n] = '\0';
		sp->text = t;
		sp->width += w;
		l->width += w;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct tui_span *v = realloc(l->spans, cap * sizeof *v);
		if (!v)
			util_oom();
		l->spans = v;
		l->cap = cap;
	}
	struct tui_span *sp = &l->spans[l->n++];
	sp->text = util_strndup(text, n);
	sp->width = w;
	sp->role = role;
	l->width += w;
}

void tui_line_put(struct tui_line *l, int role, const char *text)
{
	line_append(l, role, text, strlen(text),
		    tui_text_width(text, strlen(text), tui_locale_utf8()));
}

static void line_glyph(struct tui_line *l, int role, const struct tui_glyph *g)
{
	line_append(l, g->esc ? TUI_ROLE_ESCAPED : role, g->rep, strlen(g->rep), g->width);
}

int tui_line_text(struct tui_line *l, int role, const char *s, size_t n, int maxw, int ellipsis,
		  int utf8)
{
	if (!s || maxw <= 0)
		return 0;
	const char *ell = tui_glyphs_get(utf8)->ellipsis;
	int ew = (int)strlen(ell) > 1 && utf8 ? 1 : (int)strlen(ell);
	int total = 0;
	size_t pos = 0;
	struct tui_glyph g;
	while (total <= maxw && tui_glyph_next(s, n, &pos, utf8, &g) == 0)
		total += g.newline ? 1 : g.width;
	int limit = maxw;
	int cut = total > maxw;
	if (cut && ellipsis && maxw > ew)
		limit = maxw - ew;
	int used = 0;
	pos = 0;
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0) {
		int w = g.newline ? 1 : g.width;
		if (used + w > limit)
			break;
		if (g.newline)
			line_append(l, role, " ", 1, 1);
		else
			line_glyph(l, role, &g);
		used += w;
	}
	if (cut && ellipsis && maxw > ew) {
		line_append(l, TUI_ROLE_DIM, ell, strlen(ell), ew);
		used += ew;
	}
	return used;
}

void tui_line_pad(struct tui_line *l, int role, int w)
{
	static const char spaces[] = "                                ";
	while (l->width < w) {
		int k = w - l->width;
		if (k > (int)sizeof spaces - 1)
			k = (int)sizeof spaces - 1;
		line_append(l, role, spaces, (size_t)k, k);
	}
}

char *tui_line_plain(const struct tui_line *l)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < l->n; i++)
		if (buf_puts(&b, l->spans[i].text))
			util_oom();
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------- wrap */

int tui_kinsoku(uint32_t c)
{
	if (c < 0x80)
		return c && strchr(")]},.!?:;%", (int)c) ? TUI_KIN_NO_START
		       : c && strchr("([{", (int)c)      ? TUI_KIN_NO_END
							 : 0;
	/* every other entry lies in General Punctuation or the CJK blocks:
	 * most characters are decided here, on the wrap's hot path */
	if (c < 0x2018 || (c > 0x2026 && c < 0x3001) || (c > 0x30FE && c < 0xFF01) || c > 0xFF5D)
		return 0;
	/* closing brackets and quotes, stops and commas, ー, …, iteration
	 * marks, small hiragana and katakana */
	static const uint32_t no_start[] = {
		0x2019, 0x201D, 0x2025, 0x2026, 0x3001, 0x3002, 0x3005, 0x3009, 0x300B, 0x300D,
		0x300F, 0x3011, 0x3015, 0x3017, 0x3019, 0x301F, 0x3041, 0x3043, 0x3045, 0x3047,
		0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096, 0x309D, 0x309E,
		0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE,
		0x30F5, 0x30F6, 0x30FB, 0x30FC, 0x30FD, 0x30FE, 0xFF01, 0xFF09, 0xFF0C, 0xFF0E,
		0xFF1A, 0xFF1B, 0xFF1F, 0xFF3D, 0xFF5D,
	};
	/* opening brackets and quotes */
	static const uint32_t no_end[] = {
		0x2018, 0x201C, 0x3008, 0x300A, 0x300C, 0x300E, 0x3010,
		0x3014, 0x3016, 0x3018, 0x301D, 0xFF08, 0xFF3B, 0xFF5B,
	};
	for (size_t i = 0; i < sizeof no_start / sizeof no_start[0]; i++)
		if (c == no_start[i])
			return TUI_KIN_NO_START;
	for (size_t i = 0; i < sizeof no_end / sizeof no_end[0]; i++)
		if (c == no_end[i])
			return TUI_KIN_NO_END;
	return 0;
}

struct wrap {
	struct tui_lines *ls;
	struct tui_glyph *cur;
	size_t n, cap;
	int curw;
	int width, indent, role, utf8;
	size_t max_lines, added;
	int done;
	size_t mark_a, mark_b; /* source bytes drawn in mark_role */
	int mark_role;
};

static void wrap_push(struct wrap *w, const struct tui_glyph *g)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct tui_glyph *v = realloc(w->cur, cap * sizeof *v);
		if (!v)
			util_oom();
		w->cur = v;
		w->cap = cap;
	}
	w->cur[w->n++] = *g;
	w->curw += g->width;
}

/* Emit cur[0..k) as a line (trailing spaces dropped); with more set and the
 * line limit reached, end it with an ellipsis and stop. */
static void wrap_emit(struct wrap *w, size_t k, int more)
{
	if (w->done)
		return;
	while (k > 0 && w->cur[k - 1].space)
		k--;
	int last = more && w->max_lines && w->added + 1 == w->max_lines;
	const char *ell = tui_glyphs_get(w->utf8)->ellipsis;
	int ew = w->utf8 ? 1 : 3;
	int avail = w->width - w->indent;
	int lw = 0;
	for (size_t i = 0; i < k; i++)
		lw += w->cur[i].width;
	if (last)
		while (k > 0 && lw + ew > avail)
			lw -= w->cur[--k].width;
	struct tui_line *l = tui_lines_add(w->ls);
	if (w->indent > 0)
		tui_line_pad(l, w->role, w->indent);
	for (size_t i = 0; i < k; i++) {
		const struct tui_glyph *g = &w->cur[i];
		line_glyph(l, g->off >= w->mark_a && g->off < w->mark_b ? w->mark_role : w->role,
			   g);
	}
	if (last && avail >= ew)
		line_append(l, TUI_ROLE_DIM, ell, strlen(ell), ew);
	w->added++;
	if (last)
		w->done = 1;
}

/* Drop cur[0..k) and leading spaces of what remains. */
static void wrap_shift(struct wrap *w, size_t k)
{
	while (k < w->n && w->cur[k].space)
		k++;
	if (k == 0)
		return;
	memmove(w->cur, w->cur + k, (w->n - k) * sizeof *w->cur);
	w->n -= k;
	w->curw = 0;
	for (size_t i = 0; i < w->n; i++)
		w->curw += w->cur[i].width;
}

size_t tui_wrap(struct tui_lines *ls, const char *s, size_t n, int width, int indent, int role,
		size_t max_lines, int utf8)
{
	return tui_wrap_mark(ls, s, n, width, indent, role, max_lines, utf8, 0, 0, role);
}

size_t tui_wrap_mark(struct tui_lines *ls, const char *s, size_t n, int width, int indent, int role,
		     size_t max_lines, int utf8, size_t mark_a, size_t mark_b, int mark_role)
{
	if (!s || width - indent < 1)
		return 0;
	struct wrap w = {.ls = ls,
			 .width = width,
			 .indent = indent,
			 .role = role,
			 .utf8 = utf8,
			 .max_lines = max_lines,
			 .mark_a = mark_a,
			 .mark_b = mark_b,
			 .mark_role = mark_role};
	int avail = width - indent;
	size_t pos = 0;
	size_t brk = 0;  /* glyphs before the last break opportunity, 0 = none */
	size_t brk0 = 0; /* the one before it */
	int wrapped = 0;
	struct tui_glyph g;
	while (!w.done && tui_glyph_next(s, n, &pos, utf8, &g) == 0) {
		g.kinsoku = 0;
		if (utf8 && !g.esc && !g.newline) {
			uint32_t cp;
			if (util_utf8_decode((const unsigned char *)s + g.off, g.len, &cp) > 0)
				g.kinsoku = tui_kinsoku(cp);
		}
		/* no break right before a character that may not start a line,
		 * nor after one that may not end it */
		if ((g.kinsoku & TUI_KIN_NO_START) && brk == w.n && w.n > 0) {
			brk = brk0;
			brk0 = 0;
		}
		if (g.newline) {
			wrap_emit(&w, w.n, 1);
			wrap_shift(&w, w.n);
			brk = brk0 = 0;
			wrapped = 0;
			continue;
		}
		if (g.space && w.n == 0 && wrapped)
			continue;
		if (g.wide && w.n > 0 && !(g.kinsoku & TUI_KIN_NO_START) &&
		    !(w.cur[w.n - 1].kinsoku & TUI_KIN_NO_END) && brk != w.n) {
			brk0 = brk;
			brk = w.n;
		}
		while (!w.done && w.curw + g.width > avail && w.n > 0) {
			if (g.space) {
				wrap_emit(&w, w.n, 1);
				wrap_shift(&w, w.n);
			} else if (brk > 0 && brk < w.n + 1) {
				size_t k = brk;
				wrap_emit(&w, k, 1);
				wrap_shift(&w, k);
			} else {
				/* no opportunity: a character that may not start a
				 * line takes the one before it along, and one that
				 * may not end a line moves down */
				size_t k = w.n;
				while (k > 1 && (((k == w.n ? g.kinsoku : w.cur[k].kinsoku) &
						  TUI_KIN_NO_START) ||
						 (w.cur[k - 1].kinsoku & TUI_KIN_NO_END)))
					k--;
				wrap_emit(&w, k, 1);
				wrap_shift(&w, k);
			}
			brk = brk0 = 0;
			wrapped = 1;
		}
		if (w.done)
			break;
		if (g.space && w.n == 0 && wrapped)
			continue;
		if (g.width > avail) {
			/* Wider than the pane (w.n is 0 here): an escape goes on
			 * in pieces over several lines; a wide character in a
			 * one-column pane is shown as its escape. */
			char rep[16];
			if (!g.esc) {
				uint32_t cp;
				int e;
				util_term_char(s + g.off, n - g.off, 0, &cp, rep, &e);
				esc_cp(rep, cp);
			} else {
				size_t k = strlen(g.rep) < sizeof rep ? strlen(g.rep)
								      : sizeof rep - 1;
				memcpy(rep, g.rep, k);
				rep[k] = '\0';
			}
			size_t left = strlen(rep);
			for (const char *r = rep; left && !w.done;) {
				size_t k = left < (size_t)avail ? left : (size_t)avail;
				if (w.n > 0) {
					wrap_emit(&w, w.n, 1);
					wrap_shift(&w, w.n);
				}
				struct tui_glyph piece = g;
				memcpy(piece.rep, r, k);
				piece.rep[k] = '\0';
				piece.width = (int)k;
				piece.esc = 1;
				piece.wide = 0;
				wrap_push(&w, &piece);
				r += k;
				left -= k;
			}
			brk = brk0 = 0;
			continue;
		}
		wrap_push(&w, &g);
		if (g.space || (g.wide && !(g.kinsoku & TUI_KIN_NO_END))) {
			brk0 = brk;
			brk = w.n;
		}
	}
	if (!w.done && w.n > 0)
		wrap_emit(&w, w.n, 0);
	free(w.cur);
	return w.added;
}

/* ------------------------------------------------------------- input */

void tui_input_set(struct tui_input *in, const char *s)
{
	in->len = 0;
	in->text[0] = '\0';
	if (!s)
		return;
	size_t n = strlen(s);
	if (n >= sizeof in->text)
		n = sizeof in->text - 1;
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(in->text, s, n);
	in->text[n] = '\0';
	in->len = n;
}

int tui_input_key(struct tui_input *in, int key)
{
	if (key == TUI_KEY_BACKSPACE) {
		if (!in->len)
			return 0;
		do
			in->len--;
		while (in->len > 0 && ((unsigned char)in->text[in->len] & 0xc0) == 0x80);
		in->text[in->len] = '\0';
		return 1;
	}
	if (key == 0x15) { /* C-u */
		int changed = in->len > 0;
		in->len = 0;
		in->text[0] = '\0';
		return changed;
	}
	if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0) || key >= TUI_KEY_BASE ||
	    (key >= 0xd800 && key < 0xe000))
		return 0;
	char u[4];
	size_t k;
	uint32_t cp = (uint32_t)key;
	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (in->len + k >= sizeof in->text)
		return 0;
	memcpy(in->text + in->len, u, k);
	in->len += k;
	in->text[in->len] = '\0';
	return 1;
}

int tui_line_role_x(const struct tui_line *l, int role)
{
	int x = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->spans[i].role == role)
			return x;
		x += l->spans[i].width;
	}
	return -1;
}

int tui_entry_line(struct tui_line *l, int prompt_role, const char *prompt, const char *text,
		   int width, int utf8)
{
	tui_line_put(l, prompt_role, prompt);
	int room = width - l->width - 1;
	const char *p = text ? text : "";
	int w = tui_text_width(p, strlen(p), utf8);
	/* the end of a long input shows: that is where typing goes */
	while (w > room && *p) {
		size_t pos = 0;
		struct tui_glyph g;
		tui_glyph_next(p, strlen(p), &pos, utf8, &g);
		w -= g.width;
		p += pos;
	}
	tui_line_text(l, TUI_ROLE_INPUT, p, strlen(p), room, 0, utf8);
	int x = l->width;
	tui_line_put(l, TUI_ROLE_SELECTED, " ");
	tui_line_pad(l, TUI_ROLE_NORMAL, width);
	return x;
}

/* ------------------------------------------------------------ canvas */

int tui_canvas_init(struct tui_canvas *cv, int w, int h)
{
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	if (w > 2000 || h > 1000)
		return MENTOR_ENOMEM;
	size_t cells = (size_t)w * (size_t)h;
	if (!cv->cells || (size_t)cv->w * (size_t)cv->h != cells) {
		struct tui_cell *c = realloc(cv->cells, cells * sizeof *c);
		if (!c)
			return MENTOR_ENOMEM;
		cv->cells = c;
	}
	memset(cv->cells, 0, cells * sizeof *cv->cells);
	cv->w = w;
	cv->h = h;
	cv->cur_x = cv->cur_y = -1;
	tui_canvas_fill(cv, (struct tui_rect){0, 0, w, h}, TUI_ROLE_NORMAL);
	return 0;
}

void tui_canvas_cursor(struct tui_canvas *cv, int x, int y)
{
	int in = x >= 0 && y >= 0 && x < cv->w && y < cv->h;
	cv->cur_x = in ? x : -1;
	cv->cur_y = in ? y : -1;
}

void tui_canvas_release(struct tui_canvas *cv)
{
	if (!cv)
		return;
	free(cv->cells);
	cv->cells = NULL;
	cv->w = cv->h = 0;
}

static struct tui_cell *cell_at(struct tui_canvas *cv, int x, int y)
{
	return &cv->cells[(size_t)y * (size_t)cv->w + (size_t)x];
}

static void cell_copy(struct tui_cell *c, const char *ch)
{
	size_t n = strlen(ch);
	if (n >= sizeof c->ch)
		n = sizeof c->ch - 1;
	memcpy(c->ch, ch, n);
	c->ch[n] = '\0';
}

static void cell_blank(struct tui_cell *c)
{
	c->ch[0] = ' ';
	c->ch[1] = '\0';
	c->width = 1;
}

static void cell_set(struct tui_canvas *cv, int x, int y, const char *ch, int width, int role)
{
	struct tui_cell *c = cell_at(cv, x, y);
	/* Overwriting half of a wide character blanks the other half. */
	if (c->width == 0 && x > 0)
		cell_blank(cell_at(cv, x - 1, y));
	if (c->width == 2 && x + 1 < cv->w && width != 2)
		cell_blank(cell_at(cv, x + 1, y));
	cell_copy(c, ch);
	c->width = (uint8_t)width;
	c->role = (uint8_t)role;
	if (width == 2) {
		struct tui_cell *r = cell_at(cv, x + 1, y);
		if (r->width == 2 && x + 2 < cv->w)
			cell_blank(cell_at(cv, x + 2, y));
		r->ch[0] = '\0';
		r->width = 0;
		r->role = (uint8_t)role;
	}
}

void tui_canvas_fill(struct tui_canvas *cv, struct tui_rect r, int role)
{
	int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
	int x1 = r.x + r.w > cv->w ? cv->w : r.x + r.w;
	int y1 = r.y + r.h > cv->h ? cv->h : r.y + r.h;
	for (int y = y0; y < y1; y++) {
		if (x0 < x1) {
			/* the halves of wide characters cut by the edges */
			if (cell_at(cv, x0, y)->width == 0 && x0 > 0)
				cell_blank(cell_at(cv, x0 - 1, y));
			if (cell_at(cv, x1 - 1, y)->width == 2 && x1 < cv->w)
				cell_blank(cell_at(cv, x1, y));
		}
		for (int x = x0; x < x1; x++) {
			struct tui_cell *c = cell_at(cv, x, y);
			cell_blank(c);
			c->role = (uint8_t)role;
		}
	}
}

int tui_canvas_put(struct tui_canvas *cv, int x, int y, int maxw, int role, const char *text)
{
	if (y < 0 || y >= cv->h || x < 0 || x >= cv->w || !text)
		return 0;
	if (x + maxw > cv->w)
		maxw = cv->w - x;
	int utf8 = tui_locale_utf8();
	size_t n = strlen(text), pos = 0;
	struct tui_glyph g;
	int used = 0;
	while (used < maxw && tui_glyph_next(text, n, &pos, utf8, &g) == 0) {
		int r = g.esc ? TUI_ROLE_ESCAPED : role;
		if (g.width == 2) {
			if (used + 2 > maxw) {
				cell_set(cv, x + used, y, " ", 1, role);
				used++;
				break;
			}
			cell_set(cv, x + used, y, g.rep, 2, r);
			used += 2;
		} else {
			/* Escapes are several cells of ASCII. */
			for (const char *p = g.rep; *p && used < maxw; p++) {
				char one[2] = {*p, '\0'};
				if (g.width == 1 && !g.esc) {
					cell_set(cv, x + used, y, g.rep, 1, r);
					used++;
					break;
				}
				cell_set(cv, x + used, y, one, 1, r);
				used++;
			}
		}
	}
	return used;
}

void tui_canvas_line(struct tui_canvas *cv, int x, int y, int w, const struct tui_line *l,
		     int fill_role)
{
	int used = 0;
	for (size_t i = 0; l && i < l->n && used < w; i++)
		used += tui_canvas_put(cv, x + used, y, w - used, l->spans[i].role,
				       l->spans[i].text);
	if (used < w)
		tui_canvas_fill(cv, (struct tui_rect){x + used, y, w - used, 1}, fill_role);
}

void tui_canvas_lines(struct tui_canvas *cv, struct tui_rect r, const struct tui_lines *ls,
		      size_t first, int fill_role)
{
	for (int i = 0; i < r.h; i++) {
		size_t k = first + (size_t)i;
		tui_canvas_line(cv, r.x, r.y + i, r.w, ls && k < ls->n ? &ls->v[k] : NULL,
				fill_role);
	}
}

char *tui_canvas_row(const struct tui_canvas *cv, int y)
{
	struct buf b;
	buf_init(&b);
	if (buf_puts(&b, ""))
		util_oom();
	if (y >= 0 && y < cv->h) {
		for (int x = 0; x < cv->w; x++) {
			const struct tui_cell
				*c = &cv->cells[(size_t)y * (size_t)cv->w + (size_t)x];
			if (c->width && buf_puts(&b, c->ch))
				util_oom();
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

int tui_canvas_role(const struct tui_canvas *cv, int x, int y)
{
	if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
		return -1;
	return cv->cells[(size_t)y * (size_t)cv->w + (size_t)x].role;
}

char *tui_canvas_dump(const struct tui_canvas *cv)
{
	struct buf b;
	buf_init(&b);
	for (int y = 0; y < cv->h; y++) {
		char *row = tui_canvas_row(cv, y);
		if (buf_puts(&b, row) || buf_putc(&b, '\n'))
			util_oom();
		free(row);
	}
	return buf_detach(&b, NULL);
}
