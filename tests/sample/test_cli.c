/* test_cli: `mentor sample` end to end through the real binary: defaults
 * reproduce the shipped files, sizes and splits are honoured, bad usage exits
 * with status 2 and a one-line message. */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include "run.h"

static void test_default_is_shipped(void)
{
	char *out = NULL, e[MENTOR_ERR_LEN], path[1024];
	CHECK_INT(run_mentor("sample letters", &out, NULL), 0);
	snprintf(path, sizeof path, "%s/sample_datasets/letters.jsonl", MENTOR_SOURCE_DIR);
	size_t len = 0;
	char *file = util_read_file(path, 64u << 20, &len, e);
	CHECK(out && file && strlen(out) == len && !memcmp(out, file, len));
	free(out);
	free(file);

	/* the same through --out and the explicit documented options */
	char args[1024];
	snprintf(args, sizeof args, "sample arith --seed 2022 --splits 2000/200/500 --out '%s'",
		 test_path("a.jsonl"));
	CHECK_INT(run_mentor(args, NULL, NULL), 0);
	snprintf(path, sizeof path, "%s/sample_datasets/arith.jsonl", MENTOR_SOURCE_DIR);
	file = util_read_file(path, 64u << 20, &len, e);
	size_t glen = 0;
	char *gen = util_read_file(test_path("a.jsonl"), 64u << 20, &glen, e);
	CHECK(file && gen && glen == len && !memcmp(file, gen, len));
	free(file);
	free(gen);
}

static void test_sizes_and_splits(void)
{
	char *out = NULL;
	CHECK_INT(run_mentor("sample coin --n 5 --seed 3 --split test", &out, NULL), 0);
	CHECK_INT(count_lines(out), 5);
	CHECK(out && strstr(out, "\"id\":\"coin-test-00004\"") && !strstr(out, "\"train\""));
	/* every command takes --opt=value as well as --opt value */
	char *eq = NULL;
	CHECK_INT(run_mentor("sample coin --n=5 --seed=3 --split=test", &eq, NULL), 0);
	CHECK(out && eq && !strcmp(out, eq));
	free(eq);
	free(out);

	CHECK_INT(run_mentor("sample dial --splits 3/2/1", &out, NULL), 0);
	CHECK_INT(count_lines(out), 6);
	CHECK(out && strstr(out, "dial-dev-00001") && strstr(out, "dial-test-00000"));
	free(out);

	CHECK_INT(run_mentor("sample arith --n 4", &out, NULL), 0);
	CHECK_INT(count_lines(out), 4);
	CHECK(out && !strstr(out, "\"split\":\"dev\""));
	free(out);

	/* --split alone takes the shipped size of that split */
	CHECK_INT(run_mentor("sample arith --split dev", &out, NULL), 0);
	CHECK_INT(count_lines(out), 200);
	free(out);

	char *a = NULL, *b = NULL;
	CHECK_INT(run_mentor("sample coin --n 20 --seed 1", &a, NULL), 0);
	CHECK_INT(run_mentor("sample coin --n 20 --seed 2", &b, NULL), 0);
	CHECK(a && b && strcmp(a, b) != 0);
	free(a);
	free(b);

	CHECK_INT(run_mentor("sample --list", &out, NULL), 0);
	CHECK(out && strstr(out, "arith") && strstr(out, "coin") && strstr(out, "letters") &&
	      strstr(out, "dial"));
	free(out);
	CHECK_INT(run_mentor("sample --help", &out, NULL), 0);
	CHECK(out && strstr(out, "--splits") && strstr(out, "--import"));
	/* the help's list of tasks names every task that --list names */
	char *list = NULL;
	CHECK_INT(run_mentor("sample --list", &list, NULL), 0);
	int n_tasks = 0;
	for (const char *l = list; out && l && *l; n_tasks++) {
		char want[64];
		size_t w = strcspn(l, " \n");
		snprintf(want, sizeof want, "\n  %.*s ", (int)(w < 40 ? w : 40), l);
		CHECK_MSG(strstr(out, want) != NULL, "sample --help lacks the task '%.*s'", (int)w,
			  l);
		l += strcspn(l, "\n");
		l += *l == '\n';
	}
	CHECK(n_tasks >= 4);
	free(list);
	free(out);
	CHECK_INT(run_mentor("init --help", &out, NULL), 0);
	CHECK(out && strstr(out, "sample_datasets"));
	free(out);
}

static void test_usage_errors(void)
{
	static const char *const bad[] = {
		"sample",
		"sample nope",
		"sample arith --n",
		"sample arith --n abc",
		"sample arith --n 0",
		"sample arith --n 1000001",
		"sample arith --seed -1",
		"sample arith --seed 12x",
		"sample arith --split valid",
		"sample arith --splits 1/2",
		"sample arith --splits 0/0/0",
		"sample arith --split dev --splits 1/1/1",
		"sample arith --n 3 --splits 1/1/1",
		"sample arith --out x --import y",
		"sample arith --import ''",
		"sample arith --frobnicate",
		"sample arith coin",
		"init extra",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *out = NULL, *err = NULL;
		CHECK_MSG(run_mentor(bad[i], &out, &err) == 2, "'mentor %s' should exit 2", bad[i]);
		CHECK_MSG(out && !*out, "'mentor %s' wrote to stdout", bad[i]);
		CHECK_MSG(err && !strncmp(err, "mentor: ", 8) && count_lines(err) == 1,
			  "'mentor %s': stderr '%s'", bad[i], err ? err : "");
		free(out);
		free(err);
	}
	/* a missing or unknown task: the message names the tasks there are */
	static const char *const no_task[] = {"sample", "sample nope"};
	for (size_t i = 0; i < 2; i++) {
		char *err = NULL;
		CHECK_INT(run_mentor(no_task[i], NULL, &err), 2);
		CHECK_MSG(err && strstr(err, "arith") && strstr(err, "coin") &&
				  strstr(err, "letters") && strstr(err, "dial") &&
				  !strstr(err, "count"),
			  "'mentor %s': stderr '%s'", no_task[i], err ? err : "");
		free(err);
	}
	char *err = NULL;
	CHECK_INT(run_mentor("sample arith --n 2 --out /nonexistent-dir/x.jsonl", NULL, &err), 1);
	CHECK(err && strstr(err, "cannot write '/nonexistent-dir/x.jsonl'"));
	free(err);
	/* a full device: the error is reported and the device left alone */
	struct stat sb;
	if (stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode)) {
		CHECK_INT(run_mentor("sample arith --n 50 --out /dev/full", NULL, &err), 1);
		CHECK(err && strstr(err, "cannot write"));
		free(err);
		CHECK(stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode));
	}
}

int main(void)
{
	run_bin();
	test_default_is_shipped();
	test_sizes_and_splits();
	test_usage_errors();
	return test_done();
}
