/* unicode: the character classes of GPT-2's pre-tokenizer regex (\p{L},
 * \p{N}, \s and everything else), from tables generated out of the Unicode
 * Character Database by scripts/gen_unicode_tables.py (src/unicode_tables.c
 * names the version). No state; safe from any thread. */
#ifndef MENTOR_UNICODE_H
#define MENTOR_UNICODE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
