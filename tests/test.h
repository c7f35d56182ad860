/* test.h: the tiny check library every test program uses. Checks work with
 * NDEBUG, report file:line and keep going; test_done() gives the exit code
 * (0 pass, 1 fail). Exit 77 to skip (TEST_SKIP), 99 for setup errors. */
#ifndef MENTOR_TEST_H
#define MENTOR_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		test_checks++;                                                                     \
		if (!(cond)) {                                                                     \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		test_checks++;                                                                     \
		if (!(cond)) {                                                                     \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long test_a_ = (long long)(a), test_b_ = (long long)(b);                      \
		test_checks++;                                                                     \
		if (test_a_ != test_b_) {                                                          \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
				__LINE__, #a, #b, test_a_, test_b_);                               \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *test_a_ = (a), *test_b_ = (b);                                         \
		test_checks++;                                                                     \
		if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_)) {                            \
			test_failures++;                                                           \
			fprintf(stderr,                                                            \
				"%s:%d: %s == %s failed:\n  got  \"%s\"\n"                         \
				"  want \"%s\"\n",                                                 \
				__FILE__, __LINE__, #a, #b, test_a_ ? test_a_ : "(null)",          \
				test_b_ ? test_b_ : "(null)");                                     \
		}                                                                                  \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double test_a_ = (a), test_b_ = (b);                                               \
		test_checks++;                                                                     \
		if (!(fabs(test_a_ - test_b_) <= (tol))) {                                         \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: |%s - %s| <= %g failed: %g vs %g\n", __FILE__,     \
				__LINE__, #a, #b, (double)(tol), test_a_, test_b_);                \
		}                                                                                  \
	} while (0)

/* Stop the test with a setup error (exit 99). */
#define TEST_SETUP_FAIL(...)                                                                       \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: setup failed: ", __FILE__, __LINE__);                      \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(99);                                                                          \
	} while (0)

#define TEST_SKIP(...)                                                                             \
	do {                                                                                       \
		fprintf(stderr, "skip: ");                                                         \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(77);                                                                          \
	} while (0)

static inline int test_done(void)
{
	fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
	return test_failures ? 1 : 0;
}

static char test_dir_[256];
static pid_t test_dir_owner_; /* forked children must not remove it */

/* Remove path and everything below it (links are not followed). */
static inline void test_rm_tree_(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d))) {
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				char sub[1024];
				int k = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
				if (k > 0 && (size_t)k < sizeof sub)
					test_rm_tree_(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Removes the temporary directory at exit, unless MENTOR_KEEP_TMP is set
 * (to look at what a failing test left). */
static inline void test_cleanup_(void)
{
	const char *keep = getenv("MENTOR_KEEP_TMP");
	if (test_dir_[0] && getpid() == test_dir_owner_ && !(keep && *keep))
		test_rm_tree_(test_dir_);
}

/* A fresh temporary directory for this test, removed at exit; path is static
 * storage. */
static inline const char *test_tmpdir(void)
{
	if (!test_dir_[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(test_dir_, sizeof test_dir_, "%s/mentor-test-XXXXXX",
			 base && *base ? base : "/tmp");
		if (!mkdtemp(test_dir_))
			TEST_SETUP_FAIL("mkdtemp failed");
		test_dir_owner_ = getpid();
		atexit(test_cleanup_);
	}
	return test_dir_;
}

/* Path inside the temporary directory (static rotating storage, 8 slots). */
static inline const char *test_path(const char *name)
{
	static char slots[8][512];
	static int next;
	char *p = slots[next++ % 8];
	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	return p;
}

/* Write a file (setup error on failure). */
static inline void test_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		TEST_SETUP_FAIL("cannot write %s", path);
}

/* ../shared/datasets beside the source tree, or NULL (then skip). */
static inline const char *test_shared_datasets(void)
{
	static char p[1024];
	const char *env = getenv("MENTOR_SHARED_DATASETS");
	if (env && *env) {
		snprintf(p, sizeof p, "%s", env);
	} else {
		snprintf(p, sizeof p, "%s/../shared/datasets", MENTOR_SOURCE_DIR);
	}
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode) ? p : NULL;
}

#endif
