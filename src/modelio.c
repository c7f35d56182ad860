/* modelio: GGUF and Hugging Face (safetensors) export and import of the
 * student (see include/mentor/modelio.h). Tensors keep mentor's row-major
 * (OC, C) layout in GGUF (ggml's ne = [C, OC]) and are transposed to
 * transformers' Conv1D (C, OC) layout in safetensors; both read back exact. */
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

#define GGUF_MAGIC "GGUF"
#define GGUF_VERSION 3u
enum {
	GGUF_T_U8 = 0, GGUF_T_I8, GGUF_T_U16, GGUF_T_I16, GGUF_T_U32, GGUF_T_I32, GGUF_T_F32,
	GGUF_T_BOOL, GGUF_T_STRING, GGUF_T_ARRAY, GGUF_T_U64, GGUF_T_I64, GGUF_T_F64,
	GGUF_T_COUNT
};
enum { GGML_F32 = 0, GGML_F16 = 1 };
/* llama.cpp's token types */
enum { TOKTYPE_NORMAL = 1, TOKTYPE_CONTROL = 3 };

#define LN_EPS 1e-5f

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

void modelio_model_init(struct modelio_model *mm) { memset(mm, 0, sizeof *mm); }

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
		V * C, T * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
		L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C, C, C,
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

/* Inverse table: code point -> byte, -1 when the code point stands for none. */
static void cp_table(int tab[512])
{
	for (int i = 0; i < 512; i++)
		tab[i] = -1;
	for (unsigned b = 0; b < 256; b++)
		tab[byte_to_cp(b)] = (int)b;
}

/* Decode a vocabulary string of the byte-level alphabet into raw bytes.
 * Returns 0, or -1 when a character is outside the alphabet. */
static int unmap_token(const int tab[512], const char *s, size_t n, struct buf *out)
{
	buf_reset(out);
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		int k = util_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp >= 512 || tab[cp] < 0)
			return -1;
		if (buf_putc(out, tab[cp]))
			return -1;
		i += (size_t)k;
	}
	return 0;
}

/* The vocabulary string of token id: specials as their text, the others in
 * the byte-level alphabet. Appends to out. */
static int token_string(const struct tokenizer *t, int32_t id, struct buf *out)
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

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The merge pairs of t (n_merges x 2 ids), read from its saved image (the
 * tokenizer's documented "MTOK" layout: 20-byte header, then u32 pairs). */
static int tok_merge_pairs(const struct tokenizer *t, int32_t **pairs, char *err)
{
	struct buf img;
	buf_init(&img);
	*pairs = NULL;
	if (tokenizer_save(t, &img, err))
		return MENTOR_ERR;
	size_t nm = (size_t)tokenizer_num_merges(t);
	if (img.len < 20 + nm * 8 + 8 || memcmp(img.data, "MTOK", 4)) {
		buf_release(&img);
		return util_err(err, "cannot read the tokenizer's merges: unexpected image layout");
	}
	int32_t *p = malloc((nm ? nm : 1) * 2 * sizeof *p);
	if (!p)
		util_oom();
	for (size_t r = 0; r < nm; r++) {
		p[2 * r] = (int32_t)le32((unsigned char *)img.data + 20 + 8 * r);
		p[2 * r + 1] = (int32_t)le32((unsigned char *)img.data + 24 + 8 * r);
	}
	buf_release(&img);
	*pairs = p;
	return 0;
}

/* Build a tokenizer from merge pairs through its saved-image loader, which
 * validates every pair. */
static int tok_from_pairs(const int32_t *pairs, size_t nm, struct tokenizer **out, char *err)
{
	size_t vocab = 256 + nm + TOKENIZER_N_SPECIAL;
	if (vocab > TOKENIZER_MAX_VOCAB || vocab > MODEL_MAX_VOCAB)
		return util_err(err, "vocabulary of %zu tokens is larger than %d", vocab,
				TOKENIZER_MAX_VOCAB);
	struct buf img;
	buf_init(&img);
	unsigned char h[20];
	memcpy(h, "MTOK", 4);
	put_le32(h + 4, 1);
	put_le32(h + 8, (uint32_t)vocab);
	put_le32(h + 12, (uint32_t)nm);
	put_le32(h + 16, TOKENIZER_N_SPECIAL);
	int bad = buf_append(&img, h, 20);
	for (size_t r = 0; r < nm && !bad; r++) {
		unsigned char m[8];
		put_le32(m, (uint32_t)pairs[2 * r]);
		put_le32(m + 4, (uint32_t)pairs[2 * r + 1]);
		bad = buf_append(&img, m, 8);
	}
	uint64_t fh = util_fnv1a(img.data, img.len, 0);
	unsigned char tail[8];
	put_le32(tail, (uint32_t)fh);
	put_le32(tail + 4, (uint32_t)(fh >> 32));
	if (bad || buf_append(&img, tail, 8)) {
		buf_release(&img);
		return util_err(err, "out of memory");
	}
	char sub[MENTOR_ERR_LEN];
	int rc = tokenizer_load(img.data, img.len, NULL, out, sub);
	buf_release(&img);
	if (rc)
		return util_err(err, "invalid tokenizer merges: %s", sub);
	return 0;
}

int modelio_from_ckpt(const char *ckpt_path, struct modelio_model *out, char *err)
{
	struct train_ckpt ck;
	modelio_model_init(out);
	if (train_ckpt_load(ckpt_path, 0, &ck, err))
		return MENTOR_ERR;
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

static int json_str(struct buf *b, const char *s, size_t n)
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

static int json_cstr(struct buf *b, const char *s) { return json_str(b, s, strlen(s)); }

/* ------------------------------------------------------------ tensor table */

/* One exported tensor: where it sits in the parameter buffer and how. */
struct xtensor {
	char name[64];
	size_t src;       /* offset in floats */
	size_t rows, cols; /* mentor's row-major shape (rows = 1 for vectors) */
	int vector;
	int transpose;    /* write as (cols, rows) */
};

/* The tensors of mm in file order for format (GGUF: llama.cpp names;
 * HF: transformers' names). Returns the count; t has room for 16*L+8. */
static size_t tensor_table(const struct model_config *cfg, int format, struct xtensor *t)
{
	size_t C = (size_t)cfg->n_embd, V = (size_t)cfg->vocab_size;
	size_t T = (size_t)cfg->max_seq_len, L = (size_t)cfg->n_layer;
	size_t off[MODEL_N_TENSORS], sz[MODEL_N_TENSORS];
	for (int i = 0; i < MODEL_N_TENSORS; i++)
		modelio_tensor_layout(cfg, i, &off[i], &sz[i]);
	size_t n = 0;
	int g = format == MODELIO_GGUF;
#define ADD(nm_, src_, r_, c_, vec_, tr_)                                         \
	do {                                                                       \
		struct xtensor *x_ = &t[n++];                                      \
		snprintf(x_->name, sizeof x_->name, "%s", nm_);                    \
		x_->src = (src_);                                                  \
		x_->rows = (r_);                                                   \
		x_->cols = (c_);                                                   \
		x_->vector = (vec_);                                               \
		x_->transpose = (tr_);                                             \
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

static size_t table_cap(const struct model_config *cfg) { return 16 * (size_t)cfg->n_layer + 8; }

/* Write the floats of x (transposed when asked) to f. */
static int write_tensor(FILE *f, const float *params, const struct xtensor *x)
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

/* ------------------------------------------------------------ files */

struct outfile {
	FILE *f;
	struct buf tmp;
	const char *path;
};

static int out_open(struct outfile *o, const char *path, char *err)
{
	buf_init(&o->tmp);
	o->path = path;
	if (buf_printf(&o->tmp, "%s.tmp.%ld", path, (long)getpid()))
		return util_err(err, "out of memory");
	o->f = fopen(o->tmp.data, "wb");
	if (!o->f) {
		int e = errno;
		buf_release(&o->tmp);
		return util_err(err, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

/* Close, fsync and rename into place (ok != 0), or remove the temporary. */
static int out_close(struct outfile *o, int ok, char *err)
{
	int ret = 0;
	if (ok && (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0))
		ok = 0, ret = util_err(err, "cannot write '%s': %s", o->path, strerror(errno));
	if (fclose(o->f) != 0 && ok)
		ok = 0, ret = util_err(err, "cannot write '%s': %s", o->path, strerror(errno));
	if (ok && rename(o->tmp.data, o->path) != 0)
		ok = 0, ret = util_err(err, "cannot write '%s': %s", o->path, strerror(errno));
	if (!ok) {
		unlink(o->tmp.data);
		if (!ret)
			ret = util_err(err, "cannot write '%s': %s", o->path, strerror(errno));
	}
	buf_release(&o->tmp);
	return ret;
}

/* ------------------------------------------------------------ GGUF writer */

static int g_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4];
	put_le32(p, v);
	return buf_append(b, p, 4);
}

static int g_u64(struct buf *b, uint64_t v)
{
	unsigned char p[8];
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return buf_append(b, p, 8);
}

static int g_str(struct buf *b, const char *s, size_t n)
{
	return g_u64(b, n) || buf_append(b, s, n);
}

static int g_key(struct buf *b, const char *key, uint32_t type)
{
	return g_str(b, key, strlen(key)) || g_u32(b, type);
}

static int kv_u32(struct buf *b, const char *key, uint32_t v)
{
	return g_key(b, key, GGUF_T_U32) || g_u32(b, v);
}

static int kv_str(struct buf *b, const char *key, const char *v)
{
	return g_key(b, key, GGUF_T_STRING) || g_str(b, v, strlen(v));
}

static int kv_f32(struct buf *b, const char *key, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	return g_key(b, key, GGUF_T_F32) || g_u32(b, u);
}

static int kv_bool(struct buf *b, const char *key, int v)
{
	unsigned char c = v ? 1 : 0;
	return g_key(b, key, GGUF_T_BOOL) || buf_append(b, &c, 1);
}

int modelio_write_gguf(const struct modelio_model *mm, const char *path, char *err)
{
	const struct model_config *cfg = &mm->mcfg;
	const struct tokenizer *t = mm->tok;
	int V = cfg->vocab_size, nm = tokenizer_num_merges(t);
	if (tokenizer_vocab_size(t) != V)
		return util_err(err, "cannot export: model vocabulary %d does not match its "
				     "tokenizer (%d)", V, tokenizer_vocab_size(t));
	struct buf h, s;
	buf_init(&h);
	buf_init(&s);
	int32_t *pairs = NULL;
	struct xtensor *tt = calloc(table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	int ret = MENTOR_ERR;
	if (tok_merge_pairs(t, &pairs, err))
		goto out;
	size_t nt = tensor_table(cfg, MODELIO_GGUF, tt);
	uint64_t n_kv = 0;
	struct buf kv;
	buf_init(&kv);
	int bad = 0;
	/* general */
	bad |= kv_str(&kv, "general.architecture", "gpt2"), n_kv++;
	bad |= kv_str(&kv, "general.name", "mentor student"), n_kv++;
	bad |= kv_u32(&kv, "general.file_type", 0), n_kv++; /* all F32 */
	bad |= kv_u32(&kv, "general.alignment", MODELIO_GGUF_ALIGNMENT), n_kv++;
	/* hyperparameters */
	bad |= kv_u32(&kv, "gpt2.context_length", (uint32_t)cfg->max_seq_len), n_kv++;
	bad |= kv_u32(&kv, "gpt2.embedding_length", (uint32_t)cfg->n_embd), n_kv++;
	bad |= kv_u32(&kv, "gpt2.feed_forward_length", 4u * (uint32_t)cfg->n_embd), n_kv++;
	bad |= kv_u32(&kv, "gpt2.block_count", (uint32_t)cfg->n_layer), n_kv++;
	bad |= kv_u32(&kv, "gpt2.attention.head_count", (uint32_t)cfg->n_head), n_kv++;
	bad |= kv_f32(&kv, "gpt2.attention.layer_norm_epsilon", LN_EPS), n_kv++;
	/* tokenizer */
	bad |= kv_str(&kv, "tokenizer.ggml.model", "gpt2"), n_kv++;
	bad |= kv_str(&kv, "tokenizer.ggml.pre", "gpt-2"), n_kv++;
	bad |= g_key(&kv, "tokenizer.ggml.tokens", GGUF_T_ARRAY) || g_u32(&kv, GGUF_T_STRING) ||
	       g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int32_t id = 0; id < V && !bad; id++) {
		buf_reset(&s);
		bad |= token_string(t, id, &s) || g_str(&kv, s.data ? s.data : "", s.len);
	}
	bad |= g_key(&kv, "tokenizer.ggml.token_type", GGUF_T_ARRAY) || g_u32(&kv, GGUF_T_I32) ||
	       g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int32_t id = 0; id < V && !bad; id++)
		bad |= g_u32(&kv, tokenizer_is_special(t, id) ? TOKTYPE_CONTROL : TOKTYPE_NORMAL);
	bad |= g_key(&kv, "tokenizer.ggml.merges", GGUF_T_ARRAY) || g_u32(&kv, GGUF_T_STRING) ||
	       g_u64(&kv, (uint64_t)nm);
	n_kv++;
	for (int r = 0; r < nm && !bad; r++) {
		buf_reset(&s);
		bad |= token_string(t, pairs[2 * r], &s) || buf_putc(&s, ' ') ||
		       token_string(t, pairs[2 * r + 1], &s) || g_str(&kv, s.data, s.len);
	}
	bad |= kv_u32(&kv, "tokenizer.ggml.bos_token_id",
		      (uint32_t)tokenizer_special(t, TOKENIZER_BOS)), n_kv++;
	bad |= kv_u32(&kv, "tokenizer.ggml.eos_token_id",
		      (uint32_t)tokenizer_special(t, TOKENIZER_EOS)), n_kv++;
	bad |= kv_u32(&kv, "tokenizer.ggml.padding_token_id",
		      (uint32_t)tokenizer_special(t, TOKENIZER_PAD)), n_kv++;
	bad |= kv_bool(&kv, "tokenizer.ggml.add_bos_token", 0), n_kv++;
	bad |= kv_bool(&kv, "tokenizer.ggml.add_eos_token", 0), n_kv++;
	/* mentor's own: the exact merge pairs (token strings may repeat) and the
	 * run's configuration, so that an import gives back the same run */
	bad |= kv_u32(&kv, "mentor.format_version", 1), n_kv++;
	bad |= g_key(&kv, "mentor.tokenizer.merge_ids", GGUF_T_ARRAY) ||
	       g_u32(&kv, GGUF_T_I32) || g_u64(&kv, 2 * (uint64_t)nm);
	n_kv++;
	for (int r = 0; r < 2 * nm && !bad; r++)
		bad |= g_u32(&kv, (uint32_t)pairs[r]);
	if (mm->train_json)
		bad |= kv_str(&kv, "mentor.train_config", mm->train_json), n_kv++;
	/* header, tensor infos */
	bad |= buf_append(&h, GGUF_MAGIC, 4) || g_u32(&h, GGUF_VERSION) || g_u64(&h, nt) ||
	       g_u64(&h, n_kv) || buf_append(&h, kv.data, kv.len);
	buf_release(&kv);
	uint64_t data_off = 0;
	for (size_t i = 0; i < nt && !bad; i++) {
		const struct xtensor *x = &tt[i];
		bad |= g_str(&h, x->name, strlen(x->name));
		if (x->vector)
			bad |= g_u32(&h, 1) || g_u64(&h, x->cols);
		else /* ne[0] is the fastest-varying dimension: columns */
			bad |= g_u32(&h, 2) || g_u64(&h, x->cols) || g_u64(&h, x->rows);
		bad |= g_u32(&h, GGML_F32) || g_u64(&h, data_off);
		uint64_t bytes = (uint64_t)x->rows * x->cols * 4;
		data_off += (bytes + MODELIO_GGUF_ALIGNMENT - 1) / MODELIO_GGUF_ALIGNMENT *
			    MODELIO_GGUF_ALIGNMENT;
	}
	while (!bad && h.len % MODELIO_GGUF_ALIGNMENT)
		bad |= buf_putc(&h, 0);
	if (bad) {
		util_err(err, "cannot export '%s': out of memory", path);
		goto out;
	}
	struct outfile o;
	if (out_open(&o, path, err))
		goto out;
	int ok = fwrite(h.data, 1, h.len, o.f) == h.len;
	static const char zeros[MODELIO_GGUF_ALIGNMENT];
	for (size_t i = 0; i < nt && ok; i++) {
		size_t bytes = tt[i].rows * tt[i].cols * 4;
		ok = !write_tensor(o.f, mm->params, &tt[i]);
		size_t pad = (MODELIO_GGUF_ALIGNMENT - bytes % MODELIO_GGUF_ALIGNMENT) %
			     MODELIO_GGUF_ALIGNMENT;
		if (ok && pad)
			ok = fwrite(zeros, 1, pad, o.f) == pad;
	}
	if (out_close(&o, ok, err))
		goto out;
	ret = 0;
out:
	free(tt);
	free(pairs);
	buf_release(&h);
	buf_release(&s);
	return ret;
}

/* ------------------------------------------------------------ HF writer */

static int write_text_file(const char *dir, const char *name, const struct buf *b, char *err)
{
	struct buf p;
	buf_init(&p);
	if (buf_printf(&p, "%s/%s", dir, name)) {
		buf_release(&p);
		return util_err(err, "out of memory");
	}
	int rc = util_write_file_atomic(p.data, b->data ? b->data : "", b->len, err);
	buf_release(&p);
	return rc;
}

static int hf_config(const struct modelio_model *mm, struct buf *b)
{
	const struct model_config *c = &mm->mcfg;
	const struct tokenizer *t = mm->tok;
	int bad = buf_printf(b,
			     "{\n  \"architectures\": [\"GPT2LMHeadModel\"],\n"
			     "  \"model_type\": \"gpt2\",\n"
			     "  \"vocab_size\": %d,\n  \"n_positions\": %d,\n  \"n_ctx\": %d,\n"
			     "  \"n_embd\": %d,\n  \"n_layer\": %d,\n  \"n_head\": %d,\n"
			     "  \"n_inner\": %d,\n"
			     "  \"activation_function\": \"gelu_new\",\n"
			     "  \"layer_norm_epsilon\": 1e-05,\n"
			     "  \"resid_pdrop\": 0.0,\n  \"embd_pdrop\": 0.0,\n  \"attn_pdrop\": 0.0,\n"
			     "  \"initializer_range\": 0.02,\n  \"scale_attn_weights\": true,\n"
			     "  \"use_cache\": true,\n  \"tie_word_embeddings\": true,\n"
			     "  \"torch_dtype\": \"float32\",\n"
			     "  \"bos_token_id\": %d,\n  \"eos_token_id\": %d,\n"
			     "  \"pad_token_id\": %d,\n",
			     c->vocab_size, c->max_seq_len, c->max_seq_len, c->n_embd, c->n_layer,
			     c->n_head, 4 * c->n_embd, (int)tokenizer_special(t, TOKENIZER_BOS),
			     (int)tokenizer_special(t, TOKENIZER_EOS),
			     (int)tokenizer_special(t, TOKENIZER_PAD));
	int32_t *pairs = NULL;
	char err[MENTOR_ERR_LEN];
	if (tok_merge_pairs(t, &pairs, err))
		return -1;
	bad |= buf_puts(b, "  \"mentor\": {\n    \"format_version\": 1,\n    \"train_config\": ");
	bad |= mm->train_json ? buf_puts(b, mm->train_json) : buf_puts(b, "null");
	bad |= buf_puts(b, ",\n    \"merge_ids\": [");
	int nm = tokenizer_num_merges(t);
	for (int i = 0; i < 2 * nm && !bad; i++)
		bad |= buf_printf(b, "%s%d", i ? "," : "", (int)pairs[i]);
	bad |= buf_puts(b, "]\n  }\n}\n");
	free(pairs);
	return bad;
}

/* Pre-tokenisation close to mentor's: an optional space and a run of letters,
 * one digit, a run of other characters, or white space. */
#define HF_PRETOK_REGEX \
	" ?\\\\p{L}+| ?\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+|\\\\s+(?!\\\\S)|\\\\s+"

static int hf_tokenizer(const struct modelio_model *mm, struct buf *b)
{
	const struct tokenizer *t = mm->tok;
	int V = tokenizer_vocab_size(t), nm = tokenizer_num_merges(t);
	struct buf s;
	buf_init(&s);
	int bad = buf_puts(b, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n"
			      "  \"padding\": null,\n  \"added_tokens\": [");
	int first = 1;
	for (int32_t id = 0; id < V && !bad; id++) {
		if (!tokenizer_is_special(t, id))
			continue;
		size_t len;
		const char *p = tokenizer_token(t, id, &len);
		bad |= buf_printf(b, "%s\n    {\"id\": %d, \"content\": ", first ? "" : ",", (int)id);
		bad |= json_str(b, p, len);
		bad |= buf_puts(b, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
				   "\"normalized\": false, \"special\": true}");
		first = 0;
	}
	bad |= buf_puts(b, "\n  ],\n  \"normalizer\": null,\n"
			   "  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [\n"
			   "    {\"type\": \"Split\", \"pattern\": {\"Regex\": \"" HF_PRETOK_REGEX
			   "\"}, \"behavior\": \"Isolated\", \"invert\": false},\n"
			   "    {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
			   "\"trim_offsets\": true, \"use_regex\": false}]},\n"
			   "  \"post_processor\": null,\n"
			   "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
			   "\"trim_offsets\": true, \"use_regex\": false},\n"
			   "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n"
			   "    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n"
			   "    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
			   "    \"byte_fallback\": false,\n    \"vocab\": {");
	for (int32_t id = 0; id < V && !bad; id++) {
		buf_reset(&s);
		bad |= token_string(t, id, &s);
		bad |= buf_puts(b, id ? ",\n      " : "\n      ") || json_str(b, s.data, s.len) ||
		       buf_printf(b, ": %d", (int)id);
	}
	bad |= buf_puts(b, "\n    },\n    \"merges\": [");
	int32_t *pairs = NULL;
	char err[MENTOR_ERR_LEN];
	if (!bad && tok_merge_pairs(t, &pairs, err))
		bad = 1;
	for (int r = 0; r < nm && !bad; r++) {
		buf_reset(&s);
		bad |= token_string(t, pairs[2 * r], &s) || buf_putc(&s, ' ') ||
		       token_string(t, pairs[2 * r + 1], &s);
		bad |= buf_puts(b, r ? ",\n      " : "\n      ") || json_str(b, s.data, s.len);
	}
	bad |= buf_puts(b, "\n    ]\n  }\n}\n");
	free(pairs);
	buf_release(&s);
	return bad;
}

static int hf_tokenizer_config(const struct modelio_model *mm, struct buf *b)
{
	const struct tokenizer *t = mm->tok;
	const char *bos = tokenizer_token(t, tokenizer_special(t, TOKENIZER_BOS), NULL);
	const char *eos = tokenizer_token(t, tokenizer_special(t, TOKENIZER_EOS), NULL);
	const char *pad = tokenizer_token(t, tokenizer_special(t, TOKENIZER_PAD), NULL);
	size_t lb, le, lp;
	tokenizer_token(t, tokenizer_special(t, TOKENIZER_BOS), &lb);
	tokenizer_token(t, tokenizer_special(t, TOKENIZER_EOS), &le);
	tokenizer_token(t, tokenizer_special(t, TOKENIZER_PAD), &lp);
	int bad = buf_puts(b, "{\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\",\n"
			      "  \"bos_token\": ");
	bad |= json_str(b, bos, lb) || buf_puts(b, ",\n  \"eos_token\": ") ||
	       json_str(b, eos, le) || buf_puts(b, ",\n  \"pad_token\": ") || json_str(b, pad, lp);
	bad |= buf_printf(b, ",\n  \"unk_token\": null,\n  \"model_max_length\": %d,\n"
			     "  \"add_bos_token\": false,\n  \"add_prefix_space\": false,\n"
			     "  \"clean_up_tokenization_spaces\": false,\n"
			     "  \"additional_special_tokens\": [",
			  mm->mcfg.max_seq_len);
	int kinds[] = {TOKENIZER_ANS, TOKENIZER_EXP, TOKENIZER_SEP};
	for (int i = 0; i < 3; i++) {
		size_t l;
		const char *p = tokenizer_token(t, tokenizer_special(t, kinds[i]), &l);
		bad |= buf_puts(b, i ? ", " : "") || json_str(b, p, l);
	}
	bad |= buf_puts(b, "]\n}\n");
	return bad;
}

int modelio_write_hf(const struct modelio_model *mm, const char *dir, char *err)
{
	const struct model_config *cfg = &mm->mcfg;
	if (tokenizer_vocab_size(mm->tok) != cfg->vocab_size)
		return util_err(err, "cannot export: model vocabulary %d does not match its "
				     "tokenizer (%d)", cfg->vocab_size, tokenizer_vocab_size(mm->tok));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", dir, strerror(errno));
	struct xtensor *tt = calloc(table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = tensor_table(cfg, MODELIO_HF, tt);
	struct buf h, p, txt;
	buf_init(&h);
	buf_init(&p);
	buf_init(&txt);
	int ret = MENTOR_ERR;
	/* safetensors header: names in file order, data_offsets contiguous */
	int bad = buf_puts(&h, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"mentor\"}");
	uint64_t off = 0;
	for (size_t i = 0; i < nt && !bad; i++) {
		const struct xtensor *x = &tt[i];
		uint64_t bytes = (uint64_t)x->rows * x->cols * 4;
		bad |= buf_putc(&h, ',') || json_cstr(&h, x->name);
		if (x->vector)
			bad |= buf_printf(&h, ":{\"dtype\":\"F32\",\"shape\":[%zu]", x->cols);
		else if (x->transpose)
			bad |= buf_printf(&h, ":{\"dtype\":\"F32\",\"shape\":[%zu,%zu]", x->cols,
					  x->rows);
		else
			bad |= buf_printf(&h, ":{\"dtype\":\"F32\",\"shape\":[%zu,%zu]", x->rows,
					  x->cols);
		bad |= buf_printf(&h, ",\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
				  (unsigned long long)(off + bytes));
		off += bytes;
	}
	bad |= buf_putc(&h, '}');
	while (!bad && h.len % 8) /* keep the data 8-byte aligned */
		bad |= buf_putc(&h, ' ');
	if (bad || buf_printf(&p, "%s/model.safetensors", dir)) {
		util_err(err, "out of memory");
		goto out;
	}
	struct outfile o;
	if (out_open(&o, p.data, err))
		goto out;
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
	int ok = fwrite(len8, 1, 8, o.f) == 8 && fwrite(h.data, 1, h.len, o.f) == h.len;
	for (size_t i = 0; i < nt && ok; i++)
		ok = !write_tensor(o.f, mm->params, &tt[i]);
	if (out_close(&o, ok, err))
		goto out;
	if (hf_config(mm, &txt)) {
		util_err(err, "out of memory");
		goto out;
	}
	if (write_text_file(dir, "config.json", &txt, err))
		goto out;
	buf_reset(&txt);
	if (hf_tokenizer(mm, &txt)) {
		util_err(err, "out of memory");
		goto out;
	}
	if (write_text_file(dir, "tokenizer.json", &txt, err))
		goto out;
	buf_reset(&txt);
	if (hf_tokenizer_config(mm, &txt)) {
		util_err(err, "out of memory");
		goto out;
	}
	if (write_text_file(dir, "tokenizer_config.json", &txt, err))
		goto out;
	buf_reset(&txt);
	bad = buf_puts(&txt, "{\n  \"bos_token\": ") ||
	      json_cstr(&txt, tokenizer_token(mm->tok, tokenizer_special(mm->tok, TOKENIZER_BOS),
					      NULL)) ||
	      buf_puts(&txt, ",\n  \"eos_token\": ") ||
	      json_cstr(&txt, tokenizer_token(mm->tok, tokenizer_special(mm->tok, TOKENIZER_EOS),
					      NULL)) ||
	      buf_puts(&txt, ",\n  \"pad_token\": ") ||
	      json_cstr(&txt, tokenizer_token(mm->tok, tokenizer_special(mm->tok, TOKENIZER_PAD),
					      NULL)) ||
	      buf_puts(&txt, "\n}\n");
	if (bad || write_text_file(dir, "special_tokens_map.json", &txt, err))
		goto out;
	ret = 0;
out:
	free(tt);
	buf_release(&h);
	buf_release(&p);
	buf_release(&txt);
	return ret;
}

/* ------------------------------------------------------------ vocabulary in */

/* A vocabulary read from a file, before it becomes a mentor tokenizer. */
struct vocab_in {
	char **tok;         /* token strings by file id */
	size_t n_tok;
	char **merges;      /* "A B" */
	size_t n_merges;
	int32_t *merge_ids; /* mentor's exact pairs (2 per merge) or NULL */
	size_t n_merge_ids;
	int64_t eos;        /* file's eos id, -1 unknown */
};

static void vocab_release(struct vocab_in *v)
{
	for (size_t i = 0; v->tok && i < v->n_tok; i++)
		free(v->tok[i]);
	for (size_t i = 0; v->merges && i < v->n_merges; i++)
		free(v->merges[i]);
	free(v->tok);
	free(v->merges);
	free(v->merge_ids);
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

/* Turn v into a mentor tokenizer and perm (our id -> file id, -1 for a row
 * that the file does not have). *identity is 1 when perm maps every id to
 * itself and the sizes agree (a mentor export). */
static int vocab_build(const struct vocab_in *v, struct tokenizer **tok, int64_t **perm,
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
	struct smap map = {0};
	if (v->merge_ids) {
		if (v->n_merge_ids % 2 || v->n_merge_ids / 2 + 256 + TOKENIZER_N_SPECIAL != v->n_tok)
			return util_err(err, "mentor merge list of %zu ids does not fit a vocabulary "
					     "of %zu tokens", v->n_merge_ids, v->n_tok);
		if (tok_from_pairs(v->merge_ids, v->n_merge_ids / 2, tok, err))
			return MENTOR_ERR;
		for (size_t id = 0; id < v->n_tok; id++) {
			buf_reset(&s);
			if (token_string(*tok, (int32_t)id, &s) || strcmp(s.data ? s.data : "",
									   v->tok[id])) {
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
			util_err(err, "merge %zu refers to a token the vocabulary lacks or that is "
				      "not built yet", r);
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
	if (tok_from_pairs(pairs, nm, tok, err))
		goto fail;
	int ident = v->n_tok == V;
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		int32_t id = tokenizer_special(*tok, k);
		size_t len;
		const char *txt = tokenizer_token(*tok, id, &len);
		int64_t f = smap_get(&map, txt, len);
		if (f < 0 && k == TOKENIZER_EOS)
			f = v->eos;
		(*perm)[id] = f >= 0 && ours[f] < 0 ? f : -1;
	}
	for (size_t id = 0; id < V && ident; id++)
		ident = (*perm)[id] == (int64_t)id;
	*identity = ident;
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
	smap_release(&map);
	buf_release(&s);
	return ret;
}

/* ------------------------------------------------------------ reading */

struct rd {
	FILE *f;
	uint64_t pos, size;
	const char *path;
	char *err;
};

static int rd_open(struct rd *r, const char *path, char *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->err = err;
	r->f = fopen(path, "rb");
	if (!r->f)
		return util_err(err, "cannot read '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(r->f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(r->f);
		r->f = NULL;
		return util_err(err, "cannot read '%s': not a regular file", path);
	}
	r->size = (uint64_t)sb.st_size;
	return 0;
}

static int rd_get(struct rd *r, void *p, uint64_t n, const char *what)
{
	if (n > r->size - r->pos)
		return util_err(r->err, "cannot read '%s': truncated in %s (offset %llu)", r->path,
				what, (unsigned long long)r->pos);
	if (n && fread(p, 1, (size_t)n, r->f) != n)
		return util_err(r->err, "cannot read '%s': %s", r->path, strerror(errno));
	r->pos += n;
	return 0;
}

static int rd_u32(struct rd *r, uint32_t *v, const char *what)
{
	unsigned char p[4];
	if (rd_get(r, p, 4, what))
		return MENTOR_ERR;
	*v = le32(p);
	return 0;
}
