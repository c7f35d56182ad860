/* llama_config_from_json and llama_config_check: the config.json texts of
 * SmolLM2-135M, Qwen2.5-0.5B and Qwen3-0.6B (sizes against their published
 * parameter counts), transformers' defaults per model_type, RoPE scaling
 * forms, and hostile texts: every truncation, wrong types, zero, negative
 * and huge sizes, heads that do not divide, unknown types, deep nesting. */
#include "mentor/llama.h"

#include "test.h"

static const char smollm2[] =
	"{\"architectures\": [\"LlamaForCausalLM\"], \"attention_bias\": false,"
	" \"attention_dropout\": 0.0, \"bos_token_id\": 0, \"eos_token_id\": 0,"
	" \"hidden_act\": \"silu\", \"hidden_size\": 576, \"initializer_range\": 0.041666666666666664,"
	" \"intermediate_size\": 1536, \"is_llama_config\": true, \"max_position_embeddings\": 8192,"
	" \"model_type\": \"llama\", \"num_attention_heads\": 9, \"num_hidden_layers\": 30,"
	" \"num_key_value_heads\": 3, \"pretraining_tp\": 1, \"rms_norm_eps\": 1e-05,"
	" \"rope_interleaved\": false, \"rope_scaling\": null, \"rope_theta\": 100000,"
	" \"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\","
	" \"transformers_version\": \"4.42.3\", \"use_cache\": true, \"vocab_size\": 49152}";

static const char qwen25[] =
	"{\"architectures\": [\"Qwen2ForCausalLM\"], \"attention_dropout\": 0.0,"
	" \"bos_token_id\": 151643, \"eos_token_id\": 151643, \"hidden_act\": \"silu\","
	" \"hidden_size\": 896, \"initializer_range\": 0.02, \"intermediate_size\": 4864,"
	" \"max_position_embeddings\": 32768, \"max_window_layers\": 24, \"model_type\": \"qwen2\","
	" \"num_attention_heads\": 14, \"num_hidden_layers\": 24, \"num_key_value_heads\": 2,"
	" \"rms_norm_eps\": 1e-06, \"rope_theta\": 1000000.0, \"sliding_window\": 32768,"
	" \"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\", \"use_cache\": true,"
	" \"use_sliding_window\": false, \"vocab_size\": 151936}";

static const char qwen3[] =
	"{\"architectures\": [\"Qwen3ForCausalLM\"], \"attention_bias\": false,"
	" \"attention_dropout\": 0.0, \"bos_token_id\": 151643, \"eos_token_id\": 151645,"
	" \"head_dim\": 128, \"hidden_act\": \"silu\", \"hidden_size\": 1024,"
	" \"initializer_range\": 0.02, \"intermediate_size\": 3072,"
	" \"max_position_embeddings\": 40960, \"max_window_layers\": 28, \"model_type\": \"qwen3\","
	" \"num_attention_heads\": 16, \"num_hidden_layers\": 28, \"num_key_value_heads\": 8,"
	" \"rms_norm_eps\": 1e-06, \"rope_scaling\": null, \"rope_theta\": 1000000,"
	" \"sliding_window\": null, \"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\","
	" \"use_cache\": true, \"use_sliding_window\": false, \"vocab_size\": 151936}";

static int parse(const char *js, struct llama_config *c, char *err)
{
	return llama_config_from_json(js, strlen(js), c, err);
}

static void test_real_configs(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c;
	CHECK_INT(parse(smollm2, &c, err), 0);
	CHECK_INT(c.family, LLAMA_FAMILY_LLAMA);
	CHECK(c.hidden_size == 576 && c.n_head == 9 && c.n_kv_head == 3 && c.head_dim == 64);
	CHECK(c.rope_theta == 100000.0 && c.rms_norm_eps == 1e-5 && c.tie_word_embeddings);
	CHECK(!c.attention_bias && !c.qk_norm && c.rope_type == LLAMA_ROPE_DEFAULT);
	CHECK_INT(llama_config_num_params(&c), 134515008); /* SmolLM2-135M */
	CHECK_INT(parse(qwen25, &c, err), 0);
	CHECK_INT(c.family, LLAMA_FAMILY_QWEN2);
	CHECK(c.attention_bias && !c.qk_norm && c.head_dim == 64);
	CHECK_INT(llama_config_num_params(&c), 494032768); /* Qwen2.5-0.5B */
	CHECK_INT(parse(qwen3, &c, err), 0);
	CHECK_INT(c.family, LLAMA_FAMILY_QWEN3);
	CHECK(!c.attention_bias && c.qk_norm && c.head_dim == 128 && c.max_seq_len == 40960);
	CHECK_INT(llama_config_num_params(&c), 596049920); /* Qwen3-0.6B */
	/* a length shorter than the text reads only that much: truncated */
	CHECK_INT(llama_config_from_json(qwen3, sizeof qwen3 - 2, &c, err), MENTOR_EUSAGE);
	/* every truncation of a good text is refused, none crashes */
	for (size_t n = 0; n < sizeof smollm2 - 1; n++)
		CHECK_INT(llama_config_from_json(smollm2, n, &c, err), MENTOR_EUSAGE);
}

/* Small sizes with the rest left to the defaults. */
static void test_defaults(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c;
	const char *l = "{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":96,"
			"\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100}";
	CHECK_INT(parse(l, &c, err), 0);
	/* LlamaConfig: kv heads = heads, head_dim = hidden / heads, 2048
	 * positions, theta 1e4, eps 1e-6, separate head, no biases */
	CHECK(c.n_kv_head == 4 && c.head_dim == 16 && c.max_seq_len == 2048);
	CHECK(c.rope_theta == 10000.0 && c.rms_norm_eps == 1e-6);
	CHECK(!c.tie_word_embeddings && !c.attention_bias && !c.qk_norm);
	const char *ln = "{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":96,"
			 "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100,"
			 "\"num_key_value_heads\":null,\"head_dim\":null,\"attention_bias\":true}";
	CHECK_INT(parse(ln, &c, err), 0);
	CHECK(c.n_kv_head == 4 && c.head_dim == 16 && c.attention_bias);
	/* Qwen2Config: 32 kv heads by default, 32768 positions, biases always */
	const char *q2 = "{\"model_type\":\"qwen2\",\"hidden_size\":128,\"intermediate_size\":96,"
			 "\"num_hidden_layers\":2,\"num_attention_heads\":64,\"vocab_size\":100,"
			 "\"attention_bias\":false}";
	CHECK_INT(parse(q2, &c, err), 0);
	CHECK(c.n_kv_head == 32 && c.head_dim == 2 && c.max_seq_len == 32768 && c.attention_bias);
	const char *q2b = "{\"model_type\":\"qwen2\",\"hidden_size\":64,\"intermediate_size\":96,"
			  "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100}";
	CHECK_INT(parse(q2b, &c, err), MENTOR_EUSAGE); /* 32 kv heads do not divide 4 */
	CHECK(strstr(err, "num_key_value_heads") != NULL);
	/* Qwen3Config: head_dim 128 whatever the width, q/k norms */
	const char *q3 = "{\"model_type\":\"qwen3\",\"hidden_size\":64,\"intermediate_size\":96,"
			 "\"num_hidden_layers\":2,\"num_attention_heads\":4,"
			 "\"num_key_value_heads\":2,\"vocab_size\":100}";
	CHECK_INT(parse(q3, &c, err), 0);
	CHECK(c.head_dim == 128 && c.qk_norm && !c.attention_bias && c.n_kv_head == 2);
	/* whole defaults: LlamaConfig is Llama-2-7B's shape (6.7G parameters) */
	CHECK_INT(parse("{\"model_type\":\"llama\"}", &c, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "parameters") != NULL);
}

static void test_rope_forms(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c;
	char js[1024];
	const char *head = "{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":96,"
			   "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100,";
	snprintf(js, sizeof js,
		 "%s\"rope_theta\":500000.0,\"rope_scaling\":{\"factor\":32.0,"
		 "\"high_freq_factor\":4.0,\"low_freq_factor\":1.0,"
		 "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"}}",
		 head);
	CHECK_INT(parse(js, &c, err), 0);
	CHECK(c.rope_type == LLAMA_ROPE_LLAMA3 && c.rope_factor == 32.0 &&
	      c.rope_theta == 500000.0);
	CHECK(c.rope_low_freq_factor == 1.0 && c.rope_high_freq_factor == 4.0);
	CHECK_INT(c.rope_original_max_pos, 8192);
	snprintf(js, sizeof js, "%s\"rope_scaling\":{\"type\":\"linear\",\"factor\":2}}", head);
	CHECK_INT(parse(js, &c, err), 0);
	CHECK(c.rope_type == LLAMA_ROPE_LINEAR && c.rope_factor == 2.0);
	snprintf(js, sizeof js, "%s\"rope_scaling\":{\"rope_type\":\"default\"}}", head);
	CHECK_INT(parse(js, &c, err), 0);
	CHECK_INT(c.rope_type, LLAMA_ROPE_DEFAULT);
	/* transformers 5 writes rope_parameters with the theta inside */
	snprintf(js, sizeof js,
		 "%s\"rope_parameters\":{\"rope_type\":\"default\","
		 "\"rope_theta\":250000}}",
		 head);
	CHECK_INT(parse(js, &c, err), 0);
	CHECK(c.rope_type == LLAMA_ROPE_DEFAULT && c.rope_theta == 250000.0);

	const struct {
		const char *tail, *want;
	} bad[] = {
		{"\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}", "yarn"},
		{"\"rope_scaling\":{\"rope_type\":\"dynamic\",\"factor\":4}}", "dynamic"},
		{"\"rope_scaling\":{\"rope_type\":\"\\u001b[2Jx\"}}", "\\x1b[2Jx"},
		{"\"rope_scaling\":{\"factor\":4}}", "rope_type"},
		{"\"rope_scaling\":{\"rope_type\":7}}", "string"},
		{"\"rope_scaling\":\"linear\"}", "object"},
		{"\"rope_scaling\":{\"rope_type\":\"linear\"}}", "factor"},
		{"\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":\"2\"}}", "factor"},
		{"\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":0.5}}", "factor"},
		{"\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":1,"
		 "\"high_freq_factor\":4}}",
		 "original_max_position_embeddings"},
		{"\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":4,"
		 "\"high_freq_factor\":4,\"original_max_position_embeddings\":8192}}",
		 "low_freq_factor"},
		{"\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":1,"
		 "\"high_freq_factor\":4,\"original_max_position_embeddings\":8192.5}}",
		 "original_max_position_embeddings"},
		{"\"rope_theta\":1}", "rope_theta"},
		{"\"rope_theta\":\"10000\"}", "rope_theta"},
		{"\"rope_theta\":-5}", "rope_theta"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(js, sizeof js, "%s%s", head, bad[i].tail);
		err[0] = 0;
		CHECK_INT(parse(js, &c, err), MENTOR_EUSAGE);
		CHECK_MSG(strstr(err, bad[i].want) != NULL, "case %zu: %s", i, err);
		CHECK(strchr(err, 0x1b) == NULL);
	}
}

/* fmt with its %s replaced by a small good config's keys (num_key_value_heads
 * 2 for Qwen2's sake) where the one named at the start of over (key":value)
 * is given by over instead; with no %s, fmt alone. */
static void config_text(char *out, size_t n, const char *fmt, const char *over)
{
	static const char *const keys[] = {"hidden_size\":64",      "intermediate_size\":96",
					   "num_hidden_layers\":2", "num_attention_heads\":4",
					   "vocab_size\":100",      "num_key_value_heads\":2"};
	char body[512] = "";
	size_t k = 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t kl = strcspn(keys[i], "\"");
		if (over && strncmp(over, keys[i], kl + 1) == 0)
			continue;
		k += (size_t)snprintf(body + k, sizeof body - k, "%s\"%s", k ? "," : "", keys[i]);
	}
	if (over && *over)
		snprintf(body + k, sizeof body - k, ",\"%s", over);
	if (strstr(fmt, "%s"))
		snprintf(out, n, fmt, body);
	else
		snprintf(out, n, "%s", fmt);
}

static void test_hostile(void)
{
	char err[MENTOR_ERR_LEN];
	struct llama_config c;
	memset(&c, 0x5a, sizeof c);
	struct llama_config keep = c;
	const struct {
		const char *js, *key, *want;
	} bad[] = {
		{"", NULL, "JSON object"},
		{"null", NULL, "JSON object"},
		{"[1,2]", NULL, "JSON object"},
		{"{\"model_type\":\"llama\"", NULL, "JSON object"},
		{"{}", NULL, "model_type"},
		{"{\"model_type\":3}", NULL, "model_type"},
		{"{\"model_type\":\"gpt2\"}", NULL, "unsupported model_type 'gpt2'"},
		{"{\"model_type\":\"mistral\"}", NULL, "mistral"},
		{"{\"model_type\":\"ll\\u001b]0;x\\u0007ama\"}", NULL, "\\x1b]0;x\\x07"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":\"64\"", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":64.5", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":true", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":1e300", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":0", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":-64", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "hidden_size\":null", "hidden_size"},
		{"{\"model_type\":\"llama\",%s}", "vocab_size\":1000000000", "vocab_size"},
		{"{\"model_type\":\"llama\",%s}", "num_hidden_layers\":100000",
		 "num_hidden_layers"},
		{"{\"model_type\":\"llama\",%s}", "intermediate_size\":-1", "intermediate_size"},
		{"{\"model_type\":\"llama\",%s}", "max_position_embeddings\":0",
		 "max_position_embeddings"},
		{"{\"model_type\":\"llama\",%s}", "num_attention_heads\":0", "num_attention_heads"},
		{"{\"model_type\":\"llama\",%s}", "num_key_value_heads\":3", "num_key_value_heads"},
		{"{\"model_type\":\"llama\",%s}", "num_key_value_heads\":8", "num_key_value_heads"},
		{"{\"model_type\":\"llama\",%s}", "num_key_value_heads\":0", "num_key_value_heads"},
		{"{\"model_type\":\"llama\",%s}", "num_key_value_heads\":-2147483648",
		 "num_key_value_heads"},
		{"{\"model_type\":\"llama\",%s}", "head_dim\":15", "head_dim"},
		{"{\"model_type\":\"llama\",%s}", "head_dim\":100000", "head_dim"},
		{"{\"model_type\":\"llama\",%s}", "rms_norm_eps\":0", "rms_norm_eps"},
		{"{\"model_type\":\"llama\",%s}", "rms_norm_eps\":[1e-6]", "rms_norm_eps"},
		{"{\"model_type\":\"llama\",%s}", "tie_word_embeddings\":1", "tie_word_embeddings"},
		{"{\"model_type\":\"llama\",%s}", "attention_bias\":\"yes\"", "attention_bias"},
		{"{\"model_type\":\"llama\",%s}", "hidden_act\":\"gelu\"", "hidden_act"},
		{"{\"model_type\":\"llama\",%s}", "hidden_act\":null", "hidden_act"},
		{"{\"model_type\":\"llama\",%s}", "mlp_bias\":true", "mlp_bias"},
		{"{\"model_type\":\"qwen2\",%s}", "use_sliding_window\":true",
		 "use_sliding_window"},
		/* a key given twice (Python's json keeps the last, cJSON the first) */
		{"{\"model_type\":\"llama\",%s}", "vocab_size\":100,\"vocab_size\":200", "twice"},
		{"{\"model_type\":\"llama\",\"model_type\":\"qwen3\",%s}", "", "twice"},
		/* each size fine alone, the product over the parameter limit */
		{"{\"model_type\":\"llama\",\"hidden_size\":16384,\"intermediate_size\":131072,"
		 "\"num_hidden_layers\":256,\"num_attention_heads\":128,\"vocab_size\":262144}",
		 NULL, "parameters"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char js[1024];
		config_text(js, sizeof js, bad[i].js, bad[i].key);
		err[0] = 0;
		CHECK_INT(parse(js, &c, err), MENTOR_EUSAGE);
		CHECK_MSG(strstr(err, bad[i].want) != NULL, "case %zu: %s", i, err);
		CHECK(strchr(err, 0x1b) == NULL && strchr(err, 0x07) == NULL);
		CHECK(memcmp(&c, &keep, sizeof c) == 0); /* nothing written on error */
	}
	/* NULL text, and a text over the 1 MiB cap (refused before parsing) */
	CHECK_INT(llama_config_from_json(NULL, 0, &c, err), MENTOR_EUSAGE);
	CHECK_INT(llama_config_from_json(smollm2, (size_t)LLAMA_MAX_CONFIG_BYTES + 1, &c, err),
		  MENTOR_EUSAGE);
	CHECK(strstr(err, "1 MiB") != NULL);
	/* deep nesting stops in the parser, not the stack */
	size_t depth = 200000;
	char *deep = malloc(2 * depth + 64);
	if (!deep)
		TEST_SETUP_FAIL("out of memory");
	size_t k = (size_t)snprintf(deep, 64, "{\"model_type\":\"llama\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[k++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[k++] = ']';
	deep[k++] = '}';
	CHECK_INT(llama_config_from_json(deep, k, &c, err), MENTOR_EUSAGE);
	free(deep);
	/* llama_config_check alone */
	CHECK_INT(llama_config_check(NULL, err), MENTOR_EUSAGE);
	CHECK_INT(parse(smollm2, &c, err), 0);
	struct llama_config d = c;
	d.family = 7;
	CHECK_INT(llama_config_check(&d, err), MENTOR_EUSAGE);
	d = c, d.rope_type = 9;
	CHECK_INT(llama_config_check(&d, err), MENTOR_EUSAGE);
	d = c, d.rope_theta = NAN;
	CHECK_INT(llama_config_check(&d, err), MENTOR_EUSAGE);
	d = c, d.rms_norm_eps = INFINITY;
	CHECK_INT(llama_config_check(&d, err), MENTOR_EUSAGE);
	d = c, d.rope_type = LLAMA_ROPE_LINEAR, d.rope_factor = NAN;
	CHECK_INT(llama_config_check(&d, err), MENTOR_EUSAGE);
	struct llama *m = (struct llama *)1;
	d = c, d.n_kv_head = 2;
	CHECK_INT(llama_new(&d, 1, &m, err), MENTOR_EUSAGE);
	CHECK(m == NULL);
}

int main(void)
{
	test_real_configs();
	test_defaults();
	test_rope_forms();
	test_hostile();
	return test_done();
}
