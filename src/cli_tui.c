/* cli_tui: `mentor tui` (and `mentor` alone): parse the options, find the
 * UI language and the bundled data, and hand over to the workbench
 * (tui_run). */
#include <limits.h>
#include <string.h>

#include "mentor/cli.h"
#include "mentor/tui.h"

static int parse_size(const char *s, int *w, int *h)
{
	const char *x = strchr(s, 'x');
	if (!x)
		return -1;
	char a[16];
	size_t n = (size_t)(x - s);
	if (n == 0 || n >= sizeof a)
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	long lw, lh;
	if (util_parse_long(a, 1, 1000, &lw) || util_parse_long(x + 1, 1, 1000, &lh))
		return -1;
	*w = (int)lw;
	*h = (int)lh;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: mentor [--db PATH] tui [OPTIONS]\n\n"
	      "Open the full-screen workbench on the workspace.\n\n"
	      "options:\n"
	      "  --theme NAME   theme (dark, light, high-contrast, monochrome; default\n"
	      "                 $MENTOR_THEME or dark); NO_COLOR forces monochrome\n"
	      "  --script FILE  headless: run the keys of FILE, then exit\n"
	      "                 (lines: key NAME..., type TEXT, resize W H, click X Y,\n"
	      "                 wheel up|down X Y, wake CODE [ARG], tick, # comment)\n"
	      "  --frames N     headless: draw N frames, then exit\n"
	      "  --size WxH     headless terminal size (default 80x24)\n"
	      "  --dump         headless: print the last frame as text\n"
	      "  --bench N      headless: time the first frame and N keypress redraws\n", f);
}

static int parse_opts(struct cli *c, int argc, char **argv, struct tui_opts *o)
{
	memset(o, 0, sizeof *o);
	o->w = TUI_MIN_W;
	o->h = TUI_MIN_H;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--dump")) {
			o->dump = 1;
			continue;
		}
		if (!strcmp(a, "--theme") || !strcmp(a, "--script") || !strcmp(a, "--frames") ||
		    !strcmp(a, "--size") || !strcmp(a, "--bench")) {
			if (!v)
				return cli_error(c, CLI_USAGE, "option '%s' needs a value", a);
			i++;
			if (!strcmp(a, "--theme")) {
				o->theme = v;
			} else if (!strcmp(a, "--script")) {
				o->script = v;
				o->headless = 1;
			} else if (!strcmp(a, "--frames")) {
				if (util_parse_long(v, 1, 1000000, &o->frames))
					return cli_error(c, CLI_USAGE, "--frames: '%s' is not a count "
							 "1..1000000", v);
				o->headless = 1;
			} else if (!strcmp(a, "--bench")) {
				if (util_parse_long(v, 1, 1000000, &o->bench))
					return cli_error(c, CLI_USAGE, "--bench: '%s' is not a count "
							 "1..1000000", v);
				o->headless = 1;
			} else if (parse_size(v, &o->w, &o->h)) {
				return cli_error(c, CLI_USAGE, "--size: '%s' is not WxH", v);
			}
			continue;
		}
		return cli_error(c, CLI_USAGE, "tui: unknown option '%s'; see 'mentor tui --help'", a);
	}
	if (o->dump && !o->headless)
		o->frames = 1, o->headless = 1;
	return CLI_OK;
}

int cli_tui(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		usage(c->out);
		return CLI_OK;
	}
	struct tui_opts o;
	int rc = parse_opts(c, argc, argv, &o);
	if (rc != CLI_OK)
		return rc;
	char dd[PATH_MAX + 32], err[MENTOR_ERR_LEN] = "";
	o.db_path = c->db_path;
	o.data_dir = cli_data_dir(dd, sizeof dd);
	o.lang = cli_ui_lang(c, NULL, 0);
	o.out = c->out;
	if (tui_run(&o, err))
		return cli_error(c, CLI_ERR, "%s", err);
	return CLI_OK;
}
