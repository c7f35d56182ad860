/* test_train_run: whole runs of a tiny model on a generated addition task.
 * The loss falls; metrics are visible from a second connection while the run
 * goes on; a run killed with SIGKILL (in a child process) or stopped resumes
 * from its checkpoint with exactly the losses of an uninterrupted run; the
 * final evaluation stores one prediction per test item; changed data refuses
 * to resume. */
#include <signal.h>
#include <sys/wait.h>

#include "mentor/store.h"
#include "mentor/eval.h"
#include "mentor/train.h"
#include "test.h"
#include "train_fixture.h"

static char err[MENTOR_ERR_LEN];
static const char *db;

static void tiny_config(struct train_config *c, int64_t steps)
{
	fixture_tiny_config(c, TRAIN_MT_COT, steps);
	c->ckpt_every = 40;
	c->val_every = 20;
	c->val_items = 16;
	c->eval_every = -1;
	c->eval_at_end = 1;
}

static int64_t new_run(const struct train_config *c)
{
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t id;
	if (train_run_create(st, c, NULL, &id, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	return id;
}

static struct store_metric *metrics(int64_t run, const char *name, size_t *n)
{
	struct store *st = store_open(db, err);
	struct store_metric *m = NULL;
	*n = 0;
	if (!st || store_metric_get(st, run, name, 0, &m, n, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	return m;
}

static void get_run(int64_t id, struct store_run *r)
{
	struct store *st = store_open(db, err);
	if (!st || store_run_get(st, id, r, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
}

/* Progress callbacks. */
struct watch {
	int64_t kill_at; /* raise SIGKILL after this step */
	int64_t stop_at; /* ask to stop after this step */
	int64_t peek_at; /* read metrics from a second connection */
	int64_t run_id;
	size_t seen_loss; /* points seen by the peek */
	int seen_running;
	int64_t steps_seen;
	int evals;
};

static int on_progress(void *u, const struct train_progress *p)
{
	struct watch *w = u;
	if (p->phase == TRAIN_PHASE_EVAL) {
		w->evals++;
		return 0;
	}
	if (p->phase != TRAIN_PHASE_STEP)
		return 0;
	w->steps_seen = p->step;
	if (w->kill_at && p->step == w->kill_at)
		raise(SIGKILL);
	if (w->peek_at && p->step == w->peek_at) {
		/* another connection, as the workbench would open it */
		struct store *st = store_open_existing(db, err);
		if (st) {
			struct store_metric *m = NULL;
			size_t n = 0;
			if (!store_metric_get(st, w->run_id, "loss", 0, &m, &n, err))
				w->seen_loss = n;
			free(m);
			struct store_run r;
			if (!store_run_get(st, w->run_id, &r, err)) {
				w->seen_running = !strcmp(r.status, "running") &&
						  r.step == p->step && r.pid == (int64_t)getpid();
				store_run_release(&r);
			}
			store_close(st);
		}
	}
	return w->stop_at && p->step == w->stop_at;
}

static int exec_run(int64_t id, struct watch *w)
{
	struct train_opts o = {.progress = on_progress, .u = w, .eval = eval_train_hooks()};
	w->run_id = id;
	return train_run_exec(db, id, &o, err);
}

int main(int argc, char **argv)
{
	/* compute threads that spin while idle crawl when the suite runs tests
	 * side by side; the policy is read when the process starts, so start
	 * again with it set */
	if (!getenv("OMP_WAIT_POLICY") && argc > 0) {
		setenv("OMP_WAIT_POLICY", "passive", 1);
		execv("/proc/self/exe", argv);
	}
	db = test_path("run.db");
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	fixture_dataset(st, "toy", 200, 20, 16);
	store_close(st);

	const int64_t STEPS = 200;
	struct train_config cfg;
	tiny_config(&cfg, STEPS);

	/* 1. killed with SIGKILL in a child, before anything in this process
	 * has started compute threads (fork and OpenMP do not mix) */
	int64_t killed = new_run(&cfg);
	pid_t child = fork();
	if (child < 0)
		TEST_SETUP_FAIL("fork failed");
	if (child == 0) {
		struct watch w = {0};
		w.kill_at = 90; /* the last checkpoint is at 80 */
		exec_run(killed, &w);
		_exit(3);
	}
	int status = 0;
	waitpid(child, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	struct store_run r;
	get_run(killed, &r);
	CHECK_STR(r.status, "running"); /* as the killed process left it */
	CHECK_INT(r.step, 90);
	CHECK(r.checkpoint != NULL);
	store_run_release(&r);
	/* the vanished process is noticed */
	st = store_open(db, err);
	int marked = 0;
	CHECK_INT(train_run_reap(st, &marked, err), 0);
	CHECK_INT(marked, 1);
	store_close(st);
	get_run(killed, &r);
	CHECK_STR(r.status, "failed");
	CHECK(r.error && strstr(r.error, "--resume") != NULL);
	store_run_release(&r);
	/* resume: steps 81.. again */
	struct watch wk = {0};
	CHECK_INT(exec_run(killed, &wk), 0);
	get_run(killed, &r);
	CHECK_STR(r.status, "done");
	CHECK_INT(r.step, STEPS);
	CHECK_INT(r.pid, 0);
	store_run_release(&r);

	/* 2. uninterrupted, watched from a second connection */
	int64_t ref = new_run(&cfg);
	struct watch w = {0};
	w.peek_at = 50;
	CHECK_INT(exec_run(ref, &w), 0);
	CHECK_INT(w.steps_seen, STEPS);
	CHECK_INT(w.seen_loss, 50);
	CHECK(w.seen_running);
	CHECK_INT(w.evals, 16);

	size_t n_ref, n_k;
	struct store_metric *lr = metrics(ref, "loss", &n_ref);
	struct store_metric *lk = metrics(killed, "loss", &n_k);
	CHECK_INT(n_ref, STEPS);
	CHECK_INT(n_k, STEPS);
	int same = n_ref == n_k;
	for (size_t i = 0; same && i < n_ref; i++)
		if (lr[i].step != lk[i].step || lr[i].value != lk[i].value) {
			fprintf(stderr, "step %lld: %.9g vs %.9g\n", (long long)lr[i].step,
				lr[i].value, lk[i].value);
			same = 0;
		}
	CHECK_MSG(same, "losses after resuming from a kill differ from the uninterrupted run");

	/* the loss falls: last 20 steps well below the first 20 */
	double first = 0, last = 0;
	for (size_t i = 0; i < 20 && n_ref == (size_t)STEPS; i++) {
		first += lr[i].value / 20;
		last += lr[n_ref - 1 - i].value / 20;
	}
	CHECK_MSG(last < 0.6 * first, "loss %.3f -> %.3f", first, last);
	free(lk);

	/* every metric of every step; val_loss at its interval */
	const char *names[] = {"loss_ans", "loss_exp", "lr", "tok_s"};
	for (size_t k = 0; k < 4; k++) {
		size_t n;
		free(metrics(ref, names[k], &n));
		CHECK_MSG(n == (size_t)STEPS, "%s: %zu points", names[k], n);
	}
	size_t nv, nvk;
	struct store_metric *v = metrics(ref, "val_loss", &nv);
	struct store_metric *vk = metrics(killed, "val_loss", &nvk);
	CHECK_INT(nv, STEPS / 20);
	CHECK(nv == nvk && nv && v[0].step == 20 && v[nv - 1].value == vk[nvk - 1].value);
	free(v);
	free(vk);

	/* evaluation: one prediction per test item, with explanations */
	st = store_open(db, err);
	struct store_pred *preds = NULL, *pk = NULL;
	size_t np = 0, npk = 0;
	CHECK_INT(store_pred_list(st, ref, &preds, &np, err), 0);
	CHECK_INT(store_pred_list(st, killed, &pk, &npk, err), 0);
	CHECK_INT(np, 16);
	CHECK_INT(npk, 16);
	for (size_t i = 0; i < np; i++) {
		CHECK_STR(preds[i].split, "test");
		CHECK(preds[i].cot_text != NULL);
		CHECK(preds[i].cot_correct == 0 || preds[i].cot_correct == 1);
		CHECK(preds[i].correct == 0 || preds[i].correct == 1);
		if (i < npk) {
			CHECK(preds[i].answer && pk[i].answer &&
			      !strcmp(preds[i].answer, pk[i].answer));
			CHECK(!strcmp(preds[i].cot_text, pk[i].cot_text ? pk[i].cot_text : ""));
		}
	}
	for (size_t i = 0; i < np; i++)
		store_pred_release(&preds[i]);
	for (size_t i = 0; i < npk; i++)
		store_pred_release(&pk[i]);
	free(preds);
	free(pk);
	struct store_metric *acc = NULL;
	size_t nacc = 0;
	CHECK_INT(store_metric_get(st, ref, "acc_test", -1, &acc, &nacc, err), 0);
	CHECK_INT(nacc, 1);
	free(acc);
	CHECK_INT(store_metric_get(st, ref, "acc_expl_test", -1, &acc, &nacc, err), 0);
	CHECK_INT(nacc, 1);
	free(acc);
	/* a finished run cannot be trained again, nor stopped */
	CHECK(train_run_stop(st, ref, err) == MENTOR_EUSAGE);
	store_close(st);
	struct watch w2 = {0};
	CHECK(exec_run(ref, &w2) == MENTOR_EUSAGE);
	CHECK(strstr(err, "already done") != NULL);

	/* 3. stopped (as by SIGTERM) between checkpoints, then resumed */
	int64_t stopped = new_run(&cfg);
	struct watch ws = {0};
	ws.stop_at = 55;
	CHECK_INT(exec_run(stopped, &ws), MENTOR_ECANCEL);
	get_run(stopped, &r);
	CHECK_STR(r.status, "stopped");
	CHECK_INT(r.step, 55);
	store_run_release(&r);
	CHECK_INT(exec_run(stopped, &ws), 0);
	size_t n_s;
	struct store_metric *ls = metrics(stopped, "loss", &n_s);
	same = n_s == n_ref;
	for (size_t i = 0; same && i < n_s; i++)
		same = ls[i].value == lr[i].value;
	CHECK_MSG(same, "losses after a stop and resume differ");
	free(ls);
	free(lr);

	/* 3b. the same with two compute threads: a stop at 12 (checkpoint at
	 * 8) resumes to the losses of an uninterrupted two-thread run */
	struct train_config c2 = cfg;
	c2.threads = 2;
	c2.steps = 20;
	c2.ckpt_every = 8;
	c2.eval_at_end = 0;
	int64_t ref2 = new_run(&c2), st2 = new_run(&c2);
	struct watch w3 = {0};
	CHECK_INT(exec_run(ref2, &w3), 0);
	w3.stop_at = 12;
	CHECK_INT(exec_run(st2, &w3), MENTOR_ECANCEL);
	w3.stop_at = 0;
	CHECK_INT(exec_run(st2, &w3), 0);
	size_t na2, nb2;
	struct store_metric *la2 = metrics(ref2, "loss", &na2), *lb2 = metrics(st2, "loss", &nb2);
	same = na2 == 20 && nb2 == 20;
	for (size_t i = 0; same && i < na2; i++)
		same = la2[i].value == lb2[i].value;
	CHECK_MSG(same, "two-thread losses after a stop and resume differ");
	free(la2);
	free(lb2);

	/* 4. the data changes under a stopped run: resuming refuses */
	int64_t changed = new_run(&cfg);
	struct watch wc = {0};
	wc.stop_at = 5;
	CHECK_INT(exec_run(changed, &wc), MENTOR_ECANCEL);
	st = store_open(db, err);
	struct store_item it;
	memset(&it, 0, sizeof it);
	int64_t ds;
	if (store_dataset_upsert(st, "toy", "test", "generic", "x", &ds, err))
		TEST_SETUP_FAIL("%s", err);
	it.dataset_id = ds;
	it.split = (char *)"train";
	it.ext_id = (char *)"train-0";
	it.question = (char *)"What is 1 + 1?";
	it.answer = (char *)"2";
	it.answer_type = (char *)STORE_ANS_NUMBER;
	it.gold_rationale = (char *)"1 + 1 = 2.";
	CHECK_INT(store_item_upsert(st, &it, err), 0);
	store_close(st);
	CHECK(exec_run(changed, &wc) != 0);
	CHECK(strstr(err, "changed") != NULL);
	get_run(changed, &r);
	CHECK_STR(r.status, "failed");
	store_run_release(&r);

	/* 5. a multi-task run without explanations refuses to start */
	struct train_config nc = cfg;
	nc.source = TRAIN_SRC_ACCEPTED;
	int64_t none = new_run(&nc);
	struct watch wn = {0};
	CHECK(exec_run(none, &wn) != 0);
	CHECK(strstr(err, "no accepted explanations") != NULL);
	/* and a missing workspace or run fails cleanly */
	CHECK(train_run_exec(test_path("nope.db"), 1, NULL, err) != 0);
	CHECK(exec_run(9999, &wn) == MENTOR_ENOTFOUND);
	return test_done();
}
