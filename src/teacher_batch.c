/* teacher_batch: the teacher over the OpenAI Batch API. Export writes the
 * requests a live job would send as Batch API input (JSONL); import reads the
 * Batch API output back into the workspace as if the responses had been
 * fetched live: same request bodies and cache keys, same parsing, judging,
 * leak check and CROP bookkeeping. Both walk the same per-task steps, taking
 * answers from the call log first, so a task's state lives in the workspace
 * and a run can be repeated without harm. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/prompt.h"
#include "teacher_int.h"

#define BATCH_URL "/v1/chat/completions"
#define KEY_HEX 16
#define MAX_CUSTOM_ID 64
#define SHOW_MAX 80

/* Everything resolved once per export or import. */
struct bctx {
	struct store *st;
	const struct config_provider *p;
	const char *model; /* borrowed from the config or the options */
	const char *key;   /* API key, only to scrub it; may be NULL */
	struct teacher_prompter *pr;
	int max_tokens;
	double temperature;
	int force;
	int64_t min_call_id; /* calls above this one were made by this run */
	struct teacher_batch_stats *stats;
	struct buf *out; /* export: the lines being written, else NULL */
};

/* A response read from an output line, for one step of one task. */
struct line_resp {
	int pmode;
	int ok; /* usable 200 response */
	long http_code;
	char *body; /* response body (JSON text), heap or NULL */
	char error[MENTOR_ERR_LEN];
	int consumed;    /* the step used it */
	int64_t call_id; /* the call it was logged as */
};

/* ------------------------------------------------------------- context */

static void ctx_close(struct bctx *c)
{
	teacher_prompter_free(c->pr);
	store_close(c->st);
	memset(c, 0, sizeof *c);
}

static int ctx_open(struct bctx *c, const struct teacher_opts *o, struct teacher_batch_stats *stats,
		    char *err)
{
	memset(c, 0, sizeof *c);
	c->stats = stats;
	if (!o || !o->cfg || !o->db_path)
		return util_err(err, "cannot use batch files: no configuration or workspace");
	const struct config *cfg = o->cfg;
	if (config_resolve(cfg, o->provider, o->model, &c->p, &c->model, err))
		return MENTOR_EUSAGE;
	if (strcmp(c->p->type, CONFIG_TYPE_OPENAI))
		return util_err(err,
				"cannot use batch files with provider '%s': it is of type '%s' "
				"(the Batch API format needs an OpenAI-compatible provider)",
				c->p->name, c->p->type),
		       MENTOR_EUSAGE;
	c->key = config_api_key(c->p);
	c->max_tokens = cfg->max_tokens;
	c->temperature = cfg->temperature;
	c->force = o->force;
	int k = o->k >= 0 ? o->k : cfg->k;
	uint64_t seed = o->seed >= 0 ? (uint64_t)o->seed : cfg->seed;
	char *dir = o->prompts_dir     ? util_strdup(o->prompts_dir)
		    : cfg->prompts_dir ? util_strdup(cfg->prompts_dir)
				       : prompt_default_dir();
	c->pr = teacher_prompter_new(dir, k, seed, err);
	free(dir);
	if (!c->pr)
		return MENTOR_ERR;
	c->st = store_open(o->db_path, err);
	if (!c->st) {
		ctx_close(c);
		return MENTOR_ERR;
	}
	c->min_call_id = store_call_max_id(c->st);
	return 0;
}

/* The live request of one step: body (heap) and cache key; *prompt_len for
 * token estimates. */
static int step_request(struct bctx *c, const struct store_item *it, int pmode, char **body,
			char key[65], size_t *prompt_len, char *err)
{
	struct buf prompt;
	buf_init(&prompt);
	if (teacher_prompter_build(c->pr, c->st, it, pmode, &prompt, err)) {
		buf_release(&prompt);
		return MENTOR_ERR;
	}
	*body = teacher_wire_body(c->p->type, c->model, prompt.data ? prompt.data : "",
				  c->max_tokens, c->temperature, 0);
	teacher_cache_key(c->p->type, c->p->base_url, c->model, *body, key);
	if (prompt_len)
		*prompt_len = prompt.len;
	buf_release(&prompt);
	return 0;
}

static void custom_id(char *out, size_t n, int64_t dataset_id, int64_t item_id, int mode, int pmode,
		      const char *key)
{
	snprintf(out, n, "mentor:d%lld:i%lld:%s:%s:%.*s", (long long)dataset_id, (long long)item_id,
		 store_mode_name(mode), prompt_mode_name(pmode), KEY_HEX, key);
}

/* --------------------------------------------------------------- steps */

/* Store the explanation of a step from text (the live job's finish step).
 * For CROP's COTE step that is not correct, keeps the attempt (once per
 * call) and sets *attempt; returns 1 then ("go on with RP"), 0 when the task
 * is finished, MENTOR_ERR with err. */
static int store_step(struct bctx *c, const struct store_item *it, int mode, int pmode,
		      char *text_in, int64_t call_id, int64_t *attempt, char *err)
{
	char *text = teacher_trim(text_in);
	teacher_redact_bytes(c->key, text);
	if (!*text)
		return util_err(err, "empty explanation");
	char *parsed;
	int correct, leaked;
	teacher_judge(it, pmode, text, &parsed, &correct, &leaked);
	struct store_expl e = {0};
	e.item_id = it->id;
	e.mode = (char *)store_mode_name(mode);
	e.path = (char *)prompt_mode_name(pmode);
	e.provider = c->p->name;
	e.model = (char *)c->model;
	e.call_id = call_id;
	e.text = text;
	e.parsed_answer = parsed;
	e.correct = correct;
	e.leaked = leaked;
	int rc = 0;
	if (mode == STORE_CROP && pmode == PROMPT_COT && correct != 1) {
		int64_t id;
		int f = store_expl_find_by_call(c->st, it->id, store_mode_name(STORE_CROP),
						store_mode_name(STORE_COT), call_id, &id, err);
		if (f == MENTOR_ENOTFOUND) {
			rc = store_expl_insert(c->st, &e, err);
			id = e.id;
		} else {
			rc = f;
		}
		free(parsed);
		if (rc)
			return MENTOR_ERR;
		*attempt = id;
		return 1;
	}
	if (mode == STORE_CROP && pmode == PROMPT_RP)
		e.attempt_of = *attempt;
	rc = store_expl_insert(c->st, &e, err);
	free(parsed);
	if (rc)
		return MENTOR_ERR;
	if (c->stats)
		c->stats->explained++;
	return 0;
}

/* Log the response of an output line as a call. Returns the call id (0
 * with err on failure) and the text (heap) in *text when it is usable. */
static int64_t log_line(struct bctx *c, struct line_resp *lr, const char *key, const char *body,
			size_t prompt_len, char **text, char *err)
{
	*text = NULL;
	struct buf b;
	buf_init(&b);
	int64_t tin = -1, tout = -1;
	char perr[MENTOR_ERR_LEN] = "";
	int ok = lr->ok;
	if (ok &&
	    teacher_parse_response(c->p->type, lr->body, strlen(lr->body), &b, &tin, &tout, perr)) {
		ok = 0;
		snprintf(lr->error, sizeof lr->error, "%s", perr);
	}
	char *resp = teacher_redact(c->key, lr->body), *req = teacher_redact(c->key, body);
	char *msg = ok ? NULL : util_strdup(lr->error);
	teacher_redact_bytes(c->key, msg);
	struct store_call k = {0};
	k.cache_key = (char *)key;
	k.provider = c->p->name;
	k.model = (char *)c->model;
	k.request_json = req;
	k.response_text = resp;
	k.status = (char *)store_call_status_name(ok ? STORE_CALL_OK : STORE_CALL_ERROR);
	k.http_code = (int)lr->http_code;
	k.error = msg;
	int64_t est_in = (int64_t)(prompt_len + 3) / 4;
	if (ok) {
		k.tokens_estimated = tin < 0 || tout < 0;
		k.tokens_in = tin < 0 ? est_in : tin;
		k.tokens_out = tout < 0 ? (int64_t)(b.len + 3) / 4 : tout;
		k.cost = ((double)k.tokens_in * c->p->price_in +
			  (double)k.tokens_out * c->p->price_out) /
			 1e6;
	} else {
		k.tokens_estimated = 1;
		k.tokens_in = est_in;
	}
	int rc = store_call_insert(c->st, &k, err);
	free(resp);
	free(req);
	free(msg);
	if (rc) {
		buf_release(&b);
		return 0;
	}
	if (c->stats) {
		if (ok) {
			c->stats->tokens_in += k.tokens_in;
			c->stats->tokens_out += k.tokens_out;
			c->stats->cost += k.cost;
		} else {
			c->stats->failed++;
		}
	}
	if (!ok) {
		buf_release(&b);
		util_err(err, "%s", lr->error);
		return k.id;
	}
	*text = buf_detach(&b, NULL);
	if (!*text)
		*text = util_strdup("");
	return k.id;
}

/* What advancing a task led to. */
enum { ADV_DONE, ADV_SKIPPED, ADV_EMITTED, ADV_WAITING, ADV_FAILED };

/* Walk one task (item x mode) as far as the call log and lr (the response of
 * an output line, or NULL) allow, like the live job: the COTE step first for
 * CROP, then RP when COTE is not correct. When a step needs the network:
 * export (c->out) writes its request line, import reports ADV_WAITING.
 * Returns an ADV_* or MENTOR_ERR with err (nothing is half-stored: callers
 * wrap it in a transaction). */
static int advance(struct bctx *c, const struct store_item *it, int mode, struct line_resp *lr,
		   char *err)
{
	if (!c->force) {
		int64_t id;
		int f = store_expl_find_final(c->st, it->id, store_mode_name(mode), c->p->name,
					      c->model, &id, err);
		if (f == 0)
			return ADV_SKIPPED;
		if (f != MENTOR_ENOTFOUND)
			return MENTOR_ERR;
	}
	int pmode = mode == STORE_RP ? PROMPT_RP : PROMPT_COT;
	int64_t attempt = 0;
	for (;;) {
		char *body = NULL, key[65];
		size_t plen = 0;
		if (step_request(c, it, pmode, &body, key, &plen, err))
			return MENTOR_ERR;
		char *text = NULL;
		int64_t call_id = 0;
		struct store_call k;
		int f = store_call_find(c->st, key, &k, err);
		if (f == 0 && (!c->force || k.id > c->min_call_id)) {
			int64_t tin, tout;
			struct buf b;
			buf_init(&b);
			char perr[MENTOR_ERR_LEN];
			if (!teacher_parse_response(c->p->type, k.response_text,
						    k.response_text ? strlen(k.response_text) : 0,
						    &b, &tin, &tout, perr)) {
				text = buf_detach(&b, NULL);
				if (!text)
					text = util_strdup("");
				call_id = k.id;
				if (c->stats)
					c->stats->cached++;
				if (lr && lr->pmode == pmode)
					lr->consumed = 1, lr->call_id = k.id;
			} else {
				buf_release(&b);
			}
		} else if (f != 0 && f != MENTOR_ENOTFOUND) {
			free(body);
			return MENTOR_ERR;
		}
		if (f == 0)
			store_call_release(&k);
		if (!text && lr && lr->pmode == pmode && !lr->consumed) {
			lr->consumed = 1;
			call_id = log_line(c, lr, key, body, plen, &text, err);
			lr->call_id = call_id;
			if (!call_id) {
				free(body);
				return MENTOR_ERR;
			}
			if (!text) {
				free(body);
				return ADV_FAILED;
			}
		}
		if (!text) {
			if (!c->out) {
				free(body);
				return ADV_WAITING;
			}
			char id[MAX_CUSTOM_ID + 16];
			custom_id(id, sizeof id, it->dataset_id, it->id, mode, pmode, key);
			cJSON *line = cJSON_CreateObject();
			cJSON *jb = cJSON_Parse(body);
			if (!line || !jb)
				util_oom();
			cJSON_AddStringToObject(line, "custom_id", id);
			cJSON_AddStringToObject(line, "method", "POST");
			cJSON_AddStringToObject(line, "url", BATCH_URL);
			cJSON_AddItemToObject(line, "body", jb);
			char *s = cJSON_PrintUnformatted(line);
			cJSON_Delete(line);
			free(body);
			if (!s)
				util_oom();
			int bad = buf_puts(c->out, s) || buf_putc(c->out, '\n');
			free(s);
			if (bad)
				return util_err(err, "cannot write batch file: out of memory");
			if (c->stats)
				c->stats->written++;
			return ADV_EMITTED;
		}
		free(body);
		int r = store_step(c, it, mode, pmode, text, call_id, &attempt, err);
		free(text);
		if (r < 0)
			return r;
		if (r == 0)
			return ADV_DONE;
		pmode = PROMPT_RP; /* CROP: COTE was not correct */
	}
}

/* --------------------------------------------------------------- export */

struct task_ref {
	int64_t item_id;
	int mode;
};

static int export_tasks(struct bctx *c, const struct task_ref *t, size_t n, const char *path,
			char *err)
{
	struct buf out;
	buf_init(&out);
	c->out = &out;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct store_item it;
		if (c->stats)
			c->stats->tasks++;
		if (store_item_get(c->st, t[i].item_id, &it, err)) {
			rc = MENTOR_ERR;
			break;
		}
		if (store_begin(c->st, err)) {
			store_item_release(&it);
			rc = MENTOR_ERR;
			break;
		}
		size_t mark = out.len;
		int64_t w = c->stats ? c->stats->written : 0;
		int r = advance(c, &it, t[i].mode, NULL, err);
		if (r < 0) {
			store_rollback(c->st);
			out.len = mark;
			if (out.data)
				out.data[mark] = '\0';
			if (c->stats)
				c->stats->written = w;
			char sub[MENTOR_ERR_LEN];
			snprintf(sub, sizeof sub, "%s", err);
			util_err(err, "cannot export item %lld (%s): %s", (long long)it.id,
				 store_mode_name(t[i].mode), sub);
			rc = MENTOR_ERR;
		} else if (store_commit(c->st, err)) {
			rc = MENTOR_ERR;
		} else if (r == ADV_SKIPPED && c->stats) {
			c->stats->skipped++;
		}
		store_item_release(&it);
	}
	c->out = NULL;
	if (!rc) {
		char sub[MENTOR_ERR_LEN];
		if (util_write_file_atomic(path, out.data ? out.data : "", out.len, sub))
			rc = util_err(err, "cannot write batch file '%s': %s", path, sub);
	}
	buf_release(&out);
	return rc;
}

int teacher_batch_export(const struct teacher_opts *o, const int64_t *item_ids, size_t n,
			 const char *path, struct teacher_batch_stats *stats, char *err)
{
	if (stats)
		memset(stats, 0, sizeof *stats);
	if (!path || !*path)
		return util_err(err, "cannot export batch: no file name");
	unsigned modes = o ? o->modes & TEACHER_ALL : 0;
	if (!modes)
		return util_err(err, "cannot export batch: no mode (use cot, rp or crop)");
	struct bctx c;
	int rc = ctx_open(&c, o, stats, err);
	if (rc)
		return rc;
	size_t per = (size_t) !!(modes & TEACHER_COT) + !!(modes & TEACHER_RP) +
		     !!(modes & TEACHER_CROP);
	size_t cnt, bytes;
	if (util_mul_size(n, per, &cnt) ||
	    util_mul_size(cnt ? cnt : 1, sizeof(struct task_ref), &bytes)) {
		ctx_close(&c);
		return util_err(err, "cannot export batch: too many items");
	}
	struct task_ref *t = malloc(bytes);
	if (!t)
		util_oom();
	size_t ti = 0;
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < STORE_N_MODES; m++)
			if (modes & (1u << m))
				t[ti++] = (struct task_ref){item_ids[i], m};
	rc = export_tasks(&c, t, ti, path, err);
	free(t);
	ctx_close(&c);
	return rc;
}

/* --------------------------------------------------------------- import */

/* Text from a file, safe to show: control characters and bad bytes as
 * escapes, cut at SHOW_MAX bytes. */
static void show(char *out, size_t n, const char *s)
{
	size_t o = 0;
	for (size_t i = 0; s && s[i] && o + 8 < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (i >= SHOW_MAX) {
			o += (size_t)snprintf(out + o, n - o, "...");
			break;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
		else if (ch >= 0x80) {
			uint32_t cp;
			int l = util_utf8_decode((const unsigned char *)s + i, strlen(s + i), &cp);
			if (cp == 0xFFFD && l == 1) {
				o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
			} else if (cp < 0xa0) {
				o += (size_t)snprintf(out + o, n - o, "\\u%04x", (unsigned)cp);
				i += (size_t)l - 1;
			} else {
				if (o + (size_t)l + 1 >= n)
					break;
				memcpy(out + o, s + i, (size_t)l);
				o += (size_t)l;
				i += (size_t)l - 1;
			}
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o < n ? o : n - 1] = '\0';
}

struct importer {
	struct bctx c;
	int64_t dataset_id;
	const char *path;
	teacher_batch_report_fn report;
	void *user;
	struct util_idset seen; /* custom ids seen, with their line */
	struct task_ref *tasks; /* (item, mode) of the usable lines, for next_path */
	size_t n_tasks, cap_tasks;
};

static void reject(struct importer *im, long line, const char *fmt, ...) MENTOR_PRINTF(3, 4);
static void reject(struct importer *im, long line, const char *fmt, ...)
{
	char msg[MENTOR_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (im->c.stats)
		im->c.stats->rejected++;
	if (im->report)
		im->report(im->user, im->path, line, msg);
}

static void note(struct importer *im, long line, const char *msg)
{
	if (im->report)
		im->report(im->user, im->path, line, msg);
}

static void add_task(struct importer *im, int64_t item_id, int mode)
{
	for (size_t i = im->n_tasks; i > 0 && i + 64 > im->n_tasks; i--)
		if (im->tasks[i - 1].item_id == item_id && im->tasks[i - 1].mode == mode)
			return;
	if (im->n_tasks == im->cap_tasks) {
		size_t nc = im->cap_tasks ? im->cap_tasks * 2 : 64, bytes;
		if (util_mul_size(nc, sizeof *im->tasks, &bytes))
			util_oom();
		struct task_ref *g = realloc(im->tasks, bytes);
		if (!g)
			util_oom();
		im->tasks = g;
		im->cap_tasks = nc;
	}
	im->tasks[im->n_tasks++] = (struct task_ref){item_id, mode};
}

/* Parse "mentor:d<ds>:i<item>:<mode>:<path>:<hex>". Returns 0 or -1. */
static int parse_custom_id(const char *id, int64_t *ds, int64_t *item, int *mode, int *pmode,
			   char hex[KEY_HEX + 1])
{
	char f[6][48];
	int nf = 0;
	const char *p = id;
	if (strlen(id) > MAX_CUSTOM_ID)
		return -1;
	int more = 1;
	while (nf < 6 && more) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l >= sizeof f[0])
			return -1;
		memcpy(f[nf], p, l);
		f[nf][l] = '\0';
		nf++;
		more = e != NULL;
		if (e)
			p = e + 1;
	}
	if (nf != 6 || more || strcmp(f[0], "mentor") || f[1][0] != 'd' || f[2][0] != 'i')
		return -1;
	long a, b;
	if (util_parse_long(f[1] + 1, 1, LONG_MAX, &a) ||
	    util_parse_long(f[2] + 1, 1, LONG_MAX, &b))
		return -1;
	*ds = a;
	*item = b;
	*mode = store_mode_parse(f[3]);
	int path = store_mode_parse(f[4]);
	*pmode = path == STORE_COT ? PROMPT_COT : path == STORE_RP ? PROMPT_RP : -1;
	if (*mode < 0 || *pmode < 0 || strlen(f[5]) != KEY_HEX)
		return -1;
	for (int i = 0; i < KEY_HEX; i++)
		if (!((f[5][i] >= '0' && f[5][i] <= '9') || (f[5][i] >= 'a' && f[5][i] <= 'f')))
			return -1;
	/* The path must be one the mode can take. */
	if ((*mode == STORE_COT && *pmode != PROMPT_COT) ||
	    (*mode == STORE_RP && *pmode != PROMPT_RP))
		return -1;
	memcpy(hex, f[5], KEY_HEX + 1);
	return 0;
}

/* The marker that says a line was imported: its bytes' hash. */
static void line_marker(char out[96], const char *line, size_t len)
{
	char h[65];
	util_sha256_hex(line, len, h);
	snprintf(out, 96, "teacher.batch.line.%s", h);
}

/* One output line (len bytes, NUL-terminated). */
static void import_line(struct importer *im, long no, const char *line, size_t len,
			int at_eof_no_nl)
{
	struct bctx *c = &im->c;
	char err[MENTOR_ERR_LEN], shown[SHOW_MAX * 6 + 16];
	if (c->stats)
		c->stats->lines++;
	cJSON *j = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		if (at_eof_no_nl)
			reject(im, no, "truncated line (the file ends in the middle of a record)");
		else
			reject(im, no, "malformed JSON (not one JSON object per line)");
		return;
	}
	const char *cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "custom_id"));
	if (!cid) {
		reject(im, no, "no custom_id");
		goto out;
	}
	show(shown, sizeof shown, cid);
	int64_t ds, item_id;
	int mode, pmode;
	char hex[KEY_HEX + 1];
	if (parse_custom_id(cid, &ds, &item_id, &mode, &pmode, hex)) {
		reject(im, no, "unknown custom_id '%s' (not written by mentor)", shown);
		goto out;
	}
	if (ds != im->dataset_id) {
		reject(im, no, "custom_id '%s' is for another dataset (id %lld)", shown,
		       (long long)ds);
		goto out;
	}
	long first = util_idset_add(&im->seen, cid, no);
	if (first < 0)
		util_oom();
	if (first) {
		reject(im, no, "duplicate custom_id '%s' (first on line %ld); ignored", shown,
		       first);
		goto out;
	}
	struct store_item it;
	int f = store_item_get(c->st, item_id, &it, err);
	if (f || it.dataset_id != im->dataset_id) {
		if (!f)
			store_item_release(&it);
		reject(im, no, "custom_id '%s' names no item of this dataset", shown);
		goto out;
	}
	/* The request must be the one this workspace would send now. */
	char *body = NULL, key[65];
	if (step_request(c, &it, pmode, &body, key, NULL, err)) {
		reject(im, no, "cannot rebuild the request of '%s': %s", shown, err);
		goto out_item;
	}
	free(body);
	if (strncmp(key, hex, KEY_HEX)) {
		reject(im, no,
		       "request of '%s' differs from the one exported (another provider, model, "
		       "template, k, seed or demonstrations?)",
		       shown);
		goto out_item;
	}
	add_task(im, item_id, mode);

	struct line_resp lr;
	memset(&lr, 0, sizeof lr);
	lr.pmode = pmode;
	const cJSON *je = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(j, "response");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "status_code");
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(resp, "body");
	if (je && !cJSON_IsNull(je)) {
		const char *code = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(je, "code"));
		const char *msg = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(je, "message"));
		char a[160], b[160];
		show(a, sizeof a, code ? code : "error");
		show(b, sizeof b, msg ? msg : "no message");
		snprintf(lr.error, sizeof lr.error, "batch error %s: %s", a, b);
		lr.body = cJSON_PrintUnformatted(je);
	} else if (!cJSON_IsObject(resp) || !cJSON_IsNumber(sc)) {
		snprintf(lr.error, sizeof lr.error, "no response.status_code");
		lr.body = cJSON_PrintUnformatted(j);
	} else {
		lr.http_code = sc->valuedouble >= 0 && sc->valuedouble < 1000
				       ? (long)sc->valuedouble
				       : 0;
		lr.body = rb ? (cJSON_IsString(rb) ? util_strdup(rb->valuestring)
						   : cJSON_PrintUnformatted(rb))
			     : util_strdup("");
		if (lr.http_code != 200) {
			const cJSON *be = cJSON_GetObjectItemCaseSensitive(rb, "error");
			const char *msg = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(be, "message"));
			char b[160];
			show(b, sizeof b, msg ? msg : "no message");
			snprintf(lr.error, sizeof lr.error, "http %ld: %s", lr.http_code, b);
		} else {
			lr.ok = 1;
		}
	}
	if (!lr.body)
		util_oom();

	char marker[96];
	line_marker(marker, line, len);
	char *seen = store_setting_get(c->st, marker);
	if (seen) {
		free(seen);
		if (c->stats)
			c->stats->repeated++;
		if (!lr.ok)
			note(im, no, lr.error);
		goto out_resp;
	}
	if (store_begin(c->st, err)) {
		reject(im, no, "%s", err);
		goto out_resp;
	}
	int r = advance(c, &it, mode, &lr, err);
	if (r < 0) {
		store_rollback(c->st);
		reject(im, no, "cannot store '%s': %s", shown, err);
		goto out_resp;
	}
	if (lr.consumed && store_setting_set(c->st, marker, "1", err)) {
		store_rollback(c->st);
		reject(im, no, "cannot store '%s': %s", shown, err);
		goto out_resp;
	}
	if (store_commit(c->st, err)) {
		reject(im, no, "cannot store '%s': %s", shown, err);
		goto out_resp;
	}
	if (r == ADV_FAILED) {
		char m[MENTOR_ERR_LEN + 64];
		snprintf(m, sizeof m, "%s (recorded as a failed call)", err);
		note(im, no, m);
	} else if (r == ADV_SKIPPED) {
		if (c->stats)
			c->stats->skipped++;
		if (!lr.ok)
			note(im, no, lr.error);
	} else if (lr.consumed) {
		if (c->stats)
			c->stats->imported++;
		if (r == ADV_WAITING && c->stats)
			c->stats->waiting++;
	} else if (r == ADV_WAITING) {
		/* The line answers a later step than the task has reached. */
		reject(im, no,
		       "'%s' answers the rp step, but item %lld has no cot result yet: import "
		       "the first batch first",
		       shown, (long long)item_id);
	} else if (c->stats) {
		c->stats->imported++;
	}
out_resp:
	free(lr.body);
out_item:
	store_item_release(&it);
out:
	cJSON_Delete(j);
}

int teacher_batch_import(const struct teacher_opts *o, int64_t dataset_id, const char *path,
			 const char *next_path, teacher_batch_report_fn report, void *user,
			 struct teacher_batch_stats *stats, struct teacher_batch_stats *next_stats,
			 char *err)
{
	struct teacher_batch_stats dummy;
	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof *stats);
	if (next_stats)
		memset(next_stats, 0, sizeof *next_stats);
	if (!path || !*path)
		return util_err(err, "cannot import batch: no file name");
	FILE *f = fopen(path, "rb");
	if (!f)
		return util_err(err, "cannot open batch output '%s': %s", path, strerror(errno));
	struct importer im;
	memset(&im, 0, sizeof im);
	int rc = ctx_open(&im.c, o, stats, err);
	if (rc) {
		fclose(f);
		return rc;
	}
	im.dataset_id = dataset_id;
	im.path = path;
	im.report = report;
	im.user = user;

	struct buf line;
	buf_init(&line);
	char chunk[65536];
	size_t cpos = 0, clen = 0;
	long no = 0;
	int eof = 0;
	while (!eof) {
		/* One line (NUL bytes included), at most TEACHER_BATCH_MAX_LINE kept. */
		buf_reset(&line);
		int huge = 0, nl = 0;
		size_t got = 0;
		for (;;) {
			if (cpos == clen) {
				clen = fread(chunk, 1, sizeof chunk, f);
				cpos = 0;
				if (!clen) {
					eof = 1;
					break;
				}
			}
			const char *e = memchr(chunk + cpos, '\n', clen - cpos);
			size_t n = e ? (size_t)(e - (chunk + cpos)) : clen - cpos;
			got += n;
			if (!huge && line.len + n > TEACHER_BATCH_MAX_LINE)
				huge = 1, buf_reset(&line);
			if (!huge && buf_append(&line, chunk + cpos, n))
				huge = 1, buf_reset(&line);
			cpos += n;
			if (e) {
				cpos++;
				nl = 1;
				break;
			}
		}
		if (!nl && got == 0)
			break;
		no++;
		if (huge) {
			stats->lines++;
			reject(&im, no, "line longer than %zu bytes; skipped",
			       TEACHER_BATCH_MAX_LINE);
			continue;
		}
		size_t len = line.len;
		while (len && (line.data[len - 1] == '\r' || line.data[len - 1] == ' ' ||
			       line.data[len - 1] == '\t'))
			len--;
		size_t start = 0;
		while (start < len && (line.data[start] == ' ' || line.data[start] == '\t'))
			start++;
		if (start == len)
			continue;
		line.data[len] = '\0';
		if (memchr(line.data + start, '\0', len - start)) {
			stats->lines++;
			reject(&im, no, "NUL byte in line; skipped");
			continue;
		}
		import_line(&im, no, line.data + start, len - start, !nl);
	}
	int read_err = ferror(f);
	fclose(f);
	buf_release(&line);
	if (read_err) {
		rc = util_err(err, "cannot read batch output '%s'", path);
	} else if (next_path) {
		im.c.stats = next_stats;
		rc = export_tasks(&im.c, im.tasks, im.n_tasks, next_path, err);
	}
	util_idset_release(&im.seen);
	free(im.tasks);
	ctx_close(&im.c);
	return rc;
}
