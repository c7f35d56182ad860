/* teacher_offline: the scripted teacher for the bundled synthetic tasks. It is
 * not a language model: it writes explanations from an item's solution trace
 * (or gold rationale) and makes the mistakes real teachers make, each at its
 * own rate: COTE ending in a wrong answer (the trace's wrong steps), COTE
 * with one wrong middle step but the right answer, and RP restating the hint
 * instead of reasoning. Same seed and item, same text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "mentor/prompt.h"
#include "mentor/teacher.h"

/* The answer as the explanation states it. */
static void put_answer(struct buf *out, const struct store_item *it, const char *ans)
{
	if (it->answer_type && !strcmp(it->answer_type, STORE_ANS_MC))
		buf_printf(out, "(%s)", ans);
	else
		buf_puts(out, ans);
}

/* The mc label of a distractor given as a label or as a choice text, or a
 * label different from the gold one. Heap string. */
static char *mc_wrong_label(const struct store_item *it, const char *distractor)
{
	cJSON *arr = it->choices_json ? cJSON_Parse(it->choices_json) : NULL;
	char *out = NULL;
	const cJSON *c;
	if (distractor && cJSON_IsArray(arr))
		cJSON_ArrayForEach(c, arr)
		{
			const char *l = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "label"));
			const char *t = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "text"));
			if (l && (!strcasecmp(l, distractor) || (t && !strcmp(t, distractor)))) {
				out = prompt_normalise_answer(STORE_ANS_MC, l);
				break;
			}
		}
	if (!out && cJSON_IsArray(arr))
		cJSON_ArrayForEach(c, arr)
		{
			const char *l = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "label"));
			char *n = l ? prompt_normalise_answer(STORE_ANS_MC, l) : NULL;
			if (n && it->answer && strcmp(n, it->answer)) {
				out = n;
				break;
			}
			free(n);
		}
	cJSON_Delete(arr);
	return out;
}

/* A wrong answer when the trace names none. Heap string or NULL. */
static char *made_up_wrong(const struct store_item *it)
{
	const char *t = it->answer_type ? it->answer_type : "";
	if (!strcmp(t, STORE_ANS_YESNO))
		return util_strdup(it->answer && !strcmp(it->answer, "yes") ? "no" : "yes");
	if (!strcmp(t, STORE_ANS_MC))
		return mc_wrong_label(it, NULL);
	if (!strcmp(t, STORE_ANS_NUMBER)) {
		long v;
		if (it->answer && !util_parse_long(it->answer, -1000000000L, 1000000000L, &v)) {
			char b[32];
			snprintf(b, sizeof b, "%ld", v + 1);
			return util_strdup(b);
		}
	}
	return NULL;
}

/* Append the non-empty strings of a JSON array, separated by spaces, the
 * one at index swap_at (counting those strings) replaced by swap unless
 * that is NULL; returns how many. */
static int put_steps(struct buf *out, const cJSON *steps, size_t swap_at, const char *swap)
{
	size_t n = 0;
	const cJSON *s;
	if (!cJSON_IsArray(steps))
		return 0;
	cJSON_ArrayForEach(s, steps)
	{
		const char *t = cJSON_GetStringValue(s);
		if (!t || !*t)
			continue;
		if (n)
			buf_putc(out, ' ');
		buf_puts(out, swap && n == swap_at ? swap : t);
		n++;
	}
	return (int)n;
}

const char *teacher_offline_mistake_name(int mistake)
{
	switch (mistake) {
	case TEACHER_OFFLINE_COT_WRONG: return "cot_wrong";
	case TEACHER_OFFLINE_BAD_STEP: return "cot_bad_step";
	case TEACHER_OFFLINE_RP_LEAK: return "rp_leak";
	default: return "none";
	}
}

/* ------------------------------------------------------------ bad steps */

/* Pairs of state words a step may state; the first of a pair found in a
 * step flips to the other. */
static const char *const state_pairs[][2] = {
	{"heads", "tails"}, {"odd", "even"},  {"open", "closed"}, {"true", "false"},
	{"yes", "no"},      {"red", "green"}, {"blue", "red"},
};

enum alt_kind { ALT_NONE, ALT_NUMBER, ALT_STATE, ALT_LETTER };

/* Where and how a step can be altered. */
struct alt {
	int kind;
	size_t at, len; /* the bytes replaced */
	const char *to; /* ALT_STATE: the other word */
};

static int is_word_byte(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* The last whole number (at most 9 digits, not glued to a word). */
static int find_number(const char *s, struct alt *a)
{
	int found = 0;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (!isdigit((unsigned char)s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		int glued = (i > 0 && isalpha((unsigned char)s[i - 1])) ||
			    (j < n && (isalpha((unsigned char)s[j]) || s[j] == '_'));
		if (!glued && j - i <= 9) {
			a->kind = ALT_NUMBER;
			a->at = i;
			a->len = j - i;
			found = 1;
		}
		i = j;
	}
	return found;
}

/* The last occurrence of the first state word (of the table's order) the
 * step holds as a whole word. */
static int find_state(const char *s, struct alt *a)
{
	size_t n = strlen(s);
	for (size_t p = 0; p < sizeof state_pairs / sizeof state_pairs[0]; p++) {
		int found = 0;
		for (int w = 0; w < 2; w++) {
			const char *word = state_pairs[p][w];
			size_t wl = strlen(word);
			for (size_t i = 0; i + wl <= n; i++) {
				if (strncasecmp(s + i, word, wl) ||
				    (i > 0 && is_word_byte((unsigned char)s[i - 1])) ||
				    is_word_byte((unsigned char)s[i + wl]))
					continue;
				if (!found || i > a->at) {
					a->kind = ALT_STATE;
					a->at = i;
					a->len = wl;
					a->to = state_pairs[p][!w];
					found = 1;
				}
			}
		}
		if (found)
			return 1;
	}
	return 0;
}

/* The last quoted single ASCII letter: "o" or 'o'. */
static int find_letter(const char *s, struct alt *a)
{
	int found = 0;
	size_t n = strlen(s);
	for (size_t i = 0; i + 2 < n; i++)
		if ((s[i] == '"' || s[i] == '\'') && s[i + 2] == s[i] &&
		    isalpha((unsigned char)s[i + 1]) && !((unsigned char)s[i + 1] & 0x80)) {
			a->kind = ALT_LETTER;
			a->at = i + 1;
			a->len = 1;
			found = 1;
		}
	return found;
}

/* The last ASCII letter standing alone as a word ("ends in p:"), except the
 * words "a", "A" and "I". */
static int find_lone_letter(const char *s, struct alt *a)
{
	int found = 0;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) && !((unsigned char)s[i] & 0x80) &&
		    (i == 0 || !is_word_byte((unsigned char)s[i - 1])) &&
		    !is_word_byte((unsigned char)s[i + 1]) && s[i] != 'a' && s[i] != 'A' &&
		    s[i] != 'I') {
			a->kind = ALT_LETTER;
			a->at = i;
			a->len = 1;
			found = 1;
		}
	return found;
}

static int find_alteration(const char *s, struct alt *a)
{
	memset(a, 0, sizeof *a);
	return find_number(s, a) || find_state(s, a) || find_letter(s, a) || find_lone_letter(s, a);
}

/* s with the alteration a made (a number moved by 1 to 3, never below 0;
 * a state word flipped keeping an initial capital; a letter changed).
 * Heap string. */
static char *apply_alteration(const char *s, const struct alt *a, struct rng *r)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, s, a->at);
	const char *old = s + a->at;
	if (a->kind == ALT_NUMBER) {
		long v = 0;
		for (size_t i = 0; i < a->len; i++)
			v = v * 10 + (old[i] - '0');
		long d = 1 + (long)rng_below(r, 3);
		long nv = rng_below(r, 2) && v >= d ? v - d : v + d;
		/* Keep zero padding ("0.05") so only the value changes. */
		int width = old[0] == '0' && a->len > 1 ? (int)a->len : 1;
		buf_printf(&b, "%0*ld", width, nv);
	} else if (a->kind == ALT_STATE) {
		size_t start = b.len;
		buf_puts(&b, a->to);
		if (isupper((unsigned char)old[0]))
			b.data[start] = (char)toupper((unsigned char)b.data[start]);
	} else {
		int up = isupper((unsigned char)old[0]);
		int c = tolower((unsigned char)old[0]) - 'a';
		c = (c + 1 + (int)rng_below(r, 25)) % 26;
		buf_putc(&b, (char)((up ? 'A' : 'a') + c));
	}
	buf_puts(&b, old + a->len);
	return buf_detach(&b, NULL);
}

/* The non-empty string steps of a trace array (borrowed), at most cap. */
static size_t step_list(const cJSON *steps, const char **out, size_t cap)
{
	size_t n = 0;
	const cJSON *s;
	if (cJSON_IsArray(steps))
		cJSON_ArrayForEach(s, steps)
		{
			const char *t = cJSON_GetStringValue(s);
			if (t && *t && n < cap)
				out[n++] = t;
		}
	return n;
}

/* Most steps considered for an alteration; later ones are written as is. */
#define BAD_STEP_MAX_STEPS 256

/* The gold steps with one middle step altered (the first when there is no
 * middle one; never the last), joined by spaces into out. Returns 0, or -1
 * with out untouched when no step can be altered. */
static int put_bad_steps(struct buf *out, const cJSON *steps, struct rng *r)
{
	const char *list[BAD_STEP_MAX_STEPS];
	size_t n = step_list(steps, list, BAD_STEP_MAX_STEPS);
	size_t cand[BAD_STEP_MAX_STEPS], nc = 0;
	struct alt a;
	for (size_t i = 1; i + 1 < n; i++)
		if (find_alteration(list[i], &a))
			cand[nc++] = i;
	if (!nc && n >= 2 && find_alteration(list[0], &a))
		cand[nc++] = 0;
	if (!nc)
		return -1;
	size_t pick = cand[rng_below(r, nc)];
	find_alteration(list[pick], &a);
	char *bad = apply_alteration(list[pick], &a, r);
	put_steps(out, steps, pick, bad);
	free(bad);
	return 0;
}

/* ---------------------------------------------------------------- leaks */

/* Ways of restating the hint instead of reasoning; %A is the answer, %Q the
 * start of the question. Every one is flagged by prompt_leaked(). */
static const char *const leak_templates[] = {
	"The answer is given as %A, so the answer is %A.",
	"We are told the answer is %A. So the answer is %A.",
	"%A is the answer we were given, so it must be correct. So the answer is %A.",
	"Looking at the question (%Q), the expected answer is %A, which fits. So the answer is %A.",
	("The question starts with \"%Q\" and the provided answer is %A, so %A is right. "
	 "So the answer is %A."),
};

/* Most bytes of the question quoted by a leak. */
#define LEAK_GIST_MAX 60

/* The question's first sentence, at most LEAK_GIST_MAX bytes cut at a
 * space or, without one, at a character boundary. */
static void put_gist(struct buf *out, const char *q)
{
	size_t n = 0, cut = 0;
	while (q[n] && n < LEAK_GIST_MAX) {
		if (q[n] == '.' || q[n] == '?' || q[n] == '!' || q[n] == '\n' ||
		    !strncmp(q + n, "\xE3\x80\x82", 3)) /* 。 */
			break;
		n++;
	}
	if (q[n] && n == LEAK_GIST_MAX) {
		for (size_t i = n; i > 0; i--)
			if (q[i] == ' ') {
				cut = i;
				break;
			}
		if (!cut) /* back to the start of a UTF-8 character */
			while (n > 0 && ((unsigned char)q[n] & 0xC0) == 0x80)
				n--;
		else
			n = cut;
	}
	while (n && q[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++) /* a quote would end ours early */
		buf_putc(out, q[i] == '"' ? '\'' : q[i]);
}

static void put_leak(struct buf *out, const struct store_item *it, struct rng *r)
{
	const char
		*t = leak_templates[rng_below(r, sizeof leak_templates / sizeof leak_templates[0])];
	const char *q = it->question && *it->question ? it->question : "this question";
	for (; *t; t++) {
		if (t[0] == '%' && t[1] == 'A') {
			put_answer(out, it, it->answer);
			t++;
		} else if (t[0] == '%' && t[1] == 'Q') {
			put_gist(out, q);
			t++;
		} else {
			buf_putc(out, *t);
		}
	}
}

/* ------------------------------------------------------------- the text */

int teacher_offline_explain(const struct store_item *it, int pmode,
			    const struct config_offline_rates *rates, uint64_t seed,
			    struct buf *out, int *mistake, char *err)
{
	if (mistake)
		*mistake = TEACHER_OFFLINE_NONE;
	cJSON *trace = it->trace_json ? cJSON_Parse(it->trace_json) : NULL;
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(trace, "steps");
	int has_trace = cJSON_IsArray(steps) && cJSON_GetArraySize(steps) > 0;
	int has_rat = it->gold_rationale && *it->gold_rationale;
	if (!it->answer || (!has_trace && !has_rat)) {
		cJSON_Delete(trace);
		util_err(err, "declined: item %lld has no solution trace or gold rationale",
			 (long long)it->id);
		return MENTOR_ENOTFOUND;
	}
	/* Deterministic per seed and item content; COTE and RP draw from
	 * streams of their own, so one mode's rates leave the other's texts.
	 * The first FNV basis, kept so that a seed gives the same explanations. */
	uint64_t h = util_fnv1a(it->question ? it->question : "",
				it->question ? strlen(it->question) : 0, UTIL_FNV1A_BASIS_V1);
	h = util_fnv1a(it->answer, strlen(it->answer), h);
	struct rng r;
	rng_seed(&r,
		 h ^ (seed * 0x9E3779B97F4A7C15ULL) ^ (pmode == PROMPT_COT ? 0 : 0x5250ULL << 48));
	double u = rng_unit(&r);
	int wrong = pmode == PROMPT_COT && u < rates->cot_wrong;
	int bad_step = pmode == PROMPT_COT && !wrong && u < rates->cot_wrong + rates->cot_bad_step;
	int leak = pmode == PROMPT_RP && u < rates->rp_leak;

	struct buf text;
	buf_init(&text);
	char *wrong_ans = NULL;
	if (wrong) {
		const char *d = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(trace, "distractor"));
		if (it->answer_type && !strcmp(it->answer_type, STORE_ANS_MC))
			wrong_ans = mc_wrong_label(it, d);
		else if (d)
			wrong_ans = prompt_normalise_answer(it->answer_type, d);
		if (!wrong_ans)
			wrong_ans = made_up_wrong(it);
		if (!wrong_ans || !has_trace)
			wrong = 0;
	}
	if (bad_step && (!has_trace || put_bad_steps(&text, steps, &r)))
		bad_step = 0;
	if (wrong) {
		const cJSON *ws = cJSON_GetObjectItemCaseSensitive(trace, "wrong_steps");
		if (!put_steps(&text, ws, 0, NULL))
			put_steps(&text, steps, 0, NULL);
		buf_puts(&text, " So the answer is ");
		put_answer(&text, it, wrong_ans);
		buf_putc(&text, '.');
	} else if (leak) {
		put_leak(&text, it, &r);
	} else {
		/* A bad step's altered steps are in text already. */
		if (!bad_step && has_trace) {
			put_steps(&text, steps, 0, NULL);
		} else if (!bad_step) {
			const char *g = it->gold_rationale;
			size_t n = strlen(g);
			while (n && isspace((unsigned char)g[n - 1]))
				n--;
			buf_append(&text, g, n);
		}
		/* A Japanese rationale ends in Japanese (the parser reads both). */
		if (!has_trace && strstr(it->gold_rationale, "\xE3\x81") != NULL) {
			buf_puts(&text, " 答えは ");
			put_answer(&text, it, it->answer);
			buf_puts(&text, " です。");
		} else {
			buf_puts(&text, " So the answer is ");
			put_answer(&text, it, it->answer);
			buf_putc(&text, '.');
		}
	}
	if (mistake)
		*mistake = wrong      ? TEACHER_OFFLINE_COT_WRONG
			   : bad_step ? TEACHER_OFFLINE_BAD_STEP
			   : leak     ? TEACHER_OFFLINE_RP_LEAK
				      : TEACHER_OFFLINE_NONE;
	free(wrong_ans);
	cJSON_Delete(trace);
	int rc = buf_append(out, text.data, text.len);
	buf_release(&text);
	return rc ? util_err(err, "out of memory") : 0;
}
