/* report: the self-contained HTML report of a run (and its comparison run):
 * HTML escaping, SVG line charts with ticks and legend, accuracy and the
 * fixed/broken ordering of example cases, and the page itself, read from the
 * workspace through store.h. Everything the page shows from the data is
 * escaped; the page loads nothing from outside. */
#include "mentor/report.h"
#include "mentor/eval.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/experiment.h"
#include "mentor/i18n.h"

/* ------------------------------------------------------------- escaping */

int report_html_escape_n(struct buf *out, const char *s, size_t n)
{
	if (!s)
		return 0;
	size_t i = 0, run = 0;
	while (i < n) {
		const char *rep = NULL;
		char tmp[16];
		uint32_t cp;
		int esc;
		size_t k = (size_t)util_term_char(s + i, n - i, UTIL_TERM_NL | UTIL_TERM_TAB, &cp,
						  tmp, &esc);
		if (esc)
			rep = cp == '\r' && i + 1 < n && s[i + 1] == '\n' ? "" : tmp; /* CRLF */
		else if (cp == '&')
			rep = "&amp;";
		else if (cp == '<')
			rep = "&lt;";
		else if (cp == '>')
			rep = "&gt;";
		else if (cp == '"')
			rep = "&quot;";
		else if (cp == '\'')
			rep = "&#39;";
		if (rep) {
			if (buf_append(out, s + run, i - run) || buf_puts(out, rep))
				return MENTOR_ENOMEM;
			run = i + k;
		}
		i += k;
	}
	return buf_append(out, s + run, i - run);
}

int report_html_escape(struct buf *out, const char *s)
{
	return s ? report_html_escape_n(out, s, strlen(s)) : 0;
}

/* ---------------------------------------------------------------- charts */

int report_ticks(double lo, double hi, int max_ticks, double *first, double *step)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (max_ticks < 1)
		max_ticks = 1;
	if (hi - lo <= 1e-12 * fmax(1.0, fabs(lo))) {
		double d = lo != 0 ? fabs(lo) * 0.5 : 1.0;
		int nonneg = lo >= 0;
		lo -= d;
		hi += d;
		if (nonneg && lo < 0)
			lo = 0;
	}
	double raw = (hi - lo) / max_ticks;
	double mag = pow(10.0, floor(log10(raw)));
	double r = raw / mag;
	double m = r <= 1.0 + 1e-9 ? 1 : r <= 2.0 + 1e-9 ? 2 : r <= 5.0 + 1e-9 ? 5 : 10;
	double st = m * mag;
	double f = floor(lo / st + 1e-9) * st;
	int count = (int)ceil((hi - f) / st - 1e-9) + 1;
	if (count < 2)
		count = 2;
	if (count > 200)
		count = 200;
	*first = f;
	*step = st;
	return count;
}

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};
#define PALETTE_N (sizeof palette / sizeof palette[0])

#define FONT_STACK                                                                                 \
	"'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', "                       \
	"Meiryo, 'DejaVu Sans', sans-serif"

/* Tick label: as many decimals as the step needs, no "-0". */
static int put_num(struct buf *b, double v, double step)
{
	if (fabs(v) < step * 1e-6)
		v = 0;
	if (fabs(v) >= 1e6 || (v != 0 && fabs(v) < 1e-4))
		return buf_printf(b, "%.3g", v);
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (dec > 6)
		dec = 6;
	return buf_printf(b, "%.*f", dec, v);
}

/* Escape at most max code points of s (then an ellipsis). */
static int put_short(struct buf *b, const char *s, size_t max)
{
	if (!s)
		return 0;
	size_t n = strlen(s), i = 0, cps = 0;
	while (i < n && cps < max) {
		uint32_t cp;
		i += (size_t)util_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		cps++;
	}
	if (report_html_escape_n(b, s, i))
		return MENTOR_ENOMEM;
	return i < n ? buf_puts(b, "\xE2\x80\xA6") : 0;
}

int report_svg_chart(struct buf *out, const struct report_chart *c, const struct report_series *s,
		     size_t n_series)
{
	int w = c && c->width > 0 ? c->width : REPORT_CHART_W;
	int h = c && c->height > 0 ? c->height : REPORT_CHART_H;
	double x0 = REPORT_CHART_LEFT, x1 = w - REPORT_CHART_LEGEND - 16;
	double y0 = REPORT_CHART_TOP, y1 = h - REPORT_CHART_BOTTOM;
	if (x1 < x0 + 10)
		x1 = x0 + 10;
	if (y1 < y0 + 10)
		y1 = y0 + 10;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	size_t points = 0;
	for (size_t k = 0; k < n_series; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x[i], y = s[k].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xmin = fmin(xmin, x);
			xmax = fmax(xmax, x);
			ymin = fmin(ymin, y);
			ymax = fmax(ymax, y);
			points++;
		}
	int rc = 0;
	if (c && c->standalone)
		rc |= buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<svg xmlns=\"http://www.w3.org/2000/svg\" ");
	else
		rc |= buf_puts(out, "<svg ");
	rc |= buf_printf(out,
			 "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
			 "font-family=\"" FONT_STACK "\" font-size=\"12\">\n",
			 w, h, w, h);
	if (c && c->title) {
		rc |= buf_puts(out, "<title>");
		rc |= report_html_escape(out, c->title);
		rc |= buf_puts(out, "</title>\n");
	}
	rc |= buf_printf(out,
			 "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w,
			 h);
	if (c && c->title) {
		rc |= buf_printf(out,
				 "<text x=\"%.1f\" y=\"20\" font-size=\"14\" "
				 "font-weight=\"bold\" fill=\"#222222\">",
				 x0);
		rc |= report_html_escape(out, c->title);
		rc |= buf_puts(out, "</text>\n");
	}
	if (points == 0) {
		rc |= buf_printf(out,
				 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				 "fill=\"none\" stroke=\"#999999\"/>\n",
				 x0, y0, x1 - x0, y1 - y0);
		rc |= buf_printf(out,
				 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				 "fill=\"#777777\">",
				 (x0 + x1) / 2, (y0 + y1) / 2);
		rc |= report_html_escape(out, c && c->no_data ? c->no_data : "no data");
		rc |= buf_puts(out, "</text>\n");
		rc |= buf_puts(out, "</svg>\n");
		return rc ? MENTOR_ENOMEM : 0;
	}
	double xf, xs, yf, ys;
	int xn = report_ticks(xmin, xmax, 8, &xf, &xs);
	int yn = report_ticks(ymin, ymax, 6, &yf, &ys);
	double xa = xf, xb = xf + (xn - 1) * xs, ya = yf, yb = yf + (yn - 1) * ys;
#define PX(v) (x0 + ((v)-xa) / (xb - xa) * (x1 - x0))
#define PY(v) (y1 - ((v)-ya) / (yb - ya) * (y1 - y0))
	/* grid and tick labels */
	rc |= buf_puts(out, "<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
	for (int i = 0; i < yn; i++)
		rc |= buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
				 x0, PY(yf + i * ys), x1, PY(yf + i * ys));
	for (int i = 0; i < xn; i++)
		rc |= buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
				 PX(xf + i * xs), y0, PX(xf + i * xs), y1);
	rc |= buf_puts(out, "</g>\n<g fill=\"#444444\" font-size=\"11\">\n");
	for (int i = 0; i < yn; i++) {
		rc |= buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x0 - 6,
				 PY(yf + i * ys) + 4);
		rc |= put_num(out, yf + i * ys, ys);
		rc |= buf_puts(out, "</text>\n");
	}
	for (int i = 0; i < xn; i++) {
		rc |= buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
				 PX(xf + i * xs), y1 + 16);
		rc |= put_num(out, xf + i * xs, xs);
		rc |= buf_puts(out, "</text>\n");
	}
	rc |= buf_puts(out, "</g>\n");
	rc |= buf_printf(out,
			 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			 "fill=\"none\" stroke=\"#888888\"/>\n",
			 x0, y0, x1 - x0, y1 - y0);
	if (c && c->x_label) {
		rc |= buf_printf(out,
				 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				 "fill=\"#222222\">",
				 (x0 + x1) / 2, y1 + 36);
		rc |= report_html_escape(out, c->x_label);
		rc |= buf_puts(out, "</text>\n");
	}
	if (c && c->y_label) {
		rc |= buf_printf(
			out,
			"<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#222222\" "
			"transform=\"rotate(-90 14 %.1f)\">",
			(y0 + y1) / 2, (y0 + y1) / 2);
		rc |= report_html_escape(out, c->y_label);
		rc |= buf_puts(out, "</text>\n");
	}
	/* series */
	for (size_t k = 0; k < n_series; k++) {
		const char *col = palette[(size_t)(s[k].color < 0 ? 0 : s[k].color) % PALETTE_N];
		size_t shown = 0;
		double lx = 0, ly = 0;
		for (size_t i = 0; i < s[k].n; i++)
			if (isfinite(s[k].x[i]) && isfinite(s[k].y[i]))
				shown++;
		if (shown == 0)
			continue;
		rc |= buf_printf(out,
				 "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s "
				 "points=\"",
				 col, s[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
		int first = 1;
		for (size_t i = 0; i < s[k].n; i++) {
			if (!isfinite(s[k].x[i]) || !isfinite(s[k].y[i]))
				continue;
			lx = PX(s[k].x[i]);
			ly = PY(s[k].y[i]);
			rc |= buf_printf(out, "%s%.1f,%.1f", first ? "" : " ", lx, ly);
			first = 0;
		}
		rc |= buf_puts(out, "\"/>\n");
		if (shown == 1) /* a lone point draws no line */
			rc |= buf_printf(out,
					 "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
					 lx, ly, col);
	}
	/* legend */
	rc |= buf_puts(out, "<g font-size=\"12\" fill=\"#222222\">\n");
	double gx = x1 + 14, gy = y0 + 8;
	for (size_t k = 0; k < n_series && gy < h - 8; k++) {
		const char *col = palette[(size_t)(s[k].color < 0 ? 0 : s[k].color) % PALETTE_N];
		rc |= buf_printf(out,
				 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				 "stroke=\"%s\" stroke-width=\"2.5\"%s/>\n",
				 gx, gy, gx + 24, gy, col,
				 s[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
		rc |= buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">", gx + 30, gy + 4);
		rc |= put_short(out, s[k].name ? s[k].name : "", 24);
		rc |= buf_puts(out, "</text>\n");
		gy += 20;
	}
	rc |= buf_puts(out, "</g>\n</svg>\n");
#undef PX
#undef PY
	return rc ? MENTOR_ENOMEM : 0;
}

/* -------------------------------------------------------------- accuracy */

void report_accuracy(const struct store_pred *p, size_t n, const char *split,
		     struct report_acc *acc)
{
	memset(acc, 0, sizeof *acc);
	for (size_t i = 0; i < n; i++) {
		if (split && (!p[i].split || strcmp(p[i].split, split)))
			continue;
		acc->n++;
		if (p[i].correct == 1)
			acc->correct++;
		if (p[i].cot_correct != -1) {
			acc->cot_n++;
			if (p[i].cot_correct == 1)
				acc->cot_correct++;
		}
	}
}

double report_ratio(int64_t correct, int64_t n)
{
	return n > 0 ? (double)correct / (double)n : -1.0;
}

const char *report_case_name(int kind)
{
	static const char *const names[REPORT_CASE_N] = {
		"fixed", "broken", "both wrong", "both right", "wrong", "right",
	};
	return kind >= 0 && kind < REPORT_CASE_N ? names[kind] : "?";
}

static int cmp_pred_ptr(const void *a, const void *b)
{
	const struct store_pred *x = *(const struct store_pred *const *)a;
	const struct store_pred *y = *(const struct store_pred *const *)b;
	return x->item_id < y->item_id ? -1 : x->item_id > y->item_id;
}

static int cmp_case(const void *a, const void *b)
{
	const struct report_case *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->item_id < y->item_id ? -1 : x->item_id > y->item_id;
}

int report_cases(const struct store_pred *run, size_t n_run, const struct store_pred *vs,
		 size_t n_vs, size_t cap, struct report_case **out, size_t *n_out,
		 int64_t counts[REPORT_CASE_N])
{
	*out = NULL;
	*n_out = 0;
	if (counts)
		memset(counts, 0, sizeof(int64_t) * REPORT_CASE_N);
	if (n_run == 0)
		return 0;
	const struct store_pred **idx = NULL;
	size_t bytes;
	if (!vs)
		n_vs = 0;
	if (n_vs) {
		if (util_mul_size(n_vs, sizeof *idx, &bytes) || !(idx = malloc(bytes)))
			return MENTOR_ENOMEM;
		for (size_t i = 0; i < n_vs; i++)
			idx[i] = &vs[i];
		qsort(idx, n_vs, sizeof *idx, cmp_pred_ptr);
	}
	struct report_case *all;
	if (util_mul_size(n_run, sizeof *all, &bytes) || !(all = malloc(bytes))) {
		free(idx);
		return MENTOR_ENOMEM;
	}
	for (size_t i = 0; i < n_run; i++) {
		const struct store_pred *r = &run[i], *v = NULL;
		if (n_vs) {
			const struct store_pred *key = r;
			const struct store_pred **hit = bsearch(&key, idx, n_vs, sizeof *idx,
								cmp_pred_ptr);
			v = hit ? *hit : NULL;
		}
		int ok = r->correct == 1;
		int kind;
		if (!v)
			kind = ok ? REPORT_CASE_RIGHT : REPORT_CASE_WRONG;
		else if (v->correct == 1)
			kind = ok ? REPORT_CASE_BOTH_RIGHT : REPORT_CASE_BROKEN;
		else
			kind = ok ? REPORT_CASE_FIXED : REPORT_CASE_BOTH_WRONG;
		all[i] = (struct report_case){r->item_id, r, v, kind};
		if (counts)
			counts[kind]++;
	}
	free(idx);
	qsort(all, n_run, sizeof *all, cmp_case);
	size_t keep = n_run < cap ? n_run : cap;
	if (keep == 0) {
		free(all);
		return 0;
	}
	*out = all;
	*n_out = keep;
	return 0;
}

/* ------------------------------------------------------------------ page */

static const char *const metric_names[] = {"loss", "loss_ans", "loss_exp", "val_loss"};
#define N_METRICS (sizeof metric_names / sizeof metric_names[0])

/* The column head of each review state. */
static const int review_heads[STORE_N_REVIEWS] = {
	[STORE_REVIEW_PENDING] = I18N_R_ST_PENDING,
	[STORE_REVIEW_ACCEPTED] = I18N_R_ST_ACCEPTED,
	[STORE_REVIEW_REJECTED] = I18N_R_ST_REJECTED,
	[STORE_REVIEW_FLAGGED] = I18N_R_ST_FLAGGED,
};

/* One run as the report sees it. */
struct side {
	struct store_run r;
	struct store_pred *pred;
	size_t n_pred;
	struct store_metric *m[N_METRICS];
	size_t nm[N_METRICS];
	char label[128];
	struct eval_check ck[3]; /* its explanations checked, per split of check_splits */
};

static const char *const check_splits[3] = {"test", "dev", "train"};

static void side_release(struct side *sd)
{
	store_run_release(&sd->r);
	for (size_t i = 0; i < sd->n_pred; i++)
		store_pred_release(&sd->pred[i]);
	free(sd->pred);
	for (size_t k = 0; k < N_METRICS; k++)
		free(sd->m[k]);
	memset(sd, 0, sizeof *sd);
}

static int side_load(struct store *st, int64_t id, struct side *sd, char *err)
{
	memset(sd, 0, sizeof *sd);
	int rc = store_run_get(st, id, &sd->r, err);
	if (rc)
		return rc;
	if (sd->r.name && *sd->r.name)
		snprintf(sd->label, sizeof sd->label, "%s", sd->r.name);
	else
		snprintf(sd->label, sizeof sd->label, "run %lld", (long long)sd->r.id);
	if (store_pred_list(st, id, &sd->pred, &sd->n_pred, err))
		return MENTOR_ERR;
	for (size_t k = 0; k < N_METRICS; k++)
		if (store_metric_get(st, id, metric_names[k], INT64_MIN, &sd->m[k], &sd->nm[k],
				     err))
			return MENTOR_ERR;
	for (int k = 0; k < 3; k++)
		if (eval_check_run(st, id, check_splits[k], &sd->ck[k], err))
			return MENTOR_ERR;
	return 0;
}

struct expl_counts {
	int64_t n[STORE_N_MODES][STORE_N_REVIEWS]; /* [mode][review state] */
	int64_t correct[STORE_N_MODES];            /* teacher's answer matched gold */
	int64_t items;
	int64_t items_with; /* items with at least one explanation */
	int64_t items_accepted;
};

static int count_explanations(struct store *st, int64_t dataset_id, struct expl_counts *ec,
			      char *err)
{
	memset(ec, 0, sizeof *ec);
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	int64_t after = 0;
	for (;;) {
		struct store_item *items = NULL;
		size_t n = 0;
		if (store_item_page(st, &f, 0, after, 500, &items, &n, err))
			return MENTOR_ERR;
		int rc = 0;
		for (size_t i = 0; i < n && !rc; i++) {
			struct store_expl *ex = NULL;
			size_t ne = 0;
			ec->items++;
			rc = store_expl_for_item(st, items[i].id, &ex, &ne, err);
			int any_acc = 0;
			for (size_t j = 0; j < ne; j++) {
				int m = store_mode_parse(ex[j].mode);
				int s = store_review_parse(ex[j].status);
				if (m >= 0 && s >= 0)
					ec->n[m][s]++;
				if (m >= 0 && ex[j].correct == 1)
					ec->correct[m]++;
				if (s == STORE_REVIEW_ACCEPTED)
					any_acc = 1;
				store_expl_release(&ex[j]);
			}
			free(ex);
			ec->items_with += ne > 0;
			ec->items_accepted += any_acc;
		}
		if (n)
			after = items[n - 1].id;
		for (size_t i = 0; i < n; i++)
			store_item_release(&items[i]);
		free(items);
		if (rc)
			return MENTOR_ERR;
		if (n < 500)
			return 0;
	}
}

static const char page_css[] =
	":root{color-scheme:light}\n"
	"body{font-family:\"Noto Sans CJK JP\",\"Noto Sans JP\",\"Hiragino Sans\","
	"\"Hiragino Kaku Gothic ProN\",\"Yu Gothic\",\"YuGothic\",Meiryo,system-ui,sans-serif;"
	"color:#222;background:#fff;max-width:1040px;margin:1.5em auto;padding:0 1em;"
	"line-height:1.55;line-break:strict}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\n"
	"h3{font-size:1.05em;margin:.2em 0 .5em}h4{font-size:.95em;margin:.8em 0 .2em;color:#444}\n"
	"table{border-collapse:collapse;margin:.6em 0}\n"
	"th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".muted{color:#777}.right{color:#17692d;font-weight:bold}"
	".wrong{color:#b3261e;font-weight:bold}\n"
	".card{border:1px solid #ccc;border-left:6px solid #999;border-radius:6px;"
	"padding:.6em 1em;margin:1em 0}\n"
	".card.fixed{border-left-color:#2ca02c}.card.broken{border-left-color:#d62728}\n"
	".tag{display:inline-block;font-size:.8em;padding:0 .5em;border-radius:4px;"
	"background:#eee;margin-right:.5em}\n"
	".tag.fixed{background:#d8f0d8}.tag.broken{background:#f6d6d6}\n"
	".txt{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;"
	"border:1px solid #eee;padding:.4em .6em;margin:0}\n"
	"figure{margin:.5em 0}svg{max-width:100%;height:auto}\n"
	".verdict{font-size:1.1em;font-weight:bold}tr.best td{background:#eef7ee}\n"
	"@media print{.card{break-inside:avoid}}\n";

/* The catalogue's text of msg in the report's language. */
#define T(msg) i18n_get(lang, (msg))

/* s escaped for HTML, as a heap string (caller frees), for a catalogue
 * format's %s; NULL when out of memory. */
static char *esc(const char *s)
{
	struct buf e;
	buf_init(&e);
	if (report_html_escape(&e, s ? s : "") || buf_puts(&e, "")) {
		buf_release(&e);
		return NULL;
	}
	return e.data;
}

static int put_na(struct buf *b, int lang)
{
	int rc = buf_puts(b, "<span class=\"muted\">");
	rc |= buf_puts(b, T(I18N_R_NA));
	return rc | buf_puts(b, "</span>");
}

static int put_pct(struct buf *b, int64_t correct, int64_t n, int lang)
{
	if (n <= 0)
		return put_na(b, lang);
	return buf_printf(b, "%.1f%% (%lld/%lld)", 100.0 * (double)correct / (double)n,
			  (long long)correct, (long long)n);
}

static int put_cell(struct buf *b, const char *tag, const char *cls, const char *text)
{
	int rc = buf_printf(b, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "",
			    cls ? "\"" : "");
	rc |= report_html_escape(b, text);
	rc |= buf_printf(b, "</%s>", tag);
	return rc;
}

static int put_loss_chart(struct buf *b, const struct side *sd, size_t n_sides, int standalone,
			  int lang)
{
	struct report_series ser[2 * N_METRICS];
	double *xs[2 * N_METRICS] = {0}, *ys[2 * N_METRICS] = {0};
	char names[2 * N_METRICS][160];
	size_t ns = 0;
	int rc = 0;
	for (size_t k = 0; k < n_sides; k++)
		for (size_t j = 0; j < N_METRICS; j++) {
			size_t n = sd[k].nm[j];
			if (n == 0)
				continue;
			double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
			if (!x || !y) {
				free(x);
				free(y);
				rc = MENTOR_ENOMEM;
				goto out;
			}
			for (size_t i = 0; i < n; i++) {
				x[i] = (double)sd[k].m[j][i].step;
				y[i] = sd[k].m[j][i].value;
			}
			xs[ns] = x;
			ys[ns] = y;
			snprintf(names[ns], sizeof names[ns], "%s %s", sd[k].label,
				 metric_names[j]);
			ser[ns] = (struct report_series){names[ns], x, y, n, (int)j, k > 0};
			ns++;
		}
	struct report_chart ch = {0};
	ch.title = T(I18N_R_CHART_TITLE);
	ch.x_label = T(I18N_R_CHART_STEP);
	ch.y_label = T(I18N_R_CHART_LOSS);
	ch.no_data = T(I18N_R_NO_DATA);
	ch.standalone = standalone;
	rc = report_svg_chart(b, &ch, ser, ns);
out:
	for (size_t i = 0; i < ns; i++) {
		free(xs[i]);
		free(ys[i]);
	}
	return rc;
}

static int split_rank(const char *s)
{
	return !s                    ? 9
	       : !strcmp(s, "test")  ? 0
	       : !strcmp(s, "dev")   ? 1
	       : !strcmp(s, "train") ? 2
				     : 3;
}

/* Distinct splits of the predictions, test first. */
static size_t collect_splits(const struct side *sd, size_t n_sides, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t k = 0; k < n_sides; k++)
		for (size_t i = 0; i < sd[k].n_pred; i++) {
			const char *s = sd[k].pred[i].split;
			if (!s)
				continue;
			size_t j = 0;
			while (j < n && strcmp(out[j], s))
				j++;
			if (j == n && n < cap)
				out[n++] = s;
		}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && split_rank(out[j]) < split_rank(out[j - 1]); j--) {
			const char *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static const struct eval_check *check_of(const struct side *sd, const char *split)
{
	for (int k = 0; k < 3; k++)
		if (!strcmp(split, check_splits[k]))
			return &sd->ck[k];
	return NULL;
}

/* The two check cells of a run and split: "n/a" without explanations. */
static int put_check(struct buf *b, const struct eval_check *ck, int lang)
{
	int rc;
	if (!ck || ck->n == 0) {
		rc = buf_puts(b, "<td class=\"num\">");
		rc |= put_na(b, lang);
		rc |= buf_puts(b, "</td><td class=\"num\">");
		rc |= put_na(b, lang);
		return rc | buf_puts(b, "</td>");
	}
	rc = buf_puts(b, "<td class=\"num\">");
	rc |= put_pct(b, ck->n_sound, ck->n, lang);
	if (ck->n_no_steps) {
		rc |= buf_puts(b, " <span class=\"muted\">");
		rc |= buf_printf(b, T(I18N_R_NO_STEPS), (long long)ck->n_no_steps);
		rc |= buf_puts(b, "</span>");
	}
	rc |= buf_printf(b, "</td><td class=\"num\">%lld</td>", (long long)ck->n_right_wrong);
	return rc;
}

/* A table's header row of catalogue labels. */
static int put_head(struct buf *b, int lang, const int *msgs, size_t n)
{
	int rc = buf_puts(b, "<tr>");
	for (size_t i = 0; i < n; i++)
		rc |= buf_printf(b, "<th>%s</th>", T(msgs[i]));
	return rc | buf_puts(b, "</tr>\n");
}

static int put_accuracy(struct buf *b, const struct side *sd, size_t n_sides, int lang)
{
	const char *splits[8];
	size_t nsp = collect_splits(sd, n_sides, splits, 8);
	int rc = 0;
	if (nsp == 0)
		return buf_printf(b, "<p class=\"muted\">%s</p>\n", T(I18N_R_NO_PRED));
	static const int head[] = {I18N_R_H_RUN,   I18N_R_H_VARIANT,    I18N_R_H_SPLIT,
				   I18N_R_H_ITEMS, I18N_R_H_DIRECT,     I18N_R_H_EXPLAIN,
				   I18N_R_H_SOUND, I18N_R_H_RIGHT_WRONG};
	rc |= buf_puts(b, "<table class=\"acc\">\n");
	rc |= put_head(b, lang, head, sizeof head / sizeof head[0]);
	/* the comparison (baseline) first, then the run */
	for (size_t sp = 0; sp < nsp; sp++) {
		struct report_acc acc[2];
		for (size_t o = 0; o < n_sides; o++) {
			size_t k = n_sides - 1 - o;
			report_accuracy(sd[k].pred, sd[k].n_pred, splits[sp], &acc[k]);
			rc |= buf_puts(b, "<tr>");
			rc |= put_cell(b, "td", NULL, sd[k].label);
			rc |= put_cell(b, "td", NULL, sd[k].r.variant);
			rc |= put_cell(b, "td", NULL, splits[sp]);
			rc |= buf_printf(b, "<td class=\"num\">%lld</td><td class=\"num\">",
					 (long long)acc[k].n);
			rc |= put_pct(b, acc[k].correct, acc[k].n, lang);
			rc |= buf_puts(b, "</td><td class=\"num\">");
			rc |= put_pct(b, acc[k].cot_correct, acc[k].cot_n, lang);
			rc |= buf_puts(b, "</td>");
			rc |= put_check(b, check_of(&sd[k], splits[sp]), lang);
			rc |= buf_puts(b, "</tr>\n");
		}
		if (n_sides == 2 && acc[0].n > 0 && acc[1].n > 0) {
			rc |= buf_printf(b, "<tr><td colspan=\"3\"><em>%s</em> (",
					 T(I18N_R_CHANGE));
			rc |= report_html_escape(b, sd[0].label);
			rc |= buf_puts(b, " \xE2\x88\x92 ");
			rc |= report_html_escape(b, sd[1].label);
			rc |= buf_puts(b, ", ");
			rc |= report_html_escape(b, splits[sp]);
			rc |= buf_puts(b, ")</td><td></td><td class=\"num\">");
			rc |= buf_printf(b, T(I18N_R_PP),
					 100.0 * (report_ratio(acc[0].correct, acc[0].n) -
						  report_ratio(acc[1].correct, acc[1].n)));
			rc |= buf_puts(b, "</td><td class=\"num\">");
			if (acc[0].cot_n > 0 && acc[1].cot_n > 0)
				rc |= buf_printf(b, T(I18N_R_PP),
						 100.0 * (report_ratio(acc[0].cot_correct,
								       acc[0].cot_n) -
							  report_ratio(acc[1].cot_correct,
								       acc[1].cot_n)));
			rc |= buf_puts(b, "</td>");
			rc |= buf_puts(b, "<td></td><td></td></tr>\n");
		}
	}
	rc |= buf_printf(b, "</table>\n<p class=\"muted\">%s</p>\n", T(I18N_R_ACC_NOTE));
	return rc;
}

static int put_expl_counts(struct buf *b, const struct expl_counts *ec, int lang)
{
	int rc = buf_puts(b, "<p>");
	rc |= buf_printf(b, T(I18N_R_EXPL_COUNTS), (long long)ec->items, (long long)ec->items_with,
			 (long long)ec->items_accepted);
	rc |= buf_puts(b, "</p>\n<table class=\"expl\">\n");
	int head[STORE_N_REVIEWS + 3], nh = 0;
	head[nh++] = I18N_R_H_MODE;
	for (int s = 0; s < STORE_N_REVIEWS; s++)
		head[nh++] = review_heads[s];
	head[nh++] = I18N_R_H_TOTAL;
	head[nh++] = I18N_R_H_TEACHER_OK;
	rc |= put_head(b, lang, head, (size_t)nh);
	int64_t col[STORE_N_REVIEWS + 1] = {0}, corr = 0; /* per state, then the total */
	for (int m = 0; m < STORE_N_MODES; m++) {
		int64_t tot = 0;
		rc |= buf_printf(b, "<tr><td>%s</td>", store_mode_name((enum store_mode)m));
		for (int s = 0; s < STORE_N_REVIEWS; s++) {
			rc |= buf_printf(b, "<td class=\"num\">%lld</td>", (long long)ec->n[m][s]);
			tot += ec->n[m][s];
			col[s] += ec->n[m][s];
		}
		col[STORE_N_REVIEWS] += tot;
		corr += ec->correct[m];
		rc |= buf_printf(b, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td></tr>\n",
				 (long long)tot, (long long)ec->correct[m]);
	}
	rc |= buf_printf(b, "<tr><th>%s</th>", T(I18N_R_ALL));
	for (int s = 0; s <= STORE_N_REVIEWS; s++)
		rc |= buf_printf(b, "<td class=\"num\">%lld</td>", (long long)col[s]);
	rc |= buf_printf(b, "<td class=\"num\">%lld</td></tr>\n</table>\n", (long long)corr);
	return rc;
}

/* The explanation the run was trained on: accepted, of the run's source
 * mode when it names one, newest first. Index into ex or -1. */
static int pick_teacher(const struct store_expl *ex, size_t n, const char *source)
{
	int any = -1, mode = store_mode_parse(source);
	for (size_t i = 0; i < n; i++) {
		if (store_review_parse(ex[i].status) != STORE_REVIEW_ACCEPTED)
			continue;
		if (mode >= 0 && store_mode_parse(ex[i].mode) == mode)
			return (int)i;
		if (any < 0)
			any = (int)i;
	}
	return any;
}

static int put_choices(struct buf *b, const char *choices_json)
{
	if (!choices_json || strlen(choices_json) > (1u << 20))
		return 0;
	cJSON *arr = cJSON_Parse(choices_json);
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		return 0;
	}
	int rc = buf_puts(b, "<ul class=\"choices\">");
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(it, "label");
		const cJSON *txt = cJSON_GetObjectItemCaseSensitive(it, "text");
		rc |= buf_puts(b, "<li>");
		if (cJSON_IsString(lab)) {
			rc |= buf_puts(b, "(");
			rc |= report_html_escape(b, lab->valuestring);
			rc |= buf_puts(b, ") ");
		}
		if (cJSON_IsString(txt))
			rc |= report_html_escape(b, txt->valuestring);
		rc |= buf_puts(b, "</li>");
	}
	rc |= buf_puts(b, "</ul>\n");
	cJSON_Delete(arr);
	return rc;
}

static int put_answer_row(struct buf *b, const char *who, const char *label, const char *ans,
			  int correct, int lang)
{
	int rc = buf_puts(b, "<tr><th>");
	rc |= report_html_escape(b, who);
	if (label) {
		rc |= buf_puts(b, " <span class=\"muted\">(");
		rc |= report_html_escape(b, label);
		rc |= buf_puts(b, ")</span>");
	}
	rc |= buf_printf(b, "</th><td class=\"%s\">",
			 correct == 1   ? "right"
			 : correct == 0 ? "wrong"
					: "gold");
	if (ans && *ans)
		rc |= report_html_escape(b, ans);
	else
		rc |= buf_printf(b, "<span class=\"muted\">%s</span>", T(I18N_R_NONE));
	if (correct == 1 || correct == 0)
		rc |= buf_puts(b, correct ? " \xE2\x9C\x93" : " \xE2\x9C\x97");
	rc |= buf_puts(b, "</td></tr>\n");
	return rc;
}

static int put_block(struct buf *b, const char *title, const char *text, int lang)
{
	int rc = buf_puts(b, "<h4>");
	rc |= report_html_escape(b, title);
	rc |= buf_puts(b, "</h4>\n");
	if (text && *text) {
		rc |= buf_puts(b, "<div class=\"txt\">");
		rc |= report_html_escape(b, text);
		rc |= buf_puts(b, "</div>\n");
	} else {
		rc |= buf_printf(b, "<p class=\"muted\">%s</p>\n", T(I18N_R_NONE));
	}
	return rc;
}

static int put_card(struct store *st, struct buf *b, const struct report_case *cs,
		    const struct side *sd, size_t n_sides, int lang, char *err)
{
	struct store_item it;
	memset(&it, 0, sizeof it);
	char sub[MENTOR_ERR_LEN];
	if (store_item_get(st, cs->item_id, &it, sub))
		return 0; /* the item was deleted since the evaluation */
	struct store_expl *ex = NULL;
	size_t ne = 0;
	if (store_expl_for_item(st, it.id, &ex, &ne, err)) {
		store_item_release(&it);
		return MENTOR_ERR;
	}
	const char *kind = lang == I18N_EN ? report_case_name(cs->kind)
			   : cs->kind >= 0 && cs->kind < REPORT_CASE_N
				   ? T(I18N_R_CASE_FIXED + cs->kind)
				   : "?";
	const char *cls = cs->kind == REPORT_CASE_FIXED    ? "fixed"
			  : cs->kind == REPORT_CASE_BROKEN ? "broken"
							   : "other";
	int rc = buf_printf(b, "<article class=\"card %s\">\n<h3><span class=\"tag %s\">%s</span>",
			    cls, cls, kind);
	rc |= buf_printf(b, T(I18N_R_ITEM), (long long)it.id);
	if (it.ext_id) {
		rc |= buf_puts(b, " \xC2\xB7 ");
		rc |= report_html_escape(b, it.ext_id);
	}
	rc |= buf_puts(b, " \xC2\xB7 ");
	rc |= report_html_escape(b, it.split);
	rc |= buf_puts(b, "</h3>\n<div class=\"txt q\">");
	rc |= report_html_escape(b, it.question);
	rc |= buf_puts(b, "</div>\n");
	rc |= put_choices(b, it.choices_json);
	rc |= buf_puts(b, "<table class=\"answers\">\n");
	rc |= put_answer_row(b, T(I18N_R_GOLD), NULL, it.answer, -1, lang);
	if (n_sides == 2)
		rc |= put_answer_row(b, T(I18N_R_BASE_ANSWER), sd[1].label,
				     cs->vs ? cs->vs->answer : NULL, cs->vs ? cs->vs->correct : -1,
				     lang);
	rc |= put_answer_row(b, T(I18N_R_TRAINED_ANSWER), sd[0].label, cs->run->answer,
			     cs->run->correct, lang);
	if (cs->run->cot_correct != -1)
		rc |= put_answer_row(b, T(I18N_R_COT_ANSWER), sd[0].label, cs->run->cot_answer,
				     cs->run->cot_correct, lang);
	rc |= buf_puts(b, "</table>\n");
	rc |= put_block(b, T(I18N_R_MODEL_EXPL), cs->run->cot_text, lang);
	int t = pick_teacher(ex, ne, sd[0].r.source);
	if (t >= 0) {
		const struct store_expl *e = &ex[t];
		char title[320], where[96] = "";
		/* training reads the train split only */
		if (!it.split || strcmp(it.split, "train"))
			snprintf(where, sizeof where, T(I18N_R_NOT_TRAINED),
				 it.split ? it.split : T(I18N_R_UNSPLIT));
		snprintf(title, sizeof title, T(I18N_R_TEACHER_EXPL_OF), e->mode ? e->mode : "?",
			 e->provider ? e->provider : "?", e->model ? e->model : "?",
			 e->edited_text ? T(I18N_R_EDITED) : "", where);
		rc |= put_block(b, title, e->edited_text ? e->edited_text : e->text, lang);
	} else {
		rc |= put_block(b, T(I18N_R_TEACHER_EXPL), NULL, lang);
	}
	rc |= put_block(b, T(I18N_R_GOLD_RATIONALE), it.gold_rationale, lang);
	rc |= buf_puts(b, "</article>\n");
	for (size_t i = 0; i < ne; i++)
		store_expl_release(&ex[i]);
	free(ex);
	store_item_release(&it);
	return rc ? MENTOR_ENOMEM : 0;
}

static int put_run_table(struct buf *b, const struct side *sd, size_t n_sides, const char *dataset,
			 int lang)
{
	int rc = buf_printf(b,
			    "<table class=\"runs\">\n<tr><th>%s</th><th>%s</th><th>id</th>"
			    "<th>%s</th><th>&#945;</th><th>%s</th><th>%s</th><th>%s</th>"
			    "<th>%s</th><th>%s</th></tr>\n",
			    T(I18N_R_H_ROLE), T(I18N_R_H_RUN), T(I18N_R_H_VARIANT),
			    T(I18N_R_H_EXPLANATIONS), T(I18N_R_H_STATUS), T(I18N_R_H_STEPS),
			    T(I18N_R_H_DATASET), T(I18N_R_H_PREDICTIONS));
	for (size_t o = 0; o < n_sides; o++) {
		size_t k = n_sides - 1 - o;
		const struct store_run *r = &sd[k].r;
		rc |= buf_printf(b, "<tr><td>%s</td>",
				 T(k == 0 ? I18N_R_ROLE_TRAINED : I18N_R_ROLE_BASELINE));
		rc |= put_cell(b, "td", NULL, sd[k].label);
		rc |= buf_printf(b, "<td class=\"num\">%lld</td>", (long long)r->id);
		rc |= put_cell(b, "td", NULL, r->variant);
		rc |= buf_printf(b, "<td class=\"num\">%.2f</td>", r->alpha);
		/* a baseline learns from answers only: no explanation source */
		rc |= put_cell(b, "td", NULL,
			       r->variant && !strcmp(r->variant, "baseline") ? "-" : r->source);
		rc |= put_cell(b, "td", NULL, r->status);
		rc |= buf_printf(b, "<td class=\"num\">%lld/%lld</td>", (long long)r->step,
				 (long long)r->total_steps);
		rc |= put_cell(b, "td", NULL, dataset);
		rc |= buf_printf(b, "<td class=\"num\">%zu</td></tr>\n", sd[k].n_pred);
	}
	rc |= buf_puts(b, "</table>\n");
	return rc;
}

/* A fraction as a percentage with one decimal ("-" for NAN). */
static int put_pct1(struct buf *b, double frac)
{
	return isnan(frac) ? buf_puts(b, "&#8211;") : buf_printf(b, "%.1f", 100.0 * frac);
}

static int put_range(struct buf *b, double lo, double hi, int lang)
{
	if (isnan(lo) || isnan(hi))
		return buf_puts(b, "&#8211;");
	return buf_printf(b, T(I18N_R_RANGE), 100.0 * lo, 100.0 * hi);
}

/* The experiment's table and verdict, the first thing the page shows. */
static int put_experiment(struct buf *b, const struct experiment_results *r, int lang)
{
	char verdict[sizeof r->verdict];
	experiment_verdict_lang(r, lang, verdict, sizeof verdict);
	char *name = esc(r->name), *source = esc(r->source), *preset = esc(r->preset);
	char *split = esc(r->split);
	int rc = !name || !source || !preset || !split;
	rc |= buf_puts(b, "<section id=\"experiment\">\n<h2>");
	rc |= buf_printf(b, T(I18N_R_EXPERIMENT), name ? name : "");
	rc |= buf_puts(b, "</h2>\n<p class=\"verdict\">");
	rc |= report_html_escape(b, verdict);
	rc |= buf_puts(b, "</p>\n<p class=\"muted\">");
	rc |= buf_printf(b, T(I18N_R_EVALUATED), r->n_evaluated, r->n_runs);
	if (r->n_failed)
		rc |= buf_printf(b, T(I18N_R_FAILED), r->n_failed);
	rc |= buf_printf(b, T(r->n_seeds == 1 ? I18N_R_SEED_FROM : I18N_R_SEEDS_FROM), r->n_seeds,
			 source ? source : "");
	rc |= buf_printf(b, T(I18N_R_PRESET), preset ? preset : "", (long long)r->steps,
			 split ? split : "", (long long)r->split_items);
	free(name);
	free(source);
	free(preset);
	free(split);
	rc |= buf_printf(b,
			 "</p>\n<table class=\"experiment\">\n<tr><th>%s</th><th>%s</th>"
			 "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
			 "<th>McNemar p</th><th>%s</th></tr>\n",
			 T(I18N_R_H_VARIANT), T(I18N_R_H_ANSWER), T(I18N_R_H_SEEDS),
			 T(I18N_R_H_ACC_MEAN), T(I18N_R_H_CI), T(I18N_R_H_VS_BASE), T(I18N_R_H_CI),
			 T(I18N_R_H_PER_SEED));
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *c = &r->cells[i];
		rc |= buf_printf(b, "<tr%s>", (int)i == r->best ? " class=\"best\"" : "");
		rc |= put_cell(b, "td", NULL,
			       i18n_text(lang, experiment_variant_label(c->variant)));
		rc |= put_cell(b, "td", NULL,
			       lang == I18N_EN
				       ? experiment_mode_name(c->mode)
				       : T(c->mode == EXPERIMENT_EXPLAIN ? I18N_EXP_EXPLAIN
									 : I18N_EXP_DIRECT));
		rc |= buf_printf(b, "<td class=\"num\">%zu/%zu</td><td class=\"num\">", c->s.n,
				 c->n_seeds);
		rc |= put_pct1(b, c->s.mean);
		if (c->s.n >= 2)
			rc |= buf_printf(b, " &#177; %.1f", 100.0 * c->s.sd);
		rc |= buf_puts(b, "</td><td class=\"num\">");
		rc |= put_range(b, c->lo, c->hi, lang);
		rc |= buf_puts(b, "</td>");
		if (c->has_diff && !isnan(c->diff)) {
			rc |= buf_printf(b, "<td class=\"num\">%+.1f</td><td class=\"num\">",
					 100.0 * c->diff);
			rc |= put_range(b, c->diff_lo, c->diff_hi, lang);
			rc |= buf_printf(b, "</td><td class=\"num\">%.3g</td>", c->p_mcnemar);
		} else {
			rc |= buf_puts(b, "<td></td><td></td><td></td>");
		}
		rc |= buf_puts(b, "<td class=\"num\">");
		for (size_t k = 0; k < c->n_seeds; k++) {
			rc |= buf_puts(b, k ? " " : "");
			rc |= put_pct1(b, c->acc[k]);
		}
		rc |= buf_puts(b, "</td></tr>\n");
	}
	rc |= buf_printf(b, "</table>\n<p class=\"muted\">%s</p>\n</section>\n",
			 T(I18N_R_EXP_NOTE));
	return rc;
}

/* The run and comparison of a report asked for by experiment only: the
 * best explanation-trained cell's first evaluated seed, against the
 * baseline of that seed; else any evaluated run. */
static int pick_runs(const struct experiment_results *r, int64_t *run, int64_t *vs, char *err)
{
	*run = *vs = 0;
	const struct experiment_cell *base = NULL;
	for (size_t i = 0; i < r->n_cells; i++)
		if (!strcmp(r->cells[i].variant, "baseline"))
			base = &r->cells[i];
	if (r->best_vs >= 0) {
		const struct experiment_cell *c = &r->cells[r->best_vs];
		for (size_t k = 0; k < c->n_seeds && !*run; k++)
			if (!isnan(c->acc[k]) && base && !isnan(base->acc[k])) {
				*run = c->run_id[k];
				*vs = base->run_id[k];
			}
	}
	for (size_t i = 0; i < r->n_cells && !*run; i++)
		for (size_t k = 0; k < r->cells[i].n_seeds && !*run; k++)
			if (!isnan(r->cells[i].acc[k]))
				*run = r->cells[i].run_id[k];
	if (*run)
		return 0;
	util_err(err, "experiment %lld has no evaluated run yet", (long long)r->id);
	return MENTOR_ENOTFOUND;
}

int report_build(struct store *st, const struct report_opts *o, struct buf *html, struct buf *svg,
		 char *err)
{
	struct side sd[2];
	size_t n_sides = o->vs_run ? 2 : 1;
	struct store_dataset ds;
	struct expl_counts ec;
	struct report_case *cases = NULL;
	size_t n_cases = 0;
	int64_t counts[REPORT_CASE_N];
	int rc;
	struct experiment_results ex;
	int64_t run = o->run, vs_run = o->vs_run, exp_id = o->experiment;
	int have_ex = 0;
	memset(sd, 0, sizeof sd);
	memset(&ds, 0, sizeof ds);
	memset(&ex, 0, sizeof ex);
	if (!exp_id && run) {
		rc = store_run_experiment(st, run, &exp_id, err);
		if (rc)
			goto out;
	}
	if (exp_id) {
		rc = experiment_results(st, exp_id, &ex, err);
		if (rc)
			goto out;
		have_ex = 1;
		if (!run) {
			rc = pick_runs(&ex, &run, &vs_run, err);
			if (rc)
				goto out;
			n_sides = vs_run ? 2 : 1;
		}
	}
	if (!run) {
		rc = util_err(err, "no run to report on");
		goto out;
	}
	rc = side_load(st, run, &sd[0], err);
	if (rc)
		goto out;
	if (n_sides == 2) {
		rc = side_load(st, vs_run, &sd[1], err);
		if (!rc)
			rc = report_pair_check(&sd[0].r, &sd[1].r, err);
		if (rc)
			goto out;
	}
	rc = store_dataset_get_id(st, sd[0].r.dataset_id, &ds, err);
	if (rc)
		goto out;
	rc = count_explanations(st, ds.id, &ec, err);
	if (rc)
		goto out;
	size_t cap = o->examples ? o->examples : REPORT_DEFAULT_EXAMPLES;
	if (cap > REPORT_MAX_EXAMPLES)
		cap = REPORT_MAX_EXAMPLES;
	if (report_cases(sd[0].pred, sd[0].n_pred, n_sides == 2 ? sd[1].pred : NULL,
			 n_sides == 2 ? sd[1].n_pred : 0, cap, &cases, &n_cases, counts)) {
		rc = util_err(err, "cannot build report: out of memory");
		goto out;
	}

	struct buf *b = html;
	int w = 0, lang = o->lang;
	w |= buf_printf(
		b,
		"<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, "
		"initial-scale=1\">\n<meta name=\"generator\" content=\"mentor " MENTOR_VERSION
		"\">\n<title>",
		i18n_lang_code(lang));
	w |= buf_puts(b, T(I18N_R_TITLE));
	w |= report_html_escape(b, sd[0].label);
	if (n_sides == 2) {
		w |= buf_puts(b, " vs ");
		w |= report_html_escape(b, sd[1].label);
	}
	w |= buf_puts(b, "</title>\n<style>\n");
	w |= buf_puts(b, page_css);
	w |= buf_printf(b, "</style>\n</head>\n<body>\n<h1>%s", T(I18N_R_TITLE));
	w |= report_html_escape(b, sd[0].label);
	if (n_sides == 2) {
		w |= buf_puts(b, " <span class=\"muted\">vs</span> ");
		w |= report_html_escape(b, sd[1].label);
	}
	w |= buf_puts(b, "</h1>\n<p class=\"muted\">");
	char *e0 = esc(ds.name), *e1 = esc(sd[0].label), *e2 = esc(sd[1].label);
	w |= !e0 || !e1 || !e2;
	w |= buf_printf(b, T(I18N_R_INTRO), e0 ? e0 : "");
	w |= buf_puts(b, "</p>\n");
	if (have_ex)
		w |= put_experiment(b, &ex, lang);
	w |= buf_printf(b, "<section id=\"runs\">\n<h2>%s</h2>\n", T(I18N_R_RUNS));
	w |= put_run_table(b, sd, n_sides, ds.name, lang);
	w |= buf_printf(b, "</section>\n<section id=\"loss\">\n<h2>%s</h2>\n<figure>\n",
			T(I18N_R_LOSS));
	w |= put_loss_chart(b, sd, n_sides, 0, lang);
	w |= buf_puts(b, "<figcaption class=\"muted\">");
	w |= buf_printf(b, T(I18N_R_SOLID), e1 ? e1 : "");
	if (n_sides == 2)
		w |= buf_printf(b, T(I18N_R_DASHED), e2 ? e2 : "");
	free(e0);
	free(e1);
	free(e2);
	w |= buf_printf(b, "%s</figcaption>\n</figure>\n</section>\n", T(I18N_R_LOSS_NOTE));
	w |= buf_printf(b, "<section id=\"accuracy\">\n<h2>%s</h2>\n", T(I18N_R_ACCURACY));
	w |= put_accuracy(b, sd, n_sides, lang);
	w |= buf_printf(b, "</section>\n<section id=\"explanations\">\n<h2>%s</h2>\n",
			T(I18N_R_EXPL_SECTION));
	w |= put_expl_counts(b, &ec, lang);
	w |= buf_printf(b, "</section>\n<section id=\"examples\">\n<h2>%s</h2>\n<p>",
			T(I18N_R_EXAMPLES));
	if (n_sides == 2)
		w |= buf_printf(b, T(I18N_R_CMP_COUNTS), (long long)counts[REPORT_CASE_FIXED],
				(long long)counts[REPORT_CASE_BROKEN],
				(long long)counts[REPORT_CASE_BOTH_RIGHT],
				(long long)counts[REPORT_CASE_BOTH_WRONG]);
	else
		w |= buf_printf(b, T(I18N_R_RIGHT_WRONG), (long long)counts[REPORT_CASE_RIGHT],
				(long long)counts[REPORT_CASE_WRONG]);
	if (n_sides == 2 && counts[REPORT_CASE_RIGHT] + counts[REPORT_CASE_WRONG] > 0)
		w |= buf_printf(b, T(I18N_R_ONLY_TRAINED),
				(long long)(counts[REPORT_CASE_RIGHT] + counts[REPORT_CASE_WRONG]));
	w |= buf_printf(b, T(n_sides == 2 ? I18N_R_SHOWING_FB : I18N_R_SHOWING_WRONG), n_cases,
			sd[0].n_pred);
	w |= buf_puts(b, "</p>\n");
	if (w) {
		rc = util_err(err, "cannot build report: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_cases; i++) {
		rc = put_card(st, b, &cases[i], sd, n_sides, lang, err);
		if (rc) {
			if (rc == MENTOR_ENOMEM)
				util_err(err, "cannot build report: out of memory");
			rc = MENTOR_ERR;
			goto out;
		}
	}
	w |= buf_puts(b, "</section>\n</body>\n</html>\n");
	if (svg)
		w |= put_loss_chart(svg, sd, n_sides, 1, lang);
	if (w)
		rc = util_err(err, "cannot build report: out of memory");
out:
	experiment_results_release(&ex);
	free(cases);
	store_dataset_release(&ds);
	side_release(&sd[0]);
	side_release(&sd[1]);
	return rc;
}

int report_write(struct store *st, int64_t run, int64_t vs_run, int lang, const char *html_path,
		 const char *svg_path, char *err)
{
	struct report_opts o = {run, vs_run, 0, 0, lang == I18N_JA ? I18N_JA : I18N_EN};
	struct buf html, svg;
	buf_init(&html);
	buf_init(&svg);
	int rc = report_build(st, &o, &html, svg_path ? &svg : NULL, err);
	if (rc == 0)
		rc = util_write_file_atomic(html_path, html.data, html.len, err);
	if (rc == 0 && svg_path)
		rc = util_write_file_atomic(svg_path, svg.data, svg.len, err);
	buf_release(&html);
	buf_release(&svg);
	return rc;
}
