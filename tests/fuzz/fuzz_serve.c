/* fuzz_serve: the request head parser of `mentor serve` (src/serve.c,
 * serve_parse_head and serve_auth_ok). Input: a request head as a client
 * sends it (without the blank line that ends it). Properties: the parser
 * answers 0 or 400 and nothing else; a head it accepts has a method and a
 * path within their buffers, NUL-terminated, the path starting with '/' and
 * without its query, a Content-Length within the limit; the same bytes parse
 * the same way twice;
 * the head with CRLF line ends parses as with bare LF (where no CR stands
 * alone); an accepted "Authorization: Bearer K" matches the key K and no
 * other. */
#include <string.h>

#include "fuzz.h"
#include "serve_int.h"

static int parse(const char *h, size_t n, struct serve_req *r)
{
	memset(r, 0, sizeof *r);
	return serve_parse_head(h, n, r);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *h = fuzz_strndup(data, size);
	static struct serve_req a, b, c;
	int rc = parse(h, size, &a);
	FUZZ_CHECK(rc == 0 || rc == 400);
	FUZZ_CHECK(parse(h, size, &b) == rc && !memcmp(&a, &b, sizeof a));
	if (rc == 0) {
		FUZZ_CHECK(memchr(a.method, 0, sizeof a.method) && a.method[0]);
		FUZZ_CHECK(memchr(a.path, 0, sizeof a.path) && a.path[0] == '/' &&
			   !strchr(a.path, '?'));
		FUZZ_CHECK(a.minor >= 0 && a.minor <= 9);
		FUZZ_CHECK(!a.has_length || a.content_length <= (size_t)1 << 40);
		FUZZ_CHECK(memchr(a.auth, 0, sizeof a.auth));
	}

	/* the same head with bare LF line ends, where that says the same: not
	 * when a CR stands alone ("\r\r\n" ends a line whose text ends in a
	 * CR, which LF line ends cannot write) */
	int lone_cr = 0;
	for (size_t i = 0; i < size; i++)
		lone_cr |= h[i] == '\r' && (i + 1 == size || h[i + 1] != '\n');
	char *lf = malloc(size + 1);
	FUZZ_CHECK(lf != NULL);
	size_t m = 0;
	for (size_t i = 0; i < size; i++)
		if (!(h[i] == '\r' && i + 1 < size && h[i + 1] == '\n'))
			lf[m++] = h[i];
	lf[m] = 0;
	int rc2 = parse(lf, m, &c);
	FUZZ_CHECK(lone_cr || rc2 == rc);
	if (!lone_cr && rc == 0) {
		FUZZ_CHECK(!strcmp(a.method, c.method) && !strcmp(a.path, c.path));
		FUZZ_CHECK(a.content_length == c.content_length && a.has_length == c.has_length);
		FUZZ_CHECK(!strcmp(a.auth, c.auth) && a.auth_bad == c.auth_bad);
		FUZZ_CHECK(a.conn_close == c.conn_close && a.conn_keep == c.conn_keep);
	}
	free(lf);

	/* the key the head carries opens it; one byte more does not */
	if (rc == 0 && a.has_auth && !a.auth_bad && !strncmp(a.auth, "Bearer ", 7)) {
		const char *k = a.auth + 7;
		while (*k == ' ')
			k++;
		if (*k) {
			FUZZ_CHECK(serve_auth_ok(&a, k) == 1);
			char longer[AUTH_MAX + 2];
			size_t kl = strlen(k);
			FUZZ_CHECK(kl < AUTH_MAX);
			memcpy(longer, k, kl);
			memcpy(longer + kl, "x", 2);
			FUZZ_CHECK(serve_auth_ok(&a, longer) == 0);
		}
	}
	free(h);
	return 0;
}
