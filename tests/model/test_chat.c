/* test_chat: the chat-template renderers against hand-checked texts,
 * detection of each family, and hostile templates. With --dump the program
 * prints its Qwen3 renderings of the shared cases as JSON for
 * test_chat_jinja.sh, which compares them with Jinja's rendering of the
 * real template. */
#include "mentor/chat.h"

#include "test.h"

#define MSG(r, c)                                                                                  \
	{                                                                                          \
		r, c                                                                               \
	}

static char *render(const struct chat_format *f, const struct chat_msg *m, size_t n, int gen,
		    int thinking_off)
{
	struct buf b;
	char err[MENTOR_ERR_LEN];
	struct chat_opts o = {.add_generation_prompt = gen, .thinking_off = thinking_off};
	buf_init(&b);
	if (chat_render(f, m, n, &o, &b, err)) {
		fprintf(stderr, "render: %s\n", err);
		buf_release(&b);
		return NULL;
	}
	buf_putc(&b, 0);
	return buf_detach(&b, NULL);
}

#define CHECK_RENDER(f, m, gen, off, want)                                                         \
	do {                                                                                       \
		char *got_ = render(f, m, sizeof(m) / sizeof(m[0]), gen, off);                     \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

/* The cases compared with Jinja (--dump): every branch of Qwen3's template
 * that plain messages reach. */
struct jcase {
	struct chat_msg m[6];
	int n, gen, thinking_off;
};

static const struct jcase jcases[] = {
	{{MSG("user", "What is 2+3?")}, 1, 1, 0},
	{{MSG("system", "Answer briefly."), MSG("user", "What is 2+3?")}, 2, 1, 0},
	{{MSG("system", "Answer briefly."), MSG("user", "What is 2+3?")}, 2, 1, 1},
	{{MSG("user", "Q1"), MSG("assistant", "A1"), MSG("user", "Q2")}, 3, 1, 0},
	{{MSG("user", "Q"), MSG("assistant", "<think>\nadd them\n</think>\n\nSo 5.")}, 2, 0, 0},
	{{MSG("user", "Q"), MSG("assistant", "plain answer, no thinking")}, 2, 0, 0},
	{{MSG("user", "Q1"), MSG("assistant", "<think>\nr1\n</think>\n\nA1"), MSG("user", "Q2"),
	  MSG("assistant", "<think>\n\nr2\n\n</think>\n\n\nA2\n")},
	 4,
	 0,
	 0},
	{{MSG("user", "Q"), MSG("assistant", "<think>r</think>A"), MSG("assistant", "B")}, 3, 0, 0},
	{{MSG("user", "Q"), MSG("assistant", "x<think>a</think>b</think>\n\nc"),
	  MSG("assistant", "no think")},
	 3,
	 1,
	 0},
	{{MSG("user", "Q"), MSG("system", "second system"),
	  MSG("user", "<tool_response>r</tool_response>"), MSG("assistant", "<think>t</think>A")},
	 4,
	 0,
	 0},
	{{MSG("system", "\xe3\x80\x80日本語で答えてください。\n"),
	  MSG("user", "\xe3\x80\x80ボルトは何本？（全角１２３）\n"),
	  MSG("assistant", "\n<think>\n数える。\n</think>\n答えは１２本です。\xe3\x80\x80")},
	 3,
	 1,
	 0},
	{{MSG("user", ""), MSG("assistant", "")}, 2, 1, 1},
	{{MSG("assistant", "first"), MSG("user", "then")}, 2, 1, 0},
};
#define N_JCASES (sizeof(jcases) / sizeof(jcases[0]))

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static int dump(void)
{
	struct chat_format f;
	chat_format_init(&f, CHAT_QWEN3);
	printf("[\n");
	for (size_t i = 0; i < N_JCASES; i++) {
		const struct jcase *c = &jcases[i];
		char *got = render(&f, c->m, (size_t)c->n, c->gen, c->thinking_off);
		if (!got)
			return 1;
		printf(" {\"messages\": [");
		for (int k = 0; k < c->n; k++) {
			printf("%s{\"role\": ", k ? ", " : "");
			json_str(c->m[k].role);
			printf(", \"content\": ");
			json_str(c->m[k].content);
			printf("}");
		}
		printf("], \"add_generation_prompt\": %s, \"enable_thinking\": %s, \"rendered\": ",
		       c->gen ? "true" : "false", c->thinking_off ? "false" : "true");
		json_str(got);
		printf("}%s\n", i + 1 < N_JCASES ? "," : "");
		free(got);
	}
	printf("]\n");
	return 0;
}

static void test_names(void)
{
	for (int k = 0; k < CHAT_N_KINDS; k++)
		CHECK_INT(chat_kind_parse(chat_kind_name(k)), k);
	CHECK_INT(chat_kind_parse("ChatML"), -1);
	CHECK_INT(chat_kind_parse(NULL), -1);
	CHECK_STR(chat_kind_name(99), "?");
	CHECK_STR(chat_end_of_turn(CHAT_QWEN3), "<|im_end|>");
	CHECK_STR(chat_end_of_turn(CHAT_LLAMA31), "<|eot_id|>");
	CHECK(chat_end_of_turn(CHAT_NONE) == NULL);
}

static void test_chatml(void)
{
	struct chat_format f;
	chat_format_init(&f, CHAT_CHATML);
	struct chat_msg m1[] = {MSG("user", "Hi"), MSG("assistant", "Hello."),
				MSG("user", " 2+2? ")};
	CHECK_RENDER(&f, m1, 1, 0,
		     "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
		     "<|im_start|>user\n 2+2? <|im_end|>\n<|im_start|>assistant\n");
	/* a default system message goes first unless the caller gives one */
	snprintf(f.system, sizeof(f.system), "You are a small model.");
	struct chat_msg m2[] = {MSG("user", "Hi")};
	CHECK_RENDER(&f, m2, 0, 0,
		     "<|im_start|>system\nYou are a small model.<|im_end|>\n"
		     "<|im_start|>user\nHi<|im_end|>\n");
	struct chat_msg m3[] = {MSG("system", "Be terse."), MSG("user", "Hi")};
	CHECK_RENDER(&f, m3, 1, 0,
		     "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
		     "<|im_start|>assistant\n");
}

static void test_llama(void)
{
	struct chat_format f;
	chat_format_init(&f, CHAT_LLAMA3);
	/* content is trimmed, Unicode spaces (U+3000) included; BOS once */
	struct chat_msg m1[] = {MSG("system", " sys\n"),
				MSG("user", "\xe3\x80\x80質問\xe3\x80\x80")};
	CHECK_RENDER(&f, m1, 1, 0,
		     "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nsys<|eot_id|>"
		     "<|start_header_id|>user<|end_header_id|>\n\n質問<|eot_id|>"
		     "<|start_header_id|>assistant<|end_header_id|>\n\n");
	chat_format_init(&f, CHAT_LLAMA31);
	struct chat_msg m2[] = {MSG("user", "Hi\n")};
	CHECK_RENDER(&f, m2, 1, 0,
		     "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
		     "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
		     "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
		     "<|start_header_id|>assistant<|end_header_id|>\n\n");
	snprintf(f.date, sizeof(f.date), "06 Dec 2026");
	struct chat_msg m3[] = {MSG("system", "  Be terse. "), MSG("user", "Hi"),
				MSG("assistant", " Hello ")};
	CHECK_RENDER(&f, m3, 0, 0,
		     "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
		     "Cutting Knowledge Date: December 2023\nToday Date: 06 Dec 2026\n\n"
		     "Be terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
		     "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>");
	/* a zero-width space is not whitespace to Python: kept */
	chat_format_init(&f, CHAT_LLAMA3);
	struct chat_msg m4[] = {MSG("user", "\xe2\x80\x8bx\xc2\xa0")};
	CHECK_RENDER(&f, m4, 0, 0,
		     "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n\xe2\x80\x8bx"
		     "<|eot_id|>");
}

static void test_qwen3_by_hand(void)
{
	struct chat_format f;
	chat_format_init(&f, CHAT_QWEN3);
	struct chat_msg m[] = {MSG("user", "Q"), MSG("assistant", "<think>\nr\n</think>\n\nA")};
	CHECK_RENDER(
		&f, m, 1, 1,
		"<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\n"
		"A<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
	/* an earlier assistant turn loses its thinking */
	struct chat_msg m2[] = {MSG("user", "Q"), MSG("assistant", "<think>r</think>A"),
				MSG("user", "Q2")};
	CHECK_RENDER(&f, m2, 0, 0,
		     "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
		     "<|im_start|>user\nQ2<|im_end|>\n");
}

static void test_detect(void)
{
	struct chat_format f;
	char err[MENTOR_ERR_LEN];
	const char *chatml_sys =
		"{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
		"{{ '<|im_start|>system\\nYou are a model\\'s \\\"helper\\\".<|im_end|>\\n' }}"
		"{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
		"'<|im_end|>' + '\\n'}}{% endfor %}";
	CHECK_INT(chat_detect(chatml_sys, strlen(chatml_sys), &f, err), 0);
	CHECK_INT(f.kind, CHAT_CHATML);
	CHECK_STR(f.system, "You are a model's \"helper\".");
	/* the expression form (system from the messages) is not a default */
	const char *chatml_plain =
		"{% if messages[0]['role'] == 'system' %}{{ '<|im_start|>system\\n' + "
		"messages[0]['content'] + '<|im_end|>\\n' }}{% endif %}";
	CHECK_INT(chat_detect(chatml_plain, strlen(chatml_plain), &f, err), 0);
	CHECK_INT(f.kind, CHAT_CHATML);
	CHECK_STR(f.system, "");
	const char
		*qwen3 = "{{ '<|im_start|>' }}{{ '<think>\\n\\n</think>\\n\\n' }}{{'<|im_end|>'}}";
	CHECK_INT(chat_detect(qwen3, strlen(qwen3), &f, err), 0);
	CHECK_INT(f.kind, CHAT_QWEN3);
	const char *l3 = "{{ bos_token + '<|start_header_id|>' + m + '<|eot_id|>' }}";
	CHECK_INT(chat_detect(l3, strlen(l3), &f, err), 0);
	CHECK_INT(f.kind, CHAT_LLAMA3);
	const char *l31 = "<|start_header_id|>Cutting Knowledge Date: December 2023<|eot_id|>";
	CHECK_INT(chat_detect(l31, strlen(l31), &f, err), 0);
	CHECK_INT(f.kind, CHAT_LLAMA31);
	CHECK_STR(f.date, "26 Jul 2024");

	/* unknown families, hostile sizes: refused with a message */
	const char *mistral = "{{ bos_token }}[INST] {{ m }} [/INST]";
	CHECK_INT(chat_detect(mistral, strlen(mistral), &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown chat template") && strstr(err, "Qwen3"));
	CHECK_INT(chat_detect("", 0, &f, err), MENTOR_EUSAGE);
	CHECK_INT(chat_detect(NULL, 0, &f, err), MENTOR_EUSAGE);
	CHECK_INT(chat_detect(l3, CHAT_MAX_TEMPLATE + 1, &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "over the limit") != NULL);
	/* a default system message longer than the limit */
	size_t n = CHAT_MAX_SYSTEM + 64;
	char *big = malloc(n + 64);
	int k = snprintf(big, 64, "<|im_start|>system\\n");
	memset(big + k, 'x', n);
	memcpy(big + k + n, "<|im_end|>", 11);
	CHECK_INT(chat_detect(big, strlen(big), &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "longer than") != NULL);
	/* a template cut right after the opening marker */
	CHECK_INT(chat_detect(big, (size_t)k + 10, &f, err), MENTOR_EUSAGE);
	free(big);
	/* NUL bytes inside are just bytes */
	const char nul[] = "<|im_start|>\0<|im_end|>";
	CHECK_INT(chat_detect(nul, sizeof(nul) - 1, &f, err), 0);
	CHECK_INT(f.kind, CHAT_CHATML);
}

static void test_bad_messages(void)
{
	struct chat_format f;
	struct buf b;
	char err[MENTOR_ERR_LEN];
	chat_format_init(&f, CHAT_CHATML);
	buf_init(&b);
	struct chat_msg tool[] = {MSG("tool", "x")};
	CHECK_INT(chat_render(&f, tool, 1, NULL, &b, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "role 'tool'") != NULL);
	struct chat_msg null_content[] = {MSG("user", NULL)};
	CHECK_INT(chat_render(&f, null_content, 1, NULL, &b, err), MENTOR_EUSAGE);
	struct chat_msg null_role[] = {MSG(NULL, "x")};
	CHECK_INT(chat_render(&f, null_role, 1, NULL, &b, err), MENTOR_EUSAGE);
	CHECK_INT(b.len, 0);
	f.kind = 42;
	struct chat_msg ok[] = {MSG("user", "x")};
	CHECK_INT(chat_render(&f, ok, 1, NULL, &b, err), MENTOR_EUSAGE);
	/* CHAT_NONE: the user's text alone */
	chat_format_init(&f, CHAT_NONE);
	struct chat_msg two[] = {MSG("system", "s"), MSG("user", "question")};
	CHECK_INT(chat_render(&f, two, 2, NULL, &b, err), 0);
	CHECK(b.len == 8 && !memcmp(b.data, "question", 8));
	buf_release(&b);
}

/* --detect FILE: print the kind chat_detect finds in template FILE. */
static int detect_file(const char *path)
{
	char err[MENTOR_ERR_LEN];
	size_t n;
	char *t = util_read_file(path, CHAT_MAX_TEMPLATE, &n, err);
	struct chat_format f;
	if (!t || chat_detect(t, n, &f, err)) {
		fprintf(stderr, "test_chat: %s\n", err);
		free(t);
		return 1;
	}
	printf("%s\n", chat_kind_name(f.kind));
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--dump"))
		return dump();
	if (argc > 2 && !strcmp(argv[1], "--detect"))
		return detect_file(argv[2]);
	test_names();
	test_chatml();
	test_llama();
	test_qwen3_by_hand();
	test_detect();
	test_bad_messages();
	return test_done();
}
