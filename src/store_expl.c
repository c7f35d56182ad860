/* store_expl: the log of LLM calls (also the response cache), the
 * explanations written from them, and the review trail (decisions) behind
 * accept/reject/flag/edit and undo. Every write is one short statement or one
 * short transaction, so a batch writer and the workbench can share the file. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---------------------------------------------------------------- calls */

void store_call_release(struct store_call *c)
{
	if (!c)
		return;
	free(c->cache_key);
	free(c->provider);
	free(c->model);
	free(c->request_json);
	free(c->response_text);
	free(c->status);
	free(c->error);
	memset(c, 0, sizeof *c);
}

int store_call_insert(struct store *st, struct store_call *c, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO llm_call(cache_key, provider, model, request_json,"
			  " response_text, status, http_code, error, tokens_in, tokens_out,"
			  " tokens_estimated, latency_ms, cost, created_at)"
			  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
			  &s, err))
		return MENTOR_ERR;
	if (!c->created_at)
		c->created_at = util_unix_time();
	store_bind_text(s, 1, c->cache_key ? c->cache_key : "");
	store_bind_text(s, 2, c->provider ? c->provider : "");
	store_bind_text(s, 3, c->model ? c->model : "");
	store_bind_text(s, 4, c->request_json ? c->request_json : "{}");
	store_bind_text(s, 5, c->response_text);
	store_bind_text(s, 6, c->status ? c->status : store_call_status_name(STORE_CALL_ERROR));
	sqlite3_bind_int(s, 7, c->http_code);
	store_bind_text(s, 8, c->error);
	sqlite3_bind_int64(s, 9, c->tokens_in);
	sqlite3_bind_int64(s, 10, c->tokens_out);
	sqlite3_bind_int(s, 11, c->tokens_estimated ? 1 : 0);
	sqlite3_bind_int64(s, 12, c->latency_ms);
	sqlite3_bind_double(s, 13, c->cost);
	sqlite3_bind_int64(s, 14, c->created_at);
	if (store_exec_stmt(st, s, err, "cannot log llm call"))
		return MENTOR_ERR;
	c->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

#define CALL_COLS                                                                                  \
	"id, cache_key, provider, model, request_json, response_text, status,"                     \
	" http_code, error, tokens_in, tokens_out, tokens_estimated, latency_ms, cost,"            \
	" created_at"

static void read_call(sqlite3_stmt *s, void *out)
{
	struct store_call *c = out;
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	c->cache_key = store_col_text(s, 1);
	c->provider = store_col_text(s, 2);
	c->model = store_col_text(s, 3);
	c->request_json = store_col_text(s, 4);
	c->response_text = store_col_text(s, 5);
	c->status = store_col_text(s, 6);
	c->http_code = sqlite3_column_int(s, 7);
	c->error = store_col_text(s, 8);
	c->tokens_in = sqlite3_column_int64(s, 9);
	c->tokens_out = sqlite3_column_int64(s, 10);
	c->tokens_estimated = sqlite3_column_int(s, 11);
	c->latency_ms = sqlite3_column_int64(s, 12);
	c->cost = sqlite3_column_double(s, 13);
	c->created_at = sqlite3_column_int64(s, 14);
}

static int call_one(struct store *st, sqlite3_stmt *s, struct store_call *c, char *err,
		    const char *what)
{
	int rc = sqlite3_step(s);
	int ret;
	if (rc == SQLITE_ROW) {
		read_call(s, c);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = MENTOR_ENOTFOUND;
		util_err(err, "%s: not found", what);
	} else {
		ret = store_fail(st, err, what);
	}
	sqlite3_finalize(s);
	return ret;
}

int store_call_find(struct store *st, const char *cache_key, struct store_call *c, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "SELECT " CALL_COLS " FROM llm_call WHERE cache_key = ?1"
			  " AND status = 'ok' ORDER BY id DESC LIMIT 1",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, cache_key);
	return call_one(st, s, c, err, "cannot look up cached call");
}

int store_call_get(struct store *st, int64_t id, struct store_call *c, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "SELECT " CALL_COLS " FROM llm_call WHERE id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	return call_one(st, s, c, err, "cannot read llm call");
}

static void release_call(void *c)
{
	store_call_release(c);
}

int store_call_usage(struct store *st, const char *provider, const char *model,
		     struct store_call_usage *u, char *err)
{
	memset(u, 0, sizeof *u);
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "SELECT count(*), coalesce(sum(tokens_out), 0),"
			  " coalesce(sum(tokens_estimated = 0), 0),"
			  " coalesce(sum(CASE WHEN tokens_estimated = 0 THEN tokens_in END), 0),"
			  " coalesce(sum(CASE WHEN tokens_estimated = 0 THEN"
			  " length(CAST(request_json AS BLOB)) END), 0)"
			  " FROM llm_call WHERE status = 'ok' AND provider = ?1 AND model = ?2",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, provider);
	store_bind_text(s, 2, model);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		u->calls = sqlite3_column_int64(s, 0);
		u->tokens_out = sqlite3_column_int64(s, 1);
		u->measured = sqlite3_column_int64(s, 2);
		u->measured_in = sqlite3_column_int64(s, 3);
		u->measured_bytes = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot read the usage of past calls");
	return 0;
}

int store_call_list(struct store *st, struct store_call **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st, "SELECT " CALL_COLS " FROM llm_call ORDER BY id", &s, err))
		return MENTOR_ERR;
	void *arr;
	int rc = store_rows(st, s, sizeof **out, read_call, release_call, "cannot list llm calls",
			    &arr, n, err);
	*out = arr;
	return rc;
}

int store_call_totals(struct store *st, struct store_call_totals *t, char *err)
{
	sqlite3_stmt *s;
	memset(t, 0, sizeof *t);
	if (store_prepare(st,
			  "SELECT count(*), coalesce(sum(status = 'ok'), 0),"
			  " coalesce(sum(status != 'ok'), 0), coalesce(sum(tokens_in), 0),"
			  " coalesce(sum(tokens_out), 0), coalesce(sum(cost), 0) FROM llm_call",
			  &s, err))
		return MENTOR_ERR;
	int ret = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		t->calls = sqlite3_column_int64(s, 0);
		t->ok = sqlite3_column_int64(s, 1);
		t->errors = sqlite3_column_int64(s, 2);
		t->tokens_in = sqlite3_column_int64(s, 3);
		t->tokens_out = sqlite3_column_int64(s, 4);
		t->cost = sqlite3_column_double(s, 5);
	} else {
		ret = store_fail(st, err, "cannot total llm calls");
	}
	sqlite3_finalize(s);
	return ret;
}

int64_t store_call_max_id(struct store *st)
{
	sqlite3_stmt *s;
	int64_t v = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(id), 0) FROM llm_call", -1, &s, NULL))
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* --------------------------------------------------------- explanations */

void store_expl_release(struct store_expl *e)
{
	if (!e)
		return;
	free(e->mode);
	free(e->path);
	free(e->provider);
	free(e->model);
	free(e->text);
	free(e->parsed_answer);
	free(e->status);
	free(e->reviewer);
	free(e->edited_text);
	memset(e, 0, sizeof *e);
}

int store_expl_trainable(const struct store_expl *e)
{
	if (!e || !e->status)
		return 0;
	switch (store_review_parse(e->status)) {
	case STORE_REVIEW_ACCEPTED: return 1;
	case STORE_REVIEW_REJECTED: return 0;
	default: return e->correct != 0 && !e->leaked;
	}
}

int store_expl_insert(struct store *st, struct store_expl *e, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO explanation(item_id, mode, path, provider, model,"
			  " call_id, attempt_of, text, parsed_answer, correct, leaked, status,"
			  " reviewer, decided_at, edited_text, created_at)"
			  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
			  &s, err))
		return MENTOR_ERR;
	if (!e->created_at)
		e->created_at = util_unix_time();
	sqlite3_bind_int64(s, 1, e->item_id);
	store_bind_text(s, 2, e->mode ? e->mode : "");
	enum store_mode path = store_mode_parse(e->mode) == STORE_RP ? STORE_RP : STORE_COT;
	store_bind_text(s, 3, e->path ? e->path : store_mode_name(path));
	store_bind_text(s, 4, e->provider ? e->provider : "");
	store_bind_text(s, 5, e->model ? e->model : "");
	if (e->call_id > 0)
		sqlite3_bind_int64(s, 6, e->call_id);
	if (e->attempt_of > 0)
		sqlite3_bind_int64(s, 7, e->attempt_of);
	store_bind_text(s, 8, e->text ? e->text : "");
	store_bind_text(s, 9, e->parsed_answer);
	if (e->correct >= 0)
		sqlite3_bind_int(s, 10, e->correct ? 1 : 0);
	sqlite3_bind_int(s, 11, e->leaked ? 1 : 0);
	store_bind_text(s, 12, e->status ? e->status : store_review_name(STORE_REVIEW_PENDING));
	store_bind_text(s, 13, e->reviewer);
	if (e->decided_at)
		sqlite3_bind_int64(s, 14, e->decided_at);
	store_bind_text(s, 15, e->edited_text);
	sqlite3_bind_int64(s, 16, e->created_at);
	if (store_exec_stmt(st, s, err, "cannot insert explanation"))
		return MENTOR_ERR;
	e->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

#define EXPL_COLS                                                                                  \
	"e.id, e.item_id, e.mode, e.path, e.provider, e.model, coalesce(e.call_id, 0),"            \
	" coalesce(e.attempt_of, 0), e.text, e.parsed_answer, coalesce(e.correct, -1),"            \
	" e.leaked, e.status, e.reviewer, coalesce(e.decided_at, 0), e.edited_text,"               \
	" coalesce(c.tokens_in, 0), coalesce(c.tokens_out, 0), coalesce(c.latency_ms, 0),"         \
	" coalesce(c.cost, 0), e.created_at"
#define EXPL_FROM " FROM explanation e LEFT JOIN llm_call c ON c.id = e.call_id"

static void read_expl(sqlite3_stmt *s, void *out)
{
	struct store_expl *e = out;
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(s, 0);
	e->item_id = sqlite3_column_int64(s, 1);
	e->mode = store_col_text(s, 2);
	e->path = store_col_text(s, 3);
	e->provider = store_col_text(s, 4);
	e->model = store_col_text(s, 5);
	e->call_id = sqlite3_column_int64(s, 6);
	e->attempt_of = sqlite3_column_int64(s, 7);
	e->text = store_col_text(s, 8);
	e->parsed_answer = store_col_text(s, 9);
	e->correct = sqlite3_column_int(s, 10);
	e->leaked = sqlite3_column_int(s, 11);
	e->status = store_col_text(s, 12);
	e->reviewer = store_col_text(s, 13);
	e->decided_at = sqlite3_column_int64(s, 14);
	e->edited_text = store_col_text(s, 15);
	e->tokens_in = sqlite3_column_int64(s, 16);
	e->tokens_out = sqlite3_column_int64(s, 17);
	e->latency_ms = sqlite3_column_int64(s, 18);
	e->cost = sqlite3_column_double(s, 19);
	e->created_at = sqlite3_column_int64(s, 20);
}

int store_expl_get(struct store *st, int64_t id, struct store_expl *e, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, "SELECT " EXPL_COLS EXPL_FROM " WHERE e.id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s), ret = 0;
	if (rc == SQLITE_ROW) {
		read_expl(s, e);
	} else if (rc == SQLITE_DONE) {
		ret = MENTOR_ENOTFOUND;
		util_err(err, "no explanation %lld", (long long)id);
	} else {
		ret = store_fail(st, err, "cannot read explanation");
	}
	sqlite3_finalize(s);
	return ret;
}

static void release_expl(void *e)
{
	store_expl_release(e);
}

static int expl_rows(struct store *st, sqlite3_stmt *s, struct store_expl **out, size_t *n,
		     char *err)
{
	void *arr;
	int rc = store_rows(st, s, sizeof **out, read_expl, release_expl,
			    "cannot list explanations", &arr, n, err);
	*out = arr;
	return rc;
}

int store_expl_for_item(struct store *st, int64_t item_id, struct store_expl **out, size_t *n,
			char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st,
			  "SELECT " EXPL_COLS EXPL_FROM " WHERE e.item_id = ?1"
			  " ORDER BY CASE e.mode WHEN 'cot' THEN 0 WHEN 'rp' THEN 1 ELSE 2 END,"
			  " e.id DESC",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, item_id);
	return expl_rows(st, s, out, n, err);
}

int store_expl_list(struct store *st, const struct store_expl_filter *f, struct store_expl **out,
		    size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	if (store_prepare(st,
			  "SELECT " EXPL_COLS EXPL_FROM " JOIN item i ON i.id = e.item_id"
			  " WHERE (?1 = 0 OR i.dataset_id = ?1) AND (?2 IS NULL OR e.mode = ?2)"
			  " AND (?3 IS NULL OR e.status = ?3) ORDER BY e.item_id, e.id"
			  " LIMIT ?4",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, f ? f->dataset_id : 0);
	store_bind_text(s, 2, f ? f->mode : NULL);
	store_bind_text(s, 3, f ? f->status : NULL);
	sqlite3_bind_int64(s, 4, f && f->limit > 0 ? f->limit : -1);
	return expl_rows(st, s, out, n, err);
}

static int find_id(struct store *st, sqlite3_stmt *s, int64_t *id, char *err)
{
	int rc = sqlite3_step(s), ret = 0;
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		ret = MENTOR_ENOTFOUND;
	else
		ret = store_fail(st, err, "cannot look up explanation");
	sqlite3_finalize(s);
	return ret;
}

int store_expl_find_final(struct store *st, int64_t item_id, const char *mode, const char *provider,
			  const char *model, int64_t *id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "SELECT id FROM explanation WHERE item_id = ?1 AND mode = ?2"
			  " AND provider = ?3 AND model = ?4"
			  " AND (mode != 'crop' OR path = 'rp' OR correct = 1)"
			  " ORDER BY id DESC LIMIT 1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, item_id);
	store_bind_text(s, 2, mode);
	store_bind_text(s, 3, provider);
	store_bind_text(s, 4, model);
	return find_id(st, s, id, err);
}

int store_expl_find_by_call(struct store *st, int64_t item_id, const char *mode, const char *path,
			    int64_t call_id, int64_t *id, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "SELECT id FROM explanation WHERE item_id = ?1 AND mode = ?2"
			  " AND path = ?3 AND call_id = ?4 ORDER BY id DESC LIMIT 1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, item_id);
	store_bind_text(s, 2, mode);
	store_bind_text(s, 3, path);
	sqlite3_bind_int64(s, 4, call_id);
	return find_id(st, s, id, err);
}

int store_expl_cot_record(struct store *st, const char *provider, const char *model, int64_t *calls,
			  int64_t *wrong, char *err)
{
	*calls = *wrong = 0;
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "SELECT count(DISTINCT call_id),"
			  " count(DISTINCT CASE WHEN coalesce(correct, 0) != 1 THEN call_id END)"
			  " FROM explanation WHERE provider = ?1 AND model = ?2 AND path = 'cot'"
			  " AND mode IN ('cot', 'crop') AND call_id > 0",
			  &s, err))
		return MENTOR_ERR;
	store_bind_text(s, 1, provider);
	store_bind_text(s, 2, model);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*calls = sqlite3_column_int64(s, 0);
		*wrong = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot read the COTE record");
	return 0;
}

/* ------------------------------------------------------------ decisions */

/* The status an action leads to, or NULL for an unknown action. Both the
 * verb (the decision row's action) and the status name are accepted. */
static const char *action_status(const char *action, const char **verb)
{
	static const char *const verbs[STORE_N_REVIEWS] = {
		[STORE_REVIEW_PENDING] = "pending",
		[STORE_REVIEW_ACCEPTED] = "accept",
		[STORE_REVIEW_REJECTED] = "reject",
		[STORE_REVIEW_FLAGGED] = "flag",
	};
	int r = store_review_parse(action);
	for (int i = 0; r < 0 && action && i < STORE_N_REVIEWS; i++)
		if (!strcmp(action, verbs[i]))
			r = i;
	if (r < 0)
		return NULL;
	*verb = verbs[r];
	return store_review_name((enum store_review)r);
}

/* The verdict an explanation has now (heap copy of parsed). */
struct verdict_now {
	char *parsed;
	int correct, leaked;
};

static int add_decision(struct store *st, int64_t expl_id, const char *verb,
			const char *prev_status, const char *prev_text, const char *text,
			const struct verdict_now *prev, const char *reviewer, char *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st,
			  "INSERT INTO decision(explanation_id, action, prev_status,"
			  " prev_text, reviewer, at, text, prev_parsed, prev_correct,"
			  " prev_leaked) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, expl_id);
	store_bind_text(s, 2, verb);
	store_bind_text(s, 3, prev_status);
	store_bind_text(s, 4, prev_text);
	store_bind_text(s, 5, reviewer);
	sqlite3_bind_int64(s, 6, util_unix_time());
	store_bind_text(s, 7, text);
	if (prev) {
		store_bind_text(s, 8, prev->parsed);
		sqlite3_bind_int(s, 9, prev->correct);
		sqlite3_bind_int(s, 10, prev->leaked);
	}
	return store_exec_stmt(st, s, err, "cannot record decision");
}

static int expl_verdict(struct store *st, int64_t id, struct verdict_now *v, char *err)
{
	sqlite3_stmt *s;
	v->parsed = NULL;
	if (store_prepare(st,
			  "SELECT parsed_answer, correct, leaked FROM explanation WHERE id = ?1",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s), ret = 0;
	if (rc == SQLITE_ROW) {
		v->parsed = store_col_text(s, 0);
		v->correct = sqlite3_column_int(s, 1);
		v->leaked = sqlite3_column_int(s, 2);
	} else {
		ret = store_fail(st, err, "cannot read explanation");
	}
	sqlite3_finalize(s);
	return ret;
}

/* Read status and edited text of one explanation (heap copies). */
static int expl_state(struct store *st, int64_t id, char **status, char **text, char *err)
{
	sqlite3_stmt *s;
	*status = *text = NULL;
	if (store_prepare(st, "SELECT status, edited_text FROM explanation WHERE id = ?1", &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s), ret = 0;
	if (rc == SQLITE_ROW) {
		*status = store_col_text(s, 0);
		*text = store_col_text(s, 1);
	} else if (rc == SQLITE_DONE) {
		ret = MENTOR_ENOTFOUND;
		util_err(err, "no explanation %lld", (long long)id);
	} else {
		ret = store_fail(st, err, "cannot read explanation");
	}
	sqlite3_finalize(s);
	return ret;
}

/* In one transaction: log decision verb (with the state before it), then
 * run update_sql (?1 the explanation, ?2 value, ?3 the reviewer, ?4 now).
 * When value is already the status (is_status) or the edited text, nothing
 * is recorded and 1 is returned. */
static int set_decided(struct store *st, int64_t expl_id, const char *verb, const char *update_sql,
		       const char *value, int is_status, const struct store_verdict *v,
		       const char *reviewer, char *err)
{
	if (store_begin(st, err))
		return MENTOR_ERR;
	char *prev = NULL, *prev_text = NULL;
	struct verdict_now before = {NULL, -1, 0};
	int ret = expl_state(st, expl_id, &prev, &prev_text, err);
	if (ret)
		goto out_rollback;
	const char *now = is_status ? prev : prev_text;
	if (now && value && !strcmp(now, value)) {
		ret = 1;
		goto out_rollback;
	}
	if (!is_status && (ret = expl_verdict(st, expl_id, &before, err)))
		goto out_rollback;
	ret = add_decision(st, expl_id, verb, prev, prev_text, is_status ? NULL : value,
			   is_status ? NULL : &before, reviewer, err);
	if (ret)
		goto out_rollback;
	sqlite3_stmt *s;
	ret = store_prepare(st, update_sql, &s, err);
	if (ret)
		goto out_rollback;
	sqlite3_bind_int64(s, 1, expl_id);
	store_bind_text(s, 2, value);
	store_bind_text(s, 3, reviewer);
	sqlite3_bind_int64(s, 4, util_unix_time());
	ret = store_exec_stmt(st, s, err, "cannot update explanation");
	if (ret)
		goto out_rollback;
	if (v) {
		ret = store_prepare(st,
				    "UPDATE explanation SET parsed_answer = ?2, correct = ?3,"
				    " leaked = ?4 WHERE id = ?1",
				    &s, err);
		if (ret)
			goto out_rollback;
		sqlite3_bind_int64(s, 1, expl_id);
		store_bind_text(s, 2, v->parsed);
		sqlite3_bind_int(s, 3, v->correct);
		sqlite3_bind_int(s, 4, v->leaked);
		ret = store_exec_stmt(st, s, err, "cannot update explanation");
		if (ret)
			goto out_rollback;
	}
	free(prev);
	free(prev_text);
	free(before.parsed);
	return store_commit(st, err);
out_rollback:
	free(prev);
	free(prev_text);
	free(before.parsed);
	store_rollback(st);
	return ret;
}

int store_expl_decide(struct store *st, int64_t expl_id, const char *action, const char *reviewer,
		      char *err)
{
	const char *verb = NULL;
	const char *status = action_status(action, &verb);
	if (!status) {
		util_err(err, "unknown review action '%s': use accept, reject, flag or pending",
			 action ? action : "");
		return MENTOR_EUSAGE;
	}
	return set_decided(st, expl_id, verb,
			   "UPDATE explanation SET status = ?2, reviewer = ?3,"
			   " decided_at = ?4 WHERE id = ?1",
			   status, 1, NULL, reviewer, err);
}

int store_expl_edit(struct store *st, int64_t expl_id, const char *text,
		    const struct store_verdict *v, const char *reviewer, char *err)
{
	return set_decided(st, expl_id, "edit",
			   "UPDATE explanation SET edited_text = ?2,"
			   " reviewer = ?3, decided_at = ?4 WHERE id = ?1",
			   text, 0, v, reviewer, err);
}

int store_decision_undo(struct store *st, int64_t expl_id, int64_t *undone_expl, int *was_edit,
			char *err)
{
	if (store_begin(st, err))
		return MENTOR_ERR;
	sqlite3_stmt *s;
	int ret = store_prepare(st,
				"SELECT id, explanation_id, action, prev_status, prev_text,"
				" prev_parsed, prev_correct, prev_leaked, prev_correct IS NOT NULL"
				" FROM decision WHERE undone = 0 AND (?1 = 0 OR"
				" explanation_id = ?1) ORDER BY id DESC LIMIT 1",
				&s, err);
	if (ret)
		goto out_rollback;
	sqlite3_bind_int64(s, 1, expl_id);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			ret = MENTOR_ENOTFOUND;
			util_err(err, "nothing to undo");
		} else {
			ret = store_fail(st, err, "cannot read decisions");
		}
		sqlite3_finalize(s);
		goto out_rollback;
	}
	int64_t dec_id = sqlite3_column_int64(s, 0);
	int64_t eid = sqlite3_column_int64(s, 1);
	char *action = store_col_text(s, 2);
	char *prev_status = store_col_text(s, 3);
	char *prev_text = store_col_text(s, 4);
	char *prev_parsed = store_col_text(s, 5);
	int prev_correct = sqlite3_column_int(s, 6), prev_leaked = sqlite3_column_int(s, 7);
	int has_verdict = sqlite3_column_int(s, 8);
	sqlite3_finalize(s);
	int is_edit = action && !strcmp(action, "edit");
	if (was_edit)
		*was_edit = is_edit;
	ret = store_prepare(st,
			    is_edit ? "UPDATE explanation SET status = ?2, edited_text = ?3"
				      " WHERE id = ?1"
				    : "UPDATE explanation SET status = ?2 WHERE id = ?1",
			    &s, err);
	if (!ret) {
		sqlite3_bind_int64(s, 1, eid);
		store_bind_text(s, 2,
				prev_status ? prev_status
					    : store_review_name(STORE_REVIEW_PENDING));
		if (is_edit)
			store_bind_text(s, 3, prev_text);
		ret = store_exec_stmt(st, s, err, "cannot restore explanation");
	}
	/* an edit made before the verdict was kept (schema 4) leaves it as is */
	if (!ret && is_edit && has_verdict) {
		ret = store_prepare(st,
				    "UPDATE explanation SET parsed_answer = ?2, correct = ?3,"
				    " leaked = ?4 WHERE id = ?1",
				    &s, err);
		if (!ret) {
			sqlite3_bind_int64(s, 1, eid);
			store_bind_text(s, 2, prev_parsed);
			sqlite3_bind_int(s, 3, prev_correct);
			sqlite3_bind_int(s, 4, prev_leaked);
			ret = store_exec_stmt(st, s, err, "cannot restore explanation");
		}
	}
	free(action);
	free(prev_status);
	free(prev_text);
	free(prev_parsed);
	if (ret)
		goto out_rollback;
	ret = store_prepare(st, "UPDATE decision SET undone = 1 WHERE id = ?1", &s, err);
	if (ret)
		goto out_rollback;
	sqlite3_bind_int64(s, 1, dec_id);
	ret = store_exec_stmt(st, s, err, "cannot mark decision undone");
	if (ret)
		goto out_rollback;
	if (undone_expl)
		*undone_expl = eid;
	return store_commit(st, err);
out_rollback:
	store_rollback(st);
	return ret;
}

/* ------------------------------------------------------- demonstrations */

void store_demo_release(struct store_demo *d)
{
	if (!d)
		return;
	free(d->split);
	free(d->question);
	free(d->choices_json);
	free(d->answer);
	free(d->answer_type);
	free(d->rationale);
	memset(d, 0, sizeof *d);
}

static void read_demo(sqlite3_stmt *s, void *out)
{
	struct store_demo *d = out;
	d->item_id = sqlite3_column_int64(s, 0);
	d->split = store_col_text(s, 1);
	d->question = store_col_text(s, 2);
	d->choices_json = store_col_text(s, 3);
	d->answer = store_col_text(s, 4);
	d->answer_type = store_col_text(s, 5);
	d->rationale = store_col_text(s, 6);
}

static void release_demo(void *d)
{
	store_demo_release(d);
}

int store_demo_list(struct store *st, int64_t dataset_id, size_t max, struct store_demo **out,
		    size_t *n, char *err)
{
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	/* An accepted explanation (its edit if any) is preferred to the gold
	 * rationale: the operator chose it. */
	if (store_prepare(st,
			  "SELECT i.id, i.split, i.question, i.choices_json, i.answer,"
			  " i.answer_type, coalesce((SELECT coalesce(e.edited_text, e.text)"
			  "  FROM explanation e WHERE e.item_id = i.id AND e.status = 'accepted'"
			  "  ORDER BY e.id DESC LIMIT 1), i.gold_rationale)"
			  " FROM item i WHERE i.dataset_id = ?1 AND i.split != 'test'"
			  " AND ((i.gold_rationale IS NOT NULL AND i.gold_rationale != '')"
			  "  OR EXISTS (SELECT 1 FROM explanation e WHERE e.item_id = i.id"
			  "   AND e.status = 'accepted'))"
			  " ORDER BY i.id LIMIT ?2",
			  &s, err))
		return MENTOR_ERR;
	sqlite3_bind_int64(s, 1, dataset_id);
	sqlite3_bind_int64(s, 2, max ? (int64_t)max : -1);
	void *arr;
	int rc = store_rows(st, s, sizeof **out, read_demo, release_demo,
			    "cannot list demonstrations", &arr, n, err);
	*out = arr;
	return rc;
}
