/* tui_train_view: drawing the Train screen. The list of runs (a window
 * with cues of what it hides), the figures of the selected run (status,
 * step, speed, ETA, checkpoint, losses, accuracies), the loss and accuracy
 * charts of the plotted runs, and the body: list or form on the left,
 * plots or the experiment's table on the right. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui_train_int.h"

static const char *const series_title[N_SERIES] = {"train loss",
						   "validation loss",
						   "answer-task loss",
						   "explanation-task loss",
						   "dev accuracy % (direct)",
						   "dev accuracy % (explained)"};
static const int palette[4] = {TUI_ROLE_MATCH, TUI_ROLE_ACCEPTED, TUI_ROLE_PENDING,
			       TUI_ROLE_FLAGGED};


/* ------------------------------------------------------------ drawing */

/* A running run past its last step is evaluating the test split. */
static int evaluating(const struct store_run *r)
{
	return store_run_status_parse(r->status) == STORE_RUN_RUNNING && r->total_steps > 0 &&
	       r->step >= r->total_steps;
}

/* Four columns in every language. */
static const char *status_word(const struct store_run *r, int lang)
{
	/* by enum store_run_status; the slot past the last is "evaluating" */
	static const char *const en[STORE_N_RUN_STATUSES + 1] = {
		[STORE_RUN_QUEUED] = "wait",  [STORE_RUN_RUNNING] = "run ",
		[STORE_RUN_STOPPED] = "stop", [STORE_RUN_DONE] = "done",
		[STORE_RUN_FAILED] = "FAIL",  [STORE_N_RUN_STATUSES] = "eval",
	};
	static const char *const ja[STORE_N_RUN_STATUSES + 1] = {
		[STORE_RUN_QUEUED] = "待機",  [STORE_RUN_RUNNING] = "実行",
		[STORE_RUN_STOPPED] = "停止", [STORE_RUN_DONE] = "完了",
		[STORE_RUN_FAILED] = "失敗",  [STORE_N_RUN_STATUSES] = "評価",
	};
	int st = evaluating(r) ? STORE_N_RUN_STATUSES : store_run_status_parse(r->status);
	if (st < 0)
		st = STORE_RUN_FAILED;
	return (lang == I18N_JA ? ja : en)[st];
}

static int status_role(const char *st)
{
	switch (store_run_status_parse(st)) {
	case STORE_RUN_RUNNING: return TUI_ROLE_PENDING;
	case STORE_RUN_DONE: return TUI_ROLE_CORRECT;
	case STORE_RUN_FAILED: return TUI_ROLE_WRONG;
	default: return TUI_ROLE_DIM;
	}
}

/* Runs shown in the plots: the overlaid ones, else the selected one. */
static size_t plotted(const struct train *s, size_t *idx, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_runs && n < max; i++)
		if (s->runs[i].overlay)
			idx[n++] = i;
	if (!n && s->n_runs)
		idx[n++] = s->sel;
	return n;
}

static void run_label(const struct runv *v, char *b, size_t n)
{
	snprintf(b, n, "#%lld %s", (long long)v->r.id, v->r.name ? v->r.name : "");
}

const char *tui_train_ds_name(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_ds; i++)
		if (s->ds[i].id == id)
			return s->ds[i].name;
	return "?";
}

/* A cue row of the run list: how many runs the list hides above or below. */
static void list_cue(struct tui_lines *ls, int up, size_t n, int w, int utf8, int lang)
{
	char b[64];
	snprintf(b, sizeof b, i18n_text(lang, "  %s %zu more"),
		 up ? (utf8 ? "\xe2\x86\x91" : "^") : (utf8 ? "\xe2\x86\x93" : "v"), n);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_DIM, b);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
}

/* The runs, h rows with the title: overlay mark, id (in a column as wide
 * as the largest id), status, dataset and name, and at the right the test
 * accuracy of a finished run or the progress of another. */
static void list_lines(struct train *s, int w, int h, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, tui_tr(s->app, " Runs"));
	tui_line_put(l, TUI_ROLE_DIM, tui_tr(s->app, "  (Space: overlay)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	if (!s->n_runs) {
		l = tui_lines_add(ls);
		tui_line_put(l, TUI_ROLE_DIM, tui_tr(s->app, " no runs yet: press n"));
		return;
	}
	int64_t max_id = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].r.id > max_id)
			max_id = s->runs[i].r.id;
	int idw = tui_train_id_width(&max_id, 1);
	struct tui_train_window win;
	tui_train_window(s->n_runs, s->sel, s->top, h - 1, &win);
	s->top = win.top;
	if (win.above)
		list_cue(ls, 1, win.above, w, utf8, tui_app_lang(s->app));
	for (size_t i = win.top; i < win.top + win.shown; i++) {
		const struct runv *v = &s->runs[i];
		int base = i == s->sel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL;
		l = tui_lines_add(ls);
		tui_line_put(l, base, v->overlay ? (utf8 ? "\xe2\x97\x8f" : "*") : " ");
		char num[32];
		snprintf(num, sizeof num, "%*lld ", idw, (long long)v->r.id);
		tui_line_put(l, base, num);
		int stopped = store_run_status_parse(v->r.status) == STORE_RUN_STOPPED;
		tui_line_put(l, base == TUI_ROLE_NORMAL ? status_role(v->r.status) : base,
			     tui_train_queued_here(s, v->r.id) && stopped
				     ? (tui_app_lang(s->app) == I18N_JA ? "待機" : "wait")
				     : status_word(&v->r, tui_app_lang(s->app)));
		tui_line_put(l, base, " ");
		char fig[32];
		tui_train_row_figure(v->r.status, v->r.step, v->r.total_steps, v->acc, v->acc_expl,
				     v->acc_split, fig, sizeof fig);
		int role = base;
		if (base == TUI_ROLE_NORMAL)
			role = store_run_status_parse(v->r.status) == STORE_RUN_DONE
				       ? TUI_ROLE_CORRECT
				       : TUI_ROLE_DIM;
		int fw = (int)strlen(fig);
		char label[256];
		snprintf(label, sizeof label, "%s %s", tui_train_ds_name(s, v->r.dataset_id),
			 v->r.name ? v->r.name : "");
		tui_line_text(l, base, label, strlen(label), w - l->width - fw - 1, 1, utf8);
		tui_line_pad(l, base, w - fw);
		tui_line_put(l, role, fig);
		tui_line_pad(l, base, w);
	}
	if (win.below)
		list_cue(ls, 0, win.below, w, utf8, tui_app_lang(s->app));
}

/* " label" padded to ten columns of the terminal (a wide character is two). */
void tui_train_pad_label(char *b, size_t n, const char *label, int utf8)
{
	int w = 1 + tui_text_width(label, strlen(label), utf8);
	int len = snprintf(b, n, " %s", label);
	while (len > 0 && (size_t)len + 1 < n && w < 10) {
		b[len++] = ' ';
		b[len] = '\0';
		w++;
	}
}

static void kv(struct tui_lines *ls, int lang, const char *k, const char *v, int role, int w,
	       int utf8)
{
	struct tui_line *l = tui_lines_add(ls);
	char key[64];
	tui_train_pad_label(key, sizeof key, i18n_text(lang, k), utf8);
	tui_line_put(l, TUI_ROLE_TITLE, key);
	tui_line_text(l, role, v, strlen(v), w - l->width, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
}

static void stats_lines(struct train *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	if (!s->n_runs)
		return;
	const struct runv *v = &s->runs[s->sel];
	char b[256], c[64];
	run_label(v, b, sizeof b);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(lang, " Run "));
	tui_line_text(l, TUI_ROLE_MATCH, b, strlen(b), w - 6, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	snprintf(b, sizeof b, "%s%s",
		 i18n_text(lang, evaluating(&v->r) ? "evaluating" : v->r.status),
		 tui_train_queued_here(s, v->r.id) ? i18n_text(lang, " (queued here)") : "");
	kv(ls, lang, "status", b, status_role(v->r.status), w, utf8);
	kv(ls, lang, "dataset", tui_train_ds_name(s, v->r.dataset_id), TUI_ROLE_NORMAL, w, utf8);
	if (!strcmp(v->r.variant, "baseline")) /* answers only: no source, no alpha */
		snprintf(b, sizeof b, "%s", v->r.variant);
	else
		snprintf(b, sizeof b, "%s a=%.2f %s", v->r.variant, v->r.alpha, v->r.source);
	kv(ls, lang, "variant", b, TUI_ROLE_NORMAL, w, utf8);
	if (v->r.total_steps > 0)
		snprintf(b, sizeof b, "%lld / %lld", (long long)v->r.step,
			 (long long)v->r.total_steps);
	else
		snprintf(b, sizeof b, "%lld", (long long)v->r.step);
	kv(ls, lang, "step", b, TUI_ROLE_NORMAL, w, utf8);
	if (isfinite(v->tok_s)) {
		snprintf(b, sizeof b, "%.0f", v->tok_s);
		kv(ls, lang, "tokens/s", b, TUI_ROLE_NORMAL, w, utf8);
	}
	tui_train_duration(v->t, b, sizeof b);
	kv(ls, lang, "elapsed", b, TUI_ROLE_NORMAL, w, utf8);
	struct tui_train_eta e;
	tui_train_eta(v->r.step, v->r.total_steps, v->t, &e);
	if (is_running(v) && e.known) {
		tui_train_duration(e.eta, c, sizeof c);
		time_t fin = time(NULL) + (time_t)e.eta;
		struct tm tm;
		localtime_r(&fin, &tm);
		char hm[16];
		strftime(hm, sizeof hm, "%H:%M:%S", &tm);
		snprintf(b, sizeof b, i18n_text(lang, "%s (at %s)"), c, hm);
		kv(ls, lang, "ETA", b, TUI_ROLE_NORMAL, w, utf8);
	} else if (is_running(v)) {
		kv(ls, lang, "ETA", i18n_text(lang, "(estimating)"), TUI_ROLE_DIM, w, utf8);
	}
	if (isfinite(v->lr)) {
		snprintf(b, sizeof b, "%.2e", v->lr);
		kv(ls, lang, "lr", b, TUI_ROLE_NORMAL, w, utf8);
	}
	const char *ck = v->r.checkpoint && *v->r.checkpoint ? v->r.checkpoint
							     : i18n_text(lang, "(none yet)");
	/* the end of the path says most: keep the tail that fits */
	int room = w - 12;
	while (room > 4 && tui_text_width(ck, strlen(ck), utf8) > room) {
		ck++;
		while ((*ck & 0xC0) == 0x80)
			ck++;
	}
	if (ck != v->r.checkpoint && v->r.checkpoint && *v->r.checkpoint && room > 4) {
		/* make room for the ellipsis */
		const char *ell = tui_app_glyphs(s->app)->ellipsis;
		int ew = tui_text_width(ell, strlen(ell), utf8);
		for (int k = 0; k < ew && *ck; k++) {
			ck++;
			while ((*ck & 0xC0) == 0x80)
				ck++;
		}
		snprintf(b, sizeof b, "%s%s", ell, ck);
		kv(ls, lang, "ckpt", b, TUI_ROLE_NORMAL, w, utf8);
	} else {
		kv(ls, lang, "ckpt", ck, TUI_ROLE_NORMAL, w, utf8);
	}
	if (v->s[S_LOSS].n) {
		snprintf(b, sizeof b, "%.4f", v->s[S_LOSS].y[v->s[S_LOSS].n - 1]);
		kv(ls, lang, "loss", b, TUI_ROLE_NORMAL, w, utf8);
	}
	if (v->s[S_DEV].n) {
		int n = snprintf(b, sizeof b, "%.0f%%", v->s[S_DEV].y[v->s[S_DEV].n - 1]);
		if (v->s[S_DEVX].n && n > 0)
			snprintf(b + n, sizeof b - (size_t)n, i18n_text(lang, ", explained %.0f%%"),
				 v->s[S_DEVX].y[v->s[S_DEVX].n - 1]);
		kv(ls, lang, "dev acc", b, TUI_ROLE_NORMAL, w, utf8);
	}
	if (isfinite(v->acc)) {
		int n = snprintf(b, sizeof b, "%.1f%%", 100 * v->acc);
		if (isfinite(v->acc_expl) && n > 0)
			snprintf(b + n, sizeof b - (size_t)n, i18n_text(lang, ", explained %.1f%%"),
				 100 * v->acc_expl);
		kv(ls, lang, "test acc", b, TUI_ROLE_CORRECT, w, utf8);
	}
	if (v->r.error && *v->r.error)
		kv(ls, lang, "error", v->r.error, TUI_ROLE_ERROR, w, utf8);
}

/* One chart of series k for the plotted runs, w x h, appended to out. */
static void chart(struct train *s, int k, int w, int h, struct tui_lines *out)
{
	size_t idx[TUI_TRAIN_MAX_OVERLAY];
	size_t nr = plotted(s, idx, TUI_TRAIN_MAX_OVERLAY);
	struct tui_plot_series ser[2 * TUI_TRAIN_MAX_OVERLAY];
	double *tmp[TUI_TRAIN_MAX_OVERLAY] = {0};
	size_t ns = 0;
	char labels[TUI_TRAIN_MAX_OVERLAY][64], tags[TUI_TRAIN_MAX_OVERLAY][24];
	for (size_t j = 0; j < nr; j++) {
		const struct runv *v = &s->runs[idx[j]];
		const struct points *p = &v->s[k];
		const double *x = s->xtime ? p->t : p->step;
		int role = palette[j % 4];
		/* letters, so that a mark is never taken for a run id */
		char mark = (char)('a' + j);
		run_label(v, labels[j], sizeof labels[j]);
		snprintf(tags[j], sizeof tags[j], "#%lld", (long long)v->r.id);
		int raw = k == S_VAL || is_acc(k) || s->smooth != 1;
		int ema = k != S_VAL && !is_acc(k) && s->smooth != 2 && p->n;
		if (raw)
			ser[ns++] = (struct tui_plot_series){ema ? NULL : labels[j],
							     x,
							     p->y,
							     p->n,
							     ema ? TUI_ROLE_DIM : role,
							     ema ? 0 : mark,
							     tags[j]};
		if (ema) {
			tmp[j] = malloc(p->n * sizeof(double));
			if (!tmp[j])
				util_oom();
			tui_plot_ema(p->y, p->n, EMA_ALPHA, tmp[j]);
			ser[ns++] = (struct tui_plot_series){labels[j], x,    tmp[j], p->n,
							     role,      mark, tags[j]};
		}
	}
	struct tui_plot_opts o = {0, 0, s->glyphs,           s->logy && !is_acc(k), 0,
				  0, 0, is_acc(k) ? 100 : 0, tui_app_lang(s->app)};
	char title[96];
	snprintf(title, sizeof title, " %s%s", tui_tr(s->app, series_title[k]),
		 s->xtime ? tui_tr(s->app, " by time (s)") : "");
	if (tui_plot_chart(ser, ns, &o, title, w, h, tui_app_utf8(s->app), out))
		util_oom();
	for (size_t j = 0; j < nr; j++)
		free(tmp[j]);
}

static void draw_plots(struct train *s, struct tui_canvas *cv, struct tui_rect r)
{
	struct tui_lines ls;
	if (r.w < 20 || r.h < 5)
		return;
	int all = s->zoom < 0 && r.w >= 44 && r.h >= 15;
	if (!all) {
		tui_lines_init(&ls);
		chart(s, s->zoom < 0 ? S_LOSS : s->zoom, r.w, r.h, &ls);
		tui_canvas_lines(cv, r, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
		return;
	}
	/* two columns, three rows: losses, task losses, dev accuracy */
	int hw = r.w / 2, hh = r.h / 3;
	for (int k = 0; k < N_SERIES; k++) {
		int row = k / 2;
		struct tui_rect q = {r.x + (k % 2) * hw, r.y + row * hh, k % 2 ? r.w - hw : hw,
				     row == 2 ? r.h - 2 * hh : hh};
		tui_lines_init(&ls);
		chart(s, k, q.w, q.h, &ls);
		tui_canvas_lines(cv, q, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	}
}

void tui_train_draw(void *state, struct tui_app *app, struct tui_canvas *cv, struct tui_rect body)
{
	struct train *s = state;
	(void)app;
	s->body = body;
	tui_canvas_fill(cv, body, TUI_ROLE_NORMAL);
	int lw = body.w >= 100 ? 34 : 30;
	if (lw > body.w / 2)
		lw = body.w / 2;
	struct tui_rect left = {body.x, body.y, lw, body.h};
	struct tui_rect right = {body.x + lw + 1, body.y, body.w - lw - 1, body.h};
	for (int y = 0; y < body.h; y++)
		tui_canvas_put(cv, body.x + lw, body.y + y, 1, TUI_ROLE_BORDER,
			       tui_app_glyphs(app)->vline);
	struct tui_lines ls;
	tui_lines_init(&ls);
	if (s->form_open) {
		tui_train_form_lines(s, lw, &ls);
		tui_canvas_lines(cv, left, &ls, 0, TUI_ROLE_NORMAL);
		if (s->editing)
			tui_canvas_cursor(cv, left.x + s->edit_x, left.y + s->edit_row);
	} else {
		int lh = (int)s->n_runs + 1;
		int max_lh = body.h - 12 > 3 ? body.h - 12 : 3;
		if (lh > max_lh)
			lh = max_lh;
		if (lh < 2)
			lh = 2;
		list_lines(s, lw, lh, &ls);
		struct tui_rect lr = {left.x, left.y, lw, lh};
		tui_canvas_lines(cv, lr, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
		tui_lines_init(&ls);
		stats_lines(s, lw, &ls);
		struct tui_rect sr = {left.x, left.y + lh + 1, lw, left.h - lh - 1};
		if (sr.h > 0)
			tui_canvas_lines(cv, sr, &ls, 0, TUI_ROLE_NORMAL);
	}
	tui_lines_release(&ls);
	if (s->exp_view && s->exp_id) {
		tui_lines_init(&ls);
		tui_train_experiment_lines(s, right.w, &ls);
		tui_canvas_lines(cv, right, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	} else {
		draw_plots(s, cv, right);
	}
}
