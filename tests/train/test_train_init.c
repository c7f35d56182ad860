/* test_train_init: runs that start from another model (train --init-from).
 * The new run takes the starting run's shape and tokenizer; its first loss
 * is the pretrained model's, far below a fresh model's; the loss falls for
 * MT-CoT; a run stopped and resumed gives exactly the losses of one that was
 * not; the special tokens a foreign model lacked (zero rows) start near the
 * mean of the embeddings and apart from each other; bad references fail. */
#include <math.h>

#include "mentor/modelio.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/eval.h"
#include "mentor/train.h"
#include "test.h"
#include "train_fixture.h"

static char err[MENTOR_ERR_LEN];
static const char *db;

static void tiny_config(struct train_config *c, int variant, int64_t steps)
{
	fixture_tiny_config(c, variant, steps);
}

static struct store *open_db(void)
{
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	return st;
}

static int64_t new_run(const struct train_config *c)
{
	return fixture_new_run(db, c);
}

static int exec_run(int64_t id, int64_t stop_at)
{
	return fixture_exec(db, id, stop_at, err);
}

static double *losses(int64_t run, const char *name, size_t *n)
{
	return fixture_metric(db, run, name, n);
}

static void load_ckpt(int64_t run, struct train_ckpt *ck)
{
	struct store *st = open_db();
	struct store_run r;
	struct buf p;
	buf_init(&p);
	if (store_run_get(st, run, &r, err) || train_run_ckpt_find(st, &r, &p, err) ||
	    train_ckpt_load(p.data, 0, ck, err))
		TEST_SETUP_FAIL("%s", err);
	store_run_release(&r);
	buf_release(&p);
	store_close(st);
}

/* The tokenizer images of two checkpoints are the same bytes. */
static int same_tokenizer(const struct tokenizer *a, const struct tokenizer *b)
{
	struct buf x, y;
	buf_init(&x);
	buf_init(&y);
	if (tokenizer_save(a, &x, err) || tokenizer_save(b, &y, err))
		TEST_SETUP_FAIL("%s", err);
	int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_release(&x);
	buf_release(&y);
	return same;
}

static size_t wte_offset(const struct model_config *mc)
{
	size_t off;
	modelio_tensor_layout(mc, MODEL_WTE, &off, NULL);
	return off;
}

int main(int argc, char **argv)
{
	if (!getenv("OMP_WAIT_POLICY") && argc > 0) {
		setenv("OMP_WAIT_POLICY", "passive", 1);
		execv("/proc/self/exe", argv);
	}
	db = test_path("init.db");
	struct store *st = open_db();
	fixture_dataset(st, "toy", 200, 20, 16);
	store_close(st);

	/* the starting model: a baseline trained on the answers */
	struct train_config pre;
	tiny_config(&pre, TRAIN_BASELINE, 150);
	int64_t pre_id = new_run(&pre);
	CHECK_MSG(exec_run(pre_id, 0) == 0, "%s", err);
	struct train_ckpt pck;
	load_ckpt(pre_id, &pck);

	/* resolution: the shape, context and vocabulary are the starting run's */
	struct train_config ft;
	tiny_config(&ft, TRAIN_MT_COT, 40);
	ft.n_layer = 1;
	ft.n_ctx = 20;
	ft.vocab = 400;
	ft.lr = 1e-3;
	char ref[24];
	snprintf(ref, sizeof ref, "%lld", (long long)pre_id);
	st = open_db();
	CHECK_MSG(train_config_init_from(st, ref, &ft, err) == 0, "%s", err);
	CHECK_INT(ft.init_from, pre_id);
	CHECK_INT(ft.n_layer, 2);
	CHECK_INT(ft.n_ctx, 48);
	CHECK_INT(ft.vocab, pck.mcfg.vocab_size);
	/* by name too; unknown runs and runs without a checkpoint are refused */
	struct train_config other = ft;
	struct store_run pr;
	CHECK(store_run_get(st, pre_id, &pr, err) == 0);
	CHECK_MSG(train_config_init_from(st, pr.name, &other, err) == 0, "%s", err);
	CHECK_INT(other.init_from, pre_id);
	store_run_release(&pr);
	CHECK_INT(train_config_init_from(st, "no-such-run", &other, err), MENTOR_EUSAGE);
	store_close(st);
	struct train_config queued_cfg;
	tiny_config(&queued_cfg, TRAIN_BASELINE, 5);
	int64_t queued = new_run(&queued_cfg);
	snprintf(ref, sizeof ref, "%lld", (long long)queued);
	st = open_db();
	CHECK_INT(train_config_init_from(st, ref, &other, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "no checkpoint") != NULL);
	store_close(st);
	/* the configuration keeps it through JSON */
	char *js = train_config_to_json(&ft);
	struct train_config back;
	CHECK(train_config_from_json(js, &back, err) == 0);
	CHECK_INT(back.init_from, pre_id);
	free(js);

	/* 1. MT-CoT from the pretrained baseline, and the same from scratch */
	int64_t a = new_run(&ft);
	CHECK_MSG(exec_run(a, 0) == 0, "%s", err);
	struct train_config fresh = ft;
	fresh.init_from = 0;
	int64_t f = new_run(&fresh);
	CHECK_MSG(exec_run(f, 0) == 0, "%s", err);
	size_t na, nf;
	double *la = losses(a, "loss_ans", &na), *lf = losses(f, "loss_ans", &nf);
	double *lt = losses(a, "loss", &na);
	CHECK_INT(na, 40);
	CHECK_INT(nf, 40);
	/* the answers were learnt before: the first step shows it */
	CHECK_MSG(la[0] < 0.5 * lf[0],
		  "first answer loss %.3f from the pretrained model, "
		  "%.3f from scratch",
		  la[0], lf[0]);
	double l0 = fixture_mean(lt, 0, 10), l1 = fixture_mean(lt, 30, 40);
	CHECK_MSG(l1 < 0.8 * l0, "loss did not fall: %.3f -> %.3f", l0, l1);
	struct train_ckpt ack;
	load_ckpt(a, &ack);
	CHECK(same_tokenizer(ack.tok, pck.tok));
	CHECK_INT(ack.mcfg.vocab_size, pck.mcfg.vocab_size);

	/* 2. stopped at 25 (checkpoint at 20), resumed: the same losses */
	int64_t s = new_run(&ft);
	CHECK_INT(exec_run(s, 25), MENTOR_ECANCEL);
	CHECK_MSG(exec_run(s, 0) == 0, "%s", err);
	size_t ns;
	double *ls = losses(s, "loss", &ns);
	CHECK_INT(ns, na);
	int same = ns == na;
	for (size_t i = 0; same && i < ns; i++)
		same = ls[i] == lt[i];
	CHECK_MSG(same, "losses after a stop and resume differ from an uninterrupted run");
	free(ls);
	free(la);
	free(lf);
	free(lt);
	train_ckpt_release(&ack);

	/* 3. a model whose special rows are zero, as a foreign import leaves
	 * them: they start at the mean of the other rows, a little apart */
	struct modelio_model mm;
	char ckpath[512];
	snprintf(ckpath, sizeof ckpath, "%s.runs/%lld/ckpt.bin", db, (long long)pre_id);
	CHECK_MSG(modelio_from_ckpt(ckpath, &mm, err) == 0, "%s", err);
	size_t C = (size_t)mm.mcfg.n_embd, V = (size_t)mm.mcfg.vocab_size;
	float *wte = mm.params + wte_offset(&mm.mcfg);
	const int kinds[] = {TOKENIZER_ANS, TOKENIZER_EXP, TOKENIZER_SEP};
	for (int k = 0; k < 3; k++)
		memset(wte + (size_t)tokenizer_special(mm.tok, kinds[k]) * C, 0, C * sizeof(float));
	double *mu = calloc(C, sizeof *mu);
	size_t n_plain = 0;
	for (size_t v = 0; v < V; v++) {
		if (tokenizer_is_special(mm.tok, (int32_t)v))
			continue;
		for (size_t c = 0; c < C; c++)
			mu[c] += wte[v * C + c];
		n_plain++;
	}
	for (size_t c = 0; c < C; c++)
		mu[c] /= (double)n_plain;
	int64_t zid;
	st = open_db();
	CHECK_MSG(modelio_register(st, db, &mm, "toy", "zeroed", "test", &zid, err) == 0, "%s",
		  err);
	struct train_config z;
	tiny_config(&z, TRAIN_MT_COT, 1);
	snprintf(ref, sizeof ref, "%lld", (long long)zid);
	CHECK_MSG(train_config_init_from(st, ref, &z, err) == 0, "%s", err);
	store_close(st);
	z.lr = 1e-12;
	z.weight_decay = 0;
	int64_t zr = new_run(&z);
	CHECK_MSG(exec_run(zr, 0) == 0, "%s", err);
	struct train_ckpt zck;
	load_ckpt(zr, &zck);
	const float *w2 = zck.params + wte_offset(&zck.mcfg);
	float first[3] = {0, 0, 0};
	for (int k = 0; k < 3; k++) {
		const float *row = w2 + (size_t)tokenizer_special(zck.tok, kinds[k]) * C;
		double dev = 0, norm = 0;
		for (size_t c = 0; c < C; c++) {
			dev = fmax(dev, fabs(row[c] - mu[c]));
			norm += fabs(row[c]);
		}
		CHECK_MSG(norm > 0, "special row %d left at zero", kinds[k]);
		CHECK_MSG(dev < 0.12, "special row %d is %.3f from the mean", kinds[k], dev);
		first[k] = row[0];
	}
	CHECK(first[0] != first[1] && first[1] != first[2]);
	/* the other rows are the starting model's */
	size_t plain = 0;
	int kept = 1;
	for (size_t v = 0; v < V; v++) {
		if (tokenizer_is_special(mm.tok, (int32_t)v))
			continue;
		plain++;
		for (size_t c = 0; c < C && kept; c++)
			kept = fabsf(w2[v * C + c] - wte[v * C + c]) < 1e-5f;
	}
	CHECK(kept);
	CHECK_INT(plain, n_plain);
	free(mu);
	train_ckpt_release(&zck);
	modelio_model_release(&mm);
	train_ckpt_release(&pck);
	return test_done();
}
