/* teacher_wire: the two wire formats the teacher speaks: OpenAI-compatible
 * Chat Completions (OpenAI, vLLM, llama.cpp server, Ollama /v1, LM Studio)
 * and Anthropic Messages. Builds request bodies and reads plain and
 * streamed (SSE) responses, text and token usage. Responses are untrusted:
 * sizes are capped and every field is type-checked. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/http.h"
#include "teacher_int.h"

static int is_anthropic(const char *type)
{
	return type && !strcmp(type, CONFIG_TYPE_ANTHROPIC);
}

char *teacher_wire_body(const char *type, const char *model, const char *prompt, int max_tokens,
			double temperature, int stream)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		util_oom();
	cJSON_AddStringToObject(j, "model", model ? model : "");
	cJSON *msgs = cJSON_AddArrayToObject(j, "messages");
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", prompt ? prompt : "");
	cJSON_AddItemToArray(msgs, m);
	cJSON_AddNumberToObject(j, "max_tokens", max_tokens);
	cJSON_AddNumberToObject(j, "temperature", temperature);
	if (stream) {
		cJSON_AddTrueToObject(j, "stream");
		if (!is_anthropic(type)) {
			cJSON *so = cJSON_AddObjectToObject(j, "stream_options");
			cJSON_AddTrueToObject(so, "include_usage");
		}
	}
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		util_oom();
	/* cJSON's allocator is malloc: hand the caller a plain heap string. */
	return s;
}

char *teacher_wire_url(const struct config_provider *p)
{
	struct buf b;
	buf_init(&b);
	const char *base = p->base_url ? p->base_url : "";
	if (is_anthropic(p->type)) {
		/* Accept a base with or without the /v1 suffix. */
		size_t n = strlen(base);
		if (n >= 3 && !strcmp(base + n - 3, "/v1"))
			buf_printf(&b, "%s/messages", base);
		else
			buf_printf(&b, "%s/v1/messages", base);
	} else {
		buf_printf(&b, "%s/chat/completions", base);
	}
	return buf_detach(&b, NULL);
}

/* Message of an {"error": {...}} or {"error": "..."} object, or NULL. */
static const char *error_message(const cJSON *j)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e))
		return e->valuestring;
	if (cJSON_IsObject(e)) {
		const char *m = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "message"));
		return m ? m : "error without a message";
	}
	return NULL;
}

static int64_t num_field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12)
		return -1;
	return (int64_t)v->valuedouble;
}

static int put_text(struct buf *out, const char *s, char *err)
{
	size_t n = strlen(s);
	if (out->len + n > TEACHER_MAX_TEXT)
		return util_err(err, "response text longer than %zu bytes", TEACHER_MAX_TEXT);
	if (buf_append(out, s, n))
		return util_err(err, "out of memory");
	return 0;
}

/* A message from the provider, cut and stripped of control characters. */
static int provider_error(char *err, const char *msg)
{
	char clean[200];
	size_t i = 0;
	for (; msg[i] && i < sizeof clean - 1; i++)
		clean[i] = (unsigned char)msg[i] < ' ' ? ' ' : msg[i];
	clean[i] = '\0';
	return util_err(err, "provider error: %s", clean);
}

static int parse_plain(const char *type, const char *body, size_t len, struct buf *out,
		       int64_t *tin, int64_t *tout, char *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return util_err(err, "malformed response: not a JSON object");
	}
	int rc = 0;
	const char *em = error_message(j);
	if (em) {
		rc = provider_error(err, em);
		goto out;
	}
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	if (is_anthropic(type)) {
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(j, "content");
		if (!cJSON_IsArray(content)) {
			rc = util_err(err, "malformed response: no 'content' array");
			goto out;
		}
		const cJSON *part;
		int parts = 0;
		cJSON_ArrayForEach(part, content)
		{
			const char *t = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(part, "text"));
			if (t) {
				if ((rc = put_text(out, t, err)) != 0)
					goto out;
				parts++;
			}
		}
		if (!parts) {
			rc = util_err(err, "malformed response: no text in 'content'");
			goto out;
		}
		*tin = num_field(usage, "input_tokens");
		*tout = num_field(usage, "output_tokens");
	} else {
		const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"),
						     0);
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(c0, "message");
		const char *t = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(msg, "content"));
		if (!t) {
			rc = util_err(err, "malformed response: no 'choices[0].message.content'");
			goto out;
		}
		if ((rc = put_text(out, t, err)) != 0)
			goto out;
		*tin = num_field(usage, "prompt_tokens");
		*tout = num_field(usage, "completion_tokens");
	}
out:
	cJSON_Delete(j);
	return rc;
}

void teacher_stream_init(struct teacher_stream *s, const char *type)
{
	memset(s, 0, sizeof *s);
	s->anthropic = is_anthropic(type);
	buf_init(&s->text);
	s->tokens_in = s->tokens_out = -1;
}

void teacher_stream_release(struct teacher_stream *s)
{
	if (s)
		buf_release(&s->text);
}

static int stream_fail(struct teacher_stream *s, const char *fmt, const char *arg)
{
	if (!s->failed)
		util_err(s->err, fmt, arg);
	s->failed = 1;
	return -1;
}

int teacher_stream_event(struct teacher_stream *s, const char *event, const char *data, size_t len)
{
	if (s->failed)
		return -1;
	cJSON *j = cJSON_ParseWithLength(data, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return stream_fail(s, "malformed stream event%s", "");
	}
	int rc = 0;
	const char *em = error_message(j);
	int error_event = event && !strcmp(event, "error");
	if (!em && error_event)
		em = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "message"));
	if (em || error_event) {
		char m[MENTOR_ERR_LEN];
		provider_error(m, em ? em : "error event");
		rc = stream_fail(s, "%s", m);
		goto out;
	}
	if (s->anthropic) {
		const char *type = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(j, "type"));
		if (!type)
			goto out;
		if (!strcmp(type, "message_start")) {
			const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
			int64_t v = num_field(cJSON_GetObjectItemCaseSensitive(msg, "usage"),
					      "input_tokens");
			if (v >= 0)
				s->tokens_in = v;
		} else if (!strcmp(type, "content_block_delta")) {
			s->choices++;
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "delta");
			const char *t = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(d, "text"));
			char e[MENTOR_ERR_LEN];
			if (t && put_text(&s->text, t, e))
				rc = stream_fail(s, "%s", e);
		} else if (!strcmp(type, "message_delta")) {
			int64_t v = num_field(cJSON_GetObjectItemCaseSensitive(j, "usage"),
					      "output_tokens");
			if (v >= 0)
				s->tokens_out = v;
		} else if (!strcmp(type, "message_stop")) {
			s->finished = 1;
		}
	} else {
		const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
		if (cJSON_IsObject(usage)) {
			int64_t a = num_field(usage, "prompt_tokens"),
				b = num_field(usage, "completion_tokens");
			if (a >= 0)
				s->tokens_in = a;
			if (b >= 0)
				s->tokens_out = b;
		}
		const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"),
						     0);
		if (c0) {
			s->choices++;
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(c0, "delta");
			const char *t = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(d, "content"));
			char e[MENTOR_ERR_LEN];
			if (t && put_text(&s->text, t, e))
				rc = stream_fail(s, "%s", e);
			if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c0, "finish_reason")))
				s->finished = 1;
		}
	}
out:
	cJSON_Delete(j);
	return rc;
}

static int sse_cb(void *user, const char *event, const char *data, size_t len)
{
	return teacher_stream_event(user, event, data, len) ? 1 : 0;
}

/* A response, plain or streamed, read into out (appended). */
static int parse_any(const char *type, const char *body, size_t len, struct buf *out,
		     int64_t *tokens_in, int64_t *tokens_out, char *err)
{
	*tokens_in = *tokens_out = -1;
	if (!body)
		return util_err(err, "empty response");
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len)
		return util_err(err, "empty response");
	if (body[i] == '{')
		return parse_plain(type, body, len, out, tokens_in, tokens_out, err);
	struct teacher_stream s;
	teacher_stream_init(&s, type);
	struct http_sse p;
	http_sse_init(&p, 0, sse_cb, &s);
	char sub[MENTOR_ERR_LEN];
	int rc = 0;
	if (http_sse_feed(&p, body, len, sub) || http_sse_finish(&p, sub))
		rc = util_err(err, "malformed stream: %s", sub);
	else if (s.failed)
		rc = util_err(err, "%s", s.err);
	else if (!s.finished && !p.done)
		rc = util_err(err, "stream ended before the response was complete");
	else if (!s.anthropic && !s.choices)
		rc = util_err(err, "malformed stream: it ended without any choice");
	if (!rc) {
		if (buf_append(out, s.text.data ? s.text.data : "", s.text.len))
			rc = util_err(err, "out of memory");
		*tokens_in = s.tokens_in;
		*tokens_out = s.tokens_out;
	}
	http_sse_release(&p);
	teacher_stream_release(&s);
	return rc;
}

int teacher_parse_response(const char *type, const char *body, size_t len, struct buf *out,
			   int64_t *tokens_in, int64_t *tokens_out, char *err)
{
	size_t start = out->len;
	int rc = parse_any(type, body, len, out, tokens_in, tokens_out, err);
	if (rc)
		return rc;
	/* Only a non-empty completion is a success: an empty one is an error
	 * that is never served from the call log. */
	for (size_t i = start; i < out->len; i++)
		if (!strchr(" \t\r\n", out->data[i]))
			return 0;
	if (out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	*tokens_in = *tokens_out = -1;
	return util_err(err, "empty completion: the provider answered without any text");
}

/* ------------------------------------------------------------ redaction
 * A server may echo the API key: in an error body, or inside the text, cut
 * across stream chunks. Redaction therefore runs on assembled text: the
 * string values of a JSON body, and for a stream the values of each field
 * joined across its events (choices/0/delta/content of every chunk), before
 * anything is stored or shown. */

/* Keys shorter than this are not scrubbed (they would mask ordinary text). */
#define REDACT_MIN_KEY 4

static int redact_key_ok(const char *key)
{
	return key && strlen(key) >= REDACT_MIN_KEY;
}

void teacher_redact_bytes(const char *key, char *s)
{
	if (!s || !redact_key_ok(key))
		return;
	size_t kl = strlen(key);
	for (char *p = strstr(s, key); p; p = strstr(p + kl, key))
		memset(p, '*', kl);
}

size_t teacher_redact_live(const char *key, char *text, size_t len)
{
	if (!text || !redact_key_ok(key))
		return len;
	teacher_redact_bytes(key, text);
	/* Hold back the longest tail that could still grow into the key. */
	size_t kl = strlen(key), hold = 0;
	for (size_t n = kl - 1 < len ? kl - 1 : len; n > 0 && !hold; n--)
		if (!memcmp(text + len - n, key, n))
			hold = n;
	return len - hold;
}

/* Room for one more element in *v (n used of *cap, each size bytes). */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t bytes;
	*cap = *cap ? *cap * 2 : 32;
	if (util_mul_size(*cap, size, &bytes))
		util_oom();
	void *g = realloc(v, bytes);
	if (!g)
		util_oom();
	return g;
}

/* One string value of a document: the field it belongs to and its place. */
struct rfield {
	char *path;   /* event name and JSON path, e.g. "message/choices/0/delta/content" */
	size_t order; /* document order */
	cJSON *node;
};

struct rwalk {
	struct rfield *v;
	size_t n, cap;
};

static void rwalk_node(struct rwalk *w, cJSON *node, struct buf *path)
{
	size_t mark = path->len;
	if (cJSON_IsString(node) && node->valuestring) {
		w->v = grow(w->v, w->n, &w->cap, sizeof *w->v);
		w->v[w->n] = (struct rfield){util_strdup(path->data ? path->data : ""), w->n, node};
		w->n++;
		return;
	}
	size_t i = 0;
	cJSON *c;
	cJSON_ArrayForEach(c, node)
	{
		if (cJSON_IsObject(node))
			buf_printf(path, "/%s", c->string ? c->string : "");
		else
			buf_printf(path, "/%zu", i);
		rwalk_node(w, c, path);
		path->len = mark;
		if (path->data)
			path->data[mark] = '\0';
		i++;
	}
}

static int rfield_cmp(const void *a, const void *b)
{
	const struct rfield *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* Mask the key in the values of each field joined in document order.
 * Returns 1 if anything was masked. */
static int rwalk_mask(struct rwalk *w, const char *key)
{
	if (w->n > 1)
		qsort(w->v, w->n, sizeof *w->v, rfield_cmp);
	size_t kl = strlen(key);
	int changed = 0;
	struct buf cat;
	buf_init(&cat);
	for (size_t g = 0; g < w->n;) {
		size_t e = g;
		buf_reset(&cat);
		while (e < w->n && !strcmp(w->v[e].path, w->v[g].path))
			buf_puts(&cat, w->v[e++].node->valuestring);
		if (cat.data && strstr(cat.data, key)) {
			for (char *p = strstr(cat.data, key); p; p = strstr(p + kl, key))
				memset(p, '*', kl);
			/* copy the masked bytes back into the values they came from */
			size_t off = 0;
			for (size_t i = g; i < e; i++) {
				char *v = w->v[i].node->valuestring;
				size_t vl = strlen(v);
				memcpy(v, cat.data + off, vl);
				off += vl;
			}
			changed = 1;
		}
		g = e;
	}
	buf_release(&cat);
	return changed;
}

static void rwalk_release(struct rwalk *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
}

struct revent {
	char *event;
	char *data; /* the raw data when it is not JSON */
	cJSON *json;
};

struct rstream {
	struct revent *v;
	size_t n, cap;
};

static int rstream_event(void *user, const char *event, const char *data, size_t len)
{
	struct rstream *s = user;
	s->v = grow(s->v, s->n, &s->cap, sizeof *s->v);
	struct revent *e = &s->v[s->n++];
	e->event = util_strdup(event);
	e->json = cJSON_ParseWithLength(data, len);
	e->data = e->json ? NULL : util_strndup(data, len);
	return 0;
}

/* A stream with the key masked field by field, written back as SSE. NULL
 * when nothing was masked or the stream cannot be read. */
static char *redact_stream(const char *key, const char *text)
{
	struct rstream s = {0};
	struct http_sse p;
	size_t len = strlen(text);
	http_sse_init(&p, len + 1, rstream_event, &s);
	char sub[MENTOR_ERR_LEN];
	char *out = NULL;
	if (!http_sse_feed(&p, text, len, sub) && !http_sse_finish(&p, sub)) {
		struct rwalk w = {0};
		struct buf path;
		buf_init(&path);
		for (size_t i = 0; i < s.n; i++)
			if (s.v[i].json) {
				buf_reset(&path);
				buf_puts(&path, s.v[i].event);
				rwalk_node(&w, s.v[i].json, &path);
			}
		buf_release(&path);
		if (rwalk_mask(&w, key)) {
			struct buf b;
			buf_init(&b);
			for (size_t i = 0; i < s.n; i++) {
				if (strcmp(s.v[i].event, "message"))
					buf_printf(&b, "event: %s\n", s.v[i].event);
				char *d = s.v[i].json ? cJSON_PrintUnformatted(s.v[i].json) : NULL;
				const char *data = d ? d : s.v[i].data;
				/* multi-line data goes out as one data: line per line */
				for (const char *q = data; q;) {
					const char *nl = strchr(q, '\n');
					buf_printf(&b, "data: %.*s\n",
						   (int)(nl ? nl - q : (long)strlen(q)), q);
					q = nl ? nl + 1 : NULL;
				}
				buf_puts(&b, "\n");
				free(d);
			}
			if (p.done)
				buf_puts(&b, "data: [DONE]\n\n");
			out = buf_detach(&b, NULL);
		}
		rwalk_release(&w);
	}
	http_sse_release(&p);
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].event);
		free(s.v[i].data);
		cJSON_Delete(s.v[i].json);
	}
	free(s.v);
	return out;
}

char *teacher_redact(const char *key, const char *text)
{
	if (!text)
		return NULL;
	if (!redact_key_ok(key))
		return util_strdup(text);
	char *out = NULL;
	const char *t = text;
	while (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
		t++;
	cJSON *j = *t == '{' || *t == '[' ? cJSON_Parse(t) : NULL;
	if (j) {
		struct rwalk w = {0};
		struct buf path;
		buf_init(&path);
		buf_puts(&path, "");
		rwalk_node(&w, j, &path);
		buf_release(&path);
		if (rwalk_mask(&w, key)) {
			char *s = cJSON_PrintUnformatted(j);
			if (!s)
				util_oom();
			out = util_strdup(s);
			free(s);
		}
		rwalk_release(&w);
		cJSON_Delete(j);
	} else if (*t && strstr(t, "data:")) {
		out = redact_stream(key, text);
	}
	if (!out)
		out = util_strdup(text);
	teacher_redact_bytes(key, out);
	return out;
}
