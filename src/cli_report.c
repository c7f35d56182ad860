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

static const char report_usage[] =
	"usage: mentor report [RUN [--vs RUN]] -o FILE.html [--svg FILE.svg] [--examples N]\n"
	"                     [--lang en|ja|auto]\n"
	"       mentor report --experiment ID [RUN [--vs RUN]] -o FILE.html [...]\n\n"
	"Write one self-contained HTML file (inline CSS and SVG, nothing loaded from\n"
	"outside) about run RUN (id or name): its loss curves, accuracy per inference\n"
	"mode, the dataset's explanations per mode and review status, and example\n"
	"cards. With --vs (usually the baseline), the two runs are compared and the\n"
	"cards show fixed cases (wrong in the baseline, right in RUN) and broken ones\n"
	"(the reverse) first. Runs of different datasets are not compared. Without\n"
	"RUN, the newest finished explanation-trained run is compared with the\n"
	"finished baseline of its dataset closest in settings (shape, steps, seed).\n"
	"When RUN belongs to an experiment (or with --experiment), the page opens\n"
	"with the experiment's table and verdict; with --experiment alone, RUN is\n"
	"its best explanation-trained run and --vs the baseline of the same seed.\n\n"
	"options:\n"
	"  --vs RUN          the run to compare with\n"
	"  --experiment ID   open with this experiment's table (see 'mentor experiment')\n"
	"  -o, --out FILE    where to write the HTML (required)\n"
	"  --svg FILE        also write the loss chart as a standalone SVG\n"
	"  --examples N      example cards to show (default 40, at most 1000)\n"
	"  --lang en|ja|auto the page's language (default: [ui] lang of the config,\n"
	"                    else the locale: LC_ALL, LC_MESSAGES, LANG)\n";

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
	if (cli_wants_help(argc, argv)) {
		fputs(report_usage, c->out);
		return CLI_OK;
	}
	const char *run_ref = NULL, *vs_ref = NULL, *out = NULL, *svg = NULL, *ex = NULL;
	const char *exp_ref = NULL, *lang_opt = NULL;
	for (int i = 1; i < argc; i++) {
		int r;
		if ((r = cli_opt_value(argc, argv, &i, "--vs", &vs_ref)) ||
		    (r = cli_opt_value(argc, argv, &i, "--lang", &lang_opt)) ||
		    (r = cli_opt_value(argc, argv, &i, "--out", &out)) ||
		    (r = cli_opt_value(argc, argv, &i, "-o", &out)) ||
		    (r = cli_opt_value(argc, argv, &i, "--svg", &svg)) ||
		    (r = cli_opt_value(argc, argv, &i, "--examples", &ex)) ||
		    (r = cli_opt_value(argc, argv, &i, "--experiment", &exp_ref))) {
			if (r < 0)
				return cli_error(c, CLI_USAGE, "option '%s' needs a value", argv[i]);
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_error(c, CLI_USAGE, "unknown option '%s'; see 'mentor report "
				       "--help'", argv[i]);
		if (run_ref)
			return cli_error(c, CLI_USAGE, "one run only (got '%s' and '%s'); compare "
				       "with --vs", run_ref, argv[i]);
		run_ref = argv[i];
	}
	if (!run_ref && vs_ref)
		return cli_error(c, CLI_USAGE, "--vs needs a run to compare; see 'mentor report "
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

static const char export_usage[] =
	"usage: mentor export DATASET [--format chat|alpaca|mt] --out FILE [options]\n\n"
	"Write the dataset's explanations as JSON Lines training data, one explanation\n"
	"per item and mode (accepted first, then the newest; the reviewer's edit when\n"
	"there is one).\n\n"
	"formats:\n"
	"  chat     {\"messages\":[system,user,assistant],\"metadata\":{...}}: OpenAI\n"
	"           fine-tuning (with --no-metadata), TRL SFTTrainer, axolotl chat_template\n"
	"  alpaca   {\"instruction\",\"input\",\"output\",\"metadata\"}\n"
	"  mt       the paper's multi-task layout: per item one [ANS] record and one\n"
	"           [EXP] record per explanation, target shaped by --variant\n\n"
	"options:\n"
	"  --format F          chat (default), alpaca or mt\n"
	"  --status S          accepted (default) or all (pending, accepted, flagged)\n"
	"  --include-rejected  with --status all, rejected explanations too\n"
	"  --mode M            only explanations of mode cot, rp or crop\n"
	"  --split S           only items of split train, dev or test\n"
	"  --variant V         mt target: mt-cot (default), mt-ra or mt-re\n"
	"  --system TEXT       system prompt (chat) / instruction (alpaca)\n"
	"  --no-metadata       leave the \"metadata\" object out (OpenAI uploads)\n"
	"  --tokenizer RUN     mt: add each record's token ids as 'mentor train' encodes\n"
	"                      it with the tokenizer of RUN (id or name, e.g. an imported\n"
	"                      model): \"ids\", \"n_prompt\", \"tokenizer\"; for trainers\n"
	"                      that start from RUN (scripts/mentor_torch_train.py)\n"
	"  --out FILE          where to write (atomically); '-' for standard output\n";

int cli_export(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(export_usage, c->out);
		return CLI_OK;
	}
	struct export_opts o;
	export_opts_init(&o);
	const char *format = NULL, *status = NULL, *out = NULL, *variant = NULL, *tok_run = NULL;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--include-rejected")) {
			o.include_rejected = 1;
			continue;
		}
		if (!strcmp(argv[i], "--no-metadata")) {
			o.metadata = 0;
			continue;
		}
		if ((r = cli_opt_value(argc, argv, &i, "--format", &format)) ||
		    (r = cli_opt_value(argc, argv, &i, "--status", &status)) ||
		    (r = cli_opt_value(argc, argv, &i, "--mode", &o.mode)) ||
		    (r = cli_opt_value(argc, argv, &i, "--split", &o.split)) ||
		    (r = cli_opt_value(argc, argv, &i, "--variant", &variant)) ||
		    (r = cli_opt_value(argc, argv, &i, "--system", &o.system)) ||
		    (r = cli_opt_value(argc, argv, &i, "--tokenizer", &tok_run)) ||
		    (r = cli_opt_value(argc, argv, &i, "--out", &out)) ||
		    (r = cli_opt_value(argc, argv, &i, "-o", &out))) {
			if (r < 0)
				return cli_error(c, CLI_USAGE, "option '%s' needs a value", argv[i]);
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_error(c, CLI_USAGE, "unknown option '%s'; see 'mentor export "
				       "--help'", argv[i]);
		if (o.dataset)
			return cli_error(c, CLI_USAGE, "one dataset only (got '%s' and '%s')",
					 o.dataset, argv[i]);
		o.dataset = argv[i];
	}
	if (!o.dataset)
		return cli_error(c, CLI_USAGE, "no dataset given; see 'mentor export --help'");
	if (!out || !*out)
		return cli_error(c, CLI_USAGE, "no output file given (--out FILE, or - for stdout)");
	if (format && export_format_parse(format, &o.format))
		return cli_error(c, CLI_USAGE, "unknown format '%s' (use chat, alpaca or mt)",
				 format);
	if (status && export_status_parse(status, &o.status))
		return cli_error(c, CLI_USAGE, "unknown status '%s' (use accepted or all)", status);
	if (o.include_rejected && o.status != EXPORT_STATUS_ALL)
		return cli_error(c, CLI_USAGE, "--include-rejected needs --status all");
	if (o.mode && strcmp(o.mode, "cot") && strcmp(o.mode, "rp") && strcmp(o.mode, "crop"))
		return cli_error(c, CLI_USAGE, "unknown mode '%s' (use cot, rp or crop)", o.mode);
	if (o.split && strcmp(o.split, "train") && strcmp(o.split, "dev") &&
	    strcmp(o.split, "test"))
		return cli_error(c, CLI_USAGE, "unknown split '%s' (use train, dev or test)",
				 o.split);
	if (variant) {
		if (strcmp(variant, "mt-cot") && strcmp(variant, "mt-ra") && strcmp(variant, "mt-re"))
			return cli_error(c, CLI_USAGE, "unknown variant '%s' (use mt-cot, mt-ra or "
					 "mt-re)", variant);
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
			code = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "--tokenizer: %s",
					 err);
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
		cli_printf(c->errf, "mentor: note: %lld items of the test split are included; "
			"export training data with --split train\n", (long long)stats.test_items);
	if (stats.truncated > 0)
		cli_printf(c->errf, "mentor: note: %lld sequences were cut to the context of %d "
			"tokens\n", (long long)stats.truncated, o.n_ctx);
	code = CLI_OK;
out:
	tokenizer_free(tok);
	buf_release(&data);
	store_close(st);
	return code;
}

const struct cli_command cli_cmd_report = {
	.name = "report",
	.fn = cli_report,
	.summary = "write a self-contained HTML report of runs",
};

const struct cli_command cli_cmd_export = {
	.name = "export",
	.fn = cli_export,
	.summary = "export training data (chat, alpaca, mt JSONL)",
};
