/* train_queue: the workspace's queue of training runs waiting to start, kept
 * in the settings table (train.queue: run ids, oldest first) so that it
 * outlives the workbench that filled it. One run trains at a time; the next
 * one is taken when none trains, by the workbench or by `mentor runs
 * --start-queued`, inside one write transaction so that two takers never
 * start two runs. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mentor/store.h"
#include "mentor/train.h"

#define QUEUE_TEXT_MAX 8192

int train_queue_parse(const char *text, int64_t *ids, size_t *n, char *err)
{
	*n = 0;
	if (!text)
		return 0;
	size_t len = strnlen(text, QUEUE_TEXT_MAX + 1);
	if (len > QUEUE_TEXT_MAX)
		return util_err(err, "run queue '%s' is longer than %d bytes", TRAIN_QUEUE_KEY,
				QUEUE_TEXT_MAX);
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != ',' && *e != '\t' && *e != '\n')
			e++;
		char tok[24];
		size_t tl = (size_t)(e - p);
		long v = 0;
		if (tl < sizeof tok) {
			memcpy(tok, p, tl);
			tok[tl] = '\0';
		}
		if (tl >= sizeof tok || util_parse_long(tok, 1, LONG_MAX, &v)) {
			/* the setting may hold anything: it is shown escaped */
			struct buf b;
			buf_init(&b);
			util_term_escape(&b, p, tl > 30 ? 30 : tl, 0);
			util_err(err, "run queue '%s': '%s' is not a run id", TRAIN_QUEUE_KEY,
				 b.data ? b.data : "");
			buf_release(&b);
			return MENTOR_ERR;
		}
		int seen = 0;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = ids[i] == (int64_t)v;
		if (!seen) {
			if (*n >= TRAIN_QUEUE_MAX)
				return util_err(err, "run queue '%s' holds more than %d runs",
						TRAIN_QUEUE_KEY, TRAIN_QUEUE_MAX);
			ids[(*n)++] = (int64_t)v;
		}
		p = e;
	}
	return 0;
}

int train_queue_list(struct store *st, int64_t *ids, size_t *n, char *err)
{
	char *text = store_setting_get(st, TRAIN_QUEUE_KEY);
	int rc = train_queue_parse(text, ids, n, err);
	free(text);
	return rc ? MENTOR_ERR : 0;
}

static int queue_write(struct store *st, const int64_t *ids, size_t n, char *err)
{
	struct buf b;
	buf_init(&b);
	if (buf_puts(&b, ""))
		return util_err(err, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (buf_printf(&b, "%s%lld", i ? " " : "", (long long)ids[i])) {
			buf_release(&b);
			return util_err(err, "out of memory");
		}
	int rc = store_setting_set(st, TRAIN_QUEUE_KEY, b.data, err);
	buf_release(&b);
	return rc ? MENTOR_ERR : 0;
}

int train_queue_add(struct store *st, int64_t run_id, char *err)
{
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n;
	struct store_run r;
	if (store_begin(st, err))
		return MENTOR_ERR;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc)
		goto fail;
	rc = MENTOR_EUSAGE;
	if (store_run_status_parse(r.status) == STORE_RUN_DONE || strcmp(r.kind, "internal")) {
		util_err(err, "run %lld cannot be queued: it is %s", (long long)run_id,
			 strcmp(r.kind, "internal") ? "an external run"
						    : store_run_status_name(STORE_RUN_DONE));
		store_run_release(&r);
		goto fail;
	}
	store_run_release(&r);
	rc = MENTOR_ERR;
	if (train_queue_list(st, ids, &n, err))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == run_id)
			return store_commit(st, err) ? MENTOR_ERR : 0;
	if (n >= TRAIN_QUEUE_MAX) {
		util_err(err, "cannot queue run %lld: %d runs wait already", (long long)run_id,
			 TRAIN_QUEUE_MAX);
		rc = MENTOR_EUSAGE;
		goto fail;
	}
	ids[n++] = run_id;
	if (queue_write(st, ids, n, err) || store_commit(st, err))
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return rc;
}

/* Drop run_id from ids[0..*n). 1 if it was there. */
static int drop(int64_t *ids, size_t *n, int64_t run_id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == run_id) {
			memmove(ids + i, ids + i + 1, (*n - i - 1) * sizeof *ids);
			(*n)--;
			return 1;
		}
	return 0;
}

int train_queue_remove(struct store *st, int64_t run_id, char *err)
{
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n;
	if (store_begin(st, err))
		return MENTOR_ERR;
	if (train_queue_list(st, ids, &n, err) ||
	    (drop(ids, &n, run_id) && queue_write(st, ids, n, err)) || store_commit(st, err)) {
		store_rollback(st);
		return MENTOR_ERR;
	}
	return 0;
}

/* A run that a process holds: training, or claimed or spawned and not yet
 * training. */
static int holds(const struct store_run *r)
{
	int status = store_run_status_parse(r->status);
	return status == STORE_RUN_RUNNING || (status == STORE_RUN_QUEUED && r->pid > 0);
}

/* train_queue_take, recording the taken run's status and error before the
 * claim (prev; *prev_err a heap copy or NULL, caller frees) so that a failed
 * start can undo it. */
static int take(struct store *st, int64_t *run_id, int64_t *busy, char *prev, size_t prev_n,
		char **prev_err, char *err)
{
	*run_id = 0;
	if (busy)
		*busy = 0;
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n;
	if (train_queue_list(st, ids, &n, err))
		return MENTOR_ERR;
	if (!n)
		return 0;
	/* runs whose process died are no longer held */
	if (train_run_reap(st, NULL, err) || store_begin(st, err))
		return MENTOR_ERR;
	struct store_run *runs = NULL;
	size_t nr = 0;
	int ret = MENTOR_ERR;
	if (train_queue_list(st, ids, &n, err) || store_run_list(st, &runs, &nr, err))
		goto out_rollback;
	for (size_t i = 0; i < nr; i++)
		if (holds(&runs[i])) {
			if (busy)
				*busy = runs[i].id;
			ret = 0; /* nothing to write */
			goto out_rollback;
		}
	size_t k = 0;
	while (k < n && !*run_id) {
		const struct store_run *r = NULL;
		for (size_t i = 0; i < nr && !r; i++)
			if (runs[i].id == ids[k])
				r = &runs[i];
		/* gone, done or not ours to train: it leaves the queue */
		if (r && store_run_status_parse(r->status) != STORE_RUN_DONE &&
		    !strcmp(r->kind, "internal")) {
			*run_id = r->id;
			snprintf(prev, prev_n, "%s", r->status);
			*prev_err = r->error ? strdup(r->error) : NULL;
		}
		k++;
	}
	memmove(ids, ids + k, (n - k) * sizeof *ids);
	n -= k;
	/* claimed by this process until it trains it or hands it on */
	if (queue_write(st, ids, n, err) ||
	    (*run_id && store_run_set_status(st, *run_id, store_run_status_name(STORE_RUN_QUEUED),
					     NULL, (int64_t)getpid(), err)) ||
	    store_commit(st, err)) {
		*run_id = 0;
		free(*prev_err);
		*prev_err = NULL;
		goto out_rollback;
	}
	ret = 0;
	goto out_runs;
out_rollback:
	store_rollback(st);
out_runs:
	for (size_t i = 0; i < nr; i++)
		store_run_release(&runs[i]);
	free(runs);
	return ret;
}

int train_queue_take(struct store *st, int64_t *run_id, int64_t *busy, char *err)
{
	char prev[16];
	char *prev_err = NULL;
	int rc = take(st, run_id, busy, prev, sizeof prev, &prev_err, err);
	free(prev_err);
	return rc;
}

int train_queue_start_next(struct store *st, const char *exe, int64_t *run_id, int64_t *busy,
			   char *err)
{
	char prev[16] = "";
	char *prev_err = NULL;
	if (take(st, run_id, busy, prev, sizeof prev, &prev_err, err))
		return MENTOR_ERR;
	if (!*run_id)
		return 0;
	int64_t pid;
	char sub[MENTOR_ERR_LEN];
	int ret = 0;
	if (train_run_spawn(exe, store_path(st), *run_id, &pid, sub)) {
		/* not started: the run is as it was, first in the queue again */
		char ign[MENTOR_ERR_LEN];
		int64_t ids[TRAIN_QUEUE_MAX];
		size_t n = 0;
		store_run_set_status(st, *run_id, prev, prev_err, 0, ign);
		if (!store_begin(st, ign)) {
			int ok = train_queue_list(st, ids, &n, ign) == 0;
			if (ok) {
				drop(ids, &n, *run_id);
				if (n == TRAIN_QUEUE_MAX)
					n--;
				memmove(ids + 1, ids, n * sizeof *ids);
				ids[0] = *run_id;
			}
			if (!ok || queue_write(st, ids, n + 1, ign) || store_commit(st, ign))
				store_rollback(st);
		}
		ret = util_err(err, "%s", sub);
		*run_id = 0;
	}
	free(prev_err);
	return ret;
}
