/* test_unicode_nfc: unicode_nfc on known cases (composition, ordering,
 * exclusions, singletons, Hangul, bytes that are not UTF-8) and, given a
 * file of "INPUT<TAB>NFC" hex lines (tests/model/nfc_reference.py through
 * test_unicode_nfc.sh), on every line of it. */
#include "mentor/unicode.h"
#include "mentor/util.h"
#include "test.h"

static void check_nfc(const char *in, size_t n, const char *want, size_t wn)
{
	struct buf b;
	buf_init(&b);
	CHECK_INT(unicode_nfc(in, n, &b), 0);
	int same = b.len == wn && (wn == 0 || !memcmp(b.data, want, wn));
	CHECK_MSG(same, "nfc of %zu bytes gave %zu bytes, want %zu", n, b.len, wn);
	/* NFC is idempotent and the quick check never passes text it changes */
	if (same) {
		struct buf c;
		buf_init(&c);
		CHECK_INT(unicode_nfc(b.data ? b.data : "", b.len, &c), 0);
		CHECK(c.len == b.len && (b.len == 0 || !memcmp(c.data, b.data, b.len)));
		buf_release(&c);
	}
	if (unicode_nfc_quick(in, n))
		CHECK(n == wn && (n == 0 || !memcmp(in, want, n)));
	buf_release(&b);
}

#define NFC(in, want) check_nfc(in, sizeof in - 1, want, sizeof want - 1)

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t unhex(const char *h, size_t n, char *out)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		out[i / 2] = (char)(hexval(h[i]) * 16 + hexval(h[i + 1]));
	return n / 2;
}

static void check_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		TEST_SETUP_FAIL("cannot open %s", path);
	char line[512], in[256], want[256];
	size_t n_lines = 0, before = (size_t)test_failures;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		size_t len = strcspn(line, "\n");
		if (!tab || (size_t)(tab - line) > 2 * sizeof in ||
		    len - (size_t)(tab - line) - 1 > 2 * sizeof want)
			TEST_SETUP_FAIL("bad line %zu in %s", n_lines + 1, path);
		size_t ni = unhex(line, (size_t)(tab - line), in);
		size_t nw = unhex(tab + 1, len - (size_t)(tab - line) - 1, want);
		check_nfc(in, ni, want, nw);
		if ((size_t)test_failures > before + 20) {
			fprintf(stderr, "too many failures; stopping at line %zu\n", n_lines + 1);
			break;
		}
		if ((size_t)test_failures > before && test_failures < 30)
			fprintf(stderr, "  line %zu: %s", n_lines + 1, line);
		before = (size_t)test_failures;
		n_lines++;
	}
	fclose(f);
	CHECK(n_lines > 1000000);
	printf("%zu reference lines\n", n_lines);
}

int main(int argc, char **argv)
{
	NFC("", "");
	NFC("plain ascii", "plain ascii");
	NFC("cafe\xcc\x81", "caf\xc3\xa9");              /* e + acute */
	NFC("A\xcc\x8a", "\xc3\x85");                    /* A + ring */
	NFC("\xe2\x84\xab", "\xc3\x85");                 /* Angstrom sign, a singleton */
	NFC("\xe2\x84\xa6", "\xce\xa9");                 /* Ohm sign */
	NFC("\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc"); /* U+0958 is excluded */
	/* a dot below (220) moves before a dot above (230), then both compose */
	NFC("a\xcc\x87\xcc\xa3", "\xe1\xba\xa1\xcc\x87");
	NFC("q\xcc\x87\xcc\xa3", "q\xcc\xa3\xcc\x87");
	/* Hangul: L V T joined by arithmetic; a syllable decomposes and rejoins */
	NFC("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81");
	NFC("\xea\xb0\x80\xe1\x86\xa8", "\xea\xb0\x81");
	NFC("\xea\xb0\x81", "\xea\xb0\x81");
	/* kana + combining voiced mark */
	NFC("\xe3\x81\x8b\xe3\x82\x99", "\xe3\x81\x8c");
	/* a mark with nothing to join, at the start */
	NFC("\xcc\x81"
	    "a",
	    "\xcc\x81"
	    "a");
	/* bytes that are not UTF-8 stay and join nothing */
	NFC("\xff\xcc\x81", "\xff\xcc\x81");
	NFC("e\xff\xcc\x81", "e\xff\xcc\x81");
	NFC("e\xcc\x81\xc3", "\xc3\xa9\xc3");
	NFC("\xed\xa0\x80\xcc\x81", "\xed\xa0\x80\xcc\x81"); /* a surrogate's bytes */
	/* blocked: a starter between */
	NFC("e\xe3\x80\x80\xcc\x81", "e\xe3\x80\x80\xcc\x81");
	CHECK(unicode_nfc_quick("abc \xe6\x97\xa5\xe6\x9c\xac", 10));
	CHECK(!unicode_nfc_quick("e\xcc\x81", 3));
	CHECK_INT(unicode_ccc(0x301), 230);
	CHECK_INT(unicode_ccc(0x323), 220);
	CHECK_INT(unicode_ccc('a'), 0);
	CHECK_INT(unicode_ccc(0x110000), 0);
	CHECK_STR(unicode_nfc_version(), unicode_version());
	if (argc > 1)
		check_file(argv[1]);
	return test_done();
}
