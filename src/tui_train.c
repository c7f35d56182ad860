/* tui_train: the Train screen. A form to configure and launch training runs
 * in the background (child processes, one at a time; later launches wait as
 * 'queued'), the list of runs with stop, resume and delete, live loss plots
 * (train, answer-task, explanation-task and validation loss, raw and
 * smoothed, several runs overlaid) and progress figures. Metrics are polled
 * incrementally on a one-second wake-up from a ticker thread. */
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

#include "mentor/experiment.h"
#include "mentor/store.h"
#include "mentor/train.h"
#include "tui_plot.h"

/* Wake-up codes of this screen. */
enum { TRAIN_WAKE_TICK = 3001 };

#define TICK_MS 1000
#define EMA_ALPHA 0.1

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

/* The plotted series, as the metrics table names them. */
enum { S_LOSS, S_VAL, S_ANS, S_EXP, S_DEV, S_DEVX, N_SERIES };
static const char *const series_name[N_SERIES] = {"loss",     "val_loss", "loss_ans",
						  "loss_exp", "dev_acc",  "dev_acc_expl"};
static const char *const series_title[N_SERIES] = {
	"train loss",	     "validation loss",	      "answer-task loss",
	"explanation-task loss", "dev accuracy % (direct)", "dev accuracy % (explained)"};
/* Accuracy series: raw points (a handful per run), shown in percent. */
static int is_acc(int k) { return k == S_DEV || k == S_DEVX; }
static const int palette[4] = {TUI_ROLE_MATCH, TUI_ROLE_ACCEPTED, TUI_ROLE_PENDING,
			       TUI_ROLE_FLAGGED};

struct points {
	double *step, *t, *y;
	size_t n, cap;
	int64_t last; /* step of the last point fetched */
};

struct runv {
	struct store_run r;
	int overlay;
	struct points s[N_SERIES];
	int64_t last_lr_step, last_tok_step;
	double lr, tok_s, t; /* latest values */
	double acc, acc_expl; /* accuracy on the run's evaluation split, NAN unknown */
	char acc_split[8];    /* that split */
	char seen_status[16];
	int final; /* every metric of a finished run is in */
};

/* Form fields. */
enum {
	F_DATASET,
	F_VARIANT,
	F_ALPHA,
	F_SOURCE,
	F_START,
	F_PRESET,
	F_LAYERS,
	F_WIDTH,
	F_HEADS,
	F_CONTEXT,
	F_BUDGET,
	F_AMOUNT,
	F_BATCH,
	F_SEED,
	F_LR,
	F_VOCAB,
	F_EVAL,
	F_LAUNCH,
	N_FIELDS
};
static const char *const field_label[N_FIELDS] = {
	"dataset", "variant", "alpha", "source", "start", "preset", "layers", "width", "heads",
	"context", "budget", "steps", "batch", "seed", "lr", "vocab", "eval on", ""};
static const char *const presets[] = {"tiny", "small", "base", "custom"};
static const char *const budgets[] = {"steps", "minutes"};
static const char *const evals[] = {"test", "dev", "none"};

struct form {
	int ds;
	int variant, source, preset, budget, eval;
	int arch; /* enum student_arch, chosen with the preset ("llama tiny") */
	double alpha, minutes, lr;
	long layers, width, heads, context, steps, batch, seed, vocab;
	int64_t start; /* run the model starts from (--init-from); 0: a fresh model */
	/* examples the choice yields, for (count_ds, count_src) */
	int64_t count_ds;
	int count_src;
	long n_items, n_with, n_expl;
	char count_err[MENTOR_ERR_LEN];
};

struct train {
	struct tui_app *app;
	struct store *st;
	char db_path[4096];
	struct runv *runs;
	size_t n_runs;
	size_t sel;
	size_t top;
	/* 0 while the overlay follows the selected run's dataset (the default),
	 * 1 once the operator chose runs with Space */
	int overlay_chosen;
	struct store_dataset *ds;
	size_t n_ds;
	/* plots */
	int zoom; /* -1 all panels, else a series */
	int logy, xtime, smooth, glyphs;
	/* form */
	int form_open, field, editing;
	struct tui_input input;
	struct form f;
	/* y/n question */
	int confirm;
	int64_t confirm_run;
	/* the workspace's queue of runs to start (train.queue), as last read */
	int64_t queue[TRAIN_QUEUE_MAX];
	size_t n_queue;
	int64_t spawned; /* the run the last run_queue started, 0 if none */
	double last_reap;
	/* the run the status bar's notice is about, and the statuses (NOTE_*
	 * bits) under which what it says stays true */
	int64_t note_run;
	unsigned note_ok;
	/* the form field being edited: its row in the form and cursor column */
	int edit_row, edit_x;
	/* the experiment shown instead of the plots (v), its table cached */
	int64_t exp_id;
	int exp_view;
	struct experiment_results exr;
	int have_exr;
	double exr_at;
	/* ticker */
	pthread_t th;
	int th_on;
	atomic_int stop;
	struct tui_rect body;
};

/* ------------------------------------------------------------ data */

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
	if (!strcmp(v->r.status, "done") && v->r.config_json &&
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

static struct runv *find_run(struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].r.id == id)
			return &s->runs[i];
	return NULL;
}

/* Statuses as bits, for what a notice stays true under. */
enum { NOTE_QUEUED = 1, NOTE_RUNNING = 2, NOTE_STOPPED = 4, NOTE_DONE = 8, NOTE_FAILED = 16 };
static unsigned note_bit(const char *status)
{
	static const char *const words[] = {"queued", "running", "stopped", "done", "failed"};
	for (unsigned i = 0; i < 5; i++)
		if (!strcmp(status, words[i]))
			return 1u << i;
	return 0;
}

static int has_checkpoint(const struct store_run *r)
{
	return r->checkpoint && *r->checkpoint && r->step > 0;
}

void tui_train_start_note(const struct store_run *r, int started, int64_t busy, int lang,
			  char *buf, size_t n)
{
	long long id = r->id, step = r->step, after = busy;
	if (has_checkpoint(r) && started)
		snprintf(buf, n,
			 i18n_text(lang, "run %lld resumes from its checkpoint at step %lld in "
					 "the background"), id, step);
	else if (has_checkpoint(r) && busy)
		snprintf(buf, n,
			 i18n_text(lang, "run %lld queued: it resumes from its checkpoint at "
					 "step %lld when run %lld ends"), id, step, after);
	else if (has_checkpoint(r))
		snprintf(buf, n,
			 i18n_text(lang, "run %lld queued: it resumes from its checkpoint at "
					 "step %lld next"), id, step);
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

static void load_datasets(struct train *s)
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
static void default_overlay(struct train *s)
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
static void refresh_runs(struct train *s)
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
		struct runv *old = find_run(s, rs[i].id);
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
			if (!strcmp(rs[i].status, "running"))
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
		load_datasets(s);
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
	default_overlay(s);
	for (size_t i = 0; i < n; i++) {
		if (nv[i].final)
			continue;
		fetch_metrics(s, &nv[i]);
		/* stopped, done or failed: nothing more comes until it runs again */
		nv[i].final = strcmp(nv[i].r.status, "running") && strcmp(nv[i].r.status, "queued");
	}
	if (train_queue_list(s->st, s->queue, &s->n_queue, err)) {
		s->n_queue = 0;
		tui_app_error(s->app, "%s", err);
	}
	/* a notice about a run goes when the run's state no longer matches it */
	if (s->note_run) {
		struct runv *v = find_run(s, s->note_run);
		if (!v || !(note_bit(v->r.status) & s->note_ok)) {
			tui_app_notice_clear(s->app, tui_train_screen.number);
			s->note_run = 0;
		}
	}
}

static int is_running(const struct runv *v) { return !strcmp(v->r.status, "running"); }

/* Start the next queued run when nothing runs (the queue is the
 * workspace's: runs queued by an earlier workbench start here too). */
static void run_queue(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	double now = util_mono();
	s->spawned = 0;
	if (now - s->last_reap > 5) {
		s->last_reap = now;
		int marked = 0;
		if (train_run_reap(s->st, &marked, err) == 0 && marked)
			refresh_runs(s);
	}
	if (!s->n_queue)
		return;
	int64_t id = 0;
	if (train_queue_start_next(s->st, NULL, &id, NULL, err))
		tui_app_error(s->app, "%s", err);
	s->spawned = id;
	refresh_runs(s);
}

static int queued_here(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_queue; i++)
		if (s->queue[i] == id)
			return 1;
	return 0;
}

/* Add a run to the workspace's queue; 0, or -1 with the error shown. */
static int enqueue(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	if (train_queue_add(s->st, id, err)) {
		tui_app_error(s->app, "%s", err);
		return -1;
	}
	if (!queued_here(s, id) && s->n_queue < TRAIN_QUEUE_MAX)
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
			memmove(s->queue + i, s->queue + i + 1, (s->n_queue - i - 1) * sizeof *s->queue);
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
		    (!strcmp(s->runs[i].r.status, "queued") && s->runs[i].r.pid > 0)) {
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
static void note_start(struct train *s, int64_t id)
{
	const struct runv *v = find_run(s, id);
	if (!v)
		return;
	int n;
	int64_t busy = running_id(s, &n);
	char b[MENTOR_ERR_LEN];
	tui_train_start_note(&v->r, s->spawned == id, busy == id ? 0 : busy, tui_app_lang(s->app),
			     b, sizeof b);
	note(s, id, s->spawned == id ? NOTE_QUEUED | NOTE_RUNNING
				     : note_bit(v->r.status) | NOTE_QUEUED, "%s", b);
}

/* ------------------------------------------------------------ form */

static void form_defaults(struct train *s)
{
	struct form *f = &s->f;
	memset(f, 0, sizeof *f);
	struct train_config c;
	train_config_defaults(&c);
	char err[MENTOR_ERR_LEN];
	train_config_preset(&c, "tiny", err);
	f->variant = TRAIN_MT_COT;
	f->source = TRAIN_SRC_GOLD;
	f->alpha = c.alpha;
	f->preset = 0;
	f->layers = c.n_layer;
	f->width = c.n_embd;
	f->heads = c.n_head;
	f->context = c.n_ctx;
	f->steps = (long)c.steps;
	f->minutes = 5;
	f->batch = c.batch;
	f->seed = (long)c.seed;
	f->lr = c.lr;
	f->vocab = c.vocab;
	f->count_ds = -1;
}

static void form_sync_preset(struct form *f)
{
	if (f->preset >= 3)
		return;
	struct train_config c;
	train_config_defaults(&c);
	char err[MENTOR_ERR_LEN];
	if (train_config_preset(&c, presets[f->preset], err))
		return;
	f->layers = c.n_layer;
	f->width = c.n_embd;
	f->heads = c.n_head;
	f->context = c.n_ctx;
}

/* Count the training examples of the form's dataset and source. */
static void form_count(struct train *s)
{
	struct form *f = &s->f;
	if (!s->n_ds || f->ds >= (int)s->n_ds)
		return;
	int64_t id = s->ds[f->ds].id;
	if (f->count_ds == id && f->count_src == f->source)
		return;
	f->count_ds = id;
	f->count_src = f->source;
	f->count_err[0] = '\0';
	struct train_corpus c;
	char err[MENTOR_ERR_LEN];
	if (train_corpus_load(s->st, id, "train", f->source, &c, err)) {
		snprintf(f->count_err, sizeof f->count_err, "%s", err);
		f->n_items = f->n_with = f->n_expl = 0;
		return;
	}
	f->n_items = (long)c.n;
	f->n_with = 0;
	for (size_t i = 0; i < c.n; i++)
		f->n_with += c.items[i].n_expl > 0;
	f->n_expl = (long)c.n_expl;
	train_corpus_release(&c);
}

static int cyc(int v, int n, int d);

/* Runs a new run can start from: finished internal runs (trained here or
 * imported), which have a checkpoint. */
static int start_candidate(const struct runv *v)
{
	return !strcmp(v->r.status, "done") && !strcmp(v->r.kind, "internal");
}

static const struct runv *find_run_c(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].r.id == id)
			return &s->runs[i];
	return NULL;
}

/* "fresh model", or the starting run's name and shape. */
static void start_value(const struct train *s, char *b, size_t n)
{
	const struct runv *v = s->f.start ? find_run_c(s, s->f.start) : NULL;
	if (!v) {
		snprintf(b, n, "%s", tui_tr(s->app, "fresh model"));
		return;
	}
	struct train_config c;
	char err[MENTOR_ERR_LEN];
	if (train_config_from_json(v->r.config_json, &c, err))
		snprintf(b, n, "%s", v->r.name);
	else
		snprintf(b, n, "%s (%s%dx%d, %d tok)", v->r.name,
			 c.arch == STUDENT_LLAMA ? "llama " : "", c.n_layer, c.n_embd, c.vocab);
}

/* Fields the form does not show: alpha and source for a baseline; the
 * shape and vocabulary when the run starts from a model (they are its). */
static int field_hidden(const struct train *s, int k)
{
	if (s->f.variant == TRAIN_BASELINE && (k == F_ALPHA || k == F_SOURCE))
		return 1;
	return s->f.start && ((k >= F_PRESET && k <= F_CONTEXT) || k == F_VOCAB);
}

/* Step the starting model through fresh and the candidates, newest first;
 * the learning rate follows while it is the default of either. */
static void start_step(struct train *s, int d)
{
	struct form *f = &s->f;
	size_t n = 0;
	int64_t *ids = malloc((s->n_runs + 1) * sizeof *ids);
	if (!ids)
		return;
	ids[n++] = 0;
	for (size_t i = s->n_runs; i-- > 0;)
		if (start_candidate(&s->runs[i]))
			ids[n++] = s->runs[i].r.id;
	size_t at = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == f->start)
			at = i;
	int64_t prev = f->start;
	f->start = ids[(size_t)cyc((int)at, (int)n, d)];
	free(ids);
	struct train_config c;
	train_config_defaults(&c);
	if (!prev && f->start && f->lr == c.lr)
		f->lr = TRAIN_FINETUNE_LR;
	else if (prev && !f->start && f->lr == TRAIN_FINETUNE_LR)
		f->lr = c.lr;
}

static void field_value(const struct train *s, int k, char *b, size_t n)
{
	const struct form *f = &s->f;
	switch (k) {
	case F_DATASET:
		snprintf(b, n, "%s",
			 s->n_ds ? s->ds[f->ds].name : i18n_text(tui_app_lang(s->app),
								 "(none: mentor init)"));
		break;
	case F_VARIANT: snprintf(b, n, "%s", train_variant_name(f->variant)); break;
	case F_ALPHA: snprintf(b, n, "%.2f", f->alpha); break;
	case F_SOURCE: snprintf(b, n, "%s", train_source_name(f->source)); break;
	case F_START: start_value(s, b, n); break;
	case F_PRESET:
		snprintf(b, n, "%s%s", f->arch == STUDENT_LLAMA ? "llama " : "",
			 presets[f->preset]);
		break;
	case F_LAYERS: snprintf(b, n, "%ld", f->layers); break;
	case F_WIDTH: snprintf(b, n, "%ld", f->width); break;
	case F_HEADS: snprintf(b, n, "%ld", f->heads); break;
	case F_CONTEXT: snprintf(b, n, "%ld", f->context); break;
	case F_BUDGET: snprintf(b, n, "%s", budgets[f->budget]); break;
	case F_AMOUNT:
		if (f->budget)
			snprintf(b, n, "%g", f->minutes);
		else
			snprintf(b, n, "%ld", f->steps);
		break;
	case F_BATCH: snprintf(b, n, "%ld", f->batch); break;
	case F_SEED: snprintf(b, n, "%ld", f->seed); break;
	case F_LR: snprintf(b, n, "%g", f->lr); break;
	case F_VOCAB: snprintf(b, n, "%ld", f->vocab); break;
	case F_EVAL: snprintf(b, n, "%s", evals[f->eval]); break;
	default: snprintf(b, n, "%s", tui_tr(s->app, "[ Launch ]")); break;
	}
}

static int numeric_field(int k)
{
	return k == F_ALPHA || (k >= F_LAYERS && k <= F_CONTEXT) || k == F_AMOUNT ||
	       k == F_BATCH || k == F_SEED || k == F_LR || k == F_VOCAB;
}

static int cyc(int v, int n, int d) { return ((v + d) % n + n) % n; }

static void form_step(struct train *s, int d)
{
	struct form *f = &s->f;
	switch (s->field) {
	case F_DATASET:
		if (s->n_ds)
			f->ds = cyc(f->ds, (int)s->n_ds, d);
		break;
	case F_VARIANT: f->variant = cyc(f->variant, TRAIN_N_VARIANTS, d); break;
	case F_SOURCE: f->source = cyc(f->source, TRAIN_N_SOURCES, d); break;
	case F_START: start_step(s, d); break;
	case F_PRESET: {
		/* the four presets of GPT-2, then the same four of the Llama family */
		int k = cyc(f->arch * 4 + f->preset, 4 * STUDENT_N_ARCHS, d);
		f->arch = k / 4;
		f->preset = k % 4;
		form_sync_preset(f);
		break;
	}
	case F_BUDGET: f->budget = cyc(f->budget, 2, d); break;
	case F_EVAL: f->eval = cyc(f->eval, 3, d); break;
	case F_ALPHA:
		f->alpha = round((f->alpha + 0.1 * d) * 100) / 100;
		if (f->alpha < 0)
			f->alpha = 0;
		if (f->alpha > 1)
			f->alpha = 1;
		break;
	default: break;
	}
	form_count(s);
}

/* Apply the edited text to the field; 0 or -1 (message shown). */
static int form_apply(struct train *s)
{
	struct form *f = &s->f;
	const char *t = s->input.text;
	double d;
	long v;
	if (s->field == F_ALPHA || s->field == F_LR || (s->field == F_AMOUNT && f->budget)) {
		double hi = s->field == F_ALPHA ? 1 : s->field == F_LR ? 9.99 : 100000;
		if (util_parse_double(t, &d) || !(d >= 0) || d > hi ||
		    (s->field == F_LR && !(d > 0))) {
			tui_app_error(s->app, "%s: '%.40s' is not a number in range",
				      tui_tr(s->app, field_label[s->field]), t);
			return -1;
		}
		if (s->field == F_ALPHA)
			f->alpha = d;
		else if (s->field == F_LR)
			f->lr = d;
		else
			f->minutes = d;
		return 0;
	}
	long hi = s->field == F_SEED ? 2147483647L : 100000000L;
	if (util_parse_long(t, s->field == F_SEED ? 0 : 1, hi, &v)) {
		tui_app_error(s->app, "%s: '%.40s' is not a whole number in range",
			      i18n_text(tui_app_lang(s->app),
					s->field == F_AMOUNT ? "steps" : field_label[s->field]), t);
		return -1;
	}
	switch (s->field) {
	case F_LAYERS: f->layers = v; break;
	case F_WIDTH: f->width = v; break;
	case F_HEADS: f->heads = v; break;
	case F_CONTEXT: f->context = v; break;
	case F_AMOUNT: f->steps = v; break;
	case F_BATCH: f->batch = v; break;
	case F_SEED: f->seed = v; break;
	case F_VOCAB: f->vocab = v; break;
	default: break;
	}
	if (s->field >= F_LAYERS && s->field <= F_CONTEXT)
		f->preset = 3;
	return 0;
}

/* The form's settings as a run configuration; -1 (status bar message) when
 * they do not make one. */
static int form_config(struct train *s, struct train_config *out)
{
	struct form *f = &s->f;
	char err[MENTOR_ERR_LEN];
	if (!s->n_ds) {
		tui_app_error(s->app, "no dataset: import one first (mentor init, mentor import)");
		return -1;
	}
	struct train_config c;
	train_config_defaults(&c);
	snprintf(c.dataset, sizeof c.dataset, "%s", s->ds[f->ds].name);
	c.variant = f->variant;
	c.source = f->source;
	c.alpha = f->alpha;
	snprintf(c.preset, sizeof c.preset, "%s", presets[f->preset]);
	c.n_layer = (int)f->layers;
	c.n_embd = (int)f->width;
	c.n_head = (int)f->heads;
	c.n_ctx = (int)f->context;
	c.steps = f->budget ? 0 : f->steps;
	c.minutes = f->budget ? f->minutes : 0;
	c.batch = (int)f->batch;
	c.seed = (uint64_t)f->seed;
	c.lr = f->lr;
	c.vocab = (int)f->vocab;
	if (f->arch == STUDENT_LLAMA && !f->start) {
		struct llama_config l;
		student_llama_shape(c.n_layer, c.n_embd, c.n_head, c.n_ctx, c.vocab, &l);
		train_config_set_llama(&c, &l);
	}
	if (f->eval == 2)
		c.eval_at_end = 0;
	else
		snprintf(c.eval_split, sizeof c.eval_split, "%s", evals[f->eval]);
	if (c.steps > 0) {
		/* short runs: a few validation points and checkpoints to show */
		int64_t every = c.steps / 10;
		c.val_every = every < 10 ? 10 : every > 100 ? 100 : every;
		int64_t ck = c.steps / 5;
		c.ckpt_every = ck < 10 ? 10 : ck > c.ckpt_every ? c.ckpt_every : ck;
	}
	if (f->start) {
		char ref[24];
		snprintf(ref, sizeof ref, "%lld", (long long)f->start);
		if (train_config_init_from(s->st, ref, &c, err)) {
			tui_app_error(s->app, "%s", err);
			return -1;
		}
	}
	if (train_config_check(&c, err)) {
		tui_app_error(s->app, "%s", err);
		return -1;
	}
	*out = c;
	return 0;
}

static size_t overlaid(const struct train *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		n += s->runs[i].overlay != 0;
	return n;
}

static void launch(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct train_config c;
	if (form_config(s, &c))
		return;
	int64_t id;
	if (train_run_create(s->st, &c, NULL, &id, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	s->form_open = 0;
	if (enqueue(s, id))
		return;
	refresh_runs(s);
	struct runv *v = find_run(s, id);
	if (v) {
		s->sel = (size_t)(v - s->runs);
		if (s->overlay_chosen)
			v->overlay = overlaid(s) < TUI_TRAIN_MAX_OVERLAY;
		default_overlay(s);
	}
	run_queue(s);
	note_start(s, id);
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

/* ------------------------------------------------------------ experiments */

static const char *ds_name(const struct train *s, int64_t id);

/* The one-key experiment: the baseline and the multi-task variants with the
 * form's settings (or the engine's defaults for the selected run's dataset),
 * over the default seeds, planned here and run by a detached process. */
static void compare(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct experiment_spec spec;
	experiment_spec_init(&spec);
	if (s->form_open) {
		if (form_config(s, &spec.base))
			return;
		/* the form names a source: the experiment uses it */
		spec.auto_source = s->f.variant == TRAIN_BASELINE;
		spec.base.variant = TRAIN_BASELINE;
	} else {
		if (!s->n_ds)
			load_datasets(s);
		const char *ds = s->n_runs ? ds_name(s, s->runs[s->sel].r.dataset_id) : NULL;
		if (!ds || !strcmp(ds, "?"))
			ds = s->n_ds ? s->ds[s->f.ds].name : NULL;
		if (!ds) {
			tui_app_error(s->app, "no dataset: import one first (mentor init, mentor import)");
			return;
		}
		snprintf(spec.base.dataset, sizeof spec.base.dataset, "%s", ds);
	}
	int64_t id, pid;
	if (experiment_plan(s->st, &spec, &id, err) ||
	    experiment_spawn(NULL, s->db_path, id, &pid, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	s->exp_id = id;
	s->exp_view = 1;
	s->exr_at = 0;
	s->form_open = 0;
	refresh_runs(s);
	tui_app_notice(s->app, "experiment %lld: %zu runs (%zu variants x %d seeds) started in the "
		       "background; v: table or plots", (long long)id, spec.n_variants * (size_t)spec.seeds,
		       spec.n_variants, spec.seeds);
}

/* The newest experiment of the workspace, 0 when there is none. */
static int64_t newest_experiment(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct store_experiment *e = NULL;
	size_t n = 0;
	int64_t id = 0;
	if (store_experiment_list(s->st, &e, &n, err))
		return 0;
	if (n)
		id = e[n - 1].id;
	for (size_t i = 0; i < n; i++)
		store_experiment_release(&e[i]);
	free(e);
	return id;
}

/* The experiment's table as lines of width w: plain functions of the
 * results, so that the screen test reads the same figures as the CLI. */
static void experiment_lines(struct train *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app);
	char err[MENTOR_ERR_LEN];
	if (util_mono() - s->exr_at > 2.0 || !s->have_exr) {
		if (s->have_exr)
			experiment_results_release(&s->exr);
		s->have_exr = !experiment_results(s->st, s->exp_id, &s->exr, err);
		s->exr_at = util_mono();
		if (!s->have_exr) {
			struct tui_line *l = tui_lines_add(ls);
			tui_line_text(l, TUI_ROLE_ERROR, err, strlen(err), w, 1, utf8);
			return;
		}
	}
	const struct experiment_results *r = &s->exr;
	char b[640], a1[16], a2[16], a3[16], a4[16], a5[16];
	struct tui_line *l = tui_lines_add(ls);
	int lang = tui_app_lang(s->app);
	snprintf(b, sizeof b, i18n_text(lang, " Experiment #%lld  "), (long long)r->id);
	tui_line_put(l, TUI_ROLE_TITLE, b);
	tui_line_text(l, TUI_ROLE_MATCH, r->dataset, strlen(r->dataset), w - l->width, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	snprintf(b, sizeof b,
		 i18n_text(lang, " %s: %zu of %zu runs evaluated%s; source %s, preset %s, %lld "
				 "steps, %zu seeds; %s split, %lld questions"),
		 i18n_text(lang, r->status), r->n_evaluated, r->n_runs,
		 r->n_failed ? i18n_text(lang, " (some failed)") : "", r->source, r->preset,
		 (long long)r->steps, r->n_seeds, r->split, (long long)r->split_items);
	tui_wrap(ls, b, strlen(b), w, 1, TUI_ROLE_DIM, 3, utf8);
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	l = tui_lines_add(ls);
	snprintf(b, sizeof b, " %-8s %-9s %6s %13s %7s %13s %7s", "variant", "mode", "acc %",
		 "95% CI", "vs base", "95% CI", "p");
	tui_line_text(l, TUI_ROLE_TITLE, b, strlen(b), w, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *x = &r->cells[i];
		char ci[40] = "-", dci[40] = "-", d[16] = "-", p[16] = "-";
		if (!isnan(x->lo))
			snprintf(ci, sizeof ci, "%s..%s", experiment_pct(a1, sizeof a1, x->lo),
				 experiment_pct(a2, sizeof a2, x->hi));
		if (x->has_diff && !isnan(x->diff)) {
			snprintf(d, sizeof d, "%+.1f", 100 * x->diff);
			snprintf(dci, sizeof dci, "%s..%s", experiment_pct(a3, sizeof a3, x->diff_lo),
				 experiment_pct(a4, sizeof a4, x->diff_hi));
			snprintf(p, sizeof p, "%.2g", x->p_mcnemar);
		}
		snprintf(b, sizeof b, " %-8s %-9s %6s %13s %7s %13s %7s",
			 experiment_variant_label(x->variant),
			 x->mode == EXPERIMENT_EXPLAIN ? "explained" : "direct",
			 experiment_pct(a5, sizeof a5, x->s.mean), ci, d, dci, p);
		l = tui_lines_add(ls);
		int role = (int)i == r->best_vs ? TUI_ROLE_CORRECT : TUI_ROLE_NORMAL;
		tui_line_text(l, role, b, strlen(b), w, 1, utf8);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	char verdict[512];
	experiment_verdict_lang(r, lang, verdict, sizeof verdict);
	snprintf(b, sizeof b, i18n_text(lang, " Verdict: %s"), verdict);
	tui_wrap(ls, b, strlen(b), w, 1, TUI_ROLE_MATCH, 0, utf8);
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_DIM,
		     i18n_text(lang,
			       " v: plots  c: another experiment  (runs appear on the left)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
}

/* ------------------------------------------------------------ drawing */

/* A running run past its last step is evaluating the test split. */
static int evaluating(const struct store_run *r)
{
	return !strcmp(r->status, "running") && r->total_steps > 0 && r->step >= r->total_steps;
}

/* Four columns in every language. */
static const char *status_word(const struct store_run *r, int lang)
{
	const char *st = r->status;
	if (lang == I18N_JA) {
		static const char *const ja[] = {"評価", "実行", "待機", "停止", "完了", "失敗"};
		return ja[evaluating(r) ? 0 : !strcmp(st, "running") ? 1 : !strcmp(st, "queued") ? 2
			  : !strcmp(st, "stopped") ? 3 : !strcmp(st, "done") ? 4 : 5];
	}
	if (evaluating(r))
		return "eval";
	if (!strcmp(st, "running"))
		return "run ";
	if (!strcmp(st, "queued"))
		return "wait";
	if (!strcmp(st, "stopped"))
		return "stop";
	if (!strcmp(st, "done"))
		return "done";
	return "FAIL";
}

static int status_role(const char *st)
{
	if (!strcmp(st, "running"))
		return TUI_ROLE_PENDING;
	if (!strcmp(st, "done"))
		return TUI_ROLE_CORRECT;
	if (!strcmp(st, "failed"))
		return TUI_ROLE_WRONG;
	return TUI_ROLE_DIM;
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

static const char *ds_name(const struct train *s, int64_t id)
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
	snprintf(b, sizeof b, i18n_text(lang, "  %s %zu more"), up ? (utf8 ? "\xe2\x86\x91" : "^") :
						     (utf8 ? "\xe2\x86\x93" : "v"), n);
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
		tui_line_put(l, base == TUI_ROLE_NORMAL ? status_role(v->r.status) : base,
			     queued_here(s, v->r.id) && !strcmp(v->r.status, "stopped")
				     ? (tui_app_lang(s->app) == I18N_JA ? "待機" : "wait")
				     : status_word(&v->r, tui_app_lang(s->app)));
		tui_line_put(l, base, " ");
		char fig[32];
		tui_train_row_figure(v->r.status, v->r.step, v->r.total_steps, v->acc, v->acc_expl,
				     v->acc_split, fig, sizeof fig);
		int role = base;
		if (base == TUI_ROLE_NORMAL)
			role = !strcmp(v->r.status, "done") ? TUI_ROLE_CORRECT : TUI_ROLE_DIM;
		int fw = (int)strlen(fig);
		char label[256];
		snprintf(label, sizeof label, "%s %s", ds_name(s, v->r.dataset_id),
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
static void pad_label(char *b, size_t n, const char *label, int utf8)
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
	pad_label(key, sizeof key, i18n_text(lang, k), utf8);
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
		 queued_here(s, v->r.id) ? i18n_text(lang, " (queued here)") : "");
	kv(ls, lang, "status", b, status_role(v->r.status), w, utf8);
	kv(ls, lang, "dataset", ds_name(s, v->r.dataset_id), TUI_ROLE_NORMAL, w, utf8);
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

static void form_lines(struct train *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(lang, " New run"));
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, "  (Esc: close)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	for (int k = 0; k < N_FIELDS; k++) {
		if (field_hidden(s, k))
			continue;
		l = tui_lines_add(ls);
		int base = k == s->field ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL;
		char lab[64];
		pad_label(lab, sizeof lab,
			  i18n_text(lang,
				    k == F_AMOUNT && s->f.budget ? "minutes" : field_label[k]),
			  utf8);
		if (k == F_LAUNCH)
			lab[0] = '\0';
		if (k == s->field && s->editing) {
			s->edit_row = (int)ls->n - 1;
			s->edit_x = tui_entry_line(l, base, lab, s->input.text, w, utf8);
			continue;
		}
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_TITLE : base, lab);
		{
			char v[200];
			field_value(s, k, v, sizeof v);
			int cycles = !numeric_field(k) && k != F_LAUNCH;
			if (cycles && k == s->field)
				tui_line_put(l, base, "< ");
			tui_line_text(l, base, v, strlen(v), w - l->width - 2, 1, utf8);
			if (cycles && k == s->field)
				tui_line_put(l, base, " >");
		}
		tui_line_pad(l, base, w);
	}
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	char b[200];
	const struct form *f = &s->f;
	if (f->count_err[0]) {
		l = tui_lines_add(ls);
		tui_line_text(l, TUI_ROLE_ERROR, f->count_err, strlen(f->count_err), w, 1, utf8);
		return;
	}
	if (f->variant == TRAIN_BASELINE)
		snprintf(b, sizeof b, i18n_text(lang, " examples: %ld answers"), f->n_items);
	else
		snprintf(b, sizeof b, i18n_text(lang, " examples: %ld ans + %ld expl"), f->n_items,
			 f->n_expl);
	l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_MATCH, b);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	if (f->variant != TRAIN_BASELINE) {
		snprintf(b, sizeof b, i18n_text(lang, " %ld/%ld items with %s expl."), f->n_with,
			 f->n_items,
			 train_source_name(f->source));
		l = tui_lines_add(ls);
		tui_line_put(l, f->n_with ? TUI_ROLE_DIM : TUI_ROLE_ERROR, b);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
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
			ser[ns++] = (struct tui_plot_series){ema ? NULL : labels[j], x, p->y, p->n,
							     ema ? TUI_ROLE_DIM : role,
							     ema ? 0 : mark, tags[j]};
		if (ema) {
			tmp[j] = malloc(p->n * sizeof(double));
			if (!tmp[j])
				util_oom();
			tui_plot_ema(p->y, p->n, EMA_ALPHA, tmp[j]);
			ser[ns++] = (struct tui_plot_series){labels[j], x, tmp[j], p->n,
							     role, mark, tags[j]};
		}
	}
	struct tui_plot_opts o = {0, 0, s->glyphs, s->logy && !is_acc(k), 0, 0, 0,
				  is_acc(k) ? 100 : 0, tui_app_lang(s->app)};
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

static void train_draw(void *state, struct tui_app *app, struct tui_canvas *cv,
		       struct tui_rect body)
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
		form_lines(s, lw, &ls);
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
		experiment_lines(s, right.w, &ls);
		tui_canvas_lines(cv, right, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	} else {
		draw_plots(s, cv, right);
	}
}

/* ------------------------------------------------------------ actions */

static void delete_run(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	struct runv *v = find_run(s, id);
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
	refresh_runs(s);
	tui_app_notice(s->app, "run %lld deleted", (long long)id);
}

/* s on a run: a run still waiting leaves the queue (nothing was written for
 * it); a run that trains is asked to stop (it writes a checkpoint). */
static void stop_run(struct train *s, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	struct runv *v = find_run(s, id);
	int waited = queued_here(s, id);
	int queued = !strcmp(v->r.status, "queued") && v->r.pid <= 0;
	int idle = strcmp(v->r.status, "running") && strcmp(v->r.status, "queued");
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
		refresh_runs(s);
		return;
	}
	if (train_run_stop(s->st, id, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	refresh_runs(s);
	v = find_run(s, id);
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
		case ACT_LEFT: form_step(s, -1); break;
		case ACT_RIGHT:
		case ACT_OVERLAY: form_step(s, 1); break;
		case ACT_ENTER:
			if (s->field == F_LAUNCH) {
				launch(s);
			} else if (numeric_field(s->field)) {
				char b[64];
				field_value(s, s->field, b, sizeof b);
				tui_input_set(&s->input, b);
				s->editing = 1;
			} else {
				form_step(s, 1);
			}
			break;
		case ACT_NEW: s->form_open = 0; break;
		case ACT_COMPARE: compare(s); return TUI_HANDLED | TUI_REDRAW;
		default: return 0;
		}
		/* skip the fields not shown */
		for (int n = 0; n < N_FIELDS && field_hidden(s, s->field); n++)
			s->field = cyc(s->field, N_FIELDS, action == ACT_UP ? -1 : 1);
		return TUI_HANDLED | TUI_REDRAW;
	}
	switch (action) {
	case ACT_UP:
		if (s->sel > 0)
			s->sel--;
		default_overlay(s);
		break;
	case ACT_DOWN:
		if (s->sel + 1 < s->n_runs)
			s->sel++;
		default_overlay(s);
		break;
	case ACT_NEW:
	case ACT_ENTER:
		break;
	case ACT_OVERLAY:
		if (!v)
			break;
		if (!v->overlay && overlaid(s) >= TUI_TRAIN_MAX_OVERLAY) {
			tui_app_error(app, "%d runs overlaid already: "
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
		if (!strcmp(v->r.status, "done") || is_running(v)) {
			tui_app_error(app, "run %lld is %s",
				      (long long)v->r.id, tui_tr(app, v->r.status));
			break;
		}
		if (!strcmp(v->r.status, "queued") && v->r.pid > 0) {
			tui_app_notice(app, "run %lld is starting",
				       (long long)v->r.id);
			break;
		}
		{
			int64_t id = v->r.id;
			if (enqueue(s, id))
				break;
			run_queue(s);
			note_start(s, id);
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
	case ACT_COMPARE: compare(s); break;
	case ACT_EXPVIEW:
		if (!s->exp_id)
			s->exp_id = newest_experiment(s);
		if (!s->exp_id)
			tui_app_error(app, "no experiment yet: c starts one");
		else
			s->exp_view = !s->exp_view;
		break;
	default: return 0;
	}
	if (action == ACT_NEW || action == ACT_ENTER) {
		load_datasets(s);
		/* prefer the dataset of the selected run */
		for (size_t i = 0; v && i < s->n_ds; i++)
			if (s->ds[i].id == v->r.dataset_id)
				s->f.ds = (int)i;
		s->f.count_ds = -1;
		form_count(s);
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
		refresh_runs(s);
		run_queue(s);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->type != TUI_EV_KEY)
		return 0;
	if (s->confirm) {
		s->confirm = 0;
		if (ev->key == 'y' || ev->key == 'Y')
			delete_run(s, s->confirm_run);
		else
			tui_app_notice(app, "run %lld kept",
				       (long long)s->confirm_run);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (s->form_open && s->editing) {
		if (ev->key == TUI_KEY_ENTER) {
			if (form_apply(s) == 0)
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
	static const struct tui_hint run_hints[] = {{ACT_NEW, "new"}, {ACT_OVERLAY, "overlay"},
						    {ACT_STOP, "stop"}, {ACT_RESUME, "resume"},
						    {ACT_COMPARE, "compare"}, {ACT_ZOOM, "zoom"}},
				     form_hints[] = {{ACT_ENTER, "edit/launch"}, {ACT_RIGHT, "value"},
						     {ACT_COMPARE, "compare"}};
	if (s->form_open && s->editing)
		tui_entry_hints(hints, "set", NULL, tui_app_lang(app));
	else if (s->form_open)
		tui_app_hints(app, hints, form_hints, sizeof form_hints / sizeof form_hints[0]);
	else
		tui_app_hints(app, hints, run_hints, sizeof run_hints / sizeof run_hints[0]);
	int running; /* training, or started and about to */
	running_id(s, &running);
	buf_printf(counts, tui_tr(app, "%zu runs, %d running, %zu queued"),
		   s->n_runs, running, s->n_queue);
}

static int train_quit_note(void *state, struct tui_app *app, char *buf, size_t n)
{
	struct train *s = state;
	refresh_runs(s); /* the state now, not the last tick's */
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
	form_defaults(s);
	refresh_runs(s); /* and the default overlay */
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
	.draw = train_draw,
	.action = train_action,
	.event = train_event,
	.status = train_status,
	.quit_note = train_quit_note,
};
