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

static const struct cli_option tui_opts[] = {
	{"--theme", NULL, "NAME",
	 "theme (dark, light, high-contrast, monochrome; default $MENTOR_THEME or dark); "
	 "NO_COLOR forces monochrome",
	 "dark light high-contrast monochrome"},
	{"--script", NULL, "FILE",
	 "headless: run the keys of FILE, then exit (lines: key NAME..., type TEXT, resize W H, "
	 "click X Y, wheel up|down X Y, wake CODE [ARG], tick, # comment)",
	 NULL},
	{"--frames", NULL, "N", "headless: draw N frames, then exit", NULL},
	{"--size", NULL, "WxH", "headless terminal size (default 80x24)", NULL},
	{"--dump", NULL, NULL, "headless: print the last frame as text", NULL},
	{"--bench", NULL, "N", "headless: time the first frame and N keypress redraws", NULL},
	{0},
};

const struct cli_command cli_cmd_tui = {
	.name = "tui",
	.fn = cli_tui,
	.summary = "open the full-screen workbench (the default)",
	.usage = "mentor tui [OPTIONS]",
	.about = "Open the full-screen workbench on the workspace.",
	.opts = tui_opts,
};

static int parse_opts(struct cli *c, const struct cli_args *a, struct tui_opts *o)
{
	memset(o, 0, sizeof *o);
	o->w = TUI_MIN_W;
	o->h = TUI_MIN_H;
	if (cli_npos(a))
		return cli_error(c, CLI_USAGE, "tui takes no arguments, not '%s'", cli_pos(a, 0));
	for (int i = 0; i < a->n; i++) {
		const char *name = a->args[i].opt->name, *v = a->args[i].value;
		if (!strcmp(name, "--dump")) {
			o->dump = 1;
		} else if (!strcmp(name, "--theme")) {
			o->theme = v;
		} else if (!strcmp(name, "--script")) {
			o->script = v;
			o->headless = 1;
		} else if (!strcmp(name, "--frames")) {
			if (util_parse_long(v, 1, 1000000, &o->frames))
				return cli_error(c, CLI_USAGE,
						 "--frames: '%s' is not a count "
						 "1..1000000",
						 v);
			o->headless = 1;
		} else if (!strcmp(name, "--bench")) {
			if (util_parse_long(v, 1, 1000000, &o->bench))
				return cli_error(c, CLI_USAGE,
						 "--bench: '%s' is not a count "
						 "1..1000000",
						 v);
			o->headless = 1;
		} else if (parse_size(v, &o->w, &o->h)) {
			return cli_error(c, CLI_USAGE, "--size: '%s' is not WxH", v);
		}
	}
	if (o->dump && !o->headless)
		o->frames = 1, o->headless = 1;
	return CLI_OK;
}

int cli_tui(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_tui, argc, argv, &a))
		return a.exit;
	struct tui_opts o;
	int rc = parse_opts(c, &a, &o);
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
