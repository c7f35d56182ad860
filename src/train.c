/* train: the student's multi-task training (see include/mentor/train.h):
 * configuration, learning-rate schedule, the texts and token sequences of each
 * variant, batches with per-position loss weights, checkpoints, and the run
 * lifecycle (claim, train, checkpoint, stop, resume, evaluate). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include "mentor/train.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mentor/i18n.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"

static const char *const variant_names[TRAIN_N_VARIANTS] = {"baseline", "mt-re", "mt-ra",
							      "mt-cot"};
static const char *const source_names[TRAIN_N_SOURCES] = {"accepted", "cot", "rp", "crop",
							     "gold"};

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
		out->gpt2 =
			(struct model_config){vocab, c->n_ctx, c->n_layer, c->n_head, c->n_embd};
	}
}

/* The llama_config fields a run's configuration and checkpoint record, in
 * the order of the checkpoint (train.h): integers, then reals. */
static const struct {
	const char *name;
	size_t off;
} llama_ints[] = {
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
}, llama_reals[] = {
	{"rope_theta", offsetof(struct llama_config, rope_theta)},
	{"rope_factor", offsetof(struct llama_config, rope_factor)},
	{"rope_low_freq_factor", offsetof(struct llama_config, rope_low_freq_factor)},
	{"rope_high_freq_factor", offsetof(struct llama_config, rope_high_freq_factor)},
	{"rms_norm_eps", offsetof(struct llama_config, rms_norm_eps)},
};
#define N_LLAMA_INTS (sizeof llama_ints / sizeof llama_ints[0])
#define N_LLAMA_REALS (sizeof llama_reals / sizeof llama_reals[0])

static int *llama_int(struct llama_config *l, size_t i)
{
	return (int *)((char *)l + llama_ints[i].off);
}

static double *llama_real(struct llama_config *l, size_t i)
{
	return (double *)((char *)l + llama_reals[i].off);
}

int train_config_check(const struct train_config *c, char *err)
{
	if (!c->dataset[0])
		return usage_err(err, "no dataset given");
	if ((c->checkpointing || c->freeze_embed) && c->arch != STUDENT_LLAMA)
		return usage_err(err, "--checkpointing and --freeze-embeddings are for llama-family "
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
		return usage_err(err, "invalid '--context' %d: at most %d (the model's context) "
				      "and %d", c->n_ctx, c->llama.max_seq_len, LLAMA_MAX_TRAIN_T);
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
	    !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) ||
	    !(c->eps > 0) || !(c->grad_clip >= 0) || !isfinite(c->weight_decay) ||
	    !isfinite(c->grad_clip))
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
		for (size_t i = 0; i < N_LLAMA_INTS; i++)
			cJSON_AddNumberToObject(l, llama_ints[i].name, *llama_int(&lc, i));
		for (size_t i = 0; i < N_LLAMA_REALS; i++)
			cJSON_AddNumberToObject(l, llama_reals[i].name, *llama_real(&lc, i));
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

static int json_num(const cJSON *o, const char *key, double lo, double hi, double *out,
		    char *err)
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

static int json_i64(const cJSON *o, const char *key, double lo, double hi, int64_t *out,
		    char *err)
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
	for (size_t i = 0; i < N_LLAMA_INTS; i++)
		if (json_int(lo, llama_ints[i].name, INT_MIN, INT_MAX, llama_int(l, i), err))
			return MENTOR_ERR;
	for (size_t i = 0; i < N_LLAMA_REALS; i++)
		if (json_num(lo, llama_reals[i].name, -DBL_MAX, DBL_MAX, llama_real(l, i), err))
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
	    json_num(o, "beta2", 0, 1, &c->beta2, err) ||
	    json_num(o, "eps", 0, 1, &c->eps, err) ||
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

/* ------------------------------------------------------------ texts */

int train_question_text(const char *question, const char *choices_json, struct buf *out,
			char *err)
{
	if (buf_puts(out, question ? question : ""))
		return util_err(err, "out of memory");
	if (!choices_json || !*choices_json)
		return 0;
	cJSON *a = cJSON_Parse(choices_json);
	if (!a || !cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return util_err(err, "invalid choices: not a JSON array");
	}
	int ret = 0;
	if (cJSON_GetArraySize(a) > 0 && buf_puts(out, "\nAnswer choices:"))
		ret = util_err(err, "out of memory");
	const cJSON *ch;
	cJSON_ArrayForEach(ch, a)
	{
		if (ret)
			break;
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(ch, "label");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(ch, "text");
		if (!cJSON_IsString(label) || !cJSON_IsString(text)) {
			ret = util_err(err, "invalid choices: each needs a label and a text");
			break;
		}
		if (buf_printf(out, " (%s) %s", label->valuestring, text->valuestring))
			ret = util_err(err, "out of memory");
	}
	cJSON_Delete(a);
	return ret;
}

/* Length of s without trailing white space. */
static size_t rtrim_len(const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* 1 if expl ends with "the answer is <answer>" (optional final period),
 * case-insensitive. */
static int ends_with_answer(const char *expl, const char *answer)
{
	size_t n = rtrim_len(expl);
	if (n && expl[n - 1] == '.')
		n--;
	size_t an = strlen(answer);
	if (an == 0 || n < an)
		return 0;
	if (strncasecmp(expl + n - an, answer, an))
		return 0;
	n -= an;
	while (n && expl[n - 1] == ' ')
		n--;
	static const char tail[] = "answer is";
	size_t tn = sizeof tail - 1;
	return n >= tn && !strncasecmp(expl + n - tn, tail, tn);
}

/* 1 if the last sentence of expl (n bytes) says "答えは" and holds answer. */
static int ends_with_answer_ja(const char *expl, size_t n, const char *answer)
{
	static const char stop[] = "。", says[] = "答えは";
	size_t from = 0;
	/* the last sentence: after the last 。 that is not the text's end */
	size_t end = n >= 3 && !memcmp(expl + n - 3, stop, 3) ? n - 3 : n;
	for (size_t i = 0; i + 3 <= end; i++)
		if (!memcmp(expl + i, stop, 3))
			from = i + 3;
	const char *s = util_memfind(expl + from, end - from, says, sizeof says - 1);
	return s && *answer &&
	       util_memfind(s, (size_t)(expl + end - s), answer, strlen(answer)) != NULL;
}

int train_exp_target_lang(int variant, int lang, const char *expl, const char *answer,
			  struct buf *out)
{
	if (lang != I18N_JA || (variant != TRAIN_MT_RA && variant != TRAIN_MT_COT))
		return train_exp_target(variant, expl, answer, out);
	size_t en = rtrim_len(expl);
	while (en && isspace((unsigned char)*expl)) {
		expl++;
		en--;
	}
	if (variant == TRAIN_MT_RA)
		return buf_puts(out, answer) || buf_puts(out, TRAIN_RA_JOIN_JA) ||
		       buf_append(out, expl, en) ? MENTOR_ENOMEM : 0;
	if (buf_append(out, expl, en))
		return MENTOR_ENOMEM;
	if (ends_with_answer_ja(expl, en, answer))
		return 0;
	static const char *const ends[] = {"。", "！", "？", ".", "!", "?"};
	int ended = 0;
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		size_t k = strlen(ends[i]);
		ended |= en >= k && !memcmp(expl + en - k, ends[i], k);
	}
	if (en && !ended && buf_puts(out, "。"))
		return MENTOR_ENOMEM;
	return buf_puts(out, TRAIN_COT_JOIN_JA) || buf_puts(out, answer) ||
	       buf_puts(out, TRAIN_COT_END_JA) ? MENTOR_ENOMEM : 0;
}

int train_exp_target(int variant, const char *expl, const char *answer, struct buf *out)
{
	size_t en = rtrim_len(expl);
	while (en && isspace((unsigned char)*expl)) {
		expl++;
		en--;
	}
	switch (variant) {
	case TRAIN_MT_RE:
		return buf_append(out, expl, en);
	case TRAIN_MT_RA:
		if (buf_puts(out, answer) || buf_puts(out, TRAIN_RA_JOIN))
			return MENTOR_ENOMEM;
		return buf_append(out, expl, en);
	case TRAIN_MT_COT:
		if (buf_append(out, expl, en))
			return MENTOR_ENOMEM;
		if (ends_with_answer(expl, answer))
			return 0;
		/* a sentence ends before "So" (an ideographic full stop will do) */
		if (en && !strchr(".!?", expl[en - 1]) &&
		    !(en >= 3 && (!memcmp(expl + en - 3, "\xe3\x80\x82", 3) ||
				  !memcmp(expl + en - 3, "\xef\xbc\x81", 3) ||
				  !memcmp(expl + en - 3, "\xef\xbc\x9f", 3))) &&
		    buf_putc(out, '.'))
			return MENTOR_ENOMEM;
		if (buf_puts(out, en ? TRAIN_COT_JOIN : &TRAIN_COT_JOIN[1]) || buf_puts(out, answer) ||
		    buf_putc(out, '.'))
			return MENTOR_ENOMEM;
		return 0;
	default:
		return MENTOR_EUSAGE;
	}
}

/* ------------------------------------------------------------ corpus */

void train_corpus_init(struct train_corpus *c) { memset(c, 0, sizeof *c); }

static void text_release(struct train_text *t)
{
	free(t->prompt);
	free(t->answer);
	free(t->answer_type);
	for (size_t i = 0; i < t->n_expl; i++)
		free(t->expl[i]);
	free(t->expl);
}

void train_corpus_release(struct train_corpus *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		text_release(&c->items[i]);
	free(c->items);
	memset(c, 0, sizeof *c);
}

static void text_add_expl(struct train_text *t, const char *s)
{
	if (!s)
		return;
	size_t n = rtrim_len(s);
	const char *p = s;
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (!n)
		return;
	for (size_t i = 0; i < t->n_expl; i++)
		if (strlen(t->expl[i]) == n && !memcmp(t->expl[i], p, n))
			return;
	char **na = realloc(t->expl, (t->n_expl + 1) * sizeof *na);
	if (!na)
		util_oom();
	t->expl = na;
	t->expl[t->n_expl++] = util_strndup(p, n);
}

static const char *expl_body(const struct store_expl *e)
{
	return e->edited_text && *e->edited_text ? e->edited_text : e->text;
}

static int item_explanations(struct store *st, const struct store_item *it, int source,
			     struct train_text *t, char *err)
{
	if (source == TRAIN_SRC_GOLD) {
		text_add_expl(t, it->gold_rationale);
		return 0;
	}
	struct store_expl *ex = NULL;
	size_t n = 0;
	if (store_expl_for_item(st, it->id, &ex, &n, err))
		return MENTOR_ERR;
	if (source == TRAIN_SRC_ACCEPTED) {
		/* in id order, so the order does not depend on the listing order */
		int64_t last = 0;
		for (;;) {
			const struct store_expl *next = NULL;
			for (size_t i = 0; i < n; i++) {
				const struct store_expl *e = &ex[i];
				if (!e->status || strcmp(e->status, "accepted") || e->id <= last)
					continue;
				if (!next || e->id < next->id)
					next = e;
			}
			if (!next)
				break;
			text_add_expl(t, expl_body(next));
			last = next->id;
		}
	} else {
		const char *mode = source == TRAIN_SRC_COT ? STORE_MODE_COT
				   : source == TRAIN_SRC_RP ? STORE_MODE_RP
							     : STORE_MODE_CROP;
		/* The newest trainable one of that mode, reviewed or not (for crop,
		 * the explanation kept last). Trainable leaves out what the method
		 * distrusts unless the operator accepted it: a COTE explanation
		 * with a wrong answer, a leaked RP one, a CROP attempt that RP
		 * replaced, and anything rejected. */
		const struct store_expl *best = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct store_expl *e = &ex[i];
			if (!e->mode || strcmp(e->mode, mode) || !store_expl_trainable(e))
				continue;
			if (!best || e->id > best->id)
				best = e;
		}
		if (best)
			text_add_expl(t, expl_body(best));
	}
	for (size_t i = 0; i < n; i++)
		store_expl_release(&ex[i]);
	free(ex);
	return 0;
}

int train_corpus_load(struct store *st, int64_t dataset_id, const char *split, int source,
		      struct train_corpus *out, char *err)
{
	train_corpus_init(out);
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	f.split = split;
	int64_t after = 0;
	size_t cap = 0;
	for (;;) {
		struct store_item *page = NULL;
		size_t n = 0;
		if (store_item_page(st, &f, 0, after, 500, &page, &n, err))
			goto fail;
		if (n == 0) {
			free(page);
			break;
		}
		int bad = 0;
		for (size_t i = 0; i < n; i++) {
			struct store_item *it = &page[i];
			after = it->id;
			if (bad)
				continue;
			if (out->n == cap) {
				cap = cap ? cap * 2 : 256;
				struct train_text *na = realloc(out->items, cap * sizeof *na);
				if (!na)
					util_oom();
				out->items = na;
			}
			struct train_text *t = &out->items[out->n];
			memset(t, 0, sizeof *t);
			struct buf q;
			buf_init(&q);
			char sub[MENTOR_ERR_LEN];
			if (train_question_text(it->question, it->choices_json, &q, sub)) {
				buf_release(&q);
				util_err(err, "cannot read item %lld: %s", (long long)it->id, sub);
				bad = 1;
				continue;
			}
			t->prompt = buf_detach(&q, NULL);
			if (!t->prompt)
				t->prompt = util_strdup("");
			t->item_id = it->id;
			t->answer = util_strdup(it->answer ? it->answer : "");
			t->answer_type = util_strdup(it->answer_type ? it->answer_type : "text");
			out->n++;
			if (item_explanations(st, it, source, t, err)) {
				bad = 1;
				continue;
			}
			out->n_expl += t->n_expl;
		}
		for (size_t i = 0; i < n; i++)
			store_item_release(&page[i]);
		free(page);
		if (bad)
			goto fail;
		if (n < 500)
			break;
	}
	return 0;
fail:
	train_corpus_release(out);
	return MENTOR_ERR;
}

int train_tokenizer_fit(const struct train_corpus *c, int variant, int vocab,
			struct tokenizer **out, char *err)
{
	size_t cap = 0, n = 0;
	const char **texts = NULL;
	size_t *lens = NULL;
	char **owned = NULL;
	size_t n_owned = 0;
	int ret = MENTOR_ERR;
	for (size_t i = 0; i < c->n; i++) {
		const struct train_text *t = &c->items[i];
		size_t need = 2 + (variant == TRAIN_BASELINE ? 0 : t->n_expl);
		if (n + need > cap) {
			cap = (n + need) * 2;
			const char **nt = realloc(texts, cap * sizeof *nt);
			if (!nt)
				util_oom();
			texts = nt;
			size_t *nl = realloc(lens, cap * sizeof *nl);
			if (!nl)
				util_oom();
			lens = nl;
			char **no = realloc(owned, cap * sizeof *no);
			if (!no)
				util_oom();
			owned = no;
		}
		texts[n] = t->prompt;
		lens[n++] = strlen(t->prompt);
		texts[n] = t->answer;
		lens[n++] = strlen(t->answer);
		if (variant == TRAIN_BASELINE)
			continue;
		for (size_t k = 0; k < t->n_expl; k++) {
			struct buf b;
			buf_init(&b);
			if (train_exp_target_lang(variant, i18n_detect(t->prompt, strlen(t->prompt)),
						  t->expl[k], t->answer, &b)) {
				buf_release(&b);
				util_err(err, "out of memory");
				goto out;
			}
			char *s = buf_detach(&b, NULL);
			if (!s)
				s = util_strdup("");
			owned[n_owned++] = s;
			texts[n] = s;
			lens[n++] = strlen(s);
		}
	}
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_train(texts, lens, n, (size_t)vocab, out, sub)) {
		util_err(err, "cannot train tokenizer: %s", sub);
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(texts);
	free(lens);
	return ret;
}

/* ------------------------------------------------------------ examples */

void train_example_release(struct train_example *ex)
{
	if (!ex)
		return;
	free(ex->tok);
	free(ex->target);
	memset(ex, 0, sizeof *ex);
}

const char *train_spelled_answer(const char *answer_type, const char *answer)
{
	if (!answer_type || strcmp(answer_type, STORE_ANS_TEXT) || !answer || !*answer ||
	    strlen(answer) > TRAIN_SPELL_MAX)
		return NULL;
	return answer;
}

static int word_char(unsigned char c) { return isalnum(c) || c >= 0x80; }

/* Encode target into out, spelling the whole-word occurrences of spell. */
static int encode_target(const struct tokenizer *t, const char *target, const char *spell,
			 struct tokenizer_ids *out, char *err)
{
	size_t sn = spell ? strlen(spell) : 0;
	const char *p = target, *from = target;
	while (sn && (p = strstr(p, spell)) != NULL) {
		int left = p == target || !word_char((unsigned char)p[-1]);
		int right = !word_char((unsigned char)p[sn]);
		if (!left || !right) {
			p++;
			continue;
		}
		if (tokenizer_encode(t, from, (size_t)(p - from), out, err) ||
		    tokenizer_encode_spelled(t, p, sn, out, err))
			return MENTOR_ERR;
		p += sn;
		from = p;
	}
	return tokenizer_encode(t, from, strlen(from), out, err);
}

int train_encode(const struct tokenizer *t, int task, const char *prompt, const char *target,
		 int n_ctx, struct train_example *ex, int *truncated, char *err)
{
	return train_encode_spelled(t, task, prompt, target, NULL, n_ctx, ex, truncated, err);
}

int train_encode_spelled(const struct tokenizer *t, int task, const char *prompt,
			 const char *target, const char *spell, int n_ctx,
			 struct train_example *ex, int *truncated, char *err)
{
	memset(ex, 0, sizeof *ex);
	if (truncated)
		*truncated = 0;
	if (n_ctx < 4)
		return util_err(err, "context of %d tokens is too short", n_ctx);
	struct tokenizer_ids q, tg;
	tokenizer_ids_init(&q);
	tokenizer_ids_init(&tg);
	int ret = MENTOR_ERR;
	if (tokenizer_encode(t, prompt, strlen(prompt), &q, err) ||
	    encode_target(t, target, spell, &tg, err))
		goto out;
	/* PREFIX q SEP tg EOS, at most n_ctx tokens */
	size_t qn = q.n, tn = tg.n + 1; /* target with EOS */
	size_t limit = (size_t)n_ctx;
	size_t qskip = 0;
	if (2 + qn + tn > limit) {
		size_t excess = 2 + qn + tn - limit;
		qskip = excess < qn ? excess : qn;
		excess -= qskip;
		tn -= excess; /* loses EOS first, then the end of the target */
		if (truncated)
			*truncated = 1;
	}
	size_t n = 2 + (qn - qskip) + tn;
	ex->tok = malloc(n * sizeof *ex->tok);
	ex->target = calloc(n, 1);
	if (!ex->tok || !ex->target)
		util_oom();
	size_t k = 0;
	ex->tok[k++] = tokenizer_special(t, task == TRAIN_TASK_ANS ? TOKENIZER_ANS : TOKENIZER_EXP);
	for (size_t i = qskip; i < qn; i++)
		ex->tok[k++] = q.ids[i];
	ex->tok[k++] = tokenizer_special(t, TOKENIZER_SEP);
	for (size_t i = 0; i < tn; i++) {
		ex->target[k] = 1;
		ex->tok[k++] = i < tg.n ? tg.ids[i] : tokenizer_special(t, TOKENIZER_EOS);
	}
	ex->n = n;
	ex->task = task;
	ret = 0;
out:
	tokenizer_ids_release(&q);
	tokenizer_ids_release(&tg);
	return ret;
}

void train_set_init(struct train_set *s) { memset(s, 0, sizeof *s); }

void train_set_release(struct train_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ans; i++)
		train_example_release(&s->ans[i]);
	for (size_t i = 0; i < s->n_exp; i++)
		train_example_release(&s->exp[i]);
	free(s->ans);
	free(s->exp);
	memset(s, 0, sizeof *s);
}

static uint64_t example_hash(const struct train_example *ex, uint64_t h)
{
	h = util_fnv1a(&ex->task, sizeof ex->task, h);
	h = util_fnv1a(ex->tok, ex->n * sizeof *ex->tok, h);
	return util_fnv1a(ex->target, ex->n, h);
}

int train_set_build(const struct train_corpus *c, int variant, const struct tokenizer *t,
		    int n_ctx, struct train_set *out, char *err)
{
	train_set_init(out);
	size_t n_exp = variant == TRAIN_BASELINE ? 0 : c->n_expl;
	out->ans = calloc(c->n ? c->n : 1, sizeof *out->ans);
	out->exp = calloc(n_exp ? n_exp : 1, sizeof *out->exp);
	if (!out->ans || !out->exp)
		util_oom();
	/* an identity of the data, not a checksum: the same basis as when
	 * runs were first checkpointed, so that they still resume */
	uint64_t h = UTIL_FNV1A_BASIS_V1;
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < c->n; i++) {
		const struct train_text *tx = &c->items[i];
		int trunc;
		struct train_example *ex = &out->ans[out->n_ans];
		const char *spell = train_spelled_answer(tx->answer_type, tx->answer);
		if (train_encode_spelled(t, TRAIN_TASK_ANS, tx->prompt, tx->answer, spell, n_ctx, ex,
					 &trunc, err))
			goto fail;
		ex->item_id = tx->item_id;
		out->n_ans++;
		out->n_truncated += (size_t)trunc;
		h = example_hash(ex, h);
		if (variant == TRAIN_BASELINE)
			continue;
		int lang = i18n_detect(tx->prompt, strlen(tx->prompt));
		for (size_t k = 0; k < tx->n_expl; k++) {
			buf_reset(&b);
			if (train_exp_target_lang(variant, lang, tx->expl[k], tx->answer, &b)) {
				util_err(err, "out of memory");
				goto fail;
			}
			ex = &out->exp[out->n_exp];
			if (train_encode_spelled(t, TRAIN_TASK_EXP, tx->prompt, b.data ? b.data : "",
						 spell, n_ctx, ex, &trunc, err))
				goto fail;
			ex->item_id = tx->item_id;
			out->n_exp++;
			out->n_truncated += (size_t)trunc;
			h = example_hash(ex, h);
		}
	}
	buf_release(&b);
	out->hash = h;
	return 0;
fail:
	buf_release(&b);
	train_set_release(out);
	return MENTOR_ERR;
}

/* ------------------------------------------------------------ batches */

void train_batch_init(struct train_batch *b) { memset(b, 0, sizeof *b); }

void train_batch_release(struct train_batch *b)
{
	if (!b)
		return;
	free(b->inputs);
	free(b->targets);
	free(b->weights);
	free(b->task);
	memset(b, 0, sizeof *b);
}

/* Fill a batch from the chosen examples (pick[0..B)). */
static int batch_fill(struct train_batch *out, const struct train_example *const *pick, int B,
		      int32_t pad, double w_ans_total, double w_exp_total, char *err)
{
	size_t maxn = 2;
	for (int b = 0; b < B; b++)
		if (pick[b]->n > maxn)
			maxn = pick[b]->n;
	int T = (int)(maxn - 1);
	size_t cells;
	if (util_mul_size((size_t)B, (size_t)T, &cells))
		return util_err(err, "batch too large");
	if ((size_t)out->B * (size_t)out->cap_T < cells) {
		free(out->inputs);
		free(out->targets);
		free(out->weights);
		free(out->task);
		out->inputs = malloc(cells * sizeof *out->inputs);
		out->targets = malloc(cells * sizeof *out->targets);
		out->weights = malloc(cells * sizeof *out->weights);
		out->task = malloc(cells);
		if (!out->inputs || !out->targets || !out->weights || !out->task)
			util_oom();
		out->cap_T = (int)(cells / (size_t)B);
	}
	out->B = B;
	out->T = T;
	out->n_tokens = 0;
	int64_t n_tgt[2] = {0, 0};
	for (int b = 0; b < B; b++) {
		const struct train_example *ex = pick[b];
		for (int t = 0; t < T; t++) {
			size_t i = (size_t)b * (size_t)T + (size_t)t;
			out->task[i] = (uint8_t)ex->task;
			if ((size_t)t + 1 < ex->n) {
				out->inputs[i] = ex->tok[t];
				out->n_tokens++;
				if (ex->target[t + 1]) {
					out->targets[i] = ex->tok[t + 1];
					n_tgt[ex->task]++;
				} else {
					out->targets[i] = -1;
				}
			} else {
				out->inputs[i] = pad;
				out->targets[i] = -1;
			}
		}
	}
	float w[2];
	w[0] = n_tgt[0] ? (float)(w_ans_total / (double)n_tgt[0]) : 0.0f;
	w[1] = n_tgt[1] ? (float)(w_exp_total / (double)n_tgt[1]) : 0.0f;
	size_t total = (size_t)B * (size_t)T;
	for (size_t i = 0; i < total; i++)
		out->weights[i] = out->targets[i] >= 0 ? w[out->task[i]] : 0.0f;
	return 0;
}

static int32_t pad_id(const struct train_set *s)
{
	/* the pad id is not kept in the set: padding is never a target and its
	 * value only needs to be a valid id, so reuse the first token */
	return s->n_ans ? s->ans[0].tok[0] : 0;
}

/* Draw B sequences: the answers first (all of them for a single task), then
 * the explanations. Returns the number of answers. */
static int pick_examples(const struct train_set *s, int multi, struct rng *r, int B,
			 const struct train_example **pick)
{
	int n_ans = multi ? (B + 1) / 2 : B;
	for (int b = 0; b < B; b++) {
		if (b < n_ans)
			pick[b] = &s->ans[rng_below(r, s->n_ans)];
		else
			pick[b] = &s->exp[rng_below(r, s->n_exp)];
	}
	return n_ans;
}

int train_batch_sample(const struct train_set *s, int variant, double alpha, struct rng *r,
		       int B, struct train_batch *out, char *err)
{
	if (B < 1 || B > 4096)
		return util_err(err, "invalid batch size %d", B);
	if (!s->n_ans)
		return util_err(err, "no training sequences");
	int multi = variant != TRAIN_BASELINE;
	if (multi && !s->n_exp)
		return util_err(err, "no explanation sequences for a multi-task variant");
	const struct train_example **pick = malloc((size_t)B * sizeof *pick);
	if (!pick)
		util_oom();
	int n_ans = pick_examples(s, multi, r, B, pick);
	int ret;
	if (!multi)
		ret = batch_fill(out, pick, B, pad_id(s), 1.0, 0.0, err);
	else if (n_ans == B) /* B == 1: the answer task alone */
		ret = batch_fill(out, pick, B, pad_id(s), 1.0, 0.0, err);
	else
		ret = batch_fill(out, pick, B, pad_id(s), alpha, 1.0 - alpha, err);
	free(pick);
	return ret;
}

/* ------------------------------------------------------------ checkpoints */

struct ckw {
	FILE *f;
	uint64_t h;
	int failed;
};

static void ckw_put(struct ckw *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	w->h = util_fnv1a(p, n, w->h);
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = 1;
}

static void ckw_u32(struct ckw *w, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	ckw_put(w, b, 4);
}

static void ckw_u64(struct ckw *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	ckw_put(w, b, 8);
}

static void ckw_f64(struct ckw *w, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	ckw_u64(w, v);
}

int train_ckpt_save(const char *path, const struct train_ckpt *c, char *err)
{
	/* floats are written in host order; the format is little-endian */
	const uint32_t probe = 1;
	if (*(const unsigned char *)&probe != 1)
		return util_err(err, "cannot write checkpoint '%s': big-endian host", path);
	struct buf tmp, tokimg;
	buf_init(&tmp);
	buf_init(&tokimg);
	char *json = NULL;
	int ret = MENTOR_ERR;
	if (buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) {
		util_err(err, "out of memory");
		goto out;
	}
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_save(c->tok, &tokimg, sub)) {
		util_err(err, "cannot write checkpoint '%s': %s", path, sub);
		goto out;
	}
	json = train_config_to_json(&c->cfg);
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	struct ckw w = {fdopen(fd, "wb"), 0, 0};
	if (!w.f) {
		close(fd);
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	ckw_put(&w, TRAIN_CKPT_MAGIC, 8);
	ckw_u32(&w, TRAIN_CKPT_VERSION);
	ckw_u32(&w, c->m && c->v ? 1u : 0u);
	ckw_u32(&w, (uint32_t)strlen(json));
	ckw_put(&w, json, strlen(json));
	ckw_u32(&w, (uint32_t)tokimg.len);
	ckw_put(&w, tokimg.data, tokimg.len);
	ckw_u32(&w, (uint32_t)c->arch);
	if (c->arch == STUDENT_LLAMA) {
		struct llama_config l = c->lcfg;
		for (size_t i = 0; i < N_LLAMA_INTS; i++)
			ckw_u32(&w, (uint32_t)*llama_int(&l, i));
		for (size_t i = 0; i < N_LLAMA_REALS; i++)
			ckw_f64(&w, *llama_real(&l, i));
	} else {
		ckw_u32(&w, (uint32_t)c->mcfg.vocab_size);
		ckw_u32(&w, (uint32_t)c->mcfg.max_seq_len);
		ckw_u32(&w, (uint32_t)c->mcfg.n_layer);
		ckw_u32(&w, (uint32_t)c->mcfg.n_head);
		ckw_u32(&w, (uint32_t)c->mcfg.n_embd);
	}
	ckw_u64(&w, c->n_params);
	ckw_u64(&w, (uint64_t)c->step);
	ckw_u64(&w, (uint64_t)c->total_steps);
	ckw_u64(&w, c->rng_state);
	ckw_u64(&w, c->data_hash);
	ckw_f64(&w, c->elapsed);
	ckw_put(&w, c->params, c->n_params * sizeof(float));
	if (c->m && c->v) {
		ckw_put(&w, c->m, c->n_params * sizeof(float));
		ckw_put(&w, c->v, c->n_params * sizeof(float));
	}
	uint64_t h = w.h;
	ckw_u64(&w, h);
	if (w.failed || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		fclose(w.f);
		goto out_unlink;
	}
	if (fclose(w.f) != 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp.data, path) != 0) {
		util_err(err, "cannot rename '%s' to '%s': %s", tmp.data, path, strerror(errno));
		goto out_unlink;
	}
	ret = 0;
	goto out;
out_unlink:
	unlink(tmp.data);
out:
	free(json);
	buf_release(&tokimg);
	buf_release(&tmp);
	return ret;
}

/* A bounded reader over a checkpoint file. */
struct ckr {
	FILE *f;
	uint64_t h;
	uint64_t left; /* bytes not read yet */
	const char *path;
	char *err;
};

static int ckr_get(struct ckr *r, void *p, size_t n, const char *what)
{
	if (n > r->left)
		return util_err(r->err, "cannot load checkpoint '%s': truncated in %s", r->path,
				what);
	if (n && fread(p, 1, n, r->f) != n)
		return util_err(r->err, "cannot load checkpoint '%s': read error in %s", r->path,
				what);
	r->left -= n;
	r->h = util_fnv1a(p, n, r->h);
	return 0;
}

static int ckr_u32(struct ckr *r, uint32_t *v, const char *what)
{
	unsigned char b[4];
	if (ckr_get(r, b, 4, what))
		return MENTOR_ERR;
	*v = 0;
	for (int i = 0; i < 4; i++)
		*v |= (uint32_t)b[i] << (8 * i);
	return 0;
}

static int ckr_u64(struct ckr *r, uint64_t *v, const char *what)
{
	unsigned char b[8];
	if (ckr_get(r, b, 8, what))
		return MENTOR_ERR;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return 0;
}

void train_ckpt_release(struct train_ckpt *c)
{
	if (!c)
		return;
	tokenizer_free(c->tok);
	free(c->params);
	free(c->m);
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* Open a checkpoint for reading: the stream at its start. */
static int ckr_open(struct ckr *r, const char *path, char *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->err = err;
	r->f = fopen(path, "rb");
	if (!r->f)
		return util_err(err, "cannot load checkpoint '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(r->f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(r->f);
		r->f = NULL;
		return util_err(err, "cannot load checkpoint '%s': not a regular file", path);
	}
	r->left = (uint64_t)sb.st_size;
	return 0;
}

/* Read a checkpoint's head, magic to tokenizer: *flags, the configuration
 * JSON (*json, a heap string) and the tokenizer (*tok, owned). Both are
 * set to what was read so far also on failure; the caller frees them. */
static int ckpt_read_head(struct ckr *r, uint32_t *version, uint32_t *flags, char **json,
			  struct tokenizer **tok)
{
	const char *path = r->path;
	char *err = r->err;
	unsigned char *tokimg = NULL;
	int ret = MENTOR_ERR;
	char magic[8];
	uint32_t json_len, tok_len;
	*json = NULL;
	*tok = NULL;
	if (ckr_get(r, magic, 8, "the header"))
		goto out;
	if (memcmp(magic, TRAIN_CKPT_MAGIC, 8)) {
		util_err(err, "cannot load checkpoint '%s': not a mentor checkpoint (bad magic)",
			 path);
		goto out;
	}
	if (ckr_u32(r, version, "the header") || ckr_u32(r, flags, "the header"))
		goto out;
	if (*version < 1 || *version > TRAIN_CKPT_VERSION) {
		util_err(err,
			 "cannot load checkpoint '%s': format version %u, this mentor reads "
			 "versions 1 to %u; use the mentor that wrote it or train again",
			 path, *version, TRAIN_CKPT_VERSION);
		goto out;
	}
	if (*version == 1) {
		/* version 1 was hashed from a basis one digit short: again */
		unsigned char head[16];
		memcpy(head, magic, 8);
		for (int i = 0; i < 4; i++) {
			head[8 + i] = (unsigned char)(*version >> (8 * i));
			head[12 + i] = (unsigned char)(*flags >> (8 * i));
		}
		r->h = util_fnv1a(head, sizeof head, UTIL_FNV1A_BASIS_V1);
	}
	if (*flags > 1) {
		util_err(err, "cannot load checkpoint '%s': corrupt header (flags %u)", path, *flags);
		goto out;
	}
	if (ckr_u32(r, &json_len, "the configuration"))
		goto out;
	if (json_len > TRAIN_CKPT_MAX_JSON || json_len > r->left) {
		util_err(err, "cannot load checkpoint '%s': corrupt configuration length %u", path,
			 json_len);
		goto out;
	}
	*json = malloc((size_t)json_len + 1);
	if (!*json)
		util_oom();
	if (ckr_get(r, *json, json_len, "the configuration"))
		goto out;
	(*json)[json_len] = 0;
	if (ckr_u32(r, &tok_len, "the tokenizer"))
		goto out;
	if (tok_len > TRAIN_CKPT_MAX_TOKENIZER || tok_len > r->left) {
		util_err(err, "cannot load checkpoint '%s': corrupt tokenizer length %u", path,
			 tok_len);
		goto out;
	}
	tokimg = malloc(tok_len ? tok_len : 1);
	if (!tokimg)
		util_oom();
	if (ckr_get(r, tokimg, tok_len, "the tokenizer"))
		goto out;
	size_t used = 0;
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_load(tokimg, tok_len, &used, tok, sub)) {
		util_err(err, "cannot load checkpoint '%s': %s", path, sub);
		goto out;
	}
	if (used != tok_len) {
		util_err(err, "cannot load checkpoint '%s': corrupt tokenizer image", path);
		goto out;
	}
	ret = 0;
out:
	free(tokimg);
	return ret;
}

int train_ckpt_load_tokenizer(const char *path, struct tokenizer **tok, char *err)
{
	struct ckr r;
	*tok = NULL;
	if (ckr_open(&r, path, err))
		return MENTOR_ERR;
	uint32_t version, flags;
	char *json;
	int rc = ckpt_read_head(&r, &version, &flags, &json, tok);
	free(json);
	fclose(r.f);
	if (rc) {
		tokenizer_free(*tok);
		*tok = NULL;
	}
	return rc;
}

void train_ckpt_student_config(const struct train_ckpt *c, struct student_config *out)
{
	memset(out, 0, sizeof *out);
	out->arch = c->arch;
	out->gpt2 = c->mcfg;
	out->llama = c->lcfg;
}

int train_ckpt_student(const struct train_ckpt *c, struct student **out, char *err)
{
	struct student_config sc;
	train_ckpt_student_config(c, &sc);
	*out = NULL;
	int rc = student_new(&sc, c->cfg.seed, out, err);
	if (rc)
		return rc;
	if (!c->params || c->n_params != student_num_params(*out)) {
		student_free(*out);
		*out = NULL;
		return util_err(err, "checkpoint holds no parameters of the model's shape");
	}
	memcpy(student_params(*out), c->params, c->n_params * sizeof(float));
	return 0;
}

static int ckr_f64(struct ckr *r, double *d, const char *what)
{
	uint64_t v;
	if (ckr_u64(r, &v, what))
		return MENTOR_ERR;
	memcpy(d, &v, 8);
	return 0;
}

/* The architecture and shape after the tokenizer into c: version 3 names
 * the architecture; earlier versions hold a GPT-2. The values are checked
 * by the caller (student_config_check). */
static int ckpt_read_shape(struct ckr *r, uint32_t version, struct train_ckpt *c)
{
	uint32_t arch = STUDENT_GPT2;
	if (version >= 3 && ckr_u32(r, &arch, "the architecture"))
		return MENTOR_ERR;
	if (arch >= STUDENT_N_ARCHS)
		return util_err(r->err, "cannot load checkpoint '%s': unknown architecture %u "
					"(written by a newer mentor?)", r->path, arch);
	c->arch = (int)arch;
	uint32_t v;
	if (arch == STUDENT_LLAMA) {
		for (size_t i = 0; i < N_LLAMA_INTS; i++) {
			if (ckr_u32(r, &v, "the model shape"))
				return MENTOR_ERR;
			if (v > INT_MAX)
				return util_err(r->err, "cannot load checkpoint '%s': corrupt "
							"model shape ('%s')",
						r->path, llama_ints[i].name);
			*llama_int(&c->lcfg, i) = (int)v;
		}
		for (size_t i = 0; i < N_LLAMA_REALS; i++)
			if (ckr_f64(r, llama_real(&c->lcfg, i), "the model shape"))
				return MENTOR_ERR;
		return 0;
	}
	int *f[5] = {&c->mcfg.vocab_size, &c->mcfg.max_seq_len, &c->mcfg.n_layer,
		     &c->mcfg.n_head, &c->mcfg.n_embd};
	for (int i = 0; i < 5; i++) {
		if (ckr_u32(r, &v, "the model shape"))
			return MENTOR_ERR;
		if (v > 1u << 30)
			return util_err(r->err, "cannot load checkpoint '%s': corrupt model shape",
					r->path);
		*f[i] = (int)v;
	}
	return 0;
}

int train_ckpt_load(const char *path, int with_moments, struct train_ckpt *c, char *err)
{
	memset(c, 0, sizeof *c);
	struct ckr r;
	if (ckr_open(&r, path, err))
		return MENTOR_ERR;
	FILE *f = r.f;
	char *json = NULL;
	int ret = MENTOR_ERR;
	uint32_t version, flags;
	char sub[MENTOR_ERR_LEN];
	if (ckpt_read_head(&r, &version, &flags, &json, &c->tok))
		goto out;
	if (train_config_from_json(json, &c->cfg, sub)) {
		util_err(err, "cannot load checkpoint '%s': %s", path, sub);
		goto out;
	}
	if (ckpt_read_shape(&r, version, c))
		goto out;
	if (c->cfg.arch != c->arch) {
		util_err(err, "cannot load checkpoint '%s': its configuration names architecture "
			      "'%s', its model is '%s'", path, student_arch_name(c->cfg.arch),
			 student_arch_name(c->arch));
		goto out;
	}
	struct student_config sc;
	train_ckpt_student_config(c, &sc);
	if (student_config_check(&sc, sub)) {
		util_err(err, "cannot load checkpoint '%s': corrupt model shape: %s", path, sub);
		goto out;
	}
	if (student_config_vocab_size(&sc) != tokenizer_vocab_size(c->tok)) {
		util_err(err, "cannot load checkpoint '%s': model vocabulary %d does not match its "
			      "tokenizer (%d)", path, student_config_vocab_size(&sc),
			 tokenizer_vocab_size(c->tok));
		goto out;
	}
	if (c->arch == STUDENT_LLAMA) {
		/* the shape a resumed run rebuilds from its configuration */
		struct student_config js;
		train_config_student(&c->cfg, c->lcfg.vocab_size, &js);
		if (!student_config_same(&js, &sc)) {
			util_err(err, "cannot load checkpoint '%s': its configuration and its "
				      "model shape differ", path);
			goto out;
		}
	}
	uint64_t np, step, total, rs, dh, el;
	if (ckr_u64(&r, &np, "the state") || ckr_u64(&r, &step, "the state") ||
	    ckr_u64(&r, &total, "the state") || ckr_u64(&r, &rs, "the state") ||
	    ckr_u64(&r, &dh, "the state") || ckr_u64(&r, &el, "the state"))
		goto out;
	if (np != student_config_num_params(&sc)) {
		util_err(err, "cannot load checkpoint '%s': %llu parameters, the model shape needs "
			      "%zu", path, (unsigned long long)np, student_config_num_params(&sc));
		goto out;
	}
	if (step > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX || step > total) {
		util_err(err, "cannot load checkpoint '%s': corrupt step counters", path);
		goto out;
	}
	c->n_params = (size_t)np;
	c->step = (int64_t)step;
	c->total_steps = (int64_t)total;
	c->rng_state = rs;
	c->data_hash = dh;
	memcpy(&c->elapsed, &el, 8);
	size_t bytes;
	if (util_mul_size(c->n_params, sizeof(float), &bytes)) {
		util_err(err, "cannot load checkpoint '%s': corrupt size", path);
		goto out;
	}
	/* the rest of the file must be exactly the tensors and the checksum */
	uint64_t want = (uint64_t)bytes * (flags ? 3u : 1u) + 8u;
	if (r.left != want) {
		util_err(err, "cannot load checkpoint '%s': %s (%llu bytes of tensors, expected %llu)",
			 path, r.left < want ? "truncated" : "trailing bytes",
			 (unsigned long long)r.left, (unsigned long long)want);
		goto out;
	}
	if (with_moments == TRAIN_CKPT_HEADER) {
		ret = 0;
		goto out;
	}
	if (with_moments && !flags) {
		util_err(err, "cannot load checkpoint '%s': it holds no optimizer state to resume",
			 path);
		goto out;
	}
	c->params = malloc(bytes ? bytes : 1);
	if (!c->params) {
		util_err(err, "cannot load checkpoint '%s': out of memory", path);
		goto out;
	}
	if (ckr_get(&r, c->params, bytes, "the parameters"))
		goto out;
	if (flags && with_moments) {
		c->m = malloc(bytes ? bytes : 1);
		c->v = malloc(bytes ? bytes : 1);
		if (!c->m || !c->v) {
			util_err(err, "cannot load checkpoint '%s': out of memory", path);
			goto out;
		}
		if (ckr_get(&r, c->m, bytes, "the optimizer state") ||
		    ckr_get(&r, c->v, bytes, "the optimizer state"))
			goto out;
	} else if (flags) {
		/* not kept, but still covered by the checksum */
		unsigned char chunk[65536];
		uint64_t skip = (uint64_t)bytes * 2u;
		while (skip) {
			size_t k = skip < sizeof chunk ? (size_t)skip : sizeof chunk;
			if (ckr_get(&r, chunk, k, "the optimizer state"))
				goto out;
			skip -= k;
		}
	}
	uint64_t h = r.h, stored;
	if (ckr_u64(&r, &stored, "the checksum"))
		goto out;
	if (stored != h) {
		util_err(err, "cannot load checkpoint '%s': checksum mismatch (the file is corrupt)",
			 path);
		goto out;
	}
	ret = 0;
out:
	free(json);
	fclose(f);
	if (ret)
		train_ckpt_release(c);
	return ret;
}

/* ------------------------------------------------------------ runs */

int train_run_dir(const char *db_path, int64_t run_id, struct buf *out)
{
	return buf_printf(out, "%s.runs/%lld", db_path, (long long)run_id);
}

int train_run_ckpt_path(const char *db_path, int64_t run_id, struct buf *out)
{
	return buf_printf(out, "%s.runs/%lld/ckpt.bin", db_path, (long long)run_id);
}

static int file_exists(const char *path)
{
	struct stat sb;
	return path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int train_run_ckpt_find(struct store *st, const struct store_run *r, struct buf *out,
			char *err)
{
	buf_reset(out);
	if (r->checkpoint && *r->checkpoint && file_exists(r->checkpoint))
		return buf_puts(out, r->checkpoint) ? util_err(err, "out of memory") : 0;
	/* the workspace moved with its runs directory beside it */
	if (train_run_ckpt_path(store_path(st), r->id, out))
		return util_err(err, "out of memory");
	if (file_exists(out->data))
		return 0;
	if (!r->checkpoint || !*r->checkpoint) {
		util_err(err, "run %lld has no checkpoint yet", (long long)r->id);
		return MENTOR_EUSAGE;
	}
	return util_err(err, "cannot load checkpoint '%s': %s", r->checkpoint, strerror(ENOENT));
}

int train_config_init_from(struct store *st, const char *ref, struct train_config *cfg,
			   char *err)
{
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc)
		return rc == MENTOR_ENOTFOUND ? MENTOR_EUSAGE : MENTOR_ERR;
	struct buf path;
	buf_init(&path);
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	int ret = MENTOR_EUSAGE;
	if (!strcmp(r.kind, "external")) {
		util_err(err, "run %lld is an external run: import its model with 'mentor "
			      "import-model' and start from that", (long long)r.id);
		goto out;
	}
	char sub[MENTOR_ERR_LEN];
	rc = train_run_ckpt_find(st, &r, &path, sub);
	if (rc) {
		util_err(err, "cannot start from run %lld: %s", (long long)r.id, sub);
		ret = rc;
		goto out;
	}
	ret = MENTOR_ERR;
	if (train_ckpt_load(path.data, TRAIN_CKPT_HEADER, &ck, err))
		goto out;
	cfg->init_from = r.id;
	if (ck.arch == STUDENT_LLAMA) {
		/* the training context it had, within the new run's limits */
		int ctx = ck.cfg.n_ctx;
		if (ctx > ck.lcfg.max_seq_len)
			ctx = ck.lcfg.max_seq_len;
		if (ctx > LLAMA_MAX_TRAIN_T)
			ctx = LLAMA_MAX_TRAIN_T;
		cfg->n_ctx = ctx;
		cfg->vocab = tokenizer_vocab_size(ck.tok);
		train_config_set_llama(cfg, &ck.lcfg);
	} else {
		cfg->arch = STUDENT_GPT2;
		cfg->n_layer = ck.mcfg.n_layer;
		cfg->n_embd = ck.mcfg.n_embd;
		cfg->n_head = ck.mcfg.n_head;
		cfg->n_ctx = ck.mcfg.max_seq_len;
	}
	cfg->vocab = tokenizer_vocab_size(ck.tok);
	snprintf(cfg->preset, sizeof cfg->preset, "%s", ck.cfg.preset[0] ? ck.cfg.preset : "custom");
	ret = 0;
out:
	train_ckpt_release(&ck);
	buf_release(&path);
	store_run_release(&r);
	return ret;
}

/* The special tokens a foreign model did not have come in as zero rows
 * (modelio): each starts as the mean of the other rows plus a small seeded
 * normal jitter (std 0.02, the scale of a fresh model), so that the new
 * markers sit among the embeddings the model knows and differ from each
 * other. Rows that are not all zero are left alone. Returns the number of
 * rows set. */
static int init_special_rows(struct student *m, const struct tokenizer *tok, uint64_t seed)
{
	int width;
	int emb = student_embedding(m, &width);
	size_t C = (size_t)width, off;
	size_t V = (size_t)student_config_vocab_size(student_get_config(m));
	student_tensor_info(m, emb, NULL, &off, NULL, NULL);
	float *wte = student_params(m) + off;
	int zero[TOKENIZER_N_SPECIAL] = {0}, n_zero = 0;
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		int32_t id = tokenizer_special(tok, k);
		if (id < 0 || (size_t)id >= V)
			continue;
		zero[k] = 1;
		for (size_t c = 0; c < C && zero[k]; c++)
			zero[k] = wte[(size_t)id * C + c] == 0.0f;
		n_zero += zero[k];
	}
	if (!n_zero)
		return 0;
	double *mean = calloc(C, sizeof *mean);
	if (!mean)
		util_oom();
	size_t n = 0;
	for (size_t v = 0; v < V; v++) {
		if (tokenizer_is_special(tok, (int32_t)v))
			continue;
		for (size_t c = 0; c < C; c++)
			mean[c] += wte[v * C + c];
		n++;
	}
	struct rng r;
	rng_seed(&r, seed ^ 0x7370656369616cULL); /* "special" */
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		if (!zero[k])
			continue;
		float *row = wte + (size_t)tokenizer_special(tok, k) * C;
		for (size_t c = 0; c < C; c++) {
			/* Box-Muller */
			double u1 = rng_unit(&r), u2 = rng_unit(&r);
			double z = sqrt(-2.0 * log(u1 > 0 ? u1 : 1e-300)) * cos(6.283185307179586 * u2);
			row[c] = (float)((n ? mean[c] / (double)n : 0.0) + 0.02 * z);
		}
	}
	free(mean);
	return n_zero;
}

/* Create <db>.runs/<id>; fills dir with its path. */
static int make_run_dir(const char *db_path, int64_t run_id, struct buf *dir, char *err)
{
	buf_reset(dir);
	if (buf_printf(dir, "%s.runs", db_path))
		return util_err(err, "out of memory");
	if (mkdir(dir->data, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir->data, strerror(errno));
	if (buf_printf(dir, "/%lld", (long long)run_id))
		return util_err(err, "out of memory");
	if (mkdir(dir->data, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir->data, strerror(errno));
	return 0;
}

int train_run_create(struct store *st, const struct train_config *cfg, const char *name,
		     int64_t *run_id, char *err)
{
	int rc = train_config_check(cfg, err);
	if (rc)
		return rc;
	struct store_dataset d;
	rc = store_dataset_get(st, cfg->dataset, &d, err);
	if (rc == MENTOR_ENOTFOUND)
		return util_err(err, "no dataset '%s'; see 'mentor datasets'", cfg->dataset);
	if (rc)
		return MENTOR_ERR;
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = d.id;
	store_dataset_release(&d);
	r.name = util_strdup(name ? name : "");
	r.variant = util_strdup(train_variant_name(cfg->variant));
	r.alpha = cfg->variant == TRAIN_BASELINE ? 1.0 : cfg->alpha;
	r.source = util_strdup(train_source_name(cfg->source));
	r.kind = util_strdup("internal");
	r.config_json = train_config_to_json(cfg);
	r.status = util_strdup("queued");
	r.total_steps = cfg->steps;
	int ret = MENTOR_ERR;
	if (store_begin(st, err))
		goto out;
	if (store_run_insert(st, &r, err))
		goto rollback;
	if (!name || !*name) {
		free(r.name);
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "%s-%lld", r.variant, (long long)r.id);
		r.name = buf_detach(&b, NULL);
		if (store_run_update(st, &r, err))
			goto rollback;
	}
	if (store_commit(st, err))
		goto out;
	*run_id = r.id;
	ret = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	store_run_release(&r);
	return ret;
}

static int pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int train_run_reap(struct store *st, int *n_marked, char *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;
	if (n_marked)
		*n_marked = 0;
	if (store_run_list(st, &runs, &n, err))
		return MENTOR_ERR;
	int ret = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		struct store_run *r = &runs[i];
		int running = r->status && !strcmp(r->status, "running");
		int spawned = r->status && !strcmp(r->status, "queued") && r->pid > 0;
		if ((!running && !spawned) || r->pid == (int64_t)getpid() || pid_alive(r->pid))
			continue;
		char msg[200];
		snprintf(msg, sizeof msg,
			 "process %lld ended without finishing; resume with 'mentor train --resume "
			 "%lld'", (long long)r->pid, (long long)r->id);
		ret = store_run_set_status(st, r->id, "failed", msg, 0, err);
		if (!ret && n_marked)
			(*n_marked)++;
	}
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
	return ret;
}

int train_run_stop(struct store *st, int64_t run_id, char *err)
{
	struct store_run r;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc)
		return rc;
	int ret = 0;
	if (!strcmp(r.status, "queued")) {
		/* not started yet: it refuses to start once it sees this */
		ret = store_run_set_status(st, run_id, "stopped", NULL, 0, err);
		if (r.pid > 0 && r.pid <= INT32_MAX)
			kill((pid_t)r.pid, SIGTERM);
	} else if (!strcmp(r.status, "running")) {
		if (r.pid > 0 && r.pid <= INT32_MAX && kill((pid_t)r.pid, SIGTERM) == 0)
			goto out;
		if (r.pid > 0 && errno == EPERM) {
			ret = util_err(err, "cannot stop run %lld: process %lld: %s",
				       (long long)run_id, (long long)r.pid, strerror(errno));
			goto out;
		}
		/* the process is gone: record it as stopped, resumable */
		ret = store_run_set_status(st, run_id, "stopped",
					   "stopped after its process had ended", 0, err);
	} else {
		util_err(err, "run %lld is not running (status %s)", (long long)run_id, r.status);
		ret = MENTOR_EUSAGE;
	}
out:
	store_run_release(&r);
	return ret;
}

int train_run_spawn(const char *exe, const char *db_path, int64_t run_id, int64_t *pid,
		    char *err)
{
	struct buf dir;
	buf_init(&dir);
	int ret = MENTOR_ERR;
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		goto out;
	struct store_run r;
	if (store_begin(st, err))
		goto out;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc) {
		store_rollback(st);
		goto out;
	}
	if (!strcmp(r.status, "done") ||
	    (!strcmp(r.status, "running") && pid_alive(r.pid)) ||
	    (!strcmp(r.status, "queued") && r.pid > 0 && r.pid != (int64_t)getpid() &&
	     pid_alive(r.pid))) {
		util_err(err, "cannot start run %lld: it is %s", (long long)run_id,
			 !strcmp(r.status, "done") ? "already done" : "already running");
		store_run_release(&r);
		store_rollback(st);
		goto out;
	}
	store_run_release(&r);
	if (store_run_set_status(st, run_id, "queued", NULL, 0, err) || store_commit(st, err)) {
		store_rollback(st);
		goto out;
	}
	if (make_run_dir(db_path, run_id, &dir, err))
		goto out;
	if (buf_puts(&dir, "/log.txt")) {
		util_err(err, "out of memory");
		goto out;
	}
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)run_id);
	char *argv[] = {"mentor", "--db", (char *)db_path, "train", "--resume", idbuf,
			"--spawned", NULL};
	/* idle compute threads sleep instead of spinning: on a shared machine
	 * spinning threads slow a run down many times over */
	static const char *const env[] = {"OMP_WAIT_POLICY=passive", NULL};
	int64_t gp;
	char sub[MENTOR_ERR_LEN];
	if (util_spawn_detached(exe ? exe : "/proc/self/exe", argv, dir.data, env, &gp, sub)) {
		util_err(err, "cannot start run %lld: %s", (long long)run_id, sub);
		goto out;
	}
	*pid = gp;
	/* the process may have claimed the run already: same pid either way */
	ret = store_run_set_pid_if(st, run_id, gp, err) ? MENTOR_ERR : 0;
out:
	store_close(st);
	buf_release(&dir);
	return ret;
}

/* ------------------------------------------------------------ the trainer */

/* Everything one run holds while it trains. */
struct trainer {
	struct store *st;
	const char *db_path;
	int64_t run_id;
	struct train_config cfg;
	const struct train_opts *o;
	struct tokenizer *tok;
	struct student *model;
	struct train_set train, dev;
	struct train_batch batch, batch2; /* answer and explanation micro-batches */
	struct rng rng;
	int64_t step, total;
	double elapsed0, t0;
	int64_t last_ckpt;
	struct buf ckpt_path;
	uint64_t data_hash;
	struct train_corpus devq; /* the fixed dev subset whose accuracy is tracked */
	int64_t eval_every;       /* 0: never */
};

static double now_elapsed(const struct trainer *tr) { return tr->elapsed0 + util_mono() - tr->t0; }

static int save_checkpoint(struct trainer *tr, char *err)
{
	struct train_ckpt c;
	memset(&c, 0, sizeof c);
	c.cfg = tr->cfg;
	const struct student_config *sc = student_get_config(tr->model);
	c.arch = sc->arch;
	c.mcfg = sc->gpt2;
	c.lcfg = sc->llama;
	c.tok = tr->tok;
	c.params = student_params(tr->model);
	c.m = student_adam_m(tr->model);
	c.v = student_adam_v(tr->model);
	c.n_params = student_num_params(tr->model);
	c.step = tr->step;
	c.total_steps = tr->total;
	c.rng_state = tr->rng.s;
	c.data_hash = tr->data_hash;
	c.elapsed = now_elapsed(tr);
	if (train_ckpt_save(tr->ckpt_path.data, &c, err))
		return MENTOR_ERR;
	tr->last_ckpt = tr->step;
	return store_run_set_progress(tr->st, tr->run_id, tr->step, tr->ckpt_path.data, err);
}

/* Weighted mean loss of the first val_items sequences of each task of the
 * dev set: alpha*answer + (1-alpha)*explanation (answer alone when there is
 * no explanation). NAN when the dev split is empty. */
static double val_loss(struct trainer *tr, char *err, int *failed)
{
	double sum[2] = {0, 0}, wsum[2] = {0, 0};
	const struct train_example *sets[2] = {tr->dev.ans, tr->dev.exp};
	size_t counts[2] = {tr->dev.n_ans, tr->dev.n_exp};
	*failed = 0;
	for (int task = 0; task < 2; task++) {
		size_t n = counts[task];
		if (n > (size_t)tr->cfg.val_items)
			n = (size_t)tr->cfg.val_items;
		for (size_t i = 0; i < n; i += (size_t)tr->cfg.batch) {
			size_t k = n - i < (size_t)tr->cfg.batch ? n - i : (size_t)tr->cfg.batch;
			const struct train_example *pick[4096];
			for (size_t j = 0; j < k; j++)
				pick[j] = &sets[task][i + j];
			if (batch_fill(&tr->batch, pick, (int)k, pad_id(&tr->train), 1.0, 0.0, err) ||
			    student_forward(tr->model, tr->batch.inputs, tr->batch.targets, NULL,
					  tr->batch.B, tr->batch.T, NULL, err)) {
				*failed = 1;
				return NAN;
			}
			const float *sl = student_seq_loss(tr->model);
			const float *sw = student_seq_weight(tr->model);
			for (size_t j = 0; j < k; j++) {
				sum[task] += sl[j];
				wsum[task] += sw[j];
			}
		}
	}
	if (wsum[0] <= 0)
		return NAN;
	double la = sum[0] / wsum[0];
	if (tr->cfg.variant == TRAIN_BASELINE || wsum[1] <= 0)
		return la;
	return tr->cfg.alpha * la + (1.0 - tr->cfg.alpha) * (sum[1] / wsum[1]);
}

/* Seconds one training step takes, measured on throwaway batches without
 * touching the parameters, the optimizer or the batch stream. */
static double probe_step_time(struct trainer *tr, char *err)
{
	struct rng r;
	rng_seed(&r, tr->cfg.seed ^ 0x5eedULL);
	double t = 0;
	for (int i = 0; i < 3; i++) {
		double t0 = util_mono();
		if (train_batch_sample(&tr->train, tr->cfg.variant, tr->cfg.alpha, &r, tr->cfg.batch,
				       &tr->batch, err) ||
		    student_forward(tr->model, tr->batch.inputs, tr->batch.targets,
				    tr->batch.weights, tr->batch.B, tr->batch.T, NULL, err) ||
		    student_backward(tr->model, err))
			return -1;
		if (i > 0)
			t += util_mono() - t0;
	}
	student_zero_grad(tr->model);
	return t / 2;
}

static int report(struct trainer *tr, struct train_progress *p)
{
	p->run_id = tr->run_id;
	p->total_steps = tr->total;
	p->elapsed = now_elapsed(tr);
	int stop = 0;
	if (tr->o && tr->o->progress)
		stop = tr->o->progress(tr->o->u, p);
	if (tr->o && tr->o->stop && *tr->o->stop)
		stop = 1;
	return stop;
}

/* Forward (and backward when `grad`) one single-task micro-batch; adds the
 * sum and count of its target-token losses to *sum / *count. */
static int micro_batch(struct trainer *tr, struct train_batch *b,
		       const struct train_example *const *pick, int n, int grad, float *loss,
		       double *sum, int64_t *count, char *err)
{
	if (batch_fill(b, pick, n, pad_id(&tr->train), 1.0, 1.0, err) ||
	    student_forward(tr->model, b->inputs, b->targets, b->weights, b->B, b->T, loss, err))
		return MENTOR_ERR;
	const float *nll = student_token_nll(tr->model);
	size_t cells = (size_t)b->B * (size_t)b->T;
	for (size_t i = 0; nll && i < cells; i++) {
		if (b->targets[i] < 0)
			continue;
		*sum += nll[i];
		(*count)++;
	}
	return grad ? student_backward(tr->model, err) : 0;
}

static void scale_grads(struct student *m, float k)
{
	float *g = student_grads(m);
	size_t n = student_num_params(m);
	for (size_t i = 0; i < n; i++)
		g[i] *= k;
}

/* One optimizer step; fills the progress record. The two tasks run as two
 * micro-batches, each padded only to its own longest sequence (answers are
 * much shorter than explanations), and their gradients are combined as
 * alpha * answer + (1 - alpha) * explanation, the gradient of the weighted
 * loss of train_batch_sample's single batch. */
static int train_step(struct trainer *tr, struct train_progress *p, char *err)
{
	double t0 = util_mono();
	double lr = train_lr_at(&tr->cfg, tr->step, tr->total);
	double alpha = tr->cfg.alpha;
	int B = tr->cfg.batch;
	int multi = tr->cfg.variant != TRAIN_BASELINE;
	if (!tr->train.n_ans || (multi && !tr->train.n_exp))
		return util_err(err, "no training sequences");
	const struct train_example *pick[4096];
	int n_ans = pick_examples(&tr->train, multi, &tr->rng, B, pick);
	int n_exp = B - n_ans;
	student_zero_grad(tr->model);
	double s[2] = {0, 0};
	int64_t c[2] = {0, 0};
	float la = 0, le = 0, loss;
	int64_t tokens = 0;
	if (n_exp == 0 || alpha >= 1.0) {
		if (micro_batch(tr, &tr->batch, pick, n_ans, 1, &la, &s[0], &c[0], err))
			return MENTOR_ERR;
		tokens += tr->batch.n_tokens;
		if (n_exp) { /* alpha 1: the explanation task is only measured */
			if (micro_batch(tr, &tr->batch2, pick + n_ans, n_exp, 0, &le, &s[1], &c[1], err))
				return MENTOR_ERR;
			tokens += tr->batch2.n_tokens;
		}
		loss = la;
	} else {
		/* explanation first: grads = g_exp, then scaled so that adding g_ans
		 * and scaling by alpha leaves alpha*g_ans + (1-alpha)*g_exp */
		if (micro_batch(tr, &tr->batch2, pick + n_ans, n_exp, 1, &le, &s[1], &c[1], err))
			return MENTOR_ERR;
		tokens += tr->batch2.n_tokens;
		int ans_grad = alpha > 0;
		if (ans_grad)
			scale_grads(tr->model, (float)((1.0 - alpha) / alpha));
		if (micro_batch(tr, &tr->batch, pick, n_ans, ans_grad, &la, &s[0], &c[0], err))
			return MENTOR_ERR;
		tokens += tr->batch.n_tokens;
		if (ans_grad)
			scale_grads(tr->model, (float)alpha);
		loss = (float)(alpha * la + (1.0 - alpha) * le);
	}
	if (tr->cfg.grad_clip > 0)
		student_clip_grad(tr->model, (float)tr->cfg.grad_clip);
	struct model_adamw opt = {(float)lr, (float)tr->cfg.beta1, (float)tr->cfg.beta2,
				  (float)tr->cfg.eps, (float)tr->cfg.weight_decay};
	if (student_adamw_step(tr->model, &opt, err))
		return MENTOR_ERR;
	if (!isfinite(loss))
		return util_err(err, "loss is not finite at step %lld; lower '--lr'",
				(long long)(tr->step + 1));
	tr->step++;
	double dt = util_mono() - t0;
	memset(p, 0, sizeof *p);
	p->phase = TRAIN_PHASE_STEP;
	p->step = tr->step;
	p->loss = loss;
	p->loss_ans = c[0] ? s[0] / (double)c[0] : NAN;
	p->loss_exp = c[1] ? s[1] / (double)c[1] : NAN;
	p->lr = lr;
	p->tok_s = dt > 0 ? (double)tokens / dt : 0;
	p->val_loss = p->dev_acc = p->dev_acc_expl = NAN;
	return 0;
}

static int write_metrics(struct trainer *tr, const struct train_progress *p, char *err)
{
	double t = now_elapsed(tr);
	struct {
		const char *name;
		double v;
	} m[] = {{"loss", p->loss},	  {"loss_ans", p->loss_ans}, {"loss_exp", p->loss_exp},
		 {"lr", p->lr},		  {"tok_s", p->tok_s},	     {"val_loss", p->val_loss},
		 {"dev_acc", p->dev_acc}, {"dev_acc_expl", p->dev_acc_expl}};
	if (store_begin(tr->st, err))
		return MENTOR_ERR;
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		if (!isfinite(m[i].v))
			continue;
		if (store_metric_add(tr->st, tr->run_id, p->step, t, m[i].name, m[i].v, err))
			goto fail;
	}
	if (store_run_set_progress(tr->st, tr->run_id, p->step, NULL, err))
		goto fail;
	return store_commit(tr->st, err);
fail:
	store_rollback(tr->st);
	return MENTOR_ERR;
}

static int eval_progress_cb(void *u, int64_t done, int64_t todo)
{
	struct trainer *tr = u;
	struct train_progress p;
	memset(&p, 0, sizeof p);
	p.phase = TRAIN_PHASE_EVAL;
	p.step = tr->step;
	p.done = done;
	p.todo = todo;
	p.loss = p.loss_ans = p.loss_exp = p.lr = p.tok_s = p.val_loss = NAN;
	p.dev_acc = p.dev_acc_expl = NAN;
	return report(tr, &p);
}

/* Claim the run for this process: refuse a finished run or one that a live
 * process is running. Fills r and cfg. */
static int claim(struct store *st, int64_t run_id, int only_queued, struct store_run *r,
		 struct train_config *cfg, char *err)
{
	memset(r, 0, sizeof *r);
	if (store_begin(st, err))
		return MENTOR_ERR;
	int rc = store_run_get(st, run_id, r, err);
	if (rc)
		goto fail;
	rc = MENTOR_EUSAGE;
	if (!strcmp(r->status, "done")) {
		util_err(err, "run %lld is already done", (long long)run_id);
		goto fail;
	}
	if (!strcmp(r->kind, "external")) {
		util_err(err, "run %lld is an external run and cannot be trained", (long long)run_id);
		goto fail;
	}
	if (only_queued && strcmp(r->status, "queued")) {
		util_err(err, "run %lld was %s before it started", (long long)run_id, r->status);
		goto fail;
	}
	if (!strcmp(r->status, "running") && r->pid != (int64_t)getpid() && pid_alive(r->pid)) {
		util_err(err, "run %lld is already running (pid %lld)", (long long)run_id,
			 (long long)r->pid);
		goto fail;
	}
	rc = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (train_config_from_json(r->config_json, cfg, sub)) {
		util_err(err, "run %lld: %s", (long long)run_id, sub);
		goto fail;
	}
	if (store_run_set_status(st, run_id, "running", NULL, (int64_t)getpid(), err))
		goto fail;
	if (store_commit(st, err))
		return MENTOR_ERR;
	return 0;
fail:
	store_rollback(st);
	store_run_release(r);
	return rc;
}

/* Load data, tokenizer, model and state (fresh or from the checkpoint). */
static int prepare(struct trainer *tr, const struct store_run *r, char *err)
{
	struct train_config *cfg = &tr->cfg;
	struct store_dataset d;
	int rc = store_dataset_get_id(tr->st, r->dataset_id, &d, err);
	if (rc)
		return MENTOR_ERR;
	struct train_corpus corpus, dev;
	train_corpus_init(&corpus);
	train_corpus_init(&dev);
	struct train_ckpt ck, init;
	memset(&ck, 0, sizeof ck);
	memset(&init, 0, sizeof init);
	int ret = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];

	/* the checkpoint: the one recorded, else the usual place */
	struct buf dir;
	buf_init(&dir);
	if (make_run_dir(tr->db_path, tr->run_id, &dir, err))
		goto out;
	/* checkpoint writes a kill interrupted */
	util_tmp_cleanup(dir.data, "ckpt.bin");
	buf_reset(&tr->ckpt_path);
	if (r->checkpoint && *r->checkpoint && file_exists(r->checkpoint)) {
		buf_puts(&tr->ckpt_path, r->checkpoint);
	} else {
		/* recorded absolute, so that any working directory finds it */
		char *abs = realpath(dir.data, NULL);
		buf_printf(&tr->ckpt_path, "%s/ckpt.bin", abs ? abs : dir.data);
		free(abs);
	}
	int resume = file_exists(tr->ckpt_path.data);
	if (resume) {
		if (train_ckpt_load(tr->ckpt_path.data, 1, &ck, err))
			goto out;
		/* the checkpoint's configuration is the one that was trained */
		*cfg = ck.cfg;
	}
	if (tr->o && tr->o->threads > 0)
		cfg->threads = tr->o->threads;
	model_set_threads(cfg->threads);

	if (train_corpus_load(tr->st, d.id, "train", cfg->source, &corpus, err))
		goto out;
	if (corpus.n == 0) {
		util_err(err, "dataset '%s' has no train items", d.name);
		goto out;
	}
	if (cfg->variant != TRAIN_BASELINE && corpus.n_expl == 0) {
		if (cfg->source == TRAIN_SRC_ACCEPTED)
			util_err(err, "no accepted explanations in dataset '%s': review some, or use "
				      "'--source gold' or a teacher mode", d.name);
		else
			util_err(err, "no explanations from source '%s' in dataset '%s'",
				 train_source_name(cfg->source), d.name);
		goto out;
	}
	if (train_corpus_load(tr->st, d.id, "dev", cfg->source, &dev, err))
		goto out;
	if (resume) {
		tr->tok = ck.tok;
		ck.tok = NULL;
	} else if (cfg->init_from > 0) {
		/* the starting run's weights and tokenizer */
		struct store_run src;
		if (store_run_get(tr->st, cfg->init_from, &src, sub)) {
			util_err(err, "cannot start from run %lld: %s", (long long)cfg->init_from, sub);
			goto out;
		}
		struct buf p;
		buf_init(&p);
		rc = train_run_ckpt_find(tr->st, &src, &p, sub);
		store_run_release(&src);
		if (rc) {
			util_err(err, "cannot start from run %lld: %s", (long long)cfg->init_from, sub);
			buf_release(&p);
			goto out;
		}
		rc = train_ckpt_load(p.data, 0, &init, err);
		buf_release(&p);
		if (rc)
			goto out;
		struct student_config want, have;
		train_config_student(cfg, cfg->vocab, &want);
		train_ckpt_student_config(&init, &have);
		if (!student_config_same(&want, &have)) {
			util_err(err, "cannot start from run %lld: its model changed shape since this "
				      "run was created", (long long)cfg->init_from);
			goto out;
		}
		tr->tok = init.tok;
		init.tok = NULL;
	} else if (train_tokenizer_fit(&corpus, cfg->variant, cfg->vocab, &tr->tok, err)) {
		goto out;
	}
	if (train_set_build(&corpus, cfg->variant, tr->tok, cfg->n_ctx, &tr->train, err) ||
	    train_set_build(&dev, cfg->variant, tr->tok, cfg->n_ctx, &tr->dev, err))
		goto out;
	tr->data_hash = tr->train.hash;
	tr->devq = dev; /* the first eval_items of it are answered while training */
	train_corpus_init(&dev);
	if (resume && ck.data_hash != tr->data_hash) {
		util_err(err, "cannot resume run %lld: its training data changed since the "
			      "checkpoint (items or explanations edited); start a new run",
			 (long long)tr->run_id);
		goto out;
	}
	struct student_config sc;
	train_config_student(cfg, tokenizer_vocab_size(tr->tok), &sc);
	if (student_new(&sc, cfg->seed, &tr->model, sub)) {
		util_err(err, "cannot build the model: %s", sub);
		goto out;
	}
	struct llama *lm = student_llama(tr->model);
	if (lm) {
		llama_set_checkpointing(lm, cfg->checkpointing);
		if (cfg->freeze_embed &&
		    llama_set_frozen(lm, LLAMA_FREEZE_EMBED | LLAMA_FREEZE_HEAD, sub)) {
			util_err(err, "cannot freeze the embedding: %s", sub);
			goto out;
		}
	}
	if (!resume && init.params) {
		memcpy(student_params(tr->model), init.params, init.n_params * sizeof(float));
		init_special_rows(tr->model, tr->tok, cfg->seed);
	}
	if (resume) {
		if (ck.n_params != student_num_params(tr->model)) {
			util_err(err, "cannot resume run %lld: checkpoint does not match the model",
				 (long long)tr->run_id);
			goto out;
		}
		size_t bytes = ck.n_params * sizeof(float);
		memcpy(student_params(tr->model), ck.params, bytes);
		memcpy(student_adam_m(tr->model), ck.m, bytes);
		memcpy(student_adam_v(tr->model), ck.v, bytes);
		student_set_adam_step(tr->model, ck.step);
		tr->step = ck.step;
		tr->total = ck.total_steps;
		tr->rng.s = ck.rng_state;
		tr->elapsed0 = ck.elapsed;
		tr->last_ckpt = ck.step;
	} else {
		rng_seed(&tr->rng, cfg->seed ^ 0x6261746368ULL); /* "batch" */
		tr->step = 0;
		tr->total = cfg->steps;
		if (tr->total == 0) {
			double dt = probe_step_time(tr, err);
			if (dt < 0)
				goto out;
			double budget = cfg->minutes * 60.0;
			double n = budget / (dt * 1.05 + 1e-4);
			tr->total = n < 1 ? 1 : n > 1e8 ? 100000000 : (int64_t)n;
		}
	}
	tr->eval_every = train_eval_interval(cfg, tr->total);
	if (store_metric_trim(tr->st, tr->run_id, tr->step, err))
		goto out;
	struct store_run upd;
	if (store_run_get(tr->st, tr->run_id, &upd, err))
		goto out;
	upd.total_steps = tr->total;
	upd.step = tr->step;
	rc = store_run_update(tr->st, &upd, err);
	store_run_release(&upd);
	if (rc)
		goto out;
	ret = 0;
out:
	buf_release(&dir);
	train_ckpt_release(&ck);
	train_ckpt_release(&init);
	train_corpus_release(&corpus);
	train_corpus_release(&dev);
	store_dataset_release(&d);
	return ret;
}

static void trainer_release(struct trainer *tr)
{
	student_free(tr->model);
	tokenizer_free(tr->tok);
	train_set_release(&tr->train);
	train_set_release(&tr->dev);
	train_batch_release(&tr->batch);
	train_batch_release(&tr->batch2);
	buf_release(&tr->ckpt_path);
	train_corpus_release(&tr->devq);
}

/* Dev accuracy of the fixed subset with the weights as they are: greedy
 * answers, nothing stored but the two metrics. */
static int dev_accuracy(struct trainer *tr, struct train_progress *p, char *err)
{
	return tr->o->eval->dev(tr->model, tr->tok, tr->cfg.variant, tr->cfg.max_new, &tr->devq,
				(size_t)tr->cfg.eval_items, &p->dev_acc, &p->dev_acc_expl, err);
}

/* Evaluate at the end of training; failures are recorded, not fatal. */
static void final_eval(struct trainer *tr, char *msg, size_t cap)
{
	char err[MENTOR_ERR_LEN];
	int rc = tr->o->eval->final(tr->st, tr->run_id, tr->model, tr->tok, tr->cfg.variant,
				    tr->cfg.max_new, tr->cfg.eval_split, eval_progress_cb, tr, err);
	if (rc == MENTOR_ECANCEL)
		snprintf(msg, cap, "evaluation interrupted; run 'mentor eval %lld'",
			 (long long)tr->run_id);
	else if (rc)
		snprintf(msg, cap, "evaluation failed: %.400s", err);
}

int train_run_exec(const char *db_path, int64_t run_id, const struct train_opts *o, char *err)
{
	struct trainer tr;
	memset(&tr, 0, sizeof tr);
	tr.db_path = db_path;
	tr.run_id = run_id;
	tr.o = o;
	buf_init(&tr.ckpt_path);
	tr.st = store_open_existing(db_path, err);
	if (!tr.st)
		return MENTOR_ERR;
	struct store_run r;
	int rc = claim(tr.st, run_id, o && o->only_queued, &r, &tr.cfg, err);
	if (rc) {
		store_close(tr.st);
		return rc;
	}
	tr.t0 = util_mono();
	char msg[MENTOR_ERR_LEN] = "";
	int ret = MENTOR_ERR;
	struct train_progress p;
	memset(&p, 0, sizeof p);
	p.phase = TRAIN_PHASE_PREPARE;
	p.loss = p.loss_ans = p.loss_exp = p.lr = p.tok_s = p.val_loss = NAN;
	p.dev_acc = p.dev_acc_expl = NAN;
	if (prepare(&tr, &r, err))
		goto fail;
	tr.t0 = util_mono();
	int stopped = report(&tr, &p);
	double budget = tr.cfg.steps == 0 ? tr.cfg.minutes * 60.0 : 0;
	while (!stopped && tr.step < tr.total) {
		if (train_step(&tr, &p, err))
			goto fail;
		if (tr.cfg.val_every > 0 && (tr.step % tr.cfg.val_every == 0 || tr.step == tr.total) &&
		    tr.dev.n_ans) {
			int failed;
			p.val_loss = val_loss(&tr, err, &failed);
			if (failed)
				goto fail;
		}
		if (tr.eval_every > 0 && tr.devq.n && o && o->eval &&
		    (tr.step % tr.eval_every == 0 || tr.step == tr.total) &&
		    dev_accuracy(&tr, &p, err))
			goto fail;
		if (write_metrics(&tr, &p, err))
			goto fail;
		if (tr.step % tr.cfg.ckpt_every == 0 && tr.step < tr.total &&
		    save_checkpoint(&tr, err))
			goto fail;
		stopped = report(&tr, &p);
		/* a time budget is a promise: end early when the estimate was off */
		if (budget > 0 && now_elapsed(&tr) > budget * 1.1 && tr.step < tr.total) {
			tr.total = tr.step;
			struct store_run upd;
			if (store_run_get(tr.st, run_id, &upd, err))
				goto fail;
			upd.total_steps = tr.total;
			rc = store_run_update(tr.st, &upd, err);
			store_run_release(&upd);
			if (rc)
				goto fail;
		}
	}
	if (tr.step > tr.last_ckpt || !file_exists(tr.ckpt_path.data))
		if (save_checkpoint(&tr, err))
			goto fail;
	if (stopped && tr.step < tr.total) {
		ret = store_run_set_status(tr.st, run_id, "stopped", NULL, 0, err) ? MENTOR_ERR
										   : MENTOR_ECANCEL;
		goto out;
	}
	if (tr.cfg.eval_at_end && o && o->eval && !o->no_eval)
		final_eval(&tr, msg, sizeof msg);
	if (store_run_set_status(tr.st, run_id, "done", msg[0] ? msg : NULL, 0, err))
		goto out;
	ret = 0;
	goto out;
fail:
	{
		char sub[MENTOR_ERR_LEN];
		store_run_set_status(tr.st, run_id, "failed", err, 0, sub);
	}
out:
	store_run_release(&r);
	trainer_release(&tr);
	store_close(tr.st);
	return ret;
}
