/* teacher: the job engine. A job thread with its own workspace connection
 * walks the item x mode tasks, builds prompts, answers from the call log when
 * it can, otherwise asks the provider (offline in-process, or over http.h
 * with bounded concurrency), then logs the call and writes the explanation of
 * each task as soon as it is done. CROP runs COTE, then RP where COTE is
 * wrong or unparsable, and keeps both attempts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mentor/http.h"
#include "mentor/i18n.h"
#include "mentor/prompt.h"
#include "teacher_int.h"

#define DEMO_POOL_MAX 2000
#define RESPONSE_MAX ((size_t)8 << 20)
/* The stop rule: this many call failures in a row with the same message
 * end a job early (as a refused key or a spent quota does at once). */
#define SAME_FAILURES_STOP 5

unsigned teacher_mode_mask(const char *name)
{
	int m = store_mode_parse(name);
	if (m >= 0)
		return 1u << m;
	if (name && !strcmp(name, "cote"))
		return TEACHER_COT;
	if (name && !strcmp(name, "all"))
		return TEACHER_ALL;
	return 0;
}

void teacher_opts_init(struct teacher_opts *o)
{
	memset(o, 0, sizeof *o);
	o->modes = TEACHER_COT;
	o->rpm = -1;
	o->retries = -1;
	o->k = -1;
	o->seed = -1;
	config_offline_rates_unset(&o->offline);
	o->error_rate = -1;
	o->stream = -1;
}

struct task {
	int64_t item_id;
	enum store_mode mode;
	int active; /* a request is in flight */
	int stage;  /* crop: 0 COTE, 1 RP */
	int loaded;
	struct store_item item;
	int64_t attempt_id;
};

struct req {
	struct teacher_job *j;
	struct task *t;
	int pmode;
	char *body;
	char key[65];
	size_t prompt_len;
	struct teacher_stream live; /* transport thread only, until on_done */
	size_t shown;               /* bytes of live.text handed to on_text */
	/* filled by on_done */
	int ok, cancelled, attempts;
	long http_code;
	char *resp;
	size_t resp_len;
	char error[MENTOR_ERR_LEN];
	double latency_ms;
	struct req *next;
};

struct demo_pool {
	int64_t dataset_id;
	struct store_demo *demos;
	struct prompt_example *ex;
	size_t n;
	int lang; /* the dataset's prompt language (teacher_dataset_lang) */
};

struct teacher_job {
	/* settings, fixed after start */
	char *db_path, *prov_name, *type, *base_url, *model, *prompts_dir, *anth_version;
	double price_in, price_out;
	char *url;
	char *key;     /* the API key, only to scrub it from what is stored */
	char *key_env; /* where the key comes from, for messages */
	char *headers[3];
	size_t n_headers;
	int offline, conc, stream, k, max_tokens, force;
	double temperature;
	struct config_offline_rates rates; /* offline teacher, resolved */
	uint64_t seed;
	struct teacher_callbacks cb;
	struct task *tasks;
	size_t n_tasks;
	struct http_client *http;
	pthread_t th;
	int th_started;
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct req *q_head, *q_tail;
	int cancel;
	int finished;
	struct teacher_progress prog;
	double t0;
	/* job thread only */
	struct store *st;
	struct prompt_set ps;
	struct demo_pool pool;
	int64_t min_call_id;
	/* the stop rule (job thread only) */
	int stopping;
	char stop_what[MENTOR_ERR_LEN / 2]; /* what happened */
	char stop_hint[MENTOR_ERR_LEN / 4]; /* what to do */
	size_t started;                     /* tasks started */
	char last_fail[MENTOR_ERR_LEN];
	int same_fails;
};

/* ------------------------------------------------------------- progress */

static void prog_add(struct teacher_job *j, int done, int error, int skipped, int cached, int calls,
		     int64_t tin, int64_t tout, double cost)
{
	pthread_mutex_lock(&j->mu);
	j->prog.done += done;
	j->prog.errors += error;
	j->prog.skipped += skipped;
	j->prog.cached += cached;
	j->prog.calls += calls;
	j->prog.tokens_in += tin;
	j->prog.tokens_out += tout;
	j->prog.cost += cost;
	pthread_mutex_unlock(&j->mu);
}

void teacher_get_progress(struct teacher_job *j, struct teacher_progress *p)
{
	pthread_mutex_lock(&j->mu);
	*p = j->prog;
	if (!p->finished)
		p->elapsed_s = util_mono() - j->t0;
	pthread_mutex_unlock(&j->mu);
}

static int is_cancelled(struct teacher_job *j)
{
	pthread_mutex_lock(&j->mu);
	int c = j->cancel;
	pthread_mutex_unlock(&j->mu);
	return c;
}

/* ---------------------------------------------------------------- demos */

static void pool_release(struct demo_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		store_demo_release(&p->demos[i]);
	free(p->demos);
	free(p->ex);
	memset(p, 0, sizeof *p);
}

static int pool_load(struct store *st, struct demo_pool *p, int64_t dataset_id, char *err)
{
	if (p->ex && p->dataset_id == dataset_id)
		return 0;
	pool_release(p);
	if (teacher_dataset_lang(st, dataset_id, &p->lang, NULL, err) ||
	    store_demo_list(st, dataset_id, DEMO_POOL_MAX, &p->demos, &p->n, err))
		return MENTOR_ERR;
	p->dataset_id = dataset_id;
	p->ex = calloc(p->n ? p->n : 1, sizeof *p->ex);
	if (!p->ex)
		util_oom();
	for (size_t i = 0; i < p->n; i++) {
		const struct store_demo *d = &p->demos[i];
		p->ex[i] = (struct prompt_example){d->item_id,      d->split,  d->question,
						   d->choices_json, d->answer, d->answer_type,
						   d->rationale};
	}
	return 0;
}

static int build_prompt(struct store *st, const struct prompt_set *ps, struct demo_pool *pool,
			int k, uint64_t seed, const struct store_item *it, int pmode,
			struct buf *out, char *err)
{
	if (pool_load(st, pool, it->dataset_id, err))
		return MENTOR_ERR;
	size_t idx[64];
	size_t kk = k < 0 ? 0 : (size_t)k > 64 ? 64 : (size_t)k;
	/* Demonstrations of the target's answer type when there are enough
	 * (a mixed dataset should not show yes/no answers to a number question). */
	struct prompt_example *same = calloc(pool->n ? pool->n : 1, sizeof *same);
	if (!same)
		util_oom();
	size_t ns = 0;
	for (size_t i = 0; i < pool->n; i++)
		if (pool->ex[i].answer_type && it->answer_type &&
		    !strcmp(pool->ex[i].answer_type, it->answer_type) && pool->ex[i].id != it->id &&
		    (!pool->ex[i].split || strcmp(pool->ex[i].split, "test")))
			same[ns++] = pool->ex[i];
	const struct prompt_example *src = ns >= kk ? same : pool->ex;
	size_t n = prompt_pick_demos(src, ns >= kk ? ns : pool->n, it->id, kk, seed, idx);
	struct prompt_example demos[64];
	for (size_t i = 0; i < n; i++)
		demos[i] = src[idx[i]];
	free(same);
	struct prompt_example target = {it->id,     it->split,       it->question, it->choices_json,
					it->answer, it->answer_type, NULL};
	return prompt_render_lang(prompt_set_get_lang(ps, pool->lang, pmode, it->answer_type),
				  pool->lang, pmode, &target, demos, n, out, err);
}

/* ------------------------------------------------------------- language */

/* The workspace setting that overrides a dataset's detected language. */
static void lang_key(char *key, size_t cap, int64_t dataset_id)
{
	snprintf(key, cap, "dataset.%lld.lang", (long long)dataset_id);
}

int teacher_dataset_lang(struct store *st, int64_t dataset_id, int *lang, int *set, char *err)
{
	char key[48];
	lang_key(key, sizeof key, dataset_id);
	char *v = store_setting_get(st, key);
	int l = -1;
	char sub[MENTOR_ERR_LEN];
	if (v && i18n_lang_parse(v, &l, sub))
		l = -1; /* a damaged setting counts as auto */
	free(v);
	if (set)
		*set = l >= 0;
	if (l >= 0) {
		*lang = l;
		return 0;
	}
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	struct store_item *page;
	size_t got;
	if (store_item_page(st, &f, 0, 0, TEACHER_LANG_SAMPLE, &page, &got, err))
		return MENTOR_ERR;
	struct i18n_census c = {0, 0, 0};
	for (size_t i = 0; i < got; i++) {
		if (page[i].question)
			i18n_census_add(&c, page[i].question, strlen(page[i].question));
		store_item_release(&page[i]);
	}
	free(page);
	*lang = i18n_census_lang(&c);
	return 0;
}

int teacher_dataset_lang_set(struct store *st, int64_t dataset_id, const char *value, char *err)
{
	int l;
	char sub[MENTOR_ERR_LEN];
	if (!value || !*value || i18n_lang_parse(value, &l, sub)) {
		util_err(err, "bad language for dataset %lld: use ja, en or auto",
			 (long long)dataset_id);
		return MENTOR_EUSAGE;
	}
	char key[48];
	lang_key(key, sizeof key, dataset_id);
	return store_setting_set(st, key, l < 0 ? "auto" : i18n_lang_code(l), err);
}

/* --------------------------------------------------------------- results */

static void emit_result(struct teacher_job *j, const struct teacher_result *r)
{
	if (j->cb.on_result)
		j->cb.on_result(j->cb.user, r);
}

/* A task is over: its item is not needed any more (long batches stay small). */
static void task_over(struct task *t)
{
	if (t->loaded)
		store_item_release(&t->item);
	t->loaded = 0;
}

static void task_error(struct teacher_job *j, struct task *t, int pmode, const char *msg_in)
{
	char msg[MENTOR_ERR_LEN];
	snprintf(msg, sizeof msg, "%s", msg_in ? msg_in : "failed");
	teacher_redact_bytes(j->key, msg);
	struct teacher_result r = {0};
	r.item_id = t->item_id;
	r.mode = store_mode_name(t->mode);
	r.path = prompt_mode_name(pmode);
	r.correct = -1;
	r.error = msg;
	prog_add(j, 1, 1, 0, 0, 0, 0, 0, 0);
	emit_result(j, &r);
	task_over(t);
}

/* Log one call; returns its id (0 when logging failed: the error goes to the
 * result so that nothing fails silently). */
static int64_t log_call(struct teacher_job *j, const char *key, const char *request,
			const char *response, enum store_call_status status, long http_code,
			const char *error, int64_t tin, int64_t tout, int estimated,
			double latency_ms, double cost, char *err)
{
	/* A server may echo the key, even cut across stream chunks: masked in
	 * the assembled text of all that is stored. */
	char *resp = teacher_redact(j->key, response), *req = teacher_redact(j->key, request);
	char *msg = util_strdup(error);
	teacher_redact_bytes(j->key, msg);
	struct store_call c = {0};
	c.cache_key = (char *)key;
	c.provider = j->prov_name;
	c.model = j->model;
	c.request_json = req;
	c.response_text = resp;
	c.status = (char *)store_call_status_name(status);
	c.http_code = (int)http_code;
	c.error = msg;
	c.tokens_in = tin;
	c.tokens_out = tout;
	c.tokens_estimated = estimated;
	c.latency_ms = (int64_t)(latency_ms + 0.5);
	c.cost = cost;
	int rc = store_call_insert(j->st, &c, err);
	free(resp);
	free(req);
	free(msg);
	return rc ? 0 : c.id;
}

static double cost_of(const struct teacher_job *j, int64_t tin, int64_t tout)
{
	return ((double)tin * j->price_in + (double)tout * j->price_out) / 1e6;
}

static int start_step(struct teacher_job *j, struct task *t, int pmode);

char *teacher_trim(char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

void teacher_judge(const struct store_item *it, int pmode, const char *text, char **parsed,
		   int *correct, int *leaked)
{
	*parsed = prompt_parse_answer(text, it->answer_type, it->choices_json);
	*correct = !it->answer
			   ? -1
			   : *parsed && prompt_answers_equal(it->answer_type, *parsed, it->answer);
	*leaked = pmode == PROMPT_RP
			  ? prompt_leaked(text, it->answer, it->answer_type, it->choices_json)
			  : 0;
}

int teacher_edit(struct store *st, int64_t expl_id, const char *text, const char *reviewer,
		 char *err)
{
	struct store_expl e;
	int rc = store_expl_get(st, expl_id, &e, err);
	if (rc)
		return rc;
	struct store_item it;
	rc = store_item_get(st, e.item_id, &it, err);
	if (rc) {
		store_expl_release(&e);
		return rc;
	}
	char *parsed;
	int correct, leaked;
	int pmode = store_mode_parse(e.path) == STORE_RP ? PROMPT_RP : PROMPT_COT;
	teacher_judge(&it, pmode, text, &parsed, &correct, &leaked);
	struct store_verdict v = {parsed, correct, leaked};
	rc = store_expl_edit(st, expl_id, text, &v, reviewer, err);
	free(parsed);
	store_item_release(&it);
	store_expl_release(&e);
	return rc;
}

/* A step produced text (from the network, the cache or the offline teacher):
 * parse, judge, store, and for CROP maybe go on with RP. Returns 1 if a
 * request was submitted. */
static int finish_step(struct teacher_job *j, struct task *t, int pmode, char *text_in,
		       int64_t call_id, int cached)
{
	const struct store_item *it = &t->item;
	char *text = teacher_trim(text_in);
	teacher_redact_bytes(j->key, text);
	if (!*text) {
		task_error(j, t, pmode, "empty explanation");
		return 0;
	}
	char *parsed;
	int correct, leaked;
	teacher_judge(it, pmode, text, &parsed, &correct, &leaked);
	struct store_expl e = {0};
	e.item_id = it->id;
	e.mode = (char *)store_mode_name(t->mode);
	e.path = (char *)prompt_mode_name(pmode);
	e.provider = j->prov_name;
	e.model = j->model;
	e.call_id = call_id;
	e.text = text;
	e.parsed_answer = parsed;
	e.correct = correct;
	e.leaked = leaked;
	char err[MENTOR_ERR_LEN];
	int rc = 0;
	int64_t attempt = 0;
	if (t->mode == STORE_CROP && t->stage == 0 && correct != 1) {
		/* Keep the COTE attempt (once per call), then rationalize. */
		int64_t id;
		int f = store_expl_find_by_call(j->st, it->id, store_mode_name(STORE_CROP),
						store_mode_name(STORE_COT), call_id, &id, err);
		if (f == MENTOR_ENOTFOUND)
			rc = store_expl_insert(j->st, &e, err), id = e.id;
		else if (f)
			rc = f;
		if (rc) {
			free(parsed);
			task_error(j, t, pmode, err);
			return 0;
		}
		t->attempt_id = id;
		t->stage = 1;
		free(parsed);
		/* a cancelled or stopping job sends no new request, not even the
		 * second half of a task it has begun (the attempt is kept) */
		if (is_cancelled(j) || j->stopping) {
			struct teacher_result c = {0};
			c.item_id = it->id;
			c.mode = store_mode_name(t->mode);
			c.path = store_mode_name(STORE_RP);
			c.attempt_id = id;
			c.correct = -1;
			c.error = j->stopping ? "the job stopped before rationalization"
					      : store_call_status_name(STORE_CALL_CANCELLED);
			emit_result(j, &c);
			task_over(t);
			return 0;
		}
		return start_step(j, t, PROMPT_RP);
	}
	if (t->mode == STORE_CROP && t->stage == 1)
		attempt = e.attempt_of = t->attempt_id;
	rc = store_expl_insert(j->st, &e, err);
	if (rc) {
		free(parsed);
		task_error(j, t, pmode, err);
		return 0;
	}
	struct teacher_result r = {0};
	r.item_id = it->id;
	r.mode = store_mode_name(t->mode);
	r.path = prompt_mode_name(pmode);
	r.expl_id = e.id;
	r.attempt_id = attempt;
	r.call_id = call_id;
	r.text = text;
	r.parsed_answer = parsed;
	r.correct = correct;
	r.leaked = leaked;
	r.cached = cached;
	prog_add(j, 1, 0, 0, 0, 0, 0, 0, 0);
	emit_result(j, &r);
	free(parsed);
	task_over(t);
	return 0;
}

/* Text of a logged response of this job's provider type. Heap or NULL. */
static char *response_text(struct teacher_job *j, const char *resp, int64_t *tin, int64_t *tout,
			   char *err)
{
	struct buf b;
	buf_init(&b);
	*tin = *tout = -1;
	if (j->offline) {
		cJSON *r = resp ? cJSON_Parse(resp) : NULL;
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "text"));
		if (t)
			buf_puts(&b, t);
		cJSON_Delete(r);
		if (!t) {
			util_err(err, "malformed offline response");
			return NULL;
		}
		return buf_detach(&b, NULL);
	}
	if (teacher_parse_response(j->type, resp, resp ? strlen(resp) : 0, &b, tin, tout, err)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void emit_text(struct teacher_job *j, struct task *t, int pmode, const char *s, size_t n)
{
	if (j->cb.on_text && n)
		j->cb.on_text(j->cb.user, t->item_id, store_mode_name(t->mode),
			      prompt_mode_name(pmode), s, n);
}

/* ------------------------------------------------------------ transport */

static int on_event(void *user, const char *event, const char *data, size_t len)
{
	struct req *r = user;
	teacher_stream_event(&r->live, event, data, len);
	/* Shown only once it cannot be part of a key still arriving. */
	size_t safe = teacher_redact_live(r->j->key, r->live.text.data, r->live.text.len);
	if (safe > r->shown) {
		emit_text(r->j, r->t, r->pmode, r->live.text.data + r->shown, safe - r->shown);
		r->shown = safe;
	}
	return 0;
}

static void on_done(void *user, const struct http_result *res)
{
	struct req *r = user;
	r->ok = res->ok;
	r->cancelled = res->cancelled;
	r->attempts = res->attempts;
	r->http_code = res->http_code;
	r->latency_ms = res->latency_ms;
	snprintf(r->error, sizeof r->error, "%s", res->error);
	if (res->body) {
		size_t n = res->body_len < RESPONSE_MAX ? res->body_len : RESPONSE_MAX;
		r->resp = util_strndup(res->body, n);
		r->resp_len = n;
	}
	struct teacher_job *j = r->j;
	pthread_mutex_lock(&j->mu);
	if (j->q_tail)
		j->q_tail->next = r;
	else
		j->q_head = r;
	j->q_tail = r;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->mu);
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->resp);
	teacher_stream_release(&r->live);
	free(r);
}

/* ----------------------------------------------------------------- steps */

char *teacher_offline_body(const char *model, int pmode, const struct config_offline_rates *rates,
			   uint64_t seed, const struct store_item *it, const char *prompt)
{
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "model", model);
	cJSON_AddStringToObject(q, "mode", prompt_mode_name(pmode));
	/* Only the rates that can change this prompt's text, so that changing
	 * the COTE rates does not invalidate the RP calls. */
	if (pmode == PROMPT_COT) {
		cJSON_AddNumberToObject(q, "cot_wrong_rate", rates->cot_wrong);
		cJSON_AddNumberToObject(q, "cot_bad_step_rate", rates->cot_bad_step);
	} else {
		cJSON_AddNumberToObject(q, "rp_leak_rate", rates->rp_leak);
	}
	cJSON_AddNumberToObject(q, "seed", (double)seed);
	char th[65];
	const char *tr = it->trace_json ? it->trace_json : "";
	util_sha256_hex(tr, strlen(tr), th);
	cJSON_AddStringToObject(q, "trace_sha256", th);
	cJSON_AddStringToObject(q, "prompt", prompt);
	char *s = cJSON_PrintUnformatted(q);
	cJSON_Delete(q);
	if (!s)
		util_oom();
	return s;
}

static char *offline_request(struct teacher_job *j, const struct store_item *it, int pmode,
			     const char *prompt)
{
	return teacher_offline_body(j->model, pmode, &j->rates, j->seed, it, prompt);
}

void teacher_cache_key(const char *type, const char *base_url, const char *model, const char *body,
		       char out[65])
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "mentor-cache-v1\n%s\n%s\n%s\n", type, base_url ? base_url : "", model);
	buf_puts(&b, body);
	util_sha256_hex(b.data, b.len, out);
	buf_release(&b);
}

static void cache_key(const struct teacher_job *j, const char *body, char out[65])
{
	teacher_cache_key(j->type, j->base_url, j->model, body, out);
}

/* Start one prompt of a task. Returns 1 if a request is now in flight, 0 if
 * the task finished (or went on) synchronously. */
static int start_step(struct teacher_job *j, struct task *t, int pmode)
{
	char err[MENTOR_ERR_LEN];
	const struct store_item *it = &t->item;
	struct buf prompt;
	buf_init(&prompt);
	if (build_prompt(j->st, &j->ps, &j->pool, j->k, j->seed, it, pmode, &prompt, err)) {
		buf_release(&prompt);
		task_error(j, t, pmode, err);
		return 0;
	}
	char *key_body = j->offline ? offline_request(j, it, pmode, prompt.data)
				    : teacher_wire_body(j->type, j->model, prompt.data,
							j->max_tokens, j->temperature, 0);
	char key[65];
	cache_key(j, key_body, key);

	/* The log answers an identical request, unless forced (then only calls
	 * made by this job, such as CROP reusing this job's COTE, count). */
	struct store_call c;
	int f = store_call_find(j->st, key, &c, err);
	if (f == 0 && (!j->force || c.id > j->min_call_id)) {
		int64_t tin, tout;
		char *text = response_text(j, c.response_text, &tin, &tout, err);
		if (text) {
			free(key_body);
			buf_release(&prompt);
			prog_add(j, 0, 0, 0, 1, 0, 0, 0, 0);
			teacher_redact_bytes(j->key, text);
			emit_text(j, t, pmode, text, strlen(text));
			int64_t cid = c.id;
			store_call_release(&c);
			int rc = finish_step(j, t, pmode, text, cid, 1);
			free(text);
			return rc;
		}
	}
	if (f == 0)
		store_call_release(&c);

	if (j->offline) {
		struct buf out;
		buf_init(&out);
		double t0 = util_mono();
		int mistake = TEACHER_OFFLINE_NONE;
		int rc = teacher_offline_explain(it, pmode, &j->rates, j->seed, &out, &mistake,
						 err);
		double ms = (util_mono() - t0) * 1000;
		int64_t tin = (int64_t)(prompt.len + 3) / 4, tout = (int64_t)(out.len + 3) / 4;
		cJSON *resp = cJSON_CreateObject();
		cJSON_AddTrueToObject(resp, "scripted");
		cJSON_AddStringToObject(resp, "teacher", "scripted-teacher");
		cJSON_AddStringToObject(resp, "note",
					"written from the item's solution trace by a scripted "
					"teacher, not by a language model");
		if (rc) {
			cJSON_AddStringToObject(resp, "declined", err);
		} else {
			cJSON_AddStringToObject(resp, "text", out.data ? out.data : "");
			/* Said openly: the scripted teacher errs on purpose. */
			cJSON_AddStringToObject(resp, "mistake",
						teacher_offline_mistake_name(mistake));
		}
		char *rs = cJSON_PrintUnformatted(resp);
		cJSON_Delete(resp);
		char lerr[MENTOR_ERR_LEN];
		int64_t cid = log_call(j, key, key_body, rs, rc ? STORE_CALL_ERROR : STORE_CALL_OK,
				       0, rc ? err : NULL, tin, rc ? 0 : tout, 1, ms, 0, lerr);
		free(rs);
		free(key_body);
		buf_release(&prompt);
		prog_add(j, 0, 0, 0, 0, 1, tin, rc ? 0 : tout, 0);
		if (rc || !cid) {
			buf_release(&out);
			task_error(j, t, pmode, rc ? err : lerr);
			return 0;
		}
		emit_text(j, t, pmode, out.data, out.len);
		char *text = buf_detach(&out, NULL);
		int r2 = finish_step(j, t, pmode, text, cid, 0);
		free(text);
		return r2;
	}

	struct req *r = calloc(1, sizeof *r);
	if (!r)
		util_oom();
	r->j = j;
	r->t = t;
	r->pmode = pmode;
	memcpy(r->key, key, sizeof r->key);
	r->prompt_len = prompt.len;
	teacher_stream_init(&r->live, j->type);
	if (j->stream) {
		free(key_body);
		r->body = teacher_wire_body(j->type, j->model, prompt.data, j->max_tokens,
					    j->temperature, 1);
	} else {
		r->body = key_body;
	}
	buf_release(&prompt);
	struct http_request hr = {0};
	hr.url = j->url;
	hr.method = HTTP_POST;
	hr.body = r->body;
	hr.headers = (const char *const *)j->headers;
	hr.n_headers = j->n_headers;
	hr.stream = j->stream;
	hr.user = r;
	hr.on_event = on_event;
	hr.on_done = on_done;
	t->active = 1;
	if (http_submit(j->http, &hr, NULL, err)) {
		t->active = 0;
		req_free(r);
		task_error(j, t, pmode, err);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ stop rule */

static int has_word_ci(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; s && *s; s++)
		if (!strncasecmp(s, w, n))
			return 1;
	return 0;
}

/* A response that says the account's quota or credit is spent: 402, or a
 * 429 whose body speaks of quota, billing or credit (OpenAI's
 * insufficient_quota). No wait fixes it. */
static int quota_spent(long code, const char *body)
{
	return code == 402 ||
	       (code == 429 && (has_word_ci(body, "quota") || has_word_ci(body, "billing") ||
				has_word_ci(body, "credit")));
}

/* http_opts.retry_ok: a spent quota is not retried, so the stop rule sees
 * it at the first answer rather than after every retry's backoff. */
static int retry_ok(void *user, long code, const char *body, size_t len)
{
	(void)user, (void)len;
	return !quota_spent(code, body);
}

/* Stop the job early: no task is started any more (those in flight finish).
 * what says what happened, hint what to do. */
static void stop_job(struct teacher_job *j, const char *what, const char *hint)
{
	if (j->stopping)
		return;
	j->stopping = 1;
	snprintf(j->stop_what, sizeof j->stop_what, "%.255s", what);
	snprintf(j->stop_hint, sizeof j->stop_hint, "%.127s", hint);
	teacher_redact_bytes(j->key, j->stop_what);
}

/* A call failed (HTTP status code, 0 if none; body may be NULL; msg is what
 * the task reports). A refused key (401, 403) and a spent quota (402, or
 * 429 that speaks of quota or billing) stop the job at once; so do
 * SAME_FAILURES_STOP failures in a row with the same message. */
static void call_failed(struct teacher_job *j, long code, const char *body, const char *msg)
{
	char what[MENTOR_ERR_LEN], hint[MENTOR_ERR_LEN], detail[MENTOR_ERR_LEN] = "";
	if (body && *body) {
		/* the provider's own words, when the body has them */
		struct buf b;
		buf_init(&b);
		int64_t a, c;
		if (!teacher_parse_response(j->type, body, strlen(body), &b, &a, &c, detail))
			detail[0] = '\0';
		buf_release(&b);
		if (strncmp(detail, "provider error: ", 16))
			detail[0] = '\0';
	}
	const char *env = j->key_env ? j->key_env : "the provider's api_key_env variable";
	if (code == 401 || code == 403) {
		snprintf(what, sizeof what, "the provider refused the API key (HTTP %ld%s%.160s)",
			 code, detail[0] ? ": " : "", detail);
		snprintf(hint, sizeof hint, "%s %s for provider '%s', then run again",
			 j->key ? "check the key in" : "set", env, j->prov_name);
		stop_job(j, what, hint);
		return;
	}
	if (quota_spent(code, body)) {
		snprintf(
			what, sizeof what,
			"the provider says the account's quota or credit is used up (HTTP %ld%s%.160s)",
			code, detail[0] ? ": " : "", detail);
		snprintf(hint, sizeof hint,
			 "check the plan and billing of the account of provider "
			 "'%s', then run again",
			 j->prov_name);
		stop_job(j, what, hint);
		return;
	}
	if (!strcmp(msg, j->last_fail)) {
		j->same_fails++;
	} else {
		snprintf(j->last_fail, sizeof j->last_fail, "%s", msg);
		j->same_fails = 1;
	}
	if (j->same_fails >= SAME_FAILURES_STOP) {
		snprintf(what, sizeof what, "%d tasks in a row failed with the same error (%.180s)",
			 j->same_fails, msg);
		stop_job(j, what, "fix the cause, then run again (finished tasks are kept)");
	}
}

static void call_succeeded(struct teacher_job *j)
{
	j->last_fail[0] = '\0';
	j->same_fails = 0;
}

/* A transfer finished: log it and go on. Returns 1 if another request was
 * submitted for the task. */
static int handle_done(struct teacher_job *j, struct req *r)
{
	struct task *t = r->t;
	t->active = 0;
	if (r->live.text.len > r->shown) {
		/* the stream's last bytes, held back while they could be a key */
		teacher_redact_bytes(j->key, r->live.text.data);
		emit_text(j, t, r->pmode, r->live.text.data + r->shown,
			  r->live.text.len - r->shown);
		r->shown = r->live.text.len;
	}
	char err[MENTOR_ERR_LEN], lerr[MENTOR_ERR_LEN];
	int64_t tin = (int64_t)(r->prompt_len + 3) / 4;
	if (r->cancelled) {
		if (r->attempts > 0)
			log_call(j, r->key, r->body, r->resp, STORE_CALL_CANCELLED, r->http_code,
				 store_call_status_name(STORE_CALL_CANCELLED), tin, 0, 1,
				 r->latency_ms, 0, lerr);
		struct teacher_result res = {0};
		res.item_id = t->item_id;
		res.mode = store_mode_name(t->mode);
		res.path = prompt_mode_name(r->pmode);
		res.correct = -1;
		res.error = store_call_status_name(STORE_CALL_CANCELLED);
		emit_result(j, &res);
		task_over(t);
		return 0;
	}
	if (!r->ok) {
		log_call(j, r->key, r->body, r->resp, STORE_CALL_ERROR, r->http_code, r->error, tin,
			 0, 1, r->latency_ms, 0, lerr);
		prog_add(j, 0, 0, 0, 0, 1, 0, 0, 0);
		snprintf(err, sizeof err, "%s", r->error[0] ? r->error : "request failed");
		call_failed(j, r->http_code, r->resp, err);
		task_error(j, t, r->pmode, err);
		return 0;
	}
	int64_t pin, pout;
	char *text = response_text(j, r->resp, &pin, &pout, err);
	if (!text) {
		/* The raw body stays in the log: nothing is lost. */
		log_call(j, r->key, r->body, r->resp, STORE_CALL_ERROR, r->http_code, err, tin, 0,
			 1, r->latency_ms, 0, lerr);
		prog_add(j, 0, 0, 0, 0, 1, 0, 0, 0);
		call_failed(j, r->http_code, NULL, err);
		task_error(j, t, r->pmode, err);
		return 0;
	}
	call_succeeded(j);
	int estimated = pin < 0 || pout < 0;
	if (pin < 0)
		pin = tin;
	if (pout < 0)
		pout = (int64_t)(strlen(text) + 3) / 4;
	double cost = cost_of(j, pin, pout);
	int64_t cid = log_call(j, r->key, r->body, r->resp, STORE_CALL_OK, r->http_code, NULL, pin,
			       pout, estimated, r->latency_ms, cost, lerr);
	prog_add(j, 0, 0, 0, 0, 1, pin, pout, cost);
	int rc = 0;
	if (!cid)
		task_error(j, t, r->pmode, lerr);
	else
		rc = finish_step(j, t, r->pmode, text, cid, 0);
	free(text);
	return rc;
}

static int start_task(struct teacher_job *j, struct task *t)
{
	char err[MENTOR_ERR_LEN];
	if (!j->force) {
		int64_t id;
		int f = store_expl_find_final(j->st, t->item_id, store_mode_name(t->mode),
					      j->prov_name, j->model, &id, err);
		if (f == 0) {
			struct teacher_result r = {0};
			r.item_id = t->item_id;
			r.mode = store_mode_name(t->mode);
			r.expl_id = id;
			r.correct = -1;
			r.skipped = 1;
			prog_add(j, 1, 0, 1, 0, 0, 0, 0, 0);
			emit_result(j, &r);
			return 0;
		}
		if (f != MENTOR_ENOTFOUND) {
			task_error(j, t, PROMPT_COT, err);
			return 0;
		}
	}
	if (!t->loaded) {
		if (store_item_get(j->st, t->item_id, &t->item, err)) {
			task_error(j, t, PROMPT_COT, err);
			return 0;
		}
		t->loaded = 1;
	}
	return start_step(j, t, t->mode == STORE_RP ? PROMPT_RP : PROMPT_COT);
}

/* A CROP task waits for the COTE and RP tasks of its item in this job, so
 * that it reuses their calls. */
static int blocked(const struct teacher_job *j, size_t i)
{
	const struct task *t = &j->tasks[i];
	if (t->mode != STORE_CROP)
		return 0;
	for (size_t b = i; b > 0 && i - b < 2; b--)
		if (j->tasks[b - 1].item_id == t->item_id && j->tasks[b - 1].active)
			return 1;
	return 0;
}

/* Wait on the job's condition (j->mu held) for at most ms milliseconds. */
static void wait_signal(struct teacher_job *j, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&j->cond, &j->mu, &ts);
}

static void *job_main(void *arg)
{
	struct teacher_job *j = arg;
	char err[MENTOR_ERR_LEN];
	j->st = store_open(j->db_path, err);
	int setup_ok = j->st != NULL;
	prompt_set_init(&j->ps);
	if (setup_ok && prompt_set_load_dir(&j->ps, j->prompts_dir, err))
		setup_ok = 0;
	if (!setup_ok) {
		for (size_t i = 0; i < j->n_tasks; i++)
			task_error(j, &j->tasks[i], PROMPT_COT, err);
		goto out;
	}
	j->min_call_id = store_call_max_id(j->st);
	size_t next = 0;
	int active = 0, cancel_seen = 0;
	for (;;) {
		int cancel = is_cancelled(j);
		if (cancel && !cancel_seen && j->http) {
			/* Also stops what was submitted after teacher_cancel ran. */
			http_cancel_all(j->http);
			cancel_seen = 1;
		}
		while (!cancel && !j->stopping && active < j->conc && next < j->n_tasks &&
		       !blocked(j, next)) {
			active += start_task(j, &j->tasks[next]);
			next++;
			cancel = is_cancelled(j);
		}
		if (active == 0 && (next >= j->n_tasks || cancel || j->stopping))
			break;
		pthread_mutex_lock(&j->mu);
		if (!j->q_head)
			wait_signal(j, 100);
		struct req *list = j->q_head;
		j->q_head = j->q_tail = NULL;
		pthread_mutex_unlock(&j->mu);
		while (list) {
			struct req *r = list;
			list = r->next;
			active--;
			active += handle_done(j, r);
			req_free(r);
		}
	}
	j->started = next;
out:;
	struct teacher_progress p;
	pthread_mutex_lock(&j->mu);
	j->prog.cancelled = j->cancel;
	if (j->stopping) {
		j->prog.stopped = 1;
		snprintf(j->prog.stop_reason, sizeof j->prog.stop_reason,
			 "%s; %zu of %zu tasks were not attempted; %s", j->stop_what,
			 j->n_tasks - j->started, j->n_tasks, j->stop_hint);
	}
	j->prog.elapsed_s = util_mono() - j->t0;
	p = j->prog;
	p.finished = 1;
	pthread_mutex_unlock(&j->mu);
	if (j->cb.on_done)
		j->cb.on_done(j->cb.user, &p);
	pthread_mutex_lock(&j->mu);
	j->prog.finished = 1;
	j->finished = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* ------------------------------------------------------------- lifecycle */

static void job_free(struct teacher_job *j)
{
	if (!j)
		return;
	http_client_free(j->http);
	for (size_t i = 0; i < j->n_tasks; i++)
		store_item_release(&j->tasks[i].item);
	free(j->tasks);
	for (size_t i = 0; i < j->n_headers; i++)
		util_free_secret(j->headers[i]);
	util_free_secret(j->key);
	free(j->key_env);
	free(j->db_path);
	free(j->prov_name);
	free(j->type);
	free(j->base_url);
	free(j->model);
	free(j->prompts_dir);
	free(j->anth_version);
	free(j->url);
	pool_release(&j->pool);
	prompt_set_release(&j->ps);
	store_close(j->st);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cond);
	free(j);
}

static int is_default_endpoint(const char *type, const char *base)
{
	if (!base)
		return 1;
	if (!strcmp(type, CONFIG_TYPE_ANTHROPIC))
		return strstr(base, "://api.anthropic.com") != NULL;
	return strstr(base, "://api.openai.com") != NULL;
}

struct teacher_job *teacher_start(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
				  const struct teacher_callbacks *cb, char *err)
{
	if (!o || !o->cfg || !o->db_path) {
		util_err(err, "cannot start teacher: no configuration or workspace");
		return NULL;
	}
	const struct config *cfg = o->cfg;
	unsigned modes = o->modes & TEACHER_ALL;
	if (!modes) {
		util_err(err, "cannot start teacher: no mode (use cot, rp or crop)");
		return NULL;
	}
	const struct config_provider *p;
	const char *model;
	if (config_resolve(cfg, o->provider, o->model, &p, &model, err))
		return NULL;
	struct teacher_job *j = calloc(1, sizeof *j);
	if (!j)
		util_oom();
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->db_path = util_strdup(o->db_path);
	j->prov_name = util_strdup(p->name);
	j->type = util_strdup(p->type);
	j->base_url = util_strdup(p->base_url);
	j->model = util_strdup(model);
	j->anth_version = util_strdup(p->anthropic_version ? p->anthropic_version
							   : CONFIG_ANTHROPIC_VERSION);
	j->price_in = p->price_in;
	j->price_out = p->price_out;
	j->offline = !strcmp(p->type, CONFIG_TYPE_OFFLINE);
	j->conc = o->concurrency > 0 ? o->concurrency : cfg->concurrency;
	if (j->conc > HTTP_MAX_CONCURRENCY)
		j->conc = HTTP_MAX_CONCURRENCY;
	j->k = o->k >= 0 ? o->k : cfg->k;
	j->seed = o->seed >= 0 ? (uint64_t)o->seed : cfg->seed;
	struct config_offline_rates over = o->offline;
	if (over.cot_wrong < 0 && o->error_rate >= 0)
		over.cot_wrong = o->error_rate;
	if (config_offline_rates_resolve(cfg, p, &over, &j->rates, err) && j->offline)
		goto fail;
	j->stream = o->stream >= 0 ? o->stream : (cfg->stream || (cb && cb->on_text));
	j->max_tokens = cfg->max_tokens;
	j->temperature = cfg->temperature;
	j->force = o->force;
	if (o->prompts_dir)
		j->prompts_dir = util_strdup(o->prompts_dir);
	else if (cfg->prompts_dir)
		j->prompts_dir = util_strdup(cfg->prompts_dir);
	else
		j->prompts_dir = prompt_default_dir();
	if (cb)
		j->cb = *cb;

	/* Tasks: per item COTE, RP, then CROP. */
	size_t per = (size_t) !!(modes & TEACHER_COT) + !!(modes & TEACHER_RP) +
		     !!(modes & TEACHER_CROP);
	size_t bytes;
	if (util_mul_size(n, per, &j->n_tasks) ||
	    util_mul_size(j->n_tasks ? j->n_tasks : 1, sizeof *j->tasks, &bytes)) {
		util_err(err, "cannot start teacher: too many items");
		goto fail;
	}
	j->tasks = calloc(1, bytes);
	if (!j->tasks)
		util_oom();
	size_t ti = 0;
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < STORE_N_MODES; m++)
			if (modes & (1u << m)) {
				j->tasks[ti].item_id = item_ids[i];
				j->tasks[ti].mode = m;
				ti++;
			}
	j->prog.total = (int64_t)j->n_tasks;

	if (!j->offline) {
		const char *key = config_api_key(p);
		if (!key && is_default_endpoint(p->type, p->base_url)) {
			util_err(err, "no API key for provider '%s': set %s in the environment",
				 p->name,
				 p->api_key_env ? p->api_key_env : "its api_key_env variable");
			goto fail;
		}
		j->url = teacher_wire_url(p);
		j->key = util_strdup(key);
		if (p->api_key_env)
			j->key_env = util_strdup(p->api_key_env);
		struct buf h;
		if (key) {
			buf_init(&h);
			if (!strcmp(p->type, CONFIG_TYPE_ANTHROPIC))
				buf_printf(&h, "x-api-key: %s", key);
			else
				buf_printf(&h, "Authorization: Bearer %s", key);
			j->headers[j->n_headers++] = buf_detach(&h, NULL);
		}
		if (!strcmp(p->type, CONFIG_TYPE_ANTHROPIC)) {
			buf_init(&h);
			buf_printf(&h, "anthropic-version: %s", j->anth_version);
			j->headers[j->n_headers++] = buf_detach(&h, NULL);
		}
		struct http_opts ho;
		http_opts_init(&ho);
		ho.concurrency = j->conc;
		int rpm = o->rpm >= 0 ? o->rpm : cfg->rpm;
		ho.rpm = rpm;
		double to = o->timeout_s > 0 ? o->timeout_s : cfg->timeout_s;
		ho.total_timeout_ms = (long)(to * 1000);
		ho.connect_timeout_ms = (long)(cfg->connect_timeout_s * 1000);
		if (ho.connect_timeout_ms > ho.total_timeout_ms)
			ho.connect_timeout_ms = ho.total_timeout_ms;
		ho.max_retries = o->retries >= 0 ? o->retries : cfg->retries;
		ho.jitter_seed = j->seed;
		ho.retry_ok = retry_ok;
		ho.max_body = RESPONSE_MAX;
		char sub[MENTOR_ERR_LEN];
		j->http = http_client_new(&ho, sub);
		if (!j->http) {
			util_err(err, "cannot start teacher: %s", sub);
			goto fail;
		}
	}
	j->t0 = util_mono();
	if (pthread_create(&j->th, NULL, job_main, j)) {
		util_err(err, "cannot start teacher: no thread");
		goto fail;
	}
	j->th_started = 1;
	return j;
fail:
	job_free(j);
	return NULL;
}

void teacher_cancel(struct teacher_job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->cancel = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
	if (j->http)
		http_cancel_all(j->http);
}

int teacher_wait(struct teacher_job *j, long timeout_ms)
{
	double end = util_mono() + (double)timeout_ms / 1000.0;
	pthread_mutex_lock(&j->mu);
	while (!j->finished) {
		if (timeout_ms >= 0 && util_mono() >= end)
			break;
		wait_signal(j, 50);
	}
	int fin = j->finished;
	pthread_mutex_unlock(&j->mu);
	return fin ? MENTOR_OK : MENTOR_ERR;
}

void teacher_free(struct teacher_job *j)
{
	if (!j)
		return;
	if (j->th_started) {
		pthread_mutex_lock(&j->mu);
		int fin = j->finished;
		pthread_mutex_unlock(&j->mu);
		if (!fin)
			teacher_cancel(j);
		pthread_join(j->th, NULL);
	}
	job_free(j);
}

const char *teacher_job_provider(const struct teacher_job *j)
{
	return j->prov_name;
}
const char *teacher_job_model(const struct teacher_job *j)
{
	return j->model;
}

/* ------------------------------------------------------------- helpers */

int teacher_select_items(struct store *st, int64_t dataset_id, const char *split, size_t limit,
			 int64_t **ids, size_t *n, char *err)
{
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = dataset_id;
	f.split = split;
	return teacher_select_filter(st, &f, limit, ids, n, err);
}

int teacher_select_filter(struct store *st, const struct store_item_filter *fp, size_t limit,
			  int64_t **ids, size_t *n, char *err)
{
	*ids = NULL;
	*n = 0;
	struct store_item_filter f = *fp;
	int64_t after = 0;
	size_t cap = 0;
	for (;;) {
		struct store_item *page;
		size_t got;
		if (store_item_page(st, &f, 0, after, 500, &page, &got, err)) {
			free(*ids);
			*ids = NULL;
			*n = 0;
			return MENTOR_ERR;
		}
		for (size_t i = 0; i < got; i++) {
			if (!limit || *n < limit) {
				if (*n == cap) {
					cap = cap ? cap * 2 : 256;
					int64_t *g = realloc(*ids, cap * sizeof **ids);
					if (!g)
						util_oom();
					*ids = g;
				}
				(*ids)[(*n)++] = page[i].id;
			}
			after = page[i].id;
			store_item_release(&page[i]);
		}
		free(page);
		if (got < 500 || (limit && *n >= limit))
			break;
	}
	return 0;
}

int teacher_build_prompt(struct store *st, const struct teacher_opts *o, int64_t item_id, int pmode,
			 struct buf *out, char *err)
{
	const struct config *cfg = o->cfg;
	struct prompt_set ps;
	prompt_set_init(&ps);
	char *dir = o->prompts_dir            ? util_strdup(o->prompts_dir)
		    : cfg && cfg->prompts_dir ? util_strdup(cfg->prompts_dir)
					      : prompt_default_dir();
	int rc = prompt_set_load_dir(&ps, dir, err);
	free(dir);
	struct store_item it = {0};
	struct demo_pool pool = {0};
	if (!rc)
		rc = store_item_get(st, item_id, &it, err);
	if (!rc) {
		int k = o->k >= 0 ? o->k : cfg ? cfg->k : PROMPT_DEFAULT_K;
		uint64_t seed = o->seed >= 0 ? (uint64_t)o->seed
				: cfg        ? cfg->seed
					     : PROMPT_DEFAULT_SEED;
		rc = build_prompt(st, &ps, &pool, k, seed, &it, pmode, out, err);
	}
	pool_release(&pool);
	store_item_release(&it);
	prompt_set_release(&ps);
	return rc;
}

/* ------------------------------------------------------------- prompter */

struct teacher_prompter {
	struct prompt_set ps;
	struct demo_pool pool;
	int k;
	uint64_t seed;
};

struct teacher_prompter *teacher_prompter_new(const char *prompts_dir, int k, uint64_t seed,
					      char *err)
{
	struct teacher_prompter *p = calloc(1, sizeof *p);
	if (!p)
		util_oom();
	prompt_set_init(&p->ps);
	p->k = k;
	p->seed = seed;
	if (prompt_set_load_dir(&p->ps, prompts_dir, err)) {
		teacher_prompter_free(p);
		return NULL;
	}
	return p;
}

int teacher_prompter_build(struct teacher_prompter *p, struct store *st,
			   const struct store_item *it, int pmode, struct buf *out, char *err)
{
	return build_prompt(st, &p->ps, &p->pool, p->k, p->seed, it, pmode, out, err);
}

void teacher_prompter_free(struct teacher_prompter *p)
{
	if (!p)
		return;
	pool_release(&p->pool);
	prompt_set_release(&p->ps);
	free(p);
}
