#define _POSIX_C_SOURCE 200809L
/* Unit tests of util: buffers, UTF-8 validation, sizes, SHA-256, PRNG,
 * number parsing, atomic writes, white space folding, number answers, the
 * config path and id sets. */
#include "mentor/util.h"
#include "test.h"

#include <sys/wait.h>

static void test_buf(void)
{
	struct buf b;
	buf_init(&b);
	CHECK_INT(buf_puts(&b, "abc"), 0);
	CHECK_INT(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	CHECK_STR(b.data, "abc-42-x");
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, 'z');
	CHECK_INT(b.len, 8 + 10000);
	buf_reset(&b);
	CHECK_STR(b.data, "");
	b.limit = 4;
	CHECK_INT(buf_puts(&b, "abcd"), 0);
	CHECK_INT(buf_puts(&b, "e"), MENTOR_ENOMEM);
	CHECK_STR(b.data, "abcd");
	size_t n;
	char *p = buf_detach(&b, &n);
	CHECK_STR(p, "abcd");
	CHECK_INT(n, 4);
	CHECK(b.data == NULL);
	free(p);
	buf_release(&b);
	buf_release(NULL);
}

static void test_utf8(void)
{
	size_t off = 99;
	CHECK(util_utf8_valid("plain", 5, 1, NULL));
	CHECK(util_utf8_valid("検査工程", strlen("検査工程"), 1, NULL));
	CHECK(!util_utf8_valid("ab\xff", 3, 1, &off));
	CHECK_INT(off, 2);
	CHECK(!util_utf8_valid("\xc0\xaf", 2, 1, &off));     /* overlong '/' */
	CHECK(!util_utf8_valid("\xed\xa0\x80", 3, 1, &off)); /* surrogate */
	CHECK(!util_utf8_valid("\xe6\xa4", 2, 1, &off));     /* truncated */
	CHECK(!util_utf8_valid("a\0b", 3, 1, &off));
	CHECK_INT(off, 1);
	CHECK(util_utf8_valid("a\0b", 3, 0, NULL));
	uint32_t cp;
	CHECK_INT(util_utf8_decode((const unsigned char *)"€", 3, &cp), 3);
	CHECK_INT(cp, 0x20AC);
}

static void test_sizes(void)
{
	size_t out;
	CHECK_INT(util_mul_size(1u << 20, 1u << 10, &out), 0);
	CHECK_INT(out, (size_t)1 << 30);
	CHECK_INT(util_mul_size(SIZE_MAX / 2, 3, &out), -1);
	CHECK_INT(util_add_size(SIZE_MAX, 1, &out), -1);
}

static void test_sha(void)
{
	char hex[65];
	util_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	util_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	util_sha256_hex(m, strlen(m), hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_rng(void)
{
	struct rng a, b;
	rng_seed(&a, 7);
	rng_seed(&b, 7);
	for (int i = 0; i < 100; i++)
		CHECK(rng_next(&a) == rng_next(&b));
	int hist[5] = {0};
	for (int i = 0; i < 5000; i++)
		hist[rng_below(&a, 5)]++;
	for (int i = 0; i < 5; i++)
		CHECK(hist[i] > 800 && hist[i] < 1200);
	double u = rng_unit(&a);
	CHECK(u >= 0 && u < 1);
}

static void test_parse(void)
{
	long v;
	double d;
	CHECK_INT(util_parse_long("42", 0, 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(util_parse_long("42x", 0, 100, &v), -1);
	CHECK_INT(util_parse_long("101", 0, 100, &v), -1);
	CHECK_INT(util_parse_long("", 0, 100, &v), -1);
	CHECK_INT(util_parse_double("0.25", &d), 0);
	CHECK_NEAR(d, 0.25, 0);
	CHECK_INT(util_parse_double("nan", &d), -1);
}

static void test_files(void)
{
	char err[MENTOR_ERR_LEN];
	const char *p = test_path("atomic.txt");
	CHECK_INT(util_write_file_atomic(p, "hello", 5, err), 0);
	size_t n;
	char *s = util_read_file(p, 100, &n, err);
	CHECK(s != NULL);
	CHECK_STR(s, "hello");
	free(s);
	CHECK(util_read_file(p, 3, &n, err) == NULL);
	CHECK(strstr(err, "larger than") != NULL);
	CHECK(util_read_file(test_path("missing"), 3, &n, err) == NULL);
	CHECK(strstr(err, "cannot open") != NULL);
	CHECK_INT(util_err(err, "x '%s'", "y"), MENTOR_ERR);
	CHECK_STR(err, "x 'y'");
}

static void test_text(void)
{
	char *s = util_squeeze_space("  a \t\n b\r\n\vc  ");
	CHECK_STR(s, "a b c");
	free(s);
	s = util_squeeze_space("\xe6\x97\xa5\xe6\x9c\xac  \xe8\xaa\x9e");
	CHECK_STR(s, "\xe6\x97\xa5\xe6\x9c\xac \xe8\xaa\x9e");
	free(s);
	CHECK(util_squeeze_space(" \t\n ") == NULL);
	CHECK(util_squeeze_space("") == NULL);

	setenv("XDG_CONFIG_HOME", "/x", 1);
	s = util_user_config_path("config");
	CHECK_STR(s, "/x/mentor/config");
	free(s);
	setenv("XDG_CONFIG_HOME", "", 1);
	setenv("HOME", "/h", 1);
	s = util_user_config_path("prompts");
	CHECK_STR(s, "/h/.config/mentor/prompts");
	free(s);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	CHECK(util_user_config_path("config") == NULL);
}

static void check_number(const char *in, const char *want)
{
	char *got = util_normalise_number(in);
	if (want)
		CHECK_STR(got, want);
	else
		CHECK_MSG(got == NULL, "'%s' gave '%s'", in, got ? got : "");
	free(got);
}

static void test_number(void)
{
	check_number("1,200", "1200");
	check_number(" $18.00\n", "18");
	check_number("-0.50", "-0.5");
	check_number("+007", "7");
	check_number("-0", "0");
	check_number(".5", "0.5");
	check_number("1e3", "1000");
	check_number("2.5E-1", "0.25");
	check_number("123456789012345678901234567890", "123456789012345678901234567890");
	check_number("1e400", NULL);
	check_number("1e", NULL);
	check_number("1,2", "12");
	check_number("1,,2", NULL);
	check_number("--3", NULL);
	check_number("1.2.3", NULL);
	check_number("$", NULL);
	check_number("", NULL);
	check_number("12 apples", NULL);
	char big[100];
	memset(big, '9', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	check_number(big, NULL);
	big[64] = '\0';
	check_number(big, big);
	/* 64 characters whose canonical form has 65 ("." gains a leading 0): a
	 * normalised number always normalises to itself, so it is refused */
	char frac[65];
	memset(frac, '1', 64);
	frac[64] = '\0';
	frac[0] = '.';
	check_number(frac, NULL);
	frac[0] = '-';
	frac[1] = '.';
	check_number(frac, NULL);
	frac[0] = '0';
	check_number(frac, frac); /* "0.111...": 64 characters, itself */
	char dollar[65];
	memcpy(dollar, frac, sizeof dollar);
	dollar[0] = '$'; /* "$.111...": the "$" goes, a "0" comes */
	check_number(dollar, frac);
}

static void test_idset(void)
{
	struct util_idset ids = {0};
	char key[32];
	/* enough keys to grow the table several times */
	for (long i = 1; i <= 3000; i++) {
		snprintf(key, sizeof key, "id-%ld", i);
		CHECK_INT(util_idset_add(&ids, key, i), 0);
	}
	CHECK_INT(util_idset_add(&ids, "id-1", 5000), 1);
	CHECK_INT(util_idset_add(&ids, "id-2999", 5001), 2999);
	CHECK_INT(util_idset_add(&ids, "", 7), 0);
	CHECK_INT(util_idset_add(&ids, "", 8), 7);
	CHECK_INT((long)ids.n, 3001);
	util_idset_release(&ids);
	CHECK(ids.keys == NULL && ids.cap == 0);
	util_idset_release(&ids);
}

static char *term(const char *s, size_t n, unsigned flags)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	CHECK_INT(util_term_escape(&b, s, n, flags), 0);
	return buf_detach(&b, NULL);
}

static char *jclean(const char *s)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	CHECK_INT(util_json_clean(&b, s, strlen(s)), 0);
	return buf_detach(&b, NULL);
}

#define CHECK_TERM(in, flags, want)                                                                \
	do {                                                                                       \
		char *got_ = term(in, sizeof(in) - 1, flags);                                      \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

/* The one terminal rule: every class of hostile character, shown and never
 * dropped; text (joiners, marks, wide characters) kept. */
static void test_terminal(void)
{
	CHECK_TERM("\x1b]52;c;aGk=\x07", 0, "\\x1b]52;c;aGk=\\x07");
	CHECK_TERM("\x1b]0;title\x07\x1b[2J", 0, "\\x1b]0;title\\x07\\x1b[2J");
	CHECK_TERM("a\nb\tc\rd\x7f\x00", 0, "a\\nb\\tc\\rd\\x7f\\x00");
	CHECK_TERM("a\nb\tc", UTIL_TERM_NL | UTIL_TERM_TAB, "a\nb\tc");
	CHECK_TERM("a\nb\tc", UTIL_TERM_NL, "a\nb\\tc");
	CHECK_TERM("\xc2\x9b"
		   "31m\xc2\x85",
		   0, "\\u009b31m\\u0085");
	CHECK_TERM("\xe2\x80\xae"
		   "abc\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
		   0, "\\u202eabc\\u2066\\u2069\\u200e\\u200f\\u061c");
	CHECK_TERM("\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xc2\xad\xe2\x80\x8b\xe2\x81\xa0", 0,
		   "\\u2028\\u2029\\ufeff\\u00ad\\u200b\\u2060");
	CHECK_TERM("\xf3\xa0\x81\x81", 0, "\\U000e0041"); /* tag LATIN CAPITAL A */
	CHECK_TERM("a\xff\xe3\x81z", 0, "a\\xff\\xe3\\x81z");
	/* a real U+FFFD stays; joiners, marks, emoji and CJK are text */
	CHECK_TERM("\xef\xbf\xbd", 0, "\xef\xbf\xbd");
	const char text[] = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 e\xcc\x81 "
			    "\xe6\xbc\xa2\xe2\x80\x8c\xef\xb8\x8f";
	CHECK_TERM(text, 0, text);
	for (uint32_t cp = 0; cp < 0x20; cp++)
		CHECK(util_term_unsafe(cp));
	CHECK(util_term_unsafe(0x9b) && util_term_unsafe(0x202e) && !util_term_unsafe(0x200d));
	CHECK(!util_term_unsafe(' ') && !util_term_unsafe(0xe9) && !util_term_unsafe(0x1f468));
	/* JSON: \uXXXX (pairs above U+FFFF), U+FFFD for a bad byte */
	char *j = jclean("{\"a\":\"x\xc2\x9b\xe2\x80\xae\xf3\xa0\x81\x81\xff\x7f\",\"b\":[1, 2]}");
	CHECK_STR(j, "{\"a\":\"x\\u009b\\u202e\\udb40\\udc41\\ufffd\\u007f\",\"b\":[1, 2]}");
	free(j);
	j = jclean("{\"e\":\"\xf0\x9f\x91\xa8\xe2\x80\x8d\xe6\xbc\xa2\"}");
	CHECK_STR(j, "{\"e\":\"\xf0\x9f\x91\xa8\xe2\x80\x8d\xe6\xbc\xa2\"}");
	free(j);
	/* the printer: cell layout, width cut, newline indent */
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	CHECK(f != NULL);
	CHECK_INT(util_term_put(f, "x\n\xe2\x80\xae\x1b", UTIL_PUT_CELL, NULL, 0), 12);
	fputc('|', f);
	CHECK_INT(util_term_put(f, "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97",
				UTIL_PUT_CELL, NULL, 6),
		  5);
	fputc('|', f);
	util_term_put(f, "a\nb\x1b", UTIL_PUT_LINES, "  ", 0);
	fputc('|', f);
	util_term_put(f, "a\nb", UTIL_PUT_ESC, NULL, 0);
	fputc('|', f);
	util_term_put(f, NULL, UTIL_PUT_CELL, NULL, 0);
	fclose(f);
	CHECK_STR(mem, "x \\u202e\\x1b|\xe6\xbc\xa2...|a\n  b\\x1b|a\\nb|-");
	free(mem);
}

/* Temporary files of interrupted atomic writes: those of dead processes go,
 * those of live ones (this one, pid 1) and other files stay. */
static void test_tmp_cleanup(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	waitpid(child, NULL, 0);
	const char *dir = test_tmpdir();
	char p[4096];
	const char *keep[] = {"ckpt.bin", "other.tmp.%ld", "ckpt.bin.tmp.x%ld", "ckpt.bin.tmp.1"};
	for (size_t i = 0; i < 4; i++) {
		char nm[64];
		snprintf(nm, sizeof nm, keep[i], (long)child);
		snprintf(p, sizeof p, "%s/%s", dir, nm);
		test_write_file(p, "x", 1);
	}
	snprintf(p, sizeof p, "%s/ckpt.bin.tmp.%ld", dir, (long)getpid());
	test_write_file(p, "x", 1);
	char dead[4096];
	snprintf(dead, sizeof dead, "%s/ckpt.bin.tmp.%ld", dir, (long)child);
	test_write_file(dead, "partial", 7);
	CHECK_INT(util_tmp_cleanup(dir, "ckpt.bin"), 1);
	CHECK(access(dead, F_OK) != 0);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof p, "%s/ckpt.bin.tmp.1", dir);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof p, "%s/ckpt.bin", dir);
	CHECK(access(p, F_OK) == 0);
	CHECK_INT(util_tmp_cleanup(dir, "ckpt.bin"), 0);
	CHECK_INT(util_tmp_cleanup("/nonexistent/dir", "ckpt.bin"), -1);
}

int main(void)
{
	test_buf();
	test_utf8();
	test_sizes();
	test_sha();
	test_rng();
	test_parse();
	test_files();
	test_text();
	test_number();
	test_idset();
	test_terminal();
	test_tmp_cleanup();
	return test_done();
}
