/* cli_report: `mentor report` (the self-contained HTML report of a run
 * against a baseline) and `mentor export` (training data as JSON Lines for
 * other trainers). Both only read the workspace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/cli.h"
#include "mentor/export.h"
#include "mentor/i18n.h"
#include "mentor/tokenizer.h"
#include "mentor/report.h"
#include "mentor/store.h"

static const struct cli_option report_opts[] = {
	{"--vs", NULL, "RUN", "the run to compare with (usually the baseline)", NULL},
	{"--experiment", NULL, "ID",
	 "open with this experiment's table and verdict (see 'mentor experiment')", NULL},
	{"--out", "-o", "FILE", "where to write the HTML (required)", NULL},
	{"--svg", NULL, "FILE", "also write the loss chart as a standalone SVG", NULL},
	{"--examples", NULL, "N", "example cards to show (default 40, at most 1000)", NULL},
	{"--lang", NULL, "LANG",
	 "the page's language: en, ja or auto (default: [ui] lang of the config, else the "
	 "locale: LC_ALL, LC_MESSAGES, LANG)",
	 "en ja auto"},
	{0},
};

const struct cli_command cli_cmd_report = {
	.name = "report",
	.fn = cli_report,
	.summary = "write a self-contained HTML report of runs",
	.usage = "mentor report [RUN [--vs RUN]] -o FILE.html [OPTIONS]\n"
		 "mentor report --experiment ID [RUN [--vs RUN]] -o FILE.html [OPTIONS]",
	.about = "Write one self-contained HTML file (inline CSS and SVG, nothing loaded from\n"
		 "outside) about run RUN (id or name): its loss curves, accuracy per inference\n"
		 "mode, the dataset's explanations per mode and review status, and example\n"
		 "cards. With --vs (usually the baseline), the two runs are compared and the\n"
		 "cards show fixed cases (wrong in the baseline, right in RUN) and broken ones\n"
		 "(the reverse) first. Runs of different datasets are not compared. Without\n"
		 "RUN, the newest finished explanation-trained run is compared with the\n"
		 "finished baseline of its dataset closest in settings (shape, steps, seed).\n"
		 "When RUN belongs to an experiment (or with --experiment), the page opens\n"
		 "with the experiment's table and verdict; with --experiment alone, RUN is\n"
		 "its best explanation-trained run and --vs the baseline of the same seed.",
	.opts = report_opts,
};

/* The runs a report compares when none is named (report_default_pair); a
 * note on stderr says which, and why when it is not a run and its baseline. */
static int default_pair(struct cli *c, struct store *st, struct report_opts *o)
{
	char err[MENTOR_ERR_LEN];
	struct store_run *runs = NULL;
	size_t n = 0;
	if (store_run_list(st, &runs, &n, err))
		return cli_error(c, CLI_ERR, "%s", err);
	struct report_pair p;
	report_default_pair(runs, n, &p);
	int code = CLI_OK;
	if (p.a < 0) {
		code = cli_error(c, CLI_ERR, "cannot write report: %s", p.note);
	} else {
		o->run = runs[p.a].id;
		o->vs_run = p.b >= 0 ? runs[p.b].id : 0;
		if (p.why != REPORT_PAIR_OK)
			fprintf(c->errf, "mentor: note: %s\n", p.note);
		else
			fprintf(c->errf, "mentor: note: run %lld (%s) against baseline run %lld\n",
				(long long)o->run, runs[p.a].variant ? runs[p.a].variant : "?",
				(long long)o->vs_run);
	}
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
	return code;
}

int cli_report(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_report, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE,
				 "one run only (got '%s' and '%s'); compare with --vs",
				 cli_pos(&a, 0), cli_pos(&a, 1));
	const char *run_ref = cli_pos(&a, 0), *vs_ref = cli_arg(&a, "--vs");
	const char *out = cli_arg(&a, "--out"), *svg = cli_arg(&a, "--svg");
	const char *ex = cli_arg(&a, "--examples"), *exp_ref = cli_arg(&a, "--experiment");
	const char *lang_opt = cli_arg(&a, "--lang");
	if (!run_ref && vs_ref)
		return cli_error(c, CLI_USAGE,
				 "--vs needs a run to compare; see 'mentor report "
				 "--help'");
	long exp_id = 0;
	if (exp_ref && util_parse_long(exp_ref, 1, 2147483647L, &exp_id))
		return cli_error(c, CLI_USAGE, "--experiment wants an experiment id, not '%s'",
				 exp_ref);
	if (!out || !*out)
		return cli_error(c, CLI_USAGE, "no output file given (-o FILE.html)");
	long examples = 0;
	if (ex && util_parse_long(ex, 1, REPORT_MAX_EXAMPLES, &examples))
		return cli_error(c, CLI_USAGE, "--examples wants a number from 1 to %d, not '%s'",
				 REPORT_MAX_EXAMPLES, ex);

	char err[MENTOR_ERR_LEN];
	int lang = -1;
	if (lang_opt && i18n_lang_parse(lang_opt, &lang, err))
		return cli_error(c, CLI_USAGE, "--lang: %s", err);
	lang = cli_ui_lang(c, lang_opt, 1);
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	struct store_run run, vs;
	memset(&run, 0, sizeof run);
	memset(&vs, 0, sizeof vs);
	struct buf html, chart;
	buf_init(&html);
	buf_init(&chart);
	int code = CLI_ERR;
	struct report_opts o = {0, 0, (size_t)examples, exp_id, lang};
	if (!run_ref && !exp_ref) {
		if (default_pair(c, st, &o) != CLI_OK)
			goto out;
	} else if (run_ref) {
		if (store_run_find(st, run_ref, &run, err)) {
			cli_error(c, CLI_ERR, "%s", err);
			goto out;
		}
		if (vs_ref && store_run_find(st, vs_ref, &vs, err)) {
			cli_error(c, CLI_ERR, "%s", err);
			goto out;
		}
		if (vs_ref && report_pair_check(&run, &vs, err)) {
			code = cli_error(c, CLI_USAGE, "%s", err);
			goto out;
		}
		o.run = run.id;
		o.vs_run = vs_ref ? vs.id : 0;
	}
	if (report_build(st, &o, &html, svg ? &chart : NULL, err) ||
	    util_write_file_atomic(out, html.data, html.len, err) ||
	    (svg && util_write_file_atomic(svg, chart.data, chart.len, err))) {
		cli_error(c, CLI_ERR, "cannot write report: %s", err);
		goto out;
	}
	cli_printf(c->out, "wrote %s (%zu bytes)\n", out, html.len);
	if (svg)
		cli_printf(c->out, "wrote %s (%zu bytes)\n", svg, chart.len);
	code = CLI_OK;
out:
	buf_release(&html);
	buf_release(&chart);
	store_run_release(&run);
	store_run_release(&vs);
	store_close(st);
	return code;
}

static const struct cli_option export_opts[] = {
	{"--format", NULL, "F", "chat (default), alpaca or mt", "chat alpaca mt"},
	{"--status", NULL, "S", "accepted (default) or all (pending, accepted, flagged)",
	 "accepted all"},
	{"--include-rejected", NULL, NULL, "with --status all, rejected explanations too", NULL},
	{"--mode", NULL, "M", "only explanations of mode cot, rp or crop", "cot rp crop"},
	{"--split", NULL, "S", "only items of split train, dev or test", "train dev test"},
	{"--variant", NULL, "V", "mt target: mt-cot (default), mt-ra or mt-re",
	 "mt-cot mt-ra mt-re"},
	{"--system", NULL, "TEXT", "system prompt (chat) or instruction (alpaca)", NULL},
	{"--no-metadata", NULL, NULL, "leave the \"metadata\" object out (OpenAI uploads)", NULL},
	{"--tokenizer", NULL, "RUN",
	 "mt: add each record's token ids as 'mentor train' encodes it with the tokenizer of RUN "
	 "(id or name, e.g. an imported model): \"ids\", \"n_prompt\", \"tokenizer\"; for "
	 "trainers that start from RUN (scripts/mentor_torch_train.py)",
	 NULL},
	{"--out", "-o", "FILE", "where to write (atomically); '-' for standard output", NULL},
	{0},
};

const struct cli_command cli_cmd_export = {
	.name = "export",
	.fn = cli_export,
	.summary = "export training data (chat, alpaca, mt JSONL)",
	.usage = "mentor export DATASET [--format chat|alpaca|mt] --out FILE [OPTIONS]",
	.about = "Write the dataset's explanations as JSON Lines training data, one\n"
		 "explanation per item and mode (accepted first, then the newest; the\n"
		 "reviewer's edit when there is one). The formats:\n"
		 "\n"
		 "  chat     {\"messages\":[system,user,assistant],\"metadata\":{...}}: OpenAI\n"
		 "           fine-tuning (with --no-metadata), TRL SFTTrainer, axolotl\n"
		 "           chat_template\n"
		 "  alpaca   {\"instruction\",\"input\",\"output\",\"metadata\"}\n"
		 "  mt       the paper's multi-task layout: per item one [ANS] record and one\n"
		 "           [EXP] record per explanation, target shaped by --variant",
	.opts = export_opts,
};

int cli_export(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_export, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "one dataset only (got '%s' and '%s')",
				 cli_pos(&a, 0), cli_pos(&a, 1));
	struct export_opts o;
	export_opts_init(&o);
	o.dataset = cli_pos(&a, 0);
	o.mode = cli_arg(&a, "--mode");
	o.split = cli_arg(&a, "--split");
	o.system = cli_arg(&a, "--system");
	o.include_rejected = cli_arg(&a, "--include-rejected") != NULL;
	o.metadata = !cli_arg(&a, "--no-metadata");
	const char *format = cli_arg(&a, "--format"), *status = cli_arg(&a, "--status");
	const char *out = cli_arg(&a, "--out"), *variant = cli_arg(&a, "--variant");
	const char *tok_run = cli_arg(&a, "--tokenizer");
	if (!o.dataset)
		return cli_error(c, CLI_USAGE, "no dataset given; see 'mentor export --help'");
	if (!out || !*out)
		return cli_error(c, CLI_USAGE,
				 "no output file given (--out FILE, or - for stdout)");
	if (format && export_format_parse(format, &o.format))
		return cli_error(c, CLI_USAGE, "unknown format '%s' (use chat, alpaca or mt)",
				 format);
	if (status && export_status_parse(status, &o.status))
		return cli_error(c, CLI_USAGE, "unknown status '%s' (use accepted or all)", status);
	if (o.include_rejected && o.status != EXPORT_STATUS_ALL)
		return cli_error(c, CLI_USAGE, "--include-rejected needs --status all");
	if (o.mode && store_mode_parse(o.mode) < 0)
		return cli_error(c, CLI_USAGE, "unknown mode '%s' (use cot, rp or crop)", o.mode);
	if (o.split && strcmp(o.split, "train") && strcmp(o.split, "dev") &&
	    strcmp(o.split, "test"))
		return cli_error(c, CLI_USAGE, "unknown split '%s' (use train, dev or test)",
				 o.split);
	if (variant) {
		if (strcmp(variant, "mt-cot") && strcmp(variant, "mt-ra") &&
		    strcmp(variant, "mt-re"))
			return cli_error(c, CLI_USAGE,
					 "unknown variant '%s' (use mt-cot, mt-ra or "
					 "mt-re)",
					 variant);
		if (o.format != EXPORT_MT)
			return cli_error(c, CLI_USAGE, "--variant applies to --format mt only");
		o.variant = variant;
	}
	if (tok_run && o.format != EXPORT_MT)
		return cli_error(c, CLI_USAGE, "--tokenizer applies to --format mt only");

	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	struct export_stats stats;
	struct buf data;
	buf_init(&data);
	struct tokenizer *tok = NULL;
	int code = CLI_ERR;
	if (tok_run) {
		int rc = export_run_tokenizer(st, tok_run, &tok, &o.n_ctx, NULL, err);
		if (rc) {
			code = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR,
					 "--tokenizer: %s", err);
			goto out;
		}
		o.tok = tok;
	}
	if (export_build(st, &o, &data, &stats, err)) {
		cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	FILE *info = c->out;
	if (!strcmp(out, "-")) {
		info = c->errf;
		if (fwrite(data.data, 1, data.len, c->out) != data.len || fflush(c->out)) {
			cli_error(c, CLI_ERR, "cannot write export to standard output");
			goto out;
		}
	} else if (util_write_file_atomic(out, data.data, data.len, err)) {
		cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	cli_printf(info, "exported %lld records (%lld explanations of %lld items) to %s\n",
		   (long long)stats.records, (long long)stats.explanations,
		   (long long)stats.items_used, out);
	if (stats.test_items > 0 && !o.split)
		cli_printf(c->errf,
			   "mentor: note: %lld items of the test split are included; "
			   "export training data with --split train\n",
			   (long long)stats.test_items);
	if (stats.truncated > 0)
		cli_printf(c->errf,
			   "mentor: note: %lld sequences were cut to the context of %d "
			   "tokens\n",
			   (long long)stats.truncated, o.n_ctx);
	code = CLI_OK;
out:
	tokenizer_free(tok);
	buf_release(&data);
	store_close(st);
	return code;
}
