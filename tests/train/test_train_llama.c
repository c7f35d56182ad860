/* test_train_llama: whole runs of a tiny Llama-family student on the
 * generated addition task. The loss falls for MT-CoT and the run is
 * evaluated; a run stopped between checkpoints resumes to exactly the
 * losses of one that was not; the checkpoint records the architecture and
 * every llama_config field, and refuses hostile values of each; a new run
 * started from a llama run (--init-from) takes its shape, tokenizer and
 * weights. */
#include <math.h>

#include "mentor/eval.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include "test.h"
#include "train_fixture.h"

static char err[MENTOR_ERR_LEN];
static char db[512];

/* The tiny run of the other train tests in a Llama shape of the same
 * size: 2 layers of width 32, 4 query and 2 key/value heads. */
static void llama_config(struct train_config *c, int64_t steps)
{
	fixture_tiny_config(c, TRAIN_MT_COT, steps);
	struct llama_config l;
	student_llama_shape(2, 32, 4, 48, 300, &l);
	train_config_set_llama(c, &l);
	c->ckpt_every = 8;
}

/* The checkpoint path of a run (into p). */
static void ckpt_path(int64_t run, struct buf *p)
{
	struct store *st = fixture_open(db);
	struct store_run r;
	if (store_run_get(st, run, &r, err) || train_run_ckpt_find(st, &r, p, err))
		TEST_SETUP_FAIL("%s", err);
	store_run_release(&r);
	store_close(st);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		TEST_SETUP_FAIL("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *d = malloc(*n + 64);
	if (!d || fread(d, 1, *n, f) != *n)
		TEST_SETUP_FAIL("cannot read %s", path);
	fclose(f);
	return d;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Write n bytes of d as a checkpoint and expect it refused with a message
 * holding what (NULL: any). */
static void expect_fail(const unsigned char *d, size_t n, const char *what, int line)
{
	const char *p = test_path("hostile.bin");
	test_write_file(p, d, n);
	struct train_ckpt c;
	int rc = train_ckpt_load(p, 1, &c, err);
	CHECK_MSG(rc != 0, "line %d: a hostile checkpoint loaded", line);
	if (rc != 0 && what)
		CHECK_MSG(strstr(err, what) != NULL, "line %d: message \"%s\" lacks \"%s\"", line,
			  err, what);
	if (rc == 0)
		train_ckpt_release(&c);
}
#define EXPECT_FAIL(d, n, what) expect_fail(d, n, what, __LINE__)

/* Hostile values in each field the llama shape added to the checkpoint. */
static void test_hostile(const char *path, const struct llama_config *want)
{
	size_t n;
	unsigned char *good = slurp(path, &n), *bad = malloc(n + 64);
	if (!bad)
		TEST_SETUP_FAIL("out of memory");
	CHECK_INT(get_u32(good + 8), TRAIN_CKPT_VERSION);
	size_t jl = get_u32(good + 16), tl = get_u32(good + 20 + jl);
	size_t arch = 20 + jl + 4 + tl, ints = arch + 4, reals = ints + 14 * 4;
	size_t np_off = reals + 5 * 8;
	CHECK_INT(get_u32(good + arch), STUDENT_LLAMA);
	CHECK_INT((int)get_u32(good + ints + 4), want->vocab_size);
	CHECK_INT((int)get_u32(good + ints + 8), want->hidden_size);
	CHECK_INT((int)get_u32(good + ints + 24), want->n_kv_head);
	double theta;
	memcpy(&theta, good + reals, 8);
	CHECK(theta == want->rope_theta);

	memcpy(bad, good, n);
	put_u32(bad + arch, 7);
	EXPECT_FAIL(bad, n, "unknown architecture 7");
	/* read as GPT-2, the configuration still says llama */
	memcpy(bad, good, n);
	put_u32(bad + arch, STUDENT_GPT2);
	EXPECT_FAIL(bad, n, NULL);
	/* each integer field out of int range, zero, or huge */
	for (int i = 0; i < 14; i++) {
		memcpy(bad, good, n);
		put_u32(bad + ints + 4 * (size_t)i, 0x80000000u);
		EXPECT_FAIL(bad, n, "corrupt model shape");
		if (i == 0 || i >= 9)
			continue; /* enums, flags, llama3's field: 0 is a valid value */
		memcpy(bad, good, n);
		put_u32(bad + ints + 4 * (size_t)i, 0);
		EXPECT_FAIL(bad, n, NULL);
	}
	/* failing llama_config_check: key/value heads that do not divide */
	memcpy(bad, good, n);
	put_u32(bad + ints + 24, 3);
	EXPECT_FAIL(bad, n, "model shape");
	/* an odd head size (RoPE pairs) */
	memcpy(bad, good, n);
	put_u32(bad + ints + 28, 7);
	EXPECT_FAIL(bad, n, "model shape");
	/* an unknown family and rope type */
	memcpy(bad, good, n);
	put_u32(bad + ints, 9);
	EXPECT_FAIL(bad, n, "model shape");
	memcpy(bad, good, n);
	put_u32(bad + ints + 36, 9);
	EXPECT_FAIL(bad, n, "model shape");
	/* each real field NaN, and eps 0 */
	for (int i = 0; i < 5; i++) {
		memcpy(bad, good, n);
		memset(bad + reals + 8 * (size_t)i, 0xff, 8);
		EXPECT_FAIL(bad, n, NULL);
	}
	memcpy(bad, good, n);
	memset(bad + reals + 32, 0, 8);
	EXPECT_FAIL(bad, n, "model shape");
	/* a valid shape that is not the one the configuration records */
	memcpy(bad, good, n);
	theta = want->rope_theta * 2;
	memcpy(bad + reals, &theta, 8);
	EXPECT_FAIL(bad, n, "configuration and its model shape differ");
	/* the vocabulary differs from the tokenizer's */
	memcpy(bad, good, n);
	put_u32(bad + ints + 4, (uint32_t)want->vocab_size + 1);
	EXPECT_FAIL(bad, n, "vocabulary");
	/* valid shapes whose parameter count is not the file's (and which the
	 * configuration does not record) */
	memcpy(bad, good, n);
	put_u32(bad + ints + 12, (uint32_t)want->intermediate_size + 32);
	EXPECT_FAIL(bad, n, "differ");
	memcpy(bad, good, n);
	put_u32(bad + ints + 52, !want->tie_word_embeddings); /* an lm_head more or less */
	EXPECT_FAIL(bad, n, "differ");
	/* the parameter count itself */
	memcpy(bad, good, n);
	put_u32(bad + np_off, get_u32(good + np_off) + 1);
	EXPECT_FAIL(bad, n, "parameters");
	/* truncated at every byte of the new fields */
	for (size_t cut = arch; cut <= np_off; cut++)
		EXPECT_FAIL(good, cut, "truncated");
	free(bad);
	free(good);
}

/* The run configuration's JSON keeps the architecture and every llama
 * field; hostile values are refused. */
static void test_config_json(void)
{
	struct train_config c, d;
	llama_config(&c, 10);
	c.llama.rope_theta = 123456.789;
	c.llama.rms_norm_eps = 1e-6;
	c.llama.qk_norm = 1;
	char *j = train_config_to_json(&c);
	CHECK(strstr(j, "\"arch\":\"llama\"") != NULL);
	CHECK_INT(train_config_from_json(j, &d, err), 0);
	CHECK_INT(d.arch, STUDENT_LLAMA);
	struct student_config a, b;
	train_config_student(&c, 300, &a);
	train_config_student(&d, 300, &b);
	CHECK(student_config_same(&a, &b));
	free(j);
	/* a GPT-2 run's configuration has neither key */
	struct train_config g;
	fixture_tiny_config(&g, TRAIN_BASELINE, 10);
	j = train_config_to_json(&g);
	CHECK(strstr(j, "arch") == NULL && strstr(j, "llama") == NULL);
	free(j);
	const char *bad[] = {
		"{\"arch\":\"bert\"}",
		"{\"arch\":7}",
		"{\"arch\":\"llama\"}",
		"{\"arch\":\"llama\",\"llama\":[]}",
		"{\"arch\":\"llama\",\"llama\":{\"n_layer\":\"2\"}}",
		"{\"arch\":\"llama\",\"llama\":{\"n_layer\":1e300}}",
		"{\"arch\":\"llama\",\"llama\":{\"rope_theta\":null}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(train_config_from_json(bad[i], &d, err) != 0, "accepted %s", bad[i]);
	/* parsed but refused by the check: a llama shape that fails its own */
	CHECK_INT(train_config_from_json("{\"dataset\":\"toy\",\"arch\":\"llama\","
					 "\"llama\":{\"n_layer\":2}}",
					 &d, err),
		  0);
	CHECK(train_config_check(&d, err) == MENTOR_EUSAGE && strstr(err, "model shape"));
	/* the training context beyond the model's */
	llama_config(&c, 10);
	c.n_ctx = c.llama.max_seq_len + 1;
	CHECK(train_config_check(&c, err) == MENTOR_EUSAGE && strstr(err, "--context"));
}

int main(int argc, char **argv)
{
	if (!getenv("OMP_WAIT_POLICY") && argc > 0) {
		setenv("OMP_WAIT_POLICY", "passive", 1);
		execv("/proc/self/exe", argv);
	}
	snprintf(db, sizeof db, "%s", test_path("llama.db"));
	struct store *st = fixture_open(db);
	fixture_dataset(st, "toy", 200, 20, 16);
	store_close(st);
	test_config_json();

	/* 1. the loss falls, and the run is evaluated at the end */
	struct train_config cfg;
	llama_config(&cfg, 60);
	CHECK_INT(train_config_check(&cfg, err), 0);
	struct train_config fall = cfg;
	fall.eval_at_end = 1;
	int64_t ref = fixture_new_run(db, &fall);
	CHECK_INT(fixture_exec(db, ref, 0, err), 0);
	size_t n;
	double *loss = fixture_metric(db, ref, "loss", &n);
	CHECK_INT(n, 60);
	if (n == 60) {
		double first = fixture_mean(loss, 0, 5), last = fixture_mean(loss, 50, 60);
		CHECK_MSG(last < first * 0.6, "loss %.3f -> %.3f", first, last);
		CHECK(isfinite(last));
	}
	size_t na;
	free(fixture_metric(db, ref, "acc_test", &na));
	CHECK_INT(na, 1);

	/* 2. the checkpoint names the architecture and holds the shape */
	struct buf path;
	buf_init(&path);
	ckpt_path(ref, &path);
	struct train_ckpt ck;
	if (train_ckpt_load(path.data, 1, &ck, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(ck.arch, STUDENT_LLAMA);
	CHECK_INT(ck.cfg.arch, STUDENT_LLAMA);
	struct student_config want, have;
	train_config_student(&cfg, tokenizer_vocab_size(ck.tok), &want);
	train_ckpt_student_config(&ck, &have);
	CHECK(student_config_same(&want, &have));
	CHECK(ck.n_params == student_config_num_params(&want));
	struct llama_config lc = ck.lcfg;
	train_ckpt_release(&ck);
	test_hostile(path.data, &lc);
	/* an evaluator of the checkpoint answers */
	struct eval_model *em = NULL;
	CHECK_INT(eval_model_load(path.data, &em, err), 0);
	if (em) {
		CHECK_INT(eval_model_vocab_size(em), lc.vocab_size);
		struct eval_answer a;
		CHECK_INT(eval_answer_question(em, "What is 2 + 3?", "number", &a, err), 0);
		eval_answer_release(&a);
		eval_model_free(em);
	}

	/* 3. stopped between checkpoints (8, 16), resumed: the same losses */
	struct train_config c30 = cfg;
	c30.steps = 30;
	int64_t whole = fixture_new_run(db, &c30), part = fixture_new_run(db, &c30);
	CHECK_INT(fixture_exec(db, whole, 0, err), 0);
	CHECK_INT(fixture_exec(db, part, 21, err), MENTOR_ECANCEL);
	CHECK_INT(fixture_exec(db, part, 0, err), 0);
	size_t nw, np;
	double *lw = fixture_metric(db, whole, "loss", &nw);
	double *lp = fixture_metric(db, part, "loss", &np);
	int same = nw == 30 && np == 30;
	for (size_t i = 0; same && i < nw; i++)
		same = lw[i] == lp[i];
	CHECK_MSG(same, "llama losses after a stop and resume differ");
	free(lw);
	free(lp);

	/* 4. a run started from the trained llama run */
	struct train_config ic;
	train_config_defaults(&ic);
	snprintf(ic.dataset, sizeof ic.dataset, "toy");
	ic.variant = TRAIN_MT_COT;
	ic.source = TRAIN_SRC_GOLD;
	ic.steps = 5;
	ic.batch = 8;
	ic.lr = 1e-4;
	ic.warmup = 1;
	ic.threads = 1;
	ic.val_every = 0;
	ic.eval_every = 0;
	ic.eval_at_end = 0;
	st = fixture_open(db);
	char ref_s[24];
	snprintf(ref_s, sizeof ref_s, "%lld", (long long)ref);
	CHECK_INT(train_config_init_from(st, ref_s, &ic, err), 0);
	store_close(st);
	CHECK_INT(ic.arch, STUDENT_LLAMA);
	CHECK_INT(ic.init_from, ref);
	CHECK_INT(ic.vocab, lc.vocab_size);
	CHECK_INT(ic.n_ctx, 48);
	CHECK_INT(train_config_check(&ic, err), 0);
	int64_t init = fixture_new_run(db, &ic);
	CHECK_INT(fixture_exec(db, init, 0, err), 0);
	double *li = fixture_metric(db, init, "loss", &n);
	CHECK_INT(n, 5);
	if (n == 5)
		CHECK_MSG(li[0] < loss[0] * 0.6,
			  "first loss from the trained model %.3f, fresh %.3f", li[0], loss[0]);
	free(li);
	struct buf ip;
	buf_init(&ip);
	ckpt_path(init, &ip);
	struct train_ckpt a, b;
	if (train_ckpt_load(ip.data, 0, &a, err) || train_ckpt_load(path.data, 0, &b, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(a.arch, STUDENT_LLAMA);
	train_ckpt_student_config(&a, &want);
	train_ckpt_student_config(&b, &have);
	CHECK(student_config_same(&want, &have));
	struct buf x, y;
	buf_init(&x);
	buf_init(&y);
	if (tokenizer_save(a.tok, &x, err) || tokenizer_save(b.tok, &y, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
	buf_release(&x);
	buf_release(&y);
	train_ckpt_release(&a);
	train_ckpt_release(&b);
	buf_release(&ip);
	free(loss);
	buf_release(&path);
	return test_done();
}
