/* test_qwen_tokenizer: Qwen's tokenizer.json (Qwen2/Qwen2.5/Qwen3, in
 * ../shared/tokenizers/qwen3 beside the source tree; skipped when absent)
 * gives the reference ids on every case of
 * tests/modelio/data/qwen_tokenizer_cases.json (written by
 * scripts/qwen_reference_ids.js from @huggingface/tokenizers), read as the
 * file, as its folder and back from a tokenizer image; decoding gives the
 * text's NFC; the added tokens; text that is not UTF-8 round-trips; and
 * 'mentor tokenize' prints the same ids. Prints the load time and the
 * encoding rate in CPU seconds (nothing timed is checked). */
#include <sys/stat.h>
#include <time.h>

#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/unicode.h"
#include "run.h"
#include "test.h"
#include "token_cases.h"

#define QWEN_VOCAB 151643 /* the BPE vocabulary, without added tokens */
#define QWEN_MERGES 151387
#define QWEN_ADDED 26
#define QWEN_EOT 151643 /* <|endoftext|> */

static struct tcase *cases;
static size_t n_cases;

static void check_cases(const struct tokenizer *t, const char *what)
{
	tcase_check(t, cases, n_cases, 1, what);
}

/* The shape of Qwen's vocabulary in mentor's numbering. */
static void check_shape(const struct tokenizer *t)
{
	CHECK_INT(tokenizer_num_merges(t), QWEN_MERGES);
	/* <|endoftext|> is mentor's <|eos|>; the other 25 follow the specials */
	CHECK_INT(tokenizer_vocab_size(t), QWEN_VOCAB + TOKENIZER_N_SPECIAL + QWEN_ADDED - 1);
	CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_QWEN2);
	CHECK_INT(tokenizer_normalizer(t), TOKENIZER_NORM_NFC);
	CHECK_INT(tokenizer_num_added(t), QWEN_ADDED);
	int32_t eos = tokenizer_special(t, TOKENIZER_EOS);
	CHECK_INT(tokenizer_from_file_id(t, QWEN_EOT), eos);
	size_t len;
	const char *p = tokenizer_token(t, eos, &len);
	CHECK(p && len == 13 && !memcmp(p, "<|endoftext|>", 13));
	int32_t im_start = tokenizer_from_file_id(t, 151644),
		think = tokenizer_from_file_id(t, 151667);
	CHECK(im_start >= 0 && tokenizer_is_special(t, im_start));
	CHECK(think >= 0 && !tokenizer_is_special(t, think));
	p = tokenizer_token(t, think, &len);
	CHECK(p && len == 7 && !memcmp(p, "<think>", 7));
	/* mentor's own specials are not in the file */
	CHECK_INT(tokenizer_file_id(t, tokenizer_special(t, TOKENIZER_ANS)), -1);
	CHECK_INT(tokenizer_from_file_id(t, QWEN_EOT + QWEN_ADDED), -1);
	struct tokenizer_added a;
	CHECK_INT(tokenizer_added_get(t, 1, &a), 0);
	CHECK(a.len == 12 && !memcmp(a.text, "<|im_start|>", 12) && a.special && a.id == im_start);
	CHECK_INT(tokenizer_added_get(t, QWEN_ADDED, &a), MENTOR_EUSAGE);
}

/* Bytes that are not UTF-8 (alone, cutting characters, around added
 * tokens) encode to ordinary tokens and decode back as they were. */
static void check_bad_bytes(const struct tokenizer *t)
{
	static const char *const texts[] = {
		"\xff",
		("a\xff"
		 "b"),
		"\xc3(",
		"\xe3\x81",
		"caf\xc3",
		"\xf0\x9f\x98",
		"\xed\xa0\x80 surrogate",
		"\xc0\xaf overlong",
		"\x80\x80\x80\x80 \xfe\xff",
		"<|im_start|>\xff<|im_end|>",
		"\xe6\x97\xa5\xff\xe6\x9c\xac",
		"'\xff 's\xff",
		"e\xcc\x81\xff\xcc\x81",
		"  \xff\n\xff\r\n \xff",
	};
	char err[MENTOR_ERR_LEN];
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t n = strlen(texts[i]);
		struct tokenizer_ids ids;
		struct buf out, nfc;
		tokenizer_ids_init(&ids);
		buf_init(&out);
		buf_init(&nfc);
		CHECK_INT(tokenizer_encode(t, texts[i], n, &ids, err), 0);
		int ok = ids.n > 0;
		for (size_t k = 0; k < ids.n; k++)
			ok &= ids.ids[k] >= 0 && ids.ids[k] < tokenizer_vocab_size(t) &&
			      tokenizer_file_id(t, ids.ids[k]) >= 0;
		CHECK_MSG(ok, "bad bytes %zu: ids out of range", i);
		CHECK_INT(unicode_nfc(texts[i], n, &nfc), 0);
		CHECK_INT(tokenizer_decode(t, ids.ids, ids.n, 0, &out, err), 0);
		CHECK_MSG(out.len == nfc.len && !memcmp(out.data, nfc.data, nfc.len),
			  "bad bytes %zu do not come back", i);
		tokenizer_ids_release(&ids);
		buf_release(&out);
		buf_release(&nfc);
	}
}

/* A version 4 image holds the whole tokenizer. */
static void check_image(const struct tokenizer *t)
{
	char err[MENTOR_ERR_LEN];
	struct buf img;
	buf_init(&img);
	CHECK_INT(tokenizer_save(t, &img, err), 0);
	CHECK(img.len > 36 && img.data[4] == 4);
	struct tokenizer *u = NULL;
	size_t used = 0;
	CHECK_MSG(tokenizer_load(img.data, img.len, &used, &u, err) == 0, "%s", err);
	CHECK_INT(used, img.len);
	if (u) {
		check_shape(u);
		check_cases(u, "image");
		struct buf again;
		buf_init(&again);
		CHECK_INT(tokenizer_save(u, &again, err), 0);
		CHECK(again.len == img.len && !memcmp(again.data, img.data, img.len));
		buf_release(&again);
		tokenizer_free(u);
	}
	buf_release(&img);
}

/* 'mentor tokenize' on every fifth case from standard input (each run
 * loads the 11 MB file), with the file and the folder. */
static void check_cli(const char *dir)
{
	const char *bin = getenv("MENTOR_BIN");
	if (!bin) {
		fprintf(stderr, "MENTOR_BIN not set: CLI part skipped\n");
		return;
	}
	char in[600], cmd[2400];
	snprintf(in, sizeof in, "%s/case.bin", test_tmpdir());
	int bad = 0;
	char file[700];
	snprintf(file, sizeof file, "%s/tokenizer.json", dir);
	for (size_t c = 0; c < n_cases; c += 5) /* the folder and the file, in turn */
		bad += tcase_cli_differs(bin, c % 2 ? dir : file, in, &cases[c]);
	CHECK_MSG(bad == 0, "cli: %d cases differ", bad);
	snprintf(cmd, sizeof cmd, "'%s' tokenize --json '%s' '<|im_start|>user\nこんにちは'", bin,
		 dir);
	int st;
	char *out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	CHECK_MSG(strstr(out, "\"ids\":[151644,872,198,") != NULL, "%s", out);
	CHECK(strstr(out, "\"<|im_start|>\"") != NULL);
	free(out);
}

int main(void)
{
	const char *src = getenv("MENTOR_SOURCE_DIR");
	if (!src)
		TEST_SKIP("MENTOR_SOURCE_DIR not set");
	char dir[600], p[700];
	snprintf(dir, sizeof dir, "%s/../shared/tokenizers/qwen3", src);
	snprintf(p, sizeof p, "%s/tokenizer.json", dir);
	struct stat sb;
	if (stat(p, &sb) != 0)
		TEST_SKIP("no %s (Qwen's tokenizer beside the source tree)", p);
	char cpath[700];
	snprintf(cpath, sizeof cpath, "%s/tests/modelio/data/qwen_tokenizer_cases.json", src);
	cases = tcase_load(cpath, &n_cases);
	CHECK(n_cases >= 60);

	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	clock_t c0 = clock();
	CHECK_MSG(modelio_read_tokenizer(p, &t, err) == 0, "%s", err);
	double load_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
	if (!t)
		return test_done();
	check_shape(t);
	check_cases(t, "tokenizer.json");
	check_bad_bytes(t);
	check_image(t);

	/* the rate on mixed English and Japanese text, some 1 MB */
	struct buf all;
	buf_init(&all);
	while (all.len < ((size_t)1 << 20))
		for (size_t c = 0; c < n_cases; c++)
			if (strstr(cases[c].name, "english") || strstr(cases[c].name, "japanese"))
				buf_append(&all, cases[c].bytes, cases[c].len);
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	c0 = clock();
	CHECK_INT(tokenizer_encode(t, all.data, all.len, &ids, err), 0);
	double enc_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
	fprintf(stderr,
		"loaded Qwen's tokenizer.json in %.3f CPU s; encoded %zu bytes of "
		"English and Japanese into %zu tokens in %.3f CPU s (%.2f MB/s)\n",
		load_s, all.len, ids.n, enc_s, (double)all.len / 1e6 / enc_s);
	tokenizer_ids_release(&ids);
	buf_release(&all);
	tokenizer_free(t);

	/* the folder */
	t = NULL;
	CHECK_MSG(modelio_read_tokenizer(dir, &t, err) == 0, "%s", err);
	if (t) {
		check_shape(t);
		check_cases(t, "the folder");
		tokenizer_free(t);
	}
	check_cli(dir);
	tcase_free(cases, n_cases);
	return test_done();
}
