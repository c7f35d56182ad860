/* cli_teacher: the teacher's commands: explain (run COTE, RP or CROP over a
 * dataset with a progress display, Ctrl-C keeps what finished), explanations
 * (list them), calls (the LLM call log with token and cost totals) and review
 * (accept, reject, flag, undo). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/cli.h"
#include "mentor/config.h"
#include "mentor/prompt.h"
#include "mentor/store.h"
#include "mentor/teacher.h"

/* cli_find_dataset with a hint towards the list of datasets. */
static int find_dataset(struct store *st, const char *ref, struct store_dataset *d, char *err)
{
	int rc = cli_find_dataset(st, ref, d, err);
	if (rc == MENTOR_ENOTFOUND)
		util_err(err, "no dataset '%s'; see 'mentor datasets'", ref);
	return rc;
}

/* Load the config (a warning goes to stderr). */
static int load_config(struct cli *c, const char *path, struct config *cfg)
{
	char err[MENTOR_ERR_LEN], warn[MENTOR_ERR_LEN];
	if (config_load(cfg, path, warn, err)) {
		config_release(cfg);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	if (warn[0])
		cli_printf(c->errf, "mentor: warning: %s\n", warn);
	return CLI_OK;
}

/* --------------------------------------------------------------- explain */

static const struct cli_option explain_opts[] = {
	{"--mode", NULL, "MODE",
	 "cot (few-shot chain of thought, judged against the gold answer), rp (rationalize the "
	 "given gold answer; leaks are flagged), crop (cot, then rp where cot is wrong or "
	 "unparsable) or all (default cot)",
	 "cot rp crop all"},
	{"--provider", NULL, "P",
	 "provider or alias from the config (openai, anthropic, offline...)", NULL},
	{"--model", NULL, "MODEL", "model (or alias) instead of the provider's default", NULL},
	{"--split", NULL, "S", "only items of this split: train, dev or test", "train dev test"},
	{"--limit", NULL, "N", "at most N items", NULL},
	{"--concurrency", NULL, "N", "requests in flight, 1 to 256 (default from the config, 8)",
	 NULL},
	{"--rpm", NULL, "N", "at most N requests per minute (0 = no limit)", NULL},
	{"--force", NULL, NULL,
	 "ask again for items that have an explanation, and bypass the call cache", NULL},
	{"--offline-rates", NULL, "LIST",
	 "the offline teacher's mistake rates (0 to 1), e.g. "
	 "cot_wrong=0.2,cot_bad_step=0.1,rp_leak=0.1 (the defaults):\n"
	 "cot_wrong: cot ends in a wrong answer\n"
	 "cot_bad_step: cot has one wrong middle step, right answer\n"
	 "rp_leak: rp restates the given answer (flagged leaked)\n"
	 "(cot_wrong + cot_bad_step <= 1, else the config's rate is lowered); unnamed ones come "
	 "from the config's [provider offline] section, else [defaults]",
	 NULL},
	{"--cot-wrong-rate", NULL, "R", NULL, NULL},
	{"--cot-bad-step-rate", NULL, "R", NULL, NULL},
	{"--rp-leak-rate", NULL, "R",
	 "one rate each, as in --offline-rates; a later option overrides an earlier one", NULL},
	{"--error-rate", NULL, "R", "the same as --cot-wrong-rate R", NULL},
	{"--k", NULL, "K", "demonstrations per prompt, 0 to 64 (default 4)", NULL},
	{"--seed", NULL, "S", "seed of the demonstrations' choice and the offline teacher", NULL},
	{"--stream", NULL, NULL, "stream the responses", NULL},
	{"--config", NULL, "FILE", "configuration file instead of $XDG_CONFIG_HOME/mentor/config",
	 NULL},
	{"--dry-run", NULL, NULL,
	 "print what the run would do and cost (tasks, calls to make, calls served from the "
	 "cache, tokens, cost) and stop: nothing is asked, nothing is written",
	 NULL},
	{"--print-prompts", NULL, NULL,
	 "print the prompts that would be sent and call nothing; without DATASET, the templates "
	 "in effect",
	 NULL},
	{"--write-prompts", NULL, NULL,
	 "write the built-in templates to the prompts directory (MODE-TYPE.txt, and "
	 "MODE-TYPE.ja.txt for datasets in Japanese: see 'mentor datasets --lang')",
	 NULL},
	{"--prompts-dir", NULL, "DIR",
	 "the prompts directory instead of $XDG_CONFIG_HOME/mentor/prompts (for a run with a "
	 "DATASET, instead of the config's prompts_dir when it sets one); --print-prompts and "
	 "--write-prompts use it too",
	 NULL},
	{"--overwrite", NULL, NULL, "let --write-prompts replace existing files", NULL},
	{"--batch-export", NULL, "FILE",
	 "write the requests still needed as OpenAI Batch API input (JSONL) instead of calling; "
	 "no API key goes into the file",
	 NULL},
	{"--batch-import", NULL, "FILE",
	 "read Batch API output into the workspace as if fetched live (same provider, model and "
	 "settings as the export); with --batch-export NEXT, then write the follow-up requests "
	 "(CROP's rp fallbacks, retries of failed lines)",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_explain = {
	.name = "explain",
	.fn = cli_explain,
	.summary = "ask the teacher for explanations (cot, rp, crop)",
	.usage = "mentor explain DATASET [OPTIONS]\n"
		 "mentor explain DATASET --mode MODE --batch-export FILE [OPTIONS]\n"
		 "mentor explain DATASET --batch-import FILE [--batch-export NEXT] [...]\n"
		 "mentor explain --print-prompts [--prompts-dir DIR]\n"
		 "mentor explain --write-prompts [--prompts-dir DIR] [--overwrite]",
	.about = "Ask the teacher for explanations of a dataset's items. Items that already\n"
		 "have an explanation of the mode from this provider/model are skipped, and\n"
		 "identical requests are answered from the call log, unless --force.\n"
		 "Ctrl-C stops; finished items are kept. Without a config file the offline\n"
		 "scripted teacher is used.",
	.opts = explain_opts,
};

/* Item errors printed as they come; the rest are counted. */
#define EXPLAIN_ERRORS_SHOWN 20

struct explain_ui {
	struct cli *c;
	int errors_shown;
	int64_t errors_hidden;
};

static void on_result(void *user, const struct teacher_result *r)
{
	struct explain_ui *ui = user;
	if (!r->error || store_call_status_parse(r->error) == STORE_CALL_CANCELLED)
		return;
	if (ui->errors_shown >= EXPLAIN_ERRORS_SHOWN) {
		ui->errors_hidden++;
		return;
	}
	ui->errors_shown++;
	FILE *f = ui->c->errf;
	flockfile(f);
	if (ui->c->err_tty)
		fputs("\r\033[K", f);
	fprintf(f, "mentor: item %lld (%s): ", (long long)r->item_id, r->mode);
	util_term_put(f, r->error, UTIL_PUT_CELL, NULL, 300);
	fputc('\n', f);
	funlockfile(f);
}

static void fmt_tokens(char *b, size_t n, int64_t t)
{
	if (t >= 1000000)
		snprintf(b, n, "%.1fM", (double)t / 1e6);
	else if (t >= 1000)
		snprintf(b, n, "%.1fk", (double)t / 1e3);
	else
		snprintf(b, n, "%lld", (long long)t);
}

static void show_progress(struct cli *c, const struct teacher_progress *p, int final)
{
	double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0;
	char tok[32], eta[32] = "-";
	fmt_tokens(tok, sizeof tok, p->tokens_in + p->tokens_out);
	if (rate > 0 && p->total > p->done)
		snprintf(eta, sizeof eta, "%.0fs", (double)(p->total - p->done) / rate);
	FILE *f = c->errf;
	flockfile(f);
	if (c->err_tty) {
		int width = 24;
		int fill = p->total ? (int)((double)width * (double)p->done / (double)p->total)
				    : width;
		fputs("\r\033[K[", f);
		for (int i = 0; i < width; i++)
			fputc(i < fill ? '#' : '-', f);
		fprintf(f, "] %lld/%lld %.1f/s err %lld tok %s $%.4f ETA %s", (long long)p->done,
			(long long)p->total, rate, (long long)p->errors, tok, p->cost, eta);
		if (final)
			fputc('\n', f);
	} else {
		fprintf(f,
			"explain: %lld/%lld done, %lld errors, %lld cached, %s tokens, $%.4f, "
			"%.1f/s, ETA %s\n",
			(long long)p->done, (long long)p->total, (long long)p->errors,
			(long long)p->cached, tok, p->cost, rate, eta);
	}
	fflush(f);
	funlockfile(f);
}

static int print_prompts(struct cli *c, struct store *st, const struct teacher_opts *o,
			 const int64_t *ids, size_t n)
{
	char err[MENTOR_ERR_LEN];
	for (size_t i = 0; i < n; i++)
		for (int pm = 0; pm < PROMPT_N_MODES; pm++) {
			unsigned need = pm == PROMPT_COT ? (TEACHER_COT | TEACHER_CROP)
							 : (TEACHER_RP | TEACHER_CROP);
			if (!(o->modes & need))
				continue;
			struct buf b;
			buf_init(&b);
			if (teacher_build_prompt(st, o, ids[i], pm, &b, err)) {
				buf_release(&b);
				return cli_error(c, CLI_ERR, "%s", err);
			}
			cli_printf(c->out, "===== item %lld, %s prompt =====\n", (long long)ids[i],
				   prompt_mode_name(pm));
			util_term_put(c->out, b.data ? b.data : "", UTIL_PUT_LINES, NULL, 0);
			fputs("\n\n", c->out);
			buf_release(&b);
		}
	return CLI_OK;
}

static int write_prompts(struct cli *c, const char *dir, int overwrite)
{
	char err[MENTOR_ERR_LEN];
	char *d = dir ? util_strdup(dir) : prompt_default_dir();
	if (!d)
		return cli_error(c, CLI_ERR,
				 "cannot find the prompts directory: set XDG_CONFIG_HOME "
				 "or HOME, or give --prompts-dir");
	int written = 0;
	if (prompt_write_defaults(d, overwrite, &written, err)) {
		free(d);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	cli_printf(c->out, "wrote %d template%s to %s (existing files %s)\n", written,
		   written == 1 ? "" : "s", d, overwrite ? "replaced" : "kept");
	free(d);
	return CLI_OK;
}

/* The templates in effect (edited files or built-in defaults). */
static int print_templates(struct cli *c, const char *dir_flag)
{
	char err[MENTOR_ERR_LEN];
	char *dir = dir_flag ? util_strdup(dir_flag) : prompt_default_dir();
	struct prompt_set ps;
	prompt_set_init(&ps);
	if (prompt_set_load_dir(&ps, dir, err)) {
		prompt_set_release(&ps);
		free(dir);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	for (int l = 0; l < I18N_N_LANGS; l++)
		for (int m = 0; m < PROMPT_N_MODES; m++)
			for (int t = 0; t < PROMPT_N_TYPES; t++) {
				int from = l == I18N_JA ? ps.from_file_ja[m][t]
							: ps.from_file[m][t];
				cli_printf(c->out, "===== %s/%s-%s%s.txt (%s) =====\n",
					   dir ? dir : "(no directory)", prompt_mode_name(m),
					   prompt_type_name(t), l == I18N_JA ? ".ja" : "",
					   from ? "from file" : "built-in default");
				cli_printf(c->out, "%s\n\n",
					   prompt_set_get_lang(&ps, l, m, prompt_type_name(t)));
			}
	prompt_set_release(&ps);
	free(dir);
	return CLI_OK;
}

static void on_batch_line(void *user, const char *file, long line, const char *reason)
{
	struct cli *c = user;
	util_term_put(c->errf, file, UTIL_PUT_CELL, NULL, 200);
	fprintf(c->errf, ":%ld: ", line);
	util_term_put(c->errf, reason, UTIL_PUT_CELL, NULL, 400);
	fputc('\n', c->errf);
}

static void batch_export_summary(struct cli *c, const char *path,
				 const struct teacher_batch_stats *s)
{
	cli_printf(c->out,
		   "wrote %lld request%s to %s (%lld tasks, %lld skipped as already explained, "
		   "%lld steps answered from the call log, %lld explanations stored)\n",
		   (long long)s->written, s->written == 1 ? "" : "s", path, (long long)s->tasks,
		   (long long)s->skipped, (long long)s->cached, (long long)s->explained);
}

/* --batch-export / --batch-import (teacher_batch_*). */
static int run_batch(struct cli *c, const struct teacher_opts *o, int64_t dataset_id,
		     const int64_t *ids, size_t n, const char *imp, const char *exp)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_batch_stats s, ns;
	int rc;
	if (!imp) {
		if ((rc = teacher_batch_export(o, ids, n, exp, &s, err)) != 0)
			return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		batch_export_summary(c, exp, &s);
		return CLI_OK;
	}
	if ((rc = teacher_batch_import(o, dataset_id, imp, exp, on_batch_line, c, &s, &ns, err)) !=
	    0)
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	cli_printf(c->out,
		   "imported %lld of %lld lines from %s: %lld explanations, %lld failed calls, "
		   "%lld refused, %lld already imported, %lld already explained, %lld crop items "
		   "waiting for rp; tokens %lld in / %lld out; cost $%.4f\n",
		   (long long)s.imported, (long long)s.lines, imp, (long long)s.explained,
		   (long long)s.failed, (long long)s.rejected, (long long)s.repeated,
		   (long long)s.skipped, (long long)s.waiting, (long long)s.tokens_in,
		   (long long)s.tokens_out, s.cost);
	if (exp)
		batch_export_summary(c, exp, &ns);
	if (s.rejected || s.failed)
		return cli_error(c, CLI_ERR,
				 "%lld of %lld lines were not usable (see above); the "
				 "others were stored",
				 (long long)(s.rejected + s.failed), (long long)s.lines);
	return CLI_OK;
}

/* Items from which a dry run shows its progress on a terminal. */
#define ESTIMATE_SHOW_FROM 2000

/* What estimate_poll sees: the terminal, and the flag Ctrl-C sets. */
struct estimate_ui {
	struct cli *c;
	volatile sig_atomic_t *stop;
};

/* Ctrl-C stops an estimate; a terminal sees how far it got. */
static int estimate_poll(void *user, size_t done, size_t total)
{
	struct estimate_ui *ui = user;
	struct cli *c = ui->c;
	if (c->err_tty && total >= ESTIMATE_SHOW_FROM && (done % 500 == 0 || done == total)) {
		fprintf(c->errf, "\r\033[Kestimating: %zu/%zu items", done, total);
		fflush(c->errf);
	}
	return *ui->stop != 0;
}

/* --dry-run: the estimate of the job (teacher_estimate), nothing asked. */
static int dry_run(struct cli *c, const struct teacher_opts *o, const char *dataset,
		   const char *split, long limit, const int64_t *ids, size_t n)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_estimate e;
	struct cli_stop_saved saved;
	struct estimate_ui ui = {c, cli_stop_catch(&saved)};
	int rc = teacher_estimate(o, ids, n, estimate_poll, &ui, &e, err);
	cli_stop_release(&saved);
	if (c->err_tty && n >= ESTIMATE_SHOW_FROM)
		fputs("\r\033[K", c->errf);
	if (rc)
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	cli_printf(c->out, "dry run of explain %s (split %s", dataset, split ? split : "any");
	if (limit > 0)
		cli_printf(c->out, ", limit %ld", limit);
	cli_printf(c->out, "): nothing is asked, nothing is written\n");
	struct buf b;
	buf_init(&b);
	teacher_estimate_lines(&e, &b);
	util_term_put(c->out, b.data ? b.data : "", UTIL_PUT_LINES, NULL, 0);
	buf_release(&b);
	return CLI_OK;
}

/* The offline rate option name sets ("--rp-leak-rate" -> "rp_leak"), or
 * NULL for another option. */
static const char *rate_option(const char *name)
{
	static const char *const opts[][2] = {
		{"--cot-wrong-rate", "cot_wrong"},
		{"--error-rate", "cot_wrong"},
		{"--cot-bad-step-rate", "cot_bad_step"},
		{"--rp-leak-rate", "rp_leak"},
	};
	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
		if (!strcmp(name, opts[k][0]))
			return opts[k][1];
	return NULL;
}

/* What `mentor explain` was asked, beside the teacher's options. */
struct explain_line {
	const char *dataset, *mode, *split, *cfg_path, *batch_exp, *batch_imp;
	long limit;
	int print, write, overwrite, dry;
};

/* Read the parsed line into *l and *o (set up by teacher_opts_init): CLI_OK
 * or a usage error, reported. In order: a single rate overrides
 * --offline-rates given before it. */
static int explain_read(struct cli *c, const struct cli_args *a, struct explain_line *l,
			struct teacher_opts *o)
{
	char rerr[MENTOR_ERR_LEN];
	memset(l, 0, sizeof *l);
	l->mode = store_mode_name(STORE_COT);
	for (int i = 0; i < a->n; i++) {
		const char *name = a->args[i].opt ? a->args[i].opt->name : NULL;
		const char *v = a->args[i].value, *rate;
		long lv = 0;
		if (!name) {
			if (l->dataset)
				return cli_error(c, CLI_USAGE, "explain: one DATASET at a time");
			l->dataset = v;
		} else if (!strcmp(name, "--mode")) {
			l->mode = v;
		} else if (!strcmp(name, "--provider")) {
			o->provider = v;
		} else if (!strcmp(name, "--model")) {
			o->model = v;
		} else if (!strcmp(name, "--split")) {
			l->split = v;
		} else if (!strcmp(name, "--config")) {
			l->cfg_path = v;
		} else if (!strcmp(name, "--prompts-dir")) {
			o->prompts_dir = v;
		} else if (!strcmp(name, "--batch-export")) {
			l->batch_exp = v;
		} else if (!strcmp(name, "--batch-import")) {
			l->batch_imp = v;
		} else if (!strcmp(name, "--limit")) {
			if (util_parse_long(v, 1, LONG_MAX, &l->limit))
				return cli_error(c, CLI_USAGE,
						 "explain: '--limit' needs a positive number");
		} else if (!strcmp(name, "--concurrency")) {
			if (util_parse_long(v, 1, 256, &lv))
				return cli_error(c, CLI_USAGE,
						 "explain: '--concurrency' needs 1 to 256");
			o->concurrency = (int)lv;
		} else if (!strcmp(name, "--rpm")) {
			if (util_parse_long(v, 0, 1000000, &lv))
				return cli_error(c, CLI_USAGE,
						 "explain: '--rpm' needs 0 to 1000000");
			o->rpm = (int)lv;
		} else if (!strcmp(name, "--k")) {
			if (util_parse_long(v, 0, 64, &lv))
				return cli_error(c, CLI_USAGE, "explain: '--k' needs 0 to 64");
			o->k = (int)lv;
		} else if (!strcmp(name, "--seed")) {
			if (util_parse_long(v, 0, LONG_MAX, &lv))
				return cli_error(c, CLI_USAGE, "explain: '--seed' needs a number");
			o->seed = lv;
		} else if (!strcmp(name, "--offline-rates")) {
			if (config_offline_rates_parse(v, &o->offline, rerr))
				return cli_error(c, CLI_USAGE, "explain: '--offline-rates': %s",
						 rerr);
		} else if ((rate = rate_option(name)) != NULL) {
			if (config_offline_rates_set(&o->offline, rate, v, rerr))
				return cli_error(c, CLI_USAGE, "explain: %s", rerr);
		} else if (!strcmp(name, "--force")) {
			o->force = 1;
		} else if (!strcmp(name, "--stream")) {
			o->stream = 1;
		} else if (!strcmp(name, "--print-prompts")) {
			l->print = 1;
		} else if (!strcmp(name, "--dry-run")) {
			l->dry = 1;
		} else if (!strcmp(name, "--write-prompts")) {
			l->write = 1;
		} else if (!strcmp(name, "--overwrite")) {
			l->overwrite = 1;
		}
	}
	return CLI_OK;
}

int cli_explain(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_explain, argc, argv, &a))
		return a.exit;
	struct teacher_opts o;
	teacher_opts_init(&o);
	struct explain_line l;
	int rc = explain_read(c, &a, &l, &o);
	if (rc != CLI_OK)
		return rc;
	if (l.write)
		return write_prompts(c, o.prompts_dir, l.overwrite);
	if (l.print && !l.dataset)
		return print_templates(c, o.prompts_dir);
	if (!l.dataset)
		return cli_error(c, CLI_USAGE,
				 "explain: missing DATASET (see 'mentor explain --help')");
	o.modes = teacher_mode_mask(l.mode);
	if (!o.modes)
		return cli_error(c, CLI_USAGE,
				 "explain: unknown mode '%s': use cot, rp, crop or all", l.mode);
	if (l.split && strcmp(l.split, "train") && strcmp(l.split, "dev") &&
	    strcmp(l.split, "test"))
		return cli_error(c, CLI_USAGE,
				 "explain: unknown split '%s': use train, dev or test", l.split);

	struct config cfg;
	rc = load_config(c, l.cfg_path, &cfg);
	if (rc)
		return rc;
	o.cfg = &cfg;
	o.db_path = c->db_path;
	char err[MENTOR_ERR_LEN];
	struct store *st = cli_open_existing(c);
	if (!st) {
		config_release(&cfg);
		return CLI_ERR;
	}
	struct store_dataset d;
	int64_t *ids = NULL;
	size_t n = 0;
	if ((rc = find_dataset(st, l.dataset, &d, err)) != 0) {
		rc = cli_error(c, CLI_ERR, "%s", err);
		goto out_store;
	}
	int64_t dataset_id = d.id;
	rc = teacher_select_items(st, d.id, l.split, (size_t)l.limit, &ids, &n, err);
	store_dataset_release(&d);
	if (rc) {
		rc = cli_error(c, CLI_ERR, "%s", err);
		goto out_store;
	}
	if (l.print) {
		rc = print_prompts(c, st, &o, ids, n);
		goto out_ids;
	}
	store_close(st);
	st = NULL;
	if (l.dry) {
		rc = dry_run(c, &o, l.dataset, l.split, l.limit, ids, n);
		goto out_ids;
	}
	if (l.batch_exp || l.batch_imp) {
		rc = run_batch(c, &o, dataset_id, ids, n, l.batch_imp, l.batch_exp);
		goto out_ids;
	}

	struct explain_ui ui = {c, 0, 0};
	struct teacher_callbacks cb = {0};
	cb.user = &ui;
	cb.on_result = on_result;
	struct cli_stop_saved saved;
	volatile sig_atomic_t *interrupted = cli_stop_catch(&saved);
	struct teacher_job *j = teacher_start(&o, ids, n, &cb, err);
	if (!j) {
		cli_stop_release(&saved);
		rc = cli_error(c, CLI_USAGE, "%s", err);
		goto out_ids;
	}
	int cancelled = 0;
	double last = 0;
	int64_t last_done = -1;
	struct teacher_progress p;
	for (;;) {
		int fin = teacher_wait(j, 200) == MENTOR_OK;
		if (*interrupted && !cancelled) {
			cancelled = 1;
			teacher_cancel(j);
			if (c->err_tty)
				fputs("\r\033[K", c->errf);
			fputs("mentor: interrupted; stopping (finished items are kept)\n", c->errf);
		}
		teacher_get_progress(j, &p);
		double now = util_mono();
		if (fin)
			break;
		if (c->err_tty ? now - last >= 0.2 : (p.done != last_done && now - last >= 1.0)) {
			show_progress(c, &p, 0);
			last = now;
			last_done = p.done;
		}
	}
	teacher_get_progress(j, &p);
	show_progress(c, &p, 1);
	if (ui.errors_hidden)
		fprintf(c->errf, "mentor: ... and %lld more error%s\n", (long long)ui.errors_hidden,
			ui.errors_hidden == 1 ? "" : "s");
	cli_printf(c->out,
		   "%s %s with %s/%s: %lld tasks, %lld explained, %lld skipped, %lld errors, "
		   "%lld cached; tokens %lld in / %lld out; cost $%.4f%s\n",
		   l.dataset, l.mode, teacher_job_provider(j), teacher_job_model(j),
		   (long long)p.total, (long long)(p.done - p.errors - p.skipped),
		   (long long)p.skipped, (long long)p.errors, (long long)p.cached,
		   (long long)p.tokens_in, (long long)p.tokens_out, p.cost,
		   p.cancelled ? " (interrupted)" : "");
	teacher_free(j);
	cli_stop_release(&saved);
	if (p.cancelled)
		rc = cli_error(c, CLI_ERR, "explain interrupted; run it again to resume");
	else if (p.stopped)
		rc = cli_error(c, CLI_ERR, "explain stopped early: %s", p.stop_reason);
	else if (p.errors)
		rc = cli_error(c, CLI_ERR, "%lld of %lld tasks failed; run again to retry them",
			       (long long)p.errors, (long long)p.total);
	else
		rc = CLI_OK;
out_ids:
	free(ids);
out_store:
	store_close(st);
	config_release(&cfg);
	return rc;
}

/* ---------------------------------------------------------- explanations */

static const struct cli_option expls_opts[] = {
	{"--mode", NULL, "MODE", "only explanations of this mode: cot, rp or crop", "cot rp crop"},
	{"--status", NULL, "S",
	 "only explanations of this review status: pending, accepted, rejected or flagged",
	 "pending accepted rejected flagged"},
	{"--limit", NULL, "N", "at most N explanations", NULL},
	{"--json", NULL, NULL,
	 "print a JSON array of {id, item_id, mode, path, provider, model, call_id, attempt_of, "
	 "text, edited_text, parsed_answer, correct, leaked, status, reviewer, tokens_in, "
	 "tokens_out, cost, created_at}",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_explanations = {
	.name = "explanations",
	.fn = cli_explanations,
	.summary = "list explanations of a dataset",
	.usage = "mentor explanations DATASET [OPTIONS]",
	.about = "List the explanations of a dataset: id, item, mode, path (which prompt\n"
		 "produced it), review status, correct (yes/no/-), leaked, parsed answer,\n"
		 "text.",
	.opts = expls_opts,
};

int cli_explanations(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_explanations, argc, argv, &a))
		return a.exit;
	struct store_expl_filter f = {0};
	const char *v;
	long lv = 0;
	if ((v = cli_arg(&a, "--limit"))) {
		if (util_parse_long(v, 1, INT_MAX, &lv))
			return cli_error(c, CLI_USAGE,
					 "explanations: '--limit' needs a positive number");
		f.limit = (int)lv;
	}
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "explanations: one DATASET at a time");
	const char *dataset = cli_pos(&a, 0);
	f.mode = cli_arg(&a, "--mode");
	f.status = cli_arg(&a, "--status");
	int json = cli_arg(&a, "--json") != NULL;
	if (!dataset)
		return cli_error(c, CLI_USAGE, "explanations: missing DATASET");
	if (f.mode && !teacher_mode_mask(f.mode))
		return cli_error(c, CLI_USAGE, "explanations: unknown mode '%s'", f.mode);
	if (f.status && store_review_parse(f.status) < 0)
		return cli_error(c, CLI_USAGE, "explanations: unknown status '%s'", f.status);
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct store_dataset d;
	int rc = find_dataset(st, dataset, &d, err);
	if (rc) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	f.dataset_id = d.id;
	store_dataset_release(&d);
	struct store_expl *e;
	size_t n;
	if (store_expl_list(st, &f, &e, &n, err)) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)e[i].id);
			cJSON_AddNumberToObject(o, "item_id", (double)e[i].item_id);
			cJSON_AddItemToObject(o, "mode", cli_jstr(e[i].mode));
			cJSON_AddItemToObject(o, "path", cli_jstr(e[i].path));
			cJSON_AddItemToObject(o, "provider", cli_jstr(e[i].provider));
			cJSON_AddItemToObject(o, "model", cli_jstr(e[i].model));
			cJSON_AddNumberToObject(o, "call_id", (double)e[i].call_id);
			if (e[i].attempt_of)
				cJSON_AddNumberToObject(o, "attempt_of", (double)e[i].attempt_of);
			else
				cJSON_AddNullToObject(o, "attempt_of");
			cJSON_AddItemToObject(o, "text", cli_jstr(e[i].text));
			cJSON_AddItemToObject(o, "edited_text", cli_jstr(e[i].edited_text));
			cJSON_AddItemToObject(o, "parsed_answer", cli_jstr(e[i].parsed_answer));
			if (e[i].correct < 0)
				cJSON_AddNullToObject(o, "correct");
			else
				cJSON_AddBoolToObject(o, "correct", e[i].correct);
			cJSON_AddBoolToObject(o, "leaked", e[i].leaked);
			cJSON_AddItemToObject(o, "status", cli_jstr(e[i].status));
			cJSON_AddItemToObject(o, "reviewer", cli_jstr(e[i].reviewer));
			cJSON_AddNumberToObject(o, "tokens_in", (double)e[i].tokens_in);
			cJSON_AddNumberToObject(o, "tokens_out", (double)e[i].tokens_out);
			cJSON_AddNumberToObject(o, "cost", e[i].cost);
			cJSON_AddNumberToObject(o, "created_at", (double)e[i].created_at);
			cJSON_AddItemToArray(arr, o);
		}
		cli_print_json(c->out, arr);
		fputc('\n', c->out);
		cJSON_Delete(arr);
	} else {
		cli_printf(c->out, "%-6s %-6s %-5s %-4s %-9s %-3s %-4s %-8s %s\n", "ID", "ITEM",
			   "MODE", "PATH", "STATUS", "OK", "LEAK", "ANSWER", "TEXT");
		for (size_t i = 0; i < n; i++) {
			cli_printf(c->out, "%-6lld %-6lld %-5s %-4s %-9s %-3s %-4s ",
				   (long long)e[i].id, (long long)e[i].item_id, e[i].mode,
				   e[i].path, e[i].status,
				   e[i].correct < 0 ? "-"
				   : e[i].correct   ? "yes"
						    : "no",
				   e[i].leaked ? "yes" : "no");
			cli_pad(c->out, 9 - util_term_put(c->out, e[i].parsed_answer, UTIL_PUT_CELL,
							  NULL, 8));
			util_term_put(c->out, e[i].edited_text ? e[i].edited_text : e[i].text,
				      UTIL_PUT_CELL, NULL, 70);
			fputc('\n', c->out);
		}
		cli_printf(c->out, "%zu explanation%s\n", n, n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++)
		store_expl_release(&e[i]);
	free(e);
	store_close(st);
	return CLI_OK;
}

/* ----------------------------------------------------------------- calls */

static const struct cli_option calls_opts[] = {
	{"--json", NULL, NULL,
	 "print a JSON object {calls: [{id, provider, model, status, http_code, error, "
	 "tokens_in, tokens_out, tokens_estimated, latency_ms, cost, cache_key, request_json, "
	 "response_text, created_at}], totals: {calls, ok, errors, tokens_in, tokens_out, cost}}",
	 NULL},
	{"--limit", NULL, "N", "only the newest N calls (the totals still count all)", NULL},
	{0},
};

const struct cli_command cli_cmd_calls = {
	.name = "calls",
	.fn = cli_calls,
	.summary = "list LLM calls with token and cost totals",
	.usage = "mentor calls [--json] [--limit N]",
	.about = "List the logged LLM calls (newest last) with totals of tokens and cost.\n"
		 "Requests are stored without headers: no API key is ever logged.",
	.opts = calls_opts,
};

int cli_calls(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_calls, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a))
		return cli_error(c, CLI_USAGE, "calls: unexpected argument '%s'", cli_pos(&a, 0));
	int json = cli_arg(&a, "--json") != NULL;
	long limit = 0;
	const char *v = cli_arg(&a, "--limit");
	if (v && util_parse_long(v, 1, LONG_MAX, &limit))
		return cli_error(c, CLI_USAGE, "calls: '--limit' needs a positive number");
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct store_call *calls;
	size_t n;
	struct store_call_totals t;
	if (store_call_list(st, &calls, &n, err) || store_call_totals(st, &t, err)) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	size_t first = limit && (size_t)limit < n ? n - (size_t)limit : 0;
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(root, "calls");
		for (size_t i = first; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)calls[i].id);
			cJSON_AddItemToObject(o, "provider", cli_jstr(calls[i].provider));
			cJSON_AddItemToObject(o, "model", cli_jstr(calls[i].model));
			cJSON_AddItemToObject(o, "status", cli_jstr(calls[i].status));
			cJSON_AddNumberToObject(o, "http_code", calls[i].http_code);
			cJSON_AddItemToObject(o, "error", cli_jstr(calls[i].error));
			cJSON_AddNumberToObject(o, "tokens_in", (double)calls[i].tokens_in);
			cJSON_AddNumberToObject(o, "tokens_out", (double)calls[i].tokens_out);
			cJSON_AddBoolToObject(o, "tokens_estimated", calls[i].tokens_estimated);
			cJSON_AddNumberToObject(o, "latency_ms", (double)calls[i].latency_ms);
			cJSON_AddNumberToObject(o, "cost", calls[i].cost);
			cJSON_AddItemToObject(o, "cache_key", cli_jstr(calls[i].cache_key));
			cJSON_AddItemToObject(o, "request_json", cli_jstr(calls[i].request_json));
			cJSON_AddItemToObject(o, "response_text", cli_jstr(calls[i].response_text));
			cJSON_AddNumberToObject(o, "created_at", (double)calls[i].created_at);
			cJSON_AddItemToArray(arr, o);
		}
		cJSON *to = cJSON_AddObjectToObject(root, "totals");
		cJSON_AddNumberToObject(to, "calls", (double)t.calls);
		cJSON_AddNumberToObject(to, "ok", (double)t.ok);
		cJSON_AddNumberToObject(to, "errors", (double)t.errors);
		cJSON_AddNumberToObject(to, "tokens_in", (double)t.tokens_in);
		cJSON_AddNumberToObject(to, "tokens_out", (double)t.tokens_out);
		cJSON_AddNumberToObject(to, "cost", t.cost);
		cli_print_json(c->out, root);
		fputc('\n', c->out);
		cJSON_Delete(root);
	} else {
		cli_printf(c->out, "%-6s %-10s %-22s %-9s %-4s %8s %8s %7s %9s %s\n", "ID",
			   "PROVIDER", "MODEL", "STATUS", "HTTP", "TOK_IN", "TOK_OUT", "MS", "COST",
			   "ERROR");
		for (size_t i = first; i < n; i++) {
			const struct store_call *k = &calls[i];
			cli_printf(c->out, "%-6lld ", (long long)k->id);
			cli_pad(c->out,
				11 - util_term_put(c->out, k->provider, UTIL_PUT_CELL, NULL, 10));
			cli_pad(c->out,
				22 - util_term_put(c->out, k->model, UTIL_PUT_CELL, NULL, 22));
			cli_printf(c->out, " %-9s %-4d %7lld%s %8lld %7lld %9.5f ", k->status,
				   k->http_code, (long long)k->tokens_in,
				   k->tokens_estimated ? "~" : " ", (long long)k->tokens_out,
				   (long long)k->latency_ms, k->cost);
			util_term_put(c->out, k->error, UTIL_PUT_CELL, NULL, 60);
			fputc('\n', c->out);
		}
		cli_printf(c->out,
			   "total: %lld calls (%lld ok, %lld failed), tokens %lld in / %lld out, "
			   "cost $%.4f\n",
			   (long long)t.calls, (long long)t.ok, (long long)t.errors,
			   (long long)t.tokens_in, (long long)t.tokens_out, t.cost);
	}
	for (size_t i = 0; i < n; i++)
		store_call_release(&calls[i]);
	free(calls);
	store_close(st);
	return CLI_OK;
}

/* ---------------------------------------------------------------- review */

static const struct cli_option review_opts[] = {
	{"--accept", NULL, NULL, NULL, NULL},
	{"--reject", NULL, NULL, NULL, NULL},
	{"--flag", NULL, NULL, NULL, NULL},
	{"--pending", NULL, NULL, "set the review status", NULL},
	{"--undo", NULL, NULL,
	 "restore the state before the latest decision on that explanation (after an edit, the "
	 "text before it)",
	 NULL},
	{"--edit", NULL, "FILE",
	 "replace the text with FILE's (- reads standard input) and judge it again: its answer, "
	 "whether that is right and whether it restates the hint",
	 NULL},
	{"--reviewer", NULL, "NAME", "who decided (default $USER, else operator)", NULL},
	{0},
};

const struct cli_command cli_cmd_review = {
	.name = "review",
	.fn = cli_review,
	.summary = "accept, reject or flag an explanation",
	.usage = "mentor review EXPLANATION_ID DECISION [--reviewer NAME]\n"
		 "mentor review EXPLANATION_ID --edit FILE|- [--reviewer NAME]",
	.about = "Record a review decision, DECISION being --accept, --reject, --flag,\n"
		 "--pending or --undo (kept in an audit trail with the previous status).\n"
		 "Wrong (COTE) and leaked (RP) explanations are used for training only once\n"
		 "accepted here.",
	.opts = review_opts,
};

int cli_review(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_review, argc, argv, &a))
		return a.exit;
	const char *action = NULL, *id_s = NULL, *reviewer = NULL, *edit_file = NULL;
	for (int i = 0; i < a.n; i++) {
		const char *name = a.args[i].opt ? a.args[i].opt->name : NULL;
		const char *v = a.args[i].value;
		if (!name) {
			if (id_s)
				return cli_error(c, CLI_USAGE,
						 "review: one EXPLANATION_ID at a time");
			id_s = v;
		} else if (!strcmp(name, "--reviewer")) {
			reviewer = v;
		} else {
			if (action)
				return cli_error(c, CLI_USAGE, "review: one action at a time");
			action = name + 2;
			if (!strcmp(name, "--edit"))
				edit_file = v;
		}
	}
	long id;
	if (!id_s || util_parse_long(id_s, 1, LONG_MAX, &id))
		return cli_error(
			c, CLI_USAGE,
			"review: missing or bad EXPLANATION_ID (see 'mentor explanations')");
	if (!action)
		return cli_error(c, CLI_USAGE,
				 "review: give --accept, --reject, --flag, --pending, "
				 "--edit or --undo");
	char *edited = NULL;
	if (edit_file) {
		char rerr[MENTOR_ERR_LEN];
		size_t len = 0;
		edited = util_read_file(strcmp(edit_file, "-") ? edit_file : "/dev/stdin",
					TEACHER_MAX_TEXT, &len, rerr);
		if (!edited)
			return cli_error(c, CLI_ERR, "review: %s", rerr);
		if (strlen(edited) != len) {
			free(edited);
			return cli_error(c, CLI_ERR, "review: the edited text has a NUL byte");
		}
		/* white space around the text is not part of it (as in the workbench) */
		size_t lead = strspn(edited, " \t\r\n"), n = strlen(edited);
		while (n > lead && strchr(" \t\r\n", edited[n - 1]))
			n--;
		memmove(edited, edited + lead, n - lead);
		edited[n - lead] = '\0';
		if (!*edited) {
			free(edited);
			return cli_error(c, CLI_USAGE,
					 "review: the edited text is empty: nothing saved");
		}
	}
	if (!reviewer) {
		const char *u = getenv("USER");
		reviewer = u && *u ? u : "operator";
	}
	struct store *st = cli_open_existing(c);
	if (!st) {
		free(edited);
		return CLI_ERR;
	}
	char err[MENTOR_ERR_LEN];
	struct store_expl e;
	int rc = store_expl_get(st, id, &e, err);
	if (rc) {
		free(edited);
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	char *before = util_strdup(e.status);
	int before_correct = e.correct;
	store_expl_release(&e);
	int was_edit = 0, same = 0;
	if (edited) {
		rc = teacher_edit(st, id, edited, reviewer, err);
		same = rc == 1;
		rc = rc == 1 ? 0 : rc;
		free(edited);
	} else if (!strcmp(action, "undo")) {
		int64_t which;
		rc = store_decision_undo(st, id, &which, &was_edit, err);
	} else {
		rc = store_expl_decide(st, id, action, reviewer, err);
		same = rc == 1;
		rc = rc == 1 ? 0 : rc;
	}
	if (!rc)
		rc = store_expl_get(st, id, &e, err);
	if (rc) {
		free(before);
		store_close(st);
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR,
				 "explanation %ld: %s", id, err);
	}
	if (same && edit_file)
		cli_printf(c->out, "explanation %ld: the text is that already; nothing recorded\n",
			   id);
	else if (same)
		cli_printf(c->out, "explanation %ld: %s already; nothing recorded\n", id, e.status);
	else if (edit_file)
		cli_printf(c->out, "explanation %ld: edited (%s); answer %s, %s%s%s\n", id,
			   e.status, e.parsed_answer ? e.parsed_answer : "(none)",
			   e.correct == 1   ? "correct"
			   : e.correct == 0 ? "wrong"
					    : "not judged",
			   e.correct != before_correct && before_correct >= 0 && e.correct >= 0
				   ? (e.correct ? " (was wrong)" : " (was correct)")
				   : "",
			   e.leaked == 1 ? ", restates the hint" : "");
	else if (was_edit)
		cli_printf(c->out, "explanation %ld: edit undone, text restored (%s)\n", id,
			   e.status);
	else
		cli_printf(c->out, "explanation %ld: %s (was %s)\n", id, e.status, before);
	free(before);
	store_expl_release(&e);
	store_close(st);
	return CLI_OK;
}
