/* test_shared_datasets: the real public files beside the source tree
 * (../shared/datasets): GSM8K and AQuA-RAT import completely, with the
 * answers the papers report for their first items. Skips when absent. */
#include <sqlite3.h>

#include "mentor/dataset.h"
#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static void first_item(struct store *st, int64_t ds, struct store_item *it)
{
	char err[MENTOR_ERR_LEN];
	struct store_item_filter f;
	struct store_item *page = NULL;
	size_t n = 0;
	store_item_filter_init(&f);
	f.dataset_id = ds;
	memset(it, 0, sizeof *it);
	CHECK_INT(store_item_page(st, &f, 0, 0, 1, &page, &n, err), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		*it = page[0];
	free(page);
}

int main(void)
{
	const char *dir = test_shared_datasets();
	if (!dir)
		TEST_SKIP("../shared/datasets not found");
	char err[MENTOR_ERR_LEN], path[1200];
	struct store *st = store_open(test_path("shared.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	struct dataset_import_result r;
	struct store_item it;

	snprintf(path, sizeof path, "%s/gsm8k/test.jsonl", dir);
	CHECK_MSG(dataset_import_file(st, path, NULL, &r, NULL, NULL, err) == 0, "%s", err);
	CHECK_INT(r.n_items, 1319);
	CHECK_STR(r.format, "gsm8k");
	struct store_dataset d;
	CHECK_INT(store_dataset_get(st, "gsm8k", &d, err), 0);
	CHECK_INT(d.n_test, 1319);
	store_dataset_release(&d);
	first_item(st, r.dataset_id, &it);
	CHECK_STR(it.answer, "18");
	CHECK_STR(it.answer_type, "number");
	CHECK_STR(it.split, "test");
	CHECK_STR(it.ext_id, "test:1");
	CHECK(it.question && strncmp(it.question, "Janet\xE2\x80\x99s ducks lay 16 eggs", 26) == 0);
	CHECK(it.gold_rationale && !strstr(it.gold_rationale, "<<"));
	CHECK(it.gold_rationale && !strstr(it.gold_rationale, "####"));
	CHECK(it.gold_rationale && strstr(it.gold_rationale, "9 * 2 = $18"));
	store_item_release(&it);
	/* Every GSM8K answer is a plain normalised number. */
	sqlite3_stmt *s;
	CHECK_INT(sqlite3_prepare_v2(store_db(st),
				     "SELECT count(*) FROM item WHERE dataset_id = ?1 AND "
				     "(answer GLOB '*[^0-9.-]*' OR answer = '')",
				     -1, &s, NULL),
		  SQLITE_OK);
	sqlite3_bind_int64(s, 1, r.dataset_id);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(s, 0), 0);
	sqlite3_finalize(s);
	/* Re-import: unchanged. */
	CHECK_INT(dataset_import_file(st, path, NULL, &r, NULL, NULL, err), 0);
	CHECK_INT(r.unchanged, 1);

	snprintf(path, sizeof path, "%s/aqua/test.json", dir);
	CHECK_MSG(dataset_import_file(st, path, NULL, &r, NULL, NULL, err) == 0, "%s", err);
	CHECK_INT(r.n_items, 254);
	CHECK_STR(r.format, "aqua");
	first_item(st, r.dataset_id, &it);
	CHECK_STR(it.answer_type, "mc");
	CHECK_STR(it.split, "test");
	CHECK(it.choices_json &&
	      strstr(it.choices_json, "{\"label\":\"A\",\"text\":\"5(\xE2\x88\x9A"
				      "3 + 1)\"}"));
	CHECK(it.answer && strlen(it.answer) == 1 && it.answer[0] >= 'A' && it.answer[0] <= 'E');
	CHECK(it.gold_rationale != NULL);
	store_item_release(&it);

	snprintf(path, sizeof path, "%s/aqua/dev.json", dir);
	CHECK_MSG(dataset_import_file(st, path, NULL, &r, NULL, NULL, err) == 0, "%s", err);
	CHECK_INT(r.n_items, 254);
	CHECK_INT(store_dataset_get(st, "aqua", &d, err), 0);
	CHECK_INT(d.n_dev, 254);
	CHECK_INT(d.n_test, 254);
	store_dataset_release(&d);

	snprintf(path, sizeof path, "%s/gsm8k/train.jsonl", dir);
	CHECK_MSG(dataset_import_file(st, path, NULL, &r, NULL, NULL, err) == 0, "%s", err);
	CHECK_INT(r.n_items, 7473);
	/* Train and test of GSM8K now form one dataset. */
	CHECK_INT(store_dataset_get(st, "gsm8k", &d, err), 0);
	CHECK_INT(d.n_train, 7473);
	CHECK_INT(d.n_test, 1319);
	store_dataset_release(&d);
	store_close(st);
	return test_done();
}
