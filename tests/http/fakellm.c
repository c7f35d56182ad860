/* fakellm: a small LLM API server for tests and benchmarks. It listens on
 * 127.0.0.1, speaks the OpenAI Chat Completions and Anthropic Messages shapes
 * (plain and SSE streaming) and misbehaves on request: [[fake:...]] markers in
 * the last user message, or server-wide flags, choose delays, errors, broken
 * bodies, truncated streams and hangs. One thread per connection. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fakellm_proc.h"
#include "mentor/util.h"

#define MAX_HEADER (64 * 1024)
#define MAX_BODY ((size_t)16 << 20)
#define MAX_COUNTERS 256
#define LOG_SLOTS 64
#define LOG_BODY_MAX (64 * 1024)
#define MAX_ONCE 4096

static const char *usage_text =
	"usage: fakellm [--port N] [--port-file FILE] [--max-seconds N] [--latency-ms N]\n"
	"               [--behaviour LIST] [--reply-file FILE]\n";

/* Everything shared between connection threads; one instance made in main. */
struct server {
	int listen_fd;
	long latency_ms;
	char *behaviour; /* server-wide directives, same syntax as markers */
	cJSON *replies;  /* object: substring -> reply text, or NULL */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int active;
	int stop;
	long requests;
	int inflight, inflight_max; /* LLM requests being answered right now */
	struct {
		char key[128];
		long n;
	} counters[MAX_COUNTERS];
	int n_counters;
	uint64_t once[MAX_ONCE];
	int n_once;
	struct {
		char path[64];
		char *body;
		int auth;
	} log[LOG_SLOTS];
	long n_log;
	long next_id;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static int server_stopping(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	int v = s->stop || got_signal;
	pthread_mutex_unlock(&s->mu);
	return v;
}

static void count(struct server *s, const char *cat, const char *name)
{
	char key[128];
	snprintf(key, sizeof key, "%s\x1f%s", cat, name);
	pthread_mutex_lock(&s->mu);
	int i;
	for (i = 0; i < s->n_counters; i++)
		if (strcmp(s->counters[i].key, key) == 0)
			break;
	if (i == s->n_counters && s->n_counters < MAX_COUNTERS) {
		snprintf(s->counters[i].key, sizeof s->counters[i].key, "%s", key);
		s->counters[i].n = 0;
		s->n_counters++;
	}
	if (i < s->n_counters)
		s->counters[i].n++;
	pthread_mutex_unlock(&s->mu);
}

/* 1 the first time (key) is seen, 0 afterwards. */
static int first_time(struct server *s, uint64_t key)
{
	int first = 1;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < s->n_once; i++)
		if (s->once[i] == key)
			first = 0;
	if (first && s->n_once < MAX_ONCE)
		s->once[s->n_once++] = key;
	pthread_mutex_unlock(&s->mu);
	return first;
}

/* Sleep ms against a deadline (overshoots do not add up), waking every
 * 50 ms to notice a stop. */
static void sleep_ms(struct server *s, long ms)
{
	double end = util_mono() + (double)ms / 1000.0;
	for (;;) {
		double left = end - util_mono();
		if (left <= 0 || server_stopping(s))
			return;
		long step = (long)(left * 1e9);
		if (step > 50000000L)
			step = 50000000L;
		struct timespec ts = {0, step};
		nanosleep(&ts, NULL);
	}
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ------------------------------------------------------------ requests */

struct request {
	char method[16];
	char path[256];
	char *body;
	size_t body_len;
	int auth_bearer;
	int auth_key;
	int keep_alive;
	char auth_value[256]; /* only used by the echo-auth directive */
};

/* Read one request from fd. buf carries bytes across keep-alive requests.
 * Returns 1 ok, 0 connection closed / stopping, -1 bad request. */
static int read_request(struct server *s, int fd, struct buf *in, struct request *rq)
{
	memset(rq, 0, sizeof *rq);
	char *end = NULL;
	for (;;) {
		if (in->data && (end = strstr(in->data, "\r\n\r\n")) != NULL)
			break;
		if (in->len > MAX_HEADER)
			return -1;
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, 100);
		if (server_stopping(s))
			return 0;
		if (pr <= 0)
			continue;
		char tmp[16384];
		ssize_t r = recv(fd, tmp, sizeof tmp, 0);
		if (r <= 0)
			return 0;
		if (memchr(tmp, '\0', (size_t)r))
			return -1;
		if (buf_append(in, tmp, (size_t)r))
			return -1;
	}
	size_t head_len = (size_t)(end - in->data) + 4;
	char *line_end = strstr(in->data, "\r\n");
	char version[16] = "";
	*line_end = '\0';
	if (sscanf(in->data, "%15s %255s %15s", rq->method, rq->path, version) != 3)
		return -1;
	*line_end = '\r';
	rq->keep_alive = strcmp(version, "HTTP/1.0") != 0;
	char *q = strchr(rq->path, '?');
	if (q)
		*q = '\0';
	size_t clen = 0;
	int expect = 0;
	for (char *h = line_end + 2; h < end;) {
		char *e = strstr(h, "\r\n");
		if (!e)
			break;
		size_t n = (size_t)(e - h);
		char line[1024];
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, h, n);
		line[n] = '\0';
		char *colon = strchr(line, ':');
		if (colon) {
			*colon = '\0';
			char *v = colon + 1;
			while (*v == ' ')
				v++;
			if (strcasecmp(line, "content-length") == 0) {
				long l;
				if (util_parse_long(v, 0, (long)MAX_BODY, &l))
					return -1;
				clen = (size_t)l;
			} else if (strcasecmp(line, "authorization") == 0) {
				rq->auth_bearer = 1;
				snprintf(rq->auth_value, sizeof rq->auth_value, "%s", v);
			} else if (strcasecmp(line, "x-api-key") == 0) {
				rq->auth_key = 1;
				if (!rq->auth_value[0])
					snprintf(rq->auth_value, sizeof rq->auth_value, "%s", v);
			} else if (strcasecmp(line, "connection") == 0) {
				if (strcasecmp(v, "close") == 0)
					rq->keep_alive = 0;
			} else if (strcasecmp(line, "expect") == 0) {
				expect = strcasecmp(v, "100-continue") == 0;
			} else if (strcasecmp(line, "transfer-encoding") == 0) {
				return -1; /* chunked request bodies are not needed */
			}
		}
		h = e + 2;
	}
	if (expect && in->len - head_len < clen) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (send_all(fd, cont, sizeof cont - 1))
			return 0;
	}
	while (in->len - head_len < clen) {
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, 100);
		if (server_stopping(s))
			return 0;
		if (pr <= 0)
			continue;
		char tmp[65536];
		ssize_t r = recv(fd, tmp, sizeof tmp, 0);
		if (r <= 0)
			return 0;
		if (buf_append(in, tmp, (size_t)r))
			return -1;
	}
	rq->body = util_strndup(in->data + head_len, clen);
	rq->body_len = clen;
	/* keep what follows (a pipelined request) */
	size_t used = head_len + clen;
	memmove(in->data, in->data + used, in->len - used);
	in->len -= used;
	in->data[in->len] = '\0';
	return 1;
}

static int send_response(int fd, int status, const char *ctype, const char *extra, const char *body,
			 size_t len, int keep_alive)
{
	const char *reason = status == 200   ? "OK"
			     : status == 400 ? "Bad Request"
			     : status == 404 ? "Not Found"
			     : status == 429 ? "Too Many Requests"
			     : status >= 500 ? "Server Error"
					     : "Status";
	struct buf h;
	buf_init(&h);
	buf_printf(&h, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		   status, reason, ctype, len, extra ? extra : "",
		   keep_alive ? "" : "Connection: close\r\n");
	int rc = send_all(fd, h.data, h.len);
	if (!rc && len)
		rc = send_all(fd, body, len);
	buf_release(&h);
	return rc;
}

static int send_json(int fd, int status, cJSON *j, const char *extra, int keep_alive)
{
	char *s = cJSON_PrintUnformatted(j);
	int rc = send_response(fd, status, "application/json", extra, s, strlen(s), keep_alive);
	cJSON_free(s);
	return rc;
}

static int send_error(int fd, int anthropic, int status, const char *msg, const char *extra,
		      int keep_alive)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *e = cJSON_CreateObject();
	if (anthropic) {
		cJSON_AddStringToObject(j, "type", "error");
		cJSON_AddStringToObject(e, "type",
					status == 429 ? "rate_limit_error" : "api_error");
	} else {
		cJSON_AddStringToObject(e, "type",
					status == 429 ? "rate_limit_exceeded" : "server_error");
	}
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToObject(j, "error", e);
	int rc = send_json(fd, status, j, extra, keep_alive);
	cJSON_Delete(j);
	return rc;
}

/* ---------------------------------------------------------- behaviours */

struct behaviour {
	int status;          /* always answer with this status (0 = no) */
	int once_status;     /* first time for this body: this status */
	long retry_after;    /* seconds to announce on errors, -1 none */
	long delay_ms;       /* before answering */
	long chunk_delay_ms; /* between stream chunks */
	int malformed;
	int truncate;
	int hang;
	int close; /* close without answering */
	int close_once;
	int echo_auth;    /* 401 whose message repeats the key (as some APIs do) */
	long big;         /* pad the reply to at least this many bytes */
	int empty;        /* 200 whose completion text is empty */
	int no_choices;   /* 200 without any choice (stream: every chunk "choices":[]) */
	int stream_error; /* in a 200 stream, after the text: 1 llama.cpp's "error:"
	                      * line, 2 the same then [DONE], 3 a data: {"error":...} */
	long echo_split;  /* -1, else the reply carries the key, cut after this byte */
	int quota;        /* 429 insufficient_quota (a billing limit, not a rate) */
	size_t cut[3];    /* stream: the echoed key's start, its cut and its end */
};

/* Apply directives "a,b" or "[[fake:a]] ... [[fake:b]]" found in text; each
 * name is counted under "behaviours" in the stats when count_them. */
static void apply_directive(struct server *s, struct behaviour *b, const char *d, int count_them)
{
	long v;
	char name[64];
	snprintf(name, sizeof name, "%s", d);
	char *eq = strchr(name, '=');
	char *val = NULL;
	if (eq) {
		*eq = '\0';
		val = eq + 1;
	}
	int once = 0;
	size_t nl = strlen(val ? val : name);
	char *tail = (val ? val : name) + nl;
	if (nl > 5 && strcmp(tail - 5, "-once") == 0) {
		once = 1;
		tail[-5] = '\0';
	}
	if (strcmp(name, "429") == 0 || strcmp(name, "500") == 0 || strcmp(name, "503") == 0) {
		util_parse_long(name, 100, 599, &v);
		if (once) {
			b->once_status = (int)v;
			if (v == 429 && b->retry_after < 0)
				b->retry_after = 1;
		} else {
			b->status = (int)v;
		}
	} else if (strcmp(name, "status") == 0 && val && !util_parse_long(val, 100, 599, &v)) {
		if (once)
			b->once_status = (int)v;
		else
			b->status = (int)v;
	} else if (strcmp(name, "retry-after") == 0 && val &&
		   !util_parse_long(val, 0, 100000, &v)) {
		b->retry_after = v;
	} else if (strcmp(name, "delay") == 0 && val && !util_parse_long(val, 0, 600000, &v)) {
		b->delay_ms += v;
	} else if (strcmp(name, "chunk-delay") == 0 && val && !util_parse_long(val, 0, 60000, &v)) {
		b->chunk_delay_ms = v;
	} else if (strcmp(name, "big") == 0 && val && !util_parse_long(val, 0, 64L << 20, &v)) {
		b->big = v;
	} else if (strcmp(name, "malformed") == 0) {
		b->malformed = 1;
	} else if (strcmp(name, "truncate") == 0) {
		b->truncate = 1;
	} else if (strcmp(name, "echo-auth") == 0) {
		b->echo_auth = 1;
	} else if (strcmp(name, "empty") == 0) {
		b->empty = 1;
	} else if (strcmp(name, "no-choices") == 0) {
		b->no_choices = 1;
	} else if (strcmp(name, "quota") == 0) {
		b->quota = 1;
	} else if (strcmp(name, "stream-error") == 0 && val) {
		b->stream_error = !strcmp(val, "llama")        ? 1
				  : !strcmp(val, "llama-done") ? 2
				  : !strcmp(val, "data")       ? 3
							       : 0;
	} else if (strcmp(name, "echo-key-split") == 0 && val &&
		   !util_parse_long(val, 0, 200, &v)) {
		b->echo_split = v;
	} else if (strcmp(name, "hang") == 0) {
		b->hang = 1;
	} else if (strcmp(name, "close") == 0) {
		if (once)
			b->close_once = 1;
		else
			b->close = 1;
	} else {
		count_them = count_them ? 2 : 0;
	}
	if (count_them == 1)
		count(s, "behaviours", d);
	else if (count_them == 2)
		count(s, "behaviours", "unknown");
}

static void parse_markers(struct server *s, struct behaviour *b, const char *text)
{
	const char *p = text;
	while ((p = strstr(p, "[[fake:")) != NULL) {
		p += 7;
		const char *e = strstr(p, "]]");
		if (!e)
			break;
		char d[64];
		size_t n = (size_t)(e - p);
		if (n >= sizeof d)
			n = sizeof d - 1;
		memcpy(d, p, n);
		d[n] = '\0';
		apply_directive(s, b, d, 1);
		p = e + 2;
	}
}

static void parse_list(struct server *s, struct behaviour *b, const char *list)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", list);
	char *save = NULL;
	for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
		apply_directive(s, b, t, 0);
}

/* ------------------------------------------------------------- replies */

/* Text of the last user message: a string, or the text parts of an array. */
static char *last_user_text(cJSON *req)
{
	cJSON *msgs = cJSON_GetObjectItemCaseSensitive(req, "messages");
	cJSON *last = NULL, *m;
	cJSON_ArrayForEach(m, msgs)
	{
		cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
		if (cJSON_IsString(role) && strcmp(role->valuestring, "user") == 0)
			last = m;
	}
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	cJSON *content = last ? cJSON_GetObjectItemCaseSensitive(last, "content") : NULL;
	if (cJSON_IsString(content)) {
		buf_puts(&b, content->valuestring);
	} else if (cJSON_IsArray(content)) {
		cJSON *part;
		cJSON_ArrayForEach(part, content)
		{
			cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
			if (cJSON_IsString(t))
				buf_puts(&b, t->valuestring);
		}
	}
	return buf_detach(&b, NULL);
}

static char *choose_reply(struct server *s, const char *user_text, long big, int empty)
{
	struct buf b;
	buf_init(&b);
	const char *text = NULL;
	if (empty)
		return util_strdup("");
	cJSON *item;
	if (s->replies) {
		cJSON_ArrayForEach(item, s->replies)
		{
			if (item->string && cJSON_IsString(item) &&
			    strstr(user_text, item->string)) {
				text = item->valuestring;
				break;
			}
		}
	}
	if (text)
		buf_puts(&b, text);
	else
		buf_puts(&b, "Let me think step by step. The numbers in the question combine "
			     "to give the result. So the answer is 42.");
	while ((long)b.len < big)
		buf_puts(&b, " filler");
	return buf_detach(&b, NULL);
}

/* Next stream piece of text starting at *pos: up to and including a space,
 * or 8 code points. */
static size_t next_piece(const char *t, size_t pos)
{
	size_t i = pos, cps = 0;
	while (t[i] && cps < 8) {
		unsigned char ch = (unsigned char)t[i];
		size_t l = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
		for (size_t k = 0; k < l && t[i]; k++)
			i++;
		cps++;
		if (ch == ' ')
			break;
	}
	return i - pos;
}

/* next_piece, except that an echoed key goes out in exactly two pieces. */
static size_t piece_at(const char *t, size_t pos, const struct behaviour *b)
{
	if (b->cut[2] && pos >= b->cut[0] && pos < b->cut[2])
		return (pos < b->cut[1] ? b->cut[1] : b->cut[2]) - pos;
	size_t n = next_piece(t, pos);
	if (b->cut[2] && b->cut[0] > pos && b->cut[0] < pos + n)
		n = b->cut[0] - pos;
	return n;
}

static int send_chunk(int fd, const char *data, size_t n)
{
	char head[32];
	int hl = snprintf(head, sizeof head, "%zx\r\n", n);
	if (send_all(fd, head, (size_t)hl) || send_all(fd, data, n) || send_all(fd, "\r\n", 2))
		return -1;
	return 0;
}

static int send_event(int fd, const char *event, cJSON *data)
{
	struct buf b;
	buf_init(&b);
	char *s = cJSON_PrintUnformatted(data);
	if (event)
		buf_printf(&b, "event: %s\n", event);
	buf_printf(&b, "data: %s\n\n", s);
	cJSON_free(s);
	int rc = send_chunk(fd, b.data, b.len);
	buf_release(&b);
	return rc;
}

/* Stream the reply. Returns -1 when the connection must close. */
static int stream_reply(struct server *s, int fd, int anthropic, const char *model,
			const char *reply, long pt, long ct, int include_usage,
			const struct behaviour *b, long id)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
				   "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
	if (send_all(fd, head, sizeof head - 1))
		return -1;
	char idbuf[64];
	snprintf(idbuf, sizeof idbuf, anthropic ? "msg_fake_%ld" : "chatcmpl-fake-%ld", id);
	size_t total = strlen(reply), pieces = 0;
	for (size_t p = 0; p < total; p += piece_at(reply, p, b))
		pieces++;
	size_t cut = b->truncate ? pieces / 2 : (size_t)-1;
	if (b->malformed) {
		static const char bad[] = "data: {\"choices\": [{\"delta\": {\"content\": \"x\n\n"
					  "data: not json at all\n\n";
		if (send_chunk(fd, bad, sizeof bad - 1))
			return -1;
	} else if (b->no_choices && !anthropic) {
		/* usage only, every chunk without a choice, then [DONE] */
		struct buf t;
		buf_init(&t);
		buf_printf(&t,
			   "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
			   "\"choices\":[]}\n\n"
			   "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
			   "\"choices\":[],\"usage\":{\"prompt_tokens\":%ld,"
			   "\"completion_tokens\":0,\"total_tokens\":%ld}}\n\ndata: [DONE]\n\n",
			   idbuf, idbuf, pt, pt);
		int rc = send_chunk(fd, t.data, t.len);
		buf_release(&t);
		if (rc || send_all(fd, "0\r\n\r\n", 5))
			return -1;
		return 0;
	} else if (anthropic) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "message_start");
		cJSON *m = cJSON_AddObjectToObject(j, "message");
		cJSON_AddStringToObject(m, "id", idbuf);
		cJSON_AddStringToObject(m, "type", "message");
		cJSON_AddStringToObject(m, "role", "assistant");
		cJSON_AddArrayToObject(m, "content");
		cJSON_AddStringToObject(m, "model", model);
		cJSON_AddNullToObject(m, "stop_reason");
		cJSON *u = cJSON_AddObjectToObject(m, "usage");
		cJSON_AddNumberToObject(u, "input_tokens", (double)pt);
		cJSON_AddNumberToObject(u, "output_tokens", 1);
		int rc = send_event(fd, "message_start", j);
		cJSON_Delete(j);
		if (rc)
			return -1;
		static const char blk[] =
			"event: content_block_start\ndata: {\"type\":\"content_block_start\","
			"\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
			"event: ping\ndata: {\"type\": \"ping\"}\n\n";
		if (send_chunk(fd, blk, sizeof blk - 1))
			return -1;
	} else {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", idbuf);
		cJSON_AddStringToObject(j, "object", "chat.completion.chunk");
		cJSON_AddStringToObject(j, "model", model);
		cJSON *ch = cJSON_AddArrayToObject(j, "choices");
		cJSON *c0 = cJSON_CreateObject();
		cJSON_AddNumberToObject(c0, "index", 0);
		cJSON *d = cJSON_AddObjectToObject(c0, "delta");
		cJSON_AddStringToObject(d, "role", "assistant");
		cJSON_AddStringToObject(d, "content", "");
		cJSON_AddNullToObject(c0, "finish_reason");
		cJSON_AddItemToArray(ch, c0);
		int rc = send_event(fd, NULL, j);
		cJSON_Delete(j);
		if (rc)
			return -1;
	}
	size_t k = 0;
	for (size_t p = 0; !b->malformed && p < total; k++) {
		size_t n = piece_at(reply, p, b);
		if (k == cut) {
			/* a chunk that announces more than it carries, then the end */
			static const char lie[] = "100\r\ndata: {\"choi";
			send_all(fd, lie, sizeof lie - 1);
			return -1;
		}
		char *piece = util_strndup(reply + p, n);
		cJSON *j = cJSON_CreateObject();
		int rc;
		if (anthropic) {
			cJSON_AddStringToObject(j, "type", "content_block_delta");
			cJSON_AddNumberToObject(j, "index", 0);
			cJSON *d = cJSON_AddObjectToObject(j, "delta");
			cJSON_AddStringToObject(d, "type", "text_delta");
			cJSON_AddStringToObject(d, "text", piece);
			rc = send_event(fd, "content_block_delta", j);
		} else {
			cJSON_AddStringToObject(j, "id", idbuf);
			cJSON_AddStringToObject(j, "object", "chat.completion.chunk");
			cJSON_AddStringToObject(j, "model", model);
			cJSON *ch = cJSON_AddArrayToObject(j, "choices");
			cJSON *c0 = cJSON_CreateObject();
			cJSON_AddNumberToObject(c0, "index", 0);
			cJSON *d = cJSON_AddObjectToObject(c0, "delta");
			cJSON_AddStringToObject(d, "content", piece);
			cJSON_AddNullToObject(c0, "finish_reason");
			cJSON_AddItemToArray(ch, c0);
			rc = send_event(fd, NULL, j);
		}
		cJSON_Delete(j);
		free(piece);
		if (rc)
			return -1;
		p += n;
		if (b->chunk_delay_ms)
			sleep_ms(s, b->chunk_delay_ms);
		if (server_stopping(s))
			return -1;
	}
	struct buf t;
	buf_init(&t);
	if (b->stream_error) {
		/* An error inside a 200 stream: llama.cpp's server writes an
		 * "error:" field line; others a data: line with an error object. */
		static const char msg[] =
			"{\"code\":400,\"message\":\"the request exceeds the "
			"available context size\",\"type\":\"exceed_context_size_error\"}";
		if (b->stream_error == 3)
			buf_printf(&t, "data: {\"error\":%s}\n\ndata: [DONE]\n\n", msg);
		else
			buf_printf(&t, "error: %s\n\n%s", msg,
				   b->stream_error == 2 ? "data: [DONE]\n\n" : "");
	} else if (anthropic) {
		buf_printf(&t,
			   "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
			   "\"index\":0}\n\n"
			   "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
			   "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"
			   "{\"output_tokens\":%ld}}\n\n"
			   "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
			   ct);
	} else {
		buf_printf(&t,
			   "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"choices\":"
			   "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
			   idbuf);
		if (include_usage)
			buf_printf(&t,
				   "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
				   "\"choices\":[],\"usage\":{\"prompt_tokens\":%ld,"
				   "\"completion_tokens\":%ld,\"total_tokens\":%ld}}\n\n",
				   idbuf, pt, ct, pt + ct);
		buf_puts(&t, "data: [DONE]\n\n");
	}
	int rc = send_chunk(fd, t.data, t.len);
	buf_release(&t);
	if (rc || send_all(fd, "0\r\n\r\n", 5))
		return -1;
	return 0;
}

/* Wait until the peer closes or the server stops. */
static void hang(struct server *s, int fd)
{
	while (!server_stopping(s)) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) > 0) {
			char tmp[4096];
			if (recv(fd, tmp, sizeof tmp, 0) <= 0)
				return;
		}
	}
}

/* Returns -1 when the connection must close. */
static int handle_llm(struct server *s, int fd, struct request *rq, int anthropic)
{
	int ka = rq->keep_alive;
	cJSON *req = cJSON_ParseWithLength(rq->body, rq->body_len);
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		count(s, "status", "400");
		return send_error(fd, anthropic, 400, "request body is not a JSON object", NULL, ka)
			       ? -1
			       : 0;
	}
	char *user = last_user_text(req);
	struct behaviour b;
	memset(&b, 0, sizeof b);
	b.retry_after = -1;
	b.echo_split = -1;
	b.delay_ms = s->latency_ms;
	if (s->behaviour)
		parse_list(s, &b, s->behaviour);
	parse_markers(s, &b, user);

	cJSON *jm = cJSON_GetObjectItemCaseSensitive(req, "model");
	const char *model = cJSON_IsString(jm) ? jm->valuestring : "fake-model";
	count(s, "models", model);
	int stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "stream"));
	cJSON *so = cJSON_GetObjectItemCaseSensitive(req, "stream_options");
	int include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(so, "include_usage"));
	if (stream)
		count(s, "kinds", "stream");
	else
		count(s, "kinds", "plain");

	pthread_mutex_lock(&s->mu);
	if (++s->inflight > s->inflight_max)
		s->inflight_max = s->inflight;
	pthread_mutex_unlock(&s->mu);

	uint64_t key = util_fnv1a(rq->body, rq->body_len, 0xcbf29ce484222325ULL);
	key = util_fnv1a(rq->path, strlen(rq->path), key);
	int rc = 0;
	char extra[64] = "";
	if (b.retry_after >= 0)
		snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", b.retry_after);

	if (b.delay_ms)
		sleep_ms(s, b.delay_ms);
	if (b.hang) {
		count(s, "status", "hang");
		hang(s, fd);
		rc = -1;
		goto out;
	}
	if (b.close || (b.close_once && first_time(s, key ^ 0x636c6f7365ULL))) {
		count(s, "status", "close");
		rc = -1;
		goto out;
	}
	if (b.echo_auth) {
		char msg[400];
		snprintf(msg, sizeof msg, "Incorrect API key provided: %s", rq->auth_value);
		count(s, "status", "401");
		rc = send_error(fd, anthropic, 401, msg, NULL, ka) ? -1 : 0;
		goto out;
	}
	if (b.quota) {
		count(s, "status", "429");
		cJSON *j = cJSON_CreateObject();
		cJSON *e = cJSON_AddObjectToObject(j, "error");
		cJSON_AddStringToObject(e, "message",
					"You exceeded your current quota, please "
					"check your plan and billing details.");
		cJSON_AddStringToObject(e, "type", "insufficient_quota");
		cJSON_AddStringToObject(e, "code", "insufficient_quota");
		rc = send_json(fd, 429, j, NULL, ka) ? -1 : 0;
		cJSON_Delete(j);
		goto out;
	}
	if (b.status || (b.once_status && first_time(s, key ^ (uint64_t)b.once_status))) {
		int st = b.status ? b.status : b.once_status;
		char sts[16];
		snprintf(sts, sizeof sts, "%d", st);
		count(s, "status", sts);
		rc = send_error(fd, anthropic, st, "fake failure as requested", extra, ka) ? -1 : 0;
		goto out;
	}
	char *reply = choose_reply(s, user, b.big, b.empty);
	if (b.echo_split >= 0) {
		/* The key the client sent, inside the reply, cut between two stream
		 * chunks echo_split bytes into it. */
		const char *echo = rq->auth_value;
		if (!strncasecmp(echo, "Bearer ", 7))
			echo += 7;
		struct buf e;
		buf_init(&e);
		buf_puts(&e, "Echo: ");
		size_t at = e.len, kl = strlen(echo);
		buf_printf(&e, "%s (that was the key). %s", echo, reply);
		free(reply);
		reply = buf_detach(&e, NULL);
		b.cut[0] = at;
		b.cut[1] = at + ((size_t)b.echo_split < kl ? (size_t)b.echo_split : kl);
		b.cut[2] = at + kl;
	}
	long pt = (long)(rq->body_len + 3) / 4, ct = fakellm_count_words(reply);
	pthread_mutex_lock(&s->mu);
	long id = ++s->next_id;
	pthread_mutex_unlock(&s->mu);
	count(s, "status", "200");
	if (stream) {
		rc = stream_reply(s, fd, anthropic, model, reply, pt, ct, include_usage, &b, id);
		free(reply);
		goto out;
	}
	char *text;
	if (b.malformed) {
		text = util_strdup("{\"choices\": [{\"message\": {\"content\": \"unterminated");
	} else {
		cJSON *j = cJSON_CreateObject();
		char idbuf[64];
		snprintf(idbuf, sizeof idbuf, anthropic ? "msg_fake_%ld" : "chatcmpl-fake-%ld", id);
		cJSON_AddStringToObject(j, "id", idbuf);
		if (anthropic) {
			cJSON_AddStringToObject(j, "type", "message");
			cJSON_AddStringToObject(j, "role", "assistant");
			cJSON_AddStringToObject(j, "model", model);
			cJSON *content = cJSON_AddArrayToObject(j, "content");
			cJSON *part = cJSON_CreateObject();
			cJSON_AddStringToObject(part, "type", "text");
			cJSON_AddStringToObject(part, "text", reply);
			cJSON_AddItemToArray(content, part);
			cJSON_AddStringToObject(j, "stop_reason", "end_turn");
			cJSON_AddNullToObject(j, "stop_sequence");
			cJSON *u = cJSON_AddObjectToObject(j, "usage");
			cJSON_AddNumberToObject(u, "input_tokens", (double)pt);
			cJSON_AddNumberToObject(u, "output_tokens", (double)ct);
		} else {
			cJSON_AddStringToObject(j, "object", "chat.completion");
			cJSON_AddNumberToObject(j, "created", (double)time(NULL));
			cJSON_AddStringToObject(j, "model", model);
			cJSON *ch = cJSON_AddArrayToObject(j, "choices");
			cJSON *c0 = cJSON_CreateObject();
			cJSON_AddNumberToObject(c0, "index", 0);
			cJSON *m = cJSON_AddObjectToObject(c0, "message");
			cJSON_AddStringToObject(m, "role", "assistant");
			cJSON_AddStringToObject(m, "content", reply);
			cJSON_AddStringToObject(c0, "finish_reason", "stop");
			if (b.no_choices)
				cJSON_Delete(c0);
			else
				cJSON_AddItemToArray(ch, c0);
			cJSON *u = cJSON_AddObjectToObject(j, "usage");
			cJSON_AddNumberToObject(u, "prompt_tokens", (double)pt);
			cJSON_AddNumberToObject(u, "completion_tokens", (double)ct);
			cJSON_AddNumberToObject(u, "total_tokens", (double)(pt + ct));
		}
		text = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
	}
	free(reply);
	size_t tl = strlen(text);
	if (b.truncate) {
		/* Content-Length promises the whole body; half arrives, then the close */
		struct buf h;
		buf_init(&h);
		buf_printf(&h,
			   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: %zu\r\n\r\n",
			   tl);
		send_all(fd, h.data, h.len);
		send_all(fd, text, tl / 2);
		buf_release(&h);
		rc = -1;
	} else {
		rc = send_response(fd, 200, "application/json", NULL, text, tl, ka) ? -1 : 0;
	}
	if (b.malformed)
		free(text);
	else
		cJSON_free(text);
out:
	pthread_mutex_lock(&s->mu);
	s->inflight--;
	pthread_mutex_unlock(&s->mu);
	free(user);
	cJSON_Delete(req);
	return rc;
}

static int handle_stats(struct server *s, int fd, int ka)
{
	cJSON *j = cJSON_CreateObject();
	pthread_mutex_lock(&s->mu);
	cJSON_AddNumberToObject(j, "requests", (double)s->requests);
	cJSON_AddNumberToObject(j, "inflight_max", (double)s->inflight_max);
	for (int i = 0; i < s->n_counters; i++) {
		char cat[128];
		snprintf(cat, sizeof cat, "%s", s->counters[i].key);
		char *sep = strchr(cat, '\x1f');
		if (!sep)
			continue;
		*sep = '\0';
		cJSON *o = cJSON_GetObjectItemCaseSensitive(j, cat);
		if (!o)
			o = cJSON_AddObjectToObject(j, cat);
		cJSON_AddNumberToObject(o, sep + 1, (double)s->counters[i].n);
	}
	pthread_mutex_unlock(&s->mu);
	int rc = send_json(fd, 200, j, NULL, ka);
	cJSON_Delete(j);
	return rc;
}

static int handle_log(struct server *s, int fd, int ka)
{
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&s->mu);
	long first = s->n_log > LOG_SLOTS ? s->n_log - LOG_SLOTS : 0;
	for (long i = first; i < s->n_log; i++) {
		int slot = (int)(i % LOG_SLOTS);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "path", s->log[slot].path);
		cJSON_AddBoolToObject(e, "auth", s->log[slot].auth);
		cJSON_AddStringToObject(e, "body", s->log[slot].body ? s->log[slot].body : "");
		cJSON_AddItemToArray(arr, e);
	}
	pthread_mutex_unlock(&s->mu);
	int rc = send_json(fd, 200, arr, NULL, ka);
	cJSON_Delete(arr);
	return rc;
}

static void record(struct server *s, const struct request *rq)
{
	count(s, "paths", rq->path);
	count(s, "auth", rq->auth_bearer ? "authorization" : rq->auth_key ? "x-api-key" : "none");
	if (strcmp(rq->method, "POST") != 0 || strncmp(rq->path, "/v1/", 4) != 0)
		return;
	pthread_mutex_lock(&s->mu);
	int slot = (int)(s->n_log % LOG_SLOTS);
	free(s->log[slot].body);
	snprintf(s->log[slot].path, sizeof s->log[slot].path, "%.63s", rq->path);
	/* cut at a UTF-8 boundary so the log stays valid text */
	size_t n = rq->body_len < LOG_BODY_MAX ? rq->body_len : LOG_BODY_MAX;
	while (n < rq->body_len && n > 0 && ((unsigned char)rq->body[n] & 0xC0) == 0x80)
		n--;
	s->log[slot].body = util_strndup(rq->body, n);
	s->log[slot].auth = rq->auth_bearer || rq->auth_key;
	s->n_log++;
	pthread_mutex_unlock(&s->mu);
}

static void reset_stats(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	s->requests = 0;
	s->inflight_max = s->inflight;
	s->n_counters = 0;
	s->n_once = 0;
	pthread_mutex_unlock(&s->mu);
}

struct conn {
	struct server *s;
	int fd;
};

static void *conn_main(void *arg)
{
	struct conn *cn = arg;
	struct server *s = cn->s;
	int fd = cn->fd;
	free(cn);
	struct buf in;
	buf_init(&in);
	for (;;) {
		struct request rq;
		int r = read_request(s, fd, &in, &rq);
		if (r == 0)
			break;
		if (r < 0) {
			static const char msg[] = "bad request\n";
			send_response(fd, 400, "text/plain", NULL, msg, sizeof msg - 1, 0);
			break;
		}
		pthread_mutex_lock(&s->mu);
		s->requests++;
		pthread_mutex_unlock(&s->mu);
		record(s, &rq);
		int rc = 0;
		int post = strcmp(rq.method, "POST") == 0, get = strcmp(rq.method, "GET") == 0;
		if (post && strcmp(rq.path, "/v1/chat/completions") == 0) {
			rc = handle_llm(s, fd, &rq, 0);
		} else if (post && strcmp(rq.path, "/v1/messages") == 0) {
			rc = handle_llm(s, fd, &rq, 1);
		} else if (get && strcmp(rq.path, "/stats") == 0) {
			rc = handle_stats(s, fd, rq.keep_alive);
		} else if (get && strcmp(rq.path, "/log") == 0) {
			rc = handle_log(s, fd, rq.keep_alive);
		} else if (get && strcmp(rq.path, "/v1/models") == 0) {
			static const char models[] =
				"{\"object\":\"list\",\"data\":[{\"id\":\"fake-small\","
				"\"object\":\"model\"},{\"id\":\"fake-large\",\"object\":\"model\"}]}";
			rc = send_response(fd, 200, "application/json", NULL, models,
					   sizeof models - 1, rq.keep_alive);
		} else if (post && strcmp(rq.path, "/reset") == 0) {
			reset_stats(s);
			rc = send_response(fd, 200, "application/json", NULL, "{}", 2,
					   rq.keep_alive);
		} else if (post && strcmp(rq.path, "/shutdown") == 0) {
			send_response(fd, 200, "application/json", NULL, "{}", 2, 0);
			pthread_mutex_lock(&s->mu);
			s->stop = 1;
			pthread_mutex_unlock(&s->mu);
			rc = -1;
		} else {
			static const char nf[] = "{\"error\":{\"message\":\"not found\"}}";
			rc = send_response(fd, 404, "application/json", NULL, nf, sizeof nf - 1,
					   rq.keep_alive);
		}
		free(rq.body);
		if (rc || !rq.keep_alive)
			break;
	}
	buf_release(&in);
	close(fd);
	pthread_mutex_lock(&s->mu);
	s->active--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int arg_long(const char *flag, const char *v, long lo, long hi, long *out)
{
	if (!v || util_parse_long(v, lo, hi, out)) {
		fprintf(stderr, "fakellm: bad value for %s\n%s", flag, usage_text);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct server srv;
	memset(&srv, 0, sizeof srv);
	long port = 0, max_seconds = 600;
	const char *port_file = NULL, *reply_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--port") == 0) {
			if (arg_long(a, v, 0, 65535, &port))
				return 2;
			i++;
		} else if (strcmp(a, "--max-seconds") == 0) {
			if (arg_long(a, v, 0, 86400, &max_seconds))
				return 2;
			i++;
		} else if (strcmp(a, "--latency-ms") == 0) {
			if (arg_long(a, v, 0, 600000, &srv.latency_ms))
				return 2;
			i++;
		} else if (strcmp(a, "--behaviour") == 0 || strcmp(a, "--behavior") == 0) {
			if (!v)
				return fprintf(stderr, "%s", usage_text), 2;
			srv.behaviour = util_strdup(v);
			i++;
		} else if (strcmp(a, "--port-file") == 0 && v) {
			port_file = v;
			i++;
		} else if (strcmp(a, "--reply-file") == 0 && v) {
			reply_file = v;
			i++;
		} else {
			fprintf(stderr, "%s", usage_text);
			return strcmp(a, "--help") == 0 ? 0 : 2;
		}
	}
	if (reply_file) {
		char err[MENTOR_ERR_LEN];
		size_t len;
		char *text = util_read_file(reply_file, 16u << 20, &len, err);
		if (!text) {
			fprintf(stderr, "fakellm: %s\n", err);
			return 1;
		}
		srv.replies = cJSON_ParseWithLength(text, len);
		free(text);
		if (!cJSON_IsObject(srv.replies)) {
			fprintf(stderr, "fakellm: reply file '%s' is not a JSON object\n",
				reply_file);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_mutex_init(&srv.mu, NULL);
	pthread_cond_init(&srv.cond, NULL);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, 1024)) {
		fprintf(stderr, "fakellm: cannot listen on 127.0.0.1:%ld: %s\n", port,
			strerror(errno));
		return 1;
	}
	socklen_t alen = sizeof addr;
	getsockname(fd, (struct sockaddr *)&addr, &alen);
	int real_port = ntohs(addr.sin_port);
	if (port_file) {
		char tmp[32], err[MENTOR_ERR_LEN];
		int n = snprintf(tmp, sizeof tmp, "%d\n", real_port);
		if (util_write_file_atomic(port_file, tmp, (size_t)n, err)) {
			fprintf(stderr, "fakellm: %s\n", err);
			return 1;
		}
	}
	printf("PORT %d\n", real_port);
	fflush(stdout);
	srv.listen_fd = fd;

	double t0 = util_mono();
	while (!server_stopping(&srv)) {
		if (max_seconds > 0 && util_mono() - t0 > (double)max_seconds)
			break;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int cfd = accept(fd, NULL, NULL);
		if (cfd < 0)
			continue;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *cn = malloc(sizeof *cn);
		if (!cn) {
			close(cfd);
			continue;
		}
		cn->s = &srv;
		cn->fd = cfd;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		pthread_t th;
		pthread_mutex_lock(&srv.mu);
		srv.active++;
		pthread_mutex_unlock(&srv.mu);
		if (pthread_create(&th, &attr, conn_main, cn)) {
			pthread_mutex_lock(&srv.mu);
			srv.active--;
			pthread_mutex_unlock(&srv.mu);
			close(cfd);
			free(cn);
		}
		pthread_attr_destroy(&attr);
	}
	close(fd);
	pthread_mutex_lock(&srv.mu);
	srv.stop = 1;
	double give_up = util_mono() + 5.0;
	while (srv.active > 0 && util_mono() < give_up) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv.cond, &srv.mu, &ts);
	}
	int left = srv.active;
	pthread_mutex_unlock(&srv.mu);
	if (left)
		_exit(0); /* a connection thread is stuck in send(); do not wait on it */
	for (int i = 0; i < LOG_SLOTS; i++)
		free(srv.log[i].body);
	cJSON_Delete(srv.replies);
	free(srv.behaviour);
	return 0;
}
