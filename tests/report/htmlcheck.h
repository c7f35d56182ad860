/* htmlcheck: a small, strict checker for the markup the report emits: known
 * elements only, balanced tags, quoted attributes, well-formed entities, no
 * raw '<' or '>' in text, nothing loaded from outside. XML mode (for the
 * standalone SVG) has no void elements and only XML's entities. */
#ifndef MENTOR_TEST_HTMLCHECK_H
#define MENTOR_TEST_HTMLCHECK_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const hc_known[] = {
	"html",    "head", "meta", "title", "style", "body",     "h1",         "h2",
	"h3",      "h4",   "p",    "table", "tr",    "th",       "td",         "section",
	"article", "div",  "span", "ul",    "li",    "figure",   "figcaption", "em",
	"svg",     "rect", "line", "text",  "g",     "polyline", "circle",     NULL,
};
static const char *const hc_void[] = {"meta", "br", "hr", "img", "link", "input", NULL};

static int hc_in(const char *name, const char *const *set)
{
	for (int i = 0; set[i]; i++)
		if (!strcmp(name, set[i]))
			return 1;
	return 0;
}

/* 0 if well formed; else 1 and why[] says what and where. */
static int hc_check(const char *s, int xml, char *why, size_t whylen)
{
	char stack[64][16];
	int depth = 0;
	size_t n = strlen(s), i = 0;
	const char *banned[] = {"http://", "https://", "src=",    "href=",  "<script", "url(",
				"@import", "<iframe",  "<object", "<embed", "<link",   NULL};
	for (int b = 0; banned[b]; b++) {
		const char *hit = strstr(s, banned[b]);
		/* the SVG namespace is a name, not something loaded */
		if (hit && xml && !strncmp(hit, "http://www.w3.org/2000/svg\"", 27) &&
		    !strstr(hit + 1, banned[b]))
			continue;
		if (hit) {
			snprintf(why, whylen, "banned '%s' at %zu", banned[b], (size_t)(hit - s));
			return 1;
		}
	}
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\n' && c != '\t') {
			snprintf(why, whylen, "control byte 0x%02x at %zu", c, i);
			return 1;
		}
		if (c == '>') {
			snprintf(why, whylen, "raw '>' in text at %zu", i);
			return 1;
		}
		if (c == '&') {
			size_t j = i + 1;
			if (s[j] == '#') {
				j++;
				int hex = s[j] == 'x';
				j += hex;
				size_t d = j;
				while (hex ? isxdigit((unsigned char)s[j])
					   : isdigit((unsigned char)s[j]))
					j++;
				if (j == d || s[j] != ';') {
					snprintf(why, whylen, "bad numeric entity at %zu", i);
					return 1;
				}
			} else {
				static const char *const ents[] = {"amp;",  "lt;",  "gt;", "quot;",
								   "apos;", "#39;", NULL};
				int ok = 0;
				for (int e = 0; ents[e]; e++)
					ok |= !strncmp(s + j, ents[e], strlen(ents[e]));
				if (!ok) {
					snprintf(why, whylen, "bad entity at %zu: %.12s", i, s + i);
					return 1;
				}
			}
			i++;
			continue;
		}
		if (c != '<') {
			i++;
			continue;
		}
		if (!strncmp(s + i, "<!DOCTYPE html>", 15) && !xml && i == 0) {
			i += 15;
			continue;
		}
		if (!strncmp(s + i, "<?xml ", 6) && xml && i == 0) {
			const char *e = strstr(s + i, "?>");
			if (!e) {
				snprintf(why, whylen, "unterminated XML declaration");
				return 1;
			}
			i = (size_t)(e - s) + 2;
			continue;
		}
		int closing = s[i + 1] == '/';
		size_t j = i + 1 + closing, ns = j;
		while (isalnum((unsigned char)s[j]))
			j++;
		char name[16];
		if (j == ns || j - ns >= sizeof name) {
			snprintf(why, whylen, "bad tag at %zu: %.20s", i, s + i);
			return 1;
		}
		memcpy(name, s + ns, j - ns);
		name[j - ns] = '\0';
		if (!hc_in(name, hc_known)) {
			snprintf(why, whylen, "unknown element <%s> at %zu", name, i);
			return 1;
		}
		if (closing) {
			if (s[j] != '>') {
				snprintf(why, whylen, "bad end tag at %zu", i);
				return 1;
			}
			if (depth == 0 || strcmp(stack[depth - 1], name)) {
				snprintf(why, whylen, "</%s> at %zu closes <%s>", name, i,
					 depth ? stack[depth - 1] : "(nothing)");
				return 1;
			}
			depth--;
			i = j + 1;
			continue;
		}
		/* attributes: name="value" with no '<' or '"' inside */
		int self = 0;
		for (;;) {
			while (s[j] == ' ' || s[j] == '\n')
				j++;
			if (s[j] == '>') {
				j++;
				break;
			}
			if (s[j] == '/' && s[j + 1] == '>') {
				self = 1;
				j += 2;
				break;
			}
			size_t a = j;
			while (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == ':')
				j++;
			if (j == a || s[j] != '=' || s[j + 1] != '"') {
				snprintf(why, whylen, "bad attribute in <%s> at %zu: %.20s", name,
					 j, s + j);
				return 1;
			}
			j += 2;
			while (s[j] && s[j] != '"') {
				if (s[j] == '<') {
					snprintf(why, whylen, "'<' in attribute at %zu", j);
					return 1;
				}
				j++;
			}
			if (!s[j]) {
				snprintf(why, whylen, "unterminated attribute in <%s>", name);
				return 1;
			}
			j++;
		}
		i = j;
		if (self || (!xml && hc_in(name, hc_void)))
			continue;
		if (!strcmp(name, "style")) {
			const char *e = strstr(s + i, "</style>");
			if (!e) {
				snprintf(why, whylen, "unterminated <style>");
				return 1;
			}
			if (memchr(s + i, '<', (size_t)(e - (s + i)))) {
				snprintf(why, whylen, "'<' inside <style>");
				return 1;
			}
			i = (size_t)(e - s) + 8;
			continue;
		}
		if (depth == 64) {
			snprintf(why, whylen, "nesting too deep");
			return 1;
		}
		snprintf(stack[depth++], sizeof stack[0], "%s", name);
	}
	if (depth) {
		snprintf(why, whylen, "<%s> never closed", stack[depth - 1]);
		return 1;
	}
	return 0;
}

/* Occurrences of needle in hay. */
static int hc_count(const char *hay, const char *needle)
{
	int n = 0;
	size_t m = strlen(needle);
	for (const char *p = strstr(hay, needle); p; p = strstr(p + m, needle))
		n++;
	return n;
}

#endif
