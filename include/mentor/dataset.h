/* dataset: import of reasoning datasets into the workspace. Reads JSON Lines,
 * JSON arrays and CSV (RFC 4180, header row) in the public layouts (GSM8K,
 * CommonsenseQA, StrategyQA, OpenBookQA, AQuA-RAT, SVAMP) and a generic one,
 * and normalises every record to a store_item: question, choices, answer type,
 * gold answer, rationale, split, id. An import is one transaction: all or
 * nothing unless bad records are skipped on request. */
#ifndef MENTOR_DATASET_H
#define MENTOR_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/store.h"

struct cJSON;

/* Longest record accepted (one JSONL line, one CSV record, one element of a
 * JSON array). Longer records are refused without being held in memory. */
#define DATASET_MAX_RECORD (1024 * 1024)
/* Most items one import may hold. */
#define DATASET_MAX_ITEMS 10000000
/* Longest dataset name, in bytes. */
#define DATASET_MAX_NAME 128

/* Layout names accepted by --format ("auto" detects from the first record). */
#define DATASET_FORMATS "auto|gsm8k|csqa|strategyqa|obqa|aqua|svamp|generic"

struct dataset_import_opts {
	const char *name;   /* dataset name; NULL = derived from the file name */
	const char *format; /* a layout name or "auto" (NULL = auto) */
	const char *split;  /* train|dev|test for records without one; NULL = from
			     * the file name (train/dev/test/validation/val), else train */
	int skip_bad;       /* 1: import the good records, report the bad ones */
};

struct dataset_import_result {
	int64_t dataset_id;
	size_t n_items;   /* records imported (new, changed or identical) */
	size_t n_skipped; /* bad records skipped (skip_bad only) */
	size_t n_updated; /* existing items whose content changed */
	int unchanged;    /* 1: same bytes and options as the last import; nothing done */
	size_t n_new;     /* items that did not exist before */
	size_t n_deleted; /* items gone from the file and deleted */
	size_t n_kept;    /* items gone from the file but kept: they have explanations */
	char format[16];  /* the layout used (detected or forced) */
};

/* Import the file at path into the dataset opts->name (created, or updated in
 * place: items are matched by their id, "SPLIT:LINE" for records without
 * one; items of the splits the file holds that are absent from it are
 * deleted unless they have explanations; other splits are left alone, so a
 * corpus's train and test files can share a dataset). Re-importing identical
 * bytes with the same options does nothing and sets res->unchanged.
 * Without skip_bad, the first bad record fails the whole import with
 * "FILE:LINE: reason" in err and nothing is written. With skip_bad, on_skip
 * (may be NULL) is called with that same one-line message for every skipped
 * record; u is passed through. res may be NULL.
 * Returns 0, MENTOR_EUSAGE (bad options) or MENTOR_ERR. */
int dataset_import_file(struct store *st, const char *path, const struct dataset_import_opts *o,
			struct dataset_import_result *res,
			void (*on_skip)(void *u, const char *msg), void *u, char *err);

/* The same, from bytes in memory; `label` stands for the file name in
 * messages, in the dataset's source and for the default name and split.
 * data is borrowed. */
int dataset_import_mem(struct store *st, const char *data, size_t len, const char *label,
		       const struct dataset_import_opts *o, struct dataset_import_result *res,
		       void (*on_skip)(void *u, const char *msg), void *u, char *err);

/* 1 if fmt is one of DATASET_FORMATS. */
int dataset_format_valid(const char *fmt);

/* The layout a parsed record looks like: "gsm8k", "csqa", "strategyqa",
 * "obqa", "aqua", "svamp" or "generic" (static string, never NULL). */
const char *dataset_detect(const struct cJSON *rec);

/* Normalise one parsed record of the given layout into it (fields are heap
 * strings: release with store_item_release). split and ext_id are left NULL
 * when the record has none; the caller chooses them. Returns 0, or MENTOR_ERR
 * with the reason in err ("missing field 'question'"). */
int dataset_normalise(const struct cJSON *rec, const char *format, struct store_item *it,
		      char *err);

/* Normalise a gold or predicted answer of the given type (STORE_ANS_*):
 * number: "1,200" -> "1200", "$18.00" -> "18", "8.0" -> "8", "-0.50" -> "-0.5";
 * yesno: true/yes/1 -> "yes", false/no/0 -> "no";
 * mc: the label in upper case ("(b)" -> "B", at most ANSWER_MAX_LABEL);
 * text: trimmed, runs of white space collapsed.
 * The one normaliser of answer.h (answer_normalise), also used by answer
 * parsing. Returns a heap string (caller frees) or NULL when s is not of
 * that type. */
char *dataset_normalise_answer(const char *type, const char *s);

/* Split named by a record or option: train, dev (also validation, valid, val)
 * or test, case-insensitive. Returns the canonical static string or NULL. */
const char *dataset_split_canonical(const char *s);
/* Split implied by a file name (e.g. "data/gsm8k/test.jsonl" -> "test"), or
 * NULL. */
const char *dataset_split_from_path(const char *path);
/* Default dataset name for a file: its base name without extension, or the
 * parent directory when the base is only a split name, so that the split
 * files of one corpus gather in one dataset ("gsm8k/test.jsonl" and
 * "gsm8k/train.jsonl" -> "gsm8k"). Heap string, caller frees. */
char *dataset_default_name(const char *path);

#endif
