/* test_report_cli: `mentor report` and `mentor export` end to end, run as
 * the built binary ($MENTOR_BIN) with --db on a temporary workspace: exit
 * codes, one-line errors, files written or left alone; and the sound share
 * that `mentor runs` lists. */
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "htmlcheck.h"

static const char *bin;
static const char *db;

/* Run `mentor --db DB ARGS` in the temporary directory with stdout and
 * stderr to files there; the exit code. */
static int mentor(const char *args, const char *env)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s' --db '%s' %s >'%s' 2>'%s' </dev/null",
		 test_tmpdir(), env ? env : "", bin, db, args, test_path("stdout"),
		 test_path("stderr"));
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *name)
{
	char err[MENTOR_ERR_LEN];
	size_t n;
	char *s = util_read_file(test_path(name), 1 << 26, &n, err);
	return s ? s : util_strdup("");
}

/* stderr is exactly one line "mentor: ..." containing want. */
static void check_one_line_error(const char *want)
{
	char *e = slurp("stderr");
	size_t n = strlen(e);
	CHECK_MSG(!strncmp(e, "mentor: ", 8), "stderr: %s", e);
	CHECK_MSG(n > 0 && e[n - 1] == '\n' && strchr(e, '\n') == e + n - 1, "stderr: %s", e);
	CHECK_MSG(strstr(e, want) != NULL, "stderr lacks '%s': %s", want, e);
	free(e);
}

static int exists(const char *name)
{
	return access(test_path(name), F_OK) == 0;
}

static void test_report_cmd(void)
{
	char args[1024], why[256] = "";
	snprintf(args, sizeof args, "report mtcot --vs base -o '%s' --svg '%s'",
		 test_path("r.html"), test_path("r.svg"));
	CHECK_INT(mentor(args, NULL), 0);
	char *h = slurp("r.html"), *s = slurp("r.svg"), *out = slurp("stdout");
	CHECK_MSG(hc_check(h, 0, why, sizeof why) == 0, "%s", why);
	CHECK_MSG(hc_check(s, 1, why, sizeof why) == 0, "%s", why);
	CHECK(strstr(h, "66.7% (4/6)") && strstr(h, "50.0% (3/6)"));
	CHECK(strstr(h, FX_JA_Q) != NULL);
	CHECK(strstr(out, "wrote ") != NULL);
	free(h);
	free(s);
	free(out);

	/* by id works as well as by name */
	snprintf(args, sizeof args, "report 2 --examples 1 -o '%s'", test_path("r2.html"));
	CHECK_INT(mentor(args, NULL), 0);
	h = slurp("r2.html");
	CHECK_INT(hc_count(h, "<article"), 1);
	free(h);

	/* unknown run: exit 1, one line, nothing written */
	snprintf(args, sizeof args, "report nosuchrun -o '%s'", test_path("x.html"));
	CHECK_INT(mentor(args, NULL), 1);
	check_one_line_error("nosuchrun");
	CHECK(!exists("x.html"));
	snprintf(args, sizeof args, "report mtcot --vs nosuchbase -o '%s'", test_path("x.html"));
	CHECK_INT(mentor(args, NULL), 1);
	check_one_line_error("nosuchbase");
	CHECK(!exists("x.html"));

	/* no run named: the newest finished explanation-trained run (idle,
	 * mt-re, #3) against the baseline of its dataset, and a note says so */
	snprintf(args, sizeof args, "report -o '%s'", test_path("d.html"));
	CHECK_INT(mentor(args, NULL), 0);
	h = slurp("d.html");
	CHECK(strstr(h, "<title>mentor report: idle vs base</title>") != NULL);
	free(h);
	char *e = slurp("stderr");
	CHECK_MSG(strstr(e, "mentor: note: run 3 (mt-re) against baseline run 1\n") != NULL, "%s",
		  e);
	free(e);
	/* runs of different datasets: refused as a usage error, nothing written */
	snprintf(args, sizeof args, "report mtcot --vs elsewhere -o '%s'", test_path("x.html"));
	CHECK_INT(mentor(args, NULL), 2);
	check_one_line_error("different datasets");
	CHECK(!exists("x.html"));
	snprintf(args, sizeof args, "report elsewhere --vs base -o '%s'", test_path("x.html"));
	CHECK_INT(mentor(args, NULL), 2);
	check_one_line_error("cannot compare run #4 with run #1");
	CHECK(!exists("x.html"));

	/* usage errors: exit 2 */
	CHECK_INT(mentor("report", NULL), 2);
	check_one_line_error("-o");
	CHECK_INT(mentor("report --vs base -o x.html", NULL), 2);
	check_one_line_error("--vs needs a run");
	CHECK_INT(mentor("report mtcot", NULL), 2);
	check_one_line_error("-o");
	CHECK_INT(mentor("report mtcot -o x.html --bogus", NULL), 2);
	check_one_line_error("--bogus");
	CHECK_INT(mentor("report mtcot -o x.html --examples 0", NULL), 2);
	CHECK_INT(mentor("report mtcot --vs", NULL), 2);
	CHECK_INT(mentor("report --help", NULL), 0);
	out = slurp("stdout");
	CHECK(strstr(out, "usage: mentor report") != NULL);
	free(out);
}

/* `mentor runs`: the share of sound explanations on the evaluation split
 * (mtcot: q3 and q5 of 5), "-" and null for runs without explanations. */
/* The page's language: --lang, else [ui] lang of the config file, else the
 * locale variables; a bad --lang is a usage error, a bad config a warning. */
static void test_report_lang(void)
{
	char args[1024], env[1024];
	/* test_path's result is overwritten by its next call: keep copies */
	char cfg_dir[512], none[512], dir[1024];
	snprintf(cfg_dir, sizeof cfg_dir, "%s", test_path("cfg"));
	snprintf(none, sizeof none, "%s", test_path("nocfg"));
	snprintf(dir, sizeof dir, "%s/mentor", cfg_dir);
	mkdir(cfg_dir, 0755);
	mkdir(dir, 0755);
	char cfg[1100];
	snprintf(cfg, sizeof cfg, "%s/config", dir);
	char err[MENTOR_ERR_LEN];
	if (util_write_file_atomic(cfg, "[ui]\nlang = ja\n", 15, err))
		TEST_SETUP_FAIL("%s", err);

	snprintf(args, sizeof args, "report mtcot --vs base --lang ja -o '%s'",
		 test_path("j.html"));
	snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s'", none);
	CHECK_INT(mentor(args, env), 0);
	char *h = slurp("j.html");
	CHECK(strstr(h, "<html lang=\"ja\">") && strstr(h, "<h2>正解率</h2>"));
	free(h);

	/* from the config: Japanese although LC_ALL is C.UTF-8 */
	snprintf(args, sizeof args, "report mtcot --vs base -o '%s'", test_path("c.html"));
	snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s' LC_ALL=C.UTF-8", cfg_dir);
	CHECK_INT(mentor(args, env), 0);
	h = slurp("c.html");
	CHECK(strstr(h, "<html lang=\"ja\">") != NULL);
	free(h);
	/* --lang wins over the config */
	snprintf(args, sizeof args, "report mtcot --lang en -o '%s'", test_path("e.html"));
	CHECK_INT(mentor(args, env), 0);
	h = slurp("e.html");
	CHECK(strstr(h, "<html lang=\"en\">") != NULL);
	free(h);
	/* from the locale when the config says nothing */
	snprintf(args, sizeof args, "report mtcot -o '%s'", test_path("l.html"));
	snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s' LC_ALL= LC_MESSAGES= LANG=ja_JP.UTF-8",
		 none);
	CHECK_INT(mentor(args, env), 0);
	h = slurp("l.html");
	CHECK(strstr(h, "<html lang=\"ja\">") != NULL);
	free(h);
	snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s' LC_ALL=C.UTF-8 LANG=ja_JP.UTF-8", none);
	CHECK_INT(mentor(args, env), 0);
	h = slurp("l.html");
	CHECK(strstr(h, "<html lang=\"en\">") != NULL);
	free(h);

	/* a bad --lang: exit 2, one line, nothing written */
	snprintf(args, sizeof args, "report mtcot --lang klingon -o '%s'", test_path("k.html"));
	CHECK_INT(mentor(args, NULL), 2);
	check_one_line_error("unknown language 'klingon'");
	CHECK(!exists("k.html"));
	/* a bad config: a warning, the page in the locale's language */
	if (util_write_file_atomic(cfg, "[ui]\nlang = klingon\n", 20, err))
		TEST_SETUP_FAIL("%s", err);
	snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s' LC_ALL=C.UTF-8", cfg_dir);
	snprintf(args, sizeof args, "report mtcot -o '%s'", test_path("k.html"));
	CHECK_INT(mentor(args, env), 0);
	h = slurp("k.html");
	CHECK(strstr(h, "<html lang=\"en\">") != NULL);
	free(h);
	char *e = slurp("stderr");
	CHECK_MSG(strstr(e, "warning") && strstr(e, "'lang' in [ui]"), "stderr: %s", e);
	free(e);
}

static void test_runs_cmd(void)
{
	CHECK_INT(mentor("runs", NULL), 0);
	char *out = slurp("stdout");
	CHECK_MSG(strstr(out, "ACC-EXP SOUND\n") != NULL, "%s", out);
	char *mt = strstr(out, "\n2    mtcot"), *base = strstr(out, "\n1    base");
	CHECK_MSG(mt && base, "%s", out);
	if (mt && base) {
		CHECK(!strncmp(strchr(mt + 1, '\n') - 6, " 40.0%", 6));
		CHECK(!strncmp(strchr(base + 1, '\n') - 2, " -", 2));
	}
	free(out);
	CHECK_INT(mentor("runs --json", NULL), 0);
	out = slurp("stdout");
	cJSON *j = cJSON_Parse(out);
	CHECK(cJSON_IsArray(j));
	const cJSON *r;
	int seen = 0;
	cJSON_ArrayForEach(r, j)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
		const cJSON *ck = cJSON_GetObjectItemCaseSensitive(r, "check");
		if (cJSON_IsNumber(id) && id->valuedouble == 1) {
			CHECK(cJSON_IsNull(ck));
			seen++;
		}
		if (cJSON_IsNumber(id) && id->valuedouble == 2) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(ck, "explanations");
			const cJSON *sh = cJSON_GetObjectItemCaseSensitive(ck, "sound_share");
			const cJSON *ns = cJSON_GetObjectItemCaseSensitive(ck, "no_steps");
			CHECK(cJSON_IsNumber(n) && n->valuedouble == 5);
			CHECK(cJSON_IsNumber(sh) && fabs(sh->valuedouble - 0.4) < 1e-9);
			CHECK(cJSON_IsNumber(ns) && ns->valuedouble == 2);
			seen++;
		}
	}
	CHECK_INT(seen, 2);
	cJSON_Delete(j);
	free(out);
}

static void test_export_cmd(void)
{
	char args[1024];
	const char *env = "OPENAI_API_KEY=sk-live-SECRET123 ANTHROPIC_API_KEY=sk-ant-SECRET123";
	const char *fmts[] = {"chat", "alpaca", "mt"};
	const int lines[] = {5, 5, 10};
	for (int f = 0; f < 3; f++) {
		snprintf(args, sizeof args, "export arith --format %s --out '%s'", fmts[f],
			 test_path("e.jsonl"));
		CHECK_INT(mentor(args, env), 0);
		char *d = slurp("e.jsonl"), *out = slurp("stdout");
		CHECK(strstr(d, "sk-") == NULL && strstr(d, "SECRET123") == NULL);
		CHECK(strstr(out, "SECRET123") == NULL);
		int n = 0;
		char *save = NULL;
		for (char *l = strtok_r(d, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			cJSON *j = cJSON_Parse(l);
			CHECK(cJSON_IsObject(j));
			cJSON_Delete(j);
			n++;
		}
		CHECK_INT(n, lines[f]);
		char want[64];
		snprintf(want, sizeof want, "exported %d records", lines[f]);
		CHECK_MSG(strstr(out, want) != NULL, "%s", out);
		free(d);
		free(out);
		d = slurp("stderr");
		CHECK(strstr(d, "3 items of the test split") != NULL);
		free(d);
	}
	/* status and filters */
	snprintf(args, sizeof args, "export arith --status all --include-rejected --out '%s'",
		 test_path("all.jsonl"));
	CHECK_INT(mentor(args, NULL), 0);
	char *d = slurp("all.jsonl");
	CHECK_INT(hc_count(d, "\n"), 10);
	free(d);
	snprintf(args, sizeof args,
		 "export arith --format=mt --variant=mt-ra --split train "
		 "--no-metadata --out '%s'",
		 test_path("ra.jsonl"));
	CHECK_INT(mentor(args, NULL), 0);
	d = slurp("ra.jsonl");
	CHECK(strstr(d, "\"target\":\"2, because 1 plus 1 is 2.\"") != NULL);
	CHECK(strstr(d, "metadata") == NULL);
	CHECK_INT(hc_count(d, "\n"), 4);
	free(d);
	d = slurp("stderr");
	CHECK(strstr(d, "test split") == NULL);
	free(d);
	/* to standard output; the summary goes to stderr */
	CHECK_INT(mentor("export arith --mode rp --out -", NULL), 0);
	d = slurp("stdout");
	CHECK_INT(hc_count(d, "\n"), 1);
	CHECK(strstr(d, "\"messages\"") != NULL);
	free(d);
	d = slurp("stderr");
	CHECK(strstr(d, "exported 1 records") != NULL);
	free(d);

	/* empty dataset: exit 1, a clear line, no file */
	snprintf(args, sizeof args, "export empty --out '%s'", test_path("none.jsonl"));
	CHECK_INT(mentor(args, NULL), 1);
	check_one_line_error("dataset 'empty' has no items");
	CHECK(!exists("none.jsonl"));
	snprintf(args, sizeof args, "export nosuch --out '%s'", test_path("none.jsonl"));
	CHECK_INT(mentor(args, NULL), 1);
	check_one_line_error("no dataset 'nosuch'");
	CHECK(!exists("none.jsonl"));
	/* usage errors */
	CHECK_INT(mentor("export arith --format sharegpt --out x", NULL), 2);
	check_one_line_error("sharegpt");
	CHECK_INT(mentor("export arith --status rejected --out x", NULL), 2);
	CHECK_INT(mentor("export arith --include-rejected --out x", NULL), 2);
	check_one_line_error("--status all");
	CHECK_INT(mentor("export arith --variant mt-ra --out x", NULL), 2);
	CHECK_INT(mentor("export arith --split valid --out x", NULL), 2);
	CHECK_INT(mentor("export arith", NULL), 2);
	CHECK_INT(mentor("export --out x", NULL), 2);
	/* token ids: mt only, from a run with a model */
	CHECK_INT(mentor("export arith --tokenizer base --out x", NULL), 2);
	check_one_line_error("--format mt only");
	CHECK_INT(mentor("export arith --format mt --tokenizer nosuch --out x", NULL), 2);
	check_one_line_error("no run 'nosuch'");
	CHECK_INT(mentor("export arith --format mt --tokenizer base --out x", NULL), 2);
	check_one_line_error("has no model");
	CHECK(!exists("x") && !exists("x.html"));
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	if (!bin || access(bin, X_OK) != 0)
		TEST_SKIP("MENTOR_BIN not set or not built");
	struct fixture fx;
	db = util_strdup(test_path("ws.db"));
	struct store *st = fixture_make(db, &fx);
	fx_run(st, fx.bare_dataset, "elsewhere", "baseline"); /* run 4, another dataset */
	store_close(st);
	test_report_cmd();
	test_report_lang();
	test_runs_cmd();
	test_export_cmd();
	/* a workspace that does not exist is not created by a report */
	const char *saved = db;
	db = test_path("missing.db");
	CHECK_INT(mentor("report 1 -o x.html", NULL), 1);
	check_one_line_error("missing.db");
	CHECK(!exists("missing.db"));
	db = saved;
	return test_done();
}
