/* model: a GPT-2 student in float32: learned position embeddings, pre-LayerNorm
 * blocks of causal multi-head attention (QKV in one matrix) and a 4x tanh-GELU
 * MLP, a final LayerNorm and an output head tied to the token embedding.
 * Forward, backward, AdamW and greedy decoding with a KV cache, in the llm.c
 * manner: parameters, gradients, moments and activations each in one buffer. */
#ifndef MENTOR_MODEL_H
#define MENTOR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

/* Limits checked by model_config_check (anything outside is rejected). */
#define MODEL_MAX_VOCAB 262144
#define MODEL_MAX_CTX 4096
#define MODEL_MAX_LAYERS 64
#define MODEL_MAX_EMBD 4096
#define MODEL_MAX_HEADS 64
/* Most tokens (B*T) in one forward. */
#define MODEL_MAX_BATCH_TOKENS (1 << 24)
/* Largest parameter count accepted (1G floats). */
#define MODEL_MAX_PARAMS ((size_t)1 << 30)

struct model_config {
	int vocab_size;  /* V: tokens, including specials */
	int max_seq_len; /* maxT: context length */
	int n_layer;     /* L */
	int n_head;      /* NH; n_embd % n_head == 0 */
	int n_embd;      /* C */
};

/* Fill cfg from a preset name: "tiny" (2 layers, width 128, 4 heads, ctx 128),
 * "small" (4, 256, 4, ctx 128), "base" (6, 384, 6, ctx 256), with the given
 * vocabulary. Returns 0, or MENTOR_EUSAGE for an unknown name. */
int model_config_preset(const char *name, int vocab_size, struct model_config *cfg, char *err);
/* Validate every field (positive, within the limits above, heads divide width,
 * sizes do not overflow). Returns 0 or MENTOR_EUSAGE with a message. */
int model_config_check(const struct model_config *cfg, char *err);
/* Number of parameters of a (valid) config. */
size_t model_config_num_params(const struct model_config *cfg);

/* Opaque. One thread uses a model at a time. */
struct model;

/* Build a model and initialise its weights GPT-2 style from seed: normal(0,
 * 0.02), residual projections scaled by 1/sqrt(2L), LayerNorm weight 1, biases
 * 0. Activations are allocated by the first forward. On success *out is a new
 * model (caller frees with model_free()). */
int model_new(const struct model_config *cfg, uint64_t seed, struct model **out, char *err);
void model_free(struct model *m);
const struct model_config *model_get_config(const struct model *m);

/* The parameter buffer: model_num_params() floats, in the tensor order of
 * model_tensor_info(). Borrowed; the caller may read and write it (load a
 * checkpoint into it). Gradients, AdamW first and second moments have the same
 * layout. */
size_t model_num_params(const struct model *m);
float *model_params(struct model *m);
float *model_grads(struct model *m);
float *model_adam_m(struct model *m);
float *model_adam_v(struct model *m);
/* AdamW step counter (0 before the first step); set it when restoring. */
int64_t model_adam_step(const struct model *m);
void model_set_adam_step(struct model *m, int64_t step);

/* Parameter tensors, in buffer order. */
enum {
	MODEL_WTE = 0,  /* (V, C) token embedding, also the output head */
	MODEL_WPE,      /* (maxT, C) */
	MODEL_LN1W,     /* (L, C) */
	MODEL_LN1B,     /* (L, C) */
	MODEL_QKVW,     /* (L, 3C, C) */
	MODEL_QKVB,     /* (L, 3C) */
	MODEL_ATTPROJW, /* (L, C, C) */
	MODEL_ATTPROJB, /* (L, C) */
	MODEL_LN2W,     /* (L, C) */
	MODEL_LN2B,     /* (L, C) */
	MODEL_FCW,      /* (L, 4C, C) */
	MODEL_FCB,      /* (L, 4C) */
	MODEL_FCPROJW,  /* (L, C, 4C) */
	MODEL_FCPROJB,  /* (L, C) */
	MODEL_LNFW,     /* (C) */
	MODEL_LNFB,     /* (C) */
	MODEL_N_TENSORS
};
/* Name (static string), offset and size (in floats) of tensor i, and whether
 * AdamW decays it (matrices and embeddings yes; LayerNorm and biases no).
 * Returns 0, or MENTOR_EUSAGE for i out of range. Any out pointer may be NULL. */
int model_tensor_info(const struct model *m, int i, const char **name, size_t *offset, size_t *size,
		      int *decay);

/* Forward pass over a batch. inputs and targets are (B,T) token ids with
 * 1 <= T <= max_seq_len; targets may be NULL (logits only, no loss). A target
 * < 0 is ignored (weight 0). weights is (B,T) per-position loss weights >= 0,
 * or NULL for weight 1 on every position with a target. The loss is the
 * weighted mean sum(w * nll) / sum(w) (0 when sum(w) == 0): give answer and
 * explanation positions weights alpha/N_ans and (1-alpha)/N_exp for the
 * multi-task loss, or 0/1 for a plain mask. Activations are (re)allocated only
 * when B*T grows. Ids out of range are an error. *loss may be NULL. */
int model_forward(struct model *m, const int32_t *inputs, const int32_t *targets,
		  const float *weights, int B, int T, float *loss, char *err);
/* After a forward with targets: per-position negative log-likelihood (B,T)
 * (0 where ignored), per-sequence sums of w*nll (B) and of w (B). Borrowed,
 * valid until the next forward. NULL before any forward with targets. */
const float *model_token_nll(const struct model *m);
const float *model_seq_loss(const struct model *m);
const float *model_seq_weight(const struct model *m);
/* After a forward: (B,T,V) floats, borrowed until the next forward. They are
 * the logits after a forward without targets, and the softmax probabilities
 * after a forward with targets (the buffer is turned into probabilities).
 * NULL after a backward, which reuses the buffer for the gradient. */
const float *model_logits(const struct model *m);

/* Backward pass of the last forward (which must have had targets): adds the
 * gradient of the weighted mean loss into model_grads() (so calling forward +
 * backward on several micro-batches accumulates; scale the weights for that).
 * Returns 0, or MENTOR_EUSAGE when there is no forward with targets. */
int model_backward(struct model *m, char *err);
void model_zero_grad(struct model *m);
/* Global L2 norm of the gradient (accumulated in double). */
float model_grad_norm(struct model *m);
/* Scale the gradient so its norm is at most max_norm (> 0); returns the norm
 * before clipping. */
float model_clip_grad(struct model *m, float max_norm);

struct model_adamw {
	float lr;
	float beta1;        /* e.g. 0.9 */
	float beta2;        /* e.g. 0.95 or 0.999 */
	float eps;          /* e.g. 1e-8 */
	float weight_decay; /* decoupled; applied only to decayed tensors */
};
/* One AdamW update with bias correction; increments the step counter.
 * Returns 0, or MENTOR_EUSAGE for a non-finite or negative hyperparameter. */
int model_adamw_step(struct model *m, const struct model_adamw *opt, char *err);

/* Incremental decoding with a KV cache (batch 1, separate from the training
 * activations). model_kv_reset empties the cache; model_kv_step feeds one
 * token at the next position and gives the logits (V) for the position after
 * it (borrowed until the next call). Fails with MENTOR_EUSAGE when the
 * context is full or the id is out of range. */
int model_kv_reset(struct model *m, char *err);
int model_kv_step(struct model *m, int32_t token, const float **logits, char *err);
/* Number of tokens in the KV cache. */
int model_kv_len(const struct model *m);

/* Greedy decoding: feed prompt[0..n_prompt) (a prompt longer than
 * max_seq_len - 1 keeps its last max_seq_len - 1 tokens), then append the
 * argmax token to out until stop_token is produced (not stored; pass -1 for
 * none), max_new tokens are stored or the context is full (max_seq_len
 * tokens fed; the logits at the last position still give one more token, so
 * at most max_seq_len + 1 - kept prompt tokens come out). out has room for
 * max_new ids; *n_out gets the count. *stopped (may be NULL) is 1 when
 * stop_token ended it. n_prompt must be >= 1. */
int model_generate(struct model *m, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		   size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err);

/* Set the thread count of both OpenMP kernels and OpenBLAS (n >= 1); results
 * are deterministic for a given count. Process-wide, like OMP_NUM_THREADS. */
void model_set_threads(int n);

/* One line on the BLAS in use ("OpenBLAS 0.3.21 ... core Haswell, OpenMP, 2
 * threads") into out (n bytes), for logs and the benchmark. Returns 1 when
 * OpenBLAS fell back to a generic core (Prescott, Nehalem, Core2: no AVX, a
 * CPU it did not recognise, as in some virtual machines), where setting
 * OPENBLAS_CORETYPE (e.g. Haswell, SkylakeX, Cooperlake) before start-up
 * speeds training several times; otherwise 0. */
int model_blas_info(char *out, size_t n);
/* The OPENBLAS_CORETYPE that fits this CPU (Cooperlake, SkylakeX, Haswell,
 * from the instruction set in /proc/cpuinfo) when OpenBLAS runs its generic
 * kernels, as it does on virtual machines that report a generic CPU model;
 * NULL when the kernels are already specific or nothing better is known.
 * Static string. OpenBLAS reads the variable when it loads, so only a new
 * process image can use it (see main). */
const char *model_blas_better_core(void);

/* Naive reference kernels (plain loops) beside the BLAS ones, exported for
 * tests and the benchmark. inp (N,C), weight (OC,C), bias (OC) or NULL,
 * out (N,OC): out = inp @ weight^T + bias. The backward adds into dinp (N,C),
 * dweight (OC,C) and dbias (OC, may be NULL) from dout (N,OC). */
void model_matmul_forward_naive(float *out, const float *inp, const float *weight,
				const float *bias, int N, int C, int OC);
void model_matmul_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
				 const float *inp, const float *weight, int N, int C, int OC);
/* Causal self-attention with plain loops: qkv (B,T,3C) with q, k, v of each
 * position; out (B,T,C); att (B,NH,T(T+1)/2) the softmax rows (lower
 * triangle). The backward writes dqkv (B,T,3C) from dout (B,T,C). The model
 * itself runs the sgemm version; tests compare the two. */
void model_attention_forward_naive(float *out, float *att, const float *qkv, int B, int T, int C,
				   int NH);
void model_attention_backward_naive(float *dqkv, const float *dout, const float *qkv,
				    const float *att, int B, int T, int C, int NH);
void model_matmul_forward_blas(float *out, const float *inp, const float *weight, const float *bias,
			       int N, int C, int OC);
void model_matmul_backward_blas(float *dinp, float *dweight, float *dbias, const float *dout,
				const float *inp, const float *weight, int N, int C, int OC);

/* Shared with the Llama-family module (src/llama.c), the same arithmetic as
 * the model's own. out (N,OC) = inp (N,C) @ weight^T + bias (OC, may be NULL),
 * or += when accumulate. */
void model_matmul_forward_acc(float *out, const float *inp, const float *weight, const float *bias,
			      int N, int C, int OC, int accumulate);
/* From dout (N,OC): dinp (N,C) = dout @ weight (+= when accumulate),
 * dweight (OC,C) += dout^T @ inp, dbias (OC, may be NULL) += column sums. */
void model_matmul_backward_acc(float *dinp, float *dweight, float *dbias, const float *dout,
			       const float *inp, const float *weight, int N, int C, int OC,
			       int accumulate);
/* y (OC) = W (OC,C) @ x (C) + b (OC, may be NULL) [+ y when accumulate], the
 * decoding matrix-vector product (parallel from 512K weights). */
void model_gemv(float *y, const float *W, const float *x, const float *b, int OC, int C,
		int accumulate);
/* 0, or MENTOR_EUSAGE with a message for settings model_adamw_step refuses. */
int model_adamw_check(const struct model_adamw *o, char *err);
/* One AdamW update of n parameters p from gradients g, moments mm and vv, at
 * step (the counter after incrementing, >= 1), decoupled decay wd; recip
 * selects the reciprocal form model_adamw_step uses from 64M parameters. */
void model_adamw_span(float *p, const float *g, float *mm, float *vv, size_t n,
		      const struct model_adamw *o, int64_t step, float wd, int recip);
/* 0, or MENTOR_EUSAGE naming the first input or target id outside 0..V-1
 * or the first weight that is not a finite number >= 0, of N positions
 * (targets, weights may be NULL). */
int model_check_ids(const int32_t *inputs, const int32_t *targets, const float *weights, int N,
		    int V, char *err);
/* The weighted loss of model_forward from nll (B,T): w (B,T) gets each
 * position's weight over the sum of weights, seq_loss and seq_w (B) the
 * per-sequence sums; returns sum(w * nll) / sum(w), 0 when sum(w) is 0. */
float model_weighted_loss(float *w, float *seq_loss, float *seq_w, const float *nll,
			  const int32_t *targets, const float *weights, int B, int T);
/* probs (N,V): logits in, softmax out; nll (N) = -log p[target] (0 where
 * the target is < 0; targets may be NULL). The backward turns probs into
 * (p - onehot(target)) * w (N) in place. */
void model_softmax_xent(float *probs, float *nll, const int32_t *targets, int N, int V);
void model_softmax_xent_backward(float *probs, const int32_t *targets, const float *w, int N,
				 int V);
/* One query's causal attention over n cached positions: q (hs), keys and
 * values at k + t * stride and v + t * stride, o (hs) the softmax-weighted
 * sum of values, att (n) scratch. */
void model_attend_one(float *o, const float *q, const float *k, const float *v, size_t stride,
		      int n, int hs, float scale, float *att);
/* One decoding step of some model: feed token, give the next logits. */
typedef int (*model_step_fn)(void *ctx, int32_t token, const float **logits, char *err);
/* model_generate's loop over any model whose cache the caller has just
 * emptied: the same prompt cut, stop token and context rules. */
int model_greedy(void *ctx, model_step_fn step, int V, int max_seq_len, const int32_t *prompt,
		 size_t n_prompt, int32_t stop_token, size_t max_new, int32_t *out, size_t *n_out,
		 int *stopped, char *err);

#endif
