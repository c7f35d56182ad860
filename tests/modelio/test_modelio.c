/* test_modelio: export a tiny student as GGUF and as a Hugging Face folder,
 * check both files with readers written here (not src/modelio.c's), read
 * them back bit for bit, map a foreign (permuted) vocabulary, and refuse
 * truncated, corrupt and hostile files with clear errors. */
#include <cjson/cJSON.h>

#include "mentor/modelio.h"
#include "mentor/store.h"
#include "modelio_fixture.h"

#include <sys/resource.h>
#include <sys/wait.h>

/* ------------------------------------------------------------ a GGUF reader */

struct gg {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static uint64_t gg_u(struct gg *g, int bytes)
{
	uint64_t v = 0;
	if (g->at + (size_t)bytes > g->n) {
		g->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)g->p[g->at + (size_t)i] << (8 * i);
	g->at += (size_t)bytes;
	return v;
}

/* A string as a fresh heap copy. */
static char *gg_s(struct gg *g)
{
	uint64_t n = gg_u(g, 8);
	if (g->bad || n > g->n - g->at) {
		g->bad = 1;
		return strdup("");
	}
	char *s = malloc((size_t)n + 1);
	memcpy(s, g->p + g->at, (size_t)n);
	s[n] = 0;
	g->at += (size_t)n;
	return s;
}

struct gkv_t {
	char *key;
	uint32_t type, atype;
	uint64_t u, an;
	double f;
	char *s;
	char **strs;
	int64_t *ints;
};

static const int scal[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static void gg_val(struct gg *g, uint32_t t, uint64_t *u, double *f)
{
	*u = gg_u(g, scal[t]);
	if (t == 6) {
		uint32_t w = (uint32_t)*u;
		float x;
		memcpy(&x, &w, 4);
		*f = x;
	}
}

struct gt {
	char *name;
	uint32_t nd, type;
	uint64_t ne[4], off;
};

struct gfile {
	uint32_t version;
	uint64_t n_t, n_kv;
	struct gkv_t kv[64];
	struct gt t[64];
	size_t data_start;
};

static int gfile_parse(const unsigned char *p, size_t n, struct gfile *f)
{
	struct gg g = {p, n, 0, 0};
	memset(f, 0, sizeof *f);
	if (n < 4 || memcmp(p, "GGUF", 4))
		return -1;
	g.at = 4;
	f->version = (uint32_t)gg_u(&g, 4);
	f->n_t = gg_u(&g, 8);
	f->n_kv = gg_u(&g, 8);
	if (f->n_kv > 64 || f->n_t > 64)
		return -1;
	for (uint64_t i = 0; i < f->n_kv && !g.bad; i++) {
		struct gkv_t *k = &f->kv[i];
		k->key = gg_s(&g);
		k->type = (uint32_t)gg_u(&g, 4);
		if (k->type == 8) {
			k->s = gg_s(&g);
		} else if (k->type == 9) {
			k->atype = (uint32_t)gg_u(&g, 4);
			k->an = gg_u(&g, 8);
			if (k->an > 1000000)
				return -1;
			if (k->atype == 8) {
				k->strs = calloc(k->an + 1, sizeof *k->strs);
				for (uint64_t j = 0; j < k->an; j++)
					k->strs[j] = gg_s(&g);
			} else {
				k->ints = calloc(k->an + 1, sizeof *k->ints);
				for (uint64_t j = 0; j < k->an; j++) {
					uint64_t u;
					double d;
					gg_val(&g, k->atype, &u, &d);
					k->ints[j] = k->atype == 5 ? (int32_t)u : (int64_t)u;
				}
			}
		} else if (k->type < 13) {
			gg_val(&g, k->type, &k->u, &k->f);
		} else {
			return -1;
		}
	}
	for (uint64_t i = 0; i < f->n_t && !g.bad; i++) {
		struct gt *t = &f->t[i];
		t->name = gg_s(&g);
		t->nd = (uint32_t)gg_u(&g, 4);
		if (t->nd > 4)
			return -1;
		for (uint32_t d = 0; d < t->nd; d++)
			t->ne[d] = gg_u(&g, 8);
		t->type = (uint32_t)gg_u(&g, 4);
		t->off = gg_u(&g, 8);
	}
	f->data_start = (g.at + 31) / 32 * 32;
	return g.bad ? -1 : 0;
}

static void gfile_free(struct gfile *f)
{
	for (uint64_t i = 0; i < f->n_kv; i++) {
		free(f->kv[i].key);
		free(f->kv[i].s);
		for (uint64_t j = 0; f->kv[i].strs && j < f->kv[i].an; j++)
			free(f->kv[i].strs[j]);
		free(f->kv[i].strs);
		free(f->kv[i].ints);
	}
	for (uint64_t i = 0; i < f->n_t; i++)
		free(f->t[i].name);
}

static const struct gkv_t *gkv(const struct gfile *f, const char *key)
{
	for (uint64_t i = 0; i < f->n_kv; i++)
		if (!strcmp(f->kv[i].key, key))
			return &f->kv[i];
	return NULL;
}

static const struct gt *gtensor(const struct gfile *f, const char *name)
{
	for (uint64_t i = 0; i < f->n_t; i++)
		if (!strcmp(f->t[i].name, name))
			return &f->t[i];
	return NULL;
}

/* GPT-2's byte -> unicode, computed the way the Python original does. */
static void byte_text(int b, char out[3])
{
	int cs[256], printable[256] = {0}, n = 0;
	for (int i = '!'; i <= '~'; i++)
		printable[i] = 1;
	for (int i = 0xA1; i <= 0xAC; i++)
		printable[i] = 1;
	for (int i = 0xAE; i <= 0xFF; i++)
		printable[i] = 1;
	for (int i = 0; i < 256; i++)
		cs[i] = printable[i] ? i : 256 + n++;
	int c = cs[b];
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = 0;
	} else {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		out[2] = 0;
	}
}

/* The model's tensors through the model module itself. */
struct ref {
	struct model *m;
	struct tokenizer *tok;
	struct train_ckpt ck;
};

static void ref_load(const char *ckpt, struct ref *r)
{
	char err[MENTOR_ERR_LEN];
	if (train_ckpt_load(ckpt, 0, &r->ck, err))
		TEST_SETUP_FAIL("%s", err);
	if (model_new(&r->ck.mcfg, 1, &r->m, err))
		TEST_SETUP_FAIL("%s", err);
	memcpy(model_params(r->m), r->ck.params, r->ck.n_params * 4);
	r->tok = r->ck.tok;
}

static const float *ref_tensor(struct ref *r, int i, size_t *size)
{
	size_t off;
	model_tensor_info(r->m, i, NULL, &off, size, NULL);
	return model_params(r->m) + off;
}

static void check_gguf(const char *path, struct ref *r)
{
	size_t n;
	unsigned char *p = fixture_slurp(path, &n);
	struct gfile f;
	CHECK(gfile_parse(p, n, &f) == 0);
	CHECK_INT(f.version, 3);
	const struct model_config *mc = &r->ck.mcfg;
	int C = mc->n_embd, V = mc->vocab_size, L = mc->n_layer;
	const struct gkv_t *k;
	CHECK((k = gkv(&f, "general.architecture")) && k->type == 8 && !strcmp(k->s, "gpt2"));
	CHECK((k = gkv(&f, "general.alignment")) && k->type == 4 && k->u == 32);
	CHECK((k = gkv(&f, "general.file_type")) && k->type == 4 && k->u == 0);
	CHECK((k = gkv(&f, "gpt2.block_count")) && k->type == 4 && k->u == (uint64_t)L);
	CHECK((k = gkv(&f, "gpt2.embedding_length")) && k->u == (uint64_t)C);
	CHECK((k = gkv(&f, "gpt2.feed_forward_length")) && k->u == 4 * (uint64_t)C);
	CHECK((k = gkv(&f, "gpt2.context_length")) && k->u == (uint64_t)mc->max_seq_len);
	CHECK((k = gkv(&f, "gpt2.attention.head_count")) && k->u == (uint64_t)mc->n_head);
	CHECK((k = gkv(&f, "gpt2.attention.layer_norm_epsilon")) && k->type == 6 &&
	      fabs(k->f - 1e-5) < 1e-12);
	CHECK((k = gkv(&f, "tokenizer.ggml.model")) && k->s && !strcmp(k->s, "gpt2"));
	const struct gkv_t *toks = gkv(&f, "tokenizer.ggml.tokens");
	const struct gkv_t *types = gkv(&f, "tokenizer.ggml.token_type");
	const struct gkv_t *merges = gkv(&f, "tokenizer.ggml.merges");
	CHECK(toks && toks->type == 9 && toks->atype == 8 && toks->an == (uint64_t)V);
	CHECK(types && types->atype == 5 && types->an == (uint64_t)V);
	CHECK(merges && merges->atype == 8 && merges->an == (uint64_t)tokenizer_num_merges(r->tok));
	if (toks && types && merges && toks->an == (uint64_t)V) {
		char c[3];
		byte_text(' ', c);
		CHECK_STR(toks->strs[' '], "\xc4\xa0"); /* Ġ */
		CHECK_STR(toks->strs[' '], c);
		CHECK_STR(toks->strs['a'], "a");
		CHECK_STR(toks->strs['\n'], "\xc4\x8a"); /* Ċ */
		int eos = tokenizer_special(r->tok, TOKENIZER_EOS);
		CHECK_STR(toks->strs[eos], "<|eos|>");
		CHECK_INT(types->ints[eos], 3);
		CHECK_INT(types->ints['a'], 1);
		CHECK((k = gkv(&f, "tokenizer.ggml.eos_token_id")) && k->u == (uint64_t)eos);
		CHECK((k = gkv(&f, "tokenizer.ggml.padding_token_id")) &&
		      k->u == (uint64_t)tokenizer_special(r->tok, TOKENIZER_PAD));
		/* every token: its bytes mapped; every merge: "a b" building token 256+r */
		int tok_ok = 1, merge_ok = 1;
		for (int id = 0; id < V; id++) {
			size_t len;
			const char *b = tokenizer_token(r->tok, id, &len);
			char want[1024] = "";
			if (tokenizer_is_special(r->tok, id)) {
				snprintf(want, sizeof want, "%.*s", (int)len, b);
			} else {
				for (size_t i = 0; i < len; i++) {
					byte_text((unsigned char)b[i], c);
					size_t wl = strlen(want);
					snprintf(want + wl, sizeof want - wl, "%s", c);
				}
			}
			tok_ok &= !strcmp(toks->strs[id], want);
		}
		for (uint64_t m = 0; m < merges->an; m++) {
			const char *s = merges->strs[m], *sp = strchr(s, ' ');
			char cat[1024];
			if (!sp) {
				merge_ok = 0;
				continue;
			}
			snprintf(cat, sizeof cat, "%.*s%s", (int)(sp - s), s, sp + 1);
			merge_ok &= !strcmp(cat, toks->strs[256 + m]);
		}
		CHECK(tok_ok);
		CHECK(merge_ok);
	}
	/* tensor table */
	CHECK_INT(f.n_t, 12 * (uint64_t)L + 5);
	CHECK(f.data_start % 32 == 0);
	uint64_t prev_end = 0;
	for (uint64_t i = 0; i < f.n_t; i++) {
		const struct gt *t = &f.t[i];
		uint64_t cnt = 1;
		for (uint32_t d = 0; d < t->nd; d++)
			cnt *= t->ne[d];
		CHECK_INT(t->type, 0);
		CHECK_MSG(t->off % 32 == 0, "%s", t->name);
		CHECK_MSG(t->off >= prev_end, "%s overlaps", t->name);
		prev_end = t->off + cnt * 4;
		CHECK(f.data_start + prev_end <= n);
	}
	struct {
		const char *name;
		int tensor, layer;
		uint64_t ne0, ne1;
	} want[] = {
		{"token_embd.weight", MODEL_WTE, -1, (uint64_t)C, (uint64_t)V},
		{"output.weight", MODEL_WTE, -1, (uint64_t)C, (uint64_t)V},
		{"position_embd.weight", MODEL_WPE, -1, (uint64_t)C, (uint64_t)mc->max_seq_len},
		{"blk.1.attn_norm.weight", MODEL_LN1W, 1, (uint64_t)C, 0},
		{"blk.0.attn_norm.bias", MODEL_LN1B, 0, (uint64_t)C, 0},
		{"blk.1.attn_qkv.weight", MODEL_QKVW, 1, (uint64_t)C, 3 * (uint64_t)C},
		{"blk.0.attn_qkv.bias", MODEL_QKVB, 0, 3 * (uint64_t)C, 0},
		{"blk.1.attn_output.weight", MODEL_ATTPROJW, 1, (uint64_t)C, (uint64_t)C},
		{"blk.1.attn_output.bias", MODEL_ATTPROJB, 1, (uint64_t)C, 0},
		{"blk.0.ffn_norm.weight", MODEL_LN2W, 0, (uint64_t)C, 0},
		{"blk.1.ffn_norm.bias", MODEL_LN2B, 1, (uint64_t)C, 0},
		{"blk.1.ffn_up.weight", MODEL_FCW, 1, (uint64_t)C, 4 * (uint64_t)C},
		{"blk.0.ffn_up.bias", MODEL_FCB, 0, 4 * (uint64_t)C, 0},
		{"blk.1.ffn_down.weight", MODEL_FCPROJW, 1, 4 * (uint64_t)C, (uint64_t)C},
		{"blk.1.ffn_down.bias", MODEL_FCPROJB, 1, (uint64_t)C, 0},
		{"output_norm.weight", MODEL_LNFW, -1, (uint64_t)C, 0},
		{"output_norm.bias", MODEL_LNFB, -1, (uint64_t)C, 0},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct gt *t = gtensor(&f, want[i].name);
		CHECK_MSG(t != NULL, "%s", want[i].name);
		if (!t)
			continue;
		CHECK_INT(t->nd, want[i].ne1 ? 2 : 1);
		CHECK_INT(t->ne[0], want[i].ne0);
		if (want[i].ne1)
			CHECK_INT(t->ne[1], want[i].ne1);
		size_t size;
		const float *src = ref_tensor(r, want[i].tensor, &size);
		if (want[i].layer >= 0) {
			size /= (size_t)L;
			src += size * (size_t)want[i].layer;
		}
		uint64_t cnt = want[i].ne0 * (want[i].ne1 ? want[i].ne1 : 1);
		CHECK_INT(cnt, size);
		if (f.data_start + t->off + size * 4 <= n)
			CHECK_MSG(!memcmp(p + f.data_start + t->off, src, size * 4), "%s data",
				  want[i].name);
	}
	gfile_free(&f);
	free(p);
}

/* ------------------------------------------------------------ a safetensors reader */

static void check_safetensors(const char *path, struct ref *r)
{
	size_t n;
	unsigned char *p = fixture_slurp(path, &n);
	CHECK(n > 8);
	uint64_t hl = 0;
	for (int i = 0; i < 8; i++)
		hl |= (uint64_t)p[i] << (8 * i);
	CHECK(hl + 8 <= n);
	CHECK((hl + 8) % 8 == 0);
	cJSON *h = cJSON_ParseWithLength((const char *)p + 8, (size_t)hl);
	CHECK(cJSON_IsObject(h));
	const struct model_config *mc = &r->ck.mcfg;
	size_t C = (size_t)mc->n_embd, L = (size_t)mc->n_layer;
	size_t data = (size_t)hl + 8, total = n - data;
	/* offsets contiguous and covering the data */
	size_t covered = 0, count = 0;
	cJSON *e;
	cJSON_ArrayForEach(e, h)
	{
		if (!strcmp(e->string, "__metadata__"))
			continue;
		count++;
		cJSON *dt = cJSON_GetObjectItem(e, "dtype"), *sh = cJSON_GetObjectItem(e, "shape"),
		      *of = cJSON_GetObjectItem(e, "data_offsets");
		CHECK(cJSON_IsString(dt) && !strcmp(dt->valuestring, "F32"));
		size_t cnt = 1;
		cJSON *d;
		cJSON_ArrayForEach(d, sh) cnt *= (size_t)d->valuedouble;
		size_t b = (size_t)cJSON_GetArrayItem(of, 0)->valuedouble;
		size_t en = (size_t)cJSON_GetArrayItem(of, 1)->valuedouble;
		CHECK_MSG(b == covered, "%s starts at %zu, expected %zu", e->string, b, covered);
		CHECK_INT(en - b, cnt * 4);
		covered = en;
	}
	CHECK_INT(covered, total);
	CHECK_INT(count, 12 * L + 4);
	CHECK(cJSON_GetObjectItem(h, "lm_head.weight") == NULL);
	/* Conv1D layout: c_attn.weight is (C, 3C), the transpose of mentor's (3C, C) */
	cJSON *qkv = cJSON_GetObjectItem(h, "transformer.h.1.attn.c_attn.weight");
	CHECK(qkv != NULL);
	if (qkv) {
		cJSON *sh = cJSON_GetObjectItem(qkv, "shape");
		CHECK_INT(cJSON_GetArrayItem(sh, 0)->valuedouble, C);
		CHECK_INT(cJSON_GetArrayItem(sh, 1)->valuedouble, 3 * C);
		size_t b = (size_t)cJSON_GetArrayItem(cJSON_GetObjectItem(qkv, "data_offsets"), 0)
				   ->valuedouble;
		size_t size;
		const float *w = ref_tensor(r, MODEL_QKVW, &size);
		w += size / L; /* layer 1 */
		float got[16 * 48];
		memcpy(got, p + data + b, C * 3 * C * 4);
		int same = 1;
		for (size_t i = 0; i < C; i++)
			for (size_t j = 0; j < 3 * C; j++)
				same &= memcmp(&got[i * 3 * C + j], &w[j * C + i], 4) == 0;
		CHECK(same);
	}
	cJSON *fc = cJSON_GetObjectItem(h, "transformer.h.0.mlp.c_proj.weight");
	CHECK(fc && cJSON_GetArrayItem(cJSON_GetObjectItem(fc, "shape"), 0)->valuedouble ==
			    4.0 * (double)C);
	cJSON *wte = cJSON_GetObjectItem(h, "transformer.wte.weight");
	CHECK(wte != NULL);
	if (wte) {
		size_t b = (size_t)cJSON_GetArrayItem(cJSON_GetObjectItem(wte, "data_offsets"), 0)
				   ->valuedouble;
		size_t size;
		const float *w = ref_tensor(r, MODEL_WTE, &size);
		CHECK(!memcmp(p + data + b, w, size * 4));
	}
	cJSON_Delete(h);
	free(p);
}

/* ------------------------------------------------------------ round trip */

/* The same merges (so the same tokens) as the reference's tokenizer. */
static void check_same_merges(const struct tokenizer *a, const struct tokenizer *b,
			      const char *what)
{
	CHECK_MSG(tokenizer_num_merges(a) == tokenizer_num_merges(b), "%s merges", what);
	int same = 1;
	for (int m = 0; m < tokenizer_num_merges(a) && m < tokenizer_num_merges(b); m++) {
		int32_t l1, r1, l2, r2;
		same &= !tokenizer_merge(a, m, &l1, &r1) && !tokenizer_merge(b, m, &l2, &r2) &&
			l1 == l2 && r1 == r2;
	}
	CHECK_MSG(same, "%s merges", what);
}

/* mm is r's model: same shape, parameters and tokenizer (the very same
 * image: mentor's pre-tokenizer, every token its own file id). */
static void check_same(const struct modelio_model *mm, struct ref *r, const char *what)
{
	char err[MENTOR_ERR_LEN];
	CHECK_MSG(mm->n_params == r->ck.n_params, "%s", what);
	CHECK_MSG(!memcmp(&mm->mcfg, &r->ck.mcfg, sizeof mm->mcfg), "%s config", what);
	if (mm->n_params == r->ck.n_params)
		CHECK_MSG(!memcmp(mm->params, r->ck.params, mm->n_params * 4), "%s params", what);
	struct buf a, b;
	buf_init(&a);
	buf_init(&b);
	tokenizer_save(mm->tok, &a, err);
	tokenizer_save(r->tok, &b, err);
	CHECK_MSG(a.len == b.len && !memcmp(a.data, b.data, a.len), "%s tokenizer", what);
	buf_release(&a);
	buf_release(&b);
	CHECK_INT(tokenizer_pretok(mm->tok), TOKENIZER_PRETOK_MENTOR);
	CHECK(tokenizer_file_ids_identity(mm->tok));
}

/* mm is r's model read from a foreign layout whose file ids are f_of[our
 * id]: the same parameters and merges, GPT-2's pre-tokenizer, and the
 * file's ids both ways. */
static void check_same_foreign(const struct modelio_model *mm, struct ref *r, const int *f_of,
			       const char *what)
{
	CHECK_MSG(mm->n_params == r->ck.n_params, "%s", what);
	CHECK_MSG(!memcmp(&mm->mcfg, &r->ck.mcfg, sizeof mm->mcfg), "%s config", what);
	if (mm->n_params == r->ck.n_params)
		CHECK_MSG(!memcmp(mm->params, r->ck.params, mm->n_params * 4), "%s params", what);
	check_same_merges(mm->tok, r->tok, what);
	CHECK_INT(tokenizer_pretok(mm->tok), TOKENIZER_PRETOK_GPT2);
	CHECK(!tokenizer_file_ids_identity(mm->tok));
	int V = tokenizer_vocab_size(mm->tok), ok = 1;
	for (int32_t id = 0; id < V; id++) {
		int32_t f = tokenizer_file_id(mm->tok, id);
		ok &= f == f_of[id] && tokenizer_from_file_id(mm->tok, f) == id;
	}
	CHECK_MSG(ok, "%s file ids", what);
	CHECK_INT(tokenizer_file_id(mm->tok, V), -1);
	CHECK_INT(tokenizer_file_id(mm->tok, -1), -1);
	CHECK_INT(tokenizer_from_file_id(mm->tok, V), -1);
	CHECK_INT(tokenizer_from_file_id(mm->tok, -5), -1);
}

static void check_layout(struct ref *r)
{
	for (int i = 0; i < MODEL_N_TENSORS; i++) {
		size_t o1, s1, o2, s2;
		model_tensor_info(r->m, i, NULL, &o1, &s1, NULL);
		modelio_tensor_layout(&r->ck.mcfg, i, &o2, &s2);
		CHECK_INT(o1, o2);
		CHECK_INT(s1, s2);
	}
}

/* ------------------------------------------------------------ foreign vocabulary */

/* Rewrite the exported HF folder as another tool would: token ids shuffled
 * (the embedding rows with them), no mentor metadata, no "transformer."
 * prefix, a causal-mask buffer and an explicit lm_head. Import must give
 * back the very same model. */
/* The foreign layout's file id of our token id: (id * 7 + 3) mod V (V is
 * not a multiple of 7). A heap array of V ids. */
static int *foreign_ids(int V)
{
	int *f_of = malloc((size_t)V * sizeof *f_of);
	for (int i = 0; i < V; i++)
		f_of[i] = (int)(((long)i * 7 + 3) % V);
	return f_of;
}

static void make_foreign(const char *src_dir, const char *dst_dir, struct ref *r)
{
	char p1[600], p2[600];
	mkdir(dst_dir, 0755);
	int V = r->ck.mcfg.vocab_size, C = r->ck.mcfg.n_embd, T = r->ck.mcfg.max_seq_len;
	int *f_of = foreign_ids(V);
	/* config.json without "mentor" */
	snprintf(p1, sizeof p1, "%s/config.json", src_dir);
	size_t n;
	unsigned char *txt = fixture_slurp(p1, &n);
	cJSON *cfg = cJSON_Parse((char *)txt);
	free(txt);
	cJSON_DeleteItemFromObject(cfg, "mentor");
	cJSON_ReplaceItemInObject(cfg, "eos_token_id",
				  cJSON_CreateNumber(
					  f_of[tokenizer_special(r->tok, TOKENIZER_EOS)]));
	char *s = cJSON_Print(cfg);
	snprintf(p2, sizeof p2, "%s/config.json", dst_dir);
	fixture_write(p2, s, strlen(s));
	free(s);
	cJSON_Delete(cfg);
	/* tokenizer.json with shuffled ids and merges as pairs, saying GPT-2's
	 * ByteLevel split (a foreign file's own pre-tokenizer is what it says) */
	snprintf(p1, sizeof p1, "%s/tokenizer.json", src_dir);
	txt = fixture_slurp(p1, &n);
	cJSON *tj = cJSON_Parse((char *)txt);
	free(txt);
	cJSON *bl = cJSON_CreateObject();
	cJSON_AddStringToObject(bl, "type", "ByteLevel");
	cJSON_AddFalseToObject(bl, "add_prefix_space");
	cJSON_AddTrueToObject(bl, "use_regex");
	cJSON_ReplaceItemInObject(tj, "pre_tokenizer", bl);
	cJSON *model = cJSON_GetObjectItem(tj, "model");
	cJSON *vocab = cJSON_GetObjectItem(model, "vocab"), *e;
	cJSON_ArrayForEach(e, vocab) cJSON_SetNumberValue(e, f_of[(int)e->valuedouble]);
	cJSON *added = cJSON_GetObjectItem(tj, "added_tokens");
	cJSON_ArrayForEach(e, added)
	{
		cJSON *id = cJSON_GetObjectItem(e, "id");
		cJSON_SetNumberValue(id, f_of[(int)id->valuedouble]);
	}
	cJSON *merges = cJSON_GetObjectItem(model, "merges");
	cJSON *pairs = cJSON_CreateArray();
	cJSON_ArrayForEach(e, merges)
	{
		char *sp = strchr(e->valuestring, ' ');
		*sp = 0;
		const char *two[2] = {e->valuestring, sp + 1};
		cJSON_AddItemToArray(pairs, cJSON_CreateStringArray(two, 2));
	}
	cJSON_ReplaceItemInObject(model, "merges", pairs);
	s = cJSON_PrintUnformatted(tj);
	snprintf(p2, sizeof p2, "%s/tokenizer.json", dst_dir);
	fixture_write(p2, s, strlen(s));
	free(s);
	cJSON_Delete(tj);
	/* model.safetensors written here: short names, shuffled wte, mask, lm_head */
	snprintf(p1, sizeof p1, "%s/model.safetensors", src_dir);
	unsigned char *st = fixture_slurp(p1, &n);
	uint64_t hl = 0;
	for (int i = 0; i < 8; i++)
		hl |= (uint64_t)st[i] << (8 * i);
	cJSON *h = cJSON_ParseWithLength((char *)st + 8, (size_t)hl);
	cJSON *nh = cJSON_CreateObject();
	struct buf data;
	buf_init(&data);
	size_t wte_bytes = (size_t)V * (size_t)C * 4;
	cJSON_ArrayForEach(e, h)
	{
		if (!strcmp(e->string, "__metadata__"))
			continue;
		cJSON *of = cJSON_GetObjectItem(e, "data_offsets");
		size_t b = (size_t)cJSON_GetArrayItem(of, 0)->valuedouble;
		size_t en = (size_t)cJSON_GetArrayItem(of, 1)->valuedouble;
		const unsigned char *src = st + 8 + hl + b;
		unsigned char *tmp = malloc(en - b);
		if (!strcmp(e->string, "transformer.wte.weight")) {
			for (int i = 0; i < V; i++)
				memcpy(tmp + (size_t)f_of[i] * (size_t)C * 4,
				       src + (size_t)i * (size_t)C * 4, (size_t)C * 4);
		} else {
			memcpy(tmp, src, en - b);
		}
		const char *name = e->string + strlen("transformer.");
		cJSON *ent = cJSON_Duplicate(e, 1);
		cJSON *no = cJSON_CreateArray();
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)data.len));
		cJSON_AddItemToArray(no, cJSON_CreateNumber((double)(data.len + en - b)));
		cJSON_ReplaceItemInObject(ent, "data_offsets", no);
		cJSON_AddItemToObject(nh, name, ent);
		buf_append(&data, tmp, en - b);
		if (!strcmp(e->string, "transformer.wte.weight")) {
			cJSON *lm = cJSON_Duplicate(ent, 1);
			cJSON *lo = cJSON_CreateArray();
			cJSON_AddItemToArray(lo, cJSON_CreateNumber((double)data.len));
			cJSON_AddItemToArray(lo,
					     cJSON_CreateNumber((double)(data.len + wte_bytes)));
			cJSON_ReplaceItemInObject(lm, "data_offsets", lo);
			cJSON_AddItemToObject(nh, "lm_head.weight", lm);
			buf_append(&data, tmp, wte_bytes);
		}
		free(tmp);
	}
	/* the causal mask buffer old checkpoints carry */
	cJSON *mask = cJSON_CreateObject();
	cJSON_AddStringToObject(mask, "dtype", "F32");
	int shp[4] = {1, 1, T, T};
	cJSON_AddItemToObject(mask, "shape", cJSON_CreateIntArray(shp, 4));
	cJSON *mo = cJSON_CreateArray();
	cJSON_AddItemToArray(mo, cJSON_CreateNumber((double)data.len));
	cJSON_AddItemToArray(mo, cJSON_CreateNumber((double)(data.len + (size_t)T * T * 4)));
	cJSON_AddItemToObject(mask, "data_offsets", mo);
	cJSON_AddItemToObject(nh, "h.0.attn.bias", mask);
	float one = 1.0f;
	for (int i = 0; i < T * T; i++)
		buf_append(&data, &one, 4);
	char *hs = cJSON_PrintUnformatted(nh);
	size_t hlen = strlen(hs);
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
	snprintf(p2, sizeof p2, "%s/model.safetensors", dst_dir);
	FILE *f = fopen(p2, "wb");
	fwrite(len8, 1, 8, f);
	fwrite(hs, 1, hlen, f);
	fwrite(data.data, 1, data.len, f);
	fclose(f);
	free(hs);
	buf_release(&data);
	cJSON_Delete(h);
	cJSON_Delete(nh);
	free(st);
	free(f_of);
}

/* ------------------------------------------------------------ hostile input */

static int reads(const char *path, char *err)
{
	struct modelio_model mm;
	int rc = modelio_read(path, &mm, err);
	modelio_model_release(&mm);
	return rc;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void check_hostile_gguf(const char *good)
{
	size_t n;
	unsigned char *p = fixture_slurp(good, &n);
	const char *bad = test_path("bad.gguf");
	char err[MENTOR_ERR_LEN];
	/* every truncation fails (sampled densely in the header, sparsely after) */
	int all_fail = 1;
	for (size_t cut = 0; cut < n; cut += cut < 4096 ? 7 : 997) {
		fixture_write(bad, p, cut);
		all_fail &= reads(bad, err) != 0;
	}
	CHECK(all_fail);
	fixture_write(bad, p, n - 1);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "truncated") != NULL, "%s", err);
	unsigned char *q = malloc(n);
	/* bad magic */
	memcpy(q, p, n);
	q[0] = 'X';
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	/* version */
	memcpy(q, p, n);
	q[4] = 99;
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "version 99") != NULL, "%s", err);
	/* absurd counts */
	memcpy(q, p, n);
	put64(q + 16, (uint64_t)1 << 40);
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "bytes remain") != NULL, "%s", err);
	memcpy(q, p, n);
	put64(q + 8, UINT64_MAX);
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	/* the first key's length made huge */
	memcpy(q, p, n);
	put64(q + 24, UINT64_MAX / 2);
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "a metadata key claims") && strstr(err, "bytes remain"), "%s", err);
	/* first key's type unknown */
	memcpy(q, p, n);
	uint64_t kl = 0;
	for (int i = 0; i < 8; i++)
		kl |= (uint64_t)p[24 + i] << (8 * i);
	q[32 + kl] = 200;
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "unknown type") != NULL, "%s", err);
	/* flip bytes all over the header: never a crash, and a tensor moved out
	 * of range or a broken vocabulary is refused (some flips are harmless
	 * data changes and may load) */
	struct rng r;
	rng_seed(&r, 5);
	for (int k = 0; k < 300; k++) {
		memcpy(q, p, n);
		size_t at = (size_t)rng_below(&r, n < 20000 ? n : 20000);
		q[at] ^= (unsigned char)(1 + rng_below(&r, 255));
		fixture_write(bad, q, n);
		(void)reads(bad, err);
	}
	/* the data of the last tensor cut off */
	fixture_write(bad, p, n - 64);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "past the end") != NULL || strstr(err, "truncated") != NULL, "%s",
		  err);
	/* not a regular file, missing */
	CHECK(reads(test_tmpdir(), err) != 0); /* a folder without config.json */
	CHECK(reads(test_path("nope.gguf"), err) != 0);
	CHECK_MSG(strstr(err, "nope.gguf") != NULL, "%s", err);
	free(q);
	free(p);
}

/* Tensor types mentor cannot read are refused by name: a quantized
 * token_embd.weight (as llama.cpp's --outtype q8_0 writes it), a type ggml
 * knows but mentor does not widen, and an id ggml does not have. */
static void check_gguf_types(const char *good)
{
	size_t n;
	unsigned char *p = fixture_slurp(good, &n);
	unsigned char *q = malloc(n);
	const char *bad = test_path("types.gguf");
	const char *name = "token_embd.weight";
	size_t nl = strlen(name), at = 0;
	/* the tensor info: u64 length, name, u32 n_dims (2), u64 ne[2], u32 type */
	for (size_t i = 8; i + nl + 24 < n && !at; i++)
		if (p[i - 8] == nl && !p[i - 7] && !memcmp(p + i, name, nl) && p[i + nl] == 2)
			at = i + nl + 4 + 16;
	CHECK(at > 0);
	static const struct {
		uint32_t type;
		const char *msg;
	} cases[] = {
		{8, "tensor 'token_embd.weight' has type Q8_0, which mentor cannot import"},
		{12, "has type Q4_K, which"},
		{28, "has type F64, which"},
		{4, "tensor 'token_embd.weight' has unknown type 4"},
		{200, "has unknown type 200 (only F32, F16 and BF16"},
	};
	char err[MENTOR_ERR_LEN];
	for (size_t k = 0; k < sizeof cases / sizeof cases[0] && at; k++) {
		memcpy(q, p, n);
		q[at] = (unsigned char)cases[k].type;
		fixture_write(bad, q, n);
		CHECK(reads(bad, err) != 0);
		CHECK_MSG(strstr(err, cases[k].msg) != NULL, "%s", err);
	}
	free(q);
	free(p);
}

/* Offset of the value of GGUF metadata key (a scalar after its u32 type). */
static size_t gguf_value_at(const unsigned char *p, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 8; i + kl + 8 < n; i++)
		if (!memcmp(p + i, key, kl) && p[i - 8] == kl && !p[i - 7])
			return i + kl + 4;
	return 0;
}

#if !defined(__SANITIZE_ADDRESS__)
/* Read path in a child limited to 200 MB of address space (not under ASan,
 * whose shadow memory does not fit); the message in err. Returns the read's
 * code, or 99 when the child died. */
static int reads_limited(const char *path, char *err)
{
	int fd[2];
	if (pipe(fd))
		return 99;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		struct rlimit rl = {(rlim_t)200 << 20, (rlim_t)200 << 20};
		setrlimit(RLIMIT_AS, &rl);
		char e[MENTOR_ERR_LEN] = "";
		int rc = reads(path, e);
		if (write(fd[1], e, strlen(e)) < 0)
			_exit(99);
		_exit(rc ? 1 : 0);
	}
	close(fd[1]);
	ssize_t k = read(fd[0], err, MENTOR_ERR_LEN - 1);
	err[k > 0 ? k : 0] = 0;
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
#endif

/* A small file whose header claims a big model or huge arrays: refused by
 * naming the field, before anything of that size is allocated. */
static void check_gguf_claims(const char *good)
{
	size_t n;
	unsigned char *p = fixture_slurp(good, &n);
	unsigned char *q = malloc(n);
	const char *bad = test_path("claims.gguf");
	char err[MENTOR_ERR_LEN];
	/* a width of 4096: 1.6 GB of parameters for tensors of the old shape */
	size_t at = gguf_value_at(p, n, "gpt2.embedding_length");
	CHECK(at > 0);
	memcpy(q, p, n);
	q[at] = 0, q[at + 1] = 0x10, q[at + 2] = 0, q[at + 3] = 0;
	at = gguf_value_at(p, n, "gpt2.feed_forward_length");
	if (at)
		q[at] = 0, q[at + 1] = 0x40, q[at + 2] = 0, q[at + 3] = 0;
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "wrong shape") != NULL, "%s", err);
#if !defined(__SANITIZE_ADDRESS__)
	/* under a memory limit too: the field is named, not "out of memory" */
	CHECK_INT(reads_limited(bad, err), 1);
	CHECK_MSG(strstr(err, "wrong shape") != NULL && !strstr(err, "out of memory"), "%s", err);
#endif
	/* the vocabulary array claims 2000000000 elements */
	at = gguf_value_at(p, n, "tokenizer.ggml.tokens");
	CHECK(at > 0);
	memcpy(q, p, n);
	put64(q + at + 4, 2000000000u); /* after the array's u32 element type */
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "metadata array 'tokenizer.ggml.tokens' claims 2000000000 "
			      "elements but only") &&
			  strstr(err, "bytes remain"),
		  "%s", err);
#if !defined(__SANITIZE_ADDRESS__)
	CHECK_INT(reads_limited(bad, err), 1);
	CHECK_MSG(strstr(err, "tokenizer.ggml.tokens") != NULL, "%s", err);
#endif
	/* one token string claims 1 GB */
	at = gguf_value_at(p, n, "tokenizer.ggml.tokens");
	memcpy(q, p, n);
	put64(q + at + 12, (uint64_t)1 << 30);
	fixture_write(bad, q, n);
	CHECK(reads(bad, err) != 0);
	CHECK_MSG(strstr(err, "claims a string of 1073741824 bytes") != NULL, "%s", err);
	free(q);
	free(p);
}

static void write_st(const char *dir, const char *header, const void *data, size_t n)
{
	char path[600];
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	FILE *f = fopen(path, "wb");
	unsigned char len8[8];
	put64(len8, strlen(header));
	fwrite(len8, 1, 8, f);
	fwrite(header, 1, strlen(header), f);
	fwrite(data, 1, n, f);
	fclose(f);
}

static void check_hostile_hf(const char *good_dir)
{
	char err[MENTOR_ERR_LEN], path[600], cmd[1400];
	const char *dir = test_path("badhf");
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", dir, good_dir, dir);
	if (system(cmd) != 0)
		TEST_SETUP_FAIL("%s", cmd);
	snprintf(path, sizeof path, "%s/model.safetensors", good_dir);
	size_t n;
	unsigned char *p = fixture_slurp(path, &n);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	/* truncations */
	int all_fail = 1;
	for (size_t cut = 0; cut < n; cut += cut < 2048 ? 13 : 1499) {
		fixture_write(path, p, cut);
		all_fail &= reads(dir, err) != 0;
	}
	CHECK(all_fail);
	/* header length beyond the file, absurd */
	unsigned char *q = malloc(n);
	memcpy(q, p, n);
	put64(q, n);
	fixture_write(path, q, n);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "header length") != NULL, "%s", err);
	put64(q, UINT64_MAX);
	fixture_write(path, q, n);
	CHECK(reads(dir, err) != 0);
	free(q);
	float z[8] = {0};
	/* invalid JSON, wrong dtype, shape/size mismatch, overlap, hole, trailing */
	write_st(dir, "{\"a\":", z, 0);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "JSON") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "dtype") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "bytes for its shape") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	write_st(dir,
		 "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		 "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
		 z, 12);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "overlaps") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "hole") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "after the last tensor") != NULL, "%s", err);
	write_st(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999]}}", z, 8);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "outside") != NULL, "%s", err);
	write_st(dir, "[1,2]", z, 0);
	CHECK(reads(dir, err) != 0);
	/* a valid file missing a tensor */
	write_st(dir, "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}}",
		 z, 4);
	CHECK(reads(dir, err) != 0);
	/* config problems */
	fixture_write(path, p, n);
	CHECK(reads(dir, err) == 0);
	/* tokenizer problems (the folder's config keeps mentor's merge list) */
	char tpath[600], cpath[600];
	snprintf(tpath, sizeof tpath, "%s/tokenizer.json", dir);
	snprintf(cpath, sizeof cpath, "%s/config.json", dir);
	size_t tn, cn;
	unsigned char *tj = fixture_slurp(tpath, &tn), *cj = fixture_slurp(cpath, &cn);
	const char *t1 = "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{},\"merges\":[]}}";
	fixture_write(tpath, t1, strlen(t1));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "not a BPE tokenizer") != NULL, "%s", err);
	const char *t2 = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-4},\"merges\":[]}}";
	fixture_write(tpath, t2, strlen(t2));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "vocabulary id") != NULL, "%s", err);
	const char *t3 = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":0},"
			 "\"merges\":[]}}";
	fixture_write(tpath, t3, strlen(t3));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "used twice") != NULL, "%s", err);
	/* the merge list no longer matches the tokens */
	cJSON *tjj = cJSON_Parse((char *)tj);
	cJSON *voc = cJSON_GetObjectItem(cJSON_GetObjectItem(tjj, "model"), "vocab");
	cJSON_ReplaceItemInObjectCaseSensitive(voc, "a", cJSON_CreateNumber(98));
	cJSON_ReplaceItemInObjectCaseSensitive(voc, "b", cJSON_CreateNumber(97));
	char *ts = cJSON_PrintUnformatted(tjj);
	fixture_write(tpath, ts, strlen(ts));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "does not match the mentor merge list") != NULL, "%s", err);
	/* without mentor's list: merges that refer to unknown tokens */
	cJSON *cfg = cJSON_Parse((char *)cj);
	cJSON_DeleteItemFromObject(cfg, "mentor");
	char *cs = cJSON_PrintUnformatted(cfg);
	fixture_write(cpath, cs, strlen(cs));
	cJSON *merges = cJSON_GetObjectItem(cJSON_GetObjectItem(tjj, "model"), "merges");
	cJSON_InsertItemInArray(merges, 0, cJSON_CreateString("zz qq"));
	free(ts);
	ts = cJSON_PrintUnformatted(tjj);
	fixture_write(tpath, ts, strlen(ts));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "merge 0 refers") != NULL, "%s", err);
	cJSON_ReplaceItemInArray(merges, 0, cJSON_CreateString("nospace"));
	free(ts);
	ts = cJSON_PrintUnformatted(tjj);
	fixture_write(tpath, ts, strlen(ts));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "two tokens") != NULL, "%s", err);
	free(ts);
	free(cs);
	cJSON_Delete(cfg);
	cJSON_Delete(tjj);
	fixture_write(tpath, tj, tn);
	fixture_write(cpath, cj, cn);
	CHECK(reads(dir, err) == 0);
	free(tj);
	free(cj);
	snprintf(path, sizeof path, "%s/config.json", dir);
	const char *c1 = "{\"n_embd\":16,\"n_layer\":2,\"n_head\":2,\"n_positions\":48,"
			 "\"activation_function\":\"relu\"}";
	fixture_write(path, c1, strlen(c1));
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "activation") != NULL, "%s", err);
	fixture_write(path, "{", 1);
	CHECK(reads(dir, err) != 0);
	unlink(path);
	CHECK(reads(dir, err) != 0);
	CHECK_MSG(strstr(err, "config.json") != NULL, "%s", err);
	free(p);
}

/* Rewrite the exported GGUF file at src as llama.cpp's converter would
 * lay out a foreign vocabulary, in place (every size stays): the tokens,
 * their types and the embedding rows (and the output copy) moved to file
 * id f_of[id], the special ids renumbered, and mentor's own keys renamed
 * so that nothing says mentor wrote it. */
static void make_foreign_gguf(const char *src, const char *dst, const int *f_of, int V)
{
	size_t n;
	unsigned char *p = fixture_slurp(src, &n);
	struct gfile f;
	if (gfile_parse(p, n, &f))
		TEST_SETUP_FAIL("cannot parse %s", src);
	const struct gkv_t *toks = gkv(&f, "tokenizer.ggml.tokens");
	const struct gkv_t *types = gkv(&f, "tokenizer.ggml.token_type");
	if (!toks || !types || toks->an != (uint64_t)V || types->an != (uint64_t)V)
		TEST_SETUP_FAIL("no vocabulary in %s", src);
	/* the strings after the array's element type and count */
	size_t at = gguf_value_at(p, n, "tokenizer.ggml.tokens") + 12;
	const char **by_file = calloc((size_t)V, sizeof *by_file);
	for (int i = 0; i < V; i++)
		by_file[f_of[i]] = toks->strs[i];
	for (int i = 0; i < V; i++) {
		uint64_t len = strlen(by_file[i]);
		for (int b = 0; b < 8; b++)
			p[at + (size_t)b] = (unsigned char)(len >> (8 * b));
		memcpy(p + at + 8, by_file[i], (size_t)len);
		at += 8 + (size_t)len;
	}
	at = gguf_value_at(p, n, "tokenizer.ggml.token_type") + 12;
	for (int i = 0; i < V; i++) {
		uint32_t t = (uint32_t)types->ints[i];
		for (int b = 0; b < 4; b++)
			p[at + (size_t)f_of[i] * 4 + (size_t)b] = (unsigned char)(t >> (8 * b));
	}
	const char *ids[] = {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
			     "tokenizer.ggml.padding_token_id"};
	for (int k = 0; k < 3; k++) {
		at = gguf_value_at(p, n, ids[k]);
		uint32_t v = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8;
		for (int b = 0; b < 4; b++)
			p[at + (size_t)b] = (unsigned char)((uint32_t)f_of[v] >> (8 * b));
	}
	const char *keys[] = {"mentor.format_version", "mentor.tokenizer.pre",
			      "mentor.tokenizer.merge_ids", "mentor.train_config"};
	for (int k = 0; k < 4; k++) {
		at = gguf_value_at(p, n, keys[k]);
		if (at)
			p[at - 4 - strlen(keys[k])] = 'x';
	}
	const char *rows[] = {"token_embd.weight", "output.weight"};
	for (int k = 0; k < 2; k++) {
		const struct gt *t = gtensor(&f, rows[k]);
		if (!t)
			TEST_SETUP_FAIL("no %s in %s", rows[k], src);
		size_t row = (size_t)t->ne[0] * 4, base = f.data_start + (size_t)t->off;
		unsigned char *copy = malloc((size_t)V * row);
		memcpy(copy, p + base, (size_t)V * row);
		for (int i = 0; i < V; i++)
			memcpy(p + base + (size_t)f_of[i] * row, copy + (size_t)i * row, row);
		free(copy);
	}
	fixture_write(dst, p, n);
	free(by_file);
	gfile_free(&f);
	free(p);
}

/* A foreign model registered as a run: its checkpoint's tokenizer keeps
 * GPT-2's pre-tokenizer and the file's ids. */
static void check_registered(const struct modelio_model *mm, const int *f_of)
{
	char err[MENTOR_ERR_LEN], db[600];
	snprintf(db, sizeof db, "%s/reg.db", test_tmpdir());
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t id;
	CHECK_MSG(modelio_register(st, db, mm, NULL, "gpt2ish", "foreign-hf", &id, err) == 0, "%s",
		  err);
	struct store_run run;
	CHECK_INT(store_run_find(st, "gpt2ish", &run, err), 0);
	struct tokenizer *t = NULL;
	CHECK_MSG(train_ckpt_load_tokenizer(run.checkpoint, &t, err) == 0, "%s", err);
	if (t) {
		CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_GPT2);
		int ok = 1;
		for (int32_t i = 0; i < tokenizer_vocab_size(t); i++)
			ok &= tokenizer_file_id(t, i) == f_of[i];
		CHECK(ok);
		tokenizer_free(t);
	}
	store_run_release(&run);
	store_close(st);
}

/* A model with GPT-2's pre-tokenizer leaves through both writers and comes
 * back with it, numbered as the files number it (mentor's layout). */
static void check_gpt2_export(const struct modelio_model *mm, struct ref *r)
{
	char err[MENTOR_ERR_LEN];
	/* own buffers: test_path's eight slots hold main's paths */
	char g[600], h[600];
	snprintf(g, sizeof g, "%s/gpt2pre.gguf", test_tmpdir());
	snprintf(h, sizeof h, "%s/gpt2pre-hf", test_tmpdir());
	CHECK_MSG(modelio_write_gguf(mm, g, err) == 0, "%s", err);
	CHECK_MSG(modelio_write_hf(mm, h, err) == 0, "%s", err);
	const char *srcs[2] = {g, h};
	for (int i = 0; i < 2; i++) {
		struct modelio_model back;
		CHECK_MSG(modelio_read(srcs[i], &back, err) == 0, "%s: %s", srcs[i], err);
		check_same_merges(back.tok, r->tok, srcs[i]);
		CHECK_INT(tokenizer_pretok(back.tok), TOKENIZER_PRETOK_GPT2);
		CHECK(tokenizer_file_ids_identity(back.tok));
		CHECK(!back.foreign);
		CHECK(back.n_params == mm->n_params &&
		      !memcmp(back.params, mm->params, mm->n_params * 4));
		modelio_model_release(&back);
	}
	/* the folder's tokenizer.json says GPT-2's ByteLevel split */
	char path[700];
	snprintf(path, sizeof path, "%s/tokenizer.json", h);
	size_t n;
	unsigned char *tj = fixture_slurp(path, &n);
	cJSON *j = cJSON_ParseWithLength((const char *)tj, n);
	const cJSON *pre = cJSON_GetObjectItem(j, "pre_tokenizer");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(pre, "type")), "ByteLevel");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(pre, "use_regex")));
	cJSON_Delete(j);
	free(tj);
	/* a pre-tokenizer this mentor does not know is refused */
	snprintf(path, sizeof path, "%s/config.json", h);
	unsigned char *cj = fixture_slurp(path, &n);
	char *at = strstr((char *)cj, "\"pretokenizer\": \"gpt2\"");
	CHECK(at != NULL);
	if (at) {
		memcpy(at + strlen("\"pretokenizer\": \""), "gpt9", 4);
		fixture_write(path, cj, n);
		struct modelio_model back;
		CHECK(modelio_read(h, &back, err) != 0);
		CHECK_MSG(strstr(err, "unknown pre-tokenizer") != NULL, "%s", err);
	}
	free(cj);
}

/* ------------------------------------------------------------ vocabulary files */

/* The same tokens and merges, pre-tokenizer and numbering as want. */
static void check_same_tok(const struct tokenizer *got, const struct tokenizer *want,
			   const char *what)
{
	CHECK_MSG(tokenizer_vocab_size(got) == tokenizer_vocab_size(want), "%s", what);
	check_same_merges(got, want, what);
	CHECK_MSG(tokenizer_pretok(got) == tokenizer_pretok(want), "%s pre-tokenizer", what);
	int ok = 1;
	for (int32_t id = 0; id < tokenizer_vocab_size(want); id++)
		ok &= tokenizer_file_id(got, id) == tokenizer_file_id(want, id);
	CHECK_MSG(ok, "%s file ids", what);
}

static void write_str(const char *dir, const char *name, const char *s, size_t n)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	fixture_write(p, s, n);
}

/* tok_path's reading of dir fails with a message holding want. */
static void check_tok_fails(const char *dir, const char *want)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	CHECK_INT(modelio_read_tokenizer(dir, &t, err), MENTOR_ERR);
	CHECK(t == NULL);
	CHECK_MSG(strstr(err, want) != NULL, "want '%s': %s", want, err);
}

/* modelio_read_tokenizer: the vocabulary alone from every layout, the pair
 * files (vocab.json + merges.txt, encoder.json + vocab.bpe) made here from
 * the exported tokenizer.json, and their hostile variants. */
static void check_vocab_files(const char *gguf, const char *fgguf, const char *hf, struct ref *r,
			      const int *f_of)
{
	char err[MENTOR_ERR_LEN], dir[600], p[700], cmd[1500];
	struct tokenizer *t = NULL;
	CHECK_MSG(modelio_read_tokenizer(gguf, &t, err) == 0, "%s", err);
	if (t)
		check_same_tok(t, r->tok, "gguf vocabulary");
	tokenizer_free(t);
	CHECK_MSG(modelio_read_tokenizer(hf, &t, err) == 0, "%s", err);
	if (t)
		check_same_tok(t, r->tok, "hf vocabulary");
	tokenizer_free(t);
	snprintf(p, sizeof p, "%s/model.safetensors", hf);
	CHECK_MSG(modelio_read_tokenizer(p, &t, err) == 0, "%s", err);
	tokenizer_free(t);
	CHECK_MSG(modelio_read_tokenizer(fgguf, &t, err) == 0, "%s", err);
	if (t) {
		CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_GPT2);
		int ok = 1;
		for (int32_t id = 0; id < tokenizer_vocab_size(t); id++)
			ok &= tokenizer_file_id(t, id) == f_of[id];
		CHECK(ok);
	}
	tokenizer_free(t);

	/* the pair files from tokenizer.json */
	snprintf(dir, sizeof dir, "%s/pairs", test_tmpdir());
	mkdir(dir, 0755);
	snprintf(p, sizeof p, "%s/tokenizer.json", hf);
	size_t n;
	unsigned char *tj = fixture_slurp(p, &n);
	cJSON *j = cJSON_ParseWithLength((const char *)tj, n);
	free(tj);
	cJSON *model = cJSON_GetObjectItem(j, "model");
	char *vocab = cJSON_PrintUnformatted(cJSON_GetObjectItem(model, "vocab"));
	struct buf merges;
	buf_init(&merges);
	buf_puts(&merges, "#version: 0.2\n");
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(model, "merges"))
		buf_printf(&merges, "%s\n", e->valuestring);
	cJSON_Delete(j);
	write_str(dir, "vocab.json", vocab, strlen(vocab));
	write_str(dir, "merges.txt", merges.data, merges.len);
	/* no config.json: a foreign folder, GPT-2's pre-tokenizer, the same
	 * numbering (every token, the specials too, is where mentor has it) */
	CHECK_MSG(modelio_read_tokenizer(dir, &t, err) == 0, "%s", err);
	if (t) {
		check_same_merges(t, r->tok, "vocab.json");
		CHECK_INT(tokenizer_pretok(t), TOKENIZER_PRETOK_GPT2);
		CHECK(tokenizer_file_ids_identity(t));
	}
	tokenizer_free(t);
	snprintf(p, sizeof p, "%s/vocab.json", dir);
	CHECK_MSG(modelio_read_tokenizer(p, &t, err) == 0, "%s", err);
	tokenizer_free(t);
	/* with mentor's config.json: mentor's pre-tokenizer and merge list */
	snprintf(cmd, sizeof cmd, "cp '%s/config.json' '%s/'", hf, dir);
	if (system(cmd) != 0)
		TEST_SETUP_FAIL("%s", cmd);
	CHECK_MSG(modelio_read_tokenizer(dir, &t, err) == 0, "%s", err);
	if (t)
		check_same_tok(t, r->tok, "vocab.json + config.json");
	tokenizer_free(t);
	/* the whole model from such a folder: model.safetensors beside them */
	snprintf(cmd, sizeof cmd, "cp '%s/model.safetensors' '%s/'", hf, dir);
	if (system(cmd) != 0)
		TEST_SETUP_FAIL("%s", cmd);
	struct modelio_model mm;
	CHECK_MSG(modelio_read(dir, &mm, err) == 0, "%s", err);
	check_same(&mm, r, "vocab.json model");
	modelio_model_release(&mm);
	snprintf(p, sizeof p, "%s/config.json", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/model.safetensors", dir);
	unlink(p);
	/* OpenAI's names for the pair; CR LF line ends, no final newline */
	snprintf(dir, sizeof dir, "%s/openai", test_tmpdir());
	mkdir(dir, 0755);
	write_str(dir, "encoder.json", vocab, strlen(vocab));
	struct buf crlf;
	buf_init(&crlf);
	for (size_t i = 0; i < merges.len; i++)
		if (merges.data[i] != '\n')
			buf_putc(&crlf, merges.data[i]);
		else if (i + 1 < merges.len)
			buf_puts(&crlf, "\r\n");
	write_str(dir, "vocab.bpe", crlf.data, crlf.len);
	buf_release(&crlf);
	CHECK_MSG(modelio_read_tokenizer(dir, &t, err) == 0, "%s", err);
	if (t)
		check_same_merges(t, r->tok, "encoder.json");
	tokenizer_free(t);

	/* hostile pair files */
	snprintf(dir, sizeof dir, "%s/badpairs", test_tmpdir());
	mkdir(dir, 0755);
	check_tok_fails(dir, "no tokenizer.json, vocab.json + merges.txt");
	write_str(dir, "vocab.json", vocab, strlen(vocab));
	check_tok_fails(dir, "no tokenizer.json"); /* merges.txt missing */
	write_str(dir, "merges.txt", "a b c\n", 6);
	check_tok_fails(dir, "two tokens");
	write_str(dir, "merges.txt", "a\0b\n", 4);
	check_tok_fails(dir, "NUL");
	write_str(dir, "merges.txt", "#version: 0.2\nzz qq\n", 20);
	check_tok_fails(dir, "merge 0 refers");
	write_str(dir, "merges.txt", "\n\n", 2);
	check_tok_fails(dir, "two tokens");
	struct buf many;
	buf_init(&many);
	for (int i = 0; i < TOKENIZER_MAX_VOCAB + 5; i++)
		buf_puts(&many, "a b\n");
	write_str(dir, "merges.txt", many.data, many.len);
	check_tok_fails(dir, "too many");
	buf_release(&many);
	write_str(dir, "merges.txt", merges.data, merges.len);
	write_str(dir, "vocab.json", "[1, 2]", 6);
	check_tok_fails(dir, "not a JSON object");
	write_str(dir, "vocab.json", "{\"a\": 1", 8);
	check_tok_fails(dir, "invalid JSON");
	write_str(dir, "vocab.json", "{\"a\": 1.5}", 10);
	check_tok_fails(dir, "vocabulary id");
	write_str(dir, "vocab.json", "{\"a\": 0, \"b\": 0}", 16);
	check_tok_fails(dir, "used twice");
	write_str(dir, "vocab.json", "{\"a\": 9999999}", 14);
	check_tok_fails(dir, "vocabulary id");
	write_str(dir, "vocab.json", "{}", 2);
	check_tok_fails(dir, "no token for byte");
	/* a config.json that is not JSON, or names an unknown pre-tokenizer */
	write_str(dir, "vocab.json", vocab, strlen(vocab));
	write_str(dir, "config.json", "{", 1);
	check_tok_fails(dir, "invalid JSON");
	const char *c2 = "{\"mentor\": {\"pretokenizer\": 7}}";
	write_str(dir, "config.json", c2, strlen(c2));
	check_tok_fails(dir, "unknown pre-tokenizer");
	snprintf(p, sizeof p, "%s/no-such-model", test_tmpdir());
	check_tok_fails(p, "no-such-model");
	/* a GGUF file cut short in its metadata */
	unsigned char *g = fixture_slurp(gguf, &n);
	snprintf(p, sizeof p, "%s/cut.gguf", test_tmpdir());
	int all = 1;
	for (size_t cut = 4; cut < 4096 && cut < n; cut += 97) {
		fixture_write(p, g, cut);
		all &= modelio_read_tokenizer(p, &t, err) == MENTOR_ERR && t == NULL;
	}
	CHECK(all);
	free(g);
	buf_release(&merges);
	free(vocab);
}

int main(void)
{
	char err[MENTOR_ERR_LEN];
	const char *ckpt = test_path("ckpt.bin");
	struct model_config mc;
	fixture_ckpt(ckpt, TRAIN_MT_COT, &mc);
	struct ref r;
	memset(&r, 0, sizeof r);
	ref_load(ckpt, &r);
	check_layout(&r);

	struct modelio_model mm;
	CHECK(modelio_from_ckpt(ckpt, &mm, err) == 0);
	const char *gguf = test_path("m.gguf");
	const char *hf = test_path("m-hf");
	CHECK_MSG(modelio_write_gguf(&mm, gguf, err) == 0, "%s", err);
	CHECK_MSG(modelio_write_hf(&mm, hf, err) == 0, "%s", err);
	char *train_json = util_strdup(mm.train_json);
	modelio_model_release(&mm);

	check_gguf(gguf, &r);
	char st_path[600];
	snprintf(st_path, sizeof st_path, "%s/model.safetensors", hf);
	check_safetensors(st_path, &r);

	/* round trips: GGUF, HF folder, HF file */
	const char *srcs[3] = {gguf, hf, st_path};
	for (int i = 0; i < 3; i++) {
		struct modelio_model back;
		CHECK_MSG(modelio_read(srcs[i], &back, err) == 0, "%s: %s", srcs[i], err);
		check_same(&back, &r, srcs[i]);
		CHECK(!back.foreign);
		CHECK(back.train_json && train_json && !strcmp(back.train_json, train_json));
		modelio_model_release(&back);
	}
	/* re-export of an import: the same bytes */
	struct modelio_model back;
	CHECK(modelio_read(gguf, &back, err) == 0);
	const char *gguf2 = test_path("m2.gguf");
	CHECK(modelio_write_gguf(&back, gguf2, err) == 0);
	modelio_model_release(&back);
	size_t n1, n2;
	unsigned char *a = fixture_slurp(gguf, &n1), *b = fixture_slurp(gguf2, &n2);
	CHECK(n1 == n2 && !memcmp(a, b, n1));
	free(a);
	free(b);

	/* without mentor's merge list the GGUF vocabulary is read through its
	 * strings (as for a file converted by llama.cpp): the same model */
	size_t gn;
	unsigned char *g = fixture_slurp(gguf, &gn);
	const char *key = "mentor.tokenizer.merge_ids";
	unsigned char *at = NULL;
	for (size_t i = 0; i + strlen(key) <= gn && !at; i++)
		if (!memcmp(g + i, key, strlen(key)))
			at = g + i;
	CHECK(at != NULL);
	if (at)
		at[strlen(key) - 1] = 'X';
	const char *plain = test_path("plain.gguf");
	fixture_write(plain, g, gn);
	free(g);
	CHECK_MSG(modelio_read(plain, &back, err) == 0, "%s", err);
	check_same(&back, &r, "gguf without merge ids");
	modelio_model_release(&back);

	/* a foreign layout of the same model maps back exactly */
	const char *foreign = test_path("foreign-hf");
	make_foreign(hf, foreign, &r);
	CHECK_MSG(modelio_read(foreign, &back, err) == 0, "%s", err);
	int *f_of = foreign_ids(mc.vocab_size);
	check_same_foreign(&back, &r, f_of, "foreign");
	CHECK(back.foreign);
	CHECK_INT(back.new_rows, 0);
	CHECK(back.train_json == NULL);
	check_gpt2_export(&back, &r);
	check_registered(&back, f_of);
	modelio_model_release(&back);
	/* the same foreign numbering in a GGUF file */
	char fgguf[600];
	snprintf(fgguf, sizeof fgguf, "%s/foreign.gguf", test_tmpdir());
	make_foreign_gguf(gguf, fgguf, f_of, mc.vocab_size);
	CHECK_MSG(modelio_read(fgguf, &back, err) == 0, "%s", err);
	check_same_foreign(&back, &r, f_of, "foreign gguf");
	CHECK(back.foreign);
	CHECK_INT(back.new_rows, 0);
	modelio_model_release(&back);
	check_vocab_files(gguf, fgguf, hf, &r, f_of);
	free(f_of);

	/* test_path's slots behind gguf and hf are reused from here */
	char *gguf_kept = util_strdup(gguf);
	check_hostile_gguf(gguf);
	check_gguf_claims(gguf);
	check_hostile_hf(hf);
	check_gguf_types(gguf_kept);
	free(gguf_kept);

	free(train_json);
	model_free(r.m);
	train_ckpt_release(&r.ck);
	return test_done();
}
