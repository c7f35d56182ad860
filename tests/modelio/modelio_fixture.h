/* modelio_fixture: a tiny trained-looking student written as a mentor
 * checkpoint (tokenizer trained on a few texts, every parameter set from a
 * deterministic stream so that any misplaced tensor shows), shared by the
 * modelio tests. */
#ifndef MENTOR_MODELIO_FIXTURE_H
#define MENTOR_MODELIO_FIXTURE_H

#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include "mentor/util.h"
#include "test.h"

#define FIX_L 2
#define FIX_C 16
#define FIX_NH 2
#define FIX_T 48

/* Write the checkpoint at path; *mcfg gets the model's shape. */
static inline void fixture_ckpt(const char *path, int variant, struct model_config *mcfg)
{
	static const char *texts[] = {
		"What is 3 + 4? 3 + 4 = 7. So the answer is 7.",
		"What is 12 + 30? 12 + 30 = 42. So the answer is 42.",
		"Tom has 5 apples and eats 2. How many are left? 5 - 2 = 3.",
		"りんごが3個あります。2個食べました。残りは1個です。",
		"The quick brown fox jumps over the lazy dog.\n\ttabs\x01and\x7f bytes",
		"Is the sky blue? yes because light scatters. So the answer is yes.",
	};
	size_t n = sizeof texts / sizeof texts[0];
	size_t lens[sizeof texts / sizeof texts[0]];
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	char err[MENTOR_ERR_LEN];
	struct tokenizer *tok;
	if (tokenizer_train(texts, lens, n, 340, &tok, err))
		TEST_SETUP_FAIL("%s", err);
	struct model_config mc = {tokenizer_vocab_size(tok), FIX_T, FIX_L, FIX_NH, FIX_C};
	struct model *m;
	if (model_new(&mc, 7, &m, err))
		TEST_SETUP_FAIL("%s", err);
	float *p = model_params(m);
	struct rng r;
	rng_seed(&r, 42);
	for (size_t i = 0; i < model_num_params(m); i++)
		p[i] = (float)(rng_unit(&r) - 0.5) * 0.6f;
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	train_config_defaults(&ck.cfg);
	snprintf(ck.cfg.dataset, sizeof ck.cfg.dataset, "arith");
	snprintf(ck.cfg.preset, sizeof ck.cfg.preset, "custom");
	ck.cfg.variant = variant;
	ck.cfg.n_layer = FIX_L;
	ck.cfg.n_embd = FIX_C;
	ck.cfg.n_head = FIX_NH;
	ck.cfg.n_ctx = FIX_T;
	ck.cfg.vocab = mc.vocab_size;
	ck.cfg.max_new = 12;
	ck.cfg.threads = 1;
	ck.mcfg = mc;
	ck.tok = tok;
	ck.params = p;
	ck.n_params = model_num_params(m);
	ck.step = ck.total_steps = 10;
	if (train_ckpt_save(path, &ck, err))
		TEST_SETUP_FAIL("%s", err);
	*mcfg = mc;
	model_free(m);
	tokenizer_free(tok);
}

/* The MT-CoT fixture checkpoint written at ckpt and converted to GGUF at
 * gguf (setup failure otherwise). */
static inline void fixture_gguf(const char *ckpt, const char *gguf)
{
	char err[MENTOR_ERR_LEN];
	struct model_config mc;
	fixture_ckpt(ckpt, TRAIN_MT_COT, &mc);
	struct modelio_model mm;
	if (modelio_from_ckpt(ckpt, &mm, err) || modelio_write_gguf(&mm, gguf, err))
		TEST_SETUP_FAIL("%s", err);
	modelio_model_release(&mm);
}

/* Whole file into memory (caller frees), or setup failure. */
static inline unsigned char *fixture_slurp(const char *path, size_t *len)
{
	char err[MENTOR_ERR_LEN];
	char *d = util_read_file(path, (size_t)1 << 30, len, err);
	if (!d)
		TEST_SETUP_FAIL("%s", err);
	return (unsigned char *)d;
}

static inline void fixture_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		TEST_SETUP_FAIL("cannot write %s", path);
}

#endif
