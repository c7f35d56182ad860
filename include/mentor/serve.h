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

#endif
