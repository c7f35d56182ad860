/* fuzz_sse: LLM responses (src/teacher_wire.c) and the SSE parser
 * (src/http.c), whole and chunked. Input: a byte choosing the wire format
 * (OpenAI or Anthropic) and the event size cap, two bytes of split offset,
 * then a response body (plain JSON or SSE text). Properties: the events and
 * the outcome of the SSE parser do not depend on how the bytes are cut
 * (whole, split at the chosen offset, one byte at a time); the streamed text
 * assembled from those events is the same; a response read as a success
 * has non-blank text; redaction leaves no copy of the API key. */
#include <string.h>

#include "fuzz.h"
#include "mentor/config.h"
#include "mentor/http.h"
#include "mentor/teacher.h"
#include "teacher_int.h"

#define KEY "sk-fuzz-KEY-0123456789"

/* Every event, as name NUL data NUL, and the teacher's reading of them. */
struct trace {
	struct buf events;
	struct teacher_stream ts;
	int broken; /* the teacher's stream reader failed */
};

static int on_event(void *user, const char *event, const char *data, size_t len)
{
	struct trace *t = user;
	if (buf_puts(&t->events, event) || buf_putc(&t->events, 0) ||
	    buf_append(&t->events, data, len) || buf_putc(&t->events, 0))
		abort();
	FUZZ_CHECK(data[len] == '\0');
	if (!t->broken && teacher_stream_event(&t->ts, event, data, len))
		t->broken = 1;
	return 0;
}

/* Feed data cut at the offsets cuts[0..ncut) (ascending), then finish.
 * Returns the parser's outcome: 0, or 1 when feeding or finishing failed. */
static int parse(struct trace *t, const char *type, size_t cap, const char *data, size_t n,
		 const size_t *cuts, size_t ncut)
{
	buf_init(&t->events);
	teacher_stream_init(&t->ts, type);
	t->broken = 0;
	struct http_sse p;
	http_sse_init(&p, cap, on_event, t);
	char err[MENTOR_ERR_LEN];
	int failed = 0;
	size_t at = 0;
	for (size_t i = 0; i <= ncut && !failed; i++) {
		size_t end = i < ncut ? cuts[i] : n;
		if (http_sse_feed(&p, data + at, end - at, err))
			failed = 1;
		at = end;
	}
	if (!failed && http_sse_finish(&p, err))
		failed = 1;
	http_sse_release(&p);
	return failed;
}

static void trace_release(struct trace *t)
{
	buf_release(&t->events);
	teacher_stream_release(&t->ts);
}

static void same(const struct trace *a, int fa, const struct trace *b, int fb)
{
	FUZZ_CHECK(fa == fb);
	FUZZ_CHECK(a->events.len == b->events.len);
	FUZZ_CHECK(!a->events.len || !memcmp(a->events.data, b->events.data, a->events.len));
	FUZZ_CHECK(a->broken == b->broken);
	FUZZ_CHECK(a->ts.text.len == b->ts.text.len);
	FUZZ_CHECK(!a->ts.text.len || !memcmp(a->ts.text.data, b->ts.text.data, a->ts.text.len));
	FUZZ_CHECK(a->ts.tokens_in == b->ts.tokens_in && a->ts.tokens_out == b->ts.tokens_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	if (size < 3)
		return 0;
	const char *type = in[0] & 1 ? CONFIG_TYPE_ANTHROPIC : CONFIG_TYPE_OPENAI;
	/* a small cap now and then, to reach the too-long paths */
	size_t cap = in[0] & 2 ? 64 : 0;
	size_t split = (size_t)in[1] << 8 | in[2];
	char *body = fuzz_strndup(in + 3, size - 3);
	size_t n = size - 3;
	if (split > n)
		split = n ? split % (n + 1) : 0;

	struct trace whole, cut;
	int fw = parse(&whole, type, cap, body, n, NULL, 0);
	int fc = parse(&cut, type, cap, body, n, &split, 1);
	same(&whole, fw, &cut, fc);
	trace_release(&cut);
	if (n <= 4096) {
		size_t *every = malloc((n ? n : 1) * sizeof *every);
		if (!every)
			abort();
		for (size_t i = 0; i < n; i++)
			every[i] = i;
		int fb = parse(&cut, type, cap, body, n, every, n);
		same(&whole, fw, &cut, fb);
		trace_release(&cut);
		free(every);
	}
	trace_release(&whole);

	struct buf text;
	buf_init(&text);
	int64_t tin = -2, tout = -2;
	char err[MENTOR_ERR_LEN] = "";
	if (teacher_parse_response(type, body, n, &text, &tin, &tout, err) == 0) {
		size_t i = 0;
		while (i < text.len && strchr(" \t\r\n", text.data[i]))
			i++;
		FUZZ_CHECK(i < text.len);
		FUZZ_CHECK(tin >= -1 && tout >= -1);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(text.len == 0);
	}
	buf_release(&text);

	char *red = teacher_redact(KEY, body);
	FUZZ_CHECK(red != NULL);
	FUZZ_CHECK(strstr(red, KEY) == NULL);
	free(red);
	free(body);
	return 0;
}
