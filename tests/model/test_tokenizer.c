/* tokenizer: training on English and Japanese text, exact round trips of any
 * bytes, special tokens never produced by text, determinism, save/load
 * meeting truncated, corrupt and hostile images, images of older versions
 * encoding as they always did, GPT-2's pre-tokenizer piece by piece (on
 * hostile bytes too), file ids, and the long-piece merge path against a
 * plain one. */
#include "mentor/tokenizer.h"
#include "mentor/unicode.h"

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
	CHECK_INT(im[4], 3); /* version 3: merges from offset 28 */
	struct {
		size_t off;
		uint32_t val;
		const char *msg;
	} forge[] = {
		{4, 99, "version"},
		{4, 0, "version"},
		{8, 0xffffffffu, "vocabulary size"},
		{12, 0x7fffffffu, "vocabulary size"},
		{16, 3, "special"},
		{20, 2, "pre-tokenizer"},
		{20, 0xffffffffu, "pre-tokenizer"},
		{24, 7, "file ids"},
		{24, 0xffffffffu, "file ids"},
		{28, 0x7fffffffu, "later token"}, /* first merge refers to a huge id */
		{32, 300, "later token"},         /* first merge refers to itself */
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
		memcpy(copy + 36, copy + 28, 8);
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
	char(*lines)[96] = malloc(n * sizeof *lines);
	if (!texts || !lens || !lines)
		TEST_SETUP_FAIL("out of memory");
	struct rng r;
	rng_seed(&r, 5);
	static const char *words[] = {"apple",  "banana", "train",   "speed",  "hour", "the",
				      "answer", "is",     "because", "りんご", "答え", "個",
				      "です",   "and",    "of",      "total",  "each", "costs"};
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

/* ---- images of older versions ---- */

/* tests/model/data/mentor_v2.tok: train(450, 3)'s image as mentor wrote it
 * before version 3 (commit b7c5b39). Its encodings of these probes were
 * recorded then: 336 ids with this FNV-1a over their little-endian bytes. */
static const char *const v2_probes[] = {
	"Q: Tom has 3 apples and buys 12 more. How many apples does he have?",
	"答え：3 - 2 = 1。答えは1個です。 The cat sat.",
	"  indented line\n\nwith blank lines\tand tabs  \n",
	"Don't stop believing; it's what we'll do, isn't it? IT'S",
	"numbers: 1234567890 3.14159 -42 1,000,000",
	"\xff\xfe bad \xe3\x81 bytes \xc0\x80 \xed\xa0\x80 end",
	"          many spaces     \t\t\n\n\r\n x",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"emoji 😀👍🏽👨‍👩‍👧 flags 🇯🇵 café naïve",
	"<|eos|> not special",
};
#define V2_PROBE_IDS 336
#define V2_PROBE_FNV 5397936342081585763ULL

/* The probes' ids through t: their count, and FNV-1a over them. */
static uint64_t probe_hash(const struct tokenizer *t, size_t *n)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	for (size_t i = 0; i < sizeof v2_probes / sizeof v2_probes[0]; i++)
		CHECK_INT(tokenizer_encode(t, v2_probes[i], strlen(v2_probes[i]), &ids, err), 0);
	uint64_t h = 0;
	for (size_t i = 0; i < ids.n; i++) {
		unsigned char le[4];
		for (int b = 0; b < 4; b++)
			le[b] = (unsigned char)((uint32_t)ids.ids[i] >> (8 * b));
		h = util_fnv1a(le, 4, h);
	}
	*n = ids.n;
	tokenizer_ids_release(&ids);
	return h;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Recompute the checksum at the end of an image of n bytes (basis h0). */
static void rehash(unsigned char *im, size_t n, uint64_t h0)
{
	uint64_t h = util_fnv1a(im, n - 8, h0);
	for (int i = 0; i < 8; i++)
		im[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

static void test_old_images(void)
{
	char err[MENTOR_ERR_LEN], path[600];
	snprintf(path, sizeof path, "%s/tests/model/data/mentor_v2.tok",
		 getenv("MENTOR_SOURCE_DIR") ? getenv("MENTOR_SOURCE_DIR") : ".");
	struct tokenizer *v2, *t = train(450, 3), *u;
	if (tokenizer_load_file(path, &v2, err))
		TEST_SETUP_FAIL("%s", err);
	size_t n;
	/* the old image and today's training encode exactly as before */
	CHECK(probe_hash(v2, &n) == V2_PROBE_FNV);
	CHECK_INT(n, V2_PROBE_IDS);
	CHECK(probe_hash(t, &n) == V2_PROBE_FNV);
	CHECK_INT(n, V2_PROBE_IDS);
	CHECK_INT(tokenizer_pretok(v2), TOKENIZER_PRETOK_MENTOR);
	CHECK(tokenizer_file_ids_identity(v2));
	CHECK_INT(tokenizer_file_id(v2, 300), 300);
	CHECK_INT(tokenizer_from_file_id(v2, 300), 300);
	CHECK_INT(tokenizer_from_file_id(v2, tokenizer_vocab_size(v2)), -1);
	CHECK_INT(tokenizer_num_merges(v2), tokenizer_num_merges(t));
	int same = 1;
	for (int r = 0; r < tokenizer_num_merges(t); r++) {
		int32_t a, b, c, d;
		same &= !tokenizer_merge(t, r, &a, &b) && !tokenizer_merge(v2, r, &c, &d) &&
			a == c && b == d;
	}
	CHECK(same);
	int32_t a, b;
	CHECK_INT(tokenizer_merge(t, -1, &a, &b), MENTOR_EUSAGE);
	CHECK_INT(tokenizer_merge(t, tokenizer_num_merges(t), &a, &b), MENTOR_EUSAGE);
	/* saved again it is a version 3 image that still encodes the same */
	struct buf img;
	buf_init(&img);
	CHECK_INT(tokenizer_save(v2, &img, err), 0);
	CHECK_INT(img.data[4], 3);
	CHECK_INT(tokenizer_load(img.data, img.len, NULL, &u, err), 0);
	CHECK(probe_hash(u, &n) == V2_PROBE_FNV);
	tokenizer_free(u);
	buf_release(&img);

	/* version 1: the same layout hashed from the old basis */
	size_t len;
	unsigned char *im = (unsigned char *)util_read_file(path, 1 << 20, &len, err);
	if (!im)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(im[4], 2);
	put32(im + 4, 1);
	rehash(im, len, UTIL_FNV1A_BASIS_V1);
	CHECK_MSG(tokenizer_load(im, len, NULL, &u, err) == 0, "%s", err);
	if (u) {
		CHECK(probe_hash(u, &n) == V2_PROBE_FNV);
		CHECK_INT(tokenizer_pretok(u), TOKENIZER_PRETOK_MENTOR);
		tokenizer_free(u);
	}
	/* ... and not from the new one; nor version 2 from the old one */
	rehash(im, len, 0);
	CHECK_INT(tokenizer_load(im, len, NULL, &u, err), MENTOR_ERR);
	CHECK(strstr(err, "checksum") != NULL);
	put32(im + 4, 2);
	rehash(im, len, UTIL_FNV1A_BASIS_V1);
	CHECK_INT(tokenizer_load(im, len, NULL, &u, err), MENTOR_ERR);
	/* every truncation of a version 2 image fails */
	rehash(im, len, 0);
	CHECK_INT(tokenizer_load(im, len, NULL, &u, err), 0);
	tokenizer_free(u);
	int bad = 0;
	for (size_t k = 0; k < len; k++)
		if (tokenizer_load(im, k, NULL, &u, err) != MENTOR_ERR || u)
			bad++;
	CHECK_INT(bad, 0);
	free(im);
	tokenizer_free(v2);
	tokenizer_free(t);
}

/* ---- version 3: pre-tokenizer and file ids ---- */

/* The merges of t as pairs (caller frees). */
static int32_t *merge_pairs(const struct tokenizer *t)
{
	int nm = tokenizer_num_merges(t);
	int32_t *p = malloc(((size_t)nm + 1) * 2 * sizeof *p);
	if (!p)
		TEST_SETUP_FAIL("out of memory");
	for (int r = 0; r < nm; r++)
		tokenizer_merge(t, r, &p[2 * r], &p[2 * r + 1]);
	return p;
}

/* A GPT-2-style numbering for t's tokens: bytes after the merges, merges
 * first, <|eos|> last but one, the other specials absent. Caller frees. */
static int32_t *file_numbering(const struct tokenizer *t)
{
	int V = tokenizer_vocab_size(t), nm = tokenizer_num_merges(t);
	int32_t *f = malloc((size_t)V * sizeof *f);
	if (!f)
		TEST_SETUP_FAIL("out of memory");
	for (int i = 0; i < 256; i++)
		f[i] = nm + 255 - i;
	for (int r = 0; r < nm; r++)
		f[256 + r] = r;
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++)
		f[256 + nm + k] = k == TOKENIZER_EOS ? 1000 : -1;
	return f;
}

static void test_image_v3(void)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = train(450, 3), *g, *u;
	int nm = tokenizer_num_merges(t), V = tokenizer_vocab_size(t);
	int32_t *pairs = merge_pairs(t), *f = file_numbering(t);
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, TOKENIZER_PRETOK_GPT2, f, &g, err), 0);
	CHECK_INT(tokenizer_pretok(g), TOKENIZER_PRETOK_GPT2);
	CHECK(!tokenizer_file_ids_identity(g));
	int ok = 1;
	for (int32_t id = 0; id < V; id++)
		ok &= tokenizer_file_id(g, id) == f[id] &&
		      (f[id] < 0 || tokenizer_from_file_id(g, f[id]) == id);
	CHECK(ok);
	CHECK_INT(tokenizer_file_id(g, tokenizer_special(g, TOKENIZER_ANS)), -1);
	CHECK_INT(tokenizer_from_file_id(g, 999), -1);
	CHECK_INT(tokenizer_from_file_id(g, -1), -1);
	CHECK_INT(tokenizer_file_id(g, V), -1);
	/* the same merges, so the same tokens, whatever the pre-tokenizer */
	size_t l1, l2;
	for (int32_t id = 0; id < V; id++) {
		const char *x = tokenizer_token(t, id, &l1), *y = tokenizer_token(g, id, &l2);
		ok &= l1 == l2 && !memcmp(x, y, l1);
	}
	CHECK(ok);
	/* an identity table is kept as none; NULL is mentor's numbering */
	for (int32_t id = 0; id < V; id++)
		f[id] = id;
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, TOKENIZER_PRETOK_MENTOR, f, &u, err), 0);
	CHECK(tokenizer_file_ids_identity(u));
	size_t n;
	CHECK(probe_hash(u, &n) == V2_PROBE_FNV);
	tokenizer_free(u);
	/* refused: duplicate or out-of-range file ids, bad merges, bad kinds */
	f[5] = 6;
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, 0, f, &u, err), MENTOR_ERR);
	CHECK_MSG(strstr(err, "same file id") != NULL, "%s", err);
	CHECK(u == NULL);
	f[5] = TOKENIZER_MAX_FILE_ID + 1;
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, 0, f, &u, err), MENTOR_ERR);
	CHECK_MSG(strstr(err, "out of range") != NULL, "%s", err);
	f[5] = -2;
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, 0, f, &u, err), MENTOR_ERR);
	f[5] = 5;
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, TOKENIZER_N_PRETOK, f, &u, err),
		  MENTOR_EUSAGE);
	CHECK_INT(tokenizer_build(pairs, (size_t)nm, -1, NULL, &u, err), MENTOR_EUSAGE);
	CHECK_INT(tokenizer_build(NULL, 3, 0, NULL, &u, err), MENTOR_EUSAGE);
	CHECK_INT(tokenizer_build(pairs, TOKENIZER_MAX_VOCAB, 0, NULL, &u, err), MENTOR_EUSAGE);
	int32_t selfref[2] = {256, 1};
	CHECK_INT(tokenizer_build(selfref, 1, 0, NULL, &u, err), MENTOR_ERR);
	CHECK(strstr(err, "later token") != NULL);
	int32_t twice[4] = {'a', 'b', 'a', 'b'};
	CHECK_INT(tokenizer_build(twice, 2, 0, NULL, &u, err), MENTOR_ERR);
	CHECK(strstr(err, "repeats") != NULL);
	CHECK_INT(tokenizer_build(NULL, 0, TOKENIZER_PRETOK_GPT2, NULL, &u, err), 0);
	CHECK_INT(tokenizer_vocab_size(u), TOKENIZER_MIN_VOCAB);
	tokenizer_free(u);

	/* round trip of the image with both */
	struct buf img;
	buf_init(&img);
	CHECK_INT(tokenizer_save(g, &img, err), 0);
	CHECK_INT(img.len, 28 + (size_t)nm * 8 + (size_t)V * 4 + 8);
	size_t used = 0;
	CHECK_INT(tokenizer_load(img.data, img.len, &used, &u, err), 0);
	CHECK_INT(used, img.len);
	CHECK_INT(tokenizer_pretok(u), TOKENIZER_PRETOK_GPT2);
	ok = 1;
	for (int32_t id = 0; id < V; id++)
		ok &= tokenizer_file_id(u, id) == tokenizer_file_id(g, id);
	CHECK(ok);
	struct buf again;
	buf_init(&again);
	CHECK_INT(tokenizer_save(u, &again, err), 0);
	CHECK(again.len == img.len && !memcmp(again.data, img.data, img.len));
	buf_release(&again);
	tokenizer_free(u);
	/* every truncation and every flipped byte fails */
	unsigned char *im = (unsigned char *)img.data, *copy = malloc(img.len);
	int bad = 0;
	for (size_t k = 0; k < img.len; k++)
		if (tokenizer_load(im, k, NULL, &u, err) != MENTOR_ERR || u)
			bad++;
	CHECK_INT(bad, 0);
	for (size_t k = 0; k < img.len; k++) {
		memcpy(copy, im, img.len);
		copy[k] ^= 0x21;
		if (tokenizer_load(copy, img.len, NULL, &u, err) != MENTOR_ERR) {
			bad++;
			tokenizer_free(u);
		}
	}
	CHECK_INT(bad, 0);
	/* forged file ids with a valid checksum */
	size_t fo = 28 + (size_t)nm * 8;
	memcpy(copy, im, img.len);
	memcpy(copy + fo + 4, copy + fo, 4); /* token 1 takes token 0's file id */
	rehash(copy, img.len, 0);
	CHECK_INT(tokenizer_load(copy, img.len, NULL, &u, err), MENTOR_ERR);
	CHECK_MSG(strstr(err, "same file id") != NULL, "%s", err);
	memcpy(copy, im, img.len);
	put32(copy + fo, 0x7fffffffu);
	rehash(copy, img.len, 0);
	CHECK_INT(tokenizer_load(copy, img.len, NULL, &u, err), MENTOR_ERR);
	CHECK_MSG(strstr(err, "out of range") != NULL, "%s", err);
	memcpy(copy, im, img.len);
	put32(copy + 24, 0); /* no table, but its bytes still there: wrong checksum spot */
	rehash(copy, img.len, 0);
	CHECK_INT(tokenizer_load(copy, img.len, NULL, &u, err), MENTOR_ERR);
	free(copy);
	buf_release(&img);
	free(pairs);
	free(f);
	tokenizer_free(g);
	tokenizer_free(t);
}

/* ---- GPT-2's pre-tokenizer ---- */

/* Text and its pieces' lengths under GPT-2's regex, as Python's `regex`
 * module cuts it with the same pattern (bad UTF-8 bytes standing in as
 * private-use characters, the "other" class, by the documented rule). */
static const struct {
	const char *text;
	size_t len;
	int pieces[16];
} gpt2_cases[] = {
	{"Hello world", 11, {5, 6}},
	{"it's", 4, {2, 2}},
	{"IT'S", 4, {2, 1, 1}},
	{"don't we'll they're I've I'm you'd", 34, {3, 2, 3, 3, 5, 3, 2, 3, 2, 2, 4, 2}},
	{"'s'S''s 's", 10, {2, 1, 1, 2, 1, 2, 1}},
	{"a  b", 4, {1, 1, 2}},
	{"a \x09"
	 "b",
	 4,
	 {1, 1, 1, 1}},
	{"a\x09 b", 4, {1, 1, 2}},
	{"end   ", 6, {3, 3}},
	{"  lead", 6, {1, 5}},
	{"\x0a\x0ax", 3, {1, 1, 1}},
	{" \x0a x", 4, {2, 2}},
	{"x\x0d\x0a\x0d\x0ay", 6, {1, 3, 1, 1}},
	{"1234567 3.14 1,000", 18, {7, 2, 1, 2, 2, 1, 3}},
	{" 42abc", 6, {3, 3}},
	{"abc42 ", 6, {3, 2, 1}},
	{"!!! \x3f\x3f ...", 10, {3, 3, 4}},
	{"caf\xc3\xa9 na\xc3\xafve", 12, {5, 7}},
	{"e\xcc\x81t\xc3\xa9", 6, {1, 2, 3}},
	{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x80\x81\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82",
	 36,
	 {24, 3, 6, 3}},
	{"a\xc2\xa0"
	 "b\xc2\x85"
	 "c\xef\xbb\xbf"
	 "d\xe3\x80\x80"
	 "e",
	 15,
	 {1, 2, 1, 2, 1, 3, 1, 3, 1}},
	{"x\xe2\x80\xa8 y", 6, {1, 3, 2}},
	{"\xd9\xa3\xd9\xa4 \xe2\x85\xab \xc2\xbd", 11, {4, 4, 3}},
	{"\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5",
	 39,
	 {12, 27}},
	{"a\xff"
	 "b",
	 3,
	 {1, 1, 1}},
	{" \xff\xfe!", 4, {4}},
	{"\xc0\x80"
	 "A",
	 3,
	 {2, 1}},
	{"\xed\xa0\x80x", 4, {3, 1}},
	{"\xe3\x81 a", 4, {2, 2}},
	{"'\xff", 2, {2}},
	{"\xf4\x90\x80\x80z", 5, {4, 1}},
	{"\x00\x01 \x7f", 4, {2, 2}},
	{"   ", 3, {3}},
	{" ", 1, {1}},
	{"'", 1, {1}},
	{"' s", 3, {1, 2}},
};

static void test_gpt2_pieces(void)
{
	for (size_t c = 0; c < sizeof gpt2_cases / sizeof gpt2_cases[0]; c++) {
		const char *s = gpt2_cases[c].text;
		size_t len = gpt2_cases[c].len, at = 0;
		int k = 0, ok = 1;
		while (at < len) {
			size_t p = tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, s + at, len - at);
			ok &= p >= 1 && p <= len - at && k < 16 &&
			      (size_t)gpt2_cases[c].pieces[k] == p;
			if (!ok || p == 0)
				break;
			at += p;
			k++;
		}
		ok &= k < 16 && gpt2_cases[c].pieces[k] == 0;
		CHECK_MSG(ok, "case %zu: piece %d", c, k);
	}
	CHECK_STR(tokenizer_pretok_name(TOKENIZER_PRETOK_GPT2), "gpt2");
	CHECK_STR(tokenizer_pretok_name(TOKENIZER_PRETOK_MENTOR), "mentor");
	CHECK(tokenizer_pretok_name(7) == NULL);
	CHECK_INT(tokenizer_pretok_parse("gpt2"), TOKENIZER_PRETOK_GPT2);
	CHECK_INT(tokenizer_pretok_parse("mentor"), TOKENIZER_PRETOK_MENTOR);
	CHECK_INT(tokenizer_pretok_parse("gpt-2"), -1);
	CHECK_INT(tokenizer_pretok_parse(NULL), -1);
	/* mentor's own cuts digits one by one (and is the default kind) */
	CHECK_INT(tokenizer_pretok_next(TOKENIZER_PRETOK_MENTOR, "123", 3), 1);
	CHECK_INT(tokenizer_pretok_next(99, "123", 3), 1);
	CHECK_INT(tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, "123", 3), 3);

	/* the classes behind it */
	CHECK_INT(unicode_class('a'), UNICODE_LETTER);
	CHECK_INT(unicode_class(0xE9), UNICODE_LETTER);   /* é */
	CHECK_INT(unicode_class(0x3042), UNICODE_LETTER); /* あ */
	CHECK_INT(unicode_class(0x6F22), UNICODE_LETTER); /* 漢 */
	CHECK_INT(unicode_class(0xD55C), UNICODE_LETTER); /* 한 */
	CHECK_INT(unicode_class(0x02B0), UNICODE_LETTER); /* modifier letter (Lm) */
	CHECK_INT(unicode_class('7'), UNICODE_NUMBER);
	CHECK_INT(unicode_class(0x0663), UNICODE_NUMBER);  /* Arabic-Indic three */
	CHECK_INT(unicode_class(0x216B), UNICODE_NUMBER);  /* roman twelve (Nl) */
	CHECK_INT(unicode_class(0xBD), UNICODE_NUMBER);    /* ½ (No) */
	CHECK_INT(unicode_class(0x1D7CE), UNICODE_NUMBER); /* mathematical bold zero */
	CHECK_INT(unicode_class(' '), UNICODE_SPACE);
	CHECK_INT(unicode_class(0x0B), UNICODE_SPACE);
	CHECK_INT(unicode_class(0x85), UNICODE_SPACE);
	CHECK_INT(unicode_class(0xA0), UNICODE_SPACE);
	CHECK_INT(unicode_class(0x2029), UNICODE_SPACE);
	CHECK_INT(unicode_class(0x3000), UNICODE_SPACE);
	CHECK_INT(unicode_class(0x1C), UNICODE_OTHER); /* not White_Space */
	CHECK_INT(unicode_class(0xFEFF), UNICODE_OTHER);
	CHECK_INT(unicode_class(0x180E), UNICODE_OTHER);
	CHECK_INT(unicode_class(0x200D), UNICODE_OTHER);
	CHECK_INT(unicode_class(0x0301), UNICODE_OTHER); /* combining acute (Mn) */
	CHECK_INT(unicode_class(0x1F600), UNICODE_OTHER);
	CHECK_INT(unicode_class(0xD800), UNICODE_OTHER);
	CHECK_INT(unicode_class(0x10FFFF), UNICODE_OTHER);
	CHECK_INT(unicode_class(0x110000), UNICODE_OTHER);
	CHECK_INT(unicode_class(0xFFFFFFFFu), UNICODE_OTHER);
	CHECK(unicode_version()[0] >= '1' && unicode_version()[0] <= '9');
	int cls;
	CHECK_INT(unicode_char_class((const unsigned char *)"\xef\xbf\xbd", 3, &cls), 3);
	CHECK_INT(cls, UNICODE_OTHER);
	CHECK_INT(unicode_char_class((const unsigned char *)"\xc3\xa9", 1, &cls), 1);
	CHECK_INT(cls, UNICODE_OTHER); /* cut short */
	CHECK_INT(unicode_char_class((const unsigned char *)"\xc1\x81", 2, &cls), 1);
	CHECK_INT(cls, UNICODE_OTHER); /* overlong 'A' is not a letter */
	CHECK_INT(unicode_char_class((const unsigned char *)"\xe0\x80\xa0", 3, &cls), 1);
	CHECK_INT(cls, UNICODE_OTHER); /* overlong space is not a space */
}

/* Any bytes: pieces are never empty, cover the text, and never cut a
 * well-formed UTF-8 character; a long text is cut in linear time. */
static void test_gpt2_hostile(void)
{
	struct rng r;
	rng_seed(&r, 2024);
	static const char *const bits[] = {
		" ",
		"  ",
		"\t",
		"\n",
		"\r\n",
		"\xc2\xa0",
		"\xe3\x80\x80",
		"\xc2\x85",
		"'",
		"'s",
		"'S",
		"'ll",
		"a",
		"Z",
		"\xc3\xa9",
		"\xe6\x97\xa5",
		"7",
		"\xd9\xa3",
		"!",
		"...",
		"\xf0\x9f\x98\x80",
		"\xe2\x80\x8d",
		"\xef\xb8\x8f",
		"\xff",
		"\xc0",
		"\x80",
		"\xe3\x81",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\x00",
		"\xef\xbb\xbf",
	};
	char s[400];
	int ok = 1;
	for (int k = 0; k < 3000; k++) {
		size_t n = 0;
		while (n < sizeof s - 8) {
			const char *b = bits[rng_below(&r, sizeof bits / sizeof bits[0])];
			size_t bl = strlen(b) ? strlen(b) : 1; /* "\x00" is one NUL byte */
			if (rng_below(&r, 12) == 0)
				break;
			memcpy(s + n, b, bl);
			n += bl;
		}
		size_t at = 0;
		while (at < n) {
			size_t p = tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, s + at, n - at);
			ok &= p >= 1 && p <= n - at;
			if (p == 0 || p > n - at)
				break;
			/* the piece ends on a character boundary */
			size_t q = at;
			while (q < at + p) {
				int cls;
				q += (size_t)unicode_char_class((const unsigned char *)s + q, n - q,
								&cls);
			}
			ok &= q == at + p;
			at += p;
		}
	}
	CHECK(ok);
	/* 4 MB of one class each: one piece, found quickly */
	size_t big = (size_t)4 << 20;
	char *b = malloc(big);
	if (!b)
		TEST_SETUP_FAIL("out of memory");
	const char fills[] = {' ', 'x', '5', '!', '\xff'};
	for (size_t f = 0; f < sizeof fills; f++) {
		memset(b, fills[f], big);
		size_t p = tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, b, big);
		CHECK_MSG(p == big, "fill %zu: a piece of %zu bytes, want %zu", f, p, big);
	}
	/* spaces before a word: the last one joins the word */
	memset(b, ' ', big);
	b[big - 1] = 'w';
	CHECK_INT(tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, b, big), big - 2);
	free(b);
}

/* ---- merges on long pieces ---- */

/* The rescanning rule written plainly: lowest-ranked adjacent pair, every
 * occurrence left to right, until none has a merge. rank is V x V. */
static size_t plain_bpe(const int32_t *rank, int V, const unsigned char *s, size_t n, int32_t *ids)
{
	for (size_t i = 0; i < n; i++)
		ids[i] = s[i];
	for (;;) {
		int32_t best = -1;
		for (size_t i = 0; i + 1 < n; i++) {
			int32_t rk = rank[(size_t)ids[i] * (size_t)V + (size_t)ids[i + 1]];
			if (rk >= 0 && (best < 0 || rk < best))
				best = rk;
		}
		if (best < 0)
			return n;
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			if (i + 1 < n &&
			    rank[(size_t)ids[i] * (size_t)V + (size_t)ids[i + 1]] == best) {
				ids[o++] = 256 + best;
				i++;
			} else {
				ids[o++] = ids[i];
			}
		}
		n = o;
	}
}

static void test_long_pieces(void)
{
	char err[MENTOR_ERR_LEN];
	/* a tokenizer with deep merges over few letters and spaces */
	const char *texts[8] = {"aaaa aaaa abab abab baba", "aaaaaaaa bbbbbbbb abba",
				"ab ab ab ab aab aab abb",  "        spaces        ",
				"!!!!!!!! ?!?!?! !?!?",     "aaaa aaaa abab abab baba",
				"aaaaaaaa bbbbbbbb abba",   "ab ab ab ab aab aab abb"};
	size_t lens[8];
	for (int i = 0; i < 8; i++)
		lens[i] = strlen(texts[i]);
	struct tokenizer *m, *t;
	if (tokenizer_train(texts, lens, 8, 300, &m, err))
		TEST_SETUP_FAIL("%s", err);
	int32_t *pairs = merge_pairs(m);
	int nm = tokenizer_num_merges(m), V = tokenizer_vocab_size(m);
	if (tokenizer_build(pairs, (size_t)nm, TOKENIZER_PRETOK_GPT2, NULL, &t, err))
		TEST_SETUP_FAIL("%s", err);
	int32_t *rank = malloc((size_t)V * (size_t)V * sizeof *rank);
	for (size_t i = 0; i < (size_t)V * (size_t)V; i++)
		rank[i] = -1;
	for (int r = 0; r < nm; r++)
		rank[(size_t)pairs[2 * r] * (size_t)V + (size_t)pairs[2 * r + 1]] = r;
	struct rng rg;
	rng_seed(&rg, 9);
	enum { MAXN = 3000 };
	unsigned char s[MAXN];
	int32_t want[MAXN];
	int ok = 1;
	for (int k = 0; k < 200; k++) {
		/* one piece: a run of one class longer than the short path's 64 bytes */
		size_t n = 65 + (size_t)rng_below(&rg, MAXN - 65);
		int kind = (int)rng_below(&rg, 3);
		for (size_t i = 0; i < n; i++)
			s[i] = kind == 0   ? "ab"[rng_below(&rg, rng_below(&rg, 4) ? 1 : 2)]
			       : kind == 1 ? ' '
					   : "!?"[rng_below(&rg, 2)];
		if (kind == 1)
			s[n - 1] = ' '; /* all spaces to the end: one piece */
		CHECK_INT(tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, (char *)s, n), n);
		struct tokenizer_ids ids;
		tokenizer_ids_init(&ids);
		CHECK_INT(tokenizer_encode(t, (char *)s, n, &ids, err), 0);
		size_t wn = plain_bpe(rank, V, s, n, want);
		ok &= ids.n == wn && !memcmp(ids.ids, want, wn * sizeof *want);
		tokenizer_ids_release(&ids);
	}
	CHECK(ok);
	/* and a long GPT-2 text: 4 MB of letters and spaces in pieces of 4 KB
	 * (a quadratic merge loop would take minutes and meet the suite's
	 * timeout; speed itself is measured by `model_bench --corpus`, not
	 * asserted here) */
	size_t big = (size_t)4 << 20;
	char *b = malloc(big);
	for (size_t i = 0; i < big; i++)
		b[i] = i % 4096 == 4095 ? ' ' : "ab"[rng_below(&rg, 2)];
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	CHECK_INT(tokenizer_encode(t, b, big, &ids, err), 0);
	struct buf out;
	buf_init(&out);
	CHECK_INT(tokenizer_decode(t, ids.ids, ids.n, 0, &out, err), 0);
	CHECK(out.len == big && !memcmp(out.data, b, big));
	buf_release(&out);
	tokenizer_ids_release(&ids);
	free(b);
	free(rank);
	free(pairs);
	tokenizer_free(t);
	tokenizer_free(m);
}

/* Qwen2's and Llama 3's regex, piece by piece (NUL-separated pieces). */
static void check_pieces(int kind, const char *text, const char *const *want)
{
	size_t len = strlen(text), at = 0;
	int k = 0;
	while (at < len) {
		size_t p = tokenizer_pretok_next(kind, text + at, len - at);
		int ok = p >= 1 && p <= len - at && want[k] && strlen(want[k]) == p &&
			 !memcmp(want[k], text + at, p);
		CHECK_MSG(ok, "%s: '%s' piece %d", tokenizer_pretok_name(kind), text, k);
		if (!ok)
			return;
		at += p;
		k++;
	}
	CHECK_MSG(want[k] == NULL, "%s: '%s' has %d pieces", tokenizer_pretok_name(kind), text, k);
}

#define PIECES(kind, text, ...) check_pieces(kind, text, (const char *const[]){__VA_ARGS__, NULL})

static void test_qwen_pieces(void)
{
	int q = TOKENIZER_PRETOK_QWEN2, l = TOKENIZER_PRETOK_LLAMA3;
	PIECES(q, "Hello world", "Hello", " world");
	PIECES(q, "abc123def", "abc", "1", "2", "3", "def");
	PIECES(l, "abc1234567def", "abc", "123", "456", "7", "def");
	PIECES(l, "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", /* fullwidth 1234 */
	       "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "\xef\xbc\x94");
	/* the contractions fold case, and a long s is an s */
	PIECES(q, "it's IT'S It'Ll", "it", "'s", " IT", "'S", " It", "'Ll");
	PIECES(q, "x'\xc5\xbf", "x", "'\xc5\xbf");
	PIECES(q, "x'q", "x", "'q");
	/* one character of another class leads a run of letters */
	PIECES(q, "(hello) \tfoo", "(hello", ")", " ", "\tfoo");
	PIECES(q, "\t\tfoo", "\t", "\tfoo");
	PIECES(q, "\xe3\x80\x80\xe6\x97\xa5\xe6\x9c\xac", "\xe3\x80\x80\xe6\x97\xa5\xe6\x9c\xac");
	/* but not a line break or a digit */
	PIECES(q, "\nfoo 1x", "\n", "foo", " ", "1", "x");
	/* other characters take the line breaks after them */
	PIECES(q, "end.\n\nnext", "end", ".\n\n", "next");
	PIECES(q, "a ... \r\n", "a", " ...", " \r\n");
	/* white space up to its last line break */
	PIECES(q, "x  \n  y", "x", "  \n", " ", " y");
	PIECES(q, "a\n \n\tb", "a", "\n \n", "\tb");
	PIECES(q, "a   ", "a", "   ");
	PIECES(q, "a   1", "a", "  ", " ", "1");
	/* bytes that are not UTF-8 are other characters */
	PIECES(q,
	       "\xff\xfe"
	       "abc",
	       "\xff\xfe", "abc");
	PIECES(q,
	       "\xff"
	       "abc",
	       "\xff"
	       "abc");
	PIECES(q, " \xff\n", " \xff\n");
	CHECK_STR(tokenizer_pretok_name(q), "qwen2");
	CHECK_STR(tokenizer_pretok_name(l), "llama3");
	CHECK_INT(tokenizer_pretok_parse("qwen2"), q);
	CHECK_STR(tokenizer_norm_name(TOKENIZER_NORM_NFC), "nfc");
	CHECK(tokenizer_norm_name(TOKENIZER_N_NORM) == NULL);
}

/* ---- version 4: normalizer and added tokens ---- */

/* SmolLM2's: every number character alone (Hugging Face's Digits with
 * individual_digits), GPT-2's regex between them with the text's end where
 * the next number starts (so a run of spaces before a digit is one piece). */
static void test_smollm_pieces(void)
{
	int sm = TOKENIZER_PRETOK_SMOLLM;
	CHECK_STR(tokenizer_pretok_name(sm), "smollm");
	CHECK_INT(tokenizer_pretok_parse("smollm"), sm);
	PIECES(sm, "abc 123 def", "abc", " ", "1", "2", "3", " def");
	PIECES(sm, "it's 2024!", "it", "'s", " ", "2", "0", "2", "4", "!");
	PIECES(sm, "a  1", "a", "  ", "1");
	PIECES(sm, "a  b", "a", " ", " b");
	PIECES(sm, "x\xef\xbc\x91\xef\xbc\x92 \xe2\x85\xa0", /* fullwidth 12, roman I */
	       "x", "\xef\xbc\x91", "\xef\xbc\x92", " ", "\xe2\x85\xa0");
	PIECES(sm, "v1.2-rc", "v", "1", ".", "2", "-", "rc");
	PIECES(sm, "\n\n7", "\n\n", "7");
	PIECES(sm,
	       "\xff"
	       "9",
	       "\xff", "9");
	/* long text without numbers: GPT-2's pieces, found in linear time */
	size_t n = (size_t)1 << 20;
	char *big = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 7 == 6 ? ' ' : 'a';
	big[n] = 0;
	size_t at = 0, pieces = 0;
	int same = 1;
	while (at < n) {
		size_t p = tokenizer_pretok_next(sm, big + at, n - at);
		same &= p == tokenizer_pretok_next(TOKENIZER_PRETOK_GPT2, big + at, n - at);
		at += p;
		pieces++;
	}
	CHECK(same && pieces > n / 8);
	free(big);
}

static void test_added(void)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = train(450, 3), *u;
	int nm = tokenizer_num_merges(t), V = tokenizer_vocab_size(t);
	int32_t *pairs = merge_pairs(t);
	int32_t eos = tokenizer_special(t, TOKENIZER_EOS);
	struct tokenizer_added added[] = {
		{"<|im_start|>", 12, V, 1}, {"<|endoftext|>", 13, eos, 1},
		{"<think>", 7, V + 1, 0},   {"<|im", 4, V + 2, 1},
		{"a", 1, 'a', 0},
	};
	struct tokenizer_opts o = {TOKENIZER_PRETOK_QWEN2, TOKENIZER_NORM_NFC, NULL, added, 5};
	CHECK_MSG(tokenizer_build_ext(pairs, (size_t)nm, &o, &u, err) == 0, "%s", err);
	if (!u)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(tokenizer_vocab_size(u), V + 3);
	CHECK(tokenizer_is_special(u, V) && !tokenizer_is_special(u, V + 1) &&
	      tokenizer_is_special(u, V + 2) && tokenizer_is_special(u, eos));
	size_t len;
	CHECK(!memcmp(tokenizer_token(u, eos, &len), "<|endoftext|>", 13) && len == 13);
	/* the longest text first, before normalisation; the rest NFC */
	const char *text = "<|im_start|>e\xcc\x81<|im<|endoftext|><think>";
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	CHECK_INT(tokenizer_encode(u, text, strlen(text), &ids, err), 0);
	CHECK(ids.n >= 5 && ids.ids[0] == V && ids.ids[ids.n - 3] == V + 2 &&
	      ids.ids[ids.n - 2] == eos && ids.ids[ids.n - 1] == V + 1);
	struct buf out;
	buf_init(&out);
	CHECK_INT(tokenizer_decode(u, ids.ids, ids.n, 0, &out, err), 0);
	CHECK_STR(out.data, "<|im_start|>\xc3\xa9<|im<|endoftext|><think>");
	buf_reset(&out);
	CHECK_INT(tokenizer_decode(u, ids.ids, ids.n, TOKENIZER_DECODE_SKIP_SPECIAL, &out, err), 0);
	CHECK_STR(out.data, "\xc3\xa9<think>");
	buf_release(&out);
	tokenizer_ids_release(&ids);
	struct tokenizer_added a;
	CHECK_INT(tokenizer_added_get(u, 4, &a), 0);
	CHECK(a.id == 'a' && a.len == 1 && !a.special);
	CHECK_INT(tokenizer_added_get(u, 5, &a), MENTOR_EUSAGE);

	/* the image: version 4, every truncation and flipped byte refused */
	struct buf img;
	buf_init(&img);
	CHECK_INT(tokenizer_save(u, &img, err), 0);
	CHECK_INT(img.data[4], 4);
	struct tokenizer *w = NULL;
	CHECK_MSG(tokenizer_load(img.data, img.len, NULL, &w, err) == 0, "%s", err);
	if (w) {
		CHECK_INT(tokenizer_vocab_size(w), V + 3);
		CHECK_INT(tokenizer_normalizer(w), TOKENIZER_NORM_NFC);
		CHECK_INT(tokenizer_pretok(w), TOKENIZER_PRETOK_QWEN2);
		CHECK_INT(tokenizer_num_added(w), 5);
		tokenizer_free(w);
	}
	int bad = 0;
	for (size_t k = 0; k < img.len; k++)
		if (tokenizer_load(img.data, k, NULL, &w, err) != MENTOR_ERR || w)
			bad++;
	CHECK_INT(bad, 0);
	unsigned char *copy = malloc(img.len);
	for (size_t k = 0; k < img.len; k++) {
		memcpy(copy, img.data, img.len);
		copy[k] ^= 0x21;
		if (tokenizer_load(copy, img.len, NULL, &w, err) != MENTOR_ERR) {
			bad++;
			tokenizer_free(w);
		}
	}
	CHECK_INT(bad, 0);
	/* forged with a valid checksum */
	size_t tail = img.len - 8 - 12 - 1; /* the last added token: "a" */
	struct {
		size_t off;
		uint32_t val;
		const char *msg;
	} forge[] = {
		{28, 2, "normalizer"},          {32, 0x7fffffffu, "added tokens"},
		{32, 0, "added tokens"},        {8, (uint32_t)V + 9, "added tokens"},
		{tail, 0xffffffffu, "invalid"}, /* id */
		{tail, (uint32_t)V + 7, "id"},  /* past the next new id */
		{tail, 'b', "not the text"},    {tail, (uint32_t)eos, "two added tokens"},
		{tail + 4, 2, "invalid"}, /* flags */
		{tail + 8, 0, "invalid"}, /* length */
		{tail + 8, 2, "truncated"},     {tail + 8, 0x7fffffffu, "invalid"},
	};
	for (size_t f = 0; f < sizeof forge / sizeof forge[0]; f++) {
		memcpy(copy, img.data, img.len);
		put32(copy + forge[f].off, forge[f].val);
		rehash(copy, img.len, 0);
		CHECK_INT(tokenizer_load(copy, img.len, NULL, &w, err), MENTOR_ERR);
		CHECK_MSG(strstr(err, forge[f].msg) != NULL, "forge %zu: %s", f, err);
	}
	/* version 3 has no place for the newer pre-tokenizers */
	struct buf v3;
	buf_init(&v3);
	CHECK_INT(tokenizer_save(t, &v3, err), 0);
	CHECK_INT(v3.data[4], 3);
	put32((unsigned char *)v3.data + 20, TOKENIZER_PRETOK_QWEN2);
	rehash((unsigned char *)v3.data, v3.len, 0);
	CHECK_INT(tokenizer_load(v3.data, v3.len, NULL, &w, err), MENTOR_ERR);
	CHECK(strstr(err, "pre-tokenizer") != NULL);
	buf_release(&v3);
	free(copy);
	buf_release(&img);
	tokenizer_free(u);

	/* bad added tokens */
	struct {
		struct tokenizer_added a[2];
		size_t n;
		int rc;
		const char *msg;
	} bad_cases[] = {
		{{{"x", 1, V + 1, 0}}, 1, MENTOR_ERR, "expected below"},
		{{{"x", 1, -1, 0}}, 1, MENTOR_ERR, "has id"},
		{{{"", 0, V, 0}}, 1, MENTOR_ERR, "empty"},
		{{{NULL, 3, V, 0}}, 1, MENTOR_ERR, "empty"},
		{{{"x", TOKENIZER_MAX_ADDED_LEN + 1, V, 0}}, 1, MENTOR_ERR, "longer"},
		{{{"<a>", 3, V, 0}, {"<a>", 3, V + 1, 0}}, 2, MENTOR_ERR, "same text"},
		{{{"<a>", 3, eos, 0}, {"<b>", 3, eos, 0}}, 2, MENTOR_ERR, "two added"},
		{{{"ab", 2, 'a', 0}}, 1, MENTOR_ERR, "not the text"},
	};
	for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
		struct tokenizer_opts ob = {0, 0, NULL, bad_cases[c].a, bad_cases[c].n};
		CHECK_INT(tokenizer_build_ext(pairs, (size_t)nm, &ob, &u, err), bad_cases[c].rc);
		CHECK_MSG(u == NULL && strstr(err, bad_cases[c].msg), "case %zu: %s", c, err);
	}
	struct tokenizer_opts ob = {0, TOKENIZER_N_NORM, NULL, NULL, 0};
	CHECK_INT(tokenizer_build_ext(pairs, (size_t)nm, &ob, &u, err), MENTOR_EUSAGE);
	ob.normalizer = 0;
	ob.n_added = TOKENIZER_MAX_ADDED + 1;
	CHECK_INT(tokenizer_build_ext(pairs, (size_t)nm, &ob, &u, err), MENTOR_EUSAGE);
	ob.n_added = 1;
	CHECK_INT(tokenizer_build_ext(pairs, (size_t)nm, &ob, &u, err), MENTOR_EUSAGE);
	free(pairs);
	tokenizer_free(t);
}

int main(void)
{
	test_basic();
	test_random_bytes();
	test_determinism_and_bounds();
	test_save_load();
	test_large_corpus();
	test_old_images();
	test_image_v3();
	test_gpt2_pieces();
	test_gpt2_hostile();
	test_long_pieces();
	test_qwen_pieces();
	test_smollm_pieces();
	test_added();
	return test_done();
}
