/* test_review_layout: what the Review screen shows for a given state and
 * size, without a terminal: three columns at 200x60 and stacked at 80x24,
 * Japanese wrapping by display width, escaping of control characters in
 * explanation text, the correct/wrong and review-state markers (UTF-8 and
 * ASCII), CROP with its kept COTE attempt, live streaming text, the batch
 * progress bar and its scope (stated, and asked about above the threshold),
 * the choice of shown explanations, and the word diff. */
#include <locale.h>

#include "mentor/store.h"
#include "test.h"
#include "tui_review.h"

static struct store_item item;
static struct store_expl ex[4];

static void make_item(const char *question)
{
	memset(&item, 0, sizeof item);
	item.id = 42;
	item.split = "train";
	item.ext_id = "a41";
	item.question = (char *)question;
	item.answer = "21";
	item.answer_type = "number";
}

static void make_expl(struct store_expl *e, int64_t id, const char *mode, const char *path,
		      const char *text, int correct, const char *status)
{
	memset(e, 0, sizeof *e);
	e->id = id;
	e->item_id = 42;
	e->mode = (char *)mode;
	e->path = (char *)path;
	e->provider = "offline";
	e->model = "scripted-teacher";
	e->text = (char *)text;
	e->parsed_answer = correct ? "21" : "17";
	e->correct = correct;
	e->status = (char *)status;
	e->tokens_in = 326;
	e->tokens_out = 22;
	e->latency_ms = 12;
	e->cost = 0.00042;
}

static void make_view(struct tui_review_view *v, int utf8)
{
	memset(v, 0, sizeof *v);
	v->item = &item;
	v->dataset = "arith";
	v->utf8 = utf8;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++)
		v->cand[k].e = &ex[k];
}

static char *render(const struct tui_review_view *v, int w, int h, struct tui_canvas *cv)
{
	tui_canvas_init(cv, w, h);
	tui_review_render(v, cv, (struct tui_rect){0, 0, w, h});
	return tui_canvas_dump(cv);
}

/* Row of the canvas holding text, or -1. */
static int row_of(const struct tui_canvas *cv, const char *text)
{
	for (int y = 0; y < cv->h; y++) {
		char *row = tui_canvas_row(cv, y);
		int hit = strstr(row, text) != NULL;
		free(row);
		if (hit)
			return y;
	}
	return -1;
}

/* Column (cells) where text starts on row y, or -1. */
static int col_of(const struct tui_canvas *cv, int y, const char *text)
{
	char *row = tui_canvas_row(cv, y);
	char *p = strstr(row, text);
	int col = -1;
	if (p) {
		col = tui_text_width(row, (size_t)(p - row), 1);
	}
	free(row);
	return col;
}

static int lines_have(const struct tui_lines *ls, const char *text)
{
	for (size_t i = 0; i < ls->n; i++) {
		char *p = tui_line_plain(&ls->v[i]);
		int hit = strstr(p, text) != NULL;
		free(p);
		if (hit)
			return 1;
	}
	return 0;
}

static int lines_role(const struct tui_lines *ls, const char *text)
{
	for (size_t i = 0; i < ls->n; i++)
		for (size_t j = 0; j < ls->v[i].n; j++)
			if (strstr(ls->v[i].spans[j].text, text))
				return ls->v[i].spans[j].role;
	return -1;
}

static void test_wide_and_stacked(void)
{
	make_item("Wendy has 10 books. She gives 3 to Carl. How many books does Wendy have now?");
	make_expl(&ex[0], 1, "cot", "cot",
		  "Wendy starts with 10 books. 10 - 3 = 7. The answer is 7.", 1, "accepted");
	make_expl(&ex[1], 2, "rp", "rp", "Because 10 - 3 = 7, the answer is 7.", 1, "pending");
	make_expl(&ex[2], 3, "crop", "cot", "10 - 3 = 7. The answer is 7.", 1, "rejected");
	struct tui_review_view v;
	make_view(&v, 1);
	struct tui_canvas cv = {0};

	/* 200x60: three columns side by side */
	struct tui_review_rects r;
	tui_review_layout(&v, (struct tui_rect){0, 0, 200, 58}, &r);
	CHECK_INT(r.stacked, 0);
	CHECK(r.cand[0].x < r.cand[1].x && r.cand[1].x < r.cand[2].x);
	CHECK_INT(r.cand[0].y, r.cand[1].y);
	CHECK_INT(r.cand[2].x + r.cand[2].w, 200);
	char *d = render(&v, 200, 58, &cv);
	int y = row_of(&cv, "COTE");
	CHECK(y > 0);
	CHECK_INT(row_of(&cv, " RP "), y);
	CHECK_INT(row_of(&cv, "CROP"), y);
	CHECK(col_of(&cv, y, "RP") > 60);
	CHECK(col_of(&cv, y, "CROP") > 130);
	CHECK(strstr(d, "\xe2\x96\xb6 COTE") != NULL); /* focus marker */
	CHECK(strstr(d, "[A] accepted") != NULL);
	CHECK(strstr(d, "[P] pending") != NULL);
	CHECK(strstr(d, "[R] rejected") != NULL);
	CHECK(strstr(d, "\xe2\x9c\x93 correct") != NULL);
	CHECK(strstr(d, "Gold answer: 21") != NULL);
	CHECK(strstr(d, "Item 42") != NULL);
	CHECK(strstr(d, "tok 326/22") != NULL);
	CHECK(strstr(d, "12 ms") != NULL);
	CHECK(strstr(d, "$0.00042") != NULL);
	CHECK(strstr(d, "offline/scripted-teacher") != NULL);
	CHECK(strstr(d, "Wendy starts with 10 books.") != NULL);
	/* the column separator */
	CHECK(strstr(d, "\xe2\x94\x82") != NULL);
	free(d);

	/* 80x24 (body 80x22): stacked; short texts all fit, one under the other */
	tui_review_layout(&v, (struct tui_rect){0, 1, 80, 22}, &r);
	CHECK_INT(r.stacked, 1);
	CHECK_INT(r.cand[0].x, 0);
	CHECK_INT(r.cand[1].x, 0);
	CHECK_INT(r.cand[0].w, 80);
	CHECK(r.cand[0].y < r.cand[1].y && r.cand[1].y < r.cand[2].y);
	CHECK_INT(r.cand[1].y, r.cand[0].y + r.cand[0].h + 1);
	CHECK_INT(r.cand[2].y, r.cand[1].y + r.cand[1].h + 1);
	CHECK(r.cand[0].h >= 2 && r.cand[1].h >= 2 && r.cand[2].h >= 2);
	CHECK(r.cand[2].y + r.cand[2].h <= 23);
	/* long texts: the focused candidate gets the room, the others a head
	 * and a line, and the whole body is used */
	struct buf longt;
	buf_init(&longt);
	for (int i = 0; i < 200; i++)
		buf_puts(&longt, "word ");
	ex[0].text = ex[1].text = ex[2].text = longt.data;
	tui_review_layout(&v, (struct tui_rect){0, 1, 80, 22}, &r);
	CHECK(r.cand[0].h > r.cand[1].h);
	CHECK(r.cand[1].h <= 3 && r.cand[2].h <= 3);
	CHECK_INT(r.cand[2].y + r.cand[2].h, 23);
	ex[0].text = "Wendy starts with 10 books. 10 - 3 = 7. The answer is 7.";
	ex[1].text = "Because 10 - 3 = 7, the answer is 7.";
	ex[2].text = "10 - 3 = 7. The answer is 7.";
	d = render(&v, 80, 22, &cv);
	int yc = row_of(&cv, "COTE"), yr = row_of(&cv, "  RP "), yp = row_of(&cv, "CROP");
	CHECK(yc >= 0 && yr > yc && yp > yr);
	CHECK(strstr(d, "Because 10 - 3 = 7") != NULL);
	free(d);
	/* focus on CROP: it gets the room */
	ex[0].text = ex[1].text = ex[2].text = longt.data;
	v.focus = 2;
	tui_review_layout(&v, (struct tui_rect){0, 1, 80, 22}, &r);
	CHECK(r.cand[2].h > r.cand[0].h);
	CHECK(r.cand[0].h <= 3);
	/* 119 columns is still stacked, 120 is not */
	tui_review_layout(&v, (struct tui_rect){0, 1, 119, 40}, &r);
	CHECK_INT(r.stacked, 1);
	tui_review_layout(&v, (struct tui_rect){0, 1, 120, 40}, &r);
	CHECK_INT(r.stacked, 0);
	ex[0].text = ex[1].text = ex[2].text = "short";
	buf_release(&longt);
	/* nothing open */
	v.item = NULL;
	d = render(&v, 80, 22, &cv);
	CHECK(strstr(d, "Review: select an item in Items and press Enter") != NULL);
	free(d);
	tui_canvas_release(&cv);
}

static void test_japanese(void)
{
	const char *q =
		"ある工程で1日に500個を生産したところ、10個が不良品でした。この日の不良率は何パーセントですか。";
	make_item(q);
	const char *t =
		"不良率は不良品の数を生産数で割って求めます。10 ÷ 500 = 0.02 です。百分率にすると 2 です。";
	make_expl(&ex[0], 1, "cot", "cot", t, 1, "pending");
	make_expl(&ex[1], 2, "rp", "rp", t, 1, "pending");
	make_expl(&ex[2], 3, "crop", "cot", t, 1, "pending");
	struct tui_review_view v;
	make_view(&v, 1);
	for (int width = 9; width <= 41; width += 8) {
		struct tui_lines ls;
		tui_lines_init(&ls);
		tui_review_cand_text(&v, 0, width, &ls);
		CHECK(ls.n >= 2);
		struct buf all;
		buf_init(&all);
		for (size_t i = 0; i < ls.n; i++) {
			CHECK_MSG(ls.v[i].width <= width, "width %d: line %zu is %d wide", width, i,
				  ls.v[i].width);
			char *p = tui_line_plain(&ls.v[i]);
			buf_puts(&all, p);
			free(p);
		}
		/* nothing lost (spaces aside) */
		CHECK(strstr(all.data, "不良率は不良品の数") != NULL);
		CHECK(strstr(all.data, "百分率にすると") != NULL);
		buf_release(&all);
		tui_lines_release(&ls);
	}
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_item_lines(&v, 30, 0, &ls);
	CHECK(ls.n >= 4);
	for (size_t i = 0; i < ls.n; i++)
		CHECK(ls.v[i].width <= 30);
	CHECK(lines_have(&ls, "Gold answer: 21"));
	tui_lines_release(&ls);
	/* a cap on the item pane cuts the question, never the gold answer */
	tui_lines_init(&ls);
	tui_review_item_lines(&v, 30, 3, &ls);
	CHECK_INT((int)ls.n, 3);
	CHECK(lines_have(&ls, "Gold answer"));
	CHECK(lines_have(&ls, "\xe2\x80\xa6"));
	tui_lines_release(&ls);
	/* choices: one compact line, JSON escapes decoded, data escaped */
	item.choices_json =
		"[{\"label\":\"A\",\"text\":\"1\\u500b\"},{\"label\":\"B\",\"text\":\"5\\u001b[2J\"}]";
	tui_lines_init(&ls);
	tui_review_item_lines(&v, 60, 0, &ls);
	CHECK(lines_have(&ls, "A. 1\xe5\x80\x8b   B. 5\\x1b[2J"));
	tui_lines_release(&ls);
	item.choices_json = "not json \x07";
	tui_lines_init(&ls);
	tui_review_item_lines(&v, 60, 0, &ls);
	CHECK(lines_have(&ls, "not json \\x07"));
	tui_lines_release(&ls);
	item.choices_json = NULL;
	/* a wide character never straddles the column border */
	struct tui_canvas cv = {0};
	char *d = render(&v, 200, 40, &cv);
	CHECK(strstr(d, "不良率は不良品") != NULL);
	free(d);
	tui_canvas_release(&cv);
}

static int has_raw_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return 1;
	return 0;
}

static void test_escaping(void)
{
	make_item("Question with \x1b[2J an escape");
	make_expl(&ex[0], 1, "cot", "cot",
		  "Text \x1b[31mred\x1b[0m bell\x07 nul-free \xc2\x9b C1 \xff bad", 0, "pending");
	make_expl(&ex[1], 2, "rp", "rp", "fine", 1, "pending");
	ex[1].parsed_answer = "\x1b]0;title\x07";
	make_expl(&ex[2], 3, "crop", "cot", "fine", 1, "pending");
	struct tui_review_view v;
	make_view(&v, 1);
	struct tui_canvas cv = {0};
	char *d = render(&v, 200, 30, &cv);
	CHECK(!has_raw_control(d));
	CHECK(strstr(d, "\\x1b[31mred\\x1b[0m") != NULL);
	CHECK(strstr(d, "\\x07") != NULL);
	CHECK(strstr(d, "\\xff") != NULL);
	CHECK(strstr(d, "\\x1b[2J") != NULL);
	CHECK(strstr(d, "\\x1b]0;title") != NULL);
	int y = row_of(&cv, "\\x1b[31m");
	int x = col_of(&cv, y, "\\x1b[31m");
	CHECK_INT(tui_canvas_role(&cv, x, y), TUI_ROLE_ESCAPED);
	free(d);
	/* edited text is what is shown, and it is escaped too */
	ex[0].edited_text = "Edited \x1b[5m text";
	d = render(&v, 200, 30, &cv);
	CHECK(strstr(d, "Edited \\x1b[5m text") != NULL);
	CHECK(strstr(d, "(edited)") != NULL);
	CHECK(strstr(d, "Text \\x1b[31m") == NULL);
	CHECK(!has_raw_control(d));
	free(d);
	tui_canvas_release(&cv);
}

static void test_markers(void)
{
	make_item("q");
	make_expl(&ex[0], 1, "cot", "cot", "right", 1, "accepted");
	make_expl(&ex[1], 2, "rp", "rp", "leaky", 1, "flagged");
	ex[1].leaked = 1;
	make_expl(&ex[2], 3, "crop", "rp", "wrong", 0, "pending");
	ex[2].correct = 0;
	for (int utf8 = 0; utf8 <= 1; utf8++) {
		struct tui_review_view v;
		make_view(&v, utf8);
		struct tui_lines ls;
		tui_lines_init(&ls);
		tui_review_cand_head(&v, 0, 60, &ls);
		CHECK(lines_have(&ls, utf8 ? "\xe2\x9c\x93 correct" : "+ correct"));
		CHECK(lines_have(&ls, "[A] accepted"));
		CHECK(lines_have(&ls, utf8 ? "\xe2\x96\xb6 COTE" : "> COTE"));
		CHECK_INT(lines_role(&ls, "accepted"), TUI_ROLE_ACCEPTED);
		CHECK_INT(lines_role(&ls, "correct"), TUI_ROLE_CORRECT);
		CHECK(!lines_have(&ls, "leaked"));
		tui_lines_release(&ls);
		tui_lines_init(&ls);
		tui_review_cand_head(&v, 1, 60, &ls);
		CHECK(lines_have(&ls, "[F] flagged"));
		CHECK(lines_have(&ls, "[L] leaked"));
		CHECK_INT(lines_role(&ls, "leaked"), TUI_ROLE_LEAKED);
		CHECK(lines_have(&ls, "  RP"));
		tui_lines_release(&ls);
		tui_lines_init(&ls);
		tui_review_cand_head(&v, 2, 60, &ls);
		CHECK(lines_have(&ls, utf8 ? "\xe2\x9c\x97 wrong" : "x wrong"));
		CHECK_INT(lines_role(&ls, "wrong"), TUI_ROLE_WRONG);
		CHECK(lines_have(&ls, "[P] pending"));
		CHECK(lines_have(&ls, "answer 17"));
		CHECK(lines_have(&ls, "path rp fallback"));
		tui_lines_release(&ls);
		/* not judged */
		ex[0].correct = -1;
		tui_lines_init(&ls);
		tui_review_cand_head(&v, 0, 60, &ls);
		CHECK(lines_have(&ls, "? not judged"));
		tui_lines_release(&ls);
		ex[0].correct = 1;
		/* narrow: the chips wrap, never overflow */
		tui_lines_init(&ls);
		tui_review_cand_head(&v, 1, 24, &ls);
		CHECK(ls.n >= 3);
		tui_lines_release(&ls);
	}
	/* no explanation yet / generating / an error note */
	struct tui_review_view v;
	make_view(&v, 1);
	v.cand[1].e = NULL;
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 1, 60, &ls);
	tui_review_cand_text(&v, 1, 60, &ls);
	CHECK(lines_have(&ls, "no explanation yet"));
	CHECK(lines_have(&ls, "press g to generate"));
	tui_lines_release(&ls);
	v.cand[1].generating = 1;
	v.cand[1].live = "Because the stream \x1b is half";
	v.cand[1].live_path = "rp";
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 1, 60, &ls);
	tui_review_cand_text(&v, 1, 60, &ls);
	CHECK(lines_have(&ls, "generating..."));
	CHECK(lines_have(&ls, "Because the stream \\x1b is half"));
	CHECK(lines_have(&ls, "streaming (rp prompt)"));
	tui_lines_release(&ls);
	v.cand[1].generating = 0;
	v.cand[1].note = "error: declined: no trace";
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 1, 60, &ls);
	CHECK(lines_have(&ls, "error: declined"));
	CHECK_INT(lines_role(&ls, "declined"), TUI_ROLE_ERROR);
	tui_lines_release(&ls);
}

static void test_crop_attempt(void)
{
	make_item("q");
	/* rows as store_expl_for_item returns them: newest first per mode */
	make_expl(&ex[0], 7, "crop", "rp", "Rationalized text.", 1, "pending");
	ex[0].attempt_of = 5;
	make_expl(&ex[1], 5, "crop", "cot", "Wrong attempt text.", 0, "pending");
	make_expl(&ex[2], 4, "cot", "cot", "Wrong attempt text.", 0, "pending");
	make_expl(&ex[3], 2, "cot", "cot", "older", 0, "rejected");
	const struct store_expl *shown[3], *att;
	tui_review_pick(ex, 4, shown, &att);
	CHECK(shown[TUI_REVIEW_COT] == &ex[2]);
	CHECK(shown[TUI_REVIEW_RP] == NULL);
	CHECK(shown[TUI_REVIEW_CROP] == &ex[0]);
	CHECK(att == &ex[1]);
	/* a dangling attempt (interrupted job) is still shown */
	tui_review_pick(&ex[1], 1, shown, &att);
	CHECK(shown[TUI_REVIEW_CROP] == &ex[1]);
	CHECK(att == NULL);
	tui_review_pick(NULL, 0, shown, &att);
	CHECK(!shown[0] && !shown[1] && !shown[2] && !att);

	struct tui_review_view v;
	memset(&v, 0, sizeof v);
	v.item = &item;
	v.utf8 = 1;
	v.focus = 2;
	v.cand[2].e = &ex[0];
	v.cand[2].attempt = &ex[1];
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 2, 80, &ls);
	tui_review_cand_text(&v, 2, 80, &ls);
	CHECK(lines_have(&ls, "path rp fallback"));
	CHECK(lines_have(&ls, "COTE attempt \xe2\x9c\x97 17 (o: show)"));
	CHECK(lines_have(&ls, "Rationalized text."));
	tui_lines_release(&ls);
	v.show_attempt = 1;
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 2, 80, &ls);
	tui_review_cand_text(&v, 2, 80, &ls);
	CHECK(lines_have(&ls, "kept COTE attempt"));
	CHECK(lines_have(&ls, "Wrong attempt text."));
	CHECK(!lines_have(&ls, "Rationalized"));
	tui_lines_release(&ls);
}

static void test_bar(void)
{
	struct tui_review_batch b = {0};
	b.on = 1;
	b.running = 1;
	b.total = 300;
	b.done = 150;
	b.errors = 2;
	b.tokens_in = 12000;
	b.tokens_out = 3400;
	b.cost = 0.25;
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_bar_lines(&b, 100, 0, &ls);
	char *p = tui_line_plain(&ls.v[0]);
	CHECK(strstr(p, "150/300 tasks") != NULL);
	CHECK(strstr(p, "2 errors") != NULL);
	CHECK(strstr(p, "tok 12000/3400") != NULL);
	CHECK(strstr(p, "$0.250") != NULL);
	CHECK(strstr(p, "c: cancel") != NULL);
	CHECK(strstr(p, "#####") != NULL);
	CHECK(ls.v[0].width <= 100);
	free(p);
	tui_lines_release(&ls);
	b.running = 0;
	b.cancelled = 1;
	tui_lines_init(&ls);
	tui_review_bar_lines(&b, 100, 1, &ls);
	p = tui_line_plain(&ls.v[0]);
	CHECK(strstr(p, "cancelled") != NULL);
	CHECK(strstr(p, "c: cancel") == NULL);
	CHECK(strstr(p, "\xe2\x96\x88") != NULL);
	free(p);
	tui_lines_release(&ls);
	/* the bar takes the last row of the body */
	make_item("q");
	struct tui_review_view v;
	make_view(&v, 1);
	v.batch = &b;
	struct tui_review_rects r;
	tui_review_layout(&v, (struct tui_rect){0, 1, 80, 22}, &r);
	CHECK_INT(r.bar.h, 1);
	CHECK_INT(r.bar.y, 22);
	CHECK(r.cand[2].y + r.cand[2].h <= 22);
}

/* The batch's scope: asked about (whole estimate, question last) or stated
 * above the bar while it runs. */
static void test_scope(void)
{
	struct tui_review_scope sc = {0};
	sc.head = "arith  split:any review:any mode:any result:any leaked:any  search /re:^ann";
	sc.summary =
		"2 items, 6 tasks: 4 calls, 2 cached, 0 skipped; ~1335 tokens in, ~96 out; ~$0";
	sc.detail = "teacher offline/scripted-teacher, modes COTE RP CROP: 2 items, 6 tasks\n"
		    "calls: 4 to make, 2 served from the cache\ncost: ~$0\n";
	sc.max_calls = 4;
	sc.threshold = 3;
	sc.asking = 1;
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_review_scope_lines(&sc, 60, 1, &ls);
	CHECK(ls.n >= 6);
	char *first = tui_line_plain(&ls.v[0]), *last = tui_line_plain(&ls.v[ls.n - 1]);
	CHECK(strstr(first, "Batch generation, before any call") != NULL);
	CHECK(strstr(last, "cancel") != NULL);
	free(first);
	free(last);
	struct buf all;
	buf_init(&all);
	for (size_t i = 0; i < ls.n; i++) {
		char *p = tui_line_plain(&ls.v[i]);
		CHECK(ls.v[i].width <= 60);
		buf_puts(&all, p);
		buf_puts(&all, "\n");
		free(p);
	}
	CHECK(strstr(all.data, "Up to 4 calls, more than [review] confirm_calls = 3") != NULL);
	CHECK(strstr(all.data, "2 items, 6 tasks") != NULL);
	CHECK(strstr(all.data, "calls: 4 to make") != NULL);
	CHECK(strstr(all.data, "search /re:^ann") != NULL);
	buf_release(&all);
	tui_lines_release(&ls);
	/* running: the summary and the head */
	sc.asking = 0;
	tui_lines_init(&ls);
	tui_review_scope_lines(&sc, 200, 1, &ls);
	CHECK_INT(ls.n, 2);
	char *p = tui_line_plain(&ls.v[0]);
	CHECK(strstr(p, "2 items, 6 tasks") == p);
	free(p);
	tui_lines_release(&ls);

	/* the layout: the scope sits above the bar, the candidates above it;
	 * while asking it may take the whole body, the question on screen */
	make_item("q");
	struct tui_review_view v;
	make_view(&v, 1);
	struct tui_review_batch b = {0};
	b.on = 1;
	v.batch = &b;
	v.scope = &sc;
	struct tui_review_rects r;
	tui_review_layout(&v, (struct tui_rect){0, 1, 80, 22}, &r);
	CHECK_INT(r.bar.y, 22);
	CHECK_INT(r.scope.h, 2);
	CHECK_INT(r.scope.y, 20);
	CHECK(r.cand[2].y + r.cand[2].h <= 20);
	sc.asking = 1;
	struct tui_canvas cv = {0};
	char *dump = render(&v, 80, 12, &cv);
	CHECK(strstr(dump, "Start? y: start") != NULL);
	free(dump);
	tui_canvas_release(&cv);
	memset(&cv, 0, sizeof cv);
	dump = render(&v, 80, 24, &cv);
	CHECK(strstr(dump, "Batch generation, before any call") != NULL);
	CHECK(strstr(dump, "Start? y: start") != NULL);
	free(dump);
	tui_canvas_release(&cv);
	tui_review_scope_lines(NULL, 80, 1, &ls); /* nothing, no crash */
}

static char *diff_plain(const char *a, const char *b, int width, int *capped, size_t *nlines)
{
	struct tui_diff d;
	tui_diff_init(&d);
	tui_diff_words(&d, a, strlen(a), b, strlen(b), 1);
	if (capped)
		*capped = d.capped;
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_diff_lines(&d, width, 1, &ls);
	struct buf all;
	buf_init(&all);
	for (size_t i = 0; i < ls.n; i++) {
		char *p = tui_line_plain(&ls.v[i]);
		buf_puts(&all, p);
		if (i + 1 < ls.n)
			buf_puts(&all, "\n");
		CHECK(ls.v[i].width <= (width < 8 ? 8 : width));
		free(p);
	}
	if (nlines)
		*nlines = ls.n;
	tui_lines_release(&ls);
	tui_diff_release(&d);
	return buf_detach(&all, NULL);
}

static void test_diff(void)
{
	char *p = diff_plain("the cat sat on the mat", "the dog sat on the mat", 80, NULL, NULL);
	CHECK_STR(p, "the [-cat-] {+dog+} sat on the mat");
	free(p);
	p = diff_plain("a b c", "a b c", 80, NULL, NULL);
	CHECK_STR(p, "a b c");
	free(p);
	p = diff_plain("", "new words here", 80, NULL, NULL);
	CHECK_STR(p, "{+new words here+}");
	free(p);
	p = diff_plain("old words", "", 80, NULL, NULL);
	CHECK_STR(p, "[-old words-]");
	free(p);
	p = diff_plain("", "", 80, NULL, NULL);
	CHECK_STR(p, "(both texts are empty)");
	free(p);
	/* white space differences are not changes */
	p = diff_plain("one  two\nthree", "one two three", 80, NULL, NULL);
	CHECK_STR(p, "one two three");
	free(p);
	/* Japanese: one character is one word */
	p = diff_plain("りんごが3個あります", "りんごが4個あります", 80, NULL, NULL);
	CHECK_STR(p, "りんごが [-3-] {+4+} 個あります");
	free(p);
	/* roles and markers together */
	struct tui_diff d;
	tui_diff_init(&d);
	const char *a = "x y", *b = "x z";
	tui_diff_words(&d, a, 3, b, 3, 1);
	CHECK_INT((int)d.n, 3);
	CHECK_INT(d.v[1].op, TUI_DIFF_DEL);
	CHECK_INT(d.v[2].op, TUI_DIFF_INS);
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_diff_lines(&d, 80, 1, &ls);
	CHECK_INT(lines_role(&ls, "[-"), TUI_ROLE_REJECTED);
	CHECK_INT(lines_role(&ls, "{+"), TUI_ROLE_ACCEPTED);
	CHECK_INT(lines_role(&ls, "y"), TUI_ROLE_REJECTED);
	CHECK_INT(lines_role(&ls, "z"), TUI_ROLE_ACCEPTED);
	tui_lines_release(&ls);
	tui_diff_release(&d);
	/* control characters in diffed text are escaped */
	p = diff_plain("a \x1b[31m b", "a b", 80, NULL, NULL);
	CHECK_STR(p, "a [-\\x1b[31m-] b");
	free(p);
	/* wrapping at a narrow width keeps every word */
	size_t nl = 0;
	p = diff_plain("alpha beta gamma delta epsilon", "alpha beta zeta delta eta", 12, NULL,
		       &nl);
	CHECK(nl >= 3);
	CHECK(strstr(p, "[-gamma-]") != NULL);
	CHECK(strstr(p, "{+zeta+}") != NULL);
	CHECK(strstr(p, "{+eta+}") != NULL);
	free(p);
	/* huge inputs: the LCS is bounded, the diff still complete */
	struct buf ba, bb;
	buf_init(&ba);
	buf_init(&bb);
	for (int i = 0; i < 3000; i++) {
		buf_printf(&ba, "w%d ", i);
		buf_printf(&bb, "v%d ", i);
	}
	int capped = 0;
	p = diff_plain(ba.data, bb.data, 200, &capped, NULL);
	CHECK_INT(capped, 1);
	CHECK(strstr(p, "[-w0 ") != NULL);
	CHECK(strstr(p, "w2999-]") != NULL);
	CHECK(strstr(p, "{+v0 ") != NULL);
	free(p);
	/* long shared prefix and suffix around a small change: not capped */
	buf_reset(&ba);
	buf_reset(&bb);
	for (int i = 0; i < 5000; i++) {
		buf_printf(&ba, "%s ", i == 2500 ? "old" : "same");
		buf_printf(&bb, "%s ", i == 2500 ? "new" : "same");
	}
	p = diff_plain(ba.data, bb.data, 200, &capped, NULL);
	CHECK_INT(capped, 0);
	CHECK(strstr(p, "same [-old-] {+new+} same") != NULL);
	free(p);
	/* one endless word wider than the pane is cut, never overflows */
	buf_reset(&ba);
	for (int i = 0; i < 500; i++)
		buf_puts(&ba, "abcdefghij");
	p = diff_plain(ba.data, "short", 40, NULL, NULL);
	CHECK(strstr(p, "{+short+}") != NULL);
	free(p);
	buf_release(&ba);
	buf_release(&bb);
}

static void test_diff_pane(void)
{
	make_item("q");
	make_expl(&ex[0], 1, "cot", "cot", "Tom has 3 apples so 3 + 2 = 5.", 1, "pending");
	make_expl(&ex[1], 2, "rp", "rp", "Tom has 3 apples and 2 more make 5.", 1, "pending");
	make_expl(&ex[2], 3, "crop", "cot", "x", 1, "pending");
	struct tui_review_view v;
	make_view(&v, 1);
	v.diff = 1;
	v.diff_a = TUI_REVIEW_COT;
	v.diff_b = TUI_REVIEW_RP;
	struct tui_canvas cv = {0};
	char *d = render(&v, 80, 22, &cv);
	CHECK(strstr(d, "Diff COTE -> RP") != NULL);
	CHECK(strstr(d, "Tom has 3 apples [-so 3 +-] {+and+} 2 [-=-] {+more make+} 5.") != NULL);
	free(d);
	v.cand[1].e = NULL;
	d = render(&v, 80, 22, &cv);
	CHECK(strstr(d, "RP has no explanation yet") != NULL);
	free(d);
	tui_canvas_release(&cv);
}

static void test_hostile(void)
{
	/* a very long explanation without spaces, and an empty one */
	struct buf big;
	buf_init(&big);
	for (int i = 0; i < 20000; i++)
		buf_puts(&big, i % 7 ? "あ" : "\x1b");
	make_item("q");
	make_expl(&ex[0], 1, "cot", "cot", big.data, 1, "pending");
	make_expl(&ex[1], 2, "rp", "rp", "", 1, "pending");
	make_expl(&ex[2], 3, "crop", "cot", "x", 1, "pending");
	ex[2].parsed_answer = NULL;
	ex[2].provider = NULL;
	ex[2].status = NULL;
	struct tui_review_view v;
	make_view(&v, 1);
	v.cand[0].top = 1000000; /* scrolled past the end: clamped */
	struct tui_canvas cv = {0};
	char *d = render(&v, 80, 22, &cv);
	CHECK(!has_raw_control(d));
	CHECK(strstr(d, "answer (none)") != NULL);
	free(d);
	/* tiny bodies do not crash */
	for (int w = 1; w < 30; w += 7)
		for (int h = 1; h < 8; h++) {
			d = render(&v, w, h, &cv);
			free(d);
		}
	tui_canvas_release(&cv);
	buf_release(&big);
}

/* The check: a wrong step drawn in the wrong role, its summary in the head,
 * also when the step wraps and in Japanese text. */
static void test_check(void)
{
	struct tui_review_view v;
	struct tui_lines ls;
	struct check_result cr[2];
	make_item(
		"Wendy has 10 books. She gives 3 to Carl. Carl gives her 7 more. She buys 7 more.");
	make_expl(&ex[0], 1, "cot", "cot",
		  "Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 15. 15 + 6 = 21.", 1, "pending");
	make_expl(&ex[1], 2, "rp", "rp", "10 - 3 = 7. 7 + 7 = 14. 14 + 7 = 21.", 1, "pending");
	make_expl(&ex[2], 3, "crop", "cot", "No numbers here.", 1, "pending");
	make_view(&v, 1);
	for (int k = 0; k < 2; k++) {
		tui_review_check(&item, &ex[k], &cr[k]);
		v.cand[k].check = &cr[k];
	}
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 0, 120, &ls);
	CHECK(lines_have(&ls, "check step 2 wrong: 7 + 7 = 15 (is 14)"));
	CHECK_INT(lines_role(&ls, "step 2 wrong"), TUI_ROLE_WRONG);
	tui_lines_release(&ls);
	tui_lines_init(&ls);
	tui_review_cand_text(&v, 0, 80, &ls);
	CHECK_INT(lines_role(&ls, "7 + 7 = 15"), TUI_ROLE_WRONG);
	CHECK_INT(lines_role(&ls, "10 - 3 = 7"), TUI_ROLE_NORMAL);
	CHECK_INT(lines_role(&ls, "15 + 6"), TUI_ROLE_NORMAL);
	tui_lines_release(&ls);
	/* Wrapped across lines: both parts marked. */
	tui_lines_init(&ls);
	tui_review_cand_text(&v, 0, 44, &ls);
	CHECK(ls.n >= 2);
	CHECK_INT(lines_role(&ls, "7 +"), TUI_ROLE_WRONG);
	CHECK_INT(lines_role(&ls, "7 = 15"), TUI_ROLE_WRONG);
	tui_lines_release(&ls);
	/* A sound explanation: no wrong role, the head says so in the correct role. */
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 1, 120, &ls);
	CHECK(lines_have(&ls, "check steps: 3 of 3 valid, answer follows"));
	CHECK_INT(lines_role(&ls, "steps: 3 of 3"), TUI_ROLE_CORRECT);
	tui_review_cand_text(&v, 1, 80, &ls);
	for (size_t i = 0; i < ls.n; i++)
		for (size_t j = 0; j < ls.v[i].n; j++)
			CHECK(ls.v[i].spans[j].role != TUI_ROLE_WRONG);
	tui_lines_release(&ls);
	/* No check: no chip. */
	tui_lines_init(&ls);
	tui_review_cand_head(&v, 2, 120, &ls);
	CHECK(!lines_have(&ls, "check "));
	tui_lines_release(&ls);
	/* On the canvas, the cells of the step carry the role. */
	struct tui_canvas cv = {0};
	char *d = render(&v, 200, 30, &cv);
	int y = row_of(&cv, "7. 7 + 7 = 15. 15"); /* the text, not the head */
	CHECK(y >= 0);
	if (y >= 0) {
		int x = col_of(&cv, y, "7. 7 + 7 = 15. 15") + 3;
		CHECK_INT(tui_canvas_role(&cv, x, y), TUI_ROLE_WRONG);
		CHECK_INT(tui_canvas_role(&cv, x + 9, y), TUI_ROLE_WRONG);
		CHECK_INT(tui_canvas_role(&cv, x + 10, y), TUI_ROLE_NORMAL);
		CHECK_INT(tui_canvas_role(&cv, x - 2, y), TUI_ROLE_NORMAL);
	}
	free(d);
	tui_canvas_release(&cv);
	check_result_release(&cr[0]);
	check_result_release(&cr[1]);
	/* Japanese: display widths and the span agree. */
	make_item("1日の稼働時間が480分で、1日に240個を生産します。");
	make_expl(&ex[0], 1, "cot", "cot", "タクトタイムは 480分 ÷ 240個 = 3分 です。", 1,
		  "pending");
	ex[0].parsed_answer = "3";
	tui_review_check(&item, &ex[0], &cr[0]);
	v.cand[0].check = &cr[0];
	v.cand[1].check = NULL;
	tui_lines_init(&ls);
	tui_review_cand_text(&v, 0, 30, &ls);
	CHECK_INT(lines_role(&ls, "240個"), TUI_ROLE_WRONG);
	CHECK_INT(lines_role(&ls, "タクト"), TUI_ROLE_NORMAL);
	CHECK_INT(lines_role(&ls, "です"), TUI_ROLE_NORMAL);
	tui_lines_release(&ls);
	check_result_release(&cr[0]);
}

int main(void)
{
	setlocale(LC_ALL, "");
	if (!tui_locale_utf8())
		TEST_SKIP("needs a UTF-8 locale (C.UTF-8)");
	test_wide_and_stacked();
	test_japanese();
	test_escaping();
	test_markers();
	test_crop_attempt();
	test_bar();
	test_scope();
	test_diff();
	test_diff_pane();
	test_hostile();
	test_check();
	return test_done();
}
