/* store: the SQLite workspace. One file holds datasets, items, LLM calls,
 * explanations and their review trail, training runs, metrics and predictions.
 * Every SQL statement of the project lives behind this header; callers see
 * typed rows. One `struct store` is one connection: each thread opens its own.
 *
 * Sources: src/store.c (open, schema, migrations, transactions, settings),
 * src/store_item.c (datasets, items), src/store_expl.c (llm calls,
 * explanations, decisions), src/store_run.c (runs, metrics, predictions),
 * src/store_experiment.c (experiments and the runs they group),
 * src/store_names.c (the names of modes and states). */
#ifndef MENTOR_STORE_H
#define MENTOR_STORE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct store;

/* Schema version written by this build (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 6

/* Where the workspace is when nothing says otherwise. */
#define STORE_DEFAULT_PATH "mentor.db"

/* Resolve the workspace path: `flag` (from --db) if set, else $MENTOR_DB,
 * else STORE_DEFAULT_PATH. Borrowed pointer, no allocation. */
const char *store_default_path(const char *flag);

/* Open (creating if needed) and migrate the workspace at path. WAL mode,
 * foreign keys on, busy timeout 5 s. A file from a newer mentor is refused.
 * Returns a handle (caller frees with store_close) or NULL with err set. */
struct store *store_open(const char *path, char *err);
/* Open without creating: fails if the file does not exist. */
struct store *store_open_existing(const char *path, char *err);
void store_close(struct store *st);
/* For migration tests: create or open a workspace and migrate it only up to
 * `version` (0..STORE_SCHEMA_VERSION). */
struct store *store_open_at_version(const char *path, int version, char *err);

/* The raw connection, for modules' tests only. Borrowed. */
struct sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);
/* user_version of the open file (after migration: STORE_SCHEMA_VERSION). */
int store_schema_version(struct store *st);

/* Explicit transactions (BEGIN IMMEDIATE). Nested calls are counted: only the
 * outermost begin/commit touch SQLite; a rollback at any depth rolls back the
 * whole and makes the enclosing commits fail. */
int store_begin(struct store *st, char *err);
int store_commit(struct store *st, char *err);
void store_rollback(struct store *st);

/* Key/value settings that survive a restart (UI position, filters...).
 * store_setting_get returns a heap copy (caller frees) or NULL if unset. */
int store_setting_set(struct store *st, const char *key, const char *value, char *err);
char *store_setting_get(struct store *st, const char *key);

/* ----------------------------------------------- state names (store_names.c) */

/* The words the workspace stores for explanation modes, review states, run
 * (and experiment) states and LLM call outcomes, one enum and one name table
 * each. Callers parse a stored string once and compare the enum; lists of all
 * of them iterate 0 .. STORE_N_*. The database keeps the text. *_name returns
 * a static string ("?" out of range); *_parse returns the enum or -1 for an
 * unknown, empty or NULL string (case-sensitive, no surrounding blanks).
 * A mode is also the `path` of an explanation, which is only cot or rp. */
enum store_mode { STORE_COT, STORE_RP, STORE_CROP, STORE_N_MODES };
enum store_review {
	STORE_REVIEW_PENDING,
	STORE_REVIEW_ACCEPTED,
	STORE_REVIEW_REJECTED,
	STORE_REVIEW_FLAGGED,
	STORE_N_REVIEWS
};
enum store_run_status {
	STORE_RUN_QUEUED,
	STORE_RUN_RUNNING,
	STORE_RUN_STOPPED,
	STORE_RUN_DONE,
	STORE_RUN_FAILED,
	STORE_N_RUN_STATUSES
};
enum store_call_status {
	STORE_CALL_OK,
	STORE_CALL_ERROR,
	STORE_CALL_CANCELLED,
	STORE_N_CALL_STATUSES
};

const char *store_mode_name(enum store_mode mode);
int store_mode_parse(const char *s);
const char *store_review_name(enum store_review review);
int store_review_parse(const char *s);
const char *store_run_status_name(enum store_run_status status);
int store_run_status_parse(const char *s);
const char *store_call_status_name(enum store_call_status status);
int store_call_status_parse(const char *s);

/* ---------------------------------------------------------------- datasets */

struct store_dataset {
	int64_t id;
	char *name;
	char *source;      /* file it was imported from, or "sample:TASK" */
	char *format;      /* gsm8k, csqa, strategyqa, obqa, aqua, svamp, generic, sample */
	char *source_hash; /* sha256 of the imported bytes and options */
	int64_t created_at;
	int64_t n_train, n_dev, n_test; /* item counts per split */
};
void store_dataset_release(struct store_dataset *d);

/* Look up by name. Returns 0 and fills d (release with store_dataset_release),
 * MENTOR_ENOTFOUND, or MENTOR_ERR. */
int store_dataset_get(struct store *st, const char *name, struct store_dataset *d, char *err);
int store_dataset_get_id(struct store *st, int64_t id, struct store_dataset *d, char *err);
/* All datasets ordered by name; *out is a heap array (free each with
 * store_dataset_release, then free(*out)). */
int store_dataset_list(struct store *st, struct store_dataset **out, size_t *n, char *err);
/* Create the dataset, or return the id of the existing one of that name
 * (its source, format and hash are updated). */
int store_dataset_upsert(struct store *st, const char *name, const char *source, const char *format,
			 const char *source_hash, int64_t *id, char *err);
/* Delete a dataset and everything hanging from it. */
int store_dataset_delete(struct store *st, int64_t id, char *err);

/* ------------------------------------------------------------------- items */

/* Answer types, stored as text. */
#define STORE_ANS_MC "mc"
#define STORE_ANS_YESNO "yesno"
#define STORE_ANS_NUMBER "number"
#define STORE_ANS_TEXT "text"

struct store_item {
	int64_t id;
	int64_t dataset_id;
	char *split;  /* train | dev | test */
	char *ext_id; /* id in the source file (or line number) */
	char *question;
	char *choices_json;   /* JSON array [{"label":"A","text":"..."}] or NULL */
	char *answer;         /* normalised gold answer: "B", "yes", "18", text */
	char *answer_type;    /* STORE_ANS_* */
	char *gold_rationale; /* or NULL */
	char *trace_json;     /* solution trace of generated items, or NULL */
	char *meta_json;      /* everything else from the source record, or NULL */
};
void store_item_release(struct store_item *it);

/* Insert or update (by dataset_id + ext_id) one item; it->id is set.
 * Call inside store_begin/store_commit for bulk loads. */
int store_item_upsert(struct store *st, struct store_item *it, char *err);
int store_item_get(struct store *st, int64_t id, struct store_item *it, char *err);

/* What store_item_put did. */
enum { STORE_ITEM_SAME = 0, STORE_ITEM_NEW = 1, STORE_ITEM_CHANGED = 2 };
/* store_item_upsert that also says in *what (may be NULL) whether the item
 * is new, changed, or identical to the stored one (then nothing is written). */
int store_item_put(struct store *st, struct store_item *it, int *what, char *err);
/* Delete the items of a dataset (of one split, or all when split is NULL)
 * whose ids are not in keep[0..n_keep) (sorted ascending, borrowed), except
 * items that have explanations: those stay. *deleted and *kept (may be NULL)
 * count both kinds. */
int store_item_prune(struct store *st, int64_t dataset_id, const char *split, const int64_t *keep,
		     size_t n_keep, size_t *deleted, size_t *kept, char *err);

/* Bulk loads: on=1 gives the connection a larger page cache (64 MiB) so that
 * index pages stay in memory during an import; on=0 restores the default. */
void store_item_bulk(struct store *st, int on);

/* A filter over items, as the Items screen and `mentor items` use it.
 * Zero-initialise, then set what matters. Strings are borrowed. */
struct store_item_filter {
	int64_t dataset_id; /* 0 = all datasets */
	const char *split;  /* NULL = any */
	const char *search; /* substring of question (case-insensitive ASCII), NULL = any */
	const char *review; /* explanation status present: pending|accepted|rejected|flagged|none */
	const char *mode;   /* has an explanation of this mode: cot|rp|crop */
	int correct;        /* -1 any, 0 has a wrong explanation, 1 has a correct one */
	int leaked;         /* -1 any, 1 has a leaked explanation */
};
void store_item_filter_init(struct store_item_filter *f);
/* The text form of f's split, review, mode, correct and leaked conditions,
 * as the Items screen saves it in the workspace settings and the Review
 * screen reads it back: "split:train review:pending mode:cot result:correct
 * leaked:yes", one word per condition, "any" for none. The dataset and the
 * search are not part of it. */
#define STORE_FILTER_TEXT_MAX 128 /* the longest text format writes, with its NUL */
/* Write the text form of f into buf (n bytes; cut to fit, always ended). */
void store_item_filter_format(const struct store_item_filter *f, char *buf, size_t n);
/* Read a text form into f's five conditions (dataset_id and search are
 * left as they are). Words are separated by spaces; "key:any" and a key
 * left out mean no condition, a later word overrides an earlier one. The
 * strings set in f are constants (valid for ever; text is not kept). A word
 * without a colon, an unknown key or a value outside its key's set leaves
 * that condition at any and makes the result MENTOR_EUSAGE with err naming
 * the first such word (the others are still read); else 0. NULL reads as
 * "". Reads at most the first 64 KiB (the rest is an error too). */
int store_item_filter_parse(struct store_item_filter *f, const char *text, char *err);

/* Count and page through items matching f, ordered by id. Paging is keyset
 * based when after_id > 0 (fast at any depth), else by offset.
 * *out is a heap array of n items (release each, then free(*out)). */
int store_item_count(struct store *st, const struct store_item_filter *f, int64_t *count,
		     char *err);
int store_item_page(struct store *st, const struct store_item_filter *f, int64_t offset,
		    int64_t after_id, int limit, struct store_item **out, size_t *n, char *err);
/* The answer type of a dataset's items, as its first item has it
 * (STORE_ANS_TEXT when it has none or cannot be read); the caller frees it.
 * Aborts on OOM. */
char *store_dataset_answer_type(struct store *st, int64_t dataset_id);
/* Review progress of one mode over the items matching f: the state of each
 * item's shown explanation of that mode (the newest one; for crop the final
 * text, not a kept COTE attempt), or none. */
struct store_review_progress {
	int64_t items, accepted, rejected, flagged, pending, none;
};
int store_item_review_progress(struct store *st, const struct store_item_filter *f,
			       const char *mode, struct store_review_progress *p, char *err);
/* Position (0-based) of item id within the filtered list, or -1. */
int store_item_index(struct store *st, const struct store_item_filter *f, int64_t id,
		     int64_t *index, char *err);

/* The operator's selection: the items a filter and a search text give, as
 * the Items screen lists them and as the Review screen's batch (B) runs
 * them. The search text is what the operator typed: "" or NULL for none,
 * "re:PATTERN" for a POSIX extended regular expression (case-insensitive)
 * matched against the question, anything else a case-insensitive (ASCII)
 * substring of the question (in SQL; f->search is ignored in both cases).
 * A regular expression is applied in C to the items that pass the other
 * conditions of f, read page by page in id order, and at most scan_max of
 * them are read (then capped is set). */
#define STORE_SEARCH_SCAN_MAX 200000
struct store_item_selection {
	int64_t *ids; /* item ids in id order (heap; store_item_selection_release) */
	size_t n;
	int regex;       /* the search was a regular expression */
	int capped;      /* the regex scan stopped after scan_max rows */
	int64_t scanned; /* rows the regex scan read */
};
/* 1 when search is a regular-expression search ("re:..."). */
int store_search_is_regex(const char *search);
/* Fill *sel (zeroed first; release it even on error). scan_max 0 means
 * STORE_SEARCH_SCAN_MAX. A pattern that does not compile is MENTOR_EUSAGE
 * with "bad regular expression 'PATTERN': why". */
int store_item_select(struct store *st, const struct store_item_filter *f, const char *search,
		      size_t scan_max, struct store_item_selection *sel, char *err);
void store_item_selection_release(struct store_item_selection *sel);
/* store_item_review_progress over a list of item ids (an operator's
 * selection) instead of a filter. */
int store_item_review_progress_ids(struct store *st, const int64_t *ids, size_t n, const char *mode,
				   struct store_review_progress *p, char *err);

/* ------------------------------------------------- LLM calls (store_expl.c) */

struct store_call {
	int64_t id;
	char *cache_key; /* sha256 of provider, model, request parameters */
	char *provider;
	char *model;
	char *request_json;  /* the request body, never any header or secret */
	char *response_text; /* raw response body (or assembled stream) */
	char *status;        /* ok | error | cancelled */
	int http_code;
	char *error;
	int64_t tokens_in, tokens_out;
	int tokens_estimated; /* 1 when the provider gave no usage */
	int64_t latency_ms;
	double cost; /* in the price unit of the config (USD) */
	int64_t created_at;
};
void store_call_release(struct store_call *c);
int store_call_insert(struct store *st, struct store_call *c, char *err);
/* Latest successful call with this cache key: 0, MENTOR_ENOTFOUND or MENTOR_ERR. */
int store_call_find(struct store *st, const char *cache_key, struct store_call *c, char *err);
int store_call_list(struct store *st, struct store_call **out, size_t *n, char *err);
/* One call by id: 0, MENTOR_ENOTFOUND or MENTOR_ERR (release with store_call_release). */
int store_call_get(struct store *st, int64_t id, struct store_call *c, char *err);
/* Totals over every logged call. */
struct store_call_totals {
	int64_t calls, ok, errors;
	int64_t tokens_in, tokens_out;
	double cost;
};
int store_call_totals(struct store *st, struct store_call_totals *t, char *err);
/* Largest call id so far (0 when none): calls logged later have larger ids. */
int64_t store_call_max_id(struct store *st);
/* What the successful calls of one provider/model used so far, for cost
 * estimates: all of them, and those whose token usage the provider reported
 * (tokens_estimated = 0) with the bytes of their request bodies. */
struct store_call_usage {
	int64_t calls;          /* successful calls */
	int64_t tokens_out;     /* their output tokens, summed */
	int64_t measured;       /* of them, calls with reported usage */
	int64_t measured_in;    /* their input tokens, summed */
	int64_t measured_bytes; /* their request bodies, in bytes, summed */
};
int store_call_usage(struct store *st, const char *provider, const char *model,
		     struct store_call_usage *u, char *err);

/* ---------------------------------------------- explanations (store_expl.c) */

struct store_expl {
	int64_t id;
	int64_t item_id;
	char *mode; /* cot | rp | crop */
	char *path; /* which prompt produced the text: cot | rp (crop: either) */
	char *provider;
	char *model;
	int64_t call_id;     /* 0 if none */
	int64_t attempt_of;  /* crop: id of the kept COTE attempt, else 0 */
	char *text;          /* explanation as generated */
	char *parsed_answer; /* normalised, NULL when unparsable */
	int correct;         /* 1, 0, or -1 unknown */
	int leaked;          /* 1 if the explanation merely restates the hint */
	char *status;        /* pending | accepted | rejected | flagged */
	char *reviewer;
	int64_t decided_at;
	char *edited_text;                         /* operator's edit, or NULL */
	int64_t tokens_in, tokens_out, latency_ms; /* copied from the call for display */
	double cost;
	int64_t created_at;
};
void store_expl_release(struct store_expl *e);
/* 1 if the explanation may train a student: accepted by the operator, or
 * pending/flagged with correct != 0 and not leaked and not a CROP attempt
 * that RP replaced. Rejected ones never. Wrong (COTE) and leaked (RP)
 * explanations are used only once accepted. */
int store_expl_trainable(const struct store_expl *e);
int store_expl_insert(struct store *st, struct store_expl *e, char *err);
int store_expl_get(struct store *st, int64_t id, struct store_expl *e, char *err);
/* All explanations of one item, newest first per mode. */
int store_expl_for_item(struct store *st, int64_t item_id, struct store_expl **out, size_t *n,
			char *err);

/* A filter over explanations (zero-initialise; strings borrowed). */
struct store_expl_filter {
	int64_t dataset_id; /* 0 = all */
	const char *mode;   /* NULL = any */
	const char *status; /* NULL = any */
	int limit;          /* 0 = no limit */
};
/* Explanations matching f, ordered by item then id. *out is a heap array
 * (release each with store_expl_release, then free(*out)). */
int store_expl_list(struct store *st, const struct store_expl_filter *f, struct store_expl **out,
		    size_t *n, char *err);
/* The id of a finished explanation of this mode for the item by this
 * provider/model (for crop: one produced by RP, or a correct COTE), so a
 * rerun can skip it. 0 and *id, MENTOR_ENOTFOUND, or MENTOR_ERR. */
int store_expl_find_final(struct store *st, int64_t item_id, const char *mode, const char *provider,
			  const char *model, int64_t *id, char *err);
/* The id of an explanation of this mode/path for the item that came from
 * call_id (used to keep one CROP COTE attempt per call on reruns). */
int store_expl_find_by_call(struct store *st, int64_t item_id, const char *mode, const char *path,
			    int64_t call_id, int64_t *id, char *err);
/* How often COTE went wrong for a provider/model: *calls distinct calls
 * behind COTE-prompted explanations (mode cot, or crop with path cot) and
 * *wrong of them whose answer was not the gold one (wrong or unparsable),
 * i.e. where CROP needs its RP fallback. */
int store_expl_cot_record(struct store *st, const char *provider, const char *model, int64_t *calls,
			  int64_t *wrong, char *err);

/* A demonstration for few-shot prompts: an item of a dataset with a gold
 * rationale or an accepted explanation (edited text preferred). */
struct store_demo {
	int64_t item_id;
	char *split;
	char *question;
	char *choices_json;
	char *answer;
	char *answer_type;
	char *rationale;
};
void store_demo_release(struct store_demo *d);
/* Up to max candidates of a dataset, never from the test split, ordered by
 * item id (heap array: release each, then free(*out)). */
int store_demo_list(struct store *st, int64_t dataset_id, size_t max, struct store_demo **out,
		    size_t *n, char *err);

/* Review: set the status (accepted|rejected|flagged|pending), record a
 * decision row with the previous status, in one transaction. Returns 0, 1
 * when the explanation has that status already (nothing is recorded, so an
 * undo never undoes a decision that changed nothing), or an error. */
int store_expl_decide(struct store *st, int64_t expl_id, const char *action, const char *reviewer,
		      char *err);
/* The judgement of an explanation's text: the answer parsed from it (NULL
 * when none), whether it is the gold answer (1, 0, -1 unknown), and whether
 * it merely restates the hint (1/0). */
struct store_verdict {
	const char *parsed;
	int correct;
	int leaked;
};
/* Store an edit of the text with the edited text's verdict (v; NULL keeps
 * the current one) in one transaction: the audit row "edit" keeps the text
 * before, the text set and the verdict before. 1 (nothing recorded) when
 * the text is the edited text already. */
int store_expl_edit(struct store *st, int64_t expl_id, const char *text,
		    const struct store_verdict *v, const char *reviewer, char *err);
/* Undo the latest decision not yet undone (any explanation when expl_id is 0):
 * restores the previous status (and for an edit the previous text and its
 * verdict), marks the decision undone. Fills
 * *undone_expl with the explanation affected and *was_edit with 1 when the
 * decision was an edit (either may be NULL); MENTOR_ENOTFOUND if none. */
int store_decision_undo(struct store *st, int64_t expl_id, int64_t *undone_expl, int *was_edit,
			char *err);

/* ------------------------------------- runs, metrics, predictions (store_run.c) */

struct store_run {
	int64_t id;
	int64_t dataset_id;
	char *name;    /* short label shown in legends */
	char *variant; /* baseline | mt-re | mt-ra | mt-cot */
	double alpha;
	char *source;      /* accepted | cot | rp | crop | gold */
	char *kind;        /* internal | external */
	char *config_json; /* every knob of the run */
	char *status;      /* queued | running | stopped | done | failed */
	char *error;
	int64_t pid; /* process running it, 0 if none */
	int64_t started_at, ended_at;
	char *checkpoint; /* path of the latest checkpoint */
	int64_t step, total_steps;
};
void store_run_release(struct store_run *r);
int store_run_insert(struct store *st, struct store_run *r, char *err);
int store_run_update(struct store *st, const struct store_run *r, char *err);
int store_run_get(struct store *st, int64_t id, struct store_run *r, char *err);
int store_run_list(struct store *st, struct store_run **out, size_t *n, char *err);
int store_run_delete(struct store *st, int64_t id, char *err);
/* Look a run up by id (decimal text) or, failing that, by name (the newest of
 * that name). 0, MENTOR_ENOTFOUND (err says so) or MENTOR_ERR. */
int store_run_find(struct store *st, const char *ref, struct store_run *r, char *err);
/* Set status, error (NULL clears) and pid in one statement. 'running' sets
 * started_at the first time and clears ended_at; stopped/done/failed set
 * ended_at to now. */
int store_run_set_status(struct store *st, int64_t id, const char *status, const char *error,
			 int64_t pid, char *err);
/* Set the pid of a run that is still queued (no change otherwise). */
int store_run_set_pid_if(struct store *st, int64_t id, int64_t pid, char *err);
/* Record the step reached and (when checkpoint != NULL) the latest checkpoint. */
int store_run_set_progress(struct store *st, int64_t id, int64_t step, const char *checkpoint,
			   char *err);

/* One metric point; metric names: loss, loss_ans, loss_exp, val_loss, lr, tok_s. */
int store_metric_add(struct store *st, int64_t run_id, int64_t step, double t, const char *name,
		     double value, char *err);
struct store_metric {
	int64_t step;
	double t; /* seconds since the run started */
	double value;
};
/* Delete the points of a run with step > after_step (a resumed run rewrites them). */
int store_metric_trim(struct store *st, int64_t run_id, int64_t after_step, char *err);
/* Points of one metric with step > after_step, in step order (heap array). */
int store_metric_get(struct store *st, int64_t run_id, const char *name, int64_t after_step,
		     struct store_metric **out, size_t *n, char *err);

struct store_pred {
	int64_t run_id;
	int64_t item_id;
	char *split;
	char *answer; /* direct answer (answer task), normalised */
	int correct;
	char *cot_text;   /* generated explanation, NULL for baseline / MT-Re */
	char *cot_answer; /* answer read from the explanation */
	int cot_correct;  /* -1 when not applicable */
};
void store_pred_release(struct store_pred *p);
int store_pred_put(struct store *st, const struct store_pred *p, char *err);
int store_pred_list(struct store *st, int64_t run_id, struct store_pred **out, size_t *n,
		    char *err);

/* --------------------------------------- experiments (store_experiment.c) */

/* A planned set of runs on one dataset (variants x seeds); its runs carry
 * run.experiment_id. */
struct store_experiment {
	int64_t id;
	int64_t dataset_id;
	char *name;        /* "exp3" */
	char *config_json; /* the plan: variants, seeds, the base configuration */
	char *status;      /* queued | running | stopped | done | failed */
	int64_t pid;       /* process executing it, 0 if none */
	int64_t created_at;
};
void store_experiment_release(struct store_experiment *e);
/* Insert e (status and name default to 'queued' and ''); sets e->id and
 * e->created_at. */
int store_experiment_insert(struct store *st, struct store_experiment *e, char *err);
/* 0 and e filled (release with store_experiment_release), MENTOR_ENOTFOUND
 * ("no experiment N") or MENTOR_ERR. */
int store_experiment_get(struct store *st, int64_t id, struct store_experiment *e, char *err);
/* All experiments in id order (heap array: release each, then free(*out)). */
int store_experiment_list(struct store *st, struct store_experiment **out, size_t *n, char *err);
int store_experiment_set_name(struct store *st, int64_t id, const char *name, char *err);
/* Set status and pid; MENTOR_ENOTFOUND when there is no such experiment. */
int store_experiment_set_status(struct store *st, int64_t id, const char *status, int64_t pid,
				char *err);
/* Set the pid of an experiment that is still queued (no change otherwise). */
int store_experiment_set_pid_if(struct store *st, int64_t id, int64_t pid, char *err);
/* Make run_id one of experiment exp_id's runs (0 detaches it). */
int store_run_set_experiment(struct store *st, int64_t run_id, int64_t exp_id, char *err);
/* The experiment run_id belongs to in *exp_id (0 when none); MENTOR_ENOTFOUND
 * when there is no such run. */
int store_run_experiment(struct store *st, int64_t run_id, int64_t *exp_id, char *err);
/* Ids of an experiment's runs in id order (the order they run in); heap
 * array, caller frees. */
int store_experiment_run_ids(struct store *st, int64_t exp_id, int64_t **ids, size_t *n, char *err);
/* Predictions of a run on one split, counted. */
int store_pred_count(struct store *st, int64_t run_id, const char *split, int64_t *n, char *err);

#endif
