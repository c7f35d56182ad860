/* llama_bench: training throughput and MFU of the Llama-family model against
 * the sgemm peak of the same run, and KV-cache decoding speed; by default
 * SmolLM2-135M's shape (30 layers, hidden 576, 9 heads sharing 3 key/value
 * heads, MLP 1536, vocabulary 49,152, tied head).
 * Usage: llama_bench [--config config.json] [--layers L] [--batch 4] [--ctx 256]
 *        [--steps 2] [--warmup 1] [--threads 2] [--probe-ms 500]
 *        [--decode-tokens 64] [--checkpointing] [--freeze-embeddings]
 * Each timed step is followed by an sgemm probe (sgemm_probe.h); the MFU is
 * the steps' useful FLOPs over their time, against the mean sustained rate of
 * the probes around them. --probe-ms 0 takes no probe (no MFU). After the
 * steps it prints the model's memory by use (llama_mem_info) and the peak
 * RSS of the process. */
#include "mentor/llama.h"

#include "sgemm_probe.h"

#include <string.h>
#include <sys/resource.h>

static void die(const char *what, const char *err)
{
	fprintf(stderr, "llama_bench: %s: %s\n", what, err);
	exit(1);
}

static int arg_int(int argc, char **argv, int *i, long lo, long hi)
{
	long v;
	if (*i + 1 >= argc || util_parse_long(argv[*i + 1], lo, hi, &v)) {
		fprintf(stderr, "llama_bench: %s needs a number %ld..%ld\n", argv[*i], lo, hi);
		exit(2);
	}
	(*i)++;
	return (int)v;
}

static void train_step(struct llama *m, const int32_t *in, const int32_t *tg, int B, int T)
{
	char err[MENTOR_ERR_LEN];
	struct model_adamw opt = {.lr = 1e-4f,
				  .beta1 = 0.9f,
				  .beta2 = 0.95f,
				  .eps = 1e-8f,
				  .weight_decay = 0.1f};
	float loss;
	llama_zero_grad(m);
	if (llama_forward(m, in, tg, NULL, B, T, &loss, err) || llama_backward(m, err))
		die("train step", err);
	llama_clip_grad(m, 1.0f);
	if (llama_adamw_step(m, &opt, err))
		die("adamw", err);
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int B = 4, T = 256, L = 0, threads = 2, steps = 2, warmup = 1, dec_tokens = 64;
	int ckpt = 0, freeze = 0;
	double probe_secs = 0.5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--layers"))
			L = arg_int(argc, argv, &i, 1, LLAMA_MAX_LAYERS);
		else if (!strcmp(argv[i], "--batch"))
			B = arg_int(argc, argv, &i, 1, 4096);
		else if (!strcmp(argv[i], "--ctx"))
			T = arg_int(argc, argv, &i, 2, LLAMA_MAX_TRAIN_T);
		else if (!strcmp(argv[i], "--steps"))
			steps = arg_int(argc, argv, &i, 1, 100);
		else if (!strcmp(argv[i], "--warmup"))
			warmup = arg_int(argc, argv, &i, 0, 100);
		else if (!strcmp(argv[i], "--threads"))
			threads = arg_int(argc, argv, &i, 1, 256);
		else if (!strcmp(argv[i], "--probe-ms"))
			probe_secs = arg_int(argc, argv, &i, 0, 60000) / 1000.0;
		else if (!strcmp(argv[i], "--decode-tokens"))
			dec_tokens = arg_int(argc, argv, &i, 0, 100000);
		else if (!strcmp(argv[i], "--checkpointing"))
			ckpt = 1;
		else if (!strcmp(argv[i], "--freeze-embeddings"))
			freeze = LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD;
		else {
			fprintf(stderr,
				"usage: llama_bench [--config config.json] [--layers L] "
				"[--batch B] [--ctx T] [--steps S] [--warmup S] [--threads N] "
				"[--probe-ms MS] [--decode-tokens N] [--checkpointing] "
				"[--freeze-embeddings]\n");
			return 2;
		}
	}
	char err[MENTOR_ERR_LEN];
	struct llama_config cfg = {.family = LLAMA_FAMILY_LLAMA,
				   .vocab_size = 49152,
				   .hidden_size = 576,
				   .intermediate_size = 1536,
				   .n_layer = 30,
				   .n_head = 9,
				   .n_kv_head = 3,
				   .head_dim = 64,
				   .max_seq_len = 8192,
				   .rope_theta = 100000.0,
				   .rms_norm_eps = 1e-5,
				   .tie_word_embeddings = 1};
	if (config) {
		size_t len;
		char *text = util_read_file(config, LLAMA_MAX_CONFIG_BYTES, &len, err);
		if (!text || llama_config_from_json(text, len, &cfg, err))
			die(config, err);
		free(text);
	}
	if (L)
		cfg.n_layer = L;
	if (T > cfg.max_seq_len)
		T = cfg.max_seq_len;
	model_set_threads(threads);
	char info[256];
	int generic = model_blas_info(info, sizeof info);
	printf("blas: %s\n", info);
	if (generic)
		printf("warning: OpenBLAS uses a generic core here; set OPENBLAS_CORETYPE=%s for "
		       "real figures\n",
		       model_blas_better_core() ? model_blas_better_core() : "...");
	struct llama *m;
	if (llama_new(&cfg, 1, &m, err))
		die("model", err);
	llama_set_checkpointing(m, ckpt);
	if (llama_set_frozen(m, freeze, err))
		die("freeze", err);
	double C = cfg.hidden_size, F = cfg.intermediate_size, V = cfg.vocab_size;
	double Q = (double)cfg.n_head * cfg.head_dim, KV = (double)cfg.n_kv_head * cfg.head_dim;
	/* FLOPs per trained token: 6 per weight in a matmul (q, k, v, o, the
	 * three MLP matrices and the head: 2 forward, 4 backward) plus causal
	 * attention, 6*L*Q*(T+1) (QK^T and AV over (T+1)/2 keys on average,
	 * forward and twice backward); the kernel computes the masked half too,
	 * which counts as waste */
	double nmat = cfg.n_layer * (2 * C * Q + 2 * C * KV + 3 * C * F) + V * C;
	double flops_tok = 6.0 * nmat + 6.0 * cfg.n_layer * Q * (T + 1.0);
	if (freeze) /* the head's weight gradient is not computed */
		flops_tok -= 2.0 * V * C;
	printf("model: L=%d C=%d F=%d NH=%d NKV=%d D=%d V=%d, %zu parameters; batch %d x %d; "
	       "checkpointing %s; embedding and head %s\n",
	       cfg.n_layer, cfg.hidden_size, cfg.intermediate_size, cfg.n_head, cfg.n_kv_head,
	       cfg.head_dim, cfg.vocab_size, llama_num_params(m), B, T, ckpt ? "on" : "off",
	       freeze ? "frozen" : "trained");
	printf("FLOPs per token: %.1f M (6 x %.1f M matmul weights + attention)\n", flops_tok / 1e6,
	       nmat / 1e6);

	size_t N = (size_t)B * T;
	int32_t *in = malloc(N * sizeof *in), *tg = malloc(N * sizeof *tg);
	if (!in || !tg)
		die("batch", "out of memory");
	struct rng r;
	rng_seed(&r, 7);
	for (size_t i = 0; i < N; i++) {
		in[i] = (int32_t)rng_below(&r, (uint64_t)cfg.vocab_size);
		tg[i] = (int32_t)rng_below(&r, (uint64_t)cfg.vocab_size);
	}
	for (int s = 0; s < warmup; s++)
		train_step(m, in, tg, B, T);
	int probing = probe_secs > 0;
	struct probe p = {0};
	if (probing) {
		p = sgemm_probe(1536, probe_secs);
		printf("sgemm (1536^3) before: sustained %.1f GFLOP/s, best %.1f\n", p.sustained,
		       p.best);
	}
	double psum = p.sustained, best = p.best, tsum = 0.0;
	for (int s = 0; s < steps; s++) {
		double t0 = util_mono();
		train_step(m, in, tg, B, T);
		double dt = util_mono() - t0;
		tsum += dt;
		printf("step %d: %.2f s, %.0f tokens/s", s + 1, dt, (double)N / dt);
		if (probing) {
			p = sgemm_probe(1536, probe_secs);
			psum += p.sustained;
			best = p.best > best ? p.best : best;
			printf("; sgemm after: sustained %.1f GFLOP/s", p.sustained);
		}
		printf("\n");
		fflush(stdout);
	}
	double tps = (double)N * steps / tsum, achieved = tps * flops_tok / 1e9;
	double peak = psum / (steps + 1), mfu = probing ? 100.0 * achieved / peak : 0.0;
	if (probing)
		printf("training: %.0f tokens/s; %.1f GFLOP/s; MFU %.1f%% of the sustained sgemm "
		       "rate (%.1f GFLOP/s, mean of %d probes), %.1f%% of the best call (%.1f)\n",
		       tps, achieved, mfu, peak, steps + 1, 100.0 * achieved / best, best);
	else
		printf("training: %.0f tokens/s; %.1f GFLOP/s (no sgemm probe)\n", tps, achieved);

	struct llama_mem mem;
	struct rusage ru;
	llama_mem_info(m, &mem);
	getrusage(RUSAGE_SELF, &ru);
	double mib = 1024.0 * 1024.0, rss = ru.ru_maxrss / 1024.0;
	printf("memory (MiB): parameters %.0f, gradients %.0f, AdamW moments %.0f, activations "
	       "%.0f, backward scratch %.0f, attention scratch %.0f; total %.0f; peak RSS %.0f\n",
	       mem.params / mib, mem.grads / mib, mem.moments / mib, mem.activations / mib,
	       mem.backward_scratch / mib, mem.attention_scratch / mib, mem.total / mib, rss);

	double dec_tps = 0.0;
	if (dec_tokens > 0) {
		int32_t prompt[16], *out = malloc((size_t)dec_tokens * sizeof *out);
		if (!out)
			die("decode", "out of memory");
		for (int i = 0; i < 16; i++)
			prompt[i] = in[i];
		size_t n;
		double t0 = util_mono();
		if (llama_generate(m, prompt, 16, -1, (size_t)dec_tokens, out, &n, NULL, err))
			die("generate", err);
		dec_tps = (double)(n + 16) / (util_mono() - t0);
		printf("decoding (KV cache, batch 1): %.1f tokens/s (16-token prompt, %zu new)\n",
		       dec_tps, n);
		free(out);
	}
	printf("RESULT train_tokens_per_s=%.0f mfu_pct=%.1f sgemm_gflops=%.1f "
	       "decode_tokens_per_s=%.1f rss_mib=%.0f params_mib=%.0f grads_mib=%.0f "
	       "moments_mib=%.0f acts_mib=%.0f scratch_mib=%.0f sgemm_best=%.1f "
	       "mfu_best_pct=%.1f\n",
	       tps, mfu, peak, dec_tps, rss, mem.params / mib, mem.grads / mib, mem.moments / mib,
	       mem.activations / mib, (mem.backward_scratch + mem.attention_scratch) / mib, best,
	       probing ? 100.0 * achieved / best : 0.0);
	free(in);
	free(tg);
	llama_free(m);
	return 0;
}
