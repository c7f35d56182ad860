/* llama_config: a Llama-family config.json as transformers writes it into a
 * struct llama_config (see include/mentor/llama.h): a key written twice is
 * refused, RoPE scaling read from rope_scaling (transformers 4) or
 * rope_parameters (5), and values from the file shown escaped in messages. */
#include "mentor/llama.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- config.json ---- */

/* At most 40 bytes of a value from the file, escaped for a terminal. */
static void show_value(const char *s, char *out, size_t n)
{
	struct buf b;
	buf_init(&b);
	size_t len = strlen(s);
	if (util_term_escape(&b, s, len > 40 ? 40 : len, 0) || !b.data)
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%.*s%s", (int)b.len, b.data, len > 40 ? "..." : "");
	buf_release(&b);
}

/* The keys read from config.json and from its RoPE object. */
static const char *const top_keys[] = {
	"model_type",
	"vocab_size",
	"hidden_size",
	"intermediate_size",
	"num_hidden_layers",
	"num_attention_heads",
	"num_key_value_heads",
	"head_dim",
	"max_position_embeddings",
	"rope_theta",
	"rms_norm_eps",
	"tie_word_embeddings",
	"mlp_bias",
	"use_sliding_window",
	"attention_bias",
	"hidden_act",
	"rope_scaling",
	"rope_parameters",
};
static const char *const rope_keys[] = {
	"rope_type",        "type",
	"factor",           "low_freq_factor",
	"high_freq_factor", "original_max_position_embeddings",
	"rope_theta",
};

/* Refuse a key of keys (n) that o has twice: Python's json keeps the last
 * value and cJSON finds the first, so the file would mean two things. */
static int keys_once(const cJSON *o, const char *const *keys, size_t n, char *err)
{
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (const cJSON *c = o->child; c; c = c->next)
			seen += c->string && strcmp(c->string, keys[i]) == 0;
		if (seen > 1) {
			util_err(err, "invalid config.json: key '%s' given twice", keys[i]);
			return MENTOR_EUSAGE;
		}
	}
	return 0;
}

/* An optional integer key: absent (or null when nullable) leaves *out; a
 * number must be integral and fit an int. */
static int json_int(const cJSON *o, const char *key, int nullable, int *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || (nullable && cJSON_IsNull(v)))
		return 0;
	double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!(d == floor(d) && d >= -2147483647.0 && d <= 2147483647.0)) {
		util_err(err, "invalid config.json: '%s' must be an integer", key);
		return MENTOR_EUSAGE;
	}
	*out = (int)d;
	return 0;
}

static int json_num(const cJSON *o, const char *key, double *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		util_err(err, "invalid config.json: '%s' must be a number", key);
		return MENTOR_EUSAGE;
	}
	*out = v->valuedouble;
	return 0;
}

static int json_bool(const cJSON *o, const char *key, int *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsBool(v)) {
		util_err(err, "invalid config.json: '%s' must be true or false", key);
		return MENTOR_EUSAGE;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A key that must be present in a rope_scaling object. */
static int rope_num(const cJSON *rs, const char *key, double *out, char *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(rs, key)) {
		util_err(err, "invalid config.json: rope_scaling lacks '%s'", key);
		return MENTOR_EUSAGE;
	}
	return json_num(rs, key, out, err);
}

/* rope_scaling (transformers 4) or rope_parameters (5) into cfg. */
static int parse_rope(const cJSON *root, struct llama_config *c, char *err)
{
	const char *key = "rope_parameters";
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!rs || cJSON_IsNull(rs)) {
		key = "rope_scaling";
		rs = cJSON_GetObjectItemCaseSensitive(root, key);
	}
	if (!rs || cJSON_IsNull(rs))
		return 0;
	if (!cJSON_IsObject(rs)) {
		util_err(err, "invalid config.json: '%s' must be an object or null", key);
		return MENTOR_EUSAGE;
	}
	if (keys_once(rs, rope_keys, sizeof rope_keys / sizeof rope_keys[0], err) ||
	    json_num(rs, "rope_theta", &c->rope_theta, err))
		return MENTOR_EUSAGE;
	const cJSON *ty = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
	if (!ty)
		ty = cJSON_GetObjectItemCaseSensitive(rs, "type");
	if (!ty) {
		util_err(err, "invalid config.json: '%s' has no 'rope_type'", key);
		return MENTOR_EUSAGE;
	}
	if (!cJSON_IsString(ty)) {
		util_err(err, "invalid config.json: '%s' type must be a string", key);
		return MENTOR_EUSAGE;
	}
	if (strcmp(ty->valuestring, "default") == 0)
		return 0;
	if (strcmp(ty->valuestring, "linear") == 0) {
		c->rope_type = LLAMA_ROPE_LINEAR;
		return rope_num(rs, "factor", &c->rope_factor, err);
	}
	if (strcmp(ty->valuestring, "llama3") == 0) {
		c->rope_type = LLAMA_ROPE_LLAMA3;
		double orig = 0.0;
		if (rope_num(rs, "factor", &c->rope_factor, err) ||
		    rope_num(rs, "low_freq_factor", &c->rope_low_freq_factor, err) ||
		    rope_num(rs, "high_freq_factor", &c->rope_high_freq_factor, err) ||
		    rope_num(rs, "original_max_position_embeddings", &orig, err))
			return MENTOR_EUSAGE;
		if (!(orig == floor(orig) && orig >= 1.0 && orig <= LLAMA_MAX_CTX)) {
			util_err(err,
				 "invalid config.json: rope_scaling "
				 "'original_max_position_embeddings' must be an integer "
				 "in 1..%d",
				 LLAMA_MAX_CTX);
			return MENTOR_EUSAGE;
		}
		c->rope_original_max_pos = (int)orig;
		return 0;
	}
	char shown[200];
	show_value(ty->valuestring, shown, sizeof shown);
	util_err(err,
		 "unsupported rope scaling type '%s': mentor computes default, linear "
		 "and llama3",
		 shown);
	return MENTOR_EUSAGE;
}

#define UNSET INT_MIN

int llama_config_from_json(const char *text, size_t n, struct llama_config *cfg, char *err)
{
	if (!text || n > LLAMA_MAX_CONFIG_BYTES) {
		util_err(err, "invalid config.json: %s", text ? "larger than 1 MiB" : "no text");
		return MENTOR_EUSAGE;
	}
	cJSON *root = cJSON_ParseWithLength(text, n);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		util_err(err, "invalid config.json: not a JSON object");
		return MENTOR_EUSAGE;
	}
	int rc = MENTOR_EUSAGE;
	struct llama_config c;
	memset(&c, 0, sizeof c);
	if (keys_once(root, top_keys, sizeof top_keys / sizeof top_keys[0], err))
		goto out_delete;
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
	if (!cJSON_IsString(mt)) {
		util_err(err, "invalid config.json: no 'model_type' string");
		goto out_delete;
	}
	/* defaults of transformers' LlamaConfig, Qwen2Config, Qwen3Config;
	 * UNSET stands for the ones computed from others after reading */
	if (strcmp(mt->valuestring, "llama") == 0) {
		c.family = LLAMA_FAMILY_LLAMA;
		c.vocab_size = 32000, c.hidden_size = 4096, c.intermediate_size = 11008;
		c.n_layer = 32, c.n_head = 32, c.max_seq_len = 2048;
		c.n_kv_head = c.head_dim = UNSET;
	} else if (strcmp(mt->valuestring, "qwen2") == 0 || strcmp(mt->valuestring, "qwen3") == 0) {
		int q3 = mt->valuestring[4] == '3';
		c.family = q3 ? LLAMA_FAMILY_QWEN3 : LLAMA_FAMILY_QWEN2;
		c.vocab_size = 151936, c.hidden_size = 4096, c.intermediate_size = 22016;
		c.n_layer = 32, c.n_head = 32, c.n_kv_head = 32, c.max_seq_len = 32768;
		c.head_dim = q3 ? 128 : UNSET;
		c.attention_bias = !q3; /* Qwen2's q, k, v always have biases */
		c.qk_norm = q3;
	} else {
		char shown[200];
		show_value(mt->valuestring, shown, sizeof shown);
		util_err(err, "unsupported model_type '%s': mentor reads llama, qwen2 and qwen3",
			 shown);
		goto out_delete;
	}
	c.rope_theta = 10000.0;
	c.rms_norm_eps = 1e-6;
	c.rope_type = LLAMA_ROPE_DEFAULT;
	c.rope_factor = 1.0;
	int mlp_bias = 0, sliding = 0;
	if (json_int(root, "vocab_size", 0, &c.vocab_size, err) ||
	    json_int(root, "hidden_size", 0, &c.hidden_size, err) ||
	    json_int(root, "intermediate_size", 0, &c.intermediate_size, err) ||
	    json_int(root, "num_hidden_layers", 0, &c.n_layer, err) ||
	    json_int(root, "num_attention_heads", 0, &c.n_head, err) ||
	    json_int(root, "num_key_value_heads", 1, &c.n_kv_head, err) ||
	    json_int(root, "head_dim", 1, &c.head_dim, err) ||
	    json_int(root, "max_position_embeddings", 0, &c.max_seq_len, err) ||
	    json_num(root, "rope_theta", &c.rope_theta, err) ||
	    json_num(root, "rms_norm_eps", &c.rms_norm_eps, err) ||
	    json_bool(root, "tie_word_embeddings", &c.tie_word_embeddings, err) ||
	    json_bool(root, "mlp_bias", &mlp_bias, err) ||
	    json_bool(root, "use_sliding_window", &sliding, err) ||
	    (c.family != LLAMA_FAMILY_QWEN2 &&
	     json_bool(root, "attention_bias", &c.attention_bias, err)) ||
	    parse_rope(root, &c, err))
		goto out_delete;
	/* a null num_key_value_heads or head_dim means the defaults, as absent */
	if (c.n_kv_head == UNSET)
		c.n_kv_head = c.n_head;
	if (c.head_dim == UNSET)
		c.head_dim = c.n_head > 0 ? c.hidden_size / c.n_head : 0;
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
	if (act && (!cJSON_IsString(act) || strcmp(act->valuestring, "silu") != 0)) {
		util_err(err, "unsupported config.json: 'hidden_act' must be \"silu\"");
		goto out_delete;
	}
	if (mlp_bias) {
		util_err(err, "unsupported config.json: 'mlp_bias' true (MLP biases)");
		goto out_delete;
	}
	if (sliding) {
		util_err(err, "unsupported config.json: 'use_sliding_window' true");
		goto out_delete;
	}
	rc = llama_config_check(&c, err);
	if (!rc)
		*cfg = c;
out_delete:
	cJSON_Delete(root);
	return rc;
}
