/* modelio_llama: Llama-family models (Llama, SmolLM2, Qwen2, Qwen3) in and out
 * of Hugging Face folders and GGUF files (see include/mentor/modelio.h). The
 * parameters keep the file's token rows; matrices are (out, in) row-major in
 * both formats (ggml's ne = [in, out]). llama.cpp's converter reorders the
 * q and k rows of the llama architecture (not qwen2, not qwen3, which
 * llama.cpp rotates in the NeoX layout, as transformers does) so that each
 * head's rotary pairs are adjacent; the GGUF side applies and undoes that. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mentor/modelio.h"
#include "mentor/student.h"
#include "mentor/tokenizer.h"
#include "modelio_int.h"

/* llama.cpp's token types */
enum { TT_NORMAL = 1, TT_CONTROL = 3, TT_USER = 4, TT_UNUSED = 5 };

/* pi as Python's math.pi */
#define PI 3.141592653589793

/* Most shards a model.safetensors.index.json may name. */
#define MAX_SHARDS 1024

void modelio_llama_init(struct modelio_llama *mm)
{
	memset(mm, 0, sizeof *mm);
}

void modelio_llama_release(struct modelio_llama *mm)
{
	if (!mm)
		return;
	tokenizer_free(mm->tok);
	free(mm->params);
	memset(mm, 0, sizeof *mm);
}

/* ------------------------------------------------------------ tensor table */

/* One parameter tensor: its names in both formats and its place. */
struct ltensor {
	char hf[80];
	char gg[48];
	size_t off;     /* floats into the parameter buffer */
	int rows, cols; /* (out, in); rows 1 for vectors */
	int vec;
	int heads; /* GGUF of the llama architecture: rows reordered per head */
};

/* The tensors of c in llama_tensor_info order; *n set. Caller frees. The
 * configuration must have passed llama_config_check (sizes fit). */
static struct ltensor *ltable(const struct llama_config *c, size_t *n)
{
	int C = c->hidden_size, F = c->intermediate_size, D = c->head_dim;
	int Q = c->n_head * D, KV = c->n_kv_head * D;
	int perm = c->family == LLAMA_FAMILY_LLAMA;
	int bias = c->attention_bias, obias = bias && c->family != LLAMA_FAMILY_QWEN2;
	const struct {
		const char *hf, *gg;
		int rows, cols, on, heads;
	} per[] = {
		{"input_layernorm.weight", "attn_norm.weight", 1, C, 1, 0},
		{"self_attn.q_proj.weight", "attn_q.weight", Q, C, 1, perm ? c->n_head : 0},
		{"self_attn.q_proj.bias", "attn_q.bias", 1, Q, bias, perm ? c->n_head : 0},
		{"self_attn.k_proj.weight", "attn_k.weight", KV, C, 1, perm ? c->n_kv_head : 0},
		{"self_attn.k_proj.bias", "attn_k.bias", 1, KV, bias, perm ? c->n_kv_head : 0},
		{"self_attn.v_proj.weight", "attn_v.weight", KV, C, 1, 0},
		{"self_attn.v_proj.bias", "attn_v.bias", 1, KV, bias, 0},
		{"self_attn.o_proj.weight", "attn_output.weight", C, Q, 1, 0},
		{"self_attn.o_proj.bias", "attn_output.bias", 1, C, obias, 0},
		{"self_attn.q_norm.weight", "attn_q_norm.weight", 1, D, c->qk_norm, 0},
		{"self_attn.k_norm.weight", "attn_k_norm.weight", 1, D, c->qk_norm, 0},
		{"post_attention_layernorm.weight", "ffn_norm.weight", 1, C, 1, 0},
		{"mlp.gate_proj.weight", "ffn_gate.weight", F, C, 1, 0},
		{"mlp.up_proj.weight", "ffn_up.weight", F, C, 1, 0},
		{"mlp.down_proj.weight", "ffn_down.weight", C, F, 1, 0},
	};
	size_t np = sizeof per / sizeof per[0];
	struct ltensor *t = calloc((size_t)c->n_layer * np + 3, sizeof *t);
	if (!t)
		util_oom();
	size_t k = 0, off = 0;
#define LT_ADD(hf_, gg_, rows_, cols_, heads_)                                                     \
	do {                                                                                       \
		struct ltensor *x_ = &t[k++];                                                      \
		snprintf(x_->hf, sizeof x_->hf, "%s", hf_);                                        \
		snprintf(x_->gg, sizeof x_->gg, "%s", gg_);                                        \
		x_->off = off;                                                                     \
		x_->rows = (rows_);                                                                \
		x_->cols = (cols_);                                                                \
		x_->vec = x_->rows == 1;                                                           \
		x_->heads = (heads_);                                                              \
		off += (size_t)x_->rows * (size_t)x_->cols;                                        \
	} while (0)
	LT_ADD("model.embed_tokens.weight", "token_embd.weight", c->vocab_size, C, 0);
	for (int l = 0; l < c->n_layer; l++)
		for (size_t i = 0; i < np; i++) {
			if (!per[i].on)
				continue;
			char hf[80], gg[48];
			snprintf(hf, sizeof hf, "model.layers.%d.%s", l, per[i].hf);
			snprintf(gg, sizeof gg, "blk.%d.%s", l, per[i].gg);
			LT_ADD(hf, gg, per[i].rows, per[i].cols, per[i].heads);
		}
	LT_ADD("model.norm.weight", "output_norm.weight", 1, C, 0);
	if (!c->tie_word_embeddings)
		LT_ADD("lm_head.weight", "output.weight", c->vocab_size, C, 0);
#undef LT_ADD
	*n = k;
	return t;
}

/* llama.cpp's converter (LlamaModel.permute) stores the rows of each of
 * heads heads, (2, D/2) as transformers has them, as (D/2, 2): row
 * h*D + j*D/2 + i becomes row h*D + 2*i + j. to_gguf 0 undoes it. */
static void rotary_rows(float *dst, const float *src, int heads, int rows, int cols, int to_gguf)
{
	int D = rows / heads, half = D / 2;
	size_t rb = (size_t)cols * sizeof *dst;
	for (int h = 0; h < heads; h++)
		for (int i = 0; i < half; i++)
			for (int j = 0; j < 2; j++) {
				size_t hf = (size_t)h * D + (size_t)j * half + i;
				size_t gg = (size_t)h * D + 2 * (size_t)i + j;
				if (to_gguf)
					memcpy(dst + gg * cols, src + hf * cols, rb);
				else
					memcpy(dst + hf * cols, src + gg * cols, rb);
			}
}

/* The rows of the model's vocabulary: for each file id below V the token
 * of t (-1: none), and the checks that every token of t fits. */
static int file_rows(const struct modelio_llama *mm, int32_t **rows, const char *what, char *err)
{
	int V = mm->cfg.vocab_size, TV = tokenizer_vocab_size(mm->tok);
	int32_t *r = malloc((size_t)V * sizeof *r);
	if (!r)
		util_oom();
	for (int f = 0; f < V; f++)
		r[f] = -1;
	for (int32_t id = 0; id < TV; id++) {
		int32_t f = tokenizer_file_id(mm->tok, id);
		if (f < 0)
			continue;
		if (f >= V) {
			free(r);
			return util_err(err,
					"%s: token %d has id %d in the file, past the "
					"model's %d rows",
					what, (int)id, (int)f, V);
		}
		r[f] = id;
	}
	*rows = r;
	return 0;
}

/* ------------------------------------------------------------ reading tensors */

/* Where the tensors of a model are: one or more files, each opened. */
struct tfiles {
	struct tfile {
		char *path;
		struct modelio_rd r;
		struct modelio_ftensor *ft;
		size_t n;
	} * f;
	size_t n;
};

static void tfiles_release(struct tfiles *tf)
{
	for (size_t i = 0; tf->f && i < tf->n; i++) {
		modelio_rd_close(&tf->f[i].r);
		modelio_ftensors_free(tf->f[i].ft, tf->f[i].n);
		free(tf->f[i].path);
	}
	free(tf->f);
	memset(tf, 0, sizeof *tf);
}

/* The tensor called name in any file, or NULL; *file gets its file. */
static struct modelio_ftensor *tfind(struct tfiles *tf, const char *name, struct tfile **file)
{
	for (size_t i = 0; i < tf->n; i++) {
		struct modelio_ftensor *t = modelio_ftensor_find(tf->f[i].ft, tf->f[i].n, name);
		if (t) {
			*file = &tf->f[i];
			return t;
		}
	}
	return NULL;
}

/* Buffers that transformers once saved and that carry nothing. */
static int ignorable(const char *name)
{
	size_t n = strlen(name), k = strlen(".rotary_emb.inv_freq");
	return n > k && !strcmp(name + n - k, ".rotary_emb.inv_freq");
}

/* The file's tensor for x, its shape checked: 0 with *out (NULL when it is
 * absent and allowed to be), or MENTOR_ERR naming it. gguf: by llama.cpp's
 * name. */
static int tmatch(struct tfiles *tf, const struct ltensor *x, int gguf, const char *src,
		  struct modelio_ftensor **out, struct tfile **file, char *err)
{
	const char *nm = gguf ? x->gg : x->hf;
	*out = tfind(tf, nm, file);
	if (!*out)
		return util_err(err, "cannot read '%s': tensor '%s' is missing", src, nm);
	const struct modelio_ftensor *f = *out;
	int ok = x->vec ? f->n_dims == 1 && f->dims[0] == (uint64_t)x->cols
			: f->n_dims == 2 && f->dims[0] == (uint64_t)x->rows &&
				  f->dims[1] == (uint64_t)x->cols;
	if (!ok)
		return util_err(err,
				"cannot read '%s': tensor '%s' has the wrong shape for the "
				"configuration (want %d x %d)",
				src, nm, x->rows, x->cols);
	return 0;
}

/* Fill out->params (allocated here) from tf by the table of out->cfg after
 * checking every tensor's presence and shape (so that the header cannot
 * make the reader allocate what the files do not hold). A tied head may be
 * in the files if it equals the embedding; any other tensor is refused. */
static int read_params(struct tfiles *tf, int gguf, const char *src, struct modelio_llama *out,
		       char *err)
{
	size_t nt, total = 0;
	struct ltensor *t = ltable(&out->cfg, &nt);
	struct modelio_ftensor *f;
	struct tfile *file;
	float *tmp = NULL;
	int ret = MENTOR_ERR;
	for (size_t i = 0; i < tf->n; i++)
		total += tf->f[i].n;
	/* a tied head may be repeated, transformers' old inv_freq buffers and
	 * llama.cpp's rope_freqs carry nothing */
	if (total > nt + 2 + (size_t)out->cfg.n_layer) {
		util_err(err, "cannot read '%s': %zu tensors where the configuration has %zu", src,
			 total, nt);
		goto out;
	}
	for (size_t i = 0; i < nt; i++)
		if (tmatch(tf, &t[i], gguf, src, &f, &file, err))
			goto out;
	out->n_params = t[nt - 1].off + (size_t)t[nt - 1].rows * (size_t)t[nt - 1].cols;
	out->params = malloc(out->n_params * sizeof *out->params);
	if (!out->params) {
		util_err(err, "cannot read '%s': out of memory for %zu parameters", src,
			 out->n_params);
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		const struct ltensor *x = &t[i];
		const char *nm = gguf ? x->gg : x->hf;
		size_t cnt = (size_t)x->rows * (size_t)x->cols;
		tmatch(tf, x, gguf, src, &f, &file, err);
		f->used = 1;
		float *dst = out->params + x->off;
		if (!(gguf && x->heads)) {
			if (modelio_rd_floats(&file->r, f->off, cnt, f->dt, dst, nm))
				goto out;
			continue;
		}
		free(tmp);
		tmp = malloc(cnt * sizeof *tmp);
		if (!tmp) {
			util_err(err, "cannot read '%s': out of memory", src);
			goto out;
		}
		if (modelio_rd_floats(&file->r, f->off, cnt, f->dt, tmp, nm))
			goto out;
		rotary_rows(dst, tmp, x->heads, x->vec ? x->cols : x->rows, x->vec ? 1 : x->cols,
			    0);
	}
	const char *head = gguf ? "output.weight" : "lm_head.weight";
	size_t emb = (size_t)out->cfg.vocab_size * (size_t)out->cfg.hidden_size;
	for (size_t s = 0; s < tf->n; s++)
		for (size_t i = 0; i < tf->f[s].n; i++) {
			struct modelio_ftensor *u = &tf->f[s].ft[i];
			if (u->used || ignorable(u->name) ||
			    (gguf && !strcmp(u->name, "rope_freqs.weight")))
				continue;
			if (strcmp(u->name, head) || !out->cfg.tie_word_embeddings) {
				util_err(err, "cannot read '%s': unexpected tensor '%s'", src,
					 u->name);
				goto out;
			}
			/* a tied head written out: must be the embedding */
			free(tmp);
			tmp = malloc(emb * sizeof *tmp);
			if (!tmp) {
				util_err(err, "cannot read '%s': out of memory", src);
				goto out;
			}
			if (u->n_dims != 2 || u->dims[0] != (uint64_t)out->cfg.vocab_size ||
			    u->dims[1] != (uint64_t)out->cfg.hidden_size ||
			    modelio_rd_floats(&tf->f[s].r, u->off, emb, u->dt, tmp, u->name) ||
			    memcmp(tmp, out->params, emb * sizeof *tmp)) {
				util_err(err,
					 "cannot read '%s': %s differs from the token "
					 "embedding, but the configuration ties them",
					 src, head);
				goto out;
			}
		}
	ret = 0;
out:
	free(tmp);
	free(t);
	if (ret) {
		free(out->params);
		out->params = NULL;
		out->n_params = 0;
	}
	return ret;
}

/* ------------------------------------------------------------ Hugging Face in */

/* A shard name from an index: a plain file name in the folder. */
static int shard_name_ok(const char *s)
{
	return s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\') && strlen(s) < 256;
}

static int tfiles_add(struct tfiles *tf, const char *path, char *err)
{
	struct tfile *nf = realloc(tf->f, (tf->n + 1) * sizeof *nf);
	if (!nf)
		util_oom();
	tf->f = nf;
	struct tfile *f = &tf->f[tf->n];
	memset(f, 0, sizeof *f);
	f->path = util_strdup(path);
	tf->n++;
	if (modelio_rd_open(&f->r, f->path, err))
		return MENTOR_ERR;
	return modelio_st_header(&f->r, &f->ft, &f->n);
}

/* The shards model.safetensors.index.json names, each opened, and its
 * weight_map checked against what they hold. */
static int hf_shards(const char *dir, const char *ipath, struct tfiles *tf, char *err)
{
	cJSON *ix = modelio_read_json(ipath, MODELIO_MAX_JSON, err);
	if (!ix)
		return MENTOR_ERR;
	int ret = MENTOR_ERR;
	struct buf p;
	buf_init(&p);
	const cJSON *wm = cJSON_GetObjectItemCaseSensitive(ix, "weight_map"), *e;
	if (!cJSON_IsObject(wm) || cJSON_GetArraySize(wm) > MODELIO_MAX_GGUF_TENSORS) {
		util_err(err, "cannot read '%s': no weight_map object of at most %d tensors", ipath,
			 MODELIO_MAX_GGUF_TENSORS);
		goto out;
	}
	size_t n_map = 0;
	cJSON_ArrayForEach(e, wm)
	{
		n_map++;
		const char *sh = cJSON_GetStringValue(e);
		if (!sh || !shard_name_ok(sh)) {
			util_err(err,
				 "cannot read '%s': tensor '%.80s' names the shard '%.80s', "
				 "which is not a file name in the folder",
				 ipath, e->string, sh ? sh : "(not a string)");
			goto out;
		}
		int known = 0;
		for (size_t i = 0; i < tf->n && !known; i++)
			known = !strcmp(strrchr(tf->f[i].path, '/') + 1, sh);
		if (known)
			continue;
		if (tf->n >= MAX_SHARDS) {
			util_err(err, "cannot read '%s': more than %d shards", ipath, MAX_SHARDS);
			goto out;
		}
		buf_reset(&p);
		if (buf_printf(&p, "%s/%s", dir, sh))
			util_oom();
		if (tfiles_add(tf, p.data, err))
			goto out;
	}
	size_t total = 0;
	for (size_t s = 0; s < tf->n; s++)
		for (size_t i = 0; i < tf->f[s].n; i++) {
			const char *nm = tf->f[s].ft[i].name;
			const char *want = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(wm, nm));
			if (!want || strcmp(want, strrchr(tf->f[s].path, '/') + 1)) {
				util_err(err,
					 "cannot read '%s': tensor '%s' is in '%s', but the "
					 "index puts it %s%s",
					 ipath, nm, tf->f[s].path, want ? "in " : "nowhere",
					 want ? want : "");
				goto out;
			}
			total++;
		}
	if (total != n_map) {
		util_err(err,
			 "cannot read '%s': the index names %zu tensors, the shards hold "
			 "%zu",
			 ipath, n_map, total);
		goto out;
	}
	ret = 0;
out:
	buf_release(&p);
	cJSON_Delete(ix);
	return ret;
}

static int read_hf(const char *dir, struct modelio_llama *out, char *err)
{
	struct buf p;
	buf_init(&p);
	struct tfiles tf = {0};
	char *txt = NULL;
	int ret = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (buf_printf(&p, "%s/config.json", dir))
		util_oom();
	size_t len;
	if (!(txt = util_read_file(p.data, LLAMA_MAX_CONFIG_BYTES, &len, err)))
		goto out;
	if (llama_config_from_json(txt, len, &out->cfg, sub)) {
		util_err(err, "cannot read '%s': %s", p.data, sub);
		goto out;
	}
	buf_reset(&p);
	if (buf_printf(&p, "%s/model.safetensors.index.json", dir))
		util_oom();
	if (modelio_file_exists(p.data)) {
		if (hf_shards(dir, p.data, &tf, err))
			goto out;
	} else {
		buf_reset(&p);
		if (buf_printf(&p, "%s/model.safetensors", dir))
			util_oom();
		if (tfiles_add(&tf, p.data, err))
			goto out;
	}
	if (read_params(&tf, 0, p.data, out, err))
		goto out;
	if (modelio_read_tokenizer(dir, &out->tok, err))
		goto out;
	buf_reset(&p);
	if (buf_printf(&p, "cannot read '%s'", dir))
		util_oom();
	int32_t *rows;
	if (file_rows(out, &rows, p.data, err))
		goto out;
	free(rows);
	ret = 0;
out:
	free(txt);
	tfiles_release(&tf);
	buf_release(&p);
	return ret;
}

/* ------------------------------------------------------------ GGUF in */

/* A float hyperparameter key (F32 or F64) into *out; absent leaves *out. */
static int g_float(const struct modelio_gkv *kv, size_t n, const char *key, const char *path,
		   double *out, char *err)
{
	const struct modelio_gkv *k = modelio_gkv_find(kv, n, key);
	if (!k)
		return 0;
	if ((k->type != GGUF_T_F32 && k->type != GGUF_T_F64) || !isfinite(k->f))
		return util_err(err, "cannot read '%s': metadata '%s' is not a finite float", path,
				key);
	*out = k->f;
	return 0;
}

/* mentor's exact (F64) copy of a float key written as F32 for llama.cpp:
 * taken when it rounds to the F32 value, so that a file another tool
 * edited keeps the value llama.cpp reads. */
static void exact_copy(const struct modelio_gkv *kv, size_t n, const char *key, double *v)
{
	const struct modelio_gkv *k = modelio_gkv_find(kv, n, key);
	if (k && k->type == GGUF_T_F64 && isfinite(k->f) && (float)k->f == (float)*v)
		*v = k->f;
}

/* The hyperparameters of a GGUF file into c (family from arch); the
 * tensors tell the biases, the q/k norms and the tie. */
static int gguf_config(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n,
		       struct tfiles *tf, struct llama_config *c, char *err)
{
	const char *path = r->path;
	const struct modelio_gkv *arch = modelio_gkv_find(kv, n, "general.architecture");
	if (!arch || arch->type != GGUF_T_STRING)
		return util_err(err, "cannot read '%s': no general.architecture", path);
	memset(c, 0, sizeof *c);
	if (!strcmp(arch->s, "llama"))
		c->family = LLAMA_FAMILY_LLAMA;
	else if (!strcmp(arch->s, "qwen2"))
		c->family = LLAMA_FAMILY_QWEN2;
	else if (!strcmp(arch->s, "qwen3"))
		c->family = LLAMA_FAMILY_QWEN3;
	else
		return util_err(err,
				"cannot read '%s': architecture '%.64s' is not llama, qwen2 "
				"or qwen3",
				path, arch->s);
	const char *a = arch->s;
	char key[96];
#define DIM(name_, dst_)                                                                           \
	(snprintf(key, sizeof key, "%s.%s", a, name_), modelio_gguf_dim(r, kv, n, key, dst_))
	int vlen = 0;
	if (DIM("context_length", &c->max_seq_len) || DIM("embedding_length", &c->hidden_size) ||
	    DIM("block_count", &c->n_layer) || DIM("feed_forward_length", &c->intermediate_size) ||
	    DIM("attention.head_count", &c->n_head))
		return MENTOR_ERR;
	c->n_kv_head = c->n_head;
	c->head_dim = c->hidden_size / c->n_head;
	snprintf(key, sizeof key, "%s.attention.head_count_kv", a);
	if (modelio_gkv_find(kv, n, key) && DIM("attention.head_count_kv", &c->n_kv_head))
		return MENTOR_ERR;
	snprintf(key, sizeof key, "%s.attention.key_length", a);
	if (modelio_gkv_find(kv, n, key) && DIM("attention.key_length", &c->head_dim))
		return MENTOR_ERR;
	vlen = c->head_dim;
	snprintf(key, sizeof key, "%s.attention.value_length", a);
	if (modelio_gkv_find(kv, n, key) && DIM("attention.value_length", &vlen))
		return MENTOR_ERR;
	if (vlen != c->head_dim)
		return util_err(err,
				"cannot read '%s': value_length %d differs from key_length "
				"%d",
				path, vlen, c->head_dim);
#undef DIM
	c->rope_theta = 10000.0;
	c->rope_factor = 1.0;
	c->rms_norm_eps = -1;
	snprintf(key, sizeof key, "%s.rope.freq_base", a);
	if (g_float(kv, n, key, path, &c->rope_theta, err))
		return MENTOR_ERR;
	exact_copy(kv, n, "mentor.rope_theta", &c->rope_theta);
	snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon", a);
	if (g_float(kv, n, key, path, &c->rms_norm_eps, err))
		return MENTOR_ERR;
	if (c->rms_norm_eps < 0)
		return util_err(err, "cannot read '%s': metadata '%s' is missing", path, key);
	exact_copy(kv, n, "mentor.rms_norm_eps", &c->rms_norm_eps);
	snprintf(key, sizeof key, "%s.rope.scaling.type", a);
	const struct modelio_gkv *st = modelio_gkv_find(kv, n, key);
	if (st && (st->type != GGUF_T_STRING || (strcmp(st->s, "none") && strcmp(st->s, "linear"))))
		return util_err(err,
				"cannot read '%s': rope scaling '%.40s' is not supported "
				"(none, linear, or Llama 3's as rope_freqs.weight)",
				path, st->type == GGUF_T_STRING ? st->s : "?");
	if (st && !strcmp(st->s, "linear")) {
		c->rope_type = LLAMA_ROPE_LINEAR;
		snprintf(key, sizeof key, "%s.rope.scaling.factor", a);
		if (g_float(kv, n, key, path, &c->rope_factor, err))
			return MENTOR_ERR;
		exact_copy(kv, n, "mentor.rope_factor", &c->rope_factor);
	}
	struct tfile *file;
	c->attention_bias = tfind(tf, "blk.0.attn_q.bias", &file) != NULL;
	c->qk_norm = tfind(tf, "blk.0.attn_q_norm.weight", &file) != NULL;
	c->tie_word_embeddings = tfind(tf, "output.weight", &file) == NULL;
	struct modelio_ftensor *emb = tfind(tf, "token_embd.weight", &file);
	if (!emb || emb->n_dims != 2 || emb->dims[0] > LLAMA_MAX_VOCAB)
		return util_err(err, "cannot read '%s': no token_embd.weight of at most %d rows",
				path, LLAMA_MAX_VOCAB);
	c->vocab_size = (int)emb->dims[0];
	return 0;
}

/* Llama 3's RoPE scaling, which llama.cpp keeps as per-frequency divisors
 * (rope_freqs.weight, D/2 floats): mentor's own keys when present, else
 * Llama 3.1's published constants with the largest divisor as the factor;
 * either way the divisors must be what the parameters give. */
static int gguf_llama3(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n,
		       struct tfiles *tf, struct llama_config *c, char *err)
{
	struct tfile *file;
	struct modelio_ftensor *f = tfind(tf, "rope_freqs.weight", &file);
	if (!f)
		return 0;
	int half = c->head_dim / 2;
	if (f->n_dims != 1 || f->dims[0] != (uint64_t)half)
		return util_err(err, "cannot read '%s': rope_freqs.weight is not %d values",
				r->path, half);
	float *fac = malloc((size_t)half * sizeof *fac);
	if (!fac)
		util_oom();
	int ret = MENTOR_ERR;
	if (modelio_rd_floats(&file->r, f->off, (size_t)half, f->dt, fac, f->name))
		goto out;
	c->rope_type = LLAMA_ROPE_LLAMA3;
	c->rope_factor = 1;
	for (int i = 0; i < half; i++)
		if (isfinite(fac[i]) && fac[i] > c->rope_factor)
			c->rope_factor = fac[i];
	c->rope_low_freq_factor = 1.0;
	c->rope_high_freq_factor = 4.0;
	c->rope_original_max_pos = 8192;
	double orig = c->rope_original_max_pos;
	char key[96];
	snprintf(key, sizeof key, "%s.rope.scaling.original_context_length",
		 modelio_gkv_find(kv, n, "general.architecture")->s);
	const struct modelio_gkv *ko = modelio_gkv_find(kv, n, key);
	if (modelio_gkv_is_int(ko) && ko->i > 0 && ko->i <= LLAMA_MAX_CTX)
		orig = (double)ko->i;
	if (g_float(kv, n, "mentor.rope_factor", r->path, &c->rope_factor, err) ||
	    g_float(kv, n, "mentor.rope_low_freq_factor", r->path, &c->rope_low_freq_factor, err) ||
	    g_float(kv, n, "mentor.rope_high_freq_factor", r->path, &c->rope_high_freq_factor, err))
		goto out;
	ko = modelio_gkv_find(kv, n, "mentor.rope_original_max_pos");
	if (modelio_gkv_is_int(ko) && ko->i > 0 && ko->i <= LLAMA_MAX_CTX)
		orig = (double)ko->i;
	c->rope_original_max_pos = (int)orig;
	/* the divisors the converter computes from these parameters */
	double lo_wl = orig / c->rope_low_freq_factor, hi_wl = orig / c->rope_high_freq_factor;
	for (int i = 0; i < half; i++) {
		double freq = 1.0 / pow(c->rope_theta, (double)(2 * i) / c->head_dim);
		double wl = 2 * PI / freq, want;
		if (wl < hi_wl)
			want = 1;
		else if (wl > lo_wl)
			want = c->rope_factor;
		else {
			double sm = (orig / wl - c->rope_low_freq_factor) /
				    (c->rope_high_freq_factor - c->rope_low_freq_factor);
			want = 1 / ((1 - sm) / c->rope_factor + sm);
		}
		if (!(fabs(fac[i] - want) <= 1e-4 * want)) {
			util_err(err,
				 "cannot read '%s': rope_freqs.weight[%d] is %g, not the %g "
				 "of Llama 3's scaling (factor %g, low %g, high %g, "
				 "original context %d)",
				 r->path, i, (double)fac[i], want, c->rope_factor,
				 c->rope_low_freq_factor, c->rope_high_freq_factor,
				 c->rope_original_max_pos);
			goto out;
		}
	}
	ret = 0;
out:
	free(fac);
	return ret;
}

/* The vocabulary of tokenizer.ggml.*: tokens by id (unused ones left out),
 * control and user-defined tokens as added tokens, the pre-tokenizer from
 * tokenizer.ggml.pre (mentor.tokenizer.* when mentor wrote the file). */
static int gguf_tok(const struct modelio_gkv *kv, size_t n, int V, const char *path,
		    struct tokenizer **tok, char *err)
{
	const struct modelio_gkv *kt = modelio_gkv_find(kv, n, "tokenizer.ggml.tokens");
	const struct modelio_gkv *km = modelio_gkv_find(kv, n, "tokenizer.ggml.merges");
	const struct modelio_gkv *ky = modelio_gkv_find(kv, n, "tokenizer.ggml.token_type");
	const struct modelio_gkv *kmod = modelio_gkv_find(kv, n, "tokenizer.ggml.model");
	const struct modelio_gkv *kpre = modelio_gkv_find(kv, n, "tokenizer.ggml.pre");
	if (!kmod || kmod->type != GGUF_T_STRING || strcmp(kmod->s, "gpt2") || !kt || !kt->astr ||
	    !km || !km->astr)
		return util_err(err,
				"cannot read '%s': no byte-level BPE vocabulary "
				"(tokenizer.ggml.model gpt2 with tokens and merges)",
				path);
	if (kt->an != (uint64_t)V)
		return util_err(err, "cannot read '%s': %llu tokens for an embedding of %d rows",
				path, (unsigned long long)kt->an, V);
	if (ky && (!ky->aint || ky->an != kt->an))
		return util_err(err,
				"cannot read '%s': tokenizer.ggml.token_type is not one "
				"integer per token",
				path);
	struct modelio_vocab v;
	memset(&v, 0, sizeof v);
	v.eos = -1;
	const char *pre = kpre && kpre->type == GGUF_T_STRING ? kpre->s : "default";
	if (!strcmp(pre, "qwen2")) {
		v.pretok = TOKENIZER_PRETOK_QWEN2;
		v.normalizer = TOKENIZER_NORM_NFC; /* Qwen's tokenizer.json normalises */
	} else if (!strcmp(pre, "llama-bpe") || !strcmp(pre, "llama3")) {
		v.pretok = TOKENIZER_PRETOK_LLAMA3;
	} else if (!strcmp(pre, "gpt-2") || !strcmp(pre, "default")) {
		v.pretok = TOKENIZER_PRETOK_GPT2;
	} else if (!strcmp(pre, "smollm")) {
		v.pretok = TOKENIZER_PRETOK_SMOLLM;
	} else {
		return util_err(err,
				"cannot read '%s': pre-tokenizer '%.40s' is not supported "
				"(qwen2, llama-bpe, smollm, gpt-2)",
				path, pre);
	}
	const struct modelio_gkv *kmp = modelio_gkv_find(kv, n, "mentor.tokenizer.pre");
	const struct modelio_gkv *kmn = modelio_gkv_find(kv, n, "mentor.tokenizer.normalizer");
	if (kmp && (kmp->type != GGUF_T_STRING || (v.pretok = tokenizer_pretok_parse(kmp->s)) < 0))
		return util_err(err, "cannot read '%s': unknown mentor.tokenizer.pre", path);
	if (kmn) {
		if (kmn->type == GGUF_T_STRING && !strcmp(kmn->s, "nfc"))
			v.normalizer = TOKENIZER_NORM_NFC;
		else if (kmn->type == GGUF_T_STRING && !strcmp(kmn->s, "none"))
			v.normalizer = TOKENIZER_NORM_NONE;
		else
			return util_err(err,
					"cannot read '%s': unknown "
					"mentor.tokenizer.normalizer",
					path);
	}
	const struct modelio_gkv *keos = modelio_gkv_find(kv, n, "tokenizer.ggml.eos_token_id");
	if (modelio_gkv_is_int(keos) && keos->i >= 0 && keos->i < V)
		v.eos = keos->i;
	/* borrowed strings: cleared before release */
	v.n_tok = (size_t)V;
	v.tok = calloc((size_t)V, sizeof *v.tok);
	v.added = calloc((size_t)V, sizeof *v.added);
	if (!v.tok || !v.added)
		util_oom();
	v.merges = km->astr;
	v.n_merges = (size_t)km->an;
	int ret = MENTOR_ERR;
	for (int id = 0; id < V; id++) {
		int64_t ty = ky ? ky->aint[id] : TT_NORMAL;
		if (ty == TT_UNUSED)
			continue;
		v.tok[id] = kt->astr[id];
		if (ty != TT_CONTROL && ty != TT_USER)
			continue;
		size_t l = strlen(kt->astr[id]);
		if (!l || l > TOKENIZER_MAX_ADDED_LEN || v.n_added >= TOKENIZER_MAX_ADDED) {
			util_err(err,
				 "cannot read '%s': token %d is empty, longer than %d bytes "
				 "or one added token too many",
				 path, id, TOKENIZER_MAX_ADDED_LEN);
			goto out;
		}
		v.added[v.n_added].text = kt->astr[id];
		v.added[v.n_added].id = id;
		v.added[v.n_added].special = ty == TT_CONTROL;
		v.n_added++;
	}
	int64_t *perm = NULL;
	int identity;
	char sub[MENTOR_ERR_LEN];
	if (modelio_vocab_build(&v, tok, &perm, &identity, sub)) {
		util_err(err, "cannot read '%s': %s", path, sub);
		goto out;
	}
	free(perm);
	ret = 0;
out:
	for (size_t i = 0; i < v.n_added; i++)
		v.added[i].text = NULL;
	free(v.tok);
	v.tok = NULL;
	v.merges = NULL;
	v.n_tok = v.n_merges = 0;
	modelio_vocab_release(&v);
	return ret;
}

static int read_gguf(const char *path, struct modelio_llama *out, char *err)
{
	struct tfiles tf = {0};
	struct modelio_gkv *kv = NULL;
	uint64_t n_kv = 0, n_t = 0;
	int ret = MENTOR_ERR;
	tf.f = calloc(1, sizeof *tf.f);
	if (!tf.f)
		util_oom();
	tf.n = 1;
	tf.f[0].path = util_strdup(path);
	struct modelio_rd *r = &tf.f[0].r;
	char sub[MENTOR_ERR_LEN];
	if (modelio_rd_open(r, path, err) || modelio_gguf_meta(r, &kv, &n_kv, &n_t) ||
	    modelio_gguf_tensors(r, kv, (size_t)n_kv, n_t, &tf.f[0].ft))
		goto out;
	tf.f[0].n = (size_t)n_t;
	if (gguf_config(r, kv, (size_t)n_kv, &tf, &out->cfg, err) ||
	    gguf_llama3(r, kv, (size_t)n_kv, &tf, &out->cfg, err))
		goto out;
	if (llama_config_check(&out->cfg, sub)) {
		util_err(err, "cannot read '%s': unsupported model shape: %s", path, sub);
		goto out;
	}
	if (read_params(&tf, 1, path, out, err) ||
	    gguf_tok(kv, (size_t)n_kv, out->cfg.vocab_size, path, &out->tok, err))
		goto out;
	ret = 0;
out:
	modelio_gkv_free(kv, (size_t)n_kv);
	tfiles_release(&tf);
	return ret;
}

int modelio_llama_read(const char *path, struct modelio_llama *out, char *err)
{
	modelio_llama_init(out);
	struct stat sb;
	if (stat(path, &sb) != 0)
		return util_err(err, "cannot read '%s': %s", path, strerror(errno));
	int rc;
	if (S_ISDIR(sb.st_mode)) {
		rc = read_hf(path, out, err);
	} else {
		char magic[4] = {0};
		FILE *f = fopen(path, "rb");
		if (!f)
			return util_err(err, "cannot read '%s': %s", path, strerror(errno));
		size_t got = fread(magic, 1, 4, f);
		fclose(f);
		if (got == 4 && !memcmp(magic, GGUF_MAGIC, 4)) {
			rc = read_gguf(path, out, err);
		} else {
			/* a file of a folder: the folder */
			const char *slash = strrchr(path, '/');
			char *dir = slash ? util_strndup(path, (size_t)(slash - path))
					  : util_strdup(".");
			if (!*dir) {
				free(dir);
				dir = util_strdup("/");
			}
			rc = read_hf(dir, out, err);
			free(dir);
		}
	}
	if (rc) {
		modelio_llama_release(out);
		return MENTOR_ERR;
	}
	return 0;
}

/* ------------------------------------------------------------ writing */

static const char *family_name(int family)
{
	return family == LLAMA_FAMILY_QWEN2   ? "qwen2"
	       : family == LLAMA_FAMILY_QWEN3 ? "qwen3"
					      : "llama";
}

/* For each token id of t: the index of the added token that is it, or -1.
 * Caller frees. */
static int32_t *added_index(const struct tokenizer *t)
{
	int V = tokenizer_vocab_size(t);
	int32_t *ix = malloc((size_t)V * sizeof *ix);
	if (!ix)
		util_oom();
	for (int i = 0; i < V; i++)
		ix[i] = -1;
	size_t na = tokenizer_num_added(t);
	for (size_t i = 0; i < na; i++) {
		struct tokenizer_added a;
		if (!tokenizer_added_get(t, i, &a) && a.id >= 0 && a.id < V)
			ix[a.id] = (int32_t)i;
	}
	return ix;
}

/* The text a file keeps for token id: an added token's or a special's as
 * it is, any other in the byte-level alphabet. */
static int token_text(const struct tokenizer *t, const int32_t *aix, int32_t id, struct buf *out)
{
	if (aix[id] >= 0) {
		struct tokenizer_added a;
		tokenizer_added_get(t, (size_t)aix[id], &a);
		return buf_append(out, a.text, a.len);
	}
	return modelio_token_string(t, id, out);
}

/* Token type of id for GGUF. */
static int token_type(const struct tokenizer *t, const int32_t *aix, int32_t id)
{
	if (aix[id] >= 0) {
		struct tokenizer_added a;
		tokenizer_added_get(t, (size_t)aix[id], &a);
		return a.special ? TT_CONTROL : TT_USER;
	}
	return tokenizer_is_special(t, id) ? TT_CONTROL : TT_NORMAL;
}

/* Merge r of pairs as its "a b" string into s (reset first). */
static int merge_text(const struct tokenizer *t, const int32_t *pairs, int r, struct buf *s)
{
	buf_reset(s);
	return modelio_token_string(t, pairs[2 * r], s) || buf_putc(s, ' ') ||
	       modelio_token_string(t, pairs[2 * r + 1], s);
}

/* Copy of tensor x of mm in the layout of a file: GGUF of llama has its q
 * and k rows in rotary order. Returns the floats to write (src itself or
 * scratch, grown as needed). */
static const float *tensor_out(const struct modelio_llama *mm, const struct ltensor *x, int gguf,
			       float **scratch, size_t *cap)
{
	const float *src = mm->params + x->off;
	size_t cnt = (size_t)x->rows * (size_t)x->cols;
	if (!gguf || !x->heads)
		return src;
	if (*cap < cnt) {
		free(*scratch);
		*scratch = malloc(cnt * sizeof **scratch);
		if (!*scratch)
			util_oom();
		*cap = cnt;
	}
	rotary_rows(*scratch, src, x->heads, x->vec ? x->cols : x->rows, x->vec ? 1 : x->cols, 1);
	return *scratch;
}

/* Llama 3's per-frequency divisors as llama.cpp's converter computes them. */
static void llama3_divisors(const struct llama_config *c, float *fac)
{
	double orig = c->rope_original_max_pos;
	double lo_wl = orig / c->rope_low_freq_factor, hi_wl = orig / c->rope_high_freq_factor;
	for (int i = 0; i < c->head_dim / 2; i++) {
		float fr = 1.0f / powf((float)c->rope_theta, (float)(2 * i) / (float)c->head_dim);
		double wl = 2 * PI / fr;
		if (wl < hi_wl) {
			fac[i] = 1;
		} else if (wl > lo_wl) {
			fac[i] = (float)c->rope_factor;
		} else {
			double sm = (orig / wl - c->rope_low_freq_factor) /
				    (c->rope_high_freq_factor - c->rope_low_freq_factor);
			fac[i] = (float)(1 / ((1 - sm) / c->rope_factor + sm));
		}
	}
}

static int check_model(const struct modelio_llama *mm, char *err)
{
	char sub[MENTOR_ERR_LEN];
	if (!mm->tok || !mm->params)
		return util_err(err, "cannot export: no model");
	if (llama_config_check(&mm->cfg, sub))
		return util_err(err, "cannot export: %s", sub);
	if (llama_config_num_params(&mm->cfg) != mm->n_params)
		return util_err(err, "cannot export: %zu parameters for a configuration of %zu",
				mm->n_params, llama_config_num_params(&mm->cfg));
	return 0;
}

int modelio_llama_write_gguf(const struct modelio_llama *mm, const char *path, char *err)
{
	if (check_model(mm, err))
		return MENTOR_ERR;
	const struct llama_config *c = &mm->cfg;
	const struct tokenizer *t = mm->tok;
	const char *a = family_name(c->family);
	int V = c->vocab_size, nm = tokenizer_num_merges(t);
	int32_t *rows = NULL, *pairs = NULL, *aix = added_index(t);
	size_t nt;
	struct ltensor *tt = ltable(c, &nt);
	float *scratch = NULL, *fac = NULL;
	size_t cap = 0;
	struct buf kv, h, s;
	buf_init(&kv);
	buf_init(&h);
	buf_init(&s);
	int ret = MENTOR_ERR;
	if (file_rows(mm, &rows, "cannot export", err) || modelio_tok_merge_pairs(t, &pairs, err))
		goto out;
	uint64_t n_kv = 0;
	int bad = 0;
	char key[96];
#define KU32(name_, v_)                                                                            \
	(snprintf(key, sizeof key, "%s.%s", a, name_), n_kv++,                                     \
	 modelio_kv_u32(&kv, key, (uint32_t)(v_)))
#define KF32(name_, v_)                                                                            \
	(snprintf(key, sizeof key, "%s.%s", a, name_), n_kv++,                                     \
	 modelio_kv_f32(&kv, key, (float)(v_)))
	bad |= modelio_kv_str(&kv, "general.architecture", a), n_kv++;
	bad |= modelio_kv_str(&kv, "general.name", "mentor student"), n_kv++;
	bad |= modelio_kv_u32(&kv, "general.file_type", 0), n_kv++; /* all F32 */
	bad |= modelio_kv_u32(&kv, "general.alignment", MODELIO_GGUF_ALIGNMENT), n_kv++;
	bad |= KU32("vocab_size", V) || KU32("context_length", c->max_seq_len) ||
	       KU32("embedding_length", c->hidden_size) || KU32("block_count", c->n_layer) ||
	       KU32("feed_forward_length", c->intermediate_size) ||
	       KU32("attention.head_count", c->n_head) ||
	       KU32("attention.head_count_kv", c->n_kv_head) ||
	       KU32("attention.key_length", c->head_dim) ||
	       KU32("attention.value_length", c->head_dim) ||
	       KU32("rope.dimension_count", c->head_dim) || KF32("rope.freq_base", c->rope_theta) ||
	       KF32("attention.layer_norm_rms_epsilon", c->rms_norm_eps);
	if (c->rope_type == LLAMA_ROPE_LINEAR) {
		snprintf(key, sizeof key, "%s.rope.scaling.type", a);
		bad |= modelio_kv_str(&kv, key, "linear") ||
		       KF32("rope.scaling.factor", c->rope_factor);
		n_kv++;
	}
	if (c->rope_type == LLAMA_ROPE_LLAMA3) {
		bad |= KU32("rope.scaling.original_context_length", c->rope_original_max_pos);
		bad |= modelio_kv_f64(&kv, "mentor.rope_low_freq_factor",
				      c->rope_low_freq_factor) ||
		       modelio_kv_f64(&kv, "mentor.rope_high_freq_factor",
				      c->rope_high_freq_factor) ||
		       modelio_kv_u32(&kv, "mentor.rope_original_max_pos",
				      (uint32_t)c->rope_original_max_pos);
		n_kv += 3;
	}
#undef KU32
#undef KF32
	/* the float hyperparameters exactly, for modelio_llama_read */
	bad |= modelio_kv_f64(&kv, "mentor.rope_theta", c->rope_theta) ||
	       modelio_kv_f64(&kv, "mentor.rms_norm_eps", c->rms_norm_eps) ||
	       modelio_kv_f64(&kv, "mentor.rope_factor", c->rope_factor);
	n_kv += 3;
	/* tokenizer */
	int pt = tokenizer_pretok(t);
	const char *pre = pt == TOKENIZER_PRETOK_QWEN2    ? "qwen2"
			  : pt == TOKENIZER_PRETOK_LLAMA3 ? "llama-bpe"
			  : pt == TOKENIZER_PRETOK_SMOLLM ? "smollm"
							  : "gpt-2";
	bad |= modelio_kv_str(&kv, "tokenizer.ggml.model", "gpt2"), n_kv++;
	bad |= modelio_kv_str(&kv, "tokenizer.ggml.pre", pre), n_kv++;
	bad |= modelio_kv_str(&kv, "mentor.tokenizer.pre", tokenizer_pretok_name(pt)), n_kv++;
	bad |= modelio_kv_str(&kv, "mentor.tokenizer.normalizer",
			      tokenizer_norm_name(tokenizer_normalizer(t))),
		n_kv++;
	bad |= modelio_g_key(&kv, "tokenizer.ggml.tokens", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_STRING) || modelio_g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int f = 0; f < V && !bad; f++) {
		buf_reset(&s);
		if (rows[f] < 0)
			bad |= buf_printf(&s, "[PAD%d]", f);
		else
			bad |= token_text(t, aix, rows[f], &s);
		bad |= modelio_g_str(&kv, s.data ? s.data : "", s.len);
	}
	bad |= modelio_g_key(&kv, "tokenizer.ggml.token_type", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_I32) || modelio_g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int f = 0; f < V && !bad; f++)
		bad |= modelio_g_u32(&kv, rows[f] < 0 ? TT_UNUSED : token_type(t, aix, rows[f]));
	bad |= modelio_g_key(&kv, "tokenizer.ggml.merges", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_STRING) || modelio_g_u64(&kv, (uint64_t)nm);
	n_kv++;
	for (int r = 0; r < nm && !bad; r++)
		bad |= merge_text(t, pairs, r, &s) || modelio_g_str(&kv, s.data, s.len);
	int32_t eos = tokenizer_file_id(t, tokenizer_special(t, TOKENIZER_EOS));
	if (eos >= 0)
		bad |= modelio_kv_u32(&kv, "tokenizer.ggml.eos_token_id", (uint32_t)eos), n_kv++;
	/* mentor's prompts carry no begin- or end-of-text token */
	bad |= modelio_kv_bool(&kv, "tokenizer.ggml.add_bos_token", 0), n_kv++;
	bad |= modelio_kv_bool(&kv, "tokenizer.ggml.add_eos_token", 0), n_kv++;
	/* tensor infos */
	size_t n_tensors = nt + (c->rope_type == LLAMA_ROPE_LLAMA3);
	bad |= buf_append(&h, GGUF_MAGIC, 4) || modelio_g_u32(&h, GGUF_VERSION) ||
	       modelio_g_u64(&h, n_tensors) || modelio_g_u64(&h, n_kv) ||
	       buf_append(&h, kv.data, kv.len);
	uint64_t data_off = 0;
	for (size_t i = 0; i < n_tensors && !bad; i++) {
		if (i < nt)
			bad |= modelio_gguf_info(&h, tt[i].gg, tt[i].vec, (uint64_t)tt[i].rows,
						 (uint64_t)tt[i].cols, &data_off);
		else
			bad |= modelio_gguf_info(&h, "rope_freqs.weight", 1, 1,
						 (uint64_t)c->head_dim / 2, &data_off);
	}
	while (!bad && h.len % MODELIO_GGUF_ALIGNMENT)
		bad |= buf_putc(&h, 0);
	if (bad) {
		util_err(err, "cannot export '%s': out of memory", path);
		goto out;
	}
	struct modelio_outfile o;
	if (modelio_out_open(&o, path, err))
		goto out;
	int ok = fwrite(h.data, 1, h.len, o.f) == h.len;
	for (size_t i = 0; i < n_tensors && ok; i++) {
		const float *p;
		size_t cnt;
		if (i < nt) {
			p = tensor_out(mm, &tt[i], 1, &scratch, &cap);
			cnt = (size_t)tt[i].rows * (size_t)tt[i].cols;
		} else {
			fac = malloc((size_t)c->head_dim / 2 * sizeof *fac);
			if (!fac)
				util_oom();
			llama3_divisors(c, fac);
			p = fac;
			cnt = (size_t)c->head_dim / 2;
		}
		ok = fwrite(p, sizeof(float), cnt, o.f) == cnt &&
		     !modelio_gguf_pad(o.f, (uint64_t)cnt * 4);
	}
	if (modelio_out_close(&o, ok, err))
		goto out;
	ret = 0;
out:
	free(fac);
	free(scratch);
	free(tt);
	free(rows);
	free(pairs);
	free(aix);
	buf_release(&kv);
	buf_release(&h);
	buf_release(&s);
	return ret;
}

/* config.json for transformers' LlamaConfig, Qwen2Config or Qwen3Config. */
static int hf_config(const struct modelio_llama *mm, struct buf *b)
{
	const struct llama_config *c = &mm->cfg;
	static const char *const arch[] = {"LlamaForCausalLM", "Qwen2ForCausalLM",
					   "Qwen3ForCausalLM"};
	int bad = buf_printf(b,
			     "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"%s\",\n"
			     "  \"vocab_size\": %d,\n  \"hidden_size\": %d,\n"
			     "  \"intermediate_size\": %d,\n  \"num_hidden_layers\": %d,\n"
			     "  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
			     "  \"head_dim\": %d,\n  \"max_position_embeddings\": %d,\n"
			     "  \"hidden_act\": \"silu\",\n  \"rms_norm_eps\": %.17g,\n"
			     "  \"rope_theta\": %.17g,\n  \"tie_word_embeddings\": %s,\n"
			     "  \"attention_dropout\": 0.0,\n  \"initializer_range\": 0.02,\n"
			     "  \"use_cache\": true,\n  \"torch_dtype\": \"float32\",\n",
			     arch[c->family], family_name(c->family), c->vocab_size, c->hidden_size,
			     c->intermediate_size, c->n_layer, c->n_head, c->n_kv_head, c->head_dim,
			     c->max_seq_len, c->rms_norm_eps, c->rope_theta,
			     c->tie_word_embeddings ? "true" : "false");
	if (c->family == LLAMA_FAMILY_LLAMA)
		bad |= buf_puts(b, "  \"mlp_bias\": false,\n");
	if (c->family != LLAMA_FAMILY_QWEN2)
		bad |= buf_printf(b, "  \"attention_bias\": %s,\n",
				  c->attention_bias ? "true" : "false");
	else
		bad |= buf_puts(b, "  \"use_sliding_window\": false,\n");
	if (c->rope_type == LLAMA_ROPE_LINEAR)
		bad |= buf_printf(b,
				  "  \"rope_scaling\": {\"rope_type\": \"linear\", "
				  "\"factor\": %.17g},\n",
				  c->rope_factor);
	else if (c->rope_type == LLAMA_ROPE_LLAMA3)
		bad |= buf_printf(b,
				  "  \"rope_scaling\": {\"rope_type\": \"llama3\", "
				  "\"factor\": %.17g, \"low_freq_factor\": %.17g, "
				  "\"high_freq_factor\": %.17g, "
				  "\"original_max_position_embeddings\": %d},\n",
				  c->rope_factor, c->rope_low_freq_factor, c->rope_high_freq_factor,
				  c->rope_original_max_pos);
	else
		bad |= buf_puts(b, "  \"rope_scaling\": null,\n");
	int32_t eos = tokenizer_file_id(mm->tok, tokenizer_special(mm->tok, TOKENIZER_EOS));
	if (eos >= 0)
		bad |= buf_printf(b, "  \"eos_token_id\": %d,\n", (int)eos);
	bad |= buf_puts(b, "  \"transformers_version\": \"4.51.0\"\n}\n");
	return bad;
}

/* tokenizer.json: the vocabulary by file id, added tokens with theirs, the
 * normalizer and pre-tokenizer of the tokenizer. */
static int hf_tokenizer(const struct modelio_llama *mm, struct buf *b)
{
	const struct tokenizer *t = mm->tok;
	int V = mm->cfg.vocab_size, nm = tokenizer_num_merges(t);
	int32_t *rows = NULL, *pairs = NULL, *aix = added_index(t);
	char err[MENTOR_ERR_LEN];
	struct buf s;
	buf_init(&s);
	int bad = file_rows(mm, &rows, "cannot export", err) ||
		  modelio_tok_merge_pairs(t, &pairs, err);
	bad |= buf_puts(b, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n"
			   "  \"padding\": null,\n  \"added_tokens\": [");
	int first = 1;
	for (int f = 0; f < V && !bad; f++) {
		struct tokenizer_added a;
		if (rows[f] >= 0 && aix[rows[f]] < 0 && tokenizer_is_special(t, rows[f])) {
			/* one of mentor's task markers: matched whole, as the file's
			 * own specials are */
			a.text = tokenizer_token(t, rows[f], &a.len);
			a.special = 1;
		} else if (rows[f] < 0 || aix[rows[f]] < 0) {
			continue;
		} else {
			tokenizer_added_get(t, (size_t)aix[rows[f]], &a);
		}
		bad |= buf_printf(b, "%s\n    {\"id\": %d, \"content\": ", first ? "" : ",", f) ||
		       modelio_json_str(b, a.text, a.len) ||
		       buf_printf(b,
				  ", \"single_word\": false, \"lstrip\": false, "
				  "\"rstrip\": false, \"normalized\": false, \"special\": %s}",
				  a.special ? "true" : "false");
		first = 0;
	}
	bad |= buf_printf(b, "\n  ],\n  \"normalizer\": %s,\n",
			  tokenizer_normalizer(t) == TOKENIZER_NORM_NFC ? "{\"type\": \"NFC\"}"
									: "null");
	const char *re = modelio_pretok_regex(tokenizer_pretok(t));
	if (tokenizer_pretok(t) == TOKENIZER_PRETOK_SMOLLM) {
		bad |= buf_puts(b, "  \"pre_tokenizer\": {\"type\": \"Sequence\", "
				   "\"pretokenizers\": [\n    {\"type\": \"Digits\", "
				   "\"individual_digits\": true},\n    {\"type\": \"ByteLevel\", "
				   "\"add_prefix_space\": false, \"trim_offsets\": true, "
				   "\"use_regex\": true}]},\n");
	} else if (!re) {
		bad |= buf_puts(b, "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", "
				   "\"add_prefix_space\": false, \"trim_offsets\": true, "
				   "\"use_regex\": true},\n");
	} else {
		bad |= buf_puts(b, "  \"pre_tokenizer\": {\"type\": \"Sequence\", "
				   "\"pretokenizers\": [\n    {\"type\": \"Split\", \"pattern\": "
				   "{\"Regex\": ") ||
		       modelio_json_str(b, re, strlen(re)) ||
		       buf_puts(b, "}, \"behavior\": \"Isolated\", \"invert\": false},\n"
				   "    {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
				   "\"trim_offsets\": false, \"use_regex\": false}]},\n");
	}
	bad |= buf_puts(b, "  \"post_processor\": null,\n"
			   "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
			   "\"trim_offsets\": false, \"use_regex\": false},\n"
			   "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n"
			   "    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n"
			   "    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
			   "    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n"
			   "    \"vocab\": {");
	first = 1;
	for (int f = 0; f < V && !bad; f++) {
		if (rows[f] < 0 || aix[rows[f]] >= 0)
			continue;
		buf_reset(&s);
		bad |= token_text(t, aix, rows[f], &s) ||
		       buf_puts(b, first ? "\n      " : ",\n      ") ||
		       modelio_json_str(b, s.data ? s.data : "", s.len) || buf_printf(b, ": %d", f);
		first = 0;
	}
	bad |= buf_puts(b, "\n    },\n    \"merges\": [");
	for (int r = 0; r < nm && !bad; r++)
		bad |= merge_text(t, pairs, r, &s) || buf_puts(b, r ? ",\n      " : "\n      ") ||
		       modelio_json_str(b, s.data, s.len);
	bad |= buf_puts(b, "\n    ]\n  }\n}\n");
	free(rows);
	free(pairs);
	free(aix);
	buf_release(&s);
	return bad;
}

static int hf_tokenizer_config(const struct modelio_llama *mm, struct buf *b)
{
	const struct tokenizer *t = mm->tok;
	int bad = buf_printf(b,
			     "{\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\",\n"
			     "  \"model_max_length\": %d,\n  \"add_bos_token\": false,\n"
			     "  \"add_prefix_space\": false,\n"
			     "  \"clean_up_tokenization_spaces\": false,\n",
			     mm->cfg.max_seq_len);
	int32_t eos = tokenizer_special(t, TOKENIZER_EOS);
	if (tokenizer_file_id(t, eos) >= 0) {
		size_t len;
		const char *p = tokenizer_token(t, eos, &len);
		int32_t *aix = added_index(t);
		struct tokenizer_added a;
		if (aix[eos] >= 0 && !tokenizer_added_get(t, (size_t)aix[eos], &a))
			p = a.text, len = a.len;
		free(aix);
		bad |= buf_puts(b, "  \"eos_token\": ") || modelio_json_str(b, p, len) ||
		       buf_puts(b, ",\n");
	}
	bad |= buf_puts(b, "  \"unk_token\": null\n}\n");
	return bad;
}

static int write_text(const char *dir, const char *name,
		      int (*gen)(const struct modelio_llama *, struct buf *),
		      const struct modelio_llama *mm, char *err)
{
	struct buf txt, p;
	buf_init(&txt);
	buf_init(&p);
	int rc = MENTOR_ERR;
	if (gen(mm, &txt) || buf_printf(&p, "%s/%s", dir, name))
		util_err(err, "cannot export '%s/%s': out of memory", dir, name);
	else
		rc = util_write_file_atomic(p.data, txt.data ? txt.data : "", txt.len, err);
	buf_release(&txt);
	buf_release(&p);
	return rc;
}

int modelio_llama_write_hf(const struct modelio_llama *mm, const char *dir, char *err)
{
	if (check_model(mm, err))
		return MENTOR_ERR;
	int32_t *rows = NULL;
	if (file_rows(mm, &rows, "cannot export", err))
		return MENTOR_ERR;
	free(rows);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir, strerror(errno));
	size_t nt;
	struct ltensor *tt = ltable(&mm->cfg, &nt);
	struct buf h, p;
	buf_init(&h);
	buf_init(&p);
	int ret = MENTOR_ERR;
	int bad = buf_puts(&h, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"mentor\"}");
	uint64_t off = 0;
	for (size_t i = 0; i < nt && !bad; i++) {
		uint64_t bytes = (uint64_t)tt[i].rows * (uint64_t)tt[i].cols * 4;
		bad |= buf_putc(&h, ',') || modelio_json_str(&h, tt[i].hf, strlen(tt[i].hf));
		if (tt[i].vec)
			bad |= buf_printf(&h, ":{\"dtype\":\"F32\",\"shape\":[%d]", tt[i].cols);
		else
			bad |= buf_printf(&h, ":{\"dtype\":\"F32\",\"shape\":[%d,%d]", tt[i].rows,
					  tt[i].cols);
		bad |= buf_printf(&h, ",\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
				  (unsigned long long)(off + bytes));
		off += bytes;
	}
	bad |= buf_putc(&h, '}');
	while (!bad && h.len % 8) /* keep the data 8-byte aligned */
		bad |= buf_putc(&h, ' ');
	if (bad || buf_printf(&p, "%s/model.safetensors", dir)) {
		util_err(err, "cannot export '%s': out of memory", dir);
		goto out;
	}
	struct modelio_outfile o;
	if (modelio_out_open(&o, p.data, err))
		goto out;
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
	int ok = fwrite(len8, 1, 8, o.f) == 8 && fwrite(h.data, 1, h.len, o.f) == h.len;
	for (size_t i = 0; i < nt && ok; i++) {
		size_t cnt = (size_t)tt[i].rows * (size_t)tt[i].cols;
		ok = fwrite(mm->params + tt[i].off, sizeof(float), cnt, o.f) == cnt;
	}
	if (modelio_out_close(&o, ok, err))
		goto out;
	/* an index left by an earlier sharded model would hide the new file */
	buf_reset(&p);
	if (buf_printf(&p, "%s/model.safetensors.index.json", dir))
		util_oom();
	if (unlink(p.data) != 0 && errno != ENOENT) {
		util_err(err, "cannot remove '%s': %s", p.data, strerror(errno));
		goto out;
	}
	if (write_text(dir, "config.json", hf_config, mm, err) ||
	    write_text(dir, "tokenizer.json", hf_tokenizer, mm, err) ||
	    write_text(dir, "tokenizer_config.json", hf_tokenizer_config, mm, err))
		goto out;
	ret = 0;
out:
	free(tt);
	buf_release(&h);
	buf_release(&p);
	return ret;
}
