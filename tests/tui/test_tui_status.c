/* test_tui_status: what the workbench says about itself, without a terminal.
 * Notices have their own role in the status bar; a text entry shows its own
 * keys and places the cursor after its text; the help box has corners, a
 * scroll cue, and descriptions that wrap instead of being cut at 80 columns;
 * the too-small screen says all of it down to 20 columns; the Items
 * selection bar is whole; the Train screen never says a run that never
 * started resumes from a checkpoint, and says what quitting leaves behind. */
#include <locale.h>

#include "mentor/store.h"
#include "test.h"
#include "tui_int.h"

static void line_free(struct tui_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->spans[i].text);
	free(l->spans);
	memset(l, 0, sizeof *l);
}

static void test_notice(void)
{
	struct tui_line hints = {0}, l = {0};
	tui_line_put(&hints, TUI_ROLE_KEY, "/");
	tui_line_put(&hints, TUI_ROLE_STATUS, " search");
	tui_frame_status(&l, &hints, "item 1/3", "run 4 deleted", TUI_ROLE_NOTICE, 80, 1);
	int notice = 0, error = 0;
	for (size_t i = 0; i < l.n; i++) {
		notice |= l.spans[i].role == TUI_ROLE_NOTICE && strstr(l.spans[i].text, "deleted");
		error |= l.spans[i].role == TUI_ROLE_ERROR;
	}
	CHECK(notice && !error);
	CHECK_INT(l.width, 80);
	line_free(&l);
	line_free(&hints);
	/* the role has a name for theme files, and a default look of its own */
	CHECK_INT(tui_role_lookup("notice"), TUI_ROLE_NOTICE);
	struct tui_theme t;
	tui_theme_default(&t);
	CHECK(t.role[TUI_ROLE_NOTICE].attrs != t.role[TUI_ROLE_ERROR].attrs);
}

static void test_entry(void)
{
	struct tui_line h = {0};
	tui_entry_hints(&h, "search", "re:PATTERN for a regex", I18N_EN);
	char *p = tui_line_plain(&h);
	CHECK(strstr(p, "Enter search") && strstr(p, "Esc cancel") &&
	      strstr(p, "Backspace delete") && strstr(p, "re:PATTERN"));
	CHECK(!strstr(p, "quit") && !strstr(p, "help"));
	free(p);
	line_free(&h);

	/* the words in Japanese */
	struct tui_line j = {0};
	tui_entry_hints(&j, "search", "re:PATTERN for a regex", I18N_JA);
	p = tui_line_plain(&j);
	CHECK(strstr(p, "Enter 検索") && strstr(p, "Esc 取消") && strstr(p, "Backspace 削除") &&
	      strstr(p, "re:パターン"));
	free(p);
	line_free(&j);
	/* a hint cut at a wide character ends the hints: no key after it */
	struct tui_line hs = {0}, bar = {0};
	tui_line_put(&hs, TUI_ROLE_KEY, "z");
	tui_line_put(&hs, TUI_ROLE_STATUS, " 拡大  ");
	tui_line_put(&hs, TUI_ROLE_KEY, "?");
	tui_line_put(&hs, TUI_ROLE_STATUS, " ヘルプ");
	tui_frame_status(&bar, &hs, NULL, NULL, TUI_ROLE_ERROR, 6, 1);
	p = tui_line_plain(&bar);
	CHECK_STR(p, " z 拡 ");
	CHECK_INT(bar.width, 6);
	free(p);
	line_free(&hs);
	line_free(&bar);

	/* the cursor follows the text; a long text shows its end */
	struct tui_line l = {0};
	CHECK_INT(tui_entry_line(&l, TUI_ROLE_TITLE, "Ask: ", "東京 abc", 40, 1), 5 + 8);
	CHECK_INT(l.width, 40);
	line_free(&l);
	char long_text[300];
	memset(long_text, 'x', sizeof long_text - 2);
	long_text[sizeof long_text - 2] = 'Z';
	long_text[sizeof long_text - 1] = '\0';
	int x = tui_entry_line(&l, TUI_ROLE_TITLE, "Search: ", long_text, 30, 1);
	CHECK_INT(x, 29);
	CHECK_INT(l.width, 30);
	p = tui_line_plain(&l);
	CHECK(strstr(p, "xZ ") != NULL);
	free(p);
	line_free(&l);
	/* escapes count for what they show */
	CHECK_INT(tui_entry_line(&l, TUI_ROLE_TITLE, "> ", "\x1b", 20, 1), 2 + 4);
	line_free(&l);

	/* the Items screen puts the terminal cursor after the search text */
	struct store_item it;
	memset(&it, 0, sizeof it);
	it.id = 1;
	it.split = "train";
	it.question = "What is 2 + 2?";
	struct tui_items_view v;
	memset(&v, 0, sizeof v);
	v.dataset = "arith";
	v.filters = "";
	v.search = "";
	v.count = 1;
	v.rows = &it;
	v.n_rows = 1;
	v.utf8 = 1;
	struct tui_canvas cv = {0};
	CHECK_INT(tui_canvas_init(&cv, 80, 22), 0);
	tui_items_render(&v, &cv, (struct tui_rect){0, 1, 80, 20});
	CHECK_INT(cv.cur_x, -1);
	v.editing = 1;
	v.input = "りんご";
	tui_items_render(&v, &cv, (struct tui_rect){0, 1, 80, 20});
	CHECK_INT(cv.cur_x, 8 + 6);
	CHECK_INT(cv.cur_y, 1);
	/* a new frame hides it until an entry shows it again */
	CHECK_INT(tui_canvas_init(&cv, 80, 22), 0);
	CHECK_INT(cv.cur_x, -1);
	tui_canvas_cursor(&cv, 80, 3);
	CHECK_INT(cv.cur_x, -1);
	tui_canvas_release(&cv);
}

/* Every row of the list's selected line is in the selection's role (escapes
 * of data keep theirs). */
static void test_selection_bar(void)
{
	struct store_item it[3];
	memset(it, 0, sizeof it);
	struct tui_item_summary sums[3];
	memset(sums, 0, sizeof sums);
	for (int i = 0; i < 3; i++) {
		it[i].id = 10 + i;
		it[i].split = "train";
		it[i].question = "How many apples?";
	}
	sums[0].n = -1; /* not known */
	sums[2].n = 1, sums[2].pending = 1, sums[2].shown_right = 1;
	for (int sel = 0; sel < 3; sel++)
		for (int focus = 0; focus < 2; focus++) {
			struct tui_items_view v;
			memset(&v, 0, sizeof v);
			v.count = 3;
			v.sel = sel;
			v.rows = it;
			v.sums = sums;
			v.n_rows = 3;
			v.focus = focus;
			v.utf8 = 1;
			struct tui_lines ls;
			tui_lines_init(&ls);
			tui_items_list_lines(&v, 40, 3, &ls);
			CHECK_INT((int)ls.n, 3);
			int want = focus ? TUI_ROLE_CURSOR : TUI_ROLE_SELECTED;
			const struct tui_line *l = &ls.v[sel];
			CHECK_INT(l->width, 40);
			for (size_t i = 0; i < l->n; i++)
				CHECK_MSG(l->spans[i].role == want, "sel %d span '%s' role %d", sel,
					  l->spans[i].text, l->spans[i].role);
			tui_lines_release(&ls);
		}
}

static void test_help(void)
{
	const struct tui_screen_ops *screens[] = {&tui_items_screen, &tui_review_screen,
						  &tui_train_screen, &tui_inspect_screen};
	struct tui_keymap gkm;
	tui_keymap_init(&gkm);
	char err[MENTOR_ERR_LEN];
	tui_keymap_build(&gkm, tui_global_actions, tui_n_global_actions, NULL, 0, err);
	const int widths[] = {tui_help_width(80), tui_help_width(100), tui_help_width(200)};
	for (size_t s = 0; s < 4; s++)
		for (size_t wi = 0; wi < 3; wi++) {
			int w = widths[wi];
			struct tui_keymap skm;
			tui_keymap_init(&skm);
			tui_keymap_build(&skm, screens[s]->actions, screens[s]->n_actions, NULL, 0,
					 err);
			struct tui_lines ls;
			tui_lines_init(&ls);
			tui_help_lines(&ls, screens[s]->title, screens[s]->actions,
				       screens[s]->n_actions, &skm, tui_global_actions,
				       tui_n_global_actions, &gkm, w, I18N_EN);
			struct buf all;
			buf_init(&all);
			for (size_t i = 0; i < ls.n; i++) {
				CHECK_MSG(ls.v[i].width <= w, "%s width %d line %zu: %d",
					  screens[s]->title, w, i, ls.v[i].width);
				char *t = tui_line_plain(&ls.v[i]);
				buf_printf(&all, "%s ", t);
				free(t);
			}
			/* no description is cut: each of its words shows, and no
			 * ellipsis stands in for the rest */
			for (size_t a = 0; a < screens[s]->n_actions; a++) {
				char words[256];
				snprintf(words, sizeof words, "%s", screens[s]->actions[a].help);
				char *save = NULL;
				for (char *wd = strtok_r(words, " ", &save); wd;
				     wd = strtok_r(NULL, " ", &save))
					CHECK_MSG(strstr(all.data, wd) != NULL,
						  "%s width %d: '%s' of '%s'", screens[s]->title, w,
						  wd, screens[s]->actions[a].help);
			}
			CHECK_MSG(!strstr(all.data, "\xe2\x80\xa6 "), "%s width %d: cut",
				  screens[s]->title, w);
			buf_release(&all);
			tui_lines_release(&ls);
			tui_keymap_release(&skm);
		}
	tui_keymap_release(&gkm);

	/* the box: corners, and a cue that says what is hidden and how to see it */
	struct tui_lines ls;
	tui_lines_init(&ls);
	for (int i = 0; i < 40; i++) {
		char t[32];
		snprintf(t, sizeof t, "line %d", i);
		tui_line_put(tui_lines_add(&ls), TUI_ROLE_NORMAL, t);
	}
	struct tui_canvas cv = {0};
	tui_canvas_init(&cv, 80, 24);
	size_t top = 0;
	tui_help_box(&cv, "Items", &ls, &top, 1, I18N_EN);
	char *r = tui_canvas_row(&cv, 2);
	CHECK(strncmp(r + 4, "\xe2\x94\x8c", 3) == 0);
	CHECK(strstr(r, "Help: Items") != NULL);
	CHECK(strstr(r, "\xe2\x94\x90") != NULL);
	CHECK(strstr(r, "more above") == NULL);
	free(r);
	r = tui_canvas_row(&cv, 21);
	CHECK(strncmp(r + 4, "\xe2\x94\x94", 3) == 0);
	CHECK(strstr(r, "\xe2\x94\x98") != NULL);
	CHECK_MSG(strstr(r, "22 more below: j, Down") != NULL, "%s", r);
	free(r);
	top = 1000; /* clamped to the last page */
	tui_help_box(&cv, "Items", &ls, &top, 1, I18N_EN);
	CHECK_INT((int)top, 40 - 18);
	r = tui_canvas_row(&cv, 2);
	CHECK(strstr(r, "22 more above: k, Up") != NULL);
	free(r);
	r = tui_canvas_row(&cv, 21);
	CHECK(strstr(r, "more below") == NULL);
	free(r);
	r = tui_canvas_row(&cv, 20);
	CHECK(strstr(r, "line 39") != NULL);
	free(r);
	/* ASCII corners without UTF-8 */
	tui_help_box(&cv, "Items", &ls, &top, 0, I18N_EN);
	r = tui_canvas_row(&cv, 21);
	CHECK(r[4] == '+' && strstr(r, "more") == NULL && strchr(r + 5, '+') != NULL);
	free(r);
	tui_lines_release(&ls);
	tui_canvas_release(&cv);
}

/* The canvas as one line of words (rows joined, runs of spaces as one). */
static char *words(const struct tui_canvas *cv)
{
	struct buf b;
	buf_init(&b);
	for (int y = 0; y < cv->h; y++) {
		char *r = tui_canvas_row(cv, y);
		for (const char *p = r; *p; p++)
			if (*p != ' ' || (b.len && b.data[b.len - 1] != ' '))
				buf_putc(&b, *p);
		if (b.len && b.data[b.len - 1] != ' ')
			buf_putc(&b, ' ');
		free(r);
	}
	buf_putc(&b, '\0');
	return b.data;
}

static void test_too_small(void)
{
	struct tui_canvas cv = {0};
	for (int w = 20; w < 80; w += 3)
		for (int h = 6; h < 24; h += 5) {
			tui_canvas_init(&cv, w, h);
			tui_frame_too_small(&cv, NULL, I18N_EN);
			char want[96];
			snprintf(want, sizeof want, "terminal too small: have %dx%d, need 80x24", w,
				 h);
			char *t = words(&cv);
			CHECK_MSG(strstr(t, want) &&
					  strstr(t, "enlarge the window, or press q to quit"),
				  "%dx%d: %s", w, h, t);
			free(t);
			tui_frame_too_small(&cv, "Quit? y/n", I18N_EN);
			char *last = tui_canvas_row(&cv, h - 1);
			CHECK_MSG(strstr(last, "Quit? y/n") != NULL, "%dx%d", w, h);
			free(last);
			t = words(&cv);
			CHECK_MSG(strstr(t, want) != NULL, "%dx%d with a question: %s", w, h, t);
			free(t);
		}
	tui_canvas_release(&cv);
}

static void test_train_notes(void)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.id = 3;
	r.status = "queued";
	char b[256];
	tui_train_start_note(&r, 1, 0, I18N_EN, b, sizeof b);
	CHECK_STR(b, "run 3 starts in the background");
	tui_train_start_note(&r, 0, 2, I18N_EN, b, sizeof b);
	CHECK_STR(b, "run 3 queued: it starts when run 2 ends");
	/* a recorded path without a step reached: nothing to resume from */
	r.checkpoint = "/tmp/x.runs/3/ckpt.bin";
	r.status = "stopped";
	tui_train_start_note(&r, 1, 0, I18N_EN, b, sizeof b);
	CHECK(!strstr(b, "checkpoint") && strstr(b, "starts"));
	r.step = 40;
	tui_train_start_note(&r, 1, 0, I18N_EN, b, sizeof b);
	CHECK_STR(b, "run 3 resumes from its checkpoint at step 40 in the background");
	tui_train_start_note(&r, 0, 12, I18N_EN, b, sizeof b);
	CHECK_STR(b, "run 3 queued: it resumes from its checkpoint at step 40 when run 12 ends");
	tui_train_start_note(&r, 0, 12, I18N_JA, b, sizeof b);
	CHECK_STR(b, "実行 3 は待機中: ステップ 40 のチェックポイントから、"
		     "実行 12 の終了後に再開します");

	CHECK_INT(tui_train_quit_note(0, 0, 0, I18N_EN, b, sizeof b), 0);
	CHECK_STR(b, "");
	CHECK_INT(tui_train_quit_note(7, 1, 0, I18N_EN, b, sizeof b), 1);
	CHECK_STR(b, "run 7 keeps training");
	CHECK_INT(tui_train_quit_note(0, 0, 1, I18N_EN, b, sizeof b), 1);
	CHECK_STR(b, "1 queued run waits for the next workbench");
	CHECK_INT(tui_train_quit_note(1234, 2, 256, I18N_EN, b, sizeof b), 1);
	CHECK_STR(b, "2 runs keep training; 256 queued runs wait for the next workbench");
	CHECK_INT(tui_train_quit_note(1234, 2, 256, I18N_JA, b, sizeof b), 1);
	CHECK_STR(b, "実行 2 件は学習を続けます; 待機中の実行 256 件は次回の起動時に開始");
	/* the question fits an 80-column status bar whole */
	char q[300];
	tui_train_quit_note(1234, 1, 256, I18N_EN, b, sizeof b);
	snprintf(q, sizeof q, "Quit? y/n: %s", b);
	CHECK_MSG(strlen(q) <= 79, "%zu: %s", strlen(q), q);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8") || !tui_locale_utf8())
		TEST_SKIP("no C.UTF-8 locale");
	test_notice();
	test_entry();
	test_selection_bar();
	test_help();
	test_too_small();
	test_train_notes();
	return test_done();
}
