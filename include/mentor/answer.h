/* answer: the one normaliser of answers, shared by the dataset importer
 * (gold answers and choice labels) and the teacher's answer parsing, so that
 * a label or value accepted at import is exactly what a parsed answer can
 * name. Depends on util only. */
#ifndef MENTOR_ANSWER_H
#define MENTOR_ANSWER_H

#include <stddef.h>

/* Longest multiple-choice label, in characters, once normalised. A label
 * is made of label characters: ASCII letters and digits, and non-ASCII
 * characters outside the punctuation and symbol blocks (ア, イ, ①...). */
#define ANSWER_MAX_LABEL 16

/* Copy of s with full-width ASCII (U+FF01..FF5E) folded to ASCII, the
 * ideographic space to ' ', U+2212 minus to '-', U+3002 '。' to '\n' (a
 * sentence end), terminal escape sequences dropped, other control
 * characters but '\n' turned into spaces; with markdown, '*' and '`'
 * (emphasis and code marks) are dropped too. Other UTF-8 is kept. Heap
 * string (caller frees). */
char *answer_fold(const char *s, int markdown);

/* Length in bytes of the run of label characters at the start of s (valid
 * UTF-8 expected; a bad byte ends the run); *chars (may be NULL) gets its
 * length in characters. */
size_t answer_label_span(const char *s, size_t *chars);

/* A choice label or a label answer normalised: folded (markdown marks
 * dropped), trimmed, one "(x)" or "[x]" around it or one ')' or '.' after
 * it removed, ASCII upper-cased; "(b)", "B)", "b.", "**C**", "`d`", "Ｅ"
 * give "B".."E". NULL unless the result is 1 to ANSWER_MAX_LABEL label
 * characters. Heap string (caller frees). */
char *answer_label(const char *s);

/* Trimmed, runs of white space collapsed, one pair of surrounding quotes
 * dropped; NULL when nothing is left. Heap string (caller frees). */
char *answer_clean_text(const char *s);

/* Normalise an answer of a type ("number", "mc", "yesno", "text"):
 * number: the plain decimal of util_normalise_number after folding
 * ("１，２００" and "$1,200.00" give "1200"); mc: answer_label; yesno:
 * yes/y/true/t/1/はい -> "yes", no/n/false/f/0/いいえ -> "no" (ASCII case-
 * insensitive, quotes allowed); text: trimmed, white space collapsed.
 * Heap string (caller frees) or NULL when s is not of that type. */
char *answer_normalise(const char *type, const char *s);

#endif
