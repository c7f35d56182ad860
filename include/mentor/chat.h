/* chat: the chat templates of the pretrained students mentor fine-tunes,
 * rendered by fixed code instead of a Jinja interpreter. A model folder's
 * template (tokenizer_config.json "chat_template", GGUF
 * tokenizer.chat_template) is recognised as one of the known families:
 *
 *   chatml   <|im_start|>ROLE\nTEXT<|im_end|>\n per message, with the default
 *            system message the template carries when the first message is
 *            not a system one (Qwen2, Qwen2.5, SmolLM2; none for plain ChatML)
 *   qwen3    ChatML with Qwen3's thinking blocks: an assistant turn after the
 *            last user message is "<think>\nREASONING\n</think>\n\nANSWER",
 *            and a generation prompt with thinking off ends in an empty block
 *   llama3   <|begin_of_text|>, then <|start_header_id|>ROLE<|end_header_id|>
 *            \n\nTRIMMED TEXT<|eot_id|> per message (Llama 3)
 *   llama3.1 as llama3, with the system block always present and opened by
 *            "Cutting Knowledge Date: December 2023\nToday Date: DATE\n\n"
 *            (Llama 3.1, 3.2, 3.3)
 *
 * Tools, images and tool-call messages are not rendered: messages have the
 * roles system, user and assistant. Each renderer gives the text the
 * template gives for such messages; the tests compare it with Jinja's
 * rendering of the real Qwen3 template. */
#ifndef MENTOR_CHAT_H
#define MENTOR_CHAT_H

#include <stddef.h>

#include "mentor/util.h"

enum chat_kind {
	CHAT_NONE = 0, /* no template: the text is the user message alone */
	CHAT_CHATML,
	CHAT_QWEN3,
	CHAT_LLAMA3,
	CHAT_LLAMA31,
	CHAT_N_KINDS
};

/* Longest default system message taken from a template, in bytes. */
#define CHAT_MAX_SYSTEM 4096
/* Longest template text chat_detect() reads (real ones are under 20 KB). */
#define CHAT_MAX_TEMPLATE ((size_t)1 << 20)

struct chat_format {
	int kind;                     /* enum chat_kind */
	char system[CHAT_MAX_SYSTEM]; /* chatml: default system message, "" = none */
	char date[32];                /* llama3.1: "Today Date", e.g. "26 Jul 2024" */
};

/* Name of a kind ("none", "chatml", "qwen3", "llama3", "llama3.1"), or "?" */
const char *chat_kind_name(int kind);
/* Kind named s; -1 when unknown. */
int chat_kind_parse(const char *s);
/* A format of kind with no default system message and Llama 3.1's default
 * date ("26 Jul 2024", what its template uses when no date is passed). */
void chat_format_init(struct chat_format *f, int kind);

/* Recognise a Jinja chat template of n bytes (NUL not needed). Fills f and
 * returns 0; MENTOR_EUSAGE with a message listing the known families when
 * the template is none of them, or when it is longer than
 * CHAT_MAX_TEMPLATE. A default system message longer than CHAT_MAX_SYSTEM
 * is refused too. */
int chat_detect(const char *tpl, size_t n, struct chat_format *f, char *err);

struct chat_msg {
	const char *role;    /* "system", "user" or "assistant" */
	const char *content; /* UTF-8, NUL-terminated */
};

struct chat_opts {
	int add_generation_prompt; /* open an assistant turn at the end */
	int thinking_off;          /* qwen3: the generation prompt ends in an
	                            * empty <think></think> block */
};

/* Append the rendering of msgs[0..n) to out. Returns 0; MENTOR_EUSAGE for
 * an unknown role or a NULL content; MENTOR_ENOMEM. */
int chat_render(const struct chat_format *f, const struct chat_msg *msgs, size_t n,
		const struct chat_opts *o, struct buf *out, char *err);

/* The text that ends an assistant turn ("<|im_end|>", "<|eot_id|>"), NULL
 * for CHAT_NONE: generation stops at its token. */
const char *chat_end_of_turn(int kind);

#endif
