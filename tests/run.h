/* run.h: run the mentor binary from a test (`mentor --db DB args...` with
 * stdout and stderr captured to files) and look into what it wrote.
 * Header-only; include after test.h, link the util library. */
#ifndef MENTOR_TEST_RUN_H
#define MENTOR_TEST_RUN_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mentor/util.h"
#include "test.h"

/* Start `bin --db db args...` (args NULL-terminated, at most 35) with stdout
 * to out_path and stderr to err_path (both truncated); returns the pid. */
static inline pid_t run_spawn(const char *bin, const char *db, const char *const *args,
			      const char *out_path, const char *err_path)
{
	const char *argv[40];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "--db";
	argv[n++] = db;
	for (int i = 0; args[i] && n < 38; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		TEST_SETUP_FAIL("fork");
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		dup2(e, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait for pid: its exit code, 128 + the signal that ended it, or -1. */
static inline int run_wait(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 1 if the bytes of the file at path contain needle (0 if unreadable). */
static inline int run_file_has(const char *path, const char *needle)
{
	size_t len;
	char err[MENTOR_ERR_LEN];
	char *d = util_read_file(path, (size_t)1 << 30, &len, err);
	if (!d)
		return 0;
	size_t nl = strlen(needle);
	int found = 0;
	for (size_t i = 0; i + nl <= len && !found; i++)
		found = !memcmp(d + i, needle, nl);
	free(d);
	return found;
}

#endif
