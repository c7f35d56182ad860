/* modelio_int.h: what modelio's sources share and nothing else uses: the
 * checked file reader and atomic writer (modelio_file.c), the GGUF container
 * (gguf.c), the safetensors header (safetensors.c), the GPT-2 tensor table
 * of modelio.c that the GGUF (modelio_gguf.c) and Hugging Face (modelio_hf.c)
 * files share, and the vocabulary readers (modelio_vocab.c) that the
 * Llama-family import builds on. */
#ifndef MENTOR_MODELIO_INT_H
#define MENTOR_MODELIO_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/util.h"

/* ------------------------------------------------------------ files */

static inline uint32_t modelio_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void modelio_put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A file written at path through PATH.tmp.PID, renamed into place on close. */
struct modelio_outfile {
	FILE *f;
	struct buf tmp;
	const char *path;
};
/* 0, or MENTOR_ERR with err naming path. */
int modelio_out_open(struct modelio_outfile *o, const char *path, char *err);
/* Close, fsync and rename into place (ok != 0), or remove the temporary. */
int modelio_out_close(struct modelio_outfile *o, int ok, char *err);

/* A file read with every length checked against its size; messages name
 * path and go to err. */
struct modelio_rd {
	FILE *f;
	uint64_t pos, size;
	const char *path;
	char *err;
};
int modelio_rd_open(struct modelio_rd *r, const char *path, char *err);
/* n bytes at the current position; a short file fails naming what. */
int modelio_rd_get(struct modelio_rd *r, void *p, uint64_t n, const char *what);
int modelio_rd_u32(struct modelio_rd *r, uint32_t *v, const char *what);
int modelio_rd_u64(struct modelio_rd *r, uint64_t *v, const char *what);
void modelio_rd_close(struct modelio_rd *r);

/* Tensor element types read (converted exactly to float32). */
enum { MODELIO_DT_F32 = 0, MODELIO_DT_F16, MODELIO_DT_BF16 };
size_t modelio_dt_size(int dt);
/* Read n values of type dt at absolute offset off into dst as floats. */
int modelio_rd_floats(struct modelio_rd *r, uint64_t off, size_t n, int dt, float *dst,
		      const char *what);

/* One tensor found in a file. */
struct modelio_ftensor {
	char *name;
	int n_dims;
	uint64_t dims[4]; /* in mentor's row-major order: dims[0] slowest */
	int dt;
	uint64_t off; /* absolute file offset */
	uint64_t len; /* bytes */
	int used;
};
/* Frees names and the array; accepts NULL. */
void modelio_ftensors_free(struct modelio_ftensor *t, size_t n);
struct modelio_ftensor *modelio_ftensor_find(struct modelio_ftensor *t, size_t n, const char *name);

/* ------------------------------------------------------------ GGUF */

#define GGUF_MAGIC "GGUF"
#define GGUF_VERSION 3u
enum {
	GGUF_T_U8 = 0,
	GGUF_T_I8,
	GGUF_T_U16,
	GGUF_T_I16,
	GGUF_T_U32,
	GGUF_T_I32,
	GGUF_T_F32,
	GGUF_T_BOOL,
	GGUF_T_STRING,
	GGUF_T_ARRAY,
	GGUF_T_U64,
	GGUF_T_I64,
	GGUF_T_F64,
	GGUF_T_COUNT
};
enum { GGML_F32 = 0, GGML_F16 = 1, GGML_BF16 = 30 };

/* ggml's name of tensor type id, or NULL for an unknown id. */
const char *modelio_ggml_type_name(uint32_t type);

/* Writers: append little-endian values, strings (u64 length + bytes),
 * a key with its type, and whole key/value pairs. Nonzero when out of
 * memory. */
int modelio_g_u32(struct buf *b, uint32_t v);
int modelio_g_u64(struct buf *b, uint64_t v);
int modelio_g_str(struct buf *b, const char *s, size_t n);
int modelio_g_key(struct buf *b, const char *key, uint32_t type);
int modelio_kv_u32(struct buf *b, const char *key, uint32_t v);
int modelio_kv_str(struct buf *b, const char *key, const char *v);
int modelio_kv_f32(struct buf *b, const char *key, float v);
int modelio_kv_f64(struct buf *b, const char *key, double v);
int modelio_kv_bool(struct buf *b, const char *key, int v);

/* Append the info of an F32 tensor (rows, cols), or of a vector of cols
 * floats, at *data_off, which advances past its aligned data. */
int modelio_gguf_info(struct buf *h, const char *name, int vector, uint64_t rows, uint64_t cols,
		      uint64_t *data_off);
/* Write the zeros that align the end of a tensor of bytes bytes: 0 or -1. */
int modelio_gguf_pad(FILE *f, uint64_t bytes);

/* One metadata entry read from a file. */
struct modelio_gkv {
	char *key;
	uint32_t type;
	int64_t i;      /* integer and bool scalars */
	double f;       /* float scalars */
	char *s;        /* string */
	uint32_t atype; /* arrays */
	uint64_t an;
	char **astr;   /* string arrays */
	int64_t *aint; /* integer arrays */
};
void modelio_gkv_free(struct modelio_gkv *kv, size_t n);
/* The entry called key, or NULL. */
const struct modelio_gkv *modelio_gkv_find(const struct modelio_gkv *kv, size_t n, const char *key);
/* 1 for an integer scalar (not bool). */
int modelio_gkv_is_int(const struct modelio_gkv *k);
/* A positive integer hyperparameter key (at most 2^30) into *out. */
int modelio_gguf_dim(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n, const char *key,
		     int *out);
/* Read a GGUF file's header and metadata from r (at its start): *kv gets
 * *n_kv entries (freed with modelio_gkv_free(*kv, *n_kv) also on failure),
 * *n_t the tensor count the header claims; r is left at the tensor infos. */
int modelio_gguf_meta(struct modelio_rd *r, struct modelio_gkv **kv, uint64_t *n_kv, uint64_t *n_t);
/* The n_t tensor infos after the metadata (F32, F16 or BF16; others refused
 * by name), each checked to lie in the file, offsets made absolute. On
 * success *out has n_t entries (caller frees with modelio_ftensors_free). */
int modelio_gguf_tensors(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n_kv,
			 uint64_t n_t, struct modelio_ftensor **out);

/* ------------------------------------------------------------ safetensors */

/* Parse a safetensors file's header (r at its start) into tensors with
 * absolute offsets that fill the data exactly (no holes, no overlaps).
 * On success *out has *n_out entries (caller frees with
 * modelio_ftensors_free). */
int modelio_st_header(struct modelio_rd *r, struct modelio_ftensor **out, size_t *n_out);

/* ------------------------------------------------------------ JSON, vocabularies */

/* s[0..n) as a JSON string (controls escaped). Nonzero when out of memory. */
int modelio_json_str(struct buf *b, const char *s, size_t n);
/* A JSON number that is a whole number in [lo, hi]: 0, else -1. */
int modelio_json_int(const cJSON *j, double lo, double hi, int64_t *out);
/* The JSON file at path (at most max bytes), or NULL with err. Caller frees
 * with cJSON_Delete. */
cJSON *modelio_read_json(const char *path, size_t max, char *err);
int modelio_file_exists(const char *path);
/* The vocabulary string of token id: specials as their text, the others in
 * the byte-level alphabet. Appends to out. */
int modelio_token_string(const struct tokenizer *t, int32_t id, struct buf *out);
/* The Split regex of a tokenizer.json for pre-tokenizer kind, as Qwen2's
 * and Llama 3's files spell it (mentor's own for mentor's); NULL for GPT-2's
 * (its ByteLevel step has it). Static storage. */
const char *modelio_pretok_regex(int pretok);
/* The merge pairs of t (n_merges x 2 ids; caller frees). */
int modelio_tok_merge_pairs(const struct tokenizer *t, int32_t **pairs, char *err);

/* A vocabulary read from a file, before it becomes a mentor tokenizer. */
struct modelio_vocab {
	char **tok; /* token strings by file id (a NULL one is no token) */
	size_t n_tok;
	char **merges; /* "A B" */
	size_t n_merges;
	int32_t *merge_ids; /* mentor's exact pairs (2 per merge) or NULL */
	size_t n_merge_ids;
	int64_t eos;                       /* file's eos id, -1 unknown */
	int pretok;                        /* enum tokenizer_pretok the tokenizer gets */
	int normalizer;                    /* enum tokenizer_norm */
	struct modelio_vocab_added *added; /* added tokens, matched in text */
	size_t n_added;
};

/* an added token: text owned */
struct modelio_vocab_added {
	char *text;
	int64_t id; /* in the file */
	int special;
};
/* Frees what v owns and clears it. */
void modelio_vocab_release(struct modelio_vocab *v);
/* Turn v into a mentor tokenizer (*tok, caller frees) with perm (caller
 * frees: our id -> file id, -1 for a row that the file does not have).
 * *identity is 1 when perm maps every id to itself and the sizes agree. */
int modelio_vocab_build(const struct modelio_vocab *v, struct tokenizer **tok, int64_t **perm,
			int *identity, char *err);
/* The vocabulary of a Hugging Face folder (see modelio_vocab.c); which gets the
 * vocabulary file's path. */
int modelio_hf_dir_vocab(const char *dir, const cJSON *cfg, struct modelio_vocab *v,
			 struct buf *which, char *err);

/* ------------------------------------------------------------ GPT-2 tensors
 * modelio.c: the table both formats write and read, and its reading. */

/* One exported tensor: where it sits in the parameter buffer and how. */
struct modelio_xtensor {
	char name[64];
	size_t src;        /* offset in floats */
	size_t rows, cols; /* mentor's row-major shape (rows = 1 for vectors) */
	int vector;
	int transpose; /* write as (cols, rows) */
};

/* The tensors of a model of cfg in file order for format (MODELIO_GGUF:
 * llama.cpp's names; MODELIO_HF: transformers'); t has room for
 * modelio_table_cap(cfg) entries. Returns the count. */
size_t modelio_tensor_table(const struct model_config *cfg, int format, struct modelio_xtensor *t);
size_t modelio_table_cap(const struct model_config *cfg);
/* Write the floats of x (transposed when asked) to f: 0 or -1. */
int modelio_write_tensor(FILE *f, const float *params, const struct modelio_xtensor *x);
/* Every tensor cfg needs is in ft with its shape: run before allocating. */
int modelio_check_tensors(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
			  const struct model_config *cfg, size_t file_vocab);
/* Fill mm->params from ft; perm maps our vocabulary rows to the file's
 * (file_vocab rows). */
int modelio_fill_params(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
			struct modelio_model *mm, const int64_t *perm, size_t file_vocab);
/* Allocate mm->params for mm->mcfg after checking the shape (freed by
 * modelio_model_release). */
int modelio_alloc_params(struct modelio_model *mm, const char *path, char *err);
/* The vocabulary of a GGUF file's metadata into voc (modelio_gguf.c); its
 * token and merge strings stay kv's. */
int modelio_gguf_vocab(const struct modelio_gkv *kv, size_t n_kv, struct modelio_vocab *voc,
		       const char *path, char *err);

/* modelio_read of a Llama-family model (see modelio_is_llama). */
int modelio_llama_to_model(const char *path, struct modelio_model *out, char *err);
/* modelio_write_gguf / modelio_write_hf of a Llama-family student (arch
 * STUDENT_LLAMA): back to the file numbering of its tokenizer, mentor's
 * special tokens the file lacked given ids after the file's last, then
 * modelio_llama_write_gguf or _hf (format MODELIO_GGUF or MODELIO_HF). */
int modelio_llama_model_write(const struct modelio_model *mm, const char *path, int format,
			      char *err);

#endif
