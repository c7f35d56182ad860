/* tui_train_int.h: private to the Train screen's files (tui_train.c,
 * tui_train_form.c, tui_train_view.c, tui_train_exp.c). The screen's state
 * (runs and their metric points, the new-run form, plot settings, the
 * experiment shown) and the functions one part calls in another. The pure
 * figures and the plot widget are in tui_plot.h. */
#ifndef MENTOR_TUI_TRAIN_INT_H
#define MENTOR_TUI_TRAIN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mentor/experiment.h"
#include "mentor/store.h"
#include "mentor/train.h"
#include "tui_plot.h"

/* Wake-up codes of this screen. */
enum { TRAIN_WAKE_TICK = 3001 };

#define TICK_MS 1000
#define EMA_ALPHA 0.1

/* The plotted series, as the metrics table names them. */
enum { S_LOSS, S_VAL, S_ANS, S_EXP, S_DEV, S_DEVX, N_SERIES };
/* Accuracy series: raw points (a handful per run), shown in percent. */
static inline int is_acc(int k)
{
	return k == S_DEV || k == S_DEVX;
}

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
	double lr, tok_s, t;  /* latest values */
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


/* Statuses as bits, for what a notice stays true under. */
enum {
	NOTE_QUEUED = 1 << STORE_RUN_QUEUED,
	NOTE_RUNNING = 1 << STORE_RUN_RUNNING,
	NOTE_STOPPED = 1 << STORE_RUN_STOPPED,
	NOTE_DONE = 1 << STORE_RUN_DONE,
	NOTE_FAILED = 1 << STORE_RUN_FAILED
};

static inline int is_running(const struct runv *v)
{
	return !strcmp(v->r.status, "running");
}
/* v stepped by d through 0..n-1, wrapping around. */
static inline int cyc(int v, int n, int d)
{
	return ((v + d) % n + n) % n;
}

/* ------------------------------------------------- runs and queue (tui_train.c) */

/* Re-read the run table, keeping what is known of runs already seen. */
void tui_train_refresh_runs(struct train *s);
/* Re-read the workspace's datasets (the error shown). */
void tui_train_load_datasets(struct train *s);
/* The run of that id, or NULL; borrowed from s->runs. */
struct runv *tui_train_find_run(struct train *s, int64_t id);
/* Add a run to the workspace's queue; 0, or -1 with the error shown. */
int tui_train_enqueue(struct train *s, int64_t id);
/* Start the next queued run when nothing runs. */
void tui_train_run_queue(struct train *s);
/* The notice after run id was queued to start. */
void tui_train_note_start(struct train *s, int64_t id);
/* Overlay the newest run of each variant of the selected run's dataset,
 * until the operator chose runs with Space. */
void tui_train_overlay_default(struct train *s);
/* 1 when run id waits in the queue as last read. */
int tui_train_queued_here(const struct train *s, int64_t id);

/* ---------------------------------------------- the new-run form (tui_train_form.c) */

void tui_train_form_defaults(struct train *s);
/* Count the training examples of the form's dataset and source. */
void tui_train_form_count(struct train *s);
/* Step the focused field's value by d (cycling fields). */
void tui_train_form_step(struct train *s, int d);
/* Apply the edited text to the field; 0 or -1 (message shown). */
int tui_train_form_apply(struct train *s);
/* The form's settings as a run configuration; -1 (status bar message) when
 * they do not make one. */
int tui_train_form_config(struct train *s, struct train_config *out);
/* Field k's value as shown, into b (n bytes). */
void tui_train_field_value(const struct train *s, int k, char *b, size_t n);
/* 1 for a field edited as text (a number), 0 for one that cycles. */
int tui_train_numeric_field(int k);
/* 1 for a field the form does not show with its current settings. */
int tui_train_field_hidden(const struct train *s, int k);
/* Create the form's run, queue it and start the queue. */
void tui_train_launch(struct train *s);
/* Runs overlaid in the plots. */
size_t tui_train_overlaid(const struct train *s);
/* The form's lines, w columns wide (records the edited field's row). */
void tui_train_form_lines(struct train *s, int w, struct tui_lines *ls);

/* ------------------------------------ runs list, figures, plots (tui_train_view.c) */

/* Name of dataset id, "?" when unknown; borrowed from s->ds. */
const char *tui_train_ds_name(const struct train *s, int64_t id);
/* " label" padded to ten terminal columns into b (n bytes). */
void tui_train_pad_label(char *b, size_t n, const char *label, int utf8);
/* The screen's draw operation: the list or form on the left, the plots or
 * the experiment on the right. */
void tui_train_draw(void *state, struct tui_app *app, struct tui_canvas *cv, struct tui_rect body);

/* --------------------------------------------- experiments (tui_train_exp.c) */

/* c: plan and spawn the baseline-against-variants experiment. */
void tui_train_compare(struct train *s);
/* The newest experiment of the workspace, 0 when there is none. */
int64_t tui_train_newest_experiment(struct train *s);
/* The experiment's table as lines of width w. */
void tui_train_experiment_lines(struct train *s, int w, struct tui_lines *ls);

#endif
