/* cli_dataset: the commands over datasets and items: import, datasets,
 * items and show. Text output escapes every control character of the data;
 * --json output has stable documented fields (see docs/formats.md and docs/cli.md). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/check.h"
#include "mentor/cli.h"
#include "mentor/dataset.h"
#include "mentor/i18n.h"
#include "mentor/store.h"
#include "mentor/teacher.h"
#include "mentor/util.h"

/* ------------------------------------------------------------- helpers */

static void jadd(cJSON *o, const char *k, cJSON *v)
{
	if (!v)
		util_oom();
	cJSON_AddItemToObject(o, k, v);
}

/* Parsed copy of stored JSON text, or null. */
static cJSON *jparsed(const char *s)
{
	cJSON *v = s ? cJSON_Parse(s) : NULL;
	return v ? v : cli_jstr(NULL);
}

/* -------------------------------------------------------------- import */

static const struct cli_option import_opts[] = {
	{"--name", NULL, "NAME",
	 "dataset name (default: the file name without extension; for a split file such as "
	 "gsm8k/test.jsonl the folder, gsm8k, so train and test share a dataset)",
	 NULL},
	{"--format", NULL, "FORMAT",
	 "auto, gsm8k, csqa, strategyqa, obqa, aqua, svamp or generic (default auto)",
	 "auto gsm8k csqa strategyqa obqa aqua svamp generic"},
	{"--split", NULL, "SPLIT",
	 "train, dev or test for records without a split (default: from the file name, else "
	 "train)",
	 "train dev test"},
	{"--skip-bad", NULL, NULL,
	 "import the good records, report each bad one on standard error (default: any bad "
	 "record aborts the import)",
	 NULL},
	{"--json", NULL, NULL, "print the result as a JSON object", NULL},
	{0},
};

const struct cli_command cli_cmd_import = {
	.name = "import",
	.fn = cli_import,
	.summary = "import a dataset file (JSONL, JSON, CSV)",
	.usage = "mentor import FILE [OPTIONS]",
	.about = "Import a dataset file (JSON Lines, JSON array or CSV with a header row)\n"
		 "into the workspace. The layout is detected from the first record.",
	.opts = import_opts,
	.more = "Re-importing the same file is idempotent: identical bytes do nothing,\n"
		"changed records are updated by id (records without one are known by\n"
		"SPLIT:LINE), and items of the file's splits that are gone from it are\n"
		"deleted unless they have explanations.",
};

struct skip_ctx {
	struct cli *c;
};

static void on_skip(void *u, const char *msg)
{
	struct skip_ctx *s = u;
	fputs("mentor: skipped ", s->c->errf);
	util_term_put(s->c->errf, msg, UTIL_PUT_CELL, NULL, 0);
	fputc('\n', s->c->errf);
}

int cli_import(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_import, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "import: one FILE at a time");
	const char *file = cli_pos(&a, 0);
	struct dataset_import_opts o = {0};
	o.name = cli_arg(&a, "--name");
	o.format = cli_arg(&a, "--format");
	o.split = cli_arg(&a, "--split");
	o.skip_bad = cli_arg(&a, "--skip-bad") != NULL;
	int json = cli_arg(&a, "--json") != NULL;
	if (!file)
		return cli_error(c, CLI_USAGE, "import: missing FILE (see 'mentor import --help')");
	if (o.format && !dataset_format_valid(o.format))
		return cli_error(c, CLI_USAGE, "unknown format '%s': use %s", o.format,
				 DATASET_FORMATS);
	if (o.split && !dataset_split_canonical(o.split))
		return cli_error(c, CLI_USAGE, "unknown split '%s': use train, dev or test",
				 o.split);
	struct store *st = cli_open_store(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct dataset_import_result res;
	struct skip_ctx sc = {c};
	double t0 = util_mono();
	int rc = dataset_import_file(st, file, &o, &res, on_skip, &sc, err);
	double dt = util_mono() - t0;
	if (rc) {
		store_close(st);
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	}
	struct store_dataset d;
	if (store_dataset_get_id(st, res.dataset_id, &d, err)) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	if (json) {
		cJSON *j = cJSON_CreateObject();
		if (!j)
			util_oom();
		jadd(j, "dataset", cli_jstr(d.name));
		jadd(j, "id", cJSON_CreateNumber((double)d.id));
		jadd(j, "format", cli_jstr(d.format));
		jadd(j, "unchanged", cJSON_CreateBool(res.unchanged));
		jadd(j, "items", cJSON_CreateNumber((double)res.n_items));
		jadd(j, "new", cJSON_CreateNumber((double)res.n_new));
		jadd(j, "updated", cJSON_CreateNumber((double)res.n_updated));
		jadd(j, "skipped", cJSON_CreateNumber((double)res.n_skipped));
		jadd(j, "deleted", cJSON_CreateNumber((double)res.n_deleted));
		jadd(j, "kept", cJSON_CreateNumber((double)res.n_kept));
		cJSON *counts = cJSON_CreateObject();
		if (!counts)
			util_oom();
		jadd(counts, "train", cJSON_CreateNumber((double)d.n_train));
		jadd(counts, "dev", cJSON_CreateNumber((double)d.n_dev));
		jadd(counts, "test", cJSON_CreateNumber((double)d.n_test));
		jadd(j, "counts", counts);
		cli_print_json(c->out, j);
		fputc('\n', c->out);
		cJSON_Delete(j);
	} else if (res.unchanged) {
		fputs("dataset '", c->out);
		util_term_put(c->out, d.name, UTIL_PUT_CELL, NULL, 0);
		cli_printf(c->out, "' is unchanged (%zu items)\n", res.n_items);
	} else {
		cli_printf(c->out, "imported %zu items into '", res.n_items);
		util_term_put(c->out, d.name, UTIL_PUT_CELL, NULL, 0);
		cli_printf(c->out, "' (%s) in %.2f s: %zu new, %zu updated", d.format, dt,
			   res.n_new, res.n_updated);
		if (res.n_deleted || res.n_kept)
			cli_printf(c->out, ", %zu deleted, %zu kept (they have explanations)",
				   res.n_deleted, res.n_kept);
		if (res.n_skipped)
			cli_printf(c->out, ", %zu bad records skipped", res.n_skipped);
		cli_printf(c->out, "\n  train %lld, dev %lld, test %lld\n", (long long)d.n_train,
			   (long long)d.n_dev, (long long)d.n_test);
	}
	store_dataset_release(&d);
	store_close(st);
	return CLI_OK;
}

/* ------------------------------------------------------------ datasets */

static const struct cli_option datasets_opts[] = {
	{"--json", NULL, NULL,
	 "print a JSON array of {id, name, format, source, counts: {train, dev, test}, total, "
	 "created_at, lang, lang_set}",
	 NULL},
	{"--lang", NULL, "DATASET",
	 "show or set the language of the teacher's prompts for DATASET (name or id): ja or en "
	 "fixes it, auto (the default) detects it from the questions (Japanese when kana and "
	 "kanji make a quarter of their letters)",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_datasets = {
	.name = "datasets",
	.fn = cli_datasets,
	.summary = "list datasets with counts per split",
	.usage = "mentor datasets [--json]\n"
		 "mentor datasets --lang DATASET [ja|en|auto]",
	.about = "List the datasets of the workspace with their format, source and item\n"
		 "counts per split.",
	.opts = datasets_opts,
};

/* mentor datasets --lang DATASET [VALUE]: show, or set and show. */
static int dataset_lang(struct cli *c, const struct cli_args *a)
{
	const char *ref = cli_arg(a, "--lang"), *value = cli_pos(a, 0);
	if (cli_npos(a) > 1)
		return cli_error(c, CLI_USAGE, "datasets: unexpected argument '%s'", cli_pos(a, 1));
	int l;
	char err[MENTOR_ERR_LEN];
	if (value && (!*value || i18n_lang_parse(value, &l, err)))
		return cli_error(c, CLI_USAGE, "datasets --lang: '%s' is not ja, en or auto",
				 value);
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	struct store_dataset d;
	memset(&d, 0, sizeof d);
	int code = CLI_ERR, set = 0;
	if (cli_find_dataset(st, ref, &d, err)) {
		cli_error(c, CLI_ERR, "no dataset '%s'; see 'mentor datasets'", ref);
		goto out;
	}
	if ((value && teacher_dataset_lang_set(st, d.id, value, err)) ||
	    teacher_dataset_lang(st, d.id, &l, &set, err)) {
		cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	cli_printf(c->out, "%s: prompts in %s (%s)\n", d.name, i18n_lang_code(l),
		   set ? "set" : "detected from the questions");
	code = CLI_OK;
out:
	store_dataset_release(&d);
	store_close(st);
	return code;
}

int cli_datasets(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_datasets, argc, argv, &a))
		return a.exit;
	if (cli_arg(&a, "--lang"))
		return dataset_lang(c, &a);
	if (cli_npos(&a))
		return cli_error(c, CLI_USAGE, "datasets: unexpected argument '%s'",
				 cli_pos(&a, 0));
	int json = cli_arg(&a, "--json") != NULL;
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct store_dataset *ds;
	size_t n;
	if (store_dataset_list(st, &ds, &n, err)) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		if (!arr)
			util_oom();
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject();
			if (!o || !counts)
				util_oom();
			jadd(o, "id", cJSON_CreateNumber((double)ds[i].id));
			jadd(o, "name", cli_jstr(ds[i].name));
			jadd(o, "format", cli_jstr(ds[i].format));
			jadd(o, "source", cli_jstr(ds[i].source));
			jadd(counts, "train", cJSON_CreateNumber((double)ds[i].n_train));
			jadd(counts, "dev", cJSON_CreateNumber((double)ds[i].n_dev));
			jadd(counts, "test", cJSON_CreateNumber((double)ds[i].n_test));
			jadd(o, "counts", counts);
			jadd(o, "total",
			     cJSON_CreateNumber(
				     (double)(ds[i].n_train + ds[i].n_dev + ds[i].n_test)));
			jadd(o, "created_at", cJSON_CreateNumber((double)ds[i].created_at));
			int l = I18N_EN, set = 0;
			if (teacher_dataset_lang(st, ds[i].id, &l, &set, err))
				cli_printf(c->errf, "mentor: warning: dataset %lld: %s\n",
					   (long long)ds[i].id, err);
			jadd(o, "lang", cli_jstr(i18n_lang_code(l)));
			jadd(o, "lang_set", cJSON_CreateBool(set));
			cJSON_AddItemToArray(arr, o);
		}
		cli_print_json(c->out, arr);
		fputc('\n', c->out);
		cJSON_Delete(arr);
	} else if (n == 0) {
		fputs("no datasets; add one with 'mentor import FILE' or 'mentor init'\n", c->out);
	} else {
		cli_printf(c->out, "%-24s %-10s %7s %7s %7s %7s  %s\n", "NAME", "FORMAT", "TRAIN",
			   "DEV", "TEST", "TOTAL", "SOURCE");
		for (size_t i = 0; i < n; i++) {
			int w = util_term_put(c->out, ds[i].name, UTIL_PUT_CELL, NULL, 24);
			cli_pad(c->out, 25 - w);
			cli_printf(c->out, "%-10s %7lld %7lld %7lld %7lld  ", ds[i].format,
				   (long long)ds[i].n_train, (long long)ds[i].n_dev,
				   (long long)ds[i].n_test,
				   (long long)(ds[i].n_train + ds[i].n_dev + ds[i].n_test));
			util_term_put(c->out, ds[i].source, UTIL_PUT_CELL, NULL, 0);
			fputc('\n', c->out);
		}
	}
	for (size_t i = 0; i < n; i++)
		store_dataset_release(&ds[i]);
	free(ds);
	store_close(st);
	return CLI_OK;
}

/* --------------------------------------------------------------- items */

static const struct cli_option items_opts[] = {
	{"--split", NULL, "SPLIT", "train, dev or test", "train dev test"},
	{"--search", NULL, "TEXT", "only questions containing TEXT (ASCII case-insensitive)", NULL},
	{"--review", NULL, "STATUS",
	 "only items with an explanation of this status: pending, accepted, rejected, flagged; "
	 "or none (no explanation at all)",
	 "pending accepted rejected flagged none"},
	{"--mode", NULL, "MODE", "only items with an explanation of this mode: cot, rp, crop",
	 "cot rp crop"},
	{"--limit", NULL, "N", "at most N items (default 20; 0 = all)", NULL},
	{"--offset", NULL, "N", "skip the first N matching items", NULL},
	{"--json", NULL, NULL,
	 "print a JSON array of {id, split, question, choices, answer, answer_type, rationale, "
	 "ext_id}",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_items = {
	.name = "items",
	.fn = cli_items,
	.summary = "list the items of a dataset",
	.usage = "mentor items DATASET [OPTIONS]",
	.about = "List the items of a dataset (by name or id) in id order.",
	.opts = items_opts,
};

static cJSON *item_json(const struct store_item *it)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		util_oom();
	jadd(o, "id", cJSON_CreateNumber((double)it->id));
	jadd(o, "split", cli_jstr(it->split));
	jadd(o, "question", cli_jstr(it->question));
	jadd(o, "choices", jparsed(it->choices_json));
	jadd(o, "answer", cli_jstr(it->answer));
	jadd(o, "answer_type", cli_jstr(it->answer_type));
	jadd(o, "rationale", cli_jstr(it->gold_rationale));
	jadd(o, "ext_id", cli_jstr(it->ext_id));
	return o;
}

int cli_items(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_items, argc, argv, &a))
		return a.exit;
	const char *split = NULL, *v;
	long limit = 20, offset = 0;
	if ((v = cli_arg(&a, "--split")) && !(split = dataset_split_canonical(v)))
		return cli_error(c, CLI_USAGE, "unknown split '%s': use train, dev or test", v);
	if ((v = cli_arg(&a, "--limit")) && util_parse_long(v, 0, 1000000000L, &limit))
		return cli_error(c, CLI_USAGE, "option '--limit' needs a number >= 0");
	if ((v = cli_arg(&a, "--offset")) && util_parse_long(v, 0, 1000000000000L, &offset))
		return cli_error(c, CLI_USAGE, "option '--offset' needs a number >= 0");
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "items: one DATASET at a time");
	const char *name = cli_pos(&a, 0), *search = cli_arg(&a, "--search");
	const char *review = cli_arg(&a, "--review"), *mode = cli_arg(&a, "--mode");
	int json = cli_arg(&a, "--json") != NULL;
	if (!name)
		return cli_error(c, CLI_USAGE, "items: missing DATASET (see 'mentor datasets')");
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct store_dataset d;
	int rc = cli_find_dataset(st, name, &d, err);
	if (rc) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	struct store_item_filter f;
	store_item_filter_init(&f);
	f.dataset_id = d.id;
	f.split = split;
	f.search = search;
	f.review = review;
	f.mode = mode;
	int64_t total = 0;
	/* Counting also validates the filter (a bad status is a usage error). */
	rc = store_item_count(st, &f, &total, err);
	if (rc) {
		store_dataset_release(&d);
		store_close(st);
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	}
	if (json)
		fputc('[', c->out);
	else
		cli_printf(c->out, "%8s  %-5s  %-12s  %s\n", "ID", "SPLIT", "ANSWER", "QUESTION");
	/* Offset for the first page, then keyset pages of at most 500. */
	int64_t after = 0, shown = 0;
	int ret = CLI_OK;
	for (;;) {
		int want = 500;
		if (limit > 0 && limit - shown < want)
			want = (int)(limit - shown);
		if (want <= 0)
			break;
		struct store_item *items;
		size_t n;
		if (store_item_page(st, &f, after ? 0 : offset, after, want, &items, &n, err)) {
			ret = cli_error(c, CLI_ERR, "%s", err);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const struct store_item *it = &items[i];
			if (json) {
				if (shown)
					fputc(',', c->out);
				fputc('\n', c->out);
				cJSON *o = item_json(it);
				cli_print_json(c->out, o);
				cJSON_Delete(o);
			} else {
				cli_printf(c->out, "%8lld  %-5s  ", (long long)it->id, it->split);
				int w = util_term_put(c->out, it->answer, UTIL_PUT_CELL, NULL, 12);
				cli_pad(c->out, 14 - w);
				util_term_put(c->out, it->question, UTIL_PUT_CELL, NULL, 46);
				fputc('\n', c->out);
			}
			shown++;
			after = it->id;
		}
		for (size_t i = 0; i < n; i++)
			store_item_release(&items[i]);
		free(items);
		if (n < (size_t)want)
			break;
	}
	if (json) {
		fputs(shown ? "\n]\n" : "]\n", c->out);
	} else if (ret == CLI_OK) {
		if (shown == 0)
			cli_printf(c->out, "(no items match)\n");
		else if (shown < total)
			cli_printf(c->out, "(items %lld-%lld of %lld; see --offset and --limit)\n",
				   (long long)offset + 1, (long long)(offset + shown),
				   (long long)total);
	}
	store_dataset_release(&d);
	store_close(st);
	return ret;
}

/* ---------------------------------------------------------------- show */

static const struct cli_option show_opts[] = {
	{"--json", NULL, NULL,
	 "print a JSON object {id, dataset, split, ext_id, question, choices, answer, "
	 "answer_type, rationale, meta, trace, explanations: [{id, mode, path, provider, model, "
	 "text, edited_text, parsed_answer, correct, leaked, status, check}]} where check is "
	 "{verdict, summary, steps, valid, wrong, answer_follows, first_wrong, unsupported, "
	 "trace}",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_show = {
	.name = "show",
	.fn = cli_show,
	.summary = "show one item with its explanations",
	.usage = "mentor show ITEM [--json]",
	.about = "Show one item (by its numeric id, as 'mentor items' lists it): question,\n"
		 "choices, gold answer and type, gold rationale, and its explanations.",
	.opts = show_opts,
	.more = "Under each explanation a check line says whether its arithmetic steps\n"
		"compute, whether the answer follows from them and how far it agrees\n"
		"with the item's solution trace.",
};

/* The check of an explanation's shown text (the edit when there is one). */
static void expl_check(const struct store_item *it, const struct store_expl *e,
		       struct check_result *r)
{
	const char *text = e->edited_text ? e->edited_text : e->text;
	struct check_input in = {text, text ? strlen(text) : 0, it->question, e->parsed_answer,
				 it->trace_json};
	char err[MENTOR_ERR_LEN];
	if (check_explanation(&in, r, err))
		util_oom();
}

static cJSON *check_json(const struct check_result *r, const char *text)
{
	char sum[512];
	cJSON *o = cJSON_CreateObject();
	if (!o)
		util_oom();
	size_t len = text ? strlen(text) : 0;
	jadd(o, "verdict", cli_jstr(check_verdict_name(r->verdict)));
	jadd(o, "summary", cli_jstr(check_summary(r, text, len, sum, sizeof sum)));
	jadd(o, "steps", cJSON_CreateNumber((double)r->n_steps));
	jadd(o, "valid", cJSON_CreateNumber((double)r->n_valid));
	jadd(o, "wrong", cJSON_CreateNumber((double)r->n_wrong));
	jadd(o, "answer_follows",
	     r->answer_follows < 0 ? cJSON_CreateNull() : cJSON_CreateBool(r->answer_follows));
	if (r->first_bad >= 0) {
		cJSON *b = cJSON_CreateObject();
		if (!b)
			util_oom();
		jadd(b, "step", cJSON_CreateNumber((double)r->first_bad + 1));
		jadd(b, "start", cJSON_CreateNumber((double)r->bad.start));
		jadd(b, "end", cJSON_CreateNumber((double)r->bad.end));
		char *t = util_strndup(text + r->bad.start, r->bad.end - r->bad.start);
		jadd(b, "text", cli_jstr(t));
		free(t);
		jadd(b, "expected",
		     isnan(r->bad.expected) ? cJSON_CreateNull()
					    : cJSON_CreateNumber(r->bad.expected));
		jadd(o, "first_wrong", b);
	} else {
		jadd(o, "first_wrong", cJSON_CreateNull());
	}
	cJSON *u = cJSON_CreateArray();
	if (!u)
		util_oom();
	for (size_t i = 0; i < r->n_unsupported_stored; i++)
		cJSON_AddItemToArray(u, cJSON_CreateNumber(r->unsupported[i].value));
	jadd(o, "unsupported", u);
	if (r->trace.present) {
		cJSON *t = cJSON_CreateObject();
		if (!t)
			util_oom();
		jadd(t, "steps", cJSON_CreateNumber((double)r->trace.n_steps));
		jadd(t, "matched", cJSON_CreateNumber((double)r->trace.matched));
		jadd(t, "first_diverging",
		     r->trace.first_diverging < 0
			     ? cJSON_CreateNull()
			     : cJSON_CreateNumber((double)r->trace.first_diverging + 1));
		jadd(o, "trace", t);
	} else {
		jadd(o, "trace", cJSON_CreateNull());
	}
	return o;
}

static cJSON *expl_json(const struct store_item *it, const struct store_expl *e)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		util_oom();
	jadd(o, "id", cJSON_CreateNumber((double)e->id));
	jadd(o, "mode", cli_jstr(e->mode));
	jadd(o, "path", cli_jstr(e->path));
	jadd(o, "provider", cli_jstr(e->provider));
	jadd(o, "model", cli_jstr(e->model));
	jadd(o, "text", cli_jstr(e->text));
	jadd(o, "edited_text", cli_jstr(e->edited_text));
	jadd(o, "parsed_answer", cli_jstr(e->parsed_answer));
	jadd(o, "correct", e->correct < 0 ? cJSON_CreateNull() : cJSON_CreateBool(e->correct));
	jadd(o, "leaked", cJSON_CreateBool(e->leaked));
	jadd(o, "status", cli_jstr(e->status));
	struct check_result r;
	expl_check(it, e, &r);
	jadd(o, "check", check_json(&r, e->edited_text ? e->edited_text : e->text));
	check_result_release(&r);
	return o;
}

static void show_block(FILE *f, const char *title, const char *text)
{
	fprintf(f, "%s:\n  ", title);
	util_term_put(f, text, UTIL_PUT_LINES, "  ", 0);
	fputc('\n', f);
}

int cli_show(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_show, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "show: one ITEM at a time");
	const char *ref = cli_pos(&a, 0);
	int json = cli_arg(&a, "--json") != NULL;
	long id;
	if (!ref)
		return cli_error(c, CLI_USAGE, "show: missing ITEM id (see 'mentor items')");
	if (util_parse_long(ref, 1, LONG_MAX, &id))
		return cli_error(c, CLI_USAGE, "show: ITEM must be a numeric item id, not '%s'",
				 ref);
	struct store *st = cli_open_existing(c);
	if (!st)
		return CLI_ERR;
	char err[MENTOR_ERR_LEN];
	struct store_item it;
	if (store_item_get(st, id, &it, err)) {
		store_close(st);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	struct store_dataset d;
	int have_d = store_dataset_get_id(st, it.dataset_id, &d, err) == 0;
	struct store_expl *ex = NULL;
	size_t nex = 0;
	if (store_expl_for_item(st, it.id, &ex, &nex, err)) {
		/* The item is still worth showing. */
		cli_error(c, CLI_ERR, "cannot read explanations of item %ld: %s", id, err);
		ex = NULL;
		nex = 0;
	}
	if (json) {
		cJSON *o = item_json(&it);
		jadd(o, "dataset", cli_jstr(have_d ? d.name : NULL));
		jadd(o, "meta", jparsed(it.meta_json));
		jadd(o, "trace", jparsed(it.trace_json));
		cJSON *arr = cJSON_CreateArray();
		if (!arr)
			util_oom();
		for (size_t i = 0; i < nex; i++)
			cJSON_AddItemToArray(arr, expl_json(&it, &ex[i]));
		jadd(o, "explanations", arr);
		cli_print_json(c->out, o);
		fputc('\n', c->out);
		cJSON_Delete(o);
	} else {
		cli_printf(c->out, "item %lld  dataset ", (long long)it.id);
		util_term_put(c->out, have_d ? d.name : "?", UTIL_PUT_CELL, NULL, 0);
		cli_printf(c->out, "  split %s  id ", it.split);
		util_term_put(c->out, it.ext_id, UTIL_PUT_CELL, NULL, 0);
		fputc('\n', c->out);
		show_block(c->out, "question", it.question);
		cJSON *ch = it.choices_json ? cJSON_Parse(it.choices_json) : NULL;
		if (cJSON_IsArray(ch)) {
			fputs("choices:\n", c->out);
			const cJSON *e;
			cJSON_ArrayForEach(e, ch)
			{
				const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "label");
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "text");
				fputs("  ", c->out);
				util_term_put(c->out, cJSON_IsString(l) ? l->valuestring : "?",
					      UTIL_PUT_CELL, NULL, 0);
				fputs(") ", c->out);
				util_term_put(c->out, cJSON_IsString(t) ? t->valuestring : "",
					      UTIL_PUT_CELL, NULL, 0);
				fputc('\n', c->out);
			}
		}
		cJSON_Delete(ch);
		fputs("answer: ", c->out);
		util_term_put(c->out, it.answer, UTIL_PUT_CELL, NULL, 0);
		cli_printf(c->out, " (%s)\n", it.answer_type);
		if (it.gold_rationale)
			show_block(c->out, "rationale", it.gold_rationale);
		if (nex == 0) {
			fputs("explanations: none\n", c->out);
		} else {
			cli_printf(c->out, "explanations: %zu\n", nex);
			for (size_t i = 0; i < nex; i++) {
				const struct store_expl *e = &ex[i];
				cli_printf(c->out, "  #%lld %s (via %s) ", (long long)e->id,
					   e->mode ? e->mode : "?", e->path ? e->path : "?");
				util_term_put(c->out, e->provider, UTIL_PUT_CELL, NULL, 0);
				fputc('/', c->out);
				util_term_put(c->out, e->model, UTIL_PUT_CELL, NULL, 0);
				cli_printf(c->out, "  %s  answer ", e->status ? e->status : "?");
				util_term_put(c->out, e->parsed_answer ? e->parsed_answer : "-",
					      UTIL_PUT_CELL, NULL, 0);
				cli_printf(c->out, "  %s%s\n    ",
					   e->correct == 1   ? "correct"
					   : e->correct == 0 ? "wrong"
							     : "unknown",
					   e->leaked ? "  leaked" : "");
				const char *t = e->edited_text ? e->edited_text : e->text;
				util_term_put(c->out, t, UTIL_PUT_LINES, "    ", 0);
				struct check_result r;
				char sum[512];
				expl_check(&it, e, &r);
				fputs("\n    check: ", c->out);
				util_term_put(c->out,
					      check_summary(&r, t, t ? strlen(t) : 0, sum,
							    sizeof sum),
					      UTIL_PUT_ESC, NULL, 0);
				fputc('\n', c->out);
				check_result_release(&r);
			}
		}
	}
	for (size_t i = 0; i < nex; i++)
		store_expl_release(&ex[i]);
	free(ex);
	if (have_d)
		store_dataset_release(&d);
	store_item_release(&it);
	store_close(st);
	return CLI_OK;
}
