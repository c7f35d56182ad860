/* store_run: training runs, their metric points and the per-item predictions
 * of an evaluation. Writers keep transactions short so that a reader (the
 * workbench, `mentor runs`) sees progress while a run goes on. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void store_run_release(struct store_run *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->variant);
	free(r->source);
	free(r->kind);
	free(r->config_json);
	free(r->status);
	free(r->error);
	free(r->checkpoint);
	memset(r, 0, sizeof *r);
}

static const char *or_default(const char *s, const char *def)
{
	return s ? s : def;
}

/* Parameters ?2..?15 of the insert and the update: every column but the key. */
static void bind_run(sqlite3_stmt *s, const struct store_run *r)
{
	store_bind_text(s, 2, or_default(r->name, ""));
	store_bind_text(s, 3, or_default(r->variant, "baseline"));
	sqlite3_bind_double(s, 4, r->alpha);
	store_bind_text(s, 5, or_default(r->source, "accepted"));
	store_bind_text(s, 6, or_default(r->kind, "internal"));
	store_bind_text(s, 7, or_default(r->config_json, "{}"));
	store_bind_text(s, 8, or_default(r->status, store_run_status_name(STORE_RUN_QUEUED)));
	store_bind_text(s, 9, r->error);
	sqlite3_bind_int64(s, 10, r->pid);
	if (r->started_at)
		sqlite3_bind_int64(s, 11, r->started_at);
	if (r->ended_at)
		sqlite3_bind_int64(s, 12, r->ended_at);
	store_bind_text(s, 13, r->checkpoint);
	sqlite3_bind_int64(s, 14, r->step);
	sqlite3_bind_int64(s, 15, r->total_steps);
}

int store_run_insert(struct store *st, struct store_run *r, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO run(dataset_id, name, variant, alpha, source, kind,"
			  " config_json, status, error, pid, started_at, ended_at, checkpoint,"
			  " step, total_steps) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
			  "?13,?14,?15)",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, r->dataset_id);
	bind_run(s, r);
	if (store_exec_stmt(st, s, err, "cannot insert run"))
		return MENTOR_ERR;
	r->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_run_update(struct store *st, const struct store_run *r, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "UPDATE run SET name=?2, variant=?3, alpha=?4, source=?5, kind=?6,"
			  " config_json=?7, status=?8, error=?9, pid=?10, started_at=?11,"
			  " ended_at=?12, checkpoint=?13, step=?14, total_steps=?15"
			  " WHERE id=?1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, r->id);
	bind_run(s, r);
	if (store_exec_stmt(st, s, err, "cannot update run"))
		return MENTOR_ERR;
	if (sqlite3_changes(st->db) == 0)
		return util_err(err, "cannot update run %lld: no such run", (long long)r->id);
	return 0;
}

int store_run_set_progress(struct store *st, int64_t id, int64_t step, const char *checkpoint,
			   char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "UPDATE run SET step=?2, checkpoint=COALESCE(?3, checkpoint)"
			  " WHERE id=?1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, step);
	store_bind_text(s, 3, checkpoint);
	return store_exec_stmt(st, s, err, "cannot update run progress");
}

int store_run_set_pid_if(struct store *st, int64_t id, int64_t pid, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "UPDATE run SET pid=?2 WHERE id=?1 AND status='queued'", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, pid);
	return store_exec_stmt(st, s, err, "cannot update run");
}

int store_run_set_status(struct store *st, int64_t id, const char *status, const char *error,
			 int64_t pid, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "UPDATE run SET status=?2, error=?3, pid=?4,"
			  " started_at=CASE WHEN ?2='running' THEN COALESCE(started_at,"
			  "  strftime('%s','now')) ELSE started_at END,"
			  " ended_at=CASE WHEN ?2 IN ('stopped','done','failed')"
			  "  THEN strftime('%s','now') WHEN ?2='running' THEN NULL"
			  "  ELSE ended_at END WHERE id=?1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	store_bind_text(s, 3, error);
	sqlite3_bind_int64(s, 4, pid);
	if (store_exec_stmt(st, s, err, "cannot update run status"))
		return MENTOR_ERR;
	if (sqlite3_changes(st->db) == 0)
		return util_err(err, "cannot update run %lld: no such run", (long long)id);
	return 0;
}

#define RUN_COLS                                                                                   \
	"id, dataset_id, name, variant, alpha, source, kind, config_json, status, error,"          \
	" pid, COALESCE(started_at, 0), COALESCE(ended_at, 0), checkpoint, step, total_steps"

static void read_run(sqlite3_stmt *s, struct store_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->dataset_id = sqlite3_column_int64(s, 1);
	r->name = store_col_text(s, 2);
	r->variant = store_col_text(s, 3);
	r->alpha = sqlite3_column_double(s, 4);
	r->source = store_col_text(s, 5);
	r->kind = store_col_text(s, 6);
	r->config_json = store_col_text(s, 7);
	r->status = store_col_text(s, 8);
	r->error = store_col_text(s, 9);
	r->pid = sqlite3_column_int64(s, 10);
	r->started_at = sqlite3_column_int64(s, 11);
	r->ended_at = sqlite3_column_int64(s, 12);
	r->checkpoint = store_col_text(s, 13);
	r->step = sqlite3_column_int64(s, 14);
	r->total_steps = sqlite3_column_int64(s, 15);
}

int store_run_get(struct store *st, int64_t id, struct store_run *r, char *err)
{
	sqlite3_stmt *s;
	memset(r, 0, sizeof *r);
	if (store_prepare(st, "SELECT " RUN_COLS " FROM run WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		read_run(s, r);
	} else if (rc == SQLITE_DONE) {
		util_err(err, "no run %lld", (long long)id);
		ret = MENTOR_ENOTFOUND;
	} else {
		ret = store_fail(st, err, "cannot read run");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_run_find(struct store *st, const char *ref, struct store_run *r, char *err)
{
	long id;
	memset(r, 0, sizeof *r);
	if (!ref || !*ref)
		return util_err(err, "no run given");
	if (util_parse_long(ref, 1, INT64_MAX > LONG_MAX ? LONG_MAX : (long)INT64_MAX, &id) == 0) {
		int rc = store_run_get(st, (int64_t)id, r, err);
		if (rc != MENTOR_ENOTFOUND)
			return rc;
	}
	sqlite3_stmt *s;
	if (store_prepare(st, "SELECT " RUN_COLS " FROM run WHERE name=?1 ORDER BY id DESC LIMIT 1",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, ref);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		read_run(s, r);
	} else if (rc == SQLITE_DONE) {
		util_err(err, "no run '%s'; see 'mentor runs'", ref);
		ret = MENTOR_ENOTFOUND;
	} else {
		ret = store_fail(st, err, "cannot read run");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_run_list(struct store *st, struct store_run **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st, "SELECT " RUN_COLS " FROM run ORDER BY id", &s, err))
		return MENTOR_ERR;
	struct store_run *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_run *na = realloc(a, ncap * sizeof *a);
			if (!na)
				util_oom();
			a = na;
			cap = ncap;
		}
		read_run(s, &a[len++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			store_run_release(&a[i]);
		free(a);
		return store_fail(st, err, "cannot list runs");
	}
	*out = a;
	*n = len;
	return 0;
}

int store_run_delete(struct store *st, int64_t id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "DELETE FROM run WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	return store_exec_stmt(st, s, err, "cannot delete run");
}

int store_metric_add(struct store *st, int64_t run_id, int64_t step, double t, const char *name,
		     double value, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT OR REPLACE INTO metric(run_id, name, step, t, value)"
			  " VALUES(?1,?2,?3,?4,?5)",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, name);
	sqlite3_bind_int64(s, 3, step);
	sqlite3_bind_double(s, 4, t);
	sqlite3_bind_double(s, 5, value);
	return store_exec_stmt(st, s, err, "cannot add metric");
}

int store_metric_trim(struct store *st, int64_t run_id, int64_t after_step, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "DELETE FROM metric WHERE run_id=?1 AND step>?2", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, after_step);
	return store_exec_stmt(st, s, err, "cannot trim metrics");
}

int store_metric_get(struct store *st, int64_t run_id, const char *name, int64_t after_step,
		     struct store_metric **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st,
			  "SELECT step, t, value FROM metric WHERE run_id=?1 AND name=?2"
			  " AND step>?3 ORDER BY step",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, name);
	sqlite3_bind_int64(s, 3, after_step);
	struct store_metric *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct store_metric *na = realloc(a, ncap * sizeof *a);
			if (!na)
				util_oom();
			a = na;
			cap = ncap;
		}
		a[len].step = sqlite3_column_int64(s, 0);
		a[len].t = sqlite3_column_double(s, 1);
		a[len].value = sqlite3_column_double(s, 2);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(a);
		return store_fail(st, err, "cannot read metrics");
	}
	*out = a;
	*n = len;
	return 0;
}

void store_pred_release(struct store_pred *p)
{
	if (!p)
		return;
	free(p->split);
	free(p->answer);
	free(p->cot_text);
	free(p->cot_answer);
	memset(p, 0, sizeof *p);
}

int store_pred_put(struct store *st, const struct store_pred *p, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT OR REPLACE INTO prediction(run_id, item_id, split, answer,"
			  " correct, cot_text, cot_answer, cot_correct)"
			  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, p->run_id);
	sqlite3_bind_int64(s, 2, p->item_id);
	store_bind_text(s, 3, or_default(p->split, "test"));
	store_bind_text(s, 4, p->answer);
	sqlite3_bind_int(s, 5, p->correct ? 1 : 0);
	store_bind_text(s, 6, p->cot_text);
	store_bind_text(s, 7, p->cot_answer);
	sqlite3_bind_int(s, 8, p->cot_correct);
	return store_exec_stmt(st, s, err, "cannot store prediction");
}

int store_pred_list(struct store *st, int64_t run_id, struct store_pred **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st,
			  "SELECT run_id, item_id, split, answer, correct, cot_text,"
			  " cot_answer, cot_correct FROM prediction WHERE run_id=?1"
			  " ORDER BY item_id",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	struct store_pred *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct store_pred *na = realloc(a, ncap * sizeof *a);
			if (!na)
				util_oom();
			a = na;
			cap = ncap;
		}
		struct store_pred *p = &a[len++];
		p->run_id = sqlite3_column_int64(s, 0);
		p->item_id = sqlite3_column_int64(s, 1);
		p->split = store_col_text(s, 2);
		p->answer = store_col_text(s, 3);
		p->correct = sqlite3_column_int(s, 4);
		p->cot_text = store_col_text(s, 5);
		p->cot_answer = store_col_text(s, 6);
		p->cot_correct = sqlite3_column_int(s, 7);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			store_pred_release(&a[i]);
		free(a);
		return store_fail(st, err, "cannot list predictions");
	}
	*out = a;
	*n = len;
	return 0;
}
