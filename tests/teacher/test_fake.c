/* test_fake: the teacher against the fakellm server over real 127.0.0.1
 * sockets: OpenAI and Anthropic formats, plain and streamed, usage tokens,
 * 429 with Retry-After, 500, malformed JSON, truncated stream, a hang ended
 * by the timeout, cache hits proven by the server's request count, --force,
 * cancellation, and the API key never reaching the workspace file. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "http/fakellm_proc.h"
#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "run.h"
#include "test.h"

#define KEY "sk-mentor-test-SECRET-0123456789abcdef"

static struct fakellm srv;
static const char *db;
static struct config cfg;
static int64_t ds;

struct seen {
	pthread_mutex_t mu;
	int texts, errors, results;
	struct buf text;
};

static void cb_text(void *u, int64_t item, const char *mode, const char *path, const char *d,
		    size_t n)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	s->texts++;
	buf_append(&s->text, d, n);
	pthread_mutex_unlock(&s->mu);
}

static void cb_result(void *u, const struct teacher_result *r)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	s->results++;
	if (r->error) {
		s->errors++;
		fprintf(stderr, "result error: item %lld %s: %s\n", (long long)r->item_id, r->mode,
			r->error);
	}
	pthread_mutex_unlock(&s->mu);
}

static int64_t q1(const char *sql)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	store_close(st);
	return v;
}

static int64_t add(const char *ext, const char *q, const char *ans)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	struct store_item it = {0};
	it.dataset_id = ds;
	it.split = "train";
	it.ext_id = (char *)ext;
	it.question = (char *)q;
	it.answer = (char *)ans;
	it.answer_type = "number";
	if (store_item_upsert(st, &it, err))
		TEST_SETUP_FAIL("%s (dataset %lld)", err, (long long)ds);
	store_close(st);
	return it.id;
}

struct run_opts {
	const char *provider, *model;
	unsigned modes;
	int stream, force, conc;
	double timeout_s;
	int retries;
	long cancel_after_ms;
};

static struct teacher_progress run(const struct run_opts *ro, const int64_t *ids, size_t n,
				   struct seen *s)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_opts o;
	teacher_opts_init(&o);
	o.db_path = db;
	o.cfg = &cfg;
	o.provider = ro->provider;
	o.model = ro->model;
	o.modes = ro->modes ? ro->modes : TEACHER_COT;
	o.stream = ro->stream;
	o.force = ro->force;
	o.concurrency = ro->conc;
	o.timeout_s = ro->timeout_s;
	o.retries = ro->retries;
	o.prompts_dir = "/nonexistent/mentor-prompts";
	struct teacher_callbacks cb = {s, cb_text, cb_result, NULL};
	struct teacher_job *j = teacher_start(&o, ids, n, &cb, err);
	if (!j)
		TEST_SETUP_FAIL("%s", err);
	if (ro->cancel_after_ms) {
		struct timespec ts = {ro->cancel_after_ms / 1000,
				      (ro->cancel_after_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		teacher_cancel(j);
		CHECK_INT(teacher_wait(j, 10000), MENTOR_OK);
	} else {
		CHECK_INT(teacher_wait(j, 100000), MENTOR_OK);
	}
	struct teacher_progress p;
	teacher_get_progress(j, &p);
	teacher_free(j);
	return p;
}

static struct seen *seen_new(void)
{
	struct seen *s = calloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	buf_init(&s->text);
	return s;
}

static void seen_free(struct seen *s)
{
	buf_release(&s->text);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static long stat_(const char *cat, const char *key)
{
	return fakellm_stat(&srv, cat, key);
}

static void test_openai_plain_cache_force(void)
{
	int64_t ids[3] = {add("o1", "Q-OK1 Ann has 7 and gets 5.", "12"),
			  add("o2", "Q-OK2 Bo has 2 and gets 2.", "4"),
			  add("o3", "Q-WRONG Cy has 1 and gets 1.", "2")};
	struct run_opts ro = {"fake", NULL, TEACHER_COT, 0, 0, 2, 0, -1, 0};
	struct seen *s = seen_new();
	long before = stat_("paths", "/v1/chat/completions");
	struct teacher_progress p = run(&ro, ids, 3, s);
	CHECK_INT(p.done, 3);
	CHECK_INT(p.errors, 0);
	CHECK_INT(p.calls, 3);
	CHECK_INT(stat_("paths", "/v1/chat/completions") - before, 3);
	CHECK(stat_("auth", "authorization") >= 3);
	CHECK_INT(q1("SELECT count(*) FROM explanation WHERE mode='cot' AND correct=1"), 2);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation WHERE mode='cot' AND correct=0 AND parsed_answer='3'"),
		1);
	/* Usage from the response, not estimated; no key in the stored request. */
	CHECK_INT(
		q1("SELECT count(*) FROM llm_call WHERE status='ok' AND tokens_estimated=0 AND tokens_in>0"
		   " AND provider='fake' AND model='fake-model'"),
		3);
	CHECK(p.cost > 0);
	seen_free(s);

	/* Rerun: skipped, no request. */
	s = seen_new();
	p = run(&ro, ids, 3, s);
	CHECK_INT(p.skipped, 3);
	CHECK_INT(stat_("paths", "/v1/chat/completions") - before, 3);
	seen_free(s);

	/* Explanations gone, calls kept: the log answers, still no request. */
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	sqlite3_exec(store_db(st), "DELETE FROM explanation", NULL, NULL, NULL);
	store_close(st);
	s = seen_new();
	p = run(&ro, ids, 3, s);
	CHECK_INT(p.cached, 3);
	CHECK_INT(p.calls, 0);
	CHECK_INT(p.cost, 0);
	CHECK_INT(stat_("paths", "/v1/chat/completions") - before, 3);
	CHECK_INT(q1("SELECT count(*) FROM explanation"), 3);
	CHECK(s->texts >= 3);
	seen_free(s);

	/* --force goes to the network again. */
	ro.force = 1;
	s = seen_new();
	p = run(&ro, ids, 3, s);
	CHECK_INT(p.calls, 3);
	CHECK_INT(p.cached, 0);
	CHECK_INT(stat_("paths", "/v1/chat/completions") - before, 6);
	CHECK_INT(q1("SELECT count(*) FROM explanation"), 6);
	seen_free(s);
}

static void test_streams(void)
{
	int64_t ids[1] = {add("s1", "Q-OK1 streamed: Ann has 7 and gets 5.", "12")};
	/* OpenAI SSE: text arrives in pieces, usage from the last chunk. */
	struct run_opts ro = {"fake", "fake-stream", TEACHER_COT, 1, 0, 2, 0, -1, 0};
	struct seen *s = seen_new();
	long streams = stat_("kinds", "stream");
	struct teacher_progress p = run(&ro, ids, 1, s);
	CHECK_INT(p.errors, 0);
	CHECK(s->texts > 1);
	CHECK_STR(s->text.data, "7 + 5 = 12. So the answer is 12.");
	CHECK_INT(stat_("kinds", "stream") - streams, 1);
	CHECK_INT(
		q1("SELECT count(*) FROM llm_call WHERE model='fake-stream' AND tokens_estimated=0 "
		   "AND response_text LIKE 'data:%'"),
		1);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN llm_call c ON c.id=e.call_id WHERE "
		   "c.model='fake-stream' AND e.correct=1 AND e.text='7 + 5 = 12. So the answer is 12.'"),
		1);
	seen_free(s);

	/* Anthropic, plain and streamed, all three modes. */
	long msgs = stat_("paths", "/v1/messages");
	long xkey = stat_("auth", "x-api-key");
	int64_t a[2] = {add("a1", "Q-OK2 anth: Bo has 2 and gets 2.", "4"),
			add("a2", "Q-WRONG anth: Cy has 1 and gets 1.", "2")};
	struct run_opts ra = {"fakeanth", NULL, TEACHER_ALL, 0, 0, 2, 0, -1, 0};
	s = seen_new();
	p = run(&ra, a, 2, s);
	CHECK_INT(p.errors, 0);
	CHECK_INT(p.done, 6);
	CHECK_INT(stat_("paths", "/v1/messages") - msgs, 4); /* cot + rp per item; crop reuses */
	CHECK(stat_("auth", "x-api-key") - xkey >= 4);
	/* Q-WRONG: COTE says 3 (wrong), CROP falls back to RP. */
	CHECK_INT(
		q1("SELECT count(*) FROM explanation r JOIN explanation c ON c.id=r.attempt_of JOIN item i "
		   "ON i.id=r.item_id WHERE i.ext_id='a2' AND r.mode='crop' AND r.path='rp' AND c.correct=0"),
		1);
	CHECK_INT(q1("SELECT count(*) FROM explanation WHERE leaked=1"), 0);
	seen_free(s);
	/* An RP answer that only restates the hint is flagged as leaked. */
	int64_t lk[1] = {add("a3", "Q-LEAK anth: Di has 3 and gets 1.", "4")};
	ra.modes = TEACHER_RP;
	s = seen_new();
	p = run(&ra, lk, 1, s);
	CHECK_INT(p.errors, 0);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE i.ext_id='a3' "
		   "AND e.mode='rp' AND e.leaked=1 AND e.correct=1"),
		1);
	seen_free(s);
	ra.stream = 1;
	ra.model = "claude-stream";
	ra.modes = TEACHER_COT;
	s = seen_new();
	p = run(&ra, a, 1, s);
	CHECK_INT(p.errors, 0);
	CHECK(s->texts > 1);
	CHECK_STR(s->text.data, "2 + 2 = 4. So the answer is 4.");
	CHECK_INT(
		q1("SELECT count(*) FROM llm_call WHERE model='claude-stream' AND status='ok' AND tokens_in>0"),
		1);
	seen_free(s);
}

static void test_errors(void)
{
	/* 429 once with Retry-After: retried by the transport, one logged call. */
	int64_t r429[1] = {add("f1", "Q-OK1 [[fake:429-once]] Ann has 7 and gets 5.", "12")};
	struct run_opts ro = {"fake", NULL, TEACHER_COT, 0, 0, 2, 10, 2, 0};
	struct seen *s = seen_new();
	long n429 = stat_("status", "429");
	struct teacher_progress p = run(&ro, r429, 1, s);
	CHECK_INT(p.errors, 0);
	CHECK_INT(stat_("status", "429") - n429, 1);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE i.ext_id='f1'"),
		1);
	seen_free(s);

	/* 500 always: an error, logged with its status; no explanation. */
	int64_t r500[1] = {add("f2", "Q-OK1 [[fake:500]] broken.", "12")};
	ro.retries = 1;
	s = seen_new();
	p = run(&ro, r500, 1, s);
	CHECK_INT(p.errors, 1);
	CHECK_INT(s->errors, 1);
	CHECK_INT(q1("SELECT count(*) FROM llm_call WHERE status='error' AND http_code=500"), 1);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE i.ext_id='f2'"),
		0);
	seen_free(s);

	/* Malformed JSON: error, and the raw body kept in the log. */
	int64_t mal[1] = {add("f3", "Q-OK1 [[fake:malformed]] bad json.", "12")};
	s = seen_new();
	p = run(&ro, mal, 1, s);
	CHECK_INT(p.errors, 1);
	CHECK_INT(
		q1("SELECT count(*) FROM llm_call WHERE status='error' AND error LIKE 'malformed%' "
		   "AND response_text LIKE '%unterminated%'"),
		1);
	seen_free(s);

	/* Truncated stream: error, no explanation. */
	int64_t tr[1] = {add("f4", "Q-OK1 [[fake:truncate]] cut.", "12")};
	ro.stream = 1;
	s = seen_new();
	p = run(&ro, tr, 1, s);
	CHECK_INT(p.errors, 1);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE i.ext_id='f4'"),
		0);
	seen_free(s);

	/* A hang is ended by the timeout. */
	int64_t hg[1] = {add("f5", "Q-OK1 [[fake:hang]] silent.", "12")};
	ro.stream = 0;
	ro.timeout_s = 1;
	ro.retries = 0;
	s = seen_new();
	p = run(&ro, hg, 1, s);
	CHECK_INT(p.errors, 1);
	/* returning at all shows the hang was ended; the error says why */
	CHECK_INT(
		q1("SELECT count(*) FROM llm_call WHERE status = 'error' AND error LIKE '%time%'"),
		1);
	seen_free(s);

	/* A server echoing the key in its error body: scrubbed before storing. */
	int64_t ec[1] = {add("f6", "Q-OK1 [[fake:echo-auth]] who am i.", "12")};
	ro.timeout_s = 10;
	s = seen_new();
	p = run(&ro, ec, 1, s);
	CHECK_INT(p.errors, 1);
	CHECK_INT(q1("SELECT count(*) FROM llm_call WHERE http_code=401"), 1);
	seen_free(s);

	/* Cancel a running batch: slow replies, cancelled quickly, nothing stored. */
	int64_t sl[4] = {add("c1", "Q-OK1 [[fake:delay=5000]] a", "12"),
			 add("c2", "Q-OK1 [[fake:delay=5000]] b", "12"),
			 add("c3", "Q-OK1 [[fake:delay=5000]] c", "12"),
			 add("c4", "Q-OK1 [[fake:delay=5000]] d", "12")};
	struct run_opts rc = {"fake", NULL, TEACHER_COT, 0, 0, 2, 30, 0, 300};
	s = seen_new();
	p = run(&rc, sl, 4, s);
	CHECK(p.cancelled);
	CHECK(p.done < 4);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE i.ext_id LIKE 'c_'"),
		0);
	seen_free(s);
}

int main(void)
{
	const char *exe = fakellm_path();
	if (!exe)
		TEST_SKIP("MENTOR_FAKELLM not set");
	char replies[600];
	snprintf(replies, sizeof replies, "%s", test_path("replies.json"));
	const char *rj = "{\"Q-OK1\":\"7 + 5 = 12. So the answer is 12.\","
			 "\"Q-OK2\":\"2 + 2 = 4. So the answer is 4.\","
			 "\"Q-WRONG\":\"1 + 1 = 3. So the answer is 3.\","
			 "\"Q-LEAK\":\"The answer is 4 because it is the answer.\"}";
	test_write_file(replies, rj, strlen(rj));
	const char *extra[] = {"--reply-file", replies, NULL};
	if (fakellm_start(&srv, exe, extra))
		TEST_SETUP_FAIL("cannot start fakellm");
	setenv("MENTOR_TEST_KEY", KEY, 1);
	static char dbp[600];
	snprintf(dbp, sizeof dbp, "%s", test_path("fake.db"));
	db = dbp;
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st || store_dataset_upsert(st, "fake", "test", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	config_init(&cfg);
	struct buf c;
	buf_init(&c);
	buf_printf(
		&c,
		"[defaults]\nretries = 2\ntimeout = 20\nk = 0\n"
		"[provider fake]\ntype = openai\nbase_url = %s/v1\napi_key_env = MENTOR_TEST_KEY\n"
		"model = fake-model\nprice_in = 1\nprice_out = 2\n"
		"[provider fakeanth]\ntype = anthropic\nbase_url = %s\napi_key_env = MENTOR_TEST_KEY\n"
		"model = fake-claude\n",
		srv.base, srv.base);
	if (config_parse(&cfg, c.data, c.len, "test", NULL, err))
		TEST_SETUP_FAIL("%s", err);
	buf_release(&c);

	test_openai_plain_cache_force();
	test_streams();
	test_errors();

	/* The key never reached the workspace (main file and WAL). */
	char wal[600];
	snprintf(wal, sizeof wal, "%s-wal", db);
	CHECK(!run_file_has(db, KEY));
	CHECK(!run_file_has(wal, KEY));
	CHECK(!run_file_has(db, "SECRET-0123"));
	/* ...though the server did see it. */
	CHECK(stat_("auth", "authorization") > 0);

	config_release(&cfg);
	fakellm_stop(&srv);
	return test_done();
}
