/* fuzz.h: what every harness of tests/fuzz shares. A harness defines
 * LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize for one-time
 * setup); it is linked either with libFuzzer (-Dfuzz=true, clang) or with
 * driver.c, which replays the committed corpus and regression inputs as an
 * ordinary test. A broken property aborts, as libFuzzer expects. */
#ifndef MENTOR_FUZZ_H
#define MENTOR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with file:line and the broken property. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A NUL-terminated heap copy of data[0..n) (caller frees), so that reads past
 * the end are caught by the sanitizers. */
char *fuzz_strndup(const uint8_t *data, size_t n);

/* Split data at the first NUL byte: *head gets a heap copy of the bytes before
 * it, and data/size are advanced past it (or to the end). Caller frees. */
char *fuzz_take(const uint8_t **data, size_t *size);

/* A private directory for the process's files (created on first use, removed
 * at exit), and the path of a file inside it (heap, caller frees). */
const char *fuzz_dir(void);
char *fuzz_path(const char *name);

/* Write data[0..n) to path (replacing it); aborts when it cannot. */
void fuzz_write(const char *path, const void *data, size_t n);

#endif
