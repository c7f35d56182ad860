/* fuzz_tokenizer: the byte-level BPE tokenizer (src/tokenizer.c). A small
 * tokenizer is trained once at start, and a copy of it that cuts text with
 * GPT-2's pre-tokenizer and numbers its tokens as a foreign file would.
 * Input: a byte choosing the check, then bytes. Properties, under both
 * pre-tokenizers: decode(encode(x)) == x and decode(encode_spelled(x)) == x
 * for any bytes, never a special token from text, the ids of the pieces
 * tokenizer_pretok_next cuts (never empty, never past the end) are the ids
 * of the whole; ids out of range refused by decode; tokenizer_load on the
 * bytes fails with a message or gives a tokenizer that saves to an image
 * loading to the same merges, pre-tokenizer and file ids, and that
 * round-trips text too. */
#include <string.h>

#include "fuzz.h"
#include "mentor/tokenizer.h"

static struct tokenizer *trained, *gpt2;

static const char *const corpus[] = {
	"Natalia sold clips to 48 of her friends in April, and then half as many in May.",
	"How many clips did Natalia sell altogether in April and May?",
	"The answer is 72. So the answer is (b). Because 48 / 2 = 24 and 48 + 24 = 72.",
	"Où est la bibliothèque ? 図書館はどこですか。答えは 42 です。",
	"   indented\tand\ttabbed\r\nlines\n\n<|eos|> is not special in text",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *texts[sizeof corpus / sizeof *corpus];
	size_t lens[sizeof corpus / sizeof *corpus];
	for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
		texts[i] = corpus[i];
		lens[i] = strlen(corpus[i]);
	}
	char err[MENTOR_ERR_LEN];
	if (tokenizer_train(texts, lens, sizeof corpus / sizeof *corpus, 400, &trained, err)) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	/* the same merges, GPT-2's cutting, file ids reversed, specials but
	 * <|eos|> absent from the file */
	int nm = tokenizer_num_merges(trained), V = tokenizer_vocab_size(trained);
	int32_t *pairs = malloc(((size_t)nm + 1) * 2 * sizeof *pairs);
	int32_t *fid = malloc((size_t)V * sizeof *fid);
	if (!pairs || !fid)
		abort();
	for (int r = 0; r < nm; r++)
		tokenizer_merge(trained, r, &pairs[2 * r], &pairs[2 * r + 1]);
	for (int i = 0; i < V; i++)
		fid[i] = tokenizer_is_special(trained, i) ? -1 : V - 1 - i;
	fid[tokenizer_special(trained, TOKENIZER_EOS)] = V + 10;
	if (tokenizer_build(pairs, (size_t)nm, TOKENIZER_PRETOK_GPT2, fid, &gpt2, err)) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	free(pairs);
	free(fid);
	return 0;
}

/* The pieces of text under t's pre-tokenizer: each 1..rest bytes; their
 * ids, one piece at a time, are the ids of the whole text. */
static void pieces(const struct tokenizer *t, const char *text, size_t n,
		   const struct tokenizer_ids *whole)
{
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	char err[MENTOR_ERR_LEN];
	size_t at = 0;
	while (at < n) {
		size_t k = tokenizer_pretok_next(tokenizer_pretok(t), text + at, n - at);
		FUZZ_CHECK(k >= 1 && k <= n - at);
		FUZZ_CHECK(tokenizer_encode(t, text + at, k, &ids, err) == 0);
		at += k;
	}
	FUZZ_CHECK(ids.n == whole->n);
	FUZZ_CHECK(!ids.n || !memcmp(ids.ids, whole->ids, ids.n * sizeof *ids.ids));
	tokenizer_ids_release(&ids);
}

/* Encode text one way, check the ids and that they decode to text. */
static void round_trip(const struct tokenizer *t, const char *text, size_t n, int spelled)
{
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	char err[MENTOR_ERR_LEN];
	int rc = spelled ? tokenizer_encode_spelled(t, text, n, &ids, err)
			 : tokenizer_encode(t, text, n, &ids, err);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(ids.n <= n);
	for (size_t i = 0; i < ids.n; i++)
		FUZZ_CHECK(ids.ids[i] >= 0 && ids.ids[i] < tokenizer_vocab_size(t) &&
			   !tokenizer_is_special(t, ids.ids[i]));
	struct buf out;
	buf_init(&out);
	FUZZ_CHECK(tokenizer_decode(t, ids.ids, ids.n, 0, &out, err) == 0);
	FUZZ_CHECK(out.len == n);
	FUZZ_CHECK(!n || !memcmp(out.data, text, n));
	buf_release(&out);
	if (!spelled) {
		pieces(t, text, n, &ids);
		/* ordinary tokens always have a file id, and it maps back */
		for (size_t i = 0; i < ids.n; i++) {
			int32_t f = tokenizer_file_id(t, ids.ids[i]);
			FUZZ_CHECK(f >= 0 && tokenizer_from_file_id(t, f) == ids.ids[i]);
		}
	}
	tokenizer_ids_release(&ids);
}

/* The bytes as little-endian 16-bit ids, some out of range. */
static void decode_ids(const struct tokenizer *t, const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t n = size / 2;
	int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		abort();
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		ids[i] = (int32_t)(data[2 * i] | data[2 * i + 1] << 8) - 16;
		if (ids[i] < 0 || ids[i] >= tokenizer_vocab_size(t))
			bad = 1;
	}
	struct buf out;
	buf_init(&out);
	char err[MENTOR_ERR_LEN];
	int rc = tokenizer_decode(t, ids, n, data[0] & 1 ? TOKENIZER_DECODE_SKIP_SPECIAL : 0, &out,
				  err);
	FUZZ_CHECK(bad ? rc != 0 : rc == 0);
	buf_release(&out);
	free(ids);
}

static void load(const uint8_t *data, size_t size)
{
	struct tokenizer *t = NULL;
	char err[MENTOR_ERR_LEN] = "";
	size_t used = 0;
	if (tokenizer_load(data, size, &used, &t, err)) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(used <= size);
	struct buf img;
	buf_init(&img);
	FUZZ_CHECK(tokenizer_save(t, &img, err) == 0);
	struct tokenizer *t2 = NULL;
	FUZZ_CHECK(tokenizer_load(img.data, img.len, NULL, &t2, err) == 0);
	FUZZ_CHECK(tokenizer_vocab_size(t2) == tokenizer_vocab_size(t));
	FUZZ_CHECK(tokenizer_num_merges(t2) == tokenizer_num_merges(t));
	FUZZ_CHECK(tokenizer_pretok(t2) == tokenizer_pretok(t));
	for (int32_t id = 0; id < tokenizer_vocab_size(t); id++) {
		size_t l1 = 0, l2 = 0;
		const char *a = tokenizer_token(t, id, &l1), *b = tokenizer_token(t2, id, &l2);
		FUZZ_CHECK(a && b && l1 == l2 && !memcmp(a, b, l1));
		int32_t f = tokenizer_file_id(t, id);
		FUZZ_CHECK(f == tokenizer_file_id(t2, id));
		FUZZ_CHECK(f < 0 || tokenizer_from_file_id(t, f) == id);
	}
	round_trip(t, corpus[0], strlen(corpus[0]), 0);
	round_trip(t, (const char *)data, size, 0);
	tokenizer_free(t2);
	buf_release(&img);
	tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int what = data[0] % 4;
	data++, size--;
	char *copy = fuzz_strndup(data, size);
	switch (what) {
	case 0:
	case 1:
		round_trip(trained, copy, size, what);
		round_trip(gpt2, copy, size, what);
		break;
	case 2: decode_ids(trained, data, size); break;
	default: load(data, size); break;
	}
	free(copy);
	return 0;
}
