/* modelio_vocab: a foreign vocabulary into a mentor tokenizer (ids mapped
 * both ways), and the vocabulary files of a Hugging Face folder:
 * tokenizer.json with its normalizer and pre-tokenizer, vocab.json and
 * merges.txt, encoder.json and vocab.bpe. */
#include "mentor/modelio.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mentor/tokenizer.h"
#include "modelio_int.h"

/* ------------------------------------------------------------ vocabulary in */

/* Build a tokenizer from merge pairs (validated by tokenizer_build). */
static int tok_from_pairs(const int32_t *pairs, size_t nm, int pretok, const int32_t *file_ids,
			  struct tokenizer **out, char *err)
{
	size_t vocab = 256 + nm + TOKENIZER_N_SPECIAL;
	if (vocab > TOKENIZER_MAX_VOCAB || vocab > MODEL_MAX_VOCAB)
		return util_err(err, "vocabulary of %zu tokens is larger than %d", vocab,
				TOKENIZER_MAX_VOCAB);
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_build(pairs, nm, pretok, file_ids, out, sub))
		return util_err(err, "invalid tokenizer merges: %s", sub);
	return 0;
}

void modelio_vocab_release(struct modelio_vocab *v)
{
	for (size_t i = 0; v->tok && i < v->n_tok; i++)
		free(v->tok[i]);
	for (size_t i = 0; v->merges && i < v->n_merges; i++)
		free(v->merges[i]);
	for (size_t i = 0; v->added && i < v->n_added; i++)
		free(v->added[i].text);
	free(v->tok);
	free(v->merges);
	free(v->merge_ids);
	free(v->added);
	memset(v, 0, sizeof *v);
}

/* string -> id, open addressing */
struct smap {
	const char **key;
	int64_t *val;
	size_t cap;
};

static int smap_build(struct smap *m, char **keys, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n + 16)
		m->cap *= 2;
	m->key = calloc(m->cap, sizeof *m->key);
	m->val = calloc(m->cap, sizeof *m->val);
	if (!m->key || !m->val)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!keys[i])
			continue;
		size_t h = (size_t)util_fnv1a(keys[i], strlen(keys[i]), 0) & (m->cap - 1);
		while (m->key[h] && strcmp(m->key[h], keys[i]))
			h = (h + 1) & (m->cap - 1);
		if (!m->key[h]) { /* the first of duplicate strings wins */
			m->key[h] = keys[i];
			m->val[h] = (int64_t)i;
		}
	}
	return 0;
}

static int64_t smap_get(const struct smap *m, const char *s, size_t n)
{
	size_t h = (size_t)util_fnv1a(s, n, 0) & (m->cap - 1);
	while (m->key[h]) {
		if (strlen(m->key[h]) == n && !memcmp(m->key[h], s, n))
			return m->val[h];
		h = (h + 1) & (m->cap - 1);
	}
	return -1;
}

static void smap_release(struct smap *m)
{
	free(m->key);
	free(m->val);
}

/* Turn v into a mentor tokenizer with v->pretok and perm (our id -> file id,
 * -1 for a row that the file does not have), which the tokenizer keeps as
 * its file ids. *identity is 1 when perm maps every id to itself and the
 * sizes agree (a mentor export). */
int modelio_vocab_build(const struct modelio_vocab *v, struct tokenizer **tok, int64_t **perm,
			int *identity, char *err)
{
	*tok = NULL;
	*perm = NULL;
	*identity = 0;
	int ret = MENTOR_ERR;
	struct buf s;
	buf_init(&s);
	int32_t *pairs = NULL;
	int32_t *ours = NULL;
	int32_t *file_ids = NULL;
	struct smap map = {0};
	if (v->merge_ids) {
		if (v->n_merge_ids % 2 ||
		    v->n_merge_ids / 2 + 256 + TOKENIZER_N_SPECIAL != v->n_tok)
			return util_err(err,
					"mentor merge list of %zu ids does not fit a vocabulary "
					"of %zu tokens",
					v->n_merge_ids, v->n_tok);
		if (tok_from_pairs(v->merge_ids, v->n_merge_ids / 2, v->pretok, NULL, tok, err))
			return MENTOR_ERR;
		for (size_t id = 0; id < v->n_tok; id++) {
			buf_reset(&s);
			if (modelio_token_string(*tok, (int32_t)id, &s) ||
			    strcmp(s.data ? s.data : "", v->tok[id])) {
				util_err(err, "token %zu does not match the mentor merge list", id);
				goto fail;
			}
		}
		*perm = malloc(v->n_tok * sizeof **perm);
		if (!*perm)
			util_oom();
		for (size_t id = 0; id < v->n_tok; id++)
			(*perm)[id] = (int64_t)id;
		*identity = 1;
		buf_release(&s);
		return 0;
	}
	size_t nm = v->n_merges;
	if (256 + nm + TOKENIZER_N_SPECIAL > TOKENIZER_MAX_VOCAB ||
	    256 + nm + TOKENIZER_N_SPECIAL > MODEL_MAX_VOCAB) {
		util_err(err, "vocabulary with %zu merges is larger than %d tokens", nm,
			 TOKENIZER_MAX_VOCAB);
		goto fail;
	}
	size_t V = 256 + nm + TOKENIZER_N_SPECIAL;
	if (smap_build(&map, v->tok, v->n_tok))
		util_oom();
	ours = malloc((v->n_tok ? v->n_tok : 1) * sizeof *ours);
	*perm = malloc(V * sizeof **perm);
	pairs = malloc((nm ? nm : 1) * 2 * sizeof *pairs);
	if (!ours || !*perm || !pairs)
		util_oom();
	for (size_t i = 0; i < v->n_tok; i++)
		ours[i] = -1;
	for (unsigned b = 0; b < 256; b++) {
		char c[3];
		modelio_byte_char(b, c);
		int64_t f = smap_get(&map, c, strlen(c));
		if (f < 0) {
			util_err(err, "vocabulary has no token for byte 0x%02x", b);
			goto fail;
		}
		(*perm)[b] = f;
		ours[f] = (int32_t)b;
	}
	for (size_t r = 0; r < nm; r++) {
		const char *m = v->merges[r];
		const char *sp = strchr(m, ' ');
		if (!sp || strchr(sp + 1, ' ') || sp == m || !sp[1]) {
			util_err(err, "merge %zu is not two tokens separated by one space", r);
			goto fail;
		}
		int64_t a = smap_get(&map, m, (size_t)(sp - m));
		int64_t bb = smap_get(&map, sp + 1, strlen(sp + 1));
		buf_reset(&s);
		if (buf_append(&s, m, (size_t)(sp - m)) || buf_puts(&s, sp + 1))
			util_oom();
		int64_t f = smap_get(&map, s.data, s.len);
		if (a < 0 || bb < 0 || f < 0 || ours[a] < 0 || ours[bb] < 0) {
			util_err(err,
				 "merge %zu refers to a token the vocabulary lacks or that is "
				 "not built yet",
				 r);
			goto fail;
		}
		if (ours[f] >= 0) {
			util_err(err, "merge %zu builds a token already built", r);
			goto fail;
		}
		pairs[2 * r] = ours[a];
		pairs[2 * r + 1] = ours[bb];
		ours[f] = (int32_t)(256 + r);
		(*perm)[256 + r] = f;
	}
	/* the specials' file ids: their text in the file, or its eos for <|eos|> */
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		const char *txt = tokenizer_special_text(k);
		int64_t f = smap_get(&map, txt, strlen(txt));
		if (f < 0 && k == TOKENIZER_EOS)
			f = v->eos;
		(*perm)[256 + nm + (size_t)k] = f >= 0 && ours[f] < 0 ? f : -1;
	}
	int ident = v->n_tok == V;
	for (size_t id = 0; id < V && ident; id++)
		ident = (*perm)[id] == (int64_t)id;
	/* file ids: perm, but a file token two specials share is the first's */
	file_ids = malloc(V * sizeof *file_ids);
	if (!file_ids)
		util_oom();
	for (size_t id = 0; id < V; id++) {
		int64_t f = (*perm)[id];
		if (f > TOKENIZER_MAX_FILE_ID) {
			util_err(err, "token id %lld is larger than %d", (long long)f,
				 TOKENIZER_MAX_FILE_ID);
			goto fail;
		}
		if (f >= 0 && ours[f] >= 0 && ours[f] != (int32_t)id)
			f = -1;
		else if (f >= 0)
			ours[f] = (int32_t)id;
		file_ids[id] = (int32_t)f;
	}
	/* added tokens: a token the file id already has, or a new one */
	struct tokenizer_added *added = NULL;
	size_t n_new = 0;
	if (v->n_added) {
		added = calloc(v->n_added, sizeof *added);
		int32_t *fi = realloc(file_ids, (V + v->n_added) * sizeof *fi);
		int64_t *pm = realloc(*perm, (V + v->n_added) * sizeof *pm);
		if (!added || !fi || !pm)
			util_oom();
		file_ids = fi;
		*perm = pm;
	}
	for (size_t i = 0; i < v->n_added; i++) {
		int64_t f = v->added[i].id;
		added[i].text = v->added[i].text;
		added[i].len = strlen(v->added[i].text);
		added[i].special = v->added[i].special;
		if (f >= 0 && (size_t)f < v->n_tok && ours[f] >= 0) {
			added[i].id = ours[f];
			continue;
		}
		added[i].id = (int32_t)(V + n_new);
		file_ids[V + n_new] = (int32_t)f;
		(*perm)[V + n_new] = f;
		n_new++;
	}
	struct tokenizer_opts o = {v->pretok, v->normalizer, file_ids, added, v->n_added};
	char sub[MENTOR_ERR_LEN];
	int brc = tokenizer_build_ext(pairs, nm, &o, tok, sub);
	free(added);
	if (brc) {
		util_err(err, "invalid tokenizer merges: %s", sub);
		goto fail;
	}
	*identity = ident && !n_new;
	ret = 0;
	goto out;
fail:
	tokenizer_free(*tok);
	*tok = NULL;
	free(*perm);
	*perm = NULL;
out:
	free(pairs);
	free(ours);
	free(file_ids);
	smap_release(&map);
	buf_release(&s);
	return ret;
}

/* Tokens by id from a vocabulary object ({"token": id, ...}) and added
 * tokens ([{"id": N, "content": "..."}, ...], may be NULL) into v->tok. */
static int vocab_tokens(const cJSON *vocab, const cJSON *added, struct modelio_vocab *v,
			const char *path, char *err)
{
	int64_t max_id = -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, vocab)
	{
		int64_t id;
		if (modelio_json_int(e, 0, TOKENIZER_MAX_VOCAB * 4.0, &id))
			return util_err(err, "cannot read '%s': vocabulary id of '%s' is invalid",
					path, e->string);
		if (id > max_id)
			max_id = id;
	}
	cJSON_ArrayForEach(e, added)
	{
		int64_t id;
		if (modelio_json_int(cJSON_GetObjectItemCaseSensitive(e, "id"), 0,
				     TOKENIZER_MAX_VOCAB * 4.0, &id) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "content")))
			return util_err(err, "cannot read '%s': invalid added token", path);
		if (id > max_id)
			max_id = id;
	}
	v->n_tok = (size_t)(max_id + 1);
	v->tok = calloc(v->n_tok ? v->n_tok : 1, sizeof *v->tok);
	if (!v->tok)
		util_oom();
	cJSON_ArrayForEach(e, vocab)
	{
		size_t id = (size_t)e->valuedouble;
		if (v->tok[id])
			return util_err(err, "cannot read '%s': vocabulary id %zu is used twice",
					path, id);
		v->tok[id] = util_strdup(e->string);
	}
	cJSON_ArrayForEach(e, added)
	{
		size_t id = (size_t)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
		const char *c = cJSON_GetObjectItemCaseSensitive(e, "content")->valuestring;
		if (v->tok[id] && strcmp(v->tok[id], c))
			return util_err(err,
					"cannot read '%s': added token %zu differs from the "
					"vocabulary",
					path, id);
		if (!v->tok[id])
			v->tok[id] = util_strdup(c);
	}
	return 0;
}

/* Merges from a JSON array of "a b" strings or [a, b] pairs into v. */
static int vocab_merges_json(const cJSON *merges, struct modelio_vocab *v, const char *path,
			     char *err)
{
	int n_m = cJSON_GetArraySize(merges);
	if (n_m > TOKENIZER_MAX_VOCAB)
		return util_err(err, "cannot read '%s': %d merges is too many", path, n_m);
	v->merges = calloc(n_m ? (size_t)n_m : 1, sizeof *v->merges);
	if (!v->merges)
		util_oom();
	v->n_merges = (size_t)n_m;
	size_t k = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, merges)
	{
		if (cJSON_IsString(e)) {
			v->merges[k++] = util_strdup(e->valuestring);
		} else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 &&
			   cJSON_IsString(cJSON_GetArrayItem(e, 0)) &&
			   cJSON_IsString(cJSON_GetArrayItem(e, 1))) {
			struct buf b;
			buf_init(&b);
			if (buf_printf(&b, "%s %s", cJSON_GetArrayItem(e, 0)->valuestring,
				       cJSON_GetArrayItem(e, 1)->valuestring))
				util_oom();
			v->merges[k++] = buf_detach(&b, NULL);
		} else {
			return util_err(err,
					"cannot read '%s': merge %zu is not a string or a pair",
					path, k);
		}
	}
	return 0;
}

/* Merges from a merges.txt (OpenAI's vocab.bpe): an optional "#version"
 * first line, then one "a b" merge a line (a final newline, and CR before
 * it, allowed). modelio_vocab_build checks each line's shape. */
static int vocab_merges_txt(const char *txt, size_t len, struct modelio_vocab *v, const char *path,
			    char *err)
{
	if (memchr(txt, 0, len))
		return util_err(err, "cannot read '%s': NUL byte in the merges", path);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += txt[i] == '\n';
	if (lines > TOKENIZER_MAX_VOCAB + 1)
		return util_err(err, "cannot read '%s': %zu merges is too many", path, lines);
	v->merges = calloc(lines + 1, sizeof *v->merges);
	if (!v->merges)
		util_oom();
	size_t i = 0, line = 0;
	while (i < len) {
		const char *nl = memchr(txt + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - txt) : len, n = end - i;
		if (n && txt[i + n - 1] == '\r')
			n--;
		if (!(line == 0 && n >= 8 && !memcmp(txt + i, "#version", 8)))
			v->merges[v->n_merges++] = util_strndup(txt + i, n);
		line++;
		i = end + 1;
	}
	return 0;
}

/* Qwen2's and Llama 3's Split regexes, exactly as their tokenizer.json
 * files spell them (tokenizer.h says what they match), and the one mentor
 * writes for its own pre-tokenizer (hf_tokenizer in modelio_hf.c), which means it. */
static const char mentor_regex[] = " ?\\p{L}+| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char qwen2_regex[] =
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
	"?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char llama3_regex[] =
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
	"?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const char *modelio_pretok_regex(int pretok)
{
	if (pretok == TOKENIZER_PRETOK_MENTOR)
		return mentor_regex;
	if (pretok == TOKENIZER_PRETOK_QWEN2)
		return qwen2_regex;
	return pretok == TOKENIZER_PRETOK_LLAMA3 ? llama3_regex : NULL;
}

/* The "type" of a tokenizer.json component, or "" when it has none. */
static const char *hf_type(const cJSON *j)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type"));
	return t ? t : "";
}

/* 1 when j's member key is absent, null, or false (or "" when str). */
static int hf_off(const cJSON *j, const char *key, int str)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, key);
	return !m || cJSON_IsNull(m) || cJSON_IsFalse(m) ||
	       (str && cJSON_IsString(m) && !m->valuestring[0]);
}

/* A ByteLevel pre-tokenizer with use_regex as wanted and no prefix space. */
static int hf_byte_level(const cJSON *j, int use_regex)
{
	const cJSON *re = cJSON_GetObjectItemCaseSensitive(j, "use_regex");
	int regex = !re || cJSON_IsTrue(re); /* true unless said otherwise */
	return !strcmp(hf_type(j), "ByteLevel") && hf_off(j, "add_prefix_space", 0) &&
	       regex == use_regex;
}

/* The normalizer of tokenizer.json: null, NFC, or a Sequence of those. */
static int hf_normalizer(const cJSON *n, int *norm, const char *path, char *err)
{
	if (!n || cJSON_IsNull(n))
		return 0;
	const char *type = hf_type(n);
	if (!strcmp(type, "NFC")) {
		*norm = TOKENIZER_NORM_NFC;
		return 0;
	}
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(n, "normalizers"), *e;
	if (!strcmp(type, "Sequence") && cJSON_IsArray(seq)) {
		cJSON_ArrayForEach(e, seq)
		{
			if (cJSON_IsNull(e) || strcmp(hf_type(e), "NFC"))
				return util_err(err,
						"cannot read '%s': normalizer '%.40s' in the "
						"Sequence is not supported (mentor knows NFC)",
						path, hf_type(e));
			*norm = TOKENIZER_NORM_NFC;
		}
		return 0;
	}
	return util_err(err,
			"cannot read '%s': normalizer '%.40s' is not supported (mentor "
			"knows NFC and a Sequence of it)",
			path, type);
}

/* The pre-tokenizer of tokenizer.json: GPT-2's ByteLevel, a Sequence of a
 * Split by Qwen2's or Llama 3's regex and a ByteLevel without its own, or
 * SmolLM2's Sequence of Digits (each alone) and GPT-2's ByteLevel. */
static int hf_pretok(const cJSON *p, int *pretok, const char *path, char *err)
{
	if (hf_byte_level(p, 1)) {
		*pretok = TOKENIZER_PRETOK_GPT2;
		return 0;
	}
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(p, "pretokenizers");
	if (!p || cJSON_IsNull(p))
		return util_err(err,
				"cannot read '%s': no pre-tokenizer (mentor knows "
				"ByteLevel and a Split + ByteLevel Sequence)",
				path);
	if (strcmp(hf_type(p), "Sequence") || !cJSON_IsArray(seq) || cJSON_GetArraySize(seq) != 2)
		return util_err(err,
				"cannot read '%s': pre-tokenizer '%.40s' is not supported "
				"(mentor knows ByteLevel and a Split + ByteLevel Sequence)",
				path, hf_type(p));
	const cJSON *split = cJSON_GetArrayItem(seq, 0), *bl = cJSON_GetArrayItem(seq, 1);
	const cJSON *dg = cJSON_GetObjectItemCaseSensitive(split, "individual_digits");
	if (!strcmp(hf_type(split), "Digits") && cJSON_IsTrue(dg) && hf_byte_level(bl, 1)) {
		*pretok = TOKENIZER_PRETOK_SMOLLM; /* SmolLM2's */
		return 0;
	}
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(split, "pattern");
	const char *re = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pat, "Regex"));
	const char *beh = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(split, "behavior"));
	if (strcmp(hf_type(split), "Split") || !re || !beh || strcmp(beh, "Isolated") ||
	    !hf_off(split, "invert", 0) || !hf_byte_level(bl, 0))
		return util_err(err,
				"cannot read '%s': pre-tokenizer Sequence of '%.40s' and "
				"'%.40s' is not supported (mentor knows a Split by a regex, "
				"Isolated, not inverted, then ByteLevel without its regex)",
				path, hf_type(split), hf_type(bl));
	if (!strcmp(re, mentor_regex))
		*pretok = TOKENIZER_PRETOK_MENTOR;
	else if (!strcmp(re, qwen2_regex))
		*pretok = TOKENIZER_PRETOK_QWEN2;
	else if (!strcmp(re, llama3_regex))
		*pretok = TOKENIZER_PRETOK_LLAMA3;
	else
		return util_err(err,
				"cannot read '%s': the Split regex '%.60s%s' is not one "
				"mentor knows (Qwen2's, Llama 3's or mentor's own)",
				path, re, strlen(re) > 60 ? "..." : "");
	return 0;
}

/* What a tokenizer.json asks of the text and the model beyond a vocabulary:
 * the normalizer, pre-tokenizer, decoder, BPE options and added tokens. Any
 * other component, option or regex is refused by name. */
static int hf_pipeline(const cJSON *tj, const cJSON *model, struct modelio_vocab *v,
		       const char *path, char *err)
{
	v->normalizer = TOKENIZER_NORM_NONE;
	if (hf_normalizer(cJSON_GetObjectItemCaseSensitive(tj, "normalizer"), &v->normalizer, path,
			  err) ||
	    hf_pretok(cJSON_GetObjectItemCaseSensitive(tj, "pre_tokenizer"), &v->pretok, path, err))
		return MENTOR_ERR;
	const cJSON *dec = cJSON_GetObjectItemCaseSensitive(tj, "decoder");
	if (dec && !cJSON_IsNull(dec) && strcmp(hf_type(dec), "ByteLevel"))
		return util_err(err,
				"cannot read '%s': decoder '%.40s' is not supported (mentor "
				"knows ByteLevel)",
				path, hf_type(dec));
	static const char *const off[] = {"dropout",
					  "unk_token",
					  "continuing_subword_prefix",
					  "end_of_word_suffix",
					  "fuse_unk",
					  "byte_fallback",
					  "ignore_merges"};
	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
		if (!hf_off(model, off[i], 1))
			return util_err(err,
					"cannot read '%s': the BPE option '%s' is set; mentor "
					"supports it only off",
					path, off[i]);
	const cJSON *added = cJSON_GetObjectItemCaseSensitive(tj, "added_tokens"), *e;
	int n = cJSON_GetArraySize(added);
	if (n > TOKENIZER_MAX_ADDED)
		return util_err(err, "cannot read '%s': %d added tokens is too many", path, n);
	v->added = calloc(n > 0 ? (size_t)n : 1, sizeof *v->added);
	if (!v->added)
		util_oom();
	cJSON_ArrayForEach(e, added)
	{
		const char *c = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "content"));
		size_t k = v->n_added;
		if (!c || !*c || strlen(c) > TOKENIZER_MAX_ADDED_LEN)
			return util_err(err,
					"cannot read '%s': added token %zu has no content or "
					"one longer than %d bytes",
					path, k, TOKENIZER_MAX_ADDED_LEN);
		if (!hf_off(e, "single_word", 0) || !hf_off(e, "lstrip", 0) ||
		    !hf_off(e, "rstrip", 0))
			return util_err(err,
					"cannot read '%s': added token %zu sets single_word, "
					"lstrip or rstrip, which mentor does not support",
					path, k);
		if (!hf_off(e, "normalized", 0) && v->normalizer != TOKENIZER_NORM_NONE)
			return util_err(err,
					"cannot read '%s': added token %zu is matched after "
					"normalisation, which mentor does not support",
					path, k);
		v->added[k].text = util_strdup(c);
		v->added[k].id = (int64_t)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
		v->added[k].special = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "special"));
		v->n_added++;
	}
	return 0;
}

/* Vocabulary of a tokenizer.json (model BPE, vocab object, merges as "a b"
 * strings or [a, b] pairs, added tokens). With pipeline, also what
 * hf_pipeline reads. */
static int hf_vocab(const cJSON *tj, struct modelio_vocab *v, int pipeline, const char *path,
		    char *err)
{
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(tj, "model");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
	const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
	const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
	if (!cJSON_IsObject(model) ||
	    (type && (!cJSON_IsString(type) || strcmp(type->valuestring, "BPE"))) ||
	    !cJSON_IsObject(vocab) || !cJSON_IsArray(merges))
		return util_err(err, "cannot read '%s': not a BPE tokenizer with vocab and merges",
				path);
	const cJSON *added = cJSON_GetObjectItemCaseSensitive(tj, "added_tokens");
	if (vocab_tokens(vocab, added, v, path, err) ||
	    (pipeline && hf_pipeline(tj, model, v, path, err)))
		return MENTOR_ERR;
	return vocab_merges_json(merges, v, path, err);
}

/* Vocabulary of the pair vocab.json (token -> id) + merges.txt, also named
 * encoder.json + vocab.bpe as OpenAI ships them. */
static int pair_vocab(const char *vpath, const char *mpath, struct modelio_vocab *v, char *err)
{
	cJSON *vj = modelio_read_json(vpath, MODELIO_MAX_JSON, err);
	if (!vj)
		return MENTOR_ERR;
	int rc = MENTOR_ERR;
	if (!cJSON_IsObject(vj)) {
		util_err(err, "cannot read '%s': not a JSON object of token ids", vpath);
		goto out;
	}
	if (vocab_tokens(vj, NULL, v, vpath, err))
		goto out;
	size_t len;
	char *txt = util_read_file(mpath, MODELIO_MAX_JSON, &len, err);
	if (!txt)
		goto out;
	rc = vocab_merges_txt(txt, len, v, mpath, err);
	free(txt);
out:
	cJSON_Delete(vj);
	return rc;
}

int modelio_file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* The vocabulary of a Hugging Face folder: tokenizer.json, else vocab.json
 * + merges.txt, else encoder.json + vocab.bpe. cfg (config.json's, may be
 * NULL) gives the eos id (else "<|endoftext|>"'s) and, in its "mentor"
 * object, mentor's merge list and pre-tokenizer; folders without that
 * object get GPT-2's pre-tokenizer. which gets the vocabulary file's path
 * for messages. Holes in the ids become tokens nothing refers to. */
int modelio_hf_dir_vocab(const char *dir, const cJSON *cfg, struct modelio_vocab *v,
			 struct buf *which, char *err)
{
	struct buf p2;
	buf_init(&p2);
	int ret = MENTOR_ERR;
	cJSON *tj = NULL;
	/* mentor's own folders say their pre-tokenizer in config.json */
	const cJSON *men = cJSON_GetObjectItemCaseSensitive(cfg, "mentor");
	int pipeline = 0;
	buf_reset(which);
	if (buf_printf(which, "%s/tokenizer.json", dir))
		util_oom();
	if (modelio_file_exists(which->data)) {
		pipeline = !men;
		if (!(tj = modelio_read_json(which->data, MODELIO_MAX_JSON, err)) ||
		    hf_vocab(tj, v, pipeline, which->data, err))
			goto out;
	} else {
		static const char *const pairs[2][2] = {{"vocab.json", "merges.txt"},
							{"encoder.json", "vocab.bpe"}};
		int k = 0;
		for (; k < 2; k++) {
			buf_reset(which);
			buf_reset(&p2);
			if (buf_printf(which, "%s/%s", dir, pairs[k][0]) ||
			    buf_printf(&p2, "%s/%s", dir, pairs[k][1]))
				util_oom();
			if (modelio_file_exists(which->data) && modelio_file_exists(p2.data))
				break;
		}
		if (k == 2) {
			buf_reset(which);
			if (buf_printf(which, "%s/tokenizer.json", dir))
				util_oom();
			util_err(err,
				 "cannot read '%s': no tokenizer.json, vocab.json + merges.txt "
				 "or encoder.json + vocab.bpe",
				 dir);
			goto out;
		}
		if (pair_vocab(which->data, p2.data, v, err))
			goto out;
	}
	int64_t iv;
	v->eos = -1;
	if (!modelio_json_int(cJSON_GetObjectItemCaseSensitive(cfg, "eos_token_id"), 0,
			      (double)v->n_tok - 1, &iv))
		v->eos = iv;
	for (size_t i = 0; i < v->n_tok && v->eos < 0; i++)
		if (v->tok[i] && !strcmp(v->tok[i], "<|endoftext|>"))
			v->eos = (int64_t)i;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(men, "merge_ids");
	const cJSON *pre = cJSON_GetObjectItemCaseSensitive(men, "pretokenizer");
	if (!pipeline) /* the pipeline of a tokenizer.json says its own */
		v->pretok = men ? TOKENIZER_PRETOK_MENTOR : TOKENIZER_PRETOK_GPT2;
	if (pre && (v->pretok = tokenizer_pretok_parse(cJSON_GetStringValue(pre))) < 0) {
		util_err(err,
			 "cannot read '%s/config.json': unknown pre-tokenizer (a newer mentor "
			 "wrote it?)",
			 dir);
		goto out;
	}
	if (cJSON_IsArray(ids)) {
		v->n_merge_ids = (size_t)cJSON_GetArraySize(ids);
		v->merge_ids = malloc((v->n_merge_ids ? v->n_merge_ids : 1) * sizeof(int32_t));
		if (!v->merge_ids)
			util_oom();
		size_t k = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, ids)
		{
			if (modelio_json_int(e, 0, INT32_MAX, &iv)) {
				util_err(err,
					 "cannot read '%s/config.json': corrupt mentor merge list",
					 dir);
				goto out;
			}
			v->merge_ids[k++] = (int32_t)iv;
		}
	}
	for (size_t i = 0; i < v->n_tok; i++)
		if (!v->tok[i] && !v->merge_ids) {
			/* a hole in the ids: give it a name nothing refers to */
			struct buf b;
			buf_init(&b);
			buf_printf(&b, "\x01unused-%zu", i);
			v->tok[i] = buf_detach(&b, NULL);
		}
	for (size_t i = 0; i < v->n_tok; i++)
		if (!v->tok[i]) {
			util_err(err, "cannot read '%s': token id %zu is missing", which->data, i);
			goto out;
		}
	ret = 0;
out:
	cJSON_Delete(tj);
	buf_release(&p2);
	return ret;
}
