/* test_tui_theme: theme files (good, malformed, hostile, too large), role
 * by role fallback, colour names and nearest colours on 8/16/256-colour
 * terminals, the shipped themes, monochrome and NO_COLOR. */
#include "test.h"
#include "tui_int.h"

static int parse(struct tui_theme *t, const char *text, char *err)
{
	tui_theme_default(t);
	return tui_theme_parse(t, text, strlen(text), err);
}

static void test_colors(void)
{
	int c;
	CHECK_INT(tui_color_parse("red", &c), 0);
	CHECK_INT(c, 1);
	CHECK_INT(tui_color_parse("bright-white", &c), 0);
	CHECK_INT(c, 15);
	CHECK_INT(tui_color_parse("BRIGHT_BLUE", &c), 0);
	CHECK_INT(c, 12);
	CHECK_INT(tui_color_parse("brightred", &c), 0);
	CHECK_INT(c, 9);
	CHECK_INT(tui_color_parse("grey", &c), 0);
	CHECK_INT(c, 8);
	CHECK_INT(tui_color_parse("default", &c), 0);
	CHECK_INT(c, TUI_COLOR_DEFAULT);
	CHECK_INT(tui_color_parse("255", &c), 0);
	CHECK_INT(c, 255);
	CHECK_INT(tui_color_parse("#FF8000", &c), 0);
	CHECK_INT(c, TUI_COLOR_RGB | 0xff8000);
	CHECK(tui_color_parse("256", &c) != 0);
	CHECK(tui_color_parse("-1", &c) != 0);
	CHECK(tui_color_parse("#ff80", &c) != 0);
	CHECK(tui_color_parse("#gg0000", &c) != 0);
	CHECK(tui_color_parse("purple", &c) != 0);
	CHECK(tui_color_parse("", &c) != 0);
	CHECK(tui_color_parse("99999999999999999999", &c) != 0);

	/* nearest: a colour the terminal has stays; others map by RGB */
	CHECK_INT(tui_color_nearest(4, 8), 4);
	CHECK_INT(tui_color_nearest(TUI_COLOR_RGB | 0xff0000, 256), 196);
	CHECK_INT(tui_color_nearest(TUI_COLOR_RGB | 0xff0000, 16), 9);
	CHECK_INT(tui_color_nearest(TUI_COLOR_RGB | 0xff0000, 8), 1);
	CHECK_INT(tui_color_nearest(9, 8), 1); /* bright-red -> red */
	CHECK_INT(tui_color_nearest(196, 16), 9);
	CHECK_INT(tui_color_nearest(TUI_COLOR_RGB | 0x080808, 256), 232);          /* grey ramp */
	CHECK_INT(tui_color_nearest(TUI_COLOR_RGB | 0x123456, 1 << 24), 0x123456); /* direct */
	CHECK_INT(tui_color_nearest(TUI_COLOR_DEFAULT, 256), -1);
	/* grey on 8 colours must not become black (unreadable on black) */
	CHECK_INT(tui_color_nearest(8, 8), 7);
}

static void test_parse(void)
{
	struct tui_theme t;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(&t,
			"# comment\n\nname = mine\nstatus = white on blue bold\n"
			"selected=black on #00ffff reverse underline\r\n"
			"[section headers are ignored]\n; also comments\n"
			"tab-active = bold\n",
			err),
		  0);
	CHECK_STR(t.name, "mine");
	CHECK_INT(t.role[TUI_ROLE_STATUS].fg, 7);
	CHECK_INT(t.role[TUI_ROLE_STATUS].bg, 4);
	CHECK_INT(t.role[TUI_ROLE_STATUS].attrs, TUI_ATTR_BOLD);
	CHECK_INT(t.role[TUI_ROLE_SELECTED].bg, TUI_COLOR_RGB | 0x00ffff);
	CHECK_INT(t.role[TUI_ROLE_SELECTED].attrs, TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE);
	CHECK_INT(t.role[TUI_ROLE_TAB_ACTIVE].attrs, TUI_ATTR_BOLD);
	CHECK_INT(t.role[TUI_ROLE_TAB_ACTIVE].fg, TUI_COLOR_DEFAULT);
	/* roles not named keep the built-in default */
	CHECK_INT(t.role[TUI_ROLE_ERROR].attrs, TUI_ATTR_BOLD | TUI_ATTR_REVERSE);
	CHECK_INT(parse(&t, "error = on red\nescaped = bold red\n", err), 0);
	CHECK_INT(t.role[TUI_ROLE_ERROR].bg, 1);
	CHECK_INT(t.role[TUI_ROLE_ESCAPED].fg, 1);
	CHECK_INT(t.role[TUI_ROLE_ESCAPED].attrs, TUI_ATTR_BOLD);

	/* malformed lines: counted, the first described, their roles untouched */
	CHECK_INT(parse(&t,
			"status = purple\nselected = red on\nnoequals\nwat = red\n"
			"title = red on blue on green\ncorrect = green\n",
			err),
		  5);
	CHECK(strstr(err, "line 1") && strstr(err, "purple"));
	CHECK_INT(t.role[TUI_ROLE_STATUS].attrs, TUI_ATTR_REVERSE);
	CHECK_INT(t.role[TUI_ROLE_STATUS].fg, TUI_COLOR_DEFAULT);
	CHECK_INT(t.role[TUI_ROLE_CORRECT].fg, 2); /* good lines still apply */

	/* hostile: NUL, very long line, binary, too large */
	static const char nul[] = "status = red\0blue\ntitle = green\n";
	tui_theme_default(&t);
	CHECK_INT(tui_theme_parse(&t, nul, sizeof nul - 1, err), 1);
	CHECK_INT(t.role[TUI_ROLE_TITLE].fg, 2);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "status = ");
	for (int i = 0; i < 5000; i++)
		buf_puts(&b, "red ");
	buf_puts(&b, "\ntitle = blue\n");
	tui_theme_default(&t);
	CHECK_INT(tui_theme_parse(&t, b.data, b.len, err), 1);
	CHECK(strstr(err, "too long") != NULL);
	CHECK_INT(t.role[TUI_ROLE_TITLE].fg, 4);
	buf_reset(&b);
	for (int i = 0; i < 70000; i++)
		buf_putc(&b, (i * 7919) % 256);
	tui_theme_default(&t);
	CHECK_INT(tui_theme_parse(&t, b.data, b.len, err), -1);
	CHECK(strstr(err, "too large") != NULL);
	buf_reset(&b);
	for (int i = 0; i < 20000; i++)
		buf_putc(&b, (i * 7919) % 256);
	tui_theme_default(&t);
	CHECK(tui_theme_parse(&t, b.data, b.len, err) >= 0);
	buf_release(&b);
	/* truncated: a line without its newline still counts */
	CHECK_INT(parse(&t, "status = red on", err), 1);

	/* monochrome drops colours, keeps attributes */
	CHECK_INT(parse(&t, "status = white on blue bold\n", err), 0);
	tui_theme_monochrome(&t);
	CHECK_INT(t.role[TUI_ROLE_STATUS].fg, TUI_COLOR_DEFAULT);
	CHECK_INT(t.role[TUI_ROLE_STATUS].bg, TUI_COLOR_DEFAULT);
	CHECK_INT(t.role[TUI_ROLE_STATUS].attrs, TUI_ATTR_BOLD);

	for (int i = 0; i < TUI_ROLE_COUNT; i++)
		CHECK_INT(tui_role_lookup(tui_role_name(i)), i);
	CHECK_INT(tui_role_lookup("nope"), -1);
	CHECK(tui_role_name(TUI_ROLE_COUNT) == NULL);
}

static void test_load(void)
{
	char dir[1024], err[MENTOR_ERR_LEN];
	snprintf(dir, sizeof dir, "%s/themes", MENTOR_SOURCE_DIR);
	const char *dirs[] = {test_tmpdir(), dir, NULL};
	static const char *const shipped[] = {"dark", "light", "high-contrast", "monochrome"};
	struct tui_theme t;
	for (size_t i = 0; i < 4; i++) {
		CHECK_MSG(tui_theme_load(&t, shipped[i], dirs, err) == 0, "%s: %s", shipped[i],
			  err);
		CHECK_STR(t.name, shipped[i]);
	}
	/* notices: named by every shipped theme, never the error's look and
	 * never on red */
	for (size_t i = 0; i < 4; i++) {
		char path[1200];
		snprintf(path, sizeof path, "%s/%s.theme", dir, shipped[i]);
		size_t len;
		char *text = util_read_file(path, 1 << 16, &len, err);
		CHECK_MSG(text && strstr(text, "\nnotice = "), "%s names no notice", shipped[i]);
		free(text);
		CHECK_INT(tui_theme_load(&t, shipped[i], dirs, err), 0);
		const struct tui_style *n = &t.role[TUI_ROLE_NOTICE], *e = &t.role[TUI_ROLE_ERROR];
		CHECK_MSG(n->fg != e->fg || n->bg != e->bg || n->attrs != e->attrs, "%s",
			  shipped[i]);
		CHECK_MSG(n->bg != 1 && n->bg != 9 && n->bg != (TUI_COLOR_RGB | 0xff0000), "%s",
			  shipped[i]);
	}
	CHECK_INT(tui_theme_load(&t, "dark", dirs, err), 0);
	CHECK(t.role[TUI_ROLE_STATUS].bg != TUI_COLOR_DEFAULT);
	/* the monochrome file has no colour at all, and every state role is
	 * distinguishable by more than colour (markers carry the state) */
	CHECK_INT(tui_theme_load(&t, "monochrome", dirs, err), 0);
	for (int i = 0; i < TUI_ROLE_COUNT; i++)
		CHECK(t.role[i].fg == TUI_COLOR_DEFAULT && t.role[i].bg == TUI_COLOR_DEFAULT);
	/* the user's directory wins; its bad line is reported, the rest applies */
	test_write_file(test_path("dark.theme"), "status = red\nbogus\n", 19);
	CHECK(tui_theme_load(&t, "dark", dirs, err) != 0);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK_INT(t.role[TUI_ROLE_STATUS].fg, 1);
	CHECK_INT(t.role[TUI_ROLE_TITLE].attrs, TUI_ATTR_BOLD); /* fallback */
	/* hostile names never leave the theme directories */
	CHECK(tui_theme_load(&t, "../../etc/passwd", dirs, err) != 0);
	CHECK(tui_theme_load(&t, "", dirs, err) != 0);
	CHECK(tui_theme_load(&t, "missing", dirs, err) != 0);
	CHECK(strstr(err, "missing.theme") != NULL);
	CHECK_INT(t.role[TUI_ROLE_SELECTED].attrs, TUI_ATTR_REVERSE);
	/* monochrome works without any file */
	const char *none[] = {NULL};
	CHECK_INT(tui_theme_load(&t, "monochrome", none, err), 0);
}

static void test_pick(void)
{
	int mono;
	CHECK_STR(tui_theme_pick(NULL, NULL, NULL, &mono), "dark");
	CHECK_INT(mono, 0);
	CHECK_STR(tui_theme_pick(NULL, "light", NULL, &mono), "light");
	CHECK_STR(tui_theme_pick("high-contrast", "light", "", &mono), "high-contrast");
	CHECK_INT(mono, 0); /* NO_COLOR empty does not count */
	CHECK_STR(tui_theme_pick("light", NULL, "1", &mono), "monochrome");
	CHECK_INT(mono, 1);
	CHECK_STR(tui_theme_pick("monochrome", NULL, NULL, &mono), "monochrome");
	CHECK_INT(mono, 1);
}

int main(void)
{
	test_colors();
	test_parse();
	test_load();
	test_pick();
	return test_done();
}
