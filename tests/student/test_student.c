/* test_student: the student interface over both architectures. Forward,
 * backward, clipping and AdamW through it give bit for bit what direct calls
 * on a twin model give; the buffers, tensors, KV-cache decoding and greedy
 * generation are the wrapped model's; names, configs and presets. */
#include <math.h>

#include "mentor/student.h"
#include "test.h"

static char err[MENTOR_ERR_LEN];

/* Direct calls on the wrapped model's own API, to compare with. */
struct direct {
	struct model *g;
	struct llama *l;
};

static int d_forward(struct direct *d, const int32_t *in, const int32_t *tg, const float *w, int B,
		     int T, float *loss)
{
	return d->g ? model_forward(d->g, in, tg, w, B, T, loss, err)
		    : llama_forward(d->l, in, tg, w, B, T, loss, err);
}

static int d_backward(struct direct *d)
{
	return d->g ? model_backward(d->g, err) : llama_backward(d->l, err);
}

static float d_clip(struct direct *d, float x)
{
	return d->g ? model_clip_grad(d->g, x) : llama_clip_grad(d->l, x);
}

static int d_adamw(struct direct *d, const struct model_adamw *o)
{
	return d->g ? model_adamw_step(d->g, o, err) : llama_adamw_step(d->l, o, err);
}

static void d_zero(struct direct *d)
{
	if (d->g)
		model_zero_grad(d->g);
	else
		llama_zero_grad(d->l);
}

static float *d_params(struct direct *d)
{
	return d->g ? model_params(d->g) : llama_params(d->l);
}
static float *d_grads(struct direct *d)
{
	return d->g ? model_grads(d->g) : llama_grads(d->l);
}
static float *d_m(struct direct *d)
{
	return d->g ? model_adam_m(d->g) : llama_adam_m(d->l);
}
static float *d_v(struct direct *d)
{
	return d->g ? model_adam_v(d->g) : llama_adam_v(d->l);
}

static const float *d_nll(struct direct *d)
{
	return d->g ? model_token_nll(d->g) : llama_token_nll(d->l);
}

static int d_generate(struct direct *d, const int32_t *p, size_t np, size_t max_new, int32_t *out,
		      size_t *n_out)
{
	return d->g ? model_generate(d->g, p, np, -1, max_new, out, n_out, NULL, err)
		    : llama_generate(d->l, p, np, -1, max_new, out, n_out, NULL, err);
}

static int same(const float *a, const float *b, size_t n)
{
	return memcmp(a, b, n * sizeof(float)) == 0;
}

/* Three training steps of a twin pair, then decoding. */
static void test_twins(const struct student_config *cfg, struct direct *d)
{
	struct student *s = NULL;
	CHECK_INT(student_new(cfg, 42, &s, err), 0);
	if (!s)
		return;
	CHECK_INT(student_arch(s), cfg->arch);
	CHECK(student_config_same(student_get_config(s), cfg));
	size_t n = student_num_params(s);
	CHECK(n == student_config_num_params(cfg));
	CHECK(same(student_params(s), d_params(d), n));
	int V = student_config_vocab_size(cfg), B = 2, T = 7;
	int32_t in[14], tg[14];
	float w[14];
	for (int i = 0; i < B * T; i++) {
		in[i] = (i * 7 + 3) % V;
		tg[i] = i % 5 == 0 ? -1 : (i * 11 + 1) % V;
		w[i] = (float)(i % 3) * 0.5f;
	}
	struct model_adamw o = {1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f};
	for (int step = 0; step < 3; step++) {
		float la = -1, lb = -2;
		student_zero_grad(s);
		d_zero(d);
		CHECK_INT(student_forward(s, in, tg, step == 1 ? NULL : w, B, T, &la, err), 0);
		CHECK_INT(d_forward(d, in, tg, step == 1 ? NULL : w, B, T, &lb), 0);
		CHECK(la == lb && isfinite(la));
		CHECK(same(student_token_nll(s), d_nll(d), (size_t)(B * T)));
		CHECK(student_seq_loss(s) != NULL && student_seq_weight(s) != NULL);
		CHECK_INT(student_backward(s, err), 0);
		CHECK_INT(d_backward(d), 0);
		CHECK(same(student_grads(s), d_grads(d), n));
		float gn = d->g ? model_grad_norm(d->g) : llama_grad_norm(d->l);
		CHECK(student_grad_norm(s) == gn);
		CHECK(student_clip_grad(s, 0.5f) == d_clip(d, 0.5f));
		CHECK_INT(student_adamw_step(s, &o, err), 0);
		CHECK_INT(d_adamw(d, &o), 0);
		CHECK(same(student_params(s), d_params(d), n));
		CHECK(same(student_adam_m(s), d_m(d), n));
		CHECK(same(student_adam_v(s), d_v(d), n));
	}
	CHECK_INT(student_adam_step(s), 3);
	student_set_adam_step(s, 9);
	CHECK_INT(student_adam_step(s), 9);
	/* logits only */
	CHECK_INT(student_forward(s, in, NULL, NULL, 1, T, NULL, err), 0);
	CHECK_INT(d_forward(d, in, NULL, NULL, 1, T, NULL), 0);
	const float *ld = d->g ? model_logits(d->g) : llama_logits(d->l);
	CHECK(same(student_logits(s), ld, (size_t)(T * V)));
	/* a bad id is the model's own error */
	int32_t bad[2] = {0, V};
	CHECK(student_forward(s, bad, NULL, NULL, 1, 2, NULL, err) != 0);
	/* decoding */
	CHECK_INT(student_kv_reset(s, err), 0);
	const float *lg = NULL;
	CHECK_INT(student_kv_step(s, 1, &lg, err), 0);
	CHECK_INT(student_kv_step(s, 2, &lg, err), 0);
	CHECK_INT(student_kv_len(s), 2);
	CHECK(student_kv_step(s, -1, &lg, err) != 0);
	int32_t ga[8], gb[8];
	size_t na = 0, nb = 0;
	int stopped = -1;
	CHECK_INT(student_generate(s, in, 3, -1, 8, ga, &na, &stopped, err), 0);
	CHECK_INT(d_generate(d, in, 3, 8, gb, &nb), 0);
	CHECK(na == nb && na == 8 && memcmp(ga, gb, na * sizeof *ga) == 0);
	CHECK_INT(stopped, 0);
	/* tensors */
	int nt = student_num_tensors(s);
	CHECK(nt > 2);
	size_t total = 0, off, sz;
	const char *name;
	int decay;
	for (int i = 0; i < nt; i++) {
		CHECK_INT(student_tensor_info(s, i, &name, &off, &sz, &decay), 0);
		CHECK(off == total);
		total += sz;
		CHECK_INT(student_tensor_find(s, name), i);
	}
	CHECK(total == n);
	CHECK(student_tensor_info(s, nt, NULL, NULL, NULL, NULL) != 0);
	CHECK(student_tensor_info(s, -1, NULL, NULL, NULL, NULL) != 0);
	CHECK_INT(student_tensor_find(s, "no.such.tensor"), -1);
	CHECK_INT(student_tensor_find(s, NULL), -1);
	int width = 0;
	int emb = student_embedding(s, &width);
	CHECK_INT(student_tensor_info(s, emb, &name, NULL, &sz, &decay), 0);
	CHECK(sz == (size_t)V * (size_t)width);
	CHECK_INT(decay, 1);
	CHECK((student_gpt2(s) != NULL) == (cfg->arch == STUDENT_GPT2));
	CHECK((student_llama(s) != NULL) == (cfg->arch == STUDENT_LLAMA));
	student_free(s);
}

static void test_names_and_configs(void)
{
	CHECK_STR(student_arch_name(STUDENT_GPT2), "gpt2");
	CHECK_STR(student_arch_name(STUDENT_LLAMA), "llama");
	CHECK_STR(student_arch_name(STUDENT_N_ARCHS), "?");
	CHECK_STR(student_arch_name(-1), "?");
	CHECK_INT(student_arch_parse("gpt2"), STUDENT_GPT2);
	CHECK_INT(student_arch_parse("llama"), STUDENT_LLAMA);
	CHECK_INT(student_arch_parse("Llama"), -1);
	CHECK_INT(student_arch_parse(""), -1);
	CHECK_INT(student_arch_parse(NULL), -1);
	struct student_config c;
	memset(&c, 0, sizeof c);
	c.arch = 5;
	CHECK(student_config_check(&c, err) == MENTOR_EUSAGE && strstr(err, "architecture"));
	struct student *s = (struct student *)1;
	CHECK(student_new(&c, 1, &s, err) != 0 && s == NULL);
	c.arch = STUDENT_LLAMA; /* all zero: llama_config_check's message */
	CHECK(student_config_check(&c, err) == MENTOR_EUSAGE);
	c.arch = STUDENT_GPT2;
	CHECK(student_config_check(&c, err) == MENTOR_EUSAGE);
	CHECK(student_from_gpt2(NULL) == NULL);
	CHECK(student_from_llama(NULL) == NULL);
	student_free(NULL);

	/* presets of both architectures: the same depth, width and context;
	 * the llama ones have 90-93% of the parameters (half the key/value
	 * heads, no position embeddings, no biases) */
	const char *names[3] = {"tiny", "small", "base"};
	for (int i = 0; i < 3; i++) {
		struct student_config g, l;
		memset(&g, 0, sizeof g);
		memset(&l, 0, sizeof l);
		g.arch = STUDENT_GPT2;
		l.arch = STUDENT_LLAMA;
		CHECK_INT(model_config_preset(names[i], 512, &g.gpt2, err), 0);
		CHECK_INT(student_llama_preset(names[i], 512, &l.llama, err), 0);
		CHECK_INT(student_config_check(&l, err), 0);
		CHECK_INT(l.llama.n_layer, g.gpt2.n_layer);
		CHECK_INT(l.llama.hidden_size, g.gpt2.n_embd);
		CHECK_INT(l.llama.n_head, g.gpt2.n_head);
		CHECK_INT(l.llama.n_kv_head * 2, g.gpt2.n_head);
		CHECK_INT(l.llama.intermediate_size % 32, 0);
		CHECK_INT(student_config_max_seq_len(&l), student_config_max_seq_len(&g));
		CHECK_INT(student_config_vocab_size(&l), 512);
		double r = (double)student_config_num_params(&l) /
			   (double)student_config_num_params(&g);
		CHECK_MSG(r > 0.9 && r < 0.94, "%s: llama/gpt2 parameters %.3f", names[i], r);
		CHECK(!student_config_same(&l, &g));
		struct student_config l2 = l;
		CHECK(student_config_same(&l, &l2));
		student_config_set_vocab(&l2, 600);
		CHECK_INT(l2.llama.vocab_size, 600);
		CHECK(!student_config_same(&l, &l2));
	}
	struct llama_config lc;
	CHECK(student_llama_preset("huge", 512, &lc, err) == MENTOR_EUSAGE);
	CHECK(student_llama_preset(NULL, 512, &lc, err) == MENTOR_EUSAGE);
	/* an odd head count keeps every key/value head */
	student_llama_shape(1, 48, 3, 16, 300, &lc);
	CHECK_INT(lc.n_kv_head, 3);
	CHECK_INT(lc.head_dim, 16);
}

int main(void)
{
	model_set_threads(1);
	test_names_and_configs();

	struct student_config g;
	memset(&g, 0, sizeof g);
	g.arch = STUDENT_GPT2;
	g.gpt2 = (struct model_config){61, 16, 2, 2, 16};
	struct direct dg = {0};
	if (model_new(&g.gpt2, 42, &dg.g, err))
		TEST_SETUP_FAIL("%s", err);
	test_twins(&g, &dg);
	model_free(dg.g);

	/* Llama with the optional parts: Qwen2's biases, Qwen3's q/k norms, a
	 * separate head */
	for (int variant = 0; variant < 3; variant++) {
		struct student_config l;
		memset(&l, 0, sizeof l);
		l.arch = STUDENT_LLAMA;
		student_llama_shape(2, 16, 4, 16, 61, &l.llama);
		l.llama.family = variant;
		l.llama.attention_bias = variant == LLAMA_FAMILY_QWEN2;
		l.llama.qk_norm = variant == LLAMA_FAMILY_QWEN3;
		l.llama.tie_word_embeddings = variant != 1;
		if (llama_config_check(&l.llama, err))
			TEST_SETUP_FAIL("%s", err);
		struct direct dl = {0};
		if (llama_new(&l.llama, 42, &dl.l, err))
			TEST_SETUP_FAIL("%s", err);
		test_twins(&l, &dl);
		llama_free(dl.l);
	}
	return test_done();
}
