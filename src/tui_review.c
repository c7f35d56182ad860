/* tui_review: the Review screen. One item at the top and its COTE, RP and
 * CROP candidates side by side (stacked on narrow terminals); generate them
 * with the teacher (text streams in through worker wake-ups), accept,
 * reject, flag, edit in $EDITOR, undo, skip to the next unreviewed item of
 * the Items screen's list (its filter and search, a regex too), and
 * batch-generate that list: its scope and estimate stated first (asked
 * about above [review] confirm_calls), then a progress bar. Every decision
 * is committed when it is made. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curses.h>

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
#define SCAN_MAX 50000   /* items a search for the next unreviewed one reads */
#define UNDO_KEEP 64     /* session decisions remembered for the counters */
#define EDITOR_ARGS 16

static const char *const mode_names[] = {"cot", "rp", "crop"};
static const char *const mode_labels[] = {"COTE", "RP", "CROP"};

const char *tui_review_mode(int k)
{
	return k >= 0 && k < TUI_REVIEW_NMODES ? mode_names[k] : NULL;
}

const char *tui_review_label(int k)
{
	return k >= 0 && k < TUI_REVIEW_NMODES ? mode_labels[k] : NULL;
}

int tui_review_mode_index(const char *mode)
{
	for (int k = 0; mode && k < TUI_REVIEW_NMODES; k++)
		if (!strcmp(mode, mode_names[k]))
			return k;
	return -1;
}

const char *tui_review_text(const struct store_expl *e)
{
	if (!e)
		return "";
	return e->edited_text ? e->edited_text : e->text ? e->text : "";
}

void tui_review_check(const struct store_item *item, const struct store_expl *e,
		      struct check_result *res)
{
	const char *s = tui_review_text(e);
	struct check_input in = {s, strlen(s), item ? item->question : NULL, e->parsed_answer,
				 item ? item->trace_json : NULL};
	char err[MENTOR_ERR_LEN];
	if (check_explanation(&in, res, err))
		util_oom();
}

static int is_attempt(const struct store_expl *v, size_t n, const struct store_expl *e)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].attempt_of == e->id && v[i].mode && !strcmp(v[i].mode, "crop"))
			return 1;
	return 0;
}

void tui_review_pick(const struct store_expl *v, size_t n,
		     const struct store_expl *shown[TUI_REVIEW_NMODES],
		     const struct store_expl **attempt)
{
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		const struct store_expl *best = NULL, *any = NULL;
		for (size_t i = 0; i < n; i++) {
			if (tui_review_mode_index(v[i].mode) != k)
				continue;
			if (!any || v[i].id > any->id)
				any = &v[i];
			if (k == TUI_REVIEW_CROP && is_attempt(v, n, &v[i]))
				continue;
			if (!best || v[i].id > best->id)
				best = &v[i];
		}
		shown[k] = best ? best : any;
	}
	*attempt = NULL;
	const struct store_expl *c = shown[TUI_REVIEW_CROP];
	if (c && c->attempt_of)
		for (size_t i = 0; i < n; i++)
			if (v[i].id == c->attempt_of)
				*attempt = &v[i];
}

/* ------------------------------------------------------------ pure view */

static void line_free(struct tui_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->spans[i].text);
	free(l->spans);
	memset(l, 0, sizeof *l);
}

/* Chips of information flowed into lines of a width. */
struct flow {
	struct tui_lines *out;
	size_t line;  /* index of the current line in out */
	int width, indent;
};

static void flow_init(struct flow *f, struct tui_lines *out, int width, int indent)
{
	f->out = out;
	f->width = width;
	f->indent = indent;
	tui_lines_add(out);
	f->line = out->n - 1;
}

static void flow_add(struct flow *f, struct tui_line *chip)
{
	struct tui_line *l = &f->out->v[f->line];
	if (l->width > f->indent && l->width + 2 + chip->width > f->width) {
		l = tui_lines_add(f->out);
		f->line = f->out->n - 1;
		if (f->indent)
			tui_line_pad(l, TUI_ROLE_NORMAL, f->indent);
	} else if (l->width > f->indent) {
		tui_line_put(l, TUI_ROLE_NORMAL, "  ");
	}
	for (size_t i = 0; i < chip->n; i++)
		tui_line_put(l, chip->spans[i].role, chip->spans[i].text);
	line_free(chip);
}

/* A chip of our own (safe) text. */
static void flow_put(struct flow *f, int role, const char *text)
{
	struct tui_line c = {0};
	tui_line_put(&c, role, text);
	flow_add(f, &c);
}

/* A chip: a label and a piece of data text (escaped, at most maxw wide). */
static void flow_data(struct flow *f, int lrole, const char *label, int drole, const char *data,
		      int maxw, int utf8)
{
	struct tui_line c = {0};
	if (label && *label)
		tui_line_put(&c, lrole, label);
	const char *d = data ? data : "";
	tui_line_text(&c, drole, d, strlen(d), maxw > 4 ? maxw : 4, 1, utf8);
	flow_add(f, &c);
}

static void chip_state(struct flow *f, const struct tui_glyphs *g, const char *status, int lang)
{
	int role;
	const char *word;
	const char *gl = tui_status_glyph(g, status, &role, &word);
	struct tui_line c = {0};
	tui_line_put(&c, role, gl);
	tui_line_put(&c, role, " ");
	tui_line_put(&c, role, i18n_text(lang, word));
	flow_add(f, &c);
}

static void chip_correct(struct flow *f, const struct tui_glyphs *g, int correct, int lang)
{
	struct tui_line c = {0};
	if (correct == 1) {
		tui_line_put(&c, TUI_ROLE_CORRECT, g->ok);
		tui_line_put(&c, TUI_ROLE_CORRECT, i18n_text(lang, " correct"));
	} else if (correct == 0) {
		tui_line_put(&c, TUI_ROLE_WRONG, g->bad);
		tui_line_put(&c, TUI_ROLE_WRONG, i18n_text(lang, " wrong"));
	} else {
		tui_line_put(&c, TUI_ROLE_DIM, g->unknown);
		tui_line_put(&c, TUI_ROLE_DIM, i18n_text(lang, " not judged"));
	}
	flow_add(f, &c);
}

/* Choices shown compactly on one line: "A. text   B. text"; anything that
 * is not a JSON array of choices is shown as it is. */
static void choices_text(const char *json, struct buf *out)
{
	cJSON *root = cJSON_Parse(json);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		if (buf_puts(out, json))
			util_oom();
		return;
	}
	const cJSON *c;
	int any = 0;
	cJSON_ArrayForEach(c, root)
	{
		const char *label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "label"));
		const char *text = cJSON_IsString(c) ? c->valuestring
				   : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
		if (buf_printf(out, "%s%s%s%s", any ? "   " : "", label ? label : "",
			       label ? ". " : "", text ? text : ""))
			util_oom();
		any = 1;
	}
	cJSON_Delete(root);
}

void tui_review_item_lines(const struct tui_review_view *v, int width, size_t max_lines,
			   struct tui_lines *out)
{
	const struct store_item *it = v->item;
	if (width < 1)
		width = 1;
	if (!it) {
		tui_line_put(tui_lines_add(out), TUI_ROLE_TITLE,
			     i18n_text(v->lang, "Review: select an item in Items and press Enter"));
		tui_line_put(tui_lines_add(out), TUI_ROLE_DIM,
			     i18n_text(v->lang, "or press Space for the next unreviewed item "
						"of the Items filter"));
		return;
	}
	size_t start = out->n;
	struct tui_line *l = tui_lines_add(out);
	char head[96];
	snprintf(head, sizeof head, i18n_text(v->lang, "Item %lld"), (long long)it->id);
	tui_line_put(l, TUI_ROLE_TITLE, head);
	struct buf b;
	buf_init(&b);
	if (buf_printf(&b, "  %s%s%s  %s  %s", v->dataset ? v->dataset : "", v->dataset ? " " : "",
		       it->split ? it->split : "", it->answer_type ? it->answer_type : "",
		       it->ext_id ? it->ext_id : ""))
		util_oom();
	tui_line_text(l, TUI_ROLE_DIM, b.data, b.len, width - l->width, 1, v->utf8);
	buf_release(&b);
	/* Room for the question: what remains after the head, the choices
	 * line and the gold answer. */
	size_t fixed = 2 + (it->choices_json && *it->choices_json ? 1 : 0);
	size_t qmax = 0;
	if (max_lines) {
		qmax = max_lines > fixed ? max_lines - fixed : 1;
	}
	const char *q = it->question ? it->question : "";
	tui_wrap(out, q, strlen(q), width, 2, TUI_ROLE_NORMAL, qmax, v->utf8);
	if (it->choices_json && *it->choices_json) {
		buf_init(&b);
		choices_text(it->choices_json, &b);
		l = tui_lines_add(out);
		tui_line_pad(l, TUI_ROLE_NORMAL, 2);
		tui_line_text(l, TUI_ROLE_NORMAL, b.data ? b.data : "", b.len, width - 2, 1, v->utf8);
		buf_release(&b);
	}
	l = tui_lines_add(out);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(v->lang, "Gold answer: "));
	const char *a = it->answer ? it->answer : i18n_text(v->lang, "(none)");
	tui_line_text(l, TUI_ROLE_CORRECT, a, strlen(a), width - l->width, 1, v->utf8);
	if (v->progress && width - l->width > 8) {
		tui_line_put(l, TUI_ROLE_NORMAL, "   ");
		tui_line_text(l, TUI_ROLE_DIM, v->progress, strlen(v->progress), width - l->width, 1,
			      v->utf8);
	}
	while (max_lines && out->n - start > max_lines) {
		/* never more than asked: drop question lines from the end */
		size_t tail = 2 + (it->choices_json && *it->choices_json ? 1 : 0);
		if (out->n < start + tail)
			break;
		size_t drop = out->n - tail;
		line_free(&out->v[drop]);
		memmove(&out->v[drop], &out->v[drop + 1], (out->n - drop - 1) * sizeof out->v[0]);
		out->n--;
	}
}

static void fmt_cost(char *buf, size_t n, double cost)
{
	if (cost <= 0)
		snprintf(buf, n, "$0");
	else if (cost < 0.01)
		snprintf(buf, n, "$%.5f", cost);
	else
		snprintf(buf, n, "$%.3f", cost);
}

void tui_review_cand_head(const struct tui_review_view *v, int k, int width, struct tui_lines *out)
{
	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	const struct tui_review_cand *c = &v->cand[k];
	int focused = v->focus == k;
	struct flow f;
	flow_init(&f, out, width < 10 ? 10 : width, 2);
	char t[96];
	snprintf(t, sizeof t, "%s %s", focused ? (v->utf8 ? "\xe2\x96\xb6" : ">") : " ",
		 tui_review_label(k));
	flow_put(&f, focused ? TUI_ROLE_SELECTED : TUI_ROLE_TITLE, t);
	const struct store_expl *e = c->e;
	if (k == TUI_REVIEW_CROP && v->show_attempt && c->attempt)
		e = c->attempt;
	if (!e) {
		if (c->generating)
			flow_put(&f, TUI_ROLE_PENDING, i18n_text(v->lang, "generating..."));
		else
			flow_put(&f, TUI_ROLE_DIM, i18n_text(v->lang, "no explanation yet"));
		if (c->note)
			flow_data(&f, TUI_ROLE_ERROR, "", TUI_ROLE_ERROR, c->note, width - 4, v->utf8);
		return;
	}
	chip_state(&f, g, e->status, v->lang);
	chip_correct(&f, g, e->correct, v->lang);
	flow_data(&f, TUI_ROLE_DIM, i18n_text(v->lang, "answer "), TUI_ROLE_NORMAL,
		  e->parsed_answer ? e->parsed_answer : i18n_text(v->lang, "(none)"), 24, v->utf8);
	if (e->leaked == 1) {
		struct tui_line ch = {0};
		tui_line_put(&ch, TUI_ROLE_LEAKED, g->leaked);
		tui_line_put(&ch, TUI_ROLE_LEAKED, i18n_text(v->lang, " leaked"));
		flow_add(&f, &ch);
	}
	if (e->edited_text)
		flow_put(&f, TUI_ROLE_FLAGGED, i18n_text(v->lang, "(edited)"));
	if (k == TUI_REVIEW_CROP) {
		if (e == c->attempt) {
			flow_put(&f, TUI_ROLE_FLAGGED,
				 i18n_text(v->lang,
					   "kept COTE attempt, read-only (o: back to CROP)"));
		} else {
			const char *p = e->path ? e->path : "?";
			flow_put(&f, TUI_ROLE_DIM,
				 i18n_text(v->lang,
					   !strcmp(p, "rp") ? "path rp fallback" : "path cot"));
			if (c->attempt) {
				struct tui_line ch = {0};
				tui_line_put(&ch, TUI_ROLE_DIM,
					     i18n_text(v->lang, "COTE attempt "));
				tui_line_put(&ch, c->attempt->correct == 1 ? TUI_ROLE_CORRECT : TUI_ROLE_WRONG,
					     c->attempt->correct == 1 ? g->ok : g->bad);
				tui_line_put(&ch, TUI_ROLE_DIM, " ");
				const char *pa = c->attempt->parsed_answer ? c->attempt->parsed_answer
						 : i18n_text(v->lang, "(none)");
				tui_line_text(&ch, TUI_ROLE_DIM, pa, strlen(pa), 16, 1, v->utf8);
				tui_line_put(&ch, TUI_ROLE_DIM, i18n_text(v->lang, " (o: show)"));
				flow_add(&f, &ch);
			}
		}
	} else {
		snprintf(t, sizeof t, i18n_text(v->lang, "path %s"), e->path ? e->path : "?");
		flow_put(&f, TUI_ROLE_DIM, t);
	}
	if (c->check && !(c->generating && c->live && *c->live)) {
		const struct check_result *cr = c->check;
		const char *s = tui_review_text(e);
		char sum[512];
		check_summary(cr, s, strlen(s), sum, sizeof sum);
		int role = check_verdict_sound(cr->verdict) ? TUI_ROLE_CORRECT
			 : cr->verdict == CHECK_NO_STEPS ? TUI_ROLE_DIM : TUI_ROLE_WRONG;
		flow_data(&f, TUI_ROLE_DIM, i18n_text(v->lang, "check "), role, sum, width - 8,
			  v->utf8);
	}
	struct buf b;
	buf_init(&b);
	if (buf_printf(&b, "%s/%s", e->provider ? e->provider : "?", e->model ? e->model : "?"))
		util_oom();
	flow_data(&f, TUI_ROLE_DIM, "", TUI_ROLE_DIM, b.data, 40, v->utf8);
	buf_release(&b);
	char cost[32];
	fmt_cost(cost, sizeof cost, e->cost);
	snprintf(t, sizeof t, "tok %lld/%lld", (long long)e->tokens_in, (long long)e->tokens_out);
	flow_put(&f, TUI_ROLE_DIM, t);
	snprintf(t, sizeof t, "%lld ms", (long long)e->latency_ms);
	flow_put(&f, TUI_ROLE_DIM, t);
	flow_put(&f, TUI_ROLE_DIM, cost);
	if (c->generating)
		flow_put(&f, TUI_ROLE_PENDING, i18n_text(v->lang, "generating..."));
	if (c->note)
		flow_data(&f, TUI_ROLE_ERROR, "", TUI_ROLE_ERROR, c->note, width - 4, v->utf8);
}

void tui_review_cand_text(const struct tui_review_view *v, int k, int width, struct tui_lines *out)
{
	const struct tui_review_cand *c = &v->cand[k];
	if (width < 1)
		width = 1;
	if (c->generating && c->live && *c->live) {
		tui_wrap(out, c->live, strlen(c->live), width, 0, TUI_ROLE_NORMAL, 0, v->utf8);
		char t[64];
		snprintf(t, sizeof t, i18n_text(v->lang, "... streaming (%s prompt)"),
			 c->live_path ? c->live_path : "?");
		tui_line_put(tui_lines_add(out), TUI_ROLE_PENDING, t);
		return;
	}
	const struct store_expl *e = c->e;
	if (k == TUI_REVIEW_CROP && v->show_attempt && c->attempt)
		e = c->attempt;
	if (!e) {
		const char *m = c->generating
				? i18n_text(v->lang, "waiting for the teacher...")
				: i18n_text(v->lang,
					    "press g to generate this mode, G for all three");
		tui_wrap(out, m, strlen(m), width, 0, TUI_ROLE_DIM, 0, v->utf8);
		return;
	}
	const char *s = tui_review_text(e);
	const struct check_result *cr = c->check;
	if (cr && cr->first_bad >= 0)
		tui_wrap_mark(out, s, strlen(s), width, 0, TUI_ROLE_NORMAL, 0, v->utf8,
			      cr->bad.start, cr->bad.end, TUI_ROLE_WRONG);
	else
		tui_wrap(out, s, strlen(s), width, 0, TUI_ROLE_NORMAL, 0, v->utf8);
}

void tui_review_bar_lines(const struct tui_review_batch *b, int width, int utf8,
			  struct tui_lines *out)
{
	struct tui_line *l = tui_lines_add(out);
	if (!b || !b->on)
		return;
	const char *state = i18n_text(b->lang, b->running ? (b->cancelled ? "cancelling" : "batch")
							  : b->cancelled ? "cancelled" : "done");
	char head[32];
	snprintf(head, sizeof head, "%-10s ", state);
	tui_line_put(l, b->cancelled ? TUI_ROLE_FLAGGED : TUI_ROLE_TITLE, head);
	char cost[32], tail[192];
	fmt_cost(cost, sizeof cost, b->cost);
	snprintf(tail, sizeof tail,
		 i18n_text(b->lang,
			   " %lld/%lld tasks  %lld errors  %lld skipped  tok %lld/%lld  %s  "
			   "%.0f s"),
		 (long long)b->done, (long long)b->total, (long long)b->errors,
		 (long long)b->skipped, (long long)b->tokens_in, (long long)b->tokens_out, cost,
		 b->elapsed_s);
	int bw = width - l->width - (int)strlen(tail) - (b->running && !b->cancelled ? 13 : 0);
	if (bw > 40)
		bw = 40;
	if (bw < 5)
		bw = 5;
	int fill = b->total > 0 ? (int)((double)bw * (double)b->done / (double)b->total) : 0;
	if (fill > bw)
		fill = bw;
	for (int i = 0; i < bw; i++)
		tui_line_put(l, i < fill ? TUI_ROLE_MATCH : TUI_ROLE_DIM,
			     i < fill ? (utf8 ? "\xe2\x96\x88" : "#") : (utf8 ? "\xe2\x96\x91" : "."));
	tui_line_put(l, TUI_ROLE_NORMAL, tail);
	if (b->running && !b->cancelled)
		tui_line_put(l, TUI_ROLE_DIM, i18n_text(b->lang, "  (c: cancel)"));
}

/* Wrap each line of text (lines separated by '\n') to width. */
static void wrap_lines(struct tui_lines *out, const char *text, int width, int indent, int role,
		       int utf8)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			tui_wrap(out, p, n, width, indent, role, 0, utf8);
		p = nl ? nl + 1 : NULL;
	}
}

void tui_review_scope_lines(const struct tui_review_scope *s, int width, int utf8,
			    struct tui_lines *out)
{
	if (!s || width < 1)
		return;
	if (s->asking) {
		struct tui_line *l = tui_lines_add(out);
		tui_line_put(l, TUI_ROLE_TITLE,
			     i18n_text(s->lang, "Batch generation, before any call:"));
		if (s->summary)
			wrap_lines(out, s->summary, width, 1, TUI_ROLE_TITLE, utf8);
		if (s->head)
			wrap_lines(out, s->head, width, 1, TUI_ROLE_MATCH, utf8);
		if (s->detail)
			wrap_lines(out, s->detail, width, 1, TUI_ROLE_NORMAL, utf8);
		char q[256];
		snprintf(q, sizeof q,
			 i18n_text(s->lang, "Up to %lld calls, more than [review] "
					    "confirm_calls = %lld. Start? y: start  n, Esc: "
					    "cancel (nothing is asked)"),
			 (long long)s->max_calls, (long long)s->threshold);
		wrap_lines(out, q, width, 0, TUI_ROLE_ERROR, utf8);
		return;
	}
	if (s->summary)
		wrap_lines(out, s->summary, width, 0, TUI_ROLE_NORMAL, utf8);
	if (s->head)
		wrap_lines(out, s->head, width, 0, TUI_ROLE_DIM, utf8);
}

void tui_review_diff_pane(const struct tui_review_view *v, int width, struct tui_lines *out)
{
	struct tui_line *l = tui_lines_add(out);
	char t[160];
	snprintf(t, sizeof t, i18n_text(v->lang, "Diff %s -> %s"), tui_review_label(v->diff_a),
		 tui_review_label(v->diff_b));
	tui_line_put(l, TUI_ROLE_TITLE, t);
	tui_line_put(l, TUI_ROLE_DIM, "   ");
	tui_line_put(l, TUI_ROLE_REJECTED, i18n_text(v->lang, "[-removed-]"));
	tui_line_put(l, TUI_ROLE_DIM, " ");
	tui_line_put(l, TUI_ROLE_ACCEPTED, i18n_text(v->lang, "{+added+}"));
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(v->lang, "   d: close  D: next pair"));
	const struct store_expl *a = v->cand[v->diff_a].e, *b = v->cand[v->diff_b].e;
	if (!a || !b) {
		snprintf(t, sizeof t, i18n_text(v->lang, "%s has no explanation yet"),
			 tui_review_label(!a ? v->diff_a : v->diff_b));
		tui_line_put(tui_lines_add(out), TUI_ROLE_DIM, t);
		return;
	}
	const char *sa = tui_review_text(a), *sb = tui_review_text(b);
	struct tui_diff d;
	tui_diff_init(&d);
	tui_diff_words(&d, sa, strlen(sa), sb, strlen(sb), v->utf8);
	tui_diff_lines(&d, width, v->utf8, out);
	if (d.capped)
		tui_line_put(tui_lines_add(out), TUI_ROLE_DIM,
			     i18n_text(v->lang,
				       "(long texts: the differing middle is shown whole)"));
	tui_diff_release(&d);
}

void tui_review_layout(const struct tui_review_view *v, struct tui_rect body,
		       struct tui_review_rects *r)
{
	memset(r, 0, sizeof *r);
	int bar_h = v->batch && v->batch->on ? 1 : 0;
	if (body.h < 4)
		bar_h = 0;
	r->bar = (struct tui_rect){body.x, body.y + body.h - bar_h, body.w, bar_h};
	/* the scope above the bar: all of it while asking, else at most 3 rows */
	int scope_h = 0;
	if (v->scope && body.h >= 4) {
		struct tui_lines sl;
		tui_lines_init(&sl);
		tui_review_scope_lines(v->scope, body.w, v->utf8, &sl);
		scope_h = (int)sl.n;
		tui_lines_release(&sl);
		int cap = v->scope->asking ? body.h - bar_h : 3;
		if (scope_h > cap)
			scope_h = cap;
		if (scope_h < 0)
			scope_h = 0;
	}
	r->scope = (struct tui_rect){body.x, r->bar.y - scope_h, body.w, scope_h};
	int avail = body.h - bar_h - scope_h;
	struct tui_lines ls;
	tui_lines_init(&ls);
	size_t cap = (size_t)(avail / 3 > 3 ? avail / 3 : 3);
	tui_review_item_lines(v, body.w, cap, &ls);
	int item_h = (int)ls.n;
	tui_lines_release(&ls);
	if (item_h > avail - 2)
		item_h = avail - 2 > 0 ? avail - 2 : 0;
	r->item = (struct tui_rect){body.x, body.y, body.w, item_h};
	r->sep = (struct tui_rect){body.x, body.y + item_h, body.w, 1};
	struct tui_rect rest = {body.x, body.y + item_h + 1, body.w, avail - item_h - 1};
	if (rest.h < 0)
		rest.h = 0;
	r->stacked = body.w < TUI_REVIEW_WIDE;
	if (!v->item)
		return;
	if (v->diff) {
		r->diff = rest;
		return;
	}
	if (!r->stacked) {
		int cw = (body.w - 2) / 3;
		for (int k = 0; k < TUI_REVIEW_NMODES; k++)
			r->cand[k] = (struct tui_rect){body.x + k * (cw + 1), rest.y,
						       k == 2 ? body.w - 2 * (cw + 1) : cw, rest.h};
		return;
	}
	/* Stacked: each candidate gets the rows it needs when all fit; else
	 * the others get a head and a line of text, the focused one the rest. */
	int need[TUI_REVIEW_NMODES], total = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		tui_lines_init(&ls);
		tui_review_cand_head(v, k, body.w - 1, &ls);
		tui_review_cand_text(v, k, body.w - 2, &ls);
		need[k] = (int)ls.n;
		tui_lines_release(&ls);
		total += need[k];
	}
	int small = rest.h >= 12 ? 3 : rest.h >= 6 ? 2 : 1;
	int big = rest.h;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (k != v->focus)
			big -= need[k] < small ? need[k] : small;
	if (big < 1)
		big = 1;
	/* a blank row between candidates when there is room for it */
	int gap = total + TUI_REVIEW_NMODES - 1 <= rest.h;
	int y = rest.y;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		int h = total <= rest.h ? need[k] : k == v->focus ? big : need[k] < small ? need[k] : small;
		if (y + h > rest.y + rest.h)
			h = rest.y + rest.h - y;
		if (h < 0)
			h = 0;
		r->cand[k] = (struct tui_rect){body.x, y, body.w, h};
		y += h + gap;
	}
}

/* Candidate k into rect cr: its head, then its text from top. */
static void render_cand(const struct tui_review_view *v, int k, struct tui_canvas *cv,
			struct tui_rect cr)
{
	if (cr.h <= 0 || cr.w <= 0)
		return;
	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	struct tui_lines head, text;
	tui_lines_init(&head);
	tui_lines_init(&text);
	tui_review_cand_head(v, k, cr.w - 1, &head);
	tui_review_cand_text(v, k, cr.w - 2, &text);
	int hh = (int)head.n;
	if (hh > cr.h)
		hh = cr.h;
	tui_canvas_lines(cv, (struct tui_rect){cr.x, cr.y, cr.w, hh}, &head, 0, TUI_ROLE_NORMAL);
	struct tui_rect tr = {cr.x + 1, cr.y + hh, cr.w - 1, cr.h - hh};
	if (tr.h > 0) {
		size_t first = v->cand[k].top > 0 ? (size_t)v->cand[k].top : 0;
		if (first >= text.n)
			first = text.n ? text.n - 1 : 0;
		tui_canvas_fill(cv, (struct tui_rect){cr.x, tr.y, 1, tr.h}, TUI_ROLE_NORMAL);
		tui_canvas_lines(cv, tr, &text, first, TUI_ROLE_NORMAL);
		if (first > 0)
			tui_canvas_put(cv, cr.x + cr.w - 1, tr.y, 1, TUI_ROLE_DIM, g->more_up);
		if (text.n > first + (size_t)tr.h)
			tui_canvas_put(cv, cr.x + cr.w - 1, tr.y + tr.h - 1, 1, TUI_ROLE_DIM,
				       g->more_down);
	}
	tui_lines_release(&head);
	tui_lines_release(&text);
}

void tui_review_render(const struct tui_review_view *v, struct tui_canvas *cv, struct tui_rect body)
{
	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	struct tui_review_rects r;
	tui_review_layout(v, body, &r);
	tui_canvas_fill(cv, body, TUI_ROLE_NORMAL);
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_item_lines(v, r.item.w, (size_t)r.item.h, &ls);
	tui_canvas_lines(cv, r.item, &ls, 0, TUI_ROLE_NORMAL);
	tui_lines_release(&ls);
	if (r.sep.h > 0)
		for (int x = r.sep.x; x < r.sep.x + r.sep.w; x++)
			tui_canvas_put(cv, x, r.sep.y, 1, TUI_ROLE_BORDER, g->hline);
	if (v->item && v->diff) {
		tui_lines_init(&ls);
		tui_review_diff_pane(v, r.diff.w - 1, &ls);
		size_t first = v->diff_top > 0 ? (size_t)v->diff_top : 0;
		if (first >= ls.n)
			first = ls.n ? ls.n - 1 : 0;
		tui_canvas_lines(cv, r.diff, &ls, first, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	} else if (v->item) {
		for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
			render_cand(v, k, cv, r.cand[k]);
			if (!r.stacked && k < 2)
				for (int y = r.cand[k].y; y < r.cand[k].y + r.cand[k].h; y++)
					tui_canvas_put(cv, r.cand[k].x + r.cand[k].w, y, 1,
						       TUI_ROLE_BORDER, g->vline);
		}
	}
	if (r.scope.h > 0) {
		tui_lines_init(&ls);
		tui_review_scope_lines(v->scope, r.scope.w, v->utf8, &ls);
		/* asking: the question (the last lines) must show */
		size_t first = v->scope->asking && ls.n > (size_t)r.scope.h ? ls.n - (size_t)r.scope.h : 0;
		tui_canvas_lines(cv, r.scope, &ls, first, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	}
	if (r.bar.h > 0) {
		tui_lines_init(&ls);
		tui_review_bar_lines(v->batch, r.bar.w, v->utf8, &ls);
		tui_canvas_lines(cv, r.bar, &ls, 0, TUI_ROLE_NORMAL);
		tui_lines_release(&ls);
	}
}

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

/* What worker callbacks write, under mu. */
struct shared {
	pthread_mutex_t mu;
	int64_t job_item;                  /* item of the single-item job */
	struct buf live[TUI_REVIEW_NMODES];
	char live_path[TUI_REVIEW_NMODES][8];
	int gen[TUI_REVIEW_NMODES];
	char note[TUI_REVIEW_NMODES][200];
	int job_done, batch_done;
	size_t est_items;                  /* items the batch's estimate has read */
	int est_cancel, est_finished;
	int64_t watch_item;                /* the item on screen */
	int touched;                       /* a result for it was stored */
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
	struct est_job *est;               /* the estimate running, or NULL */
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

/* ------------------------------------------------------ worker callbacks */

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
			snprintf(r->sh.live_path[k], sizeof r->sh.live_path[k], "%s", path ? path : "");
		}
		if (r->sh.live[k].len + len <= TEACHER_MAX_TEXT && buf_append(&r->sh.live[k], delta, len))
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

static void load_expl(struct review *r)
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
static int open_item(struct review *r, int64_t id)
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
	load_expl(r);
	save_position(r);
	return 0;
}

/* ------------------------------------------------ the Items screen's filter */

struct ifilter {
	struct store_item_filter f;   /* without the search */
	char split[16], review[16], mode[16];
	char search[512];             /* as typed: a substring or re:PATTERN */
	char dataset[128];            /* its name, or "all datasets" */
	char filters[256];            /* "split:any review:any ..." as Items shows it */
};

static const char *word_of(const char *v, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(v, allowed[i]))
			return allowed[i];
	return NULL;
}

/* The filter Items saved in the settings: dataset, split, review, mode,
 * result, leaked, and the search as typed (a substring, or re:PATTERN;
 * store_item_select applies either as the Items screen does). */
static void items_filter(struct review *r, struct ifilter *fi)
{
	memset(fi, 0, sizeof *fi);
	store_item_filter_init(&fi->f);
	snprintf(fi->dataset, sizeof fi->dataset, "%s", tui_tr(r->app, "all datasets"));
	char err[MENTOR_ERR_LEN];
	char *ds = store_setting_get(r->st, "tui.items.dataset");
	if (!ds) {
		/* Items starts on the first dataset by name. */
		struct store_dataset *list = NULL;
		size_t n = 0;
		if (store_dataset_list(r->st, &list, &n, err) == 0) {
			if (n) {
				fi->f.dataset_id = list[0].id;
				snprintf(fi->dataset, sizeof fi->dataset, "%s", list[0].name);
			}
			for (size_t i = 0; i < n; i++)
				store_dataset_release(&list[i]);
			free(list);
		}
	} else if (ds[0]) {
		struct store_dataset d;
		if (store_dataset_get(r->st, ds, &d, err) == 0) {
			fi->f.dataset_id = d.id;
			snprintf(fi->dataset, sizeof fi->dataset, "%s", d.name);
			store_dataset_release(&d);
		}
	}
	free(ds);
	static const char *const splits[] = {"train", "dev", "test", NULL};
	static const char *const reviews[] = {"pending", "accepted", "rejected", "flagged", "none", NULL};
	static const char *const modes[] = {"cot", "rp", "crop", NULL};
	char *f = store_setting_get(r->st, "tui.items.filter");
	snprintf(fi->filters, sizeof fi->filters, "%s",
		 f ? f : "split:any review:any mode:any result:any leaked:any");
	if (f) {
		char *save = NULL;
		for (char *w = strtok_r(f, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char *c = strchr(w, ':');
			if (!c)
				continue;
			*c++ = '\0';
			const char *v;
			if (!strcmp(w, "split") && (v = word_of(c, splits))) {
				snprintf(fi->split, sizeof fi->split, "%s", v);
				fi->f.split = fi->split;
			} else if (!strcmp(w, "review") && (v = word_of(c, reviews))) {
				snprintf(fi->review, sizeof fi->review, "%s", v);
				fi->f.review = fi->review;
			} else if (!strcmp(w, "mode") && (v = word_of(c, modes))) {
				snprintf(fi->mode, sizeof fi->mode, "%s", v);
				fi->f.mode = fi->mode;
			} else if (!strcmp(w, "result")) {
				fi->f.correct = !strcmp(c, "correct") ? 1 : !strcmp(c, "wrong") ? 0 : -1;
			} else if (!strcmp(w, "leaked")) {
				fi->f.leaked = !strcmp(c, "yes") ? 1 : -1;
			}
		}
		free(f);
	}
	char *q = store_setting_get(r->st, "tui.items.search");
	if (q)
		snprintf(fi->search, sizeof fi->search, "%s", q);
	/* a substring search goes into the SQL filter; a regex needs the
	 * selection (regex_selection) */
	if (fi->search[0] && !store_search_is_regex(fi->search))
		fi->f.search = fi->search;
	free(q);
}

/* The items of the Items filter whose search is a regular expression, as
 * the Items screen lists them (store_item_select). Kept while the settings
 * stay the same, and while no explanation changed when the filter looks at
 * explanations. NULL with the error shown. */
static const struct store_item_selection *regex_selection(struct review *r,
							  const struct ifilter *fi)
{
	char key[1024];
	snprintf(key, sizeof key, "%lld\x1f%s\x1f%s", (long long)fi->f.dataset_id, fi->filters,
		 fi->search);
	if (r->sel_valid && !strcmp(key, r->sel_key))
		return &r->sel;
	store_item_selection_release(&r->sel);
	r->sel_valid = 0;
	char err[MENTOR_ERR_LEN];
	if (store_item_select(r->st, &fi->f, fi->search, 0, &r->sel, err)) {
		store_item_selection_release(&r->sel);
		tui_app_error(r->app, "cannot select the items: %s", err);
		return NULL;
	}
	snprintf(r->sel_key, sizeof r->sel_key, "%s", key);
	r->sel_valid = 1;
	r->sel_dynamic = fi->f.review || fi->f.mode || fi->f.correct >= 0 || fi->f.leaked >= 0;
	return &r->sel;
}

/* First index of ids[0..n) (ascending) holding an id greater than id. */
static size_t after_index(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when the item has no explanation yet or a shown candidate is pending. */
static int unreviewed(struct review *r, int64_t id)
{
	struct store_expl *v = NULL;
	size_t n = 0;
	char err[MENTOR_ERR_LEN];
	if (store_expl_for_item(r->st, id, &v, &n, err))
		return 0;
	const struct store_expl *shown[TUI_REVIEW_NMODES], *att;
	tui_review_pick(v, n, shown, &att);
	int res = n == 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (shown[k] && shown[k]->status && !strcmp(shown[k]->status, "pending"))
			res = 1;
	for (size_t i = 0; i < n; i++)
		store_expl_release(&v[i]);
	free(v);
	return res;
}

/* The next unreviewed item after `after` in the filter order, wrapping
 * around once; 0 if none. */
static int64_t next_unreviewed(struct review *r, int64_t after)
{
	struct ifilter fi;
	items_filter(r, &fi);
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = regex_selection(r, &fi);
		if (!sel || !sel->n)
			return 0;
		size_t start = after_index(sel->ids, sel->n, after);
		for (size_t k = 0; k < sel->n && k < SCAN_MAX; k++) {
			int64_t id = sel->ids[(start + k) % sel->n];
			if (id != after && unreviewed(r, id))
				return id;
		}
		return 0;
	}
	char err[MENTOR_ERR_LEN];
	size_t scanned = 0;
	for (int pass = 0; pass < 2; pass++) {
		int64_t cur = pass == 0 ? after : 0;
		for (;;) {
			struct store_item *rows = NULL;
			size_t n = 0;
			if (store_item_page(r->st, &fi.f, 0, cur, 200, &rows, &n, err)) {
				tui_app_error(r->app, "cannot list items: %s", err);
				return 0;
			}
			int64_t found = 0;
			for (size_t i = 0; i < n; i++) {
				if (!found && (pass == 0 || rows[i].id < after) && rows[i].id != after &&
				    unreviewed(r, rows[i].id))
					found = rows[i].id;
				cur = rows[i].id;
				store_item_release(&rows[i]);
			}
			free(rows);
			scanned += n;
			if (found)
				return found;
			if (n < 200 || scanned >= SCAN_MAX || (pass == 1 && cur >= after))
				break;
		}
		if (after == 0)
			break;
	}
	return 0;
}

/* The item after (dir 1) or before (dir -1) the open one in the filter. */
static int64_t neighbour(struct review *r, int dir)
{
	struct ifilter fi;
	items_filter(r, &fi);
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = regex_selection(r, &fi);
		if (!sel)
			return 0;
		size_t i = after_index(sel->ids, sel->n, r->item_id);
		if (dir > 0)
			return i < sel->n ? sel->ids[i] : 0;
		/* the last id below the open one */
		while (i > 0 && sel->ids[i - 1] >= r->item_id)
			i--;
		return i > 0 ? sel->ids[i - 1] : 0;
	}
	char err[MENTOR_ERR_LEN];
	struct store_item *rows = NULL;
	size_t n = 0;
	int64_t id = 0;
	if (dir > 0) {
		if (store_item_page(r->st, &fi.f, 0, r->item_id, 1, &rows, &n, err))
			goto fail;
	} else {
		int64_t idx = -1;
		if (store_item_index(r->st, &fi.f, r->item_id, &idx, err))
			goto fail;
		if (idx <= 0)
			return 0;
		if (store_item_page(r->st, &fi.f, idx - 1, 0, 1, &rows, &n, err))
			goto fail;
	}
	if (n)
		id = rows[0].id;
	for (size_t i = 0; i < n; i++)
		store_item_release(&rows[i]);
	free(rows);
	return id;
fail:
	tui_app_error(r->app, "cannot list items: %s", err);
	return 0;
}

/* --------------------------------------------------------------- actions */

static const struct store_expl *focused_expl(struct review *r)
{
	if (r->focus == TUI_REVIEW_CROP && r->show_attempt && r->attempt)
		return r->attempt;
	return r->shown[r->focus];
}

static void remember(struct review *r, int64_t expl_id, char kind)
{
	if (r->n_done == UNDO_KEEP) {
		memmove(r->done, r->done + 1, (UNDO_KEEP - 1) * sizeof r->done[0]);
		r->n_done--;
	}
	r->done[r->n_done++] = (struct decision){expl_id, kind};
	if (r->t0 <= 0)
		r->t0 = util_mono();
	if (kind != 'e')
		r->reviewed++;
	if (kind == 'a')
		r->accepted++;
	if (kind == 'x')
		r->rejected++;
}

/* Focus the first pending candidate (else COTE). */
static void focus_pending(struct review *r)
{
	r->focus = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		if (r->shown[k] && r->shown[k]->status && !strcmp(r->shown[k]->status, "pending")) {
			r->focus = k;
			break;
		}
}

static void go_next_unreviewed(struct review *r)
{
	int64_t id = next_unreviewed(r, r->item_id);
	if (!id) {
		tui_app_error(r->app, "no unreviewed item left in the Items filter");
		return;
	}
	if (open_item(r, id) == 0)
		focus_pending(r);
}

/* The kept COTE attempt of CROP is shown for reference only: CROP trains on
 * its final text, which the column's decisions are about. 1 (message shown)
 * when the attempt is on screen. */
static int attempt_read_only(struct review *r, const char *what)
{
	if (!(r->focus == TUI_REVIEW_CROP && r->show_attempt && r->attempt))
		return 0;
	tui_app_error(r->app, "COTE attempt is read-only (o: CROP to %s)", tui_tr(r->app, what));
	return 1;
}

static void decide(struct review *r, const char *action, char kind, int advance)
{
	if (attempt_read_only(r, "decide"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item) {
		tui_app_error(r->app, "no item open: select one in Items (1) and press Enter");
		return;
	}
	if (!e) {
		tui_app_error(r->app, "%s has no explanation yet: press g to generate it",
			      tui_review_label(r->focus));
		return;
	}
	char err[MENTOR_ERR_LEN];
	int64_t id = e->id;
	int rc = store_expl_decide(r->st, id, action, r->reviewer, err);
	if (rc < 0) {
		tui_app_error(r->app, "cannot record the decision: %s", err);
		return;
	}
	if (rc == 1) {
		tui_app_error(r->app, "%s is %s already: nothing recorded",
			      tui_review_label(r->focus),
			      tui_tr(r->app, e->status ? e->status : "?"));
		return;
	}
	remember(r, id, kind);
	load_expl(r);
	if (advance) {
		go_next_unreviewed(r);
		return;
	}
	/* Move on to the next pending candidate to the right, if any: focus
	 * goes forward, never back. */
	for (int k = r->focus + 1; k < TUI_REVIEW_NMODES; k++)
		if (r->shown[k] && r->shown[k]->status && !strcmp(r->shown[k]->status, "pending")) {
			r->focus = k;
			break;
		}
}

static void undo(struct review *r)
{
	char err[MENTOR_ERR_LEN];
	int64_t eid = 0;
	int was_edit = 0;
	int rc = store_decision_undo(r->st, 0, &eid, &was_edit, err);
	if (rc == MENTOR_ENOTFOUND) {
		tui_app_error(r->app, "nothing to undo");
		return;
	}
	if (rc) {
		tui_app_error(r->app, "cannot undo: %s", err);
		return;
	}
	if (r->n_done && r->done[r->n_done - 1].expl_id == eid) {
		char kind = r->done[--r->n_done].kind;
		if (kind != 'e')
			r->reviewed--;
		if (kind == 'a')
			r->accepted--;
		if (kind == 'x')
			r->rejected--;
	}
	struct store_expl e;
	if (store_expl_get(r->st, eid, &e, err)) {
		tui_app_error(r->app, "undone, but cannot show it: %s", err);
		load_expl(r);
		return;
	}
	if (e.item_id != r->item_id)
		open_item(r, e.item_id);
	else
		load_expl(r);
	int k = tui_review_mode_index(e.mode);
	if (k >= 0)
		r->focus = k;
	r->show_attempt = k == TUI_REVIEW_CROP && r->attempt && r->attempt->id == eid;
	if (was_edit)
		tui_app_notice(r->app, "undone: the edit of %s of item %lld; its text is restored",
			      k >= 0 ? tui_review_label(k) : "?", (long long)e.item_id);
	else
		tui_app_notice(r->app, "undone: %s of item %lld is %s again",
			      k >= 0 ? tui_review_label(k) : "?", (long long)e.item_id,
			      tui_tr(r->app, e.status ? e.status : "?"));
	store_expl_release(&e);
}

/* Start generating modes (TEACHER_* mask) for the open item. */
static void generate(struct review *r, unsigned modes)
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
static void scope_clear(struct review *r)
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
		scope_clear(r);
		return;
	}
	memset(&r->bar, 0, sizeof r->bar);
	r->bar.on = 1;
	r->bar.running = 1;
	r->bar.total = (int64_t)n * 3;
	tui_app_notice(r->app, "batch started: %s", r->scope_summary.data ? r->scope_summary.data : "");
}

/* ------------------------------------------------- the batch's estimate */

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
static void est_finish(struct review *r)
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
			tui_app_error(r->app, "batch not started: estimate cancelled, no call made");
		else
			tui_app_error(r->app, "cannot estimate the batch: %s", e->err);
		scope_clear(r);
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
static void est_stop(struct review *r)
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
static void batch_start(struct review *r)
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
	items_filter(r, &fi);
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
	scope_clear(r);
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
		scope_clear(r);
		tui_app_error(r->app, "cannot estimate the batch: no thread");
		return;
	}
	r->est = e;
	r->scope_on = 1;
}

/* The answer to the y/n question of a batch. */
static void batch_answer(struct review *r, int key)
{
	if (key == 'y' || key == 'Y') {
		batch_run(r);
		return;
	}
	scope_clear(r);
	tui_app_error(r->app, "batch not started: no call made");
}

static void bar_update(struct review *r)
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

static void cancel(struct review *r)
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
static void drain(struct review *r)
{
	pthread_mutex_lock(&r->sh.mu);
	r->sh.wake_pending = 0;
	int job_done = r->sh.job_done, batch_done = r->sh.batch_done, touched = r->sh.touched;
	int est_done = r->sh.est_finished;
	r->sh.job_done = r->sh.batch_done = r->sh.touched = 0;
	pthread_mutex_unlock(&r->sh.mu);
	if (est_done)
		est_finish(r);
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
	bar_update(r);
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
		load_expl(r);
}

/* ---------------------------------------------------------------- editor */

/* Run $EDITOR (else vi) on path: an argument vector, never a shell; the
 * terminal is handed over and taken back. 0 or -1 with err. */
static int run_editor(const char *path, char *err)
{
	const char *ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	char words[1024];
	snprintf(words, sizeof words, "%s", ed);
	char *argv[EDITOR_ARGS + 2];
	int argc = 0;
	char *save = NULL;
	for (char *w = strtok_r(words, " \t", &save); w && argc < EDITOR_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	if (!argc)
		return util_err(err, "$EDITOR is empty");
	argv[argc++] = (char *)path;
	argv[argc] = NULL;

	def_prog_mode();
	endwin();
	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int rc = 0;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	if (pid < 0) {
		rc = util_err(err, "cannot start the editor: %s", strerror(errno));
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			rc = util_err(err, "cannot run the editor '%s' (set $EDITOR)", argv[0]);
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = util_err(err, "the editor failed (status %d): nothing saved",
				      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	refresh();
	clearok(curscr, TRUE);
	return rc ? -1 : 0;
}

static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* Finish the item in one key: accept the focused candidate, reject every
 * other shown candidate still pending, then go to the next unreviewed item.
 * Each decision is its own audit row (u undoes them one by one). */
static void keep_only(struct review *r)
{
	if (attempt_read_only(r, "decide"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item || !e) {
		tui_app_error(r->app, "%s has no explanation to keep", tui_review_label(r->focus));
		return;
	}
	char err[MENTOR_ERR_LEN];
	int64_t keep = e->id, item = r->item_id;
	int64_t others[TUI_REVIEW_NMODES];
	int n = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		const struct store_expl *o = r->shown[k];
		if (k != r->focus && o && o->id != keep && o->status && !strcmp(o->status, "pending"))
			others[n++] = o->id;
	}
	int kept = r->focus;
	int rc = store_expl_decide(r->st, keep, "accept", r->reviewer, err);
	if (rc < 0) {
		tui_app_error(r->app, "cannot record the decision: %s", err);
		return;
	}
	if (rc == 0)
		remember(r, keep, 'a');
	int rejected = 0;
	for (int i = 0; i < n; i++) {
		rc = store_expl_decide(r->st, others[i], "reject", r->reviewer, err);
		if (rc < 0) {
			load_expl(r);
			tui_app_error(r->app, "cannot record the decision: %s", err);
			return;
		}
		if (rc == 0) {
			remember(r, others[i], 'x');
			rejected++;
		}
	}
	load_expl(r);
	go_next_unreviewed(r);
	tui_app_notice(r->app,
		       rejected == 1 ? "item %lld: kept %s, rejected %d other"
				     : "item %lld: kept %s, rejected %d others",
		       (long long)item, tui_review_label(kept), rejected);
}

static void edit(struct review *r)
{
	if (attempt_read_only(r, "edit"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item || !e) {
		tui_app_error(r->app, "nothing to edit: generate an explanation first (g)");
		return;
	}
	char err[MENTOR_ERR_LEN];
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/mentor-expl-XXXXXX.txt", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		tui_app_error(r->app, "cannot create a file for the editor: %s", strerror(errno));
		return;
	}
	const char *old = tui_review_text(e);
	size_t oldn = strlen(old);
	int64_t id = e->id;
	size_t off = 0;
	while (off < oldn) {
		ssize_t w = write(fd, old + off, oldn - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int wrote = off == oldn && write(fd, "\n", 1) == 1;
	close(fd);
	if (!wrote) {
		tui_app_error(r->app, "cannot write '%s'", path);
		unlink(path);
		return;
	}
	if (run_editor(path, err)) {
		unlink(path);
		tui_app_error(r->app, "%s", err);
		return;
	}
	size_t len = 0;
	char *text = util_read_file(path, TEACHER_MAX_TEXT, &len, err);
	unlink(path);
	if (!text) {
		tui_app_error(r->app, "cannot read the edited text: %s", err);
		return;
	}
	len = trimmed_len(text, strlen(text));
	text[len] = '\0';
	if (len == trimmed_len(old, oldn) && !memcmp(text, old, len)) {
		free(text);
		tui_app_error(r->app, "no change: nothing saved");
		return;
	}
	if (!len) {
		free(text);
		tui_app_error(r->app, "the edited text is empty: nothing saved");
		return;
	}
	int rc = teacher_edit(r->st, id, text, r->reviewer, err);
	if (rc < 0)
		tui_app_error(r->app, "cannot save the edit: %s", err);
	else if (rc == 0)
		remember(r, id, 'e');
	free(text);
	load_expl(r);
}

/* ------------------------------------------------------------- screen ops */

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
			if (open_item(r, id) == 0)
				focus_pending(r);
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
	est_stop(r);
	teacher_free(r->job);
	teacher_free(r->batch);
	scope_clear(r);
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
	items_filter(r, &fi);
	struct store_review_progress p;
	char err[MENTOR_ERR_LEN];
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = regex_selection(r, &fi);
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
	bar_update(r);
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
			c->live_path = r->sh.live_path[k][0] == 'r' ? "rp" : "cot";
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
	case ACT_GEN: generate(r, 1u << r->focus); break;
	case ACT_GEN_ALL: generate(r, TEACHER_ALL); break;
	case ACT_ACCEPT: decide(r, "accept", 'a', 0); break;
	case ACT_REJECT: decide(r, "reject", 'x', 0); break;
	case ACT_FLAG: decide(r, "flag", 'f', 0); break;
	case ACT_ACCEPT_NEXT: decide(r, "accept", 'a', 1); break;
	case ACT_REJECT_NEXT: decide(r, "reject", 'x', 1); break;
	case ACT_KEEP: keep_only(r); break;
	case ACT_SKIP: go_next_unreviewed(r); break;
	case ACT_NEXT:
	case ACT_PREV: {
		if (!r->have_item) {
			go_next_unreviewed(r);
			break;
		}
		int64_t id = neighbour(r, action == ACT_NEXT ? 1 : -1);
		if (id)
			open_item(r, id);
		else
			tui_app_error(r->app, action == ACT_NEXT ? "no next item in the Items filter"
								 : "no previous item in the Items filter");
		break;
	}
	case ACT_UNDO: undo(r); break;
	case ACT_EDIT: edit(r); break;
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
	case ACT_BATCH: batch_start(r); break;
	case ACT_CANCEL: cancel(r); break;
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
		batch_answer(r, ev->key);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->type == TUI_EV_WAKE) {
		if (ev->code == REVIEW_WAKE_SYNC) {
			/* the estimate first: it may start the batch */
			est_finish(r);
			if (r->job)
				teacher_wait(r->job, SYNC_WAIT_MS);
			if (r->batch)
				teacher_wait(r->batch, SYNC_WAIT_MS);
			drain(r);
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (ev->code == REVIEW_WAKE) {
			drain(r);
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
		drain(r);
}

static void review_resize(void *state, struct tui_app *app, struct tui_rect body)
{
	struct review *r = state;
	r->body = body;
}

static int review_message(void *state, struct tui_app *app, int msg, int64_t arg)
{
	struct review *r = state;
	if (msg == TUI_MSG_OPEN_ITEM && arg > 0 && open_item(r, arg) == 0) {
		focus_pending(r);
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
		{ACT_ACCEPT, "accept"}, {ACT_REJECT, "reject"}, {ACT_SKIP, "skip"},
	};
	tui_app_hints(app, hints, shown, sizeof shown / sizeof shown[0]);
	/* The rate counts from the first decision, over at least a minute. */
	double secs = r->t0 > 0 ? util_mono() - r->t0 : 0;
	if (secs < 60)
		secs = 60;
	if (r->reviewed > 0 && r->t0 > 0)
		buf_printf(counts, tui_tr(app, "%d reviewed: %d acc %d rej %.0f/h"), r->reviewed,
			   r->accepted,
			   r->rejected, r->reviewed * 3600.0 / secs);
	else
		buf_printf(counts, tui_tr(app, "%d reviewed: %d acc %d rej --/h"), r->reviewed,
			   r->accepted,
			   r->rejected);
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
