/* test_cli_teacher: the teacher's commands through the real mentor binary:
 * explain (offline, all modes), explanations --json, calls --json, review
 * and undo, usage errors, prompt templates written and edited, a batch
 * killed with SIGKILL and resumed without paying twice (fakellm /stats), a
 * batch stopped with SIGINT keeping what finished, the key never in the
 * workspace file, and --dry-run: the estimate of a run that asks nothing and
 * leaves the workspace file byte for byte as it was. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "http/fakellm_proc.h"
#include "mentor/store.h"
#include "mentor/util.h"
#include "run.h"
#include "test.h"

#define KEY "sk-cli-test-SECRET-9876543210fedcba"

static const char *bin;
static char db[600], out_path[600], err_path[600], xdg[600];

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static pid_t spawn(const char *const *args)
{
	return run_spawn(bin, db, args, out_path, err_path);
}

static int run(const char *const *args)
{
	return run_wait(spawn(args));
}

static int out_has(const char *needle)
{
	char *d = run_slurp(out_path);
	int r = strstr(d, needle) != NULL;
	free(d);
	return r;
}

static int err_has(const char *needle)
{
	char *d = run_slurp(err_path);
	int r = strstr(d, needle) != NULL;
	free(d);
	return r;
}

static int64_t q1(const char *sql)
{
	return run_q1(db, sql);
}

static int64_t make_dataset(const char *name, int n, const char *marker, int with_trace)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	int64_t ds;
	if (!st || store_dataset_upsert(st, name, "test", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	for (int i = 0; i < n; i++) {
		char q[200], ext[32], ans[16], tr[400], rat[100];
		int a = i + 2, b = i + 5;
		snprintf(q, sizeof q, "Q-OK1 %s item %d: %d plus %d? %s", name, i, a, b, marker);
		snprintf(ext, sizeof ext, "%s-%d", name, i);
		snprintf(ans, sizeof ans, "%d", with_trace ? a + b : 12);
		snprintf(tr, sizeof tr,
			 "{\"steps\":[\"%d + %d = %d.\"],\"answer\":\"%d\",\"distractor\":\"%d\","
			 "\"wrong_steps\":[\"%d + %d = %d.\"]}",
			 a, b, a + b, a + b, a + b + 1, a, b, a + b + 1);
		snprintf(rat, sizeof rat, "Add %d and %d: %d.", a, b, a + b);
		struct store_item it = {0};
		it.dataset_id = ds;
		it.split = i % 4 == 3 ? "test" : "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = ans;
		it.answer_type = "number";
		it.gold_rationale = with_trace ? rat : NULL;
		it.trace_json = with_trace ? tr : NULL;
		if (store_item_upsert(st, &it, err))
			TEST_SETUP_FAIL("%s", err);
	}
	store_close(st);
	return ds;
}

static int64_t rates_count(const char *mode, const char *cond)
{
	char sql[400];
	snprintf(
		sql, sizeof sql,
		"SELECT count(*) FROM explanation e JOIN item i ON i.id = e.item_id JOIN dataset d "
		"ON d.id = i.dataset_id WHERE d.name = 'rates' AND e.mode = '%s' AND %s",
		mode, cond);
	return q1(sql);
}

/* The offline teacher's mistake rates from options and from a config file. */
static void test_offline_rates_cli(void)
{
	make_dataset("rates", 40, "", 1);
	const char *h[] = {"explain", "--help", NULL};
	CHECK_INT(run(h), 0);
	CHECK(out_has("--offline-rates LIST"));
	CHECK(out_has("cot_wrong=0.2,cot_bad_step=0.1,rp_leak=0.1"));
	CHECK(out_has("--rp-leak-rate R"));

	/* The rates options apply in order: the last one given for a rate wins. */
	const char *a1[] = {"explain",         "rates",     "--mode",           "rp",
			    "--offline-rates", "rp_leak=0", "--rp-leak-rate=1", NULL};
	CHECK_INT(run(a1), 0);
	CHECK_INT(rates_count("rp", "e.leaked = 1 AND e.correct = 1"), 40);
	const char *a2[] = {"explain",
			    "rates",
			    "--mode",
			    "cot",
			    "--cot-wrong-rate",
			    "1",
			    "--offline-rates",
			    "cot_wrong=0, cot_bad_step=0",
			    NULL};
	CHECK_INT(run(a2), 0);
	CHECK_INT(rates_count("cot", "e.correct = 1"), 40);
	/* CROP: every COTE wrong, RP not leaking: all 40 fall back to clean RP. */
	const char *a3[] = {"explain", "rates",           "--mode",
			    "crop",    "--offline-rates", "cot_wrong=1,rp_leak=0",
			    NULL};
	CHECK_INT(run(a3), 0);
	CHECK_INT(rates_count("crop", "e.path = 'rp' AND e.leaked = 0 AND e.correct = 1"), 40);
	CHECK_INT(rates_count("crop", "e.path = 'cot' AND e.correct = 0"), 40);

	/* From the config file's offline provider section. */
	char conf[600];
	snprintf(conf, sizeof conf, "%s", test_path("rates.conf"));
	const char *ct = "[provider offline]\ncot_wrong_rate = 1\nrp_leak_rate = 0\n";
	test_write_file(conf, ct, strlen(ct));
	const char *a4[] = {"explain", "rates", "--mode", "all", "--force", "--config", conf, NULL};
	CHECK_INT(run(a4), 0);
	CHECK_INT(rates_count("cot", "e.correct = 0"), 40);
	CHECK_INT(rates_count("rp", "e.leaked = 1"), 40); /* the earlier ones */
	CHECK_INT(rates_count("rp", "e.leaked = 0"), 40); /* the forced ones */

	/* Bad values: usage errors naming the rate; nothing written. */
	int64_t before = q1("SELECT count(*) FROM explanation");
	const char *bad[][8] = {
		{"explain", "rates", "--offline-rates", "cot_wrong=1.5", NULL},
		{"explain", "rates", "--offline-rates", "cot_wrong", NULL},
		{"explain", "rates", "--offline-rates", "leak=0.1", NULL},
		{"explain", "rates", "--offline-rates=", NULL},
		{"explain", "rates", "--rp-leak-rate", "-0.1", NULL},
		{"explain", "rates", "--cot-bad-step-rate=abc", NULL},
		{"explain", "rates", "--error-rate", "2", NULL},
		{"explain", "rates", "--cot-wrong-rate", NULL},
	};
	const char *why[] = {
		"'cot_wrong' must be a number from 0 to 1",
		"expected NAME=RATE",
		"unknown offline teacher rate 'leak'",
		"empty list",
		"'rp_leak' must be a number",
		"'cot_bad_step' must be a number",
		"'cot_wrong' must be a number",
		"needs a value",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(run(bad[i]), 2);
		CHECK_MSG(err_has(why[i]), "case %zu: no '%s'", i, why[i]);
	}
	const char *sum[] =
		{"explain", "rates", "--cot-wrong-rate", "0.7", "--cot-bad-step-rate=0.5",
		 "--force", NULL};
	CHECK_INT(run(sum), 2);
	CHECK(err_has("must not exceed 1"));
	ct = "[provider offline]\nrp_leak_rate = 1.01\n";
	test_write_file(conf, ct, strlen(ct));
	const char *a5[] = {"explain", "rates", "--force", "--config", conf, NULL};
	CHECK_INT(run(a5), 1);
	CHECK(err_has("rates.conf:2: 'rp_leak_rate' must be a number from 0 to 1"));
	CHECK_INT(q1("SELECT count(*) FROM explanation"), before);
}

static void test_offline_cli(void)
{
	make_dataset("off", 8, "", 1);
	const char *a1[] = {"explain", "off", "--mode", "all", "--error-rate", "0.5", NULL};
	CHECK_INT(run(a1), 0);
	CHECK(out_has("off all with offline/scripted-teacher: 24 tasks, 24 explained"));
	CHECK(err_has("explain: 24/24 done")); /* plain progress lines when not a terminal */
	const char *a2[] = {"explanations", "off", "--json", NULL};
	CHECK_INT(run(a2), 0);
	char *js = run_slurp(out_path);
	cJSON *arr = cJSON_Parse(js);
	free(js);
	CHECK(cJSON_IsArray(arr));
	int n = cJSON_GetArraySize(arr);
	CHECK(n >= 24);
	int64_t first_id = 0;
	cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(e, "provider")), "offline");
		if (!first_id)
			first_id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "id"));
	}
	cJSON_Delete(arr);
	const char *a3[] = {"explanations", "off", "--mode", "rp", NULL};
	CHECK_INT(run(a3), 0);
	CHECK(out_has("8 explanations"));
	const char *a4[] = {"calls", "--json", NULL};
	CHECK_INT(run(a4), 0);
	js = run_slurp(out_path);
	cJSON *root = cJSON_Parse(js);
	free(js);
	cJSON *tot = cJSON_GetObjectItem(root, "totals");
	CHECK_INT((long)cJSON_GetNumberValue(cJSON_GetObjectItem(tot, "calls")),
		  q1("SELECT count(*) FROM llm_call"));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(tot, "tokens_in")) > 0);
	cJSON_Delete(root);
	const char *a5[] = {"calls", NULL};
	CHECK_INT(run(a5), 0);
	CHECK(out_has("total: 16 calls (16 ok, 0 failed)"));

	/* Review and undo. */
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)first_id);
	const char *r1[] = {"review", id, "--accept", "--reviewer", "kim", NULL};
	CHECK_INT(run(r1), 0);
	CHECK(out_has("accepted (was pending)"));
	/* accepting again records nothing: the undo below undoes the first */
	CHECK_INT(run(r1), 0);
	CHECK(out_has("accepted already; nothing recorded"));
	const char *r2[] = {"review", id, "--undo", NULL};
	CHECK_INT(run(r2), 0);
	CHECK(out_has("pending (was accepted)"));
	const char *r3[] = {"review", id, "--undo", NULL};
	CHECK_INT(run(r3), 1);
	const char *r4[] = {"review", id, NULL};
	CHECK_INT(run(r4), 2);
	const char *r5[] = {"review", "999999", "--flag", NULL};
	CHECK_INT(run(r5), 1);
	/* --edit FILE: the text is judged again; undo restores text and verdict */
	const char *rc1[] = {"review", id, "--edit", NULL};
	CHECK_INT(run(rc1), 2);
	char ef[700];
	snprintf(ef, sizeof ef, "%s/edit.txt", xdg);
	const char *etxt = "\n  I counted wrong. So the answer is 123456.\n\n";
	test_write_file(ef, etxt, strlen(etxt));
	const char *re1[] = {"review", id, "--edit", ef, "--reviewer", "kim", NULL};
	CHECK_INT(run(re1), 0);
	CHECK(out_has("edited (pending); answer 123456, wrong (was correct)"));
	char qs[160];
	snprintf(qs, sizeof qs, "SELECT correct FROM explanation WHERE id=%s", id);
	CHECK_INT(q1(qs), 0);
	snprintf(qs, sizeof qs,
		 "SELECT count(*) FROM explanation WHERE id=%s AND edited_text="
		 "'I counted wrong. So the answer is 123456.'",
		 id);
	CHECK_INT(q1(qs), 1);
	CHECK_INT(run(re1), 0);
	CHECK(out_has("the text is that already; nothing recorded"));
	CHECK_INT(run(r2), 0);
	CHECK(out_has("edit undone, text restored"));
	snprintf(qs, sizeof qs, "SELECT correct FROM explanation WHERE id=%s", id);
	CHECK_INT(q1(qs), 1);
	test_write_file(ef, " \n", 2);
	CHECK_INT(run(re1), 2);
	const char *re2[] = {"review", id, "--edit", "/nonexistent/x.txt", NULL};
	CHECK_INT(run(re2), 1);
	const char *re3[] = {"review", id, "--edit", ef, "--accept", NULL};
	CHECK_INT(run(re3), 2);
	const char *u1[] = {"explain", "off", "--mode", "sideways", NULL};
	CHECK_INT(run(u1), 2);
	const char *u2[] = {"explain", "nosuch", NULL};
	CHECK_INT(run(u2), 1);
	const char *u3[] = {"explain", "off", "--provider", "nosuch", NULL};
	CHECK_INT(run(u3), 2);

	/* Prompt templates: printed, written, edited, used. */
	const char *p1[] = {"explain",         "off",     "--mode", "rp",
			    "--print-prompts", "--limit", "1",      NULL};
	CHECK_INT(run(p1), 0);
	CHECK(out_has("===== item"));
	CHECK(out_has("rp prompt"));
	CHECK(out_has("Answer: 7\nExplanation:"));
	const char *w1[] = {"explain", "--write-prompts", NULL};
	CHECK_INT(run(w1), 0);
	CHECK(out_has("wrote 16 templates"));
	char tp[700];
	snprintf(tp, sizeof tp, "%s/mentor/prompts/cot-number.txt", xdg);
	const char *mine = "EDITED TEMPLATE\n{{demos}}Q: {{question}}\nA:";
	test_write_file(tp, mine, strlen(mine));
	const char *p2[] = {"explain", "off", "--print-prompts", "--limit", "1", NULL};
	CHECK_INT(run(p2), 0);
	CHECK(out_has("EDITED TEMPLATE"));
	CHECK_INT(run(w1), 0);
	CHECK(out_has("wrote 0 templates"));
	snprintf(tp, sizeof tp, "%s/mentor/prompts/rp-mc.txt", xdg);
	unlink(tp);
	const char *p3[] = {"explain", "--print-prompts", NULL};
	CHECK_INT(run(p3), 0);
	CHECK(out_has("cot-number.txt (from file) =====\nEDITED TEMPLATE"));
	CHECK(out_has("rp-mc.txt (built-in default)"));
	CHECK(out_has("rp-mc.ja.txt (from file) =====\n問題の正解が与えられています。"));
}

/* sha256 of the workspace file's bytes. */
static void db_hash(char out[65])
{
	char err[MENTOR_ERR_LEN];
	size_t len = 0;
	char *bytes = util_read_file(db, (size_t)1 << 30, &len, err);
	if (!bytes)
		TEST_SETUP_FAIL("%s", err);
	util_sha256_hex(bytes, len, out);
	free(bytes);
}

/* --dry-run: the estimate, the same figures as the run that follows, and
 * nothing asked or written. */
static void test_dry_run(void)
{
	make_dataset("dry", 8, "", 1);
	char h0[65], h1[65];
	db_hash(h0);
	int64_t calls0 = q1("SELECT count(*) FROM llm_call");
	const char *a1[] = {"explain", "dry", "--mode", "all", "--dry-run", NULL};
	CHECK_INT(run(a1), 0);
	CHECK(out_has("dry run of explain dry (split any): nothing is asked, nothing is written"));
	CHECK(out_has("teacher offline/scripted-teacher, modes COTE RP CROP: 8 items, 24 tasks, "
		      "0 finished already (skipped)"));
	CHECK(out_has("calls: 16 to make, "));
	CHECK(out_has("tokens: ~"));
	CHECK(out_has("cost: ~$0; the offline teacher costs nothing"));
	db_hash(h1);
	CHECK_STR(h1, h0);
	CHECK_INT(q1("SELECT count(*) FROM llm_call"), calls0);
	/* the figures are those of the run (the offline teacher's are exact) */
	char *dry = run_slurp(out_path);
	long tin = -1, tout = -1;
	const char *t = strstr(dry, "tokens: ~");
	if (t)
		sscanf(t, "tokens: ~%ld in", &tin);
	const char *o = t ? strstr(t, "), ~") : NULL;
	if (o)
		sscanf(o, "), ~%ld out", &tout);
	free(dry);
	const char *a2[] = {"explain", "dry", "--mode", "all", NULL};
	CHECK_INT(run(a2), 0);
	char want[160];
	snprintf(want, sizeof want, "tokens %ld in / %ld out", tin, tout);
	CHECK_MSG(out_has(want), "want '%s'", want);
	CHECK_INT(q1("SELECT count(*) FROM llm_call") - calls0, 16);
	/* a rerun would skip everything */
	const char *a3[] = {"explain", "dry", "--mode", "crop", "--limit", "3", "--dry-run", NULL};
	CHECK_INT(run(a3), 0);
	CHECK(out_has("(split any, limit 3)"));
	CHECK(out_has("3 items, 3 tasks, 3 finished already (skipped)"));
	CHECK(out_has("calls: 0 to make"));
	const char *a4[] = {"explain", "dry", "--dry-run", "--mode", "nope", NULL};
	CHECK_INT(run(a4), 2);
	const char *a5[] = {"explain", "--help", NULL};
	CHECK_INT(run(a5), 0);
	CHECK(out_has("--dry-run"));
}

static void test_kill_resume(struct fakellm *srv)
{
	make_dataset("slow", 8, "[[fake:delay=300]]", 0);
	const char *a[] = {"explain", "slow", "--provider", "fake", "--concurrency", "1", NULL};
	pid_t pid = spawn(a);
	int64_t e1 = 0;
	for (int i = 0; i < 400 && e1 < 2; i++) {
		sleep_ms(25);
		e1 = q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
			"ON d.id=i.dataset_id WHERE d.name='slow'");
	}
	kill(pid, SIGKILL);
	CHECK_INT(run_wait(pid), 128 + SIGKILL);
	e1 = q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
		"ON d.id=i.dataset_id WHERE d.name='slow'");
	long r1 = fakellm_stat(srv, "paths", "/v1/chat/completions");
	CHECK(e1 >= 2 && e1 < 8);
	CHECK_INT(run(a), 0);
	CHECK(out_has("explained"));
	long r2 = fakellm_stat(srv, "paths", "/v1/chat/completions");
	int64_t e2 = q1(
		"SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
		"ON d.id=i.dataset_id WHERE d.name='slow'");
	int64_t distinct = q1(
		"SELECT count(DISTINCT e.item_id) FROM explanation e JOIN item i ON "
		"i.id=e.item_id JOIN dataset d ON d.id=i.dataset_id WHERE d.name='slow'");
	CHECK_INT(e2, 8);
	CHECK_INT(distinct, 8);
	/* Finished items were not asked again. */
	CHECK_MSG(r2 - r1 <= 8 - e1, "requests after resume %ld, unfinished %lld", r2 - r1,
		  (long long)(8 - e1));
	CHECK(r2 - r1 >= 1);
	/* A third run asks nothing. */
	CHECK_INT(run(a), 0);
	CHECK_INT(fakellm_stat(srv, "paths", "/v1/chat/completions"), r2);
	CHECK(out_has("8 skipped"));
}

static void test_sigint(struct fakellm *srv)
{
	make_dataset("slow2", 6, "[[fake:delay=400]]", 0);
	const char *a[] = {"explain", "slow2", "--provider", "fake", "--concurrency", "1", NULL};
	pid_t pid = spawn(a);
	int64_t e = 0;
	for (int i = 0; i < 400 && e < 1; i++) {
		sleep_ms(25);
		e = q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
		       "ON d.id=i.dataset_id WHERE d.name='slow2'");
	}
	kill(pid, SIGINT);
	CHECK_INT(run_wait(pid), 1);
	CHECK(err_has("interrupted"));
	e = q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
	       "ON d.id=i.dataset_id WHERE d.name='slow2'");
	CHECK(e >= 1 && e < 6);
	CHECK(q1("SELECT count(*) FROM llm_call WHERE status='cancelled'") <= 1);
	CHECK_INT(run(a), 0);
	CHECK_INT(
		q1("SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id JOIN dataset d "
		   "ON d.id=i.dataset_id WHERE d.name='slow2'"),
		6);
	(void)srv;
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	if (!bin || !*bin)
		TEST_SKIP("MENTOR_BIN not set");
	snprintf(db, sizeof db, "%s", test_path("cli.db"));
	snprintf(out_path, sizeof out_path, "%s", test_path("out.txt"));
	snprintf(err_path, sizeof err_path, "%s", test_path("err.txt"));
	snprintf(xdg, sizeof xdg, "%s", test_path("xdg"));
	mkdir(xdg, 0700);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("MENTOR_DB");

	/* No config file: the offline teacher. */
	test_offline_cli();
	test_offline_rates_cli();
	test_dry_run();

	const char *exe = fakellm_path();
	if (!exe) {
		fprintf(stderr, "MENTOR_FAKELLM not set: network part skipped\n");
		return test_done();
	}
	char replies[600];
	snprintf(replies, sizeof replies, "%s", test_path("replies.json"));
	const char *rj = "{\"Q-OK1\":\"7 + 5 = 12. So the answer is 12.\"}";
	test_write_file(replies, rj, strlen(rj));
	const char *extra[] = {"--reply-file", replies, NULL};
	struct fakellm srv;
	if (fakellm_start(&srv, exe, extra))
		TEST_SETUP_FAIL("cannot start fakellm");
	char dir[700], cfgp[800];
	snprintf(dir, sizeof dir, "%s/mentor", xdg);
	mkdir(dir, 0700);
	snprintf(cfgp, sizeof cfgp, "%s/config", dir);
	struct buf c;
	buf_init(&c);
	buf_printf(
		&c,
		"[defaults]\nk = 0\nretries = 1\n[provider fake]\ntype = openai\nbase_url = %s/v1\n"
		"api_key_env = MENTOR_CLI_KEY\nmodel = fake-model\n",
		srv.base);
	test_write_file(cfgp, c.data, c.len);
	chmod(cfgp, 0600);
	setenv("MENTOR_CLI_KEY", KEY, 1);

	test_kill_resume(&srv);
	test_sigint(&srv);

	/* A key written in a group-readable config file: warned about. */
	buf_printf(&c, "api_key = %s\n", KEY);
	test_write_file(cfgp, c.data, c.len);
	chmod(cfgp, 0644);
	const char *a[] = {"explain", "slow2", "--provider", "fake", NULL};
	CHECK_INT(run(a), 0);
	CHECK(err_has("readable by group or others"));
	CHECK(!err_has(KEY));
	buf_release(&c);

	char wal[700];
	snprintf(wal, sizeof wal, "%s-wal", db);
	CHECK(!run_file_has(db, KEY));
	CHECK(!run_file_has(wal, KEY));
	CHECK(fakellm_stat(&srv, "auth", "authorization") > 0);
	fakellm_stop(&srv);
	return test_done();
}
