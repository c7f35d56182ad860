/* The whole model: config checks against hostile values, presets, the full
 * gradient against finite differences on a tiny config, loss weights, KV-cache
 * decoding against the full forward, determinism, AdamW, and a tiny model
 * learning a toy pattern. */
#include "mentor/model.h"

#include "test.h"

static struct model *new_model(const struct model_config *cfg, uint64_t seed)
{
	char err[MENTOR_ERR_LEN];
	struct model *m;
	if (model_new(cfg, seed, &m, err))
		TEST_SETUP_FAIL("model_new: %s", err);
	return m;
}

static void test_config(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config ok = {.vocab_size = 50,
				  .max_seq_len = 16,
				  .n_layer = 2,
				  .n_head = 2,
				  .n_embd = 8};
	CHECK_INT(model_config_check(&ok, err), 0);
	struct model_config c = ok;
	c.n_embd = 0;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "n_embd") != NULL);
	c = ok, c.n_head = 3;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "multiple") != NULL);
	c = ok, c.vocab_size = -5;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	c = ok, c.vocab_size = 1 << 30;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	c = ok, c.max_seq_len = 0x7fffffff;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	c = ok, c.n_layer = 100000;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	/* every field within its own limit, but the product is far too big */
	c.vocab_size = MODEL_MAX_VOCAB, c.max_seq_len = MODEL_MAX_CTX, c.n_layer = MODEL_MAX_LAYERS;
	c.n_head = MODEL_MAX_HEADS, c.n_embd = MODEL_MAX_EMBD;
	CHECK_INT(model_config_check(&c, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "parameters") != NULL);
	struct model *m = (struct model *)1;
	CHECK_INT(model_new(&c, 1, &m, err), MENTOR_EUSAGE);
	CHECK(m == NULL);
	CHECK_INT(model_config_check(NULL, err), MENTOR_EUSAGE);

	/* presets and their sizes: 12*L*C^2 + 13*L*C + (V + T)*C + 2C */
	CHECK_INT(model_config_preset("huge", 2048, &c, err), MENTOR_EUSAGE);
	CHECK_INT(model_config_preset(NULL, 2048, &c, err), MENTOR_EUSAGE);
	const char *names[3] = {"tiny", "small", "base"};
	for (int i = 0; i < 3; i++) {
		CHECK_INT(model_config_preset(names[i], 2048, &c, err), 0);
		CHECK_INT(model_config_check(&c, err), 0);
		size_t L = (size_t)c.n_layer, C = (size_t)c.n_embd;
		size_t want = 12 * L * C * C + 13 * L * C + (2048 + (size_t)c.max_seq_len) * C +
			      2 * C;
		CHECK_INT(model_config_num_params(&c), want);
	}
	model_config_preset("tiny", 2048, &c, err);
	CHECK(model_config_num_params(&c) > 400000 && model_config_num_params(&c) < 700000);
	model_config_preset("base", 2048, &c, err);
	CHECK(model_config_num_params(&c) > 9000000 && model_config_num_params(&c) < 12000000);
}

static void test_layout(void)
{
	struct model_config cfg = {.vocab_size = 20,
				   .max_seq_len = 8,
				   .n_layer = 2,
				   .n_head = 2,
				   .n_embd = 8};
	struct model *m = new_model(&cfg, 7);
	size_t expect = 0;
	int ndecay = 0;
	for (int i = 0; i < MODEL_N_TENSORS; i++) {
		const char *name;
		size_t off, size;
		int decay;
		CHECK_INT(model_tensor_info(m, i, &name, &off, &size, &decay), 0);
		CHECK_INT(off, expect);
		expect += size;
		ndecay += decay;
		if (strncmp(name, "ln", 2) == 0 || name[strlen(name) - 1] == 'b')
			CHECK_MSG(!decay, "%s must not decay", name);
	}
	CHECK_INT(ndecay, 6);
	CHECK_INT(expect, model_num_params(m));
	CHECK_INT(model_tensor_info(m, MODEL_N_TENSORS, NULL, NULL, NULL, NULL), MENTOR_EUSAGE);
	/* LayerNorm weights start at one, biases at zero */
	size_t off;
	model_tensor_info(m, MODEL_LNFW, NULL, &off, NULL, NULL);
	CHECK_NEAR(model_params(m)[off], 1.0, 0);
	model_tensor_info(m, MODEL_QKVB, NULL, &off, NULL, NULL);
	CHECK_NEAR(model_params(m)[off], 0.0, 0);
	/* same seed, same weights */
	struct model *m2 = new_model(&cfg, 7);
	CHECK(memcmp(model_params(m), model_params(m2), model_num_params(m) * 4) == 0);
	model_free(m2);
	model_free(m);
	model_free(NULL);
}

/* Tiny config for the end-to-end gradient check. Larger-than-default weights
 * make every path contribute measurably. */
static void test_full_gradient(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 11,
				   .max_seq_len = 6,
				   .n_layer = 2,
				   .n_head = 2,
				   .n_embd = 8};
	struct model *m = new_model(&cfg, 3);
	struct rng r;
	rng_seed(&r, 99);
	float *p = model_params(m);
	size_t np = model_num_params(m);
	for (size_t i = 0; i < np; i++)
		p[i] += 0.2f * (float)(2.0 * rng_unit(&r) - 1.0);
	enum { B = 2, T = 5 };
	int32_t in[B * T], tg[B * T];
	float w[B * T];
	for (int i = 0; i < B * T; i++) {
		in[i] = (int32_t)rng_below(&r, 11);
		tg[i] = (int32_t)rng_below(&r, 11);
		w[i] = (float)(i % 3);
	}
	tg[4] = -1; /* an ignored position */
	float loss;
	model_zero_grad(m);
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), 0);
	CHECK_INT(model_backward(m, err), 0);
	float *g = malloc(np * sizeof *g);
	if (!g)
		TEST_SETUP_FAIL("out of memory");
	memcpy(g, model_grads(m), np * sizeof *g);
	/* central differences on every parameter of this tiny model; float
	 * forward, so |num - ana| <= 2e-3 + 3e-2 * max(|num|, |ana|) with step 5e-3 */
	const float h = 5e-3f;
	int bad = 0, checked = 0;
	double maxerr = 0;
	for (size_t i = 0; i < np; i++) {
		float keep = p[i], lp, lm;
		p[i] = keep + h;
		model_forward(m, in, tg, w, B, T, &lp, err);
		p[i] = keep - h;
		model_forward(m, in, tg, w, B, T, &lm, err);
		p[i] = keep;
		double num = ((double)lp - lm) / (2 * h), ana = g[i];
		double tol = 2e-3 + 3e-2 * fmax(fabs(num), fabs(ana));
		checked++;
		maxerr = fmax(maxerr, fabs(num - ana));
		if (fabs(num - ana) > tol) {
			bad++;
			if (bad < 10)
				fprintf(stderr, "param %zu: num %g ana %g\n", i, num, ana);
		}
	}
	CHECK_MSG(bad == 0, "%d of %d gradients off (max abs err %g)", bad, checked, maxerr);
	/* gradients accumulate: a second forward/backward doubles them */
	model_forward(m, in, tg, w, B, T, &loss, err);
	model_backward(m, err);
	double maxd = 0;
	for (size_t i = 0; i < np; i++)
		maxd = fmax(maxd, fabs(model_grads(m)[i] - 2 * g[i]));
	CHECK(maxd < 1e-5);
	/* losses stay readable after the backward; the probabilities do not */
	CHECK(model_token_nll(m) != NULL && model_seq_loss(m) != NULL);
	CHECK(model_logits(m) == NULL);
	/* backward needs a forward with targets */
	CHECK_INT(model_backward(m, err), MENTOR_EUSAGE);
	model_forward(m, in, NULL, NULL, B, T, NULL, err);
	CHECK_INT(model_backward(m, err), MENTOR_EUSAGE);
	free(g);
	model_free(m);
}

static void test_loss_weights(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 13,
				   .max_seq_len = 8,
				   .n_layer = 1,
				   .n_head = 2,
				   .n_embd = 8};
	struct model *m = new_model(&cfg, 5);
	enum { B = 3, T = 4 };
	int32_t in[B * T], tg[B * T];
	float w[B * T];
	for (int i = 0; i < B * T; i++) {
		in[i] = (int32_t)((i * 5) % 13);
		tg[i] = (int32_t)((i * 7 + 1) % 13);
		w[i] = 0.1f * (float)(i % 4);
	}
	float loss, loss1;
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), 0);
	const float *nll = model_token_nll(m), *sl = model_seq_loss(m), *sw = model_seq_weight(m);
	double num = 0, den = 0;
	for (int b = 0; b < B; b++) {
		double s = 0, ws = 0;
		for (int t = 0; t < T; t++) {
			s += w[b * T + t] * nll[b * T + t];
			ws += w[b * T + t];
		}
		CHECK_NEAR(sl[b], s, 1e-5);
		CHECK_NEAR(sw[b], ws, 1e-6);
		num += s;
		den += ws;
	}
	CHECK_NEAR(loss, num / den, 1e-5);
	/* NULL weights = mean over all positions; equal weights give the same */
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &loss1, err), 0);
	double mean = 0;
	for (int i = 0; i < B * T; i++)
		mean += model_token_nll(m)[i];
	CHECK_NEAR(loss1, mean / (B * T), 1e-5);
	for (int i = 0; i < B * T; i++)
		w[i] = 0.5f;
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), 0);
	CHECK_NEAR(loss, loss1, 1e-6);
	/* probabilities in the output buffer sum to one */
	const float *pr = model_logits(m);
	double s = 0;
	for (int i = 0; i < 13; i++)
		s += pr[i];
	CHECK_NEAR(s, 1.0, 1e-5);
	/* all-zero weights: loss 0 and no gradient */
	memset(w, 0, sizeof w);
	model_zero_grad(m);
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), 0);
	CHECK_NEAR(loss, 0.0, 0);
	CHECK_INT(model_backward(m, err), 0);
	CHECK_NEAR(model_grad_norm(m), 0.0, 0);
	/* hostile inputs */
	in[3] = 13;
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "input token") != NULL);
	in[3] = -1;
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	in[3] = 0;
	tg[2] = 99;
	CHECK_INT(model_forward(m, in, tg, NULL, B, T, &loss, err), MENTOR_EUSAGE);
	tg[2] = 0;
	w[1] = -1.0f;
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), MENTOR_EUSAGE);
	w[1] = NAN;
	CHECK_INT(model_forward(m, in, tg, w, B, T, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(model_forward(m, in, tg, NULL, B, 9, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(model_forward(m, in, tg, NULL, 0, T, &loss, err), MENTOR_EUSAGE);
	CHECK_INT(model_forward(m, in, tg, NULL, 0x7fffffff, 8, &loss, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "tokens") != NULL);
	CHECK(model_token_nll(m) == NULL);
	model_free(m);
}

static void test_kv_decode(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 17,
				   .max_seq_len = 12,
				   .n_layer = 2,
				   .n_head = 2,
				   .n_embd = 16};
	struct model *m = new_model(&cfg, 11);
	/* sharpen the weights so the argmax is decided */
	float *p = model_params(m);
	for (size_t i = 0; i < model_num_params(m); i++)
		p[i] *= 5.0f;
	int32_t seq[12] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};
	CHECK_INT(model_forward(m, seq, NULL, NULL, 1, 12, NULL, err), 0);
	float full[12 * 17];
	memcpy(full, model_logits(m), sizeof full);
	CHECK_INT(model_kv_reset(m, err), 0);
	double maxd = 0;
	int argmax_ok = 1;
	for (int t = 0; t < 12; t++) {
		const float *lg;
		CHECK_INT(model_kv_step(m, seq[t], &lg, err), 0);
		int a1 = 0, a2 = 0;
		for (int v = 0; v < 17; v++) {
			maxd = fmax(maxd, fabs(lg[v] - full[t * 17 + v]));
			if (lg[v] > lg[a1])
				a1 = v;
			if (full[t * 17 + v] > full[t * 17 + a2])
				a2 = v;
		}
		argmax_ok &= a1 == a2;
	}
	CHECK_MSG(maxd < 1e-3, "kv logits differ by %g", maxd);
	CHECK(argmax_ok);
	CHECK_INT(model_kv_len(m), 12);
	const float *lg;
	CHECK_INT(model_kv_step(m, 1, &lg, err), MENTOR_EUSAGE); /* context full */
	model_kv_reset(m, err);
	CHECK_INT(model_kv_step(m, 17, &lg, err), MENTOR_EUSAGE);

	/* greedy generation equals repeated full forwards with argmax */
	int32_t prompt[3] = {2, 7, 1}, out[20];
	size_t n;
	int stopped;
	CHECK_INT(model_generate(m, prompt, 3, -1, 20, out, &n, &stopped, err), 0);
	/* context 12: 3 prompt tokens and 9 generated ones fill it; the logits at
	 * the last position give a 10th */
	CHECK_INT(n, 10);
	CHECK_INT(stopped, 0);
	int32_t ctx[13];
	memcpy(ctx, prompt, sizeof prompt);
	int same = 1;
	for (int k = 0; k < (int)n; k++) {
		int len = 3 + k;
		model_forward(m, ctx, NULL, NULL, 1, len, NULL, err);
		const float *row = model_logits(m) + (size_t)(len - 1) * 17;
		int a = 0;
		for (int v = 1; v < 17; v++)
			if (row[v] > row[a])
				a = v;
		same &= a == out[k];
		ctx[len] = a;
	}
	CHECK(same);
	/* stop token: the first generated token, so nothing is stored */
	CHECK_INT(model_generate(m, prompt, 3, out[0], 20, out, &n, &stopped, err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(stopped, 1);
	CHECK_INT(model_generate(m, prompt, 3, -1, 2, out, &n, NULL, err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(model_generate(m, prompt, 0, -1, 2, out, &n, NULL, err), MENTOR_EUSAGE);
	/* a long prompt keeps its tail */
	int32_t longp[40];
	for (int i = 0; i < 40; i++)
		longp[i] = i % 17;
	CHECK_INT(model_generate(m, longp, 40, -1, 5, out, &n, NULL, err), 0);
	CHECK_INT(n, 2);
	model_free(m);
}

/* Train a tiny model on a repeating pattern: the loss must fall well below the
 * uniform-guess loss log(V). Also checks that two runs agree bit for bit. */
static float train_pattern(int steps, float *first, uint64_t seed)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 16,
				   .max_seq_len = 16,
				   .n_layer = 2,
				   .n_head = 2,
				   .n_embd = 32};
	struct model *m = new_model(&cfg, seed);
	enum { B = 4, T = 16 };
	int32_t in[B * T], tg[B * T];
	struct model_adamw opt = {.lr = 1e-2f,
				  .beta1 = 0.9f,
				  .beta2 = 0.99f,
				  .eps = 1e-8f,
				  .weight_decay = 0.01f};
	struct rng r;
	rng_seed(&r, 1234);
	float loss = 0;
	for (int s = 0; s < steps; s++) {
		/* sequences count up by a per-sequence stride mod 16 */
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
		model_zero_grad(m);
		if (model_forward(m, in, tg, NULL, B, T, &loss, err) || model_backward(m, err))
			TEST_SETUP_FAIL("%s", err);
		model_clip_grad(m, 1.0f);
		if (model_adamw_step(m, &opt, err))
			TEST_SETUP_FAIL("%s", err);
		if (s == 0)
			*first = loss;
	}
	CHECK_INT(model_adam_step(m), steps);
	model_free(m);
	return loss;
}

static void test_training(void)
{
	float first, first2;
	float last = train_pattern(300, &first, 42);
	fprintf(stderr, "toy pattern: loss %.3f -> %.3f\n", first, last);
	CHECK(first > 2.5f); /* about log(16) = 2.77 */
	CHECK(last < 0.5f);
	float last2 = train_pattern(300, &first2, 42);
	CHECK(last == last2); /* deterministic for a given thread count */
	CHECK(first == first2);
}

static void test_optimizer(void)
{
	char err[MENTOR_ERR_LEN];
	struct model_config cfg = {.vocab_size = 5,
				   .max_seq_len = 4,
				   .n_layer = 1,
				   .n_head = 1,
				   .n_embd = 4};
	struct model *m = new_model(&cfg, 1);
	size_t np = model_num_params(m);
	float *before = malloc(np * 4);
	if (!before)
		TEST_SETUP_FAIL("out of memory");
	memcpy(before, model_params(m), np * 4);
	/* zero gradient: decayed tensors shrink, the others stay */
	model_zero_grad(m);
	struct model_adamw opt = {.lr = 0.1f,
				  .beta1 = 0.9f,
				  .beta2 = 0.999f,
				  .eps = 1e-8f,
				  .weight_decay = 0.5f};
	CHECK_INT(model_adamw_step(m, &opt, err), 0);
	for (int i = 0; i < MODEL_N_TENSORS; i++) {
		size_t off, size;
		int decay;
		model_tensor_info(m, i, NULL, &off, &size, &decay);
		float want = decay ? before[off] * (1.0f - 0.1f * 0.5f) : before[off];
		CHECK_NEAR(model_params(m)[off], want, 1e-7);
	}
	/* one step with a unit gradient moves each parameter by about lr */
	memcpy(model_params(m), before, np * 4);
	model_set_adam_step(m, 0);
	memset(model_adam_m(m), 0, np * 4);
	memset(model_adam_v(m), 0, np * 4);
	for (size_t i = 0; i < np; i++)
		model_grads(m)[i] = 1.0f;
	CHECK_NEAR(model_grad_norm(m), sqrt((double)np), 1e-3);
	float n0 = model_clip_grad(m, 1.0f);
	CHECK_NEAR(n0, sqrt((double)np), 1e-3);
	CHECK_NEAR(model_grad_norm(m), 1.0, 1e-4);
	opt.weight_decay = 0.0f;
	CHECK_INT(model_adamw_step(m, &opt, err), 0);
	CHECK_NEAR(model_params(m)[0], before[0] - 0.1f, 1e-4);
	CHECK_INT(model_adam_step(m), 1);
	opt.lr = NAN;
	CHECK_INT(model_adamw_step(m, &opt, err), MENTOR_EUSAGE);
	opt.lr = 0.1f, opt.beta2 = 1.0f;
	CHECK_INT(model_adamw_step(m, &opt, err), MENTOR_EUSAGE);
	CHECK_INT(model_adam_step(m), 1);
	free(before);
	model_free(m);
}

static void test_blas_info(void)
{
	char info[256];
	int generic = model_blas_info(info, sizeof info);
	CHECK(generic == 0 || generic == 1);
	CHECK(strstr(info, "core ") != NULL);
	char tiny[8];
	model_blas_info(tiny, sizeof tiny); /* truncates, stays terminated */
	CHECK(strlen(tiny) == 7);
}

int main(void)
{
	model_set_threads(2);
	test_blas_info();
	test_config();
	test_layout();
	test_full_gradient();
	test_loss_weights();
	test_kv_decode();
	test_optimizer();
	test_training();
	return test_done();
}
