/* fuzz_serve: the request parser of `mentor serve` (src/serve.c). Input: a
 * raw HTTP request; its head is what comes before the first blank line, the
 * body what follows it. Properties: a parsed head has a method, a path
 * without a query, and a length only when Content-Length was given; a parsed
 * body has a question and a valid answer type, and its choices either make
 * the question text or are refused with a message. */
#include <string.h>

#include "fuzz.h"
#include "mentor/serve.h"
#include "mentor/train.h"

static void body(const char *data, size_t n, int chat)
{
	struct serve_query q;
	const char *bad = "unset";
	if (serve_parse_body(data, n, chat, &q, &bad)) {
		FUZZ_CHECK(bad && *bad && !q.question && !q.choices);
		return;
	}
	FUZZ_CHECK(bad == NULL && q.question);
	FUZZ_CHECK(!q.type[0] || !strcmp(q.type, "number") || !strcmp(q.type, "yesno") ||
		   !strcmp(q.type, "mc") || !strcmp(q.type, "text"));
	struct buf prompt;
	buf_init(&prompt);
	char err[MENTOR_ERR_LEN] = "";
	if (train_question_text(q.question, q.choices, &prompt, err))
		FUZZ_CHECK(err[0] != '\0');
	else
		FUZZ_CHECK(prompt.len >= strlen(q.question));
	buf_release(&prompt);
	serve_query_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t head = size;
	for (size_t i = 0; i + 4 <= size; i++)
		if (!memcmp(s + i, "\r\n\r\n", 4)) {
			head = i;
			break;
		}
	char *h = fuzz_strndup(data, head);
	struct serve_request r;
	if (serve_parse_head(h, head, &r) == 0) {
		FUZZ_CHECK(strlen(r.method) < sizeof r.method && strlen(r.path) < sizeof r.path);
		FUZZ_CHECK(!strchr(r.path, '?'));
		FUZZ_CHECK(r.has_length || r.content_length == 0);
	}
	free(h);
	size_t at = head + 4 <= size ? head + 4 : size;
	char *b = fuzz_strndup(data + at, size - at);
	body(b, size - at, 1);
	body(b, size - at, 0);
	free(b);
	return 0;
}
