/* test_fakellm: the fake LLM server itself, over raw sockets: reply files,
 * response shapes, stats, bad requests, --port-file, --behaviour and shutdown
 * by POST /shutdown and by --max-seconds. */
#include "http/fakellm_proc.h"
#include "test.h"

#include "mentor/util.h"

/* POST body to path; returns the whole raw response (caller frees). */
static char *post(const struct fakellm *f, const char *path, const char *hdrs, const char *body)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)f->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
		TEST_SETUP_FAIL("cannot connect");
	struct buf rq;
	buf_init(&rq);
	buf_printf(
		&rq,
		"POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
		path, hdrs, strlen(body), body);
	send(fd, rq.data, rq.len, MSG_NOSIGNAL);
	buf_release(&rq);
	struct buf out;
	buf_init(&out);
	char tmp[4096];
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t r = recv(fd, tmp, sizeof tmp, 0);
		if (r <= 0)
			break;
		buf_append(&out, tmp, (size_t)r);
	}
	close(fd);
	buf_puts(&out, "");
	return buf_detach(&out, NULL);
}

static char *content_of(const char *raw)
{
	const char *b = strstr(raw, "\r\n\r\n");
	cJSON *j = b ? cJSON_Parse(b + 4) : NULL;
	cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "message"), "content");
	if (!cJSON_IsString(c))
		c = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "content"), 0),
					"text");
	char *s = cJSON_IsString(c) ? strdup(c->valuestring) : NULL;
	cJSON_Delete(j);
	return s;
}

int main(int argc, char **argv)
{
	const char *exe = argc > 1 ? argv[1] : fakellm_path();
	if (!exe)
		TEST_SKIP("no fakellm (set MENTOR_FAKELLM)");
	const char *replies = test_path("replies.json");
	const char *rj = "{\"Natalia\": \"She sold 72 clips. So the answer is 72.\","
			 " \"clips\": \"never chosen: Natalia comes first\","
			 " \"東京\": \"東京は日本の首都です。答えは東京。\"}";
	test_write_file(replies, rj, strlen(rj));
	const char *extra[] = {"--reply-file", replies, NULL};
	struct fakellm f;
	if (fakellm_start(&f, exe, extra))
		TEST_SETUP_FAIL("cannot start fakellm");

	const char *q1 = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":"
			 "\"ignored Natalia\"},{\"role\":\"assistant\",\"content\":\"x\"},"
			 "{\"role\":\"user\",\"content\":\"Natalia sold clips\"}]}";
	char *raw = post(&f, "/v1/chat/completions", "Authorization: Bearer k\r\n", q1);
	CHECK(strncmp(raw, "HTTP/1.1 200", 12) == 0);
	char *c = content_of(raw);
	CHECK_STR(c, "She sold 72 clips. So the answer is 72.");
	CHECK(strstr(raw, "\"prompt_tokens\"") && strstr(raw, "\"completion_tokens\""));
	free(c);
	free(raw);

	/* Anthropic shape, content as parts, CJK key */
	const char *q2 = "{\"model\":\"m2\",\"messages\":[{\"role\":\"user\",\"content\":"
			 "[{\"type\":\"text\",\"text\":\"日本の首都は？東京\"}]}]}";
	raw = post(&f, "/v1/messages", "x-api-key: k\r\n", q2);
	c = content_of(raw);
	CHECK_STR(c, "東京は日本の首都です。答えは東京。");
	CHECK(strstr(raw, "\"input_tokens\"") && strstr(raw, "\"output_tokens\""));
	free(c);
	free(raw);

	/* default reply */
	raw = post(&f, "/v1/chat/completions", "",
		   "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
	c = content_of(raw);
	CHECK(c && strncmp(c, "Let me think step by step.", 26) == 0);
	CHECK(c && strstr(c, "So the answer is 42."));
	free(c);
	free(raw);

	/* streaming shapes */
	raw = post(&f, "/v1/chat/completions", "",
		   "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		   "\"messages\":[{\"role\":\"user\",\"content\":\"Natalia\"}]}");
	CHECK(strstr(raw, "text/event-stream") != NULL);
	CHECK(strstr(raw, "\"delta\":{\"content\":\"She \"}") != NULL);
	CHECK(strstr(raw, "\"usage\":{\"prompt_tokens\"") != NULL);
	CHECK(strstr(raw, "data: [DONE]") != NULL);
	free(raw);
	raw = post(&f, "/v1/messages", "",
		   "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Natalia\"}]}");
	CHECK(strstr(raw, "event: message_start") && strstr(raw, "event: content_block_delta"));
	CHECK(strstr(raw, "\"type\":\"text_delta\"") && strstr(raw, "event: message_delta"));
	CHECK(strstr(raw, "event: message_stop") != NULL);
	free(raw);

	/* bad requests */
	raw = post(&f, "/v1/chat/completions", "", "{not json");
	CHECK(strncmp(raw, "HTTP/1.1 400", 12) == 0);
	free(raw);
	raw = post(&f, "/v1/nowhere", "", "{}");
	CHECK(strncmp(raw, "HTTP/1.1 404", 12) == 0);
	free(raw);
	raw = post(&f, "/v1/chat/completions", "Content-Length: 99999999999\r\n", "");
	CHECK(strncmp(raw, "HTTP/1.1 400", 12) == 0);
	free(raw);

	/* stats */
	CHECK_INT(fakellm_stat(&f, "paths", "/v1/chat/completions"), 4);
	CHECK_INT(fakellm_stat(&f, "paths", "/v1/messages"), 2);
	CHECK_INT(fakellm_stat(&f, "auth", "authorization"), 1);
	CHECK_INT(fakellm_stat(&f, "auth", "x-api-key"), 1);
	CHECK_INT(fakellm_stat(&f, "models", "m1"), 1);
	CHECK_INT(fakellm_stat(&f, "kinds", "stream"), 2);
	char *models = fakellm_call(&f, "GET", "/v1/models");
	CHECK(models && strstr(models, "fake-small"));
	free(models);
	char *log = fakellm_call(&f, "GET", "/log");
	CHECK(log && strstr(log, "Natalia sold clips"));
	free(log);
	CHECK_INT(fakellm_reset(&f), 0);
	CHECK_INT(fakellm_stat(&f, "paths", "/v1/messages"), 0);

	/* shutdown by request */
	raw = post(&f, "/shutdown", "", "");
	free(raw);
	int status = 0;
	for (int i = 0; i < 1000; i++) {
		if (waitpid(f.pid, &status, WNOHANG) == f.pid) {
			f.pid = 0;
			break;
		}
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	CHECK_INT(f.pid, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (f.pid)
		fakellm_stop(&f);

	/* --behaviour, --latency-ms and --port-file; SIGTERM stops it */
	const char *pf = test_path("port");
	const char *extra2[] = {"--behaviour", "500", "--latency-ms", "10", "--port-file", pf,
				NULL};
	if (fakellm_start(&f, exe, extra2))
		TEST_SETUP_FAIL("cannot start fakellm");
	char err[MENTOR_ERR_LEN];
	char *pt = util_read_file(pf, 100, NULL, err);
	long port = 0;
	if (pt)
		pt[strcspn(pt, "\n")] = '\0';
	CHECK(pt && util_parse_long(pt, 1, 65535, &port) == 0 && port == f.port);
	free(pt);
	raw = post(&f, "/v1/chat/completions", "",
		   "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
	CHECK(strncmp(raw, "HTTP/1.1 500", 12) == 0);
	free(raw);
	CHECK_INT(fakellm_stop(&f), 0);

	/* --max-seconds ends it by itself */
	const char *extra3[] = {"--max-seconds", "1", NULL};
	if (fakellm_start(&f, exe, extra3))
		TEST_SETUP_FAIL("cannot start fakellm");
	int exited = 0;
	for (int i = 0; i < 2000 && !exited; i++) {
		if (waitpid(f.pid, &status, WNOHANG) == f.pid)
			exited = 1;
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	CHECK_INT(exited, 1);
	if (exited)
		f.pid = 0;
	else
		fakellm_stop(&f);
	return test_done();
}
