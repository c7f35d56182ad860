/* test_train_ckpt: checkpoints round-trip bit for bit, are written
 * atomically, and hostile files (truncated, bad magic, other versions,
 * absurd sizes, flipped bytes, garbage) fail with a clear message. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>

#include "mentor/eval.h"
#include "mentor/model.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include "test.h"

static char err[MENTOR_ERR_LEN];

static unsigned char *slurp(const char *path, size_t *n)
{
	char *d = util_read_file(path, (size_t)1 << 30, n, err);
	if (!d)
		TEST_SETUP_FAIL("%s", err);
	return (unsigned char *)d;
}

/* Load a file made of data[0..n) and expect a failure mentioning `what`. */
static void expect_fail(const unsigned char *data, size_t n, const char *what, int line)
{
	const char *p = test_path("hostile.bin");
	test_write_file(p, data, n);
	struct train_ckpt c;
	int rc = train_ckpt_load(p, 1, &c, err);
	test_checks++;
	if (rc == 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: hostile checkpoint (%zu bytes) loaded\n", __FILE__, line,
			n);
		train_ckpt_release(&c);
		return;
	}
	if (what && !strstr(err, what)) {
		test_failures++;
		fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, line, err, what);
	}
	/* one line, naming the file */
	CHECK(!strchr(err, '\n'));
	CHECK(strstr(err, "hostile.bin") != NULL);
}
#define EXPECT_FAIL(d, n, what) expect_fail(d, n, what, __LINE__)

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* FNV-1a 64 written out here, independent of util_fnv1a. */
static uint64_t fnv(const unsigned char *p, size_t n, uint64_t basis)
{
	uint64_t h = basis;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

/* The checksum is FNV-1a 64 from its offset basis; a version 1 file, whose
 * checksums (its own and its tokenizer image's) were made from the basis
 * one digit short, still loads. */
static void test_checksum_versions(const char *path)
{
	const uint64_t basis = 14695981039346656037ULL, old_basis = 1469598103934665603ULL;
	size_t n;
	unsigned char *f = slurp(path, &n);
	CHECK_INT(get_u32(f + 8), TRAIN_CKPT_VERSION);
	CHECK(get_u64(f + n - 8) == fnv(f, n - 8, basis));
	size_t tok = 20 + get_u32(f + 16) + 4, tl = get_u32(f + 20 + get_u32(f + 16));
	CHECK_INT(get_u32(f + tok + 4), 3);
	CHECK(get_u64(f + tok + tl - 8) == fnv(f + tok, tl - 8, basis));
	/* mentor's own tokenizer: mentor's pre-tokenizer, no file id table */
	CHECK_INT(get_u32(f + tok + 20), 0);
	CHECK_INT(get_u32(f + tok + 24), 0);
	/* the same file as the first format wrote it: its tokenizer image
	 * without version 3's two fields */
	memmove(f + tok + 20, f + tok + 28, n - (tok + 28));
	n -= 8;
	tl -= 8;
	put_u32(f + 20 + get_u32(f + 16), (uint32_t)tl);
	/* and without version 3's architecture field (GPT-2) after it */
	size_t arch = tok + tl;
	CHECK_INT(get_u32(f + arch), STUDENT_GPT2);
	memmove(f + arch, f + arch + 4, n - (arch + 4));
	n -= 4;
	put_u32(f + 8, 1);
	put_u32(f + tok + 4, 1);
	put_u64(f + tok + tl - 8, fnv(f + tok, tl - 8, old_basis));
	put_u64(f + n - 8, fnv(f, n - 8, old_basis));
	const char *v1 = test_path("v1.bin");
	test_write_file(v1, f, n);
	struct train_ckpt d;
	CHECK_INT(train_ckpt_load(v1, 1, &d, err), 0);
	CHECK_INT(d.step, 123);
	train_ckpt_release(&d);
	/* a version 1 file is not accepted with the new basis */
	put_u64(f + n - 8, fnv(f, n - 8, basis));
	test_write_file(v1, f, n);
	CHECK(train_ckpt_load(v1, 1, &d, err) != 0 && strstr(err, "checksum") != NULL);
	free(f);
}

/* A checkpoint of format version 2 (before the architecture field), made
 * by an earlier mentor (tests/train/ckpt_v2_gpt2.txt), loads as GPT-2,
 * answers, and keeps its parameters when written again as version 3. */
static void test_v2_fixture(void)
{
	const char *path = MENTOR_SOURCE_DIR "/tests/train/ckpt_v2_gpt2.bin";
	size_t n;
	unsigned char *f = slurp(path, &n);
	CHECK_INT(get_u32(f + 8), 2);
	free(f);
	struct train_ckpt c;
	if (train_ckpt_load(path, 1, &c, err) != 0) {
		CHECK_MSG(0, "%s", err);
		return;
	}
	CHECK_INT(c.arch, STUDENT_GPT2);
	CHECK_INT(c.cfg.arch, STUDENT_GPT2);
	CHECK_INT(c.mcfg.vocab_size, 264);
	CHECK_INT(c.mcfg.max_seq_len, 32);
	CHECK_INT(c.mcfg.n_layer, 1);
	CHECK_INT(c.mcfg.n_head, 2);
	CHECK_INT(c.mcfg.n_embd, 16);
	CHECK_INT(c.step, 3);
	CHECK_INT(c.total_steps, 3);
	CHECK(c.n_params == model_config_num_params(&c.mcfg));
	CHECK(c.m != NULL && c.v != NULL);
	struct student *s = NULL;
	CHECK_INT(train_ckpt_student(&c, &s, err), 0);
	if (s) {
		CHECK_INT(student_arch(s), STUDENT_GPT2);
		int32_t ids[4] = {1, 2, 3, 4};
		float loss = -1;
		CHECK_INT(student_forward(s, ids, ids + 1, NULL, 1, 3, &loss, err), 0);
		CHECK(isfinite(loss) && loss > 0);
		student_free(s);
	}
	const char *again = test_path("v2-again.bin");
	CHECK_INT(train_ckpt_save(again, &c, err), 0);
	struct train_ckpt d;
	CHECK_INT(train_ckpt_load(again, 1, &d, err), 0);
	if (d.params) {
		f = slurp(again, &n);
		CHECK_INT(get_u32(f + 8), TRAIN_CKPT_VERSION);
		free(f);
		CHECK_INT(d.arch, STUDENT_GPT2);
		CHECK(d.n_params == c.n_params);
		CHECK(memcmp(d.params, c.params, c.n_params * sizeof(float)) == 0);
		CHECK(memcmp(d.v, c.v, c.n_params * sizeof(float)) == 0);
		train_ckpt_release(&d);
	}
	train_ckpt_release(&c);
}

int main(void)
{
	const char *text = "What is 2 + 3? 2 + 3 = 5. So the answer is 5.";
	size_t len = strlen(text);
	struct tokenizer *tok = NULL;
	if (tokenizer_train(&text, &len, 1, 300, &tok, err))
		TEST_SETUP_FAIL("%s", err);
	struct model_config mc = {tokenizer_vocab_size(tok), 16, 2, 2, 16};
	struct model *m = NULL;
	if (model_new(&mc, 7, &m, err))
		TEST_SETUP_FAIL("%s", err);
	size_t np = model_num_params(m);
	float *mm = model_adam_m(m), *vv = model_adam_v(m);
	for (size_t i = 0; i < np; i++) {
		mm[i] = (float)i * 1e-3f;
		vv[i] = 1.0f / (float)(i + 1);
	}
	struct train_ckpt c;
	memset(&c, 0, sizeof c);
	train_config_defaults(&c.cfg);
	snprintf(c.cfg.dataset, sizeof c.cfg.dataset, "toy");
	c.cfg.variant = TRAIN_MT_COT;
	c.cfg.n_layer = 2;
	c.cfg.n_embd = 16;
	c.cfg.n_head = 2;
	c.cfg.n_ctx = 16;
	c.mcfg = mc;
	c.tok = tok;
	c.params = model_params(m);
	c.m = mm;
	c.v = vv;
	c.n_params = np;
	c.step = 123;
	c.total_steps = 456;
	c.rng_state = 0xfeedfacecafebeefULL;
	c.data_hash = 42;
	c.elapsed = 3.25;

	const char *path = test_path("ckpt.bin");
	CHECK_INT(train_ckpt_save(path, &c, err), 0);
	/* atomic: nothing but the checkpoint is left in the directory */
	DIR *dir = opendir(test_tmpdir());
	int others = 0;
	for (struct dirent *de; dir && (de = readdir(dir));)
		if (de->d_name[0] != '.' && strcmp(de->d_name, "ckpt.bin"))
			others++;
	if (dir)
		closedir(dir);
	CHECK_INT(others, 0);

	struct train_ckpt d;
	CHECK_INT(train_ckpt_load(path, 1, &d, err), 0);
	CHECK(!memcmp(&d.cfg, &c.cfg, sizeof c.cfg));
	CHECK(!memcmp(&d.mcfg, &mc, sizeof mc));
	CHECK_INT(d.n_params, np);
	CHECK(d.params && !memcmp(d.params, c.params, np * sizeof(float)));
	CHECK(d.m && !memcmp(d.m, mm, np * sizeof(float)));
	CHECK(d.v && !memcmp(d.v, vv, np * sizeof(float)));
	CHECK_INT(d.step, 123);
	CHECK_INT(d.total_steps, 456);
	CHECK(d.rng_state == 0xfeedfacecafebeefULL);
	CHECK(d.data_hash == 42);
	CHECK(d.elapsed == 3.25);
	CHECK_INT(tokenizer_vocab_size(d.tok), tokenizer_vocab_size(tok));
	/* the tokenizer inside encodes as the original */
	struct tokenizer_ids a, b;
	tokenizer_ids_init(&a);
	tokenizer_ids_init(&b);
	tokenizer_encode(tok, text, len, &a, err);
	tokenizer_encode(d.tok, text, len, &b, err);
	CHECK(a.n == b.n && !memcmp(a.ids, b.ids, a.n * sizeof *a.ids));
	tokenizer_ids_release(&a);
	tokenizer_ids_release(&b);
	train_ckpt_release(&d);

	test_checksum_versions(path);
	test_v2_fixture();

	/* the tokenizer alone, from the head of the file */
	struct tokenizer *t2 = NULL;
	CHECK_INT(train_ckpt_load_tokenizer(path, &t2, err), 0);
	if (t2) {
		tokenizer_ids_init(&a);
		tokenizer_ids_init(&b);
		tokenizer_encode(tok, text, len, &a, err);
		tokenizer_encode(t2, text, len, &b, err);
		CHECK(a.n == b.n && !memcmp(a.ids, b.ids, a.n * sizeof *a.ids));
		tokenizer_ids_release(&a);
		tokenizer_ids_release(&b);
		tokenizer_free(t2);
	}
	{
		size_t fn;
		unsigned char *fb = slurp(path, &fn);
		size_t tok_at = 20 + get_u32(fb + 16) + 4, tok_len = get_u32(fb + tok_at - 4);
		const char *cut = test_path("head.bin");
		/* cut inside the tokenizer: refused; after it: the tensors are not read */
		test_write_file(cut, fb, tok_at + tok_len - 1);
		CHECK_INT(train_ckpt_load_tokenizer(cut, &t2, err), MENTOR_ERR);
		CHECK_MSG(t2 == NULL && strstr(err, "tokenizer length") != NULL, "%s", err);
		test_write_file(cut, fb, tok_at + tok_len);
		CHECK_INT(train_ckpt_load_tokenizer(cut, &t2, err), 0);
		tokenizer_free(t2);
		fb[tok_at + 30] ^= 1; /* the image's own checksum catches it */
		test_write_file(cut, fb, fn);
		CHECK_INT(train_ckpt_load_tokenizer(cut, &t2, err), MENTOR_ERR);
		CHECK(t2 == NULL && strstr(err, "checksum") != NULL);
		fb[0] = 'X';
		test_write_file(cut, fb, fn);
		CHECK_INT(train_ckpt_load_tokenizer(cut, &t2, err), MENTOR_ERR);
		CHECK(strstr(err, "magic") != NULL);
		CHECK_INT(train_ckpt_load_tokenizer(test_path("none.bin"), &t2, err), MENTOR_ERR);
		free(fb);
	}

	/* without moments: parameters only, still verified */
	CHECK_INT(train_ckpt_load(path, 0, &d, err), 0);
	CHECK(d.m == NULL && d.v == NULL && d.params != NULL);
	train_ckpt_release(&d);

	/* an evaluation model from it answers (whatever it says) */
	struct eval_model *em = NULL;
	CHECK_INT(eval_model_load(path, &em, err), 0);
	if (em) {
		struct eval_answer ans;
		CHECK_INT(eval_answer_question(em, "What is 2 + 3?", "number", &ans, err), 0);
		CHECK(ans.raw != NULL && ans.expl != NULL);
		eval_answer_release(&ans);
		eval_model_free(em);
	}

	/* saved without moments: refused for resuming, fine for evaluation */
	const char *p2 = test_path("nomoments.bin");
	struct train_ckpt c2 = c;
	c2.m = c2.v = NULL;
	CHECK_INT(train_ckpt_save(p2, &c2, err), 0);
	CHECK(train_ckpt_load(p2, 1, &d, err) != 0);
	CHECK(strstr(err, "optimizer state") != NULL);
	CHECK_INT(train_ckpt_load(p2, 0, &d, err), 0);
	train_ckpt_release(&d);

	/* ---- hostile files ---- */
	size_t n;
	unsigned char *good = slurp(path, &n);
	unsigned char *bad = malloc(n + 64);
	CHECK(train_ckpt_load(test_path("missing.bin"), 1, &d, err) != 0);
	CHECK(strstr(err, "missing.bin") != NULL);
	EXPECT_FAIL(good, 0, "truncated");
	EXPECT_FAIL(good, 5, "truncated");

	memcpy(bad, good, n);
	bad[0] ^= 0x20;
	EXPECT_FAIL(bad, n, "bad magic");

	memcpy(bad, good, n);
	put_u32(bad + 8, 99);
	EXPECT_FAIL(bad, n, "version 99");

	memcpy(bad, good, n);
	put_u32(bad + 12, 7);
	EXPECT_FAIL(bad, n, "flags");

	uint32_t jl = get_u32(good + 16);
	memcpy(bad, good, n);
	put_u32(bad + 16, 0xffffffffu);
	EXPECT_FAIL(bad, n, "configuration length");

	memcpy(bad, good, n);
	put_u32(bad + 16, jl - 1); /* the JSON is cut, the rest misread */
	EXPECT_FAIL(bad, n, NULL);

	memcpy(bad, good, n);
	bad[20] = '[';
	EXPECT_FAIL(bad, n, "configuration");

	size_t tl_off = 20 + jl;
	uint32_t tl = get_u32(good + tl_off);
	memcpy(bad, good, n);
	put_u32(bad + tl_off, 0x7fffffffu);
	EXPECT_FAIL(bad, n, "tokenizer length");

	memcpy(bad, good, n);
	bad[tl_off + 4] ^= 0xff; /* the tokenizer's own magic */
	EXPECT_FAIL(bad, n, NULL);

	size_t arch_off = tl_off + 4 + tl, shape_off = arch_off + 4;
	CHECK_INT(get_u32(good + arch_off), STUDENT_GPT2);
	memcpy(bad, good, n);
	put_u32(bad + arch_off, STUDENT_N_ARCHS);
	EXPECT_FAIL(bad, n, "unknown architecture 2");
	memcpy(bad, good, n);
	put_u32(bad + arch_off, 0xffffffffu);
	EXPECT_FAIL(bad, n, "unknown architecture");
	memcpy(bad, good, n);
	put_u32(bad + arch_off, STUDENT_LLAMA); /* the configuration says GPT-2 */
	EXPECT_FAIL(bad, n, NULL);
	CHECK_INT(get_u32(good + shape_off), mc.vocab_size);
	memcpy(bad, good, n);
	put_u32(bad + shape_off + 8, 1u << 29); /* layers */
	EXPECT_FAIL(bad, n, "model shape");

	memcpy(bad, good, n);
	put_u32(bad + shape_off + 12, 3); /* heads do not divide the width */
	EXPECT_FAIL(bad, n, "model shape");

	memcpy(bad, good, n);
	put_u32(bad + shape_off, (uint32_t)mc.vocab_size + 1);
	EXPECT_FAIL(bad, n, "vocabulary");

	size_t np_off = shape_off + 20;
	memcpy(bad, good, n);
	put_u32(bad + np_off, (uint32_t)np + 1);
	EXPECT_FAIL(bad, n, "parameters");

	memcpy(bad, good, n);
	put_u32(bad + np_off + 4, 0xffffffffu); /* 2^63-ish parameter count */
	EXPECT_FAIL(bad, n, "parameters");

	memcpy(bad, good, n);
	put_u32(bad + np_off + 8, 1000); /* step beyond total */
	EXPECT_FAIL(bad, n, "step");

	/* a flipped bit in the tensors: the checksum */
	memcpy(bad, good, n);
	bad[n - 100] ^= 0x01;
	EXPECT_FAIL(bad, n, "checksum");
	memcpy(bad, good, n);
	bad[n - 1] ^= 0x80;
	EXPECT_FAIL(bad, n, "checksum");

	/* trailing bytes */
	memcpy(bad, good, n);
	memset(bad + n, 0, 16);
	EXPECT_FAIL(bad, n + 16, "trailing");

	/* every truncation point fails without crashing */
	for (size_t cut = 0; cut < n; cut += cut < 400 ? 1 : 997)
		EXPECT_FAIL(good, cut, NULL);

	/* garbage that starts like a checkpoint */
	struct rng r;
	rng_seed(&r, 3);
	for (int k = 0; k < 50; k++) {
		size_t gn = 8 + rng_below(&r, 2000);
		unsigned char *g = malloc(gn);
		for (size_t i = 0; i < gn; i++)
			g[i] = (unsigned char)rng_below(&r, 256);
		memcpy(g, TRAIN_CKPT_MAGIC, 8);
		if (gn >= 12)
			put_u32(g + 8, TRAIN_CKPT_VERSION);
		if (gn >= 16)
			put_u32(g + 12, 1);
		EXPECT_FAIL(g, gn, NULL);
		free(g);
	}

	/* a directory is not a checkpoint */
	CHECK(train_ckpt_load(test_tmpdir(), 1, &d, err) != 0);
	/* an unwritable destination fails cleanly */
	CHECK(train_ckpt_save("/nonexistent-dir/x/ckpt.bin", &c, err) != 0);
	CHECK(strstr(err, "/nonexistent-dir/x/ckpt.bin") != NULL);

	free(good);
	free(bad);
	model_free(m);
	tokenizer_free(tok);
	return test_done();
}
