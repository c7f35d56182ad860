/* fuzz_theme: the theme file parser and colour names (src/tui_theme.c), which
 * need no terminal. Input: a whole theme file. Properties: a failure says
 * why; every role keeps a valid style; a colour that parses is the default, an index below 256 or RGB, and
 * its nearest palette colour is inside the palette. */
#include <string.h>

#include "fuzz.h"
#include "tui_int.h"

static int color_ok(int c)
{
	return c == TUI_COLOR_DEFAULT || (c >= 0 && c < 256) || (c & ~0xffffff) == TUI_COLOR_RGB;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_theme t;
	tui_theme_default(&t);
	char err[MENTOR_ERR_LEN] = "";
	if (tui_theme_parse(&t, (const char *)data, size, err) != 0)
		FUZZ_CHECK(err[0] != '\0');
	for (int r = 0; r < TUI_ROLE_COUNT; r++) {
		FUZZ_CHECK(color_ok(t.role[r].fg) && color_ok(t.role[r].bg));
		FUZZ_CHECK(t.role[r].attrs < 32);
	}
	char *s = fuzz_strndup(data, size < 64 ? size : 64);
	int color = 0;
	if (tui_color_parse(s, &color) == 0) {
		FUZZ_CHECK(color_ok(color));
		static const int palettes[] = {8, 16, 88, 256};
		for (size_t i = 0; i < sizeof palettes / sizeof *palettes; i++) {
			int c = tui_color_nearest(color, palettes[i]);
			FUZZ_CHECK(c == TUI_COLOR_DEFAULT || (c >= 0 && c < palettes[i]));
		}
	}
	free(s);
	return 0;
}
