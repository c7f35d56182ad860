/* tokenizer: byte-level BPE (see include/mentor/tokenizer.h). Training counts
 * the pairs of each distinct pre-token once, weighted by its frequency, and
 * updates the counts incrementally after each merge (a lazy max-heap picks the
 * next pair); encoding applies merges by rank within each pre-token, by
 * rescanning a short piece and with a min-heap of ranked pairs for a long one.
 * Four pre-tokenizers: mentor's and the regexes of GPT-2, Qwen2 and Llama 3,
 * written out by hand. Added tokens are found by a scan that tries them
 * where the text holds one of their first bytes. */
#include "mentor/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/unicode.h"
#include "tokenizer_int.h"

/* the first index of the tokens after mentor's specials */
#define TOK_FIRST_NEW(t) (256 + (t)->n_merges + TOKENIZER_N_SPECIAL)

#define TOK_MAGIC "MTOK"
#define TOK_VERSION TOKENIZER_IMAGE_VERSION
/* Largest tokenizer file accepted by tokenizer_load_file. */
#define TOK_MAX_FILE ((size_t)16 << 20)

static const char *const special_text[TOKENIZER_N_SPECIAL] = {
	"<|eos|>", "<|ans|>", "<|exp|>", "<|sep|>", "<|pad|>", "<|bos|>", "<|r1|>", "<|r2|>",
};

/* ---- a small open-addressing map from 64-bit keys to 32-bit values ---- */

struct pmap {
	uint64_t *keys; /* key + 1; 0 marks an empty slot */
	int32_t *vals;
	size_t cap; /* power of two */
	size_t n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void pmap_release(struct pmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static int pmap_grow(struct pmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	uint64_t *nk = calloc(ncap, sizeof *nk);
	int32_t *nv = malloc(ncap * sizeof *nv);
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return MENTOR_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = mix64(m->keys[i]) & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

/* Pointer to the value of key, or NULL. */
static int32_t *pmap_find(const struct pmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	key++;
	size_t j = mix64(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key)
			return &m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

/* Insert key with val unless present; *slot points at the value. Returns 1
 * when inserted, 0 when present, MENTOR_ENOMEM. */
static int pmap_insert(struct pmap *m, uint64_t key, int32_t val, int32_t **slot)
{
	if ((m->n + 1) * 2 > m->cap && pmap_grow(m))
		return MENTOR_ENOMEM;
	uint64_t k = key + 1;
	size_t j = mix64(k) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == k) {
			*slot = &m->vals[j];
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = k;
	m->vals[j] = val;
	m->n++;
	*slot = &m->vals[j];
	return 1;
}

static uint64_t pair_key(int32_t a, int32_t b)
{
	return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
}

/* ---- the tokenizer ---- */

/* an added token; text owned */
struct tok_added {
	char *text;
	size_t len;
	int32_t id;
	int special;
};

struct tokenizer {
	int n_merges;
	int vocab;            /* 256 + n_merges + TOKENIZER_N_SPECIAL + n_new */
	int32_t (*merges)[2]; /* n_merges pairs; merge r makes id 256 + r */
	size_t *tok_off;      /* vocab + 1 offsets into tok_bytes */
	char *tok_bytes;
	struct pmap rank;        /* pair -> merge rank */
	int pretok;              /* enum tokenizer_pretok */
	int32_t *file_ids;       /* vocab entries (-1: not in the file), or NULL: identity */
	struct pmap from_file;   /* file id -> id, when file_ids */
	int normalizer;          /* enum tokenizer_norm */
	struct tok_added *added; /* n_added, in the order given */
	size_t n_added;
	int n_new;                     /* added tokens with ids of their own, after the specials */
	unsigned char *new_special;    /* n_new flags: the new token is special */
	unsigned char added_first[32]; /* bit set of the added texts' first bytes */
};

void tokenizer_ids_init(struct tokenizer_ids *a)
{
	a->ids = NULL;
	a->n = a->cap = 0;
}

void tokenizer_ids_release(struct tokenizer_ids *a)
{
	if (!a)
		return;
	free(a->ids);
	tokenizer_ids_init(a);
}

int tokenizer_ids_push(struct tokenizer_ids *a, int32_t id)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		if (ncap > SIZE_MAX / 2 / sizeof *a->ids)
			return MENTOR_ENOMEM;
		int32_t *p = realloc(a->ids, ncap * sizeof *p);
		if (!p)
			return MENTOR_ENOMEM;
		a->ids = p;
		a->cap = ncap;
	}
	a->ids[a->n++] = id;
	return 0;
}

void tokenizer_free(struct tokenizer *t)
{
	if (!t)
		return;
	free(t->merges);
	free(t->tok_off);
	free(t->tok_bytes);
	pmap_release(&t->rank);
	free(t->file_ids);
	pmap_release(&t->from_file);
	for (size_t i = 0; i < t->n_added; i++)
		free(t->added[i].text);
	free(t->added);
	free(t->new_special);
	free(t);
}

static int tok_layout(struct tokenizer *t, const char *const *text, const size_t *tlen, char *err);

/* Build the token byte table and the rank map from t->merges and t->added
 * (see tok_layout). */
static int tok_finish(struct tokenizer *t, char *err)
{
	int nm = t->n_merges;
	t->vocab = 256 + nm + TOKENIZER_N_SPECIAL + t->n_new;
	/* the texts of specials and new tokens: mentor's, or an added token's */
	const char **text = malloc(((size_t)TOKENIZER_N_SPECIAL + (size_t)t->n_new) * sizeof *text);
	size_t *tlen = malloc(((size_t)TOKENIZER_N_SPECIAL + (size_t)t->n_new) * sizeof *tlen);
	if (!text || !tlen) {
		free(text);
		free(tlen);
		return util_err(err, "cannot build tokenizer: out of memory");
	}
	for (int k = 0; k < TOKENIZER_N_SPECIAL; k++) {
		text[k] = special_text[k];
		tlen[k] = strlen(special_text[k]);
	}
	for (size_t i = 0; i < t->n_added; i++) {
		int32_t j = t->added[i].id - (256 + nm);
		if (j >= 0) {
			text[j] = t->added[i].text;
			tlen[j] = t->added[i].len;
		}
	}
	int rc = tok_layout(t, text, tlen, err);
	free(text);
	free(tlen);
	return rc;
}

/* Lay out the bytes of every token (the specials and new tokens from
 * text[]/tlen[]) and the rank map; check each merge refers to earlier
 * tokens, is not a duplicate and is not too long. */
static int tok_layout(struct tokenizer *t, const char *const *text, const size_t *tlen, char *err)
{
	int nm = t->n_merges;
	t->tok_off = malloc(((size_t)t->vocab + 1) * sizeof *t->tok_off);
	size_t total;
	size_t *len = malloc(((size_t)t->vocab) * sizeof *len);
	if (!t->tok_off || !len) {
		free(len);
		return util_err(err, "cannot build tokenizer: out of memory");
	}
	total = 0;
	for (int i = 0; i < 256; i++)
		len[i] = 1, total += 1;
	for (int r = 0; r < nm; r++) {
		int32_t a = t->merges[r][0], b = t->merges[r][1];
		int id = 256 + r;
		if (a < 0 || b < 0 || a >= id || b >= id) {
			free(len);
			return util_err(err, "invalid tokenizer: merge %d refers to a later token",
					r);
		}
		len[id] = len[a] + len[b];
		if (len[id] > TOKENIZER_MAX_TOKEN_LEN) {
			free(len);
			return util_err(err, "invalid tokenizer: merge %d is longer than %d bytes",
					r, TOKENIZER_MAX_TOKEN_LEN);
		}
		total += len[id];
		int32_t *slot;
		int rc = pmap_insert(&t->rank, pair_key(a, b), r, &slot);
		if (rc < 0) {
			free(len);
			return util_err(err, "cannot build tokenizer: out of memory");
		}
		if (rc == 0) {
			free(len);
			return util_err(err, "invalid tokenizer: merge %d repeats merge %d", r,
					*slot);
		}
	}
	for (int s = 256 + nm; s < t->vocab; s++) {
		len[s] = tlen[s - 256 - nm];
		total += len[s];
	}
	t->tok_bytes = malloc(total ? total : 1);
	if (!t->tok_bytes) {
		free(len);
		return util_err(err, "cannot build tokenizer: out of memory");
	}
	size_t off = 0;
	for (int i = 0; i < t->vocab; i++) {
		t->tok_off[i] = off;
		if (i < 256) {
			t->tok_bytes[off] = (char)i;
		} else if (i < 256 + nm) {
			int32_t a = t->merges[i - 256][0], b = t->merges[i - 256][1];
			memcpy(t->tok_bytes + off, t->tok_bytes + t->tok_off[a], len[a]);
			memcpy(t->tok_bytes + off + len[a], t->tok_bytes + t->tok_off[b], len[b]);
		} else {
			memcpy(t->tok_bytes + off, text[i - 256 - nm], len[i]);
		}
		off += len[i];
	}
	t->tok_off[t->vocab] = off;
	free(len);
	if (t->file_ids) {
		for (int i = 0; i < t->vocab; i++) {
			int32_t f = t->file_ids[i], *slot;
			if (f < 0)
				continue;
			int rc = pmap_insert(&t->from_file, (uint64_t)f, i, &slot);
			if (rc < 0)
				return util_err(err, "cannot build tokenizer: out of memory");
			if (rc == 0)
				return util_err(err,
						"invalid tokenizer: tokens %d and %d have the "
						"same file id %ld",
						(int)*slot, i, (long)f);
		}
	}
	return 0;
}

/* Keep file_ids (vocab entries, or NULL) in t: NULL when they are the
 * identity, else a copy after checking their range. */
static int tok_set_file_ids(struct tokenizer *t, const int32_t *file_ids, char *err)
{
	int vocab = TOK_FIRST_NEW(t) + t->n_new, ident = 1;
	if (!file_ids)
		return 0;
	for (int i = 0; i < vocab; i++) {
		if (file_ids[i] < -1 || file_ids[i] > TOKENIZER_MAX_FILE_ID)
			return util_err(err,
					"invalid tokenizer: file id %ld of token %d is out "
					"of range -1..%d",
					(long)file_ids[i], i, TOKENIZER_MAX_FILE_ID);
		ident &= file_ids[i] == i;
	}
	if (ident)
		return 0;
	t->file_ids = malloc((size_t)vocab * sizeof *t->file_ids);
	if (!t->file_ids)
		return util_err(err, "cannot build tokenizer: out of memory");
	memcpy(t->file_ids, file_ids, (size_t)vocab * sizeof *t->file_ids);
	return 0;
}

/* order of added tokens by text, for finding two alike */
static int added_cmp(const void *x, const void *y)
{
	const struct tok_added *a = *(const struct tok_added *const *)x,
			       *b = *(const struct tok_added *const *)y;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->text, b->text, a->len);
}

/* Copy the added tokens into t after checking them (ids, lengths, texts
 * unique); counts t->n_new. */
static int tok_set_added(struct tokenizer *t, const struct tokenizer_added *added, size_t n,
			 char *err)
{
	if (!n)
		return 0;
	int32_t first_new = TOK_FIRST_NEW(t);
	t->added = calloc(n, sizeof *t->added);
	const struct tok_added **order = malloc(n * sizeof *order);
	if (!t->added || !order) {
		free(order);
		return util_err(err, "cannot build tokenizer: out of memory");
	}
	t->n_added = n;
	for (size_t i = 0; i < n; i++) {
		const struct tokenizer_added *a = &added[i];
		struct tok_added *d = &t->added[i];
		if (!a->text || a->len < 1 || a->len > TOKENIZER_MAX_ADDED_LEN) {
			free(order);
			return util_err(err,
					"invalid tokenizer: added token %zu is empty or "
					"longer than %d bytes",
					i, TOKENIZER_MAX_ADDED_LEN);
		}
		if (a->id < 0 || a->id > first_new + t->n_new) {
			free(order);
			return util_err(err,
					"invalid tokenizer: added token %zu has id %ld, "
					"expected below %ld",
					i, (long)a->id, (long)(first_new + t->n_new + 1));
		}
		if (a->id == first_new + t->n_new)
			t->n_new++;
		d->text = malloc(a->len);
		if (!d->text) {
			free(order);
			return util_err(err, "cannot build tokenizer: out of memory");
		}
		memcpy(d->text, a->text, a->len);
		d->len = a->len;
		d->id = a->id;
		d->special = a->special != 0;
		order[i] = d;
		t->added_first[(unsigned char)a->text[0] / 8] |=
			(unsigned char)(1u << ((unsigned char)a->text[0] % 8));
	}
	qsort(order, n, sizeof *order, added_cmp);
	for (size_t i = 1; i < n; i++)
		if (added_cmp(&order[i - 1], &order[i]) == 0) {
			size_t a = (size_t)(order[i - 1] - t->added),
			       b = (size_t)(order[i] - t->added);
			free(order);
			return util_err(err,
					"invalid tokenizer: added tokens %zu and %zu have the "
					"same text",
					a < b ? a : b, a < b ? b : a);
		}
	free(order);
	t->new_special = calloc((size_t)t->n_new + 1, 1);
	if (!t->new_special)
		return util_err(err, "cannot build tokenizer: out of memory");
	for (size_t i = 0; i < n; i++)
		if (t->added[i].id >= first_new)
			t->new_special[t->added[i].id - first_new] = (unsigned char)t->added[i]
									     .special;
	return 0;
}

/* After tok_finish: an added token that names an existing byte or merge
 * has its bytes; no token is named twice. */
static int tok_check_added(const struct tokenizer *t, char *err)
{
	int32_t first_new = TOK_FIRST_NEW(t);
	unsigned char *seen = calloc((size_t)first_new, 1);
	if (!seen)
		return util_err(err, "cannot build tokenizer: out of memory");
	for (size_t i = 0; i < t->n_added; i++) {
		const struct tok_added *a = &t->added[i];
		size_t len;
		const char *p = tokenizer_token(t, a->id, &len);
		if (a->id < first_new - TOKENIZER_N_SPECIAL &&
		    (len != a->len || memcmp(p, a->text, len))) {
			free(seen);
			return util_err(err,
					"invalid tokenizer: added token %zu is not the text "
					"of token %ld",
					i, (long)a->id);
		}
		if (a->id < first_new && seen[a->id]++) {
			free(seen);
			return util_err(err, "invalid tokenizer: two added tokens are token %ld",
					(long)a->id);
		}
	}
	free(seen);
	return 0;
}

int tokenizer_build_ext(const int32_t *pairs, size_t n_merges, const struct tokenizer_opts *o,
			struct tokenizer **out, char *err)
{
	*out = NULL;
	if (n_merges > (size_t)TOKENIZER_MAX_VOCAB - 256 - TOKENIZER_N_SPECIAL ||
	    o->n_added > TOKENIZER_MAX_ADDED ||
	    n_merges + o->n_added > (size_t)TOKENIZER_MAX_VOCAB - 256 - TOKENIZER_N_SPECIAL) {
		util_err(err,
			 "cannot build tokenizer: %zu merges and %zu added tokens make more "
			 "than %d tokens",
			 n_merges, o->n_added, TOKENIZER_MAX_VOCAB);
		return MENTOR_EUSAGE;
	}
	if (o->pretok < 0 || o->pretok >= TOKENIZER_N_PRETOK) {
		util_err(err, "cannot build tokenizer: unknown pre-tokenizer %d", o->pretok);
		return MENTOR_EUSAGE;
	}
	if (o->normalizer < 0 || o->normalizer >= TOKENIZER_N_NORM) {
		util_err(err, "cannot build tokenizer: unknown normalizer %d", o->normalizer);
		return MENTOR_EUSAGE;
	}
	if ((n_merges && !pairs) || (o->n_added && !o->added)) {
		util_err(err, "cannot build tokenizer: no merges or added tokens given");
		return MENTOR_EUSAGE;
	}
	struct tokenizer *t = calloc(1, sizeof *t);
	if (!t)
		return util_err(err, "cannot build tokenizer: out of memory");
	t->n_merges = (int)n_merges;
	t->pretok = o->pretok;
	t->normalizer = o->normalizer;
	t->merges = malloc((n_merges + 1) * sizeof *t->merges);
	if (!t->merges) {
		tokenizer_free(t);
		return util_err(err, "cannot build tokenizer: out of memory");
	}
	for (size_t r = 0; r < n_merges; r++) {
		t->merges[r][0] = pairs[2 * r];
		t->merges[r][1] = pairs[2 * r + 1];
	}
	if (tok_set_added(t, o->added, o->n_added, err) || tok_set_file_ids(t, o->file_ids, err) ||
	    tok_finish(t, err) || tok_check_added(t, err)) {
		tokenizer_free(t);
		return MENTOR_ERR;
	}
	*out = t;
	return 0;
}

int tokenizer_build(const int32_t *pairs, size_t n_merges, int pretok, const int32_t *file_ids,
		    struct tokenizer **out, char *err)
{
	struct tokenizer_opts o = {pretok, TOKENIZER_NORM_NONE, file_ids, NULL, 0};
	return tokenizer_build_ext(pairs, n_merges, &o, out, err);
}

int tokenizer_normalizer(const struct tokenizer *t)
{
	return t->normalizer;
}
size_t tokenizer_num_added(const struct tokenizer *t)
{
	return t->n_added;
}

int tokenizer_added_get(const struct tokenizer *t, size_t i, struct tokenizer_added *a)
{
	if (i >= t->n_added)
		return MENTOR_EUSAGE;
	a->text = t->added[i].text;
	a->len = t->added[i].len;
	a->id = t->added[i].id;
	a->special = t->added[i].special;
	return 0;
}

int tokenizer_vocab_size(const struct tokenizer *t)
{
	return t->vocab;
}
int tokenizer_num_merges(const struct tokenizer *t)
{
	return t->n_merges;
}
int tokenizer_pretok(const struct tokenizer *t)
{
	return t->pretok;
}

int tokenizer_merge(const struct tokenizer *t, int r, int32_t *left, int32_t *right)
{
	if (r < 0 || r >= t->n_merges)
		return MENTOR_EUSAGE;
	*left = t->merges[r][0];
	*right = t->merges[r][1];
	return 0;
}

int32_t tokenizer_file_id(const struct tokenizer *t, int32_t id)
{
	if (id < 0 || id >= t->vocab)
		return -1;
	return t->file_ids ? t->file_ids[id] : id;
}

int32_t tokenizer_from_file_id(const struct tokenizer *t, int32_t file_id)
{
	if (file_id < 0)
		return -1;
	if (!t->file_ids)
		return file_id < t->vocab ? file_id : -1;
	const int32_t *id = pmap_find(&t->from_file, (uint64_t)file_id);
	return id ? *id : -1;
}

int tokenizer_file_ids_identity(const struct tokenizer *t)
{
	return t->file_ids == NULL;
}

const char *tokenizer_norm_name(int kind)
{
	return kind == TOKENIZER_NORM_NONE ? "none" : kind == TOKENIZER_NORM_NFC ? "nfc" : NULL;
}

int32_t tokenizer_special(const struct tokenizer *t, int kind)
{
	if (kind < 0 || kind >= TOKENIZER_N_SPECIAL)
		return -1;
	return 256 + t->n_merges + kind;
}

const char *tokenizer_special_text(int kind)
{
	return kind >= 0 && kind < TOKENIZER_N_SPECIAL ? special_text[kind] : NULL;
}

int tokenizer_is_special(const struct tokenizer *t, int32_t id)
{
	if (id >= TOK_FIRST_NEW(t) && id < t->vocab)
		return t->new_special[id - TOK_FIRST_NEW(t)];
	return id >= 256 + t->n_merges && id < t->vocab;
}

const char *tokenizer_token(const struct tokenizer *t, int32_t id, size_t *len)
{
	if (id < 0 || id >= t->vocab)
		return NULL;
	if (len)
		*len = t->tok_off[id + 1] - t->tok_off[id];
	return t->tok_bytes + t->tok_off[id];
}

/* ---- training ---- */

struct word {
	int32_t *ids;
	int len;
	int64_t count;
	int stamp; /* last merge that visited it */
};

struct pair_stat {
	int32_t a, b;
	int64_t count;
	int32_t *words; /* indexes of words that may contain it (duplicates allowed) */
	int nwords, capwords;
	int banned;
	int stamp; /* 1 while listed in trainer.changed */
};

struct heap_ent {
	int64_t count;
	int32_t pair;
};

struct trainer {
	struct word *words;
	size_t nwords;
	struct pair_stat *pairs;
	size_t npairs, cappairs;
	struct pmap pairmap; /* pair key -> index in pairs */
	struct heap_ent *heap;
	size_t nheap, capheap;
	size_t *toklen;
	int32_t *changed; /* pairs whose count changed during the current merge */
	size_t nchanged, capchanged;
};

/* Heap order: larger count first, then smaller (a, b). */
static int heap_before(const struct trainer *tr, const struct heap_ent *x, const struct heap_ent *y)
{
	if (x->count != y->count)
		return x->count > y->count;
	const struct pair_stat *p = &tr->pairs[x->pair], *q = &tr->pairs[y->pair];
	if (p->a != q->a)
		return p->a < q->a;
	return p->b < q->b;
}

static int heap_push(struct trainer *tr, int32_t pair, int64_t count)
{
	if (tr->nheap == tr->capheap) {
		size_t nc = tr->capheap ? tr->capheap * 2 : 4096;
		struct heap_ent *h = realloc(tr->heap, nc * sizeof *h);
		if (!h)
			return MENTOR_ENOMEM;
		tr->heap = h;
		tr->capheap = nc;
	}
	size_t i = tr->nheap++;
	tr->heap[i].count = count;
	tr->heap[i].pair = pair;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_before(tr, &tr->heap[i], &tr->heap[p]))
			break;
		struct heap_ent t = tr->heap[i];
		tr->heap[i] = tr->heap[p];
		tr->heap[p] = t;
		i = p;
	}
	return 0;
}

static struct heap_ent heap_pop(struct trainer *tr)
{
	struct heap_ent top = tr->heap[0];
	tr->heap[0] = tr->heap[--tr->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < tr->nheap && heap_before(tr, &tr->heap[l], &tr->heap[m]))
			m = l;
		if (r < tr->nheap && heap_before(tr, &tr->heap[r], &tr->heap[m]))
			m = r;
		if (m == i)
			break;
		struct heap_ent t = tr->heap[i];
		tr->heap[i] = tr->heap[m];
		tr->heap[m] = t;
		i = m;
	}
	return top;
}

/* Add delta occurrences of (a,b) in word w; new pairs and increases go on the
 * heap. Returns 0 or MENTOR_ENOMEM. */
static int pair_add(struct trainer *tr, int32_t a, int32_t b, int64_t delta, int32_t w)
{
	int32_t *slot;
	int rc = pmap_insert(&tr->pairmap, pair_key(a, b), (int32_t)tr->npairs, &slot);
	if (rc < 0)
		return MENTOR_ENOMEM;
	if (rc == 1) {
		if (tr->npairs == tr->cappairs) {
			size_t nc = tr->cappairs ? tr->cappairs * 2 : 4096;
			struct pair_stat *p = realloc(tr->pairs, nc * sizeof *p);
			if (!p)
				return MENTOR_ENOMEM;
			tr->pairs = p;
			tr->cappairs = nc;
		}
		struct pair_stat *ps = &tr->pairs[tr->npairs++];
		memset(ps, 0, sizeof *ps);
		ps->a = a;
		ps->b = b;
	}
	struct pair_stat *ps = &tr->pairs[*slot];
	ps->count += delta;
	if (!ps->stamp) {
		if (tr->nchanged == tr->capchanged) {
			size_t nc = tr->capchanged ? tr->capchanged * 2 : 1024;
			int32_t *c = realloc(tr->changed, nc * sizeof *c);
			if (!c)
				return MENTOR_ENOMEM;
			tr->changed = c;
			tr->capchanged = nc;
		}
		tr->changed[tr->nchanged++] = *slot;
		ps->stamp = 1;
	}
	if (delta > 0) {
		if (ps->nwords == 0 || ps->words[ps->nwords - 1] != w) {
			if (ps->nwords == ps->capwords) {
				int nc = ps->capwords ? ps->capwords * 2 : 4;
				int32_t *nw = realloc(ps->words, (size_t)nc * sizeof *nw);
				if (!nw)
					return MENTOR_ENOMEM;
				ps->words = nw;
				ps->capwords = nc;
			}
			ps->words[ps->nwords++] = w;
		}
	}
	return 0;
}

static void trainer_release(struct trainer *tr)
{
	for (size_t i = 0; i < tr->nwords; i++)
		free(tr->words[i].ids);
	free(tr->words);
	for (size_t i = 0; i < tr->npairs; i++)
		free(tr->pairs[i].words);
	free(tr->pairs);
	pmap_release(&tr->pairmap);
	free(tr->heap);
	free(tr->toklen);
	free(tr->changed);
}

/* Count distinct pre-tokens of the corpus into tr->words. */
static int collect_words(struct trainer *tr, const char *const *texts, const size_t *lens, size_t n,
			 char *err)
{
	struct pmap seen = {0};
	size_t capw = 0;
	int rc = 0;
	for (size_t t = 0; t < n && rc == 0; t++) {
		const unsigned char *s = (const unsigned char *)texts[t];
		size_t len = lens[t], i = 0;
		if (!s && len)
			return util_err(err, "cannot train tokenizer: text %zu is NULL", t);
		while (i < len) {
			size_t k = tokenizer_pretok_next(TOKENIZER_PRETOK_MENTOR,
							 (const char *)s + i, len - i);
			if (k < 2) { /* a single byte has no pair */
				i += k;
				continue;
			}
			uint64_t h = util_fnv1a(s + i, k, 0);
			/* collisions are resolved by probing h, h+1, ... comparing bytes */
			for (;;) {
				int32_t *slot = pmap_find(&seen, h);
				if (!slot) {
					if (tr->nwords == capw) {
						size_t nc = capw ? capw * 2 : 4096;
						struct word *nw = realloc(tr->words,
									  nc * sizeof *nw);
						if (!nw) {
							rc = MENTOR_ENOMEM;
							break;
						}
						tr->words = nw;
						capw = nc;
					}
					struct word *w = &tr->words[tr->nwords];
					w->ids = malloc(k * sizeof *w->ids);
					if (!w->ids) {
						rc = MENTOR_ENOMEM;
						break;
					}
					for (size_t j = 0; j < k; j++)
						w->ids[j] = s[i + j];
					w->len = (int)k;
					w->count = 1;
					w->stamp = -1;
					int32_t *ins;
					if (pmap_insert(&seen, h, (int32_t)tr->nwords, &ins) < 0) {
						free(w->ids);
						rc = MENTOR_ENOMEM;
						break;
					}
					tr->nwords++;
					break;
				}
				struct word *w = &tr->words[*slot];
				int same = (size_t)w->len == k;
				for (size_t j = 0; same && j < k; j++)
					same = w->ids[j] == s[i + j];
				if (same) {
					w->count++;
					break;
				}
				h++;
			}
			i += k;
			if (rc)
				break;
		}
	}
	pmap_release(&seen);
	if (rc)
		return util_err(err, "cannot train tokenizer: out of memory");
	return 0;
}

int tokenizer_train(const char *const *texts, const size_t *lens, size_t n, size_t vocab_size,
		    struct tokenizer **out, char *err)
{
	*out = NULL;
	if (vocab_size == 0)
		vocab_size = TOKENIZER_DEFAULT_VOCAB;
	if (vocab_size < TOKENIZER_MIN_VOCAB || vocab_size > TOKENIZER_MAX_VOCAB) {
		util_err(err, "cannot train tokenizer: vocabulary size %zu out of range %d..%d",
			 vocab_size, TOKENIZER_MIN_VOCAB, TOKENIZER_MAX_VOCAB);
		return MENTOR_EUSAGE;
	}
	if (n && (!texts || !lens)) {
		util_err(err, "cannot train tokenizer: no texts given");
		return MENTOR_EUSAGE;
	}
	int max_merges = (int)vocab_size - 256 - TOKENIZER_N_SPECIAL;
	struct tokenizer *t = calloc(1, sizeof *t);
	struct trainer tr;
	memset(&tr, 0, sizeof tr);
	if (!t)
		return util_err(err, "cannot train tokenizer: out of memory");
	t->merges = malloc(((size_t)max_merges + 1) * sizeof *t->merges);
	tr.toklen = malloc(vocab_size * sizeof *tr.toklen);
	if (!t->merges || !tr.toklen)
		goto oom;
	for (int i = 0; i < 256; i++)
		tr.toklen[i] = 1;
	if (collect_words(&tr, texts, lens, n, err))
		goto fail;
	for (size_t w = 0; w < tr.nwords; w++) {
		struct word *wd = &tr.words[w];
		for (int j = 0; j + 1 < wd->len; j++)
			if (pair_add(&tr, wd->ids[j], wd->ids[j + 1], wd->count, (int32_t)w))
				goto oom;
	}
	for (size_t p = 0; p < tr.npairs; p++) {
		tr.pairs[p].stamp = 0;
		if (heap_push(&tr, (int32_t)p, tr.pairs[p].count))
			goto oom;
	}
	tr.nchanged = 0;

	while (t->n_merges < max_merges && tr.nheap > 0) {
		struct heap_ent top = heap_pop(&tr);
		struct pair_stat *ps = &tr.pairs[top.pair];
		if (top.count != ps->count || ps->banned || ps->count <= 0)
			continue; /* stale entry */
		if (ps->count < 2)
			break;
		int32_t a = ps->a, b = ps->b;
		if (tr.toklen[a] + tr.toklen[b] > TOKENIZER_MAX_TOKEN_LEN) {
			ps->banned = 1;
			continue;
		}
		int r = t->n_merges++;
		int32_t id = 256 + r;
		t->merges[r][0] = a;
		t->merges[r][1] = b;
		tr.toklen[id] = tr.toklen[a] + tr.toklen[b];
		/* take the word list: pair_add may move tr.pairs */
		int32_t *wl = ps->words;
		int nwl = ps->nwords;
		ps->words = NULL;
		ps->nwords = ps->capwords = 0;
		int32_t pidx = top.pair;
		for (int q = 0; q < nwl; q++) {
			struct word *wd = &tr.words[wl[q]];
			if (wd->stamp == r)
				continue;
			wd->stamp = r;
			int found = 0;
			for (int j = 0; j + 1 < wd->len; j++)
				if (wd->ids[j] == a && wd->ids[j + 1] == b)
					found = 1;
			if (!found)
				continue;
			for (int j = 0; j + 1 < wd->len; j++)
				if (pair_add(&tr, wd->ids[j], wd->ids[j + 1], -wd->count, wl[q]))
					goto oom_wl;
			int o = 0;
			for (int j = 0; j < wd->len; j++) {
				if (j + 1 < wd->len && wd->ids[j] == a && wd->ids[j + 1] == b) {
					wd->ids[o++] = id;
					j++;
				} else {
					wd->ids[o++] = wd->ids[j];
				}
			}
			wd->len = o;
			for (int j = 0; j + 1 < wd->len; j++)
				if (pair_add(&tr, wd->ids[j], wd->ids[j + 1], wd->count, wl[q]))
					goto oom_wl;
			continue;
oom_wl:
			free(wl);
			goto oom;
		}
		free(wl);
		tr.pairs[pidx].count = 0;
		/* one fresh heap entry per pair whose count changed; the stale check
		 * above drops the outdated ones */
		for (size_t q = 0; q < tr.nchanged; q++) {
			struct pair_stat *cp = &tr.pairs[tr.changed[q]];
			cp->stamp = 0;
			if (cp->count > 0 && heap_push(&tr, tr.changed[q], cp->count))
				goto oom;
		}
		tr.nchanged = 0;
	}
	trainer_release(&tr);
	if (tok_finish(t, err)) {
		tokenizer_free(t);
		return MENTOR_ERR;
	}
	*out = t;
	return 0;
oom:
	util_err(err, "cannot train tokenizer: out of memory");
fail:
	trainer_release(&tr);
	tokenizer_free(t);
	return MENTOR_ERR;
}

/* ---- encoding and decoding ---- */

int tokenizer_encode_spelled(const struct tokenizer *t, const char *text, size_t len,
			     struct tokenizer_ids *out, char *err)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		int n = util_utf8_decode((const unsigned char *)text + i, len - i, &cp);
		size_t k = n < 1 ? 1 : (size_t)n;
		if (tokenizer_encode(t, text + i, k, out, err))
			return MENTOR_ENOMEM;
		i += k;
	}
	return 0;
}

/* One entry of the long-piece heap: the pair starting at node pos, whose
 * merge has rank rank when it is still current. */
struct bpe_ent {
	int32_t rank;
	int32_t pos;
};

static int bpe_before(const struct bpe_ent *x, const struct bpe_ent *y)
{
	return x->rank != y->rank ? x->rank < y->rank : x->pos < y->pos;
}

static void bpe_push(struct bpe_ent *h, size_t *n, int32_t rank, int32_t pos)
{
	size_t i = (*n)++;
	h[i].rank = rank;
	h[i].pos = pos;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!bpe_before(&h[i], &h[p]))
			break;
		struct bpe_ent tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

static struct bpe_ent bpe_pop(struct bpe_ent *h, size_t *n)
{
	struct bpe_ent top = h[0];
	h[0] = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && bpe_before(&h[l], &h[m]))
			m = l;
		if (r < *n && bpe_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		struct bpe_ent tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
	return top;
}

/* Push the pair (a, b) at node pos when it has a merge. */
static void bpe_offer(const struct tokenizer *t, struct bpe_ent *h, size_t *nh, int32_t a,
		      int32_t b, int32_t pos)
{
	const int32_t *r = pmap_find(&t->rank, pair_key(a, b));
	if (r)
		bpe_push(h, nh, *r, pos);
}

/* Merges applied to a piece of any length in O(n log n): the nodes of a
 * linked list and a heap of their ranked pairs, lowest rank first and, among
 * equal ranks, leftmost first. That is the order of the rescanning loop
 * (lowest rank, then every occurrence left to right): the pairs a merge
 * creates contain its new token, whose own merges all rank later, so each
 * rank's occurrences are all taken before any later rank's. A popped pair
 * is stale when its left node died or either side changed. */
static int encode_long(const struct tokenizer *t, const unsigned char *s, size_t n,
		       struct tokenizer_ids *out)
{
	if (n > (size_t)INT32_MAX / 4)
		return MENTOR_ENOMEM;
	int32_t *id = malloc(n * sizeof *id), *next = malloc(n * sizeof *next),
		*prev = malloc(n * sizeof *prev);
	/* n - 1 pairs at first, and each merge offers at most two more */
	struct bpe_ent *h = malloc(3 * n * sizeof *h);
	int rc = MENTOR_ENOMEM;
	if (!id || !next || !prev || !h)
		goto out;
	size_t nh = 0;
	for (size_t i = 0; i < n; i++) {
		id[i] = s[i];
		prev[i] = (int32_t)i - 1;
		next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
	}
	for (size_t i = 0; i + 1 < n; i++)
		bpe_offer(t, h, &nh, id[i], id[i + 1], (int32_t)i);
	while (nh > 0) {
		struct bpe_ent e = bpe_pop(h, &nh);
		int32_t p = e.pos, q = next[p];
		if (id[p] < 0 || q < 0 || id[p] != t->merges[e.rank][0] ||
		    id[q] != t->merges[e.rank][1])
			continue;
		id[p] = 256 + e.rank;
		id[q] = -1;
		next[p] = next[q];
		if (next[q] >= 0)
			prev[next[q]] = p;
		if (prev[p] >= 0)
			bpe_offer(t, h, &nh, id[prev[p]], id[p], prev[p]);
		if (next[p] >= 0)
			bpe_offer(t, h, &nh, id[p], id[next[p]], p);
	}
	rc = 0;
	for (int32_t p = 0; p >= 0 && rc == 0; p = next[p])
		rc = tokenizer_ids_push(out, id[p]);
out:
	free(id);
	free(next);
	free(prev);
	free(h);
	return rc;
}

/* Cut text[0..len) into pieces and append each one's merged ids. */
static int encode_pieces(const struct tokenizer *t, const char *text, size_t len,
			 struct tokenizer_ids *out, char *err)
{
	const unsigned char *s = (const unsigned char *)text;
	int32_t ids[TOK_MAX_PIECE];
	size_t i = 0;
	while (i < len) {
		size_t k = tokenizer_pretok_next(t->pretok, (const char *)s + i, len - i);
		if (k > TOK_MAX_PIECE) { /* only the regexes' pieces are this long */
			if (encode_long(t, s + i, k, out))
				return util_err(err, "cannot encode text: out of memory"),
				       MENTOR_ENOMEM;
			i += k;
			continue;
		}
		int n = (int)k;
		for (int j = 0; j < n; j++)
			ids[j] = s[i + j];
		while (n >= 2) {
			int32_t best = -1;
			for (int j = 0; j + 1 < n; j++) {
				const int32_t *r = pmap_find(&t->rank,
							     pair_key(ids[j], ids[j + 1]));
				if (r && (best < 0 || *r < best))
					best = *r;
			}
			if (best < 0)
				break;
			int32_t a = t->merges[best][0], b = t->merges[best][1];
			int o = 0;
			for (int j = 0; j < n; j++) {
				if (j + 1 < n && ids[j] == a && ids[j + 1] == b) {
					ids[o++] = 256 + best;
					j++;
				} else {
					ids[o++] = ids[j];
				}
			}
			n = o;
		}
		for (int j = 0; j < n; j++)
			if (tokenizer_ids_push(out, ids[j]))
				return util_err(err, "cannot encode text: out of memory"),
				       MENTOR_ENOMEM;
		i += k;
	}
	return 0;
}

/* encode_pieces after the tokenizer's normalizer. */
static int encode_normalized(const struct tokenizer *t, const char *text, size_t len,
			     struct tokenizer_ids *out, char *err)
{
	if (t->normalizer != TOKENIZER_NORM_NFC || unicode_nfc_quick(text, len))
		return encode_pieces(t, text, len, out, err);
	struct buf b;
	buf_init(&b);
	if (unicode_nfc(text, len, &b)) {
		buf_release(&b);
		return util_err(err, "cannot encode text: out of memory"), MENTOR_ENOMEM;
	}
	int rc = encode_pieces(t, b.data ? b.data : "", b.len, out, err);
	buf_release(&b);
	return rc;
}

/* The added token whose text is the longest to start at s[0..n), or NULL. */
static const struct tok_added *added_at(const struct tokenizer *t, const char *s, size_t n)
{
	const struct tok_added *best = NULL;
	for (size_t i = 0; i < t->n_added; i++) {
		const struct tok_added *a = &t->added[i];
		if (a->len <= n && (!best || a->len > best->len) && a->text[0] == s[0] &&
		    !memcmp(a->text, s, a->len))
			best = a;
	}
	return best;
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len,
		     struct tokenizer_ids *out, char *err)
{
	if (!t->n_added)
		return encode_normalized(t, text, len, out, err);
	size_t from = 0, i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		const struct tok_added *a = NULL;
		if (t->added_first[c / 8] & (1u << (c % 8)))
			a = added_at(t, text + i, len - i);
		if (!a) {
			i++;
			continue;
		}
		if (encode_normalized(t, text + from, i - from, out, err))
			return MENTOR_ENOMEM;
		if (tokenizer_ids_push(out, a->id))
			return util_err(err, "cannot encode text: out of memory"), MENTOR_ENOMEM;
		i += a->len;
		from = i;
	}
	return encode_normalized(t, text + from, len - from, out, err);
}

int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, int flags,
		     struct buf *out, char *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *p = tokenizer_token(t, ids[i], &len);
		if (!p) {
			util_err(err, "cannot decode token %zu: id %ld out of range 0..%d", i,
				 (long)ids[i], t->vocab - 1);
			return MENTOR_EUSAGE;
		}
		if ((flags & TOKENIZER_DECODE_SKIP_SPECIAL) && tokenizer_is_special(t, ids[i]))
			continue;
		if (buf_append(out, p, len))
			return util_err(err, "cannot decode tokens: out of memory"), MENTOR_ENOMEM;
	}
	return 0;
}

/* ---- serialisation: little-endian u32 fields ----
 * "MTOK" u32 version u32 vocab u32 n_merges u32 n_special
 * versions 3, 4: u32 pretok, u32 n_file_ids (0: every token's own id, or vocab)
 * version 4: u32 normalizer, u32 n_added
 * n_merges x (u32 left, u32 right)
 * versions 3, 4: n_file_ids x u32 file id (0xffffffff: not in the file)
 * version 4: n_added x (u32 id, u32 flags (1: special), u32 len, len bytes)
 * u64 FNV-1a of everything before it. */

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int tokenizer_save(const struct tokenizer *t, struct buf *out, char *err)
{
	size_t start = out->len;
	unsigned char hdr[36];
	/* version 3 holds every tokenizer that needs nothing newer, as before */
	int v4 = t->n_added || t->normalizer != TOKENIZER_NORM_NONE ||
		 t->pretok > TOKENIZER_PRETOK_GPT2;
	memcpy(hdr, TOK_MAGIC, 4);
	put_u32(hdr + 4, v4 ? 4 : 3);
	put_u32(hdr + 8, (uint32_t)t->vocab);
	put_u32(hdr + 12, (uint32_t)t->n_merges);
	put_u32(hdr + 16, TOKENIZER_N_SPECIAL);
	put_u32(hdr + 20, (uint32_t)t->pretok);
	put_u32(hdr + 24, t->file_ids ? (uint32_t)t->vocab : 0);
	put_u32(hdr + 28, (uint32_t)t->normalizer);
	put_u32(hdr + 32, (uint32_t)t->n_added);
	if (buf_append(out, hdr, v4 ? 36 : 28))
		goto oom;
	for (int r = 0; r < t->n_merges; r++) {
		unsigned char m[8];
		put_u32(m, (uint32_t)t->merges[r][0]);
		put_u32(m + 4, (uint32_t)t->merges[r][1]);
		if (buf_append(out, m, sizeof m))
			goto oom;
	}
	for (int i = 0; t->file_ids && i < t->vocab; i++) {
		unsigned char f[4];
		put_u32(f, (uint32_t)t->file_ids[i]); /* -1 becomes 0xffffffff */
		if (buf_append(out, f, sizeof f))
			goto oom;
	}
	for (size_t i = 0; i < t->n_added; i++) {
		unsigned char a[12];
		put_u32(a, (uint32_t)t->added[i].id);
		put_u32(a + 4, (uint32_t)t->added[i].special);
		put_u32(a + 8, (uint32_t)t->added[i].len);
		if (buf_append(out, a, sizeof a) ||
		    buf_append(out, t->added[i].text, t->added[i].len))
			goto oom;
	}
	uint64_t h = util_fnv1a(out->data + start, out->len - start, 0);
	unsigned char tail[8];
	put_u32(tail, (uint32_t)h);
	put_u32(tail + 4, (uint32_t)(h >> 32));
	if (buf_append(out, tail, sizeof tail))
		goto oom;
	return 0;
oom:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return util_err(err, "cannot save tokenizer: out of memory"), MENTOR_ENOMEM;
}

/* The added tokens of a version 4 image: n entries at p[0..len); their
 * byte length in *size. Texts point into p. Caller frees *out. */
static int load_added(const unsigned char *p, size_t len, uint32_t n, struct tokenizer_added **out,
		      size_t *size, char *err)
{
	*out = NULL;
	*size = 0;
	if (!n)
		return 0;
	struct tokenizer_added *a = calloc(n, sizeof *a);
	if (!a)
		return util_err(err, "cannot load tokenizer: out of memory");
	size_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 12) {
			free(a);
			return util_err(err, "cannot load tokenizer: truncated in added token %u",
					i);
		}
		uint32_t id = get_u32(p + off), flags = get_u32(p + off + 4),
			 tl = get_u32(p + off + 8);
		off += 12;
		if (flags > 1 || tl < 1 || tl > TOKENIZER_MAX_ADDED_LEN || id > INT32_MAX) {
			free(a);
			return util_err(err, "cannot load tokenizer: added token %u is invalid", i);
		}
		if (len - off < tl) {
			free(a);
			return util_err(err, "cannot load tokenizer: truncated in added token %u",
					i);
		}
		a[i].text = (const char *)p + off;
		a[i].len = tl;
		a[i].id = (int32_t)id;
		a[i].special = (int)flags;
		off += tl;
	}
	*out = a;
	*size = off;
	return 0;
}

int tokenizer_load(const void *data, size_t len, size_t *used, struct tokenizer **out, char *err)
{
	const unsigned char *p = data;
	*out = NULL;
	if (!p || len < 20 || memcmp(p, TOK_MAGIC, 4) != 0)
		return util_err(err, "cannot load tokenizer: not a tokenizer image (bad magic)");
	uint32_t version = get_u32(p + 4), vocab = get_u32(p + 8), nm = get_u32(p + 12),
		 nsp = get_u32(p + 16);
	if (version < 1 || version > TOK_VERSION)
		return util_err(err,
				"cannot load tokenizer: version %u not supported (this "
				"build reads versions 1 to %u; retrain the tokenizer)",
				version, TOK_VERSION);
	if (nsp != TOKENIZER_N_SPECIAL)
		return util_err(err, "cannot load tokenizer: %u special tokens, expected %d", nsp,
				TOKENIZER_N_SPECIAL);
	/* version 4 has added tokens past the specials */
	if (vocab < TOKENIZER_MIN_VOCAB || vocab > TOKENIZER_MAX_VOCAB ||
	    nm > vocab - 256 - TOKENIZER_N_SPECIAL ||
	    (version < 4 && nm != vocab - 256 - TOKENIZER_N_SPECIAL))
		return util_err(err,
				"cannot load tokenizer: vocabulary size %u with %u merges "
				"is invalid",
				vocab, nm);
	/* versions 1 and 2: mentor's pre-tokenizer, every token its own file id */
	size_t hdr = version >= 4 ? 36 : version == 3 ? 28 : 20;
	uint32_t pretok = TOKENIZER_PRETOK_MENTOR, nfile = 0, norm = 0, nadd = 0;
	if (len < hdr)
		return util_err(err, "cannot load tokenizer: truncated (%zu of %zu bytes)", len,
				hdr);
	if (version >= 3) {
		pretok = get_u32(p + 20);
		nfile = get_u32(p + 24);
		if (pretok >= (version >= 4 ? TOKENIZER_N_PRETOK : TOKENIZER_PRETOK_QWEN2))
			return util_err(err,
					"cannot load tokenizer: unknown pre-tokenizer %u "
					"(a newer mentor wrote it?)",
					pretok);
		if (nfile != 0 && nfile != vocab)
			return util_err(err,
					"cannot load tokenizer: %u file ids for a "
					"vocabulary of %u",
					nfile, vocab);
	}
	if (version >= 4) {
		norm = get_u32(p + 28);
		nadd = get_u32(p + 32);
		if (norm >= TOKENIZER_N_NORM)
			return util_err(err,
					"cannot load tokenizer: unknown normalizer %u "
					"(a newer mentor wrote it?)",
					norm);
		if (nadd > TOKENIZER_MAX_ADDED || nadd < vocab - 256 - TOKENIZER_N_SPECIAL - nm)
			return util_err(err,
					"cannot load tokenizer: %u added tokens for a "
					"vocabulary of %u with %u merges",
					nadd, vocab, nm);
	}
	size_t fixed = hdr + (size_t)nm * 8 + (size_t)nfile * 4, added_size;
	if (len < fixed + 8)
		return util_err(err, "cannot load tokenizer: truncated (%zu of %zu bytes)", len,
				fixed + 8);
	struct tokenizer_added *added;
	if (load_added(p + fixed, len - fixed - 8, nadd, &added, &added_size, err))
		return MENTOR_ERR;
	size_t need = fixed + added_size + 8;
	/* version 1 was hashed from a basis one digit short */
	uint64_t h = util_fnv1a(p, need - 8, version == 1 ? UTIL_FNV1A_BASIS_V1 : 0);
	uint64_t stored = (uint64_t)get_u32(p + need - 8) | (uint64_t)get_u32(p + need - 4) << 32;
	if (h != stored) {
		free(added);
		return util_err(err, "cannot load tokenizer: checksum mismatch (corrupt data)");
	}
	int32_t *pairs = malloc(((size_t)nm + 1) * 2 * sizeof *pairs);
	int32_t *f = malloc(((size_t)nfile + 1) * sizeof *f);
	char e2[MENTOR_ERR_LEN];
	int rc = MENTOR_ERR;
	if (!pairs || !f) {
		util_err(err, "cannot load tokenizer: out of memory");
		goto out;
	}
	for (uint32_t r = 0; r < nm; r++) {
		uint32_t a = get_u32(p + hdr + (size_t)r * 8),
			 b = get_u32(p + hdr + 4 + (size_t)r * 8);
		if (a >= 256 + r || b >= 256 + r) {
			util_err(err, "cannot load tokenizer: merge %u refers to a later token", r);
			goto out;
		}
		pairs[2 * r] = (int32_t)a;
		pairs[2 * r + 1] = (int32_t)b;
	}
	for (uint32_t i = 0; i < nfile; i++)
		f[i] = (int32_t)get_u32(p + hdr + (size_t)nm * 8 + (size_t)i * 4);
	struct tokenizer_opts o = {(int)pretok, (int)norm, nfile ? f : NULL, added, nadd};
	if (tokenizer_build_ext(pairs, nm, &o, out, e2)) {
		util_err(err, "cannot load tokenizer: %s", e2);
		goto out;
	}
	if (tokenizer_vocab_size(*out) != (int)vocab) {
		tokenizer_free(*out);
		*out = NULL;
		util_err(err,
			 "cannot load tokenizer: %u added tokens do not make a vocabulary "
			 "of %u",
			 nadd, vocab);
		goto out;
	}
	if (used)
		*used = need;
	rc = 0;
out:
	free(pairs);
	free(f);
	free(added);
	return rc;
}

int tokenizer_save_file(const struct tokenizer *t, const char *path, char *err)
{
	struct buf b;
	buf_init(&b);
	int rc = tokenizer_save(t, &b, err);
	if (rc == 0)
		rc = util_write_file_atomic(path, b.data, b.len, err);
	buf_release(&b);
	return rc;
}

int tokenizer_load_file(const char *path, struct tokenizer **out, char *err)
{
	size_t len;
	*out = NULL;
	char *data = util_read_file(path, TOK_MAX_FILE, &len, err);
	if (!data)
		return MENTOR_ERR;
	char e2[MENTOR_ERR_LEN];
	size_t used;
	int rc = tokenizer_load(data, len, &used, out, e2);
	free(data);
	if (rc)
		return util_err(err, "cannot load tokenizer '%s': %s", path,
				e2 + (strncmp(e2, "cannot load tokenizer: ", 23) ? 0 : 23));
	return 0;
}
