/* model_int.h: what the student models' sources share and nothing else uses:
 * the parallelism and vector settings, the small inline helpers the hot loops
 * call (allocation, normal samples, the vectorisable exp and GELU), and the
 * batched kernels of model_kernels.c that model.c's GPT-2 forward and
 * backward call. llama.c builds on the same helpers. */
#ifndef MENTOR_MODEL_INT_H
#define MENTOR_MODEL_INT_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/model.h"
#include "mentor/util.h"

#define LN_EPS 1e-5f
/* Go parallel only when a loop touches enough floats to pay for waking the
 * thread team; a tiny model (or a test) then runs its kernels serially. The
 * split never changes results: each iteration computes the same thing on any
 * thread. */
#define PAR_MIN_WORK 32768
#define PAR(work) ((size_t)(work) >= PAR_MIN_WORK)
#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi) */
/* Query block of the causal attention on sequences longer than it (see
 * "causal attention in query blocks" in model_kernels.c). */
#define ATTN_BLOCK 128
/* Models of this many parameters and more (GPT-2 small; no preset) run
 * AdamW with reciprocals and sum the gradient norm in vectors (see
 * adamw_chunk_recip and grad_sq in model.c): the last bits differ from the presets'. */
#define ADAMW_RECIP_MIN ((size_t)1 << 26)
/* Chunk of the element-wise passes over whole buffers (parameters, grads). */
#define VEC_CHUNK 65536

/* The hot element-wise and attention loops are compiled for AVX-512, AVX2 and
 * the baseline, chosen once at load time (the build itself targets baseline
 * x86-64). A loop whose iterations are independent element-wise operations
 * (no sum across the vector) gives the same bits on every path, since the
 * build contracts nothing into FMAs (-std=c11 implies -ffp-contract=off);
 * a vectorised sum depends on the vector width, so the loops that sum stay
 * where they were compiled before, unless a size gates a new path. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define HOT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef HOT_CLONES
#define HOT_CLONES
#endif

/* A float max reduction (exact in any order): gcc vectorises `x > mx ? x : mx`
 * under omp simd; clang cannot without -ffinite-math-only and warns that the
 * vectorisation asked for did not happen (-Wpass-failed), so it is not asked. */
#define OMP_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define SIMD_MAX_REDUCTION(v)
#else
#define SIMD_MAX_REDUCTION(v) OMP_PRAGMA(omp simd reduction(max : v))
#endif

/* ------------------------------------------------------------ helpers */

/* n floats, 64-byte aligned, uninitialised; NULL on overflow or out of
 * memory. Caller frees with free(). */
static inline float *falloc(size_t n)
{
	size_t bytes;
	if (util_mul_size(n ? n : 1, sizeof(float), &bytes))
		return NULL;
	/* 64-byte alignment for the vector units; size rounded up as required */
	bytes = (bytes + 63) & ~(size_t)63;
	return aligned_alloc(64, bytes);
}

/* Box-Muller normal sample. */
static inline float randn(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Offset of row t in a lower-triangular (T,T) attention matrix. */
static inline size_t tri(int t)
{
	return (size_t)t * (size_t)(t + 1) / 2;
}

/* exp(x) in a form the compiler can vectorise: rounding by the 1.5 * 2^23
 * trick, range reduction by ln 2 and a degree-6 polynomial (Cephes), about 1
 * ulp on the clamped range [-87, 88], which keeps 2^n a normal float. The
 * clamps vectorise only without trapping math: src/meson.build builds the
 * model library with -fno-trapping-math (the code never reads FP exception flags). */
static inline float vexpf(float x)
{
	x = x > 88.0f ? 88.0f : x;
	x = x < -87.0f ? -87.0f : x;
	float t = x * 1.44269504088896341f + 12582912.0f;
	int32_t tb;
	memcpy(&tb, &t, sizeof tb);
	int32_t n = tb - 0x4B400000; /* round(x / ln 2) */
	float nf = t - 12582912.0f;
	float r = x - nf * 0.693359375f + nf * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	int32_t bits = (n + 127) * 8388608; /* 2^n as a float's bits */
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* tanh through one exp; saturates cleanly (the exp is clamped, giving
 * +-1 within a float ulp). */
static inline float fast_tanh(float u)
{
	return 1.0f - 2.0f / (vexpf(2.0f * u) + 1.0f);
}

static inline float gelu(float x)
{
	return 0.5f * x * (1.0f + fast_tanh(GELU_SCALE * (x + 0.044715f * x * x * x)));
}

static inline float gelu_grad(float x)
{
	float u = GELU_SCALE * (x + 0.044715f * x * x * x);
	float th = fast_tanh(u), sech2 = 1.0f - th * th;
	return 0.5f * (1.0f + th) +
	       0.5f * x * sech2 * GELU_SCALE * (1.0f + 3.0f * 0.044715f * x * x);
}

/* ------------------------------------------------------------ kernels
 * model_kernels.c; B batch, T time, C channels, NH heads, V vocabulary.
 * Buffers are the caller's; none is allocated or freed. */

/* out (B,T,C) = wte[inp] + wpe[t]; inp is (B,T), wte (V,C), wpe (maxT,C). */
void model_encoder_forward(float *out, const int32_t *inp, const float *wte, const float *wpe,
			   int B, int T, int C);
/* dwte (V,C), dwpe (maxT,C) += from dout (B,T,C). */
void model_encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *inp, int B,
			    int T, int C);
/* out (N,C) = LayerNorm(inp (N,C)) * weight (C) + bias (C); mean, rstd (N). */
void model_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			     const float *weight, const float *bias, int N, int C);
/* dinp (N,C) += and dweight, dbias (C) += from dout (N,C). */
void model_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
			      const float *inp, const float *weight, const float *mean,
			      const float *rstd, int N, int C);
/* Causal self-attention, one sgemm per product and (b, h): qkv (B,T,3C) in,
 * out (B,T,C), att (B,NH,T(T+1)/2) the softmax rows; scratch holds 2*T*T
 * floats per thread. */
void model_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH,
			     float *scratch);
/* Backward of model_attention_forward: dqkv (B,T,3C) written from dout (B,T,C). */
void model_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
			      int B, int T, int C, int NH, float *scratch);
/* The same in query blocks of bs rows (bs >= 1); att (B,NH,model_att_head_size(T,bs)). */
void model_attention_forward_blocked(float *out, float *att, const float *qkv, int B, int T, int C,
				     int NH, int bs);
void model_attention_backward_blocked(float *dqkv, const float *dout, const float *qkv,
				      const float *att, int B, int T, int C, int NH, int bs,
				      float *scratch);
/* Floats of one (b, h)'s softmax rows: T(T+1)/2 on the full path (bs 0),
 * else the query blocks' rows x (keys to each block's end). */
size_t model_att_head_size(int T, int bs);
/* out (N) = gelu(inp (N)); backward: d (N) *= gelu'(inp) in place. */
void model_gelu_forward(float *out, const float *inp, size_t N);
void model_gelu_backward(float *d, const float *inp, size_t N);
/* x (n) *= s. */
void model_vec_scale(float *x, float s, size_t n);

#endif
