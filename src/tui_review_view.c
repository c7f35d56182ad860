/* tui_review_view: the pure parts of the Review screen (tui_review.h): the
 * columns' modes, which explanation each column shows, the lines of every
 * pane (item, candidate heads and texts, scope, progress bar, diff), the
 * layout and the composition of the body into a canvas. No terminal and no
 * workspace: tests call them as they are. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/store.h"
#include "tui_review.h"

static const char *const mode_labels[] = {"COTE", "RP", "CROP"};

const char *tui_review_mode(int k)
{
	return k >= 0 && k < TUI_REVIEW_NMODES ? store_mode_name((enum store_mode)k) : NULL;
}

const char *tui_review_label(int k)
{
	return k >= 0 && k < TUI_REVIEW_NMODES ? mode_labels[k] : NULL;
}

int tui_review_mode_index(const char *mode)
{
	return store_mode_parse(mode);
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
		if (v[i].attempt_of == e->id && store_mode_parse(v[i].mode) == STORE_CROP)
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
	size_t line; /* index of the current line in out */
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
		const char *label = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(c, "label"));
		const char *text = cJSON_IsString(c)
					   ? c->valuestring
					   : cJSON_GetStringValue(
						     cJSON_GetObjectItemCaseSensitive(c, "text"));
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
		tui_line_text(l, TUI_ROLE_NORMAL, b.data ? b.data : "", b.len, width - 2, 1,
			      v->utf8);
		buf_release(&b);
	}
	l = tui_lines_add(out);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(v->lang, "Gold answer: "));
	const char *a = it->answer ? it->answer : i18n_text(v->lang, "(none)");
	tui_line_text(l, TUI_ROLE_CORRECT, a, strlen(a), width - l->width, 1, v->utf8);
	if (v->progress && width - l->width > 8) {
		tui_line_put(l, TUI_ROLE_NORMAL, "   ");
		tui_line_text(l, TUI_ROLE_DIM, v->progress, strlen(v->progress), width - l->width,
			      1, v->utf8);
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
			flow_data(&f, TUI_ROLE_ERROR, "", TUI_ROLE_ERROR, c->note, width - 4,
				  v->utf8);
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
				 i18n_text(v->lang, store_mode_parse(p) == STORE_RP
							    ? "path rp fallback"
							    : "path cot"));
			if (c->attempt) {
				struct tui_line ch = {0};
				tui_line_put(&ch, TUI_ROLE_DIM,
					     i18n_text(v->lang, "COTE attempt "));
				tui_line_put(&ch,
					     c->attempt->correct == 1 ? TUI_ROLE_CORRECT
								      : TUI_ROLE_WRONG,
					     c->attempt->correct == 1 ? g->ok : g->bad);
				tui_line_put(&ch, TUI_ROLE_DIM, " ");
				const char *pa = c->attempt->parsed_answer
							 ? c->attempt->parsed_answer
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
			   : cr->verdict == CHECK_NO_STEPS  ? TUI_ROLE_DIM
							    : TUI_ROLE_WRONG;
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
		const char *m =
			c->generating ? i18n_text(v->lang, "waiting for the teacher...")
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
					       : b->cancelled ? "cancelled"
							      : "done");
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
			     i < fill ? (utf8 ? "\xe2\x96\x88" : "#")
				      : (utf8 ? "\xe2\x96\x91" : "."));
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
		int h = total <= rest.h   ? need[k]
			: k == v->focus   ? big
			: need[k] < small ? need[k]
					  : small;
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
		size_t first = v->scope->asking && ls.n > (size_t)r.scope.h
				       ? ls.n - (size_t)r.scope.h
				       : 0;
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
