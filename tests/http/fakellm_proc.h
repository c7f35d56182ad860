/* fakellm_proc.h: start and stop the fakellm test server as a child process
 * and read its /stats, for any module's tests (#include "http/fakellm_proc.h",
 * link cjson). The server's path comes from $MENTOR_FAKELLM or argv. */
#ifndef MENTOR_FAKELLM_PROC_H
#define MENTOR_FAKELLM_PROC_H

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fakellm {
	pid_t pid;
	int port;
	char base[64]; /* "http://127.0.0.1:PORT" */
};

/* Words of s as fakellm counts them for usage.completion_tokens (runs
 * separated by spaces, newlines and tabs). */
static inline long fakellm_count_words(const char *s)
{
	long n = 0;
	int in = 0;
	for (; *s; s++) {
		int sp = *s == ' ' || *s == '\n' || *s == '\t';
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

/* The fakellm executable: $MENTOR_FAKELLM, else NULL. */
static inline const char *fakellm_path(void)
{
	const char *p = getenv("MENTOR_FAKELLM");
	return p && *p ? p : NULL;
}

/* Start `exe --port 0 --max-seconds 120 [extra...]` (extra NULL-terminated,
 * may be NULL) and read its port. Returns 0, or -1 with a message on stderr. */
static inline int fakellm_start(struct fakellm *f, const char *exe, const char *const *extra)
{
	int fds[2];
	memset(f, 0, sizeof *f);
	/* clients in tests talk to 127.0.0.1 directly, never through a proxy */
	static const char *const proxies[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
					      "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
	for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
		unsetenv(proxies[i]);
	if (!exe || pipe(fds))
		return -1;
	const char *argv[64];
	int n = 0;
	argv[n++] = exe;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--max-seconds";
	argv[n++] = "120";
	for (int i = 0; extra && extra[i] && n < 62; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f->pid = pid;
	char line[64];
	size_t len = 0;
	for (;;) {
		struct pollfd p = {fds[0], POLLIN, 0};
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t r = read(fds[0], line + len, sizeof line - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		line[len] = '\0';
		if (strchr(line, '\n') || len == sizeof line - 1)
			break;
	}
	close(fds[0]);
	line[len] = '\0';
	if (sscanf(line, "PORT %d", &f->port) != 1 || f->port <= 0) {
		fprintf(stderr, "fakellm did not report a port (got '%s')\n", line);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		f->pid = 0;
		return -1;
	}
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->port);
	return 0;
}

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status or -1. */
static inline int fakellm_stop(struct fakellm *f)
{
	if (f->pid <= 0)
		return -1;
	kill(f->pid, SIGTERM);
	int status = 0;
	for (int i = 0; i < 1000; i++) {
		pid_t w = waitpid(f->pid, &status, WNOHANG);
		if (w == f->pid) {
			f->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &status, 0);
	f->pid = 0;
	return -1;
}

/* One plain HTTP/1.1 exchange over a fresh socket; returns the body (caller
 * frees) or NULL. method "GET" or "POST" (empty body). */
static inline char *fakellm_call(const struct fakellm *f, const char *method, const char *path)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)f->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
		close(fd);
		return NULL;
	}
	char req[512];
	int n = snprintf(req, sizeof req,
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
			 "Connection: close\r\n\r\n",
			 method, path);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return NULL;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 4096 > cap) {
			char *g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	char *body = strstr(buf, "\r\n\r\n");
	char *out = body ? strdup(body + 4) : NULL;
	free(buf);
	return out;
}

/* A counter from /stats: fakellm_stat(f, "paths", "/v1/chat/completions"),
 * ("behaviours", "429-once"), ("status", "200"), ("auth", "authorization"),
 * ("kinds", "stream"), ("models", NAME); (NULL, NULL) = all requests;
 * (NULL, "inflight_max") = most LLM requests answered at once.
 * Missing counters are 0; -1 if /stats could not be read. */
static inline long fakellm_stat(const struct fakellm *f, const char *cat, const char *key)
{
	char *body = fakellm_call(f, "GET", "/stats");
	cJSON *j = body ? cJSON_Parse(body) : NULL;
	free(body);
	if (!j)
		return -1;
	cJSON *v = cat ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, cat),
							  key)
		       : cJSON_GetObjectItemCaseSensitive(j, key ? key : "requests");
	long n = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	cJSON_Delete(j);
	return n;
}

/* Clear the counters and the "-once" memory. */
static inline int fakellm_reset(const struct fakellm *f)
{
	char *b = fakellm_call(f, "POST", "/reset");
	free(b);
	return b ? 0 : -1;
}

#endif
