/* test_serve: `mentor serve` over real sockets on 127.0.0.1 answers exactly
 * as `mentor predict` does (chat and completions, streamed and not), refuses
 * bad requests with the right status and a JSON error, survives clients that
 * hang up, and stops cleanly on SIGTERM. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "mentor/export.h"
#include "mentor/modelio.h"
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

/* Send raw bytes, read the whole response until the server closes. */
static char *exchange(const char *req, size_t n, int *status)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		TEST_SETUP_FAIL("connect: %s", strerror(errno));
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
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0), "text"));
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
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0), "text"));
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
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
	              cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "id")),
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

	int out[2];
	if (pipe(out) != 0)
		TEST_SETUP_FAIL("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execl(bin, bin, "--db", db, "serve", "stu", "--port", "0", "--quiet", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *f = fdopen(out[0], "r");
	char line[256] = "";
	if (!fgets(line, sizeof line, f))
		TEST_SETUP_FAIL("the server printed nothing");
	const char *colon = strrchr(line, ':');
	if (!strstr(line, "listening on http://127.0.0.1:") || !colon)
		TEST_SETUP_FAIL("unexpected first line: %s", line);
	port = (int)strtol(colon + 1, NULL, 10);
	CHECK(port > 0);

	/* a client that connects, sends half a head and waits delays nobody:
	 * the next request is answered while it is still open and unanswered */
	int idle = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (idle < 0 || connect(idle, (struct sockaddr *)&a, sizeof a) != 0)
		TEST_SETUP_FAIL("connect");
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

	/* a clean stop on SIGTERM */
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fclose(f);
	return test_done();
}
