/* test_cli_opt: the option table's parser and writers (src/cli_opt.c) on
 * well-formed, malformed and hostile command lines: both value forms, flags
 * given values, missing values, unknown and truncated names, "--", short
 * aliases, values that look like options, too many arguments; and the
 * --help, roff and completion text made from a table. */
#include "../test.h"

#include "mentor/cli.h"

static int fake_cmd(struct cli *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	return 0;
}

static const struct cli_option opts[] = {
	{"--steps", NULL, "N", "optimizer steps (default 1500)", NULL},
	{"--variant", NULL, "V", "baseline | mt-re | mt-ra | mt-cot",
	 "baseline mt-re mt-ra mt-cot"},
	{"--out", "-o", "FILE", "where to write", NULL},
	{"--json", NULL, NULL, "print JSON", NULL},
	{"--layers", NULL, "N", NULL, NULL},
	{"--width", NULL, "N",
	 "model shape (override the preset); a long help text that has to be "
	 "wrapped over more than one line of the terminal to fit",
	 NULL},
	{"--a-very-long-option-name", NULL, "VALUE", "help on the next line", NULL},
	{"--list", NULL, "L", "one of:\n  - first item\n  - second", NULL},
	{0},
};

static const struct cli_option hidden[] = {
	{"--spawned", NULL, NULL, "what the command passes to itself", NULL},
	{0},
};

static const struct cli_command cmd = {
	.name = "fake",
	.fn = fake_cmd,
	.summary = "a command for the test",
	.usage = "mentor fake DATASET [options]\nmentor fake --resume RUN",
	.about = "Do nothing, -o with - signs.\n.A line starting with a dot.\n\n"
		 "  indented: kept as written\n  second line",
	.opts = opts,
	.more = "Exit status: 0.\nendpoints:\n  GET /a\n  POST /b\nafter the list.",
	.hidden = hidden,
};

/* parse a NULL-terminated list of arguments (argv[0] is the command) */
static int parse(struct cli_args *a, char *err, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *s; (s = va_arg(ap, char *)) && argc < 63;)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return cli_opt_parse(&cmd, argc, argv, a, err);
}

static void test_forms(void)
{
	struct cli_args a, b;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(&a, err, "fake", "--steps", "30", "ds", NULL), 0);
	CHECK_INT(parse(&b, err, "fake", "--steps=30", "ds", NULL), 0);
	CHECK_INT(a.n, 2);
	CHECK_INT(b.n, 2);
	CHECK(a.args[0].opt == b.args[0].opt);
	CHECK_STR(a.args[0].value, "30");
	CHECK_STR(b.args[0].value, "30");
	CHECK_STR(cli_arg(&a, "--steps"), "30");
	CHECK_STR(cli_pos(&a, 0), "ds");
	CHECK_INT(cli_npos(&a), 1);
	CHECK(cli_pos(&a, 1) == NULL);
	CHECK(cli_arg(&a, "--json") == NULL);
	CHECK_INT(a.dashdash, -1);

	/* "=" in the value, an empty value, a value that looks like an option */
	CHECK_INT(parse(&a, err, "fake", "--out=a=b", NULL), 0);
	CHECK_STR(cli_arg(&a, "--out"), "a=b");
	CHECK_INT(parse(&a, err, "fake", "--out=", NULL), 0);
	CHECK_STR(cli_arg(&a, "--out"), "");
	CHECK_INT(parse(&a, err, "fake", "--out", "--json", NULL), 0);
	CHECK_STR(cli_arg(&a, "--out"), "--json");
	CHECK(cli_arg(&a, "--json") == NULL);

	/* the alias takes its value as the next word */
	CHECK_INT(parse(&a, err, "fake", "-o", "x.html", NULL), 0);
	CHECK_STR(cli_arg(&a, "--out"), "x.html");

	/* a flag, and the last of repeated values */
	CHECK_INT(parse(&a, err, "fake", "--json", "--steps", "1", "--steps=2", NULL), 0);
	CHECK_STR(cli_arg(&a, "--json"), "");
	CHECK_STR(cli_arg(&a, "--steps"), "2");
	CHECK_INT(a.n, 3);

	/* negative numbers and "-" are positional */
	CHECK_INT(parse(&a, err, "fake", "-5", "-", "--steps", "-1", NULL), 0);
	CHECK_INT(cli_npos(&a), 2);
	CHECK_STR(cli_pos(&a, 0), "-5");
	CHECK_STR(cli_pos(&a, 1), "-");
	CHECK_STR(cli_arg(&a, "--steps"), "-1");

	/* after "--" everything is positional */
	CHECK_INT(parse(&a, err, "fake", "ds", "--", "--steps", "3", "--json", NULL), 0);
	CHECK_INT(a.dashdash, 1);
	CHECK_INT(cli_npos(&a), 4);
	CHECK_STR(cli_pos(&a, 1), "--steps");
	CHECK(cli_arg(&a, "--steps") == NULL);
	CHECK_INT(parse(&a, err, "fake", "--", NULL), 0);
	CHECK_INT(a.dashdash, 0);
	CHECK_INT(a.n, 0);

	/* a hidden option is read like any other */
	CHECK_INT(parse(&a, err, "fake", "--spawned", NULL), 0);
	CHECK_STR(cli_arg(&a, "--spawned"), "");
	CHECK_INT(parse(&a, err, "fake", "--spawned=1", NULL), MENTOR_EUSAGE);

	/* --help and -h are noted, not errors; after "--" they are arguments */
	CHECK_INT(parse(&a, err, "fake", "--steps", "3", "-h", NULL), 0);
	CHECK_INT(a.help, 1);
	CHECK_INT(parse(&a, err, "fake", "--", "--help", NULL), 0);
	CHECK_INT(a.help, 0);
	/* after a usage error, a --help later on the line is still seen (it
	 * wins), but not one after "--" */
	CHECK_INT(parse(&a, err, "fake", "--stepz", "--help", NULL), MENTOR_EUSAGE);
	CHECK_INT(a.help, 1);
	CHECK_INT(parse(&a, err, "fake", "--stepz", "x", NULL), MENTOR_EUSAGE);
	CHECK_INT(a.help, 0);
	CHECK_INT(parse(&a, err, "fake", "--steps", "--json=1", "-h", NULL), 0);
	CHECK_STR(cli_arg(&a, "--steps"), "--json=1");
	CHECK_INT(a.help, 1);
}

static void test_errors(void)
{
	struct cli_args a;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(&a, err, "fake", "--stepz", "3", NULL), MENTOR_EUSAGE);
	CHECK_STR(err, "unknown option '--stepz' for 'fake'; see 'mentor fake --help'");
	/* a prefix of a name is not the name */
	CHECK_INT(parse(&a, err, "fake", "--step", "3", NULL), MENTOR_EUSAGE);
	CHECK_INT(parse(&a, err, "fake", "--steps3", NULL), MENTOR_EUSAGE);
	/* the value of an unknown option is never echoed (it may be a key) */
	CHECK_INT(parse(&a, err, "fake", "--api-key=sk-secret", NULL), MENTOR_EUSAGE);
	CHECK(strstr(err, "sk-secret") == NULL);
	CHECK(strstr(err, "'--api-key'") != NULL);
	CHECK_INT(parse(&a, err, "fake", "--json=1", NULL), MENTOR_EUSAGE);
	CHECK_STR(err, "option '--json' takes no value");
	CHECK_INT(parse(&a, err, "fake", "ds", "--steps", NULL), MENTOR_EUSAGE);
	CHECK_STR(err, "option '--steps' needs a value (N)");
	CHECK_INT(parse(&a, err, "fake", "-x", NULL), MENTOR_EUSAGE);
	CHECK_INT(parse(&a, err, "fake", "---", NULL), MENTOR_EUSAGE);
	CHECK_INT(parse(&a, err, "fake", "--=3", NULL), MENTOR_EUSAGE);
	CHECK_INT(parse(&a, err, "fake", "-o=x", NULL), MENTOR_EUSAGE); /* short: no '=' */
	/* a control character in an unknown name is the caller's to escape; the
	 * name is cut at 64 bytes */
	char longname[200];
	memset(longname, 'x', sizeof longname);
	memcpy(longname, "--", 2);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(parse(&a, err, "fake", longname, NULL), MENTOR_EUSAGE);
	CHECK(strlen(err) < 150);

	/* too many arguments: refused, not overrun */
	int argc = CLI_MAX_ARGS + 10;
	char **argv = calloc((size_t)argc + 1, sizeof *argv);
	argv[0] = "fake";
	for (int i = 1; i < argc; i++)
		argv[i] = "x";
	static struct cli_args big;
	CHECK_INT(cli_opt_parse(&cmd, argc, argv, &big, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "too many arguments") != NULL);
	CHECK_INT(cli_opt_parse(&cmd, CLI_MAX_ARGS + 1, argv, &big, err), 0);
	CHECK_INT(big.n, CLI_MAX_ARGS);
	free(argv);
}

/* the text f received, NUL-terminated, in a static buffer */
static const char *capture(void (*fn)(FILE *))
{
	static char buf[1 << 16];
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");
	fn(f);
	long n = ftell(f);
	fclose(f);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void write_help(FILE *f)
{
	cli_opt_help(f, &cmd);
}

static void write_roff(FILE *f)
{
	const struct cli_command *cmds[] = {&cmd};
	cli_opt_roff(f, cmds, 1);
}

static void write_bash(FILE *f)
{
	const struct cli_command *cmds[] = {&cmd};
	cli_opt_completion(f, "bash", cmds, 1);
}

static void write_zsh(FILE *f)
{
	const struct cli_command *cmds[] = {&cmd};
	cli_opt_completion(f, "zsh", cmds, 1);
}

static void test_help(void)
{
	const char *h = capture(write_help);
	CHECK(!strncmp(h,
		       "usage: mentor fake DATASET [options]\n"
		       "       mentor fake --resume RUN\n\nDo nothing",
		       70));
	CHECK(strstr(h, "\n  --steps N       optimizer steps (default 1500)\n") != NULL);
	CHECK(strstr(h, "\n  -o, --out FILE  where to write\n") != NULL);
	CHECK(strstr(h, "\n  --layers N, --width N\n") != NULL);
	CHECK(strstr(h, "\n  --a-very-long-option-name VALUE\n                  help on") != NULL);
	CHECK(strstr(h, "\nExit status: 0.\n") != NULL);
	CHECK(strstr(h, "spawned") == NULL);
	/* a '\n' in help breaks the line and keeps the indentation after it */
	CHECK(strstr(h, "\n  --list L        one of:\n                    - first item\n"
			"                    - second\n") != NULL);
	/* no line over 79 columns */
	for (const char *p = h; *p;) {
		size_t n = strcspn(p, "\n");
		CHECK_MSG(n <= 79, "%zu columns: %.*s", n, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static void test_roff(void)
{
	const char *r = capture(write_roff);
	CHECK(!strncmp(r, ".SS \"mentor fake DATASET [options]\"\n", 36));
	CHECK(strstr(r, "\\-\\-resume RUN") != NULL);
	CHECK(strstr(r, "\\&.A line starting with a dot.") != NULL); /* not a request */
	CHECK(strstr(r, ".nf\n  indented: kept as written\n  second line\n.fi\n") != NULL);
	CHECK(strstr(r, ".TP\n\\fB\\-o\\fR, \\fB\\-\\-out\\fR \\fIFILE\\fR\nWhere to write.\n") !=
	      NULL);
	CHECK(strstr(r, "\\fB\\-\\-layers\\fR \\fIN\\fR, \\fB\\-\\-width\\fR \\fIN\\fR\n") != NULL);
	CHECK(strstr(r, "\n-") == NULL); /* every hyphen escaped */
	CHECK(strstr(r, "endpoints:\n.nf\n  GET /a\n  POST /b\n.fi\nafter the list.\n") != NULL);
	CHECK(strstr(r, "spawned") == NULL);
}

static void test_completion(void)
{
	const char *b = capture(write_bash);
	CHECK(strstr(b, "complete -F _mentor mentor") != NULL);
	CHECK(strstr(b, "opts=\"--help --steps --variant --out --json --layers --width "
			"--a-very-long-option-name --list\"") != NULL);
	CHECK(strstr(b, "--variant) COMPREPLY=($(compgen -W \"baseline mt-re mt-ra mt-cot\"") !=
	      NULL);
	CHECK(strstr(b, "--out|-o) COMPREPLY=($(compgen -f") != NULL);
	CHECK(strstr(b, "spawned") == NULL);
	const char *z = capture(write_zsh);
	CHECK(strstr(z, "spawned") == NULL);
	CHECK(!strncmp(z, "#compdef mentor\n", 16));
	CHECK(strstr(z, "'--variant=[baseline | mt-re | mt-ra | mt-cot]:V:(baseline mt-re mt-ra "
			"mt-cot)'") != NULL);
	CHECK(strstr(z, "'--json[print JSON]'") != NULL);
	CHECK(strstr(z, "'-o[where to write]:FILE:_files'") != NULL);
	/* a shared help is given to each option of the group */
	CHECK(strstr(z, "'--layers=[model shape (override the preset)]:N: '") != NULL);
	char buf[16];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	const struct cli_command *cmds[] = {&cmd};
	CHECK_INT(cli_opt_completion(f, "fish", cmds, 1), MENTOR_EUSAGE);
	fclose(f);
}

int main(void)
{
	test_forms();
	test_errors();
	test_help();
	test_roff();
	test_completion();
	return test_done();
}
