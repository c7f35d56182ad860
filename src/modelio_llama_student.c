/* modelio_llama_student: a Llama-family folder or GGUF file as a mentor
 * student and back: what a path holds (modelio_is_llama), the model read
 * into mentor's numbering with its tokens renumbered (modelio_llama_to_model),
 * and a trained run written in its file's numbering, mentor's task markers
 * after the file's last id (modelio_llama_model_write). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mentor/modelio.h"
#include "mentor/student.h"
#include "mentor/tokenizer.h"
#include "modelio_int.h"

/* ------------------------------------------------------------ as a student */

static int llama_model_type(const char *s)
{
	return s && (!strcmp(s, "llama") || !strcmp(s, "qwen2") || !strcmp(s, "qwen3"));
}

int modelio_is_llama(const char *path)
{
	struct stat sb;
	if (!path || stat(path, &sb) != 0)
		return 0;
	char err[MENTOR_ERR_LEN];
	if (!S_ISDIR(sb.st_mode)) {
		char magic[4] = {0};
		FILE *f = fopen(path, "rb");
		if (!f)
			return 0;
		size_t got = fread(magic, 1, 4, f);
		fclose(f);
		if (got == 4 && !memcmp(magic, GGUF_MAGIC, 4)) {
			struct modelio_rd r;
			struct modelio_gkv *kv = NULL;
			uint64_t n_kv = 0, n_t = 0;
			int yes = 0;
			if (modelio_rd_open(&r, path, err))
				return 0;
			if (!modelio_gguf_meta(&r, &kv, &n_kv, &n_t)) {
				const struct modelio_gkv *a =
					modelio_gkv_find(kv, (size_t)n_kv, "general.architecture");
				yes = a && a->s && llama_model_type(a->s);
			}
			modelio_gkv_free(kv, (size_t)n_kv);
			modelio_rd_close(&r);
			return yes;
		}
	}
	struct buf p;
	buf_init(&p);
	if (S_ISDIR(sb.st_mode)) {
		buf_printf(&p, "%s/config.json", path);
	} else {
		const char *slash = strrchr(path, '/');
		if (slash)
			buf_printf(&p, "%.*s/config.json", (int)(slash - path), path);
		else
			buf_puts(&p, "config.json");
	}
	cJSON *cfg = p.data ? modelio_read_json(p.data, MODELIO_MAX_JSON, err) : NULL;
	buf_release(&p);
	const cJSON *mt = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "model_type") : NULL;
	int yes = cJSON_IsString(mt) && llama_model_type(mt->valuestring);
	cJSON_Delete(cfg);
	return yes;
}

/* Copy the rows of a (V_file, C) table into a (V, C) one in the tokenizer's
 * numbering: row v is the file's row tokenizer_file_id(v), zero when the
 * file has none. Returns the number of zero rows. */
static int renumber_rows(const struct tokenizer *t, const float *src, int v_file, float *dst, int V,
			 size_t C)
{
	int zero = 0;
	for (int v = 0; v < V; v++) {
		int32_t f = tokenizer_file_id(t, v);
		if (f >= 0 && f < v_file) {
			memcpy(dst + (size_t)v * C, src + (size_t)f * C, C * sizeof(float));
		} else {
			memset(dst + (size_t)v * C, 0, C * sizeof(float));
			zero++;
		}
	}
	return zero;
}

int modelio_llama_to_model(const char *path, struct modelio_model *out, char *err)
{
	modelio_model_init(out);
	struct modelio_llama ml;
	if (modelio_llama_read(path, &ml, err))
		return MENTOR_ERR;
	const struct llama_config *fc = &ml.cfg;
	int V = tokenizer_vocab_size(ml.tok), Vf = fc->vocab_size;
	size_t C = (size_t)fc->hidden_size;
	struct llama_config lc = *fc;
	lc.vocab_size = V;
	char sub[MENTOR_ERR_LEN];
	if (llama_config_check(&lc, sub)) {
		util_err(err, "cannot read '%s' as a student: %s", path, sub);
		modelio_llama_release(&ml);
		return MENTOR_ERR;
	}
	size_t n = llama_config_num_params(&lc), heads = fc->tie_word_embeddings ? 1 : 2;
	size_t mid = ml.n_params - heads * (size_t)Vf * C;
	if (n != mid + heads * (size_t)V * C) {
		util_err(err,
			 "cannot read '%s' as a student: %zu parameters do not fit the "
			 "layout",
			 path, ml.n_params);
		modelio_llama_release(&ml);
		return MENTOR_ERR;
	}
	float *p = malloc(n * sizeof *p);
	if (!p) {
		util_err(err, "cannot read '%s': out of memory for %zu parameters", path, n);
		modelio_llama_release(&ml);
		return MENTOR_ENOMEM;
	}
	/* the embedding comes first and a separate head last (llama.h) */
	int zero = renumber_rows(ml.tok, ml.params, Vf, p, V, C);
	memcpy(p + (size_t)V * C, ml.params + (size_t)Vf * C, mid * sizeof(float));
	if (heads == 2)
		renumber_rows(ml.tok, ml.params + (size_t)Vf * C + mid, Vf, p + (size_t)V * C + mid,
			      V, C);
	out->arch = STUDENT_LLAMA;
	out->lcfg = lc;
	out->tok = ml.tok;
	ml.tok = NULL;
	out->params = p;
	out->n_params = n;
	out->foreign = 1;
	out->new_rows = zero;
	modelio_llama_release(&ml);
	return 0;
}

/* The tokenizer of a student as a file would number it: every token keeps
 * its file id, and those without one (mentor's task markers) get the ids
 * after the largest. On success *out is a new tokenizer and *n_rows the
 * rows its file numbering needs. */
static int file_numbered(const struct tokenizer *t, struct tokenizer **out, int *n_rows, char *err)
{
	int V = tokenizer_vocab_size(t), nm = tokenizer_num_merges(t);
	int32_t *fid = malloc((size_t)V * sizeof *fid), *pairs = NULL, next = 0;
	size_t na = tokenizer_num_added(t);
	struct tokenizer_added *added = calloc(na ? na : 1, sizeof *added);
	if (!fid || !added)
		util_oom();
	for (int v = 0; v < V; v++) {
		fid[v] = tokenizer_file_id(t, v);
		if (fid[v] >= next)
			next = fid[v] + 1;
	}
	for (int v = 0; v < V; v++)
		if (fid[v] < 0)
			fid[v] = next++;
	for (size_t i = 0; i < na; i++)
		tokenizer_added_get(t, i, &added[i]);
	struct tokenizer_opts o = {.pretok = tokenizer_pretok(t),
				   .normalizer = tokenizer_normalizer(t),
				   .file_ids = fid,
				   .added = added,
				   .n_added = na};
	int rc = modelio_tok_merge_pairs(t, &pairs, err);
	if (!rc && next - 1 > TOKENIZER_MAX_FILE_ID)
		rc = util_err(err, "the vocabulary needs file ids past %d", TOKENIZER_MAX_FILE_ID);
	if (!rc && tokenizer_build_ext(pairs, (size_t)nm, &o, out, err))
		rc = MENTOR_ERR;
	*n_rows = (int)next;
	free(pairs);
	free(fid);
	free(added);
	return rc ? MENTOR_ERR : 0;
}

int modelio_llama_model_write(const struct modelio_model *mm, const char *path, int format,
			      char *err)
{
	struct modelio_llama ml;
	modelio_llama_init(&ml);
	int V = tokenizer_vocab_size(mm->tok), Vf;
	size_t C = (size_t)mm->lcfg.hidden_size, heads = mm->lcfg.tie_word_embeddings ? 1 : 2;
	if (mm->lcfg.vocab_size != V || mm->n_params < heads * (size_t)V * C)
		return util_err(err, "cannot export: the model has %d rows for %d tokens",
				mm->lcfg.vocab_size, V);
	if (file_numbered(mm->tok, &ml.tok, &Vf, err))
		return MENTOR_ERR;
	size_t mid = mm->n_params - heads * (size_t)V * C;
	ml.cfg = mm->lcfg;
	ml.cfg.vocab_size = Vf;
	ml.n_params = mid + heads * (size_t)Vf * C;
	ml.params = calloc(ml.n_params, sizeof *ml.params);
	if (!ml.params) {
		modelio_llama_release(&ml);
		return util_err(err, "cannot export: out of memory for %zu parameters",
				ml.n_params);
	}
	/* row file_id(v) is the student's row v; rows no token names stay zero */
	for (size_t h = 0; h < heads; h++) {
		const float *src = mm->params + (h ? (size_t)V * C + mid : 0);
		float *dst = ml.params + (h ? (size_t)Vf * C + mid : 0);
		for (int v = 0; v < V; v++)
			memcpy(dst + (size_t)tokenizer_file_id(ml.tok, v) * C, src + (size_t)v * C,
			       C * sizeof(float));
	}
	memcpy(ml.params + (size_t)Vf * C, mm->params + (size_t)V * C, mid * sizeof(float));
	int rc = format == MODELIO_GGUF ? modelio_llama_write_gguf(&ml, path, err)
					: modelio_llama_write_hf(&ml, path, err);
	modelio_llama_release(&ml);
	return rc;
}
