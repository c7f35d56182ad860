/* http_bench: throughput and client CPU cost of the http client. Sends N
 * requests (default 1000) at concurrency C (default 32) to fakellm answering
 * after --latency-ms L (default 100) and compares the wall time with the
 * ideal N/C*L. Usage: http_bench [N [C [L]]] (fakellm from $MENTOR_FAKELLM). */
#include <pthread.h>
#include <sys/resource.h>

#include "http/fakellm_proc.h"
#include "mentor/http.h"

#ifndef FAKELLM_PATH
#define FAKELLM_PATH ""
#endif

struct tally {
	pthread_mutex_t mu;
	long ok, failed, retried;
	double lat_sum, lat_max;
};

static void on_done(void *user, const struct http_result *r)
{
	struct tally *t = user;
	pthread_mutex_lock(&t->mu);
	if (r->ok)
		t->ok++;
	else
		t->failed++;
	if (r->attempts > 1)
		t->retried++;
	t->lat_sum += r->latency_ms;
	if (r->latency_ms > t->lat_max)
		t->lat_max = r->latency_ms;
	pthread_mutex_unlock(&t->mu);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static long arg(int argc, char **argv, int i, long def, long lo, long hi)
{
	long v;
	if (argc <= i)
		return def;
	if (util_parse_long(argv[i], lo, hi, &v)) {
		fprintf(stderr, "http_bench: bad argument '%s'\n", argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long n = arg(argc, argv, 1, 1000, 1, 1000000);
	long conc = arg(argc, argv, 2, 32, 1, HTTP_MAX_CONCURRENCY);
	long lat = arg(argc, argv, 3, 100, 0, 60000);
	const char *exe = fakellm_path();
	if (!exe)
		exe = FAKELLM_PATH;
	if (!*exe) {
		fprintf(stderr, "http_bench: set MENTOR_FAKELLM to the fakellm executable\n");
		return 2;
	}
	char latv[32];
	snprintf(latv, sizeof latv, "%ld", lat);
	const char *extra[] = {"--latency-ms", latv, "--max-seconds", "600", NULL};
	struct fakellm f;
	if (fakellm_start(&f, exe, extra)) {
		fprintf(stderr, "http_bench: cannot start %s\n", exe);
		return 1;
	}
	char url[128];
	snprintf(url, sizeof url, "%s/v1/chat/completions", f.base);

	struct http_opts o;
	http_opts_init(&o);
	o.concurrency = (int)conc;
	char err[MENTOR_ERR_LEN];
	struct http_client *c = http_client_new(&o, err);
	if (!c) {
		fprintf(stderr, "http_bench: %s\n", err);
		fakellm_stop(&f);
		return 1;
	}
	struct tally t;
	memset(&t, 0, sizeof t);
	pthread_mutex_init(&t.mu, NULL);
	static const char *const headers[] = {"Authorization: Bearer bench-key"};

	double cpu0 = cpu_seconds(), t0 = util_mono();
	for (long i = 0; i < n; i++) {
		char body[256];
		snprintf(body, sizeof body,
			 "{\"model\":\"fake-small\",\"messages\":[{\"role\":\"user\","
			 "\"content\":\"question %ld: what is 6*7?\"}]}",
			 i);
		struct http_request rq;
		memset(&rq, 0, sizeof rq);
		rq.url = url;
		rq.method = HTTP_POST;
		rq.body = body;
		rq.headers = headers;
		rq.n_headers = 1;
		rq.user = &t;
		rq.on_done = on_done;
		if (http_submit(c, &rq, NULL, err)) {
			fprintf(stderr, "http_bench: %s\n", err);
			return 1;
		}
	}
	http_wait_idle(c, -1);
	double wall = util_mono() - t0, cpu = cpu_seconds() - cpu0;
	http_client_free(c);
	long served = fakellm_stat(&f, "status", "200");
	fakellm_stop(&f);

	/* the ideal of a perfect pipeline, and the bound of whole rounds */
	double ideal = (double)n / (double)conc * (double)lat / 1000.0;
	double rounds = (double)((n + conc - 1) / conc) * (double)lat / 1000.0;
	printf("requests        %ld (ok %ld, failed %ld, retried %ld; server 200s %ld)\n", n, t.ok,
	       t.failed, t.retried, served);
	printf("concurrency     %ld, server latency %ld ms\n", conc, lat);
	printf("wall            %.3f s (ideal N/C*L %.3f s: %+.1f%%; %ld full rounds %.3f s)\n",
	       wall, ideal, ideal > 0 ? (wall / ideal - 1) * 100 : 0.0, (n + conc - 1) / conc,
	       rounds);
	printf("throughput      %.1f requests/s\n", n / wall);
	printf("latency         mean %.1f ms, max %.1f ms (from submission, queueing included)\n",
	       t.lat_sum / (double)n, t.lat_max);
	printf("client cpu      %.3f s total, %.1f us per request\n", cpu, cpu / (double)n * 1e6);
	pthread_mutex_destroy(&t.mu);
	return t.failed ? 1 : 0;
}
