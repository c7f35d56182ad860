/* test_store_filter: the text form of an item filter, the one the Items
 * screen saves and the Review screen and its batch read back. Every
 * combination of conditions survives format then parse; malformed,
 * truncated, huge and hostile texts leave the conditions they cannot read
 * at any, name the first bad word, and never touch the dataset or the
 * search. */
#include "mentor/store.h"
#include "mentor/util.h"
#include "test.h"

static const char *const splits[] = {NULL, "train", "dev", "test"};
static const char *const reviews[] = {NULL, "pending", "accepted", "rejected", "flagged", "none"};
static const char *const modes[] = {NULL, "cot", "rp", "crop"};
#define N(a) (sizeof a / sizeof a[0])

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same(const struct store_item_filter *a, const struct store_item_filter *b)
{
	return a->dataset_id == b->dataset_id && same_str(a->split, b->split) &&
	       same_str(a->search, b->search) && same_str(a->review, b->review) &&
	       same_str(a->mode, b->mode) && a->correct == b->correct && a->leaked == b->leaked;
}

/* Parse text into a fresh filter; returns the code, err kept. */
static int parse(const char *text, struct store_item_filter *f, char *err)
{
	store_item_filter_init(f);
	err[0] = '\0';
	return store_item_filter_parse(f, text, err);
}

static void round_trip(void)
{
	size_t n = 0, longest = 0;
	for (size_t a = 0; a < N(splits); a++)
		for (size_t b = 0; b < N(reviews); b++)
			for (size_t c = 0; c < N(modes); c++)
				for (int r = -1; r <= 1; r++)
					for (int l = -1; l <= 1; l += 2) {
						struct store_item_filter f, g;
						store_item_filter_init(&f);
						f.split = splits[a];
						f.review = reviews[b];
						f.mode = modes[c];
						f.correct = r;
						f.leaked = l;
						char text[STORE_FILTER_TEXT_MAX],
							err[MENTOR_ERR_LEN];
						store_item_filter_format(&f, text, sizeof text);
						if (strlen(text) > longest)
							longest = strlen(text);
						CHECK_MSG(parse(text, &g, err) == 0, "%s: %s", text,
							  err);
						CHECK_MSG(same(&f, &g), "%s", text);
						n++;
					}
	CHECK_INT(n, 4 * 6 * 4 * 3 * 2);
	CHECK(longest + 1 <= STORE_FILTER_TEXT_MAX);
	/* the form Items has always written */
	struct store_item_filter f;
	store_item_filter_init(&f);
	char text[STORE_FILTER_TEXT_MAX];
	store_item_filter_format(&f, text, sizeof text);
	CHECK_STR(text, "split:any review:any mode:any result:any leaked:any");
	f.split = "dev";
	f.review = "flagged";
	f.mode = "crop";
	f.correct = 0;
	f.leaked = 1;
	store_item_filter_format(&f, text, sizeof text);
	CHECK_STR(text, "split:dev review:flagged mode:crop result:wrong leaked:yes");
	/* a short buffer is cut and ended; none is left alone */
	char small[8];
	store_item_filter_format(&f, small, sizeof small);
	CHECK_STR(small, "split:d");
	small[0] = 'Q';
	store_item_filter_format(&f, small, 0);
	CHECK(small[0] == 'Q');
}

static void good_texts(void)
{
	struct store_item_filter f, want;
	char err[MENTOR_ERR_LEN];
	store_item_filter_init(&want);
	CHECK_INT(parse(NULL, &f, err), 0);
	CHECK(same(&f, &want));
	CHECK_INT(parse("", &f, err), 0);
	CHECK(same(&f, &want));
	CHECK_INT(parse("     ", &f, err), 0);
	CHECK(same(&f, &want));
	/* extra spaces, any order, a key left out */
	CHECK_INT(parse("  leaked:yes   mode:rp split:test ", &f, err), 0);
	CHECK_STR(f.split, "test");
	CHECK_STR(f.mode, "rp");
	CHECK(f.review == NULL);
	CHECK_INT(f.correct, -1);
	CHECK_INT(f.leaked, 1);
	CHECK_INT(parse("result:correct", &f, err), 0);
	CHECK_INT(f.correct, 1);
	CHECK_INT(parse("result:wrong", &f, err), 0);
	CHECK_INT(f.correct, 0);
	/* a later word wins, any included */
	CHECK_INT(parse("split:dev split:train review:none review:any", &f, err), 0);
	CHECK_STR(f.split, "train");
	CHECK(f.review == NULL);
	/* the dataset and the search are not the text's */
	store_item_filter_init(&f);
	f.dataset_id = 7;
	f.search = "re:^a";
	f.split = "dev";
	CHECK_INT(store_item_filter_parse(&f, "mode:cot", err), 0);
	CHECK_INT(f.dataset_id, 7);
	CHECK_STR(f.search, "re:^a");
	CHECK_STR(f.split, "dev");
	CHECK_STR(f.mode, "cot");
	/* the strings set are the store's: the text may go away */
	char *heap = util_strdup("split:dev review:pending");
	CHECK_INT(parse(heap, &f, err), 0);
	free(heap);
	CHECK_STR(f.split, "dev");
	CHECK_STR(f.review, "pending");
}

/* text is bad: MENTOR_EUSAGE, err names the word, what is readable read. */
static void bad(const char *text, const char *word, const struct store_item_filter *want)
{
	struct store_item_filter f;
	char err[MENTOR_ERR_LEN];
	CHECK_MSG(parse(text, &f, err) == MENTOR_EUSAGE, "'%s' accepted", text);
	CHECK_MSG(strstr(err, "bad filter word") && strstr(err, word), "'%s': %s", text, err);
	CHECK_MSG(same(&f, want), "'%s' read wrong", text);
}

static void bad_texts(void)
{
	struct store_item_filter any, dev;
	store_item_filter_init(&any);
	store_item_filter_init(&dev);
	dev.split = "dev";
	/* malformed */
	bad("split", "'split'", &any);
	bad(":train", "':train'", &any);
	bad("split:", "'split:'", &any);
	bad("split:bogus", "'split:bogus'", &any);
	bad("foo:bar split:dev", "'foo:bar'", &dev);
	bad("split:dev:test", "'split:dev:test'", &any);
	bad("SPLIT:dev", "SPLIT", &any);
	bad("split:Dev", "Dev", &any);
	bad("split:dev\tmode:rp", "split:dev", &any);
	bad("split:dev leaked:no", "leaked:no", &dev);
	bad("split:dev result:maybe", "result:maybe", &dev);
	/* a bad value resets the condition, as if it were any */
	bad("split:dev split:bogus", "split:bogus", &any);
	bad("split:test bogus split:dev", "'bogus'", &dev);
	/* truncated in the middle of a word */
	bad("split:tr", "split:tr", &any);
	bad("split:dev review:pend", "review:pend", &dev);
	bad("split:dev leaked:y", "leaked:y", &dev);
	bad("split:dev result:correc", "result:correc", &dev);
	bad("split:dev mode", "'mode'", &dev);
	/* hostile: escapes, bad UTF-8, a NUL inside ends the text */
	bad("split:\x1b[2Jdev", "split:", &any);
	bad("split:dev mode:\xff\xfe", "mode:", &dev);
	bad("split:dev\xc3", "split:dev", &any);
	char nul[] = "split:dev\0mode:zzz";
	struct store_item_filter f;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(nul, &f, err), 0);
	CHECK(same(&f, &dev));
	/* only the first bad word is named */
	CHECK_INT(parse("one two:2 split:dev", &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "'one'") && !strstr(err, "two"));
	CHECK(same(&f, &dev));
}

/* n bytes of c, NUL ended (heap). */
static char *filled(size_t n, char c)
{
	char *s = malloc(n + 1);
	if (!s)
		TEST_SETUP_FAIL("out of memory");
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void huge_texts(void)
{
	char err[MENTOR_ERR_LEN];
	struct store_item_filter f, want;
	/* one word of 60,000 bytes: named, cut in the message */
	size_t n = 60000;
	char *w = filled(n, 'a');
	memcpy(w, "split:", 6);
	store_item_filter_init(&want);
	CHECK_INT(parse(w, &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "bad filter word 'split:aaa") != NULL);
	CHECK(strlen(err) < 200);
	CHECK(same(&f, &want));
	free(w);
	/* a megabyte: the first 64 KiB are read, the rest refused */
	n = 1 << 20;
	char *big = filled(n, ' ');
	memcpy(big, "split:dev", 9);
	memcpy(big + n - 7, "mode:rp", 7);
	CHECK_INT(parse(big, &f, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "too long") != NULL);
	want.split = "dev";
	CHECK(same(&f, &want));
	/* many good words (48 KB): the last of each key wins */
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 3000; i++)
		if (buf_puts(&b, i % 2 ? "split:test " : "split:train mode:cot "))
			TEST_SETUP_FAIL("out of memory");
	CHECK_INT(parse(b.data, &f, err), 0);
	CHECK_STR(f.split, "test");
	CHECK_STR(f.mode, "cot");
	buf_release(&b);
	free(big);
}

int main(void)
{
	round_trip();
	good_texts();
	bad_texts();
	huge_texts();
	return test_done();
}
