/* test_gpt2_tokenizer: GPT-2's real vocabulary (../shared/tokenizers/gpt2
 * beside the source tree: encoder.json + vocab.bpe; skipped when absent)
 * gives the reference ids on every case of
 * tests/modelio/data/gpt2_tokenizer_cases.json (written by
 * scripts/gpt2_reference_ids.js from the npm package gpt-3-encoder), read
 * through every layout mentor reads it in: OpenAI's pair, vocab.json +
 * merges.txt, tokenizer.json and a GGUF file. Also: the file ids are
 * GPT-2's, encoding is fast, and 'mentor tokenize' prints the same ids for
 * every case, invalid UTF-8 included (through standard input). */
#include <cjson/cJSON.h>
#include <sys/stat.h>

#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "run.h"
#include "test.h"
#include "token_cases.h"

#define GPT2_VOCAB 50257
#define GPT2_MERGES 50000
#define GPT2_EOT 50256

static struct tcase *cases;
static size_t n_cases;

static void load_cases(const char *path)
{
	cases = tcase_load(path, &n_cases);
}

static void check_cases(const struct tokenizer *t, const char *what)
{
	tcase_check(t, cases, n_cases, 0, what);
}

/* GPT-2's bytes_to_unicode order: the printable bytes first, then the rest. */
static int32_t gpt2_byte_id(int b)
{
	int32_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int x = 0; x < 256; x++) {
			int printable = (x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) ||
					(x >= 0xae && x <= 0xff);
			if (printable == !pass) {
				if (x == b)
					return k;
				k++;
			}
		}
	return -1;
}

static void check_mapping(const struct tokenizer *t)
{
	CHECK_INT(tokenizer_vocab_size(t), 256 + GPT2_MERGES + TOKENIZER_N_SPECIAL);
	CHECK_INT(tokenizer_num_merges(t), GPT2_MERGES);
	CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_GPT2);
	CHECK(!tokenizer_file_ids_identity(t));
	int ok = 1;
	for (int b = 0; b < 256; b++)
		ok &= tokenizer_file_id(t, b) == gpt2_byte_id(b) &&
		      tokenizer_from_file_id(t, gpt2_byte_id(b)) == b;
	CHECK_MSG(ok, "byte tokens");
	CHECK_INT(tokenizer_file_id(t, ' '), 220); /* "Ġ" */
	CHECK_INT(tokenizer_file_id(t, '!'), 0);
	CHECK_INT(tokenizer_file_id(t, 0), 188); /* "Ā" */
	ok = 1;
	for (int r = 0; r < GPT2_MERGES; r++)
		ok &= tokenizer_file_id(t, 256 + r) == 256 + r &&
		      tokenizer_from_file_id(t, 256 + r) == 256 + r;
	CHECK_MSG(ok, "merge tokens");
	int32_t eos = tokenizer_special(t, TOKENIZER_EOS);
	CHECK_INT(tokenizer_file_id(t, eos), GPT2_EOT);
	CHECK_INT(tokenizer_from_file_id(t, GPT2_EOT), eos);
	for (int k = 1; k < TOKENIZER_N_SPECIAL; k++)
		CHECK_INT(tokenizer_file_id(t, tokenizer_special(t, k)), -1);
	CHECK_INT(tokenizer_from_file_id(t, GPT2_VOCAB), -1);
	size_t len;
	const char *s = tokenizer_token(t, tokenizer_from_file_id(t, 15496), &len);
	CHECK(s && len == 5 && !memcmp(s, "Hello", 5));
}

/* The vocabulary by id (encoder.json's object), as heap strings. */
static char **vocab_by_id(const char *dir)
{
	char p[700], err[MENTOR_ERR_LEN];
	snprintf(p, sizeof p, "%s/encoder.json", dir);
	size_t n;
	char *txt = util_read_file(p, (size_t)16 << 20, &n, err);
	if (!txt)
		TEST_SETUP_FAIL("%s", err);
	cJSON *j = cJSON_ParseWithLength(txt, n);
	free(txt);
	char **tok = calloc(GPT2_VOCAB, sizeof *tok);
	const cJSON *e;
	cJSON_ArrayForEach(e, j)
	{
		int id = (int)e->valuedouble;
		if (id < 0 || id >= GPT2_VOCAB || tok[id])
			TEST_SETUP_FAIL("encoder.json: bad id %d", id);
		tok[id] = strdup(e->string);
	}
	cJSON_Delete(j);
	for (int i = 0; i < GPT2_VOCAB; i++)
		if (!tok[i])
			TEST_SETUP_FAIL("encoder.json: no token %d", i);
	return tok;
}

/* vocab.bpe's merge lines (without the version line), as heap strings. */
static char **merge_lines(const char *dir, size_t *n_out)
{
	char p[700], err[MENTOR_ERR_LEN];
	snprintf(p, sizeof p, "%s/vocab.bpe", dir);
	size_t n;
	char *txt = util_read_file(p, (size_t)16 << 20, &n, err);
	if (!txt)
		TEST_SETUP_FAIL("%s", err);
	char **m = calloc(GPT2_MERGES + 1, sizeof *m);
	size_t k = 0;
	char *line = strchr(txt, '\n');
	while (line && line[1] && k < GPT2_MERGES) {
		char *end = strchr(line + 1, '\n');
		m[k++] = util_strndup(line + 1, end ? (size_t)(end - line - 1) : strlen(line + 1));
		line = end;
	}
	free(txt);
	if (k != GPT2_MERGES)
		TEST_SETUP_FAIL("vocab.bpe: %zu merges", k);
	*n_out = k;
	return m;
}

static void gg_u32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf_putc(b, (int)((v >> (8 * i)) & 0xff));
}

static void gg_u64(struct buf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		buf_putc(b, (int)((v >> (8 * i)) & 0xff));
}

static void gg_str(struct buf *b, const char *s)
{
	gg_u64(b, strlen(s));
	buf_puts(b, s);
}

/* A GGUF file with GPT-2's vocabulary as llama.cpp's converter writes it
 * (metadata only: a tokenizer needs no tensor). */
static void write_gguf(const char *path, char **tok, char **merges, size_t nm)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "GGUF");
	gg_u32(&b, 3);
	gg_u64(&b, 0); /* tensors */
	gg_u64(&b, 7); /* metadata entries */
	gg_str(&b, "general.architecture");
	gg_u32(&b, 8);
	gg_str(&b, "gpt2");
	gg_str(&b, "tokenizer.ggml.model");
	gg_u32(&b, 8);
	gg_str(&b, "gpt2");
	gg_str(&b, "tokenizer.ggml.pre");
	gg_u32(&b, 8);
	gg_str(&b, "gpt-2");
	gg_str(&b, "tokenizer.ggml.tokens");
	gg_u32(&b, 9);
	gg_u32(&b, 8);
	gg_u64(&b, GPT2_VOCAB);
	for (int i = 0; i < GPT2_VOCAB; i++)
		gg_str(&b, tok[i]);
	gg_str(&b, "tokenizer.ggml.token_type");
	gg_u32(&b, 9);
	gg_u32(&b, 5);
	gg_u64(&b, GPT2_VOCAB);
	for (int i = 0; i < GPT2_VOCAB; i++)
		gg_u32(&b, i == GPT2_EOT ? 3 : 1);
	gg_str(&b, "tokenizer.ggml.merges");
	gg_u32(&b, 9);
	gg_u32(&b, 8);
	gg_u64(&b, nm);
	for (size_t i = 0; i < nm; i++)
		gg_str(&b, merges[i]);
	gg_str(&b, "tokenizer.ggml.eos_token_id");
	gg_u32(&b, 4);
	gg_u32(&b, GPT2_EOT);
	test_write_file(path, b.data, b.len);
	buf_release(&b);
}

/* A Hugging Face tokenizer.json (as GPT2TokenizerFast saves it) and
 * config.json in dir. */
static void write_tokenizer_json(const char *dir, char **tok, char **merges, size_t nm)
{
	cJSON *j = cJSON_CreateObject(), *model = cJSON_CreateObject(),
	      *vocab = cJSON_CreateObject(), *mer = cJSON_CreateArray(),
	      *added = cJSON_CreateArray(), *eot = cJSON_CreateObject(),
	      *pre = cJSON_CreateObject();
	for (int i = 0; i < GPT2_VOCAB; i++)
		cJSON_AddItemToObject(vocab, tok[i], cJSON_CreateNumber(i));
	for (size_t i = 0; i < nm; i++)
		cJSON_AddItemToArray(mer, cJSON_CreateString(merges[i]));
	cJSON_AddStringToObject(model, "type", "BPE");
	cJSON_AddItemToObject(model, "vocab", vocab);
	cJSON_AddItemToObject(model, "merges", mer);
	cJSON_AddNumberToObject(eot, "id", GPT2_EOT);
	cJSON_AddStringToObject(eot, "content", "<|endoftext|>");
	cJSON_AddTrueToObject(eot, "special");
	cJSON_AddItemToArray(added, eot);
	cJSON_AddStringToObject(pre, "type", "ByteLevel");
	cJSON_AddFalseToObject(pre, "add_prefix_space");
	cJSON_AddTrueToObject(pre, "use_regex");
	cJSON_AddStringToObject(j, "version", "1.0");
	cJSON_AddItemToObject(j, "added_tokens", added);
	cJSON_AddItemToObject(j, "pre_tokenizer", pre);
	cJSON_AddItemToObject(j, "model", model);
	char *s = cJSON_PrintUnformatted(j);
	char p[700];
	snprintf(p, sizeof p, "%s/tokenizer.json", dir);
	test_write_file(p, s, strlen(s));
	free(s);
	cJSON_Delete(j);
	const char *cfg = "{\"model_type\": \"gpt2\", \"bos_token_id\": 50256, "
			  "\"eos_token_id\": 50256, \"n_embd\": 768}";
	snprintf(p, sizeof p, "%s/config.json", dir);
	test_write_file(p, cfg, strlen(cfg));
}

/* Read dir (or file) as a tokenizer and check every case and the ids. */
static void check_layout(const char *path, const char *what)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	CHECK_MSG(modelio_read_tokenizer(path, &t, err) == 0, "%s: %s", what, err);
	if (!t)
		return;
	check_mapping(t);
	check_cases(t, what);
	tokenizer_free(t);
}

/* 'mentor tokenize' on every case, the text from standard input; the
 * first few also as an argument and with --json. */
static void check_cli(const char *gpt2_dir)
{
	const char *bin = getenv("MENTOR_BIN");
	if (!bin) {
		fprintf(stderr, "MENTOR_BIN not set: CLI part skipped\n");
		return;
	}
	char in[600], cmd[2400];
	snprintf(in, sizeof in, "%s/case.bin", test_tmpdir());
	int bad = 0;
	for (size_t c = 0; c < n_cases; c++)
		bad += tcase_cli_differs(bin, gpt2_dir, in, &cases[c]);
	CHECK_MSG(bad == 0, "cli: %d cases differ", bad);
	/* as an argument, and the JSON form */
	snprintf(cmd, sizeof cmd, "'%s' tokenize '%s' \"Hello world, it's\"", bin, gpt2_dir);
	int st;
	char *out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	CHECK_STR(out, "15496 995 11 340 338\n");
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' tokenize --json '%s' \"Hello world, it's\"", bin, gpt2_dir);
	out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	CHECK_STR(out, "{\"ids\":[15496,995,11,340,338],"
		       "\"tokens\":[\"Hello\",\" world\",\",\",\" it\",\"'s\"]}\n");
	free(out);
	/* bad bytes, NUL, controls and quotes in tokens come out escaped */
	test_write_file(in, "a\xff\"\\\x1b[0m\x00 \xe2\x80\xae", 13);
	snprintf(cmd, sizeof cmd, "'%s' tokenize '%s' - --json < '%s'", bin, gpt2_dir, in);
	out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	cJSON *j = cJSON_Parse(out);
	CHECK_MSG(j != NULL, "%s", out);
	CHECK(strstr(out, "\\ufffd") && strstr(out, "\\u001b") && strstr(out, "\\u0000") &&
	      strstr(out, "\\\"") && strstr(out, "\\\\"));
	CHECK(!strstr(out, "\xe2\x80\xae")); /* the bidi override's bytes never raw */
	for (const char *p = out; *p; p++)
		CHECK((unsigned char)*p >= 0x20 || *p == '\n');
	const cJSON *ids = cJSON_GetObjectItem(j, "ids"), *toks = cJSON_GetObjectItem(j, "tokens");
	CHECK(cJSON_GetArraySize(ids) > 0 && cJSON_GetArraySize(ids) == cJSON_GetArraySize(toks));
	cJSON_Delete(j);
	free(out);
	/* an empty text gives an empty line; a path is read as one */
	snprintf(cmd, sizeof cmd, "'%s' tokenize '%s/encoder.json' ''", bin, gpt2_dir);
	out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	CHECK_STR(out, "\n");
	free(out);
}

int main(void)
{
	const char *src = getenv("MENTOR_SOURCE_DIR");
	if (!src)
		TEST_SKIP("MENTOR_SOURCE_DIR not set");
	char gpt2[600], p[700];
	snprintf(gpt2, sizeof gpt2, "%s/../shared/tokenizers/gpt2", src);
	snprintf(p, sizeof p, "%s/encoder.json", gpt2);
	struct stat sb;
	if (stat(p, &sb) != 0)
		TEST_SKIP("no %s (GPT-2's vocabulary beside the source tree)", p);
	snprintf(p, sizeof p, "%s/tests/modelio/data/gpt2_tokenizer_cases.json", src);
	load_cases(p);
	int derived = 0;
	for (size_t c = 0; c < n_cases; c++)
		derived += cases[c].source && !strcmp(cases[c].source, "derived");
	CHECK(n_cases >= 60);
	CHECK(derived > 0 && derived < (int)n_cases);

	/* OpenAI's pair as the shared folder holds it */
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	double t0 = util_mono();
	CHECK_MSG(modelio_read_tokenizer(gpt2, &t, err) == 0, "%s", err);
	double load_s = util_mono() - t0;
	if (!t)
		return test_done();
	check_mapping(t);
	check_cases(t, "encoder.json + vocab.bpe");
	/* fast: the whole corpus, some 7 KB, 50 times over */
	struct buf all;
	buf_init(&all);
	for (size_t c = 0; c < n_cases; c++)
		buf_append(&all, cases[c].bytes, cases[c].len);
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	t0 = util_mono();
	for (int k = 0; k < 50; k++) {
		ids.n = 0;
		CHECK_INT(tokenizer_encode(t, all.data, all.len, &ids, err), 0);
	}
	double enc_s = util_mono() - t0;
	fprintf(stderr,
		"loaded GPT-2's vocabulary in %.3f s; encoded %zu bytes x 50 in %.3f s "
		"(%.1f MB/s)\n",
		load_s, all.len, enc_s, (double)all.len * 50 / 1e6 / enc_s);
	CHECK_MSG(load_s < 10.0, "loading took %.2f s", load_s);
	CHECK_MSG(enc_s < 10.0, "encoding took %.2f s", enc_s);
	tokenizer_ids_release(&ids);
	buf_release(&all);
	tokenizer_free(t);
	snprintf(p, sizeof p, "%s/vocab.bpe", gpt2);
	check_layout(p, "a file in the folder");

	/* the same files as vocab.json + merges.txt */
	char dir[600], a[700], b[700];
	snprintf(dir, sizeof dir, "%s/hfpair", test_tmpdir());
	mkdir(dir, 0755);
	snprintf(a, sizeof a, "%s/encoder.json", gpt2);
	snprintf(b, sizeof b, "%s/vocab.json", dir);
	CHECK(symlink(a, b) == 0);
	snprintf(a, sizeof a, "%s/vocab.bpe", gpt2);
	snprintf(b, sizeof b, "%s/merges.txt", dir);
	CHECK(symlink(a, b) == 0);
	check_layout(dir, "vocab.json + merges.txt");

	/* tokenizer.json and config.json, and a GGUF file */
	char **tok = vocab_by_id(gpt2);
	size_t nm;
	char **merges = merge_lines(gpt2, &nm);
	snprintf(dir, sizeof dir, "%s/hffast", test_tmpdir());
	mkdir(dir, 0755);
	write_tokenizer_json(dir, tok, merges, nm);
	/* tokenizer.json's added token "<|endoftext|>" is found in text, as
	 * Hugging Face tokenizers finds it: one id instead of seven */
	struct tcase *eot = NULL;
	for (size_t c = 0; c < n_cases; c++)
		if (cases[c].len >= 13 && !memcmp(cases[c].bytes, "<|endoftext|>", 13))
			eot = &cases[c];
	CHECK(eot && eot->n_ids > 7);
	if (eot) {
		eot->ids[6] = GPT2_EOT;
		eot->ids += 6;
		eot->n_ids -= 6;
	}
	check_layout(dir, "tokenizer.json");
	if (eot) {
		eot->ids -= 6;
		eot->n_ids += 6;
		eot->ids[6] = 29; /* ">" */
	}
	snprintf(p, sizeof p, "%s/gpt2-vocab.gguf", test_tmpdir());
	write_gguf(p, tok, merges, nm);
	check_layout(p, "gguf");
	for (int i = 0; i < GPT2_VOCAB; i++)
		free(tok[i]);
	free(tok);
	for (size_t i = 0; i < nm; i++)
		free(merges[i]);
	free(merges);

	check_cli(gpt2);
	tcase_free(cases, n_cases);
	return test_done();
}
