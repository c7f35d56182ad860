/* test_cli_model: the commands end to end on a real workspace: import-model
 * registers a run that predict answers from, export-model writes both
 * formats, importing those gives byte-identical checkpoints and answers, and
 * usage and file errors give exit codes 2 and 1 with a message. */
#include <sys/wait.h>

#include "mentor/modelio.h"
#include "mentor/store.h"
#include "modelio_fixture.h"
#include "run.h"

static const char *bin, *db;

static int run(const char *args, char **out)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' %s 2>&1", bin, db, args);
	int st;
	char *s = run_popen(cmd, &st);
	if (out)
		*out = s;
	else
		free(s);
	return st;
}

static char *ckpt_of(const char *ref)
{
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(db, err);
	struct store_run r;
	if (!st || store_run_find(st, ref, &r, err))
		TEST_SETUP_FAIL("%s", err);
	char *p = strdup(r.checkpoint ? r.checkpoint : "");
	CHECK_STR(r.status, "done");
	CHECK_STR(r.kind, "internal");
	CHECK_STR(r.variant, "mt-cot");
	CHECK(r.config_json && strstr(r.config_json, "\"imported_from\""));
	store_run_release(&r);
	store_close(st);
	return p;
}

static void check_same_file(const char *a, const char *b)
{
	size_t na, nb;
	unsigned char *x = fixture_slurp(a, &na), *y = fixture_slurp(b, &nb);
	CHECK_MSG(na == nb && !memcmp(x, y, na), "%s and %s differ", a, b);
	free(x);
	free(y);
}

/* The ids tok gives text, space-separated, with a newline. */
static char *ids_line(const struct tokenizer *tok, const char *text)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	if (tokenizer_encode(tok, text, strlen(text), &ids, err))
		TEST_SETUP_FAIL("%s", err);
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < ids.n; i++)
		buf_printf(&b, "%s%d", i ? " " : "", (int)tokenizer_file_id(tok, ids.ids[i]));
	buf_putc(&b, '\n');
	tokenizer_ids_release(&ids);
	return buf_detach(&b, NULL);
}

/* 'mentor tokenize' on the runs imported above and on model files: the
 * ids the model's tokenizer gives, by run name, id or path, --json too;
 * usage and file errors. (GPT-2's ids: test_gpt2_tokenizer.) */
static void check_tokenize(void)
{
	char err[MENTOR_ERR_LEN], args[2048], *out;
	const char *q = "What is 3 + 4? りんごが3個。";
	struct tokenizer *tok;
	if (modelio_read_tokenizer(test_path("orig.gguf"), &tok, err))
		TEST_SETUP_FAIL("%s", err);
	CHECK_INT(tokenizer_pretok(tok), TOKENIZER_PRETOK_MENTOR);
	char *want = ids_line(tok, q);
	snprintf(args, sizeof args, "tokenize first '%s'", q);
	CHECK_INT(run(args, &out), 0);
	CHECK_STR(out, want);
	free(out);
	snprintf(args, sizeof args, "tokenize 2 '%s'", q);
	CHECK_INT(run(args, &out), 0);
	CHECK_STR(out, want);
	free(out);
	snprintf(args, sizeof args, "tokenize '%s' '%s'", test_path("orig.gguf"), q);
	CHECK_INT(run(args, &out), 0);
	CHECK_STR(out, want);
	free(out);
	snprintf(args, sizeof args, "tokenize '%s' '%s'", test_path("x-hf"), q);
	CHECK_INT(run(args, &out), 0);
	CHECK_STR(out, want);
	free(out);
	/* --json, after the arguments or before, and from standard input */
	snprintf(args, sizeof args, "tokenize first 'ab 12' --json");
	CHECK_INT(run(args, &out), 0);
	char *ab = ids_line(tok, "ab 12");
	CHECK_MSG(strncmp(out, "{\"ids\":[", 8) == 0 && strstr(out, "\"tokens\":[") &&
	              strstr(out, "\" 1\",\"2\"]}") != NULL,
	          "%s", out); /* mentor's: one digit each */
	free(out);
	snprintf(args, sizeof args, "tokenize --json first -- --not-an-option");
	CHECK_INT(run(args, &out), 0);
	CHECK(strstr(out, "\"tokens\":[") != NULL);
	free(out);
	char cmd[3000];
	snprintf(cmd, sizeof cmd, "printf 'ab 12' | '%s' --db '%s' tokenize first - 2>&1", bin, db);
	int st;
	out = run_popen(cmd, &st);
	CHECK_INT(st, 0);
	CHECK_STR(out, ab);
	free(out);
	free(ab);
	/* errors */
	CHECK_INT(run("tokenize", &out), 2);
	CHECK(strstr(out, "give a model and a text") != NULL);
	free(out);
	CHECK_INT(run("tokenize first", NULL), 2);
	CHECK_INT(run("tokenize first a b", NULL), 2);
	CHECK_INT(run("tokenize first a --frob", &out), 2);
	CHECK(strstr(out, "unknown option '--frob'") != NULL);
	free(out);
	CHECK_INT(run("tokenize nosuchrun hello", &out), 2);
	CHECK(strstr(out, "no run or model file 'nosuchrun'") != NULL);
	free(out);
	snprintf(args, sizeof args, "tokenize '%s' hello", test_path("junk.gguf"));
	CHECK_INT(run(args, &out), 1);
	CHECK(strstr(out, "junk.gguf") != NULL);
	free(out);
	snprintf(args, sizeof args, "tokenize '%s' hello", test_tmpdir());
	CHECK_INT(run(args, &out), 1);
	CHECK(strstr(out, "no tokenizer.json") != NULL);
	free(out);
	CHECK_INT(run("tokenize --help", &out), 0);
	CHECK(strstr(out, "usage: mentor tokenize") != NULL);
	free(out);
	free(want);
	tokenizer_free(tok);
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	if (!bin)
		TEST_SKIP("MENTOR_BIN not set");
	db = strdup(test_path("w.db"));
	char args[2048];
	fixture_gguf(test_path("ckpt.bin"), test_path("orig.gguf"));

	char *out;
	snprintf(args, sizeof args, "import-model '%s' --name first", test_path("orig.gguf"));
	CHECK_INT(run(args, &out), 0);
	CHECK(strstr(out, "as run 1 (") != NULL);
	free(out);
	/* both formats out, both back in */
	snprintf(args, sizeof args, "export-model first --out '%s'", test_path("x.gguf"));
	CHECK_INT(run(args, &out), 0);
	CHECK(strstr(out, "wrote ") && strstr(out, "(gguf,"));
	free(out);
	snprintf(args, sizeof args, "export-model 1 --format safetensors --out '%s'",
	         test_path("x-hf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "import-model '%s/model.safetensors' --name second",
	         test_path("x-hf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "import-model '%s' --name third --dataset imported",
	         test_path("x.gguf"));
	CHECK_INT(run(args, NULL), 0);
	char *c1 = ckpt_of("first"), *c2 = ckpt_of("second"), *c3 = ckpt_of("third");
	check_same_file(c1, c2);
	check_same_file(c1, c3);
	free(c1);
	free(c2);
	free(c3);
	/* a re-export of a re-import is the same file */
	snprintf(args, sizeof args, "export-model third --out '%s'", test_path("y.gguf"));
	CHECK_INT(run(args, NULL), 0);
	check_same_file(test_path("x.gguf"), test_path("y.gguf"));
	/* predict answers the same from each */
	char *p1, *p2;
	CHECK_INT(run("predict first 'What is 3 + 4?' --json", &p1), 0);
	CHECK_INT(run("predict second 'What is 3 + 4?' --json", &p2), 0);
	CHECK(strstr(p1, "\"answer\"") != NULL);
	CHECK_STR(p1, p2);
	free(p1);
	free(p2);
	/* the default output name */
	char cwd[1024];
	if (!getcwd(cwd, sizeof cwd) || chdir(test_tmpdir()) != 0)
		TEST_SETUP_FAIL("chdir");
	CHECK_INT(run("export-model first", NULL), 0);
	CHECK(access(test_path("first.gguf"), R_OK) == 0);
	CHECK_INT(run("export-model first --format hf", NULL), 0);
	CHECK(access(test_path("first-hf/tokenizer.json"), R_OK) == 0);
	if (chdir(cwd) != 0)
		TEST_SETUP_FAIL("chdir");
	/* errors */
	CHECK_INT(run("export-model", NULL), 2);
	CHECK_INT(run("export-model first --format onnx", &out), 2);
	CHECK(strstr(out, "unknown format 'onnx'") != NULL);
	free(out);
	CHECK_INT(run("export-model nosuchrun", NULL), 2);
	CHECK_INT(run("import-model", NULL), 2);
	CHECK_INT(run("import-model /nonexistent/model.gguf", &out), 1);
	CHECK(strstr(out, "cannot read '/nonexistent/model.gguf'") != NULL);
	free(out);
	fixture_write(test_path("junk.gguf"), "GGUF\x03\0\0\0", 8);
	snprintf(args, sizeof args, "import-model '%s'", test_path("junk.gguf"));
	CHECK_INT(run(args, &out), 1);
	CHECK(strstr(out, "truncated") != NULL);
	free(out);
	snprintf(args, sizeof args, "import-model '%s' --dataset nope", test_path("x.gguf"));
	CHECK_INT(run(args, &out), 1);
	CHECK(strstr(out, "no dataset 'nope'") != NULL);
	free(out);
	CHECK_INT(run("serve nosuchrun --port 0", NULL), 2);
	CHECK_INT(run("serve first --port 99999", NULL), 2);
	CHECK_INT(run("run-external", NULL), 2);
	CHECK_INT(run("run-external imported", NULL), 2);
	CHECK_INT(run("export-model --help", NULL), 0);
	CHECK_INT(run("import-model --help", NULL), 0);
	CHECK_INT(run("serve --help", NULL), 0);
	CHECK_INT(run("run-external --help", NULL), 0);
	check_tokenize();
	return test_done();
}
