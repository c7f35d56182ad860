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

static int is_anthropic(const char *type) { return type && !strcmp(type, CONFIG_TYPE_ANTHROPIC); }

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
		const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));
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
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(part, "text"));
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
		const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(c0, "message");
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "content"));
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

int teacher_stream_event(struct teacher_stream *s, const char *event, const char *data,
			 size_t len)
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
	if (em || (event && !strcmp(event, "error"))) {
		char m[MENTOR_ERR_LEN];
		provider_error(m, em ? em : "error event");
		rc = stream_fail(s, "%s", m);
		goto out;
	}
	if (s->anthropic) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type"));
		if (!type)
			goto out;
		if (!strcmp(type, "message_start")) {
			const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
			int64_t v = num_field(cJSON_GetObjectItemCaseSensitive(msg, "usage"), "input_tokens");
			if (v >= 0)
				s->tokens_in = v;
		} else if (!strcmp(type, "content_block_delta")) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "delta");
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "text"));
			char e[MENTOR_ERR_LEN];
			if (t && put_text(&s->text, t, e))
				rc = stream_fail(s, "%s", e);
		} else if (!strcmp(type, "message_delta")) {
			int64_t v = num_field(cJSON_GetObjectItemCaseSensitive(j, "usage"), "output_tokens");
			if (v >= 0)
				s->tokens_out = v;
		} else if (!strcmp(type, "message_stop")) {
			s->finished = 1;
		}
	} else {
		const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
		if (cJSON_IsObject(usage)) {
			int64_t a = num_field(usage, "prompt_tokens"), b = num_field(usage, "completion_tokens");
			if (a >= 0)
				s->tokens_in = a;
			if (b >= 0)
				s->tokens_out = b;
		}
		const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
		if (c0) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(c0, "delta");
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "content"));
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

int teacher_parse_response(const char *type, const char *body, size_t len, struct buf *out,
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
