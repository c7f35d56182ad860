/* sample: generators of the bundled synthetic reasoning tasks (arith, coin,
 * letters, dial). Every item carries a question, its normalised answer, a
 * gold step-by-step rationale and a solution trace with one plausible wrong
 * path (what an offline teacher needs to imitate right and wrong
 * explanations). Generation is deterministic: same task, seed and plan give
 * the same bytes on every platform. No I/O except sample_write(). */
#ifndef MENTOR_SAMPLE_H
#define MENTOR_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mentor/util.h"

/* Seed of the shipped files in sample_datasets/. */
#define SAMPLE_DEFAULT_SEED 2022
/* Most items one call may generate (all splits together). */
#define SAMPLE_MAX_ITEMS 1000000
/* Most steps of one trace. */
#define SAMPLE_MAX_STEPS 16

/* What a task is and the split sizes of its shipped file. */
struct sample_task_info {
	const char *name;        /* arith | coin | letters | dial */
	const char *answer_type; /* number | yesno | text */
	const char *summary;     /* one line for --help and --list */
	size_t n_train, n_dev, n_test;
};

/* NULL-terminated list of task names (static storage). */
const char *const *sample_tasks(void);
/* Static description of a task, or NULL when the name is unknown. */
const struct sample_task_info *sample_task_info(const char *task);

/* One generated item. Strings are owned by the item (release frees them)
 * except answer_type, split and task, which point to static storage. */
struct sample_item {
	char *id;          /* "arith-train-00012"; NULL from sample_item_make */
	const char *split; /* train | dev | test; NULL from sample_item_make */
	const char *task;
	const char *answer_type;
	char *question;
	char *answer;                  /* normalised: "9", "yes", "tree" */
	char *steps[SAMPLE_MAX_STEPS]; /* gold steps; rationale = steps joined by " " */
	size_t n_steps;
	char *distractor;                    /* plausible wrong answer, != answer */
	char *wrong_steps[SAMPLE_MAX_STEPS]; /* the steps with one mistake, ending at distractor */
	size_t n_wrong_steps;
};
void sample_item_init(struct sample_item *it);
void sample_item_release(struct sample_item *it);

/* Generate one item of `task` from r (advancing it) into it, which must be
 * initialised and empty. id and split stay NULL. Returns 0,
 * MENTOR_EUSAGE for an unknown task, or MENTOR_ENOMEM; err filled. */
int sample_item_make(const char *task, struct rng *r, struct sample_item *it, char *err);

/* The gold rationale: steps joined by single spaces. Heap string, caller
 * frees with free(). */
char *sample_item_rationale(const struct sample_item *it);

/* Append the item as one JSON line (with the trailing newline) in the
 * generic import layout:
 * {"id","question","answer","answer_type","rationale","split",
 *  "trace":{"task","steps","answer","distractor","wrong_steps"}}.
 * Returns 0 or MENTOR_ENOMEM. */
int sample_item_json(const struct sample_item *it, struct buf *out);

/* How many items go to each split; zero sizes are skipped. */
struct sample_split_plan {
	size_t n_train, n_dev, n_test;
};
/* Parse "2000/200/500" (train/dev/test). Returns 0 or MENTOR_EUSAGE. */
int sample_plan_parse(const char *text, struct sample_split_plan *plan, char *err);
/* The plan of the shipped file of a task (zeros for an unknown task). */
struct sample_split_plan sample_default_plan(const char *task);

/* Called once per item, in order (train, then dev, then test). The item is
 * borrowed for the call. Return 0 to go on; any other value stops the
 * generation and is returned by sample_generate. */
typedef int (*sample_emit_fn)(void *u, const struct sample_item *it);

/* Generate plan's items of task for seed. Each split draws from its own
 * stream, derived from (task, split, seed); a question never repeats within
 * one call, so the test split holds no question of the train split.
 * Returns 0, MENTOR_EUSAGE (unknown task, plan too large or empty),
 * MENTOR_ERR (the task cannot produce that many distinct questions),
 * MENTOR_ENOMEM, or the emitter's non-zero value; err filled on failure
 * (except for the emitter's own value, left to the caller). */
int sample_generate(const char *task, uint64_t seed, const struct sample_split_plan *plan,
		    sample_emit_fn emit, void *u, char *err);

/* sample_generate writing JSON lines to out. Returns 0 or an error. */
int sample_write(const char *task, uint64_t seed, const struct sample_split_plan *plan, FILE *out,
		 char *err);

#endif
