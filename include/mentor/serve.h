/* serve: an OpenAI-compatible HTTP/1.1 server for one trained run.
 * POST /v1/chat/completions and /v1/completions (with or without "stream":
 * SSE chunks then "data: [DONE]"), GET /v1/models and /health. Answers come
 * from the same code path as `mentor predict`. One thread owns every socket
 * (reads against deadlines, writes, keep-alive); answering threads only
 * compute, one answer at a time. An optional bearer key guards every
 * endpoint but /health; without one, only loopback addresses are served. */
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
/* Defaults of the options below. */
#define SERVE_HEADER_TIMEOUT_MS 5000
#define SERVE_IDLE_TIMEOUT_MS 5000
#define SERVE_MAX_CONNS 128
/* A body may take the header timeout plus its length at this many bytes per
 * second to arrive; slower gets 408. */
#define SERVE_BODY_RATE (64 << 10)
/* Requests answered by the model at once (the rest wait on a lock); a
 * complete request past this gets 503. */
#define SERVE_ANSWER_SLOTS 32
/* Connections accepted past max_conns to answer /health (anything else on
 * them gets 503 with Retry-After); past these too a client gets 503 at once. */
#define SERVE_HEALTH_RESERVE 16
/* Environment variable the CLI reads the API key from. */
#define SERVE_KEY_ENV "MENTOR_SERVE_KEY"

struct serve_opts {
	const char *host;      /* numeric IPv4 address; NULL = SERVE_DEFAULT_HOST */
	int port;              /* 0 = any free port (see on_listen) */
	size_t max_body;       /* 0 = SERVE_MAX_BODY */
	int header_timeout_ms; /* a whole request head must arrive within this of the
	                        * connection (or of its first byte after keep-alive);
	                        * a response unread for this long is dropped; 0 = default */
	int idle_timeout_ms;   /* a keep-alive connection without a new request is
	                       * closed after this; 0 = default */
	int max_conns;         /* connections held at once; 0 = SERVE_MAX_CONNS */
	/* Borrowed; NULL or "" = none. When set, every endpoint but /health needs
	 * "Authorization: Bearer KEY" (else 401). Never logged. */
	const char *api_key;
	/* Serve a non-loopback host without api_key (refused otherwise). */
	int insecure_no_auth;
	volatile sig_atomic_t *stop; /* set (from a signal handler) to stop; may be NULL */
	/* Called once the socket listens, with the actual port. May be NULL. */
	void (*on_listen)(void *u, const char *host, int port);
	/* Called after each response with the request's method and path (empty
	 * when it was never read whole) and the status; from the server's
	 * thread, one call at a time. May be NULL. */
	void (*on_request)(void *u, const char *method, const char *path, int status);
	void *u;
};
void serve_opts_init(struct serve_opts *o);

/* 1 if host is a numeric IPv4 address in 127.0.0.0/8, 0 if it is another
 * one, -1 if it is not a numeric IPv4 address. */
int serve_host_is_loopback(const char *host);

/* Load the checkpoint of run_ref (id or name) of the workspace at db_path and
 * serve it until *o->stop is set. Returns 0 after a clean stop, MENTOR_EUSAGE
 * for a bad address or a non-loopback host without a key (and without
 * insecure_no_auth), or another error (cannot load, cannot bind); err says
 * which. */
int serve_run(const char *db_path, const char *run_ref, const struct serve_opts *o, char *err);

#endif
