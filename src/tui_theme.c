/* tui_theme: themes map semantic roles to colours and attributes. Parsing
 * theme files (role = FG on BG attrs) and the nearest-colour mapping are pure;
 * only tui_theme_apply talks to ncurses. Missing or bad roles fall back one
 * by one to the built-in attribute-only default, which works everywhere. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui_int.h"

#define THEME_MAX_BYTES (64 * 1024)
#define THEME_MAX_LINE 1024

static const char *const role_names[TUI_ROLE_COUNT] = {
	[TUI_ROLE_NORMAL] = "normal",     [TUI_ROLE_TITLE] = "title",
	[TUI_ROLE_TAB] = "tab",           [TUI_ROLE_TAB_ACTIVE] = "tab_active",
	[TUI_ROLE_STATUS] = "status",     [TUI_ROLE_KEY] = "key",
	[TUI_ROLE_SELECTED] = "selected", [TUI_ROLE_CURSOR] = "cursor",
	[TUI_ROLE_DIM] = "dim",           [TUI_ROLE_BORDER] = "border",
	[TUI_ROLE_ACCEPTED] = "accepted", [TUI_ROLE_REJECTED] = "rejected",
	[TUI_ROLE_PENDING] = "pending",   [TUI_ROLE_FLAGGED] = "flagged",
	[TUI_ROLE_CORRECT] = "correct",   [TUI_ROLE_WRONG] = "wrong",
	[TUI_ROLE_LEAKED] = "leaked",     [TUI_ROLE_ESCAPED] = "escaped",
	[TUI_ROLE_ERROR] = "error",       [TUI_ROLE_MATCH] = "match",
	[TUI_ROLE_INPUT] = "input",       [TUI_ROLE_NOTICE] = "notice",
};

const char *tui_role_name(int role)
{
	return role >= 0 && role < TUI_ROLE_COUNT ? role_names[role] : NULL;
}

int tui_role_lookup(const char *name)
{
	for (int i = 0; i < TUI_ROLE_COUNT; i++)
		if (!strcmp(role_names[i], name))
			return i;
	return -1;
}

void tui_theme_default(struct tui_theme *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "monochrome");
	for (int i = 0; i < TUI_ROLE_COUNT; i++) {
		t->role[i].fg = TUI_COLOR_DEFAULT;
		t->role[i].bg = TUI_COLOR_DEFAULT;
	}
	static const struct {
		int role;
		unsigned attrs;
	} defaults[] = {
		{TUI_ROLE_TITLE, TUI_ATTR_BOLD},
		{TUI_ROLE_TAB_ACTIVE, TUI_ATTR_REVERSE | TUI_ATTR_BOLD},
		{TUI_ROLE_STATUS, TUI_ATTR_REVERSE},
		{TUI_ROLE_KEY, TUI_ATTR_REVERSE | TUI_ATTR_BOLD},
		{TUI_ROLE_SELECTED, TUI_ATTR_REVERSE},
		{TUI_ROLE_CURSOR, TUI_ATTR_UNDERLINE},
		{TUI_ROLE_DIM, TUI_ATTR_DIM},
		{TUI_ROLE_ACCEPTED, TUI_ATTR_BOLD},
		{TUI_ROLE_FLAGGED, TUI_ATTR_UNDERLINE},
		{TUI_ROLE_CORRECT, TUI_ATTR_BOLD},
		{TUI_ROLE_WRONG, TUI_ATTR_UNDERLINE},
		{TUI_ROLE_LEAKED, TUI_ATTR_UNDERLINE},
		{TUI_ROLE_ESCAPED, TUI_ATTR_BOLD | TUI_ATTR_UNDERLINE},
		{TUI_ROLE_ERROR, TUI_ATTR_BOLD | TUI_ATTR_REVERSE},
		{TUI_ROLE_MATCH, TUI_ATTR_BOLD | TUI_ATTR_UNDERLINE},
		{TUI_ROLE_INPUT, TUI_ATTR_UNDERLINE},
		/* the status bar's look, not the error's: a notice is no alarm */
		{TUI_ROLE_NOTICE, TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE},
	};
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		t->role[defaults[i].role].attrs = defaults[i].attrs;
}

void tui_theme_monochrome(struct tui_theme *t)
{
	for (int i = 0; i < TUI_ROLE_COUNT; i++) {
		t->role[i].fg = TUI_COLOR_DEFAULT;
		t->role[i].bg = TUI_COLOR_DEFAULT;
	}
}

/* ------------------------------------------------------------ colours */

static const char *const color_names[16] = {
	"black",        "red",           "green",       "yellow",         "blue",
	"magenta",      "cyan",          "white",       "bright-black",   "bright-red",
	"bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan",
	"bright-white",
};

/* xterm's default RGB of the 16 ANSI colours. */
static const uint32_t ansi_rgb[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

static uint32_t index_rgb(int i)
{
	if (i < 16)
		return ansi_rgb[i];
	if (i < 232) {
		static const int level[6] = {0, 95, 135, 175, 215, 255};
		int k = i - 16;
		return (uint32_t)(level[k / 36] << 16 | level[(k / 6) % 6] << 8 | level[k % 6]);
	}
	int g = 8 + (i - 232) * 10;
	return (uint32_t)(g << 16 | g << 8 | g);
}

int tui_color_parse(const char *s, int *color)
{
	if (!s || !*s)
		return -1;
	if (!strcmp(s, "default") || !strcmp(s, "none")) {
		*color = TUI_COLOR_DEFAULT;
		return 0;
	}
	if (s[0] == '#') {
		if (strlen(s) != 7)
			return -1;
		uint32_t v = 0;
		for (int i = 1; i < 7; i++) {
			if (!isxdigit((unsigned char)s[i]))
				return -1;
			int d = isdigit((unsigned char)s[i])
					? s[i] - '0'
					: tolower((unsigned char)s[i]) - 'a' + 10;
			v = v << 4 | (uint32_t)d;
		}
		*color = (int)(TUI_COLOR_RGB | v);
		return 0;
	}
	if (isdigit((unsigned char)s[0])) {
		long v;
		if (util_parse_long(s, 0, 255, &v))
			return -1;
		*color = (int)v;
		return 0;
	}
	char norm[32];
	size_t n = strlen(s);
	if (n >= sizeof norm)
		return -1;
	for (size_t i = 0; i <= n; i++)
		norm[i] = s[i] == '_' ? '-' : (char)tolower((unsigned char)s[i]);
	if (!strcmp(norm, "gray") || !strcmp(norm, "grey")) {
		*color = 8;
		return 0;
	}
	for (int i = 0; i < 16; i++) {
		if (!strcmp(norm, color_names[i])) {
			*color = i;
			return 0;
		}
		/* "brightred" too */
		if (i >= 8 && !strncmp(norm, "bright", 6) &&
		    !strcmp(norm + 6, color_names[i] + 7)) {
			*color = i;
			return 0;
		}
	}
	return -1;
}

int tui_color_nearest(int color, int ncolors)
{
	if (color < 0)
		return -1;
	int rgb_given = (color & TUI_COLOR_RGB) != 0;
	if (!rgb_given && color < ncolors)
		return color;
	uint32_t rgb = rgb_given ? (uint32_t)color & 0xffffff : index_rgb(color & 0xff);
	if (ncolors > 256)
		return (int)rgb; /* direct colour: the value is the colour */
	int limit = ncolors >= 256 ? 256 : ncolors >= 16 ? 16 : 8;
	int best = 0;
	long best_d = -1;
	int r = (int)(rgb >> 16 & 0xff), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
	if (limit <= 16 && hi - lo < 32) {
		/* A grey: keep it a grey (black, bright-black, white, bright-white)
		 * rather than the nearest hue, so dim text stays readable. */
		if (limit == 8)
			return hi < 64 ? 0 : 7;
		return hi < 48 ? 0 : hi < 160 ? 8 : hi < 240 ? 7 : 15;
	}
	/* On 256 colours the cube and grey ramp (16..255) are standard; 0..15
	 * follow the user's palette, so they are only used on 8/16 colours. */
	for (int i = limit == 256 ? 16 : 0; i < limit; i++) {
		uint32_t c = index_rgb(i);
		long dr = r - (int)(c >> 16 & 0xff), dg = g - (int)(c >> 8 & 0xff),
		     db = b - (int)(c & 0xff);
		/* weighted: the eye is most sensitive to green */
		long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

/* ------------------------------------------------------------ parsing */

static int parse_attr(const char *w, unsigned *attrs)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{"bold", TUI_ATTR_BOLD},       {"underline", TUI_ATTR_UNDERLINE},
		{"reverse", TUI_ATTR_REVERSE}, {"dim", TUI_ATTR_DIM},
		{"italic", TUI_ATTR_ITALIC},   {"normal", 0},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(w, names[i].name)) {
			*attrs |= names[i].bit;
			return 0;
		}
	return -1;
}

/* "FG [on BG] [attr...]" or "on BG ..." or attributes alone. */
static int parse_style(char *v, struct tui_style *st, char *what, size_t whatn)
{
	struct tui_style s = {TUI_COLOR_DEFAULT, TUI_COLOR_DEFAULT, 0};
	int seen_fg = 0, want_bg = 0, seen_bg = 0;
	char *save = NULL;
	for (char *w = strtok_r(v, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (want_bg) {
			if (tui_color_parse(w, &s.bg)) {
				snprintf(what, whatn, "bad colour '%.40s'", w);
				return -1;
			}
			want_bg = 0;
			seen_bg = 1;
			continue;
		}
		if (!strcmp(w, "on")) {
			if (seen_bg) {
				snprintf(what, whatn, "two background colours");
				return -1;
			}
			want_bg = 1;
			continue;
		}
		if (!parse_attr(w, &s.attrs))
			continue;
		if (!seen_fg && !seen_bg && !tui_color_parse(w, &s.fg)) {
			seen_fg = 1;
			continue;
		}
		snprintf(what, whatn, "unknown word '%.40s'", w);
		return -1;
	}
	if (want_bg) {
		snprintf(what, whatn, "'on' without a colour");
		return -1;
	}
	*st = s;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int tui_theme_parse(struct tui_theme *t, const char *text, size_t n, char *err)
{
	if (err)
		err[0] = '\0';
	if (n > THEME_MAX_BYTES) {
		util_err(err, "theme is too large: %zu bytes, at most %d", n, THEME_MAX_BYTES);
		return -1;
	}
	int bad = 0;
	size_t lineno = 0, pos = 0;
	char line[THEME_MAX_LINE + 1];
	while (pos < n) {
		size_t end = pos;
		while (end < n && text[end] != '\n')
			end++;
		size_t len = end - pos;
		lineno++;
		char what[128] = "";
		if (len > THEME_MAX_LINE) {
			snprintf(what, sizeof what, "line too long");
		} else if (memchr(text + pos, '\0', len)) {
			snprintf(what, sizeof what, "NUL byte");
		} else {
			memcpy(line, text + pos, len);
			line[len] = '\0';
			char *l = trim(line);
			if (!*l || *l == '#' || *l == ';' || *l == '[') {
				pos = end + 1;
				continue;
			}
			char *eq = strchr(l, '=');
			if (!eq) {
				snprintf(what, sizeof what, "missing '='");
			} else {
				*eq = '\0';
				char *key = trim(l), *val = trim(eq + 1);
				for (char *p = key; *p; p++)
					*p = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
				if (!strcmp(key, "name")) {
					snprintf(t->name, sizeof t->name, "%s", val);
				} else {
					int role = tui_role_lookup(key);
					struct tui_style st;
					if (role < 0)
						snprintf(what, sizeof what, "unknown role '%.40s'",
							 key);
					else if (!parse_style(val, &st, what, sizeof what))
						t->role[role] = st;
				}
			}
		}
		if (what[0]) {
			if (!bad)
				util_err(err, "theme line %zu: %s", lineno, what);
			bad++;
		}
		pos = end + 1;
	}
	return bad;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			return 0;
	return 1;
}

int tui_theme_load(struct tui_theme *t, const char *name, const char *const *dirs, char *err)
{
	tui_theme_default(t);
	if (!name_ok(name))
		return util_err(err,
				"cannot load theme '%.64s': a theme name is letters, digits, "
				"'-' and '_'",
				name);
	for (size_t i = 0; dirs && dirs[i]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
		size_t len;
		char sub[MENTOR_ERR_LEN];
		char *text = util_read_file(path, THEME_MAX_BYTES, &len, sub);
		if (!text)
			continue;
		snprintf(t->name, sizeof t->name, "%s", name);
		char perr[MENTOR_ERR_LEN];
		int bad = tui_theme_parse(t, text, len, perr);
		free(text);
		if (bad)
			return util_err(err, "theme '%s' (%s): %s", name, path, perr);
		return 0;
	}
	if (!strcmp(name, "monochrome"))
		return 0;
	return util_err(err, "cannot load theme '%s': no %s.theme in the theme directories", name,
			name);
}

const char *tui_theme_pick(const char *opt, const char *env_theme, const char *no_color, int *mono)
{
	const char *name = opt && *opt ? opt : env_theme && *env_theme ? env_theme : "dark";
	*mono = (no_color && *no_color) || !strcmp(name, "monochrome");
	return *mono ? "monochrome" : name;
}

/* ------------------------------------------------------------ ncurses */

void tui_theme_apply(const struct tui_theme *t, int mono, int truecolor, unsigned long *attrs)
{
	int ncolors = 0;
	if (!mono && has_colors()) {
		start_color();
		use_default_colors();
		ncolors = COLORS;
	}
	if (ncolors < 8)
		mono = 1;
	int palette_slot = 255;
	int can_rgb = truecolor && ncolors >= 256 && can_change_color();
	for (int i = 0; i < TUI_ROLE_COUNT; i++) {
		const struct tui_style *s = &t->role[i];
		unsigned long a = 0;
		if (s->attrs & TUI_ATTR_BOLD)
			a |= A_BOLD;
		if (s->attrs & TUI_ATTR_UNDERLINE)
			a |= A_UNDERLINE;
		if (s->attrs & TUI_ATTR_REVERSE)
			a |= A_REVERSE;
		if (s->attrs & TUI_ATTR_DIM)
			a |= A_DIM;
#ifdef A_ITALIC
		if (s->attrs & TUI_ATTR_ITALIC)
			a |= A_ITALIC;
#endif
		if (!mono && (s->fg != TUI_COLOR_DEFAULT || s->bg != TUI_COLOR_DEFAULT)) {
			int c[2] = {s->fg, s->bg};
			for (int k = 0; k < 2; k++) {
				if (c[k] >= 0 && (c[k] & TUI_COLOR_RGB) && can_rgb &&
				    palette_slot > 16) {
					int rgb = c[k] & 0xffffff;
					init_color((short)palette_slot,
						   (short)((rgb >> 16) * 1000 / 255),
						   (short)(((rgb >> 8) & 0xff) * 1000 / 255),
						   (short)((rgb & 0xff) * 1000 / 255));
					c[k] = palette_slot--;
				} else {
					c[k] = tui_color_nearest(c[k],
								 ncolors > 256 ? 256 : ncolors);
				}
			}
			if (init_pair((short)(i + 1), (short)c[0], (short)c[1]) == OK)
				a |= COLOR_PAIR(i + 1);
		}
		attrs[i] = a;
	}
}
