/* store: opening the workspace, the schema and its forward migrations,
 * transactions and settings. Typed queries live in store_item.c,
 * store_expl.c, store_run.c and store_experiment.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

/* Each entry migrates from version i to i+1. Append only: never edit a
 * migration that has shipped; add a new one. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE dataset("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  source TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  source_hash TEXT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE item("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
	"  split TEXT NOT NULL CHECK(split IN ('train','dev','test')),"
	"  ext_id TEXT NOT NULL,"
	"  question TEXT NOT NULL,"
	"  choices_json TEXT,"
	"  answer TEXT NOT NULL,"
	"  answer_type TEXT NOT NULL CHECK(answer_type IN ('mc','yesno','number','text')),"
	"  gold_rationale TEXT,"
	"  trace_json TEXT,"
	"  meta_json TEXT,"
	"  UNIQUE(dataset_id, ext_id));"
	"CREATE INDEX item_by_split ON item(dataset_id, split, id);"
	"CREATE TABLE llm_call("
	"  id INTEGER PRIMARY KEY,"
	"  cache_key TEXT NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  request_json TEXT NOT NULL,"
	"  response_text TEXT,"
	"  status TEXT NOT NULL CHECK(status IN ('ok','error','cancelled')),"
	"  http_code INTEGER,"
	"  error TEXT,"
	"  tokens_in INTEGER NOT NULL DEFAULT 0,"
	"  tokens_out INTEGER NOT NULL DEFAULT 0,"
	"  tokens_estimated INTEGER NOT NULL DEFAULT 0,"
	"  latency_ms INTEGER NOT NULL DEFAULT 0,"
	"  cost REAL NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX llm_call_by_key ON llm_call(cache_key, status);"
	"CREATE TABLE explanation("
	"  id INTEGER PRIMARY KEY,"
	"  item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,"
	"  mode TEXT NOT NULL CHECK(mode IN ('cot','rp','crop')),"
	"  path TEXT NOT NULL CHECK(path IN ('cot','rp')),"
	"  provider TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  call_id INTEGER REFERENCES llm_call(id) ON DELETE SET NULL,"
	"  attempt_of INTEGER REFERENCES explanation(id) ON DELETE SET NULL,"
	"  text TEXT NOT NULL,"
	"  parsed_answer TEXT,"
	"  correct INTEGER,"
	"  leaked INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK(status IN ('pending','accepted','rejected','flagged')),"
	"  reviewer TEXT,"
	"  decided_at INTEGER,"
	"  edited_text TEXT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX explanation_by_item ON explanation(item_id, mode);"
	"CREATE TABLE decision("
	"  id INTEGER PRIMARY KEY,"
	"  explanation_id INTEGER NOT NULL REFERENCES explanation(id) ON DELETE CASCADE,"
	"  action TEXT NOT NULL CHECK(action IN ('accept','reject','flag','pending','edit')),"
	"  prev_status TEXT NOT NULL,"
	"  prev_text TEXT,"
	"  reviewer TEXT,"
	"  at INTEGER NOT NULL,"
	"  undone INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX decision_by_expl ON decision(explanation_id);"
	"CREATE TABLE run("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
	"  variant TEXT NOT NULL CHECK(variant IN ('baseline','mt-re','mt-ra','mt-cot')),"
	"  alpha REAL NOT NULL,"
	"  source TEXT NOT NULL,"
	"  config_json TEXT NOT NULL,"
	"  status TEXT NOT NULL"
	"    CHECK(status IN ('queued','running','stopped','done','failed')),"
	"  error TEXT,"
	"  started_at INTEGER,"
	"  ended_at INTEGER,"
	"  checkpoint TEXT,"
	"  step INTEGER NOT NULL DEFAULT 0,"
	"  total_steps INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE metric("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  t REAL NOT NULL,"
	"  value REAL NOT NULL,"
	"  PRIMARY KEY(run_id, name, step)) WITHOUT ROWID;"
	"CREATE TABLE prediction("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,"
	"  split TEXT NOT NULL,"
	"  answer TEXT,"
	"  correct INTEGER NOT NULL,"
	"  cot_text TEXT,"
	"  cot_answer TEXT,"
	"  cot_correct INTEGER NOT NULL DEFAULT -1,"
	"  PRIMARY KEY(run_id, item_id));",

	/* 1 -> 2: settings that survive a restart, run names, external runs and
	 * the process that runs a run */
	"CREATE TABLE setting(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"ALTER TABLE run ADD COLUMN name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run ADD COLUMN kind TEXT NOT NULL DEFAULT 'internal';"
	"ALTER TABLE run ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX explanation_by_status ON explanation(status, item_id);",

	/* 2 -> 3: items of one dataset in id order, for keyset paging and
	 * positions over all splits */
	"CREATE INDEX item_by_dataset ON item(dataset_id, id);",

	/* 3 -> 4: experiments (one plan of runs: variants x seeds) and the
	 * experiment a run belongs to */
	"CREATE TABLE experiment("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  config_json TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK(status IN ('queued','running','stopped','done','failed')),"
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"ALTER TABLE run ADD COLUMN experiment_id INTEGER"
	"  REFERENCES experiment(id) ON DELETE SET NULL;"
	"CREATE INDEX run_by_experiment ON run(experiment_id, id);",

	/* 4 -> 5: an edit re-judges the text; its decision keeps the text it
	 * set and the verdict before it (parsed answer, correct, leaked), so
	 * that an undo restores both; CROP attempts found by the explanation
	 * that kept them (review progress) */
	"ALTER TABLE decision ADD COLUMN text TEXT;"
	"ALTER TABLE decision ADD COLUMN prev_parsed TEXT;"
	"ALTER TABLE decision ADD COLUMN prev_correct INTEGER;"
	"ALTER TABLE decision ADD COLUMN prev_leaked INTEGER;"
	"CREATE INDEX explanation_by_attempt ON explanation(attempt_of) WHERE attempt_of > 0;",

	/* 5 -> 6: a run id is never given again once its run is deleted (the
	 * operator and the run's folder DB.runs/ID would mistake the new run for
	 * the old one): the table is rebuilt with AUTOINCREMENT, every row with
	 * its id, so metrics, predictions and experiments keep their runs */
	"CREATE TABLE run_v6("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
	"  variant TEXT NOT NULL CHECK(variant IN ('baseline','mt-re','mt-ra','mt-cot')),"
	"  alpha REAL NOT NULL,"
	"  source TEXT NOT NULL,"
	"  config_json TEXT NOT NULL,"
	"  status TEXT NOT NULL"
	"    CHECK(status IN ('queued','running','stopped','done','failed')),"
	"  error TEXT,"
	"  started_at INTEGER,"
	"  ended_at INTEGER,"
	"  checkpoint TEXT,"
	"  step INTEGER NOT NULL DEFAULT 0,"
	"  total_steps INTEGER NOT NULL DEFAULT 0,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL DEFAULT 'internal',"
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  experiment_id INTEGER REFERENCES experiment(id) ON DELETE SET NULL);"
	"INSERT INTO run_v6(id, dataset_id, variant, alpha, source, config_json, status, error,"
	"  started_at, ended_at, checkpoint, step, total_steps, name, kind, pid, experiment_id)"
	"  SELECT id, dataset_id, variant, alpha, source, config_json, status, error,"
	"  started_at, ended_at, checkpoint, step, total_steps, name, kind, pid, experiment_id"
	"  FROM run;"
	"DROP TABLE run;"
	"ALTER TABLE run_v6 RENAME TO run;"
	"CREATE INDEX run_by_experiment ON run(experiment_id, id);",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

const char *store_default_path(const char *flag)
{
	if (flag && *flag)
		return flag;
	const char *env = getenv("MENTOR_DB");
	if (env && *env)
		return env;
	return STORE_DEFAULT_PATH;
}

int store_fail(struct store *st, char *err, const char *what)
{
	return util_err(err, "%s: %s", what, st && st->db ? sqlite3_errmsg(st->db) : "no database");
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, char *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return store_fail(st, err, "cannot prepare query");
	}
	return 0;
}

char *store_col_text(sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(s, col);
	int n = sqlite3_column_bytes(s, col);
	return util_strndup((const char *)t, (size_t)n);
}

void *store_grow(void *arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : 16, bytes;
	if (util_mul_size(nc, sz, &bytes))
		util_oom();
	void *p = realloc(arr, bytes);
	if (!p)
		util_oom();
	*cap = nc;
	return p;
}

int store_rows(struct store *st, sqlite3_stmt *s, size_t sz, void (*read)(sqlite3_stmt *, void *),
	       void (*release)(void *), const char *what, void **out, size_t *n, char *err)
{
	char *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		arr = store_grow(arr, cnt, &cap, sz);
		memset(arr + cnt * sz, 0, sz);
		read(s, arr + cnt * sz);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, err, what);
		for (size_t i = 0; i < cnt; i++)
			release(arr + i * sz);
		free(arr);
		sqlite3_finalize(s);
		return MENTOR_ERR;
	}
	sqlite3_finalize(s);
	*out = arr;
	*n = cnt;
	return 0;
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (!v)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

int store_exec_stmt(struct store *st, sqlite3_stmt *s, char *err, const char *what)
{
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_fail(st, err, what);
	sqlite3_finalize(s);
	return ret;
}

static int exec_sql(struct store *st, const char *sql, char *err, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		util_err(err, "%s: %s", what, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return MENTOR_ERR;
	}
	return 0;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* MENTOR_ERR with err naming the first table whose row references a
 * missing row (PRAGMA foreign_key_check), else 0. */
static int broken_references(struct store *st, char *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK)
		return util_err(err, "reference check: %s", sqlite3_errmsg(st->db));
	int rc = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		rc = util_err(err, "reference check: a row of '%s' references a missing row",
			      t ? (const char *)t : "?");
	}
	sqlite3_finalize(s);
	return rc;
}

static int migrate(struct store *st, int target, char *err)
{
	int v = store_schema_version(st);
	if (v < 0)
		return util_err(err, "cannot open workspace '%s': not a mentor workspace: %s",
				st->path, sqlite3_errmsg(st->db));
	if (v > STORE_SCHEMA_VERSION)
		return util_err(err,
				"cannot open workspace '%s': it has schema version %d, this mentor "
				"knows up to %d; upgrade mentor to open it",
				st->path, v, STORE_SCHEMA_VERSION);
	if (v >= target)
		return 0;
	char sub[MENTOR_ERR_LEN];
	/* A table rebuilt by a migration is dropped and created again: with
	 * foreign keys on, the drop would delete the rows that reference it.
	 * They are off for the migrations (the pragma is ignored inside a
	 * transaction) and the references are checked before the commit. */
	if (exec_sql(st, "PRAGMA foreign_keys=OFF", sub, "foreign keys"))
		return util_err(err, "cannot upgrade workspace '%s': %s", st->path, sub);
	if (exec_sql(st, "BEGIN IMMEDIATE", sub, "begin")) {
		sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
		return util_err(err, "cannot upgrade workspace '%s': %s", st->path, sub);
	}
	/* Re-read inside the write lock: another process may have migrated. */
	v = store_schema_version(st);
	for (; v < target; v++) {
		char what[64];
		snprintf(what, sizeof what, "migration %d to %d", v, v + 1);
		if (exec_sql(st, migrations[v], sub, what))
			goto fail;
		char pragma[48];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
		if (exec_sql(st, pragma, sub, "set version"))
			goto fail;
	}
	if (broken_references(st, sub) || exec_sql(st, "COMMIT", sub, "commit"))
		goto fail;
	if (exec_sql(st, "PRAGMA foreign_keys=ON", sub, "foreign keys"))
		return util_err(err, "cannot open workspace '%s': %s", st->path, sub);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	return util_err(err, "cannot upgrade workspace '%s': %s", st->path, sub);
}

static struct store *open_flags(const char *path, int flags, int target, char *err)
{
	struct store *st = calloc(1, sizeof *st);
	if (!st)
		util_oom();
	st->path = util_strdup(path);
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		util_err(err, "cannot open workspace '%s': %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 1);
	char sub[MENTOR_ERR_LEN];
	/* journal_mode answers with a row; a failure here usually means the
	 * file is not a database at all. */
	if (exec_sql(st, "PRAGMA journal_mode=WAL", sub, "journal") ||
	    exec_sql(st, "PRAGMA foreign_keys=ON", sub, "foreign keys") ||
	    exec_sql(st, "PRAGMA synchronous=NORMAL", sub, "synchronous")) {
		util_err(err, "cannot open workspace '%s': %s", path, sub);
		goto fail;
	}
	if (migrate(st, target, err))
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

struct store *store_open(const char *path, char *err)
{
	return open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			  STORE_SCHEMA_VERSION, err);
}

struct store *store_open_existing(const char *path, char *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		util_err(err, "cannot open workspace '%s': no such file; run 'mentor init' first",
			 path);
		return NULL;
	}
	return open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, STORE_SCHEMA_VERSION,
			  err);
}

struct store *store_open_at_version(const char *path, int version, char *err)
{
	if (version < 0 || version > STORE_SCHEMA_VERSION) {
		util_err(err, "no schema version %d", version);
		return NULL;
	}
	return open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			  version, err);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < STORE_STMT_N; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

struct sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

int store_begin(struct store *st, char *err)
{
	if (st->tx_depth++ > 0)
		return 0;
	st->tx_failed = 0;
	if (exec_sql(st, "BEGIN IMMEDIATE", err, "cannot begin transaction")) {
		st->tx_depth = 0;
		return MENTOR_ERR;
	}
	return 0;
}

int store_commit(struct store *st, char *err)
{
	if (st->tx_depth <= 0)
		return util_err(err, "commit without a transaction");
	if (--st->tx_depth > 0)
		return st->tx_failed ? util_err(err, "transaction was rolled back") : 0;
	if (st->tx_failed) {
		st->tx_failed = 0;
		return util_err(err, "transaction was rolled back");
	}
	if (exec_sql(st, "COMMIT", err, "cannot commit")) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return MENTOR_ERR;
	}
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->tx_depth <= 0)
		return;
	if (!st->tx_failed)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->tx_failed = 1;
	if (--st->tx_depth == 0)
		st->tx_failed = 0;
}

int store_setting_set(struct store *st, const char *key, const char *value, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO setting(key, value) VALUES(?1, ?2) "
			  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value ? value : "");
	return store_exec_stmt(st, s, err, "cannot save setting");
}

char *store_setting_get(struct store *st, const char *key)
{
	sqlite3_stmt *s;
	char *v = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM setting WHERE key = ?1", -1, &s, NULL))
		return NULL;
	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = store_col_text(s, 0);
	sqlite3_finalize(s);
	return v;
}
