/* cli_common: helpers shared by the command files: one-line errors, opening
 * the workspace, locating bundled data, JSON string output, option values,
 * dataset lookup. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/cli.h"
#include "mentor/store.h"

int cli_error(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mentor: ", c->errf);
	vfprintf(c->errf, fmt, ap);
	fputc('\n', c->errf);
	va_end(ap);
	return code;
}

struct store *cli_open_store(struct cli *c)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(c->db_path, err);
	if (!st)
		cli_error(c, CLI_ERR, "%s", err);
	return st;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

const char *cli_data_dir(void)
{
	const char *d = getenv("MENTOR_DATA_DIR");
	return d && *d ? d : MENTOR_SOURCE_DIR;
}

void cli_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
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

volatile sig_atomic_t *cli_stop_flag(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return &stop_requested;
}

void cli_put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

int cli_opt_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];
	if (strncmp(a, opt, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
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
