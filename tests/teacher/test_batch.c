/* test_batch: OpenAI Batch API files. The export is checked record by record;
 * a batch output written here from the exported requests is imported and
 * must give the same explanations (text, answer, correctness, leak flag,
 * path), request bodies and cache keys as a live run against fakellm with the
 * same replies; CROP's two batches; hostile output files; idempotent
 * re-import; a later live run answered from the call log (fakellm /stats);
 * no secret in an exported file. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "http/fakellm_proc.h"
#include "mentor/config.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "run.h"
#include "test.h"

#define KEY "sk-batch-test-SECRET-MARKER-5a5a5a5a"
#define N_ITEMS 6

static struct fakellm srv;
static struct config cfg;
static char xdg[600], cfg_path[800];

/* Replies per item: cot, then rp. Item i asks a+b with a = i+2, b = i+5. */
static const char *const cot_reply[N_ITEMS] = {
	"%d + %d = %d. So the answer is %d.",
	"Counting wrongly gives 999. So the answer is 999.",
	"I am not sure how to combine these numbers.",
	"Add them: %d and %d make %d. The answer is %d.",
	"They make a lot. So the answer is 1000.",
	"%d に %d を足すと %d。答えは %d です",
};
static const char *const rp_reply[N_ITEMS] = {
	"Put %d units together with %d more units and count every unit once to reach %d (%d).",
	"Combining the %d apples with the %d oranges and counting all fruit gives %d (%d).",
	"Start from %d, count %d steps further along the number line, arriving at %d (%d).",
	"The answer is %d because it is the answer. %d %d %d",
	"Joining a pile of %d stones with a pile of %d stones forms one pile of %d (%d).",
	"%d 個と %d 個を合わせて数えると全部で %d 個になるので、答えは %d。",
};

static int gold(int i)
{
	return i + 2 + i + 5;
}

static char *reply_text(int i, int rp)
{
	int a = i + 2, b = i + 5, g = gold(i);
	char out[400];
	const char *f = rp ? rp_reply[i] : cot_reply[i];
	if (!rp && i == 3)
		snprintf(out, sizeof out, f, a, b, g, g);
	else if (rp && i == 3)
		snprintf(out, sizeof out, f, g, a, b, g);
	else
		snprintf(out, sizeof out, f, a, b, g, g);
	return util_strdup(out);
}

/* ---------------------------------------------------------------- helpers */

/* The rows of a query as text, one per line (heap). */
static char *qrows(const char *db, const char *sql)
{
	sqlite3 *h;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return buf_detach(&b, NULL);
	}
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const unsigned char *t = sqlite3_column_text(s, c);
				buf_printf(&b, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
			}
			buf_putc(&b, '\n');
		}
	} else {
		fprintf(stderr, "sql error: %s\n", sqlite3_errmsg(h));
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return buf_detach(&b, NULL);
}

/* A workspace with dataset `name` of N_ITEMS number items (and a second
 * dataset "other" of one item). Returns the dataset id. */
static int64_t make_ws(const char *db, const char *name, int64_t *other_item)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	int64_t ds, ods;
	if (!st || store_dataset_upsert(st, name, "test", "generic", NULL, &ds, err) ||
	    store_dataset_upsert(st, "other", "test", "generic", NULL, &ods, err))
		TEST_SETUP_FAIL("%s", err);
	for (int i = 0; i < N_ITEMS; i++) {
		char q[200], ext[32], ans[16], rat[100];
		snprintf(q, sizeof q, "What is %d plus %d? QB%dZ", i + 2, i + 5, i);
		snprintf(ext, sizeof ext, "b-%d", i);
		snprintf(ans, sizeof ans, "%d", gold(i));
		snprintf(rat, sizeof rat, "%d + %d = %d. So the answer is %d.", i + 2, i + 5,
			 gold(i), gold(i));
		struct store_item it = {0};
		it.dataset_id = ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = q;
		it.answer = ans;
		it.answer_type = "number";
		it.gold_rationale = rat;
		if (store_item_upsert(st, &it, err))
			TEST_SETUP_FAIL("%s", err);
	}
	struct store_item o = {0};
	o.dataset_id = ods;
	o.split = "train";
	o.ext_id = "o-1";
	o.question = "Other question? QO1Z";
	o.answer = "3";
	o.answer_type = "number";
	if (store_item_upsert(st, &o, err))
		TEST_SETUP_FAIL("%s", err);
	if (other_item)
		*other_item = o.id;
	store_close(st);
	return ds;
}

static void item_ids(const char *db, int64_t ds, int64_t **ids, size_t *n)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(db, err);
	if (!st || teacher_select_items(st, ds, NULL, 0, ids, n, err))
		TEST_SETUP_FAIL("%s", err);
	store_close(st);
}

static void opts(struct teacher_opts *o, const char *db, unsigned modes, int k)
{
	teacher_opts_init(o);
	o->db_path = db;
	o->cfg = &cfg;
	o->provider = "fake";
	o->modes = modes;
	o->stream = 0;
	o->k = k;
	o->prompts_dir = "/nonexistent/mentor-prompts";
}

/* Item index (0..N_ITEMS-1) of an item id via its ext_id "b-I". */
static int item_index(const char *db, int64_t item_id)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT CAST(substr(ext_id, 3) AS INTEGER) FROM item WHERE id = %lld",
		 (long long)item_id);
	return (int)run_q1(db, sql);
}

/* A Batch API output line answering request line `req` with the reply of
 * its item and path, as the fake server would have answered it. Heap. */
static char *answer_line(const char *db, const char *req, int n)
{
	cJSON *r = cJSON_Parse(req);
	const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "custom_id"));
	char *body = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "body"));
	long long item = 0;
	const char *ip = cid ? strstr(cid, ":i") : NULL;
	if (ip)
		item = strtoll(ip + 2, NULL, 10);
	int rp = cid && strstr(cid, ":rp:") != NULL;
	char *text = reply_text(item_index(db, item), rp);
	long pt = (long)(strlen(body) + 3) / 4, ct = fakellm_count_words(text);
	cJSON *o = cJSON_CreateObject();
	char id[64];
	snprintf(id, sizeof id, "batch_req_%d", n);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "custom_id", cid ? cid : "");
	cJSON *resp = cJSON_AddObjectToObject(o, "response");
	cJSON_AddNumberToObject(resp, "status_code", 200);
	snprintf(id, sizeof id, "req_%d", n);
	cJSON_AddStringToObject(resp, "request_id", id);
	cJSON *b = cJSON_AddObjectToObject(resp, "body");
	snprintf(id, sizeof id, "chatcmpl-%d", n);
	cJSON_AddStringToObject(b, "id", id);
	cJSON_AddStringToObject(b, "object", "chat.completion");
	cJSON_AddNumberToObject(b, "created", 1700000000);
	cJSON_AddStringToObject(b, "model", "fake-model");
	cJSON *ch = cJSON_AddArrayToObject(b, "choices");
	cJSON *c0 = cJSON_CreateObject();
	cJSON_AddNumberToObject(c0, "index", 0);
	cJSON *m = cJSON_AddObjectToObject(c0, "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "content", text);
	cJSON_AddStringToObject(c0, "finish_reason", "stop");
	cJSON_AddItemToArray(ch, c0);
	cJSON *u = cJSON_AddObjectToObject(b, "usage");
	cJSON_AddNumberToObject(u, "prompt_tokens", (double)pt);
	cJSON_AddNumberToObject(u, "completion_tokens", (double)ct);
	cJSON_AddNumberToObject(u, "total_tokens", (double)(pt + ct));
	cJSON_AddNullToObject(o, "error");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(r);
	free(body);
	free(text);
	return s;
}

/* Split a file into lines (heap array of heap strings). */
static size_t read_lines(const char *path, char ***out)
{
	char *d = run_slurp(path);
	size_t n = 0, cap = 16;
	char **v = malloc(cap * sizeof *v);
	for (char *p = d; *p;) {
		char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[n++] = util_strndup(p, l);
		p += l + (e ? 1 : 0);
	}
	free(d);
	*out = v;
	return n;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Answer every request of `req_path` into `out_path`, in reverse order (a
 * batch output need not follow the input order). Returns the count. */
static int answer_base; /* distinguishes the ids of different output files */

static size_t answer_file(const char *db, const char *req_path, const char *out_path)
{
	char **l;
	size_t n = read_lines(req_path, &l);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = n; i > 0; i--) {
		char *s = answer_line(db, l[i - 1], answer_base + (int)i);
		buf_printf(&b, "%s\n", s);
		free(s);
	}
	test_write_file(out_path, b.data, b.len);
	buf_release(&b);
	free_lines(l, n);
	return n;
}

struct reports {
	long line[64];
	char reason[64][MENTOR_ERR_LEN];
	int n;
};

static void on_report(void *user, const char *file, long line, const char *reason)
{
	struct reports *r = user;
	(void)file;
	if (r->n < 64) {
		r->line[r->n] = line;
		snprintf(r->reason[r->n], MENTOR_ERR_LEN, "%s", reason);
		r->n++;
	}
}

static int reported(const struct reports *r, long line, const char *needle)
{
	for (int i = 0; i < r->n; i++)
		if (r->line[i] == line && strstr(r->reason[i], needle))
			return 1;
	return 0;
}

/* --------------------------------------------------------- export format */

static void check_export_format(const char *path, size_t want, const char *db, int64_t ds)
{
	char **l;
	size_t n = read_lines(path, &l);
	CHECK_INT(n, want);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "mentor:d%lld:i", (long long)ds);
	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_Parse(l[i]);
		CHECK_MSG(cJSON_IsObject(j), "line %zu not an object", i + 1);
		CHECK_INT(cJSON_GetArraySize(j), 4);
		const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(j, "custom_id"));
		CHECK(cid && strlen(cid) <= 64 && !strncmp(cid, prefix, strlen(prefix)));
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method")), "POST");
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "url")),
			  "/v1/chat/completions");
		cJSON *b = cJSON_GetObjectItem(j, "body");
		CHECK(cJSON_IsObject(b));
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(b, "model")), "fake-model");
		cJSON *msgs = cJSON_GetObjectItem(b, "messages");
		CHECK_INT(cJSON_GetArraySize(msgs), 1);
		cJSON *m0 = cJSON_GetArrayItem(msgs, 0);
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(m0, "role")), "user");
		const char *content = cJSON_GetStringValue(cJSON_GetObjectItem(m0, "content"));
		CHECK(content && strstr(content, "QB") && strstr(content, "Explanation:"));
		/* rp requests carry the gold answer, cot ones do not */
		if (cid && content) {
			int rp = strstr(cid, ":rp:") != NULL;
			CHECK_INT(strstr(content, "\nAnswer: ") != NULL, rp);
		}
		CHECK(cJSON_IsNumber(cJSON_GetObjectItem(b, "max_tokens")));
		CHECK(!cJSON_GetObjectItem(b, "stream"));
		CHECK(!cJSON_GetObjectItem(j, "header") && !cJSON_GetObjectItem(j, "headers"));
		for (size_t k = 0; k < i; k++) {
			cJSON *o = cJSON_Parse(l[k]);
			const char *oc = cJSON_GetStringValue(cJSON_GetObjectItem(o, "custom_id"));
			CHECK_MSG(!cid || !oc || strcmp(cid, oc), "custom_id repeated: %s", cid);
			cJSON_Delete(o);
		}
		cJSON_Delete(j);
	}
	free_lines(l, n);
	(void)db;
}

/* ----------------------------------------------- live vs batch, all modes */

static const char *const cmp_sql =
	"SELECT i.ext_id, e.mode, e.path, e.text, coalesce(e.parsed_answer, 'NULL'),"
	" coalesce(e.correct, -1), e.leaked, e.provider, e.model, e.attempt_of IS NOT NULL,"
	" coalesce((SELECT a.path || '/' || a.mode FROM explanation a WHERE a.id = e.attempt_of), '-'),"
	" c.cache_key, c.request_json, c.status, c.tokens_in, c.tokens_out, c.tokens_estimated,"
	" printf('%.9f', c.cost)"
	" FROM explanation e JOIN item i ON i.id = e.item_id JOIN llm_call c ON c.id = e.call_id"
	" ORDER BY i.ext_id, e.mode, e.path";

static void test_live_vs_batch(void)
{
	char live[600], bat[600], req[600], out[600], next[600];
	snprintf(live, sizeof live, "%s", test_path("live.db"));
	snprintf(bat, sizeof bat, "%s", test_path("batch.db"));
	snprintf(req, sizeof req, "%s", test_path("all-req.jsonl"));
	snprintf(out, sizeof out, "%s", test_path("all-out.jsonl"));
	snprintf(next, sizeof next, "%s", test_path("all-next.jsonl"));
	char err[MENTOR_ERR_LEN];

	/* Live, against the fake server with the same replies. */
	int64_t dsl = make_ws(live, "arith", NULL);
	int64_t *ids;
	size_t n;
	item_ids(live, dsl, &ids, &n);
	struct teacher_opts o;
	opts(&o, live, TEACHER_ALL, 0);
	long before = fakellm_stat(&srv, "paths", "/v1/chat/completions");
	struct teacher_job *j = teacher_start(&o, ids, n, NULL, err);
	if (!j)
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(teacher_wait(j, 100000), MENTOR_OK);
	struct teacher_progress p;
	teacher_get_progress(j, &p);
	teacher_free(j);
	free(ids);
	CHECK_INT(p.errors, 0);
	CHECK_INT(fakellm_stat(&srv, "paths", "/v1/chat/completions") - before, 2 * N_ITEMS);

	/* Batch: export, answer, import. */
	int64_t dsb = make_ws(bat, "arith", NULL);
	item_ids(bat, dsb, &ids, &n);
	opts(&o, bat, TEACHER_ALL, 0);
	struct teacher_batch_stats s;
	CHECK_INT(teacher_batch_export(&o, ids, n, req, &s, err), 0);
	CHECK_INT(s.written, 3 * N_ITEMS);
	CHECK_INT(s.tasks, 3 * N_ITEMS);
	check_export_format(req, 3 * N_ITEMS, bat, dsb);
	/* Exporting touches nothing in the workspace. */
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM llm_call"), 0);
	CHECK_INT(answer_file(bat, req, out), 3 * N_ITEMS);
	struct reports r = {0};
	struct teacher_batch_stats ns;
	CHECK_INT(teacher_batch_import(&o, dsb, out, next, on_report, &r, &s, &ns, err), 0);
	CHECK_INT(r.n, 0);
	for (int i = 0; i < r.n; i++)
		fprintf(stderr, "report %ld: %s\n", r.line[i], r.reason[i]);
	CHECK_INT(s.lines, 3 * N_ITEMS);
	CHECK_INT(s.imported, 3 * N_ITEMS);
	CHECK_INT(s.rejected, 0);
	/* COTE and CROP's COTE are the same request: one call, as live. */
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM llm_call"), 2 * N_ITEMS);
	/* Everything was answerable: nothing left for a second batch. */
	CHECK_INT(ns.written, 0);
	char *nd = run_slurp(next);
	CHECK_STR(nd, "");
	free(nd);

	char *a = qrows(live, cmp_sql), *b = qrows(bat, cmp_sql);
	CHECK(strlen(a) > 100);
	CHECK_STR(b, a);
	free(a);
	free(b);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM explanation"),
		  run_q1(live, "SELECT count(*) FROM explanation"));
	CHECK_INT(
		run_q1(bat,
		       "SELECT count(*) FROM explanation WHERE mode='crop' AND path='rp' AND attempt_of IS NOT NULL"),
		3);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM explanation WHERE leaked=1"),
		  run_q1(live, "SELECT count(*) FROM explanation WHERE leaked=1"));
	CHECK(run_q1(bat, "SELECT count(*) FROM explanation WHERE leaked=1") >= 1);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM explanation WHERE mode='cot' AND correct=1"),
		  3);
	CHECK_INT(
		run_q1(bat,
		       "SELECT count(*) FROM explanation WHERE mode='cot' AND parsed_answer IS NULL"),
		1);
	/* cost at the config's prices: 1.5 in, 3 out per million */
	CHECK_INT(
		run_q1(bat,
		       "SELECT count(*) FROM llm_call WHERE abs(cost - (tokens_in*1.5 + tokens_out*3)/1e6) > 1e-12"),
		0);
	CHECK(run_q1(bat, "SELECT count(*) FROM llm_call WHERE cost > 0") == 2 * N_ITEMS);

	/* Importing the same file again changes nothing. */
	char *before_rows = qrows(bat, "SELECT * FROM explanation ORDER BY id");
	int64_t calls = run_q1(bat, "SELECT count(*) FROM llm_call");
	memset(&r, 0, sizeof r);
	CHECK_INT(teacher_batch_import(&o, dsb, out, NULL, on_report, &r, &s, NULL, err), 0);
	CHECK_INT(r.n, 0);
	CHECK_INT(s.imported, 0);
	CHECK_INT(s.repeated + s.skipped, 3 * N_ITEMS);
	char *after_rows = qrows(bat, "SELECT * FROM explanation ORDER BY id");
	CHECK_STR(after_rows, before_rows);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM llm_call"), calls);
	free(before_rows);
	free(after_rows);

	/* A second export asks for nothing: all explained. */
	CHECK_INT(teacher_batch_export(&o, ids, n, req, &s, err), 0);
	CHECK_INT(s.written, 0);
	CHECK_INT(s.skipped, 3 * N_ITEMS);

	/* --force: asked again, stored again (new calls), once per line. */
	opts(&o, bat, TEACHER_COT, 0);
	o.force = 1;
	CHECK_INT(teacher_batch_export(&o, ids, n, req, &s, err), 0);
	CHECK_INT(s.written, N_ITEMS);
	answer_base = 1000; /* a new batch: new request ids */
	answer_file(bat, req, out);
	answer_base = 0;
	int64_t e0 = run_q1(bat, "SELECT count(*) FROM explanation"),
		c0 = run_q1(bat, "SELECT count(*) FROM llm_call");
	CHECK_INT(teacher_batch_import(&o, dsb, out, NULL, on_report, &r, &s, NULL, err), 0);
	CHECK_INT(s.imported, N_ITEMS);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM explanation"), e0 + N_ITEMS);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM llm_call"), c0 + N_ITEMS);
	CHECK_INT(teacher_batch_import(&o, dsb, out, NULL, on_report, &r, &s, NULL, err), 0);
	CHECK_INT(s.repeated, N_ITEMS);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM explanation"), e0 + N_ITEMS);
	CHECK_INT(run_q1(bat, "SELECT count(*) FROM llm_call"), c0 + N_ITEMS);
	free(ids);
}

/* --------------------------------------------- the CLI: CROP in two batches */

static const char *bin;
static char out_txt[600], err_txt[600];

static int run_cli(const char *db, const char *const *args)
{
	return run_wait(run_spawn(bin, db, args, out_txt, err_txt));
}

static void test_cli_crop(void)
{
	char db[600], f1[600], o1[600], f2[600], o2[600], f3[600];
	snprintf(db, sizeof db, "%s", test_path("crop.db"));
	snprintf(f1, sizeof f1, "%s", test_path("crop-1.jsonl"));
	snprintf(o1, sizeof o1, "%s", test_path("crop-1-out.jsonl"));
	snprintf(f2, sizeof f2, "%s", test_path("crop-2.jsonl"));
	snprintf(o2, sizeof o2, "%s", test_path("crop-2-out.jsonl"));
	snprintf(f3, sizeof f3, "%s", test_path("crop-3.jsonl"));
	make_ws(db, "arith", NULL);
	/* Demonstrations on (k 2): the bodies still have to match. */
	const char *e1[] = {"explain", "arith", "--mode",         "crop", "--provider", "fake",
			    "--k",     "2",     "--batch-export", f1,     NULL};
	CHECK_INT(run_cli(db, e1), 0);
	CHECK(run_file_has(out_txt, "wrote 6 requests"));
	CHECK(!run_file_has(f1, KEY));
	CHECK(!run_file_has(f1, "SECRET"));
	CHECK(!run_file_has(f1, "Authorization"));
	CHECK(!run_file_has(f1, ":rp:"));
	CHECK(run_file_has(f1, "Question: What is")); /* demonstrations are in */
	answer_file(db, f1, o1);
	const char *i1[] = {"explain",        "arith", "--provider",     "fake", "--k", "2",
			    "--batch-import", o1,      "--batch-export", f2,     NULL};
	CHECK_INT(run_cli(db, i1), 0);
	CHECK(run_file_has(out_txt, "imported 6 of 6 lines"));
	CHECK(run_file_has(out_txt, "3 crop items waiting for rp"));
	CHECK(run_file_has(out_txt, "wrote 3 requests"));
	/* The second batch: rp requests of the three wrong/unparsable items. */
	char **l;
	size_t n = read_lines(f2, &l);
	CHECK_INT(n, 3);
	for (size_t i = 0; i < n; i++) {
		CHECK(strstr(l[i], ":crop:rp:") != NULL);
		CHECK(strstr(l[i], "\\nAnswer: ") != NULL);
	}
	free_lines(l, n);
	CHECK_INT(
		run_q1(db,
		       "SELECT count(*) FROM explanation WHERE mode='crop' AND path='cot' AND correct=1"),
		3);
	CHECK_INT(
		run_q1(db,
		       "SELECT count(*) FROM explanation WHERE mode='crop' AND path='cot' AND coalesce(correct,0)=0"),
		3);
	answer_file(db, f2, o2);
	const char *i2[] = {"explain",        "arith", "--provider",     "fake", "--k", "2",
			    "--batch-import", o2,      "--batch-export", f3,     NULL};
	CHECK_INT(run_cli(db, i2), 0);
	CHECK(run_file_has(out_txt, "imported 3 of 3 lines"));
	CHECK(run_file_has(out_txt, "wrote 0 requests"));
	/* CROP complete: rp rows linked to their kept COTE attempts. */
	CHECK_INT(
		run_q1(db,
		       "SELECT count(*) FROM explanation e JOIN explanation a ON a.id = e.attempt_of"
		       " WHERE e.mode='crop' AND e.path='rp' AND a.mode='crop' AND a.path='cot'"
		       " AND a.item_id = e.item_id AND coalesce(a.correct,0)=0"),
		3);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM explanation"), 9);
	/* Importing the first file again changes nothing. */
	int64_t calls = run_q1(db, "SELECT count(*) FROM llm_call");
	const char *i3[] = {"explain", "arith",          "--provider", "fake", "--k",
			    "2",       "--batch-import", o1,           NULL};
	CHECK_INT(run_cli(db, i3), 0);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM explanation"), 9);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM llm_call"), calls);

	/* A later live run: cot and rp for the same items are all in the call
	 * log for the wrong items, so the fake server sees no cot request and
	 * only the rp requests of the three items CROP did not need. */
	long before = fakellm_stat(&srv, "paths", "/v1/chat/completions");
	const char *l1[] = {"explain", "arith", "--mode", "cot", "--provider",
			    "fake",    "--k",   "2",      NULL};
	CHECK_INT(run_cli(db, l1), 0);
	CHECK(run_file_has(out_txt, "6 cached"));
	CHECK_INT(fakellm_stat(&srv, "paths", "/v1/chat/completions") - before, 0);
	const char *l2[] = {"explain", "arith", "--mode", "rp", "--provider",
			    "fake",    "--k",   "2",      NULL};
	CHECK_INT(run_cli(db, l2), 0);
	CHECK(run_file_has(out_txt, "3 cached"));
	CHECK_INT(fakellm_stat(&srv, "paths", "/v1/chat/completions") - before, 3);
	/* ...and the live cot explanations judge the imported text the same. */
	CHECK_INT(
		run_q1(db,
		       "SELECT count(*) FROM explanation c JOIN explanation k ON k.item_id = c.item_id"
		       " AND k.mode='crop' AND k.path='cot' WHERE c.mode='cot' AND c.text = k.text"
		       " AND c.call_id = k.call_id AND coalesce(c.correct,-1) = coalesce(k.correct,-1)"),
		6);

	/* Usage errors. */
	const char *u1[] = {"explain",        "arith", "--provider", "offline",
			    "--batch-export", f3,      NULL};
	CHECK_INT(run_cli(db, u1), 2);
	CHECK(run_file_has(err_txt, "OpenAI-compatible"));
	const char *u2[] = {"explain", "arith",          "--provider",
			    "fake",    "--batch-import", "/nonexistent/out.jsonl",
			    NULL};
	CHECK_INT(run_cli(db, u2), 1);
	CHECK(run_file_has(err_txt, "cannot open batch output"));
}

/* ---------------------------------------------------- hostile output files */

static void test_hostile(void)
{
	char db[600], req[600], out[600], next[600];
	snprintf(db, sizeof db, "%s", test_path("hostile.db"));
	snprintf(req, sizeof req, "%s", test_path("h-req.jsonl"));
	snprintf(out, sizeof out, "%s", test_path("h-out.jsonl"));
	snprintf(next, sizeof next, "%s", test_path("h-next.jsonl"));
	char err[MENTOR_ERR_LEN];
	int64_t other_item;
	int64_t ds = make_ws(db, "arith", &other_item);
	int64_t *ids;
	size_t n;
	item_ids(db, ds, &ids, &n);
	struct teacher_opts o;
	opts(&o, db, TEACHER_COT, 0);
	struct teacher_batch_stats s;
	CHECK_INT(teacher_batch_export(&o, ids, n, req, &s, err), 0);
	free(ids);
	char **rq;
	size_t nr = read_lines(req, &rq);
	CHECK_INT(nr, N_ITEMS);
	if (nr != N_ITEMS)
		return;
	char *good[N_ITEMS];
	for (int i = 0; i < N_ITEMS; i++)
		good[i] = answer_line(db, rq[i], i + 1);
	char cid1[80];
	cJSON *j1 = cJSON_Parse(rq[1]);
	snprintf(cid1, sizeof cid1, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(j1, "custom_id")));
	cJSON_Delete(j1);
	cJSON *j2 = cJSON_Parse(rq[2]);
	char cid2[80];
	snprintf(cid2, sizeof cid2, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(j2, "custom_id")));
	cJSON_Delete(j2);
	cJSON *j3 = cJSON_Parse(rq[3]);
	char cid3[80];
	snprintf(cid3, sizeof cid3, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(j3, "custom_id")));
	cJSON_Delete(j3);

	struct buf b;
	buf_init(&b);
	/* 1 */ buf_printf(&b, "%s\n", good[0]);
	/* 2 */
	buf_printf(&b,
		   "{\"id\":\"batch_req_x\",\"custom_id\":\"%s\",\"response\":null,"
		   "\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be "
		   "executed before the completion window expired.\"}}\n",
		   cid1);
	/* 3 */ buf_printf(
		&b,
		"{\"id\":\"r3\",\"custom_id\":\"%s\",\"response\":{\"status_code\":500,"
		"\"request_id\":\"q\",\"body\":{\"error\":{\"message\":\"server \\u001b[31mexploded\","
		"\"type\":\"server_error\"}}},\"error\":null}\n",
		cid2);
	/* 4 */ buf_printf(
		&b,
		"{\"id\":\"r4\",\"custom_id\":\"%s\",\"response\":{\"status_code\":200,"
		"\"request_id\":\"q\",\"body\":{\"object\":\"chat.completion\"}},\"error\":null}\n",
		cid3);
	/* 5 */ buf_puts(&b, "{\"custom_id\": \"mentor:d1:i1:cot:cot:0123\", \"response\": {\n");
	/* 6 */ buf_puts(
		&b,
		"{\"id\":\"r6\",\"custom_id\":\"request-1\",\"response\":{\"status_code\":200,\"body\":{}},\"error\":null}\n");
	char *foreign = util_strdup(good[4]);
	char dsid[32], odsid[32];
	snprintf(dsid, sizeof dsid, ":d%lld:", (long long)ds);
	snprintf(odsid, sizeof odsid, ":d%lld:", (long long)ds + 77);
	char *at = strstr(foreign, dsid);
	struct buf fb;
	buf_init(&fb);
	buf_append(&fb, foreign, (size_t)(at - foreign));
	buf_puts(&fb, odsid);
	buf_puts(&fb, at + strlen(dsid));
	/* 7 */ buf_printf(&b, "%s\n", fb.data);
	buf_release(&fb);
	free(foreign);
	/* 8 */ buf_printf(&b, "%s\n", good[0]); /* duplicate custom_id */
	/* 9: an item of another dataset under this dataset's id */
	char itemid[32], oitem[32];
	cJSON *j4 = cJSON_Parse(rq[4]);
	const char *c4 = cJSON_GetStringValue(cJSON_GetObjectItem(j4, "custom_id"));
	snprintf(itemid, sizeof itemid,
		 ":i%lld:", (long long)strtoll(strstr(c4, ":i") + 2, NULL, 10));
	snprintf(oitem, sizeof oitem, ":i%lld:", (long long)other_item);
	char *l9 = util_strdup(good[4]);
	at = strstr(l9, itemid);
	buf_init(&fb);
	buf_append(&fb, l9, (size_t)(at - l9));
	buf_puts(&fb, oitem);
	buf_puts(&fb, at + strlen(itemid));
	buf_printf(&b, "%s\n", fb.data);
	buf_release(&fb);
	free(l9);
	cJSON_Delete(j4);
	/* 10: the key part of custom_id altered (a request that was never exported) */
	char *l10 = util_strdup(good[4]);
	char *k = strstr(l10, ":cot:cot:") + 9;
	k[0] = k[0] == 'a' ? 'b' : 'a';
	buf_printf(&b, "%s\n", l10);
	free(l10);
	/* 11: NUL byte */
	static const char nul_line[] = "{\"custom_id\":\"x\0y\"}\n";
	buf_append(&b, nul_line, sizeof nul_line - 1);
	/* 12 */ buf_puts(&b, "not json at all \x1b[2J\n");
	/* 13: empty object, 14: array */
	buf_puts(&b, "{}\n[1,2,3]\n");
	/* 15: huge line */
	size_t huge = TEACHER_BATCH_MAX_LINE + 1000;
	char *hl = malloc(huge + 1);
	memset(hl, 'x', huge);
	hl[0] = '{';
	hl[huge] = '\0';
	buf_append(&b, hl, huge);
	buf_putc(&b, '\n');
	free(hl);
	/* 16 */ buf_printf(&b, "%s\n", good[5]);
	/* 17: blank lines are ignored */
	buf_puts(&b, "  \n");
	/* 18: a field too many in custom_id */
	char *l18 = util_strdup(good[4]);
	char *q18 = strstr(l18, "\",\"response\"");
	buf_append(&b, l18, (size_t)(q18 - l18));
	buf_printf(&b, ":extra%s\n", q18);
	free(l18);
	/* 19: truncated last line */
	buf_append(&b, good[4], strlen(good[4]) / 2);

	test_write_file(out, b.data, b.len);
	buf_release(&b);

	struct reports r = {0};
	struct teacher_batch_stats ns;
	CHECK_INT(teacher_batch_import(&o, ds, out, next, on_report, &r, &s, &ns, err), 0);
	for (int i = 0; i < r.n; i++)
		fprintf(stderr, "  report %ld: %s\n", r.line[i], r.reason[i]);
	CHECK(reported(&r, 2, "batch error batch_expired"));
	CHECK(reported(&r, 2, "recorded as a failed call"));
	CHECK(reported(&r, 3, "http 500: server \\x1b[31mexploded"));
	CHECK(reported(&r, 4, "malformed response"));
	CHECK(reported(&r, 5, "malformed JSON"));
	CHECK(reported(&r, 6, "unknown custom_id 'request-1'"));
	CHECK(reported(&r, 7, "another dataset"));
	CHECK(reported(&r, 8, "duplicate custom_id"));
	CHECK(reported(&r, 8, "first on line 1"));
	CHECK(reported(&r, 9, "names no item of this dataset"));
	CHECK(reported(&r, 10, "differs from the one exported"));
	CHECK(reported(&r, 11, "NUL byte"));
	CHECK(reported(&r, 12, "malformed JSON"));
	CHECK(reported(&r, 13, "no custom_id"));
	CHECK(reported(&r, 14, "malformed JSON"));
	CHECK(reported(&r, 15, "longer than"));
	CHECK(reported(&r, 18, "unknown custom_id"));
	CHECK(reported(&r, 19, "truncated line"));
	CHECK(!reported(&r, 1, ""));
	CHECK(!reported(&r, 16, ""));
	/* Reasons never carry raw control characters. */
	for (int i = 0; i < r.n; i++)
		for (const char *p = r.reason[i]; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	CHECK_INT(s.imported, 2);
	CHECK_INT(s.failed, 3);
	CHECK_INT(s.rejected, 13);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM explanation"), 2);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM llm_call WHERE status='ok'"), 2);
	CHECK_INT(run_q1(db, "SELECT count(*) FROM llm_call WHERE status='error'"), 3);
	CHECK_INT(run_q1(db,
			 "SELECT count(*) FROM llm_call WHERE status='error' AND http_code=500"),
		  1);
	CHECK_INT(
		run_q1(db,
		       "SELECT count(*) FROM llm_call WHERE status='error' AND error LIKE '%batch_expired%'"),
		1);
	/* The next batch retries the three failed lines (items 1, 2, 3). */
	CHECK_INT(ns.written, 3);
	char *nx = run_slurp(next);
	CHECK(strstr(nx, cid1) && strstr(nx, cid2) && strstr(nx, cid3));
	free(nx);

	/* Again: nothing changes in the workspace. */
	char *before = qrows(db, "SELECT * FROM llm_call ORDER BY id");
	char *before_e = qrows(db, "SELECT * FROM explanation ORDER BY id");
	memset(&r, 0, sizeof r);
	CHECK_INT(teacher_batch_import(&o, ds, out, NULL, on_report, &r, &s, NULL, err), 0);
	CHECK_INT(s.imported, 0);
	CHECK_INT(s.failed, 0);
	char *after = qrows(db, "SELECT * FROM llm_call ORDER BY id");
	char *after_e = qrows(db, "SELECT * FROM explanation ORDER BY id");
	CHECK_STR(after, before);
	CHECK_STR(after_e, before_e);
	free(before);
	free(after);
	free(before_e);
	free(after_e);

	/* An empty file and a missing one. */
	test_write_file(out, "", 0);
	CHECK_INT(teacher_batch_import(&o, ds, out, NULL, on_report, &r, &s, NULL, err), 0);
	CHECK_INT(s.lines, 0);
	CHECK(teacher_batch_import(&o, ds, "/nonexistent/x.jsonl", NULL, NULL, NULL, &s, NULL,
				   err) != 0);
	CHECK(strstr(err, "cannot open batch output") != NULL);

	for (int i = 0; i < N_ITEMS; i++)
		free(good[i]);
	free_lines(rq, nr);
}

int main(void)
{
	const char *exe = fakellm_path();
	if (!exe)
		TEST_SKIP("MENTOR_FAKELLM not set");
	snprintf(xdg, sizeof xdg, "%s", test_path("xdg"));
	mkdir(xdg, 0700);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("MENTOR_DB");
	setenv("MENTOR_BATCH_KEY", KEY, 1);
	setenv("OPENAI_API_KEY", KEY, 1);
	snprintf(out_txt, sizeof out_txt, "%s", test_path("out.txt"));
	snprintf(err_txt, sizeof err_txt, "%s", test_path("err.txt"));

	/* The fake server's replies: the same as the batch outputs written here. */
	cJSON *rj = cJSON_CreateObject();
	for (int i = 0; i < N_ITEMS; i++) {
		char k[64];
		char *t = reply_text(i, 1);
		snprintf(k, sizeof k, "QB%dZ\nAnswer:", i);
		cJSON_AddStringToObject(rj, k, t);
		free(t);
		t = reply_text(i, 0);
		snprintf(k, sizeof k, "QB%dZ\nExplanation:", i);
		cJSON_AddStringToObject(rj, k, t);
		free(t);
	}
	char *rs = cJSON_Print(rj);
	cJSON_Delete(rj);
	char replies[600];
	snprintf(replies, sizeof replies, "%s", test_path("replies.json"));
	test_write_file(replies, rs, strlen(rs));
	free(rs);
	const char *extra[] = {"--reply-file", replies, NULL};
	if (fakellm_start(&srv, exe, extra))
		TEST_SETUP_FAIL("cannot start fakellm");

	char dir[640];
	snprintf(dir, sizeof dir, "%s/mentor", xdg);
	mkdir(dir, 0700);
	snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
	struct buf c;
	buf_init(&c);
	buf_printf(&c,
		   "[defaults]\nk = 0\nretries = 0\n[provider fake]\ntype = openai\n"
		   "base_url = %s/v1\napi_key_env = MENTOR_BATCH_KEY\nmodel = fake-model\n"
		   "price_in = 1.5\nprice_out = 3\n",
		   srv.base);
	test_write_file(cfg_path, c.data, c.len);
	chmod(cfg_path, 0600);
	char err[MENTOR_ERR_LEN];
	if (config_load(&cfg, cfg_path, NULL, err))
		TEST_SETUP_FAIL("%s", err);
	buf_release(&c);

	test_live_vs_batch();
	test_hostile();
	bin = getenv("MENTOR_BIN");
	if (bin && *bin)
		test_cli_crop();
	else
		fprintf(stderr, "MENTOR_BIN not set: command-line part skipped\n");

	config_release(&cfg);
	fakellm_stop(&srv);
	return test_done();
}
