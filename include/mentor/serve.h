/* serve: an OpenAI-compatible HTTP/1.1 server for one trained run, on a
 * loopback address. POST /v1/chat/completions and /v1/completions (with or
 * without "stream": SSE chunks then "data: [DONE]"), GET /v1/models and
 * /health. Answers come from the same code path as `mentor predict`.
 * Connections are read on threads of their own; answers are serialised. */
#ifndef MENTOR_SERVE_H
#define MENTOR_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

#define SERVE_DEFAULT_HOST "127.0.0.1"
#define SERVE_DEFAULT_PORT 8080
/* Largest request body accepted (bigger: 413) and request head (bigger: 431). */
#define SERVE_MAX_BODY ((size_t)1 << 20)
#define SERVE_MAX_HEAD ((size_t)16 << 10)

struct serve_opts {
	const char *host;            /* numeric IPv4 address; NULL = SERVE_DEFAULT_HOST */
	int port;                    /* 0 = any free port (see on_listen) */
	size_t max_body;             /* 0 = SERVE_MAX_BODY */
	int timeout_ms;              /* for reading one request; 0 = 10000 */
	volatile sig_atomic_t *stop; /* set (from a signal handler) to stop; may be NULL */
	/* Called once the socket listens, with the actual port. May be NULL. */
	void (*on_listen)(void *u, const char *host, int port);
	/* Called after each request with its method, path and status (from the
	 * connection's thread, one call at a time). May be NULL. */
	void (*on_request)(void *u, const char *method, const char *path, int status);
	void *u;
};
void serve_opts_init(struct serve_opts *o);

/* Load the checkpoint of run_ref (id or name) of the workspace at db_path and
 * serve it until *o->stop is set. Returns 0 after a clean stop, or an error
 * (cannot load, cannot bind: err says which). */
int serve_run(const char *db_path, const char *run_ref, const struct serve_opts *o, char *err);

/* ---------------------------------------------------------------------------
 * The request parser, public only so that tests and the fuzz harness can
 * reach it without a socket; serve_run is its one real caller. */

/* A request head. */
struct serve_request {
	char method[16];
	char path[256]; /* the query string cut off */
	size_t content_length;
	int has_length;
	int chunked;
	int expect_continue;
};
/* Parse h[0..n): the request line and header lines, without the blank line
 * that ends them (not NUL-terminated). Fills r (cleared first). Returns 0, or
 * the status to refuse the request with (400). */
int serve_parse_head(const char *h, size_t n, struct serve_request *r);

/* What a completion request asks. */
struct serve_query {
	char *question; /* heap: the prompt, or the last user message's text */
	char *choices;  /* heap: mentor.choices as JSON text, or NULL */
	char type[16];  /* mentor.type, or "" for the run's answer type */
	int stream;
};
/* Read the JSON body body[0..len) of a chat (chat = 1) or plain completion
 * request into q. Returns 0 (release q with serve_query_release), or 400 with
 * *bad set to a static message and q left empty. */
int serve_parse_body(const char *body, size_t len, int chat, struct serve_query *q,
		     const char **bad);
/* Free q's strings; q may be empty. */
void serve_query_release(struct serve_query *q);

#endif
