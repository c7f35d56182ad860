/* fuzz_tui_text: display widths, escaping and wrapping (src/tui_text.c) in a
 * UTF-8 locale. Input: a byte choosing UTF-8 or byte decoding, a byte of
 * pane width, a byte of indent, then text. Properties: every input byte
 * belongs to exactly one glyph, drawn as itself or as a visible escape; the
 * width of a text is the sum of its glyphs'; escaping gives their
 * concatenation; every wrapped or cut line fits, its width is the sum of its
 * spans' and of the canvas cells it covers, and the canvas shows its text
 * whole; wrapping without a line limit loses no glyph but spaces at breaks. */
#include <locale.h>
#include <string.h>

#include "fuzz.h"
#include "tui_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	return 0;
}

/* Append the reps of the glyphs of s that are not spaces (nor newlines). */
static void visible(const char *s, size_t n, int utf8, struct buf *out)
{
	size_t pos = 0;
	struct tui_glyph g;
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0)
		if (!g.space && !g.newline && buf_puts(out, g.rep))
			abort();
}

/* Check a line against its spans and against the canvas drawing it. */
static void check_line(const struct tui_line *l, int maxw, struct tui_canvas *cv)
{
	int sum = 0;
	for (size_t i = 0; i < l->n; i++)
		sum += l->spans[i].width;
	FUZZ_CHECK(sum == l->width);
	FUZZ_CHECK(l->width <= maxw);
	tui_canvas_line(cv, 0, 0, cv->w, l, TUI_ROLE_BORDER);
	int cells = 0;
	struct buf drawn;
	buf_init(&drawn);
	if (buf_puts(&drawn, ""))
		abort();
	for (int x = 0; x < cv->w; x++) {
		const struct tui_cell *c = &cv->cells[x];
		if (c->role == TUI_ROLE_BORDER)
			continue;
		cells++;
		if (c->width && buf_puts(&drawn, c->ch))
			abort();
	}
	FUZZ_CHECK(cells == l->width);
	char *plain = tui_line_plain(l);
	FUZZ_CHECK(plain && !strcmp(plain, drawn.data));
	free(plain);
	buf_release(&drawn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	int utf8 = data[0] & 1;
	/* wide enough past the indent for the longest escape ("\U0010ffff"),
	 * so that escapes are never cut */
	int indent = data[2] % 8;
	int width = indent + 10 + data[1] % 70;
	size_t n = size - 3;
	char *s = fuzz_strndup(data + 3, n);

	size_t pos = 0, end = 0;
	int wsum = 0;
	struct tui_glyph g;
	struct buf reps;
	buf_init(&reps);
	if (buf_puts(&reps, ""))
		abort();
	while (tui_glyph_next(s, n, &pos, utf8, &g) == 0) {
		FUZZ_CHECK(g.off == end && g.len > 0 && pos == g.off + g.len);
		size_t rl = strlen(g.rep);
		if (g.esc)
			FUZZ_CHECK(rl > 1 && g.rep[0] == '\\' && g.width == (int)rl);
		else
			FUZZ_CHECK(rl == g.len && !memcmp(g.rep, s + g.off, g.len) && g.width > 0);
		end = pos;
		wsum += g.width;
		if (buf_puts(&reps, g.rep))
			abort();
	}
	FUZZ_CHECK(end == n);
	FUZZ_CHECK(tui_text_width(s, n, utf8) == wsum);
	struct buf esc;
	buf_init(&esc);
	if (buf_puts(&esc, "") || tui_text_escape(s, n, utf8, &esc))
		abort();
	FUZZ_CHECK(esc.len == reps.len && !memcmp(esc.data, reps.data, esc.len));
	buf_release(&esc);
	buf_release(&reps);

	struct tui_canvas cv;
	memset(&cv, 0, sizeof cv);
	if (tui_canvas_init(&cv, width + 4, 1))
		abort();
	struct tui_lines ls;
	tui_lines_init(&ls);
	struct tui_line *l = tui_lines_add(&ls);
	int used = tui_line_text(l, TUI_ROLE_NORMAL, s, n, width, data[2] & 8, utf8);
	FUZZ_CHECK(used == l->width);
	check_line(l, width, &cv);
	tui_lines_release(&ls);

	/* the canvas draws in the process's locale: compare in the same one */
	if (utf8 == tui_locale_utf8() || !utf8) {
		tui_lines_init(&ls);
		size_t added = tui_wrap(&ls, s, n, width, indent, TUI_ROLE_NORMAL, 0, utf8);
		FUZZ_CHECK(added == ls.n);
		struct buf want, got;
		buf_init(&want);
		buf_init(&got);
		if (buf_puts(&want, "") || buf_puts(&got, ""))
			abort();
		visible(s, n, utf8, &want);
		for (size_t i = 0; i < ls.n; i++) {
			check_line(&ls.v[i], width, &cv);
			char *plain = tui_line_plain(&ls.v[i]);
			visible(plain, strlen(plain), tui_locale_utf8(), &got);
			free(plain);
		}
		if (want.len != got.len || memcmp(want.data, got.data, want.len))
			fprintf(stderr, "text:    %s\nwrapped: %s\n", want.data, got.data);
		FUZZ_CHECK(want.len == got.len && !memcmp(want.data, got.data, want.len));
		buf_release(&want);
		buf_release(&got);
		tui_lines_release(&ls);
	}
	tui_canvas_release(&cv);
	free(s);
	return 0;
}
