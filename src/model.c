/* model: the GPT-2 student in float32 (see include/mentor/model.h): its
 * configuration, parameters and activations, forward and backward over a
 * batch, the gradient norm and AdamW, and KV-cache decoding. The batched
 * kernels are in model_kernels.c (every matrix product a cblas_sgemm), the
 * one-token ones in model_gen.c. Every parallel loop splits independent rows
 * or (batch, head) pairs, no two threads adding into the same float, which
 * keeps results deterministic for a given thread count. */
#include "mentor/model.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

/* Provided by OpenBLAS (declared here: not every cblas.h declares them). */
void openblas_set_num_threads(int num_threads);
int openblas_get_parallel(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

static const char *const tensor_names[MODEL_N_TENSORS] = {
	"wte",  "wpe",  "ln1w", "ln1b", "qkvw",    "qkvb",    "attprojw", "attprojb",
	"ln2w", "ln2b", "fcw",  "fcb",  "fcprojw", "fcprojb", "lnfw",     "lnfb",
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
	G_RES,  /* (BT,C) gradient of the residual stream */
	G_LN,   /* (BT,C) gradient of a LayerNorm output */
	G_QKV,  /* (BT,3C) */
	G_ATTY, /* (BT,C) */
	G_FCH,  /* (BT,4C) */
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
	float *scratch; /* attention: 2*T*T floats per thread */
	size_t scratch_cap;
	int B, T;
	int attn_bs;      /* query block of the last forward's attention, 0 full */
	int attn_block;   /* longest T on the full attention path (ATTN_BLOCK) */
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

int model_config_preset(const char *name, int vocab_size, struct model_config *cfg, char *err)
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
		case MODEL_FCW: std = 0.02f; break;
		case MODEL_WPE: std = 0.01f; break;
		case MODEL_ATTPROJW:
		case MODEL_FCPROJW: std = resid_std; break;
		case MODEL_LN1W:
		case MODEL_LN2W:
		case MODEL_LNFW: fill = 1.0f; break;
		default: break;
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

const struct model_config *model_get_config(const struct model *m)
{
	return &m->cfg;
}
size_t model_num_params(const struct model *m)
{
	return m->num_params;
}
float *model_params(struct model *m)
{
	return m->params;
}
float *model_grads(struct model *m)
{
	return m->grads;
}
float *model_adam_m(struct model *m)
{
	return m->adam_m;
}
float *model_adam_v(struct model *m)
{
	return m->adam_v;
}
int64_t model_adam_step(const struct model *m)
{
	return m->step;
}
void model_set_adam_step(struct model *m, int64_t step)
{
	m->step = step < 0 ? 0 : step;
}

int model_tensor_info(const struct model *m, int i, const char **name, size_t *offset, size_t *size,
		      int *decay)
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
		 par == 2   ? "OpenMP"
		 : par == 1 ? "pthreads"
			    : "sequential",
		 omp_get_max_threads());
	static const char *const generic[] = {"Prescott",   "Nehalem", "Core2",  "Penryn",
					      "Dunnington", "Atom",    "Katmai", "Coppermine",
					      "Northwood",  "Banias",  "Unknown"};
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

/* Query block size for T positions: 0 (the full path) up to m->attn_block. */
static int attn_block_for(const struct model *m, int T)
{
	return T > m->attn_block ? m->attn_block : 0;
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
	bad |= mul3(bnh, model_att_head_size(T, bs), 1, &sz[A_ATT]);
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
			return util_err(err,
					"cannot run model: out of memory for activations "
					"(%zu floats, batch %d x %d)",
					total, B, T);
	}
	if (BT > m->tok_cap) {
		free(m->tokens);
		free(m->targets);
		m->tokens = malloc(BT * sizeof *m->tokens);
		m->targets = malloc(BT * sizeof *m->targets);
		m->tok_cap = m->tokens && m->targets ? BT : 0;
		if (!m->tok_cap)
			return util_err(err,
					"cannot run model: out of memory for a batch of %d x %d", B,
					T);
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
			return util_err(err,
					"cannot run model: out of memory for attention scratch");
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
			util_err(err,
				 "cannot run model: input token %d at position %d out of "
				 "range 0..%d",
				 (int)inputs[i], i, V - 1);
			return MENTOR_EUSAGE;
		}
		if (targets && targets[i] >= V) {
			util_err(err,
				 "cannot run model: target token %d at position %d out of "
				 "range 0..%d",
				 (int)targets[i], i, V - 1);
			return MENTOR_EUSAGE;
		}
		if (weights && !(weights[i] >= 0.0f && weights[i] <= 1e30f)) {
			util_err(err,
				 "cannot run model: loss weight at position %d is not a "
				 "finite number >= 0",
				 i);
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

int model_forward(struct model *m, const int32_t *inputs, const int32_t *targets,
		  const float *weights, int B, int T, float *loss, char *err)
{
	const struct model_config *c = &m->cfg;
	int V = c->vocab_size, L = c->n_layer, C = c->n_embd, NH = c->n_head;
	m->have_forward = m->have_targets = m->have_probs = 0;
	if (B < 1 || T < 1 || T > c->max_seq_len || !inputs) {
		util_err(err,
			 "cannot run model: batch %d x %d invalid (need B >= 1 and "
			 "1 <= T <= %d)",
			 B, T, c->max_seq_len);
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
	model_encoder_forward(ACT(m, A_ENCODED), m->tokens, P(m, MODEL_WTE), P(m, MODEL_WPE), B, T,
			      C);
	const float *resid = ACT(m, A_ENCODED);
	for (int l = 0; l < L; l++) {
		float *ln1 = ACT(m, A_LN1) + l * BTC;
		float *ln1m = ACT(m, A_LN1_MEAN) + (size_t)l * N;
		float *ln1r = ACT(m, A_LN1_RSTD) + (size_t)l * N;
		float *qkv = ACT(m, A_QKV) + l * BTC * 3;
		float *atty = ACT(m, A_ATTY) + l * BTC;
		float *att = ACT(m, A_ATT) +
			     (size_t)l * B * NH * model_att_head_size(T, m->attn_bs);
		float *res2 = ACT(m, A_RES2) + l * BTC;
		float *ln2 = ACT(m, A_LN2) + l * BTC;
		float *ln2m = ACT(m, A_LN2_MEAN) + (size_t)l * N;
		float *ln2r = ACT(m, A_LN2_RSTD) + (size_t)l * N;
		float *fch = ACT(m, A_FCH) + l * BTC * 4;
		float *fchg = ACT(m, A_FCH_GELU) + l * BTC * 4;
		float *res3 = ACT(m, A_RES3) + l * BTC;
		size_t cc = (size_t)C * C;

		model_layernorm_forward(ln1, ln1m, ln1r, resid, P(m, MODEL_LN1W) + (size_t)l * C,
					P(m, MODEL_LN1B) + (size_t)l * C, N, C);
		model_matmul_forward_acc(qkv, ln1, P(m, MODEL_QKVW) + l * 3 * cc,
					 P(m, MODEL_QKVB) + (size_t)l * 3 * C, N, C, 3 * C, 0);
		if (m->attn_bs)
			model_attention_forward_blocked(atty, att, qkv, B, T, C, NH, m->attn_bs);
		else
			model_attention_forward(atty, att, qkv, B, T, C, NH, m->scratch);
		/* res2 = resid + atty @ attprojw^T + attprojb */
		memcpy(res2, resid, BTC * sizeof(float));
		model_matmul_forward_acc(res2, atty, P(m, MODEL_ATTPROJW) + l * cc,
					 P(m, MODEL_ATTPROJB) + (size_t)l * C, N, C, C, 1);
		model_layernorm_forward(ln2, ln2m, ln2r, res2, P(m, MODEL_LN2W) + (size_t)l * C,
					P(m, MODEL_LN2B) + (size_t)l * C, N, C);
		model_matmul_forward_acc(fch, ln2, P(m, MODEL_FCW) + l * 4 * cc,
					 P(m, MODEL_FCB) + (size_t)l * 4 * C, N, C, 4 * C, 0);
		model_gelu_forward(fchg, fch, BTC * 4);
		/* res3 = res2 + fchg @ fcprojw^T + fcprojb */
		memcpy(res3, res2, BTC * sizeof(float));
		model_matmul_forward_acc(res3, fchg, P(m, MODEL_FCPROJW) + l * 4 * cc,
					 P(m, MODEL_FCPROJB) + (size_t)l * C, N, 4 * C, C, 1);
		resid = res3;
	}
	model_layernorm_forward(ACT(m, A_LNF), ACT(m, A_LNF_MEAN), ACT(m, A_LNF_RSTD), resid,
				P(m, MODEL_LNFW), P(m, MODEL_LNFB), N, C);
	/* logits (BT,V) = lnf (BT,C) @ wte^T (C,V) */
	model_matmul_forward_acc(ACT(m, A_PROBS), ACT(m, A_LNF), P(m, MODEL_WTE), NULL, N, C, V, 0);
	m->have_forward = 1;
	if (!targets) {
		if (loss)
			*loss = 0.0f;
		return 0;
	}
	float *nll = ACT(m, A_NLL), *w = ACT(m, A_WEIGHT);
	model_softmax_xent(ACT(m, A_PROBS), nll, m->targets, N, V);
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
	model_softmax_xent_backward(dlogits, m->targets, ACT(m, A_WEIGHT), N, V);
	/* dlnf (BT,C) = dlogits (BT,V) @ wte (V,C); dwte (V,C) += dlogits^T @ lnf */
	model_matmul_backward_acc(dln, G(m, MODEL_WTE), NULL, dlogits, ACT(m, A_LNF),
				  P(m, MODEL_WTE), N, C, V, 0);
	const float *last = L > 0 ? ACT(m, A_RES3) + (size_t)(L - 1) * BTC : ACT(m, A_ENCODED);
	memset(dres, 0, BTC * sizeof(float));
	model_layernorm_backward(dres, G(m, MODEL_LNFW), G(m, MODEL_LNFB), dln, last,
				 P(m, MODEL_LNFW), ACT(m, A_LNF_MEAN), ACT(m, A_LNF_RSTD), N, C);
	for (int l = L - 1; l >= 0; l--) {
		const float *resid = l ? ACT(m, A_RES3) + (size_t)(l - 1) * BTC : ACT(m, A_ENCODED);
		const float *ln1 = ACT(m, A_LN1) + l * BTC;
		const float *qkv = ACT(m, A_QKV) + l * BTC * 3;
		const float *atty = ACT(m, A_ATTY) + l * BTC;
		const float *att = ACT(m, A_ATT) +
				   (size_t)l * B * NH * model_att_head_size(T, m->attn_bs);
		const float *res2 = ACT(m, A_RES2) + l * BTC;
		const float *ln2 = ACT(m, A_LN2) + l * BTC;
		const float *fch = ACT(m, A_FCH) + l * BTC * 4;
		const float *fchg = ACT(m, A_FCH_GELU) + l * BTC * 4;
		/* MLP: res3 = res2 + fcproj(gelu(fc(ln2(res2)))) */
		model_matmul_backward_acc(dfch, G(m, MODEL_FCPROJW) + l * 4 * cc,
					  G(m, MODEL_FCPROJB) + (size_t)l * C, dres, fchg,
					  P(m, MODEL_FCPROJW) + l * 4 * cc, N, 4 * C, C, 0);
		model_gelu_backward(dfch, fch, BTC * 4);
		model_matmul_backward_acc(dln, G(m, MODEL_FCW) + l * 4 * cc,
					  G(m, MODEL_FCB) + (size_t)l * 4 * C, dfch, ln2,
					  P(m, MODEL_FCW) + l * 4 * cc, N, C, 4 * C, 0);
		model_layernorm_backward(dres, G(m, MODEL_LN2W) + (size_t)l * C,
					 G(m, MODEL_LN2B) + (size_t)l * C, dln, res2,
					 P(m, MODEL_LN2W) + (size_t)l * C,
					 ACT(m, A_LN2_MEAN) + (size_t)l * N,
					 ACT(m, A_LN2_RSTD) + (size_t)l * N, N, C);
		/* attention: res2 = resid + attproj(attn(qkv(ln1(resid)))) */
		model_matmul_backward_acc(datty, G(m, MODEL_ATTPROJW) + l * cc,
					  G(m, MODEL_ATTPROJB) + (size_t)l * C, dres, atty,
					  P(m, MODEL_ATTPROJW) + l * cc, N, C, C, 0);
		if (m->attn_bs)
			model_attention_backward_blocked(dqkv, datty, qkv, att, B, T, C, NH,
							 m->attn_bs, m->scratch);
		else
			model_attention_backward(dqkv, datty, qkv, att, B, T, C, NH, m->scratch);
		model_matmul_backward_acc(dln, G(m, MODEL_QKVW) + l * 3 * cc,
					  G(m, MODEL_QKVB) + (size_t)l * 3 * C, dqkv, ln1,
					  P(m, MODEL_QKVW) + l * 3 * cc, N, C, 3 * C, 0);
		model_layernorm_backward(dres, G(m, MODEL_LN1W) + (size_t)l * C,
					 G(m, MODEL_LN1B) + (size_t)l * C, dln, resid,
					 P(m, MODEL_LN1W) + (size_t)l * C,
					 ACT(m, A_LN1_MEAN) + (size_t)l * N,
					 ACT(m, A_LN1_RSTD) + (size_t)l * N, N, C);
	}
	model_encoder_backward(G(m, MODEL_WTE), G(m, MODEL_WPE), dres, m->tokens, B, T, C);
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

float model_grad_norm(struct model *m)
{
	return (float)sqrt(grad_sq(m));
}

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
 * and more (no preset) take it. */
HOT_CLONES
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
			model_vec_scale(m->grads + i0, s, n - i0 < VEC_CHUNK ? n - i0 : VEC_CHUNK);
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
		model_adamw_span(m->params + off, m->grads + off, m->adam_m + off, m->adam_v + off,
				 n, o, m->step, wd, recip);
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

int model_kv_len(const struct model *m)
{
	return m->kv_len;
}

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
	const float *we = P(m, MODEL_WTE) + (size_t)token * C,
		    *pe = P(m, MODEL_WPE) + (size_t)pos * C;
	for (int i = 0; i < C; i++)
		x[i] = we[i] + pe[i];
	float scale = 1.0f / sqrtf((float)hs);
	for (int l = 0; l < L; l++) {
		float *kc = KV(m, K_K) + (size_t)l * T * C, *vc = KV(m, K_V) + (size_t)l * T * C;
		layernorm_vec(ln, x, P(m, MODEL_LN1W) + (size_t)l * C,
			      P(m, MODEL_LN1B) + (size_t)l * C, C);
		model_gemv(qkv, P(m, MODEL_QKVW) + l * 3 * cc, ln,
			   P(m, MODEL_QKVB) + (size_t)l * 3 * C, 3 * C, C, 0);
		memcpy(kc + (size_t)pos * C, qkv + C, (size_t)C * sizeof(float));
		memcpy(vc + (size_t)pos * C, qkv + 2 * C, (size_t)C * sizeof(float));
		for (int hh = 0; hh < NH; hh++)
			model_attend_one(atty + (size_t)hh * hs, qkv + (size_t)hh * hs,
					 kc + (size_t)hh * hs, vc + (size_t)hh * hs, (size_t)C,
					 pos + 1, hs, scale, att);
		model_gemv(x, P(m, MODEL_ATTPROJW) + l * cc, atty,
			   P(m, MODEL_ATTPROJB) + (size_t)l * C, C, C, 1);
		layernorm_vec(ln, x, P(m, MODEL_LN2W) + (size_t)l * C,
			      P(m, MODEL_LN2B) + (size_t)l * C, C);
		model_gemv(h, P(m, MODEL_FCW) + l * 4 * cc, ln, P(m, MODEL_FCB) + (size_t)l * 4 * C,
			   4 * C, C, 0);
		for (int i = 0; i < 4 * C; i++)
			h[i] = gelu(h[i]);
		model_gemv(x, P(m, MODEL_FCPROJW) + l * 4 * cc, h,
			   P(m, MODEL_FCPROJB) + (size_t)l * C, C, 4 * C, 1);
	}
	layernorm_vec(ln, x, P(m, MODEL_LNFW), P(m, MODEL_LNFB), C);
	float *lg = KV(m, K_LOGITS);
	/* logits (V) = wte (V,C) @ lnf (C) */
	model_gemv(lg, P(m, MODEL_WTE), ln, NULL, V, C, 0);
	m->kv_len++;
	if (logits)
		*logits = lg;
	return 0;
}

static int kv_step_fn(void *m, int32_t token, const float **logits, char *err)
{
	return model_kv_step(m, token, logits, err);
}

int model_generate(struct model *m, const int32_t *prompt, size_t n_prompt, int32_t stop_token,
		   size_t max_new, int32_t *out, size_t *n_out, int *stopped, char *err)
{
	int rc = model_kv_reset(m, err);
	if (rc) {
		*n_out = 0;
		return rc;
	}
	return model_greedy(m, kv_step_fn, m->cfg.vocab_size, m->cfg.max_seq_len, prompt, n_prompt,
			    stop_token, max_new, out, n_out, stopped, err);
}
