/* dataset_norm: from one parsed record to a store_item. Detection of the
 * layout (GSM8K, CommonsenseQA/ARC, OpenBookQA, StrategyQA, AQuA-RAT,
 * SVAMP, generic), typed field access with messages that name the field,
 * multiple-choice options in every shape the layouts use, answers
 * normalised by type, and the fields nothing reads kept as meta. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/answer.h"
#include "mentor/dataset.h"
#include "mentor/util.h"
#include "dataset_int.h"

#define MAX_CHOICES 64

/* ------------------------------------------------------------ small text */


/* Heap copy of s[0..n) without leading and trailing white space. */
static char *trim_dup(const char *s, size_t n)
{
	while (n && dataset_is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && dataset_is_ws((unsigned char)s[n - 1]))
		n--;
	return util_strndup(s, n);
}

static int ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* -------------------------------------------------------- normalisation */

char *dataset_normalise_answer(const char *type, const char *s)
{
	/* One normaliser for import and answer parsing (answer.h). */
	return answer_normalise(type, s);
}

const char *dataset_split_canonical(const char *s)
{
	if (!s)
		return NULL;
	if (ascii_ieq(s, "train"))
		return "train";
	if (ascii_ieq(s, "dev") || ascii_ieq(s, "validation") || ascii_ieq(s, "valid") ||
	    ascii_ieq(s, "val"))
		return "dev";
	if (ascii_ieq(s, "test"))
		return "test";
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* The base name without its last extension, as a heap string. */
static char *stem_of(const char *path)
{
	const char *b = base_name(path);
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return util_strndup(b, n);
}

const char *dataset_split_from_path(const char *path)
{
	if (!path)
		return NULL;
	char *stem = stem_of(path);
	const char *r = dataset_split_canonical(stem);
	if (!r) {
		/* "gsm8k_test", "train-v2", "csqa.dev": a split word as one part. */
		static const char *const words[] = {"train",      "dev",   "test",
						    "validation", "valid", "val"};
		for (char *tok = stem; *tok && !r;) {
			size_t n = strcspn(tok, "_-. ");
			for (size_t i = 0; i < sizeof words / sizeof words[0] && !r; i++)
				if (strlen(words[i]) == n && !strncmp(tok, words[i], n))
					r = dataset_split_canonical(words[i]);
			tok += n;
			if (*tok)
				tok++;
		}
	}
	free(stem);
	return r;
}

char *dataset_default_name(const char *path)
{
	char *stem = stem_of(path);
	if (!dataset_split_canonical(stem) && *stem)
		return stem;
	/* Only a split name: the folder names the corpus, so that its split
	 * files gather in one dataset ("gsm8k/test.jsonl" -> "gsm8k"). */
	const char *b = base_name(path);
	if (b > path) {
		const char *end = b - 1;
		const char *start = end;
		while (start > path && start[-1] != '/')
			start--;
		if (end > start && !(end - start == 1 && *start == '.') &&
		    !(end - start == 2 && start[0] == '.' && start[1] == '.')) {
			free(stem);
			return util_strndup(start, (size_t)(end - start));
		}
	}
	if (!*stem) {
		free(stem);
		return util_strdup("dataset");
	}
	return stem;
}

int dataset_format_valid(const char *fmt)
{
	static const char *const f[] = {"auto", "gsm8k", "csqa",  "strategyqa",
					"obqa", "aqua",  "svamp", "generic"};
	if (!fmt)
		return 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(fmt, f[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ detection */

static const cJSON *field(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

const char *dataset_detect(const cJSON *rec)
{
	if (!cJSON_IsObject(rec))
		return "generic";
	const cJSON *q = field(rec, "question");
	if (field(rec, "Body") && field(rec, "Question") && field(rec, "Answer"))
		return "svamp";
	if (field(rec, "options") && field(rec, "correct"))
		return "aqua";
	if (cJSON_IsObject(q) && field(q, "stem")) {
		if (field(rec, "fact1") ||
		    (!field(q, "question_concept") && cJSON_GetArraySize(field(q, "choices")) == 4))
			return "obqa";
		return "csqa";
	}
	if (field(rec, "question_stem") && field(rec, "choices"))
		return "obqa";
	if (cJSON_IsString(q) && cJSON_IsObject(field(rec, "choices")) && field(rec, "answerKey"))
		return "csqa";
	const cJSON *a = field(rec, "answer");
	/* A bare {question, answer: true} is generic (yes/no either way);
	 * StrategyQA shows itself by its own fields. */
	if (cJSON_IsString(q) && a && !field(rec, "choices") && !field(rec, "rationale") &&
	    (field(rec, "facts") || field(rec, "qid") || field(rec, "decomposition")))
		return "strategyqa";
	if (cJSON_IsString(q) && cJSON_IsString(a) && strstr(a->valuestring, "####"))
		return "gsm8k";
	return "generic";
}

/* --------------------------------------------------------- field access */

/* The record being normalised: which keys were used (the rest is meta). */
struct rec {
	const cJSON *o;
	int csv; /* values are CSV cells: strings that may hold JSON */
	const char *used[24];
	size_t n_used;
	char *reason; /* err buffer */
};

static void use(struct rec *r, const char *k)
{
	if (r->n_used < sizeof r->used / sizeof r->used[0])
		r->used[r->n_used++] = k;
}

static int missing(struct rec *r, const char *k)
{
	return util_err(r->reason, "missing field '%s'", k);
}

const char *dataset_json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

static int mistyped(struct rec *r, const char *k, const char *want, const cJSON *v)
{
	return util_err(r->reason, "field '%s' must be %s, not %s", k, want, dataset_json_type(v));
}

/* A required or optional string field: *out borrowed, NULL when absent. */
static int get_str(struct rec *r, const char *k, int required, const char **out)
{
	const cJSON *v = field(r->o, k);
	*out = NULL;
	use(r, k);
	if (!v || (cJSON_IsNull(v) && !required))
		return required ? missing(r, k) : 0;
	if (!cJSON_IsString(v))
		return mistyped(r, k, "a string", v);
	*out = v->valuestring;
	return 0;
}

/* A non-empty trimmed string (heap). */
static int get_text(struct rec *r, const char *k, int required, char **out)
{
	const char *s;
	*out = NULL;
	if (get_str(r, k, required, &s))
		return MENTOR_ERR;
	if (!s)
		return 0;
	char *t = trim_dup(s, strlen(s));
	if (!*t) {
		free(t);
		if (required)
			return util_err(r->reason, "field '%s' is empty", k);
		return 0;
	}
	*out = t;
	return 0;
}

/* Scalar as text (string, number, boolean) for ids and answers; heap. */
static char *scalar_text(const cJSON *v)
{
	char tmp[64];
	if (cJSON_IsString(v))
		return util_strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return util_strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 1e15)
			snprintf(tmp, sizeof tmp, "%.0f", d);
		else
			snprintf(tmp, sizeof tmp, "%.15g", d);
		return util_strdup(tmp);
	}
	return NULL;
}

/* An optional record id (string or integer). */
static int get_id(struct rec *r, const char *k, char **out)
{
	const cJSON *v = field(r->o, k);
	*out = NULL;
	if (!v)
		return 0;
	use(r, k);
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v) || (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble))) {
		char *t = scalar_text(v);
		char *s = trim_dup(t, strlen(t));
		free(t);
		if (!*s) {
			free(s);
			return 0;
		}
		if (strlen(s) > 256) {
			free(s);
			return util_err(r->reason, "field '%s' is longer than 256 bytes", k);
		}
		*out = s;
		return 0;
	}
	return mistyped(r, k, "a string or an integer", v);
}

/* A CSV cell holding JSON ("[...]" or "{...}"): parsed copy, or NULL. */
static cJSON *cell_json(const cJSON *v)
{
	if (!cJSON_IsString(v))
		return NULL;
	const char *s = v->valuestring;
	while (dataset_is_ws((unsigned char)*s))
		s++;
	if (*s != '[' && *s != '{')
		return NULL;
	return cJSON_Parse(s);
}

/* ------------------------------------------------------------- choices */

static int add_choice(cJSON *arr, const char *label, const char *text, char *reason)
{
	if (cJSON_GetArraySize(arr) >= MAX_CHOICES)
		return util_err(reason, "more than %d choices", MAX_CHOICES);
	char *l = answer_label(label);
	if (!l)
		return util_err(
			reason,
			"bad choice label '%.40s': a label is 1 to %d letters or "
			"digits without spaces or punctuation (brackets, '*' and '`' around "
			"it are dropped), so that a parsed answer can name it",
			label, ANSWER_MAX_LABEL);
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
	{
		if (!strcmp(cJSON_GetObjectItemCaseSensitive(c, "label")->valuestring, l)) {
			util_err(reason, "duplicate choice label '%s'", l);
			free(l);
			return MENTOR_ERR;
		}
	}
	char *t = trim_dup(text, strlen(text));
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "label", l) || !cJSON_AddStringToObject(o, "text", t))
		util_oom();
	cJSON_AddItemToArray(arr, o);
	free(l);
	free(t);
	return 0;
}

/* Choices from an array of strings (labelled A, B, ...), an array of
 * {label, text}, or {label: [...], text: [...]}. New array or NULL. */
static cJSON *choices_from(const cJSON *v, const char *k, char *reason)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		util_oom();
	if (cJSON_IsArray(v)) {
		int i = 0;
		const cJSON *c;
		cJSON_ArrayForEach(c, v)
		{
			if (cJSON_IsString(c) || cJSON_IsNumber(c)) {
				if (i >= 26) {
					util_err(reason,
						 "field '%s' has more than 26 unlabelled choices",
						 k);
					goto fail;
				}
				char lab[2] = {(char)('A' + i), 0};
				char *t = scalar_text(c);
				int rc = add_choice(arr, lab, t, reason);
				free(t);
				if (rc)
					goto fail;
			} else if (cJSON_IsObject(c)) {
				const cJSON *l = field(c, "label"), *t = field(c, "text");
				if (!cJSON_IsString(l) || !cJSON_IsString(t)) {
					util_err(
						reason,
						"choice %d of '%s' needs string 'label' and 'text'",
						i + 1, k);
					goto fail;
				}
				if (add_choice(arr, l->valuestring, t->valuestring, reason))
					goto fail;
			} else {
				util_err(reason,
					 "choice %d of '%s' must be a string or {label, text}",
					 i + 1, k);
				goto fail;
			}
			i++;
		}
	} else if (cJSON_IsObject(v)) {
		const cJSON *ls = field(v, "label"), *ts = field(v, "text");
		if (!cJSON_IsArray(ls) || !cJSON_IsArray(ts) ||
		    cJSON_GetArraySize(ls) != cJSON_GetArraySize(ts)) {
			util_err(reason,
				 "field '%s' needs arrays 'label' and 'text' of equal length", k);
			goto fail;
		}
		const cJSON *l = ls->child, *t = ts->child;
		for (; l && t; l = l->next, t = t->next) {
			if (!cJSON_IsString(l) || !cJSON_IsString(t)) {
				util_err(reason,
					 "field '%s' has a label or text that is not a string", k);
				goto fail;
			}
			if (add_choice(arr, l->valuestring, t->valuestring, reason))
				goto fail;
		}
	} else {
		util_err(reason, "field '%s' must be an array, not %s", k, dataset_json_type(v));
		goto fail;
	}
	if (cJSON_GetArraySize(arr) < 2) {
		util_err(reason, "field '%s' needs at least 2 choices", k);
		goto fail;
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

/* Choices of a CSV cell: JSON text, or texts separated by '|'. */
static cJSON *choices_from_cell(const char *s, const char *k, char *reason)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		util_oom();
	int i = 0;
	for (const char *p = s;; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (i >= 26) {
			util_err(reason, "field '%s' has more than 26 choices", k);
			cJSON_Delete(arr);
			return NULL;
		}
		char lab[2] = {(char)('A' + i), 0};
		char *t = util_strndup(p, n);
		int rc = add_choice(arr, lab, t, reason);
		free(t);
		if (rc) {
			cJSON_Delete(arr);
			return NULL;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	if (cJSON_GetArraySize(arr) < 2) {
		util_err(reason, "field '%s' needs at least 2 choices", k);
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static cJSON *get_choices(struct rec *r, const char *k)
{
	const cJSON *v = field(r->o, k);
	use(r, k);
	if (r->csv && cJSON_IsString(v)) {
		cJSON *j = cell_json(v);
		if (j) {
			cJSON *c = choices_from(j, k, r->reason);
			cJSON_Delete(j);
			return c;
		}
		return choices_from_cell(v->valuestring, k, r->reason);
	}
	return choices_from(v, k, r->reason);
}

/* "A)12", "B) 5 km" -> {label, text}. */
static cJSON *choices_aqua(struct rec *r, const char *k)
{
	const cJSON *v = field(r->o, k);
	cJSON *parsed = NULL;
	use(r, k);
	if (!v) {
		missing(r, k);
		return NULL;
	}
	if (r->csv && cJSON_IsString(v))
		v = parsed = cell_json(v);
	if (!cJSON_IsArray(v)) {
		if (v)
			mistyped(r, k, "an array of strings", v);
		else
			util_err(r->reason, "field '%s' must be a JSON array of strings", k);
		cJSON_Delete(parsed);
		return NULL;
	}
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		util_oom();
	const cJSON *c;
	int i = 0;
	cJSON_ArrayForEach(c, v)
	{
		i++;
		if (!cJSON_IsString(c)) {
			util_err(r->reason, "option %d of '%s' must be a string", i, k);
			goto fail;
		}
		const char *s = c->valuestring;
		const char *close = strchr(s, ')');
		/* the label before ')' (checked by add_choice), with room for
		 * full-width letters and markdown marks */
		if (!close || close == s || close - s > 4 * ANSWER_MAX_LABEL) {
			util_err(r->reason, "option %d of '%s' is not like 'A)text': '%.40s'", i, k,
				 s);
			goto fail;
		}
		char *lab = util_strndup(s, (size_t)(close - s));
		int rc = add_choice(arr, lab, close + 1, r->reason);
		free(lab);
		if (rc)
			goto fail;
	}
	if (cJSON_GetArraySize(arr) < 2) {
		util_err(r->reason, "field '%s' needs at least 2 options", k);
		goto fail;
	}
	cJSON_Delete(parsed);
	return arr;
fail:
	cJSON_Delete(parsed);
	cJSON_Delete(arr);
	return NULL;
}

/* The label of choices matching answer a (a label, "(B)", or a choice's
 * exact text). Heap string or NULL with reason. */
static char *mc_answer(const cJSON *choices, const char *a, const char *k, char *reason)
{
	char *l = answer_label(a);
	const cJSON *c;
	if (l) {
		cJSON_ArrayForEach(c, choices)
		{
			if (!strcmp(field(c, "label")->valuestring, l))
				return l;
		}
		free(l);
	}
	char *t = trim_dup(a, strlen(a));
	cJSON_ArrayForEach(c, choices)
	{
		if (!strcmp(field(c, "text")->valuestring, t)) {
			free(t);
			return util_strdup(field(c, "label")->valuestring);
		}
	}
	free(t);
	struct buf labels;
	buf_init(&labels);
	cJSON_ArrayForEach(c, choices)
	{
		if (buf_printf(&labels, "%s%s", labels.len ? ", " : "",
			       field(c, "label")->valuestring))
			util_oom();
	}
	util_err(reason, "field '%s' ('%.40s') is not one of the choices %s", k, a,
		 labels.data ? labels.data : "");
	buf_release(&labels);
	return NULL;
}

static char *print_json(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		util_oom();
	char *r = util_strdup(s);
	cJSON_free(s);
	return r;
}

/* A number answer from a JSON number or string. */
static int get_number(struct rec *r, const char *k, char **out)
{
	const cJSON *v = field(r->o, k);
	use(r, k);
	*out = NULL;
	if (!v)
		return missing(r, k);
	if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
		return mistyped(r, k, "a number", v);
	char *t = scalar_text(v);
	*out = util_normalise_number(t);
	if (!*out) {
		util_err(r->reason, "field '%s' is not a number: '%.40s'", k, t);
		free(t);
		return MENTOR_ERR;
	}
	free(t);
	return 0;
}

/* ------------------------------------------------------------- layouts */

/* Remove <<...>> calculator annotations. */
static char *strip_calc(const char *s, size_t n)
{
	struct buf b;
	buf_init(&b);
	size_t i = 0;
	while (i < n) {
		if (i + 1 < n && s[i] == '<' && s[i + 1] == '<') {
			const char *end = NULL;
			for (size_t j = i + 2; j + 1 < n; j++) {
				if (s[j] == '>' && s[j + 1] == '>') {
					end = s + j;
					break;
				}
			}
			if (end) {
				i = (size_t)(end - s) + 2;
				continue;
			}
		}
		if (buf_putc(&b, s[i]))
			util_oom();
		i++;
	}
	char *out = trim_dup(b.data ? b.data : "", b.len);
	buf_release(&b);
	return out;
}

static int norm_gsm8k(struct rec *r, struct store_item *it)
{
	const char *ans;
	if (get_text(r, "question", 1, &it->question) || get_str(r, "answer", 1, &ans))
		return MENTOR_ERR;
	const char *mark = NULL;
	for (const char *p = strstr(ans, "####"); p; p = strstr(p + 4, "####"))
		mark = p;
	if (!mark)
		return util_err(r->reason, "field 'answer' has no final answer after '####'");
	it->answer = util_normalise_number(mark + 4);
	if (!it->answer) {
		char *t = trim_dup(mark + 4, strlen(mark + 4));
		util_err(r->reason, "final answer after '####' is not a number: '%.40s'", t);
		free(t);
		return MENTOR_ERR;
	}
	it->answer_type = util_strdup(STORE_ANS_NUMBER);
	char *rat = strip_calc(ans, (size_t)(mark - ans));
	if (*rat)
		it->gold_rationale = rat;
	else
		free(rat);
	return 0;
}

static int norm_arc(struct rec *r, struct store_item *it, cJSON *meta, int obqa)
{
	const cJSON *q = field(r->o, "question");
	cJSON *choices = NULL;
	if (cJSON_IsObject(q)) {
		/* Original layout: question{stem, choices[{label,text}], ...}. */
		use(r, "question");
		const cJSON *stem = field(q, "stem");
		if (!stem)
			return util_err(r->reason, "missing field 'question.stem'");
		if (!cJSON_IsString(stem))
			return util_err(r->reason, "field 'question.stem' must be a string, not %s",
					dataset_json_type(stem));
		it->question = trim_dup(stem->valuestring, strlen(stem->valuestring));
		const cJSON *ch = field(q, "choices");
		if (!ch)
			return util_err(r->reason, "missing field 'question.choices'");
		choices = choices_from(ch, "question.choices", r->reason);
		const cJSON *c;
		cJSON_ArrayForEach(c, q)
		{
			if (strcmp(c->string, "stem") && strcmp(c->string, "choices") &&
			    !field(meta, c->string) && !field(r->o, c->string))
				cJSON_AddItemToObject(meta, c->string, cJSON_Duplicate(c, 1));
		}
	} else {
		/* Hugging Face layout: question (or question_stem) text and
		 * choices{label:[...], text:[...]}. */
		const char *qk = field(r->o, "question_stem") ? "question_stem" : "question";
		if (get_text(r, qk, 1, &it->question))
			return MENTOR_ERR;
		if (!field(r->o, "choices"))
			return missing(r, "choices");
		choices = get_choices(r, "choices");
	}
	if (!choices)
		return MENTOR_ERR;
	if (!*it->question) {
		cJSON_Delete(choices);
		return util_err(r->reason, "question is empty");
	}
	const char *key;
	int rc = get_str(r, "answerKey", 1, &key);
	if (!rc)
		it->answer = mc_answer(choices, key, "answerKey", r->reason);
	if (rc || !it->answer) {
		cJSON_Delete(choices);
		return MENTOR_ERR;
	}
	it->choices_json = print_json(choices);
	cJSON_Delete(choices);
	it->answer_type = util_strdup(STORE_ANS_MC);
	if (obqa && get_text(r, "fact1", 0, &it->gold_rationale))
		return MENTOR_ERR;
	return 0;
}

static int norm_strategyqa(struct rec *r, struct store_item *it)
{
	if (get_text(r, "question", 1, &it->question))
		return MENTOR_ERR;
	const cJSON *a = field(r->o, "answer");
	use(r, "answer");
	if (!a)
		return missing(r, "answer");
	if (cJSON_IsBool(a))
		it->answer = util_strdup(cJSON_IsTrue(a) ? "yes" : "no");
	else if (cJSON_IsString(a))
		it->answer = answer_normalise(STORE_ANS_YESNO, a->valuestring);
	else
		return mistyped(r, "answer", "a boolean", a);
	if (!it->answer)
		return util_err(r->reason, "field 'answer' is not yes/no or true/false: '%.40s'",
				a->valuestring);
	it->answer_type = util_strdup(STORE_ANS_YESNO);
	const cJSON *f = field(r->o, "facts");
	use(r, "facts");
	cJSON *parsed = NULL;
	if (r->csv && cJSON_IsString(f) && (parsed = cell_json(f)))
		f = parsed;
	if (cJSON_IsArray(f)) {
		struct buf b;
		buf_init(&b);
		const cJSON *c;
		cJSON_ArrayForEach(c, f)
		{
			if (!cJSON_IsString(c)) {
				buf_release(&b);
				cJSON_Delete(parsed);
				return util_err(r->reason, "field 'facts' must hold strings only");
			}
			char *t = trim_dup(c->valuestring, strlen(c->valuestring));
			if (*t && buf_printf(&b, "%s%s", b.len ? " " : "", t))
				util_oom();
			free(t);
		}
		if (b.len)
			it->gold_rationale = buf_detach(&b, NULL);
		buf_release(&b);
	} else if (cJSON_IsString(f)) {
		char *t = trim_dup(f->valuestring, strlen(f->valuestring));
		if (*t)
			it->gold_rationale = t;
		else
			free(t);
	} else if (f && !cJSON_IsNull(f)) {
		cJSON_Delete(parsed);
		return mistyped(r, "facts", "an array of strings", f);
	}
	cJSON_Delete(parsed);
	return 0;
}

static int norm_aqua(struct rec *r, struct store_item *it)
{
	if (get_text(r, "question", 1, &it->question))
		return MENTOR_ERR;
	cJSON *choices = choices_aqua(r, "options");
	if (!choices)
		return MENTOR_ERR;
	const char *c;
	int rc = get_str(r, "correct", 1, &c);
	if (!rc)
		it->answer = mc_answer(choices, c, "correct", r->reason);
	if (rc || !it->answer) {
		cJSON_Delete(choices);
		return MENTOR_ERR;
	}
	it->choices_json = print_json(choices);
	cJSON_Delete(choices);
	it->answer_type = util_strdup(STORE_ANS_MC);
	return get_text(r, "rationale", 0, &it->gold_rationale);
}

static int norm_svamp(struct rec *r, struct store_item *it)
{
	char *body, *q;
	if (get_text(r, "Body", 1, &body))
		return MENTOR_ERR;
	if (get_text(r, "Question", 1, &q)) {
		free(body);
		return MENTOR_ERR;
	}
	struct buf b;
	buf_init(&b);
	if (buf_printf(&b, "%s %s", body, q))
		util_oom();
	free(body);
	free(q);
	it->question = buf_detach(&b, NULL);
	if (get_number(r, "Answer", &it->answer))
		return MENTOR_ERR;
	it->answer_type = util_strdup(STORE_ANS_NUMBER);
	char *eq;
	if (get_text(r, "Equation", 0, &eq))
		return MENTOR_ERR;
	if (eq) {
		buf_init(&b);
		if (buf_printf(&b, "%s = %s", eq, it->answer))
			util_oom();
		it->gold_rationale = buf_detach(&b, NULL);
		free(eq);
	}
	return 0;
}

static int norm_generic(struct rec *r, struct store_item *it)
{
	if (get_text(r, "question", 1, &it->question))
		return MENTOR_ERR;
	cJSON *choices = NULL;
	const cJSON *cv = field(r->o, "choices");
	if (cv && !cJSON_IsNull(cv) && !(r->csv && cJSON_IsString(cv) && !*cv->valuestring)) {
		choices = get_choices(r, "choices");
		if (!choices)
			return MENTOR_ERR;
	}
	use(r, "choices");
	const char *type = NULL;
	if (get_str(r, "answer_type", 0, &type))
		goto fail;
	if (type && !*type)
		type = NULL;
	if (type && strcmp(type, STORE_ANS_MC) && strcmp(type, STORE_ANS_YESNO) &&
	    strcmp(type, STORE_ANS_NUMBER) && strcmp(type, STORE_ANS_TEXT)) {
		util_err(r->reason,
			 "field 'answer_type' must be mc, yesno, number or text, not '%.40s'",
			 type);
		goto fail;
	}
	const cJSON *a = field(r->o, "answer");
	use(r, "answer");
	if (!a || cJSON_IsNull(a)) {
		missing(r, "answer");
		goto fail;
	}
	if (!cJSON_IsString(a) && !cJSON_IsNumber(a) && !cJSON_IsBool(a)) {
		mistyped(r, "answer", "a string, number or boolean", a);
		goto fail;
	}
	char *raw = scalar_text(a);
	if (!type) {
		char *probe = NULL;
		if (choices)
			type = STORE_ANS_MC;
		else if (cJSON_IsBool(a))
			type = STORE_ANS_YESNO;
		else if (cJSON_IsNumber(a))
			type = STORE_ANS_NUMBER;
		else if (ascii_ieq(raw, "yes") || ascii_ieq(raw, "no"))
			type = STORE_ANS_YESNO;
		else if ((probe = util_normalise_number(raw)))
			type = STORE_ANS_NUMBER;
		else
			type = STORE_ANS_TEXT;
		free(probe);
	}
	if (!strcmp(type, STORE_ANS_MC)) {
		if (!choices) {
			free(raw);
			util_err(r->reason, "answer type 'mc' needs field 'choices'");
			goto fail;
		}
		it->answer = mc_answer(choices, raw, "answer", r->reason);
	} else {
		it->answer = dataset_normalise_answer(type, raw);
		if (!it->answer)
			util_err(r->reason, "field 'answer' is not a valid %s answer: '%.40s'",
				 type, raw);
	}
	free(raw);
	if (!it->answer)
		goto fail;
	it->answer_type = util_strdup(type);
	if (choices) {
		it->choices_json = print_json(choices);
		cJSON_Delete(choices);
		choices = NULL;
	}
	if (get_text(r, "rationale", 0, &it->gold_rationale))
		goto fail;
	const cJSON *tr = field(r->o, "trace");
	use(r, "trace");
	if (tr && !cJSON_IsNull(tr)) {
		if (r->csv && cJSON_IsString(tr)) {
			if (*tr->valuestring) {
				cJSON *j = cell_json(tr);
				if (!cJSON_IsObject(j)) {
					cJSON_Delete(j);
					util_err(r->reason, "field 'trace' must be a JSON object");
					goto fail;
				}
				it->trace_json = print_json(j);
				cJSON_Delete(j);
			}
		} else if (cJSON_IsObject(tr) || cJSON_IsArray(tr)) {
			it->trace_json = print_json(tr);
		} else {
			mistyped(r, "trace", "an object", tr);
			goto fail;
		}
	}
	return 0;
fail:
	cJSON_Delete(choices);
	return MENTOR_ERR;
}

int dataset_normalise_rec(const cJSON *o, const char *format, int csv, struct store_item *it,
			  char *reason)
{
	struct rec r = {.o = o, .csv = csv, .reason = reason};
	memset(it, 0, sizeof *it);
	if (!cJSON_IsObject(o))
		return util_err(reason, "record is not a JSON object");
	cJSON *meta = cJSON_CreateObject();
	if (!meta)
		util_oom();
	int rc;
	const char *id_key = "id";
	if (!strcmp(format, "gsm8k")) {
		rc = norm_gsm8k(&r, it);
	} else if (!strcmp(format, "csqa") || !strcmp(format, "obqa")) {
		rc = norm_arc(&r, it, meta, !strcmp(format, "obqa"));
	} else if (!strcmp(format, "strategyqa")) {
		rc = norm_strategyqa(&r, it);
		if (field(o, "qid"))
			id_key = "qid";
	} else if (!strcmp(format, "aqua")) {
		rc = norm_aqua(&r, it);
	} else if (!strcmp(format, "svamp")) {
		rc = norm_svamp(&r, it);
		if (field(o, "ID"))
			id_key = "ID";
	} else if (!strcmp(format, "generic")) {
		rc = norm_generic(&r, it);
	} else {
		rc = util_err(reason, "unknown format '%s'", format);
	}
	if (!rc)
		rc = get_id(&r, id_key, &it->ext_id);
	if (!rc && field(o, "split") && !cJSON_IsNull(field(o, "split"))) {
		const char *s;
		rc = get_str(&r, "split", 1, &s);
		if (!rc && *s) {
			const char *c = dataset_split_canonical(s);
			if (!c)
				rc = util_err(
					reason,
					"field 'split' must be train, dev or test, not '%.40s'", s);
			else
				it->split = util_strdup(c);
		}
	}
	use(&r, "split");
	if (rc) {
		cJSON_Delete(meta);
		store_item_release(it);
		return MENTOR_ERR;
	}
	/* Everything not used above is kept as meta. */
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		int used = 0;
		for (size_t i = 0; i < r.n_used && !used; i++)
			used = !strcmp(r.used[i], c->string);
		if (!used && !(csv && cJSON_IsString(c) && !*c->valuestring) &&
		    !field(meta, c->string))
			cJSON_AddItemToObject(meta, c->string, cJSON_Duplicate(c, 1));
	}
	if (meta->child)
		it->meta_json = print_json(meta);
	cJSON_Delete(meta);
	/* Every stored text must be valid UTF-8 (escapes can still hide
	 * unpaired surrogates from a lax encoder). */
	const char *texts[] = {it->question, it->answer, it->gold_rationale, it->choices_json,
			       it->ext_id};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		if (texts[i] && !util_utf8_valid(texts[i], strlen(texts[i]), 1, NULL)) {
			store_item_release(it);
			return util_err(reason, "record holds text that is not valid UTF-8");
		}
	}
	return 0;
}

int dataset_normalise(const cJSON *rec, const char *format, struct store_item *it, char *err)
{
	return dataset_normalise_rec(rec, format, 0, it, err);
}
