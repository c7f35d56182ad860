/* modelio_hf: the GPT-2 student as a Hugging Face folder (config.json,
 * model.safetensors, the tokenizer files) that transformers loads; tensors
 * are transposed to its Conv1D (C, OC) layout and back, exact. */
#include "mentor/modelio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mentor/student.h"
#include "mentor/tokenizer.h"
#include "modelio_int.h"

static int json_cstr(struct buf *b, const char *s)
{
	return modelio_json_str(b, s, strlen(s));
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
		bad |= buf_printf(b, "%s\n    {\"id\": %d, \"content\": ", first ? "" : ",",
				  (int)id);
		bad |= modelio_json_str(b, p, len);
		bad |= buf_puts(b,
				", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
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
		bad |= buf_puts(b, r ? ",\n      " : "\n      ") ||
		       modelio_json_str(b, s.data, s.len);
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
	struct modelio_xtensor *tt = calloc(modelio_table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	size_t nt = modelio_tensor_table(cfg, MODELIO_HF, tt);
	struct buf h, p, txt;
	buf_init(&h);
	buf_init(&p);
	buf_init(&txt);
	int ret = MENTOR_ERR;
	/* safetensors header: names in file order, data_offsets contiguous */
	int bad = buf_puts(&h, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"mentor\"}");
	uint64_t off = 0;
	for (size_t i = 0; i < nt && !bad; i++) {
		const struct modelio_xtensor *x = &tt[i];
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
		ok = !modelio_write_tensor(o.f, mm->params, &tt[i]);
	if (modelio_out_close(&o, ok, err))
		goto out;
	if (write_generated(dir, "config.json", hf_config, mm, &txt, err) ||
	    write_generated(dir, "tokenizer.json", hf_tokenizer, mm, &txt, err) ||
	    write_generated(dir, "tokenizer_config.json", hf_tokenizer_config, mm, &txt, err))
		goto out;
	bad = buf_puts(&txt, "{\n  \"bos_token\": ") ||
	      special_json(&txt, mm->tok, TOKENIZER_BOS) ||
	      buf_puts(&txt, ",\n  \"eos_token\": ") ||
	      special_json(&txt, mm->tok, TOKENIZER_EOS) ||
	      buf_puts(&txt, ",\n  \"pad_token\": ") ||
	      special_json(&txt, mm->tok, TOKENIZER_PAD) || buf_puts(&txt, "\n}\n");
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

/* ------------------------------------------------------------ HF reader */

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
	const cJSON *tc =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "mentor"),
						 "train_config");
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
	if (modelio_check_tensors(&r, ft, n_ft, MODELIO_HF, &out->mcfg, (size_t)wte->dims[0]) ||
	    modelio_alloc_params(out, file.data, err) ||
	    modelio_fill_params(&r, ft, n_ft, MODELIO_HF, out, perm, (size_t)wte->dims[0]))
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
