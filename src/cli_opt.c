/* cli_opt: the option table of the commands. Each command declares its
 * options once (struct cli_command); this file reads a command line against
 * that table and writes, from the same table, the command's --help, the
 * man page's COMMANDS section and the bash and zsh completion scripts. It
 * needs no terminal and no workspace. */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mentor/cli.h"

/* The column where option help starts at most, and the width of help. */
#define HELP_MAX_COL 24
#define HELP_WIDTH 79

/* ------------------------------------------------------------ parsing */

static int is_option(const char *s)
{
	if (s[0] != '-')
		return 0;
	return s[1] == '-' || isalpha((unsigned char)s[1]);
}

static const struct cli_option *find_in(const struct cli_option *o, const char *s, size_t n)
{
	for (; o && o->name; o++) {
		if (strlen(o->name) == n && !strncmp(o->name, s, n))
			return o;
		if (o->alias && strlen(o->alias) == n && !strncmp(o->alias, s, n))
			return o;
	}
	return NULL;
}

static const struct cli_option *find_option(const struct cli_command *cmd, const char *s, size_t n)
{
	const struct cli_option *o = find_in(cmd->opts, s, n);
	return o ? o : find_in(cmd->hidden, s, n);
}

static int push(struct cli_args *a, const struct cli_option *o, const char *v, char *err)
{
	if (a->n >= CLI_MAX_ARGS) {
		util_err(err, "too many arguments (at most %d)", CLI_MAX_ARGS);
		return MENTOR_EUSAGE;
	}
	a->args[a->n].opt = o;
	a->args[a->n].value = v;
	a->n++;
	return 0;
}

/* After a usage error at argv[i]: whether --help or -h follows (before
 * any "--"), since --help wins over a wrong option. */
static int help_follows(int argc, char **argv, int i)
{
	for (; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* cli_opt_parse; *at is the argument an error was found at. */
static int parse_line(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a,
		      int *at, char *err)
{
	a->cmd = cmd;
	a->n = 0;
	a->dashdash = -1;
	a->help = 0;
	a->exit = CLI_OK;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		int rc;
		*at = i;
		if (a->dashdash >= 0 || !is_option(s)) {
			if ((rc = push(a, NULL, s, err)))
				return rc;
			continue;
		}
		if (!strcmp(s, "--")) {
			a->dashdash = a->n;
			continue;
		}
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			a->help = 1;
			continue;
		}
		const char *eq = s[1] == '-' ? strchr(s, '=') : NULL;
		size_t n = eq ? (size_t)(eq - s) : strlen(s);
		const struct cli_option *o = find_option(cmd, s, n);
		if (!o) {
			/* only the name: a value may be a secret */
			util_err(err, "unknown option '%.*s' for '%s'; see 'mentor %s --help'",
				 (int)(n > 64 ? 64 : n), s, cmd->name, cmd->name);
			return MENTOR_EUSAGE;
		}
		const char *v = NULL;
		if (!o->arg) {
			if (eq) {
				util_err(err, "option '%s' takes no value", o->name);
				return MENTOR_EUSAGE;
			}
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			util_err(err, "option '%s' needs a value (%s)", o->name, o->arg);
			return MENTOR_EUSAGE;
		}
		if ((rc = push(a, o, v, err)))
			return rc;
	}
	return 0;
}

int cli_opt_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a,
		  char *err)
{
	int at = 0;
	int rc = parse_line(cmd, argc, argv, a, &at, err);
	if (rc && a->dashdash < 0 && help_follows(argc, argv, at))
		a->help = 1;
	return rc;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	for (int i = a->n - 1; i >= 0; i--) {
		const struct cli_option *o = a->args[i].opt;
		if (o && !strcmp(o->name, name))
			return o->arg ? a->args[i].value : "";
	}
	/* a name the command does not declare is a typo that would read as
	 * "not given" for ever */
	assert(find_option(a->cmd, name, strlen(name)));
	return NULL;
}

const char *cli_pos(const struct cli_args *a, int k)
{
	for (int i = 0; i < a->n; i++)
		if (!a->args[i].opt && k-- == 0)
			return a->args[i].value;
	return NULL;
}

int cli_npos(const struct cli_args *a)
{
	int k = 0;
	for (int i = 0; i < a->n; i++)
		k += !a->args[i].opt;
	return k;
}

/* ------------------------------------------------------------ --help */

static void pad(FILE *f, int n)
{
	while (n-- > 0)
		fputc(' ', f);
}

/* Write text wrapped at HELP_WIDTH, the cursor being at column col; new
 * lines start at column indent. A '\n' in text breaks the line there, and
 * the spaces after it are kept (a list's indentation). */
static void wrap(FILE *f, const char *p, int col, int indent)
{
	int fresh = 1; /* no word on this line yet */
	while (*p) {
		if (*p == '\n' || *p == ' ') {
			if (*p++ == '\n') {
				fputc('\n', f);
				size_t sp = strspn(p, " ");
				pad(f, indent + (int)sp);
				col = indent + (int)sp;
				p += sp;
				fresh = 1;
			}
			continue;
		}
		int w = (int)strcspn(p, " \n");
		if (!fresh && col + 1 + w > HELP_WIDTH) {
			fputc('\n', f);
			pad(f, indent);
			col = indent;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, (size_t)w, f);
		col += w;
		p += w;
		fresh = 0;
	}
	fputc('\n', f);
}

/* "-o, --out FILE" for o, into buf. */
static int option_left(const struct cli_option *o, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "",
			   o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	return len < 0 ? 0 : len;
}

/* The option whose help o shares: o itself, or the next one with help
 * (options with no help are listed with it, on one line). */
static const struct cli_option *help_of(const struct cli_option *o)
{
	while (!o->help && o[1].name)
		o++;
	return o;
}

/* The left column of the group of options starting at o (options with no
 * help share the next one's): "--layers N, --width N"; *next set past it. */
static int group_left(const struct cli_option *o, char *buf, size_t n,
		      const struct cli_option **next)
{
	const struct cli_option *last = help_of(o);
	size_t len = 0;
	buf[0] = '\0';
	for (; o <= last; o++) {
		if (len && len + 2 < n) {
			memcpy(buf + len, ", ", 3);
			len += 2;
		}
		if (len < n)
			len += (size_t)option_left(o, buf + len, n - len);
		if (len >= n)
			len = n - 1;
	}
	*next = o;
	return (int)len;
}

static void text_block(FILE *f, const char *s)
{
	if (!s || !*s)
		return;
	size_t n = strlen(s);
	fputs(s, f);
	if (s[n - 1] != '\n')
		fputc('\n', f);
}

void cli_opt_help(FILE *f, const struct cli_command *cmd)
{
	const char *u = cmd->usage ? cmd->usage : "";
	int line = 0;
	while (*u) {
		size_t n = strcspn(u, "\n");
		fprintf(f, "%s%.*s\n", line++ ? "       " : "usage: ", (int)n, u);
		u += n + (u[n] == '\n');
	}
	if (cmd->about && *cmd->about) {
		fputc('\n', f);
		text_block(f, cmd->about);
	}
	if (cmd->opts && cmd->opts->name) {
		char left[256];
		int col = 0;
		const struct cli_option *next;
		for (const struct cli_option *o = cmd->opts; o->name; o = next) {
			int len = group_left(o, left, sizeof left, &next);
			if (len + 4 <= HELP_MAX_COL && len + 4 > col)
				col = len + 4;
		}
		if (col == 0)
			col = HELP_MAX_COL;
		fputs("\noptions:\n", f);
		for (const struct cli_option *o = cmd->opts; o->name; o = next) {
			int len = group_left(o, left, sizeof left, &next);
			const char *help = next[-1].help ? next[-1].help : "";
			fprintf(f, "  %s", left);
			if (2 + len + 1 > col) {
				fputc('\n', f);
				pad(f, col);
			} else {
				pad(f, col - 2 - len);
			}
			wrap(f, help, col, col);
		}
	}
	if (cmd->more && *cmd->more) {
		fputc('\n', f);
		text_block(f, cmd->more);
	}
}

/* ------------------------------------------------------------ man page */

/* Write s (n bytes) as roff text: '\' and '-' escaped. */
static void roff_text(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else if (s[i] == '"')
			fputs("\\(dq", f);
		else
			fputc(s[i], f);
	}
}

/* One line of text as a roff input line (a leading '.' or '\'' guarded),
 * then tail. */
static void roff_line(FILE *f, const char *s, size_t n, const char *tail)
{
	if (n && (*s == '.' || *s == '\''))
		fputs("\\&", f);
	roff_text(f, s, n);
	fputs(tail, f);
	fputc('\n', f);
}

/* Paragraphs of text: filled, a blank line between paragraphs as .PP;
 * indented lines (lists, examples) kept as written (.nf). */
static void roff_paragraphs(FILE *f, const char *s)
{
	if (!s)
		return;
	int nf = 0, blank = 0, any = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (n == 0) {
			blank = 1;
		} else {
			int pre = s[0] == ' ';
			if (nf && (!pre || blank)) {
				fputs(".fi\n", f);
				nf = 0;
			}
			if (blank && any)
				fputs(".PP\n", f);
			if (pre && !nf) {
				fputs(".nf\n", f);
				nf = 1;
			}
			roff_line(f, s, n, "");
			blank = 0;
			any = 1;
		}
		s += n + (s[n] == '\n');
	}
	if (nf)
		fputs(".fi\n", f);
}

/* 1 if text starts with one of the words of values ("chat alpaca mt"): a
 * value is written as it is typed, never capitalised. */
static int starts_with_value(const char *text, const char *values)
{
	size_t n = strcspn(text, " ,;:|)");
	for (const char *v = values; v && *v;) {
		size_t m = strcspn(v, " ");
		if (m == n && !strncmp(v, text, n))
			return 1;
		v += m;
		v += strspn(v, " ");
	}
	return 0;
}

static void roff_option(FILE *f, const struct cli_option *o)
{
	if (o->alias) {
		fputs("\\fB", f);
		roff_text(f, o->alias, strlen(o->alias));
		fputs("\\fR, ", f);
	}
	fputs("\\fB", f);
	roff_text(f, o->name, strlen(o->name));
	fputs("\\fR", f);
	if (o->arg) {
		fputs(" \\fI", f);
		roff_text(f, o->arg, strlen(o->arg));
		fputs("\\fR", f);
	}
}

void cli_opt_roff(FILE *f, const struct cli_command *const *cmds, size_t ncmd)
{
	for (size_t k = 0; k < ncmd; k++) {
		const struct cli_command *cmd = cmds[k];
		const char *u = cmd->usage ? cmd->usage : "";
		size_t n = strcspn(u, "\n");
		fputs(".SS \"", f);
		roff_text(f, u, n);
		fputs("\"\n", f);
		u += n + (u[n] == '\n');
		if (*u) { /* the other forms */
			fputs(".nf\n", f);
			while (*u) {
				n = strcspn(u, "\n");
				roff_line(f, u, n, "");
				u += n + (u[n] == '\n');
			}
			fputs(".fi\n.PP\n", f);
		}
		roff_paragraphs(f, cmd->about);
		for (const struct cli_option *o = cmd->opts; o && o->name; o++) {
			fputs(".TP\n", f);
			roff_option(f, o);
			for (const struct cli_option *last = help_of(o); o < last;) {
				fputs(", ", f);
				roff_option(f, ++o);
			}
			fputc('\n', f);
			/* as a sentence: a capital first letter and a full stop */
			const char *h = o->help ? o->help : "";
			if (*h >= 'a' && *h <= 'z' && !starts_with_value(h, o->values)) {
				fputc(*h - 'a' + 'A', f);
				h++;
			}
			while (*h) {
				n = strcspn(h, "\n");
				size_t lead = 0;
				while (lead < n && h[lead] == ' ')
					lead++;
				if (h != o->help && h[-1] == '\n')
					fputs(".br\n", f);
				int stop = !h[n] && n &&
					   (isalnum((unsigned char)h[n - 1]) || h[n - 1] == ')');
				roff_line(f, h + lead, n - lead, stop ? "." : "");
				h += n + (h[n] == '\n');
			}
		}
		if (cmd->more && *cmd->more) {
			fputs(".PP\n", f);
			roff_paragraphs(f, cmd->more);
		}
	}
}

/* ------------------------------------------------------------ completion */

/* An option's value is a file name when its placeholder says so. */
static int arg_is_file(const char *arg)
{
	return arg && (strstr(arg, "FILE") || strstr(arg, "PATH") || strstr(arg, "DIR") ||
		       !strcmp(arg, "F") || !strcmp(arg, "M"));
}

static void bash_command(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "\t%s)\n\t\tcase $prev in\n", cmd->name);
	for (const struct cli_option *o = cmd->opts; o && o->name; o++) {
		if (!o->arg)
			continue;
		fprintf(f, "\t\t%s%s%s)", o->name, o->alias ? "|" : "", o->alias ? o->alias : "");
		if (o->values)
			fprintf(f, " COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n",
				o->values);
		else if (arg_is_file(o->arg))
			fputs(" COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f);
		else
			fputs(" COMPREPLY=(); return ;;\n", f);
	}
	fputs("\t\tesac\n\t\topts=\"--help", f);
	for (const struct cli_option *o = cmd->opts; o && o->name; o++)
		fprintf(f, " %s", o->name);
	fputs("\" ;;\n", f);
}

static void completion_bash(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	fputs("# bash completion for mentor, made by `mentor completion bash` from the\n"
	      "# commands' option tables.\n"
	      "_mentor()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal cmd= opts= i\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t--db) ((i++)) ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tif [[ -z $cmd ]]; then\n"
	      "\t\tif [[ $prev == --db ]]; then\n"
	      "\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\t\t\treturn\n"
	      "\t\tfi\n"
	      "\t\tCOMPREPLY=($(compgen -W \"--db --help --version --parse-only",
	      f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " %s", cmds[k]->name);
	fputs("\" -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase $cmd in\n", f);
	for (size_t k = 0; k < n; k++)
		bash_command(f, cmds[k]);
	fputs("\t*) return ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _mentor mentor\n",
	      f);
}

/* Write the first sentence of s (at most max bytes) for a zsh description
 * inside single quotes, with what _arguments gives a meaning escaped. */
static void zsh_desc(FILE *f, const char *s, size_t max)
{
	size_t n = 0;
	for (; s && s[n] && n < max; n++) {
		if (s[n] == '\n' || (s[n] == ';') ||
		    (s[n] == '.' && (s[n + 1] == ' ' || !s[n + 1])))
			break;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '\'')
			fputs("'\\''", f);
		else if (ch == '[' || ch == ']' || ch == ':' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else
			fputc(ch, f);
	}
}

static void zsh_command(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "\t\t%s)\n\t\t\t_arguments \\\n\t\t\t\t'(- *)'{-h,--help}'[show the help]' \\\n",
		cmd->name);
	for (const struct cli_option *o = cmd->opts; o && o->name; o++) {
		const struct cli_option *h = help_of(o);
		const char *names[2] = {o->name, o->alias};
		for (int k = 0; k < 2; k++) {
			if (!names[k])
				continue;
			fprintf(f, "\t\t\t\t'%s%s[", names[k], o->arg && k == 0 ? "=" : "");
			zsh_desc(f, h->help, 70);
			fputc(']', f);
			if (o->arg) {
				fputc(':', f);
				zsh_desc(f, o->arg, 20);
				fputc(':', f);
				if (o->values)
					fprintf(f, "(%s)", o->values);
				else if (arg_is_file(o->arg))
					fputs("_files", f);
				else
					fputs(" ", f);
			}
			fputs("' \\\n", f);
		}
	}
	fputs("\t\t\t\t'*:argument:_files'\n\t\t\t;;\n", f);
}

static void completion_zsh(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	fputs("#compdef mentor\n"
	      "# zsh completion for mentor, made by `mentor completion zsh` from the\n"
	      "# commands' option tables.\n"
	      "_mentor() {\n"
	      "\tlocal curcontext=$curcontext state line\n"
	      "\tlocal -a commands\n"
	      "\tcommands=(\n",
	      f);
	for (size_t k = 0; k < n; k++) {
		fprintf(f, "\t\t'%s:", cmds[k]->name);
		zsh_desc(f, cmds[k]->summary, 70);
		fputs("'\n", f);
	}
	fputs("\t)\n"
	      "\t_arguments -C \\\n"
	      "\t\t'--db=[the workspace file]:PATH:_files' \\\n"
	      "\t\t'--version[print the version]' \\\n"
	      "\t\t'--parse-only[print how the command reads its line, do nothing]' \\\n"
	      "\t\t'(- *)'{-h,--help}'[show the help]' \\\n"
	      "\t\t'1:command:->command' \\\n"
	      "\t\t'*::argument:->argument'\n"
	      "\tcase $state in\n"
	      "\tcommand)\n"
	      "\t\t_describe command commands\n"
	      "\t\t;;\n"
	      "\targument)\n"
	      "\t\tcase $words[1] in\n",
	      f);
	for (size_t k = 0; k < n; k++)
		zsh_command(f, cmds[k]);
	fputs("\t\tesac\n\t\t;;\n\tesac\n}\n_mentor \"$@\"\n", f);
}

int cli_opt_completion(FILE *f, const char *shell, const struct cli_command *const *cmds, size_t n)
{
	if (!strcmp(shell, "bash"))
		completion_bash(f, cmds, n);
	else if (!strcmp(shell, "zsh"))
		completion_zsh(f, cmds, n);
	else
		return MENTOR_EUSAGE;
	return 0;
}
