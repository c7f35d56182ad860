/* modelio_gguf: the GPT-2 student as a GGUF file (llama.cpp's gpt2
 * architecture): its metadata, vocabulary and merges, tensors in mentor's
 * row-major (OC, C) layout (ggml's ne = [C, OC]); written and read back
 * exact. */
#include "mentor/modelio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/student.h"
#include "mentor/tokenizer.h"
#include "modelio_int.h"

/* llama.cpp's token types */
enum { TOKTYPE_NORMAL = 1, TOKTYPE_CONTROL = 3 };

#define LN_EPS 1e-5f

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
	struct modelio_xtensor *tt = calloc(modelio_table_cap(cfg), sizeof *tt);
	if (!tt)
		util_oom();
	int ret = MENTOR_ERR;
	if (modelio_tok_merge_pairs(t, &pairs, err))
		goto out;
	size_t nt = modelio_tensor_table(cfg, MODELIO_GGUF, tt);
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
	bad |= modelio_chat_template(t, &s) ||
	       modelio_kv_str(&kv, "tokenizer.chat_template", s.data),
		n_kv++;
	/* mentor's own: the exact merge pairs (token strings may repeat) and the
	 * run's configuration, so that an import gives back the same run */
	bad |= modelio_kv_u32(&kv, "mentor.format_version", 1), n_kv++;
	bad |= modelio_kv_str(&kv, "mentor.tokenizer.pre",
			      tokenizer_pretok_name(tokenizer_pretok(t))),
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
		ok = !modelio_write_tensor(o.f, mm->params, &tt[i]) &&
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

/* ------------------------------------------------------------ GGUF reader */

/* The vocabulary of a GGUF file's metadata into voc, whose token and merge
 * strings stay kv's (voc->tok and voc->merges must be cleared before
 * modelio_vocab_release). Mentor's own files (a mentor.* key) keep the pre-tokenizer
 * they name, mentor's when none; other files get GPT-2's. */
int modelio_gguf_vocab(const struct modelio_gkv *kv, size_t n_kv, struct modelio_vocab *voc,
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
		voc->merge_ids = malloc((voc->n_merge_ids ? voc->n_merge_ids : 1) *
					sizeof(int32_t));
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
	const struct modelio_gkv *kff = modelio_gkv_find(kv, (size_t)n_kv,
							 "gpt2.feed_forward_length");
	if (kff && (!modelio_gkv_is_int(kff) || kff->i != 4 * (int64_t)C)) {
		util_err(err, "cannot read '%s': feed_forward_length must be 4 x %d", path, C);
		goto out;
	}
	const struct modelio_gkv *keps = modelio_gkv_find(kv, (size_t)n_kv,
							  "gpt2.attention.layer_norm_epsilon");
	if (keps && (keps->type != GGUF_T_F32 && keps->type != GGUF_T_F64)) {
		util_err(err, "cannot read '%s': layer_norm_epsilon is not a float", path);
		goto out;
	}
	if (keps && fabs(keps->f - 1e-5) > 1e-9) {
		util_err(err, "cannot read '%s': layer norm epsilon %g; mentor's model uses 1e-5",
			 path, keps->f);
		goto out;
	}
	if (modelio_gguf_vocab(kv, (size_t)n_kv, &voc, path, err))
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
	if (modelio_check_tensors(&r, ft, (size_t)n_t, MODELIO_GGUF, &out->mcfg, voc.n_tok) ||
	    modelio_alloc_params(out, path, err))
		goto out;
	if (modelio_fill_params(&r, ft, (size_t)n_t, MODELIO_GGUF, out, perm, voc.n_tok))
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
