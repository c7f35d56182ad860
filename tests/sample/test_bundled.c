/* test_bundled: every file of sample_datasets/ is valid JSON lines in the
 * generic import layout: UTF-8, required fields, known answer types, answers
 * of the right shape, multiple-choice answers among the labels, unique ids
 * and questions. The hand-written sets get a closer look. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mentor/util.h"
#include "test.h"

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t dups(char **v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_pstr);
	size_t d = 0;
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1], v[i])) {
			fprintf(stderr, "  twice: %s\n", v[i]);
			d++;
		}
	return d;
}

struct stats {
	size_t lines, train, dev, test, mc, yesno, number, text, non_ascii;
};

static void check_record(const char *file, size_t lineno, const cJSON *rec, struct stats *s)
{
	const char *id = jstr(rec, "id"), *q = jstr(rec, "question");
	const char *answer = jstr(rec, "answer"), *type = jstr(rec, "answer_type");
	const char *rationale = jstr(rec, "rationale"), *split = jstr(rec, "split");
	CHECK_MSG(id && *id && q && *q && answer && *answer && type && rationale && *rationale &&
			  split,
		  "%s:%zu: missing field", file, lineno);
	if (!(id && q && answer && type && rationale && split))
		return;
	CHECK_MSG(!strcmp(split, "train") || !strcmp(split, "dev") || !strcmp(split, "test"),
		  "%s:%zu: split '%s'", file, lineno, split);
	s->train += !strcmp(split, "train");
	s->dev += !strcmp(split, "dev");
	s->test += !strcmp(split, "test");
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(rec, "choices");
	if (!strcmp(type, "mc")) {
		s->mc++;
		CHECK_MSG(cJSON_IsArray(choices) && cJSON_GetArraySize(choices) == 5,
			  "%s:%zu: 5 choices", file, lineno);
		int found = 0, k = 0;
		const cJSON *c;
		cJSON_ArrayForEach(c, choices)
		{
			const char *label = jstr(c, "label"), *text = jstr(c, "text");
			char want[2] = {(char)('A' + k++), '\0'};
			CHECK_MSG(label && !strcmp(label, want) && text && *text,
				  "%s:%zu: choice %d", file, lineno, k);
			if (label && !strcmp(label, answer))
				found = 1;
		}
		CHECK_MSG(found, "%s:%zu: answer '%s' is not a label", file, lineno, answer);
	} else {
		CHECK_MSG(choices == NULL, "%s:%zu: choices on a %s item", file, lineno, type);
		if (!strcmp(type, "yesno")) {
			s->yesno++;
			CHECK_MSG(!strcmp(answer, "yes") || !strcmp(answer, "no"), "%s:%zu: '%s'",
				  file, lineno, answer);
		} else if (!strcmp(type, "number")) {
			long v;
			s->number++;
			CHECK_MSG(util_parse_long(answer, -1000000000L, 1000000000L, &v) == 0,
				  "%s:%zu: '%s' is not a plain integer", file, lineno, answer);
		} else {
			s->text++;
			CHECK_MSG(!strcmp(type, "text"), "%s:%zu: answer_type '%s'", file, lineno,
				  type);
		}
	}
	for (const char *p = q; *p; p++)
		if ((unsigned char)*p >= 0x80) {
			s->non_ascii++;
			break;
		}
}

static void check_file(const char *dir, const char *name, struct stats *s)
{
	char path[2048], err[MENTOR_ERR_LEN];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	size_t len = 0;
	memset(s, 0, sizeof *s);
	char *data = util_read_file(path, 64u << 20, &len, err);
	CHECK_MSG(data != NULL, "%s", err);
	if (!data)
		return;
	size_t bad = 0;
	CHECK_MSG(util_utf8_valid(data, len, 1, &bad), "%s: invalid UTF-8 at byte %zu", name, bad);
	CHECK_MSG(len > 0 && data[len - 1] == '\n', "%s: last line unterminated", name);
	size_t cap = 1024, n = 0;
	char **ids = malloc(cap * sizeof *ids), **qs = malloc(cap * sizeof *qs);
	for (char *line = data; *line;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		s->lines++;
		cJSON *rec = cJSON_Parse(line);
		CHECK_MSG(cJSON_IsObject(rec), "%s:%zu: not a JSON object", name, s->lines);
		if (rec) {
			check_record(name, s->lines, rec, s);
			if (jstr(rec, "id") && jstr(rec, "question")) {
				if (n == cap) {
					cap *= 2;
					ids = realloc(ids, cap * sizeof *ids);
					qs = realloc(qs, cap * sizeof *qs);
				}
				ids[n] = strdup(jstr(rec, "id"));
				qs[n] = strdup(jstr(rec, "question"));
				n++;
			}
		}
		cJSON_Delete(rec);
		line = nl + 1;
	}
	CHECK_MSG(dups(ids, n) == 0, "%s: duplicate ids", name);
	CHECK_MSG(dups(qs, n) == 0, "%s: duplicate questions", name);
	for (size_t i = 0; i < n; i++) {
		free(ids[i]);
		free(qs[i]);
	}
	free(ids);
	free(qs);
	free(data);
}

int main(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/sample_datasets", MENTOR_SOURCE_DIR);
	DIR *d = opendir(dir);
	if (!d)
		TEST_SETUP_FAIL("cannot open %s", dir);
	struct dirent *e;
	size_t n_files = 0;
	int seen_cs = 0, seen_sq = 0, seen_ja = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 7 || strcmp(e->d_name + l - 6, ".jsonl"))
			continue;
		struct stats s;
		check_file(dir, e->d_name, &s);
		n_files++;
		CHECK_MSG(s.train > s.dev + s.test, "%s: mostly train", e->d_name);
		CHECK_MSG(s.dev > 0 && s.test > 0, "%s: has dev and test", e->d_name);
		if (!strcmp(e->d_name, "commonsense.jsonl")) {
			seen_cs = 1;
			CHECK(s.lines >= 50 && s.mc == s.lines);
		} else if (!strcmp(e->d_name, "strategy.jsonl")) {
			seen_sq = 1;
			CHECK(s.lines >= 50 && s.yesno == s.lines);
		} else if (!strcmp(e->d_name, "factory-ja.jsonl")) {
			seen_ja = 1;
			CHECK(s.lines >= 35);
			CHECK(s.mc > 0 && s.yesno > 0 && s.number > 0);
			CHECK_INT(s.non_ascii, s.lines); /* every question is in Japanese */
		}
	}
	closedir(d);
	CHECK(seen_cs && seen_sq && seen_ja);
	CHECK_INT(n_files, 7);
	return test_done();
}
