/* tui_review: the Review screen's place in the frame. For now it registers
 * its tab and remembers which item Items asked it to open; the review of
 * explanations (accept, reject, edit, undo) plugs in here through the screen
 * API described in tui_int.h. */
#include <stdio.h>
#include <stdlib.h>

#include "tui_int.h"

struct review {
	int64_t item_id; /* last item opened from Items, 0 if none */
};

static int review_create(struct tui_app *app, void **state, char *err)
{
	struct review *r = calloc(1, sizeof *r);
	if (!r)
		util_oom();
	*state = r;
	return 0;
}

static void review_destroy(void *state) { free(state); }

static void review_draw(void *state, struct tui_app *app, struct tui_canvas *cv,
			struct tui_rect body)
{
	struct review *r = state;
	tui_canvas_fill(cv, body, TUI_ROLE_NORMAL);
	tui_canvas_put(cv, body.x + 2, body.y + 1, body.w - 4, TUI_ROLE_TITLE,
		       "Review: select an item in Items and press Enter");
	if (r->item_id) {
		char line[96];
		snprintf(line, sizeof line, "item %lld is open", (long long)r->item_id);
		tui_canvas_put(cv, body.x + 2, body.y + 3, body.w - 4, TUI_ROLE_NORMAL, line);
	}
}

static int review_message(void *state, struct tui_app *app, int msg, int64_t arg)
{
	struct review *r = state;
	if (msg == TUI_MSG_OPEN_ITEM)
		r->item_id = arg;
	return TUI_HANDLED | TUI_REDRAW;
}

static void review_status(void *state, struct tui_app *app, struct tui_line *hints,
			  struct buf *counts)
{
	struct review *r = state;
	if (r->item_id)
		buf_printf(counts, "item %lld", (long long)r->item_id);
}

const struct tui_screen_ops tui_review_screen = {
	.number = 2,
	.title = "Review",
	.create = review_create,
	.destroy = review_destroy,
	.draw = review_draw,
	.message = review_message,
	.status = review_status,
};
