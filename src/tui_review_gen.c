/* tui_review_gen: generation from the Review screen. The teacher's worker
 * callbacks (streamed text, results, the end of a job) write under a mutex
 * and wake the screen; g and G generate for the open item; B states the
 * scope of a batch over the Items list, estimates it on a thread of its
 * own, asks above [review] confirm_calls, then runs it with a progress
 * bar; c cancels. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_review_int.h"

static void post_wake(struct review *r)
{
	int need = 0;
	pthread_mutex_lock(&r->sh.mu);
	if (!r->sh.wake_pending)
		r->sh.wake_pending = need = 1;
	pthread_mutex_unlock(&r->sh.mu);
	if (need && tui_app_post(r->app, REVIEW_WAKE, 0)) {
		/* pipe full: the next callback tries again */
		pthread_mutex_lock(&r->sh.mu);
		r->sh.wake_pending = 0;
		pthread_mutex_unlock(&r->sh.mu);
	}
}

static void job_text(void *user, int64_t item_id, const char *mode, const char *path,
		     const char *delta, size_t len)
{
	struct review *r = user;
	int k = tui_review_mode_index(mode);
	if (k < 0)
		return;
	pthread_mutex_lock(&r->sh.mu);
	if (item_id == r->sh.job_item) {
		if (strcmp(r->sh.live_path[k], path ? path : "")) {
			buf_reset(&r->sh.live[k]);
			snprintf(r->sh.live_path[k], sizeof r->sh.live_path[k], "%s",
				 path ? path : "");
		}
		if (r->sh.live[k].len + len <= TEACHER_MAX_TEXT &&
		    buf_append(&r->sh.live[k], delta, len))
			util_oom();
	}
	pthread_mutex_unlock(&r->sh.mu);
	post_wake(r);
}

static void job_result(void *user, const struct teacher_result *res)
{
	struct review *r = user;
	int k = tui_review_mode_index(res->mode);
	pthread_mutex_lock(&r->sh.mu);
	if (k >= 0 && res->item_id == r->sh.job_item) {
		r->sh.gen[k] = 0;
		if (res->error)
			snprintf(r->sh.note[k], sizeof r->sh.note[k], tui_tr(r->app, "error: %s"),
				 res->error);
		else if (res->skipped)
			snprintf(r->sh.note[k], sizeof r->sh.note[k], "%s",
				 tui_tr(r->app, "already explained by this teacher: not asked "
						"again"));
	}
	if (res->item_id == r->sh.watch_item)
		r->sh.touched = 1;
	pthread_mutex_unlock(&r->sh.mu);
	post_wake(r);
}

static void job_done_cb(void *user, const struct teacher_progress *p)
{
	struct review *r = user;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.job_done = 1;
	r->sh.touched = 1;
	pthread_mutex_unlock(&r->sh.mu);
	post_wake(r);
}

static void batch_result(void *user, const struct teacher_result *res)
{
	struct review *r = user;
	pthread_mutex_lock(&r->sh.mu);
	if (res->item_id == r->sh.watch_item)
		r->sh.touched = 1;
	pthread_mutex_unlock(&r->sh.mu);
	post_wake(r);
}

static void batch_done_cb(void *user, const struct teacher_progress *p)
{
	struct review *r = user;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.batch_done = 1;
	r->sh.touched = 1;
	pthread_mutex_unlock(&r->sh.mu);
	post_wake(r);
}

/* ------------------------------------------------------------- the item */

/* Start generating modes (TEACHER_* mask) for the open item. */
void tui_review_generate(struct review *r, unsigned modes)
{
	if (!r->have_item) {
		tui_app_error(r->app, "no item open: select one in Items (1) and press Enter");
		return;
	}
	if (r->cfg_err[0]) {
		tui_app_error(r->app, "cannot generate: %s", r->cfg_err);
		return;
	}
	if (r->job) {
		tui_app_error(r->app, "a generation is running (c: cancel)");
		return;
	}
	pthread_mutex_lock(&r->sh.mu);
	r->sh.job_item = r->item_id;
	r->sh.job_done = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (modes & (1u << k)) {
			r->sh.gen[k] = 1;
			buf_reset(&r->sh.live[k]);
			r->sh.live_path[k][0] = '\0';
			r->sh.note[k][0] = '\0';
		}
	pthread_mutex_unlock(&r->sh.mu);
	struct teacher_opts o;
	teacher_opts_init(&o);
	o.db_path = store_path(r->st);
	o.cfg = &r->cfg;
	o.modes = modes;
	struct teacher_callbacks cb = {0};
	cb.user = r;
	cb.on_text = job_text;
	cb.on_result = job_result;
	cb.on_done = job_done_cb;
	char err[MENTOR_ERR_LEN];
	int64_t id = r->item_id;
	r->job = teacher_start(&o, &id, 1, &cb, err);
	if (!r->job) {
		pthread_mutex_lock(&r->sh.mu);
		memset(r->sh.gen, 0, sizeof r->sh.gen);
		r->sh.job_item = 0;
		pthread_mutex_unlock(&r->sh.mu);
		tui_app_error(r->app, "cannot generate: %s", err);
	}
}

/* Forget the batch's scope and any open question. */
void tui_review_scope_clear(struct review *r)
{
	r->confirm = 0;
	r->scope_on = 0;
	free(r->pend_ids);
	r->pend_ids = NULL;
	r->n_pend = 0;
	buf_reset(&r->scope_head);
	buf_reset(&r->scope_summary);
	buf_reset(&r->scope_detail);
}

static void batch_opts(struct review *r, struct teacher_opts *o)
{
	teacher_opts_init(o);
	o->db_path = store_path(r->st);
	o->cfg = &r->cfg;
	o->modes = TEACHER_ALL;
}

/* Start the batch over r->pend_ids (the scope stays on screen). */
static void batch_run(struct review *r)
{
	struct teacher_opts o;
	batch_opts(r, &o);
	struct teacher_callbacks cb = {0};
	cb.user = r;
	cb.on_result = batch_result;
	cb.on_done = batch_done_cb;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.batch_done = 0;
	pthread_mutex_unlock(&r->sh.mu);
	char err[MENTOR_ERR_LEN];
	r->confirm = 0;
	r->batch = teacher_start(&o, r->pend_ids, r->n_pend, &cb, err);
	size_t n = r->n_pend;
	free(r->pend_ids);
	r->pend_ids = NULL;
	r->n_pend = 0;
	if (!r->batch) {
		tui_app_error(r->app, "cannot start the batch: %s", err);
		tui_review_scope_clear(r);
		return;
	}
	memset(&r->bar, 0, sizeof r->bar);
	r->bar.on = 1;
	r->bar.running = 1;
	r->bar.total = (int64_t)n * 3;
	tui_app_notice(r->app, "batch started: %s",
		       r->scope_summary.data ? r->scope_summary.data : "");
}

/* ------------------------------------------------- the batch's estimate */

static int est_poll(void *user, size_t done, size_t total)
{
	struct est_job *e = user;
	struct review *r = e->r;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.est_items = done;
	int stop = r->sh.est_cancel;
	pthread_mutex_unlock(&r->sh.mu);
	if (done % 200 == 0 && done < total)
		post_wake(r);
	return stop;
}

static void *est_main(void *arg)
{
	struct est_job *e = arg;
	e->rc = teacher_estimate(&e->o, e->ids, e->n, est_poll, e, &e->est, e->err);
	pthread_mutex_lock(&e->r->sh.mu);
	e->r->sh.est_finished = 1;
	pthread_mutex_unlock(&e->r->sh.mu);
	post_wake(e->r);
	return NULL;
}

static void est_free(struct est_job *e)
{
	free(e->ids);
	free(e->db_path);
	free(e);
}

/* The estimate is over (waits for its thread): state the scope, then ask
 * when the batch may make more than [review] confirm_calls calls, else start
 * it. */
void tui_review_est_finish(struct review *r)
{
	struct est_job *e = r->est;
	if (!e)
		return;
	pthread_join(e->th, NULL);
	r->est = NULL;
	pthread_mutex_lock(&r->sh.mu);
	int cancelled = r->sh.est_cancel;
	r->sh.est_finished = r->sh.est_cancel = 0;
	pthread_mutex_unlock(&r->sh.mu);
	if (e->rc || cancelled) {
		/* a cancel that came as the estimate ended still cancels */
		if (cancelled)
			tui_app_error(r->app,
				      "batch not started: estimate cancelled, no call made");
		else
			tui_app_error(r->app, "cannot estimate the batch: %s", e->err);
		tui_review_scope_clear(r);
		est_free(e);
		return;
	}
	buf_reset(&r->scope_summary);
	teacher_estimate_summary(&e->est, &r->scope_summary);
	teacher_estimate_lines(&e->est, &r->scope_detail);
	r->pend_ids = e->ids;
	r->n_pend = e->n;
	e->ids = NULL;
	r->scope.max_calls = teacher_estimate_max_calls(&e->est);
	r->scope.threshold = r->cfg.confirm_calls;
	est_free(e);
	if (r->scope.max_calls > r->cfg.confirm_calls) {
		r->confirm = 1;
		return;
	}
	batch_run(r);
}

/* Stop a running estimate and forget it (the screen goes away). */
void tui_review_est_stop(struct review *r)
{
	if (!r->est)
		return;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.est_cancel = 1;
	pthread_mutex_unlock(&r->sh.mu);
	pthread_join(r->est->th, NULL);
	est_free(r->est);
	r->est = NULL;
}

/* B: the items of the Items filter exactly as the Items screen lists them
 * (its search too, a regex included); then the estimate of generating every
 * missing explanation for them (est_finish goes on). */
void tui_review_batch_start(struct review *r)
{
	if (r->cfg_err[0]) {
		tui_app_error(r->app, "cannot generate: %s", r->cfg_err);
		return;
	}
	if (r->batch) {
		tui_app_error(r->app, "a batch is running (c: cancel)");
		return;
	}
	if (r->est) {
		tui_app_error(r->app, "the batch is being estimated (c: cancel)");
		return;
	}
	struct ifilter fi;
	tui_review_items_filter(r, &fi);
	struct store_item_selection sel;
	char err[MENTOR_ERR_LEN];
	if (store_item_select(r->st, &fi.f, fi.search, 0, &sel, err)) {
		store_item_selection_release(&sel);
		tui_app_error(r->app, "cannot select the items: %s", err);
		return;
	}
	if (!sel.n) {
		store_item_selection_release(&sel);
		tui_app_error(r->app, "no items in the Items filter");
		return;
	}
	tui_review_scope_clear(r);
	if (!r->bar.running)
		memset(&r->bar, 0, sizeof r->bar);
	buf_printf(&r->scope_head, "%s  %s", fi.dataset, fi.filters);
	if (fi.search[0])
		buf_printf(&r->scope_head, tui_tr(r->app, "  search /%s"), fi.search);
	if (sel.capped)
		buf_printf(&r->scope_head, tui_tr(r->app, " (regex scanned %d rows)"),
			   STORE_SEARCH_SCAN_MAX);
	struct est_job *e = calloc(1, sizeof *e);
	if (!e)
		util_oom();
	e->r = r;
	batch_opts(r, &e->o);
	e->db_path = util_strdup(store_path(r->st));
	e->o.db_path = e->db_path;
	e->ids = sel.ids;
	e->n = sel.n;
	sel.ids = NULL;
	store_item_selection_release(&sel);
	pthread_mutex_lock(&r->sh.mu);
	r->sh.est_items = 0;
	r->sh.est_cancel = r->sh.est_finished = 0;
	pthread_mutex_unlock(&r->sh.mu);
	if (pthread_create(&e->th, NULL, est_main, e)) {
		est_free(e);
		tui_review_scope_clear(r);
		tui_app_error(r->app, "cannot estimate the batch: no thread");
		return;
	}
	r->est = e;
	r->scope_on = 1;
}

/* The answer to the y/n question of a batch. */
void tui_review_batch_answer(struct review *r, int key)
{
	if (key == 'y' || key == 'Y') {
		batch_run(r);
		return;
	}
	tui_review_scope_clear(r);
	tui_app_error(r->app, "batch not started: no call made");
}

void tui_review_bar_update(struct review *r)
{
	if (!r->batch)
		return;
	struct teacher_progress p;
	teacher_get_progress(r->batch, &p);
	r->bar.total = p.total;
	r->bar.done = p.done;
	r->bar.errors = p.errors;
	r->bar.skipped = p.skipped;
	r->bar.tokens_in = p.tokens_in;
	r->bar.tokens_out = p.tokens_out;
	r->bar.cost = p.cost;
	r->bar.elapsed_s = p.elapsed_s;
	r->bar.cancelled = r->bar.cancelled || p.cancelled;
}

void tui_review_cancel(struct review *r)
{
	if (r->est) {
		pthread_mutex_lock(&r->sh.mu);
		r->sh.est_cancel = 1;
		pthread_mutex_unlock(&r->sh.mu);
		tui_app_notice(r->app, "cancelling the estimate: no call is made");
		return;
	}
	if (!r->job && !r->batch) {
		tui_app_error(r->app, "nothing is running");
		return;
	}
	if (r->job)
		teacher_cancel(r->job);
	if (r->batch) {
		teacher_cancel(r->batch);
		r->bar.cancelled = 1;
	}
	tui_app_notice(r->app, "cancelling: what finished is kept");
}

/* Take in what the workers did. */
void tui_review_drain(struct review *r)
{
	pthread_mutex_lock(&r->sh.mu);
	r->sh.wake_pending = 0;
	int job_done = r->sh.job_done, batch_done = r->sh.batch_done, touched = r->sh.touched;
	int est_done = r->sh.est_finished;
	r->sh.job_done = r->sh.batch_done = r->sh.touched = 0;
	pthread_mutex_unlock(&r->sh.mu);
	if (est_done)
		tui_review_est_finish(r);
	if (job_done && r->job) {
		teacher_free(r->job);
		r->job = NULL;
		pthread_mutex_lock(&r->sh.mu);
		memset(r->sh.gen, 0, sizeof r->sh.gen);
		for (int k = 0; k < TUI_REVIEW_NMODES; k++)
			buf_reset(&r->sh.live[k]);
		r->sh.job_item = 0;
		pthread_mutex_unlock(&r->sh.mu);
	}
	tui_review_bar_update(r);
	if (batch_done && r->batch) {
		struct teacher_progress p;
		tui_app_notice_clear(r->app, tui_review_screen.number);
		teacher_get_progress(r->batch, &p);
		if (p.stopped)
			tui_app_error(r->app, "batch stopped early: %s", p.stop_reason);
		teacher_free(r->batch);
		r->batch = NULL;
		r->bar.running = 0;
	}
	if (touched)
		tui_review_load_expl(r);
}

/* ---------------------------------------------------------------- editor */
