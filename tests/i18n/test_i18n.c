/* test_i18n: every message translated, with the printf conversions of the
 * English text; the lookup by English text; the language choice from the
 * option, the config and the locale; the kana/kanji detector on Japanese,
 * English, Chinese and mixed text, and on hostile bytes. */
#include "test.h"

#include "mentor/i18n.h"
#include "mentor/util.h"

/* Messages whose Japanese is the English text on purpose. */
static int same_on_purpose(int id)
{
	return id == I18N_V_WHO;
}

/* UTF-8 without control characters (the strings reach terminals). */
static int clean_text(const char *s)
{
	int ok = util_utf8_valid(s, strlen(s), 1, NULL);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			ok = 0;
	return ok;
}

static void test_catalogue(void)
{
	int missing = 0, formats = 0, untranslated = 0, bad_text = 0;
	for (int id = 0; id < I18N_N_MSGS; id++) {
		for (int l = 0; l < I18N_N_LANGS; l++)
			if (!i18n_has(l, id)) {
				missing++;
				fprintf(stderr, "message %d has no %s text\n", id,
					i18n_lang_code(l));
			}
		const char *en = i18n_get(I18N_EN, id), *ja = i18n_get(I18N_JA, id);
		if (!i18n_same_format(en, ja)) {
			formats++;
			fprintf(stderr, "message %d: conversions differ: \"%s\" / \"%s\"\n", id, en,
				ja);
		}
		if (i18n_has(I18N_JA, id) && !strcmp(en, ja) && !same_on_purpose(id)) {
			untranslated++;
			fprintf(stderr, "message %d is not translated: \"%s\"\n", id, en);
		}
		for (int l = 0; l < I18N_N_LANGS; l++) {
			if (!clean_text(i18n_get(l, id))) {
				bad_text++;
				fprintf(stderr, "message %d (%s) is not clean text\n", id,
					i18n_lang_code(l));
			}
		}
	}
	CHECK_INT(missing, 0);
	CHECK_INT(formats, 0);
	CHECK_INT(untranslated, 0);
	CHECK_INT(bad_text, 0);
	/* the workbench looks its strings up by their English text: one English
	 * text there has one translation */
	int ambiguous = 0;
	for (int a = I18N_TUI_ITEMS; a <= I18N_ACT_REPORT; a++)
		for (int b = a + 1; b <= I18N_ACT_REPORT; b++)
			if (!strcmp(i18n_get(I18N_EN, a), i18n_get(I18N_EN, b)) &&
			    strcmp(i18n_get(I18N_JA, a), i18n_get(I18N_JA, b))) {
				ambiguous++;
				fprintf(stderr, "\"%s\" has two translations (%d, %d)\n",
					i18n_get(I18N_EN, a), a, b);
			}
	CHECK_INT(ambiguous, 0);
	/* out of range */
	CHECK_STR(i18n_get(I18N_JA, -1), "");
	CHECK_STR(i18n_get(I18N_JA, I18N_N_MSGS), "");
	CHECK_STR(i18n_get(7, I18N_TUI_ITEMS), "Items");
	CHECK_STR(i18n_get(I18N_JA, I18N_TUI_ITEMS), "問題");
	CHECK(!i18n_has(2, I18N_TUI_ITEMS));
	CHECK(!i18n_has(I18N_JA, -3));
}

/* The screens' phrases: every one has its Japanese, with the English
 * conversions, in clean text; one English text is one phrase and is not a
 * message of the id table as well (its translation would be shadowed). */
static void test_phrases(void)
{
	size_t n = i18n_phrase_count();
	CHECK(n >= 200);
	int missing = 0, formats = 0, same = 0, dup = 0, shadowed = 0, bad_text = 0;
	for (size_t i = 0; i < n; i++) {
		const char *en = i18n_phrase(i, I18N_EN), *ja = i18n_phrase(i, I18N_JA);
		if (!*en || !*ja) {
			missing++;
			fprintf(stderr, "phrase %zu (\"%s\") has no Japanese\n", i, en);
		}
		if (!i18n_same_format(en, ja)) {
			formats++;
			fprintf(stderr, "phrase \"%s\": conversions differ: \"%s\"\n", en, ja);
		}
		if (!strcmp(en, ja)) {
			same++;
			fprintf(stderr, "phrase \"%s\" is not translated\n", en);
		}
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(en, i18n_phrase(j, I18N_EN))) {
				dup++;
				fprintf(stderr, "phrase \"%s\" twice\n", en);
			}
		for (int id = 0; id < I18N_N_MSGS; id++)
			if (!strcmp(en, i18n_get(I18N_EN, id))) {
				shadowed++;
				fprintf(stderr, "phrase \"%s\" is message %d too\n", en, id);
			}
		for (int l = 0; l < I18N_N_LANGS; l++)
			bad_text += !clean_text(i18n_phrase(i, l));
		/* the lookup finds it, in both directions of use */
		CHECK(!strcmp(i18n_text(I18N_JA, en), ja));
		CHECK(i18n_text(I18N_EN, en) == en);
	}
	CHECK_INT(missing, 0);
	CHECK_INT(formats, 0);
	CHECK_INT(same, 0);
	CHECK_INT(dup, 0);
	CHECK_INT(shadowed, 0);
	CHECK_INT(bad_text, 0);
	CHECK_STR(i18n_phrase(n, I18N_JA), "");
	CHECK_STR(i18n_text(I18N_JA, "Gold answer: "), "正解: ");
	CHECK_STR(i18n_text(I18N_JA, "run %lld deleted"), "実行 %lld を削除しました");
}

static void test_text_lookup(void)
{
	CHECK_STR(i18n_text(I18N_JA, "Review"), "レビュー");
	CHECK_STR(i18n_text(I18N_JA, "next dataset (or all datasets)"), "次のデータセット/全件");
	CHECK_STR(i18n_text(I18N_EN, "Review"), "Review");
	/* not in the catalogue: the text itself */
	const char *odd = "a label nobody translated";
	CHECK(i18n_text(I18N_JA, odd) == odd);
	CHECK(i18n_text(I18N_JA, NULL) == NULL);
	CHECK_STR(i18n_text(-1, "Review"), "Review");
}

static void test_formats(void)
{
	CHECK(i18n_same_format("item %lld/%lld", "問題 %lld/%lld"));
	CHECK(!i18n_same_format("item %lld/%lld", "問題 %lld"));
	CHECK(!i18n_same_format("%s and %d", "%d and %s"));
	CHECK(!i18n_same_format("%zu", "%lu"));
	CHECK(i18n_same_format("100%% sure %s", "%s 100%%"));
	CHECK(!i18n_same_format("%.16s", "%s %s"));
	CHECK(i18n_same_format("%-8.3f", "%8.1f"));
	CHECK(!i18n_same_format("%*d", "%d"));
	CHECK(i18n_same_format("trailing %", "trailing %"));
	CHECK(i18n_same_format(NULL, ""));
}

static void test_pick(void)
{
	char err[MENTOR_ERR_LEN];
	int l = 99;
	CHECK_INT(i18n_lang_parse("ja", &l, err), 0);
	CHECK_INT(l, I18N_JA);
	CHECK_INT(i18n_lang_parse("EN", &l, err), 0);
	CHECK_INT(l, I18N_EN);
	CHECK_INT(i18n_lang_parse("Japanese", &l, err), 0);
	CHECK_INT(l, I18N_JA);
	CHECK_INT(i18n_lang_parse("auto", &l, err), 0);
	CHECK_INT(l, -1);
	CHECK_INT(i18n_lang_parse("fr", &l, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown language 'fr'") != NULL);
	CHECK_INT(i18n_lang_parse("ja_JP", &l, err), MENTOR_EUSAGE);

	CHECK_INT(i18n_lang_of_locale("ja_JP.UTF-8"), I18N_JA);
	CHECK_INT(i18n_lang_of_locale("ja"), I18N_JA);
	CHECK_INT(i18n_lang_of_locale("ja_JP.eucJP"), I18N_JA);
	CHECK_INT(i18n_lang_of_locale("jam_JM"), I18N_EN);
	CHECK_INT(i18n_lang_of_locale("C.UTF-8"), I18N_EN);
	CHECK_INT(i18n_lang_of_locale("en_US.UTF-8"), I18N_EN);
	CHECK_INT(i18n_lang_of_locale(NULL), I18N_EN);

	/* option, then config, then LC_ALL, LC_MESSAGES, LANG */
	CHECK_INT(i18n_lang_pick(NULL, NULL, NULL, NULL, NULL), I18N_EN);
	CHECK_INT(i18n_lang_pick(NULL, NULL, NULL, NULL, "ja_JP.UTF-8"), I18N_JA);
	CHECK_INT(i18n_lang_pick(NULL, NULL, "", "", "ja_JP.UTF-8"), I18N_JA);
	CHECK_INT(i18n_lang_pick(NULL, NULL, "C.UTF-8", NULL, "ja_JP.UTF-8"), I18N_EN);
	CHECK_INT(i18n_lang_pick(NULL, NULL, NULL, "ja_JP.UTF-8", "en_US.UTF-8"), I18N_JA);
	CHECK_INT(i18n_lang_pick(NULL, "ja", "C", NULL, NULL), I18N_JA);
	CHECK_INT(i18n_lang_pick(NULL, "auto", NULL, NULL, "ja_JP.UTF-8"), I18N_JA);
	CHECK_INT(i18n_lang_pick(NULL, "en", NULL, NULL, "ja_JP.UTF-8"), I18N_EN);
	CHECK_INT(i18n_lang_pick("en", "ja", NULL, NULL, "ja_JP.UTF-8"), I18N_EN);
	CHECK_INT(i18n_lang_pick("ja", "en", NULL, NULL, NULL), I18N_JA);
	CHECK_INT(i18n_lang_pick("auto", "ja", NULL, NULL, NULL), I18N_JA);
	CHECK_INT(i18n_lang_pick("bogus", "bogus", NULL, NULL, NULL), I18N_EN);
}

static int det(const char *s)
{
	return i18n_detect(s, strlen(s));
}

static void test_detect(void)
{
	CHECK_INT(det("りんごが3個あります。2個食べると、残りは何個ですか?"), I18N_JA);
	CHECK_INT(det("太郎は毎日 5 km 走ります。1 週間で何 km 走りますか。"), I18N_JA);
	CHECK_INT(det("カタカナだけのテキスト"), I18N_JA);
	CHECK_INT(det("Tom has 3 apples and eats 2. How many are left?"), I18N_EN);
	CHECK_INT(det(""), I18N_EN);
	CHECK_INT(det("12 + 30 = ?"), I18N_EN);
	/* mixed: English with one Japanese word stays English, Japanese with
	 * English names stays Japanese */
	CHECK_INT(det("What does the word 猫 mean in English?"), I18N_EN);
	CHECK_INT(det("Python の list と tuple の違いは何ですか?"), I18N_JA);
	CHECK_INT(det("次の SQL 文 SELECT count(*) FROM users の結果は何を表しますか"), I18N_JA);
	/* Chinese (no kana) is not Japanese */
	CHECK_INT(det("小明有三个苹果，吃了两个，还剩几个？"), I18N_EN);
	/* half-width katakana and full-width Latin */
	CHECK_INT(det("ｶﾀｶﾅﾃｷｽﾄ"), I18N_JA);
	CHECK_INT(det("ＡＢＣＤＥＦＧＨＩＪ ＫＬＭＮ"), I18N_EN);
	/* hostile bytes: invalid UTF-8, truncated sequences, NUL inside */
	const char bad[] = "\xff\xfe\xe3\x81\x82\xe3\x81";
	struct i18n_census c = {0, 0, 0};
	i18n_census_add(&c, bad, sizeof bad - 1);
	CHECK_INT(c.kana, 1);
	CHECK_INT(c.latin, 0);
	const char nul[] = "ab\0\xe3\x81\x82";
	memset(&c, 0, sizeof c);
	i18n_census_add(&c, nul, sizeof nul - 1);
	CHECK_INT(c.latin, 2);
	CHECK_INT(c.kana, 1);
	i18n_census_add(&c, NULL, 5);
	CHECK_INT(c.latin, 2);
	/* a census over several texts: a dataset of mostly Japanese questions */
	memset(&c, 0, sizeof c);
	const char *qs[] = {"What is 2 + 2?", "花子はりんごを 4 個買いました。", "合計はいくつ?"};
	for (size_t i = 0; i < 3; i++)
		i18n_census_add(&c, qs[i], strlen(qs[i]));
	CHECK_INT(i18n_census_lang(&c), I18N_JA);
	/* a huge text is counted without trouble */
	size_t n = (size_t)1 << 20;
	char *big = malloc(n);
	if (!big)
		TEST_SETUP_FAIL("out of memory");
	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(big + i, "\xe3\x81\x82", 3);
	CHECK_INT(i18n_detect(big, n - n % 3), I18N_JA);
	free(big);
}

int main(void)
{
	test_catalogue();
	test_text_lookup();
	test_phrases();
	test_formats();
	test_pick();
	test_detect();
	return test_done();
}
