/* test_hostile: the teacher against a misbehaving server over real sockets.
 * A call counts as successful only when it yields a non-empty, parseable
 * completion (empty text, errors inside a 200 stream, streams without
 * choices are recorded errors and retried on the next run); an API key
 * echoed back split across stream chunks reaches neither the workspace
 * file, nor `calls --json`, exports, live text or messages; a wrong key, a
 * spent quota or a run of identical failures stops a batch early (the
 * server counts the requests), and the error list says how many it left
 * out. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http/fakellm_proc.h"
#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "run.h"
#include "test.h"
#include "../../src/teacher_int.h"

#define KEY "sk-hostile-SECRET-0123456789abcdef"
#define KEY_MID "SECRET-0123456789"

static struct fakellm srv;
static const char *bin;
static char db[600], out_path[600], err_path[600];
static struct config cfg;

static long llm_requests(void)
{
	return fakellm_stat(&srv, "paths", "/v1/chat/completions");
}

static int64_t q1(const char *sql)
{
	return run_q1(db, sql);
}

static int64_t q1f(const char *fmt, const char *arg)
{
	char sql[1000];
	snprintf(sql, sizeof sql, fmt, arg);
	return q1(sql);
}

static int64_t dataset(const char *name)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	int64_t ds;
	if (!st || store_dataset_upsert(st, name, "test", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
	return ds;
}

/* n items "Q-OK1 <name> item i <marker i>" of dataset name; ids (may be
 * NULL) gets their ids. markers: one for all, or NULL-terminated cycle. */
static void items_q(const char *name, int n, const char *const *markers, int64_t *ids,
		    const char *head);

static void items(const char *name, int n, const char *const *markers, int64_t *ids)
{
	items_q(name, n, markers, ids, "Q-OK1 ");
}

/* The same with head (what the fake server's replies key on) before each
 * question: "" gets its default reply, whose answer (42) is wrong. */
static void items_q(const char *name, int n, const char *const *markers, int64_t *ids,
		    const char *head)
{
	int64_t ds = dataset(name);
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	size_t nm = 0;
	while (markers[nm])
		nm++;
	for (int i = 0; i < n; i++) {
		char q[300], ext[64];
		snprintf(q, sizeof q, "%s%s item %d: 7 plus 5? %s", head, name, i,
			 markers[(size_t)i % nm]);
		snprintf(ext, sizeof ext, "%s-%d", name, i);
		struct store_item it = {0};
		it.dataset_id = ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = "12";
		it.answer_type = "number";
		if (store_item_upsert(st, &it, err))
			TEST_SETUP_FAIL("%s", err);
		if (ids)
			ids[i] = it.id;
	}
	store_close(st);
}

struct seen {
	pthread_mutex_t mu;
	struct buf text;   /* every on_text delta, concatenated */
	struct buf report; /* result texts and errors */
	int errors;
};

static void cb_text(void *u, int64_t item, const char *mode, const char *path, const char *d,
		    size_t n)
{
	(void)item, (void)mode, (void)path;
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	buf_append(&s->text, d, n);
	pthread_mutex_unlock(&s->mu);
}

static void cb_result(void *u, const struct teacher_result *r)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	if (r->error)
		s->errors++;
	buf_printf(&s->report, "%s|%s\n", r->text ? r->text : "", r->error ? r->error : "");
	pthread_mutex_unlock(&s->mu);
}

/* Run a job over ids with provider fake, retries retries per request;
 * returns its progress. */
static struct teacher_progress job_r(const int64_t *ids, size_t n, int stream, int conc,
				     int retries, unsigned modes, struct seen *s)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_opts o;
	teacher_opts_init(&o);
	o.db_path = db;
	o.cfg = &cfg;
	o.provider = "fake";
	o.stream = stream;
	o.concurrency = conc;
	o.retries = retries;
	if (modes)
		o.modes = modes;
	o.prompts_dir = "/nonexistent/mentor-prompts";
	struct teacher_callbacks cb = {s, cb_text, cb_result, NULL};
	struct teacher_job *j = teacher_start(&o, ids, n, &cb, err);
	if (!j)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(teacher_wait(j, 100000), MENTOR_OK);
	struct teacher_progress p;
	teacher_get_progress(j, &p);
	teacher_free(j);
	return p;
}

static struct teacher_progress job(const int64_t *ids, size_t n, int stream, int conc,
				   struct seen *s)
{
	return job_r(ids, n, stream, conc, 0, 0, s);
}

static struct seen *seen_new(void)
{
	struct seen *s = calloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	buf_init(&s->text);
	buf_init(&s->report);
	buf_puts(&s->text, "");
	buf_puts(&s->report, "");
	return s;
}

static void seen_free(struct seen *s)
{
	buf_release(&s->text);
	buf_release(&s->report);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int cli(const char *const *args)
{
	return run_wait(run_spawn(bin, db, args, out_path, err_path));
}

static int file_has(const char *path, const char *needle)
{
	return run_file_has(path, needle);
}

/* ------------------------------------------------------- success rule */

static void test_success_rule(void)
{
	static const struct {
		const char *marker;
		int stream;
		const char *why; /* in the logged error */
	} cases[] = {
		{"[[fake:empty]]", 0, "empty completion"},
		{"[[fake:empty]]", 1, "empty completion"},
		{"[[fake:stream-error=llama]]", 1, "exceeds the available context size"},
		{"[[fake:stream-error=llama-done]]", 1, "exceeds the available context size"},
		{"[[fake:stream-error=data]]", 1, "exceeds the available context size"},
		{"[[fake:no-choices]]", 1, "without any choice"},
		{"[[fake:no-choices]]", 0, "choices"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[32], like[64];
		snprintf(name, sizeof name, "succ%zu", i);
		snprintf(like, sizeof like, "%% %s item %%", name);
		const char *m[] = {cases[i].marker, NULL};
		int64_t id;
		items(name, 1, m, &id);
		for (int round = 1; round <= 2; round++) {
			struct seen *s = seen_new();
			long before = llm_requests();
			struct teacher_progress p = job(&id, 1, cases[i].stream, 1, s);
			CHECK_MSG(p.errors == 1 && p.cached == 0,
				  "%s stream %d round %d: errors %lld cached %lld", cases[i].marker,
				  cases[i].stream, round, (long long)p.errors, (long long)p.cached);
			/* Never answered from the log: the rerun asks the server again. */
			CHECK_MSG(llm_requests() - before == 1,
				  "%s stream %d round %d: %ld requests", cases[i].marker,
				  cases[i].stream, round, llm_requests() - before);
			seen_free(s);
		}
		char sql[600];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM llm_call WHERE request_json LIKE '%s' "
			 "AND status='ok'",
			 like);
		CHECK_MSG(q1(sql) == 0, "%s stream %d: logged ok", cases[i].marker,
			  cases[i].stream);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM llm_call WHERE request_json LIKE '%s' "
			 "AND status='error' AND error LIKE '%%%s%%'",
			 like, cases[i].why);
		CHECK_MSG(q1(sql) == 2, "%s stream %d: %lld error rows saying '%s'",
			  cases[i].marker, cases[i].stream, (long long)q1(sql), cases[i].why);
		CHECK_INT(q1f("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id "
			      "WHERE i.ext_id LIKE '%s-%%'",
			      name),
			  0);
	}
	/* The stop rule does not count these as a key or quota problem. */
}

/* --------------------------------------------------------- redaction */

static void test_split_key(void)
{
	static const int offsets[] = {1, 2, 5, 11, 17, 25, 33};
	size_t n = sizeof offsets / sizeof offsets[0];
	int64_t ids[8];
	for (size_t i = 0; i < n; i++) {
		char name[32], marker[64];
		snprintf(name, sizeof name, "echo%d", offsets[i]);
		snprintf(marker, sizeof marker, "[[fake:echo-key-split=%d]]", offsets[i]);
		const char *m[] = {marker, NULL};
		items(name, 1, m, &ids[i]);
	}
	for (int stream = 1; stream >= 0; stream--) {
		struct seen *s = seen_new();
		struct teacher_progress p = job(ids, n, stream, 2, s);
		CHECK_INT(p.errors, 0);
		CHECK_MSG(!strstr(s->text.data, KEY) && !strstr(s->text.data, KEY_MID),
			  "live text shows the key (stream %d)", stream);
		CHECK_MSG(!strstr(s->report.data, KEY), "a result carries the key (stream %d)",
			  stream);
		/* the explanation is still read: the key is masked, not the text dropped */
		CHECK(strstr(s->report.data, "So the answer is 12.") != NULL);
		seen_free(s);
		/* The stored responses answer a rerun: still no key once assembled. */
		char err[MENTOR_ERR_LEN];
		struct store *st = store_open(db, err);
		sqlite3_exec(store_db(st),
			     "DELETE FROM explanation WHERE item_id IN (SELECT i.id "
			     "FROM item i WHERE i.ext_id LIKE 'echo%')",
			     NULL, NULL, NULL);
		store_close(st);
		s = seen_new();
		long before = llm_requests();
		p = job(ids, n, stream, 2, s);
		CHECK_INT(p.errors, 0);
		CHECK_INT(p.cached, (int64_t)n);
		CHECK_INT(llm_requests() - before, 0);
		CHECK(!strstr(s->text.data, KEY) && !strstr(s->report.data, KEY));
		seen_free(s);
		if (stream) {
			st = store_open(db, err);
			sqlite3_exec(store_db(st),
				     "DELETE FROM explanation WHERE item_id IN (SELECT "
				     "i.id FROM item i WHERE i.ext_id LIKE 'echo%')",
				     NULL, NULL, NULL);
			store_close(st);
		}
	}
	CHECK(q1("SELECT count(*) FROM llm_call WHERE response_text LIKE 'data:%' AND "
		 "request_json LIKE '%echo-key-split%' AND status='ok'") >= (int64_t)n);

	/* Through the command line: explain (streamed, and a key echoed in an
	 * error), calls --json, explanations --json, export. */
	const char *m2[] = {"[[fake:echo-key-split=9]]", "[[fake:echo-auth]]", NULL};
	items("echocli", 2, m2, NULL);
	const char *a1[] = {"explain", "echocli", "--provider", "fake", "--stream", NULL};
	CHECK(cli(a1) != 0); /* the echo-auth item failed */
	CHECK(!file_has(out_path, KEY) && !file_has(err_path, KEY));
	CHECK(!file_has(err_path, KEY_MID));
	const char *a2[] = {"calls", "--json", NULL};
	CHECK_INT(cli(a2), 0);
	CHECK(file_has(out_path, "echo-key-split"));
	CHECK(!file_has(out_path, KEY) && !file_has(out_path, KEY_MID));
	const char *a3[] = {"explanations", "echocli", "--json", NULL};
	CHECK_INT(cli(a3), 0);
	CHECK(file_has(out_path, "that was the key"));
	CHECK(!file_has(out_path, KEY) && !file_has(out_path, KEY_MID));
	const char *exp = test_path("export.jsonl");
	const char *a4[] = {"export", "echo5", "--status", "all", "--out", exp, NULL};
	CHECK_INT(cli(a4), 0);
	CHECK(file_has(exp, "that was the key"));
	CHECK(!file_has(exp, KEY) && !file_has(exp, KEY_MID));
}

/* The redactor itself, on malformed, truncated, huge and hostile input. */
static void test_redact_unit(void)
{
	/* a key cut between two stream events (and [DONE] kept) */
	const char *sse = "data: {\"choices\":[{\"delta\":{\"content\":\"k=sk-hos\"}}]}\n\n"
			  "data: {\"choices\":[{\"delta\":{\"content\":\"tile-SECRET-0123456789"
			  "abcdef ok\"}}]}\n\ndata: [DONE]\n\n";
	char *r = teacher_redact(KEY, sse);
	CHECK(!strstr(r, "sk-hos") && !strstr(r, KEY_MID) && strstr(r, "data: [DONE]"));
	struct buf b;
	buf_init(&b);
	int64_t a, c;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(teacher_parse_response("openai", r, strlen(r), &b, &a, &c, err), 0);
	CHECK(b.data && strstr(b.data, "k=**********") && strstr(b.data, " ok"));
	buf_release(&b);
	free(r);
	/* the same cut, truncated mid-event (no blank line, no [DONE]) */
	r = teacher_redact(
		KEY, "data: {\"c\":\"sk-hostile-\"}\n\ndata: {\"c\":\"SECRET-0123456789abcdef\"}");
	CHECK(!strstr(r, "sk-hostile-") && !strstr(r, KEY_MID));
	free(r);
	/* escaped in JSON, and in a non-JSON data line, and in plain text */
	r = teacher_redact(KEY, "{\"error\":{\"message\":\"bad key \\u0073k-hostile-SECRET-"
				"0123456789abcdef\"}}");
	CHECK(!strstr(r, "hostile-SECRET") && strstr(r, "bad key"));
	free(r);
	r = teacher_redact(KEY, "data: not json " KEY "\ndata: more\n\n");
	CHECK(!strstr(r, KEY) && strstr(r, "not json"));
	free(r);
	r = teacher_redact(KEY, "<html>" KEY "</html>");
	CHECK_STR(r, "<html>**********************************</html>");
	free(r);
	/* malformed JSON: the plain occurrences still go */
	r = teacher_redact(KEY, "{\"a\":\"" KEY);
	CHECK(!strstr(r, KEY));
	free(r);
	/* a long stream, the key cut across its last two events */
	struct buf big;
	buf_init(&big);
	for (int i = 0; i < 20000; i++)
		buf_puts(&big, "data: {\"choices\":[{\"delta\":{\"content\":\"w \"}}]}\n\n");
	buf_puts(&big, "data: {\"choices\":[{\"delta\":{\"content\":\"sk-hostile-SECRET\"}}]}\n\n"
		       "data: {\"choices\":[{\"delta\":{\"content\":\"-0123456789abcdef\"}}]}\n\n");
	r = teacher_redact(KEY, big.data);
	CHECK(!strstr(r, "sk-hostile-SECRET") && !strstr(r, "-0123456789abcdef"));
	free(r);
	buf_release(&big);
	/* nothing to mask: the text comes back as it was */
	r = teacher_redact(KEY, "data: {\"a\":1}\n\n: comment\n");
	CHECK_STR(r, "data: {\"a\":1}\n\n: comment\n");
	free(r);
	r = teacher_redact("abc", "abc abc");
	CHECK_STR(r, "abc abc"); /* too short to be a key */
	free(r);
	CHECK(teacher_redact(KEY, NULL) == NULL);
	/* live text: a tail that could still become the key is held back */
	char live[64];
	snprintf(live, sizeof live, "so sk-host");
	CHECK_INT(teacher_redact_live(KEY, live, strlen(live)), 3);
	snprintf(live, sizeof live, "so sk-hostile-SECRET-0123456789abcdef!");
	CHECK_INT(teacher_redact_live(KEY, live, strlen(live)), strlen(live));
	CHECK(!strstr(live, "SECRET"));
}

/* --------------------------------------------------------- stop rule */

/* explain over a dataset of n items whose questions carry marker; returns
 * the requests the server received. */
static long explain_count(const char *name, int n, const char *const *markers, int conc,
			  int *status)
{
	items(name, n, markers, NULL);
	char cs[16];
	snprintf(cs, sizeof cs, "%d", conc);
	const char *a[] = {"explain", name, "--provider", "fake", "--concurrency", cs, NULL};
	long before = llm_requests();
	*status = cli(a);
	return llm_requests() - before;
}

static int err_has(const char *needle)
{
	return file_has(err_path, needle);
}

static void test_stop_rule(void)
{
	int st;
	/* A wrong key: 50 items, at most the requests in flight are sent. */
	const char *m401[] = {"[[fake:status=401]]", NULL};
	long got = explain_count("k401", 50, m401, 2, &st);
	CHECK(st != 0);
	CHECK_MSG(got >= 1 && got <= 2, "401: %ld requests for 50 items", got);
	CHECK(err_has("HTTP 401"));
	CHECK(err_has("API key"));
	CHECK(err_has("not attempted"));
	CHECK(err_has("MENTOR_HOSTILE_KEY"));

	const char *m403[] = {"[[fake:status=403]]", NULL};
	got = explain_count("k403", 50, m403, 2, &st);
	CHECK(st != 0);
	CHECK_MSG(got >= 1 && got <= 2, "403: %ld requests for 50 items", got);
	CHECK(err_has("HTTP 403"));

	/* A spent quota (429 insufficient_quota) and 402 Payment Required. */
	const char *mq[] = {"[[fake:quota]]", NULL};
	got = explain_count("quota", 50, mq, 2, &st);
	CHECK(st != 0);
	CHECK_MSG(got >= 1 && got <= 2, "quota: %ld requests for 50 items", got);
	CHECK(err_has("quota"));
	CHECK(err_has("not attempted"));
	const char *m402[] = {"[[fake:status=402]]", NULL};
	got = explain_count("pay", 50, m402, 2, &st);
	CHECK(st != 0);
	CHECK_MSG(got >= 1 && got <= 2, "402: %ld requests for 50 items", got);
	CHECK(err_has("HTTP 402"));

	/* The same failure five times in a row. */
	const char *m500[] = {"[[fake:500]]", NULL};
	got = explain_count("same", 50, m500, 1, &st);
	CHECK(st != 0);
	CHECK_MSG(got == 5, "identical failures: %ld requests for 50 items", got);
	CHECK(err_has("5 tasks in a row"));
	CHECK(err_has("45 of 50 tasks were not attempted"));

	/* Different failures do not stop the run; the list is cut at 20. */
	const char *mix[] = {"[[fake:status=500]]", "[[fake:status=502]]", "[[fake:status=503]]",
			     "[[fake:status=504]]", NULL};
	got = explain_count("mixed", 30, mix, 1, &st);
	CHECK(st != 0);
	CHECK_INT(got, 30);
	CHECK(err_has("... and 10 more errors"));
	CHECK(!err_has("not attempted"));

	/* The library (the workbench's bulk generation) stops the same way. */
	int64_t ids[20];
	items("lib401", 20, m401, ids);
	struct seen *s = seen_new();
	long before = llm_requests();
	struct teacher_progress p = job(ids, 20, 0, 3, s);
	CHECK(llm_requests() - before <= 3);
	CHECK(p.done < 20);
	CHECK(p.stopped);
	CHECK(strstr(p.stop_reason, "HTTP 401") && strstr(p.stop_reason, "not attempted"));
	/* a plain rate limit (429 without quota words) is not a quota stop */
	const char *m429[] = {"[[fake:429]]", "[[fake:status=500]]", NULL};
	items("rate", 6, m429, ids);
	before = llm_requests();
	p = job(ids, 6, 0, 1, s);
	CHECK_INT(llm_requests() - before, 6);
	CHECK(!p.stopped && !p.stop_reason[0]);
	/* a spent quota is not retried, however many retries are allowed: one
	 * request, and the job stops */
	items("quota_retry", 6, mq, ids);
	before = llm_requests();
	p = job_r(ids, 6, 0, 1, 3, 0, s);
	CHECK_INT(llm_requests() - before, 1);
	CHECK(p.stopped && strstr(p.stop_reason, "quota"));
	/* while a plain rate limit is retried (then answered) */
	const char *m429once[] = {"[[fake:429-once]]", NULL};
	items("rate_retry", 1, m429once, ids);
	before = llm_requests();
	p = job_r(ids, 1, 0, 1, 1, 0, s);
	CHECK_INT(llm_requests() - before, 2);
	CHECK(!p.stopped);
	/* CROP: an answer that comes back wrong after the job stopped is kept
	 * as the COTE attempt but does not go on to RP. Item 0's COTE (slow,
	 * answered 42 where the gold is 12) is in flight when item 1's 401
	 * stops the job. */
	const char *mcrop[] = {"no-ok [[fake:delay=800]]", "[[fake:status=401]]", NULL};
	items_q("crop_stop", 2, mcrop, ids, "");
	before = llm_requests();
	p = job_r(ids, 2, 0, 2, 0, TEACHER_CROP, s);
	CHECK_INT(llm_requests() - before, 2);
	CHECK(p.stopped && strstr(p.stop_reason, "HTTP 401"));
	seen_free(s);
}

int main(void)
{
	const char *exe = fakellm_path();
	bin = getenv("MENTOR_BIN");
	if (!exe || !bin || !*bin)
		TEST_SKIP("MENTOR_FAKELLM or MENTOR_BIN not set");
	char replies[600];
	snprintf(replies, sizeof replies, "%s", test_path("replies.json"));
	const char *rj = "{\"Q-OK1\":\"7 + 5 = 12. So the answer is 12.\"}";
	test_write_file(replies, rj, strlen(rj));
	const char *extra[] = {"--reply-file", replies, NULL};
	if (fakellm_start(&srv, exe, extra))
		TEST_SETUP_FAIL("cannot start fakellm");
	snprintf(db, sizeof db, "%s", test_path("hostile.db"));
	snprintf(out_path, sizeof out_path, "%s", test_path("out.txt"));
	snprintf(err_path, sizeof err_path, "%s", test_path("err.txt"));
	char xdg[600], dir[700], cfgp[800];
	snprintf(xdg, sizeof xdg, "%s", test_path("xdg"));
	mkdir(xdg, 0700);
	snprintf(dir, sizeof dir, "%s/mentor", xdg);
	mkdir(dir, 0700);
	snprintf(cfgp, sizeof cfgp, "%s/config", dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("MENTOR_DB");
	setenv("MENTOR_HOSTILE_KEY", KEY, 1);
	struct buf c;
	buf_init(&c);
	buf_printf(&c,
		   "[defaults]\nk = 0\nretries = 0\ntimeout = 20\n[provider fake]\ntype = openai\n"
		   "base_url = %s/v1\napi_key_env = MENTOR_HOSTILE_KEY\nmodel = fake-model\n",
		   srv.base);
	test_write_file(cfgp, c.data, c.len);
	chmod(cfgp, 0600);
	char err[MENTOR_ERR_LEN];
	config_init(&cfg);
	if (config_parse(&cfg, c.data, c.len, "test", NULL, err))
		TEST_SETUP_FAIL("%s", err);
	buf_release(&c);

	test_redact_unit();
	test_success_rule();
	test_split_key();
	test_stop_rule();

	/* The key never reached the workspace: raw bytes of the file and WAL. */
	char wal[700];
	snprintf(wal, sizeof wal, "%s-wal", db);
	CHECK(!file_has(db, KEY) && !file_has(db, KEY_MID));
	CHECK(!file_has(wal, KEY) && !file_has(wal, KEY_MID));
	CHECK(fakellm_stat(&srv, "auth", "authorization") > 0);
	config_release(&cfg);
	fakellm_stop(&srv);
	return test_done();
}
