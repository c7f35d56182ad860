/* test_llama_qwen_vocab: Qwen's real tokenizer.json (../shared/tokenizers/
 * qwen3 beside the source tree; skipped when absent) in a Qwen3-shaped
 * folder of a tiny model with Qwen's 151,936 rows, through
 * modelio_llama_read, GGUF and a Hugging Face folder and back: the token
 * ids (file ids) of English, Japanese, code and the chat markers, the
 * vocabulary's size, pre-tokenizer and normaliser, and the parameters bit
 * for bit. */
#include "mentor/llama.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "test.h"

#define QWEN_ROWS 151936

static const char text[] =
	"<|im_start|>user\nHow many bolts are left? 12 + 30 = 42.<|im_end|>\n"
	"<|im_start|>assistant\n<think>\n\xe3\x83\x9c\xe3\x83\xab\xe3\x83\x88\xe3\x81\xaf"
	"\xef\xbc\x94\xef\xbc\x92\xe6\x9c\xac\xe3\x80\x82</think>\n"
	"def f(x):\n    return x  # caf\xc3\xa9 \xf0\x9f\x98\x80<|endoftext|>";

static void ids_of(const struct modelio_llama *mm, int32_t *out, size_t *n)
{
	struct tokenizer_ids t;
	char err[MENTOR_ERR_LEN];
	tokenizer_ids_init(&t);
	if (tokenizer_encode(mm->tok, text, strlen(text), &t, err))
		TEST_SETUP_FAIL("%s", err);
	*n = t.n < 256 ? t.n : 256;
	for (size_t i = 0; i < *n; i++)
		out[i] = tokenizer_file_id(mm->tok, t.ids[i]);
	tokenizer_ids_release(&t);
}

static void check_same(const struct modelio_llama *a, const struct modelio_llama *b,
		       const char *what)
{
	int32_t x[256], y[256];
	size_t nx, ny;
	ids_of(a, x, &nx);
	ids_of(b, y, &ny);
	CHECK_MSG(nx == ny && nx > 20 && !memcmp(x, y, nx * sizeof *x), "%s: ids differ", what);
	CHECK_INT(tokenizer_vocab_size(a->tok), tokenizer_vocab_size(b->tok));
	CHECK_INT(tokenizer_num_merges(a->tok), tokenizer_num_merges(b->tok));
	CHECK_INT(tokenizer_num_added(a->tok), tokenizer_num_added(b->tok));
	CHECK_INT(tokenizer_pretok(b->tok), TOKENIZER_PRETOK_QWEN2);
	CHECK_INT(tokenizer_normalizer(b->tok), TOKENIZER_NORM_NFC);
	CHECK_INT(tokenizer_file_id(b->tok, tokenizer_special(b->tok, TOKENIZER_EOS)), 151645);
	CHECK_MSG(a->n_params == b->n_params &&
			  !memcmp(a->params, b->params, a->n_params * sizeof(float)),
		  "%s: parameters differ", what);
}

int main(void)
{
	const char *src = getenv("MENTOR_SOURCE_DIR");
	if (!src)
		TEST_SKIP("MENTOR_SOURCE_DIR not set");
	char tj[1024];
	snprintf(tj, sizeof tj, "%s/../shared/tokenizers/qwen3/tokenizer.json", src);
	if (access(tj, R_OK) != 0)
		TEST_SKIP("no %s (Qwen's tokenizer beside the source tree)", tj);
	char err[MENTOR_ERR_LEN], dir[600], p[700];
	snprintf(dir, sizeof dir, "%s/qwen3-tiny", test_tmpdir());
	mkdir(dir, 0755);
	/* a tiny Qwen3 with Qwen's vocabulary rows; eos is <|im_end|> */
	struct llama_config c;
	memset(&c, 0, sizeof c);
	c.family = LLAMA_FAMILY_QWEN3;
	c.vocab_size = QWEN_ROWS, c.hidden_size = 16, c.intermediate_size = 24, c.n_layer = 1;
	c.n_head = 2, c.n_kv_head = 1, c.head_dim = 8, c.max_seq_len = 64;
	c.rope_theta = 1000000, c.rope_factor = 1, c.rms_norm_eps = 1e-6;
	c.qk_norm = 1, c.tie_word_embeddings = 1;
	struct modelio_llama mm, a, b, d;
	modelio_llama_init(&mm);
	mm.cfg = c;
	mm.n_params = llama_config_num_params(&c);
	mm.params = malloc(mm.n_params * sizeof(float));
	for (size_t i = 0; i < mm.n_params; i++)
		mm.params[i] = (float)((i * 2654435761u) % 2001) * 1e-3f - 1.0f;
	/* the tokenizer the folder holds, then the whole folder by mentor */
	snprintf(p, sizeof p, "%s/tokenizer.json", dir);
	size_t len;
	char *txt = util_read_file(tj, (size_t)64 << 20, &len, err);
	if (!txt || util_write_file_atomic(p, txt, len, err))
		TEST_SETUP_FAIL("%s", err);
	free(txt);
	snprintf(p, sizeof p, "%s/config.json", dir);
	const char *cfg = "{\"model_type\": \"qwen3\", \"vocab_size\": 151936, "
			  "\"hidden_size\": 16, \"intermediate_size\": 24, "
			  "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
			  "\"num_key_value_heads\": 1, \"head_dim\": 8, "
			  "\"max_position_embeddings\": 64, \"rope_theta\": 1000000, "
			  "\"rms_norm_eps\": 1e-06, \"tie_word_embeddings\": true, "
			  "\"eos_token_id\": 151645}";
	if (util_write_file_atomic(p, cfg, strlen(cfg), err) ||
	    modelio_read_tokenizer(dir, &mm.tok, err))
		TEST_SETUP_FAIL("%s", err);
	/* the folder with weights: mentor writes it, then it is read back */
	char h1[700], g[700], h2[700];
	snprintf(h1, sizeof h1, "%s/hf1", test_tmpdir());
	snprintf(g, sizeof g, "%s/qwen.gguf", test_tmpdir());
	snprintf(h2, sizeof h2, "%s/hf2", test_tmpdir());
	CHECK_MSG(!modelio_llama_write_hf(&mm, h1, err), "%s", err);
	CHECK_MSG(!modelio_llama_read(h1, &a, err), "%s", err);
	if (!a.params)
		return test_done();
	check_same(&mm, &a, "hf");
	CHECK_MSG(!modelio_llama_write_gguf(&a, g, err), "%s", err);
	CHECK_MSG(!modelio_llama_read(g, &b, err), "%s", err);
	if (b.params) {
		check_same(&mm, &b, "gguf");
		CHECK_MSG(!modelio_llama_write_hf(&b, h2, err), "%s", err);
		CHECK_MSG(!modelio_llama_read(h2, &d, err), "%s", err);
		if (d.params)
			check_same(&mm, &d, "gguf then hf");
		modelio_llama_release(&d);
	}
	modelio_llama_release(&a);
	modelio_llama_release(&b);
	modelio_llama_release(&mm);
	return test_done();
}
