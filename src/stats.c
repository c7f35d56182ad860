/* stats: intervals and tests for comparing trained students over seeds and
 * items. Wilson and t intervals in closed form, McNemar's exact p-value summed
 * in log space (no overflow at any count), and the paired percentile
 * bootstrap over items with the project's deterministic rng. */
#include "mentor/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/util.h"

void stats_wilson(int64_t k, int64_t n, double *lo, double *hi)
{
	if (n <= 0 || k < 0 || k > n) {
		*lo = *hi = NAN;
		return;
	}
	double z = STATS_Z975, z2 = z * z, nn = (double)n, p = (double)k / nn;
	double den = 1.0 + z2 / nn;
	double centre = (p + z2 / (2.0 * nn)) / den;
	double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / den;
	*lo = fmax(0.0, centre - half);
	*hi = fmin(1.0, centre + half);
}

/* t quantiles for df 1..30 (see tests/stats for how they were checked). */
static const double t975_table[30] = {
	12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
	2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
	2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
	2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
};

double stats_t975(int64_t df)
{
	if (df < 1)
		return NAN;
	if (df <= 30)
		return t975_table[df - 1];
	/* Cornish-Fisher expansion of t in powers of 1/df around z */
	double z = STATS_Z975, z2 = z * z, v = (double)df;
	double g1 = (z2 + 1) * z / 4;
	double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
	double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
	double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
	return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

void stats_summary(const double *x, size_t n, struct stats_summary *out)
{
	out->n = 0;
	out->mean = out->sd = out->lo = out->hi = NAN;
	double sum = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i])) {
			sum += x[i];
			k++;
		}
	out->n = k;
	if (k == 0)
		return;
	double mean = sum / (double)k;
	out->mean = mean;
	if (k < 2)
		return;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			ss += (x[i] - mean) * (x[i] - mean);
	out->sd = sqrt(ss / (double)(k - 1));
	double half = stats_t975((int64_t)k - 1) * out->sd / sqrt((double)k);
	out->lo = mean - half;
	out->hi = mean + half;
}

double stats_mcnemar_exact(int64_t b, int64_t c)
{
	if (b < 0 || c < 0)
		return NAN;
	int64_t n = b + c, m = b < c ? b : c;
	if (n == 0 || 2 * m == n)
		return 1.0;
	/* P(X <= m) = sum_k C(n,k) / 2^n, each term in log space, summed
	 * relative to the largest (the last, since m < n/2) */
	double lgn = lgamma((double)n + 1);
	double top = lgn - lgamma((double)m + 1) - lgamma((double)(n - m) + 1);
	double sum = 0;
	for (int64_t k = m; k >= 0; k--) {
		double t = lgn - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) - top;
		if (t < -745) /* the rest underflows to zero */
			break;
		sum += exp(t);
	}
	double logp = log(2.0) + top + log(sum) - (double)n * log(2.0);
	return logp >= 0 ? 1.0 : exp(logp);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int stats_paired_bootstrap(const uint8_t *a, const uint8_t *b, size_t n_seeds, size_t n_items,
			   int resamples, uint64_t seed, double *diff, double *lo, double *hi,
			   char *err)
{
	*diff = *lo = *hi = NAN;
	size_t cells;
	if (n_seeds == 0 || n_items == 0) {
		util_err(err, "cannot bootstrap: no paired results");
		return MENTOR_EUSAGE;
	}
	if (resamples < 1 || resamples > STATS_BOOTSTRAP_MAX_RESAMPLES ||
	    n_items > STATS_BOOTSTRAP_MAX_ITEMS || util_mul_size(n_seeds, n_items, &cells) ||
	    cells > STATS_BOOTSTRAP_MAX_ITEMS) {
		util_err(err,
			 "cannot bootstrap %zu seeds x %zu items with %d resamples: out of "
			 "range",
			 n_seeds, n_items, resamples);
		return MENTOR_EUSAGE;
	}
	/* the statistic is linear in the items: d[i] is item i's difference
	 * averaged over seeds, and a resample's statistic is the mean of its d */
	double *d = malloc(n_items * sizeof *d);
	double *stat = malloc((size_t)resamples * sizeof *stat);
	if (!d || !stat) {
		free(d);
		free(stat);
		util_err(err, "cannot bootstrap: out of memory");
		return MENTOR_ENOMEM;
	}
	double total = 0;
	for (size_t i = 0; i < n_items; i++) {
		int sum = 0;
		for (size_t s = 0; s < n_seeds; s++)
			sum += (a[s * n_items + i] != 0) - (b[s * n_items + i] != 0);
		d[i] = (double)sum / (double)n_seeds;
		total += d[i];
	}
	*diff = total / (double)n_items;
	struct rng r;
	rng_seed(&r, seed);
	for (int k = 0; k < resamples; k++) {
		double sum = 0;
		for (size_t i = 0; i < n_items; i++)
			sum += d[rng_below(&r, n_items)];
		stat[k] = sum / (double)n_items;
	}
	qsort(stat, (size_t)resamples, sizeof *stat, cmp_double);
	size_t ilo = (size_t)floor(0.025 * resamples);
	size_t ihi = (size_t)ceil(0.975 * resamples);
	ihi = ihi > 0 ? ihi - 1 : 0;
	*lo = stat[ilo];
	*hi = stat[ihi];
	free(d);
	free(stat);
	return 0;
}
