/* fuzz_model: the tiny student of the model file harnesses (fuzz_model.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_model.h"
#include "fuzz.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include "mentor/util.h"

static void die(const char *err)
{
	fprintf(stderr, "fuzz setup: %s\n", err);
	abort();
}

void fuzz_tiny_ckpt(const char *path)
{
	static const char *const texts[] = {
		"What is 3 + 4? So the answer is 7.",
		"Is ice cold? yes. 答えは はい です。",
	};
	size_t lens[2] = {strlen(texts[0]), strlen(texts[1])};
	char err[MENTOR_ERR_LEN];
	struct tokenizer *tok;
	if (tokenizer_train(texts, lens, 2, TOKENIZER_MIN_VOCAB + 8, &tok, err))
		die(err);
	struct model_config mc = {tokenizer_vocab_size(tok), 16, 1, 2, 8};
	size_t n = model_config_num_params(&mc);
	float *p = malloc(n * sizeof *p);
	if (!p)
		abort();
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (float)((x >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	train_config_defaults(&ck.cfg);
	snprintf(ck.cfg.dataset, sizeof ck.cfg.dataset, "fuzz");
	snprintf(ck.cfg.preset, sizeof ck.cfg.preset, "custom");
	ck.cfg.n_layer = mc.n_layer;
	ck.cfg.n_embd = mc.n_embd;
	ck.cfg.n_head = mc.n_head;
	ck.cfg.n_ctx = mc.max_seq_len;
	ck.cfg.vocab = mc.vocab_size;
	ck.cfg.threads = 1;
	ck.mcfg = mc;
	ck.tok = tok;
	ck.params = p;
	ck.n_params = n;
	ck.step = ck.total_steps = 3;
	if (train_ckpt_save(path, &ck, err))
		die(err);
	free(p);
	tokenizer_free(tok);
}

static void tiny_model(struct modelio_model *mm)
{
	char *ck = fuzz_path("tiny-model.ckpt");
	char err[MENTOR_ERR_LEN];
	fuzz_tiny_ckpt(ck);
	if (modelio_from_ckpt(ck, mm, err))
		die(err);
	remove(ck);
	free(ck);
}

void fuzz_tiny_hf(const char *dir)
{
	struct modelio_model mm;
	char err[MENTOR_ERR_LEN];
	tiny_model(&mm);
	if (modelio_write_hf(&mm, dir, err))
		die(err);
	modelio_model_release(&mm);
}

void fuzz_tiny_gguf(const char *path)
{
	struct modelio_model mm;
	char err[MENTOR_ERR_LEN];
	tiny_model(&mm);
	if (modelio_write_gguf(&mm, path, err))
		die(err);
	modelio_model_release(&mm);
}
