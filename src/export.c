/* export: the workspace's explanations as JSON Lines training data: chat
 * messages, alpaca instructions, or the paper's multi-task records. One
 * explanation per item and mode (accepted first, then the newest), the
 * operator's edit when there is one, and metadata tying every record back to
 * its item, mode and teacher. */
#include "mentor/export.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/tokenizer.h"
#include "mentor/train.h"

void export_opts_init(struct export_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = EXPORT_CHAT;
	o->status = EXPORT_STATUS_ACCEPTED;
	o->variant = "mt-cot";
	o->metadata = 1;
}

int export_format_parse(const char *s, int *format)
{
	if (!s)
		return -1;
	if (!strcmp(s, "chat"))
		*format = EXPORT_CHAT;
	else if (!strcmp(s, "alpaca"))
		*format = EXPORT_ALPACA;
	else if (!strcmp(s, "mt"))
		*format = EXPORT_MT;
	else
		return -1;
	return 0;
}

int export_status_parse(const char *s, int *status)
{
	if (!s)
		return -1;
	if (store_review_parse(s) == STORE_REVIEW_ACCEPTED)
		*status = EXPORT_STATUS_ACCEPTED;
	else if (!strcmp(s, "all"))
		*status = EXPORT_STATUS_ALL;
	else
		return -1;
	return 0;
}

int export_clean_utf8(struct buf *b, const char *s)
{
	if (!s)
		return 0;
	size_t n = strlen(s), i = 0, run = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int k = util_utf8_decode(p + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1) {
			if (buf_append(b, p + run, i - run) || buf_puts(b, "\xEF\xBF\xBD"))
				return MENTOR_ENOMEM;
			i++;
			run = i;
			continue;
		}
		i += (size_t)k;
	}
	return buf_append(b, p + run, i - run);
}

int export_question_text(struct buf *b, const char *question, const char *choices_json)
{
	int rc = export_clean_utf8(b, question ? question : "");
	if (!choices_json || strlen(choices_json) > (1u << 20))
		return rc;
	cJSON *arr = cJSON_Parse(choices_json);
	if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0) {
		rc |= buf_puts(b, "\nAnswer choices:");
		const cJSON *it;
		cJSON_ArrayForEach(it, arr)
		{
			const cJSON *lab = cJSON_GetObjectItemCaseSensitive(it, "label");
			const cJSON *txt = cJSON_GetObjectItemCaseSensitive(it, "text");
			if (cJSON_IsString(lab)) {
				rc |= buf_puts(b, " (");
				rc |= export_clean_utf8(b, lab->valuestring);
				rc |= buf_puts(b, ")");
			}
			if (cJSON_IsString(txt)) {
				rc |= buf_puts(b, " ");
				rc |= export_clean_utf8(b, txt->valuestring);
			}
		}
	}
	cJSON_Delete(arr);
	return rc ? MENTOR_ENOMEM : 0;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Offset of the last case-insensitive (ASCII) occurrence of pat in s[0..n),
 * or -1. */
static long last_match(const char *s, size_t n, const char *pat)
{
	size_t m = strlen(pat);
	if (m > n)
		return -1;
	for (size_t i = n - m + 1; i-- > 0;) {
		size_t j = 0;
		while (j < m && lower((unsigned char)s[i + j]) == pat[j])
			j++;
		if (j == m)
			return (long)i;
	}
	return -1;
}

/* 1 if the word ending at s[end) (case-insensitive ASCII) is w; *start is
 * where it begins. */
static int word_before(const char *s, size_t end, const char *w, size_t *start)
{
	size_t m = strlen(w);
	if (end < m)
		return 0;
	for (size_t j = 0; j < m; j++)
		if (lower((unsigned char)s[end - m + j]) != w[j])
			return 0;
	if (end > m && ((s[end - m - 1] >= 'a' && s[end - m - 1] <= 'z') ||
			(s[end - m - 1] >= 'A' && s[end - m - 1] <= 'Z')))
		return 0; /* part of a longer word */
	*start = end - m;
	return 1;
}

size_t export_strip_answer(const char *expl)
{
	if (!expl)
		return 0;
	size_t n = strlen(expl);
	while (n > 0 && is_space((unsigned char)expl[n - 1]))
		n--;
	long at = last_match(expl, n, "the answer is");
	if (at < 0 || n - (size_t)at > 160)
		return n;
	for (size_t i = (size_t)at; i < n; i++)
		if (expl[i] == '\n')
			return n; /* the phrase is not in the last line */
	/* "So the answer is", "Therefore, the answer is": cut before the
	 * connector, even mid-sentence; a bare "The answer is" only where a
	 * sentence starts ("I think the answer is" stays). */
	size_t cut = (size_t)at, e = cut;
	while (e > 0 && is_space((unsigned char)expl[e - 1]))
		e--;
	if (e > 0 && expl[e - 1] == ',')
		e--;
	static const char *const connectors[] = {"so", "thus", "therefore", "hence", NULL};
	size_t ws;
	int joined = 0;
	for (int k = 0; connectors[k] && !joined; k++)
		if (word_before(expl, e, connectors[k], &ws)) {
			cut = ws;
			joined = 1;
		}
	size_t keep = cut;
	while (keep > 0 && (is_space((unsigned char)expl[keep - 1]) || expl[keep - 1] == ','))
		keep--;
	if (!joined && keep > 0) {
		unsigned char c = (unsigned char)expl[keep - 1];
		int boundary = c == '.' || c == '!' || c == '?' || c == '\n' ||
			       (keep >= 3 && !memcmp(expl + keep - 3, "\xE3\x80\x82", 3));
		if (!boundary)
			return n;
	}
	return keep;
}

int export_target(struct buf *b, const char *variant, const char *expl, const char *answer)
{
	size_t keep = export_strip_answer(expl);
	struct buf e;
	buf_init(&e);
	if (keep && buf_append(&e, expl, keep))
		return MENTOR_ENOMEM;
	int rc = 0;
	const char *E = e.data ? e.data : "";
	const char *A = answer ? answer : "";
	if (!variant || !strcmp(variant, "mt-cot")) {
		if (*E) {
			rc |= export_clean_utf8(b, E);
			rc |= buf_puts(b, " ");
		}
		rc |= buf_puts(b, "So the answer is ");
		rc |= export_clean_utf8(b, A);
		rc |= buf_puts(b, ".");
	} else if (!strcmp(variant, "mt-ra")) {
		rc |= export_clean_utf8(b, A);
		if (*E) {
			rc |= buf_puts(b, ", because ");
			rc |= export_clean_utf8(b, E);
		}
	} else if (!strcmp(variant, "mt-re")) {
		rc |= export_clean_utf8(b, E);
	} else {
		rc = MENTOR_EUSAGE;
	}
	buf_release(&e);
	return rc == MENTOR_EUSAGE ? rc : rc ? MENTOR_ENOMEM : 0;
}

/* ------------------------------------------------------------- records */

/* cJSON helpers that record allocation failures in *bad. */
static void add_str(cJSON *o, const char *key, const char *s, int *bad)
{
	if (!s) {
		if (!cJSON_AddNullToObject(o, key))
			*bad = 1;
		return;
	}
	struct buf t;
	buf_init(&t);
	if (export_clean_utf8(&t, s) || !cJSON_AddStringToObject(o, key, t.data ? t.data : ""))
		*bad = 1;
	buf_release(&t);
}

static void add_num(cJSON *o, const char *key, double v, int *bad)
{
	if (!cJSON_AddNumberToObject(o, key, v))
		*bad = 1;
}

static cJSON *make_meta(const struct store_dataset *ds, const struct store_item *it,
			const struct store_expl *e, const char *task, int *bad)
{
	cJSON *m = cJSON_CreateObject();
	if (!m) {
		*bad = 1;
		return NULL;
	}
	add_num(m, "item_id", (double)it->id, bad);
	add_str(m, "ext_id", it->ext_id, bad);
	add_str(m, "dataset", ds->name, bad);
	add_str(m, "split", it->split, bad);
	add_str(m, "answer", it->answer, bad);
	add_str(m, "answer_type", it->answer_type, bad);
	if (task)
		add_str(m, "task", task, bad);
	add_str(m, "mode", e ? e->mode : NULL, bad);
	add_str(m, "path", e ? e->path : NULL, bad);
	add_str(m, "status", e ? e->status : NULL, bad);
	add_str(m, "provider", e ? e->provider : NULL, bad);
	add_str(m, "model", e ? e->model : NULL, bad);
	if (e)
		add_num(m, "explanation_id", (double)e->id, bad);
	else if (!cJSON_AddNullToObject(m, "explanation_id"))
		*bad = 1;
	if (!cJSON_AddBoolToObject(m, "edited", e && e->edited_text != NULL))
		*bad = 1;
	return m;
}

/* Serialise one record as a line; takes ownership of rec. */
static int emit(struct buf *out, cJSON *rec, int bad, struct export_stats *stats)
{
	char *line = bad ? NULL : cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!line)
		return MENTOR_ENOMEM;
	/* the same characters as \uXXXX escapes: nothing invisible raw */
	int rc = util_json_clean(out, line, strlen(line));
	rc |= buf_putc(out, '\n');
	free(line);
	stats->records++;
	return rc ? MENTOR_ENOMEM : 0;
}

static int add_meta(cJSON *rec, const struct export_opts *o, const struct store_dataset *ds,
		    const struct store_item *it, const struct store_expl *e, const char *task)
{
	if (!o->metadata)
		return 0;
	int bad = 0;
	cJSON *m = make_meta(ds, it, e, task, &bad);
	if (!m)
		return 1;
	if (!cJSON_AddItemToObject(rec, "metadata", m)) {
		cJSON_Delete(m);
		return 1;
	}
	return bad;
}

/* ------------------------------------------------------------- token ids */

/* u32 little-endian, for the fingerprint's bytes */
static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int export_tokenizer_fingerprint(const struct tokenizer *t, char out[17], char *err)
{
	int nm = tokenizer_num_merges(t);
	unsigned char b[8];
	put_le32(b, (uint32_t)tokenizer_vocab_size(t));
	put_le32(b + 4, (uint32_t)nm);
	uint64_t h = util_fnv1a(b, 8, 0);
	for (int r = 0; r < nm; r++) {
		int32_t left, right;
		if (tokenizer_merge(t, r, &left, &right))
			return util_err(err, "cannot read the tokenizer's merge %d", r);
		put_le32(b, (uint32_t)left);
		put_le32(b + 4, (uint32_t)right);
		h = util_fnv1a(b, 8, h);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	return 0;
}

int export_run_tokenizer(struct store *st, const char *ref, struct tokenizer **tok, int *n_ctx,
			 int64_t *run_id, char *err)
{
	*tok = NULL;
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc == MENTOR_ENOTFOUND)
		return util_err(err, "no run '%s'; see 'mentor runs'", ref), MENTOR_EUSAGE;
	if (rc)
		return MENTOR_ERR;
	struct buf path;
	buf_init(&path);
	char sub[MENTOR_ERR_LEN];
	rc = train_run_ckpt_find(st, &r, &path, sub);
	if (rc) {
		util_err(err, "run %lld has no model to take the tokenizer from: %s",
			 (long long)r.id, sub);
		goto out;
	}
	struct train_ckpt ck;
	memset(&ck, 0, sizeof ck);
	rc = train_ckpt_load(path.data, TRAIN_CKPT_HEADER, &ck, err);
	if (!rc) {
		*tok = ck.tok;
		ck.tok = NULL;
		*n_ctx = ck.arch == STUDENT_GPT2 ? ck.mcfg.max_seq_len : ck.cfg.n_ctx;
		if (run_id)
			*run_id = r.id;
	}
	train_ckpt_release(&ck);
out:
	buf_release(&path);
	store_run_release(&r);
	return rc;
}

/* Add "ids", "n_prompt", "tokenizer" (fp) and "truncated" to an mt record
 * when the export has a tokenizer. 0, MENTOR_ENOMEM (*bad set instead for
 * cJSON failures) or MENTOR_ERR with err. */
static int add_ids(cJSON *rec, const struct export_opts *o, const char *fp, int task,
		   const char *prompt, const char *target, const struct store_item *it,
		   struct export_stats *stats, int *bad, char *err)
{
	if (!o->tok)
		return 0;
	struct train_example ex;
	int truncated = 0;
	const char *spell = train_spelled_answer(it->answer_type, it->answer);
	if (train_encode_spelled(o->tok, task, prompt, target, spell, o->n_ctx, &ex, &truncated,
				 err))
		return MENTOR_ERR;
	size_t np = 0;
	while (np < ex.n && !ex.target[np])
		np++;
	int *ids = malloc((ex.n ? ex.n : 1) * sizeof *ids);
	if (!ids)
		util_oom();
	for (size_t i = 0; i < ex.n; i++)
		ids[i] = (int)ex.tok[i];
	cJSON *arr = cJSON_CreateIntArray(ids, (int)ex.n);
	free(ids);
	if (!arr || !cJSON_AddItemToObject(rec, "ids", arr)) {
		cJSON_Delete(arr);
		*bad = 1;
	}
	add_num(rec, "n_prompt", (double)np, bad);
	add_str(rec, "tokenizer", fp, bad);
	if (truncated) {
		stats->truncated++;
		if (!cJSON_AddTrueToObject(rec, "truncated"))
			*bad = 1;
	}
	train_example_release(&ex);
	return 0;
}

static int record_expl(struct buf *out, const struct export_opts *o, const char *fp,
		       const struct store_dataset *ds, const struct store_item *it,
		       const struct store_expl *e, struct export_stats *stats, char *err)
{
	const char *text = e->edited_text ? e->edited_text : e->text;
	const char *sys = o->system ? o->system : EXPORT_DEFAULT_SYSTEM;
	struct buf q, t;
	buf_init(&q);
	buf_init(&t);
	int bad = 0;
	if (export_question_text(&q, it->question, it->choices_json))
		bad = 1;
	int trc = export_target(&t, o->format == EXPORT_MT ? o->variant : "mt-cot", text,
				it->answer);
	if (trc == MENTOR_EUSAGE) {
		buf_release(&q);
		buf_release(&t);
		return MENTOR_EUSAGE;
	}
	if (trc)
		bad = 1;
	const char *qs = q.data ? q.data : "", *ts = t.data ? t.data : "";
	cJSON *rec = cJSON_CreateObject();
	if (!rec)
		bad = 1;
	else if (o->format == EXPORT_CHAT) {
		cJSON *msgs = cJSON_AddArrayToObject(rec, "messages");
		const char *roles[3] = {"system", "user", "assistant"};
		const char *contents[3] = {sys, qs, ts};
		for (int i = 0; msgs && i < 3; i++) {
			cJSON *m = cJSON_CreateObject();
			if (!m || !cJSON_AddItemToArray(msgs, m)) {
				cJSON_Delete(m);
				bad = 1;
				break;
			}
			add_str(m, "role", roles[i], &bad);
			add_str(m, "content", contents[i], &bad);
		}
		if (!msgs)
			bad = 1;
		bad |= add_meta(rec, o, ds, it, e, NULL);
	} else if (o->format == EXPORT_ALPACA) {
		add_str(rec, "instruction", sys, &bad);
		add_str(rec, "input", qs, &bad);
		add_str(rec, "output", ts, &bad);
		bad |= add_meta(rec, o, ds, it, e, NULL);
	} else {
		add_str(rec, "task", "exp", &bad);
		add_str(rec, "prefix", "[EXP]", &bad);
		add_str(rec, "variant", o->variant ? o->variant : "mt-cot", &bad);
		add_str(rec, "input", qs, &bad);
		add_str(rec, "target", ts, &bad);
		if (add_ids(rec, o, fp, TRAIN_TASK_EXP, qs, ts, it, stats, &bad, err)) {
			cJSON_Delete(rec);
			buf_release(&q);
			buf_release(&t);
			return MENTOR_ERR;
		}
		bad |= add_meta(rec, o, ds, it, e, "exp");
	}
	buf_release(&q);
	buf_release(&t);
	if (!rec)
		return MENTOR_ENOMEM;
	return emit(out, rec, bad, stats);
}

static int record_ans(struct buf *out, const struct export_opts *o, const char *fp,
		      const struct store_dataset *ds, const struct store_item *it,
		      struct export_stats *stats, char *err)
{
	struct buf q;
	buf_init(&q);
	int bad = export_question_text(&q, it->question, it->choices_json) ? 1 : 0;
	cJSON *rec = cJSON_CreateObject();
	if (!rec) {
		buf_release(&q);
		return MENTOR_ENOMEM;
	}
	add_str(rec, "task", "ans", &bad);
	add_str(rec, "prefix", "[ANS]", &bad);
	add_str(rec, "input", q.data ? q.data : "", &bad);
	add_str(rec, "target", it->answer ? it->answer : "", &bad);
	if (add_ids(rec, o, fp, TRAIN_TASK_ANS, q.data ? q.data : "", it->answer ? it->answer : "",
		    it, stats, &bad, err)) {
		cJSON_Delete(rec);
		buf_release(&q);
		return MENTOR_ERR;
	}
	bad |= add_meta(rec, o, ds, it, NULL, "ans");
	buf_release(&q);
	return emit(out, rec, bad, stats);
}

/* Whether an explanation of this review state (enum store_review, -1
 * unknown) goes into the export. */
static int status_passes(const struct export_opts *o, int status)
{
	switch (status) {
	case STORE_REVIEW_ACCEPTED: return 1;
	case STORE_REVIEW_REJECTED: return o->status == EXPORT_STATUS_ALL && o->include_rejected;
	case STORE_REVIEW_PENDING:
	case STORE_REVIEW_FLAGGED: return o->status == EXPORT_STATUS_ALL;
	default: return 0;
	}
}

static int export_item(struct store *st, struct buf *out, const struct export_opts *o,
		       const char *fp, const struct store_dataset *ds, const struct store_item *it,
		       struct export_stats *stats, int64_t seen[STORE_N_REVIEWS], char *err)
{
	struct store_expl *ex = NULL;
	size_t ne = 0;
	if (store_expl_for_item(st, it->id, &ex, &ne, err))
		return MENTOR_ERR;
	int want = store_mode_parse(o->mode);
	int pick[STORE_N_MODES];
	for (int m = 0; m < STORE_N_MODES; m++)
		pick[m] = -1;
	for (size_t j = 0; j < ne; j++) {
		int status = store_review_parse(ex[j].status), m = store_mode_parse(ex[j].mode);
		if (status >= 0)
			seen[status]++;
		if (m < 0 || (o->mode && m != want) || !status_passes(o, status))
			continue;
		/* a CROP COTE attempt that RP replaced is not training data unless
		 * the reviewer accepted it */
		int superseded = 0;
		for (size_t k = 0; k < ne && !superseded; k++)
			superseded = k != j && ex[k].attempt_of == ex[j].id;
		if (superseded && status != STORE_REVIEW_ACCEPTED)
			continue;
		/* accepted beats anything else; otherwise the newest (listed first);
		 * what is picked passed status_passes, so its state is known */
		int held = pick[m] < 0 ? -1 : store_review_parse(ex[pick[m]].status);
		if (held < 0 || (status == STORE_REVIEW_ACCEPTED && held != STORE_REVIEW_ACCEPTED))
			pick[m] = (int)j;
	}
	int rc = 0, used = 0;
	for (int m = 0; m < STORE_N_MODES && !rc; m++)
		used += pick[m] >= 0;
	stats->skipped += (int64_t)ne - used;
	if (used) {
		stats->items_used++;
		if (it->split && !strcmp(it->split, "test"))
			stats->test_items++;
		stats->explanations += used;
		if (o->format == EXPORT_MT)
			rc = record_ans(out, o, fp, ds, it, stats, err);
		for (int m = 0; m < STORE_N_MODES && !rc; m++)
			if (pick[m] >= 0)
				rc = record_expl(out, o, fp, ds, it, &ex[pick[m]], stats, err);
		if (rc == MENTOR_EUSAGE)
			util_err(err, "unknown variant '%s' (use mt-cot, mt-ra or mt-re)",
				 o->variant);
		else if (rc == MENTOR_ENOMEM)
			util_err(err, "cannot export dataset '%s': out of memory", ds->name);
		else if (rc) {
			char sub[MENTOR_ERR_LEN];
			snprintf(sub, sizeof sub, "%s", err);
			util_err(err, "cannot encode item %lld: %s", (long long)it->id, sub);
		}
	}
	for (size_t j = 0; j < ne; j++)
		store_expl_release(&ex[j]);
	free(ex);
	return rc;
}

int export_build(struct store *st, const struct export_opts *o, struct buf *out,
		 struct export_stats *stats, char *err)
{
	struct export_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	if (!o->dataset || !*o->dataset)
		return util_err(err, "no dataset given");
	if (o->format < EXPORT_CHAT || o->format > EXPORT_MT)
		return util_err(err, "unknown export format %d", o->format);
	if (o->variant && strcmp(o->variant, "mt-cot") && strcmp(o->variant, "mt-ra") &&
	    strcmp(o->variant, "mt-re"))
		return util_err(err, "unknown variant '%s' (use mt-cot, mt-ra or mt-re)",
				o->variant);
	if (o->mode && store_mode_parse(o->mode) < 0)
		return util_err(err, "unknown mode '%s' (use cot, rp or crop)", o->mode);
	char fp[17] = "";
	if (o->tok) {
		if (o->format != EXPORT_MT)
			return util_err(err, "token ids are exported with the mt format only");
		if (o->n_ctx < 4 || o->n_ctx > MODEL_MAX_CTX)
			return util_err(err, "invalid context %d for token ids: 4..%d", o->n_ctx,
					MODEL_MAX_CTX);
		if (export_tokenizer_fingerprint(o->tok, fp, err))
			return MENTOR_ERR;
	}
	struct store_dataset ds;
	memset(&ds, 0, sizeof ds);
	int rc = store_dataset_get(st, o->dataset, &ds, err);
	if (rc == MENTOR_ENOTFOUND) {
		util_err(err, "no dataset '%s'; see 'mentor datasets'", o->dataset);
		return MENTOR_ENOTFOUND;
	}
	if (rc)
		return rc;
	if (!out->limit)
		out->limit = EXPORT_MAX_BYTES;
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = ds.id;
	f.split = o->split;
	/* review states of what was read, for the "nothing to export" message */
	int64_t seen[STORE_N_REVIEWS] = {0};
	int64_t after = 0;
	for (;;) {
		struct store_item *items = NULL;
		size_t n = 0;
		if (store_item_page(st, &f, 0, after, 500, &items, &n, err)) {
			rc = MENTOR_ERR;
			break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			stats->items++;
			rc = export_item(st, out, o, fp, &ds, &items[i], stats, seen, err);
		}
		if (n)
			after = items[n - 1].id;
		for (size_t i = 0; i < n; i++)
			store_item_release(&items[i]);
		free(items);
		if (rc || n < 500)
			break;
	}
	if (!rc && stats->items == 0) {
		if (o->split)
			rc = util_err(err,
				      "nothing to export: dataset '%s' has no items in split '%s'",
				      ds.name, o->split);
		else
			rc = util_err(err, "nothing to export: dataset '%s' has no items", ds.name);
	} else if (!rc && stats->records == 0) {
		int64_t total = 0;
		for (int r = 0; r < STORE_N_REVIEWS; r++)
			total += seen[r];
		if (total == 0)
			rc = util_err(err,
				      "nothing to export: dataset '%s' has no explanations yet; "
				      "generate some with 'mentor explain'",
				      ds.name);
		else
			rc = util_err(
				err,
				"nothing to export: no explanation of dataset '%s' passes "
				"the filters (%lld pending, %lld accepted, %lld flagged, %lld "
				"rejected%s%s); review with 'mentor review' or use --status all",
				ds.name, (long long)seen[STORE_REVIEW_PENDING],
				(long long)seen[STORE_REVIEW_ACCEPTED],
				(long long)seen[STORE_REVIEW_FLAGGED],
				(long long)seen[STORE_REVIEW_REJECTED], o->mode ? "; mode " : "",
				o->mode ? o->mode : "");
	}
	store_dataset_release(&ds);
	return rc;
}

int export_write(struct store *st, const struct export_opts *o, const char *path,
		 struct export_stats *stats, char *err)
{
	struct buf out;
	buf_init(&out);
	int rc = export_build(st, o, &out, stats, err);
	if (rc == 0)
		rc = util_write_file_atomic(path, out.data ? out.data : "", out.len, err);
	buf_release(&out);
	return rc;
}
