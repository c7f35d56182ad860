/* stats: the small-sample statistics behind an experiment's table: a
 * Wilson interval for one accuracy, mean, standard deviation and t interval
 * over seeds, McNemar's exact test for paired right/wrong outcomes and a
 * seeded paired bootstrap over items. Pure functions of their inputs; every
 * interval is a two-sided 95% one. */
#ifndef MENTOR_STATS_H
#define MENTOR_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The 97.5% quantile of the standard normal distribution. */
#define STATS_Z975 1.959963984540054

/* Resamples of the paired bootstrap when the caller has no reason to pick
 * another number. */
#define STATS_BOOTSTRAP_RESAMPLES 2000
/* Largest resample count and item count stats_paired_bootstrap accepts. */
#define STATS_BOOTSTRAP_MAX_RESAMPLES 1000000
#define STATS_BOOTSTRAP_MAX_ITEMS 100000000

/* Wilson score interval of k successes out of n trials (0 <= k <= n):
 * (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), z = STATS_Z975,
 * clamped to [0, 1]. n <= 0 or k outside 0..n gives NAN for both ends. */
void stats_wilson(int64_t k, int64_t n, double *lo, double *hi);

/* The 97.5% quantile of Student's t distribution with df degrees of
 * freedom: exact to six decimals from a table for df 1..30, the
 * Cornish-Fisher expansion around the normal beyond. NAN for df < 1. */
double stats_t975(int64_t df);

/* Mean, sample standard deviation (divisor n-1) and the t-based 95%
 * interval mean -/+ t975(n-1) sd / sqrt(n) of x[0..n). NAN values in x are
 * skipped (n counts the others). With one value the sd and the interval are
 * NAN; with none, everything is. */
struct stats_summary {
	size_t n;
	double mean, sd;
	double lo, hi;
};
void stats_summary(const double *x, size_t n, struct stats_summary *out);

/* McNemar's exact test on paired binary outcomes: b pairs where only the
 * first is right, c where only the second is. Two-sided p-value of the
 * binomial test of b against Binomial(b + c, 1/2):
 * min(1, 2 P(X <= min(b, c))). 1 when b + c == 0; NAN for negative counts. */
double stats_mcnemar_exact(int64_t b, int64_t c);

/* Paired bootstrap of the accuracy difference between two systems scored
 * on the same items with several seeds. a and b are (n_seeds, n_items)
 * row-major arrays of outcomes (non-zero = right): a[s*n_items + i] is the
 * first system with seed s on item i, b the second with the same seed.
 * The statistic is the difference in accuracy averaged over seeds. Each of
 * `resamples` rounds draws n_items item indices with replacement (an rng
 * seeded with `seed`, indices by rng_below) and uses the same indices for
 * every seed; the interval is the percentile one: the sorted statistics'
 * elements floor(0.025 R) and ceil(0.975 R) - 1. *diff gets the statistic on
 * the items as they are. Deterministic for a given seed. Returns 0,
 * MENTOR_EUSAGE (no seed, no item, resamples out of 1..MAX, sizes over the
 * limits) or MENTOR_ENOMEM; err filled. */
int stats_paired_bootstrap(const uint8_t *a, const uint8_t *b, size_t n_seeds, size_t n_items,
			   int resamples, uint64_t seed, double *diff, double *lo, double *hi,
			   char *err);

#endif
