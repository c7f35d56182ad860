/* teacher_offline: the scripted teacher for the bundled synthetic tasks. It is
 * not a language model: it writes explanations from an item's solution trace
 * (or gold rationale), and with a configurable error rate it writes a COTE
 * explanation from the trace's wrong steps that ends in the distractor, so
 * that COTE is sometimes wrong and CROP's fallback to RP shows. Same seed and
 * item, same text. */
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
			const char *l = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "label"));
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
			if (l && (!strcasecmp(l, distractor) || (t && !strcmp(t, distractor)))) {
				out = prompt_normalise_answer(STORE_ANS_MC, l);
				break;
			}
		}
	if (!out && cJSON_IsArray(arr))
		cJSON_ArrayForEach(c, arr)
		{
			const char *l = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "label"));
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

/* Append the strings of a JSON array, separated by spaces; returns how many. */
static int put_steps(struct buf *out, const cJSON *steps)
{
	int n = 0;
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
		buf_puts(out, t);
		n++;
	}
	return n;
}

int teacher_offline_explain(const struct store_item *it, int pmode, double error_rate,
			    uint64_t seed, struct buf *out, char *err)
{
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
	/* Deterministic per seed and item content. */
	/* the first basis, kept so that a seed gives the same explanations */
	uint64_t h = util_fnv1a(it->question ? it->question : "",
				it->question ? strlen(it->question) : 0, UTIL_FNV1A_BASIS_V1);
	h = util_fnv1a(it->answer, strlen(it->answer), h);
	struct rng r;
	rng_seed(&r, h ^ (seed * 0x9E3779B97F4A7C15ULL));
	int wrong = pmode == PROMPT_COT && rng_unit(&r) < error_rate;

	struct buf text;
	buf_init(&text);
	char *wrong_ans = NULL;
	if (wrong) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(trace, "distractor"));
		if (it->answer_type && !strcmp(it->answer_type, STORE_ANS_MC))
			wrong_ans = mc_wrong_label(it, d);
		else if (d)
			wrong_ans = prompt_normalise_answer(it->answer_type, d);
		if (!wrong_ans)
			wrong_ans = made_up_wrong(it);
		if (!wrong_ans || (has_trace ? 0 : 1))
			wrong = 0;
	}
	if (wrong) {
		const cJSON *ws = cJSON_GetObjectItemCaseSensitive(trace, "wrong_steps");
		if (!put_steps(&text, ws))
			put_steps(&text, steps);
		buf_puts(&text, " So the answer is ");
		put_answer(&text, it, wrong_ans);
		buf_putc(&text, '.');
	} else {
		if (has_trace) {
			put_steps(&text, steps);
		} else {
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
	free(wrong_ans);
	cJSON_Delete(trace);
	int rc = buf_append(out, text.data, text.len);
	buf_release(&text);
	return rc ? util_err(err, "out of memory") : 0;
}
