/* tokenizer: training on English and Japanese text, exact round trips of any
 * bytes, special tokens never produced by text, determinism, and save/load
 * meeting truncated, corrupt and hostile images. */
#include "mentor/tokenizer.h"

#include "test.h"

static const char *corpus[] = {
	"Q: Tom has 3 apples and buys 12 more. How many apples does he have?",
	"A: 3 + 12 = 15. The answer is 15.",
	"The cat sat on the mat. The cat is happy because the mat is warm.",
	"If a train travels 60 miles in 2 hours, its speed is 30 miles per hour.",
	"質問：りんごが3個あります。2個食べると残りは何個ですか？",
	"答え：3 - 2 = 1。答えは1個です。",
	"猫はマットの上に座っています。猫は幸せです。",
	"  indented line\n\nwith blank lines\tand tabs  \n",
	"Don't stop believing; it's what we'll do, isn't it?",
	"numbers: 1234567890 3.14159 -42 1,000,000",
};

static struct tokenizer *train(size_t vocab, int reps)
{
	enum { NC = sizeof corpus / sizeof corpus[0] };
	const char *texts[NC * 20];
	size_t lens[NC * 20];
	size_t n = 0;
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < NC; i++) {
			texts[n] = corpus[i];
			lens[n] = strlen(corpus[i]);
			n++;
		}
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t;
	if (tokenizer_train(texts, lens, n, vocab, &t, err))
		TEST_SETUP_FAIL("train: %s", err);
	return t;
}

static int round_trip(const struct tokenizer *t, const char *s, size_t n, size_t *ntok)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer_ids ids;
	struct buf out;
	tokenizer_ids_init(&ids);
	buf_init(&out);
	int ok = tokenizer_encode(t, s, n, &ids, err) == 0 &&
		 tokenizer_decode(t, ids.ids, ids.n, 0, &out, err) == 0 && out.len == n &&
		 (n == 0 || memcmp(out.data, s, n) == 0);
	for (size_t i = 0; i < ids.n; i++)
		if (tokenizer_is_special(t, ids.ids[i]) || ids.ids[i] < 0 ||
		    ids.ids[i] >= tokenizer_vocab_size(t))
			ok = 0;
	if (ntok)
		*ntok = ids.n;
	tokenizer_ids_release(&ids);
	buf_release(&out);
	return ok;
}

static void test_basic(void)
{
	struct tokenizer *t = train(400, 3);
	int V = tokenizer_vocab_size(t);
	CHECK(V > 256 + TOKENIZER_N_SPECIAL);
	CHECK(V <= 400);
	CHECK_INT(V, 256 + tokenizer_num_merges(t) + TOKENIZER_N_SPECIAL);
	/* specials follow the merges */
	CHECK_INT(tokenizer_special(t, TOKENIZER_EOS), 256 + tokenizer_num_merges(t));
	CHECK_INT(tokenizer_special(t, TOKENIZER_PAD), 256 + tokenizer_num_merges(t) + 4);
	CHECK_INT(tokenizer_special(t, TOKENIZER_N_SPECIAL), -1);
	CHECK_INT(tokenizer_special(t, -1), -1);
	size_t len;
	const char *s = tokenizer_token(t, tokenizer_special(t, TOKENIZER_SEP), &len);
	CHECK(s && len == 7 && memcmp(s, "<|sep|>", 7) == 0);
	CHECK(tokenizer_token(t, V, &len) == NULL);
	CHECK(tokenizer_token(t, -1, &len) == NULL);
	s = tokenizer_token(t, 'A', &len);
	CHECK(s && len == 1 && s[0] == 'A');
	/* every byte is its own token */
	for (int i = 0; i < 256; i++) {
		s = tokenizer_token(t, i, &len);
		CHECK(len == 1 && (unsigned char)s[0] == i);
	}

	/* every corpus line round-trips and compresses */
	for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		size_t ntok;
		CHECK_MSG(round_trip(t, corpus[i], strlen(corpus[i]), &ntok), "line %zu", i);
		CHECK(ntok < strlen(corpus[i]));
	}
	/* text that looks like a special token is encoded as ordinary bytes */
	char err[MENTOR_ERR_LEN];
	const char *fake = "<|eos|><|ans|><|exp|><|sep|><|pad|> <|eos|>";
	CHECK(round_trip(t, fake, strlen(fake), NULL));

	/* digits are never merged with each other */
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	CHECK_INT(tokenizer_encode(t, "1234567890", 10, &ids, err), 0);
	CHECK_INT(ids.n, 10);
	tokenizer_ids_release(&ids);

	/* decode: specials shown or skipped, bad ids rejected */
	int32_t seq[3] = {'h', tokenizer_special(t, TOKENIZER_EOS), 'i'};
	struct buf out;
	buf_init(&out);
	CHECK_INT(tokenizer_decode(t, seq, 3, 0, &out, err), 0);
	CHECK_STR(out.data, "h<|eos|>i");
	buf_reset(&out);
	CHECK_INT(tokenizer_decode(t, seq, 3, TOKENIZER_DECODE_SKIP_SPECIAL, &out, err), 0);
	CHECK_STR(out.data, "hi");
	seq[1] = V;
	CHECK_INT(tokenizer_decode(t, seq, 3, 0, &out, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "out of range") != NULL);
	seq[1] = -7;
	CHECK_INT(tokenizer_decode(t, seq, 3, 0, &out, err), MENTOR_EUSAGE);
	buf_release(&out);
	tokenizer_free(t);
	tokenizer_free(NULL);
}

static void test_random_bytes(void)
{
	struct tokenizer *t = train(600, 5);
	struct rng r;
	rng_seed(&r, 77);
	char s[300];
	int ok = 1;
	for (int k = 0; k < 300; k++) {
		size_t n = (size_t)rng_below(&r, sizeof s);
		for (size_t i = 0; i < n; i++) {
			/* mix of raw bytes, ASCII and pieces of UTF-8 */
			uint64_t c = rng_below(&r, 4);
			if (c == 0)
				s[i] = (char)rng_below(&r, 256);
			else if (c == 1)
				s[i] = (char)('a' + rng_below(&r, 26));
			else if (c == 2)
				s[i] = " \n\t0123456789.,"[rng_below(&r, 15)];
			else
				s[i] = "\xe3\x81\x82\xe7\x8c\xab\xef\xbc\x9f"[rng_below(&r, 9)];
		}
		ok &= round_trip(t, s, n, NULL);
	}
	CHECK(ok);
	/* long runs: spaces, one letter, one CJK character, NUL bytes */
	static char big[5000];
	memset(big, ' ', sizeof big);
	CHECK(round_trip(t, big, sizeof big, NULL));
	memset(big, 'a', sizeof big);
	CHECK(round_trip(t, big, sizeof big, NULL));
	memset(big, 0, sizeof big);
	CHECK(round_trip(t, big, sizeof big, NULL));
	for (size_t i = 0; i + 3 <= sizeof big; i += 3)
		memcpy(big + i, "\xe7\x8c\xab", 3);
	CHECK(round_trip(t, big, sizeof big - sizeof big % 3, NULL));
	CHECK(round_trip(t, "", 0, NULL));
	tokenizer_free(t);
}

static void test_determinism_and_bounds(void)
{
	struct tokenizer *a = train(500, 4), *b = train(500, 4);
	char err[MENTOR_ERR_LEN];
	struct buf sa, sb;
	buf_init(&sa);
	buf_init(&sb);
	CHECK_INT(tokenizer_save(a, &sa, err), 0);
	CHECK_INT(tokenizer_save(b, &sb, err), 0);
	CHECK(sa.len == sb.len && memcmp(sa.data, sb.data, sa.len) == 0);
	buf_release(&sa);
	buf_release(&sb);
	tokenizer_free(a);
	tokenizer_free(b);

	struct tokenizer *t = (struct tokenizer *)1;
	const char *x = "abc";
	size_t l = 3;
	CHECK_INT(tokenizer_train(&x, &l, 1, 100, &t, err), MENTOR_EUSAGE);
	CHECK(t == NULL);
	CHECK(strstr(err, "vocabulary size") != NULL);
	CHECK_INT(tokenizer_train(&x, &l, 1, TOKENIZER_MAX_VOCAB + 1, &t, err), MENTOR_EUSAGE);
	/* the smallest vocabulary: bytes and specials only */
	CHECK_INT(tokenizer_train(&x, &l, 1, TOKENIZER_MIN_VOCAB, &t, err), 0);
	CHECK_INT(tokenizer_vocab_size(t), TOKENIZER_MIN_VOCAB);
	CHECK(round_trip(t, "hello", 5, NULL));
	tokenizer_free(t);
	/* an empty corpus gives a byte-level tokenizer */
	CHECK_INT(tokenizer_train(NULL, NULL, 0, 0, &t, err), 0);
	CHECK_INT(tokenizer_vocab_size(t), TOKENIZER_MIN_VOCAB);
	tokenizer_free(t);
	/* a pair seen once is not merged; seen twice it is */
	const char *twice[2] = {"xq", "xq"};
	size_t tl[2] = {2, 2};
	CHECK_INT(tokenizer_train(twice, tl, 1, 0, &t, err), 0);
	CHECK_INT(tokenizer_num_merges(t), 0);
	tokenizer_free(t);
	CHECK_INT(tokenizer_train(twice, tl, 2, 0, &t, err), 0);
	CHECK_INT(tokenizer_num_merges(t), 1);
	tokenizer_free(t);
	/* tie-breaking: equal counts merge the smallest pair first */
	const char *tie[2] = {"ba ba", "dc dc"};
	size_t tiel[2] = {5, 5};
	CHECK_INT(tokenizer_train(tie, tiel, 2, 0, &t, err), 0);
	size_t len;
	const char *tok = tokenizer_token(t, 256, &len);
	/* ('b','a') and ('d','c') both occur twice: the smaller pair wins */
	CHECK(len == 2 && memcmp(tok, "ba", 2) == 0);
	tok = tokenizer_token(t, 257, &len);
	CHECK(len == 2 && memcmp(tok, "dc", 2) == 0);
	tokenizer_free(t);
}

static void test_save_load(void)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = train(450, 3), *u;
	struct buf img;
	buf_init(&img);
	buf_puts(&img, "prefix");
	CHECK_INT(tokenizer_save(t, &img, err), 0);
	buf_puts(&img, "trailing data");
	size_t used = 0;
	CHECK_INT(tokenizer_load(img.data + 6, img.len - 6, &used, &u, err), 0);
	CHECK_INT(used, img.len - 6 - 13);
	CHECK_INT(tokenizer_vocab_size(u), tokenizer_vocab_size(t));
	const char *probe = "答えは15個です。 The cat sat.";
	struct tokenizer_ids a, b;
	tokenizer_ids_init(&a);
	tokenizer_ids_init(&b);
	tokenizer_encode(t, probe, strlen(probe), &a, err);
	tokenizer_encode(u, probe, strlen(probe), &b, err);
	CHECK(a.n == b.n && memcmp(a.ids, b.ids, a.n * 4) == 0);
	tokenizer_ids_release(&a);
	tokenizer_ids_release(&b);
	tokenizer_free(u);

	/* files */
	const char *path = test_path("tok.bin");
	CHECK_INT(tokenizer_save_file(t, path, err), 0);
	CHECK_INT(tokenizer_load_file(path, &u, err), 0);
	CHECK_INT(tokenizer_num_merges(u), tokenizer_num_merges(t));
	tokenizer_free(u);
	CHECK_INT(tokenizer_load_file(test_path("missing.bin"), &u, err), MENTOR_ERR);
	CHECK(u == NULL);

	/* every truncation fails cleanly */
	const unsigned char *im = (const unsigned char *)img.data + 6;
	size_t n = used;
	int bad = 0;
	for (size_t k = 0; k < n; k++)
		if (tokenizer_load(im, k, NULL, &u, err) != MENTOR_ERR || u)
			bad++;
	CHECK_INT(bad, 0);
	/* every single flipped byte is caught (magic, header or checksum) */
	unsigned char *copy = malloc(n);
	if (!copy)
		TEST_SETUP_FAIL("out of memory");
	bad = 0;
	for (size_t k = 0; k < n; k++) {
		memcpy(copy, im, n);
		copy[k] ^= 0x5a;
		if (tokenizer_load(copy, n, NULL, &u, err) != MENTOR_ERR) {
			bad++;
			tokenizer_free(u);
		}
	}
	CHECK_INT(bad, 0);

	/* hostile images with a valid checksum: forged by recomputing it */
	struct {
		size_t off;
		uint32_t val;
		const char *msg;
	} forge[] = {
		{4, 99, "version"},
		{8, 0xffffffffu, "vocabulary size"},
		{12, 0x7fffffffu, "vocabulary size"},
		{16, 3, "special"},
		{20, 0x7fffffffu, "later token"}, /* first merge refers to a huge id */
		{24, 300, "later token"},         /* first merge refers to itself */
	};
	for (size_t f = 0; f < sizeof forge / sizeof forge[0]; f++) {
		memcpy(copy, im, n);
		for (int i = 0; i < 4; i++)
			copy[forge[f].off + (size_t)i] = (unsigned char)(forge[f].val >> (8 * i));
		uint64_t h = util_fnv1a(copy, n - 8, 0);
		for (int i = 0; i < 8; i++)
			copy[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
		CHECK_INT(tokenizer_load(copy, n, NULL, &u, err), MENTOR_ERR);
		CHECK_MSG(strstr(err, forge[f].msg) != NULL, "forge %zu: %s", f, err);
	}
	/* a repeated merge */
	if (tokenizer_num_merges(t) >= 2) {
		memcpy(copy, im, n);
		memcpy(copy + 28, copy + 20, 8);
		uint64_t h = util_fnv1a(copy, n - 8, 0);
		for (int i = 0; i < 8; i++)
			copy[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
		CHECK_INT(tokenizer_load(copy, n, NULL, &u, err), MENTOR_ERR);
		CHECK(strstr(err, "repeats") != NULL);
	}
	CHECK_INT(tokenizer_load(NULL, 0, NULL, &u, err), MENTOR_ERR);
	CHECK_INT(tokenizer_load("garbage!garbage!garbage!", 24, NULL, &u, err), MENTOR_ERR);
	CHECK(strstr(err, "magic") != NULL);
	free(copy);
	buf_release(&img);
	tokenizer_free(t);
}

/* A few megabytes of mixed text: the incremental trainer handles it. */
static void test_large_corpus(void)
{
	size_t n = 20000;
	const char **texts = malloc(n * sizeof *texts);
	size_t *lens = malloc(n * sizeof *lens);
	char (*lines)[96] = malloc(n * sizeof *lines);
	if (!texts || !lens || !lines)
		TEST_SETUP_FAIL("out of memory");
	struct rng r;
	rng_seed(&r, 5);
	static const char *words[] = {"apple", "banana", "train", "speed", "hour", "the",
				      "answer", "is", "because", "りんご", "答え", "個", "です",
				      "and", "of", "total", "each", "costs"};
	for (size_t i = 0; i < n; i++) {
		int len = 0;
		while (len < 80) {
			const char *w = words[rng_below(&r, sizeof words / sizeof words[0])];
			int k = snprintf(lines[i] + len, sizeof lines[i] - (size_t)len, " %s %d", w,
					 (int)rng_below(&r, 100));
			if (k < 0 || len + k >= (int)sizeof lines[i])
				break;
			len += k;
		}
		texts[i] = lines[i];
		lens[i] = (size_t)len;
	}
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t;
	CHECK_INT(tokenizer_train(texts, lens, n, 1024, &t, err), 0);
	CHECK(tokenizer_vocab_size(t) > 256 + 40);
	size_t ntok;
	CHECK(round_trip(t, texts[0], lens[0], &ntok));
	CHECK(ntok < lens[0] / 2);
	tokenizer_free(t);
	free(texts);
	free(lens);
	free(lines);
}

int main(void)
{
	test_basic();
	test_random_bytes();
	test_determinism_and_bounds();
	test_save_load();
	test_large_corpus();
	return test_done();
}
