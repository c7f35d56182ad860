/* test_llama_parity DIR: one model written by llama_ref.py (PyTorch after
 * transformers' Llama, Qwen2 and Qwen3): its config.json through
 * llama_config_from_json, its weights by name into a llama, then mentor's
 * logits against torch's to 1e-4 relative (|a - b| <= 1e-4 * max(1, |b|)),
 * the loss to 1e-5 relative and every parameter's gradient against torch's
 * (tolerance below). Run by test_llama_parity.sh. */
#include "mentor/llama.h"

#include "test.h"

/* Gradients: each is a sum over the batch's 24 positions of products that
 * torch and mentor add in different orders (BLAS blocking, the attention
 * and norm sums), in float32. An element must be within 1e-4 of its
 * tensor's largest gradient (plus 1e-6 absolute): the differences measured
 * on these four models are at most 3e-6 of the largest, and a gradient
 * wrong in sign, scale or position moves elements by far more. */
#define GRAD_REL 1e-4
#define GRAD_ABS 1e-6

static float *read_floats(const char *dir, const char *name, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	float *p = malloc((n ? n : 1) * sizeof *p);
	if (!f || !p || fread(p, sizeof *p, n, f) != n)
		TEST_SETUP_FAIL("cannot read %zu floats from %s", n, path);
	fclose(f);
	return p;
}

/* Each line "name rows cols offset" of DIR/stem.txt, whose data is in
 * DIR/stem.bin, against the model's tensor of that name: same shape; the
 * floats are copied into dst (the parameter buffer) or, when dst is NULL,
 * compared with the gradient. Every model tensor must appear once. */
static void by_name(struct llama *m, const char *dir, const char *stem, float *dst)
{
	char path[1024], name[200];
	snprintf(path, sizeof path, "%s/%s.txt", dir, stem);
	FILE *f = fopen(path, "r");
	if (!f)
		TEST_SETUP_FAIL("cannot open %s", path);
	size_t total = llama_num_params(m);
	char bin[64];
	snprintf(bin, sizeof bin, "%s.bin", stem);
	float *data = read_floats(dir, bin, total);
	int nt = llama_num_tensors(m), *seen = calloc((size_t)nt, sizeof *seen);
	int rows, cols;
	size_t off;
	while (fscanf(f, "%199s %d %d %zu", name, &rows, &cols, &off) == 4) {
		int i = llama_tensor_find(m, name);
		CHECK_MSG(i >= 0, "%s: tensor %s not in the model", dir, name);
		if (i < 0)
			continue;
		seen[i]++;
		size_t moff, size;
		int mr, mc;
		llama_tensor_info(m, i, NULL, &moff, &size, &mr, &mc, NULL);
		CHECK_MSG(mr == rows && mc == cols, "%s: %s is %dx%d in torch, %dx%d here", dir,
			  name, rows, cols, mr, mc);
		if (mr != rows || mc != cols || off + size > total)
			continue;
		if (dst) {
			memcpy(dst + moff, data + off, size * sizeof(float));
			continue;
		}
		const float *g = llama_grads(m) + moff, *want = data + off;
		double scale = 0, worst = 0;
		for (size_t j = 0; j < size; j++)
			scale = fmax(scale, fabs(want[j]));
		for (size_t j = 0; j < size; j++)
			worst = fmax(worst, fabs(g[j] - want[j]));
		CHECK_MSG(worst <= GRAD_REL * scale + GRAD_ABS,
			  "%s: gradient of %s differs by %g (largest %g)", dir, name, worst, scale);
		if (getenv("MENTOR_PARITY_VERBOSE"))
			fprintf(stderr, "%-48s max diff %.3g of %.3g\n", name, worst, scale);
	}
	fclose(f);
	for (int i = 0; i < nt; i++) {
		const char *tn;
		llama_tensor_info(m, i, &tn, NULL, NULL, NULL, NULL, NULL);
		CHECK_MSG(seen[i] == 1, "%s: %s given %d times", dir, tn, seen[i]);
	}
	free(seen);
	free(data);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		TEST_SETUP_FAIL("usage: test_llama_parity DIR");
	const char *dir = argv[1];
	char err[MENTOR_ERR_LEN], path[1024];
	model_set_threads(2);
	snprintf(path, sizeof path, "%s/config.json", dir);
	size_t len;
	char *text = util_read_file(path, LLAMA_MAX_CONFIG_BYTES, &len, err);
	if (!text)
		TEST_SETUP_FAIL("%s", err);
	struct llama_config cfg;
	struct llama *m;
	if (llama_config_from_json(text, len, &cfg, err) || llama_new(&cfg, 1, &m, err))
		TEST_SETUP_FAIL("%s: %s", dir, err);
	free(text);
	by_name(m, dir, "weights", llama_params(m));

	snprintf(path, sizeof path, "%s/batch.txt", dir);
	FILE *f = fopen(path, "r");
	int B, T;
	if (!f || fscanf(f, "%d %d", &B, &T) != 2 || B < 1 || T < 1 || B * T > 4096)
		TEST_SETUP_FAIL("bad %s", path);
	int N = B * T, V = cfg.vocab_size;
	int32_t *in = malloc((size_t)N * sizeof *in), *tg = malloc((size_t)N * sizeof *tg);
	float *w = malloc((size_t)N * sizeof *w);
	if (!in || !tg || !w)
		TEST_SETUP_FAIL("out of memory");
	for (int i = 0; i < N; i++)
		if (fscanf(f, "%d", &in[i]) != 1)
			TEST_SETUP_FAIL("bad inputs in %s", path);
	for (int i = 0; i < N; i++)
		if (fscanf(f, "%d", &tg[i]) != 1)
			TEST_SETUP_FAIL("bad targets in %s", path);
	for (int i = 0; i < N; i++)
		if (fscanf(f, "%f", &w[i]) != 1)
			TEST_SETUP_FAIL("bad weights in %s", path);
	fclose(f);

	/* logits */
	float *want = read_floats(dir, "logits.bin", (size_t)N * V);
	CHECK_INT(llama_forward(m, in, NULL, NULL, B, T, NULL, err), 0);
	const float *lg = llama_logits(m);
	double worst = 0;
	for (size_t i = 0; lg && i < (size_t)N * V; i++)
		worst = fmax(worst, fabs(lg[i] - want[i]) / fmax(1.0, fabs(want[i])));
	CHECK_MSG(lg && worst <= 1e-4, "%s: logits differ by %g relative", dir, worst);
	fprintf(stderr, "%s: logits within %.3g relative\n", dir, worst);
	/* decoding with the cache gives the same logits */
	llama_kv_reset(m, err);
	double kv = 0;
	for (int t = 0; t < T; t++) {
		const float *row;
		CHECK_INT(llama_kv_step(m, in[t], &row, err), 0);
		for (int v = 0; v < V; v++)
			kv = fmax(kv, fabs(row[v] - want[(size_t)t * V + v]) /
					      fmax(1.0, fabs(want[(size_t)t * V + v])));
	}
	CHECK_MSG(kv <= 1e-4, "%s: cached decoding differs by %g relative", dir, kv);

	/* loss and gradients */
	snprintf(path, sizeof path, "%s/loss.txt", dir);
	f = fopen(path, "r");
	double want_loss;
	if (!f || fscanf(f, "%lf", &want_loss) != 1)
		TEST_SETUP_FAIL("bad %s", path);
	fclose(f);
	float loss;
	llama_zero_grad(m);
	CHECK_INT(llama_forward(m, in, tg, w, B, T, &loss, err), 0);
	CHECK_MSG(fabs(loss - want_loss) <= 1e-5 * fabs(want_loss), "%s: loss %.9g, torch %.9g",
		  dir, loss, want_loss);
	CHECK_INT(llama_backward(m, err), 0);
	by_name(m, dir, "grads", NULL);
	free(want);
	free(in);
	free(tg);
	free(w);
	llama_free(m);
	return test_done();
}
