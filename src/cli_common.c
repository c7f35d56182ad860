/* cli_common: helpers shared by the command files: one-line errors, opening
 * the workspace, locating bundled data, JSON string output. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
