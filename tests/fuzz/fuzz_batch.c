/* fuzz_batch: Batch API output import (src/teacher_batch.c). A workspace of
 * three items is built once at start and put back before every input, so
 * that each input meets the same state. Input: an output file (JSONL).
 * Properties: the import never refuses a readable file as a whole (bad lines
 * are reported and skipped), every line is accounted for once, and the
 * follow-up request file it writes is valid. */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_ws.h"
#include "mentor/util.h"

static char *db, *db_wal, *db_shm, *out, *next;
static char *pristine;
static size_t pristine_len;
static struct config cfg;
static struct teacher_opts opts;
static int64_t dataset;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	db = fuzz_path("ws.db");
	db_wal = fuzz_path("ws.db-wal");
	db_shm = fuzz_path("ws.db-shm");
	out = fuzz_path("output.jsonl");
	next = fuzz_path("next.jsonl");
	fuzz_ws_create(db, &cfg, &opts, &dataset, NULL);
	char err[MENTOR_ERR_LEN];
	if (!(pristine = util_read_file(db, (size_t)64 << 20, &pristine_len, err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}

static void on_report(void *user, const char *file, long line, const char *reason)
{
	long *n = user;
	FUZZ_CHECK(line >= 1 && reason && *reason);
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unlink(db_wal);
	unlink(db_shm);
	unlink(next);
	fuzz_write(db, pristine, pristine_len);
	fuzz_write(out, data, size);
	struct teacher_batch_stats st, ns;
	memset(&st, 0, sizeof st);
	memset(&ns, 0, sizeof ns);
	long reports = 0;
	char err[MENTOR_ERR_LEN] = "";
	int rc = teacher_batch_import(&opts, dataset, out, next, on_report, &reports, &st, &ns,
				      err);
	if (rc)
		fprintf(stderr, "import failed: %s\n", err);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(st.imported + st.failed + st.rejected + st.repeated <= st.lines);
	FUZZ_CHECK(reports >= st.rejected);
	return 0;
}
