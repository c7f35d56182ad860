/* tui_inspect: the Inspect screen. The evaluation items of a run (and of a
 * second run to compare) with right/wrong marks for the direct answer and
 * the explain-then-answer answer, filters (all, wrong, right, fixed, broken),
 * a summary bar of accuracies and of how sound the generated explanations
 * are, a detail pane with the question, gold answer, the model's answers
 * and explanation (its first wrong step marked) beside the teacher
 * explanation it trained on (train items only); ask the model a new
 * question (answered on a worker thread); write the stakeholder report next
 * to the workspace. Only runs of one dataset are compared. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/check.h"
#include "mentor/eval.h"
#include "mentor/report.h"
#include "mentor/store.h"
#include "mentor/train.h"
#include "tui_plot.h"

/* Wake-up codes of this screen; 3001 is the Train screen's ticker, used
 * here to notice finished runs. */
enum { INSPECT_WAKE_ANSWER = 4001, INSPECT_WAKE_SYNC = 4002, TRAIN_TICK = 3001 };

enum {
	ACT_UP = TUI_ACT_SCREEN,
	ACT_DOWN,
	ACT_PGUP,
	ACT_PGDN,
	ACT_RUN_NEXT,
	ACT_RUN_PREV,
	ACT_VS_NEXT,
	ACT_VS_PREV,
	ACT_FILTER,
	ACT_FILTER_PREV,
	ACT_ASK,
	ACT_REPORT,
	ACT_DETAIL_DOWN,
	ACT_DETAIL_UP,
};

static const struct tui_action_def actions[] = {
	{ACT_UP, "up", "k, Up", "previous item"},
	{ACT_DOWN, "down", "j, Down", "next item"},
	{ACT_PGUP, "page_up", "PgUp", "one page up"},
	{ACT_PGDN, "page_down", "PgDn, Space", "one page down"},
	{ACT_RUN_NEXT, "run_next", "r", "run A: next run"},
	{ACT_RUN_PREV, "run_prev", "R", "run A: previous run"},
	{ACT_VS_NEXT, "compare_next", "c", "run B to compare: next run of A's dataset (or none)"},
	{ACT_VS_PREV, "compare_prev", "C", "run B to compare: previous run"},
	{ACT_FILTER, "filter", "f", "filter: all, wrong, right, fixed, broken"},
	{ACT_FILTER_PREV, "filter_prev", "F", "filter: the other way round"},
	{ACT_ASK, "ask", "a, /", "ask run A a new question"},
	{ACT_REPORT, "report", "w", "write the HTML report of A (vs B) next to the workspace"},
	{ACT_DETAIL_DOWN, "detail_down", "J", "scroll the detail pane down"},
	{ACT_DETAIL_UP, "detail_up", "K", "scroll the detail pane up"},
};

/* The question asked on the worker thread and its answer. */
struct ask {
	pthread_mutex_t mu;
	pthread_t th;
	struct tui_app *app;
	int busy; /* main thread: a worker exists and is not joined */
	char ckpt[4200];
	char type[16];
	char *prompt;
	/* results, under mu */
	int done, rc;
	struct eval_answer ans;
	char err[MENTOR_ERR_LEN];
	/* shown */
	char question[512];
	int64_t run_id;
	int shown;
};

struct inspect {
	struct tui_app *app;
	struct store *st;
	char db_path[4096];
	struct store_run *runs;
	size_t n_runs;
	int a, b;   /* indexes into runs; b -1 = no comparison */
	int chosen; /* the operator picked A or B: no more automatic choice */
	char a_sig[64], b_sig[64];
	struct store_pred *pa, *pb;
	size_t npa, npb;
	struct eval_check ck_a, ck_b; /* their explanations checked (every split) */
	char pick_note[256];          /* the last note of the automatic choice */
	char **question;              /* per prediction of A, loaded when shown */
	struct tui_inspect_row *rows;
	size_t n_rows;
	int filter;
	size_t sel, top;
	int detail_top;
	int64_t item_id; /* detail loaded for */
	struct store_item item;
	int have_item;
	char *teacher;           /* teacher explanation A trained on for the item, or NULL */
	struct check_result chk; /* A's explanation of the item checked */
	int have_chk;
	int seen; /* the screen has been shown */
	int editing;
	struct tui_input input;
	struct ask ask;
	double last_poll;
	int list_h;
};

/* ------------------------------------------------------------ data */

static void run_sig(const struct store_run *r, char *b, size_t n)
{
	snprintf(b, n, "%lld/%s/%lld", (long long)r->id, r->status, (long long)r->step);
}

static void free_preds(struct store_pred *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_pred_release(&p[i]);
	free(p);
}

static void drop_detail(struct inspect *s)
{
	if (s->have_item)
		store_item_release(&s->item);
	s->have_item = 0;
	free(s->teacher);
	s->teacher = NULL;
	check_result_release(&s->chk);
	s->have_chk = 0;
	s->item_id = 0;
}

static void refilter(struct inspect *s)
{
	int64_t keep = s->n_rows ? s->rows[s->sel].item_id : 0;
	free(s->rows);
	s->rows = NULL;
	s->n_rows = 0;
	if (tui_inspect_rows(s->pa, s->npa, s->b >= 0 ? s->pb : NULL, s->npb, s->filter, &s->rows,
			     &s->n_rows))
		util_oom();
	s->sel = 0;
	for (size_t i = 0; i < s->n_rows; i++)
		if (s->rows[i].item_id == keep)
			s->sel = i;
	s->top = 0;
	s->detail_top = 0;
}

static void load_preds(struct inspect *s)
{
	char err[MENTOR_ERR_LEN];
	if (s->question)
		for (size_t i = 0; i < s->npa; i++)
			free(s->question[i]);
	free(s->question);
	s->question = NULL;
	free_preds(s->pa, s->npa);
	free_preds(s->pb, s->npb);
	s->pa = s->pb = NULL;
	s->npa = s->npb = 0;
	s->a_sig[0] = s->b_sig[0] = '\0';
	memset(&s->ck_a, 0, sizeof s->ck_a);
	memset(&s->ck_b, 0, sizeof s->ck_b);
	/* the answer to a question asked of another run A is no longer shown */
	if (s->a < 0 || s->runs[s->a].id != s->ask.run_id)
		s->ask.shown = 0;
	if (s->a >= 0 && (size_t)s->a < s->n_runs) {
		if (store_pred_list(s->st, s->runs[s->a].id, &s->pa, &s->npa, err) ||
		    eval_check_run(s->st, s->runs[s->a].id, NULL, &s->ck_a, err))
			tui_app_error(s->app, "%s", err);
		run_sig(&s->runs[s->a], s->a_sig, sizeof s->a_sig);
	}
	if (s->b >= 0 && (size_t)s->b < s->n_runs) {
		if (store_pred_list(s->st, s->runs[s->b].id, &s->pb, &s->npb, err) ||
		    eval_check_run(s->st, s->runs[s->b].id, NULL, &s->ck_b, err))
			tui_app_error(s->app, "%s", err);
		run_sig(&s->runs[s->b], s->b_sig, sizeof s->b_sig);
	}
	s->question = calloc(s->npa ? s->npa : 1, sizeof *s->question);
	if (!s->question)
		util_oom();
	drop_detail(s);
	refilter(s);
}

static int find_idx(const struct inspect *s, int64_t id)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].id == id)
			return (int)i;
	return -1;
}

/* Re-read the runs; reload predictions when A or B changed. */
static void load_runs(struct inspect *s, int pick)
{
	char err[MENTOR_ERR_LEN];
	int64_t aid = s->a >= 0 && (size_t)s->a < s->n_runs ? s->runs[s->a].id : 0;
	int64_t bid = s->b >= 0 && (size_t)s->b < s->n_runs ? s->runs[s->b].id : 0;
	struct store_run *rs = NULL;
	size_t n = 0;
	if (store_run_list(s->st, &rs, &n, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	for (size_t i = 0; i < s->n_runs; i++)
		store_run_release(&s->runs[i]);
	free(s->runs);
	s->runs = rs;
	s->n_runs = n;
	s->a = find_idx(s, aid);
	s->b = find_idx(s, bid);
	if (pick) {
		/* an explanation-trained run against the closest baseline of its
		 * dataset; say so when that cannot be had (once per change) */
		struct report_pair p;
		report_default_pair(rs, n, &p);
		s->a = p.a;
		s->b = p.b;
		if (strcmp(p.note, s->pick_note)) {
			snprintf(s->pick_note, sizeof s->pick_note, "%s", p.note);
			if (p.note[0] && s->seen)
				tui_app_error(s->app, "%s", p.note);
		}
	}
	char sa[64] = "", sb[64] = "";
	if (s->a >= 0)
		run_sig(&s->runs[s->a], sa, sizeof sa);
	if (s->b >= 0)
		run_sig(&s->runs[s->b], sb, sizeof sb);
	if (strcmp(sa, s->a_sig) || strcmp(sb, s->b_sig) || !s->pa)
		load_preds(s);
}

/* The explanation training read for the item (see train_corpus_load):
 * source accepted, the oldest accepted one (training takes each accepted one,
 * in id order); a mode, the newest trainable one of that mode. Reviewer's
 * edit first. Borrowed from e, or NULL. */
static const char *teacher_for(const struct store_expl *e, size_t n, const char *source)
{
	const struct store_expl *best = NULL;
	int accepted = train_source_parse(source) == TRAIN_SRC_ACCEPTED;
	int mode = store_mode_parse(source);
	for (size_t i = 0; i < n; i++) {
		if (accepted ? store_review_parse(e[i].status) != STORE_REVIEW_ACCEPTED
			     : mode < 0 || store_mode_parse(e[i].mode) != mode ||
				       !store_expl_trainable(&e[i]))
			continue;
		if (!best || (accepted ? e[i].id < best->id : e[i].id > best->id))
			best = &e[i];
	}
	if (!best)
		return NULL;
	return best->edited_text && *best->edited_text ? best->edited_text : best->text;
}

static void load_detail(struct inspect *s)
{
	if (!s->n_rows) {
		drop_detail(s);
		return;
	}
	int64_t id = s->rows[s->sel].item_id;
	if (id == s->item_id)
		return;
	drop_detail(s);
	char err[MENTOR_ERR_LEN];
	if (store_item_get(s->st, id, &s->item, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	s->have_item = 1;
	s->item_id = id;
	const struct store_pred *pa = s->rows[s->sel].a;
	if (pa->cot_text) {
		struct check_input in = {pa->cot_text, strlen(pa->cot_text), s->item.question,
					 pa->cot_answer, s->item.trace_json};
		if (check_explanation(&in, &s->chk, err))
			util_oom();
		s->have_chk = 1;
	}
	/* training reads the train split only; baselines no explanation */
	if (!s->item.split || strcmp(s->item.split, "train") || s->a < 0 ||
	    !strcmp(s->runs[s->a].variant, "baseline"))
		return;
	const char *src = s->runs[s->a].source ? s->runs[s->a].source : "gold";
	if (!strcmp(src, "gold")) {
		s->teacher = util_strdup(s->item.gold_rationale);
		return;
	}
	struct store_expl *e = NULL;
	size_t n = 0;
	if (store_expl_for_item(s->st, id, &e, &n, err) == 0) {
		s->teacher = util_strdup(teacher_for(e, n, src));
		for (size_t i = 0; i < n; i++)
			store_expl_release(&e[i]);
		free(e);
	}
}

static const char *question_of(struct inspect *s, const struct store_pred *p)
{
	size_t k = (size_t)(p - s->pa);
	if (k >= s->npa)
		return "";
	if (!s->question[k]) {
		struct store_item it;
		char err[MENTOR_ERR_LEN];
		if (store_item_get(s->st, p->item_id, &it, err) == 0) {
			s->question[k] = util_strdup(it.question ? it.question : "");
			store_item_release(&it);
		} else {
			s->question[k] = util_strdup("?");
		}
	}
	return s->question[k];
}

/* ------------------------------------------------------------ ask worker */

static void *ask_main(void *u)
{
	struct ask *k = u;
	struct eval_model *em = NULL;
	struct eval_answer ans;
	memset(&ans, 0, sizeof ans);
	char err[MENTOR_ERR_LEN] = "";
	int rc = eval_model_load(k->ckpt, &em, err);
	if (rc == 0)
		rc = eval_answer_question(em, k->prompt, k->type, &ans, err);
	eval_model_free(em);
	pthread_mutex_lock(&k->mu);
	k->rc = rc;
	k->ans = ans;
	snprintf(k->err, sizeof k->err, "%s", err);
	k->done = 1;
	pthread_mutex_unlock(&k->mu);
	tui_app_post(k->app, INSPECT_WAKE_ANSWER, 0);
	return NULL;
}

/* Join a finished (or, when wait, any) worker. 1 when a result came in. */
static int ask_collect(struct inspect *s, int wait)
{
	struct ask *k = &s->ask;
	if (!k->busy)
		return 0;
	pthread_mutex_lock(&k->mu);
	int done = k->done;
	pthread_mutex_unlock(&k->mu);
	if (!done && !wait)
		return 0;
	pthread_join(k->th, NULL);
	k->busy = 0;
	free(k->prompt);
	k->prompt = NULL;
	if (s->a < 0 || s->runs[s->a].id != k->run_id) {
		k->shown = 0;
		tui_app_error(s->app,
			      "run %lld answered after run "
			      "A changed: answer not shown",
			      (long long)k->run_id);
		return 1;
	}
	k->shown = 1;
	s->detail_top = 0;
	if (k->rc)
		tui_app_error(s->app, "cannot answer: %s", k->err);
	else
		tui_app_notice(s->app, "run %lld answered", (long long)k->run_id);
	return 1;
}

static void ask_start(struct inspect *s, const char *question)
{
	struct ask *k = &s->ask;
	if (k->busy) {
		tui_app_error(s->app, "still answering the last question");
		return;
	}
	if (s->a < 0) {
		tui_app_error(s->app, "no run to ask: train one on the Train screen");
		return;
	}
	const struct store_run *r = &s->runs[s->a];
	if (!r->checkpoint || !*r->checkpoint) {
		tui_app_error(s->app, "run %lld has no checkpoint yet", (long long)r->id);
		return;
	}
	struct buf p;
	buf_init(&p);
	char err[MENTOR_ERR_LEN];
	if (train_question_text(question, NULL, &p, err) || !p.data) {
		buf_release(&p);
		tui_app_error(s->app, "%s", err);
		return;
	}
	eval_answer_release(&k->ans);
	memset(&k->ans, 0, sizeof k->ans);
	k->prompt = buf_detach(&p, NULL);
	snprintf(k->ckpt, sizeof k->ckpt, "%s", r->checkpoint);
	snprintf(k->type, sizeof k->type, "%s",
		 s->have_item && s->item.answer_type ? s->item.answer_type : STORE_ANS_TEXT);
	if (!s->have_item && s->npa) {
		struct store_item it;
		if (store_item_get(s->st, s->pa[0].item_id, &it, err) == 0) {
			snprintf(k->type, sizeof k->type, "%s",
				 it.answer_type ? it.answer_type : "text");
			store_item_release(&it);
		}
	}
	snprintf(k->question, sizeof k->question, "%s", question);
	k->run_id = r->id;
	k->done = 0;
	k->shown = 0;
	if (pthread_create(&k->th, NULL, ask_main, k)) {
		free(k->prompt);
		k->prompt = NULL;
		tui_app_error(s->app, "cannot start the answer thread");
		return;
	}
	k->busy = 1;
	tui_app_notice(s->app, "asking run %lld...", (long long)r->id);
}

/* ------------------------------------------------------------ drawing */

static void run_label(const struct store_run *r, char *b, size_t n)
{
	snprintf(b, n, "#%lld %s", (long long)r->id, r->name ? r->name : "");
}

static void mark(struct tui_line *l, const struct tui_glyphs *g, int v, int base)
{
	if (v < 0) {
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_DIM : base, "-");
		return;
	}
	tui_line_put(l, base == TUI_ROLE_NORMAL ? (v ? TUI_ROLE_CORRECT : TUI_ROLE_WRONG) : base,
		     v ? g->ok : g->bad);
}

static void list_lines(struct inspect *s, int w, int h, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	const struct tui_glyphs *g = tui_app_glyphs(s->app);
	struct tui_line *l = tui_lines_add(ls);
	/* the marks sit at columns 3, 8 and 13: the headers keep above them */
	tui_line_put(l, TUI_ROLE_TITLE,
		     s->b >= 0 ? i18n_text(lang, " A:dir A:expl B:dir  item")
			       : i18n_text(lang, " A:dir A:expl  item"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	if (!s->n_rows) {
		l = tui_lines_add(ls);
		tui_line_put(l, TUI_ROLE_DIM,
			     s->npa ? i18n_text(lang, " no item passes the filter")
				    : i18n_text(lang,
						" no predictions: the run has not been evaluated"));
		return;
	}
	if (s->sel < s->top)
		s->top = s->sel;
	if (h > 1 && s->sel >= s->top + (size_t)(h - 1))
		s->top = s->sel - (size_t)(h - 2);
	for (size_t i = s->top; i < s->n_rows && (int)(i - s->top) < h - 1; i++) {
		const struct tui_inspect_row *r = &s->rows[i];
		int base = i == s->sel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL;
		l = tui_lines_add(ls);
		tui_line_put(l, base, "   ");
		mark(l, g, r->a->correct == 1, base);
		tui_line_put(l, base, "    ");
		mark(l, g, r->a->cot_correct < 0 ? -1 : r->a->cot_correct == 1, base);
		if (s->b >= 0) {
			tui_line_put(l, base, "    ");
			mark(l, g, r->b ? r->b->correct == 1 : -1, base);
		}
		char id[32];
		snprintf(id, sizeof id, "   %5lld ", (long long)r->item_id);
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_DIM : base, id);
		const char *q = question_of(s, r->a);
		tui_line_text(l, base, q, strlen(q), w - l->width, 1, utf8);
		tui_line_pad(l, base, w);
	}
}

static void section(struct tui_lines *ls, const char *title, int w)
{
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, title);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
}

static void wrap_or(struct tui_lines *ls, const char *t, const char *none, int w, int utf8)
{
	if (t && *t) {
		tui_wrap(ls, t, strlen(t), w, 2, TUI_ROLE_NORMAL, 0, utf8);
	} else {
		struct tui_line *l = tui_lines_add(ls);
		tui_line_put(l, TUI_ROLE_DIM, "  ");
		tui_line_put(l, TUI_ROLE_DIM, none);
	}
}

/* what: English, shown in lang (as is every word of the line). */
static void answer_line(struct tui_lines *ls, int lang, const char *what, const char *ans,
			int correct, const struct tui_glyphs *g, int w, int utf8)
{
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_NORMAL, "  ");
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, what));
	const char *a = ans && *ans ? ans : i18n_text(lang, "(none)");
	tui_line_text(l, TUI_ROLE_NORMAL, a, strlen(a), w / 2, 1, utf8);
	tui_line_put(l, TUI_ROLE_NORMAL, "  ");
	if (correct >= 0) {
		tui_line_put(l, correct ? TUI_ROLE_CORRECT : TUI_ROLE_WRONG,
			     correct ? g->ok : g->bad);
		tui_line_put(l, correct ? TUI_ROLE_CORRECT : TUI_ROLE_WRONG,
			     i18n_text(lang, correct ? " right" : " wrong"));
	}
}

static void ask_lines(struct inspect *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	struct ask *k = &s->ask;
	char t[96];
	snprintf(t, sizeof t, i18n_text(lang, " You asked run #%lld"), (long long)k->run_id);
	section(ls, t, w);
	wrap_or(ls, k->question, "", w, utf8);
	if (k->busy) {
		section(ls, i18n_text(lang, "  (thinking...)"), w);
		return;
	}
	if (k->rc) {
		wrap_or(ls, k->err, "", w, utf8);
		return;
	}
	const struct tui_glyphs *g = tui_app_glyphs(s->app);
	answer_line(ls, lang, "answer: ", k->ans.answer ? k->ans.answer : k->ans.raw, -1, g, w,
		    utf8);
	if (k->ans.expl) {
		section(ls, i18n_text(lang, "  explanation:"), w);
		wrap_or(ls, k->ans.expl, "", w, utf8);
		if (k->ans.expl_answer)
			answer_line(ls, lang, "answer from the explanation: ", k->ans.expl_answer,
				    -1, g, w, utf8);
	}
	section(ls, "", w);
}

/* A's generated explanation, its first wrong step marked, and the check's
 * one-line summary. */
static void expl_lines(struct inspect *s, const char *text, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	if (!text || !*text || !s->have_chk) {
		wrap_or(ls, text, i18n_text(lang, "(none)"), w, utf8);
		return;
	}
	const struct check_result *cr = &s->chk;
	size_t n = strlen(text);
	if (cr->first_bad >= 0)
		tui_wrap_mark(ls, text, n, w, 2, TUI_ROLE_NORMAL, 0, utf8, cr->bad.start,
			      cr->bad.end, TUI_ROLE_WRONG);
	else
		tui_wrap(ls, text, n, w, 2, TUI_ROLE_NORMAL, 0, utf8);
	char sum[512];
	check_summary(cr, text, n, sum, sizeof sum);
	int role = check_verdict_sound(cr->verdict) ? TUI_ROLE_CORRECT
		   : cr->verdict == CHECK_NO_STEPS  ? TUI_ROLE_DIM
						    : TUI_ROLE_WRONG;
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, "  check "));
	tui_line_text(l, role, sum, strlen(sum), w - l->width, 1, utf8);
}

/* What A learnt from the teacher for this item: only train items were
 * trained on. */
static void teacher_lines(struct inspect *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	const struct store_run *ra = &s->runs[s->a];
	char t[200];
	if (!s->item.split || strcmp(s->item.split, "train")) {
		section(ls, i18n_text(lang, "  teacher explanation:"), w);
		snprintf(t, sizeof t,
			 i18n_text(lang, "(run #%lld did not train on this item: not in the train "
					 "split)"),
			 (long long)ra->id);
		wrap_or(ls, NULL, t, w, utf8);
		return;
	}
	if (!strcmp(ra->variant, "baseline")) {
		section(ls, i18n_text(lang, "  teacher explanation trained on:"), w);
		wrap_or(ls, NULL, i18n_text(lang, "(none: a baseline trains on answers only)"), w,
			utf8);
		return;
	}
	snprintf(t, sizeof t, i18n_text(lang, "  teacher explanation trained on (%s):"),
		 ra->source ? ra->source : "?");
	section(ls, t, w);
	wrap_or(ls, s->teacher, i18n_text(lang, "(none for this item: trained on its answer only)"),
		w, utf8);
}

static void detail_lines(struct inspect *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	const struct tui_glyphs *g = tui_app_glyphs(s->app);
	if ((s->ask.shown || s->ask.busy) && s->a >= 0 && s->runs[s->a].id == s->ask.run_id)
		ask_lines(s, w, ls);
	if (!s->n_rows || !s->have_item)
		return;
	const struct tui_inspect_row *r = &s->rows[s->sel];
	const struct store_item *it = &s->item;
	char t[160];
	snprintf(t, sizeof t, i18n_text(lang, " Item %lld (%s)"), (long long)it->id,
		 it->split ? it->split : "");
	section(ls, t, w);
	wrap_or(ls, it->question, "", w, utf8);
	answer_line(ls, lang, "gold answer: ", it->answer, -1, g, w, utf8);
	char lab[96];
	run_label(&s->runs[s->a], lab, sizeof lab);
	snprintf(t, sizeof t, " A %s", lab);
	section(ls, t, w);
	answer_line(ls, lang, "direct: ", r->a->answer, r->a->correct == 1, g, w, utf8);
	if (r->a->cot_correct >= 0 || r->a->cot_text) {
		answer_line(ls, lang, "explain-then-answer: ", r->a->cot_answer,
			    r->a->cot_correct < 0 ? -1 : r->a->cot_correct == 1, g, w, utf8);
		section(ls, i18n_text(lang, "  generated explanation:"), w);
		expl_lines(s, r->a->cot_text, w, ls);
	}
	teacher_lines(s, w, ls);
	if (s->b >= 0) {
		run_label(&s->runs[s->b], lab, sizeof lab);
		snprintf(t, sizeof t, " B %s", lab);
		section(ls, t, w);
		if (r->b) {
			answer_line(ls, lang, "direct: ", r->b->answer, r->b->correct == 1, g, w,
				    utf8);
			if (r->b->cot_correct >= 0 || r->b->cot_text) {
				answer_line(ls, lang, "explain-then-answer: ", r->b->cot_answer,
					    r->b->cot_correct < 0 ? -1 : r->b->cot_correct == 1, g,
					    w, utf8);
				wrap_or(ls, r->b->cot_text, i18n_text(lang, "(none)"), w, utf8);
			}
		} else {
			wrap_or(ls, NULL, i18n_text(lang, "(no prediction for this item)"), w,
				utf8);
		}
	}
	section(ls, i18n_text(lang, " Gold rationale"), w);
	wrap_or(ls, it->gold_rationale, i18n_text(lang, "(none)"), w, utf8);
}

static void inspect_draw(void *state, struct tui_app *app, struct tui_canvas *cv,
			 struct tui_rect body)
{
	struct inspect *s = state;
	int utf8 = tui_app_utf8(app), lang = tui_app_lang(app);
	tui_canvas_fill(cv, body, TUI_ROLE_NORMAL);
	load_detail(s);
	struct tui_lines ls;
	tui_lines_init(&ls);
	/* summary bar */
	struct tui_inspect_sum sum;
	tui_inspect_summary(s->pa, s->npa, s->b >= 0 ? s->pb : NULL, s->npb, &sum);
	sum.lang = lang;
	sum.chk_n = s->ck_a.n;
	sum.chk_sound = s->ck_a.n_sound;
	sum.chk_right_wrong = s->ck_a.n_right_wrong;
	if (s->b >= 0) {
		sum.vs_chk_n = s->ck_b.n;
		sum.vs_chk_sound = s->ck_b.n_sound;
		sum.vs_chk_right_wrong = s->ck_b.n_right_wrong;
	}
	char la[96], lb[96] = "";
	snprintf(la, sizeof la, "%s", i18n_text(lang, "(no run)"));
	if (s->a >= 0)
		run_label(&s->runs[s->a], la, sizeof la);
	if (s->b >= 0)
		run_label(&s->runs[s->b], lb, sizeof lb);
	struct tui_line *l = tui_lines_add(&ls);
	int compact = tui_inspect_summary_line(&sum, la, s->b >= 0 ? lb : NULL, body.w, utf8, l);
	l = tui_lines_add(&ls);
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, "filter "));
	tui_line_put(l, TUI_ROLE_MATCH, i18n_text(lang, tui_inspect_filter_name(s->filter)));
	char t[96];
	snprintf(t, sizeof t, i18n_text(lang, "  %zu of %zu items"), s->n_rows, s->npa);
	tui_line_put(l, TUI_ROLE_NORMAL, t);
	if (s->b < 0) {
		tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, "  (c: compare with another run)"));
	} else if (compact) {
		snprintf(t, sizeof t, i18n_text(lang, "  fixed %lld"), (long long)sum.fixed);
		tui_line_put(l, TUI_ROLE_CORRECT, t);
		snprintf(t, sizeof t, i18n_text(lang, " broken %lld"), (long long)sum.broken);
		tui_line_put(l, TUI_ROLE_WRONG, t);
	}
	tui_line_pad(l, TUI_ROLE_NORMAL, body.w);
	struct tui_rect top = {body.x, body.y, body.w, 2};
	tui_canvas_lines(cv, top, &ls, 0, TUI_ROLE_NORMAL);
	tui_lines_release(&ls);

	int ask_row = s->editing ? 1 : 0;
	int lw = body.w * 2 / 5;
	if (lw < 30)
		lw = 30;
	struct tui_rect lr = {body.x, body.y + 2, lw, body.h - 2 - ask_row};
	struct tui_rect dr = {body.x + lw + 1, body.y + 2, body.w - lw - 1, body.h - 2 - ask_row};
	s->list_h = lr.h;
	for (int y = 0; y < lr.h; y++)
		tui_canvas_put(cv, body.x + lw, lr.y + y, 1, TUI_ROLE_BORDER,
			       tui_app_glyphs(app)->vline);
	tui_lines_init(&ls);
	list_lines(s, lr.w, lr.h, &ls);
	tui_canvas_lines(cv, lr, &ls, 0, TUI_ROLE_NORMAL);
	tui_lines_release(&ls);
	tui_lines_init(&ls);
	detail_lines(s, dr.w, &ls);
	if (s->detail_top > 0 && (size_t)s->detail_top >= ls.n)
		s->detail_top = ls.n ? (int)ls.n - 1 : 0;
	tui_canvas_lines(cv, dr, &ls, (size_t)s->detail_top, TUI_ROLE_NORMAL);
	tui_lines_release(&ls);
	if (s->editing) {
		tui_lines_init(&ls);
		l = tui_lines_add(&ls);
		int cx = tui_entry_line(l, TUI_ROLE_TITLE, i18n_text(lang, "Ask: "), s->input.text,
					body.w, utf8);
		struct tui_rect ar = {body.x, body.y + body.h - 1, body.w, 1};
		tui_canvas_lines(cv, ar, &ls, 0, TUI_ROLE_NORMAL);
		tui_canvas_cursor(cv, ar.x + cx, ar.y);
		tui_lines_release(&ls);
	}
}

/* ------------------------------------------------------------ actions */

static void move(struct inspect *s, long d)
{
	if (!s->n_rows)
		return;
	long v = (long)s->sel + d;
	if (v < 0)
		v = 0;
	if (v >= (long)s->n_rows)
		v = (long)s->n_rows - 1;
	s->sel = (size_t)v;
	s->detail_top = 0;
	s->ask.shown = 0;
}

static int cycle_run(const struct inspect *s, int cur, int dir, int allow_none)
{
	int n = (int)s->n_runs + (allow_none ? 1 : 0);
	if (n <= 0)
		return -1;
	int pos = allow_none ? cur + 1 : (cur < 0 ? 0 : cur);
	pos = ((pos + dir) % n + n) % n;
	return allow_none ? pos - 1 : pos;
}

/* The dataset name of a run, for messages (data: escaped when shown). */
static void ds_name(struct inspect *s, const struct store_run *r, char *b, size_t n)
{
	struct store_dataset d;
	char err[MENTOR_ERR_LEN];
	if (store_dataset_get_id(s->st, r->dataset_id, &d, err) == 0) {
		snprintf(b, n, "%s", d.name ? d.name : "?");
		store_dataset_release(&d);
	} else {
		snprintf(b, n, "#%lld", (long long)r->dataset_id);
	}
}

/* Why runs[i] cannot be B for run A: into the status bar. */
static void refuse(struct inspect *s, int i, const char *what)
{
	char da[64], db[64];
	ds_name(s, &s->runs[s->a], da, sizeof da);
	ds_name(s, &s->runs[i], db, sizeof db);
	tui_app_error(s->app,
		      "cannot compare run #%lld (%s) with run A #%lld (%s): other dataset; %s",
		      (long long)s->runs[i].id, db, (long long)s->runs[s->a].id, da,
		      tui_tr(s->app, what));
}

/* After A changed: a B of another dataset gives way to the closest baseline
 * of A's dataset (or none), and the status bar says so. */
static void keep_b_comparable(struct inspect *s)
{
	char err[MENTOR_ERR_LEN];
	if (s->b >= 0 && s->b == s->a) {
		s->b = -1;
		return;
	}
	if (s->a < 0 || s->b < 0 || !report_pair_check(&s->runs[s->a], &s->runs[s->b], err))
		return;
	int old = s->b;
	s->b = report_pick_baseline(s->runs, s->n_runs, (size_t)s->a);
	char what[96];
	if (s->b >= 0)
		snprintf(what, sizeof what, tui_tr(s->app, "B is now baseline #%lld"),
			 (long long)s->runs[s->b].id);
	else
		snprintf(what, sizeof what, "%s", tui_tr(s->app, "no comparison"));
	refuse(s, old, what);
}

/* Step B to the next (dir 1) or previous run of A's dataset, or none;
 * runs of other datasets are refused and passed over. */
static void next_b(struct inspect *s, int dir)
{
	int b = s->b, refused = -1;
	for (size_t k = 0; k <= s->n_runs; k++) {
		b = cycle_run(s, b, dir, 1);
		if (b < 0 || s->a < 0)
			break;
		if (b == s->a)
			continue;
		char err[MENTOR_ERR_LEN];
		if (!report_pair_check(&s->runs[s->a], &s->runs[b], err))
			break;
		if (refused < 0)
			refused = b;
	}
	s->b = b;
	if (refused >= 0)
		refuse(s, refused, "passed over");
}

static void write_report(struct inspect *s)
{
	if (s->a < 0) {
		tui_app_error(s->app, "no run to report on");
		return;
	}
	char path[4600], err[MENTOR_ERR_LEN];
	int64_t a = s->runs[s->a].id, b = s->b >= 0 ? s->runs[s->b].id : 0;
	if (b)
		snprintf(path, sizeof path, "%s.report-%lld-vs-%lld.html", s->db_path, (long long)a,
			 (long long)b);
	else
		snprintf(path, sizeof path, "%s.report-%lld.html", s->db_path, (long long)a);
	if (report_write(s->st, a, b, tui_app_lang(s->app), path, NULL, err))
		tui_app_error(s->app, "%s", err);
	else
		tui_app_notice(s->app, "report written to %s", path);
}

static int inspect_action(void *state, struct tui_app *app, int action)
{
	struct inspect *s = state;
	int page = s->list_h > 2 ? s->list_h - 2 : 1;
	(void)app;
	switch (action) {
	case ACT_UP: move(s, -1); break;
	case ACT_DOWN: move(s, 1); break;
	case ACT_PGUP: move(s, -page); break;
	case ACT_PGDN: move(s, page); break;
	case ACT_RUN_NEXT:
	case ACT_RUN_PREV:
		s->chosen = 1;
		load_runs(s, 0);
		s->a = cycle_run(s, s->a, action == ACT_RUN_NEXT ? 1 : -1, 0);
		keep_b_comparable(s);
		load_preds(s);
		break;
	case ACT_VS_NEXT:
	case ACT_VS_PREV:
		s->chosen = 1;
		load_runs(s, 0);
		next_b(s, action == ACT_VS_NEXT ? 1 : -1);
		load_preds(s);
		break;
	case ACT_FILTER:
	case ACT_FILTER_PREV:
		s->filter = ((s->filter + (action == ACT_FILTER ? 1 : -1)) % TUI_INSPECT_N_FILTERS +
			     TUI_INSPECT_N_FILTERS) %
			    TUI_INSPECT_N_FILTERS;
		refilter(s);
		if ((s->filter == TUI_INSPECT_FIXED || s->filter == TUI_INSPECT_BROKEN) && s->b < 0)
			tui_app_error(app,
				      "%s needs a run to compare: "
				      "press c",
				      tui_tr(app, tui_inspect_filter_name(s->filter)));
		break;
	case ACT_ASK:
		s->editing = 1;
		tui_input_set(&s->input, "");
		break;
	case ACT_REPORT: write_report(s); break;
	case ACT_DETAIL_DOWN: s->detail_top += 3; break;
	case ACT_DETAIL_UP:
		s->detail_top -= 3;
		if (s->detail_top < 0)
			s->detail_top = 0;
		break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int inspect_event(void *state, struct tui_app *app, const struct tui_event *ev,
			 struct tui_rect body)
{
	struct inspect *s = state;
	(void)body;
	if (ev->type == TUI_EV_WAKE) {
		if (ev->code == INSPECT_WAKE_ANSWER || ev->code == INSPECT_WAKE_SYNC) {
			ask_collect(s, ev->code == INSPECT_WAKE_SYNC);
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (ev->code == TRAIN_TICK) {
			if (s->ask.busy)
				ask_collect(s, 0);
			double now = util_mono();
			if (now - s->last_poll >= 2) {
				s->last_poll = now;
				load_runs(s, !s->chosen);
			}
		}
		return 0;
	}
	if (ev->type != TUI_EV_KEY || !s->editing)
		return 0;
	if (ev->key == TUI_KEY_ENTER) {
		s->editing = 0;
		if (s->input.text[0])
			ask_start(s, s->input.text);
	} else if (ev->key == TUI_KEY_ESC) {
		s->editing = 0;
	} else {
		tui_input_key(&s->input, ev->key);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int inspect_message(void *state, struct tui_app *app, int msg, int64_t arg)
{
	struct inspect *s = state;
	(void)arg;
	if (msg != TUI_MSG_SHOWN)
		return 0;
	s->seen = 1;
	load_runs(s, !s->chosen);
	if (!s->chosen && s->pick_note[0])
		tui_app_error(app, "%s", s->pick_note);
	return TUI_HANDLED | TUI_REDRAW;
}

static void inspect_status(void *state, struct tui_app *app, struct tui_line *hints,
			   struct buf *counts)
{
	struct inspect *s = state;
	if (s->editing) {
		tui_entry_hints(hints, "ask", NULL, tui_app_lang(app));
		return;
	}
	static const struct tui_hint shown[] = {{ACT_RUN_NEXT, "run"},
						{ACT_VS_NEXT, "compare"},
						{ACT_FILTER, "filter"},
						{ACT_ASK, "ask"},
						{ACT_REPORT, "report"}};
	tui_app_hints(app, hints, shown, sizeof shown / sizeof shown[0]);
	if (s->n_rows)
		buf_printf(counts, tui_app_text(app, I18N_TUI_ITEM_OF_Z), s->sel + 1, s->n_rows);
	else
		buf_puts(counts, tui_app_text(app, I18N_TUI_NO_ITEMS));
}

static int inspect_create(struct tui_app *app, void **state, char *err)
{
	struct inspect *s = calloc(1, sizeof *s);
	if (!s)
		return util_err(err, "out of memory");
	s->app = app;
	s->st = tui_app_store(app);
	snprintf(s->db_path, sizeof s->db_path, "%s", store_path(s->st));
	s->a = s->b = -1;
	pthread_mutex_init(&s->ask.mu, NULL);
	s->ask.app = app;
	load_runs(s, 1);
	*state = s;
	return 0;
}

static void inspect_destroy(void *state)
{
	struct inspect *s = state;
	if (!s)
		return;
	ask_collect(s, 1);
	eval_answer_release(&s->ask.ans);
	pthread_mutex_destroy(&s->ask.mu);
	drop_detail(s);
	if (s->question)
		for (size_t i = 0; i < s->npa; i++)
			free(s->question[i]);
	free(s->question);
	free_preds(s->pa, s->npa);
	free_preds(s->pb, s->npb);
	free(s->rows);
	for (size_t i = 0; i < s->n_runs; i++)
		store_run_release(&s->runs[i]);
	free(s->runs);
	free(s);
}

const struct tui_screen_ops tui_inspect_screen = {
	.number = 4,
	.title = "Inspect",
	.actions = actions,
	.n_actions = sizeof actions / sizeof actions[0],
	.create = inspect_create,
	.destroy = inspect_destroy,
	.draw = inspect_draw,
	.action = inspect_action,
	.event = inspect_event,
	.status = inspect_status,
	.message = inspect_message,
};
