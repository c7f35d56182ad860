/* test_llama_hf DIR: one folder written by llama_hf_fixture.py (PyTorch,
 * random weights in F32, F16 or BF16, maybe sharded, or a model.gguf in
 * llama.cpp's converter layout) read by modelio_llama_read; mentor's llama
 * module on its ids must give the logits plain torch computed from the
 * same weights to 1e-4 relative
 * (|a - b| <= 1e-4 * max(1, |b|)). Run by test_llama_hf.sh. */
#include "mentor/llama.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "test.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		TEST_SETUP_FAIL("usage: test_llama_hf DIR");
	const char *dir = argv[1];
	char err[MENTOR_ERR_LEN], path[1024];
	struct modelio_llama mm;
	/* a GGUF folder holds model.gguf and what the test compares with */
	snprintf(path, sizeof path, "%s/model.gguf", dir);
	if (access(path, R_OK) != 0)
		snprintf(path, sizeof path, "%s", dir);
	if (modelio_llama_read(path, &mm, err)) {
		fprintf(stderr, "%s\n", err);
		CHECK_MSG(0, "%s: not read", dir);
		return test_done();
	}
	snprintf(path, sizeof path, "%s/ids.txt", dir);
	FILE *f = fopen(path, "r");
	int B, T;
	if (!f || fscanf(f, "%d %d", &B, &T) != 2 || B < 1 || T < 1 || B * T > 4096)
		TEST_SETUP_FAIL("cannot read %s", path);
	int32_t *ids = malloc((size_t)B * T * sizeof *ids);
	for (int i = 0; i < B * T; i++)
		if (fscanf(f, "%d", &ids[i]) != 1)
			TEST_SETUP_FAIL("cannot read %s", path);
	fclose(f);
	size_t n = (size_t)B * T * (size_t)mm.cfg.vocab_size;
	float *want = malloc(n * sizeof *want);
	snprintf(path, sizeof path, "%s/logits.bin", dir);
	f = fopen(path, "rb");
	if (!f || fread(want, sizeof *want, n, f) != n)
		TEST_SETUP_FAIL("cannot read %zu logits from %s", n, path);
	fclose(f);
	struct llama *m;
	if (llama_new(&mm.cfg, 1, &m, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(llama_num_params(m), mm.n_params);
	memcpy(llama_params(m), mm.params, mm.n_params * sizeof(float));
	float loss;
	CHECK_MSG(!llama_forward(m, ids, NULL, NULL, B, T, &loss, err), "%s", err);
	double worst = 0;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		double a = llama_logits(m)[i], b = want[i];
		double d = fabs(a - b) / fmax(1.0, fabs(b));
		worst = fmax(worst, d);
		bad += !(d <= 1e-4);
	}
	CHECK_MSG(!bad, "%s: %zu of %zu logits off, worst %.3g relative", dir, bad, n, worst);
	/* the vocabulary: the added tokens land on their rows */
	struct tokenizer_ids t;
	tokenizer_ids_init(&t);
	const char *txt = "<|im_start|>hello world<|im_end|>";
	CHECK(!tokenizer_encode(mm.tok, txt, strlen(txt), &t, err));
	CHECK(t.n >= 3 && tokenizer_file_id(mm.tok, t.ids[0]) == 271 &&
	      tokenizer_file_id(mm.tok, t.ids[t.n - 1]) == 272);
	CHECK_INT(tokenizer_file_id(mm.tok, tokenizer_special(mm.tok, TOKENIZER_EOS)), 270);
	tokenizer_ids_release(&t);
	fprintf(stderr, "%s: worst logit difference %.3g relative\n", dir, worst);
	llama_free(m);
	free(ids);
	free(want);
	modelio_llama_release(&mm);
	return test_done();
}
