/* dataset: import of reasoning datasets. The file is streamed in 64 KiB
 * chunks and cut into records (JSON Lines, elements of a JSON array, CSV
 * records) of at most DATASET_MAX_RECORD bytes; each record is detected,
 * normalised to a store_item and upserted inside one transaction, so that a
 * bad record leaves the workspace exactly as it was. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "mentor/answer.h"
#include "mentor/dataset.h"
#include "mentor/util.h"
#include "dataset_int.h"

#define CHUNK (64 * 1024)
#define MAX_CSV_FIELDS 256
#define IMPORT_HASH_TAG "mentor-import-1"

/* --------------------------------------------------------------- reader */

/* A byte stream over a file or memory, in CHUNK blocks, hashing each block
 * so the import's content hash costs no second read. */
struct reader {
	FILE *f;
	const char *mem;
	size_t mem_len, mem_off;
	unsigned char *own; /* CHUNK bytes when reading a file */
	const unsigned char *data;
	size_t pos, len;
	int eof, io_err;
	struct buf hashes; /* hex SHA-256 of each block */
	long line;         /* line of the next byte, 1-based */
};

static void rd_init(struct reader *r, FILE *f, const char *mem, size_t mem_len)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->mem = mem;
	r->mem_len = mem_len;
	r->line = 1;
	buf_init(&r->hashes);
	if (f) {
		r->own = malloc(CHUNK);
		if (!r->own)
			util_oom();
	}
}

static void rd_release(struct reader *r)
{
	free(r->own);
	buf_release(&r->hashes);
}

/* Make pos < len; 0 at end of input. */
static int rd_fill(struct reader *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->eof)
		return 0;
	size_t n;
	if (r->f) {
		n = fread(r->own, 1, CHUNK, r->f);
		if (n < CHUNK && ferror(r->f))
			r->io_err = 1;
		r->data = r->own;
	} else {
		n = r->mem_len - r->mem_off;
		if (n > CHUNK)
			n = CHUNK;
		r->data = (const unsigned char *)r->mem + r->mem_off;
		r->mem_off += n;
	}
	r->pos = 0;
	r->len = n;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	char hex[65];
	util_sha256_hex(r->data, n, hex);
	if (buf_append(&r->hashes, hex, 64))
		util_oom();
	return 1;
}

static int rd_getc(struct reader *r)
{
	if (r->pos >= r->len && !rd_fill(r))
		return -1;
	int c = r->data[r->pos++];
	if (c == '\n')
		r->line++;
	return c;
}

static int rd_peek(struct reader *r)
{
	if (r->pos >= r->len && !rd_fill(r))
		return -1;
	return r->data[r->pos];
}

/* Back to the first byte, for a second pass. */
static int rd_rewind(struct reader *r)
{
	if (r->f) {
		if (fseek(r->f, 0, SEEK_SET))
			return -1;
		clearerr(r->f);
	}
	r->mem_off = 0;
	r->pos = r->len = 0;
	r->eof = r->io_err = 0;
	r->line = 1;
	buf_reset(&r->hashes);
	return 0;
}

/* Read everything left (hashing it). */
static void rd_drain(struct reader *r)
{
	while (rd_fill(r))
		r->pos = r->len;
}

/* The content hash: the block hashes and the options that shape the result. */
static void import_hash(const struct reader *r, const struct dataset_import_opts *o, char out[65])
{
	struct buf b;
	buf_init(&b);
	if (buf_printf(&b, "%s|%s|%s|%d|", IMPORT_HASH_TAG, o->format ? o->format : "auto",
		       o->split ? o->split : "", o->skip_bad ? 1 : 0) ||
	    buf_append(&b, r->hashes.data ? r->hashes.data : "", r->hashes.len))
		util_oom();
	util_sha256_hex(b.data, b.len, out);
	buf_release(&b);
}

/* --------------------------------------------------------------- import */

static const char *const split_names[3] = {"train", "dev", "test"};

struct import {
	struct store *st;
	const char *label;
	const struct dataset_import_opts *o;
	char format[16];
	int detect; /* format still to be detected */
	const char *file_split;
	int64_t dataset_id;
	struct util_idset ids; /* ext ids seen, with their line */
	int64_t *keep;
	size_t n_keep, cap_keep;
	struct dataset_import_result r;
	void (*on_skip)(void *u, const char *msg);
	void *u;
	char *err;
	int fatal;       /* a store error: stop at once */
	long elem;       /* 1-based element of a JSON array, else 0 */
	int splits_seen; /* bit i: an item of split_names[i] was imported */
};

/* A bad record: skipped (0) with skip_bad, else the import fails. */
static int bad(struct import *im, long line, const char *fmt, ...) MENTOR_PRINTF(3, 4);
static int bad(struct import *im, long line, const char *fmt, ...)
{
	char reason[MENTOR_ERR_LEN - 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	char msg[MENTOR_ERR_LEN];
	if (im->elem > 0)
		snprintf(msg, sizeof msg, "%s:%ld: element %ld: %s", im->label, line, im->elem,
			 reason);
	else
		snprintf(msg, sizeof msg, "%s:%ld: %s", im->label, line, reason);
	if (im->o->skip_bad) {
		im->r.n_skipped++;
		if (im->on_skip)
			im->on_skip(im->u, msg);
		return 0;
	}
	util_err(im->err, "%s", msg);
	return MENTOR_ERR;
}

/* Store a fatal (not record-level) error. */
static int fatal(struct import *im, const char *fmt, ...) MENTOR_PRINTF(2, 3);
static int fatal(struct import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(im->err, fmt, ap);
	va_end(ap);
	im->fatal = 1;
	return MENTOR_ERR;
}

static int import_object(struct import *im, const cJSON *o, long line, int csv)
{
	if (im->detect) {
		snprintf(im->format, sizeof im->format, "%s", dataset_detect(o));
		im->detect = 0;
	}
	struct store_item it;
	char reason[MENTOR_ERR_LEN];
	if (dataset_normalise_rec(o, im->format, csv, &it, reason))
		return bad(im, line, "%s", reason);
	if (!it.split)
		it.split = util_strdup(im->o->split     ? dataset_split_canonical(im->o->split)
				       : im->file_split ? im->file_split
							: "train");
	/* Without an id: "SPLIT:N" with N the line number, or the element
	 * number in an array (where many records may share a line). The split
	 * keeps apart the ids of a corpus's train.jsonl and test.jsonl when both
	 * are imported into one dataset. */
	long pos = im->elem > 0 ? im->elem : line;
	if (!it.ext_id) {
		char num[48];
		snprintf(num, sizeof num, "%s:%ld", it.split, pos);
		it.ext_id = util_strdup(num);
	}
	long first = util_idset_add(&im->ids, it.ext_id, pos);
	if (first < 0) {
		store_item_release(&it);
		return fatal(im, "%s: out of memory after %zu records", im->label, im->n_keep);
	}
	if (first) {
		int rc = bad(im, line, "duplicate id '%.100s' (first %s %ld)", it.ext_id,
			     im->elem > 0 ? "as element" : "on line", first);
		store_item_release(&it);
		return rc;
	}
	if (im->n_keep >= DATASET_MAX_ITEMS) {
		store_item_release(&it);
		return fatal(im, "%s: more than %d records", im->label, DATASET_MAX_ITEMS);
	}
	it.dataset_id = im->dataset_id;
	int what;
	char sub[MENTOR_ERR_LEN];
	if (store_item_put(im->st, &it, &what, sub)) {
		store_item_release(&it);
		return fatal(im, "%s:%ld: %s", im->label, line, sub);
	}
	if (im->n_keep == im->cap_keep) {
		size_t ncap = im->cap_keep ? im->cap_keep * 2 : 1024, bytes;
		int64_t *nk = NULL;
		if (!util_mul_size(ncap, sizeof *im->keep, &bytes))
			nk = realloc(im->keep, bytes);
		if (!nk) {
			store_item_release(&it);
			return fatal(im, "%s: out of memory after %zu records", im->label,
				     im->n_keep);
		}
		im->keep = nk;
		im->cap_keep = ncap;
	}
	im->keep[im->n_keep++] = it.id;
	for (int i = 0; i < 3; i++)
		if (!strcmp(it.split, split_names[i]))
			im->splits_seen |= 1 << i;
	im->r.n_items++;
	if (what == STORE_ITEM_NEW)
		im->r.n_new++;
	else if (what == STORE_ITEM_CHANGED)
		im->r.n_updated++;
	store_item_release(&it);
	return 0;
}

/* Where a JSON text stands after some of its bytes: inside a string (and
 * after a backslash there), and how deep in objects and arrays. */
struct json_scan {
	int depth, in_str, esc;
};

/* Take byte c; 1 when it closes the outermost object or array. */
static int json_scan(struct json_scan *js, int c)
{
	if (js->in_str) {
		if (js->esc)
			js->esc = 0;
		else if (c == '\\')
			js->esc = 1;
		else if (c == '"')
			js->in_str = 0;
	} else if (c == '"') {
		js->in_str = 1;
	} else if (c == '{' || c == '[') {
		js->depth++;
	} else if (c == '}' || c == ']') {
		return --js->depth <= 0;
	}
	return 0;
}

/* 1 if s ends inside a string or an open object/array: a cut record. */
static int json_unbalanced(const char *s, size_t n)
{
	struct json_scan js = {0};
	for (size_t i = 0; i < n; i++)
		json_scan(&js, (unsigned char)s[i]);
	return js.in_str || js.depth > 0;
}

/* Checks shared by every JSON record, then parse and import. at_eof: 0 in
 * a JSON array, 1 a JSON Lines line, 2 the last line (no newline). */
static int import_json(struct import *im, const char *s, size_t n, long line, int at_eof)
{
	size_t off;
	if (memchr(s, 0, n))
		return bad(im, line, "NUL byte in record at byte %zu",
			   (size_t)((const char *)memchr(s, 0, n) - s) + 1);
	if (!util_utf8_valid(s, n, 1, &off))
		return bad(im, line, "invalid UTF-8 at byte %zu", off + 1);
	/* \u0000 would cut a string short inside the parser. */
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 6 <= n && !memcmp(s + i + 2, "0000", 4))
			return bad(im, line, "NUL character (\\u0000) in a string at byte %zu",
				   i + 1);
		i++;
	}
	const char *end = NULL;
	/* s is NUL-terminated: passing n + 1 makes the parser insist that
	 * nothing but white space follows the value. */
	cJSON *o = cJSON_ParseWithLengthOpts(s, n + 1, &end, 1);
	if (!o) {
		size_t pos = end && end >= s ? (size_t)(end - s) : 0;
		if (pos >= n || json_unbalanced(s, n))
			return bad(im, line, "invalid JSON: record ends too early%s",
				   at_eof == 2   ? " (truncated last line?)"
				   : at_eof == 1 ? " (JSON Lines need one whole record per line)"
						 : "");
		return bad(im, line, "invalid JSON at byte %zu", pos + 1);
	}
	int rc;
	if (!cJSON_IsObject(o))
		rc = bad(im, line, "record is %s, not a JSON object", dataset_json_type(o));
	else
		rc = import_object(im, o, line, 0);
	cJSON_Delete(o);
	return rc;
}

static int all_ws(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!dataset_is_ws((unsigned char)s[i]))
			return 0;
	return 1;
}

/* JSON Lines: one object per line; blank lines are skipped. Lines longer
 * than the cap are consumed without being stored. */
static int read_jsonl(struct import *im, struct reader *r)
{
	struct buf line;
	buf_init(&line);
	int ret = 0;
	for (;;) {
		long ln = r->line;
		int too_long = 0, nl = 0;
		buf_reset(&line);
		while (rd_fill(r)) {
			const unsigned char *p = r->data + r->pos;
			size_t avail = r->len - r->pos;
			const unsigned char *e = memchr(p, '\n', avail);
			size_t take = e ? (size_t)(e - p) : avail;
			if (!too_long) {
				if (line.len + take > DATASET_MAX_RECORD)
					too_long = 1;
				else if (buf_append(&line, p, take))
					util_oom();
			}
			r->pos += take;
			if (e) {
				r->pos++;
				r->line++;
				nl = 1;
				break;
			}
		}
		if (!nl && line.len == 0 && !too_long)
			break;
		if (too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
		} else {
			size_t n = line.len;
			if (n && line.data[n - 1] == '\r')
				n--;
			if (!all_ws(line.data, n)) {
				line.data[n] = 0;
				ret = import_json(im, line.data, n, ln, nl ? 1 : 2);
			}
		}
		if (ret || !nl)
			break;
	}
	buf_release(&line);
	return ret;
}

static void skip_ws(struct reader *r)
{
	int c;
	while ((c = rd_peek(r)) >= 0 && dataset_is_ws(c))
		rd_getc(r);
}

/* A JSON array of objects, cut element by element without parsing the
 * whole document: strings and nesting are tracked to find each end. */
static int read_array(struct import *im, struct reader *r)
{
	struct buf el;
	buf_init(&el);
	int ret = 0;
	rd_getc(r); /* '[' */
	skip_ws(r);
	if (rd_peek(r) == ']') {
		rd_getc(r);
		goto tail;
	}
	for (;;) {
		skip_ws(r);
		long ln = r->line;
		buf_reset(&el);
		struct json_scan js = {0};
		int too_long = 0, done = 0, c;
		im->elem++;
		if (rd_peek(r) == ']') {
			ret = bad(im, ln, "trailing ',' before ']'");
			if (!ret)
				ret = 1;
			break;
		}
		while (!done && (c = rd_peek(r)) >= 0) {
			if (!js.in_str && js.depth == 0 &&
			    (c == ',' || c == ']' || dataset_is_ws(c)) && el.len)
				break;
			rd_getc(r);
			done = json_scan(&js, c);
			if (!too_long) {
				if (el.len >= DATASET_MAX_RECORD)
					too_long = 1;
				else if (buf_putc(&el, c))
					util_oom();
			}
		}
		if (too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
			if (ret)
				break;
		}
		if (!done && (js.in_str || js.depth > 0 || rd_peek(r) < 0)) {
			/* The input ended inside an element or before ']'. */
			if (too_long)
				ret = 1;
			else if (el.len && !all_ws(el.data, el.len))
				ret = bad(im, ln, "JSON array is truncated inside this element");
			else
				ret = bad(im, ln, "JSON array is truncated: missing ']'");
			if (!ret)
				ret = 1; /* nothing more to read */
			break;
		}
		if (!too_long)
			ret = import_json(im, el.data ? el.data : "", el.len, ln, 0);
		if (ret)
			break;
		skip_ws(r);
		c = rd_getc(r);
		if (c == ']')
			break;
		if (c != ',') {
			im->elem = 0;
			ret = bad(im, r->line,
				  c < 0 ? "JSON array is truncated: missing ']'"
					: "expected ',' or ']' between array elements");
			if (!ret)
				ret = 1;
			break;
		}
	}
	im->elem = 0;
	if (ret == 1) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
tail:
	skip_ws(r);
	if (rd_peek(r) >= 0)
		ret = bad(im, r->line, "unexpected data after the JSON array");
out:
	buf_release(&el);
	return ret;
}

/* One CSV record (RFC 4180): fields in rec separated by NUL, offsets in
 * starts. Returns 1 with a record, 0 at end of input, -1 with *why set. */
struct csv_rec {
	struct buf data;
	size_t starts[MAX_CSV_FIELDS];
	size_t n;
	int too_long, too_many;
};

static int csv_next(struct reader *r, struct csv_rec *cr, const char **why)
{
	buf_reset(&cr->data);
	cr->n = 0;
	cr->too_long = cr->too_many = 0;
	*why = NULL;
	if (rd_peek(r) < 0)
		return 0;
	int quoted = 0, after_quote = 0, field_start = 1, c;
	cr->starts[cr->n++] = 0;
	for (;;) {
		/* Fast path: a run of ordinary bytes within the current block. */
		if (!after_quote && rd_fill(r)) {
			const unsigned char *p = r->data + r->pos, *e = r->data + r->len, *q = p;
			if (quoted) {
				for (; q < e && *q != '"'; q++)
					r->line += *q == '\n';
			} else {
				while (q < e && *q != ',' && *q != '"' && *q != '\n' && *q != '\r')
					q++;
			}
			size_t run = (size_t)(q - p);
			if (run) {
				if (!cr->too_long) {
					if (cr->data.len + run > DATASET_MAX_RECORD)
						cr->too_long = 1;
					else if (buf_append(&cr->data, p, run))
						util_oom();
				}
				r->pos += run;
				field_start = 0;
				continue;
			}
		}
		c = rd_getc(r);
		if (c < 0) {
			if (quoted) {
				*why = "unterminated quoted field at end of file";
				return -1;
			}
			break;
		}
		if (quoted) {
			if (c == '"') {
				if (rd_peek(r) == '"') {
					rd_getc(r);
				} else {
					quoted = 0;
					after_quote = 1;
					continue;
				}
			}
		} else if (c == '"' && field_start) {
			quoted = 1;
			field_start = 0;
			continue;
		} else if (c == ',') {
			if (!cr->too_long && buf_putc(&cr->data, 0))
				util_oom();
			if (cr->n < MAX_CSV_FIELDS)
				cr->starts[cr->n++] = cr->data.len;
			else
				cr->too_many = 1;
			field_start = 1;
			after_quote = 0;
			continue;
		} else if (c == '\n') {
			break;
		} else if (c == '\r') {
			if (rd_peek(r) == '\n')
				continue;
			r->line++; /* a lone CR ends a line too */
			break;
		} else if (after_quote) {
			if (!*why)
				*why = "unexpected character after a closing quote";
		}
		field_start = 0;
		if (!cr->too_long) {
			if (cr->data.len >= DATASET_MAX_RECORD)
				cr->too_long = 1;
			else if (buf_putc(&cr->data, c))
				util_oom();
		}
	}
	if (!cr->data.data) {
		/* An empty first record: fields point into an allocated "". */
		if (buf_putc(&cr->data, 0))
			util_oom();
		cr->data.len = 0;
	}
	if (*why)
		return -1;
	return 1;
}

static int csv_blank(const struct csv_rec *cr)
{
	return cr->n == 1 && cr->data.len == 0;
}

static int read_csv(struct import *im, struct reader *r)
{
	struct csv_rec hdr, cr;
	memset(&hdr, 0, sizeof hdr);
	memset(&cr, 0, sizeof cr);
	buf_init(&hdr.data);
	buf_init(&cr.data);
	const char *why;
	int ret = 0, rc;
	long ln;
	do {
		ln = r->line;
		rc = csv_next(r, &hdr, &why);
	} while (rc == 1 && csv_blank(&hdr));
	if (rc == 0) {
		ret = fatal(im, "%s: empty file, no records", im->label);
		goto out;
	}
	if (rc < 0 || hdr.too_long || hdr.too_many) {
		ret = fatal(im, "%s:%ld: bad CSV header: %s", im->label, ln,
			    why            ? why
			    : hdr.too_long ? "longer than the record limit"
					   : "too many columns");
		goto out;
	}
	for (size_t i = 0; i < hdr.n; i++) {
		const char *h = hdr.data.data + hdr.starts[i];
		if (!*h) {
			ret = fatal(im, "%s:%ld: bad CSV header: column %zu has no name", im->label,
				    ln, i + 1);
			goto out;
		}
		if (!util_utf8_valid(h, strlen(h), 1, NULL)) {
			ret = fatal(im, "%s:%ld: bad CSV header: invalid UTF-8", im->label, ln);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(h, hdr.data.data + hdr.starts[j])) {
				ret = fatal(im, "%s:%ld: bad CSV header: duplicate column '%s'",
					    im->label, ln, h);
				goto out;
			}
		}
	}
	for (;;) {
		ln = r->line;
		rc = csv_next(r, &cr, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			ret = bad(im, ln, "%s", why);
			if (ret || r->eof)
				break;
			continue;
		}
		if (csv_blank(&cr))
			continue;
		if (cr.too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
		} else if (cr.too_many || cr.n != hdr.n) {
			ret = bad(im, ln, "record has %s%zu fields, the header has %zu",
				  cr.too_many ? "more than " : "", cr.n, hdr.n);
		} else {
			size_t off;
			/* Fields are NUL-separated: check the bytes between. */
			int bad_utf8 = 0, nul = 0;
			for (size_t i = 0; i < cr.n && !bad_utf8 && !nul; i++) {
				const char *f = cr.data.data + cr.starts[i];
				size_t end = i + 1 < cr.n ? cr.starts[i + 1] - 1 : cr.data.len;
				size_t flen = end - cr.starts[i];
				if (memchr(f, 0, flen))
					nul = 1;
				else if (!util_utf8_valid(f, flen, 1, &off))
					bad_utf8 = 1;
			}
			if (nul) {
				ret = bad(im, ln, "NUL byte in record");
			} else if (bad_utf8) {
				ret = bad(im, ln, "invalid UTF-8");
			} else {
				cJSON *o = cJSON_CreateObject();
				if (!o)
					util_oom();
				for (size_t i = 0; i < cr.n; i++) {
					const char *v = cr.data.data + cr.starts[i];
					if (!cJSON_AddStringToObject(o,
								     hdr.data.data + hdr.starts[i],
								     v))
						util_oom();
				}
				ret = import_object(im, o, ln, 1);
				cJSON_Delete(o);
			}
		}
		if (ret)
			break;
	}
out:
	buf_release(&hdr.data);
	buf_release(&cr.data);
	return ret;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int check_name(const char *name, char *err)
{
	size_t n = strlen(name);
	if (n == 0)
		return util_err(err, "dataset name is empty");
	if (n > DATASET_MAX_NAME)
		return util_err(err, "dataset name is longer than %d bytes", DATASET_MAX_NAME);
	if (!util_utf8_valid(name, n, 1, NULL))
		return util_err(err, "dataset name is not valid UTF-8");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return util_err(err, "dataset name has a control character");
	return 0;
}

/* The import proper, over a reader positioned at the start. */
static int import_run(struct store *st, struct reader *r, const char *label,
		      const struct dataset_import_opts *o, struct dataset_import_result *res,
		      void (*on_skip)(void *u, const char *msg), void *u, char *err)
{
	struct import im;
	memset(&im, 0, sizeof im);
	im.st = st;
	im.label = label;
	im.o = o;
	im.on_skip = on_skip;
	im.u = u;
	im.err = err;
	const char *fmt = o->format ? o->format : "auto";
	if (!dataset_format_valid(fmt)) {
		util_err(err, "unknown format '%s': use %s", fmt, DATASET_FORMATS);
		return MENTOR_EUSAGE;
	}
	if (o->split && !dataset_split_canonical(o->split)) {
		util_err(err, "unknown split '%s': use train, dev or test", o->split);
		return MENTOR_EUSAGE;
	}
	char *name = o->name ? util_strdup(o->name) : dataset_default_name(label);
	if (check_name(name, err)) {
		free(name);
		return MENTOR_EUSAGE;
	}
	im.detect = !strcmp(fmt, "auto");
	snprintf(im.format, sizeof im.format, "%s", im.detect ? "generic" : fmt);
	im.file_split = dataset_split_from_path(label);

	int ret = MENTOR_ERR;
	char hash[65];
	struct store_dataset d;
	int exists = store_dataset_get(st, name, &d, err);
	if (exists == MENTOR_ERR)
		goto out;
	if (exists == 0) {
		/* Known dataset: a hash-only pass first, so that an identical
		 * file costs one read and no writes. */
		rd_drain(r);
		if (r->io_err) {
			util_err(err, "cannot read '%s'", label);
			store_dataset_release(&d);
			goto out;
		}
		import_hash(r, o, hash);
		if (d.source_hash && !strcmp(d.source_hash, hash)) {
			im.r.dataset_id = d.id;
			im.r.unchanged = 1;
			im.r.n_items = (size_t)(d.n_train + d.n_dev + d.n_test);
			snprintf(im.r.format, sizeof im.r.format, "%s", d.format);
			store_dataset_release(&d);
			ret = 0;
			goto out;
		}
		store_dataset_release(&d);
		if (rd_rewind(r)) {
			util_err(err, "cannot read '%s' again", label);
			goto out;
		}
	}
	if (store_begin(st, err))
		goto out;
	store_item_bulk(st, 1);
	/* The hash is only known at the end; the row is created now for the
	 * items' foreign key and completed below. */
	if (store_dataset_upsert(st, name, label, im.format, NULL, &im.dataset_id, err))
		goto rollback;

	/* Skip a UTF-8 byte order mark, then pick the file type from the
	 * first non-blank byte. UTF-16 gets a hint of its own. */
	if (rd_peek(r) == 0xFF || rd_peek(r) == 0xFE) {
		int b0 = rd_getc(r), b1 = rd_getc(r);
		if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF))
			util_err(err, "%s:1: the file is UTF-16; convert it to UTF-8 first", label);
		else
			util_err(err, "%s:1: invalid UTF-8 at byte 1", label);
		goto rollback;
	}
	if (rd_peek(r) == 0xEF) {
		rd_getc(r);
		if (rd_getc(r) != 0xBB || rd_getc(r) != 0xBF) {
			util_err(err, "%s:1: invalid UTF-8 at byte 1", label);
			goto rollback;
		}
	}
	skip_ws(r);
	int c = rd_peek(r);
	int rc;
	if (c < 0) {
		if (r->io_err)
			util_err(err, "cannot read '%s': input/output error", label);
		else
			util_err(err, "%s: empty file, no records", label);
		goto rollback;
	} else if (c == '[') {
		rc = read_array(&im, r);
	} else if (c == '{') {
		rc = read_jsonl(&im, r);
	} else {
		rc = read_csv(&im, r);
	}
	if (rc)
		goto rollback;
	if (r->io_err) {
		util_err(err, "cannot read '%s': input/output error", label);
		goto rollback;
	}
	if (im.r.n_items == 0) {
		if (im.r.n_skipped)
			util_err(err, "%s: no valid records (%zu skipped)", label, im.r.n_skipped);
		else
			util_err(err, "%s: no records", label);
		goto rollback;
	}
	if (exists == 0) {
		/* Items of the splits this file holds that it no longer has go;
		 * other splits may come from other files of the corpus. */
		qsort(im.keep, im.n_keep, sizeof *im.keep, cmp_i64);
		for (int i = 0; i < 3; i++) {
			size_t nd, nk;
			if (!(im.splits_seen & (1 << i)))
				continue;
			if (store_item_prune(st, im.dataset_id, split_names[i], im.keep, im.n_keep,
					     &nd, &nk, err))
				goto rollback;
			im.r.n_deleted += nd;
			im.r.n_kept += nk;
		}
	}
	/* The hash covers every byte, also any a reader stopped short of. */
	rd_drain(r);
	import_hash(r, o, hash);
	int64_t id2;
	if (store_dataset_upsert(st, name, label, im.format, hash, &id2, err))
		goto rollback;
	if (store_commit(st, err))
		goto out;
	im.r.dataset_id = im.dataset_id;
	snprintf(im.r.format, sizeof im.r.format, "%s", im.format);
	ret = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	store_item_bulk(st, 0);
	if (res)
		*res = im.r;
	if (ret && res)
		res->dataset_id = 0;
	free(name);
	free(im.keep);
	util_idset_release(&im.ids);
	return ret;
}

int dataset_import_file(struct store *st, const char *path, const struct dataset_import_opts *o,
			struct dataset_import_result *res,
			void (*on_skip)(void *u, const char *msg), void *u, char *err)
{
	struct dataset_import_opts none = {0};
	if (res)
		memset(res, 0, sizeof *res);
	if (!o)
		o = &none;
	FILE *f = fopen(path, "rb");
	if (!f)
		return util_err(err, "cannot open '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		return util_err(err, "cannot import '%s': it is a directory", path);
	}
	struct reader r;
	rd_init(&r, f, NULL, 0);
	int rc = import_run(st, &r, path, o, res, on_skip, u, err);
	rd_release(&r);
	fclose(f);
	return rc;
}

int dataset_import_mem(struct store *st, const char *data, size_t len, const char *label,
		       const struct dataset_import_opts *o, struct dataset_import_result *res,
		       void (*on_skip)(void *u, const char *msg), void *u, char *err)
{
	struct dataset_import_opts none = {0};
	if (res)
		memset(res, 0, sizeof *res);
	if (!o)
		o = &none;
	struct reader r;
	rd_init(&r, NULL, data, len);
	int rc = import_run(st, &r, label ? label : "(memory)", o, res, on_skip, u, err);
	rd_release(&r);
	return rc;
}
