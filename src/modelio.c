/* modelio: GGUF and Hugging Face (safetensors) export and import of the
 * student (see include/mentor/modelio.h): formats, the model a file holds,
 * the table of the GPT-2 tensors with their names in each format and the
 * reading of them into parameters, what a path holds, and registering an
 * imported model as a run. The formats themselves are in modelio_gguf.c
 * (GGUF) and modelio_hf.c (Hugging Face), their vocabularies in
 * modelio_vocab.c. */
#include "mentor/modelio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"
#include "modelio_int.h"

/* ------------------------------------------------------------ basics */

int modelio_format_parse(const char *s, int *format)
{
	if (!s)
		return -1;
	if (!strcmp(s, "gguf"))
		*format = MODELIO_GGUF;
	else if (!strcmp(s, "safetensors") || !strcmp(s, "hf"))
		*format = MODELIO_HF;
	else
		return -1;
	return 0;
}

void modelio_model_init(struct modelio_model *mm)
{
	memset(mm, 0, sizeof *mm);
}

void modelio_model_release(struct modelio_model *mm)
{
	if (!mm)
		return;
	tokenizer_free(mm->tok);
	free(mm->params);
	free(mm->train_json);
	memset(mm, 0, sizeof *mm);
}

void modelio_tensor_layout(const struct model_config *cfg, int i, size_t *offset, size_t *size)
{
	size_t V = (size_t)cfg->vocab_size, T = (size_t)cfg->max_seq_len;
	size_t L = (size_t)cfg->n_layer, C = (size_t)cfg->n_embd;
	size_t sizes[MODEL_N_TENSORS] = {
		V * C, T * C, L * C,         L * C,     L * 3 * C * C, L * 3 * C, L * C * C, L * C,
		L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C,     C,         C,
	};
	size_t off = 0;
	for (int k = 0; k < i && k < MODEL_N_TENSORS; k++)
		off += sizes[k];
	if (offset)
		*offset = off;
	if (size)
		*size = i >= 0 && i < MODEL_N_TENSORS ? sizes[i] : 0;
}

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the
 * others (controls, space, DEL..NBSP, soft hyphen) take 256, 257, ... */
static int byte_is_printable(unsigned b)
{
	return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

static unsigned byte_to_cp(unsigned b)
{
	if (byte_is_printable(b))
		return b;
	unsigned n = 0;
	for (unsigned k = 0; k < b; k++)
		if (!byte_is_printable(k))
			n++;
	return 256 + n;
}

void modelio_byte_char(unsigned b, char out[3])
{
	unsigned cp = byte_to_cp(b & 0xFF);
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = 0;
	} else {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = 0;
	}
}

/* The vocabulary string of token id: specials as their text, the others in
 * the byte-level alphabet. Appends to out. */
int modelio_token_string(const struct tokenizer *t, int32_t id, struct buf *out)
{
	size_t len;
	const char *p = tokenizer_token(t, id, &len);
	if (!p)
		return MENTOR_EUSAGE;
	if (tokenizer_is_special(t, id))
		return buf_append(out, p, len);
	for (size_t i = 0; i < len; i++) {
		char c[3];
		modelio_byte_char((unsigned char)p[i], c);
		if (buf_puts(out, c))
			return MENTOR_ENOMEM;
	}
	return 0;
}

/* The merge pairs of t (n_merges x 2 ids; caller frees). */
int modelio_tok_merge_pairs(const struct tokenizer *t, int32_t **pairs, char *err)
{
	size_t nm = (size_t)tokenizer_num_merges(t);
	int32_t *p = malloc((nm ? nm : 1) * 2 * sizeof *p);
	if (!p)
		util_oom();
	for (size_t r = 0; r < nm; r++)
		if (tokenizer_merge(t, (int)r, &p[2 * r], &p[2 * r + 1])) {
			free(p);
			return util_err(err, "cannot read the tokenizer's merge %zu", r);
		}
	*pairs = p;
	return 0;
}

int modelio_from_ckpt(const char *ckpt_path, struct modelio_model *out, char *err)
{
	struct train_ckpt ck;
	modelio_model_init(out);
	if (train_ckpt_load(ckpt_path, 0, &ck, err))
		return MENTOR_ERR;
	out->arch = ck.arch;
	out->lcfg = ck.lcfg;
	out->foreign = ck.arch == STUDENT_LLAMA;
	out->mcfg = ck.mcfg;
	out->tok = ck.tok;
	ck.tok = NULL;
	out->params = ck.params;
	ck.params = NULL;
	out->n_params = ck.n_params;
	out->train_json = train_config_to_json(&ck.cfg);
	train_ckpt_release(&ck);
	return 0;
}

/* ------------------------------------------------------------ JSON text */

int modelio_json_str(struct buf *b, const char *s, size_t n)
{
	int bad = buf_putc(b, '"');
	for (size_t i = 0; i < n && !bad; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			bad = buf_putc(b, '\\') || buf_putc(b, c);
		} else if (c < 0x20 || c == 0x7F) {
			bad = buf_printf(b, "\\u%04x", c);
		} else {
			bad = buf_putc(b, c);
		}
	}
	return bad || buf_putc(b, '"');
}

/* A JSON number that is a whole number in [lo, hi]. */
int modelio_json_int(const cJSON *j, double lo, double hi, int64_t *out)
{
	if (!cJSON_IsNumber(j))
		return -1;
	double d = j->valuedouble;
	if (!(d >= lo && d <= hi) || d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

cJSON *modelio_read_json(const char *path, size_t max, char *err)
{
	size_t len;
	char *txt = util_read_file(path, max, &len, err);
	if (!txt)
		return NULL;
	cJSON *j = cJSON_ParseWithLength(txt, len);
	free(txt);
	if (!j)
		util_err(err, "cannot read '%s': invalid JSON", path);
	return j;
}

/* ------------------------------------------------------------ tensor table */

/* The tensors of mm in file order for format (GGUF: llama.cpp names;
 * HF: transformers' names). Returns the count; t has room for 16*L+8. */
size_t modelio_tensor_table(const struct model_config *cfg, int format, struct modelio_xtensor *t)
{
	size_t C = (size_t)cfg->n_embd, V = (size_t)cfg->vocab_size;
	size_t T = (size_t)cfg->max_seq_len, L = (size_t)cfg->n_layer;
	size_t off[MODEL_N_TENSORS], sz[MODEL_N_TENSORS];
	for (int i = 0; i < MODEL_N_TENSORS; i++)
		modelio_tensor_layout(cfg, i, &off[i], &sz[i]);
	size_t n = 0;
	int g = format == MODELIO_GGUF;
#define ADD(nm_, src_, r_, c_, vec_, tr_)                                                          \
	do {                                                                                       \
		struct modelio_xtensor *x_ = &t[n++];                                              \
		snprintf(x_->name, sizeof x_->name, "%s", nm_);                                    \
		x_->src = (src_);                                                                  \
		x_->rows = (r_);                                                                   \
		x_->cols = (c_);                                                                   \
		x_->vector = (vec_);                                                               \
		x_->transpose = (tr_);                                                             \
	} while (0)
	ADD(g ? "token_embd.weight" : "transformer.wte.weight", off[MODEL_WTE], V, C, 0, 0);
	ADD(g ? "position_embd.weight" : "transformer.wpe.weight", off[MODEL_WPE], T, C, 0, 0);
	for (size_t l = 0; l < L; l++) {
		char nm[64];
		struct {
			const char *gg, *hf;
			int k;
			size_t rows, cols;
			int vec;
		} per[] = {
			{"attn_norm.weight", "ln_1.weight", MODEL_LN1W, 1, C, 1},
			{"attn_norm.bias", "ln_1.bias", MODEL_LN1B, 1, C, 1},
			{"attn_qkv.weight", "attn.c_attn.weight", MODEL_QKVW, 3 * C, C, 0},
			{"attn_qkv.bias", "attn.c_attn.bias", MODEL_QKVB, 1, 3 * C, 1},
			{"attn_output.weight", "attn.c_proj.weight", MODEL_ATTPROJW, C, C, 0},
			{"attn_output.bias", "attn.c_proj.bias", MODEL_ATTPROJB, 1, C, 1},
			{"ffn_norm.weight", "ln_2.weight", MODEL_LN2W, 1, C, 1},
			{"ffn_norm.bias", "ln_2.bias", MODEL_LN2B, 1, C, 1},
			{"ffn_up.weight", "mlp.c_fc.weight", MODEL_FCW, 4 * C, C, 0},
			{"ffn_up.bias", "mlp.c_fc.bias", MODEL_FCB, 1, 4 * C, 1},
			{"ffn_down.weight", "mlp.c_proj.weight", MODEL_FCPROJW, C, 4 * C, 0},
			{"ffn_down.bias", "mlp.c_proj.bias", MODEL_FCPROJB, 1, C, 1},
		};
		for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
			if (g)
				snprintf(nm, sizeof nm, "blk.%zu.%s", l, per[k].gg);
			else
				snprintf(nm, sizeof nm, "transformer.h.%zu.%s", l, per[k].hf);
			size_t each = sz[per[k].k] / L;
			ADD(nm, off[per[k].k] + l * each, per[k].rows, per[k].cols, per[k].vec,
			    !g && !per[k].vec);
		}
	}
	ADD(g ? "output_norm.weight" : "transformer.ln_f.weight", off[MODEL_LNFW], 1, C, 1, 0);
	ADD(g ? "output_norm.bias" : "transformer.ln_f.bias", off[MODEL_LNFB], 1, C, 1, 0);
	/* llama.cpp's converter writes GPT-2's tied head as its own tensor */
	if (g)
		ADD("output.weight", off[MODEL_WTE], V, C, 0, 0);
#undef ADD
	return n;
}

size_t modelio_table_cap(const struct model_config *cfg)
{
	return 16 * (size_t)cfg->n_layer + 8;
}

/* Write the floats of x (transposed when asked) to f. */
int modelio_write_tensor(FILE *f, const float *params, const struct modelio_xtensor *x)
{
	const float *p = params + x->src;
	if (!x->transpose)
		return fwrite(p, sizeof(float), x->rows * x->cols, f) == x->rows * x->cols ? 0 : -1;
	float *row = malloc(x->rows * sizeof *row);
	if (!row)
		return -1;
	int ret = 0;
	for (size_t c = 0; c < x->cols && !ret; c++) {
		for (size_t r = 0; r < x->rows; r++)
			row[r] = p[r * x->cols + c];
		if (fwrite(row, sizeof(float), x->rows, f) != x->rows)
			ret = -1;
	}
	free(row);
	return ret;
}

/* Fill mm->params (already sized for mm->mcfg) from the tensors of a file.
 * names: GGUF or HF names of modelio_tensor_table; perm maps our vocabulary rows to
 * the file's (file_vocab rows). HF tensors are transposed back. */
/* The file's tensor for x (of the table of cfg), its shape checked against
 * the configuration: 0 with *out set (NULL for an output head left out, tied
 * to the token embedding), or MENTOR_ERR naming the tensor. */
static int tensor_match(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
			const struct model_config *cfg, const struct modelio_xtensor *x,
			size_t file_vocab, struct modelio_ftensor **out)
{
	const char *nm = x->name;
	size_t C = (size_t)cfg->n_embd;
	int is_wte = x->src == 0 && x->rows == (size_t)cfg->vocab_size && x->cols == C &&
		     (strstr(nm, "wte") || strstr(nm, "token_embd") ||
		      !strcmp(nm, "output.weight"));
	struct modelio_ftensor *f = modelio_ftensor_find(ft, nft, nm);
	if (!f && format == MODELIO_HF && !strncmp(nm, "transformer.", 12))
		f = modelio_ftensor_find(ft, nft, nm + 12);
	*out = f;
	if (!f) {
		if (!strcmp(nm, "output.weight"))
			return 0; /* tied: llama.cpp falls back to token_embd */
		return util_err(r->err, "cannot read '%s': tensor '%s' is missing", r->path, nm);
	}
	size_t rows = is_wte ? file_vocab : x->rows, cols = x->cols;
	uint64_t want[2];
	int want_dims = x->vector ? 1 : 2;
	if (x->vector) {
		want[0] = cols;
	} else if (x->transpose) {
		want[0] = cols;
		want[1] = rows;
	} else {
		want[0] = rows;
		want[1] = cols;
	}
	if (f->n_dims != want_dims || f->dims[0] != want[0] ||
	    (want_dims == 2 && f->dims[1] != want[1]))
		return util_err(r->err,
				"cannot read '%s': tensor '%s' has the wrong shape for the "
				"configuration",
				r->path, nm);
	return 0;
}

/* Every tensor the configuration needs is in the file with its shape (each
 * was checked to lie inside the file): run before the parameters are
 * allocated, so that a header cannot make the reader allocate what the
 * file does not hold. */
int modelio_check_tensors(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
			  const struct model_config *cfg, size_t file_vocab)
{
	char sub[MENTOR_ERR_LEN];
	if (model_config_check(cfg, sub))
		return util_err(r->err, "cannot read '%s': unsupported model shape: %s", r->path,
				sub);
	struct modelio_xtensor *tt = calloc(modelio_table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = modelio_tensor_table(cfg, format, tt);
	int ret = 0;
	for (size_t i = 0; i < nt && !ret; i++) {
		struct modelio_ftensor *f;
		ret = tensor_match(r, ft, nft, format, cfg, &tt[i], file_vocab, &f);
	}
	free(tt);
	return ret;
}

int modelio_fill_params(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
			struct modelio_model *mm, const int64_t *perm, size_t file_vocab)
{
	const struct model_config *cfg = &mm->mcfg;
	struct modelio_xtensor *tt = calloc(modelio_table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = modelio_tensor_table(cfg, format, tt);
	size_t C = (size_t)cfg->n_embd;
	float *tmp = NULL;
	int ret = MENTOR_ERR;
	for (size_t i = 0; i < nt; i++) {
		struct modelio_xtensor *x = &tt[i];
		const char *nm = x->name;
		int is_wte = x->src == 0 && x->rows == (size_t)cfg->vocab_size && x->cols == C &&
			     (strstr(nm, "wte") || strstr(nm, "token_embd") ||
			      !strcmp(nm, "output.weight"));
		int is_out = !strcmp(nm, "output.weight");
		struct modelio_ftensor *f;
		if (tensor_match(r, ft, nft, format, cfg, x, file_vocab, &f))
			goto out;
		if (!f)
			continue;
		f->used = 1;
		size_t rows = is_wte ? file_vocab : x->rows, cols = x->cols;
		size_t n = rows * cols;
		free(tmp);
		tmp = malloc(n * sizeof *tmp);
		if (!tmp) {
			util_err(r->err, "cannot read '%s': out of memory", r->path);
			goto out;
		}
		if (modelio_rd_floats(r, f->off, n, f->dt, tmp, nm))
			goto out;
		float *dst = mm->params + x->src;
		if (is_out) {
			/* must be the token embedding: mentor's head is tied */
			for (size_t v = 0; v < (size_t)cfg->vocab_size; v++) {
				if (perm[v] < 0)
					continue;
				if (memcmp(dst + v * C, tmp + (size_t)perm[v] * C,
					   C * sizeof *tmp)) {
					util_err(r->err,
						 "cannot read '%s': the output head differs from "
						 "the token embedding (mentor's model ties them)",
						 r->path);
					goto out;
				}
			}
		} else if (is_wte) {
			for (size_t v = 0; v < (size_t)cfg->vocab_size; v++) {
				if (perm[v] >= 0 && (uint64_t)perm[v] < file_vocab)
					memcpy(dst + v * C, tmp + (size_t)perm[v] * C,
					       C * sizeof *tmp);
				else
					memset(dst + v * C, 0, C * sizeof *dst);
			}
		} else if (x->transpose) {
			/* file (cols, rows) -> mentor (rows, cols) */
			for (size_t a = 0; a < rows; a++)
				for (size_t b = 0; b < cols; b++)
					dst[a * cols + b] = tmp[b * rows + a];
		} else {
			memcpy(dst, tmp, n * sizeof *tmp);
		}
	}
	ret = 0;
out:
	free(tmp);
	free(tt);
	return ret;
}

/* Allocate mm->params for mm->mcfg after checking the shape. */
int modelio_alloc_params(struct modelio_model *mm, const char *path, char *err)
{
	char sub[MENTOR_ERR_LEN];
	if (model_config_check(&mm->mcfg, sub))
		return util_err(err, "cannot read '%s': unsupported model shape: %s", path, sub);
	mm->n_params = model_config_num_params(&mm->mcfg);
	if (mm->n_params > MODEL_MAX_PARAMS)
		return util_err(err, "cannot read '%s': too many parameters", path);
	mm->params = calloc(mm->n_params, sizeof *mm->params);
	if (!mm->params)
		return util_err(err, "cannot read '%s': out of memory", path);
	return 0;
}

/* What path is: a folder, a GGUF file (by its magic), another file; or -1
 * with err when it cannot be read. */
enum { KIND_DIR, KIND_GGUF, KIND_FILE };
static int file_kind(const char *path, char *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		util_err(err, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode))
		return KIND_DIR;
	FILE *f = fopen(path, "rb");
	if (!f) {
		util_err(err, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char magic[4] = {0};
	size_t n = fread(magic, 1, 4, f);
	fclose(f);
	return n == 4 && !memcmp(magic, GGUF_MAGIC, 4) ? KIND_GGUF : KIND_FILE;
}

int modelio_read(const char *path, struct modelio_model *out, char *err)
{
	modelio_model_init(out);
	if (modelio_is_llama(path))
		return modelio_llama_to_model(path, out, err);
	int kind = file_kind(path, err);
	if (kind < 0)
		return MENTOR_ERR;
	if (kind == KIND_DIR)
		return modelio_read_hf(path, out, err);
	if (kind == KIND_GGUF)
		return modelio_read_gguf(path, out, err);
	size_t len = strlen(path);
	if (len >= 12 && !strcmp(path + len - 12, ".safetensors"))
		return modelio_read_hf(path, out, err);
	return util_err(err, "cannot read '%s': neither a GGUF file nor a safetensors model", path);
}

/* The vocabulary of path (a GGUF file, or a folder) as a tokenizer. */
static int tok_only(const char *path, int gguf, struct tokenizer **out, char *err)
{
	struct modelio_vocab voc;
	memset(&voc, 0, sizeof voc);
	struct modelio_gkv *kv = NULL;
	uint64_t n_kv = 0, n_t = 0;
	cJSON *cfg = NULL;
	struct buf which, p;
	buf_init(&which);
	buf_init(&p);
	int64_t *perm = NULL;
	int identity, ret = MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (gguf) {
		struct modelio_rd r;
		if (modelio_rd_open(&r, path, err))
			goto out;
		int rc = modelio_gguf_meta(&r, &kv, &n_kv, &n_t);
		modelio_rd_close(&r);
		if (rc || modelio_gguf_vocab(kv, (size_t)n_kv, &voc, path, err))
			goto out;
		if (buf_puts(&which, path))
			util_oom();
	} else {
		if (buf_printf(&p, "%s/config.json", path))
			util_oom();
		if (modelio_file_exists(p.data) &&
		    !(cfg = modelio_read_json(p.data, MODELIO_MAX_JSON, err)))
			goto out;
		if (modelio_hf_dir_vocab(path, cfg, &voc, &which, err))
			goto out;
	}
	if (modelio_vocab_build(&voc, out, &perm, &identity, sub)) {
		util_err(err, "cannot read '%s': %s", which.data, sub);
		goto out;
	}
	ret = 0;
out:
	if (gguf) { /* the strings belong to kv */
		voc.tok = voc.merges = NULL;
		voc.n_tok = voc.n_merges = 0;
	}
	modelio_vocab_release(&voc);
	modelio_gkv_free(kv, (size_t)n_kv);
	cJSON_Delete(cfg);
	free(perm);
	buf_release(&which);
	buf_release(&p);
	return ret;
}

int modelio_read_tokenizer(const char *path, struct tokenizer **out, char *err)
{
	*out = NULL;
	int kind = file_kind(path, err);
	if (kind < 0)
		return MENTOR_ERR;
	if (kind == KIND_DIR)
		return tok_only(path, 0, out, err);
	if (kind == KIND_GGUF)
		return tok_only(path, 1, out, err);
	/* any other file: the folder it is in */
	const char *slash = strrchr(path, '/');
	char *dir = slash ? util_strndup(path, (size_t)(slash - path)) : util_strdup(".");
	if (!*dir) { /* "/file" */
		free(dir);
		dir = util_strdup("/");
	}
	int rc = tok_only(dir, 0, out, err);
	free(dir);
	return rc;
}

/* ------------------------------------------------------------ registering */

int modelio_register(struct store *st, const char *db_path, const struct modelio_model *mm,
		     const char *dataset, const char *name, const char *source, int64_t *run_id,
		     char *err)
{
	const char *dsname = dataset ? dataset : "imported";
	struct store_dataset d;
	int rc = store_dataset_get(st, dsname, &d, err);
	int64_t ds_id;
	if (rc == MENTOR_ENOTFOUND && !dataset) {
		if (store_dataset_upsert(st, dsname, "import-model", "generic", "", &ds_id, err))
			return MENTOR_ERR;
	} else if (rc == MENTOR_ENOTFOUND) {
		return util_err(err, "no dataset '%s'; see 'mentor datasets'", dsname);
	} else if (rc) {
		return MENTOR_ERR;
	} else {
		ds_id = d.id;
		store_dataset_release(&d);
	}
	struct train_config cfg;
	char sub[MENTOR_ERR_LEN];
	/* A model mentor wrote keeps the configuration it was trained with
	 * (dataset, preset, requested vocabulary), so that exporting it again
	 * gives the same file; anything else gets one that describes it. */
	int own = mm->arch == STUDENT_GPT2 && mm->train_json && !mm->foreign &&
		  !train_config_from_json(mm->train_json, &cfg, sub) &&
		  cfg.n_layer == mm->mcfg.n_layer && cfg.n_embd == mm->mcfg.n_embd &&
		  cfg.n_head == mm->mcfg.n_head && cfg.n_ctx == mm->mcfg.max_seq_len &&
		  cfg.vocab >= mm->mcfg.vocab_size;
	if (!own) {
		if (!mm->train_json || train_config_from_json(mm->train_json, &cfg, sub))
			train_config_defaults(&cfg);
		snprintf(cfg.dataset, sizeof cfg.dataset, "%s", dsname);
		snprintf(cfg.preset, sizeof cfg.preset, "custom");
		if (mm->arch == STUDENT_LLAMA) {
			/* the training context: the model's, up to the trainer's limit
			 * (Qwen3 knows 40,960 positions) */
			cfg.vocab = mm->lcfg.vocab_size;
			cfg.n_ctx = mm->lcfg.max_seq_len < LLAMA_MAX_TRAIN_T ? mm->lcfg.max_seq_len
									     : LLAMA_MAX_TRAIN_T;
			train_config_set_llama(&cfg, &mm->lcfg);
		} else {
			cfg.n_layer = mm->mcfg.n_layer;
			cfg.n_embd = mm->mcfg.n_embd;
			cfg.n_head = mm->mcfg.n_head;
			cfg.n_ctx = mm->mcfg.max_seq_len;
			cfg.vocab = mm->mcfg.vocab_size;
		}
	}
	char *cj = train_config_to_json(&cfg);
	cJSON *o = cJSON_Parse(cj);
	free(cj);
	if (!o)
		return util_err(err, "cannot register the model: out of memory");
	cJSON_AddStringToObject(o, "imported_from", source ? source : "");
	if (mm->foreign)
		cJSON_AddNumberToObject(o, "imported_new_rows", mm->new_rows);
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = ds_id;
	r.name = util_strdup(name ? name : "");
	r.variant = util_strdup(train_variant_name(cfg.variant));
	r.alpha = cfg.variant == TRAIN_BASELINE ? 1.0 : cfg.alpha;
	r.source = util_strdup(train_source_name(cfg.source));
	r.kind = util_strdup("internal");
	r.config_json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	r.status = util_strdup(store_run_status_name(STORE_RUN_DONE));
	r.started_at = r.ended_at = util_unix_time();
	struct buf path;
	buf_init(&path);
	int ret = MENTOR_ERR;
	if (store_run_insert(st, &r, err))
		goto out;
	if (!name) {
		free(r.name);
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "imported-%lld", (long long)r.id);
		r.name = buf_detach(&b, NULL);
	}
	buf_printf(&path, "%s.runs", db_path);
	if (mkdir(path.data, 0755) != 0 && errno != EEXIST) {
		util_err(err, "cannot create '%s': %s", path.data, strerror(errno));
		goto fail;
	}
	buf_reset(&path);
	train_run_dir(db_path, r.id, &path);
	if (mkdir(path.data, 0755) != 0 && errno != EEXIST) {
		util_err(err, "cannot create '%s': %s", path.data, strerror(errno));
		goto fail;
	}
	buf_reset(&path);
	train_run_ckpt_path(db_path, r.id, &path);
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	ck.cfg = cfg;
	ck.arch = mm->arch;
	ck.mcfg = mm->mcfg;
	ck.lcfg = mm->lcfg;
	ck.tok = mm->tok;
	ck.params = mm->params;
	ck.n_params = mm->n_params;
	if (train_ckpt_save(path.data, &ck, err))
		goto fail;
	r.checkpoint = util_strdup(path.data);
	if (store_run_update(st, &r, err))
		goto fail;
	*run_id = r.id;
	ret = 0;
	goto out;
fail:
	if (r.id > 0) {
		char e2[MENTOR_ERR_LEN];
		store_run_delete(st, r.id, e2);
	}
out:
	buf_release(&path);
	store_run_release(&r);
	return ret;
}
