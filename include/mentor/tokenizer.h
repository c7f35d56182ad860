/* tokenizer: byte-level BPE in the GPT-2 manner. Ids 0..255 are the raw bytes,
 * then the learned merges in the order they were learned, then the special
 * tokens, then the added tokens of an imported vocabulary. Any byte string
 * round-trips exactly: decode(encode(s)) == s (NFC(s) for a tokenizer that
 * normalises). Ordinary text never encodes to one of mentor's special
 * tokens; specials are added by id. A tokenizer cuts text with one of four
 * pre-tokenizers (mentor's own, or GPT-2's, Qwen2's or Llama 3's regex for
 * vocabularies imported from those families), may normalise text to NFC
 * first, matches the texts of an imported vocabulary's added tokens (such
 * as Qwen's "<|im_start|>") before anything else, and remembers the ids its
 * tokens have in the file it was imported from. */
#ifndef MENTOR_TOKENIZER_H
#define MENTOR_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

/* Default total vocabulary (bytes + merges + specials). */
#define TOKENIZER_DEFAULT_VOCAB 2048
/* Smallest and largest total vocabulary accepted by training and loading. */
#define TOKENIZER_MIN_VOCAB (256 + TOKENIZER_N_SPECIAL)
#define TOKENIZER_MAX_VOCAB 262144
/* Longest single token in bytes (a merge never builds a longer one). */
#define TOKENIZER_MAX_TOKEN_LEN 256

/* The special tokens, in the order they follow the merges. Use
 * tokenizer_special() for the id: it depends on the number of merges. */
enum tokenizer_special_kind {
	TOKENIZER_EOS = 0, /* "<|eos|>" end of a target */
	TOKENIZER_ANS,     /* "<|ans|>" answer-task prefix */
	TOKENIZER_EXP,     /* "<|exp|>" explanation-task prefix */
	TOKENIZER_SEP,     /* "<|sep|>" between question and target */
	TOKENIZER_PAD,     /* "<|pad|>" padding (never a target) */
	TOKENIZER_BOS,     /* "<|bos|>" spare: start of text */
	TOKENIZER_RES1,    /* "<|r1|>" reserved */
	TOKENIZER_RES2,    /* "<|r2|>" reserved */
	TOKENIZER_N_SPECIAL
};

/* Opaque, immutable once built; may be shared by threads for encode/decode. */
struct tokenizer;

/* Pre-tokenizers: how text is cut into pieces that merges never cross. */
enum tokenizer_pretok {
	/* mentor's (tokenizer_train's): an optional space and a run of letters,
	 * one digit or a run of other characters; runs of white space; pieces
	 * cut at 64 bytes */
	TOKENIZER_PRETOK_MENTOR = 0,
	/* GPT-2's regex, exactly:
	 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
	 * with \p{L}, \p{N} the General Categories L* and N* and \s the
	 * White_Space property (include/mentor/unicode.h; the tables name their
	 * Unicode version). A byte that does not begin a well-formed UTF-8
	 * sequence is one character of the last class ([^\s\p{L}\p{N}]) by
	 * itself, so that any bytes are cut the same way every time. Pieces
	 * are not capped. */
	TOKENIZER_PRETOK_GPT2 = 1,
	/* Qwen2's (Qwen2, Qwen2.5, Qwen3) Split regex, exactly:
	 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
	 *   | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
	 * with the classes as for GPT-2's, and the contractions matched as
	 * Oniguruma (the regex engine of Hugging Face tokenizers) folds case:
	 * ASCII letters in either case, and U+017F (long s) as an s. Bad bytes
	 * as for GPT-2's. */
	TOKENIZER_PRETOK_QWEN2 = 2,
	/* Llama 3's: Qwen2's with \p{N}{1,3} (runs of up to three digits) */
	TOKENIZER_PRETOK_LLAMA3 = 3,
	/* SmolLM2's: Hugging Face's Digits (individual_digits) then GPT-2's
	 * regex: every \p{N} character is a piece by itself, and the text
	 * between them is cut by GPT-2's regex as if it ended there */
	TOKENIZER_PRETOK_SMOLLM = 4,
	TOKENIZER_N_PRETOK
};
/* "mentor", "gpt2", "qwen2", "llama3" or "smollm"; NULL for an unknown kind. */
const char *tokenizer_pretok_name(int kind);
/* The kind named name, or -1. */
int tokenizer_pretok_parse(const char *name);
/* Length in bytes (1..len) of the pre-token at the start of text[0..len)
 * (len > 0) under pre-tokenizer kind (an unknown kind counts as mentor's).
 * Encoding cuts text into exactly these pieces. */
size_t tokenizer_pretok_next(int kind, const char *text, size_t len);

/* Normalizers applied to text before it is cut (not to added tokens). */
enum tokenizer_norm {
	TOKENIZER_NORM_NONE = 0,
	TOKENIZER_NORM_NFC = 1, /* unicode_nfc */
	TOKENIZER_N_NORM
};
/* "none" or "nfc"; NULL for an unknown kind. */
const char *tokenizer_norm_name(int kind);

/* Most added tokens a tokenizer holds, and the longest text of one. */
#define TOKENIZER_MAX_ADDED 65536
#define TOKENIZER_MAX_ADDED_LEN 1024

/* A growable array of token ids. tokenizer_ids_init/_release; release accepts
 * NULL. Encoding appends, so a sequence can be built piece by piece. */
struct tokenizer_ids {
	int32_t *ids;
	size_t n;
	size_t cap;
};
void tokenizer_ids_init(struct tokenizer_ids *a);
void tokenizer_ids_release(struct tokenizer_ids *a);
/* Append one id; returns 0 or MENTOR_ENOMEM. */
int tokenizer_ids_push(struct tokenizer_ids *a, int32_t id);

/* Train on n texts (texts[i] has lens[i] bytes; any bytes, not only UTF-8).
 * vocab_size is the total (bytes + merges + specials), TOKENIZER_MIN_VOCAB ..
 * TOKENIZER_MAX_VOCAB; 0 means TOKENIZER_DEFAULT_VOCAB. Merges are learned by
 * pair frequency within pre-tokens (words, runs of punctuation, single digits,
 * each with its leading space); ties go to the smallest (left id, right id).
 * When the corpus runs out of pairs the vocabulary is smaller than asked:
 * read tokenizer_vocab_size(). Deterministic. On success *out is a new
 * tokenizer (caller frees with tokenizer_free()). */
int tokenizer_train(const char *const *texts, const size_t *lens, size_t n, size_t vocab_size,
		    struct tokenizer **out, char *err);
void tokenizer_free(struct tokenizer *t);

/* Largest id a token may have in the file a vocabulary came from. */
#define TOKENIZER_MAX_FILE_ID ((1 << 24) - 1)
/* Build a tokenizer from its merges: pairs[2r], pairs[2r + 1] are the ids
 * the r-th merge joins (each below 256 + r), n_merges of them; pretok one of
 * enum tokenizer_pretok. file_ids, when not NULL, has one entry per token
 * (256 + n_merges + TOKENIZER_N_SPECIAL): the id the token has in the file
 * the vocabulary was read from, or -1 when the file lacks it (mentor's added
 * specials); ids 0..TOKENIZER_MAX_FILE_ID, no two alike. NULL means every
 * token has its own id in the file (mentor's own vocabularies). A merge
 * that refers to a later token, repeats another or builds a token longer
 * than TOKENIZER_MAX_TOKEN_LEN fails with MENTOR_ERR; sizes out of range
 * with MENTOR_EUSAGE. On success *out is a new tokenizer (caller frees with
 * tokenizer_free()). */
int tokenizer_build(const int32_t *pairs, size_t n_merges, int pretok, const int32_t *file_ids,
		    struct tokenizer **out, char *err);

/* An added token: a text matched in raw text before anything else. */
struct tokenizer_added {
	const char *text; /* len bytes (1..TOKENIZER_MAX_ADDED_LEN), borrowed */
	size_t len;
	/* the token the text encodes to: one already there (a byte or merge
	 * whose bytes are the text, or a special, which then decodes to the
	 * text: Qwen's "<|endoftext|>" as mentor's <|eos|>), or the next new
	 * id after the specials and the added tokens before it */
	int32_t id;
	int special; /* 1: a special token (tokenizer_is_special) */
};
/* What tokenizer_build_ext takes beyond the merges. */
struct tokenizer_opts {
	int pretok;     /* enum tokenizer_pretok */
	int normalizer; /* enum tokenizer_norm */
	/* as tokenizer_build's, one per token, the new added ones included */
	const int32_t *file_ids;
	const struct tokenizer_added *added; /* n_added (0..TOKENIZER_MAX_ADDED) */
	size_t n_added;
};
/* tokenizer_build with a normalizer and added tokens. Texts must differ;
 * a special or an existing token is the id of one text at most. Bad
 * options fail with MENTOR_EUSAGE, a bad vocabulary with MENTOR_ERR. On
 * success *out is a new tokenizer (caller frees with tokenizer_free()). */
int tokenizer_build_ext(const int32_t *pairs, size_t n_merges, const struct tokenizer_opts *o,
			struct tokenizer **out, char *err);
/* The normalizer (enum tokenizer_norm). */
int tokenizer_normalizer(const struct tokenizer *t);
/* Number of added tokens; the i-th (0..n-1) in *a (text borrowed, valid
 * while t lives). Returns 0 or MENTOR_EUSAGE for i out of range. */
size_t tokenizer_num_added(const struct tokenizer *t);
int tokenizer_added_get(const struct tokenizer *t, size_t i, struct tokenizer_added *a);

/* Total vocabulary size (bytes + merges + specials): the model's vocab. */
int tokenizer_vocab_size(const struct tokenizer *t);
int tokenizer_num_merges(const struct tokenizer *t);
/* The two ids merge r (0..tokenizer_num_merges() - 1) joins into token
 * 256 + r. Returns 0, or MENTOR_EUSAGE for r out of range. */
int tokenizer_merge(const struct tokenizer *t, int r, int32_t *left, int32_t *right);
/* The pre-tokenizer (enum tokenizer_pretok): mentor's for trained
 * tokenizers and for every image older than version 3. */
int tokenizer_pretok(const struct tokenizer *t);
/* The id token id has in the file its vocabulary was read from: id itself
 * for mentor's own vocabularies; for an imported one the file's id (GPT-2's
 * 50,256 for <|eos|>, its <|endoftext|>), or -1 for a token the file does
 * not have (mentor's other specials) and for ids out of range. */
int32_t tokenizer_file_id(const struct tokenizer *t, int32_t id);
/* The inverse: the token whose file id is file_id, or -1 when none is
 * (a file token mentor's layout has no place for, or out of range). */
int32_t tokenizer_from_file_id(const struct tokenizer *t, int32_t file_id);
/* 1 when every token's file id is its own id. */
int tokenizer_file_ids_identity(const struct tokenizer *t);
/* Id of a special token (kind from enum tokenizer_special_kind), or -1 for an
 * unknown kind. A tokenizer's added tokens follow mentor's specials. */
int32_t tokenizer_special(const struct tokenizer *t, int kind);
/* The text of special token kind ("<|eos|>" ...), or NULL for an unknown
 * kind. Static storage. */
const char *tokenizer_special_text(int kind);
/* 1 if id is a special token: one of mentor's, or an added token marked
 * special (Qwen's "<|im_start|>", not its "<think>"). */
int tokenizer_is_special(const struct tokenizer *t, int32_t id);
/* The bytes of one token (specials give their "<|...|>" text); borrowed, valid
 * while t lives. NULL for an id out of range. */
const char *tokenizer_token(const struct tokenizer *t, int32_t id, size_t *len);

/* Append the ids of text[0..len) to out: the added tokens' texts found
 * first (at each place the longest one that starts there), the text
 * between them normalised, cut into pieces by the tokenizer's
 * pre-tokenizer, then merges applied by rank inside each piece. Never
 * produces a special token but an added one whose text is in the text. A
 * piece longer than 64 bytes (the regexes' are not capped) takes about 36
 * bytes of scratch memory per byte while it is encoded. Returns 0, or
 * MENTOR_ENOMEM with err filled. */
int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len,
		     struct tokenizer_ids *out, char *err);

/* Append the ids of text[0..len) spelled: every code point encoded on its
 * own (one token for an ASCII letter or digit), so that a model reads and
 * writes the word letter by letter. Decodes to the same bytes as
 * tokenizer_encode's ids. Returns 0, or MENTOR_ENOMEM with err filled. */
int tokenizer_encode_spelled(const struct tokenizer *t, const char *text, size_t len,
			     struct tokenizer_ids *out, char *err);

/* Flags for tokenizer_decode. */
#define TOKENIZER_DECODE_SKIP_SPECIAL 1 /* drop special tokens from the text */
/* Append the bytes of ids[0..n) to out (specials as their "<|...|>" text unless
 * skipped). An id out of range is an error (MENTOR_EUSAGE). */
int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, int flags,
		     struct buf *out, char *err);

/* Serialise: appends a versioned image ("MTOK" magic, version, vocab, merges,
 * pre-tokenizer, file ids, normalizer, added tokens, checksum) to out, to
 * embed in a checkpoint or write as a file. The checksum is FNV-1a 64 of
 * the bytes before it. A tokenizer that needs nothing of version 4 (no
 * normalizer, no added token, mentor's or GPT-2's pre-tokenizer) is saved
 * as version 3, byte for byte as before. Images of versions 1 (hashed from
 * UTIL_FNV1A_BASIS_V1) and 2 still load: they carry neither pre-tokenizer
 * nor file ids, and mean mentor's pre-tokenizer with every token's own id. */
#define TOKENIZER_IMAGE_VERSION 4u
int tokenizer_save(const struct tokenizer *t, struct buf *out, char *err);
/* Parse an image made by tokenizer_save from data[0..len). *used (may be NULL)
 * gets the bytes consumed, so an image can sit inside a larger file. Truncated,
 * corrupt or hostile input fails with MENTOR_ERR and err filled. On success *out
 * is a new tokenizer (caller frees with tokenizer_free()). */
int tokenizer_load(const void *data, size_t len, size_t *used, struct tokenizer **out, char *err);
int tokenizer_save_file(const struct tokenizer *t, const char *path, char *err);
int tokenizer_load_file(const char *path, struct tokenizer **out, char *err);

#endif
