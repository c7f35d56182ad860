/* extrun: runs of external trainers (torchrun, accelerate, axolotl, a
 * script...). The dataset's training data is exported, the command runs with
 * MENTOR_EXPORT and MENTOR_METRICS in its environment, and the JSON lines it
 * appends to the metrics file become metric points of a run of kind
 * 'external', live, like those of an internal run. */
#ifndef MENTOR_EXTRUN_H
#define MENTOR_EXTRUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

/* Longest metrics line read (longer lines are skipped), most points per line,
 * most arguments of a command. */
#define EXTRUN_MAX_LINE ((size_t)64 << 10)
#define EXTRUN_MAX_POINTS 32
#define EXTRUN_MAX_ARGS 256

/* Split a command line into arguments without a shell: white space separates;
 * 'single quotes' keep everything literally; "double quotes" keep everything
 * but \" and \\; a backslash outside quotes takes the next character as is.
 * On success *argv is a NULL-terminated heap array (free with
 * extrun_argv_free) with at least one argument. MENTOR_EUSAGE for an empty
 * command, an unterminated quote or too many arguments. */
int extrun_split(const char *cmd, char ***argv, char *err);
void extrun_argv_free(char **argv);

/* One metric point of a metrics line. */
struct extrun_point {
	char name[33];
	double value;
};
/* Parse one metrics line (without its newline): a JSON object with "step"
 * (a whole number >= 0) and numeric fields (names of letters, digits, '_',
 * '.', '-', '/'; at most 32 characters). "t" or "time" (seconds, >= 0) sets *t
 * (else *t is -1); "total_steps" sets *total (else -1). Non-numeric fields
 * are ignored. Returns the number of points (1..max), or -1 when the line is
 * to be skipped: not JSON, no valid step, no finite numeric field, too long. */
int extrun_parse_line(const char *line, size_t len, int64_t *step, double *t, int64_t *total,
		      struct extrun_point *pts, int max);

struct extrun_opts {
	const char *dataset; /* required */
	int format;          /* EXPORT_CHAT (default) | EXPORT_ALPACA | EXPORT_MT */
	int status;          /* EXPORT_STATUS_ACCEPTED (default) | _ALL */
	const char *name;    /* run name; NULL = "external-ID" */
	/* A run (id or name) with a checkpoint that the trainer starts from: the
	 * export (mt only) carries its token ids (export_opts.tok) and
	 * <dir>/init/ holds its model as a Hugging Face folder (MENTOR_INIT).
	 * NULL = none. */
	const char *init_from;
	/* baseline | mt-re | mt-ra | mt-cot: recorded as the run's variant,
	 * shapes the mt export's explanation target, MENTOR_VARIANT. NULL = not
	 * said (the run is recorded as baseline, no variable). */
	const char *variant;
	double alpha;                /* with a multi-task variant: the answer-task weight
		       * recorded and passed as MENTOR_ALPHA; < 0 = the
		       * trainer's default (train_config_defaults) */
	char *const *argv;           /* the command, NULL-terminated; borrowed */
	volatile sig_atomic_t *stop; /* set to stop: SIGTERM to the command; may be NULL */
	int poll_ms;                 /* metrics file polling interval; 0 = 100 */
	/* Called once the command started (run id, pid, run directory). May be NULL. */
	void (*on_start)(void *u, int64_t run_id, int64_t pid, const char *dir);
	/* Called for each stored point. May be NULL. */
	void (*on_point)(void *u, int64_t step, const char *name, double value);
	void *u;
};
void extrun_opts_init(struct extrun_opts *o);

struct extrun_result {
	int64_t run_id;
	char status[16]; /* done | failed | stopped */
	int exit_code;   /* when it exited, else -1 */
	int term_signal; /* signal that ended it, else 0 */
	int64_t lines;   /* metrics lines read */
	int64_t points;  /* metric points stored */
	int64_t skipped; /* metrics lines skipped */
	int64_t last_step;
};

/* Create the run (kind 'external') in the workspace at db_path, export the
 * data to <db>.runs/<id>/train.jsonl, start the command (own process group,
 * stdin /dev/null, output to <db>.runs/<id>/log.txt) with MENTOR_EXPORT,
 * MENTOR_METRICS (<db>.runs/<id>/metrics.jsonl), MENTOR_RUN_ID,
 * MENTOR_RUN_DIR, MENTOR_EXPORT_FORMAT and, when given, MENTOR_INIT
 * (<db>.runs/<id>/init), MENTOR_VARIANT and MENTOR_ALPHA set, record its
 * pid, tail the metrics file into the metric
 * table until it exits, and record the outcome: done (exit 0), failed (other
 * exit, or killed), stopped (SIGTERM/SIGINT, as `mentor stop` sends, or
 * *o->stop). Returns 0 when the run was carried out whatever its outcome
 * (see res), or an error (no such dataset or init_from run, an unknown
 * variant, init_from without the mt format, nothing to export, cannot
 * start the command: then the run is failed or not created). */
int extrun_run(const char *db_path, const struct extrun_opts *o, struct extrun_result *res,
	       char *err);

#endif
