/* Layer-by-layer checks of the model kernels: the BLAS matmuls against the
 * naive loops, and every backward kernel against central finite differences of
 * its forward. This file includes the model's sources to reach their static
 * kernels. */
#include "../../src/model.c"
#include "../../src/model_gen.c"
#include "../../src/model_kernels.c"

#include "test.h"

/* Finite differences run on float kernels: with step H the rounding error of
 * a difference of two float sums is about 1e-7 * |f| / H, so the checks below
 * allow |num - ana| <= ABS_TOL + REL_TOL * max(|num|, |ana|). */
#define H 1e-2f
#define ABS_TOL 2e-3
#define REL_TOL 2e-2

static void fill(struct rng *r, float *x, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++)
		x[i] = scale * (float)(2.0 * rng_unit(r) - 1.0);
}

static double dotd(const float *a, const float *b, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static int near(double num, double ana)
{
	double m = fabs(num) > fabs(ana) ? fabs(num) : fabs(ana);
	return fabs(num - ana) <= ABS_TOL + REL_TOL * m;
}

/* ---- matmul: BLAS vs naive, and gradient ---- */

static void test_matmul(void)
{
	struct rng r;
	rng_seed(&r, 1);
	int N = 13, C = 17, OC = 11;
	float inp[13 * 17], w[11 * 17], b[11], out1[13 * 11], out2[13 * 11], dout[13 * 11];
	fill(&r, inp, sizeof inp / 4, 1.0f);
	fill(&r, w, sizeof w / 4, 1.0f);
	fill(&r, b, sizeof b / 4, 1.0f);
	fill(&r, dout, sizeof dout / 4, 1.0f);
	model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
	model_matmul_forward_blas(out2, inp, w, b, N, C, OC);
	double maxd = 0.0;
	for (int i = 0; i < N * OC; i++)
		maxd = fmax(maxd, fabs(out1[i] - out2[i]));
	CHECK_MSG(maxd < 1e-4, "forward max diff %g", maxd);
	model_matmul_forward_naive(out1, inp, w, NULL, N, C, OC);
	model_matmul_forward_blas(out2, inp, w, NULL, N, C, OC);
	maxd = 0.0;
	for (int i = 0; i < N * OC; i++)
		maxd = fmax(maxd, fabs(out1[i] - out2[i]));
	CHECK_MSG(maxd < 1e-4, "forward (no bias) max diff %g", maxd);

	float di1[13 * 17], di2[13 * 17], dw1[11 * 17], dw2[11 * 17], db1[11], db2[11];
	/* both accumulate: start from the same non-zero values */
	fill(&r, di1, sizeof di1 / 4, 1.0f);
	fill(&r, dw1, sizeof dw1 / 4, 1.0f);
	fill(&r, db1, sizeof db1 / 4, 1.0f);
	memcpy(di2, di1, sizeof di1);
	memcpy(dw2, dw1, sizeof dw1);
	memcpy(db2, db1, sizeof db1);
	model_matmul_backward_naive(di1, dw1, db1, dout, inp, w, N, C, OC);
	model_matmul_backward_blas(di2, dw2, db2, dout, inp, w, N, C, OC);
	maxd = 0.0;
	for (int i = 0; i < N * C; i++)
		maxd = fmax(maxd, fabs(di1[i] - di2[i]));
	for (int i = 0; i < OC * C; i++)
		maxd = fmax(maxd, fabs(dw1[i] - dw2[i]));
	for (int i = 0; i < OC; i++)
		maxd = fmax(maxd, fabs(db1[i] - db2[i]));
	CHECK_MSG(maxd < 1e-4, "backward max diff %g", maxd);

	/* the naive backward itself against finite differences of L = <out, dout> */
	memset(di1, 0, sizeof di1);
	memset(dw1, 0, sizeof dw1);
	memset(db1, 0, sizeof db1);
	model_matmul_backward_naive(di1, dw1, db1, dout, inp, w, N, C, OC);
	int bad = 0;
	for (int i = 0; i < N * C; i += 7) {
		float keep = inp[i];
		inp[i] = keep + H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fp = dotd(out1, dout, (size_t)N * OC);
		inp[i] = keep - H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fm = dotd(out1, dout, (size_t)N * OC);
		inp[i] = keep;
		bad += !near((fp - fm) / (2 * H), di1[i]);
	}
	for (int i = 0; i < OC * C; i += 5) {
		float keep = w[i];
		w[i] = keep + H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fp = dotd(out1, dout, (size_t)N * OC);
		w[i] = keep - H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fm = dotd(out1, dout, (size_t)N * OC);
		w[i] = keep;
		bad += !near((fp - fm) / (2 * H), dw1[i]);
	}
	for (int i = 0; i < OC; i++) {
		float keep = b[i];
		b[i] = keep + H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fp = dotd(out1, dout, (size_t)N * OC);
		b[i] = keep - H;
		model_matmul_forward_naive(out1, inp, w, b, N, C, OC);
		double fm = dotd(out1, dout, (size_t)N * OC);
		b[i] = keep;
		bad += !near((fp - fm) / (2 * H), db1[i]);
	}
	CHECK_INT(bad, 0);

	/* a larger shape, as the model uses (rows batched, OC > C) */
	int N2 = 64, C2 = 48, OC2 = 192;
	float *a = malloc(sizeof(float) * (size_t)N2 * C2),
	      *ww = malloc(sizeof(float) * (size_t)OC2 * C2);
	float *o1 = malloc(sizeof(float) * (size_t)N2 * OC2),
	      *o2 = malloc(sizeof(float) * (size_t)N2 * OC2);
	if (!a || !ww || !o1 || !o2)
		TEST_SETUP_FAIL("out of memory");
	fill(&r, a, (size_t)N2 * C2, 1.0f);
	fill(&r, ww, (size_t)OC2 * C2, 1.0f);
	model_matmul_forward_naive(o1, a, ww, NULL, N2, C2, OC2);
	model_matmul_forward_blas(o2, a, ww, NULL, N2, C2, OC2);
	maxd = 0.0;
	for (int i = 0; i < N2 * OC2; i++)
		maxd = fmax(maxd, fabs(o1[i] - o2[i]));
	CHECK_MSG(maxd < 1e-3, "large forward max diff %g", maxd);
	free(a);
	free(ww);
	free(o1);
	free(o2);
}

/* ---- layernorm ---- */

static double ln_loss(const float *x, const float *w, const float *b, const float *R, int N, int C)
{
	float out[6 * 10], mean[6], rstd[6];
	model_layernorm_forward(out, mean, rstd, x, w, b, N, C);
	return dotd(out, R, (size_t)N * C);
}

static void test_layernorm(void)
{
	struct rng r;
	rng_seed(&r, 2);
	enum { N = 6, C = 10 };
	float x[N * C], w[C], b[C], R[N * C], out[N * C], mean[N], rstd[N];
	float dx[N * C] = {0}, dw[C] = {0}, db[C] = {0};
	fill(&r, x, N * C, 2.0f);
	fill(&r, w, C, 1.0f);
	fill(&r, b, C, 1.0f);
	fill(&r, R, N * C, 1.0f);
	model_layernorm_forward(out, mean, rstd, x, w, b, N, C);
	/* the output rows have mean b-ish: check normalisation with w=1, b=0 */
	model_layernorm_backward(dx, dw, db, R, x, w, mean, rstd, N, C);
	int bad = 0;
	float *vars[3] = {x, w, b}, *grads[3] = {dx, dw, db};
	int sizes[3] = {N * C, C, C};
	for (int v = 0; v < 3; v++) {
		for (int i = 0; i < sizes[v]; i++) {
			float keep = vars[v][i];
			vars[v][i] = keep + H;
			double fp = ln_loss(x, w, b, R, N, C);
			vars[v][i] = keep - H;
			double fm = ln_loss(x, w, b, R, N, C);
			vars[v][i] = keep;
			double num = (fp - fm) / (2 * H);
			if (!near(num, grads[v][i])) {
				bad++;
				fprintf(stderr, "layernorm var %d[%d]: num %g ana %g\n", v, i, num,
					grads[v][i]);
			}
		}
	}
	CHECK_INT(bad, 0);
	/* plain normalisation: unit weight, zero bias gives mean 0, variance 1 */
	for (int i = 0; i < C; i++)
		w[i] = 1.0f, b[i] = 0.0f;
	model_layernorm_forward(out, mean, rstd, x, w, b, N, C);
	double s = 0, s2 = 0;
	for (int i = 0; i < C; i++)
		s += out[i], s2 += (double)out[i] * out[i];
	CHECK_NEAR(s / C, 0.0, 1e-5);
	CHECK_NEAR(s2 / C, 1.0, 1e-3);
}

/* ---- attention ---- */

enum { AB = 2, AT = 5, AC = 8, ANH = 2 };

static float *att_scratch(void)
{
	float *p = malloc(sizeof(float) * (size_t)omp_get_max_threads() * 2 * AT * AT);
	if (!p)
		TEST_SETUP_FAIL("out of memory");
	return p;
}

/* Loss <out, R> of the BLAS attention (blas = 1) or the loop version. */
static double att_loss(const float *qkv, const float *R, int blas)
{
	float out[AB * AT * AC], att[AB * ANH * AT * (AT + 1) / 2];
	if (blas) {
		float *sc = att_scratch();
		model_attention_forward(out, att, qkv, AB, AT, AC, ANH, sc);
		free(sc);
	} else {
		model_attention_forward_naive(out, att, qkv, AB, AT, AC, ANH);
	}
	return dotd(out, R, AB * AT * AC);
}

static void test_attention(void)
{
	struct rng r;
	rng_seed(&r, 3);
	float qkv[AB * AT * 3 * AC], R[AB * AT * AC], out[AB * AT * AC], outn[AB * AT * AC];
	float att[AB * ANH * AT * (AT + 1) / 2], attn[AB * ANH * AT * (AT + 1) / 2];
	float dqkv[AB * AT * 3 * AC], dqkvn[AB * AT * 3 * AC];
	float *sc = att_scratch();
	fill(&r, qkv, sizeof qkv / 4, 1.5f);
	fill(&r, R, sizeof R / 4, 1.0f);
	model_attention_forward(out, att, qkv, AB, AT, AC, ANH, sc);
	model_attention_forward_naive(outn, attn, qkv, AB, AT, AC, ANH);
	double maxd = 0;
	for (size_t i = 0; i < sizeof out / 4; i++)
		maxd = fmax(maxd, fabs(out[i] - outn[i]));
	for (size_t i = 0; i < sizeof att / 4; i++)
		maxd = fmax(maxd, fabs(att[i] - attn[i]));
	CHECK_MSG(maxd < 1e-5, "blas vs loop attention forward differ by %g", maxd);
	/* softmax rows sum to one */
	for (int bh = 0; bh < AB * ANH; bh++)
		for (int t = 0; t < AT; t++) {
			double s = 0;
			for (int t2 = 0; t2 <= t; t2++)
				s += att[(size_t)bh * tri(AT) + tri(t) + t2];
			CHECK_NEAR(s, 1.0, 1e-5);
		}
	/* causality: changing the last position's key and value leaves the
	 * earlier outputs alone, in both versions */
	float qkv2[sizeof qkv / 4], out2[sizeof out / 4], att2[sizeof att / 4];
	memcpy(qkv2, qkv, sizeof qkv);
	for (int i = AC; i < 3 * AC; i++)
		qkv2[(AT - 1) * 3 * AC + i] += 1.0f;
	model_attention_forward(out2, att2, qkv2, AB, AT, AC, ANH, sc);
	CHECK(memcmp(out, out2, (size_t)(AT - 1) * AC * sizeof(float)) == 0);
	model_attention_forward_naive(out2, att2, qkv2, AB, AT, AC, ANH);
	CHECK(memcmp(outn, out2, (size_t)(AT - 1) * AC * sizeof(float)) == 0);

	model_attention_backward(dqkv, R, qkv, att, AB, AT, AC, ANH, sc);
	model_attention_backward_naive(dqkvn, R, qkv, attn, AB, AT, AC, ANH);
	maxd = 0;
	for (size_t i = 0; i < sizeof dqkv / 4; i++)
		maxd = fmax(maxd, fabs(dqkv[i] - dqkvn[i]));
	CHECK_MSG(maxd < 1e-5, "blas vs loop attention backward differ by %g", maxd);
	for (int blas = 0; blas < 2; blas++) {
		const float *g = blas ? dqkv : dqkvn;
		int bad = 0;
		for (int i = 0; i < AB * AT * 3 * AC; i++) {
			float keep = qkv[i];
			qkv[i] = keep + H;
			double fp = att_loss(qkv, R, blas);
			qkv[i] = keep - H;
			double fm = att_loss(qkv, R, blas);
			qkv[i] = keep;
			double num = (fp - fm) / (2 * H);
			if (!near(num, g[i])) {
				bad++;
				fprintf(stderr, "attention (blas %d) dqkv[%d]: num %g ana %g\n",
					blas, i, num, g[i]);
			}
		}
		CHECK_INT(bad, 0);
	}
	free(sc);

	/* a larger shape, run in parallel over (b, h) */
	enum { LB = 3, LT = 40, LC = 32, LNH = 2 };
	size_t nq = (size_t)LB * LT * 3 * LC, no = (size_t)LB * LT * LC;
	size_t na = (size_t)LB * LNH * LT * (LT + 1) / 2;
	float *bq = malloc(nq * 4), *bo1 = malloc(no * 4), *bo2 = malloc(no * 4);
	float *ba1 = malloc(na * 4), *ba2 = malloc(na * 4), *bd1 = malloc(nq * 4);
	float *bd2 = malloc(nq * 4),
	      *bsc = malloc(sizeof(float) * (size_t)omp_get_max_threads() * 2 * LT * LT);
	if (!bq || !bo1 || !bo2 || !ba1 || !ba2 || !bd1 || !bd2 || !bsc)
		TEST_SETUP_FAIL("out of memory");
	fill(&r, bq, nq, 2.0f);
	model_attention_forward(bo1, ba1, bq, LB, LT, LC, LNH, bsc);
	model_attention_forward_naive(bo2, ba2, bq, LB, LT, LC, LNH);
	maxd = 0;
	for (size_t i = 0; i < no; i++)
		maxd = fmax(maxd, fabs(bo1[i] - bo2[i]));
	CHECK_MSG(maxd < 1e-4, "large attention forward differs by %g", maxd);
	model_attention_backward(bd1, bo1, bq, ba1, LB, LT, LC, LNH, bsc);
	model_attention_backward_naive(bd2, bo1, bq, ba2, LB, LT, LC, LNH);
	maxd = 0;
	for (size_t i = 0; i < nq; i++)
		maxd = fmax(maxd, fabs(bd1[i] - bd2[i]));
	CHECK_MSG(maxd < 1e-4, "large attention backward differs by %g", maxd);
	free(bq);
	free(bo1);
	free(bo2);
	free(ba1);
	free(ba2);
	free(bd1);
	free(bd2);
	free(bsc);
}

/* ---- attention in query blocks (the long-sequence path) ----
 * The same checks at small shapes by passing a small block: against the
 * loop version (outputs, softmax rows, gradient), causality, and central
 * differences of <out, R>. */

/* Loss <out, R> of the blocked attention. */
static double att_blocked_loss(const float *qkv, const float *R, int B, int T, int C, int NH,
			       int bs, float *att, float *out)
{
	model_attention_forward_blocked(out, att, qkv, B, T, C, NH, bs);
	return dotd(out, R, (size_t)B * T * C);
}

static void check_attention_blocked(int B, int T, int C, int NH, int bs)
{
	struct rng r;
	rng_seed(&r, (uint64_t)(T * 131 + bs));
	size_t nq = (size_t)B * T * 3 * C, no = (size_t)B * T * C;
	size_t nat = (size_t)B * NH * model_att_head_size(T, bs), nan_ = (size_t)B * NH * tri(T);
	float *qkv = malloc(nq * 4), *R = malloc(no * 4), *out = malloc(no * 4);
	float *outn = malloc(no * 4), *att = malloc(nat * 4), *attn = malloc(nan_ * 4);
	float *dq = malloc(nq * 4), *dqn = malloc(nq * 4);
	float *sc = malloc(sizeof(float) * (size_t)omp_get_max_threads() * bs * T);
	if (!qkv || !R || !out || !outn || !att || !attn || !dq || !dqn || !sc)
		TEST_SETUP_FAIL("out of memory");
	fill(&r, qkv, nq, 1.5f);
	fill(&r, R, no, 1.0f);
	model_attention_forward_blocked(out, att, qkv, B, T, C, NH, bs);
	model_attention_forward_naive(outn, attn, qkv, B, T, C, NH);
	double maxd = 0;
	for (size_t i = 0; i < no; i++)
		maxd = fmax(maxd, fabs(out[i] - outn[i]));
	/* each block's rows hold the triangle's row, then zeros to the block's end */
	for (int bh = 0; bh < B * NH; bh++) {
		const float *P = att + (size_t)bh * model_att_head_size(T, bs);
		for (int i0 = 0; i0 < T; i0 += bs) {
			int rows = T - i0 < bs ? T - i0 : bs, e = i0 + rows;
			for (int rr = 0; rr < rows; rr++) {
				int t = i0 + rr;
				for (int j = 0; j < e; j++) {
					float want = j <= t ? attn[(size_t)bh * tri(T) + tri(t) + j]
							    : 0.0f;
					maxd = fmax(maxd, fabs(P[(size_t)rr * e + j] - want));
				}
			}
			P += (size_t)rows * e;
		}
	}
	CHECK_MSG(maxd < 1e-5, "blocked attention forward (T %d, block %d) differs by %g", T, bs,
		  maxd);
	/* causality: the last position's key and value do not reach earlier outputs */
	float *q2 = malloc(nq * 4), *o2 = malloc(no * 4);
	if (!q2 || !o2)
		TEST_SETUP_FAIL("out of memory");
	memcpy(q2, qkv, nq * 4);
	for (int b = 0; b < B; b++)
		for (int i = C; i < 3 * C; i++)
			q2[((size_t)b * T + T - 1) * 3 * C + i] += 1.0f;
	model_attention_forward_blocked(o2, att, q2, B, T, C, NH, bs);
	for (int b = 0; b < B; b++)
		CHECK(memcmp(out + (size_t)b * T * C, o2 + (size_t)b * T * C,
			     (size_t)(T - 1) * C * sizeof(float)) == 0);
	/* backward against the loop version and against finite differences */
	model_attention_forward_blocked(out, att, qkv, B, T, C, NH, bs);
	memset(dq, 0x7f, nq * 4); /* every element must be written */
	model_attention_backward_blocked(dq, R, qkv, att, B, T, C, NH, bs, sc);
	model_attention_backward_naive(dqn, R, qkv, attn, B, T, C, NH);
	maxd = 0;
	for (size_t i = 0; i < nq; i++)
		maxd = fmax(maxd, fabs(dq[i] - dqn[i]));
	CHECK_MSG(maxd < 1e-5, "blocked attention backward (T %d, block %d) differs by %g", T, bs,
		  maxd);
	int bad = 0;
	for (size_t i = 0; i < nq; i += (nq > 400 ? 7 : 1)) {
		float keep = qkv[i];
		qkv[i] = keep + H;
		double fp = att_blocked_loss(qkv, R, B, T, C, NH, bs, att, o2);
		qkv[i] = keep - H;
		double fm = att_blocked_loss(qkv, R, B, T, C, NH, bs, att, o2);
		qkv[i] = keep;
		double num = (fp - fm) / (2 * H);
		if (!near(num, dq[i])) {
			if (bad++ < 5)
				fprintf(stderr,
					"blocked attention (T %d, block %d) dqkv[%zu]: num %g "
					"ana %g\n",
					T, bs, i, num, dq[i]);
		}
	}
	CHECK_INT(bad, 0);
	free(qkv);
	free(R);
	free(out);
	free(outn);
	free(att);
	free(attn);
	free(dq);
	free(dqn);
	free(sc);
	free(q2);
	free(o2);
}

static void test_attention_blocked(void)
{
	check_attention_blocked(2, 11, 8, 2, 4);  /* a partial last block */
	check_attention_blocked(2, 8, 8, 2, 4);   /* whole blocks */
	check_attention_blocked(1, 5, 8, 2, 1);   /* one row per block */
	check_attention_blocked(2, 6, 8, 2, 16);  /* one block */
	check_attention_blocked(3, 40, 32, 2, 8); /* parallel over (b, h) */
	CHECK_INT((int)model_att_head_size(10, 0), 55);
	CHECK_INT((int)model_att_head_size(10, 4), 4 * 4 + 4 * 8 + 2 * 10);
}

/* The whole model on the blocked path: a test lowers m->attn_block, which
 * the model otherwise sets to ATTN_BLOCK. Losses and gradients match the
 * full path's, and central differences of the loss match the gradient. */
static void test_model_attention_blocked(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 13,
				   .max_seq_len = 12,
				   .n_layer = 2,
				   .n_head = 2,
				   .n_embd = 8};
	struct model *m;
	if (model_new(&cfg, 5, &m, err))
		TEST_SETUP_FAIL("model_new: %s", err);
	struct rng r;
	rng_seed(&r, 17);
	float *p = model_params(m);
	size_t np = model_num_params(m);
	for (size_t i = 0; i < np; i++)
		p[i] += 0.2f * (float)(2.0 * rng_unit(&r) - 1.0);
	enum { B = 2, T = 11 };
	int32_t in[B * T], tg[B * T];
	for (int i = 0; i < B * T; i++) {
		in[i] = (int32_t)rng_below(&r, 13);
		tg[i] = (int32_t)rng_below(&r, 13);
	}
	float lf, lb;
	float *gf = malloc(np * sizeof *gf);
	if (!gf)
		TEST_SETUP_FAIL("out of memory");
	CHECK_INT(m->attn_block, ATTN_BLOCK);
	model_zero_grad(m);
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &lf, err), 0);
	CHECK_INT(m->attn_bs, 0);
	CHECK_INT(model_backward(m, err), 0);
	memcpy(gf, model_grads(m), np * sizeof *gf);
	m->attn_block = 4;
	model_zero_grad(m);
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &lb, err), 0);
	CHECK_INT(m->attn_bs, 4);
	CHECK_INT(model_backward(m, err), 0);
	CHECK_NEAR(lb, lf, 1e-5);
	const float *g = model_grads(m);
	double maxd = 0;
	for (size_t i = 0; i < np; i++)
		maxd = fmax(maxd, fabs(g[i] - gf[i]));
	CHECK_MSG(maxd < 1e-5, "blocked vs full model gradient differ by %g", maxd);
	memcpy(gf, g, np * sizeof *gf);
	const float h = 5e-3f;
	int bad = 0;
	for (size_t i = 0; i < np; i += 3) {
		float keep = p[i], lp, lm;
		p[i] = keep + h;
		model_forward(m, in, tg, NULL, B, T, &lp, err);
		p[i] = keep - h;
		model_forward(m, in, tg, NULL, B, T, &lm, err);
		p[i] = keep;
		double num = ((double)lp - lm) / (2 * h), ana = gf[i];
		if (fabs(num - ana) > 2e-3 + 3e-2 * fmax(fabs(num), fabs(ana)) && bad++ < 5)
			fprintf(stderr, "blocked model param %zu: num %g ana %g\n", i, num, ana);
	}
	CHECK_INT(bad, 0);
	/* a shorter batch goes back to the full path */
	CHECK_INT(model_forward(m, in, tg, NULL, B, 4, &lf, err), 0);
	CHECK_INT(m->attn_bs, 0);
	free(gf);
	model_free(m);
}

/* ---- gelu ---- */

static void test_gelu(void)
{
	float x[41], y[41], d[41];
	for (int i = 0; i < 41; i++)
		x[i] = -5.0f + 0.25f * (float)i;
	model_gelu_forward(y, x, 41);
	CHECK_NEAR(y[20], 0.0, 1e-7);          /* gelu(0) = 0 */
	CHECK_NEAR(y[40], 5.0, 1e-4);          /* ~identity for large x */
	CHECK_NEAR(y[24], 0.8411920071, 1e-5); /* gelu(1), tanh form */
	for (int i = 0; i < 41; i++)
		d[i] = 1.0f;
	model_gelu_backward(d, x, 41);
	int bad = 0;
	for (int i = 0; i < 41; i++) {
		double num = ((double)gelu(x[i] + 1e-2f) - gelu(x[i] - 1e-2f)) / 2e-2;
		bad += !near(num, d[i]);
	}
	CHECK_INT(bad, 0);
}

/* ---- softmax cross-entropy ---- */

static void test_softmax_xent(void)
{
	struct rng r;
	rng_seed(&r, 4);
	enum { N = 4, V = 7 };
	float logits[N * V], p[N * V], nll[N], w[N] = {0.5f, 0.0f, 0.25f, 0.25f};
	int32_t tg[N] = {3, 1, -1, 6};
	fill(&r, logits, N * V, 3.0f);
	memcpy(p, logits, sizeof p);
	softmax_xent_forward(p, nll, tg, N, V);
	double ana_loss = 0;
	for (int n = 0; n < N; n++)
		if (tg[n] >= 0)
			ana_loss += w[n] * nll[n];
	CHECK_INT(nll[2] == 0.0f, 1);
	softmax_xent_backward(p, tg, w, N, V);
	int bad = 0;
	for (int i = 0; i < N * V; i++) {
		float keep = logits[i];
		double f[2];
		for (int s = 0; s < 2; s++) {
			float q[N * V], nl[N];
			logits[i] = keep + (s ? -H : H);
			memcpy(q, logits, sizeof q);
			softmax_xent_forward(q, nl, tg, N, V);
			f[s] = 0;
			for (int n = 0; n < N; n++)
				if (tg[n] >= 0)
					f[s] += w[n] * nl[n];
		}
		logits[i] = keep;
		bad += !near((f[0] - f[1]) / (2 * H), p[i]);
	}
	CHECK_INT(bad, 0);
	CHECK(ana_loss > 0);

	/* a GPT-2-sized vocabulary takes the wide exp-sum: against double */
	enum { WN = 3, WV = SOFTMAX_WIDE_MIN_V + 5 };
	float *wl = malloc(sizeof(float) * WN * WV), *wp = malloc(sizeof(float) * WN * WV);
	if (!wl || !wp)
		TEST_SETUP_FAIL("out of memory");
	fill(&r, wl, (size_t)WN * WV, 8.0f);
	memcpy(wp, wl, sizeof(float) * WN * WV);
	int32_t wt[WN] = {0, WV - 1, 4321};
	float wnll[WN];
	softmax_xent_forward(wp, wnll, wt, WN, WV);
	double maxrel = 0;
	for (int n = 0; n < WN; n++) {
		const float *x = wl + (size_t)n * WV;
		double mx = x[0], z = 0;
		for (int i = 1; i < WV; i++)
			mx = fmax(mx, x[i]);
		for (int i = 0; i < WV; i++)
			z += exp((double)x[i] - mx);
		for (int i = 0; i < WV; i++) {
			double want = exp((double)x[i] - mx) / z;
			maxrel = fmax(maxrel, fabs(wp[(size_t)n * WV + i] - want) / want);
		}
		CHECK_NEAR(wnll[n], -(x[wt[n]] - mx - log(z)), 1e-4);
	}
	CHECK_MSG(maxrel < 1e-5, "wide softmax off by %g relative", maxrel);
	free(wl);
	free(wp);
}

/* ---- encoder ---- */

static void test_encoder(void)
{
	enum { B = 2, T = 3, C = 4, V = 5 };
	float wte[V * C], wpe[T * C], out[B * T * C], dwte[V * C] = {0}, dwpe[T * C] = {0};
	float dout[B * T * C];
	int32_t inp[B * T] = {1, 4, 1, 0, 1, 2};
	for (int i = 0; i < V * C; i++)
		wte[i] = (float)i;
	for (int i = 0; i < T * C; i++)
		wpe[i] = 100.0f * (float)i;
	model_encoder_forward(out, inp, wte, wpe, B, T, C);
	CHECK_NEAR(out[(1 * T + 2) * C + 3], wte[2 * C + 3] + wpe[2 * C + 3], 0);
	for (int i = 0; i < B * T * C; i++)
		dout[i] = 1.0f;
	model_encoder_backward(dwte, dwpe, dout, inp, B, T, C);
	CHECK_NEAR(dwte[1 * C], 3.0, 0); /* token 1 appears three times */
	CHECK_NEAR(dwte[3 * C], 0.0, 0);
	CHECK_NEAR(dwpe[0], 2.0, 0);
}

/* ---- decoding's matrix-vector products ---- */

static void test_gemv(void)
{
	struct rng r;
	rng_seed(&r, 8);
	enum { OC = 23, C = 37 }; /* OC not a multiple of 4: a partial last group */
	float W[OC * C], x[C], b[OC], y1[OC], y2[OC], y3[OC];
	/* both from the same starting y: with acc they add into it */
	fill(&r, W, OC * C, 1.0f);
	fill(&r, x, C, 1.0f);
	fill(&r, b, OC, 1.0f);
	for (int acc = 0; acc < 2; acc++) {
		for (int bias = 0; bias < 2; bias++) {
			fill(&r, y1, OC, 1.0f);
			memcpy(y2, y1, sizeof y1);
			gemv(y1, W, x, bias ? b : NULL, OC, C, acc);
			gemv_rows4(y2, W, x, bias ? b : NULL, OC, C, acc);
			double maxd = 0;
			for (int o = 0; o < OC; o++)
				maxd = fmax(maxd, fabs(y1[o] - y2[o]));
			CHECK_MSG(maxd < 1e-5, "gemv_rows4 vs gemv (acc %d, bias %d) differ by %g",
				  acc, bias, maxd);
		}
	}
	/* against the naive matmul, written (not added) */
	gemv_rows4(y2, W, x, b, OC, C, 0);
	model_matmul_forward_naive(y3, x, W, b, 1, C, OC);
	double maxd = 0;
	for (int o = 0; o < OC; o++)
		maxd = fmax(maxd, fabs(y2[o] - y3[o]));
	CHECK_MSG(maxd < 1e-5, "gemv_rows4 vs naive differ by %g", maxd);
}

/* ---- AdamW's reciprocal form and the vector norm (large models) against
 * the presets' forms ---- */

static void test_adamw_recip(void)
{
	struct rng r;
	rng_seed(&r, 9);
	enum { N = 1000 };
	static float p1[N], p2[N], g[N], m1[N], m2[N], v1[N], v2[N];
	fill(&r, p1, N, 1.0f);
	fill(&r, g, N, 0.1f);
	fill(&r, m1, N, 0.01f);
	for (int i = 0; i < N; i++)
		v1[i] = 1e-4f * (float)rng_unit(&r);
	memcpy(p2, p1, sizeof p1);
	memcpy(m2, m1, sizeof m1);
	memcpy(v2, v1, sizeof v1);
	struct model_adamw o = {.lr = 1e-3f,
				.beta1 = 0.9f,
				.beta2 = 0.95f,
				.eps = 1e-8f,
				.weight_decay = 0.1f};
	float bc1 = 1.0f - powf(0.9f, 3.0f), bc2 = 1.0f - powf(0.95f, 3.0f);
	adamw_chunk(p1, g, m1, v1, N, &o, bc1, bc2, 0.1f);
	adamw_chunk_recip(p2, g, m2, v2, N, &o, 1.0f / bc1, 1.0f / bc2, 0.1f);
	double maxstep = 0, maxp = 0;
	for (int i = 0; i < N; i++) {
		CHECK(m1[i] == m2[i] && v1[i] == v2[i]); /* the moments are the same sums */
		maxp = fmax(maxp, fabs(p1[i] - p2[i]));
		maxstep = fmax(maxstep, fabs(p1[i] - p2[i]) / o.lr);
	}
	/* the step (about lr) agrees to float rounding of the parameter */
	CHECK_MSG(maxp < 1e-6, "reciprocal AdamW moves parameters %g apart", maxp);
	CHECK(maxstep < 1e-3);
	/* the vectorised sum of squares of the large models' gradient norm */
	double sq = 0;
	for (int i = 0; i < N; i++)
		sq += (double)g[i] * g[i];
	CHECK_NEAR(sum_sq_wide(g, N), sq, 1e-12 * sq);
	CHECK_NEAR(sum_sq_wide(g, 7),
		   (double)g[0] * g[0] + (double)g[1] * g[1] + (double)g[2] * g[2] +
			   (double)g[3] * g[3] + (double)g[4] * g[4] + (double)g[5] * g[5] +
			   (double)g[6] * g[6],
		   1e-15);
}

int main(void)
{
	model_set_threads(2);
	test_matmul();
	test_layernorm();
	test_attention();
	test_attention_blocked();
	test_model_attention_blocked();
	test_gelu();
	test_softmax_xent();
	test_encoder();
	test_gemv();
	test_adamw_recip();
	return test_done();
}
