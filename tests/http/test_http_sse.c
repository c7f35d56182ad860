/* test_http_sse: the SSE parser under every chunking (whole, byte by byte,
 * random), line ends, comments, multi-line data, [DONE], hostile input (huge
 * lines, NUL bytes, no final newline), and the Retry-After parser. */
#include "mentor/http.h"
#include "test.h"

/* Events are recorded as "name=data|" into a buffer (NUL shown as \0). */
struct rec {
	struct buf out;
	int stop_after; /* return nonzero after this many events (0 = never) */
	int n;
};

static int rec_event(void *user, const char *event, const char *data, size_t len)
{
	struct rec *r = user;
	buf_puts(&r->out, event);
	buf_putc(&r->out, '=');
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\0')
			buf_puts(&r->out, "\\0");
		else
			buf_putc(&r->out, data[i]);
	}
	CHECK(data[len] == '\0');
	buf_putc(&r->out, '|');
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

/* Parse text with a given chunking: step 0 = whole, 1 = bytes, -1 = random. */
static char *parse(const char *text, size_t n, int step, size_t max_event, int *rc_out, int *done)
{
	struct rec r;
	memset(&r, 0, sizeof r);
	buf_init(&r.out);
	buf_puts(&r.out, "");
	struct http_sse p;
	http_sse_init(&p, max_event, rec_event, &r);
	struct rng g;
	rng_seed(&g, 1234 + n);
	char err[MENTOR_ERR_LEN] = "";
	int rc = MENTOR_OK;
	size_t i = 0;
	while (i < n && rc == MENTOR_OK) {
		size_t k = step == 0 ? n - i : step == 1 ? 1 : 1 + (size_t)rng_below(&g, 7);
		if (k > n - i)
			k = n - i;
		rc = http_sse_feed(&p, text + i, k, err);
		i += k;
	}
	if (rc == MENTOR_OK)
		rc = http_sse_finish(&p, err);
	if (rc)
		CHECK(strstr(err, "longer than") || strstr(err, "failed earlier"));
	CHECK_INT(p.events, r.n);
	if (rc_out)
		*rc_out = rc;
	if (done)
		*done = p.done;
	http_sse_release(&p);
	return buf_detach(&r.out, NULL);
}

static void expect(const char *text, size_t n, const char *want, int want_done)
{
	for (int step = -1; step <= 1; step++) {
		int rc, done;
		char *got = parse(text, n, step, 0, &rc, &done);
		CHECK_INT(rc, MENTOR_OK);
		CHECK_STR(got, want);
		CHECK_INT(done, want_done);
		free(got);
	}
}

#define EXPECT(lit, want, done) expect(lit, sizeof(lit) - 1, want, done)

static void test_basic(void)
{
	EXPECT("data: hello\n\n", "message=hello|", 0);
	EXPECT("event: ping\ndata: {}\n\n", "ping={}|", 0);
	/* multi-line data joins with \n; the event name resets after dispatch */
	EXPECT("event: a\ndata: one\ndata: two\n\ndata: three\n\n", "a=one\ntwo|message=three|", 0);
	/* comments, id and retry are ignored; only one leading space is stripped */
	EXPECT(": keep-alive\nid: 7\nretry: 100\ndata:  x\n\n", "message= x|", 0);
	/* CRLF and lone CR line ends, mixed */
	EXPECT("data: a\r\n\r\ndata: b\r\rdata: c\n\r\n", "message=a|message=b|message=c|", 0);
	/* a final event without a trailing blank line, and without any newline */
	EXPECT("data: a\n\ndata: last\n", "message=a|message=last|", 0);
	EXPECT("data: a\n\ndata: last", "message=a|message=last|", 0);
	/* [DONE] is noted, not delivered */
	EXPECT("data: {\"x\":1}\n\ndata: [DONE]\n\n", "message={\"x\":1}|", 1);
	/* field without colon: empty data; blank lines without data dispatch nothing */
	EXPECT("\n\n\ndata\n\n", "message=|", 0);
	/* event without data is dropped */
	EXPECT("event: lonely\n\ndata: x\n\n", "message=x|", 0);
	/* BOM at the very start only */
	EXPECT("\xEF\xBB\xBF"
	       "data: bom\n\n",
	       "message=bom|", 0);
	/* unknown fields and near-miss names are ignored */
	EXPECT("datum: no\nDATA: no\nevent2: x\ndata: yes\n\n", "message=yes|", 0);
	/* llama.cpp's "error:" line is an event of its own, named error */
	EXPECT("data: a\nerror: {\"code\":400}\n\ndata: b\n\n",
	       "message=a|error={\"code\":400}|message=b|", 0);
	EXPECT("event: x\nerror: oops\n", "error=oops|", 0);
	/* CJK text passes through untouched */
	EXPECT("data: 答えは42です\n\n", "message=答えは42です|", 0);
	/* NUL bytes inside data are delivered with their length */
	EXPECT("data: a\0b\n\n", "message=a\\0b|", 0);
	/* Anthropic shape */
	EXPECT("event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
	       "event: content_block_delta\ndata: {\"t\":\"Hi\"}\n\n"
	       "event: message_stop\ndata: {}\n\n",
	       "message_start={\"type\":\"message_start\"}|content_block_delta={\"t\":\"Hi\"}|"
	       "message_stop={}|",
	       0);
}

static void test_hostile(void)
{
	/* one huge line is refused, whatever the chunking */
	size_t n = 5000;
	char *big = malloc(n + 16);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'x', n);
	memcpy(big + 6 + n, "\n\n", 3);
	for (int step = -1; step <= 1; step++) {
		int rc;
		char *got = parse(big, n + 8, step, 1024, &rc, NULL);
		CHECK_INT(rc, MENTOR_ERR);
		CHECK_STR(got, "");
		free(got);
	}
	/* the same without a newline at all */
	{
		int rc;
		char *got = parse(big, n + 6, 0, 1024, &rc, NULL);
		CHECK_INT(rc, MENTOR_ERR);
		free(got);
	}
	free(big);
	/* many short data lines adding up past the cap */
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 300; i++)
		buf_puts(&b, "data: 0123456789\n");
	buf_puts(&b, "\n");
	{
		int rc;
		char *got = parse(b.data, b.len, 0, 1024, &rc, NULL);
		CHECK_INT(rc, MENTOR_ERR);
		CHECK_STR(got, "");
		free(got);
		got = parse(b.data, b.len, 0, 0, &rc, NULL);
		CHECK_INT(rc, MENTOR_OK);
		CHECK(strlen(got) > 300 * 10);
		free(got);
	}
	buf_release(&b);
	/* a failed parser stays failed */
	{
		struct http_sse p;
		char err[MENTOR_ERR_LEN];
		http_sse_init(&p, 8, NULL, NULL);
		CHECK_INT(http_sse_feed(&p, "data: 0123456789\n", 17, err), MENTOR_ERR);
		CHECK_INT(http_sse_feed(&p, "data: x\n\n", 9, err), MENTOR_ERR);
		CHECK_INT(http_sse_finish(&p, err), MENTOR_ERR);
		http_sse_release(&p);
	}
	/* random binary garbage never crashes and never delivers > cap */
	struct rng g;
	rng_seed(&g, 99);
	for (int round = 0; round < 200; round++) {
		char junk[512];
		size_t len = (size_t)rng_below(&g, sizeof junk);
		for (size_t i = 0; i < len; i++) {
			static const char alphabet[] = "data: event\r\n:\0x[DONE]\xff\xfe";
			junk[i] = alphabet[rng_below(&g, sizeof alphabet - 1)];
		}
		int rc;
		char *got = parse(junk, len, -1, 64, &rc, NULL);
		CHECK(rc == MENTOR_OK || rc == MENTOR_ERR);
		free(got);
	}
}

static void test_stop(void)
{
	struct rec r;
	memset(&r, 0, sizeof r);
	buf_init(&r.out);
	r.stop_after = 2;
	struct http_sse p;
	char err[MENTOR_ERR_LEN];
	http_sse_init(&p, 0, rec_event, &r);
	const char *text = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	CHECK_INT(http_sse_feed(&p, text, strlen(text), err), MENTOR_OK);
	CHECK_INT(http_sse_finish(&p, err), MENTOR_OK);
	CHECK_INT(p.stopped, 1);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.out.data, "message=1|message=2|");
	http_sse_release(&p);
	buf_release(&r.out);
}

static void test_retry_after(void)
{
	double s = -1;
	CHECK_INT(http_parse_retry_after("1", 0, &s), 0);
	CHECK_NEAR(s, 1.0, 1e-9);
	CHECK_INT(http_parse_retry_after("  120 \r\n", 0, &s), 0);
	CHECK_NEAR(s, 120.0, 1e-9);
	CHECK_INT(http_parse_retry_after("0", 0, &s), 0);
	CHECK_NEAR(s, 0.0, 1e-9);
	/* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
	CHECK_INT(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111767, &s), 0);
	CHECK_NEAR(s, 10.0, 1e-9);
	CHECK_INT(http_parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", 784111777 - 5, &s), 0);
	CHECK_NEAR(s, 5.0, 1e-9);
	CHECK_INT(http_parse_retry_after("Sun Nov  6 08:49:37 1994", 784111777 - 3, &s), 0);
	CHECK_NEAR(s, 3.0, 1e-9);
	/* a date in the past means now */
	CHECK_INT(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 100, &s), 0);
	CHECK_NEAR(s, 0.0, 1e-9);
	/* 2026-01-01 00:00:00 = 1767225600 */
	CHECK_INT(http_parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", 1767225600 - 2, &s), 0);
	CHECK_NEAR(s, 2.0, 1e-9);
	const char *bad[] = {"",
			     "   ",
			     "abc",
			     "-1",
			     "1.5",
			     "1e3",
			     "99999999999999999999",
			     "Sun, 06 Nov 1994 08:49:37 PST",
			     "Sun, 32 Nov 1994 08:49:37 GMT",
			     "Sun, 06 Foo 1994 08:49:37 GMT",
			     "Sun, 06 Nov 1994 25:49:37 GMT",
			     "Sun, 06 Nov 1994",
			     NULL};
	for (int i = 0; bad[i]; i++) {
		CHECK_MSG(http_parse_retry_after(bad[i], 0, &s) == -1, "'%s'", bad[i]);
	}
	CHECK_INT(http_parse_retry_after(NULL, 0, &s), -1);
	char huge[300];
	memset(huge, '9', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	CHECK_INT(http_parse_retry_after(huge, 0, &s), -1);

	CHECK(http_status_retryable(429));
	CHECK(http_status_retryable(500));
	CHECK(http_status_retryable(503));
	CHECK(!http_status_retryable(400));
	CHECK(!http_status_retryable(401));
	CHECK(!http_status_retryable(404));
	CHECK(!http_status_retryable(200));
}

int main(void)
{
	test_basic();
	test_hostile();
	test_stop();
	test_retry_after();
	return test_done();
}
