/* experiment_results: the table of an experiment, computed from the
 * workspace each time it is asked for, so that partial results show as soon
 * as a run is evaluated. Accuracy per variant and inference mode over seeds,
 * the difference to the baseline of the same seed on the same items (paired
 * bootstrap, McNemar) and the verdict sentence. Reads rows through store.h;
 * no training code. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/experiment.h"
#include "mentor/i18n.h"
#include "mentor/store.h"

/* Largest experiment configuration read back (written by experiment_plan,
 * a few kilobytes). */
#define CONFIG_MAX (1u << 20)

static const struct {
	const char *name, *label;
	int explains; /* 1: the answer can also be read from its explanation */
} variants[] = {
	{"baseline", "Baseline", 0},
	{"mt-re", "MT-Re", 0},
	{"mt-ra", "MT-Ra", 1},
	{"mt-cot", "MT-CoT", 1},
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static int variant_index(const char *name)
{
	for (size_t i = 0; name && i < N_VARIANTS; i++)
		if (!strcmp(name, variants[i].name))
			return (int)i;
	return -1;
}

const char *experiment_mode_name(int mode)
{
	return mode == EXPERIMENT_EXPLAIN ? "explain-then-answer" : "direct";
}

const char *experiment_variant_label(const char *variant)
{
	int v = variant_index(variant);
	return v >= 0 ? variants[v].label : variant ? variant : "?";
}

/* The predictions of one evaluated run on the split, by item id. */
struct outcome {
	int ok;           /* evaluated on every item of the split */
	int64_t *item;    /* ascending */
	uint8_t *direct;  /* 1 right */
	uint8_t *explain; /* 1 right, 0 wrong or not applicable */
	size_t n;
};

static void outcome_release(struct outcome *o)
{
	free(o->item);
	free(o->direct);
	free(o->explain);
	memset(o, 0, sizeof *o);
}

/* Outcome of item id in o, or -1 when o has no such item. */
static int outcome_at(const struct outcome *o, int64_t id, int mode)
{
	size_t lo = 0, hi = o->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->item[mid] < id)
			lo = mid + 1;
		else if (o->item[mid] > id)
			hi = mid;
		else
			return mode == EXPERIMENT_EXPLAIN ? o->explain[mid] : o->direct[mid];
	}
	return -1;
}

static int outcome_load(struct store *st, int64_t run_id, const char *split, struct outcome *o,
			char *err)
{
	struct store_pred *p = NULL;
	size_t n = 0;
	memset(o, 0, sizeof *o);
	if (store_pred_list(st, run_id, &p, &n, err))
		return MENTOR_ERR;
	int ret = 0;
	if (n) {
		o->item = calloc(n, sizeof *o->item);
		o->direct = calloc(n, 1);
		o->explain = calloc(n, 1);
		if (!o->item || !o->direct || !o->explain) {
			ret = util_err(err, "cannot read predictions: out of memory");
			outcome_release(o);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!ret && p[i].split && !strcmp(p[i].split, split)) {
			o->item[o->n] = p[i].item_id;
			o->direct[o->n] = p[i].correct == 1;
			o->explain[o->n] = p[i].cot_correct == 1;
			o->n++;
		}
		store_pred_release(&p[i]);
	}
	free(p);
	return ret;
}

/* What the experiment's configuration says (see experiment_plan). */
struct plan {
	int variant[N_VARIANTS];
	size_t n_variants;
	uint64_t seed[EXPERIMENT_MAX_SEEDS];
	size_t n_seeds;
};

static const char *json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A seed written as a number or as decimal text; 0 with *ok = 0 otherwise. */
static uint64_t json_seed(const cJSON *v, int *ok)
{
	*ok = 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0 &&
	    v->valuedouble == floor(v->valuedouble)) {
		*ok = 1;
		return (uint64_t)v->valuedouble;
	}
	if (cJSON_IsString(v) && v->valuestring[0] >= '0' && v->valuestring[0] <= '9') {
		char *end;
		unsigned long long x = strtoull(v->valuestring, &end, 10);
		*ok = *end == 0;
		return *ok ? (uint64_t)x : 0;
	}
	return 0;
}

static int parse_plan(const struct store_experiment *e, struct plan *pl,
		      struct experiment_results *r, char *err)
{
	memset(pl, 0, sizeof *pl);
	if (!e->config_json || strlen(e->config_json) > CONFIG_MAX)
		return util_err(err, "experiment %lld: configuration missing or too large",
				(long long)e->id);
	cJSON *o = cJSON_Parse(e->config_json);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return util_err(err, "experiment %lld: configuration is not a JSON object",
				(long long)e->id);
	}
	int ret = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "variants"))
	{
		int v = cJSON_IsString(it) ? variant_index(it->valuestring) : -1;
		int dup = 0;
		for (size_t i = 0; i < pl->n_variants; i++)
			dup |= pl->variant[i] == v;
		if (v < 0 || dup) {
			ret = util_err(err, "experiment %lld: bad variant list", (long long)e->id);
			goto out;
		}
		pl->variant[pl->n_variants++] = v;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "seeds"))
	{
		int ok;
		uint64_t s = json_seed(it, &ok);
		if (!ok || pl->n_seeds >= EXPERIMENT_MAX_SEEDS) {
			ret = util_err(err, "experiment %lld: bad seed list", (long long)e->id);
			goto out;
		}
		pl->seed[pl->n_seeds++] = s;
	}
	if (pl->n_variants == 0 || pl->n_seeds == 0) {
		ret = util_err(err, "experiment %lld: no variants or seeds planned",
			       (long long)e->id);
		goto out;
	}
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(o, "base");
	const char *split = json_string(base, "eval_split");
	snprintf(r->split, sizeof r->split, "%s", split ? split : "test");
	r->source = util_strdup(json_string(base, "source") ? json_string(base, "source") : "?");
	const char *preset = json_string(base, "preset");
	snprintf(r->preset, sizeof r->preset, "%s", preset ? preset : "?");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(base, "steps");
	r->steps = cJSON_IsNumber(steps) && steps->valuedouble >= 0 && steps->valuedouble < 1e15
			   ? (int64_t)steps->valuedouble
			   : 0;
out:
	cJSON_Delete(o);
	return ret;
}

/* The run's seed from its configuration. */
static int run_seed(const struct store_run *run, uint64_t *seed)
{
	if (!run->config_json || strlen(run->config_json) > CONFIG_MAX)
		return -1;
	cJSON *o = cJSON_Parse(run->config_json);
	int ok = 0;
	*seed = json_seed(cJSON_GetObjectItemCaseSensitive(o, "seed"), &ok);
	cJSON_Delete(o);
	return ok ? 0 : -1;
}

static void cell_release(struct experiment_cell *c)
{
	free(c->seed);
	free(c->run_id);
	free(c->acc);
	free(c->n_items);
}

void experiment_results_release(struct experiment_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_cells; i++)
		cell_release(&r->cells[i]);
	free(r->cells);
	free(r->name);
	free(r->status);
	free(r->dataset);
	free(r->source);
	memset(r, 0, sizeof *r);
}

/* Accuracy of each seed, the summary and the table's interval. */
static void cell_accuracy(struct experiment_cell *c, const struct outcome *row)
{
	int64_t one_k = 0, one_n = 0;
	for (size_t s = 0; s < c->n_seeds; s++) {
		c->acc[s] = NAN;
		if (!row[s].ok)
			continue;
		int64_t k = 0;
		const uint8_t *x = c->mode == EXPERIMENT_EXPLAIN ? row[s].explain : row[s].direct;
		for (size_t i = 0; i < row[s].n; i++)
			k += x[i];
		c->n_items[s] = (int64_t)row[s].n;
		c->acc[s] = (double)k / (double)row[s].n;
		one_k = k;
		one_n = (int64_t)row[s].n;
	}
	stats_summary(c->acc, c->n_seeds, &c->s);
	c->lo = c->hi = NAN;
	c->ci_method = "";
	if (c->s.n >= 2) {
		/* an accuracy lies in [0, 1] whatever a small-sample t says */
		c->lo = fmax(0.0, c->s.lo);
		c->hi = fmin(1.0, c->s.hi);
		c->ci_method = "t";
	} else if (c->s.n == 1) {
		stats_wilson(one_k, one_n, &c->lo, &c->hi);
		c->ci_method = "wilson";
	}
}

/* The paired comparison of cell c (outcomes row) with the baseline's direct
 * answers (outcomes base), seed by seed, on the items every paired run has. */
static int cell_diff(struct experiment_cell *c, const struct outcome *row,
		     const struct outcome *base, char *err)
{
	c->has_diff = 1;
	c->diff = c->diff_lo = c->diff_hi = c->p_mcnemar = NAN;
	size_t ns = c->n_seeds, paired = 0, first = 0;
	for (size_t s = 0; s < ns; s++)
		if (row[s].ok && base[s].ok && paired++ == 0)
			first = s;
	c->n_paired = paired;
	if (paired == 0)
		return 0;
	/* the common items: those of the first paired baseline run that every
	 * other paired run answered too */
	const struct outcome *b0 = &base[first];
	int64_t *items = malloc((b0->n ? b0->n : 1) * sizeof *items);
	if (!items)
		return util_err(err, "cannot compare runs: out of memory");
	size_t n = 0;
	for (size_t i = 0; i < b0->n; i++) {
		int all = 1;
		for (size_t s = 0; s < ns && all; s++)
			if (row[s].ok && base[s].ok)
				all = outcome_at(&row[s], b0->item[i], 0) >= 0 &&
				      outcome_at(&base[s], b0->item[i], 0) >= 0;
		if (all)
			items[n++] = b0->item[i];
	}
	c->paired_items = (int64_t)n;
	if (n == 0) {
		free(items);
		return 0;
	}
	size_t cells;
	uint8_t *a = NULL, *b = NULL;
	if (!util_mul_size(paired, n, &cells)) {
		a = malloc(cells);
		b = malloc(cells);
	}
	if (!a || !b) {
		free(items);
		free(a);
		free(b);
		return util_err(err, "cannot compare runs: out of memory");
	}
	size_t k = 0;
	for (size_t s = 0; s < ns; s++) {
		if (!row[s].ok || !base[s].ok)
			continue;
		for (size_t i = 0; i < n; i++) {
			uint8_t x = (uint8_t)outcome_at(&row[s], items[i], c->mode);
			uint8_t y = (uint8_t)outcome_at(&base[s], items[i], EXPERIMENT_DIRECT);
			a[k * n + i] = x;
			b[k * n + i] = y;
			c->better += x && !y;
			c->worse += !x && y;
		}
		k++;
	}
	int rc = stats_paired_bootstrap(a, b, paired, n, STATS_BOOTSTRAP_RESAMPLES,
					EXPERIMENT_BOOTSTRAP_SEED, &c->diff, &c->diff_lo,
					&c->diff_hi, err);
	c->p_mcnemar = stats_mcnemar_exact(c->better, c->worse);
	free(items);
	free(a);
	free(b);
	return rc ? MENTOR_ERR : 0;
}

static int new_cell(struct experiment_cell *c, int v, int mode, const struct plan *pl)
{
	memset(c, 0, sizeof *c);
	c->variant = variants[v].name;
	c->mode = mode;
	c->n_seeds = pl->n_seeds;
	c->seed = calloc(pl->n_seeds, sizeof *c->seed);
	c->run_id = calloc(pl->n_seeds, sizeof *c->run_id);
	c->acc = calloc(pl->n_seeds, sizeof *c->acc);
	c->n_items = calloc(pl->n_seeds, sizeof *c->n_items);
	if (!c->seed || !c->run_id || !c->acc || !c->n_items)
		return MENTOR_ENOMEM;
	memcpy(c->seed, pl->seed, pl->n_seeds * sizeof *c->seed);
	c->lo = c->hi = c->diff = c->diff_lo = c->diff_hi = c->p_mcnemar = NAN;
	c->ci_method = "";
	return 0;
}

/* Read the experiment's runs into out[variant slot][seed slot] and the run
 * ids into ids (same layout); counts into r. */
static int load_runs(struct store *st, const struct store_experiment *e, const struct plan *pl,
		     struct outcome *out, int64_t *ids, struct experiment_results *r, char *err)
{
	int64_t *run_ids = NULL;
	size_t n = 0;
	if (store_experiment_run_ids(st, e->id, &run_ids, &n, err))
		return MENTOR_ERR;
	int ret = 0;
	r->n_runs = n;
	for (size_t i = 0; i < n && !ret; i++) {
		struct store_run run;
		if (store_run_get(st, run_ids[i], &run, err)) {
			ret = MENTOR_ERR;
			break;
		}
		int v = variant_index(run.variant);
		size_t vs = pl->n_variants, ss = pl->n_seeds;
		uint64_t seed;
		for (size_t k = 0; v >= 0 && k < pl->n_variants; k++)
			if (pl->variant[k] == v)
				vs = k;
		if (run_seed(&run, &seed) == 0)
			for (size_t k = 0; k < pl->n_seeds; k++)
				if (pl->seed[k] == seed)
					ss = k;
		int status = store_run_status_parse(run.status);
		r->n_done += status == STORE_RUN_DONE;
		r->n_failed += status == STORE_RUN_FAILED;
		if (vs < pl->n_variants && ss < pl->n_seeds) {
			size_t slot = vs * pl->n_seeds + ss;
			ids[slot] = run.id;
			int64_t cnt = 0;
			if (status == STORE_RUN_DONE && r->split_items > 0 &&
			    (ret = store_pred_count(st, run.id, r->split, &cnt, err)) == 0 &&
			    cnt >= r->split_items) {
				outcome_release(&out[slot]);
				ret = outcome_load(st, run.id, r->split, &out[slot], err);
				out[slot].ok = !ret && out[slot].n > 0;
				r->n_evaluated += out[slot].ok;
			}
		}
		store_run_release(&run);
	}
	free(run_ids);
	return ret;
}

int experiment_results(struct store *st, int64_t exp_id, struct experiment_results *r, char *err)
{
	memset(r, 0, sizeof *r);
	r->best = r->best_vs = -1;
	struct store_experiment e;
	int rc = store_experiment_get(st, exp_id, &e, err);
	if (rc)
		return rc;
	struct plan pl;
	struct outcome *out = NULL;
	int64_t *ids = NULL;
	struct store_dataset d;
	memset(&d, 0, sizeof d);
	r->id = e.id;
	r->name = util_strdup(e.name);
	r->status = util_strdup(e.status);
	rc = MENTOR_ERR;
	if (parse_plan(&e, &pl, r, err))
		goto out;
	if (store_dataset_get_id(st, e.dataset_id, &d, err))
		goto out;
	r->dataset = util_strdup(d.name);
	r->split_items = !strcmp(r->split, "train") ? d.n_train
			 : !strcmp(r->split, "dev") ? d.n_dev
						    : d.n_test;
	r->n_seeds = pl.n_seeds;
	size_t slots = pl.n_variants * pl.n_seeds;
	out = calloc(slots, sizeof *out);
	ids = calloc(slots, sizeof *ids);
	r->cells = calloc(2 * pl.n_variants, sizeof *r->cells);
	if (!out || !ids || !r->cells) {
		util_err(err, "cannot compute experiment %lld: out of memory", (long long)exp_id);
		goto out;
	}
	if (load_runs(st, &e, &pl, out, ids, r, err))
		goto out;
	const struct outcome *base = NULL;
	for (size_t k = 0; k < pl.n_variants; k++)
		if (pl.variant[k] == 0)
			base = &out[k * pl.n_seeds];
	for (size_t k = 0; k < pl.n_variants; k++) {
		int v = pl.variant[k];
		for (int mode = 0; mode <= variants[v].explains; mode++) {
			struct experiment_cell *c = &r->cells[r->n_cells++];
			if (new_cell(c, v, mode, &pl)) {
				util_err(err, "cannot compute experiment %lld: out of memory",
					 (long long)exp_id);
				goto out;
			}
			memcpy(c->run_id, &ids[k * pl.n_seeds], pl.n_seeds * sizeof *ids);
			cell_accuracy(c, &out[k * pl.n_seeds]);
			if (base && v != 0 && cell_diff(c, &out[k * pl.n_seeds], base, err))
				goto out;
		}
	}
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct experiment_cell *c = &r->cells[i];
		if (c->s.n > 0 && (r->best < 0 || c->s.mean > r->cells[r->best].s.mean))
			r->best = (int)i;
		if (c->has_diff && !isnan(c->diff) &&
		    (r->best_vs < 0 || c->diff > r->cells[r->best_vs].diff))
			r->best_vs = (int)i;
	}
	experiment_verdict(r, r->verdict, sizeof r->verdict);
	rc = 0;
out:
	for (size_t i = 0; out && i < slots; i++)
		outcome_release(&out[i]);
	free(out);
	free(ids);
	store_dataset_release(&d);
	store_experiment_release(&e);
	if (rc)
		experiment_results_release(r);
	return rc;
}

/* Points (percentage points) as the verdict writes them: whole numbers from
 * 10 up, one decimal below, never "-0". */
static void fmt_points(char *out, size_t cap, double frac)
{
	double p = 100.0 * frac;
	if (fabs(p) >= 9.95)
		snprintf(out, cap, "%.0f", p);
	else
		snprintf(out, cap, "%.1f", p);
	size_t n = strlen(out);
	if (n > 2 && !strcmp(out + n - 2, ".0"))
		out[n - 2] = 0;
	if (!strcmp(out, "-0"))
		snprintf(out, cap, "0");
}

void experiment_verdict(const struct experiment_results *r, char *out, size_t cap)
{
	experiment_verdict_lang(r, I18N_EN, out, cap);
}

void experiment_verdict_lang(const struct experiment_results *r, int lang, char *out, size_t cap)
{
	if (!cap)
		return;
	out[0] = 0;
	int has_base = 0, has_other = 0;
	for (size_t i = 0; i < r->n_cells; i++) {
		int base = !strcmp(r->cells[i].variant, "baseline");
		has_base |= base;
		has_other |= !base;
	}
	char partial[160] = "";
	if (r->n_evaluated < r->n_runs)
		snprintf(partial, sizeof partial,
			 i18n_get(lang, r->n_failed ? I18N_V_PARTIAL_FAILED : I18N_V_PARTIAL),
			 r->n_evaluated, r->n_runs);
	if (!has_base || !has_other) {
		snprintf(out, cap,
			 i18n_get(lang, has_base ? I18N_V_ONLY_BASELINE : I18N_V_NO_BASELINE),
			 partial);
		return;
	}
	if (r->best_vs < 0) {
		snprintf(out, cap,
			 i18n_get(lang, r->n_failed ? I18N_V_NO_PAIRED_FAILED : I18N_V_NO_PAIRED),
			 r->n_evaluated, r->n_runs);
		return;
	}
	const struct experiment_cell *c = &r->cells[r->best_vs];
	char who[96], d[16], lo[16], hi[16], seeds[48];
	snprintf(who, sizeof who, i18n_get(lang, I18N_V_WHO),
		 lang == I18N_EN ? experiment_variant_label(c->variant)
				 : i18n_text(lang, experiment_variant_label(c->variant)),
		 i18n_get(lang,
			  c->mode == EXPERIMENT_EXPLAIN ? I18N_EXP_EXPLAIN : I18N_EXP_DIRECT));
	fmt_points(lo, sizeof lo, c->diff_lo);
	fmt_points(hi, sizeof hi, c->diff_hi);
	snprintf(seeds, sizeof seeds, i18n_get(lang, c->n_paired == 1 ? I18N_V_SEED : I18N_V_SEEDS),
		 c->n_paired);
	if (c->diff_lo > 0 || c->diff_hi < 0) {
		fmt_points(d, sizeof d, fabs(c->diff));
		snprintf(out, cap, i18n_get(lang, c->diff > 0 ? I18N_V_MORE : I18N_V_FEWER), who, d,
			 r->split, lo, hi, seeds, partial);
	} else {
		fmt_points(d, sizeof d, c->diff);
		snprintf(out, cap, i18n_get(lang, I18N_V_UNCLEAR), who,
			 c->diff > 0 && strcmp(d, "0") ? "+" : "", d, lo, hi, seeds, partial);
	}
}

const char *experiment_pct(char *out, size_t cap, double frac)
{
	if (isnan(frac))
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%.1f", 100.0 * frac);
	return out;
}
