/* run.h: run the mentor binary from a test (`mentor --db DB args...` with
 * stdout and stderr captured to files) and look into what it wrote: files
 * and the workspace. Header-only; link the util library (and sqlite3 when
 * run_q1 is used). */
#ifndef MENTOR_TEST_RUN_H
#define MENTOR_TEST_RUN_H

#include <fcntl.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdint.h>
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

/* Run cmd through the shell and capture its standard output: a heap string
 * (never NULL; caller frees); *status gets the exit code, or -1 when it did
 * not exit normally. */
static inline char *run_popen(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		TEST_SETUP_FAIL("popen %s", cmd);
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
		if (buf_append(&b, chunk, k))
			util_oom();
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	char *s = buf_detach(&b, NULL);
	return s ? s : util_strdup("");
}

/* The file at path as a heap string ("" when unreadable); caller frees. */
static inline char *run_slurp(const char *path)
{
	size_t len;
	char err[MENTOR_ERR_LEN];
	char *d = util_read_file(path, (size_t)64 << 20, &len, err);
	return d ? d : util_strdup("");
}

/* The first column of the first row of sql on the database file db (opened
 * read-only, waiting up to 5 s for locks), or -1. */
static inline int64_t run_q1(const char *db, const char *sql)
{
	sqlite3 *h;
	int64_t v = -1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

#endif
