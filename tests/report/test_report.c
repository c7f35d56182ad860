/* test_report: the HTML report built from a real workspace file: well-formed
 * self-contained markup, the runs' numbers computed by hand from the fixture,
 * fixed/broken cards first, Japanese kept byte for byte, hostile text shown
 * as text, the standalone SVG, the errors for unknown runs, the experiment
 * table, and how sound the runs' explanations are. */
#include <sqlite3.h>

#include "fixture.h"
#include "htmlcheck.h"
#include "mentor/i18n.h"
#include "mentor/report.h"

static long pos_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	return p ? (long)(p - hay) : -1;
}

/* Position of the card of an item ("item N · ext"), or -1. */
static long card_pos(const char *html, int64_t item, const char *ext)
{
	char key[64];
	snprintf(key, sizeof key, "item %lld \xC2\xB7 %s", (long long)item, ext);
	return pos_of(html, key);
}

static void test_compare(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct buf html, svg;
	buf_init(&html);
	buf_init(&svg);
	struct report_opts o = {fx->mt_run, fx->base_run, 0, 0, 0};
	CHECK_INT(report_build(st, &o, &html, &svg, err), 0);
	if (!html.data)
		return;
	const char *h = html.data;
	char why[256] = "";
	CHECK_MSG(hc_check(h, 0, why, sizeof why) == 0, "%s", why);
	CHECK(!strncmp(h, "<!DOCTYPE html>", 15));
	/* these runs belong to no experiment: no experiment table */
	CHECK(strstr(h, "id=\"experiment\"") == NULL);
	CHECK(strstr(h, "<meta charset=\"utf-8\">") != NULL);
	CHECK(strstr(h, "\"Noto Sans CJK JP\",\"Noto Sans JP\",\"Hiragino Sans\"") != NULL);
	CHECK(strstr(h, "\"Yu Gothic\"") && strstr(h, "sans-serif"));
	CHECK_INT(hc_count(h, "<svg"), 1);
	/* loss curves: 4 metrics of the run, the baseline's loss */
	CHECK_INT(hc_count(h, "<polyline"), 5);
	CHECK(strstr(h, "mtcot val_loss") && strstr(h, "base loss"));
	CHECK(strstr(h, "mtcot loss_exp") && strstr(h, "mtcot loss_ans"));

	/* accuracy by hand: baseline 3/6, mt-cot 4/6 direct and 3/5 from its
	 * explanations, a change of +16.7 points */
	CHECK(strstr(h, "50.0% (3/6)") != NULL);
	CHECK(strstr(h, "66.7% (4/6)") != NULL);
	CHECK(strstr(h, "60.0% (3/5)") != NULL);
	CHECK(strstr(h, "+16.7 pp") != NULL);
	/* the baseline row comes first */
	CHECK(pos_of(h, "50.0% (3/6)") < pos_of(h, "66.7% (4/6)"));

	/* explanation counts: cot 0/4/2/0 (6), rp 1/1/1/1 (4), crop 1/0/0/0,
	 * all 2/5/3/1 (11) */
	CHECK(strstr(h, "8 items; 6 with explanations; 5 with an accepted one.") != NULL);
	CHECK(strstr(h,
		     "<tr><td>cot</td><td class=\"num\">0</td><td class=\"num\">4</td>"
		     "<td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">6</td>"));
	CHECK(strstr(h,
		     "<tr><td>rp</td><td class=\"num\">1</td><td class=\"num\">1</td>"
		     "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">4</td>"));
	CHECK(strstr(h, "<tr><td>crop</td><td class=\"num\">1</td><td class=\"num\">0</td>"));
	CHECK(strstr(h,
		     "<tr><th>all</th><td class=\"num\">2</td><td class=\"num\">5</td>"
		     "<td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">11</td>"));

	/* case counts and card order: fixed q2, q4; broken q1; both wrong q6;
	 * both right q3, q5 */
	CHECK(strstr(h, "2 fixed") && strstr(h, "1 broken") && strstr(h, "2 both right") &&
	      strstr(h, "1 both wrong"));
	long p2 = card_pos(h, fx->item[FX_Q2], "q2"), p4 = card_pos(h, fx->item[FX_Q4], "q4");
	long p1 = card_pos(h, fx->item[FX_Q1], "q1"), p6 = card_pos(h, fx->item[FX_Q6], "q6");
	long p3 = card_pos(h, fx->item[FX_Q3], "q3"), p5 = card_pos(h, fx->item[FX_Q5], "q5");
	CHECK(p2 > 0 && p4 > p2 && p1 > p4 && p6 > p1 && p3 > p6 && p5 > p3);
	CHECK_INT(hc_count(h, "<article class=\"card fixed\">"), 2);
	CHECK_INT(hc_count(h, "<article class=\"card broken\">"), 1);
	CHECK_INT(hc_count(h, "<article class=\"card other\">"), 3);
	/* train items have no predictions, so no cards */
	CHECK(card_pos(h, fx->item[FX_T1], "t1") < 0);

	/* Japanese: question, edited teacher text, model output, gold rationale */
	CHECK(strstr(h, FX_JA_Q) != NULL);
	CHECK(strstr(h, FX_JA_EDIT) != NULL);
	CHECK(strstr(h, FX_JA_COT) != NULL);
	CHECK(strstr(h, "3 + 4 = 7 なので、答えは7個です。") != NULL);
	CHECK(strstr(h, "3 plus 4 is 7.") == NULL); /* the edit replaces the original */

	/* hostile text is text */
	CHECK(strstr(h, "<script") == NULL && strstr(h, "<b>") == NULL);
	CHECK(strstr(h, "<i>") == NULL && strstr(h, "<img") == NULL);
	CHECK(strstr(h, "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; &#39;q&#39; "
			"\\x1b[31mred") != NULL);
	CHECK(strstr(h, "&lt;b&gt;bold&lt;/b&gt; &amp; done") != NULL);
	CHECK(strstr(h, "&lt;i&gt;seven&lt;/i&gt;") != NULL);
	CHECK(strchr(h, '\x1b') == NULL);

	/* the card of q1 (broken) shows every answer and text */
	long end1 = pos_of(h + p1, "</article>");
	CHECK(end1 > 0);
	if (end1 > 0) {
		char *card = strndup(h + p1, (size_t)end1);
		CHECK(strstr(card, "What is 2+3?") != NULL);
		CHECK(strstr(card, "gold answer</th><td class=\"gold\">5</td>") != NULL);
		CHECK(strstr(card, "baseline answer <span class=\"muted\">(base)</span></th>"
				   "<td class=\"right\">5") != NULL);
		CHECK(strstr(card, "trained answer <span class=\"muted\">(mtcot)</span></th>"
				   "<td class=\"wrong\">4") != NULL);
		CHECK(strstr(card, "2+3=4") != NULL);
		CHECK(strstr(card, "2 and 3 make 5. So the answer is 5.") != NULL);
		CHECK(strstr(card, "teacher&#39;s explanation (cot, offline/teacher-1, accepted; "
				   "not trained on: test item)"));
		CHECK(strstr(card, "2 plus 3 is 5.") != NULL);
		/* the pending RP explanation is not what it was trained on */
		CHECK(strstr(card, "Because 2+3=5.") == NULL);
		free(card);
	}
	/* the multiple-choice card lists its choices */
	CHECK(strstr(h, "<li>(B) 5</li>") != NULL);

	/* standalone SVG: XML, one chart, the same five lines */
	CHECK(svg.data && !strncmp(svg.data, "<?xml", 5));
	if (svg.data) {
		CHECK_MSG(hc_check(svg.data, 1, why, sizeof why) == 0, "%s", why);
		CHECK_INT(hc_count(svg.data, "<svg"), 1);
		CHECK_INT(hc_count(svg.data, "<polyline"), 5);
		CHECK(strstr(svg.data, "xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
	}
	buf_release(&html);
	buf_release(&svg);
}

static void test_single_and_cap(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "", why[256] = "";
	struct buf html;
	buf_init(&html);
	struct report_opts o = {fx->mt_run, 0, 2, 0, 0};
	CHECK_INT(report_build(st, &o, &html, NULL, err), 0);
	if (!html.data)
		return;
	CHECK_MSG(hc_check(html.data, 0, why, sizeof why) == 0, "%s", why);
	CHECK(strstr(html.data, "4 right, 2 wrong") != NULL);
	CHECK(strstr(html.data, "Showing 2 of 6, wrong answers first") != NULL);
	CHECK_INT(hc_count(html.data, "<article"), 2);
	/* the two wrong ones: q1 then q6 */
	CHECK(card_pos(html.data, fx->item[FX_Q1], "q1") > 0);
	CHECK(card_pos(html.data, fx->item[FX_Q6], "q6") >
	      card_pos(html.data, fx->item[FX_Q1], "q1"));
	CHECK(strstr(html.data, "baseline answer") == NULL);
	CHECK_INT(hc_count(html.data, "<polyline"), 4);
	buf_release(&html);

	/* a run with nothing yet: still a valid page, a "no data" chart */
	buf_init(&html);
	struct report_opts idle = {fx->idle_run, 0, 0, 0, 0};
	CHECK_INT(report_build(st, &idle, &html, NULL, err), 0);
	if (html.data) {
		CHECK_MSG(hc_check(html.data, 0, why, sizeof why) == 0, "%s", why);
		CHECK(strstr(html.data, "no data") != NULL);
		CHECK(strstr(html.data, "No predictions yet") != NULL);
		CHECK_INT(hc_count(html.data, "<article"), 0);
	}
	buf_release(&html);
}

static void test_hostile_names(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "", why[256] = "";
	int64_t r = fx_run(st, fx->dataset, "<x>&\"run'\x1b", "mt-ra");
	fx_metric(st, r, "loss", 1, 1.5);
	fx_pred(st, r, fx->item[FX_Q1], "<5>", 1,
		"\x07"
		"bell",
		"5", 1);
	struct buf html, svg;
	buf_init(&html);
	buf_init(&svg);
	struct report_opts o = {r, fx->base_run, 0, 0, 0};
	CHECK_INT(report_build(st, &o, &html, &svg, err), 0);
	if (html.data && svg.data) {
		CHECK_MSG(hc_check(html.data, 0, why, sizeof why) == 0, "%s", why);
		CHECK_MSG(hc_check(svg.data, 1, why, sizeof why) == 0, "%s", why);
		CHECK(strstr(html.data, "&lt;x&gt;&amp;&quot;run&#39;\\x1b") != NULL);
		CHECK(strstr(svg.data, "&lt;x&gt;&amp;&quot;run&#39;\\x1b loss") != NULL);
		CHECK(strstr(html.data, "&lt;5&gt;") != NULL);
		CHECK(strstr(html.data, "\\x07bell") != NULL);
		CHECK_INT(hc_count(html.data, "<circle"), 1); /* a one-point curve */
	}
	buf_release(&html);
	buf_release(&svg);
}

static void test_write_and_errors(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	const char *hp = test_path("r.html"), *sp = test_path("r.svg");
	CHECK_INT(report_write(st, fx->mt_run, fx->base_run, I18N_EN, hp, sp, err), 0);
	size_t n = 0;
	char *h = util_read_file(hp, 1 << 24, &n, err);
	CHECK(h != NULL && n > 1000);
	char *s = util_read_file(sp, 1 << 24, &n, err);
	CHECK(s != NULL && n > 200);
	char why[256] = "";
	if (h)
		CHECK_MSG(hc_check(h, 0, why, sizeof why) == 0, "%s", why);
	if (s)
		CHECK_MSG(hc_check(s, 1, why, sizeof why) == 0, "%s", why);
	if (h) {
		CHECK(strstr(h, "<html lang=\"en\">") != NULL);
		CHECK(strstr(h, i18n_get(I18N_JA, I18N_R_ACCURACY)) == NULL);
	}
	free(h);
	free(s);
	/* in Japanese: the page's language, its labels; an unknown language is
	 * English */
	const char *jp = test_path("r-ja.html");
	CHECK_INT(report_write(st, fx->mt_run, fx->base_run, I18N_JA, jp, NULL, err), 0);
	h = util_read_file(jp, 1 << 24, &n, err);
	CHECK(h != NULL);
	if (h) {
		CHECK(strstr(h, "<html lang=\"ja\">") != NULL);
		CHECK(strstr(h, i18n_get(I18N_JA, I18N_R_ACCURACY)) != NULL);
		CHECK(strstr(h, i18n_get(I18N_JA, I18N_R_EXAMPLES)) != NULL);
	}
	free(h);
	CHECK_INT(report_write(st, fx->mt_run, 0, 7, jp, NULL, err), 0);
	h = util_read_file(jp, 1 << 24, &n, err);
	CHECK(h != NULL && strstr(h, "<html lang=\"en\">") != NULL);
	free(h);
	/* no temporary file left beside them */
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", hp, (long)getpid());
	CHECK(access(tmp, F_OK) != 0);

	/* unknown runs: ENOTFOUND, a message naming the run, no file */
	const char *np = test_path("none.html");
	CHECK_INT(report_write(st, 9999, 0, I18N_EN, np, NULL, err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "9999") != NULL);
	CHECK(access(np, F_OK) != 0);
	CHECK_INT(report_write(st, fx->mt_run, 8888, I18N_EN, np, NULL, err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "8888") != NULL);
	CHECK(access(np, F_OK) != 0);
	/* an unwritable destination is an error, not a crash */
	CHECK_INT(report_write(st, fx->mt_run, 0, I18N_EN, "/nonexistent-dir/x.html", NULL, err),
		  MENTOR_ERR);
	CHECK(strstr(err, "/nonexistent-dir/x.html") != NULL);
}

/* The runs grouped into an experiment (baseline and MT-CoT, seed 1): the
 * page opens with its table. Expected figures by hand and python3:
 * baseline 3/6, Wilson [0.187616, 0.812384]; MT-CoT direct 4/6, Wilson
 * [0.299993, 0.903229], +16.7 points (q2, q4 fixed, q1 broken: McNemar
 * p = 2 * P(X <= 1 | n = 3) = 1); explain-then-answer 3/6 (q6 has none),
 * +0.0 points, p = 1 (one each way). Bootstrap intervals from the python
 * reimplementation of the rng (tests/stats) with seed 20221001:
 * direct [-0.5, 0.666667], explain [-0.5, 0.5]. */
static void test_experiment(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE run SET config_json = '{\"seed\":\"1\"}' WHERE id IN "
		 "(%lld, %lld)",
		 (long long)fx->base_run, (long long)fx->mt_run);
	CHECK_INT(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	struct store_experiment e;
	memset(&e, 0, sizeof e);
	e.dataset_id = fx->dataset;
	e.name = "<exp>&1";
	e.config_json = "{\"variants\":[\"baseline\",\"mt-cot\"],\"seeds\":[1],\"base\":"
			"{\"source\":\"cot\",\"preset\":\"tiny\",\"steps\":20,"
			"\"eval_split\":\"test\"}}";
	e.status = "done";
	if (store_experiment_insert(st, &e, err) ||
	    store_run_set_experiment(st, fx->base_run, e.id, err) ||
	    store_run_set_experiment(st, fx->mt_run, e.id, err))
		TEST_SETUP_FAIL("%s", err);

	/* the run's own experiment is found */
	struct buf html;
	buf_init(&html);
	struct report_opts o = {fx->mt_run, fx->base_run, 0, 0, 0};
	CHECK_INT(report_build(st, &o, &html, NULL, err), 0);
	const char *h = html.data ? html.data : "";
	char why[256] = "";
	CHECK_MSG(hc_check(h, 0, why, sizeof why) == 0, "%s", why);
	long sec = pos_of(h, "<section id=\"experiment\">");
	CHECK(sec > 0 && sec < pos_of(h, "<section id=\"runs\">"));
	CHECK(strstr(h, "<h2>Experiment &lt;exp&gt;&amp;1</h2>") != NULL);
	CHECK(strstr(h, "<exp>") == NULL);
	CHECK(strstr(h, "<p class=\"verdict\">MT-CoT (direct): no clear difference from "
			"the baseline (+17 points, 95% CI -50 to 67, 1 seed).</p>") != NULL);
	CHECK(strstr(h, "2 of 2 runs evaluated; 1 seed, explanations from cot, preset tiny, "
			"20 steps per run; accuracy on the test split (6 questions).") != NULL);
	CHECK(strstr(h, "<tr><td>Baseline</td><td>direct</td><td class=\"num\">1/1</td>"
			"<td class=\"num\">50.0</td><td class=\"num\">18.8 to 81.2</td>"
			"<td></td><td></td><td></td><td class=\"num\">50.0</td></tr>") != NULL);
	CHECK(strstr(h, "<tr class=\"best\"><td>MT-CoT</td><td>direct</td>"
			"<td class=\"num\">1/1</td><td class=\"num\">66.7</td>"
			"<td class=\"num\">30.0 to 90.3</td><td class=\"num\">+16.7</td>"
			"<td class=\"num\">-50.0 to 66.7</td><td class=\"num\">1</td>"
			"<td class=\"num\">66.7</td></tr>") != NULL);
	CHECK(strstr(h, "<tr><td>MT-CoT</td><td>explain-then-answer</td>"
			"<td class=\"num\">1/1</td><td class=\"num\">50.0</td>"
			"<td class=\"num\">18.8 to 81.2</td><td class=\"num\">+0.0</td>"
			"<td class=\"num\">-50.0 to 50.0</td><td class=\"num\">1</td>"
			"<td class=\"num\">50.0</td></tr>") != NULL);
	CHECK(strstr(h, "Student&#39;s t over seeds") != NULL);

	/* by experiment alone: the best explanation-trained run against the
	 * baseline of its seed */
	buf_reset(&html);
	struct report_opts by_exp = {0, 0, 0, e.id, 0};
	CHECK_INT(report_build(st, &by_exp, &html, NULL, err), 0);
	h = html.data ? html.data : "";
	CHECK(strstr(h, "<title>mentor report: mtcot vs base</title>") != NULL);
	CHECK(strstr(h, "<section id=\"experiment\">") != NULL);

	/* a run outside the experiment, with the experiment asked for */
	buf_reset(&html);
	struct report_opts idle = {fx->idle_run, 0, 0, e.id, 0};
	CHECK_INT(report_build(st, &idle, &html, NULL, err), 0);
	CHECK(html.data && strstr(html.data, "<section id=\"experiment\">") != NULL);

	/* errors: no such experiment, none evaluated, nothing to report */
	struct report_opts none = {0, 0, 0, e.id + 50, 0};
	CHECK_INT(report_build(st, &none, &html, NULL, err), MENTOR_ENOTFOUND);
	struct store_experiment e2;
	memset(&e2, 0, sizeof e2);
	e2.dataset_id = fx->dataset;
	e2.config_json = "{\"variants\":[\"baseline\"],\"seeds\":[1]}";
	if (store_experiment_insert(st, &e2, err))
		TEST_SETUP_FAIL("%s", err);
	struct report_opts empty = {0, 0, 0, e2.id, 0};
	CHECK_INT(report_build(st, &empty, &html, NULL, err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "no evaluated run yet") != NULL);
	struct report_opts nothing = {0, 0, 0, 0, 0};
	CHECK(report_build(st, &nothing, &html, NULL, err) != 0);
	buf_release(&html);
}

/* The accuracy table gives, per run and split, the share of sound
 * explanations and the right answers reached by wrong reasoning; cards of
 * test items say their teacher explanation was not trained on; runs of
 * different datasets are not compared. */
static void test_sound(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct buf html;
	buf_init(&html);
	/* mtcot: q3 and q5 sound, q1 a wrong step, q2 and q4 without steps */
	struct report_opts o = {fx->mt_run, fx->base_run, 0, 0, 0};
	CHECK_INT(report_build(st, &o, &html, NULL, err), 0);
	const char *h = html.data ? html.data : "";
	CHECK(strstr(h, "<th>sound explanations</th><th>right answer, wrong reasoning</th>"));
	CHECK(strstr(h, "<td class=\"num\">40.0% (2/5) <span class=\"muted\">2 without "
			"steps</span></td><td class=\"num\">0</td></tr>") != NULL);
	/* the baseline generated none */
	CHECK(strstr(h, "<td class=\"num\"><span class=\"muted\">n/a</span></td><td class="
			"\"num\"><span class=\"muted\">n/a</span></td></tr>") != NULL);
	CHECK(strstr(h, "accepted, edited; not trained on: test item)") != NULL);
	buf_release(&html);

	/* a right answer after a wrong step counts as right-but-wrong */
	fx_pred(st, fx->idle_run, fx->item[FX_Q1], "5", 1, "2 + 3 = 6. So the answer is 5.", "5",
		1);
	fx_pred(st, fx->idle_run, fx->item[FX_Q5], "6", 1, "10 - 4 = 6. So the answer is 6.", "6",
		1);
	buf_init(&html);
	o.run = fx->idle_run;
	CHECK_INT(report_build(st, &o, &html, NULL, err), 0);
	h = html.data ? html.data : "";
	CHECK(strstr(h, "<td class=\"num\">50.0% (1/2)</td><td class=\"num\">1</td></tr>"));
	buf_release(&html);

	/* another dataset: refused, nothing built */
	int64_t other = fx_run(st, fx->bare_dataset, "elsewhere", "baseline");
	buf_init(&html);
	o.vs_run = other;
	CHECK_INT(report_build(st, &o, &html, NULL, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "different datasets") != NULL);
	buf_release(&html);
	const char *np = test_path("cross.html");
	CHECK_INT(report_write(st, fx->idle_run, other, I18N_EN, np, NULL, err), MENTOR_EUSAGE);
	CHECK(access(np, F_OK) != 0);
}

/* The text of the markup s: each node between tags, one per line. */
static char *text_nodes(const char *s)
{
	struct buf t;
	buf_init(&t);
	int in_tag = 0, in_style = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '<') {
			in_tag = 1;
			in_style = !strncmp(p, "<style", 6)    ? 1
				   : !strncmp(p, "</style", 7) ? 0
							       : in_style;
			buf_putc(&t, '\n');
		} else if (*p == '>') {
			in_tag = 0;
		} else if (!in_tag && !in_style) {
			buf_putc(&t, *p);
		}
	}
	buf_putc(&t, '\n');
	return t.data;
}

/* Characters that may not start a line (kinsoku): closing brackets and
 * punctuation, prolonged sound mark, small kana, iteration marks. */
static int no_line_start(const char *p)
{
	static const char *const set[] = {"ã", "ã", "ï¼", "ï¼", "ã»",
					  "ï¼", "ï¼", "ï¼", "ï¼", "ã¼",
					  "ï¼", "ã", "ã", "ã", "ã",
					  "ã", "ã", "ã", "ã", "ã",
					  "ã£", "ã", "ã", "ã", "ã",
					  "ã¡", "ã£", "ã¥", "ã§", "ã©",
					  "ã", "ã£", "ã¥", "ã§", "ã",
					  "â¦", "ã", "ã½", NULL};
	if (*p && strchr(")]},.!?:;%", *p))
		return 1;
	for (int i = 0; set[i]; i++)
		if (!strncmp(p, set[i], strlen(set[i])))
			return 1;
	return 0;
}

/* How many English labels of the catalogue the text nodes t hold: exact
 * nodes for short labels, substrings for longer text and for the literal
 * start of formats. */
static int english_labels(const char *t, int verbose)
{
	int english = 0;
	for (int id = I18N_EXP_DIRECT; id < I18N_N_MSGS; id++) {
		/* a data value of the fixture that is also a label word: the
		 * baseline's variant name */
		if (id == I18N_R_ROLE_BASELINE)
			continue;
		const char *en = i18n_get(I18N_EN, id);
		char lit[256];
		size_t n = strcspn(en, "%");
		if (n >= sizeof lit)
			n = sizeof lit - 1;
		memcpy(lit, en, n);
		lit[n] = '\0';
		while (n && lit[n - 1] == ' ')
			lit[--n] = '\0';
		const char *at = lit[0] == ' ' ? lit + 1 : lit;
		int hit = 0;
		if (strlen(at) >= 12) {
			hit = strstr(t, at) != NULL;
		} else if (*at && !strchr(en, '%')) {
			char node[300];
			snprintf(node, sizeof node, "\n%s\n", at);
			hit = strstr(t, node) != NULL;
		}
		if (hit && verbose)
			fprintf(stderr, "English left in the Japanese report: \"%s\"\n", at);
		english += hit;
	}
	return english;
}

/* The report in Japanese: <html lang="ja">, the catalogue's Japanese
 * labels, no English label that has a translation, the experiment's verdict
 * in Japanese, and no block or line starting with a character kinsoku
 * forbids there. */
static void test_japanese(struct store *st, const struct fixture *fx)
{
	char err[MENTOR_ERR_LEN] = "";
	struct buf html, svg;
	buf_init(&html);
	buf_init(&svg);
	struct report_opts o = {fx->mt_run, fx->base_run, 0, 0, I18N_JA};
	CHECK_INT(report_build(st, &o, &html, &svg, err), 0);
	const char *h = html.data ? html.data : "";
	char why[256] = "";
	CHECK_MSG(hc_check(h, 0, why, sizeof why) == 0, "%s", why);
	CHECK(strstr(h, "<html lang=\"ja\">") != NULL);
	CHECK(strstr(h, "line-break:strict") != NULL);
	CHECK(strstr(h, "<title>mentor レポート: mtcot vs base</title>") != NULL);
	CHECK(strstr(h, "<h2>実行</h2>") && strstr(h, "<h2>損失</h2>") &&
	      strstr(h, "<h2>正解率</h2>") && strstr(h, "<h2>データセットの説明</h2>") &&
	      strstr(h, "<h2>事例</h2>"));
	CHECK(strstr(h, "<th>妥当な説明</th><th>答えは正しいが推論が誤り</th>") != NULL);
	CHECK(strstr(h, "+16.7 ポイント") != NULL);
	CHECK(strstr(h, "<td>説明で学習</td>") && strstr(h, "<td>ベースライン</td>"));
	CHECK(strstr(h, "<span class=\"tag fixed\">改善</span>問題 ") != NULL);
	CHECK(strstr(h, "手順なし 2") != NULL);
	CHECK(strstr(h, "、採用、編集済み、学習に不使用: test の問題)") != NULL);
	/* the experiment's table and verdict */
	CHECK(strstr(h, "<h2>実験 &lt;exp&gt;&amp;1</h2>") != NULL);
	CHECK(strstr(h,
		     "<p class=\"verdict\">MT-CoT (直接回答): ベースラインとの明確な差は"
		     "ありません (+17 ポイント、95% 信頼区間 -50〜67、シード 1 個)。</p>") != NULL);
	CHECK(strstr(h, "<tr><td>ベースライン</td><td>直接回答</td>") != NULL);
	CHECK(strstr(h, "評価済み 2 / 2 実行、シード 1 個、説明の出典 cot、プリセット tiny、"
			"1 実行あたり 20 ステップ。正解率は test 分割 (6 問) で計測。") != NULL);
	/* the data is kept as it is: Japanese questions byte for byte */
	CHECK(strstr(h, FX_JA_Q) != NULL);
	/* the chart's labels */
	CHECK(strstr(h, ">学習損失</text>") && strstr(h, ">ステップ</text>"));
	CHECK(svg.data && strstr(svg.data, ">学習損失</text>"));

	/* no English label that has a translation */
	char *t = text_nodes(h);
	CHECK_INT(english_labels(t, 1), 0);
	/* kinsoku: no text node (a block start, or after a tag) and no line
	 * after a <br> begins with a character that may not start a line */
	int bad = 0;
	for (const char *p = t; (p = strchr(p, '\n')); p++)
		if ((unsigned char)p[1] >= 0x80 && no_line_start(p + 1)) {
			bad++;
			fprintf(stderr, "line starts with a closing character: %.24s\n", p + 1);
		}
	CHECK_INT(bad, 0);
	for (const char *p = h; (p = strstr(p, "<br>")); p += 4)
		CHECK(!no_line_start(p + 4));
	/* the block elements' first characters, checked on the markup itself */
	static const char *const blocks[] = {"<p>",
					     "<p class=\"muted\">",
					     "<td>",
					     "<th>",
					     "<h2>",
					     "<h3>",
					     "<h4>",
					     "<li>",
					     "<figcaption class=\"muted\">",
					     "<p class=\"verdict\">",
					     NULL};
	for (int k = 0; blocks[k]; k++)
		for (const char *p = h; (p = strstr(p, blocks[k])); p++)
			CHECK_MSG(!no_line_start(p + strlen(blocks[k])), "%s%.16s", blocks[k],
				  p + strlen(blocks[k]));
	free(t);
	buf_release(&html);
	buf_release(&svg);

	/* the default stays English */
	buf_init(&html);
	o.lang = I18N_EN;
	CHECK_INT(report_build(st, &o, &html, NULL, err), 0);
	CHECK(html.data && strstr(html.data, "<html lang=\"en\">") &&
	      strstr(html.data, "<h2>Accuracy</h2>") && !strstr(html.data, "正解率"));
	/* and the English page is full of what the check looks for */
	t = text_nodes(html.data ? html.data : "");
	CHECK(english_labels(t, 0) > 30);
	free(t);
	buf_release(&html);
}

int main(void)
{
	struct fixture fx;
	struct store *st = fixture_make(test_path("ws.db"), &fx);
	test_compare(st, &fx);
	test_single_and_cap(st, &fx);
	test_hostile_names(st, &fx);
	test_write_and_errors(st, &fx);
	test_experiment(st, &fx);
	test_japanese(st, &fx);
	test_sound(st, &fx);
	store_close(st);
	return test_done();
}
