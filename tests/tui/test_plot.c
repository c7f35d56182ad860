/* test_plot: text plots against grids worked out by hand (braille dots,
 * half blocks, ASCII), ranges and log scales, gaps for NaN and inf, empty,
 * single-point, constant, overlaid and huge series, smoothing, the chart
 * with labels and legend; the Train screen's ETA figures and the Inspect
 * screen's pairing, filters and summary on fixture predictions. */
#include <locale.h>
#include <math.h>

#include "mentor/store.h"
#include "test.h"
#include "tui_plot.h"

static char *render(const double *x, const double *y, size_t n, int w, int h, int glyphs, int logy)
{
	struct tui_plot_series s = {"s", x, y, n, TUI_ROLE_NORMAL, '1', NULL};
	struct tui_plot_opts o = {w, h, glyphs, logy, 0, 0, 0, 0, 0};
	struct tui_plot p;
	CHECK_INT(tui_plot_render(&p, &s, 1, &o), 0);
	char *t = tui_plot_text(&p);
	tui_plot_release(&p);
	return t;
}

#define CHECK_PLOT(x, y, n, w, h, gl, logy, want)                                                  \
	do {                                                                                       \
		char *got_ = render(x, y, n, w, h, gl, logy);                                      \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_braille(void)
{
	/* 2x1 cells = 4x4 dots; y = x from the bottom-left to the top-right:
	 * dots (0,3) (1,2) | (2,1) (3,0): 0x40|0x20 = U+2860, 0x02|0x08 = U+280A */
	const double x4[] = {0, 1, 2, 3}, y4[] = {0, 1, 2, 3};
	CHECK_PLOT(x4, y4, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⡠⠊");
	/* without x: the index is the abscissa */
	CHECK_PLOT(NULL, y4, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⡠⠊");
	/* 4x2 cells = 8x8 dots, y = x over 8 points */
	const double x8[] = {0, 1, 2, 3, 4, 5, 6, 7};
	CHECK_PLOT(x8, x8, 8, 4, 2, TUI_PLOT_BRAILLE, 0, "  ⡠⠊\n⡠⠊  ");
	/* falling line: mirror image */
	const double y8d[] = {7, 6, 5, 4, 3, 2, 1, 0};
	CHECK_PLOT(x8, y8d, 8, 4, 2, TUI_PLOT_BRAILLE, 0, "⠑⢄  \n  ⠑⢄");
	/* a steep segment is joined without holes: (0,3) (0,2) (1,1) (1,0),
	 * then a NaN leaves a gap before the lone point (3,0) */
	const double yg[] = {0, 3, NAN, 3};
	CHECK_PLOT(x4, yg, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⡜⠈");
	/* the same with the gap filled joins (1,0) to (3,0) */
	const double yj[] = {0, 3, 3, 3};
	CHECK_PLOT(x4, yj, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⡜⠉");
	/* infinities are gaps too */
	const double yi[] = {0, 3, INFINITY, 3};
	CHECK_PLOT(x4, yi, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⡜⠈");
}

static void test_scales(void)
{
	/* log10 of 1, 10, 100, 1000 is the straight line of test_braille */
	const double x4[] = {0, 1, 2, 3}, y[] = {1, 10, 100, 1000};
	CHECK_PLOT(x4, y, 4, 2, 1, TUI_PLOT_BRAILLE, 1, "⡠⠊");
	/* on the linear scale the first three points hug the bottom */
	CHECK_PLOT(x4, y, 4, 2, 1, TUI_PLOT_BRAILLE, 0, "⣀⡜");
	/* zero has no logarithm: skipped, the range is 10..1000 from x=1:
	 * dots (0,3) (1,2) (2,2) | (2,2) (3,1) (3,0) */
	const double yz[] = {0, 10, 100, 1000};
	CHECK_PLOT(x4, yz, 4, 2, 1, TUI_PLOT_BRAILLE, 1, "⡠⠜");
	/* a constant series sits mid-height: row 2 of 0..3 */
	const double yc[] = {5, 5, 5};
	CHECK_PLOT(NULL, yc, 3, 2, 1, TUI_PLOT_BRAILLE, 0, "⠤⠤");
	/* a single point: middle of both ranges, dot (1,2) */
	const double y1[] = {42};
	CHECK_PLOT(NULL, y1, 1, 1, 1, TUI_PLOT_BRAILLE, 0, "⠠");
	/* fixed ranges clip what falls outside: from (0,2) up and out */
	struct tui_plot_series s = {NULL, x4, y, 4, 0, 0, NULL};
	struct tui_plot_opts o = {2, 1, TUI_PLOT_BRAILLE, 0, 0, 3, 0, 3, 0};
	struct tui_plot p;
	CHECK_INT(tui_plot_render(&p, &s, 1, &o), 0);
	CHECK_NEAR(p.ymax, 3, 1e-12);
	char *t = tui_plot_text(&p);
	CHECK_STR(t, "⠇ ");
	free(t);
	tui_plot_release(&p);
	/* sizes out of range are refused */
	o.w = 0;
	CHECK_INT(tui_plot_render(&p, &s, 1, &o), MENTOR_ENOMEM);
	o.w = 2000;
	CHECK_INT(tui_plot_render(&p, &s, 1, &o), MENTOR_ENOMEM);
}

static void test_other_glyphs(void)
{
	/* 4x1 cells of half blocks = 4x2 dots: (0,1) (1,1) (2,0) (3,0) */
	const double x4[] = {0, 1, 2, 3};
	CHECK_PLOT(x4, x4, 4, 4, 1, TUI_PLOT_BLOCK, 0, "▄▄▀▀");
	CHECK_PLOT(x4, x4, 4, 4, 1, TUI_PLOT_ASCII, 0, "..''");
	/* a vertical jump fills both halves of its column */
	const double x3[] = {0, 0, 1}, yj[] = {0, 3, 3};
	CHECK_PLOT(x3, yj, 3, 2, 1, TUI_PLOT_BLOCK, 0, "█▀");
	CHECK_PLOT(x3, yj, 3, 2, 1, TUI_PLOT_ASCII, 0, ":'");
}

static void test_empty_and_many(void)
{
	/* nothing to draw: blanks and no data */
	CHECK_PLOT(NULL, NULL, 0, 3, 2, TUI_PLOT_BRAILLE, 0, "   \n   ");
	const double bad[] = {NAN, INFINITY, -INFINITY};
	CHECK_PLOT(NULL, bad, 3, 2, 1, TUI_PLOT_BRAILLE, 0, "  ");
	const double neg[] = {-1, 0, -5};
	CHECK_PLOT(NULL, neg, 3, 2, 1, TUI_PLOT_BRAILLE, 1, "  ");
	struct tui_plot_series s = {NULL, NULL, bad, 3, 0, 0, NULL};
	struct tui_plot_opts o = {2, 1, TUI_PLOT_BRAILLE, 0, 0, 0, 0, 0, 0};
	struct tui_plot p;
	CHECK_INT(tui_plot_render(&p, &s, 1, &o), 0);
	CHECK_INT(p.has_data, 0);
	tui_plot_release(&p);

	/* two series: the later one owns the cells it shares */
	const double xs[] = {0, 3}, lo[] = {0, 0}, hi[] = {3, 3};
	struct tui_plot_series two[2] = {{"lo", xs, lo, 2, 1, '1', NULL},
					 {"hi", xs, hi, 2, 2, '2', NULL}};
	o = (struct tui_plot_opts){2, 1, TUI_PLOT_BRAILLE, 0, 0, 0, 0, 0, 0};
	CHECK_INT(tui_plot_render(&p, two, 2, &o), 0);
	char *t = tui_plot_text(&p);
	CHECK_STR(t, "⣉⣉"); /* row 3 (0xC0) and row 0 (0x09) */
	free(t);
	CHECK_INT(p.cells[0].series, 1);
	CHECK_INT(p.cells[1].series, 1);
	tui_plot_release(&p);

	/* magnitudes whose range overflows a double: no dot lands outside */
	const double huge[] = {-1e308, 1e308, -1e308};
	struct tui_plot_series hs = {NULL, NULL, huge, 3, 0, 0, NULL};
	o = (struct tui_plot_opts){2, 1, TUI_PLOT_BRAILLE, 0, 0, 0, 0, 0, 0};
	CHECK_INT(tui_plot_render(&p, &hs, 1, &o), 0);
	tui_plot_release(&p);
	struct tui_lines hl;
	tui_lines_init(&hl);
	CHECK_INT(tui_plot_chart(&hs, 1, &o, "huge", 30, 6, 1, &hl), 0);
	CHECK_INT((int)hl.n, 6);
	tui_lines_release(&hl);

	/* a million points: a constant one draws like three, an alternating
	 * one fills every dot column from bottom to top */
	size_t n = 1000000;
	double *y = malloc(n * sizeof *y);
	CHECK(y != NULL);
	for (size_t i = 0; i < n; i++)
		y[i] = 7;
	CHECK_PLOT(NULL, y, n, 2, 1, TUI_PLOT_BRAILLE, 0, "⠤⠤");
	for (size_t i = 0; i < n; i++)
		y[i] = (double)(i % 2);
	CHECK_PLOT(NULL, y, n, 3, 2, TUI_PLOT_BRAILLE, 0, "⣿⣿⣿\n⣿⣿⣿");
	/* a ramp with a few NaNs still reaches both corners */
	for (size_t i = 0; i < n; i++)
		y[i] = i % 100000 == 5 ? NAN : (double)i;
	char *r = render(NULL, y, n, 4, 2, TUI_PLOT_BRAILLE, 0);
	CHECK(strstr(r, "\n") != NULL);
	CHECK(strncmp(r, "  ", 2) == 0);             /* top left empty */
	CHECK(strcmp(r + strlen(r) - 2, "  ") == 0); /* bottom right empty */
	CHECK(strlen(r) == 2 * (2 * 3 + 2) + 1);     /* 4 braille cells, 4 spaces, '\n' */
	free(r);
	free(y);
}

static void test_ema(void)
{
	const double y[] = {1, NAN, 3, INFINITY, 5};
	double out[5];
	tui_plot_ema(y, 5, 0.5, out);
	CHECK_NEAR(out[0], 1, 1e-12);
	CHECK(isnan(out[1]));
	CHECK_NEAR(out[2], 2, 1e-12);
	CHECK(isnan(out[3]));
	CHECK_NEAR(out[4], 3.5, 1e-12);
	const double z[] = {NAN, 4, 8};
	tui_plot_ema(z, 3, 0.25, out);
	CHECK(isnan(out[0]));
	CHECK_NEAR(out[1], 4, 1e-12);
	CHECK_NEAR(out[2], 5, 1e-12);
	/* alpha out of range means no smoothing */
	tui_plot_ema(z, 3, 7, out);
	CHECK_NEAR(out[2], 8, 1e-12);
	tui_plot_ema(z, 0, 0.5, out); /* empty: nothing written */
}

static char *lines_text(const struct tui_lines *ls)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < ls->n; i++) {
		char *t = tui_line_plain(&ls->v[i]);
		buf_puts(&b, t);
		buf_putc(&b, '\n');
		free(t);
	}
	return buf_detach(&b, NULL);
}

static void test_chart(void)
{
	const double x[] = {0, 50, 100}, a[] = {3, 2, 1}, b[] = {3, 1.5, 0.5};
	struct tui_plot_series s[2] = {{"baseline", x, a, 3, TUI_ROLE_MATCH, '1', NULL},
				       {"mt-cot 日本", x, b, 3, TUI_ROLE_ACCEPTED, '2', NULL}};
	struct tui_plot_opts o = {0, 0, TUI_PLOT_BRAILLE, 0, 0, 0, 0, 0, 0};
	struct tui_lines ls;
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(s, 2, &o, "loss", 40, 10, 1, &ls), 0);
	CHECK_INT((int)ls.n, 10);
	for (size_t i = 0; i < ls.n; i++)
		CHECK_INT(ls.v[i].width, 40);
	char *t = lines_text(&ls);
	CHECK(strncmp(t, "loss", 4) == 0);
	CHECK(strstr(t, "      3│") != NULL); /* top label */
	CHECK(strstr(t, "    0.5│") != NULL); /* bottom label */
	CHECK(strstr(t, "1 baseline") != NULL);
	CHECK(strstr(t, "2 mt-cot 日本") != NULL);
	CHECK(strstr(t, "100") != NULL); /* last x */
	/* end marks: series 2 ends on the bottom row, series 1 above it */
	char *row_b = tui_line_plain(&ls.v[7]);
	CHECK(row_b[strlen(row_b) - 1] == '2' || strstr(row_b, "2") != NULL);
	free(row_b);
	/* series cells carry their roles */
	int roles = 0;
	for (size_t i = 1; i < 8; i++)
		for (size_t k = 0; k < ls.v[i].n; k++)
			roles |= ls.v[i].spans[k].role == TUI_ROLE_ACCEPTED ? 1
				 : ls.v[i].spans[k].role == TUI_ROLE_MATCH  ? 2
									    : 0;
	CHECK_INT(roles, 3);
	free(t);
	tui_lines_release(&ls);

	/* not UTF-8: ASCII dots and axis, log scale noted */
	o.logy = 1;
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(s, 2, &o, "loss", 30, 6, 0, &ls), 0);
	t = lines_text(&ls);
	CHECK(strstr(t, "(log)") != NULL);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p >= 0x80 && strstr(t, "日本") == NULL) {
			CHECK_MSG(0, "non-ASCII byte in an ASCII chart");
			break;
		}
	CHECK(strstr(t, "|") != NULL);
	free(t);
	tui_lines_release(&ls);

	/* no data: says so; tiny sizes are widened */
	struct tui_plot_series e = {"empty", NULL, NULL, 0, 0, 0, NULL};
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(&e, 1, &o, "val_loss", 3, 1, 1, &ls), 0);
	CHECK_INT((int)ls.n, 5);
	t = lines_text(&ls);
	CHECK(strstr(t, "no data yet") != NULL);
	free(t);
	tui_lines_release(&ls);

	char lab[32];
	tui_plot_label(1234567, lab, sizeof lab);
	CHECK_STR(lab, "1.2e+06");
	tui_plot_label(0.0456, lab, sizeof lab);
	CHECK_STR(lab, "0.0456");
	tui_plot_label(NAN, lab, sizeof lab);
	CHECK_STR(lab, "nan");
}

/* Legends: every labelled series listed, the labels on one row when they
 * fit, else the tags over several rows; the plot keeps at least two rows. */
static void test_legend(void)
{
	const double x[] = {0, 1}, y[] = {2, 1};
	struct tui_plot_opts o = {0, 0, TUI_PLOT_BRAILLE, 0, 0, 0, 0, 0, 0};
	struct tui_plot_series s[8];
	char labels[8][32], tags[8][16];
	static const int64_t ids[8] = {1, 3, 9, 10, 11, 99, 100, 104};
	for (int i = 0; i < 8; i++) {
		snprintf(tags[i], sizeof tags[i], "#%lld", (long long)ids[i]);
		snprintf(labels[i], sizeof labels[i], "#%lld mt-cot-%lld", (long long)ids[i],
			 (long long)ids[i]);
		s[i] = (struct tui_plot_series){labels[i],       x,      y, 2, TUI_ROLE_MATCH,
						(char)('a' + i), tags[i]};
	}
	/* two fit one row of 40 with their labels */
	struct tui_lines ls;
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(s, 2, &o, "loss", 40, 10, 1, &ls), 0);
	CHECK_INT((int)ls.n, 10);
	char *t = tui_line_plain(&ls.v[9]);
	CHECK_STR(t, " a #1 mt-cot-1  b #3 mt-cot-3           ");
	free(t);
	tui_lines_release(&ls);
	/* eight do not: their tags, every one, on as many rows as they take */
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(s, 8, &o, "loss", 30, 12, 1, &ls), 0);
	CHECK_INT((int)ls.n, 12);
	char *all = lines_text(&ls);
	for (int i = 0; i < 8; i++) {
		char want[24];
		snprintf(want, sizeof want, "%c %s", 'a' + i, tags[i]);
		CHECK_MSG(strstr(all, want) != NULL, "legend lacks '%s':\n%s", want, all);
	}
	CHECK(strstr(all, "mt-cot") == NULL);
	free(all);
	t = tui_line_plain(&ls.v[10]);
	CHECK_STR(t, " a #1  b #3  c #9  d #10      ");
	free(t);
	t = tui_line_plain(&ls.v[11]);
	CHECK_STR(t, " e #11  f #99  g #100  h #104 ");
	free(t);
	for (size_t i = 0; i < ls.n; i++)
		CHECK_INT(ls.v[i].width, 30);
	tui_lines_release(&ls);
	/* a short chart keeps its plot rows: the legend gives way */
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(s, 8, &o, "loss", 20, 6, 1, &ls), 0);
	CHECK_INT((int)ls.n, 6);
	t = tui_line_plain(&ls.v[5]);
	CHECK(strncmp(t, " a #1", 5) == 0);
	free(t);
	tui_lines_release(&ls);
	/* raw series under their average have no label: no entry */
	struct tui_plot_series two[2] = {{NULL, x, y, 2, TUI_ROLE_DIM, 0, NULL}, s[0]};
	tui_lines_init(&ls);
	CHECK_INT(tui_plot_chart(two, 2, &o, "loss", 40, 8, 1, &ls), 0);
	t = tui_line_plain(&ls.v[7]);
	CHECK_STR(t, " a #1 mt-cot-1                          ");
	free(t);
	tui_lines_release(&ls);
}

static const struct store_run *const *run_ptrs(struct store_run *r, size_t n)
{
	static const struct store_run *p[16];
	for (size_t i = 0; i < n && i < 16; i++)
		p[i] = &r[i];
	return p;
}

/* The Train screen's list: default overlay, selection after a delete, the
 * window with its cues, the id column, the figure at the right. */
static void test_train_list(void)
{
	struct store_run r[7];
	memset(r, 0, sizeof r);
	static const int64_t ds[7] = {1, 1, 2, 1, 2, 2, 1};
	static const char *const var[7] = {"baseline", "mt-cot", "mt-cot", "mt-cot",
					   "baseline", "mt-cot", "mt-re"};
	for (int i = 0; i < 7; i++) {
		r[i].id = i + 1;
		r[i].dataset_id = ds[i];
		r[i].variant = (char *)var[i];
	}
	int ov[7];
	/* selected #7 (dataset 1): the newest of each variant of dataset 1 only */
	tui_train_default_overlay(run_ptrs(r, 7), 7, 6, ov);
	static const int want1[7] = {1, 0, 0, 1, 0, 0, 1};
	for (int i = 0; i < 7; i++)
		CHECK_MSG(ov[i] == want1[i], "overlay of #%d: %d", i + 1, ov[i]);
	/* selected #3 (dataset 2): #5 baseline and #6 mt-cot */
	tui_train_default_overlay(run_ptrs(r, 7), 7, 2, ov);
	static const int want2[7] = {0, 0, 0, 0, 1, 1, 0};
	for (int i = 0; i < 7; i++)
		CHECK_MSG(ov[i] == want2[i], "overlay of #%d: %d", i + 1, ov[i]);
	tui_train_default_overlay(run_ptrs(r, 7), 7, 7, ov);
	for (int i = 0; i < 7; i++)
		CHECK_INT(ov[i], 0);

	/* reselect: the same run, else the neighbour */
	const int64_t after[4] = {1, 2, 4, 5}; /* #3 deleted */
	CHECK_INT((int)tui_train_reselect(after, 4, 4, 3), 2);
	CHECK_INT((int)tui_train_reselect(after, 4, 3, 2), 2); /* #3 gone: #4 */
	CHECK_INT((int)tui_train_reselect(after, 4, 6, 4), 3); /* the last gone: #5 */
	CHECK_INT((int)tui_train_reselect(after, 0, 6, 4), 0);
	CHECK_INT((int)tui_train_reselect(after, 4, 9, 99), 3);

	/* window: all fit, no cue */
	struct tui_train_window w;
	tui_train_window(5, 4, 0, 5, &w);
	CHECK_INT((int)w.top, 0);
	CHECK_INT((int)w.shown, 5);
	CHECK_INT((int)(w.above + w.below), 0);
	/* 20 runs in 6 rows, first selected: 5 runs and "15 more" below */
	tui_train_window(20, 0, 0, 6, &w);
	CHECK_INT((int)w.top, 0);
	CHECK_INT((int)w.shown, 5);
	CHECK_INT((int)w.above, 0);
	CHECK_INT((int)w.below, 15);
	/* the 6th selected: cues both ends, the run on the last run row */
	tui_train_window(20, 5, 0, 6, &w);
	CHECK_INT((int)w.above, 2);
	CHECK_INT((int)w.top, 2);
	CHECK_INT((int)w.shown, 4);
	CHECK_INT((int)(w.top + w.shown - 1), 5);
	CHECK_INT((int)w.below, 14);
	/* the last selected: a cue above, none below */
	tui_train_window(20, 19, 2, 6, &w);
	CHECK_INT((int)w.top, 15);
	CHECK_INT((int)w.shown, 5);
	CHECK_INT((int)w.above, 15);
	CHECK_INT((int)w.below, 0);
	/* moving up inside the window keeps it; past its top scrolls */
	tui_train_window(20, 16, 15, 6, &w);
	CHECK_INT((int)w.top, 15);
	tui_train_window(20, 14, 15, 6, &w);
	CHECK_INT((int)w.top, 14);
	CHECK_INT((int)w.above, 14);
	/* every selection is shown, whatever the window before */
	for (size_t sel = 0; sel < 20; sel++)
		for (size_t top = 0; top < 25; top += 3)
			for (int h = 1; h < 9; h++) {
				tui_train_window(20, sel, top, h, &w);
				CHECK(sel >= w.top && sel < w.top + w.shown);
				CHECK((int)(w.shown + (w.above > 0) + (w.below > 0)) <= h);
				if (h >= 3) /* else no room for cue rows */
					CHECK_INT((int)(w.above + w.shown + w.below), 20);
			}
	tui_train_window(0, 0, 0, 6, &w);
	CHECK_INT((int)w.shown, 0);

	/* id column */
	const int64_t ids[3] = {7, 104, 12};
	CHECK_INT(tui_train_id_width(ids, 3), 3);
	CHECK_INT(tui_train_id_width(ids, 1), 1);
	CHECK_INT(tui_train_id_width(ids, 0), 1);

	/* figures */
	char b[32];
	tui_train_row_figure("done", 200, 200, 0.5, 0.75, "test", b, sizeof b);
	CHECK_STR(b, "test 75%");
	tui_train_row_figure("done", 200, 200, 1.0, NAN, "dev", b, sizeof b);
	CHECK_STR(b, "dev 100%");
	tui_train_row_figure("done", 200, 200, NAN, NAN, "test", b, sizeof b);
	CHECK_STR(b, "");
	tui_train_row_figure("stopped", 80, 200, NAN, NAN, "test", b, sizeof b);
	CHECK_STR(b, "40%");
	tui_train_row_figure("running", 0, 0, NAN, NAN, "test", b, sizeof b);
	CHECK_STR(b, "");
	tui_train_row_figure("running", 250, 200, NAN, NAN, "test", b, sizeof b);
	CHECK_STR(b, "100%");
}

static void test_eta(void)
{
	struct tui_train_eta e;
	tui_train_eta(10, 1000, 10, &e);
	CHECK_INT(e.known, 0); /* 1% and fewer than 20 steps */
	tui_train_eta(20, 1000, 10, &e);
	CHECK_INT(e.known, 1);
	CHECK_NEAR(e.eta, 490, 1e-9);
	tui_train_eta(6, 100, 3, &e); /* 6% */
	CHECK_INT(e.known, 1);
	CHECK_NEAR(e.eta, 47, 1e-9);
	tui_train_eta(0, 100, 3, &e);
	CHECK_INT(e.known, 0);
	tui_train_eta(50, 100, 0, &e);
	CHECK_INT(e.known, 0);
	char b[32];
	tui_train_duration(45, b, sizeof b);
	CHECK_STR(b, "45s");
	tui_train_duration(725, b, sizeof b);
	CHECK_STR(b, "12m05s");
	tui_train_duration(10920, b, sizeof b);
	CHECK_STR(b, "3h02m");
	tui_train_duration(NAN, b, sizeof b);
	CHECK_STR(b, "-");
	tui_train_duration(-1, b, sizeof b);
	CHECK_STR(b, "-");
}

static void pred(struct store_pred *p, int64_t item, int correct, int cot)
{
	memset(p, 0, sizeof *p);
	p->item_id = item;
	p->correct = correct;
	p->cot_correct = cot;
}

static void check_rows(const struct store_pred *a, size_t na, const struct store_pred *b, size_t nb,
		       int filter, const char *want)
{
	struct tui_inspect_row *r;
	size_t n;
	CHECK_INT(tui_inspect_rows(a, na, b, nb, filter, &r, &n), 0);
	char got[128] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len + 8 < sizeof got; i++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%lld%s", i ? " " : "",
					(long long)r[i].item_id, r[i].b ? "" : "-");
	CHECK_STR(got, want);
	free(r);
}

static void test_inspect(void)
{
	/* run A (mt-cot) over items 1..6; run B (baseline) over 1..5, listed
	 * out of order */
	struct store_pred a[6], b[5];
	pred(&a[0], 1, 1, 1);
	pred(&a[1], 2, 0, 0);
	pred(&a[2], 3, 1, 0);
	pred(&a[3], 4, 0, 1);
	pred(&a[4], 5, 1, 1);
	pred(&a[5], 6, 0, 0);
	pred(&b[0], 5, 0, -1);
	pred(&b[1], 1, 0, -1);
	pred(&b[2], 2, 1, -1);
	pred(&b[3], 4, 0, -1);
	pred(&b[4], 3, 1, -1);
	check_rows(a, 6, b, 5, TUI_INSPECT_ALL, "1 2 3 4 5 6-");
	check_rows(a, 6, b, 5, TUI_INSPECT_WRONG, "2 4 6-");
	check_rows(a, 6, b, 5, TUI_INSPECT_RIGHT, "1 3 5");
	check_rows(a, 6, b, 5, TUI_INSPECT_FIXED, "1 5");
	check_rows(a, 6, b, 5, TUI_INSPECT_BROKEN, "2");
	/* the other way round: what A fixed, B broke */
	check_rows(b, 5, a, 6, TUI_INSPECT_BROKEN, "1 5");
	/* no comparison: fixed and broken are empty */
	check_rows(a, 6, NULL, 0, TUI_INSPECT_FIXED, "");
	check_rows(a, 6, NULL, 0, TUI_INSPECT_ALL, "1- 2- 3- 4- 5- 6-");
	check_rows(NULL, 0, b, 5, TUI_INSPECT_ALL, "");

	struct tui_inspect_sum s;
	tui_inspect_summary(a, 6, b, 5, &s);
	CHECK_INT(s.n, 6);
	CHECK_INT(s.correct, 3);
	CHECK_INT(s.cot_n, 6);
	CHECK_INT(s.cot_correct, 3);
	CHECK_INT(s.vs_n, 5);
	CHECK_INT(s.vs_correct, 2);
	CHECK_INT(s.vs_cot_n, 0);
	CHECK_INT(s.fixed, 2);
	CHECK_INT(s.broken, 1);
	struct tui_lines ls;
	tui_lines_init(&ls);
	struct tui_line *l = tui_lines_add(&ls);
	CHECK_INT(tui_inspect_summary_line(&s, "#2 mt-cot", "#1 baseline", 120, 0, l), 0);
	char *t = tui_line_plain(l);
	const char *want = "A #2 mt-cot direct 50.0% (3/6) expl 50.0% (3/6) | B #1 baseline "
			   "direct 40.0% (2/5) | fixed 2 broken 1";
	CHECK(strncmp(t, want, strlen(want)) == 0);
	CHECK_INT(l->width, 120);
	free(t);
	/* narrow: the compact form, fixed and broken left to the caller */
	l = tui_lines_add(&ls);
	CHECK_INT(tui_inspect_summary_line(&s, "#2 mt-cot", "#1 baseline", 70, 0, l), 1);
	t = tui_line_plain(l);
	CHECK_STR(t, "A #2 mt-cot dir 50.0% expl 50.0% | B #1 baseline dir 40.0%            ");
	CHECK_INT(l->width, 70);
	free(t);
	tui_lines_release(&ls);
	tui_inspect_summary(a, 6, NULL, 0, &s);
	CHECK_INT(s.fixed, 0);
	CHECK_INT(s.vs_n, 0);
	tui_lines_init(&ls);
	l = tui_lines_add(&ls);
	tui_inspect_summary_line(&s, "x\x1b[31m", NULL, 40, 1, l);
	t = tui_line_plain(l);
	CHECK(strchr(t, 0x1b) == NULL); /* data labels escaped */
	free(t);
	tui_lines_release(&ls);
	CHECK_STR(tui_inspect_filter_name(TUI_INSPECT_FIXED), "fixed");
	CHECK_STR(tui_inspect_filter_name(99), "?");
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_braille();
	test_scales();
	test_other_glyphs();
	test_empty_and_many();
	test_ema();
	test_chart();
	test_legend();
	test_train_list();
	test_eta();
	test_inspect();
	return test_done();
}
