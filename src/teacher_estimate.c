/* teacher_estimate: what a job would do before it runs, with no network and
 * nothing written. It walks the item x mode tasks as the job does (COTE, RP,
 * then CROP per item), skips what a rerun skips, builds the prompts the job
 * would send and their cache keys, and counts the calls the log answers, the
 * calls made earlier in the same job that later steps reuse, and the calls
 * that remain, with tokens and cost from past calls and the price table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/prompt.h"
#include "teacher_int.h"

/* What a COTE answer is known to be before the call. */
enum { V_UNKNOWN, V_CORRECT, V_WRONG, V_DECLINED };

/* Everything resolved once. */
struct ectx {
	struct store *st;
	const struct config_provider *p;
	const char *model;
	int offline;
	struct config_offline_rates rates;
	uint64_t seed;
	int max_tokens;
	double temperature;
	int force;
	struct teacher_prompter *pr;
	struct teacher_estimate *e;
	double open_in, open_out; /* tokens of the open CROP fallbacks */
};

/* One prompt (PROMPT_COT or PROMPT_RP) of the item being estimated. */
struct step {
	int built;
	int failed; /* the prompt could not be built: the task fails at once */
	size_t prompt_len, body_len;
	char key[65];
	int in_log;  /* the call log answers it */
	int planned; /* a call of this job makes it (earlier task of the item) */
	int verdict; /* COTE: V_* */
	int64_t tin, tout;
};

static int64_t tokens_in_of(const struct ectx *c, const struct step *s)
{
	if (c->e->in_basis > 0)
		return (int64_t)llround((double)s->body_len * c->e->in_per_byte);
	return (int64_t)(s->prompt_len + 3) / 4;
}

/* The verdict of a COTE text for the item (trimmed as the job does). */
static int judge_text(const struct store_item *it, const char *text_in)
{
	char *copy = util_strdup(text_in ? text_in : "");
	char *text = teacher_trim(copy);
	int v = V_WRONG;
	if (*text) {
		char *parsed;
		int correct, leaked;
		teacher_judge(it, PROMPT_COT, text, &parsed, &correct, &leaked);
		free(parsed);
		v = correct == 1 ? V_CORRECT : V_WRONG;
	} else {
		v = V_DECLINED; /* an empty text fails the task */
	}
	free(copy);
	return v;
}

/* Build the step's prompt and key, and look the key up in the call log. */
static int build_step(struct ectx *c, const struct store_item *it, int pmode, struct step *s,
		      char *err)
{
	if (s->built)
		return 0;
	s->built = 1;
	struct buf prompt;
	buf_init(&prompt);
	char perr[MENTOR_ERR_LEN];
	if (teacher_prompter_build(c->pr, c->st, it, pmode, &prompt, perr)) {
		buf_release(&prompt);
		s->failed = 1;
		return 0;
	}
	const char *pt = prompt.data ? prompt.data : "";
	char *body = c->offline ? teacher_offline_body(c->model, pmode, &c->rates, c->seed, it, pt)
				: teacher_wire_body(c->p->type, c->model, pt, c->max_tokens,
						    c->temperature, 0);
	teacher_cache_key(c->p->type, c->p->base_url, c->model, body, s->key);
	s->prompt_len = prompt.len;
	s->body_len = strlen(body);
	free(body);
	buf_release(&prompt);
	s->tin = tokens_in_of(c, s);
	s->tout = (int64_t)llround(c->e->out_per_call);
	s->verdict = V_UNKNOWN;
	if (!c->force) {
		struct store_call k;
		int f = store_call_find(c->st, s->key, &k, err);
		if (f && f != MENTOR_ENOTFOUND)
			return MENTOR_ERR;
		if (f == 0) {
			/* usable only when its text reads, as for the job */
			struct buf b;
			buf_init(&b);
			int ok = 0;
			if (c->offline) {
				cJSON *r = k.response_text ? cJSON_Parse(k.response_text) : NULL;
				const char *t = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(r, "text"));
				if (t) {
					buf_puts(&b, t);
					ok = 1;
				}
				cJSON_Delete(r);
			} else {
				int64_t a, o;
				char perr2[MENTOR_ERR_LEN];
				ok = !teacher_parse_response(c->p->type, k.response_text,
							     k.response_text
								     ? strlen(k.response_text)
								     : 0,
							     &b, &a, &o, perr2);
			}
			if (ok) {
				s->in_log = 1;
				if (pmode == PROMPT_COT)
					s->verdict = judge_text(it, b.data);
			}
			buf_release(&b);
			store_call_release(&k);
		}
	}
	if (!s->in_log && c->offline) {
		/* The offline teacher is a function of the item: the estimate
		 * knows its answer and its output exactly. */
		struct buf out;
		buf_init(&out);
		char oerr[MENTOR_ERR_LEN];
		int rc = teacher_offline_explain(it, pmode, &c->rates, c->seed, &out, NULL, oerr);
		if (rc) {
			s->tout = 0;
			s->verdict = V_DECLINED;
		} else {
			s->tout = (int64_t)(out.len + 3) / 4;
			if (pmode == PROMPT_COT)
				s->verdict = judge_text(it, out.data);
		}
		buf_release(&out);
	}
	return 0;
}

/* The step runs: answered without a call, or one call. */
static void run_step(struct ectx *c, struct step *s)
{
	struct teacher_estimate *e = c->e;
	if (s->in_log) {
		e->cached++;
		e->cached_log++;
	} else if (s->planned) {
		e->cached++;
	} else {
		e->calls++;
		e->tokens_in += s->tin;
		e->tokens_out += s->tout;
		/* a declined offline call is logged as an error: it answers nothing */
		s->planned = s->verdict != V_DECLINED;
	}
}

static int estimate_item(struct ectx *c, int64_t item_id, unsigned modes, char *err)
{
	struct teacher_estimate *e = c->e;
	struct store_item it;
	int loaded = 0, rc = 0;
	struct step st[2];
	memset(st, 0, sizeof st);
	for (int m = 0; m < STORE_N_MODES && !rc; m++) {
		if (!(modes & (1u << m)))
			continue;
		e->tasks++;
		if (!c->force) {
			int64_t id;
			int f = store_expl_find_final(c->st, item_id, store_mode_name(m),
						      c->p->name, c->model, &id, err);
			if (f == 0) {
				e->skipped++;
				continue;
			}
			if (f != MENTOR_ENOTFOUND) {
				rc = MENTOR_ERR;
				break;
			}
		}
		if (!loaded) {
			int f = store_item_get(c->st, item_id, &it, err);
			if (f == MENTOR_ENOTFOUND) {
				e->failing++; /* the job reports it as an error */
				continue;
			}
			if (f) {
				rc = MENTOR_ERR;
				break;
			}
			loaded = 1;
		}
		int pm = m == STORE_RP ? PROMPT_RP : PROMPT_COT;
		if ((rc = build_step(c, &it, pm, &st[pm], err)) != 0)
			break;
		if (st[pm].failed) {
			e->failing++;
			continue;
		}
		run_step(c, &st[pm]);
		if (m != STORE_CROP)
			continue;
		/* CROP: RP only where COTE is wrong or unparsable. */
		int v = st[PROMPT_COT].verdict;
		if (v == V_CORRECT || v == V_DECLINED)
			continue;
		if ((rc = build_step(c, &it, PROMPT_RP, &st[PROMPT_RP], err)) != 0)
			break;
		if (st[PROMPT_RP].failed) {
			e->failing++;
			continue;
		}
		if (v == V_WRONG) {
			e->fallback_known++;
			run_step(c, &st[PROMPT_RP]);
		} else if (!st[PROMPT_RP].in_log && !st[PROMPT_RP].planned) {
			/* not known before COTE's call answers: one call more if wrong */
			e->fallback_open++;
			c->open_in += (double)st[PROMPT_RP].tin;
			c->open_out += (double)st[PROMPT_RP].tout;
		}
	}
	if (loaded)
		store_item_release(&it);
	return rc;
}

static double cost_of(const struct teacher_estimate *e, double tin, double tout)
{
	return (tin * e->price_in + tout * e->price_out) / 1e6;
}

int teacher_estimate(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
		     teacher_estimate_poll_fn poll, void *user, struct teacher_estimate *e,
		     char *err)
{
	memset(e, 0, sizeof *e);
	if (!o || !o->cfg || !o->db_path)
		return util_err(err, "cannot estimate: no configuration or workspace");
	const struct config *cfg = o->cfg;
	unsigned modes = o->modes & TEACHER_ALL;
	if (!modes)
		return util_err(err, "cannot estimate: no mode (use cot, rp or crop)"),
		       MENTOR_EUSAGE;
	struct ectx c;
	memset(&c, 0, sizeof c);
	c.e = e;
	if (config_resolve(cfg, o->provider, o->model, &c.p, &c.model, err))
		return MENTOR_EUSAGE;
	c.offline = !strcmp(c.p->type, CONFIG_TYPE_OFFLINE);
	struct config_offline_rates over = o->offline;
	if (over.cot_wrong < 0 && o->error_rate >= 0)
		over.cot_wrong = o->error_rate;
	if (config_offline_rates_resolve(cfg, c.p, &over, &c.rates, err) && c.offline)
		return MENTOR_EUSAGE;
	c.seed = o->seed >= 0 ? (uint64_t)o->seed : cfg->seed;
	c.max_tokens = cfg->max_tokens;
	c.temperature = cfg->temperature;
	c.force = o->force;
	int k = o->k >= 0 ? o->k : cfg->k;
	snprintf(e->provider, sizeof e->provider, "%s", c.p->name);
	snprintf(e->model, sizeof e->model, "%s", c.model ? c.model : "");
	e->modes = modes;
	e->offline = c.offline;
	e->force = c.force;
	e->items = (int64_t)n;
	e->price_in = c.p->price_in;
	e->price_out = c.p->price_out;

	char *dir = o->prompts_dir     ? util_strdup(o->prompts_dir)
		    : cfg->prompts_dir ? util_strdup(cfg->prompts_dir)
				       : prompt_default_dir();
	c.pr = teacher_prompter_new(dir, k, c.seed, err);
	free(dir);
	if (!c.pr)
		return MENTOR_ERR;
	int rc = MENTOR_ERR;
	c.st = store_open_existing(o->db_path, err);
	if (!c.st)
		goto out_prompter;

	/* The estimators, from this provider/model's past calls. */
	struct store_call_usage u;
	if (store_call_usage(c.st, c.p->name, c.model, &u, err))
		goto out_store;
	if (u.measured > 0 && u.measured_bytes > 0) {
		e->in_basis = u.measured;
		e->in_per_byte = (double)u.measured_in / (double)u.measured_bytes;
	}
	if (u.calls > 0) {
		e->out_basis = u.calls;
		e->out_per_call = (double)u.tokens_out / (double)u.calls;
	} else {
		e->out_per_call = TEACHER_EST_OUT_DEFAULT < c.max_tokens ? TEACHER_EST_OUT_DEFAULT
									 : c.max_tokens;
	}
	int64_t cot_calls, cot_wrong;
	if (store_expl_cot_record(c.st, c.p->name, c.model, &cot_calls, &cot_wrong, err))
		goto out_store;
	e->fallback_basis = cot_calls;
	e->fallback_rate = cot_calls > 0 ? (double)cot_wrong / (double)cot_calls : 1.0;

	for (size_t i = 0; i < n; i++) {
		if (estimate_item(&c, item_ids[i], modes, err))
			goto out_store;
		if (poll && poll(user, i + 1, n)) {
			util_err(err, "estimate cancelled");
			goto out_store;
		}
	}
	e->tokens_in_max = e->tokens_in + (int64_t)c.open_in;
	e->tokens_out_max = e->tokens_out + (int64_t)c.open_out;
	double exp_in = (double)e->tokens_in + e->fallback_rate * c.open_in;
	double exp_out = (double)e->tokens_out + e->fallback_rate * c.open_out;
	e->cost = cost_of(e, exp_in, exp_out);
	e->cost_max = cost_of(e, (double)e->tokens_in_max, (double)e->tokens_out_max);
	e->tokens_in = (int64_t)llround(exp_in);
	e->tokens_out = (int64_t)llround(exp_out);
	e->fallback_expected = e->fallback_rate * (double)e->fallback_open;
	rc = 0;
out_store:
	store_close(c.st);
out_prompter:
	teacher_prompter_free(c.pr);
	return rc;
}

int64_t teacher_estimate_max_calls(const struct teacher_estimate *e)
{
	return e->calls + e->fallback_open;
}

static void put_cost(struct buf *out, double cost)
{
	if (cost <= 0)
		buf_puts(out, "$0");
	else if (cost < 0.0001)
		buf_printf(out, "$%.6f", cost);
	else
		buf_printf(out, "$%.4f", cost);
}

static void put_modes(struct buf *out, unsigned modes)
{
	const char *sep = "";
	for (int m = 0; m < STORE_N_MODES; m++)
		if (modes & (1u << m)) {
			buf_printf(out, "%s%s", sep,
				   m == STORE_COT  ? "COTE"
				   : m == STORE_RP ? "RP"
						   : "CROP");
			sep = " ";
		}
}

void teacher_estimate_summary(const struct teacher_estimate *e, struct buf *out)
{
	buf_printf(out, "%lld item%s, %lld tasks: %lld call%s", (long long)e->items,
		   e->items == 1 ? "" : "s", (long long)e->tasks, (long long)e->calls,
		   e->calls == 1 ? "" : "s");
	if (e->fallback_open)
		buf_printf(out, " (+ up to %lld)", (long long)e->fallback_open);
	buf_printf(out, ", %lld cached, %lld skipped; ~%lld tokens in, ~%lld out; ~",
		   (long long)e->cached, (long long)e->skipped, (long long)e->tokens_in,
		   (long long)e->tokens_out);
	put_cost(out, e->cost);
}

void teacher_estimate_lines(const struct teacher_estimate *e, struct buf *out)
{
	buf_printf(out, "teacher %s/%s, modes ", e->provider, e->model);
	put_modes(out, e->modes);
	buf_printf(out, ": %lld item%s, %lld tasks, %lld finished already (skipped)%s\n",
		   (long long)e->items, e->items == 1 ? "" : "s", (long long)e->tasks,
		   (long long)e->skipped,
		   e->force ? " (--force: none skipped, the log not used)" : "");
	buf_printf(out,
		   "calls: %lld to make, %lld served from the cache (%lld from the call log, "
		   "%lld reused within the job)",
		   (long long)e->calls, (long long)e->cached, (long long)e->cached_log,
		   (long long)(e->cached - e->cached_log));
	if (e->failing)
		buf_printf(out, ", %lld task%s cannot be asked", (long long)e->failing,
			   e->failing == 1 ? "" : "s");
	buf_puts(out, "\n");
	if (e->modes & TEACHER_CROP) {
		buf_printf(out, "CROP: %lld RP fallback%s known to be needed, counted above",
			   (long long)e->fallback_known, e->fallback_known == 1 ? "" : "s");
		if (e->fallback_open && e->fallback_basis)
			buf_printf(out,
				   "; %lld COTE answer%s not known yet: up to %lld more call%s, "
				   "~%.1f expected (%.0f%% of %lld past COTE calls were wrong)",
				   (long long)e->fallback_open, e->fallback_open == 1 ? "" : "s",
				   (long long)e->fallback_open, e->fallback_open == 1 ? "" : "s",
				   e->fallback_expected, 100.0 * e->fallback_rate,
				   (long long)e->fallback_basis);
		else if (e->fallback_open)
			buf_printf(out,
				   "; %lld COTE answer%s not known yet: up to %lld more call%s, "
				   "all counted (no past COTE calls of this model)",
				   (long long)e->fallback_open, e->fallback_open == 1 ? "" : "s",
				   (long long)e->fallback_open, e->fallback_open == 1 ? "" : "s");
		else if (e->offline)
			buf_puts(out, " (the offline teacher's answers are known in advance)");
		else
			buf_puts(out, " (every COTE answer is known)");
		buf_puts(out, "\n");
	}
	buf_printf(out, "tokens: ~%lld in (", (long long)e->tokens_in);
	if (e->offline)
		buf_puts(out, "bytes/4 of the prompts, as logged");
	else if (e->in_basis)
		buf_printf(out, "%.3f tokens per request byte, from %lld past calls",
			   e->in_per_byte, (long long)e->in_basis);
	else
		buf_puts(out, "bytes/4 of the prompts");
	buf_printf(out, "), ~%lld out (", (long long)e->tokens_out);
	if (e->offline)
		buf_puts(out, "the offline teacher's texts");
	else if (e->out_basis)
		buf_printf(out, "%.0f per call, the mean of %lld past calls", e->out_per_call,
			   (long long)e->out_basis);
	else
		buf_printf(out, "%.0f per call: no past calls of this model", e->out_per_call);
	buf_puts(out, ")\n");
	buf_puts(out, "cost: ~");
	put_cost(out, e->cost);
	if (e->cost_max > e->cost) {
		buf_puts(out, " (up to ");
		put_cost(out, e->cost_max);
		buf_puts(out, ")");
	}
	if (e->offline)
		buf_puts(out, "; the offline teacher costs nothing\n");
	else if (e->price_in <= 0 && e->price_out <= 0)
		buf_printf(out,
			   "; no prices for provider '%s' (price_in, price_out in the config)\n",
			   e->provider);
	else
		buf_printf(out, " at $%g in / $%g out per million tokens (USD)\n", e->price_in,
			   e->price_out);
}
