/* llama: the Llama-family decoder (Llama 2/3, SmolLM2, Qwen2, Qwen3) in float32:
 * token embedding, pre-RMSNorm blocks of causal grouped-query attention with
 * rotary position embeddings (Hugging Face's rotate_half layout), optional
 * q/k/v biases (Qwen2) and per-head q/k RMSNorm (Qwen3), a SwiGLU MLP, a final
 * RMSNorm and an output head tied to the embedding or separate. Forward,
 * backward, AdamW and greedy decoding with a KV cache, shaped like model.h's. */
#ifndef MENTOR_LLAMA_H
#define MENTOR_LLAMA_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/model.h"
#include "mentor/util.h"

/* Limits checked by llama_config_check. */
#define LLAMA_MAX_VOCAB (1 << 18)
#define LLAMA_MAX_CTX (1 << 20)
#define LLAMA_MAX_LAYERS 256
#define LLAMA_MAX_HIDDEN 16384
#define LLAMA_MAX_INTERMEDIATE (1 << 17)
#define LLAMA_MAX_HEADS 256
#define LLAMA_MAX_HEAD_DIM 1024
/* Most tokens (B*T) in one forward; longest training sequence (T). */
#define LLAMA_MAX_BATCH_TOKENS (1 << 24)
#define LLAMA_MAX_TRAIN_T 8192
/* Largest parameter count accepted (1G floats). */
#define LLAMA_MAX_PARAMS ((size_t)1 << 30)
/* config.json texts longer than this are refused before parsing. */
#define LLAMA_MAX_CONFIG_BYTES (1 << 20)

enum llama_family { LLAMA_FAMILY_LLAMA = 0, LLAMA_FAMILY_QWEN2, LLAMA_FAMILY_QWEN3 };

enum llama_rope_type {
	LLAMA_ROPE_DEFAULT = 0, /* plain RoPE */
	LLAMA_ROPE_LINEAR,      /* frequencies divided by factor */
	LLAMA_ROPE_LLAMA3,      /* Llama 3.1's piecewise scaling by wavelength */
};

struct llama_config {
	int family;                   /* enum llama_family (names the model_type) */
	int vocab_size;               /* V */
	int hidden_size;              /* C */
	int intermediate_size;        /* I: MLP width */
	int n_layer;                  /* L */
	int n_head;                   /* NH query heads */
	int n_kv_head;                /* NKV key/value heads; divides n_head */
	int head_dim;                 /* D: may differ from C / NH; even (RoPE pairs) */
	int max_seq_len;              /* max_position_embeddings */
	double rope_theta;            /* base of the rotary frequencies, > 1 */
	int rope_type;                /* enum llama_rope_type */
	double rope_factor;           /* linear and llama3: >= 1 */
	double rope_low_freq_factor;  /* llama3: > 0 */
	double rope_high_freq_factor; /* llama3: > low_freq_factor */
	int rope_original_max_pos;    /* llama3: original_max_position_embeddings > 0 */
	double rms_norm_eps;          /* > 0 and < 1 */
	int attention_bias;           /* q, k, v projections have biases, and o_proj too
				* except in Qwen2 (as transformers builds them) */
	int qk_norm;                  /* per-head RMSNorm of q and k before RoPE */
	int tie_word_embeddings;      /* the head is the embedding */
};

/* Validate every field (ranges above, heads dividing, even head_dim, finite
 * RoPE values, total parameters within LLAMA_MAX_PARAMS). Returns 0 or
 * MENTOR_EUSAGE with a message naming the field. */
int llama_config_check(const struct llama_config *cfg, char *err);
/* Parse a Hugging Face config.json text of n bytes (not NUL-terminated
 * needed) for model_type "llama" (SmolLM2 too), "qwen2" or "qwen3" into cfg,
 * with the defaults of transformers' LlamaConfig, Qwen2Config and Qwen3Config
 * for absent keys; Qwen2 always has q/k/v biases, Qwen3 always q/k norms.
 * rope_scaling (or rope_parameters) of type default, linear or llama3 is read;
 * other types, other hidden_act than silu, mlp_bias, sliding-window attention
 * and wrongly typed values are refused. Returns 0, or MENTOR_EUSAGE with a
 * message naming the key; the result is also checked by llama_config_check. */
int llama_config_from_json(const char *text, size_t n, struct llama_config *cfg, char *err);
/* Number of parameters of a valid config (0 on overflow). */
size_t llama_config_num_params(const struct llama_config *cfg);

/* Opaque. One thread uses a model at a time. */
struct llama;

/* Build a model with weights drawn from seed as transformers initialises
 * them: normal(0, 0.02) for matrices and the embedding, biases 0, RMSNorm
 * weights 1. On success *out is a new model (caller frees with llama_free()). */
int llama_new(const struct llama_config *cfg, uint64_t seed, struct llama **out, char *err);
void llama_free(struct llama *m);
const struct llama_config *llama_get_config(const struct llama *m);

/* Parameter buffer, gradients and AdamW moments, llama_num_params() floats
 * each in the order of llama_tensor_info(). Borrowed. */
size_t llama_num_params(const struct llama *m);
float *llama_params(struct llama *m);
float *llama_grads(struct llama *m);
float *llama_adam_m(struct llama *m);
float *llama_adam_v(struct llama *m);
int64_t llama_adam_step(const struct llama *m);
void llama_set_adam_step(struct llama *m, int64_t step);

/* Parameter tensors: model.embed_tokens.weight, per layer
 * model.layers.N.{input_layernorm, self_attn.{q,k,v}_proj (weight, bias when
 * attention_bias), self_attn.o_proj (bias when attention_bias, not in
 * Qwen2), self_attn.{q,k}_norm when qk_norm,
 * post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm.weight and
 * lm_head.weight unless tied; shapes as Hugging Face stores them, (out, in)
 * for matrices, rows 1 for vectors. */
int llama_num_tensors(const struct llama *m);
/* Name (borrowed, lives as long as m), offset and size in floats, shape
 * (rows, cols), and whether AdamW decays it (matrices and the embedding).
 * Returns 0, or MENTOR_EUSAGE for i out of range. Out pointers may be NULL. */
int llama_tensor_info(const struct llama *m, int i, const char **name, size_t *offset, size_t *size,
		      int *rows, int *cols, int *decay);
/* Index of the tensor called name, or -1. */
int llama_tensor_find(const struct llama *m, const char *name);

/* Forward over (B,T) ids, same contract as model_forward: targets may be
 * NULL (logits only), a target < 0 is ignored, weights (B,T) >= 0 or NULL;
 * the loss is sum(w * nll) / sum(w). T is at most max_seq_len and
 * LLAMA_MAX_TRAIN_T. */
int llama_forward(struct llama *m, const int32_t *inputs, const int32_t *targets,
		  const float *weights, int B, int T, float *loss, char *err);
/* As model_token_nll, model_seq_loss, model_seq_weight, model_logits. */
const float *llama_token_nll(const struct llama *m);
const float *llama_seq_loss(const struct llama *m);
const float *llama_seq_weight(const struct llama *m);
const float *llama_logits(const struct llama *m);

/* Backward of the last forward with targets: adds into llama_grads().
 * Returns 0, or MENTOR_EUSAGE without such a forward. */
int llama_backward(struct llama *m, char *err);
void llama_zero_grad(struct llama *m);
/* Global L2 norm of the gradient (in double, fixed chunks). */
float llama_grad_norm(struct llama *m);
/* Scale the gradient to norm at most max_norm; returns the norm before. */
float llama_clip_grad(struct llama *m, float max_norm);
/* One AdamW step (bias-corrected, decoupled decay on decayed tensors only).
 * Returns 0, or MENTOR_EUSAGE for bad hyperparameters. */
int llama_adamw_step(struct llama *m, const struct model_adamw *opt, char *err);

/* Gradient checkpointing: with on != 0 the forward keeps only each block's
 * input (L+1 rows of (B,T,C)) and one block's activations, and the backward
 * computes each block again from its input before going back through it:
 * about one more forward's work for activations about L times smaller.
 * Gradients are bit-identical to the plain path's. Switching drops the
 * activation buffer (a backward then needs a new forward). */
void llama_set_checkpointing(struct llama *m, int on);
int llama_checkpointing(const struct llama *m);

/* Frozen tensors (flags of LLAMA_FREEZE_*): the backward computes no
 * gradient for them, llama_zero_grad, the gradient norm, clipping and AdamW
 * leave their gradient, moments and values alone, so their share of
 * llama_grads(), llama_adam_m() and llama_adam_v() is never written (and,
 * being allocated zero, takes no memory until unfrozen). A tied head is the
 * embedding: either flag freezes it. Every other gradient is bit-identical
 * to the unfrozen model's. Freezing zeroes the frozen gradients; returns 0,
 * or MENTOR_EUSAGE for unknown flags. */
#define LLAMA_FREEZE_EMBED 1 /* model.embed_tokens.weight */
#define LLAMA_FREEZE_HEAD 2  /* lm_head.weight (the embedding when tied) */
int llama_set_frozen(struct llama *m, int flags, char *err);
int llama_frozen(const struct llama *m);
/* Whether tensor i is frozen (0 for i out of range). */
int llama_tensor_frozen(const struct llama *m, int i);

/* Bytes held by m, by use: the parameters, the gradients and AdamW moments
 * of the trained (not frozen) tensors, the activations kept for the backward
 * (sized to the largest B x T run since the last switch of checkpointing),
 * the backward's one-layer scratch and the attention scratch, and the
 * decoding cache. */
struct llama_mem {
	size_t params, grads, moments;
	size_t activations, backward_scratch, attention_scratch, decoding;
	size_t total;
};
void llama_mem_info(const struct llama *m, struct llama_mem *out);
/* What a forward and backward of B x T would hold in activations and both
 * scratches (bytes) with checkpointing on or off; 0 when B x T is invalid. */
size_t llama_mem_activations(const struct llama_config *cfg, int B, int T, int checkpointing);

/* KV-cache decoding, batch 1, as model_kv_reset / model_kv_step /
 * model_kv_len / model_generate. The cache grows as tokens come, up to
 * max_seq_len positions. */
int llama_kv_reset(struct llama *m, char *err);
int llama_kv_step(struct llama *m, int32_t token, const float **logits, char *err);
int llama_kv_len(const struct llama *m);
int llama_generate(struct llama *m, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		   size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err);

/* Layer kernels, exported for the gradient checks. N rows.
 * RMSNorm: out (N,C) = inp * rstd * weight, rstd (N) = 1/sqrt(mean(inp^2)+eps).
 * Backward adds into dinp (N,C) and dweight (C). */
void llama_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *weight, int N,
			   int C, float eps);
void llama_rmsnorm_backward(float *dinp, float *dweight, const float *dout, const float *inp,
			    const float *weight, const float *rstd, int N, int C);
/* RoPE in place on x (B,T,H,D) at positions 0..T-1 with tables cos, sin
 * (T, D/2); the backward applies the inverse rotation to dx in place. */
void llama_rope_forward(float *x, const float *cos, const float *sin, int B, int T, int H, int D);
void llama_rope_backward(float *dx, const float *cos, const float *sin, int B, int T, int H, int D);
/* The rotary tables of cfg for positions 0..T-1: cos, sin (T, D/2). */
void llama_rope_tables(const struct llama_config *cfg, float *cos, float *sin, int T);
/* SwiGLU: h (N) = silu(gate) * up; the backward writes dgate, dup (N) from dh. */
void llama_swiglu_forward(float *h, const float *gate, const float *up, size_t N);
void llama_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate,
			   const float *up, size_t N);
/* Causal grouped-query attention: q (B,T,NH,D), k and v (B,T,NKV,D), out
 * (B,T,NH,D), att (B,NH,T(T+1)/2) the softmax rows; query head h reads
 * key/value head h / (NH/NKV). scratch holds 2*T*T floats per OpenMP thread.
 * The backward writes dq, dk, dv from dout. */
void llama_attention_forward(float *out, float *att, const float *q, const float *k, const float *v,
			     int B, int T, int NH, int NKV, int D, float *scratch);
void llama_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q,
			      const float *k, const float *v, const float *att, int B, int T,
			      int NH, int NKV, int D, float *scratch);

#endif
