/* dataset_int.h: what dataset.c (reading and import) and dataset_norm.c
 * (one record to a store_item) share. Not a public API. */
#ifndef MENTOR_DATASET_INT_H
#define MENTOR_DATASET_INT_H

#include <cjson/cJSON.h>

#include "mentor/store.h"

/* JSON's and CSV's white space, and the C locale's \f and \v. */
static inline int dataset_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* "a string", "a number", ...: what a JSON value is, for messages. */
const char *dataset_json_type(const cJSON *v);

/* Normalise record o of layout format into it (csv: the record came from a
 * CSV file, whose empty cells mean absent). The record's split and id are
 * read here too. 0, or MENTOR_ERR with reason filled and it released. */
int dataset_normalise_rec(const cJSON *o, const char *format, int csv, struct store_item *it,
			  char *reason);

#endif
