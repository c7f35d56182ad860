/* model: GPT-2 forward, backward, AdamW and KV-cache decoding in float32 (see
 * include/mentor/model.h). Every batched matrix product is a cblas_sgemm;
 * single-token decoding uses a matrix-vector loop. The other kernels
 * are plain loops parallelised with OpenMP over independent rows or (batch,
 * head) pairs, no two threads adding into the same float, which keeps results
 * deterministic for a given thread count. */
#include "mentor/model.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Provided by OpenBLAS (declared here: not every cblas.h declares them). */
void openblas_set_num_threads(int num_threads);
int openblas_get_parallel(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

#define LN_EPS 1e-5f
/* Go parallel only when a loop touches enough floats to pay for waking the
 * thread team; a tiny model (or a test) then runs its kernels serially. The
 * split never changes results: each iteration computes the same thing on any
 * thread. */
#define PAR_MIN_WORK 32768
#define PAR(work) ((size_t)(work) >= PAR_MIN_WORK)
#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi) */
/* Query block of the causal attention on sequences longer than it (see
 * "causal attention in query blocks" below). */
#define ATTN_BLOCK 128
/* Models of this many parameters and more (GPT-2 small; no preset) run
 * AdamW with reciprocals and sum the gradient norm in vectors (see
 * adamw_chunk_recip and grad_sq): the last bits differ from the presets'. */
#define ADAMW_RECIP_MIN ((size_t)1 << 26)
/* Chunk of the element-wise passes over whole buffers (parameters, grads). */
#define VEC_CHUNK 65536

/* The hot element-wise and attention loops are compiled for AVX-512, AVX2 and
 * the baseline, chosen once at load time (the build itself targets baseline
 * x86-64). A loop whose iterations are independent element-wise operations
 * (no sum across the vector) gives the same bits on every path, since the
 * build contracts nothing into FMAs (-std=c11 implies -ffp-contract=off);
 * a vectorised sum depends on the vector width, so the loops that sum stay
 * where they were compiled before, unless a size gates a new path. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define HOT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef HOT_CLONES
#define HOT_CLONES
#endif

/* A float max reduction (exact in any order): gcc vectorises `x > mx ? x : mx`
 * under omp simd; clang cannot without -ffinite-math-only and warns that the
 * vectorisation asked for did not happen (-Wpass-failed), so it is not asked. */
#define OMP_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define SIMD_MAX_REDUCTION(v)
#else
#define SIMD_MAX_REDUCTION(v) OMP_PRAGMA(omp simd reduction(max : v))
#endif


static const char *const tensor_names[MODEL_N_TENSORS] = {
	"wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
	"ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb",
};

/* Forward activations, carved from one buffer; L-prefixed ones per layer. */
enum {
	A_ENCODED,  /* (BT,C) */
	A_LN1,      /* (L,BT,C) */
	A_LN1_MEAN, /* (L,BT) */
	A_LN1_RSTD, /* (L,BT) */
	A_QKV,      /* (L,BT,3C) */
	A_ATTY,     /* (L,BT,C) */
	A_ATT,      /* (L,B,NH,T(T+1)/2): causal softmax rows, lower triangle only */
	A_RES2,     /* (L,BT,C) residual after attention */
	A_LN2,      /* (L,BT,C) */
	A_LN2_MEAN, /* (L,BT) */
	A_LN2_RSTD, /* (L,BT) */
	A_FCH,      /* (L,BT,4C) */
	A_FCH_GELU, /* (L,BT,4C) */
	A_RES3,     /* (L,BT,C) residual after the MLP */
	A_LNF,      /* (BT,C) */
	A_LNF_MEAN, /* (BT) */
	A_LNF_RSTD, /* (BT) */
	A_PROBS,    /* (BT,V) logits, then probabilities */
	A_NLL,      /* (BT) */
	A_WEIGHT,   /* (BT) loss weight / sum of weights */
	A_SEQLOSS,  /* (B) */
	A_SEQW,     /* (B) */
	/* backward scratch, one layer's worth, reused down the stack */
	G_RES,      /* (BT,C) gradient of the residual stream */
	G_LN,       /* (BT,C) gradient of a LayerNorm output */
	G_QKV,      /* (BT,3C) */
	G_ATTY,     /* (BT,C) */
	G_FCH,      /* (BT,4C) */
	A_N
};

/* KV cache and single-token scratch, one buffer. */
enum {
	K_K,      /* (L,maxT,C) keys */
	K_V,      /* (L,maxT,C) values */
	K_X,      /* (C) residual stream */
	K_LN,     /* (C) */
	K_QKV,    /* (3C) */
	K_ATTY,   /* (C) */
	K_H,      /* (4C) */
	K_ATT,    /* (maxT) */
	K_LOGITS, /* (V) */
	K_N
};

struct model {
	struct model_config cfg;
	size_t param_size[MODEL_N_TENSORS];
	size_t param_off[MODEL_N_TENSORS];
	size_t num_params;
	float *params; /* (num_params) */
	float *grads;  /* (num_params) */
	float *adam_m; /* (num_params) */
	float *adam_v; /* (num_params) */
	int64_t step;
	double *norm_part; /* (num_params / NORM_CHUNK + 1) partial sums */

	float *acts;     /* carved by act_off for the current (B,T) */
	size_t acts_cap; /* floats allocated */
	size_t act_off[A_N];
	int32_t *tokens;  /* (BT) inputs of the last forward */
	int32_t *targets; /* (BT) targets of the last forward, -1 ignored */
	size_t tok_cap;
	float *scratch;  /* attention: 2*T*T floats per thread */
	size_t scratch_cap;
	int B, T;
	int attn_bs;     /* query block of the last forward's attention, 0 full */
	int attn_block;  /* longest T on the full attention path (ATTN_BLOCK) */
	int have_targets; /* losses of the last forward are readable */
	int have_probs;   /* ... and its probabilities await a backward */
	int have_forward;

	float *kv; /* carved by kv_off */
	size_t kv_off[K_N];
	int kv_len;
};

/* ---- sizes ---- */

static int mul3(size_t a, size_t b, size_t c, size_t *out)
{
	size_t t;
	return util_mul_size(a, b, &t) || util_mul_size(t, c, out);
}

/* Parameter tensor sizes of cfg into sizes[]; -1 on overflow. */
static int param_sizes(const struct model_config *cfg, size_t *sizes)
{
	size_t V = (size_t)cfg->vocab_size, T = (size_t)cfg->max_seq_len;
	size_t L = (size_t)cfg->n_layer, C = (size_t)cfg->n_embd;
	int bad = 0;
	bad |= mul3(V, C, 1, &sizes[MODEL_WTE]);
	bad |= mul3(T, C, 1, &sizes[MODEL_WPE]);
	bad |= mul3(L, C, 1, &sizes[MODEL_LN1W]);
	bad |= mul3(L, C, 1, &sizes[MODEL_LN1B]);
	bad |= mul3(L, 3 * C, C, &sizes[MODEL_QKVW]);
	bad |= mul3(L, 3 * C, 1, &sizes[MODEL_QKVB]);
	bad |= mul3(L, C, C, &sizes[MODEL_ATTPROJW]);
	bad |= mul3(L, C, 1, &sizes[MODEL_ATTPROJB]);
	bad |= mul3(L, C, 1, &sizes[MODEL_LN2W]);
	bad |= mul3(L, C, 1, &sizes[MODEL_LN2B]);
	bad |= mul3(L, 4 * C, C, &sizes[MODEL_FCW]);
	bad |= mul3(L, 4 * C, 1, &sizes[MODEL_FCB]);
	bad |= mul3(L, C, 4 * C, &sizes[MODEL_FCPROJW]);
	bad |= mul3(L, C, 1, &sizes[MODEL_FCPROJB]);
	sizes[MODEL_LNFW] = C;
	sizes[MODEL_LNFB] = C;
	return bad ? -1 : 0;
}

/* Offsets from sizes; the total into *total. -1 on overflow. */
static int carve(const size_t *sizes, size_t *offs, int n, size_t *total)
{
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		offs[i] = off;
		if (util_add_size(off, sizes[i], &off))
			return -1;
	}
	*total = off;
	return 0;
}

int model_config_check(const struct model_config *cfg, char *err)
{
	if (!cfg) {
		util_err(err, "invalid model config: none given");
		return MENTOR_EUSAGE;
	}
	const struct {
		const char *name;
		int v, max;
	} f[] = {
		{"vocab_size", cfg->vocab_size, MODEL_MAX_VOCAB},
		{"max_seq_len", cfg->max_seq_len, MODEL_MAX_CTX},
		{"n_layer", cfg->n_layer, MODEL_MAX_LAYERS},
		{"n_head", cfg->n_head, MODEL_MAX_HEADS},
		{"n_embd", cfg->n_embd, MODEL_MAX_EMBD},
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (f[i].v < 1 || f[i].v > f[i].max) {
			util_err(err, "invalid model config: '%s' is %d, must be 1..%d", f[i].name,
				 f[i].v, f[i].max);
			return MENTOR_EUSAGE;
		}
	}
	if (cfg->n_embd % cfg->n_head) {
		util_err(err, "invalid model config: 'n_embd' %d is not a multiple of 'n_head' %d",
			 cfg->n_embd, cfg->n_head);
		return MENTOR_EUSAGE;
	}
	size_t sizes[MODEL_N_TENSORS], offs[MODEL_N_TENSORS], total;
	if (param_sizes(cfg, sizes) || carve(sizes, offs, MODEL_N_TENSORS, &total) ||
	    total > MODEL_MAX_PARAMS) {
		util_err(err, "invalid model config: more than %zu parameters",
			 (size_t)MODEL_MAX_PARAMS);
		return MENTOR_EUSAGE;
	}
	return 0;
}

size_t model_config_num_params(const struct model_config *cfg)
{
	size_t sizes[MODEL_N_TENSORS], offs[MODEL_N_TENSORS], total;
	if (param_sizes(cfg, sizes) || carve(sizes, offs, MODEL_N_TENSORS, &total))
		return 0;
	return total;
}

int model_config_preset(const char *name, int vocab_size, struct model_config *cfg,
			char *err)
{
	static const struct {
		const char *name;
		int L, C, NH, T;
	} presets[] = {
		{"tiny", 2, 128, 4, 128},
		{"small", 4, 256, 4, 128},
		{"base", 6, 384, 6, 256},
	};
	for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++) {
		if (strcmp(name, presets[i].name) == 0) {
			cfg->vocab_size = vocab_size;
			cfg->n_layer = presets[i].L;
			cfg->n_embd = presets[i].C;
			cfg->n_head = presets[i].NH;
			cfg->max_seq_len = presets[i].T;
			return 0;
		}
	}
	util_err(err, "unknown model preset '%s': use tiny, small or base", name ? name : "");
	return MENTOR_EUSAGE;
}

/* ---- lifecycle ---- */

static float *falloc(size_t n)
{
	size_t bytes;
	if (util_mul_size(n ? n : 1, sizeof(float), &bytes))
		return NULL;
	/* 64-byte alignment for the vector units; size rounded up as required */
	bytes = (bytes + 63) & ~(size_t)63;
	return aligned_alloc(64, bytes);
}

/* Box-Muller normal sample. */
static float randn(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

int model_new(const struct model_config *cfg, uint64_t seed, struct model **out, char *err)
{
	*out = NULL;
	int rc = model_config_check(cfg, err);
	if (rc)
		return rc;
	struct model *m = calloc(1, sizeof *m);
	if (!m)
		return util_err(err, "cannot create model: out of memory");
	m->cfg = *cfg;
	m->attn_block = ATTN_BLOCK;
	param_sizes(cfg, m->param_size);
	carve(m->param_size, m->param_off, MODEL_N_TENSORS, &m->num_params);
	m->params = falloc(m->num_params);
	m->grads = falloc(m->num_params);
	m->adam_m = falloc(m->num_params);
	m->adam_v = falloc(m->num_params);
	m->norm_part = malloc((m->num_params / 65536 + 1) * sizeof *m->norm_part);
	if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->norm_part) {
		util_err(err, "cannot create model: out of memory for %zu parameters",
			 m->num_params);
		model_free(m);
		return MENTOR_ERR;
	}
	size_t nb = m->num_params * sizeof(float);
	memset(m->grads, 0, nb);
	memset(m->adam_m, 0, nb);
	memset(m->adam_v, 0, nb);
	struct rng r;
	rng_seed(&r, seed);
	float resid_std = 0.02f / sqrtf(2.0f * (float)cfg->n_layer);
	for (int i = 0; i < MODEL_N_TENSORS; i++) {
		float *p = m->params + m->param_off[i];
		size_t n = m->param_size[i];
		float std = 0.0f, fill = 0.0f;
		switch (i) {
		case MODEL_WTE:
		case MODEL_QKVW:
		case MODEL_FCW:
			std = 0.02f;
			break;
		case MODEL_WPE:
			std = 0.01f;
			break;
		case MODEL_ATTPROJW:
		case MODEL_FCPROJW:
			std = resid_std;
			break;
		case MODEL_LN1W:
		case MODEL_LN2W:
		case MODEL_LNFW:
			fill = 1.0f;
			break;
		default:
			break;
		}
		for (size_t j = 0; j < n; j++)
			p[j] = std > 0.0f ? std * randn(&r) : fill;
	}
	*out = m;
	return 0;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->grads);
	free(m->adam_m);
	free(m->adam_v);
	free(m->norm_part);
	free(m->acts);
	free(m->scratch);
	free(m->tokens);
	free(m->targets);
	free(m->kv);
	free(m);
}

const struct model_config *model_get_config(const struct model *m) { return &m->cfg; }
size_t model_num_params(const struct model *m) { return m->num_params; }
float *model_params(struct model *m) { return m->params; }
float *model_grads(struct model *m) { return m->grads; }
float *model_adam_m(struct model *m) { return m->adam_m; }
float *model_adam_v(struct model *m) { return m->adam_v; }
int64_t model_adam_step(const struct model *m) { return m->step; }
void model_set_adam_step(struct model *m, int64_t step) { m->step = step < 0 ? 0 : step; }

int model_tensor_info(const struct model *m, int i, const char **name, size_t *offset,
		      size_t *size, int *decay)
{
	if (i < 0 || i >= MODEL_N_TENSORS)
		return MENTOR_EUSAGE;
	if (name)
		*name = tensor_names[i];
	if (offset)
		*offset = m->param_off[i];
	if (size)
		*size = m->param_size[i];
	if (decay)
		*decay = i == MODEL_WTE || i == MODEL_WPE || i == MODEL_QKVW ||
			 i == MODEL_ATTPROJW || i == MODEL_FCW || i == MODEL_FCPROJW;
	return 0;
}

void model_set_threads(int n)
{
	if (n < 1)
		n = 1;
	omp_set_num_threads(n);
	openblas_set_num_threads(n);
}

int model_blas_info(char *out, size_t n)
{
	const char *core = openblas_get_corename();
	int par = openblas_get_parallel();
	snprintf(out, n, "%s; core %s, %s, %d threads", openblas_get_config(), core,
		 par == 2 ? "OpenMP" : par == 1 ? "pthreads" : "sequential", omp_get_max_threads());
	static const char *const generic[] = {"Prescott", "Nehalem", "Core2", "Penryn",
					      "Dunnington", "Atom", "Katmai", "Coppermine",
					      "Northwood", "Banias", "Unknown"};
	for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
		if (strcasecmp(core, generic[i]) == 0)
			return 1;
	return 0;
}

const char *model_blas_better_core(void)
{
	char info[256];
	if (model_blas_info(info, sizeof info) != 1)
		return NULL;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return NULL;
	char line[8192];
	const char *core = NULL;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " avx512_bf16"))
			core = "Cooperlake";
		else if (strstr(line, " avx512f"))
			core = "SkylakeX";
		else if (strstr(line, " avx2"))
			core = "Haswell";
		break;
	}
	fclose(f);
	return core;
}

/* ---- kernels ----
 * B batch, T time, C channels, OC output channels, NH heads, V vocabulary. */

/* out (B,T,C) = wte[inp] + wpe[t]; inp is (B,T), wte (V,C), wpe (maxT,C). */
static void encoder_forward(float *out, const int32_t *inp, const float *wte,
			    const float *wpe, int B, int T, int C)
{
#pragma omp parallel for if (PAR((size_t)B * T * C))
	for (int bt = 0; bt < B * T; bt++) {
		float *o = out + (size_t)bt * C;
		const float *we = wte + (size_t)inp[bt] * C, *pe = wpe + (size_t)(bt % T) * C;
		for (int i = 0; i < C; i++)
			o[i] = we[i] + pe[i];
	}
}

/* dwte (V,C), dwpe (maxT,C) += from dout (B,T,C). Serial over rows: a token may
 * repeat, and the sum order must not depend on the thread count. */
static void encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *inp,
			     int B, int T, int C)
{
	for (int bt = 0; bt < B * T; bt++) {
		const float *d = dout + (size_t)bt * C;
		float *we = dwte + (size_t)inp[bt] * C, *pe = dwpe + (size_t)(bt % T) * C;
		for (int i = 0; i < C; i++) {
			we[i] += d[i];
			pe[i] += d[i];
		}
	}
}

/* out (N,C) = LayerNorm(inp (N,C)) * weight (C) + bias (C); mean, rstd (N). */
static void layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			      const float *weight, const float *bias, int N, int C)
{
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C;
		float s = 0.0f;
		for (int i = 0; i < C; i++)
			s += x[i];
		float mu = s / (float)C, v = 0.0f;
		for (int i = 0; i < C; i++)
			v += (x[i] - mu) * (x[i] - mu);
		float rs = 1.0f / sqrtf(v / (float)C + LN_EPS);
		float *o = out + (size_t)n * C;
		for (int i = 0; i < C; i++)
			o[i] = (x[i] - mu) * rs * weight[i] + bias[i];
		mean[n] = mu;
		rstd[n] = rs;
	}
}

/* dweight, dbias (nc) += the LayerNorm parameter gradients of nc columns:
 * dout and inp point at the first column of row 0, rows C apart. Each
 * column is summed over the rows in order; vectorised across columns only. */
HOT_CLONES
static void ln_param_grad_cols(float *dweight, float *dbias, const float *dout,
			       const float *inp, const float *mean, const float *rstd, int N, int C,
			       int nc)
{
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
		float mu = mean[n], rs = rstd[n];
#pragma omp simd
		for (int i = 0; i < nc; i++) {
			dweight[i] += (x[i] - mu) * rs * d[i];
			dbias[i] += d[i];
		}
	}
}

/* dinp (N,C) += and dweight, dbias (C) += from dout (N,C); inp (N,C) is the
 * LayerNorm input, mean and rstd (N) from the forward. */
static void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
			       const float *inp, const float *weight, const float *mean,
			       const float *rstd, int N, int C)
{
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int n = 0; n < N; n++) {
		const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
		float mu = mean[n], rs = rstd[n];
		float dmean = 0.0f, dnormmean = 0.0f;
		for (int i = 0; i < C; i++) {
			float norm = (x[i] - mu) * rs, dn = weight[i] * d[i];
			dmean += dn;
			dnormmean += dn * norm;
		}
		dmean /= (float)C;
		dnormmean /= (float)C;
		float *di = dinp + (size_t)n * C;
		for (int i = 0; i < C; i++) {
			float norm = (x[i] - mu) * rs, dn = weight[i] * d[i];
			di[i] += (dn - dmean - norm * dnormmean) * rs;
		}
	}
	/* parameter gradients by column blocks, each summed over rows in order */
	int nblk = (C + 15) / 16;
#pragma omp parallel for if (PAR((size_t)N * C))
	for (int blk = 0; blk < nblk; blk++) {
		int i0 = blk * 16, i1 = i0 + 16 < C ? i0 + 16 : C;
		ln_param_grad_cols(dweight + i0, dbias + i0, dout + i0, inp + i0, mean, rstd, N, C,
				   i1 - i0);
	}
}

void model_matmul_forward_naive(float *out, const float *inp, const float *weight,
				const float *bias, int N, int C, int OC)
{
	for (int n = 0; n < N; n++) {
		for (int o = 0; o < OC; o++) {
			float s = bias ? bias[o] : 0.0f;
			for (int i = 0; i < C; i++)
				s += inp[(size_t)n * C + i] * weight[(size_t)o * C + i];
			out[(size_t)n * OC + o] = s;
		}
	}
}

void model_matmul_backward_naive(float *dinp, float *dweight, float *dbias,
				 const float *dout, const float *inp, const float *weight,
				 int N, int C, int OC)
{
	for (int n = 0; n < N; n++) {
		for (int o = 0; o < OC; o++) {
			float d = dout[(size_t)n * OC + o];
			for (int i = 0; i < C; i++) {
				dinp[(size_t)n * C + i] += weight[(size_t)o * C + i] * d;
				dweight[(size_t)o * C + i] += inp[(size_t)n * C + i] * d;
			}
			if (dbias)
				dbias[o] += d;
		}
	}
}

/* o (n) += b (n). */
HOT_CLONES
static void vec_add(float *o, const float *b, int n)
{
#pragma omp simd
	for (int j = 0; j < n; j++)
		o[j] += b[j];
}

/* db (nc) += the column sums of nc columns of d (N rows, ld apart), each
 * summed over the rows in order; vectorised across columns only. */
HOT_CLONES
static void col_sums_add(float *db, const float *d, int N, int ld, int nc)
{
	for (int n = 0; n < N; n++) {
		const float *r = d + (size_t)n * ld;
#pragma omp simd
		for (int o = 0; o < nc; o++)
			db[o] += r[o];
	}
}

/* out (N,OC) = inp (N,C) @ weight^T + bias, or += when accumulate (the
 * residual adds). weight is (OC,C), bias (OC) or NULL. */
static void matmul_forward(float *out, const float *inp, const float *weight,
			   const float *bias, int N, int C, int OC, int accumulate)
{
	/* out (N,OC) = inp (N,C) @ weight^T (C,OC) [+ out] */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, inp, C, weight, C,
		    accumulate ? 1.0f : 0.0f, out, OC);
	if (bias) {
#pragma omp parallel for if (PAR((size_t)N * OC))
		for (int n = 0; n < N; n++)
			vec_add(out + (size_t)n * OC, bias, OC);
	}
}

/* From dout (N,OC): dinp (N,C) = (or += when accumulate) dout @ weight,
 * dweight (OC,C) += dout^T @ inp, dbias (OC) += column sums (dbias may be NULL). */
static void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout,
			    const float *inp, const float *weight, int N, int C, int OC,
			    int accumulate)
{
	/* dinp (N,C) = dout (N,OC) @ weight (OC,C) [+ dinp] */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, weight,
		    C, accumulate ? 1.0f : 0.0f, dinp, C);
	/* dweight (OC,C) += dout^T (OC,N) @ inp (N,C) */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C,
		    1.0f, dweight, C);
	if (dbias) {
		int nblk = (OC + 63) / 64;
#pragma omp parallel for if (PAR((size_t)N * OC))
		for (int blk = 0; blk < nblk; blk++) {
			int o0 = blk * 64, o1 = o0 + 64 < OC ? o0 + 64 : OC;
			col_sums_add(dbias + o0, dout + o0, N, OC, o1 - o0);
		}
	}
}

void model_matmul_forward_blas(float *out, const float *inp, const float *weight,
			       const float *bias, int N, int C, int OC)
{
	matmul_forward(out, inp, weight, bias, N, C, OC, 0);
}

void model_matmul_backward_blas(float *dinp, float *dweight, float *dbias,
				const float *dout, const float *inp, const float *weight,
				int N, int C, int OC)
{
	matmul_backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC, 1);
}

void model_matmul_forward_acc(float *out, const float *inp, const float *weight,
			      const float *bias, int N, int C, int OC, int accumulate)
{
	matmul_forward(out, inp, weight, bias, N, C, OC, accumulate);
}

void model_matmul_backward_acc(float *dinp, float *dweight, float *dbias, const float *dout,
			       const float *inp, const float *weight, int N, int C, int OC,
			       int accumulate)
{
	matmul_backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC, accumulate);
}

/* Offset of row t in a lower-triangular (T,T) attention matrix. */
static size_t tri(int t) { return (size_t)t * (size_t)(t + 1) / 2; }

/* exp(x) in a form the compiler can vectorise: rounding by the 1.5 * 2^23
 * trick, range reduction by ln 2 and a degree-6 polynomial (Cephes), about 1
 * ulp on the clamped range [-87, 88], which keeps 2^n a normal float. The
 * clamps vectorise only without trapping math: src/meson.build builds this
 * file with -fno-trapping-math (the code never reads FP exception flags). */
static inline float vexpf(float x)
{
	x = x > 88.0f ? 88.0f : x;
	x = x < -87.0f ? -87.0f : x;
	float t = x * 1.44269504088896341f + 12582912.0f;
	int32_t tb;
	memcpy(&tb, &t, sizeof tb);
	int32_t n = tb - 0x4B400000; /* round(x / ln 2) */
	float nf = t - 12582912.0f;
	float r = x - nf * 0.693359375f + nf * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	int32_t bits = (n + 127) * 8388608; /* 2^n as a float's bits */
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* One (b, h) of causal self-attention: q, k, v rows of the head at base
 * (T,3C), output rows at out (T,C), softmax rows into ab (T(T+1)/2). */
HOT_CLONES
static void attn_head_forward(float *out, float *ab, const float *base, int T, int C, int h,
			      int hs)
{
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3;
	for (int t = 0; t < T; t++) {
		const float *q = base + (size_t)t * C3 + (size_t)h * hs;
		float *row = ab + tri(t);
		float mx = -INFINITY;
		for (int t2 = 0; t2 <= t; t2++) {
			const float *k = base + (size_t)t2 * C3 + C + (size_t)h * hs;
			float s = 0.0f;
#pragma omp simd reduction(+ : s)
			for (int i = 0; i < hs; i++)
				s += q[i] * k[i];
			s *= scale;
			row[t2] = s;
			if (s > mx)
				mx = s;
		}
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int t2 = 0; t2 <= t; t2++) {
			row[t2] = vexpf(row[t2] - mx);
			sum += row[t2];
		}
		float inv = 1.0f / sum;
		float *o = out + (size_t)t * C + (size_t)h * hs;
		for (int i = 0; i < hs; i++)
			o[i] = 0.0f;
		for (int t2 = 0; t2 <= t; t2++) {
			row[t2] *= inv;
			const float *v = base + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float a = row[t2];
#pragma omp simd
			for (int i = 0; i < hs; i++)
				o[i] += a * v[i];
		}
	}
}

/* Causal self-attention, plain loops (the reference for the BLAS version
 * below). qkv (B,T,3C) holds q, k, v per position; out (B,T,C) is the
 * per-head weighted sum of values; att (B,NH,T(T+1)/2) keeps the softmax rows
 * for the backward. Parallel over (b, h). */
void model_attention_forward_naive(float *out, float *att, const float *qkv, int B, int T,
				   int C, int NH)
{
	int hs = C / NH;
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		attn_head_forward(out + (size_t)b * T * C, att + (size_t)bh * TT,
				  qkv + (size_t)b * T * C3, T, C, h, hs);
	}
}

/* Backward of one (b, h): from dout rows (T,C), writes the head's slices of
 * dbase (T,3C) using base (T,3C) and the softmax rows ab. */
HOT_CLONES
static void attn_head_backward(float *dbase, const float *dout, const float *base,
			       const float *ab, int T, int C, int h, int hs)
{
	float datt[MODEL_MAX_CTX];
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3;
	for (int t = 0; t < T; t++)
		for (int j = 0; j < 3; j++)
			memset(dbase + (size_t)t * C3 + (size_t)j * C + (size_t)h * hs, 0,
			       (size_t)hs * sizeof(float));
	for (int t = 0; t < T; t++) {
		const float *row = ab + tri(t);
		const float *d = dout + (size_t)t * C + (size_t)h * hs;
		const float *q = base + (size_t)t * C3 + (size_t)h * hs;
		float *dq = dbase + (size_t)t * C3 + (size_t)h * hs;
		float dot = 0.0f;
		for (int t2 = 0; t2 <= t; t2++) {
			const float *v = base + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float *dv = dbase + (size_t)t2 * C3 + 2 * (size_t)C + (size_t)h * hs;
			float s = 0.0f, a = row[t2];
#pragma omp simd reduction(+ : s)
			for (int i = 0; i < hs; i++) {
				s += d[i] * v[i];
				dv[i] += a * d[i];
			}
			datt[t2] = s;
			dot += a * s;
		}
		for (int t2 = 0; t2 <= t; t2++) {
			float dpre = row[t2] * (datt[t2] - dot) * scale;
			const float *k = base + (size_t)t2 * C3 + C + (size_t)h * hs;
			float *dk = dbase + (size_t)t2 * C3 + C + (size_t)h * hs;
#pragma omp simd
			for (int i = 0; i < hs; i++) {
				dq[i] += dpre * k[i];
				dk[i] += dpre * q[i];
			}
		}
	}
}

/* From dout (B,T,C): dqkv (B,T,3C) = gradient of the attention input (written,
 * not added), using qkv and att from the forward; plain loops. */
void model_attention_backward_naive(float *dqkv, const float *dout, const float *qkv,
				    const float *att, int B, int T, int C, int NH)
{
	int hs = C / NH;
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		attn_head_backward(dqkv + (size_t)b * T * C3, dout + (size_t)b * T * C,
				   qkv + (size_t)b * T * C3, att + (size_t)bh * TT, T, C, h, hs);
	}
}

/* Causal softmax of the rows of S (T,T) in place (scores already scaled):
 * row t keeps columns 0..t, the rest become 0; the kept prefix is also copied
 * to the triangle ab (T(T+1)/2). */
HOT_CLONES
static void causal_softmax_rows(float *S, float *ab, int T)
{
	for (int t = 0; t < T; t++) {
		float *row = S + (size_t)t * T;
		float mx = -INFINITY;
		for (int j = 0; j <= t; j++)
			mx = row[j] > mx ? row[j] : mx;
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int j = 0; j <= t; j++) {
			row[j] = vexpf(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum;
		float *a = ab + tri(t);
		for (int j = 0; j <= t; j++) {
			row[j] *= inv;
			a[j] = row[j];
		}
		for (int j = t + 1; j < T; j++)
			row[j] = 0.0f;
	}
}

/* dS (T,T) in place from dP (T,T) and the softmax rows ab: for j <= t,
 * dS[t][j] = P[t][j] * (dP[t][j] - sum_k P[t][k] dP[t][k]) * scale; 0 above
 * the diagonal. */
HOT_CLONES
static void causal_softmax_rows_backward(float *dP, const float *ab, int T, float scale)
{
	for (int t = 0; t < T; t++) {
		float *row = dP + (size_t)t * T;
		const float *a = ab + tri(t);
		float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
		for (int j = 0; j <= t; j++)
			dot += a[j] * row[j];
#pragma omp simd
		for (int j = 0; j <= t; j++)
			row[j] = a[j] * (row[j] - dot) * scale;
		for (int j = t + 1; j < T; j++)
			row[j] = 0.0f;
	}
}

/* Causal self-attention with one sgemm per product and (b, h), run
 * single-threaded inside the parallel loop over (b, h); computes the full
 * (T,T) score matrix and masks it, which wastes the upper half but runs at
 * BLAS speed. Shapes as attention_forward_naive; scratch holds T*T floats per
 * thread (omp_get_max_threads() of them). */
static void attention_forward(float *out, float *att, const float *qkv, int B, int T, int C,
			      int NH, float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *S = scratch + (size_t)omp_get_thread_num() * T * T;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		/* S (T,T) = q (T,hs) @ k^T (hs,T) * scale */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, scale, q, (int)C3, k,
			    (int)C3, 0.0f, S, T);
		causal_softmax_rows(S, att + (size_t)bh * TT, T);
		/* out (T,hs) = P (T,T) @ v (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, S, T, v,
			    (int)C3, 0.0f, out + (size_t)b * T * C + (size_t)h * hs, C);
	}
}

/* Backward of attention_forward: dqkv (B,T,3C) written from dout (B,T,C),
 * qkv and att; scratch holds 2*T*T floats per thread. */
static void attention_backward(float *dqkv, const float *dout, const float *qkv,
			       const float *att, int B, int T, int C, int NH, float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, TT = tri(T);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *P = scratch + (size_t)omp_get_thread_num() * 2 * T * T, *dS = P + (size_t)T * T;
		const float *ab = att + (size_t)bh * TT;
		for (int t = 0; t < T; t++) {
			memcpy(P + (size_t)t * T, ab + tri(t), (size_t)(t + 1) * sizeof(float));
			memset(P + (size_t)t * T + t + 1, 0, (size_t)(T - t - 1) * sizeof(float));
		}
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		const float *d = dout + (size_t)b * T * C + (size_t)h * hs;
		float *dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
		float *dk = dq + C, *dv = dq + 2 * (size_t)C;
		/* dv (T,hs) = P^T (T,T) @ dout (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, P, T, d, C, 0.0f,
			    dv, (int)C3);
		/* dP (T,T) = dout (T,hs) @ v^T (hs,T) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, d, C, v, (int)C3,
			    0.0f, dS, T);
		causal_softmax_rows_backward(dS, ab, T, scale);
		/* dq (T,hs) = dS (T,T) @ k (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, dS, T, k,
			    (int)C3, 0.0f, dq, (int)C3);
		/* dk (T,hs) = dS^T (T,T) @ q (T,hs) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, dS, T, q,
			    (int)C3, 0.0f, dk, (int)C3);
	}
}

/* ---- causal attention in query blocks (long sequences) ----
 * Past m->attn_block positions (ATTN_BLOCK unless a test lowers it), the
 * attention runs in query blocks of that many rows: block i multiplies its
 * queries by the keys up to its own end only, so the sgemms skip the upper
 * blocks of the score matrix instead of computing and masking them (at
 * T = 1024 with blocks of 128 that is 9/16 of the full products, against
 * 1/2 for the exact triangle). Each block's softmax rows are kept as a
 * (rows, keys up to the block's end) matrix, which the backward multiplies
 * directly. The sums run in a different order from the full path, so up to
 * ATTN_BLOCK positions (all of the tiny and small presets, context 128) the
 * full path keeps its results bit for bit. */

/* Query block size for T positions: 0 (the full path) up to m->attn_block. */
static int attn_block_for(const struct model *m, int T)
{
	return T > m->attn_block ? m->attn_block : 0;
}

/* Floats of one (b, h)'s softmax rows: the lower triangle T(T+1)/2 on the
 * full path (bs 0), else each query block's rows x (keys to its end). */
static size_t att_head_size(int T, int bs)
{
	if (!bs)
		return tri(T);
	size_t n = 0;
	for (int i0 = 0; i0 < T; i0 += bs) {
		int rows = T - i0 < bs ? T - i0 : bs;
		n += (size_t)rows * (size_t)(i0 + rows);
	}
	return n;
}

/* Causal softmax in place of one query block: P (rows, e) holds the scaled
 * scores of queries t0 .. t0+rows-1 against keys 0 .. e-1 (e = t0 + rows);
 * row r keeps keys 0 .. t0+r and the rest become 0. */
HOT_CLONES
static void causal_softmax_block(float *P, int rows, int e, int t0)
{
	for (int r = 0; r < rows; r++) {
		float *row = P + (size_t)r * e;
		int n = t0 + r + 1;
		float mx = -INFINITY;
		SIMD_MAX_REDUCTION(mx)
		for (int j = 0; j < n; j++)
			mx = row[j] > mx ? row[j] : mx;
		float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
		for (int j = 0; j < n; j++) {
			row[j] = vexpf(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum;
#pragma omp simd
		for (int j = 0; j < n; j++)
			row[j] *= inv;
		for (int j = n; j < e; j++)
			row[j] = 0.0f;
	}
}

/* dS in place of dP (rows, e) for one query block, from its softmax rows P
 * (rows, e): dS = P * (dP - sum_k P dP) * scale on keys 0 .. t0+r, 0 after. */
HOT_CLONES
static void causal_softmax_block_backward(float *dP, const float *P, int rows, int e, int t0,
					  float scale)
{
	for (int r = 0; r < rows; r++) {
		float *row = dP + (size_t)r * e;
		const float *a = P + (size_t)r * e;
		int n = t0 + r + 1;
		float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
		for (int j = 0; j < n; j++)
			dot += a[j] * row[j];
#pragma omp simd
		for (int j = 0; j < n; j++)
			row[j] = a[j] * (row[j] - dot) * scale;
		for (int j = n; j < e; j++)
			row[j] = 0.0f;
	}
}

/* Causal self-attention in query blocks of bs rows (bs >= 1): qkv (B,T,3C),
 * out (B,T,C), att (B,NH,att_head_size(T,bs)) the blocks' softmax rows.
 * Parallel over (b, h), each sgemm single-threaded inside. */
static void attention_forward_blocked(float *out, float *att, const float *qkv, int B, int T,
				      int C, int NH, int bs)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, AH = att_head_size(T, bs);
#pragma omp parallel for if (PAR((size_t)B * T * T * C / 2))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		float *P = att + (size_t)bh * AH;
		for (int i0 = 0; i0 < T; i0 += bs) {
			int rows = T - i0 < bs ? T - i0 : bs, e = i0 + rows;
			/* P (rows,e) = q[i0:e] (rows,hs) @ k[0:e]^T (hs,e) * scale */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e, hs, scale,
				    q + (size_t)i0 * C3, (int)C3, k, (int)C3, 0.0f, P, e);
			causal_softmax_block(P, rows, e, i0);
			/* out[i0:e] (rows,hs) = P (rows,e) @ v[0:e] (e,hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, e, 1.0f, P, e, v,
				    (int)C3, 0.0f, out + ((size_t)b * T + i0) * C + (size_t)h * hs, C);
			P += (size_t)rows * e;
		}
	}
}

/* Backward of attention_forward_blocked: dqkv (B,T,3C) written from dout
 * (B,T,C), qkv and att; scratch holds bs*T floats per thread. The blocks run
 * last to first, so the first one (keys 0..T-1) writes dk and dv and the
 * others add to them. */
static void attention_backward_blocked(float *dqkv, const float *dout, const float *qkv,
				       const float *att, int B, int T, int C, int NH, int bs,
				       float *scratch)
{
	int hs = C / NH;
	float scale = 1.0f / sqrtf((float)hs);
	size_t C3 = (size_t)C * 3, AH = att_head_size(T, bs);
#pragma omp parallel for if (PAR((size_t)B * T * T * C))
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		float *dP = scratch + (size_t)omp_get_thread_num() * bs * T;
		const float *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
		const float *k = q + C, *v = q + 2 * (size_t)C;
		const float *d = dout + (size_t)b * T * C + (size_t)h * hs;
		float *dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
		float *dk = dq + C, *dv = dq + 2 * (size_t)C;
		const float *P = att + (size_t)bh * AH + AH;
		int last = (T - 1) / bs * bs;
		for (int i0 = last; i0 >= 0; i0 -= bs) {
			int rows = T - i0 < bs ? T - i0 : bs, e = i0 + rows;
			float beta = i0 == last ? 0.0f : 1.0f;
			P -= (size_t)rows * e;
			/* dv[0:e] (e,hs) += P^T (e,rows) @ dout[i0:e] (rows,hs) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e, hs, rows, 1.0f, P, e,
				    d + (size_t)i0 * C, C, beta, dv, (int)C3);
			/* dP (rows,e) = dout[i0:e] (rows,hs) @ v[0:e]^T (hs,e) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e, hs, 1.0f,
				    d + (size_t)i0 * C, C, v, (int)C3, 0.0f, dP, e);
			causal_softmax_block_backward(dP, P, rows, e, i0, scale);
			/* dq[i0:e] (rows,hs) = dS (rows,e) @ k[0:e] (e,hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, e, 1.0f, dP, e,
				    k, (int)C3, 0.0f, dq + (size_t)i0 * C3, (int)C3);
			/* dk[0:e] (e,hs) += dS^T (e,rows) @ q[i0:e] (rows,hs) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e, hs, rows, 1.0f, dP, e,
				    q + (size_t)i0 * C3, (int)C3, beta, dk, (int)C3);
		}
	}
}

/* tanh through one exp; saturates cleanly (the exp is clamped, giving
 * +-1 within a float ulp). */
static inline float fast_tanh(float u)
{
	return 1.0f - 2.0f / (vexpf(2.0f * u) + 1.0f);
}

static inline float gelu(float x)
{
	return 0.5f * x * (1.0f + fast_tanh(GELU_SCALE * (x + 0.044715f * x * x * x)));
}

static inline float gelu_grad(float x)
{
	float u = GELU_SCALE * (x + 0.044715f * x * x * x);
	float th = fast_tanh(u), sech2 = 1.0f - th * th;
	return 0.5f * (1.0f + th) + 0.5f * x * sech2 * GELU_SCALE * (1.0f + 3.0f * 0.044715f * x * x);
}

#define GELU_CHUNK 4096

HOT_CLONES
static void gelu_chunk_forward(float *out, const float *inp, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		out[i] = gelu(inp[i]);
}

HOT_CLONES
static void gelu_chunk_backward(float *d, const float *inp, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		d[i] *= gelu_grad(inp[i]);
}

/* out (N) = gelu(inp (N)), tanh form. */
static void gelu_forward(float *out, const float *inp, size_t N)
{
	long nch = (long)((N + GELU_CHUNK - 1) / GELU_CHUNK);
#pragma omp parallel for if (PAR(N))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * GELU_CHUNK;
		gelu_chunk_forward(out + i0, inp + i0, N - i0 < GELU_CHUNK ? N - i0 : GELU_CHUNK);
	}
}

/* d (N) *= gelu'(inp (N)) in place: d is the gradient of the output on entry
 * and of the input on return. */
static void gelu_backward(float *d, const float *inp, size_t N)
{
	long nch = (long)((N + GELU_CHUNK - 1) / GELU_CHUNK);
#pragma omp parallel for if (PAR(N))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * GELU_CHUNK;
		gelu_chunk_backward(d + i0, inp + i0, N - i0 < GELU_CHUNK ? N - i0 : GELU_CHUNK);
	}
}

/* x (n) *= s. */
HOT_CLONES
static void vec_scale(float *x, float s, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

/* Largest of x (n), n >= 1 (exact in any order). */
HOT_CLONES
static float vec_max(const float *x, int n)
{
	float mx = -INFINITY;
	SIMD_MAX_REDUCTION(mx)
	for (int i = 0; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	return mx;
}

/* p (n) = exp(p - mx); returns the sum, as the baseline build's vectors add
 * it up. */
static float exp_sum_base(float *p, int n, float mx)
{
	float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
	for (int i = 0; i < n; i++) {
		p[i] = vexpf(p[i] - mx);
		sum += p[i];
	}
	return sum;
}

/* The same in the CPU's widest vectors (a different order of the sum). */
HOT_CLONES
static float exp_sum_wide(float *p, int n, float mx)
{
	float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
	for (int i = 0; i < n; i++) {
		p[i] = vexpf(p[i] - mx);
		sum += p[i];
	}
	return sum;
}

/* Vocabularies from this size up (GPT-2's 50,257) sum the softmax in the
 * widest vectors; below it (the presets' 512) the sum keeps the order the
 * documented runs were made with. */
#define SOFTMAX_WIDE_MIN_V 8192

/* probs (N,V): logits in, softmax out; nll (N) = -log p[target] (0 where the
 * target is < 0). */
static void softmax_xent_forward(float *probs, float *nll, const int32_t *targets, int N,
				 int V)
{
#pragma omp parallel for if (PAR((size_t)N * V))
	for (int n = 0; n < N; n++) {
		float *p = probs + (size_t)n * V;
		float mx = vec_max(p, V);
		float sum = V >= SOFTMAX_WIDE_MIN_V ? exp_sum_wide(p, V, mx) : exp_sum_base(p, V, mx);
		float inv = 1.0f / sum;
		vec_scale(p, inv, (size_t)V);
		if (targets) {
			int32_t tg = targets[n];
			nll[n] = tg >= 0 ? -logf(p[tg] > 1e-30f ? p[tg] : 1e-30f) : 0.0f;
		}
	}
}

/* probs (N,V) become dlogits in place: (p - onehot(target)) * w (N). */
static void softmax_xent_backward(float *probs, const int32_t *targets, const float *w, int N,
				  int V)
{
#pragma omp parallel for if (PAR((size_t)N * V))
	for (int n = 0; n < N; n++) {
		float *p = probs + (size_t)n * V;
		float wn = w[n];
		if (wn == 0.0f || targets[n] < 0) {
			memset(p, 0, (size_t)V * sizeof(float));
			continue;
		}
		vec_scale(p, wn, (size_t)V);
		p[targets[n]] -= wn;
	}
}

/* ---- forward and backward ---- */

#define P(m, i) ((m)->params + (m)->param_off[i])
#define G(m, i) ((m)->grads + (m)->param_off[i])
#define ACT(m, i) ((m)->acts + (m)->act_off[i])

/* Carve activations for (B,T), growing the buffers when needed. */
static int ensure_acts(struct model *m, int B, int T, char *err)
{
	size_t Bs = (size_t)B, Ts = (size_t)T, L = (size_t)m->cfg.n_layer;
	size_t C = (size_t)m->cfg.n_embd, V = (size_t)m->cfg.vocab_size;
	size_t NH = (size_t)m->cfg.n_head, BT, sz[A_N], total;
	if (util_mul_size(Bs, Ts, &BT))
		goto overflow;
	int bad = 0;
	bad |= mul3(BT, C, 1, &sz[A_ENCODED]);
	bad |= mul3(L, BT, C, &sz[A_LN1]);
	bad |= mul3(L, BT, 1, &sz[A_LN1_MEAN]);
	bad |= mul3(L, BT, 1, &sz[A_LN1_RSTD]);
	bad |= mul3(L, BT, 3 * C, &sz[A_QKV]);
	bad |= mul3(L, BT, C, &sz[A_ATTY]);
	size_t bnh;
	int bs = attn_block_for(m, T);
	bad |= mul3(L, Bs, NH, &bnh);
	bad |= mul3(bnh, att_head_size(T, bs), 1, &sz[A_ATT]);
	bad |= mul3(L, BT, C, &sz[A_RES2]);
	bad |= mul3(L, BT, C, &sz[A_LN2]);
	bad |= mul3(L, BT, 1, &sz[A_LN2_MEAN]);
	bad |= mul3(L, BT, 1, &sz[A_LN2_RSTD]);
	bad |= mul3(L, BT, 4 * C, &sz[A_FCH]);
	bad |= mul3(L, BT, 4 * C, &sz[A_FCH_GELU]);
	bad |= mul3(L, BT, C, &sz[A_RES3]);
	bad |= mul3(BT, C, 1, &sz[A_LNF]);
	sz[A_LNF_MEAN] = sz[A_LNF_RSTD] = BT;
	bad |= mul3(BT, V, 1, &sz[A_PROBS]);
	sz[A_NLL] = sz[A_WEIGHT] = BT;
	sz[A_SEQLOSS] = sz[A_SEQW] = Bs;
	bad |= mul3(BT, C, 1, &sz[G_RES]);
	bad |= mul3(BT, C, 1, &sz[G_LN]);
	bad |= mul3(BT, 3 * C, 1, &sz[G_QKV]);
	bad |= mul3(BT, C, 1, &sz[G_ATTY]);
	bad |= mul3(BT, 4 * C, 1, &sz[G_FCH]);
	/* keep each tensor 64-byte aligned */
	for (int i = 0; i < A_N && !bad; i++)
		bad |= util_add_size(sz[i], 15, &sz[i]), sz[i] &= ~(size_t)15;
	if (bad || carve(sz, m->act_off, A_N, &total) || total > ((size_t)1 << 40))
		goto overflow;
	if (total > m->acts_cap) {
		free(m->acts);
		m->acts = falloc(total);
		m->acts_cap = m->acts ? total : 0;
		if (!m->acts)
			return util_err(err, "cannot run model: out of memory for activations "
					     "(%zu floats, batch %d x %d)", total, B, T);
	}
	if (BT > m->tok_cap) {
		free(m->tokens);
		free(m->targets);
		m->tokens = malloc(BT * sizeof *m->tokens);
		m->targets = malloc(BT * sizeof *m->targets);
		m->tok_cap = m->tokens && m->targets ? BT : 0;
		if (!m->tok_cap)
			return util_err(err, "cannot run model: out of memory for a batch of %d x %d",
					B, T);
	}
	/* attention scratch per thread: 2 (T,T) matrices, or a block's (bs,T) */
	size_t nsc;
	if (mul3((size_t)omp_get_max_threads(), bs ? (size_t)bs : 2 * Ts, Ts, &nsc))
		goto overflow;
	if (nsc > m->scratch_cap) {
		free(m->scratch);
		m->scratch = falloc(nsc);
		m->scratch_cap = m->scratch ? nsc : 0;
		if (!m->scratch)
			return util_err(err, "cannot run model: out of memory for attention scratch");
	}
	m->B = B;
	m->T = T;
	m->attn_bs = bs;
	return 0;
overflow:
	util_err(err, "cannot run model: batch %d x %d is too large", B, T);
	return MENTOR_EUSAGE;
}

int model_check_ids(const int32_t *inputs, const int32_t *targets, const float *weights, int N,
		    int V, char *err)
{
	for (int i = 0; i < N; i++) {
		if (inputs[i] < 0 || inputs[i] >= V) {
			util_err(err, "cannot run model: input token %d at position %d out of "
				      "range 0..%d", (int)inputs[i], i, V - 1);
			return MENTOR_EUSAGE;
		}
		if (targets && targets[i] >= V) {
			util_err(err, "cannot run model: target token %d at position %d out of "
				      "range 0..%d", (int)targets[i], i, V - 1);
			return MENTOR_EUSAGE;
		}
		if (weights && !(weights[i] >= 0.0f && weights[i] <= 1e30f)) {
			util_err(err, "cannot run model: loss weight at position %d is not a "
				      "finite number >= 0", i);
			return MENTOR_EUSAGE;
		}
	}
	return 0;
}

float model_weighted_loss(float *w, float *seq_loss, float *seq_w, const float *nll,
			  const int32_t *targets, const float *weights, int B, int T)
{
	/* sums in double, serially, so the loss does not depend on threads */
	double wsum = 0.0, lsum = 0.0;
	for (int b = 0; b < B; b++) {
		double sl = 0.0, sw = 0.0;
		for (int t = 0; t < T; t++) {
			int i = b * T + t;
			float wi = targets[i] < 0 ? 0.0f : weights ? weights[i] : 1.0f;
			w[i] = wi;
			sl += (double)wi * nll[i];
			sw += wi;
		}
		seq_loss[b] = (float)sl;
		seq_w[b] = (float)sw;
		lsum += sl;
		wsum += sw;
	}
	float inv = wsum > 0.0 ? (float)(1.0 / wsum) : 0.0f;
	for (int i = 0; i < B * T; i++)
		w[i] *= inv;
	return wsum > 0.0 ? (float)(lsum / wsum) : 0.0f;
}

void model_softmax_xent(float *probs, float *nll, const int32_t *targets, int N, int V)
{
	softmax_xent_forward(probs, nll, targets, N, V);
}

void model_softmax_xent_backward(float *probs, const int32_t *targets, const float *w, int N,
				 int V)
{
	softmax_xent_backward(probs, targets, w, N, V);
}

int model_forward(struct model *m, const int32_t *inputs, const int32_t *targets,
		  const float *weights, int B, int T, float *loss, char *err)
{
	const struct model_config *c = &m->cfg;
	int V = c->vocab_size, L = c->n_layer, C = c->n_embd, NH = c->n_head;
	m->have_forward = m->have_targets = m->have_probs = 0;
	if (B < 1 || T < 1 || T > c->max_seq_len || !inputs) {
		util_err(err, "cannot run model: batch %d x %d invalid (need B >= 1 and "
			      "1 <= T <= %d)", B, T, c->max_seq_len);
		return MENTOR_EUSAGE;
	}
	if ((size_t)B * (size_t)T > MODEL_MAX_BATCH_TOKENS) {
		util_err(err, "cannot run model: batch %d x %d is more than %d tokens", B, T,
			 MODEL_MAX_BATCH_TOKENS);
		return MENTOR_EUSAGE;
	}
	int rc = ensure_acts(m, B, T, err);
	if (rc)
		return rc;
	int N = B * T;
	rc = model_check_ids(inputs, targets, weights, N, V, err);
	if (rc)
		return rc;
	memcpy(m->tokens, inputs, (size_t)N * sizeof *inputs);
	if (targets)
		memcpy(m->targets, targets, (size_t)N * sizeof *targets);

	size_t BTC = (size_t)N * C;
	encoder_forward(ACT(m, A_ENCODED), m->tokens, P(m, MODEL_WTE), P(m, MODEL_WPE), B, T, C);
	const float *resid = ACT(m, A_ENCODED);
	for (int l = 0; l < L; l++) {
		float *ln1 = ACT(m, A_LN1) + l * BTC;
		float *ln1m = ACT(m, A_LN1_MEAN) + (size_t)l * N;
		float *ln1r = ACT(m, A_LN1_RSTD) + (size_t)l * N;
		float *qkv = ACT(m, A_QKV) + l * BTC * 3;
		float *atty = ACT(m, A_ATTY) + l * BTC;
		float *att = ACT(m, A_ATT) + (size_t)l * B * NH * att_head_size(T, m->attn_bs);
		float *res2 = ACT(m, A_RES2) + l * BTC;
		float *ln2 = ACT(m, A_LN2) + l * BTC;
		float *ln2m = ACT(m, A_LN2_MEAN) + (size_t)l * N;
		float *ln2r = ACT(m, A_LN2_RSTD) + (size_t)l * N;
		float *fch = ACT(m, A_FCH) + l * BTC * 4;
		float *fchg = ACT(m, A_FCH_GELU) + l * BTC * 4;
		float *res3 = ACT(m, A_RES3) + l * BTC;
		size_t cc = (size_t)C * C;

		layernorm_forward(ln1, ln1m, ln1r, resid, P(m, MODEL_LN1W) + (size_t)l * C,
				  P(m, MODEL_LN1B) + (size_t)l * C, N, C);
		matmul_forward(qkv, ln1, P(m, MODEL_QKVW) + l * 3 * cc,
			       P(m, MODEL_QKVB) + (size_t)l * 3 * C, N, C, 3 * C, 0);
		if (m->attn_bs)
			attention_forward_blocked(atty, att, qkv, B, T, C, NH, m->attn_bs);
		else
			attention_forward(atty, att, qkv, B, T, C, NH, m->scratch);
		/* res2 = resid + atty @ attprojw^T + attprojb */
		memcpy(res2, resid, BTC * sizeof(float));
		matmul_forward(res2, atty, P(m, MODEL_ATTPROJW) + l * cc,
			       P(m, MODEL_ATTPROJB) + (size_t)l * C, N, C, C, 1);
		layernorm_forward(ln2, ln2m, ln2r, res2, P(m, MODEL_LN2W) + (size_t)l * C,
				  P(m, MODEL_LN2B) + (size_t)l * C, N, C);
		matmul_forward(fch, ln2, P(m, MODEL_FCW) + l * 4 * cc,
			       P(m, MODEL_FCB) + (size_t)l * 4 * C, N, C, 4 * C, 0);
		gelu_forward(fchg, fch, BTC * 4);
		/* res3 = res2 + fchg @ fcprojw^T + fcprojb */
		memcpy(res3, res2, BTC * sizeof(float));
		matmul_forward(res3, fchg, P(m, MODEL_FCPROJW) + l * 4 * cc,
			       P(m, MODEL_FCPROJB) + (size_t)l * C, N, 4 * C, C, 1);
		resid = res3;
	}
	layernorm_forward(ACT(m, A_LNF), ACT(m, A_LNF_MEAN), ACT(m, A_LNF_RSTD), resid,
			  P(m, MODEL_LNFW), P(m, MODEL_LNFB), N, C);
	/* logits (BT,V) = lnf (BT,C) @ wte^T (C,V) */
	matmul_forward(ACT(m, A_PROBS), ACT(m, A_LNF), P(m, MODEL_WTE), NULL, N, C, V, 0);
	m->have_forward = 1;
	if (!targets) {
		if (loss)
			*loss = 0.0f;
		return 0;
	}
	float *nll = ACT(m, A_NLL), *w = ACT(m, A_WEIGHT);
	softmax_xent_forward(ACT(m, A_PROBS), nll, m->targets, N, V);
	float l = model_weighted_loss(w, ACT(m, A_SEQLOSS), ACT(m, A_SEQW), nll, m->targets,
				      weights, B, T);
	if (loss)
		*loss = l;
	m->have_targets = m->have_probs = 1;
	return 0;
}

const float *model_token_nll(const struct model *m)
{
	return m->have_targets ? ACT(m, A_NLL) : NULL;
}

const float *model_seq_loss(const struct model *m)
{
	return m->have_targets ? ACT(m, A_SEQLOSS) : NULL;
}

const float *model_seq_weight(const struct model *m)
{
	return m->have_targets ? ACT(m, A_SEQW) : NULL;
}

const float *model_logits(const struct model *m)
{
	return m->have_forward ? ACT(m, A_PROBS) : NULL;
}

int model_backward(struct model *m, char *err)
{
	if (!m->have_probs) {
		util_err(err, "cannot run backward: no forward pass with targets before it");
		return MENTOR_EUSAGE;
	}
	const struct model_config *c = &m->cfg;
	int V = c->vocab_size, L = c->n_layer, C = c->n_embd, NH = c->n_head;
	int B = m->B, T = m->T, N = B * T;
	size_t BTC = (size_t)N * C, cc = (size_t)C * C;
	float *dres = ACT(m, G_RES), *dln = ACT(m, G_LN), *dqkv = ACT(m, G_QKV);
	float *datty = ACT(m, G_ATTY), *dfch = ACT(m, G_FCH);

	float *dlogits = ACT(m, A_PROBS);
	softmax_xent_backward(dlogits, m->targets, ACT(m, A_WEIGHT), N, V);
	/* dlnf (BT,C) = dlogits (BT,V) @ wte (V,C); dwte (V,C) += dlogits^T @ lnf */
	matmul_backward(dln, G(m, MODEL_WTE), NULL, dlogits, ACT(m, A_LNF), P(m, MODEL_WTE), N, C,
			V, 0);
	const float *last = L > 0 ? ACT(m, A_RES3) + (size_t)(L - 1) * BTC : ACT(m, A_ENCODED);
	memset(dres, 0, BTC * sizeof(float));
	layernorm_backward(dres, G(m, MODEL_LNFW), G(m, MODEL_LNFB), dln, last, P(m, MODEL_LNFW),
			   ACT(m, A_LNF_MEAN), ACT(m, A_LNF_RSTD), N, C);
	for (int l = L - 1; l >= 0; l--) {
		const float *resid = l ? ACT(m, A_RES3) + (size_t)(l - 1) * BTC : ACT(m, A_ENCODED);
		const float *ln1 = ACT(m, A_LN1) + l * BTC;
		const float *qkv = ACT(m, A_QKV) + l * BTC * 3;
		const float *atty = ACT(m, A_ATTY) + l * BTC;
		const float *att = ACT(m, A_ATT) + (size_t)l * B * NH * att_head_size(T, m->attn_bs);
		const float *res2 = ACT(m, A_RES2) + l * BTC;
		const float *ln2 = ACT(m, A_LN2) + l * BTC;
		const float *fch = ACT(m, A_FCH) + l * BTC * 4;
		const float *fchg = ACT(m, A_FCH_GELU) + l * BTC * 4;
		/* MLP: res3 = res2 + fcproj(gelu(fc(ln2(res2)))) */
		matmul_backward(dfch, G(m, MODEL_FCPROJW) + l * 4 * cc,
				G(m, MODEL_FCPROJB) + (size_t)l * C, dres, fchg,
				P(m, MODEL_FCPROJW) + l * 4 * cc, N, 4 * C, C, 0);
		gelu_backward(dfch, fch, BTC * 4);
		matmul_backward(dln, G(m, MODEL_FCW) + l * 4 * cc, G(m, MODEL_FCB) + (size_t)l * 4 * C,
				dfch, ln2, P(m, MODEL_FCW) + l * 4 * cc, N, C, 4 * C, 0);
		layernorm_backward(dres, G(m, MODEL_LN2W) + (size_t)l * C,
				   G(m, MODEL_LN2B) + (size_t)l * C, dln, res2,
				   P(m, MODEL_LN2W) + (size_t)l * C,
				   ACT(m, A_LN2_MEAN) + (size_t)l * N,
				   ACT(m, A_LN2_RSTD) + (size_t)l * N, N, C);
		/* attention: res2 = resid + attproj(attn(qkv(ln1(resid)))) */
		matmul_backward(datty, G(m, MODEL_ATTPROJW) + l * cc,
				G(m, MODEL_ATTPROJB) + (size_t)l * C, dres, atty,
				P(m, MODEL_ATTPROJW) + l * cc, N, C, C, 0);
		if (m->attn_bs)
			attention_backward_blocked(dqkv, datty, qkv, att, B, T, C, NH, m->attn_bs,
						   m->scratch);
		else
			attention_backward(dqkv, datty, qkv, att, B, T, C, NH, m->scratch);
		matmul_backward(dln, G(m, MODEL_QKVW) + l * 3 * cc,
				G(m, MODEL_QKVB) + (size_t)l * 3 * C, dqkv, ln1,
				P(m, MODEL_QKVW) + l * 3 * cc, N, C, 3 * C, 0);
		layernorm_backward(dres, G(m, MODEL_LN1W) + (size_t)l * C,
				   G(m, MODEL_LN1B) + (size_t)l * C, dln, resid,
				   P(m, MODEL_LN1W) + (size_t)l * C,
				   ACT(m, A_LN1_MEAN) + (size_t)l * N,
				   ACT(m, A_LN1_RSTD) + (size_t)l * N, N, C);
	}
	encoder_backward(G(m, MODEL_WTE), G(m, MODEL_WPE), dres, m->tokens, B, T, C);
	/* the probabilities are gone (the buffer holds their gradient now): a
	 * second backward needs a new forward; the losses stay readable */
	m->have_probs = 0;
	m->have_forward = 0;
	return 0;
}

void model_zero_grad(struct model *m)
{
	size_t n = m->num_params;
	long nch = (long)((n + VEC_CHUNK - 1) / VEC_CHUNK);
#pragma omp parallel for if (PAR(n))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * VEC_CHUNK;
		memset(m->grads + i0, 0, (n - i0 < VEC_CHUNK ? n - i0 : VEC_CHUNK) * sizeof(float));
	}
}

#define NORM_CHUNK 65536

/* Sum of squares of the gradient in fixed chunks of NORM_CHUNK, each summed in
 * order and then added in order: independent of the thread count. */
/* Sum of squares of g (n) in double, in the widest vectors (the lanes'
 * partial sums added at the end: another order than the plain loop). */
HOT_CLONES
static double sum_sq_wide(const float *g, size_t n)
{
	double sq = 0.0;
#pragma omp simd reduction(+ : sq)
	for (size_t i = 0; i < n; i++)
		sq += (double)g[i] * g[i];
	return sq;
}

static double grad_sq(const struct model *m)
{
	size_t n = m->num_params;
	long nch = (long)((n + NORM_CHUNK - 1) / NORM_CHUNK);
	double *part = m->norm_part, total = 0.0;
	/* large models (no preset) sum each chunk in vectors; the others keep
	 * the plain loop's order and so their documented results */
	int wide = n >= ADAMW_RECIP_MIN;
#pragma omp parallel for if (PAR(n))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * NORM_CHUNK, i1 = i0 + NORM_CHUNK < n ? i0 + NORM_CHUNK : n;
		if (wide) {
			part[c] = sum_sq_wide(m->grads + i0, i1 - i0);
			continue;
		}
		double sq = 0.0;
		for (size_t i = i0; i < i1; i++)
			sq += (double)m->grads[i] * m->grads[i];
		part[c] = sq;
	}
	for (long c = 0; c < nch; c++)
		total += part[c];
	return total;
}

float model_grad_norm(struct model *m) { return (float)sqrt(grad_sq(m)); }


/* AdamW on n parameters p with gradients g and moments mm, vv; bc1, bc2 the
 * bias corrections, wd the decoupled weight decay. Element-wise only. */
HOT_CLONES
static void adamw_chunk(float *p, const float *g, float *mm, float *vv, size_t n,
			const struct model_adamw *o, float bc1, float bc2, float wd)
{
	float b1 = o->beta1, b2 = o->beta2, lr = o->lr, eps = o->eps;
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		float mi = b1 * mm[i] + (1.0f - b1) * gi;
		float vi = b2 * vv[i] + (1.0f - b2) * gi * gi;
		mm[i] = mi;
		vv[i] = vi;
		float mh = mi / bc1, vh = vi / bc2;
		p[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * p[i]);
	}
}

/* The same update with the bias corrections as reciprocals multiplied in,
 * ib1 = 1/bc1 and ib2 = 1/bc2: one division and one square root per
 * parameter instead of three divisions and a root. The divider, not memory,
 * bounds AdamW over a large model (0.30 s against 0.11 s for the same
 * traffic without the divisions, GPT-2 small on this machine). The results
 * differ in the last bits, so only models of ADAMW_RECIP_MIN parameters
 * and more (no preset) take it. */HOT_CLONES
static void adamw_chunk_recip(float *p, const float *g, float *mm, float *vv, size_t n,
			      const struct model_adamw *o, float ib1, float ib2, float wd)
{
	float b1 = o->beta1, b2 = o->beta2, lr = o->lr, eps = o->eps;
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		float mi = b1 * mm[i] + (1.0f - b1) * gi;
		float vi = b2 * vv[i] + (1.0f - b2) * gi * gi;
		mm[i] = mi;
		vv[i] = vi;
		float mh = mi * ib1, vh = vi * ib2;
		p[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * p[i]);
	}
}

float model_clip_grad(struct model *m, float max_norm)
{
	float norm = model_grad_norm(m);
	if (max_norm > 0.0f && norm > max_norm && isfinite(norm)) {
		float s = max_norm / (norm + 1e-6f);
		size_t n = m->num_params;
		long nch = (long)((n + VEC_CHUNK - 1) / VEC_CHUNK);
#pragma omp parallel for if (PAR(n))
		for (long c = 0; c < nch; c++) {
			size_t i0 = (size_t)c * VEC_CHUNK;
			vec_scale(m->grads + i0, s, n - i0 < VEC_CHUNK ? n - i0 : VEC_CHUNK);
		}
	}
	return norm;
}

int model_adamw_check(const struct model_adamw *o, char *err)
{
	if (!o || !(o->lr >= 0.0f && o->lr < 1e3f) || !(o->beta1 >= 0.0f && o->beta1 < 1.0f) ||
	    !(o->beta2 >= 0.0f && o->beta2 < 1.0f) || !(o->eps > 0.0f && o->eps < 1.0f) ||
	    !(o->weight_decay >= 0.0f && o->weight_decay < 1e3f)) {
		util_err(err, "invalid optimizer settings: need 0 <= lr, 0 <= beta < 1, "
			      "0 < eps < 1, weight_decay >= 0");
		return MENTOR_EUSAGE;
	}
	return 0;
}

void model_adamw_span(float *p, const float *g, float *mm, float *vv, size_t n,
		      const struct model_adamw *o, int64_t step, float wd, int recip)
{
	float bc1 = 1.0f - powf(o->beta1, (float)step);
	float bc2 = 1.0f - powf(o->beta2, (float)step);
	float ib1 = 1.0f / bc1, ib2 = 1.0f / bc2;
	long nch = (long)((n + VEC_CHUNK - 1) / VEC_CHUNK);
#pragma omp parallel for if (PAR(n))
	for (long c = 0; c < nch; c++) {
		size_t i0 = (size_t)c * VEC_CHUNK, k = n - i0 < VEC_CHUNK ? n - i0 : VEC_CHUNK;
		if (recip)
			adamw_chunk_recip(p + i0, g + i0, mm + i0, vv + i0, k, o, ib1, ib2, wd);
		else
			adamw_chunk(p + i0, g + i0, mm + i0, vv + i0, k, o, bc1, bc2, wd);
	}
}

int model_adamw_step(struct model *m, const struct model_adamw *o, char *err)
{
	int rc = model_adamw_check(o, err);
	if (rc)
		return rc;
	m->step++;
	int recip = m->num_params >= ADAMW_RECIP_MIN;
	for (int t = 0; t < MODEL_N_TENSORS; t++) {
		int decay;
		model_tensor_info(m, t, NULL, NULL, NULL, &decay);
		float wd = decay ? o->weight_decay : 0.0f;
		size_t off = m->param_off[t], n = m->param_size[t];
		model_adamw_span(m->params + off, m->grads + off, m->adam_m + off, m->adam_v + off, n,
				 o, m->step, wd, recip);
	}
	return 0;
}

/* ---- decoding with a KV cache ---- */

#define KV(m, i) ((m)->kv + (m)->kv_off[i])

int model_kv_reset(struct model *m, char *err)
{
	if (!m->kv) {
		size_t L = (size_t)m->cfg.n_layer, T = (size_t)m->cfg.max_seq_len;
		size_t C = (size_t)m->cfg.n_embd, sz[K_N], total;
		int bad = mul3(L, T, C, &sz[K_K]);
		sz[K_V] = sz[K_K];
		sz[K_X] = sz[K_LN] = sz[K_ATTY] = C;
		sz[K_QKV] = 3 * C;
		sz[K_H] = 4 * C;
		sz[K_ATT] = T;
		sz[K_LOGITS] = (size_t)m->cfg.vocab_size;
		if (bad || carve(sz, m->kv_off, K_N, &total))
			return util_err(err, "cannot start decoding: cache too large");
		m->kv = falloc(total);
		if (!m->kv)
			return util_err(err, "cannot start decoding: out of memory for the cache");
	}
	m->kv_len = 0;
	return 0;
}

int model_kv_len(const struct model *m) { return m->kv_len; }

/* out (C) = LayerNorm(x (C)) * w + b; the same arithmetic as one row of
 * layernorm_forward, without a parallel region for a single row. */
static void layernorm_vec(float *out, const float *x, const float *w, const float *b, int C)
{
	float s = 0.0f;
	for (int i = 0; i < C; i++)
		s += x[i];
	float mu = s / (float)C, v = 0.0f;
	for (int i = 0; i < C; i++)
		v += (x[i] - mu) * (x[i] - mu);
	float rs = 1.0f / sqrtf(v / (float)C + LN_EPS);
	for (int i = 0; i < C; i++)
		out[i] = (x[i] - mu) * rs * w[i] + b[i];
}

/* Matrices of at least this many weights (2 MiB) are multiplied by the
 * thread team when decoding; smaller ones serially. */
#define GEMV_PAR_MIN ((size_t)1 << 19)
/* From this many weights (GPT-2 small's QKV, MLP and output head; no
 * preset's matrix) gemv walks four rows at a time. */
#define GEMV_ROWS4_MIN ((size_t)1 << 20)

/* y (OC) = W (OC,C) @ x (C) + b (OC, may be NULL) [+ y when accumulate].
 * A plain loop rather than BLAS: one token's matrix-vector products are too
 * small to pay for waking BLAS threads on every call. Small matrices (the
 * tiny and small presets') are multiplied serially; from GEMV_PAR_MIN
 * weights on, reading the matrix from memory costs far more than waking the
 * team, so the rows are split over the threads (each output is the same sum
 * on any thread). */
HOT_CLONES
static void gemv(float *y, const float *W, const float *x, const float *b, int OC, int C,
		 int accumulate)
{
#pragma omp parallel for if ((size_t)OC * C >= GEMV_PAR_MIN)
	for (int o = 0; o < OC; o++) {
		const float *w = W + (size_t)o * C;
		float s = 0.0f;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < C; i++)
			s += w[i] * x[i];
		if (b)
			s += b[o];
		y[o] = accumulate ? y[o] + s : s;
	}
}

/* The same for large matrices (OC a multiple of 4 or not), four rows per
 * pass over x: four streams from memory at once and one load of x for four
 * products. Its sums may group differently from gemv's, hence the size
 * gate in gemv_any. */
HOT_CLONES
static void gemv_rows4(float *y, const float *W, const float *x, const float *b, int OC,
		       int C, int accumulate)
{
	int nq = (OC + 3) / 4;
#pragma omp parallel for
	for (int q = 0; q < nq; q++) {
		int o0 = q * 4, n = OC - o0 < 4 ? OC - o0 : 4;
		float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
		if (n == 4) {
			const float *w0 = W + (size_t)o0 * C, *w1 = w0 + C, *w2 = w1 + C, *w3 = w2 + C;
			float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
			for (int i = 0; i < C; i++) {
				float xi = x[i];
				s0 += w0[i] * xi;
				s1 += w1[i] * xi;
				s2 += w2[i] * xi;
				s3 += w3[i] * xi;
			}
			s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
		} else {
			for (int k = 0; k < n; k++) {
				const float *w = W + (size_t)(o0 + k) * C;
				float t = 0.0f;
#pragma omp simd reduction(+ : t)
				for (int i = 0; i < C; i++)
					t += w[i] * x[i];
				s[k] = t;
			}
		}
		for (int k = 0; k < n; k++) {
			float v = b ? s[k] + b[o0 + k] : s[k];
			y[o0 + k] = accumulate ? y[o0 + k] + v : v;
		}
	}
}

static void gemv_any(float *y, const float *W, const float *x, const float *b, int OC, int C,
		     int accumulate)
{
	if ((size_t)OC * C >= GEMV_ROWS4_MIN)
		gemv_rows4(y, W, x, b, OC, C, accumulate);
	else
		gemv(y, W, x, b, OC, C, accumulate);
}

void model_gemv(float *y, const float *W, const float *x, const float *b, int OC, int C,
		int accumulate)
{
	gemv_any(y, W, x, b, OC, C, accumulate);
}

void model_attend_one(float *o, const float *q, const float *k, const float *v,
		      size_t stride, int n, int hs, float scale, float *att)
{
	float mx = -INFINITY;
	for (int t2 = 0; t2 < n; t2++) {
		const float *kk = k + (size_t)t2 * stride;
		float s = 0.0f;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < hs; i++)
			s += q[i] * kk[i];
		att[t2] = s * scale;
		if (att[t2] > mx)
			mx = att[t2];
	}
	float sum = 0.0f;
	for (int t2 = 0; t2 < n; t2++) {
		att[t2] = vexpf(att[t2] - mx);
		sum += att[t2];
	}
	float inv = 1.0f / sum;
	for (int i = 0; i < hs; i++)
		o[i] = 0.0f;
	for (int t2 = 0; t2 < n; t2++) {
		const float *vv = v + (size_t)t2 * stride;
		float a = att[t2] * inv;
#pragma omp simd
		for (int i = 0; i < hs; i++)
			o[i] += a * vv[i];
	}
}

int model_kv_step(struct model *m, int32_t token, const float **logits, char *err)
{
	const struct model_config *c = &m->cfg;
	int L = c->n_layer, C = c->n_embd, NH = c->n_head, V = c->vocab_size, hs = C / NH;
	if (!m->kv && model_kv_reset(m, err))
		return MENTOR_ERR;
	if (m->kv_len >= c->max_seq_len) {
		util_err(err, "cannot decode: context of %d tokens is full", c->max_seq_len);
		return MENTOR_EUSAGE;
	}
	if (token < 0 || token >= V) {
		util_err(err, "cannot decode: token %d out of range 0..%d", (int)token, V - 1);
		return MENTOR_EUSAGE;
	}
	int pos = m->kv_len;
	size_t cc = (size_t)C * C, T = (size_t)c->max_seq_len;
	float *x = KV(m, K_X), *ln = KV(m, K_LN), *qkv = KV(m, K_QKV), *atty = KV(m, K_ATTY);
	float *h = KV(m, K_H), *att = KV(m, K_ATT);
	const float *we = P(m, MODEL_WTE) + (size_t)token * C, *pe = P(m, MODEL_WPE) + (size_t)pos * C;
	for (int i = 0; i < C; i++)
		x[i] = we[i] + pe[i];
	float scale = 1.0f / sqrtf((float)hs);
	for (int l = 0; l < L; l++) {
		float *kc = KV(m, K_K) + (size_t)l * T * C, *vc = KV(m, K_V) + (size_t)l * T * C;
		layernorm_vec(ln, x, P(m, MODEL_LN1W) + (size_t)l * C, P(m, MODEL_LN1B) + (size_t)l * C,
			      C);
		gemv_any(qkv, P(m, MODEL_QKVW) + l * 3 * cc, ln, P(m, MODEL_QKVB) + (size_t)l * 3 * C,
		     3 * C, C, 0);
		memcpy(kc + (size_t)pos * C, qkv + C, (size_t)C * sizeof(float));
		memcpy(vc + (size_t)pos * C, qkv + 2 * C, (size_t)C * sizeof(float));
		for (int hh = 0; hh < NH; hh++)
			model_attend_one(atty + (size_t)hh * hs, qkv + (size_t)hh * hs,
					 kc + (size_t)hh * hs, vc + (size_t)hh * hs, (size_t)C, pos + 1,
					 hs, scale, att);
		gemv_any(x, P(m, MODEL_ATTPROJW) + l * cc, atty, P(m, MODEL_ATTPROJB) + (size_t)l * C, C,
		     C, 1);
		layernorm_vec(ln, x, P(m, MODEL_LN2W) + (size_t)l * C, P(m, MODEL_LN2B) + (size_t)l * C,
			      C);
		gemv_any(h, P(m, MODEL_FCW) + l * 4 * cc, ln, P(m, MODEL_FCB) + (size_t)l * 4 * C, 4 * C, C,
		     0);
		for (int i = 0; i < 4 * C; i++)
			h[i] = gelu(h[i]);
		gemv_any(x, P(m, MODEL_FCPROJW) + l * 4 * cc, h, P(m, MODEL_FCPROJB) + (size_t)l * C, C,
		     4 * C, 1);
	}
	layernorm_vec(ln, x, P(m, MODEL_LNFW), P(m, MODEL_LNFB), C);
	float *lg = KV(m, K_LOGITS);
	/* logits (V) = wte (V,C) @ lnf (C) */
	gemv_any(lg, P(m, MODEL_WTE), ln, NULL, V, C, 0);
	m->kv_len++;
	if (logits)
		*logits = lg;
	return 0;
}

static int32_t argmax(const float *x, int n)
{
	int32_t best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

int model_greedy(void *ctx, model_step_fn step, int V, int max_seq_len,
		 const int32_t *prompt, size_t n_prompt, int32_t stop_token, size_t max_new,
		 int32_t *out, size_t *n_out, int *stopped, char *err)
{
	*n_out = 0;
	if (stopped)
		*stopped = 0;
	if (!prompt || n_prompt < 1) {
		util_err(err, "cannot generate: empty prompt");
		return MENTOR_EUSAGE;
	}
	size_t keep = (size_t)max_seq_len - 1;
	if (keep < 1)
		keep = 1;
	if (n_prompt > keep) {
		prompt += n_prompt - keep;
		n_prompt = keep;
	}
	const float *lg = NULL;
	int rc;
	for (size_t i = 0; i < n_prompt; i++) {
		rc = step(ctx, prompt[i], &lg, err);
		if (rc)
			return rc;
	}
	size_t fed = n_prompt;
	while (*n_out < max_new) {
		int32_t next = argmax(lg, V);
		if (next == stop_token) {
			if (stopped)
				*stopped = 1;
			break;
		}
		out[(*n_out)++] = next;
		if (*n_out >= max_new || fed >= (size_t)max_seq_len)
			break;
		rc = step(ctx, next, &lg, err);
		if (rc)
			return rc;
		fed++;
	}
	return 0;
}

static int kv_step_fn(void *m, int32_t token, const float **logits, char *err)
{
	return model_kv_step(m, token, logits, err);
}

int model_generate(struct model *m, const int32_t *prompt, size_t n_prompt,
		   int32_t stop_token, size_t max_new, int32_t *out, size_t *n_out,
		   int *stopped, char *err)
{
	int rc = model_kv_reset(m, err);
	if (rc) {
		*n_out = 0;
		return rc;
	}
	return model_greedy(m, kv_step_fn, m->cfg.vocab_size, m->cfg.max_seq_len, prompt,
			    n_prompt, stop_token, max_new, out, n_out, stopped, err);
}
