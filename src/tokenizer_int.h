/* tokenizer_int.h: what tokenizer.c and tokenizer_pretok.c share. Not a
 * public API. */
#ifndef MENTOR_TOKENIZER_INT_H
#define MENTOR_TOKENIZER_INT_H

/* Longest pre-token of mentor's pre-tokenizer in bytes (longer runs are cut
 * at a code point boundary); pieces up to this long are encoded by a rescan,
 * longer ones (the regexes') with a heap. */
#define TOK_MAX_PIECE 64

#endif
