/* dataset: import of reasoning datasets. The file is streamed in 64 KiB
 * chunks and cut into records (JSON Lines, elements of a JSON array, CSV
 * records) of at most DATASET_MAX_RECORD bytes; each record is detected,
 * normalised to a store_item and upserted inside one transaction, so that a
 * bad record leaves the workspace exactly as it was. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "mentor/answer.h"
#include "mentor/dataset.h"
#include "mentor/util.h"

#define CHUNK (64 * 1024)
#define MAX_CHOICES 64
#define MAX_CSV_FIELDS 256
#define IMPORT_HASH_TAG "mentor-import-1"

/* ------------------------------------------------------------ small text */

static int is_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Heap copy of s[0..n) without leading and trailing white space. */
static char *trim_dup(const char *s, size_t n)
{
	while (n && is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_ws((unsigned char)s[n - 1]))
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
		static const char *const words[] = {"train", "dev", "test", "validation", "valid", "val"};
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
	static const char *const f[] = {"auto", "gsm8k", "csqa", "strategyqa", "obqa",
					"aqua", "svamp", "generic"};
	if (!fmt)
		return 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(fmt, f[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ detection */

static const cJSON *field(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

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
		if (field(rec, "fact1") || (!field(q, "question_concept") &&
					    cJSON_GetArraySize(field(q, "choices")) == 4))
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
	int csv;             /* values are CSV cells: strings that may hold JSON */
	const char *used[24];
	size_t n_used;
	char *reason;        /* err buffer */
};

static void use(struct rec *r, const char *k)
{
	if (r->n_used < sizeof r->used / sizeof r->used[0])
		r->used[r->n_used++] = k;
}

static int missing(struct rec *r, const char *k) { return util_err(r->reason, "missing field '%s'", k); }

static const char *type_name(const cJSON *v)
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
	return util_err(r->reason, "field '%s' must be %s, not %s", k, want, type_name(v));
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
	while (is_ws((unsigned char)*s))
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
		return util_err(reason, "bad choice label '%.40s': a label is 1 to %d letters or "
				"digits without spaces or punctuation (brackets, '*' and '`' around "
				"it are dropped), so that a parsed answer can name it",
				label, ANSWER_MAX_LABEL);
	const cJSON *c;
	cJSON_ArrayForEach(c, arr) {
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
		cJSON_ArrayForEach(c, v) {
			if (cJSON_IsString(c) || cJSON_IsNumber(c)) {
				if (i >= 26) {
					util_err(reason, "field '%s' has more than 26 unlabelled choices", k);
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
					util_err(reason, "choice %d of '%s' needs string 'label' and 'text'",
						 i + 1, k);
					goto fail;
				}
				if (add_choice(arr, l->valuestring, t->valuestring, reason))
					goto fail;
			} else {
				util_err(reason, "choice %d of '%s' must be a string or {label, text}",
					 i + 1, k);
				goto fail;
			}
			i++;
		}
	} else if (cJSON_IsObject(v)) {
		const cJSON *ls = field(v, "label"), *ts = field(v, "text");
		if (!cJSON_IsArray(ls) || !cJSON_IsArray(ts) ||
		    cJSON_GetArraySize(ls) != cJSON_GetArraySize(ts)) {
			util_err(reason, "field '%s' needs arrays 'label' and 'text' of equal length", k);
			goto fail;
		}
		const cJSON *l = ls->child, *t = ts->child;
		for (; l && t; l = l->next, t = t->next) {
			if (!cJSON_IsString(l) || !cJSON_IsString(t)) {
				util_err(reason, "field '%s' has a label or text that is not a string", k);
				goto fail;
			}
			if (add_choice(arr, l->valuestring, t->valuestring, reason))
				goto fail;
		}
	} else {
		util_err(reason, "field '%s' must be an array, not %s", k, type_name(v));
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
	cJSON_ArrayForEach(c, v) {
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
			util_err(r->reason, "option %d of '%s' is not like 'A)text': '%.40s'", i, k, s);
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
		cJSON_ArrayForEach(c, choices) {
			if (!strcmp(field(c, "label")->valuestring, l))
				return l;
		}
		free(l);
	}
	char *t = trim_dup(a, strlen(a));
	cJSON_ArrayForEach(c, choices) {
		if (!strcmp(field(c, "text")->valuestring, t)) {
			free(t);
			return util_strdup(field(c, "label")->valuestring);
		}
	}
	free(t);
	struct buf labels;
	buf_init(&labels);
	cJSON_ArrayForEach(c, choices) {
		if (buf_printf(&labels, "%s%s", labels.len ? ", " : "", field(c, "label")->valuestring))
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
					type_name(stem));
		it->question = trim_dup(stem->valuestring, strlen(stem->valuestring));
		const cJSON *ch = field(q, "choices");
		if (!ch)
			return util_err(r->reason, "missing field 'question.choices'");
		choices = choices_from(ch, "question.choices", r->reason);
		const cJSON *c;
		cJSON_ArrayForEach(c, q) {
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
		cJSON_ArrayForEach(c, f) {
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
		util_err(r->reason, "field 'answer_type' must be mc, yesno, number or text, not '%.40s'",
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
			util_err(r->reason, "field 'answer' is not a valid %s answer: '%.40s'", type, raw);
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

/* Normalise rec; extra: record split and id are read here too. */
static int normalise(const cJSON *o, const char *format, int csv, struct store_item *it,
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
				rc = util_err(reason, "field 'split' must be train, dev or test, not '%.40s'", s);
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
	cJSON_ArrayForEach(c, o) {
		int used = 0;
		for (size_t i = 0; i < r.n_used && !used; i++)
			used = !strcmp(r.used[i], c->string);
		if (!used && !(csv && cJSON_IsString(c) && !*c->valuestring) && !field(meta, c->string))
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
	return normalise(rec, format, 0, it, err);
}

/* --------------------------------------------------------------- reader */

/* A byte stream over a file or memory, in CHUNK blocks, hashing each block
 * so the import's content hash costs no second read. */
struct reader {
	FILE *f;
	const char *mem;
	size_t mem_len, mem_off;
	unsigned char *own;      /* CHUNK bytes when reading a file */
	const unsigned char *data;
	size_t pos, len;
	int eof, io_err;
	struct buf hashes;       /* hex SHA-256 of each block */
	long line;               /* line of the next byte, 1-based */
};

static void rd_init(struct reader *r, FILE *f, const char *mem, size_t mem_len)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->mem = mem;
	r->mem_len = mem_len;
	r->line = 1;
	buf_init(&r->hashes);
	if (f) {
		r->own = malloc(CHUNK);
		if (!r->own)
			util_oom();
	}
}

static void rd_release(struct reader *r)
{
	free(r->own);
	buf_release(&r->hashes);
}

/* Make pos < len; 0 at end of input. */
static int rd_fill(struct reader *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->eof)
		return 0;
	size_t n;
	if (r->f) {
		n = fread(r->own, 1, CHUNK, r->f);
		if (n < CHUNK && ferror(r->f))
			r->io_err = 1;
		r->data = r->own;
	} else {
		n = r->mem_len - r->mem_off;
		if (n > CHUNK)
			n = CHUNK;
		r->data = (const unsigned char *)r->mem + r->mem_off;
		r->mem_off += n;
	}
	r->pos = 0;
	r->len = n;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	char hex[65];
	util_sha256_hex(r->data, n, hex);
	if (buf_append(&r->hashes, hex, 64))
		util_oom();
	return 1;
}

static int rd_getc(struct reader *r)
{
	if (r->pos >= r->len && !rd_fill(r))
		return -1;
	int c = r->data[r->pos++];
	if (c == '\n')
		r->line++;
	return c;
}

static int rd_peek(struct reader *r)
{
	if (r->pos >= r->len && !rd_fill(r))
		return -1;
	return r->data[r->pos];
}

/* Back to the first byte, for a second pass. */
static int rd_rewind(struct reader *r)
{
	if (r->f) {
		if (fseek(r->f, 0, SEEK_SET))
			return -1;
		clearerr(r->f);
	}
	r->mem_off = 0;
	r->pos = r->len = 0;
	r->eof = r->io_err = 0;
	r->line = 1;
	buf_reset(&r->hashes);
	return 0;
}

/* Read everything left (hashing it). */
static void rd_drain(struct reader *r)
{
	while (rd_fill(r))
		r->pos = r->len;
}

/* The content hash: the block hashes and the options that shape the result. */
static void import_hash(const struct reader *r, const struct dataset_import_opts *o,
			char out[65])
{
	struct buf b;
	buf_init(&b);
	if (buf_printf(&b, "%s|%s|%s|%d|", IMPORT_HASH_TAG, o->format ? o->format : "auto",
		       o->split ? o->split : "", o->skip_bad ? 1 : 0) ||
	    buf_append(&b, r->hashes.data ? r->hashes.data : "", r->hashes.len))
		util_oom();
	util_sha256_hex(b.data, b.len, out);
	buf_release(&b);
}

/* --------------------------------------------------------------- import */

static const char *const split_names[3] = {"train", "dev", "test"};

struct import {
	struct store *st;
	const char *label;
	const struct dataset_import_opts *o;
	char format[16];
	int detect;              /* format still to be detected */
	const char *file_split;
	int64_t dataset_id;
	struct util_idset ids; /* ext ids seen, with their line */
	int64_t *keep;
	size_t n_keep, cap_keep;
	struct dataset_import_result r;
	void (*on_skip)(void *u, const char *msg);
	void *u;
	char *err;
	int fatal;               /* a store error: stop at once */
	long elem;               /* 1-based element of a JSON array, else 0 */
	int splits_seen;         /* bit i: an item of split_names[i] was imported */
};

/* A bad record: skipped (0) with skip_bad, else the import fails. */
static int bad(struct import *im, long line, const char *fmt, ...) MENTOR_PRINTF(3, 4);
static int bad(struct import *im, long line, const char *fmt, ...)
{
	char reason[MENTOR_ERR_LEN - 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	char msg[MENTOR_ERR_LEN];
	if (im->elem > 0)
		snprintf(msg, sizeof msg, "%s:%ld: element %ld: %s", im->label, line, im->elem, reason);
	else
		snprintf(msg, sizeof msg, "%s:%ld: %s", im->label, line, reason);
	if (im->o->skip_bad) {
		im->r.n_skipped++;
		if (im->on_skip)
			im->on_skip(im->u, msg);
		return 0;
	}
	util_err(im->err, "%s", msg);
	return MENTOR_ERR;
}

/* Store a fatal (not record-level) error. */
static int fatal(struct import *im, const char *fmt, ...) MENTOR_PRINTF(2, 3);
static int fatal(struct import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(im->err, fmt, ap);
	va_end(ap);
	im->fatal = 1;
	return MENTOR_ERR;
}

static int import_object(struct import *im, const cJSON *o, long line, int csv)
{
	if (im->detect) {
		snprintf(im->format, sizeof im->format, "%s", dataset_detect(o));
		im->detect = 0;
	}
	struct store_item it;
	char reason[MENTOR_ERR_LEN];
	if (normalise(o, im->format, csv, &it, reason))
		return bad(im, line, "%s", reason);
	if (!it.split)
		it.split = util_strdup(im->o->split    ? dataset_split_canonical(im->o->split)
				       : im->file_split ? im->file_split
							: "train");
	/* Without an id: "SPLIT:N" with N the line number, or the element
	 * number in an array (where many records may share a line). The split
	 * keeps apart the ids of a corpus's train.jsonl and test.jsonl when both
	 * are imported into one dataset. */
	long pos = im->elem > 0 ? im->elem : line;
	if (!it.ext_id) {
		char num[48];
		snprintf(num, sizeof num, "%s:%ld", it.split, pos);
		it.ext_id = util_strdup(num);
	}
	long first = util_idset_add(&im->ids, it.ext_id, pos);
	if (first < 0) {
		store_item_release(&it);
		return fatal(im, "%s: out of memory after %zu records", im->label, im->n_keep);
	}
	if (first) {
		int rc = bad(im, line, "duplicate id '%.100s' (first %s %ld)", it.ext_id,
			     im->elem > 0 ? "as element" : "on line", first);
		store_item_release(&it);
		return rc;
	}
	if (im->n_keep >= DATASET_MAX_ITEMS) {
		store_item_release(&it);
		return fatal(im, "%s: more than %d records", im->label, DATASET_MAX_ITEMS);
	}
	it.dataset_id = im->dataset_id;
	int what;
	char sub[MENTOR_ERR_LEN];
	if (store_item_put(im->st, &it, &what, sub)) {
		store_item_release(&it);
		return fatal(im, "%s:%ld: %s", im->label, line, sub);
	}
	if (im->n_keep == im->cap_keep) {
		size_t ncap = im->cap_keep ? im->cap_keep * 2 : 1024, bytes;
		int64_t *nk = NULL;
		if (!util_mul_size(ncap, sizeof *im->keep, &bytes))
			nk = realloc(im->keep, bytes);
		if (!nk) {
			store_item_release(&it);
			return fatal(im, "%s: out of memory after %zu records", im->label, im->n_keep);
		}
		im->keep = nk;
		im->cap_keep = ncap;
	}
	im->keep[im->n_keep++] = it.id;
	for (int i = 0; i < 3; i++)
		if (!strcmp(it.split, split_names[i]))
			im->splits_seen |= 1 << i;
	im->r.n_items++;
	if (what == STORE_ITEM_NEW)
		im->r.n_new++;
	else if (what == STORE_ITEM_CHANGED)
		im->r.n_updated++;
	store_item_release(&it);
	return 0;
}

/* 1 if s ends inside a string or an open object/array: a cut record. */
static int json_unbalanced(const char *s, size_t n)
{
	int depth = 0, in_str = 0, esc = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return in_str || depth > 0;
}

/* Checks shared by every JSON record, then parse and import. at_eof: 0 in
 * a JSON array, 1 a JSON Lines line, 2 the last line (no newline). */
static int import_json(struct import *im, const char *s, size_t n, long line, int at_eof)
{
	size_t off;
	if (memchr(s, 0, n))
		return bad(im, line, "NUL byte in record at byte %zu", (size_t)((const char *)memchr(s, 0, n) - s) + 1);
	if (!util_utf8_valid(s, n, 1, &off))
		return bad(im, line, "invalid UTF-8 at byte %zu", off + 1);
	/* \u0000 would cut a string short inside the parser. */
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 6 <= n && !memcmp(s + i + 2, "0000", 4))
			return bad(im, line, "NUL character (\\u0000) in a string at byte %zu", i + 1);
		i++;
	}
	const char *end = NULL;
	/* s is NUL-terminated: passing n + 1 makes the parser insist that
	 * nothing but white space follows the value. */
	cJSON *o = cJSON_ParseWithLengthOpts(s, n + 1, &end, 1);
	if (!o) {
		size_t pos = end && end >= s ? (size_t)(end - s) : 0;
		if (pos >= n || json_unbalanced(s, n))
			return bad(im, line, "invalid JSON: record ends too early%s",
				   at_eof == 2   ? " (truncated last line?)"
				   : at_eof == 1 ? " (JSON Lines need one whole record per line)"
						 : "");
		return bad(im, line, "invalid JSON at byte %zu", pos + 1);
	}
	int rc;
	if (!cJSON_IsObject(o))
		rc = bad(im, line, "record is %s, not a JSON object", type_name(o));
	else
		rc = import_object(im, o, line, 0);
	cJSON_Delete(o);
	return rc;
}

static int all_ws(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws((unsigned char)s[i]))
			return 0;
	return 1;
}

/* JSON Lines: one object per line; blank lines are skipped. Lines longer
 * than the cap are consumed without being stored. */
static int read_jsonl(struct import *im, struct reader *r)
{
	struct buf line;
	buf_init(&line);
	int ret = 0;
	for (;;) {
		long ln = r->line;
		int too_long = 0, nl = 0;
		buf_reset(&line);
		while (rd_fill(r)) {
			const unsigned char *p = r->data + r->pos;
			size_t avail = r->len - r->pos;
			const unsigned char *e = memchr(p, '\n', avail);
			size_t take = e ? (size_t)(e - p) : avail;
			if (!too_long) {
				if (line.len + take > DATASET_MAX_RECORD)
					too_long = 1;
				else if (buf_append(&line, p, take))
					util_oom();
			}
			r->pos += take;
			if (e) {
				r->pos++;
				r->line++;
				nl = 1;
				break;
			}
		}
		if (!nl && line.len == 0 && !too_long)
			break;
		if (too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
		} else {
			size_t n = line.len;
			if (n && line.data[n - 1] == '\r')
				n--;
			if (!all_ws(line.data, n)) {
				line.data[n] = 0;
				ret = import_json(im, line.data, n, ln, nl ? 1 : 2);
			}
		}
		if (ret || !nl)
			break;
	}
	buf_release(&line);
	return ret;
}

static void skip_ws(struct reader *r)
{
	int c;
	while ((c = rd_peek(r)) >= 0 && is_ws(c))
		rd_getc(r);
}

/* A JSON array of objects, cut element by element without parsing the
 * whole document: strings and nesting are tracked to find each end. */
static int read_array(struct import *im, struct reader *r)
{
	struct buf el;
	buf_init(&el);
	int ret = 0;
	rd_getc(r); /* '[' */
	skip_ws(r);
	if (rd_peek(r) == ']') {
		rd_getc(r);
		goto tail;
	}
	for (;;) {
		skip_ws(r);
		long ln = r->line;
		buf_reset(&el);
		int depth = 0, in_str = 0, esc = 0, too_long = 0, done = 0, c;
		im->elem++;
		if (rd_peek(r) == ']') {
			ret = bad(im, ln, "trailing ',' before ']'");
			if (!ret)
				ret = 1;
			break;
		}
		while (!done && (c = rd_peek(r)) >= 0) {
			if (!in_str && depth == 0 && (c == ',' || c == ']' || is_ws(c)) && el.len)
				break;
			rd_getc(r);
			if (in_str) {
				if (esc)
					esc = 0;
				else if (c == '\\')
					esc = 1;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				depth--;
				if (depth <= 0)
					done = 1;
			}
			if (!too_long) {
				if (el.len >= DATASET_MAX_RECORD)
					too_long = 1;
				else if (buf_putc(&el, c))
					util_oom();
			}
		}
		if (too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
			if (ret)
				break;
		}
		if (!done && (in_str || depth > 0 || rd_peek(r) < 0)) {
			/* The input ended inside an element or before ']'. */
			if (too_long)
				ret = 1;
			else if (el.len && !all_ws(el.data, el.len))
				ret = bad(im, ln, "JSON array is truncated inside this element");
			else
				ret = bad(im, ln, "JSON array is truncated: missing ']'");
			if (!ret)
				ret = 1; /* nothing more to read */
			break;
		}
		if (!too_long)
			ret = import_json(im, el.data ? el.data : "", el.len, ln, 0);
		if (ret)
			break;
		skip_ws(r);
		c = rd_getc(r);
		if (c == ']')
			break;
		if (c != ',') {
			im->elem = 0;
			ret = bad(im, r->line, c < 0 ? "JSON array is truncated: missing ']'"
						     : "expected ',' or ']' between array elements");
			if (!ret)
				ret = 1;
			break;
		}
	}
	im->elem = 0;
	if (ret == 1) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
tail:
	skip_ws(r);
	if (rd_peek(r) >= 0)
		ret = bad(im, r->line, "unexpected data after the JSON array");
out:
	buf_release(&el);
	return ret;
}

/* One CSV record (RFC 4180): fields in rec separated by NUL, offsets in
 * starts. Returns 1 with a record, 0 at end of input, -1 with *why set. */
struct csv_rec {
	struct buf data;
	size_t starts[MAX_CSV_FIELDS];
	size_t n;
	int too_long, too_many;
};

static int csv_next(struct reader *r, struct csv_rec *cr, const char **why)
{
	buf_reset(&cr->data);
	cr->n = 0;
	cr->too_long = cr->too_many = 0;
	*why = NULL;
	if (rd_peek(r) < 0)
		return 0;
	int quoted = 0, after_quote = 0, field_start = 1, c;
	cr->starts[cr->n++] = 0;
	for (;;) {
		/* Fast path: a run of ordinary bytes within the current block. */
		if (!after_quote && rd_fill(r)) {
			const unsigned char *p = r->data + r->pos, *e = r->data + r->len, *q = p;
			if (quoted) {
				for (; q < e && *q != '"'; q++)
					r->line += *q == '\n';
			} else {
				while (q < e && *q != ',' && *q != '"' && *q != '\n' && *q != '\r')
					q++;
			}
			size_t run = (size_t)(q - p);
			if (run) {
				if (!cr->too_long) {
					if (cr->data.len + run > DATASET_MAX_RECORD)
						cr->too_long = 1;
					else if (buf_append(&cr->data, p, run))
						util_oom();
				}
				r->pos += run;
				field_start = 0;
				continue;
			}
		}
		c = rd_getc(r);
		if (c < 0) {
			if (quoted) {
				*why = "unterminated quoted field at end of file";
				return -1;
			}
			break;
		}
		if (quoted) {
			if (c == '"') {
				if (rd_peek(r) == '"') {
					rd_getc(r);
				} else {
					quoted = 0;
					after_quote = 1;
					continue;
				}
			}
		} else if (c == '"' && field_start) {
			quoted = 1;
			field_start = 0;
			continue;
		} else if (c == ',') {
			if (!cr->too_long && buf_putc(&cr->data, 0))
				util_oom();
			if (cr->n < MAX_CSV_FIELDS)
				cr->starts[cr->n++] = cr->data.len;
			else
				cr->too_many = 1;
			field_start = 1;
			after_quote = 0;
			continue;
		} else if (c == '\n') {
			break;
		} else if (c == '\r') {
			if (rd_peek(r) == '\n')
				continue;
			r->line++; /* a lone CR ends a line too */
			break;
		} else if (after_quote) {
			if (!*why)
				*why = "unexpected character after a closing quote";
		}
		field_start = 0;
		if (!cr->too_long) {
			if (cr->data.len >= DATASET_MAX_RECORD)
				cr->too_long = 1;
			else if (buf_putc(&cr->data, c))
				util_oom();
		}
	}
	if (!cr->data.data) {
		/* An empty first record: fields point into an allocated "". */
		if (buf_putc(&cr->data, 0))
			util_oom();
		cr->data.len = 0;
	}
	if (*why)
		return -1;
	return 1;
}

static int csv_blank(const struct csv_rec *cr) { return cr->n == 1 && cr->data.len == 0; }

static int read_csv(struct import *im, struct reader *r)
{
	struct csv_rec hdr, cr;
	memset(&hdr, 0, sizeof hdr);
	memset(&cr, 0, sizeof cr);
	buf_init(&hdr.data);
	buf_init(&cr.data);
	const char *why;
	int ret = 0, rc;
	long ln;
	do {
		ln = r->line;
		rc = csv_next(r, &hdr, &why);
	} while (rc == 1 && csv_blank(&hdr));
	if (rc == 0) {
		ret = fatal(im, "%s: empty file, no records", im->label);
		goto out;
	}
	if (rc < 0 || hdr.too_long || hdr.too_many) {
		ret = fatal(im, "%s:%ld: bad CSV header: %s", im->label, ln,
			    why ? why : hdr.too_long ? "longer than the record limit"
						     : "too many columns");
		goto out;
	}
	for (size_t i = 0; i < hdr.n; i++) {
		const char *h = hdr.data.data + hdr.starts[i];
		if (!*h) {
			ret = fatal(im, "%s:%ld: bad CSV header: column %zu has no name", im->label, ln, i + 1);
			goto out;
		}
		if (!util_utf8_valid(h, strlen(h), 1, NULL)) {
			ret = fatal(im, "%s:%ld: bad CSV header: invalid UTF-8", im->label, ln);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(h, hdr.data.data + hdr.starts[j])) {
				ret = fatal(im, "%s:%ld: bad CSV header: duplicate column '%s'",
					    im->label, ln, h);
				goto out;
			}
		}
	}
	for (;;) {
		ln = r->line;
		rc = csv_next(r, &cr, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			ret = bad(im, ln, "%s", why);
			if (ret || r->eof)
				break;
			continue;
		}
		if (csv_blank(&cr))
			continue;
		if (cr.too_long) {
			ret = bad(im, ln, "record longer than %d bytes", DATASET_MAX_RECORD);
		} else if (cr.too_many || cr.n != hdr.n) {
			ret = bad(im, ln, "record has %s%zu fields, the header has %zu",
				  cr.too_many ? "more than " : "", cr.n, hdr.n);
		} else {
			size_t off;
			/* Fields are NUL-separated: check the bytes between. */
			int bad_utf8 = 0, nul = 0;
			for (size_t i = 0; i < cr.n && !bad_utf8 && !nul; i++) {
				const char *f = cr.data.data + cr.starts[i];
				size_t end = i + 1 < cr.n ? cr.starts[i + 1] - 1 : cr.data.len;
				size_t flen = end - cr.starts[i];
				if (memchr(f, 0, flen))
					nul = 1;
				else if (!util_utf8_valid(f, flen, 1, &off))
					bad_utf8 = 1;
			}
			if (nul) {
				ret = bad(im, ln, "NUL byte in record");
			} else if (bad_utf8) {
				ret = bad(im, ln, "invalid UTF-8");
			} else {
				cJSON *o = cJSON_CreateObject();
				if (!o)
					util_oom();
				for (size_t i = 0; i < cr.n; i++) {
					const char *v = cr.data.data + cr.starts[i];
					if (!cJSON_AddStringToObject(o, hdr.data.data + hdr.starts[i], v))
						util_oom();
				}
				ret = import_object(im, o, ln, 1);
				cJSON_Delete(o);
			}
		}
		if (ret)
			break;
	}
out:
	buf_release(&hdr.data);
	buf_release(&cr.data);
	return ret;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int check_name(const char *name, char *err)
{
	size_t n = strlen(name);
	if (n == 0)
		return util_err(err, "dataset name is empty");
	if (n > DATASET_MAX_NAME)
		return util_err(err, "dataset name is longer than %d bytes", DATASET_MAX_NAME);
	if (!util_utf8_valid(name, n, 1, NULL))
		return util_err(err, "dataset name is not valid UTF-8");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return util_err(err, "dataset name has a control character");
	return 0;
}

/* The import proper, over a reader positioned at the start. */
static int import_run(struct store *st, struct reader *r, const char *label,
		      const struct dataset_import_opts *o, struct dataset_import_result *res,
		      void (*on_skip)(void *u, const char *msg), void *u, char *err)
{
	struct import im;
	memset(&im, 0, sizeof im);
	im.st = st;
	im.label = label;
	im.o = o;
	im.on_skip = on_skip;
	im.u = u;
	im.err = err;
	const char *fmt = o->format ? o->format : "auto";
	if (!dataset_format_valid(fmt)) {
		util_err(err, "unknown format '%s': use %s", fmt, DATASET_FORMATS);
		return MENTOR_EUSAGE;
	}
	if (o->split && !dataset_split_canonical(o->split)) {
		util_err(err, "unknown split '%s': use train, dev or test", o->split);
		return MENTOR_EUSAGE;
	}
	char *name = o->name ? util_strdup(o->name) : dataset_default_name(label);
	if (check_name(name, err)) {
		free(name);
		return MENTOR_EUSAGE;
	}
	im.detect = !strcmp(fmt, "auto");
	snprintf(im.format, sizeof im.format, "%s", im.detect ? "generic" : fmt);
	im.file_split = dataset_split_from_path(label);

	int ret = MENTOR_ERR;
	char hash[65];
	struct store_dataset d;
	int exists = store_dataset_get(st, name, &d, err);
	if (exists == MENTOR_ERR)
		goto out;
	if (exists == 0) {
		/* Known dataset: a hash-only pass first, so that an identical
		 * file costs one read and no writes. */
		rd_drain(r);
		if (r->io_err) {
			util_err(err, "cannot read '%s'", label);
			store_dataset_release(&d);
			goto out;
		}
		import_hash(r, o, hash);
		if (d.source_hash && !strcmp(d.source_hash, hash)) {
			im.r.dataset_id = d.id;
			im.r.unchanged = 1;
			im.r.n_items = (size_t)(d.n_train + d.n_dev + d.n_test);
			snprintf(im.r.format, sizeof im.r.format, "%s", d.format);
			store_dataset_release(&d);
			ret = 0;
			goto out;
		}
		store_dataset_release(&d);
		if (rd_rewind(r)) {
			util_err(err, "cannot read '%s' again", label);
			goto out;
		}
	}
	if (store_begin(st, err))
		goto out;
	store_item_bulk(st, 1);
	/* The hash is only known at the end; the row is created now for the
	 * items' foreign key and completed below. */
	if (store_dataset_upsert(st, name, label, im.format, NULL, &im.dataset_id, err))
		goto rollback;

	/* Skip a UTF-8 byte order mark, then pick the file type from the
	 * first non-blank byte. UTF-16 gets a hint of its own. */
	if (rd_peek(r) == 0xFF || rd_peek(r) == 0xFE) {
		int b0 = rd_getc(r), b1 = rd_getc(r);
		if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF))
			util_err(err, "%s:1: the file is UTF-16; convert it to UTF-8 first", label);
		else
			util_err(err, "%s:1: invalid UTF-8 at byte 1", label);
		goto rollback;
	}
	if (rd_peek(r) == 0xEF) {
		rd_getc(r);
		if (rd_getc(r) != 0xBB || rd_getc(r) != 0xBF) {
			util_err(err, "%s:1: invalid UTF-8 at byte 1", label);
			goto rollback;
		}
	}
	skip_ws(r);
	int c = rd_peek(r);
	int rc;
	if (c < 0) {
		if (r->io_err)
			util_err(err, "cannot read '%s': input/output error", label);
		else
			util_err(err, "%s: empty file, no records", label);
		goto rollback;
	} else if (c == '[') {
		rc = read_array(&im, r);
	} else if (c == '{') {
		rc = read_jsonl(&im, r);
	} else {
		rc = read_csv(&im, r);
	}
	if (rc)
		goto rollback;
	if (r->io_err) {
		util_err(err, "cannot read '%s': input/output error", label);
		goto rollback;
	}
	if (im.r.n_items == 0) {
		if (im.r.n_skipped)
			util_err(err, "%s: no valid records (%zu skipped)", label, im.r.n_skipped);
		else
			util_err(err, "%s: no records", label);
		goto rollback;
	}
	if (exists == 0) {
		/* Items of the splits this file holds that it no longer has go;
		 * other splits may come from other files of the corpus. */
		qsort(im.keep, im.n_keep, sizeof *im.keep, cmp_i64);
		for (int i = 0; i < 3; i++) {
			size_t nd, nk;
			if (!(im.splits_seen & (1 << i)))
				continue;
			if (store_item_prune(st, im.dataset_id, split_names[i], im.keep, im.n_keep,
					     &nd, &nk, err))
				goto rollback;
			im.r.n_deleted += nd;
			im.r.n_kept += nk;
		}
	}
	/* The hash covers every byte, also any a reader stopped short of. */
	rd_drain(r);
	import_hash(r, o, hash);
	int64_t id2;
	if (store_dataset_upsert(st, name, label, im.format, hash, &id2, err))
		goto rollback;
	if (store_commit(st, err))
		goto out;
	im.r.dataset_id = im.dataset_id;
	snprintf(im.r.format, sizeof im.r.format, "%s", im.format);
	ret = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	store_item_bulk(st, 0);
	if (res)
		*res = im.r;
	if (ret && res)
		res->dataset_id = 0;
	free(name);
	free(im.keep);
	util_idset_release(&im.ids);
	return ret;
}

int dataset_import_file(struct store *st, const char *path, const struct dataset_import_opts *o,
			struct dataset_import_result *res, void (*on_skip)(void *u, const char *msg),
			void *u, char *err)
{
	struct dataset_import_opts none = {0};
	if (res)
		memset(res, 0, sizeof *res);
	if (!o)
		o = &none;
	FILE *f = fopen(path, "rb");
	if (!f)
		return util_err(err, "cannot open '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		return util_err(err, "cannot import '%s': it is a directory", path);
	}
	struct reader r;
	rd_init(&r, f, NULL, 0);
	int rc = import_run(st, &r, path, o, res, on_skip, u, err);
	rd_release(&r);
	fclose(f);
	return rc;
}

int dataset_import_mem(struct store *st, const char *data, size_t len, const char *label,
		       const struct dataset_import_opts *o, struct dataset_import_result *res,
		       void (*on_skip)(void *u, const char *msg), void *u, char *err)
{
	struct dataset_import_opts none = {0};
	if (res)
		memset(res, 0, sizeof *res);
	if (!o)
		o = &none;
	struct reader r;
	rd_init(&r, NULL, data, len);
	int rc = import_run(st, &r, label ? label : "(memory)", o, res, on_skip, u, err);
	rd_release(&r);
	return rc;
}
