/* cli_common: helpers shared by the command files: one-line errors, opening
 * the workspace, locating bundled data, JSON string output, option values,
 * dataset lookup. */
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/cli.h"
#include "mentor/config.h"
#include "mentor/i18n.h"
#include "mentor/store.h"

/* Format, then write to f through util_term_put in layout. */
static void vput(FILE *f, int layout, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	char *p = malloc((size_t)n + 1);
	if (!p)
		util_oom();
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	util_term_put(f, p, layout, NULL, 0);
	free(p);
}

int cli_error(struct cli *c, int code, const char *fmt, ...)
{
	/* the message names files and records: one line, nothing raw */
	va_list ap;
	va_start(ap, fmt);
	fputs("mentor: ", c->errf);
	vput(c->errf, UTIL_PUT_ESC, fmt, ap);
	fputc('\n', c->errf);
	va_end(ap);
	return code;
}

void cli_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput(f, UTIL_PUT_LINES, fmt, ap);
	va_end(ap);
}

void cli_json_text(FILE *f, const char *json)
{
	struct buf b;
	buf_init(&b);
	if (util_json_clean(&b, json ? json : "null", json ? strlen(json) : 4))
		util_oom();
	fputs(b.data ? b.data : "", f);
	buf_release(&b);
}

void cli_print_json(FILE *f, const struct cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		util_oom();
	cli_json_text(f, s);
	cJSON_free(s);
}

struct store *cli_open_store(struct cli *c)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(c->db_path, err);
	if (!st)
		cli_error(c, CLI_ERR, "%s", err);
	return st;
}

struct store *cli_open_existing(struct cli *c)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		cli_error(c, CLI_ERR, "%s", err);
	return st;
}

int cli_parse(struct cli *c, const struct cli_command *cmd, int argc, char **argv,
	      struct cli_args *a)
{
	char err[MENTOR_ERR_LEN];
	if (cli_opt_parse(cmd, argc, argv, a, err)) {
		if (a->help) { /* --help wins over a wrong option */
			cli_opt_help(c->out, cmd);
			a->exit = CLI_OK;
		} else {
			a->exit = cli_error(c, CLI_USAGE, "%s", err);
		}
		return 1;
	}
	if (a->help) {
		cli_opt_help(c->out, cmd);
		a->exit = CLI_OK;
		return 1;
	}
	if (c->parse_only) {
		cli_opt_dump(c->out, a);
		a->exit = CLI_OK;
		return 1;
	}
	return 0;
}

void cli_opt_dump(FILE *f, const struct cli_args *a)
{
	fputs("{\"command\":", f);
	cli_json_str(f, a->cmd->name);
	fputs(",\"args\":[", f);
	for (int i = 0; i < a->n; i++) {
		fputs(i ? ",[" : "[", f);
		cli_json_str(f, a->args[i].opt ? a->args[i].opt->name : NULL);
		fputc(',', f);
		const struct cli_option *o = a->args[i].opt;
		int secret = o && o->arg && !strcmp(o->arg, "KEY");
		cli_json_str(f, secret ? "(secret)" : a->args[i].value);
		fputc(']', f);
	}
	fprintf(f, "],\"dashdash\":%d}\n", a->dashdash);
}

static int has_samples(const char *dir)
{
	char p[PATH_MAX + 32];
	struct stat sb;
	snprintf(p, sizeof p, "%s/sample_datasets", dir);
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* An installed binary's data: BINDIR/../share/mentor. 1 when it is there. */
static int installed_data(char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return 0;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	snprintf(buf, n, "%s/../share/mentor", exe);
	return has_samples(buf);
}

const char *cli_data_dir(char *buf, size_t n)
{
	const char *d = getenv("MENTOR_DATA_DIR");
	if (d && *d)
		snprintf(buf, n, "%s", d);
	else if (!installed_data(buf, n))
		snprintf(buf, n, "%s",
			 has_samples(MENTOR_SOURCE_DIR) ? MENTOR_SOURCE_DIR
							: MENTOR_INSTALL_DATA_DIR);
	return buf;
}

void cli_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	cli_json_strn(f, s, strlen(s));
}

void cli_json_strn(FILE *f, const char *s, size_t n)
{
	struct buf b;
	buf_init(&b);
	int rc = buf_putc(&b, '"');
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n && !rc; i++, p++) {
		switch (*p) {
		case '"': rc = buf_puts(&b, "\\\""); break;
		case '\\': rc = buf_puts(&b, "\\\\"); break;
		case '\n': rc = buf_puts(&b, "\\n"); break;
		case '\r': rc = buf_puts(&b, "\\r"); break;
		case '\t': rc = buf_puts(&b, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rc = buf_printf(&b, "\\u%04x", *p);
			else
				rc = buf_putc(&b, *p);
		}
	}
	if (rc || buf_putc(&b, '"'))
		util_oom();
	/* C1, bidi and invisible characters as \uXXXX too */
	struct buf clean;
	buf_init(&clean);
	if (util_json_clean(&clean, b.data, b.len))
		util_oom();
	fputs(clean.data, f);
	buf_release(&clean);
	buf_release(&b);
}

/* The one piece of global state of the commands: a signal handler can
 * reach nothing else. Set by SIGTERM/SIGINT once cli_stop_flag installed
 * the handlers; read by training loops between steps. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

volatile sig_atomic_t *cli_stop_catch(struct cli_stop_saved *saved)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	stop_requested = 0;
	sigaction(SIGINT, &sa, saved ? &saved->old_int : NULL);
	sigaction(SIGTERM, &sa, saved ? &saved->old_term : NULL);
	return &stop_requested;
}

void cli_stop_release(const struct cli_stop_saved *saved)
{
	sigaction(SIGINT, &saved->old_int, NULL);
	sigaction(SIGTERM, &saved->old_term, NULL);
}

volatile sig_atomic_t *cli_stop_flag(void)
{
	return cli_stop_catch(NULL);
}

void cli_put_escaped(FILE *f, const char *s)
{
	/* the one terminal rule (util_term_put): C0, C1, DEL, bidi and invisible
	 * format characters shown as escapes */
	util_term_put(f, s ? s : "", UTIL_PUT_ESC, NULL, 0);
}

int cli_opt_long(struct cli *c, const char *name, const char *v, long lo, long hi, long *out)
{
	if (util_parse_long(v, lo, hi, out))
		return cli_error(c, CLI_USAGE, "invalid value '%s' for '%s': expected %ld..%ld", v,
				 name, lo, hi);
	return 0;
}

int cli_opt_double(struct cli *c, const char *name, const char *v, double lo, double hi,
		   double *out)
{
	if (util_parse_double(v, out) || !(*out >= lo && *out <= hi))
		return cli_error(c, CLI_USAGE, "invalid value '%s' for '%s': expected %g..%g", v,
				 name, lo, hi);
	return 0;
}

void cli_pad(FILE *f, int n)
{
	while (n-- > 0)
		fputc(' ', f);
}

struct cJSON *cli_jstr(const char *s)
{
	cJSON *v = s ? cJSON_CreateString(s) : cJSON_CreateNull();
	if (!v)
		util_oom();
	return v;
}

int cli_find_dataset(struct store *st, const char *ref, struct store_dataset *d, char *err)
{
	int rc = store_dataset_get(st, ref, d, err);
	long id;
	if (rc == MENTOR_ENOTFOUND && !util_parse_long(ref, 1, LONG_MAX, &id)) {
		rc = store_dataset_get_id(st, id, d, err);
		if (rc == MENTOR_ENOTFOUND)
			util_err(err, "no dataset '%s'", ref);
	}
	return rc;
}

int cli_ui_lang(struct cli *c, const char *opt, int warn)
{
	struct config cfg;
	char err[MENTOR_ERR_LEN], w[MENTOR_ERR_LEN];
	int bad = config_load(&cfg, NULL, w, err);
	if (bad && warn)
		cli_printf(c->errf, "mentor: warning: config ignored for the language: %s\n", err);
	int lang = i18n_lang_pick(opt, bad ? NULL : cfg.ui_lang, getenv("LC_ALL"),
				  getenv("LC_MESSAGES"), getenv("LANG"));
	config_release(&cfg);
	return lang;
}
