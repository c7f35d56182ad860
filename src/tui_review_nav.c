/* tui_review_nav: the Review screen's moves over the Items screen's list:
 * the filter and search Items saved in the workspace settings, the regex
 * selection it gives, the next unreviewed item, the next and previous
 * item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_review_int.h"

/* The filter Items saved in the settings: dataset, split, review, mode,
 * result, leaked, and the search as typed (a substring, or re:PATTERN;
 * store_item_select applies either as the Items screen does). */
void tui_review_items_filter(struct review *r, struct ifilter *fi)
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
	/* the one reader of the text Items saves; a word it cannot read stays
	 * at any, as it does on the Items screen */
	char *f = store_setting_get(r->st, "tui.items.filter");
	store_item_filter_parse(&fi->f, f, err);
	store_item_filter_format(&fi->f, fi->filters, sizeof fi->filters);
	free(f);
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
const struct store_item_selection *tui_review_regex_selection(struct review *r,
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
		if (shown[k] && store_review_parse(shown[k]->status) == STORE_REVIEW_PENDING)
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
	tui_review_items_filter(r, &fi);
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = tui_review_regex_selection(r, &fi);
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
				if (!found && (pass == 0 || rows[i].id < after) &&
				    rows[i].id != after && unreviewed(r, rows[i].id))
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
int64_t tui_review_neighbour(struct review *r, int dir)
{
	struct ifilter fi;
	tui_review_items_filter(r, &fi);
	if (store_search_is_regex(fi.search)) {
		const struct store_item_selection *sel = tui_review_regex_selection(r, &fi);
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


void tui_review_go_next_unreviewed(struct review *r)
{
	int64_t id = next_unreviewed(r, r->item_id);
	if (!id) {
		tui_app_error(r->app, "no unreviewed item left in the Items filter");
		return;
	}
	if (tui_review_open_item(r, id) == 0)
		tui_review_focus_pending(r);
}
