/* tui_train: the Train screen. A form to configure and launch training runs
 * in the background (child processes, one at a time; later launches wait as
 * 'queued'), the list of runs with stop, resume and delete, live loss plots
 * (train, answer-task, explanation-task and validation loss, raw and
 * smoothed, several runs overlaid) and progress figures. Metrics are polled
 * incrementally on a one-second wake-up from a ticker thread. This file
 * holds the key table, the runs and their metrics, the queue, the actions
 * and the screen operations; the form is tui_train_form.c, the drawing
 * tui_train_view.c, the experiment tui_train_exp.c. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui_train_int.h"

enum {
	ACT_UP = TUI_ACT_SCREEN,
	ACT_DOWN,
	ACT_NEW,
	ACT_ENTER,
	ACT_OVERLAY,
	ACT_STOP,
	ACT_RESUME,
	ACT_DELETE,
	ACT_LOG,
	ACT_XAXIS,
	ACT_SMOOTH,
	ACT_ZOOM,
	ACT_GLYPHS,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_COMPARE,
	ACT_EXPVIEW,
};

static const struct tui_action_def actions[] = {
	{ACT_UP, "up", "k, Up", "previous run (or form field)"},
	{ACT_DOWN, "down", "j, Down", "next run (or form field)"},
	{ACT_NEW, "new_run", "n", "open the form for a new run"},
	{ACT_ENTER, "enter", "Enter", "form: edit the field, or launch"},
	{ACT_OVERLAY, "overlay", "Space", "overlay the selected run in the plots (or not)"},
	{ACT_STOP, "stop", "s", "stop the selected run (it keeps its checkpoint)"},
	{ACT_RESUME, "resume", "r", "resume (or start) the selected run from its checkpoint"},
	{ACT_DELETE, "delete", "x, Delete", "delete the selected run (asks y/n)"},
	{ACT_LOG, "log_scale", "l", "plots: log / linear scale"},
	{ACT_XAXIS, "x_axis", "t", "plots: x axis by step or by time"},
	{ACT_SMOOTH, "smoothing", "e", "plots: raw and smoothed, smoothed only, raw only"},
	{ACT_ZOOM, "zoom", "z", "plots: all panels, or one series full size"},
	{ACT_GLYPHS, "glyphs", "g", "plots: braille, half blocks, ASCII"},
	{ACT_LEFT, "value_prev", "h, Left", "form: previous value"},
	{ACT_RIGHT, "value_next", "Right", "form: next value"},
	{ACT_COMPARE, "compare", "c",
	 "compare: baseline and MT variants, 3 seeds, in the background"},
	{ACT_EXPVIEW, "experiment_view", "v", "the experiment's results table, or the plots"},
};

/* ------------------------------------------------------------ data */

/* The plotted series, as the metrics table names them. */
static const char *const series_name[N_SERIES] = {"loss",     "val_loss", "loss_ans",
						  "loss_exp", "dev_acc",  "dev_acc_expl"};

static int points_add(struct points *p, double step, double t, double y)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		double *a = realloc(p->step, cap * sizeof *a);
		if (!a)
			return -1;
		p->step = a;
		double *b = realloc(p->t, cap * sizeof *b);
		if (!b)
			return -1;
		p->t = b;
		double *c = realloc(p->y, cap * sizeof *c);
		if (!c)
			return -1;
		p->y = c;
		p->cap = cap;
	}
	p->step[p->n] = step;
	p->t[p->n] = t;
	p->y[p->n] = y;
	p->n++;
	return 0;
}

static void points_release(struct points *p)
{
	free(p->step);
	free(p->t);
	free(p->y);
	memset(p, 0, sizeof *p);
}

static void runv_release(struct runv *v)
{
	store_run_release(&v->r);
	for (int k = 0; k < N_SERIES; k++)
		points_release(&v->s[k]);
}

static void runv_reset_metrics(struct runv *v)
{
	for (int k = 0; k < N_SERIES; k++)
		points_release(&v->s[k]);
	v->last_lr_step = v->last_tok_step = 0;
	v->lr = v->tok_s = v->acc = v->acc_expl = NAN;
	v->t = 0;
	v->final = 0;
}

/* Fetch the metric points after the last ones seen. */
static void fetch_metrics(struct train *s, struct runv *v)
{
	char err[MENTOR_ERR_LEN];
	for (int k = 0; k < N_SERIES; k++) {
		struct store_metric *m = NULL;
		size_t n = 0;
		if (store_metric_get(s->st, v->r.id, series_name[k], v->s[k].last, &m, &n, err))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (points_add(&v->s[k], (double)m[i].step, m[i].t,
				       is_acc(k) ? 100 * m[i].value : m[i].value))
				break;
			v->s[k].last = m[i].step;
			if (m[i].t > v->t)
				v->t = m[i].t;
		}
		free(m);
	}
	const struct {
		const char *name;
		int64_t *last;
		double *val;
	} one[] = {{"lr", &v->last_lr_step, &v->lr}, {"tok_s", &v->last_tok_step, &v->tok_s}};
	for (size_t j = 0; j < 2; j++) {
		struct store_metric *m = NULL;
		size_t n = 0;
		if (store_metric_get(s->st, v->r.id, one[j].name, *one[j].last, &m, &n, err))
			continue;
		if (n) {
			*one[j].last = m[n - 1].step;
			*one[j].val = m[n - 1].value;
		}
		free(m);
	}
	/* the evaluation at the end (only a finished run has one): its split is in
	 * the run's configuration, parsed here once per run, not on every tick */
	struct train_config cfg;
	if (store_run_status_parse(v->r.status) == STORE_RUN_DONE && v->r.config_json &&
	    !train_config_from_json(v->r.config_json, &cfg, err) && cfg.eval_at_end) {
		char name[32];
		double *dst[2] = {&v->acc, &v->acc_expl};
		for (int j = 0; j < 2; j++) {
			struct store_metric *m = NULL;
			size_t n = 0;
			snprintf(name, sizeof name, j ? "acc_expl_%s" : "acc_%s", cfg.eval_split);
			snprintf(v->acc_split, sizeof v->acc_split, "%s", cfg.eval_split);
			if (!store_metric_get(s->st, v->r.id, name, -1, &m, &n, err) && n)
				*dst[j] = m[n - 1].value;
			free(m);
		}
	}
}

struct runv *tui_train_find_run(struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].r.id == id)
			return &s->runs[i];
	return NULL;
}

static unsigned note_bit(const char *status)
{
	int i = store_run_status_parse(status);
	return i < 0 ? 0 : 1u << i;
}

static int has_checkpoint(const struct store_run *r)
{
	return r->checkpoint && *r->checkpoint && r->step > 0;
}

void tui_train_start_note(const struct store_run *r, int started, int64_t busy, int lang, char *buf,
			  size_t n)
{
	long long id = r->id, step = r->step, after = busy;
	if (has_checkpoint(r) && started)
		snprintf(buf, n,
			 i18n_text(lang, "run %lld resumes from its checkpoint at step %lld in "
					 "the background"),
			 id, step);
	else if (has_checkpoint(r) && busy)
		snprintf(buf, n,
			 i18n_text(lang, "run %lld queued: it resumes from its checkpoint at "
					 "step %lld when run %lld ends"),
			 id, step, after);
	else if (has_checkpoint(r))
		snprintf(buf, n,
			 i18n_text(lang, "run %lld queued: it resumes from its checkpoint at "
					 "step %lld next"),
			 id, step);
	else if (started)
		snprintf(buf, n, i18n_text(lang, "run %lld starts in the background"), id);
	else if (busy)
		snprintf(buf, n, i18n_text(lang, "run %lld queued: it starts when run %lld ends"),
			 id, after);
	else
		snprintf(buf, n, i18n_text(lang, "run %lld queued: it starts next"), id);
}

int tui_train_quit_note(int64_t running, int n_running, size_t n_queued, int lang, char *buf,
			size_t n)
{
	char q[160] = "";
	if (n_queued)
		snprintf(q, sizeof q,
			 i18n_text(lang, n_queued == 1
						 ? "%zu queued run waits for the next workbench"
						 : "%zu queued runs wait for the next workbench"),
			 n_queued);
	if (n_running > 1)
		snprintf(buf, n, i18n_text(lang, "%d runs keep training%s%s"), n_running,
			 q[0] ? "; " : "", q);
	else if (n_running)
		snprintf(buf, n, i18n_text(lang, "run %lld keeps training%s%s"), (long long)running,
			 q[0] ? "; " : "", q);
	else
		snprintf(buf, n, "%s", q);
	return n_running > 0 || n_queued > 0;
}

void tui_train_load_datasets(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct store_dataset *ds = NULL;
	size_t n = 0;
	if (store_dataset_list(s->st, &ds, &n, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	for (size_t i = 0; i < s->n_ds; i++)
		store_dataset_release(&s->ds[i]);
	free(s->ds);
	s->ds = ds;
	s->n_ds = n;
	if (s->f.ds >= (int)n)
		s->f.ds = 0;
}

static int known_dataset(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_ds; i++)
		if (s->ds[i].id == id)
			return 1;
	return 0;
}

/* Until the operator overlays runs with Space, the plots show the newest
 * run of each variant of the selected run's dataset. */
void tui_train_overlay_default(struct train *s)
{
	if (s->overlay_chosen || !s->n_runs)
		return;
	const struct store_run **rs = malloc(s->n_runs * sizeof *rs);
	int *ov = malloc(s->n_runs * sizeof *ov);
	if (!rs || !ov)
		util_oom();
	for (size_t i = 0; i < s->n_runs; i++)
		rs[i] = &s->runs[i].r;
	tui_train_default_overlay(rs, s->n_runs, s->sel, ov);
	for (size_t i = 0; i < s->n_runs; i++)
		s->runs[i].overlay = ov[i];
	free(rs);
	free(ov);
}

/* Re-read the run table, keeping what is known of runs already seen. */
void tui_train_refresh_runs(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct store_run *rs = NULL;
	size_t n = 0;
	if (store_run_list(s->st, &rs, &n, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	int64_t sel_id = s->n_runs ? s->runs[s->sel].r.id : 0;
	size_t old_sel = s->sel;
	struct runv *nv = calloc(n ? n : 1, sizeof *nv);
	if (!nv)
		util_oom();
	for (size_t i = 0; i < n; i++) {
		struct runv *old = tui_train_find_run(s, rs[i].id);
		if (old) {
			nv[i] = *old;
			store_run_release(&old->r);
			memset(old, 0, sizeof *old);
		} else {
			nv[i].lr = nv[i].tok_s = nv[i].acc = nv[i].acc_expl = NAN;
		}
		nv[i].r = rs[i];
		/* a resumed run rewrites the points after its checkpoint */
		if (nv[i].seen_status[0] && strcmp(nv[i].seen_status, rs[i].status)) {
			if (store_run_status_parse(rs[i].status) == STORE_RUN_RUNNING)
				runv_reset_metrics(&nv[i]);
			nv[i].final = 0;
		}
		snprintf(nv[i].seen_status, sizeof nv[i].seen_status, "%s", rs[i].status);
	}
	int reload = 0;
	for (size_t i = 0; i < n; i++)
		reload |= !known_dataset(s, rs[i].dataset_id);
	free(rs);
	if (reload) /* a run of a dataset not seen yet: its name is shown */
		tui_train_load_datasets(s);
	for (size_t i = 0; i < s->n_runs; i++)
		runv_release(&s->runs[i]);
	free(s->runs);
	s->runs = nv;
	s->n_runs = n;
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		util_oom();
	for (size_t i = 0; i < n; i++)
		ids[i] = nv[i].r.id;
	/* a deleted run hands the selection to its neighbour */
	s->sel = tui_train_reselect(ids, n, sel_id, old_sel);
	free(ids);
	if (!sel_id && n)
		s->sel = n - 1;
	tui_train_overlay_default(s);
	for (size_t i = 0; i < n; i++) {
		if (nv[i].final)
			continue;
		fetch_metrics(s, &nv[i]);
		/* stopped, done or failed: nothing more comes until it runs again */
		int st = store_run_status_parse(nv[i].r.status);
		nv[i].final = st != STORE_RUN_RUNNING && st != STORE_RUN_QUEUED;
	}
	if (train_queue_list(s->st, s->queue, &s->n_queue, err)) {
		s->n_queue = 0;
		tui_app_error(s->app, "%s", err);
	}
	/* a notice about a run goes when the run's state no longer matches it */
	if (s->note_run) {
		struct runv *v = tui_train_find_run(s, s->note_run);
		if (!v || !(note_bit(v->r.status) & s->note_ok)) {
			tui_app_notice_clear(s->app, tui_train_screen.number);
			s->note_run = 0;
		}
	}
}

/* Start the next queued run when nothing runs (the queue is the
 * workspace's: runs queued by an earlier workbench start here too). */
void tui_train_run_queue(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	double now = util_mono();
	s->spawned = 0;
	if (now - s->last_reap > 5) {
		s->last_reap = now;
		int marked = 0;
		if (train_run_reap(s->st, &marked, err) == 0 && marked)
			tui_train_refresh_runs(s);
	}
	if (!s->n_queue)
		return;
	int64_t id = 0;
	if (train_queue_start_next(s->st, NULL, &id, NULL, err))
		tui_app_error(s->app, "%s", err);
	s->spawned = id;
	tui_train_refresh_runs(s);
}

int tui_train_queued_here(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_queue; i++)
		if (s->queue[i] == id)
			return 1;
	return 0;
}

/* Add a run to the workspace's queue; 0, or -1 with the error shown. */
int tui_train_enqueue(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	if (train_queue_add(s->st, id, err)) {
		tui_app_error(s->app, "%s", err);
		return -1;
	}
	if (!tui_train_queued_here(s, id) && s->n_queue < TRAIN_QUEUE_MAX)
		s->queue[s->n_queue++] = id;
	return 0;
}

static void dequeue(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	if (train_queue_remove(s->st, id, err))
		tui_app_error(s->app, "%s", err);
	for (size_t i = 0; i < s->n_queue; i++)
		if (s->queue[i] == id) {
			memmove(s->queue + i, s->queue + i + 1,
				(s->n_queue - i - 1) * sizeof *s->queue);
			s->n_queue--;
			break;
		}
}

/* The first running run, 0 if none. */
static int64_t running_id(const struct train *s, int *n)
{
	int64_t id = 0;
	*n = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		if (is_running(&s->runs[i]) ||
		    (store_run_status_parse(s->runs[i].r.status) == STORE_RUN_QUEUED &&
		     s->runs[i].r.pid > 0)) {
			if (!id)
				id = s->runs[i].r.id;
			(*n)++;
		}
	return id;
}

/* Show a notice about run id that stays while its status is one of ok. */
static void note(struct train *s, int64_t id, unsigned ok, const char *fmt, ...)
	MENTOR_PRINTF(4, 5);
static void note(struct train *s, int64_t id, unsigned ok, const char *fmt, ...)
{
	char b[MENTOR_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	tui_app_notice(s->app, "%s", b);
	s->note_run = id;
	s->note_ok = ok;
}

/* The notice after run r was queued to start: started now (the run the
 * queue just started) or waiting. */
void tui_train_note_start(struct train *s, int64_t id)
{
	const struct runv *v = tui_train_find_run(s, id);
	if (!v)
		return;
	int n;
	int64_t busy = running_id(s, &n);
	char b[MENTOR_ERR_LEN];
	tui_train_start_note(&v->r, s->spawned == id, busy == id ? 0 : busy, tui_app_lang(s->app),
			     b, sizeof b);
	note(s, id,
	     s->spawned == id ? NOTE_QUEUED | NOTE_RUNNING : note_bit(v->r.status) | NOTE_QUEUED,
	     "%s", b);
}

/* ------------------------------------------------------------ ticker */

static void *ticker(void *u)
{
	struct train *s = u;
	while (!atomic_load(&s->stop)) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		for (int i = 0; i < TICK_MS / 100 && !atomic_load(&s->stop); i++)
			nanosleep(&ts, NULL);
		if (!atomic_load(&s->stop))
			tui_app_post(s->app, TRAIN_WAKE_TICK, 0);
	}
	return NULL;
}

/* ------------------------------------------------------------ actions */

static void delete_run(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	struct runv *v = tui_train_find_run(s, id);
	if (!v)
		return;
	if (is_running(v)) {
		tui_app_error(s->app, "run %lld is running: stop it first (s)", (long long)id);
		return;
	}
	if (store_run_delete(s->st, id, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	struct buf dir;
	buf_init(&dir);
	if (train_run_dir(s->db_path, id, &dir) == 0 && dir.data) {
		static const char *const files[] = {"ckpt.bin", "log.txt"};
		util_tmp_cleanup(dir.data, "ckpt.bin");
		for (size_t i = 0; i < 2; i++) {
			char p[4200];
			snprintf(p, sizeof p, "%s/%s", dir.data, files[i]);
			unlink(p);
		}
		rmdir(dir.data);
	}
	buf_release(&dir);
	dequeue(s, id);
	tui_train_refresh_runs(s);
	tui_app_notice(s->app, "run %lld deleted", (long long)id);
}

/* s on a run: a run still waiting leaves the queue (nothing was written for
 * it); a run that trains is asked to stop (it writes a checkpoint). */
static void stop_run(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	struct runv *v = tui_train_find_run(s, id);
	int waited = tui_train_queued_here(s, id);
	int st = store_run_status_parse(v->r.status);
	int queued = st == STORE_RUN_QUEUED && v->r.pid <= 0;
	int idle = st != STORE_RUN_RUNNING && st != STORE_RUN_QUEUED;
	int ck = has_checkpoint(&v->r), lang = tui_app_lang(s->app);
	dequeue(s, id);
	if (queued || (waited && idle)) {
		if (queued && train_run_stop(s->st, id, err))
			tui_app_error(s->app, "%s", err);
		else
			note(s, id, NOTE_STOPPED | NOTE_FAILED,
			     i18n_text(lang, ck ? "run %lld left the queue; r resumes it"
						: "run %lld left the queue; r starts it"),
			     (long long)id);
		tui_train_refresh_runs(s);
		return;
	}
	if (train_run_stop(s->st, id, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	tui_train_refresh_runs(s);
	v = tui_train_find_run(s, id);
	if (v && !is_running(v))
		note(s, id, NOTE_STOPPED,
		     i18n_text(lang, ck ? "run %lld stopped before it started; r resumes it"
					: "run %lld stopped before it started; r starts it"),
		     (long long)id);
	else
		note(s, id, NOTE_RUNNING,
		     i18n_text(lang, "stopping run %lld: it writes a checkpoint; r resumes it"),
		     (long long)id);
}

static int train_action(void *state, struct tui_app *app, int action)
{
	struct train *s = state;
	struct runv *v = s->n_runs ? &s->runs[s->sel] : NULL;
	if (s->form_open) {
		switch (action) {
		case ACT_UP: s->field = cyc(s->field, N_FIELDS, -1); break;
		case ACT_DOWN: s->field = cyc(s->field, N_FIELDS, 1); break;
		case ACT_LEFT: tui_train_form_step(s, -1); break;
		case ACT_RIGHT:
		case ACT_OVERLAY: tui_train_form_step(s, 1); break;
		case ACT_ENTER:
			if (s->field == F_LAUNCH) {
				tui_train_launch(s);
			} else if (tui_train_numeric_field(s->field)) {
				char b[64];
				tui_train_field_value(s, s->field, b, sizeof b);
				tui_input_set(&s->input, b);
				s->editing = 1;
			} else {
				tui_train_form_step(s, 1);
			}
			break;
		case ACT_NEW: s->form_open = 0; break;
		case ACT_COMPARE: tui_train_compare(s); return TUI_HANDLED | TUI_REDRAW;
		default: return 0;
		}
		/* skip the fields not shown */
		for (int n = 0; n < N_FIELDS && tui_train_field_hidden(s, s->field); n++)
			s->field = cyc(s->field, N_FIELDS, action == ACT_UP ? -1 : 1);
		return TUI_HANDLED | TUI_REDRAW;
	}
	switch (action) {
	case ACT_UP:
		if (s->sel > 0)
			s->sel--;
		tui_train_overlay_default(s);
		break;
	case ACT_DOWN:
		if (s->sel + 1 < s->n_runs)
			s->sel++;
		tui_train_overlay_default(s);
		break;
	case ACT_NEW:
	case ACT_ENTER: break;
	case ACT_OVERLAY:
		if (!v)
			break;
		if (!v->overlay && tui_train_overlaid(s) >= TUI_TRAIN_MAX_OVERLAY) {
			tui_app_error(app,
				      "%d runs overlaid already: "
				      "Space on one removes it",
				      TUI_TRAIN_MAX_OVERLAY);
			break;
		}
		v->overlay = !v->overlay;
		s->overlay_chosen = 1;
		break;
	case ACT_STOP:
		if (v)
			stop_run(s, v->r.id);
		break;
	case ACT_RESUME:
		if (!v)
			break;
		if (store_run_status_parse(v->r.status) == STORE_RUN_DONE || is_running(v)) {
			tui_app_error(app, "run %lld is %s", (long long)v->r.id,
				      tui_tr(app, v->r.status));
			break;
		}
		if (store_run_status_parse(v->r.status) == STORE_RUN_QUEUED && v->r.pid > 0) {
			tui_app_notice(app, "run %lld is starting", (long long)v->r.id);
			break;
		}
		{
			int64_t id = v->r.id;
			if (tui_train_enqueue(s, id))
				break;
			tui_train_run_queue(s);
			tui_train_note_start(s, id);
		}
		break;
	case ACT_DELETE:
		if (v) {
			s->confirm = 1;
			s->confirm_run = v->r.id;
		}
		break;
	case ACT_LOG: s->logy = !s->logy; break;
	case ACT_XAXIS: s->xtime = !s->xtime; break;
	case ACT_SMOOTH: s->smooth = cyc(s->smooth, 3, 1); break;
	case ACT_ZOOM: s->zoom = s->zoom >= N_SERIES - 1 ? -1 : s->zoom + 1; break;
	case ACT_GLYPHS: s->glyphs = cyc(s->glyphs, TUI_PLOT_N_GLYPHS, 1); break;
	case ACT_COMPARE: tui_train_compare(s); break;
	case ACT_EXPVIEW:
		if (!s->exp_id)
			s->exp_id = tui_train_newest_experiment(s);
		if (!s->exp_id)
			tui_app_error(app, "no experiment yet: c starts one");
		else
			s->exp_view = !s->exp_view;
		break;
	default: return 0;
	}
	if (action == ACT_NEW || action == ACT_ENTER) {
		tui_train_load_datasets(s);
		/* prefer the dataset of the selected run */
		for (size_t i = 0; v && i < s->n_ds; i++)
			if (s->ds[i].id == v->r.dataset_id)
				s->f.ds = (int)i;
		s->f.count_ds = -1;
		tui_train_form_count(s);
		s->form_open = 1;
		s->field = F_DATASET;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int train_event(void *state, struct tui_app *app, const struct tui_event *ev,
		       struct tui_rect body)
{
	struct train *s = state;
	(void)body;
	if (ev->type == TUI_EV_WAKE) {
		if (ev->code != TRAIN_WAKE_TICK)
			return 0;
		tui_train_refresh_runs(s);
		tui_train_run_queue(s);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->type != TUI_EV_KEY)
		return 0;
	if (s->confirm) {
		s->confirm = 0;
		if (ev->key == 'y' || ev->key == 'Y')
			delete_run(s, s->confirm_run);
		else
			tui_app_notice(app, "run %lld kept", (long long)s->confirm_run);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (s->form_open && s->editing) {
		if (ev->key == TUI_KEY_ENTER) {
			if (tui_train_form_apply(s) == 0)
				s->editing = 0;
		} else if (ev->key == TUI_KEY_ESC) {
			s->editing = 0;
		} else {
			tui_input_key(&s->input, ev->key);
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (s->form_open && ev->key == TUI_KEY_ESC) {
		s->form_open = 0;
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

static void train_status(void *state, struct tui_app *app, struct tui_line *hints,
			 struct buf *counts)
{
	struct train *s = state;
	if (s->confirm) {
		char q[96];
		/* short enough for 80 columns; any other key than y keeps it */
		snprintf(q, sizeof q,
			 i18n_text(tui_app_lang(app),
				   "delete run #%lld (metrics, predictions, checkpoint)? "),
			 (long long)s->confirm_run);
		tui_line_put(hints, TUI_ROLE_ERROR, q);
		tui_line_put(hints, TUI_ROLE_KEY, "y");
		tui_line_put(hints, TUI_ROLE_STATUS, tui_tr(app, " delete  "));
		tui_line_put(hints, TUI_ROLE_KEY, "n");
		tui_line_put(hints, TUI_ROLE_STATUS, tui_tr(app, " keep  "));
		return;
	}
	static const struct tui_hint run_hints[] = {{ACT_NEW, "new"},
						    {ACT_OVERLAY, "overlay"},
						    {ACT_STOP, "stop"},
						    {ACT_RESUME, "resume"},
						    {ACT_COMPARE, "compare"},
						    {ACT_ZOOM, "zoom"}},
				     form_hints[] = {{ACT_ENTER, "edit/launch"},
						     {ACT_RIGHT, "value"},
						     {ACT_COMPARE, "compare"}};
	if (s->form_open && s->editing)
		tui_entry_hints(hints, "set", NULL, tui_app_lang(app));
	else if (s->form_open)
		tui_app_hints(app, hints, form_hints, sizeof form_hints / sizeof form_hints[0]);
	else
		tui_app_hints(app, hints, run_hints, sizeof run_hints / sizeof run_hints[0]);
	int running; /* training, or started and about to */
	running_id(s, &running);
	buf_printf(counts, tui_tr(app, "%zu runs, %d running, %zu queued"), s->n_runs, running,
		   s->n_queue);
}

static int train_quit_note(void *state, struct tui_app *app, char *buf, size_t n)
{
	struct train *s = state;
	tui_train_refresh_runs(s); /* the state now, not the last tick's */
	int nr;
	int64_t id = running_id(s, &nr);
	return tui_train_quit_note(id, nr, s->n_queue, tui_app_lang(app), buf, n);
}

static int train_create(struct tui_app *app, void **state, char *err)
{
	struct train *s = calloc(1, sizeof *s);
	if (!s)
		return util_err(err, "out of memory");
	s->app = app;
	s->st = tui_app_store(app);
	snprintf(s->db_path, sizeof s->db_path, "%s", store_path(s->st));
	s->zoom = -1;
	s->glyphs = tui_app_utf8(app) ? TUI_PLOT_BRAILLE : TUI_PLOT_ASCII;
	tui_train_form_defaults(s);
	tui_train_refresh_runs(s); /* and the default overlay */
	atomic_init(&s->stop, 0);
	if (pthread_create(&s->th, NULL, ticker, s) == 0)
		s->th_on = 1;
	*state = s;
	return 0;
}

static void train_destroy(void *state)
{
	struct train *s = state;
	if (!s)
		return;
	if (s->th_on) {
		atomic_store(&s->stop, 1);
		pthread_join(s->th, NULL);
	}
	for (size_t i = 0; i < s->n_runs; i++)
		runv_release(&s->runs[i]);
	free(s->runs);
	for (size_t i = 0; i < s->n_ds; i++)
		store_dataset_release(&s->ds[i]);
	free(s->ds);
	if (s->have_exr)
		experiment_results_release(&s->exr);
	free(s);
}

const struct tui_screen_ops tui_train_screen = {
	.number = 3,
	.title = "Train",
	.actions = actions,
	.n_actions = sizeof actions / sizeof actions[0],
	.create = train_create,
	.destroy = train_destroy,
	.draw = tui_train_draw,
	.action = train_action,
	.event = train_event,
	.status = train_status,
	.quit_note = train_quit_note,
};
