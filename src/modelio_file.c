/* modelio_file: reading model files from outside with every length
 * checked against the file (F32, F16 and BF16 tensors converted exactly to
 * float32) and writing them atomically (see src/modelio_int.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelio_int.h"

int modelio_out_open(struct modelio_outfile *o, const char *path, char *err)
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
int modelio_out_close(struct modelio_outfile *o, int ok, char *err)
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

int modelio_rd_open(struct modelio_rd *r, const char *path, char *err)
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

int modelio_rd_get(struct modelio_rd *r, void *p, uint64_t n, const char *what)
{
	if (n > r->size - r->pos)
		return util_err(r->err, "cannot read '%s': truncated in %s (offset %llu)", r->path,
				what, (unsigned long long)r->pos);
	if (n && fread(p, 1, (size_t)n, r->f) != n)
		return util_err(r->err, "cannot read '%s': %s", r->path, strerror(errno));
	r->pos += n;
	return 0;
}

int modelio_rd_u32(struct modelio_rd *r, uint32_t *v, const char *what)
{
	unsigned char p[4];
	if (modelio_rd_get(r, p, 4, what))
		return MENTOR_ERR;
	*v = modelio_le32(p);
	return 0;
}

int modelio_rd_u64(struct modelio_rd *r, uint64_t *v, const char *what)
{
	unsigned char p[8];
	if (modelio_rd_get(r, p, 8, what))
		return MENTOR_ERR;
	*v = (uint64_t)modelio_le32(p) | (uint64_t)modelio_le32(p + 4) << 32;
	return 0;
}

void modelio_rd_close(struct modelio_rd *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1F, m = h & 0x3FF, u;
	if (e == 0) {
		float f = ldexpf((float)m, -24);
		return sign ? -f : f;
	}
	if (e == 31)
		u = sign | 0x7F800000u | (m << 13);
	else
		u = sign | ((e - 15 + 127) << 23) | (m << 13);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

size_t modelio_dt_size(int dt)
{
	return dt == MODELIO_DT_F32 ? 4 : 2;
}

/* Read n values of type dt at absolute offset off into dst as floats. */
int modelio_rd_floats(struct modelio_rd *r, uint64_t off, size_t n, int dt, float *dst,
		      const char *what)
{
	uint64_t bytes = (uint64_t)n * modelio_dt_size(dt);
	if (off > r->size || bytes > r->size - off)
		return util_err(r->err, "cannot read '%s': tensor '%s' lies outside the file",
				r->path, what);
	if (fseeko(r->f, (off_t)off, SEEK_SET) != 0)
		return util_err(r->err, "cannot read '%s': %s", r->path, strerror(errno));
	r->pos = off;
	if (dt == MODELIO_DT_F32)
		return modelio_rd_get(r, dst, bytes, what);
	unsigned char chunk[4096];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < sizeof chunk / 2 ? n - done : sizeof chunk / 2;
		if (modelio_rd_get(r, chunk, k * 2, what))
			return MENTOR_ERR;
		for (size_t i = 0; i < k; i++) {
			uint16_t h = (uint16_t)(chunk[2 * i] | chunk[2 * i + 1] << 8);
			if (dt == MODELIO_DT_F16) {
				dst[done + i] = half_to_float(h);
			} else {
				uint32_t u = (uint32_t)h << 16;
				memcpy(&dst[done + i], &u, 4);
			}
		}
		done += k;
	}
	return 0;
}

void modelio_ftensors_free(struct modelio_ftensor *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i].name);
	free(t);
}

struct modelio_ftensor *modelio_ftensor_find(struct modelio_ftensor *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}
