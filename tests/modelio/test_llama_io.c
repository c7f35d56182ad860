/* test_llama_io: Llama-family models (Llama with Llama 3 RoPE and its own
 * head, SmolLM2 with its digit-by-digit pre-tokenizer, Qwen2 with biases
 * and a tied head, Qwen3 with q/k norms, head_dim apart from hidden/heads
 * and linear RoPE) with a Qwen-like vocabulary whose file ids differ from
 * mentor's, written as GGUF and as Hugging Face folders and read back: the
 * configuration, every parameter bit for bit (NaN and infinities
 * included), the token ids of a text and the logits. llama's q/k rows in
 * the GGUF are checked against llama.cpp's converter layout. Then hostile
 * input: truncation everywhere, wrong dtypes, types, shapes and names,
 * unknown model types, architectures and pre-tokenizers, huge counts,
 * shard indexes that name missing files or paths outside the folder. */
#include <cjson/cJSON.h>

#include "mentor/llama.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "test.h"

#define V_ROWS 300 /* model rows: the vocabulary's 263 file ids and padding */

static const char text[] = "hello world <|im_start|>user\nhe said 'hello' 12345 <think>"
			   " caf\xc3\xa9 \xe3\x81\x82\xe3\x82\x8a<|endoftext|>";

/* A Qwen-like vocabulary: bytes at file ids 255-b, four merges at 256..259,
 * "<|endoftext|>" (file 260) as mentor's <|eos|>, "<|im_start|>" (261,
 * special) and "<think>" (262, not special) added. */
static struct tokenizer *make_tok(int pretok, int norm)
{
	static const int32_t pairs[] = {104, 101, 108, 108, 256, 257, 32, 119};
	int nm = 4, base = 256 + nm + TOKENIZER_N_SPECIAL;
	int32_t file_ids[256 + 4 + TOKENIZER_N_SPECIAL + 2];
	for (int b = 0; b < 256; b++)
		file_ids[b] = 255 - b;
	for (int r = 0; r < nm; r++)
		file_ids[256 + r] = 256 + r;
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++)
		file_ids[256 + nm + k] = k == TOKENIZER_EOS ? 260 : -1;
	file_ids[base] = 261;
	file_ids[base + 1] = 262;
	struct tokenizer_added added[] = {
		{"<|endoftext|>", 13, 256 + 4 + TOKENIZER_EOS, 1},
		{"<|im_start|>", 12, base, 1},
		{"<think>", 7, base + 1, 0},
	};
	struct tokenizer_opts o = {pretok, norm, file_ids, added, 3};
	struct tokenizer *t;
	char err[MENTOR_ERR_LEN];
	if (tokenizer_build_ext(pairs, (size_t)nm, &o, &t, err))
		TEST_SETUP_FAIL("%s", err);
	return t;
}

enum { F_LLAMA3, F_SMOL, F_QWEN2, F_QWEN3, N_FAM };
static const char *const fam_name[N_FAM] = {"llama3", "smol", "qwen2", "qwen3"};

static void make_model(int which, struct modelio_llama *mm)
{
	struct llama_config c;
	memset(&c, 0, sizeof c);
	c.vocab_size = V_ROWS;
	c.hidden_size = 32;
	c.intermediate_size = 40;
	c.n_layer = 2;
	c.n_head = 4;
	c.n_kv_head = 2;
	c.head_dim = 8;
	c.max_seq_len = 64;
	c.rope_theta = 500000.0;
	c.rope_factor = 1.0;
	c.rms_norm_eps = 1e-5;
	int pretok = TOKENIZER_PRETOK_LLAMA3, norm = TOKENIZER_NORM_NONE;
	switch (which) {
	case F_LLAMA3:
		c.rope_type = LLAMA_ROPE_LLAMA3;
		c.rope_factor = 8.0;
		c.rope_low_freq_factor = 1.0;
		c.rope_high_freq_factor = 4.0;
		c.rope_original_max_pos = 16;
		break;
	case F_SMOL:
		c.n_head = 3, c.n_kv_head = 1, c.hidden_size = 48, c.head_dim = 16;
		c.tie_word_embeddings = 1, c.rope_theta = 100000;
		pretok = TOKENIZER_PRETOK_SMOLLM;
		break;
	case F_QWEN2:
		c.family = LLAMA_FAMILY_QWEN2;
		c.attention_bias = 1, c.tie_word_embeddings = 1, c.rms_norm_eps = 1e-6;
		c.rope_theta = 1000000.0;
		pretok = TOKENIZER_PRETOK_QWEN2, norm = TOKENIZER_NORM_NFC;
		break;
	default:
		c.family = LLAMA_FAMILY_QWEN3;
		c.qk_norm = 1, c.attention_bias = 1, c.head_dim = 12, c.rms_norm_eps = 1e-6;
		c.rope_type = LLAMA_ROPE_LINEAR, c.rope_factor = 2.0;
		pretok = TOKENIZER_PRETOK_QWEN2, norm = TOKENIZER_NORM_NFC;
		break;
	}
	char err[MENTOR_ERR_LEN];
	struct llama *m;
	if (llama_new(&c, 11 + (uint64_t)which, &m, err))
		TEST_SETUP_FAIL("%s", err);
	modelio_llama_init(mm);
	mm->cfg = c;
	mm->n_params = llama_num_params(m);
	mm->params = malloc(mm->n_params * sizeof *mm->params);
	memcpy(mm->params, llama_params(m), mm->n_params * sizeof *mm->params);
	/* norms and biases away from 1 and 0, so that a swap shows */
	for (size_t i = 0; i < mm->n_params; i++)
		mm->params[i] += 0.01f * (float)((i * 7919) % 13);
	llama_free(m);
	mm->tok = make_tok(pretok, norm);
}

static void check_same_cfg(const struct llama_config *a, const struct llama_config *b,
			   const char *what)
{
	int same = a->family == b->family && a->vocab_size == b->vocab_size &&
		   a->hidden_size == b->hidden_size &&
		   a->intermediate_size == b->intermediate_size && a->n_layer == b->n_layer &&
		   a->n_head == b->n_head && a->n_kv_head == b->n_kv_head &&
		   a->head_dim == b->head_dim && a->max_seq_len == b->max_seq_len &&
		   a->rope_theta == b->rope_theta && a->rope_type == b->rope_type &&
		   a->rope_factor == b->rope_factor && a->rms_norm_eps == b->rms_norm_eps &&
		   a->attention_bias == b->attention_bias && a->qk_norm == b->qk_norm &&
		   a->tie_word_embeddings == b->tie_word_embeddings;
	if (a->rope_type == LLAMA_ROPE_LLAMA3)
		same = same && a->rope_low_freq_factor == b->rope_low_freq_factor &&
		       a->rope_high_freq_factor == b->rope_high_freq_factor &&
		       a->rope_original_max_pos == b->rope_original_max_pos;
	CHECK_MSG(same, "%s: the configuration changed", what);
}

static void encode(const struct tokenizer *t, struct tokenizer_ids *ids)
{
	char err[MENTOR_ERR_LEN];
	tokenizer_ids_init(ids);
	if (tokenizer_encode(t, text, strlen(text), ids, err))
		TEST_SETUP_FAIL("%s", err);
}

/* b is a as it was written: configuration, parameters bit for bit, the
 * token ids of the text (mentor's and the file's) and the logits. */
static void check_same(const struct modelio_llama *a, const struct modelio_llama *b,
		       const char *what)
{
	check_same_cfg(&a->cfg, &b->cfg, what);
	CHECK_MSG(a->n_params == b->n_params &&
			  !memcmp(a->params, b->params, a->n_params * sizeof *a->params),
		  "%s: parameters differ", what);
	struct tokenizer_ids x, y;
	encode(a->tok, &x);
	encode(b->tok, &y);
	int same = x.n == y.n && x.n > 10;
	for (size_t i = 0; same && i < x.n; i++)
		same = x.ids[i] == y.ids[i] &&
		       tokenizer_file_id(a->tok, x.ids[i]) == tokenizer_file_id(b->tok, y.ids[i]);
	CHECK_MSG(same, "%s: token ids differ", what);
	CHECK_INT(tokenizer_pretok(a->tok), tokenizer_pretok(b->tok));
	CHECK_INT(tokenizer_normalizer(a->tok), tokenizer_normalizer(b->tok));
	CHECK_INT(tokenizer_vocab_size(a->tok), tokenizer_vocab_size(b->tok));
	/* the model runs the same: file ids of the text through both */
	char err[MENTOR_ERR_LEN];
	struct llama *ma, *mb;
	if (llama_new(&a->cfg, 1, &ma, err) || llama_new(&b->cfg, 2, &mb, err))
		TEST_SETUP_FAIL("%s", err);
	memcpy(llama_params(ma), a->params, a->n_params * sizeof(float));
	memcpy(llama_params(mb), b->params, b->n_params * sizeof(float));
	int32_t in[16];
	int T = x.n < 16 ? (int)x.n : 16;
	for (int i = 0; i < T; i++)
		in[i] = tokenizer_file_id(a->tok, x.ids[i]);
	float la, lb;
	CHECK(!llama_forward(ma, in, NULL, NULL, 1, T, &la, err));
	CHECK(!llama_forward(mb, in, NULL, NULL, 1, T, &lb, err));
	size_t nl = (size_t)T * (size_t)a->cfg.vocab_size;
	int finite = 1;
	for (size_t i = 0; i < nl; i++)
		finite &= isfinite(llama_logits(ma)[i]);
	CHECK_MSG(!finite || !memcmp(llama_logits(ma), llama_logits(mb), nl * sizeof(float)),
		  "%s: logits differ", what);
	llama_free(ma);
	llama_free(mb);
	tokenizer_ids_release(&x);
	tokenizer_ids_release(&y);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	char err[MENTOR_ERR_LEN];
	char *p = util_read_file(path, (size_t)1 << 28, n, err);
	if (!p)
		TEST_SETUP_FAIL("%s", err);
	return (unsigned char *)p;
}

static void spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		TEST_SETUP_FAIL("cannot write %s", path);
}

/* Reading path fails with a message that contains want (NULL: any). */
static void refused(const char *path, const char *want, const char *what)
{
	struct modelio_llama mm;
	char err[MENTOR_ERR_LEN] = "";
	int rc = modelio_llama_read(path, &mm, err);
	CHECK_MSG(rc != 0, "%s: accepted", what);
	if (!rc)
		modelio_llama_release(&mm);
	else
		CHECK_MSG(!want || strstr(err, want), "%s: message '%s' lacks '%s'", what, err,
			  want);
	CHECK(mm.params == NULL && mm.tok == NULL);
}

/* Offset of the first occurrence of s (n bytes) in p, or -1. */
static long find(const unsigned char *p, size_t len, const char *s, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(p + i, s, n))
			return (long)i;
	return -1;
}

/* A copy of the file at src with the bytes of from (first occurrence)
 * replaced by to (same length), written to dst. */
static void patched(const char *src, const char *dst, const char *from, const char *to)
{
	size_t n;
	unsigned char *p = slurp(src, &n);
	long at = find(p, n, from, strlen(from));
	if (at < 0 || strlen(from) != strlen(to))
		TEST_SETUP_FAIL("'%s' not in %s", from, src);
	memcpy(p + at, to, strlen(to));
	spit(dst, p, n);
	free(p);
}

static void copy_dir_file(const char *from_dir, const char *to_dir, const char *name)
{
	char a[600], b[600];
	snprintf(a, sizeof a, "%s/%s", from_dir, name);
	snprintf(b, sizeof b, "%s/%s", to_dir, name);
	size_t n;
	unsigned char *p = slurp(a, &n);
	spit(b, p, n);
	free(p);
}

/* A copy of the folder src (the three files mentor writes) at dst. */
static void copy_folder(const char *src, const char *dst)
{
	mkdir(dst, 0755);
	copy_dir_file(src, dst, "config.json");
	copy_dir_file(src, dst, "tokenizer.json");
	copy_dir_file(src, dst, "tokenizer_config.json");
}

/* The header of the folder's model.safetensors (caller frees with
 * cJSON_Delete); *d the whole file (caller frees), *hl the header length. */
static cJSON *st_head(const char *dir, unsigned char **d, uint64_t *hl)
{
	char p[700];
	snprintf(p, sizeof p, "%s/model.safetensors", dir);
	size_t len;
	*d = slurp(p, &len);
	*hl = 0;
	for (int i = 0; i < 8; i++)
		*hl |= (uint64_t)(*d)[i] << (8 * i);
	return cJSON_ParseWithLength((const char *)*d + 8, (size_t)*hl);
}

/* Write a safetensors file at path holding the tensors named in names (n)
 * taken from the model.safetensors of folder src ("new=old" copies old
 * under the name new); extra_name (may be NULL) adds a tensor of one
 * float. */
static void st_subset(const char *src, const char *path, const char *const *names, int n,
		      const char *extra_name)
{
	unsigned char *d;
	uint64_t hl;
	cJSON *h = st_head(src, &d, &hl);
	cJSON *out = cJSON_CreateObject();
	struct buf data;
	buf_init(&data);
	for (int i = 0; i < n; i++) {
		char name[160];
		snprintf(name, sizeof name, "%s", names[i]);
		char *eq = strchr(name, '=');
		if (eq)
			*eq = 0;
		cJSON *e = cJSON_GetObjectItemCaseSensitive(h, eq ? eq + 1 : name);
		if (!e)
			TEST_SETUP_FAIL("no tensor %s", names[i]);
		cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
		size_t b = (size_t)cJSON_GetArrayItem(offs, 0)->valuedouble;
		size_t en = (size_t)cJSON_GetArrayItem(offs, 1)->valuedouble;
		cJSON *ne = cJSON_Duplicate(e, 1);
		cJSON *no = cJSON_CreateArray();
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)data.len));
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)(data.len + en - b)));
		cJSON_ReplaceItemInObject(ne, "data_offsets", no);
		cJSON_AddItemToObject(out, name, ne);
		buf_append(&data, d + 8 + hl + b, en - b);
	}
	if (extra_name) {
		cJSON *ne = cJSON_CreateObject();
		cJSON_AddStringToObject(ne, "dtype", "F32");
		int one = 1;
		cJSON_AddItemToObject(ne, "shape", cJSON_CreateIntArray(&one, 1));
		cJSON *no = cJSON_CreateArray();
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)data.len));
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)(data.len + 4)));
		cJSON_AddItemToObject(ne, "data_offsets", no);
		cJSON_AddItemToObject(out, extra_name, ne);
		float z = 0;
		buf_append(&data, &z, 4);
	}
	char *js = cJSON_PrintUnformatted(out);
	uint64_t jl = strlen(js);
	FILE *f = fopen(path, "wb");
	unsigned char l8[8];
	for (int i = 0; i < 8; i++)
		l8[i] = (unsigned char)(jl >> (8 * i));
	if (!f || fwrite(l8, 1, 8, f) != 8 || fwrite(js, 1, jl, f) != jl ||
	    fwrite(data.data, 1, data.len, f) != data.len || fclose(f))
		TEST_SETUP_FAIL("cannot write %s", path);
	free(js);
	cJSON_Delete(out);
	cJSON_Delete(h);
	buf_release(&data);
	free(d);
}

/* The tensor names of the folder's model.safetensors, in file order. */
static int st_names(const char *dir, char names[][80], int cap)
{
	unsigned char *d;
	uint64_t hl;
	cJSON *h = st_head(dir, &d, &hl), *e;
	int n = 0;
	cJSON_ArrayForEach(e, h)
	{
		if (strcmp(e->string, "__metadata__") && n < cap)
			snprintf(names[n++], 80, "%s", e->string);
	}
	cJSON_Delete(h);
	free(d);
	return n;
}

static void write_index(const char *dir, const char *const *names, const char *const *shards, int n)
{
	cJSON *ix = cJSON_CreateObject(), *wm = cJSON_CreateObject();
	cJSON_AddItemToObject(ix, "metadata", cJSON_CreateObject());
	for (int i = 0; i < n; i++)
		cJSON_AddStringToObject(wm, names[i], shards[i]);
	cJSON_AddItemToObject(ix, "weight_map", wm);
	char *js = cJSON_Print(ix);
	char p[600];
	snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
	spit(p, js, strlen(js));
	free(js);
	cJSON_Delete(ix);
}

/* Sharded folders built from the HF folder src (untied llama3): two shards
 * read as one file; then every way an index can be wrong. */
static void test_shards(const char *src, const struct modelio_llama *orig)
{
	char names[64][80];
	int n = st_names(src, names, 64);
	CHECK(n > 10);
	const char *np[64], *sh[64];
	for (int i = 0; i < n; i++) {
		np[i] = names[i];
		sh[i] = i < n / 2 ? "model-00001-of-00002.safetensors"
				  : "model-00002-of-00002.safetensors";
	}
	char dir[600], p[700];
	snprintf(dir, sizeof dir, "%s/sharded", test_tmpdir());
	copy_folder(src, dir);
	snprintf(p, sizeof p, "%s/%s", dir, sh[0]);
	st_subset(src, p, np, n / 2, NULL);
	snprintf(p, sizeof p, "%s/%s", dir, sh[n - 1]);
	st_subset(src, p, np + n / 2, n - n / 2, NULL);
	write_index(dir, np, sh, n);
	struct modelio_llama back;
	char err[MENTOR_ERR_LEN];
	CHECK_MSG(!modelio_llama_read(dir, &back, err), "sharded: %s", err);
	if (back.params) {
		check_same(orig, &back, "sharded");
		modelio_llama_release(&back);
	}
	/* a shard that is missing */
	snprintf(p, sizeof p, "%s/%s", dir, sh[n - 1]);
	char moved[800];
	snprintf(moved, sizeof moved, "%s.away", p);
	rename(p, moved);
	refused(dir, "model-00002-of-00002.safetensors", "missing shard");
	rename(moved, p);
	/* shard names that leave the folder */
	static const char *const bad[] = {"../model-00002-of-00002.safetensors", "/etc/passwd",
					  "sub/x.safetensors", "..", ""};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		const char *s2[64];
		for (int i = 0; i < n; i++)
			s2[i] = i == n - 1 ? bad[k] : sh[i];
		write_index(dir, np, s2, n);
		refused(dir, "not a file name in the folder", bad[k]);
	}
	/* the index puts a tensor in the wrong shard; leaves one out */
	const char *s3[64] = {0};
	for (int i = 0; i < n; i++)
		s3[i] = sh[i == 0 ? n - 1 : i];
	write_index(dir, np, s3, n);
	refused(dir, "but the index puts it", "tensor in the wrong shard");
	write_index(dir, np + 1, sh + 1, n - 1);
	refused(dir, "but the index puts it nowhere", "tensor left out of the index");
	/* an extra tensor in a shard, named in the index */
	const char *np2[65], *sh2[65];
	for (int i = 0; i < n; i++)
		np2[i] = np[i], sh2[i] = sh[i];
	np2[n] = "model.layers.0.extra.weight";
	sh2[n] = sh[0];
	snprintf(p, sizeof p, "%s/%s", dir, sh[0]);
	st_subset(src, p, np, n / 2, np2[n]);
	write_index(dir, np2, sh2, n + 1);
	refused(dir, "unexpected tensor 'model.layers.0.extra.weight'", "extra tensor");
	/* not an index */
	snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
	spit(p, "{\"weight_map\": [1, 2]}", 22);
	refused(dir, "weight_map", "weight_map not an object");
	spit(p, "{\"weight_map\": {\"a\": 3}}", 24);
	refused(dir, "not a file name", "shard not a string");
	spit(p, "{\"weight_map\": {\"a\"", 19);
	refused(dir, "invalid JSON", "truncated index");
}

/* llama.cpp's converter layout of llama's q/k: the file's blk.0.attn_q
 * rows are transformers' reshaped (heads, 2, D/2) -> (heads, D/2, 2). */
static void check_rotary_layout(const char *gguf, const struct modelio_llama *mm)
{
	size_t n;
	unsigned char *p = slurp(gguf, &n);
	const struct llama_config *c = &mm->cfg;
	int C = c->hidden_size, D = c->head_dim, H = c->n_head;
	/* q_proj follows the embedding and input_layernorm in the buffer */
	const float *q = mm->params + (size_t)c->vocab_size * C + (size_t)C;
	/* the data of blk.0.attn_q.weight: find its first row in the file */
	float *want = malloc((size_t)H * D * C * sizeof *want);
	for (int h = 0; h < H; h++)
		for (int two = 0; two < 2; two++)
			for (int i = 0; i < D / 2; i++)
				memcpy(want + ((size_t)h * D + (size_t)i * 2 + two) * C,
				       q + ((size_t)h * D + (size_t)two * (D / 2) + i) * C,
				       (size_t)C * sizeof(float));
	long at = find(p, n, (const char *)want, (size_t)H * D * C * sizeof(float));
	CHECK_MSG(at > 0 && at % 32 == 0, "llama q rows not in the converter's order");
	long plain = find(p, n, (const char *)q, (size_t)H * D * C * sizeof(float));
	CHECK_MSG(plain < 0, "llama q rows kept in transformers' order");
	free(want);
	free(p);
}

/* A GGUF of Llama 3 as llama.cpp's converter leaves it, without mentor's
 * keys: the scaling comes back from rope_freqs.weight and the context
 * keys, the floats from their F32 values. */
static void test_foreign_llama3(const char *g, const struct modelio_llama *mm)
{
	size_t n;
	unsigned char *p = slurp(g, &n);
	int renamed = 0;
	for (long at; (at = find(p, n, "mentor.", 7)) >= 0; renamed++)
		memcpy(p + at, "mentoX.", 7);
	CHECK(renamed >= 8);
	char t[700];
	snprintf(t, sizeof t, "%s.foreign", g);
	spit(t, p, n);
	free(p);
	struct modelio_llama b;
	char err[MENTOR_ERR_LEN];
	CHECK_MSG(!modelio_llama_read(t, &b, err), "foreign llama3: %s", err);
	if (!b.params)
		return;
	const struct llama_config *c = &b.cfg;
	CHECK(c->rope_type == LLAMA_ROPE_LLAMA3 && c->rope_factor == 8.0 &&
	      c->rope_low_freq_factor == 1.0 && c->rope_high_freq_factor == 4.0 &&
	      c->rope_original_max_pos == 16);
	CHECK(c->rms_norm_eps == (double)(float)1e-5 && c->rope_theta == 500000.0);
	CHECK(!memcmp(b.params, mm->params, mm->n_params * sizeof(float)));
	/* the pre-tokenizer from tokenizer.ggml.pre alone */
	CHECK_INT(tokenizer_pretok(b.tok), TOKENIZER_PRETOK_LLAMA3);
	modelio_llama_release(&b);
}

/* Every prefix of the file at path (every byte in the first 4 KiB, then
 * a stride), written at t, makes reading at makes_read (t itself, or its
 * folder) fail. */
static void truncations(const char *path, const char *t, const char *read_at, const char *what)
{
	size_t n;
	unsigned char *p = slurp(path, &n);
	int bad = 0, tried = 0;
	for (size_t k = 0; k < n; k += k < 4096 ? 1 : 997) {
		spit(t, p, k);
		struct modelio_llama mm;
		char err[MENTOR_ERR_LEN];
		tried++;
		if (!modelio_llama_read(read_at, &mm, err)) {
			bad++;
			modelio_llama_release(&mm);
		}
	}
	CHECK_MSG(!bad, "%s: %d of %d truncations accepted", what, bad, tried);
	unlink(t);
	free(p);
}

/* GGUF files of a written one with one field changed. */
static void test_gguf_hostile(const char *g, const struct modelio_llama *mm)
{
	char err[MENTOR_ERR_LEN];
	char t[700];
	snprintf(t, sizeof t, "%s.bad", g);
	patched(g, t, "qwen2", "qwen9");
	refused(t, "architecture 'qwen9' is not llama, qwen2 or qwen3", "unknown architecture");
	/* tokenizer.ggml.pre is "qwen2" too: the second occurrence */
	size_t n;
	unsigned char *p = slurp(g, &n);
	long a1 = find(p, n, "tokenizer.ggml.pre", 18);
	CHECK(a1 > 0);
	/* key (18), type (4), length (8), "qwen2" */
	unsigned char *v = p + a1 + 18 + 4 + 8;
	CHECK(!memcmp(v, "qwen2", 5));
	memcpy(v, "xwen2", 5);
	/* mentor's own key would name the pre-tokenizer anyway: rename it */
	long mk = find(p, n, "mentor.tokenizer.pre", 20);
	CHECK(mk > 0);
	memcpy(p + mk, "mentor.tokenizer.prX", 20);
	spit(t, p, n);
	refused(t, "pre-tokenizer 'xwen2' is not supported", "unknown pre-tokenizer");
	memcpy(v, "qwen2", 5);
	spit(t, p, n);
	struct modelio_llama ok;
	CHECK_MSG(!modelio_llama_read(t, &ok, err), "qwen2 without mentor's key: %s", err);
	if (ok.tok) {
		CHECK_INT(tokenizer_pretok(ok.tok), TOKENIZER_PRETOK_QWEN2);
		CHECK_INT(tokenizer_normalizer(ok.tok), TOKENIZER_NORM_NFC);
	}
	modelio_llama_release(&ok);
	free(p);
	/* a tensor of a quantised type */
	p = slurp(g, &n);
	long at = find(p, n, "blk.0.ffn_up.weight", 19);
	CHECK(at > 0);
	/* name, n_dims (4), ne (2 x 8), type */
	unsigned char *ty = p + at + 19 + 4 + 16;
	CHECK(ty[0] == 0);
	ty[0] = 2; /* Q4_0 */
	spit(t, p, n);
	refused(t, "type Q4_0", "quantised tensor");
	ty[0] = 200;
	spit(t, p, n);
	refused(t, "unknown type 200", "unknown tensor type");
	ty[0] = 0;
	/* a wrong shape: ne[0] of ffn_up */
	ty[-16] ^= 1;
	spit(t, p, n);
	refused(t, NULL, "ffn_up shape");
	ty[-16] ^= 1;
	/* a tensor renamed: missing, and then unexpected */
	memcpy(p + at, "blk.0.ffn_uX.weight", 19);
	spit(t, p, n);
	refused(t, "tensor 'blk.0.ffn_up.weight' is missing", "renamed tensor");
	memcpy(p + at, "blk.0.ffn_up.weight", 19);
	/* huge counts: tensors in the header, elements of the token array */
	unsigned char sv[8];
	memcpy(sv, p + 8, 8);
	memset(p + 8, 0xff, 8);
	spit(t, p, n);
	refused(t, "claims", "huge tensor count");
	memcpy(p + 8, sv, 8);
	long tk = find(p, n, "tokenizer.ggml.tokens", 21);
	unsigned char *cnt = p + tk + 21 + 4 + 4;
	memcpy(sv, cnt, 8);
	memset(cnt, 0x7f, 8);
	spit(t, p, n);
	refused(t, "claims", "huge token count");
	memcpy(cnt, sv, 8);
	/* the embedding one row short of the vocabulary */
	long te = find(p, n, "token_embd.weight", 17);
	unsigned char *rows = p + te + 17 + 4 + 8; /* ne[1]: the rows */
	CHECK(rows[0] == V_ROWS % 256 && rows[1] == V_ROWS / 256);
	rows[0]--;
	spit(t, p, n);
	refused(t, "300 tokens for an embedding of 299 rows", "embedding a row short");
	rows[0]++;
	/* no RMSNorm epsilon */
	long ek = find(p, n, "qwen2.attention.layer_norm_rms_epsilon", 38);
	CHECK(ek > 0);
	p[ek + 37] = '_';
	spit(t, p, n);
	refused(t, "'qwen2.attention.layer_norm_rms_epsilon' is missing", "no epsilon");
	p[ek + 37] = 'n';
	/* values and keys of different widths */
	long vk = find(p, n, "qwen2.attention.value_length", 28);
	CHECK(vk > 0);
	p[vk + 28 + 4]++;
	spit(t, p, n);
	refused(t, "value_length 9 differs from key_length 8", "value_length");
	p[vk + 28 + 4]--;
	spit(t, p, n);
	struct modelio_llama same;
	CHECK_MSG(!modelio_llama_read(t, &same, err), "restored file: %s", err);
	modelio_llama_release(&same);
	free(p);
	(void)mm;
}

static void test_hf_hostile(const char *dir)
{
	char d2[700], p[800];
	snprintf(d2, sizeof d2, "%s-bad", dir);
	copy_folder(dir, d2);
	copy_dir_file(dir, d2, "model.safetensors");
	snprintf(p, sizeof p, "%s/config.json", d2);
	char src[700];
	snprintf(src, sizeof src, "%s/config.json", dir);
	patched(src, p, "\"model_type\": \"qwen2\"", "\"model_type\": \"mistr\"");
	refused(d2, "model_type 'mistr'", "unknown model_type");
	patched(src, p, "\"intermediate_size\": 40", "\"intermediate_size\": 41");
	refused(d2, "wrong shape", "intermediate_size off by one");
	patched(src, p, "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
	refused(d2, "'model.layers.2.input_layernorm.weight' is missing", "a layer missing");
	copy_dir_file(dir, d2, "config.json");
	/* dtypes */
	char sp[800], ss[800];
	snprintf(ss, sizeof ss, "%s/model.safetensors", dir);
	snprintf(sp, sizeof sp, "%s/model.safetensors", d2);
	patched(ss, sp, "\"dtype\":\"F32\"", "\"dtype\":\"I32\"");
	refused(d2, "unsupported dtype", "I32 tensor");
	patched(ss, sp, "\"dtype\":\"F32\"", "\"dtype\":\"F64\"");
	refused(d2, "unsupported dtype", "F64 tensor");
	/* names */
	patched(ss, sp, "model.norm.weight", "model.norX.weight");
	refused(d2, "'model.norm.weight' is missing", "renamed norm");
	/* a tied head written out, equal and then not */
	char names[64][80];
	int n = st_names(dir, names, 64);
	const char *np[65];
	for (int i = 0; i < n; i++)
		np[i] = names[i];
	np[n] = "lm_head.weight=model.embed_tokens.weight";
	st_subset(dir, sp, np, n + 1, NULL);
	struct modelio_llama a, b;
	char err[MENTOR_ERR_LEN];
	CHECK_MSG(!modelio_llama_read(dir, &a, err), "%s", err);
	CHECK_MSG(!modelio_llama_read(d2, &b, err), "tied head repeated: %s", err);
	if (a.params && b.params)
		check_same(&a, &b, "tied head repeated");
	modelio_llama_release(&a);
	modelio_llama_release(&b);
	np[n] = "lm_head.weight=model.norm.weight";
	st_subset(dir, sp, np, n + 1, NULL);
	refused(d2, "lm_head.weight differs from the token embedding", "tied head of a norm");
	st_subset(dir, sp, np, n, "lm_head.weight");
	refused(d2, "lm_head.weight differs from the token embedding", "tied head differs");
	truncations(ss, sp, d2, "safetensors");
	/* a header of absurd length */
	size_t len;
	unsigned char *d = slurp(ss, &len);
	memset(d, 0xff, 8);
	spit(sp, d, len);
	refused(d2, "header length", "huge header");
	free(d);
	/* a tokenizer with an id past the model's rows */
	copy_dir_file(dir, d2, "model.safetensors");
	snprintf(p, sizeof p, "%s/tokenizer.json", d2);
	snprintf(src, sizeof src, "%s/tokenizer.json", dir);
	patched(src, p, "\"id\": 262,", "\"id\": 962,");
	refused(d2, "past the model's 300 rows", "token id past the rows");
}

int main(void)
{
	char err[MENTOR_ERR_LEN];
	for (int which = 0; which < N_FAM; which++) {
		struct modelio_llama mm, back, again;
		make_model(which, &mm);
		if (which == F_QWEN3) { /* NaN and infinities pass unchanged */
			mm.params[5] = NAN;
			mm.params[6] = INFINITY;
			mm.params[7] = -INFINITY;
		}
		char g[600], h[600], g2[600];
		snprintf(g, sizeof g, "%s/%s.gguf", test_tmpdir(), fam_name[which]);
		snprintf(h, sizeof h, "%s/%s-hf", test_tmpdir(), fam_name[which]);
		snprintf(g2, sizeof g2, "%s/%s-2.gguf", test_tmpdir(), fam_name[which]);
		CHECK_MSG(!modelio_llama_write_gguf(&mm, g, err), "%s", err);
		CHECK_MSG(!modelio_llama_read(g, &back, err), "%s: %s", fam_name[which], err);
		if (back.params) {
			check_same(&mm, &back, fam_name[which]);
			/* GGUF -> HF -> GGUF */
			CHECK_MSG(!modelio_llama_write_hf(&back, h, err), "%s", err);
			CHECK_MSG(!modelio_llama_read(h, &again, err), "%s: %s", fam_name[which],
				  err);
			if (again.params) {
				check_same(&mm, &again, fam_name[which]);
				CHECK_MSG(!modelio_llama_write_gguf(&again, g2, err), "%s", err);
				modelio_llama_release(&again);
			}
			modelio_llama_release(&back);
		}
		/* the same bytes twice */
		size_t n1, n2;
		unsigned char *a = slurp(g, &n1), *b = slurp(g2, &n2);
		CHECK_MSG(n1 == n2 && !memcmp(a, b, n1), "%s: GGUF not reproduced",
			  fam_name[which]);
		free(a);
		free(b);
		/* a file in the folder means the folder */
		char cf[700];
		snprintf(cf, sizeof cf, "%s/config.json", h);
		CHECK_MSG(!modelio_llama_read(cf, &back, err), "%s", err);
		modelio_llama_release(&back);
		if (which == F_LLAMA3) {
			check_rotary_layout(g, &mm);
			test_foreign_llama3(g, &mm);
			test_shards(h, &mm);
		}
		if (which == F_QWEN2) {
			test_gguf_hostile(g, &mm);
			test_hf_hostile(h);
			char cut[700];
			snprintf(cut, sizeof cut, "%s.cut", g);
			truncations(g, cut, cut, "gguf");
		}
		modelio_llama_release(&mm);
	}
	refused(test_tmpdir(), "config.json", "a folder without config.json");
	refused("/nonexistent/model.gguf", "No such file", "no such file");
	return test_done();
}
