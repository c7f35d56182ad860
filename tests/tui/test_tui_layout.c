/* test_tui_layout: what the panes show for a given state and size, without a
 * terminal: the Items screen at 80x24 and 200x60 (list, header, detail with
 * Japanese text wrapped and control characters escaped), the tab bar, the
 * status bar, the help overlay lines and the too-small screen. */
#include <locale.h>

#include "mentor/store.h"
#include "test.h"
#include "tui_int.h"

static struct store_item rows[40];
static struct tui_item_summary sums[40];
static char qbuf[40][160];

static void make_rows(void)
{
	for (int i = 0; i < 40; i++) {
		memset(&rows[i], 0, sizeof rows[i]);
		rows[i].id = 1000 + i;
		rows[i].split = i % 5 == 0 ? "test" : "train";
		rows[i].answer = "18";
		rows[i].answer_type = "number";
		rows[i].ext_id = "x";
		snprintf(qbuf[i], sizeof qbuf[i],
			 "Question %d: how many apples are left when "
			 "Tom eats some of them?",
			 i);
		rows[i].question = qbuf[i];
		sums[i].n = i % 4 == 1 ? 1 : 0;
		sums[i].accepted = i == 1;
		sums[i].rejected = i == 5;
		sums[i].correct = i == 1;
		sums[i].wrong = i == 5;
		sums[i].shown_right = i == 1;
		sums[i].shown_wrong = i == 5;
	}
	rows[2].question =
		"りんごが3個あります。2個食べると、残りは何個ですか？りんごが3個あります。";
	rows[3].question = "Escape \x1b[2J\x1b[31mred\x07 and \xc2\x9b C1";
}

static struct store_expl expls[2];

static void make_view(struct tui_items_view *v, int64_t sel, int64_t top)
{
	memset(v, 0, sizeof *v);
	v->dataset = "gsm8k (1/2)";
	v->filters = "split:any review:any mode:any result:any leaked:any";
	v->search = "";
	v->count = 100000;
	v->sel = sel;
	v->top = top;
	v->rows = &rows[top];
	v->sums = &sums[top];
	v->n_rows = (size_t)(40 - top);
	v->detail = &rows[sel];
	v->utf8 = 1;
	memset(expls, 0, sizeof expls);
	expls[0].mode = "cot";
	expls[0].path = "cot";
	expls[0].model = "big-1";
	expls[0].status = "accepted";
	expls[0].correct = 1;
	expls[0].parsed_answer = "1";
	expls[0].text = "3個から2個を引くと1個です。 Three minus two is one.";
	expls[1].mode = "crop";
	expls[1].path = "rp";
	expls[1].model = "big-1";
	expls[1].status = "rejected";
	expls[1].correct = 0;
	expls[1].leaked = 1;
	expls[1].text = "Because the hint\x1b]0;pwned\x07 says so.";
	v->expl = expls;
	v->n_expl = 2;
}

static char *row(struct tui_canvas *cv, int y)
{
	return tui_canvas_row(cv, y);
}

static int row_has(struct tui_canvas *cv, int y, const char *s)
{
	char *r = row(cv, y);
	int ok = strstr(r, s) != NULL;
	if (!ok)
		fprintf(stderr, "row %d: '%s' lacks '%s'\n", y, r, s);
	free(r);
	return ok;
}

static int canvas_has(struct tui_canvas *cv, const char *s)
{
	char *d = tui_canvas_dump(cv);
	int ok = strstr(d, s) != NULL;
	free(d);
	return ok;
}

/* No raw control byte anywhere on the canvas, and every row fits. */
static void check_clean(struct tui_canvas *cv)
{
	for (int y = 0; y < cv->h; y++) {
		char *r = row(cv, y);
		CHECK_MSG(tui_text_width(r, strlen(r), 1) <= cv->w, "row %d too wide", y);
		for (const unsigned char *p = (const unsigned char *)r; *p; p++)
			CHECK(*p >= 0x20 && *p != 0x7f);
		CHECK(!strstr(r, "\xc2\x9b"));
		free(r);
	}
}

static void test_80x24(void)
{
	struct tui_canvas cv = {0};
	CHECK_INT(tui_canvas_init(&cv, 80, 24), 0);
	struct tui_rect body = {0, 1, 80, 22};
	struct tui_rect hr, lr, dr;
	tui_items_layout(body, &hr, &lr, &dr);
	CHECK_INT(hr.y, 1);
	CHECK_INT(lr.y, 2);
	CHECK_INT(lr.h, 21);
	CHECK_INT(lr.w, 40);
	CHECK_INT(dr.x, 41);
	CHECK_INT(dr.w, 39);

	struct tui_items_view v;
	make_view(&v, 2, 0);
	tui_items_render(&v, &cv, body);
	check_clean(&cv);
	CHECK(row_has(&cv, 1, "Dataset gsm8k (1/2)"));
	CHECK(row_has(&cv, 2, "  1000 test"));
	CHECK(row_has(&cv, 3, "[A]✓"));
	CHECK(row_has(&cv, 4, ">  1002 train"));
	CHECK(row_has(&cv, 4, "りんご"));
	CHECK(row_has(&cv, 5, "\\x1b[2J"));
	CHECK(row_has(&cv, 22, "  1020"));
	/* the selected row is drawn in the selected role across the pane */
	CHECK_INT(tui_canvas_role(&cv, 1, 4), TUI_ROLE_SELECTED);
	CHECK_INT(tui_canvas_role(&cv, 39, 4), TUI_ROLE_SELECTED);
	CHECK_INT(tui_canvas_role(&cv, 1, 3), TUI_ROLE_DIM);
	/* the escape in row 5 has the escaped role */
	char *r5 = row(&cv, 5);
	char *e = strstr(r5, "\\x1b");
	CHECK(e != NULL);
	free(r5);
	int ex = -1;
	for (int x = 0; x < 40; x++)
		if (cv.cells[5 * 80 + x].ch[0] == '\\') {
			ex = x;
			break;
		}
	CHECK(ex > 0 && tui_canvas_role(&cv, ex, 5) == TUI_ROLE_ESCAPED);
	/* detail: heading, wrapped Japanese question, gold, explanations */
	CHECK(row_has(&cv, 2, "Item 1002"));
	CHECK(row_has(&cv, 4, "Question"));
	CHECK(row_has(&cv, 5, "  りんごが3個あります。2個食べると、残"));
	CHECK(canvas_has(&cv, "Gold answer: 18"));
	CHECK(canvas_has(&cv, "Explanations (2)"));
	CHECK(canvas_has(&cv, "[A] ✓ cot  big-1  answer 1"));
	CHECK(canvas_has(&cv, "[R] ✗ crop/rp"));
	CHECK(canvas_has(&cv, "[L]"));
	CHECK(canvas_has(&cv, "\\x1b]0;pwned\\x07"));
	/* list rows never spill into the detail pane: column 40 is the border */
	for (int y = 2; y < 23; y++) {
		char *r = row(&cv, y);
		CHECK(strstr(r, "│") != NULL);
		free(r);
	}

	/* the detail pane scrolled; the list focused on the detail */
	v.focus = 1;
	v.detail_top = 3;
	tui_items_render(&v, &cv, body);
	CHECK(row_has(&cv, 2, "りんご"));
	CHECK_INT(tui_canvas_role(&cv, 1, 4), TUI_ROLE_CURSOR);

	/* search prompt */
	v.editing = 1;
	v.input = "日本 abc";
	tui_items_render(&v, &cv, body);
	CHECK(row_has(&cv, 1, "Search: 日本 abc"));

	/* empty list */
	make_view(&v, 0, 0);
	v.count = 0;
	v.rows = NULL;
	v.n_rows = 0;
	v.detail = NULL;
	tui_items_render(&v, &cv, body);
	CHECK(row_has(&cv, 2, "no items"));
	CHECK(row_has(&cv, 2, "no item selected"));
	tui_canvas_release(&cv);
}

static void test_200x60(void)
{
	struct tui_canvas cv = {0};
	CHECK_INT(tui_canvas_init(&cv, 200, 60), 0);
	struct tui_rect body = {0, 1, 200, 58};
	struct tui_rect hr, lr, dr;
	tui_items_layout(body, &hr, &lr, &dr);
	CHECK_INT(lr.w, 70);
	CHECK_INT(dr.w, 129);
	struct tui_items_view v;
	make_view(&v, 30, 10);
	v.search = "apples";
	tui_items_render(&v, &cv, body);
	check_clean(&cv);
	CHECK(row_has(&cv, 1, "Dataset gsm8k (1/2)  /apples  split:any"));
	CHECK(row_has(&cv, 2, "  1010 test"));
	CHECK(row_has(&cv, 22, ">  1030 test"));
	/* 40 rows given, 57 visible: the rest show as not loaded */
	CHECK(row_has(&cv, 31, "  1039"));
	CHECK(row_has(&cv, 32, "..."));
	/* wide list: most of the question fits; the detail has all of it */
	CHECK(row_has(&cv, 3, "Question 11: how many apples are left when Tom eat…│"));
	CHECK(row_has(&cv, 5, "Question 30: how many apples are left when Tom eats some of them?"));
	tui_canvas_release(&cv);
}

static void test_frame(void)
{
	const struct tui_screen_ops *screens[] = {&tui_items_screen, &tui_review_screen};
	struct tui_lines ls;
	tui_lines_init(&ls);
	struct tui_line *l = tui_lines_add(&ls);
	tui_frame_tabs(l, screens, 2, 2, 80, "ws.db", 1, I18N_EN);
	char *p = tui_line_plain(l);
	CHECK(strstr(p, " 1 Items ") && strstr(p, " 2 Review ") && strstr(p, "ws.db"));
	CHECK_INT(l->width, 80);
	CHECK_INT(l->spans[0].role, TUI_ROLE_TAB);
	int active_seen = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->spans[i].role == TUI_ROLE_TAB_ACTIVE)
			active_seen = strstr(l->spans[i].text, "Review") != NULL;
	CHECK(active_seen);
	free(p);

	struct tui_line hints = {0};
	tui_line_put(&hints, TUI_ROLE_KEY, "/");
	tui_line_put(&hints, TUI_ROLE_STATUS, " search");
	l = tui_lines_add(&ls);
	tui_frame_status(l, &hints, "item 3/100000", NULL, TUI_ROLE_ERROR, 80, 1);
	p = tui_line_plain(l);
	CHECK(strstr(p, "/ search") && strstr(p, "item 3/100000"));
	CHECK_INT(l->width, 80);
	free(p);
	l = tui_lines_add(&ls);
	tui_frame_status(l, &hints, "item 3/100000", "cannot open \x1b[2J", TUI_ROLE_ERROR, 80, 1);
	p = tui_line_plain(l);
	CHECK(strstr(p, "cannot open \\x1b[2J") && !strstr(p, "/ search"));
	free(p);
	for (size_t i = 0; i < hints.n; i++)
		free(hints.spans[i].text);
	free(hints.spans);
	tui_lines_release(&ls);

	/* help: every action of the screen and every global one, with keys */
	struct tui_keymap skm, gkm;
	tui_keymap_init(&skm);
	tui_keymap_init(&gkm);
	char err[MENTOR_ERR_LEN];
	CHECK_INT(tui_keymap_build(&skm, tui_items_screen.actions, tui_items_screen.n_actions, NULL,
				   0, err),
		  0);
	CHECK_INT(tui_keymap_build(&gkm, tui_global_actions, tui_n_global_actions, NULL, 0, err),
		  0);
	tui_lines_init(&ls);
	tui_help_lines(&ls, "Items", tui_items_screen.actions, tui_items_screen.n_actions, &skm,
		       tui_global_actions, tui_n_global_actions, &gkm, 76, I18N_EN);
	struct buf all;
	buf_init(&all);
	for (size_t i = 0; i < ls.n; i++) {
		char *t = tui_line_plain(&ls.v[i]);
		CHECK(ls.v[i].width <= 76);
		buf_puts(&all, t);
		buf_putc(&all, '\n');
		free(t);
	}
	for (size_t i = 0; i < tui_items_screen.n_actions; i++)
		CHECK_MSG(strstr(all.data, tui_items_screen.actions[i].name) != NULL, "%s",
			  tui_items_screen.actions[i].name);
	for (size_t i = 0; i < tui_n_global_actions; i++)
		CHECK(strstr(all.data, tui_global_actions[i].name) != NULL);
	CHECK(strstr(all.data, "j, Down") != NULL);
	buf_release(&all);
	tui_lines_release(&ls);
	tui_keymap_release(&skm);
	tui_keymap_release(&gkm);

	/* the default keys of every screen parse */
	const struct tui_screen_ops *all_screens[] = {&tui_items_screen, &tui_review_screen};
	for (size_t s = 0; s < 2; s++) {
		for (size_t i = 0; i < all_screens[s]->n_actions; i++) {
			struct tui_keymap k;
			tui_keymap_init(&k);
			tui_keymap_build(&k, &all_screens[s]->actions[i], 1, NULL, 0, err);
			CHECK_MSG(k.n > 0, "%s", all_screens[s]->actions[i].name);
			tui_keymap_release(&k);
		}
	}

	struct tui_canvas cv = {0};
	tui_canvas_init(&cv, 60, 20);
	tui_frame_too_small(&cv, NULL, I18N_EN);
	CHECK(canvas_has(&cv, "terminal too small: have 60x20, need 80x24"));
	tui_canvas_init(&cv, 10, 3);
	tui_frame_too_small(&cv, NULL, I18N_EN);
	CHECK(canvas_has(&cv, "terminal"));
	tui_canvas_release(&cv);
}

/* The Items marker's verdict is that of the explanations whose state it
 * shows, never another candidate's. */
/* The frame in Japanese: tab titles, every action's description of every
 * screen translated (a new action without a translation fails here), lines
 * within the width although Japanese takes two columns a character. */
static void test_frame_ja(void)
{
	const struct tui_screen_ops *screens[] = {&tui_items_screen, &tui_review_screen,
						  &tui_train_screen, &tui_inspect_screen};
	struct tui_lines ls;
	tui_lines_init(&ls);
	struct tui_line *l = tui_lines_add(&ls);
	tui_frame_tabs(l, screens, 4, 1, 80, "ws.db", 1, I18N_JA);
	char *p = tui_line_plain(l);
	CHECK_MSG(strstr(p, " 1 問題 ") && strstr(p, " 2 レビュー ") && strstr(p, " 3 学習 ") &&
			  strstr(p, " 4 検査 ") && strstr(p, "ws.db"),
		  "%s", p);
	CHECK(!strstr(p, "Items") && !strstr(p, "Review"));
	CHECK_INT(l->width, 80);
	free(p);
	tui_lines_release(&ls);

	struct tui_keymap gkm;
	tui_keymap_init(&gkm);
	char err[MENTOR_ERR_LEN];
	CHECK_INT(tui_keymap_build(&gkm, tui_global_actions, tui_n_global_actions, NULL, 0, err),
		  0);
	for (size_t k = 0; k < 4; k++) {
		const struct tui_screen_ops *o = screens[k];
		for (size_t i = 0; i < o->n_actions; i++)
			CHECK_MSG(i18n_text(I18N_JA, o->actions[i].help) != o->actions[i].help,
				  "no Japanese for %s: \"%s\"", o->actions[i].name,
				  o->actions[i].help);
		CHECK_MSG(i18n_text(I18N_JA, o->title) != o->title, "title %s", o->title);
		struct tui_keymap skm;
		tui_keymap_init(&skm);
		tui_keymap_build(&skm, o->actions, o->n_actions, NULL, 0, err);
		tui_lines_init(&ls);
		tui_help_lines(&ls, o->title, o->actions, o->n_actions, &skm, tui_global_actions,
			       tui_n_global_actions, &gkm, 72, I18N_JA);
		struct buf all;
		buf_init(&all);
		for (size_t i = 0; i < ls.n; i++) {
			char *t = tui_line_plain(&ls.v[i]);
			int tw = tui_text_width(t, strlen(t), 1);
			CHECK_MSG(ls.v[i].width <= 72 && tw <= 72, "%s", t);
			buf_puts(&all, t);
			buf_putc(&all, '\n');
			free(t);
		}
		CHECK(strstr(all.data, "画面のキー") && strstr(all.data, "全画面共通"));
		CHECK(strstr(all.data, "終了 (位置は保存されます)") != NULL);
		/* action names and keys stay as they are: the config uses them */
		CHECK(strstr(all.data, o->actions[0].name) != NULL);
		/* no English description left */
		for (size_t i = 0; i < o->n_actions; i++)
			CHECK_MSG(!strstr(all.data, o->actions[i].help), "%s", o->actions[i].help);
		CHECK(!strstr(all.data, "Everywhere") && !strstr(all.data, "Keys are set"));
		buf_release(&all);
		tui_lines_release(&ls);
		tui_keymap_release(&skm);
	}
	for (size_t i = 0; i < tui_n_global_actions; i++)
		CHECK(i18n_text(I18N_JA, tui_global_actions[i].help) != tui_global_actions[i].help);
	tui_keymap_release(&gkm);

	struct tui_canvas cv = {0};
	tui_canvas_init(&cv, 60, 20);
	tui_frame_too_small(&cv, NULL, I18N_JA);
	CHECK(canvas_has(&cv, "端末が小さすぎます: 現在 60x20、必要 80x24"));
	tui_canvas_init(&cv, 12, 3);
	tui_frame_too_small(&cv, NULL, I18N_JA);
	CHECK(canvas_has(&cv, "端末"));
	tui_canvas_release(&cv);
}

static void test_marker_verdict(void)
{
	struct store_expl e[3];
	memset(e, 0, sizeof e);
	struct tui_item_summary s;
	/* accepted and wrong, beside a right pending one: [A] with a cross */
	e[0].status = "accepted", e[0].correct = 0;
	e[1].status = "pending", e[1].correct = 1;
	tui_items_summarize(e, 2, &s);
	CHECK_INT(s.accepted, 1);
	CHECK_INT(s.shown_right, 0);
	CHECK_INT(s.shown_wrong, 1);
	CHECK_INT(s.correct, 1); /* the item's totals stay as they were */
	/* pending right, rejected wrong: [P] with a tick */
	e[0].status = "rejected";
	tui_items_summarize(e, 2, &s);
	CHECK_INT(s.shown_right, 1);
	CHECK_INT(s.shown_wrong, 0);
	/* two accepted, one of them wrong: the cross wins */
	e[0].status = "accepted", e[1].status = "accepted";
	e[2].status = "flagged", e[2].correct = 1;
	tui_items_summarize(e, 3, &s);
	CHECK_INT(s.shown_right, 1);
	CHECK_INT(s.shown_wrong, 1);
	/* flagged (no accepted one) describes the flagged one; not judged: no mark */
	e[0].status = "rejected", e[1].status = "pending", e[2].correct = -1;
	tui_items_summarize(e, 3, &s);
	CHECK_INT(s.flagged, 1);
	CHECK_INT(s.shown_right + s.shown_wrong, 0);
	tui_items_summarize(e, 0, &s);
	CHECK_INT(s.n, 0);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8") || !tui_locale_utf8())
		TEST_SKIP("no C.UTF-8 locale");
	make_rows();
	test_80x24();
	test_200x60();
	test_frame();
	test_frame_ja();
	test_marker_verdict();
	return test_done();
}
