/* test_store: the workspace file itself: creation, migrations from every
 * older version, refusal of newer or foreign files, nested transactions and
 * settings, on a real SQLite file in a temporary directory. */
#include <sqlite3.h>

#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static int table_exists(struct store *st, const char *name)
{
	sqlite3_stmt *s;
	int found = 0;
	if (sqlite3_prepare_v2(store_db(st), "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static int column_exists(struct store *st, const char *table, const char *col)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?1", table);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, col, -1, SQLITE_STATIC);
	int found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static int64_t count_rows(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void test_fresh(void)
{
	char err[MENTOR_ERR_LEN];
	const char *path = test_path("fresh.db");
	struct store *st = store_open(path, err);
	CHECK_MSG(st != NULL, "%s", err);
	if (!st)
		return;
	CHECK_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
	CHECK_STR(store_path(st), path);
	const char *tables[] = {"dataset", "item",   "llm_call",   "explanation", "decision",
				"run",     "metric", "prediction", "setting"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		CHECK_MSG(table_exists(st, tables[i]) == 1, "table %s", tables[i]);
	/* WAL and foreign keys are on. */
	CHECK_INT(count_rows(st, "PRAGMA foreign_keys"), 1);
	store_close(st);

	/* Reopening an up-to-date file changes nothing. */
	st = store_open_existing(path, err);
	CHECK_MSG(st != NULL, "%s", err);
	if (st)
		CHECK_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);
	store_close(NULL);
}

static void test_open_existing_missing(void)
{
	char err[MENTOR_ERR_LEN] = "";
	struct store *st = store_open_existing(test_path("nothere.db"), err);
	CHECK(st == NULL);
	CHECK(strstr(err, "nothere.db") != NULL);
	CHECK(strstr(err, "no such file") != NULL);
	CHECK(strchr(err, '\n') == NULL);
}

/* Every older version migrates to the latest; data survives. */
static void test_migrations(void)
{
	char err[MENTOR_ERR_LEN];
	for (int from = 0; from < STORE_SCHEMA_VERSION; from++) {
		char name[32];
		snprintf(name, sizeof name, "v%d.db", from);
		const char *path = test_path(name);
		struct store *st = store_open_at_version(path, from, err);
		CHECK_MSG(st != NULL, "open at %d: %s", from, err);
		if (!st)
			continue;
		CHECK_INT(store_schema_version(st), from);
		if (from == 0) {
			CHECK_INT(table_exists(st, "dataset"), 0);
		} else if (from == 2) {
			CHECK_INT(table_exists(st, "setting"), 1);
			CHECK_INT(table_exists(st, "item_by_dataset"), 0);
		} else if (from == 3) {
			CHECK_INT(table_exists(st, "item_by_dataset"), 1);
			CHECK_INT(table_exists(st, "experiment"), 0);
			CHECK_INT(column_exists(st, "run", "experiment_id"), 0);
			/* a run of v3 survives and belongs to no experiment */
			CHECK_INT(
				sqlite3_exec(
					store_db(st),
					"INSERT INTO dataset(name, source, format, created_at) "
					"VALUES('v3', 'f.jsonl', 'generic', 1);"
					"INSERT INTO run(dataset_id, name, variant, alpha, source, "
					"config_json, status) VALUES(1, 'r3', 'mt-cot', 0.5, "
					"'gold', '{}', 'done');",
					NULL, NULL, NULL),
				SQLITE_OK);
		} else if (from == 5) {
			/* runs with metrics, a prediction and an experiment: the
			 * rebuild of the run table keeps every row and reference */
			CHECK_INT(
				sqlite3_exec(
					store_db(st),
					"INSERT INTO dataset(name, source, format, created_at) "
					"VALUES('v5', 'f.jsonl', 'generic', 1);"
					"INSERT INTO item(dataset_id, split, ext_id, question, "
					"answer, answer_type) VALUES(1, 'test', 'q1', 'q?', 'a', "
					"'text');"
					"INSERT INTO experiment(dataset_id, config_json, created_at) "
					"VALUES(1, '{}', 1);"
					"INSERT INTO run(dataset_id, name, variant, alpha, source, "
					"config_json, status) VALUES(1, 'r1', 'baseline', 1, 'gold', "
					"'{}', 'done'), (1, 'r2', 'mt-cot', 0.5, 'gold', '{}', "
					"'done'), (1, 'r3', 'mt-cot', 0.5, 'gold', '{}', 'stopped');"
					"UPDATE run SET experiment_id = 1 WHERE id = 2;"
					"INSERT INTO metric VALUES(1, 'loss', 1, 0, 2.5), "
					"(3, 'loss', 1, 0, 2.0), (3, 'loss', 2, 0, 1.5);"
					"INSERT INTO prediction(run_id, item_id, split, answer, "
					"correct) VALUES(3, 1, 'test', 'a', 1);",
					NULL, NULL, NULL),
				SQLITE_OK);
		} else if (from == 1) {
			CHECK_INT(table_exists(st, "setting"), 0);
			CHECK_INT(column_exists(st, "run", "name"), 0);
			/* Data written at v1 must survive the upgrade. */
			CHECK_INT(sqlite3_exec(
					  store_db(st),
					  "INSERT INTO dataset(name, source, format, created_at) "
					  "VALUES('old', 'f.jsonl', 'generic', 1);"
					  "INSERT INTO run(dataset_id, variant, alpha, source, "
					  "config_json, status) VALUES(1, 'baseline', 0.5, 'gold', "
					  "'{}', 'done');",
					  NULL, NULL, NULL),
				  SQLITE_OK);
		}
		store_close(st);
		st = store_open(path, err);
		CHECK_MSG(st != NULL, "migrate from %d: %s", from, err);
		if (!st)
			continue;
		CHECK_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
		CHECK_INT(table_exists(st, "setting"), 1);
		CHECK_INT(column_exists(st, "run", "name"), 1);
		CHECK_INT(column_exists(st, "run", "kind"), 1);
		CHECK_INT(table_exists(st, "item_by_dataset"), 1);
		CHECK_INT(table_exists(st, "experiment"), 1);
		CHECK_INT(column_exists(st, "run", "experiment_id"), 1);
		CHECK_INT(table_exists(st, "run_by_experiment"), 1);
		if (from == 3) {
			CHECK_INT(count_rows(st, "SELECT count(*) FROM run WHERE name = 'r3' AND "
						 "experiment_id IS NULL"),
				  1);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM experiment"), 0);
		}
		if (from == 5) {
			CHECK_INT(count_rows(st, "SELECT count(*) FROM run"), 3);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM run WHERE id = 2 AND "
						 "name = 'r2' AND experiment_id = 1"),
				  1);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM metric"), 3);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM prediction"), 1);
			CHECK_INT(count_rows(st, "PRAGMA foreign_keys"), 1);
			/* deleting the newest run: its rows go, its id is not given again */
			CHECK_INT(store_run_delete(st, 3, err), 0);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM metric"), 1);
			CHECK_INT(count_rows(st, "SELECT count(*) FROM prediction"), 0);
			CHECK_INT(
				sqlite3_exec(
					store_db(st),
					"INSERT INTO run(dataset_id, name, variant, alpha, source, "
					"config_json, status) VALUES(1, 'r4', 'baseline', 1, 'gold', "
					"'{}', 'queued')",
					NULL, NULL, NULL),
				SQLITE_OK);
			CHECK_INT(count_rows(st, "SELECT max(id) FROM run"), 4);
		}
		if (from == 1) {
			struct store_dataset d;
			CHECK_INT(store_dataset_get(st, "old", &d, err), 0);
			CHECK_STR(d.source, "f.jsonl");
			store_dataset_release(&d);
			CHECK_INT(count_rows(st,
					     "SELECT count(*) FROM run WHERE kind = 'internal'"),
				  1);
		}
		store_close(st);
	}
	struct store *st = store_open_at_version(test_path("bad.db"), STORE_SCHEMA_VERSION + 1,
						 err);
	CHECK(st == NULL);
	st = store_open_at_version(test_path("bad.db"), -1, err);
	CHECK(st == NULL);
}

/* A deleted run's id is never given to a new run, even the newest's, and
 * even after the workspace is closed and opened again. */
static void test_run_ids_not_reused(void)
{
	char err[MENTOR_ERR_LEN];
	const char *path = test_path("ids.db");
	struct store *st = store_open(path, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ds;
	if (store_dataset_upsert(st, "toy", "x", "generic", "h", &ds, err))
		TEST_SETUP_FAIL("%s", err);
	int64_t ids[4];
	for (int i = 0; i < 4; i++) {
		struct store_run r;
		memset(&r, 0, sizeof r);
		r.dataset_id = ds;
		r.name = "r";
		CHECK_INT(store_run_insert(st, &r, err), 0);
		ids[i] = r.id;
		if (i == 2) {
			/* the newest run goes; the workspace is reopened */
			CHECK_INT(store_run_delete(st, r.id, err), 0);
			store_close(st);
			st = store_open(path, err);
			if (!st)
				TEST_SETUP_FAIL("%s", err);
		}
	}
	CHECK_INT(ids[0], 1);
	CHECK_INT(ids[1], 2);
	CHECK_INT(ids[2], 3);
	CHECK_INT(ids[3], 4);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM run"), 3);
	store_close(st);
}

static void test_newer_refused(void)
{
	char err[MENTOR_ERR_LEN] = "";
	const char *path = test_path("newer.db");
	struct store *st = store_open(path, err);
	CHECK_MSG(st != NULL, "%s", err);
	if (!st)
		return;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", STORE_SCHEMA_VERSION + 5);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	st = store_open(path, err);
	CHECK(st == NULL);
	CHECK_MSG(strstr(err, "schema version") != NULL, "%s", err);
	CHECK_MSG(strstr(err, "upgrade mentor") != NULL, "%s", err);
	CHECK(strstr(err, "newer.db") != NULL);
	store_close(st);
}

static void test_not_a_database(void)
{
	char err[MENTOR_ERR_LEN] = "";
	const char *path = test_path("text.db");
	const char junk[] = "this is not a database, just some text that is long enough\n"
			    "to fill the header page of an SQLite file..................\n";
	test_write_file(path, junk, sizeof junk - 1);
	struct store *st = store_open(path, err);
	CHECK(st == NULL);
	CHECK_MSG(strstr(err, "cannot open workspace") != NULL, "%s", err);
	CHECK_MSG(strstr(err, "text.db") != NULL, "%s", err);
	CHECK_MSG(strstr(err, "not a database") != NULL, "%s", err);
	CHECK(strchr(err, '\n') == NULL);

	/* A directory is no workspace either. */
	const char *dir = test_path("adir");
	mkdir(dir, 0700);
	st = store_open(dir, err);
	CHECK(st == NULL);
	CHECK(strstr(err, "adir") != NULL);
}

static void test_transactions(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(test_path("tx.db"), err);
	CHECK_MSG(st != NULL, "%s", err);
	if (!st)
		return;
	int64_t id;
	/* Commit. */
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "a", "a.jsonl", "generic", NULL, &id, err), 0);
	CHECK_INT(store_commit(st, err), 0);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM dataset"), 1);

	/* Rollback. */
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "b", "b.jsonl", "generic", NULL, &id, err), 0);
	store_rollback(st);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM dataset"), 1);

	/* Nested commit: only the outermost one commits. */
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "c", "c.jsonl", "generic", NULL, &id, err), 0);
	CHECK_INT(store_commit(st, err), 0);
	CHECK_INT(sqlite3_get_autocommit(store_db(st)), 0);
	CHECK_INT(store_commit(st, err), 0);
	CHECK_INT(sqlite3_get_autocommit(store_db(st)), 1);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM dataset"), 2);

	/* An inner rollback undoes the whole and fails the outer commit. */
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "d", "d.jsonl", "generic", NULL, &id, err), 0);
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "e", "e.jsonl", "generic", NULL, &id, err), 0);
	store_rollback(st);
	CHECK(store_commit(st, err) != 0);
	CHECK_MSG(strstr(err, "rolled back") != NULL, "%s", err);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM dataset"), 2);
	CHECK_INT(sqlite3_get_autocommit(store_db(st)), 1);

	/* Commit without begin is refused; a later transaction works. */
	CHECK(store_commit(st, err) != 0);
	store_rollback(st); /* no-op */
	CHECK_INT(store_begin(st, err), 0);
	CHECK_INT(store_dataset_upsert(st, "f", "f.jsonl", "generic", NULL, &id, err), 0);
	CHECK_INT(store_commit(st, err), 0);
	CHECK_INT(count_rows(st, "SELECT count(*) FROM dataset"), 3);
	store_close(st);
}

static void test_settings(void)
{
	char err[MENTOR_ERR_LEN];
	const char *path = test_path("settings.db");
	struct store *st = store_open(path, err);
	CHECK_MSG(st != NULL, "%s", err);
	if (!st)
		return;
	CHECK(store_setting_get(st, "missing") == NULL);
	CHECK_INT(store_setting_set(st, "ui.filter", "split=test", err), 0);
	CHECK_INT(store_setting_set(st, "ui.filter", "split=dev", err), 0);
	CHECK_INT(store_setting_set(st, "名前", "日本語の値", err), 0);
	CHECK_INT(store_setting_set(st, "empty", NULL, err), 0);
	store_close(st);
	st = store_open(path, err);
	CHECK_MSG(st != NULL, "%s", err);
	if (!st)
		return;
	char *v = store_setting_get(st, "ui.filter");
	CHECK_STR(v, "split=dev");
	free(v);
	v = store_setting_get(st, "名前");
	CHECK_STR(v, "日本語の値");
	free(v);
	v = store_setting_get(st, "empty");
	CHECK_STR(v, "");
	free(v);
	store_close(st);
}

static void test_default_path(void)
{
	CHECK_STR(store_default_path("x.db"), "x.db");
	setenv("MENTOR_DB", "env.db", 1);
	CHECK_STR(store_default_path(NULL), "env.db");
	CHECK_STR(store_default_path(""), "env.db");
	unsetenv("MENTOR_DB");
	CHECK_STR(store_default_path(NULL), STORE_DEFAULT_PATH);
}

int main(void)
{
	test_fresh();
	test_open_existing_missing();
	test_migrations();
	test_run_ids_not_reused();
	test_newer_refused();
	test_not_a_database();
	test_transactions();
	test_settings();
	test_default_path();
	return test_done();
}
