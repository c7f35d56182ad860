/* unicode: class lookups over the generated tables (see
 * include/mentor/unicode.h): a direct table below U+0100, a binary search of
 * the sorted ranges above; NFC as UAX #15 describes it, over the tables of
 * src/unicode_nfc_tables.c. */
#include "mentor/unicode.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/util.h"
#include "unicode_int.h"

/* the generated Latin-1 table stores the classes as these numbers */
_Static_assert(UNICODE_OTHER == 0 && UNICODE_LETTER == 1 && UNICODE_NUMBER == 2 &&
		       UNICODE_SPACE == 3,
	       "unicode_latin1_class numbering");

_Static_assert(offsetof(struct unicode_range, last) == 4 &&
		       offsetof(struct unicode_ccc_run, last) == 4 &&
		       offsetof(struct unicode_span, last) == 4,
	       "range_find reads first and last as two uint32_t");

/* The index of the run holding cp among n sorted, disjoint runs of size
 * bytes each, each opening with uint32_t first, last; SIZE_MAX when none
 * does. */
static size_t range_find(const void *runs, size_t n, size_t size, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t fl[2];
		memcpy(fl, (const char *)runs + mid * size, sizeof fl);
		if (cp < fl[0])
			hi = mid;
		else if (cp > fl[1])
			lo = mid + 1;
		else
			return mid;
	}
	return SIZE_MAX;
}

int unicode_class(uint32_t cp)
{
	if (cp < 0x100)
		return unicode_latin1_class[cp];
	size_t i = range_find(unicode_ranges, unicode_n_ranges, sizeof unicode_ranges[0], cp);
	return i != SIZE_MAX ? unicode_ranges[i].cls : UNICODE_OTHER;
}

int unicode_char_class(const unsigned char *s, size_t n, int *cls)
{
	if (s[0] < 0x80) {
		*cls = unicode_latin1_class[s[0]];
		return 1;
	}
	uint32_t cp;
	int k = util_utf8_decode(s, n, &cp);
	/* a real U+FFFD is three bytes long; one byte means a bad byte */
	*cls = k == 1 ? UNICODE_OTHER : unicode_class(cp);
	return k;
}

const char *unicode_version(void)
{
	return unicode_tables_version;
}

/* ---- Normalization Form C ---- */

/* bytes that are not UTF-8 ride through NFC as these values, past Unicode */
#define NFC_RAW 0x110000u
#define H_SBASE 0xAC00u
#define H_LBASE 0x1100u
#define H_VBASE 0x1161u
#define H_TBASE 0x11A7u
#define H_LCOUNT 19u
#define H_VCOUNT 21u
#define H_TCOUNT 28u
#define H_SCOUNT (H_LCOUNT * H_VCOUNT * H_TCOUNT)

const char *unicode_nfc_version(void)
{
	return unicode_nfc_tables_version;
}

int unicode_ccc(uint32_t cp)
{
	if (cp < 0x300)
		return 0;
	size_t i = range_find(unicode_ccc_runs, unicode_ccc_runs_n, sizeof unicode_ccc_runs[0], cp);
	return i != SIZE_MAX ? unicode_ccc_runs[i].ccc : 0;
}

static int nfc_notquick(uint32_t cp)
{
	return range_find(unicode_nfc_notquick, unicode_nfc_notquick_n,
			  sizeof unicode_nfc_notquick[0], cp) != SIZE_MAX;
}

int unicode_nfc_quick(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		if (s[i] < 0xC0) { /* ASCII, or a stray continuation byte */
			i++;
			continue;
		}
		uint32_t cp;
		int k = util_utf8_decode(s + i, len - i, &cp);
		if (k > 1 && cp >= 0x300 && nfc_notquick(cp))
			return 0;
		i += (size_t)k;
	}
	return 1;
}

static const struct unicode_decomp *nfc_decomp(uint32_t cp)
{
	size_t lo = 0, hi = unicode_decomps_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < unicode_decomps[mid].cp)
			hi = mid;
		else if (cp > unicode_decomps[mid].cp)
			lo = mid + 1;
		else
			return &unicode_decomps[mid];
	}
	return NULL;
}

/* The primary composite of a b, or 0. */
static uint32_t nfc_compose(uint32_t a, uint32_t b)
{
	if (a >= H_LBASE && a < H_LBASE + H_LCOUNT && b >= H_VBASE && b < H_VBASE + H_VCOUNT)
		return H_SBASE + ((a - H_LBASE) * H_VCOUNT + (b - H_VBASE)) * H_TCOUNT;
	if (a >= H_SBASE && a < H_SBASE + H_SCOUNT && (a - H_SBASE) % H_TCOUNT == 0 &&
	    b > H_TBASE && b < H_TBASE + H_TCOUNT)
		return a + (b - H_TBASE);
	size_t lo = 0, hi = unicode_comps_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct unicode_comp *c = &unicode_comps[mid];
		if (a < c->a || (a == c->a && b < c->b))
			hi = mid;
		else if (a > c->a || b > c->b)
			lo = mid + 1;
		else
			return c->c;
	}
	return 0;
}

/* code points with their combining classes, growable */
struct nfc_seq {
	uint32_t *cp;
	unsigned char *ccc;
	size_t n, cap;
};

static int nfc_push(struct nfc_seq *q, uint32_t cp)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 256;
		if (nc > SIZE_MAX / 8)
			return MENTOR_ENOMEM;
		uint32_t *p = realloc(q->cp, nc * sizeof *p);
		if (!p)
			return MENTOR_ENOMEM;
		q->cp = p;
		unsigned char *c = realloc(q->ccc, nc);
		if (!c)
			return MENTOR_ENOMEM;
		q->ccc = c;
		q->cap = nc;
	}
	q->cp[q->n] = cp;
	q->ccc[q->n] = (unsigned char)(cp < NFC_RAW ? unicode_ccc(cp) : 0);
	q->n++;
	return 0;
}

/* Full canonical decomposition of s[0..len) into q. */
static int nfc_decompose(const unsigned char *s, size_t len, struct nfc_seq *q)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		int k = util_utf8_decode(s + i, len - i, &cp);
		if (k == 1 && s[i] >= 0x80)
			cp = NFC_RAW + s[i];
		i += (size_t)k;
		if (cp >= H_SBASE && cp < H_SBASE + H_SCOUNT) {
			uint32_t si = cp - H_SBASE, t = si % H_TCOUNT;
			if (nfc_push(q, H_LBASE + si / (H_VCOUNT * H_TCOUNT)) ||
			    nfc_push(q, H_VBASE + (si % (H_VCOUNT * H_TCOUNT)) / H_TCOUNT) ||
			    (t && nfc_push(q, H_TBASE + t)))
				return MENTOR_ENOMEM;
			continue;
		}
		const struct unicode_decomp *d = cp >= 0xC0 && cp < NFC_RAW ? nfc_decomp(cp) : NULL;
		if (!d) {
			if (nfc_push(q, cp))
				return MENTOR_ENOMEM;
			continue;
		}
		for (int j = 0; j < d->len; j++)
			if (nfc_push(q, unicode_decomp_pool[d->off + j]))
				return MENTOR_ENOMEM;
	}
	return 0;
}

/* Canonical ordering: a stable sort by class of each run of non-starters. */
static void nfc_reorder(struct nfc_seq *q)
{
	for (size_t i = 1; i < q->n; i++) {
		unsigned char c = q->ccc[i];
		if (!c)
			continue;
		uint32_t cp = q->cp[i];
		size_t j = i;
		while (j > 0 && q->ccc[j - 1] > c) {
			q->cp[j] = q->cp[j - 1];
			q->ccc[j] = q->ccc[j - 1];
			j--;
		}
		q->cp[j] = cp;
		q->ccc[j] = c;
	}
}

/* Canonical composition in place: each character joins the last starter
 * when nothing between them blocks it (a starter, or a mark of the same or
 * a higher class). */
static void nfc_recompose(struct nfc_seq *q)
{
	size_t o = 0, starter = SIZE_MAX;
	int last = 0; /* class of the last character kept after the starter */
	for (size_t i = 0; i < q->n; i++) {
		uint32_t cp = q->cp[i];
		int c = q->ccc[i];
		if (starter != SIZE_MAX && cp < NFC_RAW &&
		    (o == starter + 1 || (last != 0 && last < c))) {
			uint32_t comp = nfc_compose(q->cp[starter], cp);
			if (comp) {
				q->cp[starter] = comp;
				continue;
			}
		}
		if (c == 0)
			starter = q->cp[i] < NFC_RAW ? o : SIZE_MAX;
		last = c;
		q->cp[o] = cp;
		q->ccc[o] = (unsigned char)c;
		o++;
	}
	q->n = o;
}

static size_t utf8_put(uint32_t cp, unsigned char *p)
{
	if (cp >= NFC_RAW) {
		p[0] = (unsigned char)(cp - NFC_RAW);
		return 1;
	}
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xC0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xE0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (unsigned char)(0xF0 | cp >> 18);
	p[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

int unicode_nfc(const char *text, size_t len, struct buf *out)
{
	if (unicode_nfc_quick(text, len))
		return buf_append(out, text, len) ? MENTOR_ENOMEM : 0;
	struct nfc_seq q = {0};
	size_t start = out->len;
	int rc = nfc_decompose((const unsigned char *)text, len, &q);
	if (rc == 0) {
		nfc_reorder(&q);
		nfc_recompose(&q);
		for (size_t i = 0; i < q.n && rc == 0; i++) {
			unsigned char b[4];
			rc = buf_append(out, b, utf8_put(q.cp[i], b)) ? MENTOR_ENOMEM : 0;
		}
	}
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	free(q.cp);
	free(q.ccc);
	return rc;
}
