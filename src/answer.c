/* answer: folding and normalisation of answers, one set of rules for the
 * importer (gold answers, choice labels) and for parsing a generated
 * explanation's answer. */
#include "mentor/answer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

#include "mentor/util.h"

char *answer_fold(const char *s, int markdown)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int k = util_utf8_decode(p + i, n - i, &cp);
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			buf_putc(&b, (int)(cp - 0xFEE0));
		else if (cp == 0x3000)
			buf_putc(&b, ' ');
		else if (cp == 0x2212)
			buf_putc(&b, '-');
		else if (cp == 0x3002)
			buf_putc(&b, '\n');
		else if (markdown && (cp == '*' || cp == '`'))
			;
		else if (cp == 0x1b) {
			/* Terminal escape sequences are dropped whole. */
			if (i + 1 < n && p[i + 1] == '[') {
				size_t e = i + 2;
				while (e < n && !(p[e] >= 0x40 && p[e] <= 0x7e))
					e++;
				i = e < n ? e + 1 : n;
				continue;
			}
		} else if (cp < 0x20 && cp != '\n')
			buf_putc(&b, ' ');
		else
			buf_append(&b, p + i, (size_t)k);
		i += (size_t)k;
	}
	return buf_detach(&b, NULL);
}

/* Punctuation and symbol blocks: never part of a label. */
static int punct_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
	       (cp >= 0xFF00 && cp <= 0xFFEF) || cp == 0xFFFD;
}

size_t answer_label_span(const char *s, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k = 0;
	while (i < n) {
		uint32_t cp;
		int len = util_utf8_decode(p + i, n - i, &cp);
		int ok = cp < 0x80 ? isalnum((int)cp) : !punct_cp(cp);
		if (!ok || len <= 0)
			break;
		i += (size_t)len;
		k++;
	}
	if (chars)
		*chars = k;
	return i;
}

char *answer_label(const char *s)
{
	if (!s)
		return NULL;
	char *f = answer_fold(s, 1);
	const char *p = f;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= 2 && ((p[0] == '(' && p[n - 1] == ')') || (p[0] == '[' && p[n - 1] == ']')))
		p++, n -= 2;
	else if (n >= 2 && (p[n - 1] == ')' || p[n - 1] == '.'))
		n--;
	char *r = util_strndup(p, n);
	size_t chars;
	if (n == 0 || answer_label_span(r, &chars) != n || chars > ANSWER_MAX_LABEL) {
		free(r);
		r = NULL;
	}
	for (char *q = r; q && *q; q++)
		*q = (char)toupper((unsigned char)*q);
	free(f);
	return r;
}

char *answer_clean_text(const char *s)
{
	char *r = util_squeeze_space(s);
	if (!r)
		return NULL;
	size_t n = strlen(r);
	if (n >= 2 && (r[0] == '"' || r[0] == '\'') && r[n - 1] == r[0]) {
		memmove(r, r + 1, n - 2);
		r[n - 2] = '\0';
	}
	return *r ? r : (free(r), NULL);
}

char *answer_normalise(const char *type, const char *s)
{
	if (!type || !s)
		return NULL;
	if (!strcmp(type, "mc"))
		return answer_label(s);
	if (!strcmp(type, "text"))
		return util_squeeze_space(s);
	char *f = answer_fold(s, 0);
	char *r = NULL;
	if (!strcmp(type, "number")) {
		r = util_normalise_number(f);
	} else if (!strcmp(type, "yesno")) {
		static const char *const yes[] = {"yes", "y", "true", "t", "1", "はい"};
		static const char *const no[] = {"no", "n", "false", "f", "0", "いいえ"};
		char *c = answer_clean_text(f);
		for (size_t i = 0; c && i < sizeof yes / sizeof yes[0] && !r; i++) {
			if (!strcasecmp(c, yes[i]))
				r = util_strdup("yes");
			else if (!strcasecmp(c, no[i]))
				r = util_strdup("no");
		}
		free(c);
	}
	free(f);
	return r;
}
