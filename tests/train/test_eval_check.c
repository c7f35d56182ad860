/* test_eval_check: eval_check_run over a run's stored predictions: the share
 * of generated explanations that hold up, those without steps, and the right
 * answers reached by wrong reasoning, per split and over all; runs without
 * predictions. Items come from the report tests' fixture helpers. */
#include "mentor/eval.h"
#include <sqlite3.h>

#include "mentor/store.h"
#include "../report/fixture.h"

static struct store *st;
static int64_t run_id, items[8];

int main(void)
{
	char err[MENTOR_ERR_LEN];
	st = store_open(test_path("w.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ds;
	if (store_dataset_upsert(st, "ar", "test", "generic", "x", &ds, err))
		TEST_SETUP_FAIL("%s", err);
	const char *q = "Wendy has 10 books. She gives 3 to Carl. Carl gives her 7 more.";
	const char *tr = "{\"steps\":[\"Wendy starts with 10 books.\",\"10 - 3 = 7.\","
			 "\"7 + 7 = 14.\"]}";
	for (int i = 0; i < 6; i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "t%d", i);
		items[i] = fx_item(st, ds, i < 5 ? "test" : "dev", ext, q, NULL, "14", "number",
				   NULL);
	}
	char *sql = sqlite3_mprintf("UPDATE item SET trace_json = %Q", tr);
	if (!sql || sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) != SQLITE_OK)
		TEST_SETUP_FAIL("cannot set the traces");
	sqlite3_free(sql);
	run_id = fx_run(st, ds, "r", "mt-cot");

	struct eval_check ck;
	CHECK_INT(eval_check_run(st, run_id, "test", &ck, err), 0);
	CHECK_INT(ck.n, 0);
	CHECK(isnan(ck.sound_share));

	/* test: sound; a right answer by a wrong step; a right answer that does
	 * not follow from the steps; no steps; a wrong answer by a wrong step. */
	const char *cot[] = {"Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 14.",
			     "10 - 3 = 6. 6 + 8 = 14.",
			     "Wendy starts with 10 books. 10 - 3 = 7. 7 - 1 = 6.",
			     "She has fourteen books, so 14.", "10 - 3 = 7. 7 + 7 = 15."};
	for (int i = 0; i < 5; i++)
		fx_pred(st, run_id, items[i], "14", 1, cot[i], i == 4 ? "15" : "14", i != 4);
	/* dev: a sound one that leaves out the restated question. */
	struct store_pred p = {run_id, items[5], "dev", "14", 1, "10 - 3 = 7. 7 + 7 = 14.",
			       "14",   1};
	if (store_pred_put(st, &p, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(eval_check_run(st, run_id, "test", &ck, err), 0);
	CHECK_INT(ck.n, 5);
	CHECK_INT(ck.n_sound, 1);
	CHECK_INT(ck.n_no_steps, 1);
	CHECK_INT(ck.n_right_wrong, 2);
	CHECK_NEAR(ck.sound_share, 0.2, 1e-12);
	CHECK_INT(eval_check_run(st, run_id, "dev", &ck, err), 0);
	CHECK_INT(ck.n, 1);
	CHECK_INT(ck.n_sound, 1);
	CHECK_INT(eval_check_run(st, run_id, NULL, &ck, err), 0);
	CHECK_INT(ck.n, 6);
	CHECK_INT(eval_check_run(st, run_id + 1, NULL, &ck, err), 0);
	CHECK_INT(ck.n, 0);

	store_close(st);
	return test_done();
}
