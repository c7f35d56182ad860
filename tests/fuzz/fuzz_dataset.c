/* fuzz_dataset: dataset import (src/dataset.c) of every layout into an
 * in-memory workspace. Input: a byte choosing the layout (auto or a forced
 * one), the split named by the file name and skip_bad, then the file's bytes
 * (JSON Lines, a JSON array or CSV, told by the first byte as for a file).
 * Properties: a failure says why and writes nothing; a success stores as
 * many items as it reports; importing the same bytes again changes nothing. */
#include <sqlite3.h>
#include <string.h>

#include "fuzz.h"
#include "mentor/dataset.h"
#include "mentor/store.h"
#include "mentor/util.h"

static const char *const formats[] = {"auto", "gsm8k", "csqa",  "strategyqa",
				      "obqa", "aqua",  "svamp", "generic"};
static const char *const labels[] = {"fuzz/train.jsonl", "fuzz/test.csv", "fuzz/dev.json",
				     "fuzz.jsonl"};

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	long long n = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct dataset_import_opts o = {0};
	o.name = "fuzz";
	o.format = formats[data[0] % 8];
	o.skip_bad = (data[0] >> 3) & 1;
	const char *label = labels[(data[0] >> 4) % 4];
	data++, size--;

	char err[MENTOR_ERR_LEN] = "";
	struct store *st = store_open(":memory:", err);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	struct dataset_import_result res;
	int rc = dataset_import_mem(st, (const char *)data, size, label, &o, &res, NULL, NULL, err);
	if (rc) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(count(st, "SELECT count(*) FROM item") == 0);
	} else {
		FUZZ_CHECK(res.n_items > 0 || o.skip_bad);
		FUZZ_CHECK(count(st, "SELECT count(*) FROM item") == (long long)res.n_items);
		FUZZ_CHECK(res.n_new == res.n_items);
		struct dataset_import_result again;
		FUZZ_CHECK(dataset_import_mem(st, (const char *)data, size, label, &o, &again, NULL,
					      NULL, err) == 0);
		FUZZ_CHECK(again.unchanged == 1);
		FUZZ_CHECK(count(st, "SELECT count(*) FROM item") == (long long)res.n_items);
	}
	store_close(st);
	return 0;
}
