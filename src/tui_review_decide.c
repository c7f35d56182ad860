/* tui_review_decide: the Review screen's verdicts on the focused candidate:
 * accept, reject, flag (and go on to the next unreviewed item), keep one
 * and reject the rest, undo, and edit in $EDITOR (the terminal handed over
 * to the editor and taken back). Each decision is committed when made and
 * remembered for the session's counters. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curses.h>

#include "tui_review_int.h"


static const struct store_expl *focused_expl(struct review *r)
{
	if (r->focus == TUI_REVIEW_CROP && r->show_attempt && r->attempt)
		return r->attempt;
	return r->shown[r->focus];
}

static void remember(struct review *r, int64_t expl_id, char kind)
{
	if (r->n_done == UNDO_KEEP) {
		memmove(r->done, r->done + 1, (UNDO_KEEP - 1) * sizeof r->done[0]);
		r->n_done--;
	}
	r->done[r->n_done++] = (struct decision){expl_id, kind};
	if (r->t0 <= 0)
		r->t0 = util_mono();
	if (kind != 'e')
		r->reviewed++;
	if (kind == 'a')
		r->accepted++;
	if (kind == 'x')
		r->rejected++;
}

/* The kept COTE attempt of CROP is shown for reference only: CROP trains on
 * its final text, which the column's decisions are about. 1 (message shown)
 * when the attempt is on screen. */
static int attempt_read_only(struct review *r, const char *what)
{
	if (!(r->focus == TUI_REVIEW_CROP && r->show_attempt && r->attempt))
		return 0;
	tui_app_error(r->app, "COTE attempt is read-only (o: CROP to %s)", tui_tr(r->app, what));
	return 1;
}

void tui_review_decide(struct review *r, const char *action, char kind, int advance)
{
	if (attempt_read_only(r, "decide"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item) {
		tui_app_error(r->app, "no item open: select one in Items (1) and press Enter");
		return;
	}
	if (!e) {
		tui_app_error(r->app, "%s has no explanation yet: press g to generate it",
			      tui_review_label(r->focus));
		return;
	}
	char err[MENTOR_ERR_LEN];
	int64_t id = e->id;
	int rc = store_expl_decide(r->st, id, action, r->reviewer, err);
	if (rc < 0) {
		tui_app_error(r->app, "cannot record the decision: %s", err);
		return;
	}
	if (rc == 1) {
		tui_app_error(r->app, "%s is %s already: nothing recorded",
			      tui_review_label(r->focus),
			      tui_tr(r->app, e->status ? e->status : "?"));
		return;
	}
	remember(r, id, kind);
	tui_review_load_expl(r);
	if (advance) {
		tui_review_go_next_unreviewed(r);
		return;
	}
	/* Move on to the next pending candidate to the right, if any: focus
	 * goes forward, never back. */
	for (int k = r->focus + 1; k < TUI_REVIEW_NMODES; k++)
		if (r->shown[k] &&
		    store_review_parse(r->shown[k]->status) == STORE_REVIEW_PENDING) {
			r->focus = k;
			break;
		}
}

void tui_review_undo(struct review *r)
{
	char err[MENTOR_ERR_LEN];
	int64_t eid = 0;
	int was_edit = 0;
	int rc = store_decision_undo(r->st, 0, &eid, &was_edit, err);
	if (rc == MENTOR_ENOTFOUND) {
		tui_app_error(r->app, "nothing to undo");
		return;
	}
	if (rc) {
		tui_app_error(r->app, "cannot undo: %s", err);
		return;
	}
	if (r->n_done && r->done[r->n_done - 1].expl_id == eid) {
		char kind = r->done[--r->n_done].kind;
		if (kind != 'e')
			r->reviewed--;
		if (kind == 'a')
			r->accepted--;
		if (kind == 'x')
			r->rejected--;
	}
	struct store_expl e;
	if (store_expl_get(r->st, eid, &e, err)) {
		tui_app_error(r->app, "undone, but cannot show it: %s", err);
		tui_review_load_expl(r);
		return;
	}
	if (e.item_id != r->item_id)
		tui_review_open_item(r, e.item_id);
	else
		tui_review_load_expl(r);
	int k = tui_review_mode_index(e.mode);
	if (k >= 0)
		r->focus = k;
	r->show_attempt = k == TUI_REVIEW_CROP && r->attempt && r->attempt->id == eid;
	if (was_edit)
		tui_app_notice(r->app, "undone: the edit of %s of item %lld; its text is restored",
			       k >= 0 ? tui_review_label(k) : "?", (long long)e.item_id);
	else
		tui_app_notice(r->app, "undone: %s of item %lld is %s again",
			       k >= 0 ? tui_review_label(k) : "?", (long long)e.item_id,
			       tui_tr(r->app, e.status ? e.status : "?"));
	store_expl_release(&e);
}


/* Run $EDITOR (else vi) on path: an argument vector, never a shell; the
 * terminal is handed over and taken back. 0 or -1 with err. */
static int run_editor(const char *path, char *err)
{
	const char *ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	char words[1024];
	snprintf(words, sizeof words, "%s", ed);
	char *argv[EDITOR_ARGS + 2];
	int argc = 0;
	char *save = NULL;
	for (char *w = strtok_r(words, " \t", &save); w && argc < EDITOR_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	if (!argc)
		return util_err(err, "$EDITOR is empty");
	argv[argc++] = (char *)path;
	argv[argc] = NULL;

	def_prog_mode();
	endwin();
	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int rc = 0;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	if (pid < 0) {
		rc = util_err(err, "cannot start the editor: %s", strerror(errno));
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			rc = util_err(err, "cannot run the editor '%s' (set $EDITOR)", argv[0]);
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = util_err(err, "the editor failed (status %d): nothing saved",
				      WIFEXITED(status) ? WEXITSTATUS(status)
							: 128 + WTERMSIG(status));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	refresh();
	clearok(curscr, TRUE);
	return rc ? -1 : 0;
}

static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* Finish the item in one key: accept the focused candidate, reject every
 * other shown candidate still pending, then go to the next unreviewed item.
 * Each decision is its own audit row (u undoes them one by one). */
void tui_review_keep_only(struct review *r)
{
	if (attempt_read_only(r, "decide"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item || !e) {
		tui_app_error(r->app, "%s has no explanation to keep", tui_review_label(r->focus));
		return;
	}
	char err[MENTOR_ERR_LEN];
	int64_t keep = e->id, item = r->item_id;
	int64_t others[TUI_REVIEW_NMODES];
	int n = 0;
	for (int k = 0; k < TUI_REVIEW_NMODES; k++) {
		const struct store_expl *o = r->shown[k];
		if (k != r->focus && o && o->id != keep &&
		    store_review_parse(o->status) == STORE_REVIEW_PENDING)
			others[n++] = o->id;
	}
	int kept = r->focus;
	int rc = store_expl_decide(r->st, keep, "accept", r->reviewer, err);
	if (rc < 0) {
		tui_app_error(r->app, "cannot record the decision: %s", err);
		return;
	}
	if (rc == 0)
		remember(r, keep, 'a');
	int rejected = 0;
	for (int i = 0; i < n; i++) {
		rc = store_expl_decide(r->st, others[i], "reject", r->reviewer, err);
		if (rc < 0) {
			tui_review_load_expl(r);
			tui_app_error(r->app, "cannot record the decision: %s", err);
			return;
		}
		if (rc == 0) {
			remember(r, others[i], 'x');
			rejected++;
		}
	}
	tui_review_load_expl(r);
	tui_review_go_next_unreviewed(r);
	tui_app_notice(r->app,
		       rejected == 1 ? "item %lld: kept %s, rejected %d other"
				     : "item %lld: kept %s, rejected %d others",
		       (long long)item, tui_review_label(kept), rejected);
}

void tui_review_edit(struct review *r)
{
	if (attempt_read_only(r, "edit"))
		return;
	const struct store_expl *e = focused_expl(r);
	if (!r->have_item || !e) {
		tui_app_error(r->app, "nothing to edit: generate an explanation first (g)");
		return;
	}
	char err[MENTOR_ERR_LEN];
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/mentor-expl-XXXXXX.txt",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		tui_app_error(r->app, "cannot create a file for the editor: %s", strerror(errno));
		return;
	}
	const char *old = tui_review_text(e);
	size_t oldn = strlen(old);
	int64_t id = e->id;
	size_t off = 0;
	while (off < oldn) {
		ssize_t w = write(fd, old + off, oldn - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int wrote = off == oldn && write(fd, "\n", 1) == 1;
	close(fd);
	if (!wrote) {
		tui_app_error(r->app, "cannot write '%s'", path);
		unlink(path);
		return;
	}
	if (run_editor(path, err)) {
		unlink(path);
		tui_app_error(r->app, "%s", err);
		return;
	}
	size_t len = 0;
	char *text = util_read_file(path, TEACHER_MAX_TEXT, &len, err);
	unlink(path);
	if (!text) {
		tui_app_error(r->app, "cannot read the edited text: %s", err);
		return;
	}
	len = trimmed_len(text, strlen(text));
	text[len] = '\0';
	if (len == trimmed_len(old, oldn) && !memcmp(text, old, len)) {
		free(text);
		tui_app_error(r->app, "no change: nothing saved");
		return;
	}
	if (!len) {
		free(text);
		tui_app_error(r->app, "the edited text is empty: nothing saved");
		return;
	}
	int rc = teacher_edit(r->st, id, text, r->reviewer, err);
	if (rc < 0)
		tui_app_error(r->app, "cannot save the edit: %s", err);
	else if (rc == 0)
		remember(r, id, 'e');
	free(text);
	tui_review_load_expl(r);
}

/* ------------------------------------------------------------- screen ops */
