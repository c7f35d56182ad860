/* test_hf_tokenizer: a small tokenizer.json in Qwen's form (NFC, a Split by
 * Qwen2's regex + ByteLevel, added tokens) read by modelio_read_tokenizer
 * as a file and as a folder, then every way it can be wrong: truncated and
 * malformed JSON, huge counts, merges naming unknown tokens, duplicate and
 * out-of-range ids, unknown normalizers, pre-tokenizers, regexes,
 * decoders, BPE options and added-token flags, each refused with a message
 * that names the cause. */
#include <cjson/cJSON.h>

#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "test.h"

#define N_BASE 260 /* 256 bytes + 4 merges */

static const char qwen_re[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
			      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

static cJSON *added_token(int id, const char *content, int special)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "id", id);
	cJSON_AddStringToObject(a, "content", content);
	cJSON_AddFalseToObject(a, "single_word");
	cJSON_AddFalseToObject(a, "lstrip");
	cJSON_AddFalseToObject(a, "rstrip");
	cJSON_AddFalseToObject(a, "normalized");
	cJSON_AddBoolToObject(a, "special", special);
	return a;
}

static cJSON *byte_level(int use_regex)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "ByteLevel");
	cJSON_AddFalseToObject(b, "add_prefix_space");
	cJSON_AddFalseToObject(b, "trim_offsets");
	cJSON_AddBoolToObject(b, "use_regex", use_regex);
	return b;
}

/* The valid file: bytes in GPT-2's order of characters but numbered from
 * the end, merges "h e", "l l", "he ll", "Ġ w" (ids 256..259), three added
 * tokens after them. */
static cJSON *base(void)
{
	cJSON *j = cJSON_CreateObject(), *model = cJSON_CreateObject(),
	      *vocab = cJSON_CreateObject(), *merges = cJSON_CreateArray(),
	      *added = cJSON_CreateArray(), *pre = cJSON_CreateObject(), *seq = cJSON_CreateArray(),
	      *split = cJSON_CreateObject(), *pat = cJSON_CreateObject(),
	      *norm = cJSON_CreateObject();
	for (unsigned b = 0; b < 256; b++) {
		char c[3];
		modelio_byte_char(b, c);
		cJSON_AddNumberToObject(vocab, c, 255 - b);
	}
	static const char *const m[4][3] = {{"h", "e", "he"},
					    {"l", "l", "ll"},
					    {"he", "ll", "hell"},
					    {"\xc4\xa0", "w", "\xc4\xa0w"}};
	for (int r = 0; r < 4; r++) {
		cJSON_AddItemToArray(merges, cJSON_CreateStringArray(m[r], 2));
		cJSON_AddNumberToObject(vocab, m[r][2], 256 + r);
	}
	cJSON_AddStringToObject(model, "type", "BPE");
	cJSON_AddNullToObject(model, "dropout");
	cJSON_AddNullToObject(model, "unk_token");
	cJSON_AddStringToObject(model, "continuing_subword_prefix", "");
	cJSON_AddStringToObject(model, "end_of_word_suffix", "");
	cJSON_AddFalseToObject(model, "fuse_unk");
	cJSON_AddFalseToObject(model, "byte_fallback");
	cJSON_AddFalseToObject(model, "ignore_merges");
	cJSON_AddItemToObject(model, "vocab", vocab);
	cJSON_AddItemToObject(model, "merges", merges);
	cJSON_AddItemToArray(added, added_token(N_BASE, "<|endoftext|>", 1));
	cJSON_AddItemToArray(added, added_token(N_BASE + 1, "<|im_start|>", 1));
	cJSON_AddItemToArray(added, added_token(N_BASE + 2, "<think>", 0));
	cJSON_AddStringToObject(norm, "type", "NFC");
	cJSON_AddStringToObject(split, "type", "Split");
	cJSON_AddStringToObject(pat, "Regex", qwen_re);
	cJSON_AddItemToObject(split, "pattern", pat);
	cJSON_AddStringToObject(split, "behavior", "Isolated");
	cJSON_AddFalseToObject(split, "invert");
	cJSON_AddItemToArray(seq, split);
	cJSON_AddItemToArray(seq, byte_level(0));
	cJSON_AddStringToObject(pre, "type", "Sequence");
	cJSON_AddItemToObject(pre, "pretokenizers", seq);
	cJSON_AddStringToObject(j, "version", "1.0");
	cJSON_AddNullToObject(j, "truncation");
	cJSON_AddNullToObject(j, "padding");
	cJSON_AddItemToObject(j, "added_tokens", added);
	cJSON_AddItemToObject(j, "normalizer", norm);
	cJSON_AddItemToObject(j, "pre_tokenizer", pre);
	cJSON_AddItemToObject(j, "post_processor", byte_level(0));
	cJSON_AddItemToObject(j, "decoder", byte_level(0));
	cJSON_AddItemToObject(j, "model", model);
	return j;
}

static char dir[600], file[700];

static void write_json(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	test_write_file(file, s, strlen(s));
	free(s);
}

/* Reading the file fails, naming want. */
static void check_fails(cJSON *j, const char *want)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	write_json(j);
	CHECK_INT(modelio_read_tokenizer(file, &t, err), MENTOR_ERR);
	CHECK(t == NULL);
	CHECK_MSG(strstr(err, want) != NULL, "want '%s': %s", want, err);
	tokenizer_free(t);
	cJSON_Delete(j);
}

static cJSON *at(cJSON *j, const char *a, const char *b)
{
	cJSON *x = cJSON_GetObjectItem(j, a);
	return b ? cJSON_GetObjectItem(x, b) : x;
}

static void set(cJSON *obj, const char *key, cJSON *v)
{
	if (cJSON_GetObjectItem(obj, key))
		cJSON_ReplaceItemInObject(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

static void check_valid(void)
{
	char err[MENTOR_ERR_LEN];
	cJSON *j = base();
	write_json(j);
	cJSON_Delete(j);
	struct tokenizer *t = NULL;
	CHECK_MSG(modelio_read_tokenizer(dir, &t, err) == 0, "%s", err);
	if (!t)
		return;
	CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_QWEN2);
	CHECK_INT(tokenizer_normalizer(t), TOKENIZER_NORM_NFC);
	CHECK_INT(tokenizer_vocab_size(t), N_BASE + TOKENIZER_N_SPECIAL + 2);
	/* "hello<|im_start|> world<think>e + acute" */
	const char *text = "hello<|im_start|> world<think>e\xcc\x81<|endoftext|>";
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	CHECK_INT(tokenizer_encode(t, text, strlen(text), &ids, err), 0);
	static const int32_t want[] = {258,        255 - 'o',  N_BASE + 1, 259,
				       255 - 'o',  255 - 'r',  255 - 'l',  255 - 'd',
				       N_BASE + 2, 255 - 0xc3, 255 - 0xa9, N_BASE};
	int same = ids.n == sizeof want / sizeof want[0];
	for (size_t i = 0; same && i < ids.n; i++)
		same = tokenizer_file_id(t, ids.ids[i]) == want[i];
	CHECK_MSG(same, "%zu ids", ids.n);
	tokenizer_ids_release(&ids);
	tokenizer_free(t);
	/* the file itself, and Llama 3's regex and GPT-2's ByteLevel */
	j = base();
	cJSON *split = cJSON_GetArrayItem(at(j, "pre_tokenizer", "pretokenizers"), 0);
	set(at(split, "pattern", NULL), "Regex",
	    cJSON_CreateString("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
			       "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
			       "\\s+(?!\\S)|\\s+"));
	write_json(j);
	cJSON_Delete(j);
	CHECK_MSG(modelio_read_tokenizer(file, &t, err) == 0, "%s", err);
	CHECK(t && tokenizer_pretok(t) == TOKENIZER_PRETOK_LLAMA3);
	tokenizer_free(t);
	j = base();
	set(j, "pre_tokenizer", byte_level(1));
	set(j, "normalizer", cJSON_CreateNull());
	write_json(j);
	cJSON_Delete(j);
	CHECK_MSG(modelio_read_tokenizer(file, &t, err) == 0, "%s", err);
	CHECK(t && tokenizer_pretok(t) == TOKENIZER_PRETOK_GPT2 &&
	      tokenizer_normalizer(t) == TOKENIZER_NORM_NONE);
	tokenizer_free(t);
	/* a Sequence of NFC normalizers */
	j = base();
	cJSON *ns = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *nfc = cJSON_CreateObject();
	cJSON_AddStringToObject(nfc, "type", "NFC");
	cJSON_AddItemToArray(arr, nfc);
	cJSON_AddStringToObject(ns, "type", "Sequence");
	cJSON_AddItemToObject(ns, "normalizers", arr);
	set(j, "normalizer", ns);
	write_json(j);
	cJSON_Delete(j);
	CHECK_MSG(modelio_read_tokenizer(file, &t, err) == 0, "%s", err);
	CHECK(t && tokenizer_normalizer(t) == TOKENIZER_NORM_NFC);
	tokenizer_free(t);
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static void check_components(void)
{
	cJSON *j = base();
	set(j, "normalizer", typed("NFKC"));
	check_fails(j, "normalizer 'NFKC' is not supported");
	j = base();
	cJSON *ns = typed("Sequence"), *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, typed("NFC"));
	cJSON_AddItemToArray(arr, typed("Lowercase"));
	cJSON_AddItemToObject(ns, "normalizers", arr);
	set(j, "normalizer", ns);
	check_fails(j, "'Lowercase' in the Sequence");
	j = base();
	set(j, "pre_tokenizer", typed("Metaspace"));
	check_fails(j, "pre-tokenizer 'Metaspace' is not supported");
	j = base();
	set(j, "pre_tokenizer", cJSON_CreateNull());
	check_fails(j, "no pre-tokenizer");
	j = base();
	set(j, "pre_tokenizer", byte_level(0)); /* no split at all */
	check_fails(j, "pre-tokenizer 'ByteLevel' is not supported");
	j = base();
	cJSON *bl = byte_level(1);
	set(bl, "add_prefix_space", cJSON_CreateTrue());
	set(j, "pre_tokenizer", bl);
	check_fails(j, "not supported");
	j = base();
	cJSON *split = cJSON_GetArrayItem(at(j, "pre_tokenizer", "pretokenizers"), 0);
	set(at(split, "pattern", NULL), "Regex", cJSON_CreateString("\\s+|\\w+"));
	check_fails(j, "the Split regex '\\s+|\\w+' is not one mentor knows");
	j = base();
	split = cJSON_GetArrayItem(at(j, "pre_tokenizer", "pretokenizers"), 0);
	set(split, "behavior", cJSON_CreateString("Removed"));
	check_fails(j, "Sequence of 'Split' and 'ByteLevel' is not supported");
	j = base();
	split = cJSON_GetArrayItem(at(j, "pre_tokenizer", "pretokenizers"), 0);
	set(split, "invert", cJSON_CreateTrue());
	check_fails(j, "not supported");
	j = base();
	cJSON_AddItemToArray(at(j, "pre_tokenizer", "pretokenizers"), typed("Digits"));
	check_fails(j, "not supported");
	j = base();
	set(j, "decoder", typed("WordPiece"));
	check_fails(j, "decoder 'WordPiece' is not supported");
	static const char *const opts[] = {"dropout",
					   "unk_token",
					   "continuing_subword_prefix",
					   "end_of_word_suffix",
					   "fuse_unk",
					   "byte_fallback",
					   "ignore_merges"};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		j = base();
		set(at(j, "model", NULL), opts[i],
		    i < 4 ? cJSON_CreateString("x") : cJSON_CreateTrue());
		check_fails(j, opts[i]);
	}
	j = base();
	set(at(j, "model", NULL), "type", cJSON_CreateString("WordPiece"));
	check_fails(j, "not a BPE tokenizer");
}

static void check_added(void)
{
	static const char *const flags[] = {"single_word", "lstrip", "rstrip"};
	for (int i = 0; i < 3; i++) {
		cJSON *j = base();
		set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), flags[i],
		    cJSON_CreateTrue());
		check_fails(j, "single_word, lstrip or rstrip");
	}
	cJSON *j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "normalized", cJSON_CreateTrue());
	check_fails(j, "after normalisation");
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "content", cJSON_CreateString(""));
	check_fails(j, "no content");
	char *long_text = malloc(TOKENIZER_MAX_ADDED_LEN + 2);
	memset(long_text, 'x', TOKENIZER_MAX_ADDED_LEN + 1);
	long_text[TOKENIZER_MAX_ADDED_LEN + 1] = 0;
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "content",
	    cJSON_CreateString(long_text));
	check_fails(j, "longer than");
	free(long_text);
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 2), "content",
	    cJSON_CreateString("<|im_start|>"));
	check_fails(j, "same text");
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "id", cJSON_CreateNumber(-1));
	check_fails(j, "invalid added token");
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "id", cJSON_CreateNumber(1e12));
	check_fails(j, "invalid added token");
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "id", cJSON_CreateString("7"));
	check_fails(j, "invalid added token");
	/* an added token whose id is a merge's must be its text */
	j = base();
	set(cJSON_GetArrayItem(at(j, "added_tokens", NULL), 1), "id", cJSON_CreateNumber(256));
	check_fails(j, "differs from the vocabulary");
	/* too many added tokens */
	j = base();
	cJSON *arr = at(j, "added_tokens", NULL);
	char name[32];
	for (int i = 0; i < TOKENIZER_MAX_ADDED + 1; i++) {
		snprintf(name, sizeof name, "<%d>", i);
		cJSON_AddItemToArray(arr, added_token(N_BASE + 3 + i, name, 0));
	}
	check_fails(j, "added tokens is too many");
}

static void check_vocab(void)
{
	cJSON *j = base();
	cJSON_AddItemToArray(at(j, "model", "merges"),
			     cJSON_CreateStringArray((const char *const[]){"h", "zz"}, 2));
	check_fails(j, "refers to a token");
	j = base();
	cJSON_AddItemToArray(at(j, "model", "merges"), cJSON_CreateIntArray((int[]){1, 2}, 2));
	check_fails(j, "not a string or a pair");
	j = base();
	cJSON_AddItemToArray(at(j, "model", "merges"), cJSON_CreateString("hell"));
	check_fails(j, "two tokens");
	j = base();
	set(at(j, "model", "vocab"), "hell", cJSON_CreateNumber(257));
	check_fails(j, "used twice");
	j = base();
	set(at(j, "model", "vocab"), "hell", cJSON_CreateNumber(1e9));
	check_fails(j, "vocabulary id");
	j = base();
	set(at(j, "model", "vocab"), "hell", cJSON_CreateNumber(-3));
	check_fails(j, "vocabulary id");
	j = base();
	set(at(j, "model", "vocab"), "hell", cJSON_CreateNumber(2.5));
	check_fails(j, "vocabulary id");
	j = base();
	cJSON_DeleteItemFromObject(at(j, "model", "vocab"), "w");
	check_fails(j, "no token for byte");
	/* more merges than any vocabulary holds */
	j = base();
	cJSON *m = at(j, "model", "merges");
	for (int i = 0; i < TOKENIZER_MAX_VOCAB; i++)
		cJSON_AddItemToArray(m,
				     cJSON_CreateStringArray((const char *const[]){"h", "e"}, 2));
	check_fails(j, "too many");
}

/* Every prefix of the file (in steps) and a few broken forms fail cleanly. */
static void check_truncated(void)
{
	char err[MENTOR_ERR_LEN];
	cJSON *j = base();
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	size_t n = strlen(s);
	int bad = 0;
	for (size_t k = 0; k < n; k += 37) {
		struct tokenizer *t = NULL;
		test_write_file(file, s, k);
		if (modelio_read_tokenizer(file, &t, err) != MENTOR_ERR || t)
			bad++;
		tokenizer_free(t);
	}
	CHECK_INT(bad, 0);
	free(s);
	static const char *const broken[] = {"",
					     "null",
					     "[]",
					     "{}",
					     "{\"model\": 5}",
					     "{\"model\": {\"type\": \"BPE\"}}",
					     "\xff\xfe{",
					     ("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, "
					      "\"merges\": []}, \"added_tokens\": 7}")};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		struct tokenizer *t = NULL;
		test_write_file(file, broken[i], strlen(broken[i]));
		CHECK_MSG(modelio_read_tokenizer(file, &t, err) == MENTOR_ERR && !t, "broken %zu",
			  i);
		tokenizer_free(t);
	}
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", test_tmpdir());
	snprintf(file, sizeof file, "%s/tokenizer.json", dir);
	check_valid();
	check_components();
	check_added();
	check_vocab();
	check_truncated();
	return test_done();
}
