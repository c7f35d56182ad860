/* sgemm_probe.h: the sgemm peak the model benchmarks measure MFU against,
 * shared by model_bench.c and llama_bench.c (each includes it once). */
#ifndef MENTOR_SGEMM_PROBE_H
#define MENTOR_SGEMM_PROBE_H

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "mentor/util.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The sgemm peak: square n x n x n sgemms back to back for at least secs
 * seconds (at least 5 calls). On a shared or virtual machine a call that
 * loses a scheduler tick to another process takes a whole tick longer (the
 * calls' times come in steps of 4 ms here), so a few calls say little:
 * "sustained" is all the calls' FLOPs over all their time, the rate the
 * training next to it can expect under the same interruptions; "best" is
 * the fastest call, the rate of an uninterrupted machine. */
struct probe {
	double sustained, best, median; /* GFLOP/s */
	int calls;
};

static struct probe sgemm_probe(int n, double secs)
{
	size_t nn = (size_t)n * n;
	float *a = malloc(nn * 4), *b = malloc(nn * 4), *c = malloc(nn * 4);
	if (!a || !b || !c) {
		fprintf(stderr, "sgemm probe: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < nn; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	double v[512], flops = 2.0 * n * (double)n * n, total = 0.0;
	struct probe p = {0};
	/* warm up */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
	while (p.calls < 512 && (p.calls < 5 || total < secs)) {
		double t0 = util_mono();
		/* c (n,n) = a (n,n) @ b^T (n,n) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a, n, b, n,
			    0.0f, c, n);
		double dt = util_mono() - t0;
		total += dt;
		v[p.calls] = flops / dt / 1e9;
		p.best = v[p.calls] > p.best ? v[p.calls] : p.best;
		p.calls++;
	}
	p.sustained = flops * p.calls / total / 1e9;
	p.median = median(v, p.calls);
	free(a);
	free(b);
	free(c);
	return p;
}

#endif
