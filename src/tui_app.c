/* tui_app: the workbench application: `mentor tui`. Owns ncurses (set up,
 * painting of the composed canvas, restore on every exit path), input
 * normalisation into tui_event, the self-pipe that turns worker results into
 * events, the screen registry, tab bar, status bar, help overlay, key maps,
 * mouse capture and resizes, and the headless modes (--script, --frames,
 * --dump, --bench) that let tests and benchmarks run it without a terminal. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curses.h>

#include "mentor/store.h"
#include "tui_int.h"

/* The registered screens, in tab order. A new screen is added here. */
static const struct tui_screen_ops *const screen_table[] = {
	&tui_items_screen,
	&tui_review_screen,
	&tui_train_screen,
	&tui_inspect_screen,
};
#define N_SCREENS (sizeof screen_table / sizeof screen_table[0])

#define CONFIG_MAX_BYTES (256 * 1024)
#define SCRIPT_MAX_LINE 4096
#define QUEUE_MAX 256

struct slot {
	const struct tui_screen_ops *ops;
	void *state;
	struct tui_keymap km;
};

struct wake_msg {
	int code;
	int64_t arg;
};

struct tui_app {
	FILE *out; /* where --dump and --bench print */
	struct store *st;
	int utf8;
	int lang; /* I18N_EN or I18N_JA */
	struct slot screens[N_SCREENS];
	size_t active;
	int saved_screen;
	struct tui_keymap gkm;
	struct tui_theme theme;
	unsigned long attrs[TUI_ROLE_COUNT];
	struct tui_canvas cv;
	int w, h;
	int help;
	size_t help_top;
	int mouse_on;
	char error[MENTOR_ERR_LEN];    /* the status bar's message, error or notice */
	int msg_role;                  /* TUI_ROLE_ERROR or TUI_ROLE_NOTICE */
	int msg_screen;                /* tab number of the screen that set a notice */
	char quit_ask[MENTOR_ERR_LEN]; /* a quit to confirm (y/n), or "" */
	char keys_bad[4096]; /* the config's bad [keys] lines, one a line (atop the help), or "" */
	int wake_fd[2];
	int tick_ms;
	int quit;
	/* headless */
	int headless;
	FILE *script;
	size_t script_line;
	struct tui_event queue[QUEUE_MAX];
	size_t q_head, q_n;
	int script_done;
	int drawn;
	SCREEN *scr;
	FILE *null_out, *null_in;
};

/* ------------------------------------------- terminal restore (process-wide) */

/* The only process-wide state: whether curses owns the terminal, for the
 * atexit, signal and out-of-memory paths, which have no context argument. */
static volatile sig_atomic_t curses_on;

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void on_fatal_signal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_restore(void)
{
	static int installed;
	if (!installed) {
		installed = 1;
		atexit(restore_terminal);
	}
	util_set_oom_hook(restore_terminal);
	const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGQUIT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* ------------------------------------------------------------ screen API */

struct store *tui_app_store(struct tui_app *app)
{
	return app->st;
}
const struct tui_glyphs *tui_app_glyphs(struct tui_app *app)
{
	return tui_glyphs_get(app->utf8);
}
int tui_app_utf8(struct tui_app *app)
{
	return app->utf8;
}

static void set_msg(struct tui_app *app, int role, const char *fmt, va_list ap)
{
	/* the catalogue's formats keep the English conversions */
	vsnprintf(app->error, sizeof app->error, i18n_text(app->lang, fmt), ap);
	app->msg_role = role;
	app->msg_screen = app->screens[app->active].ops ? app->screens[app->active].ops->number : 0;
}

void tui_app_error(struct tui_app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(app, TUI_ROLE_ERROR, fmt, ap);
	va_end(ap);
}

void tui_app_notice(struct tui_app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(app, TUI_ROLE_NOTICE, fmt, ap);
	va_end(ap);
}

void tui_app_notice_clear(struct tui_app *app, int number)
{
	if (app->msg_role == TUI_ROLE_NOTICE && app->msg_screen == number)
		app->error[0] = '\0';
}

static struct slot *slot_by_number(struct tui_app *app, int number)
{
	for (size_t i = 0; i < N_SCREENS; i++)
		if (app->screens[i].ops->number == number)
			return &app->screens[i];
	return NULL;
}

static int switch_to(struct tui_app *app, int number)
{
	struct slot *s = slot_by_number(app, number);
	if (!s) {
		tui_app_error(app, "screen %d is not available yet", number);
		return -1;
	}
	size_t idx = (size_t)(s - app->screens);
	app->help = 0;
	if (idx == app->active)
		return 0;
	app->active = idx;
	if (s->ops->message)
		s->ops->message(s->state, app, TUI_MSG_SHOWN, 0);
	return 0;
}

int tui_app_open(struct tui_app *app, int number, int msg, int64_t arg)
{
	if (switch_to(app, number))
		return -1;
	struct slot *s = &app->screens[app->active];
	if (s->ops->message)
		return s->ops->message(s->state, app, msg, arg);
	return 0;
}

int tui_app_post(struct tui_app *app, int code, int64_t arg)
{
	struct wake_msg m = {code, arg};
	ssize_t w = write(app->wake_fd[1], &m, sizeof m);
	return w == (ssize_t)sizeof m ? 0 : -1;
}

void tui_app_set_tick(struct tui_app *app, int ms)
{
	app->tick_ms = ms > 0 ? ms : 0;
}

int tui_app_lang(struct tui_app *app)
{
	return app->lang;
}

const char *tui_app_text(struct tui_app *app, int msg)
{
	return i18n_get(app->lang, msg);
}

const char *tui_tr(struct tui_app *app, const char *en)
{
	return i18n_text(app->lang, en);
}

const char *tui_app_keys(struct tui_app *app, int action, char *buf, size_t n)
{
	if (action >= TUI_ACT_SCREEN)
		return tui_keymap_keys(&app->screens[app->active].km, action, buf, n);
	return tui_keymap_keys(&app->gkm, action, buf, n);
}

void tui_app_hints(struct tui_app *app, struct tui_line *hints, const struct tui_hint *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char keys[64];
		tui_app_keys(app, h[i].action, keys, sizeof keys);
		char *comma = strchr(keys, ',');
		if (comma)
			*comma = '\0';
		if (!keys[0])
			continue;
		tui_line_put(hints, TUI_ROLE_KEY, keys);
		tui_line_put(hints, TUI_ROLE_STATUS, " ");
		tui_line_put(hints, TUI_ROLE_STATUS, tui_tr(app, h[i].label));
		tui_line_put(hints, TUI_ROLE_STATUS, "  ");
	}
}

/* --------------------------------------------------------------- config */

static char *read_config(size_t *len, char *err)
{
	char path[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(path, sizeof path, "%s/mentor/config", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/mentor/config", home);
	else
		return NULL;
	if (access(path, F_OK) != 0)
		return NULL;
	return util_read_file(path, CONFIG_MAX_BYTES, len, err);
}

/* ---------------------------------------------------------------- paint */

static void paint(struct tui_app *app)
{
	struct tui_canvas *cv = &app->cv;
	struct buf run;
	buf_init(&run);
	for (int y = 0; y < cv->h && y < LINES; y++) {
		int x = 0;
		while (x < cv->w && x < COLS) {
			int role = cv->cells[(size_t)y * (size_t)cv->w + (size_t)x].role;
			int x0 = x;
			buf_reset(&run);
			while (x < cv->w && x < COLS) {
				const struct tui_cell
					*c = &cv->cells[(size_t)y * (size_t)cv->w + (size_t)x];
				if (c->role != role && c->width != 0)
					break;
				if (c->width && buf_puts(&run, c->ch))
					util_oom();
				x++;
			}
			attrset((attr_t)app->attrs[role]);
			if (run.data)
				mvaddnstr(y, x0, run.data, (int)run.len);
		}
	}
	attrset(A_NORMAL);
	buf_release(&run);
	if (cv->cur_x >= 0 && cv->cur_x < COLS && cv->cur_y < LINES) {
		move(cv->cur_y, cv->cur_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* ------------------------------------------------------------- compose */

static const struct tui_screen_ops *const *ops_list(void)
{
	return screen_table;
}

static void compose_help(struct tui_app *app)
{
	struct slot *s = &app->screens[app->active];
	struct tui_lines ls;
	tui_lines_init(&ls);
	/* the status bar shows the start of this; the help all of it */
	if (app->keys_bad[0]) {
		tui_wrap(&ls, app->keys_bad, strlen(app->keys_bad), tui_help_width(app->cv.w), 0,
			 TUI_ROLE_ERROR, 0, app->utf8);
		tui_lines_add(&ls);
	}
	tui_help_lines(&ls, s->ops->title, s->ops->actions, s->ops->n_actions, &s->km,
		       tui_global_actions, tui_n_global_actions, &app->gkm,
		       tui_help_width(app->cv.w), app->lang);
	tui_help_box(&app->cv, s->ops->title, &ls, &app->help_top, app->utf8, app->lang);
	tui_lines_release(&ls);
}

static struct tui_rect body_rect(const struct tui_app *app)
{
	return (struct tui_rect){0, 1, app->w, app->h - 2};
}

static int too_small(const struct tui_app *app)
{
	return app->w < TUI_MIN_W || app->h < TUI_MIN_H;
}

static void compose(struct tui_app *app)
{
	if (tui_canvas_init(&app->cv, app->w, app->h))
		util_oom();
	if (too_small(app)) {
		tui_frame_too_small(&app->cv, app->quit_ask[0] ? app->quit_ask : NULL, app->lang);
		return;
	}
	struct slot *s = &app->screens[app->active];
	struct tui_lines ls;
	tui_lines_init(&ls);
	char right[256];
	const char *ws = store_path(app->st);
	const char *base = strrchr(ws, '/');
	snprintf(right, sizeof right, "%s%s",
		 app->mouse_on ? "" : tui_app_text(app, I18N_TUI_MOUSE_OFF), base ? base + 1 : ws);
	tui_frame_tabs(tui_lines_add(&ls), ops_list(), N_SCREENS, s->ops->number, app->w, right,
		       app->utf8, app->lang);
	tui_canvas_line(&app->cv, 0, 0, app->w, &ls.v[0], TUI_ROLE_TAB);
	s->ops->draw(s->state, app, &app->cv, body_rect(app));
	struct tui_line hints = {0};
	struct buf counts;
	buf_init(&counts);
	if (buf_puts(&counts, ""))
		util_oom();
	if (s->ops->status)
		s->ops->status(s->state, app, &hints, &counts);
	static const struct {
		int action;
		int label;
	} global_hints[] = {{TUI_ACT_HELP, I18N_TUI_HELP}, {TUI_ACT_QUIT, I18N_TUI_QUIT}};
	/* during text entry (the screen shows a cursor) keys type: only the
	 * entry's own keys are hints */
	for (size_t i = 0; i < 2 && app->cv.cur_x < 0; i++) {
		char keys[64];
		tui_keymap_keys(&app->gkm, global_hints[i].action, keys, sizeof keys);
		char *comma = strchr(keys, ',');
		if (comma)
			*comma = '\0';
		if (!keys[0])
			continue;
		tui_line_put(&hints, TUI_ROLE_KEY, keys);
		tui_line_put(&hints, TUI_ROLE_STATUS, " ");
		tui_line_put(&hints, TUI_ROLE_STATUS, tui_app_text(app, global_hints[i].label));
		if (i == 0)
			tui_line_put(&hints, TUI_ROLE_STATUS, "  ");
	}
	struct tui_line *sl = tui_lines_add(&ls);
	if (app->quit_ask[0]) /* the whole bar: the question must show whole */
		tui_frame_status(sl, &hints, NULL, app->quit_ask, TUI_ROLE_ERROR, app->w,
				 app->utf8);
	else
		tui_frame_status(sl, &hints, counts.data, app->error, app->msg_role, app->w,
				 app->utf8);
	tui_canvas_line(&app->cv, 0, app->h - 1, app->w, &ls.v[1], TUI_ROLE_STATUS);
	for (size_t i = 0; i < hints.n; i++)
		free(hints.spans[i].text);
	free(hints.spans);
	buf_release(&counts);
	tui_lines_release(&ls);
	if (app->help)
		compose_help(app);
}

/* ---------------------------------------------------------------- input */

static int normalize_key(int ret, wint_t wch)
{
	if (ret == KEY_CODE_YES) {
		switch (wch) {
		case KEY_UP: return TUI_KEY_UP;
		case KEY_DOWN: return TUI_KEY_DOWN;
		case KEY_LEFT: return TUI_KEY_LEFT;
		case KEY_RIGHT: return TUI_KEY_RIGHT;
		case KEY_PPAGE: return TUI_KEY_PGUP;
		case KEY_NPAGE: return TUI_KEY_PGDN;
		case KEY_HOME: return TUI_KEY_HOME;
		case KEY_END: return TUI_KEY_END;
		case KEY_IC: return TUI_KEY_INSERT;
		case KEY_DC: return TUI_KEY_DELETE;
		case KEY_BACKSPACE: return TUI_KEY_BACKSPACE;
		case KEY_ENTER: return TUI_KEY_ENTER;
		case KEY_BTAB: return TUI_KEY_BTAB;
		default:
			if ((int)wch >= KEY_F(1) && (int)wch <= KEY_F(12))
				return TUI_KEY_F0 + (int)wch - KEY_F0;
			return 0;
		}
	}
	switch (wch) {
	case '\r':
	case '\n': return TUI_KEY_ENTER;
	case '\t': return TUI_KEY_TAB;
	case 8:
	case 127: return TUI_KEY_BACKSPACE;
	case 27: return TUI_KEY_ESC;
	default: return (int)wch;
	}
}

static void set_mouse(struct tui_app *app, int on)
{
	app->mouse_on = on;
	if (on)
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
			  NULL);
	else
		mousemask(0, NULL);
}

/* A message waiting on the wake pipe as a TUI_EV_WAKE event: 1, else 0. */
static int read_wake(struct tui_app *app, struct tui_event *ev)
{
	struct wake_msg m;
	if (read(app->wake_fd[0], &m, sizeof m) != (ssize_t)sizeof m)
		return 0;
	ev->type = TUI_EV_WAKE;
	ev->code = m.code;
	ev->arg = m.arg;
	return 1;
}

/* Read one event from the terminal or the wake pipe. timeout_ms < 0 waits.
 * Returns 1 with ev filled, 0 if none. */
static int read_terminal(struct tui_app *app, struct tui_event *ev, int timeout_ms)
{
	memset(ev, 0, sizeof *ev);
	for (;;) {
		if (read_wake(app, ev))
			return 1;
		wint_t wch;
		int ret = get_wch(&wch);
		if (ret != ERR) {
			if (ret == KEY_CODE_YES && wch == KEY_RESIZE) {
				ev->type = TUI_EV_RESIZE;
				ev->x = COLS;
				ev->y = LINES;
				return 1;
			}
			if (ret == KEY_CODE_YES && wch == KEY_MOUSE) {
				MEVENT me;
				if (getmouse(&me) != OK)
					continue;
				ev->type = TUI_EV_MOUSE;
				ev->x = me.x;
				ev->y = me.y;
				if (me.bstate & BUTTON4_PRESSED)
					ev->button = TUI_MOUSE_WHEEL_UP;
				else if (me.bstate & BUTTON5_PRESSED)
					ev->button = TUI_MOUSE_WHEEL_DOWN;
				else if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
					ev->button = TUI_MOUSE_CLICK;
				else
					continue;
				return 1;
			}
			int key = normalize_key(ret, wch);
			if (!key)
				continue;
			ev->type = TUI_EV_KEY;
			ev->key = key;
			return 1;
		}
		if (timeout_ms == 0)
			return 0;
		struct pollfd pfd[2] = {{STDIN_FILENO, POLLIN, 0}, {app->wake_fd[0], POLLIN, 0}};
		int r = poll(pfd, 2, timeout_ms);
		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return 0;
		/* EINTR: a SIGWINCH; get_wch will report KEY_RESIZE. */
	}
}

static void queue_push(struct tui_app *app, const struct tui_event *ev)
{
	if (app->q_n >= QUEUE_MAX)
		return;
	app->queue[(app->q_head + app->q_n) % QUEUE_MAX] = *ev;
	app->q_n++;
}

/* Parse one script line into queued events. Returns 0 or -1 (err). */
static int script_line(struct tui_app *app, char *line, char *err)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " \t\r\n", &save);
	if (!cmd || cmd[0] == '#')
		return 0;
	struct tui_event ev;
	memset(&ev, 0, sizeof ev);
	if (!strcmp(cmd, "key")) {
		for (char *k = strtok_r(NULL, " \t\r\n", &save); k;
		     k = strtok_r(NULL, " \t\r\n", &save)) {
			int key;
			if (tui_key_parse(k, &key))
				return util_err(err, "script line %zu: unknown key '%.40s'",
						app->script_line, k);
			ev.type = TUI_EV_KEY;
			ev.key = key;
			queue_push(app, &ev);
		}
		return 0;
	}
	if (!strcmp(cmd, "tick")) {
		ev.type = TUI_EV_TICK;
		queue_push(app, &ev);
		return 0;
	}
	if (!strcmp(cmd, "type")) {
		char *rest = save ? save : "";
		size_t n = strlen(rest);
		while (n > 0 && (rest[n - 1] == '\r' || rest[n - 1] == '\n'))
			n--;
		size_t pos = 0;
		while (pos < n) {
			uint32_t cp;
			int len = util_utf8_decode((const unsigned char *)rest + pos, n - pos, &cp);
			ev.type = TUI_EV_KEY;
			ev.key = (int)cp;
			queue_push(app, &ev);
			pos += (size_t)len;
		}
		return 0;
	}
	char *a = strtok_r(NULL, " \t\r\n", &save);
	char *b = strtok_r(NULL, " \t\r\n", &save);
	char *c = strtok_r(NULL, " \t\r\n", &save);
	long x, y;
	if (!strcmp(cmd, "resize")) {
		if (!a || !b || util_parse_long(a, 1, 1000, &x) || util_parse_long(b, 1, 1000, &y))
			return util_err(err, "script line %zu: resize W H (1..1000)",
					app->script_line);
		ev.type = TUI_EV_RESIZE;
		ev.x = (int)x;
		ev.y = (int)y;
		queue_push(app, &ev);
		return 0;
	}
	if (!strcmp(cmd, "click")) {
		if (!a || !b || util_parse_long(a, 0, 999, &x) || util_parse_long(b, 0, 999, &y))
			return util_err(err, "script line %zu: click X Y", app->script_line);
		ev.type = TUI_EV_MOUSE;
		ev.button = TUI_MOUSE_CLICK;
		ev.x = (int)x;
		ev.y = (int)y;
		queue_push(app, &ev);
		return 0;
	}
	if (!strcmp(cmd, "wheel")) {
		if (!a || !b || !c || (strcmp(a, "up") && strcmp(a, "down")) ||
		    util_parse_long(b, 0, 999, &x) || util_parse_long(c, 0, 999, &y))
			return util_err(err, "script line %zu: wheel up|down X Y",
					app->script_line);
		ev.type = TUI_EV_MOUSE;
		ev.button = strcmp(a, "up") ? TUI_MOUSE_WHEEL_DOWN : TUI_MOUSE_WHEEL_UP;
		ev.x = (int)x;
		ev.y = (int)y;
		queue_push(app, &ev);
		return 0;
	}
	if (!strcmp(cmd, "wake")) {
		long code = 0, arg = 0;
		if (!a || util_parse_long(a, 0, 1000000, &code) ||
		    (b && util_parse_long(b, -1000000000L, 1000000000L, &arg)))
			return util_err(err, "script line %zu: wake CODE [ARG]", app->script_line);
		/* Through the real self-pipe, as a worker thread would. */
		tui_app_post(app, (int)code, arg);
		return 0;
	}
	return util_err(err,
			"script line %zu: unknown command '%.40s' (key, type, resize, click, "
			"wheel, wake, tick)",
			app->script_line, cmd);
}

/* Headless: the next event from the wake pipe or the script. */
static int read_script(struct tui_app *app, struct tui_event *ev, char *err)
{
	memset(ev, 0, sizeof *ev);
	for (;;) {
		if (read_wake(app, ev))
			return 1;
		if (app->q_n) {
			*ev = app->queue[app->q_head];
			app->q_head = (app->q_head + 1) % QUEUE_MAX;
			app->q_n--;
			app->drawn = 0;
			return 1;
		}
		/* One frame after each script line's events, as a terminal would. */
		if (!app->drawn) {
			app->drawn = 1;
			return 0;
		}
		if (!app->script || app->script_done)
			return 0;
		char line[SCRIPT_MAX_LINE];
		if (!fgets(line, sizeof line, app->script)) {
			app->script_done = 1;
			continue;
		}
		app->script_line++;
		if (!strchr(line, '\n') && !feof(app->script)) {
			util_err(err, "script line %zu: longer than %d bytes", app->script_line,
				 SCRIPT_MAX_LINE - 1);
			app->script_done = 1;
			return -1;
		}
		if (script_line(app, line, err)) {
			app->script_done = 1;
			return -1;
		}
	}
}

/* ------------------------------------------------------------- dispatch */

static void do_resize(struct tui_app *app, int w, int h)
{
	if (app->headless)
		resizeterm(h, w);
	app->w = w;
	app->h = h;
	struct tui_rect body = body_rect(app);
	for (size_t i = 0; i < N_SCREENS; i++)
		if (app->screens[i].ops->resize)
			app->screens[i].ops->resize(app->screens[i].state, app, body);
	clearok(curscr, TRUE);
}

/* A click on the tab bar: which screen's label is under x. */
static int tab_at(int x)
{
	int pos = 0;
	for (size_t i = 0; i < N_SCREENS; i++) {
		char label[64];
		int w = snprintf(label, sizeof label, " %d %s ", screen_table[i]->number,
				 screen_table[i]->title);
		if (x >= pos && x < pos + w)
			return screen_table[i]->number;
		pos += w + 1;
	}
	return 0;
}

/* Quit, or first ask when a screen says what quitting leaves behind. */
static void ask_quit(struct tui_app *app)
{
	struct buf q;
	buf_init(&q);
	for (size_t i = 0; i < N_SCREENS; i++) {
		char note[MENTOR_ERR_LEN];
		const struct tui_screen_ops *o = app->screens[i].ops;
		if (o->quit_note && o->quit_note(app->screens[i].state, app, note, sizeof note) &&
		    buf_printf(&q, "%s%s", q.len ? "; " : "", note))
			util_oom();
	}
	if (!q.len)
		app->quit = 1;
	else
		snprintf(app->quit_ask, sizeof app->quit_ask, tui_tr(app, "Quit? y/n: %s"), q.data);
	buf_release(&q);
}

static void global_action(struct tui_app *app, int action)
{
	switch (action) {
	case TUI_ACT_QUIT: ask_quit(app); break;
	case TUI_ACT_HELP:
		app->help = !app->help;
		app->help_top = 0;
		break;
	case TUI_ACT_SCREEN1:
	case TUI_ACT_SCREEN2:
	case TUI_ACT_SCREEN3:
	case TUI_ACT_SCREEN4: switch_to(app, action - TUI_ACT_SCREEN1 + 1); break;
	case TUI_ACT_MOUSE:
		set_mouse(app, !app->mouse_on);
		tui_app_notice(app, app->mouse_on
					    ? "mouse captured"
					    : "mouse released: select text with the terminal; "
					      "press m again to capture");
		break;
	case TUI_ACT_REDRAW: clearok(curscr, TRUE); break;
	default: break;
	}
}

static void dispatch(struct tui_app *app, const struct tui_event *ev)
{
	struct slot *s = &app->screens[app->active];
	struct tui_rect body = body_rect(app);
	if (ev->type == TUI_EV_RESIZE) {
		do_resize(app, ev->x, ev->y);
		return;
	}
	if (ev->type == TUI_EV_WAKE) {
		for (size_t i = 0; i < N_SCREENS; i++)
			if (app->screens[i].ops->event)
				app->screens[i].ops->event(app->screens[i].state, app, ev, body);
		return;
	}
	if (ev->type == TUI_EV_TICK) {
		if (s->ops->event)
			s->ops->event(s->state, app, ev, body);
		return;
	}
	if (ev->type == TUI_EV_KEY)
		app->error[0] = '\0';
	if (app->quit_ask[0]) {
		if (ev->type != TUI_EV_KEY)
			return;
		app->quit_ask[0] = '\0';
		if (ev->key == 'y' || ev->key == 'Y')
			app->quit = 1;
		else
			tui_app_notice(app, "not quitting");
		return;
	}
	if (too_small(app)) {
		if (ev->type == TUI_EV_KEY && tui_keymap_lookup(&app->gkm, ev->key) == TUI_ACT_QUIT)
			ask_quit(app);
		return;
	}
	if (app->help) {
		if (ev->type == TUI_EV_KEY) {
			if (ev->key == TUI_KEY_DOWN || ev->key == 'j')
				app->help_top++;
			else if ((ev->key == TUI_KEY_UP || ev->key == 'k') && app->help_top > 0)
				app->help_top--;
			else if (tui_keymap_lookup(&app->gkm, ev->key) == TUI_ACT_QUIT)
				ask_quit(app);
			else
				app->help = 0;
		} else if (ev->type == TUI_EV_MOUSE && ev->button == TUI_MOUSE_CLICK) {
			app->help = 0;
		}
		return;
	}
	if (ev->type == TUI_EV_MOUSE && ev->y == 0) {
		if (ev->button == TUI_MOUSE_CLICK) {
			int n = tab_at(ev->x);
			if (n)
				switch_to(app, n);
		}
		return;
	}
	if (s->ops->event) {
		int r = s->ops->event(s->state, app, ev, body);
		if (r & TUI_QUIT)
			app->quit = 1;
		if (r)
			return;
	}
	if (ev->type != TUI_EV_KEY)
		return;
	int action = tui_keymap_lookup(&s->km, ev->key);
	if (action != TUI_ACT_NONE && s->ops->action) {
		int r = s->ops->action(s->state, app, action);
		if (r & TUI_QUIT)
			app->quit = 1;
		return;
	}
	action = tui_keymap_lookup(&app->gkm, ev->key);
	if (action != TUI_ACT_NONE) {
		global_action(app, action);
		return;
	}
	char name[32];
	tui_app_error(app, tui_app_text(app, I18N_TUI_KEY_NOTHING),
		      tui_key_name(ev->key, name, sizeof name));
}

static void idle(struct tui_app *app)
{
	for (size_t i = 0; i < N_SCREENS; i++)
		if (app->screens[i].ops->idle)
			app->screens[i].ops->idle(app->screens[i].state, app);
	int number = app->screens[app->active].ops->number;
	if (number != app->saved_screen) {
		char v[16], err[MENTOR_ERR_LEN];
		snprintf(v, sizeof v, "%d", number);
		if (store_setting_set(app->st, "tui.screen", v, err) == 0)
			app->saved_screen = number;
	}
}

static void frame(struct tui_app *app)
{
	compose(app);
	paint(app);
}

/* --------------------------------------------------------------- set up */

static int start_curses(struct tui_app *app, const struct tui_opts *o, char *err)
{
	if (app->headless) {
		app->null_out = fopen("/dev/null", "w");
		app->null_in = fopen("/dev/null", "r");
		if (!app->null_out || !app->null_in)
			return util_err(err, "cannot open /dev/null");
		const char *term = getenv("TERM");
		const char *tries[] = {term && *term && strcmp(term, "dumb") ? term
									     : "xterm-256color",
				       "xterm-256color", "xterm", "vt100"};
		for (size_t i = 0; i < 4 && !app->scr; i++)
			app->scr = newterm(tries[i], app->null_out, app->null_in);
		if (!app->scr)
			return util_err(err,
					"cannot start the headless screen: no terminal description "
					"for '%s'",
					tries[0]);
		set_term(app->scr);
		resizeterm(o->h, o->w);
		app->w = o->w;
		app->h = o->h;
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return util_err(err, "the workbench needs a terminal; for scripts use "
					     "'mentor tui --script FILE --dump'");
		app->scr = newterm(NULL, stdout, stdin);
		if (!app->scr)
			return util_err(err, "cannot start the terminal: unknown TERM '%s'",
					getenv("TERM") ? getenv("TERM") : "");
		set_term(app->scr);
		app->w = COLS;
		app->h = LINES;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mouseinterval(0);
	set_mouse(app, 1);
	return 0;
}

static void stop_curses(struct tui_app *app)
{
	restore_terminal();
	if (app->scr) {
		delscreen(app->scr);
		app->scr = NULL;
	}
	if (app->null_out)
		fclose(app->null_out);
	if (app->null_in)
		fclose(app->null_in);
	app->null_out = app->null_in = NULL;
}

static void load_theme(struct tui_app *app, const struct tui_opts *o)
{
	int mono;
	const char *name = tui_theme_pick(o->theme, getenv("MENTOR_THEME"), getenv("NO_COLOR"),
					  &mono);
	char user_dir[4096] = "", data_dir[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(user_dir, sizeof user_dir, "%s/mentor/themes", xdg);
	else if (home && *home)
		snprintf(user_dir, sizeof user_dir, "%s/.config/mentor/themes", home);
	snprintf(data_dir, sizeof data_dir, "%s/themes", o->data_dir ? o->data_dir : ".");
	const char *dirs[3] = {user_dir[0] ? user_dir : data_dir, data_dir, NULL};
	char err[MENTOR_ERR_LEN];
	if (tui_theme_load(&app->theme, name, dirs, err))
		tui_app_error(app, "%s", err);
	const char *ct = getenv("COLORTERM");
	int truecolor = ct && (!strcmp(ct, "truecolor") || !strcmp(ct, "24bit"));
	tui_theme_apply(&app->theme, mono, truecolor, app->attrs);
}

static void print_bench(struct tui_app *app, double first_ms, double *samples, long n)
{
	double sum = 0;
	for (long i = 0; i < n; i++)
		sum += samples[i];
	/* p99 by partial selection sort of the top 1% */
	long k = n - 1 - n / 100;
	for (long i = 0; i <= k && i < n; i++) {
		long m = i;
		for (long j = i + 1; j < n; j++)
			if (samples[j] < samples[m])
				m = j;
		double t = samples[i];
		samples[i] = samples[m];
		samples[m] = t;
		if (i == k)
			break;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(app->out,
		"first_frame_ms %.2f\nkeypresses %ld\nredraw_mean_ms %.3f\n"
		"redraw_p99_ms %.3f\nmaxrss_kb %ld\n",
		first_ms, n, sum / (double)n, samples[k < 0 ? 0 : k], ru.ru_maxrss);
}

int tui_run(const struct tui_opts *opts, char *err)
{
	double t0 = util_mono();
	const struct tui_opts o = *opts;
	setlocale(LC_ALL, "");
	struct tui_app *app = calloc(1, sizeof *app);
	if (!app)
		util_oom();
	app->out = o.out ? o.out : stdout;
	app->headless = o.headless;
	app->utf8 = tui_locale_utf8();
	app->lang = o.lang;
	app->mouse_on = 1;
	app->wake_fd[0] = app->wake_fd[1] = -1;
	app->saved_screen = -1;
	int rc = MENTOR_ERR;

	if (o.script && !(app->script = fopen(o.script, "r"))) {
		util_err(err, "cannot open script '%s': %s", o.script, strerror(errno));
		goto out_free;
	}
	app->st = store_open(o.db_path, err);
	if (!app->st)
		goto out_free;
	if (pipe(app->wake_fd)) {
		util_err(err, "cannot create the wake pipe: %s", strerror(errno));
		goto out_store;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(app->wake_fd[i], F_SETFL, fcntl(app->wake_fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(app->wake_fd[i], F_SETFD, FD_CLOEXEC);
	}

	/* Key maps: defaults, then the [keys] section of the config file. */
	size_t cfg_len = 0;
	err[0] = '\0';
	char *cfg = read_config(&cfg_len, err);
	if (!cfg && err[0]) /* reported, not fatal: the defaults apply */
		tui_app_error(app, "cannot read the config: %s", err);
	err[0] = '\0';
	char quit_err[MENTOR_ERR_LEN] = "";
	tui_keymap_build(&app->gkm, tui_global_actions, tui_n_global_actions, cfg, cfg_len,
			 quit_err);
	const struct tui_action_def *sets[N_SCREENS + 1];
	size_t set_n[N_SCREENS + 1];
	sets[0] = tui_global_actions;
	set_n[0] = tui_n_global_actions;
	for (size_t i = 0; i < N_SCREENS; i++) {
		app->screens[i].ops = screen_table[i];
		tui_keymap_build(&app->screens[i].km, screen_table[i]->actions,
				 screen_table[i]->n_actions, cfg, cfg_len, err);
		sets[i + 1] = screen_table[i]->actions;
		set_n[i + 1] = screen_table[i]->n_actions;
	}
	/* every bad line at once, named against all the maps; quit is never
	 * left without a key */
	if (tui_keys_check(cfg, cfg_len, sets, set_n, N_SCREENS + 1, app->lang, app->keys_bad,
			   sizeof app->keys_bad))
		tui_app_error(app, "%s", app->keys_bad);
	else if (strstr(quit_err, "quit has no key left"))
		tui_app_error(app, "%s", quit_err);
	free(cfg);

	install_restore();
	if (start_curses(app, &o, err))
		goto out_curses;
	load_theme(app, &o);

	for (size_t i = 0; i < N_SCREENS; i++) {
		err[0] = '\0';
		if (screen_table[i]->create &&
		    screen_table[i]->create(app, &app->screens[i].state, err)) {
			char why[MENTOR_ERR_LEN];
			snprintf(why, sizeof why, "%s", err);
			util_err(err, "cannot open the %s screen: %s", screen_table[i]->title, why);
			goto out_screens;
		}
	}
	char *saved = store_setting_get(app->st, "tui.screen");
	long sn;
	if (saved && !util_parse_long(saved, 1, 9, &sn) && slot_by_number(app, (int)sn)) {
		switch_to(app, (int)sn);
		app->saved_screen = (int)sn;
	}
	free(saved);
	{
		struct tui_rect body = body_rect(app);
		for (size_t i = 0; i < N_SCREENS; i++)
			if (screen_table[i]->resize)
				screen_table[i]->resize(app->screens[i].state, app, body);
	}

	if (o.bench) {
		idle(app);
		frame(app);
		double first_ms = (util_mono() - t0) * 1000.0;
		double *samples = calloc((size_t)o.bench, sizeof *samples);
		if (!samples)
			util_oom();
		static const int pattern[] = {'j', 'j', 'j', TUI_KEY_PGDN, 'j', 'k', 'j', 'j'};
		for (long i = 0; i < o.bench; i++) {
			struct tui_event ev =
				{.type = TUI_EV_KEY,
				 .key = pattern[i % (long)(sizeof pattern / sizeof pattern[0])]};
			double t1 = util_mono();
			dispatch(app, &ev);
			idle(app);
			frame(app);
			samples[i] = (util_mono() - t1) * 1000.0;
		}
		char *dump = o.dump ? tui_canvas_dump(&app->cv) : NULL;
		stop_curses(app);
		print_bench(app, first_ms, samples, o.bench);
		if (dump)
			fputs(dump, app->out);
		free(dump);
		free(samples);
		rc = 0;
		goto out_screens;
	}

	int dirty = 1;
	long frames = 0;
	rc = 0;
	while (!app->quit) {
		struct tui_event ev;
		int got;
		if (app->headless) {
			got = read_script(app, &ev, err);
			if (got < 0) {
				rc = MENTOR_ERR;
				goto out_screens;
			}
		} else {
			int timeout = dirty ? 0 : app->tick_ms > 0 ? app->tick_ms : -1;
			got = read_terminal(app, &ev, timeout);
			if (!got && timeout > 0) {
				memset(&ev, 0, sizeof ev);
				ev.type = TUI_EV_TICK;
				got = 1;
			}
		}
		if (got) {
			dispatch(app, &ev);
			dirty = 1;
			continue;
		}
		idle(app);
		if (dirty || app->headless) {
			frame(app);
			frames++;
			dirty = 0;
		}
		if (app->headless && (!app->script || app->script_done) &&
		    (!o.frames || frames >= o.frames))
			break;
	}
	idle(app);
	{
		char *dump = o.dump ? tui_canvas_dump(&app->cv) : NULL;
		stop_curses(app);
		if (dump)
			fputs(dump, app->out);
		free(dump);
	}

out_screens:
	for (size_t i = 0; i < N_SCREENS; i++) {
		if (app->screens[i].state && screen_table[i]->destroy)
			screen_table[i]->destroy(app->screens[i].state);
	}
out_curses:
	stop_curses(app);
	for (size_t i = 0; i < N_SCREENS; i++)
		tui_keymap_release(&app->screens[i].km);
	tui_keymap_release(&app->gkm);
	tui_canvas_release(&app->cv);
	close(app->wake_fd[0]);
	close(app->wake_fd[1]);
out_store:
	store_close(app->st);
out_free:
	if (app->script)
		fclose(app->script);
	free(app);
	return rc;
}
