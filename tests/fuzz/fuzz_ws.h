/* fuzz_ws: the workspace the batch import harness reads into, built the
 * same way every time so that the request lines exported from it (and the
 * output lines of the seed corpus that answer them) match. */
#ifndef MENTOR_FUZZ_WS_H
#define MENTOR_FUZZ_WS_H

#include <stdint.h>

#include "mentor/config.h"
#include "mentor/teacher.h"

/* Create the workspace at db: dataset "fuzz" of three items (number, mc,
 * yes/no), a config with one OpenAI-compatible provider (cfg, released by
 * the caller), options for every mode (o, borrowing db and cfg), the
 * dataset's id. When requests is set, the Batch API input for the items is
 * exported there. Aborts on failure. */
void fuzz_ws_create(const char *db, struct config *cfg, struct teacher_opts *o, int64_t *ds,
		    const char *requests);

#endif
