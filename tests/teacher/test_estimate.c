/* test_estimate: teacher_estimate on real workspace files. With the offline
 * teacher every figure is exact: the estimate's calls, cached steps, tokens
 * and CROP fallbacks equal what the job then does, after partial runs too
 * (finished tasks skipped, the call log answering), with --force, and the
 * workspace is left as it was. Against the fakellm server (an
 * OpenAI-compatible provider with prices): COTE answers in the log decide
 * CROP's fallbacks, unknown ones are a range at the past wrong rate, tokens
 * come from past usage and the cost from the price table; the job then
 * makes a number of calls inside that range. Also the text forms and
 * cancellation through the poll callback. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "http/fakellm_proc.h"
#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "test.h"

static char db[600];

static struct store *open_ws(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	return st;
}

static int64_t q1(const char *sql)
{
	struct store *st = open_ws();
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	store_close(st);
	return v;
}

static double qd(const char *sql)
{
	struct store *st = open_ws();
	sqlite3_stmt *s;
	double v = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	store_close(st);
	return v;
}

/* n items "NAME i: a plus b?" with traces (the offline teacher can write
 * them); gold answers 42 for the even ones when fortytwo (fakellm's default
 * reply says 42). ids receives their ids. */
static int64_t make_dataset(const char *name, int n, int fortytwo, int64_t *ids)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_ws();
	int64_t ds;
	if (store_dataset_upsert(st, name, "test", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	for (int i = 0; i < n; i++) {
		char q[200], ext[32], ans[16], tr[400], rat[100];
		int a = i + 2, b = i + 5, sum = fortytwo && i % 2 == 0 ? 42 : a + b;
		if (sum == 42)
			a = 40, b = 2;
		snprintf(q, sizeof q, "%s item %d: %d plus %d?", name, i, a, b);
		snprintf(ext, sizeof ext, "%s-%d", name, i);
		snprintf(ans, sizeof ans, "%d", sum);
		snprintf(tr, sizeof tr,
			 "{\"steps\":[\"%d + %d = %d.\"],\"answer\":\"%d\",\"distractor\":\"%d\","
			 "\"wrong_steps\":[\"%d + %d = %d.\"]}",
			 a, b, sum, sum, sum + 1, a, b, sum + 1);
		snprintf(rat, sizeof rat, "Add %d and %d: %d.", a, b, sum);
		struct store_item it = {0};
		it.dataset_id = ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = ans;
		it.answer_type = "number";
		it.gold_rationale = rat;
		it.trace_json = tr;
		if (store_item_upsert(st, &it, err))
			TEST_SETUP_FAIL("%s", err);
		ids[i] = it.id;
	}
	store_close(st);
	return ds;
}

static void opts(struct teacher_opts *o, const struct config *cfg, unsigned modes)
{
	teacher_opts_init(o);
	o->db_path = db;
	o->cfg = cfg;
	o->modes = modes;
	o->seed = 5;
	o->k = 2;
	o->prompts_dir = "/nonexistent/mentor-prompts";
}

static struct teacher_progress run(const struct teacher_opts *o, const int64_t *ids, size_t n)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_job *j = teacher_start(o, ids, n, NULL, err);
	if (!j)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(teacher_wait(j, 100000), MENTOR_OK);
	struct teacher_progress p;
	teacher_get_progress(j, &p);
	teacher_free(j);
	return p;
}

static struct teacher_estimate estimate(const struct teacher_opts *o, const int64_t *ids, size_t n)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_estimate e;
	int rc = teacher_estimate(o, ids, n, NULL, NULL, &e, err);
	CHECK_MSG(rc == 0, "%s", err);
	return e;
}

/* The estimate equals what the offline job then does. */
static void check_exact(const struct teacher_opts *o, const int64_t *ids, size_t n)
{
	int64_t calls0 = q1("SELECT count(*) FROM llm_call");
	int64_t expl0 = q1("SELECT count(*) FROM explanation");
	struct teacher_estimate e = estimate(o, ids, n);
	/* the estimate wrote nothing */
	CHECK_INT(q1("SELECT count(*) FROM llm_call"), calls0);
	CHECK_INT(q1("SELECT count(*) FROM explanation"), expl0);
	CHECK_INT(e.fallback_open, 0);
	CHECK_INT(e.failing, 0);
	struct teacher_progress p = run(o, ids, n);
	CHECK_INT(e.tasks, p.total);
	CHECK_INT(e.skipped, p.skipped);
	CHECK_INT(e.calls, p.calls);
	CHECK_INT(e.cached, p.cached);
	CHECK_INT(e.tokens_in, p.tokens_in);
	CHECK_INT(e.tokens_out, p.tokens_out);
	CHECK_INT(p.errors, 0);
	CHECK_INT(q1("SELECT count(*) FROM llm_call") - calls0, e.calls);
	CHECK_INT(e.cost, 0);
}

static void test_offline(void)
{
	struct config cfg;
	config_init(&cfg);
	enum { N = 24 };
	int64_t ids[N];
	make_dataset("off", N, 0, ids);
	struct teacher_opts o;
	opts(&o, &cfg, TEACHER_CROP);
	o.offline.cot_wrong = 0.5;

	/* CROP alone on a fresh workspace: COTE for every item, RP where the
	 * offline COTE goes wrong, known in advance */
	struct teacher_estimate e = estimate(&o, ids, 8);
	CHECK_INT(e.items, 8);
	CHECK_INT(e.tasks, 8);
	CHECK_INT(e.skipped, 0);
	CHECK(e.offline);
	CHECK(e.fallback_known > 0);
	CHECK_INT(e.calls, 8 + e.fallback_known);
	CHECK_INT(e.cached, 0);
	CHECK_INT(teacher_estimate_max_calls(&e), e.calls);
	CHECK_STR(e.provider, "offline");
	CHECK_STR(e.model, "scripted-teacher");
	int64_t known = e.fallback_known;
	check_exact(&o, ids, 8);
	CHECK_INT(q1("SELECT count(*) FROM explanation WHERE mode = 'crop' AND path = 'rp'"),
		  known);

	/* all modes over 16 items, 8 of which have CROP already: those CROP
	 * tasks are skipped, their calls answer COTE and RP from the log, and
	 * CROP of the new items reuses the calls of their COTE and RP tasks */
	opts(&o, &cfg, TEACHER_ALL);
	o.offline.cot_wrong = 0.5;
	e = estimate(&o, ids, 16);
	CHECK_INT(e.tasks, 48);
	CHECK_INT(e.skipped, 8);
	CHECK(e.cached_log >= 8);
	CHECK(e.cached - e.cached_log >= 8);
	check_exact(&o, ids, 16);

	/* a rerun: everything finished, nothing to call */
	e = estimate(&o, ids, 16);
	CHECK_INT(e.skipped, 48);
	CHECK_INT(e.calls, 0);
	CHECK_INT(e.tokens_in, 0);

	/* --force: nothing skipped, the log not used, but CROP still reuses
	 * the job's own COTE and RP calls */
	o.force = 1;
	e = estimate(&o, ids, 4);
	CHECK_INT(e.skipped, 0);
	CHECK_INT(e.cached_log, 0);
	CHECK_INT(e.calls, 8);
	CHECK_INT(e.cached, 4 + e.fallback_known);
	check_exact(&o, ids, 4);

	/* the text forms */
	o.force = 0;
	e = estimate(&o, ids, N);
	struct buf b;
	buf_init(&b);
	teacher_estimate_summary(&e, &b);
	char want[128];
	snprintf(want, sizeof want, "%d items, %d tasks: %lld calls", N, 3 * N, (long long)e.calls);
	CHECK_MSG(strstr(b.data, want) != NULL, "%s", b.data);
	CHECK(strstr(b.data, "~$0") != NULL);
	buf_reset(&b);
	teacher_estimate_lines(&e, &b);
	CHECK(strstr(b.data, "teacher offline/scripted-teacher, modes COTE RP CROP") != NULL);
	CHECK(strstr(b.data, "finished already (skipped)") != NULL);
	CHECK(strstr(b.data, "served from the cache") != NULL);
	CHECK(strstr(b.data, "the offline teacher's answers are known in advance") != NULL);
	CHECK(strstr(b.data, "bytes/4 of the prompts") != NULL);
	CHECK(strstr(b.data, "the offline teacher costs nothing") != NULL);
	buf_release(&b);

	/* errors: no mode, a provider that does not exist, no workspace */
	o.modes = 0;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(teacher_estimate(&o, ids, 1, NULL, NULL, &e, err), MENTOR_EUSAGE);
	opts(&o, &cfg, TEACHER_COT);
	o.provider = "nosuch";
	CHECK_INT(teacher_estimate(&o, ids, 1, NULL, NULL, &e, err), MENTOR_EUSAGE);
	opts(&o, &cfg, TEACHER_COT);
	o.db_path = "/nonexistent/dir/ws.db";
	CHECK(teacher_estimate(&o, ids, 1, NULL, NULL, &e, err) != 0);
	CHECK(strstr(err, "no such file") != NULL);
	config_release(&cfg);
}

static int stop_at_3(void *user, size_t done, size_t total)
{
	int *calls = user;
	(*calls)++;
	CHECK(total == 10);
	return done >= 3;
}

static void test_poll(void)
{
	struct config cfg;
	config_init(&cfg);
	int64_t ids[10];
	make_dataset("poll", 10, 0, ids);
	struct teacher_opts o;
	opts(&o, &cfg, TEACHER_ALL);
	struct teacher_estimate e;
	char err[MENTOR_ERR_LEN];
	int polls = 0;
	CHECK_INT(teacher_estimate(&o, ids, 10, stop_at_3, &polls, &e, err), MENTOR_ERR);
	CHECK_STR(err, "estimate cancelled");
	CHECK_INT(polls, 3);
	config_release(&cfg);
}

/* A remote provider (fakellm) with prices: what the log knows is exact, the
 * rest is estimated from past calls. */
static void test_remote(const char *exe)
{
	struct fakellm srv;
	if (fakellm_start(&srv, exe, NULL))
		TEST_SETUP_FAIL("cannot start fakellm");
	struct config cfg;
	config_init(&cfg);
	char text[600], err[MENTOR_ERR_LEN];
	snprintf(text, sizeof text,
		 "[provider fake]\ntype = openai\nbase_url = %s/v1\nmodel = fake-model\n"
		 "price_in = 1.5\nprice_out = 4\n",
		 srv.base);
	if (config_parse(&cfg, text, strlen(text), "test", NULL, err))
		TEST_SETUP_FAIL("%s", err);
	enum { N = 12 };
	int64_t ids[N];
	make_dataset("remote", N, 1, ids); /* even items: gold 42, fakellm's answer */
	struct teacher_opts o;
	opts(&o, &cfg, TEACHER_CROP);
	o.provider = "fake";
	o.k = 0;

	/* no past calls: every COTE answer is unknown, CROP's RP counted in
	 * full; output tokens from the default */
	struct teacher_estimate e = estimate(&o, ids, N);
	CHECK(!e.offline);
	CHECK_INT(e.calls, N);
	CHECK_INT(e.fallback_open, N);
	CHECK_INT(e.fallback_basis, 0);
	CHECK_NEAR(e.fallback_rate, 1.0, 1e-9);
	CHECK_INT(teacher_estimate_max_calls(&e), 2 * N);
	CHECK_INT(e.in_basis, 0);
	CHECK_INT(e.out_basis, 0);
	CHECK_NEAR(e.out_per_call, TEACHER_EST_OUT_DEFAULT, 1e-9);
	CHECK_INT(e.tokens_out, 2 * N * TEACHER_EST_OUT_DEFAULT);
	CHECK_NEAR(e.cost, (e.tokens_in * 1.5 + e.tokens_out * 4.0) / 1e6, 1e-9);
	CHECK_NEAR(e.cost, e.cost_max, 1e-12);
	struct buf b;
	buf_init(&b);
	teacher_estimate_lines(&e, &b);
	CHECK(strstr(b.data, "all counted (no past COTE calls of this model)") != NULL);
	CHECK(strstr(b.data, "200 per call: no past calls of this model") != NULL);
	CHECK(strstr(b.data, "at $1.5 in / $4 out per million tokens (USD)") != NULL);
	buf_reset(&b);

	/* COTE for the first 8 items: 4 right (42), 4 wrong */
	opts(&o, &cfg, TEACHER_COT);
	o.provider = "fake";
	o.k = 0;
	struct teacher_progress p = run(&o, ids, 8);
	CHECK_INT(p.calls, 8);
	CHECK_INT(p.errors, 0);

	/* CROP over all 12: 8 COTE answers in the log (4 wrong: 4 RP calls),
	 * 4 COTE calls to make whose answers are open (half wrong so far) */
	opts(&o, &cfg, TEACHER_CROP);
	o.provider = "fake";
	o.k = 0;
	e = estimate(&o, ids, N);
	CHECK_INT(e.tasks, N);
	CHECK_INT(e.skipped, 0);
	CHECK_INT(e.cached_log, 8);
	CHECK_INT(e.cached, 8);
	CHECK_INT(e.fallback_known, 4);
	CHECK_INT(e.calls, 4 + 4);
	CHECK_INT(e.fallback_open, 4);
	CHECK_INT(e.fallback_basis, 8);
	CHECK_NEAR(e.fallback_rate, 0.5, 1e-9);
	CHECK_NEAR(e.fallback_expected, 2.0, 1e-9);
	/* tokens: input from the past calls' reported usage per request byte,
	 * output their mean */
	CHECK_INT(e.in_basis, 8);
	CHECK_NEAR(
		e.in_per_byte,
		qd("SELECT CAST(sum(tokens_in) AS REAL) / sum(length(request_json)) FROM llm_call "
		   "WHERE provider = 'fake'"),
		1e-9);
	CHECK_INT(e.out_basis, 8);
	CHECK_NEAR(e.out_per_call,
		   qd("SELECT avg(tokens_out) FROM llm_call WHERE provider = 'fake'"), 1e-9);
	CHECK(e.tokens_in_max > e.tokens_in);
	CHECK(e.cost_max > e.cost);
	CHECK_NEAR(e.cost, (e.tokens_in * 1.5 + e.tokens_out * 4.0) / 1e6, 1e-7);
	teacher_estimate_summary(&e, &b);
	CHECK_MSG(strstr(b.data, "12 items, 12 tasks: 8 calls (+ up to 4), 8 cached, 0 skipped") !=
			  NULL,
		  "%s", b.data);
	buf_reset(&b);
	teacher_estimate_lines(&e, &b);
	CHECK_MSG(strstr(b.data,
			 "CROP: 4 RP fallbacks known to be needed, counted above; 4 COTE "
			 "answers not known yet: up to 4 more calls, ~2.0 expected (50% of 8 "
			 "past COTE calls were wrong)") != NULL,
		  "%s", b.data);
	CHECK(strstr(b.data, "per request byte, from 8 past calls") != NULL);
	CHECK(strstr(b.data, "the mean of 8 past calls") != NULL);
	buf_release(&b);

	/* the job: 4 COTE calls, 4 known RP calls, and RP for the open ones
	 * that went wrong (items 9 and 11: 2 of them) */
	int64_t before = q1("SELECT count(*) FROM llm_call");
	p = run(&o, ids, N);
	CHECK_INT(p.errors, 0);
	CHECK(p.calls >= e.calls && p.calls <= teacher_estimate_max_calls(&e));
	CHECK_INT(p.calls, 10);
	CHECK_INT(q1("SELECT count(*) FROM llm_call") - before, p.calls);
	CHECK_INT(p.cached, 8);

	/* finished: a rerun asks nothing */
	e = estimate(&o, ids, N);
	CHECK_INT(e.skipped, N);
	CHECK_INT(e.calls, 0);
	CHECK_INT(teacher_estimate_max_calls(&e), 0);
	CHECK_NEAR(e.cost, 0, 1e-12);

	/* --force: the log is not used, so no COTE answer is known */
	o.force = 1;
	e = estimate(&o, ids, 4);
	CHECK_INT(e.skipped, 0);
	CHECK_INT(e.cached, 0);
	CHECK_INT(e.calls, 4);
	CHECK_INT(e.fallback_open, 4);
	config_release(&cfg);
	fakellm_stop(&srv);
}

int main(void)
{
	snprintf(db, sizeof db, "%s", test_path("estimate.db"));
	unlink(db);
	test_offline();
	test_poll();
	const char *exe = fakellm_path();
	if (exe)
		test_remote(exe);
	else
		fprintf(stderr, "MENTOR_FAKELLM not set: the remote part is skipped\n");
	return test_done();
}
