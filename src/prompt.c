/* prompt: templates (built-in and from files), demonstrations, rendering,
 * answer parsing and the leak heuristic. Text is UTF-8 throughout; parsing
 * first folds full-width ASCII (Ｂ, ４２, ：) to plain ASCII so English and
 * Japanese answers go through the same rules. */
#include "mentor/prompt.h"

#include "mentor/answer.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

static const char *const mode_names[PROMPT_N_MODES] = {"cot", "rp"};
static const char *const type_names[PROMPT_N_TYPES] = {"mc", "yesno", "number", "text"};

const char *prompt_mode_name(int mode)
{
	return mode >= 0 && mode < PROMPT_N_MODES ? mode_names[mode] : "?";
}

int prompt_type_index(const char *t)
{
	for (int i = 0; t && i < PROMPT_N_TYPES; i++)
		if (!strcmp(t, type_names[i]))
			return i;
	return -1;
}

const char *prompt_type_name(int i)
{
	return i >= 0 && i < PROMPT_N_TYPES ? type_names[i] : "text";
}

/* ------------------------------------------------------------ templates */

#define COT_HEAD                                                                                   \
	"Answer the question. First explain your reasoning step by step in a few "                 \
	"sentences, then end with one line \"So the answer is X.\" "
#define RP_HEAD                                                                                    \
	"The correct answer to the question is given. Explain step by step why it "                \
	"is correct, using the facts of the question; do not just restate the "                    \
	"answer. End with one line \"So the answer is X.\" "

#define COT_HEAD_JA                                                                                           \
	"次の問題に答えてください。まず考え方を数文で段階的に説明し、最後を" \
	"「したがって、答えは X です。」の 1 行で終えてください。"
#define RP_HEAD_JA                                                                                                  \
	"問題の正解が与えられています。問題文の事実を使って、それが正しい理由を" \
	"段階的に説明してください。答えを言い換えるだけにはしないでください。"    \
	"最後を「したがって、答えは X です。」の 1 行で終えてください。"

static const char *const defaults[I18N_N_LANGS][PROMPT_N_MODES][PROMPT_N_TYPES] = {
	{
		{
			COT_HEAD
			"where X is the label of one choice, such as (B).\n\n"
			"{{demos}}Question: {{question}}\nChoices:\n{{choices}}\nExplanation:",
			COT_HEAD "where X is yes or no.\n\n"
				 "{{demos}}Question: {{question}}\nExplanation:",
			COT_HEAD "where X is a number.\n\n"
				 "{{demos}}Question: {{question}}\nExplanation:",
			COT_HEAD "where X is a short answer.\n\n"
				 "{{demos}}Question: {{question}}\nExplanation:",
		},
		{
			RP_HEAD
			"where X is the label of the given choice.\n\n"
			"{{demos}}Question: {{question}}\nChoices:\n{{choices}}\nAnswer: {{answer}}\n"
			"Explanation:",
			RP_HEAD "where X is the given yes or no.\n\n"
				"{{demos}}Question: {{question}}\nAnswer: {{answer}}\nExplanation:",
			RP_HEAD "where X is the given number.\n\n"
				"{{demos}}Question: {{question}}\nAnswer: {{answer}}\nExplanation:",
			RP_HEAD "where X is the given answer.\n\n"
				"{{demos}}Question: {{question}}\nAnswer: {{answer}}\nExplanation:",
		},
	},
	{
		{
			COT_HEAD_JA "X は (B) のような選択肢の記号です。\n\n"
				    "{{demos}}問題: {{question}}\n選択肢:\n{{choices}}\n説明:",
			COT_HEAD_JA "X は「はい」か「いいえ」です。\n\n"
				    "{{demos}}問題: {{question}}\n説明:",
			COT_HEAD_JA "X は数値です。\n\n"
				    "{{demos}}問題: {{question}}\n説明:",
			COT_HEAD_JA "X は短い答えです。\n\n"
				    "{{demos}}問題: {{question}}\n説明:",
		},
		{
			RP_HEAD_JA
			"X は与えられた選択肢の記号です。\n\n"
			"{{demos}}問題: {{question}}\n選択肢:\n{{choices}}\n答え: {{answer}}\n"
			"説明:",
			RP_HEAD_JA "X は与えられた「はい」か「いいえ」です。\n\n"
				   "{{demos}}問題: {{question}}\n答え: {{answer}}\n説明:",
			RP_HEAD_JA "X は与えられた数値です。\n\n"
				   "{{demos}}問題: {{question}}\n答え: {{answer}}\n説明:",
			RP_HEAD_JA "X は与えられた答えです。\n\n"
				   "{{demos}}問題: {{question}}\n答え: {{answer}}\n説明:",
		},
	},
};

/* The words a rendered prompt adds around demonstrations, per language. */
static const struct {
	const char *question, *choices, *answer, *explanation, *so, *end, *stated;
	const char *yes, *no;
} words[I18N_N_LANGS] = {
	{"Question: ", "Choices:\n", "Answer: ", "Explanation: ", "So the answer is ", ".",
	 "answer is", "yes", "no"},
	{"問題: ", "選択肢:\n", "答え: ", "説明: ", "したがって、答えは ", " です。", "答えは",
	 "はい", "いいえ"},
};

static int lang_or_en(int lang)
{
	return lang == I18N_JA ? I18N_JA : I18N_EN;
}

static int type_or_text(const char *t)
{
	int i = prompt_type_index(t);
	return i < 0 ? 3 : i;
}

const char *prompt_default_template(int mode, const char *t)
{
	return prompt_default_template_lang(I18N_EN, mode, t);
}

const char *prompt_default_template_lang(int lang, int mode, const char *t)
{
	if (mode < 0 || mode >= PROMPT_N_MODES)
		mode = 0;
	return defaults[lang_or_en(lang)][mode][type_or_text(t)];
}

/* The slots of a set for a language. */
static char *(*slots(struct prompt_set *ps, int lang))[PROMPT_N_TYPES]
{
	return lang == I18N_JA ? ps->tmpl_ja : ps->tmpl;
}

static int (*file_flags(struct prompt_set *ps, int lang))[PROMPT_N_TYPES]
{
	return lang == I18N_JA ? ps->from_file_ja : ps->from_file;
}

/* Template slots of a set, numbered across languages, modes and types. */
#define N_SLOTS (I18N_N_LANGS * PROMPT_N_MODES * PROMPT_N_TYPES)

/* Slot i as language, mode and type, and the path of its file in dir
 * (MODE-TYPE.txt, MODE-TYPE.ja.txt) into p. 0 or MENTOR_ENOMEM. */
static int template_path(struct buf *p, const char *dir, int i, int *l, int *m, int *t)
{
	*l = i / (PROMPT_N_MODES * PROMPT_N_TYPES);
	*m = i / PROMPT_N_TYPES % PROMPT_N_MODES;
	*t = i % PROMPT_N_TYPES;
	return buf_printf(p, "%s/%s-%s%s.txt", dir, mode_names[*m], type_names[*t],
			  *l == I18N_JA ? ".ja" : "");
}

void prompt_set_init(struct prompt_set *ps)
{
	memset(ps, 0, sizeof *ps);
	for (int l = 0; l < I18N_N_LANGS; l++)
		for (int m = 0; m < PROMPT_N_MODES; m++)
			for (int t = 0; t < PROMPT_N_TYPES; t++)
				slots(ps, l)[m][t] = util_strdup(defaults[l][m][t]);
}

void prompt_set_release(struct prompt_set *ps)
{
	if (!ps)
		return;
	for (int l = 0; l < I18N_N_LANGS; l++)
		for (int m = 0; m < PROMPT_N_MODES; m++)
			for (int t = 0; t < PROMPT_N_TYPES; t++) {
				free(slots(ps, l)[m][t]);
				slots(ps, l)[m][t] = NULL;
			}
}

int prompt_set_load_dir(struct prompt_set *ps, const char *dir, char *err)
{
	if (!dir)
		return 0;
	for (int i = 0; i < N_SLOTS; i++) {
		struct buf p;
		buf_init(&p);
		int l, m, t;
		if (template_path(&p, dir, i, &l, &m, &t))
			return util_err(err, "cannot load prompts: out of memory");
		struct stat sb;
		if (stat(p.data, &sb) != 0) {
			buf_release(&p);
			continue;
		}
		size_t len;
		char sub[MENTOR_ERR_LEN];
		char *text = util_read_file(p.data, PROMPT_MAX_TEMPLATE, &len, sub);
		if (!text) {
			util_err(err, "cannot load prompt template: %s", sub);
			buf_release(&p);
			return MENTOR_ERR;
		}
		size_t bad;
		if (!util_utf8_valid(text, len, 1, &bad)) {
			util_err(err,
				 "cannot load prompt template '%s': invalid "
				 "UTF-8 at byte %zu",
				 p.data, bad);
			free(text);
			buf_release(&p);
			return MENTOR_ERR;
		}
		/* A trailing newline left by an editor is not part of the prompt. */
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		free(slots(ps, l)[m][t]);
		slots(ps, l)[m][t] = text;
		file_flags(ps, l)[m][t] = 1;
		buf_release(&p);
	}
	return 0;
}

const char *prompt_set_get(const struct prompt_set *ps, int mode, const char *t)
{
	return prompt_set_get_lang(ps, I18N_EN, mode, t);
}

const char *prompt_set_get_lang(const struct prompt_set *ps, int lang, int mode, const char *t)
{
	if (mode < 0 || mode >= PROMPT_N_MODES)
		mode = 0;
	const char *s = lang == I18N_JA ? ps->tmpl_ja[mode][type_or_text(t)]
					: ps->tmpl[mode][type_or_text(t)];
	return s ? s : prompt_default_template_lang(lang, mode, t);
}

char *prompt_default_dir(void)
{
	return util_user_config_path("prompts");
}

/* mkdir -p */
static int make_dirs(const char *dir, char *err)
{
	char *p = util_strdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			util_err(err, "cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return MENTOR_ERR;
		}
		*s = '/';
	}
	int ok = mkdir(p, 0755) == 0 || errno == EEXIST;
	if (!ok)
		util_err(err, "cannot create directory '%s': %s", p, strerror(errno));
	free(p);
	return ok ? 0 : MENTOR_ERR;
}

int prompt_write_defaults(const char *dir, int overwrite, int *written, char *err)
{
	if (written)
		*written = 0;
	if (!dir || !*dir)
		return util_err(err, "cannot write prompts: no directory");
	if (make_dirs(dir, err))
		return MENTOR_ERR;
	for (int i = 0; i < N_SLOTS; i++) {
		struct buf p;
		buf_init(&p);
		int l, m, t;
		if (template_path(&p, dir, i, &l, &m, &t))
			return util_err(err, "cannot write prompts: out of memory");
		struct stat sb;
		if (!overwrite && stat(p.data, &sb) == 0) {
			buf_release(&p);
			continue;
		}
		struct buf body;
		buf_init(&body);
		buf_puts(&body, defaults[l][m][t]);
		buf_putc(&body, '\n');
		int rc = util_write_file_atomic(p.data, body.data, body.len, err);
		buf_release(&body);
		buf_release(&p);
		if (rc)
			return MENTOR_ERR;
		if (written)
			(*written)++;
	}
	return 0;
}

/* --------------------------------------------------------- demonstrations */

size_t prompt_pick_demos(const struct prompt_example *cands, size_t n, int64_t self_id, size_t k,
			 uint64_t seed, size_t *out)
{
	if (!n || !k)
		return 0;
	size_t bytes;
	if (util_mul_size(n, sizeof(size_t), &bytes))
		return 0;
	size_t *order = malloc(bytes);
	if (!order)
		util_oom();
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)rng_below(&r, (uint64_t)i + 1);
		size_t tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	size_t got = 0;
	for (size_t i = 0; i < n && got < k; i++) {
		const struct prompt_example *c = &cands[order[i]];
		if (c->id == self_id || (c->split && !strcmp(c->split, "test")) || !c->rationale ||
		    !*c->rationale)
			continue;
		out[got++] = order[i];
	}
	free(order);
	return got;
}

/* ---------------------------------------------------------------- render */

/* Append "(A) text" lines of a choices array; returns 0 if there were none. */
static int put_choices(struct buf *b, const char *choices_json)
{
	if (!choices_json)
		return 0;
	cJSON *arr = cJSON_Parse(choices_json);
	int n = 0;
	if (cJSON_IsArray(arr)) {
		const cJSON *c;
		cJSON_ArrayForEach(c, arr)
		{
			const char *label = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "label"));
			const char *text = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "text"));
			if (!label)
				continue;
			buf_printf(b, "%s(%s) %s", n ? "\n" : "", label, text ? text : "");
			n++;
		}
	}
	cJSON_Delete(arr);
	return n > 0;
}

/* Text of the choice with this label (heap) or NULL. */
static char *choice_text(const char *choices_json, const char *label)
{
	if (!choices_json || !label)
		return NULL;
	cJSON *arr = cJSON_Parse(choices_json);
	char *out = NULL;
	const cJSON *c;
	if (cJSON_IsArray(arr))
		cJSON_ArrayForEach(c, arr)
		{
			const char *l = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "label"));
			const char *t = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "text"));
			if (l && t && !strcasecmp(l, label)) {
				out = util_strdup(t);
				break;
			}
		}
	cJSON_Delete(arr);
	return out;
}

/* The answer as the prompts show it: "(B)" for mc, yes/no in the prompt's
 * language, the gold otherwise. */
static void put_answer(struct buf *b, const struct prompt_example *e, int with_text, int lang)
{
	const char *a = e->answer ? e->answer : "";
	if (e->answer_type && !strcmp(e->answer_type, "yesno") &&
	    (!strcmp(a, "yes") || !strcmp(a, "no"))) {
		buf_puts(b, a[0] == 'y' ? words[lang].yes : words[lang].no);
	} else if (e->answer_type && !strcmp(e->answer_type, "mc")) {
		buf_printf(b, "(%s)", a);
		if (with_text) {
			char *t = choice_text(e->choices_json, a);
			if (t)
				buf_printf(b, " %s", t);
			free(t);
		}
	} else {
		buf_puts(b, a);
	}
}

static void put_demo(struct buf *b, int lang, int mode, const struct prompt_example *d)
{
	buf_printf(b, "%s%s\n", words[lang].question, d->question ? d->question : "");
	struct buf ch;
	buf_init(&ch);
	if (put_choices(&ch, d->choices_json))
		buf_printf(b, "%s%s\n", words[lang].choices, ch.data);
	buf_release(&ch);
	if (mode == PROMPT_RP) {
		buf_puts(b, words[lang].answer);
		put_answer(b, d, 1, lang);
		buf_putc(b, '\n');
	}
	const char *r = d->rationale ? d->rationale : "";
	while (*r == ' ' || *r == '\n')
		r++;
	size_t rl = strlen(r);
	while (rl && (r[rl - 1] == ' ' || r[rl - 1] == '\n'))
		rl--;
	buf_puts(b, words[lang].explanation);
	buf_append(b, r, rl);
	/* A rationale that already states its answer is not given a second one. */
	char *has = prompt_parse_answer(d->rationale, d->answer_type, d->choices_json);
	if (!has || (!strstr(r, words[I18N_EN].stated) && !strstr(r, words[I18N_JA].stated))) {
		buf_putc(b, '\n');
		buf_puts(b, words[lang].so);
		put_answer(b, d, 0, lang);
		buf_puts(b, words[lang].end);
	}
	free(has);
	buf_puts(b, "\n\n");
}

int prompt_render(const char *tmpl, int mode, const struct prompt_example *target,
		  const struct prompt_example *demos, size_t n_demos, struct buf *out, char *err)
{
	return prompt_render_lang(tmpl, I18N_EN, mode, target, demos, n_demos, out, err);
}

int prompt_render_lang(const char *tmpl, int lang, int mode, const struct prompt_example *target,
		       const struct prompt_example *demos, size_t n_demos, struct buf *out,
		       char *err)
{
	lang = lang_or_en(lang);
	struct buf b;
	buf_init(&b);
	b.limit = PROMPT_MAX_PROMPT;
	const char *p = tmpl ? tmpl : "";
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(open - p));
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			buf_puts(&b, open);
			break;
		}
		size_t nl = (size_t)(close - open - 2);
		const char *name = open + 2;
		if (nl == 5 && !memcmp(name, "demos", 5)) {
			for (size_t i = 0; i < n_demos; i++)
				put_demo(&b, lang, mode, &demos[i]);
		} else if (nl == 8 && !memcmp(name, "question", 8)) {
			buf_puts(&b, target->question ? target->question : "");
		} else if (nl == 7 && !memcmp(name, "choices", 7)) {
			put_choices(&b, target->choices_json);
		} else if (nl == 6 && !memcmp(name, "answer", 6)) {
			put_answer(&b, target, 1, lang);
		} else {
			buf_append(&b, open, nl + 4);
		}
		p = close + 2;
	}
	if (!b.data || b.len >= PROMPT_MAX_PROMPT) {
		buf_release(&b);
		return util_err(err, "cannot build prompt: longer than %zu bytes",
				PROMPT_MAX_PROMPT);
	}
	int rc = buf_append(out, b.data, b.len);
	buf_release(&b);
	return rc ? util_err(err, "cannot build prompt: out of memory") : 0;
}

/* --------------------------------------------------------------- parsing */

static int ieq_prefix(const char *s, const char *pre)
{
	for (; *pre; s++, pre++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*pre))
			return 0;
	return 1;
}

/* Markers after which the answer follows; the latest one in the text wins. */
static const char *const markers[] = {
	"answer is", "answer:", "answer -", "answer would be", "answer will be", "答えは",
	"答え:",     "答:",     "正解は",   "正解:",           "解答は",         "解答:",
};

/* Start of the text after the last marker, or NULL. */
static const char *after_marker(const char *s)
{
	const char *best = NULL;
	for (const char *p = s; *p; p++)
		for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++)
			if (ieq_prefix(p, markers[m])) {
				const char *e = p + strlen(markers[m]);
				if (!best || e > best)
					best = e;
			}
	return best;
}

/* The answer segment: after the last marker up to the end of its sentence
 * (newline, '.' not followed by a digit, "です"), at most 200 bytes.
 * Without a marker, the whole text if it is short (a bare "Yes", "42").
 * Heap string or NULL. */
static char *segment(const char *folded)
{
	const char *s = after_marker(folded);
	if (!s) {
		const char *t = folded;
		while (isspace((unsigned char)*t))
			t++;
		if (strlen(t) > 48)
			return NULL;
		s = t;
	}
	while (*s == ' ' || *s == ':' || *s == '\t' || *s == '=' || (*s == '-' && s[1] == ' '))
		s++;
	const char *e = s;
	while (*e && (size_t)(e - s) < 200) {
		if (*e == '\n')
			break;
		if (*e == '.' && !isdigit((unsigned char)e[1]))
			break;
		if (!strncmp(e, "です", strlen("です")))
			break;
		e++;
	}
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s)
		return NULL;
	return util_strndup(s, (size_t)(e - s));
}

/* Plain decimal form of a number written with digits, optional sign,
 * thousands commas and a fraction: strips commas, leading zeros, trailing
 * fractional zeros, "-0" -> "0". s points at the number; *end is set past
 * it. NULL if no digit. */
static char *number_at(const char *s, const char **end)
{
	struct buf b;
	buf_init(&b);
	const char *p = s;
	int neg = 0;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	while (*p == '$' || *p == ' ')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) {
		*end = s + 1;
		return NULL;
	}
	struct buf ip, fp;
	buf_init(&ip);
	buf_init(&fp);
	while (isdigit((unsigned char)*p) ||
	       (*p == ',' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		isdigit((unsigned char)p[3]) && !isdigit((unsigned char)p[4]))) {
		if (*p != ',')
			buf_putc(&ip, *p);
		p++;
	}
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		while (isdigit((unsigned char)*p))
			buf_putc(&fp, *p++);
	}
	*end = p;
	const char *i = ip.data ? ip.data : "";
	while (*i == '0' && i[1])
		i++;
	size_t fl = fp.len;
	while (fl && fp.data[fl - 1] == '0')
		fl--;
	int zero = (!*i || !strcmp(i, "0")) && fl == 0;
	if (neg && !zero)
		buf_putc(&b, '-');
	buf_puts(&b, *i ? i : "0");
	if (fl) {
		buf_putc(&b, '.');
		buf_append(&b, fp.data, fl);
	}
	buf_release(&ip);
	buf_release(&fp);
	return buf_detach(&b, NULL);
}

/* First number in seg (after the last '=' if there is one). */
static char *parse_number(const char *seg)
{
	const char *eq = strrchr(seg, '=');
	const char *p = eq ? eq + 1 : seg;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p) ||
		    ((*p == '-' || *p == '.') && (isdigit((unsigned char)p[1]) ||
						  (p[1] == '$' && isdigit((unsigned char)p[2]))))) {
			const char *e;
			/* A '-' joined to a word before it is a hyphen, not a sign. */
			if (*p == '-' && p > seg && isalnum((unsigned char)p[-1]))
				continue;
			char *r = number_at(p, &e);
			if (r) {
				/* through the importer's normaliser, so that a
				 * parsed answer is always one a gold answer can
				 * be (it refuses numbers over 64 characters) */
				char *n = answer_normalise("number", r);
				free(r);
				return n;
			}
		}
	}
	return NULL;
}

/* The normalised labels of a choices array (heap array of heap strings,
 * free with free_labels) or NULL when there are none. */
static char **labels_of(const char *choices_json, size_t *n)
{
	*n = 0;
	cJSON *arr = choices_json ? cJSON_Parse(choices_json) : NULL;
	int size = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	char **v = size > 0 ? calloc((size_t)size, sizeof *v) : NULL;
	const cJSON *c;
	if (v)
		cJSON_ArrayForEach(c, arr)
		{
			char *l = answer_label(
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "label")));
			if (l)
				v[(*n)++] = l;
		}
	cJSON_Delete(arr);
	if (!*n) {
		free(v);
		return NULL;
	}
	return v;
}

static void free_labels(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The label named at the start of seg: "(B)", "[b]", "B", "option 10",
 * "**OPT1**" (markdown already folded away), "イ": one of the choices'
 * labels, or any single ASCII letter when the labels are unknown. Else a
 * choice's exact text gives its label. Heap string or NULL. */
static char *parse_mc(const char *seg, const char *choices_json)
{
	size_t nl;
	char **labels = labels_of(choices_json, &nl);
	const char *p = seg;
	char *out = NULL;
	while (*p == ' ' || *p == ':' || *p == '"' || *p == '\'')
		p++;
	if (ieq_prefix(p, "option ") || ieq_prefix(p, "choice "))
		p += 7;
	while (*p == ' ')
		p++;
	int par = *p == '(' || *p == '[';
	const char *l = p + par;
	size_t chars, n = answer_label_span(l, &chars);
	if (n >= 1 && chars <= ANSWER_MAX_LABEL) {
		char next = l[n];
		/* a whole token (the run ends at a non-label character) */
		int whole = par ? (next == ')' || next == ']') : 1;
		/* "a pen" is an article, not the label a. */
		if (!par && n == 1 && *l == 'a' && next == ' ')
			whole = 0;
		char *tok = util_strndup(l, n);
		for (char *q = tok; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		int known = 0;
		for (size_t i = 0; i < nl && !known; i++)
			known = !strcmp(labels[i], tok);
		if (whole && (labels ? known
				     : n == 1 && isalpha((unsigned char)*tok) &&
					       !((unsigned char)*tok & 0x80)))
			out = tok;
		else
			free(tok);
	}
	if (!out && choices_json) {
		/* The answer written as a choice's text. */
		cJSON *arr = cJSON_Parse(choices_json);
		const cJSON *c;
		size_t sl = strlen(seg);
		while (sl && strchr(". \"')", seg[sl - 1]))
			sl--;
		while (sl && strchr("\"'(", *seg))
			seg++, sl--;
		if (cJSON_IsArray(arr))
			cJSON_ArrayForEach(c, arr)
			{
				const char *lab = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(c, "label"));
				const char *t = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(c, "text"));
				if (lab && t && *t && strlen(t) == sl && !strncasecmp(seg, t, sl)) {
					out = answer_label(lab);
					break;
				}
			}
		cJSON_Delete(arr);
	}
	free_labels(labels, nl);
	return out;
}

static char *parse_yesno(const char *seg)
{
	const char *p = seg;
	while (*p == ' ' || *p == '"' || *p == '\'' || *p == '(')
		p++;
	static const char *const yes[] = {"yes", "true", "はい", "正しい"};
	static const char *const no[] = {"no", "false", "いいえ", "誤り"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(yes[i]);
		if (ieq_prefix(p, yes[i]) && !isalpha((unsigned char)p[n]))
			return util_strdup("yes");
		n = strlen(no[i]);
		if (ieq_prefix(p, no[i]) && !isalpha((unsigned char)p[n]))
			return util_strdup("no");
	}
	return NULL;
}

char *prompt_normalise_answer(const char *type, const char *s)
{
	/* One normaliser for import and answer parsing (answer.h). */
	return answer_normalise(type, s);
}

char *prompt_parse_answer(const char *text, const char *type, const char *choices_json)
{
	if (!text || !*text)
		return NULL;
	size_t tl = strlen(text);
	if (tl > PROMPT_MAX_PROMPT || !util_utf8_valid(text, tl, 1, NULL))
		return NULL;
	char *f = answer_fold(text, 1);
	char *seg = segment(f);
	char *r = NULL;
	if (seg) {
		switch (prompt_type_index(type)) {
		case 0: r = parse_mc(seg, choices_json); break;
		case 1: r = parse_yesno(seg); break;
		case 2: r = parse_number(seg); break;
		default: {
			size_t n = strlen(seg);
			while (n && (seg[n - 1] == '.' || seg[n - 1] == ' '))
				seg[--n] = '\0';
			r = answer_clean_text(seg);
		}
		}
	}
	free(seg);
	free(f);
	return r;
}

int prompt_answers_equal(const char *type, const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	if (prompt_type_index(type) == 3 || prompt_type_index(type) < 0)
		return strcasecmp(a, b) == 0;
	return strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------ leak */

static const char *const circular[] = {
	"because it is the answer",
	"because it's the answer",
	"because it is the correct answer",
	"because it's the correct answer",
	"because that is the answer",
	"because that is the correct answer",
	"because it is correct",
	"because it's correct",
	"since it is the answer",
	"since it is the correct answer",
	"as it is the answer",
	"as it is the correct answer",
	"because the answer says so",
	"because it is given",
	"because we are told",
	"as given",
	"as stated in the answer",
	"答えだから",
	"正解だから",
	"答えなので",
	"正解なので",
	"答えであるため",
	"正解であるため",
};

/* Phrases that treat the answer as handed over, wherever they stand: an RP
 * text that speaks of "the provided answer" restates the hint however much
 * of the question it also repeats. */
static const char *const handed_over[] = {
	"the given answer",        "the provided answer",     "the answer provided",
	"the expected answer",     "the answer is given",     "the answer we were given",
	"the answer we are given", "the answer we were told", "we are told the answer",
	"we were told the answer", "the hint says",           "as the hint",
	"与えられた答え",          "与えられた正解",
};

static const char *const openings[] = {
	"since the answer is",
	"because the answer is",
	"given that the answer is",
	"given the answer",
	"as the answer is",
	"the answer is given",
	"we are told",
	"we know the answer is",
	"we are given that the answer",
	"knowing the answer",
	"the given answer",
	"答えが",
	"正解が",
};

static const char *const stop[] = {
	"the",     "a",         "an",          "is",     "are",   "was",    "be",      "so",
	"because", "since",     "therefore",   "thus",   "hence", "answer", "correct", "right",
	"option",  "choice",    "it",          "its",    "it's",  "that",   "this",    "of",
	"to",      "as",        "we",          "know",   "which", "and",    "or",      "given",
	"yes",     "no",        "true",        "false",  "final", "must",   "should",  "therefore",
	"clearly", "obviously", "explanation", "reason", "in",    "on",     "by",      "for",
	"with",    "label",     "letter",
};

static int is_stop(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
		if (strlen(stop[i]) == n && !strncmp(stop[i], w, n))
			return 1;
	return 0;
}

/* Blank out (with spaces) every case-insensitive occurrence of needle. */
static void blank(char *s, const char *needle)
{
	size_t n = needle ? strlen(needle) : 0;
	if (!n)
		return;
	for (char *p = s; *p; p++)
		if (ieq_prefix(p, needle))
			memset(p, ' ', n);
}

int prompt_leaked(const char *text, const char *gold, const char *type, const char *choices_json)
{
	if (!text)
		return 0;
	char *f = answer_fold(text, 1);
	for (char *p = f; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int leaked = 0;
	for (size_t i = 0; i < sizeof circular / sizeof circular[0] && !leaked; i++)
		if (strstr(f, circular[i]))
			leaked = 1;
	for (size_t i = 0; i < sizeof handed_over / sizeof handed_over[0] && !leaked; i++)
		if (strstr(f, handed_over[i]))
			leaked = 1;
	const char *t = f;
	while (*t && (isspace((unsigned char)*t) || *t == '"'))
		t++;
	for (size_t i = 0; i < sizeof openings / sizeof openings[0] && !leaked; i++)
		if (ieq_prefix(t, openings[i]))
			leaked = 1;
	if (!leaked) {
		/* Remove the answer in its usual forms, then count what is left. */
		if (gold) {
			char *g = answer_fold(gold, 1);
			if (type && !strcmp(type, "mc")) {
				char lab[ANSWER_MAX_LABEL + 3];
				snprintf(lab, sizeof lab, "(%s)", g);
				blank(f, lab);
				char *ct = choice_text(choices_json, gold);
				if (ct) {
					char *fc = answer_fold(ct, 1);
					blank(f, fc);
					free(fc);
					free(ct);
				}
			} else {
				blank(f, g);
			}
			free(g);
		}
		size_t content = 0, cjk = 0;
		const unsigned char *p = (const unsigned char *)f;
		size_t n = strlen(f);
		for (size_t i = 0; i < n;) {
			if (isalnum(p[i])) {
				size_t j = i;
				while (j < n && (isalnum(p[j]) || p[j] == '\''))
					j++;
				size_t wl = j - i;
				int single_label = wl == 1 && isalpha(p[i]);
				if (!is_stop((const char *)p + i, wl) && !single_label)
					content++;
				i = j;
			} else if (p[i] >= 0x80) {
				uint32_t cp;
				int k = util_utf8_decode(p + i, n - i, &cp);
				/* CJK ideographs, kana and hangul carry content; punctuation does not. */
				if ((cp >= 0x3040 && cp <= 0x30FF) ||
				    (cp >= 0x4E00 && cp <= 0x9FFF) ||
				    (cp >= 0xAC00 && cp <= 0xD7AF) ||
				    (cp >= 0x3400 && cp <= 0x4DBF))
					cjk++;
				else if (cp == 0xD7 || cp == 0xF7)
					content++; /* x and / signs: a computation */
				i += (size_t)k;
			} else {
				/* Arithmetic is reasoning: each operator counts. */
				if (strchr("+*/=", p[i]) ||
				    (p[i] == '-' && i > 0 && p[i - 1] == ' '))
					content++;
				i++;
			}
		}
		content += cjk / 2;
		if (content < PROMPT_LEAK_MIN_CONTENT)
			leaked = 1;
	}
	free(f);
	return leaked;
}
