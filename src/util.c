/* util: error messages, byte buffers, UTF-8, sizes, files, clocks, hashing
 * and a deterministic PRNG shared by every module (see include/mentor/util.h). */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include "mentor/util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int util_verr(char *err, const char *fmt, va_list ap)
{
	if (err)
		vsnprintf(err, MENTOR_ERR_LEN, fmt, ap);
	return MENTOR_ERR;
}

int util_err(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(err, fmt, ap);
	va_end(ap);
	return MENTOR_ERR;
}

static void (*oom_hook)(void);

void util_set_oom_hook(void (*hook)(void))
{
	oom_hook = hook;
}

_Noreturn void util_oom(void)
{
	if (oom_hook)
		oom_hook();
	fputs("mentor: out of memory\n", stderr);
	abort();
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = 0;
}

void buf_release(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t limit = b->limit ? b->limit : SIZE_MAX / 2;
	size_t need;
	if (util_add_size(b->len, extra, &need) || util_add_size(need, 1, &need) ||
	    need > limit + 1)
		return MENTOR_ENOMEM;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return MENTOR_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n))
		return MENTOR_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, int c)
{
	char ch = (char)c;
	return buf_append(b, &ch, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MENTOR_ERR;
	if (buf_grow(b, (size_t)n))
		return MENTOR_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data;
	if (!p) {
		p = malloc(1);
		if (!p)
			util_oom();
		p[0] = '\0';
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int util_mul_size(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

int util_add_size(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return -1;
	*out = a + b;
	return 0;
}

const char *util_memfind(const char *hay, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; k && k <= n && i <= n - k; i++)
		if (hay[i] == needle[0] && !memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

int util_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	int len;
	uint32_t v, min;
	if ((c & 0xE0) == 0xC0) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if ((size_t)len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = v;
	return len;
}

int util_utf8_valid(const char *s, size_t n, int forbid_nul, size_t *bad_off)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			if (forbid_nul && p[i] == 0)
				goto bad;
			i++;
			continue;
		}
		uint32_t cp;
		int k = util_utf8_decode(p + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1)
			goto bad;
		i += (size_t)k;
	}
	return 1;
bad:
	if (bad_off)
		*bad_off = i;
	return 0;
}

/* ------------------------------------------------------ terminal safety */

int util_term_unsafe(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1;
	if (cp < 0xad)
		return 0;
	return cp == 0xad || cp == 0x61c || cp == 0x180e || cp == 0x200b || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0xfffe || cp == 0xffff ||
	       (cp >= 0xe0000 && cp <= 0xe007f);
}

int util_term_char(const char *s, size_t n, unsigned flags, uint32_t *cp, char rep[16], int *esc)
{
	const unsigned char *p = (const unsigned char *)s;
	int len = util_utf8_decode(p, n, cp);
	*esc = 0;
	if (*cp == 0xFFFD && len == 1) {
		/* a bad byte (a real U+FFFD decodes with length 3) */
		snprintf(rep, 16, "\\x%02x", p[0]);
		*esc = 1;
		return 1;
	}
	if (!util_term_unsafe(*cp) || (*cp == '\n' && (flags & UTIL_TERM_NL)) ||
	    (*cp == '\t' && (flags & UTIL_TERM_TAB)))
		return len;
	*esc = 1;
	if (*cp == '\n')
		snprintf(rep, 16, "\\n");
	else if (*cp == '\t')
		snprintf(rep, 16, "\\t");
	else if (*cp == '\r')
		snprintf(rep, 16, "\\r");
	else if (*cp < 0x80)
		snprintf(rep, 16, "\\x%02x", (unsigned)*cp);
	else if (*cp <= 0xffff)
		snprintf(rep, 16, "\\u%04x", (unsigned)*cp);
	else
		snprintf(rep, 16, "\\U%08x", (unsigned)*cp);
	return len;
}

int util_term_escape(struct buf *out, const char *s, size_t n, unsigned flags)
{
	size_t i = 0, run = 0;
	while (i < n) {
		uint32_t cp;
		char rep[16];
		int esc;
		int k = util_term_char(s + i, n - i, flags, &cp, rep, &esc);
		if (esc) {
			if (buf_append(out, s + run, i - run) || buf_puts(out, rep))
				return MENTOR_ENOMEM;
			run = i + (size_t)k;
		}
		i += (size_t)k;
	}
	return buf_append(out, s + run, i - run);
}

int util_term_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x483 && cp <= 0x489) ||
	    (cp >= 0x591 && cp <= 0x5BD) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	    (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	    (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	    (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
	    (cp >= 0x1F680 && cp <= 0x1F6FF) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
	    (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

/* Columns of the character at s as util_term_put draws it. */
static int term_cols(const char *s, size_t n, int layout, size_t *len, uint32_t *cp, char rep[16],
		     int *esc)
{
	*len = (size_t)util_term_char(s, n,
				      layout == UTIL_PUT_LINES ? UTIL_TERM_NL | UTIL_TERM_TAB : 0,
				      cp, rep, esc);
	if (layout == UTIL_PUT_CELL && (*cp == '\n' || *cp == '\t' || *cp == '\r'))
		return 1;
	if (!*esc && *cp == '\t')
		return 8;
	return *esc ? (int)strlen(rep) : util_term_width(*cp);
}

int util_term_put(FILE *f, const char *s, int layout, const char *indent, int max_cols)
{
	if (!s)
		s = "-";
	size_t n = strlen(s), i = 0;
	int cols = 0;
	while (i < n) {
		uint32_t cp;
		char rep[16];
		int esc;
		size_t k;
		int w = term_cols(s + i, n - i, layout, &k, &cp, rep, &esc);
		if (max_cols > 0 && cols + w > max_cols - 3) {
			/* does the rest fit? otherwise cut here */
			int rest = 0;
			size_t j = i;
			while (j < n && cols + rest <= max_cols) {
				size_t l2;
				uint32_t c2;
				char r2[16];
				int e2;
				rest += term_cols(s + j, n - j, layout, &l2, &c2, r2, &e2);
				j += l2;
			}
			if (j < n || cols + rest > max_cols) {
				fputs("...", f);
				return cols + 3;
			}
		}
		if (layout == UTIL_PUT_CELL && (cp == '\n' || cp == '\t' || cp == '\r')) {
			fputc(' ', f);
		} else if (cp == '\n' && !esc) {
			fputc('\n', f);
			fputs(indent ? indent : "", f);
			cols = 0;
			w = 0;
		} else if (esc) {
			fputs(rep, f);
		} else {
			fwrite(s + i, 1, k, f);
		}
		cols += w;
		i += k;
	}
	return cols;
}

int util_json_clean(struct buf *out, const char *json, size_t n)
{
	size_t i = 0, run = 0;
	while (i < n) {
		uint32_t cp;
		int k = util_utf8_decode((const unsigned char *)json + i, n - i, &cp);
		int bad = cp == 0xFFFD && k == 1;
		if (bad || (cp >= 0x7f && util_term_unsafe(cp))) {
			int rc = buf_append(out, json + run, i - run);
			if (bad)
				cp = 0xFFFD;
			if (cp > 0xffff) {
				uint32_t v = cp - 0x10000;
				rc |= buf_printf(out, "\\u%04x\\u%04x",
						 (unsigned)(0xd800 + (v >> 10)),
						 (unsigned)(0xdc00 + (v & 0x3ff)));
			} else {
				rc |= buf_printf(out, "\\u%04x", (unsigned)cp);
			}
			if (rc)
				return MENTOR_ENOMEM;
			run = i + (size_t)k;
		}
		i += (size_t)k;
	}
	return buf_append(out, json + run, i - run);
}

char *util_read_file(const char *path, size_t max, size_t *len, char *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		util_err(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct buf b;
	buf_init(&b);
	b.limit = max;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_append(&b, chunk, n)) {
			if (b.len + n > max)
				util_err(err, "cannot read '%s': larger than %zu bytes", path, max);
			else
				util_err(err, "cannot read '%s': out of memory", path);
			goto fail;
		}
	}
	if (ferror(f)) {
		util_err(err, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	return buf_detach(&b, len);
fail:
	fclose(f);
	buf_release(&b);
	return NULL;
}

int util_write_file_atomic(const char *path, const void *data, size_t n, char *err)
{
	struct buf tmp;
	buf_init(&tmp);
	if (buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()))
		return util_err(err, "cannot write '%s': out of memory", path);
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		util_err(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		goto out_tmp;
	}
	const char *p = data;
	size_t left = n;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			util_err(err, "cannot write '%s': %s", tmp.data, strerror(errno));
			goto out_unlink;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		util_err(err, "cannot write '%s': fsync: %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		util_err(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp.data, path) != 0) {
		util_err(err, "cannot rename '%s' to '%s': %s", tmp.data, path, strerror(errno));
		goto out_unlink;
	}
	buf_release(&tmp);
	return 0;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
out_tmp:
	buf_release(&tmp);
	return MENTOR_ERR;
}

int util_tmp_cleanup(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	size_t bl = strlen(base);
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *nm = e->d_name;
		if (strncmp(nm, base, bl) || strncmp(nm + bl, ".tmp.", 5))
			continue;
		long pid;
		if (util_parse_long(nm + bl + 5, 1, INT_MAX, &pid) != 0 || (pid_t)pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue; /* not ours, or a writer that may still be running */
		struct buf p;
		buf_init(&p);
		if (buf_printf(&p, "%s/%s", dir, nm) == 0 && unlink(p.data) == 0)
			removed++;
		buf_release(&p);
	}
	closedir(d);
	return removed;
}

int64_t util_unix_time(void)
{
	return (int64_t)time(NULL);
}

double util_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

char *util_strdup(const char *s)
{
	if (!s)
		return NULL;
	return util_strndup(s, strlen(s));
}

char *util_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = malloc(n + 1);
	if (!p)
		util_oom();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void util_free_secret(char *s)
{
	if (!s)
		return;
	volatile char *k = s;
	for (size_t i = 0; k[i]; i++)
		k[i] = 0;
	free(s);
}

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}
static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char *util_normalise_number(const char *s)
{
	size_t n = strlen(s);
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n > 64)
		return NULL;
	const char *t = s;
	char clean[80];
	size_t k = 0;
	size_t i = 0;
	if (t[i] == '+' || t[i] == '-')
		clean[k++] = t[i++];
	if (t[i] == '$')
		i++;
	for (; i < n; i++) {
		char c = t[i];
		/* Thousands separators only between digits. */
		if (c == ',' && i > 0 && is_digit(t[i - 1]) && i + 1 < n && is_digit(t[i + 1]))
			continue;
		clean[k++] = c;
	}
	clean[k] = 0;
	/* Strict shape: [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? */
	const char *p = clean;
	int neg = 0;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	const char *ip = p;
	while (is_digit(*p))
		p++;
	size_t il = (size_t)(p - ip);
	const char *fp = NULL;
	size_t fl = 0;
	if (*p == '.') {
		fp = ++p;
		while (is_digit(*p))
			p++;
		fl = (size_t)(p - fp);
	}
	if (il == 0 && fl == 0)
		return NULL;
	int has_exp = 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return NULL;
		while (is_digit(*p))
			p++;
		has_exp = 1;
	}
	if (*p)
		return NULL;
	char out[96];
	if (has_exp) {
		double v;
		if (util_parse_double(clean, &v) || !isfinite(v))
			return NULL;
		if (v == floor(v) && fabs(v) < 1e15)
			snprintf(out, sizeof out, "%.0f", v);
		else
			snprintf(out, sizeof out, "%.15g", v);
		if (!strcmp(out, "-0"))
			snprintf(out, sizeof out, "0");
		return util_strdup(out);
	}
	/* Textual canonical form: exact for any number of digits. */
	while (il > 1 && *ip == '0') {
		ip++;
		il--;
	}
	while (fl && fp[fl - 1] == '0')
		fl--;
	int zero = 1;
	for (size_t j = 0; j < il; j++)
		zero &= ip[j] == '0';
	for (size_t j = 0; j < fl; j++)
		zero &= fp[j] == '0';
	if (zero)
		return util_strdup("0");
	k = 0;
	if (neg)
		out[k++] = '-';
	if (il == 0)
		out[k++] = '0';
	memcpy(out + k, ip, il);
	k += il;
	if (fl) {
		out[k++] = '.';
		memcpy(out + k, fp, fl);
		k += fl;
	}
	/* ".5" gains a "0": a result past the input limit would not normalise
	 * to itself again, so it is refused like such an input */
	if (k > 64)
		return NULL;
	out[k] = 0;
	return util_strdup(out);
}

void util_idset_release(struct util_idset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->lines);
	memset(s, 0, sizeof *s);
}

long util_idset_add(struct util_idset *s, const char *key, long line)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		char **nk = calloc(ncap, sizeof *nk);
		long *nl = calloc(ncap, sizeof *nl);
		if (!nk || !nl) {
			free(nk);
			free(nl);
			return -1;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->keys[i])
				continue;
			size_t h = (size_t)util_fnv1a(s->keys[i], strlen(s->keys[i]), 0) &
				   (ncap - 1);
			while (nk[h])
				h = (h + 1) & (ncap - 1);
			nk[h] = s->keys[i];
			nl[h] = s->lines[i];
		}
		free(s->keys);
		free(s->lines);
		s->keys = nk;
		s->lines = nl;
		s->cap = ncap;
	}
	size_t h = (size_t)util_fnv1a(key, strlen(key), 0) & (s->cap - 1);
	while (s->keys[h]) {
		if (!strcmp(s->keys[h], key))
			return s->lines[h];
		h = (h + 1) & (s->cap - 1);
	}
	s->keys[h] = util_strdup(key);
	s->lines[h] = line;
	s->n++;
	return 0;
}

char *util_user_config_path(const char *name)
{
	struct buf b;
	buf_init(&b);
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *h = getenv("HOME");
	int rc;
	if (x && *x)
		rc = buf_printf(&b, "%s/mentor/%s", x, name);
	else if (h && *h)
		rc = buf_printf(&b, "%s/.config/mentor/%s", h, name);
	else
		return NULL;
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *util_squeeze_space(const char *s)
{
	struct buf b;
	buf_init(&b);
	int space = 0;
	for (const char *p = s; *p; p++) {
		if (is_space(*p)) {
			space = b.len > 0;
			continue;
		}
		if (space && buf_putc(&b, ' '))
			util_oom();
		space = 0;
		if (buf_putc(&b, *p))
			util_oom();
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int util_parse_long(const char *s, long lo, long hi, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int util_parse_double(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

uint64_t util_fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	if (!h)
		h = UTIL_FNV1A_BASIS;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* SHA-256 after FIPS 180-4; used for cache keys and dataset content hashes. */
static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void util_sha256_hex(const void *data, size_t n, char out[65])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const unsigned char *p = data;
	size_t left = n;
	while (left >= 64) {
		sha_block(h, p);
		p += 64;
		left -= 64;
	}
	unsigned char tail[128] = {0};
	memcpy(tail, p, left);
	tail[left] = 0x80;
	size_t tl = left < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha_block(h, tail);
	if (tl == 128)
		sha_block(h, tail + 64);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++) {
			unsigned char byte = (unsigned char)(h[i] >> (24 - 8 * j));
			out[i * 8 + j * 2] = hex[byte >> 4];
			out[i * 8 + j * 2 + 1] = hex[byte & 15];
		}
	out[64] = '\0';
}

void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64 so that nearby seeds give unrelated streams */
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	r->s = z ? z : 0x2545F4914F6CDD1DULL;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = rng_next(r);
	while (x >= lim);
	return x % n;
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Set "NAME=VALUE" unless NAME is set already (in a forked child only). */
static void put_env_default(const char *pair)
{
	const char *eq = strchr(pair, '=');
	char name[128];
	if (!eq || (size_t)(eq - pair) >= sizeof name)
		return;
	memcpy(name, pair, (size_t)(eq - pair));
	name[eq - pair] = 0;
	setenv(name, eq + 1, 0);
}

int util_spawn_detached(const char *prog, char *const argv[], const char *log_path,
			const char *const env[], int64_t *pid, char *err)
{
	int fds[2];
	if (pipe(fds) != 0)
		return util_err(err, "cannot start %s: %s", prog, strerror(errno));
	pid_t child = fork();
	if (child < 0) {
		util_err(err, "cannot start %s: %s", prog, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return MENTOR_ERR;
	}
	if (child == 0) {
		/* first child: a new session, then a grandchild that init adopts */
		close(fds[0]);
		setsid();
		pid_t g = fork();
		if (g == 0) {
			close(fds[1]);
			int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
			int nullfd = open("/dev/null", O_RDONLY);
			if (nullfd >= 0)
				dup2(nullfd, 0);
			if (logfd >= 0) {
				dup2(logfd, 1);
				dup2(logfd, 2);
			}
			for (size_t i = 0; env && env[i]; i++)
				put_env_default(env[i]);
			execv(prog, argv);
			_exit(127);
		}
		int64_t gp = g > 0 ? (int64_t)g : -1;
		ssize_t w = write(fds[1], &gp, sizeof gp);
		(void)w;
		_exit(0);
	}
	close(fds[1]);
	int64_t gp = -1;
	ssize_t got;
	do
		got = read(fds[0], &gp, sizeof gp);
	while (got < 0 && errno == EINTR);
	close(fds[0]);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof gp || gp <= 0)
		return util_err(err, "cannot start %s: fork failed", prog);
	*pid = gp;
	return 0;
}
