/* The Llama-family model: central-difference gradient checks of each layer
 * alone (RMSNorm, RoPE, q/k norm with RoPE, SwiGLU, grouped-query attention)
 * and of whole tiny Llama, Qwen2 and Qwen3 models, attention against plain
 * loops, KV-cache decoding against the full forward, causality,
 * determinism, AdamW, a tiny model learning a toy pattern, gradient
 * checkpointing and frozen embedding/head against the plain path bit for
 * bit, and half batches adding up to the whole batch's gradient. */
#include "mentor/llama.h"

#include <omp.h>

#include "test.h"

/* Central-difference step and tolerance of every check below: float
 * forwards, so the numeric derivative carries about 1e-7 * |f| / h of
 * rounding; |num - ana| <= 2e-3 + 3e-2 * max(|num|, |ana|). */
#define GRAD_H 5e-3f
static int grad_close(double num, double ana)
{
	return fabs(num - ana) <= 2e-3 + 3e-2 * fmax(fabs(num), fabs(ana));
}

static void fill(float *x, size_t n, struct rng *r, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		x[i] = lo + (hi - lo) * (float)rng_unit(r);
}

static double dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static float *xalloc(size_t n)
{
	float *p = calloc(n ? n : 1, sizeof(float));
	if (!p)
		TEST_SETUP_FAIL("out of memory");
	return p;
}

/* A layer under test: fwd computes out from the inputs; the scalar checked
 * is sum(out * R). */
struct layer {
	void (*fwd)(struct layer *L);
	float *in[3];
	size_t n_in[3];
	float *out;
	size_t n_out;
	void *ctx;
};

/* Compare the analytic gradients grads[k] (n_in[k]) with central
 * differences of sum(out * R) for every input element. */
static int grad_check(struct layer *L, float *const *grads, const float *R, const char *what)
{
	int bad = 0;
	for (int k = 0; k < 3 && L->in[k]; k++) {
		for (size_t i = 0; i < L->n_in[k]; i++) {
			float keep = L->in[k][i];
			L->in[k][i] = keep + GRAD_H;
			L->fwd(L);
			double fp = dot(L->out, R, L->n_out);
			L->in[k][i] = keep - GRAD_H;
			L->fwd(L);
			double fm = dot(L->out, R, L->n_out);
			L->in[k][i] = keep;
			double num = (fp - fm) / (2 * GRAD_H), ana = grads[k][i];
			if (!grad_close(num, ana)) {
				if (bad++ < 5)
					fprintf(stderr, "%s: input %d[%zu]: num %g ana %g\n", what,
						k, i, num, ana);
			}
		}
	}
	L->fwd(L);
	return bad;
}

/* ---- RMSNorm ---- */

struct norm_ctx {
	int N, C;
	float *rstd;
};

static void norm_fwd(struct layer *L)
{
	struct norm_ctx *c = L->ctx;
	llama_rmsnorm_forward(L->out, c->rstd, L->in[0], L->in[1], c->N, c->C, 1e-5f);
}

static void test_rmsnorm(void)
{
	enum { N = 5, C = 7 };
	struct rng r;
	rng_seed(&r, 1);
	float x[N * C], w[C], out[N * C], R[N * C], rstd[N], dx[N * C] = {0}, dw[C] = {0};
	fill(x, N * C, &r, -2, 2);
	fill(w, C, &r, 0.5f, 1.5f);
	fill(R, N * C, &r, -1, 1);
	struct norm_ctx c = {N, C, rstd};
	struct layer L = {norm_fwd, {x, w, NULL}, {N * C, C, 0}, out, N * C, &c};
	L.fwd(&L);
	/* the definition: x / sqrt(mean(x^2) + eps) * w */
	double ms = 0;
	for (int i = 0; i < C; i++)
		ms += (double)x[C + i] * x[C + i];
	CHECK_NEAR(out[C + 3], x[C + 3] / sqrt(ms / C + 1e-5) * w[3], 1e-5);
	llama_rmsnorm_backward(dx, dw, R, x, w, rstd, N, C);
	float *g[3] = {dx, dw, NULL};
	CHECK_INT(grad_check(&L, g, R, "rmsnorm"), 0);
}

/* ---- RoPE, alone and after the per-head q/k norm ---- */

struct rope_ctx {
	int B, T, H, D;
	const float *cs, *sn;
	float *tmp, *rstd; /* q/k norm: the normed heads before rotation */
};

static void rope_fwd(struct layer *L)
{
	struct rope_ctx *c = L->ctx;
	memcpy(L->out, L->in[0], L->n_out * sizeof(float));
	llama_rope_forward(L->out, c->cs, c->sn, c->B, c->T, c->H, c->D);
}

static void qknorm_fwd(struct layer *L)
{
	struct rope_ctx *c = L->ctx;
	llama_rmsnorm_forward(L->out, c->rstd, L->in[0], L->in[1], c->B * c->T * c->H, c->D, 1e-6f);
	llama_rope_forward(L->out, c->cs, c->sn, c->B, c->T, c->H, c->D);
}

static void test_rope(void)
{
	char err[MENTOR_ERR_LEN];
	/* known values: D 4, theta 10000 gives frequencies 1 and 0.01; position
	 * 1 rotates (x0, x2) by 1 radian and (x1, x3) by 0.01 (rotate_half) */
	struct llama_config cfg;
	const char *js = "{\"model_type\":\"llama\",\"hidden_size\":8,\"num_attention_heads\":2,"
			 "\"intermediate_size\":8,\"num_hidden_layers\":1,\"vocab_size\":4}";
	CHECK_INT(llama_config_from_json(js, strlen(js), &cfg, err), 0);
	float cs[2 * 2], sn[2 * 2];
	llama_rope_tables(&cfg, cs, sn, 2);
	CHECK_NEAR(cs[0], 1.0, 0);
	CHECK_NEAR(cs[2], cos(1.0), 1e-6);
	CHECK_NEAR(sn[3], sin(0.01), 1e-7);
	float x[2 * 4] = {9, 9, 9, 9, 1, 2, 3, 4};
	llama_rope_forward(x, cs, sn, 1, 2, 1, 4);
	CHECK_NEAR(x[0], 9.0, 0); /* position 0 does not move */
	CHECK_NEAR(x[4], 1 * cos(1.0) - 3 * sin(1.0), 1e-6);
	CHECK_NEAR(x[6], 3 * cos(1.0) + 1 * sin(1.0), 1e-6);
	CHECK_NEAR(x[5], 2 * cos(0.01) - 4 * sin(0.01), 1e-6);
	CHECK_NEAR(x[7], 4 * cos(0.01) + 2 * sin(0.01), 1e-6);

	/* llama3 scaling: high frequencies kept, low ones divided by factor */
	const char *j3 = "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_attention_heads\":1,"
			 "\"intermediate_size\":8,\"num_hidden_layers\":1,\"vocab_size\":4,"
			 "\"rope_theta\":500000,\"rope_scaling\":{\"rope_type\":\"llama3\","
			 "\"factor\":8,\"low_freq_factor\":1,\"high_freq_factor\":4,"
			 "\"original_max_position_embeddings\":64}}";
	struct llama_config c3;
	CHECK_INT(llama_config_from_json(j3, strlen(j3), &c3, err), 0);
	CHECK_INT(c3.rope_type, LLAMA_ROPE_LLAMA3);
	float c3s[2 * 32], c3n[2 * 32];
	llama_rope_tables(&c3, c3s, c3n, 2);
	double f0 = atan2(c3n[32], c3s[32]), f31 = atan2(c3n[63], c3s[63]);
	CHECK_NEAR(f0, 1.0, 1e-6); /* wavelength 2 pi < 64 / 4: unchanged */
	double base31 = 1.0 / pow(500000.0, 62.0 / 64);
	CHECK_NEAR(f31, base31 / 8, 1e-9); /* wavelength > 64: divided by 8 */

	enum { B = 2, T = 3, H = 2, D = 6, NX = B * T * H * D };
	struct rng r;
	rng_seed(&r, 2);
	float tc[T * D / 2], ts[T * D / 2], in[NX], out[NX], R[NX], dx[NX];
	for (int i = 0; i < T * D / 2; i++) {
		double a = 0.3 * (i + 1);
		tc[i] = (float)cos(a), ts[i] = (float)sin(a);
	}
	fill(in, NX, &r, -1, 1);
	fill(R, NX, &r, -1, 1);
	struct rope_ctx c = {B, T, H, D, tc, ts, NULL, NULL};
	struct layer L = {rope_fwd, {in, NULL, NULL}, {NX, 0, 0}, out, NX, &c};
	L.fwd(&L);
	memcpy(dx, R, sizeof dx);
	llama_rope_backward(dx, tc, ts, B, T, H, D);
	float *g[3] = {dx, NULL, NULL};
	CHECK_INT(grad_check(&L, g, R, "rope"), 0);

	/* q/k norm (RMSNorm of each head over D, shared weight) then RoPE */
	float w[D], rstd[B * T * H], dnorm[NX] = {0}, dw[D] = {0};
	fill(w, D, &r, 0.5f, 1.5f);
	c.rstd = rstd;
	struct layer Q = {qknorm_fwd, {in, w, NULL}, {NX, D, 0}, out, NX, &c};
	Q.fwd(&Q);
	memcpy(dx, R, sizeof dx);
	llama_rope_backward(dx, tc, ts, B, T, H, D);
	llama_rmsnorm_backward(dnorm, dw, dx, in, w, rstd, B * T * H, D);
	float *gq[3] = {dnorm, dw, NULL};
	CHECK_INT(grad_check(&Q, gq, R, "qk norm"), 0);
}

/* ---- SwiGLU ---- */

static void swiglu_fwd(struct layer *L)
{
	llama_swiglu_forward(L->out, L->in[0], L->in[1], L->n_out);
}

static void test_swiglu(void)
{
	enum { N = 40 };
	struct rng r;
	rng_seed(&r, 3);
	float g[N], u[N], h[N], R[N], dg[N], du[N];
	fill(g, N, &r, -6, 6);
	fill(u, N, &r, -2, 2);
	fill(R, N, &r, -1, 1);
	struct layer L = {swiglu_fwd, {g, u, NULL}, {N, N, 0}, h, N, NULL};
	L.fwd(&L);
	CHECK_NEAR(h[5], g[5] / (1 + exp(-g[5])) * u[5], 1e-5);
	llama_swiglu_backward(dg, du, R, g, u, N);
	float *gr[3] = {dg, du, NULL};
	CHECK_INT(grad_check(&L, gr, R, "swiglu"), 0);
}

/* ---- grouped-query attention ---- */

struct att_ctx {
	int B, T, NH, NKV, D;
	float *att, *scratch;
};

static void att_fwd(struct layer *L)
{
	struct att_ctx *c = L->ctx;
	llama_attention_forward(L->out, c->att, L->in[0], L->in[1], L->in[2], c->B, c->T, c->NH,
				c->NKV, c->D, c->scratch);
}

/* The same with plain loops in double. */
static void att_naive(double *out, const float *q, const float *k, const float *v, int B, int T,
		      int NH, int NKV, int D)
{
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++)
			for (int t = 0; t < T; t++) {
				int kh = h / (NH / NKV);
				const float *qq = q + ((size_t)(b * T + t) * NH + h) * D;
				double s[160], mx = -1e300, sum = 0; /* T <= 160 */
				for (int u = 0; u <= t; u++) {
					const float *kk = k + ((size_t)(b * T + u) * NKV + kh) * D;
					s[u] = 0;
					for (int i = 0; i < D; i++)
						s[u] += (double)qq[i] * kk[i];
					s[u] /= sqrt((double)D);
					mx = fmax(mx, s[u]);
				}
				for (int u = 0; u <= t; u++)
					sum += s[u] = exp(s[u] - mx);
				double *o = out + ((size_t)(b * T + t) * NH + h) * D;
				for (int i = 0; i < D; i++) {
					o[i] = 0;
					for (int u = 0; u <= t; u++)
						o[i] += s[u] / sum *
							v[((size_t)(b * T + u) * NKV + kh) * D + i];
				}
			}
}

/* Attention of one shape against the plain loops, and its backward against
 * central differences. */
static void attention_case(int B, int T, int NH, int NKV, int D, uint64_t seed, const char *what)
{
	size_t nq = (size_t)B * T * NH * D, nk = (size_t)B * T * NKV * D;
	struct rng r;
	rng_seed(&r, seed);
	float *q = xalloc(nq), *k = xalloc(nk), *v = xalloc(nk), *out = xalloc(nq);
	float *R = xalloc(nq), *dq = xalloc(nq), *dk = xalloc(nk), *dv = xalloc(nk);
	float *att = xalloc((size_t)B * NH * T * (T + 1) / 2);
	float *scratch = xalloc((size_t)omp_get_max_threads() * 2 * T * T);
	double *ref = calloc(nq, sizeof *ref);
	if (!ref)
		TEST_SETUP_FAIL("out of memory");
	fill(q, nq, &r, -1.5f, 1.5f);
	fill(k, nk, &r, -1.5f, 1.5f);
	fill(v, nk, &r, -1, 1);
	fill(R, nq, &r, -1, 1);
	struct att_ctx c = {B, T, NH, NKV, D, att, scratch};
	struct layer L = {att_fwd, {q, k, v}, {nq, nk, nk}, out, nq, &c};
	L.fwd(&L);
	att_naive(ref, q, k, v, B, T, NH, NKV, D);
	double maxd = 0;
	for (size_t i = 0; i < nq; i++)
		maxd = fmax(maxd, fabs(ref[i] - out[i]));
	CHECK_MSG(maxd < 1e-5, "%s differs from the plain loops by %g", what, maxd);
	/* dk, dv gather from every query head of their group */
	llama_attention_backward(dq, dk, dv, R, q, k, v, att, B, T, NH, NKV, D, scratch);
	float *g[3] = {dq, dk, dv};
	CHECK_INT(grad_check(&L, g, R, what), 0);
	free(q), free(k), free(v), free(out), free(R), free(dq), free(dk), free(dv);
	free(att), free(scratch), free(ref);
}

static void test_attention(void)
{
	attention_case(2, 5, 4, 2, 4, 4, "gqa attention");
	/* multi-query (NKV == 1) and multi-head (NKV == NH) too */
	attention_case(2, 5, 4, 1, 4, 5, "mqa attention");
	attention_case(2, 5, 4, 4, 4, 6, "mha attention");
	/* T spanning several blocks of query rows, the last one short */
	attention_case(1, 150, 2, 1, 4, 14, "blocked attention");
}

/* ---- whole models ---- */

static struct llama *new_llama(const struct llama_config *cfg, uint64_t seed)
{
	char err[MENTOR_ERR_LEN];
	struct llama *m;
	if (llama_new(cfg, seed, &m, err))
		TEST_SETUP_FAIL("llama_new: %s", err);
	return m;
}

/* Tiny configs of each family. */
static struct llama_config tiny_llama(void)
{
	struct llama_config c = {.family = LLAMA_FAMILY_LLAMA,
				 .vocab_size = 11,
				 .hidden_size = 8,
				 .intermediate_size = 12,
				 .n_layer = 2,
				 .n_head = 2,
				 .n_kv_head = 1,
				 .head_dim = 4,
				 .max_seq_len = 8,
				 .rope_theta = 10000.0,
				 .rope_type = LLAMA_ROPE_LLAMA3,
				 .rope_factor = 4.0,
				 .rope_low_freq_factor = 1.0,
				 .rope_high_freq_factor = 4.0,
				 .rope_original_max_pos = 8,
				 .rms_norm_eps = 1e-5,
				 .attention_bias = 1};
	return c;
}

static struct llama_config tiny_qwen2(void)
{
	struct llama_config c = {.family = LLAMA_FAMILY_QWEN2,
				 .vocab_size = 13,
				 .hidden_size = 8,
				 .intermediate_size = 10,
				 .n_layer = 2,
				 .n_head = 4,
				 .n_kv_head = 2,
				 .head_dim = 2,
				 .max_seq_len = 8,
				 .rope_theta = 1000000.0,
				 .rms_norm_eps = 1e-6,
				 .attention_bias = 1,
				 .tie_word_embeddings = 1};
	return c;
}

static struct llama_config tiny_qwen3(void)
{
	struct llama_config c = {.family = LLAMA_FAMILY_QWEN3,
				 .vocab_size = 9,
				 .hidden_size = 8,
				 .intermediate_size = 12,
				 .n_layer = 2,
				 .n_head = 4,
				 .n_kv_head = 2,
				 .head_dim = 6,
				 .max_seq_len = 8,
				 .rope_theta = 1000000.0,
				 .rms_norm_eps = 1e-6,
				 .qk_norm = 1,
				 .tie_word_embeddings = 1};
	return c;
}

static void perturb(struct llama *m, uint64_t seed, float amp)
{
	struct rng r;
	rng_seed(&r, seed);
	float *p = llama_params(m);
	for (size_t i = 0; i < llama_num_params(m); i++)
		p[i] += amp * (float)(2.0 * rng_unit(&r) - 1.0);
}

static void full_gradient(const struct llama_config *cfg, const char *what)
{
	char err[MENTOR_ERR_LEN];
	struct llama *m = new_llama(cfg, 3);
	perturb(m, 99, 0.3f);
	enum { B = 2, T = 5 };
	int V = cfg->vocab_size;
	struct rng r;
	rng_seed(&r, 7);
	int32_t in[B * T], tg[B * T];
	float w[B * T];
	for (int i = 0; i < B * T; i++) {
		in[i] = (int32_t)rng_below(&r, (uint64_t)V);
		tg[i] = (int32_t)rng_below(&r, (uint64_t)V);
		w[i] = (float)(i % 3);
	}
	tg[4] = -1;
	float loss;
	llama_zero_grad(m);
	CHECK_INT(llama_forward(m, in, tg, w, B, T, &loss, err), 0);
	CHECK_INT(llama_backward(m, err), 0);
	size_t np = llama_num_params(m);
	float *g = xalloc(np), *p = llama_params(m);
	memcpy(g, llama_grads(m), np * sizeof *g);
	int bad = 0;
	double maxerr = 0;
	for (size_t i = 0; i < np; i++) {
		float keep = p[i], lp, lm;
		p[i] = keep + GRAD_H;
		llama_forward(m, in, tg, w, B, T, &lp, err);
		p[i] = keep - GRAD_H;
		llama_forward(m, in, tg, w, B, T, &lm, err);
		p[i] = keep;
		double num = ((double)lp - lm) / (2 * GRAD_H);
		maxerr = fmax(maxerr, fabs(num - g[i]));
		if (!grad_close(num, g[i]) && bad++ < 8)
			fprintf(stderr, "%s: param %zu: num %g ana %g\n", what, i, num, g[i]);
	}
	CHECK_MSG(bad == 0, "%s: %d of %zu gradients off (max abs err %g)", what, bad, np, maxerr);
	/* every tensor gets some gradient (no path left out) */
	for (int t = 0; t < llama_num_tensors(m); t++) {
		const char *name;
		size_t off, size;
		llama_tensor_info(m, t, &name, &off, &size, NULL, NULL, NULL);
		double s = 0;
		for (size_t i = 0; i < size; i++)
			s += fabs(g[off + i]);
		CHECK_MSG(s > 0, "%s: no gradient reaches %s", what, name);
	}
	/* accumulation, and backward only after a forward with targets */
	llama_forward(m, in, tg, w, B, T, &loss, err);
	llama_backward(m, err);
	double maxd = 0;
	for (size_t i = 0; i < np; i++)
		maxd = fmax(maxd, fabs(llama_grads(m)[i] - 2 * g[i]));
	CHECK(maxd < 1e-5);
	CHECK(llama_logits(m) == NULL && llama_token_nll(m) != NULL);
	CHECK_INT(llama_backward(m, err), MENTOR_EUSAGE);
	llama_forward(m, in, NULL, NULL, B, T, NULL, err);
	CHECK_INT(llama_backward(m, err), MENTOR_EUSAGE);
	free(g);
	llama_free(m);
}

static void test_full_gradients(void)
{
	struct llama_config a = tiny_llama(), b = tiny_qwen2(), c = tiny_qwen3();
	full_gradient(&a, "llama");
	full_gradient(&b, "qwen2");
	full_gradient(&c, "qwen3");
}

static void test_layout(void)
{
	struct llama_config c = tiny_qwen3();
	struct llama *m = new_llama(&c, 5);
	/* embed, 2 x (2 norms + q k v o + q/k norms + 3 MLP), final norm; tied */
	CHECK_INT(llama_num_tensors(m), 1 + 2 * 11 + 1);
	size_t expect = 0;
	for (int i = 0; i < llama_num_tensors(m); i++) {
		const char *name;
		size_t off, size;
		int rows, cols, decay;
		CHECK_INT(llama_tensor_info(m, i, &name, &off, &size, &rows, &cols, &decay), 0);
		CHECK_INT(off, expect);
		CHECK_INT(size, (size_t)rows * cols);
		expect += size;
		CHECK_INT(decay, rows > 1);
		CHECK_INT(llama_tensor_find(m, name), i);
	}
	CHECK_INT(expect, llama_num_params(m));
	CHECK_INT(expect, llama_config_num_params(&c));
	CHECK_INT(llama_tensor_info(m, -1, NULL, NULL, NULL, NULL, NULL, NULL), MENTOR_EUSAGE);
	int q = llama_tensor_find(m, "model.layers.1.self_attn.q_proj.weight");
	int rows, cols;
	llama_tensor_info(m, q, NULL, NULL, NULL, &rows, &cols, NULL);
	CHECK_INT(rows, 24); /* 4 heads of 6: wider than hidden 8 */
	CHECK_INT(cols, 8);
	int o = llama_tensor_find(m, "model.layers.0.self_attn.o_proj.weight");
	llama_tensor_info(m, o, NULL, NULL, NULL, &rows, &cols, NULL);
	CHECK(rows == 8 && cols == 24);
	size_t off;
	llama_tensor_info(m, llama_tensor_find(m, "model.layers.0.self_attn.k_norm.weight"), NULL,
			  &off, NULL, &rows, &cols, NULL);
	CHECK(rows == 1 && cols == 6);
	CHECK_NEAR(llama_params(m)[off], 1.0, 0);
	CHECK_INT(llama_tensor_find(m, "lm_head.weight"), -1);
	CHECK_INT(llama_tensor_find(m, "model.layers.0.self_attn.q_proj.bias"), -1);
	CHECK_INT(llama_tensor_find(m, NULL), -1);
	llama_free(m);
	struct llama_config a = tiny_llama(), b = tiny_qwen2();
	m = new_llama(&a, 5);
	CHECK(llama_tensor_find(m, "lm_head.weight") >= 0);
	CHECK(llama_tensor_find(m, "model.layers.1.self_attn.o_proj.bias") >= 0);
	CHECK_INT(llama_tensor_find(m, "model.layers.0.self_attn.q_norm.weight"), -1);
	llama_free(m);
	m = new_llama(&b, 5);
	int kb = llama_tensor_find(m, "model.layers.1.self_attn.k_proj.bias");
	CHECK(kb >= 0);
	llama_tensor_info(m, kb, NULL, &off, NULL, &rows, &cols, NULL);
	CHECK(rows == 1 && cols == 4 && llama_params(m)[off] == 0.0f);
	CHECK_INT(llama_tensor_find(m, "model.layers.0.self_attn.o_proj.bias"), -1);
	llama_free(m);
	llama_free(NULL);
}

/* Logits at positions before a changed token do not move; after it they do. */
static void test_causality(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c = tiny_qwen3();
	c.max_seq_len = 16;
	struct llama *m = new_llama(&c, 9);
	perturb(m, 5, 0.3f);
	enum { T = 12 };
	int V = c.vocab_size;
	int32_t seq[T] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3};
	float a[T * 9], b[T * 9];
	CHECK_INT(llama_forward(m, seq, NULL, NULL, 1, T, NULL, err), 0);
	memcpy(a, llama_logits(m), sizeof a);
	seq[7] = 3;
	CHECK_INT(llama_forward(m, seq, NULL, NULL, 1, T, NULL, err), 0);
	memcpy(b, llama_logits(m), sizeof b);
	double before = 0, after = 0;
	for (int t = 0; t < T; t++)
		for (int v = 0; v < V; v++) {
			double d = fabs(a[t * V + v] - b[t * V + v]);
			if (t < 7)
				before = fmax(before, d);
			else
				after = fmax(after, d);
		}
	CHECK_MSG(before == 0.0, "earlier positions moved by %g", before);
	CHECK(after > 1e-4);
	llama_free(m);
}

/* KV-cache decoding gives the full forward's logits at every position, and
 * greedy generation the full forward's argmax. */
static void kv_decode(const struct llama_config *cfg0, const char *what)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config cfg = *cfg0;
	cfg.max_seq_len = 12;
	struct llama *m = new_llama(&cfg, 11);
	perturb(m, 17, 0.5f);
	int V = cfg.vocab_size;
	int32_t seq[12] = {3, 1, 4, 1, 5, 0, 2, 6, 5, 3, 5, 8};
	CHECK_INT(llama_forward(m, seq, NULL, NULL, 1, 12, NULL, err), 0);
	float *full = xalloc((size_t)12 * V);
	memcpy(full, llama_logits(m), (size_t)12 * V * sizeof(float));
	CHECK_INT(llama_kv_reset(m, err), 0);
	double maxd = 0;
	for (int t = 0; t < 12; t++) {
		const float *lg;
		CHECK_INT(llama_kv_step(m, seq[t], &lg, err), 0);
		for (int v = 0; v < V; v++)
			maxd = fmax(maxd, fabs(lg[v] - full[t * V + v]));
	}
	CHECK_MSG(maxd < 1e-4, "%s: kv logits differ by %g", what, maxd);
	CHECK_INT(llama_kv_len(m), 12);
	const float *lg;
	CHECK_INT(llama_kv_step(m, 1, &lg, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "full") != NULL);
	llama_kv_reset(m, err);
	CHECK_INT(llama_kv_step(m, V, &lg, err), MENTOR_EUSAGE);
	CHECK_INT(llama_kv_step(m, -1, &lg, err), MENTOR_EUSAGE);

	int32_t prompt[3] = {2, 7 % V, 1}, out[20], ctx[13];
	size_t n;
	int stopped;
	CHECK_INT(llama_generate(m, prompt, 3, -1, 20, out, &n, &stopped, err), 0);
	CHECK_INT(n, 10);
	CHECK_INT(stopped, 0);
	memcpy(ctx, prompt, sizeof prompt);
	int same = 1;
	for (int k = 0; k < (int)n; k++) {
		int len = 3 + k;
		llama_forward(m, ctx, NULL, NULL, 1, len, NULL, err);
		const float *row = llama_logits(m) + (size_t)(len - 1) * V;
		int a = 0;
		for (int v = 1; v < V; v++)
			if (row[v] > row[a])
				a = v;
		same &= a == out[k];
		ctx[len] = a;
	}
	CHECK_MSG(same, "%s: greedy decoding differs from the full forward", what);
	CHECK_INT(llama_generate(m, prompt, 3, out[0], 20, out, &n, &stopped, err), 0);
	CHECK(n == 0 && stopped == 1);
	CHECK_INT(llama_generate(m, prompt, 0, -1, 2, out, &n, NULL, err), MENTOR_EUSAGE);
	free(full);
	llama_free(m);
}

static void test_kv_decode(void)
{
	struct llama_config a = tiny_llama(), b = tiny_qwen2(), c = tiny_qwen3();
	kv_decode(&a, "llama");
	kv_decode(&b, "qwen2");
	kv_decode(&c, "qwen3");
}

/* Large enough that every OpenMP loop and the attention go parallel (B 4
 * and T 64). */
static struct llama_config wide_qwen3(void)
{
	struct llama_config c = {.family = LLAMA_FAMILY_QWEN3,
				 .vocab_size = 512,
				 .hidden_size = 128,
				 .intermediate_size = 256,
				 .n_layer = 2,
				 .n_head = 4,
				 .n_kv_head = 2,
				 .head_dim = 48,
				 .max_seq_len = 64,
				 .rope_theta = 10000.0,
				 .rms_norm_eps = 1e-6,
				 .qk_norm = 1,
				 .attention_bias = 1};
	return c;
}

static void run_once(float *loss, float **grads, size_t *np)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c = wide_qwen3();
	struct llama *m = new_llama(&c, 21);
	enum { B = 4, T = 64 };
	int32_t *in = malloc(B * T * sizeof *in), *tg = malloc(B * T * sizeof *tg);
	if (!in || !tg)
		TEST_SETUP_FAIL("out of memory");
	for (int i = 0; i < B * T; i++)
		in[i] = (i * 37) % 512, tg[i] = (i * 11 + 3) % 512;
	llama_zero_grad(m);
	if (llama_forward(m, in, tg, NULL, B, T, loss, err) || llama_backward(m, err))
		TEST_SETUP_FAIL("%s", err);
	*np = llama_num_params(m);
	*grads = xalloc(*np);
	memcpy(*grads, llama_grads(m), *np * sizeof(float));
	free(in);
	free(tg);
	llama_free(m);
}

static void test_determinism(void)
{
	float l1, l2, *g1, *g2;
	size_t n1, n2;
	run_once(&l1, &g1, &n1);
	run_once(&l2, &g2, &n2);
	CHECK(l1 == l2);
	CHECK(n1 == n2 && memcmp(g1, g2, n1 * sizeof(float)) == 0);
	free(g1);
	free(g2);
}

static void test_loss_and_inputs(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c = tiny_qwen2();
	struct llama *m = new_llama(&c, 5);
	enum { B = 3, T = 4 };
	int32_t in[B * T], tg[B * T];
	float w[B * T], loss, loss1;
	for (int i = 0; i < B * T; i++) {
		in[i] = (int32_t)((i * 5) % 13);
		tg[i] = (int32_t)((i * 7 + 1) % 13);
		w[i] = 0.1f * (float)(i % 4);
	}
	CHECK_INT(llama_forward(m, in, tg, w, B, T, &loss, err), 0);
	const float *nll = llama_token_nll(m), *sl = llama_seq_loss(m), *sw = llama_seq_weight(m);
	double num = 0, den = 0;
	for (int b = 0; b < B; b++) {
		double s = 0, ws = 0;
		for (int t = 0; t < T; t++)
			s += w[b * T + t] * nll[b * T + t], ws += w[b * T + t];
		CHECK_NEAR(sl[b], s, 1e-5);
		CHECK_NEAR(sw[b], ws, 1e-6);
		num += s, den += ws;
	}
	CHECK_NEAR(loss, num / den, 1e-5);
	CHECK_INT(llama_forward(m, in, tg, NULL, B, T, &loss1, err), 0);
	CHECK(loss1 > 2.0f && loss1 < 3.2f); /* about log(13) at initialisation */
	double s = 0;
	for (int i = 0; i < 13; i++)
		s += llama_logits(m)[i];
	CHECK_NEAR(s, 1.0, 1e-5);
	in[3] = 13;
	CHECK_INT(llama_forward(m, in, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "input token") != NULL);
	in[3] = 0, tg[2] = 99;
	CHECK_INT(llama_forward(m, in, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	tg[2] = 0, w[1] = NAN;
	CHECK_INT(llama_forward(m, in, tg, w, B, T, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(llama_forward(m, in, tg, NULL, B, 9, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(llama_forward(m, in, tg, NULL, 0, T, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(llama_forward(m, NULL, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(llama_forward(m, in, tg, NULL, 0x7fffffff, 8, &loss, err), MENTOR_EUSAGE);
	CHECK(llama_token_nll(m) == NULL && llama_logits(m) == NULL);
	llama_free(m);
}

static void test_optimizer(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c = tiny_qwen2();
	struct llama *m = new_llama(&c, 1);
	size_t np = llama_num_params(m);
	float *before = xalloc(np);
	memcpy(before, llama_params(m), np * 4);
	llama_zero_grad(m);
	struct model_adamw opt = {.lr = 0.1f,
				  .beta1 = 0.9f,
				  .beta2 = 0.999f,
				  .eps = 1e-8f,
				  .weight_decay = 0.5f};
	CHECK_INT(llama_adamw_step(m, &opt, err), 0);
	for (int i = 0; i < llama_num_tensors(m); i++) {
		size_t off;
		int decay;
		llama_tensor_info(m, i, NULL, &off, NULL, NULL, NULL, &decay);
		float want = decay ? before[off] * (1.0f - 0.1f * 0.5f) : before[off];
		CHECK_NEAR(llama_params(m)[off], want, 1e-7);
	}
	for (size_t i = 0; i < np; i++)
		llama_grads(m)[i] = 1.0f;
	CHECK_NEAR(llama_grad_norm(m), sqrt((double)np), 1e-3);
	CHECK_NEAR(llama_clip_grad(m, 1.0f), sqrt((double)np), 1e-3);
	CHECK_NEAR(llama_grad_norm(m), 1.0, 1e-4);
	opt.lr = NAN;
	CHECK_INT(llama_adamw_step(m, &opt, err), MENTOR_EUSAGE);
	CHECK_INT(llama_adam_step(m), 1);
	llama_set_adam_step(m, -4);
	CHECK_INT(llama_adam_step(m), 0);
	free(before);
	llama_free(m);
}

/* A tiny Llama learns sequences that count up by a per-sequence stride. */
static void test_training(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c = {.family = LLAMA_FAMILY_LLAMA,
				 .vocab_size = 16,
				 .hidden_size = 32,
				 .intermediate_size = 64,
				 .n_layer = 2,
				 .n_head = 4,
				 .n_kv_head = 2,
				 .head_dim = 8,
				 .max_seq_len = 16,
				 .rope_theta = 10000.0,
				 .rms_norm_eps = 1e-5};
	struct llama *m = new_llama(&c, 42);
	enum { B = 4, T = 16 };
	int32_t in[B * T], tg[B * T];
	struct model_adamw opt = {.lr = 1e-2f,
				  .beta1 = 0.9f,
				  .beta2 = 0.99f,
				  .eps = 1e-8f,
				  .weight_decay = 0.01f};
	struct rng r;
	rng_seed(&r, 1234);
	float loss = 0, first = 0;
	for (int s = 0; s < 200; s++) {
		for (int b = 0; b < B; b++) {
			int start = (int)rng_below(&r, 16), stride = 1 + (int)rng_below(&r, 3);
			for (int t = 0; t <= T; t++) {
				int v = (start + stride * t) % 16;
				if (t < T)
					in[b * T + t] = v;
				if (t > 0)
					tg[b * T + t - 1] = v;
			}
		}
		llama_zero_grad(m);
		if (llama_forward(m, in, tg, NULL, B, T, &loss, err) || llama_backward(m, err))
			TEST_SETUP_FAIL("%s", err);
		llama_clip_grad(m, 1.0f);
		if (llama_adamw_step(m, &opt, err))
			TEST_SETUP_FAIL("%s", err);
		if (s == 0)
			first = loss;
	}
	fprintf(stderr, "toy pattern: loss %.3f -> %.3f\n", first, loss);
	CHECK(first > 2.5f);
	CHECK(loss < 0.6f);
	llama_free(m);
}

/* A batch of B x T for cfg: ids from seed, some targets ignored, weights
 * 0..2 (caller frees the three arrays). */
static void make_batch(const struct llama_config *cfg, int B, int T, uint64_t seed, int32_t **in,
		       int32_t **tg, float **w)
{
	size_t N = (size_t)B * T;
	*in = malloc(N * sizeof **in);
	*tg = malloc(N * sizeof **tg);
	*w = xalloc(N);
	if (!*in || !*tg)
		TEST_SETUP_FAIL("out of memory");
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < N; i++) {
		(*in)[i] = (int32_t)rng_below(&r, (uint64_t)cfg->vocab_size);
		(*tg)[i] = i % 7 == 3 ? -1 : (int32_t)rng_below(&r, (uint64_t)cfg->vocab_size);
		(*w)[i] = (float)rng_below(&r, 3);
	}
}

/* Loss, logits and gradient of one forward and backward from zero
 * gradients (caller frees *grads and *logits). */
static void loss_and_grads(struct llama *m, const int32_t *in, const int32_t *tg, const float *w,
			   int B, int T, float *loss, float **grads, float **logits)
{
	char err[MENTOR_ERR_LEN];
	size_t np = llama_num_params(m), nl = (size_t)B * T * llama_get_config(m)->vocab_size;
	llama_zero_grad(m);
	if (llama_forward(m, in, tg, w, B, T, loss, err))
		TEST_SETUP_FAIL("forward: %s", err);
	*logits = xalloc(nl);
	memcpy(*logits, llama_logits(m), nl * sizeof(float)); /* probabilities */
	if (llama_backward(m, err))
		TEST_SETUP_FAIL("backward: %s", err);
	*grads = xalloc(np);
	memcpy(*grads, llama_grads(m), np * sizeof(float));
}

/* Checkpointing gives the plain path's loss, probabilities and gradients
 * bit for bit, from smaller activations. */
static void checkpointed(const struct llama_config *cfg, int B, int T, const char *what)
{
	char err[MENTOR_ERR_LEN];
	struct llama *a = new_llama(cfg, 31), *b = new_llama(cfg, 31);
	perturb(a, 8, 0.2f);
	perturb(b, 8, 0.2f);
	int32_t *in, *tg;
	float *w, la, lb, *ga, *gb, *pa, *pb;
	make_batch(cfg, B, T, 4, &in, &tg, &w);
	llama_set_checkpointing(b, 1);
	CHECK_INT(llama_checkpointing(b), 1);
	loss_and_grads(a, in, tg, w, B, T, &la, &ga, &pa);
	loss_and_grads(b, in, tg, w, B, T, &lb, &gb, &pb);
	size_t np = llama_num_params(a), nl = (size_t)B * T * cfg->vocab_size;
	CHECK_MSG(la == lb, "%s: checkpointed loss %.9g, plain %.9g", what, lb, la);
	CHECK_MSG(memcmp(pa, pb, nl * sizeof(float)) == 0, "%s: probabilities differ", what);
	size_t diff = 0;
	for (size_t i = 0; i < np; i++)
		diff += memcmp(&ga[i], &gb[i], sizeof(float)) != 0;
	CHECK_MSG(diff == 0, "%s: %zu of %zu checkpointed gradients differ", what, diff, np);
	struct llama_mem ma, mb;
	llama_mem_info(a, &ma);
	llama_mem_info(b, &mb);
	CHECK_MSG(mb.activations < ma.activations, "%s: activations %zu vs %zu", what,
		  mb.activations, ma.activations);
	CHECK_INT(mb.backward_scratch, ma.backward_scratch);
	size_t pred = llama_mem_activations(cfg, B, T, 1);
	CHECK_INT(pred, mb.activations + mb.backward_scratch + mb.attention_scratch);
	CHECK_INT(llama_mem_activations(cfg, B, T, 0),
		  ma.activations + ma.backward_scratch + ma.attention_scratch);
	/* switching drops the activations: no backward of the earlier forward */
	CHECK_INT(llama_forward(b, in, tg, w, B, T, &lb, err), 0);
	llama_set_checkpointing(b, 0);
	CHECK_INT(llama_backward(b, err), MENTOR_EUSAGE);
	llama_mem_info(b, &mb);
	CHECK_INT(mb.backward_scratch, 0);
	CHECK_INT(mb.activations, (size_t)B * T * 2 * sizeof(int32_t)); /* the ids */
	free(in), free(tg), free(w), free(ga), free(gb), free(pa), free(pb);
	llama_free(a);
	llama_free(b);
}

static void test_checkpointing(void)
{
	struct llama_config a = tiny_llama(), b = tiny_qwen2(), c = tiny_qwen3();
	struct llama_config d = wide_qwen3();
	a.n_layer = b.n_layer = c.n_layer = 3;
	checkpointed(&a, 2, 7, "llama");
	checkpointed(&b, 3, 8, "qwen2");
	checkpointed(&c, 2, 6, "qwen3");
	checkpointed(&d, 4, 64, "qwen3, parallel kernels");
	CHECK_INT(llama_mem_activations(&d, 0, 4, 1), 0);
	CHECK_INT(llama_mem_activations(&d, 4, LLAMA_MAX_TRAIN_T + 1, 1), 0);
	/* a bigger batch grows the buffer to its size, a smaller one keeps it */
	char err[MENTOR_ERR_LEN];
	struct llama *m = new_llama(&d, 2);
	int32_t *in, *tg;
	float *w;
	struct llama_mem mi;
	make_batch(&d, 4, 64, 5, &in, &tg, &w);
	CHECK_INT(llama_forward(m, in, tg, w, 1, 32, NULL, err), 0);
	llama_mem_info(m, &mi);
	size_t small = mi.activations + mi.backward_scratch + mi.attention_scratch;
	CHECK_INT(small, llama_mem_activations(&d, 1, 32, 0));
	CHECK_INT(llama_forward(m, in, tg, w, 4, 64, NULL, err), 0);
	CHECK_INT(llama_forward(m, in, tg, w, 2, 16, NULL, err), 0);
	llama_mem_info(m, &mi);
	CHECK_INT(mi.activations + mi.backward_scratch + mi.attention_scratch,
		  llama_mem_activations(&d, 4, 64, 0));
	CHECK_INT(mi.total, mi.params + mi.grads + mi.moments + mi.activations +
				    mi.backward_scratch + mi.attention_scratch);
	CHECK_INT(mi.grads, llama_num_params(m) * sizeof(float));
	free(in), free(tg), free(w);
	llama_free(m);
}

/* Frozen embedding and head: no gradient, no update, no moments; the other
 * gradients are the unfrozen model's bit for bit, and so are their updates. */
static void frozen(const struct llama_config *cfg, int flags, const char *what)
{
	char err[MENTOR_ERR_LEN];
	enum { B = 2, T = 6 };
	struct llama *a = new_llama(cfg, 12), *b = new_llama(cfg, 12);
	int32_t *in, *tg;
	float *w, la, lb, *ga, *gb, *pa, *pb;
	make_batch(cfg, B, T, 6, &in, &tg, &w);
	/* a gradient left from before freezing is cleared */
	loss_and_grads(b, in, tg, w, B, T, &lb, &gb, &pb);
	free(gb), free(pb);
	CHECK_INT(llama_set_frozen(b, flags, err), 0);
	CHECK_INT(llama_frozen(b), flags);
	size_t np = llama_num_params(a);
	float *before = xalloc(np);
	memcpy(before, llama_params(b), np * sizeof(float));
	loss_and_grads(a, in, tg, w, B, T, &la, &ga, &pa);
	loss_and_grads(b, in, tg, w, B, T, &lb, &gb, &pb);
	CHECK(la == lb);
	struct model_adamw opt = {.lr = 1e-2f,
				  .beta1 = 0.9f,
				  .beta2 = 0.99f,
				  .eps = 1e-8f,
				  .weight_decay = 0.1f};
	CHECK_INT(llama_adamw_step(a, &opt, err), 0);
	CHECK_INT(llama_adamw_step(b, &opt, err), 0);
	int n_frozen = 0, t_head = llama_tensor_find(a, "lm_head.weight");
	if (t_head < 0)
		t_head = 0;
	for (int t = 0; t < llama_num_tensors(a); t++) {
		const char *name;
		size_t off, size;
		llama_tensor_info(a, t, &name, &off, &size, NULL, NULL, NULL);
		int want = ((flags & LLAMA_FREEZE_EMBED) && t == 0) ||
			   ((flags & LLAMA_FREEZE_HEAD) && t == t_head);
		CHECK_MSG(llama_tensor_frozen(b, t) == want, "%s: %s frozen %d", what, name,
			  llama_tensor_frozen(b, t));
		n_frozen += want;
		const float *pa1 = llama_params(a) + off, *pb1 = llama_params(b) + off;
		if (!want) {
			CHECK_MSG(memcmp(ga + off, gb + off, size * sizeof(float)) == 0,
				  "%s: gradient of %s differs when frozen", what, name);
			CHECK_MSG(memcmp(pa1, pb1, size * sizeof(float)) == 0,
				  "%s: update of %s differs when frozen", what, name);
			continue;
		}
		int moved = 0, nonzero = 0;
		for (size_t i = 0; i < size; i++) {
			moved += pb1[i] != before[off + i];
			nonzero += gb[off + i] != 0.0f || llama_grads(b)[off + i] != 0.0f ||
				   llama_adam_m(b)[off + i] != 0.0f ||
				   llama_adam_v(b)[off + i] != 0.0f;
		}
		CHECK_MSG(moved == 0 && nonzero == 0, "%s: frozen %s moved %d, nonzero %d", what,
			  name, moved, nonzero);
		CHECK_MSG(memcmp(pa1, pb1, size * sizeof(float)) != 0, "%s: %s never trained", what,
			  name);
	}
	CHECK_MSG(n_frozen == 1 + (flags == 3 && t_head != 0), "%s: %d frozen", what, n_frozen);
	/* the norm and clipping see the trained gradients only */
	double sq = 0;
	for (size_t i = 0; i < np; i++)
		sq += (double)gb[i] * gb[i];
	CHECK_NEAR(llama_grad_norm(b), sqrt(sq), 1e-5 * sqrt(sq));
	struct llama_mem ma, mb;
	llama_mem_info(a, &ma);
	llama_mem_info(b, &mb);
	CHECK(mb.grads < ma.grads && mb.moments == 2 * mb.grads && mb.params == ma.params);
	/* unfreezing trains them again */
	CHECK_INT(llama_set_frozen(b, 0, err), 0);
	CHECK(llama_tensor_frozen(b, 0) == 0 && llama_tensor_frozen(b, -1) == 0);
	llama_zero_grad(b);
	CHECK_INT(llama_forward(b, in, tg, w, B, T, &lb, err), 0);
	CHECK_INT(llama_backward(b, err), 0);
	double g0 = 0;
	for (size_t i = 0; i < (size_t)cfg->vocab_size * cfg->hidden_size; i++)
		g0 += fabs(llama_grads(b)[i]);
	CHECK(g0 > 0);
	CHECK_INT(llama_set_frozen(b, 4, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown flags") != NULL);
	free(in), free(tg), free(w), free(ga), free(gb), free(pa), free(pb), free(before);
	llama_free(a);
	llama_free(b);
}

static void test_frozen(void)
{
	struct llama_config a = tiny_llama(), b = tiny_qwen2(), c = tiny_qwen3();
	frozen(&a, LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD, "llama, both");
	frozen(&a, LLAMA_FREEZE_EMBED, "llama, embedding");
	frozen(&a, LLAMA_FREEZE_HEAD, "llama, head");
	frozen(&b, LLAMA_FREEZE_HEAD, "qwen2, tied head");
	frozen(&c, LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD, "qwen3, tied");
}

/* The backward adds: two half batches, each gradient weighted by its share
 * of the loss weights, make the whole batch's gradient. */
static void half_batches(const struct llama_config *cfg, int B, int T, const char *what)
{
	char err[MENTOR_ERR_LEN];
	struct llama *m = new_llama(cfg, 40);
	perturb(m, 41, 0.2f);
	int32_t *in, *tg;
	float *w, loss, la, lb, *g, *p;
	make_batch(cfg, B, T, 42, &in, &tg, &w);
	loss_and_grads(m, in, tg, w, B, T, &loss, &g, &p);
	int h = B / 2;
	size_t nh = (size_t)h * T, np = llama_num_params(m);
	double wa = 0, wb = 0;
	for (size_t i = 0; i < (size_t)B * T; i++)
		*(i < nh ? &wa : &wb) += tg[i] < 0 ? 0.0 : w[i];
	if (!(wa > 0 && wb > 0))
		TEST_SETUP_FAIL("a half batch without weight");
	/* grads = (wa * g_a + wb * g_b) / (wa + wb), added by the backward */
	float *gr = llama_grads(m);
	llama_zero_grad(m);
	CHECK_INT(llama_forward(m, in, tg, w, h, T, &la, err), 0);
	CHECK_INT(llama_backward(m, err), 0);
	for (size_t i = 0; i < np; i++)
		gr[i] = (float)(gr[i] * (wa / wb));
	CHECK_INT(llama_forward(m, in + nh, tg + nh, w + nh, B - h, T, &lb, err), 0);
	CHECK_INT(llama_backward(m, err), 0);
	for (size_t i = 0; i < np; i++)
		gr[i] = (float)(gr[i] * (wb / (wa + wb)));
	CHECK_NEAR((wa * la + wb * lb) / (wa + wb), loss, 1e-6 * fabs(loss));
	/* Each gradient is a sum over the B*T positions (and the attention's
	 * keys) of float products; adding the halves apart reorders that sum,
	 * and the rescaling rounds twice. Each reordering moves a sum by at
	 * most about n * 2^-24 of the sum of its terms' magnitudes; with n
	 * below 300 here that is under 2e-5 of the largest magnitude in the
	 * tensor. Allow 1e-4 of each tensor's largest gradient. */
	for (int t = 0; t < llama_num_tensors(m); t++) {
		const char *name;
		size_t off, size;
		llama_tensor_info(m, t, &name, &off, &size, NULL, NULL, NULL);
		double big = 0, maxd = 0;
		for (size_t i = off; i < off + size; i++) {
			big = fmax(big, fabs(g[i]));
			maxd = fmax(maxd, fabs(gr[i] - g[i]));
		}
		CHECK_MSG(big > 0 && maxd <= 1e-4 * big, "%s: %s: halves differ by %g of %g", what,
			  name, maxd, big);
	}
	free(in), free(tg), free(w), free(g), free(p);
	llama_free(m);
}

static void test_half_batches(void)
{
	struct llama_config a = tiny_llama(), b = tiny_qwen2(), c = tiny_qwen3();
	struct llama_config d = wide_qwen3();
	half_batches(&a, 4, 8, "llama");
	half_batches(&b, 2, 8, "qwen2");
	half_batches(&c, 6, 5, "qwen3");
	half_batches(&d, 4, 64, "qwen3, parallel kernels");
}

int main(void)
{
	model_set_threads(2);
	test_rmsnorm();
	test_rope();
	test_swiglu();
	test_attention();
	test_layout();
	test_full_gradients();
	test_loss_and_inputs();
	test_causality();
	test_kv_decode();
	test_determinism();
	test_optimizer();
	test_training();
	test_checkpointing();
	test_frozen();
	test_half_batches();
	return test_done();
}
