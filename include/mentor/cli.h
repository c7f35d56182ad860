/* cli: the scripting face of mentor. Every command is a function
 * `int cli_NAME(struct cli *c, int argc, char **argv)` that returns the process
 * exit code: CLI_OK (0) success, CLI_ERR (1) runtime error, CLI_USAGE (2)
 * usage error. argv[0] is the command name. Errors go to stderr on one line,
 * through cli_error(). Commands live in src/cli_<area>.c. */
#ifndef MENTOR_CLI_H
#define MENTOR_CLI_H

#include <signal.h>
#include <stdio.h>

#include "mentor/util.h"

struct store;
struct store_dataset;
struct cJSON;

enum { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

/* The application context created in main and passed down. */
struct cli {
	const char *db_flag; /* --db PATH given before the command, or NULL */
	const char *db_path; /* resolved workspace path (never NULL) */
	FILE *out;           /* stdout */
	FILE *errf;          /* stderr */
	int err_tty;         /* stderr is a terminal (progress bars) */
	int out_tty;
	int parse_only; /* --parse-only: commands print how they read their line */
};

/* Print "mentor: MSG" on one line to stderr; returns code. The message goes
 * through util_term_put (UTIL_PUT_ESC): nothing in it reaches the terminal
 * raw, newlines included. */
int cli_error(struct cli *c, int code, const char *fmt, ...) MENTOR_PRINTF(3, 4);
/* printf to f for a terminal: the formatted text goes through util_term_put
 * (UTIL_PUT_LINES), so data in it is escaped; '\n' and '\t' stay. */
void cli_printf(FILE *f, const char *fmt, ...) MENTOR_PRINTF(2, 3);
/* Print v as one line of JSON with util_json_clean applied: C1, bidi and
 * invisible characters as \uXXXX escapes, never raw. Aborts on OOM. */
void cli_print_json(FILE *f, const struct cJSON *v);
/* Write JSON text (NULL writes null) with util_json_clean applied. */
void cli_json_text(FILE *f, const char *json);
/* The UI language (I18N_EN or I18N_JA of mentor/i18n.h): opt (a --lang
 * value, may be NULL) when it names one, else [ui] lang of the config file,
 * else LC_ALL, LC_MESSAGES, LANG. A config file that cannot be read only
 * earns a warning on stderr when warn is set. */
int cli_ui_lang(struct cli *c, const char *opt, int warn);
/* Open the workspace (creating it) or print the error; NULL on failure. */
struct store *cli_open_store(struct cli *c);
/* The same for commands that only read or change what a workspace holds:
 * a missing file is an error ("run 'mentor init' first"), never a new empty
 * workspace made by a typo in --db. */
struct store *cli_open_existing(struct cli *c);
/* --init-from REF for a new run's configuration: a run of the workspace (id
 * or name), else a GGUF file or Hugging Face folder, imported first as
 * 'mentor import-model' would. Sets cfg's init_from, shape and vocabulary;
 * CLI_OK, or the exit code after printing the error. */
struct train_config;
int cli_init_from(struct cli *c, struct store *st, const char *ref, struct train_config *cfg);
/* Location of bundled data (sample_datasets/, themes/), written into buf
 * (n bytes; PATH_MAX + 32 is enough) and returned: $MENTOR_DATA_DIR if set;
 * else, for an installed binary, BINDIR/../share/mentor (what `meson
 * install` put there, wherever the prefix now is); else the source tree the
 * binary was built from; else the configured prefix's share/mentor. */
const char *cli_data_dir(char *buf, size_t n);
/* Write s as a JSON string literal (quoted, escaped as cli_print_json does)
 * to f; NULL writes null. */
void cli_json_str(FILE *f, const char *s);
/* The same for the n bytes at s (NUL bytes included, as \u0000; a byte
 * that is not UTF-8 as \ufffd). */
void cli_json_strn(FILE *f, const char *s, size_t n);
/* The one stop signal handler of the commands. cli_stop_catch clears the
 * stop flag and makes SIGINT and SIGTERM set it instead of ending the
 * process (without SA_RESTART, so a blocking call returns at once); when
 * saved is not NULL the handlers it replaced are kept there for
 * cli_stop_release to put back. Returns the flag (for train_opts.stop and
 * the like). cli_stop_flag() is cli_stop_catch(NULL). */
struct cli_stop_saved {
	struct sigaction old_int, old_term;
};
volatile sig_atomic_t *cli_stop_catch(struct cli_stop_saved *saved);
void cli_stop_release(const struct cli_stop_saved *saved);
volatile sig_atomic_t *cli_stop_flag(void);
/* Write s (NULL: nothing) to f with newline, tab and other control
 * characters made visible (\n, \t, \x1b), so that text from a model or a
 * dataset cannot drive the terminal. */
void cli_put_escaped(FILE *f, const char *s);
/* Parse option name's value v as a whole number in lo..hi (or a number in
 * lo..hi): 0 with *out set, else CLI_USAGE after printing "invalid value
 * 'V' for 'NAME': expected LO..HI". */
int cli_opt_long(struct cli *c, const char *name, const char *v, long lo, long hi, long *out);
int cli_opt_double(struct cli *c, const char *name, const char *v, double lo, double hi,
		   double *out);
/* Write n spaces to f (nothing when n <= 0). */
void cli_pad(FILE *f, int n);
/* A new cJSON string holding a copy of s, or a cJSON null when s is NULL;
 * the caller owns it (usually by adding it to an object). Aborts on OOM. */
struct cJSON *cli_jstr(const char *s);
/* Find a dataset by name, or by id when ref is a number: 0 with d filled,
 * MENTOR_ENOTFOUND ("no dataset 'REF'" in err) or another error code.
 * Release d with store_dataset_release. */
int cli_find_dataset(struct store *st, const char *ref, struct store_dataset *d, char *err);

/* ---- the option table (src/cli_opt.c) ----
 * Every command declares its options once, in a `struct cli_command`; the
 * parser, `--help`, the shell completions and the man page's COMMANDS
 * section are all made from it. */

/* One option. A flag has arg NULL. help is one paragraph (wrapped when
 * printed); NULL means the option shares the help of the next one, and the
 * two are listed on one line ("--layers N, --width N"). values, when set, are
 * the words the value may be, space-separated, for completion. An option
 * whose arg is "KEY" holds a secret: --parse-only does not print it. */
struct cli_option {
	const char *name;  /* "--steps" */
	const char *alias; /* a short form, "-o", or NULL */
	const char *arg;   /* "N", "FILE", ...; NULL for a flag */
	const char *help;
	const char *values;
};

/* One command. usage holds its forms, one per line, each starting with
 * "mentor " (a line starting with a space continues the form above); about
 * and more are paragraphs of text shown as written (lines under 80 columns,
 * a blank line between paragraphs), about before the options and more after.
 * opts ends with an entry whose name is NULL. */
struct cli_command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary; /* one line in `mentor --help` */
	const char *usage;
	const char *about;
	const struct cli_option *opts;
	const char *more;
	/* options read but shown nowhere (not in --help, the man page or
	 * completion): what mentor passes to itself; ends like opts, may be NULL */
	const struct cli_option *hidden;
};

/* A command line read against a table. args[] holds options and positional
 * arguments in the order given (opt NULL for a positional one); value is
 * the option's value ("--opt VALUE" or "--opt=VALUE"), NULL for a flag.
 * Everything after a bare "--" is positional, and dashdash is the index in
 * args[] of the first such argument (n when none followed; -1 without "--").
 * Values are borrowed from argv. */
#define CLI_MAX_ARGS 512
struct cli_arg {
	const struct cli_option *opt;
	const char *value;
};
struct cli_args {
	const struct cli_command *cmd;
	struct cli_arg args[CLI_MAX_ARGS];
	int n;
	int dashdash;
	int help; /* --help or -h was given (before any "--") */
	int exit; /* cli_parse: the exit code when it returns nonzero */
};

/* Read argv[1..argc) (argv[0] is the command's name) against cmd's table:
 * 0 with *a filled, or MENTOR_EUSAGE with the reason in err (an unknown
 * option, a flag given a value, a value missing, too many arguments); then
 * a->help is still set when --help or -h is on the line (before "--"). An
 * argument is an option when it starts with "--" or is "-" and a letter;
 * "-" alone and "-5" are positional. Needs no terminal and no workspace. */
int cli_opt_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a,
		  char *err);
/* cli_opt_parse for a command: 0 when the command should go on; else
 * nonzero with a->exit the exit code: after --help (printed to c->out) or
 * with c->parse_only set (the parsed line printed as JSON) CLI_OK, and
 * CLI_USAGE after printing a usage error. */
int cli_parse(struct cli *c, const struct cli_command *cmd, int argc, char **argv,
	      struct cli_args *a);
/* The last value given for option name ("--steps"), "" for a flag that was
 * given, NULL when it was not. name must be one of the command's options
 * (asserted). */
const char *cli_arg(const struct cli_args *a, const char *name);
/* The i-th positional argument (from 0), or NULL; cli_npos counts them. */
const char *cli_pos(const struct cli_args *a, int i);
int cli_npos(const struct cli_args *a);
/* Write cmd's --help: usage, about, the options, more. */
void cli_opt_help(FILE *f, const struct cli_command *cmd);
/* Write the parsed line as one line of JSON: {"command":..., "args":
 * [["--opt","value"], ["--flag",null], [null,"positional"], ...],
 * "dashdash": N}; the value of a KEY option as "(secret)". */
void cli_opt_dump(FILE *f, const struct cli_args *a);
/* The table of commands, in the order of `mentor --help`; *n set. */
const struct cli_command *const *cli_commands(size_t *n);
/* The commands' section of the man page, in roff. */
void cli_opt_roff(FILE *f, const struct cli_command *const *cmds, size_t n);
/* A completion script for shell "bash" or "zsh": 0, or MENTOR_EUSAGE for
 * another shell. */
int cli_opt_completion(FILE *f, const char *shell, const struct cli_command *const *cmds, size_t n);

/* The commands' tables, each beside its command in src/cli_<area>.c. */
extern const struct cli_command cli_cmd_tui, cli_cmd_init, cli_cmd_import, cli_cmd_datasets,
	cli_cmd_items, cli_cmd_show, cli_cmd_sample, cli_cmd_explain, cli_cmd_explanations,
	cli_cmd_calls, cli_cmd_review, cli_cmd_train, cli_cmd_experiment, cli_cmd_runs,
	cli_cmd_eval, cli_cmd_predict, cli_cmd_tokenize, cli_cmd_stop, cli_cmd_report,
	cli_cmd_export, cli_cmd_export_model, cli_cmd_import_model, cli_cmd_serve,
	cli_cmd_run_external, cli_cmd_help, cli_cmd_completion;

/* Commands (one line each in `mentor --help`). */
int cli_import(struct cli *c, int argc, char **argv);
int cli_datasets(struct cli *c, int argc, char **argv);
int cli_items(struct cli *c, int argc, char **argv);
int cli_show(struct cli *c, int argc, char **argv);
int cli_sample(struct cli *c, int argc, char **argv);
int cli_init(struct cli *c, int argc, char **argv);
int cli_explain(struct cli *c, int argc, char **argv);
int cli_explanations(struct cli *c, int argc, char **argv);
int cli_calls(struct cli *c, int argc, char **argv);
int cli_review(struct cli *c, int argc, char **argv);
int cli_train(struct cli *c, int argc, char **argv);
int cli_runs(struct cli *c, int argc, char **argv);
int cli_eval(struct cli *c, int argc, char **argv);
int cli_predict(struct cli *c, int argc, char **argv);
int cli_stop(struct cli *c, int argc, char **argv);
int cli_report(struct cli *c, int argc, char **argv);
int cli_export(struct cli *c, int argc, char **argv);
int cli_export_model(struct cli *c, int argc, char **argv);
int cli_import_model(struct cli *c, int argc, char **argv);
int cli_tokenize(struct cli *c, int argc, char **argv);
int cli_serve(struct cli *c, int argc, char **argv);
int cli_run_external(struct cli *c, int argc, char **argv);
int cli_experiment(struct cli *c, int argc, char **argv);
/* `mentor help [TOPIC]`: docs/TOPIC.md of the data directory
 * (cli_data_dir), through $PAGER when stdout is a terminal; alone, the list
 * of topics (src/cli_help.c). */
int cli_help(struct cli *c, int argc, char **argv);
/* `mentor completion bash|zsh` (src/cli_help.c). */
int cli_completion(struct cli *c, int argc, char **argv);
/* The full-screen workbench (src/tui_app.c); also what `mentor` alone runs. */
int cli_tui(struct cli *c, int argc, char **argv);

#endif
