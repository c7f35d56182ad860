/* test_report_pure: the pieces of the report and the export that need no
 * workspace: HTML escaping, ticks, SVG charts, accuracy, the fixed/broken
 * ordering, and the text shaping of exported records. */
#include <math.h>

#include "htmlcheck.h"
#include "mentor/export.h"
#include "mentor/report.h"
#include "test.h"

static char *esc(const char *s, size_t n)
{
	static struct buf b;
	buf_release(&b);
	buf_init(&b);
	CHECK_INT(report_html_escape_n(&b, s, n), 0);
	return b.data ? b.data : (char *)"";
}

static void test_escape(void)
{
	CHECK_STR(esc("a&b<c>d\"e'f", 11), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	CHECK_STR(esc("<script>alert(1)</script>", 25), "&lt;script&gt;alert(1)&lt;/script&gt;");
	/* tab and newline kept, CR dropped, other controls visible */
	CHECK_STR(esc("a\tb\r\nc\x1b[31m\x7f", 12), "a\tb\nc\\x1b[31m\\x7f");
	CHECK_STR(esc("x\0y", 3), "x\\x00y");
	/* UTF-8 kept byte for byte; Japanese needs no escaping */
	const char *ja = "日本語のテキスト、「引用」";
	CHECK_STR(esc(ja, strlen(ja)), ja);
	/* invalid UTF-8: lone continuation, truncated sequence, overlong */
	CHECK_STR(esc("a\x80z", 3), "a\\x80z");
	CHECK_STR(esc("a\xE3\x81", 3), "a\\xe3\\x81");
	CHECK_STR(esc("\xC0\xAF", 2), "\\xc0\\xaf");
	/* bidi and invisible characters visible on top of HTML escaping; a lone
	 * CR visible too */
	CHECK_STR(esc("a\xE2\x80\xAE<b\xE2\x81\xA6\xEF\xBB\xBF\xC2\x9B\rc", 16),
		  "a\\u202e&lt;b\\u2066\\ufeff\\u009b\\rc");
	/* joiners and combining marks are text */
	CHECK_STR(esc("e\xCC\x81\xE2\x80\x8D", 6), "e\xCC\x81\xE2\x80\x8D");
	/* C1 control U+0085 and non-character U+FFFE become visible escapes */
	CHECK_STR(esc("a\xC2\x85"
		      "b\xEF\xBF\xBE",
		      7),
		  "a\\u0085b\\ufffe");
	struct buf b;
	buf_init(&b);
	CHECK_INT(report_html_escape(&b, NULL), 0);
	CHECK_INT((long long)b.len, 0);
	/* huge hostile input: escaped completely, output passes the checker */
	size_t n = 200000;
	char *big = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = "<>&\"'\x01\x80x"[i % 8];
	big[n] = '\0';
	CHECK_INT(report_html_escape(&b, big), 0);
	CHECK(!memchr(b.data, '<', b.len) && !memchr(b.data, '>', b.len));
	CHECK(!memchr(b.data, '"', b.len) && !memchr(b.data, '\'', b.len));
	CHECK(!memchr(b.data, 1, b.len));
	char why[200] = "";
	struct buf page;
	buf_init(&page);
	buf_puts(&page, "<p>");
	buf_append(&page, b.data, b.len);
	buf_puts(&page, "</p>");
	CHECK_MSG(hc_check(page.data, 0, why, sizeof why) == 0, "%s", why);
	free(big);
	buf_release(&b);
	buf_release(&page);
	/* a limited buffer reports out-of-memory instead of truncating silently */
	buf_init(&b);
	b.limit = 10;
	CHECK_INT(report_html_escape(&b, "<<<<<<<<<<"), MENTOR_ENOMEM);
	buf_release(&b);
}

static void test_ticks(void)
{
	double f, st;
	int n = report_ticks(0, 1, 5, &f, &st);
	CHECK_NEAR(f, 0, 1e-12);
	CHECK_NEAR(st, 0.2, 1e-12);
	CHECK_INT(n, 6);
	n = report_ticks(1.23, 2.87, 6, &f, &st);
	CHECK(f <= 1.23 && f + (n - 1) * st >= 2.87 - 1e-9);
	CHECK_NEAR(st, 0.5, 1e-12);
	CHECK(n <= 7 + 1);
	n = report_ticks(0, 2000, 8, &f, &st);
	CHECK_NEAR(st, 250 > 200 ? 500 : 200, 300); /* a 1-2-5 step */
	CHECK(fabs(st - 200) < 1e-9 || fabs(st - 250) < 1e-9 || fabs(st - 500) < 1e-9);
	/* degenerate ranges are widened, never divide by zero */
	n = report_ticks(3, 3, 5, &f, &st);
	CHECK(st > 0 && n >= 2 && f <= 3 && f + (n - 1) * st >= 3);
	n = report_ticks(0, 0, 5, &f, &st);
	CHECK(st > 0 && n >= 2 && f >= 0);
	n = report_ticks(NAN, INFINITY, 5, &f, &st);
	CHECK(st > 0 && n >= 2 && isfinite(f));
	n = report_ticks(5, -5, 4, &f, &st); /* swapped */
	CHECK(f <= -5 && f + (n - 1) * st >= 5);
	n = report_ticks(1e-9, 2e-9, 5, &f, &st);
	CHECK(st > 0 && n >= 2 && n <= 12);
}

/* The numbers of the n-th points="..." attribute. */
static int polyline_points(const char *svg, int nth, double *xy, int cap)
{
	const char *p = svg;
	for (int k = 0; k <= nth; k++) {
		p = strstr(p, "<polyline");
		if (!p)
			return -1;
		p++;
	}
	p = strstr(p, "points=\"");
	if (!p)
		return -1;
	p += 8;
	int n = 0;
	while (*p && *p != '"' && n < cap) {
		char *end;
		xy[n++] = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		if (*p == ',' || *p == ' ')
			p++;
	}
	return n;
}

static void test_chart(void)
{
	double x[] = {0, 10, 20, 30, 40}, y[] = {1.0, 0.8, 0.5, 0.4, 0.0};
	double x2[] = {0, 40}, y2[] = {1.0, 1.0};
	struct report_series s[2] = {
		{"run <a>", x, y, 5, 0, 0},
		{"日本語の系列", x2, y2, 2, 1, 1},
	};
	struct report_chart c = {.title = "Loss & \"more\"", .x_label = "step", .y_label = "loss"};
	struct buf b;
	buf_init(&b);
	CHECK_INT(report_svg_chart(&b, &c, s, 2), 0);
	char why[200] = "";
	CHECK_MSG(hc_check(b.data, 0, why, sizeof why) == 0, "%s", why);
	CHECK_INT(hc_count(b.data, "<svg"), 1);
	CHECK_INT(hc_count(b.data, "<polyline"), 2);
	CHECK(strstr(b.data, "xmlns") == NULL);
	CHECK(strstr(b.data, "Loss &amp; &quot;more&quot;") != NULL);
	CHECK(strstr(b.data, "run &lt;a&gt;") != NULL);
	CHECK(strstr(b.data, "日本語の系列") != NULL);
	CHECK(strstr(b.data, "stroke-dasharray") != NULL);
	CHECK(strstr(b.data, "Noto Sans CJK JP") != NULL);
	/* geometry: x in [0,40] spans the plot width, y in [0,1] its height */
	double xy[20];
	CHECK_INT(polyline_points(b.data, 0, xy, 20), 10);
	double left = REPORT_CHART_LEFT, right = REPORT_CHART_W - REPORT_CHART_LEGEND - 16;
	double top = REPORT_CHART_TOP, bottom = REPORT_CHART_H - REPORT_CHART_BOTTOM;
	CHECK_NEAR(xy[0], left, 0.06);
	CHECK_NEAR(xy[1], top, 0.06); /* y = 1.0 at the top */
	CHECK_NEAR(xy[8], right, 0.06);
	CHECK_NEAR(xy[9], bottom, 0.06); /* y = 0 at the bottom */
	CHECK_NEAR(xy[4], (left + right) / 2, 0.06);
	CHECK_NEAR(xy[5], bottom - 0.5 * (bottom - top), 0.06);
	for (int i = 2; i < 10; i += 2)
		CHECK(xy[i] > xy[i - 2]);
	/* tick labels of both axes */
	CHECK(strstr(b.data, ">0.2</text>") && strstr(b.data, ">40</text>"));
	buf_release(&b);

	/* standalone: XML declaration and namespace, still well formed */
	buf_init(&b);
	c.standalone = 1;
	CHECK_INT(report_svg_chart(&b, &c, s, 2), 0);
	CHECK(!strncmp(b.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38));
	CHECK(strstr(b.data, "xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
	CHECK_MSG(hc_check(b.data, 1, why, sizeof why) == 0, "%s", why);
	buf_release(&b);

	/* non-finite points are skipped; a lone point gets a marker */
	double xn[] = {NAN, 1, INFINITY}, yn[] = {1, 2, 3};
	struct report_series one = {"one", xn, yn, 3, 2, 0};
	buf_init(&b);
	CHECK_INT(report_svg_chart(&b, NULL, &one, 1), 0);
	CHECK(strstr(b.data, "nan") == NULL && strstr(b.data, "inf") == NULL);
	CHECK_INT(polyline_points(b.data, 0, xy, 20), 2);
	CHECK_INT(hc_count(b.data, "<circle"), 1);
	CHECK_MSG(hc_check(b.data, 0, why, sizeof why) == 0, "%s", why);
	buf_release(&b);

	/* nothing to draw */
	buf_init(&b);
	CHECK_INT(report_svg_chart(&b, NULL, NULL, 0), 0);
	CHECK(strstr(b.data, "no data") != NULL);
	CHECK_INT(hc_count(b.data, "<polyline"), 0);
	CHECK_MSG(hc_check(b.data, 0, why, sizeof why) == 0, "%s", why);
	buf_release(&b);

	/* many points: every one drawn */
	enum { BIG = 5000 };
	double *bx = malloc(BIG * sizeof *bx), *by = malloc(BIG * sizeof *by);
	for (int i = 0; i < BIG; i++) {
		bx[i] = i;
		by[i] = 3.0 / (1 + i);
	}
	struct report_series big = {"big", bx, by, BIG, 0, 0};
	buf_init(&b);
	CHECK_INT(report_svg_chart(&b, NULL, &big, 1), 0);
	double *pts = malloc(2 * BIG * sizeof *pts);
	CHECK_INT(polyline_points(b.data, 0, pts, 2 * BIG), 2 * BIG);
	free(pts);
	free(bx);
	free(by);
	buf_release(&b);
}

static struct store_pred mk(int64_t item, const char *split, int correct, int cot_correct)
{
	struct store_pred p;
	memset(&p, 0, sizeof p);
	p.item_id = item;
	p.split = (char *)split;
	p.correct = correct;
	p.cot_correct = cot_correct;
	return p;
}

static void test_accuracy_cases(void)
{
	struct store_pred run[] = {
		mk(1, "test", 0, 0), mk(2, "test", 1, 1),  mk(3, "test", 1, 1), mk(4, "test", 1, 0),
		mk(5, "test", 1, 1), mk(6, "test", 0, -1), mk(7, "dev", 1, -1),
	};
	struct store_pred vs[] = {
		/* deliberately not sorted by item */
		mk(6, "test", 0, -1), mk(1, "test", 1, -1), mk(3, "test", 1, -1),
		mk(2, "test", 0, -1), mk(4, "test", 0, -1), mk(5, "test", 1, -1),
	};
	struct report_acc a;
	report_accuracy(run, 7, "test", &a);
	CHECK_INT(a.n, 6);
	CHECK_INT(a.correct, 4);
	CHECK_INT(a.cot_n, 5);
	CHECK_INT(a.cot_correct, 3);
	report_accuracy(run, 7, NULL, &a);
	CHECK_INT(a.n, 7);
	CHECK_INT(a.correct, 5);
	report_accuracy(run, 7, "train", &a);
	CHECK_INT(a.n, 0);
	CHECK_NEAR(report_ratio(a.correct, a.n), -1, 0);
	CHECK_NEAR(report_ratio(2, 3), 2.0 / 3, 1e-12);

	struct report_case *cs;
	size_t n;
	int64_t counts[REPORT_CASE_N];
	CHECK_INT(report_cases(run, 7, vs, 6, 100, &cs, &n, counts), 0);
	CHECK_INT((long long)n, 7);
	int64_t want_items[] = {2, 4, 1, 6, 3, 5, 7};
	int want_kind[] = {REPORT_CASE_FIXED,      REPORT_CASE_FIXED,      REPORT_CASE_BROKEN,
			   REPORT_CASE_BOTH_WRONG, REPORT_CASE_BOTH_RIGHT, REPORT_CASE_BOTH_RIGHT,
			   REPORT_CASE_RIGHT};
	for (size_t i = 0; i < n && i < 7; i++) {
		CHECK_INT(cs[i].item_id, want_items[i]);
		CHECK_INT(cs[i].kind, want_kind[i]);
		CHECK(cs[i].run && cs[i].run->item_id == cs[i].item_id);
		CHECK(cs[i].item_id == 7 ? cs[i].vs == NULL : cs[i].vs->item_id == cs[i].item_id);
	}
	CHECK_INT(counts[REPORT_CASE_FIXED], 2);
	CHECK_INT(counts[REPORT_CASE_BROKEN], 1);
	CHECK_INT(counts[REPORT_CASE_BOTH_RIGHT], 2);
	CHECK_INT(counts[REPORT_CASE_BOTH_WRONG], 1);
	CHECK_INT(counts[REPORT_CASE_RIGHT], 1);
	free(cs);
	/* capped: the fixed and broken cases survive the cap */
	CHECK_INT(report_cases(run, 7, vs, 6, 3, &cs, &n, NULL), 0);
	CHECK_INT((long long)n, 3);
	CHECK(n == 3 && cs[0].kind == REPORT_CASE_FIXED && cs[2].kind == REPORT_CASE_BROKEN);
	free(cs);
	/* no comparison: wrong first */
	CHECK_INT(report_cases(run, 7, NULL, 0, 100, &cs, &n, counts), 0);
	CHECK(n == 7 && cs[0].kind == REPORT_CASE_WRONG && cs[0].item_id == 1 &&
	      cs[1].item_id == 6 && cs[2].kind == REPORT_CASE_RIGHT);
	CHECK_INT(counts[REPORT_CASE_WRONG], 2);
	free(cs);
	CHECK_INT(report_cases(NULL, 0, vs, 6, 100, &cs, &n, counts), 0);
	CHECK(n == 0 && cs == NULL);
	CHECK_STR(report_case_name(REPORT_CASE_FIXED), "fixed");
	CHECK_STR(report_case_name(REPORT_CASE_BROKEN), "broken");
	CHECK_STR(report_case_name(99), "?");
}

static const char *target(const char *variant, const char *expl, const char *ans)
{
	static struct buf b;
	buf_release(&b);
	buf_init(&b);
	int rc = export_target(&b, variant, expl, ans);
	return rc == MENTOR_EUSAGE ? "EUSAGE" : rc ? "ERR" : b.data ? b.data : "";
}

static void test_export_text(void)
{
	CHECK_INT((long long)export_strip_answer("2 and 3 make 5. So the answer is 5."), 15);
	CHECK_INT((long long)export_strip_answer("Therefore, the answer is 8."), 0);
	CHECK_INT((long long)export_strip_answer("x is 5.5 so the answer is 5.5"), 8);
	CHECK_INT((long long)export_strip_answer("I think the answer is 5."), 24);
	CHECK_INT((long long)export_strip_answer("Add. Thus, the answer is 5"), 4);
	CHECK_INT((long long)export_strip_answer("Alsothe answer is 5"), 19);
	CHECK_INT((long long)export_strip_answer("No final sentence here"), 22);
	CHECK_INT((long long)export_strip_answer("The answer is long.\nThen more lines."), 36);
	CHECK_INT((long long)export_strip_answer("trailing   \n "), 8);
	CHECK_INT((long long)export_strip_answer(NULL), 0);
	CHECK_INT((long long)export_strip_answer("3 + 4 = 7。So the answer is 7."), 12);
	CHECK_INT((long long)export_strip_answer("3 + 4 = 7。The answer is 7."), 12);

	CHECK_STR(target("mt-cot", "2 and 3 make 5. So the answer is 5.", "5"),
		  "2 and 3 make 5. So the answer is 5.");
	CHECK_STR(target(NULL, "Add them.", "5"), "Add them. So the answer is 5.");
	CHECK_STR(target("mt-ra", "2 and 3 make 5. So the answer is 5.", "5"),
		  "5, because 2 and 3 make 5.");
	CHECK_STR(target("mt-re", "2 and 3 make 5. So the answer is 5.", "5"), "2 and 3 make 5.");
	CHECK_STR(target("mt-cot", "The answer is 5.", "5"), "So the answer is 5.");
	CHECK_STR(target("mt-ra", "", "5"), "5");
	CHECK_STR(target("mt-xx", "e", "5"), "EUSAGE");
	CHECK_STR(target("mt-cot", "bad \xFF byte", "5"),
		  "bad \xEF\xBF\xBD byte So the answer is 5.");

	struct buf b;
	buf_init(&b);
	CHECK_INT(export_question_text(&b, "Which?",
				       "[{\"label\":\"A\",\"text\":\"4\"},"
				       "{\"label\":\"B\",\"text\":\"五\"}]"),
		  0);
	CHECK_STR(b.data, "Which?\nAnswer choices: (A) 4 (B) 五");
	buf_reset(&b);
	/* malformed and truncated choices are ignored, the question stays */
	CHECK_INT(export_question_text(&b, "Q", "[{\"label\":"), 0);
	CHECK_STR(b.data, "Q");
	buf_reset(&b);
	CHECK_INT(export_question_text(&b, "Q", "{\"not\":\"an array\"}"), 0);
	CHECK_STR(b.data, "Q");
	buf_reset(&b);
	CHECK_INT(export_question_text(&b, "Q", "[]"), 0);
	CHECK_STR(b.data, "Q");
	buf_reset(&b);
	CHECK_INT(export_question_text(&b, "Q", "[1, \"x\", {\"text\":\"only text\"}]"), 0);
	CHECK_STR(b.data, "Q\nAnswer choices: only text");
	buf_reset(&b);
	CHECK_INT(export_clean_utf8(&b, "ok \xE3\x81\x82 \xC3 end"), 0);
	CHECK_STR(b.data, "ok \xE3\x81\x82 \xEF\xBF\xBD end");
	buf_release(&b);

	int f = -1, s = -1;
	CHECK(export_format_parse("chat", &f) == 0 && f == EXPORT_CHAT);
	CHECK(export_format_parse("alpaca", &f) == 0 && f == EXPORT_ALPACA);
	CHECK(export_format_parse("mt", &f) == 0 && f == EXPORT_MT);
	CHECK(export_format_parse("sharegpt", &f) == -1 && export_format_parse(NULL, &f) == -1);
	CHECK(export_status_parse("all", &s) == 0 && s == EXPORT_STATUS_ALL);
	CHECK(export_status_parse("accepted", &s) == 0 && s == EXPORT_STATUS_ACCEPTED);
	CHECK(export_status_parse("rejected", &s) == -1);
}

/* The checker the report tests rely on rejects what it must. */
static void test_checker(void)
{
	char why[200];
	CHECK(hc_check("<!DOCTYPE html>\n<html><body><p>a &amp; b</p></body></html>", 0, why,
		       sizeof why) == 0);
	const char *bad[] = {
		"<p><script>x</script></p>",      /* script */
		"<div><p>x</div></p>",            /* crossed tags */
		"<p>x",                           /* never closed */
		"<p>a & b</p>",                   /* bare ampersand */
		"<p>a &foo; b</p>",               /* unknown entity */
		"<p>1 > 0</p>",                   /* raw '>' */
		"<p class=x>y</p>",               /* unquoted attribute */
		"<marquee>x</marquee>",           /* unknown element */
		"<p>see https://example.org</p>", /* external reference */
		"<div style=\"background:url(x.png)\"></div>",
		"<span>a\x1b[31m</span>", /* raw control byte */
		NULL,
	};
	for (int i = 0; bad[i]; i++)
		CHECK_MSG(hc_check(bad[i], 0, why, sizeof why) != 0, "accepted: %s", bad[i]);
	/* XML mode: no void elements */
	CHECK(hc_check("<svg><meta></svg>", 1, why, sizeof why) != 0);
	CHECK(hc_check("<svg><rect/></svg>", 1, why, sizeof why) == 0);
	CHECK_INT(hc_count("<svg><svg>", "<svg"), 2);
}

int main(void)
{
	test_checker();
	test_escape();
	test_ticks();
	test_chart();
	test_accuracy_cases();
	test_export_text();
	return test_done();
}
