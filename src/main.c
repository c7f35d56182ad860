/* main: global options (--db, --help, --version) and the command table.
 * Each command is implemented in src/cli_<area>.c; `mentor` alone opens the
 * workbench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mentor/cli.h"
#include "mentor/model.h"
#include "mentor/store.h"

struct command {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *summary;
};

static const struct command commands[] = {
	{"tui", cli_tui, "open the full-screen workbench (the default)"},
	{"init", cli_init, "create the workspace and load the bundled sample datasets"},
	{"import", cli_import, "import a dataset file (JSONL, JSON, CSV)"},
	{"datasets", cli_datasets, "list datasets with counts per split"},
	{"items", cli_items, "list the items of a dataset"},
	{"show", cli_show, "show one item with its explanations"},
	{"sample", cli_sample, "generate a synthetic task dataset"},
	{"explain", cli_explain, "ask the teacher for explanations (cot, rp, crop)"},
	{"explanations", cli_explanations, "list explanations of a dataset"},
	{"calls", cli_calls, "list LLM calls with token and cost totals"},
	{"review", cli_review, "accept, reject or flag an explanation"},
	{"train", cli_train, "train a small model (baseline, mt-re, mt-ra, mt-cot)"},
	{"experiment", cli_experiment, "baseline vs multi-task over seeds, with intervals"},
	{"runs", cli_runs, "list training runs"},
	{"eval", cli_eval, "evaluate a run on a split"},
	{"predict", cli_predict, "ask a trained model a question"},
	{"tokenize", cli_tokenize, "token ids of a text under a run's or a model file's tokenizer"},
	{"stop", cli_stop, "stop a running training run"},
	{"report", cli_report, "write a self-contained HTML report of runs"},
	{"export", cli_export, "export training data (chat, alpaca, mt JSONL)"},
	{"export-model", cli_export_model, "export a trained model (GGUF, Hugging Face)"},
	{"import-model", cli_import_model, "import a GGUF or Hugging Face GPT-2 model as a run"},
	{"serve", cli_serve, "serve a run over an OpenAI-compatible HTTP API"},
	{"run-external", cli_run_external, "run an external trainer on exported data"},
	{"help", cli_help, "show a page of the manual; alone, list the pages"},
};

static void usage(FILE *f)
{
	fputs("usage: mentor [--db PATH] [COMMAND [ARGS...]]\n\n"
	      "A terminal workbench for teaching small models to reason with\n"
	      "explanations written by large ones. With no command, opens the\n"
	      "workbench on the workspace (default ./mentor.db, or $MENTOR_DB).\n\n"
	      "commands:\n", f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fputs("\nglobal options:\n"
	      "  --db PATH     workspace file (overrides $MENTOR_DB)\n"
	      "  --version     print the version\n"
	      "  -h, --help    this help; `mentor COMMAND --help` for a command,\n"
	      "                `mentor help` for the pages of the manual\n\n"
	      "exit status: 0 success, 1 runtime error, 2 usage error\n", f);
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	c.out = stdout;
	c.errf = stderr;
	c.err_tty = isatty(STDERR_FILENO);
	c.out_tty = isatty(STDOUT_FILENO);

	/* OpenBLAS picks its kernels when it loads; on a virtual machine that
	 * reports a generic CPU it picks generic ones, several times slower.
	 * Start again once with the kernels this CPU's instruction set allows
	 * (unless the caller chose, or this is already the second start). */
	if (!getenv("OPENBLAS_CORETYPE") && !getenv("MENTOR_BLAS_RESTARTED")) {
		const char *core = model_blas_better_core();
		if (core && !setenv("OPENBLAS_CORETYPE", core, 1) &&
		    !setenv("MENTOR_BLAS_RESTARTED", "1", 1)) {
			execv("/proc/self/exe", argv);
			unsetenv("OPENBLAS_CORETYPE"); /* no exec: go on as we are */
		}
	}

	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--db")) {
			if (i + 1 >= argc)
				return cli_error(&c, CLI_USAGE, "option '--db' needs a path");
			c.db_flag = argv[++i];
		} else if (!strncmp(argv[i], "--db=", 5)) {
			c.db_flag = argv[i] + 5;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("mentor %s\n", MENTOR_VERSION);
			return CLI_OK;
		} else {
			fprintf(stderr, "mentor: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	c.db_path = store_default_path(c.db_flag);

	if (i >= argc) {
		char *tui_argv[] = {"tui", NULL};
		return cli_tui(&c, 1, tui_argv);
	}
	int cargc;
	char **cargv = cli_split_options(argc - i, argv + i, &cargc);
	if (!cargv)
		return cli_error(&c, CLI_ERR, "out of memory");
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (!strcmp(cargv[0], commands[k].name)) {
			int rc = commands[k].fn(&c, cargc, cargv);
			free(cargv);
			return rc;
		}
	free(cargv);
	return cli_error(&c, CLI_USAGE, "unknown command '%s'; see 'mentor --help'", argv[i]);
}
