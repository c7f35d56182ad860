/* http: the transport. A client runs the libcurl multi interface on one worker
 * thread: bounded concurrency, a requests-per-minute token bucket, timeouts,
 * retries with exponential backoff and jitter (honouring Retry-After), SSE
 * streaming and cancellation. It knows nothing of prompts or the workspace.
 * TLS peer and host verification are always on. */
#ifndef MENTOR_HTTP_H
#define MENTOR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

/* Defaults applied by http_opts_init() (and by http_client_new(NULL, ...)). */
#define HTTP_DEFAULT_CONCURRENCY 8
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define HTTP_DEFAULT_TOTAL_TIMEOUT_MS 300000L
#define HTTP_DEFAULT_MAX_RETRIES 4
#define HTTP_DEFAULT_BACKOFF_BASE_MS 500L
#define HTTP_DEFAULT_BACKOFF_MAX_MS 30000L
#define HTTP_DEFAULT_RETRY_AFTER_MAX_MS 120000L
#define HTTP_DEFAULT_MAX_BODY ((size_t)16 << 20)
/* Longest SSE line / event data accepted before the stream is failed. */
#define HTTP_DEFAULT_MAX_EVENT ((size_t)1 << 20)
/* Hard ceilings on options (larger values are clamped). */
#define HTTP_MAX_CONCURRENCY 256
#define HTTP_MAX_RETRIES_LIMIT 20

enum http_method { HTTP_POST = 0, HTTP_GET = 1 };

/* Client options. Fill with http_opts_init(), then change what you need. */
struct http_opts {
	int concurrency;         /* transfers in flight at once (1..256) */
	int rpm;                 /* requests (attempts) started per minute, 0 = no limit */
	int rpm_burst;           /* token bucket size, default 1 (smooth pacing) */
	long connect_timeout_ms; /* per attempt */
	long total_timeout_ms;   /* whole attempt, streams included; ends every hang */
	long stall_timeout_ms;   /* end an attempt that receives nothing for this long
	                           * (as a timeout: retried), 0 = off (default) */
	int max_retries;         /* retries after the first attempt (0 = none), default 4 */
	long backoff_base_ms;    /* delay before retry n: min(max, base*2^(n-1)) with */
	long backoff_max_ms;     /* "equal jitter" (half fixed, half random) */
	long retry_after_max_ms; /* a Retry-After longer than this fails the request */
	uint64_t jitter_seed;    /* seed of the jitter PRNG (deterministic) */
	size_t max_body;         /* response body cap; beyond it the request fails */
	size_t max_event;        /* SSE line/event cap */
	const char *user_agent;  /* copied; NULL = "mentor/<version>" */
	/* Asked (on the worker thread) before a failed attempt whose status
	 * allows a retry (http_status_retryable) is retried, with that status
	 * and the attempt's body (body[len] is NUL); return 0 to fail the
	 * request now instead, e.g. for a 429 that says the account's quota is
	 * spent, which no wait will fix. NULL: the status alone decides. */
	int (*retry_ok)(void *user, long code, const char *body, size_t len);
	void *retry_user;
};

/* Fill o with the defaults above. */
void http_opts_init(struct http_opts *o);

/* Called on the worker thread for every complete SSE event of a 2xx streamed
 * response, in order. event is the `event:` field ("message" when absent);
 * data is the joined `data:` lines (NUL-terminated, len excludes the NUL; may
 * contain NUL bytes). Both are borrowed for the duration of the call. A final
 * `data: [DONE]` is not delivered (see http_result.stream_done). Return 0 to
 * go on, nonzero to stop the request (it then completes with cancelled = 1). */
typedef int (*http_event_fn)(void *user, const char *event, const char *data, size_t len);

/* Outcome of one request. */
struct http_result {
	uint64_t id;    /* as returned by http_submit() */
	int ok;         /* 1: transfer complete and HTTP 2xx (and stream not stopped) */
	long http_code; /* last attempt's status, 0 if none was received */
	char *body;     /* last attempt's full body (for streams the raw SSE
	                           * text), NUL-terminated, never NULL in on_done */
	size_t body_len;
	char error[MENTOR_ERR_LEN]; /* "" when ok; else what failed, with curl's text.
	                           * Never contains header values or URL queries. */
	double latency_ms;          /* from submission to completion (queue, retries incl.) */
	int attempts;               /* attempts started (0 if cancelled while queued) */
	int cancelled;              /* http_cancel/_all, client_free, or on_event stop */
	int retry_after_seen;       /* a Retry-After header was received (any attempt) */
	double retry_after_s;       /* the last one, in seconds (-1 if none) */
	size_t events;              /* SSE events delivered to on_event */
	int stream_done;            /* a `data: [DONE]` event was seen */
	int partial;                /* stream failed after events were delivered */
};

/* Called once per submitted request on the worker thread when it is finished
 * (success, failure or cancellation). r and r->body are borrowed: copy what you
 * need. Do not call http_fetch/http_wait_idle/http_client_free from here;
 * http_submit and http_cancel are fine. */
typedef void (*http_done_fn)(void *user, const struct http_result *r);

struct http_request {
	const char *url;            /* http:// or https:// (copied) */
	int method;                 /* HTTP_POST or HTTP_GET */
	const char *body;           /* request body (copied), NULL = empty */
	size_t body_len;            /* 0 = strlen(body) */
	const char *const *headers; /* "Name: value" lines (copied); may carry secrets,
	                           * which this module never puts in messages. A
	                           * Content-Type: application/json is added for a
	                           * POST unless one is given. */
	size_t n_headers;
	int stream;             /* 1: parse a 2xx response as SSE, call on_event */
	long timeout_ms;        /* per attempt total timeout; 0 = client default */
	void *user;             /* passed to the callbacks */
	http_event_fn on_event; /* may be NULL */
	http_done_fn on_done;   /* may be NULL */
};

/* Retry policy, in short (details in docs/teacher.md):
 * - retried: HTTP 429, 5xx, and network errors (connection refused or reset,
 *   timeouts, partial transfers, empty replies, DNS failure);
 * - not retried: other 4xx, bad URLs, TLS verification failures, the body cap;
 * - a stream is retried only if no event was delivered yet; once on_event has
 *   run, a failure completes the request with ok = 0, partial = 1 and the body
 *   received so far, so callers never see duplicated events;
 * - the delay honours Retry-After (seconds or HTTP-date), never shorter than it;
 *   a Retry-After beyond retry_after_max_ms ends the request instead. */

struct http_client;

/* Start a client and its worker thread. o may be NULL for defaults. Returns
 * NULL with err filled on failure. Free with http_client_free(). */
struct http_client *http_client_new(const struct http_opts *o, char *err);
/* Cancel everything, run the pending on_done callbacks (cancelled = 1), join
 * the worker and free. NULL is fine. Not from a callback. */
void http_client_free(struct http_client *c);

/* Queue a request (thread-safe, returns at once). On success returns MENTOR_OK,
 * stores its id (never 0) in *id (id may be NULL), and on_done will be called
 * exactly once. On failure (bad request, client closing) returns an error with
 * err filled and no callback is called. */
int http_submit(struct http_client *c, const struct http_request *req, uint64_t *id, char *err);

/* Cancel one request: a queued or waiting one completes with cancelled = 1, a
 * running transfer is aborted promptly. Returns MENTOR_OK, or MENTOR_ENOTFOUND
 * if the id is unknown or already finished. Thread-safe. */
int http_cancel(struct http_client *c, uint64_t id);
/* Cancel every request submitted so far. Thread-safe. */
void http_cancel_all(struct http_client *c);

/* Requests submitted and not yet finished (their on_done not yet returned). */
size_t http_pending(struct http_client *c);
/* Block until no request is pending, or timeout_ms passes (< 0 = no limit).
 * Returns MENTOR_OK when idle, MENTOR_ERR on timeout. Not from a callback. */
int http_wait_idle(struct http_client *c, long timeout_ms);

/* Synchronous convenience: submit req (its on_done and user are ignored for
 * completion, on_event still streams with req->user on the worker thread),
 * wait, and copy the result into *out, which the caller releases with
 * http_result_release(). Returns MENTOR_OK if out->ok, else MENTOR_ERR (or
 * MENTOR_ECANCEL) with err = out->error; out is filled in every case once the
 * request was submitted (out->body may be NULL if submission failed). Not
 * from a callback. */
int http_fetch(struct http_client *c, const struct http_request *req, struct http_result *out,
	       char *err);
/* Free out->body; NULL is fine. */
void http_result_release(struct http_result *r);

/* 1 if an HTTP status is retried (429, 5xx). */
int http_status_retryable(long code);

/* Parse a Retry-After value: delta seconds or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime), relative to now (unix seconds). Stores the delay in
 * seconds (>= 0, past dates give 0) and returns 0, or -1 if unparsable. */
int http_parse_retry_after(const char *value, int64_t now, double *secs);

/* Incremental Server-Sent Events parser (used by streamed requests, public
 * for tests and for callers that read SSE from elsewhere). Feed any chunking
 * of the byte stream; lines end with CRLF, LF or CR; a leading BOM is skipped;
 * `:` comments, `id:` and `retry:` are ignored; multi-line data is joined with
 * "\n"; an event is dispatched at a blank line, and by http_sse_finish() for a
 * final event without one. A non-standard `error:` line (llama.cpp's server
 * reports failures that way) is dispatched at once as an event named "error"
 * whose data is the line's value.  Lines or event data longer than max_event fail. */
struct http_sse {
	struct buf line; /* private state */
	struct buf data;
	struct buf event;
	int have_data;
	int after_cr;
	int started;
	int failed;
	size_t max_event;
	http_event_fn fn;
	void *user;
	size_t events; /* events delivered */
	int done;      /* a [DONE] data was seen (not delivered) */
	int stopped;   /* fn returned nonzero: further input ignored */
};

/* max_event 0 = HTTP_DEFAULT_MAX_EVENT. */
void http_sse_init(struct http_sse *p, size_t max_event, http_event_fn fn, void *user);
void http_sse_release(struct http_sse *p);
/* Returns MENTOR_OK (also once stopped), or MENTOR_ERR with err filled when a
 * line or event exceeds max_event (the parser then stays failed). */
int http_sse_feed(struct http_sse *p, const char *data, size_t n, char *err);
/* End of stream: dispatch a pending event that had no trailing blank line. */
int http_sse_finish(struct http_sse *p, char *err);

#endif
