/* train: the training loop of one run (see include/mentor/train.h): claim the
 * run, prepare data, tokenizer, model and state (fresh or resumed), step,
 * validate, checkpoint, record metrics and evaluate through the caller's hooks.
 * The rest of the module: train_config.c, train_data.c, train_ckpt.c,
 * train_run.c and train_queue.c. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "train_int.h"

/* ------------------------------------------------------------ the trainer */

/* Everything one run holds while it trains. */
struct trainer {
	struct store *st;
	const char *db_path;
	int64_t run_id;
	struct train_config cfg;
	const struct train_opts *o;
	struct tokenizer *tok;
	struct student *model;
	struct train_set train, dev;
	struct train_batch batch, batch2; /* answer and explanation micro-batches */
	struct rng rng;
	int64_t step, total;
	double elapsed0, t0;
	int64_t last_ckpt;
	struct buf ckpt_path;
	uint64_t data_hash;
	struct train_corpus devq; /* the fixed dev subset whose accuracy is tracked */
	int64_t eval_every;       /* 0: never */
};

static double now_elapsed(const struct trainer *tr)
{
	return tr->elapsed0 + util_mono() - tr->t0;
}

static int save_checkpoint(struct trainer *tr, char *err)
{
	struct train_ckpt c;
	memset(&c, 0, sizeof c);
	c.cfg = tr->cfg;
	const struct student_config *sc = student_get_config(tr->model);
	c.arch = sc->arch;
	c.mcfg = sc->gpt2;
	c.lcfg = sc->llama;
	c.tok = tr->tok;
	c.params = student_params(tr->model);
	c.m = student_adam_m(tr->model);
	c.v = student_adam_v(tr->model);
	c.n_params = student_num_params(tr->model);
	c.step = tr->step;
	c.total_steps = tr->total;
	c.rng_state = tr->rng.s;
	c.data_hash = tr->data_hash;
	c.elapsed = now_elapsed(tr);
	if (train_ckpt_save(tr->ckpt_path.data, &c, err))
		return MENTOR_ERR;
	tr->last_ckpt = tr->step;
	return store_run_set_progress(tr->st, tr->run_id, tr->step, tr->ckpt_path.data, err);
}

/* Weighted mean loss of the first val_items sequences of each task of the
 * dev set: alpha*answer + (1-alpha)*explanation (answer alone when there is
 * no explanation). NAN when the dev split is empty. */
static double val_loss(struct trainer *tr, char *err, int *failed)
{
	double sum[2] = {0, 0}, wsum[2] = {0, 0};
	const struct train_example *sets[2] = {tr->dev.ans, tr->dev.exp};
	size_t counts[2] = {tr->dev.n_ans, tr->dev.n_exp};
	*failed = 0;
	for (int task = 0; task < 2; task++) {
		size_t n = counts[task];
		if (n > (size_t)tr->cfg.val_items)
			n = (size_t)tr->cfg.val_items;
		for (size_t i = 0; i < n; i += (size_t)tr->cfg.batch) {
			size_t k = n - i < (size_t)tr->cfg.batch ? n - i : (size_t)tr->cfg.batch;
			const struct train_example *pick[4096];
			for (size_t j = 0; j < k; j++)
				pick[j] = &sets[task][i + j];
			if (train_batch_fill(&tr->batch, pick, (int)k, train_pad_id(&tr->train),
					     1.0, 0.0, err) ||
			    student_forward(tr->model, tr->batch.inputs, tr->batch.targets, NULL,
					    tr->batch.B, tr->batch.T, NULL, err)) {
				*failed = 1;
				return NAN;
			}
			const float *sl = student_seq_loss(tr->model);
			const float *sw = student_seq_weight(tr->model);
			for (size_t j = 0; j < k; j++) {
				sum[task] += sl[j];
				wsum[task] += sw[j];
			}
		}
	}
	if (wsum[0] <= 0)
		return NAN;
	double la = sum[0] / wsum[0];
	if (tr->cfg.variant == TRAIN_BASELINE || wsum[1] <= 0)
		return la;
	return tr->cfg.alpha * la + (1.0 - tr->cfg.alpha) * (sum[1] / wsum[1]);
}

/* Seconds one training step takes, measured on throwaway batches without
 * touching the parameters, the optimizer or the batch stream. */
static double probe_step_time(struct trainer *tr, char *err)
{
	struct rng r;
	rng_seed(&r, tr->cfg.seed ^ 0x5eedULL);
	double t = 0;
	for (int i = 0; i < 3; i++) {
		double t0 = util_mono();
		if (train_batch_sample(&tr->train, tr->cfg.variant, tr->cfg.alpha, &r,
				       tr->cfg.batch, &tr->batch, err) ||
		    student_forward(tr->model, tr->batch.inputs, tr->batch.targets,
				    tr->batch.weights, tr->batch.B, tr->batch.T, NULL, err) ||
		    student_backward(tr->model, err))
			return -1;
		if (i > 0)
			t += util_mono() - t0;
	}
	student_zero_grad(tr->model);
	return t / 2;
}

static int report(struct trainer *tr, struct train_progress *p)
{
	p->run_id = tr->run_id;
	p->total_steps = tr->total;
	p->elapsed = now_elapsed(tr);
	int stop = 0;
	if (tr->o && tr->o->progress)
		stop = tr->o->progress(tr->o->u, p);
	if (tr->o && tr->o->stop && *tr->o->stop)
		stop = 1;
	return stop;
}

/* Forward (and backward when `grad`) one single-task micro-batch; adds the
 * sum and count of its target-token losses to *sum / *count. */
static int micro_batch(struct trainer *tr, struct train_batch *b,
		       const struct train_example *const *pick, int n, int grad, float *loss,
		       double *sum, int64_t *count, char *err)
{
	if (train_batch_fill(b, pick, n, train_pad_id(&tr->train), 1.0, 1.0, err) ||
	    student_forward(tr->model, b->inputs, b->targets, b->weights, b->B, b->T, loss, err))
		return MENTOR_ERR;
	const float *nll = student_token_nll(tr->model);
	size_t cells = (size_t)b->B * (size_t)b->T;
	for (size_t i = 0; nll && i < cells; i++) {
		if (b->targets[i] < 0)
			continue;
		*sum += nll[i];
		(*count)++;
	}
	return grad ? student_backward(tr->model, err) : 0;
}

static void scale_grads(struct student *m, float k)
{
	float *g = student_grads(m);
	size_t n = student_num_params(m);
	for (size_t i = 0; i < n; i++)
		g[i] *= k;
}

/* One optimizer step; fills the progress record. The two tasks run as two
 * micro-batches, each padded only to its own longest sequence (answers are
 * much shorter than explanations), and their gradients are combined as
 * alpha * answer + (1 - alpha) * explanation, the gradient of the weighted
 * loss of train_batch_sample's single batch. */
static int train_step(struct trainer *tr, struct train_progress *p, char *err)
{
	double t0 = util_mono();
	double lr = train_lr_at(&tr->cfg, tr->step, tr->total);
	double alpha = tr->cfg.alpha;
	int B = tr->cfg.batch;
	int multi = tr->cfg.variant != TRAIN_BASELINE;
	if (!tr->train.n_ans || (multi && !tr->train.n_exp))
		return util_err(err, "no training sequences");
	const struct train_example *pick[4096];
	int n_ans = train_pick_examples(&tr->train, multi, &tr->rng, B, pick);
	int n_exp = B - n_ans;
	student_zero_grad(tr->model);
	double s[2] = {0, 0};
	int64_t c[2] = {0, 0};
	float la = 0, le = 0, loss;
	int64_t tokens = 0;
	if (n_exp == 0 || alpha >= 1.0) {
		if (micro_batch(tr, &tr->batch, pick, n_ans, 1, &la, &s[0], &c[0], err))
			return MENTOR_ERR;
		tokens += tr->batch.n_tokens;
		if (n_exp) { /* alpha 1: the explanation task is only measured */
			if (micro_batch(tr, &tr->batch2, pick + n_ans, n_exp, 0, &le, &s[1], &c[1],
					err))
				return MENTOR_ERR;
			tokens += tr->batch2.n_tokens;
		}
		loss = la;
	} else {
		/* explanation first: grads = g_exp, then scaled so that adding g_ans
		 * and scaling by alpha leaves alpha*g_ans + (1-alpha)*g_exp */
		if (micro_batch(tr, &tr->batch2, pick + n_ans, n_exp, 1, &le, &s[1], &c[1], err))
			return MENTOR_ERR;
		tokens += tr->batch2.n_tokens;
		int ans_grad = alpha > 0;
		if (ans_grad)
			scale_grads(tr->model, (float)((1.0 - alpha) / alpha));
		if (micro_batch(tr, &tr->batch, pick, n_ans, ans_grad, &la, &s[0], &c[0], err))
			return MENTOR_ERR;
		tokens += tr->batch.n_tokens;
		if (ans_grad)
			scale_grads(tr->model, (float)alpha);
		loss = (float)(alpha * la + (1.0 - alpha) * le);
	}
	if (tr->cfg.grad_clip > 0)
		student_clip_grad(tr->model, (float)tr->cfg.grad_clip);
	struct model_adamw opt = {(float)lr, (float)tr->cfg.beta1, (float)tr->cfg.beta2,
				  (float)tr->cfg.eps, (float)tr->cfg.weight_decay};
	if (student_adamw_step(tr->model, &opt, err))
		return MENTOR_ERR;
	if (!isfinite(loss))
		return util_err(err, "loss is not finite at step %lld; lower '--lr'",
				(long long)(tr->step + 1));
	tr->step++;
	double dt = util_mono() - t0;
	memset(p, 0, sizeof *p);
	p->phase = TRAIN_PHASE_STEP;
	p->step = tr->step;
	p->loss = loss;
	p->loss_ans = c[0] ? s[0] / (double)c[0] : NAN;
	p->loss_exp = c[1] ? s[1] / (double)c[1] : NAN;
	p->lr = lr;
	p->tok_s = dt > 0 ? (double)tokens / dt : 0;
	p->val_loss = p->dev_acc = p->dev_acc_expl = NAN;
	return 0;
}

static int write_metrics(struct trainer *tr, const struct train_progress *p, char *err)
{
	double t = now_elapsed(tr);
	struct {
		const char *name;
		double v;
	} m[] = {{"loss", p->loss},         {"loss_ans", p->loss_ans},
		 {"loss_exp", p->loss_exp}, {"lr", p->lr},
		 {"tok_s", p->tok_s},       {"val_loss", p->val_loss},
		 {"dev_acc", p->dev_acc},   {"dev_acc_expl", p->dev_acc_expl}};
	if (store_begin(tr->st, err))
		return MENTOR_ERR;
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		if (!isfinite(m[i].v))
			continue;
		if (store_metric_add(tr->st, tr->run_id, p->step, t, m[i].name, m[i].v, err))
			goto fail;
	}
	if (store_run_set_progress(tr->st, tr->run_id, p->step, NULL, err))
		goto fail;
	return store_commit(tr->st, err);
fail:
	store_rollback(tr->st);
	return MENTOR_ERR;
}

static int eval_progress_cb(void *u, int64_t done, int64_t todo)
{
	struct trainer *tr = u;
	struct train_progress p;
	memset(&p, 0, sizeof p);
	p.phase = TRAIN_PHASE_EVAL;
	p.step = tr->step;
	p.done = done;
	p.todo = todo;
	p.loss = p.loss_ans = p.loss_exp = p.lr = p.tok_s = p.val_loss = NAN;
	p.dev_acc = p.dev_acc_expl = NAN;
	return report(tr, &p);
}

/* Claim the run for this process: refuse a finished run or one that a live
 * process is running. Fills r and cfg. */
static int claim(struct store *st, int64_t run_id, int only_queued, struct store_run *r,
		 struct train_config *cfg, char *err)
{
	memset(r, 0, sizeof *r);
	if (store_begin(st, err))
		return MENTOR_ERR;
	int rc = store_run_get(st, run_id, r, err);
	if (rc)
		goto fail;
	rc = MENTOR_EUSAGE;
	if (store_run_status_parse(r->status) == STORE_RUN_DONE) {
		util_err(err, "run %lld is already done", (long long)run_id);
		goto fail;
	}
	if (!strcmp(r->kind, "external")) {
		util_err(err, "run %lld is an external run and cannot be trained",
			 (long long)run_id);
		goto fail;
	}
	if (only_queued && store_run_status_parse(r->status) != STORE_RUN_QUEUED) {
		util_err(err, "run %lld was %s before it started", (long long)run_id, r->status);
		goto fail;
	}
	if (store_run_status_parse(r->status) == STORE_RUN_RUNNING && r->pid != (int64_t)getpid() &&
	    train_pid_alive(r->pid)) {
		util_err(err, "run %lld is already running (pid %lld)", (long long)run_id,
			 (long long)r->pid);
		goto fail;
	}
	rc = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (train_config_from_json(r->config_json, cfg, sub)) {
		util_err(err, "run %lld: %s", (long long)run_id, sub);
		goto fail;
	}
	if (store_run_set_status(st, run_id, store_run_status_name(STORE_RUN_RUNNING), NULL,
				 (int64_t)getpid(), err))
		goto fail;
	if (store_commit(st, err))
		return MENTOR_ERR;
	return 0;
fail:
	store_rollback(st);
	store_run_release(r);
	return rc;
}

/* The special tokens a foreign model did not have come in as zero rows
 * (modelio): each starts as the mean of the other rows plus a small seeded
 * normal jitter (std 0.02, the scale of a fresh model), so that the new
 * markers sit among the embeddings the model knows and differ from each
 * other. Rows that are not all zero are left alone. Returns the number of
 * rows set. */
static int init_special_rows(struct student *m, const struct tokenizer *tok, uint64_t seed)
{
	int width;
	int emb = student_embedding(m, &width);
	size_t C = (size_t)width, off;
	size_t V = (size_t)student_config_vocab_size(student_get_config(m));
	student_tensor_info(m, emb, NULL, &off, NULL, NULL);
	float *wte = student_params(m) + off;
	int zero[TOKENIZER_N_SPECIAL] = {0}, n_zero = 0;
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		int32_t id = tokenizer_special(tok, k);
		if (id < 0 || (size_t)id >= V)
			continue;
		zero[k] = 1;
		for (size_t c = 0; c < C && zero[k]; c++)
			zero[k] = wte[(size_t)id * C + c] == 0.0f;
		n_zero += zero[k];
	}
	if (!n_zero)
		return 0;
	double *mean = calloc(C, sizeof *mean);
	if (!mean)
		util_oom();
	size_t n = 0;
	for (size_t v = 0; v < V; v++) {
		if (tokenizer_is_special(tok, (int32_t)v))
			continue;
		for (size_t c = 0; c < C; c++)
			mean[c] += wte[v * C + c];
		n++;
	}
	struct rng r;
	rng_seed(&r, seed ^ 0x7370656369616cULL); /* "special" */
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		if (!zero[k])
			continue;
		float *row = wte + (size_t)tokenizer_special(tok, k) * C;
		for (size_t c = 0; c < C; c++) {
			/* Box-Muller */
			double u1 = rng_unit(&r), u2 = rng_unit(&r);
			double z = sqrt(-2.0 * log(u1 > 0 ? u1 : 1e-300)) *
				   cos(6.283185307179586 * u2);
			row[c] = (float)((n ? mean[c] / (double)n : 0.0) + 0.02 * z);
		}
	}
	free(mean);
	return n_zero;
}

/* Load data, tokenizer, model and state (fresh or from the checkpoint). */
static int prepare(struct trainer *tr, const struct store_run *r, char *err)
{
	struct train_config *cfg = &tr->cfg;
	struct store_dataset d;
	int rc = store_dataset_get_id(tr->st, r->dataset_id, &d, err);
	if (rc)
		return MENTOR_ERR;
	struct train_corpus corpus, dev;
	train_corpus_init(&corpus);
	train_corpus_init(&dev);
	struct train_ckpt ck, init;
	memset(&ck, 0, sizeof ck);
	memset(&init, 0, sizeof init);
	int ret = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];

	/* the checkpoint: the one recorded, else the usual place */
	struct buf dir;
	buf_init(&dir);
	if (train_make_run_dir(tr->db_path, tr->run_id, &dir, err))
		goto out;
	/* checkpoint writes a kill interrupted */
	util_tmp_cleanup(dir.data, "ckpt.bin");
	buf_reset(&tr->ckpt_path);
	if (r->checkpoint && *r->checkpoint && train_file_exists(r->checkpoint)) {
		buf_puts(&tr->ckpt_path, r->checkpoint);
	} else {
		/* recorded absolute, so that any working directory finds it */
		char *abs = realpath(dir.data, NULL);
		buf_printf(&tr->ckpt_path, "%s/ckpt.bin", abs ? abs : dir.data);
		free(abs);
	}
	int resume = train_file_exists(tr->ckpt_path.data);
	if (resume) {
		if (train_ckpt_load(tr->ckpt_path.data, 1, &ck, err))
			goto out;
		/* the checkpoint's configuration is the one that was trained */
		*cfg = ck.cfg;
	}
	if (tr->o && tr->o->threads > 0)
		cfg->threads = tr->o->threads;
	model_set_threads(cfg->threads);

	if (train_corpus_load(tr->st, d.id, "train", cfg->source, &corpus, err))
		goto out;
	if (corpus.n == 0) {
		util_err(err, "dataset '%s' has no train items", d.name);
		goto out;
	}
	if (cfg->variant != TRAIN_BASELINE && corpus.n_expl == 0) {
		if (cfg->source == TRAIN_SRC_ACCEPTED)
			util_err(err,
				 "no accepted explanations in dataset '%s': review some, or use "
				 "'--source gold' or a teacher mode",
				 d.name);
		else
			util_err(err, "no explanations from source '%s' in dataset '%s'",
				 train_source_name(cfg->source), d.name);
		goto out;
	}
	if (train_corpus_load(tr->st, d.id, "dev", cfg->source, &dev, err))
		goto out;
	if (resume) {
		tr->tok = ck.tok;
		ck.tok = NULL;
	} else if (cfg->init_from > 0) {
		/* the starting run's weights and tokenizer */
		struct store_run src;
		if (store_run_get(tr->st, cfg->init_from, &src, sub)) {
			util_err(err, "cannot start from run %lld: %s", (long long)cfg->init_from,
				 sub);
			goto out;
		}
		struct buf p;
		buf_init(&p);
		rc = train_run_ckpt_find(tr->st, &src, &p, sub);
		store_run_release(&src);
		if (rc) {
			util_err(err, "cannot start from run %lld: %s", (long long)cfg->init_from,
				 sub);
			buf_release(&p);
			goto out;
		}
		rc = train_ckpt_load(p.data, 0, &init, err);
		buf_release(&p);
		if (rc)
			goto out;
		struct student_config want, have;
		train_config_student(cfg, cfg->vocab, &want);
		train_ckpt_student_config(&init, &have);
		if (!student_config_same(&want, &have)) {
			util_err(err,
				 "cannot start from run %lld: its model changed shape since this "
				 "run was created",
				 (long long)cfg->init_from);
			goto out;
		}
		tr->tok = init.tok;
		init.tok = NULL;
	} else if (train_tokenizer_fit(&corpus, cfg->variant, cfg->vocab, &tr->tok, err)) {
		goto out;
	}
	if (train_set_build(&corpus, cfg->variant, tr->tok, cfg->n_ctx, &tr->train, err) ||
	    train_set_build(&dev, cfg->variant, tr->tok, cfg->n_ctx, &tr->dev, err))
		goto out;
	tr->data_hash = tr->train.hash;
	tr->devq = dev; /* the first eval_items of it are answered while training */
	train_corpus_init(&dev);
	if (resume && ck.data_hash != tr->data_hash) {
		util_err(err,
			 "cannot resume run %lld: its training data changed since the "
			 "checkpoint (items or explanations edited); start a new run",
			 (long long)tr->run_id);
		goto out;
	}
	struct student_config sc;
	train_config_student(cfg, tokenizer_vocab_size(tr->tok), &sc);
	if (student_new(&sc, cfg->seed, &tr->model, sub)) {
		util_err(err, "cannot build the model: %s", sub);
		goto out;
	}
	struct llama *lm = student_llama(tr->model);
	if (lm) {
		llama_set_checkpointing(lm, cfg->checkpointing);
		if (cfg->freeze_embed &&
		    llama_set_frozen(lm, LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD, sub)) {
			util_err(err, "cannot freeze the embedding: %s", sub);
			goto out;
		}
	}
	if (!resume && init.params) {
		memcpy(student_params(tr->model), init.params, init.n_params * sizeof(float));
		init_special_rows(tr->model, tr->tok, cfg->seed);
	}
	if (resume) {
		if (ck.n_params != student_num_params(tr->model)) {
			util_err(err, "cannot resume run %lld: checkpoint does not match the model",
				 (long long)tr->run_id);
			goto out;
		}
		size_t bytes = ck.n_params * sizeof(float);
		memcpy(student_params(tr->model), ck.params, bytes);
		memcpy(student_adam_m(tr->model), ck.m, bytes);
		memcpy(student_adam_v(tr->model), ck.v, bytes);
		student_set_adam_step(tr->model, ck.step);
		tr->step = ck.step;
		tr->total = ck.total_steps;
		tr->rng.s = ck.rng_state;
		tr->elapsed0 = ck.elapsed;
		tr->last_ckpt = ck.step;
	} else {
		rng_seed(&tr->rng, cfg->seed ^ 0x6261746368ULL); /* "batch" */
		tr->step = 0;
		tr->total = cfg->steps;
		if (tr->total == 0) {
			double dt = probe_step_time(tr, err);
			if (dt < 0)
				goto out;
			double budget = cfg->minutes * 60.0;
			double n = budget / (dt * 1.05 + 1e-4);
			tr->total = n < 1 ? 1 : n > 1e8 ? 100000000 : (int64_t)n;
		}
	}
	tr->eval_every = train_eval_interval(cfg, tr->total);
	if (store_metric_trim(tr->st, tr->run_id, tr->step, err))
		goto out;
	struct store_run upd;
	if (store_run_get(tr->st, tr->run_id, &upd, err))
		goto out;
	upd.total_steps = tr->total;
	upd.step = tr->step;
	rc = store_run_update(tr->st, &upd, err);
	store_run_release(&upd);
	if (rc)
		goto out;
	ret = 0;
out:
	buf_release(&dir);
	train_ckpt_release(&ck);
	train_ckpt_release(&init);
	train_corpus_release(&corpus);
	train_corpus_release(&dev);
	store_dataset_release(&d);
	return ret;
}

static void trainer_release(struct trainer *tr)
{
	student_free(tr->model);
	tokenizer_free(tr->tok);
	train_set_release(&tr->train);
	train_set_release(&tr->dev);
	train_batch_release(&tr->batch);
	train_batch_release(&tr->batch2);
	buf_release(&tr->ckpt_path);
	train_corpus_release(&tr->devq);
}

/* Dev accuracy of the fixed subset with the weights as they are: greedy
 * answers, nothing stored but the two metrics. */
static int dev_accuracy(struct trainer *tr, struct train_progress *p, char *err)
{
	return tr->o->eval->dev(tr->model, tr->tok, tr->cfg.variant, tr->cfg.max_new, &tr->devq,
				(size_t)tr->cfg.eval_items, &p->dev_acc, &p->dev_acc_expl, err);
}

/* Evaluate at the end of training; failures are recorded, not fatal. */
static void final_eval(struct trainer *tr, char *msg, size_t cap)
{
	char err[MENTOR_ERR_LEN];
	int rc = tr->o->eval->final(tr->st, tr->run_id, tr->model, tr->tok, tr->cfg.variant,
				    tr->cfg.max_new, tr->cfg.eval_split, eval_progress_cb, tr, err);
	if (rc == MENTOR_ECANCEL)
		snprintf(msg, cap, "evaluation interrupted; run 'mentor eval %lld'",
			 (long long)tr->run_id);
	else if (rc)
		snprintf(msg, cap, "evaluation failed: %.400s", err);
}

int train_run_exec(const char *db_path, int64_t run_id, const struct train_opts *o, char *err)
{
	struct trainer tr;
	memset(&tr, 0, sizeof tr);
	tr.db_path = db_path;
	tr.run_id = run_id;
	tr.o = o;
	buf_init(&tr.ckpt_path);
	tr.st = store_open_existing(db_path, err);
	if (!tr.st)
		return MENTOR_ERR;
	struct store_run r;
	int rc = claim(tr.st, run_id, o && o->only_queued, &r, &tr.cfg, err);
	if (rc) {
		store_close(tr.st);
		return rc;
	}
	tr.t0 = util_mono();
	char msg[MENTOR_ERR_LEN] = "";
	int ret = MENTOR_ERR;
	struct train_progress p;
	memset(&p, 0, sizeof p);
	p.phase = TRAIN_PHASE_PREPARE;
	p.loss = p.loss_ans = p.loss_exp = p.lr = p.tok_s = p.val_loss = NAN;
	p.dev_acc = p.dev_acc_expl = NAN;
	if (prepare(&tr, &r, err))
		goto fail;
	tr.t0 = util_mono();
	int stopped = report(&tr, &p);
	double budget = tr.cfg.steps == 0 ? tr.cfg.minutes * 60.0 : 0;
	while (!stopped && tr.step < tr.total) {
		if (train_step(&tr, &p, err))
			goto fail;
		if (tr.cfg.val_every > 0 &&
		    (tr.step % tr.cfg.val_every == 0 || tr.step == tr.total) && tr.dev.n_ans) {
			int failed;
			p.val_loss = val_loss(&tr, err, &failed);
			if (failed)
				goto fail;
		}
		if (tr.eval_every > 0 && tr.devq.n && o && o->eval &&
		    (tr.step % tr.eval_every == 0 || tr.step == tr.total) &&
		    dev_accuracy(&tr, &p, err))
			goto fail;
		if (write_metrics(&tr, &p, err))
			goto fail;
		if (tr.step % tr.cfg.ckpt_every == 0 && tr.step < tr.total &&
		    save_checkpoint(&tr, err))
			goto fail;
		stopped = report(&tr, &p);
		/* a time budget is a promise: end early when the estimate was off */
		if (budget > 0 && now_elapsed(&tr) > budget * 1.1 && tr.step < tr.total) {
			tr.total = tr.step;
			struct store_run upd;
			if (store_run_get(tr.st, run_id, &upd, err))
				goto fail;
			upd.total_steps = tr.total;
			rc = store_run_update(tr.st, &upd, err);
			store_run_release(&upd);
			if (rc)
				goto fail;
		}
	}
	if (tr.step > tr.last_ckpt || !train_file_exists(tr.ckpt_path.data))
		if (save_checkpoint(&tr, err))
			goto fail;
	if (stopped && tr.step < tr.total) {
		ret = store_run_set_status(tr.st, run_id, store_run_status_name(STORE_RUN_STOPPED),
					   NULL, 0, err)
			      ? MENTOR_ERR
			      : MENTOR_ECANCEL;
		goto out;
	}
	if (tr.cfg.eval_at_end && o && o->eval && !o->no_eval)
		final_eval(&tr, msg, sizeof msg);
	if (store_run_set_status(tr.st, run_id, store_run_status_name(STORE_RUN_DONE),
				 msg[0] ? msg : NULL, 0, err))
		goto out;
	ret = 0;
	goto out;
fail : {
	char sub[MENTOR_ERR_LEN];
	store_run_set_status(tr.st, run_id, store_run_status_name(STORE_RUN_FAILED), err, 0, sub);
}
out:
	store_run_release(&r);
	trainer_release(&tr);
	store_close(tr.st);
	return ret;
}
