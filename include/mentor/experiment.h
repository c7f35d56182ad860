/* experiment: one command for the paper's comparison. Plans the baseline and
 * the multi-task variants with the same configuration and seeds as queued
 * runs of one experiment, runs them one after another (stoppable, resumable),
 * and computes from the workspace, at any time, the table that says whether
 * explanations helped: accuracy per variant and inference mode over seeds
 * with 95% intervals, the paired difference to the baseline with a bootstrap
 * interval and McNemar's test, and a verdict in plain words.
 *
 * Sources: src/experiment.c (plan, execution, detached start, stop) and
 * src/experiment_results.c (the table and the verdict; needs only the store
 * and stats modules, so that the report can show it). */
#ifndef MENTOR_EXPERIMENT_H
#define MENTOR_EXPERIMENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mentor/stats.h"
#include "mentor/train.h"
#include "mentor/util.h"

struct store;

#define EXPERIMENT_DEFAULT_SEEDS 3
#define EXPERIMENT_MAX_SEEDS 100
/* Seed of the paired bootstrap (the table is the same every time it is
 * computed from the same predictions). */
#define EXPERIMENT_BOOTSTRAP_SEED 20221001u

/* ------------------------------------------------------------ plan */

/* What to compare. experiment_spec_init gives every variant, 3 seeds and
 * train_config_defaults() as the base; change what differs. The base's
 * variant and seed are ignored (each run gets its own). */
struct experiment_spec {
	int variants[TRAIN_N_VARIANTS]; /* enum train_variant, each at most once */
	size_t n_variants;
	int seeds;                /* runs per variant, seeds 1..seeds */
	struct train_config base; /* dataset, source, preset, steps... */
	int auto_source;          /* 1 (the default): the plan picks the source
					 * the dataset has most explanations from:
					 * accepted, else crop, else gold (see
					 * experiment_pick_source); 0: base.source */
};
void experiment_spec_init(struct experiment_spec *s);
/* The explanation source an experiment uses when none is named: accepted
 * when reviewed explanations cover at least half of the train items, else
 * crop, else gold under the same rule, else the one that covers most. */
int experiment_pick_source(struct store *st, int64_t dataset_id, int *source, char *err);
/* Parse a comma-separated list of variant names ("baseline,mt-cot") into s.
 * MENTOR_EUSAGE (err names the bad or repeated one) on failure. */
int experiment_spec_variants(struct experiment_spec *s, const char *list, char *err);

/* Create the experiment and all its runs as queued runs named
 * "exp<ID> <variant> s<seed>", seed-major (every variant with seed 1, then
 * seed 2...), so that finished runs are already paired. The multi-task
 * variants need explanations from the base's source in the train split:
 * without any, MENTOR_EUSAGE with a hint. *exp_id is set. All or nothing:
 * one transaction. */
int experiment_plan(struct store *st, const struct experiment_spec *s, int64_t *exp_id, char *err);

/* ------------------------------------------------------------ execution */

/* Where an experiment is, for progress lines. */
struct experiment_progress {
	int64_t experiment_id;
	size_t k, n; /* run k (1-based) of n */
	int64_t run_id;
	const char *variant; /* borrowed, "mt-cot" */
	uint64_t seed;
	const struct train_progress *train; /* the run's own progress (its phase says
					     * prepare, step or eval); NULL when the
					     * run is skipped as finished */
};
/* Return non-zero to stop (like the stop flag). */
typedef int (*experiment_progress_fn)(void *u, const struct experiment_progress *p);

struct experiment_opts {
	volatile sig_atomic_t *stop;     /* set asynchronously to stop; may be NULL */
	experiment_progress_fn progress; /* may be NULL */
	void *u;
	int threads; /* > 0 overrides the runs' thread count */
};

/* Run the experiment's runs that are not finished, in order, in the calling
 * thread (train_run_exec; a run finished but not fully evaluated is
 * evaluated again). A stopped run resumes from its checkpoint, so a stopped
 * experiment goes on where it stopped. A failed run is recorded and the
 * others go on. Sets the experiment's status: running with this process's
 * pid, then done, stopped or failed. Returns 0 (every run done),
 * MENTOR_ECANCEL (stopped), MENTOR_EUSAGE (another live process runs it) or
 * MENTOR_ERR (some run failed: err names the first). */
int experiment_exec(const char *db_path, int64_t exp_id, const struct experiment_opts *o,
		    char *err);

/* Start `exe --db DB_PATH experiment --resume ID` detached (exe NULL =
 * /proc/self/exe), output appended to <db>.runs/experiment-<ID>.log. The
 * experiment is marked queued with the process id before this returns.
 * MENTOR_EUSAGE when it is already done or running. */
int experiment_spawn(const char *exe, const char *db_path, int64_t exp_id, int64_t *pid, char *err);

/* Ask the process executing the experiment to stop (SIGTERM: its current
 * run writes a checkpoint and the experiment is marked stopped); an
 * experiment that nothing executes is marked stopped at once.
 * MENTOR_EUSAGE when it is already done. */
int experiment_stop(struct store *st, int64_t exp_id, char *err);

/* ------------------------------------------------------------ results */

/* How a variant answers: the answer task, or the answer read from the
 * explanation it generates first (MT-CoT, MT-Ra). */
enum { EXPERIMENT_DIRECT = 0, EXPERIMENT_EXPLAIN = 1 };
/* "direct" | "explain-then-answer"; static. */
const char *experiment_mode_name(int mode);
/* Display name of a variant as the verdict writes it ("MT-CoT",
 * "Baseline"); static, the name itself when unknown. */
const char *experiment_variant_label(const char *variant);

/* One row of the table: a variant in one inference mode. Fractions in
 * [0, 1]; NAN where there is nothing to compute. */
struct experiment_cell {
	const char *variant;    /* static: baseline | mt-re | mt-ra | mt-cot */
	int mode;               /* EXPERIMENT_DIRECT | EXPERIMENT_EXPLAIN */
	size_t n_seeds;         /* length of the arrays (the planned seeds) */
	uint64_t *seed;         /* [n_seeds] */
	int64_t *run_id;        /* [n_seeds] 0 when the plan has no such run */
	double *acc;            /* [n_seeds] accuracy; NAN until the run is done and
			       * evaluated on every item of the split */
	int64_t *n_items;       /* [n_seeds] items of that accuracy */
	struct stats_summary s; /* over the seeds with an accuracy */
	/* the 95% interval of the table: t over seeds (two or more; clamped to
	 * [0, 1]), else the Wilson interval of the one seed's proportion;
	 * method "t" | "wilson" ("" when no seed has a result) */
	double lo, hi;
	const char *ci_method;
	/* against the baseline's direct answers of the same seed, on the items
	 * every paired run answered (not for the baseline's own row) */
	int has_diff;
	size_t n_paired;         /* seeds with both results */
	int64_t paired_items;    /* items in the comparison */
	double diff;             /* mean accuracy difference over the paired seeds */
	double diff_lo, diff_hi; /* paired bootstrap 95% interval */
	int64_t better, worse;   /* discordant pairs pooled over seeds: right here and
				  * wrong in the baseline, and the reverse */
	double p_mcnemar;        /* exact McNemar on better/worse */
};

struct experiment_results {
	int64_t id;
	char *name;
	char *status;
	char *dataset;
	char *source;
	char split[8];       /* the split evaluated (test unless configured) */
	int64_t split_items; /* items in that split now */
	int64_t steps;
	char preset[16];
	size_t n_runs, n_done, n_failed, n_evaluated;
	size_t n_seeds;
	struct experiment_cell *cells;
	size_t n_cells;
	int best;          /* cell with the highest mean accuracy, -1 none */
	int best_vs;       /* non-baseline cell with the largest difference, -1 none */
	char verdict[512]; /* experiment_verdict's sentence */
};
/* Compute the table of experiment exp_id from the workspace (partial
 * results are fine: runs not yet evaluated leave NAN). Fills r (release
 * with experiment_results_release). 0, MENTOR_ENOTFOUND or MENTOR_ERR. */
int experiment_results(struct store *st, int64_t exp_id, struct experiment_results *r, char *err);
void experiment_results_release(struct experiment_results *r);

/* The one-sentence verdict on r: the best explanation-trained variant and
 * mode against the baseline, its difference in points with the bootstrap
 * interval and the number of seeds, "no clear difference" when the
 * interval holds zero; says so when results are still missing or partial.
 * Written to out (cap bytes, truncated safely). */
void experiment_verdict(const struct experiment_results *r, char *out, size_t cap);
/* The same sentence in a UI language (I18N_EN, I18N_JA of mentor/i18n.h). */
void experiment_verdict_lang(const struct experiment_results *r, int lang, char *out, size_t cap);
/* frac as a percentage with one decimal ("64.0"), or "-" for NAN, written to
 * out (cap bytes); returns out. The CLI's and the Train screen's tables. */
const char *experiment_pct(char *out, size_t cap, double frac);

#endif
