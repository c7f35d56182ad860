/* train_config: the names of the variants and sources, a run's configuration
 * (defaults, presets, checks, its JSON in the runs table) and the learning-rate
 * schedule (see include/mentor/train.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/tokenizer.h"
#include "train_int.h"

static const char *const variant_names[TRAIN_N_VARIANTS] = {"baseline", "mt-re", "mt-ra", "mt-cot"};
static const char *const source_names[TRAIN_N_SOURCES] = {"accepted", "cot", "rp", "crop", "gold"};

const char *train_variant_name(int variant)
{
	return variant >= 0 && variant < TRAIN_N_VARIANTS ? variant_names[variant] : "?";
}

const char *train_source_name(int source)
{
	return source >= 0 && source < TRAIN_N_SOURCES ? source_names[source] : "?";
}

int train_variant_parse(const char *s)
{
	for (int i = 0; s && i < TRAIN_N_VARIANTS; i++)
		if (!strcmp(s, variant_names[i]))
			return i;
	return -1;
}

int train_source_parse(const char *s)
{
	for (int i = 0; s && i < TRAIN_N_SOURCES; i++)
		if (!strcmp(s, source_names[i]))
			return i;
	return -1;
}

/* ------------------------------------------------------------ configuration */

void train_config_defaults(struct train_config *c)
{
	memset(c, 0, sizeof *c);
	c->variant = TRAIN_BASELINE;
	c->source = TRAIN_SRC_ACCEPTED;
	/* the settings that show the paper's effect on the bundled tasks in about
	 * a minute of CPU (BENCHMARKS.md, "The paper's effect"): a tiny model,
	 * a small vocabulary, 70% of the loss on the explanation task */
	c->alpha = 0.3;
	snprintf(c->preset, sizeof c->preset, "tiny");
	c->n_layer = 2;
	c->n_embd = 128;
	c->n_head = 4;
	c->n_ctx = 128;
	c->vocab = 512;
	c->steps = 1500;
	c->minutes = 0;
	c->batch = 16;
	c->lr = 3e-3;
	c->min_lr_frac = 0.1;
	c->warmup = -1;
	c->weight_decay = 0.1;
	c->beta1 = 0.9;
	c->beta2 = 0.95;
	c->eps = 1e-8;
	c->grad_clip = 1.0;
	c->seed = 1;
	c->threads = 2;
	c->ckpt_every = 200;
	c->val_every = 100;
	c->val_items = 64;
	c->eval_every = -1;
	c->eval_items = 50;
	c->eval_at_end = 1;
	snprintf(c->eval_split, sizeof c->eval_split, "test");
	c->max_new = 0;
}

static int usage_err(char *err, const char *fmt, ...) MENTOR_PRINTF(2, 3);
static int usage_err(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(err, fmt, ap);
	va_end(ap);
	return MENTOR_EUSAGE;
}

int train_config_preset(struct train_config *c, const char *preset, char *err)
{
	struct model_config mc;
	if (model_config_preset(preset, c->vocab > 0 ? c->vocab : TOKENIZER_DEFAULT_VOCAB, &mc,
				err))
		return usage_err(err, "unknown preset '%s': expected tiny, small or base",
				 preset ? preset : "");
	c->n_layer = mc.n_layer;
	c->n_embd = mc.n_embd;
	c->n_head = mc.n_head;
	c->n_ctx = mc.max_seq_len;
	snprintf(c->preset, sizeof c->preset, "%s", preset);
	return 0;
}

void train_config_set_llama(struct train_config *c, const struct llama_config *l)
{
	c->arch = STUDENT_LLAMA;
	c->llama = *l;
	c->llama.vocab_size = c->vocab; /* the tokenizer decides it when the run starts */
	c->n_layer = l->n_layer;
	c->n_embd = l->hidden_size;
	c->n_head = l->n_head;
	if (c->n_ctx > l->max_seq_len)
		c->n_ctx = l->max_seq_len;
}

void train_config_student(const struct train_config *c, int vocab, struct student_config *out)
{
	memset(out, 0, sizeof *out);
	out->arch = c->arch;
	if (c->arch == STUDENT_LLAMA) {
		out->llama = c->llama;
		out->llama.vocab_size = vocab;
	} else {
		out->gpt2 = (struct model_config){vocab, c->n_ctx, c->n_layer, c->n_head,
						  c->n_embd};
	}
}

/* In the order of the checkpoint (train.h): integers, then reals. */
const struct train_llama_field train_llama_ints[] = {
	{"family", offsetof(struct llama_config, family)},
	{"vocab_size", offsetof(struct llama_config, vocab_size)},
	{"hidden_size", offsetof(struct llama_config, hidden_size)},
	{"intermediate_size", offsetof(struct llama_config, intermediate_size)},
	{"n_layer", offsetof(struct llama_config, n_layer)},
	{"n_head", offsetof(struct llama_config, n_head)},
	{"n_kv_head", offsetof(struct llama_config, n_kv_head)},
	{"head_dim", offsetof(struct llama_config, head_dim)},
	{"max_seq_len", offsetof(struct llama_config, max_seq_len)},
	{"rope_type", offsetof(struct llama_config, rope_type)},
	{"rope_original_max_pos", offsetof(struct llama_config, rope_original_max_pos)},
	{"attention_bias", offsetof(struct llama_config, attention_bias)},
	{"qk_norm", offsetof(struct llama_config, qk_norm)},
	{"tie_word_embeddings", offsetof(struct llama_config, tie_word_embeddings)},
};
const struct train_llama_field train_llama_reals[] = {
	{"rope_theta", offsetof(struct llama_config, rope_theta)},
	{"rope_factor", offsetof(struct llama_config, rope_factor)},
	{"rope_low_freq_factor", offsetof(struct llama_config, rope_low_freq_factor)},
	{"rope_high_freq_factor", offsetof(struct llama_config, rope_high_freq_factor)},
	{"rms_norm_eps", offsetof(struct llama_config, rms_norm_eps)},
};
const size_t train_n_llama_ints = sizeof train_llama_ints / sizeof train_llama_ints[0];
const size_t train_n_llama_reals = sizeof train_llama_reals / sizeof train_llama_reals[0];

int train_config_check(const struct train_config *c, char *err)
{
	if (!c->dataset[0])
		return usage_err(err, "no dataset given");
	if ((c->checkpointing || c->freeze_embed) && c->arch != STUDENT_LLAMA)
		return usage_err(err,
				 "--checkpointing and --freeze-embeddings are for llama-family "
				 "students (--arch llama, or --init-from one)");
	if (c->variant < 0 || c->variant >= TRAIN_N_VARIANTS)
		return usage_err(err, "unknown variant: expected baseline, mt-re, mt-ra or mt-cot");
	if (c->source < 0 || c->source >= TRAIN_N_SOURCES)
		return usage_err(err, "unknown source: expected accepted, cot, rp, crop or gold");
	if (!(c->alpha >= 0 && c->alpha <= 1))
		return usage_err(err, "invalid '--alpha': must be between 0 and 1");
	if (c->vocab < TOKENIZER_MIN_VOCAB || c->vocab > TOKENIZER_MAX_VOCAB)
		return usage_err(err, "invalid '--vocab' %d: must be %d..%d", c->vocab,
				 TOKENIZER_MIN_VOCAB, TOKENIZER_MAX_VOCAB);
	struct student_config sc;
	train_config_student(c, c->vocab, &sc);
	char sub[MENTOR_ERR_LEN];
	if (student_config_check(&sc, sub))
		return usage_err(err, "invalid model shape: %s", sub);
	if (c->arch == STUDENT_LLAMA &&
	    (c->n_ctx > c->llama.max_seq_len || c->n_ctx > LLAMA_MAX_TRAIN_T))
		return usage_err(err,
				 "invalid '--context' %d: at most %d (the model's context) "
				 "and %d",
				 c->n_ctx, c->llama.max_seq_len, LLAMA_MAX_TRAIN_T);
	if (c->n_ctx < 8)
		return usage_err(err, "invalid '--context' %d: at least 8", c->n_ctx);
	if (c->steps < 0 || c->steps > 100000000)
		return usage_err(err, "invalid '--steps': must be 1..100000000");
	if (c->steps == 0 && !(c->minutes > 0 && c->minutes <= 100000))
		return usage_err(err, "give '--steps N' or '--minutes M'");
	if (c->batch < 1 || c->batch > 4096)
		return usage_err(err, "invalid '--batch' %d: must be 1..4096", c->batch);
	if (!(c->lr > 0 && c->lr < 10))
		return usage_err(err, "invalid '--lr': must be > 0 and < 10");
	if (!(c->min_lr_frac >= 0 && c->min_lr_frac <= 1) || !(c->weight_decay >= 0) ||
	    !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) || !(c->eps > 0) ||
	    !(c->grad_clip >= 0) || !isfinite(c->weight_decay) || !isfinite(c->grad_clip))
		return usage_err(err, "invalid optimizer settings");
	if (c->warmup < -1)
		return usage_err(err, "invalid warmup: must be >= 0");
	if (c->threads < 1 || c->threads > 256)
		return usage_err(err, "invalid '--threads' %d: must be 1..256", c->threads);
	if (c->ckpt_every < 1 || c->val_every < 0 || c->val_items < 0 || c->max_new < 0 ||
	    c->eval_every < -1 || c->eval_items < 0)
		return usage_err(err, "invalid checkpoint or validation interval");
	if (strcmp(c->eval_split, "train") && strcmp(c->eval_split, "dev") &&
	    strcmp(c->eval_split, "test"))
		return usage_err(err, "invalid evaluation split '%s'", c->eval_split);
	return 0;
}

char *train_config_to_json(const struct train_config *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		util_oom();
	cJSON_AddStringToObject(o, "dataset", c->dataset);
	cJSON_AddStringToObject(o, "variant", train_variant_name(c->variant));
	cJSON_AddStringToObject(o, "source", train_source_name(c->source));
	cJSON_AddNumberToObject(o, "alpha", c->alpha);
	cJSON_AddStringToObject(o, "preset", c->preset);
	cJSON_AddNumberToObject(o, "layers", c->n_layer);
	cJSON_AddNumberToObject(o, "width", c->n_embd);
	cJSON_AddNumberToObject(o, "heads", c->n_head);
	cJSON_AddNumberToObject(o, "context", c->n_ctx);
	cJSON_AddNumberToObject(o, "vocab", c->vocab);
	cJSON_AddNumberToObject(o, "steps", (double)c->steps);
	cJSON_AddNumberToObject(o, "minutes", c->minutes);
	cJSON_AddNumberToObject(o, "batch", c->batch);
	cJSON_AddNumberToObject(o, "lr", c->lr);
	cJSON_AddNumberToObject(o, "min_lr_frac", c->min_lr_frac);
	cJSON_AddNumberToObject(o, "warmup", (double)c->warmup);
	cJSON_AddNumberToObject(o, "weight_decay", c->weight_decay);
	cJSON_AddNumberToObject(o, "beta1", c->beta1);
	cJSON_AddNumberToObject(o, "beta2", c->beta2);
	cJSON_AddNumberToObject(o, "eps", c->eps);
	cJSON_AddNumberToObject(o, "grad_clip", c->grad_clip);
	/* the seed as text: a double cannot hold every 64-bit value */
	char seed[24];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
	cJSON_AddStringToObject(o, "seed", seed);
	cJSON_AddNumberToObject(o, "threads", c->threads);
	cJSON_AddNumberToObject(o, "ckpt_every", (double)c->ckpt_every);
	cJSON_AddNumberToObject(o, "val_every", (double)c->val_every);
	cJSON_AddNumberToObject(o, "val_items", c->val_items);
	cJSON_AddNumberToObject(o, "eval_every", (double)c->eval_every);
	cJSON_AddNumberToObject(o, "eval_items", c->eval_items);
	cJSON_AddBoolToObject(o, "eval_at_end", c->eval_at_end);
	cJSON_AddStringToObject(o, "eval_split", c->eval_split);
	cJSON_AddNumberToObject(o, "max_new", c->max_new);
	if (c->init_from > 0)
		cJSON_AddNumberToObject(o, "init_from", (double)c->init_from);
	if (c->arch != STUDENT_GPT2) {
		/* GPT-2 runs keep the configuration they always had */
		cJSON_AddStringToObject(o, "arch", student_arch_name(c->arch));
		if (c->checkpointing)
			cJSON_AddTrueToObject(o, "checkpointing");
		if (c->freeze_embed)
			cJSON_AddTrueToObject(o, "freeze_embeddings");
		cJSON *l = cJSON_AddObjectToObject(o, "llama");
		if (!l)
			util_oom();
		struct llama_config lc = c->llama;
		for (size_t i = 0; i < train_n_llama_ints; i++)
			cJSON_AddNumberToObject(l, train_llama_ints[i].name,
						*train_llama_int(&lc, i));
		for (size_t i = 0; i < train_n_llama_reals; i++)
			cJSON_AddNumberToObject(l, train_llama_reals[i].name,
						*train_llama_real(&lc, i));
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		util_oom();
	/* hand back malloc'd memory whatever cJSON's hooks are */
	char *copy = util_strdup(s);
	cJSON_free(s);
	return copy;
}

static int json_num(const cJSON *o, const char *key, double lo, double hi, double *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
		return util_err(err, "invalid run configuration: '%s' out of range", key);
	*out = v->valuedouble;
	return 0;
}

static int json_int(const cJSON *o, const char *key, double lo, double hi, int *out, char *err)
{
	double d = *out;
	if (json_num(o, key, lo, hi, &d, err))
		return MENTOR_ERR;
	*out = (int)d;
	return 0;
}

static int json_i64(const cJSON *o, const char *key, double lo, double hi, int64_t *out, char *err)
{
	double d = (double)*out;
	if (json_num(o, key, lo, hi, &d, err))
		return MENTOR_ERR;
	*out = (int64_t)d;
	return 0;
}

static int json_str(const cJSON *o, const char *key, char *out, size_t cap, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
		return util_err(err, "invalid run configuration: '%s' is not a short string", key);
	snprintf(out, cap, "%s", v->valuestring);
	return 0;
}

/* The "llama" object of a run's configuration into l: every field, a
 * number (integers within int). */
static int json_llama(const cJSON *o, struct llama_config *l, char *err)
{
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(o, "llama");
	if (!cJSON_IsObject(lo))
		return util_err(err, "invalid run configuration: 'llama' is not an object");
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < train_n_llama_ints; i++)
		if (json_int(lo, train_llama_ints[i].name, INT_MIN, INT_MAX, train_llama_int(l, i),
			     err))
			return MENTOR_ERR;
	for (size_t i = 0; i < train_n_llama_reals; i++)
		if (json_num(lo, train_llama_reals[i].name, -DBL_MAX, DBL_MAX,
			     train_llama_real(l, i), err))
			return MENTOR_ERR;
	return 0;
}

int train_config_from_json(const char *json, struct train_config *c, char *err)
{
	train_config_defaults(c);
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return util_err(err, "invalid run configuration: not a JSON object");
	}
	char name[32] = "";
	int ret = MENTOR_ERR;
	if (json_str(o, "dataset", c->dataset, sizeof c->dataset, err))
		goto out;
	if (json_str(o, "variant", name, sizeof name, err))
		goto out;
	if (name[0] && (c->variant = train_variant_parse(name)) < 0) {
		util_err(err, "invalid run configuration: unknown variant '%s'", name);
		goto out;
	}
	name[0] = 0;
	if (json_str(o, "source", name, sizeof name, err))
		goto out;
	if (name[0] && (c->source = train_source_parse(name)) < 0) {
		util_err(err, "invalid run configuration: unknown source '%s'", name);
		goto out;
	}
	name[0] = 0;
	if (json_str(o, "seed", name, sizeof name, err))
		goto out;
	if (name[0]) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(name, &end, 10);
		if (errno || *end || name[0] == '-') {
			util_err(err, "invalid run configuration: bad seed '%s'", name);
			goto out;
		}
		c->seed = v;
	}
	name[0] = 0;
	if (json_str(o, "arch", name, sizeof name, err))
		goto out;
	if (name[0] && (c->arch = student_arch_parse(name)) < 0) {
		util_err(err, "invalid run configuration: unknown architecture '%s'", name);
		goto out;
	}
	if (c->arch == STUDENT_LLAMA && json_llama(o, &c->llama, err))
		goto out;
	c->checkpointing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "checkpointing"));
	c->freeze_embed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "freeze_embeddings"));
	int big = c->arch == STUDENT_LLAMA; /* the Llama family's wider limits */
	int eval_at_end = c->eval_at_end;
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "eval_at_end");
	if (b)
		eval_at_end = cJSON_IsTrue(b);
	c->eval_at_end = eval_at_end;
	if (json_num(o, "alpha", 0, 1, &c->alpha, err) ||
	    json_str(o, "preset", c->preset, sizeof c->preset, err) ||
	    json_int(o, "layers", 1, big ? LLAMA_MAX_LAYERS : MODEL_MAX_LAYERS, &c->n_layer, err) ||
	    json_int(o, "width", 1, big ? LLAMA_MAX_HIDDEN : MODEL_MAX_EMBD, &c->n_embd, err) ||
	    json_int(o, "heads", 1, big ? LLAMA_MAX_HEADS : MODEL_MAX_HEADS, &c->n_head, err) ||
	    json_int(o, "context", 1, big ? LLAMA_MAX_TRAIN_T : MODEL_MAX_CTX, &c->n_ctx, err) ||
	    json_int(o, "vocab", 1, TOKENIZER_MAX_VOCAB, &c->vocab, err) ||
	    json_i64(o, "steps", 0, 1e8, &c->steps, err) ||
	    json_num(o, "minutes", 0, 1e5, &c->minutes, err) ||
	    json_int(o, "batch", 1, 4096, &c->batch, err) ||
	    json_num(o, "lr", 0, 10, &c->lr, err) ||
	    json_num(o, "min_lr_frac", 0, 1, &c->min_lr_frac, err) ||
	    json_i64(o, "warmup", -1, 1e8, &c->warmup, err) ||
	    json_num(o, "weight_decay", 0, 1e3, &c->weight_decay, err) ||
	    json_num(o, "beta1", 0, 1, &c->beta1, err) ||
	    json_num(o, "beta2", 0, 1, &c->beta2, err) || json_num(o, "eps", 0, 1, &c->eps, err) ||
	    json_num(o, "grad_clip", 0, 1e6, &c->grad_clip, err) ||
	    json_int(o, "threads", 1, 256, &c->threads, err) ||
	    json_i64(o, "ckpt_every", 1, 1e9, &c->ckpt_every, err) ||
	    json_i64(o, "val_every", 0, 1e9, &c->val_every, err) ||
	    json_int(o, "val_items", 0, 1000000, &c->val_items, err) ||
	    json_i64(o, "eval_every", -1, 1e9, &c->eval_every, err) ||
	    json_int(o, "eval_items", 0, 1000000, &c->eval_items, err) ||
	    json_str(o, "eval_split", c->eval_split, sizeof c->eval_split, err) ||
	    json_int(o, "max_new", 0, MODEL_MAX_CTX, &c->max_new, err) ||
	    json_i64(o, "init_from", 0, 9e15, &c->init_from, err))
		goto out;
	ret = 0;
out:
	cJSON_Delete(o);
	return ret;
}

/* ------------------------------------------------------------ schedule */

int64_t train_eval_interval(const struct train_config *c, int64_t total)
{
	if (c->eval_every >= 0 || c->eval_items == 0)
		return c->eval_items == 0 ? 0 : c->eval_every;
	/* auto: eight points over the run, on round step numbers */
	int64_t k = total / 8;
	if (k >= 100)
		k -= k % 50;
	else if (k >= 10)
		k -= k % 10;
	return k < 1 ? 1 : k;
}

int64_t train_warmup_steps(const struct train_config *c, int64_t total)
{
	int64_t w = c->warmup;
	if (w < 0) {
		w = total / 10;
		if (w > 100)
			w = 100;
	}
	if (w > total)
		w = total;
	return w;
}

double train_lr_at(const struct train_config *c, int64_t step, int64_t total)
{
	int64_t w = train_warmup_steps(c, total);
	if (step < w)
		return c->lr * (double)(step + 1) / (double)w;
	double floor_lr = c->lr * c->min_lr_frac;
	int64_t span = total - 1 - w;
	if (span <= 0)
		return c->lr;
	double p = (double)(step - w) / (double)span;
	if (p > 1)
		p = 1;
	return floor_lr + 0.5 * (c->lr - floor_lr) * (1.0 + cos(3.14159265358979323846 * p));
}
