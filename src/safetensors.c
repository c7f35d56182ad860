/* safetensors: the header of a safetensors file (an 8-byte little-endian
 * length, a JSON object of tensors with dtype, shape and data_offsets)
 * parsed with every tensor checked to fill the data exactly once (see
 * src/modelio_int.h). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "modelio_int.h"

static int st_dtype(const char *s)
{
	if (!strcmp(s, "F32"))
		return MODELIO_DT_F32;
	if (!strcmp(s, "F16"))
		return MODELIO_DT_F16;
	if (!strcmp(s, "BF16"))
		return MODELIO_DT_BF16;
	return -1;
}

static int cmp_ft_off(const void *a, const void *b)
{
	const struct modelio_ftensor *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Parse a safetensors file's header into tensors (absolute offsets). */
int modelio_st_header(struct modelio_rd *r, struct modelio_ftensor **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	uint64_t hlen;
	if (modelio_rd_u64(r, &hlen, "the header length"))
		return MENTOR_ERR;
	if (hlen < 2 || hlen > MODELIO_MAX_ST_HEADER || hlen > r->size - 8)
		return util_err(r->err,
				"cannot read '%s': header length %llu is invalid (file of "
				"%llu bytes)",
				r->path, (unsigned long long)hlen, (unsigned long long)r->size);
	char *h = malloc((size_t)hlen + 1);
	if (!h)
		return util_err(r->err, "cannot read '%s': out of memory", r->path);
	if (modelio_rd_get(r, h, hlen, "the header")) {
		free(h);
		return MENTOR_ERR;
	}
	h[hlen] = 0;
	cJSON *j = cJSON_ParseWithLength(h, (size_t)hlen);
	free(h);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return util_err(r->err, "cannot read '%s': the header is not a JSON object",
				r->path);
	}
	uint64_t data_len = r->size - 8 - hlen;
	size_t cap = (size_t)cJSON_GetArraySize(j);
	struct modelio_ftensor *ft = calloc(cap ? cap : 1, sizeof *ft);
	if (!ft)
		util_oom();
	size_t n = 0;
	const cJSON *e;
	int ret = MENTOR_ERR;
	cJSON_ArrayForEach(e, j)
	{
		if (!strcmp(e->string, "__metadata__"))
			continue;
		const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
		const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
		const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
		struct modelio_ftensor *t = &ft[n];
		t->name = util_strdup(e->string);
		n++;
		if (!cJSON_IsString(dt) || (t->dt = st_dtype(dt->valuestring)) < 0) {
			util_err(r->err,
				 "cannot read '%s': tensor '%s' has an unsupported dtype "
				 "(F32, F16 or BF16)",
				 r->path, t->name);
			goto out;
		}
		int nd = cJSON_GetArraySize(shape);
		if (!cJSON_IsArray(shape) || nd > 4) {
			util_err(r->err, "cannot read '%s': tensor '%s' has an invalid shape",
				 r->path, t->name);
			goto out;
		}
		t->n_dims = nd;
		uint64_t count = 1;
		for (int d = 0; d < nd; d++) {
			int64_t v;
			if (modelio_json_int(cJSON_GetArrayItem(shape, d), 0, (double)(1u << 31),
					     &v) ||
			    (v && count > UINT64_MAX / 8 / (uint64_t)v)) {
				util_err(r->err,
					 "cannot read '%s': tensor '%s' has an invalid shape",
					 r->path, t->name);
				goto out;
			}
			t->dims[d] = (uint64_t)v;
			count *= (uint64_t)v;
		}
		int64_t b, en;
		if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 ||
		    modelio_json_int(cJSON_GetArrayItem(offs, 0), 0, 9007199254740992.0, &b) ||
		    modelio_json_int(cJSON_GetArrayItem(offs, 1), 0, 9007199254740992.0, &en) ||
		    en < b || (uint64_t)en > data_len) {
			util_err(r->err,
				 "cannot read '%s': tensor '%s' has data_offsets outside the "
				 "data (%llu bytes)",
				 r->path, t->name, (unsigned long long)data_len);
			goto out;
		}
		if ((uint64_t)(en - b) != count * modelio_dt_size(t->dt)) {
			util_err(r->err,
				 "cannot read '%s': tensor '%s' has %lld bytes for its shape "
				 "of %llu values",
				 r->path, t->name, (long long)(en - b), (unsigned long long)count);
			goto out;
		}
		t->off = (uint64_t)b;
		t->len = (uint64_t)(en - b);
	}
	qsort(ft, n, sizeof *ft, cmp_ft_off);
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (ft[i].off != at) {
			util_err(r->err,
				 "cannot read '%s': tensor data %s at byte %llu (tensor '%s')",
				 r->path, ft[i].off < at ? "overlaps" : "has a hole",
				 (unsigned long long)at, ft[i].name);
			goto out;
		}
		at += ft[i].len;
		ft[i].off += 8 + hlen;
	}
	if (at != data_len) {
		util_err(r->err, "cannot read '%s': %llu bytes after the last tensor", r->path,
			 (unsigned long long)(data_len - at));
		goto out;
	}
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(ft[i].name, ft[k].name)) {
				util_err(r->err, "cannot read '%s': tensor '%s' appears twice",
					 r->path, ft[i].name);
				goto out;
			}
	ret = 0;
out:
	cJSON_Delete(j);
	if (ret) {
		modelio_ftensors_free(ft, n);
		return ret;
	}
	*out = ft;
	*n_out = n;
	return 0;
}
