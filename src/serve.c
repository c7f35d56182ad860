/* serve: a small OpenAI-compatible HTTP/1.1 server (see include/mentor/serve.h).
 * A poll loop accepts; each connection is read by a thread of its own, with
 * a deadline and size caps, so a slow client delays nobody; the model answers
 * one question at a time under a lock. One response per connection
 * (Connection: close). */
#include "mentor/serve.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
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

/* What the server holds while it runs. */
struct server {
	struct model *m;
	struct tokenizer *tok;
	struct eval_model *em;
	char *answer_type;
	char *model_name;
	int64_t created;
	int64_t n_requests; /* under model_lock */
	const struct serve_opts *o;
	pthread_mutex_t model_lock; /* one answer at a time */
	pthread_mutex_t lock;       /* active, and the on_request callback */
	pthread_cond_t idle;
	int active; /* connection threads running */
};

/* Connections served at once; more get 503 at once. */
#define SERVE_MAX_CONNS 32

/* One request: its head, and the body bytes (borrowed from the read buffer). */
struct req {
	struct serve_request h;
	char *body;
	size_t body_len;
};

/* ------------------------------------------------------------ sockets */

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read more bytes into b before the deadline; 0 on data, -1 on EOF, error or
 * timeout. */
static int recv_some(int fd, struct buf *b, double deadline, volatile sig_atomic_t *stop)
{
	for (;;) {
		double left = deadline - util_mono();
		if (left <= 0 || (stop && *stop))
			return -1;
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue; /* look at the deadline and the stop flag again */
		if (r < 0)
			return -1;
		char chunk[8192];
		ssize_t k = recv(fd, chunk, sizeof chunk, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (buf_append(b, chunk, (size_t)k))
			return -1;
		return 0;
	}
}

static const char *status_text(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

static int respond(int fd, int code, const char *type, const char *body, size_t n,
                   const char *extra)
{
	struct buf h;
	buf_init(&h);
	buf_printf(&h,
	           "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	           "Connection: close\r\n%s\r\n",
	           code, status_text(code), type, n, extra ? extra : "");
	int rc = send_all(fd, h.data, h.len);
	if (!rc && n)
		rc = send_all(fd, body, n);
	buf_release(&h);
	return rc;
}

static int respond_json(int fd, int code, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (!s)
		return respond(fd, 500, "application/json", "{}", 2, NULL);
	int rc = respond(fd, code, "application/json", s, strlen(s), NULL);
	free(s);
	return rc;
}

/* An OpenAI-style error body. */
static int respond_error(int fd, int code, const char *type, const char *msg, const char *extra)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNullToObject(e, "code");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int rc = respond(fd, code, "application/json", s ? s : "{}", s ? strlen(s) : 2, extra);
	free(s);
	return rc;
}

/* ------------------------------------------------------------ requests */

/* Parse the head in h[0..n) (without the final CRLFCRLF). Returns 0 or an
 * HTTP status for a bad request. */
int serve_parse_head(const char *h, size_t n, struct serve_request *r)
{
	memset(r, 0, sizeof *r);
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
	if (!sp1 || !sp2 || (size_t)(sp1 - line) >= sizeof r->method ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof r->path || strncmp(sp2 + 1, "HTTP/1.", 7))
		return 400;
	memcpy(r->method, line, (size_t)(sp1 - line));
	r->method[sp1 - line] = 0;
	memcpy(r->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	r->path[sp2 - sp1 - 1] = 0;
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
		}
		p = e ? e + 1 : h + n;
	}
	return 0;
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

static int send_event(int fd, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return -1;
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "data: %s\n\n", s);
	free(s);
	int rc = send_all(fd, b.data, b.len);
	buf_release(&b);
	return rc;
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

static int stream_answer(int fd, struct server *s, int chat, const char *id, const char *text,
                         const struct eval_answer *a, int n_prompt, int n_completion)
{
	const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	                   "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
	if (send_all(fd, head, strlen(head)))
		return -1;
	if (chat) {
		cJSON *o = chunk_base(s, 1, id);
		cJSON *ch = cJSON_AddArrayToObject(o, "choices"), *c0 = cJSON_CreateObject();
		cJSON_AddItemToArray(ch, c0);
		cJSON_AddNumberToObject(c0, "index", 0);
		cJSON *d = cJSON_AddObjectToObject(c0, "delta");
		cJSON_AddStringToObject(d, "role", "assistant");
		cJSON_AddStringToObject(d, "content", "");
		cJSON_AddNullToObject(c0, "finish_reason");
		if (send_event(fd, o))
			return -1;
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
		if (send_event(fd, o))
			return -1;
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
	if (send_event(fd, o))
		return -1;
	return send_all(fd, "data: [DONE]\n\n", 14);
}

/* POST /v1/completions (chat 0) and /v1/chat/completions (chat 1). */
void serve_query_release(struct serve_query *q)
{
	free(q->question);
	free(q->choices);
	memset(q, 0, sizeof *q);
}

int serve_parse_body(const char *body, size_t len, int chat, struct serve_query *q,
		     const char **bad)
{
	memset(q, 0, sizeof *q);
	*bad = NULL;
	cJSON *o = cJSON_ParseWithLength(body ? body : "", len);
	if (!cJSON_IsObject(o)) {
		*bad = "the body is not a JSON object";
		goto out;
	}
	if (chat) {
		const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(o, "messages"), *m;
		if (!cJSON_IsArray(msgs)) {
			*bad = "'messages' must be an array of messages";
			goto out;
		}
		cJSON_ArrayForEach(m, msgs)
		{
			const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
			if (cJSON_IsString(role) && !strcmp(role->valuestring, "user")) {
				char *t =
				    content_text(cJSON_GetObjectItemCaseSensitive(m, "content"));
				if (t) {
					free(q->question);
					q->question = t;
				}
			}
		}
		if (!q->question) {
			*bad = "'messages' has no user message with text content";
			goto out;
		}
	} else {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "prompt");
		if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1)
			p = cJSON_GetArrayItem(p, 0);
		if (!cJSON_IsString(p)) {
			*bad = "'prompt' must be a string (or an array of one string)";
			goto out;
		}
		q->question = util_strdup(p->valuestring);
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "stream");
	q->stream = cJSON_IsTrue(st);
	if (st && !cJSON_IsBool(st)) {
		*bad = "'stream' must be true or false";
		goto out;
	}
	/* predict's --choices and --type: "mentor": {"choices": [...], "type": "mc"} */
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(o, "mentor");
	if (ext) {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(ext, "choices");
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(ext, "type");
		if (!cJSON_IsObject(ext))
			*bad = "'mentor' must be an object";
		else if (ch && !cJSON_IsArray(ch) && !cJSON_IsString(ch))
			*bad = "'mentor.choices' must be an array of {label, text}";
		else if (ty && (!cJSON_IsString(ty) || (strcmp(ty->valuestring, STORE_ANS_NUMBER) &&
		                                        strcmp(ty->valuestring, STORE_ANS_YESNO) &&
		                                        strcmp(ty->valuestring, STORE_ANS_MC) &&
		                                        strcmp(ty->valuestring, STORE_ANS_TEXT))))
			*bad = "'mentor.type' must be number, yesno, mc or text";
		if (*bad)
			goto out;
		if (cJSON_IsString(ch))
			q->choices = util_strdup(ch->valuestring);
		else if (ch)
			q->choices = cJSON_PrintUnformatted(ch);
		if (ty)
			snprintf(q->type, sizeof q->type, "%s", ty->valuestring);
	}
out:
	cJSON_Delete(o);
	if (*bad) {
		serve_query_release(q);
		return 400;
	}
	return 0;
}

static int handle_completion(int fd, struct server *s, int chat, const struct req *r)
{
	struct serve_query qy;
	const char *bad;
	if (serve_parse_body(r->body, r->body_len, chat, &qy, &bad)) {
		respond_error(fd, 400, "invalid_request_error", bad, NULL);
		return 400;
	}
	char *question = qy.question, *choices = qy.choices;
	const char *type = qy.type[0] ? qy.type : s->answer_type;
	int stream = qy.stream;
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
		respond_error(fd, 400, "invalid_request_error", err, NULL);
		code = 400;
		goto out;
	}
	pthread_mutex_lock(&s->model_lock);
	int rc = eval_answer_question(s->em, prompt.data ? prompt.data : "", type, &a, err);
	int64_t req_no = ++s->n_requests;
	pthread_mutex_unlock(&s->model_lock);
	if (rc) {
		respond_error(fd, 500, "server_error", err, NULL);
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
		stream_answer(fd, s, chat, id, text, &a, n_prompt, n_completion);
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
	respond_json(fd, 200, o);
	cJSON_Delete(o);
	free(text);
out:
	eval_answer_release(&a);
	buf_release(&prompt);
	free(question);
	return code;
}

static int handle_models(int fd, struct server *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "object", "list");
	cJSON *d = cJSON_AddArrayToObject(o, "data"), *m = cJSON_CreateObject();
	cJSON_AddItemToArray(d, m);
	cJSON_AddStringToObject(m, "id", s->model_name);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", (double)s->created);
	cJSON_AddStringToObject(m, "owned_by", "mentor");
	respond_json(fd, 200, o);
	cJSON_Delete(o);
	return 200;
}

/* Read one request from fd and answer it; method and path get the request's
 * (empty when unreadable). Returns the status sent (0 when the client went
 * away before a full head). */
static int handle_conn(int fd, struct server *s, char method[16], char path[256])
{
	const struct serve_opts *o = s->o;
	double deadline = util_mono() + (o->timeout_ms > 0 ? o->timeout_ms : 10000) / 1000.0;
	size_t max_body = o->max_body ? o->max_body : SERVE_MAX_BODY;
	struct buf b;
	buf_init(&b);
	struct req r;
	memset(&r, 0, sizeof r);
	int code = 0;
	size_t head_len = 0;
	for (;;) {
		char *end = NULL;
		for (size_t i = 0; i + 4 <= b.len; i++)
			if (!memcmp(b.data + i, "\r\n\r\n", 4)) {
				end = b.data + i;
				break;
			}
		if (end) {
			head_len = (size_t)(end - b.data);
			break;
		}
		if (b.len > SERVE_MAX_HEAD) {
			respond_error(fd, 431, "invalid_request_error", "request head too large",
			              NULL);
			code = 431;
			goto out;
		}
		if (recv_some(fd, &b, deadline, o->stop)) {
			if (b.len) {
				respond_error(fd, 408, "invalid_request_error",
				              "incomplete request head", NULL);
				code = 408;
			}
			goto out;
		}
	}
	int bad = serve_parse_head(b.data, head_len, &r.h);
	snprintf(method, 16, "%s", r.h.method);
	snprintf(path, 256, "%s", r.h.path);
	if (bad) {
		respond_error(fd, bad, "invalid_request_error", "malformed request", NULL);
		code = bad;
		goto out;
	}
	int is_chat = !strcmp(r.h.path, "/v1/chat/completions");
	int is_cmpl = !strcmp(r.h.path, "/v1/completions");
	int is_models = !strcmp(r.h.path, "/v1/models");
	int is_health = !strcmp(r.h.path, "/health");
	if (!is_chat && !is_cmpl && !is_models && !is_health) {
		respond_error(fd, 404, "invalid_request_error", "unknown path", NULL);
		code = 404;
		goto out;
	}
	int want_post = is_chat || is_cmpl;
	if (strcmp(r.h.method, want_post ? "POST" : "GET")) {
		respond_error(fd, 405, "invalid_request_error", "method not allowed",
		              want_post ? "Allow: POST\r\n" : "Allow: GET\r\n");
		code = 405;
		goto out;
	}
	if (is_models) {
		code = handle_models(fd, s);
		goto out;
	}
	if (is_health) {
		respond(fd, 200, "application/json", "{\"status\":\"ok\"}", 15, NULL);
		code = 200;
		goto out;
	}
	if (r.h.chunked) {
		respond_error(fd, 411, "invalid_request_error",
		              "chunked request bodies are not supported: send Content-Length",
		              NULL);
		code = 411;
		goto out;
	}
	if (!r.h.has_length) {
		respond_error(fd, 411, "invalid_request_error", "Content-Length required", NULL);
		code = 411;
		goto out;
	}
	if (r.h.content_length > max_body) {
		respond_error(fd, 413, "invalid_request_error", "request body too large", NULL);
		code = 413;
		goto out;
	}
	size_t have = b.len - head_len - 4;
	if (r.h.expect_continue && have < r.h.content_length &&
	    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
		goto out;
	while (b.len - head_len - 4 < r.h.content_length) {
		if (recv_some(fd, &b, deadline, o->stop)) {
			respond_error(fd, 408, "invalid_request_error", "incomplete request body",
			              NULL);
			code = 408;
			goto out;
		}
	}
	r.body = b.data + head_len + 4;
	r.body_len = r.h.content_length;
	code = handle_completion(fd, s, is_chat, &r);
out:
	buf_release(&b);
	return code;
}

/* ------------------------------------------------------------ loading */

static char *first_answer_type(struct store *st, int64_t dataset_id)
{
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	struct store_item *items = NULL;
	size_t n = 0;
	char err[MENTOR_ERR_LEN];
	char *type = NULL;
	if (!store_item_page(st, &f, 0, 0, 1, &items, &n, err) && n)
		type = util_strdup(items[0].answer_type);
	for (size_t i = 0; i < n; i++)
		store_item_release(&items[i]);
	free(items);
	return type ? type : util_strdup(STORE_ANS_TEXT);
}

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
	s->answer_type = first_answer_type(st, r.dataset_id);
	s->model_name = util_strdup(r.name && *r.name ? r.name : "mentor");
	store_close(st);
	struct train_ckpt ck;
	rc = train_ckpt_load(r.checkpoint, 0, &ck, err);
	store_run_release(&r);
	if (rc)
		return MENTOR_ERR;
	char sub[MENTOR_ERR_LEN];
	if (model_new(&ck.mcfg, ck.cfg.seed, &s->m, sub)) {
		util_err(err, "cannot load the model: %s", sub);
		train_ckpt_release(&ck);
		return MENTOR_ERR;
	}
	memcpy(model_params(s->m), ck.params, ck.n_params * sizeof(float));
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
	model_free(s->m);
	tokenizer_free(s->tok);
	free(s->answer_type);
	free(s->model_name);
}

/* One connection, on its own thread. */
struct conn {
	struct server *s;
	int fd;
};

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct server *s = c->s;
	char method[16] = "", path[256] = "";
	int code = handle_conn(c->fd, s, method, path);
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&s->lock);
	if (s->o->on_request)
		s->o->on_request(s->o->u, method, path, code);
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int serve_run(const char *db_path, const char *run_ref, const struct serve_opts *o, char *err)
{
	struct server s;
	memset(&s, 0, sizeof s);
	s.o = o;
	s.created = util_unix_time();
	pthread_mutex_init(&s.model_lock, NULL);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.idle, NULL);
	int rc = server_load(&s, db_path, run_ref, err);
	if (rc) {
		server_release(&s);
		return rc;
	}
	const char *host = o->host ? o->host : SERVE_DEFAULT_HOST;
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)o->port);
	int ret = MENTOR_ERR;
	int lfd = -1;
	if (o->port < 0 || o->port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		util_err(err,
		         "invalid address '%s:%d': give a numeric IPv4 address and a port "
		         "0..65535",
		         host, o->port);
		goto out;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0) {
		util_err(err, "cannot listen on %s:%d: %s", host, o->port, strerror(errno));
		goto out;
	}
	socklen_t alen = sizeof addr;
	getsockname(lfd, (struct sockaddr *)&addr, &alen);
	if (o->on_listen)
		o->on_listen(o->u, host, ntohs(addr.sin_port));
	while (!(o->stop && *o->stop)) {
		struct pollfd p = {lfd, POLLIN, 0};
		int r = poll(&p, 1, 200);
		if (r <= 0)
			continue; /* timeout or a signal: look at the stop flag */
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s.lock);
		int busy = s.active >= SERVE_MAX_CONNS;
		if (!busy)
			s.active++;
		pthread_mutex_unlock(&s.lock);
		if (busy) {
			respond_error(fd, 503, "server_error", "too many connections", NULL);
			close(fd);
			continue;
		}
		struct conn *c = malloc(sizeof *c);
		if (!c)
			util_oom();
		c->s = &s;
		c->fd = fd;
		pthread_t th;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &at, conn_main, c) != 0)
			conn_main(c); /* no thread to be had: serve it here */
		pthread_attr_destroy(&at);
	}
	/* let the connections in flight finish (their reads see the stop flag) */
	pthread_mutex_lock(&s.lock);
	while (s.active > 0)
		pthread_cond_wait(&s.idle, &s.lock);
	pthread_mutex_unlock(&s.lock);
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);
	server_release(&s);
	return ret;
}
