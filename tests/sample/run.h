/* run.h: run the mentor binary ($MENTOR_BIN) through the shell with its
 * output captured in files of the test's temporary directory. */
#ifndef MENTOR_TEST_SAMPLE_RUN_H
#define MENTOR_TEST_SAMPLE_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "mentor/util.h"
#include "test.h"

static const char *run_bin(void)
{
	const char *b = getenv("MENTOR_BIN");
	if (!b || !*b)
		TEST_SKIP("MENTOR_BIN is not set");
	return b;
}

/* Run `$MENTOR_BIN ARGS >out 2>err`; returns the exit status (-1 on a
 * signal). *out and *err (may be NULL) receive the captured text, which the
 * caller frees. */
static int run_mentor(const char *args, char **out, char **err)
{
	char cmd[4096], e[MENTOR_ERR_LEN];
	const char *o_path = test_path("run.out"), *e_path = test_path("run.err");
	snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s' </dev/null", run_bin(), args, o_path,
		 e_path);
	int st = system(cmd);
	if (out)
		*out = util_read_file(o_path, 256u << 20, NULL, e);
	if (err)
		*err = util_read_file(e_path, 1u << 20, NULL, e);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

#endif
