/* fuzz_util: helpers of the fuzz harnesses (see fuzz.h). The scratch
 * directory is process state by nature: a harness's inputs arrive one call
 * at a time with nothing to carry a context. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "mentor/util.h"

static char scratch[512];

char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

char *fuzz_take(const uint8_t **data, size_t *size)
{
	const uint8_t *z = memchr(*data, 0, *size);
	size_t n = z ? (size_t)(z - *data) : *size;
	char *s = fuzz_strndup(*data, n);
	size_t skip = z ? n + 1 : n;
	*data += skip;
	*size -= skip;
	return s;
}

/* Remove dir and everything below it. */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[1024];
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			if (unlink(p))
				remove_tree(p);
		}
	closedir(d);
	rmdir(dir);
}

static void remove_scratch(void)
{
	remove_tree(scratch);
}

const char *fuzz_dir(void)
{
	if (scratch[0])
		return scratch;
	const char *t = getenv("TMPDIR");
	snprintf(scratch, sizeof scratch, "%s/mentor-fuzz-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		abort();
	}
	atexit(remove_scratch);
	return scratch;
}

char *fuzz_path(const char *name)
{
	size_t n = strlen(fuzz_dir()) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p)
		abort();
	snprintf(p, n, "%s/%s", scratch, name);
	return p;
}

void fuzz_write(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
		perror(path);
		abort();
	}
}
