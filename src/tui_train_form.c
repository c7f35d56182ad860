/* tui_train_form: the Train screen's new-run form. Its fields (dataset,
 * variant, alpha, source, starting model, preset and shape, budget, batch,
 * seed, learning rate, vocabulary, evaluation split), cycled or edited as
 * numbers, the count of examples the choice yields, the configuration it
 * makes and the launch of the run through the workspace's queue. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_train_int.h"

static const char *const field_label[N_FIELDS] = {"dataset", "variant", "alpha",  "source",
						  "start",   "preset",  "layers", "width",
						  "heads",   "context", "budget", "steps",
						  "batch",   "seed",    "lr",     "vocab",
						  "eval on", ""};
static const char *const presets[] = {"tiny", "small", "base", "custom"};
static const char *const budgets[] = {"steps", "minutes"};
static const char *const evals[] = {"test", "dev", "none"};


/* ------------------------------------------------------------ form */

void tui_train_form_defaults(struct train *s)
{
	struct form *f = &s->f;
	memset(f, 0, sizeof *f);
	struct train_config c;
	train_config_defaults(&c);
	char err[MENTOR_ERR_LEN];
	train_config_preset(&c, "tiny", err);
	f->variant = TRAIN_MT_COT;
	f->source = TRAIN_SRC_GOLD;
	f->alpha = c.alpha;
	f->preset = 0;
	f->layers = c.n_layer;
	f->width = c.n_embd;
	f->heads = c.n_head;
	f->context = c.n_ctx;
	f->steps = (long)c.steps;
	f->minutes = 5;
	f->batch = c.batch;
	f->seed = (long)c.seed;
	f->lr = c.lr;
	f->vocab = c.vocab;
	f->count_ds = -1;
}

static void form_sync_preset(struct form *f)
{
	if (f->preset >= 3)
		return;
	struct train_config c;
	train_config_defaults(&c);
	char err[MENTOR_ERR_LEN];
	if (train_config_preset(&c, presets[f->preset], err))
		return;
	f->layers = c.n_layer;
	f->width = c.n_embd;
	f->heads = c.n_head;
	f->context = c.n_ctx;
}

/* Count the training examples of the form's dataset and source. */
void tui_train_form_count(struct train *s)
{
	struct form *f = &s->f;
	if (!s->n_ds || f->ds >= (int)s->n_ds)
		return;
	int64_t id = s->ds[f->ds].id;
	if (f->count_ds == id && f->count_src == f->source)
		return;
	f->count_ds = id;
	f->count_src = f->source;
	f->count_err[0] = '\0';
	struct train_corpus c;
	char err[MENTOR_ERR_LEN];
	if (train_corpus_load(s->st, id, "train", f->source, &c, err)) {
		snprintf(f->count_err, sizeof f->count_err, "%s", err);
		f->n_items = f->n_with = f->n_expl = 0;
		return;
	}
	f->n_items = (long)c.n;
	f->n_with = 0;
	for (size_t i = 0; i < c.n; i++)
		f->n_with += c.items[i].n_expl > 0;
	f->n_expl = (long)c.n_expl;
	train_corpus_release(&c);
}

/* Runs a new run can start from: finished internal runs (trained here or
 * imported), which have a checkpoint. */
static int start_candidate(const struct runv *v)
{
	return store_run_status_parse(v->r.status) == STORE_RUN_DONE &&
	       !strcmp(v->r.kind, "internal");
}

static const struct runv *find_run_c(const struct train *s, int64_t id)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (s->runs[i].r.id == id)
			return &s->runs[i];
	return NULL;
}

/* "fresh model", or the starting run's name and shape. */
static void start_value(const struct train *s, char *b, size_t n)
{
	const struct runv *v = s->f.start ? find_run_c(s, s->f.start) : NULL;
	if (!v) {
		snprintf(b, n, "%s", tui_tr(s->app, "fresh model"));
		return;
	}
	struct train_config c;
	char err[MENTOR_ERR_LEN];
	if (train_config_from_json(v->r.config_json, &c, err))
		snprintf(b, n, "%s", v->r.name);
	else
		snprintf(b, n, "%s (%s%dx%d, %d tok)", v->r.name,
			 c.arch == STUDENT_LLAMA ? "llama " : "", c.n_layer, c.n_embd, c.vocab);
}

/* Fields the form does not show: alpha and source for a baseline; the
 * shape and vocabulary when the run starts from a model (they are its). */
int tui_train_field_hidden(const struct train *s, int k)
{
	if (s->f.variant == TRAIN_BASELINE && (k == F_ALPHA || k == F_SOURCE))
		return 1;
	return s->f.start && ((k >= F_PRESET && k <= F_CONTEXT) || k == F_VOCAB);
}

/* Step the starting model through fresh and the candidates, newest first;
 * the learning rate follows while it is the default of either. */
static void start_step(struct train *s, int d)
{
	struct form *f = &s->f;
	size_t n = 0;
	int64_t *ids = malloc((s->n_runs + 1) * sizeof *ids);
	if (!ids)
		return;
	ids[n++] = 0;
	for (size_t i = s->n_runs; i-- > 0;)
		if (start_candidate(&s->runs[i]))
			ids[n++] = s->runs[i].r.id;
	size_t at = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == f->start)
			at = i;
	int64_t prev = f->start;
	f->start = ids[(size_t)cyc((int)at, (int)n, d)];
	free(ids);
	struct train_config c;
	train_config_defaults(&c);
	if (!prev && f->start && f->lr == c.lr)
		f->lr = TRAIN_FINETUNE_LR;
	else if (prev && !f->start && f->lr == TRAIN_FINETUNE_LR)
		f->lr = c.lr;
}

void tui_train_field_value(const struct train *s, int k, char *b, size_t n)
{
	const struct form *f = &s->f;
	switch (k) {
	case F_DATASET:
		snprintf(b, n, "%s",
			 s->n_ds ? s->ds[f->ds].name
				 : i18n_text(tui_app_lang(s->app), "(none: mentor init)"));
		break;
	case F_VARIANT: snprintf(b, n, "%s", train_variant_name(f->variant)); break;
	case F_ALPHA: snprintf(b, n, "%.2f", f->alpha); break;
	case F_SOURCE: snprintf(b, n, "%s", train_source_name(f->source)); break;
	case F_START: start_value(s, b, n); break;
	case F_PRESET:
		snprintf(b, n, "%s%s", f->arch == STUDENT_LLAMA ? "llama " : "",
			 presets[f->preset]);
		break;
	case F_LAYERS: snprintf(b, n, "%ld", f->layers); break;
	case F_WIDTH: snprintf(b, n, "%ld", f->width); break;
	case F_HEADS: snprintf(b, n, "%ld", f->heads); break;
	case F_CONTEXT: snprintf(b, n, "%ld", f->context); break;
	case F_BUDGET: snprintf(b, n, "%s", budgets[f->budget]); break;
	case F_AMOUNT:
		if (f->budget)
			snprintf(b, n, "%g", f->minutes);
		else
			snprintf(b, n, "%ld", f->steps);
		break;
	case F_BATCH: snprintf(b, n, "%ld", f->batch); break;
	case F_SEED: snprintf(b, n, "%ld", f->seed); break;
	case F_LR: snprintf(b, n, "%g", f->lr); break;
	case F_VOCAB: snprintf(b, n, "%ld", f->vocab); break;
	case F_EVAL: snprintf(b, n, "%s", evals[f->eval]); break;
	default: snprintf(b, n, "%s", tui_tr(s->app, "[ Launch ]")); break;
	}
}

int tui_train_numeric_field(int k)
{
	return k == F_ALPHA || (k >= F_LAYERS && k <= F_CONTEXT) || k == F_AMOUNT || k == F_BATCH ||
	       k == F_SEED || k == F_LR || k == F_VOCAB;
}

void tui_train_form_step(struct train *s, int d)
{
	struct form *f = &s->f;
	switch (s->field) {
	case F_DATASET:
		if (s->n_ds)
			f->ds = cyc(f->ds, (int)s->n_ds, d);
		break;
	case F_VARIANT: f->variant = cyc(f->variant, TRAIN_N_VARIANTS, d); break;
	case F_SOURCE: f->source = cyc(f->source, TRAIN_N_SOURCES, d); break;
	case F_START: start_step(s, d); break;
	case F_PRESET: {
		/* the four presets of GPT-2, then the same four of the Llama family */
		int k = cyc(f->arch * 4 + f->preset, 4 * STUDENT_N_ARCHS, d);
		f->arch = k / 4;
		f->preset = k % 4;
		form_sync_preset(f);
		break;
	}
	case F_BUDGET: f->budget = cyc(f->budget, 2, d); break;
	case F_EVAL: f->eval = cyc(f->eval, 3, d); break;
	case F_ALPHA:
		f->alpha = round((f->alpha + 0.1 * d) * 100) / 100;
		if (f->alpha < 0)
			f->alpha = 0;
		if (f->alpha > 1)
			f->alpha = 1;
		break;
	default: break;
	}
	tui_train_form_count(s);
}

/* Apply the edited text to the field; 0 or -1 (message shown). */
int tui_train_form_apply(struct train *s)
{
	struct form *f = &s->f;
	const char *t = s->input.text;
	double d;
	long v;
	if (s->field == F_ALPHA || s->field == F_LR || (s->field == F_AMOUNT && f->budget)) {
		double hi = s->field == F_ALPHA ? 1 : s->field == F_LR ? 9.99 : 100000;
		if (util_parse_double(t, &d) || !(d >= 0) || d > hi ||
		    (s->field == F_LR && !(d > 0))) {
			tui_app_error(s->app, "%s: '%.40s' is not a number in range",
				      tui_tr(s->app, field_label[s->field]), t);
			return -1;
		}
		if (s->field == F_ALPHA)
			f->alpha = d;
		else if (s->field == F_LR)
			f->lr = d;
		else
			f->minutes = d;
		return 0;
	}
	long hi = s->field == F_SEED ? 2147483647L : 100000000L;
	if (util_parse_long(t, s->field == F_SEED ? 0 : 1, hi, &v)) {
		tui_app_error(s->app, "%s: '%.40s' is not a whole number in range",
			      i18n_text(tui_app_lang(s->app),
					s->field == F_AMOUNT ? "steps" : field_label[s->field]),
			      t);
		return -1;
	}
	switch (s->field) {
	case F_LAYERS: f->layers = v; break;
	case F_WIDTH: f->width = v; break;
	case F_HEADS: f->heads = v; break;
	case F_CONTEXT: f->context = v; break;
	case F_AMOUNT: f->steps = v; break;
	case F_BATCH: f->batch = v; break;
	case F_SEED: f->seed = v; break;
	case F_VOCAB: f->vocab = v; break;
	default: break;
	}
	if (s->field >= F_LAYERS && s->field <= F_CONTEXT)
		f->preset = 3;
	return 0;
}

/* The form's settings as a run configuration; -1 (status bar message) when
 * they do not make one. */
int tui_train_form_config(struct train *s, struct train_config *out)
{
	struct form *f = &s->f;
	char err[MENTOR_ERR_LEN];
	if (!s->n_ds) {
		tui_app_error(s->app, "no dataset: import one first (mentor init, mentor import)");
		return -1;
	}
	struct train_config c;
	train_config_defaults(&c);
	snprintf(c.dataset, sizeof c.dataset, "%s", s->ds[f->ds].name);
	c.variant = f->variant;
	c.source = f->source;
	c.alpha = f->alpha;
	snprintf(c.preset, sizeof c.preset, "%s", presets[f->preset]);
	c.n_layer = (int)f->layers;
	c.n_embd = (int)f->width;
	c.n_head = (int)f->heads;
	c.n_ctx = (int)f->context;
	c.steps = f->budget ? 0 : f->steps;
	c.minutes = f->budget ? f->minutes : 0;
	c.batch = (int)f->batch;
	c.seed = (uint64_t)f->seed;
	c.lr = f->lr;
	c.vocab = (int)f->vocab;
	if (f->arch == STUDENT_LLAMA && !f->start) {
		struct llama_config l;
		student_llama_shape(c.n_layer, c.n_embd, c.n_head, c.n_ctx, c.vocab, &l);
		train_config_set_llama(&c, &l);
	}
	if (f->eval == 2)
		c.eval_at_end = 0;
	else
		snprintf(c.eval_split, sizeof c.eval_split, "%s", evals[f->eval]);
	if (c.steps > 0) {
		/* short runs: a few validation points and checkpoints to show */
		int64_t every = c.steps / 10;
		c.val_every = every < 10 ? 10 : every > 100 ? 100 : every;
		int64_t ck = c.steps / 5;
		c.ckpt_every = ck < 10 ? 10 : ck > c.ckpt_every ? c.ckpt_every : ck;
	}
	if (f->start) {
		char ref[24];
		snprintf(ref, sizeof ref, "%lld", (long long)f->start);
		if (train_config_init_from(s->st, ref, &c, err)) {
			tui_app_error(s->app, "%s", err);
			return -1;
		}
	}
	if (train_config_check(&c, err)) {
		tui_app_error(s->app, "%s", err);
		return -1;
	}
	*out = c;
	return 0;
}

size_t tui_train_overlaid(const struct train *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		n += s->runs[i].overlay != 0;
	return n;
}

void tui_train_launch(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct train_config c;
	if (tui_train_form_config(s, &c))
		return;
	int64_t id;
	if (train_run_create(s->st, &c, NULL, &id, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	s->form_open = 0;
	if (tui_train_enqueue(s, id))
		return;
	tui_train_refresh_runs(s);
	struct runv *v = tui_train_find_run(s, id);
	if (v) {
		s->sel = (size_t)(v - s->runs);
		if (s->overlay_chosen)
			v->overlay = tui_train_overlaid(s) < TUI_TRAIN_MAX_OVERLAY;
		tui_train_overlay_default(s);
	}
	tui_train_run_queue(s);
	tui_train_note_start(s, id);
}

void tui_train_form_lines(struct train *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app), lang = tui_app_lang(s->app);
	struct tui_line *l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_TITLE, i18n_text(lang, " New run"));
	tui_line_put(l, TUI_ROLE_DIM, i18n_text(lang, "  (Esc: close)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	for (int k = 0; k < N_FIELDS; k++) {
		if (tui_train_field_hidden(s, k))
			continue;
		l = tui_lines_add(ls);
		int base = k == s->field ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL;
		char lab[64];
		tui_train_pad_label(lab, sizeof lab,
				    i18n_text(lang, k == F_AMOUNT && s->f.budget ? "minutes"
										 : field_label[k]),
				    utf8);
		if (k == F_LAUNCH)
			lab[0] = '\0';
		if (k == s->field && s->editing) {
			s->edit_row = (int)ls->n - 1;
			s->edit_x = tui_entry_line(l, base, lab, s->input.text, w, utf8);
			continue;
		}
		tui_line_put(l, base == TUI_ROLE_NORMAL ? TUI_ROLE_TITLE : base, lab);
		{
			char v[200];
			tui_train_field_value(s, k, v, sizeof v);
			int cycles = !tui_train_numeric_field(k) && k != F_LAUNCH;
			if (cycles && k == s->field)
				tui_line_put(l, base, "< ");
			tui_line_text(l, base, v, strlen(v), w - l->width - 2, 1, utf8);
			if (cycles && k == s->field)
				tui_line_put(l, base, " >");
		}
		tui_line_pad(l, base, w);
	}
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	char b[200];
	const struct form *f = &s->f;
	if (f->count_err[0]) {
		l = tui_lines_add(ls);
		tui_line_text(l, TUI_ROLE_ERROR, f->count_err, strlen(f->count_err), w, 1, utf8);
		return;
	}
	if (f->variant == TRAIN_BASELINE)
		snprintf(b, sizeof b, i18n_text(lang, " examples: %ld answers"), f->n_items);
	else
		snprintf(b, sizeof b, i18n_text(lang, " examples: %ld ans + %ld expl"), f->n_items,
			 f->n_expl);
	l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_MATCH, b);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	if (f->variant != TRAIN_BASELINE) {
		snprintf(b, sizeof b, i18n_text(lang, " %ld/%ld items with %s expl."), f->n_with,
			 f->n_items, train_source_name(f->source));
		l = tui_lines_add(ls);
		tui_line_put(l, f->n_with ? TUI_ROLE_DIM : TUI_ROLE_ERROR, b);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
}
