/* driver: replays inputs through a fuzz harness without libFuzzer, so that
 * any compiler runs the committed corpus and regression inputs as an
 * ordinary test. Arguments are files or directories (every regular file in
 * a directory, in name order; a missing directory counts as empty). A broken
 * property aborts inside the harness. Exits 0 when every input ran, 99 when
 * there was none or one could not be read. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "mentor/util.h"

/* Harnesses without one-time setup do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
	char err[MENTOR_ERR_LEN];
	size_t n = 0;
	char *data = util_read_file(path, (size_t)64 << 20, &n, err);
	if (!data) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* a copy of exactly n bytes, so that reads past the input are caught */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, data, n);
	free(data);
	fprintf(stderr, "input %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir; returns how many, or -1 on a read error. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				abort();
		}
		names[n++] = util_strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	long ran = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct stat sb;
		if (ran >= 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			ran = run_file(path) ? -1 : ran + 1;
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		long k;
		if (stat(argv[i], &sb) == 0 && !S_ISDIR(sb.st_mode))
			k = run_file(argv[i]) ? -1 : 1;
		else
			k = run_dir(argv[i]);
		if (k < 0) {
			fprintf(stderr, "cannot read inputs from '%s'\n", argv[i]);
			return 99;
		}
		total += k;
	}
	fprintf(stderr, "%ld inputs ran\n", total);
	return total ? 0 : 99;
}
