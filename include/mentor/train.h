/* train: multi-task training of the student. Builds the answer-task and
 * explanation-task sequences of a variant from the workspace, trains the
 * tokenizer and the model (AdamW, warmup then cosine, gradient clipping),
 * writes metrics every step and atomic checkpoints that resume bit for bit,
 * and runs a training run in the calling thread or in a child process. */
#ifndef MENTOR_TRAIN_H
#define MENTOR_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mentor/model.h"
#include "mentor/student.h"
#include "mentor/util.h"

struct store;
struct store_item;
struct store_run;
struct tokenizer;

/* ------------------------------------------------------------ variants */

enum train_variant {
	TRAIN_BASELINE = 0, /* question -> answer */
	TRAIN_MT_RE,        /* + question -> explanation */
	TRAIN_MT_RA,        /* + question -> answer because explanation */
	TRAIN_MT_COT,       /* + question -> explanation So the answer is X. */
	TRAIN_N_VARIANTS
};
/* Where the explanation task's texts come from. */
enum train_source {
	TRAIN_SRC_ACCEPTED = 0, /* explanations accepted in review (edited text wins) */
	TRAIN_SRC_COT,          /* every explanation of mode cot, reviewed or not */
	TRAIN_SRC_RP,
	TRAIN_SRC_CROP,
	TRAIN_SRC_GOLD, /* the dataset's own rationales */
	TRAIN_N_SOURCES
};
enum train_task { TRAIN_TASK_ANS = 0, TRAIN_TASK_EXP = 1 };

/* Names as the CLI and the run table spell them ("baseline", "mt-cot",
 * "accepted", "gold"); static strings, "?" when out of range. */
const char *train_variant_name(int variant);
const char *train_source_name(int source);
/* Parse a name; -1 when unknown. */
int train_variant_parse(const char *s);
int train_source_parse(const char *s);

/* Words joining answer and explanation in the explanation task's target;
 * for a Japanese item (its question, as i18n_detect sees it), the _JA ones:
 * MT-Ra "12。理由: ...", MT-CoT "...。したがって、答えは 12 です。", the
 * sentence the teacher's Japanese prompts ask for. */
#define TRAIN_RA_JOIN " because "
#define TRAIN_COT_JOIN " So the answer is "
#define TRAIN_RA_JOIN_JA "。理由: "
#define TRAIN_COT_JOIN_JA "したがって、答えは "
#define TRAIN_COT_END_JA " です。"

/* ------------------------------------------------------------ configuration */

#define TRAIN_MAX_NAME 160

struct train_config {
	char dataset[TRAIN_MAX_NAME];       /* dataset name */
	int variant;                        /* enum train_variant */
	int source;                         /* enum train_source */
	double alpha;                       /* weight of the answer task, 0..1 */
	char preset[16];                    /* tiny | small | base, or "custom" */
	int n_layer, n_embd, n_head, n_ctx; /* the model's shape */
	int vocab;                          /* requested tokenizer vocabulary (total) */
	int64_t steps;                      /* optimizer steps; 0 = decide from minutes */
	double minutes;                     /* training time budget when steps == 0 */
	int batch;                          /* sequences per step */
	double lr;                          /* peak learning rate */
	double min_lr_frac;                 /* cosine floor as a fraction of lr */
	int64_t warmup;                     /* linear warmup steps; -1 = min(100, steps/10) */
	double weight_decay, beta1, beta2, eps, grad_clip;
	uint64_t seed;
	int threads;        /* OpenMP/BLAS threads (losses depend on it) */
	int64_t ckpt_every; /* checkpoint every N steps (and on stop/end) */
	int64_t val_every;  /* val_loss on the dev split every N steps; 0 = never */
	int val_items;      /* dev examples per task used for val_loss */
	int64_t eval_every; /* dev accuracy every N steps; 0 = never, -1 = auto
				       * (about 8 points over the run) */
	int eval_items;     /* dev items answered for dev accuracy */
	int eval_at_end;    /* evaluate on eval_split when training ends */
	char eval_split[8];
	int max_new;               /* longest generated explanation, in tokens */
	int64_t init_from;         /* run whose weights and tokenizer the model
				       * starts from (0: a fresh model) */
	int arch;                  /* enum student_arch */
	int checkpointing;         /* llama: recompute each block in the backward
				       * (llama_set_checkpointing) */
	int freeze_embed;          /* llama: train neither the embedding nor the
				       * head (llama_set_frozen) */
	struct llama_config llama; /* the shape when arch is STUDENT_LLAMA; its
				       * vocab_size is the tokenizer's, and n_layer,
				       * n_embd, n_head mirror it; n_ctx (the training
				       * context) is at most its max_seq_len */
};

/* Defaults: baseline, source accepted, alpha 0.3, preset tiny, vocab 512,
 * 1500 steps, batch 16, lr 3e-3 with 10% floor, auto warmup, wd 0.1, betas
 * 0.9/0.95, eps 1e-8, clip 1.0, seed 1, 2 threads, checkpoint every 200,
 * val every 100 on 64 items, eval on test at the end. */
void train_config_defaults(struct train_config *c);
/* Set the model shape from a preset (tiny, small, base) of c->arch (the
 * llama presets: student_llama_preset). MENTOR_EUSAGE when unknown. */
int train_config_preset(struct train_config *c, const char *preset, char *err);
/* Make c a Llama-family run of shape l (from a Hugging Face config.json, or
 * a preset): arch, llama (with c->vocab as its vocabulary), and layers,
 * width, heads from it; the context becomes min(c->n_ctx, l->max_seq_len). */
void train_config_set_llama(struct train_config *c, const struct llama_config *l);
/* The student shape of c with vocabulary vocab (the tokenizer's). */
void train_config_student(const struct train_config *c, int vocab, struct student_config *out);
/* Check every field; MENTOR_EUSAGE with a message naming the option. */
int train_config_check(const struct train_config *c, char *err);
/* JSON object with every field (heap string, caller frees), and back.
 * from_json starts from the defaults, so missing keys keep them. */
char *train_config_to_json(const struct train_config *c);
int train_config_from_json(const char *json, struct train_config *c, char *err);

/* Start cfg's model from run ref (id or name; a finished or stopped run with
 * a checkpoint, e.g. one made by 'mentor import-model'): sets init_from and
 * takes the run's architecture, shape, context and vocabulary, which the new
 * run cannot change. MENTOR_EUSAGE for an unknown run or one without a checkpoint,
 * MENTOR_ERR for an unreadable checkpoint. */
int train_config_init_from(struct store *st, const char *ref, struct train_config *cfg, char *err);
/* Peak learning rate of a run that starts from another model when none is
 * given: fine-tuning moves pretrained weights less than training from
 * scratch (TRAIN's default 3e-3 undoes much of what a model knows within
 * the warmup). */
#define TRAIN_FINETUNE_LR 1e-4

/* Steps between dev-accuracy evaluations for a run of total steps (0 never). */
int64_t train_eval_interval(const struct train_config *c, int64_t total);
/* Warmup steps in effect for total steps. */
int64_t train_warmup_steps(const struct train_config *c, int64_t total);
/* Learning rate of step (0-based) out of total: linear warmup from lr/warmup
 * to lr over the warmup steps, then cosine down to lr*min_lr_frac at the
 * last step. */
double train_lr_at(const struct train_config *c, int64_t step, int64_t total);

/* ------------------------------------------------------------ texts */

/* The prompt text of an item: its question, and for multiple choice a line
 * "Answer choices: (A) x (B) y". Appends to out; 0 or MENTOR_ERR (choices
 * that are not the JSON array of {label,text} they should be). */
int train_question_text(const char *question, const char *choices_json, struct buf *out, char *err);
/* The explanation task's target text for a variant (not for baseline):
 * MT-Re: explanation; MT-Ra: answer TRAIN_RA_JOIN explanation; MT-CoT:
 * explanation TRAIN_COT_JOIN answer "." (not repeated when the explanation
 * already ends with "the answer is <answer>"). Appends to out. */
int train_exp_target(int variant, const char *expl, const char *answer, struct buf *out);
/* The same in a language (I18N_JA: the _JA joins, and "。" ends a sentence
 * before the answer's; anything else: English, as train_exp_target). The
 * trainer takes the language of each item's question. */
int train_exp_target_lang(int variant, int lang, const char *expl, const char *answer,
			  struct buf *out);

/* One item's texts from the workspace: prompt, gold answer, and the
 * explanation texts of a source (none, one, or several for 'accepted'). */
struct train_text {
	int64_t item_id;
	char *prompt;
	char *answer;
	char *answer_type;
	char **expl;
	size_t n_expl;
};
struct train_corpus {
	struct train_text *items;
	size_t n;
	size_t n_expl; /* total explanations */
};
void train_corpus_init(struct train_corpus *c);
void train_corpus_release(struct train_corpus *c);
/* Read the items of one split of a dataset in id order, with their
 * explanations from source. */
int train_corpus_load(struct store *st, int64_t dataset_id, const char *split, int source,
		      struct train_corpus *out, char *err);

/* Train the tokenizer on a corpus: prompts, answers and, for the multi-task
 * variants, the explanation targets of that variant. */
int train_tokenizer_fit(const struct train_corpus *c, int variant, int vocab,
			struct tokenizer **out, char *err);

/* ------------------------------------------------------------ examples */

/* One sequence: PREFIX prompt SEP target EOS. target[i] is 1 where tok[i] is a
 * target token (after SEP, EOS included): the model is trained to predict
 * those and nothing else. */
struct train_example {
	int32_t *tok;
	uint8_t *target;
	size_t n;
	int task; /* TRAIN_TASK_ANS | TRAIN_TASK_EXP */
	int64_t item_id;
};
struct train_set {
	struct train_example *ans, *exp;
	size_t n_ans, n_exp;
	size_t n_truncated; /* sequences cut to fit the context */
	uint64_t hash;      /* of every token and flag, to detect changed data */
};
void train_set_init(struct train_set *s);
void train_set_release(struct train_set *s);

/* Encode one sequence into ex (release with train_example_release). A
 * sequence longer than n_ctx loses the start of its prompt first, then the
 * end of its target; *truncated (may be NULL) is set to 1 then. */
int train_encode(const struct tokenizer *t, int task, const char *prompt, const char *target,
		 int n_ctx, struct train_example *ex, int *truncated, char *err);
void train_example_release(struct train_example *ex);
/* The same, with every whole-word occurrence of spell (may be NULL) in the
 * target encoded letter by letter (tokenizer_encode_spelled): a text answer
 * ("oeaa") is then written one letter per token wherever a target states it,
 * which a small model can compose where BPE chunks ("oe", "aa") cannot be. */
int train_encode_spelled(const struct tokenizer *t, int task, const char *prompt,
			 const char *target, const char *spell, int n_ctx, struct train_example *ex,
			 int *truncated, char *err);
/* The answer a target spells (train_encode_spelled): a text answer of at most
 * TRAIN_SPELL_MAX bytes, else NULL. Borrowed from answer. */
#define TRAIN_SPELL_MAX 32
const char *train_spelled_answer(const char *answer_type, const char *answer);
/* All sequences of a variant: one answer-task sequence per item, and for the
 * multi-task variants one explanation-task sequence per explanation. */
int train_set_build(const struct train_corpus *c, int variant, const struct tokenizer *t, int n_ctx,
		    struct train_set *out, char *err);

/* A batch of (B,T) model inputs, targets (-1 where there is no loss) and
 * weights, T the longest sequence minus one. Baseline: B answer sequences,
 * weight 1/N on target positions. Multi-task: ceil(B/2) answer and B/2
 * explanation sequences, weights alpha/N_ans and (1-alpha)/N_exp, so the
 * model's weighted mean is alpha*answer + (1-alpha)*explanation loss. The
 * sequences are drawn with r (uniform with replacement, answers first). */
struct train_batch {
	int32_t *inputs, *targets;
	float *weights;
	uint8_t *task; /* (B,T) task of each position */
	int B, T, cap_T;
	int64_t n_tokens; /* positions holding a real input token */
};
void train_batch_init(struct train_batch *b);
void train_batch_release(struct train_batch *b);
int train_batch_sample(const struct train_set *s, int variant, double alpha, struct rng *r, int B,
		       struct train_batch *out, char *err);

/* ------------------------------------------------------------ checkpoints */

#define TRAIN_CKPT_MAGIC "MENTORCK" /* 8 bytes at offset 0 */
#define TRAIN_CKPT_VERSION 3u
/* Limits when reading (anything larger is refused as corrupt). */
#define TRAIN_CKPT_MAX_JSON (1u << 20)
#define TRAIN_CKPT_MAX_TOKENIZER (64u << 20)

/* Everything a run needs to go on where it stopped. */
struct train_ckpt {
	struct train_config cfg;
	int arch; /* enum student_arch: which of mcfg, lcfg holds the shape */
	struct model_config mcfg;
	struct llama_config lcfg;
	struct tokenizer *tok; /* owned when loaded; borrowed when saving */
	float *params, *m, *v; /* n_params floats each; m/v NULL when not loaded */
	size_t n_params;
	int64_t step; /* optimizer steps done */
	int64_t total_steps;
	uint64_t rng_state;
	uint64_t data_hash; /* train_set hash at the start of the run */
	double elapsed;     /* seconds of training so far */
};
/* Write atomically (PATH.tmp, fsync, rename). Layout, little-endian:
 * magic[8] version:u32 flags:u32 json_len:u32 json tok_len:u32 tok
 * arch:u32 shape n_params:u64 step:i64 total:i64 rng:u64 data_hash:u64
 * elapsed:f64 params:f32[n] m:f32[n] v:f32[n] fnv1a64:u64 (of all before).
 * shape is, for arch 0 (GPT-2), model:i32[5] (vocab, context, layers, heads,
 * width); for arch 1 (Llama family), llama:i32[14] (family, vocab_size,
 * hidden_size, intermediate_size, n_layer, n_head, n_kv_head, head_dim,
 * max_seq_len, rope_type, rope_original_max_pos, attention_bias, qk_norm,
 * tie_word_embeddings) then f64[5] (rope_theta, rope_factor,
 * rope_low_freq_factor, rope_high_freq_factor, rms_norm_eps).
 * Version 2 has no arch field (GPT-2, model:i32[5]) and loads as GPT-2;
 * version 1 is version 2 hashed from UTIL_FNV1A_BASIS_V1 and loads too. */
int train_ckpt_save(const char *path, const struct train_ckpt *c, char *err);
/* Read and verify a checkpoint (exact size, checksum, shapes). with_moments
 * 0 skips m and v (evaluation); TRAIN_CKPT_HEADER reads only the
 * configuration, tokenizer, shape and counters (params stays NULL; the size
 * is checked, the checksum is not). Fills c (release with train_ckpt_release). */
#define TRAIN_CKPT_HEADER (-1)
int train_ckpt_load(const char *path, int with_moments, struct train_ckpt *c, char *err);
void train_ckpt_release(struct train_ckpt *c);
/* The student shape a loaded checkpoint holds. */
void train_ckpt_student_config(const struct train_ckpt *c, struct student_config *out);
/* A student of c's shape holding c's parameters (c loaded with params). On
 * success *out is a new student (caller frees with student_free()). */
int train_ckpt_student(const struct train_ckpt *c, struct student **out, char *err);
/* Read only the tokenizer of a checkpoint (its head; the tokenizer image
 * carries its own checksum, the file's is not checked). On success *tok is
 * a new tokenizer (caller frees with tokenizer_free()). */
int train_ckpt_load_tokenizer(const char *path, struct tokenizer **tok, char *err);

/* ------------------------------------------------------------ runs */

/* Directory of a run's files, beside the workspace: "<db>.runs/<id>"
 * (appended to out), and its checkpoint "<db>.runs/<id>/ckpt.bin". */
int train_run_dir(const char *db_path, int64_t run_id, struct buf *out);
int train_run_ckpt_path(const char *db_path, int64_t run_id, struct buf *out);
/* The checkpoint of run r to read: run.checkpoint (recorded as an absolute
 * path) when it exists, else the usual place beside the workspace st (a
 * workspace moved or copied with its runs directory). Fills out; 0,
 * MENTOR_EUSAGE (no checkpoint yet) or MENTOR_ERR (the file is gone). */
int train_run_ckpt_find(struct store *st, const struct store_run *r, struct buf *out, char *err);

/* Create a queued run for cfg (dataset must exist). *run_id is set. */
int train_run_create(struct store *st, const struct train_config *cfg, const char *name,
		     int64_t *run_id, char *err);

/* What one step did, for progress displays. */
struct train_progress {
	int64_t run_id;
	int64_t step, total_steps;
	double loss, loss_ans, loss_exp; /* loss_exp NAN for baseline */
	double lr, tok_s, val_loss;      /* val_loss NAN when not measured this step */
	double dev_acc, dev_acc_expl;    /* dev accuracy (direct, explain-then-answer) of
					  * the fixed dev subset; NAN when not measured */
	double elapsed;                  /* seconds of training */
	int phase;                       /* TRAIN_PHASE_* */
	int64_t done, todo;              /* eval: items done of todo */
};
enum { TRAIN_PHASE_PREPARE = 0, TRAIN_PHASE_STEP, TRAIN_PHASE_EVAL };
/* Called after each step, after its metrics are visible to other
 * connections. Return non-zero to stop the run as if stopped by a signal. */
typedef int (*train_progress_fn)(void *u, const struct train_progress *p);

/* How a run is evaluated while and after it trains. Evaluation sits above
 * training (it loads checkpoints and reads the store's items), so the caller
 * of train_run_exec hands its functions in: eval_train_hooks() (eval.h). */
struct train_eval_hooks {
	/* Answer the first n questions of dev with the weights of m as they
	 * are, storing nothing: the accuracy of the direct answers, and of the
	 * answers read from explanations (NAN when the variant has none). */
	int (*dev)(struct student *m, const struct tokenizer *t, int variant, int max_new,
		   const struct train_corpus *dev, size_t n, double *acc, double *acc_expl,
		   char *err);
	/* Evaluate run_id on split with the weights of m, storing predictions
	 * and metrics, calling progress after each item (non-zero stops it).
	 * 0, MENTOR_ECANCEL when stopped, or an error. */
	int (*final)(struct store *st, int64_t run_id, struct student *m, const struct tokenizer *t,
		     int variant, int max_new, const char *split,
		     int (*progress)(void *u, int64_t done, int64_t todo), void *u, char *err);
};

struct train_opts {
	volatile sig_atomic_t *stop; /* set asynchronously (signal) to stop; may be NULL */
	train_progress_fn progress;  /* may be NULL */
	void *u;
	int threads;                         /* > 0 overrides the run's thread count */
	int no_eval;                         /* 1: skip the evaluation at the end */
	int only_queued;                     /* 1: refuse a run that is not queued (a spawned
				      * process whose run was stopped before it began) */
	const struct train_eval_hooks *eval; /* NULL: no dev accuracy, no evaluation
					      * at the end */
};

/* Run (or resume, when the run's checkpoint exists) run_id of the workspace
 * at db_path in the calling thread, on a connection of its own. Sets status
 * running/stopped/done/failed, pid, step, checkpoint; metrics every step.
 * Returns 0 (done), MENTOR_ECANCEL (stopped, resumable) or an error (the run
 * is marked failed with the message, unless the run could not be claimed). */
int train_run_exec(const char *db_path, int64_t run_id, const struct train_opts *o, char *err);

/* Start `exe --db DB_PATH train --resume RUN_ID --spawned` as a detached
 * process (own session, double fork, output to <run dir>/log.txt). exe NULL =
 * /proc/self/exe. The run is marked queued with the process id before this
 * returns, so that train_run_stop can stop it at once; the process then
 * claims it (only while it is still queued). *pid gets the process id. */
int train_run_spawn(const char *exe, const char *db_path, int64_t run_id, int64_t *pid, char *err);

/* Ask a run to stop: SIGTERM to its process when running (it writes a
 * checkpoint and marks itself stopped); a queued run is marked stopped at
 * once (and its process, if any, signalled). MENTOR_EUSAGE when the run is
 * not running or queued. */
int train_run_stop(struct store *st, int64_t run_id, char *err);

/* Mark runs whose process has vanished (status running, or queued by a
 * spawn, with the pid gone: killed) as failed with a hint to resume.
 * *n_marked (may be NULL) counts them. */
int train_run_reap(struct store *st, int *n_marked, char *err);

/* ------------------------------------------------------------ the queue */

/* Runs waiting to start, oldest first, kept in the workspace's settings
 * (key TRAIN_QUEUE_KEY: run ids separated by spaces) so that they outlive the
 * workbench that queued them. One run trains at a time. */
#define TRAIN_QUEUE_KEY "train.queue"
#define TRAIN_QUEUE_MAX 256
/* Parse the queue's text (NULL: empty): ids separated by spaces or commas,
 * at most TRAIN_QUEUE_MAX of them and 8 KiB of text; a repeated id counts
 * once. ids has room for TRAIN_QUEUE_MAX. 0, or MENTOR_ERR naming the bad
 * part (nothing is dropped silently). */
int train_queue_parse(const char *text, int64_t *ids, size_t *n, char *err);
/* The queue of st (ids: room for TRAIN_QUEUE_MAX). 0 or MENTOR_ERR. */
int train_queue_list(struct store *st, int64_t *ids, size_t *n, char *err);
/* Append run_id (no change when it waits already). MENTOR_EUSAGE for a run
 * that is done or external, or a full queue; MENTOR_ENOTFOUND. */
int train_queue_add(struct store *st, int64_t run_id, char *err);
/* Take run_id out of the queue (no change when it is not there). */
int train_queue_remove(struct store *st, int64_t run_id, char *err);
/* When no run trains (runs whose process died are reaped first), take the
 * oldest queued run that can train out of the queue (runs gone, done or
 * external leave it too) and claim it for this process (status queued, pid
 * ours): *run_id, or 0 when the queue is empty or a run trains (*busy, may
 * be NULL: its id). The caller trains it (train_run_exec) or spawns it. */
int train_queue_take(struct store *st, int64_t *run_id, int64_t *busy, char *err);
/* train_queue_take, then train_run_spawn(exe, ...) of the run taken. A run
 * that cannot be spawned is put back first in the queue, as it was, and the
 * error returned. */
int train_queue_start_next(struct store *st, const char *exe, int64_t *run_id, int64_t *busy,
			   char *err);

#endif
