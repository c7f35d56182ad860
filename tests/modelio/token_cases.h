/* token_cases: the reference cases of the tokenizer tests
 * (tests/modelio/data/gpt2_tokenizer_cases.json and qwen_...): each a name, a text ("text"
 * in UTF-8 or "hex" for raw bytes), the expected ids and an optional
 * "source". Shared by test_gpt2_tokenizer.c and test_qwen_tokenizer.c. */
#ifndef MENTOR_TEST_TOKEN_CASES_H
#define MENTOR_TEST_TOKEN_CASES_H

#include <cjson/cJSON.h>

#include "mentor/tokenizer.h"
#include "mentor/unicode.h"
#include "mentor/util.h"
#include "run.h"
#include "test.h"

struct tcase {
	char *name;
	char *bytes;
	size_t len;
	int32_t *ids;
	size_t n_ids;
	char *source; /* NULL when the case names none */
};

static int tcase_hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The cases of the file at path (exits 99 when it is unreadable or
 * malformed); *n gets their number. Free with tcase_free(). */
static struct tcase *tcase_load(const char *path, size_t *n_out)
{
	size_t n;
	char err[MENTOR_ERR_LEN];
	char *txt = util_read_file(path, (size_t)16 << 20, &n, err);
	if (!txt)
		TEST_SETUP_FAIL("%s", err);
	cJSON *j = cJSON_ParseWithLength(txt, n);
	free(txt);
	const cJSON *arr = cJSON_GetObjectItem(j, "cases");
	if (!cJSON_IsArray(arr))
		TEST_SETUP_FAIL("%s: no cases", path);
	size_t n_cases = (size_t)cJSON_GetArraySize(arr);
	struct tcase *cases = calloc(n_cases + 1, sizeof *cases);
	size_t k = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
	{
		struct tcase *t = &cases[k++];
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
		const char *src = cJSON_GetStringValue(cJSON_GetObjectItem(c, "source"));
		t->name = strdup(name ? name : "?");
		t->source = src ? strdup(src) : NULL;
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(c, "text"));
		const char *hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "hex"));
		if (text) { /* texts with NUL come as hex */
			t->len = strlen(text);
			t->bytes = strdup(text);
		} else if (hex && strlen(hex) % 2 == 0) {
			t->len = strlen(hex) / 2;
			t->bytes = malloc(t->len + 1);
			for (size_t i = 0; i < t->len; i++) {
				int hi = tcase_hexval(hex[2 * i]),
				    lo = tcase_hexval(hex[2 * i + 1]);
				if (hi < 0 || lo < 0)
					TEST_SETUP_FAIL("case %s: bad hex", t->name);
				t->bytes[i] = (char)(hi * 16 + lo);
			}
			t->bytes[t->len] = '\0';
		} else {
			TEST_SETUP_FAIL("case %s: no text", t->name);
		}
		const cJSON *ids = cJSON_GetObjectItem(c, "ids"), *e;
		t->n_ids = (size_t)cJSON_GetArraySize(ids);
		t->ids = malloc((t->n_ids + 1) * sizeof *t->ids);
		size_t m = 0;
		cJSON_ArrayForEach(e, ids) t->ids[m++] = (int32_t)e->valuedouble;
	}
	cJSON_Delete(j);
	*n_out = n_cases;
	return cases;
}

static void tcase_free(struct tcase *cases, size_t n)
{
	for (size_t c = 0; cases && c < n; c++) {
		free(cases[c].name);
		free(cases[c].source);
		free(cases[c].bytes);
		free(cases[c].ids);
	}
	free(cases);
}

/* Every case through t, in the file's numbering, and back to its bytes
 * (their NFC when nfc). */
/* Runs `mentor tokenize MODEL -` on case c's bytes (written to the file in)
 * and compares the ids printed with the case's; prints why and returns 1
 * when they differ, 0 when they match. */
static int tcase_cli_differs(const char *bin, const char *model, const char *in,
			     const struct tcase *c)
{
	char cmd[2400];
	test_write_file(in, c->bytes, c->len);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s/none.db' tokenize '%s' - < '%s'", bin,
		 test_tmpdir(), model, in);
	int st;
	char *out = run_popen(cmd, &st);
	struct buf want;
	buf_init(&want);
	for (size_t i = 0; i < c->n_ids; i++)
		buf_printf(&want, "%s%d", i ? " " : "", (int)c->ids[i]);
	buf_putc(&want, '\n');
	int differs = st != 0 || strcmp(out, want.data) != 0;
	if (differs)
		fprintf(stderr, "cli: case '%s': status %d\n", c->name, st);
	buf_release(&want);
	free(out);
	return differs;
}

static void tcase_check(const struct tokenizer *t, const struct tcase *cases, size_t n_cases,
			int nfc, const char *what)
{
	char err[MENTOR_ERR_LEN];
	int bad = 0;
	for (size_t c = 0; c < n_cases; c++) {
		struct tokenizer_ids ids;
		tokenizer_ids_init(&ids);
		CHECK_INT(tokenizer_encode(t, cases[c].bytes, cases[c].len, &ids, err), 0);
		int same = ids.n == cases[c].n_ids;
		size_t at = 0;
		for (; same && at < ids.n; at++)
			same = tokenizer_file_id(t, ids.ids[at]) == cases[c].ids[at];
		if (!same) {
			bad++;
			fprintf(stderr,
				"%s: case '%s': %zu ids, want %zu; first difference at %zu\n", what,
				cases[c].name, ids.n, cases[c].n_ids, at ? at - 1 : 0);
		}
		struct buf out, want;
		buf_init(&out);
		buf_init(&want);
		if (nfc)
			CHECK_INT(unicode_nfc(cases[c].bytes, cases[c].len, &want), 0);
		else
			CHECK_INT(buf_append(&want, cases[c].bytes, cases[c].len), 0);
		CHECK_INT(tokenizer_decode(t, ids.ids, ids.n, 0, &out, err), 0);
		CHECK_MSG(out.len == want.len &&
				  (!out.len || !memcmp(out.data, want.data, out.len)),
			  "%s: case '%s' does not decode to its text%s", what, cases[c].name,
			  nfc ? "'s NFC" : "");
		buf_release(&out);
		buf_release(&want);
		tokenizer_ids_release(&ids);
	}
	CHECK_MSG(bad == 0, "%s: %d of %zu cases differ from the reference", what, bad, n_cases);
}

#endif
