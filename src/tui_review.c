/* tui_review: the Review screen. One item at the top and its COTE, RP and
 * CROP candidates side by side (stacked on narrow terminals); generate them
 * with the teacher (text streams in through worker wake-ups), accept,
 * reject, flag, edit in $EDITOR, undo, skip to the next unreviewed item of
 * the Items screen's list (its filter and search, a regex too), and
 * batch-generate that list: its scope and estimate stated first (asked
 * about above [review] confirm_calls), then a progress bar. Every decision
 * is committed when it is made. This file holds the screen's key table, the
 * open item and the screen operations; the panes are drawn by
 * tui_review_view.c, moves over the Items filter are tui_review_nav.c,
 * decisions tui_review_decide.c, generation tui_review_gen.c. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _XOPEN_SOURCE_EXTENDED 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_review_int.h"

/* ------------------------------------------------------------- the screen */

enum {
	ACT_LEFT = TUI_ACT_SCREEN,
	ACT_RIGHT,
	ACT_GEN,
	ACT_GEN_ALL,
	ACT_ACCEPT,
	ACT_REJECT,
	ACT_FLAG,
	ACT_ACCEPT_NEXT,
	ACT_REJECT_NEXT,
	ACT_KEEP,
	ACT_SKIP,
	ACT_NEXT,
	ACT_PREV,
	ACT_UNDO,
	ACT_EDIT,
	ACT_DIFF,
	ACT_DIFF_PAIR,
	ACT_ATTEMPT,
	ACT_BATCH,
	ACT_CANCEL,
	ACT_DOWN,
	ACT_UP,
	ACT_PGDN,
	ACT_PGUP,
};

static const struct tui_action_def actions[] = {
	{ACT_LEFT, "focus_left", "Left, h, BTab", "focus the candidate on the left"},
	{ACT_RIGHT, "focus_right", "Right, l, Tab", "focus the candidate on the right"},
	{ACT_GEN, "generate", "g", "generate the focused mode for this item"},
	{ACT_GEN_ALL, "generate_all", "G", "generate COTE, RP and CROP for this item"},
	{ACT_ACCEPT, "accept", "a", "accept the focused explanation"},
	{ACT_REJECT, "reject", "x", "reject the focused explanation"},
	{ACT_FLAG, "flag", "f", "flag the focused explanation for a second look"},
	{ACT_ACCEPT_NEXT, "accept_next", "A", "accept, then go to the next unreviewed item"},
	{ACT_REJECT_NEXT, "reject_next", "X", "reject, then go to the next unreviewed item"},
	{ACT_KEEP, "keep_only", "Y", "accept this one, reject the other pending ones, next item"},
	{ACT_SKIP, "skip", "Space, n", "next unreviewed item, without deciding"},
	{ACT_NEXT, "next_item", "]", "next item of the Items filter"},
	{ACT_PREV, "prev_item", "[", "previous item of the Items filter"},
	{ACT_UNDO, "undo", "u", "undo the last decision (and go back to its item)"},
	{ACT_EDIT, "edit", "e", "edit the focused explanation in $EDITOR"},
	{ACT_DIFF, "diff", "d", "word diff of the focused candidate and the next one"},
	{ACT_DIFF_PAIR, "diff_pair", "D", "diff the next pair (COTE->RP, RP->CROP, CROP->COTE)"},
	{ACT_ATTEMPT, "crop_attempt", "o", "CROP: show the kept COTE attempt / the final text"},
	{ACT_BATCH, "batch", "B", "generate what the Items list lacks (scope and cost first)"},
	{ACT_CANCEL, "cancel", "c, Esc", "cancel the running generation, batch or estimate"},
	{ACT_DOWN, "scroll_down", "j, Down, J", "scroll the focused text down"},
	{ACT_UP, "scroll_up", "k, Up, K", "scroll the focused text up"},
	{ACT_PGDN, "page_down", "PgDn, C-f", "scroll the focused text a page down"},
	{ACT_PGUP, "page_up", "PgUp, C-b", "scroll the focused text a page up"},
};

static void expl_clear(struct review *r)
{
	for (size_t i = 0; i < r->n_expl; i++)
		store_expl_release(&r->expl[i]);
	free(r->expl);
	r->expl = NULL;
	r->n_expl = 0;
	memset(r->shown, 0, sizeof r->shown);
	r->attempt = NULL;
	for (int k = 0; k <= TUI_REVIEW_NMODES; k++)
		check_result_release(&r->check[k]);
}

void tui_review_load_expl(struct review *r)
{
	r->progress_dirty = 1;
	if (r->sel_dynamic)
		r->sel_valid = 0;
	expl_clear(r);
	if (!r->have_item)
		return;
	char err[MENTOR_ERR_LEN];
	if (store_expl_for_item(r->st, r->item_id, &r->expl, &r->n_expl, err)) {
		tui_app_error(r->app, "cannot load the explanations: %s", err);
		r->expl = NULL;
		r->n_expl = 0;
		return;
	}
	tui_review_pick(r->expl, r->n_expl, r->shown, &r->attempt);
	for (int k = 0; k <= TUI_REVIEW_NMODES; k++) {
		const struct store_expl *e = k < TUI_REVIEW_NMODES ? r->shown[k] : r->attempt;
		if (e)
			tui_review_check(&r->item, e, &r->check[k]);
	}
}

static void save_position(struct review *r)
{
	char v[32], err[MENTOR_ERR_LEN];
	snprintf(v, sizeof v, "%lld", (long long)r->item_id);
	if (store_setting_set(r->st, "tui.review.item", v, err))
		tui_app_error(r->app, "cannot save the position: %s", err);
}

/* Open item id (0 closes). Returns 0 or -1 (the previous item stays). */
int tui_review_open_item(struct review *r, int64_t id)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it;
	memset(&it, 0, sizeof it);
	if (id && store_item_get(r->st, id, &it, err)) {
		tui_app_error(r->app, "cannot open item %lld: %s", (long long)id, err);
		return -1;
	}
	if (r->have_item)
		store_item_release(&r->item);
	r->have_item = id != 0;
	r->item = it;
	r->item_id = id;
	r->dataset[0] = '\0';
	if (id) {
		struct store_dataset d;
		if (store_dataset_get_id(r->st, it.dataset_id, &d, err) == 0) {
			snprintf(r->dataset, sizeof r->dataset, "%s", d.name ? d.name : "");
			store_dataset_release(&d);
		}
	}
	memset(r->top, 0, sizeof r->top);
	r->show_attempt = 0;
	r->diff_top = 0;
	pthread_mutex_lock(&r->sh.mu);
	r->sh.watch_item = id;
	r->sh.touched = 0;
	if (id != r->sh.job_item)
		for (int k = 0; k < TUI_REVIEW_NMODES; k++)
			r->sh.note[k][0] = '\0';
	pthread_mutex_unlock(&r->sh.mu);
	tui_review_load_expl(r);
	save_position(r);
	return 0;
}


/* Focus the first pending candidate (else COTE). */
void tui_review_focus_pending(struct review *r)
{
	r->focus = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (r->shown[k] &&
		    store_review_parse(r->shown[k]->status) == STORE_REVIEW_PENDING) {
			r->focus = k;
			break;
		}
}

static int review_create(struct tui_app *app, void **state, char *err)
{
	struct review *r = calloc(1, sizeof *r);
	if (!r)
		util_oom();
	r->app = app;
	r->st = tui_app_store(app);
	r->body = (struct tui_rect){0, 1, TUI_MIN_W, TUI_MIN_H - 2};
	pthread_mutex_init(&r->sh.mu, NULL);
	buf_init(&r->scope_head);
	buf_init(&r->scope_summary);
	buf_init(&r->scope_detail);
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		buf_init(&r->sh.live[k]);
		buf_init(&r->live_copy[k]);
	}
	const char *user = getenv("USER");
	snprintf(r->reviewer, sizeof r->reviewer, "%s", user && *user ? user : "operator");
	char warn[MENTOR_ERR_LEN];
	if (config_load(&r->cfg, NULL, warn, r->cfg_err)) {
		config_release(&r->cfg);
		config_init(&r->cfg);
	} else {
		r->cfg_err[0] = '\0';
	}
	char *saved = store_setting_get(r->st, "tui.review.item");
	long id;
	if (saved && !util_parse_long(saved, 1, 0x7fffffffffffffffL, &id)) {
		char e2[MENTOR_ERR_LEN];
		struct store_item it;
		if (store_item_get(r->st, id, &it, e2) == 0) {
			store_item_release(&it);
			if (tui_review_open_item(r, id) == 0)
				tui_review_focus_pending(r);
		}
	}
	free(saved);
	*state = r;
	return 0;
}

static void review_destroy(void *state)
{
	struct review *r = state;
	if (!r)
		return;
	tui_review_est_stop(r);
	teacher_free(r->job);
	teacher_free(r->batch);
	tui_review_scope_clear(r);
	buf_release(&r->scope_head);
	buf_release(&r->scope_summary);
	buf_release(&r->scope_detail);
	store_item_selection_release(&r->sel);
	expl_clear(r);
	if (r->have_item)
		store_item_release(&r->item);
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		buf_release(&r->sh.live[k]);
		buf_release(&r->live_copy[k]);
	}
	pthread_mutex_destroy(&r->sh.mu);
	config_release(&r->cfg);
	free(r);
}

/* "COTE 12 acc 3 rej 1 flag 40 pend 144 none of 200": the focused mode's
 * shown explanations over the Items filter, counted again after a change
 * (load_expl) or when the focus moves. */
static void update_progress(struct review *r)
{
	if (!r->progress_dirty && r->progress_focus == r->focus)
		return;
	r->progress_dirty = 0;
	r->progress_focus = r->focus;
	r->progress[0] = '\0';
	struct ifilter fi;
	tui_review_items_filter(r, &fi);
	struct store_review_progress p;
	char err[MENTOR_ERR_LEN];
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = tui_review_regex_selection(r, &fi);
		if (!sel || store_item_review_progress_ids(r->st, sel->ids, sel->n,
							   tui_review_mode(r->focus), &p, err))
			return;
	} else if (store_item_review_progress(r->st, &fi.f, tui_review_mode(r->focus), &p, err)) {
		return;
	}
	snprintf(r->progress, sizeof r->progress,
		 i18n_text(tui_app_lang(r->app),
			   "%s: %lld acc %lld rej %lld flag %lld pend %lld none, of %lld items"),
		 tui_review_label(r->focus), (long long)p.accepted, (long long)p.rejected,
		 (long long)p.flagged, (long long)p.pending, (long long)p.none, (long long)p.items);
}

static void fill_view(struct review *r, struct tui_app *app, struct tui_review_view *v)
{
	memset(v, 0, sizeof *v);
	if (r->have_item) {
		update_progress(r);
		v->progress = r->progress[0] ? r->progress : NULL;
	}
	v->utf8 = tui_app_utf8(app);
	v->lang = tui_app_lang(app);
	v->item = r->have_item ? &r->item : NULL;
	v->dataset = r->dataset[0] ? r->dataset : NULL;
	v->focus = r->focus;
	v->show_attempt = r->show_attempt;
	v->diff = r->diff;
	v->diff_a = r->diff_a;
	v->diff_b = r->diff_b;
	v->diff_top = r->diff_top;
	tui_review_bar_update(r);
	r->bar.lang = v->lang;
	v->batch = &r->bar;
	if (r->scope_on && r->est) {
		pthread_mutex_lock(&r->sh.mu);
		size_t done = r->sh.est_items;
		pthread_mutex_unlock(&r->sh.mu);
		buf_reset(&r->scope_summary);
		buf_printf(&r->scope_summary,
			   i18n_text(v->lang, "estimating the batch before any call: %zu of %zu "
					      "items read (c, Esc: cancel)"),
			   done, r->est->n);
	}
	if (r->scope_on) {
		r->scope.head = r->scope_head.data;
		r->scope.summary = r->scope_summary.data;
		r->scope.detail = r->scope_detail.data;
		r->scope.asking = r->confirm;
		r->scope.lang = v->lang;
		v->scope = &r->scope;
	}
	pthread_mutex_lock(&r->sh.mu);
	int mine = r->sh.job_item == r->item_id && r->item_id;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		struct tui_review_cand *c = &v->cand[k];
		c->e = r->shown[k];
		c->attempt = k == TUI_REVIEW_CROP ? r->attempt : NULL;
		c->top = r->top[k];
		if (k == TUI_REVIEW_CROP && r->show_attempt && r->attempt)
			c->check = &r->check[TUI_REVIEW_NMODES];
		else if (c->e)
			c->check = &r->check[k];
		buf_reset(&r->live_copy[k]);
		if (mine) {
			c->generating = r->sh.gen[k];
			if (r->sh.live[k].len &&
			    buf_append(&r->live_copy[k], r->sh.live[k].data, r->sh.live[k].len))
				util_oom();
			int rp = store_mode_parse(r->sh.live_path[k]) == STORE_RP;
			c->live_path = store_mode_name(rp ? STORE_RP : STORE_COT);
		}
		memcpy(r->note_copy[k], r->sh.note[k], sizeof r->note_copy[k]);
		if (r->item_id && (mine || r->sh.job_item == 0) && r->note_copy[k][0])
			c->note = r->note_copy[k];
	}
	pthread_mutex_unlock(&r->sh.mu);
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (v->cand[k].generating && r->live_copy[k].data && r->live_copy[k].data[0])
			v->cand[k].live = r->live_copy[k].data;
}

static void review_draw(void *state, struct tui_app *app, struct tui_canvas *cv,
			struct tui_rect body)
{
	struct review *r = state;
	r->body = body;
	struct tui_review_view v;
	fill_view(r, app, &v);
	tui_review_render(&v, cv, body);
}

/* Text lines of the focused candidate at the current size (for scrolling). */
static int focused_lines(struct review *r)
{
	struct tui_review_view v;
	fill_view(r, r->app, &v);
	struct tui_review_rects rr;
	tui_review_layout(&v, r->body, &rr);
	struct tui_lines ls;
	tui_lines_init(&ls);
	if (v.diff)
		tui_review_diff_pane(&v, rr.diff.w - 1, &ls);
	else
		tui_review_cand_text(&v, r->focus, rr.cand[r->focus].w - 2, &ls);
	int n = (int)ls.n;
	tui_lines_release(&ls);
	return n;
}

static void scroll_text(struct review *r, int delta)
{
	int *top = r->diff ? &r->diff_top : &r->top[r->focus];
	int n = focused_lines(r);
	*top += delta;
	if (*top > n - 1)
		*top = n - 1;
	if (*top < 0)
		*top = 0;
}

static int review_action(void *state, struct tui_app *app, int action)
{
	struct review *r = state;
	switch (action) {
	case ACT_LEFT: r->focus = (r->focus + TUI_REVIEW_NMODES - 1) % TUI_REVIEW_NMODES; break;
	case ACT_RIGHT: r->focus = (r->focus + 1) % TUI_REVIEW_NMODES; break;
	case ACT_GEN: tui_review_generate(r, 1u << r->focus); break;
	case ACT_GEN_ALL: tui_review_generate(r, TEACHER_ALL); break;
	case ACT_ACCEPT: tui_review_decide(r, "accept", 'a', 0); break;
	case ACT_REJECT: tui_review_decide(r, "reject", 'x', 0); break;
	case ACT_FLAG: tui_review_decide(r, "flag", 'f', 0); break;
	case ACT_ACCEPT_NEXT: tui_review_decide(r, "accept", 'a', 1); break;
	case ACT_REJECT_NEXT: tui_review_decide(r, "reject", 'x', 1); break;
	case ACT_KEEP: tui_review_keep_only(r); break;
	case ACT_SKIP: tui_review_go_next_unreviewed(r); break;
	case ACT_NEXT:
	case ACT_PREV: {
		if (!r->have_item) {
			tui_review_go_next_unreviewed(r);
			break;
		}
		int64_t id = tui_review_neighbour(r, action == ACT_NEXT ? 1 : -1);
		if (id)
			tui_review_open_item(r, id);
		else
			tui_app_error(r->app, action == ACT_NEXT
						      ? "no next item in the Items filter"
						      : "no previous item in the Items filter");
		break;
	}
	case ACT_UNDO: tui_review_undo(r); break;
	case ACT_EDIT: tui_review_edit(r); break;
	case ACT_DIFF:
	case ACT_DIFF_PAIR:
		/* d: the focused candidate against the next one; D: the next pair
		 * (COTE->RP, RP->CROP, CROP->COTE) */
		if (!r->diff || action == ACT_DIFF)
			r->diff_a = r->focus;
		else
			r->diff_a = (r->diff_a + 1) % TUI_REVIEW_NMODES;
		r->diff = action == ACT_DIFF ? !r->diff : 1;
		r->diff_b = (r->diff_a + 1) % TUI_REVIEW_NMODES;
		r->diff_top = 0;
		break;
	case ACT_ATTEMPT:
		if (!r->attempt) {
			tui_app_error(r->app, "CROP kept no COTE attempt for this item");
			break;
		}
		r->show_attempt = !r->show_attempt;
		r->focus = TUI_REVIEW_CROP;
		r->top[TUI_REVIEW_CROP] = 0;
		break;
	case ACT_BATCH: tui_review_batch_start(r); break;
	case ACT_CANCEL: tui_review_cancel(r); break;
	case ACT_DOWN: scroll_text(r, 1); break;
	case ACT_UP: scroll_text(r, -1); break;
	case ACT_PGDN: scroll_text(r, r->body.h / 2 > 1 ? r->body.h / 2 : 1); break;
	case ACT_PGUP: scroll_text(r, -(r->body.h / 2 > 1 ? r->body.h / 2 : 1)); break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int review_event(void *state, struct tui_app *app, const struct tui_event *ev,
			struct tui_rect body)
{
	struct review *r = state;
	if (ev->type == TUI_EV_KEY && r->confirm) {
		tui_review_batch_answer(r, ev->key);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->type == TUI_EV_WAKE) {
		if (ev->code == REVIEW_WAKE_SYNC) {
			/* the estimate first: it may start the batch */
			tui_review_est_finish(r);
			if (r->job)
				teacher_wait(r->job, SYNC_WAIT_MS);
			if (r->batch)
				teacher_wait(r->batch, SYNC_WAIT_MS);
			tui_review_drain(r);
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (ev->code == REVIEW_WAKE) {
			tui_review_drain(r);
			return TUI_HANDLED | TUI_REDRAW;
		}
		return 0;
	}
	if (ev->type != TUI_EV_MOUSE || !r->have_item)
		return 0;
	struct tui_review_view v;
	fill_view(r, app, &v);
	struct tui_review_rects rr;
	tui_review_layout(&v, body, &rr);
	for (int k = 0; k < TUI_REVIEW_NMODES && !r->diff; k++) {
		struct tui_rect c = rr.cand[k];
		if (ev->x >= c.x && ev->x < c.x + c.w && ev->y >= c.y && ev->y < c.y + c.h) {
			r->focus = k;
			if (ev->button == TUI_MOUSE_WHEEL_UP)
				scroll_text(r, -3);
			else if (ev->button == TUI_MOUSE_WHEEL_DOWN)
				scroll_text(r, 3);
			return TUI_HANDLED | TUI_REDRAW;
		}
	}
	if (r->diff && ev->button != TUI_MOUSE_CLICK) {
		scroll_text(r, ev->button == TUI_MOUSE_WHEEL_UP ? -3 : 3);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

/* Between events: take in worker news whose wake-up could not be posted. */
static void review_idle(void *state, struct tui_app *app)
{
	struct review *r = state;
	pthread_mutex_lock(&r->sh.mu);
	int news = r->sh.job_done || r->sh.batch_done || r->sh.touched || r->sh.est_finished;
	pthread_mutex_unlock(&r->sh.mu);
	if (news)
		tui_review_drain(r);
}

static void review_resize(void *state, struct tui_app *app, struct tui_rect body)
{
	struct review *r = state;
	r->body = body;
}

static int review_message(void *state, struct tui_app *app, int msg, int64_t arg)
{
	struct review *r = state;
	if (msg == TUI_MSG_OPEN_ITEM && arg > 0 && tui_review_open_item(r, arg) == 0) {
		tui_review_focus_pending(r);
		r->diff = 0;
		tui_app_notice(app, "item %lld is open", (long long)arg);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static void review_status(void *state, struct tui_app *app, struct tui_line *hints,
			  struct buf *counts)
{
	struct review *r = state;
	if (r->confirm) {
		tui_line_put(hints, TUI_ROLE_KEY, "y");
		tui_line_put(hints, TUI_ROLE_STATUS, tui_tr(app, " start the batch  "));
		tui_line_put(hints, TUI_ROLE_KEY, "n, Esc");
		tui_line_put(hints, TUI_ROLE_STATUS, tui_tr(app, " cancel: no call  "));
		buf_printf(counts, tui_tr(app, "up to %lld calls"), (long long)r->scope.max_calls);
		return;
	}
	static const struct tui_hint shown[] = {
		{ACT_ACCEPT, "accept"},
		{ACT_REJECT, "reject"},
		{ACT_SKIP, "skip"},
	};
	tui_app_hints(app, hints, shown, sizeof shown / sizeof shown[0]);
	/* The rate counts from the first decision, over at least a minute. */
	double secs = r->t0 > 0 ? util_mono() - r->t0 : 0;
	if (secs < 60)
		secs = 60;
	if (r->reviewed > 0 && r->t0 > 0)
		buf_printf(counts, tui_tr(app, "%d reviewed: %d acc %d rej %.0f/h"), r->reviewed,
			   r->accepted, r->rejected, r->reviewed * 3600.0 / secs);
	else
		buf_printf(counts, tui_tr(app, "%d reviewed: %d acc %d rej --/h"), r->reviewed,
			   r->accepted, r->rejected);
}

const struct tui_screen_ops tui_review_screen = {
	.number = 2,
	.title = "Review",
	.actions = actions,
	.n_actions = sizeof actions / sizeof actions[0],
	.create = review_create,
	.destroy = review_destroy,
	.draw = review_draw,
	.action = review_action,
	.event = review_event,
	.resize = review_resize,
	.status = review_status,
	.message = review_message,
	.idle = review_idle,
};
