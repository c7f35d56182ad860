/* test_http: the client against the fakellm server over real 127.0.0.1
 * sockets: plain and streamed replies, retries (429 with Retry-After, 5xx,
 * refused connections), broken bodies and streams, hangs ended by the
 * timeout, cancellation, the rpm limit, the body cap and secret scrubbing.
 * Counts come from the server's /stats; nothing here asserts on speed. */
#include <cjson/cJSON.h>
#include <pthread.h>

#include "http/fakellm_proc.h"
#include "mentor/http.h"
#include "test.h"

static struct fakellm srv;
static char url_chat[128], url_msgs[128], url_models[128];

/* A finished request as the callbacks saw it. */
struct call {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int done;
	int done_calls;
	struct http_result res; /* body copied */
	struct buf events;      /* "name\x1fdata\x1e" per event */
	struct buf text;        /* assembled delta text */
	int n_events;
	int stop_after;
};

static void call_init(struct call *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond, NULL);
	buf_init(&c->events);
	buf_init(&c->text);
	buf_puts(&c->events, "");
	buf_puts(&c->text, "");
}

static void call_release(struct call *c)
{
	http_result_release(&c->res);
	buf_release(&c->events);
	buf_release(&c->text);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cond);
}

static int on_event(void *user, const char *event, const char *data, size_t len)
{
	struct call *c = user;
	pthread_mutex_lock(&c->mu);
	buf_puts(&c->events, event);
	buf_putc(&c->events, 0x1f);
	buf_append(&c->events, data, len);
	buf_putc(&c->events, 0x1e);
	c->n_events++;
	cJSON *j = cJSON_ParseWithLength(data, len);
	if (j) {
		/* OpenAI delta or Anthropic text_delta */
		cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
		cJSON *content = cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "delta"), "content");
		if (!cJSON_IsString(content)) {
			cJSON *d = cJSON_GetObjectItem(j, "delta");
			content = cJSON_GetObjectItem(d, "text");
		}
		if (cJSON_IsString(content))
			buf_puts(&c->text, content->valuestring);
		cJSON_Delete(j);
	}
	int stop = c->stop_after && c->n_events >= c->stop_after;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
	return stop;
}

static void on_done(void *user, const struct http_result *r)
{
	struct call *c = user;
	pthread_mutex_lock(&c->mu);
	c->done_calls++;
	CHECK(r->body != NULL);
	CHECK(r->body[r->body_len] == '\0');
	http_result_release(&c->res);
	c->res = *r;
	c->res.body = malloc(r->body_len + 1);
	memcpy(c->res.body, r->body, r->body_len + 1);
	c->done = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
}

static void call_wait(struct call *c)
{
	pthread_mutex_lock(&c->mu);
	while (!c->done)
		pthread_cond_wait(&c->cond, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

static char *chat_body(const char *user_text, int stream)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "model", "fake-small");
	cJSON *msgs = cJSON_AddArrayToObject(j, "messages");
	cJSON *sys = cJSON_CreateObject();
	cJSON_AddStringToObject(sys, "role", "system");
	cJSON_AddStringToObject(sys, "content", "You are careful.");
	cJSON_AddItemToArray(msgs, sys);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user_text);
	cJSON_AddItemToArray(msgs, m);
	if (stream) {
		cJSON_AddTrueToObject(j, "stream");
		cJSON *so = cJSON_AddObjectToObject(j, "stream_options");
		cJSON_AddTrueToObject(so, "include_usage");
	}
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static const char *const auth_headers[] = {
	"Authorization: Bearer sk-SECRET-abcdef1234567890",
	"x-api-key: topsecret-key-987654",
};

/* Submit one chat request with callbacks into c. */
static uint64_t submit(struct http_client *cl, struct call *c, const char *url,
		       const char *user_text, int stream)
{
	char *body = chat_body(user_text, stream);
	struct http_request rq;
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.method = HTTP_POST;
	rq.body = body;
	rq.headers = auth_headers;
	rq.n_headers = 2;
	rq.stream = stream;
	rq.user = c;
	rq.on_event = on_event;
	rq.on_done = on_done;
	char err[MENTOR_ERR_LEN];
	uint64_t id = 0;
	int rc = http_submit(cl, &rq, &id, err);
	CHECK_MSG(rc == MENTOR_OK, "%s", err);
	CHECK(id != 0);
	cJSON_free(body);
	return id;
}

static void run(struct http_client *cl, struct call *c, const char *url, const char *text,
		int stream)
{
	call_init(c);
	submit(cl, c, url, text, stream);
	call_wait(c);
}

/* The assistant text of a non-streamed reply (caller frees), or NULL. */
static char *reply_text(const char *body)
{
	cJSON *j = cJSON_Parse(body);
	cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	cJSON *content = cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "message"), "content");
	if (!cJSON_IsString(content))
		content = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "content"),
								 0),
					      "text");
	char *s = cJSON_IsString(content) ? strdup(content->valuestring) : NULL;
	cJSON_Delete(j);
	return s;
}

static void secret_free(const char *msg)
{
	CHECK_MSG(!strstr(msg, "sk-SECRET") && !strstr(msg, "abcdef1234567890") &&
			  !strstr(msg, "topsecret") && !strstr(msg, "987654") &&
			  !strstr(msg, "hunter2") && !strstr(msg, "qkey"),
		  "secret in '%s'", msg);
}

static struct http_client *client(int concurrency, int retries, long timeout_ms)
{
	struct http_opts o;
	http_opts_init(&o);
	o.concurrency = concurrency;
	o.max_retries = retries;
	o.backoff_base_ms = 20;
	o.backoff_max_ms = 200;
	if (timeout_ms)
		o.total_timeout_ms = timeout_ms;
	char err[MENTOR_ERR_LEN];
	struct http_client *cl = http_client_new(&o, err);
	if (!cl)
		TEST_SETUP_FAIL("%s", err);
	return cl;
}

static void test_plain(void)
{
	struct http_client *cl = client(4, 2, 20000);
	struct call c;
	run(cl, &c, url_chat, "What is 6*7?", 0);
	CHECK_INT(c.res.ok, 1);
	CHECK_INT(c.res.http_code, 200);
	CHECK_STR(c.res.error, "");
	CHECK_INT(c.res.attempts, 1);
	CHECK_INT(c.res.cancelled, 0);
	CHECK_INT(c.res.retry_after_seen, 0);
	CHECK_INT(c.done_calls, 1);
	CHECK_INT(c.n_events, 0);
	char *t = reply_text(c.res.body);
	CHECK(t && strstr(t, "So the answer is 42."));
	free(t);
	call_release(&c);

	run(cl, &c, url_msgs, "Anthropic please", 0);
	CHECK_INT(c.res.ok, 1);
	t = reply_text(c.res.body);
	CHECK(t && strstr(t, "Let me think step by step."));
	free(t);
	call_release(&c);
	CHECK(fakellm_stat(&srv, "auth", "authorization") >= 2);

	/* synchronous GET */
	struct http_request rq;
	memset(&rq, 0, sizeof rq);
	rq.url = url_models;
	rq.method = HTTP_GET;
	struct http_result res;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(http_fetch(cl, &rq, &res, err), MENTOR_OK);
	CHECK_INT(res.http_code, 200);
	CHECK(res.body && strstr(res.body, "fake-small"));
	http_result_release(&res);

	/* 404 is not retried */
	char u404[160];
	snprintf(u404, sizeof u404, "%s/v1/nothing", srv.base);
	rq.url = u404;
	CHECK_INT(http_fetch(cl, &rq, &res, err), MENTOR_ERR);
	CHECK_INT(res.attempts, 1);
	CHECK_INT(res.http_code, 404);
	CHECK(strstr(err, "HTTP 404"));
	http_result_release(&res);

	/* misuse is refused without a callback */
	rq.url = "ftp://127.0.0.1/x";
	CHECK_INT(http_submit(cl, &rq, NULL, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "only http"));
	rq.url = NULL;
	CHECK_INT(http_submit(cl, &rq, NULL, err), MENTOR_EUSAGE);
	const char *bad_hdr[] = {"no colon here"};
	rq.url = url_models;
	rq.headers = bad_hdr;
	rq.n_headers = 1;
	CHECK_INT(http_submit(cl, &rq, NULL, err), MENTOR_EUSAGE);
	CHECK_INT(http_pending(cl), 0);
	http_client_free(cl);
}

static void test_stream(void)
{
	struct http_client *cl = client(4, 2, 20000);
	struct call plain, st;
	run(cl, &plain, url_chat, "Stream me", 0);
	char *want = reply_text(plain.res.body);
	CHECK(want != NULL);

	/* events arrive while the transfer still runs: the first one is seen
	 * while the request is pending (the server sleeps between chunks) */
	call_init(&st);
	submit(cl, &st, url_chat, "Stream me [[fake:chunk-delay=60]]", 1);
	pthread_mutex_lock(&st.mu);
	while (st.n_events < 2 && !st.done)
		pthread_cond_wait(&st.cond, &st.mu);
	int early_done = st.done;
	pthread_mutex_unlock(&st.mu);
	CHECK_INT(early_done, 0);
	call_wait(&st);
	CHECK_INT(st.res.ok, 1);
	CHECK_INT(st.res.stream_done, 1);
	CHECK_INT(st.res.partial, 0);
	CHECK_INT(st.res.events, st.n_events);
	CHECK(st.n_events > 5);
	/* the streamed text equals the plain text, so the order was kept */
	char *want2 = NULL;
	{
		struct call p2;
		run(cl, &p2, url_chat, "Stream me [[fake:chunk-delay=60]]", 0);
		want2 = reply_text(p2.res.body);
		call_release(&p2);
	}
	CHECK_STR(st.text.data, want2);
	CHECK(strstr(st.res.body, "data: [DONE]") != NULL); /* raw text kept */
	CHECK(strstr(st.res.body, "\"usage\"") != NULL);
	free(want2);
	call_release(&st);

	/* Anthropic events by name, in order */
	run(cl, &st, url_msgs, "Stream me", 1);
	CHECK_INT(st.res.ok, 1);
	CHECK_STR(st.text.data, want);
	const char *ev = st.events.data;
	const char *order[] = {"message_start\x1f",
			       "content_block_start\x1f",
			       "ping\x1f",
			       "content_block_delta\x1f",
			       "content_block_stop\x1f",
			       "message_delta\x1f",
			       "message_stop\x1f"};
	const char *at = ev;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *p = strstr(at, order[i]);
		CHECK_MSG(p != NULL, "event %s missing or out of order", order[i]);
		if (p)
			at = p;
	}
	call_release(&st);

	/* the handler can stop a stream */
	call_init(&st);
	st.stop_after = 2;
	submit(cl, &st, url_chat, "Stop me [[fake:chunk-delay=50]]", 1);
	call_wait(&st);
	CHECK_INT(st.res.ok, 0);
	CHECK_INT(st.res.cancelled, 1);
	CHECK_INT(st.n_events, 2);
	call_release(&st);

	/* a stream with an HTTP error is not parsed as events */
	run(cl, &st, url_chat, "[[fake:status=400]]", 1);
	CHECK_INT(st.res.ok, 0);
	CHECK_INT(st.res.http_code, 400);
	CHECK_INT(st.n_events, 0);
	CHECK_INT(st.res.attempts, 1);
	call_release(&st);

	free(want);
	call_release(&plain);
	http_client_free(cl);
}

static void test_retries(void)
{
	struct http_client *cl = client(4, 3, 20000);
	struct call c;
	fakellm_reset(&srv);

	/* 429 with Retry-After: 1, then OK */
	call_init(&c);
	double t0 = util_mono();
	submit(cl, &c, url_chat, "Limit me [[fake:429-once]]", 0);
	/* until a second has passed since the 429 answer the retry must not
	 * come. t_zero: start of the last probe that saw no 429 yet, so the
	 * answer came later; the check runs only if it ends within 0.95 s. */
	double t_zero = t0;
	for (;;) {
		double t = util_mono();
		if (fakellm_stat(&srv, "status", "429") >= 1 || t - t0 > 10)
			break;
		t_zero = t;
		struct timespec ts = {0, 5000000L};
		nanosleep(&ts, NULL);
	}
	struct timespec half = {0, 400000000L};
	nanosleep(&half, NULL);
	long early = fakellm_stat(&srv, "behaviours", "429-once");
	if (util_mono() - t_zero < 0.95)
		CHECK_INT(early, 1);
	call_wait(&c);
	CHECK_INT(c.res.ok, 1);
	CHECK_INT(c.res.attempts, 2);
	CHECK_INT(c.res.retry_after_seen, 1);
	CHECK_NEAR(c.res.retry_after_s, 1.0, 1e-9);
	CHECK(c.res.latency_ms >= 1000.0);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "429-once"), 2);
	CHECK_INT(fakellm_stat(&srv, "status", "429"), 1);
	call_release(&c);

	/* 500 once, then OK */
	run(cl, &c, url_chat, "Flaky [[fake:500-once]]", 0);
	CHECK_INT(c.res.ok, 1);
	CHECK_INT(c.res.attempts, 2);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "500-once"), 2);
	call_release(&c);

	/* 500 always: fails after max_retries with the status in the message */
	run(cl, &c, url_chat, "Broken [[fake:500]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 4);
	CHECK_INT(c.res.http_code, 500);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "500"), 4);
	CHECK_MSG(strstr(c.res.error, "failed after 4 attempts: HTTP 500"), "%s", c.res.error);
	CHECK(strstr(c.res.error, "/v1/chat/completions"));
	CHECK(strstr(c.res.body, "fake failure"));
	secret_free(c.res.error);
	call_release(&c);

	/* 400 is not retried */
	run(cl, &c, url_chat, "Bad [[fake:status=400]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 1);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "status=400"), 1);
	call_release(&c);

	/* a Retry-After beyond the limit ends the request at once */
	{
		struct http_opts o;
		http_opts_init(&o);
		o.retry_after_max_ms = 2000;
		o.backoff_base_ms = 10;
		char err[MENTOR_ERR_LEN];
		struct http_client *c2 = http_client_new(&o, err);
		run(c2, &c, url_chat, "Wait long [[fake:429]] [[fake:retry-after=3600]]", 0);
		CHECK_INT(c.res.ok, 0);
		CHECK_INT(c.res.attempts, 1);
		CHECK_NEAR(c.res.retry_after_s, 3600.0, 1e-9);
		CHECK_MSG(strstr(c.res.error, "retry after 3600 s"), "%s", c.res.error);
		call_release(&c);
		http_client_free(c2);
	}

	/* the server closes without an answer once: retried (on a new client,
	 * since curl itself retries once when a reused connection dies) */
	{
		struct http_client *c3 = client(1, 2, 20000);
		run(c3, &c, url_chat, "Drop [[fake:close-once]]", 0);
		CHECK_INT(c.res.ok, 1);
		CHECK_INT(c.res.attempts, 2);
		CHECK_INT(fakellm_stat(&srv, "behaviours", "close-once"), 2);
		call_release(&c);
		http_client_free(c3);
	}

	/* delay */
	run(cl, &c, url_chat, "Slow [[fake:delay=300]]", 0);
	CHECK_INT(c.res.ok, 1);
	CHECK(c.res.latency_ms >= 300.0);
	call_release(&c);
	http_client_free(cl);
}

static void test_broken(void)
{
	struct http_client *cl = client(4, 1, 1000);
	struct call c;

	/* malformed JSON is delivered as is */
	run(cl, &c, url_chat, "Garble [[fake:malformed]]", 0);
	CHECK_INT(c.res.ok, 1);
	cJSON *j = cJSON_Parse(c.res.body);
	CHECK(j == NULL);
	cJSON_Delete(j);
	CHECK(c.res.body_len > 0);
	call_release(&c);
	run(cl, &c, url_chat, "Garble [[fake:malformed]]", 1);
	CHECK_INT(c.res.ok, 1);
	CHECK(c.n_events >= 1);
	CHECK_STR(c.text.data, "");
	call_release(&c);

	/* truncated plain body: retried, then a clear error */
	fakellm_reset(&srv);
	run(cl, &c, url_chat, "Cut [[fake:truncate]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 2);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "truncate"), 2);
	CHECK_MSG(strstr(c.res.error, "failed after 2 attempts"), "%s", c.res.error);
	call_release(&c);

	/* truncated stream: what arrived is delivered, no retry, no hang */
	fakellm_reset(&srv);
	run(cl, &c, url_chat, "Cut the stream of a longer reply please [[fake:truncate]]", 1);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.partial, 1);
	CHECK_INT(c.res.stream_done, 0);
	CHECK_INT(c.res.attempts, 1);
	CHECK(c.n_events >= 2);
	CHECK_INT(c.res.events, c.n_events);
	CHECK(strlen(c.text.data) > 0);
	CHECK(strstr(c.res.body, "data:") != NULL);
	CHECK_MSG(strstr(c.res.error, "broke after"), "%s", c.res.error);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "truncate"), 1);
	call_release(&c);

	/* hang: the total timeout ends each attempt */
	fakellm_reset(&srv);
	run(cl, &c, url_chat, "Sleep [[fake:hang]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 2);
	CHECK_INT(c.res.http_code, 0);
	CHECK_MSG(strstr(c.res.error, "timed out"), "%s", c.res.error);
	CHECK_INT(fakellm_stat(&srv, "behaviours", "hang"), 2);
	secret_free(c.res.error);
	call_release(&c);

	/* a stream that hangs before its first event is also ended */
	run(cl, &c, url_chat, "Sleep [[fake:hang]]", 1);
	CHECK_INT(c.res.ok, 0);
	CHECK(strstr(c.res.error, "timed out"));
	call_release(&c);

	/* the stall timeout and the per-request timeout end hangs too */
	{
		struct http_opts o;
		http_opts_init(&o);
		o.max_retries = 0;
		o.stall_timeout_ms = 1000;
		char err[MENTOR_ERR_LEN];
		struct http_client *c2 = http_client_new(&o, err);
		run(c2, &c, url_chat, "Stall [[fake:hang]]", 1);
		CHECK_INT(c.res.ok, 0);
		CHECK_INT(c.res.attempts, 1);
		CHECK_MSG(strstr(c.res.error, "no data received for 1000 ms"), "%s", c.res.error);
		call_release(&c);
		char *body = chat_body("Short [[fake:hang]]", 0);
		struct http_request rq;
		memset(&rq, 0, sizeof rq);
		rq.url = url_chat;
		rq.method = HTTP_POST;
		rq.body = body;
		rq.timeout_ms = 300;
		struct http_result res;
		CHECK_INT(http_fetch(c2, &rq, &res, err), MENTOR_ERR);
		/* curl reports the 300 ms of this request, not the client's default */
		const char *after = strstr(err, "timed out after ");
		long ms = after ? strtol(after + 16, NULL, 10) : -1;
		CHECK_MSG(ms >= 200 && ms < 5000, "%s", err);
		CHECK_STR(err, res.error);
		http_result_release(&res);
		cJSON_free(body);
		http_client_free(c2);
	}

	/* connection refused: retried, then an error */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
	    getsockname(fd, (struct sockaddr *)&a, &al))
		TEST_SETUP_FAIL("cannot find a free port");
	close(fd); /* bound, never listened: nothing accepts there now */
	char dead[200];
	snprintf(dead, sizeof dead,
		 "http://user:hunter2@127.0.0.1:%d/v1/chat/completions?qkey=hunter2",
		 ntohs(a.sin_port));
	run(cl, &c, dead, "anyone?", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 2);
	CHECK_MSG(strstr(c.res.error, "failed after 2 attempts"), "%s", c.res.error);
	CHECK_MSG(strstr(c.res.error, "127.0.0.1"), "%s", c.res.error);
	secret_free(c.res.error);
	call_release(&c);
	http_client_free(cl);
}

static void test_limits(void)
{
	/* body cap, with and without Content-Length */
	struct http_opts o;
	http_opts_init(&o);
	o.max_body = 1000;
	char err[MENTOR_ERR_LEN];
	struct http_client *cl = http_client_new(&o, err);
	struct call c;
	run(cl, &c, url_chat, "Big [[fake:big=5000]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.attempts, 1);
	CHECK_MSG(strstr(c.res.error, "larger than the 1000 byte limit"), "%s", c.res.error);
	call_release(&c);
	run(cl, &c, url_chat, "Big [[fake:big=5000]]", 1);
	CHECK_INT(c.res.ok, 0);
	CHECK(c.res.body_len <= 1000);
	CHECK_MSG(strstr(c.res.error, "larger than the 1000 byte limit"), "%s", c.res.error);
	call_release(&c);
	run(cl, &c, url_chat, "Small is fine", 0);
	CHECK_INT(c.res.ok, 1);
	call_release(&c);
	http_client_free(cl);

	/* the key echoed by the server never reaches the message */
	cl = client(2, 0, 20000);
	run(cl, &c, url_chat, "Who am I [[fake:echo-auth]]", 0);
	CHECK_INT(c.res.ok, 0);
	CHECK_INT(c.res.http_code, 401);
	CHECK(strstr(c.res.body, "sk-SECRET") != NULL); /* the body is the caller's */
	CHECK(strstr(c.res.error, "Incorrect API key provided") != NULL);
	secret_free(c.res.error);
	call_release(&c);
	http_client_free(cl);

	/* rpm: 60 per minute with a burst of 1 is one attempt per second; the
	 * server can never have seen more than 1 + elapsed seconds of them */
	http_opts_init(&o);
	o.rpm = 60;
	o.concurrency = 8;
	cl = http_client_new(&o, err);
	fakellm_reset(&srv);
	double t0 = util_mono();
	struct call cs[6];
	for (int i = 0; i < 6; i++) {
		char text[64];
		snprintf(text, sizeof text, "rpm %d", i);
		call_init(&cs[i]);
		submit(cl, &cs[i], url_chat, text, 0);
	}
	struct timespec ts = {1, 600000000L};
	nanosleep(&ts, NULL);
	long seen = fakellm_stat(&srv, "paths", "/v1/chat/completions");
	double el = util_mono() - t0;
	CHECK_MSG(seen >= 1 && seen <= 1 + (long)el, "seen %ld in %.2f s", seen, el);
	CHECK(http_pending(cl) >= 6 - (size_t)(1 + el));
	http_cancel_all(cl);
	CHECK_INT(http_wait_idle(cl, 20000), MENTOR_OK);
	int cancelled = 0, okc = 0;
	for (int i = 0; i < 6; i++) {
		CHECK_INT(cs[i].done_calls, 1);
		cancelled += cs[i].res.cancelled;
		okc += cs[i].res.ok;
		call_release(&cs[i]);
	}
	CHECK_INT(cancelled + okc, 6);
	CHECK(cancelled >= 3);
	http_client_free(cl);
}

/* The concurrency limit holds at the server. */
static void test_concurrency(void)
{
	struct http_client *cl = client(3, 0, 20000);
	fakellm_reset(&srv);
	struct call cs[10];
	for (int i = 0; i < 10; i++) {
		char text[64];
		snprintf(text, sizeof text, "conc %d [[fake:delay=150]]", i);
		call_init(&cs[i]);
		submit(cl, &cs[i], url_chat, text, i % 2);
	}
	CHECK_INT(http_wait_idle(cl, 60000), MENTOR_OK);
	for (int i = 0; i < 10; i++) {
		CHECK_INT(cs[i].res.ok, 1);
		call_release(&cs[i]);
	}
	long most = fakellm_stat(&srv, NULL, "inflight_max");
	CHECK_MSG(most >= 1 && most <= 3, "inflight_max %ld", most);
	http_client_free(cl);
}

static void test_cancel(void)
{
	/* a batch of hanging and queued requests, cancelled: every on_done
	 * runs with cancelled = 1 long before the 60 s timeout */
	struct http_client *cl = client(4, 4, 60000);
	struct call cs[12];
	uint64_t ids[12];
	for (int i = 0; i < 12; i++) {
		char text[64];
		snprintf(text, sizeof text, "batch %d [[fake:hang]]", i);
		call_init(&cs[i]);
		ids[i] = submit(cl, &cs[i], url_chat, text, i % 2);
	}
	CHECK_INT(http_wait_idle(cl, 200), MENTOR_ERR);
	CHECK_INT(http_pending(cl), 12);
	/* one alone first */
	CHECK_INT(http_cancel(cl, ids[5]), MENTOR_OK);
	call_wait(&cs[5]);
	CHECK_INT(cs[5].res.cancelled, 1);
	/* the request is forgotten just after its on_done returns */
	for (int i = 0; i < 1000 && http_pending(cl) > 11; i++) {
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	CHECK_INT(http_pending(cl), 11);
	CHECK_INT(http_cancel(cl, ids[5]), MENTOR_ENOTFOUND);
	http_cancel_all(cl);
	CHECK_INT(http_wait_idle(cl, 30000), MENTOR_OK);
	for (int i = 0; i < 12; i++) {
		CHECK_INT(cs[i].done_calls, 1);
		CHECK_INT(cs[i].res.cancelled, 1);
		CHECK_INT(cs[i].res.ok, 0);
		CHECK(strstr(cs[i].res.error, "cancelled") != NULL);
		CHECK(cs[i].res.latency_ms < 30000);
		call_release(&cs[i]);
	}
	CHECK_INT(http_pending(cl), 0);
	/* the client is still usable after a cancel */
	struct call c;
	run(cl, &c, url_chat, "after cancel", 0);
	CHECK_INT(c.res.ok, 1);
	call_release(&c);

	/* freeing the client with work in flight cancels it and returns */
	struct call late[5];
	for (int i = 0; i < 5; i++) {
		call_init(&late[i]);
		submit(cl, &late[i], url_chat, "[[fake:hang]]", 0);
	}
	http_client_free(cl);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(late[i].done_calls, 1);
		CHECK_INT(late[i].res.cancelled, 1);
		call_release(&late[i]);
	}
}

/* Many concurrent requests, each text distinct, all answered exactly once. */
static void test_many(void)
{
	struct http_client *cl = client(16, 2, 20000);
	fakellm_reset(&srv);
	enum { N = 60 };
	struct call *cs = calloc(N, sizeof *cs);
	for (int i = 0; i < N; i++) {
		char text[64];
		snprintf(text, sizeof text, "many %d%s", i, i % 3 ? "" : " [[fake:500-once]]");
		call_init(&cs[i]);
		submit(cl, &cs[i], i % 2 ? url_chat : url_msgs, text, i % 4 == 1);
	}
	CHECK_INT(http_wait_idle(cl, 60000), MENTOR_OK);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		ok += cs[i].res.ok;
		CHECK_INT(cs[i].done_calls, 1);
		CHECK_INT(cs[i].res.attempts, i % 3 ? 1 : 2);
		call_release(&cs[i]);
	}
	CHECK_INT(ok, N);
	CHECK_INT(fakellm_stat(&srv, "status", "200"), N);
	CHECK(fakellm_stat(&srv, NULL, "inflight_max") <= 16);
	free(cs);
	http_client_free(cl);
}

int main(int argc, char **argv)
{
	const char *exe = argc > 1 ? argv[1] : fakellm_path();
	if (!exe)
		TEST_SKIP("no fakellm (set MENTOR_FAKELLM)");
	if (fakellm_start(&srv, exe, NULL))
		TEST_SETUP_FAIL("cannot start %s", exe);
	snprintf(url_chat, sizeof url_chat, "%s/v1/chat/completions", srv.base);
	snprintf(url_msgs, sizeof url_msgs, "%s/v1/messages", srv.base);
	snprintf(url_models, sizeof url_models, "%s/v1/models", srv.base);

	test_plain();
	test_stream();
	test_retries();
	test_broken();
	test_limits();
	test_concurrency();
	test_cancel();
	test_many();

	CHECK_INT(fakellm_stop(&srv), 0);
	return test_done();
}
