/* student: GPT-2 and Llama-family models behind one table of operations.
 * The two model APIs mirror each other name for name, so one macro writes
 * each architecture's adapters (void * in, the model's own call out); the
 * few calls that differ in shape are written by hand below it. */
#include "mentor/student.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const arch_names[STUDENT_N_ARCHS] = {"gpt2", "llama"};

const char *student_arch_name(int arch)
{
	return arch >= 0 && arch < STUDENT_N_ARCHS ? arch_names[arch] : "?";
}

int student_arch_parse(const char *s)
{
	for (int i = 0; s && i < STUDENT_N_ARCHS; i++)
		if (strcmp(s, arch_names[i]) == 0)
			return i;
	return -1;
}

/* ---- configs ---- */

int student_config_check(const struct student_config *c, char *err)
{
	if (c->arch == STUDENT_GPT2)
		return model_config_check(&c->gpt2, err);
	if (c->arch == STUDENT_LLAMA)
		return llama_config_check(&c->llama, err);
	util_err(err, "unknown student architecture %d: expected gpt2 or llama", c->arch);
	return MENTOR_EUSAGE;
}

size_t student_config_num_params(const struct student_config *c)
{
	return c->arch == STUDENT_LLAMA ? llama_config_num_params(&c->llama)
					: model_config_num_params(&c->gpt2);
}

int student_config_vocab_size(const struct student_config *c)
{
	return c->arch == STUDENT_LLAMA ? c->llama.vocab_size : c->gpt2.vocab_size;
}

int student_config_max_seq_len(const struct student_config *c)
{
	return c->arch == STUDENT_LLAMA ? c->llama.max_seq_len : c->gpt2.max_seq_len;
}

int student_config_same(const struct student_config *a, const struct student_config *b)
{
	if (a->arch != b->arch)
		return 0;
	if (a->arch == STUDENT_GPT2)
		return memcmp(&a->gpt2, &b->gpt2, sizeof a->gpt2) == 0;
	const struct llama_config *x = &a->llama, *y = &b->llama;
	/* field by field: the struct has padding */
	return x->family == y->family && x->vocab_size == y->vocab_size &&
	       x->hidden_size == y->hidden_size && x->intermediate_size == y->intermediate_size &&
	       x->n_layer == y->n_layer && x->n_head == y->n_head && x->n_kv_head == y->n_kv_head &&
	       x->head_dim == y->head_dim && x->max_seq_len == y->max_seq_len &&
	       x->rope_theta == y->rope_theta && x->rope_type == y->rope_type &&
	       x->rope_factor == y->rope_factor &&
	       x->rope_low_freq_factor == y->rope_low_freq_factor &&
	       x->rope_high_freq_factor == y->rope_high_freq_factor &&
	       x->rope_original_max_pos == y->rope_original_max_pos &&
	       x->rms_norm_eps == y->rms_norm_eps && x->attention_bias == y->attention_bias &&
	       x->qk_norm == y->qk_norm && x->tie_word_embeddings == y->tie_word_embeddings;
}

void student_config_set_vocab(struct student_config *c, int vocab_size)
{
	if (c->arch == STUDENT_LLAMA)
		c->llama.vocab_size = vocab_size;
	else
		c->gpt2.vocab_size = vocab_size;
}

void student_llama_shape(int n_layer, int width, int n_head, int ctx, int vocab_size,
			 struct llama_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->family = LLAMA_FAMILY_LLAMA;
	cfg->vocab_size = vocab_size;
	cfg->hidden_size = width;
	long long inter = ((long long)width * 8 / 3 + 31) / 32 * 32;
	cfg->intermediate_size = inter > INT_MAX ? INT_MAX : (int)inter;
	cfg->n_layer = n_layer;
	cfg->n_head = n_head;
	cfg->n_kv_head = n_head % 2 ? n_head : n_head / 2;
	cfg->head_dim = n_head > 0 ? width / n_head : 0;
	cfg->max_seq_len = ctx;
	cfg->rope_theta = 10000.0;
	cfg->rope_type = LLAMA_ROPE_DEFAULT;
	cfg->rope_factor = 1.0;
	cfg->rms_norm_eps = 1e-5;
	cfg->tie_word_embeddings = 1;
}

int student_llama_preset(const char *name, int vocab_size, struct llama_config *cfg, char *err)
{
	struct model_config g;
	if (model_config_preset(name, vocab_size, &g, err))
		return MENTOR_EUSAGE;
	student_llama_shape(g.n_layer, g.n_embd, g.n_head, g.max_seq_len, vocab_size, cfg);
	return 0;
}

/* ---- the table ---- */

struct student_ops {
	int (*forward)(void *m, const int32_t *inputs, const int32_t *targets, const float *weights,
		       int B, int T, float *loss, char *err);
	int (*backward)(void *m, char *err);
	void (*zero_grad)(void *m);
	float (*grad_norm)(void *m);
	float (*clip_grad)(void *m, float max_norm);
	int (*adamw_step)(void *m, const struct model_adamw *opt, char *err);
	size_t (*num_params)(const void *m);
	float *(*params)(void *m);
	float *(*grads)(void *m);
	float *(*adam_m)(void *m);
	float *(*adam_v)(void *m);
	int64_t (*adam_step)(const void *m);
	void (*set_adam_step)(void *m, int64_t step);
	int (*num_tensors)(const void *m);
	int (*tensor_info)(const void *m, int i, const char **name, size_t *offset, size_t *size,
			   int *decay);
	const float *(*logits)(const void *m);
	const float *(*token_nll)(const void *m);
	const float *(*seq_loss)(const void *m);
	const float *(*seq_weight)(const void *m);
	int (*kv_reset)(void *m, char *err);
	int (*kv_step)(void *m, int32_t token, const float **logits, char *err);
	int (*kv_len)(const void *m);
	int (*generate)(void *m, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
			size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err);
	void (*free)(void *m);
};

/* The adapters of the calls both APIs spell alike, for prefix P (model or
 * llama) and handle type T. */
#define STUDENT_ADAPTERS(P, T)                                                                     \
	static int P##_a_forward(void *m, const int32_t *in, const int32_t *tg, const float *w,    \
				 int B, int Tn, float *loss, char *err)                            \
	{                                                                                          \
		return P##_forward((T *)m, in, tg, w, B, Tn, loss, err);                           \
	}                                                                                          \
	static int P##_a_backward(void *m, char *err)                                              \
	{                                                                                          \
		return P##_backward((T *)m, err);                                                  \
	}                                                                                          \
	static void P##_a_zero_grad(void *m)                                                       \
	{                                                                                          \
		P##_zero_grad((T *)m);                                                             \
	}                                                                                          \
	static float P##_a_grad_norm(void *m)                                                      \
	{                                                                                          \
		return P##_grad_norm((T *)m);                                                      \
	}                                                                                          \
	static float P##_a_clip_grad(void *m, float x)                                             \
	{                                                                                          \
		return P##_clip_grad((T *)m, x);                                                   \
	}                                                                                          \
	static int P##_a_adamw_step(void *m, const struct model_adamw *o, char *err)               \
	{                                                                                          \
		return P##_adamw_step((T *)m, o, err);                                             \
	}                                                                                          \
	static size_t P##_a_num_params(const void *m)                                              \
	{                                                                                          \
		return P##_num_params((const T *)m);                                               \
	}                                                                                          \
	static float *P##_a_params(void *m)                                                        \
	{                                                                                          \
		return P##_params((T *)m);                                                         \
	}                                                                                          \
	static float *P##_a_grads(void *m)                                                         \
	{                                                                                          \
		return P##_grads((T *)m);                                                          \
	}                                                                                          \
	static float *P##_a_adam_m(void *m)                                                        \
	{                                                                                          \
		return P##_adam_m((T *)m);                                                         \
	}                                                                                          \
	static float *P##_a_adam_v(void *m)                                                        \
	{                                                                                          \
		return P##_adam_v((T *)m);                                                         \
	}                                                                                          \
	static int64_t P##_a_adam_step(const void *m)                                              \
	{                                                                                          \
		return P##_adam_step((const T *)m);                                                \
	}                                                                                          \
	static void P##_a_set_adam_step(void *m, int64_t s)                                        \
	{                                                                                          \
		P##_set_adam_step((T *)m, s);                                                      \
	}                                                                                          \
	static const float *P##_a_logits(const void *m)                                            \
	{                                                                                          \
		return P##_logits((const T *)m);                                                   \
	}                                                                                          \
	static const float *P##_a_token_nll(const void *m)                                         \
	{                                                                                          \
		return P##_token_nll((const T *)m);                                                \
	}                                                                                          \
	static const float *P##_a_seq_loss(const void *m)                                          \
	{                                                                                          \
		return P##_seq_loss((const T *)m);                                                 \
	}                                                                                          \
	static const float *P##_a_seq_weight(const void *m)                                        \
	{                                                                                          \
		return P##_seq_weight((const T *)m);                                               \
	}                                                                                          \
	static int P##_a_kv_reset(void *m, char *err)                                              \
	{                                                                                          \
		return P##_kv_reset((T *)m, err);                                                  \
	}                                                                                          \
	static int P##_a_kv_step(void *m, int32_t t, const float **l, char *err)                   \
	{                                                                                          \
		return P##_kv_step((T *)m, t, l, err);                                             \
	}                                                                                          \
	static int P##_a_kv_len(const void *m)                                                     \
	{                                                                                          \
		return P##_kv_len((const T *)m);                                                   \
	}                                                                                          \
	static int P##_a_generate(void *m, const int32_t *p, size_t np, int32_t stop,              \
				  size_t max_new, int32_t *out, size_t *n_out, int *stopped,       \
				  char *err)                                                       \
	{                                                                                          \
		return P##_generate((T *)m, p, np, stop, max_new, out, n_out, stopped, err);       \
	}                                                                                          \
	static void P##_a_free(void *m)                                                            \
	{                                                                                          \
		P##_free((T *)m);                                                                  \
	}

#define STUDENT_OPS(P)                                                                             \
	{                                                                                          \
		P##_a_forward, P##_a_backward, P##_a_zero_grad, P##_a_grad_norm, P##_a_clip_grad,  \
			P##_a_adamw_step, P##_a_num_params, P##_a_params, P##_a_grads,             \
			P##_a_adam_m, P##_a_adam_v, P##_a_adam_step, P##_a_set_adam_step,          \
			P##_a_num_tensors, P##_a_tensor_info, P##_a_logits, P##_a_token_nll,       \
			P##_a_seq_loss, P##_a_seq_weight, P##_a_kv_reset, P##_a_kv_step,           \
			P##_a_kv_len, P##_a_generate, P##_a_free                                   \
	}

STUDENT_ADAPTERS(model, struct model)
STUDENT_ADAPTERS(llama, struct llama)

static int model_a_num_tensors(const void *m)
{
	(void)m;
	return MODEL_N_TENSORS;
}

static int model_a_tensor_info(const void *m, int i, const char **name, size_t *offset,
			       size_t *size, int *decay)
{
	return model_tensor_info((const struct model *)m, i, name, offset, size, decay);
}

static int llama_a_num_tensors(const void *m)
{
	return llama_num_tensors((const struct llama *)m);
}

static int llama_a_tensor_info(const void *m, int i, const char **name, size_t *offset,
			       size_t *size, int *decay)
{
	return llama_tensor_info((const struct llama *)m, i, name, offset, size, NULL, NULL, decay);
}

static const struct student_ops ops_table[STUDENT_N_ARCHS] = {
	[STUDENT_GPT2] = STUDENT_OPS(model),
	[STUDENT_LLAMA] = STUDENT_OPS(llama),
};

struct student {
	const struct student_ops *ops;
	void *m; /* struct model or struct llama, owned */
	struct student_config cfg;
};

static struct student *wrap(int arch, void *m)
{
	if (!m)
		return NULL;
	struct student *s = calloc(1, sizeof *s);
	if (!s)
		util_oom();
	s->ops = &ops_table[arch];
	s->m = m;
	s->cfg.arch = arch;
	if (arch == STUDENT_GPT2)
		s->cfg.gpt2 = *model_get_config(m);
	else
		s->cfg.llama = *llama_get_config(m);
	return s;
}

struct student *student_from_gpt2(struct model *m)
{
	return wrap(STUDENT_GPT2, m);
}

struct student *student_from_llama(struct llama *m)
{
	return wrap(STUDENT_LLAMA, m);
}

int student_new(const struct student_config *cfg, uint64_t seed, struct student **out, char *err)
{
	*out = NULL;
	if (cfg->arch == STUDENT_GPT2) {
		struct model *m;
		int rc = model_new(&cfg->gpt2, seed, &m, err);
		if (rc)
			return rc;
		*out = student_from_gpt2(m);
		return 0;
	}
	if (cfg->arch == STUDENT_LLAMA) {
		struct llama *m;
		int rc = llama_new(&cfg->llama, seed, &m, err);
		if (rc)
			return rc;
		*out = student_from_llama(m);
		return 0;
	}
	return student_config_check(cfg, err);
}

void student_free(struct student *s)
{
	if (!s)
		return;
	s->ops->free(s->m);
	free(s);
}

const struct student_config *student_get_config(const struct student *s)
{
	return &s->cfg;
}

int student_arch(const struct student *s)
{
	return s->cfg.arch;
}

struct model *student_gpt2(struct student *s)
{
	return s->cfg.arch == STUDENT_GPT2 ? s->m : NULL;
}

struct llama *student_llama(struct student *s)
{
	return s->cfg.arch == STUDENT_LLAMA ? s->m : NULL;
}

/* ---- forwarding ---- */

int student_forward(struct student *s, const int32_t *inputs, const int32_t *targets,
		    const float *weights, int B, int T, float *loss, char *err)
{
	return s->ops->forward(s->m, inputs, targets, weights, B, T, loss, err);
}

int student_backward(struct student *s, char *err)
{
	return s->ops->backward(s->m, err);
}

void student_zero_grad(struct student *s)
{
	s->ops->zero_grad(s->m);
}

float student_grad_norm(struct student *s)
{
	return s->ops->grad_norm(s->m);
}

float student_clip_grad(struct student *s, float max_norm)
{
	return s->ops->clip_grad(s->m, max_norm);
}

int student_adamw_step(struct student *s, const struct model_adamw *opt, char *err)
{
	return s->ops->adamw_step(s->m, opt, err);
}

size_t student_num_params(const struct student *s)
{
	return s->ops->num_params(s->m);
}

float *student_params(struct student *s)
{
	return s->ops->params(s->m);
}

float *student_grads(struct student *s)
{
	return s->ops->grads(s->m);
}

float *student_adam_m(struct student *s)
{
	return s->ops->adam_m(s->m);
}

float *student_adam_v(struct student *s)
{
	return s->ops->adam_v(s->m);
}

int64_t student_adam_step(const struct student *s)
{
	return s->ops->adam_step(s->m);
}

void student_set_adam_step(struct student *s, int64_t step)
{
	s->ops->set_adam_step(s->m, step);
}

int student_num_tensors(const struct student *s)
{
	return s->ops->num_tensors(s->m);
}

int student_tensor_info(const struct student *s, int i, const char **name, size_t *offset,
			size_t *size, int *decay)
{
	return s->ops->tensor_info(s->m, i, name, offset, size, decay);
}

int student_tensor_find(const struct student *s, const char *name)
{
	int n = student_num_tensors(s);
	for (int i = 0; name && i < n; i++) {
		const char *ti;
		if (student_tensor_info(s, i, &ti, NULL, NULL, NULL) == 0 && strcmp(ti, name) == 0)
			return i;
	}
	return -1;
}

int student_embedding(const struct student *s, int *width)
{
	/* the token embedding comes first in both layouts (wte, embed_tokens) */
	if (width)
		*width = s->cfg.arch == STUDENT_LLAMA ? s->cfg.llama.hidden_size
						      : s->cfg.gpt2.n_embd;
	return 0;
}

const float *student_logits(const struct student *s)
{
	return s->ops->logits(s->m);
}

const float *student_token_nll(const struct student *s)
{
	return s->ops->token_nll(s->m);
}

const float *student_seq_loss(const struct student *s)
{
	return s->ops->seq_loss(s->m);
}

const float *student_seq_weight(const struct student *s)
{
	return s->ops->seq_weight(s->m);
}

int student_kv_reset(struct student *s, char *err)
{
	return s->ops->kv_reset(s->m, err);
}

int student_kv_step(struct student *s, int32_t token, const float **logits, char *err)
{
	return s->ops->kv_step(s->m, token, logits, err);
}

int student_kv_len(const struct student *s)
{
	return s->ops->kv_len(s->m);
}

int student_generate(struct student *s, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		     size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err)
{
	return s->ops->generate(s->m, prompt, n_prompt, stop_token, max_new, out, n_out, stopped,
				err);
}
