/* store_item: datasets and items. Item writes reuse statements cached on the
 * connection so that a bulk import is one prepared statement stepped per
 * record; item listings page by id (keyset) so that the Items screen stays
 * fast at any depth of a large dataset. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* regcomp */
#endif
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store_stmt_cached(struct store *st, int slot, const char *sql, sqlite3_stmt **stmt, char *err)
{
	if (slot < 0 || slot >= STORE_STMT_N)
		return util_err(err, "no statement slot %d", slot);
	if (!st->stmt[slot]) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[slot],
				       NULL) != SQLITE_OK) {
			st->stmt[slot] = NULL;
			return store_fail(st, err, "cannot prepare query");
		}
	} else {
		sqlite3_reset(st->stmt[slot]);
		sqlite3_clear_bindings(st->stmt[slot]);
	}
	*stmt = st->stmt[slot];
	return 0;
}

/* ---------------------------------------------------------------- datasets */

void store_dataset_release(struct store_dataset *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->source);
	free(d->format);
	free(d->source_hash);
	memset(d, 0, sizeof *d);
}

#define DATASET_COLS                                                                               \
	"d.id, d.name, d.source, d.format, d.source_hash, d.created_at,"                           \
	" (SELECT count(*) FROM item WHERE dataset_id = d.id AND split = 'train'),"                \
	" (SELECT count(*) FROM item WHERE dataset_id = d.id AND split = 'dev'),"                  \
	" (SELECT count(*) FROM item WHERE dataset_id = d.id AND split = 'test')"

static void dataset_from_row(sqlite3_stmt *s, void *out)
{
	struct store_dataset *d = out;
	d->id = sqlite3_column_int64(s, 0);
	d->name = store_col_text(s, 1);
	d->source = store_col_text(s, 2);
	d->format = store_col_text(s, 3);
	d->source_hash = store_col_text(s, 4);
	d->created_at = sqlite3_column_int64(s, 5);
	d->n_train = sqlite3_column_int64(s, 6);
	d->n_dev = sqlite3_column_int64(s, 7);
	d->n_test = sqlite3_column_int64(s, 8);
}

/* Step a one-row lookup: 0 with d filled, MENTOR_ENOTFOUND, or MENTOR_ERR. */
static int dataset_one(struct store *st, sqlite3_stmt *s, struct store_dataset *d, const char *what,
		       char *err)
{
	memset(d, 0, sizeof *d);
	int rc = sqlite3_step(s);
	int ret;
	if (rc == SQLITE_ROW) {
		dataset_from_row(s, d);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = MENTOR_ENOTFOUND;
		util_err(err, "no dataset %s", what);
	} else {
		ret = store_fail(st, err, "cannot read dataset");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_dataset_get(struct store *st, const char *name, struct store_dataset *d, char *err)
{
	sqlite3_stmt *s;
	memset(d, 0, sizeof *d);
	if (store_prepare(st, "SELECT " DATASET_COLS " FROM dataset d WHERE d.name = ?1", &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, name);
	char what[300];
	snprintf(what, sizeof what, "'%s'", name);
	return dataset_one(st, s, d, what, err);
}

int store_dataset_get_id(struct store *st, int64_t id, struct store_dataset *d, char *err)
{
	sqlite3_stmt *s;
	memset(d, 0, sizeof *d);
	if (store_prepare(st, "SELECT " DATASET_COLS " FROM dataset d WHERE d.id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	char what[300];
	snprintf(what, sizeof what, "with id %lld", (long long)id);
	return dataset_one(st, s, d, what, err);
}

static void release_dataset(void *d)
{
	store_dataset_release(d);
}

int store_dataset_list(struct store *st, struct store_dataset **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st, "SELECT " DATASET_COLS " FROM dataset d ORDER BY d.name", &s, err))
		return MENTOR_ERR;
	void *v;
	int rc = store_rows(st, s, sizeof **out, dataset_from_row, release_dataset,
			    "cannot list datasets", &v, n, err);
	*out = v;
	return rc;
}

int store_dataset_upsert(struct store *st, const char *name, const char *source, const char *format,
			 const char *source_hash, int64_t *id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO dataset(name, source, format, source_hash, created_at) "
			  "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET "
			  "source = excluded.source, format = excluded.format, "
			  "source_hash = excluded.source_hash RETURNING id",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, name);
	store_bind_text(s, 2, source ? source : "");
	store_bind_text(s, 3, format ? format : "generic");
	store_bind_text(s, 4, source_hash);
	sqlite3_bind_int64(s, 5, util_unix_time());
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		store_fail(st, err, "cannot save dataset");
		sqlite3_finalize(s);
		return MENTOR_ERR;
	}
	if (id)
		*id = sqlite3_column_int64(s, 0);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot save dataset");
	return 0;
}

int store_dataset_delete(struct store *st, int64_t id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "DELETE FROM dataset WHERE id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	return store_exec_stmt(st, s, err, "cannot delete dataset");
}

/* ------------------------------------------------------------------- items */

void store_item_release(struct store_item *it)
{
	if (!it)
		return;
	free(it->split);
	free(it->ext_id);
	free(it->question);
	free(it->choices_json);
	free(it->answer);
	free(it->answer_type);
	free(it->gold_rationale);
	free(it->trace_json);
	free(it->meta_json);
	memset(it, 0, sizeof *it);
}

#define ITEM_COLS                                                                                  \
	"i.id, i.dataset_id, i.split, i.ext_id, i.question, i.choices_json, i.answer,"             \
	" i.answer_type, i.gold_rationale, i.trace_json, i.meta_json"

static void item_from_row(sqlite3_stmt *s, struct store_item *it)
{
	it->id = sqlite3_column_int64(s, 0);
	it->dataset_id = sqlite3_column_int64(s, 1);
	it->split = store_col_text(s, 2);
	it->ext_id = store_col_text(s, 3);
	it->question = store_col_text(s, 4);
	it->choices_json = store_col_text(s, 5);
	it->answer = store_col_text(s, 6);
	it->answer_type = store_col_text(s, 7);
	it->gold_rationale = store_col_text(s, 8);
	it->trace_json = store_col_text(s, 9);
	it->meta_json = store_col_text(s, 10);
}

/* The upsert writes only when something differs, so that re-importing an
 * unchanged record costs no page writes and is reported as identical. (No
 * RETURNING clause: it costs an ephemeral table per row.) */
static const char item_put_sql[] =
	"INSERT INTO item(dataset_id, split, ext_id, question, choices_json, answer,"
	" answer_type, gold_rationale, trace_json, meta_json)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	" ON CONFLICT(dataset_id, ext_id) DO UPDATE SET split = excluded.split,"
	" question = excluded.question, choices_json = excluded.choices_json,"
	" answer = excluded.answer, answer_type = excluded.answer_type,"
	" gold_rationale = excluded.gold_rationale, trace_json = excluded.trace_json,"
	" meta_json = excluded.meta_json"
	" WHERE split IS NOT excluded.split OR question IS NOT excluded.question"
	" OR choices_json IS NOT excluded.choices_json OR answer IS NOT excluded.answer"
	" OR answer_type IS NOT excluded.answer_type"
	" OR gold_rationale IS NOT excluded.gold_rationale"
	" OR trace_json IS NOT excluded.trace_json OR meta_json IS NOT excluded.meta_json";

int store_item_put(struct store *st, struct store_item *it, int *what, char *err)
{
	sqlite3_stmt *s;
	if (!it->split || !it->ext_id || !it->question || !it->answer || !it->answer_type)
		return util_err(
			err, "cannot save item: split, id, question, answer and type are required");
	if (store_stmt_cached(st, STORE_STMT_ITEM_PUT, item_put_sql, &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, it->dataset_id);
	/* Bound without copying: the strings outlive the step below. */
	const char *vals[9] = {it->split,          it->ext_id,     it->question,
			       it->choices_json,   it->answer,     it->answer_type,
			       it->gold_rationale, it->trace_json, it->meta_json};
	for (int i = 0; i < 9; i++) {
		if (vals[i])
			sqlite3_bind_text(s, i + 2, vals[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, i + 2);
	}
	/* An insert sets last_insert_rowid; an upsert that updates does not. */
	sqlite3_set_last_insert_rowid(st->db, 0);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		char what_s[160];
		snprintf(what_s, sizeof what_s, "cannot save item '%.100s'", it->ext_id);
		return store_fail(st, err, what_s);
	}
	int kind;
	int64_t rowid = sqlite3_last_insert_rowid(st->db);
	if (rowid > 0) {
		it->id = rowid;
		kind = STORE_ITEM_NEW;
	} else {
		kind = sqlite3_changes(st->db) > 0 ? STORE_ITEM_CHANGED : STORE_ITEM_SAME;
		if (store_stmt_cached(st, STORE_STMT_ITEM_ID,
				      "SELECT id FROM item WHERE dataset_id = ?1 AND ext_id = ?2",
				      &s, err))
			return MENTOR_ERR;
		sqlite3_bind_int64(s, 1, it->dataset_id);
		sqlite3_bind_text(s, 2, it->ext_id, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			it->id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (rc != SQLITE_ROW)
			return store_fail(st, err, "cannot read item id");
	}
	if (what)
		*what = kind;
	return 0;
}

int store_item_upsert(struct store *st, struct store_item *it, char *err)
{
	return store_item_put(st, it, NULL, err);
}

int store_item_get(struct store *st, int64_t id, struct store_item *it, char *err)
{
	sqlite3_stmt *s;
	memset(it, 0, sizeof *it);
	if (store_stmt_cached(st, STORE_STMT_ITEM_GET,
			      "SELECT " ITEM_COLS " FROM item i WHERE i.id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		item_from_row(s, it);
	} else if (rc == SQLITE_DONE) {
		ret = MENTOR_ENOTFOUND;
		util_err(err, "no item with id %lld", (long long)id);
	} else {
		ret = store_fail(st, err, "cannot read item");
	}
	sqlite3_reset(s);
	return ret;
}

int store_item_prune(struct store *st, int64_t dataset_id, const char *split, const int64_t *keep,
		     size_t n_keep, size_t *deleted, size_t *kept, char *err)
{
	sqlite3_stmt *sel, *del;
	size_t nd = 0, nk = 0;
	if (deleted)
		*deleted = 0;
	if (kept)
		*kept = 0;
	if (store_prepare(st,
			  "SELECT i.id, EXISTS(SELECT 1 FROM explanation e WHERE e.item_id = i.id) "
			  "FROM item i WHERE i.dataset_id = ?1 AND (?2 IS NULL OR i.split = ?2) "
			  "ORDER BY i.id",
			  &sel, err))
		return MENTOR_ERR;
	if (store_prepare(st, "DELETE FROM item WHERE id = ?1", &del, err)) {
		sqlite3_finalize(sel);
		return MENTOR_ERR;
	}
	sqlite3_bind_int64(sel, 1, dataset_id);
	store_bind_text(sel, 2, split);
	size_t k = 0;
	int rc, ret = 0;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		while (k < n_keep && keep[k] < id)
			k++;
		if (k < n_keep && keep[k] == id)
			continue;
		if (sqlite3_column_int(sel, 1)) {
			nk++;
			continue;
		}
		/* Deleting rows behind the read cursor of the same table is
		 * well defined in SQLite. */
		sqlite3_bind_int64(del, 1, id);
		if (sqlite3_step(del) != SQLITE_DONE) {
			ret = store_fail(st, err, "cannot delete item");
			break;
		}
		sqlite3_reset(del);
		nd++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_fail(st, err, "cannot list items");
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	if (deleted)
		*deleted = nd;
	if (kept)
		*kept = nk;
	return ret;
}

void store_item_bulk(struct store *st, int on)
{
	sqlite3_exec(st->db, on ? "PRAGMA cache_size=-65536" : "PRAGMA cache_size=-2000", NULL,
		     NULL, NULL);
}

/* ------------------------------------------------------------- filtering */

void store_item_filter_init(struct store_item_filter *f)
{
	memset(f, 0, sizeof *f);
	f->correct = -1;
	f->leaked = -1;
}

/* The values each condition of the text form takes ("any" aside), NULL
 * ended; result's are correct (1) and wrong (0), leaked's yes (1). Review
 * and mode take the names of their enums (filter_state). */
static const char *const filter_splits[] = {"train", "dev", "test", NULL};
static const char *const filter_results[] = {"wrong", "correct", NULL};
static const char *const filter_leaked[] = {"yes", NULL};

#define FILTER_TEXT_READ (64 * 1024)

void store_item_filter_format(const struct store_item_filter *f, char *buf, size_t n)
{
	if (!n)
		return;
	snprintf(buf, n, "split:%s review:%s mode:%s result:%s leaked:%s",
		 f->split ? f->split : "any", f->review ? f->review : "any",
		 f->mode ? f->mode : "any",
		 f->correct == 1   ? "correct"
		 : f->correct == 0 ? "wrong"
				   : "any",
		 f->leaked == 1 ? "yes" : "any");
}

/* The entry of set equal to v[0..n), or -1. */
static int filter_word(const char *const *set, const char *v, size_t n)
{
	for (int i = 0; set[i]; i++)
		if (strlen(set[i]) == n && !memcmp(set[i], v, n))
			return i;
	return -1;
}

/* A review state (review != 0; also "none", as STORE_N_REVIEWS) or a mode
 * of the text form, v[0..n): its enum and in *word its static name, or -1. */
static int filter_state(int review, const char *v, size_t n, const char **word)
{
	char w[16];
	int i = -1;
	*word = NULL;
	if (n < sizeof w) {
		memcpy(w, v, n);
		w[n] = '\0';
		i = review ? store_review_parse(w) : store_mode_parse(w);
	}
	if (i >= 0) {
		*word = review ? store_review_name((enum store_review)i)
			       : store_mode_name((enum store_mode)i);
	} else if (review && n == 4 && !memcmp(v, "none", 4)) {
		*word = "none";
		i = STORE_N_REVIEWS;
	}
	return i;
}

int store_item_filter_parse(struct store_item_filter *f, const char *text, char *err)
{
	static const struct {
		const char *key;
		const char *const *set;
	} keys[] = {{"split", filter_splits},
		    {"review", NULL},
		    {"mode", NULL},
		    {"result", filter_results},
		    {"leaked", filter_leaked}};
	int rc = 0;
	if (!text)
		text = "";
	size_t len = strnlen(text, FILTER_TEXT_READ + 1);
	if (len > FILTER_TEXT_READ) {
		rc = MENTOR_EUSAGE;
		util_err(err, "filter text too long: only its first %d bytes are read",
			 FILTER_TEXT_READ);
		len = FILTER_TEXT_READ;
	}
	for (size_t i = 0; i < len;) {
		if (text[i] == ' ') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && text[i] != ' ')
			i++;
		const char *w = text + start, *colon = memchr(w, ':', i - start);
		size_t wn = i - start;
		int k = -1;
		for (size_t j = 0; colon && j < sizeof keys / sizeof keys[0]; j++)
			if (strlen(keys[j].key) == (size_t)(colon - w) &&
			    !memcmp(keys[j].key, w, (size_t)(colon - w)))
				k = (int)j;
		const char *v = colon ? colon + 1 : w + wn;
		size_t vn = (size_t)(w + wn - v);
		const char *s = NULL;
		int idx = -1;
		if (k >= 0 && keys[k].set)
			idx = filter_word(keys[k].set, v, vn);
		else if (k >= 0)
			idx = filter_state(k == 1, v, vn, &s);
		int any = vn == 3 && !memcmp(v, "any", 3);
		if (k < 0 || (idx < 0 && !any)) {
			if (!rc) {
				rc = MENTOR_EUSAGE;
				util_err(
					err, "bad filter word '%.*s': %s", (int)(wn > 60 ? 60 : wn),
					w,
					!colon  ? "no key:value"
					: k < 0 ? "unknown key (split, review, mode, result, leaked)"
						: "unknown value");
			}
			if (k < 0)
				continue;
		}
		if (keys[k].set)
			s = idx < 0 ? NULL : keys[k].set[idx];
		switch (k) {
		case 0: f->split = s; break;
		case 1: f->review = s; break;
		case 2: f->mode = s; break;
		case 3: f->correct = idx < 0 ? -1 : idx; break;
		default: f->leaked = idx < 0 ? -1 : 1; break;
		}
	}
	return rc;
}

/* Append the WHERE clause of f (without ordering) to b, numbering the
 * parameters as bind_filter expects. */
static int filter_sql(const struct store_item_filter *f, struct buf *b, char *err)
{
	if (f->split && strcmp(f->split, "train") && strcmp(f->split, "dev") &&
	    strcmp(f->split, "test"))
		return util_err(err, "unknown split '%s': use train, dev or test", f->split);
	if (f->review && store_review_parse(f->review) < 0 && strcmp(f->review, "none"))
		return util_err(err, "unknown review status '%s'", f->review);
	if (f->mode && store_mode_parse(f->mode) < 0)
		return util_err(err, "unknown mode '%s': use cot, rp or crop", f->mode);
	int rc = buf_puts(b, " WHERE 1");
	if (f->dataset_id > 0)
		rc |= buf_puts(b, " AND i.dataset_id = :ds");
	if (f->split)
		rc |= buf_puts(b, " AND i.split = :split");
	if (f->search && *f->search)
		rc |= buf_puts(b, " AND i.question LIKE :pat ESCAPE '\\'");
	/* The explanation conditions hold for one and the same explanation. */
	struct buf e;
	buf_init(&e);
	if (f->mode)
		rc |= buf_puts(&e, " AND e.mode = :mode");
	if (f->correct == 0 || f->correct == 1)
		rc |= buf_puts(&e, " AND e.correct = :correct");
	if (f->leaked == 1)
		rc |= buf_puts(&e, " AND e.leaked = 1");
	int none = f->review && !strcmp(f->review, "none");
	if (f->review && !none)
		rc |= buf_puts(&e, " AND e.status = :review");
	if (e.len || none)
		rc |= buf_printf(
			b, " AND %sEXISTS(SELECT 1 FROM explanation e WHERE e.item_id = i.id%s)",
			none ? "NOT " : "", e.data ? e.data : "");
	buf_release(&e);
	if (rc)
		return util_err(err, "out of memory building item query");
	return 0;
}

static void bind_name_text(sqlite3_stmt *s, const char *name, const char *v)
{
	int idx = sqlite3_bind_parameter_index(s, name);
	if (idx > 0)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

static void bind_name_int(sqlite3_stmt *s, const char *name, int64_t v)
{
	int idx = sqlite3_bind_parameter_index(s, name);
	if (idx > 0)
		sqlite3_bind_int64(s, idx, v);
}

static int bind_filter(sqlite3_stmt *s, const struct store_item_filter *f)
{
	bind_name_int(s, ":ds", f->dataset_id);
	if (f->split)
		bind_name_text(s, ":split", f->split);
	if (f->search && *f->search) {
		/* %search% with LIKE's wildcards escaped. */
		struct buf p;
		buf_init(&p);
		int rc = buf_putc(&p, '%');
		for (const char *c = f->search; *c; c++) {
			if (*c == '%' || *c == '_' || *c == '\\')
				rc |= buf_putc(&p, '\\');
			rc |= buf_putc(&p, *c);
		}
		rc |= buf_putc(&p, '%');
		if (rc) {
			buf_release(&p);
			return MENTOR_ENOMEM;
		}
		bind_name_text(s, ":pat", p.data);
		buf_release(&p);
	}
	if (f->mode)
		bind_name_text(s, ":mode", f->mode);
	if (f->correct == 0 || f->correct == 1)
		bind_name_int(s, ":correct", f->correct);
	if (f->review)
		bind_name_text(s, ":review", f->review);
	return 0;
}

/* Prepare "head + WHERE(f) + tail" and bind f. */
static int prepare_filtered(struct store *st, const struct store_item_filter *f, const char *head,
			    const char *tail, sqlite3_stmt **s, char *err)
{
	struct buf b;
	buf_init(&b);
	if (buf_puts(&b, head)) {
		buf_release(&b);
		return util_err(err, "out of memory building item query");
	}
	if (filter_sql(f, &b, err)) {
		buf_release(&b);
		return MENTOR_EUSAGE;
	}
	if (buf_puts(&b, tail)) {
		buf_release(&b);
		return util_err(err, "out of memory building item query");
	}
	int rc = store_prepare(st, b.data, s, err);
	buf_release(&b);
	if (rc)
		return rc;
	if (bind_filter(*s, f)) {
		sqlite3_finalize(*s);
		*s = NULL;
		return util_err(err, "out of memory building item query");
	}
	return 0;
}

int store_item_count(struct store *st, const struct store_item_filter *f, int64_t *count, char *err)
{
	sqlite3_stmt *s;
	*count = 0;
	int rc = prepare_filtered(st, f, "SELECT count(*) FROM item i", "", &s, err);
	if (rc)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot count items");
	return 0;
}

int store_item_review_progress(struct store *st, const struct store_item_filter *f,
			       const char *mode, struct store_review_progress *p, char *err)
{
	memset(p, 0, sizeof *p);
	if (store_mode_parse(mode) < 0) {
		util_err(err, "unknown mode '%s': use cot, rp or crop", mode ? mode : "");
		return MENTOR_EUSAGE;
	}
	sqlite3_stmt *s;
	int rc = prepare_filtered(
		st, f,
		"SELECT count(*), coalesce(sum(st = 'accepted'), 0),"
		" coalesce(sum(st = 'rejected'), 0), coalesce(sum(st = 'flagged'), 0),"
		" coalesce(sum(st = 'pending'), 0), coalesce(sum(st IS NULL), 0)"
		" FROM (SELECT (SELECT e.status FROM explanation e"
		" WHERE e.item_id = i.id AND e.mode = :pmode AND NOT EXISTS"
		" (SELECT 1 FROM explanation x WHERE x.attempt_of = e.id AND"
		" x.attempt_of > 0) ORDER BY e.id DESC LIMIT 1) AS st FROM item i",
		")", &s, err);
	if (rc)
		return rc;
	bind_name_text(s, ":pmode", mode);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		p->items = sqlite3_column_int64(s, 0);
		p->accepted = sqlite3_column_int64(s, 1);
		p->rejected = sqlite3_column_int64(s, 2);
		p->flagged = sqlite3_column_int64(s, 3);
		p->pending = sqlite3_column_int64(s, 4);
		p->none = sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot count review progress");
	return 0;
}

int store_item_page(struct store *st, const struct store_item_filter *f, int64_t offset,
		    int64_t after_id, int limit, struct store_item **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	if (offset < 0)
		offset = 0;
	const char *tail = after_id > 0 ? " AND i.id > :after ORDER BY i.id LIMIT :limit"
					: " ORDER BY i.id LIMIT :limit OFFSET :offset";
	int rc = prepare_filtered(st, f, "SELECT " ITEM_COLS " FROM item i", tail, &s, err);
	if (rc)
		return rc;
	bind_name_int(s, ":after", after_id);
	bind_name_int(s, ":limit", limit);
	bind_name_int(s, ":offset", offset);
	size_t bytes;
	if (util_mul_size((size_t)limit, sizeof(struct store_item), &bytes)) {
		sqlite3_finalize(s);
		return util_err(err, "page of %d items is too large", limit);
	}
	struct store_item *v = NULL;
	size_t len = 0, cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			if (ncap > (size_t)limit)
				ncap = (size_t)limit;
			if (util_mul_size(ncap, sizeof *v, &bytes))
				util_oom();
			struct store_item *nv = realloc(v, bytes);
			if (!nv)
				util_oom();
			v = nv;
			cap = ncap;
		}
		item_from_row(s, &v[len++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			store_item_release(&v[i]);
		free(v);
		return store_fail(st, err, "cannot list items");
	}
	*out = v;
	*n = len;
	return 0;
}

int store_item_index(struct store *st, const struct store_item_filter *f, int64_t id,
		     int64_t *index, char *err)
{
	sqlite3_stmt *s;
	*index = -1;
	int rc;
	/* One query: how many matching items come before id, and does id match. */
	struct buf b;
	buf_init(&b);
	int mem = buf_puts(&b, "SELECT (SELECT count(*) FROM item i");
	if (!mem && filter_sql(f, &b, err)) {
		buf_release(&b);
		return MENTOR_EUSAGE;
	}
	mem |= buf_puts(&b, " AND i.id < :id), (SELECT count(*) FROM item i");
	if (!mem && filter_sql(f, &b, err)) {
		buf_release(&b);
		return MENTOR_EUSAGE;
	}
	mem |= buf_puts(&b, " AND i.id = :id)");
	if (mem) {
		buf_release(&b);
		return util_err(err, "out of memory building item query");
	}
	rc = store_prepare(st, b.data, &s, err);
	buf_release(&b);
	if (rc)
		return rc;
	if (bind_filter(s, f)) {
		sqlite3_finalize(s);
		return util_err(err, "out of memory building item query");
	}
	bind_name_int(s, ":id", id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_int64(s, 1) > 0)
		*index = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot locate item");
	return 0;
}

/* ------------------------------------------------- the operator's selection */

#define SELECT_PAGE 1000

int store_search_is_regex(const char *search)
{
	return search && !strncmp(search, "re:", 3);
}

void store_item_selection_release(struct store_item_selection *sel)
{
	if (!sel)
		return;
	free(sel->ids);
	memset(sel, 0, sizeof *sel);
}

static void sel_push(struct store_item_selection *sel, size_t *cap, int64_t id)
{
	if (sel->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256, bytes;
		if (util_mul_size(ncap, sizeof *sel->ids, &bytes))
			util_oom();
		int64_t *v = realloc(sel->ids, bytes);
		if (!v)
			util_oom();
		sel->ids = v;
		*cap = ncap;
	}
	sel->ids[sel->n++] = id;
}

int store_item_select(struct store *st, const struct store_item_filter *fp, const char *search,
		      size_t scan_max, struct store_item_selection *sel, char *err)
{
	memset(sel, 0, sizeof *sel);
	struct store_item_filter f = *fp;
	f.search = NULL;
	regex_t re;
	sel->regex = store_search_is_regex(search);
	if (sel->regex) {
		int rc = regcomp(&re, search + 3, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &re, msg, sizeof msg);
			util_err(err, "bad regular expression '%.100s': %s", search + 3, msg);
			return MENTOR_EUSAGE;
		}
	} else if (search && *search) {
		f.search = search;
	}
	if (!scan_max)
		scan_max = STORE_SEARCH_SCAN_MAX;
	size_t cap = 0;
	int64_t after = 0;
	int ret = 0;
	for (;;) {
		struct store_item *rows;
		size_t n;
		/* offset 0 with after_id 0 is the first page; later pages use the keyset */
		int rc = store_item_page(st, &f, 0, after, SELECT_PAGE, &rows, &n, err);
		if (rc) {
			ret = rc;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (!sel->regex ||
			    (rows[i].question && regexec(&re, rows[i].question, 0, NULL, 0) == 0))
				sel_push(sel, &cap, rows[i].id);
			after = rows[i].id;
			store_item_release(&rows[i]);
		}
		free(rows);
		if (sel->regex)
			sel->scanned += (int64_t)n;
		if (n < SELECT_PAGE)
			break;
		if (sel->regex && (size_t)sel->scanned >= scan_max) {
			sel->capped = 1;
			break;
		}
	}
	if (sel->regex)
		regfree(&re);
	if (ret) {
		free(sel->ids);
		sel->ids = NULL;
		sel->n = 0;
	}
	return ret;
}

int store_item_review_progress_ids(struct store *st, const int64_t *ids, size_t n, const char *mode,
				   struct store_review_progress *p, char *err)
{
	memset(p, 0, sizeof *p);
	if (store_mode_parse(mode) < 0) {
		util_err(err, "unknown mode '%s': use cot, rp or crop", mode ? mode : "");
		return MENTOR_EUSAGE;
	}
	/* The same "shown explanation" as store_item_review_progress, one item
	 * at a time. */
	sqlite3_stmt *s;
	if (store_prepare(
		    st,
		    "SELECT EXISTS(SELECT 1 FROM item WHERE id = ?1),"
		    " (SELECT e.status FROM explanation e WHERE e.item_id = ?1 AND e.mode = ?2"
		    " AND NOT EXISTS (SELECT 1 FROM explanation x WHERE x.attempt_of = e.id"
		    " AND x.attempt_of > 0) ORDER BY e.id DESC LIMIT 1)",
		    &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 2, mode);
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			ret = store_fail(st, err, "cannot count review progress");
			break;
		}
		if (sqlite3_column_int(s, 0)) {
			const char *stt = (const char *)sqlite3_column_text(s, 1);
			p->items++;
			int r = store_review_parse(stt);
			p->none += !stt;
			p->accepted += r == STORE_REVIEW_ACCEPTED;
			p->rejected += r == STORE_REVIEW_REJECTED;
			p->flagged += r == STORE_REVIEW_FLAGGED;
			p->pending += r == STORE_REVIEW_PENDING;
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return ret;
}

char *store_dataset_answer_type(struct store *st, int64_t dataset_id)
{
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	struct store_item *items = NULL;
	size_t n = 0;
	char err[MENTOR_ERR_LEN];
	char *type = NULL;
	if (!store_item_page(st, &f, 0, 0, 1, &items, &n, err) && n)
		type = util_strdup(items[0].answer_type);
	for (size_t i = 0; i < n; i++)
		store_item_release(&items[i]);
	free(items);
	return type ? type : util_strdup(STORE_ANS_TEXT);
}
