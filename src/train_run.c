/* train_run: a run outside its training loop: its directory and checkpoint,
 * the configuration of a run started from another one, creation, reaping runs
 * whose process died, stopping, and spawning a detached trainer. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "train_int.h"

/* ------------------------------------------------------------ runs */

int train_run_dir(const char *db_path, int64_t run_id, struct buf *out)
{
	return buf_printf(out, "%s.runs/%lld", db_path, (long long)run_id);
}

int train_run_ckpt_path(const char *db_path, int64_t run_id, struct buf *out)
{
	return buf_printf(out, "%s.runs/%lld/ckpt.bin", db_path, (long long)run_id);
}

int train_file_exists(const char *path)
{
	struct stat sb;
	return path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int train_run_ckpt_find(struct store *st, const struct store_run *r, struct buf *out, char *err)
{
	buf_reset(out);
	if (r->checkpoint && *r->checkpoint && train_file_exists(r->checkpoint))
		return buf_puts(out, r->checkpoint) ? util_err(err, "out of memory") : 0;
	/* the workspace moved with its runs directory beside it */
	if (train_run_ckpt_path(store_path(st), r->id, out))
		return util_err(err, "out of memory");
	if (train_file_exists(out->data))
		return 0;
	if (!r->checkpoint || !*r->checkpoint) {
		util_err(err, "run %lld has no checkpoint yet", (long long)r->id);
		return MENTOR_EUSAGE;
	}
	return util_err(err, "cannot load checkpoint '%s': %s", r->checkpoint, strerror(ENOENT));
}

int train_config_init_from(struct store *st, const char *ref, struct train_config *cfg, char *err)
{
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc)
		return rc == MENTOR_ENOTFOUND ? MENTOR_EUSAGE : MENTOR_ERR;
	struct buf path;
	buf_init(&path);
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	int ret = MENTOR_EUSAGE;
	if (!strcmp(r.kind, "external")) {
		util_err(err,
			 "run %lld is an external run: import its model with 'mentor "
			 "import-model' and start from that",
			 (long long)r.id);
		goto out;
	}
	char sub[MENTOR_ERR_LEN];
	rc = train_run_ckpt_find(st, &r, &path, sub);
	if (rc) {
		util_err(err, "cannot start from run %lld: %s", (long long)r.id, sub);
		ret = rc;
		goto out;
	}
	ret = MENTOR_ERR;
	if (train_ckpt_load(path.data, TRAIN_CKPT_HEADER, &ck, err))
		goto out;
	cfg->init_from = r.id;
	if (ck.arch == STUDENT_LLAMA) {
		/* the training context it had, within the new run's limits */
		int ctx = ck.cfg.n_ctx;
		if (ctx > ck.lcfg.max_seq_len)
			ctx = ck.lcfg.max_seq_len;
		if (ctx > LLAMA_MAX_TRAIN_T)
			ctx = LLAMA_MAX_TRAIN_T;
		cfg->n_ctx = ctx;
		cfg->vocab = tokenizer_vocab_size(ck.tok);
		train_config_set_llama(cfg, &ck.lcfg);
	} else {
		cfg->arch = STUDENT_GPT2;
		cfg->n_layer = ck.mcfg.n_layer;
		cfg->n_embd = ck.mcfg.n_embd;
		cfg->n_head = ck.mcfg.n_head;
		cfg->n_ctx = ck.mcfg.max_seq_len;
	}
	cfg->vocab = tokenizer_vocab_size(ck.tok);
	snprintf(cfg->preset, sizeof cfg->preset, "%s",
		 ck.cfg.preset[0] ? ck.cfg.preset : "custom");
	ret = 0;
out:
	train_ckpt_release(&ck);
	buf_release(&path);
	store_run_release(&r);
	return ret;
}

int train_make_run_dir(const char *db_path, int64_t run_id, struct buf *dir, char *err)
{
	buf_reset(dir);
	if (buf_printf(dir, "%s.runs", db_path))
		return util_err(err, "out of memory");
	if (mkdir(dir->data, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir->data, strerror(errno));
	if (buf_printf(dir, "/%lld", (long long)run_id))
		return util_err(err, "out of memory");
	if (mkdir(dir->data, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir->data, strerror(errno));
	return 0;
}

int train_run_create(struct store *st, const struct train_config *cfg, const char *name,
		     int64_t *run_id, char *err)
{
	int rc = train_config_check(cfg, err);
	if (rc)
		return rc;
	struct store_dataset d;
	rc = store_dataset_get(st, cfg->dataset, &d, err);
	if (rc == MENTOR_ENOTFOUND)
		return util_err(err, "no dataset '%s'; see 'mentor datasets'", cfg->dataset);
	if (rc)
		return MENTOR_ERR;
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = d.id;
	store_dataset_release(&d);
	r.name = util_strdup(name ? name : "");
	r.variant = util_strdup(train_variant_name(cfg->variant));
	r.alpha = cfg->variant == TRAIN_BASELINE ? 1.0 : cfg->alpha;
	r.source = util_strdup(train_source_name(cfg->source));
	r.kind = util_strdup("internal");
	r.config_json = train_config_to_json(cfg);
	r.status = util_strdup(store_run_status_name(STORE_RUN_QUEUED));
	r.total_steps = cfg->steps;
	int ret = MENTOR_ERR;
	if (store_begin(st, err))
		goto out;
	if (store_run_insert(st, &r, err))
		goto rollback;
	if (!name || !*name) {
		free(r.name);
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "%s-%lld", r.variant, (long long)r.id);
		r.name = buf_detach(&b, NULL);
		if (store_run_update(st, &r, err))
			goto rollback;
	}
	if (store_commit(st, err))
		goto out;
	*run_id = r.id;
	ret = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	store_run_release(&r);
	return ret;
}

int train_pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int train_run_reap(struct store *st, int *n_marked, char *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;
	if (n_marked)
		*n_marked = 0;
	if (store_run_list(st, &runs, &n, err))
		return MENTOR_ERR;
	int ret = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		struct store_run *r = &runs[i];
		int s = store_run_status_parse(r->status);
		int running = s == STORE_RUN_RUNNING;
		int spawned = s == STORE_RUN_QUEUED && r->pid > 0;
		if ((!running && !spawned) || r->pid == (int64_t)getpid() ||
		    train_pid_alive(r->pid))
			continue;
		char msg[200];
		snprintf(msg, sizeof msg,
			 "process %lld ended without finishing; resume with 'mentor train --resume "
			 "%lld'",
			 (long long)r->pid, (long long)r->id);
		ret = store_run_set_status(st, r->id, store_run_status_name(STORE_RUN_FAILED), msg,
					   0, err);
		if (!ret && n_marked)
			(*n_marked)++;
	}
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
	return ret;
}

int train_run_stop(struct store *st, int64_t run_id, char *err)
{
	struct store_run r;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc)
		return rc;
	int ret = 0;
	if (store_run_status_parse(r.status) == STORE_RUN_QUEUED) {
		/* not started yet: it refuses to start once it sees this */
		ret = store_run_set_status(st, run_id, store_run_status_name(STORE_RUN_STOPPED),
					   NULL, 0, err);
		if (r.pid > 0 && r.pid <= INT32_MAX)
			kill((pid_t)r.pid, SIGTERM);
	} else if (store_run_status_parse(r.status) == STORE_RUN_RUNNING) {
		if (r.pid > 0 && r.pid <= INT32_MAX && kill((pid_t)r.pid, SIGTERM) == 0)
			goto out;
		if (r.pid > 0 && errno == EPERM) {
			ret = util_err(err, "cannot stop run %lld: process %lld: %s",
				       (long long)run_id, (long long)r.pid, strerror(errno));
			goto out;
		}
		/* the process is gone: record it as stopped, resumable */
		ret = store_run_set_status(st, run_id, store_run_status_name(STORE_RUN_STOPPED),
					   "stopped after its process had ended", 0, err);
	} else {
		util_err(err, "run %lld is not running (status %s)", (long long)run_id, r.status);
		ret = MENTOR_EUSAGE;
	}
out:
	store_run_release(&r);
	return ret;
}

int train_run_spawn(const char *exe, const char *db_path, int64_t run_id, int64_t *pid, char *err)
{
	struct buf dir;
	buf_init(&dir);
	int ret = MENTOR_ERR;
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		goto out;
	struct store_run r;
	if (store_begin(st, err))
		goto out;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc) {
		store_rollback(st);
		goto out;
	}
	int s = store_run_status_parse(r.status);
	if (s == STORE_RUN_DONE || (s == STORE_RUN_RUNNING && train_pid_alive(r.pid)) ||
	    (s == STORE_RUN_QUEUED && r.pid > 0 && r.pid != (int64_t)getpid() &&
	     train_pid_alive(r.pid))) {
		util_err(err, "cannot start run %lld: it is %s", (long long)run_id,
			 s == STORE_RUN_DONE ? "already done" : "already running");
		store_run_release(&r);
		store_rollback(st);
		goto out;
	}
	store_run_release(&r);
	if (store_run_set_status(st, run_id, store_run_status_name(STORE_RUN_QUEUED), NULL, 0,
				 err) ||
	    store_commit(st, err)) {
		store_rollback(st);
		goto out;
	}
	if (train_make_run_dir(db_path, run_id, &dir, err))
		goto out;
	if (buf_puts(&dir, "/log.txt")) {
		util_err(err, "out of memory");
		goto out;
	}
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)run_id);
	char *argv[] = {"mentor",   "--db", (char *)db_path, "train",
			"--resume", idbuf,  "--spawned",     NULL};
	/* idle compute threads sleep instead of spinning: on a shared machine
	 * spinning threads slow a run down many times over */
	static const char *const env[] = {"OMP_WAIT_POLICY=passive", NULL};
	int64_t gp;
	char sub[MENTOR_ERR_LEN];
	if (util_spawn_detached(exe ? exe : "/proc/self/exe", argv, dir.data, env, &gp, sub)) {
		util_err(err, "cannot start run %lld: %s", (long long)run_id, sub);
		goto out;
	}
	*pid = gp;
	/* the process may have claimed the run already: same pid either way */
	ret = store_run_set_pid_if(st, run_id, gp, err) ? MENTOR_ERR : 0;
out:
	store_close(st);
	buf_release(&dir);
	return ret;
}
