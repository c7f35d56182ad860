/* test_init: `mentor init` on a fresh workspace imports every bundled file
 * under its file stem with all its items; a second run changes nothing.
 * Also `mentor sample --import`. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>

#include "mentor/store.h"
#include "run.h"

static size_t bundled_lines(const char *stem)
{
	char path[1024], e[MENTOR_ERR_LEN];
	snprintf(path, sizeof path, "%s/sample_datasets/%s.jsonl", MENTOR_SOURCE_DIR, stem);
	char *data = util_read_file(path, 64u << 20, NULL, e);
	size_t n = count_lines(data);
	free(data);
	return n;
}

int main(void)
{
	run_bin();
	char args[1024], err[MENTOR_ERR_LEN];
	const char *db = test_path("w.db");
	snprintf(args, sizeof args, "--db '%s' init", db);
	char *out = NULL, *errs = NULL;
	int rc = run_mentor(args, &out, &errs);
	CHECK_MSG(rc == 0, "init: %s", errs ? errs : "");
	static const char *const stems[] = {"arith",      "coin",    "commonsense", "dial",
					    "factory-ja", "letters", "strategy"};
	const size_t n_stems = sizeof stems / sizeof stems[0];
	for (size_t i = 0; i < n_stems; i++) {
		char line[128];
		snprintf(line, sizeof line, "imported %zu items", bundled_lines(stems[i]));
		CHECK_MSG(out && strstr(out, stems[i]) && strstr(out, line), "%s: %s", stems[i],
			  out ? out : "");
	}
	CHECK_INT(count_lines(out), n_stems + 1);
	free(out);
	free(errs);

	/* the workspace holds each dataset with every item */
	struct store *st = store_open_existing(db, err);
	CHECK_MSG(st != NULL, "%s", err);
	struct store_dataset *ds = NULL;
	size_t n = 0;
	if (st) {
		CHECK_INT(store_dataset_list(st, &ds, &n, err), 0);
		CHECK_INT(n, n_stems);
		for (size_t i = 0; i < n && i < n_stems; i++) {
			CHECK_STR(ds[i].name, stems[i]);
			CHECK_INT(ds[i].n_train + ds[i].n_dev + ds[i].n_test,
				  bundled_lines(stems[i]));
			CHECK(ds[i].n_dev > 0 && ds[i].n_test > 0);
			store_dataset_release(&ds[i]);
		}
		free(ds);
		struct store_dataset a;
		CHECK_INT(store_dataset_get(st, "arith", &a, err), 0);
		CHECK_INT(a.n_train, 2000);
		CHECK_INT(a.n_dev, 200);
		CHECK_INT(a.n_test, 500);
		store_dataset_release(&a);
		store_close(st);
	}

	/* idempotent: a second run imports nothing */
	rc = run_mentor(args, &out, &errs);
	CHECK_INT(rc, 0);
	CHECK(out && !strstr(out, "imported ") &&
	      strstr(out, "0 datasets imported, 7 already present"));
	for (size_t i = 0; i < n_stems; i++)
		CHECK(out && strstr(out, stems[i]));
	free(out);
	free(errs);
	st = store_open_existing(db, err);
	if (st) {
		CHECK_INT(store_dataset_list(st, &ds, &n, err), 0);
		CHECK_INT(n, n_stems);
		for (size_t i = 0; i < n; i++)
			store_dataset_release(&ds[i]);
		free(ds);
		store_close(st);
	}

	/* mentor sample --import */
	snprintf(args, sizeof args, "--db '%s' sample coin --splits 6/2/2 --import coin-small", db);
	CHECK_INT(run_mentor(args, &out, &errs), 0);
	CHECK(out && strstr(out, "coin-small: imported 10 items"));
	free(out);
	free(errs);
	st = store_open_existing(db, err);
	if (st) {
		struct store_dataset c;
		CHECK_INT(store_dataset_get(st, "coin-small", &c, err), 0);
		CHECK_INT(c.n_train, 6);
		CHECK_INT(c.n_dev, 2);
		CHECK_INT(c.n_test, 2);
		store_dataset_release(&c);
		store_close(st);
	}

	/* a data dir without sample_datasets/ is an error, not a crash */
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "MENTOR_DATA_DIR='%s' '%s' --db '%s' init >/dev/null 2>&1",
		 test_tmpdir(), run_bin(), db);
	int st2 = system(cmd);
	CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 1);
	return test_done();
}
