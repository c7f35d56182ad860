/* tui_items: the Items screen: datasets, their items in a virtually
 * scrolled list over SQL pages (only the visible window and a small cache
 * are fetched), filters, substring and regex search, and a detail pane with
 * the question, choices, gold answer and rationale and the explanations so
 * far. What each pane shows is a pure function of a view (tests call them);
 * the position and filters are kept in the workspace settings. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/store.h"
#include "tui_int.h"

#define CACHE_MAX 600
#define SUM_UNKNOWN (-2) /* summary not computed yet */

enum {
	ACT_UP = TUI_ACT_SCREEN,
	ACT_DOWN,
	ACT_PGUP,
	ACT_PGDN,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_OPEN,
	ACT_FOCUS,
	ACT_DS_NEXT,
	ACT_DS_PREV,
	ACT_SPLIT,
	ACT_REVIEW,
	ACT_MODE,
	ACT_CORRECT,
	ACT_LEAKED,
	ACT_CLEAR,
	ACT_SEARCH,
	ACT_DETAIL_DOWN,
	ACT_DETAIL_UP,
};

static const struct tui_action_def actions[] = {
	{ACT_UP, "up", "k, Up", "previous item (or scroll the detail up)"},
	{ACT_DOWN, "down", "j, Down", "next item (or scroll the detail down)"},
	{ACT_PGUP, "page_up", "PgUp, C-b", "one page up"},
	{ACT_PGDN, "page_down", "PgDn, C-f, Space", "one page down"},
	{ACT_TOP, "top", "g, Home", "first item"},
	{ACT_BOTTOM, "bottom", "G, End", "last item"},
	{ACT_OPEN, "open", "Enter", "open the item in Review"},
	{ACT_FOCUS, "focus", "Tab, BTab", "focus the list or the detail pane"},
	{ACT_DS_NEXT, "dataset_next", "d, Right", "next dataset (or all datasets)"},
	{ACT_DS_PREV, "dataset_prev", "D, Left", "previous dataset"},
	{ACT_SPLIT, "filter_split", "s", "filter: split (train, dev, test)"},
	{ACT_REVIEW, "filter_review", "r", "filter: review status of explanations"},
	{ACT_MODE, "filter_mode", "e", "filter: explanation mode (cot, rp, crop)"},
	{ACT_CORRECT, "filter_correct", "c", "filter: has a correct / wrong explanation"},
	{ACT_LEAKED, "filter_leaked", "l", "filter: has a leaked explanation"},
	{ACT_CLEAR, "clear_filters", "x", "clear filters and search"},
	{ACT_SEARCH, "search", "/", "search questions (re:PATTERN for a regex)"},
	{ACT_DETAIL_DOWN, "detail_down", "J", "scroll the detail pane down"},
	{ACT_DETAIL_UP, "detail_up", "K", "scroll the detail pane up"},
};

static const char *const split_vals[] = {NULL, "train", "dev", "test"};
/* The review filter: 0 any, 1 + enum store_review, then items with none. */
#define N_REVIEW_VALS (STORE_N_REVIEWS + 2)
/* The mode filter: 0 any, 1 + enum store_mode. */
#define N_MODE_VALS (STORE_N_MODES + 1)
static const char *const correct_vals[] = {NULL, "correct", "wrong"};
static const char *const leaked_vals[] = {NULL, "yes"};
#define NVALS(a) ((int)(sizeof a / sizeof a[0]))

/* The word of a review filter value (NULL for any). */
static const char *review_val(int k)
{
	if (k <= 0)
		return NULL;
	return k <= STORE_N_REVIEWS ? store_review_name((enum store_review)(k - 1)) : "none";
}

static int review_val_parse(const char *v)
{
	int r = store_review_parse(v);
	if (r >= 0)
		return r + 1;
	return v && !strcmp(v, "none") ? N_REVIEW_VALS - 1 : 0;
}

static const char *mode_val(int k)
{
	return k > 0 ? store_mode_name((enum store_mode)(k - 1)) : NULL;
}

struct items {
	struct store *st;
	struct store_dataset *ds;
	size_t n_ds;
	int ds_idx; /* -1: all datasets */
	int split, review, mode, correct, leaked;
	char search[512];
	int re_on;    /* the search is a regular expression (store_item_select) */
	int64_t *ids; /* regex results (item ids), when re_on */
	size_t n_ids;
	int re_capped;
	int64_t count;
	int64_t sel, top;
	struct store_item *cache;
	struct tui_item_summary *sums;
	size_t cache_n;
	int64_t cache_off;
	int64_t expl_item;
	struct store_expl *expl;
	size_t n_expl;
	char expl_note[MENTOR_ERR_LEN];
	int focus;
	int detail_top;
	int detail_lines; /* of the last draw, to bound scrolling */
	int editing;
	struct tui_input input;
	struct tui_rect body;
	int settings_dirty;
};

/* ------------------------------------------------------------ pure view */

void tui_items_layout(struct tui_rect body, struct tui_rect *header, struct tui_rect *list,
		      struct tui_rect *detail)
{
	int lw = body.w / 2;
	if (lw < 30)
		lw = 30;
	if (lw > 70)
		lw = 70;
	if (lw > body.w - 20)
		lw = body.w - 20;
	if (lw < 1)
		lw = 1;
	*header = (struct tui_rect){body.x, body.y, body.w, 1};
	*list = (struct tui_rect){body.x, body.y + 1, lw, body.h - 1};
	/* one column of separator between the panes */
	*detail = (struct tui_rect){body.x + lw + 1, body.y + 1, body.w - lw - 1, body.h - 1};
}

void tui_items_header_lines(const struct tui_items_view *v, int width, struct tui_lines *out)
{
	struct tui_line *l = tui_lines_add(out);
	if (v->editing) {
		tui_entry_line(l, TUI_ROLE_TITLE, i18n_text(v->lang, "Search: "), v->input, width,
			       v->utf8);
		return;
	}
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(v->lang, "Dataset "));
	tui_line_text(l, TUI_ROLE_MATCH, v->dataset, strlen(v->dataset), width / 3, 1, v->utf8);
	if (v->search && *v->search) {
		tui_line_put(l, TUI_ROLE_NORMAL, "  /");
		tui_line_text(l, TUI_ROLE_MATCH, v->search, strlen(v->search), width / 3, 1,
			      v->utf8);
	}
	tui_line_put(l, TUI_ROLE_NORMAL, "  ");
	tui_line_text(l, TUI_ROLE_NORMAL, v->filters, strlen(v->filters), width - l->width, 1,
		      v->utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, width);
}

static void summary_marks(struct tui_line *l, const struct tui_item_summary *s,
			  const struct tui_glyphs *g, int base)
{
	if (!s || s->n <= 0) {
		/* the selection bar stays whole */
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_DIM : base,
			     s && s->n == 0 ? " -  " : "    ");
		return;
	}
	if (s->accepted)
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_ACCEPTED : base, g->accepted);
	else if (s->flagged)
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_FLAGGED : base, g->flagged);
	else if (s->pending)
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_PENDING : base, g->pending);
	else
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_REJECTED : base, g->rejected);
	/* the verdict of the explanations the state describes: one wrong
	 * among them is enough for a cross */
	if (s->shown_wrong)
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_WRONG : base, g->bad);
	else if (s->shown_right)
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_CORRECT : base, g->ok);
	else
		tui_line_put(l, base, " ");
}

void tui_items_list_lines(const struct tui_items_view *v, int width, int height,
			  struct tui_lines *out)
{
	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	if (v->count == 0) {
		struct tui_line *l = tui_lines_add(out);
		tui_line_put(l, TUI_ROLE_DIM, i18n_text(v->lang, " no items"));
		l = tui_lines_add(out);
		tui_line_put(l, TUI_ROLE_DIM,
			     v->filtered || (v->search && *v->search)
				     ? i18n_text(v->lang,
						 " (filters or the search hide them: x clears)")
				     : i18n_text(v->lang, " (import a dataset: mentor import)"));
		return;
	}
	for (int i = 0; i < height; i++) {
		int64_t pos = v->top + i;
		if (pos >= v->count)
			break;
		struct tui_line *l = tui_lines_add(out);
		size_t k = (size_t)i;
		if (k >= v->n_rows) {
			tui_line_put(l, TUI_ROLE_DIM, " ...");
			continue;
		}
		const struct store_item *it = &v->rows[k];
		int selected = pos == v->sel;
		int base = selected ? (v->focus == 0 ? TUI_ROLE_SELECTED : TUI_ROLE_CURSOR)
				    : TUI_ROLE_NORMAL;
		char head[48];
		snprintf(head, sizeof head, "%c%6lld %-5.5s ", selected ? '>' : ' ',
			 (long long)it->id, it->split ? it->split : "");
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_DIM : base, head);
		summary_marks(l, v->sums ? &v->sums[k] : NULL, g, base);
		tui_line_put(l, base, " ");
		const char *q = it->question ? it->question : "";
		tui_line_text(l, base, q, strlen(q), width - l->width, 1, v->utf8);
		if (selected)
			tui_line_pad(l, base, width);
	}
}

static void detail_heading(struct tui_lines *out, const char *title)
{
	tui_lines_add(out);
	tui_line_put(tui_lines_add(out), TUI_ROLE_TITLE, title);
}

static void detail_choices(struct tui_lines *out, const char *json, int width, int utf8)
{
	cJSON *root = cJSON_Parse(json);
	if (!cJSON_IsArray(root)) {
		tui_wrap(out, json, strlen(json), width, 2, TUI_ROLE_NORMAL, 0, utf8);
		cJSON_Delete(root);
		return;
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, root)
	{
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(c, "label");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "text");
		struct buf b;
		buf_init(&b);
		if (buf_printf(&b, "%s. %s", cJSON_IsString(label) ? label->valuestring : "?",
			       cJSON_IsString(text) ? text->valuestring
			       : cJSON_IsString(c)  ? c->valuestring
						    : ""))
			util_oom();
		tui_wrap(out, b.data, b.len, width, 2, TUI_ROLE_NORMAL, 0, utf8);
		buf_release(&b);
	}
	cJSON_Delete(root);
}

void tui_items_detail_lines(const struct tui_items_view *v, int width, struct tui_lines *out)
{
	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	const struct store_item *it = v->detail;
	if (!it) {
		tui_line_put(tui_lines_add(out), TUI_ROLE_DIM,
			     i18n_text(v->lang, "no item selected"));
		return;
	}
	struct tui_line *l = tui_lines_add(out);
	char head[160];
	snprintf(head, sizeof head, i18n_text(v->lang, "Item %lld"), (long long)it->id);
	tui_line_put(l, TUI_ROLE_TITLE, head);
	snprintf(head, sizeof head, "  %s  %s  ", it->split ? it->split : "",
		 it->answer_type ? it->answer_type : "");
	tui_line_put(l, TUI_ROLE_DIM, head);
	if (it->ext_id)
		tui_line_text(l, TUI_ROLE_DIM, it->ext_id, strlen(it->ext_id), width - l->width, 1,
			      v->utf8);
	detail_heading(out, i18n_text(v->lang, "Question"));
	const char *q = it->question ? it->question : "";
	tui_wrap(out, q, strlen(q), width, 2, TUI_ROLE_NORMAL, 0, v->utf8);
	if (it->choices_json && *it->choices_json) {
		detail_heading(out, i18n_text(v->lang, "Choices"));
		detail_choices(out, it->choices_json, width, v->utf8);
	}
	tui_lines_add(out);
	l = tui_lines_add(out);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(v->lang, "Gold answer: "));
	const char *a = it->answer ? it->answer : "";
	tui_line_text(l, TUI_ROLE_CORRECT, a, strlen(a), width - l->width, 1, v->utf8);
	if (it->gold_rationale && *it->gold_rationale) {
		detail_heading(out, i18n_text(v->lang, "Gold rationale"));
		tui_wrap(out, it->gold_rationale, strlen(it->gold_rationale), width, 2,
			 TUI_ROLE_NORMAL, 0, v->utf8);
	}
	char t[64];
	snprintf(t, sizeof t, i18n_text(v->lang, "Explanations (%zu)"), v->n_expl);
	detail_heading(out, v->expl_note ? i18n_text(v->lang, "Explanations") : t);
	if (v->expl_note) {
		tui_wrap(out, v->expl_note, strlen(v->expl_note), width, 2, TUI_ROLE_DIM, 0,
			 v->utf8);
		return;
	}
	if (!v->n_expl) {
		const char *none = i18n_text(v->lang,
					     "none yet: press Enter to open the item in Review");
		tui_wrap(out, none, strlen(none), width, 2, TUI_ROLE_DIM, 0, v->utf8);
		return;
	}
	for (size_t i = 0; i < v->n_expl; i++) {
		const struct store_expl *e = &v->expl[i];
		l = tui_lines_add(out);
		int role;
		const char *sg = tui_status_glyph(g, e->status, &role, NULL);
		tui_line_put(l, TUI_ROLE_NORMAL, "  ");
		tui_line_put(l, role, sg);
		tui_line_put(l, TUI_ROLE_NORMAL, " ");
		if (e->correct == 1)
			tui_line_put(l, TUI_ROLE_CORRECT, g->ok);
		else if (e->correct == 0)
			tui_line_put(l, TUI_ROLE_WRONG, g->bad);
		else
			tui_line_put(l, TUI_ROLE_DIM, g->unknown);
		char info[256];
		snprintf(info, sizeof info, i18n_text(v->lang, " %s%s%s  %s  answer %s"),
			 e->mode ? e->mode : "?",
			 e->path && e->mode && strcmp(e->path, e->mode) ? "/" : "",
			 e->path && e->mode && strcmp(e->path, e->mode) ? e->path : "",
			 e->model ? e->model : "",
			 e->parsed_answer ? e->parsed_answer : i18n_text(v->lang, "(none)"));
		tui_line_text(l, TUI_ROLE_TITLE, info, strlen(info), width - l->width - 5, 1,
			      v->utf8);
		if (e->leaked == 1) {
			tui_line_put(l, TUI_ROLE_NORMAL, " ");
			tui_line_put(l, TUI_ROLE_LEAKED, g->leaked);
		}
		const char *text = e->edited_text ? e->edited_text : e->text ? e->text : "";
		tui_wrap(out, text, strlen(text), width, 4, TUI_ROLE_NORMAL, 0, v->utf8);
	}
}

void tui_items_render(const struct tui_items_view *v, struct tui_canvas *cv, struct tui_rect body)
{
	struct tui_rect hr, lr, dr;
	tui_items_layout(body, &hr, &lr, &dr);
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_items_header_lines(v, hr.w, &ls);
	tui_canvas_lines(cv, hr, &ls, 0, TUI_ROLE_NORMAL);
	if (v->editing && ls.n) /* the cursor cell ends the entry */
		tui_canvas_cursor(cv, hr.x + tui_line_role_x(&ls.v[0], TUI_ROLE_SELECTED), hr.y);
	tui_lines_release(&ls);

	tui_lines_init(&ls);
	tui_items_list_lines(v, lr.w, lr.h, &ls);
	tui_canvas_lines(cv, lr, &ls, 0, TUI_ROLE_NORMAL);
	tui_lines_release(&ls);

	const struct tui_glyphs *g = tui_glyphs_get(v->utf8);
	for (int y = lr.y; y < lr.y + lr.h; y++)
		tui_canvas_put(cv, lr.x + lr.w, y, 1, TUI_ROLE_BORDER, g->vline);

	tui_lines_init(&ls);
	tui_items_detail_lines(v, dr.w - 1, &ls);
	size_t first = v->detail_top > 0 ? (size_t)v->detail_top : 0;
	if (first >= ls.n)
		first = ls.n ? ls.n - 1 : 0;
	struct tui_rect inner = {dr.x + 1, dr.y, dr.w - 1, dr.h};
	tui_canvas_fill(cv, (struct tui_rect){dr.x, dr.y, 1, dr.h}, TUI_ROLE_NORMAL);
	tui_canvas_lines(cv, inner, &ls, first, TUI_ROLE_NORMAL);
	if (first > 0)
		tui_canvas_put(cv, dr.x + dr.w - 1, dr.y, 1, TUI_ROLE_DIM, g->more_up);
	if (ls.n > first + (size_t)dr.h)
		tui_canvas_put(cv, dr.x + dr.w - 1, dr.y + dr.h - 1, 1, TUI_ROLE_DIM, g->more_down);
	tui_lines_release(&ls);
}

/* ------------------------------------------------------------- state */

static void cache_clear(struct items *s)
{
	for (size_t i = 0; i < s->cache_n; i++)
		store_item_release(&s->cache[i]);
	free(s->cache);
	free(s->sums);
	s->cache = NULL;
	s->sums = NULL;
	s->cache_n = 0;
	s->cache_off = 0;
}

static void expl_clear(struct items *s)
{
	for (size_t i = 0; i < s->n_expl; i++)
		store_expl_release(&s->expl[i]);
	free(s->expl);
	s->expl = NULL;
	s->n_expl = 0;
	s->expl_item = 0;
	s->expl_note[0] = '\0';
}

static void make_filter(const struct items *s, struct store_item_filter *f, int with_search)
{
	store_item_filter_init(f);
	f->dataset_id = s->ds_idx >= 0 && (size_t)s->ds_idx < s->n_ds ? s->ds[s->ds_idx].id : 0;
	f->split = split_vals[s->split];
	f->review = review_val(s->review);
	f->mode = mode_val(s->mode);
	f->correct = s->correct == 1 ? 1 : s->correct == 2 ? 0 : -1;
	f->leaked = s->leaked ? 1 : -1;
	if (with_search && s->search[0] && !s->re_on)
		f->search = s->search;
}

static int list_height(const struct items *s)
{
	int h = s->body.h - 1;
	return h < 1 ? 1 : h;
}

void tui_items_summarize(const struct store_expl *e, size_t n, struct tui_item_summary *sum)
{
	memset(sum, 0, sizeof *sum);
	sum->n = (int)n;
	for (size_t i = 0; i < n; i++) {
		int r = store_review_parse(e[i].status);
		sum->accepted += r == STORE_REVIEW_ACCEPTED;
		sum->rejected += r == STORE_REVIEW_REJECTED;
		sum->flagged += r == STORE_REVIEW_FLAGGED;
		sum->pending += r == STORE_REVIEW_PENDING;
		sum->correct += e[i].correct == 1;
		sum->wrong += e[i].correct == 0;
		sum->leaked += e[i].leaked == 1;
	}
	int shown = STORE_REVIEW_REJECTED;
	if (sum->accepted)
		shown = STORE_REVIEW_ACCEPTED;
	else if (sum->flagged)
		shown = STORE_REVIEW_FLAGGED;
	else if (sum->pending)
		shown = STORE_REVIEW_PENDING;
	for (size_t i = 0; i < n; i++) {
		if (store_review_parse(e[i].status) != shown)
			continue;
		sum->shown_right += e[i].correct == 1;
		sum->shown_wrong += e[i].correct == 0;
	}
}

static void summarize(struct store *st, const struct store_item *it, struct tui_item_summary *sum)
{
	struct store_expl *e = NULL;
	size_t n = 0;
	char err[MENTOR_ERR_LEN];
	if (store_expl_for_item(st, it->id, &e, &n, err)) {
		memset(sum, 0, sizeof *sum);
		sum->n = -1;
		return;
	}
	tui_items_summarize(e, n, sum);
	for (size_t i = 0; i < n; i++)
		store_expl_release(&e[i]);
	free(e);
}

static const struct store_item *row_at(const struct items *s, int64_t pos)
{
	if (pos < s->cache_off || pos >= s->cache_off + (int64_t)s->cache_n)
		return NULL;
	return &s->cache[pos - s->cache_off];
}

/* Make sure rows [top, top + height) are in the cache. */
static void ensure_rows(struct items *s, struct tui_app *app)
{
	int h = list_height(s);
	int64_t want_end = s->top + h;
	if (want_end > s->count)
		want_end = s->count;
	if (s->top >= s->cache_off && want_end <= s->cache_off + (int64_t)s->cache_n)
		return;
	int limit = 3 * h;
	if (limit > CACHE_MAX)
		limit = CACHE_MAX;
	int64_t start, after = 0;
	const struct store_item *prev = s->re_on ? NULL : row_at(s, s->top - 1);
	if (prev && s->top + h > s->cache_off + (int64_t)s->cache_n) {
		/* Scrolling down past the cache: keyset paging from the row
		 * before the top, fast at any depth. */
		start = s->top;
		after = prev->id;
	} else if (s->top < s->cache_off) {
		start = s->top - (limit - h); /* scrolling up: keep rows above */
	} else {
		start = s->top - h;
	}
	if (start < 0)
		start = 0;
	cache_clear(s);
	char err[MENTOR_ERR_LEN];
	struct store_item *rows = NULL;
	size_t n = 0;
	if (s->re_on) {
		size_t end = (size_t)start + (size_t)limit;
		if (end > s->n_ids)
			end = s->n_ids;
		size_t cnt = end > (size_t)start ? end - (size_t)start : 0;
		rows = calloc(cnt ? cnt : 1, sizeof *rows);
		if (!rows)
			util_oom();
		for (size_t i = 0; i < cnt; i++) {
			if (store_item_get(s->st, s->ids[(size_t)start + i], &rows[n], err)) {
				tui_app_error(app, "%s", err);
				break;
			}
			n++;
		}
	} else {
		struct store_item_filter f;
		make_filter(s, &f, 1);
		if (store_item_page(s->st, &f, start, after, limit, &rows, &n, err)) {
			tui_app_error(app, "cannot list items: %s", err);
			return;
		}
	}
	s->cache = rows;
	s->cache_n = n;
	s->cache_off = start;
	s->sums = calloc(n ? n : 1, sizeof *s->sums);
	if (!s->sums)
		util_oom();
	/* Summaries are computed when a row first becomes visible. */
	for (size_t i = 0; i < n; i++)
		s->sums[i].n = SUM_UNKNOWN;
}

static void ensure_summaries(struct items *s)
{
	int h = list_height(s);
	for (int64_t pos = s->top; pos < s->top + h; pos++) {
		if (pos < s->cache_off || pos >= s->cache_off + (int64_t)s->cache_n)
			continue;
		size_t k = (size_t)(pos - s->cache_off);
		if (s->sums[k].n == SUM_UNKNOWN)
			summarize(s->st, &s->cache[k], &s->sums[k]);
	}
}

static void clamp(struct items *s)
{
	int h = list_height(s);
	if (s->sel >= s->count)
		s->sel = s->count - 1;
	if (s->sel < 0)
		s->sel = 0;
	if (s->top > s->sel)
		s->top = s->sel;
	if (s->sel >= s->top + h)
		s->top = s->sel - h + 1;
	if (s->top > s->count - h)
		s->top = s->count - h;
	if (s->top < 0)
		s->top = 0;
}

/* The regex search: the same selection Review's batch runs
 * (store_item_select). A pattern that does not compile is reported and the
 * search dropped. */
static void run_regex(struct items *s, struct tui_app *app)
{
	free(s->ids);
	s->ids = NULL;
	s->n_ids = 0;
	s->re_capped = 0;
	struct store_item_filter f;
	make_filter(s, &f, 0);
	struct store_item_selection sel;
	char err[MENTOR_ERR_LEN];
	int rc = store_item_select(s->st, &f, s->search, 0, &sel, err);
	if (rc == MENTOR_EUSAGE) {
		tui_app_error(app, "%s", err);
		s->search[0] = '\0';
		s->re_on = 0;
	} else if (rc) {
		tui_app_error(app, "cannot search: %s", err);
	}
	s->ids = sel.ids;
	s->n_ids = sel.n;
	s->re_capped = sel.capped;
	s->count = (int64_t)s->n_ids;
}

/* Re-query after a change of dataset, filter or search; keeps the selected
 * item when it still matches. */
static void refresh(struct items *s, struct tui_app *app, int64_t keep_id)
{
	cache_clear(s);
	expl_clear(s);
	char err[MENTOR_ERR_LEN];
	s->re_on = store_search_is_regex(s->search);
	if (s->re_on)
		run_regex(s, app);
	if (!s->re_on) {
		struct store_item_filter f;
		make_filter(s, &f, 1);
		if (store_item_count(s->st, &f, &s->count, err)) {
			tui_app_error(app, "cannot count items: %s", err);
			s->count = 0;
		}
	}
	s->sel = 0;
	if (keep_id > 0) {
		if (s->re_on) {
			for (size_t i = 0; i < s->n_ids; i++)
				if (s->ids[i] == keep_id)
					s->sel = (int64_t)i;
		} else {
			struct store_item_filter f;
			make_filter(s, &f, 1);
			int64_t idx;
			if (store_item_index(s->st, &f, keep_id, &idx, err) == 0 && idx >= 0)
				s->sel = idx;
		}
	}
	s->top = s->sel - list_height(s) / 2;
	s->detail_top = 0;
	clamp(s);
	s->settings_dirty = 1;
}

static void save_settings(struct items *s, struct tui_app *app);

/* A new dataset, filter or search: refresh, and save it at once (not at the
 * next idle moment), since Review's navigation and batch read it from the
 * settings and the next key may already be theirs. */
static void refilter(struct items *s, struct tui_app *app, int64_t keep_id)
{
	refresh(s, app, keep_id);
	save_settings(s, app);
}

/* Id of the selected item (0 if none); loads its page when needed, e.g.
 * when keys arrive before the screen was ever drawn. */
static int64_t selected_id(struct items *s, struct tui_app *app)
{
	ensure_rows(s, app);
	const struct store_item *it = row_at(s, s->sel);
	return it ? it->id : 0;
}

static void load_expl(struct items *s, int64_t id, int lang)
{
	if (s->expl_item == id)
		return;
	expl_clear(s);
	s->expl_item = id;
	if (!id)
		return;
	char err[MENTOR_ERR_LEN];
	if (store_expl_for_item(s->st, id, &s->expl, &s->n_expl, err)) {
		snprintf(s->expl_note, sizeof s->expl_note,
			 i18n_text(lang, "explanations not available: %.400s"), err);
		s->expl = NULL;
		s->n_expl = 0;
	}
}

/* ------------------------------------------------------------ settings */

static const char *K_DS = "tui.items.dataset", *K_ITEM = "tui.items.item",
		  *K_FILTER = "tui.items.filter", *K_SEARCH = "tui.items.search";

/* Index of v in vals[1..n), 0 (any) for NULL or another value. */
static int val_index(const char *const *vals, int n, const char *v)
{
	for (int i = 1; i < n && v; i++)
		if (!strcmp(vals[i], v))
			return i;
	return 0;
}

/* The filters as saved: the store's text form, which Review reads too. */
static void filter_text(const struct items *s, char *buf, size_t n)
{
	struct store_item_filter f;
	make_filter(s, &f, 0);
	store_item_filter_format(&f, buf, n);
}

/* The filters as the header shows them, in the UI language (the saved
 * form, filter_text, stays English). */
static void filter_label(const struct items *s, int lang, char *buf, size_t n)
{
	const char *any = i18n_text(lang, "any");
	snprintf(buf, n, i18n_text(lang, "split:%s review:%s mode:%s result:%s leaked:%s"),
		 s->split ? split_vals[s->split] : any,
		 s->review ? i18n_text(lang, review_val(s->review)) : any,
		 s->mode ? mode_val(s->mode) : any,
		 s->correct ? i18n_text(lang, correct_vals[s->correct]) : any,
		 s->leaked ? i18n_text(lang, leaked_vals[1]) : any);
}

static void restore_settings(struct items *s)
{
	char *ds = store_setting_get(s->st, K_DS);
	if (ds) {
		if (!ds[0])
			s->ds_idx = -1; /* all datasets */
		for (size_t i = 0; i < s->n_ds; i++)
			if (!strcmp(s->ds[i].name, ds))
				s->ds_idx = (int)i;
		free(ds);
	}
	char *f = store_setting_get(s->st, K_FILTER);
	if (f) {
		/* a word the store cannot read stays at any */
		struct store_item_filter flt;
		char err[MENTOR_ERR_LEN];
		store_item_filter_init(&flt);
		store_item_filter_parse(&flt, f, err);
		s->split = val_index(split_vals, NVALS(split_vals), flt.split);
		s->review = review_val_parse(flt.review);
		s->mode = store_mode_parse(flt.mode) + 1; /* unknown: 0, any */
		s->correct = flt.correct == 1 ? 1 : flt.correct == 0 ? 2 : 0;
		s->leaked = flt.leaked == 1;
		free(f);
	}
	char *q = store_setting_get(s->st, K_SEARCH);
	if (q) {
		snprintf(s->search, sizeof s->search, "%s", q);
		free(q);
	}
}

static void save_settings(struct items *s, struct tui_app *app)
{
	char err[MENTOR_ERR_LEN], fbuf[256], idbuf[32];
	filter_text(s, fbuf, sizeof fbuf);
	int64_t id = selected_id(s, app);
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	const char *ds = s->ds_idx >= 0 && (size_t)s->ds_idx < s->n_ds ? s->ds[s->ds_idx].name : "";
	if (store_begin(s->st, err))
		goto fail;
	if (store_setting_set(s->st, K_DS, ds, err) ||
	    store_setting_set(s->st, K_FILTER, fbuf, err) ||
	    store_setting_set(s->st, K_SEARCH, s->search, err) ||
	    (id && store_setting_set(s->st, K_ITEM, idbuf, err))) {
		store_rollback(s->st);
		goto fail;
	}
	if (store_commit(s->st, err))
		goto fail;
	s->settings_dirty = 0;
	return;
fail:
	s->settings_dirty = 0; /* do not retry on every frame */
	tui_app_error(app, "cannot save the position: %s", err);
}

/* ------------------------------------------------------------ screen ops */

static int items_create(struct tui_app *app, void **state, char *err)
{
	struct items *s = calloc(1, sizeof *s);
	if (!s)
		util_oom();
	s->st = tui_app_store(app);
	s->ds_idx = -1;
	s->body = (struct tui_rect){0, 1, TUI_MIN_W, TUI_MIN_H - 2};
	if (store_dataset_list(s->st, &s->ds, &s->n_ds, err)) {
		free(s);
		return MENTOR_ERR;
	}
	if (s->n_ds)
		s->ds_idx = 0;
	restore_settings(s);
	int64_t keep = 0;
	char *id = store_setting_get(s->st, K_ITEM);
	if (id) {
		long v;
		if (!util_parse_long(id, 0, 0x7fffffffffffffffL, &v))
			keep = v;
		free(id);
	}
	refresh(s, app, keep);
	s->settings_dirty = 0;
	*state = s;
	return 0;
}

static void items_destroy(void *state)
{
	struct items *s = state;
	if (!s)
		return;
	cache_clear(s);
	expl_clear(s);
	free(s->ids);
	for (size_t i = 0; i < s->n_ds; i++)
		store_dataset_release(&s->ds[i]);
	free(s->ds);
	free(s);
}

static void items_resize(void *state, struct tui_app *app, struct tui_rect body)
{
	struct items *s = state;
	s->body = body;
	clamp(s);
}

static void fill_view(struct items *s, struct tui_app *app, struct tui_items_view *v, char *dsbuf,
		      size_t dsn, char *fbuf, size_t fn)
{
	ensure_rows(s, app);
	ensure_summaries(s);
	const struct store_item *cur = row_at(s, s->sel);
	load_expl(s, cur ? cur->id : 0, tui_app_lang(app));
	if (s->ds_idx >= 0 && (size_t)s->ds_idx < s->n_ds)
		snprintf(dsbuf, dsn, "%s (%d/%zu)", s->ds[s->ds_idx].name, s->ds_idx + 1, s->n_ds);
	else
		snprintf(dsbuf, dsn, tui_tr(app, "all datasets (%zu)"), s->n_ds);
	filter_label(s, tui_app_lang(app), fbuf, fn);
	memset(v, 0, sizeof *v);
	v->lang = tui_app_lang(app);
	v->dataset = dsbuf;
	v->filters = fbuf;
	v->search = s->search;
	v->filtered = s->split || s->review || s->mode || s->correct || s->leaked || s->search[0];
	v->editing = s->editing;
	v->input = s->input.text;
	v->count = s->count;
	v->sel = s->sel;
	v->top = s->top;
	const struct store_item *first = row_at(s, s->top);
	if (first) {
		v->rows = first;
		v->sums = s->sums + (s->top - s->cache_off);
		v->n_rows = s->cache_n - (size_t)(s->top - s->cache_off);
	}
	v->detail = cur;
	v->expl = s->expl;
	v->n_expl = s->n_expl;
	v->expl_note = s->expl_note[0] ? s->expl_note : NULL;
	v->focus = s->focus;
	v->detail_top = s->detail_top;
	v->utf8 = tui_app_utf8(app);
}

static void items_draw(void *state, struct tui_app *app, struct tui_canvas *cv,
		       struct tui_rect body)
{
	struct items *s = state;
	s->body = body;
	clamp(s);
	struct tui_items_view v;
	char dsbuf[160], fbuf[256];
	fill_view(s, app, &v, dsbuf, sizeof dsbuf, fbuf, sizeof fbuf);
	tui_items_render(&v, cv, body);
}

static void move_sel(struct items *s, int64_t delta)
{
	s->sel += delta;
	s->detail_top = 0;
	clamp(s);
	s->settings_dirty = 1;
}

static void detail_scroll(struct items *s, int delta)
{
	s->detail_top += delta;
	if (s->detail_top < 0)
		s->detail_top = 0;
	if (s->detail_top > 10000)
		s->detail_top = 10000;
}

static int cycle(int v, int n, int dir)
{
	return ((v + dir) % n + n) % n;
}

static int items_action(void *state, struct tui_app *app, int action)
{
	struct items *s = state;
	int h = list_height(s);
	int64_t keep = selected_id(s, app);
	switch (action) {
	case ACT_UP:
		if (s->focus == 1)
			detail_scroll(s, -1);
		else
			move_sel(s, -1);
		break;
	case ACT_DOWN:
		if (s->focus == 1)
			detail_scroll(s, 1);
		else
			move_sel(s, 1);
		break;
	case ACT_PGUP:
		if (s->focus == 1)
			detail_scroll(s, -h);
		else
			move_sel(s, -h);
		break;
	case ACT_PGDN:
		if (s->focus == 1)
			detail_scroll(s, h);
		else
			move_sel(s, h);
		break;
	case ACT_TOP: move_sel(s, -s->count); break;
	case ACT_BOTTOM: move_sel(s, s->count); break;
	case ACT_DETAIL_DOWN: detail_scroll(s, 3); break;
	case ACT_DETAIL_UP: detail_scroll(s, -3); break;
	case ACT_FOCUS: s->focus = !s->focus; break;
	case ACT_OPEN:
		if (!keep) {
			tui_app_error(app, "no item selected");
			break;
		}
		tui_app_open(app, 2, TUI_MSG_OPEN_ITEM, keep);
		break;
	case ACT_DS_NEXT:
	case ACT_DS_PREV: {
		int n = (int)s->n_ds + 1; /* the datasets and "all" (-1) */
		s->ds_idx = cycle(s->ds_idx + 1, n, action == ACT_DS_NEXT ? 1 : -1) - 1;
		refilter(s, app, 0);
		break;
	}
	case ACT_SPLIT:
		s->split = cycle(s->split, NVALS(split_vals), 1);
		refilter(s, app, keep);
		break;
	case ACT_REVIEW:
		s->review = cycle(s->review, N_REVIEW_VALS, 1);
		refilter(s, app, keep);
		break;
	case ACT_MODE:
		s->mode = cycle(s->mode, N_MODE_VALS, 1);
		refilter(s, app, keep);
		break;
	case ACT_CORRECT:
		s->correct = cycle(s->correct, NVALS(correct_vals), 1);
		refilter(s, app, keep);
		break;
	case ACT_LEAKED:
		s->leaked = cycle(s->leaked, NVALS(leaked_vals), 1);
		refilter(s, app, keep);
		break;
	case ACT_CLEAR:
		s->split = s->review = s->mode = s->correct = s->leaked = 0;
		s->search[0] = '\0';
		refilter(s, app, keep);
		break;
	case ACT_SEARCH:
		s->editing = 1;
		tui_input_set(&s->input, s->search);
		break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int items_event(void *state, struct tui_app *app, const struct tui_event *ev,
		       struct tui_rect body)
{
	struct items *s = state;
	if (ev->type == TUI_EV_KEY && s->editing) {
		if (ev->key == TUI_KEY_ENTER) {
			s->editing = 0;
			snprintf(s->search, sizeof s->search, "%s", s->input.text);
			refilter(s, app, selected_id(s, app));
		} else if (ev->key == TUI_KEY_ESC) {
			s->editing = 0;
		} else {
			tui_input_key(&s->input, ev->key);
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->type != TUI_EV_MOUSE)
		return 0;
	struct tui_rect hr, lr, dr;
	tui_items_layout(body, &hr, &lr, &dr);
	int in_list = ev->x >= lr.x && ev->x < lr.x + lr.w && ev->y >= lr.y && ev->y < lr.y + lr.h;
	int in_detail = ev->x >= dr.x && ev->x < dr.x + dr.w && ev->y >= dr.y &&
			ev->y < dr.y + dr.h;
	if (ev->button == TUI_MOUSE_CLICK) {
		if (in_list) {
			s->focus = 0;
			int64_t pos = s->top + (ev->y - lr.y);
			if (pos < s->count)
				move_sel(s, pos - s->sel);
		} else if (in_detail) {
			s->focus = 1;
		} else if (ev->y == hr.y) {
			items_action(s, app, ACT_DS_NEXT);
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	int dir = ev->button == TUI_MOUSE_WHEEL_UP ? -1 : 1;
	if (in_detail)
		detail_scroll(s, 3 * dir);
	else
		move_sel(s, 3 * dir);
	return TUI_HANDLED | TUI_REDRAW;
}

static void items_status(void *state, struct tui_app *app, struct tui_line *hints,
			 struct buf *counts)
{
	struct items *s = state;
	if (s->editing) {
		tui_entry_hints(hints, "search", "re:PATTERN for a regex", tui_app_lang(app));
		return;
	}
	static const struct tui_hint shown[] = {
		{ACT_SEARCH, "search"},   {ACT_SPLIT, "split"}, {ACT_REVIEW, "review"},
		{ACT_DS_NEXT, "dataset"}, {ACT_OPEN, "open"},
	};
	tui_app_hints(app, hints, shown, sizeof shown / sizeof shown[0]);
	if (s->count)
		buf_printf(counts, tui_app_text(app, I18N_TUI_ITEM_OF), (long long)s->sel + 1,
			   (long long)s->count);
	else
		buf_puts(counts, tui_app_text(app, I18N_TUI_NO_ITEMS));
	if (s->re_capped)
		buf_printf(counts, tui_tr(app, " (regex scanned %d)"), STORE_SEARCH_SCAN_MAX);
}

/* Back on this screen: explanations may have been reviewed or generated
 * elsewhere, so counts, markers and the detail are fetched again (the
 * selected item and its place on the screen stay). */
static int items_message(void *state, struct tui_app *app, int msg, int64_t arg)
{
	struct items *s = state;
	if (msg != TUI_MSG_SHOWN)
		return 0;
	/* A regex search is run again too: its list is the selection Review's
	 * batch would run now (review and result filters follow decisions). */
	int64_t keep = selected_id(s, app);
	int64_t offset = s->sel - s->top;
	int detail_top = s->detail_top;
	refresh(s, app, keep);
	int64_t now = selected_id(s, app);
	if (keep && now == keep) {
		s->top = s->sel - offset;
		s->detail_top = detail_top;
		clamp(s);
	}
	s->settings_dirty = now != keep;
	return TUI_REDRAW;
}

static void items_idle(void *state, struct tui_app *app)
{
	struct items *s = state;
	if (!s->settings_dirty)
		return;
	/* The selected row must be loaded to know its id. */
	ensure_rows(s, app);
	save_settings(s, app);
}

const struct tui_screen_ops tui_items_screen = {
	.number = 1,
	.title = "Items",
	.actions = actions,
	.n_actions = sizeof actions / sizeof actions[0],
	.create = items_create,
	.destroy = items_destroy,
	.draw = items_draw,
	.action = items_action,
	.event = items_event,
	.resize = items_resize,
	.status = items_status,
	.message = items_message,
	.idle = items_idle,
};
