/* check: what can be verified in an explanation, so that a right answer
 * reached by wrong reasoning shows. Every arithmetic step written in the text
 * ("a op b = c", chains, precedence, decimals, thousands separators, full-width
 * digits, units around numbers) is recomputed; operands that come neither
 * from the question nor from an earlier result are reported; the stated answer
 * is compared with the last result; and an item's solution trace, when there
 * is one, is compared step by step (and, followed throughout, its answer with
 * the stated one). Pure logic: no store, no terminal. */
#ifndef MENTOR_CHECK_H
#define MENTOR_CHECK_H

#include <stddef.h>

#include "mentor/util.h"

/* At most this many steps and unsupported numbers are kept in a result's
 * arrays (the counts go on past it). */
#define CHECK_MAX_STORED 4096
/* Longest trace_json read, in bytes. */
#define CHECK_MAX_TRACE (1u << 20)

/* The overall verdict, worst first in the order they are decided:
 * a wrong step, then an answer that is not the last result, then a trace
 * the explanation follows in part and departs from (other words where a
 * trace step should be), then unsupported numbers; otherwise valid (steps
 * found) or no steps. */
enum check_verdict {
	CHECK_NO_STEPS = 0,           /* no arithmetic step written, no trace followed */
	CHECK_VALID,                  /* every step right, answer follows (or none given);
					* without arithmetic: every trace step followed */
	CHECK_WRONG_STEP,             /* at least one step computes to another value */
	CHECK_ANSWER_DOES_NOT_FOLLOW, /* the stated answer is not the last result */
	CHECK_TRACE_DIVERGES,         /* follows the solution trace, then departs */
	CHECK_UNSUPPORTED_NUMBERS,    /* right steps on numbers from nowhere */
	CHECK_VERDICT_COUNT
};
/* Short lowercase name ("no-steps", "valid", "wrong-step", ...); "?" when
 * out of range. Static storage. */
const char *check_verdict_name(int verdict);
/* 1 when the verdict says the reasoning held up as far as it could be
 * checked (valid or only unsupported numbers), else 0. */
int check_verdict_sound(int verdict);

enum check_step_status {
	CHECK_STEP_VALID = 0,   /* computes to the written result */
	CHECK_STEP_WRONG,       /* computes to `expected` (NAN: division by zero) */
	CHECK_STEP_UNSUPPORTED, /* computes right, uses a number from nowhere */
	CHECK_STEP_UNCHECKED,   /* numbers too large to check exactly */
};

/* One step "lhs = rhs" where lhs has an operator. Spans are byte offsets into
 * the checked text, [start, end). */
struct check_step {
	size_t start, end; /* the whole step, first operand to result */
	size_t rhs_start;  /* where the right-hand side begins */
	int status;        /* CHECK_STEP_* */
	double written;    /* value of the right-hand side as written */
	int decimals;      /* digits after the point written there (15: an expression) */
	double expected;   /* value of the left-hand side */
};

/* A number used as an operand that the question does not give. */
struct check_number {
	size_t start, end;
	double value;
};

struct check_trace {
	int present;          /* 1 when a trace with steps was given */
	size_t n_steps;       /* non-empty steps in the trace */
	size_t matched;       /* of them, found in the explanation in order */
	long first_diverging; /* index (0-based) of the first step not found, -1 if none */
	size_t replaced;      /* steps not found, except leading ones merely left out
			       * (nothing written before the first step that matched) */
	size_t contradicted;  /* steps found with another result ("Fay does not:
			       * tails." for "... heads."): wrong whatever the wording */
};

struct check_result {
	int verdict;    /* enum check_verdict */
	size_t n_steps; /* steps found */
	size_t n_valid; /* of them computing right (valid or unsupported) */
	size_t n_wrong;
	size_t n_unchecked;
	struct check_step *steps; /* the first CHECK_MAX_STORED, in text order */
	size_t n_stored;
	long first_bad;        /* ordinal (0-based) of the first wrong step, -1 if none */
	struct check_step bad; /* that step (valid only when first_bad >= 0) */
	struct check_number *unsupported; /* the first CHECK_MAX_STORED */
	size_t n_unsupported, n_unsupported_stored;
	int answer_follows; /* 1, 0, or -1 (nothing to compare it with) */
	int has_final;      /* 1 when final_value holds what the answer meets */
	double final_value; /* last step's result, else last number stated */
	int final_decimals; /* digits after the point it was written with */
	struct check_trace trace;
};

/* What to check. Strings are borrowed; NULL means absent. */
struct check_input {
	const char *text;       /* the explanation (any bytes) */
	size_t len;             /* its length; bytes past it are never read */
	const char *question;   /* NUL-terminated; numbers it gives are supported */
	const char *answer;     /* the stated answer, already parsed by the caller */
	const char *trace_json; /* {"steps":["...",...],"answer":"..."} of a generated item */
};

/* Check one explanation into *res (caller releases with
 * check_result_release, also after a failure). Linear in the text. A
 * malformed trace counts as no trace. Returns 0, or MENTOR_ENOMEM with err
 * filled. */
int check_explanation(const struct check_input *in, struct check_result *res, char *err);
/* Free the arrays of res and zero it; NULL is fine. */
void check_result_release(struct check_result *res);

/* One line that says what the check found, e.g. "steps: 3 of 3 valid, answer
 * follows" or "step 2 wrong: 7 + 7 = 15 (is 14)", into out (cap bytes,
 * always NUL-terminated when cap > 0). text must be the checked text: the
 * wrong step is quoted from it with white space folded; it may hold any
 * printable bytes of it, so callers escape the line as any other text.
 * Numbers are written with '.' whatever the locale. Returns out. */
char *check_summary(const struct check_result *res, const char *text, size_t len, char *out,
		    size_t cap);
/* A value as the summary writes it: up to `decimals` digits after '.',
 * trailing zeros dropped, locale-independent ("14", "0.02", "33.333").
 * Returns out. */
char *check_format_value(double v, int decimals, char *out, size_t cap);

#endif
