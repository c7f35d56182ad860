/* store_experiment: experiments, the plans of runs that compare the student
 * variants over several seeds, and the link from a run to its experiment.
 * The statistics over an experiment's runs live in the experiment module;
 * this file only reads and writes rows. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void store_experiment_release(struct store_experiment *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->config_json);
	free(e->status);
	memset(e, 0, sizeof *e);
}

int store_experiment_insert(struct store *st, struct store_experiment *e, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO experiment(dataset_id, name, config_json, status, pid,"
			  " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
			  &s, err))
		return MENTOR_ERR;
	e->created_at = util_unix_time();
	sqlite3_bind_int64(s, 1, e->dataset_id);
	store_bind_text(s, 2, e->name ? e->name : "");
	store_bind_text(s, 3, e->config_json ? e->config_json : "{}");
	store_bind_text(s, 4, e->status ? e->status : store_run_status_name(STORE_RUN_QUEUED));
	sqlite3_bind_int64(s, 5, e->pid);
	sqlite3_bind_int64(s, 6, e->created_at);
	if (store_exec_stmt(st, s, err, "cannot insert experiment"))
		return MENTOR_ERR;
	e->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

#define EXP_COLS "id, dataset_id, name, config_json, status, pid, created_at"

static void read_experiment(sqlite3_stmt *s, void *p)
{
	struct store_experiment *e = p;
	e->id = sqlite3_column_int64(s, 0);
	e->dataset_id = sqlite3_column_int64(s, 1);
	e->name = store_col_text(s, 2);
	e->config_json = store_col_text(s, 3);
	e->status = store_col_text(s, 4);
	e->pid = sqlite3_column_int64(s, 5);
	e->created_at = sqlite3_column_int64(s, 6);
}

static void release_experiment(void *p)
{
	store_experiment_release(p);
}

int store_experiment_get(struct store *st, int64_t id, struct store_experiment *e, char *err)
{
	sqlite3_stmt *s;
	memset(e, 0, sizeof *e);
	if (store_prepare(st, "SELECT " EXP_COLS " FROM experiment WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		read_experiment(s, e);
	} else if (rc == SQLITE_DONE) {
		util_err(err, "no experiment %lld; see 'mentor experiment --list'", (long long)id);
		ret = MENTOR_ENOTFOUND;
	} else {
		ret = store_fail(st, err, "cannot read experiment");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_experiment_list(struct store *st, struct store_experiment **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st, "SELECT " EXP_COLS " FROM experiment ORDER BY id", &s, err))
		return MENTOR_ERR;
	return store_rows(st, s, sizeof **out, read_experiment, release_experiment,
			  "cannot list experiments", (void **)out, n, err);
}

/* Run an UPDATE of one row by id (?1); MENTOR_ENOTFOUND when none changed. */
static int update_one(struct store *st, sqlite3_stmt *s, const char *what, int64_t id, char *err)
{
	if (store_exec_stmt(st, s, err, what))
		return MENTOR_ERR;
	if (sqlite3_changes(st->db) == 0) {
		util_err(err, "%s %lld: no such row", what, (long long)id);
		return MENTOR_ENOTFOUND;
	}
	return 0;
}

int store_experiment_set_name(struct store *st, int64_t id, const char *name, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "UPDATE experiment SET name=?2 WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, name ? name : "");
	return update_one(st, s, "cannot rename experiment", id, err);
}

int store_experiment_set_status(struct store *st, int64_t id, const char *status, int64_t pid,
				char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "UPDATE experiment SET status=?2, pid=?3 WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	sqlite3_bind_int64(s, 3, pid);
	return update_one(st, s, "cannot update experiment", id, err);
}

int store_experiment_set_pid_if(struct store *st, int64_t id, int64_t pid, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "UPDATE experiment SET pid=?2 WHERE id=?1 AND status='queued'", &s,
			  err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, pid);
	return store_exec_stmt(st, s, err, "cannot update experiment");
}

int store_run_set_experiment(struct store *st, int64_t run_id, int64_t exp_id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "UPDATE run SET experiment_id=?2 WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	if (exp_id > 0)
		sqlite3_bind_int64(s, 2, exp_id);
	return update_one(st, s, "cannot update run", run_id, err);
}

int store_run_experiment(struct store *st, int64_t run_id, int64_t *exp_id, char *err)
{
	sqlite3_stmt *s;
	*exp_id = 0;
	if (store_prepare(st, "SELECT COALESCE(experiment_id, 0) FROM run WHERE id=?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		*exp_id = sqlite3_column_int64(s, 0);
	} else if (rc == SQLITE_DONE) {
		util_err(err, "no run %lld", (long long)run_id);
		ret = MENTOR_ENOTFOUND;
	} else {
		ret = store_fail(st, err, "cannot read run");
	}
	sqlite3_finalize(s);
	return ret;
}

static void read_id(sqlite3_stmt *s, void *p)
{
	*(int64_t *)p = sqlite3_column_int64(s, 0);
}

static void release_nothing(void *p)
{
	(void)p;
}

int store_experiment_run_ids(struct store *st, int64_t exp_id, int64_t **ids, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*ids = NULL;
	*n = 0;
	if (store_prepare(st, "SELECT id FROM run WHERE experiment_id=?1 ORDER BY id", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, exp_id);
	return store_rows(st, s, sizeof **ids, read_id, release_nothing,
			  "cannot list the runs of an experiment", (void **)ids, n, err);
}

int store_pred_count(struct store *st, int64_t run_id, const char *split, int64_t *n, char *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (store_prepare(st, "SELECT count(*) FROM prediction WHERE run_id=?1 AND split=?2", &s,
			  err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, split);
	int ret = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else
		ret = store_fail(st, err, "cannot count predictions");
	sqlite3_finalize(s);
	return ret;
}
