/* modelio: trained students out of mentor and back in. Writes GGUF v3 files
 * (llama.cpp's "gpt2" architecture, F32 tensors, byte-level BPE vocabulary)
 * and Hugging Face GPT-2 folders (config.json, model.safetensors,
 * tokenizer.json, tokenizer_config.json); reads both back bit for bit, and
 * reads foreign GPT-2 checkpoints in either layout as a starting point. */
#ifndef MENTOR_MODELIO_H
#define MENTOR_MODELIO_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/llama.h"
#include "mentor/model.h"
#include "mentor/util.h"

struct store;
struct tokenizer;

enum { MODELIO_GGUF = 0, MODELIO_HF = 1 };

/* Limits when reading files from outside (anything larger is refused). */
#define MODELIO_MAX_GGUF_KV 65536 /* metadata entries */
#define MODELIO_MAX_GGUF_TENSORS 65536
#define MODELIO_MAX_GGUF_ARRAY (1u << 24)         /* elements of one array value */
#define MODELIO_MAX_GGUF_STRING (1u << 20)        /* bytes of one string */
#define MODELIO_MAX_ST_HEADER ((size_t)100 << 20) /* safetensors header JSON */
#define MODELIO_MAX_JSON ((size_t)64 << 20)       /* config/tokenizer JSON files */

/* Alignment of the GGUF data section and of every tensor in it. */
#define MODELIO_GGUF_ALIGNMENT 32

/* "gguf" | "safetensors" (also "hf"). Returns 0, or -1 when unknown. */
int modelio_format_parse(const char *s, int *format);

/* A model in memory, the same for every format. */
struct modelio_model {
	int arch;                 /* enum student_arch: which of mcfg, lcfg holds the shape */
	struct llama_config lcfg; /* the shape of a Llama-family model */
	struct model_config mcfg;
	struct tokenizer *tok; /* owned */
	float *params;         /* owned; n_params floats in model_tensor_info order */
	size_t n_params;
	char *train_json; /* owned; the run's train_config JSON, or NULL */
	int foreign;      /* 1: not in mentor's numbering (vocabulary was remapped;
	                   * tok keeps the file's ids, tokenizer_file_id) */
	int new_rows;     /* foreign: embedding rows created for mentor's specials */
};
void modelio_model_init(struct modelio_model *mm);
void modelio_model_release(struct modelio_model *mm);

/* Offset and size (floats) of tensor i (MODEL_WTE..MODEL_LNFB) for cfg: the
 * layout of model_params(), computed without building a model. */
void modelio_tensor_layout(const struct model_config *cfg, int i, size_t *offset, size_t *size);

/* Read a mentor checkpoint (train_ckpt_load, without optimizer moments).
 * Every function that fills a struct modelio_model starts by initialising
 * it; the caller releases it with modelio_model_release() on success, and
 * nothing is left to release on failure. A checkpoint of a Llama-family
 * student is refused (MENTOR_EUSAGE). */
int modelio_from_ckpt(const char *ckpt_path, struct modelio_model *out, char *err);

/* The chat template exported models carry (GGUF tokenizer.chat_template,
 * tokenizer_config.json chat_template): Jinja that renders the last user
 * message the way 'mentor serve' prompts the student, "<|ans|>" question
 * "<|sep|>", so that other tools' chat endpoints ask what serve asks.
 * Appends to out; 0, or -1 when out of memory. */
int modelio_chat_template(const struct tokenizer *t, struct buf *out);

/* Write a GGUF v3 file at path (atomically: PATH.tmp + rename). */
int modelio_write_gguf(const struct modelio_model *mm, const char *path, char *err);
/* Write a Hugging Face GPT-2 folder at dir (created if missing; the four
 * files are replaced one by one). */
int modelio_write_hf(const struct modelio_model *mm, const char *dir, char *err);

/* Read a GGUF file, or a Hugging Face folder (or its model.safetensors file;
 * tensor names with or without the "transformer." prefix; the vocabulary
 * from tokenizer.json, else vocab.json + merges.txt, else encoder.json +
 * vocab.bpe). The format is told by the file's magic. A vocabulary mentor
 * wrote keeps its pre-tokenizer (mentor.tokenizer.pre in GGUF,
 * "pretokenizer" in config.json's "mentor" object; mentor's when absent);
 * a foreign tokenizer.json is run as it says (normalizer, pre-tokenizer,
 * added tokens; what mentor cannot run exactly is refused by name); any
 * other gets GPT-2's; each keeps the file's token ids.
 * Truncated, corrupt or hostile files fail with MENTOR_ERR and a message
 * naming the file and what is wrong. */
int modelio_read(const char *path, struct modelio_model *out, char *err);
/* 1 when path is a Llama-family model modelio_llama_read would take (a
 * folder, or a file in one, whose config.json names model_type llama, qwen2
 * or qwen3; a GGUF file of architecture llama, qwen2 or qwen3), else 0.
 * modelio_read reads such a model as arch STUDENT_LLAMA, foreign: its
 * embedding (and a separate head) renumbered to the tokenizer's ids, with
 * zero rows for mentor's special tokens the file lacks (new_rows) and the
 * file's rows no token of the tokenizer names (padding) left out. */
int modelio_is_llama(const char *path);
int modelio_read_gguf(const char *path, struct modelio_model *out, char *err);
int modelio_read_hf(const char *path, struct modelio_model *out, char *err);

/* Read only the vocabulary of a model as a tokenizer (no tensor is read):
 * a GGUF file, or a Hugging Face folder (any other file path means the
 * folder it is in) holding tokenizer.json, else vocab.json + merges.txt,
 * else encoder.json + vocab.bpe (OpenAI's names for that pair), with or
 * without config.json. As in modelio_read: a vocabulary mentor wrote keeps
 * its pre-tokenizer and numbering; a foreign one gets its tokenizer.json's
 * pipeline or GPT-2's pre-tokenizer and keeps the file's ids
 * (tokenizer_file_id; added tokens the file's ids have no place for get
 * new ids after mentor's specials), <|eos|>
 * taking the file's eos (config.json's eos_token_id, the GGUF eos id, else
 * its "<|endoftext|>"). On success *out is a new tokenizer (caller frees
 * with tokenizer_free()); failures name the file and the cause. */
int modelio_read_tokenizer(const char *path, struct tokenizer **out, char *err);

/* Register mm as a finished run of the workspace: dataset (NULL = a dataset
 * named "imported", created empty when missing), name (NULL = "imported-ID"),
 * its checkpoint written at <db>.runs/<id>/ckpt.bin so that predict, eval and
 * serve work on it. config_json gets "imported_from": source. *run_id set. */
int modelio_register(struct store *st, const char *db_path, const struct modelio_model *mm,
		     const char *dataset, const char *name, const char *source, int64_t *run_id,
		     char *err);

/* ------------------------------------------------------------ Llama family */

/* A Llama-family model (Llama, SmolLM2, Qwen2, Qwen3) in memory. Its
 * embedding and head rows are the token ids of the file it came from:
 * tokenizer_file_id(tok, id) is the row of the tokenizer's token id (-1 for
 * mentor's specials that the file lacks). */
struct modelio_llama {
	struct llama_config cfg;
	struct tokenizer *tok; /* owned */
	float *params;         /* owned; n_params floats in llama_tensor_info order */
	size_t n_params;
};
void modelio_llama_init(struct modelio_llama *mm);
/* Frees what mm owns and clears it; accepts NULL. */
void modelio_llama_release(struct modelio_llama *mm);

/* Read a Hugging Face folder (or a file in it) or a GGUF file (told by its
 * magic) of a Llama-family model. Folders: config.json of model_type llama,
 * qwen2 or qwen3 (llama_config_from_json), model.safetensors or the shards
 * that model.safetensors.index.json names (file names only, in the
 * folder), tokenizer.json (as modelio_read_tokenizer). GGUF:
 * general.architecture llama, qwen2 or qwen3 with llama.cpp's keys and
 * tensor names (llama's q and k rows are put back from the converter's
 * rotary order), tokenizer.ggml.* of model gpt2 with pre qwen2, llama-bpe,
 * smollm or gpt-2. Tensors F32, F16 or BF16 (converted exactly to float32;
 * NaN and infinities kept as they are); every tensor the configuration
 * implies must be there with its shape, and any other is refused by name
 * (a tied head may repeat the embedding). Other architectures, types and
 * pre-tokenizers are refused by name. Starts by initialising out; the
 * caller releases it on success, nothing is left on failure (MENTOR_ERR
 * with a message naming the file). */
int modelio_llama_read(const char *path, struct modelio_llama *out, char *err);
/* Write a Hugging Face folder at dir (created if missing): config.json with
 * the keys transformers reads for the family, model.safetensors (F32),
 * tokenizer.json and tokenizer_config.json; each file replaced atomically,
 * and a model.safetensors.index.json left there removed. */
int modelio_llama_write_hf(const struct modelio_llama *mm, const char *dir, char *err);
/* Write a GGUF v3 file (F32) for llama.cpp's architecture of the family,
 * atomically (PATH.tmp + rename); llama's q and k rows in the converter's
 * rotary order, Llama 3 RoPE scaling as rope_freqs.weight, and mentor.*
 * keys that keep float hyperparameters exact for modelio_llama_read. */
int modelio_llama_write_gguf(const struct modelio_llama *mm, const char *path, char *err);

/* GPT-2's byte-to-unicode table: the UTF-8 text (1-2 bytes + NUL) of byte b
 * as it appears in GPT-2 vocabularies. */
void modelio_byte_char(unsigned b, char out[3]);

#endif
