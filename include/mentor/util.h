/* util: the small pieces every module shares: error messages, a growable byte
 * buffer, UTF-8 checks, overflow-checked sizes, file reading and clocks.
 * Nothing here allocates behind the caller's back except where a function says so. */
#ifndef MENTOR_UTIL_H
#define MENTOR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Size of every caller-supplied error buffer: `char err[MENTOR_ERR_LEN]`. */
#define MENTOR_ERR_LEN 512

/* Return codes shared by all modules. 0 is success; negative is failure. */
enum {
	MENTOR_OK = 0,
	MENTOR_ERR = -1,      /* runtime failure; message in err */
	MENTOR_EUSAGE = -2,   /* the caller asked for something invalid */
	MENTOR_ENOTFOUND = -3,
	MENTOR_ENOMEM = -4,
	MENTOR_ECANCEL = -5,
};

#if defined(__GNUC__)
#define MENTOR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MENTOR_PRINTF(a, b)
#endif

/* Fill err (MENTOR_ERR_LEN bytes, may be NULL) with a formatted message and
 * return MENTOR_ERR, so that `return util_err(err, "...")` reads naturally. */
int util_err(char *err, const char *fmt, ...) MENTOR_PRINTF(2, 3);
int util_verr(char *err, const char *fmt, va_list ap);

/* Growable byte buffer, always NUL-terminated when data != NULL.
 * buf_init/buf_release for embedded use; buf_detach hands the memory to the
 * caller (free with free()). Appends return 0, or MENTOR_ENOMEM when the
 * allocation fails or the size would exceed `limit` (0 = SIZE_MAX/2). */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
};
void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) MENTOR_PRINTF(2, 3);
char *buf_detach(struct buf *b, size_t *len);

/* a*b into *out; returns 0, or -1 on overflow. */
int util_mul_size(size_t a, size_t b, size_t *out);
int util_add_size(size_t a, size_t b, size_t *out);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no NUL
 * bytes when forbid_nul); otherwise 0 and *bad_off (may be NULL) is the
 * offset of the first bad byte. */
int util_utf8_valid(const char *s, size_t n, int forbid_nul, size_t *bad_off);
/* Decode one code point at s (n bytes left). Returns its byte length (1..4)
 * and stores the code point, or returns 1 and stores 0xFFFD for a bad byte. */
int util_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Read a whole file (at most `max` bytes, else an error). Returns a
 * NUL-terminated heap copy (caller frees with free()) and its length, or NULL
 * with err filled. */
char *util_read_file(const char *path, size_t max, size_t *len, char *err);
/* Write data atomically: PATH.tmp, fsync, rename. Returns 0 or MENTOR_ERR. */
int util_write_file_atomic(const char *path, const void *data, size_t n, char *err);

/* Clocks: seconds since the epoch (wall) and a monotonic clock in seconds. */
int64_t util_unix_time(void);
double util_mono(void);

/* Duplicate a string (NULL stays NULL); aborts on out-of-memory only for
 * these tiny allocations via util_oom(). Caller frees with free(). */
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);
/* Overwrite the string s (a secret such as an API key) with zero bytes, then
 * free it. NULL is fine. */
void util_free_secret(char *s);
/* Canonical text of a number answer, the importer's rule: surrounding ASCII
 * white space, a leading '$' after the sign and commas between digits are
 * dropped; [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? then becomes plain
 * decimal without needless zeros ("1,200" -> "1200", "$18.00" -> "18",
 * "-0.50" -> "-0.5", "1e3" -> "1000", "-0" -> "0"). NULL when s is not such a
 * number or longer than 64 characters; else a heap string the caller frees. */
char *util_normalise_number(const char *s);
/* A set of strings, each remembered with the (positive) line where it was
 * first added: duplicate checks of ids in imported files. Start from a zeroed
 * struct; util_idset_release frees the copies and the tables (NULL-safe
 * contents; the struct itself is the caller's). */
struct util_idset {
	char **keys;
	long *lines;
	size_t cap, n;
};
void util_idset_release(struct util_idset *s);
/* Add a copy of key seen at line (> 0): 0 when it is new, the line of the
 * earlier copy when it was there already, -1 when out of memory. */
long util_idset_add(struct util_idset *s, const char *key, long line);

/* $XDG_CONFIG_HOME/mentor/NAME, else $HOME/.config/mentor/NAME, as a heap
 * string the caller frees; NULL when neither variable is set (or on OOM). */
char *util_user_config_path(const char *name);
/* Heap copy of s without leading and trailing ASCII white space and with
 * each inner run of it folded to one space; NULL when nothing is left.
 * Caller frees; aborts via util_oom() on out-of-memory. */
char *util_squeeze_space(const char *s);
/* Called on out-of-memory for small fixed allocations: runs the registered
 * hook (the TUI restores the terminal there), prints a line and aborts. */
void util_set_oom_hook(void (*hook)(void));
_Noreturn void util_oom(void);

/* Start prog with argv (NULL-terminated; argv[0] is the name it sees) as a
 * detached process: its own session, adopted by init through a double fork
 * so that a long-lived parent keeps no zombie, standard input from
 * /dev/null, standard output and error appended to log_path. env lists
 * "NAME=VALUE" strings (NULL-terminated, may be NULL) set in the child
 * unless already set. *pid gets the process id. 0 or MENTOR_ERR with err
 * ("cannot start PROG: cause"). */
int util_spawn_detached(const char *prog, char *const argv[], const char *log_path,
			const char *const env[], int64_t *pid, char *err);

/* Parse a whole decimal integer / float; returns 0 on success, -1 if the
 * text is not exactly one number in range. */
int util_parse_long(const char *s, long lo, long hi, long *out);
int util_parse_double(const char *s, double *out);

/* 64-bit FNV-1a, and a hex SHA-256 for cache keys (out: 65 bytes). */
uint64_t util_fnv1a(const void *p, size_t n, uint64_t h);
void util_sha256_hex(const void *p, size_t n, char out[65]);

/* Deterministic PRNG (xorshift64*), never rand(): same seed, same stream. */
struct rng {
	uint64_t s;
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform float in [0, 1). */
double rng_unit(struct rng *r);

#endif
