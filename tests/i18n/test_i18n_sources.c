/* test_i18n_sources: every English text the workbench's screens hand to the
 * catalogue (the literal text arguments of i18n_text, tui_tr,
 * tui_app_error, tui_app_notice and tui_entry_hints in src/tui_*.c) has its
 * Japanese, so that no label, header or message stays English under
 * [ui] lang = ja. The sources are read from MENTOR_SOURCE_DIR. */
#include "test.h"

#include <ctype.h>
#include <dirent.h>

#include "mentor/i18n.h"
#include "mentor/util.h"

/* Files the scan must see among src/tui_*.c (a screen split into files of
 * its own is read whole by the pattern). */
static const char *const expected[] = {"tui_app.c",    "tui_frame.c", "tui_items.c",
				       "tui_review.c", "tui_train.c", "tui_inspect.c",
				       "tui_plot.c"};
#define MAX_FILES 256
/* The calls, and which arguments (bit i: argument i) hold the text. */
static const struct {
	const char *name;
	unsigned args;
} calls[] = {{"i18n_text", 1u << 1},
	     {"tui_tr", 1u << 1},
	     {"tui_app_error", 1u << 1},
	     {"tui_app_notice", 1u << 1},
	     {"tui_entry_hints", 1u << 1 | 1u << 2}};

/* Texts that are data or formats, not words. */
static int neutral(const char *s)
{
	return !*s || !strcmp(s, "%s") || !strcmp(s, "?");
}

/* The source without its comments (string and character literals kept). */
static void strip_comments(char *s)
{
	char *w = s;
	for (char *p = s; *p;) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
			*w++ = ' ';
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
		} else if (*p == '"' || *p == '\'') {
			char q = *p;
			*w++ = *p++;
			while (*p && *p != q) {
				if (*p == '\\' && p[1])
					*w++ = *p++;
				*w++ = *p++;
			}
			if (*p)
				*w++ = *p++;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
}

/* Decode the literal at *p (its opening quote) onto the end of out (cap
 * bytes); *p moves past the closing quote. */
static void literal(const char **p, char *out, size_t cap)
{
	size_t n = strlen(out);
	const char *s = *p + 1;
	while (*s && *s != '"') {
		int c = (unsigned char)*s++;
		if (c == '\\' && *s) {
			c = (unsigned char)*s++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'x') {
				c = 0;
				while (*s && strchr("0123456789abcdefABCDEF", *s)) {
					int d = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
					c = c * 16 + d;
					s++;
				}
			}
		}
		if (n + 1 < cap)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	*p = *s ? s + 1 : s;
}

static int checked, untranslated;

/* The literals of the argument starting at p at nesting depth 0 (adjacent
 * ones joined), checked; returns the end of the argument (',' or ')'). */
static const char *argument(const char *p, int check, const char *file)
{
	int depth = 0;
	char text[1024] = "";
	int in_text = 0;
	for (; *p; p++) {
		if (*p == '"') {
			if (!in_text)
				text[0] = '\0';
			literal(&p, text, sizeof text);
			in_text = 1;
			p--;
			continue;
		}
		if (*p == '\'') {
			p++;
			while (*p && *p != '\'')
				p += *p == '\\' ? 2 : 1;
			continue;
		}
		if (in_text && !strchr(" \t\n", *p)) {
			in_text = 0;
			if (check && depth == 0 && !neutral(text)) {
				checked++;
				if (i18n_text(I18N_JA, text) == text) {
					untranslated++;
					fprintf(stderr, "%s: \"%s\" has no Japanese\n", file, text);
				}
			}
		}
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if (*p == ')' || *p == ']' || *p == '}') {
			if (depth == 0)
				return p;
			depth--;
		} else if (*p == ',' && depth == 0) {
			return p;
		}
	}
	return p;
}

static void scan(const char *file, char *src)
{
	strip_comments(src);
	for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
		size_t len = strlen(calls[k].name);
		for (const char *p = strstr(src, calls[k].name); p;
		     p = strstr(p + 1, calls[k].name)) {
			int ident_before = p > src &&
					   (isalnum((unsigned char)p[-1]) || p[-1] == '_');
			const char *q = p + len;
			if (ident_before || *q != '(')
				continue;
			q++;
			for (unsigned a = 0; a < 8 && *q && *q != ')'; a++) {
				q = argument(q, (calls[k].args >> a) & 1u, file);
				if (*q == ',')
					q++;
			}
		}
	}
}

int main(void)
{
	const char *dir = getenv("MENTOR_SOURCE_DIR");
	if (!dir) {
		fprintf(stderr, "MENTOR_SOURCE_DIR not set\n");
		return 99;
	}
	char srcdir[4096];
	snprintf(srcdir, sizeof srcdir, "%s/src", dir);
	DIR *d = opendir(srcdir);
	if (!d) {
		fprintf(stderr, "cannot open '%s'\n", srcdir);
		return 99;
	}
	char *files[MAX_FILES];
	size_t nfiles = 0;
	for (struct dirent *de; (de = readdir(d)) && nfiles < MAX_FILES;) {
		size_t len = strlen(de->d_name);
		if (!strncmp(de->d_name, "tui_", 4) && len > 6 &&
		    !strcmp(de->d_name + len - 2, ".c"))
			files[nfiles++] = util_strdup(de->d_name);
	}
	closedir(d);
	for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++) {
		int seen = 0;
		for (size_t i = 0; i < nfiles; i++)
			seen |= !strcmp(files[i], expected[k]);
		CHECK_MSG(seen, "src/%s not found", expected[k]);
	}
	for (size_t i = 0; i < nfiles; i++) {
		char path[sizeof srcdir + 256], err[MENTOR_ERR_LEN];
		snprintf(path, sizeof path, "%s/%s", srcdir, files[i]);
		size_t n = 0;
		char *src = util_read_file(path, 1 << 24, &n, err);
		CHECK_MSG(src != NULL, "%s", err);
		if (src)
			scan(files[i], src);
		free(src);
		free(files[i]);
	}
	/* the scan sees the calls (a broken scanner finds nothing to check) */
	CHECK_MSG(checked >= 200, "%d texts checked", checked);
	CHECK_INT(untranslated, 0);
	/* the scanner itself on a sample: depth 0 only, adjacent literals joined */
	checked = untranslated = 0;
	char sample[] = "x = tui_tr(app, \"Gold \" \"answer: \"); /* tui_tr(a, \"no\") */\n"
			"i18n_text(lang, !strcmp(p, \"rp\") ? \"path cot\" : \"no such text\");\n"
			"my_tui_tr(app, \"ignored\"); tui_app_error(app, \"%s\", err);\n";
	scan("sample", sample);
	CHECK_INT(checked, 3);
	CHECK_INT(untranslated, 1);
	return test_done();
}
