/* tui: the full-screen workbench. The command-line face only needs the entry
 * point (cli_tui, declared in mentor/cli.h) and the options it understands;
 * everything else of the TUI is private to the src/tui_*.c files
 * (src/tui_int.h). */
#ifndef MENTOR_TUI_H
#define MENTOR_TUI_H

#include "mentor/cli.h"

/* Smallest terminal the workbench draws into; below it a "terminal too small"
 * screen is shown until the terminal grows again. */
#define TUI_MIN_W 80
#define TUI_MIN_H 24

/* `mentor tui [OPTIONS]` (also what `mentor` alone runs):
 *   --theme NAME      theme file NAME.theme (default: $MENTOR_THEME, else dark)
 *   --script FILE     headless: read keys, resizes and clicks from FILE, then exit
 *   --frames N        headless: draw N frames with no input, then exit
 *   --size WxH        headless terminal size (default 80x24)
 *   --dump            headless: print the final screen as text on stdout
 *   --bench N         headless: time the first frame and N keypress redraws
 * The entry point is cli_tui() (mentor/cli.h), implemented in src/tui_app.c;
 * it returns CLI_OK, CLI_ERR or CLI_USAGE. */

#endif
