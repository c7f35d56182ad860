/* tui_train_exp: experiments from the Train screen. One key plans the
 * baseline against the multi-task variants over several seeds and spawns
 * it in the background; the experiment's results table (accuracy with its
 * interval, the difference to the baseline, McNemar's p, the verdict) is
 * shown in place of the plots. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_train_int.h"

/* ------------------------------------------------------------ experiments */

/* The one-key experiment: the baseline and the multi-task variants with the
 * form's settings (or the engine's defaults for the selected run's dataset),
 * over the default seeds, planned here and run by a detached process. */
void tui_train_compare(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct experiment_spec spec;
	experiment_spec_init(&spec);
	if (s->form_open) {
		if (tui_train_form_config(s, &spec.base))
			return;
		/* the form names a source: the experiment uses it */
		spec.auto_source = s->f.variant == TRAIN_BASELINE;
		spec.base.variant = TRAIN_BASELINE;
	} else {
		if (!s->n_ds)
			tui_train_load_datasets(s);
		const char *ds = s->n_runs ? tui_train_ds_name(s, s->runs[s->sel].r.dataset_id)
					   : NULL;
		if (!ds || !strcmp(ds, "?"))
			ds = s->n_ds ? s->ds[s->f.ds].name : NULL;
		if (!ds) {
			tui_app_error(s->app,
				      "no dataset: import one first (mentor init, mentor import)");
			return;
		}
		snprintf(spec.base.dataset, sizeof spec.base.dataset, "%s", ds);
	}
	int64_t id, pid;
	if (experiment_plan(s->st, &spec, &id, err) ||
	    experiment_spawn(NULL, s->db_path, id, &pid, err)) {
		tui_app_error(s->app, "%s", err);
		return;
	}
	s->exp_id = id;
	s->exp_view = 1;
	s->exr_at = 0;
	s->form_open = 0;
	tui_train_refresh_runs(s);
	tui_app_notice(s->app,
		       "experiment %lld: %zu runs (%zu variants x %d seeds) started in the "
		       "background; v: table or plots",
		       (long long)id, spec.n_variants * (size_t)spec.seeds, spec.n_variants,
		       spec.seeds);
}

/* The newest experiment of the workspace, 0 when there is none. */
int64_t tui_train_newest_experiment(struct train *s)
{
	char err[MENTOR_ERR_LEN];
	struct store_experiment *e = NULL;
	size_t n = 0;
	int64_t id = 0;
	if (store_experiment_list(s->st, &e, &n, err))
		return 0;
	if (n)
		id = e[n - 1].id;
	for (size_t i = 0; i < n; i++)
		store_experiment_release(&e[i]);
	free(e);
	return id;
}

/* The experiment's table as lines of width w: plain functions of the
 * results, so that the screen test reads the same figures as the CLI. */
void tui_train_experiment_lines(struct train *s, int w, struct tui_lines *ls)
{
	int utf8 = tui_app_utf8(s->app);
	char err[MENTOR_ERR_LEN];
	if (util_mono() - s->exr_at > 2.0 || !s->have_exr) {
		if (s->have_exr)
			experiment_results_release(&s->exr);
		s->have_exr = !experiment_results(s->st, s->exp_id, &s->exr, err);
		s->exr_at = util_mono();
		if (!s->have_exr) {
			struct tui_line *l = tui_lines_add(ls);
			tui_line_text(l, TUI_ROLE_ERROR, err, strlen(err), w, 1, utf8);
			return;
		}
	}
	const struct experiment_results *r = &s->exr;
	char b[640], a1[16], a2[16], a3[16], a4[16], a5[16];
	struct tui_line *l = tui_lines_add(ls);
	int lang = tui_app_lang(s->app);
	snprintf(b, sizeof b, i18n_text(lang, " Experiment #%lld  "), (long long)r->id);
	tui_line_put(l, TUI_ROLE_TITLE, b);
	tui_line_text(l, TUI_ROLE_MATCH, r->dataset, strlen(r->dataset), w - l->width, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	snprintf(b, sizeof b,
		 i18n_text(lang, " %s: %zu of %zu runs evaluated%s; source %s, preset %s, %lld "
				 "steps, %zu seeds; %s split, %lld questions"),
		 i18n_text(lang, r->status), r->n_evaluated, r->n_runs,
		 r->n_failed ? i18n_text(lang, " (some failed)") : "", r->source, r->preset,
		 (long long)r->steps, r->n_seeds, r->split, (long long)r->split_items);
	tui_wrap(ls, b, strlen(b), w, 1, TUI_ROLE_DIM, 3, utf8);
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	l = tui_lines_add(ls);
	snprintf(b, sizeof b, " %-8s %-9s %6s %13s %7s %13s %7s", "variant", "mode", "acc %",
		 "95% CI", "vs base", "95% CI", "p");
	tui_line_text(l, TUI_ROLE_TITLE, b, strlen(b), w, 1, utf8);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *x = &r->cells[i];
		char ci[40] = "-", dci[40] = "-", d[16] = "-", p[16] = "-";
		if (!isnan(x->lo))
			snprintf(ci, sizeof ci, "%s..%s", experiment_pct(a1, sizeof a1, x->lo),
				 experiment_pct(a2, sizeof a2, x->hi));
		if (x->has_diff && !isnan(x->diff)) {
			snprintf(d, sizeof d, "%+.1f", 100 * x->diff);
			snprintf(dci, sizeof dci, "%s..%s",
				 experiment_pct(a3, sizeof a3, x->diff_lo),
				 experiment_pct(a4, sizeof a4, x->diff_hi));
			snprintf(p, sizeof p, "%.2g", x->p_mcnemar);
		}
		snprintf(b, sizeof b, " %-8s %-9s %6s %13s %7s %13s %7s",
			 experiment_variant_label(x->variant),
			 x->mode == EXPERIMENT_EXPLAIN ? "explained" : "direct",
			 experiment_pct(a5, sizeof a5, x->s.mean), ci, d, dci, p);
		l = tui_lines_add(ls);
		int role = (int)i == r->best_vs ? TUI_ROLE_CORRECT : TUI_ROLE_NORMAL;
		tui_line_text(l, role, b, strlen(b), w, 1, utf8);
		tui_line_pad(l, TUI_ROLE_NORMAL, w);
	}
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	char verdict[512];
	experiment_verdict_lang(r, lang, verdict, sizeof verdict);
	snprintf(b, sizeof b, i18n_text(lang, " Verdict: %s"), verdict);
	tui_wrap(ls, b, strlen(b), w, 1, TUI_ROLE_MATCH, 0, utf8);
	l = tui_lines_add(ls);
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
	l = tui_lines_add(ls);
	tui_line_put(l, TUI_ROLE_DIM,
		     i18n_text(lang,
			       " v: plots  c: another experiment  (runs appear on the left)"));
	tui_line_pad(l, TUI_ROLE_NORMAL, w);
}
