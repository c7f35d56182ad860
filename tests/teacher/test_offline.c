/* test_offline: the scripted offline teacher end to end on a small dataset
 * made here (items with traces, a test item, one it must decline): all three
 * modes, CROP falling back to RP with both attempts kept, calls logged and
 * reused, reruns skipping finished items, --force, review decisions and undo,
 * demonstrations from accepted explanations, the response readers on
 * malformed input, and the --mode words. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/prompt.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "test.h"

#define N_TRAIN 12

struct seen {
	pthread_mutex_t mu;
	int results, errors, texts, done, skipped;
};

static void cb_text(void *u, int64_t item, const char *mode, const char *path, const char *d,
		    size_t n)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	s->texts++;
	pthread_mutex_unlock(&s->mu);
}

static void cb_result(void *u, const struct teacher_result *r)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	s->results++;
	if (r->error)
		s->errors++;
	if (r->skipped)
		s->skipped++;
	pthread_mutex_unlock(&s->mu);
}

static void cb_done(void *u, const struct teacher_progress *p)
{
	struct seen *s = u;
	pthread_mutex_lock(&s->mu);
	s->done++;
	pthread_mutex_unlock(&s->mu);
}

static int64_t add_item(struct store *st, int64_t ds, const char *split, const char *ext,
			const char *q, const char *ans, const char *type, const char *choices,
			const char *rat, const char *trace)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it = {0};
	it.dataset_id = ds;
	it.split = (char *)split;
	it.ext_id = (char *)ext;
	it.question = (char *)q;
	it.answer = (char *)ans;
	it.answer_type = (char *)type;
	it.choices_json = (char *)choices;
	it.gold_rationale = (char *)rat;
	it.trace_json = (char *)trace;
	if (store_item_upsert(st, &it, err))
		TEST_SETUP_FAIL("%s", err);
	return it.id;
}

static int64_t count(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static struct teacher_progress run(const char *db, const struct config *cfg, unsigned modes,
				   const int64_t *ids, size_t n, int force, double rate,
				   struct seen *seen)
{
	char err[MENTOR_ERR_LEN];
	struct teacher_opts o;
	teacher_opts_init(&o);
	o.db_path = db;
	o.cfg = cfg;
	o.modes = modes;
	o.force = force;
	o.error_rate = rate;
	o.seed = 3;
	o.k = 2;
	o.prompts_dir = "/nonexistent/mentor-prompts";
	struct teacher_callbacks cb = {seen, cb_text, cb_result, cb_done};
	struct teacher_job *j = teacher_start(&o, ids, n, &cb, err);
	if (!j)
		TEST_SETUP_FAIL("%s", err);
	CHECK_STR(teacher_job_provider(j), "offline");
	CHECK_STR(teacher_job_model(j), "scripted-teacher");
	CHECK_INT(teacher_wait(j, 60000), MENTOR_OK);
	struct teacher_progress p;
	teacher_get_progress(j, &p);
	teacher_free(j);
	return p;
}

static void test_end_to_end(void)
{
	char err[MENTOR_ERR_LEN];
	char db[600];
	snprintf(db, sizeof db, "%s", test_path("offline.db"));
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ds;
	if (store_dataset_upsert(st, "tiny", "test", "generic", NULL, &ds, err))
		TEST_SETUP_FAIL("%s", err);
	int64_t ids[N_TRAIN + 4];
	size_t n = 0;
	for (int i = 0; i < N_TRAIN; i++) {
		char q[128], ext[16], tr[512], rat[128], ans[16], dis[16];
		int a = 3 + i, b = 4 + 2 * i;
		snprintf(q, sizeof q,
			 "Ann has %d apples and gets %d more. How many now? (train %d)", a, b, i);
		snprintf(ext, sizeof ext, "t%d", i);
		snprintf(ans, sizeof ans, "%d", a + b);
		snprintf(dis, sizeof dis, "%d", a + b + 2);
		snprintf(rat, sizeof rat, "Ann starts with %d. %d + %d = %d.", a, a, b, a + b);
		snprintf(
			tr, sizeof tr,
			"{\"task\":\"arith\",\"steps\":[\"Ann starts with %d apples.\",\"%d + %d = %d.\"],"
			"\"answer\":\"%s\",\"distractor\":\"%s\",\"wrong_steps\":[\"Ann starts with %d "
			"apples.\",\"%d + %d = %s.\"]}",
			a, a, b, a + b, ans, dis, a, a, b, dis);
		ids[n++] = add_item(st, ds, "train", ext, q, ans, "number", NULL, rat, tr);
	}
	const char *ch = "[{\"label\":\"A\",\"text\":\"red\"},{\"label\":\"B\",\"text\":\"blue\"}]";
	ids[n++] =
		add_item(st, ds, "train", "mc1", "Which colour is the sky on a clear day?", "B",
			 "mc", ch, NULL,
			 "{\"task\":\"sky\",\"steps\":[\"Air scatters blue light most.\",\"The sky "
			 "looks blue.\"],\"answer\":\"B\",\"distractor\":\"red\",\"wrong_steps\":"
			 "[\"Sunsets are red.\",\"The sky looks red.\"]}");
	int64_t test_item =
		add_item(st, ds, "test", "x1", "SECRET-TEST-QUESTION: 2 + 2?", "4", "number", NULL,
			 "2 + 2 = 4.",
			 "{\"steps\":[\"2 + 2 = 4.\"],\"answer\":\"4\",\"distractor\":\"5\"}");
	ids[n++] = test_item;
	int64_t declined = add_item(st, ds, "train", "d1", "Unknowable?", "7", "number", NULL, NULL,
				    NULL);
	ids[n++] = declined;

	struct config cfg;
	config_init(&cfg);
	struct seen s = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
	struct teacher_progress p = run(db, &cfg, TEACHER_ALL, ids, n, 0, 0.5, &s);
	int64_t ok_items = (int64_t)n - 1;
	CHECK_INT(p.total, 3 * (int64_t)n);
	CHECK_INT(p.done, p.total);
	CHECK_INT(p.errors, 3);
	CHECK_INT(s.errors, 3);
	CHECK_INT(s.results, p.total);
	CHECK_INT(s.done, 1);
	CHECK(s.texts >= 2 * ok_items);
	CHECK(p.finished);
	CHECK(!p.cancelled);
	/* COTE and RP are called once per item; CROP reuses them from the log;
	 * the declined item is asked three times (errors are never cached). */
	CHECK_INT(p.calls, 2 * ok_items + 3);
	CHECK_INT(p.cached, count(st, "SELECT count(*) FROM explanation WHERE mode='crop'"));
	CHECK_INT(count(st, "SELECT count(*) FROM llm_call"), 2 * ok_items + 3);
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM llm_call WHERE status='error' AND error LIKE 'declined:%'"),
		3);
	CHECK_INT(count(st,
			"SELECT count(*) FROM llm_call WHERE provider='offline' AND "
			"model='scripted-teacher' AND response_text LIKE '%\"scripted\":true%'"),
		  2 * ok_items + 3);
	/* The scripted teacher reports no usage: tokens are estimated (bytes/4). */
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM llm_call WHERE tokens_estimated=1 AND tokens_in > 0 AND "
		      "tokens_in = (length(CAST(json_extract(request_json, '$.prompt') AS BLOB)) + 3) / 4"),
		2 * ok_items + 3);
	/* One cot and one rp explanation per explainable item. */
	CHECK_INT(count(st, "SELECT count(*) FROM explanation WHERE mode='cot' AND path='cot'"),
		  ok_items);
	CHECK_INT(count(st, "SELECT count(*) FROM explanation WHERE mode='rp' AND path='rp'"),
		  ok_items);
	/* RP always concludes with the gold answer; the leaks it wrote on
	 * purpose (rp_leak_rate) are exactly the ones flagged. */
	CHECK_INT(count(st, "SELECT count(*) FROM explanation WHERE mode='rp' AND correct=1"),
		  ok_items);
	CHECK_INT(
		count(st, "SELECT count(*) FROM explanation e JOIN llm_call c ON c.id = e.call_id "
			  "WHERE e.mode='rp' AND e.leaked=1"),
		count(st,
		      "SELECT count(*) FROM explanation e JOIN llm_call c ON c.id = e.call_id "
		      "WHERE e.mode='rp' AND json_extract(c.response_text, '$.mistake') = 'rp_leak'"));
	/* With a 50% error rate some COTE answers are wrong, and they say the distractor. */
	int64_t wrong = count(st,
			      "SELECT count(*) FROM explanation WHERE mode='cot' AND correct=0");
	CHECK(wrong > 0 && wrong < ok_items);
	CHECK_INT(count(st,
			"SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE "
			"e.mode='cot' AND e.correct=0 AND e.parsed_answer = i.answer"),
		  0);
	/* CROP: correct COTE kept as is; wrong COTE kept as an attempt, RP linked to it. */
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM explanation WHERE mode='crop' AND path='cot' AND correct=1"),
		ok_items - wrong);
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM explanation WHERE mode='crop' AND path='cot' AND correct=0"),
		wrong);
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM explanation r JOIN explanation a ON a.id=r.attempt_of "
		      "WHERE r.mode='crop' AND r.path='rp' AND a.mode='crop' AND a.path='cot' AND "
		      "a.correct=0 AND a.item_id=r.item_id AND r.correct=1"),
		wrong);
	/* CROP's texts are those of the same item's COTE / RP calls. */
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM explanation c JOIN explanation x ON x.item_id=c.item_id "
		      "AND x.mode='cot' WHERE c.mode='crop' AND c.path='cot' AND c.call_id=x.call_id"),
		ok_items);
	/* MC answers are labels. */
	CHECK_INT(count(st,
			"SELECT count(*) FROM explanation e JOIN item i ON i.id=e.item_id WHERE "
			"i.answer_type='mc' AND e.mode='rp' AND e.parsed_answer='B'"),
		  1);
	/* Demonstrations: never a test item, never the item itself. */
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM llm_call WHERE request_json LIKE '%SECRET-TEST-QUESTION%'"),
		2);
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM llm_call l JOIN explanation e ON e.call_id=l.id JOIN "
		      "item i ON i.id=e.item_id WHERE e.mode='cot' AND "
		      "instr(substr(l.request_json, instr(l.request_json, i.question) + 1), i.question) > 0"),
		0);
	CHECK_INT(
		count(st,
		      "SELECT count(*) FROM llm_call WHERE request_json LIKE '%Question:%Question:%Question:%'"),
		count(st, "SELECT count(*) FROM llm_call"));

	/* Rerun: everything finished is skipped; only the declined item is retried. */
	struct seen s2 = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
	p = run(db, &cfg, TEACHER_ALL, ids, n, 0, 0.5, &s2);
	CHECK_INT(p.skipped, 3 * ok_items);
	CHECK_INT(s2.skipped, 3 * ok_items);
	CHECK_INT(p.calls, 3);
	CHECK_INT(count(st, "SELECT count(*) FROM explanation"), 3 * ok_items + wrong);

	/* A half-done CROP (attempt stored, RP missing) resumes without a
	 * second attempt row. */
	int64_t crop_rp = count(st,
				"SELECT min(id) FROM explanation WHERE mode='crop' AND path='rp'");
	if (crop_rp > 0) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM explanation WHERE id=%lld",
			 (long long)crop_rp);
		sqlite3_exec(store_db(st), sql, NULL, NULL, NULL);
		struct seen s3 = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
		p = run(db, &cfg, TEACHER_CROP, ids, n, 0, 0.5, &s3);
		CHECK_INT(p.calls, 1); /* the declined item only */
		CHECK_INT(
			count(st,
			      "SELECT count(*) FROM explanation WHERE mode='crop' AND path='cot'"),
			ok_items);
		CHECK_INT(count(st,
				"SELECT count(*) FROM explanation WHERE mode='crop' AND path='rp'"),
			  wrong);
	}

	/* --force: new calls (not from the log), new explanations. */
	int64_t calls_before = count(st, "SELECT count(*) FROM llm_call");
	struct seen s4 = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
	p = run(db, &cfg, TEACHER_COT, ids, 3, 1, 0.5, &s4);
	CHECK_INT(p.calls, 3);
	CHECK_INT(p.cached, 0);
	CHECK_INT(count(st, "SELECT count(*) FROM llm_call"), calls_before + 3);
	CHECK_INT(count(st, "SELECT count(*) FROM explanation WHERE mode='cot'"), ok_items + 3);

	/* Trainable: correct and unleaked pending ones; wrong ones only once accepted. */
	int64_t wrong_id = count(st,
				 "SELECT min(id) FROM explanation WHERE mode='cot' AND correct=0");
	struct store_expl we;
	CHECK_INT(store_expl_get(st, wrong_id, &we, err), 0);
	CHECK(!store_expl_trainable(&we));
	store_expl_release(&we);
	CHECK_INT(store_expl_decide(st, wrong_id, "accept", "ann", err), 0);
	CHECK_INT(store_expl_get(st, wrong_id, &we, err), 0);
	CHECK(store_expl_trainable(&we));
	store_expl_release(&we);
	CHECK_INT(store_decision_undo(st, wrong_id, NULL, NULL, err), 0);
	int64_t good_id = count(st,
				"SELECT min(id) FROM explanation WHERE mode='rp' AND correct=1");
	CHECK_INT(store_expl_get(st, good_id, &we, err), 0);
	CHECK(store_expl_trainable(&we));
	store_expl_release(&we);
	CHECK_INT(store_expl_decide(st, good_id, "reject", "ann", err), 0);
	CHECK_INT(store_expl_get(st, good_id, &we, err), 0);
	CHECK(!store_expl_trainable(&we));
	store_expl_release(&we);
	CHECK_INT(store_decision_undo(st, good_id, NULL, NULL, err), 0);
	sqlite3_exec(store_db(st), "DELETE FROM decision", NULL, NULL, NULL);

	/* Review: decide, undo, edit. */
	int64_t eid = count(st, "SELECT min(id) FROM explanation WHERE mode='cot'");
	struct store_expl e;
	CHECK_INT(store_expl_decide(st, eid, "accept", "ann", err), 0);
	CHECK_INT(store_expl_get(st, eid, &e, err), 0);
	CHECK_STR(e.status, "accepted");
	CHECK_STR(e.reviewer, "ann");
	store_expl_release(&e);
	CHECK_INT(store_expl_decide(st, eid, "flag", "ann", err), 0);
	CHECK_INT(store_expl_edit(st, eid, "edited text", NULL, "ann", err), 0);
	CHECK_INT(store_expl_decide(st, eid, "bogus", "ann", err), MENTOR_EUSAGE);
	CHECK_INT(count(st, "SELECT count(*) FROM decision"), 3);
	int64_t which = 0;
	CHECK_INT(store_decision_undo(st, eid, &which, NULL, err), 0);
	CHECK_INT(which, eid);
	CHECK_INT(store_expl_get(st, eid, &e, err), 0);
	CHECK_STR(e.status, "flagged");
	CHECK(e.edited_text == NULL);
	store_expl_release(&e);
	CHECK_INT(store_decision_undo(st, 0, &which, NULL, err), 0);
	CHECK_INT(store_decision_undo(st, eid, &which, NULL, err), 0);
	CHECK_INT(store_expl_get(st, eid, &e, err), 0);
	CHECK_STR(e.status, "pending");
	store_expl_release(&e);
	CHECK_INT(store_decision_undo(st, eid, &which, NULL, err), MENTOR_ENOTFOUND);

	/* A decision that changes nothing is not recorded, so an undo after it
	 * undoes the one before; an undone edit says so. */
	CHECK_INT(store_expl_decide(st, eid, "accept", "ann", err), 0);
	int64_t n_dec = count(st, "SELECT count(*) FROM decision");
	CHECK_INT(store_expl_decide(st, eid, "accept", "ann", err), 1);
	CHECK_INT(count(st, "SELECT count(*) FROM decision"), n_dec);
	CHECK_INT(store_expl_edit(st, eid, "new words", NULL, "ann", err), 0);
	CHECK_INT(store_expl_edit(st, eid, "new words", NULL, "ann", err), 1);
	int was_edit = -1;
	CHECK_INT(store_decision_undo(st, eid, &which, &was_edit, err), 0);
	CHECK_INT(was_edit, 1);
	CHECK_INT(store_decision_undo(st, eid, &which, &was_edit, err), 0);
	CHECK_INT(was_edit, 0);
	CHECK_INT(store_expl_get(st, eid, &e, err), 0);
	CHECK_STR(e.status, "pending");
	CHECK(e.edited_text == NULL);
	store_expl_release(&e);
	CHECK_INT(store_expl_get(st, 999999, &e, err), MENTOR_ENOTFOUND);

	/* An edit is judged again (answer, right or wrong, and for RP the
	 * leak); its decision keeps the text it set and the verdict before; an
	 * undo restores both. */
	int64_t gid = count(st, "SELECT min(id) FROM explanation WHERE mode='cot' AND correct=1");
	struct store_expl g0;
	struct store_item git;
	CHECK_INT(store_expl_get(st, gid, &g0, err), 0);
	CHECK_INT(store_item_get(st, g0.item_id, &git, err), 0);
	char wrong_txt[256], right_txt[256];
	snprintf(wrong_txt, sizeof wrong_txt, "Counting again. So the answer is %s1.", git.answer);
	snprintf(right_txt, sizeof right_txt, "Counting once more. So the answer is %s.",
		 git.answer);
	CHECK_INT(teacher_edit(st, gid, wrong_txt, "ann", err), 0);
	CHECK_INT(store_expl_get(st, gid, &e, err), 0);
	CHECK_INT(e.correct, 0);
	CHECK(e.parsed_answer && strcmp(e.parsed_answer, g0.parsed_answer) != 0);
	CHECK_STR(e.edited_text, wrong_txt);
	CHECK_STR(e.text, g0.text); /* the teacher's text stays */
	CHECK(!store_expl_trainable(&e));
	store_expl_release(&e);
	char q[256];
	snprintf(q, sizeof q,
		 "SELECT count(*) FROM decision WHERE explanation_id=%lld AND "
		 "action='edit' AND text IS NOT NULL AND prev_correct=1 AND undone=0",
		 (long long)gid);
	CHECK_INT(count(st, q), 1);
	CHECK_INT(teacher_edit(st, gid, right_txt, "ann", err), 0);
	CHECK_INT(store_expl_get(st, gid, &e, err), 0);
	CHECK_INT(e.correct, 1);
	store_expl_release(&e);
	CHECK_INT(teacher_edit(st, gid, right_txt, "ann", err), 1);
	CHECK_INT(store_decision_undo(st, gid, &which, &was_edit, err), 0);
	CHECK_INT(was_edit, 1);
	CHECK_INT(store_expl_get(st, gid, &e, err), 0);
	CHECK_INT(e.correct, 0);
	CHECK_STR(e.edited_text, wrong_txt);
	store_expl_release(&e);
	CHECK_INT(store_decision_undo(st, gid, &which, &was_edit, err), 0);
	CHECK_INT(store_expl_get(st, gid, &e, err), 0);
	CHECK_INT(e.correct, 1);
	CHECK_STR(e.parsed_answer, g0.parsed_answer);
	CHECK(e.edited_text == NULL);
	store_expl_release(&e);
	/* an RP text edited into one that leans on the hint is marked leaked */
	int64_t rid = count(st, "SELECT min(id) FROM explanation WHERE path='rp' AND leaked=0");
	char leak_txt[256];
	snprintf(leak_txt, sizeof leak_txt, "%s because it is the correct answer.", git.answer);
	CHECK(rid > 0);
	CHECK_INT(teacher_edit(st, rid, leak_txt, "ann", err), 0);
	CHECK_INT(store_expl_get(st, rid, &e, err), 0);
	CHECK_INT(e.leaked, 1);
	store_expl_release(&e);
	CHECK_INT(store_decision_undo(st, rid, &which, NULL, err), 0);
	CHECK_INT(store_expl_get(st, rid, &e, err), 0);
	CHECK_INT(e.leaked, 0);
	store_expl_release(&e);
	/* the same text on a COTE explanation is not judged for a leak */
	CHECK_INT(teacher_edit(st, gid, leak_txt, "ann", err), 0);
	CHECK_INT(store_expl_get(st, gid, &e, err), 0);
	CHECK_INT(e.leaked, 0);
	store_expl_release(&e);
	CHECK_INT(store_decision_undo(st, gid, &which, NULL, err), 0);
	store_item_release(&git);
	store_expl_release(&g0);

	/* An accepted explanation makes its item a demonstration candidate. */
	struct store_demo *demos;
	size_t nd;
	CHECK_INT(store_demo_list(st, ds, 0, &demos, &nd, err), 0);
	CHECK_INT(nd, N_TRAIN); /* gold rationales; test item excluded */
	for (size_t i = 0; i < nd; i++)
		store_demo_release(&demos[i]);
	free(demos);
	int64_t mc_expl = count(st,
				"SELECT min(e.id) FROM explanation e JOIN item i ON i.id=e.item_id "
				"WHERE i.ext_id='mc1' AND e.mode='rp'");
	CHECK_INT(store_expl_decide(st, mc_expl, "accept", "ann", err), 0);
	CHECK_INT(store_demo_list(st, ds, 0, &demos, &nd, err), 0);
	CHECK_INT(nd, N_TRAIN + 1);
	int found = 0;
	for (size_t i = 0; i < nd; i++) {
		if (demos[i].rationale && strstr(demos[i].rationale, "Air scatters blue light"))
			found = 1;
		store_demo_release(&demos[i]);
	}
	free(demos);
	CHECK(found);

	/* Listing and totals. */
	struct store_expl_filter f = {0};
	f.dataset_id = ds;
	f.mode = "rp";
	struct store_expl *list;
	size_t nl;
	CHECK_INT(store_expl_list(st, &f, &list, &nl, err), 0);
	CHECK_INT(nl, ok_items);
	for (size_t i = 0; i < nl; i++)
		store_expl_release(&list[i]);
	free(list);
	struct store_call_totals t;
	CHECK_INT(store_call_totals(st, &t, err), 0);
	CHECK_INT(t.calls, count(st, "SELECT count(*) FROM llm_call"));
	CHECK(t.tokens_in > 0);
	store_close(st);
	config_release(&cfg);
}

static struct config_offline_rates rates(double wrong, double bad_step, double leak)
{
	struct config_offline_rates r = {wrong, bad_step, leak};
	return r;
}

static void test_offline_direct(void)
{
	struct config_offline_rates r0 = rates(0, 0, 0), r1 = rates(1, 0, 0), rh = rates(0.5, 0, 0);
	char err[MENTOR_ERR_LEN];
	struct store_item it = {0};
	it.id = 1;
	it.question = "Bo has 2 pens and buys 3. How many?";
	it.answer = "5";
	it.answer_type = "number";
	it.trace_json = "{\"steps\":[\"2 + 3 = 5.\"],\"answer\":\"5\",\"distractor\":\"6\","
			"\"wrong_steps\":[\"2 + 3 = 6.\"]}";
	struct buf a, b;
	buf_init(&a);
	buf_init(&b);
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r0, 1, &a, NULL, err), 0);
	CHECK_STR(a.data, "2 + 3 = 5. So the answer is 5.");
	buf_reset(&a);
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r1, 1, &a, NULL, err), 0);
	CHECK_STR(a.data, "2 + 3 = 6. So the answer is 6.");
	buf_reset(&a);
	CHECK_INT(teacher_offline_explain(&it, PROMPT_RP, &r1, 1, &a, NULL, err), 0);
	CHECK_STR(a.data, "2 + 3 = 5. So the answer is 5.");
	/* Deterministic per seed + item. */
	buf_reset(&a);
	teacher_offline_explain(&it, PROMPT_COT, &rh, 9, &a, NULL, err);
	teacher_offline_explain(&it, PROMPT_COT, &rh, 9, &b, NULL, err);
	CHECK_STR(a.data, b.data);
	/* Gold rationale without a trace; nothing at all: declined. */
	it.trace_json = NULL;
	it.gold_rationale = "Two and three make five.";
	buf_reset(&a);
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r1, 1, &a, NULL, err), 0);
	CHECK_STR(a.data, "Two and three make five. So the answer is 5.");
	it.gold_rationale = NULL;
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r0, 1, &a, NULL, err),
		  MENTOR_ENOTFOUND);
	CHECK(strncmp(err, "declined:", 9) == 0);
	/* Hostile trace JSON. */
	it.trace_json = "{\"steps\": [1, null, {\"a\":2}], \"wrong_steps\": \"no\"";
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r0, 1, &a, NULL, err),
		  MENTOR_ENOTFOUND);
	it.trace_json = "{\"steps\": [\"ok.\", 3], \"distractor\": 17, \"wrong_steps\": {}}";
	buf_reset(&a);
	CHECK_INT(teacher_offline_explain(&it, PROMPT_COT, &r1, 1, &a, NULL, err), 0);
	CHECK_STR(a.data, "ok. So the answer is 6.");
	buf_release(&a);
	buf_release(&b);
}

static void test_wire(void)
{
	char err[MENTOR_ERR_LEN];
	struct buf b;
	buf_init(&b);
	int64_t ti, to;
	const char *oa = "{\"choices\":[{\"message\":{\"content\":\"So the answer is 4.\"}}],"
			 "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}";
	CHECK_INT(teacher_parse_response("openai", oa, strlen(oa), &b, &ti, &to, err), 0);
	CHECK_STR(b.data, "So the answer is 4.");
	CHECK_INT(ti, 10);
	CHECK_INT(to, 5);
	buf_reset(&b);
	const char *an =
		"{\"content\":[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}],"
		"\"usage\":{\"input_tokens\":3}}";
	CHECK_INT(teacher_parse_response("anthropic", an, strlen(an), &b, &ti, &to, err), 0);
	CHECK_STR(b.data, "AB");
	CHECK_INT(ti, 3);
	CHECK_INT(to, -1);
	buf_reset(&b);
	const char *sse =
		"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n"
		"data: [DONE]\n\n";
	CHECK_INT(teacher_parse_response("openai", sse, strlen(sse), &b, &ti, &to, err), 0);
	CHECK_STR(b.data, "Hello");
	CHECK_INT(ti, 7);
	buf_reset(&b);
	const char *asse =
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
		"{\"input_tokens\":9}}}\n\nevent: content_block_delta\ndata: {\"type\":"
		"\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	CHECK_INT(teacher_parse_response("anthropic", asse, strlen(asse), &b, &ti, &to, err), 0);
	CHECK_STR(b.data, "Hi");
	CHECK_INT(ti, 9);
	CHECK_INT(to, 4);
	/* Malformed, truncated, error objects, wrong types, empty. */
	const char *bad[] = {
		"{\"choices\": [{\"message\": {\"content\": \"unterminated",
		"{\"error\":{\"message\":\"rate limited\"}}",
		"{\"choices\":[{\"message\":{\"content\":42}}]}",
		"{\"choices\":[]}",
		"[1,2,3]",
		"",
		"   ",
		"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", /* no end */
		"data: not json\n\n",
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"overloaded\"}}\n\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&b);
		CHECK_MSG(teacher_parse_response("openai", bad[i], strlen(bad[i]), &b, &ti, &to,
						 err) != 0,
			  "accepted bad response %zu", i);
	}
	/* An over-long text is refused. */
	struct buf big;
	buf_init(&big);
	buf_puts(&big, "{\"choices\":[{\"message\":{\"content\":\"");
	for (size_t i = 0; i < TEACHER_MAX_TEXT + 10; i++)
		buf_putc(&big, 'a');
	buf_puts(&big, "\"}}]}");
	buf_reset(&b);
	CHECK(teacher_parse_response("openai", big.data, big.len, &b, &ti, &to, err) != 0);
	buf_release(&big);
	buf_release(&b);
}

/* A dataset's prompt language: detected from its questions (Japanese,
 * English, mixed), overridden by the workspace setting, a damaged setting
 * counting as auto; the prompt built for an item follows it. */
static void test_dataset_lang(void)
{
	char err[MENTOR_ERR_LEN];
	char db[600];
	snprintf(db, sizeof db, "%s", test_path("lang.db"));
	struct store *st = store_open(db, err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	int64_t ja, en, mixed, empty;
	if (store_dataset_upsert(st, "ja", "test", "generic", NULL, &ja, err) ||
	    store_dataset_upsert(st, "en", "test", "generic", NULL, &en, err) ||
	    store_dataset_upsert(st, "mixed", "test", "generic", NULL, &mixed, err) ||
	    store_dataset_upsert(st, "empty", "test", "generic", NULL, &empty, err))
		TEST_SETUP_FAIL("%s", err);
	int64_t ja_item = 0, en_item = 0;
	for (int i = 0; i < 6; i++) {
		char q[160], ext[16], ans[16], rat[160];
		snprintf(ext, sizeof ext, "q%d", i);
		snprintf(ans, sizeof ans, "%d", 3 + i);
		snprintf(q, sizeof q, "りんごが %d 個あります。1 個もらうと何個ですか。", 2 + i);
		snprintf(rat, sizeof rat, "%d + 1 = %d です。", 2 + i, 3 + i);
		const char *split = i ? "train" : "test";
		int64_t id = add_item(st, ja, split, ext, q, ans, "number", NULL, rat, NULL);
		if (!i)
			ja_item = id;
		snprintf(q, sizeof q, "Ann has %d apples and gets 1 more. How many now?", 2 + i);
		snprintf(rat, sizeof rat, "%d + 1 = %d.", 2 + i, 3 + i);
		id = add_item(st, en, split, ext, q, ans, "number", NULL, rat, NULL);
		if (!i)
			en_item = id;
		/* mostly Japanese with English names and one English question */
		snprintf(q, sizeof q,
			 i == 5 ? "What is %d + 1?"
				: "Python の list に %d 個の要素が"
				  "あります。1 個足すと何個ですか。",
			 2 + i);
		add_item(st, mixed, "train", ext, q, ans, "number", NULL, NULL, NULL);
	}
	int lang = -1, set = -1;
	CHECK_INT(teacher_dataset_lang(st, ja, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_JA);
	CHECK_INT(set, 0);
	CHECK_INT(teacher_dataset_lang(st, en, &lang, NULL, err), 0);
	CHECK_INT(lang, I18N_EN);
	CHECK_INT(teacher_dataset_lang(st, mixed, &lang, NULL, err), 0);
	CHECK_INT(lang, I18N_JA);
	CHECK_INT(teacher_dataset_lang(st, empty, &lang, NULL, err), 0);
	CHECK_INT(lang, I18N_EN);

	/* the prompts follow */
	struct config cfg;
	config_init(&cfg);
	struct teacher_opts o;
	teacher_opts_init(&o);
	o.cfg = &cfg;
	o.prompts_dir = test_path("no-prompts");
	struct buf p;
	buf_init(&p);
	CHECK_INT(teacher_build_prompt(st, &o, ja_item, PROMPT_COT, &p, err), 0);
	CHECK_MSG(p.data && strstr(p.data, "次の問題に答えてください。") &&
			  strstr(p.data, " です。\nしたがって、答えは ") &&
			  strstr(p.data, "\n問題: りんごが 2 個あります。1 個もらうと何個ですか。"
					 "\n説明:"),
		  "%s", p.data ? p.data : "");
	buf_reset(&p);
	CHECK_INT(teacher_build_prompt(st, &o, en_item, PROMPT_RP, &p, err), 0);
	CHECK(p.data && strstr(p.data, "The correct answer to the question is given.") &&
	      !strstr(p.data, "問題:"));

	/* override: the English dataset's prompts in Japanese, then back */
	CHECK_INT(teacher_dataset_lang_set(st, en, "ja", err), 0);
	CHECK_INT(teacher_dataset_lang(st, en, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_JA);
	CHECK_INT(set, 1);
	buf_reset(&p);
	CHECK_INT(teacher_build_prompt(st, &o, en_item, PROMPT_RP, &p, err), 0);
	CHECK(p.data && strstr(p.data, "問題の正解が与えられています。") &&
	      strstr(p.data, "問題: Ann has 2 apples"));
	CHECK_INT(teacher_dataset_lang_set(st, ja, "EN", err), 0);
	CHECK_INT(teacher_dataset_lang(st, ja, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_EN);
	CHECK_INT(teacher_dataset_lang_set(st, en, "auto", err), 0);
	CHECK_INT(teacher_dataset_lang(st, en, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_EN);
	CHECK_INT(set, 0);
	/* bad values are refused and leave the setting alone */
	CHECK_INT(teacher_dataset_lang_set(st, ja, "fr", err), MENTOR_EUSAGE);
	CHECK_INT(teacher_dataset_lang_set(st, ja, "", err), MENTOR_EUSAGE);
	CHECK_INT(teacher_dataset_lang_set(st, ja, NULL, err), MENTOR_EUSAGE);
	CHECK_INT(teacher_dataset_lang(st, ja, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_EN);
	/* a damaged setting (written by hand) counts as auto */
	char key[48];
	snprintf(key, sizeof key, "dataset.%lld.lang", (long long)ja);
	CHECK_INT(store_setting_set(st, key, "\x1b[2J", err), 0);
	CHECK_INT(teacher_dataset_lang(st, ja, &lang, &set, err), 0);
	CHECK_INT(lang, I18N_JA);
	CHECK_INT(set, 0);
	buf_release(&p);
	config_release(&cfg);
	store_close(st);
}

/* --mode words to the mask teacher_start takes: each store mode its own bit,
 * "cote" for cot, "all"; anything else none. */
static void test_mode_mask(void)
{
	unsigned seen = 0;
	for (int m = 0; m < STORE_N_MODES; m++) {
		unsigned bit = teacher_mode_mask(store_mode_name((enum store_mode)m));
		CHECK_MSG(bit && !(bit & (bit - 1)) && !(bit & seen), "mode %d: mask %u", m, bit);
		seen |= bit;
	}
	CHECK_INT(seen, TEACHER_ALL);
	CHECK_INT(teacher_mode_mask("cot"), TEACHER_COT);
	CHECK_INT(teacher_mode_mask("cote"), TEACHER_COT);
	CHECK_INT(teacher_mode_mask("rp"), TEACHER_RP);
	CHECK_INT(teacher_mode_mask("crop"), TEACHER_CROP);
	CHECK_INT(teacher_mode_mask("all"), TEACHER_ALL);
	static const char *const bad[] = {"", "COT", "cot ", "al", "allx", "none", "\x1b[0m"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(teacher_mode_mask(bad[i]) == 0, "'%s' gives a mask", bad[i]);
	CHECK_INT(teacher_mode_mask(NULL), 0);
}

int main(void)
{
	test_mode_mask();
	test_offline_direct();
	test_wire();
	test_end_to_end();
	test_dataset_lang();
	return test_done();
}
