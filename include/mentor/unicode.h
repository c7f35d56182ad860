/* unicode: the character classes of the pre-tokenizers' regexes (\p{L},
 * \p{N}, \s and everything else), from tables generated out of the Unicode
 * Character Database by scripts/gen_unicode_tables.py (src/unicode_tables.c
 * names the version), and Normalization Form C from the tables of
 * scripts/gen_nfc_tables.py. No state; safe from any thread. */
#ifndef MENTOR_UNICODE_H
#define MENTOR_UNICODE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum unicode_class {
	UNICODE_OTHER = 0,  /* neither of the three below; also unassigned code points */
	UNICODE_LETTER = 1, /* General Category L* (Lu, Ll, Lt, Lm, Lo) */
	UNICODE_NUMBER = 2, /* General Category N* (Nd, Nl, No) */
	UNICODE_SPACE = 3,  /* the White_Space property */
};

/* The class of code point cp (UNICODE_OTHER above U+10FFFF). */
int unicode_class(uint32_t cp);

/* The class of the character at s (n > 0 bytes left), in *cls, and its
 * length in bytes (1..4). A byte that does not begin a well-formed UTF-8
 * sequence (util_utf8_decode's rule: no overlongs, surrogates, code points
 * past U+10FFFF or cut sequences) is one character of class UNICODE_OTHER
 * by itself. */
int unicode_char_class(const unsigned char *s, size_t n, int *cls);

/* The Unicode version the tables were generated from, e.g. "14.0.0". */
const char *unicode_version(void);

/* Append the NFC form of text[0..len) to out (Unicode's Normalization Form
 * C: full canonical decomposition, canonical ordering by combining class,
 * canonical composition without the exclusions, Hangul by arithmetic). A
 * byte that does not begin a well-formed UTF-8 sequence is copied as it is
 * and acts as a starter that composes with nothing. Text that holds no code
 * point the quick check flags is copied unchanged. Returns 0, or
 * MENTOR_ENOMEM (out keeps what it had). */
int unicode_nfc(const char *text, size_t len, struct buf *out);
/* 1 when text[0..len) holds no code point that NFC could change or join to
 * its neighbour (then it is NFC already), else 0. */
int unicode_nfc_quick(const char *text, size_t len);
/* The canonical combining class of cp (0 for starters and beyond U+10FFFF). */
int unicode_ccc(uint32_t cp);
/* The Unicode version of the NFC tables, e.g. "14.0.0". */
const char *unicode_nfc_version(void);

#endif
