/* chat: fixed renderers of the known chat-template families (see chat.h).
 * Each renderer follows its Jinja template statement by statement; the
 * string operations keep Python's meaning (strip('\n') strips newlines only,
 * Jinja's trim strips what str.isspace() calls whitespace). */
#include "mentor/chat.h"

#include <stdint.h>
#include <string.h>

static const char *const kind_names[CHAT_N_KINDS] = {
	[CHAT_NONE] = "none",     [CHAT_CHATML] = "chatml",    [CHAT_QWEN3] = "qwen3",
	[CHAT_LLAMA3] = "llama3", [CHAT_LLAMA31] = "llama3.1",
};

const char *chat_kind_name(int kind)
{
	return kind >= 0 && kind < CHAT_N_KINDS ? kind_names[kind] : "?";
}

int chat_kind_parse(const char *s)
{
	for (int k = 0; s && k < CHAT_N_KINDS; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return -1;
}

void chat_format_init(struct chat_format *f, int kind)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	snprintf(f->date, sizeof(f->date), "%s", "26 Jul 2024");
}

const char *chat_end_of_turn(int kind)
{
	switch (kind) {
	case CHAT_CHATML:
	case CHAT_QWEN3: return "<|im_end|>";
	case CHAT_LLAMA3:
	case CHAT_LLAMA31: return "<|eot_id|>";
	default: return NULL;
	}
}

/* ---- detection ---- */

static const char *memfind(const char *hay, size_t n, const char *needle)
{
	return util_memfind(hay, n, needle, strlen(needle));
}

/* Whether [s, e) lies inside one string literal: no unescaped quote, no
 * '+' and no braces (which would make it part of an expression). */
static int plain_literal(const char *s, const char *e)
{
	for (const char *c = s; c < e; c++) {
		if (*c == '\\') {
			c++;
			continue;
		}
		if (*c == '\'' || *c == '"' || *c == '+' || *c == '{' || *c == '}')
			return 0;
	}
	return 1;
}

/* The default system message of a ChatML template: the first string
 * literal that goes on from "<|im_start|>system" and a newline (written
 * "\n" in the literal, or a real newline) to "<|im_end|>" with plain text
 * between (no quote, no '+', no braces: not an expression). Unescapes the
 * literal's \n, \t, \\, \' and \". Returns 0 (sys "" when none), or -1 when
 * the text does not fit. */
static int chatml_default_system(const char *tpl, size_t n, char *sys, size_t cap)
{
	static const char open[] = "<|im_start|>system";
	const char *p = tpl, *end = tpl + n, *q;
	sys[0] = 0;
	while ((q = memfind(p, (size_t)(end - p), open))) {
		const char *s = q + sizeof(open) - 1;
		p = s;
		if (end - s >= 2 && s[0] == '\\' && s[1] == 'n')
			s += 2;
		else if (s < end && s[0] == '\n')
			s++;
		else
			continue;
		const char *e = memfind(s, (size_t)(end - s), "<|im_end|>");
		if (!e || e == s || !plain_literal(s, e))
			continue;
		size_t k = 0;
		for (const char *c = s; c < e; c++) {
			char ch = *c;
			if (ch == '\\' && c + 1 < e) {
				c++;
				ch = *c == 'n' ? '\n' : *c == 't' ? '\t' : *c;
			}
			if (k + 1 >= cap)
				return -1;
			sys[k++] = ch;
		}
		sys[k] = 0;
		return 0;
	}
	return 0;
}

int chat_detect(const char *tpl, size_t n, struct chat_format *f, char *err)
{
	chat_format_init(f, CHAT_NONE);
	if (!tpl || n > CHAT_MAX_TEMPLATE)
		return util_err(err, "chat template of %zu bytes is over the limit of %zu", n,
				CHAT_MAX_TEMPLATE),
		       MENTOR_EUSAGE;
	if (memfind(tpl, n, "<|start_header_id|>") && memfind(tpl, n, "<|eot_id|>")) {
		f->kind = memfind(tpl, n, "Cutting Knowledge Date") ? CHAT_LLAMA31 : CHAT_LLAMA3;
		return 0;
	}
	if (memfind(tpl, n, "<|im_start|>") && memfind(tpl, n, "<|im_end|>")) {
		if (memfind(tpl, n, "</think>")) {
			f->kind = CHAT_QWEN3;
			return 0;
		}
		f->kind = CHAT_CHATML;
		if (chatml_default_system(tpl, n, f->system, sizeof(f->system))) {
			f->kind = CHAT_NONE;
			return util_err(err,
					"the chat template's default system message is longer "
					"than %d bytes",
					CHAT_MAX_SYSTEM),
			       MENTOR_EUSAGE;
		}
		return 0;
	}
	return util_err(err,
			"unknown chat template (known: ChatML as in Qwen2, Qwen2.5 and SmolLM2; "
			"Qwen3; Llama 3; Llama 3.1 to 3.3)"),
	       MENTOR_EUSAGE;
}

/* ---- Python string operations ---- */

/* Length of the code point at s (n bytes left) when it is whitespace as
 * Python's str.isspace() has it, else 0. */
static size_t py_space(const unsigned char *s, size_t n)
{
	if (n >= 1 &&
	    (s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x1f)))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	uint32_t cp = 0;
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
		cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return 3;
	return 0;
}

/* A view [s, s+n) of a string. */
struct span {
	const char *s;
	size_t n;
};

static struct span sp(const char *s)
{
	return (struct span){s, strlen(s)};
}

/* Jinja's trim: str.strip() with no argument. */
static struct span py_strip(struct span v)
{
	size_t k;
	while (v.n && (k = py_space((const unsigned char *)v.s, v.n))) {
		v.s += k;
		v.n -= k;
	}
	/* from the right: find the last non-space code point */
	size_t keep = 0, i = 0;
	while (i < v.n) {
		k = py_space((const unsigned char *)v.s + i, v.n - i);
		if (k) {
			i += k;
		} else {
			i++;
			while (i < v.n && ((unsigned char)v.s[i] & 0xc0) == 0x80)
				i++;
			keep = i;
		}
	}
	v.n = keep;
	return v;
}

static struct span lstrip_nl(struct span v)
{
	while (v.n && v.s[0] == '\n') {
		v.s++;
		v.n--;
	}
	return v;
}

static struct span rstrip_nl(struct span v)
{
	while (v.n && v.s[v.n - 1] == '\n')
		v.n--;
	return v;
}

/* Offset of the first (or last) occurrence of needle in v, or -1. */
static ptrdiff_t find(struct span v, const char *needle, int last)
{
	size_t k = strlen(needle);
	ptrdiff_t at = -1;
	for (const char *p = v.s; (p = util_memfind(p, (size_t)(v.s + v.n - p), needle, k)); p++) {
		at = p - v.s;
		if (!last)
			break;
	}
	return at;
}

static int starts_with(struct span v, const char *p)
{
	size_t k = strlen(p);
	return v.n >= k && !memcmp(v.s, p, k);
}

static int ends_with(struct span v, const char *p)
{
	size_t k = strlen(p);
	return v.n >= k && !memcmp(v.s + v.n - k, p, k);
}

/* ---- renderers ---- */

static int put(struct buf *b, struct span v)
{
	return buf_append(b, v.s, v.n);
}

static int chatml_turn(struct buf *b, const char *role, struct span text)
{
	return buf_puts(b, "<|im_start|>") || buf_puts(b, role) || buf_putc(b, '\n') ||
	       put(b, text) || buf_puts(b, "<|im_end|>\n");
}

static int render_chatml(const struct chat_format *f, const struct chat_msg *m, size_t n,
			 const struct chat_opts *o, struct buf *b)
{
	int bad = 0;
	if (n && f->system[0] && strcmp(m[0].role, "system"))
		bad |= chatml_turn(b, "system", sp(f->system));
	for (size_t i = 0; i < n; i++)
		bad |= chatml_turn(b, m[i].role, sp(m[i].content));
	if (o->add_generation_prompt)
		bad |= buf_puts(b, "<|im_start|>assistant\n");
	return bad;
}

/* Qwen3: the index of the last user message that is not a tool response,
 * which decides which assistant turns show their thinking. */
static size_t qwen3_last_query(const struct chat_msg *m, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		struct span c = sp(m[i].content);
		if (!strcmp(m[i].role, "user") &&
		    !(starts_with(c, "<tool_response>") && ends_with(c, "</tool_response>")))
			return i;
	}
	return n ? n - 1 : 0;
}

static int render_qwen3(const struct chat_msg *m, size_t n, const struct chat_opts *o,
			struct buf *b)
{
	int bad = 0;
	if (n && !strcmp(m[0].role, "system"))
		bad |= chatml_turn(b, "system", sp(m[0].content));
	size_t last_query = qwen3_last_query(m, n);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(m[i].role, "user") || (!strcmp(m[i].role, "system") && i)) {
			bad |= chatml_turn(b, m[i].role, sp(m[i].content));
			continue;
		}
		if (strcmp(m[i].role, "assistant"))
			continue;
		struct span content = sp(m[i].content), reasoning = {"", 0};
		ptrdiff_t close_last = find(content, "</think>", 1);
		if (close_last >= 0) {
			ptrdiff_t close_first = find(content, "</think>", 0);
			struct span before = {content.s, (size_t)close_first};
			before = rstrip_nl(before);
			ptrdiff_t open = find(before, "<think>", 1);
			if (open >= 0) {
				before.s += open + 7;
				before.n -= (size_t)open + 7;
			}
			reasoning = lstrip_nl(before);
			size_t after = (size_t)close_last + 8;
			content = lstrip_nl((struct span){content.s + after, content.n - after});
		}
		bad |= buf_puts(b, "<|im_start|>assistant\n");
		if (i > last_query && (i == n - 1 || reasoning.n)) {
			bad |= buf_puts(b, "<think>\n") ||
			       put(b, lstrip_nl(rstrip_nl(reasoning))) ||
			       buf_puts(b, "\n</think>\n\n") || put(b, lstrip_nl(content));
		} else {
			bad |= put(b, content);
		}
		bad |= buf_puts(b, "<|im_end|>\n");
	}
	if (o->add_generation_prompt) {
		bad |= buf_puts(b, "<|im_start|>assistant\n");
		if (o->thinking_off)
			bad |= buf_puts(b, "<think>\n\n</think>\n\n");
	}
	return bad;
}

static int llama_turn(struct buf *b, const char *role, struct span text)
{
	return buf_puts(b, "<|start_header_id|>") || buf_puts(b, role) ||
	       buf_puts(b, "<|end_header_id|>\n\n") || put(b, py_strip(text)) ||
	       buf_puts(b, "<|eot_id|>");
}

static int render_llama3(const struct chat_format *f, const struct chat_msg *m, size_t n,
			 const struct chat_opts *o, struct buf *b)
{
	int bad = 0;
	size_t first = 0;
	if (f->kind == CHAT_LLAMA31) {
		struct span sys = {"", 0};
		if (n && !strcmp(m[0].role, "system")) {
			sys = py_strip(sp(m[0].content));
			first = 1;
		}
		bad |= buf_puts(b, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
				   "Cutting Knowledge Date: December 2023\nToday Date: ") ||
		       buf_puts(b, f->date) || buf_puts(b, "\n\n") || put(b, sys) ||
		       buf_puts(b, "<|eot_id|>");
	} else if (n) {
		bad |= buf_puts(b, "<|begin_of_text|>");
	}
	for (size_t i = first; i < n; i++)
		bad |= llama_turn(b, m[i].role, sp(m[i].content));
	if (o->add_generation_prompt)
		bad |= buf_puts(b, "<|start_header_id|>assistant<|end_header_id|>\n\n");
	return bad;
}

int chat_render(const struct chat_format *f, const struct chat_msg *msgs, size_t n,
		const struct chat_opts *o, struct buf *out, char *err)
{
	static const struct chat_opts none = {0};
	if (!o)
		o = &none;
	for (size_t i = 0; i < n; i++) {
		const char *r = msgs[i].role;
		if (!r || (strcmp(r, "system") && strcmp(r, "user") && strcmp(r, "assistant")))
			return util_err(err,
					"chat message %zu has role '%s': only system, user and "
					"assistant are rendered",
					i, r ? r : "(none)"),
			       MENTOR_EUSAGE;
		if (!msgs[i].content)
			return util_err(err, "chat message %zu has no content", i), MENTOR_EUSAGE;
	}
	int bad;
	switch (f->kind) {
	case CHAT_NONE:
		bad = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(msgs[i].role, "user"))
				bad |= buf_puts(out, msgs[i].content);
		break;
	case CHAT_CHATML: bad = render_chatml(f, msgs, n, o, out); break;
	case CHAT_QWEN3: bad = render_qwen3(msgs, n, o, out); break;
	case CHAT_LLAMA3:
	case CHAT_LLAMA31: bad = render_llama3(f, msgs, n, o, out); break;
	default: return util_err(err, "unknown chat template kind %d", f->kind), MENTOR_EUSAGE;
	}
	return bad ? (util_err(err, "out of memory rendering a chat"), MENTOR_ENOMEM) : 0;
}
