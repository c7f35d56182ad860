/* report: a self-contained HTML report of one training run, optionally
 * compared with a second one (usually the baseline), opening with the table
 * of its experiment when it belongs to one: loss curves as inline
 * SVG, accuracy per inference mode, explanation counts of the dataset and
 * example cards (fixed and broken cases first). No external assets.
 * The pure pieces (escaping, charts, accuracy, case ordering) are exported
 * so that tests and the TUI can use them without a workspace. */
#ifndef MENTOR_REPORT_H
#define MENTOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/store.h"
#include "mentor/util.h"

/* Example cards shown when nothing else is asked. */
#define REPORT_DEFAULT_EXAMPLES 40
/* Never more cards than this, whatever is asked. */
#define REPORT_MAX_EXAMPLES 1000

/* Append s as HTML/XML text (valid in element content and in quoted
 * attribute values): & < > " ' become entities; on top of that, the terminal
 * rule of util_term_char (tab and newline kept): control, C1, bidi and
 * invisible format characters and invalid UTF-8 bytes are shown as visible
 * escapes such as "\x1b", "\u202e" or "\xff"; the CR of a CRLF line end is
 * dropped. NULL appends nothing. Returns 0 or MENTOR_ENOMEM. */
int report_html_escape(struct buf *out, const char *s);
/* The same for the first n bytes of s. */
int report_html_escape_n(struct buf *out, const char *s, size_t n);

/* ------------------------------------------------------------------ charts */

/* One line of a chart. Arrays are borrowed. Points whose x or y is not
 * finite are skipped. */
struct report_series {
	const char *name; /* legend label, escaped on output */
	const double *x;
	const double *y;
	size_t n;
	int color;  /* palette index (taken modulo the palette size) */
	int dashed; /* draw dashed (the comparison run) */
};

struct report_chart {
	const char *title;   /* may be NULL */
	const char *x_label; /* may be NULL */
	const char *y_label; /* may be NULL */
	int width, height;   /* pixels; 0 = REPORT_CHART_W x REPORT_CHART_H */
	int standalone;      /* 1: XML declaration and SVG namespace, for a .svg file */
	const char *no_data; /* shown without data; NULL = "no data" */
};
#define REPORT_CHART_W 760
#define REPORT_CHART_H 360
/* Plot area inside the chart (the rest holds axes, labels and legend). */
#define REPORT_CHART_LEFT 64
#define REPORT_CHART_TOP 34
#define REPORT_CHART_BOTTOM 48
#define REPORT_CHART_LEGEND 200

/* "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power
 * of ten, at most max_ticks+1 of them. Fills *first (<= lo), *step (> 0) and
 * returns the number of ticks, the last >= hi. lo == hi is widened. */
int report_ticks(double lo, double hi, int max_ticks, double *first, double *step);

/* Append one <svg> element drawing the series as polylines over shared,
 * ticked axes, with a legend. With no finite point at all, the chart says
 * "no data". Returns 0 or MENTOR_ENOMEM. */
int report_svg_chart(struct buf *out, const struct report_chart *c, const struct report_series *s,
		     size_t n_series);

/* ---------------------------------------------------------------- accuracy */

struct report_acc {
	int64_t n;           /* predictions counted */
	int64_t correct;     /* direct answers correct (prediction.correct) */
	int64_t cot_n;       /* predictions with an explain-then-answer result */
	int64_t cot_correct; /* of those, correct (prediction.cot_correct == 1) */
};
/* Count the predictions p[0..n) of one split (NULL: all splits). */
void report_accuracy(const struct store_pred *p, size_t n, const char *split,
		     struct report_acc *acc);
/* correct/n as a fraction, or -1 when n == 0. */
double report_ratio(int64_t correct, int64_t n);

/* How one item fared in the run compared with the comparison run (direct
 * answers). Without a comparison, RIGHT/WRONG only. */
enum {
	REPORT_CASE_FIXED = 0, /* wrong in the comparison run, right in the run */
	REPORT_CASE_BROKEN,    /* right in the comparison run, wrong in the run */
	REPORT_CASE_BOTH_WRONG,
	REPORT_CASE_BOTH_RIGHT,
	REPORT_CASE_WRONG, /* no comparison prediction: wrong */
	REPORT_CASE_RIGHT, /* no comparison prediction: right */
	REPORT_CASE_N
};
/* Short label of a case kind ("fixed", "broken", ...). Static string. */
const char *report_case_name(int kind);

struct report_case {
	int64_t item_id;
	const struct store_pred *run; /* borrowed from the run's array */
	const struct store_pred *vs;  /* borrowed, NULL without a comparison */
	int kind;                     /* REPORT_CASE_* */
};
/* Pair the run's predictions with the comparison run's (both sorted by
 * item_id as store_pred_list returns them; vs may be NULL/0) and order them:
 * fixed, broken, both wrong, both right (or wrong, right), by item id within
 * a kind. counts[REPORT_CASE_N] (may be NULL) receives the number of each
 * kind over all items; at most `cap` cases are kept in *out (heap array,
 * caller frees with free(); elements borrow from run/vs). */
int report_cases(const struct store_pred *run, size_t n_run, const struct store_pred *vs,
		 size_t n_vs, size_t cap, struct report_case **out, size_t *n_out,
		 int64_t counts[REPORT_CASE_N]);

/* ---------------------------------------------------------- choosing runs */

/* What report_default_pair found. */
enum {
	REPORT_PAIR_OK = 0,      /* an explanation-trained run and a baseline of its dataset */
	REPORT_PAIR_NO_BASELINE, /* no finished baseline on A's dataset: A alone */
	REPORT_PAIR_NO_TRAINED,  /* no finished explanation-trained run: newest finished alone */
	REPORT_PAIR_NO_FINISHED, /* no finished run at all: the newest run alone */
	REPORT_PAIR_NO_RUNS,     /* nothing to show */
};
struct report_pair {
	int a, b;       /* indexes into the run list; -1 = none */
	int why;        /* REPORT_PAIR_* */
	char note[256]; /* for the operator, what was shown instead and why; "" when OK */
};
/* The default comparison of a run list (any order; store_run_list's is
 * fine): A is the newest finished (status done, latest ended_at, then
 * highest id) run of an explanation-trained variant (anything but
 * baseline); B is report_pick_baseline of A. Without such a run, A falls
 * back to the newest finished run, then to the newest run, alone, and
 * note says so. Pure: reads the array only. */
void report_default_pair(const struct store_run *runs, size_t n, struct report_pair *out);
/* The finished baseline run of runs[a]'s dataset closest in settings to it:
 * the same model shape (preset, layers, width, heads, context) counts most,
 * then the same number of steps, then the same seed; ties go to the newest.
 * -1 when runs[a] is itself a baseline or there is none. */
int report_pick_baseline(const struct store_run *runs, size_t n, size_t a);
/* 0 when run b may be compared with run a (same dataset); otherwise
 * MENTOR_EUSAGE with err saying so (names the runs and datasets by id). */
int report_pair_check(const struct store_run *a, const struct store_run *b, char *err);

/* ------------------------------------------------------------ whole report */

struct report_opts {
	int64_t run;        /* run id; 0 with experiment: chosen from it */
	int64_t vs_run;     /* comparison run id, 0 = none */
	size_t examples;    /* example cards, 0 = REPORT_DEFAULT_EXAMPLES */
	int64_t experiment; /* experiment whose table opens the page; 0 = the run's own,
			     * if it belongs to one */
	int lang;           /* I18N_EN (0) or I18N_JA: labels, verdict, <html lang> */
};

/* Build the HTML page (and, when svg != NULL, the standalone loss chart)
 * into the caller's buffers. When the run belongs to an experiment (or one
 * is given), the page opens with the experiment's table and verdict. With
 * an experiment and no run, the run is the best explanation-trained one
 * (its first evaluated seed) and the comparison the baseline of that seed.
 * MENTOR_ENOTFOUND when a run or the experiment does not exist, or the
 * experiment has no evaluated run yet (err says which); MENTOR_EUSAGE when
 * the two runs are of different datasets (report_pair_check). */
int report_build(struct store *st, const struct report_opts *o, struct buf *html, struct buf *svg,
		 char *err);

/* Write the report of run (compared with vs_run, 0 = none) in language
 * lang (as report_opts.lang) to html_path and, when svg_path != NULL, the
 * loss chart to svg_path; both atomically. Returns 0, MENTOR_ENOTFOUND,
 * MENTOR_EUSAGE or MENTOR_ERR with err filled. */
int report_write(struct store *st, int64_t run, int64_t vs_run, int lang, const char *html_path,
		 const char *svg_path, char *err);

#endif
