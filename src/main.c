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

static const struct cli_command *const commands[] = {
	&cli_cmd_tui,          &cli_cmd_init,         &cli_cmd_import, &cli_cmd_datasets,
	&cli_cmd_items,        &cli_cmd_show,         &cli_cmd_sample, &cli_cmd_explain,
	&cli_cmd_explanations, &cli_cmd_calls,        &cli_cmd_review, &cli_cmd_train,
	&cli_cmd_experiment,   &cli_cmd_runs,         &cli_cmd_eval,   &cli_cmd_predict,
	&cli_cmd_tokenize,     &cli_cmd_stop,         &cli_cmd_report, &cli_cmd_export,
	&cli_cmd_export_model, &cli_cmd_import_model, &cli_cmd_serve,  &cli_cmd_run_external,
	&cli_cmd_help,         &cli_cmd_completion,
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct cli_command *const *cli_commands(size_t *n)
{
	*n = N_COMMANDS;
	return commands;
}

static void usage(FILE *f)
{
	fputs("usage: mentor [--db PATH] [COMMAND [ARGS...]]\n\n"
	      "A terminal workbench for teaching small models to reason with\n"
	      "explanations written by large ones. With no command, opens the\n"
	      "workbench on the workspace (default ./mentor.db, or $MENTOR_DB).\n\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-13s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nglobal options:\n"
	      "  --db PATH     workspace file (overrides $MENTOR_DB)\n"
	      "  --version     print the version\n"
	      "  --parse-only  print how the command reads its line (JSON), do nothing\n"
	      "  -h, --help    this help; `mentor COMMAND --help` for a command,\n"
	      "                `mentor help` for the pages of the manual\n\n"
	      "exit status: 0 success, 1 runtime error, 2 usage error\n",
	      f);
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
		} else if (!strcmp(argv[i], "--parse-only")) {
			c.parse_only = 1;
		} else if (!strcmp(argv[i], "--version")) {
			printf("mentor %s\n", MENTOR_VERSION);
			return CLI_OK;
		} else {
			cli_error(&c, CLI_USAGE, "unknown option '%.*s'",
				  (int)strcspn(argv[i], "="), argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	c.db_path = store_default_path(c.db_flag);

	if (i >= argc) {
		char *tui_argv[] = {"tui", NULL};
		return cli_tui(&c, 1, tui_argv);
	}
	for (size_t k = 0; k < N_COMMANDS; k++)
		if (!strcmp(argv[i], commands[k]->name))
			return commands[k]->fn(&c, argc - i, argv + i);
	return cli_error(&c, CLI_USAGE, "unknown command '%s'; see 'mentor --help'", argv[i]);
}
