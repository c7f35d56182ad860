/* gguf: the GGUF v3 container shared by modelio's readers and writers:
 * metadata values and tensor infos read with every count, length and
 * offset checked against the file, and the little-endian writers of keys
 * and values (see src/modelio_int.h). */
#include <stdlib.h>
#include <string.h>

#include "modelio_int.h"

/* ggml's tensor type names by id (ggml.h's enum ggml_type), for messages
 * about the ones mentor cannot read; missing ids are ones ggml retired. */
const char *modelio_ggml_type_name(uint32_t type)
{
	static const char *const names[] = {
		[0] = "F32",      [1] = "F16",     [2] = "Q4_0",     [3] = "Q4_1",
		[6] = "Q5_0",     [7] = "Q5_1",    [8] = "Q8_0",     [9] = "Q8_1",
		[10] = "Q2_K",    [11] = "Q3_K",   [12] = "Q4_K",    [13] = "Q5_K",
		[14] = "Q6_K",    [15] = "Q8_K",   [16] = "IQ2_XXS", [17] = "IQ2_XS",
		[18] = "IQ3_XXS", [19] = "IQ1_S",  [20] = "IQ4_NL",  [21] = "IQ3_S",
		[22] = "IQ2_S",   [23] = "IQ4_XS", [24] = "I8",      [25] = "I16",
		[26] = "I32",     [27] = "I64",    [28] = "F64",     [29] = "IQ1_M",
		[30] = "BF16",    [34] = "TQ1_0",  [35] = "TQ2_0",   [39] = "MXFP4",
		[40] = "NVFP4",   [41] = "Q1_0",
	};
	return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

/* ------------------------------------------------------------ writing */

int modelio_g_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4];
	modelio_put_le32(p, v);
	return buf_append(b, p, 4);
}

int modelio_g_u64(struct buf *b, uint64_t v)
{
	unsigned char p[8];
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return buf_append(b, p, 8);
}

int modelio_g_str(struct buf *b, const char *s, size_t n)
{
	return modelio_g_u64(b, n) || buf_append(b, s, n);
}

int modelio_g_key(struct buf *b, const char *key, uint32_t type)
{
	return modelio_g_str(b, key, strlen(key)) || modelio_g_u32(b, type);
}

int modelio_kv_u32(struct buf *b, const char *key, uint32_t v)
{
	return modelio_g_key(b, key, GGUF_T_U32) || modelio_g_u32(b, v);
}

int modelio_kv_str(struct buf *b, const char *key, const char *v)
{
	return modelio_g_key(b, key, GGUF_T_STRING) || modelio_g_str(b, v, strlen(v));
}

int modelio_kv_f32(struct buf *b, const char *key, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	return modelio_g_key(b, key, GGUF_T_F32) || modelio_g_u32(b, u);
}

int modelio_kv_f64(struct buf *b, const char *key, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	return modelio_g_key(b, key, GGUF_T_F64) || modelio_g_u64(b, u);
}

int modelio_kv_bool(struct buf *b, const char *key, int v)
{
	unsigned char c = v ? 1 : 0;
	return modelio_g_key(b, key, GGUF_T_BOOL) || buf_append(b, &c, 1);
}

int modelio_gguf_info(struct buf *h, const char *name, int vector, uint64_t rows, uint64_t cols,
		      uint64_t *data_off)
{
	int bad = modelio_g_str(h, name, strlen(name));
	if (vector)
		bad |= modelio_g_u32(h, 1) || modelio_g_u64(h, cols);
	else /* ne[0] is the fastest-varying dimension: columns */
		bad |= modelio_g_u32(h, 2) || modelio_g_u64(h, cols) || modelio_g_u64(h, rows);
	bad |= modelio_g_u32(h, GGML_F32) || modelio_g_u64(h, *data_off);
	*data_off += (rows * cols * 4 + MODELIO_GGUF_ALIGNMENT - 1) / MODELIO_GGUF_ALIGNMENT *
		     MODELIO_GGUF_ALIGNMENT;
	return bad;
}

int modelio_gguf_pad(FILE *f, uint64_t bytes)
{
	static const char zeros[MODELIO_GGUF_ALIGNMENT];
	size_t pad = (MODELIO_GGUF_ALIGNMENT - bytes % MODELIO_GGUF_ALIGNMENT) %
		     MODELIO_GGUF_ALIGNMENT;
	return pad && fwrite(zeros, 1, pad, f) != pad ? -1 : 0;
}

/* ------------------------------------------------------------ reading */

void modelio_gkv_free(struct modelio_gkv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].s);
		for (uint64_t k = 0; kv[i].astr && k < kv[i].an; k++)
			free(kv[i].astr[k]);
		free(kv[i].astr);
		free(kv[i].aint);
	}
	free(kv);
}

static int g_rdstr(struct modelio_rd *r, char **out, uint64_t cap, const char *what)
{
	uint64_t n;
	*out = NULL;
	if (modelio_rd_u64(r, &n, what))
		return MENTOR_ERR;
	if (n > r->size - r->pos)
		return util_err(r->err,
				"cannot read '%s': %s claims a string of %llu bytes but only "
				"%llu bytes remain",
				r->path, what, (unsigned long long)n,
				(unsigned long long)(r->size - r->pos));
	if (n > cap)
		return util_err(r->err,
				"cannot read '%s': %s has a string of %llu bytes (at most "
				"%llu)",
				r->path, what, (unsigned long long)n, (unsigned long long)cap);
	char *s = malloc((size_t)n + 1);
	if (!s)
		util_oom();
	if (modelio_rd_get(r, s, n, what)) {
		free(s);
		return MENTOR_ERR;
	}
	s[n] = 0;
	if (memchr(s, 0, (size_t)n)) {
		free(s);
		return util_err(r->err, "cannot read '%s': %s has a string with a NUL byte",
				r->path, what);
	}
	*out = s;
	return 0;
}

static const unsigned g_scalar_size[GGUF_T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

/* Read one scalar of type t into kv (i or f). */
static int g_scalar(struct modelio_rd *r, uint32_t t, int64_t *iv, double *fv, const char *what)
{
	unsigned char p[8];
	unsigned n = g_scalar_size[t];
	if (modelio_rd_get(r, p, n, what))
		return MENTOR_ERR;
	uint64_t u = 0;
	for (unsigned k = 0; k < n; k++)
		u |= (uint64_t)p[k] << (8 * k);
	switch (t) {
	case GGUF_T_I8: *iv = (int8_t)u; break;
	case GGUF_T_I16: *iv = (int16_t)u; break;
	case GGUF_T_I32: *iv = (int32_t)u; break;
	case GGUF_T_I64: *iv = (int64_t)u; break;
	case GGUF_T_BOOL:
		if (u > 1)
			return util_err(r->err, "cannot read '%s': %s has a bool of value %u",
					r->path, what, (unsigned)u);
		*iv = (int64_t)u;
		break;
	case GGUF_T_F32: {
		uint32_t w = (uint32_t)u;
		float f;
		memcpy(&f, &w, 4);
		*fv = f;
		break;
	}
	case GGUF_T_F64: memcpy(fv, &u, 8); break;
	default: *iv = u > INT64_MAX ? -1 : (int64_t)u; break;
	}
	return 0;
}

static int g_value(struct modelio_rd *r, struct modelio_gkv *kv)
{
	const char *what = kv->key;
	if (kv->type >= GGUF_T_COUNT)
		return util_err(r->err, "cannot read '%s': metadata '%s' has unknown type %u",
				r->path, what, kv->type);
	if (kv->type == GGUF_T_STRING)
		return g_rdstr(r, &kv->s, MODELIO_MAX_GGUF_STRING, what);
	if (kv->type != GGUF_T_ARRAY)
		return g_scalar(r, kv->type, &kv->i, &kv->f, what);
	if (modelio_rd_u32(r, &kv->atype, what) || modelio_rd_u64(r, &kv->an, what))
		return MENTOR_ERR;
	if (kv->atype >= GGUF_T_COUNT || kv->atype == GGUF_T_ARRAY)
		return util_err(r->err,
				"cannot read '%s': metadata '%s' is an array of type %u "
				"(unsupported)",
				r->path, what, kv->atype);
	uint64_t min_each = kv->atype == GGUF_T_STRING ? 8 : g_scalar_size[kv->atype];
	if (kv->an > (r->size - r->pos) / min_each)
		return util_err(r->err,
				"cannot read '%s': metadata array '%s' claims %llu elements but "
				"only %llu bytes remain",
				r->path, what, (unsigned long long)kv->an,
				(unsigned long long)(r->size - r->pos));
	if (kv->an > MODELIO_MAX_GGUF_ARRAY)
		return util_err(r->err,
				"cannot read '%s': metadata array '%s' has %llu elements (at "
				"most %u)",
				r->path, what, (unsigned long long)kv->an, MODELIO_MAX_GGUF_ARRAY);
	uint64_t n = kv->an;
	if (kv->atype == GGUF_T_STRING) {
		kv->astr = calloc(n ? n : 1, sizeof *kv->astr);
		if (!kv->astr)
			util_oom();
		for (uint64_t k = 0; k < n; k++)
			if (g_rdstr(r, &kv->astr[k], MODELIO_MAX_GGUF_STRING, what))
				return MENTOR_ERR;
		return 0;
	}
	int is_int = kv->atype != GGUF_T_F32 && kv->atype != GGUF_T_F64;
	if (is_int) {
		kv->aint = malloc((n ? n : 1) * sizeof *kv->aint);
		if (!kv->aint)
			util_oom();
	}
	for (uint64_t k = 0; k < n; k++) {
		int64_t iv = 0;
		double fv = 0;
		if (g_scalar(r, kv->atype, &iv, &fv, what))
			return MENTOR_ERR;
		if (is_int)
			kv->aint[k] = iv;
	}
	return 0;
}

const struct modelio_gkv *modelio_gkv_find(const struct modelio_gkv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return &kv[i];
	return NULL;
}

int modelio_gkv_is_int(const struct modelio_gkv *k)
{
	return k && k->type != GGUF_T_F32 && k->type != GGUF_T_F64 && k->type != GGUF_T_STRING &&
	       k->type != GGUF_T_ARRAY && k->type != GGUF_T_BOOL;
}

/* A positive integer hyperparameter. */
int modelio_gguf_dim(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n, const char *key,
		     int *out)
{
	const struct modelio_gkv *k = modelio_gkv_find(kv, n, key);
	if (!k)
		return util_err(r->err, "cannot read '%s': metadata '%s' is missing", r->path, key);
	if (!modelio_gkv_is_int(k) || k->i <= 0 || k->i > 1 << 30)
		return util_err(r->err, "cannot read '%s': metadata '%s' is not a positive integer",
				r->path, key);
	*out = (int)k->i;
	return 0;
}

/* Read a GGUF file's header and metadata from r (at its start): *kv gets
 * *n_kv entries (freed with modelio_gkv_free(*kv, *n_kv) also on failure), *n_t the
 * tensor count the header claims; r is left at the tensor infos. */
int modelio_gguf_meta(struct modelio_rd *r, struct modelio_gkv **kv, uint64_t *n_kv, uint64_t *n_t)
{
	const char *path = r->path;
	char *err = r->err;
	char magic[4];
	uint32_t version;
	*kv = NULL;
	*n_kv = *n_t = 0;
	if (modelio_rd_get(r, magic, 4, "the header"))
		return MENTOR_ERR;
	if (memcmp(magic, GGUF_MAGIC, 4))
		return util_err(err, "cannot read '%s': not a GGUF file (bad magic)", path);
	if (modelio_rd_u32(r, &version, "the header"))
		return MENTOR_ERR;
	if (version < 2 || version > 3)
		return util_err(err, "cannot read '%s': GGUF version %u is not supported (2 or 3)",
				path, version);
	uint64_t nkv, nt;
	if (modelio_rd_u64(r, &nt, "the header") || modelio_rd_u64(r, &nkv, "the header"))
		return MENTOR_ERR;
	/* a metadata entry takes at least 12 bytes, a tensor entry 24 */
	if (nkv > (r->size - r->pos) / 12 || nt > (r->size - r->pos) / 24)
		return util_err(err,
				"cannot read '%s': the header claims %llu metadata entries and "
				"%llu tensors but only %llu bytes remain",
				path, (unsigned long long)nkv, (unsigned long long)nt,
				(unsigned long long)(r->size - r->pos));
	if (nkv > MODELIO_MAX_GGUF_KV || nt > MODELIO_MAX_GGUF_TENSORS)
		return util_err(err,
				"cannot read '%s': %llu metadata entries and %llu tensors "
				"(corrupt or too many)",
				path, (unsigned long long)nkv, (unsigned long long)nt);
	*n_t = nt;
	*kv = calloc(nkv ? nkv : 1, sizeof **kv);
	if (!*kv)
		util_oom();
	struct modelio_gkv *k = *kv;
	for (uint64_t i = 0; i < nkv; i++) {
		*n_kv = i + 1;
		if (g_rdstr(r, &k[i].key, 65535, "a metadata key") ||
		    modelio_rd_u32(r, &k[i].type, k[i].key) || g_value(r, &k[i]))
			return MENTOR_ERR;
		if (modelio_gkv_find(k, (size_t)i, k[i].key))
			return util_err(err, "cannot read '%s': metadata '%s' appears twice", path,
					k[i].key);
	}
	return 0;
}

/* The tensor infos that follow the metadata (r is left after them), each
 * checked to lie inside the file, offsets made absolute. */
int modelio_gguf_tensors(struct modelio_rd *r, const struct modelio_gkv *kv, size_t n_kv,
			 uint64_t n_t, struct modelio_ftensor **out)
{
	const char *path = r->path;
	char *err = r->err;
	struct modelio_ftensor *ft;
	ft = calloc(n_t ? n_t : 1, sizeof *ft);
	if (!ft)
		util_oom();
	uint64_t align = MODELIO_GGUF_ALIGNMENT;
	const struct modelio_gkv *ka = modelio_gkv_find(kv, n_kv, "general.alignment");
	if (ka) {
		if (!modelio_gkv_is_int(ka) || ka->i < 1 || ka->i > 65536 ||
		    (ka->i & (ka->i - 1))) {
			util_err(err, "cannot read '%s': invalid general.alignment", path);
			goto fail;
		}
		align = (uint64_t)ka->i;
	}
	for (uint64_t i = 0; i < n_t; i++) {
		struct modelio_ftensor *t = &ft[i];
		uint32_t nd, type;
		if (g_rdstr(r, &t->name, 256, "a tensor name")) {
			goto fail;
		}
		if (modelio_rd_u32(r, &nd, t->name))
			goto fail;
		if (nd < 1 || nd > 4) {
			util_err(err, "cannot read '%s': tensor '%s' has %u dimensions", path,
				 t->name, nd);
			goto fail;
		}
		t->n_dims = (int)nd;
		uint64_t ne[4], count = 1;
		for (uint32_t d = 0; d < nd; d++) {
			if (modelio_rd_u64(r, &ne[d], t->name))
				goto fail;
			if (ne[d] == 0 || ne[d] > (1u << 31) || count > (UINT64_MAX >> 1) / ne[d]) {
				util_err(err, "cannot read '%s': tensor '%s' has an invalid shape",
					 path, t->name);
				goto fail;
			}
			count *= ne[d];
		}
		for (uint32_t d = 0; d < nd; d++) /* ggml's ne[0] is the fastest */
			t->dims[d] = ne[nd - 1 - d];
		if (modelio_rd_u32(r, &type, t->name) || modelio_rd_u64(r, &t->off, t->name))
			goto fail;
		if (type == GGML_F32) {
			t->dt = MODELIO_DT_F32;
		} else if (type == GGML_F16) {
			t->dt = MODELIO_DT_F16;
		} else if (type == GGML_BF16) {
			t->dt = MODELIO_DT_BF16;
		} else if (modelio_ggml_type_name(type)) {
			util_err(err,
				 "cannot read '%s': tensor '%s' has type %s, which mentor cannot "
				 "import (only F32, F16 and BF16; convert the model again with "
				 "--outtype f32, f16 or bf16)",
				 path, t->name, modelio_ggml_type_name(type));
			goto fail;
		} else {
			util_err(err,
				 "cannot read '%s': tensor '%s' has unknown type %u (only F32, "
				 "F16 and BF16 can be imported)",
				 path, t->name, type);
			goto fail;
		}
		if (t->off % align) {
			util_err(err, "cannot read '%s': tensor '%s' is not aligned", path,
				 t->name);
			goto fail;
		}
		if (modelio_ftensor_find(ft, (size_t)i, t->name)) {
			util_err(err, "cannot read '%s': tensor '%s' appears twice", path, t->name);
			goto fail;
		}
		if (count > r->size / modelio_dt_size(t->dt)) {
			util_err(err, "cannot read '%s': tensor '%s' is larger than the file", path,
				 t->name);
			goto fail;
		}
	}
	uint64_t data_start = (r->pos + align - 1) / align * align;
	if (data_start > r->size) {
		util_err(err, "cannot read '%s': truncated before the tensor data", path);
		goto fail;
	}
	for (uint64_t i = 0; i < n_t; i++) {
		uint64_t count = 1;
		for (int d = 0; d < ft[i].n_dims; d++)
			count *= ft[i].dims[d];
		uint64_t bytes = count * modelio_dt_size(ft[i].dt);
		if (ft[i].off > r->size - data_start || bytes > r->size - data_start - ft[i].off) {
			util_err(err,
				 "cannot read '%s': truncated: tensor '%s' ends past the end of "
				 "the file",
				 path, ft[i].name);
			goto fail;
		}
		ft[i].off += data_start;
	}
	*out = ft;
	return 0;
fail:
	modelio_ftensors_free(ft, (size_t)n_t);
	*out = NULL;
	return MENTOR_ERR;
}
