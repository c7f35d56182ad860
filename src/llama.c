/* llama: the Llama-family decoder (Llama, SmolLM2, Qwen2, Qwen3) in float32 (see
 * include/mentor/llama.h). Batched products are cblas_sgemm through the model
 * module's matmul helpers, decoding uses its matrix-vector loop (model_gen.c)
 * and its allocation and parallelism settings (model_int.h); the other
 * kernels are plain loops parallelised with OpenMP over independent rows or
 * (batch, key/value head) pairs, no two threads adding into the same float, so
 * results are deterministic for a given thread count. */
#include "mentor/llama.h"

#include <cJSON.h>
#include <limits.h>
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* Per-layer tensors, in buffer order within a layer; F = intermediate_size. */
enum {
	T_LN1,  /* (C) input_layernorm */
	T_QW,   /* (NH*D, C) */
	T_QB,   /* (NH*D) when attention_bias */
	T_KW,   /* (NKV*D, C) */
	T_KB,   /* (NKV*D) when attention_bias */
	T_VW,   /* (NKV*D, C) */
	T_VB,   /* (NKV*D) when attention_bias */
	T_OW,   /* (C, NH*D) */
	T_OB,   /* (C) when attention_bias, except Qwen2 (its o_proj has none) */
	T_QN,   /* (D) q_norm when qk_norm */
	T_KN,   /* (D) k_norm when qk_norm */
	T_LN2,  /* (C) post_attention_layernorm */
	T_GATE, /* (F, C) */
	T_UP,   /* (F, C) */
	T_DOWN, /* (C, F) */
	T_PER_LAYER
};

static const char *const layer_names[T_PER_LAYER] = {
	"input_layernorm.weight",  "self_attn.q_proj.weight", "self_attn.q_proj.bias",
	"self_attn.k_proj.weight", "self_attn.k_proj.bias",   "self_attn.v_proj.weight",
	"self_attn.v_proj.bias",   "self_attn.o_proj.weight", "self_attn.o_proj.bias",
	"self_attn.q_norm.weight", "self_attn.k_norm.weight", "post_attention_layernorm.weight",
	"mlp.gate_proj.weight",    "mlp.up_proj.weight",      "mlp.down_proj.weight",
};

struct tensor {
	char name[72];
	size_t off, size;
	int rows, cols;
	int decay;
	int frozen; /* no gradient, no AdamW update (llama_set_frozen) */
};

/* Forward activations, carved from one buffer; L-prefixed ones per layer.
 * N = B*T, Q = NH*D, KV = NKV*D, F = intermediate_size. */
enum {
	A_RES,      /* (L+1,N,C) residual stream into each layer, then out of the last */
	A_MID,      /* (L,N,C) residual after attention */
	A_LN1,      /* (L,N,C) */
	A_LN1_RSTD, /* (L,N) */
	A_QRAW,     /* (L,N,Q) q before its norm (qk_norm only) */
	A_QRSTD,    /* (L,N*NH) */
	A_KRAW,     /* (L,N,KV) */
	A_KRSTD,    /* (L,N*NKV) */
	A_Q,        /* (L,N,Q) after norm and RoPE */
	A_K,        /* (L,N,KV) */
	A_V,        /* (L,N,KV) */
	A_ATT,      /* (L,B,NH,T(T+1)/2) softmax rows */
	A_ATTY,     /* (L,N,Q) */
	A_LN2,      /* (L,N,C) */
	A_LN2_RSTD, /* (L,N) */
	A_GATE,     /* (L,N,F) */
	A_UP,       /* (L,N,F) */
	A_H,        /* (L,N,F) silu(gate) * up */
	A_LNF,      /* (N,C) */
	A_LNF_RSTD, /* (N) */
	A_PROBS,    /* (N,V) logits, then probabilities */
	A_NLL,      /* (N) */
	A_WEIGHT,   /* (N) */
	A_SEQLOSS,  /* (B) */
	A_SEQW,     /* (B) */
	A_COS,      /* (T,D/2) */
	A_SIN,      /* (T,D/2) */
	/* backward scratch, one layer's worth */
	G_RES,  /* (N,C) */
	G_LN,   /* (N,C) */
	G_Q,    /* (N,Q) */
	G_K,    /* (N,KV) */
	G_V,    /* (N,KV) */
	G_QRAW, /* (N,Q) */
	G_KRAW, /* (N,KV) */
	G_ATTY, /* (N,Q) */
	G_GATE, /* (N,F) */
	G_UP,   /* (N,F) */
	G_H,    /* (N,F) */
	A_N
};

/* Single-token decoding scratch. */
enum { K_X, K_LN, K_Q, K_K, K_ATTY, K_GATE, K_UP, K_COS, K_SIN, K_LOGITS, K_N };

struct llama {
	struct llama_config cfg;
	int n_tensors;
	struct tensor *tensors;
	int *layer_t;                /* (L, T_PER_LAYER) tensor index or -1 */
	int t_embed, t_norm, t_head; /* t_head is t_embed when tied */
	size_t num_params;
	float *params, *grads, *adam_m, *adam_v;
	int64_t step;
	float *inv_freq; /* (D/2) */

	float *acts;
	size_t acts_cap;
	size_t act_off[A_N];
	int32_t *tokens, *targets;
	size_t tok_cap;
	float *scratch;
	size_t scratch_cap;
	int B, T;
	int have_targets, have_probs, have_forward;
	int ckpt;   /* gradient checkpointing: one block's activations kept */
	int frozen; /* LLAMA_FREEZE_* flags */
	/* the trained parameters are one span (only the embedding, first, and
	 * the head, last, can freeze): [train_lo, train_hi) */
	size_t train_lo, train_hi;
	size_t acts_fwd; /* floats of acts before the backward scratch */

	float *kvs; /* decoding scratch carved by kv_off */
	size_t kv_off[K_N];
	float *cache; /* (cap, L, 2, NKV*D): keys then values per position and layer */
	float *att;   /* (cap) */
	int kv_cap, kv_len;
};

/* ---- config ---- */

static int mul_sz(size_t a, size_t b, size_t *out)
{
	return util_mul_size(a, b, out);
}

/* Sizes of the tensors of cfg into t (T_PER_LAYER per layer plus embed,
 * norm, head; absent ones 0). -1 on overflow. */
static int layer_sizes(const struct llama_config *c, size_t *sz)
{
	size_t C = (size_t)c->hidden_size, F = (size_t)c->intermediate_size;
	size_t Q = (size_t)c->n_head * (size_t)c->head_dim;
	size_t KV = (size_t)c->n_kv_head * (size_t)c->head_dim;
	int bad = 0;
	sz[T_LN1] = sz[T_LN2] = C;
	bad |= mul_sz(Q, C, &sz[T_QW]);
	sz[T_QB] = c->attention_bias ? Q : 0;
	bad |= mul_sz(KV, C, &sz[T_KW]);
	sz[T_KB] = c->attention_bias ? KV : 0;
	sz[T_VW] = sz[T_KW];
	sz[T_VB] = sz[T_KB];
	bad |= mul_sz(C, Q, &sz[T_OW]);
	sz[T_OB] = c->attention_bias && c->family != LLAMA_FAMILY_QWEN2 ? C : 0;
	sz[T_QN] = sz[T_KN] = c->qk_norm ? (size_t)c->head_dim : 0;
	bad |= mul_sz(F, C, &sz[T_GATE]);
	sz[T_UP] = sz[T_DOWN] = sz[T_GATE];
	return bad ? -1 : 0;
}

static int total_params(const struct llama_config *c, size_t *total)
{
	size_t sz[T_PER_LAYER], per = 0, emb, all;
	if (layer_sizes(c, sz) || mul_sz((size_t)c->vocab_size, (size_t)c->hidden_size, &emb))
		return -1;
	for (int i = 0; i < T_PER_LAYER; i++)
		if (util_add_size(per, sz[i], &per))
			return -1;
	if (mul_sz(per, (size_t)c->n_layer, &all) || util_add_size(all, emb, &all) ||
	    util_add_size(all, (size_t)c->hidden_size, &all) ||
	    util_add_size(all, c->tie_word_embeddings ? 0 : emb, &all))
		return -1;
	*total = all;
	return 0;
}

int llama_config_check(const struct llama_config *c, char *err)
{
	if (!c) {
		util_err(err, "invalid llama config: none given");
		return MENTOR_EUSAGE;
	}
	const struct {
		const char *name;
		int v, max;
	} f[] = {
		{"vocab_size", c->vocab_size, LLAMA_MAX_VOCAB},
		{"hidden_size", c->hidden_size, LLAMA_MAX_HIDDEN},
		{"intermediate_size", c->intermediate_size, LLAMA_MAX_INTERMEDIATE},
		{"num_hidden_layers", c->n_layer, LLAMA_MAX_LAYERS},
		{"num_attention_heads", c->n_head, LLAMA_MAX_HEADS},
		{"num_key_value_heads", c->n_kv_head, LLAMA_MAX_HEADS},
		{"head_dim", c->head_dim, LLAMA_MAX_HEAD_DIM},
		{"max_position_embeddings", c->max_seq_len, LLAMA_MAX_CTX},
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (f[i].v < 1 || f[i].v > f[i].max) {
			util_err(err, "invalid llama config: '%s' is %d, must be 1..%d", f[i].name,
				 f[i].v, f[i].max);
			return MENTOR_EUSAGE;
		}
	}
	if (c->family < LLAMA_FAMILY_LLAMA || c->family > LLAMA_FAMILY_QWEN3) {
		util_err(err, "invalid llama config: unknown family %d", c->family);
		return MENTOR_EUSAGE;
	}
	if (c->n_head % c->n_kv_head) {
		util_err(err,
			 "invalid llama config: 'num_key_value_heads' %d does not divide "
			 "'num_attention_heads' %d",
			 c->n_kv_head, c->n_head);
		return MENTOR_EUSAGE;
	}
	if (c->head_dim % 2) {
		util_err(err, "invalid llama config: 'head_dim' %d is odd (RoPE rotates pairs)",
			 c->head_dim);
		return MENTOR_EUSAGE;
	}
	if (!(c->rope_theta > 1.0 && c->rope_theta < 1e12)) {
		util_err(err, "invalid llama config: 'rope_theta' %g must be > 1 and finite",
			 c->rope_theta);
		return MENTOR_EUSAGE;
	}
	if (!(c->rms_norm_eps > 0.0 && c->rms_norm_eps < 1.0)) {
		util_err(err, "invalid llama config: 'rms_norm_eps' %g must be in (0, 1)",
			 c->rms_norm_eps);
		return MENTOR_EUSAGE;
	}
	if (c->rope_type < LLAMA_ROPE_DEFAULT || c->rope_type > LLAMA_ROPE_LLAMA3) {
		util_err(err, "invalid llama config: unknown rope type %d", c->rope_type);
		return MENTOR_EUSAGE;
	}
	if (c->rope_type != LLAMA_ROPE_DEFAULT &&
	    !(c->rope_factor >= 1.0 && c->rope_factor < 1e6)) {
		util_err(err,
			 "invalid llama config: rope_scaling 'factor' %g must be >= 1 and "
			 "finite",
			 c->rope_factor);
		return MENTOR_EUSAGE;
	}
	if (c->rope_type == LLAMA_ROPE_LLAMA3 &&
	    (!(c->rope_low_freq_factor > 0.0 && c->rope_low_freq_factor < 1e6) ||
	     !(c->rope_high_freq_factor > c->rope_low_freq_factor &&
	       c->rope_high_freq_factor < 1e6) ||
	     c->rope_original_max_pos < 1 || c->rope_original_max_pos > LLAMA_MAX_CTX)) {
		util_err(err,
			 "invalid llama config: llama3 rope_scaling needs 0 < "
			 "'low_freq_factor' < 'high_freq_factor' and "
			 "'original_max_position_embeddings' in 1..%d",
			 LLAMA_MAX_CTX);
		return MENTOR_EUSAGE;
	}
	size_t total;
	if (total_params(c, &total) || total > LLAMA_MAX_PARAMS) {
		util_err(err, "invalid llama config: more than %zu parameters",
			 (size_t)LLAMA_MAX_PARAMS);
		return MENTOR_EUSAGE;
	}
	return 0;
}

size_t llama_config_num_params(const struct llama_config *cfg)
{
	size_t total;
	return total_params(cfg, &total) ? 0 : total;
}

/* ---- rotary frequencies ---- */

/* inv (D/2): the inverse frequencies as transformers computes them in float32,
 * with linear or llama3 scaling. */
static void rope_inv_freq(const struct llama_config *c, float *inv)
{
	int D = c->head_dim;
	float base = (float)c->rope_theta, factor = (float)c->rope_factor;
	for (int i = 0; i < D / 2; i++) {
		float e = (float)(2 * i) / (float)D;
		float f = 1.0f / powf(base, e);
		if (c->rope_type == LLAMA_ROPE_LINEAR) {
			f /= factor;
		} else if (c->rope_type == LLAMA_ROPE_LLAMA3) {
			float lo = (float)c->rope_low_freq_factor,
			      hi = (float)c->rope_high_freq_factor;
			float old = (float)c->rope_original_max_pos;
			float lo_wl = old / lo, hi_wl = old / hi;
			float wl = 2.0f * 3.14159265358979f / f;
			if (wl > lo_wl) {
				f /= factor;
			} else if (!(wl < hi_wl)) {
				float s = (old / wl - lo) / (hi - lo);
				f = (1.0f - s) * f / factor + s * f;
			}
		}
		inv[i] = f;
	}
}

/* cos, sin (D/2) at position pos. */
static void rope_row(const float *inv, int half, int pos, float *cs, float *sn)
{
	for (int i = 0; i < half; i++) {
		float a = inv[i] * (float)pos;
		cs[i] = (float)cos((double)a);
		sn[i] = (float)sin((double)a);
	}
}

void llama_rope_tables(const struct llama_config *cfg, float *cs, float *sn, int T)
{
	int half = cfg->head_dim / 2;
	float inv[LLAMA_MAX_HEAD_DIM / 2];
	rope_inv_freq(cfg, inv);
	for (int t = 0; t < T; t++)
		rope_row(inv, half, t, cs + (size_t)t * half, sn + (size_t)t * half);
}

/* ---- kernels ---- */

void llama_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *weight, int N,
			   int C, float eps)
{
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C;
		float ss = 0.0f;
		for (int i = 0; i < C; i++)
			ss += x[i] * x[i];
		float rs = 1.0f / sqrtf(ss / (float)C + eps);
		float *o = out + (size_t)n * C;
		for (int i = 0; i < C; i++)
			o[i] = weight[i] * (x[i] * rs);
		rstd[n] = rs;
	}
}

void llama_rmsnorm_backward(float *dinp, float *dweight, const float *dout, const float *inp,
			    const float *weight, const float *rstd, int N, int C)
{
	/* y = w * x * r, r = (mean(x^2) + eps)^-1/2:
	 * dx = r * (w * dy) - r^3 * x * sum(w * dy * x) / C */
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
		float rs = rstd[n], dot = 0.0f;
		for (int i = 0; i < C; i++)
			dot += weight[i] * d[i] * x[i];
		float k = rs * rs * rs * dot / (float)C;
		float *di = dinp + (size_t)n * C;
		for (int i = 0; i < C; i++)
			di[i] += rs * weight[i] * d[i] - k * x[i];
	}
	/* weight gradient by column blocks, each summed over the rows in order */
	int nblk = (C + 15) / 16;
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int blk = 0; blk < nblk; blk++) {
		int i0 = blk * 16, i1 = i0 + 16 < C ? i0 + 16 : C;
		for (int n = 0; n < N; n++) {
			const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
			for (int i = i0; i < i1; i++)
				dweight[i] += x[i] * rstd[n] * d[i];
		}
	}
}

/* Rotate each (B,T,H) head row of x by the table row of its position;
 * sign -1 rotates back (the backward: the rotation's transpose). */
static void rope_apply(float *x, const float *cs, const float *sn, int B, int T, int H, int D,
		       float sign)
{
	int half = D / 2;
	long rows = (long)B * T * H;
#pragma omp parallel for if (PAR((size_t)rows * D))
	for (long r = 0; r < rows; r++) {
		int t = (int)(r / H % T);
		float *a = x + (size_t)r * D, *b = a + half;
		const float *c = cs + (size_t)t * half, *s = sn + (size_t)t * half;
		for (int i = 0; i < half; i++) {
			float x1 = a[i], x2 = b[i], si = sign * s[i];
			/* rotate_half: out = x * cos + cat(-x2, x1) * sin */
			a[i] = x1 * c[i] - x2 * si;
			b[i] = x2 * c[i] + x1 * si;
		}
	}
}

void llama_rope_forward(float *x, const float *cs, const float *sn, int B, int T, int H, int D)
{
	rope_apply(x, cs, sn, B, T, H, D, 1.0f);
}

void llama_rope_backward(float *dx, const float *cs, const float *sn, int B, int T, int H, int D)
{
	rope_apply(dx, cs, sn, B, T, H, D, -1.0f);
}

static inline float sigmoid(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

void llama_swiglu_forward(float *h, const float *gate, const float *up, size_t N)
{
#pragma omp parallel for if (PAR(N))
	for (size_t i = 0; i < N; i++)
		h[i] = gate[i] * sigmoid(gate[i]) * up[i];
}

void llama_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate,
			   const float *up, size_t N)
{
#pragma omp parallel for if (PAR(N))
	for (size_t i = 0; i < N; i++) {
		float g = gate[i], s = sigmoid(g), silu = g * s;
		dup[i] = dh[i] * silu;
		dgate[i] = dh[i] * up[i] * s * (1.0f + g * (1.0f - s));
	}
}

/* Causal softmax of rows t0..t1-1 of S (T,T) in place: row t keeps columns
 * 0..t (the rest 0), copied also to the triangle ab. */
static void causal_softmax(float *S, float *ab, int T, int t0, int t1)
{
	for (int t = t0; t < t1; t++) {
		float *row = S + (size_t)t * T, mx = -INFINITY, sum = 0.0f;
		for (int j = 0; j <= t; j++)
			mx = row[j] > mx ? row[j] : mx;
		for (int j = 0; j <= t; j++) {
			row[j] = expf(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum, *a = ab + tri(t);
		for (int j = 0; j <= t; j++)
			a[j] = row[j] *= inv;
		for (int j = t + 1; j < T; j++)
			row[j] = 0.0f;
	}
}

/* The attention's products go by blocks of ATT_BLK query rows, each over
 * the keys up to its last row: the masked part above the diagonal is
 * computed only within the diagonal blocks. */
#define ATT_BLK 64

void llama_attention_forward(float *out, float *att, const float *q, const float *k, const float *v,
			     int B, int T, int NH, int NKV, int D, float *scratch)
{
	int G = NH / NKV, ldq = NH * D, ldk = NKV * D;
	float scale = 1.0f / sqrtf((float)D);
	size_t TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * ldq / 2))
	for (int bk = 0; bk < B * NKV; bk++) {
		int b = bk / NKV, kh = bk % NKV;
		float *S = scratch + (size_t)omp_get_thread_num() * 2 * T * T;
		const float *kb = k + (size_t)b * T * ldk + (size_t)kh * D;
		const float *vb = v + (size_t)b * T * ldk + (size_t)kh * D;
		for (int g = 0; g < G; g++) {
			int h = kh * G + g;
			const float *qb = q + (size_t)b * T * ldq + (size_t)h * D;
			float *ob = out + (size_t)b * T * ldq + (size_t)h * D;
			for (int r0 = 0; r0 < T; r0 += ATT_BLK) {
				int r1 = r0 + ATT_BLK < T ? r0 + ATT_BLK : T, m = r1 - r0;
				float *Sr = S + (size_t)r0 * T;
				/* S[r0:r1, 0:r1] = q[r0:r1] (m,D) @ k[0:r1]^T (D,r1) * scale */
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, r1, D,
					    scale, qb + (size_t)r0 * ldq, ldq, kb, ldk, 0.0f, Sr,
					    T);
				causal_softmax(S, att + ((size_t)b * NH + h) * TT, T, r0, r1);
				/* out[r0:r1] (m,D) = P[r0:r1, 0:r1] (m,r1) @ v[0:r1] (r1,D) */
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, D, r1,
					    1.0f, Sr, T, vb, ldk, 0.0f, ob + (size_t)r0 * ldq, ldq);
			}
		}
	}
}

void llama_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q,
			      const float *k, const float *v, const float *att, int B, int T,
			      int NH, int NKV, int D, float *scratch)
{
	int G = NH / NKV, ldq = NH * D, ldk = NKV * D;
	float scale = 1.0f / sqrtf((float)D);
	size_t TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * ldq))
	for (int bk = 0; bk < B * NKV; bk++) {
		int b = bk / NKV, kh = bk % NKV;
		float *P = scratch + (size_t)omp_get_thread_num() * 2 * T * T,
		      *dS = P + (size_t)T * T;
		const float *kb = k + (size_t)b * T * ldk + (size_t)kh * D;
		const float *vb = v + (size_t)b * T * ldk + (size_t)kh * D;
		float *dkb = dk + (size_t)b * T * ldk + (size_t)kh * D;
		float *dvb = dv + (size_t)b * T * ldk + (size_t)kh * D;
		for (int g = 0; g < G; g++) {
			int h = kh * G + g;
			const float *ab = att + ((size_t)b * NH + h) * TT;
			const float *qb = q + (size_t)b * T * ldq + (size_t)h * D;
			const float *d = dout + (size_t)b * T * ldq + (size_t)h * D;
			float *dqb = dq + (size_t)b * T * ldq + (size_t)h * D;
			float beta = g ? 1.0f : 0.0f; /* the group's first head writes dk, dv */
			for (int t = 0; t < T; t++) {
				memcpy(P + (size_t)t * T, ab + tri(t),
				       (size_t)(t + 1) * sizeof(float));
				memset(P + (size_t)t * T + t + 1, 0,
				       (size_t)(T - t - 1) * sizeof(float));
			}
			for (int r0 = 0; r0 < T; r0 += ATT_BLK) {
				int r1 = r0 + ATT_BLK < T ? r0 + ATT_BLK : T, m = r1 - r0;
				float *dSr = dS + (size_t)r0 * T;
				/* keys r0..r1 are seen by queries r0..T only:
				 * dv[r0:r1] (m,D) += P[r0:T, r0:r1]^T (m,T-r0) @ dout[r0:T] (T-r0,D) */
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, D, T - r0,
					    1.0f, P + (size_t)r0 * T + r0, T, d + (size_t)r0 * ldq,
					    ldq, beta, dvb + (size_t)r0 * ldk, ldk);
				/* dP[r0:r1, 0:r1] = dout[r0:r1] (m,D) @ v[0:r1]^T (D,r1) */
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, r1, D, 1.0f,
					    d + (size_t)r0 * ldq, ldq, vb, ldk, 0.0f, dSr, T);
				for (int t = r0; t < r1; t++) {
					float *row = dS + (size_t)t * T, dot = 0.0f;
					const float *a = ab + tri(t);
					for (int j = 0; j <= t; j++)
						dot += a[j] * row[j];
					for (int j = 0; j <= t; j++)
						row[j] = a[j] * (row[j] - dot) * scale;
					for (int j = t + 1; j < T; j++)
						row[j] = 0.0f;
				}
				/* dq[r0:r1] (m,D) = dS[r0:r1, 0:r1] (m,r1) @ k[0:r1] (r1,D) */
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, D, r1,
					    1.0f, dSr, T, kb, ldk, 0.0f, dqb + (size_t)r0 * ldq,
					    ldq);
			}
			/* dk[c0:c1] (m,D) += dS[c0:T, c0:c1]^T (m,T-c0) @ q[c0:T] (T-c0,D), once
			 * every row of dS is done */
			for (int c0 = 0; c0 < T; c0 += ATT_BLK) {
				int m = c0 + ATT_BLK < T ? ATT_BLK : T - c0;
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, D, T - c0,
					    1.0f, dS + (size_t)c0 * T + c0, T,
					    qb + (size_t)c0 * ldq, ldq, beta,
					    dkb + (size_t)c0 * ldk, ldk);
			}
		}
	}
}

/* ---- lifecycle ---- */

/* n zero floats. calloc hands out fresh pages of a large block without
 * writing them, so the parts never written (the gradient and moments of
 * frozen tensors) take no memory. */
static float *fzalloc(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}


static int add_tensor(struct llama *m, const char *name, size_t size, int rows, int cols, int decay)
{
	struct tensor *t = &m->tensors[m->n_tensors];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->off = m->num_params;
	t->size = size;
	t->rows = rows;
	t->cols = cols;
	t->decay = decay;
	m->num_params += size;
	return m->n_tensors++;
}

/* The tensor table of m->cfg (sizes already known not to overflow). */
static void build_table(struct llama *m)
{
	const struct llama_config *c = &m->cfg;
	int C = c->hidden_size, F = c->intermediate_size, D = c->head_dim;
	int Q = c->n_head * D, KV = c->n_kv_head * D;
	const int rows[T_PER_LAYER] = {1, Q, 1, KV, 1, KV, 1, C, 1, 1, 1, 1, F, F, C};
	const int cols[T_PER_LAYER] = {C, C, Q, C, KV, C, KV, Q, C, D, D, C, C, C, F};
	size_t sz[T_PER_LAYER];
	layer_sizes(c, sz);
	m->t_embed = add_tensor(m, "model.embed_tokens.weight", (size_t)c->vocab_size * C,
				c->vocab_size, C, 1);
	for (int l = 0; l < c->n_layer; l++) {
		for (int i = 0; i < T_PER_LAYER; i++) {
			m->layer_t[l * T_PER_LAYER + i] = -1;
			if (!sz[i])
				continue;
			char name[72];
			snprintf(name, sizeof name, "model.layers.%d.%s", l, layer_names[i]);
			int mat = rows[i] > 1;
			m->layer_t[l * T_PER_LAYER + i] = add_tensor(m, name, sz[i], rows[i],
								     cols[i], mat);
		}
	}
	m->t_norm = add_tensor(m, "model.norm.weight", (size_t)C, 1, C, 0);
	m->t_head = c->tie_word_embeddings
			    ? m->t_embed
			    : add_tensor(m, "lm_head.weight", (size_t)c->vocab_size * C,
					 c->vocab_size, C, 1);
}

int llama_new(const struct llama_config *cfg, uint64_t seed, struct llama **out, char *err)
{
	*out = NULL;
	int rc = llama_config_check(cfg, err);
	if (rc)
		return rc;
	struct llama *m = calloc(1, sizeof *m);
	if (!m)
		return util_err(err, "cannot create model: out of memory");
	m->cfg = *cfg;
	int L = cfg->n_layer;
	m->tensors = calloc((size_t)L * T_PER_LAYER + 3, sizeof *m->tensors);
	m->layer_t = calloc((size_t)L * T_PER_LAYER, sizeof *m->layer_t);
	m->inv_freq = falloc((size_t)cfg->head_dim / 2);
	if (!m->tensors || !m->layer_t || !m->inv_freq) {
		llama_free(m);
		return util_err(err, "cannot create model: out of memory");
	}
	build_table(m);
	rope_inv_freq(cfg, m->inv_freq);
	m->params = falloc(m->num_params);
	m->grads = fzalloc(m->num_params);
	m->adam_m = fzalloc(m->num_params);
	m->adam_v = fzalloc(m->num_params);
	m->train_hi = m->num_params;
	if (!m->params || !m->grads || !m->adam_m || !m->adam_v) {
		size_t np = m->num_params;
		llama_free(m);
		return util_err(err, "cannot create model: out of memory for %zu parameters", np);
	}
	struct rng r;
	rng_seed(&r, seed);
	for (int i = 0; i < m->n_tensors; i++) {
		struct tensor *t = &m->tensors[i];
		float *p = m->params + t->off;
		/* matrices and the embedding normal(0, 0.02); norms 1; biases 0 */
		int is_norm = strstr(t->name, "norm.weight") != NULL;
		for (size_t j = 0; j < t->size; j++)
			p[j] = t->decay ? 0.02f * randn(&r) : is_norm ? 1.0f : 0.0f;
	}
	*out = m;
	return 0;
}

void llama_free(struct llama *m)
{
	if (!m)
		return;
	free(m->tensors);
	free(m->layer_t);
	free(m->inv_freq);
	free(m->params);
	free(m->grads);
	free(m->adam_m);
	free(m->adam_v);
	free(m->acts);
	free(m->tokens);
	free(m->targets);
	free(m->scratch);
	free(m->kvs);
	free(m->cache);
	free(m->att);
	free(m);
}

const struct llama_config *llama_get_config(const struct llama *m)
{
	return &m->cfg;
}
size_t llama_num_params(const struct llama *m)
{
	return m->num_params;
}
float *llama_params(struct llama *m)
{
	return m->params;
}
float *llama_grads(struct llama *m)
{
	return m->grads;
}
float *llama_adam_m(struct llama *m)
{
	return m->adam_m;
}
float *llama_adam_v(struct llama *m)
{
	return m->adam_v;
}
int64_t llama_adam_step(const struct llama *m)
{
	return m->step;
}
void llama_set_adam_step(struct llama *m, int64_t step)
{
	m->step = step < 0 ? 0 : step;
}
int llama_num_tensors(const struct llama *m)
{
	return m->n_tensors;
}

int llama_tensor_info(const struct llama *m, int i, const char **name, size_t *offset, size_t *size,
		      int *rows, int *cols, int *decay)
{
	if (i < 0 || i >= m->n_tensors)
		return MENTOR_EUSAGE;
	const struct tensor *t = &m->tensors[i];
	if (name)
		*name = t->name;
	if (offset)
		*offset = t->off;
	if (size)
		*size = t->size;
	if (rows)
		*rows = t->rows;
	if (cols)
		*cols = t->cols;
	if (decay)
		*decay = t->decay;
	return 0;
}

int llama_tensor_find(const struct llama *m, const char *name)
{
	for (int i = 0; name && i < m->n_tensors; i++)
		if (strcmp(m->tensors[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- forward and backward ---- */

#define ACT(m, i) ((m)->acts + (m)->act_off[i])
#define PT(m, i) ((m)->params + (m)->tensors[i].off)
#define GT(m, i) ((m)->grads + (m)->tensors[i].off)
/* Parameter / gradient of layer l's tensor kind k, NULL when absent. */
static float *lw(struct llama *m, float *base, int l, int k)
{
	int i = m->layer_t[l * T_PER_LAYER + k];
	return i < 0 ? NULL : base + m->tensors[i].off;
}
#define LP(m, l, k) lw(m, (m)->params, l, k)
#define LG(m, l, k) lw(m, (m)->grads, l, k)

/* Sizes in floats of the activations of a B x T batch (sz, A_N of them, each
 * rounded up to 16 floats) and their offsets; the per-layer ones hold one
 * layer when ckpt. Returns the total, or 0 on overflow. */
static size_t act_layout(const struct llama_config *c, int B, int T, int ckpt, size_t *off)
{
	size_t N = (size_t)B * T, L = (size_t)c->n_layer, C = (size_t)c->hidden_size;
	size_t F = (size_t)c->intermediate_size, V = (size_t)c->vocab_size;
	size_t NH = (size_t)c->n_head, NKV = (size_t)c->n_kv_head, D = (size_t)c->head_dim;
	size_t Q = NH * D, KV = NKV * D, qk = c->qk_norm ? 1 : 0, LK = ckpt ? 1 : L;
	size_t sz[A_N], total, nc, ni, natt;
	int bad = 0;
	bad |= mul_sz(N, C, &nc) | mul_sz(N, F, &ni);
	bad |= mul_sz(nc, L + 1, &sz[A_RES]);
	bad |= mul_sz(nc, LK, &sz[A_MID]);
	sz[A_LN1] = sz[A_LN2] = sz[A_MID];
	sz[A_LN1_RSTD] = sz[A_LN2_RSTD] = N * LK;
	bad |= mul_sz(N * LK, Q, &sz[A_Q]);
	bad |= mul_sz(N * LK, KV, &sz[A_K]);
	sz[A_V] = sz[A_K];
	sz[A_ATTY] = sz[A_Q];
	sz[A_QRAW] = qk * sz[A_Q];
	sz[A_KRAW] = qk * sz[A_K];
	sz[A_QRSTD] = qk * N * LK * NH;
	sz[A_KRSTD] = qk * N * LK * NKV;
	bad |= mul_sz((size_t)B * NH * LK, tri(T), &natt);
	sz[A_ATT] = natt;
	bad |= mul_sz(ni, LK, &sz[A_GATE]);
	sz[A_UP] = sz[A_H] = sz[A_GATE];
	sz[A_LNF] = nc;
	sz[A_LNF_RSTD] = sz[A_NLL] = sz[A_WEIGHT] = N;
	bad |= mul_sz(N, V, &sz[A_PROBS]);
	sz[A_SEQLOSS] = sz[A_SEQW] = (size_t)B;
	sz[A_COS] = sz[A_SIN] = (size_t)T * (D / 2);
	sz[G_RES] = sz[G_LN] = nc;
	sz[G_Q] = sz[G_QRAW] = sz[G_ATTY] = N * Q;
	sz[G_K] = sz[G_V] = sz[G_KRAW] = N * KV;
	sz[G_GATE] = sz[G_UP] = sz[G_H] = ni;
	total = 0;
	for (int i = 0; i < A_N && !bad; i++) {
		off[i] = total;
		bad |= util_add_size(sz[i], 15, &sz[i]);
		bad |= util_add_size(total, sz[i] & ~(size_t)15, &total);
	}
	return bad || total > ((size_t)1 << 40) ? 0 : total;
}

/* Floats of attention scratch for T: 2 (T,T) matrices per OpenMP thread
 * (T <= LLAMA_MAX_TRAIN_T: no overflow). */
static size_t att_scratch(int T)
{
	return (size_t)omp_get_max_threads() * 2 * (size_t)T * (size_t)T;
}

static int ensure_acts(struct llama *m, int B, int T, char *err)
{
	size_t N = (size_t)B * T, total = act_layout(&m->cfg, B, T, m->ckpt, m->act_off);
	if (!total)
		goto overflow;
	if (total > m->acts_cap) {
		free(m->acts);
		m->acts = falloc(total);
		m->acts_cap = m->acts ? total : 0;
		m->acts_fwd = m->act_off[G_RES];
		if (!m->acts)
			return util_err(err,
					"cannot run model: out of memory for activations "
					"(%zu floats, batch %d x %d)",
					total, B, T);
	}
	if (N > m->tok_cap) {
		free(m->tokens);
		free(m->targets);
		m->tokens = malloc(N * sizeof *m->tokens);
		m->targets = malloc(N * sizeof *m->targets);
		m->tok_cap = m->tokens && m->targets ? N : 0;
		if (!m->tok_cap)
			return util_err(err,
					"cannot run model: out of memory for a batch of %d x %d", B,
					T);
	}
	size_t nsc = att_scratch(T);
	if (nsc > m->scratch_cap) {
		free(m->scratch);
		m->scratch = falloc(nsc);
		m->scratch_cap = m->scratch ? nsc : 0;
		if (!m->scratch)
			return util_err(err,
					"cannot run model: out of memory for attention scratch");
	}
	m->B = B;
	m->T = T;
	return 0;
overflow:
	util_err(err, "cannot run model: batch %d x %d is too large", B, T);
	return MENTOR_EUSAGE;
}

/* Check the batch arguments and the ids and weights. */
static int check_batch(struct llama *m, const int32_t *inputs, const int32_t *targets,
		       const float *weights, int B, int T, char *err)
{
	int V = m->cfg.vocab_size, maxT = m->cfg.max_seq_len;
	if (maxT > LLAMA_MAX_TRAIN_T)
		maxT = LLAMA_MAX_TRAIN_T;
	if (B < 1 || T < 1 || T > maxT || !inputs) {
		util_err(err,
			 "cannot run model: batch %d x %d invalid (need B >= 1 and "
			 "1 <= T <= %d)",
			 B, T, maxT);
		return MENTOR_EUSAGE;
	}
	if ((size_t)B * (size_t)T > LLAMA_MAX_BATCH_TOKENS) {
		util_err(err, "cannot run model: batch %d x %d is more than %d tokens", B, T,
			 LLAMA_MAX_BATCH_TOKENS);
		return MENTOR_EUSAGE;
	}
	return model_check_ids(inputs, targets, weights, B * T, V, err);
}

/* The q or k projection of one layer: raw (N,H*D) = ln @ W^T + b, then the
 * per-head norm into out when qk_norm (else straight into out), then RoPE. */
static void qk_forward(struct llama *m, float *out, float *raw, float *rstd, const float *ln,
		       const float *W, const float *b, const float *nw, int H, int N)
{
	const struct llama_config *c = &m->cfg;
	int C = c->hidden_size, D = c->head_dim;
	model_matmul_forward_acc(nw ? raw : out, ln, W, b, N, C, H * D, 0);
	if (nw)
		llama_rmsnorm_forward(out, rstd, raw, nw, N * H, D, (float)c->rms_norm_eps);
	llama_rope_forward(out, ACT(m, A_COS), ACT(m, A_SIN), m->B, m->T, H, D);
}

/* One block's activations: layer l's own, or the one set kept under
 * checkpointing. */
struct blk {
	float *mid, *ln1, *ln1_rstd, *qraw, *qrstd, *kraw, *krstd, *q, *k, *v, *att, *atty;
	float *ln2, *ln2_rstd, *gate, *up, *h;
};

static void blk_acts(struct llama *m, int l, struct blk *a)
{
	const struct llama_config *c = &m->cfg;
	size_t s = m->ckpt ? 0 : (size_t)l, N = (size_t)m->B * m->T, C = (size_t)c->hidden_size;
	size_t Q = (size_t)c->n_head * c->head_dim, KV = (size_t)c->n_kv_head * c->head_dim;
	size_t F = (size_t)c->intermediate_size;
	int qk = c->qk_norm;
	a->mid = ACT(m, A_MID) + s * N * C;
	a->ln1 = ACT(m, A_LN1) + s * N * C;
	a->ln2 = ACT(m, A_LN2) + s * N * C;
	a->ln1_rstd = ACT(m, A_LN1_RSTD) + s * N;
	a->ln2_rstd = ACT(m, A_LN2_RSTD) + s * N;
	a->qraw = qk ? ACT(m, A_QRAW) + s * N * Q : NULL;
	a->kraw = qk ? ACT(m, A_KRAW) + s * N * KV : NULL;
	a->qrstd = qk ? ACT(m, A_QRSTD) + s * N * c->n_head : NULL;
	a->krstd = qk ? ACT(m, A_KRSTD) + s * N * c->n_kv_head : NULL;
	a->q = ACT(m, A_Q) + s * N * Q;
	a->atty = ACT(m, A_ATTY) + s * N * Q;
	a->k = ACT(m, A_K) + s * N * KV;
	a->v = ACT(m, A_V) + s * N * KV;
	a->att = ACT(m, A_ATT) + s * (size_t)m->B * c->n_head * tri(m->T);
	a->gate = ACT(m, A_GATE) + s * N * F;
	a->up = ACT(m, A_UP) + s * N * F;
	a->h = ACT(m, A_H) + s * N * F;
}

/* Block l from its input x (N,C) into its activations; next (N,C) gets its
 * output unless NULL (the backward's recomputation needs none). */
static void block_forward(struct llama *m, int l, const float *x, float *next)
{
	const struct llama_config *c = &m->cfg;
	int C = c->hidden_size, F = c->intermediate_size, NH = c->n_head, NKV = c->n_kv_head;
	int D = c->head_dim, N = m->B * m->T, Q = NH * D, KV = NKV * D;
	float eps = (float)c->rms_norm_eps;
	size_t NC = (size_t)N * C;
	struct blk a;
	blk_acts(m, l, &a);
	llama_rmsnorm_forward(a.ln1, a.ln1_rstd, x, LP(m, l, T_LN1), N, C, eps);
	qk_forward(m, a.q, a.qraw, a.qrstd, a.ln1, LP(m, l, T_QW), LP(m, l, T_QB), LP(m, l, T_QN),
		   NH, N);
	qk_forward(m, a.k, a.kraw, a.krstd, a.ln1, LP(m, l, T_KW), LP(m, l, T_KB), LP(m, l, T_KN),
		   NKV, N);
	model_matmul_forward_acc(a.v, a.ln1, LP(m, l, T_VW), LP(m, l, T_VB), N, C, KV, 0);
	llama_attention_forward(a.atty, a.att, a.q, a.k, a.v, m->B, m->T, NH, NKV, D, m->scratch);
	/* mid = x + atty @ o_proj^T */
	memcpy(a.mid, x, NC * sizeof(float));
	model_matmul_forward_acc(a.mid, a.atty, LP(m, l, T_OW), LP(m, l, T_OB), N, Q, C, 1);
	llama_rmsnorm_forward(a.ln2, a.ln2_rstd, a.mid, LP(m, l, T_LN2), N, C, eps);
	model_matmul_forward_acc(a.gate, a.ln2, LP(m, l, T_GATE), NULL, N, C, F, 0);
	model_matmul_forward_acc(a.up, a.ln2, LP(m, l, T_UP), NULL, N, C, F, 0);
	llama_swiglu_forward(a.h, a.gate, a.up, (size_t)N * F);
	if (!next)
		return;
	/* next = mid + h @ down^T */
	memcpy(next, a.mid, NC * sizeof(float));
	model_matmul_forward_acc(next, a.h, LP(m, l, T_DOWN), NULL, N, F, C, 1);
}

int llama_forward(struct llama *m, const int32_t *inputs, const int32_t *targets,
		  const float *weights, int B, int T, float *loss, char *err)
{
	const struct llama_config *c = &m->cfg;
	m->have_forward = m->have_targets = m->have_probs = 0;
	int rc = check_batch(m, inputs, targets, weights, B, T, err);
	if (!rc)
		rc = ensure_acts(m, B, T, err);
	if (rc)
		return rc;
	int V = c->vocab_size, L = c->n_layer, C = c->hidden_size, D = c->head_dim, N = B * T;
	float eps = (float)c->rms_norm_eps;
	size_t NC = (size_t)N * C;
	memcpy(m->tokens, inputs, (size_t)N * sizeof *inputs);
	if (targets)
		memcpy(m->targets, targets, (size_t)N * sizeof *targets);
	for (int t = 0; t < T; t++)
		rope_row(m->inv_freq, D / 2, t, ACT(m, A_COS) + (size_t)t * (D / 2),
			 ACT(m, A_SIN) + (size_t)t * (D / 2));

	float *res = ACT(m, A_RES);
	const float *emb = PT(m, m->t_embed);
#pragma omp parallel for if (PAR(NC))
	for (int n = 0; n < N; n++)
		memcpy(res + (size_t)n * C, emb + (size_t)m->tokens[n] * C,
		       (size_t)C * sizeof(float));
	for (int l = 0; l < L; l++)
		block_forward(m, l, res + l * NC, res + (l + 1) * NC);
	llama_rmsnorm_forward(ACT(m, A_LNF), ACT(m, A_LNF_RSTD), res + L * NC, PT(m, m->t_norm), N,
			      C, eps);
	/* logits (N,V) = lnf (N,C) @ head^T (C,V) */
	model_matmul_forward_acc(ACT(m, A_PROBS), ACT(m, A_LNF), PT(m, m->t_head), NULL, N, C, V,
				 0);
	m->have_forward = 1;
	if (!targets) {
		if (loss)
			*loss = 0.0f;
		return 0;
	}
	float *nll = ACT(m, A_NLL), *w = ACT(m, A_WEIGHT);
	model_softmax_xent(ACT(m, A_PROBS), nll, m->targets, N, V);
	float l = model_weighted_loss(w, ACT(m, A_SEQLOSS), ACT(m, A_SEQW), nll, m->targets,
				      weights, B, T);
	if (loss)
		*loss = l;
	m->have_targets = m->have_probs = 1;
	return 0;
}

const float *llama_token_nll(const struct llama *m)
{
	return m->have_targets ? ACT(m, A_NLL) : NULL;
}

const float *llama_seq_loss(const struct llama *m)
{
	return m->have_targets ? ACT(m, A_SEQLOSS) : NULL;
}

const float *llama_seq_weight(const struct llama *m)
{
	return m->have_targets ? ACT(m, A_SEQW) : NULL;
}

const float *llama_logits(const struct llama *m)
{
	return m->have_forward ? ACT(m, A_PROBS) : NULL;
}

/* Backward of qk_forward: d (N,H*D) is the gradient of the rotated output
 * (turned back in place); returns the gradient of the projection's output
 * (d itself, or draw after the norm's backward). */
static float *qk_backward(struct llama *m, float *d, float *draw, const float *raw,
			  const float *rstd, const float *nw, float *dnw, int H, int N)
{
	int D = m->cfg.head_dim;
	llama_rope_backward(d, ACT(m, A_COS), ACT(m, A_SIN), m->B, m->T, H, D);
	if (!nw)
		return d;
	memset(draw, 0, (size_t)N * H * D * sizeof(float));
	llama_rmsnorm_backward(draw, dnw, d, raw, nw, rstd, N * H, D);
	return draw;
}

int llama_backward(struct llama *m, char *err)
{
	if (!m->have_probs) {
		util_err(err, "cannot run backward: no forward pass with targets before it");
		return MENTOR_EUSAGE;
	}
	const struct llama_config *c = &m->cfg;
	int V = c->vocab_size, L = c->n_layer, C = c->hidden_size, F = c->intermediate_size;
	int NH = c->n_head, NKV = c->n_kv_head, D = c->head_dim, B = m->B, T = m->T, N = B * T;
	int Q = NH * D, KV = NKV * D;
	size_t NC = (size_t)N * C;
	float *dres = ACT(m, G_RES), *dln = ACT(m, G_LN), *dq = ACT(m, G_Q), *dk = ACT(m, G_K);
	float *dv = ACT(m, G_V), *datty = ACT(m, G_ATTY), *dgate = ACT(m, G_GATE);
	float *dup = ACT(m, G_UP), *dh = ACT(m, G_H), *res = ACT(m, A_RES);

	/* dlogits = (p - onehot) * w, in place of the probabilities */
	float *dlogits = ACT(m, A_PROBS);
	model_softmax_xent_backward(dlogits, m->targets, ACT(m, A_WEIGHT), N, V);
	/* dlnf (N,C) = dlogits @ head; dhead (V,C) += dlogits^T @ lnf unless frozen */
	if (m->tensors[m->t_head].frozen)
		/* dlnf (N,C) = dlogits (N,V) @ head (V,C), as the product below makes it */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, V, 1.0f, dlogits, V,
			    PT(m, m->t_head), C, 0.0f, dln, C);
	else
		model_matmul_backward_acc(dln, GT(m, m->t_head), NULL, dlogits, ACT(m, A_LNF),
					  PT(m, m->t_head), N, C, V, 0);
	memset(dres, 0, NC * sizeof(float));
	llama_rmsnorm_backward(dres, GT(m, m->t_norm), dln, res + L * NC, PT(m, m->t_norm),
			       ACT(m, A_LNF_RSTD), N, C);
	for (int l = L - 1; l >= 0; l--) {
		const float *x = res + l * NC;
		struct blk a;
		if (m->ckpt)
			block_forward(m, l, x, NULL);
		blk_acts(m, l, &a);
		/* MLP: res[l+1] = mid + down(silu(gate(ln2)) * up(ln2)) */
		model_matmul_backward_acc(dh, LG(m, l, T_DOWN), NULL, dres, a.h, LP(m, l, T_DOWN),
					  N, F, C, 0);
		llama_swiglu_backward(dgate, dup, dh, a.gate, a.up, (size_t)N * F);
		model_matmul_backward_acc(dln, LG(m, l, T_GATE), NULL, dgate, a.ln2,
					  LP(m, l, T_GATE), N, C, F, 0);
		model_matmul_backward_acc(dln, LG(m, l, T_UP), NULL, dup, a.ln2, LP(m, l, T_UP), N,
					  C, F, 1);
		llama_rmsnorm_backward(dres, LG(m, l, T_LN2), dln, a.mid, LP(m, l, T_LN2),
				       a.ln2_rstd, N, C);
		/* attention: mid = x + o_proj(attn(rope(norm(q)), rope(norm(k)), v)) */
		model_matmul_backward_acc(datty, LG(m, l, T_OW), LG(m, l, T_OB), dres, a.atty,
					  LP(m, l, T_OW), N, Q, C, 0);
		llama_attention_backward(dq, dk, dv, datty, a.q, a.k, a.v, a.att, B, T, NH, NKV, D,
					 m->scratch);
		float *dqp = qk_backward(m, dq, ACT(m, G_QRAW), a.qraw, a.qrstd, LP(m, l, T_QN),
					 LG(m, l, T_QN), NH, N);
		float *dkp = qk_backward(m, dk, ACT(m, G_KRAW), a.kraw, a.krstd, LP(m, l, T_KN),
					 LG(m, l, T_KN), NKV, N);
		model_matmul_backward_acc(dln, LG(m, l, T_QW), LG(m, l, T_QB), dqp, a.ln1,
					  LP(m, l, T_QW), N, C, Q, 0);
		model_matmul_backward_acc(dln, LG(m, l, T_KW), LG(m, l, T_KB), dkp, a.ln1,
					  LP(m, l, T_KW), N, C, KV, 1);
		model_matmul_backward_acc(dln, LG(m, l, T_VW), LG(m, l, T_VB), dv, a.ln1,
					  LP(m, l, T_VW), N, C, KV, 1);
		llama_rmsnorm_backward(dres, LG(m, l, T_LN1), dln, x, LP(m, l, T_LN1), a.ln1_rstd,
				       N, C);
	}
	/* embedding: serial over rows (a token may repeat; fixed sum order) */
	if (!m->tensors[m->t_embed].frozen) {
		float *demb = GT(m, m->t_embed);
		for (int n = 0; n < N; n++) {
			float *we = demb + (size_t)m->tokens[n] * C;
			const float *d = dres + (size_t)n * C;
			for (int i = 0; i < C; i++)
				we[i] += d[i];
		}
	}
	m->have_probs = 0;
	m->have_forward = 0;
	return 0;
}

void llama_zero_grad(struct llama *m)
{
	memset(m->grads + m->train_lo, 0, (m->train_hi - m->train_lo) * sizeof(float));
}

/* The sums below run over the trained span only: a frozen gradient is 0. */
float llama_grad_norm(struct llama *m)
{
	const float *g = m->grads + m->train_lo;
	size_t n = m->train_hi - m->train_lo;
	long nch = (long)((n + VEC_CHUNK - 1) / VEC_CHUNK);
	double total = 0.0;
	/* each chunk summed in order, the chunks added in order */
#pragma omp parallel for ordered if (PAR(n))
	for (long ch = 0; ch < nch; ch++) {
		size_t i0 = (size_t)ch * VEC_CHUNK, i1 = i0 + VEC_CHUNK < n ? i0 + VEC_CHUNK : n;
		double sq = 0.0;
		for (size_t i = i0; i < i1; i++)
			sq += (double)g[i] * g[i];
#pragma omp ordered
		total += sq;
	}
	return (float)sqrt(total);
}

float llama_clip_grad(struct llama *m, float max_norm)
{
	float norm = llama_grad_norm(m);
	if (max_norm > 0.0f && norm > max_norm && isfinite(norm)) {
		float s = max_norm / (norm + 1e-6f), *g = m->grads + m->train_lo;
		size_t n = m->train_hi - m->train_lo;
#pragma omp parallel for if (PAR(n))
		for (size_t i = 0; i < n; i++)
			g[i] *= s;
	}
	return norm;
}

int llama_adamw_step(struct llama *m, const struct model_adamw *o, char *err)
{
	int rc = model_adamw_check(o, err);
	if (rc)
		return rc;
	m->step++;
	int recip = m->num_params >= ADAMW_RECIP_MIN;
	for (int i = 0; i < m->n_tensors; i++) {
		const struct tensor *t = &m->tensors[i];
		if (t->frozen)
			continue;
		model_adamw_span(m->params + t->off, m->grads + t->off, m->adam_m + t->off,
				 m->adam_v + t->off, t->size, o, m->step,
				 t->decay ? o->weight_decay : 0.0f, recip);
	}
	return 0;
}

void llama_set_checkpointing(struct llama *m, int on)
{
	on = on != 0;
	if (on == m->ckpt)
		return;
	m->ckpt = on;
	/* the layout changes: the next forward allocates what it needs */
	free(m->acts);
	m->acts = NULL;
	m->acts_cap = m->acts_fwd = 0;
	m->have_forward = m->have_targets = m->have_probs = 0;
}

int llama_checkpointing(const struct llama *m)
{
	return m->ckpt;
}

int llama_set_frozen(struct llama *m, int flags, char *err)
{
	if (flags & ~(LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD)) {
		util_err(err, "cannot freeze tensors: unknown flags 0x%x", (unsigned)flags);
		return MENTOR_EUSAGE;
	}
	int head = m->t_head;
	m->frozen = flags;
	for (int i = 0; i < m->n_tensors; i++)
		m->tensors[i].frozen = 0;
	if (flags & LLAMA_FREEZE_EMBED)
		m->tensors[m->t_embed].frozen = 1;
	if (flags & LLAMA_FREEZE_HEAD)
		m->tensors[head].frozen = 1;
	/* the embedding is the first tensor and the head the last: the others
	 * are one span */
	const struct tensor *e = &m->tensors[m->t_embed], *h = &m->tensors[head];
	m->train_lo = e->frozen ? e->off + e->size : 0;
	m->train_hi = h->frozen && head != m->t_embed ? h->off : m->num_params;
	/* a frozen gradient reads 0; only floats written before are written */
	for (int i = 0; i < m->n_tensors; i++) {
		const struct tensor *t = &m->tensors[i];
		for (size_t j = 0; t->frozen && j < t->size; j++)
			if (m->grads[t->off + j] != 0.0f)
				m->grads[t->off + j] = 0.0f;
	}
	return 0;
}

int llama_frozen(const struct llama *m)
{
	return m->frozen;
}

int llama_tensor_frozen(const struct llama *m, int i)
{
	return i >= 0 && i < m->n_tensors && m->tensors[i].frozen;
}

size_t llama_mem_activations(const struct llama_config *cfg, int B, int T, int checkpointing)
{
	size_t off[A_N], total;
	if (llama_config_check(cfg, NULL) || B < 1 || T < 1 || T > LLAMA_MAX_TRAIN_T ||
	    (size_t)B * T > LLAMA_MAX_BATCH_TOKENS)
		return 0;
	total = act_layout(cfg, B, T, checkpointing != 0, off);
	if (!total)
		return 0;
	return (total + att_scratch(T)) * sizeof(float) + (size_t)B * T * 2 * sizeof(int32_t);
}

void llama_mem_info(const struct llama *m, struct llama_mem *out)
{
	const struct llama_config *c = &m->cfg;
	size_t f = sizeof(float), trained = (m->train_hi - m->train_lo) * f;
	memset(out, 0, sizeof *out);
	out->params = m->num_params * f;
	out->grads = trained;
	out->moments = 2 * trained;
	out->activations = m->acts_fwd * f + m->tok_cap * 2 * sizeof(int32_t);
	out->backward_scratch = (m->acts_cap - m->acts_fwd) * f;
	out->attention_scratch = m->scratch_cap * f;
	if (m->kvs) {
		size_t kv = (size_t)m->kv_cap * c->n_layer * 2 * c->n_kv_head * c->head_dim;
		out->decoding = (m->kv_off[K_N - 1] + (size_t)c->vocab_size + kv + m->kv_cap) * f;
	}
	out->total = out->params + out->grads + out->moments + out->activations +
		     out->backward_scratch + out->attention_scratch + out->decoding;
}

/* ---- decoding with a KV cache ---- */

#define KS(m, i) ((m)->kvs + (m)->kv_off[i])

int llama_kv_reset(struct llama *m, char *err)
{
	const struct llama_config *c = &m->cfg;
	if (!m->kvs) {
		size_t C = (size_t)c->hidden_size, Q = (size_t)c->n_head * c->head_dim;
		size_t KV = (size_t)c->n_kv_head * c->head_dim, F = (size_t)c->intermediate_size;
		size_t sz[K_N] = {C,
				  C,
				  Q,
				  KV,
				  Q,
				  F,
				  F,
				  (size_t)c->head_dim / 2,
				  (size_t)c->head_dim / 2,
				  (size_t)c->vocab_size};
		size_t off = 0;
		for (int i = 0; i < K_N; i++) {
			m->kv_off[i] = off;
			off += (sz[i] + 15) & ~(size_t)15;
		}
		m->kvs = falloc(off);
		if (!m->kvs)
			return util_err(err, "cannot start decoding: out of memory");
	}
	m->kv_len = 0;
	return 0;
}

int llama_kv_len(const struct llama *m)
{
	return m->kv_len;
}

/* Room in the cache for position pos: doubles the capacity up to max_seq_len. */
static int kv_grow(struct llama *m, int pos, char *err)
{
	if (pos < m->kv_cap)
		return 0;
	const struct llama_config *c = &m->cfg;
	int cap = m->kv_cap ? m->kv_cap : c->max_seq_len < 64 ? c->max_seq_len : 64;
	while (cap <= pos)
		cap = cap > c->max_seq_len / 2 ? c->max_seq_len : cap * 2;
	size_t per = (size_t)c->n_layer * 2 * c->n_kv_head * c->head_dim, n;
	if (util_mul_size(per, (size_t)cap, &n) || util_mul_size(n, sizeof(float), &n))
		return util_err(err, "cannot decode: cache too large");
	float *cache = realloc(m->cache, n);
	if (!cache)
		return util_err(err, "cannot decode: out of memory for %d cached positions", cap);
	m->cache = cache;
	float *att = realloc(m->att, (size_t)cap * sizeof(float));
	if (!att)
		return util_err(err, "cannot decode: out of memory for %d cached positions", cap);
	m->att = att;
	m->kv_cap = cap;
	return 0;
}

int llama_kv_step(struct llama *m, int32_t token, const float **logits, char *err)
{
	const struct llama_config *c = &m->cfg;
	int L = c->n_layer, C = c->hidden_size, F = c->intermediate_size, V = c->vocab_size;
	int NH = c->n_head, NKV = c->n_kv_head, D = c->head_dim, G = NH / NKV;
	int Q = NH * D, KV = NKV * D;
	float eps = (float)c->rms_norm_eps;
	if (!m->kvs && llama_kv_reset(m, err))
		return MENTOR_ERR;
	if (m->kv_len >= c->max_seq_len) {
		util_err(err, "cannot decode: context of %d tokens is full", c->max_seq_len);
		return MENTOR_EUSAGE;
	}
	if (token < 0 || token >= V) {
		util_err(err, "cannot decode: token %d out of range 0..%d", (int)token, V - 1);
		return MENTOR_EUSAGE;
	}
	int pos = m->kv_len;
	if (kv_grow(m, pos, err))
		return MENTOR_ERR;
	float *x = KS(m, K_X), *ln = KS(m, K_LN), *q = KS(m, K_Q), *k = KS(m, K_K);
	float *atty = KS(m, K_ATTY), *gate = KS(m, K_GATE), *up = KS(m, K_UP);
	float *cs = KS(m, K_COS), *sn = KS(m, K_SIN), *att = m->att, rstd[LLAMA_MAX_HEADS];
	memcpy(x, PT(m, m->t_embed) + (size_t)token * C, (size_t)C * sizeof(float));
	rope_row(m->inv_freq, D / 2, pos, cs, sn);
	float scale = 1.0f / sqrtf((float)D);
	size_t per_pos = (size_t)L * 2 * KV;
	for (int l = 0; l < L; l++) {
		llama_rmsnorm_forward(ln, rstd, x, LP(m, l, T_LN1), 1, C, eps);
		model_gemv(q, LP(m, l, T_QW), ln, LP(m, l, T_QB), Q, C, 0);
		model_gemv(k, LP(m, l, T_KW), ln, LP(m, l, T_KB), KV, C, 0);
		if (c->qk_norm) {
			llama_rmsnorm_forward(q, rstd, q, LP(m, l, T_QN), NH, D, eps);
			llama_rmsnorm_forward(k, rstd, k, LP(m, l, T_KN), NKV, D, eps);
		}
		llama_rope_forward(q, cs, sn, 1, 1, NH, D);
		llama_rope_forward(k, cs, sn, 1, 1, NKV, D);
		float *kc = m->cache + (size_t)pos * per_pos + (size_t)l * 2 * KV;
		memcpy(kc, k, (size_t)KV * sizeof(float));
		model_gemv(kc + KV, LP(m, l, T_VW), ln, LP(m, l, T_VB), KV, C, 0);
		for (int hh = 0; hh < NH; hh++) {
			const float *kh = m->cache + (size_t)l * 2 * KV + (size_t)(hh / G) * D;
			model_attend_one(atty + (size_t)hh * D, q + (size_t)hh * D, kh, kh + KV,
					 per_pos, pos + 1, D, scale, att);
		}
		model_gemv(x, LP(m, l, T_OW), atty, LP(m, l, T_OB), C, Q, 1);
		llama_rmsnorm_forward(ln, rstd, x, LP(m, l, T_LN2), 1, C, eps);
		model_gemv(gate, LP(m, l, T_GATE), ln, NULL, F, C, 0);
		model_gemv(up, LP(m, l, T_UP), ln, NULL, F, C, 0);
		llama_swiglu_forward(gate, gate, up, (size_t)F);
		model_gemv(x, LP(m, l, T_DOWN), gate, NULL, C, F, 1);
	}
	llama_rmsnorm_forward(ln, rstd, x, PT(m, m->t_norm), 1, C, eps);
	float *lg = KS(m, K_LOGITS);
	/* logits (V) = head (V,C) @ lnf (C) */
	model_gemv(lg, PT(m, m->t_head), ln, NULL, V, C, 0);
	m->kv_len++;
	if (logits)
		*logits = lg;
	return 0;
}

static int kv_step_fn(void *m, int32_t token, const float **logits, char *err)
{
	return llama_kv_step(m, token, logits, err);
}

int llama_generate(struct llama *m, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		   size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err)
{
	int rc = llama_kv_reset(m, err);
	if (rc) {
		*n_out = 0;
		return rc;
	}
	return model_greedy(m, kv_step_fn, m->cfg.vocab_size, m->cfg.max_seq_len, prompt, n_prompt,
			    stop_token, max_new, out, n_out, stopped, err);
}
