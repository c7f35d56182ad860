/* train_ckpt: checkpoint files: the hashed writer and the bounded reader, save
 * and load (configuration, tokenizer, shape, weights, optimizer moments), and
 * the student a checkpoint describes. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mentor/tokenizer.h"
#include "train_int.h"

/* ------------------------------------------------------------ checkpoints */

struct ckw {
	FILE *f;
	uint64_t h;
	int failed;
};

static void ckw_put(struct ckw *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	w->h = util_fnv1a(p, n, w->h);
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = 1;
}

static void ckw_u32(struct ckw *w, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	ckw_put(w, b, 4);
}

static void ckw_u64(struct ckw *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	ckw_put(w, b, 8);
}

static void ckw_f64(struct ckw *w, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	ckw_u64(w, v);
}

int train_ckpt_save(const char *path, const struct train_ckpt *c, char *err)
{
	/* floats are written in host order; the format is little-endian */
	const uint32_t probe = 1;
	if (*(const unsigned char *)&probe != 1)
		return util_err(err, "cannot write checkpoint '%s': big-endian host", path);
	struct buf tmp, tokimg;
	buf_init(&tmp);
	buf_init(&tokimg);
	char *json = NULL;
	int ret = MENTOR_ERR;
	if (buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) {
		util_err(err, "out of memory");
		goto out;
	}
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_save(c->tok, &tokimg, sub)) {
		util_err(err, "cannot write checkpoint '%s': %s", path, sub);
		goto out;
	}
	json = train_config_to_json(&c->cfg);
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	struct ckw w = {fdopen(fd, "wb"), 0, 0};
	if (!w.f) {
		close(fd);
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	ckw_put(&w, TRAIN_CKPT_MAGIC, 8);
	ckw_u32(&w, TRAIN_CKPT_VERSION);
	ckw_u32(&w, c->m && c->v ? 1u : 0u);
	ckw_u32(&w, (uint32_t)strlen(json));
	ckw_put(&w, json, strlen(json));
	ckw_u32(&w, (uint32_t)tokimg.len);
	ckw_put(&w, tokimg.data, tokimg.len);
	ckw_u32(&w, (uint32_t)c->arch);
	if (c->arch == STUDENT_LLAMA) {
		struct llama_config l = c->lcfg;
		for (size_t i = 0; i < train_n_llama_ints; i++)
			ckw_u32(&w, (uint32_t)*train_llama_int(&l, i));
		for (size_t i = 0; i < train_n_llama_reals; i++)
			ckw_f64(&w, *train_llama_real(&l, i));
	} else {
		ckw_u32(&w, (uint32_t)c->mcfg.vocab_size);
		ckw_u32(&w, (uint32_t)c->mcfg.max_seq_len);
		ckw_u32(&w, (uint32_t)c->mcfg.n_layer);
		ckw_u32(&w, (uint32_t)c->mcfg.n_head);
		ckw_u32(&w, (uint32_t)c->mcfg.n_embd);
	}
	ckw_u64(&w, c->n_params);
	ckw_u64(&w, (uint64_t)c->step);
	ckw_u64(&w, (uint64_t)c->total_steps);
	ckw_u64(&w, c->rng_state);
	ckw_u64(&w, c->data_hash);
	ckw_f64(&w, c->elapsed);
	ckw_put(&w, c->params, c->n_params * sizeof(float));
	if (c->m && c->v) {
		ckw_put(&w, c->m, c->n_params * sizeof(float));
		ckw_put(&w, c->v, c->n_params * sizeof(float));
	}
	uint64_t h = w.h;
	ckw_u64(&w, h);
	if (w.failed || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		fclose(w.f);
		goto out_unlink;
	}
	if (fclose(w.f) != 0) {
		util_err(err, "cannot write checkpoint '%s': %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp.data, path) != 0) {
		util_err(err, "cannot rename '%s' to '%s': %s", tmp.data, path, strerror(errno));
		goto out_unlink;
	}
	ret = 0;
	goto out;
out_unlink:
	unlink(tmp.data);
out:
	free(json);
	buf_release(&tokimg);
	buf_release(&tmp);
	return ret;
}

/* A bounded reader over a checkpoint file. */
struct ckr {
	FILE *f;
	uint64_t h;
	uint64_t left; /* bytes not read yet */
	const char *path;
	char *err;
};

static int ckr_get(struct ckr *r, void *p, size_t n, const char *what)
{
	if (n > r->left)
		return util_err(r->err, "cannot load checkpoint '%s': truncated in %s", r->path,
				what);
	if (n && fread(p, 1, n, r->f) != n)
		return util_err(r->err, "cannot load checkpoint '%s': read error in %s", r->path,
				what);
	r->left -= n;
	r->h = util_fnv1a(p, n, r->h);
	return 0;
}

static int ckr_u32(struct ckr *r, uint32_t *v, const char *what)
{
	unsigned char b[4];
	if (ckr_get(r, b, 4, what))
		return MENTOR_ERR;
	*v = 0;
	for (int i = 0; i < 4; i++)
		*v |= (uint32_t)b[i] << (8 * i);
	return 0;
}

static int ckr_u64(struct ckr *r, uint64_t *v, const char *what)
{
	unsigned char b[8];
	if (ckr_get(r, b, 8, what))
		return MENTOR_ERR;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return 0;
}

void train_ckpt_release(struct train_ckpt *c)
{
	if (!c)
		return;
	tokenizer_free(c->tok);
	free(c->params);
	free(c->m);
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* Open a checkpoint for reading: the stream at its start. */
static int ckr_open(struct ckr *r, const char *path, char *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->err = err;
	r->f = fopen(path, "rb");
	if (!r->f)
		return util_err(err, "cannot load checkpoint '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(r->f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(r->f);
		r->f = NULL;
		return util_err(err, "cannot load checkpoint '%s': not a regular file", path);
	}
	r->left = (uint64_t)sb.st_size;
	return 0;
}

/* Read a checkpoint's head, magic to tokenizer: *flags, the configuration
 * JSON (*json, a heap string) and the tokenizer (*tok, owned). Both are
 * set to what was read so far also on failure; the caller frees them. */
static int ckpt_read_head(struct ckr *r, uint32_t *version, uint32_t *flags, char **json,
			  struct tokenizer **tok)
{
	const char *path = r->path;
	char *err = r->err;
	unsigned char *tokimg = NULL;
	int ret = MENTOR_ERR;
	char magic[8];
	uint32_t json_len, tok_len;
	*json = NULL;
	*tok = NULL;
	if (ckr_get(r, magic, 8, "the header"))
		goto out;
	if (memcmp(magic, TRAIN_CKPT_MAGIC, 8)) {
		util_err(err, "cannot load checkpoint '%s': not a mentor checkpoint (bad magic)",
			 path);
		goto out;
	}
	if (ckr_u32(r, version, "the header") || ckr_u32(r, flags, "the header"))
		goto out;
	if (*version < 1 || *version > TRAIN_CKPT_VERSION) {
		util_err(err,
			 "cannot load checkpoint '%s': format version %u, this mentor reads "
			 "versions 1 to %u; use the mentor that wrote it or train again",
			 path, *version, TRAIN_CKPT_VERSION);
		goto out;
	}
	if (*version == 1) {
		/* version 1 was hashed from a basis one digit short: again */
		unsigned char head[16];
		memcpy(head, magic, 8);
		for (int i = 0; i < 4; i++) {
			head[8 + i] = (unsigned char)(*version >> (8 * i));
			head[12 + i] = (unsigned char)(*flags >> (8 * i));
		}
		r->h = util_fnv1a(head, sizeof head, UTIL_FNV1A_BASIS_V1);
	}
	if (*flags > 1) {
		util_err(err, "cannot load checkpoint '%s': corrupt header (flags %u)", path,
			 *flags);
		goto out;
	}
	if (ckr_u32(r, &json_len, "the configuration"))
		goto out;
	if (json_len > TRAIN_CKPT_MAX_JSON || json_len > r->left) {
		util_err(err, "cannot load checkpoint '%s': corrupt configuration length %u", path,
			 json_len);
		goto out;
	}
	*json = malloc((size_t)json_len + 1);
	if (!*json)
		util_oom();
	if (ckr_get(r, *json, json_len, "the configuration"))
		goto out;
	(*json)[json_len] = 0;
	if (ckr_u32(r, &tok_len, "the tokenizer"))
		goto out;
	if (tok_len > TRAIN_CKPT_MAX_TOKENIZER || tok_len > r->left) {
		util_err(err, "cannot load checkpoint '%s': corrupt tokenizer length %u", path,
			 tok_len);
		goto out;
	}
	tokimg = malloc(tok_len ? tok_len : 1);
	if (!tokimg)
		util_oom();
	if (ckr_get(r, tokimg, tok_len, "the tokenizer"))
		goto out;
	size_t used = 0;
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_load(tokimg, tok_len, &used, tok, sub)) {
		util_err(err, "cannot load checkpoint '%s': %s", path, sub);
		goto out;
	}
	if (used != tok_len) {
		util_err(err, "cannot load checkpoint '%s': corrupt tokenizer image", path);
		goto out;
	}
	ret = 0;
out:
	free(tokimg);
	return ret;
}

int train_ckpt_load_tokenizer(const char *path, struct tokenizer **tok, char *err)
{
	struct ckr r;
	*tok = NULL;
	if (ckr_open(&r, path, err))
		return MENTOR_ERR;
	uint32_t version, flags;
	char *json;
	int rc = ckpt_read_head(&r, &version, &flags, &json, tok);
	free(json);
	fclose(r.f);
	if (rc) {
		tokenizer_free(*tok);
		*tok = NULL;
	}
	return rc;
}

void train_ckpt_student_config(const struct train_ckpt *c, struct student_config *out)
{
	memset(out, 0, sizeof *out);
	out->arch = c->arch;
	out->gpt2 = c->mcfg;
	out->llama = c->lcfg;
}

int train_ckpt_student(const struct train_ckpt *c, struct student **out, char *err)
{
	struct student_config sc;
	train_ckpt_student_config(c, &sc);
	*out = NULL;
	int rc = student_new(&sc, c->cfg.seed, out, err);
	if (rc)
		return rc;
	if (!c->params || c->n_params != student_num_params(*out)) {
		student_free(*out);
		*out = NULL;
		return util_err(err, "checkpoint holds no parameters of the model's shape");
	}
	memcpy(student_params(*out), c->params, c->n_params * sizeof(float));
	return 0;
}

static int ckr_f64(struct ckr *r, double *d, const char *what)
{
	uint64_t v;
	if (ckr_u64(r, &v, what))
		return MENTOR_ERR;
	memcpy(d, &v, 8);
	return 0;
}

/* The architecture and shape after the tokenizer into c: version 3 names
 * the architecture; earlier versions hold a GPT-2. The values are checked
 * by the caller (student_config_check). */
static int ckpt_read_shape(struct ckr *r, uint32_t version, struct train_ckpt *c)
{
	uint32_t arch = STUDENT_GPT2;
	if (version >= 3 && ckr_u32(r, &arch, "the architecture"))
		return MENTOR_ERR;
	if (arch >= STUDENT_N_ARCHS)
		return util_err(r->err,
				"cannot load checkpoint '%s': unknown architecture %u "
				"(written by a newer mentor?)",
				r->path, arch);
	c->arch = (int)arch;
	uint32_t v;
	if (arch == STUDENT_LLAMA) {
		for (size_t i = 0; i < train_n_llama_ints; i++) {
			if (ckr_u32(r, &v, "the model shape"))
				return MENTOR_ERR;
			if (v > INT_MAX)
				return util_err(r->err,
						"cannot load checkpoint '%s': corrupt "
						"model shape ('%s')",
						r->path, train_llama_ints[i].name);
			*train_llama_int(&c->lcfg, i) = (int)v;
		}
		for (size_t i = 0; i < train_n_llama_reals; i++)
			if (ckr_f64(r, train_llama_real(&c->lcfg, i), "the model shape"))
				return MENTOR_ERR;
		return 0;
	}
	int *f[5] = {&c->mcfg.vocab_size, &c->mcfg.max_seq_len, &c->mcfg.n_layer, &c->mcfg.n_head,
		     &c->mcfg.n_embd};
	for (int i = 0; i < 5; i++) {
		if (ckr_u32(r, &v, "the model shape"))
			return MENTOR_ERR;
		if (v > 1u << 30)
			return util_err(r->err, "cannot load checkpoint '%s': corrupt model shape",
					r->path);
		*f[i] = (int)v;
	}
	return 0;
}

int train_ckpt_load(const char *path, int with_moments, struct train_ckpt *c, char *err)
{
	memset(c, 0, sizeof *c);
	struct ckr r;
	if (ckr_open(&r, path, err))
		return MENTOR_ERR;
	FILE *f = r.f;
	char *json = NULL;
	int ret = MENTOR_ERR;
	uint32_t version, flags;
	char sub[MENTOR_ERR_LEN];
	if (ckpt_read_head(&r, &version, &flags, &json, &c->tok))
		goto out;
	if (train_config_from_json(json, &c->cfg, sub)) {
		util_err(err, "cannot load checkpoint '%s': %s", path, sub);
		goto out;
	}
	if (ckpt_read_shape(&r, version, c))
		goto out;
	if (c->cfg.arch != c->arch) {
		util_err(err,
			 "cannot load checkpoint '%s': its configuration names architecture "
			 "'%s', its model is '%s'",
			 path, student_arch_name(c->cfg.arch), student_arch_name(c->arch));
		goto out;
	}
	struct student_config sc;
	train_ckpt_student_config(c, &sc);
	if (student_config_check(&sc, sub)) {
		util_err(err, "cannot load checkpoint '%s': corrupt model shape: %s", path, sub);
		goto out;
	}
	if (student_config_vocab_size(&sc) != tokenizer_vocab_size(c->tok)) {
		util_err(err,
			 "cannot load checkpoint '%s': model vocabulary %d does not match its "
			 "tokenizer (%d)",
			 path, student_config_vocab_size(&sc), tokenizer_vocab_size(c->tok));
		goto out;
	}
	if (c->arch == STUDENT_LLAMA) {
		/* the shape a resumed run rebuilds from its configuration */
		struct student_config js;
		train_config_student(&c->cfg, c->lcfg.vocab_size, &js);
		if (!student_config_same(&js, &sc)) {
			util_err(err,
				 "cannot load checkpoint '%s': its configuration and its "
				 "model shape differ",
				 path);
			goto out;
		}
	}
	uint64_t np, step, total, rs, dh, el;
	if (ckr_u64(&r, &np, "the state") || ckr_u64(&r, &step, "the state") ||
	    ckr_u64(&r, &total, "the state") || ckr_u64(&r, &rs, "the state") ||
	    ckr_u64(&r, &dh, "the state") || ckr_u64(&r, &el, "the state"))
		goto out;
	if (np != student_config_num_params(&sc)) {
		util_err(err,
			 "cannot load checkpoint '%s': %llu parameters, the model shape needs "
			 "%zu",
			 path, (unsigned long long)np, student_config_num_params(&sc));
		goto out;
	}
	if (step > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX || step > total) {
		util_err(err, "cannot load checkpoint '%s': corrupt step counters", path);
		goto out;
	}
	c->n_params = (size_t)np;
	c->step = (int64_t)step;
	c->total_steps = (int64_t)total;
	c->rng_state = rs;
	c->data_hash = dh;
	memcpy(&c->elapsed, &el, 8);
	size_t bytes;
	if (util_mul_size(c->n_params, sizeof(float), &bytes)) {
		util_err(err, "cannot load checkpoint '%s': corrupt size", path);
		goto out;
	}
	/* the rest of the file must be exactly the tensors and the checksum */
	uint64_t want = (uint64_t)bytes * (flags ? 3u : 1u) + 8u;
	if (r.left != want) {
		util_err(err,
			 "cannot load checkpoint '%s': %s (%llu bytes of tensors, expected %llu)",
			 path, r.left < want ? "truncated" : "trailing bytes",
			 (unsigned long long)r.left, (unsigned long long)want);
		goto out;
	}
	if (with_moments == TRAIN_CKPT_HEADER) {
		ret = 0;
		goto out;
	}
	if (with_moments && !flags) {
		util_err(err, "cannot load checkpoint '%s': it holds no optimizer state to resume",
			 path);
		goto out;
	}
	c->params = malloc(bytes ? bytes : 1);
	if (!c->params) {
		util_err(err, "cannot load checkpoint '%s': out of memory", path);
		goto out;
	}
	if (ckr_get(&r, c->params, bytes, "the parameters"))
		goto out;
	if (flags && with_moments) {
		c->m = malloc(bytes ? bytes : 1);
		c->v = malloc(bytes ? bytes : 1);
		if (!c->m || !c->v) {
			util_err(err, "cannot load checkpoint '%s': out of memory", path);
			goto out;
		}
		if (ckr_get(&r, c->m, bytes, "the optimizer state") ||
		    ckr_get(&r, c->v, bytes, "the optimizer state"))
			goto out;
	} else if (flags) {
		/* not kept, but still covered by the checksum */
		unsigned char chunk[65536];
		uint64_t skip = (uint64_t)bytes * 2u;
		while (skip) {
			size_t k = skip < sizeof chunk ? (size_t)skip : sizeof chunk;
			if (ckr_get(&r, chunk, k, "the optimizer state"))
				goto out;
			skip -= k;
		}
	}
	uint64_t h = r.h, stored;
	if (ckr_u64(&r, &stored, "the checksum"))
		goto out;
	if (stored != h) {
		util_err(err,
			 "cannot load checkpoint '%s': checksum mismatch (the file is corrupt)",
			 path);
		goto out;
	}
	ret = 0;
out:
	free(json);
	fclose(f);
	if (ret)
		train_ckpt_release(c);
	return ret;
}
