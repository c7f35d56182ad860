/* cli_help: `mentor help [TOPIC]`, the manual's pages from docs/ on the
 * terminal. The pages are found where the themes and sample data are (the
 * installed share/mentor, else the source tree); on a terminal they go
 * through $PAGER, and nothing in them reaches the terminal raw. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mentor/cli.h"

/* A page larger than this is not a page of this manual. */
#define HELP_MAX_PAGE (4u << 20)

struct help_topic {
	const char *name;
	const char *summary;
};

/* Each topic is docs/NAME.md. */
static const struct help_topic help_topics[] = {
	{"cli", "the command line: commands, exit status, terminal safety, environment"},
	{"workbench", "the screens Items, Review, Train and Inspect, keys, themes, settings"},
	{"walkthrough", "the paper's effect with the defaults, step by step"},
	{"teacher", "providers, modes, prompts, answer parsing, cache, batch generation, HTTP"},
	{"student", "training, experiments, the tokenizer, GPT-2 and the Llama family"},
	{"formats", "dataset files, sample tasks, reports and training-data exports"},
	{"serving", "model export and import, tokenize, serve, external trainers"},
	{"architecture", "modules, threads and processes, design choices"},
	{"testing", "the test suite, benchmarks and fuzzing"},
};

#define HELP_N_TOPICS (sizeof help_topics / sizeof help_topics[0])

static const struct cli_option help_opts[] = {
	{"--man", NULL, NULL,
	 "print the man page's COMMANDS section, made from the commands' option tables "
	 "(scripts/gen_man.sh puts it into docs/mentor.1)",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_help = {
	.name = "help",
	.fn = cli_help,
	.summary = "show a page of the manual; alone, list the pages",
	.usage = "mentor help [TOPIC]\nmentor help --man",
	.about = "Show a page of the manual (docs/TOPIC.md): through $PAGER on a\n"
		 "terminal, else printed. Without TOPIC, list the topics.\n"
		 "`mentor COMMAND --help` gives a command's options; `man mentor`\n"
		 "all of them.",
	.opts = help_opts,
};

static const struct cli_option completion_opts[] = {{0}};

const struct cli_command cli_cmd_completion = {
	.name = "completion",
	.fn = cli_completion,
	.summary = "print a completion script for bash or zsh",
	.usage = "mentor completion bash|zsh",
	.about = "Print a completion script for the shell, made from the commands' option\n"
		 "tables: every command, every option and the values some of them take.\n"
		 "For bash: source <(mentor completion bash), or save it as\n"
		 "~/.local/share/bash-completion/completions/mentor. For zsh: save it as\n"
		 "_mentor in a directory of $fpath. `meson install` installs both.",
	.opts = completion_opts,
};

int cli_completion(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_completion, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a) != 1)
		return cli_error(c, CLI_USAGE, "completion takes one shell: bash or zsh");
	size_t n;
	const struct cli_command *const *cmds = cli_commands(&n);
	if (cli_opt_completion(c->out, cli_pos(&a, 0), cmds, n))
		return cli_error(c, CLI_USAGE, "no completion for shell '%s': bash or zsh",
				 cli_pos(&a, 0));
	return CLI_OK;
}

static void help_list(FILE *f)
{
	fputs("topics (mentor help TOPIC):\n", f);
	for (size_t i = 0; i < HELP_N_TOPICS; i++)
		fprintf(f, "  %-13s %s\n", help_topics[i].name, help_topics[i].summary);
}

/* The pager to use on a terminal: $PAGER when set (empty or "cat": none),
 * else less or more when found on $PATH; NULL means print directly. */
static const char *help_pager(void)
{
	const char *p = getenv("PAGER");
	if (p)
		return *p && strcmp(p, "cat") ? p : NULL;
	const char *path = getenv("PATH");
	static const char *const names[] = {"less", "more"};
	for (size_t k = 0; path && k < sizeof names / sizeof names[0]; k++) {
		const char *d = path;
		while (*d) {
			size_t n = strcspn(d, ":");
			char exe[4096];
			struct stat sb;
			if (n > 0 && n < sizeof exe - 8) {
				snprintf(exe, sizeof exe, "%.*s/%s", (int)n, d, names[k]);
				if (!stat(exe, &sb) && S_ISREG(sb.st_mode) && !access(exe, X_OK))
					return names[k];
			}
			d += n;
			if (*d == ':')
				d++;
		}
	}
	return NULL;
}

/* Write the page through the pager; 0, or -1 when the pager could not be
 * started (then nothing was shown). */
static int help_page(const char *pager, const char *text)
{
	/* less quits at once for a page that fits, keeps the screen, and
	 * does not clear it, unless the operator chose otherwise */
	if (!getenv("LESS"))
		setenv("LESS", "FRX", 1);
	fflush(stdout);
	FILE *p = popen(pager, "w");
	if (!p)
		return -1;
	/* a pager quit before the end closes the pipe: not an error */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	util_term_put(p, text, UTIL_PUT_LINES, NULL, 0);
	int st = pclose(p);
	signal(SIGPIPE, old);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -1; /* the shell found no such command */
	return 0;
}

int cli_help(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_help, argc, argv, &a))
		return a.exit;
	if (cli_arg(&a, "--man")) {
		size_t n;
		const struct cli_command *const *cmds = cli_commands(&n);
		cli_opt_roff(c->out, cmds, n);
		return CLI_OK;
	}
	if (cli_npos(&a) == 0) {
		help_list(c->out);
		return CLI_OK;
	}
	if (cli_npos(&a) > 1) {
		cli_opt_help(c->errf, &cli_cmd_help);
		return cli_error(c, CLI_USAGE, "help takes one topic, not %d", cli_npos(&a));
	}
	const char *topic = cli_pos(&a, 0);
	const struct help_topic *t = NULL;
	for (size_t i = 0; i < HELP_N_TOPICS; i++)
		if (!strcmp(topic, help_topics[i].name))
			t = &help_topics[i];
	if (!t) {
		help_list(c->errf);
		return cli_error(c, CLI_USAGE,
				 "unknown help topic '%s' (the topics are listed above)", topic);
	}
	char dd[PATH_MAX + 32], path[PATH_MAX + 64], err[MENTOR_ERR_LEN];
	snprintf(path, sizeof path, "%s/docs/%s.md", cli_data_dir(dd, sizeof dd), t->name);
	size_t len;
	char *text = util_read_file(path, HELP_MAX_PAGE, &len, err);
	if (!text)
		return cli_error(c, CLI_ERR, "cannot show help topic '%s': %s", t->name, err);
	const char *pager = c->out_tty ? help_pager() : NULL;
	if (!pager || help_page(pager, text)) {
		util_term_put(c->out, text, UTIL_PUT_LINES, NULL, 0);
		fflush(c->out);
	}
	free(text);
	if (ferror(c->out))
		return cli_error(c, CLI_ERR, "cannot write help topic '%s': %s", t->name,
				 strerror(errno));
	return CLI_OK;
}
