/* tui_review.h: private to the Review screen's files (tui_review*.c) and
 * tui_diff.c. The pure parts of the Review screen (tui_review_view.c): the
 * view it draws (an item and its COTE, RP and CROP candidates), the layout
 * (three columns, or stacked below 120 columns), the lines of every pane,
 * and the word-level diff between two candidates (tui_diff.c). Tests call
 * them without a terminal. */
#ifndef MENTOR_TUI_REVIEW_H
#define MENTOR_TUI_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/check.h"
#include "mentor/store.h"
#include "tui_int.h"

/* The three candidate columns, in display order: the store's modes. */
enum {
	TUI_REVIEW_COT = STORE_COT,
	TUI_REVIEW_RP = STORE_RP,
	TUI_REVIEW_CROP = STORE_CROP,
	TUI_REVIEW_NMODES = STORE_N_MODES
};

/* Below this width the candidates are stacked instead of side by side. */
#define TUI_REVIEW_WIDE 120

/* Store name of column k ("cot"), its label ("COTE"); NULL out of range. */
const char *tui_review_mode(int k);
const char *tui_review_label(int k);
/* Column of a store mode name, or -1. */
int tui_review_mode_index(const char *mode);

/* One candidate column. Borrowed pointers. */
struct tui_review_cand {
	const struct store_expl *e;       /* the explanation shown, NULL if none yet */
	const struct store_expl *attempt; /* CROP: the kept COTE attempt, or NULL */
	const char *live;                 /* text streaming in while generating, or NULL */
	const char *live_path;            /* prompt the live text comes from (cot | rp) */
	int generating;                   /* a generation of this mode is queued or running */
	const char *note;                 /* last error or notice for this mode, or NULL */
	int top;                          /* first text line shown (scrolling) */
	const struct check_result *check; /* check of the text shown, or NULL */
};

/* The batch generation's progress bar. */
struct tui_review_batch {
	int on; /* 0: no bar */
	int running;
	int cancelled;
	int64_t total, done, errors, skipped;
	int64_t tokens_in, tokens_out;
	double cost, elapsed_s;
	int lang; /* labels' language: I18N_EN (0) or I18N_JA */
};

/* What a batch (B) runs, stated before and while it runs. */
struct tui_review_scope {
	const char *head;    /* dataset, filters and search of the items */
	const char *summary; /* one line: items, tasks, calls, cached, skipped, tokens, cost */
	const char *detail;  /* the estimate's lines (teacher_estimate_lines) */
	int asking;          /* the y/n question is open */
	int64_t max_calls;   /* calls it may make */
	int64_t threshold;   /* [review] confirm_calls */
	int lang;            /* labels' language: I18N_EN (0) or I18N_JA */
};

/* Everything the Review screen shows. */
struct tui_review_view {
	const struct store_item *item; /* NULL: nothing open */
	const char *dataset;           /* dataset name or NULL */
	struct tui_review_cand cand[TUI_REVIEW_NMODES];
	int focus;        /* focused column */
	int show_attempt; /* CROP shows its kept COTE attempt */
	int diff;         /* 1: show the word diff of diff_a -> diff_b */
	int diff_a, diff_b;
	int diff_top;
	const struct tui_review_batch *batch; /* may be NULL */
	const struct tui_review_scope *scope; /* the batch's scope, or NULL */
	const char *progress;                 /* the focused mode over the Items filter, or NULL */
	int utf8;
	int lang; /* labels' language: I18N_EN (0) or I18N_JA */
};

/* Where the panes go. stacked: candidates one above the other (the
 * focused one gets the room the others do not need). */
struct tui_review_rects {
	int stacked;
	struct tui_rect item, sep, cand[TUI_REVIEW_NMODES], diff, scope, bar;
};
void tui_review_layout(const struct tui_review_view *v, struct tui_rect body,
		       struct tui_review_rects *r);

/* The item pane: id, split, question, choices, gold answer; at most
 * max_lines lines (0 = no limit; the question is cut with an ellipsis). */
void tui_review_item_lines(const struct tui_review_view *v, int width, size_t max_lines,
			   struct tui_lines *out);
/* Head of candidate k: mode, review state, correctness (glyph and word),
 * parsed answer, leak flag, edited mark, path, the check summary,
 * provider/model, tokens, latency, cost; for CROP the kept COTE attempt. */
void tui_review_cand_head(const struct tui_review_view *v, int k, int width, struct tui_lines *out);
/* Text of candidate k (edited text when present, the live text while it
 * streams in), escaped and wrapped; the first wrong arithmetic step its
 * check found is drawn in TUI_ROLE_WRONG. */
void tui_review_cand_text(const struct tui_review_view *v, int k, int width, struct tui_lines *out);
/* The progress bar line(s) of a batch. */
void tui_review_bar_lines(const struct tui_review_batch *b, int width, int utf8,
			  struct tui_lines *out);
/* The scope of a batch above its bar: while asking, the whole estimate and
 * the question ("y: start, n or Esc: cancel"); else the head and the
 * summary, wrapped to width. */
void tui_review_scope_lines(const struct tui_review_scope *s, int width, int utf8,
			    struct tui_lines *out);
/* The diff pane of v (title and diff lines). */
void tui_review_diff_pane(const struct tui_review_view *v, int width, struct tui_lines *out);
/* Compose the whole Review body into the canvas. */
void tui_review_render(const struct tui_review_view *v, struct tui_canvas *cv,
		       struct tui_rect body);

/* Which explanation each column shows among an item's explanations v[0..n):
 * the newest of its mode; for CROP the newest that is not a kept COTE
 * attempt of another CROP row, and *attempt the attempt it kept (or NULL). */
void tui_review_pick(const struct store_expl *v, size_t n,
		     const struct store_expl *shown[TUI_REVIEW_NMODES],
		     const struct store_expl **attempt);

/* Text shown for an explanation: the edit when present, else the text. */
const char *tui_review_text(const struct store_expl *e);
/* Check the text shown for e against item (question, trace) into *res
 * (release with check_result_release). */
void tui_review_check(const struct store_item *item, const struct store_expl *e,
		      struct check_result *res);

/* ----------------------------------------------------- word diff (tui_diff.c) */

enum { TUI_DIFF_SAME, TUI_DIFF_DEL, TUI_DIFF_INS };
struct tui_diff_op {
	int op;        /* TUI_DIFF_* */
	const char *s; /* the word: points into a or b */
	size_t n;
	int gap; /* white space came before it in its text */
};
struct tui_diff {
	struct tui_diff_op *v;
	size_t n, cap;
	int capped; /* the texts were too long for a full LCS */
};
void tui_diff_init(struct tui_diff *d);
void tui_diff_release(struct tui_diff *d);
/* Words of a and b (split at white space; a wide CJK character is a word of
 * its own) aligned by their longest common subsequence. Ops point into a
 * and b, which must outlive d. Beyond TUI_DIFF_MAX_WORDS words in the part
 * that differs, that part is shown as deleted then inserted (capped = 1). */
#define TUI_DIFF_MAX_WORDS 2000
void tui_diff_words(struct tui_diff *d, const char *a, size_t na, const char *b, size_t nb,
		    int utf8);
/* Lines of a diff wrapped to width: deletions as [-word-] (role
 * TUI_ROLE_REJECTED), insertions as {+word+} (TUI_ROLE_ACCEPTED), so that
 * the diff reads without colour. Adjacent words of one kind share one
 * marker pair. */
void tui_diff_lines(const struct tui_diff *d, int width, int utf8, struct tui_lines *out);

#endif
