/* tui_frame: the pure parts of the workbench frame: key names and key maps
 * (with the [keys] section of the config file), the global actions, and the
 * lines of the tab bar, status bar, help overlay and too-small screen. No
 * ncurses here; tui_app.c paints what these compose. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_int.h"

const struct tui_action_def tui_global_actions[] = {
	{TUI_ACT_QUIT, "quit", "q, F10", "quit (the position is kept)"},
	{TUI_ACT_HELP, "help", "?, F1", "show or hide this help"},
	{TUI_ACT_SCREEN1, "screen_1", "1", "Items screen"},
	{TUI_ACT_SCREEN2, "screen_2", "2", "Review screen"},
	{TUI_ACT_SCREEN3, "screen_3", "3", "Train screen"},
	{TUI_ACT_SCREEN4, "screen_4", "4", "Inspect screen"},
	{TUI_ACT_MOUSE, "mouse", "m", "release / capture the mouse (to copy text)"},
	{TUI_ACT_REDRAW, "redraw", "C-l", "redraw the screen"},
};
const size_t tui_n_global_actions = sizeof tui_global_actions / sizeof tui_global_actions[0];

/* ------------------------------------------------------------ key names */

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{"Up", TUI_KEY_UP},
	{"Down", TUI_KEY_DOWN},
	{"Left", TUI_KEY_LEFT},
	{"Right", TUI_KEY_RIGHT},
	{"PgUp", TUI_KEY_PGUP},
	{"PageUp", TUI_KEY_PGUP},
	{"PgDn", TUI_KEY_PGDN},
	{"PageDown", TUI_KEY_PGDN},
	{"Home", TUI_KEY_HOME},
	{"End", TUI_KEY_END},
	{"Insert", TUI_KEY_INSERT},
	{"Delete", TUI_KEY_DELETE},
	{"Del", TUI_KEY_DELETE},
	{"Backspace", TUI_KEY_BACKSPACE},
	{"BS", TUI_KEY_BACKSPACE},
	{"Enter", TUI_KEY_ENTER},
	{"Return", TUI_KEY_ENTER},
	{"Tab", TUI_KEY_TAB},
	{"BTab", TUI_KEY_BTAB},
	{"S-Tab", TUI_KEY_BTAB},
	{"Esc", TUI_KEY_ESC},
	{"Escape", TUI_KEY_ESC},
	{"Space", ' '},
	{"Comma", ','},
	{"Hash", '#'},
};

int tui_key_parse(const char *name, int *key)
{
	if (!name || !*name)
		return -1;
	size_t n = strlen(name);
	if (n > 32)
		return -1;
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (!strcasecmp(name, key_names[i].name)) {
			*key = key_names[i].key;
			return 0;
		}
	if ((name[0] == 'F' || name[0] == 'f') && n >= 2 && n <= 3 &&
	    isdigit((unsigned char)name[1])) {
		long f;
		if (util_parse_long(name + 1, 1, 12, &f))
			return -1;
		*key = TUI_KEY_F0 + (int)f;
		return 0;
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && n == 3) {
		int c = tolower((unsigned char)name[2]);
		if (c == 'h') {
			*key = TUI_KEY_BACKSPACE;
		} else if (c == 'i') {
			*key = TUI_KEY_TAB;
		} else if (c == 'm' || c == 'j') {
			*key = TUI_KEY_ENTER;
		} else if (c == '[') {
			*key = TUI_KEY_ESC;
		} else if (c >= 'a' && c <= 'z') {
			*key = c - 'a' + 1;
		} else {
			return -1;
		}
		return 0;
	}
	uint32_t cp;
	int len = util_utf8_decode((const unsigned char *)name, n, &cp);
	if ((size_t)len != n || cp == 0xfffd || cp < 0x21 || cp == 0x7f ||
	    (cp >= 0x80 && cp < 0xa0))
		return -1;
	*key = (int)cp;
	return 0;
}

const char *tui_key_name(int key, char *buf, size_t n)
{
	if (!n)
		return buf;
	buf[0] = '\0';
	if (key == ' ') {
		snprintf(buf, n, "Space");
		return buf;
	}
	if (key == ',') {
		snprintf(buf, n, "Comma");
		return buf;
	}
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].key == key) {
			snprintf(buf, n, "%s", key_names[i].name);
			return buf;
		}
	if (key > TUI_KEY_F0 && key < TUI_KEY_LAST) {
		snprintf(buf, n, "F%d", key - TUI_KEY_F0);
	} else if (key >= 1 && key <= 26) {
		snprintf(buf, n, "C-%c", 'a' + key - 1);
	} else if (key >= 0x21 && key < 0x110000) {
		char u[5] = {0};
		uint32_t cp = (uint32_t)key;
		if (cp < 0x80) {
			u[0] = (char)cp;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			u[0] = (char)(0xe0 | (cp >> 12));
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
		} else {
			u[0] = (char)(0xf0 | (cp >> 18));
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (char)(0x80 | (cp & 0x3f));
		}
		snprintf(buf, n, "%s", u);
	} else {
		snprintf(buf, n, "key-%d", key);
	}
	return buf;
}

/* ------------------------------------------------------------ key maps */

void tui_keymap_init(struct tui_keymap *km)
{
	memset(km, 0, sizeof *km);
}

void tui_keymap_release(struct tui_keymap *km)
{
	if (!km)
		return;
	free(km->b);
	memset(km, 0, sizeof *km);
}

static void km_unbind_key(struct tui_keymap *km, int key)
{
	size_t j = 0;
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key != key)
			km->b[j++] = km->b[i];
	km->n = j;
}

static void km_unbind_action(struct tui_keymap *km, int action)
{
	size_t j = 0;
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].action != action)
			km->b[j++] = km->b[i];
	km->n = j;
}

static void km_bind(struct tui_keymap *km, int key, int action)
{
	km_unbind_key(km, key);
	if (km->n == km->cap) {
		size_t cap = km->cap ? km->cap * 2 : 32;
		struct tui_binding *b = realloc(km->b, cap * sizeof *b);
		if (!b)
			util_oom();
		km->b = b;
		km->cap = cap;
	}
	km->b[km->n].key = key;
	km->b[km->n].action = action;
	km->n++;
}

/* Bind every key of a "k1, k2" list; returns the number of bad names and
 * the first one in bad. */
static int bind_list(struct tui_keymap *km, const char *list, int action, char *bad, size_t badn)
{
	int nbad = 0;
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		char name[64];
		size_t len = (size_t)(e - p);
		int key;
		if (len < sizeof name) {
			memcpy(name, p, len);
			name[len] = '\0';
		}
		if (len >= sizeof name || tui_key_parse(name, &key)) {
			if (!nbad)
				snprintf(bad, badn, "%.*s", (int)(len > 40 ? 40 : len), p);
			nbad++;
		} else {
			km_bind(km, key, action);
		}
		p = e;
	}
	return nbad;
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

/* Call fn for every line of the [keys] section of config that is not blank
 * or a comment: with the action name and its value, or with problem set
 * (name and val NULL) for a line too long, with a NUL byte or without '='. */
typedef void (*keys_line_fn)(void *u, size_t lineno, char *name, char *val, const char *problem);

static void keys_lines(const char *config, size_t config_len, keys_line_fn fn, void *u)
{
	int in_keys = 0;
	size_t pos = 0, lineno = 0;
	char line[1025];
	while (config && pos < config_len) {
		size_t end = pos;
		while (end < config_len && config[end] != '\n')
			end++;
		size_t len = end - pos;
		lineno++;
		pos = end + 1;
		if (len >= sizeof line || memchr(config + end - len, '\0', len)) {
			if (in_keys)
				fn(u, lineno, NULL, NULL, "too long or has a NUL byte");
			continue;
		}
		memcpy(line, config + end - len, len);
		line[len] = '\0';
		char *l = trim(line);
		if (*l == '[') {
			char *close = strchr(l, ']');
			if (close)
				*close = '\0';
			in_keys = !strcmp(trim(l + 1), "keys");
		} else if (in_keys && *l && *l != '#' && *l != ';') {
			char *eq = strchr(l, '=');
			if (!eq) {
				fn(u, lineno, NULL, NULL, "missing '='");
			} else {
				*eq = '\0';
				fn(u, lineno, trim(l), trim(eq + 1), NULL);
			}
		}
	}
}

struct build_ctx {
	struct tui_keymap *km;
	const struct tui_action_def *defs;
	size_t n;
	int nbad;
	char *err;
};

static void build_line(void *u, size_t lineno, char *name, char *val, const char *problem)
{
	struct build_ctx *x = u;
	char what[160] = "";
	if (problem)
		snprintf(what, sizeof what, "%s", problem);
	for (size_t i = 0; !problem && i < x->n; i++) {
		if (strcmp(x->defs[i].name, name))
			continue;
		/* a line with a bad key name changes nothing: the keys in
		 * force stay */
		struct tui_keymap probe;
		tui_keymap_init(&probe);
		char b[64];
		if (bind_list(&probe, val, x->defs[i].id, b, sizeof b)) {
			snprintf(what, sizeof what, "unknown key '%s' (%s keeps its keys)", b,
				 x->defs[i].name);
		} else {
			km_unbind_action(x->km, x->defs[i].id);
			bind_list(x->km, val, x->defs[i].id, b, sizeof b);
		}
		tui_keymap_release(&probe);
	}
	if (what[0]) {
		if (!x->nbad && x->err)
			util_err(x->err, "config [keys] line %zu: %s", lineno, what);
		x->nbad++;
	}
}

int tui_keymap_build(struct tui_keymap *km, const struct tui_action_def *defs, size_t n,
		     const char *config, size_t config_len, char *err)
{
	if (err)
		err[0] = '\0';
	km->n = 0;
	char bad[64];
	for (size_t i = 0; i < n; i++)
		bind_list(km, defs[i].keys, defs[i].id, bad, sizeof bad);
	struct build_ctx x = {km, defs, n, 0, err};
	keys_lines(config, config_len, build_line, &x);
	/* never without a way out: quit unbound gets its default keys back */
	for (size_t i = 0; i < n; i++) {
		char keys[8];
		if (defs[i].id != TUI_ACT_QUIT ||
		    tui_keymap_keys(km, TUI_ACT_QUIT, keys, sizeof keys)[0])
			continue;
		bind_list(km, defs[i].keys, TUI_ACT_QUIT, bad, sizeof bad);
		if (!x.nbad && err)
			util_err(err, "config [keys]: quit has no key left; it keeps '%s'",
				 defs[i].keys);
		x.nbad++;
	}
	return x.nbad;
}

struct check_ctx {
	const struct tui_action_def *const *sets;
	const size_t *set_n;
	size_t n_sets;
	int lang;
	int nbad;
	struct buf b;
};

static void check_line(void *u, size_t lineno, char *name, char *val, const char *problem)
{
	struct check_ctx *x = u;
	char what[160] = "";
	if (problem) {
		snprintf(what, sizeof what, "%s", i18n_text(x->lang, problem));
	} else {
		int known = 0;
		for (size_t k = 0; k < x->n_sets && !known; k++)
			for (size_t i = 0; i < x->set_n[k] && !known; i++)
				known = !strcmp(x->sets[k][i].name, name);
		struct tui_keymap probe;
		tui_keymap_init(&probe);
		char bad[64];
		if (!known)
			snprintf(what, sizeof what, i18n_text(x->lang, "unknown action '%.40s'"),
				 name);
		else if (bind_list(&probe, val, 0, bad, sizeof bad))
			snprintf(what, sizeof what, i18n_text(x->lang, "unknown key '%s'"), bad);
		tui_keymap_release(&probe);
	}
	if (what[0]) {
		if (buf_puts(&x->b, x->nbad ? ";\n" : "") ||
		    buf_printf(&x->b, i18n_text(x->lang, "line %zu: %s"), lineno, what))
			util_oom();
		x->nbad++;
	}
}

int tui_keys_check(const char *config, size_t config_len, const struct tui_action_def *const *sets,
		   const size_t *set_n, size_t n_sets, int lang, char *msg, size_t msg_len)
{
	struct check_ctx x = {sets, set_n, n_sets, lang, 0, {0}};
	buf_init(&x.b);
	keys_lines(config, config_len, check_line, &x);
	if (msg_len) {
		char head[160];
		const char *one = "config [keys], %d bad line (the others apply):",
			   *many = "config [keys], %d bad lines (the others apply):";
		snprintf(head, sizeof head, i18n_text(lang, x.nbad == 1 ? one : many), x.nbad);
		if (x.nbad)
			snprintf(msg, msg_len, "%s\n%s", head, x.b.data);
		else
			msg[0] = '\0';
	}
	buf_release(&x.b);
	return x.nbad;
}

int tui_keymap_lookup(const struct tui_keymap *km, int key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key == key)
			return km->b[i].action;
	return TUI_ACT_NONE;
}

const char *tui_keymap_keys(const struct tui_keymap *km, int action, char *buf, size_t n)
{
	size_t used = 0;
	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < km->n; i++) {
		if (km->b[i].action != action)
			continue;
		char name[32];
		tui_key_name(km->b[i].key, name, sizeof name);
		int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", name);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* ------------------------------------------------------------ frame lines */

void tui_frame_tabs(struct tui_line *l, const struct tui_screen_ops *const *screens, size_t n,
		    int active, int width, const char *right, int utf8, int lang)
{
	for (size_t i = 0; i < n && l->width < width; i++) {
		char label[64];
		snprintf(label, sizeof label, " %d %s ", screens[i]->number,
			 i18n_text(lang, screens[i]->title));
		int role = screens[i]->number == active ? TUI_ROLE_TAB_ACTIVE : TUI_ROLE_TAB;
		tui_line_text(l, role, label, strlen(label), width - l->width, 0, utf8);
		if (l->width < width)
			tui_line_put(l, TUI_ROLE_TAB, " ");
	}
	int rw = right ? tui_text_width(right, strlen(right), utf8) : 0;
	if (right && l->width + rw + 1 <= width) {
		tui_line_pad(l, TUI_ROLE_TAB, width - rw - 1);
		tui_line_text(l, TUI_ROLE_TAB, right, strlen(right), rw, 0, utf8);
	}
	tui_line_pad(l, TUI_ROLE_TAB, width);
}

void tui_frame_status(struct tui_line *l, const struct tui_line *hints, const char *counts,
		      const char *msg, int msg_role, int width, int utf8)
{
	int cw = counts && *counts ? tui_text_width(counts, strlen(counts), utf8) + 1 : 0;
	if (cw > width / 2)
		cw = width / 2;
	int left = width - cw;
	tui_line_put(l, TUI_ROLE_STATUS, " ");
	if (msg && *msg) {
		tui_line_text(l, msg_role, msg, strlen(msg), left - 1, 1, utf8);
	} else if (hints) {
		/* a hint cut short ends them: no key after half a word */
		for (size_t i = 0; i < hints->n && l->width < left; i++)
			if (tui_line_text(l, hints->spans[i].role, hints->spans[i].text,
					  strlen(hints->spans[i].text), left - l->width, 0,
					  utf8) < hints->spans[i].width)
				break;
	}
	tui_line_pad(l, TUI_ROLE_STATUS, left);
	if (cw)
		tui_line_text(l, TUI_ROLE_STATUS, counts, strlen(counts), cw - 1, 1, utf8);
	tui_line_pad(l, TUI_ROLE_STATUS, width);
}

void tui_entry_hints(struct tui_line *hints, const char *label, const char *extra, int lang)
{
	static const char *const keys[] = {"Enter", "Esc", "Backspace"};
	const char *const labels[] = {label, i18n_text(lang, "cancel"), i18n_text(lang, "delete")};
	for (size_t i = 0; i < 3; i++) {
		tui_line_put(hints, TUI_ROLE_KEY, keys[i]);
		tui_line_put(hints, TUI_ROLE_STATUS, " ");
		tui_line_put(hints, TUI_ROLE_STATUS, i18n_text(lang, labels[i]));
		tui_line_put(hints, TUI_ROLE_STATUS, "  ");
	}
	if (extra && *extra)
		tui_line_put(hints, TUI_ROLE_STATUS, i18n_text(lang, extra));
}

/* Lines of text wrapped to width, each centred on row y.. of the canvas;
 * returns the next row. */
static int put_centred(struct tui_canvas *cv, int y, int ymax, const char *text, int role)
{
	struct tui_lines ls;
	tui_lines_init(&ls);
	tui_wrap(&ls, text, strlen(text), cv->w, 0, role, 0, tui_locale_utf8());
	for (size_t i = 0; i < ls.n && y < ymax; i++, y++) {
		int x = (cv->w - ls.v[i].width) / 2;
		tui_canvas_line(cv, x < 0 ? 0 : x, y, ls.v[i].width, &ls.v[i], TUI_ROLE_NORMAL);
	}
	tui_lines_release(&ls);
	return y;
}

void tui_frame_too_small(struct tui_canvas *cv, const char *question, int lang)
{
	tui_canvas_fill(cv, (struct tui_rect){0, 0, cv->w, cv->h}, TUI_ROLE_NORMAL);
	char msg[128];
	snprintf(msg, sizeof msg, i18n_get(lang, I18N_TUI_TOO_SMALL), cv->w, cv->h, TUI_MIN_W,
		 TUI_MIN_H);
	const char *hint = i18n_get(lang, I18N_TUI_ENLARGE);
	/* the message and the hint wrapped, centred as a block */
	struct tui_lines a, b;
	tui_lines_init(&a);
	tui_lines_init(&b);
	int utf8 = tui_locale_utf8();
	tui_wrap(&a, msg, strlen(msg), cv->w, 0, TUI_ROLE_ERROR, 0, utf8);
	tui_wrap(&b, hint, strlen(hint), cv->w, 0, TUI_ROLE_DIM, 0, utf8);
	int rows = (int)(a.n + b.n);
	int ymax = question && *question ? cv->h - 1 : cv->h;
	tui_lines_release(&a);
	tui_lines_release(&b);
	int y = (ymax - rows) / 2;
	if (y < 0)
		y = 0;
	y = put_centred(cv, y, ymax, msg, TUI_ROLE_ERROR);
	put_centred(cv, y, ymax, hint, TUI_ROLE_DIM);
	if (question && *question) {
		struct tui_line q = {0};
		tui_line_text(&q, TUI_ROLE_ERROR, question, strlen(question), cv->w, 1, utf8);
		tui_canvas_line(cv, 0, cv->h - 1, cv->w, &q, TUI_ROLE_NORMAL);
		for (size_t i = 0; i < q.n; i++)
			free(q.spans[i].text);
		free(q.spans);
	}
}

int tui_help_width(int w)
{
	return w - 12;
}

void tui_help_box(struct tui_canvas *cv, const char *title, const struct tui_lines *ls, size_t *top,
		  int utf8, int lang)
{
	const struct tui_glyphs *g = tui_glyphs_get(utf8);
	struct tui_rect box = {4, 2, cv->w - 8, cv->h - 4};
	if (box.w < 6 || box.h < 3)
		return;
	tui_canvas_fill(cv, box, TUI_ROLE_NORMAL);
	int x1 = box.x + box.w - 1, y1 = box.y + box.h - 1;
	for (int x = box.x + 1; x < x1; x++) {
		tui_canvas_put(cv, x, box.y, 1, TUI_ROLE_BORDER, g->hline);
		tui_canvas_put(cv, x, y1, 1, TUI_ROLE_BORDER, g->hline);
	}
	for (int y = box.y + 1; y < y1; y++) {
		tui_canvas_put(cv, box.x, y, 1, TUI_ROLE_BORDER, g->vline);
		tui_canvas_put(cv, x1, y, 1, TUI_ROLE_BORDER, g->vline);
	}
	tui_canvas_put(cv, box.x, box.y, 1, TUI_ROLE_BORDER, g->corner_tl);
	tui_canvas_put(cv, x1, box.y, 1, TUI_ROLE_BORDER, g->corner_tr);
	tui_canvas_put(cv, box.x, y1, 1, TUI_ROLE_BORDER, g->corner_bl);
	tui_canvas_put(cv, x1, y1, 1, TUI_ROLE_BORDER, g->corner_br);
	char t[128];
	snprintf(t, sizeof t, i18n_get(lang, I18N_TUI_HELP_TITLE), i18n_text(lang, title));
	tui_canvas_put(cv, box.x + 2, box.y, box.w - 4, TUI_ROLE_TITLE, t);
	size_t rows = (size_t)(box.h - 2);
	if (ls->n <= rows)
		*top = 0;
	else if (*top > ls->n - rows)
		*top = ls->n - rows;
	tui_canvas_lines(cv, (struct tui_rect){box.x + 2, box.y + 1, box.w - 4, box.h - 2}, ls,
			 *top, TUI_ROLE_NORMAL);
	/* the scroll cue: what is hidden, and the keys that show it */
	char cue[128];
	if (*top > 0) {
		snprintf(cue, sizeof cue, i18n_get(lang, I18N_TUI_MORE_ABOVE), g->more_up, *top);
		int cw = tui_text_width(cue, strlen(cue), utf8);
		tui_canvas_put(cv, x1 - 1 - cw, box.y, cw, TUI_ROLE_KEY, cue);
	}
	if (ls->n > *top + rows) {
		snprintf(cue, sizeof cue, i18n_get(lang, I18N_TUI_MORE_BELOW), g->more_down,
			 ls->n - *top - rows);
		int cw = tui_text_width(cue, strlen(cue), utf8);
		tui_canvas_put(cv, x1 - 1 - cw, y1, cw, TUI_ROLE_KEY, cue);
	}
}

/* Columns of a help line: keys, action name, description. */
#define HELP_KEYS_W 18
#define HELP_NAME_AT 21
#define HELP_NAME_W 16
#define HELP_TEXT_AT 38

static void help_section(struct tui_lines *ls, const char *title, const struct tui_action_def *defs,
			 size_t n, const struct tui_keymap *km, int width, int lang)
{
	const char *unbound = i18n_get(lang, I18N_TUI_UNBOUND);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, title);
	int utf8 = tui_locale_utf8();
	int at = HELP_TEXT_AT;
	for (size_t i = 0; i < n; i++) {
		char keys[128];
		tui_keymap_keys(km, defs[i].id, keys, sizeof keys);
		l = tui_lines_add(ls);
		tui_line_put(l, TUI_ROLE_NORMAL, "  ");
		tui_line_text(l, TUI_ROLE_KEY, keys[0] ? keys : unbound,
			      strlen(keys[0] ? keys : unbound), HELP_KEYS_W, 1, utf8);
		tui_line_pad(l, TUI_ROLE_NORMAL, HELP_NAME_AT);
		tui_line_text(l, TUI_ROLE_DIM, defs[i].name, strlen(defs[i].name), HELP_NAME_W, 1,
			      utf8);
		/* the description wrapped in its column, never cut */
		struct tui_lines d;
		tui_lines_init(&d);
		const char *help = i18n_text(lang, defs[i].help);
		tui_wrap(&d, help, strlen(help), width - at, 0, TUI_ROLE_NORMAL, 0, utf8);
		for (size_t k = 0; k < d.n; k++) {
			if (k > 0)
				l = tui_lines_add(ls);
			tui_line_pad(l, TUI_ROLE_NORMAL, at);
			for (size_t j = 0; j < d.v[k].n; j++)
				tui_line_put(l, d.v[k].spans[j].role, d.v[k].spans[j].text);
		}
		tui_lines_release(&d);
	}
}

void tui_help_lines(struct tui_lines *ls, const char *title, const struct tui_action_def *sdefs,
		    size_t sn, const struct tui_keymap *skm, const struct tui_action_def *gdefs,
		    size_t gn, const struct tui_keymap *gkm, int width, int lang)
{
	char t[96];
	snprintf(t, sizeof t, i18n_get(lang, I18N_TUI_KEYS_OF), i18n_text(lang, title));
	if (sn)
		help_section(ls, t, sdefs, sn, skm, width, lang);
	tui_lines_add(ls);
	help_section(ls, i18n_get(lang, I18N_TUI_EVERYWHERE), gdefs, gn, gkm, width, lang);
	tui_lines_add(ls);
	const char *foot[] = {i18n_get(lang, I18N_TUI_HELP_FOOT1),
			      i18n_get(lang, I18N_TUI_HELP_FOOT2)};
	for (size_t i = 0; i < 2; i++)
		tui_wrap(ls, foot[i], strlen(foot[i]), width, 0, TUI_ROLE_DIM, 0,
			 tui_locale_utf8());
}
