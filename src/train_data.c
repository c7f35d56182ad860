/* train_data: what the student reads: question texts, explanation targets of
 * each variant, the corpus of a dataset split, the tokenizer fitted on it,
 * encoded examples, training sets and batches with per-position loss weights. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mentor/i18n.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "train_int.h"

/* ------------------------------------------------------------ texts */

int train_question_text(const char *question, const char *choices_json, struct buf *out, char *err)
{
	if (buf_puts(out, question ? question : ""))
		return util_err(err, "out of memory");
	if (!choices_json || !*choices_json)
		return 0;
	cJSON *a = cJSON_Parse(choices_json);
	if (!a || !cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return util_err(err, "invalid choices: not a JSON array");
	}
	int ret = 0;
	if (cJSON_GetArraySize(a) > 0 && buf_puts(out, "\nAnswer choices:"))
		ret = util_err(err, "out of memory");
	const cJSON *ch;
	cJSON_ArrayForEach(ch, a)
	{
		if (ret)
			break;
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(ch, "label");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(ch, "text");
		if (!cJSON_IsString(label) || !cJSON_IsString(text)) {
			ret = util_err(err, "invalid choices: each needs a label and a text");
			break;
		}
		if (buf_printf(out, " (%s) %s", label->valuestring, text->valuestring))
			ret = util_err(err, "out of memory");
	}
	cJSON_Delete(a);
	return ret;
}

/* Length of s without trailing white space. */
static size_t rtrim_len(const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* 1 if expl ends with "the answer is <answer>" (optional final period),
 * case-insensitive. */
static int ends_with_answer(const char *expl, const char *answer)
{
	size_t n = rtrim_len(expl);
	if (n && expl[n - 1] == '.')
		n--;
	size_t an = strlen(answer);
	if (an == 0 || n < an)
		return 0;
	if (strncasecmp(expl + n - an, answer, an))
		return 0;
	n -= an;
	while (n && expl[n - 1] == ' ')
		n--;
	static const char tail[] = "answer is";
	size_t tn = sizeof tail - 1;
	return n >= tn && !strncasecmp(expl + n - tn, tail, tn);
}

/* 1 if the last sentence of expl (n bytes) says "答えは" and holds answer. */
static int ends_with_answer_ja(const char *expl, size_t n, const char *answer)
{
	static const char stop[] = "。", says[] = "答えは";
	size_t from = 0;
	/* the last sentence: after the last 。 that is not the text's end */
	size_t end = n >= 3 && !memcmp(expl + n - 3, stop, 3) ? n - 3 : n;
	for (size_t i = 0; i + 3 <= end; i++)
		if (!memcmp(expl + i, stop, 3))
			from = i + 3;
	const char *s = util_memfind(expl + from, end - from, says, sizeof says - 1);
	return s && *answer &&
	       util_memfind(s, (size_t)(expl + end - s), answer, strlen(answer)) != NULL;
}

int train_exp_target_lang(int variant, int lang, const char *expl, const char *answer,
			  struct buf *out)
{
	if (lang != I18N_JA || (variant != TRAIN_MT_RA && variant != TRAIN_MT_COT))
		return train_exp_target(variant, expl, answer, out);
	size_t en = rtrim_len(expl);
	while (en && isspace((unsigned char)*expl)) {
		expl++;
		en--;
	}
	if (variant == TRAIN_MT_RA)
		return buf_puts(out, answer) || buf_puts(out, TRAIN_RA_JOIN_JA) ||
				       buf_append(out, expl, en)
			       ? MENTOR_ENOMEM
			       : 0;
	if (buf_append(out, expl, en))
		return MENTOR_ENOMEM;
	if (ends_with_answer_ja(expl, en, answer))
		return 0;
	static const char *const ends[] = {"。", "！", "？", ".", "!", "?"};
	int ended = 0;
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		size_t k = strlen(ends[i]);
		ended |= en >= k && !memcmp(expl + en - k, ends[i], k);
	}
	if (en && !ended && buf_puts(out, "。"))
		return MENTOR_ENOMEM;
	return buf_puts(out, TRAIN_COT_JOIN_JA) || buf_puts(out, answer) ||
			       buf_puts(out, TRAIN_COT_END_JA)
		       ? MENTOR_ENOMEM
		       : 0;
}

int train_exp_target(int variant, const char *expl, const char *answer, struct buf *out)
{
	size_t en = rtrim_len(expl);
	while (en && isspace((unsigned char)*expl)) {
		expl++;
		en--;
	}
	switch (variant) {
	case TRAIN_MT_RE: return buf_append(out, expl, en);
	case TRAIN_MT_RA:
		if (buf_puts(out, answer) || buf_puts(out, TRAIN_RA_JOIN))
			return MENTOR_ENOMEM;
		return buf_append(out, expl, en);
	case TRAIN_MT_COT:
		if (buf_append(out, expl, en))
			return MENTOR_ENOMEM;
		if (ends_with_answer(expl, answer))
			return 0;
		/* a sentence ends before "So" (an ideographic full stop will do) */
		if (en && !strchr(".!?", expl[en - 1]) &&
		    !(en >= 3 && (!memcmp(expl + en - 3, "\xe3\x80\x82", 3) ||
				  !memcmp(expl + en - 3, "\xef\xbc\x81", 3) ||
				  !memcmp(expl + en - 3, "\xef\xbc\x9f", 3))) &&
		    buf_putc(out, '.'))
			return MENTOR_ENOMEM;
		if (buf_puts(out, en ? TRAIN_COT_JOIN : &TRAIN_COT_JOIN[1]) ||
		    buf_puts(out, answer) || buf_putc(out, '.'))
			return MENTOR_ENOMEM;
		return 0;
	default: return MENTOR_EUSAGE;
	}
}

/* ------------------------------------------------------------ corpus */

void train_corpus_init(struct train_corpus *c)
{
	memset(c, 0, sizeof *c);
}

static void text_release(struct train_text *t)
{
	free(t->prompt);
	free(t->answer);
	free(t->answer_type);
	for (size_t i = 0; i < t->n_expl; i++)
		free(t->expl[i]);
	free(t->expl);
}

void train_corpus_release(struct train_corpus *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		text_release(&c->items[i]);
	free(c->items);
	memset(c, 0, sizeof *c);
}

static void text_add_expl(struct train_text *t, const char *s)
{
	if (!s)
		return;
	size_t n = rtrim_len(s);
	const char *p = s;
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (!n)
		return;
	for (size_t i = 0; i < t->n_expl; i++)
		if (strlen(t->expl[i]) == n && !memcmp(t->expl[i], p, n))
			return;
	char **na = realloc(t->expl, (t->n_expl + 1) * sizeof *na);
	if (!na)
		util_oom();
	t->expl = na;
	t->expl[t->n_expl++] = util_strndup(p, n);
}

static const char *expl_body(const struct store_expl *e)
{
	return e->edited_text && *e->edited_text ? e->edited_text : e->text;
}

static int item_explanations(struct store *st, const struct store_item *it, int source,
			     struct train_text *t, char *err)
{
	if (source == TRAIN_SRC_GOLD) {
		text_add_expl(t, it->gold_rationale);
		return 0;
	}
	struct store_expl *ex = NULL;
	size_t n = 0;
	if (store_expl_for_item(st, it->id, &ex, &n, err))
		return MENTOR_ERR;
	if (source == TRAIN_SRC_ACCEPTED) {
		/* in id order, so the order does not depend on the listing order */
		int64_t last = 0;
		for (;;) {
			const struct store_expl *next = NULL;
			for (size_t i = 0; i < n; i++) {
				const struct store_expl *e = &ex[i];
				if (store_review_parse(e->status) != STORE_REVIEW_ACCEPTED ||
				    e->id <= last)
					continue;
				if (!next || e->id < next->id)
					next = e;
			}
			if (!next)
				break;
			text_add_expl(t, expl_body(next));
			last = next->id;
		}
	} else {
		const char *mode = store_mode_name(source == TRAIN_SRC_COT  ? STORE_COT
						   : source == TRAIN_SRC_RP ? STORE_RP
									    : STORE_CROP);
		/* The newest trainable one of that mode, reviewed or not (for crop,
		 * the explanation kept last). Trainable leaves out what the method
		 * distrusts unless the operator accepted it: a COTE explanation
		 * with a wrong answer, a leaked RP one, a CROP attempt that RP
		 * replaced, and anything rejected. */
		const struct store_expl *best = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct store_expl *e = &ex[i];
			if (!e->mode || strcmp(e->mode, mode) || !store_expl_trainable(e))
				continue;
			if (!best || e->id > best->id)
				best = e;
		}
		if (best)
			text_add_expl(t, expl_body(best));
	}
	for (size_t i = 0; i < n; i++)
		store_expl_release(&ex[i]);
	free(ex);
	return 0;
}

int train_corpus_load(struct store *st, int64_t dataset_id, const char *split, int source,
		      struct train_corpus *out, char *err)
{
	train_corpus_init(out);
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	f.split = split;
	int64_t after = 0;
	size_t cap = 0;
	for (;;) {
		struct store_item *page = NULL;
		size_t n = 0;
		if (store_item_page(st, &f, 0, after, 500, &page, &n, err))
			goto fail;
		if (n == 0) {
			free(page);
			break;
		}
		int bad = 0;
		for (size_t i = 0; i < n; i++) {
			struct store_item *it = &page[i];
			after = it->id;
			if (bad)
				continue;
			if (out->n == cap) {
				cap = cap ? cap * 2 : 256;
				struct train_text *na = realloc(out->items, cap * sizeof *na);
				if (!na)
					util_oom();
				out->items = na;
			}
			struct train_text *t = &out->items[out->n];
			memset(t, 0, sizeof *t);
			struct buf q;
			buf_init(&q);
			char sub[MENTOR_ERR_LEN];
			if (train_question_text(it->question, it->choices_json, &q, sub)) {
				buf_release(&q);
				util_err(err, "cannot read item %lld: %s", (long long)it->id, sub);
				bad = 1;
				continue;
			}
			t->prompt = buf_detach(&q, NULL);
			if (!t->prompt)
				t->prompt = util_strdup("");
			t->item_id = it->id;
			t->answer = util_strdup(it->answer ? it->answer : "");
			t->answer_type = util_strdup(it->answer_type ? it->answer_type : "text");
			out->n++;
			if (item_explanations(st, it, source, t, err)) {
				bad = 1;
				continue;
			}
			out->n_expl += t->n_expl;
		}
		for (size_t i = 0; i < n; i++)
			store_item_release(&page[i]);
		free(page);
		if (bad)
			goto fail;
		if (n < 500)
			break;
	}
	return 0;
fail:
	train_corpus_release(out);
	return MENTOR_ERR;
}

int train_tokenizer_fit(const struct train_corpus *c, int variant, int vocab,
			struct tokenizer **out, char *err)
{
	size_t cap = 0, n = 0;
	const char **texts = NULL;
	size_t *lens = NULL;
	char **owned = NULL;
	size_t n_owned = 0;
	int ret = MENTOR_ERR;
	for (size_t i = 0; i < c->n; i++) {
		const struct train_text *t = &c->items[i];
		size_t need = 2 + (variant == TRAIN_BASELINE ? 0 : t->n_expl);
		if (n + need > cap) {
			cap = (n + need) * 2;
			const char **nt = realloc(texts, cap * sizeof *nt);
			if (!nt)
				util_oom();
			texts = nt;
			size_t *nl = realloc(lens, cap * sizeof *nl);
			if (!nl)
				util_oom();
			lens = nl;
			char **no = realloc(owned, cap * sizeof *no);
			if (!no)
				util_oom();
			owned = no;
		}
		texts[n] = t->prompt;
		lens[n++] = strlen(t->prompt);
		texts[n] = t->answer;
		lens[n++] = strlen(t->answer);
		if (variant == TRAIN_BASELINE)
			continue;
		for (size_t k = 0; k < t->n_expl; k++) {
			struct buf b;
			buf_init(&b);
			if (train_exp_target_lang(variant,
						  i18n_detect(t->prompt, strlen(t->prompt)),
						  t->expl[k], t->answer, &b)) {
				buf_release(&b);
				util_err(err, "out of memory");
				goto out;
			}
			char *s = buf_detach(&b, NULL);
			if (!s)
				s = util_strdup("");
			owned[n_owned++] = s;
			texts[n] = s;
			lens[n++] = strlen(s);
		}
	}
	char sub[MENTOR_ERR_LEN];
	if (tokenizer_train(texts, lens, n, (size_t)vocab, out, sub)) {
		util_err(err, "cannot train tokenizer: %s", sub);
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(texts);
	free(lens);
	return ret;
}

/* ------------------------------------------------------------ examples */

void train_example_release(struct train_example *ex)
{
	if (!ex)
		return;
	free(ex->tok);
	free(ex->target);
	memset(ex, 0, sizeof *ex);
}

const char *train_spelled_answer(const char *answer_type, const char *answer)
{
	if (!answer_type || strcmp(answer_type, STORE_ANS_TEXT) || !answer || !*answer ||
	    strlen(answer) > TRAIN_SPELL_MAX)
		return NULL;
	return answer;
}

static int word_char(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Encode target into out, spelling the whole-word occurrences of spell. */
static int encode_target(const struct tokenizer *t, const char *target, const char *spell,
			 struct tokenizer_ids *out, char *err)
{
	size_t sn = spell ? strlen(spell) : 0;
	const char *p = target, *from = target;
	while (sn && (p = strstr(p, spell)) != NULL) {
		int left = p == target || !word_char((unsigned char)p[-1]);
		int right = !word_char((unsigned char)p[sn]);
		if (!left || !right) {
			p++;
			continue;
		}
		if (tokenizer_encode(t, from, (size_t)(p - from), out, err) ||
		    tokenizer_encode_spelled(t, p, sn, out, err))
			return MENTOR_ERR;
		p += sn;
		from = p;
	}
	return tokenizer_encode(t, from, strlen(from), out, err);
}

int train_encode(const struct tokenizer *t, int task, const char *prompt, const char *target,
		 int n_ctx, struct train_example *ex, int *truncated, char *err)
{
	return train_encode_spelled(t, task, prompt, target, NULL, n_ctx, ex, truncated, err);
}

int train_encode_spelled(const struct tokenizer *t, int task, const char *prompt,
			 const char *target, const char *spell, int n_ctx, struct train_example *ex,
			 int *truncated, char *err)
{
	memset(ex, 0, sizeof *ex);
	if (truncated)
		*truncated = 0;
	if (n_ctx < 4)
		return util_err(err, "context of %d tokens is too short", n_ctx);
	struct tokenizer_ids q, tg;
	tokenizer_ids_init(&q);
	tokenizer_ids_init(&tg);
	int ret = MENTOR_ERR;
	if (tokenizer_encode(t, prompt, strlen(prompt), &q, err) ||
	    encode_target(t, target, spell, &tg, err))
		goto out;
	/* PREFIX q SEP tg EOS, at most n_ctx tokens */
	size_t qn = q.n, tn = tg.n + 1; /* target with EOS */
	size_t limit = (size_t)n_ctx;
	size_t qskip = 0;
	if (2 + qn + tn > limit) {
		size_t excess = 2 + qn + tn - limit;
		qskip = excess < qn ? excess : qn;
		excess -= qskip;
		tn -= excess; /* loses EOS first, then the end of the target */
		if (truncated)
			*truncated = 1;
	}
	size_t n = 2 + (qn - qskip) + tn;
	ex->tok = malloc(n * sizeof *ex->tok);
	ex->target = calloc(n, 1);
	if (!ex->tok || !ex->target)
		util_oom();
	size_t k = 0;
	ex->tok[k++] = tokenizer_special(t, task == TRAIN_TASK_ANS ? TOKENIZER_ANS : TOKENIZER_EXP);
	for (size_t i = qskip; i < qn; i++)
		ex->tok[k++] = q.ids[i];
	ex->tok[k++] = tokenizer_special(t, TOKENIZER_SEP);
	for (size_t i = 0; i < tn; i++) {
		ex->target[k] = 1;
		ex->tok[k++] = i < tg.n ? tg.ids[i] : tokenizer_special(t, TOKENIZER_EOS);
	}
	ex->n = n;
	ex->task = task;
	ret = 0;
out:
	tokenizer_ids_release(&q);
	tokenizer_ids_release(&tg);
	return ret;
}

void train_set_init(struct train_set *s)
{
	memset(s, 0, sizeof *s);
}

void train_set_release(struct train_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ans; i++)
		train_example_release(&s->ans[i]);
	for (size_t i = 0; i < s->n_exp; i++)
		train_example_release(&s->exp[i]);
	free(s->ans);
	free(s->exp);
	memset(s, 0, sizeof *s);
}

static uint64_t example_hash(const struct train_example *ex, uint64_t h)
{
	h = util_fnv1a(&ex->task, sizeof ex->task, h);
	h = util_fnv1a(ex->tok, ex->n * sizeof *ex->tok, h);
	return util_fnv1a(ex->target, ex->n, h);
}

int train_set_build(const struct train_corpus *c, int variant, const struct tokenizer *t, int n_ctx,
		    struct train_set *out, char *err)
{
	train_set_init(out);
	size_t n_exp = variant == TRAIN_BASELINE ? 0 : c->n_expl;
	out->ans = calloc(c->n ? c->n : 1, sizeof *out->ans);
	out->exp = calloc(n_exp ? n_exp : 1, sizeof *out->exp);
	if (!out->ans || !out->exp)
		util_oom();
	/* an identity of the data, not a checksum: the same basis as when
	 * runs were first checkpointed, so that they still resume */
	uint64_t h = UTIL_FNV1A_BASIS_V1;
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < c->n; i++) {
		const struct train_text *tx = &c->items[i];
		int trunc;
		struct train_example *ex = &out->ans[out->n_ans];
		const char *spell = train_spelled_answer(tx->answer_type, tx->answer);
		if (train_encode_spelled(t, TRAIN_TASK_ANS, tx->prompt, tx->answer, spell, n_ctx,
					 ex, &trunc, err))
			goto fail;
		ex->item_id = tx->item_id;
		out->n_ans++;
		out->n_truncated += (size_t)trunc;
		h = example_hash(ex, h);
		if (variant == TRAIN_BASELINE)
			continue;
		int lang = i18n_detect(tx->prompt, strlen(tx->prompt));
		for (size_t k = 0; k < tx->n_expl; k++) {
			buf_reset(&b);
			if (train_exp_target_lang(variant, lang, tx->expl[k], tx->answer, &b)) {
				util_err(err, "out of memory");
				goto fail;
			}
			ex = &out->exp[out->n_exp];
			if (train_encode_spelled(t, TRAIN_TASK_EXP, tx->prompt,
						 b.data ? b.data : "", spell, n_ctx, ex, &trunc,
						 err))
				goto fail;
			ex->item_id = tx->item_id;
			out->n_exp++;
			out->n_truncated += (size_t)trunc;
			h = example_hash(ex, h);
		}
	}
	buf_release(&b);
	out->hash = h;
	return 0;
fail:
	buf_release(&b);
	train_set_release(out);
	return MENTOR_ERR;
}

/* ------------------------------------------------------------ batches */

void train_batch_init(struct train_batch *b)
{
	memset(b, 0, sizeof *b);
}

void train_batch_release(struct train_batch *b)
{
	if (!b)
		return;
	free(b->inputs);
	free(b->targets);
	free(b->weights);
	free(b->task);
	memset(b, 0, sizeof *b);
}

int train_batch_fill(struct train_batch *out, const struct train_example *const *pick, int B,
		     int32_t pad, double w_ans_total, double w_exp_total, char *err)
{
	size_t maxn = 2;
	for (int b = 0; b < B; b++)
		if (pick[b]->n > maxn)
			maxn = pick[b]->n;
	int T = (int)(maxn - 1);
	size_t cells;
	if (util_mul_size((size_t)B, (size_t)T, &cells))
		return util_err(err, "batch too large");
	if ((size_t)out->B * (size_t)out->cap_T < cells) {
		free(out->inputs);
		free(out->targets);
		free(out->weights);
		free(out->task);
		out->inputs = malloc(cells * sizeof *out->inputs);
		out->targets = malloc(cells * sizeof *out->targets);
		out->weights = malloc(cells * sizeof *out->weights);
		out->task = malloc(cells);
		if (!out->inputs || !out->targets || !out->weights || !out->task)
			util_oom();
		out->cap_T = (int)(cells / (size_t)B);
	}
	out->B = B;
	out->T = T;
	out->n_tokens = 0;
	int64_t n_tgt[2] = {0, 0};
	for (int b = 0; b < B; b++) {
		const struct train_example *ex = pick[b];
		for (int t = 0; t < T; t++) {
			size_t i = (size_t)b * (size_t)T + (size_t)t;
			out->task[i] = (uint8_t)ex->task;
			if ((size_t)t + 1 < ex->n) {
				out->inputs[i] = ex->tok[t];
				out->n_tokens++;
				if (ex->target[t + 1]) {
					out->targets[i] = ex->tok[t + 1];
					n_tgt[ex->task]++;
				} else {
					out->targets[i] = -1;
				}
			} else {
				out->inputs[i] = pad;
				out->targets[i] = -1;
			}
		}
	}
	float w[2];
	w[0] = n_tgt[0] ? (float)(w_ans_total / (double)n_tgt[0]) : 0.0f;
	w[1] = n_tgt[1] ? (float)(w_exp_total / (double)n_tgt[1]) : 0.0f;
	size_t total = (size_t)B * (size_t)T;
	for (size_t i = 0; i < total; i++)
		out->weights[i] = out->targets[i] >= 0 ? w[out->task[i]] : 0.0f;
	return 0;
}

int32_t train_pad_id(const struct train_set *s)
{
	/* the pad id is not kept in the set: padding is never a target and its
	 * value only needs to be a valid id, so reuse the first token */
	return s->n_ans ? s->ans[0].tok[0] : 0;
}

int train_pick_examples(const struct train_set *s, int multi, struct rng *r, int B,
			const struct train_example **pick)
{
	int n_ans = multi ? (B + 1) / 2 : B;
	for (int b = 0; b < B; b++) {
		if (b < n_ans)
			pick[b] = &s->ans[rng_below(r, s->n_ans)];
		else
			pick[b] = &s->exp[rng_below(r, s->n_exp)];
	}
	return n_ans;
}

int train_batch_sample(const struct train_set *s, int variant, double alpha, struct rng *r, int B,
		       struct train_batch *out, char *err)
{
	if (B < 1 || B > 4096)
		return util_err(err, "invalid batch size %d", B);
	if (!s->n_ans)
		return util_err(err, "no training sequences");
	int multi = variant != TRAIN_BASELINE;
	if (multi && !s->n_exp)
		return util_err(err, "no explanation sequences for a multi-task variant");
	const struct train_example **pick = malloc((size_t)B * sizeof *pick);
	if (!pick)
		util_oom();
	int n_ans = train_pick_examples(s, multi, r, B, pick);
	int ret;
	if (!multi)
		ret = train_batch_fill(out, pick, B, train_pad_id(s), 1.0, 0.0, err);
	else if (n_ans == B) /* B == 1: the answer task alone */
		ret = train_batch_fill(out, pick, B, train_pad_id(s), 1.0, 0.0, err);
	else
		ret = train_batch_fill(out, pick, B, train_pad_id(s), alpha, 1.0 - alpha, err);
	free(pick);
	return ret;
}
