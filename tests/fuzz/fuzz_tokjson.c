/* fuzz_tokjson: what an imported Hugging Face vocabulary brings in: the
 * tokenizer.json reader (modelio_read_tokenizer), NFC (unicode_nfc) and the
 * Qwen2 and Llama 3 pre-tokenizers with added tokens. Input: a byte
 * choosing the check, then bytes. Properties:
 *   0  text under a Qwen-style tokenizer (NFC, Qwen2's regex, added tokens
 *      "<|im_start|>", "<|im_end|>", "<think>", "<th") and a Llama-3-style one
 *      (no normaliser): decode(encode(x)) is x with the text between added
 *      tokens (longest match at each place) in NFC; the pieces the
 *      pre-tokenizer cuts are 1..rest bytes and cover the text;
 *   1  NFC: idempotent, the quick check's "already NFC" is true, and well
 *      formed UTF-8 stays well formed;
 *   2  the bytes as a tokenizer.json in a folder: read with a message, or
 *      read into a tokenizer that round-trips a fixed text and the bytes. */
#include <string.h>

#include "fuzz.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/unicode.h"

static struct tokenizer *qwen, *llama;

static const char *const added_text[] = {"<|im_start|>", "<|im_end|>", "<think>", "<th"};
#define N_ADDED (sizeof added_text / sizeof *added_text)

static const char *const corpus[] = {
	"Natalia sold clips to 48 of her friends in April, and then half as many in May.",
	"The answer is 72. So the answer is (b). Because 48 / 2 = 24 and 48 + 24 = 72.",
	"検査工程でボルト１２本のうち３本が不良でした。答えは９本です。",
	"   indented\tand\ttabbed\r\nlines\n\nI'M here, it's fine 1234567",
};

static struct tokenizer *build(const struct tokenizer *base, int pretok, int norm, int added)
{
	int nm = tokenizer_num_merges(base);
	int32_t *pairs = malloc(((size_t)nm + 1) * 2 * sizeof *pairs);
	struct tokenizer_added a[N_ADDED];
	if (!pairs)
		abort();
	for (int r = 0; r < nm; r++)
		tokenizer_merge(base, r, &pairs[2 * r], &pairs[2 * r + 1]);
	for (size_t i = 0; i < N_ADDED; i++)
		a[i] = (struct tokenizer_added){.text = added_text[i],
						.len = strlen(added_text[i]),
						.id = tokenizer_vocab_size(base) + (int32_t)i,
						.special = i < 2};
	struct tokenizer_opts o = {.pretok = pretok,
				   .normalizer = norm,
				   .added = a,
				   .n_added = added ? N_ADDED : 0};
	struct tokenizer *t = NULL;
	char err[MENTOR_ERR_LEN];
	if (tokenizer_build_ext(pairs, (size_t)nm, &o, &t, err)) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	free(pairs);
	return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *texts[sizeof corpus / sizeof *corpus];
	size_t lens[sizeof corpus / sizeof *corpus];
	for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
		texts[i] = corpus[i];
		lens[i] = strlen(corpus[i]);
	}
	struct tokenizer *trained;
	char err[MENTOR_ERR_LEN];
	if (tokenizer_train(texts, lens, sizeof corpus / sizeof *corpus, 420, &trained, err)) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	qwen = build(trained, TOKENIZER_PRETOK_QWEN2, TOKENIZER_NORM_NFC, 1);
	llama = build(trained, TOKENIZER_PRETOK_LLAMA3, TOKENIZER_NORM_NONE, 0);
	tokenizer_free(trained);
	return 0;
}

/* What decode(encode(x)) must give: x with, at each place, the longest
 * added text kept as it is and the runs between them normalised. */
static void expected(const struct tokenizer *t, const char *x, size_t n, struct buf *out)
{
	size_t run = 0, i = 0;
	int nfc = tokenizer_normalizer(t) == TOKENIZER_NORM_NFC;
	size_t n_added = tokenizer_num_added(t);
	while (i < n) {
		size_t best = 0;
		for (size_t k = 0; k < n_added; k++) {
			struct tokenizer_added a;
			FUZZ_CHECK(tokenizer_added_get(t, k, &a) == 0);
			if (a.len > best && a.len <= n - i && !memcmp(x + i, a.text, a.len))
				best = a.len;
		}
		if (!best) {
			i++;
			continue;
		}
		FUZZ_CHECK((nfc ? unicode_nfc(x + run, i - run, out)
				: buf_append(out, x + run, i - run)) == 0);
		FUZZ_CHECK(buf_append(out, x + i, best) == 0);
		i += best;
		run = i;
	}
	FUZZ_CHECK((nfc ? unicode_nfc(x + run, n - run, out) : buf_append(out, x + run, n - run)) ==
		   0);
}

static void text(const struct tokenizer *t, const char *x, size_t n)
{
	struct tokenizer_ids ids;
	struct buf got, want;
	char err[MENTOR_ERR_LEN];
	tokenizer_ids_init(&ids);
	buf_init(&got);
	buf_init(&want);
	FUZZ_CHECK(tokenizer_encode(t, x, n, &ids, err) == 0);
	for (size_t i = 0; i < ids.n; i++)
		FUZZ_CHECK(ids.ids[i] >= 0 && ids.ids[i] < tokenizer_vocab_size(t));
	FUZZ_CHECK(tokenizer_decode(t, ids.ids, ids.n, 0, &got, err) == 0);
	expected(t, x, n, &want);
	FUZZ_CHECK(got.len == want.len);
	FUZZ_CHECK(!got.len || !memcmp(got.data, want.data, got.len));
	/* the pieces of the pre-tokenizer cover the text */
	for (size_t at = 0; at < n;) {
		size_t k = tokenizer_pretok_next(tokenizer_pretok(t), x + at, n - at);
		FUZZ_CHECK(k >= 1 && k <= n - at);
		at += k;
	}
	tokenizer_ids_release(&ids);
	buf_release(&got);
	buf_release(&want);
}

static void nfc(const char *x, size_t n)
{
	struct buf a, b;
	buf_init(&a);
	buf_init(&b);
	FUZZ_CHECK(unicode_nfc(x, n, &a) == 0);
	FUZZ_CHECK(unicode_nfc(a.data ? a.data : "", a.len, &b) == 0);
	FUZZ_CHECK(a.len == b.len && (!a.len || !memcmp(a.data, b.data, a.len)));
	if (unicode_nfc_quick(x, n))
		FUZZ_CHECK(a.len == n && (!n || !memcmp(a.data, x, n)));
	if (util_utf8_valid(x, n, 0, NULL))
		FUZZ_CHECK(util_utf8_valid(a.data ? a.data : "", a.len, 0, NULL));
	buf_release(&a);
	buf_release(&b);
}

static void json(const uint8_t *data, size_t size)
{
	char *path = fuzz_path("tokenizer.json");
	fuzz_write(path, data, size);
	struct tokenizer *t = NULL;
	char err[MENTOR_ERR_LEN] = "";
	if (modelio_read_tokenizer(fuzz_dir(), &t, err)) {
		FUZZ_CHECK(err[0] != '\0');
		free(path);
		return;
	}
	text(t, corpus[2], strlen(corpus[2]));
	text(t, (const char *)data, size);
	tokenizer_free(t);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int what = data[0] % 3;
	data++, size--;
	char *copy = fuzz_strndup(data, size);
	switch (what) {
	case 0:
		text(qwen, copy, size);
		text(llama, copy, size);
		break;
	case 1: nfc(copy, size); break;
	default: json(data, size); break;
	}
	free(copy);
	return 0;
}
