/* serve: a small OpenAI-compatible HTTP/1.1 server (see include/mentor/serve.h).
 *
 * Why one poll loop owns every socket: a thread per connection lets 64 slow
 * clients, each trickling a byte now and then, hold every thread while
 * nothing useful happens. Here reading a request costs no thread: the loop
 * reads heads and bodies of all connections without blocking, each against
 * a deadline (head: header timeout; body: header timeout plus its length at
 * SERVE_BODY_RATE; keep-alive: idle timeout), and answers /health, /v1/models
 * and every error itself. Only a whole, valid completion request takes an
 * answering slot (a thread that computes the answer into a buffer and gives
 * the connection back); the loop writes every response, so a client that
 * does not read delays nobody either. Past max_conns, an idle keep-alive
 * connection is dropped first; failing that the client lands in a small
 * reserve where only /health is answered and anything else gets 503 with
 * Retry-After; past the reserve, 503 at once. Closing drains what the client
 * still sends (a "linger") so that it reads the answer rather than a reset. */
#include "mentor/serve.h"
#include "serve_int.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mentor/eval.h"
#include "mentor/export.h"
#include "mentor/model.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

void serve_opts_init(struct serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = SERVE_DEFAULT_HOST;
	o->port = SERVE_DEFAULT_PORT;
}

int serve_host_is_loopback(const char *host)
{
	struct in_addr a;
	if (!host || inet_pton(AF_INET, host, &a) != 1)
		return -1;
	return (ntohl(a.s_addr) >> 24) == 127;
}

/* How long a closed connection's late bytes are drained before the close. */
#define LINGER_MS 2000

enum conn_state {
	CONN_HEAD,   /* reading a request head (idle when nothing came yet) */
	CONN_BODY,   /* reading its body */
	CONN_ANSWER, /* on an answering thread: the loop leaves it alone */
	CONN_WRITE,  /* writing out */
};

/* One client connection. Owned by the loop, or by an answering thread while
 * in CONN_ANSWER. */
struct conn {
	int fd;
	enum conn_state state;
	int reserve;     /* accepted past max_conns: only /health is served */
	int idle;        /* keep-alive, no byte of the next request yet */
	double since;    /* start of the idle time (the oldest idle goes first) */
	double deadline; /* of the current state */
	struct buf in;   /* bytes read and not yet consumed */
	size_t scan;     /* no head terminator in in[0..scan) */
	size_t head_len; /* head bytes with the blank line */
	struct serve_req r;
	int keep;       /* keep the connection after this response */
	struct buf out; /* response bytes; out_off of them written */
	size_t out_off;
	int code;          /* status of the response in out (0: none) */
	struct conn *next; /* on the answered list */
	struct server *s;
};

/* A closed-for-writing socket whose late input is drained, then closed. */
struct lingering {
	int fd;
	double deadline;
};

/* What the server holds while it runs. */
struct server {
	struct student *m;
	struct tokenizer *tok;
	struct eval_model *em;
	char *answer_type;
	char *model_name;
	int64_t created;
	int64_t n_requests; /* under model_lock */
	const struct serve_opts *o;
	double header_s, idle_s; /* the timeouts in seconds */
	size_t max_body;
	size_t max_conns;
	pthread_mutex_t model_lock; /* one answer at a time */
	pthread_mutex_t lock;       /* busy, answered */
	pthread_cond_t idle;
	int busy;              /* answering threads running */
	struct conn *answered; /* given back by answering threads */
	int wake[2];           /* a byte on wake[1] when a connection comes back */
	/* the loop's alone */
	struct conn **conns;
	size_t n_conns, n_reserve; /* n_reserve of n_conns are reserve ones */
	struct lingering *lingers;
	size_t n_lingers;
	int stopping;
};

/* ------------------------------------------------------------ responses */

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* Append a whole response to c->out; its status becomes c->code. */
static void reply(struct conn *c, int code, const char *type, const char *body, size_t n,
		  const char *extra)
{
	c->code = code;
	if (buf_printf(&c->out,
		       "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Connection: %s\r\n%s\r\n",
		       code, status_text(code), type, n, c->keep ? "keep-alive" : "close",
		       extra ? extra : "") ||
	    buf_append(&c->out, body, n))
		util_oom();
}

static void reply_json(struct conn *c, int code, cJSON *o, const char *extra)
{
	char *s = cJSON_PrintUnformatted(o);
	if (!s)
		util_oom();
	reply(c, code, "application/json", s, strlen(s), extra);
	free(s);
}

/* An OpenAI-style error body; the connection closes after it (the rest of
 * the request may be unread). */
static void reply_error(struct conn *c, int code, const char *type, const char *msg,
			const char *extra)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNullToObject(e, "code");
	c->keep = 0;
	reply_json(c, code, o, extra);
	cJSON_Delete(o);
}

/* ------------------------------------------------------------ requests */

/* 1 if the comma-separated list v[0..n) holds token (any case). */
static int has_token(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);
	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		size_t e = j;
		while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - i == tl && !strncasecmp(v + i, token, tl))
			return 1;
		i = j;
	}
	return 0;
}

/* Parse the head in h[0..n) (without the final CRLFCRLF). Returns 0 or an
 * HTTP status for a bad request. */
int serve_parse_head(const char *h, size_t n, struct serve_req *r)
{
	const char *eol = memchr(h, '\n', n);
	size_t l1 = eol ? (size_t)(eol - h) : n;
	if (l1 && h[l1 - 1] == '\r')
		l1--;
	char line[512];
	if (l1 >= sizeof line)
		return 400;
	memcpy(line, h, l1);
	line[l1] = 0;
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 ||
	    (size_t)(sp1 - line) >= sizeof r->method || (size_t)(sp2 - sp1 - 1) >= sizeof r->path ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9' || sp2[9])
		return 400;
	r->minor = sp2[8] - '0';
	memcpy(r->method, line, (size_t)(sp1 - line));
	r->method[sp1 - line] = 0;
	memcpy(r->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	r->path[sp2 - sp1 - 1] = 0;
	if (r->path[0] != '/') /* only the origin form "/path?query" is served */
		return 400;
	char *q = strchr(r->path, '?');
	if (q)
		*q = 0;
	const char *p = eol ? eol + 1 : h + n;
	while (p < h + n) {
		const char *e = memchr(p, '\n', (size_t)(h + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(h + n - p);
		if (len && p[len - 1] == '\r')
			len--;
		const char *colon = memchr(p, ':', len);
		if (!colon)
			return 400;
		size_t kl = (size_t)(colon - p);
		const char *v = colon + 1;
		size_t vl = len - kl - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		char val[128];
		snprintf(val, sizeof val, "%.*s", (int)(vl < sizeof val ? vl : sizeof val - 1), v);
		if (kl == 14 && !strncasecmp(p, "Content-Length", 14)) {
			long cl;
			if (vl >= sizeof val || util_parse_long(val, 0, 1L << 40, &cl))
				return 400;
			if (r->has_length && (size_t)cl != r->content_length)
				return 400;
			r->content_length = (size_t)cl;
			r->has_length = 1;
		} else if (kl == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
			r->chunked = 1;
		} else if (kl == 6 && !strncasecmp(p, "Expect", 6)) {
			r->expect_continue = !strcasecmp(val, "100-continue");
		} else if (kl == 10 && !strncasecmp(p, "Connection", 10)) {
			r->conn_close |= has_token(v, vl, "close");
			r->conn_keep |= has_token(v, vl, "keep-alive");
		} else if (kl == 13 && !strncasecmp(p, "Authorization", 13)) {
			if (r->has_auth || vl >= sizeof r->auth) {
				r->auth_bad = 1;
			} else {
				memcpy(r->auth, v, vl);
				r->auth[vl] = 0;
			}
			r->has_auth = 1;
		}
		p = e ? e + 1 : h + n;
	}
	return 0;
}

/* 1 if the request carries "Bearer KEY" for key. The comparison takes the
 * same time wherever the first difference is (it depends on the key's
 * length only), so the key cannot be guessed byte by byte from timings. */
int serve_auth_ok(const struct serve_req *r, const char *key)
{
	const char *a = r->auth;
	if (r->auth_bad || strncasecmp(a, "Bearer ", 7))
		return 0;
	a += 7;
	while (*a == ' ')
		a++;
	size_t al = strlen(a), kl = strlen(key);
	unsigned diff = al != kl;
	for (size_t i = 0; i < kl; i++)
		diff |= (unsigned char)key[i] ^ (unsigned char)(i < al ? a[i] : 0);
	return diff == 0;
}

/* ------------------------------------------------------------ answers */

static int count_tokens(const struct tokenizer *t, const char *s)
{
	if (!s)
		return 0;
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	char err[MENTOR_ERR_LEN];
	int n = tokenizer_encode(t, s, strlen(s), &ids, err) ? 0 : (int)ids.n;
	tokenizer_ids_release(&ids);
	return n;
}

/* The text of a message content: a string, or an array of {"type":"text"} parts. */
static char *content_text(const cJSON *c)
{
	if (cJSON_IsString(c))
		return util_strdup(c->valuestring);
	if (!cJSON_IsArray(c))
		return NULL;
	struct buf b;
	buf_init(&b);
	const cJSON *part;
	cJSON_ArrayForEach(part, c)
	{
		const cJSON *tx = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (cJSON_IsString(tx))
			buf_puts(&b, tx->valuestring);
	}
	char *s = buf_detach(&b, NULL);
	return s ? s : util_strdup("");
}

/* Generated text as valid UTF-8 (a small model can emit broken sequences;
 * JSON must not carry them): heap copy, caller frees. */
static char *clean(const char *s)
{
	struct buf b;
	buf_init(&b);
	if (export_clean_utf8(&b, s ? s : ""))
		util_oom();
	char *r = buf_detach(&b, NULL);
	return r ? r : util_strdup("");
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (!v) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	char *c = clean(v);
	cJSON_AddStringToObject(o, k, c);
	free(c);
}

static void add_answer_fields(cJSON *o, const struct eval_answer *a)
{
	cJSON *m = cJSON_AddObjectToObject(o, "mentor");
	add_str(m, "answer", a->answer);
	add_str(m, "raw", a->raw);
	add_str(m, "explanation", a->expl);
	add_str(m, "explanation_answer", a->expl_answer);
}

static void add_usage(cJSON *o, int prompt, int completion)
{
	cJSON *u = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(u, "prompt_tokens", prompt);
	cJSON_AddNumberToObject(u, "completion_tokens", completion);
	cJSON_AddNumberToObject(u, "total_tokens", prompt + completion);
}

static cJSON *chunk_base(struct server *s, int chat, const char *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", chat ? "chat.completion.chunk" : "text_completion");
	cJSON_AddNumberToObject(o, "created", (double)util_unix_time());
	cJSON_AddStringToObject(o, "model", s->model_name);
	return o;
}

static void put_event(struct conn *c, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s || buf_printf(&c->out, "data: %s\n\n", s))
		util_oom();
	free(s);
}

/* Length of the next streamed piece of text: up to and including the next
 * space, never splitting a UTF-8 sequence. */
static size_t piece_len(const char *s)
{
	size_t i = 0;
	while (s[i] && s[i] != ' ')
		i++;
	if (s[i] == ' ')
		i++;
	return i;
}

/* The events of a streamed answer, all into c->out (the answer is whole
 * before the first is sent). No Content-Length: the close ends the body. */
static void stream_answer(struct conn *c, struct server *s, int chat, const char *id,
			  const char *text, const struct eval_answer *a, int n_prompt,
			  int n_completion)
{
	c->keep = 0;
	c->code = 200;
	if (buf_puts(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
			      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n"))
		util_oom();
	if (chat) {
		cJSON *o = chunk_base(s, 1, id);
		cJSON *ch = cJSON_AddArrayToObject(o, "choices"), *c0 = cJSON_CreateObject();
		cJSON_AddItemToArray(ch, c0);
		cJSON_AddNumberToObject(c0, "index", 0);
		cJSON *d = cJSON_AddObjectToObject(c0, "delta");
		cJSON_AddStringToObject(d, "role", "assistant");
		cJSON_AddStringToObject(d, "content", "");
		cJSON_AddNullToObject(c0, "finish_reason");
		put_event(c, o);
	}
	for (const char *p = text; *p;) {
		size_t n = piece_len(p);
		char *piece = util_strndup(p, n);
		p += n;
		cJSON *o = chunk_base(s, chat, id);
		cJSON *ch = cJSON_AddArrayToObject(o, "choices"), *c0 = cJSON_CreateObject();
		cJSON_AddItemToArray(ch, c0);
		cJSON_AddNumberToObject(c0, "index", 0);
		if (chat)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(c0, "delta"), "content",
						piece);
		else
			cJSON_AddStringToObject(c0, "text", piece);
		cJSON_AddNullToObject(c0, "finish_reason");
		free(piece);
		put_event(c, o);
	}
	cJSON *o = chunk_base(s, chat, id);
	cJSON *ch = cJSON_AddArrayToObject(o, "choices"), *c0 = cJSON_CreateObject();
	cJSON_AddItemToArray(ch, c0);
	cJSON_AddNumberToObject(c0, "index", 0);
	if (chat)
		cJSON_AddObjectToObject(c0, "delta");
	else
		cJSON_AddStringToObject(c0, "text", "");
	cJSON_AddStringToObject(c0, "finish_reason", "stop");
	add_usage(o, n_prompt, n_completion);
	add_answer_fields(o, a);
	put_event(c, o);
	if (buf_puts(&c->out, "data: [DONE]\n\n"))
		util_oom();
}

/* POST /v1/completions (chat 0) and /v1/chat/completions (chat 1). */
static int handle_completion(struct conn *c, struct server *s, int chat, const struct serve_req *r)
{
	cJSON *body = cJSON_ParseWithLength(r->body ? r->body : "", r->body_len);
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		reply_error(c, 400, "invalid_request_error", "the body is not a JSON object", NULL);
		return 400;
	}
	char *question = NULL;
	if (chat) {
		const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(body, "messages"), *m;
		if (!cJSON_IsArray(msgs)) {
			cJSON_Delete(body);
			reply_error(c, 400, "invalid_request_error",
				    "'messages' must be an array of messages", NULL);
			return 400;
		}
		cJSON_ArrayForEach(m, msgs)
		{
			const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
			if (cJSON_IsString(role) && !strcmp(role->valuestring, "user")) {
				char *t = content_text(
					cJSON_GetObjectItemCaseSensitive(m, "content"));
				if (t) {
					free(question);
					question = t;
				}
			}
		}
		if (!question) {
			cJSON_Delete(body);
			reply_error(c, 400, "invalid_request_error",
				    "'messages' has no user message with text content", NULL);
			return 400;
		}
	} else {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "prompt");
		if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1)
			p = cJSON_GetArrayItem(p, 0);
		if (!cJSON_IsString(p)) {
			cJSON_Delete(body);
			reply_error(c, 400, "invalid_request_error",
				    "'prompt' must be a string (or an array of one string)", NULL);
			return 400;
		}
		question = util_strdup(p->valuestring);
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(body, "stream");
	int stream = cJSON_IsTrue(st);
	if (st && !cJSON_IsBool(st)) {
		free(question);
		cJSON_Delete(body);
		reply_error(c, 400, "invalid_request_error", "'stream' must be true or false",
			    NULL);
		return 400;
	}
	/* predict's --choices and --type: "mentor": {"choices": [...], "type": "mc"} */
	char *choices = NULL;
	const char *type = s->answer_type;
	char type_buf[16];
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(body, "mentor");
	if (ext) {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(ext, "choices");
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(ext, "type");
		const char *bad = NULL;
		if (!cJSON_IsObject(ext))
			bad = "'mentor' must be an object";
		else if (ch && !cJSON_IsArray(ch) && !cJSON_IsString(ch))
			bad = "'mentor.choices' must be an array of {label, text}";
		else if (ty && (!cJSON_IsString(ty) || (strcmp(ty->valuestring, STORE_ANS_NUMBER) &&
							strcmp(ty->valuestring, STORE_ANS_YESNO) &&
							strcmp(ty->valuestring, STORE_ANS_MC) &&
							strcmp(ty->valuestring, STORE_ANS_TEXT))))
			bad = "'mentor.type' must be number, yesno, mc or text";
		if (bad) {
			free(question);
			cJSON_Delete(body);
			reply_error(c, 400, "invalid_request_error", bad, NULL);
			return 400;
		}
		if (cJSON_IsString(ch))
			choices = util_strdup(ch->valuestring);
		else if (ch)
			choices = cJSON_PrintUnformatted(ch);
		if (ty) {
			snprintf(type_buf, sizeof type_buf, "%s", ty->valuestring);
			type = type_buf;
		}
	}
	cJSON_Delete(body);
	/* the predict path: question text, then the answer task (and explanation) */
	char err[MENTOR_ERR_LEN];
	struct buf prompt;
	buf_init(&prompt);
	int code = 200;
	struct eval_answer a;
	memset(&a, 0, sizeof a);
	int qrc = train_question_text(question, choices, &prompt, err);
	free(choices);
	if (qrc) {
		reply_error(c, 400, "invalid_request_error", err, NULL);
		code = 400;
		goto out;
	}
	pthread_mutex_lock(&s->model_lock);
	int rc = eval_answer_question(s->em, prompt.data ? prompt.data : "", type, &a, err);
	int64_t req_no = ++s->n_requests;
	pthread_mutex_unlock(&s->model_lock);
	if (rc) {
		reply_error(c, 500, "server_error", err, NULL);
		code = 500;
		goto out;
	}
	char *text = clean(a.answer ? a.answer : a.raw);
	int n_prompt = count_tokens(s->tok, prompt.data) + 2;
	int n_completion = count_tokens(s->tok, a.raw) + count_tokens(s->tok, a.expl);
	char id[48];
	snprintf(id, sizeof id, "%s-%lld-%lld", chat ? "chatcmpl" : "cmpl", (long long)s->created,
		 (long long)req_no);
	if (stream) {
		stream_answer(c, s, chat, id, text, &a, n_prompt, n_completion);
		free(text);
		goto out;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", chat ? "chat.completion" : "text_completion");
	cJSON_AddNumberToObject(o, "created", (double)util_unix_time());
	cJSON_AddStringToObject(o, "model", s->model_name);
	cJSON *ch = cJSON_AddArrayToObject(o, "choices"), *c0 = cJSON_CreateObject();
	cJSON_AddItemToArray(ch, c0);
	cJSON_AddNumberToObject(c0, "index", 0);
	if (chat) {
		cJSON *m = cJSON_AddObjectToObject(c0, "message");
		cJSON_AddStringToObject(m, "role", "assistant");
		cJSON_AddStringToObject(m, "content", text);
	} else {
		cJSON_AddStringToObject(c0, "text", text);
		cJSON_AddNullToObject(c0, "logprobs");
	}
	cJSON_AddStringToObject(c0, "finish_reason", "stop");
	add_usage(o, n_prompt, n_completion);
	add_answer_fields(o, &a);
	reply_json(c, 200, o, NULL);
	cJSON_Delete(o);
	free(text);
out:
	eval_answer_release(&a);
	buf_release(&prompt);
	free(question);
	return code;
}

static int handle_models(struct conn *c, struct server *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "object", "list");
	cJSON *d = cJSON_AddArrayToObject(o, "data"), *m = cJSON_CreateObject();
	cJSON_AddItemToArray(d, m);
	cJSON_AddStringToObject(m, "id", s->model_name);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", (double)s->created);
	cJSON_AddStringToObject(m, "owned_by", "mentor");
	reply_json(c, 200, o, NULL);
	cJSON_Delete(o);
	return 200;
}

/* ------------------------------------------------------------ connections */

static void conn_free(struct conn *c)
{
	buf_release(&c->in);
	buf_release(&c->out);
	free(c);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Read and drop what the client sent that is readable now; 0 at EOF or on
 * an error, 1 when the socket may still deliver more. */
static int drain(int fd)
{
	char junk[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t k = recv(fd, junk, sizeof junk, MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 1;
		if (k <= 0)
			return 0;
	}
	return 1;
}

/* Close fd after the response: no more writing, and the client's late bytes
 * (the rest of a refused body, a pipelined request) are drained for a while,
 * because closing with unread input makes the kernel send a reset that can
 * destroy the response before the client reads it. */
static void linger_close(struct server *s, int fd)
{
	shutdown(fd, SHUT_WR);
	if (drain(fd) && s->n_lingers < s->max_conns + SERVE_HEALTH_RESERVE) {
		s->lingers[s->n_lingers].fd = fd;
		s->lingers[s->n_lingers].deadline = util_mono() + LINGER_MS / 1000.0;
		s->n_lingers++;
		return;
	}
	close(fd);
}

/* Remove conns[i]: gracefully (linger) or at once. */
static void conn_drop(struct server *s, size_t i, int graceful)
{
	struct conn *c = s->conns[i];
	s->conns[i] = s->conns[--s->n_conns];
	if (c->reserve)
		s->n_reserve--;
	if (graceful)
		linger_close(s, c->fd);
	else
		close(c->fd);
	conn_free(c);
}

/* The response in c->out is complete: write it out. */
static void conn_send(struct server *s, struct conn *c, double now)
{
	c->state = CONN_WRITE;
	c->deadline = now + s->header_s;
	if (c->code && s->o->on_request)
		s->o->on_request(s->o->u, c->r.method, c->r.path, c->code);
}

/* Write what is pending in c->out: 1 when all is written, 0 when the socket
 * takes no more now, -1 when the client is gone. *progress is set when
 * bytes went out. */
static int conn_flush(struct conn *c, int *progress)
{
	while (c->out_off < c->out.len) {
		ssize_t k = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (k <= 0)
			return -1;
		c->out_off += (size_t)k;
		*progress = 1;
	}
	return 1;
}

/* Read what is there: 1 with new bytes, 0 with none now, -1 at EOF or on an
 * error. The input stays bounded: a head is cut at SERVE_MAX_HEAD and a body
 * at its announced (capped) length before more is read. */
static int conn_read(struct conn *c)
{
	char chunk[8192];
	ssize_t k = recv(c->fd, chunk, sizeof chunk, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (k <= 0)
		return -1;
	if (buf_append(&c->in, chunk, (size_t)k))
		util_oom();
	return 1;
}

/* After a kept response: start on the next request. What is left of the
 * input after the last one (a pipelined request) stays. */
static void conn_next(struct server *s, struct conn *c, double now)
{
	size_t used = c->head_len + c->r.body_len;
	if (used < c->in.len) {
		memmove(c->in.data, c->in.data + used, c->in.len - used);
		c->in.len -= used;
		c->in.data[c->in.len] = 0;
	} else {
		buf_release(&c->in); /* an idle connection holds no buffer */
	}
	memset(&c->r, 0, sizeof c->r);
	c->scan = c->head_len = 0;
	buf_release(&c->out);
	c->out_off = 0;
	c->code = 0;
	c->state = CONN_HEAD;
	c->idle = c->in.len == 0;
	c->since = now;
	c->deadline = now + (c->idle ? s->idle_s : s->header_s);
}

static void *answer_main(void *arg);

/* The whole request is in: answer a completion on an answering thread. */
static void conn_dispatch(struct server *s, struct conn *c, double now)
{
	c->r.body = c->in.data + c->head_len;
	c->r.body_len = c->r.content_length;
	pthread_mutex_lock(&s->lock);
	int busy = s->busy >= SERVE_ANSWER_SLOTS;
	if (!busy)
		s->busy++;
	pthread_mutex_unlock(&s->lock);
	if (!busy) {
		c->state = CONN_ANSWER;
		pthread_t th;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int rc = pthread_create(&th, &at, answer_main, c);
		pthread_attr_destroy(&at);
		if (!rc)
			return;
		pthread_mutex_lock(&s->lock);
		s->busy--;
		pthread_mutex_unlock(&s->lock);
	}
	reply_error(c, 503, "server_error", "every answering slot is busy; retry shortly",
		    "Retry-After: 1\r\n");
	conn_send(s, c, now);
}

/* Retry-After for a client refused at the connection limit: slots come free
 * within the header timeout. */
static int retry_after(const struct server *s)
{
	int sec = (int)s->header_s;
	return sec < s->header_s ? sec + 1 : (sec > 0 ? sec : 1);
}

/* A whole head of hl bytes (without the blank line) is in: answer it, or
 * go on to read the body. */
static void conn_route(struct server *s, struct conn *c, size_t hl, double now)
{
	struct serve_req *r = &c->r;
	int bad = serve_parse_head(c->in.data, hl, r);
	if (bad) {
		reply_error(c, bad, "invalid_request_error", "malformed request", NULL);
		goto send;
	}
	int is_chat = !strcmp(r->path, "/v1/chat/completions");
	int is_cmpl = !strcmp(r->path, "/v1/completions");
	int is_models = !strcmp(r->path, "/v1/models");
	int is_health = !strcmp(r->path, "/health");
	int want_post = is_chat || is_cmpl;
	/* HTTP/1.1 keeps the connection unless told otherwise, 1.0 only when
	 * asked; a body we would not read ends it too */
	c->keep = !r->conn_close && (r->minor >= 1 || r->conn_keep) && !c->reserve &&
		  (want_post || (!r->chunked && !r->content_length));
	if (c->reserve && !is_health) {
		char extra[48];
		snprintf(extra, sizeof extra, "Retry-After: %d\r\n", retry_after(s));
		reply_error(c, 503, "server_error", "too many connections; retry shortly", extra);
		goto send;
	}
	const char *key = s->o->api_key;
	if (!is_health && key && *key && !serve_auth_ok(r, key)) {
		reply_error(c, 401, "invalid_request_error",
			    r->has_auth ? "invalid API key"
					: "an API key is required: send "
					  "'Authorization: Bearer KEY'",
			    "WWW-Authenticate: Bearer\r\n");
		goto send;
	}
	if (!is_chat && !is_cmpl && !is_models && !is_health) {
		reply_error(c, 404, "invalid_request_error", "unknown path", NULL);
		goto send;
	}
	if (strcmp(r->method, want_post ? "POST" : "GET")) {
		reply_error(c, 405, "invalid_request_error", "method not allowed",
			    want_post ? "Allow: POST\r\n" : "Allow: GET\r\n");
		goto send;
	}
	c->head_len = hl + 4;
	if (is_models) {
		handle_models(c, s);
		goto send;
	}
	if (is_health) {
		reply(c, 200, "application/json", "{\"status\":\"ok\"}", 15, NULL);
		goto send;
	}
	if (r->chunked) {
		reply_error(c, 411, "invalid_request_error",
			    "chunked request bodies are not supported: send Content-Length", NULL);
		goto send;
	}
	if (!r->has_length) {
		reply_error(c, 411, "invalid_request_error", "Content-Length required", NULL);
		goto send;
	}
	if (r->content_length > s->max_body) {
		reply_error(c, 413, "invalid_request_error", "request body too large", NULL);
		goto send;
	}
	c->state = CONN_BODY;
	c->deadline = now + s->header_s + (double)r->content_length / SERVE_BODY_RATE;
	if (c->in.len - c->head_len >= r->content_length) {
		conn_dispatch(s, c, now);
		return;
	}
	if (r->expect_continue && buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n"))
		util_oom();
	return;
send:
	conn_send(s, c, now);
}

/* Look at new input: a whole head gets routed, a whole body dispatched. */
static void conn_advance(struct server *s, struct conn *c, double now)
{
	if (c->state == CONN_BODY) {
		if (c->in.len - c->head_len >= c->r.content_length)
			conn_dispatch(s, c, now);
		return;
	}
	if (c->state != CONN_HEAD || c->in.len <= c->scan)
		return;
	if (c->idle) {
		c->idle = 0;
		c->deadline = now + s->header_s;
	}
	/* search only the new bytes (and the 3 before them) */
	size_t i = c->scan > 3 ? c->scan - 3 : 0;
	for (; i + 4 <= c->in.len; i++)
		if (!memcmp(c->in.data + i, "\r\n\r\n", 4))
			break;
	c->scan = c->in.len;
	/* the head's size is checked however it arrived: one read or many */
	if (i + 4 <= c->in.len ? i > SERVE_MAX_HEAD : c->in.len >= SERVE_MAX_HEAD + 4) {
		reply_error(c, 431, "invalid_request_error", "request head too large", NULL);
		conn_send(s, c, now);
		return;
	}
	if (i + 4 <= c->in.len)
		conn_route(s, c, i, now);
}

/* 408 for a request cut short: the client hung up (late 0) or its time ran
 * out (late 1). */
static void conn_incomplete(struct server *s, struct conn *c, double now, int late)
{
	static const char *const why[2][2] = {
		{"incomplete request head", "incomplete request body"},
		{"request head not complete in time", "request body not complete in time"},
	};
	reply_error(c, 408, "invalid_request_error", why[late][c->state == CONN_BODY], NULL);
	conn_send(s, c, now);
}

/* One step of c after poll: 0 keeps it, -1 drops it at once, 1 closes it
 * gracefully. */
static int conn_step(struct server *s, struct conn *c, short ev, double now)
{
	if (c->state == CONN_ANSWER)
		return 0;
	if (ev & (POLLERR | POLLNVAL))
		return -1;
	if (c->out_off < c->out.len && (ev & (POLLOUT | POLLHUP))) {
		int progress = 0;
		int f = conn_flush(c, &progress);
		if (f < 0)
			return -1;
		if (progress && c->state == CONN_WRITE)
			c->deadline = now + s->header_s;
	}
	if (c->state == CONN_WRITE && c->out_off == c->out.len) {
		if (!c->keep || s->stopping)
			return 1;
		conn_next(s, c, now);
	}
	if ((c->state == CONN_HEAD || c->state == CONN_BODY) && (ev & (POLLIN | POLLHUP))) {
		int r = conn_read(c);
		if (r < 0) {
			if (!c->in.len)
				return -1;
			conn_incomplete(s, c, now, 0);
			return 0;
		}
	}
	conn_advance(s, c, now);
	if (c->state == CONN_ANSWER || now < c->deadline)
		return 0;
	if (c->state == CONN_WRITE || !c->in.len)
		return -1; /* not reading its answer, idle, or never sent a byte */
	conn_incomplete(s, c, now, 1);
	return 0;
}

static void *answer_main(void *arg)
{
	struct conn *c = arg;
	struct server *s = c->s;
	handle_completion(c, s, !strcmp(c->r.path, "/v1/chat/completions"), &c->r);
	pthread_mutex_lock(&s->lock);
	c->next = s->answered;
	s->answered = c;
	s->busy--;
	char one = 1;
	if (write(s->wake[1], &one, 1) < 0) {
		/* the pipe is full: the loop is woken already */
	}
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Take back the connections the answering threads are done with. */
static void take_answered(struct server *s, double now)
{
	char junk[64];
	while (read(s->wake[0], junk, sizeof junk) > 0)
		;
	pthread_mutex_lock(&s->lock);
	struct conn *c = s->answered;
	s->answered = NULL;
	pthread_mutex_unlock(&s->lock);
	while (c) {
		struct conn *next = c->next;
		conn_send(s, c, now);
		c = next;
	}
}

/* A client past the limit and the reserve: 503 at once, then close. */
static void refuse(struct server *s, int fd)
{
	struct conn c;
	memset(&c, 0, sizeof c);
	buf_init(&c.out);
	char extra[48];
	snprintf(extra, sizeof extra, "Retry-After: %d\r\n", retry_after(s));
	reply_error(&c, 503, "server_error", "too many connections; retry shortly", extra);
	/* a fresh socket's send buffer takes these few hundred bytes */
	if (send(fd, c.out.data, c.out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client is gone already */
	}
	buf_release(&c.out);
	linger_close(s, fd);
	if (s->o->on_request)
		s->o->on_request(s->o->u, "", "", 503);
}

static void admit(struct server *s, int fd, double now)
{
	if (s->n_conns - s->n_reserve >= s->max_conns) {
		/* make room by dropping the longest-idle keep-alive connection */
		size_t best = s->n_conns;
		for (size_t i = 0; i < s->n_conns; i++) {
			struct conn *c = s->conns[i];
			if (c->state == CONN_HEAD && c->idle && !c->reserve &&
			    (best == s->n_conns || c->since < s->conns[best]->since))
				best = i;
		}
		if (best < s->n_conns)
			conn_drop(s, best, 0);
	}
	int reserve = s->n_conns - s->n_reserve >= s->max_conns;
	if (reserve && s->n_reserve >= SERVE_HEALTH_RESERVE) {
		refuse(s, fd);
		return;
	}
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		util_oom();
	c->fd = fd;
	c->s = s;
	c->reserve = reserve;
	buf_init(&c->in);
	buf_init(&c->out);
	c->state = CONN_HEAD;
	c->since = now;
	c->deadline = now + s->header_s;
	s->conns[s->n_conns++] = c;
	s->n_reserve += (size_t)reserve;
}

/* Stop: no new connections; requests being read are dropped; answers being
 * computed or written are finished. */
static void begin_stop(struct server *s)
{
	s->stopping = 1;
	for (size_t i = s->n_conns; i-- > 0;) {
		enum conn_state st = s->conns[i]->state;
		if (st == CONN_HEAD || st == CONN_BODY)
			conn_drop(s, i, 0);
	}
}

static void serve_loop(struct server *s, int lfd)
{
	size_t cap = s->max_conns + SERVE_HEALTH_RESERVE;
	struct pollfd *pf = calloc(2 + 2 * cap, sizeof *pf);
	if (!pf)
		util_oom();
	double accept_pause = 0;
	for (;;) {
		double now = util_mono();
		if (!s->stopping && s->o->stop && *s->o->stop)
			begin_stop(s);
		if (s->stopping && !s->n_conns)
			break;
		double next = now + 0.2; /* to look at the stop flag */
		pf[0].fd = s->wake[0];
		pf[0].events = POLLIN;
		pf[1].fd = !s->stopping && now >= accept_pause ? lfd : -1;
		pf[1].events = POLLIN;
		size_t nc = s->n_conns, nl = s->n_lingers;
		for (size_t i = 0; i < nc; i++) {
			struct conn *c = s->conns[i];
			pf[2 + i].fd = c->state == CONN_ANSWER ? -1 : c->fd;
			pf[2 + i].events = 0;
			if (c->state == CONN_ANSWER)
				continue;
			if (c->state == CONN_HEAD || c->state == CONN_BODY)
				pf[2 + i].events |= POLLIN;
			if (c->out_off < c->out.len)
				pf[2 + i].events |= POLLOUT;
			if (c->deadline < next)
				next = c->deadline;
		}
		for (size_t j = 0; j < nl; j++) {
			pf[2 + nc + j].fd = s->lingers[j].fd;
			pf[2 + nc + j].events = POLLIN;
			if (s->lingers[j].deadline < next)
				next = s->lingers[j].deadline;
		}
		if (accept_pause > now && accept_pause < next)
			next = accept_pause;
		int wait_ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
		int r = poll(pf, 2 + nc + nl, wait_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			continue;
		now = util_mono();
		/* downwards, so that a removal (the last moves into its place)
		 * never skips one not yet looked at */
		for (size_t j = nl; j-- > 0;) {
			struct lingering *l = &s->lingers[j];
			if (now < l->deadline && (!pf[2 + nc + j].revents || drain(l->fd)))
				continue;
			close(l->fd);
			*l = s->lingers[--s->n_lingers];
		}
		for (size_t i = nc; i-- > 0;) {
			int rc = conn_step(s, s->conns[i], pf[2 + i].revents, now);
			if (rc)
				conn_drop(s, i, rc > 0);
		}
		take_answered(s, now);
		for (int k = 0; pf[1].revents && k < 64; k++) {
			int fd = accept(lfd, NULL, NULL);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				    errno == ENOMEM)
					accept_pause = now + 0.1; /* let connections close first */
				break;
			}
			set_nonblock(fd);
			admit(s, fd, now);
		}
	}
	free(pf);
}

/* ------------------------------------------------------------ loading */

static int server_load(struct server *s, const char *db_path, const char *ref, char *err)
{
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		return MENTOR_ERR;
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc) {
		store_close(st);
		return rc;
	}
	if (!r.checkpoint || !*r.checkpoint) {
		util_err(err, "run %lld has no checkpoint yet", (long long)r.id);
		store_run_release(&r);
		store_close(st);
		return MENTOR_ERR;
	}
	s->answer_type = store_dataset_answer_type(st, r.dataset_id);
	s->model_name = util_strdup(r.name && *r.name ? r.name : "mentor");
	store_close(st);
	struct train_ckpt ck;
	rc = train_ckpt_load(r.checkpoint, 0, &ck, err);
	store_run_release(&r);
	if (rc)
		return MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (train_ckpt_student(&ck, &s->m, sub)) {
		util_err(err, "cannot load the model: %s", sub);
		train_ckpt_release(&ck);
		return MENTOR_ERR;
	}
	s->tok = ck.tok;
	ck.tok = NULL;
	s->em = eval_model_wrap(s->m, s->tok, ck.cfg.variant, ck.cfg.max_new);
	model_set_threads(ck.cfg.threads);
	train_ckpt_release(&ck);
	return 0;
}

static void server_release(struct server *s)
{
	pthread_mutex_destroy(&s->model_lock);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	eval_model_free(s->em);
	student_free(s->m);
	tokenizer_free(s->tok);
	free(s->answer_type);
	free(s->model_name);
	for (size_t i = 0; i < s->n_conns; i++) {
		close(s->conns[i]->fd);
		conn_free(s->conns[i]);
	}
	for (size_t j = 0; j < s->n_lingers; j++)
		close(s->lingers[j].fd);
	free(s->conns);
	free(s->lingers);
	for (int i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
}

/* The address to listen on, refused when it reaches beyond this machine
 * without a key (unless the caller insists). */
static int check_address(const struct serve_opts *o, const char *host, struct sockaddr_in *addr,
			 char *err)
{
	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_port = htons((uint16_t)o->port);
	if (o->port < 0 || o->port > 65535 || inet_pton(AF_INET, host, &addr->sin_addr) != 1) {
		util_err(err,
			 "invalid address '%s:%d': give a numeric IPv4 address and a port "
			 "0..65535",
			 host, o->port);
		return MENTOR_EUSAGE;
	}
	if (serve_host_is_loopback(host) != 1 && !(o->api_key && *o->api_key) &&
	    !o->insecure_no_auth) {
		util_err(err,
			 "refusing to serve on '%s' without an API key: anyone who can reach it "
			 "could use the model; set one (" SERVE_KEY_ENV " or --api-key), or "
			 "give --insecure-no-auth to allow it",
			 host);
		return MENTOR_EUSAGE;
	}
	return 0;
}

int serve_run(const char *db_path, const char *run_ref, const struct serve_opts *o, char *err)
{
	const char *host = o->host ? o->host : SERVE_DEFAULT_HOST;
	struct sockaddr_in addr;
	int rc = check_address(o, host, &addr, err);
	if (rc)
		return rc;
	struct server s;
	memset(&s, 0, sizeof s);
	s.o = o;
	s.created = util_unix_time();
	s.header_s = (o->header_timeout_ms > 0 ? o->header_timeout_ms : SERVE_HEADER_TIMEOUT_MS) /
		     1000.0;
	s.idle_s = (o->idle_timeout_ms > 0 ? o->idle_timeout_ms : SERVE_IDLE_TIMEOUT_MS) / 1000.0;
	s.max_body = o->max_body ? o->max_body : SERVE_MAX_BODY;
	s.max_conns = o->max_conns > 0 ? (size_t)o->max_conns : SERVE_MAX_CONNS;
	s.wake[0] = s.wake[1] = -1;
	pthread_mutex_init(&s.model_lock, NULL);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.idle, NULL);
	rc = server_load(&s, db_path, run_ref, err);
	if (rc) {
		server_release(&s);
		return rc;
	}
	size_t cap = s.max_conns + SERVE_HEALTH_RESERVE;
	s.conns = calloc(cap, sizeof *s.conns);
	s.lingers = calloc(cap, sizeof *s.lingers);
	if (!s.conns || !s.lingers)
		util_oom();
	int ret = MENTOR_ERR;
	int lfd = -1;
	if (pipe(s.wake) != 0) {
		s.wake[0] = s.wake[1] = -1;
		util_err(err, "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	set_nonblock(s.wake[0]);
	set_nonblock(s.wake[1]);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, SOMAXCONN) != 0) {
		util_err(err, "cannot listen on %s:%d: %s", host, o->port, strerror(errno));
		goto out;
	}
	set_nonblock(lfd);
	socklen_t alen = sizeof addr;
	getsockname(lfd, (struct sockaddr *)&addr, &alen);
	if (o->on_listen)
		o->on_listen(o->u, host, ntohs(addr.sin_port));
	serve_loop(&s, lfd);
	/* the loop ends with no connection left, so no answering thread is
	 * running; wait for the last to let go of the lock all the same */
	pthread_mutex_lock(&s.lock);
	while (s.busy > 0)
		pthread_cond_wait(&s.idle, &s.lock);
	pthread_mutex_unlock(&s.lock);
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);
	server_release(&s);
	return ret;
}
