/* test_extrun: external trainer runs. The command line splitter and the
 * metrics line parser on hostile input; then real runs of small shell
 * trainers through `mentor run-external`: metrics recorded (hostile lines
 * skipped and counted), visible while the run goes on, exit status recorded
 * (done, failed), `mentor stop` ends a run as stopped, and a command that
 * cannot start leaves a failed run with a clear error; --variant, --alpha
 * and --init-from reach the run, the command and the export. */
#include <signal.h>
#include <fcntl.h>
#include <time.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "mentor/extrun.h"
#include "mentor/store.h"
#include "modelio_fixture.h"

static const char *bin, *db, *srcdir;

static void check_split(void)
{
	char err[MENTOR_ERR_LEN];
	char **a;
	CHECK(extrun_split("python3  train.py --lr 1e-3\t--out 'my dir' \"a \\\"b\\\" c\" x\\ y",
			   &a, err) == 0);
	const char *want[] = {"python3", "train.py",  "--lr", "1e-3", "--out",
			      "my dir",  "a \"b\" c", "x y",  NULL};
	for (int i = 0; want[i]; i++)
		CHECK_STR(a[i], want[i]);
	CHECK(a[8] == NULL);
	extrun_argv_free(a);
	CHECK(extrun_split("echo '' \"\"", &a, err) == 0);
	CHECK_STR(a[1], "");
	CHECK_STR(a[2], "");
	CHECK(a[3] == NULL);
	extrun_argv_free(a);
	CHECK(extrun_split("a;b|c $(rm -rf /)", &a, err) == 0); /* no shell: plain words */
	CHECK_STR(a[0], "a;b|c");
	CHECK_STR(a[1], "$(rm");
	extrun_argv_free(a);
	CHECK(extrun_split("   ", &a, err) == MENTOR_EUSAGE);
	CHECK(extrun_split("run 'open", &a, err) == MENTOR_EUSAGE);
	CHECK(strstr(err, "unterminated") != NULL);
	CHECK(extrun_split("run \"open\\\"", &a, err) == MENTOR_EUSAGE);
	struct buf many;
	buf_init(&many);
	for (int i = 0; i < 300; i++)
		buf_puts(&many, "x ");
	CHECK(extrun_split(many.data, &a, err) == MENTOR_EUSAGE);
	buf_release(&many);
}

static int parse(const char *s, int64_t *step, double *t, int64_t *total, struct extrun_point *p)
{
	return extrun_parse_line(s, strlen(s), step, t, total, p, EXTRUN_MAX_POINTS);
}

static void check_parse(void)
{
	int64_t step, total;
	double t;
	struct extrun_point p[EXTRUN_MAX_POINTS];
	CHECK_INT(parse("{\"step\": 10, \"loss\": 2.3, \"val_loss\": 2.5, \"lr\": 0.001}", &step,
			&t, &total, p),
		  3);
	CHECK_INT(step, 10);
	CHECK(t < 0 && total < 0);
	CHECK_STR(p[0].name, "loss");
	CHECK_NEAR(p[0].value, 2.3, 1e-12);
	CHECK_INT(parse("{\"step\": 1, \"loss\": 1, \"t\": 4.5, \"total_steps\": 99}", &step, &t,
			&total, p),
		  1);
	CHECK_NEAR(t, 4.5, 0);
	CHECK_INT(total, 99);
	const char *bad[] = {
		"",
		"{",
		"null",
		"[1]",
		"{\"loss\": 1}",
		"{\"step\": -1, \"loss\": 1}",
		"{\"step\": 1.5, \"loss\": 1}",
		"{\"step\": \"3\", \"loss\": 1}",
		"{\"step\": 1e300, \"loss\": 1}",
		"{\"step\": 2, \"loss\": NaN}",
		"{\"step\": 2, \"loss\": Infinity}",
		"{\"step\": 2, \"loss\": \"x\"}",
		"{\"step\": 2}",
		"{\"step\": 2, \"bad name!\": 1}",
		"{\"step\": 2, \"a_very_long_metric_name_over_32_chars\": 1}",
		"{\"step\": 2, \"loss\": 1e999}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(parse(bad[i], &step, &t, &total, p) == -1, "%s", bad[i]);
	/* many fields: capped, never overflowing */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{\"step\": 5");
	for (int i = 0; i < 100; i++)
		buf_printf(&b, ", \"m%d\": %d", i, i);
	buf_puts(&b, "}");
	CHECK_INT(parse(b.data, &step, &t, &total, p), EXTRUN_MAX_POINTS);
	buf_release(&b);
	/* a huge line is refused without parsing */
	size_t n = EXTRUN_MAX_LINE + 10;
	char *huge = malloc(n);
	memset(huge, ' ', n);
	memcpy(huge, "{\"step\":1,\"loss\":1}", 19);
	CHECK(extrun_parse_line(huge, n, &step, &t, &total, p, EXTRUN_MAX_POINTS) == -1);
	free(huge);
}

static int run_cmd(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static struct store *open_db(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	return st;
}

static int64_t count_points(struct store *st, int64_t run, const char *name)
{
	char err[MENTOR_ERR_LEN];
	struct store_metric *m = NULL;
	size_t n = 0;
	if (store_metric_get(st, run, name, -1, &m, &n, err))
		return -1;
	free(m);
	return (int64_t)n;
}

/* The newest run of the workspace. */
static int64_t last_run(struct store *st, struct store_run *r)
{
	char err[MENTOR_ERR_LEN];
	struct store_run *runs = NULL;
	size_t n = 0;
	int64_t best = 0;
	if (store_run_list(st, &runs, &n, err))
		TEST_SETUP_FAIL("%s", err);
	for (size_t i = 0; i < n; i++)
		if (runs[i].id > best)
			best = runs[i].id;
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
	if (best && store_run_get(st, best, r, err))
		TEST_SETUP_FAIL("%s", err);
	return best;
}

static void check_good_run(void)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' run-external ds --status all --name ext-ok --cmd \"/bin/sh "
		 "'%s/tests/modelio/fake_trainer.sh' --epochs 2\" > '%s' 2>&1",
		 bin, db, srcdir, test_path("ok.out"));
	CHECK_INT(run_cmd(cmd), 0);
	struct store *st = open_db();
	struct store_run r;
	int64_t id = last_run(st, &r);
	CHECK(id > 0);
	CHECK_STR(r.kind, "external");
	CHECK_STR(r.status, "done");
	CHECK_STR(r.name, "ext-ok");
	CHECK_INT(r.pid, 0);
	CHECK_INT(r.step, 30);
	CHECK_INT(r.total_steps, 30);
	CHECK(r.ended_at >= r.started_at && r.started_at > 0);
	CHECK(r.error && strstr(r.error, "7 metrics lines skipped"));
	cJSON *cfg = cJSON_Parse(r.config_json);
	CHECK(cfg != NULL);
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(cfg, "metrics_skipped")), 7);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(cfg, "command"), 3)),
		  "2");
	cJSON_Delete(cfg);
	CHECK_INT(count_points(st, id, "loss"), 3);
	CHECK_INT(count_points(st, id, "val_loss"), 2);
	CHECK_INT(count_points(st, id, "lr"), 2);
	CHECK_INT(count_points(st, id, "export_lines"), 1);
	char err[MENTOR_ERR_LEN];
	struct store_metric *m = NULL;
	size_t n = 0;
	CHECK(store_metric_get(st, id, "export_lines", -1, &m, &n, err) == 0 && n == 1 &&
	      m[0].value == 6);
	free(m);
	CHECK(store_metric_get(st, id, "val_loss", -1, &m, &n, err) == 0 && n == 2);
	if (n == 2) {
		CHECK_INT(m[1].step, 30);
		CHECK_NEAR(m[1].value, 1.75, 0);
		CHECK_NEAR(m[1].t, 12.5, 0);
	}
	free(m);
	/* the trainer's output went to the run's log, the data to its export */
	char path[1024];
	snprintf(path, sizeof path, "%s.runs/%lld/log.txt", db, (long long)id);
	size_t len;
	unsigned char *log = fixture_slurp(path, &len);
	CHECK(strstr((char *)log, "training on 6 records (chat)") != NULL);
	CHECK(strstr((char *)log, "args: --epochs 2") != NULL);
	free(log);
	unsigned char *out = fixture_slurp(test_path("ok.out"), &len);
	CHECK(strstr((char *)out, "done: 8 metric points from 11 lines, 7 lines skipped") != NULL);
	free(out);
	store_run_release(&r);
	store_close(st);
}

static void check_failed_run(void)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' run-external ds --status all --export alpaca --quiet -- /bin/sh "
		 "'%s/tests/modelio/fail_trainer.sh' > /dev/null 2> '%s'",
		 bin, db, srcdir, test_path("fail.err"));
	CHECK_INT(run_cmd(cmd), 1);
	struct store *st = open_db();
	struct store_run r;
	int64_t id = last_run(st, &r);
	CHECK_STR(r.status, "failed");
	CHECK(r.error && strstr(r.error, "exited with status 1"));
	CHECK_INT(count_points(st, id, "loss"), 1);
	store_run_release(&r);
	/* a command that cannot start */
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' run-external ds --status all --cmd /nonexistent/trainer "
		 "> /dev/null 2> '%s'",
		 bin, db, test_path("nostart.err"));
	CHECK_INT(run_cmd(cmd), 1);
	size_t len;
	unsigned char *e = fixture_slurp(test_path("nostart.err"), &len);
	CHECK(strstr((char *)e, "cannot start '/nonexistent/trainer'") != NULL);
	free(e);
	id = last_run(st, &r);
	CHECK_STR(r.status, "failed");
	store_run_release(&r);
	/* usage errors and nothing to export create no run */
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external ds --cmd \"a 'b\" 2>/dev/null", bin,
		 db);
	CHECK_INT(run_cmd(cmd), 2);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external nope --cmd true 2>/dev/null", bin,
		 db);
	CHECK_INT(run_cmd(cmd), 1);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external ds --cmd true 2>/dev/null", bin,
		 db); /* nothing accepted yet */
	CHECK_INT(run_cmd(cmd), 1);
	int64_t id2 = last_run(st, &r);
	CHECK_INT(id2, id);
	store_run_release(&r);
	store_close(st);
}

static void check_stop(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char script[1024];
		snprintf(script, sizeof script, "%s/tests/modelio/slow_trainer.sh", srcdir);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		execl(bin, bin, "--db", db, "run-external", "ds", "--status", "all", "--name",
		      "ext-slow", "--", "/bin/sh", script, (char *)NULL);
		_exit(127);
	}
	/* wait until the run is running and some metrics are visible */
	struct store *st = open_db();
	struct store_run r;
	memset(&r, 0, sizeof r);
	int64_t id = 0, seen = 0;
	for (int i = 0; i < 600 && seen < 3; i++) {
		nanosleep(&(struct timespec){0, 50000000L}, NULL);
		store_run_release(&r);
		id = last_run(st, &r);
		if (id && r.name && !strcmp(r.name, "ext-slow") && !strcmp(r.status, "running"))
			seen = count_points(st, id, "loss");
	}
	CHECK_MSG(seen >= 3, "metrics of a running external run are visible (%lld)",
		  (long long)seen);
	CHECK(r.pid > 0);
	store_run_release(&r);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' stop %lld > /dev/null", bin, db, (long long)id);
	CHECK_INT(run_cmd(cmd), 0);
	int st_code;
	waitpid(pid, &st_code, 0);
	CHECK(WIFEXITED(st_code) && WEXITSTATUS(st_code) == 1);
	char err[MENTOR_ERR_LEN];
	CHECK(store_run_get(st, id, &r, err) == 0);
	CHECK_STR(r.status, "stopped");
	CHECK_INT(r.pid, 0);
	CHECK(r.step >= 2);
	store_run_release(&r);
	store_close(st);
}

/* --variant, --alpha and --init-from: recorded on the run, passed to the
 * command, the export carries the starting model's token ids and the model
 * waits as a Hugging Face folder; usage errors leave no run. */
static void check_init_from(void)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' train ds --preset tiny --vocab 300 --steps 2 --batch 4 "
		 "--eval-split none --name start > /dev/null 2>&1",
		 bin, db);
	CHECK_INT(run_cmd(cmd), 0);
	snprintf(
		cmd, sizeof cmd,
		"'%s' --db '%s' run-external ds --status all --variant mt-ra --alpha 0.25 "
		"--init-from start --quiet -- /bin/sh '%s/tests/modelio/env_trainer.sh' > '%s' 2>&1",
		bin, db, srcdir, test_path("init.out"));
	CHECK_INT(run_cmd(cmd), 0);
	struct store *st = open_db();
	struct store_run r, start;
	char err[MENTOR_ERR_LEN];
	int64_t id = last_run(st, &r);
	CHECK(store_run_find(st, "start", &start, err) == 0);
	CHECK_STR(r.kind, "external");
	CHECK_STR(r.status, "done");
	CHECK_STR(r.variant, "mt-ra");
	CHECK_NEAR(r.alpha, 0.25, 0);
	cJSON *cfg = cJSON_Parse(r.config_json);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "export")), "mt");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "variant")), "mt-ra");
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(cfg, "init_from")), start.id);
	cJSON_Delete(cfg);
	char path[1024];
	snprintf(path, sizeof path, "%s.runs/%lld/log.txt", db, (long long)id);
	size_t len;
	char *log = (char *)fixture_slurp(path, &len);
	CHECK(strstr(log, "variant=mt-ra alpha=0.25 format=mt") != NULL);
	CHECK(strstr(log, "init has config.json\ninit has model.safetensors\ninit has "
			  "tokenizer.json") != NULL);
	free(log);
	/* every record has ids; the explanation targets are MT-Ra's */
	snprintf(path, sizeof path, "%s.runs/%lld/train.jsonl", db, (long long)id);
	char *data = (char *)fixture_slurp(path, &len);
	int recs = 0, with_ids = 0, ra = 0;
	for (char *line = data; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		cJSON *rec = cJSON_Parse(line);
		recs++;
		with_ids += cJSON_IsArray(cJSON_GetObjectItem(rec, "ids")) &&
			    cJSON_IsString(cJSON_GetObjectItem(rec, "tokenizer"));
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "variant"));
		ra += v && !strcmp(v, "mt-ra");
		cJSON_Delete(rec);
		line = nl ? nl + 1 : NULL;
	}
	free(data);
	CHECK(recs == 12 && with_ids == recs && ra == 6);
	store_run_release(&r);
	store_run_release(&start);
	/* a variable is left out when its option is */
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' run-external ds --status all --quiet -- /bin/sh "
		 "'%s/tests/modelio/env_trainer.sh' > /dev/null 2>&1",
		 bin, db, srcdir);
	CHECK_INT(run_cmd(cmd), 0);
	id = last_run(st, &r);
	CHECK_STR(r.variant, "baseline");
	snprintf(path, sizeof path, "%s.runs/%lld/log.txt", db, (long long)id);
	log = (char *)fixture_slurp(path, &len);
	CHECK(strstr(log, "variant=unset alpha=unset format=chat\ninit=unset") != NULL);
	free(log);
	store_run_release(&r);
	/* usage errors create no run */
	const char *bad[] = {"--init-from nope", "--init-from start --export chat", "--alpha 0.5",
			     "--variant mt-x", "--variant mt-cot --alpha 2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external ds %s -- true 2>/dev/null",
			 bin, db, bad[i]);
		CHECK_MSG(run_cmd(cmd) == 2, "%s", bad[i]);
	}
	CHECK_INT(last_run(st, &r), id);
	store_run_release(&r);
	store_close(st);
}

/* Everything after "--" is the trainer's, as given: options of mentor's
 * own, --help and --name=value included. */
static void check_command_args(void)
{
	char cmd[4096];
	snprintf(
		cmd, sizeof cmd,
		"'%s' --db '%s' run-external ds --status=all --quiet -- /bin/sh "
		"'%s/tests/modelio/fake_trainer.sh' --help --name=x --quiet -- -h > /dev/null 2>&1",
		bin, db, srcdir);
	CHECK_INT(run_cmd(cmd), 0);
	struct store *st = open_db();
	struct store_run r;
	int64_t id = last_run(st, &r);
	CHECK_STR(r.status, "done");
	CHECK(r.name && strncmp(r.name, "external-", 9) == 0);
	char path[1024];
	snprintf(path, sizeof path, "%s.runs/%lld/log.txt", db, (long long)id);
	size_t len;
	char *log = (char *)fixture_slurp(path, &len);
	CHECK(strstr(log, "args: --help --name=x --quiet -- -h\n") != NULL);
	free(log);
	store_run_release(&r);
	/* a second dataset before "--", or nothing after it */
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external ds ds2 -- true 2> '%s'", bin, db,
		 test_path("args.err"));
	CHECK_INT(run_cmd(cmd), 2);
	char *e = (char *)fixture_slurp(test_path("args.err"), &len);
	CHECK(strstr(e, "unexpected argument 'ds2'") != NULL);
	free(e);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' run-external ds -- 2> '%s'", bin, db,
		 test_path("args.err"));
	CHECK_INT(run_cmd(cmd), 2);
	e = (char *)fixture_slurp(test_path("args.err"), &len);
	CHECK(strstr(e, "give a command after '--'") != NULL);
	free(e);
	CHECK_INT(last_run(st, &r), id);
	store_run_release(&r);
	store_close(st);
}

int main(void)
{
	check_split();
	check_parse();
	bin = getenv("MENTOR_BIN");
	srcdir = getenv("MENTOR_SOURCE_DIR");
	if (!bin || !srcdir)
		TEST_SKIP("MENTOR_BIN or MENTOR_SOURCE_DIR not set");
	db = strdup(test_path("w.db"));
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "'%s' --db '%s' sample arith --n 12 --import ds > /dev/null && "
		 "'%s' --db '%s' explain ds --mode cot --limit 6 > /dev/null 2>&1",
		 bin, db, bin, db);
	if (run_cmd(cmd) != 0)
		TEST_SETUP_FAIL("%s", cmd);
	check_good_run();
	check_command_args();
	check_failed_run();
	check_stop();
	check_init_from();
	return test_done();
}
