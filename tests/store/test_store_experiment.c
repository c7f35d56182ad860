/* test_store_experiment: experiment rows, their status, and the runs that
 * belong to them: insert, read back, list, rename, the link from a run and
 * its order, what a dataset's deletion takes along, and the errors. */
#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static int64_t add_run(struct store *st, int64_t ds, const char *name, char *err)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = ds;
	r.name = (char *)name;
	if (store_run_insert(st, &r, err))
		TEST_SETUP_FAIL("%s", err);
	return r.id;
}

int main(void)
{
	char err[MENTOR_ERR_LEN] = "";
	struct store *st = store_open(test_path("exp.db"), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ds, other;
	if (store_dataset_upsert(st, "toy", "x", "generic", "h", &ds, err) ||
	    store_dataset_upsert(st, "other", "x", "generic", "h", &other, err))
		TEST_SETUP_FAIL("%s", err);

	struct store_experiment e;
	memset(&e, 0, sizeof e);
	e.dataset_id = ds;
	e.config_json = "{\"seeds\":[1,2]}";
	CHECK_INT(store_experiment_insert(st, &e, err), 0);
	CHECK(e.id > 0 && e.created_at > 0);
	int64_t id = e.id;
	CHECK_INT(store_experiment_set_name(st, id, "exp1", err), 0);

	struct store_experiment g;
	CHECK_INT(store_experiment_get(st, id, &g, err), 0);
	CHECK_INT(g.dataset_id, ds);
	CHECK_STR(g.name, "exp1");
	CHECK_STR(g.status, "queued");
	CHECK_STR(g.config_json, "{\"seeds\":[1,2]}");
	CHECK_INT(g.pid, 0);
	store_experiment_release(&g);
	store_experiment_release(NULL);

	CHECK_INT(store_experiment_set_status(st, id, "running", 4242, err), 0);
	CHECK_INT(store_experiment_get(st, id, &g, err), 0);
	CHECK_STR(g.status, "running");
	CHECK_INT(g.pid, 4242);
	store_experiment_release(&g);
	/* the schema refuses a status it does not know */
	CHECK_INT(store_experiment_set_status(st, id, "sleeping", 0, err), MENTOR_ERR);
	CHECK(strstr(err, "CHECK") != NULL);
	CHECK_INT(store_experiment_set_status(st, id + 100, "done", 0, err), MENTOR_ENOTFOUND);
	CHECK_INT(store_experiment_get(st, id + 100, &g, err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "no experiment") != NULL);

	/* runs: linked ones come back in id order, others do not */
	int64_t r1 = add_run(st, ds, "a", err), r2 = add_run(st, ds, "b", err);
	int64_t r3 = add_run(st, ds, "c", err);
	CHECK_INT(store_run_set_experiment(st, r3, id, err), 0);
	CHECK_INT(store_run_set_experiment(st, r1, id, err), 0);
	int64_t *ids = NULL;
	size_t n = 0;
	CHECK_INT(store_experiment_run_ids(st, id, &ids, &n, err), 0);
	CHECK_INT(n, 2);
	if (n == 2)
		CHECK(ids[0] == r1 && ids[1] == r3);
	free(ids);
	int64_t x = -1;
	CHECK_INT(store_run_experiment(st, r1, &x, err), 0);
	CHECK_INT(x, id);
	CHECK_INT(store_run_experiment(st, r2, &x, err), 0);
	CHECK_INT(x, 0);
	CHECK_INT(store_run_experiment(st, r3 + 50, &x, err), MENTOR_ENOTFOUND);
	CHECK_INT(store_run_set_experiment(st, r3 + 50, id, err), MENTOR_ENOTFOUND);
	/* a run cannot point to an experiment that does not exist */
	CHECK_INT(store_run_set_experiment(st, r2, id + 100, err), MENTOR_ERR);
	CHECK_INT(store_run_set_experiment(st, r3, 0, err), 0);
	CHECK_INT(store_run_experiment(st, r3, &x, err), 0);
	CHECK_INT(x, 0);

	/* predictions counted per split */
	struct store_item it;
	memset(&it, 0, sizeof it);
	it.dataset_id = ds;
	it.split = "test";
	it.ext_id = "1";
	it.question = "q";
	it.answer = "1";
	it.answer_type = STORE_ANS_NUMBER;
	if (store_item_upsert(st, &it, err))
		TEST_SETUP_FAIL("%s", err);
	struct store_pred p;
	memset(&p, 0, sizeof p);
	p.run_id = r1;
	p.item_id = it.id;
	p.split = "test";
	p.answer = "1";
	p.correct = 1;
	p.cot_correct = -1;
	CHECK_INT(store_pred_put(st, &p, err), 0);
	int64_t cnt = -1;
	CHECK_INT(store_pred_count(st, r1, "test", &cnt, err), 0);
	CHECK_INT(cnt, 1);
	CHECK_INT(store_pred_count(st, r1, "dev", &cnt, err), 0);
	CHECK_INT(cnt, 0);

	/* a second experiment; the list is in id order */
	struct store_experiment e2;
	memset(&e2, 0, sizeof e2);
	e2.dataset_id = other;
	e2.name = "second";
	e2.status = "done";
	CHECK_INT(store_experiment_insert(st, &e2, err), 0);
	struct store_experiment *all = NULL;
	CHECK_INT(store_experiment_list(st, &all, &n, err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(all[0].id, id);
		CHECK_STR(all[1].name, "second");
		CHECK_STR(all[1].status, "done");
		CHECK_STR(all[1].config_json, "{}");
	}
	for (size_t i = 0; i < n; i++)
		store_experiment_release(&all[i]);
	free(all);

	/* deleting the dataset takes its experiment and runs along; the other
	 * experiment stays */
	CHECK_INT(store_dataset_delete(st, ds, err), 0);
	CHECK_INT(store_experiment_get(st, id, &g, err), MENTOR_ENOTFOUND);
	CHECK_INT(store_experiment_list(st, &all, &n, err), 0);
	CHECK_INT(n, 1);
	for (size_t i = 0; i < n; i++)
		store_experiment_release(&all[i]);
	free(all);
	store_close(st);
	return test_done();
}
