/* tui_review_int.h: private to the Review screen's files (tui_review.c,
 * tui_review_nav.c, tui_review_decide.c, tui_review_gen.c). The screen's
 * state, what its worker threads share with it, and the functions one part
 * of the screen calls in another. The pure view is in tui_review.h. */
#ifndef MENTOR_TUI_REVIEW_INT_H
#define MENTOR_TUI_REVIEW_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "tui_review.h"

/* Wake-up codes of this screen (other codes are not ours). */
enum {
	REVIEW_WAKE = 2001,      /* a worker has news: drain the shared state */
	REVIEW_WAKE_SYNC = 2002, /* scripts: wait for the running jobs, then drain */
};

#define SYNC_WAIT_MS 60000
#define SCAN_MAX 50000 /* items a search for the next unreviewed one reads */
#define UNDO_KEEP 64   /* session decisions remembered for the counters */
#define EDITOR_ARGS 16

/* What worker callbacks write, under mu. */
struct shared {
	pthread_mutex_t mu;
	int64_t job_item; /* item of the single-item job */
	struct buf live[TUI_REVIEW_NMODES];
	char live_path[TUI_REVIEW_NMODES][8];
	int gen[TUI_REVIEW_NMODES];
	char note[TUI_REVIEW_NMODES][200];
	int job_done, batch_done;
	size_t est_items; /* items the batch's estimate has read */
	int est_cancel, est_finished;
	int64_t watch_item; /* the item on screen */
	int touched;        /* a result for it was stored */
	int wake_pending;
};

struct est_job;

struct decision {
	int64_t expl_id;
	char kind; /* a accept, x reject, f flag, e edit */
};

struct review {
	struct tui_app *app;
	struct store *st;
	struct config cfg;
	char cfg_err[MENTOR_ERR_LEN];
	char reviewer[64];
	/* the open item */
	int64_t item_id;
	struct store_item item;
	int have_item;
	char dataset[128];
	struct store_expl *expl;
	size_t n_expl;
	const struct store_expl *shown[TUI_REVIEW_NMODES];
	const struct store_expl *attempt;
	/* checks of shown[k], and of the kept CROP attempt (index NMODES) */
	struct check_result check[TUI_REVIEW_NMODES + 1];
	int focus;
	int top[TUI_REVIEW_NMODES];
	int show_attempt;
	/* review progress of the focused mode (update_progress) */
	char progress[160];
	int progress_dirty, progress_focus;
	int diff, diff_a, diff_b, diff_top;
	struct tui_rect body;
	/* generation */
	struct teacher_job *job, *batch;
	struct tui_review_batch bar;
	struct shared sh;
	/* the batch's scope (B): stated above its bar; while confirm is set the
	 * y/n question is open and pend_ids are the items it would run */
	struct tui_review_scope scope;
	int scope_on;
	struct est_job *est; /* the estimate running, or NULL */
	struct buf scope_head, scope_summary, scope_detail;
	int confirm;
	int64_t *pend_ids;
	size_t n_pend;
	/* the Items selection when its search is a regex (regex_selection) */
	struct store_item_selection sel;
	char sel_key[1024];
	int sel_valid, sel_dynamic;
	struct buf live_copy[TUI_REVIEW_NMODES];
	char note_copy[TUI_REVIEW_NMODES][200];
	/* session */
	struct decision done[UNDO_KEEP];
	size_t n_done;
	int reviewed, accepted, rejected;
	double t0; /* first decision of the session, 0 before */
};

/* The filter the Items screen saved (tui_review_items_filter). */
struct ifilter {
	struct store_item_filter f;          /* without the search */
	char search[512];                    /* as typed: a substring or re:PATTERN */
	char dataset[128];                   /* its name, or "all datasets" */
	char filters[STORE_FILTER_TEXT_MAX]; /* "split:any review:any ...", its text form */
};

/* teacher_estimate reads every item: it runs on a thread of its own (with
 * its own workspace connection) while the screen goes on. */
struct est_job {
	pthread_t th;
	struct review *r;
	struct teacher_opts o;
	char *db_path;
	int64_t *ids;
	size_t n;
	struct teacher_estimate est;
	int rc;
	char err[MENTOR_ERR_LEN];
};

/* ------------------------------------------------ the item (tui_review.c) */

/* Read the open item's explanations again, pick the shown ones, check them. */
void tui_review_load_expl(struct review *r);
/* Open item id (0 closes). Returns 0 or -1 (the previous item stays). */
int tui_review_open_item(struct review *r, int64_t id);
/* Focus the first pending candidate (else COTE). */
void tui_review_focus_pending(struct review *r);

/* ------------------------------ the Items filter and moves (tui_review_nav.c) */

/* The filter Items saved in the settings into *fi (no heap memory). */
void tui_review_items_filter(struct review *r, struct ifilter *fi);
/* The items of fi when its search is a regex; borrowed, kept in r (NULL
 * with the error shown). */
const struct store_item_selection *tui_review_regex_selection(struct review *r,
							      const struct ifilter *fi);
/* The item after (dir 1) or before (dir -1) the open one in the filter, 0
 * if none. */
int64_t tui_review_neighbour(struct review *r, int dir);
/* Open the next unreviewed item of the filter (an error when none). */
void tui_review_go_next_unreviewed(struct review *r);

/* ------------------------------------------ decisions (tui_review_decide.c) */

/* Record action ("accept", "reject", "flag") on the focused candidate
 * (kind: a, x, f); advance: then go to the next unreviewed item. */
void tui_review_decide(struct review *r, const char *action, char kind, int advance);
/* Undo the workspace's last decision and show its item. */
void tui_review_undo(struct review *r);
/* Accept the focused candidate, reject the other pending ones, next item. */
void tui_review_keep_only(struct review *r);
/* Edit the focused candidate in $EDITOR. */
void tui_review_edit(struct review *r);

/* ------------------------------------ generation and batch (tui_review_gen.c) */

/* Start generating modes (TEACHER_* mask) for the open item. */
void tui_review_generate(struct review *r, unsigned modes);
/* B: select the Items list and start its estimate. */
void tui_review_batch_start(struct review *r);
/* The y/n answer to the batch's question. */
void tui_review_batch_answer(struct review *r, int key);
/* c, Esc: cancel the estimate, the generation or the batch. */
void tui_review_cancel(struct review *r);
/* Take in what the workers did. */
void tui_review_drain(struct review *r);
/* The estimate is over (waits for its thread): ask, or start the batch. */
void tui_review_est_finish(struct review *r);
/* Stop a running estimate and forget it (the screen goes away). */
void tui_review_est_stop(struct review *r);
/* Forget the batch's scope and any open question. */
void tui_review_scope_clear(struct review *r);
/* Copy the running batch's progress into r->bar. */
void tui_review_bar_update(struct review *r);

#endif
