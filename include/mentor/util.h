/* util: the small pieces every module shares: error messages, a growable byte
 * buffer, UTF-8 checks, overflow-checked sizes, file reading and clocks.
 * Nothing here allocates behind the caller's back except where a function says so. */
#ifndef MENTOR_UTIL_H
#define MENTOR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Size of every caller-supplied error buffer: `char err[MENTOR_ERR_LEN]`. */
#define MENTOR_ERR_LEN 512

/* Return codes shared by all modules. 0 is success; negative is failure. */
enum {
	MENTOR_OK = 0,
	MENTOR_ERR = -1,    /* runtime failure; message in err */
	MENTOR_EUSAGE = -2, /* the caller asked for something invalid */
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
/* The first place of needle (k > 0 bytes) in hay[0..n), or NULL (memmem,
 * which C11 and POSIX lack). */
const char *util_memfind(const char *hay, size_t n, const char *needle, size_t k);

/* Terminal safety: the one rule for every text that leaves mentor for a
 * terminal (CLI output, error messages, the workbench) or an HTML page.
 * Shown as visible escapes, never raw: C0 controls (\n \t \r as "\n" "\t"
 * "\r", the others as "\x1b"), DEL ("\x7f"), C1 controls ("\u009b"), bidi
 * controls (U+061C, U+200E/F, U+202A-E, U+2066-9), invisible format
 * characters (U+00AD soft hyphen, U+180E, U+200B, U+2028/9, U+2060-4,
 * U+206A-F, U+FEFF, U+FFF9-B, the tags U+E0000-7F) and the non-characters
 * U+FFFE/U+FFFF ("\u202e", "\U000e0041"); a byte that is not UTF-8 is
 * "\xNN" (NN >= 80, so it never reads as a C0 escape). Zero-width joiners
 * (U+200D/U+200C), variation selectors and combining marks are text, not
 * escaped. Flags select layouts that keep '\n' and '\t' raw. */
enum {
	UTIL_TERM_NL = 1,  /* keep '\n' raw */
	UTIL_TERM_TAB = 2, /* keep '\t' raw */
};
/* 1 if code point cp must never reach a terminal raw (the rule above,
 * without the layout exceptions). */
int util_term_unsafe(uint32_t cp);
/* The character at s (n > 0 bytes left): returns its byte length (1..4) and
 * its code point in *cp (0xFFFD with length 1 for a bad byte). When it must
 * be escaped under flags, rep (16 bytes) holds the escape and 1 is stored in
 * *esc; else *esc is 0 and s[0..len) is safe to write as it is. */
int util_term_char(const char *s, size_t n, unsigned flags, uint32_t *cp, char rep[16], int *esc);
/* Append s[0..n) to out with the rule applied. 0 or MENTOR_ENOMEM. */
int util_term_escape(struct buf *out, const char *s, size_t n, unsigned flags);
/* Columns a terminal gives a safe code point without a locale's wcwidth:
 * 0 for combining marks and joiners, 2 for East Asian wide and emoji, else 1. */
int util_term_width(uint32_t cp);
/* Layouts of util_term_put. */
enum {
	UTIL_PUT_LINES = 0, /* '\n' and '\t' stay; each new line starts with indent */
	UTIL_PUT_CELL = 1,  /* one line: '\n', '\r' and '\t' become spaces */
	UTIL_PUT_ESC = 2,   /* one line: '\n' and '\t' shown as escapes too */
};
/* Write s (NULL writes "-") to f with the rule applied in the given layout
 * (indent may be NULL). max_cols > 0 cuts the text with "..." to at most
 * max_cols columns. Returns the columns written on the last line. */
int util_term_put(FILE *f, const char *s, int layout, const char *indent, int max_cols);
/* JSON text with every character the rule escapes, and every bad byte,
 * written as \uXXXX (a surrogate pair above U+FFFF; U+FFFD for a bad byte)
 * so that nothing invisible or controlling is left raw in JSON output. The
 * input is JSON text (such characters occur only inside its strings).
 * Appends to out; 0 or MENTOR_ENOMEM. */
int util_json_clean(struct buf *out, const char *json, size_t n);

/* Read a whole file (at most `max` bytes, else an error). Returns a
 * NUL-terminated heap copy (caller frees with free()) and its length, or NULL
 * with err filled. */
char *util_read_file(const char *path, size_t max, size_t *len, char *err);
/* Write data atomically: PATH.tmp, fsync, rename. Returns 0 or MENTOR_ERR. */
int util_write_file_atomic(const char *path, const void *data, size_t n, char *err);

/* Remove the temporary files "BASE.tmp.PID" in dir that an interrupted
 * util_write_file_atomic (or checkpoint write) left behind: those whose PID
 * is not a live process (this process's own are kept). Returns how many
 * were removed, or -1 when dir cannot be read. */
int util_tmp_cleanup(const char *dir, const char *base);

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

/* 64-bit FNV-1a, and a hex SHA-256 for cache keys (out: 65 bytes).
 * util_fnv1a continues the hash h over p[0..n); h = 0 starts from the FNV-1a
 * 64 offset basis UTIL_FNV1A_BASIS. UTIL_FNV1A_BASIS_V1 is the basis, one
 * digit short, that files written before it was fixed were hashed with
 * (checkpoint and tokenizer image version 1); readers of those pass it. */
#define UTIL_FNV1A_BASIS 14695981039346656037ULL
#define UTIL_FNV1A_BASIS_V1 1469598103934665603ULL
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

/* Last, so that every file that includes util.h cannot call the banned functions. */
#include "mentor/banned.h"

#endif
