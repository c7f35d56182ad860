/* serve_load: can slow clients starve `mentor serve`? Starts the server on
 * 127.0.0.1 and alternates phases without and with N clients trickling
 * their request heads a byte every 100 ms (reconnecting whenever the server
 * cuts them off), while a health checker and normal clients (chat
 * completions, one connection each) measure latency. Prints p50/p95/max per
 * phase and a summary over the rounds (median, with the min..max spread).
 * All traffic goes to 127.0.0.1; counts and times are bounded.
 * usage: serve_load MENTOR DB RUN [--rounds R] [--slow N] [--clients C]
 *                   [--requests K] [--health H] [--header-timeout S]
 * (--header-timeout is passed to the server; without it, its default) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mentor/util.h"

#define MAX_SLOW 256
#define MAX_CLIENTS 16

static int port;

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A connection to the server (reads and writes give up after 10 s), or -1. */
static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a connection of its own (it asks for Connection: close):
 * the latency in ms to the whole response, or -1 when it failed (no
 * connection, a reset, a timeout or a status other than 200). */
static double one_request(const char *req)
{
	double t0 = util_mono();
	int fd = dial();
	if (fd < 0)
		return -1;
	size_t n = strlen(req), off = 0;
	while (off < n) {
		ssize_t k = send(fd, req + off, n - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	char head[16] = "", chunk[4096];
	size_t got = 0;
	ssize_t k;
	while ((k = recv(fd, chunk, sizeof chunk, 0)) > 0) {
		for (ssize_t i = 0; i < k && got < sizeof head - 1; i++)
			head[got++] = chunk[i];
	}
	int failed = k < 0; /* a reset or a timeout */
	close(fd);
	if (failed || strncmp(head, "HTTP/1.1 200", 12))
		return -1;
	return (util_mono() - t0) * 1000;
}

/* Latencies of one kind of request in one phase. */
struct sample {
	double *ms;
	int n, failed;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, int n, double p)
{
	if (!n)
		return 0;
	int i = (int)(p / 100 * n + 0.999999) - 1;
	return v[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

struct job {
	const char *req;
	int count, gap_ms;
	struct sample *s;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < j->count; i++) {
		double ms = one_request(j->req);
		if (ms < 0)
			j->s->failed++;
		else
			j->s->ms[j->s->n++] = ms;
		if (j->gap_ms)
			nap_ms(j->gap_ms);
	}
	return NULL;
}

/* The slow clients: n connections each sending one more head byte every
 * 100 ms, reconnected when the server closes them. */
struct slow {
	int n;
	atomic_int stop;
	atomic_int connected; /* connections opened so far */
	atomic_int cut;       /* connections the server ended */
};

static const char *slow_start = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ";

static void *slow_main(void *arg)
{
	struct slow *s = arg;
	int fds[MAX_SLOW];
	for (int i = 0; i < s->n; i++)
		fds[i] = -1;
	while (!atomic_load(&s->stop)) {
		for (int i = 0; i < s->n; i++) {
			if (fds[i] >= 0) {
				/* anything to read (a 408, EOF) ends this one */
				struct pollfd pf = {fds[i], POLLIN, 0};
				if (poll(&pf, 1, 0) == 0 && send(fds[i], "a", 1, MSG_NOSIGNAL) == 1)
					continue;
				close(fds[i]);
				fds[i] = -1;
				atomic_fetch_add(&s->cut, 1);
			}
			fds[i] = dial();
			if (fds[i] >= 0) {
				send(fds[i], slow_start, strlen(slow_start), MSG_NOSIGNAL);
				atomic_fetch_add(&s->connected, 1);
			}
		}
		nap_ms(100);
	}
	for (int i = 0; i < s->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

/* The figures of one phase: health and chat, p50/p95/max. */
struct figures {
	double v[2][3];
	int ok[2], failed[2];
};

static void run_phase(int n_slow, int clients, int requests, int health, struct figures *f)
{
	static const char *health_req = "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n";
	char chat_req[512];
	const char *body = "{\"messages\":[{\"role\":\"user\",\"content\":\"What is 12 + 30?\"}]}";
	snprintf(chat_req, sizeof chat_req,
		 "POST /v1/chat/completions HTTP/1.1\r\nConnection: close\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	struct slow sl;
	sl.n = n_slow;
	atomic_init(&sl.stop, 0);
	atomic_init(&sl.connected, 0);
	atomic_init(&sl.cut, 0);
	pthread_t slow_th;
	if (n_slow) {
		if (pthread_create(&slow_th, NULL, slow_main, &sl) != 0)
			exit(1);
		for (int i = 0; i < 100 && atomic_load(&sl.connected) < n_slow; i++)
			nap_ms(20);
		nap_ms(300); /* they are all trickling before the measure starts */
	}
	struct sample hs = {calloc((size_t)health, sizeof(double)), 0, 0};
	struct sample cs[MAX_CLIENTS];
	struct job hj = {health_req, health, 25, &hs}, cj[MAX_CLIENTS];
	pthread_t th[MAX_CLIENTS + 1];
	for (int i = 0; i < clients; i++) {
		cs[i].ms = calloc((size_t)requests, sizeof(double));
		cs[i].n = cs[i].failed = 0;
		cj[i] = (struct job){chat_req, requests, 0, &cs[i]};
		if (!cs[i].ms || pthread_create(&th[i], NULL, job_main, &cj[i]) != 0)
			exit(1);
	}
	if (!hs.ms || pthread_create(&th[clients], NULL, job_main, &hj) != 0)
		exit(1);
	for (int i = 0; i <= clients; i++)
		pthread_join(th[i], NULL);
	if (n_slow) {
		atomic_store(&sl.stop, 1);
		pthread_join(slow_th, NULL);
	}
	/* all chat latencies in one sample */
	double *all = calloc((size_t)(clients * requests) + 1, sizeof(double));
	int na = 0, cf = 0;
	for (int i = 0; i < clients; i++) {
		memcpy(all + na, cs[i].ms, (size_t)cs[i].n * sizeof(double));
		na += cs[i].n;
		cf += cs[i].failed;
		free(cs[i].ms);
	}
	struct sample chat = {all, na, cf};
	struct sample *both[2] = {&hs, &chat};
	for (int k = 0; k < 2; k++) {
		qsort(both[k]->ms, (size_t)both[k]->n, sizeof(double), cmp_double);
		f->v[k][0] = pct(both[k]->ms, both[k]->n, 50);
		f->v[k][1] = pct(both[k]->ms, both[k]->n, 95);
		f->v[k][2] = both[k]->n ? both[k]->ms[both[k]->n - 1] : 0;
		f->ok[k] = both[k]->n;
		f->failed[k] = both[k]->failed;
	}
	free(hs.ms);
	free(all);
	printf("  health p50 %6.2f p95 %6.2f max %7.2f ms (%d ok, %d failed)   "
	       "chat p50 %6.2f p95 %6.2f max %7.2f ms (%d ok, %d failed)",
	       f->v[0][0], f->v[0][1], f->v[0][2], f->ok[0], f->failed[0], f->v[1][0], f->v[1][1],
	       f->v[1][2], f->ok[1], f->failed[1]);
	if (n_slow)
		printf("   slow: %d connections, %d cut off", atomic_load(&sl.connected),
		       atomic_load(&sl.cut));
	printf("\n");
	fflush(stdout);
}

/* Start `mentor --db DB serve RUN --port 0 --quiet [--header-timeout S]`;
 * its pid, and port set. */
static pid_t start_server(const char *mentor, const char *db, const char *run,
			  const char *header_timeout)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (header_timeout)
			execl(mentor, mentor, "--db", db, "serve", run, "--port", "0", "--quiet",
			      "--header-timeout", header_timeout, (char *)NULL);
		else
			execl(mentor, mentor, "--db", db, "serve", run, "--port", "0", "--quiet",
			      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[256] = "";
	if (!f || !fgets(line, sizeof line, f)) {
		fprintf(stderr, "serve_load: the server did not start\n");
		return -1;
	}
	const char *colon = strrchr(line, ':');
	port = colon ? (int)strtol(colon + 1, NULL, 10) : 0;
	return port > 0 ? pid : -1;
}

static int arg_int(const char *s, int lo, int hi)
{
	long v;
	if (util_parse_long(s, lo, hi, &v)) {
		fprintf(stderr, "serve_load: '%s' is not a count %d..%d\n", s, lo, hi);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: serve_load MENTOR DB RUN [--rounds R] [--slow N] "
				"[--clients C] [--requests K] [--health H] "
				"[--header-timeout S]\n");
		return 2;
	}
	int rounds = 3, n_slow = 64, clients = 2, requests = 15, health = 60;
	const char *header_timeout = NULL;
	for (int i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = arg_int(argv[i + 1], 1, 20);
		else if (!strcmp(argv[i], "--slow"))
			n_slow = arg_int(argv[i + 1], 1, MAX_SLOW);
		else if (!strcmp(argv[i], "--clients"))
			clients = arg_int(argv[i + 1], 1, MAX_CLIENTS);
		else if (!strcmp(argv[i], "--requests"))
			requests = arg_int(argv[i + 1], 1, 1000);
		else if (!strcmp(argv[i], "--health"))
			health = arg_int(argv[i + 1], 1, 1000);
		else if (!strcmp(argv[i], "--header-timeout"))
			header_timeout = argv[i + 1];
		else {
			fprintf(stderr, "serve_load: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = start_server(argv[1], argv[2], argv[3], header_timeout);
	if (pid < 0)
		return 1;
	printf("serve_load: port %d, %d rounds; %d slow clients; %d chat clients x %d "
	       "requests; %d health checks 25 ms apart\n",
	       port, rounds, n_slow, clients, requests, health);
	/* warm up: the first answers pay for first touches of the model */
	struct figures warm;
	printf("warm-up      ");
	run_phase(0, 1, 5, 5, &warm);
	struct figures f[20][2];
	for (int r = 0; r < rounds; r++) {
		for (int ph = 0; ph < 2; ph++) {
			printf("round %d %-7s", r + 1, ph ? "slow" : "quiet");
			run_phase(ph ? n_slow : 0, clients, requests, health, &f[r][ph]);
		}
	}
	static const char *name[2] = {"health", "chat"}, *stat[3] = {"p50", "p95", "max"};
	printf("\nmedian over %d rounds [min..max], ms\n", rounds);
	for (int k = 0; k < 2; k++)
		for (int q = 0; q < 3; q++) {
			printf("%-6s %s", name[k], stat[q]);
			for (int ph = 0; ph < 2; ph++) {
				double v[20];
				for (int r = 0; r < rounds; r++)
					v[r] = f[r][ph].v[k][q];
				qsort(v, (size_t)rounds, sizeof(double), cmp_double);
				printf("   %s %7.2f [%.2f..%.2f]", ph ? "slow " : "quiet",
				       v[rounds / 2], v[0], v[rounds - 1]);
			}
			printf("\n");
		}
	int failed[2] = {0, 0};
	for (int r = 0; r < rounds; r++)
		for (int ph = 0; ph < 2; ph++)
			failed[ph] += f[r][ph].failed[0] + f[r][ph].failed[1];
	printf("failed requests: quiet %d, slow %d\n", failed[0], failed[1]);
	fflush(stdout);
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	return 0;
}
