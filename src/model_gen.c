/* model_gen: one-token decoding shared by the GPT-2 and Llama students:
 * the matrix-vector product, attention of one query over a KV cache and the
 * greedy loop that feeds a model its prompt and its own choices until a stop
 * token, a length limit or a full context. */
#include "mentor/model.h"

#include <math.h>
#include <stddef.h>

#include "model_int.h"

/* Matrices of at least this many weights (2 MiB) are multiplied by the
 * thread team when decoding; smaller ones serially. */
#define GEMV_PAR_MIN ((size_t)1 << 19)
/* From this many weights (GPT-2 small's QKV, MLP and output head; no
 * preset's matrix) gemv walks four rows at a time. */
#define GEMV_ROWS4_MIN ((size_t)1 << 20)

/* y (OC) = W (OC,C) @ x (C) + b (OC, may be NULL) [+ y when accumulate].
 * A plain loop rather than BLAS: one token's matrix-vector products are too
 * small to pay for waking BLAS threads on every call. Small matrices (the
 * tiny and small presets') are multiplied serially; from GEMV_PAR_MIN
 * weights on, reading the matrix from memory costs far more than waking the
 * team, so the rows are split over the threads (each output is the same sum
 * on any thread). */
HOT_CLONES
static void gemv(float *y, const float *W, const float *x, const float *b, int OC, int C,
		 int accumulate)
{
#pragma omp parallel for if ((size_t)OC * C >= GEMV_PAR_MIN)
	for (int o = 0; o < OC; o++) {
		const float *w = W + (size_t)o * C;
		float s = 0.0f;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < C; i++)
			s += w[i] * x[i];
		if (b)
			s += b[o];
		y[o] = accumulate ? y[o] + s : s;
	}
}

/* The same for large matrices (OC a multiple of 4 or not), four rows per
 * pass over x: four streams from memory at once and one load of x for four
 * products. Its sums may group differently from gemv's, hence the size
 * gate in gemv_any. */
HOT_CLONES
static void gemv_rows4(float *y, const float *W, const float *x, const float *b, int OC, int C,
		       int accumulate)
{
	int nq = (OC + 3) / 4;
#pragma omp parallel for
	for (int q = 0; q < nq; q++) {
		int o0 = q * 4, n = OC - o0 < 4 ? OC - o0 : 4;
		float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
		if (n == 4) {
			const float *w0 = W + (size_t)o0 * C, *w1 = w0 + C, *w2 = w1 + C,
				    *w3 = w2 + C;
			float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
			for (int i = 0; i < C; i++) {
				float xi = x[i];
				s0 += w0[i] * xi;
				s1 += w1[i] * xi;
				s2 += w2[i] * xi;
				s3 += w3[i] * xi;
			}
			s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
		} else {
			for (int k = 0; k < n; k++) {
				const float *w = W + (size_t)(o0 + k) * C;
				float t = 0.0f;
#pragma omp simd reduction(+ : t)
				for (int i = 0; i < C; i++)
					t += w[i] * x[i];
				s[k] = t;
			}
		}
		for (int k = 0; k < n; k++) {
			float v = b ? s[k] + b[o0 + k] : s[k];
			y[o0 + k] = accumulate ? y[o0 + k] + v : v;
		}
	}
}

static void gemv_any(float *y, const float *W, const float *x, const float *b, int OC, int C,
		     int accumulate)
{
	if ((size_t)OC * C >= GEMV_ROWS4_MIN)
		gemv_rows4(y, W, x, b, OC, C, accumulate);
	else
		gemv(y, W, x, b, OC, C, accumulate);
}

void model_gemv(float *y, const float *W, const float *x, const float *b, int OC, int C,
		int accumulate)
{
	gemv_any(y, W, x, b, OC, C, accumulate);
}

void model_attend_one(float *o, const float *q, const float *k, const float *v, size_t stride,
		      int n, int hs, float scale, float *att)
{
	float mx = -INFINITY;
	for (int t2 = 0; t2 < n; t2++) {
		const float *kk = k + (size_t)t2 * stride;
		float s = 0.0f;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < hs; i++)
			s += q[i] * kk[i];
		att[t2] = s * scale;
		if (att[t2] > mx)
			mx = att[t2];
	}
	float sum = 0.0f;
	for (int t2 = 0; t2 < n; t2++) {
		att[t2] = vexpf(att[t2] - mx);
		sum += att[t2];
	}
	float inv = 1.0f / sum;
	for (int i = 0; i < hs; i++)
		o[i] = 0.0f;
	for (int t2 = 0; t2 < n; t2++) {
		const float *vv = v + (size_t)t2 * stride;
		float a = att[t2] * inv;
#pragma omp simd
		for (int i = 0; i < hs; i++)
			o[i] += a * vv[i];
	}
}

static int32_t argmax(const float *x, int n)
{
	int32_t best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

int model_greedy(void *ctx, model_step_fn step, int V, int max_seq_len, const int32_t *prompt,
		 size_t n_prompt, int32_t stop_token, size_t max_new, int32_t *out, size_t *n_out,
		 int *stopped, char *err)
{
	*n_out = 0;
	if (stopped)
		*stopped = 0;
	if (!prompt || n_prompt < 1) {
		util_err(err, "cannot generate: empty prompt");
		return MENTOR_EUSAGE;
	}
	size_t keep = (size_t)max_seq_len - 1;
	if (keep < 1)
		keep = 1;
	if (n_prompt > keep) {
		prompt += n_prompt - keep;
		n_prompt = keep;
	}
	const float *lg = NULL;
	int rc;
	for (size_t i = 0; i < n_prompt; i++) {
		rc = step(ctx, prompt[i], &lg, err);
		if (rc)
			return rc;
	}
	size_t fed = n_prompt;
	while (*n_out < max_new) {
		int32_t next = argmax(lg, V);
		if (next == stop_token) {
			if (stopped)
				*stopped = 1;
			break;
		}
		out[(*n_out)++] = next;
		if (*n_out >= max_new || fed >= (size_t)max_seq_len)
			break;
		rc = step(ctx, next, &lg, err);
		if (rc)
			return rc;
		fed++;
	}
	return 0;
}
