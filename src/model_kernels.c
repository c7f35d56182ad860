/* model_kernels: the batched float32 kernels of the GPT-2 student (see
 * model_int.h): token and position embedding, LayerNorm, matrix products
 * through cblas_sgemm, causal self-attention (whole and in query blocks),
 * GELU and the softmax cross-entropy, each a forward/backward pair with a
 * plain reference beside the fast versions the tests compare. */
#include "mentor/model.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "model_int.h"

/* ---- kernels ----
 * B batch, T time, C channels, OC output channels, NH heads, V vocabulary. */

/* out (B,T,C) = wte[inp] + wpe[t]; inp is (B,T), wte (V,C), wpe (maxT,C). */
void model_encoder_forward(float *out, const int32_t *inp, const float *wte, const float *wpe,
			   int B, int T, int C)
{
#pragma omp parallel for if (PAR((size_t)B * T * C))
	for (int bt = 0; bt < B * T; bt++) {
		float *o = out + (size_t)bt * C;
		const float *we = wte + (size_t)inp[bt] * C, *pe = wpe + (size_t)(bt % T) * C;
		for (int i = 0; i < C; i++)
			o[i] = we[i] + pe[i];
	}
}

/* dwte (V,C), dwpe (maxT,C) += from dout (B,T,C). Serial over rows: a token may
 * repeat, and the sum order must not depend on the thread count. */
void model_encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *inp, int B,
			    int T, int C)
{
	for (int bt = 0; bt < B * T; bt++) {
		const float *d = dout + (size_t)bt * C;
		float *we = dwte + (size_t)inp[bt] * C, *pe = dwpe + (size_t)(bt % T) * C;
		for (int i = 0; i < C; i++) {
			we[i] += d[i];
			pe[i] += d[i];
		}
	}
}

/* out (N,C) = LayerNorm(inp (N,C)) * weight (C) + bias (C); mean, rstd (N). */
void model_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			     const float *weight, const float *bias, int N, int C)
{
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C;
		float s = 0.0f;
		for (int i = 0; i < C; i++)
			s += x[i];
		float mu = s / (float)C, v = 0.0f;
		for (int i = 0; i < C; i++)
			v += (x[i] - mu) * (x[i] - mu);
		float rs = 1.0f / sqrtf(v / (float)C + LN_EPS);
		float *o = out + (size_t)n * C;
		for (int i = 0; i < C; i++)
			o[i] = (x[i] - mu) * rs * weight[i] + bias[i];
		mean[n] = mu;
		rstd[n] = rs;
	}
}

/* dweight, dbias (nc) += the LayerNorm parameter gradients of nc columns:
 * dout and inp point at the first column of row 0, rows C apart. Each
 * column is summed over the rows in order; vectorised across columns only. */
HOT_CLONES
static void ln_param_grad_cols(float *dweight, float *dbias, const float *dout, const float *inp,
			       const float *mean, const float *rstd, int N, int C, int nc)
{
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
		float mu = mean[n], rs = rstd[n];
#pragma omp simd
		for (int i = 0; i < nc; i++) {
			dweight[i] += (x[i] - mu) * rs * d[i];
			dbias[i] += d[i];
		}
	}
}

/* dinp (N,C) += and dweight, dbias (C) += from dout (N,C); inp (N,C) is the
 * LayerNorm input, mean and rstd (N) from the forward. */
void model_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
			      const float *inp, const float *weight, const float *mean,
			      const float *rstd, int N, int C)
{
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
		float mu = mean[n], rs = rstd[n];
		float dmean = 0.0f, dnormmean = 0.0f;
		for (int i = 0; i < C; i++) {
			float norm = (x[i] - mu) * rs, dn = weight[i] * d[i];
			dmean += dn;
			dnormmean += dn * norm;
		}
		dmean /= (float)C;
		dnormmean /= (float)C;
		float *di = dinp + (size_t)n * C;
		for (int i = 0; i < C; i++) {
			float norm = (x[i] - mu) * rs, dn = weight[i] * d[i];
			di[i] += (dn - dmean - norm * dnormmean) * rs;
		}
	}
	/* parameter gradients by column blocks, each summed over rows in order */
	int nblk = (C + 15) / 16;
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int blk = 0; blk < nblk; blk++) {
		int i0 = blk * 16, i1 = i0 + 16 < C ? i0 + 16 : C;
		ln_param_grad_cols(dweight + i0, dbias + i0, dout + i0, inp + i0, mean, rstd, N, C,
				   i1 - i0);
	}
}

void model_matmul_forward_naive(float *out, const float *inp, const float *weight,
				const float *bias, int N, int C, int OC)
{
	for (int n = 0; n < N; n++) {
		for (int o = 0; o < OC; o++) {
			float s = bias ? bias[o] : 0.0f;
			for (int i = 0; i < C; i++)
				s += inp[(size_t)n * C + i] * weight[(size_t)o * C + i];
			out[(size_t)n * OC + o] = s;
		}
	}
}

void model_matmul_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
				 const float *inp, const float *weight, int N, int C, int OC)
{
	for (int n = 0; n < N; n++) {
		for (int o = 0; o < OC; o++) {
			float d = dout[(size_t)n * OC + o];
			for (int i = 0; i < C; i++) {
				dinp[(size_t)n * C + i] += weight[(size_t)o * C + i] * d;
				dweight[(size_t)o * C + i] += inp[(size_t)n * C + i] * d;
			}
			if (dbias)
				dbias[o] += d;
		}
	}
}

/* o (n) += b (n). */
HOT_CLONES
static void vec_add(float *o, const float *b, int n)
{
#pragma omp simd
	for (int j = 0; j < n; j++)
		o[j] += b[j];
}

/* db (nc) += the column sums of nc columns of d (N rows, ld apart), each
 * summed over the rows in order; vectorised across columns only. */
HOT_CLONES
static void col_sums_add(float *db, const float *d, int N, int ld, int nc)
{
	for (int n = 0; n < N; n++) {
		const float *r = d + (size_t)n * ld;
#pragma omp simd
		for (int o = 0; o < nc; o++)
			db[o] += r[o];
	}
}

/* out (N,OC) = inp (N,C) @ weight^T + bias, or += when accumulate (the
 * residual adds). weight is (OC,C), bias (OC) or NULL. */
static void matmul_forward(float *out, const float *inp, const float *weight, const float *bias,
			   int N, int C, int OC, int accumulate)
{
	/* out (N,OC) = inp (N,C) @ weight^T (C,OC) [+ out] */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, inp, C, weight, C,
		    accumulate ? 1.0f : 0.0f, out, OC);
	if (bias) {
#pragma omp parallel for if (PAR((size_t)N * OC))
		for (int n = 0; n < N; n++)
			vec_add(out + (size_t)n * OC, bias, OC);
	}
}

/* From dout (N,OC): dinp (N,C) = (or += when accumulate) dout @ weight,
 * dweight (OC,C) += dout^T @ inp, dbias (OC) += column sums (dbias may be NULL). */
static void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout,
			    const float *inp, const float *weight, int N, int C, int OC,
			    int accumulate)
{
	/* dinp (N,C) = dout (N,OC) @ weight (OC,C) [+ dinp] */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, weight, C,
		    accumulate ? 1.0f : 0.0f, dinp, C);
	/* dweight (OC,C) += dout^T (OC,N) @ inp (N,C) */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f,
		    dweight, C);
	if (dbias) {
		int nblk = (OC + 63) / 64;
#pragma omp parallel for if (PAR((size_t)N * OC))
		for (int blk = 0; blk < nblk; blk++) {
			int o0 = blk * 64, o1 = o0 + 64 < OC ? o0 + 64 : OC;
			col_sums_add(dbias + o0, dout + o0, N, OC, o1 - o0);
		}
	}
}

void model_matmul_forward_blas(float *out, const float *inp, const float *weight, const float *bias,
			       int N, int C, int OC)
{
	matmul_forward(out, inp, weight, bias, N, C, OC, 0);
}

void model_matmul_backward_blas(float *dinp, float *dweight, float *dbias, const float *dout,
				const float *inp, const float *weight, int N, int C, int OC)
{
	matmul_backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC, 1);
}

void model_matmul_forward_acc(float *out, const float *inp, const float *weight, const float *bias,
			      int N, int C, int OC, int accumulate)
{
	matmul_forward(out, inp, weight, bias, N, C, OC, accumulate);
}

void model_matmul_backward_acc(float *dinp, float *dweight, float *dbias, const float *dout,
			       const float *inp, const float *weight, int N, int C, int OC,
			       int accumulate)
{
	matmul_backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC, accumulate);
}

/* One (b, h) of causal self-attention: q, k, v rows of the head at base
 * (T,3C), output rows at out (T,C), softmax rows into ab (T(T+1)/2). */
HOT_CLONES
static void attn_head_forward(float *out, float *ab, const float *base, int T, int C, int h, int hs)
{
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3;
	for (int t = 0; t < T; t++) {
		const float *q = base + (size_t)t * C3 + (size_t)h * hs;
		float *row = ab + tri(t);
		float mx = -INFINITY;
		for (int t2 = 0; t2 <= t; t2++) {
			const float *k = base + (size_t)t2 * C3 + C + (size_t)h * hs;
			float s = 0.0f;
#pragma omp simd reduction(+ : s)
			for (int i = 0; i < hs; i++)
				s += q[i] * k[i];
			s *= scale;
			row[t2] = s;
			if (s > mx)
				mx = s;
		}
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int t2 = 0; t2 <= t; t2++) {
			row[t2] = vexpf(row[t2] - mx);
			sum += row[t2];
		}
		float inv = 1.0f / sum;
		float *o = out + (size_t)t * C + (size_t)h * hs;
		for (int i = 0; i < hs; i++)
			o[i] = 0.0f;
		for (int t2 = 0; t2 <= t; t2++) {
			row[t2] *= inv;
			const float *v = base + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float a = row[t2];
#pragma omp simd
			for (int i = 0; i < hs; i++)
				o[i] += a * v[i];
		}
	}
}

/* Causal self-attention, plain loops (the reference for the BLAS version
 * below). qkv (B,T,3C) holds q, k, v per position; out (B,T,C) is the
 * per-head weighted sum of values; att (B,NH,T(T+1)/2) keeps the softmax rows
 * for the backward. Parallel over (b, h). */
void model_attention_forward_naive(float *out, float *att, const float *qkv, int B, int T, int C,
				   int NH)
{
	int hs = C / NH;
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		attn_head_forward(out + (size_t)b * T * C, att + (size_t)bh * TT,
				  qkv + (size_t)b * T * C3, T, C, h, hs);
	}
}

/* Backward of one (b, h): from dout rows (T,C), writes the head's slices of
 * dbase (T,3C) using base (T,3C) and the softmax rows ab. */
HOT_CLONES
static void attn_head_backward(float *dbase, const float *dout, const float *base, const float *ab,
			       int T, int C, int h, int hs)
{
	float datt[MODEL_MAX_CTX];
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3;
	for (int t = 0; t < T; t++)
		for (int j = 0; j < 3; j++)
			memset(dbase + (size_t)t * C3 + (size_t)j * C + (size_t)h * hs, 0,
			       (size_t)hs * sizeof(float));
	for (int t = 0; t < T; t++) {
		const float *row = ab + tri(t);
		const float *d = dout + (size_t)t * C + (size_t)h * hs;
		const float *q = base + (size_t)t * C3 + (size_t)h * hs;
		float *dq = dbase + (size_t)t * C3 + (size_t)h * hs;
		float dot = 0.0f;
		for (int t2 = 0; t2 <= t; t2++) {
			const float *v = base + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float *dv = dbase + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float s = 0.0f, a = row[t2];
#pragma omp simd reduction(+ : s)
			for (int i = 0; i < hs; i++) {
				s += d[i] * v[i];
				dv[i] += a * d[i];
			}
			datt[t2] = s;
			dot += a * s;
		}
		for (int t2 = 0; t2 <= t; t2++) {
			float dpre = row[t2] * (datt[t2] - dot) * scale;
			const float *k = base + (size_t)t2 * C3 + C + (size_t)h * hs;
			float *dk = dbase + (size_t)t2 * C3 + C + (size_t)h * hs;
#pragma omp simd
			for (int i = 0; i < hs; i++) {
				dq[i] += dpre * k[i];
				dk[i] += dpre * q[i];
			}
		}
	}
}

/* From dout (B,T,C): dqkv (B,T,3C) = gradient of the attention input (written,
 * not added), using qkv and att from the forward; plain loops. */
void model_attention_backward_naive(float *dqkv, const float *dout, const float *qkv,
				    const float *att, int B, int T, int C, int NH)
{
	int hs = C / NH;
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		attn_head_backward(dqkv + (size_t)b * T * C3, dout + (size_t)b * T * C,
				   qkv + (size_t)b * T * C3, att + (size_t)bh * TT, T, C, h, hs);
	}
}

/* Causal softmax of the rows of S (T,T) in place (scores already scaled):
 * row t keeps columns 0..t, the rest become 0; the kept prefix is also copied
 * to the triangle ab (T(T+1)/2). */
HOT_CLONES
static void causal_softmax_rows(float *S, float *ab, int T)
{
	for (int t = 0; t < T; t++) {
		float *row = S + (size_t)t * T;
		float mx = -INFINITY;
		for (int j = 0; j <= t; j++)
			mx = row[j] > mx ? row[j] : mx;
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int j = 0; j <= t; j++) {
			row[j] = vexpf(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum;
		float *a = ab + tri(t);
		for (int j = 0; j <= t; j++) {
			row[j] *= inv;
			a[j] = row[j];
		}
		for (int j = t + 1; j < T; j++)
			row[j] = 0.0f;
	}
}

/* dS (T,T) in place from dP (T,T) and the softmax rows ab: for j <= t,
 * dS[t][j] = P[t][j] * (dP[t][j] - sum_k P[t][k] dP[t][k]) * scale; 0 above
 * the diagonal. */
HOT_CLONES
static void causal_softmax_rows_backward(float *dP, const float *ab, int T, float scale)
{
	for (int t = 0; t < T; t++) {
		float *row = dP + (size_t)t * T;
		const float *a = ab + tri(t);
		float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
		for (int j = 0; j <= t; j++)
			dot += a[j] * row[j];
#pragma omp simd
		for (int j = 0; j <= t; j++)
			row[j] = a[j] * (row[j] - dot) * scale;
		for (int j = t + 1; j < T; j++)
			row[j] = 0.0f;
	}
}

/* Causal self-attention with one sgemm per product and (b, h), run
 * single-threaded inside the parallel loop over (b, h); computes the full
 * (T,T) score matrix and masks it, which wastes the upper half but runs at
 * BLAS speed. Shapes as attention_forward_naive; scratch holds T*T floats per
 * thread (omp_get_max_threads() of them). */
void model_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH,
			     float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *S = scratch + (size_t)omp_get_thread_num() * T * T;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		/* S (T,T) = q (T,hs) @ k^T (hs,T) * scale */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, scale, q, (int)C3, k,
			    (int)C3, 0.0f, S, T);
		causal_softmax_rows(S, att + (size_t)bh * TT, T);
		/* out (T,hs) = P (T,T) @ v (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, S, T, v,
			    (int)C3, 0.0f, out + (size_t)b * T * C + (size_t)h * hs, C);
	}
}

/* Backward of attention_forward: dqkv (B,T,3C) written from dout (B,T,C),
 * qkv and att; scratch holds 2*T*T floats per thread. */
void model_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
			      int B, int T, int C, int NH, float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *P = scratch + (size_t)omp_get_thread_num() * 2 * T * T,
		      *dS = P + (size_t)T * T;
		const float *ab = att + (size_t)bh * TT;
		for (int t = 0; t < T; t++) {
			memcpy(P + (size_t)t * T, ab + tri(t), (size_t)(t + 1) * sizeof(float));
			memset(P + (size_t)t * T + t + 1, 0, (size_t)(T - t - 1) * sizeof(float));
		}
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		const float *d = dout + (size_t)b * T * C + (size_t)h * hs;
		float *dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
		float *dk = dq + C, *dv = dq + 2 * (size_t)C;
		/* dv (T,hs) = P^T (T,T) @ dout (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, P, T, d, C,
			    0.0f, dv, (int)C3);
		/* dP (T,T) = dout (T,hs) @ v^T (hs,T) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, d, C, v,
			    (int)C3, 0.0f, dS, T);
		causal_softmax_rows_backward(dS, ab, T, scale);
		/* dq (T,hs) = dS (T,T) @ k (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, dS, T, k,
			    (int)C3, 0.0f, dq, (int)C3);
		/* dk (T,hs) = dS^T (T,T) @ q (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, dS, T, q,
			    (int)C3, 0.0f, dk, (int)C3);
	}
}

/* ---- causal attention in query blocks (long sequences) ----
 * Past m->attn_block positions (ATTN_BLOCK unless a test lowers it), the
 * attention runs in query blocks of that many rows: block i multiplies its
 * queries by the keys up to its own end only, so the sgemms skip the upper
 * blocks of the score matrix instead of computing and masking them (at
 * T = 1024 with blocks of 128 that is 9/16 of the full products, against
 * 1/2 for the exact triangle). Each block's softmax rows are kept as a
 * (rows, keys up to the block's end) matrix, which the backward multiplies
 * directly. The sums run in a different order from the full path, so up to
 * ATTN_BLOCK positions (all of the tiny and small presets, context 128) the
 * full path keeps its results bit for bit. */

/* Floats of one (b, h)'s softmax rows: the lower triangle T(T+1)/2 on the
 * full path (bs 0), else each query block's rows x (keys to its end). */
size_t model_att_head_size(int T, int bs)
{
	if (!bs)
		return tri(T);
	size_t n = 0;
	for (int i0 = 0; i0 < T; i0 += bs) {
		int rows = T - i0 < bs ? T - i0 : bs;
		n += (size_t)rows * (size_t)(i0 + rows);
	}
	return n;
}

/* Causal softmax in place of one query block: P (rows, e) holds the scaled
 * scores of queries t0 .. t0+rows-1 against keys 0 .. e-1 (e = t0 + rows);
 * row r keeps keys 0 .. t0+r and the rest become 0. */
HOT_CLONES
static void causal_softmax_block(float *P, int rows, int e, int t0)
{
	for (int r = 0; r < rows; r++) {
		float *row = P + (size_t)r * e;
		int n = t0 + r + 1;
		float mx = -INFINITY;
		SIMD_MAX_REDUCTION(mx)
		for (int j = 0; j < n; j++)
			mx = row[j] > mx ? row[j] : mx;
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int j = 0; j < n; j++) {
			row[j] = vexpf(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum;
#pragma omp simd
		for (int j = 0; j < n; j++)
			row[j] *= inv;
		for (int j = n; j < e; j++)
			row[j] = 0.0f;
	}
}

/* dS in place of dP (rows, e) for one query block, from its softmax rows P
 * (rows, e): dS = P * (dP - sum_k P dP) * scale on keys 0 .. t0+r, 0 after. */
HOT_CLONES
static void causal_softmax_block_backward(float *dP, const float *P, int rows, int e, int t0,
					  float scale)
{
	for (int r = 0; r < rows; r++) {
		float *row = dP + (size_t)r * e;
		const float *a = P + (size_t)r * e;
		int n = t0 + r + 1;
		float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
		for (int j = 0; j < n; j++)
			dot += a[j] * row[j];
#pragma omp simd
		for (int j = 0; j < n; j++)
			row[j] = a[j] * (row[j] - dot) * scale;
		for (int j = n; j < e; j++)
			row[j] = 0.0f;
	}
}

/* Causal self-attention in query blocks of bs rows (bs >= 1): qkv (B,T,3C),
 * out (B,T,C), att (B,NH,model_att_head_size(T,bs)) the blocks' softmax rows.
 * Parallel over (b, h), each sgemm single-threaded inside. */
void model_attention_forward_blocked(float *out, float *att, const float *qkv, int B, int T, int C,
				     int NH, int bs)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, AH = model_att_head_size(T, bs);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		float *P = att + (size_t)bh * AH;
		for (int i0 = 0; i0 < T; i0 += bs) {
			int rows = T - i0 < bs ? T - i0 : bs, e = i0 + rows;
			/* P (rows,e) = q[i0:e] (rows,hs) @ k[0:e]^T (hs,e) * scale */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e, hs, scale,
				    q + (size_t)i0 * C3, (int)C3, k, (int)C3, 0.0f, P, e);
			causal_softmax_block(P, rows, e, i0);
			/* out[i0:e] (rows,hs) = P (rows,e) @ v[0:e] (e,hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, e, 1.0f, P,
				    e, v, (int)C3, 0.0f,
				    out + ((size_t)b * T + i0) * C + (size_t)h * hs, C);
			P += (size_t)rows * e;
		}
	}
}

/* Backward of attention_forward_blocked: dqkv (B,T,3C) written from dout
 * (B,T,C), qkv and att; scratch holds bs*T floats per thread. The blocks run
 * last to first, so the first one (keys 0..T-1) writes dk and dv and the
 * others add to them. */
void model_attention_backward_blocked(float *dqkv, const float *dout, const float *qkv,
				      const float *att, int B, int T, int C, int NH, int bs,
				      float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, AH = model_att_head_size(T, bs);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *dP = scratch + (size_t)omp_get_thread_num() * bs * T;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		const float *d = dout + (size_t)b * T * C + (size_t)h * hs;
		float *dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
		float *dk = dq + C, *dv = dq + 2 * (size_t)C;
		const float *P = att + (size_t)bh * AH + AH;
		int last = (T - 1) / bs * bs;
		for (int i0 = last; i0 >= 0; i0 -= bs) {
			int rows = T - i0 < bs ? T - i0 : bs, e = i0 + rows;
			float beta = i0 == last ? 0.0f : 1.0f;
			P -= (size_t)rows * e;
			/* dv[0:e] (e,hs) += P^T (e,rows) @ dout[i0:e] (rows,hs) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e, hs, rows, 1.0f, P,
				    e, d + (size_t)i0 * C, C, beta, dv, (int)C3);
			/* dP (rows,e) = dout[i0:e] (rows,hs) @ v[0:e]^T (hs,e) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e, hs, 1.0f,
				    d + (size_t)i0 * C, C, v, (int)C3, 0.0f, dP, e);
			causal_softmax_block_backward(dP, P, rows, e, i0, scale);
			/* dq[i0:e] (rows,hs) = dS (rows,e) @ k[0:e] (e,hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, e, 1.0f,
				    dP, e, k, (int)C3, 0.0f, dq + (size_t)i0 * C3, (int)C3);
			/* dk[0:e] (e,hs) += dS^T (e,rows) @ q[i0:e] (rows,hs) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e, hs, rows, 1.0f, dP,
				    e, q + (size_t)i0 * C3, (int)C3, beta, dk, (int)C3);
		}
	}
}

#define GELU_CHUNK 4096

HOT_CLONES
static void gelu_chunk_forward(float *out, const float *inp, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		out[i] = gelu(inp[i]);
}

HOT_CLONES
static void gelu_chunk_backward(float *d, const float *inp, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		d[i] *= gelu_grad(inp[i]);
}

/* out (N) = gelu(inp (N)), tanh form. */
void model_gelu_forward(float *out, const float *inp, size_t N)
{
	long nch = (long)((N + GELU_CHUNK - 1) / GELU_CHUNK);
#pragma omp parallel for if (PAR(N))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * GELU_CHUNK;
		gelu_chunk_forward(out + i0, inp + i0, N - i0 < GELU_CHUNK ? N - i0 : GELU_CHUNK);
	}
}

/* d (N) *= gelu'(inp (N)) in place: d is the gradient of the output on entry
 * and of the input on return. */
void model_gelu_backward(float *d, const float *inp, size_t N)
{
	long nch = (long)((N + GELU_CHUNK - 1) / GELU_CHUNK);
#pragma omp parallel for if (PAR(N))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * GELU_CHUNK;
		gelu_chunk_backward(d + i0, inp + i0, N - i0 < GELU_CHUNK ? N - i0 : GELU_CHUNK);
	}
}

/* x (n) *= s. */
HOT_CLONES
static void vec_scale(float *x, float s, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

/* vec_scale for the other files: a function with target_clones is called
 * through its resolver only from the file that defines it (clang gives
 * other files no symbol to link to), so they call this one. */
void model_vec_scale(float *x, float s, size_t n)
{
	vec_scale(x, s, n);
}

/* Largest of x (n), n >= 1 (exact in any order). */
HOT_CLONES
static float vec_max(const float *x, int n)
{
	float mx = -INFINITY;
	SIMD_MAX_REDUCTION(mx)
	for (int i = 0; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	return mx;
}

/* p (n) = exp(p - mx); returns the sum, as the baseline build's vectors add
 * it up. */
static float exp_sum_base(float *p, int n, float mx)
{
	float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
	for (int i = 0; i < n; i++) {
		p[i] = vexpf(p[i] - mx);
		sum += p[i];
	}
	return sum;
}

/* The same in the CPU's widest vectors (a different order of the sum). */
HOT_CLONES
static float exp_sum_wide(float *p, int n, float mx)
{
	float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
	for (int i = 0; i < n; i++) {
		p[i] = vexpf(p[i] - mx);
		sum += p[i];
	}
	return sum;
}

/* Vocabularies from this size up (GPT-2's 50,257) sum the softmax in the
 * widest vectors; below it (the presets' 512) the sum keeps the order the
 * documented runs were made with. */
#define SOFTMAX_WIDE_MIN_V 8192

/* probs (N,V): logits in, softmax out; nll (N) = -log p[target] (0 where the
 * target is < 0). */
static void softmax_xent_forward(float *probs, float *nll, const int32_t *targets, int N, int V)
{
#pragma omp parallel for if (PAR((size_t)N * V))
	for (int n = 0; n < N; n++) {
		float *p = probs + (size_t)n * V;
		float mx = vec_max(p, V);
		float sum = V >= SOFTMAX_WIDE_MIN_V ? exp_sum_wide(p, V, mx)
						    : exp_sum_base(p, V, mx);
		float inv = 1.0f / sum;
		vec_scale(p, inv, (size_t)V);
		if (targets) {
			int32_t tg = targets[n];
			nll[n] = tg >= 0 ? -logf(p[tg] > 1e-30f ? p[tg] : 1e-30f) : 0.0f;
		}
	}
}

/* probs (N,V) become dlogits in place: (p - onehot(target)) * w (N). */
static void softmax_xent_backward(float *probs, const int32_t *targets, const float *w, int N,
				  int V)
{
#pragma omp parallel for if (PAR((size_t)N * V))
	for (int n = 0; n < N; n++) {
		float *p = probs + (size_t)n * V;
		float wn = w[n];
		if (wn == 0.0f || targets[n] < 0) {
			memset(p, 0, (size_t)V * sizeof(float));
			continue;
		}
		vec_scale(p, wn, (size_t)V);
		p[targets[n]] -= wn;
	}
}

void model_softmax_xent(float *probs, float *nll, const int32_t *targets, int N, int V)
{
	softmax_xent_forward(probs, nll, targets, N, V);
}

void model_softmax_xent_backward(float *probs, const int32_t *targets, const float *w, int N, int V)
{
	softmax_xent_backward(probs, targets, w, N, V);
}
