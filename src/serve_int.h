/* serve_int: the request head parser of src/serve.c, exposed to its tests
 * and fuzz harness only (not part of mentor's API). */
#ifndef MENTOR_SERVE_INT_H
#define MENTOR_SERVE_INT_H

#include <stddef.h>

/* Longest Authorization value kept; longer ones never match. */
#define AUTH_MAX 512

/* One parsed request. */
struct serve_req {
	char method[16];
	char path[256]; /* without its query string */
	int minor;      /* HTTP/1.minor */
	int conn_close; /* Connection: close */
	int conn_keep;  /* Connection: keep-alive */
	size_t content_length;
	int has_length;
	int chunked;
	int expect_continue;
	char auth[AUTH_MAX]; /* the Authorization value */
	int has_auth;
	int auth_bad;     /* two of them, or one too long: never matches */
	const char *body; /* into the connection's input; body_len bytes */
	size_t body_len;
};

/* Parse the head in h[0..n) (without the final CRLFCRLF) into r, which the
 * caller zeroes. Returns 0, or 400 for a bad request. */
int serve_parse_head(const char *h, size_t n, struct serve_req *r);
/* 1 if the request carries "Bearer KEY" for key, in a time that depends on
 * the key's length only; else 0. */
int serve_auth_ok(const struct serve_req *r, const char *key);

#endif
