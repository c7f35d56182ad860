/* http: libcurl multi transport on one worker thread. Requests are queued by
 * any thread, started within the concurrency and requests-per-minute limits,
 * retried with backoff, streamed through the SSE parser and completed through
 * on_done on the worker. Secrets in headers never reach a message. */
#define _POSIX_C_SOURCE 200809L
#include "mentor/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef MENTOR_VERSION
#define MENTOR_VERSION "0"
#endif

/* ---------------------------------------------------------------- SSE */

void http_sse_init(struct http_sse *p, size_t max_event, http_event_fn fn, void *user)
{
	memset(p, 0, sizeof *p);
	buf_init(&p->line);
	buf_init(&p->data);
	buf_init(&p->event);
	p->max_event = max_event ? max_event : HTTP_DEFAULT_MAX_EVENT;
	p->fn = fn;
	p->user = user;
}

void http_sse_release(struct http_sse *p)
{
	if (!p)
		return;
	buf_release(&p->line);
	buf_release(&p->data);
	buf_release(&p->event);
}

static int sse_fail(struct http_sse *p, char *err, const char *what)
{
	p->failed = 1;
	return util_err(err, "cannot read event stream: %s longer than %zu bytes", what,
			p->max_event);
}

static void sse_dispatch(struct http_sse *p)
{
	if (p->have_data) {
		const char *data = p->data.data ? p->data.data : "";
		if (p->data.len == 6 && memcmp(data, "[DONE]", 6) == 0) {
			p->done = 1;
		} else {
			const char *name = p->event.len ? p->event.data : "message";
			p->events++;
			if (p->fn && p->fn(p->user, name, data, p->data.len))
				p->stopped = 1;
		}
	}
	buf_reset(&p->data);
	buf_reset(&p->event);
	p->have_data = 0;
}

static int sse_line(struct http_sse *p, char *err)
{
	const char *s = p->line.data ? p->line.data : "";
	size_t n = p->line.len;
	if (!p->started) {
		p->started = 1;
		if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
	}
	if (n == 0) {
		sse_dispatch(p);
		return MENTOR_OK;
	}
	if (s[0] == ':')
		return MENTOR_OK;
	const char *colon = memchr(s, ':', n);
	size_t flen = colon ? (size_t)(colon - s) : n;
	const char *v = colon ? colon + 1 : s + n;
	size_t vlen = (size_t)(s + n - v);
	if (vlen && v[0] == ' ') {
		v++;
		vlen--;
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		if ((p->have_data && buf_putc(&p->data, '\n')) || buf_append(&p->data, v, vlen) ||
		    p->data.len > p->max_event)
			return sse_fail(p, err, "an event");
		if (!p->data.data && buf_append(&p->data, "", 0))
			return sse_fail(p, err, "an event");
		p->have_data = 1;
	} else if (flen == 5 && memcmp(s, "event", 5) == 0) {
		buf_reset(&p->event);
		if (buf_append(&p->event, v, vlen))
			return sse_fail(p, err, "an event name");
	} else if (flen == 5 && memcmp(s, "error", 5) == 0) {
		/* llama.cpp's server reports a failure inside a 200 stream as an
		 * "error: {json}" line: an event named "error" of its own. */
		sse_dispatch(p);
		if (p->stopped)
			return MENTOR_OK;
		if (buf_puts(&p->event, "error") || buf_append(&p->data, v, vlen) ||
		    (!p->data.data && buf_append(&p->data, "", 0)))
			return sse_fail(p, err, "an event");
		p->have_data = 1;
		sse_dispatch(p);
	}
	/* id:, retry: and unknown fields are ignored */
	return MENTOR_OK;
}

int http_sse_feed(struct http_sse *p, const char *data, size_t n, char *err)
{
	if (p->failed)
		return util_err(err, "cannot read event stream: the parser failed earlier");
	size_t i = 0;
	while (i < n && !p->stopped) {
		if (p->after_cr) {
			p->after_cr = 0;
			if (data[i] == '\n') {
				i++;
				continue;
			}
		}
		/* take a run of ordinary bytes at once */
		size_t j = i;
		while (j < n && data[j] != '\n' && data[j] != '\r')
			j++;
		if (j > i) {
			if (p->line.len + (j - i) > p->max_event)
				return sse_fail(p, err, "a line");
			if (buf_append(&p->line, data + i, j - i))
				return sse_fail(p, err, "a line");
		}
		if (j == n)
			break;
		if (data[j] == '\r')
			p->after_cr = 1;
		int rc = sse_line(p, err);
		buf_reset(&p->line);
		if (rc)
			return rc;
		i = j + 1;
	}
	return MENTOR_OK;
}

int http_sse_finish(struct http_sse *p, char *err)
{
	if (p->failed)
		return util_err(err, "cannot read event stream: the parser failed earlier");
	if (p->stopped)
		return MENTOR_OK;
	if (p->line.len) {
		int rc = sse_line(p, err);
		buf_reset(&p->line);
		if (rc)
			return rc;
	}
	if (!p->stopped)
		sse_dispatch(p);
	return MENTOR_OK;
}

/* ------------------------------------------------------- Retry-After */

int http_status_retryable(long code)
{
	return code == 429 || (code >= 500 && code <= 599);
}

static int month_index(const char *m)
{
	static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					    "jul", "aug", "sep", "oct", "nov", "dec"};
	for (int i = 0; i < 12; i++)
		if (strncasecmp(m, names[i], 3) == 0 && m[3] == '\0')
			return i;
	return -1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int parse_http_date(const char *v, int64_t *out)
{
	char wd[16], mon[8], tz[8];
	int d, y, hh, mm, ss, mi;
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(v, "%15[A-Za-z], %d %7[A-Za-z] %d %d:%d:%d %7s", wd, &d, mon, &y, &hh, &mm, &ss,
		   tz) == 8) {
	} else if (sscanf(v, "%15[A-Za-z], %d-%7[A-Za-z]-%d %d:%d:%d %7s", wd, &d, mon, &y, &hh,
			  &mm, &ss, tz) == 8) {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		if (y < 100)
			y += y < 70 ? 2000 : 1900;
	} else if (sscanf(v, "%15[A-Za-z] %7[A-Za-z] %d %d:%d:%d %d", wd, mon, &d, &hh, &mm, &ss,
			  &y) == 7) {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		tz[0] = 'G';
		tz[1] = 'M';
		tz[2] = 'T';
		tz[3] = '\0';
	} else {
		return -1;
	}
	if (strcmp(tz, "GMT") != 0 && strcmp(tz, "UTC") != 0)
		return -1;
	mi = month_index(mon);
	if (mi < 0 || d < 1 || d > 31 || y < 1970 || y > 9999 || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60)
		return -1;
	*out = days_from_civil(y, mi + 1, d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}

int http_parse_retry_after(const char *value, int64_t now, double *secs)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t n = strlen(value);
	while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
		     value[n - 1] == '\n'))
		n--;
	if (n == 0 || n > 64)
		return -1;
	char tmp[65];
	memcpy(tmp, value, n);
	tmp[n] = '\0';
	if (tmp[0] >= '0' && tmp[0] <= '9') {
		long s;
		if (util_parse_long(tmp, 0, 100000000L, &s))
			return -1;
		*secs = (double)s;
		return 0;
	}
	int64_t t;
	if (parse_http_date(tmp, &t))
		return -1;
	*secs = t > now ? (double)(t - now) : 0.0;
	return 0;
}

/* ------------------------------------------------------------ client */

enum req_state { RS_QUEUED, RS_WAITING, RS_RUNNING };

struct req {
	uint64_t id;
	/* immutable after submit */
	char *url;
	char *url_shown; /* scheme://host[:port]/path, no credentials or query */
	int method;
	char *body;
	size_t body_len;
	struct curl_slist *headers;
	char **secrets;
	size_t n_secrets;
	int stream;
	long timeout_ms;
	void *user;
	http_event_fn on_event;
	http_done_fn on_done;
	int *fetch_done; /* set under the mutex once fully finished (http_fetch) */
	double t_submit;

	/* guarded by the client mutex */
	int cancel;
	struct req *anext, *aprev; /* all live requests */
	struct req *inext;         /* incoming queue */

	/* worker only */
	struct req *wnext, *wprev;
	int state;
	int w_cancel;
	double t_next;
	int attempts;
	CURL *easy;
	struct buf resp;
	struct http_sse sse;
	char curl_err[CURL_ERROR_SIZE];
	char sse_err[MENTOR_ERR_LEN];
	int too_big;
	int sse_failed;
	int retry_after_seen;
	int retry_after_now; /* seen in the current attempt */
	double t_last;       /* start of the attempt or its last received bytes */
	double retry_after_s;
	size_t events;
};

struct http_client {
	struct http_opts o;
	char *ua;
	CURLM *multi;
	pthread_t thread;
	int thread_started;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct req *ahead, *atail;
	struct req *ihead, *itail;
	size_t pending;
	uint64_t next_id;
	int closing;
	int cancel_dirty;

	/* worker only */
	struct req *whead, *wtail;
	int running;
	double tokens;
	double t_refill;
	struct rng rng;
};

void http_opts_init(struct http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->concurrency = HTTP_DEFAULT_CONCURRENCY;
	o->rpm = 0;
	o->rpm_burst = 1;
	o->connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	o->total_timeout_ms = HTTP_DEFAULT_TOTAL_TIMEOUT_MS;
	o->stall_timeout_ms = 0;
	o->max_retries = HTTP_DEFAULT_MAX_RETRIES;
	o->backoff_base_ms = HTTP_DEFAULT_BACKOFF_BASE_MS;
	o->backoff_max_ms = HTTP_DEFAULT_BACKOFF_MAX_MS;
	o->retry_after_max_ms = HTTP_DEFAULT_RETRY_AFTER_MAX_MS;
	o->jitter_seed = 0x6d656e746f72ULL;
	o->max_body = HTTP_DEFAULT_MAX_BODY;
	o->max_event = HTTP_DEFAULT_MAX_EVENT;
	o->user_agent = NULL;
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	if (r->easy)
		curl_easy_cleanup(r->easy);
	free(r->url);
	free(r->url_shown);
	free(r->body);
	curl_slist_free_all(r->headers);
	for (size_t i = 0; i < r->n_secrets; i++) {
		if (r->secrets[i]) {
			/* wipe secrets before the memory goes back */
			volatile char *s = r->secrets[i];
			for (size_t k = 0; s[k]; k++)
				s[k] = 0;
		}
		free(r->secrets[i]);
	}
	free(r->secrets);
	buf_release(&r->resp);
	http_sse_release(&r->sse);
	free(r);
}

/* The URL as messages show it: no user:password@, no ?query or #fragment. */
static char *url_for_messages(const char *url)
{
	struct buf b;
	buf_init(&b);
	const char *p = url;
	const char *sep = strstr(url, "://");
	if (sep) {
		buf_append(&b, url, (size_t)(sep + 3 - url));
		p = sep + 3;
	}
	size_t auth_end = strcspn(p, "/?#");
	const char *at = memchr(p, '@', auth_end);
	if (at)
		p = at + 1;
	size_t n = strcspn(p, "?#");
	for (size_t i = 0; i < n && i < 200; i++) {
		unsigned char ch = (unsigned char)p[i];
		buf_putc(&b, ch < 0x20 || ch == 0x7f ? '?' : ch);
	}
	if (p[n] == '?' || n > 200)
		buf_puts(&b, "...");
	char *s = buf_detach(&b, NULL);
	return s ? s : util_strdup("");
}

static int add_secret(struct req *r, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n < 4)
		return 0;
	char **grown = realloc(r->secrets, (r->n_secrets + 1) * sizeof *grown);
	if (!grown)
		return -1;
	r->secrets = grown;
	r->secrets[r->n_secrets] = util_strndup(s, n);
	r->n_secrets++;
	return 0;
}

/* Every header value, and each of its words of 8+ bytes (the key in
 * "Bearer KEY"), counts as a secret. */
static int collect_secrets(struct req *r, const char *line)
{
	const char *colon = strchr(line, ':');
	if (!colon)
		return 0;
	const char *v = colon + 1;
	if (add_secret(r, v, strlen(v)))
		return -1;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		if (n >= 8 && n != strlen(v) && add_secret(r, p, n))
			return -1;
		p += n;
	}
	return 0;
}

/* Replace every occurrence of a secret in msg by "***" (in place). Longer
 * secrets first so that a word of a value does not leave the rest behind. */
static void scrub(const struct req *r, char *msg)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_secrets; i++) {
			const char *s = r->secrets[i];
			size_t n = strlen(s);
			if ((pass == 0) != (n >= 16))
				continue;
			char *hit;
			while ((hit = strstr(msg, s)) != NULL) {
				size_t rest = strlen(hit + n);
				memcpy(hit, "***", 3);
				memmove(hit + 3, hit + n, rest + 1);
			}
		}
	}
}

static int header_has(const struct curl_slist *h, const char *name)
{
	size_t n = strlen(name);
	for (; h; h = h->next)
		if (strncasecmp(h->data, name, n) == 0 && h->data[n] == ':')
			return 1;
	return 0;
}

static void client_wake(struct http_client *c)
{
	curl_multi_wakeup(c->multi);
}

/* --- worker list helpers (worker thread only) --- */

static void wl_push(struct http_client *c, struct req *r)
{
	r->wnext = NULL;
	r->wprev = c->wtail;
	if (c->wtail)
		c->wtail->wnext = r;
	else
		c->whead = r;
	c->wtail = r;
}

static void wl_unlink(struct http_client *c, struct req *r)
{
	if (r->wprev)
		r->wprev->wnext = r->wnext;
	else
		c->whead = r->wnext;
	if (r->wnext)
		r->wnext->wprev = r->wprev;
	else
		c->wtail = r->wprev;
	r->wnext = r->wprev = NULL;
}

static void stop_transfer(struct http_client *c, struct req *r)
{
	if (r->easy) {
		if (r->state == RS_RUNNING) {
			curl_multi_remove_handle(c->multi, r->easy);
			c->running--;
		}
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
}

/* Complete r: run on_done, then forget it. r must be in the worker list. */
static void finish(struct http_client *c, struct req *r, int ok, int cancelled, const char *fmt,
		   ...) MENTOR_PRINTF(5, 6);

static void finish(struct http_client *c, struct req *r, int ok, int cancelled, const char *fmt,
		   ...)
{
	struct http_result res;
	long code = 0;
	if (r->easy)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	stop_transfer(c, r);
	wl_unlink(c, r);

	memset(&res, 0, sizeof res);
	res.id = r->id;
	res.ok = ok;
	res.http_code = code;
	if (!r->resp.data)
		buf_append(&r->resp, "", 0);
	res.body = r->resp.data ? r->resp.data : (char *)"";
	res.body_len = r->resp.len;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(res.error, sizeof res.error, fmt, ap);
		va_end(ap);
		scrub(r, res.error);
	}
	res.latency_ms = (util_mono() - r->t_submit) * 1000.0;
	res.attempts = r->attempts;
	res.cancelled = cancelled;
	res.retry_after_seen = r->retry_after_seen;
	res.retry_after_s = r->retry_after_seen ? r->retry_after_s : -1.0;
	res.events = r->events;
	res.stream_done = r->sse.done;
	res.partial = !ok && r->events > 0;
	if (r->on_done)
		r->on_done(r->user, &res);

	pthread_mutex_lock(&c->mu);
	if (r->aprev)
		r->aprev->anext = r->anext;
	else
		c->ahead = r->anext;
	if (r->anext)
		r->anext->aprev = r->aprev;
	else
		c->atail = r->aprev;
	c->pending--;
	if (r->fetch_done)
		*r->fetch_done = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
	req_free(r);
}

static int on_sse_event(void *user, const char *event, const char *data, size_t len)
{
	struct req *r = user;
	r->events++;
	return r->on_event ? r->on_event(r->user, event, data, len) : 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct req *r = userdata;
	size_t n = size * nmemb;
	r->t_last = util_mono();
	if (r->resp.len + n > r->resp.limit) {
		r->too_big = 1;
		return 0;
	}
	if (buf_append(&r->resp, ptr, n)) {
		r->too_big = 1;
		return 0;
	}
	if (r->stream) {
		long code = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code <= 299) {
			if (http_sse_feed(&r->sse, ptr, n, r->sse_err)) {
				r->sse_failed = 1;
				return 0;
			}
			if (r->sse.stopped)
				return 0;
		}
	}
	return n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct req *r = userdata;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";
	r->t_last = util_mono();
	if (n > sizeof name - 1 && n < 200 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
		char v[200];
		memcpy(v, ptr + sizeof name - 1, n - (sizeof name - 1));
		v[n - (sizeof name - 1)] = '\0';
		double s;
		if (http_parse_retry_after(v, util_unix_time(), &s) == 0) {
			r->retry_after_seen = 1;
			r->retry_after_now = 1;
			r->retry_after_s = s;
		}
	}
	return n;
}

static int start_attempt(struct http_client *c, struct req *r, char *err)
{
	CURL *e = curl_easy_init();
	if (!e)
		return util_err(err, "cannot start request to '%s': out of memory", r->url_shown);
	r->easy = e;
	r->attempts++;
	r->retry_after_now = 0;
	r->too_big = 0;
	r->sse_failed = 0;
	r->t_last = util_mono();
	r->curl_err[0] = '\0';
	buf_reset(&r->resp);
	r->resp.limit = c->o.max_body;
	http_sse_release(&r->sse);
	http_sse_init(&r->sse, c->o.max_event, on_sse_event, r);

	long timeout = r->timeout_ms > 0 ? r->timeout_ms : c->o.total_timeout_ms;
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_URL, r->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, r) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->ua);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (r->method == HTTP_POST) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (bad) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return util_err(err, "cannot start request to '%s': unsupported URL", r->url_shown);
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return util_err(err, "cannot start request to '%s': curl refused the transfer",
				r->url_shown);
	}
	r->state = RS_RUNNING;
	c->running++;
	return MENTOR_OK;
}

static int curl_code_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR: return 1;
	default: return 0;
	}
}

/* Backoff before retry number n (1-based), in seconds, equal jitter. */
static double backoff_s(struct http_client *c, int n)
{
	double d = (double)c->o.backoff_base_ms;
	for (int i = 1; i < n && d < (double)c->o.backoff_max_ms; i++)
		d *= 2;
	if (d > (double)c->o.backoff_max_ms)
		d = (double)c->o.backoff_max_ms;
	d = d / 2 + rng_unit(&c->rng) * d / 2;
	return d / 1000.0;
}

/* The response body as a short single-line excerpt for messages. */
static void body_excerpt(const struct req *r, char *out, size_t cap)
{
	size_t o = 0;
	const unsigned char *s = (const unsigned char *)(r->resp.data ? r->resp.data : "");
	for (size_t i = 0; i < r->resp.len && o + 4 < cap && i < 200; i++) {
		unsigned char ch = s[i];
		out[o++] = (char)(ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	/* do not end in the middle of a UTF-8 sequence */
	while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
		o--;
	if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
		o--;
	if (r->resp.len > 200 && o + 3 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void handle_done(struct http_client *c, struct req *r, CURLcode rc)
{
	long code = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->sse.stopped) {
		finish(c, r, 0, 1, "request to '%s' stopped by the event handler", r->url_shown);
		return;
	}
	if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		finish(c, r, 0, 0, "response from '%s' is larger than the %zu byte limit",
		       r->url_shown, c->o.max_body);
		return;
	}
	if (r->sse_failed) {
		finish(c, r, 0, 0, "bad event stream from '%s': %s", r->url_shown, r->sse_err);
		return;
	}
	int retry = 0;
	char why[MENTOR_ERR_LEN];
	if (rc == CURLE_OK) {
		if (code >= 200 && code <= 299) {
			if (r->stream) {
				char serr[MENTOR_ERR_LEN];
				if (http_sse_finish(&r->sse, serr)) {
					finish(c, r, 0, 0, "bad event stream from '%s': %s",
					       r->url_shown, serr);
					return;
				}
				if (r->sse.stopped) {
					finish(c, r, 0, 1,
					       "request to '%s' stopped by the event handler",
					       r->url_shown);
					return;
				}
			}
			finish(c, r, 1, 0, NULL);
			return;
		}
		char ex[256];
		body_excerpt(r, ex, sizeof ex);
		snprintf(why, sizeof why, "HTTP %ld%s%s", code, ex[0] ? ": " : "", ex);
		retry = http_status_retryable(code);
		if (retry && c->o.retry_ok &&
		    !c->o.retry_ok(c->o.retry_user, code, r->resp.data ? r->resp.data : "",
				   r->resp.data ? r->resp.len : 0))
			retry = 0;
	} else {
		snprintf(why, sizeof why, "%s",
			 r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
		retry = curl_code_retryable(rc);
	}
	if (retry && r->events > 0) {
		finish(c, r, 0, 0, "stream from '%s' broke after %zu events: %s", r->url_shown,
		       r->events, why);
		return;
	}
	if (!retry || r->attempts > c->o.max_retries) {
		if (r->attempts > 1)
			finish(c, r, 0, 0, "request to '%s' failed after %d attempts: %s",
			       r->url_shown, r->attempts, why);
		else
			finish(c, r, 0, 0, "request to '%s' failed: %s", r->url_shown, why);
		return;
	}
	double delay = backoff_s(c, r->attempts);
	if (r->retry_after_now) {
		if (r->retry_after_s * 1000.0 > (double)c->o.retry_after_max_ms) {
			finish(c, r, 0, 0,
			       "request to '%s' failed: %s; the server asks to retry after %.0f s, "
			       "more than the %ld ms limit",
			       r->url_shown, why, r->retry_after_s, c->o.retry_after_max_ms);
			return;
		}
		if (delay < r->retry_after_s)
			delay = r->retry_after_s;
	}
	stop_transfer(c, r);
	r->state = RS_WAITING;
	r->t_next = util_mono() + delay;
}

/* Token bucket: 1 if an attempt may start now; else the time a token comes. */
static int take_token(struct http_client *c, double now, double *when)
{
	if (c->o.rpm <= 0)
		return 1;
	double rate = c->o.rpm / 60.0;
	double cap = c->o.rpm_burst > 0 ? c->o.rpm_burst : 1;
	c->tokens += (now - c->t_refill) * rate;
	if (c->tokens > cap)
		c->tokens = cap;
	c->t_refill = now;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		return 1;
	}
	*when = now + (1.0 - c->tokens) / rate;
	return 0;
}

/* Start what may start; *wake is lowered to the next time something could. */
static void start_ready(struct http_client *c, double now, double *wake)
{
	struct req *r = c->whead, *next;
	for (; r && c->running < c->o.concurrency; r = next) {
		next = r->wnext;
		if (r->state == RS_RUNNING)
			continue;
		if (r->state == RS_WAITING && r->t_next > now) {
			if (r->t_next < *wake)
				*wake = r->t_next;
			continue;
		}
		double when;
		if (!take_token(c, now, &when)) {
			if (when < *wake)
				*wake = when;
			return;
		}
		char err[MENTOR_ERR_LEN];
		if (start_attempt(c, r, err))
			finish(c, r, 0, 0, "%s", err);
	}
}

/* End attempts that received nothing for stall_timeout_ms (as a timeout,
 * so the retry rules apply). Returns how many were ended. */
static int check_stalls(struct http_client *c, double now, double *wake)
{
	double stall = (double)c->o.stall_timeout_ms / 1000.0;
	int ended = 0;
	struct req *r = c->whead, *next;
	for (; r; r = next) {
		next = r->wnext;
		if (r->state != RS_RUNNING)
			continue;
		if (now - r->t_last >= stall) {
			snprintf(r->curl_err, sizeof r->curl_err, "no data received for %ld ms",
				 c->o.stall_timeout_ms);
			handle_done(c, r, CURLE_OPERATION_TIMEDOUT);
			ended++;
		} else if (r->t_last + stall < *wake) {
			*wake = r->t_last + stall;
		}
	}
	return ended;
}

static void *worker(void *arg)
{
	struct http_client *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->ihead) {
			struct req *r = c->ihead;
			c->ihead = r->inext;
			r->inext = NULL;
			r->state = RS_QUEUED;
			wl_push(c, r);
		}
		c->itail = NULL;
		if (c->cancel_dirty) {
			c->cancel_dirty = 0;
			for (struct req *r = c->whead; r; r = r->wnext)
				if (r->cancel)
					r->w_cancel = 1;
		}
		int closing = c->closing;
		pthread_mutex_unlock(&c->mu);

		struct req *r = c->whead, *next;
		for (; r; r = next) {
			next = r->wnext;
			if (r->w_cancel)
				finish(c, r, 0, 1, "request to '%s' cancelled", r->url_shown);
		}
		if (closing && !c->whead)
			break;

		double now = util_mono();
		double wake = now + 1.0;
		start_ready(c, now, &wake);

		int still = 0, finished = 0;
		curl_multi_perform(c->multi, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct req *done = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&done);
			if (done)
				handle_done(c, done, msg->data.result);
			finished++;
		}
		/* a finished transfer frees a slot (or schedules a retry): go round
		 * again at once; any message left behind would otherwise wait for
		 * the next socket event */
		if (finished)
			continue;
		now = util_mono();
		if (c->o.stall_timeout_ms > 0 && check_stalls(c, now, &wake))
			continue;
		long ms = wake > now ? (long)((wake - now) * 1000.0) + 1 : 0;
		if (ms > 1000)
			ms = 1000;
		curl_multi_poll(c->multi, NULL, 0, (int)ms, NULL);
	}
	return NULL;
}

struct http_client *http_client_new(const struct http_opts *o, char *err)
{
	struct http_client *c = calloc(1, sizeof *c);
	if (!c) {
		util_err(err, "cannot create http client: out of memory");
		return NULL;
	}
	if (o)
		c->o = *o;
	else
		http_opts_init(&c->o);
	struct http_opts *p = &c->o;
	if (p->concurrency <= 0)
		p->concurrency = HTTP_DEFAULT_CONCURRENCY;
	if (p->concurrency > HTTP_MAX_CONCURRENCY)
		p->concurrency = HTTP_MAX_CONCURRENCY;
	if (p->rpm < 0)
		p->rpm = 0;
	if (p->rpm_burst <= 0)
		p->rpm_burst = 1;
	if (p->connect_timeout_ms <= 0)
		p->connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	if (p->total_timeout_ms <= 0)
		p->total_timeout_ms = HTTP_DEFAULT_TOTAL_TIMEOUT_MS;
	if (p->max_retries < 0)
		p->max_retries = 0;
	if (p->max_retries > HTTP_MAX_RETRIES_LIMIT)
		p->max_retries = HTTP_MAX_RETRIES_LIMIT;
	if (p->backoff_base_ms < 0)
		p->backoff_base_ms = 0;
	if (p->backoff_max_ms < p->backoff_base_ms)
		p->backoff_max_ms = p->backoff_base_ms;
	if (p->retry_after_max_ms < 0)
		p->retry_after_max_ms = 0;
	if (p->max_body == 0)
		p->max_body = HTTP_DEFAULT_MAX_BODY;
	if (p->max_event == 0)
		p->max_event = HTTP_DEFAULT_MAX_EVENT;
	if (p->user_agent) {
		c->ua = util_strdup(p->user_agent);
	} else {
		c->ua = util_strdup("mentor/" MENTOR_VERSION);
	}
	p->user_agent = NULL;
	rng_seed(&c->rng, p->jitter_seed);
	c->tokens = p->rpm_burst;
	c->t_refill = util_mono();
	c->next_id = 1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		util_err(err, "cannot create http client: libcurl failed to initialise");
		free(c->ua);
		free(c);
		return NULL;
	}
	c->multi = curl_multi_init();
	if (!c->multi) {
		util_err(err, "cannot create http client: libcurl multi handle failed");
		goto out_global;
	}
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)p->concurrency * 2);
	if (pthread_mutex_init(&c->mu, NULL)) {
		util_err(err, "cannot create http client: mutex failed");
		goto out_multi;
	}
	if (pthread_cond_init(&c->cond, NULL)) {
		util_err(err, "cannot create http client: condition variable failed");
		goto out_mutex;
	}
	if (pthread_create(&c->thread, NULL, worker, c)) {
		util_err(err, "cannot create http client: cannot start thread: %s",
			 strerror(errno));
		goto out_cond;
	}
	c->thread_started = 1;
	return c;

out_cond:
	pthread_cond_destroy(&c->cond);
out_mutex:
	pthread_mutex_destroy(&c->mu);
out_multi:
	curl_multi_cleanup(c->multi);
out_global:
	curl_global_cleanup();
	free(c->ua);
	free(c);
	return NULL;
}

static int on_worker(struct http_client *c)
{
	return c->thread_started && pthread_equal(pthread_self(), c->thread);
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (on_worker(c))
		return; /* misuse: cannot join itself; leak rather than deadlock */
	pthread_mutex_lock(&c->mu);
	c->closing = 1;
	for (struct req *r = c->ahead; r; r = r->anext)
		r->cancel = 1;
	c->cancel_dirty = 1;
	pthread_mutex_unlock(&c->mu);
	client_wake(c);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mu);
	curl_multi_cleanup(c->multi);
	curl_global_cleanup();
	free(c->ua);
	free(c);
}

static int submit(struct http_client *c, const struct http_request *req, uint64_t *id,
		  int *fetch_done, char *err)
{
	if (!c || !req)
		return util_err(err, "cannot submit request: no client or request"), MENTOR_EUSAGE;
	if (!req->url || !*req->url)
		return util_err(err, "cannot submit request: no URL"), MENTOR_EUSAGE;
	if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0) {
		char *shown = url_for_messages(req->url);
		util_err(err, "cannot submit request to '%s': only http:// and https:// URLs",
			 shown);
		free(shown);
		return MENTOR_EUSAGE;
	}
	if (req->method != HTTP_POST && req->method != HTTP_GET)
		return util_err(err, "cannot submit request: unknown method %d", req->method),
		       MENTOR_EUSAGE;
	struct req *r = calloc(1, sizeof *r);
	if (!r)
		return util_err(err, "cannot submit request: out of memory"), MENTOR_ENOMEM;
	buf_init(&r->resp);
	http_sse_init(&r->sse, 0, NULL, NULL);
	r->url = util_strdup(req->url);
	r->url_shown = url_for_messages(req->url);
	r->method = req->method;
	r->stream = req->stream != 0;
	r->timeout_ms = req->timeout_ms;
	r->user = req->user;
	r->on_event = req->on_event;
	r->on_done = req->on_done;
	r->fetch_done = fetch_done;
	if (req->body) {
		r->body_len = req->body_len ? req->body_len : strlen(req->body);
		r->body = malloc(r->body_len + 1);
		if (!r->body)
			goto out_nomem;
		memcpy(r->body, req->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	for (size_t i = 0; i < req->n_headers; i++) {
		const char *h = req->headers ? req->headers[i] : NULL;
		if (!h)
			continue;
		if (!strchr(h, ':') || strpbrk(h, "\r\n")) {
			util_err(err,
				 "cannot submit request to '%s': header %zu is not a "
				 "'Name: value' line",
				 r->url_shown, i);
			req_free(r);
			return MENTOR_EUSAGE;
		}
		struct curl_slist *nh = curl_slist_append(r->headers, h);
		if (!nh)
			goto out_nomem;
		r->headers = nh;
		if (collect_secrets(r, h))
			goto out_nomem;
	}
	if (r->method == HTTP_POST && !header_has(r->headers, "Content-Type")) {
		struct curl_slist *nh = curl_slist_append(r->headers,
							  "Content-Type: application/json");
		if (!nh)
			goto out_nomem;
		r->headers = nh;
	}
	/* no "Expect: 100-continue" round trip for large bodies */
	if (!header_has(r->headers, "Expect")) {
		struct curl_slist *nh = curl_slist_append(r->headers, "Expect:");
		if (!nh)
			goto out_nomem;
		r->headers = nh;
	}
	{
		/* the credentials of a user:password@ URL are secrets too */
		const char *sep = strstr(r->url, "://");
		const char *a = sep ? sep + 3 : r->url;
		size_t auth_end = strcspn(a, "/?#");
		const char *at = memchr(a, '@', auth_end);
		if (at && add_secret(r, a, (size_t)(at - a)))
			goto out_nomem;
		/* and so are query values (?key=...) */
		const char *q = strchr(r->url, '?');
		while (q && *q) {
			const char *eq = strchr(q, '=');
			if (!eq)
				break;
			size_t vn = strcspn(eq + 1, "&#");
			if (add_secret(r, eq + 1, vn))
				goto out_nomem;
			q = eq + 1 + vn;
		}
	}
	r->t_submit = util_mono();

	pthread_mutex_lock(&c->mu);
	if (c->closing) {
		pthread_mutex_unlock(&c->mu);
		req_free(r);
		return util_err(err, "cannot submit request: the http client is closing");
	}
	r->id = c->next_id++;
	r->aprev = c->atail;
	if (c->atail)
		c->atail->anext = r;
	else
		c->ahead = r;
	c->atail = r;
	if (c->itail)
		c->itail->inext = r;
	else
		c->ihead = r;
	c->itail = r;
	c->pending++;
	if (id)
		*id = r->id;
	pthread_mutex_unlock(&c->mu);
	client_wake(c);
	return MENTOR_OK;

out_nomem:
	req_free(r);
	return util_err(err, "cannot submit request: out of memory"), MENTOR_ENOMEM;
}

int http_submit(struct http_client *c, const struct http_request *req, uint64_t *id, char *err)
{
	return submit(c, req, id, NULL, err);
}

int http_cancel(struct http_client *c, uint64_t id)
{
	int found = 0;
	pthread_mutex_lock(&c->mu);
	for (struct req *r = c->ahead; r; r = r->anext) {
		if (r->id == id) {
			r->cancel = 1;
			c->cancel_dirty = 1;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	if (!found)
		return MENTOR_ENOTFOUND;
	client_wake(c);
	return MENTOR_OK;
}

void http_cancel_all(struct http_client *c)
{
	pthread_mutex_lock(&c->mu);
	for (struct req *r = c->ahead; r; r = r->anext)
		r->cancel = 1;
	c->cancel_dirty = 1;
	pthread_mutex_unlock(&c->mu);
	client_wake(c);
}

size_t http_pending(struct http_client *c)
{
	pthread_mutex_lock(&c->mu);
	size_t n = c->pending;
	pthread_mutex_unlock(&c->mu);
	return n;
}

static void deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int http_wait_idle(struct http_client *c, long timeout_ms)
{
	if (on_worker(c))
		return MENTOR_EUSAGE;
	struct timespec ts;
	if (timeout_ms >= 0)
		deadline_after(&ts, timeout_ms);
	int rc = MENTOR_OK;
	pthread_mutex_lock(&c->mu);
	while (c->pending > 0) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&c->cond, &c->mu);
		} else if (pthread_cond_timedwait(&c->cond, &c->mu, &ts) == ETIMEDOUT) {
			rc = c->pending > 0 ? MENTOR_ERR : MENTOR_OK;
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

struct fetch_ctx {
	struct http_client *c;
	struct http_result *out;
	int done;
};

static void fetch_done(void *user, const struct http_result *r)
{
	struct fetch_ctx *f = user;
	char *body = malloc(r->body_len + 1);
	if (body) {
		memcpy(body, r->body, r->body_len);
		body[r->body_len] = '\0';
	}
	pthread_mutex_lock(&f->c->mu);
	*f->out = *r;
	f->out->body = body;
	if (!body) {
		f->out->body_len = 0;
		if (f->out->ok)
			snprintf(f->out->error, sizeof f->out->error,
				 "cannot keep response: out of memory");
		f->out->ok = 0;
	}
	pthread_mutex_unlock(&f->c->mu);
}

/* on_event of a fetch: the caller's handler with the caller's pointer */
struct fetch_event {
	struct fetch_ctx ctx;
	http_event_fn fn;
	void *user;
};

static int fetch_event_cb(void *user, const char *event, const char *data, size_t len)
{
	struct fetch_event *fe = user;
	return fe->fn ? fe->fn(fe->user, event, data, len) : 0;
}

static void fetch_done_cb(void *user, const struct http_result *r)
{
	struct fetch_event *fe = user;
	fetch_done(&fe->ctx, r);
}

int http_fetch(struct http_client *c, const struct http_request *req, struct http_result *out,
	       char *err)
{
	memset(out, 0, sizeof *out);
	out->retry_after_s = -1.0;
	if (on_worker(c))
		return util_err(err, "cannot fetch: called from an http callback"), MENTOR_EUSAGE;
	struct fetch_event fe;
	memset(&fe, 0, sizeof fe);
	fe.ctx.c = c;
	fe.ctx.out = out;
	fe.fn = req->on_event;
	fe.user = req->user;
	struct http_request copy = *req;
	copy.user = &fe;
	copy.on_event = fetch_event_cb;
	copy.on_done = fetch_done_cb;
	int rc = submit(c, &copy, NULL, &fe.ctx.done, err);
	if (rc) {
		if (err)
			snprintf(out->error, sizeof out->error, "%s", err);
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	while (!fe.ctx.done)
		pthread_cond_wait(&c->cond, &c->mu);
	pthread_mutex_unlock(&c->mu);
	if (out->ok)
		return MENTOR_OK;
	if (err)
		snprintf(err, MENTOR_ERR_LEN, "%s", out->error);
	return out->cancelled ? MENTOR_ECANCEL : MENTOR_ERR;
}

void http_result_release(struct http_result *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
