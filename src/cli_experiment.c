/* cli_experiment: `mentor experiment`, the paper's comparison in one
 * command: plan the baseline and multi-task runs over seeds, run them with
 * progress lines, print the table with intervals and the verdict; show, list,
 * resume or start an experiment in the background. */
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/cli.h"
#include "mentor/experiment.h"
#include "mentor/store.h"
#include "mentor/train.h"

static const struct cli_option experiment_opts[] = {
	{"--variants", NULL, "LIST", "comma-separated: baseline,mt-re,mt-ra,mt-cot (default all)",
	 NULL},
	{"--seeds", NULL, "N", "runs per variant, seeds 1..N (default 3)", NULL},
	{"--source", NULL, "S",
	 "explanations: accepted | cot | rp | crop | gold (default: accepted, else crop, else "
	 "gold: the first that covers half of the train items)",
	 "accepted cot rp crop gold"},
	{"--steps", NULL, "N", "optimizer steps per run (default as for 'mentor train')", NULL},
	{"--preset", NULL, "P", "tiny | small | base (default as for 'mentor train')",
	 "tiny small base"},
	{"--arch", NULL, "A", "gpt2 | llama: the students' architecture (default gpt2)",
	 "gpt2 llama"},
	{"--alpha", NULL, "A", "weight of the answer task, 0..1 (default as for 'mentor train')",
	 NULL},
	{"--lr", NULL, "X", "peak learning rate (default as for 'mentor train')", NULL},
	{"--batch", NULL, "N", "sequences per step (default as for 'mentor train')", NULL},
	{"--init-from", NULL, "M",
	 "every run starts from model M (a run, a GGUF file or a Hugging Face folder), as "
	 "'mentor train --init-from'",
	 NULL},
	{"--threads", NULL, "N", "compute threads", NULL},
	{"--plan-only", NULL, NULL, "create the experiment and its queued runs, print its id",
	 NULL},
	{"--resume", NULL, "ID", "run what is left of experiment ID", NULL},
	{"--detach", NULL, NULL, "with --resume or a new plan: run in the background", NULL},
	{"--show", NULL, "ID", "print the (possibly partial) table of experiment ID", NULL},
	{"--list", NULL, NULL, "list experiments", NULL},
	{"--json", NULL, NULL, "print JSON instead of text", NULL},
	{0},
};

const struct cli_command cli_cmd_experiment = {
	.name = "experiment",
	.fn = cli_experiment,
	.summary = "baseline vs multi-task over seeds, with intervals",
	.usage = "mentor experiment DATASET [--variants LIST] [--seeds N] [--source S]\n"
		 "   [--steps N] [--preset P] [--alpha A] [--lr X] [--batch N]\n"
		 "   [--init-from M] [--threads N] [--plan-only] [--json]\n"
		 "mentor experiment --resume ID [--threads N] [--detach] [--json]\n"
		 "mentor experiment --show ID [--json]\n"
		 "mentor experiment --list [--json]",
	.about = "Train the baseline and the multi-task variants on DATASET with the same\n"
		 "configuration and seeds, one run after another, evaluate each on the test\n"
		 "split, and print a table: accuracy per variant and inference mode (mean and\n"
		 "sd over seeds, 95% interval), the difference to the baseline of the same\n"
		 "seed on the same questions (paired bootstrap 95% interval, McNemar p), and\n"
		 "a verdict in plain words. Ctrl-C stops the current run with a checkpoint;\n"
		 "--resume goes on where it stopped.",
	.opts = experiment_opts,
	.more = "Exit status: 0 done, 1 failed or stopped, 2 usage error.",
};

struct exp_args {
	const char *dataset, *variants, *show, *resume, *init_from;
	int list, plan_only, json, detach, lr_given;
	long seeds, threads;
};

static int parse_id(struct cli *c, const char *opt, const char *v, int64_t *id)
{
	long l;
	if (util_parse_long(v, 1, 2147483647L, &l))
		return cli_error(c, CLI_USAGE,
				 "invalid value '%s' for '%s': expected an "
				 "experiment id",
				 v, opt);
	*id = l;
	return 0;
}

/* The line read by cli_parse into a and the base configuration of s. */
static int parse_args(struct cli *c, const struct cli_args *ca, struct exp_args *a,
		      struct experiment_spec *s)
{
	memset(a, 0, sizeof *a);
	if (cli_npos(ca) > 1)
		return cli_error(c, CLI_USAGE, "one dataset only (got '%s' and '%s')",
				 cli_pos(ca, 0), cli_pos(ca, 1));
	a->dataset = cli_pos(ca, 0);
	a->list = cli_arg(ca, "--list") != NULL;
	a->plan_only = cli_arg(ca, "--plan-only") != NULL;
	a->json = cli_arg(ca, "--json") != NULL;
	a->detach = cli_arg(ca, "--detach") != NULL;
	a->variants = cli_arg(ca, "--variants");
	a->init_from = cli_arg(ca, "--init-from");
	a->show = cli_arg(ca, "--show");
	a->resume = cli_arg(ca, "--resume");
	const char *source = cli_arg(ca, "--source"), *steps = cli_arg(ca, "--steps");
	const char *preset = cli_arg(ca, "--preset"), *alpha = cli_arg(ca, "--alpha");
	const char *lr = cli_arg(ca, "--lr"), *batch = cli_arg(ca, "--batch");
	const char *seeds = cli_arg(ca, "--seeds"), *threads = cli_arg(ca, "--threads");
	const char *arch = cli_arg(ca, "--arch");
	int modes = !!a->dataset + !!a->show + !!a->resume + a->list;
	if (modes == 0)
		return cli_error(c, CLI_USAGE, "no dataset given; see 'mentor experiment --help'");
	if (modes > 1)
		return cli_error(c, CLI_USAGE, "give one of DATASET, --show, --resume or --list");
	int plan_opt = a->variants || seeds || source || steps || preset || alpha || lr || batch ||
		       a->init_from || a->plan_only || arch;
	if (a->init_from && (preset || arch))
		return cli_error(c, CLI_USAGE,
				 "'%s' cannot be combined with --init-from: the "
				 "model's shape and tokenizer come from the model it starts from",
				 preset ? "--preset" : "--arch");
	a->lr_given = lr != NULL;
	if (!a->dataset && plan_opt)
		return cli_error(c, CLI_USAGE,
				 "the plan options apply to a new experiment "
				 "(mentor experiment DATASET ...)");
	if ((a->show || a->list) && (threads || a->detach))
		return cli_error(c, CLI_USAGE,
				 "--threads and --detach apply to running an "
				 "experiment");
	if (a->plan_only && a->detach)
		return cli_error(c, CLI_USAGE, "--plan-only and --detach exclude each other");
	char err[MENTOR_ERR_LEN];
	double d;
	long l;
	struct train_config *b = &s->base;
	if (a->variants && experiment_spec_variants(s, a->variants, err))
		return cli_error(c, CLI_USAGE, "%s", err);
	if (seeds) {
		if (cli_opt_long(c, "--seeds", seeds, 1, EXPERIMENT_MAX_SEEDS, &a->seeds))
			return CLI_USAGE;
		s->seeds = (int)a->seeds;
	}
	if (source && (b->source = train_source_parse(source)) < 0)
		return cli_error(c, CLI_USAGE,
				 "unknown source '%s': expected accepted, cot, rp, "
				 "crop or gold",
				 source);
	if (source)
		s->auto_source = 0;
	if (preset && train_config_preset(b, preset, err))
		return cli_error(c, CLI_USAGE, "%s", err);
	if (arch) {
		int k = student_arch_parse(arch);
		if (k < 0)
			return cli_error(c, CLI_USAGE,
					 "unknown architecture '%s': expected "
					 "gpt2 or llama",
					 arch);
		if (k == STUDENT_LLAMA) {
			struct llama_config lc;
			student_llama_shape(b->n_layer, b->n_embd, b->n_head, b->n_ctx, b->vocab,
					    &lc);
			train_config_set_llama(b, &lc);
		}
	}
	if (steps) {
		if (cli_opt_long(c, "--steps", steps, 1, 100000000, &l))
			return CLI_USAGE;
		b->steps = l;
		b->minutes = 0;
	}
	if (alpha) {
		if (cli_opt_double(c, "--alpha", alpha, 0, 1, &d))
			return CLI_USAGE;
		b->alpha = d;
	}
	if (lr) {
		if (cli_opt_double(c, "--lr", lr, 1e-9, 9.99, &d))
			return CLI_USAGE;
		b->lr = d;
	}
	if (batch) {
		if (cli_opt_long(c, "--batch", batch, 1, 4096, &l))
			return CLI_USAGE;
		b->batch = (int)l;
	}
	if (threads) {
		if (cli_opt_long(c, "--threads", threads, 1, 256, &a->threads))
			return CLI_USAGE;
		b->threads = (int)a->threads;
	}
	if (a->dataset) {
		if (strlen(a->dataset) >= sizeof b->dataset)
			return cli_error(c, CLI_USAGE, "dataset name too long");
		snprintf(b->dataset, sizeof b->dataset, "%s", a->dataset);
	}
	return CLI_OK;
}

/* ------------------------------------------------------------ progress */

struct exp_cli {
	struct cli *c;
	int64_t every; /* step line every N steps */
	double last_print;
};

static int on_progress(void *u, const struct experiment_progress *p)
{
	struct exp_cli *ec = u;
	FILE *f = ec->c->errf;
	int tty = ec->c->err_tty;
	const struct train_progress *t = p->train;
	char head[96];
	snprintf(head, sizeof head, "run %zu/%zu %s seed %llu", p->k, p->n, p->variant,
		 (unsigned long long)p->seed);
	if (!t) {
		fprintf(f, "%s: already done (run %lld)\n", head, (long long)p->run_id);
		return 0;
	}
	if (t->phase == TRAIN_PHASE_PREPARE) {
		fprintf(f, "%s: training run %lld, %lld steps\n", head, (long long)p->run_id,
			(long long)t->total_steps);
		ec->every = t->total_steps / 10 > 0 ? t->total_steps / 10 : 1;
		ec->last_print = util_mono();
		return 0;
	}
	if (t->phase == TRAIN_PHASE_EVAL) {
		int last = t->done == t->todo;
		if ((tty && (last || util_mono() - ec->last_print > 0.2)) || (!tty && last)) {
			if (tty)
				fputs("\r\033[K", f);
			fprintf(f, "%s: evaluating %lld/%lld", head, (long long)t->done,
				(long long)t->todo);
			if (!tty || last)
				fputc('\n', f);
			fflush(f);
			ec->last_print = util_mono();
		}
		return 0;
	}
	int line = t->step % ec->every == 0 || t->step == t->total_steps ||
		   (!tty && util_mono() - ec->last_print > 30);
	if (!line && (!tty || util_mono() - ec->last_print < 0.2))
		return 0;
	ec->last_print = util_mono();
	if (tty)
		fputs("\r\033[K", f);
	fprintf(f, "%s: step %lld/%lld loss %.4f", head, (long long)t->step,
		(long long)t->total_steps, t->loss);
	if (!isnan(t->val_loss))
		fprintf(f, " val %.4f", t->val_loss);
	if (!tty || line)
		fputc('\n', f);
	fflush(f);
	return 0;
}

/* ------------------------------------------------------------ table */


static const char *range(char *out, size_t cap, double lo, double hi)
{
	if (isnan(lo) || isnan(hi))
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%.1f to %.1f", 100.0 * lo, 100.0 * hi);
	return out;
}

static void print_table(struct cli *c, const struct experiment_results *r)
{
	FILE *f = c->out;
	char a[32], b[32];
	fprintf(f, "experiment %lld (", (long long)r->id);
	cli_put_escaped(f, r->name);
	fputs(") on '", f);
	cli_put_escaped(f, r->dataset);
	fprintf(f, "': %s, %zu of %zu runs evaluated", r->status, r->n_evaluated, r->n_runs);
	if (r->n_failed)
		fprintf(f, ", %zu failed", r->n_failed);
	fprintf(f, "\n%zu seed%s, source %s, preset %s, %lld steps; %s split, %lld questions\n\n",
		r->n_seeds, r->n_seeds == 1 ? "" : "s", r->source, r->preset, (long long)r->steps,
		r->split, (long long)r->split_items);
	fprintf(f, "%-9s %-19s %5s %13s %14s %8s %14s %9s  %s\n", "variant", "mode", "seeds",
		"accuracy %", "95% CI", "vs base", "95% CI", "McNemar p", "per seed");
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *x = &r->cells[i];
		char acc[40], seeds[16];
		if (x->s.n >= 2)
			snprintf(acc, sizeof acc, "%.1f \xC2\xB1 %.1f", 100 * x->s.mean,
				 100 * x->s.sd);
		else
			experiment_pct(acc, sizeof acc, x->s.mean);
		snprintf(seeds, sizeof seeds, "%zu/%zu", x->s.n, x->n_seeds);
		/* the ± sign is two bytes wide and one column: pad by hand */
		fprintf(f, "%-9s %-19s %5s %*s %14s ", x->variant, experiment_mode_name(x->mode),
			seeds, x->s.n >= 2 ? 14 : 13, acc, range(a, sizeof a, x->lo, x->hi));
		if (x->has_diff && !isnan(x->diff)) {
			char d[16];
			snprintf(d, sizeof d, "%+.1f", 100 * x->diff);
			fprintf(f, "%8s %14s %9.3g  ", d,
				range(b, sizeof b, x->diff_lo, x->diff_hi), x->p_mcnemar);
		} else {
			fprintf(f, "%8s %14s %9s  ", "-", "-", "-");
		}
		for (size_t s = 0; s < x->n_seeds; s++)
			fprintf(f, "%s%s", s ? " " : "", experiment_pct(a, sizeof a, x->acc[s]));
		fputc('\n', f);
	}
	if (r->best >= 0)
		fprintf(f, "\nbest: %s (%s), %.1f%% mean accuracy\n", r->cells[r->best].variant,
			experiment_mode_name(r->cells[r->best].mode),
			100 * r->cells[r->best].s.mean);
	else
		fputc('\n', f);
	fprintf(f, "verdict: %s\n", r->verdict);
}

static cJSON *jnum(double v)
{
	cJSON *j = isnan(v) || isinf(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
	if (!j)
		util_oom();
	return j;
}

static void jadd(cJSON *o, const char *k, cJSON *v)
{
	if (!v)
		util_oom();
	cJSON_AddItemToObject(o, k, v);
}

static cJSON *jpair(double lo, double hi)
{
	cJSON *a = cJSON_CreateArray();
	if (!a)
		util_oom();
	cJSON_AddItemToArray(a, jnum(lo));
	cJSON_AddItemToArray(a, jnum(hi));
	return a;
}

static cJSON *results_json(const struct experiment_results *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		util_oom();
	jadd(o, "experiment", cJSON_CreateNumber((double)r->id));
	jadd(o, "name", cli_jstr(r->name));
	jadd(o, "status", cli_jstr(r->status));
	jadd(o, "dataset", cli_jstr(r->dataset));
	jadd(o, "source", cli_jstr(r->source));
	jadd(o, "preset", cli_jstr(r->preset));
	jadd(o, "steps", cJSON_CreateNumber((double)r->steps));
	jadd(o, "split", cli_jstr(r->split));
	jadd(o, "split_items", cJSON_CreateNumber((double)r->split_items));
	jadd(o, "seeds", cJSON_CreateNumber((double)r->n_seeds));
	cJSON *runs = cJSON_CreateObject();
	jadd(o, "runs", runs);
	jadd(runs, "total", cJSON_CreateNumber((double)r->n_runs));
	jadd(runs, "done", cJSON_CreateNumber((double)r->n_done));
	jadd(runs, "evaluated", cJSON_CreateNumber((double)r->n_evaluated));
	jadd(runs, "failed", cJSON_CreateNumber((double)r->n_failed));
	cJSON *rows = cJSON_CreateArray();
	jadd(o, "rows", rows);
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *x = &r->cells[i];
		cJSON *row = cJSON_CreateObject();
		if (!row)
			util_oom();
		cJSON_AddItemToArray(rows, row);
		jadd(row, "variant", cli_jstr(x->variant));
		jadd(row, "mode", cli_jstr(experiment_mode_name(x->mode)));
		cJSON *per = cJSON_CreateArray();
		jadd(row, "per_seed", per);
		for (size_t s = 0; s < x->n_seeds; s++) {
			cJSON *e = cJSON_CreateObject();
			if (!e)
				util_oom();
			cJSON_AddItemToArray(per, e);
			jadd(e, "seed", cJSON_CreateNumber((double)x->seed[s]));
			jadd(e, "run",
			     x->run_id[s] ? cJSON_CreateNumber((double)x->run_id[s])
					  : cJSON_CreateNull());
			jadd(e, "accuracy", jnum(x->acc[s]));
			jadd(e, "items", cJSON_CreateNumber((double)x->n_items[s]));
		}
		jadd(row, "n", cJSON_CreateNumber((double)x->s.n));
		jadd(row, "mean", jnum(x->s.mean));
		jadd(row, "sd", jnum(x->s.sd));
		jadd(row, "ci", jpair(x->lo, x->hi));
		jadd(row, "ci_method", x->ci_method[0] ? cli_jstr(x->ci_method) : cli_jstr(NULL));
		if (x->has_diff) {
			cJSON *vs = cJSON_CreateObject();
			jadd(row, "vs_baseline", vs);
			jadd(vs, "seeds", cJSON_CreateNumber((double)x->n_paired));
			jadd(vs, "items", cJSON_CreateNumber((double)x->paired_items));
			jadd(vs, "diff", jnum(x->diff));
			jadd(vs, "ci", jpair(x->diff_lo, x->diff_hi));
			jadd(vs, "better", cJSON_CreateNumber((double)x->better));
			jadd(vs, "worse", cJSON_CreateNumber((double)x->worse));
			jadd(vs, "mcnemar_p", jnum(x->p_mcnemar));
		} else {
			jadd(row, "vs_baseline", cJSON_CreateNull());
		}
	}
	if (r->best >= 0) {
		cJSON *best = cJSON_CreateObject();
		jadd(o, "best", best);
		jadd(best, "variant", cli_jstr(r->cells[r->best].variant));
		jadd(best, "mode", cli_jstr(experiment_mode_name(r->cells[r->best].mode)));
		jadd(best, "mean", jnum(r->cells[r->best].s.mean));
	} else {
		jadd(o, "best", cJSON_CreateNull());
	}
	jadd(o, "verdict", cli_jstr(r->verdict));
	return o;
}

static void print_json(struct cli *c, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (!s)
		util_oom();
	fputs(s, c->out);
	fputc('\n', c->out);
	cJSON_free(s);
}

/* Print experiment id's table; CLI_OK or the error's code. */
static int show(struct cli *c, struct store *st, int64_t id, int json)
{
	char err[MENTOR_ERR_LEN];
	struct experiment_results r;
	int rc = experiment_results(st, id, &r, err);
	if (rc)
		return cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
	if (json) {
		cJSON *o = results_json(&r);
		print_json(c, o);
		cJSON_Delete(o);
	} else {
		print_table(c, &r);
	}
	experiment_results_release(&r);
	return CLI_OK;
}

static int list(struct cli *c, struct store *st, int json)
{
	char err[MENTOR_ERR_LEN];
	struct store_experiment *e = NULL;
	size_t n = 0;
	if (store_experiment_list(st, &e, &n, err))
		return cli_error(c, CLI_ERR, "%s", err);
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	if (json && !arr)
		util_oom();
	if (!json && n == 0)
		fputs("no experiments; start one with 'mentor experiment DATASET'\n", c->out);
	for (size_t i = 0; i < n; i++) {
		struct experiment_results r;
		int ok = experiment_results(st, e[i].id, &r, err) == 0;
		if (json) {
			cJSON *o = ok ? results_json(&r) : cJSON_CreateObject();
			if (!o)
				util_oom();
			if (!ok) {
				jadd(o, "experiment", cJSON_CreateNumber((double)e[i].id));
				jadd(o, "error", cli_jstr(err));
			}
			cJSON_AddItemToArray(arr, o);
		} else {
			fprintf(c->out, "%4lld  ", (long long)e[i].id);
			cli_put_escaped(c->out, e[i].name);
			fprintf(c->out, "  %-8s", e[i].status);
			if (ok) {
				fprintf(c->out, "  %zu/%zu runs evaluated  ", r.n_evaluated,
					r.n_runs);
				cli_put_escaped(c->out, r.dataset);
				fprintf(c->out, "\n      %s\n", r.verdict);
			} else {
				fputs("  ", c->out);
				cli_put_escaped(c->out, err);
				fputc('\n', c->out);
			}
		}
		if (ok)
			experiment_results_release(&r);
		store_experiment_release(&e[i]);
	}
	free(e);
	if (json) {
		print_json(c, arr);
		cJSON_Delete(arr);
	}
	return CLI_OK;
}

/* Run (or resume) experiment id here, then print its table. */
static int run(struct cli *c, struct store *st, int64_t id, const struct exp_args *a)
{
	struct exp_cli ec = {c, 1, 0};
	struct experiment_opts o = {cli_stop_flag(), on_progress, &ec, (int)a->threads};
	char err[MENTOR_ERR_LEN];
	int rc = experiment_exec(c->db_path, id, &o, err);
	if (rc == MENTOR_EUSAGE)
		return cli_error(c, CLI_USAGE, "%s", err);
	if (rc)
		cli_error(c, CLI_ERR, "%s", err);
	int shown = show(c, st, id, a->json);
	return rc ? CLI_ERR : shown;
}

int cli_experiment(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_experiment, argc, argv, &ca))
		return ca.exit;
	struct experiment_spec spec;
	experiment_spec_init(&spec);
	struct exp_args a;
	int rc = parse_args(c, &ca, &a, &spec);
	if (rc)
		return rc;
	int64_t id = 0;
	if ((a.show && parse_id(c, "--show", a.show, &id)) ||
	    (a.resume && parse_id(c, "--resume", a.resume, &id)))
		return CLI_USAGE;
	char err[MENTOR_ERR_LEN];
	struct store *st = a.dataset ? cli_open_store(c) : store_open_existing(c->db_path, err);
	if (!st)
		return a.dataset ? CLI_ERR : cli_error(c, CLI_ERR, "%s", err);
	int status;
	if (a.list) {
		status = list(c, st, a.json);
	} else if (a.show) {
		status = show(c, st, id, a.json);
	} else {
		if (a.dataset) {
			if (a.init_from && (rc = cli_init_from(c, st, a.init_from, &spec.base))) {
				status = rc;
				goto out;
			}
			if (a.init_from && !a.lr_given)
				spec.base.lr = TRAIN_FINETUNE_LR;
			rc = experiment_plan(st, &spec, &id, err);
			if (rc) {
				status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR,
						   "%s", err);
				goto out;
			}
			if (a.plan_only) {
				if (a.json)
					fprintf(c->out, "{\"experiment\":%lld,\"runs\":%zu}\n",
						(long long)id,
						spec.n_variants * (size_t)spec.seeds);
				else
					fprintf(c->out, "%lld\n", (long long)id);
				status = CLI_OK;
				goto out;
			}
			if (!a.json)
				fprintf(c->errf,
					"experiment %lld: %zu runs (%zu variant%s x %d seed%s), "
					"%lld steps each, preset %s\n",
					(long long)id, spec.n_variants * (size_t)spec.seeds,
					spec.n_variants, spec.n_variants == 1 ? "" : "s",
					spec.seeds, spec.seeds == 1 ? "" : "s",
					(long long)spec.base.steps, spec.base.preset);
		}
		if (a.detach) {
			int64_t pid;
			rc = experiment_spawn(NULL, c->db_path, id, &pid, err);
			if (rc) {
				status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR,
						   "%s", err);
				goto out;
			}
			if (a.json)
				fprintf(c->out, "{\"experiment\":%lld,\"pid\":%lld}\n",
					(long long)id, (long long)pid);
			else
				fprintf(c->out,
					"experiment %lld started in the background (pid %lld); "
					"follow with 'mentor experiment --show %lld'\n",
					(long long)id, (long long)pid, (long long)id);
			status = CLI_OK;
			goto out;
		}
		status = run(c, st, id, &a);
	}
out:
	store_close(st);
	return status;
}
