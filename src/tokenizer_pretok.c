/* tokenizer_pretok: the four pre-tokenizers that cut text into the pieces
 * merges never cross: mentor's own, and the regexes of GPT-2, Qwen2 and
 * Llama 3 written out by hand over the Unicode classes of unicode.h (see
 * enum tokenizer_pretok in include/mentor/tokenizer.h for each regex). */
#include <string.h>

#include "mentor/tokenizer.h"
#include "mentor/unicode.h"
#include "tokenizer_int.h"

const char *tokenizer_pretok_name(int kind)
{
	switch (kind) {
	case TOKENIZER_PRETOK_MENTOR: return "mentor";
	case TOKENIZER_PRETOK_GPT2: return "gpt2";
	case TOKENIZER_PRETOK_QWEN2: return "qwen2";
	case TOKENIZER_PRETOK_LLAMA3: return "llama3";
	case TOKENIZER_PRETOK_SMOLLM: return "smollm";
	default: return NULL;
	}
}

int tokenizer_pretok_parse(const char *name)
{
	for (int k = 0; name && k < TOKENIZER_N_PRETOK; k++)
		if (!strcmp(name, tokenizer_pretok_name(k)))
			return k;
	return -1;
}

/* ---- pre-tokenisation ---- */

enum { CL_SPACE, CL_LETTER, CL_DIGIT, CL_OTHER };

/* Class of the code point at s (n bytes left); *k gets its byte length. */
static int char_class(const unsigned char *s, size_t n, int *k)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*k = 1;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			return CL_SPACE;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return CL_LETTER;
		if (c >= '0' && c <= '9')
			return CL_DIGIT;
		return CL_OTHER;
	}
	uint32_t cp;
	*k = util_utf8_decode(s, n, &cp);
	if (cp == 0xFFFD && *k == 1)
		return CL_OTHER; /* a stray byte stands alone as punctuation */
	if (cp == 0x3000)
		return CL_SPACE; /* ideographic space */
	if (cp >= 0xFF10 && cp <= 0xFF19)
		return CL_DIGIT; /* fullwidth digits */
	if ((cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
	    (cp >= 0x3001 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
	    (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
	    (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xD7 || cp == 0xF7 ||
	    (cp >= 0x2190 && cp <= 0x22FF))
		return CL_OTHER; /* punctuation, symbols, arrows, math */
	return CL_LETTER;
}

/* Length of the pre-token starting at s[0..n) (n > 0). A pre-token is an
 * optional single leading space and then a run of letters, one digit, or a
 * run of other characters; or a run of white space (leaving a final space
 * that precedes a non-space to the next pre-token). Capped at TOK_MAX_PIECE
 * bytes, cut at a code point boundary. */
static size_t next_piece(const unsigned char *s, size_t n)
{
	size_t i = 0;
	int k, cl = char_class(s, n, &k);
	if (cl == CL_SPACE) {
		if (s[0] == ' ' && n > 1) {
			int k2, cl2 = char_class(s + 1, n - 1, &k2);
			if (cl2 != CL_SPACE) {
				i = 1;
				goto body;
			}
		}
		size_t j = 0, last = 0;
		while (j < n) {
			int kk;
			/* a multi-byte space must not carry the piece past the cap */
			if (char_class(s + j, n - j, &kk) != CL_SPACE ||
			    j + (size_t)kk > TOK_MAX_PIECE)
				break;
			last = j;
			j += (size_t)kk;
		}
		if (j < n && j > last && s[last] == ' ' && last > 0 &&
		    char_class(s + j, n - j, &k) != CL_SPACE)
			return last; /* the final space joins the next word */
		return j ? j : (size_t)k;
	}
body:
	cl = char_class(s + i, n - i, &k);
	if (cl == CL_DIGIT)
		return i + (size_t)k;
	size_t j = i + (size_t)k;
	while (j < n) {
		int kk, c2 = char_class(s + j, n - j, &kk);
		if (c2 != cl || j + (size_t)kk > TOK_MAX_PIECE)
			break;
		j += (size_t)kk;
	}
	return j;
}

/* GPT-2's regex, alternative by alternative, leftmost first:
 *   's|'t|'re|'ve|'m|'ll|'d          a contraction (lower case only)
 *   | ?\p{L}+| ?\p{N}+              an optional U+0020 and a run of letters
 *   | ?[^\s\p{L}\p{N}]+              (or numbers, or other characters)
 *   |\s+(?!\S)                       a run of white space up to the end of the
 *                                    text, or but its last character (which
 *                                    precedes a non-space) when that leaves one
 *   |\s+                             the run otherwise (one character then)
 * Bad UTF-8 bytes are single characters of the "other" class
 * (unicode_char_class). No backtracking is needed: each alternative either
 * takes the longest run of one class or fails at its first character. */
static size_t gpt2_next_piece(const unsigned char *s, size_t n)
{
	if (s[0] == '\'' && n >= 2) {
		unsigned c = s[1];
		if (c == 's' || c == 't' || c == 'm' || c == 'd')
			return 2;
		if (n >= 3 && ((c == 'r' && s[2] == 'e') || (c == 'v' && s[2] == 'e') ||
			       (c == 'l' && s[2] == 'l')))
			return 3;
	}
	size_t i = 0;
	int cls, k = unicode_char_class(s, n, &cls);
	if (s[0] == ' ' && n > 1) {
		int cls2, k2 = unicode_char_class(s + 1, n - 1, &cls2);
		if (cls2 != UNICODE_SPACE) {
			/* " ?" takes the space; the run's class is the next character's */
			i = 1;
			cls = cls2;
			k = k2;
		}
	}
	if (i == 0 && cls == UNICODE_SPACE) {
		size_t j = 0, last = 0;
		while (j < n) {
			int c, kk = unicode_char_class(s + j, n - j, &c);
			if (c != UNICODE_SPACE)
				break;
			last = j;
			j += (size_t)kk;
		}
		if (j < n && last > 0)
			return last; /* \s+(?!\S) backs off one character */
		return j;            /* to the end, or \s+ of one character */
	}
	size_t j = i + (size_t)k;
	while (j < n) {
		int c, kk = unicode_char_class(s + j, n - j, &c);
		if (c != cls)
			break;
		j += (size_t)kk;
	}
	return j;
}

/* Length of the run of characters of class cls at s[0..n). */
static size_t class_run(const unsigned char *s, size_t n, int cls)
{
	size_t j = 0;
	while (j < n) {
		int c, k = unicode_char_class(s + j, n - j, &c);
		if (c != cls)
			break;
		j += (size_t)k;
	}
	return j;
}

/* Length of a contraction's letters at s (after the apostrophe), matched
 * as (?i:s|t|re|ve|m|ll|d) under Unicode simple case folding, or 0. */
static size_t contraction(const unsigned char *s, size_t n)
{
	unsigned c = n ? s[0] | 0x20 : 0, d = n > 1 ? s[1] | 0x20 : 0;
	if (n >= 2 && s[0] == 0xC5 && s[1] == 0xBF)
		return 2; /* U+017F folds to s */
	if (c == 's' || c == 't' || c == 'm' || c == 'd')
		return 1;
	if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l'))
		return 2;
	return 0;
}

static int is_crlf(unsigned char c)
{
	return c == '\r' || c == '\n';
}

/* Qwen2's regex, and Llama 3's with max_digits 3, leftmost alternative
 * first:
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)        a contraction
 *   |[^\r\n\p{L}\p{N}]?\p{L}+          a run of letters, after one character
 *                                       of any other class but CR and LF
 *   |\p{N}{1,max_digits}                digits
 *   | ?[^\s\p{L}\p{N}]+[\r\n]*          other characters, with the line
 *                                       breaks that follow them
 *   |\s*[\r\n]+                         white space to its last line break
 *   |\s+(?!\S)|\s+                      white space as in GPT-2's
 * Only \s*[\r\n]+ backtracks: \s* gives back characters until the rest
 * starts at a line break, so the match ends after the run's last one. */
static size_t qwen_next_piece(const unsigned char *s, size_t n, int max_digits)
{
	if (s[0] == '\'' && n >= 2) {
		size_t k = contraction(s + 1, n - 1);
		if (k)
			return 1 + k;
	}
	int c0, c1 = UNICODE_OTHER;
	size_t k0 = (size_t)unicode_char_class(s, n, &c0), k1 = 0;
	if (k0 < n)
		k1 = (size_t)unicode_char_class(s + k0, n - k0, &c1);
	if (c0 == UNICODE_LETTER)
		return k0 + class_run(s + k0, n - k0, UNICODE_LETTER);
	if (c0 != UNICODE_NUMBER && !is_crlf(s[0]) && c1 == UNICODE_LETTER && k0 < n)
		return k0 + k1 + class_run(s + k0 + k1, n - k0 - k1, UNICODE_LETTER);
	if (c0 == UNICODE_NUMBER) {
		size_t j = k0;
		for (int d = 1; d < max_digits && j < n; d++) {
			int c, k = unicode_char_class(s + j, n - j, &c);
			if (c != UNICODE_NUMBER)
				break;
			j += (size_t)k;
		}
		return j;
	}
	size_t i = 0;
	if (s[0] == ' ' && k0 < n && c1 == UNICODE_OTHER)
		i = 1, c0 = UNICODE_OTHER, k0 = k1;
	if (c0 == UNICODE_OTHER) {
		size_t j = i + k0;
		j += class_run(s + j, n - j, UNICODE_OTHER);
		while (j < n && is_crlf(s[j]))
			j++;
		return j;
	}
	/* white space: up to its last line break, else as GPT-2's */
	size_t j = 0, last = 0, after_nl = 0;
	while (j < n) {
		int c, k = unicode_char_class(s + j, n - j, &c);
		if (c != UNICODE_SPACE)
			break;
		if (is_crlf(s[j]))
			after_nl = j + 1;
		last = j;
		j += (size_t)k;
	}
	if (after_nl)
		return after_nl;
	if (j < n && last > 0)
		return last;
	return j;
}

/* SmolLM2's: a \p{N} character alone, else GPT-2's piece of the text
 * before the next one (the regex sees that text's end as the end). GPT-2's
 * piece p of the whole text looked at its own characters, then at most a
 * run of white space and one character more: a number among those cuts
 * the text there, and one past them cannot change p. Linear overall. */
static size_t smollm_next_piece(const unsigned char *s, size_t n)
{
	size_t p = gpt2_next_piece(s, n), i = 0;
	while (i < n) {
		int cls, k = unicode_char_class(s + i, n - i, &cls);
		if (cls == UNICODE_NUMBER)
			return i ? gpt2_next_piece(s, i) : (size_t)k;
		if (i >= p && cls != UNICODE_SPACE)
			break;
		i += (size_t)k;
	}
	return p;
}

/* The piece at s[0..n) under pre-tokenizer kind (mentor's when unknown). */
static size_t piece_len(int kind, const unsigned char *s, size_t n)
{
	switch (kind) {
	case TOKENIZER_PRETOK_GPT2: return gpt2_next_piece(s, n);
	case TOKENIZER_PRETOK_QWEN2: return qwen_next_piece(s, n, 1);
	case TOKENIZER_PRETOK_LLAMA3: return qwen_next_piece(s, n, 3);
	case TOKENIZER_PRETOK_SMOLLM: return smollm_next_piece(s, n);
	default: return next_piece(s, n);
	}
}

size_t tokenizer_pretok_next(int kind, const char *text, size_t len)
{
	return piece_len(kind, (const unsigned char *)text, len);
}
