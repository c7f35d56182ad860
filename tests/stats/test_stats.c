/* test_stats: every statistic against values computed independently in
 * python3 (standard library only: math, fractions, statistics), with the
 * snippet that gave each value written beside it. */
#include "mentor/stats.h"
#include "mentor/util.h"
#include "test.h"

/* python3: z = 1.959963984540054; p = k/n; den = 1 + z*z/n;
 * c = (p + z*z/(2*n))/den; h = z*math.sqrt(p*(1-p)/n + z*z/(4*n*n))/den;
 * print(max(0, c-h), min(1, c+h)) */
static void test_wilson(void)
{
	static const struct {
		int64_t k, n;
		double lo, hi;
	} cases[] = {
		{0, 10, 0.0, 0.277532800},         {10, 10, 0.722467200, 1.0},
		{7, 20, 0.181191824, 0.567145723}, {31, 40, 0.624969033, 0.876839087},
		{1, 1, 0.206549314, 1.0},          {500, 1000, 0.469069600, 0.530930400},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double lo, hi;
		stats_wilson(cases[i].k, cases[i].n, &lo, &hi);
		CHECK_NEAR(lo, cases[i].lo, 1e-9);
		CHECK_NEAR(hi, cases[i].hi, 1e-9);
	}
	double lo, hi;
	stats_wilson(0, 0, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
	stats_wilson(5, 4, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
	stats_wilson(-1, 4, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
}

/* The table and the expansion against the quantile found by bisection on
 * the t distribution function, itself Simpson's rule (20000 panels) over
 * the density exp(lgamma((v+1)/2) - lgamma(v/2)) / sqrt(v pi)
 * (1 + x^2/v)^(-(v+1)/2) from 0, solving P(0 <= X <= t) = 0.475. */
static void test_t(void)
{
	static const struct {
		int64_t df;
		double t;
	} cases[] = {
		{1, 12.706205}, {2, 4.302653},   {3, 3.182446},    {4, 2.776445},  {9, 2.262157},
		{15, 2.131450}, {29, 2.045230},  {30, 2.042272},   {31, 2.039513}, {40, 2.021075},
		{60, 2.000298}, {100, 1.983972}, {1000, 1.962339},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_NEAR(stats_t975(cases[i].df), cases[i].t, 2e-6);
	CHECK_NEAR(stats_t975(INT64_MAX / 2), STATS_Z975, 1e-9);
	CHECK(isnan(stats_t975(0)));
	CHECK(isnan(stats_t975(-3)));
	/* decreasing in df across the table's end */
	for (int64_t df = 1; df < 200; df++)
		CHECK(stats_t975(df + 1) < stats_t975(df));
}

/* python3: m = statistics.mean(xs); s = statistics.stdev(xs);
 * t = 4.302653 (df 2) or 12.706205 (df 1);
 * print(m, s, m - t*s/math.sqrt(len(xs)), m + t*s/math.sqrt(len(xs))) */
static void test_summary(void)
{
	struct stats_summary s;
	double x1[] = {0.5, 0.6, 0.7};
	stats_summary(x1, 3, &s);
	CHECK_INT(s.n, 3);
	CHECK_NEAR(s.mean, 0.6, 1e-12);
	CHECK_NEAR(s.sd, 0.1, 1e-12);
	CHECK_NEAR(s.lo, 0.351586213222, 1e-9);
	CHECK_NEAR(s.hi, 0.848413786778, 1e-9);

	double x2[] = {0.125, NAN, 0.25};
	stats_summary(x2, 3, &s);
	CHECK_INT(s.n, 2);
	CHECK_NEAR(s.mean, 0.1875, 1e-12);
	CHECK_NEAR(s.sd, 0.088388347648, 1e-9);
	CHECK_NEAR(s.lo, -0.6066378125, 1e-9);
	CHECK_NEAR(s.hi, 0.9816378125, 1e-9);

	double x3[] = {0.3, 0.3, 0.3, 0.3};
	stats_summary(x3, 4, &s);
	CHECK_NEAR(s.sd, 0, 1e-12);
	CHECK_NEAR(s.lo, 0.3, 1e-12);
	CHECK_NEAR(s.hi, 0.3, 1e-12);

	double x4[] = {NAN, 0.4};
	stats_summary(x4, 2, &s);
	CHECK_INT(s.n, 1);
	CHECK_NEAR(s.mean, 0.4, 1e-12);
	CHECK(isnan(s.sd) && isnan(s.lo) && isnan(s.hi));
	stats_summary(x4, 1, &s);
	CHECK_INT(s.n, 0);
	CHECK(isnan(s.mean) && isnan(s.sd));
	stats_summary(NULL, 0, &s);
	CHECK_INT(s.n, 0);
}

/* python3: n = b + c; m = min(b, c);
 * p = Fraction(sum(math.comb(n, k) for k in range(m + 1)), 2**n) * 2;
 * print(float(min(1, p))) -- exact rational arithmetic, then rounded */
static void test_mcnemar(void)
{
	static const struct {
		int64_t b, c;
		double p;
	} cases[] = {
		{0, 0, 1.0},
		{5, 5, 1.0},
		{0, 1, 1.0},
		{1, 0, 1.0},
		{0, 5, 0.0625},
		{2, 8, 0.109375},
		{3, 12, 0.03515625},
		{10, 20, 0.09873714670538902},
		{40, 60, 0.05688793364098079},
		{600, 500, 0.0028195449914364275},
		{1, 30, 2.9802322387695312e-08},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double p = stats_mcnemar_exact(cases[i].b, cases[i].c);
		CHECK_MSG(fabs(p - cases[i].p) <= 1e-9 * fmax(cases[i].p, 1e-12) + 1e-15,
			  "b=%lld c=%lld: %.17g vs %.17g", (long long)cases[i].b,
			  (long long)cases[i].c, p, cases[i].p);
		/* symmetric in b and c */
		CHECK_NEAR(stats_mcnemar_exact(cases[i].c, cases[i].b), p, 1e-15);
	}
	/* 2 * 2^-2000 underflows to zero; a huge balanced count stays 1 */
	CHECK(stats_mcnemar_exact(0, 2000) == 0.0);
	CHECK(stats_mcnemar_exact(5000000, 5000000) == 1.0);
	double p = stats_mcnemar_exact(5000000, 5001000);
	CHECK(p > 0 && p <= 1);
	CHECK(isnan(stats_mcnemar_exact(-1, 3)));
}

/* The reference: the same xorshift64* stream as util.c reimplemented in
 * python3 (splitmix64 seeding, rejection sampling in rng_below), item
 * differences averaged over seeds, 2000 resamples summed in the same
 * order, sorted, elements 50 and 1949:
 *   d = [sum(a[s][i] - b[s][i] for s in range(2)) / 2 for i in range(10)]
 *   r = R(7); st = sorted(sum(d[r.below(10)] for _ in range(10)) / 10
 *                         for _ in range(2000))
 *   print(sum(d) / 10, st[50], st[1949])   ->   0.35 0.05 0.6 */
static void test_bootstrap(void)
{
	static const uint8_t a[20] = {1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1};
	static const uint8_t b[20] = {0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1};
	char err[MENTOR_ERR_LEN];
	double d, lo, hi;
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 10, 2000, 7, &d, &lo, &hi, err), 0);
	CHECK_NEAR(d, 0.35, 1e-12);
	CHECK_NEAR(lo, 0.05, 1e-12);
	CHECK_NEAR(hi, 0.6, 1e-12);
	/* same seed, same interval */
	double d2, lo2, hi2;
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 10, 2000, 7, &d2, &lo2, &hi2, err), 0);
	CHECK(lo2 == lo && hi2 == hi && d2 == d);
	/* reversed roles mirror the interval exactly (same indices drawn) */
	CHECK_INT(stats_paired_bootstrap(b, a, 2, 10, 2000, 7, &d2, &lo2, &hi2, err), 0);
	CHECK_NEAR(d2, -0.35, 1e-12);
	CHECK_NEAR(lo2, -hi, 1e-12);
	CHECK_NEAR(hi2, -lo, 1e-12);
	/* another seed gives an interval around the same difference */
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 10, 2000, 8, &d2, &lo2, &hi2, err), 0);
	CHECK(lo2 <= 0.35 && hi2 >= 0.35 && fabs(lo2 - lo) <= 0.1 && fabs(hi2 - hi) <= 0.1);
	/* identical systems: a point interval at zero */
	CHECK_INT(stats_paired_bootstrap(a, a, 2, 10, 500, 1, &d, &lo, &hi, err), 0);
	CHECK(d == 0 && lo == 0 && hi == 0);
	/* one resample: both ends are that resample */
	CHECK_INT(stats_paired_bootstrap(a, b, 1, 10, 1, 3, &d, &lo, &hi, err), 0);
	CHECK(lo == hi);
	/* bad sizes */
	CHECK_INT(stats_paired_bootstrap(a, b, 0, 10, 100, 1, &d, &lo, &hi, err), MENTOR_EUSAGE);
	CHECK(isnan(d) && isnan(lo));
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 0, 100, 1, &d, &lo, &hi, err), MENTOR_EUSAGE);
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 10, 0, 1, &d, &lo, &hi, err), MENTOR_EUSAGE);
	CHECK_INT(stats_paired_bootstrap(a, b, 2, 10, STATS_BOOTSTRAP_MAX_RESAMPLES + 1, 1, &d, &lo,
					 &hi, err),
		  MENTOR_EUSAGE);
	CHECK_INT(stats_paired_bootstrap(a, b, SIZE_MAX / 2, 10, 10, 1, &d, &lo, &hi, err),
		  MENTOR_EUSAGE);
	CHECK(strstr(err, "out of range") != NULL);
}

int main(void)
{
	test_wilson();
	test_t();
	test_summary();
	test_mcnemar();
	test_bootstrap();
	return test_done();
}
