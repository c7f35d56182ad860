/* test_serve: `mentor serve` over real sockets on 127.0.0.1 answers exactly
 * as `mentor predict` does (chat and completions, streamed and not), refuses
 * bad requests with the right status and a JSON error, survives clients that
 * hang up, keeps connections alive, cannot be starved by slow clients (they
 * get 408 at their deadline; past the connection limit 503 with Retry-After,
 * /health still answered), checks a bearer key, refuses a non-loopback
 * address without one, and stops cleanly on SIGTERM. Waits are bounded; no
 * check is on a latency. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "mentor/export.h"
#include "mentor/modelio.h"
#include "mentor/serve.h"
#include "modelio_fixture.h"
#include "run.h"

static const char *bin;
static const char *db;
static int port;

static char *run_capture(const char *cmd)
{
	int st;
	char *s = run_popen(cmd, &st);
	if (st != 0)
		TEST_SETUP_FAIL("'%s' failed (%d): %s", cmd, st, s);
	return s;
}

static char *cleaned(const char *s)
{
	if (!s)
		return NULL;
	struct buf b;
	buf_init(&b);
	export_clean_utf8(&b, s);
	char *r = buf_detach(&b, NULL);
	return r ? r : strdup("");
}

/* `mentor predict stu QUESTION --json [EXTRA]` as a cJSON object. */
static cJSON *predict_with(const char *question, const char *extra)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' predict stu '%s' --json %s", bin, db, question,
		 extra);
	char *out = run_capture(cmd);
	cJSON *j = cJSON_Parse(out);
	if (!j)
		TEST_SETUP_FAIL("predict printed no JSON: %s", out);
	free(out);
	return j;
}

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A connection to the server on port; reads give up after 30 s (a bound
 * against hanging, not a check). */
static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		TEST_SETUP_FAIL("connect: %s", strerror(errno));
	struct timeval tv = {30, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Send raw bytes, read the whole response until the server closes. */
static char *exchange(const char *req, size_t n, int *status)
{
	int fd = dial();
	size_t off = 0;
	while (off < n) {
		ssize_t k = send(fd, req + off, n - off, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* the server may answer and close early (413) */
		off += (size_t)k;
	}
	shutdown(fd, SHUT_WR);
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	ssize_t k;
	while ((k = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_append(&b, chunk, (size_t)k);
	close(fd);
	*status = 0;
	if (b.data && !strncmp(b.data, "HTTP/1.1 ", 9))
		*status = (int)strtol(b.data + 9, NULL, 10);
	char *s = buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static char *post(const char *path, const char *body, int *status)
{
	struct buf r;
	buf_init(&r);
	buf_printf(&r,
		   "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		   "Content-Length: %zu\r\n\r\n%s",
		   path, strlen(body), body);
	char *s = exchange(r.data, r.len, status);
	buf_release(&r);
	return s;
}

static const char *body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");
	return p ? p + 4 : "";
}

/* The JSON error of a refused request: status and an error object. */
static void check_refused(const char *resp, int status, int want)
{
	CHECK_INT(status, want);
	cJSON *j = cJSON_Parse(body_of(resp));
	CHECK_MSG(j && cJSON_IsObject(cJSON_GetObjectItem(j, "error")), "%s", resp);
	cJSON_Delete(j);
}

static cJSON *predict(const char *question)
{
	return predict_with(question, "");
}

static void check_mentor_fields(const cJSON *m, const cJSON *pred)
{
	const char *keys[] = {"answer", "raw", "explanation", "explanation_answer"};
	for (int i = 0; i < 4; i++) {
		const cJSON *a = cJSON_GetObjectItem(m, keys[i]);
		const cJSON *b = cJSON_GetObjectItem(pred, keys[i]);
		if (cJSON_IsNull(b)) {
			CHECK_MSG(cJSON_IsNull(a), "%s", keys[i]);
			continue;
		}
		char *want = cleaned(cJSON_GetStringValue(b));
		CHECK_MSG(cJSON_IsString(a) && want && !strcmp(a->valuestring, want), "%s",
			  keys[i]);
		free(want);
	}
}

static char *expected_text(const cJSON *pred)
{
	const cJSON *a = cJSON_GetObjectItem(pred, "answer");
	if (cJSON_IsNull(a))
		a = cJSON_GetObjectItem(pred, "raw");
	return cleaned(cJSON_GetStringValue(a));
}

static void check_answers(const char *question)
{
	cJSON *pred = predict(question);
	char *want = expected_text(pred);
	CHECK(want != NULL);
	int status;
	/* chat, not streamed */
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "model", "stu");
	cJSON *msgs = cJSON_AddArrayToObject(req, "messages");
	cJSON *sys = cJSON_CreateObject();
	cJSON_AddStringToObject(sys, "role", "system");
	cJSON_AddStringToObject(sys, "content", "be brief");
	cJSON_AddItemToArray(msgs, sys);
	cJSON *user = cJSON_CreateObject();
	cJSON_AddStringToObject(user, "role", "user");
	cJSON_AddStringToObject(user, "content", question);
	cJSON_AddItemToArray(msgs, user);
	char *body = cJSON_PrintUnformatted(req);
	char *resp = post("/v1/chat/completions", body, &status);
	CHECK_INT(status, 200);
	CHECK(strstr(resp, "Content-Type: application/json") != NULL);
	cJSON *j = cJSON_Parse(body_of(resp));
	CHECK_MSG(j != NULL, "%s", resp);
	const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	const char *content = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(c0, "message"), "content"));
	CHECK(content && want && !strcmp(content, want));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "object")), "chat.completion");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "finish_reason")), "stop");
	const cJSON *u = cJSON_GetObjectItem(j, "usage");
	double pt = cJSON_GetNumberValue(cJSON_GetObjectItem(u, "prompt_tokens"));
	double ct = cJSON_GetNumberValue(cJSON_GetObjectItem(u, "completion_tokens"));
	CHECK(pt >= 3 && ct >= 0);
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(u, "total_tokens")), pt + ct);
	check_mentor_fields(cJSON_GetObjectItem(j, "mentor"), pred);
	cJSON_Delete(j);
	free(resp);
	free(body);
	/* chat, streamed: the deltas add up to the same text, then [DONE] */
	cJSON_AddTrueToObject(req, "stream");
	body = cJSON_PrintUnformatted(req);
	resp = post("/v1/chat/completions", body, &status);
	CHECK_INT(status, 200);
	CHECK(strstr(resp, "Content-Type: text/event-stream") != NULL);
	struct buf acc;
	buf_init(&acc);
	int events = 0, done = 0, stop = 0;
	const char *p = body_of(resp);
	while ((p = strstr(p, "data: ")) != NULL) {
		p += 6;
		const char *e = strstr(p, "\n\n");
		CHECK(e != NULL);
		if (!e)
			break;
		if (!strncmp(p, "[DONE]", 6)) {
			done = 1;
			CHECK(e[2] == 0); /* nothing after [DONE] */
			break;
		}
		cJSON *ev = cJSON_ParseWithLength(p, (size_t)(e - p));
		CHECK(ev != NULL);
		events++;
		const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "choices"), 0);
		const char *piece = cJSON_GetStringValue(
			cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "delta"), "content"));
		if (piece)
			buf_puts(&acc, piece);
		if (cJSON_IsString(cJSON_GetObjectItem(ch, "finish_reason"))) {
			stop = 1;
			check_mentor_fields(cJSON_GetObjectItem(ev, "mentor"), pred);
			CHECK(cJSON_IsObject(cJSON_GetObjectItem(ev, "usage")));
		}
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "object")),
			  "chat.completion.chunk");
		cJSON_Delete(ev);
		p = e;
	}
	CHECK(done && stop && events >= 2);
	CHECK(want && !strcmp(acc.data ? acc.data : "", want));
	buf_release(&acc);
	free(resp);
	free(body);
	cJSON_Delete(req);
	/* completions, both ways */
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "prompt", question);
	body = cJSON_PrintUnformatted(req);
	resp = post("/v1/completions", body, &status);
	CHECK_INT(status, 200);
	j = cJSON_Parse(body_of(resp));
	c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CHECK(want && cJSON_GetStringValue(cJSON_GetObjectItem(c0, "text")) &&
	      !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "text")), want));
	check_mentor_fields(cJSON_GetObjectItem(j, "mentor"), pred);
	cJSON_Delete(j);
	free(resp);
	free(body);
	cJSON_AddTrueToObject(req, "stream");
	body = cJSON_PrintUnformatted(req);
	resp = post("/v1/completions", body, &status);
	CHECK_INT(status, 200);
	buf_init(&acc);
	p = body_of(resp);
	done = 0;
	while ((p = strstr(p, "data: ")) != NULL) {
		p += 6;
		const char *e = strstr(p, "\n\n");
		if (!e)
			break;
		if (!strncmp(p, "[DONE]", 6)) {
			done = 1;
			break;
		}
		cJSON *ev = cJSON_ParseWithLength(p, (size_t)(e - p));
		const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "choices"), 0);
		const char *piece = cJSON_GetStringValue(cJSON_GetObjectItem(ch, "text"));
		if (piece)
			buf_puts(&acc, piece);
		cJSON_Delete(ev);
		p = e;
	}
	CHECK(done);
	CHECK(want && !strcmp(acc.data ? acc.data : "", want));
	buf_release(&acc);
	free(resp);
	free(body);
	cJSON_Delete(req);
	free(want);
	cJSON_Delete(pred);
}

/* predict's --choices and --type through the "mentor" request object. */
static void check_choices(void)
{
	const char *choices = "[{\"label\":\"A\",\"text\":\"seven\"},"
			      "{\"label\":\"B\",\"text\":\"eight\"}]";
	char extra[512];
	snprintf(extra, sizeof extra, "--choices '%s' --type mc", choices);
	cJSON *pred = predict_with("Which is 3 + 4?", extra);
	char *want = expected_text(pred);
	struct buf body;
	buf_init(&body);
	buf_printf(&body,
		   "{\"prompt\":\"Which is 3 + 4?\",\"mentor\":{\"choices\":%s,\"type\":\"mc\"}}",
		   choices);
	int status;
	char *r = post("/v1/completions", body.data, &status);
	CHECK_INT(status, 200);
	cJSON *j = cJSON_Parse(body_of(r));
	const char *text = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0),
				    "text"));
	CHECK(text && want && !strcmp(text, want));
	check_mentor_fields(cJSON_GetObjectItem(j, "mentor"), pred);
	cJSON_Delete(j);
	free(r);
	buf_release(&body);
	free(want);
	cJSON_Delete(pred);
	const char *bad[] = {
		"{\"prompt\":\"x\",\"mentor\":{\"type\":\"weird\"}}",
		"{\"prompt\":\"x\",\"mentor\":{\"choices\":5}}",
		"{\"prompt\":\"x\",\"mentor\":{\"choices\":[1,2]}}",
		"{\"prompt\":\"x\",\"mentor\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = post("/v1/completions", bad[i], &status);
		check_refused(r, status, 400);
		free(r);
	}
}

/* Several clients at once: every answer is whole and the same. */
static const char *par_body = "{\"prompt\":\"What is 12 + 30?\"}";

static void *par_client(void *arg)
{
	int *ok = arg;
	char *first = NULL;
	*ok = 1;
	for (int i = 0; i < 4; i++) {
		int status;
		char *r = post("/v1/completions", par_body, &status);
		cJSON *j = cJSON_Parse(body_of(r));
		const char *text = cJSON_GetStringValue(
			cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"),
							       0),
					    "text"));
		if (status != 200 || !text)
			*ok = 0;
		else if (!first)
			first = strdup(text);
		else if (strcmp(first, text))
			*ok = 0;
		cJSON_Delete(j);
		free(r);
	}
	free(first);
	return NULL;
}

static void check_parallel(void)
{
	pthread_t th[6];
	int ok[6];
	for (int i = 0; i < 6; i++)
		if (pthread_create(&th[i], NULL, par_client, &ok[i]) != 0)
			TEST_SETUP_FAIL("pthread_create");
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK(ok[i]);
	}
}

static void check_bad_requests(void)
{
	int status;
	char *r;
	r = post("/v1/chat/completions", "{not json", &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/chat/completions", "[1,2,3]", &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
		 &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/chat/completions", "{\"messages\":\"hi\"}", &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/completions", "{\"prompt\":42}", &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/completions", "{\"prompt\":\"x\",\"stream\":\"yes\"}", &status);
	check_refused(r, status, 400);
	free(r);
	r = post("/v1/nothing", "{}", &status);
	check_refused(r, status, 404);
	free(r);
	const char *get_chat = "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n";
	r = exchange(get_chat, strlen(get_chat), &status);
	check_refused(r, status, 405);
	CHECK(strstr(r, "Allow: POST") != NULL);
	free(r);
	const char *big = "POST /v1/completions HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n{";
	r = exchange(big, strlen(big), &status);
	check_refused(r, status, 413);
	free(r);
	const char *nolen = "POST /v1/completions HTTP/1.1\r\nHost: x\r\n\r\n";
	r = exchange(nolen, strlen(nolen), &status);
	check_refused(r, status, 411);
	free(r);
	const char *chunked = "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "2\r\n{}\r\n0\r\n\r\n";
	r = exchange(chunked, strlen(chunked), &status);
	check_refused(r, status, 411);
	free(r);
	const char *badlen = "POST /v1/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n";
	r = exchange(badlen, strlen(badlen), &status);
	check_refused(r, status, 400);
	free(r);
	const char *garbage = "\x01\x02\x03 hello\r\n\r\n";
	r = exchange(garbage, strlen(garbage), &status);
	check_refused(r, status, 400);
	free(r);
	/* a head larger than the cap */
	struct buf h;
	buf_init(&h);
	buf_puts(&h, "GET /v1/models HTTP/1.1\r\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&h, "X-Pad-%d: aaaaaaaaaaaaaaaaaaaa\r\n", i);
	buf_puts(&h, "\r\n");
	r = exchange(h.data, h.len, &status);
	check_refused(r, status, 431);
	free(r);
	buf_release(&h);
	/* a body shorter than announced, then the client hangs up */
	const char *shortb = "POST /v1/completions HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"pro";
	r = exchange(shortb, strlen(shortb), &status);
	check_refused(r, status, 408);
	free(r);
	/* connect and hang up at once, and a partial head */
	r = exchange("", 0, &status);
	CHECK_INT(status, 0);
	free(r);
	r = exchange("GET /v1/mo", 10, &status);
	free(r);
	/* still serving */
	const char *models = "GET /v1/models?x=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	r = exchange(models, strlen(models), &status);
	CHECK_INT(status, 200);
	cJSON *j = cJSON_Parse(body_of(r));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "object")), "list");
	CHECK_STR(cJSON_GetStringValue(
			  cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0),
					      "id")),
		  "stu");
	cJSON_Delete(j);
	free(r);
	/* Expect: 100-continue gets its interim response before the answer */
	const char *body = "{\"prompt\":\"What is 1 + 1?\"}";
	struct buf e;
	buf_init(&e);
	buf_printf(&e,
		   "POST /v1/completions HTTP/1.1\r\nExpect: 100-continue\r\n"
		   "Content-Length: %zu\r\n\r\n%s",
		   strlen(body), body);
	r = exchange(e.data, e.len, &status);
	CHECK(strstr(r, "HTTP/1.1 200 OK") != NULL);
	free(r);
	buf_release(&e);
}

/* ------------------------------------------------------------ connections */

static void send_str(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t k = send(fd, s + off, n - off, MSG_NOSIGNAL);
		if (k <= 0)
			return; /* the server may have answered and closed */
		off += (size_t)k;
	}
}

/* Read exactly one response from fd (its head byte by byte, then
 * Content-Length bytes, or to EOF when there is none): a heap string, or
 * NULL when the connection ended (or 30 s passed) before a byte. */
static char *read_response(int fd, int *status)
{
	struct buf b;
	buf_init(&b);
	*status = 0;
	char ch;
	while (!b.data || b.len < 4 || memcmp(b.data + b.len - 4, "\r\n\r\n", 4)) {
		if (recv(fd, &ch, 1, 0) != 1)
			break;
		buf_putc(&b, ch);
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	if (!strncmp(b.data, "HTTP/1.1 ", 9))
		*status = (int)strtol(b.data + 9, NULL, 10);
	const char *cl = strstr(b.data, "Content-Length: ");
	long want = cl ? strtol(cl + 16, NULL, 10) : -1;
	char chunk[4096];
	size_t head = b.len;
	while (want < 0 || b.len - head < (size_t)want) {
		size_t ask = want < 0 ? sizeof chunk : (size_t)want - (b.len - head);
		ssize_t k = recv(fd, chunk, ask < sizeof chunk ? ask : sizeof chunk, 0);
		if (k <= 0)
			break;
		buf_append(&b, chunk, (size_t)k);
	}
	return buf_detach(&b, NULL);
}

/* 1 if the server closed fd without sending anything more. */
static int closed_quietly(int fd)
{
	char ch;
	return recv(fd, &ch, 1, 0) == 0;
}

/* One request on a connection of its own, the whole answer. */
static char *ask(const char *req, int *status)
{
	return exchange(req, strlen(req), status);
}

/* ------------------------------------------------------------ servers */

struct proc {
	pid_t pid;
	int port;
	char out[512], err[512];
};

/* Start `mentor serve stu --port 0 EXTRA...` with stdout and stderr to files
 * named after tag; returns once it listens. */
static void proc_start(struct proc *p, const char *tag, const char *const *extra)
{
	const char *args[32] = {"serve", "stu", "--port", "0"};
	int n = 4;
	for (int i = 0; extra[i] && n < 31; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	snprintf(p->out, sizeof p->out, "%s/%s.out", test_tmpdir(), tag);
	snprintf(p->err, sizeof p->err, "%s/%s.err", test_tmpdir(), tag);
	p->pid = run_spawn(bin, db, args, p->out, p->err);
	for (int i = 0; i < 600; i++) {
		char *o = run_slurp(p->out);
		const char *l = strstr(o, "listening on http://127.0.0.1:");
		if (l) {
			p->port = (int)strtol(l + 30, NULL, 10);
			free(o);
			return;
		}
		free(o);
		nap_ms(50);
	}
	char *e = run_slurp(p->err);
	TEST_SETUP_FAIL("the server '%s' did not start: %s", tag, e);
}

static void proc_stop(struct proc *p)
{
	kill(p->pid, SIGTERM);
	CHECK_INT(run_wait(p->pid), 0);
}

/* ------------------------------------------------------------ keep-alive */

/* Send req on fd (if not NULL), read one response: its status must be want
 * and it must hold needle (if not NULL). */
static void expect_on(int fd, const char *req, int want, const char *needle)
{
	int status;
	if (req)
		send_str(fd, req);
	char *r = read_response(fd, &status);
	CHECK_MSG(status == want && r && (!needle || strstr(r, needle)), "'%s': %d, %s", req,
		  status, r ? r : "nothing");
	free(r);
}

static void check_keepalive(void)
{
	int fd = dial();
	expect_on(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Connection: keep-alive");
	/* a completion on the same connection */
	const char *body = "{\"prompt\":\"What is 3 + 4?\"}";
	char req[512];
	snprintf(req, sizeof req, "POST /v1/completions HTTP/1.1\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	expect_on(fd, req, 200, "\"text_completion\"");
	/* two requests in one write: two answers, in order */
	expect_on(fd, "GET /health HTTP/1.1\r\n\r\nGET /v1/models HTTP/1.1\r\n\r\n", 200, "\"ok\"");
	expect_on(fd, NULL, 200, "\"list\"");
	/* Connection: close is honoured */
	expect_on(fd, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", 200,
		  "Connection: close");
	CHECK(closed_quietly(fd));
	close(fd);
	/* HTTP/1.0 closes unless asked to keep the connection */
	fd = dial();
	expect_on(fd, "GET /health HTTP/1.0\r\n\r\n", 200, NULL);
	CHECK(closed_quietly(fd));
	close(fd);
	fd = dial();
	expect_on(fd, "GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 200, NULL);
	expect_on(fd, "GET /v1/models HTTP/1.0\r\n\r\n", 200, NULL);
	close(fd);
}

/* ------------------------------------------------------------ head limit */

/* A head of exactly len bytes before its blank line. */
static char *head_of(size_t len)
{
	const char *start = "GET /health HTTP/1.1\r\nX-Pad: ";
	size_t sl = strlen(start);
	char *h = malloc(len + 5);
	memcpy(h, start, sl);
	memset(h + sl, 'a', len - sl);
	memcpy(h + len, "\r\n\r\n", 5);
	return h;
}

static void check_head_limit(void)
{
	int status;
	char *h = head_of(SERVE_MAX_HEAD);
	char *r = ask(h, &status);
	CHECK_INT(status, 200);
	free(r);
	free(h);
	h = head_of(SERVE_MAX_HEAD + 1);
	r = ask(h, &status);
	check_refused(r, status, 431);
	free(r);
	free(h);
	/* 20 KiB in one write, then in many small ones */
	h = head_of(20 << 10);
	r = ask(h, &status);
	check_refused(r, status, 431);
	free(r);
	int fd = dial();
	size_t n = strlen(h);
	for (size_t off = 0; off < n; off += 500) {
		size_t k = n - off < 500 ? n - off : 500;
		if (send(fd, h + off, k, MSG_NOSIGNAL) != (ssize_t)k)
			break; /* refused and closed already */
		nap_ms(1);
	}
	r = read_response(fd, &status);
	CHECK_MSG(r != NULL, "no answer to a head sent in pieces");
	if (r)
		check_refused(r, status, 431);
	free(r);
	close(fd);
	free(h);
}

/* ------------------------------------------------------------ slow clients */

#define N_SLOW 64

struct trickle {
	int fds[N_SLOW];
	atomic_int stop;
};

/* One more header byte to every slow client every 100 ms. */
static void *trickle_main(void *arg)
{
	struct trickle *t = arg;
	while (!atomic_load(&t->stop)) {
		for (int i = 0; i < N_SLOW; i++)
			send(t->fds[i], "a", 1, MSG_NOSIGNAL);
		nap_ms(100);
	}
	return NULL;
}

/* 64 clients trickling their heads hold connections; health checks and a
 * completion are answered meanwhile, and the slow requests are still open
 * (and served once whole) afterwards. */
static void check_slow_clients(void)
{
	struct trickle t;
	atomic_init(&t.stop, 0);
	for (int i = 0; i < N_SLOW; i++) {
		t.fds[i] = dial();
		send_str(t.fds[i], "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ");
	}
	pthread_t th;
	if (pthread_create(&th, NULL, trickle_main, &t) != 0)
		TEST_SETUP_FAIL("pthread_create");
	int status;
	for (int round = 0; round < 5; round++) {
		char *r = ask("GET /health HTTP/1.1\r\n\r\n", &status);
		CHECK_INT(status, 200);
		free(r);
	}
	char *r = post("/v1/completions", "{\"prompt\":\"What is 12 + 30?\"}", &status);
	CHECK_INT(status, 200);
	free(r);
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	int open = 0;
	for (int i = 0; i < N_SLOW; i++) {
		struct pollfd pf = {t.fds[i], POLLIN, 0};
		open += poll(&pf, 1, 0) == 0;
	}
	CHECK_INT(open, N_SLOW);
	for (int i = 0; i < N_SLOW; i++) {
		expect_on(t.fds[i], "\r\n\r\n", 200, "\"list\"");
		close(t.fds[i]);
	}
}

/* ------------------------------------------------------------ limits */

#define LIMIT_CONNS 4
static const char *key_b = "flag-key-0123456789";

static char *ask_models(const char *key, int *status)
{
	char req[256];
	snprintf(req, sizeof req, "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n",
		 key);
	return ask(req, status);
}

/* Past --max-conns: a client gets 503 with Retry-After (not a reset), /health
 * is still answered, and past the reserve too 503 at once. */
static void check_limits(void)
{
	int status;
	char *r = ask("GET /v1/models HTTP/1.1\r\n\r\n", &status);
	check_refused(r, status, 401);
	free(r);
	r = ask_models(key_b, &status);
	CHECK_INT(status, 200);
	free(r);
	int held[LIMIT_CONNS + SERVE_HEALTH_RESERVE];
	for (int i = 0; i < LIMIT_CONNS; i++) {
		held[i] = dial();
		send_str(held[i], "GET /v1/models HTTP/1.1\r\n");
	}
	r = ask_models(key_b, &status);
	check_refused(r, status, 503);
	CHECK(strstr(r, "\r\nRetry-After: ") != NULL);
	free(r);
	r = ask("GET /health HTTP/1.1\r\n\r\n", &status);
	CHECK_INT(status, 200);
	free(r);
	for (int i = LIMIT_CONNS; i < LIMIT_CONNS + SERVE_HEALTH_RESERVE; i++) {
		held[i] = dial();
		send_str(held[i], "GET /health HTTP/1.1\r\n");
	}
	r = ask("GET /health HTTP/1.1\r\n\r\n", &status);
	check_refused(r, status, 503);
	CHECK(strstr(r, "\r\nRetry-After: ") != NULL);
	free(r);
	for (int i = 0; i < LIMIT_CONNS + SERVE_HEALTH_RESERVE; i++)
		close(held[i]);
	/* the server notices the closes in its own time */
	for (int i = 0; i < 200; i++) {
		r = ask_models(key_b, &status);
		free(r);
		if (status == 200)
			break;
		nap_ms(50);
	}
	CHECK_INT(status, 200);
}

/* ------------------------------------------------------------ deadlines */

/* With --header-timeout 1: a head trickled a byte at a time never completes
 * gets 408, however steady the trickle; so does a slow body; an idle
 * keep-alive connection and a silent one are closed without a word. */
static void check_deadlines(const char *key)
{
	int status;
	int fd = dial();
	send_str(fd, "GET /health HTTP/1.1\r\nX-Slow: ");
	int answered = 0;
	for (int i = 0; i < 300 && !answered; i++) {
		send(fd, "a", 1, MSG_NOSIGNAL);
		struct pollfd pf = {fd, POLLIN, 0};
		answered = poll(&pf, 1, 100) > 0;
	}
	CHECK(answered);
	char *r = read_response(fd, &status);
	CHECK_MSG(r != NULL, "no answer to a slow head");
	if (r)
		check_refused(r, status, 408);
	free(r);
	close(fd);
	fd = dial();
	char req[256];
	snprintf(req, sizeof req,
		 "POST /v1/completions HTTP/1.1\r\nAuthorization: Bearer %s\r\n"
		 "Content-Length: 100\r\n\r\n{\"pro",
		 key);
	send_str(fd, req);
	r = read_response(fd, &status);
	CHECK_MSG(r != NULL, "no answer to a slow body");
	if (r)
		check_refused(r, status, 408);
	free(r);
	close(fd);
	fd = dial();
	expect_on(fd, "GET /health HTTP/1.1\r\n\r\n", 200, NULL);
	CHECK(closed_quietly(fd));
	close(fd);
	fd = dial();
	CHECK(closed_quietly(fd));
	close(fd);
}

/* ------------------------------------------------------------ the key */

static void check_key(const char *key)
{
	int status;
	char *r = ask("GET /health HTTP/1.1\r\n\r\n", &status);
	CHECK_INT(status, 200);
	free(r);
	r = ask("GET /v1/models HTTP/1.1\r\n\r\n", &status);
	check_refused(r, status, 401);
	CHECK(strstr(r, "WWW-Authenticate: Bearer") != NULL);
	free(r);
	size_t kl = strlen(key);
	char wrong[128];
	const char *bad[6];
	char b0[256], b1[256], b2[256], b3[256], b4[768];
	snprintf(wrong, sizeof wrong, "%.*s%c", (int)kl - 1, key, key[kl - 1] ^ 1);
	snprintf(b0, sizeof b0, "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n",
		 wrong);
	snprintf(b1, sizeof b1, "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %.*s\r\n\r\n",
		 (int)kl - 1, key);
	snprintf(b2, sizeof b2, "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %sx\r\n\r\n",
		 key);
	snprintf(b3, sizeof b3,
		 "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %s\r\n"
		 "Authorization: Bearer %s\r\n\r\n",
		 key, key);
	int n = snprintf(b4, sizeof b4, "GET /v1/models HTTP/1.1\r\nAuthorization: Bearer %s", key);
	memset(b4 + n, 'x', 600);
	memcpy(b4 + n + 600, "\r\n\r\n", 5);
	bad[0] = b0;
	bad[1] = b1;
	bad[2] = b2;
	bad[3] = b3;
	bad[4] = b4;
	bad[5] = "GET /v1/models HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n";
	for (int i = 0; i < 6; i++) {
		r = ask(bad[i], &status);
		CHECK_MSG(status == 401, "case %d: %d", i, status);
		free(r);
	}
	char ok[256];
	snprintf(ok, sizeof ok, "GET /v1/models HTTP/1.1\r\nauthorization: bearer %s\r\n\r\n", key);
	r = ask(ok, &status);
	CHECK_INT(status, 200);
	free(r);
	const char *body = "{\"prompt\":\"What is 3 + 4?\"}";
	char req[512];
	snprintf(req, sizeof req,
		 "POST /v1/completions HTTP/1.1\r\nAuthorization: Bearer %s\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 key, strlen(body), body);
	r = ask(req, &status);
	CHECK_INT(status, 200);
	free(r);
}

/* A non-loopback address without a key is refused before anything listens;
 * --insecure-no-auth lets it through with a warning. */
static void check_exposure(void)
{
	char cmd[2048];
	int st;
	snprintf(cmd, sizeof cmd,
		 "env -u " SERVE_KEY_ENV " timeout 20 '%s' --db '%s' serve stu --host 0.0.0.0 "
		 "--port 0 2>&1",
		 bin, db);
	char *o = run_popen(cmd, &st);
	CHECK_INT(st, 2);
	CHECK_MSG(strstr(o, "refusing to serve on '0.0.0.0' without an API key") &&
			  strstr(o, "--insecure-no-auth"),
		  "%s", o);
	free(o);
	snprintf(cmd, sizeof cmd,
		 "env -u " SERVE_KEY_ENV " timeout 20 '%s' --db '%s' serve stu --host 10.1.2.3 "
		 "--port 0 2>&1",
		 bin, db);
	o = run_popen(cmd, &st);
	CHECK_INT(st, 2);
	CHECK(strstr(o, "refusing to serve on '10.1.2.3'") != NULL);
	free(o);
	/* 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails
	 * after the warning, so nothing listens beyond loopback */
	snprintf(cmd, sizeof cmd,
		 "env -u " SERVE_KEY_ENV " timeout 20 '%s' --db '%s' serve stu --host 192.0.2.1 "
		 "--port 0 --insecure-no-auth 2>&1",
		 bin, db);
	o = run_popen(cmd, &st);
	CHECK_INT(st, 1);
	CHECK_MSG(strstr(o, "WARNING: serving on 192.0.2.1 WITHOUT AUTHENTICATION") &&
			  strstr(o, "cannot listen on 192.0.2.1"),
		  "%s", o);
	free(o);
	const char *bad[] = {"--api-key ''", "--header-timeout 0", "--idle-timeout x",
			     "--max-conns 0", "--api-key"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(cmd, sizeof cmd, "timeout 20 '%s' --db '%s' serve stu --port 0 %s 2>&1",
			 bin, db, bad[i]);
		o = run_popen(cmd, &st);
		CHECK_MSG(st == 2, "%s: %d %s", bad[i], st, o);
		free(o);
	}
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	if (!bin)
		TEST_SKIP("MENTOR_BIN not set");
	db = strdup(test_path("w.db"));
	char cmd[2048];
	fixture_gguf(test_path("ckpt.bin"), test_path("m.gguf"));
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' import-model '%s' --name stu >/dev/null", bin, db,
		 test_path("m.gguf"));
	if (system(cmd) != 0)
		TEST_SETUP_FAIL("%s", cmd);
	unsetenv(SERVE_KEY_ENV);

	/* long deadlines: nothing here is cut short by time */
	struct proc a;
	const char *a_args[] = {"--quiet", "--header-timeout", "120", "--idle-timeout", "120",
				NULL};
	proc_start(&a, "a", a_args);
	port = a.port;
	CHECK(port > 0);

	/* a client that connects, sends half a head and waits delays nobody:
	 * the next request is answered while it is still open and unanswered */
	int idle = dial();
	send(idle, "GET /v1/mo", 10, MSG_NOSIGNAL);
	check_answers("What is 3 + 4?");
	struct pollfd pf = {idle, POLLIN, 0};
	CHECK_MSG(poll(&pf, 1, 0) == 0, "the idle connection was answered first");
	send(idle, "dels HTTP/1.1\r\n\r\n", 18, MSG_NOSIGNAL);
	char got[64] = "";
	ssize_t k = recv(idle, got, sizeof got - 1, 0);
	CHECK(k > 12 && !strncmp(got, "HTTP/1.1 200", 12));
	close(idle);
	check_answers("りんごは何個ありますか？");
	check_bad_requests();
	check_choices();
	check_parallel();
	check_keepalive();
	check_head_limit();
	check_slow_clients();
	/* a clean stop on SIGTERM */
	proc_stop(&a);

	/* the connection limit, with the key given as an option */
	struct proc b;
	char conns[16];
	snprintf(conns, sizeof conns, "%d", LIMIT_CONNS);
	const char *b_args[] = {"--max-conns", conns, "--header-timeout", "120", "--api-key",
				key_b,         NULL};
	proc_start(&b, "b", b_args);
	port = b.port;
	check_limits();
	proc_stop(&b);

	/* short deadlines, the key from the environment */
	const char *key_c = "env-Key/with+odd=chars~42";
	setenv(SERVE_KEY_ENV, key_c, 1);
	struct proc c;
	const char *c_args[] = {"--header-timeout", "1", "--idle-timeout", "1", NULL};
	proc_start(&c, "c", c_args);
	unsetenv(SERVE_KEY_ENV);
	port = c.port;
	check_key(key_c);
	check_deadlines(key_c);
	proc_stop(&c);
	/* the key reaches no output; the refusals are logged */
	CHECK(!run_file_has(b.out, key_b) && !run_file_has(b.err, key_b));
	CHECK(!run_file_has(c.out, key_c) && !run_file_has(c.err, key_c));
	CHECK(run_file_has(c.err, "GET /v1/models 401"));
	CHECK(run_file_has(b.err, "- - 503"));

	check_exposure();
	return test_done();
}
