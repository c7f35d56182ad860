/* test_train_queue: the workspace's queue of runs waiting to start. The
 * queue's text against malformed, truncated, huge and hostile input; add,
 * remove and list on a real workspace, kept across reopening; taking the
 * next run: none while a run trains, done and deleted runs leave the queue,
 * the run taken is claimed (queued, this process) and never taken twice; a
 * run that cannot be spawned goes back first in the queue as it was; a
 * spawned process that dies before it trains lets the queue go on. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mentor/store.h"
#include "mentor/train.h"
#include "test.h"
#include "train_fixture.h"

static void test_parse(void)
{
	char err[MENTOR_ERR_LEN];
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n = 99;
	CHECK_INT(train_queue_parse(NULL, ids, &n, err), 0);
	CHECK_INT((int)n, 0);
	CHECK_INT(train_queue_parse("", ids, &n, err), 0);
	CHECK_INT((int)n, 0);
	CHECK_INT(train_queue_parse(" 3 1,2\t3\n1 ", ids, &n, err), 0);
	CHECK_INT((int)n, 3); /* repeats count once, order kept */
	CHECK(ids[0] == 3 && ids[1] == 1 && ids[2] == 2);
	/* truncated writes still parse as far as they go */
	CHECK_INT(train_queue_parse("7 8,", ids, &n, err), 0);
	CHECK_INT((int)n, 2);
	/* not ids: the error names them, nothing is dropped silently */
	static const char *const bad[] = {"1 x 2", "0",      "-4", "3.5", "99999999999999999999999",
					  "1;2",   "\x1b[2J"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_MSG(train_queue_parse(bad[i], ids, &n, err) != 0, "'%s'", bad[i]);
		CHECK_MSG(strstr(err, "is not a run id") != NULL, "'%s': %s", bad[i], err);
	}
	/* what the setting holds reaches no terminal raw */
	CHECK(train_queue_parse("1 \x1b]0;x\x07", ids, &n, err) != 0);
	CHECK_MSG(!strchr(err, '\x1b') && !strchr(err, '\x07') && strstr(err, "\\x1b"), "%s", err);
	/* huge: too many ids, too much text */
	struct buf b;
	buf_init(&b);
	for (int i = 1; i <= TRAIN_QUEUE_MAX + 1; i++)
		buf_printf(&b, "%d ", i);
	CHECK(train_queue_parse(b.data, ids, &n, err) != 0);
	CHECK(strstr(err, "more than") != NULL);
	buf_reset(&b);
	for (int i = 0; i < 5000; i++)
		buf_puts(&b, "1 ");
	CHECK(train_queue_parse(b.data, ids, &n, err) != 0);
	CHECK(strstr(err, "longer than") != NULL);
	buf_release(&b);
}

static int64_t new_run(struct store *st, int steps)
{
	char err[MENTOR_ERR_LEN];
	struct train_config c;
	train_config_defaults(&c);
	snprintf(c.dataset, sizeof c.dataset, "sums");
	c.steps = steps;
	int64_t id;
	if (train_run_create(st, &c, NULL, &id, err))
		TEST_SETUP_FAIL("%s", err);
	return id;
}

static char *queue_text(struct store *st)
{
	return store_setting_get(st, TRAIN_QUEUE_KEY);
}

static void test_store(void)
{
	char err[MENTOR_ERR_LEN];
	const char *db = test_path("q.db");
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	fixture_dataset(st, "sums", 20, 4, 4);
	int64_t r1 = new_run(st, 10), r2 = new_run(st, 10), r3 = new_run(st, 10);
	int64_t r4 = new_run(st, 10);
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n;

	CHECK_INT(train_queue_add(st, r1, err), 0);
	CHECK_INT(train_queue_add(st, r2, err), 0);
	CHECK_INT(train_queue_add(st, r1, err), 0); /* waits already: no change */
	CHECK_INT(train_queue_add(st, r3, err), 0);
	CHECK_INT(train_queue_add(st, 999, err), MENTOR_ENOTFOUND);
	char *t = queue_text(st);
	CHECK_STR(t, "1 2 3");
	free(t);
	/* a done run cannot wait to train */
	CHECK_INT(store_run_set_status(st, r4, "done", NULL, 0, err), 0);
	CHECK_INT(train_queue_add(st, r4, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "done") != NULL);
	CHECK_INT(train_queue_remove(st, r2, err), 0);
	CHECK_INT(train_queue_remove(st, r2, err), 0);
	CHECK_INT(train_queue_add(st, r2, err), 0); /* back at the end */

	/* the queue outlives the connection that wrote it */
	store_close(st);
	st = store_open_existing(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(train_queue_list(st, ids, &n, err), 0);
	CHECK_INT((int)n, 3);
	CHECK(ids[0] == r1 && ids[1] == r3 && ids[2] == r2);

	/* a run that trains holds the queue: nothing is taken */
	int64_t got = -1, busy = -1;
	CHECK_INT(store_run_set_status(st, r4, "running", NULL, (int64_t)getpid(), err), 0);
	CHECK_INT(train_queue_take(st, &got, &busy, err), 0);
	CHECK(got == 0 && busy == r4);
	CHECK_INT(train_queue_list(st, ids, &n, err), 0);
	CHECK_INT((int)n, 3);
	CHECK_INT(store_run_set_status(st, r4, "done", NULL, 0, err), 0);

	/* the oldest that can train is taken and claimed; a done one and a
	 * deleted one before it leave the queue */
	CHECK_INT(store_run_set_status(st, r1, "done", NULL, 0, err), 0);
	CHECK_INT(store_run_delete(st, r3, err), 0);
	CHECK_INT(train_queue_take(st, &got, &busy, err), 0);
	CHECK(got == r2 && busy == 0);
	struct store_run r;
	CHECK_INT(store_run_get(st, r2, &r, err), 0);
	CHECK_STR(r.status, "queued");
	CHECK(r.pid == (int64_t)getpid());
	store_run_release(&r);
	CHECK_INT(train_queue_list(st, ids, &n, err), 0);
	CHECK_INT((int)n, 0);
	/* a second taker finds it held */
	int64_t r5 = new_run(st, 10);
	CHECK_INT(train_queue_add(st, r5, err), 0);
	CHECK_INT(train_queue_take(st, &got, &busy, err), 0);
	CHECK(got == 0 && busy == r2);

	/* a spawn that fails puts the run back first, as it was */
	CHECK_INT(store_run_set_status(st, r2, "stopped", NULL, 0, err), 0);
	int64_t r6 = new_run(st, 10);
	CHECK_INT(store_run_set_status(st, r6, "failed", "process 1 ended", 0, err), 0);
	CHECK_INT(train_queue_add(st, r6, err), 0);
	CHECK_INT(train_queue_remove(st, r5, err), 0);
	CHECK_INT(train_queue_add(st, r5, err), 0); /* queue: r6 r5 */
	/* the runs' directory cannot be made: a file is in its place */
	char runs_dir[1100];
	snprintf(runs_dir, sizeof runs_dir, "%s.runs", db);
	test_write_file(runs_dir, "x", 1);
	CHECK(train_queue_start_next(st, "/bin/true", &got, &busy, err) != 0);
	CHECK(got == 0);
	unlink(runs_dir);
	CHECK_INT(store_run_get(st, r6, &r, err), 0);
	CHECK_STR(r.status, "failed");
	CHECK_STR(r.error, "process 1 ended");
	CHECK(r.pid == 0);
	store_run_release(&r);
	t = queue_text(st);
	CHECK_STR(t, "6 5");
	free(t);

	/* a spawned program that never claims the run: once it is gone the run
	 * is reaped (failed) and the queue goes on with the next one */
	CHECK_MSG(train_queue_start_next(st, "/bin/true", &got, &busy, err) == 0, "%s", err);
	CHECK(got == r6);
	CHECK_INT(store_run_get(st, r6, &r, err), 0);
	int64_t child = r.pid;
	store_run_release(&r);
	CHECK(child > 0 && child != (int64_t)getpid());
	for (int i = 0; i < 200 && kill((pid_t)child, 0) == 0; i++)
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	got = 0;
	CHECK_INT(train_queue_take(st, &got, &busy, err), 0);
	CHECK(got == r5);
	CHECK_INT(store_run_get(st, r6, &r, err), 0);
	CHECK_STR(r.status, "failed");
	store_run_release(&r);

	/* a hand-edited queue that is not one is reported, not dropped */
	CHECK_INT(store_setting_set(st, TRAIN_QUEUE_KEY, "4 oops", err), 0);
	CHECK(train_queue_take(st, &got, &busy, err) != 0);
	CHECK(strstr(err, "'oops' is not a run id") != NULL);
	CHECK(train_queue_add(st, r2, err) != 0);
	t = queue_text(st);
	CHECK_STR(t, "4 oops");
	free(t);
	store_close(st);
}

int main(void)
{
	test_parse();
	test_store();
	return test_done();
}
