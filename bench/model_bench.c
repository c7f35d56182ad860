/* model_bench: training throughput, model FLOPs utilisation against this
 * machine's measured sgemm peak, KV-cache decoding speed, peak memory of
 * training at the base preset, and tokenizer training speed.
 * Usage: model_bench [--preset small|gpt2] [--layers L --width C --heads NH]
 *        [--batch 16] [--accum 1] [--ctx 128] [--vocab 512] [--threads 2] [--steps 5]
 *        [--windows 5] [--warmup 3] [--decode-tokens N] [--no-rss]
 *        [--probe-ms 500] [--no-train] [--corpus FILE]
 * --no-train measures decoding only (and the first sgemm probe); --probe-ms
 * is the length of each sgemm probe (see sgemm_probe).
 * --preset gpt2 is GPT-2 small's shape (12 layers, width 768, 12 heads,
 * context 1024, vocabulary 50,257 unless --vocab says otherwise). */
#include "mentor/model.h"
#include "mentor/tokenizer.h"

#include "sgemm_probe.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what, const char *err)
{
	fprintf(stderr, "model_bench: %s: %s\n", what, err);
	exit(1);
}

static void fill_batch(struct rng *r, int32_t *in, int32_t *tg, int n, int V)
{
	for (int i = 0; i < n; i++) {
		in[i] = (int32_t)rng_below(r, (uint64_t)V);
		tg[i] = (int32_t)rng_below(r, (uint64_t)V);
	}
}

/* One optimizer step over accum micro-batches of B x T (in, tg hold accum
 * of them): their gradients add up, as train.c's two task micro-batches do. */
static void train_step(struct model *m, const int32_t *in, const int32_t *tg, int B, int T,
		       int accum)
{
	char err[MENTOR_ERR_LEN];
	struct model_adamw opt = {.lr = 1e-4f,
				  .beta1 = 0.9f,
				  .beta2 = 0.95f,
				  .eps = 1e-8f,
				  .weight_decay = 0.1f};
	float loss;
	model_zero_grad(m);
	for (int k = 0; k < accum; k++) {
		size_t off = (size_t)k * B * T;
		if (model_forward(m, in + off, tg + off, NULL, B, T, &loss, err) ||
		    model_backward(m, err))
			die("train step", err);
	}
	model_clip_grad(m, 1.0f);
	if (model_adamw_step(m, &opt, err))
		die("adamw", err);
}

/* Peak RSS (MiB) of a child process that trains the base preset for 2 steps;
 * done first, in a child, so nothing else counts towards it. */
static double base_rss(int B, int vocab, int threads)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char err[MENTOR_ERR_LEN];
		struct model_config cfg;
		struct model *m;
		model_set_threads(threads);
		model_config_preset("base", vocab, &cfg, err);
		if (model_new(&cfg, 1, &m, err))
			_exit(1);
		int T = cfg.max_seq_len;
		int32_t *in = malloc(sizeof(int32_t) * (size_t)B * T);
		int32_t *tg = malloc(sizeof(int32_t) * (size_t)B * T);
		if (!in || !tg)
			_exit(1);
		struct rng r;
		rng_seed(&r, 1);
		fill_batch(&r, in, tg, B * T, vocab);
		for (int s = 0; s < 2; s++)
			train_step(m, in, tg, B, T, 1);
		free(in);
		free(tg);
		model_free(m);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static int arg_int(int argc, char **argv, int *i, long lo, long hi)
{
	long v;
	if (*i + 1 >= argc || util_parse_long(argv[*i + 1], lo, hi, &v)) {
		fprintf(stderr, "model_bench: %s needs a number %ld..%ld\n", argv[*i], lo, hi);
		exit(2);
	}
	(*i)++;
	return (int)v;
}

int main(int argc, char **argv)
{
	const char *preset = "small", *corpus = NULL;
	int B = 16, T = -1, V = -1, threads = 2, steps = 5, windows = 5, warmup = 3;
	int do_rss = 1, rss_batch = 16, L = 0, C = 0, NH = 0, dec_tokens = -1, accum = 1;
	int train = 1;
	double probe_secs = 0.5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--preset") && i + 1 < argc)
			preset = argv[++i];
		else if (!strcmp(argv[i], "--batch"))
			B = arg_int(argc, argv, &i, 1, 4096);
		else if (!strcmp(argv[i], "--ctx"))
			T = arg_int(argc, argv, &i, 1, MODEL_MAX_CTX);
		else if (!strcmp(argv[i], "--vocab"))
			V = arg_int(argc, argv, &i, 1, MODEL_MAX_VOCAB);
		else if (!strcmp(argv[i], "--layers"))
			L = arg_int(argc, argv, &i, 1, MODEL_MAX_LAYERS);
		else if (!strcmp(argv[i], "--width"))
			C = arg_int(argc, argv, &i, 1, MODEL_MAX_EMBD);
		else if (!strcmp(argv[i], "--heads"))
			NH = arg_int(argc, argv, &i, 1, MODEL_MAX_HEADS);
		else if (!strcmp(argv[i], "--accum"))
			accum = arg_int(argc, argv, &i, 1, 1024);
		else if (!strcmp(argv[i], "--threads"))
			threads = arg_int(argc, argv, &i, 1, 256);
		else if (!strcmp(argv[i], "--steps"))
			steps = arg_int(argc, argv, &i, 1, 100000);
		else if (!strcmp(argv[i], "--windows"))
			windows = arg_int(argc, argv, &i, 1, 15);
		else if (!strcmp(argv[i], "--warmup"))
			warmup = arg_int(argc, argv, &i, 0, 100000);
		else if (!strcmp(argv[i], "--decode-tokens"))
			dec_tokens = arg_int(argc, argv, &i, 0, MODEL_MAX_CTX + 1);
		else if (!strcmp(argv[i], "--rss-batch"))
			rss_batch = arg_int(argc, argv, &i, 1, 4096);
		else if (!strcmp(argv[i], "--no-rss"))
			do_rss = 0;
		else if (!strcmp(argv[i], "--probe-ms"))
			probe_secs = arg_int(argc, argv, &i, 0, 60000) / 1000.0;
		else if (!strcmp(argv[i], "--no-train"))
			train = 0, do_rss = 0;
		else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
			corpus = argv[++i];
		else {
			fprintf(stderr,
				"usage: model_bench [--preset P|gpt2] [--layers L] [--width C] "
				"[--heads NH] [--batch B] [--accum K] [--ctx T] [--vocab V] [--threads N] "
				"[--steps S] [--windows W] [--warmup S] [--decode-tokens N] "
				"[--probe-ms MS] [--rss-batch B] [--no-rss] [--no-train] [--corpus FILE]\n");
			return 2;
		}
	}
	char err[MENTOR_ERR_LEN];
	double rss = do_rss ? base_rss(rss_batch, 2048, threads) : -1;

	model_set_threads(threads);
	char info[256];
	int generic = model_blas_info(info, sizeof info);
	printf("blas: %s\n", info);
	if (generic)
		printf("warning: OpenBLAS uses a generic core here; set OPENBLAS_CORETYPE "
		       "(Haswell, SkylakeX, Cooperlake) for real figures\n");
	struct probe p0 = sgemm_probe(1536, probe_secs);
	printf("sgemm peak (1536^3, %d calls): sustained %.1f, median %.1f, best %.1f GFLOP/s\n",
	       p0.calls, p0.sustained, p0.median, p0.best);
	double peak = p0.sustained, best = p0.best;

	struct model_config cfg;
	if (!strcmp(preset, "gpt2")) {
		/* GPT-2 small (124M): not a product preset, only measured here */
		cfg = (struct model_config){.vocab_size = V > 0 ? V : 50257,
					    .max_seq_len = 1024,
					    .n_layer = 12,
					    .n_head = 12,
					    .n_embd = 768};
	} else if (model_config_preset(preset, V > 0 ? V : 512, &cfg, err)) {
		die("preset", err);
	}
	V = cfg.vocab_size;
	if (T < 0)
		T = strcmp(preset, "gpt2") ? 128 : 1024;
	cfg.n_layer = L ? L : cfg.n_layer;
	cfg.n_embd = C ? C : cfg.n_embd;
	cfg.n_head = NH ? NH : cfg.n_head;
	cfg.max_seq_len = T > cfg.max_seq_len ? T : cfg.max_seq_len;
	struct model *m;
	if (model_new(&cfg, 1, &m, err))
		die("model", err);
	size_t Ls = (size_t)cfg.n_layer, Cs = (size_t)cfg.n_embd;
	/* FLOPs per trained token: 6 per weight that takes part in a matmul
	 * (12*L*C^2 in the blocks, V*C in the tied head: 2 forward, 4 backward),
	 * plus causal attention, 6*L*C*(T+1) (QK^T and AV, 2*C*(T+1)/2 each on
	 * average forward, twice that backward). */
	double nmat = 12.0 * Ls * Cs * Cs + (double)V * Cs;
	double flops_tok = 6.0 * nmat + 6.0 * Ls * Cs * (T + 1.0);
	printf("model: preset %s, L=%zu C=%zu NH=%d T=%d V=%d, %zu parameters; batch %d x %d\n",
	       preset, Ls, Cs, cfg.n_head, T, V, model_num_params(m), B, T);
	printf("FLOPs per token: %.2f M (6 x %.2f M matmul weights + attention)\n", flops_tok / 1e6,
	       nmat / 1e6);

	int32_t *in = malloc(sizeof(int32_t) * (size_t)accum * B * T);
	int32_t *tg = malloc(sizeof(int32_t) * (size_t)accum * B * T);
	if (!in || !tg)
		die("batch", "out of memory");
	struct rng r;
	rng_seed(&r, 7);
	fill_batch(&r, in, tg, accum * B * T, V);
	if (accum > 1)
		printf("optimizer steps of %d micro-batches of %d x %d (%d tokens)\n", accum, B, T,
		       accum * B * T);
	double train_tps = 0.0, mfu = 0.0, mfu_strict = 0.0, tmin = 0.0, tmax = 0.0;
	if (train) {
		for (int s = 0; s < warmup; s++)
			train_step(m, in, tg, B, T, accum);
		/* The host's speed drifts (other jobs, a virtual machine's neighbours)
		 * within seconds, so the sgemm peak is probed again before every step
		 * and after the last: a window's MFU is against the mean sustained
		 * rate of the probes before, between and after its steps (its time
		 * counts the steps only), and strictly against the run's best call. */
		double tps[15], probe[17], wmfu[15], wstrict[15];
		struct probe p = sgemm_probe(1536, probe_secs);
		best = p.best > best ? p.best : best;
		for (int w = 0; w < windows; w++) {
			double tw = 0.0, psum = p.sustained, pbefore = p.sustained;
			for (int s = 0; s < steps; s++) {
				double t0 = util_mono();
				train_step(m, in, tg, B, T, accum);
				tw += util_mono() - t0;
				p = sgemm_probe(1536, probe_secs);
				best = p.best > best ? p.best : best;
				psum += p.sustained;
			}
			tps[w] = (double)accum * B * T * steps / tw;
			probe[w] = psum / (steps + 1);
			wmfu[w] = tps[w] * flops_tok / 1e9 / probe[w];
			printf("window %d: %.1f tokens/s (sgemm sustained %.1f GFLOP/s before, %.1f "
			       "after, %.1f mean of %d probes; MFU %.1f%%)\n",
			       w + 1, tps[w], pbefore, p.sustained, probe[w], steps + 1,
			       100.0 * wmfu[w]);
			fflush(stdout);
		}
		probe[windows] = p.sustained;
		probe[windows + 1] = peak; /* the first probe, before the warm-up */
		for (int w = 0; w < windows; w++)
			wstrict[w] = tps[w] * flops_tok / 1e9 / best;
		tmin = tps[0], tmax = tps[0];
		double pmin = probe[0], pmax = probe[0];
		for (int w = 0; w < windows; w++) {
			tmin = tps[w] < tmin ? tps[w] : tmin;
			tmax = tps[w] > tmax ? tps[w] : tmax;
		}
		for (int w = 1; w <= windows + 1; w++) {
			pmin = probe[w] < pmin ? probe[w] : pmin;
			pmax = probe[w] > pmax ? probe[w] : pmax;
		}
		train_tps = median(tps, windows);
		double achieved = train_tps * flops_tok / 1e9;
		mfu = median(wmfu, windows) * 100.0; /* sorts wmfu */
		double mfu_min = wmfu[0] * 100.0, mfu_max = wmfu[windows - 1] * 100.0;
		mfu_strict = median(wstrict, windows) * 100.0;
		peak = median(probe, windows + 2);
		printf("training: %.0f tokens/s (median of %d windows x %d steps; min %.0f, max "
		       "%.0f)\n",
		       train_tps, windows, steps, tmin, tmax);
		printf("sgemm over the run: sustained %.1f GFLOP/s (median of the windows' means "
		       "and the first probe; min %.1f, max %.1f; probes of %.2f s); best call %.1f "
		       "GFLOP/s\n",
		       peak, pmin, pmax, probe_secs, best);
		printf("achieved: %.1f GFLOP/s; MFU %.1f%% of the sustained sgemm rate (median over "
		       "windows, each against the probes around its steps; min %.1f%%, max %.1f%%); "
		       "%.1f%% of the best call\n",
		       achieved, mfu, mfu_min, mfu_max, mfu_strict);
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double train_rss = (double)ru.ru_maxrss / 1024.0;
	printf("peak RSS of this process after training: %.0f MiB\n", train_rss);

	/* decoding: a 16-token prompt, then greedy up to the context, or to
	 * --decode-tokens tokens in all (0: no decoding) */
	int32_t prompt[16], *out = malloc(sizeof(int32_t) * (size_t)cfg.max_seq_len + 4);
	if (!out)
		die("decode", "out of memory");
	for (int i = 0; i < 16; i++)
		prompt[i] = in[i % (B * T)];
	size_t max_new = cfg.max_seq_len > 16 ? (size_t)cfg.max_seq_len - 16 : 1;
	if (dec_tokens > 16 && (size_t)dec_tokens - 16 < max_new)
		max_new = (size_t)dec_tokens - 16;
	double dps[15], dec_tps = 0.0;
	if (dec_tokens != 0) {
		for (int w = 0; w < windows; w++) {
			size_t n;
			double t0 = util_mono();
			if (model_generate(m, prompt, 16, -1, max_new, out, &n, NULL, err))
				die("generate", err);
			dps[w] = (double)(n + 16) / (util_mono() - t0);
		}
		dec_tps = median(dps, windows);
		printf("decoding (KV cache, batch 1): %.1f tokens/s (median of %d runs of %zu tokens; "
		       "min %.1f, max %.1f)\n",
		       dec_tps, windows, max_new + 16, dps[0], dps[windows - 1]);
	}
	if (rss >= 0)
		printf("peak RSS training base preset (batch %d x 256, vocab 2048): %.0f MiB\n",
		       rss_batch, rss);
	printf("RESULT train_tokens_per_s=%.0f mfu_pct=%.1f sgemm_gflops=%.1f decode_tokens_per_s=%.1f "
	       "train_min=%.0f train_max=%.0f rss_mib=%.0f mfu_best_pct=%.1f sgemm_best=%.1f\n",
	       train_tps, mfu, peak, dec_tps, tmin, tmax, train_rss, mfu_strict, best);

	if (corpus) {
		size_t len;
		char *text = util_read_file(corpus, (size_t)1 << 30, &len, err);
		if (!text)
			die("corpus", err);
		if (len > 2000000)
			len = 2000000;
		const char *texts[1] = {text};
		size_t lens[1] = {len};
		struct tokenizer *tok;
		double t0 = util_mono();
		if (tokenizer_train(texts, lens, 1, 2048, &tok, err))
			die("tokenizer", err);
		double t1 = util_mono();
		struct tokenizer_ids ids;
		tokenizer_ids_init(&ids);
		if (tokenizer_encode(tok, text, len, &ids, err))
			die("encode", err);
		double t2 = util_mono();
		printf("tokenizer: trained on %.1f MB to vocab %d in %.2f s; encodes %.1f MB/s "
		       "(%.2f bytes/token)\n",
		       len / 1e6, tokenizer_vocab_size(tok), t1 - t0, len / 1e6 / (t2 - t1),
		       (double)len / (double)ids.n);
		tokenizer_ids_release(&ids);
		tokenizer_free(tok);
		free(text);
	}
	free(out);
	free(in);
	free(tg);
	model_free(m);
	return 0;
}
