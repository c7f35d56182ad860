/* cli_predict: `mentor predict`, a trained model asked one question: its
 * answer and explanation, or with --logits the next-token distribution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/cli.h"
#include "mentor/eval.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

/* ------------------------------------------------------------ predict */

static const struct cli_option predict_opts[] = {
	{"--choices", NULL, "JSON", "multiple-choice options: [{\"label\":\"A\",\"text\":\"...\"}]",
	 NULL},
	{"--type", NULL, "T", "answer type: number | yesno | mc | text (default: the dataset's)",
	 "number yesno mc text"},
	{"--logits", NULL, NULL,
	 "print the model's scores for the token after TEXT instead: TEXT exactly as given, "
	 "encoded by the run's tokenizer, no prefix or separator added (the prompt other tools "
	 "see for the same text); a prompt longer than the context keeps its last tokens",
	 NULL},
	{"--top", NULL, "K", "with --logits: the K highest logits, highest first (default 10)",
	 NULL},
	{"--all", NULL, NULL, "with --logits: every logit, in token id order", NULL},
	{"--task", NULL, "T",
	 "with --logits: ans | exp: wrap TEXT as the run was trained, <|ans|>TEXT<|sep|> or "
	 "<|exp|>TEXT<|sep|> (--choices adds the answer choices to TEXT, as for a question)",
	 "ans exp"},
	{"--json", NULL, NULL,
	 "print JSON: \"answer\", \"raw\", \"explanation\" and \"explanation_answer\"; with "
	 "--logits {\"ids\": [prompt ids], \"dropped\": N, \"logits\": [{\"id\": .., \"token\": "
	 "\"..\", \"logit\": ..}, ...]}, and with --all \"logits\" is the plain list of every "
	 "logit in id order",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_predict = {
	.name = "predict",
	.fn = cli_predict,
	.summary = "ask a trained model a question",
	.usage = "mentor predict RUN QUESTION [--choices JSON] [--type T] [--json]\n"
		 "mentor predict RUN TEXT --logits [--top K | --all] [--task ans|exp]\n"
		 "   [--choices JSON] [--json]",
	.about = "Ask a trained run (id or name) a question: prints its direct answer and,\n"
		 "for the multi-task variants, its explanation (and the answer read from it).\n"
		 "A QUESTION that starts with '-' goes after '--'.",
	.opts = predict_opts,
	.more = "Token ids are the run's own; \"token\" is spelled as in the exported\n"
		"vocabularies (GPT-2's byte alphabet: a space is \"\u0120\", U+0120).",
};

/* The id printed for token id of t. The run's ids for now; where a model
 * file's vocabulary is ordered differently, its own id will be shown. */
/* The ids predict --logits prints: the model file's own numbering (GPT-2's
 * ids for an imported GPT-2; mentor's ids for its own models), with the
 * tokens the file does not have (mentor's added specials) numbered after the
 * file's last id, in mentor's order. shown[id] for each model id; order[k]
 * the model id shown as k (-1 for a file id mentor has no token for). */
struct shown_ids {
	int32_t *shown, *order;
	int32_t n; /* ids shown: file tokens + added ones */
};

static void shown_ids_build(const struct tokenizer *t, int V, struct shown_ids *m)
{
	int32_t top = -1;
	for (int32_t i = 0; i < V; i++) {
		int32_t f = tokenizer_file_id(t, i);
		if (f > top)
			top = f;
	}
	m->shown = malloc((size_t)V * sizeof *m->shown);
	int32_t extra = 0;
	for (int32_t i = 0; i < V; i++)
		extra += tokenizer_file_id(t, i) < 0;
	m->n = top + 1 + extra;
	m->order = malloc((size_t)(m->n > 0 ? m->n : 1) * sizeof *m->order);
	if (!m->shown || !m->order)
		util_oom();
	for (int32_t k = 0; k < m->n; k++)
		m->order[k] = -1;
	int32_t next = top + 1;
	for (int32_t i = 0; i < V; i++) {
		int32_t f = tokenizer_file_id(t, i);
		m->shown[i] = f >= 0 ? f : next++;
		m->order[m->shown[i]] = i;
	}
}

static void shown_ids_release(struct shown_ids *m)
{
	free(m->shown);
	free(m->order);
}

/* The token as the exported vocabularies spell it: specials as their text,
 * the others in GPT-2's byte-to-unicode alphabet (always valid UTF-8). */
static void token_spelling(const struct tokenizer *t, int32_t id, struct buf *out)
{
	size_t len;
	const char *p = tokenizer_token(t, id, &len);
	buf_reset(out);
	if (!p)
		return;
	if (tokenizer_is_special(t, id)) {
		if (buf_append(out, p, len))
			util_oom();
		return;
	}
	for (size_t i = 0; i < len; i++) {
		char c[3];
		modelio_byte_char((unsigned char)p[i], c);
		if (buf_puts(out, c))
			util_oom();
	}
}

static void json_logit(FILE *f, float v)
{
	/* %.9g gives the float back exactly; JSON has no NaN or infinity */
	if (isfinite(v))
		fprintf(f, "%.9g", (double)v);
	else
		fputs("null", f);
}

struct ranked {
	int32_t id;
	float logit;
};

/* Highest logit first, NaN last, then the smaller id. */
static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int xn = isnan(x->logit), yn = isnan(y->logit);
	if (xn != yn)
		return xn - yn;
	if (!xn && x->logit != y->logit)
		return x->logit > y->logit ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* What predict --logits prints. top 0 means every logit in id order. */
struct logits_opts {
	int task; /* EVAL_PROMPT_RAW, TRAIN_TASK_ANS or TRAIN_TASK_EXP */
	long top;
	int json;
};

static void print_logits(struct cli *c, const struct tokenizer *t, const struct tokenizer_ids *ids,
			 size_t dropped, const float *logits, int V, const struct logits_opts *o)
{
	FILE *f = c->out;
	struct buf sp;
	buf_init(&sp);
	struct shown_ids sh;
	shown_ids_build(t, V, &sh);
	size_t n = o->top > 0 && o->top < V ? (size_t)o->top : (size_t)sh.n;
	struct ranked *r = malloc((size_t)V * sizeof *r);
	if (!r)
		util_oom();
	/* every model id once: ranked by logit, or in the shown numbering */
	size_t nr = 0;
	for (int32_t k = 0; k < sh.n; k++)
		if (sh.order[k] >= 0)
			r[nr++] = (struct ranked){sh.order[k], logits[sh.order[k]]};
	if (o->top > 0)
		qsort(r, nr, sizeof *r, cmp_ranked);
	if (o->json) {
		fputs("{\"ids\":[", f);
		for (size_t i = 0; i < ids->n; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)sh.shown[ids->ids[i]]);
		fprintf(f, "],\"dropped\":%zu,\"logits\":[", dropped);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', f);
			if (o->top == 0) {
				/* in the file's order; null where mentor has no token */
				if (sh.order[i] < 0)
					fputs("null", f);
				else
					json_logit(f, logits[sh.order[i]]);
				continue;
			}
			token_spelling(t, r[i].id, &sp);
			fprintf(f, "{\"id\":%d,\"token\":", (int)sh.shown[r[i].id]);
			cli_json_str(f, sp.data ? sp.data : "");
			fputs(",\"logit\":", f);
			json_logit(f, r[i].logit);
			fputc('}', f);
		}
		fputs("]}\n", f);
		goto out;
	}
	fprintf(f, "prompt: %zu token%s", ids->n, ids->n == 1 ? "" : "s");
	if (dropped)
		fprintf(f, " (the first %zu cut to fit the context)", dropped);
	fputs(":", f);
	for (size_t i = 0; i < ids->n; i++)
		fprintf(f, " %d", (int)sh.shown[ids->ids[i]]);
	fputc('\n', f);
	if (o->top > 0)
		fprintf(f, "next-token logits, top %zu of %d:\n%6s %7s %12s  %s\n", n, V, "rank",
			"id", "logit", "token");
	else
		fprintf(f, "next-token logits, all %d in id order:\n%7s %12s  %s\n", V, "id",
			"logit", "token");
	if (o->top == 0)
		n = nr;
	for (size_t i = 0; i < n; i++) {
		if (o->top > 0)
			fprintf(f, "%6zu ", i + 1);
		fprintf(f, "%7d %12.6f  ", (int)sh.shown[r[i].id], (double)r[i].logit);
		/* the token's bytes, quoted: '"' and '\\' escaped as in C, anything
		 * unsafe for a terminal as a visible escape */
		size_t len;
		const char *p = tokenizer_token(t, r[i].id, &len);
		buf_reset(&sp);
		for (size_t k = 0; p && k < len; k++)
			if (p[k] ? ((p[k] == '"' || p[k] == '\\') && buf_putc(&sp, '\\')) ||
					    buf_putc(&sp, p[k])
				 : buf_puts(&sp, "\\x00"))
				util_oom();
		fputc('"', f);
		util_term_put(f, sp.data ? sp.data : "", UTIL_PUT_ESC, NULL, 0);
		fputs("\"\n", f);
	}
out:
	free(r);
	shown_ids_release(&sh);
	buf_release(&sp);
}

/* The model of run ref (id or name) for predict, and its dataset (may be
 * NULL): 0, MENTOR_ENOTFOUND for an unknown run, or MENTOR_ERR. */
static int run_model(struct store *st, const char *ref, struct eval_model **em, int64_t *dataset_id,
		     char *err)
{
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc)
		return rc;
	if (dataset_id)
		*dataset_id = r.dataset_id;
	struct buf path;
	buf_init(&path);
	rc = train_run_ckpt_find(st, &r, &path, err);
	if (!rc)
		rc = eval_model_load(path.data, em, err);
	buf_release(&path);
	store_run_release(&r);
	return rc ? MENTOR_ERR : 0;
}

/* predict --logits: load the run, build the prompt, one forward. */
static int predict_logits(struct cli *c, const char *ref, const char *text,
			  const struct logits_opts *o)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	int status = CLI_ERR;
	struct eval_model *em = NULL;
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	int rc = run_model(st, ref, &em, NULL, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
		goto out;
	}
	size_t dropped;
	const float *logits;
	rc = eval_prompt_ids(em, o->task, text, strlen(text), &ids, &dropped, err);
	if (!rc)
		rc = eval_next_logits(em, ids.ids, ids.n, &logits, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		goto out;
	}
	print_logits(c, eval_model_tokenizer(em), &ids, dropped, logits, eval_model_vocab_size(em),
		     o);
	status = CLI_OK;
out:
	tokenizer_ids_release(&ids);
	eval_model_free(em);
	store_close(st);
	return status;
}

int cli_predict(struct cli *c, int argc, char **argv)
{
	struct cli_args ca;
	if (cli_parse(c, &cli_cmd_predict, argc, argv, &ca))
		return ca.exit;
	const char *ref = cli_pos(&ca, 0), *question = cli_pos(&ca, 1);
	const char *choices = cli_arg(&ca, "--choices"), *type = cli_arg(&ca, "--type");
	const char *top = cli_arg(&ca, "--top"), *task = cli_arg(&ca, "--task");
	int json = cli_arg(&ca, "--json") != NULL, logits = cli_arg(&ca, "--logits") != NULL;
	int all = cli_arg(&ca, "--all") != NULL;
	if (cli_npos(&ca) > 2)
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'", cli_pos(&ca, 2));
	if (!ref || !question)
		return cli_error(c, CLI_USAGE,
				 "give a run and a question; see 'mentor predict "
				 "--help'");
	if (!logits && (top || all || task))
		return cli_error(c, CLI_USAGE,
				 "'%s' goes with --logits; see 'mentor predict "
				 "--help'",
				 top   ? "--top"
				 : all ? "--all"
				       : "--task");
	if (logits) {
		struct logits_opts o = {EVAL_PROMPT_RAW, 10, json};
		if (type)
			return cli_error(c, CLI_USAGE, "'--type' does not go with --logits");
		if (top && all)
			return cli_error(c, CLI_USAGE, "give either --top or --all, not both");
		if (top && cli_opt_long(c, "--top", top, 1, MODEL_MAX_VOCAB, &o.top))
			return CLI_USAGE;
		if (all)
			o.top = 0;
		if (task && !strcmp(task, "ans"))
			o.task = TRAIN_TASK_ANS;
		else if (task && !strcmp(task, "exp"))
			o.task = TRAIN_TASK_EXP;
		else if (task)
			return cli_error(c, CLI_USAGE, "invalid task '%s': expected ans or exp",
					 task);
		if (choices && !task)
			return cli_error(c, CLI_USAGE,
					 "'--choices' needs --task: the raw prompt "
					 "is TEXT as given");
		if (!task)
			return predict_logits(c, ref, question, &o);
		char err[MENTOR_ERR_LEN];
		struct buf q;
		buf_init(&q);
		if (train_question_text(question, choices, &q, err)) {
			buf_release(&q);
			return cli_error(c, CLI_USAGE, "%s", err);
		}
		int rc = predict_logits(c, ref, q.data ? q.data : "", &o);
		buf_release(&q);
		return rc;
	}
	if (type && strcmp(type, STORE_ANS_NUMBER) && strcmp(type, STORE_ANS_YESNO) &&
	    strcmp(type, STORE_ANS_MC) && strcmp(type, STORE_ANS_TEXT))
		return cli_error(c, CLI_USAGE,
				 "invalid type '%s': expected number, yesno, mc or "
				 "text",
				 type);
	char err[MENTOR_ERR_LEN];
	struct buf prompt;
	buf_init(&prompt);
	if (train_question_text(question, choices, &prompt, err)) {
		buf_release(&prompt);
		return cli_error(c, CLI_USAGE, "%s", err);
	}
	struct store *st = store_open_existing(c->db_path, err);
	if (!st) {
		buf_release(&prompt);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	int status = CLI_ERR;
	struct eval_model *em = NULL;
	char *dtype = NULL;
	int64_t dataset_id;
	int rc = run_model(st, ref, &em, &dataset_id, err);
	if (rc) {
		status = cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
		goto out;
	}
	dtype = type ? util_strdup(type) : store_dataset_answer_type(st, dataset_id);
	struct eval_answer ans;
	if (eval_answer_question(em, prompt.data ? prompt.data : "", dtype, &ans, err)) {
		status = cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	if (json) {
		fputs("{\"answer\":", c->out);
		cli_json_str(c->out, ans.answer);
		fputs(",\"raw\":", c->out);
		cli_json_str(c->out, ans.raw);
		fputs(",\"explanation\":", c->out);
		cli_json_str(c->out, ans.expl);
		fputs(",\"explanation_answer\":", c->out);
		cli_json_str(c->out, ans.expl_answer);
		fputs("}\n", c->out);
	} else {
		fputs("answer: ", c->out);
		util_term_put(c->out, ans.answer ? ans.answer : ans.raw, UTIL_PUT_ESC, NULL, 0);
		fputc('\n', c->out);
		if (ans.expl) {
			fputs("explanation: ", c->out);
			util_term_put(c->out, ans.expl, UTIL_PUT_ESC, NULL, 0);
			fputc('\n', c->out);
		}
		if (ans.expl_answer || eval_model_variant(em) == TRAIN_MT_COT ||
		    eval_model_variant(em) == TRAIN_MT_RA) {
			fputs("answer from the explanation: ", c->out);
			util_term_put(c->out, ans.expl_answer ? ans.expl_answer : "(none)",
				      UTIL_PUT_ESC, NULL, 0);
			fputc('\n', c->out);
		}
	}
	eval_answer_release(&ans);
	status = CLI_OK;
out:
	free(dtype);
	eval_model_free(em);
	buf_release(&prompt);
	store_close(st);
	return status;
}
