/* export: training data out of the workspace, as JSON Lines for other
 * trainers: chat messages (OpenAI fine-tuning, TRL's SFTTrainer, axolotl's
 * chat_template), alpaca-style instructions, and the paper's multi-task
 * layout ([ANS]/[EXP] records). Reads through store.h; writes atomically. */
#ifndef MENTOR_EXPORT_H
#define MENTOR_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/store.h"
#include "mentor/util.h"

struct tokenizer;

enum {
	EXPORT_CHAT = 0, /* {"messages":[system,user,assistant],"metadata":{...}} */
	EXPORT_ALPACA,   /* {"instruction","input","output","metadata"} */
	EXPORT_MT,       /* {"task","prefix","input","target","metadata"} per task;
			  * with a tokenizer also "ids", "n_prompt", "tokenizer" */
};

/* Which explanations are exported. */
enum {
	EXPORT_STATUS_ACCEPTED = 0, /* accepted only (the default) */
	EXPORT_STATUS_ALL,          /* pending, accepted, flagged; rejected only with
				     * include_rejected */
};

/* The system prompt (chat) and instruction (alpaca) unless one is given. */
#define EXPORT_DEFAULT_SYSTEM                                                                      \
	"Answer the question. Explain your reasoning first, then end with "                        \
	"\"So the answer is X.\""

/* Largest export built in memory (bytes). */
#define EXPORT_MAX_BYTES ((size_t)1 << 31)

struct export_opts {
	const char *dataset;  /* dataset name (required); borrowed */
	int format;           /* EXPORT_CHAT | EXPORT_ALPACA | EXPORT_MT */
	int status;           /* EXPORT_STATUS_* */
	int include_rejected; /* with EXPORT_STATUS_ALL: rejected ones too */
	const char *mode;     /* cot | rp | crop, NULL = every mode */
	const char *split;    /* train | dev | test, NULL = every split */
	const char *variant;  /* mt-cot (default) | mt-re | mt-ra: the explanation target */
	int metadata;         /* 1 (default): a "metadata" object in every record */
	const char *system;   /* NULL = EXPORT_DEFAULT_SYSTEM */
	/* mt only: also each record's token ids, as `mentor train` encodes the
	 * record's input and target with this tokenizer (borrowed; NULL = text
	 * only): "ids" (PREFIX input SEP target EOS, specials by id, a short text
	 * answer spelled letter by letter, cut to n_ctx tokens as training cuts),
	 * "n_prompt" (the ids before the target: the loss covers ids[n_prompt:]),
	 * "tokenizer" (export_tokenizer_fingerprint) and "truncated": true when
	 * the sequence was cut. */
	const struct tokenizer *tok;
	int n_ctx; /* with tok: the model's context, >= 4 */
};
/* Defaults: chat, accepted, every mode and split, mt-cot, metadata on. */
void export_opts_init(struct export_opts *o);

/* Parse names as the CLI takes them. Return 0, or -1 for an unknown name. */
int export_format_parse(const char *s, int *format);
int export_status_parse(const char *s, int *status);

struct export_stats {
	int64_t items;        /* items read (after the split filter) */
	int64_t items_used;   /* items with at least one exported explanation */
	int64_t explanations; /* explanations exported */
	int64_t records;      /* lines written */
	int64_t skipped;      /* explanations left out by the status or mode filter */
	int64_t test_items;   /* exported items of the test split (a warning sign
			       * for training data) */
	int64_t truncated;    /* with a tokenizer: sequences cut to the context */
};

/* Pure pieces, used by the records and tested alone. Each appends to b and
 * returns 0 or MENTOR_ENOMEM. */
/* The question as the student sees it: the question, then for multiple
 * choice a line "Answer choices: (A) x (B) y" from choices_json. */
int export_question_text(struct buf *b, const char *question, const char *choices_json);
/* The explanation without a trailing "So the answer is ..." sentence of its
 * own (the target appends a canonical one): the length to keep. */
size_t export_strip_answer(const char *expl);
/* The explanation-task target: mt-cot "E So the answer is A.", mt-ra
 * "A, because E", mt-re "E" (E stripped as above). NULL variant = mt-cot.
 * Returns MENTOR_EUSAGE for an unknown variant. */
int export_target(struct buf *b, const char *variant, const char *expl, const char *answer);
/* Copy s with invalid UTF-8 replaced by U+FFFD (JSON needs valid text). */
int export_clean_utf8(struct buf *b, const char *s);

/* The identity of a tokenizer as the "tokenizer" field of an export with ids
 * spells it: 16 lowercase hex digits of the FNV-1a 64 hash (basis
 * UTIL_FNV1A_BASIS) of the vocabulary size and the number of merges (u32
 * little-endian each), then every merge as its (left id, right id) pair (u32
 * little-endian each). A Hugging Face folder written by mentor carries the
 * same pairs as config.json's "mentor"."merge_ids", so a trainer can check
 * that ids and model belong together. 0, or MENTOR_ERR with err. */
int export_tokenizer_fingerprint(const struct tokenizer *t, char out[17], char *err);

/* The tokenizer and context of run ref (id or name) of st, read from its
 * checkpoint (a finished, stopped or imported run), for export_opts.tok:
 * *tok is new (caller frees with tokenizer_free()); *run_id may be NULL.
 * MENTOR_EUSAGE for an unknown run or one without a checkpoint, MENTOR_ERR
 * for an unreadable checkpoint. */
int export_run_tokenizer(struct store *st, const char *ref, struct tokenizer **tok, int *n_ctx,
			 int64_t *run_id, char *err);

/* Build the whole JSONL text into out. MENTOR_ENOTFOUND for an unknown
 * dataset; MENTOR_ERR with a message saying why when nothing is to be
 * exported (empty dataset, no explanation passing the filters), or for a
 * tokenizer with another format than mt or a context under 4. */
int export_build(struct store *st, const struct export_opts *o, struct buf *out,
		 struct export_stats *stats, char *err);
/* export_build, then write to path atomically (temporary file + rename).
 * stats may be NULL. */
int export_write(struct store *st, const struct export_opts *o, const char *path,
		 struct export_stats *stats, char *err);

#endif
