/* teacher: asks a large model (or the scripted offline teacher) for
 * explanations in the three modes of the method: COTE (chain of thought,
 * kept with its correctness), RP (rationalize the given gold answer, leak
 * check) and CROP (COTE, then RP where COTE is wrong or unparsable). Every
 * call is logged in the workspace and doubles as a cache; explanations are
 * written per item as they complete, so an interrupted job resumes without
 * paying twice.
 *
 * Threads. A job runs on its own worker thread with its own workspace
 * connection (store_open on opts.db_path); network transfers run on the
 * transport's thread (http.h). Callbacks therefore never run on the caller's
 * thread:
 *   - on_text runs on the transport thread while a response streams in (or on
 *     the job thread for cache hits and the offline teacher);
 *   - on_result and on_done run on the job thread.
 * Callbacks must return quickly, must not block on the caller's thread and
 * must not call teacher_wait() or teacher_free(); teacher_cancel() and
 * teacher_get_progress() are safe from anywhere. Every pointer handed to a
 * callback is borrowed for the duration of the call: copy what you keep. A
 * user interface forwards them to its own event queue. */
#ifndef MENTOR_TEACHER_H
#define MENTOR_TEACHER_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/util.h"

/* Modes, as a mask for teacher_start: bit m is enum store_mode m. */
#define TEACHER_COT (1u << STORE_COT)
#define TEACHER_RP (1u << STORE_RP)
#define TEACHER_CROP (1u << STORE_CROP)
#define TEACHER_ALL (TEACHER_COT | TEACHER_RP | TEACHER_CROP)

/* Longest explanation text accepted from a provider. */
#define TEACHER_MAX_TEXT ((size_t)256 << 10)

/* Mode mask of "cot", "rp", "crop" or "all"; 0 for anything else. */
unsigned teacher_mode_mask(const char *name);

struct teacher_opts {
	const char *db_path;      /* workspace; the job opens its own connection */
	const struct config *cfg; /* borrowed; must outlive the job */
	const char *provider;     /* provider or alias; NULL = the config's default */
	const char *model;        /* NULL = the provider's (or alias's) model */
	unsigned modes;           /* TEACHER_* mask */
	int concurrency;          /* 0 = config (default 8) */
	int rpm;                  /* < 0 = config */
	double timeout_s;         /* 0 = config */
	int retries;              /* < 0 = config */
	int k;                    /* demonstrations, < 0 = config (default 4) */
	int64_t seed;             /* < 0 = config */
	/* Offline teacher's mistake rates; each one < 0 = the provider section's,
	 * else [defaults]. error_rate is the older name of offline.cot_wrong,
	 * used when that is < 0. */
	struct config_offline_rates offline;
	double error_rate;
	int stream;              /* 1 stream (SSE), 0 plain JSON, < 0 = config */
	int force;               /* 1: ignore existing explanations and the cache */
	const char *prompts_dir; /* NULL = config's, else the default dir */
};
/* Everything "from the config" (the negative/zero values above). */
void teacher_opts_init(struct teacher_opts *o);

/* Counters of a job; a snapshot is copied out under a lock. */
struct teacher_progress {
	int64_t total;   /* item x mode tasks */
	int64_t done;    /* finished tasks: ok, error or skipped */
	int64_t errors;  /* failed or declined tasks */
	int64_t skipped; /* already explained (not forced) */
	int64_t cached;  /* calls answered from the log */
	int64_t calls;   /* calls made (network or offline) */
	int64_t tokens_in, tokens_out;
	double cost; /* of the calls made */
	double elapsed_s;
	int finished; /* the job thread is done */
	int cancelled;
	/* Stopped early by the stop rule: a refused key (HTTP 401/403), a spent
	 * quota (402, or 429 speaking of quota or billing), or 5 call failures
	 * in a row with the same message. No task is started after that. */
	int stopped;
	char stop_reason[MENTOR_ERR_LEN]; /* what happened; how many tasks were
	                                   * not attempted; what to do ("" if not) */
};

/* One finished task (item x mode). */
struct teacher_result {
	int64_t item_id;
	const char *mode;   /* cot | rp | crop */
	const char *path;   /* which prompt produced the text: cot | rp */
	int64_t expl_id;    /* stored explanation, 0 on error or skip */
	int64_t attempt_id; /* crop via rp: the stored COTE attempt, else 0 */
	int64_t call_id;
	const char *text;          /* NULL on error */
	const char *parsed_answer; /* NULL when unparsable */
	int correct;               /* 1, 0, -1 unknown */
	int leaked;
	int cached;        /* answered from the log */
	int skipped;       /* an explanation existed already */
	const char *error; /* NULL when ok; "declined: ..." for the offline teacher */
};

struct teacher_callbacks {
	void *user;
	/* A piece of text as it arrives; path says which prompt is running. */
	void (*on_text)(void *user, int64_t item_id, const char *mode, const char *path,
			const char *delta, size_t len);
	void (*on_result)(void *user, const struct teacher_result *r);
	/* Once, when the job has finished (also after a cancel). */
	void (*on_done)(void *user, const struct teacher_progress *p);
};

struct teacher_job;

/* Start a job over items (copied) in all modes of o->modes: for each item,
 * COTE and RP first, CROP after them (so it reuses their calls). Returns a
 * handle (free with teacher_free) or NULL with err (unknown provider, no
 * API key for a remote default endpoint, bad options). cb may be NULL. */
struct teacher_job *teacher_start(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
				  const struct teacher_callbacks *cb, char *err);
/* Ask the job to stop: queued tasks are dropped, transfers aborted; what
 * finished stays stored. Returns at once. */
void teacher_cancel(struct teacher_job *j);
void teacher_get_progress(struct teacher_job *j, struct teacher_progress *p);
/* Wait for the end (timeout_ms < 0: no limit). MENTOR_OK when finished,
 * MENTOR_ERR on timeout. Not from a callback. */
int teacher_wait(struct teacher_job *j, long timeout_ms);
/* Cancel if running, wait, free. NULL is fine. Not from a callback. */
void teacher_free(struct teacher_job *j);
/* Provider name and model the job uses (borrowed, valid until teacher_free). */
const char *teacher_job_provider(const struct teacher_job *j);
const char *teacher_job_model(const struct teacher_job *j);

/* The language of a dataset's prompts (I18N_EN or I18N_JA of
 * mentor/i18n.h): the workspace setting "dataset.ID.lang" when it says ja
 * or en, else detected from the first TEACHER_LANG_SAMPLE questions
 * (i18n_census_lang: Japanese when kana and kanji make a quarter of the
 * letters). *set (may be NULL) is 1 when the setting decided. 0 or
 * MENTOR_ERR with err. */
#define TEACHER_LANG_SAMPLE 200
int teacher_dataset_lang(struct store *st, int64_t dataset_id, int *lang, int *set, char *err);
/* Store the override: "ja", "en" or "auto" (detect again). MENTOR_EUSAGE
 * for another value (the value is not echoed). */
int teacher_dataset_lang_set(struct store *st, int64_t dataset_id, const char *value, char *err);

/* Items of a dataset in id order, optionally one split, at most limit (0 =
 * all). *ids is a heap array (caller frees). */
int teacher_select_items(struct store *st, int64_t dataset_id, const char *split, size_t limit,
			 int64_t **ids, size_t *n, char *err);
/* The same for any item filter (without a regex search: the Items screen's
 * list, its search included, is store_item_select's). */
int teacher_select_filter(struct store *st, const struct store_item_filter *f, size_t limit,
			  int64_t **ids, size_t *n, char *err);

/* Render the prompt a mode would send for an item (the same demonstrations
 * and templates as a job with these options). pmode is PROMPT_COT or
 * PROMPT_RP. Appends to out. */
int teacher_build_prompt(struct store *st, const struct teacher_opts *o, int64_t item_id, int pmode,
			 struct buf *out, char *err);

/* ---------------------------------------------------------------------------
 * Estimates (src/teacher_estimate.c): what a job of teacher_start would do,
 * computed before it runs, with no network and nothing written. */

/* Output tokens per call assumed when the provider/model has no past call
 * (capped at the config's max_tokens). */
#define TEACHER_EST_OUT_DEFAULT 200

struct teacher_estimate {
	char provider[CONFIG_MAX_NAME + 1];
	char model[256];
	unsigned modes; /* TEACHER_* mask */
	int offline;    /* the offline teacher: every figure is exact */
	int force;
	int64_t items;
	int64_t tasks;      /* items x modes */
	int64_t skipped;    /* finished already: the job skips them (0 with force) */
	int64_t failing;    /* tasks that fail before any call (no prompt, no item) */
	int64_t calls;      /* calls that will be made */
	int64_t cached;     /* steps answered without a call, as the job counts them: */
	int64_t cached_log; /*   by the call log (the rest by a call made earlier in
	                         *   the same job: CROP's COTE is COTE's call) */
	/* CROP asks RP only where COTE's answer is wrong or unparsable. */
	int64_t fallback_known;   /* RP steps known to be needed (COTE's answer is in the
	                         * log, or the offline teacher's); in calls or cached */
	int64_t fallback_open;    /* COTE answers not known before their call: up to one
	                         * more call each, not in calls */
	double fallback_rate;     /* expected share of them: the share of this model's past
	                         * COTE calls that were wrong, 1 without any */
	int64_t fallback_basis;   /* past COTE calls behind the rate */
	double fallback_expected; /* fallback_open x fallback_rate */
	/* Tokens and cost: of the calls, plus the expected open fallbacks; the
	 * _max figures count every open fallback. */
	int64_t tokens_in, tokens_out;
	int64_t tokens_in_max, tokens_out_max;
	double cost, cost_max; /* USD, from the provider's price_in/price_out */
	double price_in, price_out;
	/* The estimators. Input: in_per_byte x the request body's bytes, the
	 * ratio of this model's past calls whose usage the provider reported
	 * (in_basis of them), else bytes/4 of the prompt (what the job logs when
	 * a server reports no usage). Output: out_per_call, the mean of this
	 * model's past successful calls (out_basis), else TEACHER_EST_OUT_DEFAULT.
	 * The offline teacher's texts are written in advance: exact. */
	int64_t in_basis;
	double in_per_byte;
	int64_t out_basis;
	double out_per_call;
};

/* Called between items of an estimate with the items done so far; a
 * non-zero return stops it. */
typedef int (*teacher_estimate_poll_fn)(void *user, size_t done, size_t total);

/* Estimate teacher_start(o, item_ids, n): for each task, skipped as a rerun
 * skips it, or its steps with the prompts and cache keys the job would use,
 * answered from the call log, by a call of the same job, or by a new call.
 * Opens o->db_path (never creates it) and only reads. No API key needed. It
 * reads every item and builds its prompts (about a second for 2,700 items in
 * three modes), so a user interface runs it off its own thread: poll (may be
 * NULL) is called after each item and may stop it (MENTOR_ERR, "estimate
 * cancelled"). */
int teacher_estimate(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
		     teacher_estimate_poll_fn poll, void *user, struct teacher_estimate *est,
		     char *err);
/* The most calls the job may make: calls + fallback_open. */
int64_t teacher_estimate_max_calls(const struct teacher_estimate *est);
/* The estimate as text lines (teacher and modes, tasks, calls, CROP, tokens,
 * cost, each saying where its figure comes from), appended to out. */
void teacher_estimate_lines(const struct teacher_estimate *est, struct buf *out);
/* One line: "2 items, 6 tasks: 4 calls, 2 cached, 0 skipped; ~650 tokens in,
 * ~90 out; ~$0", appended to out. */
void teacher_estimate_summary(const struct teacher_estimate *est, struct buf *out);

/* ---------------------------------------------------------------------------
 * Pieces exposed for tests. */

/* The offline teacher's mistakes (see teacher_offline_explain). */
enum teacher_offline_mistake {
	TEACHER_OFFLINE_NONE,      /* the gold explanation */
	TEACHER_OFFLINE_COT_WRONG, /* COTE from wrong_steps, ending in a wrong answer */
	TEACHER_OFFLINE_BAD_STEP,  /* COTE with one altered middle step, gold answer */
	TEACHER_OFFLINE_RP_LEAK,   /* RP restating the hint instead of reasoning */
};
/* "none", "cot_wrong", "cot_bad_step", "rp_leak" (static). */
const char *teacher_offline_mistake_name(int mistake);

/* The offline teacher: write an explanation of item for PROMPT_COT or
 * PROMPT_RP from its solution trace (trace_json: steps, answer, distractor,
 * wrong_steps) or, failing that, its gold rationale, making mistakes at the
 * given rates (rates must be resolved: all within 0..1), deterministically
 * per seed and item:
 *  - COTE, with probability cot_wrong: the trace's wrong steps ending in the
 *    distractor (no trace or no wrong answer to give: the gold text);
 *  - COTE, with probability cot_bad_step (disjoint from cot_wrong): the gold
 *    steps with one altered: in a middle step (else the first, never the
 *    last) the last number moves by 1 to 3, or a state word flips
 *    (heads/tails, yes/no, true/false, odd/even, open/closed), or a quoted
 *    letter changes; the final step and answer stay gold. Traces with
 *    nothing to alter, and items without a trace, get the gold text;
 *  - RP, with probability rp_leak: a text restating the hint ("The answer
 *    is given as 21, so the answer is 21."), which prompt_leaked() flags.
 * *mistake (may be NULL) receives a TEACHER_OFFLINE_* value. Returns 0 with
 * the text appended to out, or MENTOR_ENOTFOUND ("declined") with the
 * reason in err when the item has neither trace nor rationale. */
int teacher_offline_explain(const struct store_item *it, int pmode,
			    const struct config_offline_rates *rates, uint64_t seed,
			    struct buf *out, int *mistake, char *err);

/* Read a provider's response body (plain JSON, or raw SSE text when it does
 * not start with '{'): the text is appended to out; usage tokens are stored
 * (-1 when absent). type is CONFIG_TYPE_OPENAI or CONFIG_TYPE_ANTHROPIC.
 * Returns 0 only for a non-empty completion; MENTOR_ERR with err for
 * malformed, truncated or error responses (also errors inside a stream:
 * an error event, llama.cpp's "error:" line, a data: line with an error
 * object), for a stream without any choice and for empty text (out is then
 * left as it was). */
int teacher_parse_response(const char *type, const char *body, size_t len, struct buf *out,
			   int64_t *tokens_in, int64_t *tokens_out, char *err);

/* ---------------------------------------------------------------------------
 * batch files (src/teacher_batch.c): the OpenAI Batch API's JSONL input and
 * output, as an asynchronous alternative to a live job. A request line is
 * {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}
 * with the exact body a live job sends (non-streaming); custom_id is
 * "mentor:d<dataset id>:i<item id>:<mode>:<path>:<16 hex of the cache key>"
 * (at most 64 characters). Importing an output file stores calls and
 * explanations as a live job would have, so the call log answers a later
 * live run of the same requests. No header, key or secret is ever written. */

/* Longest output line accepted; longer lines are reported and skipped. */
#define TEACHER_BATCH_MAX_LINE ((size_t)16 << 20)

struct teacher_batch_stats {
	int64_t tasks;     /* item x mode tasks considered */
	int64_t written;   /* export: request lines written */
	int64_t skipped;   /* already explained (not forced) */
	int64_t cached;    /* steps answered from the call log */
	int64_t lines;     /* import: non-empty lines read */
	int64_t imported;  /* import: lines whose response was stored */
	int64_t failed;    /* import: lines stored as failed calls */
	int64_t rejected;  /* import: lines that could not be used (reported) */
	int64_t repeated;  /* import: lines imported before (nothing changed) */
	int64_t explained; /* explanations written */
	int64_t waiting;   /* crop items waiting for their rp request */
	int64_t tokens_in, tokens_out;
	double cost; /* of the calls stored, at the config's prices */
};

/* Called once per problem line of an import: file and 1-based line number,
 * the reason (borrowed for the call; may contain text from the file). */
typedef void (*teacher_batch_report_fn)(void *user, const char *file, long line,
					const char *reason);

/* Write the requests the items (o->modes; provider, model, k, seed, force as
 * for teacher_start) still need to path as Batch API input, atomically.
 * Steps the call log can answer are completed in the workspace as a live job
 * would (COTE results of CROP lead to its RP request). The provider must be
 * OpenAI-compatible; no API key is needed. stats (may be NULL) is filled. */
int teacher_batch_export(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
			 const char *path, struct teacher_batch_stats *stats, char *err);

/* Read Batch API output from path into the workspace for the items of
 * dataset_id (provider/model/k/seed/templates as at export: a line whose
 * request would differ is refused). Per line: calls logged with the
 * reconstructed request body and cache key, explanations judged and stored
 * (CROP goes on from the call log as live); errors, non-200 responses and
 * unreadable bodies become failed calls; malformed, unknown, foreign,
 * duplicate, truncated and oversized lines are reported through report and
 * skipped. Lines are idempotent: importing a file again changes nothing.
 * When next_path is set, the requests still needed by the items and modes of
 * the file (CROP's RP fallbacks, retries of failed lines) are exported there
 * (next_stats may be NULL). Returns 0 even when lines were refused (see
 * stats); MENTOR_ERR only when the file or workspace cannot be used. */
int teacher_batch_import(const struct teacher_opts *o, int64_t dataset_id, const char *path,
			 const char *next_path, teacher_batch_report_fn report, void *user,
			 struct teacher_batch_stats *stats, struct teacher_batch_stats *next_stats,
			 char *err);

/* An operator's edit of explanation expl_id: the new text is judged again
 * against its item as when the teacher wrote it (the answer parsed from it,
 * correct against the gold answer, and for RP-prompted text whether it
 * restates the hint), and stored with that verdict in one transaction
 * (store_expl_edit). 0, 1 when the text is the edited text already (nothing
 * recorded), or an error. */
struct store;
int teacher_edit(struct store *st, int64_t expl_id, const char *text, const char *reviewer,
		 char *err);

#endif
