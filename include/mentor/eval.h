/* eval: what a trained student answers. Greedy decoding of the answer task
 * (the direct answer, the paper's protocol) and of the explanation task, the
 * answer read back from a generated explanation (MT-CoT: after it; MT-Ra: at
 * its start), per-item predictions and accuracy per run, split and inference
 * mode; and the next-token logits of a prompt, to compare with other tools. */
#ifndef MENTOR_EVAL_H
#define MENTOR_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

struct store;
struct student;
struct tokenizer;
struct tokenizer_ids;

/* Longest direct answer generated, in tokens. */
#define EVAL_MAX_ANSWER_TOKENS 24

/* Read the answer of an explanation-task output: MT-CoT takes what follows
 * the last "answer is", MT-Ra what precedes " because"; the candidate is
 * normalised for answer_type (STORE_ANS_*). Heap string (caller frees) or
 * NULL when nothing can be read. Other variants give NULL. */
char *eval_parse_expl_answer(int variant, const char *text, const char *answer_type);
/* Normalise a generated direct answer for answer_type: the type's own
 * normalisation, else its first number (number type) or first word; NULL
 * when empty. Heap string, caller frees. */
char *eval_normalise(const char *answer_type, const char *text);

/* A model ready to answer: tokenizer, weights and the run's variant. */
struct eval_model;
/* Load from a checkpoint file (optimizer state skipped). *out: caller frees
 * with eval_model_free(). */
int eval_model_load(const char *ckpt_path, struct eval_model **out, char *err);
/* Wrap a model and tokenizer that stay owned by the caller (borrowed until
 * eval_model_free, which then frees only the wrapper). */
struct eval_model *eval_model_wrap(struct student *m, const struct tokenizer *t, int variant,
				   int max_new);
void eval_model_free(struct eval_model *em);
int eval_model_variant(const struct eval_model *em);

/* The model's tokenizer (borrowed, valid while em lives) and vocabulary
 * size (the number of logits). */
const struct tokenizer *eval_model_tokenizer(const struct eval_model *em);
int eval_model_vocab_size(const struct eval_model *em);

/* Which prompt eval_prompt_ids builds: the text alone, or the text in the
 * answer or explanation task's format (PREFIX text SEP, as the run was
 * trained and as eval_answer_question decodes). */
enum { EVAL_PROMPT_RAW = -1 }; /* or TRAIN_TASK_ANS, TRAIN_TASK_EXP */
/* The ids of a prompt, appended to out: text encoded by the run's
 * tokenizer (no special token ever comes from the text), wrapped for a
 * task. A prompt longer than the context keeps its last tokens (the task's
 * PREFIX and SEP stay); *dropped (may be NULL) gets how many were cut.
 * Returns 0, MENTOR_EUSAGE for an unknown task or a raw prompt that encodes
 * to no token, or MENTOR_ENOMEM. */
int eval_prompt_ids(const struct eval_model *em, int task, const char *text, size_t len,
		    struct tokenizer_ids *out, size_t *dropped, char *err);
/* The logits of the next token after ids[0..n) (1 <= n <= the context): one
 * forward over the sequence, the last position's row. *logits gets V floats
 * (eval_model_vocab_size), borrowed until the next call that runs em's
 * model. Returns 0 or MENTOR_EUSAGE (n out of range, an id out of range). */
int eval_next_logits(struct eval_model *em, const int32_t *ids, size_t n, const float **logits,
		     char *err);

/* What the model says about one question. */
struct eval_answer {
	char *raw;         /* the answer task's text as generated */
	char *answer;      /* normalised, or NULL when unreadable */
	char *expl;        /* explanation task's text (NULL for baseline) */
	char *expl_answer; /* answer read from it (MT-CoT, MT-Ra), or NULL */
};
void eval_answer_release(struct eval_answer *a);
/* prompt: the question text as train_question_text builds it. */
int eval_answer_question(struct eval_model *em, const char *prompt, const char *answer_type,
			 struct eval_answer *out, char *err);

struct eval_result {
	char split[8];
	int64_t n;           /* items evaluated */
	int64_t n_correct;   /* direct answers right */
	int has_expl_answer; /* 1 for MT-CoT and MT-Ra */
	int64_t n_expl_correct;
	double acc, expl_acc; /* in [0,1]; expl_acc NAN when not applicable */
};

struct train_corpus;
/* Answer the first n items of an in-memory corpus (prompts and gold answers
 * as train_corpus_load reads them) without storing anything: fills res
 * (split left empty). Used for the dev accuracy measured while training. */
int eval_corpus(struct eval_model *em, const struct train_corpus *c, size_t n,
		struct eval_result *res, char *err);

/* Called after each item; return non-zero to stop (then MENTOR_ECANCEL). */
typedef int (*eval_progress_fn)(void *u, int64_t done, int64_t todo);

/* Evaluate every item of split of the run's dataset with em: stores one
 * prediction per item (store_pred_put) and the accuracies as metrics
 * "acc_<split>" and "acc_expl_<split>" at the run's step. */
int eval_items(struct store *st, int64_t run_id, struct eval_model *em, const char *split,
	       eval_progress_fn progress, void *u, struct eval_result *res, char *err);
/* The same from the run's checkpoint. */
int eval_run(struct store *st, int64_t run_id, const char *split, eval_progress_fn progress,
	     void *u, struct eval_result *res, char *err);

/* The evaluation a training run does while and after it trains (dev
 * accuracy with eval_corpus, the final evaluation with eval_items), for
 * train_opts.eval. A static table. */
const struct train_eval_hooks *eval_train_hooks(void);

/* How the explanations a run generated hold up (check_explanation of each
 * prediction's cot_text against its item's question and trace, with the
 * answer read from it). */
struct eval_check {
	int64_t n;             /* predictions with an explanation */
	int64_t n_sound;       /* steps all valid and the answer follows (check_verdict_sound) */
	int64_t n_no_steps;    /* nothing checkable: no arithmetic step, no wrong trace */
	int64_t n_right_wrong; /* right answer (cot_correct 1), wrong reasoning: a wrong
				* step, an answer that does not follow, or a trace left */
	double sound_share;    /* n_sound / n, NAN when n is 0 */
};
/* Check the stored predictions of a run on split (NULL: every split).
 * Returns 0, MENTOR_ENOMEM or MENTOR_ERR with err filled. */
int eval_check_run(struct store *st, int64_t run_id, const char *split, struct eval_check *out,
		   char *err);

#endif
