/* eval: greedy answers of a trained student (see include/mentor/eval.h):
 * the direct answer of the answer task, the explanation task's text and the
 * answer read back from it, stored per item with accuracies per split. */
#include "mentor/eval.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mentor/check.h"
#include "mentor/model.h"
#include "mentor/student.h"
#include "mentor/prompt.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

struct eval_model {
	struct student *m;
	const struct tokenizer *t;
	struct tokenizer *owned_tok; /* set when loaded from a checkpoint */
	int owned_model;
	int variant;
	int max_new;
};

/* ------------------------------------------------------------ parsing */

static char *trimmed_copy(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return util_strndup(s, n);
}

/* First number in s ("-12", "1,200", "3.5"), heap copy or NULL. */
static char *first_number(const char *s)
{
	for (const char *p = s; *p; p++) {
		int neg = *p == '-' && isdigit((unsigned char)p[1]);
		if (!neg && !isdigit((unsigned char)*p))
			continue;
		const char *q = p + (neg ? 1 : 0);
		while (isdigit((unsigned char)*q) ||
		       ((*q == ',' || *q == '.') && isdigit((unsigned char)q[1])))
			q++;
		return util_strndup(p, (size_t)(q - p));
	}
	return NULL;
}

/* First word of s (letters, digits, '-', '(' ')'), heap copy or NULL. */
static char *first_word(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	const char *e = s;
	while (*e && !isspace((unsigned char)*e) && *e != '.' && *e != ',')
		e++;
	return e > s ? util_strndup(s, (size_t)(e - s)) : NULL;
}

char *eval_normalise(const char *answer_type, const char *text)
{
	if (!text)
		return NULL;
	char *t = trimmed_copy(text, strlen(text));
	/* a final period is punctuation, not part of the answer */
	size_t n = strlen(t);
	while (n && (t[n - 1] == '.' || isspace((unsigned char)t[n - 1])))
		t[--n] = 0;
	if (!*t) {
		free(t);
		return NULL;
	}
	const char *type = answer_type ? answer_type : STORE_ANS_TEXT;
	char *r = prompt_normalise_answer(type, t);
	if (!r && !strcmp(type, STORE_ANS_NUMBER)) {
		char *num = first_number(t);
		if (num)
			r = prompt_normalise_answer(type, num);
		free(num);
	} else if (!r && strcmp(type, STORE_ANS_TEXT)) {
		char *w = first_word(t);
		if (w)
			r = prompt_normalise_answer(type, w);
		free(w);
	}
	free(t);
	return r;
}

/* Case-insensitive search for needle; last occurrence when last. */
static const char *find_ci(const char *hay, const char *needle, int last)
{
	size_t nn = strlen(needle);
	const char *found = NULL;
	for (const char *p = hay; *p; p++) {
		if (!strncasecmp(p, needle, nn)) {
			found = p;
			if (!last)
				break;
		}
	}
	return found;
}

char *eval_parse_expl_answer(int variant, const char *text, const char *answer_type)
{
	if (!text)
		return NULL;
	if (variant == TRAIN_MT_COT) {
		/* the teacher's parser: "So the answer is X." and its variants */
		if (!find_ci(text, "answer", 1) && !find_ci(text, "\xe7\xad\x94", 1))
			return NULL;
		return prompt_parse_answer(text, answer_type, NULL);
	}
	if (variant == TRAIN_MT_RA) {
		/* the answer ends at the first join, English or Japanese */
		const char *join = &TRAIN_RA_JOIN[1]; /* "because " */
		const char *p = find_ci(text, join, 0), *ja = strstr(text, "。理由");
		if (ja && (!p || ja < p))
			p = ja;
		size_t n = p ? (size_t)(p - text) : strlen(text);
		const char *e = memchr(text, '\n', n);
		if (e)
			n = (size_t)(e - text);
		char *cand = util_strndup(text, n);
		char *r = eval_normalise(answer_type, cand);
		free(cand);
		return r;
	}
	return NULL;
}

/* ------------------------------------------------------------ models */

struct eval_model *eval_model_wrap(struct student *m, const struct tokenizer *t, int variant,
				   int max_new)
{
	struct eval_model *em = calloc(1, sizeof *em);
	if (!em)
		util_oom();
	em->m = m;
	em->t = t;
	em->variant = variant;
	em->max_new = max_new;
	return em;
}

void eval_model_free(struct eval_model *em)
{
	if (!em)
		return;
	if (em->owned_model)
		student_free(em->m);
	tokenizer_free(em->owned_tok);
	free(em);
}

int eval_model_variant(const struct eval_model *em)
{
	return em->variant;
}

int eval_model_load(const char *ckpt_path, struct eval_model **out, char *err)
{
	struct train_ckpt ck;
	*out = NULL;
	if (train_ckpt_load(ckpt_path, 0, &ck, err))
		return MENTOR_ERR;
	struct student *m = NULL;
	char sub[MENTOR_ERR_LEN];
	if (train_ckpt_student(&ck, &m, sub)) {
		util_err(err, "cannot load checkpoint '%s': %s", ckpt_path, sub);
		train_ckpt_release(&ck);
		return MENTOR_ERR;
	}
	struct eval_model *em = eval_model_wrap(m, ck.tok, ck.cfg.variant, ck.cfg.max_new);
	em->owned_model = 1;
	em->owned_tok = ck.tok;
	ck.tok = NULL;
	model_set_threads(ck.cfg.threads);
	train_ckpt_release(&ck);
	*out = em;
	return 0;
}

const struct tokenizer *eval_model_tokenizer(const struct eval_model *em)
{
	return em->t;
}

int eval_model_vocab_size(const struct eval_model *em)
{
	return student_config_vocab_size(student_get_config(em->m));
}

int eval_prompt_ids(const struct eval_model *em, int task, const char *text, size_t len,
		    struct tokenizer_ids *out, size_t *dropped, char *err)
{
	if (dropped)
		*dropped = 0;
	if (task != EVAL_PROMPT_RAW && task != TRAIN_TASK_ANS && task != TRAIN_TASK_EXP) {
		util_err(err, "unknown prompt task %d", task);
		return MENTOR_EUSAGE;
	}
	const struct tokenizer *t = em->t;
	size_t n_ctx = (size_t)student_config_max_seq_len(student_get_config(em->m));
	struct tokenizer_ids q;
	tokenizer_ids_init(&q);
	int rc = tokenizer_encode(t, text, len, &q, err);
	if (rc) {
		tokenizer_ids_release(&q);
		return rc;
	}
	size_t wrap = task == EVAL_PROMPT_RAW ? 0 : 2; /* PREFIX and SEP */
	if (wrap == 0 && q.n == 0) {
		tokenizer_ids_release(&q);
		util_err(err, "the prompt is empty: it encodes to no token");
		return MENTOR_EUSAGE;
	}
	/* keep the end of the text, next to where the model goes on */
	size_t room = n_ctx > wrap ? n_ctx - wrap : 0;
	size_t skip = q.n > room ? q.n - room : 0;
	if (dropped)
		*dropped = skip;
	int prefix = task == TRAIN_TASK_ANS ? TOKENIZER_ANS : TOKENIZER_EXP;
	if (wrap)
		rc = tokenizer_ids_push(out, tokenizer_special(t, prefix));
	for (size_t i = skip; i < q.n && !rc; i++)
		rc = tokenizer_ids_push(out, q.ids[i]);
	if (wrap && !rc)
		rc = tokenizer_ids_push(out, tokenizer_special(t, TOKENIZER_SEP));
	tokenizer_ids_release(&q);
	if (rc)
		util_err(err, "out of memory");
	return rc;
}

int eval_next_logits(struct eval_model *em, const int32_t *ids, size_t n, const float **logits,
		     char *err)
{
	const struct student_config *c = student_get_config(em->m);
	int max_seq_len = student_config_max_seq_len(c);
	*logits = NULL;
	if (n < 1 || n > (size_t)max_seq_len) {
		util_err(err, "cannot run the model on %zu tokens: the context holds 1..%d", n,
			 max_seq_len);
		return MENTOR_EUSAGE;
	}
	int rc = student_forward(em->m, ids, NULL, NULL, 1, (int)n, NULL, err);
	if (rc)
		return rc;
	*logits = student_logits(em->m) + (n - 1) * (size_t)student_config_vocab_size(c);
	return 0;
}

void eval_answer_release(struct eval_answer *a)
{
	if (!a)
		return;
	free(a->raw);
	free(a->answer);
	free(a->expl);
	free(a->expl_answer);
	memset(a, 0, sizeof *a);
}

/* Generate the target of one task for prompt: PREFIX prompt SEP, the start
 * of the prompt cut so that `room` tokens fit after it. */
static int generate(struct eval_model *em, int task, const char *prompt, size_t room, char **text,
		    char *err)
{
	const struct tokenizer *t = em->t;
	int n_ctx = student_config_max_seq_len(student_get_config(em->m));
	struct tokenizer_ids q;
	tokenizer_ids_init(&q);
	int32_t *seq = NULL, *out = NULL;
	int ret = MENTOR_ERR;
	if (tokenizer_encode(t, prompt, strlen(prompt), &q, err))
		goto out;
	if (room > (size_t)n_ctx / 2)
		room = (size_t)n_ctx / 2;
	if (room < 1)
		room = 1;
	size_t max_prompt = (size_t)n_ctx - room; /* tokens incl. prefix and SEP */
	size_t skip = q.n + 2 > max_prompt ? q.n + 2 - max_prompt : 0;
	if (skip > q.n)
		skip = q.n;
	size_t n = 2 + q.n - skip;
	seq = malloc(n * sizeof *seq);
	out = malloc(room * sizeof *out);
	if (!seq || !out)
		util_oom();
	size_t k = 0;
	seq[k++] = tokenizer_special(t, task == TRAIN_TASK_ANS ? TOKENIZER_ANS : TOKENIZER_EXP);
	for (size_t i = skip; i < q.n; i++)
		seq[k++] = q.ids[i];
	seq[k++] = tokenizer_special(t, TOKENIZER_SEP);
	size_t n_out = 0;
	if (student_generate(em->m, seq, n, tokenizer_special(t, TOKENIZER_EOS), room, out, &n_out,
			     NULL, err))
		goto out;
	struct buf b;
	buf_init(&b);
	if (tokenizer_decode(t, out, n_out, TOKENIZER_DECODE_SKIP_SPECIAL, &b, err)) {
		buf_release(&b);
		goto out;
	}
	*text = buf_detach(&b, NULL);
	if (!*text)
		*text = util_strdup("");
	ret = 0;
out:
	free(seq);
	free(out);
	tokenizer_ids_release(&q);
	return ret;
}

int eval_answer_question(struct eval_model *em, const char *prompt, const char *answer_type,
			 struct eval_answer *out, char *err)
{
	memset(out, 0, sizeof *out);
	if (generate(em, TRAIN_TASK_ANS, prompt, EVAL_MAX_ANSWER_TOKENS, &out->raw, err))
		return MENTOR_ERR;
	out->answer = eval_normalise(answer_type, out->raw);
	if (em->variant == TRAIN_BASELINE)
		return 0;
	int n_ctx = student_config_max_seq_len(student_get_config(em->m));
	size_t room = em->max_new > 0 ? (size_t)em->max_new : (size_t)n_ctx;
	if (generate(em, TRAIN_TASK_EXP, prompt, room, &out->expl, err)) {
		eval_answer_release(out);
		return MENTOR_ERR;
	}
	out->expl_answer = eval_parse_expl_answer(em->variant, out->expl, answer_type);
	return 0;
}

/* ------------------------------------------------------------ a split */

static int same_answer(const char *type, const char *pred, const char *gold)
{
	if (!pred || !gold)
		return 0;
	char *g = prompt_normalise_answer(type, gold);
	int same = prompt_answers_equal(type, pred, g ? g : gold);
	free(g);
	return same;
}

static void result_finish(struct eval_result *res)
{
	if (res->n) {
		res->acc = (double)res->n_correct / (double)res->n;
		if (res->has_expl_answer)
			res->expl_acc = (double)res->n_expl_correct / (double)res->n;
	}
}

int eval_corpus(struct eval_model *em, const struct train_corpus *c, size_t n,
		struct eval_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	res->acc = res->expl_acc = NAN;
	res->has_expl_answer = em->variant == TRAIN_MT_COT || em->variant == TRAIN_MT_RA;
	if (n > c->n)
		n = c->n;
	for (size_t i = 0; i < n; i++) {
		const struct train_text *tx = &c->items[i];
		struct eval_answer a;
		if (eval_answer_question(em, tx->prompt, tx->answer_type, &a, err))
			return MENTOR_ERR;
		res->n++;
		res->n_correct += same_answer(tx->answer_type, a.answer, tx->answer);
		if (res->has_expl_answer)
			res->n_expl_correct += same_answer(tx->answer_type, a.expl_answer,
							   tx->answer);
		eval_answer_release(&a);
	}
	result_finish(res);
	return 0;
}

int eval_items(struct store *st, int64_t run_id, struct eval_model *em, const char *split,
	       eval_progress_fn progress, void *u, struct eval_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	snprintf(res->split, sizeof res->split, "%s", split);
	res->acc = res->expl_acc = NAN;
	res->has_expl_answer = em->variant == TRAIN_MT_COT || em->variant == TRAIN_MT_RA;
	struct store_run r;
	if (store_run_get(st, run_id, &r, err))
		return MENTOR_ERR;
	struct train_corpus items;
	if (train_corpus_load(st, r.dataset_id, split, TRAIN_SRC_GOLD, &items, err)) {
		store_run_release(&r);
		return MENTOR_ERR;
	}
	int ret = 0;
	/* answers are generated outside any transaction (a generation can take
	 * seconds) and written a batch at a time, so writers elsewhere in the
	 * workspace never wait on this run's decoding */
	enum { BATCH = 32 };
	struct eval_answer ans[BATCH];
	struct store_pred preds[BATCH];
	size_t nb = 0;
	for (size_t i = 0; i < items.n && !ret; i++) {
		const struct train_text *tx = &items.items[i];
		struct eval_answer *a = &ans[nb];
		if (eval_answer_question(em, tx->prompt, tx->answer_type, a, err)) {
			ret = MENTOR_ERR;
			break;
		}
		struct store_pred *p = &preds[nb++];
		memset(p, 0, sizeof *p);
		p->run_id = run_id;
		p->item_id = tx->item_id;
		p->split = (char *)split;
		p->answer = a->answer ? a->answer : a->raw;
		p->correct = same_answer(tx->answer_type, a->answer, tx->answer);
		p->cot_text = a->expl;
		p->cot_answer = a->expl_answer;
		p->cot_correct = res->has_expl_answer
					 ? same_answer(tx->answer_type, a->expl_answer, tx->answer)
					 : -1;
		res->n++;
		res->n_correct += p->correct;
		if (p->cot_correct > 0)
			res->n_expl_correct++;
		int stop = progress && progress(u, (int64_t)i + 1, (int64_t)items.n);
		if (nb == BATCH || i + 1 == items.n || stop) {
			if (store_begin(st, err)) {
				ret = MENTOR_ERR;
			} else {
				for (size_t j = 0; j < nb && !ret; j++)
					if (store_pred_put(st, &preds[j], err))
						ret = MENTOR_ERR;
				if (ret)
					store_rollback(st);
				else if (store_commit(st, err))
					ret = MENTOR_ERR;
			}
			for (size_t j = 0; j < nb; j++)
				eval_answer_release(&ans[j]);
			nb = 0;
		}
		if (stop && !ret)
			ret = MENTOR_ECANCEL;
	}
	for (size_t j = 0; j < nb; j++)
		eval_answer_release(&ans[j]);
	result_finish(res);
	if (!ret && res->n) {
		char name[32];
		snprintf(name, sizeof name, "acc_%s", split);
		double t = 0;
		if (store_metric_add(st, run_id, r.step, t, name, res->acc, err))
			ret = MENTOR_ERR;
		snprintf(name, sizeof name, "acc_expl_%s", split);
		if (!ret && res->has_expl_answer &&
		    store_metric_add(st, run_id, r.step, t, name, res->expl_acc, err))
			ret = MENTOR_ERR;
	}
	train_corpus_release(&items);
	store_run_release(&r);
	return ret;
}

int eval_run(struct store *st, int64_t run_id, const char *split, eval_progress_fn progress,
	     void *u, struct eval_result *res, char *err)
{
	struct store_run r;
	int rc = store_run_get(st, run_id, &r, err);
	if (rc)
		return rc;
	struct buf path;
	buf_init(&path);
	rc = train_run_ckpt_find(st, &r, &path, err);
	store_run_release(&r);
	struct eval_model *em = NULL;
	if (!rc)
		rc = eval_model_load(path.data, &em, err);
	buf_release(&path);
	if (rc)
		return rc;
	rc = eval_items(st, run_id, em, split, progress, u, res, err);
	eval_model_free(em);
	return rc;
}

/* ------------------------------------------------------------ checks */

static int reasoning_wrong(int verdict)
{
	return verdict == CHECK_WRONG_STEP || verdict == CHECK_ANSWER_DOES_NOT_FOLLOW ||
	       verdict == CHECK_TRACE_DIVERGES;
}

int eval_check_run(struct store *st, int64_t run_id, const char *split, struct eval_check *out,
		   char *err)
{
	memset(out, 0, sizeof *out);
	out->sound_share = NAN;
	struct store_pred *p = NULL;
	size_t n = 0;
	int rc = store_pred_list(st, run_id, &p, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (!p[i].cot_text || (split && (!p[i].split || strcmp(p[i].split, split))))
			continue;
		struct store_item it;
		rc = store_item_get(st, p[i].item_id, &it, err);
		if (rc)
			break;
		struct check_input in = {p[i].cot_text, strlen(p[i].cot_text), it.question,
					 p[i].cot_answer, it.trace_json};
		struct check_result r;
		rc = check_explanation(&in, &r, err);
		if (!rc) {
			out->n++;
			out->n_sound += check_verdict_sound(r.verdict);
			out->n_no_steps += r.verdict == CHECK_NO_STEPS;
			out->n_right_wrong += p[i].cot_correct == 1 && reasoning_wrong(r.verdict);
		}
		check_result_release(&r);
		store_item_release(&it);
	}
	for (size_t i = 0; i < n; i++)
		store_pred_release(&p[i]);
	free(p);
	if (!rc && out->n)
		out->sound_share = (double)out->n_sound / (double)out->n;
	return rc;
}

/* ------------------------------------------------------------ training */

static int hook_dev(struct student *m, const struct tokenizer *t, int variant, int max_new,
		    const struct train_corpus *dev, size_t n, double *acc, double *acc_expl,
		    char *err)
{
	struct eval_model *em = eval_model_wrap(m, t, variant, max_new);
	struct eval_result res;
	int rc = eval_corpus(em, dev, n, &res, err);
	eval_model_free(em);
	if (rc)
		return rc;
	*acc = res.acc;
	*acc_expl = res.expl_acc;
	return 0;
}

static int hook_final(struct store *st, int64_t run_id, struct student *m,
		      const struct tokenizer *t, int variant, int max_new, const char *split,
		      int (*progress)(void *u, int64_t done, int64_t todo), void *u, char *err)
{
	struct eval_model *em = eval_model_wrap(m, t, variant, max_new);
	struct eval_result res;
	int rc = eval_items(st, run_id, em, split, progress, u, &res, err);
	eval_model_free(em);
	return rc;
}

const struct train_eval_hooks *eval_train_hooks(void)
{
	static const struct train_eval_hooks hooks = {hook_dev, hook_final};
	return &hooks;
}
