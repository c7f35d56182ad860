/* cli_train: the training commands: train (in this process or detached),
 * runs, eval and stop (predict is in cli_predict.c). Training itself lives
 * in the train module; these parse options, show progress and print
 * results. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mentor/cli.h"
#include "mentor/eval.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

/* ------------------------------------------------------------ train */

static const struct cli_option train_opts[] = {
	{"--variant", NULL, "V", "baseline | mt-re | mt-ra | mt-cot (default baseline)",
	 "baseline mt-re mt-ra mt-cot"},
	{"--alpha", NULL, "A", "weight of the answer task, 0..1 (default 0.3)", NULL},
	{"--source", NULL, "S",
	 "explanations: accepted | cot | rp | crop | gold (default accepted)",
	 "accepted cot rp crop gold"},
	{"--preset", NULL, "P", "tiny | small | base (default tiny)", "tiny small base"},
	{"--layers", NULL, "N", NULL, NULL},
	{"--width", NULL, "N", NULL, NULL},
	{"--heads", NULL, "N", NULL, NULL},
	{"--context", NULL, "N", "model shape (override the preset)", NULL},
	{"--vocab", NULL, "N", "tokenizer vocabulary (default 512)", NULL},
	{"--arch", NULL, "A",
	 "gpt2 | llama: GPT-2, or a Llama-family decoder (RMSNorm, RoPE, SwiGLU, grouped-query "
	 "attention) of the preset's depth, width and heads (default gpt2)",
	 "gpt2 llama"},
	{"--model-config", NULL, "F",
	 "a Hugging Face config.json (model_type llama, qwen2 or qwen3) giving the Llama-family "
	 "shape; the vocabulary is the tokenizer's",
	 NULL},
	{"--checkpointing", NULL, NULL,
	 "llama: keep each block's input and recompute the block in the backward (the same "
	 "gradients, far less activation memory)",
	 NULL},
	{"--freeze-embeddings", NULL, NULL,
	 "llama: train neither the embedding nor the head (no gradient or AdamW state for them)",
	 NULL},
	{"--init-from", NULL, "M",
	 "start from a trained or imported model: a run (id or name) or a GGUF file / Hugging "
	 "Face folder (GPT-2, Llama, SmolLM2, Qwen2, Qwen3), which is imported first; its shape "
	 "and tokenizer are kept, and the learning rate defaults to 0.0001",
	 NULL},
	{"--steps", NULL, "N", "optimizer steps (default 1500)", NULL},
	{"--minutes", NULL, "M", "train for about M minutes instead of a step count", NULL},
	{"--batch", NULL, "B", "sequences per step (default 16)", NULL},
	{"--lr", NULL, "LR", "peak learning rate (default 0.003)", NULL},
	{"--warmup", NULL, "N", "warmup steps (default min(100, steps/10))", NULL},
	{"--seed", NULL, "S", "random seed (default 1)", NULL},
	{"--threads", NULL, "N",
	 "compute threads (default 2); losses are reproducible for a given seed and thread count",
	 NULL},
	{"--ckpt-every", NULL, "N", "checkpoint every N steps (default 200)", NULL},
	{"--val-every", NULL, "N", "dev loss every N steps, 0 = never (default 100)", NULL},
	{"--eval-every", NULL, "N",
	 "dev accuracy every N steps, 0 = never, auto = 8 points over the run (default auto)",
	 NULL},
	{"--eval-items", NULL, "N", "dev items answered for the dev accuracy (default 50)", NULL},
	{"--eval-split", NULL, "S",
	 "split evaluated at the end: test | dev | train | none (default test)",
	 "test dev train none"},
	{"--name", NULL, "NAME", "label of the run", NULL},
	{"--resume", NULL, "RUN", "go on with RUN (id or name) from its last checkpoint", NULL},
	{"--detach", NULL, NULL, "run in the background; follow with 'mentor runs'", NULL},
	{"--json", NULL, NULL, "print the result as JSON", NULL},
	{0},
};

/* what mentor passes to the process a detached run starts */
static const struct cli_option train_hidden[] = {
	{"--spawned", NULL, NULL, "claim the queued run only", NULL},
	{0},
};

const struct cli_command cli_cmd_train = {
	.name = "train",
	.fn = cli_train,
	.summary = "train a small model (baseline, mt-re, mt-ra, mt-cot)",
	.usage = "mentor train DATASET [--variant V] [OPTIONS]\n"
		 "mentor train --resume RUN [--threads N] [--detach] [--json]",
	.about = "Train a small student (GPT-2, or a Llama-family decoder) on DATASET's train\n"
		 "split, then evaluate it on the test split. Runs in this process (Ctrl-C\n"
		 "stops it with a checkpoint) or in the background with --detach.",
	.opts = train_opts,
	.hidden = train_hidden,
	.more = "The checkpoint is <workspace>.runs/RUN/ckpt.bin. With --resume only\n"
		"--threads, --detach and --json may differ from the run's own options.\n\n"
		"Exit status: 0 done, 1 failed or stopped, 2 usage error.",
};

struct train_cli {
	struct cli *c;
	int json;
	int tty;
	int64_t every;
	double last_print;
};

static int train_progress_cb(void *u, const struct train_progress *p)
{
	struct train_cli *tc = u;
	FILE *f = tc->c->errf;
	if (p->phase == TRAIN_PHASE_PREPARE) {
		fprintf(f, "run %lld: training %lld steps\n", (long long)p->run_id,
			(long long)p->total_steps);
		if (tc->every == 0)
			tc->every = p->total_steps / 20 > 0 ? p->total_steps / 20 : 1;
		return 0;
	}
	if (p->phase == TRAIN_PHASE_EVAL) {
		if (tc->tty && (p->done == p->todo || util_mono() - tc->last_print > 0.2)) {
			fprintf(f, "\r\033[Kevaluating %lld/%lld", (long long)p->done,
				(long long)p->todo);
			if (p->done == p->todo)
				fputc('\n', f);
			tc->last_print = util_mono();
		}
		return 0;
	}
	int line = p->step % tc->every == 0 || p->step == p->total_steps || !isnan(p->dev_acc) ||
		   (!tc->tty && util_mono() - tc->last_print > 30);
	if (!line && (!tc->tty || util_mono() - tc->last_print < 0.2))
		return 0;
	tc->last_print = util_mono();
	if (tc->tty)
		fputs("\r\033[K", f);
	fprintf(f, "step %lld/%lld loss %.4f", (long long)p->step, (long long)p->total_steps,
		p->loss);
	if (!isnan(p->loss_exp))
		fprintf(f, " (ans %.4f exp %.4f)", p->loss_ans, p->loss_exp);
	if (!isnan(p->val_loss))
		fprintf(f, " val %.4f", p->val_loss);
	if (!isnan(p->dev_acc)) {
		fprintf(f, " dev acc %.0f%%", 100 * p->dev_acc);
		if (!isnan(p->dev_acc_expl))
			fprintf(f, " (explained %.0f%%)", 100 * p->dev_acc_expl);
	}
	fprintf(f, " lr %.2e %.0f tok/s %.0fs", p->lr, p->tok_s, p->elapsed);
	if (!tc->tty || line)
		fputc('\n', f);
	fflush(f);
	return 0;
}

static void print_run_result(struct cli *c, struct store *st, int64_t run_id, int json)
{
	char err[MENTOR_ERR_LEN];
	struct store_run r;
	if (store_run_get(st, run_id, &r, err))
		return;
	struct store_metric *m = NULL;
	size_t n = 0;
	double loss = NAN, acc = NAN, acc_expl = NAN;
	char name[32], name2[32];
	struct train_config cfg;
	if (train_config_from_json(r.config_json, &cfg, err))
		train_config_defaults(&cfg);
	snprintf(name, sizeof name, "acc_%s", cfg.eval_split);
	snprintf(name2, sizeof name2, "acc_expl_%s", cfg.eval_split);
	double secs = NAN;
	if (!store_metric_get(st, run_id, "loss", r.step - 1, &m, &n, err) && n) {
		loss = m[n - 1].value;
		secs = m[n - 1].t;
	}
	free(m);
	if (!store_metric_get(st, run_id, name, -1, &m, &n, err) && n)
		acc = m[n - 1].value;
	free(m);
	if (!store_metric_get(st, run_id, name2, -1, &m, &n, err) && n)
		acc_expl = m[n - 1].value;
	free(m);
	if (json) {
		cli_printf(c->out, "{\"run\":%lld,\"name\":", (long long)r.id);
		cli_json_str(c->out, r.name);
		cli_printf(c->out, ",\"status\":\"%s\",\"step\":%lld,\"total_steps\":%lld",
			   r.status, (long long)r.step, (long long)r.total_steps);
		fputs(",\"checkpoint\":", c->out);
		cli_json_str(c->out, r.checkpoint);
		fputs(",\"error\":", c->out);
		cli_json_str(c->out, r.error);
		if (isnan(loss))
			fputs(",\"loss\":null", c->out);
		else
			cli_printf(c->out, ",\"loss\":%.6g", loss);
		if (isnan(secs))
			fputs(",\"train_seconds\":null", c->out);
		else
			cli_printf(c->out, ",\"train_seconds\":%.3f", secs);
		cli_printf(c->out, ",\"split\":\"%s\"", cfg.eval_split);
		if (isnan(acc))
			fputs(",\"accuracy\":null", c->out);
		else
			cli_printf(c->out, ",\"accuracy\":%.6g", acc);
		if (isnan(acc_expl))
			fputs(",\"expl_accuracy\":null", c->out);
		else
			cli_printf(c->out, ",\"expl_accuracy\":%.6g", acc_expl);
		fputs("}\n", c->out);
	} else {
		cli_printf(c->out, "run %lld (%s) %s at step %lld/%lld", (long long)r.id, r.name,
			   r.status, (long long)r.step, (long long)r.total_steps);
		if (!isnan(loss))
			cli_printf(c->out, ", loss %.4f", loss);
		if (!isnan(secs))
			cli_printf(c->out, ", %.1f min", secs / 60);
		if (!isnan(acc))
			cli_printf(c->out, ", %s accuracy %.1f%%", cfg.eval_split, 100 * acc);
		if (!isnan(acc_expl))
			cli_printf(c->out, " (explain-then-answer %.1f%%)", 100 * acc_expl);
		fputc('\n', c->out);
		if (r.error) {
			fputs("note: ", c->out);
			util_term_put(c->out, r.error, UTIL_PUT_ESC, NULL, 0);
			fputc('\n', c->out);
		}
	}
	store_run_release(&r);
}

/* Which configuration options were given (they cannot change a resumed run). */
struct train_args {
	const char *dataset, *resume, *name, *init_from;
	const char *shape_opt; /* first option that sets the shape or vocabulary */
	int detach, json, spawned, lr_given;
	int checkpointing, freeze_embed; /* applied after the shape is known */
	long threads;
	const char *first_cfg_opt; /* first option that sets the configuration */
};

/* The Llama-family shape of a run: from a Hugging Face config.json (which
 * neither a preset nor --layers, --width, --heads may contradict), else from
 * the depth, width, heads and context the preset and options gave. */
static int llama_shape_args(struct cli *c, struct train_config *cfg, const char *model_config,
			    int arch, const char *preset, int shape_given)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config l;
	if (!model_config) {
		student_llama_shape(cfg->n_layer, cfg->n_embd, cfg->n_head, cfg->n_ctx, cfg->vocab,
				    &l);
		train_config_set_llama(cfg, &l);
		return CLI_OK;
	}
	if (arch == STUDENT_GPT2)
		return cli_error(c, CLI_USAGE,
				 "--model-config gives a Llama-family shape; it "
				 "cannot be combined with '--arch gpt2'");
	if (preset || shape_given)
		return cli_error(c, CLI_USAGE,
				 "'%s' cannot be combined with --model-config, which "
				 "gives the model's shape",
				 preset ? "--preset" : "--layers/--width/--heads");
	size_t n = 0;
	char *text = util_read_file(model_config, LLAMA_MAX_CONFIG_BYTES, &n, err);
	if (!text)
		return cli_error(c, CLI_USAGE, "cannot read model config: %s", err);
	int rc = llama_config_from_json(text, n, &l, err);
	free(text);
	if (rc)
		return cli_error(c, CLI_USAGE, "invalid model config '%s': %s", model_config, err);
	train_config_set_llama(cfg, &l);
	snprintf(cfg->preset, sizeof cfg->preset, "custom");
	return CLI_OK;
}

/* The options of train's parsers below return CLI_OK when they took option
 * o, CLI_USAGE after printing an error in its value, and -1 when o is none
 * of theirs. train_run_opt: the options that set no configuration value
 * (those a resumed run may be given). */
static int train_run_opt(struct cli *c, const char *o, const char *v, struct train_config *cfg,
			 struct train_args *a)
{
	if (!strcmp(o, "--detach")) {
		a->detach = 1;
	} else if (!strcmp(o, "--checkpointing")) {
		a->checkpointing = 1;
	} else if (!strcmp(o, "--freeze-embeddings")) {
		a->freeze_embed = 1;
	} else if (!strcmp(o, "--json")) {
		a->json = 1;
	} else if (!strcmp(o, "--spawned")) {
		/* started by train_run_spawn: claims a queued run only */
		a->spawned = 1;
	} else if (!strcmp(o, "--resume")) {
		a->resume = v;
	} else if (!strcmp(o, "--name")) {
		a->name = v;
	} else if (!strcmp(o, "--threads")) {
		if (cli_opt_long(c, o, v, 1, 256, &a->threads))
			return CLI_USAGE;
		cfg->threads = (int)a->threads;
	} else {
		return -1;
	}
	return CLI_OK;
}

/* The model's shape as the options gave it, applied once all are read: a
 * preset first, then the sizes given. */
struct train_shape {
	const char *preset, *model_config;
	long layers, width, heads, context;
	int arch;
};

/* The options of the model's shape, noted in sh (--vocab into cfg). */
static int train_shape_opt(struct cli *c, const char *o, const char *v, struct train_config *cfg,
			   struct train_shape *sh)
{
	long l;
	if (!strcmp(o, "--arch")) {
		if ((sh->arch = student_arch_parse(v)) < 0)
			return cli_error(c, CLI_USAGE,
					 "unknown architecture '%s': "
					 "expected gpt2 or llama",
					 v);
	} else if (!strcmp(o, "--model-config")) {
		sh->model_config = v;
	} else if (!strcmp(o, "--preset")) {
		sh->preset = v;
	} else if (!strcmp(o, "--layers") || !strcmp(o, "--width") || !strcmp(o, "--heads") ||
		   !strcmp(o, "--context")) {
		if (cli_opt_long(c, o, v, 1, MODEL_MAX_CTX, &l))
			return CLI_USAGE;
		if (o[2] == 'l')
			sh->layers = l;
		else if (o[2] == 'w')
			sh->width = l;
		else if (o[2] == 'h')
			sh->heads = l;
		else
			sh->context = l;
	} else if (!strcmp(o, "--vocab")) {
		if (cli_opt_long(c, o, v, TOKENIZER_MIN_VOCAB, TOKENIZER_MAX_VOCAB, &l))
			return CLI_USAGE;
		cfg->vocab = (int)l;
	} else {
		return -1;
	}
	return CLI_OK;
}

/* The options of the training schedule and evaluation, into cfg. */
static int train_cfg_opt(struct cli *c, const char *o, const char *v, struct train_config *cfg,
			 struct train_args *a)
{
	long l;
	double d;
	if (!strcmp(o, "--variant")) {
		if ((cfg->variant = train_variant_parse(v)) < 0)
			return cli_error(c, CLI_USAGE,
					 "unknown variant '%s': expected "
					 "baseline, mt-re, mt-ra or mt-cot",
					 v);
	} else if (!strcmp(o, "--source")) {
		if ((cfg->source = train_source_parse(v)) < 0)
			return cli_error(c, CLI_USAGE,
					 "unknown source '%s': expected "
					 "accepted, cot, rp, crop or gold",
					 v);
	} else if (!strcmp(o, "--alpha")) {
		return cli_opt_double(c, o, v, 0, 1, &cfg->alpha);
	} else if (!strcmp(o, "--init-from")) {
		a->init_from = v;
	} else if (!strcmp(o, "--steps")) {
		if (cli_opt_long(c, o, v, 1, 100000000, &l))
			return CLI_USAGE;
		cfg->steps = l;
		cfg->minutes = 0;
	} else if (!strcmp(o, "--minutes")) {
		if (cli_opt_double(c, o, v, 0.01, 100000, &d))
			return CLI_USAGE;
		cfg->minutes = d;
		cfg->steps = 0;
	} else if (!strcmp(o, "--batch")) {
		if (cli_opt_long(c, o, v, 1, 4096, &l))
			return CLI_USAGE;
		cfg->batch = (int)l;
	} else if (!strcmp(o, "--lr")) {
		if (cli_opt_double(c, o, v, 1e-9, 9.99, &cfg->lr))
			return CLI_USAGE;
		a->lr_given = 1;
	} else if (!strcmp(o, "--warmup")) {
		if (cli_opt_long(c, o, v, 0, 100000000, &l))
			return CLI_USAGE;
		cfg->warmup = l;
	} else if (!strcmp(o, "--seed")) {
		if (cli_opt_long(c, o, v, 0, 2147483647L, &l))
			return CLI_USAGE;
		cfg->seed = (uint64_t)l;
	} else if (!strcmp(o, "--ckpt-every")) {
		if (cli_opt_long(c, o, v, 1, 100000000, &l))
			return CLI_USAGE;
		cfg->ckpt_every = l;
	} else if (!strcmp(o, "--val-every")) {
		if (cli_opt_long(c, o, v, 0, 100000000, &l))
			return CLI_USAGE;
		cfg->val_every = l;
	} else if (!strcmp(o, "--eval-every")) {
		if (!strcmp(v, "auto"))
			l = -1;
		else if (cli_opt_long(c, o, v, 0, 100000000, &l))
			return CLI_USAGE;
		cfg->eval_every = l;
	} else if (!strcmp(o, "--eval-items")) {
		if (cli_opt_long(c, o, v, 0, 1000000, &l))
			return CLI_USAGE;
		cfg->eval_items = (int)l;
	} else if (!strcmp(o, "--eval-split")) {
		if (!strcmp(v, "none")) {
			cfg->eval_at_end = 0;
		} else if (!strcmp(v, "test") || !strcmp(v, "dev") || !strcmp(v, "train")) {
			cfg->eval_at_end = 1;
			snprintf(cfg->eval_split, sizeof cfg->eval_split, "%s", v);
		} else {
			return cli_error(c, CLI_USAGE,
					 "invalid split '%s': expected test, "
					 "dev, train or none",
					 v);
		}
	} else {
		return -1;
	}
	return CLI_OK;
}

/* train's line (read by cli_parse) into cfg and a. */
static int parse_train_args(struct cli *c, const struct cli_args *ca, struct train_config *cfg,
			    struct train_args *a)
{
	memset(a, 0, sizeof *a);
	struct train_shape sh = {.arch = -1};
	for (int i = 0; i < ca->n; i++) {
		const char *v = ca->args[i].value;
		if (!ca->args[i].opt) {
			if (a->dataset)
				return cli_error(c, CLI_USAGE, "unexpected argument '%s'", v);
			a->dataset = v;
			continue;
		}
		const char *o = ca->args[i].opt->name;
		int rc = train_run_opt(c, o, v, cfg, a);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		rc = train_shape_opt(c, o, v, cfg, &sh);
		if (rc == CLI_OK && !a->shape_opt)
			a->shape_opt = o;
		if (rc < 0)
			rc = train_cfg_opt(c, o, v, cfg, a);
		if (rc)
			return rc < 0 ? cli_error(c, CLI_USAGE, "option '%s' is not read", o) : rc;
		if (!a->first_cfg_opt)
			a->first_cfg_opt = o;
	}
	char err[MENTOR_ERR_LEN];
	if (sh.preset && train_config_preset(cfg, sh.preset, err))
		return cli_error(c, CLI_USAGE, "%s", err);
	if (sh.layers || sh.width || sh.heads || sh.context) {
		if (sh.layers)
			cfg->n_layer = (int)sh.layers;
		if (sh.width)
			cfg->n_embd = (int)sh.width;
		if (sh.heads)
			cfg->n_head = (int)sh.heads;
		if (sh.context)
			cfg->n_ctx = (int)sh.context;
		snprintf(cfg->preset, sizeof cfg->preset, "custom");
	}
	if (sh.model_config || sh.arch == STUDENT_LLAMA) {
		int rc = llama_shape_args(c, cfg, sh.model_config, sh.arch, sh.preset,
					  sh.layers || sh.width || sh.heads);
		if (rc)
			return rc;
	}
	if (a->dataset)
		snprintf(cfg->dataset, sizeof cfg->dataset, "%s", a->dataset);
	return CLI_OK;
}

int cli_train(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_train, argc, argv, &ca))
		return ca.exit;
	struct train_config cfg;
	train_config_defaults(&cfg);
	struct train_args a;
	int rc = parse_train_args(c, &ca, &cfg, &a);
	if (rc)
		return rc;
	if (!a.resume && !a.dataset)
		return cli_error(c, CLI_USAGE, "no dataset given; see 'mentor train --help'");
	char err[MENTOR_ERR_LEN];
	if (a.resume && (a.checkpointing || a.freeze_embed))
		return cli_error(c, CLI_USAGE,
				 "--checkpointing and --freeze-embeddings are set when "
				 "a run starts; a resumed run keeps its own");
	if (a.init_from && a.resume)
		return cli_error(c, CLI_USAGE,
				 "--init-from starts a new run; a resumed run goes on "
				 "from its own checkpoint");
	if (a.init_from && a.shape_opt)
		return cli_error(c, CLI_USAGE,
				 "'%s' cannot be combined with --init-from: the model's "
				 "shape and tokenizer come from the model it starts from",
				 a.shape_opt);
	if (!a.resume) {
		if (strlen(a.dataset) >= sizeof cfg.dataset)
			return cli_error(c, CLI_USAGE, "dataset name too long");
		if (train_config_check(&cfg, err))
			return cli_error(c, CLI_USAGE, "%s", err);
	}
	struct store *st = a.resume ? store_open_existing(c->db_path, err) : cli_open_store(c);
	if (!st) {
		if (a.resume)
			cli_error(c, CLI_ERR, "%s", err);
		return CLI_ERR;
	}
	int64_t run_id = 0;
	int status = CLI_ERR;
	if (a.resume) {
		struct store_run r;
		rc = store_run_find(st, a.resume, &r, err);
		if (rc) {
			cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
			status = rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR;
			goto out;
		}
		run_id = r.id;
		if (a.dataset) {
			struct store_dataset d;
			int same = store_dataset_get(st, a.dataset, &d, err) == 0 &&
				   d.id == r.dataset_id;
			if (same)
				store_dataset_release(&d);
			if (!same) {
				store_run_release(&r);
				status = cli_error(c, CLI_USAGE, "run %lld is not on dataset '%s'",
						   (long long)run_id, a.dataset);
				goto out;
			}
		}
		/* the original command line with --resume added is fine; a change is not */
		struct train_config base, re;
		if (a.first_cfg_opt && !train_config_from_json(r.config_json, &base, err)) {
			struct train_args a2;
			re = base;
			parse_train_args(c, &ca, &re, &a2);
			memcpy(re.dataset, base.dataset, sizeof re.dataset);
			re.threads = base.threads;
			if (memcmp(&re, &base, sizeof re)) {
				store_run_release(&r);
				status = cli_error(
					c, CLI_USAGE,
					"options differ from run %lld's configuration (see "
					"'mentor runs --json'); with --resume only --threads, "
					"--detach and --json may change",
					(long long)run_id);
				goto out;
			}
		}
		int done = store_run_status_parse(r.status) == STORE_RUN_DONE;
		store_run_release(&r);
		if (done) {
			status = cli_error(c, CLI_USAGE, "run %lld is already done",
					   (long long)run_id);
			goto out;
		}
	} else {
		if (a.init_from && (rc = cli_init_from(c, st, a.init_from, &cfg))) {
			status = rc;
			goto out;
		}
		if (a.init_from && !a.lr_given)
			cfg.lr = TRAIN_FINETUNE_LR;
		cfg.checkpointing = a.checkpointing;
		cfg.freeze_embed = a.freeze_embed;
		rc = train_run_create(st, &cfg, a.name, &run_id, err);
		if (rc) {
			status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
			goto out;
		}
	}
	if (a.detach) {
		int64_t pid;
		if (train_run_spawn(NULL, c->db_path, run_id, &pid, err)) {
			status = cli_error(c, CLI_ERR, "%s", err);
			goto out;
		}
		if (a.json)
			cli_printf(c->out, "{\"run\":%lld,\"pid\":%lld}\n", (long long)run_id,
				   (long long)pid);
		else
			cli_printf(
				c->out,
				"run %lld started in the background (pid %lld); follow with 'mentor "
				"runs', stop with 'mentor stop %lld'\n",
				(long long)run_id, (long long)pid, (long long)run_id);
		status = CLI_OK;
		goto out;
	}
	if (!a.spawned && !a.json && c->err_tty) {
		/* One line when OpenBLAS runs its generic kernels: a several-fold
		 * slowdown that only an environment variable set before start-up
		 * can undo. */
		char blas[256];
		if (model_blas_info(blas, sizeof blas) == 1)
			fprintf(c->errf,
				"mentor: note: %s; training is several times faster with "
				"OPENBLAS_CORETYPE set to this CPU's core (e.g. Haswell, "
				"SkylakeX) before starting mentor\n",
				blas);
	}
	volatile sig_atomic_t *stop = cli_stop_flag();
	struct train_cli tc = {c, a.json, c->err_tty, 0, 0};
	struct train_opts o = {stop,      train_progress_cb, &tc, (int)a.threads, 0,
			       a.spawned, eval_train_hooks()};
	/* with a redirected stderr, progress lines every 5% are enough */
	rc = train_run_exec(c->db_path, run_id, &o, err);
	if (rc == MENTOR_ECANCEL) {
		cli_error(c, CLI_ERR, "run %lld stopped; resume with 'mentor train --resume %lld'",
			  (long long)run_id, (long long)run_id);
		print_run_result(c, st, run_id, a.json);
		status = CLI_ERR;
	} else if (rc) {
		status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		if (a.json)
			print_run_result(c, st, run_id, 1);
	} else {
		print_run_result(c, st, run_id, a.json);
		status = CLI_OK;
	}
out:
	store_close(st);
	return status;
}

/* ------------------------------------------------------------ runs */

static const struct cli_option runs_opts[] = {
	{"--json", NULL, NULL,
	 "print JSON: one object per run with its configuration, and \"check\" the checked "
	 "explanations (or null)",
	 NULL},
	{"--start-queued", NULL, NULL,
	 "train the runs the workbench queued (they wait in the workspace after it quits), oldest "
	 "first, one after another in this process, printing each one's result; a stop (Ctrl-C) "
	 "leaves the rest queued. When a run trains already, the queue waits for it: nothing "
	 "starts.",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_runs = {
	.name = "runs",
	.fn = cli_runs,
	.summary = "list training runs",
	.usage = "mentor runs [--json] [--start-queued]",
	.about = "List training runs: status, progress, last loss and accuracy (direct, and\n"
		 "explain-then-answer for mt-cot and mt-ra) on the run's evaluation split,\n"
		 "and where the run generated explanations there, the share of them that\n"
		 "are sound (every arithmetic step right and the answer following from them).\n"
		 "Runs whose process has vanished are marked failed and can be resumed with\n"
		 "'mentor train --resume RUN'.",
	.opts = runs_opts,
};

/* runs --start-queued: take queued runs one at a time and train them here. */
static int start_queued(struct cli *c, struct store *st, int json)
{
	char err[MENTOR_ERR_LEN];
	int64_t ids[TRAIN_QUEUE_MAX];
	size_t n;
	if (train_queue_list(st, ids, &n, err))
		return cli_error(c, CLI_ERR, "%s", err);
	if (!n) {
		if (!json)
			cli_printf(c->out, "no run is queued\n");
		return CLI_OK;
	}
	volatile sig_atomic_t *stop = cli_stop_flag();
	int status = CLI_OK;
	while (!*stop) {
		int64_t id, busy;
		if (train_queue_take(st, &id, &busy, err))
			return cli_error(c, CLI_ERR, "%s", err);
		if (!id) {
			if (busy && !train_queue_list(st, ids, &n, err) && n)
				status = cli_error(c, CLI_ERR,
						   "run %lld is training: the %zu queued "
						   "run%s start%s after it ends",
						   (long long)busy, n, n == 1 ? "" : "s",
						   n == 1 ? "s" : "");
			break;
		}
		struct train_cli tc = {c, json, c->err_tty, 0, 0};
		struct train_opts o = {stop, train_progress_cb, &tc, 0, 0, 0, eval_train_hooks()};
		int rc = train_run_exec(c->db_path, id, &o, err);
		if (rc == MENTOR_ECANCEL) {
			status = cli_error(c, CLI_ERR,
					   "run %lld stopped; the other queued runs wait",
					   (long long)id);
		} else if (rc) {
			status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		}
		print_run_result(c, st, id, json);
	}
	return status;
}

static double last_metric(struct store *st, int64_t run_id, const char *name)
{
	char err[MENTOR_ERR_LEN];
	struct store_metric *m = NULL;
	size_t n = 0;
	double v = NAN;
	if (!store_metric_get(st, run_id, name, -1, &m, &n, err) && n)
		v = m[n - 1].value;
	free(m);
	return v;
}

static void json_num_or_null(FILE *f, const char *key, double v)
{
	fprintf(f, ",\"%s\":", key);
	if (isnan(v))
		fputs("null", f);
	else
		fprintf(f, "%.6g", v);
}

/* ,"check":{...} of a run's checked explanations, or ,"check":null. */
static void json_check(FILE *f, const struct eval_check *ck)
{
	if (!ck->n) {
		fputs(",\"check\":null", f);
		return;
	}
	fprintf(f,
		",\"check\":{\"explanations\":%lld,\"sound\":%lld,\"no_steps\":%lld,"
		"\"right_answer_wrong_reasoning\":%lld",
		(long long)ck->n, (long long)ck->n_sound, (long long)ck->n_no_steps,
		(long long)ck->n_right_wrong);
	json_num_or_null(f, "sound_share", ck->sound_share);
	fputc('}', f);
}

/* Replace o's member key by v in place (its order kept) when o has one;
 * else v is dropped. */
static void set_present(cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		util_oom();
	if (!cJSON_GetObjectItemCaseSensitive(o, key) ||
	    !cJSON_ReplaceItemInObjectCaseSensitive(o, key, v))
		cJSON_Delete(v);
}

/* The run's configuration as `runs --json` shows it: a baseline learns from
 * answers only, so it has no explanation source and its answer weight is 1;
 * the seed is a number (kept as text in the store for seeds past 2^53). */
static void print_run_config(FILE *f, const char *config_json, int baseline)
{
	cJSON *o = cJSON_Parse(config_json ? config_json : "");
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		cli_json_text(f, config_json);
		return;
	}
	if (baseline) {
		set_present(o, "source", cJSON_CreateNull());
		set_present(o, "alpha", cJSON_CreateNumber(1));
	}
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(o, "seed");
	char *end = NULL;
	if (cJSON_IsString(seed)) {
		unsigned long long v = strtoull(seed->valuestring, &end, 10);
		if (end && !*end && *seed->valuestring && v <= (1ULL << 53))
			set_present(o, "seed", cJSON_CreateNumber((double)v));
	}
	cli_print_json(f, o);
	cJSON_Delete(o);
}

int cli_runs(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_runs, argc, argv, &ca))
		return ca.exit;
	if (cli_npos(&ca))
		return cli_error(c, CLI_USAGE,
				 "unexpected argument '%s'; see 'mentor runs "
				 "--help'",
				 cli_pos(&ca, 0));
	int json = cli_arg(&ca, "--json") != NULL, start = cli_arg(&ca, "--start-queued") != NULL;
	char err[MENTOR_ERR_LEN];
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	int status = CLI_OK;
	struct store_run *runs = NULL;
	size_t n = 0;
	if (start) {
		status = start_queued(c, st, json);
		goto out;
	}
	if (train_run_reap(st, NULL, err) || store_run_list(st, &runs, &n, err)) {
		status = cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	if (json)
		fputc('[', c->out);
	else
		cli_printf(c->out, "%-4s %-16s %-12s %-5s %-8s %-8s %-8s %-13s %-8s %-7s %-7s %s\n",
			   "ID", "NAME", "DATASET", "ARCH", "VARIANT", "SOURCE", "STATUS", "STEP",
			   "LOSS", "ACC", "ACC-EXP", "SOUND");
	for (size_t i = 0; i < n; i++) {
		struct store_run *r = &runs[i];
		struct store_dataset d;
		char *dname = NULL;
		if (!store_dataset_get_id(st, r->dataset_id, &d, err)) {
			dname = util_strdup(d.name);
			store_dataset_release(&d);
		}
		struct train_config cfg;
		if (train_config_from_json(r->config_json, &cfg, err))
			train_config_defaults(&cfg);
		int baseline = !strcmp(r->variant, "baseline"); /* answers only: no source */
		char an[32], an2[32];
		snprintf(an, sizeof an, "acc_%s", cfg.eval_split);
		snprintf(an2, sizeof an2, "acc_expl_%s", cfg.eval_split);
		struct store_metric *m = NULL;
		size_t nm = 0;
		double loss = NAN;
		if (!store_metric_get(st, r->id, "loss", r->step - 1, &m, &nm, err) && nm)
			loss = m[nm - 1].value;
		free(m);
		double acc = last_metric(st, r->id, an), acc2 = last_metric(st, r->id, an2);
		struct eval_check ck;
		if (eval_check_run(st, r->id, cfg.eval_split, &ck, err)) {
			status = cli_error(c, CLI_ERR, "%s", err);
			free(dname);
			goto out;
		}
		if (json) {
			cli_printf(c->out, "%s{\"id\":%lld,\"name\":", i ? "," : "",
				   (long long)r->id);
			cli_json_str(c->out, r->name);
			fputs(",\"dataset\":", c->out);
			cli_json_str(c->out, dname);
			cli_printf(c->out, ",\"variant\":\"%s\",\"source\":", r->variant);
			cli_json_str(c->out, baseline ? NULL : r->source);
			cli_printf(c->out, ",\"alpha\":%g,\"arch\":\"%s\",\"kind\":", r->alpha,
				   student_arch_name(cfg.arch));
			cli_json_str(c->out, r->kind);
			cli_printf(c->out,
				   ",\"status\":\"%s\",\"pid\":%lld,\"step\":%lld,"
				   "\"total_steps\":%lld,\"started_at\":%lld,\"ended_at\":%lld",
				   r->status, (long long)r->pid, (long long)r->step,
				   (long long)r->total_steps, (long long)r->started_at,
				   (long long)r->ended_at);
			fputs(",\"checkpoint\":", c->out);
			cli_json_str(c->out, r->checkpoint);
			fputs(",\"error\":", c->out);
			cli_json_str(c->out, r->error);
			fputs(",\"config\":", c->out);
			print_run_config(c->out, r->config_json, baseline);
			json_num_or_null(c->out, "loss", loss);
			cli_printf(c->out, ",\"eval_split\":\"%s\"", cfg.eval_split);
			json_num_or_null(c->out, "accuracy", acc);
			json_num_or_null(c->out, "expl_accuracy", acc2);
			json_check(c->out, &ck);
			fputc('}', c->out);
		} else {
			char step[32], ls[16], as[16], as2[16], snd[16];
			snprintf(step, sizeof step, "%lld/%lld", (long long)r->step,
				 (long long)r->total_steps);
			snprintf(ls, sizeof ls, isnan(loss) ? "-" : "%.4f", loss);
			snprintf(as, sizeof as, isnan(acc) ? "-" : "%.1f%%", 100 * acc);
			snprintf(as2, sizeof as2, isnan(acc2) ? "-" : "%.1f%%", 100 * acc2);
			snprintf(snd, sizeof snd, ck.n ? "%.1f%%" : "-", 100 * ck.sound_share);
			cli_printf(c->out, "%-4lld ", (long long)r->id);
			char nb[17], db[13];
			snprintf(nb, sizeof nb, "%s", r->name ? r->name : "");
			snprintf(db, sizeof db, "%s", dname ? dname : "?");
			util_term_put(c->out, nb, UTIL_PUT_ESC, NULL, 0);
			cli_printf(c->out, "%*s ", (int)(16 - strlen(nb)), "");
			util_term_put(c->out, db, UTIL_PUT_ESC, NULL, 0);
			cli_printf(c->out, "%*s ", (int)(12 - strlen(db)), "");
			cli_printf(c->out, "%-5s %-8s %-8s %-8s %-13s %-8s %-7s %-7s %s\n",
				   student_arch_name(cfg.arch), r->variant,
				   baseline || !r->source ? "-" : r->source, r->status, step, ls,
				   as, as2, snd);
		}
		free(dname);
	}
	if (json)
		fputs("]\n", c->out);
out:
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
	store_close(st);
	return status;
}

/* ------------------------------------------------------------ eval */

static const struct cli_option eval_opts[] = {
	{"--split", NULL, "S", "the split: train | dev | test (default test)", "train dev test"},
	{"--json", NULL, NULL,
	 "print JSON: counts and accuracies, and \"check\" the checked explanations (or null)",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_eval = {
	.name = "eval",
	.fn = cli_eval,
	.summary = "evaluate a run on a split",
	.usage = "mentor eval RUN [--split S] [--json]",
	.about = "Evaluate RUN (id or name) from its latest checkpoint on a split (default\n"
		 "test): the direct answer of the answer task and, for mt-cot and mt-ra, the\n"
		 "answer read from the generated explanation. Predictions are stored per item.\n"
		 "Generated explanations are then checked (arithmetic steps, the answer\n"
		 "following from them, the solution trace): the share that holds up and the\n"
		 "right answers reached by wrong reasoning.",
	.opts = eval_opts,
};

static int eval_progress_tty(void *u, int64_t done, int64_t todo)
{
	struct train_cli *tc = u;
	if (done == todo || util_mono() - tc->last_print > 0.2) {
		fprintf(tc->c->errf, "\r\033[Kevaluating %lld/%lld", (long long)done,
			(long long)todo);
		if (done == todo)
			fputc('\n', tc->c->errf);
		tc->last_print = util_mono();
	}
	return 0;
}

int cli_eval(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_eval, argc, argv, &ca))
		return ca.exit;
	const char *ref = cli_pos(&ca, 0), *split = "test";
	int json = 0;
	for (int i = 0; i < ca.n; i++) {
		const char *v = ca.args[i].value;
		if (!ca.args[i].opt)
			continue;
		if (!strcmp(ca.args[i].opt->name, "--json")) {
			json = 1;
			continue;
		}
		split = v;
		if (strcmp(v, "train") && strcmp(v, "dev") && strcmp(v, "test"))
			return cli_error(c, CLI_USAGE,
					 "invalid split '%s': expected train, dev "
					 "or test",
					 v);
	}
	if (cli_npos(&ca) > 1)
		return cli_error(c, CLI_USAGE,
				 "unexpected argument '%s'; see 'mentor eval "
				 "--help'",
				 cli_pos(&ca, 1));
	if (!ref)
		return cli_error(c, CLI_USAGE, "no run given; see 'mentor eval --help'");
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc) {
		store_close(st);
		return cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
	}
	int64_t id = r.id;
	store_run_release(&r);
	struct train_cli tc = {c, json, c->err_tty, 0, 0};
	struct eval_result res;
	rc = eval_run(st, id, split, c->err_tty ? eval_progress_tty : NULL, &tc, &res, err);
	int status = CLI_OK;
	struct eval_check ck;
	if (!rc)
		rc = eval_check_run(st, id, split, &ck, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	} else if (json) {
		cli_printf(c->out, "{\"run\":%lld,\"split\":\"%s\",\"n\":%lld,\"correct\":%lld",
			   (long long)id, split, (long long)res.n, (long long)res.n_correct);
		json_check(c->out, &ck);
		json_num_or_null(c->out, "accuracy", res.acc);
		if (res.has_expl_answer) {
			cli_printf(c->out, ",\"expl_correct\":%lld", (long long)res.n_expl_correct);
			json_num_or_null(c->out, "expl_accuracy", res.expl_acc);
		} else {
			fputs(",\"expl_correct\":null,\"expl_accuracy\":null", c->out);
		}
		fputs("}\n", c->out);
	} else if (res.n == 0) {
		cli_printf(c->out, "run %lld: no items in split '%s'\n", (long long)id, split);
	} else {
		cli_printf(c->out, "run %lld on %s: direct %.1f%% (%lld/%lld)", (long long)id,
			   split, 100 * res.acc, (long long)res.n_correct, (long long)res.n);
		if (res.has_expl_answer)
			cli_printf(c->out, ", explain-then-answer %.1f%% (%lld/%lld)",
				   100 * res.expl_acc, (long long)res.n_expl_correct,
				   (long long)res.n);
		fputc('\n', c->out);
		if (ck.n)
			fprintf(c->out,
				"explanations checked: %.1f%% sound (%lld/%lld), %lld without "
				"steps, %lld right answers from wrong reasoning\n",
				100 * ck.sound_share, (long long)ck.n_sound, (long long)ck.n,
				(long long)ck.n_no_steps, (long long)ck.n_right_wrong);
	}
	store_close(st);
	return status;
}

/* ------------------------------------------------------------ stop */

static const struct cli_option stop_opts[] = {
	{"--wait", NULL, NULL, "return once the run has stopped", NULL},
	{0},
};

const struct cli_command cli_cmd_stop = {
	.name = "stop",
	.fn = cli_stop,
	.summary = "stop a running training run",
	.usage = "mentor stop RUN [--wait]",
	.about = "Stop a training run (id or name): it writes a checkpoint and can be resumed\n"
		 "with 'mentor train --resume RUN'.",
	.opts = stop_opts,
};

int cli_stop(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_stop, argc, argv, &ca))
		return ca.exit;
	const char *ref = cli_pos(&ca, 0);
	int wait = cli_arg(&ca, "--wait") != NULL;
	if (cli_npos(&ca) > 1)
		return cli_error(c, CLI_USAGE,
				 "unexpected argument '%s'; see 'mentor stop "
				 "--help'",
				 cli_pos(&ca, 1));
	if (!ref)
		return cli_error(c, CLI_USAGE, "no run given; see 'mentor stop --help'");
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	struct store_run r;
	int status = CLI_OK;
	int rc = store_run_find(st, ref, &r, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
		goto out;
	}
	int64_t id = r.id, pid = r.pid;
	store_run_release(&r);
	rc = train_run_stop(st, id, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		goto out;
	}
	if (wait) {
		/* the run marks itself stopped once its checkpoint is written */
		for (int i = 0; i < 6000; i++) {
			if (store_run_get(st, id, &r, err))
				break;
			int s = store_run_status_parse(r.status);
			int running = s == STORE_RUN_RUNNING || s == STORE_RUN_QUEUED;
			store_run_release(&r);
			if (!running)
				break;
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (store_run_get(st, id, &r, err) == 0) {
		int s = store_run_status_parse(r.status);
		if (pid > 0 && (s == STORE_RUN_RUNNING || s == STORE_RUN_QUEUED))
			cli_printf(c->out, "stopping run %lld (pid %lld)\n", (long long)id,
				   (long long)pid);
		else
			cli_printf(c->out, "run %lld %s at step %lld\n", (long long)id, r.status,
				   (long long)r.step);
		store_run_release(&r);
	}
out:
	store_close(st);
	return status;
}
