/* unicode: class lookups over the generated tables (see
 * include/mentor/unicode.h): a direct table below U+0100, a binary search of
 * the sorted ranges above. */
#include "mentor/unicode.h"

#include "mentor/util.h"
#include "unicode_int.h"

/* the generated Latin-1 table stores the classes as these numbers */
_Static_assert(UNICODE_OTHER == 0 && UNICODE_LETTER == 1 && UNICODE_NUMBER == 2 &&
		       UNICODE_SPACE == 3,
	       "unicode_latin1_class numbering");

int unicode_class(uint32_t cp)
{
	if (cp < 0x100)
		return unicode_latin1_class[cp];
	size_t lo = 0, hi = unicode_n_ranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < unicode_ranges[mid].first)
			hi = mid;
		else if (cp > unicode_ranges[mid].last)
			lo = mid + 1;
		else
			return unicode_ranges[mid].cls;
	}
	return UNICODE_OTHER;
}

int unicode_char_class(const unsigned char *s, size_t n, int *cls)
{
	if (s[0] < 0x80) {
		*cls = unicode_latin1_class[s[0]];
		return 1;
	}
	uint32_t cp;
	int k = util_utf8_decode(s, n, &cp);
	/* a real U+FFFD is three bytes long; one byte means a bad byte */
	*cls = k == 1 ? UNICODE_OTHER : unicode_class(cp);
	return k;
}

const char *unicode_version(void)
{
	return unicode_tables_version;
}
