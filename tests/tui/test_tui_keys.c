/* test_tui_keys: key names both ways, key maps from defaults and the
 * [keys] section of the config file (other sections ignored), rebinding,
 * several keys per action, malformed and hostile config text. */
#include "test.h"
#include "tui_int.h"

enum { A_DOWN = TUI_ACT_SCREEN, A_UP, A_OPEN, A_SEARCH };
static const struct tui_action_def defs[] = {
	{A_DOWN, "down", "j, Down", "next"},
	{A_UP, "up", "k, Up", "previous"},
	{A_OPEN, "open", "Enter", "open"},
	{A_SEARCH, "search", "/", "search"},
};
#define ND (sizeof defs / sizeof defs[0])

static int key(const char *name)
{
	int k = -12345;
	if (tui_key_parse(name, &k))
		return -1;
	return k;
}

static void test_names(void)
{
	CHECK_INT(key("j"), 'j');
	CHECK_INT(key("J"), 'J');
	CHECK_INT(key("Enter"), TUI_KEY_ENTER);
	CHECK_INT(key("return"), TUI_KEY_ENTER);
	CHECK_INT(key("C-x"), 24);
	CHECK_INT(key("C-a"), 1);
	CHECK_INT(key("C-h"), TUI_KEY_BACKSPACE);
	CHECK_INT(key("C-i"), TUI_KEY_TAB);
	CHECK_INT(key("F5"), TUI_KEY_F0 + 5);
	CHECK_INT(key("F12"), TUI_KEY_F0 + 12);
	CHECK_INT(key("PgDn"), TUI_KEY_PGDN);
	CHECK_INT(key("Space"), ' ');
	CHECK_INT(key("Comma"), ',');
	CHECK_INT(key("あ"), 0x3042);
	CHECK_INT(key("="), '=');
	CHECK_INT(key(""), -1);
	CHECK_INT(key("Foo"), -1);
	CHECK_INT(key("F13"), -1);
	CHECK_INT(key("F0"), -1);
	CHECK_INT(key("C-"), -1);
	CHECK_INT(key("C-1"), -1);
	CHECK_INT(key("jj"), -1);
	CHECK_INT(key("\x01"), -1);
	CHECK_INT(key("\x1b"), -1);
	CHECK_INT(key("\xff"), -1);
	CHECK_INT(key("\xc2\x9b"), -1);
	CHECK_INT(key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), -1);
	/* every name we print parses back to the same key */
	static const int keys[] = {'j',
				   ' ',
				   ',',
				   0x3042,
				   1,
				   26,
				   TUI_KEY_UP,
				   TUI_KEY_PGDN,
				   TUI_KEY_ENTER,
				   TUI_KEY_ESC,
				   TUI_KEY_BTAB,
				   TUI_KEY_F0 + 1,
				   TUI_KEY_F0 + 12,
				   TUI_KEY_BACKSPACE,
				   TUI_KEY_DELETE};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char name[32];
		tui_key_name(keys[i], name, sizeof name);
		CHECK_MSG(key(name) == keys[i], "key %d named '%s'", keys[i], name);
	}
}

static void test_map(void)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	char err[MENTOR_ERR_LEN], buf[128];
	CHECK_INT(tui_keymap_build(&km, defs, ND, NULL, 0, err), 0);
	CHECK_INT(tui_keymap_lookup(&km, 'j'), A_DOWN);
	CHECK_INT(tui_keymap_lookup(&km, TUI_KEY_DOWN), A_DOWN);
	CHECK_INT(tui_keymap_lookup(&km, 'x'), TUI_ACT_NONE);
	CHECK_STR(tui_keymap_keys(&km, A_DOWN, buf, sizeof buf), "j, Down");

	const char *cfg = "[defaults]\nmodel = gpt\n"
			  "[keys]\n"
			  "# comment\n"
			  "down = n, C-n, PgDn\n"
			  "  open = Space , Enter  \n"
			  "search = j\n"              /* takes j from nobody: down lost it */
			  "unknown_action = z\n"      /* another map may know it */
			  "[provider x]\ndown = q\n"; /* not our section */
	CHECK_INT(tui_keymap_build(&km, defs, ND, cfg, strlen(cfg), err), 0);
	CHECK_INT(tui_keymap_lookup(&km, 'n'), A_DOWN);
	CHECK_INT(tui_keymap_lookup(&km, 14), A_DOWN);
	CHECK_INT(tui_keymap_lookup(&km, TUI_KEY_PGDN), A_DOWN);
	CHECK_INT(tui_keymap_lookup(&km, TUI_KEY_DOWN), TUI_ACT_NONE); /* replaced */
	CHECK_INT(tui_keymap_lookup(&km, ' '), A_OPEN);
	CHECK_INT(tui_keymap_lookup(&km, 'j'), A_SEARCH);
	CHECK_INT(tui_keymap_lookup(&km, '/'), TUI_ACT_NONE);
	CHECK_INT(tui_keymap_lookup(&km, 'q'), TUI_ACT_NONE);
	CHECK_INT(tui_keymap_lookup(&km, 'z'), TUI_ACT_NONE);
	CHECK_STR(tui_keymap_keys(&km, A_OPEN, buf, sizeof buf), "Space, Enter");

	/* a key given to another action leaves its old one */
	const char *steal = "[keys]\nup = j\n";
	CHECK_INT(tui_keymap_build(&km, defs, ND, steal, strlen(steal), err), 0);
	CHECK_INT(tui_keymap_lookup(&km, 'j'), A_UP);
	CHECK_STR(tui_keymap_keys(&km, A_DOWN, buf, sizeof buf), "Down");
	/* an empty value unbinds */
	const char *unbind = "[keys]\nsearch =\n";
	CHECK_INT(tui_keymap_build(&km, defs, ND, unbind, strlen(unbind), err), 0);
	CHECK_STR(tui_keymap_keys(&km, A_SEARCH, buf, sizeof buf), "");

	/* malformed: bad key names and missing '=' are counted and named */
	const char *bad = "[keys]\ndown = Foo, n\nnoequals\nup = F99\n";
	CHECK_INT(tui_keymap_build(&km, defs, ND, bad, strlen(bad), err), 3);
	CHECK(strstr(err, "line 2") && strstr(err, "Foo"));
	/* a line with a bad name changes nothing: down keeps its default keys */
	CHECK_INT(tui_keymap_lookup(&km, 'n'), TUI_ACT_NONE);
	CHECK_STR(tui_keymap_keys(&km, A_DOWN, buf, sizeof buf), "j, Down");

	/* hostile: NUL, very long line, many lines, binary, no newline */
	static const char nul[] = "[keys]\ndown = n\0x\nup = p";
	CHECK_INT(tui_keymap_build(&km, defs, ND, nul, sizeof nul - 1, err), 1);
	CHECK_INT(tui_keymap_lookup(&km, 'p'), A_UP);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "[keys]\ndown = ");
	for (int i = 0; i < 3000; i++)
		buf_puts(&b, "n, ");
	buf_puts(&b, "\n");
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "up = k, Up, j\n");
	for (int i = 0; i < 5000; i++)
		buf_putc(&b, (i * 131) % 256);
	int nb = tui_keymap_build(&km, defs, ND, b.data, b.len, err);
	CHECK(nb >= 1);
	CHECK_INT(tui_keymap_lookup(&km, 'k'), A_UP);
	CHECK(km.n < 64); /* rebinding never grows the table without bound */
	buf_release(&b);
	tui_keymap_release(&km);
	tui_keymap_release(&km);
}

static void test_global(void)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	char err[MENTOR_ERR_LEN];
	CHECK_INT(tui_keymap_build(&km, tui_global_actions, tui_n_global_actions, NULL, 0, err), 0);
	CHECK_INT(tui_keymap_lookup(&km, 'q'), TUI_ACT_QUIT);
	/* never without a way out: a bad or empty quit keeps its keys */
	const char *noquit = "[keys]\nquit =\n";
	CHECK_INT(tui_keymap_build(&km, tui_global_actions, tui_n_global_actions, noquit,
				   strlen(noquit), err),
		  1);
	CHECK(strstr(err, "quit has no key left") != NULL);
	CHECK_INT(tui_keymap_lookup(&km, 'q'), TUI_ACT_QUIT);
	const char *badquit = "[keys]\nquit = Qx\nhelp = H\n";
	CHECK_INT(tui_keymap_build(&km, tui_global_actions, tui_n_global_actions, badquit,
				   strlen(badquit), err),
		  1);
	CHECK_INT(tui_keymap_lookup(&km, 'q'), TUI_ACT_QUIT);
	CHECK_INT(tui_keymap_lookup(&km, 'H'), TUI_ACT_HELP);
	const char *moved = "[keys]\nquit = Q\n";
	CHECK_INT(tui_keymap_build(&km, tui_global_actions, tui_n_global_actions, moved,
				   strlen(moved), err),
		  0);
	CHECK_INT(tui_keymap_lookup(&km, 'Q'), TUI_ACT_QUIT);
	CHECK_INT(tui_keymap_lookup(&km, 'q'), TUI_ACT_NONE);

	/* every bad line is listed, against all the maps at once */
	const struct tui_action_def *sets[] = {tui_global_actions, defs};
	const size_t set_n[] = {tui_n_global_actions, ND};
	const char *many = "[keys]\nquit = Qx\nqiut = q\nnoequals\ndown = n\nsearch = F99\n";
	char msg[MENTOR_ERR_LEN];
	CHECK_INT(tui_keys_check(many, strlen(many), sets, set_n, 2, I18N_EN, msg, sizeof msg), 4);
	CHECK(strstr(msg, "4 bad lines") && strstr(msg, "line 2: unknown key 'Qx'") &&
	      strstr(msg, "line 3: unknown action 'qiut'") && strstr(msg, "line 4: missing '='") &&
	      strstr(msg, "line 6: unknown key 'F99'") && !strstr(msg, "line 5"));
	/* in Japanese: the same lines, the same numbers */
	CHECK_INT(tui_keys_check(many, strlen(many), sets, set_n, 2, I18N_JA, msg, sizeof msg), 4);
	CHECK(strstr(msg, "設定 [keys] の誤った行 4 件"));
	CHECK(strstr(msg, "2 行目: 不明なキー 'Qx'") && strstr(msg, "3 行目: 不明な動作 'qiut'"));
	CHECK(strstr(msg, "4 行目: '=' がありません") && strstr(msg, "6 行目: 不明なキー 'F99'"));
	CHECK(!strstr(msg, "5 行目") && !strstr(msg, "line"));
	CHECK_INT(tui_keys_check(moved, strlen(moved), sets, set_n, 2, I18N_EN, msg, sizeof msg),
		  0);
	CHECK_STR(msg, "");
	CHECK_INT(tui_keys_check(NULL, 0, sets, set_n, 2, I18N_EN, msg, sizeof msg), 0);
	CHECK_INT(tui_keymap_lookup(&km, '?'), TUI_ACT_HELP);
	CHECK_INT(tui_keymap_lookup(&km, '1'), TUI_ACT_SCREEN1);
	CHECK_INT(tui_keymap_lookup(&km, 'm'), TUI_ACT_MOUSE);
	/* every default key of every global action parses */
	for (size_t i = 0; i < tui_n_global_actions; i++) {
		char buf[64];
		CHECK(tui_keymap_keys(&km, tui_global_actions[i].id, buf, sizeof buf)[0] != '\0');
	}
	tui_keymap_release(&km);
}

int main(void)
{
	test_names();
	test_map();
	test_global();
	return test_done();
}
