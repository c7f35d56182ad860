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
#include "modelio_int.h"

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

static int json_cstr(struct buf *b, const char *s)
{
	return modelio_json_str(b, s, strlen(s));
}

/* ------------------------------------------------------------ tensor table */

/* One exported tensor: where it sits in the parameter buffer and how. */
struct xtensor {
	char name[64];
	size_t src;        /* offset in floats */
	size_t rows, cols; /* mentor's row-major shape (rows = 1 for vectors) */
	int vector;
	int transpose; /* write as (cols, rows) */
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
#define ADD(nm_, src_, r_, c_, vec_, tr_)                                                          \
	do {                                                                                       \
		struct xtensor *x_ = &t[n++];                                                      \
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

static size_t table_cap(const struct model_config *cfg)
{
	return 16 * (size_t)cfg->n_layer + 8;
}

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

/* ------------------------------------------------------------ GGUF writer */

int modelio_chat_template(const struct tokenizer *t, struct buf *out)
{
	size_t na, ns;
	const char *ans = tokenizer_token(t, tokenizer_special(t, TOKENIZER_ANS), &na);
	const char *sep = tokenizer_token(t, tokenizer_special(t, TOKENIZER_SEP), &ns);
	if (!ans || !sep)
		return -1;
	/* the last user message's text (a string, or its text parts joined) */
	return buf_puts(out, "{%- set ns = namespace(q='') -%}"
			     "{%- for m in messages -%}"
			     "{%- if m['role'] == 'user' -%}"
			     "{%- if m['content'] is string -%}"
			     "{%- set ns.q = m['content'] -%}"
			     "{%- else -%}"
			     "{%- set ns.q = '' -%}"
			     "{%- for p in m['content'] -%}"
			     "{%- if p['type'] == 'text' -%}{%- set ns.q = ns.q + p['text'] -%}"
			     "{%- endif -%}"
			     "{%- endfor -%}"
			     "{%- endif -%}"
			     "{%- endif -%}"
			     "{%- endfor -%}") ||
	       buf_append(out, ans, na) || buf_puts(out, "{{ ns.q }}") || buf_append(out, sep, ns);
}

int modelio_write_gguf(const struct modelio_model *mm, const char *path, char *err)
{
	if (mm->arch == STUDENT_LLAMA)
		return modelio_llama_model_write(mm, path, MODELIO_GGUF, err);
	const struct model_config *cfg = &mm->mcfg;
	const struct tokenizer *t = mm->tok;
	int V = cfg->vocab_size, nm = tokenizer_num_merges(t);
	if (tokenizer_vocab_size(t) != V)
		return util_err(err,
		                "cannot export: model vocabulary %d does not match its "
		                "tokenizer (%d)",
		                V, tokenizer_vocab_size(t));
	struct buf h, s;
	buf_init(&h);
	buf_init(&s);
	int32_t *pairs = NULL;
	struct xtensor *tt = calloc(table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	int ret = MENTOR_ERR;
	if (modelio_tok_merge_pairs(t, &pairs, err))
		goto out;
	size_t nt = tensor_table(cfg, MODELIO_GGUF, tt);
	uint64_t n_kv = 0;
	struct buf kv;
	buf_init(&kv);
	int bad = 0;
	/* general */
	bad |= modelio_kv_str(&kv, "general.architecture", "gpt2"), n_kv++;
	bad |= modelio_kv_str(&kv, "general.name", "mentor student"), n_kv++;
	bad |= modelio_kv_u32(&kv, "general.file_type", 0), n_kv++; /* all F32 */
	bad |= modelio_kv_u32(&kv, "general.alignment", MODELIO_GGUF_ALIGNMENT), n_kv++;
	/* hyperparameters */
	bad |= modelio_kv_u32(&kv, "gpt2.context_length", (uint32_t)cfg->max_seq_len), n_kv++;
	bad |= modelio_kv_u32(&kv, "gpt2.embedding_length", (uint32_t)cfg->n_embd), n_kv++;
	bad |= modelio_kv_u32(&kv, "gpt2.feed_forward_length", 4u * (uint32_t)cfg->n_embd), n_kv++;
	bad |= modelio_kv_u32(&kv, "gpt2.block_count", (uint32_t)cfg->n_layer), n_kv++;
	bad |= modelio_kv_u32(&kv, "gpt2.attention.head_count", (uint32_t)cfg->n_head), n_kv++;
	bad |= modelio_kv_f32(&kv, "gpt2.attention.layer_norm_epsilon", LN_EPS), n_kv++;
	/* tokenizer */
	bad |= modelio_kv_str(&kv, "tokenizer.ggml.model", "gpt2"), n_kv++;
	bad |= modelio_kv_str(&kv, "tokenizer.ggml.pre", "gpt-2"), n_kv++;
	bad |= modelio_g_key(&kv, "tokenizer.ggml.tokens", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_STRING) || modelio_g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int32_t id = 0; id < V && !bad; id++) {
		buf_reset(&s);
		bad |= modelio_token_string(t, id, &s) ||
		       modelio_g_str(&kv, s.data ? s.data : "", s.len);
	}
	bad |= modelio_g_key(&kv, "tokenizer.ggml.token_type", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_I32) || modelio_g_u64(&kv, (uint64_t)V);
	n_kv++;
	for (int32_t id = 0; id < V && !bad; id++)
		bad |= modelio_g_u32(&kv, tokenizer_is_special(t, id) ? TOKTYPE_CONTROL
		                                                      : TOKTYPE_NORMAL);
	bad |= modelio_g_key(&kv, "tokenizer.ggml.merges", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_STRING) || modelio_g_u64(&kv, (uint64_t)nm);
	n_kv++;
	for (int r = 0; r < nm && !bad; r++) {
		buf_reset(&s);
		bad |= modelio_token_string(t, pairs[2 * r], &s) || buf_putc(&s, ' ') ||
		       modelio_token_string(t, pairs[2 * r + 1], &s) ||
		       modelio_g_str(&kv, s.data, s.len);
	}
	bad |= modelio_kv_u32(&kv, "tokenizer.ggml.bos_token_id",
	              (uint32_t)tokenizer_special(t, TOKENIZER_BOS)),
	    n_kv++;
	bad |= modelio_kv_u32(&kv, "tokenizer.ggml.eos_token_id",
	              (uint32_t)tokenizer_special(t, TOKENIZER_EOS)),
	    n_kv++;
	bad |= modelio_kv_u32(&kv, "tokenizer.ggml.padding_token_id",
	              (uint32_t)tokenizer_special(t, TOKENIZER_PAD)),
	    n_kv++;
	bad |= modelio_kv_bool(&kv, "tokenizer.ggml.add_bos_token", 0), n_kv++;
	bad |= modelio_kv_bool(&kv, "tokenizer.ggml.add_eos_token", 0), n_kv++;
	buf_reset(&s);
	bad |=
	    modelio_chat_template(t, &s) || modelio_kv_str(&kv, "tokenizer.chat_template", s.data),
	    n_kv++;
	/* mentor's own: the exact merge pairs (token strings may repeat) and the
	 * run's configuration, so that an import gives back the same run */
	bad |= modelio_kv_u32(&kv, "mentor.format_version", 1), n_kv++;
	bad |=
	    modelio_kv_str(&kv, "mentor.tokenizer.pre", tokenizer_pretok_name(tokenizer_pretok(t))),
	    n_kv++;
	bad |= modelio_g_key(&kv, "mentor.tokenizer.merge_ids", GGUF_T_ARRAY) ||
	       modelio_g_u32(&kv, GGUF_T_I32) || modelio_g_u64(&kv, 2 * (uint64_t)nm);
	n_kv++;
	for (int r = 0; r < 2 * nm && !bad; r++)
		bad |= modelio_g_u32(&kv, (uint32_t)pairs[r]);
	if (mm->train_json)
		bad |= modelio_kv_str(&kv, "mentor.train_config", mm->train_json), n_kv++;
	/* header, tensor infos */
	bad |= buf_append(&h, GGUF_MAGIC, 4) || modelio_g_u32(&h, GGUF_VERSION) ||
	       modelio_g_u64(&h, nt) || modelio_g_u64(&h, n_kv) || buf_append(&h, kv.data, kv.len);
	buf_release(&kv);
	uint64_t data_off = 0;
	for (size_t i = 0; i < nt && !bad; i++)
		bad |= modelio_gguf_info(&h, tt[i].name, tt[i].vector, tt[i].rows, tt[i].cols,
					 &data_off);
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
	for (size_t i = 0; i < nt && ok; i++)
		ok = !write_tensor(o.f, mm->params, &tt[i]) &&
		     !modelio_gguf_pad(o.f, (uint64_t)tt[i].rows * tt[i].cols * 4);
	if (modelio_out_close(&o, ok, err))
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
	int bad = buf_printf(
	    b,
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
	    c->vocab_size, c->max_seq_len, c->max_seq_len, c->n_embd, c->n_layer, c->n_head,
	    4 * c->n_embd, (int)tokenizer_special(t, TOKENIZER_BOS),
	    (int)tokenizer_special(t, TOKENIZER_EOS), (int)tokenizer_special(t, TOKENIZER_PAD));
	int32_t *pairs = NULL;
	char err[MENTOR_ERR_LEN];
	if (modelio_tok_merge_pairs(t, &pairs, err))
		return -1;
	bad |= buf_printf(b,
	                  "  \"mentor\": {\n    \"format_version\": 1,\n"
	                  "    \"pretokenizer\": \"%s\",\n    \"train_config\": ",
	                  tokenizer_pretok_name(tokenizer_pretok(t)));
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
#define HF_PRETOK_REGEX " ?\\\\p{L}+| ?\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+|\\\\s+(?!\\\\S)|\\\\s+"

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
		bad |=
		    buf_printf(b, "%s\n    {\"id\": %d, \"content\": ", first ? "" : ",", (int)id);
		bad |= modelio_json_str(b, p, len);
		bad |=
		    buf_puts(b, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
		                "\"normalized\": false, \"special\": true}");
		first = 0;
	}
	bad |= buf_puts(b, "\n  ],\n  \"normalizer\": null,\n");
	if (tokenizer_pretok(t) == TOKENIZER_PRETOK_GPT2) /* ByteLevel's regex is GPT-2's */
		bad |= buf_puts(b, "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", "
		                   "\"add_prefix_space\": false, \"trim_offsets\": true, "
		                   "\"use_regex\": true},\n");
	else
		bad |= buf_puts(
		    b, "  \"pre_tokenizer\": {\"type\": \"Sequence\", "
		       "\"pretokenizers\": [\n"
		       "    {\"type\": \"Split\", \"pattern\": {\"Regex\": \"" HF_PRETOK_REGEX
		       "\"}, \"behavior\": \"Isolated\", \"invert\": false},\n"
		       "    {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
		       "\"trim_offsets\": true, \"use_regex\": false}]},\n");
	bad |= buf_puts(b, "  \"post_processor\": null,\n"
	                   "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
	                   "\"trim_offsets\": true, \"use_regex\": false},\n"
	                   "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n"
	                   "    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n"
	                   "    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
	                   "    \"byte_fallback\": false,\n    \"vocab\": {");
	for (int32_t id = 0; id < V && !bad; id++) {
		buf_reset(&s);
		bad |= modelio_token_string(t, id, &s);
		bad |= buf_puts(b, id ? ",\n      " : "\n      ") ||
		       modelio_json_str(b, s.data, s.len) || buf_printf(b, ": %d", (int)id);
	}
	bad |= buf_puts(b, "\n    },\n    \"merges\": [");
	int32_t *pairs = NULL;
	char err[MENTOR_ERR_LEN];
	if (!bad && modelio_tok_merge_pairs(t, &pairs, err))
		bad = 1;
	for (int r = 0; r < nm && !bad; r++) {
		buf_reset(&s);
		bad |= modelio_token_string(t, pairs[2 * r], &s) || buf_putc(&s, ' ') ||
		       modelio_token_string(t, pairs[2 * r + 1], &s);
		bad |=
		    buf_puts(b, r ? ",\n      " : "\n      ") || modelio_json_str(b, s.data, s.len);
	}
	bad |= buf_puts(b, "\n    ]\n  }\n}\n");
	free(pairs);
	buf_release(&s);
	return bad;
}

/* The text of a special token as a JSON string. */
static int special_json(struct buf *b, const struct tokenizer *t, int kind)
{
	size_t len;
	const char *p = tokenizer_token(t, tokenizer_special(t, kind), &len);
	return modelio_json_str(b, p, len);
}

static int hf_tokenizer_config(const struct modelio_model *mm, struct buf *b)
{
	const struct tokenizer *t = mm->tok;
	int bad = buf_puts(b, "{\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\",\n"
	                      "  \"bos_token\": ");
	bad |= special_json(b, t, TOKENIZER_BOS) || buf_puts(b, ",\n  \"eos_token\": ") ||
	       special_json(b, t, TOKENIZER_EOS) || buf_puts(b, ",\n  \"pad_token\": ") ||
	       special_json(b, t, TOKENIZER_PAD);
	bad |= buf_printf(b,
	                  ",\n  \"unk_token\": null,\n  \"model_max_length\": %d,\n"
	                  "  \"add_bos_token\": false,\n  \"add_prefix_space\": false,\n"
	                  "  \"clean_up_tokenization_spaces\": false,\n"
	                  "  \"additional_special_tokens\": [",
	                  mm->mcfg.max_seq_len);
	int kinds[] = {TOKENIZER_ANS, TOKENIZER_EXP, TOKENIZER_SEP};
	for (int i = 0; i < 3; i++)
		bad |= buf_puts(b, i ? ", " : "") || special_json(b, t, kinds[i]);
	struct buf tpl;
	buf_init(&tpl);
	bad |= modelio_chat_template(t, &tpl) || buf_puts(b, "],\n  \"chat_template\": ") ||
	       modelio_json_str(b, tpl.data, tpl.len) || buf_puts(b, "\n}\n");
	buf_release(&tpl);
	return bad;
}

/* Write dir/name with the text gen makes from mm, using txt as scratch (left
 * empty). 0 or MENTOR_ERR with err. */
static int write_generated(const char *dir, const char *name,
			   int (*gen)(const struct modelio_model *, struct buf *),
			   const struct modelio_model *mm, struct buf *txt, char *err)
{
	buf_reset(txt);
	if (gen(mm, txt))
		return util_err(err, "out of memory");
	int rc = write_text_file(dir, name, txt, err);
	buf_reset(txt);
	return rc;
}

int modelio_write_hf(const struct modelio_model *mm, const char *dir, char *err)
{
	if (mm->arch == STUDENT_LLAMA)
		return modelio_llama_model_write(mm, dir, MODELIO_HF, err);
	const struct model_config *cfg = &mm->mcfg;
	if (tokenizer_vocab_size(mm->tok) != cfg->vocab_size)
		return util_err(err,
		                "cannot export: model vocabulary %d does not match its "
		                "tokenizer (%d)",
		                cfg->vocab_size, tokenizer_vocab_size(mm->tok));
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
	struct modelio_outfile o;
	if (modelio_out_open(&o, p.data, err))
		goto out;
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
	int ok = fwrite(len8, 1, 8, o.f) == 8 && fwrite(h.data, 1, h.len, o.f) == h.len;
	for (size_t i = 0; i < nt && ok; i++)
		ok = !write_tensor(o.f, mm->params, &tt[i]);
	if (modelio_out_close(&o, ok, err))
		goto out;
	if (write_generated(dir, "config.json", hf_config, mm, &txt, err) ||
	    write_generated(dir, "tokenizer.json", hf_tokenizer, mm, &txt, err) ||
	    write_generated(dir, "tokenizer_config.json", hf_tokenizer_config, mm, &txt, err))
		goto out;
	bad =
	    buf_puts(&txt, "{\n  \"bos_token\": ") || special_json(&txt, mm->tok, TOKENIZER_BOS) ||
	    buf_puts(&txt, ",\n  \"eos_token\": ") || special_json(&txt, mm->tok, TOKENIZER_EOS) ||
	    buf_puts(&txt, ",\n  \"pad_token\": ") || special_json(&txt, mm->tok, TOKENIZER_PAD) ||
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

/* Fill mm->params (already sized for mm->mcfg) from the tensors of a file.
 * names: GGUF or HF names of tensor_table; perm maps our vocabulary rows to
 * the file's (file_vocab rows). HF tensors are transposed back. */
/* The file's tensor for x (of the table of cfg), its shape checked against
 * the configuration: 0 with *out set (NULL for an output head left out, tied
 * to the token embedding), or MENTOR_ERR naming the tensor. */
static int tensor_match(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
                        const struct model_config *cfg, const struct xtensor *x,
                        size_t file_vocab, struct modelio_ftensor **out)
{
	const char *nm = x->name;
	size_t C = (size_t)cfg->n_embd;
	int is_wte =
	    x->src == 0 && x->rows == (size_t)cfg->vocab_size && x->cols == C &&
	    (strstr(nm, "wte") || strstr(nm, "token_embd") || !strcmp(nm, "output.weight"));
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
static int check_tensors(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
                         const struct model_config *cfg, size_t file_vocab)
{
	char sub[MENTOR_ERR_LEN];
	if (model_config_check(cfg, sub))
		return util_err(r->err, "cannot read '%s': unsupported model shape: %s", r->path,
		                sub);
	struct xtensor *tt = calloc(table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = tensor_table(cfg, format, tt);
	int ret = 0;
	for (size_t i = 0; i < nt && !ret; i++) {
		struct modelio_ftensor *f;
		ret = tensor_match(r, ft, nft, format, cfg, &tt[i], file_vocab, &f);
	}
	free(tt);
	return ret;
}

static int fill_params(struct modelio_rd *r, struct modelio_ftensor *ft, size_t nft, int format,
                       struct modelio_model *mm, const int64_t *perm, size_t file_vocab)
{
	const struct model_config *cfg = &mm->mcfg;
	struct xtensor *tt = calloc(table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = tensor_table(cfg, format, tt);
	size_t C = (size_t)cfg->n_embd;
	float *tmp = NULL;
	int ret = MENTOR_ERR;
	for (size_t i = 0; i < nt; i++) {
		struct xtensor *x = &tt[i];
		const char *nm = x->name;
		int is_wte =
		    x->src == 0 && x->rows == (size_t)cfg->vocab_size && x->cols == C &&
		    (strstr(nm, "wte") || strstr(nm, "token_embd") || !strcmp(nm, "output.weight"));
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
static int alloc_params(struct modelio_model *mm, const char *path, char *err)
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

/* ------------------------------------------------------------ GGUF reader */

/* The vocabulary of a GGUF file's metadata into voc, whose token and merge
 * strings stay kv's (voc->tok and voc->merges must be cleared before
 * modelio_vocab_release). Mentor's own files (a mentor.* key) keep the pre-tokenizer
 * they name, mentor's when none; other files get GPT-2's. */
static int gguf_vocab(const struct modelio_gkv *kv, size_t n_kv, struct modelio_vocab *voc,
                      const char *path, char *err)
{
	const struct modelio_gkv *ktok = modelio_gkv_find(kv, n_kv, "tokenizer.ggml.tokens");
	const struct modelio_gkv *kmer = modelio_gkv_find(kv, n_kv, "tokenizer.ggml.merges");
	const struct modelio_gkv *kmodel = modelio_gkv_find(kv, n_kv, "tokenizer.ggml.model");
	if (!ktok || !ktok->astr || !kmer || !kmer->astr ||
	    (kmodel && (!kmodel->s || strcmp(kmodel->s, "gpt2"))))
		return util_err(err,
		                "cannot read '%s': no byte-level BPE vocabulary "
		                "(tokenizer.ggml.model gpt2 with tokens and merges)",
		                path);
	voc->tok = ktok->astr;
	voc->n_tok = (size_t)ktok->an;
	voc->merges = kmer->astr;
	voc->n_merges = (size_t)kmer->an;
	voc->eos = -1;
	const struct modelio_gkv *keos = modelio_gkv_find(kv, n_kv, "tokenizer.ggml.eos_token_id");
	if (modelio_gkv_is_int(keos) && keos->i >= 0 && (uint64_t)keos->i < voc->n_tok)
		voc->eos = keos->i;
	const struct modelio_gkv *kids = modelio_gkv_find(kv, n_kv, "mentor.tokenizer.merge_ids");
	if (kids && kids->aint) {
		voc->n_merge_ids = (size_t)kids->an;
		voc->merge_ids =
		    malloc((voc->n_merge_ids ? voc->n_merge_ids : 1) * sizeof(int32_t));
		if (!voc->merge_ids)
			util_oom();
		for (size_t i = 0; i < voc->n_merge_ids; i++) {
			if (kids->aint[i] < 0 || kids->aint[i] > INT32_MAX)
				return util_err(err, "cannot read '%s': corrupt mentor merge list",
				                path);
			voc->merge_ids[i] = (int32_t)kids->aint[i];
		}
	}
	voc->pretok = TOKENIZER_PRETOK_GPT2;
	for (size_t i = 0; i < n_kv; i++)
		if (!strncmp(kv[i].key, "mentor.", 7))
			voc->pretok = TOKENIZER_PRETOK_MENTOR;
	const struct modelio_gkv *kpre = modelio_gkv_find(kv, n_kv, "mentor.tokenizer.pre");
	if (kpre) {
		voc->pretok = kpre->type == GGUF_T_STRING ? tokenizer_pretok_parse(kpre->s) : -1;
		if (voc->pretok < 0)
			return util_err(err,
			                "cannot read '%s': unknown pre-tokenizer in "
			                "mentor.tokenizer.pre (a newer mentor wrote it?)",
			                path);
	}
	return 0;
}

int modelio_read_gguf(const char *path, struct modelio_model *out, char *err)
{
	modelio_model_init(out);
	struct modelio_rd r;
	if (modelio_rd_open(&r, path, err))
		return MENTOR_ERR;
	struct modelio_gkv *kv = NULL;
	struct modelio_ftensor *ft = NULL;
	uint64_t n_kv = 0, n_t = 0;
	struct modelio_vocab voc;
	memset(&voc, 0, sizeof voc);
	int64_t *perm = NULL;
	int ret = MENTOR_ERR;
	if (modelio_gguf_meta(&r, &kv, &n_kv, &n_t))
		goto out;
	if (modelio_gguf_tensors(&r, kv, (size_t)n_kv, n_t, &ft))
		goto out;
	/* hyperparameters */
	const struct modelio_gkv *arch = modelio_gkv_find(kv, (size_t)n_kv, "general.architecture");
	if (!arch || arch->type != GGUF_T_STRING || strcmp(arch->s, "gpt2")) {
		util_err(err, "cannot read '%s': architecture '%s' is not gpt2", path,
		         arch && arch->s ? arch->s : "(none)");
		goto out;
	}
	int C, L, NH, T;
	if (modelio_gguf_dim(&r, kv, (size_t)n_kv, "gpt2.embedding_length", &C) ||
	    modelio_gguf_dim(&r, kv, (size_t)n_kv, "gpt2.block_count", &L) ||
	    modelio_gguf_dim(&r, kv, (size_t)n_kv, "gpt2.attention.head_count", &NH) ||
	    modelio_gguf_dim(&r, kv, (size_t)n_kv, "gpt2.context_length", &T))
		goto out;
	const struct modelio_gkv *kff =
	    modelio_gkv_find(kv, (size_t)n_kv, "gpt2.feed_forward_length");
	if (kff && (!modelio_gkv_is_int(kff) || kff->i != 4 * (int64_t)C)) {
		util_err(err, "cannot read '%s': feed_forward_length must be 4 x %d", path, C);
		goto out;
	}
	const struct modelio_gkv *keps =
	    modelio_gkv_find(kv, (size_t)n_kv, "gpt2.attention.layer_norm_epsilon");
	if (keps && (keps->type != GGUF_T_F32 && keps->type != GGUF_T_F64)) {
		util_err(err, "cannot read '%s': layer_norm_epsilon is not a float", path);
		goto out;
	}
	if (keps && fabs(keps->f - 1e-5) > 1e-9) {
		util_err(err, "cannot read '%s': layer norm epsilon %g; mentor's model uses 1e-5",
		         path, keps->f);
		goto out;
	}
	if (gguf_vocab(kv, (size_t)n_kv, &voc, path, err))
		goto out;
	char sub[MENTOR_ERR_LEN];
	int identity;
	if (modelio_vocab_build(&voc, &out->tok, &perm, &identity, sub)) {
		util_err(err, "cannot read '%s': %s", path, sub);
		goto out;
	}
	out->foreign = !identity;
	out->mcfg.vocab_size = tokenizer_vocab_size(out->tok);
	out->mcfg.max_seq_len = T;
	out->mcfg.n_layer = L;
	out->mcfg.n_head = NH;
	out->mcfg.n_embd = C;
	if (check_tensors(&r, ft, (size_t)n_t, MODELIO_GGUF, &out->mcfg, voc.n_tok) ||
	    alloc_params(out, path, err))
		goto out;
	if (fill_params(&r, ft, (size_t)n_t, MODELIO_GGUF, out, perm, voc.n_tok))
		goto out;
	for (uint64_t i = 0; i < n_t; i++)
		if (!ft[i].used) {
			util_err(err, "cannot read '%s': unexpected tensor '%s'", path, ft[i].name);
			goto out;
		}
	for (int v = 0; v < out->mcfg.vocab_size; v++)
		out->new_rows += perm[v] < 0;
	const struct modelio_gkv *kcfg = modelio_gkv_find(kv, (size_t)n_kv, "mentor.train_config");
	if (kcfg && kcfg->s)
		out->train_json = util_strdup(kcfg->s);
	ret = 0;
out:
	/* the vocabulary strings belong to kv */
	voc.tok = NULL;
	voc.merges = NULL;
	voc.n_tok = voc.n_merges = 0;
	modelio_vocab_release(&voc);
	free(perm);
	modelio_gkv_free(kv, (size_t)n_kv);
	modelio_ftensors_free(ft, (size_t)n_t);
	modelio_rd_close(&r);
	if (ret)
		modelio_model_release(out);
	return ret;
}

/* ------------------------------------------------------------ HF reader */

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

static int hf_cfg_int(const cJSON *cfg, const char *key, const char *alt, int *out,
                      const char *path, char *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, key);
	if (!j && alt)
		j = cJSON_GetObjectItemCaseSensitive(cfg, alt);
	int64_t v;
	if (!j || modelio_json_int(j, 1, 1 << 30, &v))
		return util_err(err, "cannot read '%s': '%s' is missing or not a positive integer",
		                path, key);
	*out = (int)v;
	return 0;
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
			return util_err(
			    err, "cannot read '%s': merge %zu is not a string or a pair", path, k);
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
 * writes for its own pre-tokenizer (hf_tokenizer), which means it. */
static const char mentor_regex[] =
	" ?\\p{L}+| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
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
				return util_err(err, "cannot read '%s': normalizer '%.40s' in the "
						     "Sequence is not supported (mentor knows NFC)",
						path, hf_type(e));
			*norm = TOKENIZER_NORM_NFC;
		}
		return 0;
	}
	return util_err(err, "cannot read '%s': normalizer '%.40s' is not supported (mentor "
			     "knows NFC and a Sequence of it)", path, type);
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
		return util_err(err, "cannot read '%s': no pre-tokenizer (mentor knows "
				     "ByteLevel and a Split + ByteLevel Sequence)", path);
	if (strcmp(hf_type(p), "Sequence") || !cJSON_IsArray(seq) ||
	    cJSON_GetArraySize(seq) != 2)
		return util_err(err, "cannot read '%s': pre-tokenizer '%.40s' is not supported "
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
	const char *beh = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(split,
										 "behavior"));
	if (strcmp(hf_type(split), "Split") || !re || !beh || strcmp(beh, "Isolated") ||
	    !hf_off(split, "invert", 0) || !hf_byte_level(bl, 0))
		return util_err(err, "cannot read '%s': pre-tokenizer Sequence of '%.40s' and "
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
		return util_err(err, "cannot read '%s': the Split regex '%.60s%s' is not one "
				     "mentor knows (Qwen2's, Llama 3's or mentor's own)", path, re,
				strlen(re) > 60 ? "..." : "");
	return 0;
}

/* What a tokenizer.json asks of the text and the model beyond a vocabulary:
 * the normalizer, pre-tokenizer, decoder, BPE options and added tokens. Any
 * other component, option or regex is refused by name. */
static int hf_pipeline(const cJSON *tj, const cJSON *model, struct modelio_vocab *v,
		       const char *path, char *err)
{
	v->normalizer = TOKENIZER_NORM_NONE;
	if (hf_normalizer(cJSON_GetObjectItemCaseSensitive(tj, "normalizer"), &v->normalizer,
			  path, err) ||
	    hf_pretok(cJSON_GetObjectItemCaseSensitive(tj, "pre_tokenizer"), &v->pretok, path,
		      err))
		return MENTOR_ERR;
	const cJSON *dec = cJSON_GetObjectItemCaseSensitive(tj, "decoder");
	if (dec && !cJSON_IsNull(dec) && strcmp(hf_type(dec), "ByteLevel"))
		return util_err(err, "cannot read '%s': decoder '%.40s' is not supported (mentor "
				     "knows ByteLevel)", path, hf_type(dec));
	static const char *const off[] = {"dropout", "unk_token", "continuing_subword_prefix",
					  "end_of_word_suffix", "fuse_unk", "byte_fallback",
					  "ignore_merges"};
	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
		if (!hf_off(model, off[i], 1))
			return util_err(err, "cannot read '%s': the BPE option '%s' is set; mentor "
					     "supports it only off", path, off[i]);
	const cJSON *added = cJSON_GetObjectItemCaseSensitive(tj, "added_tokens"), *e;
	int n = cJSON_GetArraySize(added);
	if (n > TOKENIZER_MAX_ADDED)
		return util_err(err, "cannot read '%s': %d added tokens is too many", path, n);
	v->added = calloc(n > 0 ? (size_t)n : 1, sizeof *v->added);
	if (!v->added)
		util_oom();
	cJSON_ArrayForEach(e, added)
	{
		const char *c =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "content"));
		size_t k = v->n_added;
		if (!c || !*c || strlen(c) > TOKENIZER_MAX_ADDED_LEN)
			return util_err(err, "cannot read '%s': added token %zu has no content or "
					     "one longer than %d bytes", path, k,
					TOKENIZER_MAX_ADDED_LEN);
		if (!hf_off(e, "single_word", 0) || !hf_off(e, "lstrip", 0) ||
		    !hf_off(e, "rstrip", 0))
			return util_err(err, "cannot read '%s': added token %zu sets single_word, "
					     "lstrip or rstrip, which mentor does not support",
					path, k);
		if (!hf_off(e, "normalized", 0) && v->normalizer != TOKENIZER_NORM_NONE)
			return util_err(err, "cannot read '%s': added token %zu is matched after "
					     "normalisation, which mentor does not support", path,
					k);
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

/* Tensors we may find that carry nothing: causal masks of old checkpoints. */
static int hf_ignored(const char *name)
{
	size_t n = strlen(name);
	return (n > 10 && !strcmp(name + n - 10, ".attn.bias") && !strstr(name, "c_attn")) ||
	       (n > 17 && !strcmp(name + n - 17, ".attn.masked_bias"));
}

int modelio_read_hf(const char *path, struct modelio_model *out, char *err)
{
	modelio_model_init(out);
	struct buf dir, file, p;
	buf_init(&dir);
	buf_init(&file);
	buf_init(&p);
	struct modelio_rd r;
	memset(&r, 0, sizeof r);
	cJSON *cfg = NULL;
	struct modelio_ftensor *ft = NULL;
	size_t n_ft = 0;
	struct modelio_vocab voc;
	memset(&voc, 0, sizeof voc);
	int64_t *perm = NULL;
	int ret = MENTOR_ERR;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		util_err(err, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		buf_puts(&dir, path);
		buf_printf(&file, "%s/model.safetensors", path);
	} else {
		const char *slash = strrchr(path, '/');
		if (slash)
			buf_append(&dir, path, (size_t)(slash - path));
		else
			buf_puts(&dir, ".");
		buf_puts(&file, path);
	}
	buf_printf(&p, "%s/config.json", dir.data);
	if (!(cfg = modelio_read_json(p.data, MODELIO_MAX_JSON, err)))
		goto out;
	int C = 0, L = 0, NH = 0, T = 0; /* set by hf_cfg_int before any use */
	if (hf_cfg_int(cfg, "n_embd", "hidden_size", &C, p.data, err) ||
	    hf_cfg_int(cfg, "n_layer", "num_hidden_layers", &L, p.data, err) ||
	    hf_cfg_int(cfg, "n_head", "num_attention_heads", &NH, p.data, err) ||
	    hf_cfg_int(cfg, "n_positions", "n_ctx", &T, p.data, err))
		goto out;
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(cfg, "model_type");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(cfg, "activation_function");
	const cJSON *inner = cJSON_GetObjectItemCaseSensitive(cfg, "n_inner");
	const cJSON *eps = cJSON_GetObjectItemCaseSensitive(cfg, "layer_norm_epsilon");
	const cJSON *tie = cJSON_GetObjectItemCaseSensitive(cfg, "tie_word_embeddings");
	if (mt && (!cJSON_IsString(mt) || strcmp(mt->valuestring, "gpt2"))) {
		util_err(err, "cannot read '%s': model_type is not gpt2", p.data);
		goto out;
	}
	if (act && (!cJSON_IsString(act) || (strcmp(act->valuestring, "gelu_new") &&
	                                     strcmp(act->valuestring, "gelu_pytorch_tanh")))) {
		util_err(err, "cannot read '%s': activation '%s' (mentor's model uses gelu_new)",
		         p.data, cJSON_IsString(act) ? act->valuestring : "?");
		goto out;
	}
	int64_t iv;
	if (inner && !cJSON_IsNull(inner) &&
	    (modelio_json_int(inner, 1, 1 << 30, &iv) || iv != 4 * C)) {
		util_err(err, "cannot read '%s': n_inner must be 4 x n_embd", p.data);
		goto out;
	}
	if (eps && (!cJSON_IsNumber(eps) || fabs(eps->valuedouble - 1e-5) > 1e-9)) {
		util_err(err, "cannot read '%s': layer_norm_epsilon must be 1e-5", p.data);
		goto out;
	}
	if (tie && cJSON_IsFalse(tie)) {
		util_err(err, "cannot read '%s': untied output heads are not supported", p.data);
		goto out;
	}
	if (modelio_hf_dir_vocab(dir.data, cfg, &voc, &p, err))
		goto out;
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cfg, "mentor"), "train_config");
	if (cJSON_IsObject(tc))
		out->train_json = cJSON_PrintUnformatted(tc);
	char sub[MENTOR_ERR_LEN];
	int identity;
	if (modelio_vocab_build(&voc, &out->tok, &perm, &identity, sub)) {
		util_err(err, "cannot read '%s': %s", p.data, sub);
		goto out;
	}
	out->foreign = !identity;
	out->mcfg.vocab_size = tokenizer_vocab_size(out->tok);
	out->mcfg.max_seq_len = T;
	out->mcfg.n_layer = L;
	out->mcfg.n_head = NH;
	out->mcfg.n_embd = C;
	if (modelio_rd_open(&r, file.data, err) || modelio_st_header(&r, &ft, &n_ft))
		goto out;
	/* the file's vocabulary rows: the embedding's first dimension */
	struct modelio_ftensor *wte = modelio_ftensor_find(ft, n_ft, "transformer.wte.weight");
	if (!wte)
		wte = modelio_ftensor_find(ft, n_ft, "wte.weight");
	if (!wte || wte->n_dims != 2 || wte->dims[0] < voc.n_tok) {
		util_err(err, "cannot read '%s': no token embedding for %zu tokens", file.data,
		         voc.n_tok);
		goto out;
	}
	if (check_tensors(&r, ft, n_ft, MODELIO_HF, &out->mcfg, (size_t)wte->dims[0]) ||
	    alloc_params(out, file.data, err) ||
	    fill_params(&r, ft, n_ft, MODELIO_HF, out, perm, (size_t)wte->dims[0]))
		goto out;
	for (size_t i = 0; i < n_ft; i++) {
		if (ft[i].used || hf_ignored(ft[i].name))
			continue;
		if (!strcmp(ft[i].name, "lm_head.weight")) {
			/* must repeat the embedding (tied) */
			size_t n = (size_t)wte->dims[0] * (size_t)C;
			float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
			if (!a || !b)
				util_oom();
			int same = ft[i].n_dims == 2 && ft[i].dims[0] == wte->dims[0] &&
			           ft[i].dims[1] == (uint64_t)C &&
			           !modelio_rd_floats(&r, ft[i].off, n, ft[i].dt, a, ft[i].name) &&
			           !modelio_rd_floats(&r, wte->off, n, wte->dt, b, wte->name) &&
			           !memcmp(a, b, n * sizeof *a);
			free(a);
			free(b);
			if (!same) {
				util_err(err,
				         "cannot read '%s': lm_head.weight differs from the token "
				         "embedding (mentor's model ties them)",
				         file.data);
				goto out;
			}
			continue;
		}
		util_err(err, "cannot read '%s': unexpected tensor '%s'", file.data, ft[i].name);
		goto out;
	}
	for (int v = 0; v < out->mcfg.vocab_size; v++)
		out->new_rows += perm[v] < 0;
	ret = 0;
out:
	modelio_vocab_release(&voc);
	free(perm);
	modelio_ftensors_free(ft, n_ft);
	modelio_rd_close(&r);
	cJSON_Delete(cfg);
	buf_release(&dir);
	buf_release(&file);
	buf_release(&p);
	if (ret)
		modelio_model_release(out);
	return ret;
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
		if (rc || gguf_vocab(kv, (size_t)n_kv, &voc, path, err))
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
	r.status = util_strdup("done");
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
