/* tui_int: private to the src/tui_*.c files. Pure text layout (display
 * widths, escaping, wrapping, an off-screen canvas), themes, key names and key
 * maps, normalised events, and the screen interface every screen implements.
 * Only the painting and input parts touch ncurses; the rest is testable
 * without a terminal. */
#ifndef MENTOR_TUI_INT_H
#define MENTOR_TUI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/i18n.h"
#include "mentor/tui.h"
#include "mentor/util.h"

struct store;
struct store_item;
struct store_expl;

/* ------------------------------------------------------------ roles */

/* Semantic roles: what a piece of text is, never what colour it has. A theme
 * maps each role to colours and attributes. */
enum tui_role {
	TUI_ROLE_NORMAL,
	TUI_ROLE_TITLE, /* pane titles, labels */
	TUI_ROLE_TAB,   /* inactive tab */
	TUI_ROLE_TAB_ACTIVE,
	TUI_ROLE_STATUS,   /* status bar */
	TUI_ROLE_KEY,      /* key names in hints and help */
	TUI_ROLE_SELECTED, /* selected row of the focused pane */
	TUI_ROLE_CURSOR,   /* selected row of an unfocused pane */
	TUI_ROLE_DIM,      /* secondary information */
	TUI_ROLE_BORDER,
	TUI_ROLE_ACCEPTED,
	TUI_ROLE_REJECTED,
	TUI_ROLE_PENDING,
	TUI_ROLE_FLAGGED,
	TUI_ROLE_CORRECT,
	TUI_ROLE_WRONG,
	TUI_ROLE_LEAKED,
	TUI_ROLE_ESCAPED, /* visible escapes of control characters from data */
	TUI_ROLE_ERROR,
	TUI_ROLE_MATCH,  /* search matches, filter values */
	TUI_ROLE_INPUT,  /* the line being edited */
	TUI_ROLE_NOTICE, /* success and information messages (not errors) */
	TUI_ROLE_COUNT
};

/* Theme-file name of a role ("tab_active"), or NULL; lookup returns -1. */
const char *tui_role_name(int role);
int tui_role_lookup(const char *name);

/* Glyphs that mark state, so that state is never shown by colour alone.
 * tui_glyphs_get(1) gives UTF-8 glyphs, tui_glyphs_get(0) ASCII ones. */
struct tui_glyphs {
	const char *ok, *bad, *unknown; /* correct / wrong / not known */
	const char *ellipsis, *vline, *hline;
	const char *accepted, *rejected, *pending, *flagged; /* [A] [R] [P] [F] */
	const char *leaked;
	const char *more_up, *more_down;
	const char *corner_tl, *corner_tr, *corner_bl, *corner_br; /* box corners */
};
const struct tui_glyphs *tui_glyphs_get(int utf8);
/* The glyph of a review status ("accepted", "rejected", "flagged", else
 * pending) with its role in *role and, when word is not NULL, the status
 * word in *word. Borrowed strings. */
const char *tui_status_glyph(const struct tui_glyphs *g, const char *status, int *role,
			     const char **word);
/* 1 when the current locale (LC_CTYPE) is UTF-8. */
int tui_locale_utf8(void);

/* ------------------------------------------------------------- text */

/* One display cluster of data text: a base character with its zero-width
 * marks (at most TUI_MARKS_MAX), or the visible escape of a byte or character that must not reach
 * the terminal raw (control characters, ESC, C1, invalid UTF-8, bidi
 * controls). `rep` is what is drawn; esc says it is an escape. */
struct tui_glyph {
	size_t off, len; /* bytes of the source */
	int width;       /* display columns of rep */
	int esc;         /* 1: rep is an escape such as \e or \x9b */
	int newline;     /* 1: a '\n' in the source */
	int space;       /* 1: a break opportunity after it (space) */
	int wide;        /* 1: double width (CJK): break allowed around it */
	int kinsoku;     /* TUI_KIN_* bits: where a line may not break */
	char rep[24];    /* NUL-terminated text to draw (at most 20 bytes) */
};
/* Line-breaking rules for Japanese (kinsoku shori): a line does not start
 * with a closing bracket, a stop, a comma, a small kana or the long vowel
 * mark, nor end with an opening bracket. */
#define TUI_KIN_NO_START 1
#define TUI_KIN_NO_END 2
/* The TUI_KIN_* bits of code point c. */
int tui_kinsoku(uint32_t c);
/* Zero-width characters a glyph carries after its base character (what one
 * ncurses cell holds); a further one is escaped. */
#define TUI_MARKS_MAX 4
/* Read the glyph at s[*pos] (n bytes in all) and advance *pos. utf8 selects
 * the decoding (0: every byte >= 0x80 is escaped). What is escaped follows
 * util_term_char (newline and tab included); a zero-width character with no
 * base is escaped too. Every input byte ends up in exactly one glyph, drawn
 * or escaped. Widths are wcwidth's of the base character: a character after
 * a zero-width joiner is a glyph of its own, as ncurses draws it. Returns 0,
 * or -1 at the end. */
int tui_glyph_next(const char *s, size_t n, size_t *pos, int utf8, struct tui_glyph *g);

/* Display width of s as it would be drawn (escapes included, '\n' as its
 * escape). */
int tui_text_width(const char *s, size_t n, int utf8);
/* Escape s into out (appended) exactly as it would be drawn. 0 or ENOMEM. */
int tui_text_escape(const char *s, size_t n, int utf8, struct buf *out);

/* A run of text of one role, already safe to draw (escaped). */
struct tui_span {
	char *text; /* owned */
	int width;
	int role;
};
/* One screen line: spans, their total width. */
struct tui_line {
	struct tui_span *spans;
	size_t n, cap;
	int width;
};
/* Lines a pane shows; what the pure layout functions return. */
struct tui_lines {
	struct tui_line *v;
	size_t n, cap;
};
void tui_lines_init(struct tui_lines *ls);
void tui_lines_release(struct tui_lines *ls);
/* Append an empty line and return it (borrowed, valid until the next add). */
struct tui_line *tui_lines_add(struct tui_lines *ls);
/* Append safe text (already escaped, e.g. a label) of one role. */
void tui_line_put(struct tui_line *l, int role, const char *text);
/* Append data text s[0..n), escaped, at most maxw columns (the rest is cut
 * and an ellipsis marks it when ellipsis is set); newlines become spaces.
 * Escapes get TUI_ROLE_ESCAPED. Returns the width added. */
int tui_line_text(struct tui_line *l, int role, const char *s, size_t n, int maxw, int ellipsis,
		  int utf8);
/* Pad the line with spaces of role up to width w. */
void tui_line_pad(struct tui_line *l, int role, int w);
/* Column of the first span of role in l, or -1 (e.g. an entry's cursor). */
int tui_line_role_x(const struct tui_line *l, int role);
/* Plain text of a line (for tests and dumps); caller frees. */
char *tui_line_plain(const struct tui_line *l);

/* Wrap data text s[0..n) to lines of at most width columns, appended to ls.
 * Breaks at spaces, around wide (CJK) characters, at '\n', and inside a word
 * longer than the width. indent columns of spaces start every line. At most
 * max_lines lines are added (0 = no limit); the last one then ends in an
 * ellipsis if text remained. Returns the number of lines added. */
size_t tui_wrap(struct tui_lines *ls, const char *s, size_t n, int width, int indent, int role,
		size_t max_lines, int utf8);
/* tui_wrap that draws the source bytes s[mark_a..mark_b) in mark_role (a
 * wrong step of an explanation); escapes keep TUI_ROLE_ESCAPED. */
size_t tui_wrap_mark(struct tui_lines *ls, const char *s, size_t n, int width, int indent, int role,
		     size_t max_lines, int utf8, size_t mark_a, size_t mark_b, int mark_role);

/* A one-line text editor (search prompts). Codepoints in, UTF-8 out. */
struct tui_input {
	char text[512];
	size_t len;
};
void tui_input_set(struct tui_input *in, const char *s);
/* Feed a key: printable codepoints insert, Backspace deletes a character.
 * Returns 1 if the text changed. */
int tui_input_key(struct tui_input *in, int key);

/* A text entry on line l: prompt (safe text) in prompt_role, then the end
 * of text (data, escaped) that fits, then the cursor cell, padded to width.
 * Returns the cursor's column in the line. */
int tui_entry_line(struct tui_line *l, int prompt_role, const char *prompt, const char *text,
		   int width, int utf8);

/* ----------------------------------------------------------- canvas */

/* The off-screen frame: cells of (text, role). Composed by pure code, painted
 * by tui_app.c with one doupdate. A double-width character takes its cell
 * and the next one (width 0). */
struct tui_cell {
	char ch[24];   /* UTF-8 of one glyph (tui_glyph.rep), NUL-terminated;
	                * "" for continuation */
	uint8_t width; /* 1, 2, or 0 for the right half of a wide character */
	uint8_t role;
};
struct tui_canvas {
	int w, h;
	struct tui_cell *cells;
	int cur_x, cur_y; /* where the terminal cursor shows (text entry), -1: hidden */
};
struct tui_rect {
	int x, y, w, h;
};
/* Resize (and clear) the canvas. 0 or MENTOR_ENOMEM. */
int tui_canvas_init(struct tui_canvas *cv, int w, int h);
void tui_canvas_release(struct tui_canvas *cv);
void tui_canvas_fill(struct tui_canvas *cv, struct tui_rect r, int role);
/* Draw safe text (already escaped) from (x, y), clipped at x + maxw.
 * Returns the columns used. */
int tui_canvas_put(struct tui_canvas *cv, int x, int y, int maxw, int role, const char *text);
/* Draw a line of spans, then fill to w with fill_role. */
void tui_canvas_line(struct tui_canvas *cv, int x, int y, int w, const struct tui_line *l,
		     int fill_role);
/* Draw lines[first..] into rect r (rows past the end filled with fill_role). */
void tui_canvas_lines(struct tui_canvas *cv, struct tui_rect r, const struct tui_lines *ls,
		      size_t first, int fill_role);
/* Show the terminal cursor at (x, y) in this frame (the insertion point of
 * a text entry); outside the canvas it stays hidden. tui_canvas_init hides it. */
void tui_canvas_cursor(struct tui_canvas *cv, int x, int y);
/* Row y as text (trailing spaces trimmed); caller frees. */
char *tui_canvas_row(const struct tui_canvas *cv, int y);
/* Role of the cell at (x, y), or -1 outside. */
int tui_canvas_role(const struct tui_canvas *cv, int x, int y);
/* Whole canvas as text, one row per line. Caller frees. */
char *tui_canvas_dump(const struct tui_canvas *cv);

/* ------------------------------------------------------------ themes */

#define TUI_COLOR_DEFAULT (-1)
#define TUI_COLOR_RGB 0x1000000 /* flag: low 24 bits are 0xrrggbb */
enum {
	TUI_ATTR_BOLD = 1,
	TUI_ATTR_UNDERLINE = 2,
	TUI_ATTR_REVERSE = 4,
	TUI_ATTR_DIM = 8,
	TUI_ATTR_ITALIC = 16,
};
struct tui_style {
	int fg, bg;     /* TUI_COLOR_DEFAULT, 0..255, or TUI_COLOR_RGB | rgb */
	unsigned attrs; /* TUI_ATTR_* */
};
struct tui_theme {
	char name[64];
	struct tui_style role[TUI_ROLE_COUNT];
};
/* The built-in fallback: attributes only, readable on any terminal. */
void tui_theme_default(struct tui_theme *t);
/* Parse a theme file on top of t (roles it does not name keep their style;
 * a malformed line leaves its role as it was). Returns the number of bad
 * lines; the first problem is described in err (may be NULL). Input larger
 * than 64 KiB is refused as a whole (-1). */
int tui_theme_parse(struct tui_theme *t, const char *text, size_t n, char *err);
/* Parse one colour: a name (black, red, ..., bright-white, default), a
 * number 0..255, or #rrggbb. 0 or -1. */
int tui_color_parse(const char *s, int *color);
/* The colour to use on a terminal with ncolors colours (8, 16, 256; more
 * means direct colour): nearest by RGB distance. Returns -1 for default. */
int tui_color_nearest(int color, int ncolors);
/* Drop every colour and keep the attributes (monochrome, NO_COLOR). */
void tui_theme_monochrome(struct tui_theme *t);
/* Load NAME.theme from the first directory of dirs (NULL-terminated) that
 * has it, on top of the built-in default. "monochrome" always works, even
 * without a file. 0, or MENTOR_ERR with err (t then holds the default). */
int tui_theme_load(struct tui_theme *t, const char *name, const char *const *dirs, char *err);
/* Which theme to load: the --theme option, else $MENTOR_THEME, else "dark";
 * *mono is set when NO_COLOR is set and not empty (then "monochrome"). */
const char *tui_theme_pick(const char *opt, const char *env_theme, const char *no_color, int *mono);
/* ncurses: set up colour pairs for the theme and fill attrs[role] with what
 * to pass to attrset. mono: ignore colours. Call after start of curses. */
void tui_theme_apply(const struct tui_theme *t, int mono, int truecolor, unsigned long *attrs);

/* ------------------------------------------------- keys and events */

/* Normalised key codes: Unicode codepoints for characters (Ctrl-A is 1),
 * and these for the rest. */
enum {
	TUI_KEY_BASE = 0x110000,
	TUI_KEY_UP,
	TUI_KEY_DOWN,
	TUI_KEY_LEFT,
	TUI_KEY_RIGHT,
	TUI_KEY_PGUP,
	TUI_KEY_PGDN,
	TUI_KEY_HOME,
	TUI_KEY_END,
	TUI_KEY_INSERT,
	TUI_KEY_DELETE,
	TUI_KEY_BACKSPACE,
	TUI_KEY_ENTER,
	TUI_KEY_TAB,
	TUI_KEY_BTAB,
	TUI_KEY_ESC,
	TUI_KEY_F0, /* F1..F12 follow */
	TUI_KEY_LAST = TUI_KEY_F0 + 13,
};
/* "j", "あ", "Enter", "C-x", "F5", "PgDn", "Space", "Comma"... -> code.
 * 0 or -1. */
int tui_key_parse(const char *name, int *key);
/* Name of a key (inverse of tui_key_parse) into buf; returns buf. */
const char *tui_key_name(int key, char *buf, size_t n);

enum tui_ev_type {
	TUI_EV_NONE,
	TUI_EV_KEY,
	TUI_EV_RESIZE,
	TUI_EV_MOUSE,
	TUI_EV_WAKE, /* posted by a worker thread through tui_app_post */
	TUI_EV_TICK, /* the timer of tui_app_set_tick expired */
};
enum { TUI_MOUSE_CLICK = 1, TUI_MOUSE_WHEEL_UP, TUI_MOUSE_WHEEL_DOWN };
struct tui_event {
	int type;
	int key;     /* TUI_EV_KEY */
	int x, y;    /* TUI_EV_MOUSE: cell; TUI_EV_RESIZE: new width, height */
	int button;  /* TUI_MOUSE_* */
	int code;    /* TUI_EV_WAKE: what happened */
	int64_t arg; /* TUI_EV_WAKE: payload */
};

/* An action: what a key does. Global actions have ids below
 * TUI_ACT_SCREEN; each screen numbers its own from TUI_ACT_SCREEN. Names are
 * what the config file's [keys] section uses; keys are the defaults
 * ("j, Down"). */
struct tui_action_def {
	int id;
	const char *name;
	const char *keys;
	const char *help;
};
enum {
	TUI_ACT_NONE = 0,
	TUI_ACT_QUIT,
	TUI_ACT_HELP,
	TUI_ACT_SCREEN1,
	TUI_ACT_SCREEN2,
	TUI_ACT_SCREEN3,
	TUI_ACT_SCREEN4,
	TUI_ACT_MOUSE, /* capture / release the mouse */
	TUI_ACT_REDRAW,
	TUI_ACT_SCREEN = 100,
};

/* Key map: a table from key to action. */
struct tui_binding {
	int key;
	int action;
};
struct tui_keymap {
	struct tui_binding *b;
	size_t n, cap;
};
void tui_keymap_init(struct tui_keymap *km);
void tui_keymap_release(struct tui_keymap *km);
/* Bind defaults of defs, then apply the [keys] section of config text (may
 * be NULL): `action = key, key2` replaces the keys of that action; a key
 * given to an action is taken away from the others in this map. Lines of
 * other sections are ignored; names of actions not in defs are ignored
 * (another map may know them). Returns the number of bad lines (unknown
 * key names, missing '='); the first is described in err. */
int tui_keymap_build(struct tui_keymap *km, const struct tui_action_def *defs, size_t n,
		     const char *config, size_t config_len, char *err);
/* Every bad line of the [keys] section of config, checked against the
 * actions of all key maps (sets[0..n_sets), set_n entries each): a name no
 * map knows, a bad key name, a missing '='. Fills msg with a text that
 * lists them all, one a line ("config [keys], 2 bad lines (the others
 * apply):\nline 3: ...;\nline 5: ...": one line in a status bar, where
 * newlines are spaces), in language lang, or "" and returns their number. */
int tui_keys_check(const char *config, size_t config_len, const struct tui_action_def *const *sets,
		   const size_t *set_n, size_t n_sets, int lang, char *msg, size_t msg_len);
/* Action bound to key, or TUI_ACT_NONE. */
int tui_keymap_lookup(const struct tui_keymap *km, int key);
/* "j, Down": the keys of an action, into buf; returns buf ("" if none). */
const char *tui_keymap_keys(const struct tui_keymap *km, int action, char *buf, size_t n);

/* ------------------------------------------------------------ screens */

/*
 * The screen API
 * --------------
 * A screen is a `const struct tui_screen_ops` with a number (its tab: 1
 * Items, 2 Review, 3 Train, 4 Inspect), a title and a table of its actions.
 * To add one: define `const struct tui_screen_ops tui_NAME_screen` in
 * src/tui_NAME.c, declare it below, and add it to the `screens` table in
 * tui_app.c (that is its registration). The frame owns the tab bar (row 0),
 * the status bar (last row), the help overlay, the too-small screen, mouse
 * capture and the key map; a screen owns the body rectangle between them.
 *
 * Life cycle: create() once at start (state is the screen's own heap
 * object), destroy(state) at exit. Every frame the app calls draw() for the
 * active screen with the body rectangle; draw composes into the canvas only
 * (no ncurses) and should call pure functions of its state that tests can
 * call too. Keys: the app first offers every event to event() (text entry,
 * mouse, wake-ups); if that returns 0 the key is looked up in the screen's
 * key map (built from `actions` plus the config [keys]) and then in the
 * global one, and the screen's action() gets the action id. Both return
 * TUI_HANDLED/TUI_REDRAW/TUI_QUIT flags; only the main loop acts on them.
 * status() appends the screen's hints and counts for the status bar.
 * message() receives requests from other screens (TUI_MSG_*), e.g. Items
 * asks Review to open an item. idle() runs when no input is pending (save
 * settings there). Any op except draw may be NULL.
 *
 * Background work: a worker thread never touches ncurses or the screen
 * state; it calls tui_app_post(app, code, arg), and the main loop offers a
 * TUI_EV_WAKE event with that code to every screen's event() (codes are the
 * screens' own; ignore the ones you do not know). A screen that must poll
 * (training metrics) asks for TUI_EV_TICK events with tui_app_set_tick.
 *
 * Screens talk to the frame only through the tui_app_* functions below.
 */
struct tui_app;

enum { TUI_HANDLED = 1, TUI_REDRAW = 2, TUI_QUIT = 4 };
enum {
	TUI_MSG_OPEN_ITEM = 1, /* arg: item id */
	TUI_MSG_SHOWN = 2,     /* the screen became the active one (data may have
				* changed on another screen: refresh) */
};

struct tui_screen_ops {
	int number;        /* tab number 1..9 */
	const char *title; /* "Items" */
	const struct tui_action_def *actions;
	size_t n_actions;
	int (*create)(struct tui_app *app, void **state, char *err);
	void (*destroy)(void *state);
	void (*draw)(void *state, struct tui_app *app, struct tui_canvas *cv, struct tui_rect body);
	int (*action)(void *state, struct tui_app *app, int action);
	int (*event)(void *state, struct tui_app *app, const struct tui_event *ev,
		     struct tui_rect body);
	void (*resize)(void *state, struct tui_app *app, struct tui_rect body);
	void (*status)(void *state, struct tui_app *app, struct tui_line *hints,
		       struct buf *counts);
	int (*message)(void *state, struct tui_app *app, int msg, int64_t arg);
	void (*idle)(void *state, struct tui_app *app);
	/* What quitting now would leave behind (runs going on, runs waiting),
	 * written into buf; 1 when the operator should confirm, else 0. */
	int (*quit_note)(void *state, struct tui_app *app, char *buf, size_t n);
};

extern const struct tui_screen_ops tui_items_screen;
extern const struct tui_screen_ops tui_review_screen;
extern const struct tui_screen_ops tui_train_screen;
extern const struct tui_screen_ops tui_inspect_screen;

/* What screens may ask of the frame. */
struct store *tui_app_store(struct tui_app *app);
const struct tui_glyphs *tui_app_glyphs(struct tui_app *app);
int tui_app_utf8(struct tui_app *app);
/* The UI language (I18N_EN or I18N_JA of mentor/i18n.h) and a catalogue
 * string in it (static). */
int tui_app_lang(struct tui_app *app);
const char *tui_app_text(struct tui_app *app, int msg);
/* en (English, static) in the UI language: i18n_text of the app's language. */
const char *tui_tr(struct tui_app *app, const char *en);
/* Show an error in the status bar until the next key. Both this and
 * tui_app_notice show fmt in the UI language when the catalogue has it
 * (i18n_text; the translation keeps its conversions). */
void tui_app_error(struct tui_app *app, const char *fmt, ...) MENTOR_PRINTF(2, 3);
/* Show a notice (success, information: TUI_ROLE_NOTICE) in the status bar
 * until the next key, or until the active screen that set it calls
 * tui_app_notice_clear because what it describes has changed. */
void tui_app_notice(struct tui_app *app, const char *fmt, ...) MENTOR_PRINTF(2, 3);
/* Clear the notice set while screen `number` was active (an error stays). */
void tui_app_notice_clear(struct tui_app *app, int number);
/* Switch to the screen with this tab number and send it a message. */
int tui_app_open(struct tui_app *app, int number, int msg, int64_t arg);
/* Thread-safe: wake the main loop with a TUI_EV_WAKE event (code, arg),
 * delivered to the active screen's event(). Returns 0 or -1. */
int tui_app_post(struct tui_app *app, int code, int64_t arg);
/* Deliver TUI_EV_TICK to the active screen every ms milliseconds while no
 * input arrives (0 stops it). In scripts, the `tick` command sends one. */
void tui_app_set_tick(struct tui_app *app, int ms);
/* Keys of an action in the active key maps ("j, Down"), for hints. */
const char *tui_app_keys(struct tui_app *app, int action, char *buf, size_t n);
/* One key hint of a screen's status bar: an action and its label (English,
 * shown translated when the catalogue of mentor/i18n.h holds it). */
struct tui_hint {
	int action;
	const char *label;
};
/* Append "KEY label  " to hints for each of the n hints whose action has a
 * key bound (its first key only). */
void tui_app_hints(struct tui_app *app, struct tui_line *hints, const struct tui_hint *h, size_t n);

/* ------------------------------------------ Items screen (pure parts) */

/* What the explanations of one item look like in the list. */
struct tui_item_summary {
	int n; /* explanations, -1 unknown */
	int accepted, rejected, pending, flagged;
	int correct, wrong, leaked; /* counts */
	/* of the explanations whose status the marker shows (accepted, else
	 * flagged, else pending, else rejected): how many are right, wrong */
	int shown_right, shown_wrong;
};
/* Fill s from an item's n explanations: the counts, and the verdict of
 * the ones the marker describes, so that "[A]✓" never borrows its ✓ from
 * another candidate than the accepted one(s). */
struct store_expl;
void tui_items_summarize(const struct store_expl *e, size_t n, struct tui_item_summary *s);
/* Everything the Items screen shows, gathered by tui_items.c from the store
 * (or by a test by hand). Borrowed pointers. rows[i] is list position
 * top + i; sums may be NULL. */
struct tui_items_view {
	const char *dataset; /* "gsm8k (1/3)" or "all datasets" */
	const char *filters; /* "split:train review:any ..." */
	const char *search;  /* applied search, or "" */
	int filtered;        /* a filter or search is active */
	int editing;         /* the search prompt is open */
	const char *input;   /* its text */
	int64_t count, sel, top;
	const struct store_item *rows;
	const struct tui_item_summary *sums;
	size_t n_rows;
	const struct store_item *detail; /* selected item or NULL */
	const struct store_expl *expl;
	size_t n_expl;
	const char *expl_note; /* shown instead of explanations, or NULL */
	int focus;             /* 0 list, 1 detail */
	int detail_top;        /* first detail line shown */
	int utf8;
	int lang; /* labels' language: I18N_EN (0) or I18N_JA */
};
/* Split of the body (w x h) into header row, list and detail panes. */
void tui_items_layout(struct tui_rect body, struct tui_rect *header, struct tui_rect *list,
		      struct tui_rect *detail);
/* Lines of each pane for a width (and height for the list). */
void tui_items_header_lines(const struct tui_items_view *v, int width, struct tui_lines *out);
void tui_items_list_lines(const struct tui_items_view *v, int width, int height,
			  struct tui_lines *out);
void tui_items_detail_lines(const struct tui_items_view *v, int width, struct tui_lines *out);
/* Compose the whole body of the Items screen into the canvas. */
void tui_items_render(const struct tui_items_view *v, struct tui_canvas *cv, struct tui_rect body);

/* ------------------------------------------ Train screen (pure parts) */

struct store_run;
/* The notice after run r was queued, in language lang: started (now
 * training in the background) or waiting behind run busy (0: none).
 * "resumes from its checkpoint at step N" only for a run that has one;
 * else "starts". */
void tui_train_start_note(const struct store_run *r, int started, int64_t busy, int lang, char *buf,
			  size_t n);
/* What quitting leaves behind, in language lang: n_running runs training on
 * (running: the first one's id) and n_queued runs waiting. Returns 1 with
 * the note in buf when there is any, else 0 (buf ""). */
int tui_train_quit_note(int64_t running, int n_running, size_t n_queued, int lang, char *buf,
			size_t n);

/* --------------------------------------------- frame pieces (pure) */

/* Tab bar for the registered screens, active one highlighted. */
/* Titles in the UI language lang (I18N_EN, I18N_JA of mentor/i18n.h). */
void tui_frame_tabs(struct tui_line *l, const struct tui_screen_ops *const *screens, size_t n,
		    int active, int width, const char *right, int utf8, int lang);
/* Status bar: hints left, counts, the message (if any) in msg_role
 * (TUI_ROLE_ERROR or TUI_ROLE_NOTICE) taking the place of the hints. */
void tui_frame_status(struct tui_line *l, const struct tui_line *hints, const char *counts,
		      const char *msg, int msg_role, int width, int utf8);
/* The keys of a text entry for the status bar: "Enter LABEL  Esc cancel
 * Backspace delete" and extra (may be NULL) after them; label, extra and
 * the words in language lang. */
void tui_entry_hints(struct tui_line *hints, const char *label, const char *extra, int lang);
/* "terminal too small: have WxH, need 80x24" and how to go on, in the UI
 * language lang, centred on the canvas and wrapped to its width (down to 20
 * columns); question (may be NULL, e.g. a quit to confirm) on the last row. */
void tui_frame_too_small(struct tui_canvas *cv, const char *question, int lang);
/* The help overlay: a box with corners inset 4 columns and 2 rows, title
 * (the screen's, in lang) on its top border, lines ls from *top (clamped
 * to what can show; *top is updated), and a scroll cue on the borders when
 * lines are hidden above or below. */
void tui_help_box(struct tui_canvas *cv, const char *title, const struct tui_lines *ls, size_t *top,
		  int utf8, int lang);
/* Width of the help lines' text inside the box drawn on a canvas w wide. */
int tui_help_width(int w);
/* Help overlay lines: one per action (keys, name, help) of defs (screen
 * and global), as bound in the key maps; titles and descriptions in lang. */
void tui_help_lines(struct tui_lines *ls, const char *title, const struct tui_action_def *sdefs,
		    size_t sn, const struct tui_keymap *skm, const struct tui_action_def *gdefs,
		    size_t gn, const struct tui_keymap *gkm, int width, int lang);
/* The global actions (quit, help, screens, mouse, redraw). */
extern const struct tui_action_def tui_global_actions[];
extern const size_t tui_n_global_actions;

#endif
