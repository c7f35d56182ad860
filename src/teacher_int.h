/* teacher_int: private to the teacher_*.c files: request bodies and
 * response readers of the two wire formats. */
#ifndef MENTOR_TEACHER_INT_H
#define MENTOR_TEACHER_INT_H

#include "mentor/config.h"
#include "mentor/teacher.h"

/* The JSON body of a chat request with one user message (heap string,
 * caller frees). stream adds the streaming fields. */
char *teacher_wire_body(const char *type, const char *model, const char *prompt, int max_tokens,
			double temperature, int stream);
/* The endpoint URL for a provider (heap string). */
char *teacher_wire_url(const struct config_provider *p);

/* Streaming reader fed event by event (the transport's on_event). */
struct teacher_stream {
	int anthropic;
	struct buf text;
	int64_t tokens_in, tokens_out;
	int finished;      /* finish_reason / message_stop seen */
	int failed;
	char err[MENTOR_ERR_LEN];
};
void teacher_stream_init(struct teacher_stream *s, const char *type);
void teacher_stream_release(struct teacher_stream *s);
/* Handle one SSE event; the new text (if any) is text.data + old length.
 * Returns 0 or -1 when the stream is broken (s->err says why). */
int teacher_stream_event(struct teacher_stream *s, const char *event, const char *data,
			 size_t len);

#endif
