/* test_store_item: datasets and items in a real workspace file: upsert and
 * change detection, counts per split, deletion cascades, pruning that keeps
 * explained items, and the item filter (split, search, review status, mode,
 * correctness, leakage) with offset and keyset paging; the operator's
 * selection (filter plus a substring or re: search, the scan cap) and its
 * review progress; the usage of past calls and COTE's record for estimates. */
#include <sqlite3.h>

#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static struct store *open_db(const char *name)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open(test_path(name), err);
	if (!st)
		TEST_SETUP_FAIL("%s", err);
	return st;
}

static void exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(store_db(st), sql, NULL, NULL, &msg) != SQLITE_OK)
		TEST_SETUP_FAIL("%s: %s", sql, msg ? msg : "?");
}

/* An item with the given text fields (static storage is fine: put copies). */
static int put(struct store *st, int64_t ds, const char *split, const char *ext,
	       const char *question, const char *answer, int *what, int64_t *id)
{
	char err[MENTOR_ERR_LEN];
	struct store_item it = {0};
	it.dataset_id = ds;
	it.split = (char *)split;
	it.ext_id = (char *)ext;
	it.question = (char *)question;
	it.answer = (char *)answer;
	it.answer_type = (char *)STORE_ANS_TEXT;
	int rc = store_item_put(st, &it, what, err);
	if (rc)
		fprintf(stderr, "put: %s\n", err);
	if (id)
		*id = it.id;
	return rc;
}

static void test_datasets(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("ds.db");
	int64_t a, b, a2;
	CHECK_INT(store_dataset_upsert(st, "zeta", "z.jsonl", "gsm8k", "h1", &a, err), 0);
	CHECK_INT(store_dataset_upsert(st, "alpha", "a.csv", "generic", NULL, &b, err), 0);
	CHECK(a != b);
	/* Same name: same id, source/format/hash updated. */
	CHECK_INT(store_dataset_upsert(st, "zeta", "z2.jsonl", "svamp", "h2", &a2, err), 0);
	CHECK_INT(a2, a);
	struct store_dataset d;
	CHECK_INT(store_dataset_get(st, "zeta", &d, err), 0);
	CHECK_STR(d.source, "z2.jsonl");
	CHECK_STR(d.format, "svamp");
	CHECK_STR(d.source_hash, "h2");
	CHECK(d.created_at > 0);
	store_dataset_release(&d);
	store_dataset_release(NULL);
	CHECK_INT(store_dataset_get(st, "nope", &d, err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "nope") != NULL);
	CHECK_INT(store_dataset_get_id(st, 999, &d, err), MENTOR_ENOTFOUND);

	CHECK_INT(put(st, a, "train", "1", "q1", "a", NULL, NULL), 0);
	CHECK_INT(put(st, a, "train", "2", "q2", "a", NULL, NULL), 0);
	CHECK_INT(put(st, a, "dev", "3", "q3", "a", NULL, NULL), 0);
	CHECK_INT(put(st, a, "test", "4", "q4", "a", NULL, NULL), 0);
	CHECK_INT(put(st, b, "test", "1", "other", "a", NULL, NULL), 0);

	struct store_dataset *list;
	size_t n;
	CHECK_INT(store_dataset_list(st, &list, &n, err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].name, "alpha"); /* ordered by name */
		CHECK_INT(list[0].n_test, 1);
		CHECK_STR(list[1].name, "zeta");
		CHECK_INT(list[1].n_train, 2);
		CHECK_INT(list[1].n_dev, 1);
		CHECK_INT(list[1].n_test, 1);
	}
	for (size_t i = 0; i < n; i++)
		store_dataset_release(&list[i]);
	free(list);

	/* Deleting a dataset takes its items (and their explanations) along. */
	exec(st, "INSERT INTO explanation(item_id, mode, path, provider, model, text, created_at) "
		 "SELECT id, 'cot', 'cot', 'p', 'm', 't', 1 FROM item");
	CHECK_INT(store_dataset_delete(st, a, err), 0);
	CHECK_INT(store_dataset_get(st, "zeta", &d, err), MENTOR_ENOTFOUND);
	struct store_item_filter f;
	store_item_filter_init(&f);
	int64_t cnt;
	CHECK_INT(store_item_count(st, &f, &cnt, err), 0);
	CHECK_INT(cnt, 1);
	store_close(st);
}

static void test_items(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("items.db");
	int64_t ds, id1, id1b, id2;
	CHECK_INT(store_dataset_upsert(st, "d", "d.jsonl", "generic", NULL, &ds, err), 0);
	int what = -1;
	CHECK_INT(put(st, ds, "train", "x1", "What is 2+2?", "4", &what, &id1), 0);
	CHECK_INT(what, STORE_ITEM_NEW);
	CHECK(id1 > 0);
	/* Identical: nothing written, same id. */
	CHECK_INT(put(st, ds, "train", "x1", "What is 2+2?", "4", &what, &id1b), 0);
	CHECK_INT(what, STORE_ITEM_SAME);
	CHECK_INT(id1b, id1);
	/* Changed: updated in place. */
	CHECK_INT(put(st, ds, "dev", "x1", "What is 2+3?", "5", &what, &id1b), 0);
	CHECK_INT(what, STORE_ITEM_CHANGED);
	CHECK_INT(id1b, id1);
	/* A new item right after an update is reported new. */
	CHECK_INT(put(st, ds, "train", "x2", "日本語の質問ですか？", "はい", &what, &id2), 0);
	CHECK_INT(what, STORE_ITEM_NEW);
	/* An update right after an insert is not mistaken for an insert. */
	CHECK_INT(put(st, ds, "train", "x2", "日本語の質問ですか？", "いいえ", &what, &id1b), 0);
	CHECK_INT(what, STORE_ITEM_CHANGED);
	CHECK_INT(id1b, id2);

	struct store_item it;
	CHECK_INT(store_item_get(st, id1, &it, err), 0);
	CHECK_STR(it.split, "dev");
	CHECK_STR(it.question, "What is 2+3?");
	CHECK_STR(it.answer, "5");
	CHECK_STR(it.ext_id, "x1");
	CHECK(it.choices_json == NULL);
	CHECK_INT(it.dataset_id, ds);
	store_item_release(&it);
	store_item_release(NULL);
	CHECK_INT(store_item_get(st, 12345, &it, err), MENTOR_ENOTFOUND);

	/* Upsert keeps working through store_item_upsert too, with all fields. */
	struct store_item full = {0};
	full.dataset_id = ds;
	full.split = "test";
	full.ext_id = "x3";
	full.question = "Pick";
	full.choices_json = "[{\"label\":\"A\",\"text\":\"a\"},{\"label\":\"B\",\"text\":\"b\"}]";
	full.answer = "B";
	full.answer_type = STORE_ANS_MC;
	full.gold_rationale = "because";
	full.trace_json = "{\"steps\":[]}";
	full.meta_json = "{\"k\":1}";
	CHECK_INT(store_item_upsert(st, &full, err), 0);
	CHECK_INT(store_item_get(st, full.id, &it, err), 0);
	CHECK_STR(it.choices_json, full.choices_json);
	CHECK_STR(it.gold_rationale, "because");
	CHECK_STR(it.trace_json, "{\"steps\":[]}");
	CHECK_STR(it.meta_json, "{\"k\":1}");
	store_item_release(&it);

	/* Missing required fields are refused; a bad split violates the schema. */
	struct store_item bad = {0};
	bad.dataset_id = ds;
	bad.ext_id = "b";
	CHECK(store_item_put(st, &bad, NULL, err) != 0);
	CHECK(put(st, ds, "holdout", "b", "q", "a", NULL, NULL) != 0);
	/* The cached statement is usable after a failure. */
	CHECK_INT(put(st, ds, "train", "x4", "q4", "a", &what, NULL), 0);
	CHECK_INT(what, STORE_ITEM_NEW);

	/* The dataset's answer type is its first item's; a dataset without
	 * items (or none at all) reads as text. */
	exec(st, "UPDATE item SET answer_type = 'mc' WHERE ext_id = 'x1'");
	char *type = store_dataset_answer_type(st, ds);
	CHECK_STR(type, STORE_ANS_MC);
	free(type);
	int64_t empty;
	CHECK_INT(store_dataset_upsert(st, "e", "e.jsonl", "generic", NULL, &empty, err), 0);
	type = store_dataset_answer_type(st, empty);
	CHECK_STR(type, STORE_ANS_TEXT);
	free(type);
	type = store_dataset_answer_type(st, 999999);
	CHECK_STR(type, STORE_ANS_TEXT);
	free(type);
	store_close(st);
}

static void test_prune(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("prune.db");
	int64_t ds, other, ids[6];
	struct store_item it_dev;
	CHECK_INT(store_dataset_upsert(st, "d", "d.jsonl", "generic", NULL, &ds, err), 0);
	CHECK_INT(store_dataset_upsert(st, "o", "o.jsonl", "generic", NULL, &other, err), 0);
	for (int i = 0; i < 6; i++) {
		char ext[8];
		snprintf(ext, sizeof ext, "%d", i);
		CHECK_INT(put(st, ds, "train", ext, "q", "a", NULL, &ids[i]), 0);
	}
	int64_t oid;
	CHECK_INT(put(st, other, "train", "0", "q", "a", NULL, &oid), 0);
	/* Item 1 has an explanation: it stays even though not kept. */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(item_id, mode, path, provider, model, text, created_at) "
		 "VALUES(%lld, 'cot', 'cot', 'p', 'm', 't', 1)",
		 (long long)ids[1]);
	exec(st, sql);
	int64_t keep[2] = {ids[0], ids[4]};
	size_t deleted = 99, kept = 99;
	/* Scoped to one split: the dev item stays although not kept. */
	int64_t dev_id;
	CHECK_INT(put(st, ds, "dev", "d0", "q", "a", NULL, &dev_id), 0);
	CHECK_INT(store_item_prune(st, ds, "train", keep, 2, &deleted, &kept, err), 0);
	CHECK_INT(deleted, 3);
	CHECK_INT(kept, 1);
	CHECK_INT(store_item_get(st, dev_id, &it_dev, err), 0);
	store_item_release(&it_dev);
	/* All splits: now the dev item goes too. */
	CHECK_INT(store_item_prune(st, ds, NULL, keep, 2, &deleted, &kept, err), 0);
	CHECK_INT(deleted, 1);
	CHECK_INT(kept, 1);
	CHECK_INT(store_item_get(st, dev_id, &it_dev, err), MENTOR_ENOTFOUND);
	struct store_item it;
	CHECK_INT(store_item_get(st, ids[0], &it, err), 0);
	store_item_release(&it);
	CHECK_INT(store_item_get(st, ids[1], &it, err), 0);
	store_item_release(&it);
	CHECK_INT(store_item_get(st, ids[2], &it, err), MENTOR_ENOTFOUND);
	CHECK_INT(store_item_get(st, ids[4], &it, err), 0);
	store_item_release(&it);
	/* The other dataset is untouched. */
	CHECK_INT(store_item_get(st, oid, &it, err), 0);
	store_item_release(&it);
	store_close(st);
}

/* Items 1..N of one dataset with explanations on some, then filters. */
static void test_filters(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("filter.db");
	int64_t ds, ds2;
	CHECK_INT(store_dataset_upsert(st, "d", "d.jsonl", "generic", NULL, &ds, err), 0);
	CHECK_INT(store_dataset_upsert(st, "e", "e.jsonl", "generic", NULL, &ds2, err), 0);
	enum { N = 300 };
	int64_t ids[N];
	CHECK_INT(store_begin(st, err), 0);
	for (int i = 0; i < N; i++) {
		char ext[16], q[64];
		snprintf(ext, sizeof ext, "%d", i);
		snprintf(q, sizeof q, "%s question %d%s", i % 3 == 0 ? "Apple" : "pear", i,
			 i == 7 ? " 100%_sure" : "");
		CHECK_INT(put(st, ds, i % 10 == 0 ? "test" : "train", ext, q, "a", NULL, &ids[i]),
			  0);
	}
	CHECK_INT(put(st, ds2, "train", "0", "apple elsewhere", "a", NULL, NULL), 0);
	CHECK_INT(store_commit(st, err), 0);
	/* Explanations: item 1 accepted cot correct; item 2 rejected rp wrong
	 * leaked; item 3 pending crop; item 2 also an accepted cot. */
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(item_id, mode, path, provider, model, text, correct, "
		 "leaked, status, created_at) VALUES"
		 "(%lld, 'cot', 'cot', 'p', 'm', 't', 1, 0, 'accepted', 1),"
		 "(%lld, 'rp', 'rp', 'p', 'm', 't', 0, 1, 'rejected', 1),"
		 "(%lld, 'crop', 'cot', 'p', 'm', 't', NULL, 0, 'pending', 1),"
		 "(%lld, 'cot', 'cot', 'p', 'm', 't', 1, 0, 'accepted', 1)",
		 (long long)ids[1], (long long)ids[2], (long long)ids[3], (long long)ids[2]);
	exec(st, sql);

	struct store_item_filter f;
	int64_t n;
	store_item_filter_init(&f);
	CHECK_INT(f.correct, -1);
	CHECK_INT(f.leaked, -1);
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, N + 1);
	f.dataset_id = ds;
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, N);
	f.split = "test";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, N / 10);
	f.split = NULL;
	f.search = "APPLE"; /* case-insensitive */
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, N / 3);
	f.search = "0%_s"; /* LIKE wildcards are literal */
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 1);
	f.search = "%";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 1);
	f.search = NULL;
	f.review = "accepted";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 2);
	f.review = "none";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, N - 3);
	f.review = "rejected";
	f.mode = "rp";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 1);
	/* Conditions hold for the same explanation: no rejected cot. */
	f.mode = "cot";
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 0);
	f.review = NULL;
	f.mode = NULL;
	f.correct = 0;
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 1);
	f.correct = 1;
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 2);
	f.correct = -1;
	f.leaked = 1;
	CHECK_INT(store_item_count(st, &f, &n, err), 0);
	CHECK_INT(n, 1);
	f.leaked = -1;
	f.mode = "crop";
	struct store_item *page;
	size_t np;
	CHECK_INT(store_item_page(st, &f, 0, 0, 10, &page, &np, err), 0);
	CHECK_INT(np, 1);
	if (np == 1)
		CHECK_INT(page[0].id, ids[3]);
	for (size_t i = 0; i < np; i++)
		store_item_release(&page[i]);
	free(page);
	f.mode = NULL;

	/* Bad filter values are usage errors with a message. */
	f.split = "holdout";
	CHECK_INT(store_item_count(st, &f, &n, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "holdout") != NULL);
	f.split = NULL;
	f.review = "maybe";
	CHECK_INT(store_item_count(st, &f, &n, err), MENTOR_EUSAGE);
	f.review = NULL;
	f.mode = "x";
	CHECK_INT(store_item_page(st, &f, 0, 0, 5, &page, &np, err), MENTOR_EUSAGE);
	f.mode = NULL;

	/* Offset paging and keyset paging give the same sequence. */
	f.split = "train";
	int64_t total;
	CHECK_INT(store_item_count(st, &f, &total, err), 0);
	int64_t seen = 0, after = 0, prev = 0;
	int ordered = 1, same = 1;
	for (;;) {
		CHECK_INT(store_item_page(st, &f, 0, after, 37, &page, &np, err), 0);
		struct store_item *byoff;
		size_t nofs;
		CHECK_INT(store_item_page(st, &f, seen, 0, 37, &byoff, &nofs, err), 0);
		if (nofs != np)
			same = 0;
		for (size_t i = 0; i < np; i++) {
			if (page[i].id <= prev)
				ordered = 0;
			if (i < nofs && byoff[i].id != page[i].id)
				same = 0;
			if (strcmp(page[i].split, "train"))
				ordered = 0;
			prev = page[i].id;
		}
		for (size_t i = 0; i < nofs; i++)
			store_item_release(&byoff[i]);
		free(byoff);
		seen += (int64_t)np;
		if (np)
			after = page[np - 1].id;
		for (size_t i = 0; i < np; i++)
			store_item_release(&page[i]);
		free(page);
		if (np < 37)
			break;
	}
	CHECK(ordered);
	CHECK(same);
	CHECK_INT(seen, total);
	CHECK_INT(store_item_page(st, &f, 0, 0, 0, &page, &np, err), 0);
	CHECK_INT(np, 0);

	/* Index of an item within the filtered list. */
	int64_t idx;
	CHECK_INT(store_item_index(st, &f, ids[1], &idx, err), 0);
	CHECK_INT(idx, 0);
	CHECK_INT(store_item_index(st, &f, ids[11], &idx, err), 0);
	CHECK_INT(idx, 9); /* items 1..9 and 11: 10 is test */
	CHECK_INT(store_item_index(st, &f, ids[10], &idx, err), 0);
	CHECK_INT(idx, -1);
	CHECK_INT(store_item_index(st, &f, 999999, &idx, err), 0);
	CHECK_INT(idx, -1);
	f.split = NULL;
	f.review = "accepted";
	CHECK_INT(store_item_index(st, &f, ids[2], &idx, err), 0);
	CHECK_INT(idx, 1);
	/* Review progress of a mode: the newest explanation of each item, a
	 * CROP's kept attempt not counted as its state */
	struct store_review_progress pr;
	store_item_filter_init(&f);
	f.dataset_id = ds;
	CHECK_INT(store_item_review_progress(st, &f, "cot", &pr, err), 0);
	CHECK_INT(pr.items, N);
	CHECK_INT(pr.accepted, 2);
	CHECK_INT(pr.none, N - 2);
	CHECK_INT(pr.rejected + pr.flagged + pr.pending, 0);
	CHECK_INT(store_item_review_progress(st, &f, "rp", &pr, err), 0);
	CHECK_INT(pr.rejected, 1);
	/* item 3's CROP: the pending attempt kept by an accepted RP-path text */
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(item_id, mode, path, provider, model, text, correct, "
		 "leaked, status, created_at, attempt_of) SELECT %lld, 'crop', 'rp', 'p', 'm', 't',"
		 " 1, 0, 'accepted', 2, id FROM explanation WHERE item_id = %lld AND mode = 'crop'",
		 (long long)ids[3], (long long)ids[3]);
	exec(st, sql);
	CHECK_INT(store_item_review_progress(st, &f, "crop", &pr, err), 0);
	CHECK_INT(pr.accepted, 1);
	CHECK_INT(pr.pending, 0);
	CHECK_INT(pr.none, N - 1);
	f.split = "test";
	CHECK_INT(store_item_review_progress(st, &f, "crop", &pr, err), 0);
	CHECK_INT(pr.items, N / 10);
	CHECK_INT(store_item_review_progress(st, &f, "sideways", &pr, err), MENTOR_EUSAGE);
	store_close(st);
}

static int progress_ticks;

static int on_progress(void *u)
{
	(void)u;
	progress_ticks++;
	return 0;
}

/* VM work (in ticks of 100 instructions) of one keyset page. */
static int page_cost(struct store *st, const struct store_item_filter *f, int64_t after)
{
	char err[MENTOR_ERR_LEN];
	struct store_item *page;
	size_t n;
	progress_ticks = 0;
	sqlite3_progress_handler(store_db(st), 100, on_progress, NULL);
	int rc = store_item_page(st, f, 0, after, 50, &page, &n, err);
	sqlite3_progress_handler(store_db(st), 0, NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(n, 50);
	for (size_t i = 0; i < n; i++)
		store_item_release(&page[i]);
	free(page);
	return progress_ticks;
}

/* A page of a 10,000-item dataset costs what a page of a 120-item dataset
 * costs, at any depth: the queries walk an index in id order instead of
 * collecting and sorting the dataset. Counted in SQLite VM instructions, not
 * time. */
static void test_paging_cost(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("big.db");
	int64_t a, b, c, first = 0, mid = 0, small_first = 0, id;
	CHECK_INT(store_dataset_upsert(st, "a", "a.jsonl", "generic", NULL, &a, err), 0);
	CHECK_INT(store_dataset_upsert(st, "b", "b.jsonl", "generic", NULL, &b, err), 0);
	CHECK_INT(store_dataset_upsert(st, "c", "c.jsonl", "generic", NULL, &c, err), 0);
	enum { N = 20000, SMALL = 120 };
	int failures = 0;
	CHECK_INT(store_begin(st, err), 0);
	for (int i = 0; i < N + SMALL; i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "%d", i);
		/* Two interleaved big datasets with three splits, then a small one. */
		int64_t ds = i >= N ? c : i % 2 ? b : a;
		failures += put(st, ds, i % 3 == 0 ? "test" : "train", ext, "question", "1", NULL,
				&id) != 0;
		if (i == 0)
			first = id;
		if (i == N / 2)
			mid = id;
		if (i == N)
			small_first = id;
	}
	CHECK_INT(failures, 0);
	CHECK_INT(store_commit(st, err), 0);
	struct store_item_filter f;
	store_item_filter_init(&f);
	const char *splits[] = {NULL, "train"};
	for (int k = 0; k < 2; k++) {
		f.split = splits[k];
		f.dataset_id = c;
		int base = page_cost(st, &f, small_first - 1);
		f.dataset_id = a;
		int at_first = page_cost(st, &f, first - 1), at_mid = page_cost(st, &f, mid);
		CHECK_MSG(at_first <= 2 * base + 20 && at_mid <= 2 * base + 20,
			  "split %s: big dataset pages cost %d and %d ticks, small one %d",
			  f.split ? f.split : "any", at_first, at_mid, base);
	}
	/* Position of an item: a range count, so bounded by the items before it. */
	int64_t idx;
	f.split = NULL;
	CHECK_INT(store_item_index(st, &f, mid, &idx, err), 0);
	CHECK_INT(idx, N / 4);
	store_close(st);
}

/* store_item_select: the Items screen's list and Review's batch. */
static void test_selection(void)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = open_db("select.db");
	int64_t ds, ds2;
	CHECK_INT(store_dataset_upsert(st, "d", "d.jsonl", "generic", NULL, &ds, err), 0);
	CHECK_INT(store_dataset_upsert(st, "e", "e.jsonl", "generic", NULL, &ds2, err), 0);
	enum { N = 2500 };
	static int64_t ids[N];
	CHECK_INT(store_begin(st, err), 0);
	for (int i = 0; i < N; i++) {
		char ext[16], q[96];
		snprintf(ext, sizeof ext, "%d", i);
		snprintf(q, sizeof q, "%s has %d eggs.%s", i % 5 == 0 ? "Ann" : "bob", i,
			 i == 17 || i == 2017 ? " Dora gives her 1." : "");
		CHECK_INT(put(st, ds, i % 3 == 2 ? "test" : "train", ext, q, "a", NULL, &ids[i]),
			  0);
	}
	CHECK_INT(put(st, ds2, "train", "0", "Ann has 3 eggs. Dora gives her 1.", "a", NULL, NULL),
		  0);
	CHECK_INT(store_commit(st, err), 0);

	CHECK(store_search_is_regex("re:x"));
	CHECK(!store_search_is_regex("rex"));
	CHECK(!store_search_is_regex(NULL));

	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = ds;
	struct store_item_selection sel;
	/* a regex, case-insensitive, over the dataset only: two items */
	CHECK_INT(store_item_select(st, &f, "re:dora gives (her|him) [0-9]", 0, &sel, err), 0);
	CHECK_INT(sel.n, 2);
	CHECK(sel.regex);
	CHECK(!sel.capped);
	CHECK_INT(sel.scanned, N);
	if (sel.n == 2) {
		CHECK_INT(sel.ids[0], ids[17]);
		CHECK_INT(sel.ids[1], ids[2017]);
	}
	store_item_selection_release(&sel);
	CHECK(sel.ids == NULL && sel.n == 0);
	/* with the other filters: only the train item 2017 */
	f.split = "train";
	CHECK_INT(store_item_select(st, &f, "re:DORA", 0, &sel, err), 0);
	CHECK_INT(sel.n, 1);
	if (sel.n == 1)
		CHECK_INT(sel.ids[0], ids[2017]);
	CHECK_INT(sel.scanned, N - (N + 1) / 3);
	store_item_selection_release(&sel);
	f.split = NULL;
	/* f.search is ignored: the search argument is the search */
	f.search = "nothing matches this";
	CHECK_INT(store_item_select(st, &f, "re:^ann has", 0, &sel, err), 0);
	CHECK_INT(sel.n, N / 5);
	store_item_selection_release(&sel);
	/* a substring search is the SQL one, and agrees with store_item_count */
	CHECK_INT(store_item_select(st, &f, "DORA gives", 0, &sel, err), 0);
	CHECK_INT(sel.n, 2);
	CHECK(!sel.regex);
	store_item_selection_release(&sel);
	f.search = NULL;
	/* no search: the whole filter, every id in order */
	CHECK_INT(store_item_select(st, &f, "", 0, &sel, err), 0);
	CHECK_INT(sel.n, N);
	int ordered = 1;
	for (size_t i = 1; i < sel.n; i++)
		ordered &= sel.ids[i] > sel.ids[i - 1];
	CHECK(ordered);
	store_item_selection_release(&sel);
	/* the scan cap: 1000 rows read, the second match is past them */
	CHECK_INT(store_item_select(st, &f, "re:dora", 1000, &sel, err), 0);
	CHECK_INT(sel.n, 1);
	CHECK(sel.capped);
	CHECK_INT(sel.scanned, 1000);
	store_item_selection_release(&sel);
	/* all datasets */
	f.dataset_id = 0;
	CHECK_INT(store_item_select(st, &f, "re:dora", 0, &sel, err), 0);
	CHECK_INT(sel.n, 3);
	store_item_selection_release(&sel);
	/* a pattern that does not compile */
	CHECK_INT(store_item_select(st, &f, "re:(unclosed", 0, &sel, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "bad regular expression '(unclosed'") != NULL);
	CHECK_INT(sel.n, 0);
	store_item_selection_release(&sel);

	/* review progress over a list of ids: the newest shown one per mode,
	 * CROP's kept COTE attempt left out */
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(id, item_id, mode, path, provider, model, text, correct, "
		 "status, created_at) VALUES"
		 "(1, %lld, 'cot', 'cot', 'p', 'm', 't', 1, 'accepted', 1),"
		 "(2, %lld, 'cot', 'cot', 'p', 'm', 't', 0, 'rejected', 1),"
		 "(3, %lld, 'crop', 'cot', 'p', 'm', 't', 0, 'pending', 1)",
		 (long long)ids[17], (long long)ids[2017], (long long)ids[2017]);
	exec(st, sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO explanation(id, item_id, mode, path, provider, model, text, correct, "
		 "status, attempt_of, created_at) VALUES"
		 "(4, %lld, 'crop', 'rp', 'p', 'm', 't', 1, 'flagged', 3, 1)",
		 (long long)ids[2017]);
	exec(st, sql);
	int64_t two[3] = {ids[17], ids[2017], 999999};
	struct store_review_progress p;
	CHECK_INT(store_item_review_progress_ids(st, two, 3, "cot", &p, err), 0);
	CHECK_INT(p.items, 2); /* 999999 is no item */
	CHECK_INT(p.accepted, 1);
	CHECK_INT(p.rejected, 1);
	CHECK_INT(p.none, 0);
	CHECK_INT(store_item_review_progress_ids(st, two, 2, "crop", &p, err), 0);
	CHECK_INT(p.flagged, 1);
	CHECK_INT(p.pending, 0);
	CHECK_INT(p.none, 1);
	CHECK_INT(store_item_review_progress_ids(st, two, 2, "nope", &p, err), MENTOR_EUSAGE);

	/* COTE's record for CROP estimates: distinct calls, wrong ones */
	exec(st,
	     "INSERT INTO llm_call(id, cache_key, provider, model, request_json, response_text, "
	     "status, tokens_in, tokens_out, tokens_estimated, created_at) VALUES"
	     "(1, 'k1', 'p', 'm', '0123456789', 'r', 'ok', 5, 30, 0, 1),"
	     "(2, 'k2', 'p', 'm', '01234567890123456789', 'r', 'ok', 9, 50, 0, 1),"
	     "(3, 'k3', 'p', 'm', '0123', 'r', 'ok', 1, 10, 1, 1),"
	     "(4, 'k4', 'p', 'm', '0123', 'r', 'error', 1, 0, 1, 1),"
	     "(5, 'k5', 'q', 'm', '0123', 'r', 'ok', 1, 99, 0, 1)");
	exec(st, "UPDATE explanation SET call_id = id WHERE id <= 3");
	int64_t calls, wrong;
	CHECK_INT(store_expl_cot_record(st, "p", "m", &calls, &wrong, err), 0);
	CHECK_INT(calls, 3);
	CHECK_INT(wrong, 2);
	CHECK_INT(store_expl_cot_record(st, "p", "other", &calls, &wrong, err), 0);
	CHECK_INT(calls, 0);
	struct store_call_usage u;
	CHECK_INT(store_call_usage(st, "p", "m", &u, err), 0);
	CHECK_INT(u.calls, 3);
	CHECK_INT(u.tokens_out, 90);
	CHECK_INT(u.measured, 2);
	CHECK_INT(u.measured_in, 14);
	CHECK_INT(u.measured_bytes, 30);
	CHECK_INT(store_call_usage(st, "nobody", "m", &u, err), 0);
	CHECK_INT(u.calls, 0);
	store_close(st);
}

int main(void)
{
	test_datasets();
	test_items();
	test_prune();
	test_filters();
	test_paging_cost();
	test_selection();
	return test_done();
}
