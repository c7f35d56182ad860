/* student: one interface over the student architectures, GPT-2 (model.h)
 * and the Llama family (llama.h), so that training, evaluation, serving and
 * checkpoints handle either. A student wraps one model of either kind and
 * forwards every call to it through a small table of operations: the
 * arithmetic is the wrapped model's own, call for call. */
#ifndef MENTOR_STUDENT_H
#define MENTOR_STUDENT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/llama.h"
#include "mentor/model.h"
#include "mentor/util.h"

enum student_arch { STUDENT_GPT2 = 0, STUDENT_LLAMA, STUDENT_N_ARCHS };

/* "gpt2", "llama"; "?" when out of range. Static strings. */
const char *student_arch_name(int arch);
/* The arch of a name; -1 when unknown. */
int student_arch_parse(const char *s);

/* The shape of a student: arch selects which of gpt2 and llama is used (the
 * other is ignored). */
struct student_config {
	int arch; /* enum student_arch */
	struct model_config gpt2;
	struct llama_config llama;
};

/* 0, or MENTOR_EUSAGE for an unknown arch or a shape its own check refuses
 * (the message is that check's). */
int student_config_check(const struct student_config *c, char *err);
/* Parameter count, vocabulary and context of a valid config. */
size_t student_config_num_params(const struct student_config *c);
int student_config_vocab_size(const struct student_config *c);
int student_config_max_seq_len(const struct student_config *c);
/* 1 when a and b are the same arch and the same shape of it. */
int student_config_same(const struct student_config *a, const struct student_config *b);
/* Set the vocabulary of whichever shape arch selects. */
void student_config_set_vocab(struct student_config *c, int vocab_size);

/* A Llama-family shape of the given depth, width, query heads and context
 * in the proportions of model.h's GPT-2 (so that presets of both match in
 * size): key/value heads half the query heads (grouped-query attention as
 * SmolLM2 and Qwen use it; all of them when n_head is odd), head size
 * width/heads, SwiGLU width 8/3 of the width rounded up to a multiple of
 * 32 (three matrices as large as GPT-2's two at 4x), RoPE theta 10000,
 * RMSNorm eps 1e-5, no biases, no q/k norms, the head tied to the
 * embedding; family llama. The result is not checked. */
void student_llama_shape(int n_layer, int width, int n_head, int ctx, int vocab_size,
			 struct llama_config *cfg);
/* The Llama-shaped presets: model_config_preset's depth, width, heads and
 * context ("tiny" 2 x 128, 4 heads, ctx 128; "small" 4 x 256, 4 heads, ctx
 * 128; "base" 6 x 384, 6 heads, ctx 256) through student_llama_shape.
 * Returns 0, or MENTOR_EUSAGE for an unknown name. */
int student_llama_preset(const char *name, int vocab_size, struct llama_config *cfg, char *err);

/* Opaque. One thread uses a student at a time. */
struct student;

/* A new model of cfg's arch with weights from seed (as model_new or
 * llama_new). On success *out is a new student (caller frees with
 * student_free()). */
int student_new(const struct student_config *cfg, uint64_t seed, struct student **out, char *err);
/* Wrap an existing model (takes ownership: student_free frees it). Returns
 * NULL when m is NULL. */
struct student *student_from_gpt2(struct model *m);
struct student *student_from_llama(struct llama *m);
/* Frees the student and its model; NULL is allowed. */
void student_free(struct student *s);

/* The config (borrowed, lives as long as s) and arch. */
const struct student_config *student_get_config(const struct student *s);
int student_arch(const struct student *s);
/* The wrapped model when it is of that arch, else NULL. Borrowed. */
struct model *student_gpt2(struct student *s);
struct llama *student_llama(struct student *s);

/* The calls below are those of model.h (and llama.h), with the same
 * contracts; see there. */
int student_forward(struct student *s, const int32_t *inputs, const int32_t *targets,
		    const float *weights, int B, int T, float *loss, char *err);
int student_backward(struct student *s, char *err);
void student_zero_grad(struct student *s);
float student_grad_norm(struct student *s);
float student_clip_grad(struct student *s, float max_norm);
int student_adamw_step(struct student *s, const struct model_adamw *opt, char *err);

size_t student_num_params(const struct student *s);
float *student_params(struct student *s);
float *student_grads(struct student *s);
float *student_adam_m(struct student *s);
float *student_adam_v(struct student *s);
int64_t student_adam_step(const struct student *s);
void student_set_adam_step(struct student *s, int64_t step);

/* Parameter tensors in buffer order: their count, and name (borrowed, lives
 * as long as s), offset, size in floats and decay of tensor i (0, or
 * MENTOR_EUSAGE for i out of range; out pointers may be NULL). */
int student_num_tensors(const struct student *s);
int student_tensor_info(const struct student *s, int i, const char **name, size_t *offset,
			size_t *size, int *decay);
/* Index of the tensor called name, or -1. */
int student_tensor_find(const struct student *s, const char *name);
/* Index of the token embedding, (V, C) rows of hidden size C; *width gets C. */
int student_embedding(const struct student *s, int *width);

const float *student_logits(const struct student *s);
const float *student_token_nll(const struct student *s);
const float *student_seq_loss(const struct student *s);
const float *student_seq_weight(const struct student *s);

int student_kv_reset(struct student *s, char *err);
int student_kv_step(struct student *s, int32_t token, const float **logits, char *err);
int student_kv_len(const struct student *s);
int student_generate(struct student *s, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		     size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err);

#endif
