/* test_report_pair: which runs are compared when nobody says (the newest
 * finished explanation-trained run against the closest finished baseline of
 * its dataset) and the refusal to compare runs of different datasets, as
 * plain functions of a run list. */
#include "mentor/report.h"
#include "mentor/train.h"
#include "test.h"

#define MAX_RUNS 16

struct list {
	struct store_run r[MAX_RUNS];
	char *cfg[MAX_RUNS];
	size_t n;
};

/* Append a run; preset NULL leaves config_json NULL (an unreadable config). */
static int add(struct list *l, int64_t ds, const char *variant, const char *status, int64_t ended,
	       const char *preset, int64_t steps, uint64_t seed)
{
	size_t i = l->n++;
	struct store_run *r = &l->r[i];
	memset(r, 0, sizeof *r);
	r->id = (int64_t)i + 1;
	r->dataset_id = ds;
	r->variant = (char *)variant;
	r->status = (char *)status;
	r->ended_at = ended;
	r->total_steps = steps;
	l->cfg[i] = NULL;
	if (preset) {
		struct train_config c;
		char err[MENTOR_ERR_LEN];
		train_config_defaults(&c);
		if (train_config_preset(&c, preset, err))
			TEST_SETUP_FAIL("preset: %s", err);
		c.steps = steps;
		c.seed = seed;
		l->cfg[i] = train_config_to_json(&c);
		r->config_json = l->cfg[i];
	}
	return (int)i;
}

static void release(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->cfg[i]);
	l->n = 0;
}

/* A baseline finished last must not become A (the old default did that and
 * inverted fixed and broken). */
static void test_newest_baseline_is_not_a(void)
{
	struct list l = {0};
	int mt = add(&l, 1, "mt-cot", "done", 100, "tiny", 500, 1);
	int base = add(&l, 1, "baseline", "done", 200, "tiny", 500, 1);
	struct report_pair p;
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, mt);
	CHECK_INT(p.b, base);
	CHECK_INT(p.why, REPORT_PAIR_OK);
	CHECK_STR(p.note, "");
	release(&l);
}

/* Of several finished explanation-trained runs, the one that ended last,
 * whatever its id; running and stopped ones do not count. */
static void test_newest_finished_trained(void)
{
	struct list l = {0};
	add(&l, 1, "baseline", "done", 10, "tiny", 500, 1);
	int late = add(&l, 1, "mt-ra", "done", 300, "tiny", 500, 1);
	add(&l, 1, "mt-cot", "done", 200, "tiny", 500, 1);
	add(&l, 1, "mt-re", "running", 0, "tiny", 500, 1);
	add(&l, 1, "mt-cot", "stopped", 400, "tiny", 500, 1);
	struct report_pair p;
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, late);
	CHECK_INT(p.b, 0);
	/* the same end time: the higher id */
	l.r[2].ended_at = 300;
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, 2);
	release(&l);
}

/* B: same dataset, finished, then closest settings: shape beats steps beats
 * seed; equal scores go to the newest. */
static void test_closest_baseline(void)
{
	struct list l = {0};
	int other_ds = add(&l, 2, "baseline", "done", 50, "tiny", 500, 7);
	int other_shape = add(&l, 1, "baseline", "done", 60, "small", 500, 7);
	int shape_only = add(&l, 1, "baseline", "done", 70, "tiny", 900, 3);
	int exact_running = add(&l, 1, "baseline", "running", 0, "tiny", 500, 7);
	int a = add(&l, 1, "mt-cot", "done", 100, "tiny", 500, 7);
	struct report_pair p;
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, a);
	/* shape matches (4) but not steps or seed: beats a wrong shape with
	 * the same steps and seed (3) */
	CHECK_INT(p.b, shape_only);
	CHECK(p.b != other_ds && p.b != other_shape && p.b != exact_running);
	/* a finished baseline with the same shape and steps, other seed */
	int shape_steps = add(&l, 1, "baseline", "done", 20, "tiny", 500, 9);
	CHECK_INT(report_pick_baseline(l.r, l.n, (size_t)a), shape_steps);
	/* and one with everything the same, older still: it wins */
	int exact = add(&l, 1, "baseline", "done", 5, "tiny", 500, 7);
	CHECK_INT(report_pick_baseline(l.r, l.n, (size_t)a), exact);
	/* a twin of it that ended later takes over the tie */
	int twin = add(&l, 1, "baseline", "done", 500, "tiny", 500, 7);
	CHECK_INT(report_pick_baseline(l.r, l.n, (size_t)a), twin);
	/* a baseline has no baseline to compare with; out of range: none */
	CHECK_INT(report_pick_baseline(l.r, l.n, (size_t)exact), -1);
	CHECK_INT(report_pick_baseline(l.r, l.n, l.n), -1);
	release(&l);
}

/* Unreadable configurations count as different settings, not as errors. */
static void test_unreadable_config(void)
{
	struct list l = {0};
	int bad = add(&l, 1, "baseline", "done", 10, NULL, 500, 0);
	l.r[bad].config_json = (char *)"{not json";
	int none = add(&l, 1, "baseline", "done", 5, NULL, 400, 0);
	int a = add(&l, 1, "mt-cot", "done", 100, "tiny", 500, 1);
	/* only the steps of the first match */
	CHECK_INT(report_pick_baseline(l.r, l.n, (size_t)a), bad);
	(void)none;
	release(&l);
}

static void test_fallbacks(void)
{
	struct report_pair p;
	report_default_pair(NULL, 0, &p);
	CHECK_INT(p.a, -1);
	CHECK_INT(p.b, -1);
	CHECK_INT(p.why, REPORT_PAIR_NO_RUNS);
	CHECK(p.note[0] != '\0');

	/* only baselines finished: the newest of them, alone, and a note */
	struct list l = {0};
	add(&l, 1, "baseline", "done", 10, "tiny", 500, 1);
	int nb = add(&l, 1, "baseline", "done", 20, "tiny", 500, 1);
	add(&l, 1, "mt-cot", "running", 0, "tiny", 500, 1);
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, nb);
	CHECK_INT(p.b, -1);
	CHECK_INT(p.why, REPORT_PAIR_NO_TRAINED);
	CHECK(strstr(p.note, "no finished explanation-trained run") != NULL);
	CHECK(strstr(p.note, "#2") != NULL);
	release(&l);

	/* an explanation-trained run without a finished baseline of its dataset */
	add(&l, 2, "baseline", "done", 10, "tiny", 500, 1);
	add(&l, 1, "baseline", "failed", 20, "tiny", 500, 1);
	int mt = add(&l, 1, "mt-cot", "done", 30, "tiny", 500, 1);
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, mt);
	CHECK_INT(p.b, -1);
	CHECK_INT(p.why, REPORT_PAIR_NO_BASELINE);
	CHECK(strstr(p.note, "no finished baseline") && strstr(p.note, "#3"));
	release(&l);

	/* nothing finished: the newest run alone */
	add(&l, 1, "mt-cot", "running", 0, "tiny", 500, 1);
	int last = add(&l, 1, "baseline", "queued", 0, "tiny", 500, 1);
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, last);
	CHECK_INT(p.b, -1);
	CHECK_INT(p.why, REPORT_PAIR_NO_FINISHED);
	CHECK(strstr(p.note, "queued") != NULL);
	release(&l);

	/* missing variant and status strings are tolerated */
	add(&l, 1, NULL, NULL, 0, NULL, 0, 0);
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, 0);
	CHECK_INT(p.why, REPORT_PAIR_NO_FINISHED);
	release(&l);
}

static void test_cross_dataset(void)
{
	struct list l = {0};
	int a = add(&l, 1, "mt-cot", "done", 10, "tiny", 500, 1);
	int same = add(&l, 1, "baseline", "done", 10, "tiny", 500, 1);
	int other = add(&l, 2, "baseline", "done", 10, "tiny", 500, 1);
	char err[MENTOR_ERR_LEN] = "";
	CHECK_INT(report_pair_check(&l.r[a], &l.r[same], err), 0);
	CHECK_INT(report_pair_check(&l.r[a], &l.r[other], err), MENTOR_EUSAGE);
	CHECK_STR(err, "cannot compare run #1 with run #3: they are on different datasets "
		       "(1 and 2), so their items differ");
	CHECK_INT(report_pair_check(&l.r[other], &l.r[a], err), MENTOR_EUSAGE);
	/* the default never pairs across datasets */
	struct report_pair p;
	l.r[same].status = (char *)"failed";
	report_default_pair(l.r, l.n, &p);
	CHECK_INT(p.a, a);
	CHECK_INT(p.b, -1);
	release(&l);
}

int main(void)
{
	test_newest_baseline_is_not_a();
	test_newest_finished_trained();
	test_closest_baseline();
	test_unreadable_config();
	test_fallbacks();
	test_cross_dataset();
	return test_done();
}
