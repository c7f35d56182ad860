/* tui_plot: private to the src/tui_*.c files. Line plots drawn with text:
 * braille dots (U+2800 block, 2x4 dots a cell), half blocks (1x2) or ASCII
 * (1x2), with linear or log scales, exponential smoothing, several series,
 * axis labels and a legend. Pure code: no terminal; tests compare the cells
 * with grids written by hand. Also the pure parts of the Train and Inspect
 * screens (progress figures, prediction filters and summaries). */
#ifndef MENTOR_TUI_PLOT_H
#define MENTOR_TUI_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "tui_int.h"

struct store_pred;

/* ------------------------------------------------------------- plots */

enum { TUI_PLOT_BRAILLE = 0, TUI_PLOT_BLOCK, TUI_PLOT_ASCII, TUI_PLOT_N_GLYPHS };

struct tui_plot_series {
	const char *label; /* legend text (data, escaped when drawn); NULL: not in the legend */
	const double *x;   /* n abscissas, increasing; NULL: 0, 1, 2, ... */
	const double *y;   /* n ordinates; NaN, inf (and <= 0 on a log scale) leave a gap */
	size_t n;
	int role;        /* role of its cells and legend entry */
	char mark;       /* one ASCII character marking its last point and legend; 0: none */
	const char *tag; /* short legend text used when the labels do not all fit one
			    * row; NULL: the label */
};

struct tui_plot_opts {
	int w, h;   /* plot area in cells */
	int glyphs; /* TUI_PLOT_* */
	int logy;   /* 1: log10 scale of y */
	/* Ranges used when lo < hi; otherwise found from the finite points. */
	double xmin, xmax, ymin, ymax;
	int lang; /* the words' language (I18N_EN, 0, or I18N_JA) */
};

struct tui_plot_cell {
	char ch[4]; /* UTF-8 of the cell (one character) */
	int series; /* index of the series drawn last in the cell, -1 empty */
};

struct tui_plot {
	int w, h;
	struct tui_plot_cell *cells; /* h rows of w cells */
	double xmin, xmax;           /* ranges used */
	double ymin, ymax;           /* in log10 units when logy */
	int logy;
	int has_data; /* 0: no finite point at all */
};

/* Draw the series into p (w x h cells): consecutive finite points joined by
 * straight lines; every point counts however many there are (each dot
 * column keeps the range of the points falling in it, so a series of a
 * million points costs one pass). A constant series or a single point sits
 * mid-height; a single x sits mid-width. Returns 0 or MENTOR_ENOMEM (also
 * for sizes out of 1..1000). Release with tui_plot_release. */
int tui_plot_render(struct tui_plot *p, const struct tui_plot_series *s, size_t n,
		    const struct tui_plot_opts *o);
void tui_plot_release(struct tui_plot *p);
/* The cells as text, rows separated by '\n' (no trailing newline); empty
 * cells are spaces. Caller frees. */
char *tui_plot_text(const struct tui_plot *p);

/* Exponential moving average of y into out (n values): out[i] = a*y[i] +
 * (1-a)*out[i-1], started at the first finite value; non-finite inputs give
 * NaN and leave the average as it was. alpha in (0,1]. */
void tui_plot_ema(const double *y, size_t n, double alpha, double *out);

/* A chart: title row, plot rows with y labels on the left and end marks on
 * the right, an x label row and the legend, in w x h cells (h >= 5,
 * w >= 20), appended to out as lines. The legend lists every labelled
 * series: on one row with the labels when they fit, else with the tags on
 * as many rows as they take (the plot keeps at least two rows; what does
 * not fit then is left out). o->w and o->h are ignored (derived
 * from w and h). Returns 0 or MENTOR_ENOMEM. */
int tui_plot_chart(const struct tui_plot_series *s, size_t n, const struct tui_plot_opts *o,
		   const char *title, int w, int h, int utf8, struct tui_lines *out);
/* "1.23", "0.0456", "1.2e+04": a short label for an axis value. */
void tui_plot_label(double v, char *buf, size_t n);

/* ---------------------------------------------- Train screen (pure parts) */

/* Progress figures of a run: "12:34" style durations, ETA from the steps
 * done so far, shown only once the estimate means something (5% of the
 * steps or 20 steps). */
struct tui_train_eta {
	int known;   /* 0: too early to say */
	double eta;  /* seconds left */
	double rate; /* steps per second */
};
void tui_train_eta(int64_t step, int64_t total, double elapsed, struct tui_train_eta *e);
/* "45s", "12m05s", "3h02m": into buf; "-" for negative or NaN. */
void tui_train_duration(double seconds, char *buf, size_t n);

/* Runs overlaid in the plots at most (each has a legend entry and a mark). */
#define TUI_TRAIN_MAX_OVERLAY 8

/* The overlay the Train screen starts with (and keeps while the operator
 * has not chosen one): of the runs of runs[sel]'s dataset, the newest of
 * each variant (runs in list order, newest last), so that runs of another
 * dataset, whose items differ, are never drawn against each other. Sets
 * overlay[0..n) to 1 or 0; all 0 when sel >= n. */
void tui_train_default_overlay(const struct store_run *const *runs, size_t n, size_t sel,
			       int *overlay);
/* The row to select in a new run list (ids in list order): the run that was
 * selected (sel_id) if it is still there, else its neighbour: the run now at
 * its old position old_idx, or the last one when it was the last. 0 for an
 * empty list. */
size_t tui_train_reselect(const int64_t *ids, size_t n, int64_t sel_id, size_t old_idx);
/* Which of n runs a list of h rows shows so that sel is visible, keeping
 * the previous first row top where it can. When not all fit, a cue row
 * replaces the first row while runs are hidden above ("↑ 3 more") and the
 * last while runs are hidden below. */
struct tui_train_window {
	size_t top;   /* first run shown */
	size_t shown; /* runs shown */
	size_t above; /* runs hidden above (0: no cue row at the top) */
	size_t below; /* runs hidden below (0: no cue row at the bottom) */
};
void tui_train_window(size_t n, size_t sel, size_t top, int h, struct tui_train_window *w);
/* Columns of the widest run id of the list (its ids in any order), at least 1,
 * so that the ids line up however many runs there are. */
int tui_train_id_width(const int64_t *ids, size_t n);
/* The figure at the right of a run's row: the accuracy of a finished run
 * on its evaluation split, the better of the direct and the explained
 * answers ("test 75%", "dev 100%"), its progress while it is not finished
 * ("40%"), "" for a finished run without an evaluation. acc and acc_expl
 * are fractions, NaN when unknown. */
void tui_train_row_figure(const char *status, int64_t step, int64_t total, double acc,
			  double acc_expl, const char *split, char *buf, size_t n);

/* -------------------------------------------- Inspect screen (pure parts) */

enum {
	TUI_INSPECT_ALL = 0,
	TUI_INSPECT_WRONG, /* direct answer wrong in the run */
	TUI_INSPECT_RIGHT,
	TUI_INSPECT_FIXED,  /* wrong in the compared run, right in this one */
	TUI_INSPECT_BROKEN, /* right in the compared run, wrong in this one */
	TUI_INSPECT_N_FILTERS
};
const char *tui_inspect_filter_name(int filter);

/* One evaluation item: the run's prediction and the compared run's (NULL
 * when it has none or there is no comparison). Borrowed. */
struct tui_inspect_row {
	int64_t item_id;
	const struct store_pred *a, *b;
};
/* Pair a's predictions with b's by item id (either array in any order) and
 * keep the rows passing filter, in item order. *out: heap array, caller
 * frees with free(). 0 or MENTOR_ENOMEM. */
int tui_inspect_rows(const struct store_pred *a, size_t na, const struct store_pred *b, size_t nb,
		     int filter, struct tui_inspect_row **out, size_t *n);

struct tui_inspect_sum {
	int64_t n, correct;         /* direct answers of the run */
	int64_t cot_n, cot_correct; /* explain-then-answer (cot_correct >= 0) */
	int64_t vs_n, vs_correct, vs_cot_n, vs_cot_correct; /* of the compared run */
	int64_t fixed, broken;                              /* items both runs predicted */
	/* generated explanations checked (eval_check_run), set by the caller:
	 * how many, how many sound, right answers from wrong reasoning */
	int64_t chk_n, chk_sound, chk_right_wrong;
	int64_t vs_chk_n, vs_chk_sound, vs_chk_right_wrong;
	int lang; /* the words' language, I18N_EN (0) or I18N_JA; set by the caller */
};
void tui_inspect_summary(const struct store_pred *a, size_t na, const struct store_pred *b,
			 size_t nb, struct tui_inspect_sum *s);
/* The summary bar: "A #2 mt-cot direct 45.0% (90/200) expl 40.0% (80/200)
 * sound 50.0% (40/80) right-wrong 3 | B ... | fixed 12 broken 3", padded to
 * width; sound and right-wrong only for a run with checked explanations.
 * When that is wider than width, a compact form without counts and without
 * the fixed/broken part ("A #2 mt-cot dir 45.0% expl 40.0% sound 50.0% rw 3
 * | B ... dir 41.0%") and returns 1 (the caller shows fixed/broken
 * elsewhere); else 0. Labels are data (escaped). */
int tui_inspect_summary_line(const struct tui_inspect_sum *s, const char *a_label,
			     const char *b_label, int width, int utf8, struct tui_line *l);

#endif
