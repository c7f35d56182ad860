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

static void help_usage(FILE *f)
{
	fputs("usage: mentor help [TOPIC]\n\n"
	      "Show a page of the manual (docs/TOPIC.md): through $PAGER on a\n"
	      "terminal, else printed. Without TOPIC, list the topics.\n"
	      "`mentor COMMAND --help` gives a command's options; `man mentor`\n"
	      "all of them.\n",
	      f);
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
	if (cli_wants_help(argc, argv)) {
		help_usage(c->out);
		return CLI_OK;
	}
	if (argc == 1) {
		help_list(c->out);
		return CLI_OK;
	}
	if (argc > 2) {
		help_usage(c->errf);
		return cli_error(c, CLI_USAGE, "help takes one topic, not %d", argc - 1);
	}
	const char *topic = argv[1];
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
