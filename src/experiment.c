/* experiment: planning an experiment's runs (variants x seeds, one base
 * configuration), executing them one after another with train_run_exec,
 * resuming after a stop, starting the execution as a detached process and
 * stopping it. The table of results is in experiment_results.c. */
#include "mentor/experiment.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mentor/eval.h"
#include "mentor/store.h"

/* ------------------------------------------------------------ plan */

void experiment_spec_init(struct experiment_spec *s)
{
	memset(s, 0, sizeof *s);
	for (int v = 0; v < TRAIN_N_VARIANTS; v++)
		s->variants[s->n_variants++] = v;
	s->seeds = EXPERIMENT_DEFAULT_SEEDS;
	train_config_defaults(&s->base);
	s->auto_source = 1;
}

int experiment_pick_source(struct store *st, int64_t dataset_id, int *source, char *err)
{
	static const int order[] = {TRAIN_SRC_ACCEPTED, TRAIN_SRC_CROP, TRAIN_SRC_GOLD};
	size_t best_n = 0;
	*source = TRAIN_SRC_ACCEPTED;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		struct train_corpus c;
		train_corpus_init(&c);
		if (train_corpus_load(st, dataset_id, "train", order[k], &c, err))
			return MENTOR_ERR;
		size_t with = 0;
		for (size_t i = 0; i < c.n; i++)
			with += c.items[i].n_expl > 0;
		size_t n = c.n;
		train_corpus_release(&c);
		if (n && 2 * with >= n) {
			*source = order[k];
			return 0;
		}
		if (with > best_n) {
			best_n = with;
			*source = order[k];
		}
	}
	return 0;
}

int experiment_spec_variants(struct experiment_spec *s, const char *list, char *err)
{
	size_t n = 0;
	int got[TRAIN_N_VARIANTS];
	const char *p = list ? list : "";
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[32];
		if (len == 0 || len >= sizeof name) {
			util_err(err,
				 "invalid variant list '%.100s': expected names such as "
				 "baseline,mt-cot separated by commas",
				 list ? list : "");
			return MENTOR_EUSAGE;
		}
		memcpy(name, p, len);
		name[len] = 0;
		int v = train_variant_parse(name);
		if (v < 0) {
			util_err(err,
				 "unknown variant '%s': expected baseline, mt-re, mt-ra or "
				 "mt-cot",
				 name);
			return MENTOR_EUSAGE;
		}
		for (size_t i = 0; i < n; i++)
			if (got[i] == v) {
				util_err(err, "variant '%s' is listed twice", name);
				return MENTOR_EUSAGE;
			}
		got[n++] = v;
		if (!comma)
			break;
		p = comma + 1;
	}
	memcpy(s->variants, got, n * sizeof *got);
	s->n_variants = n;
	return 0;
}

static int spec_check(const struct experiment_spec *s, char *err)
{
	if (s->n_variants < 1 || s->n_variants > TRAIN_N_VARIANTS) {
		util_err(err, "an experiment needs 1 to %d variants", TRAIN_N_VARIANTS);
		return MENTOR_EUSAGE;
	}
	for (size_t i = 0; i < s->n_variants; i++) {
		if (s->variants[i] < 0 || s->variants[i] >= TRAIN_N_VARIANTS) {
			util_err(err, "unknown variant %d", s->variants[i]);
			return MENTOR_EUSAGE;
		}
		for (size_t j = 0; j < i; j++)
			if (s->variants[j] == s->variants[i]) {
				util_err(err, "variant '%s' is listed twice",
					 train_variant_name(s->variants[i]));
				return MENTOR_EUSAGE;
			}
	}
	if (s->seeds < 1 || s->seeds > EXPERIMENT_MAX_SEEDS) {
		util_err(err, "invalid number of seeds %d: expected 1..%d", s->seeds,
			 EXPERIMENT_MAX_SEEDS);
		return MENTOR_EUSAGE;
	}
	struct train_config c = s->base;
	for (size_t i = 0; i < s->n_variants; i++) {
		c.variant = s->variants[i];
		int rc = train_config_check(&c, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The multi-task variants learn from explanations: refuse a plan whose
 * source has none in the train split, before any run is created. */
static int check_data(struct store *st, const struct experiment_spec *s, int64_t dataset_id,
		      char *err)
{
	int multi = 0;
	for (size_t i = 0; i < s->n_variants; i++)
		multi |= s->variants[i] != TRAIN_BASELINE;
	struct train_corpus c;
	train_corpus_init(&c);
	if (train_corpus_load(st, dataset_id, "train", s->base.source, &c, err))
		return MENTOR_ERR;
	int rc = 0;
	if (c.n == 0) {
		util_err(err, "dataset '%s' has no train items", s->base.dataset);
		rc = MENTOR_EUSAGE;
	} else if (multi && c.n_expl == 0) {
		if (s->base.source == TRAIN_SRC_ACCEPTED)
			util_err(err,
				 "no accepted explanations in dataset '%s': review some, or use "
				 "'--source gold' or a teacher mode",
				 s->base.dataset);
		else
			util_err(err, "no explanations from source '%s' in dataset '%s'",
				 train_source_name(s->base.source), s->base.dataset);
		rc = MENTOR_EUSAGE;
	}
	train_corpus_release(&c);
	return rc;
}

/* {"variants":[...],"seeds":[1..N],"base":{train configuration}} */
static char *plan_json(const struct experiment_spec *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *vs = cJSON_AddArrayToObject(o, "variants");
	cJSON *seeds = cJSON_AddArrayToObject(o, "seeds");
	char *base_text = train_config_to_json(&s->base);
	cJSON *base = cJSON_Parse(base_text);
	free(base_text);
	if (!o || !vs || !seeds || !base)
		util_oom();
	for (size_t i = 0; i < s->n_variants; i++)
		cJSON_AddItemToArray(vs, cJSON_CreateString(train_variant_name(s->variants[i])));
	for (int i = 1; i <= s->seeds; i++)
		cJSON_AddItemToArray(seeds, cJSON_CreateNumber(i));
	/* each run has its own variant and seed */
	cJSON_DeleteItemFromObjectCaseSensitive(base, "variant");
	cJSON_DeleteItemFromObjectCaseSensitive(base, "seed");
	cJSON_AddItemToObject(o, "base", base);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		util_oom();
	char *copy = util_strdup(text);
	cJSON_free(text);
	return copy;
}

int experiment_plan(struct store *st, const struct experiment_spec *spec, int64_t *exp_id,
		    char *err)
{
	struct experiment_spec picked = *spec;
	const struct experiment_spec *s = &picked;
	int rc = spec_check(s, err);
	if (rc)
		return rc;
	struct store_dataset d;
	rc = store_dataset_get(st, s->base.dataset, &d, err);
	if (rc == MENTOR_ENOTFOUND) {
		util_err(err, "no dataset '%s'; see 'mentor datasets'", s->base.dataset);
		return MENTOR_EUSAGE;
	}
	if (rc)
		return MENTOR_ERR;
	int64_t dataset_id = d.id;
	store_dataset_release(&d);
	if (spec->auto_source && experiment_pick_source(st, dataset_id, &picked.base.source, err))
		return MENTOR_ERR;
	rc = check_data(st, s, dataset_id, err);
	if (rc)
		return rc;

	struct store_experiment e;
	memset(&e, 0, sizeof e);
	e.dataset_id = dataset_id;
	e.config_json = plan_json(s);
	e.status = (char *)store_run_status_name(STORE_RUN_QUEUED);
	if (store_begin(st, err)) {
		free(e.config_json);
		return MENTOR_ERR;
	}
	if (store_experiment_insert(st, &e, err))
		goto rollback;
	char name[TRAIN_MAX_NAME];
	snprintf(name, sizeof name, "exp%lld", (long long)e.id);
	if (store_experiment_set_name(st, e.id, name, err))
		goto rollback;
	/* seed-major: each finished group of runs is already a paired set */
	for (int seed = 1; seed <= s->seeds; seed++)
		for (size_t i = 0; i < s->n_variants; i++) {
			struct train_config c = s->base;
			c.variant = s->variants[i];
			c.seed = (uint64_t)seed;
			snprintf(name, sizeof name, "exp%lld %s s%d", (long long)e.id,
				 train_variant_name(c.variant), seed);
			int64_t run_id;
			if (train_run_create(st, &c, name, &run_id, err) ||
			    store_run_set_experiment(st, run_id, e.id, err))
				goto rollback;
		}
	if (store_commit(st, err))
		goto fail;
	free(e.config_json);
	*exp_id = e.id;
	return 0;
rollback:
	store_rollback(st);
fail:
	free(e.config_json);
	return MENTOR_ERR;
}

/* ------------------------------------------------------------ execution */

static int pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int set_status(struct store *st, int64_t exp_id, enum store_run_status status, int64_t pid,
		      char *err)
{
	return store_experiment_set_status(st, exp_id, store_run_status_name(status), pid, err);
}

/* The run in progress, as the callbacks see it. */
struct exec_ctx {
	const struct experiment_opts *o;
	struct experiment_progress p;
	int stopped; /* the caller asked to stop (callback or flag) */
};

static int stop_asked(struct exec_ctx *x)
{
	if (x->o && x->o->stop && *x->o->stop)
		x->stopped = 1;
	return x->stopped;
}

static int tell(struct exec_ctx *x, const struct train_progress *tp)
{
	x->p.train = tp;
	if (x->o && x->o->progress && x->o->progress(x->o->u, &x->p))
		x->stopped = 1;
	x->p.train = NULL; /* tp lives only as long as this call */
	return stop_asked(x);
}

static int on_train(void *u, const struct train_progress *tp)
{
	return tell(u, tp);
}

static int on_eval(void *u, int64_t done, int64_t todo)
{
	struct exec_ctx *x = u;
	struct train_progress tp;
	memset(&tp, 0, sizeof tp);
	tp.run_id = x->p.run_id;
	tp.phase = TRAIN_PHASE_EVAL;
	tp.loss = tp.loss_ans = tp.loss_exp = tp.lr = tp.tok_s = tp.val_loss = NAN;
	tp.done = done;
	tp.todo = todo;
	return tell(x, &tp);
}

/* Take the experiment for this process. */
static int claim(struct store *st, int64_t exp_id, char *err)
{
	struct store_experiment e;
	if (store_begin(st, err))
		return MENTOR_ERR;
	int rc = store_experiment_get(st, exp_id, &e, err);
	if (rc)
		goto fail;
	int mine = e.pid == (int64_t)getpid();
	if (!mine && store_run_status_parse(e.status) == STORE_RUN_RUNNING && pid_alive(e.pid)) {
		util_err(err, "experiment %lld is already running (pid %lld)", (long long)exp_id,
			 (long long)e.pid);
		rc = MENTOR_EUSAGE;
		store_experiment_release(&e);
		goto fail;
	}
	store_experiment_release(&e);
	rc = MENTOR_ERR;
	if (set_status(st, exp_id, STORE_RUN_RUNNING, (int64_t)getpid(), err))
		goto fail;
	return store_commit(st, err) ? MENTOR_ERR : 0;
fail:
	store_rollback(st);
	return rc;
}

/* 1 when the run must be evaluated again: done, evaluating at the end, but
 * with fewer predictions than the split has items. */
static int needs_eval(struct store *st, const struct store_run *r, const struct train_config *c,
		      char *err, int *bad)
{
	*bad = 0;
	if (!c->eval_at_end)
		return 0;
	struct store_dataset d;
	int64_t have = 0;
	if (store_dataset_get_id(st, r->dataset_id, &d, err) ||
	    store_pred_count(st, r->id, c->eval_split, &have, err)) {
		*bad = 1;
		return 0;
	}
	int64_t want = !strcmp(c->eval_split, "train") ? d.n_train
		       : !strcmp(c->eval_split, "dev") ? d.n_dev
						       : d.n_test;
	store_dataset_release(&d);
	return have < want;
}

/* Execute (or finish evaluating) one run. 0, MENTOR_ECANCEL or an error. */
static int exec_one(const char *db_path, struct store *st, struct exec_ctx *x, char *err)
{
	struct store_run r;
	if (store_run_get(st, x->p.run_id, &r, err))
		return MENTOR_ERR;
	struct train_config c;
	int rc = train_config_from_json(r.config_json, &c, err);
	x->p.variant = train_variant_name(c.variant);
	x->p.seed = c.seed;
	if (rc) {
		store_run_release(&r);
		return MENTOR_ERR;
	}
	if (store_run_status_parse(r.status) == STORE_RUN_DONE) {
		int bad;
		int again = needs_eval(st, &r, &c, err, &bad);
		store_run_release(&r);
		if (bad)
			return MENTOR_ERR;
		if (!again) {
			tell(x, NULL);
			return 0;
		}
		struct eval_result res;
		rc = eval_run(st, x->p.run_id, c.eval_split, on_eval, x, &res, err);
		const char *done = store_run_status_name(STORE_RUN_DONE);
		if (rc == 0) /* the note about an interrupted evaluation no longer holds */
			rc = store_run_set_status(st, x->p.run_id, done, NULL, 0, err);
		return rc;
	}
	store_run_release(&r);
	struct train_opts to;
	memset(&to, 0, sizeof to);
	to.stop = x->o ? x->o->stop : NULL;
	to.progress = on_train;
	to.u = x;
	to.threads = x->o ? x->o->threads : 0;
	to.eval = eval_train_hooks();
	rc = train_run_exec(db_path, x->p.run_id, &to, err);
	/* a stop during the final evaluation leaves a done run: it is
	 * evaluated again when the experiment resumes */
	if (rc == 0 && stop_asked(x))
		rc = MENTOR_ECANCEL;
	return rc;
}

int experiment_exec(const char *db_path, int64_t exp_id, const struct experiment_opts *o, char *err)
{
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		return MENTOR_ERR;
	int rc = claim(st, exp_id, err);
	if (rc) {
		store_close(st);
		return rc;
	}
	int64_t *ids = NULL;
	size_t n = 0;
	struct exec_ctx x;
	memset(&x, 0, sizeof x);
	x.o = o;
	x.p.experiment_id = exp_id;
	size_t failed = 0;
	char first[MENTOR_ERR_LEN] = "";
	int ret = MENTOR_ERR;
	if (store_experiment_run_ids(st, exp_id, &ids, &n, err))
		goto out;
	x.p.n = n;
	ret = 0;
	for (size_t k = 0; k < n && ret == 0; k++) {
		if (stop_asked(&x)) {
			ret = MENTOR_ECANCEL;
			break;
		}
		x.p.k = k + 1;
		x.p.run_id = ids[k];
		x.p.variant = "?";
		x.p.seed = 0;
		char sub[MENTOR_ERR_LEN] = "";
		rc = exec_one(db_path, st, &x, sub);
		if (rc == MENTOR_ECANCEL) {
			ret = MENTOR_ECANCEL;
		} else if (rc) {
			/* recorded on the run (train_run_exec marks it failed); go on */
			if (!failed++)
				snprintf(first, sizeof first, "run %lld (%s seed %llu): %.400s",
					 (long long)ids[k], x.p.variant,
					 (unsigned long long)x.p.seed, sub);
		}
	}
	enum store_run_status status = STORE_RUN_DONE;
	if (ret == MENTOR_ECANCEL)
		status = STORE_RUN_STOPPED;
	else if (failed)
		status = STORE_RUN_FAILED;
	char sub[MENTOR_ERR_LEN];
	if (set_status(st, exp_id, status, 0, sub) && ret == 0)
		ret = util_err(err, "%s", sub);
	else if (ret == MENTOR_ECANCEL)
		util_err(err,
			 "experiment %lld stopped; resume with 'mentor experiment --resume "
			 "%lld'",
			 (long long)exp_id, (long long)exp_id);
	else if (failed)
		ret = util_err(err, "%zu of %zu runs of experiment %lld failed; first: %s", failed,
			       n, (long long)exp_id, first);
out:
	free(ids);
	store_close(st);
	return ret;
}

int experiment_spawn(const char *exe, const char *db_path, int64_t exp_id, int64_t *pid, char *err)
{
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		return MENTOR_ERR;
	struct buf log;
	buf_init(&log);
	int ret = MENTOR_ERR;
	struct store_experiment e;
	if (store_begin(st, err))
		goto out;
	int rc = store_experiment_get(st, exp_id, &e, err);
	if (rc) {
		store_rollback(st);
		ret = rc;
		goto out;
	}
	int status = store_run_status_parse(e.status);
	int busy = (status == STORE_RUN_RUNNING || status == STORE_RUN_QUEUED) && e.pid > 0 &&
		   pid_alive(e.pid);
	if (status == STORE_RUN_DONE || busy) {
		util_err(err, "cannot start experiment %lld: it is %s", (long long)exp_id,
			 busy ? "already running" : "already done");
		store_experiment_release(&e);
		store_rollback(st);
		ret = MENTOR_EUSAGE;
		goto out;
	}
	store_experiment_release(&e);
	if (set_status(st, exp_id, STORE_RUN_QUEUED, 0, err) || store_commit(st, err)) {
		store_rollback(st);
		goto out;
	}
	if (buf_printf(&log, "%s.runs", db_path)) {
		util_err(err, "out of memory");
		goto out;
	}
	if (mkdir(log.data, 0755) != 0 && errno != EEXIST) {
		util_err(err, "cannot create '%s': %s", log.data, strerror(errno));
		goto out;
	}
	if (buf_printf(&log, "/experiment-%lld.log", (long long)exp_id)) {
		util_err(err, "out of memory");
		goto out;
	}
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)exp_id);
	char *argv[] = {"mentor", "--db", (char *)db_path, "experiment", "--resume", idbuf, NULL};
	static const char *const env[] = {"OMP_WAIT_POLICY=passive", NULL};
	char sub[MENTOR_ERR_LEN];
	int64_t gp;
	if (util_spawn_detached(exe ? exe : "/proc/self/exe", argv, log.data, env, &gp, sub)) {
		util_err(err, "cannot start experiment %lld: %s", (long long)exp_id, sub);
		goto out;
	}
	*pid = gp;
	/* the process may have claimed it already: same pid either way */
	ret = store_experiment_set_pid_if(st, exp_id, gp, err) ? MENTOR_ERR : 0;
out:
	buf_release(&log);
	store_close(st);
	return ret;
}

int experiment_stop(struct store *st, int64_t exp_id, char *err)
{
	struct store_experiment e;
	int rc = store_experiment_get(st, exp_id, &e, err);
	if (rc)
		return rc;
	int ret = 0;
	if (store_run_status_parse(e.status) == STORE_RUN_DONE) {
		util_err(err, "experiment %lld is already done", (long long)exp_id);
		ret = MENTOR_EUSAGE;
	} else if (e.pid > 0 && e.pid != (int64_t)getpid() && pid_alive(e.pid)) {
		/* the process stops its current run with a checkpoint and marks
		 * the experiment stopped itself */
		if (kill((pid_t)e.pid, SIGTERM) != 0)
			ret = util_err(err, "cannot stop experiment %lld: process %lld: %s",
				       (long long)exp_id, (long long)e.pid, strerror(errno));
	} else {
		ret = set_status(st, exp_id, STORE_RUN_STOPPED, 0, err);
	}
	store_experiment_release(&e);
	return ret;
}
