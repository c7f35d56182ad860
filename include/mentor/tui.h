/* tui: the full-screen workbench. Its face to the rest of mentor is one
 * entry point, tui_run(), with the options `mentor tui` parsed (src/cli_tui.c);
 * everything else of the TUI is private to the src/tui_*.c files
 * (src/tui_int.h). */
#ifndef MENTOR_TUI_H
#define MENTOR_TUI_H

#include <stdio.h>

#include "mentor/util.h"

/* Smallest terminal the workbench draws into; below it a "terminal too small"
 * screen is shown until the terminal grows again. */
#define TUI_MIN_W 80
#define TUI_MIN_H 24

/* What `mentor tui [OPTIONS]` asks for (see 'mentor tui --help'). */
struct tui_opts {
	const char *db_path;  /* the workspace (must not be NULL) */
	const char *data_dir; /* bundled data; themes are read from DATA_DIR/themes */
	const char *theme;    /* --theme NAME, or NULL: $MENTOR_THEME, else dark */
	const char *script;   /* --script FILE: headless, keys from FILE */
	long frames;          /* --frames N: headless, draw N frames (0: no limit) */
	long bench;           /* --bench N: time the first frame and N redraws */
	int w, h;             /* --size WxH of the headless terminal */
	int dump;             /* --dump: print the last frame as text */
	int headless;         /* no terminal: --script, --frames, --bench or --dump */
	int lang;             /* UI language, I18N_EN or I18N_JA */
	FILE *out;            /* where --dump and --bench print (NULL: stdout) */
};

/* Open the workbench on o->db_path and run it until the user quits (or, when
 * headless, until the script and frames are done). Returns 0, or MENTOR_ERR
 * with err filled (the terminal is restored before it returns). */
int tui_run(const struct tui_opts *o, char *err);

#endif
