/* test_tui_text: display widths (ASCII, Japanese, combining marks, emoji),
 * visible escapes of control characters and bad bytes, truncation and
 * wrapping by width, the line editor and the canvas; plus random hostile
 * bytes that must never reach a line raw or overflow its width. */
#include <locale.h>

#include "test.h"
#include "tui_int.h"

static int width_of(const char *s)
{
	return tui_text_width(s, strlen(s), 1);
}

static char *escaped(const char *s, size_t n, int utf8)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	tui_text_escape(s, n, utf8, &b);
	return buf_detach(&b, NULL);
}

#define CHECK_ESC(in, want)                                                                        \
	do {                                                                                       \
		char *got_ = escaped(in, sizeof(in) - 1, 1);                                       \
		CHECK_STR(got_, want);                                                             \
		CHECK_INT(width_of(in), (int)strlen(want));                                        \
		free(got_);                                                                        \
	} while (0)

static void test_widths(void)
{
	CHECK_INT(width_of(""), 0);
	CHECK_INT(width_of("hello"), 5);
	CHECK_INT(width_of("日本語"), 6);
	CHECK_INT(width_of("ｱｲｳ"), 3);               /* half-width katakana */
	CHECK_INT(width_of("e\xcc\x81"), 1);         /* e + combining acute */
	CHECK_INT(width_of("a\xcc\x81\xcc\xa3"), 1); /* two marks */
	CHECK_INT(width_of("\xf0\x9f\x98\x80"), 2);  /* emoji U+1F600 */
	CHECK_INT(width_of("Ａ"), 2);                /* full-width A */
	CHECK_INT(width_of("漢字かなカナ abc"), 16);
}

static void test_escapes(void)
{
	char *e;
	CHECK_ESC("\x1b[2J", "\\x1b[2J");
	CHECK_ESC("a\rb", "a\\rb");
	CHECK_ESC("a\tb", "a\\tb");
	CHECK_ESC("\x07", "\\x07");
	CHECK_ESC("\x01", "\\x01");
	CHECK_ESC("\x7f", "\\x7f");
	CHECK_ESC("\xc2\x9b", "\\u009b");             /* C1 CSI */
	CHECK_ESC("\xc2\x85", "\\u0085");             /* C1 NEL */
	CHECK_ESC("\xff", "\\xff");                   /* invalid byte */
	CHECK_ESC("\xe6\x97", "\\xe6\\x97");          /* truncated sequence */
	CHECK_ESC("\xc0\xaf", "\\xc0\\xaf");          /* overlong '/' */
	CHECK_ESC("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
	CHECK_ESC("\xe2\x80\xae", "\\u202e");         /* bidi override */
	CHECK_ESC("\xcc\x81", "\\u0301");             /* lone combining mark */
	e = escaped("ok 日本", strlen("ok 日本"), 1);
	CHECK_STR(e, "ok 日本");
	free(e);
	/* NUL inside the data is escaped too. */
	e = escaped("a\0b", 3, 1);
	CHECK_STR(e, "a\\x00b");
	free(e);
	/* In a non-UTF-8 locale every byte >= 0x80 is escaped. */
	e = escaped("日", 3, 0);
	CHECK_STR(e, "\\xe6\\x97\\xa5");
	free(e);
}

/* Lines of a wrap as plain strings joined by '|'. */
static char *wrapped(const char *s, int width, int indent, size_t max_lines, int utf8)
{
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_wrap(&ls, s, strlen(s), width, indent, TUI_ROLE_NORMAL, max_lines, utf8);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < ls.n; i++) {
		char *p = tui_line_plain(&ls.v[i]);
		CHECK_MSG(ls.v[i].width <= width, "line %zu of '%s' is %d wide > %d", i, s,
			  ls.v[i].width, width);
		CHECK_INT(tui_text_width(p, strlen(p), utf8), ls.v[i].width);
		if (i)
			buf_putc(&b, '|');
		buf_puts(&b, p);
		free(p);
	}
	tui_lines_release(&ls);
	return buf_detach(&b, NULL);
}

#define CHECK_WRAP(s, w, ind, max, want)                                                           \
	do {                                                                                       \
		char *got_ = wrapped(s, w, ind, max, 1);                                           \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_wrap(void)
{
	CHECK_WRAP("the quick brown fox jumps over the lazy dog", 10, 0, 0,
		   "the quick|brown fox|jumps over|the lazy|dog");
	CHECK_WRAP("abcdefghijklmnop", 5, 0, 0, "abcde|fghij|klmno|p");
	CHECK_WRAP("a abcdefghij", 5, 0, 0, "a|abcde|fghij");
	CHECK_WRAP("日本語のテキストです", 7, 0, 0, "日本語|のテキ|ストで|す");
	CHECK_WRAP("日本語のテキストです", 6, 0, 0, "日本語|のテキ|ストで|す");
	CHECK_WRAP("abc 日本語", 6, 0, 0, "abc 日|本語");
	CHECK_WRAP("りんごが3個あります。", 8, 0, 0, "りんごが|3個あり|ます。");
	/* Kinsoku: no line starts with 。、」 or a small kana, none ends with 「 */
	CHECK_WRAP("あいうえお。かきくけこ", 10, 0, 0, "あいうえ|お。かきく|けこ");
	CHECK_WRAP("あいうえお、かきくけこ", 10, 0, 0, "あいうえ|お、かきく|けこ");
	CHECK_WRAP("あいうえ「かき」です", 10, 0, 0, "あいうえ|「かき」で|す");
	CHECK_WRAP("あいうえおっと", 10, 0, 0, "あいうえ|おっと");
	CHECK_WRAP("答えは（たぶん）三です。", 8, 0, 0, "答えは|（たぶ|ん）三で|す。");
	CHECK_WRAP("abc。", 3, 0, 0, "ab|c。");
	CHECK_WRAP("a\n\nb", 10, 0, 0, "a||b");
	CHECK_WRAP("   ", 10, 0, 0, "");
	CHECK_WRAP("", 10, 0, 0, "");
	CHECK_WRAP("one two three four five", 9, 0, 2, "one two|three…");
	CHECK_WRAP("one two", 9, 0, 2, "one two");
	CHECK_WRAP("hello world", 9, 2, 0, "  hello|  world");
	CHECK_WRAP("x\x1b[2Jy", 20, 0, 0, "x\\x1b[2Jy");
	CHECK_WRAP("word    word", 6, 0, 0, "word|word");
	/* A wide character never sits in a one-column pane: it is shown as its
	 * escape, one column a line, and the text does not loop. */
	CHECK_WRAP("日本", 1, 0, 0, "\\|u|6|5|e|5|\\|u|6|7|2|c");
	char *a = wrapped("one two three four", 9, 0, 2, 0);
	CHECK_STR(a, "one two|three...");
	free(a);
}

static void test_truncate(void)
{
	struct tui_lines ls;
	tui_lines_init(&ls);
	struct tui_line *l = tui_lines_add(&ls);
	CHECK_INT(tui_line_text(l, TUI_ROLE_NORMAL, "hello world", 11, 8, 1, 1), 8);
	char *p = tui_line_plain(l);
	CHECK_STR(p, "hello w…");
	free(p);
	l = tui_lines_add(&ls);
	tui_line_text(l, TUI_ROLE_NORMAL, "日本語テキスト", strlen("日本語テキスト"), 7, 1, 1);
	p = tui_line_plain(l);
	CHECK_STR(p, "日本語…");
	CHECK_INT(l->width, 7);
	free(p);
	l = tui_lines_add(&ls);
	tui_line_text(l, TUI_ROLE_NORMAL, "日本語テキスト", strlen("日本語テキスト"), 6, 1, 1);
	p = tui_line_plain(l);
	CHECK_STR(p, "日本…");
	CHECK_INT(l->width, 5);
	free(p);
	l = tui_lines_add(&ls);
	tui_line_text(l, TUI_ROLE_NORMAL, "short", 5, 8, 1, 1);
	p = tui_line_plain(l);
	CHECK_STR(p, "short");
	free(p);
	/* roles: the escape is a span of its own role */
	l = tui_lines_add(&ls);
	tui_line_text(l, TUI_ROLE_TITLE,
		      "a\x1b"
		      "b\nc",
		      5, 40, 1, 1);
	CHECK_INT(l->n, 3);
	CHECK_STR(l->spans[0].text, "a");
	CHECK_INT(l->spans[0].role, TUI_ROLE_TITLE);
	CHECK_STR(l->spans[1].text, "\\x1b");
	CHECK_INT(l->spans[1].role, TUI_ROLE_ESCAPED);
	CHECK_STR(l->spans[2].text, "b c"); /* newline as a space on one line */
	/* ASCII ellipsis when the locale is not UTF-8 */
	l = tui_lines_add(&ls);
	tui_line_text(l, TUI_ROLE_NORMAL, "hello world", 11, 8, 1, 0);
	p = tui_line_plain(l);
	CHECK_STR(p, "hello...");
	free(p);
	tui_lines_release(&ls);
}

static void test_input(void)
{
	struct tui_input in;
	tui_input_set(&in, "");
	CHECK(tui_input_key(&in, 0x3042));
	CHECK(tui_input_key(&in, 0x3044));
	CHECK(tui_input_key(&in, 'x'));
	CHECK_STR(in.text, "あいx");
	CHECK(tui_input_key(&in, TUI_KEY_BACKSPACE));
	CHECK(tui_input_key(&in, TUI_KEY_BACKSPACE));
	CHECK_STR(in.text, "あ");
	CHECK(!tui_input_key(&in, 0x1b));
	CHECK(!tui_input_key(&in, 0x9b));
	CHECK(!tui_input_key(&in, TUI_KEY_UP));
	CHECK(tui_input_key(&in, 0x15));
	CHECK_STR(in.text, "");
	CHECK(!tui_input_key(&in, TUI_KEY_BACKSPACE));
	/* full: stops, never overflows */
	for (int i = 0; i < 1000; i++)
		tui_input_key(&in, 0x65e5);
	CHECK(in.len < sizeof in.text);
	CHECK(util_utf8_valid(in.text, in.len, 1, NULL));
	char big[2000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	tui_input_set(&in, big);
	CHECK_INT(in.len, sizeof in.text - 1);
}

static void test_canvas(void)
{
	struct tui_canvas cv = {0};
	CHECK_INT(tui_canvas_init(&cv, 5, 2), 0);
	CHECK_INT(tui_canvas_put(&cv, 0, 0, 5, TUI_ROLE_NORMAL, "日本語"), 5);
	char *r = tui_canvas_row(&cv, 0);
	CHECK_STR(r, "日本"); /* the third does not fit: a space pads */
	free(r);
	/* overwrite the right half of 日: its left half becomes a space */
	tui_canvas_put(&cv, 1, 0, 1, TUI_ROLE_TITLE, "x");
	r = tui_canvas_row(&cv, 0);
	CHECK_STR(r, " x本");
	free(r);
	CHECK_INT(tui_canvas_role(&cv, 1, 0), TUI_ROLE_TITLE);
	CHECK_INT(tui_canvas_role(&cv, 9, 0), -1);
	/* an escape drawn from a raw control byte is several cells */
	tui_canvas_put(&cv, 0, 1, 5, TUI_ROLE_NORMAL,
		       "\x1b"
		       "X");
	r = tui_canvas_row(&cv, 1);
	CHECK_STR(r, "\\x1bX");
	free(r);
	CHECK_INT(tui_canvas_role(&cv, 0, 1), TUI_ROLE_ESCAPED);
	CHECK(tui_canvas_init(&cv, 5000, 5000) != 0);
	tui_canvas_release(&cv);
}

/* Random bytes: every line fits, nothing raw below 0x20 or DEL survives. */
static void test_hostile(void)
{
	struct rng r;
	rng_seed(&r, 7);
	static const char pieces[][8] = {"\x1b",
					 "[",
					 "\x07",
					 "\r",
					 "\n",
					 "\t",
					 "日",
					 "\xc2\x9b",
					 "\xff",
					 " ",
					 "a",
					 "\xcc\x81",
					 "\xf0\x9f\x98\x80",
					 "\xe6"};
	for (int round = 0; round < 300; round++) {
		struct buf b;
		buf_init(&b);
		buf_puts(&b, "");
		size_t n = rng_below(&r, 200);
		for (size_t i = 0; i < n; i++) {
			if (rng_below(&r, 3) == 0)
				buf_putc(&b, (int)rng_below(&r, 256));
			else
				buf_puts(&b,
					 pieces[rng_below(&r, sizeof pieces / sizeof pieces[0])]);
		}
		int width = 1 + (int)rng_below(&r, 12);
		struct tui_lines ls;
		tui_lines_init(&ls);
		tui_wrap(&ls, b.data, b.len, width, 0, TUI_ROLE_NORMAL, rng_below(&r, 4), 1);
		struct tui_line *one = tui_lines_add(&ls);
		tui_line_text(one, TUI_ROLE_NORMAL, b.data, b.len, width, 1, 1);
		for (size_t i = 0; i < ls.n; i++) {
			CHECK(ls.v[i].width <= width);
			for (size_t k = 0; k < ls.v[i].n; k++)
				for (const unsigned char *p =
					     (const unsigned char *)ls.v[i].spans[k].text;
				     *p; p++)
					CHECK(*p >= 0x20 && *p != 0x7f);
		}
		tui_lines_release(&ls);
		buf_release(&b);
	}
}

/* Joiners and long clusters: every input byte is drawn or escaped, the width
 * is what ncurses draws (a character after a zero-width joiner has its own
 * cells), and no glyph is cut. */
#define ZWJ "\xe2\x80\x8d"
static const char zwj_chain[] = "答" ZWJ "え" ZWJ "は" ZWJ "で" ZWJ "す" ZWJ "よ" ZWJ "ヒ" ZWJ
				"ミ" ZWJ "ツ";
static const char family[] = "\xf0\x9f\x91\xa8" ZWJ "\xf0\x9f\x91\xa9" ZWJ "\xf0\x9f\x91\xa7" ZWJ
			     "\xf0\x9f\x91\xa6";

/* Glyphs of s: each raw one is its source bytes; together they cover s. */
static void check_glyphs_cover(const char *s, size_t n)
{
	size_t pos = 0, next = 0;
	struct tui_glyph g;
	while (tui_glyph_next(s, n, &pos, 1, &g) == 0) {
		CHECK_INT(g.off, next);
		CHECK(g.len > 0 && g.off + g.len == pos);
		if (!g.esc)
			CHECK(strlen(g.rep) == g.len && !memcmp(g.rep, s + g.off, g.len));
		else
			CHECK(g.rep[0] == '\\' && g.width == (int)strlen(g.rep));
		next = pos;
	}
	CHECK_INT(next, n);
}

/* Lines of a wrap joined, spaces and line ends removed. */
static char *wrap_joined(const char *s, size_t n, int width)
{
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_wrap(&ls, s, n, width, 0, TUI_ROLE_NORMAL, 0, 1);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < ls.n; i++) {
		CHECK(ls.v[i].width <= width);
		char *p = tui_line_plain(&ls.v[i]);
		for (char *q = p; *q; q++)
			if (*q != ' ')
				buf_putc(&b, *q);
		free(p);
	}
	tui_lines_release(&ls);
	return buf_detach(&b, NULL);
}

/* The escaped text with spaces and "\n" escapes removed. */
static char *escaped_joined(const char *s, size_t n)
{
	char *e = escaped(s, n, 1);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	for (char *q = e; *q; q++) {
		if (q[0] == '\\' && q[1] == 'n') {
			q++;
			continue;
		}
		if (*q != ' ')
			buf_putc(&b, *q);
	}
	free(e);
	return buf_detach(&b, NULL);
}

static void test_joiners(void)
{
	/* nothing swallowed after a joiner; each character has its columns */
	CHECK_INT(width_of(zwj_chain), 18);
	char *e = escaped(zwj_chain, strlen(zwj_chain), 1);
	CHECK_STR(e, zwj_chain);
	free(e);
	check_glyphs_cover(zwj_chain, strlen(zwj_chain));
	CHECK_INT(width_of("a" ZWJ "漢"), 3);
	CHECK_INT(width_of(family), 8);
	e = escaped(family, strlen(family), 1);
	CHECK_STR(e, family);
	free(e);
	check_glyphs_cover(family, strlen(family));
	/* a base with many marks: four go with it, the rest are escapes */
	const char zalgo[] = "e\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85\xcc\x86";
	e = escaped(zalgo, strlen(zalgo), 1);
	CHECK_STR(e, "e\xcc\x81\xcc\x82\xcc\x83\xcc\x84\\u0305\\u0306");
	free(e);
	check_glyphs_cover(zalgo, strlen(zalgo));
	/* a joiner with nothing before it is shown */
	e = escaped(ZWJ "x", 4, 1);
	CHECK_STR(e, "\\u200dx");
	free(e);
	/* a canvas cell keeps the whole glyph, the row gives back the text */
	struct tui_canvas cv = {0};
	CHECK_INT(tui_canvas_init(&cv, 40, 2), 0);
	CHECK_INT(tui_canvas_put(&cv, 0, 0, 40, TUI_ROLE_NORMAL, family), 8);
	char *r = tui_canvas_row(&cv, 0);
	CHECK_STR(r, family);
	free(r);
	CHECK_INT(tui_canvas_put(&cv, 0, 1, 40, TUI_ROLE_NORMAL, zwj_chain), 18);
	r = tui_canvas_row(&cv, 1);
	CHECK_STR(r, zwj_chain);
	free(r);
	tui_canvas_release(&cv);
	/* property: wrapping at any width draws every character or its escape */
	static const char *const parts[] = {
		"a",
		" ",
		"漢",
		ZWJ,
		"\xcc\x81",
		"\x1b[2J",
		"\xc2\x9b",
		"\xe2\x80\xae",
		"\xff",
		"\xf0\x9f\x91\xa8",
		"\n",
		"\xef\xbb\xbf",
		"\xe2\x81\xa6",
		"word",
		"\t",
		"\xe3\x81",
	};
	struct rng rg;
	rng_seed(&rg, 7);
	for (int t = 0; t < 400; t++) {
		struct buf in;
		buf_init(&in);
		buf_puts(&in, "");
		int k = 1 + (int)rng_below(&rg, 30);
		for (int i = 0; i < k; i++)
			buf_puts(&in, parts[rng_below(&rg, sizeof parts / sizeof *parts)]);
		check_glyphs_cover(in.data, in.len);
		int width = 2 + (int)rng_below(&rg, 12);
		char *got = wrap_joined(in.data, in.len, width);
		char *want = escaped_joined(in.data, in.len);
		CHECK_STR(got, want);
		free(got);
		free(want);
		buf_release(&in);
	}
}

/* Each review word gets its own glyph, role and word back; anything else,
 * NULL included, reads as pending. */
static void test_status_glyph(void)
{
	const struct tui_glyphs *g = tui_glyphs_get(0);
	static const struct {
		const char *status, *word, *glyph;
		int role;
	} cases[] = {
		{"accepted", "accepted", "[A]", TUI_ROLE_ACCEPTED},
		{"rejected", "rejected", "[R]", TUI_ROLE_REJECTED},
		{"flagged", "flagged", "[F]", TUI_ROLE_FLAGGED},
		{"pending", "pending", "[P]", TUI_ROLE_PENDING},
		{"Accepted", "pending", "[P]", TUI_ROLE_PENDING},
		{"accepte", "pending", "[P]", TUI_ROLE_PENDING},
		{"", "pending", "[P]", TUI_ROLE_PENDING},
		{NULL, "pending", "[P]", TUI_ROLE_PENDING},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int role = -1;
		const char *word = NULL;
		CHECK_STR(tui_status_glyph(g, cases[i].status, &role, &word), cases[i].glyph);
		CHECK_INT(role, cases[i].role);
		CHECK_STR(word, cases[i].word);
	}
	int role = -1;
	CHECK_STR(tui_status_glyph(g, "flagged", &role, NULL), "[F]");
	CHECK_INT(role, TUI_ROLE_FLAGGED);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8") || !tui_locale_utf8())
		TEST_SKIP("no C.UTF-8 locale");
	test_widths();
	test_escapes();
	test_wrap();
	test_truncate();
	test_input();
	test_canvas();
	test_hostile();
	test_joiners();
	test_status_glyph();
	CHECK(strcmp(tui_glyphs_get(1)->ok, tui_glyphs_get(0)->ok) != 0);
	CHECK_STR(tui_glyphs_get(0)->ok, "+");
	return test_done();
}
