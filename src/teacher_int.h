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
	int finished; /* finish_reason / message_stop seen */
	int choices;  /* events carrying a choice (or a content delta) */
	int failed;
	char err[MENTOR_ERR_LEN];
};
void teacher_stream_init(struct teacher_stream *s, const char *type);
void teacher_stream_release(struct teacher_stream *s);
/* Handle one SSE event; the new text (if any) is text.data + old length.
 * Returns 0 or -1 when the stream is broken (s->err says why). */
int teacher_stream_event(struct teacher_stream *s, const char *event, const char *data, size_t len);

/* Redaction of the API key (key NULL or shorter than 4 bytes: nothing is
 * masked). Every text that is stored or shown goes through one of these.
 * teacher_redact: a copy of text (heap, caller frees; NULL for NULL) with
 * every occurrence masked by '*', in JSON string values (escapes decoded)
 * and, for an SSE stream, in each field's values joined across events (a
 * key cut between two chunks); the stream is then written back as SSE.
 * teacher_redact_bytes: the plain occurrences in s, in place.
 * teacher_redact_live: text[0..len) is a stream's text so far; masks the
 * key in place and returns how many bytes may be shown now (the rest could
 * still become the key). */
char *teacher_redact(const char *key, const char *text);
void teacher_redact_bytes(const char *key, char *s);
size_t teacher_redact_live(const char *key, char *text, size_t len);

/* The request body the offline teacher logs for a prompt (heap, caller
 * frees); its cache key is teacher_cache_key of it, as for a remote body. */
char *teacher_offline_body(const char *model, int pmode, const struct config_offline_rates *rates,
			   uint64_t seed, const struct store_item *it, const char *prompt);
/* The cache key of a request: provider type, base URL, model and the plain
 * (non-streaming) request body. out: 65 bytes. */
void teacher_cache_key(const char *type, const char *base_url, const char *model, const char *body,
		       char out[65]);
/* Trim spaces, tabs, CR and LF around s in place; returns the first kept
 * character (inside s). */
char *teacher_trim(char *s);
/* Judge a generated text for an item: *parsed (heap, caller frees; NULL when
 * unparsable), *correct (1, 0, -1 without gold) and *leaked (RP only). */
void teacher_judge(const struct store_item *it, int pmode, const char *text, char **parsed,
		   int *correct, int *leaked);

/* Prompts exactly as a job builds them (templates, demonstrations, k, seed),
 * outside a job. new returns NULL with err; free accepts NULL. */
struct teacher_prompter;
struct teacher_prompter *teacher_prompter_new(const char *prompts_dir, int k, uint64_t seed,
					      char *err);
/* Appends the prompt of item for pmode (PROMPT_COT/PROMPT_RP) to out. */
int teacher_prompter_build(struct teacher_prompter *p, struct store *st,
			   const struct store_item *it, int pmode, struct buf *out, char *err);
void teacher_prompter_free(struct teacher_prompter *p);

#endif
