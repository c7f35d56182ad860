/* tui_plot: text line plots (braille dots, half blocks, ASCII) with scales,
 * smoothing, labels and legends, and the pure parts of the Train and Inspect
 * screens: ETA figures, prediction pairing, filters and summaries. No
 * terminal here: everything is a function of its arguments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/i18n.h"
#include "mentor/store.h"
#include "tui_plot.h"

#define PLOT_MAX_CELLS 1000

/* Dots per cell of each glyph set. */
static const int dots_x[TUI_PLOT_N_GLYPHS] = {2, 1, 1};
static const int dots_y[TUI_PLOT_N_GLYPHS] = {4, 2, 2};

/* Braille bit of the dot at column c (0..1), row r (0..3). */
static unsigned braille_bit(int c, int r)
{
	static const unsigned bits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
	return bits[c][r];
}

struct canvas_bits {
	int w, h, gl;
	unsigned char *bits; /* one byte of dots per cell */
	int *series;
};

static void set_dot(struct canvas_bits *cb, int dx, int dy, int series)
{
	int cx = dx / dots_x[cb->gl], cy = dy / dots_y[cb->gl];
	if (dx < 0 || dy < 0 || cx >= cb->w || cy >= cb->h)
		return;
	size_t k = (size_t)cy * (size_t)cb->w + (size_t)cx;
	unsigned bit;
	if (cb->gl == TUI_PLOT_BRAILLE)
		bit = braille_bit(dx % 2, dy % 4);
	else
		bit = (dy % 2) ? 2u : 1u; /* 1 upper half, 2 lower half */
	cb->bits[k] |= (unsigned char)bit;
	cb->series[k] = series;
}

/* Bresenham from (x0,y0) to (x1,y1) in dot space. */
static void draw_line(struct canvas_bits *cb, int x0, int y0, int x1, int y1, int series)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int e = dx + dy;
	for (;;) {
		set_dot(cb, x0, y0, series);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * e;
		if (e2 >= dy) {
			x0 += sx;
			e += dy;
		}
		if (e2 <= dx) {
			y0 += sy;
			e += dx;
		}
	}
}

static int usable(double y, int logy)
{
	return isfinite(y) && (!logy || y > 0);
}

static double yval(double y, int logy)
{
	return logy ? log10(y) : y;
}

static double xval(const struct tui_plot_series *s, size_t i)
{
	return s->x ? s->x[i] : (double)i;
}

static void find_ranges(const struct tui_plot_series *s, size_t n, const struct tui_plot_opts *o,
			struct tui_plot *p)
{
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double x = xval(&s[k], i), y = s[k].y[i];
			if (!isfinite(x) || !usable(y, o->logy))
				continue;
			y = yval(y, o->logy);
			if (x < x0)
				x0 = x;
			if (x > x1)
				x1 = x;
			if (y < y0)
				y0 = y;
			if (y > y1)
				y1 = y;
		}
	p->has_data = x0 <= x1;
	if (o->xmin < o->xmax) {
		x0 = o->xmin;
		x1 = o->xmax;
	}
	if (o->ymin < o->ymax) {
		y0 = yval(o->ymin, o->logy);
		y1 = yval(o->ymax, o->logy);
		if (!isfinite(y0))
			y0 = y1 - 1;
	}
	if (!p->has_data && !(o->xmin < o->xmax))
		x0 = 0, x1 = 1;
	if (!p->has_data && !(o->ymin < o->ymax))
		y0 = 0, y1 = 1;
	if (x0 == x1)
		x0 -= 0.5, x1 += 0.5;
	if (y0 == y1)
		y0 -= 0.5, y1 += 0.5;
	p->xmin = x0;
	p->xmax = x1;
	p->ymin = y0;
	p->ymax = y1;
}

/* One dot column's share of a series: the first and last dot rows met, and
 * the range between. */
struct column {
	int used;
	int first, last, lo, hi;
};

static void draw_series(struct canvas_bits *cb, const struct tui_plot *p,
			const struct tui_plot_series *s, int series)
{
	int DW = cb->w * dots_x[cb->gl], DH = cb->h * dots_y[cb->gl];
	/* Walk the points, folding every run of points of one column into its
	 * range; a gap (non-finite point) ends the line. */
	int have_prev = 0, prev_x = 0, prev_last = 0;
	int cur = -1; /* column being folded */
	struct column c = {0, 0, 0, 0, 0};
	for (size_t i = 0; i <= s->n; i++) {
		int gap = 0, dx = 0, dy = 0;
		if (i < s->n) {
			double x = xval(s, i), y = s->y[i];
			if (!isfinite(x) || !usable(y, p->logy)) {
				gap = 1;
			} else {
				double fx = (x - p->xmin) / (p->xmax - p->xmin) * (DW - 1);
				double fy = (p->ymax - yval(y, p->logy)) / (p->ymax - p->ymin) *
					    (DH - 1);
				if (!isfinite(fx) || !isfinite(fy) || fx < -1e6 || fx > 1e6 ||
				    fy < -1e6 || fy > 1e6) {
					gap = 1; /* far outside a fixed range: clipped */
				} else {
					dx = (int)lround(fx);
					dy = (int)lround(fy);
				}
			}
		}
		if (i < s->n && !gap && c.used && dx == cur) {
			if (dy < c.lo)
				c.lo = dy;
			if (dy > c.hi)
				c.hi = dy;
			c.last = dy;
			continue;
		}
		/* flush the folded column */
		if (c.used) {
			if (have_prev)
				draw_line(cb, prev_x, prev_last, cur, c.first, series);
			draw_line(cb, cur, c.lo, cur, c.hi, series);
			have_prev = 1;
			prev_x = cur;
			prev_last = c.last;
			c.used = 0;
		}
		if (i == s->n)
			break;
		if (gap) {
			have_prev = 0;
			continue;
		}
		cur = dx;
		c = (struct column){1, dy, dy, dy, dy};
	}
}

int tui_plot_render(struct tui_plot *p, const struct tui_plot_series *s, size_t n,
		    const struct tui_plot_opts *o)
{
	memset(p, 0, sizeof *p);
	if (o->w < 1 || o->h < 1 || o->w > PLOT_MAX_CELLS || o->h > PLOT_MAX_CELLS)
		return MENTOR_ENOMEM;
	int gl = o->glyphs >= 0 && o->glyphs < TUI_PLOT_N_GLYPHS ? o->glyphs : TUI_PLOT_ASCII;
	size_t cells = (size_t)o->w * (size_t)o->h;
	struct canvas_bits cb = {o->w, o->h, gl, calloc(cells, 1), calloc(cells, sizeof(int))};
	p->cells = calloc(cells, sizeof *p->cells);
	if (!cb.bits || !cb.series || !p->cells) {
		free(cb.bits);
		free(cb.series);
		free(p->cells);
		p->cells = NULL;
		return MENTOR_ENOMEM;
	}
	p->w = o->w;
	p->h = o->h;
	p->logy = o->logy;
	find_ranges(s, n, o, p);
	for (size_t k = 0; k < n; k++)
		if (s[k].y)
			draw_series(&cb, p, &s[k], (int)k);
	for (size_t k = 0; k < cells; k++) {
		struct tui_plot_cell *c = &p->cells[k];
		unsigned b = cb.bits[k];
		c->series = b ? cb.series[k] : -1;
		if (!b) {
			c->ch[0] = ' ';
		} else if (gl == TUI_PLOT_BRAILLE) {
			unsigned cp = 0x2800 + b; /* 3 bytes of UTF-8 */
			c->ch[0] = (char)(0xE0 | (cp >> 12));
			c->ch[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			c->ch[2] = (char)(0x80 | (cp & 0x3F));
		} else if (gl == TUI_PLOT_BLOCK) {
			/* upper half, lower half, full block */
			static const char *const blk[4] = {" ", "\xe2\x96\x80", "\xe2\x96\x84",
							   "\xe2\x96\x88"};
			memcpy(c->ch, blk[b & 3], strlen(blk[b & 3]));
		} else {
			static const char asc[4] = {' ', '\'', '.', ':'};
			c->ch[0] = asc[b & 3];
		}
	}
	free(cb.bits);
	free(cb.series);
	return 0;
}

void tui_plot_release(struct tui_plot *p)
{
	if (!p)
		return;
	free(p->cells);
	p->cells = NULL;
}

char *tui_plot_text(const struct tui_plot *p)
{
	struct buf b;
	buf_init(&b);
	for (int y = 0; y < p->h; y++) {
		if (y)
			buf_putc(&b, '\n');
		for (int x = 0; x < p->w; x++)
			buf_puts(&b, p->cells[(size_t)y * (size_t)p->w + (size_t)x].ch);
	}
	if (!b.data)
		buf_puts(&b, "");
	if (!b.data)
		util_oom();
	return buf_detach(&b, NULL);
}

void tui_plot_ema(const double *y, size_t n, double alpha, double *out)
{
	if (!(alpha > 0) || alpha > 1)
		alpha = 1;
	int started = 0;
	double avg = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i])) {
			out[i] = NAN;
			continue;
		}
		avg = started ? alpha * y[i] + (1 - alpha) * avg : y[i];
		started = 1;
		out[i] = avg;
	}
}

void tui_plot_label(double v, char *buf, size_t n)
{
	if (!isfinite(v)) {
		snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	double a = fabs(v);
	if (a != 0 && (a >= 1e5 || a < 1e-3))
		snprintf(buf, n, "%.1e", v);
	else
		snprintf(buf, n, "%.3g", v);
}

/* Width of one legend entry: mark, space, text. */
static int legend_entry_w(const struct tui_plot_series *s, int tags, int utf8)
{
	const char *t = tags && s->tag ? s->tag : s->label;
	return 2 + tui_text_width(t, strlen(t), utf8);
}

/* Rows the legend needs in w columns: its entries (series with a label)
 * one after another, two spaces apart, an entry never split over two rows.
 * With tags, the tags stand for the labels that have one. */
static int legend_rows(const struct tui_plot_series *s, size_t n, int w, int tags, int utf8)
{
	int rows = 0, x = w;
	for (size_t k = 0; k < n; k++) {
		if (!s[k].label)
			continue;
		int ew = legend_entry_w(&s[k], tags, utf8);
		if (x > 1 && x + 2 + ew > w) {
			rows++;
			x = 1;
		} else if (x > 1) {
			x += 2;
		}
		x += ew;
	}
	return rows;
}

/* Append the legend as `rows` lines of w cells; entries that do not fit
 * in them are left out (the caller sizes rows from legend_rows). */
static void legend_put(const struct tui_plot_series *s, size_t n, int w, int tags, int rows,
		       int utf8, struct tui_lines *out)
{
	struct tui_line *l = tui_lines_add(out);
	tui_line_pad(l, TUI_ROLE_NORMAL, 1);
	int row = 1;
	for (size_t k = 0; k < n; k++) {
		if (!s[k].label)
			continue;
		int ew = legend_entry_w(&s[k], tags, utf8);
		if (l->width > 1 && l->width + 2 + ew > w) {
			if (row == rows)
				break;
			tui_line_pad(l, TUI_ROLE_NORMAL, w);
			l = tui_lines_add(out);
			tui_line_pad(l, TUI_ROLE_NORMAL, 1);
			row++;
		} else if (l->width > 1) {
			tui_line_put(l, TUI_ROLE_NORMAL, "  ");
		}
		char m[3] = {s[k].mark ? s[k].mark : '-', ' ', 0};
		tui_line_put(l, s[k].role, m);
		const char *t = tags && s[k].tag ? s[k].tag : s[k].label;
		tui_line_text(l, s[k].role, t, strlen(t), w - l->width, 1, utf8);
	}
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	for (; row < rows; row++) {
		l = tui_lines_add(out);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
}

int tui_plot_chart(const struct tui_plot_series *s, size_t n, const struct tui_plot_opts *o,
		   const char *title, int w, int h, int utf8, struct tui_lines *out)
{
	if (w < 20)
		w = 20;
	if (h < 5)
		h = 5;
	const int lw = 8; /* y labels: 7 columns and the axis */
	/* the legend: the labels on one row, else the tags on as many rows as
	 * they take, leaving at least two rows of plot */
	int tags = legend_rows(s, n, w, 0, utf8) > 1;
	int lrows = legend_rows(s, n, w, tags, utf8);
	if (lrows < 1)
		lrows = 1;
	if (lrows > h - 5)
		lrows = h - 5 > 1 ? h - 5 : 1;
	struct tui_plot_opts po = *o;
	po.w = w - lw - 2; /* one column of end marks, one of margin */
	po.h = h - 2 - lrows;
	if (!utf8 && po.glyphs != TUI_PLOT_ASCII)
		po.glyphs = TUI_PLOT_ASCII;
	struct tui_plot p;
	if (tui_plot_render(&p, s, n, &po))
		return MENTOR_ENOMEM;
	struct tui_line *l = tui_lines_add(out);
	tui_line_text(l, TUI_ROLE_TITLE, title, strlen(title), w - 6, 1, utf8);
	if (o->logy)
		tui_line_put(l, TUI_ROLE_DIM, i18n_text(o->lang, " (log)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	/* row of the last point of each series, for the end marks */
	int marks_row[16];
	int nm = n < 16 ? (int)n : 16;
	for (int k = 0; k < nm; k++) {
		marks_row[k] = -1;
		for (size_t i = s[k].n; i-- > 0;) {
			if (!isfinite(s[k].y[i]) || (o->logy && s[k].y[i] <= 0))
				continue;
			double fy = (p.ymax - yval(s[k].y[i], o->logy)) / (p.ymax - p.ymin);
			if (fy >= 0 && fy <= 1)
				marks_row[k] = (int)lround(fy * (po.h - 1));
			break;
		}
	}
	const char *axis = utf8 ? "\xe2\x94\x82" : "|";
	for (int y = 0; y < po.h; y++) {
		l = tui_lines_add(out);
		char lab[32] = "";
		if (p.has_data && (y == 0 || y == po.h - 1 || (po.h >= 7 && y == po.h / 2))) {
			double f = po.h > 1 ? (double)y / (po.h - 1) : 0.5;
			double v = p.ymax - f * (p.ymax - p.ymin);
			tui_plot_label(o->logy ? pow(10, v) : v, lab, sizeof lab);
		}
		char cell[40];
		snprintf(cell, sizeof cell, "%7.7s", lab);
		tui_line_put(l, TUI_ROLE_DIM, cell);
		tui_line_put(l, TUI_ROLE_BORDER, axis);
		for (int x = 0; x < po.w; x++) {
			const struct tui_plot_cell
				*c = &p.cells[(size_t)y * (size_t)po.w + (size_t)x];
			tui_line_put(l, c->series >= 0 ? s[c->series].role : TUI_ROLE_NORMAL,
				     c->ch);
		}
		char m[2] = " ";
		int role = TUI_ROLE_NORMAL;
		for (int k = 0; k < nm; k++)
			if (marks_row[k] == y && s[k].mark) {
				m[0] = s[k].mark;
				role = s[k].role;
			}
		tui_line_put(l, role, m);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
	/* x labels: first, last */
	l = tui_lines_add(out);
	tui_line_pad(l, TUI_ROLE_NORMAL, lw);
	if (p.has_data) {
		char a[32], b[32];
		tui_plot_label(p.xmin, a, sizeof a);
		tui_plot_label(p.xmax, b, sizeof b);
		tui_line_put(l, TUI_ROLE_DIM, a);
		int room = lw + po.w - l->width - (int)strlen(b);
		tui_line_pad(l, TUI_ROLE_NORMAL, l->width + (room > 1 ? room : 1));
		tui_line_put(l, TUI_ROLE_DIM, b);
	} else {
		tui_line_put(l, TUI_ROLE_DIM, i18n_text(o->lang, "no data yet"));
	}
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	legend_put(s, n, w, tags, lrows, utf8, out);
	tui_plot_release(&p);
	return 0;
}

/* ------------------------------------------------------------ train */

void tui_train_eta(int64_t step, int64_t total, double elapsed, struct tui_train_eta *e)
{
	memset(e, 0, sizeof *e);
	if (step <= 0 || total <= 0 || !(elapsed > 0) || step > total)
		return;
	e->rate = (double)step / elapsed;
	if (step < 20 && (double)step < 0.05 * (double)total)
		return;
	e->known = 1;
	e->eta = (double)(total - step) / e->rate;
}

void tui_train_duration(double s, char *buf, size_t n)
{
	if (!(s >= 0) || s > 1e9) {
		snprintf(buf, n, "-");
		return;
	}
	long t = lround(s);
	if (t < 60)
		snprintf(buf, n, "%lds", t);
	else if (t < 3600)
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
}

void tui_train_default_overlay(const struct store_run *const *runs, size_t n, size_t sel,
			       int *overlay)
{
	for (size_t i = 0; i < n; i++)
		overlay[i] = 0;
	if (sel >= n)
		return;
	int64_t ds = runs[sel]->dataset_id;
	size_t shown = 0;
	for (size_t i = n; i-- > 0 && shown < TUI_TRAIN_MAX_OVERLAY;) {
		if (runs[i]->dataset_id != ds)
			continue;
		int seen = 0;
		for (size_t j = i + 1; j < n && !seen; j++)
			seen = overlay[j] && !strcmp(runs[j]->variant ? runs[j]->variant : "",
						     runs[i]->variant ? runs[i]->variant : "");
		if (!seen) {
			overlay[i] = 1;
			shown++;
		}
	}
}

size_t tui_train_reselect(const int64_t *ids, size_t n, int64_t sel_id, size_t old_idx)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == sel_id)
			return i;
	return old_idx < n ? old_idx : n - 1;
}

void tui_train_window(size_t n, size_t sel, size_t top, int h, struct tui_train_window *w)
{
	memset(w, 0, sizeof *w);
	if (!n || h < 1)
		return;
	if (sel >= n)
		sel = n - 1;
	size_t rows = (size_t)h;
	if (n <= rows) {
		w->shown = n;
		return;
	}
	if (rows < 3) { /* no room for cues: a plain window */
		if (sel < top)
			top = sel;
		if (sel >= top + rows)
			top = sel + 1 - rows;
		w->top = top;
		w->shown = rows;
		return;
	}
	/* runs shown from top when cue rows take the first row (top > 0) and
	 * the last (the runs do not reach the end) */
	if (top > n - (rows - 1))
		top = n - (rows - 1);
	if (sel < top)
		top = sel;
	for (;;) {
		size_t fit = rows - (top > 0);
		if (top + fit < n)
			fit--;
		if (sel >= top + fit) {
			top++;
			continue;
		}
		w->top = top;
		w->shown = fit;
		w->above = top;
		w->below = n - top - fit;
		return;
	}
}

int tui_train_id_width(const int64_t *ids, size_t n)
{
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] > max)
			max = ids[i];
	int d = 1;
	for (; max >= 10; max /= 10)
		d++;
	return d;
}

void tui_train_row_figure(const char *status, int64_t step, int64_t total, double acc,
			  double acc_expl, const char *split, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	if (store_run_status_parse(status) == STORE_RUN_DONE) {
		double a = isfinite(acc_expl) && !(acc > acc_expl) ? acc_expl : acc;
		if (isfinite(a))
			snprintf(buf, n, "%s %.0f%%", split && *split ? split : "acc", 100 * a);
		return;
	}
	if (total > 0 && step >= 0)
		snprintf(buf, n, "%d%%", (int)(100 * (step < total ? step : total) / total));
}

/* ------------------------------------------------------------ inspect */

const char *tui_inspect_filter_name(int f)
{
	static const char *const names[] = {"all", "wrong", "right", "fixed", "broken"};
	return f >= 0 && f < TUI_INSPECT_N_FILTERS ? names[f] : "?";
}

static int cmp_pred_ptr(const void *a, const void *b)
{
	const struct store_pred *x = *(const struct store_pred *const *)a;
	const struct store_pred *y = *(const struct store_pred *const *)b;
	return x->item_id < y->item_id ? -1 : x->item_id > y->item_id;
}

static const struct store_pred **sorted(const struct store_pred *p, size_t n)
{
	const struct store_pred **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = &p[i];
	qsort(v, n, sizeof *v, cmp_pred_ptr);
	return v;
}

static int keep_row(const struct store_pred *a, const struct store_pred *b, int filter)
{
	switch (filter) {
	case TUI_INSPECT_WRONG: return a->correct != 1;
	case TUI_INSPECT_RIGHT: return a->correct == 1;
	case TUI_INSPECT_FIXED: return b && b->correct != 1 && a->correct == 1;
	case TUI_INSPECT_BROKEN: return b && b->correct == 1 && a->correct != 1;
	default: return 1;
	}
}

int tui_inspect_rows(const struct store_pred *a, size_t na, const struct store_pred *b, size_t nb,
		     int filter, struct tui_inspect_row **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!b)
		nb = 0;
	const struct store_pred **va = sorted(a, na), **vb = sorted(b, nb);
	struct tui_inspect_row *r = calloc(na ? na : 1, sizeof *r);
	if (!va || !vb || !r) {
		free(va);
		free(vb);
		free(r);
		return MENTOR_ENOMEM;
	}
	size_t j = 0, k = 0;
	for (size_t i = 0; i < na; i++) {
		const struct store_pred *pa = va[i];
		while (j < nb && vb[j]->item_id < pa->item_id)
			j++;
		const struct store_pred *pb = j < nb && vb[j]->item_id == pa->item_id ? vb[j]
										      : NULL;
		/* a duplicate item in a (one per split) pairs with the same b */
		if (keep_row(pa, pb, filter))
			r[k++] = (struct tui_inspect_row){pa->item_id, pa, pb};
	}
	free(va);
	free(vb);
	*out = r;
	*n = k;
	return 0;
}

void tui_inspect_summary(const struct store_pred *a, size_t na, const struct store_pred *b,
			 size_t nb, struct tui_inspect_sum *s)
{
	memset(s, 0, sizeof *s);
	if (!b)
		nb = 0;
	for (size_t i = 0; i < na; i++) {
		s->n++;
		s->correct += a[i].correct == 1;
		if (a[i].cot_correct >= 0) {
			s->cot_n++;
			s->cot_correct += a[i].cot_correct == 1;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		s->vs_n++;
		s->vs_correct += b[i].correct == 1;
		if (b[i].cot_correct >= 0) {
			s->vs_cot_n++;
			s->vs_cot_correct += b[i].cot_correct == 1;
		}
	}
	if (!nb)
		return;
	struct tui_inspect_row *r;
	size_t n;
	if (tui_inspect_rows(a, na, b, nb, TUI_INSPECT_FIXED, &r, &n) == 0) {
		s->fixed = (int64_t)n;
		free(r);
	}
	if (tui_inspect_rows(a, na, b, nb, TUI_INSPECT_BROKEN, &r, &n) == 0) {
		s->broken = (int64_t)n;
		free(r);
	}
}

static void put_acc(struct tui_line *l, const char *what, int64_t k, int64_t n, int counts)
{
	char t[96];
	if (n > 0 && counts)
		snprintf(t, sizeof t, " %s %.1f%% (%lld/%lld)", what, 100.0 * (double)k / (double)n,
			 (long long)k, (long long)n);
	else if (n > 0)
		snprintf(t, sizeof t, " %s %.1f%%", what, 100.0 * (double)k / (double)n);
	else
		snprintf(t, sizeof t, " %s -", what);
	tui_line_put(l, TUI_ROLE_NORMAL, t);
}

/* The sound share of a run's explanations and its right answers from wrong
 * reasoning; nothing when it has no checked explanation. */
static void put_check(struct tui_line *l, int64_t n, int64_t sound, int64_t right_wrong,
		      int compact, int lang)
{
	if (n <= 0)
		return;
	put_acc(l, i18n_text(lang, "sound"), sound, n, !compact);
	char t[48];
	snprintf(t, sizeof t, " %s %lld", i18n_text(lang, compact ? "rw" : "right-wrong"),
		 (long long)right_wrong);
	tui_line_put(l, right_wrong ? TUI_ROLE_WRONG : TUI_ROLE_NORMAL, t);
}

/* One rendering of the summary; compact drops the counts and shortens the
 * words and labels. */
static void summary_put(const struct tui_inspect_sum *s, const char *a_label, const char *b_label,
			int compact, int utf8, struct tui_line *l)
{
	const char *dir = i18n_text(s->lang, compact ? "dir" : "direct");
	const char *expl = i18n_text(s->lang, "expl");
	int lw = compact ? 14 : 24;
	const char *sep = utf8 ? " \xe2\x94\x82 " : " | ";
	tui_line_put(l, TUI_ROLE_TITLE, "A ");
	tui_line_text(l, TUI_ROLE_MATCH, a_label, strlen(a_label), lw, 1, utf8);
	put_acc(l, dir, s->correct, s->n, !compact);
	if (s->cot_n)
		put_acc(l, expl, s->cot_correct, s->cot_n, !compact);
	put_check(l, s->chk_n, s->chk_sound, s->chk_right_wrong, compact, s->lang);
	if (b_label) {
		tui_line_put(l, TUI_ROLE_BORDER, sep);
		tui_line_put(l, TUI_ROLE_TITLE, "B ");
		tui_line_text(l, TUI_ROLE_MATCH, b_label, strlen(b_label), lw, 1, utf8);
		put_acc(l, dir, s->vs_correct, s->vs_n, !compact);
		if (s->vs_cot_n)
			put_acc(l, expl, s->vs_cot_correct, s->vs_cot_n, !compact);
		put_check(l, s->vs_chk_n, s->vs_chk_sound, s->vs_chk_right_wrong, compact, s->lang);
		if (compact)
			return;
		tui_line_put(l, TUI_ROLE_BORDER, sep);
		char t[64];
		snprintf(t, sizeof t, i18n_text(s->lang, "fixed %lld"), (long long)s->fixed);
		tui_line_put(l, TUI_ROLE_CORRECT, t);
		snprintf(t, sizeof t, i18n_text(s->lang, " broken %lld"), (long long)s->broken);
		tui_line_put(l, TUI_ROLE_WRONG, t);
	}
}

int tui_inspect_summary_line(const struct tui_inspect_sum *s, const char *a_label,
			     const char *b_label, int width, int utf8, struct tui_line *l)
{
	int compact = 0;
	struct tui_lines tmp;
	tui_lines_init(&tmp);
	struct tui_line *t = tui_lines_add(&tmp);
	summary_put(s, a_label, b_label, 0, utf8, t);
	if (t->width > width) {
		tui_lines_release(&tmp);
		tui_lines_init(&tmp);
		t = tui_lines_add(&tmp);
		summary_put(s, a_label, b_label, 1, utf8, t);
		compact = 1;
	}
	/* hand the spans over to l (empty or not, it keeps what it had) */
	for (size_t i = 0; i < t->n; i++)
		tui_line_put(l, t->spans[i].role, t->spans[i].text);
	tui_lines_release(&tmp);
	tui_line_pad(l, TUI_ROLE_NORMAL, width);
	return compact;
}
