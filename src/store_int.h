/* store_int: private to the store_*.c files: the connection struct and small
 * helpers for preparing statements and reading columns. */
#ifndef MENTOR_STORE_INT_H
#define MENTOR_STORE_INT_H

#include <sqlite3.h>

#include "mentor/store.h"
#include "mentor/util.h"

/* Slots of statements prepared once per connection (store_stmt_cached). */
enum { STORE_STMT_ITEM_PUT, STORE_STMT_ITEM_ID, STORE_STMT_ITEM_GET, STORE_STMT_N };

struct store {
	sqlite3 *db;
	char *path;
	int tx_depth;                     /* nesting of store_begin */
	int tx_failed;                    /* a nested rollback happened */
	sqlite3_stmt *stmt[STORE_STMT_N]; /* cached statements, finalized by store_close */
};

/* Prepare sql or fill err ("cannot prepare ...: sqlite message"). */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, char *err);
/* Fill err from the connection's last error with a leading context. */
int store_fail(struct store *st, char *err, const char *what);
/* Heap copy of a text column (NULL stays NULL). */
char *store_col_text(sqlite3_stmt *s, int col);
/* The array arr (n elements of sz bytes, room for *cap) with room for one
 * more: returned as is when n < *cap, else reallocated to twice the room
 * (16 at first) and *cap updated. Aborts on overflow or OOM; the caller owns
 * the result as it owned arr. */
void *store_grow(void *arr, size_t n, size_t *cap, size_t sz);
/* Step s to its end, each row read by read into a new zeroed element of sz
 * bytes; finalizes s. 0 with *out (heap array of *n elements: the caller
 * frees each as release does, then *out), or MENTOR_ERR with err ("WHAT:
 * sqlite message") and nothing kept. */
int store_rows(struct store *st, sqlite3_stmt *s, size_t sz, void (*read)(sqlite3_stmt *, void *),
	       void (*release)(void *), const char *what, void **out, size_t *n, char *err);
/* Bind a string or NULL, copying. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Run a statement with no result rows; finalizes it. */
int store_exec_stmt(struct store *st, sqlite3_stmt *s, char *err, const char *what);
/* The statement of slot (a STORE_STMT_*), prepared from sql on first use,
 * reset and with bindings cleared. Owned by the connection: never finalize
 * it; sqlite3_reset it after use. */
int store_stmt_cached(struct store *st, int slot, const char *sql, sqlite3_stmt **stmt, char *err);

#endif
