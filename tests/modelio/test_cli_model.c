/* test_cli_model: the commands end to end on a real workspace: import-model
 * registers a run that predict answers from, export-model writes both
 * formats, importing those gives byte-identical checkpoints and answers,
 * predict --logits prints the model's own next-token logits, and usage and
 * file errors give exit codes 2 and 1 with a message. */
#include <cjson/cJSON.h>
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

/* The logits the fixture's model gives after ids (V floats, caller frees). */
static float *model_next(const char *ckpt, const int32_t *ids, size_t n, int *V)
{
	char err[MENTOR_ERR_LEN];
	struct modelio_model mm;
	struct model *m;
	if (modelio_from_ckpt(ckpt, &mm, err) || model_new(&mm.mcfg, 1, &m, err))
		TEST_SETUP_FAIL("%s", err);
	memcpy(model_params(m), mm.params, mm.n_params * sizeof(float));
	model_set_threads(1);
	*V = mm.mcfg.vocab_size;
	float *out = malloc((size_t)*V * sizeof *out);
	if (!out || model_forward(m, ids, NULL, NULL, 1, (int)n, NULL, err))
		TEST_SETUP_FAIL("%s", err);
	memcpy(out, model_logits(m) + (n - 1) * (size_t)*V, (size_t)*V * sizeof *out);
	model_free(m);
	modelio_model_release(&mm);
	return out;
}

/* The fixture's tokenizer (caller frees). */
static struct tokenizer *fixture_tok(const char *ckpt)
{
	char err[MENTOR_ERR_LEN];
	struct modelio_model mm;
	if (modelio_from_ckpt(ckpt, &mm, err))
		TEST_SETUP_FAIL("%s", err);
	struct tokenizer *t = mm.tok;
	mm.tok = NULL;
	modelio_model_release(&mm);
	return t;
}

/* The "ids" array of predict --logits --json output as ids (caller frees). */
static int32_t *json_ids(const cJSON *j, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "ids"), *e;
	*n = 0;
	int32_t *ids = malloc(((size_t)cJSON_GetArraySize(a) + 1) * sizeof *ids);
	cJSON_ArrayForEach(e, a) ids[(*n)++] = (int32_t)e->valuedouble;
	return ids;
}

/* predict --logits on the imported fixture run "first": the numbers are the
 * model's, every form of the options, the escaping, the usage errors. */
static void check_logits(const char *ckpt)
{
	struct tokenizer *t = fixture_tok(ckpt);
	const char *text = "What is 3 + 4?";
	struct tokenizer_ids want;
	tokenizer_ids_init(&want);
	char err[MENTOR_ERR_LEN];
	tokenizer_encode(t, text, strlen(text), &want, err);
	int V;
	float *ref = model_next(ckpt, want.ids, want.n, &V);

	/* --all: every logit in id order, the raw text's ids */
	char *out;
	CHECK_INT(run("predict first 'What is 3 + 4?' --logits --all --json", &out), 0);
	cJSON *j = cJSON_Parse(out);
	CHECK_MSG(j != NULL, "%s", out);
	size_t n;
	int32_t *ids = json_ids(j, &n);
	CHECK(n == want.n && !memcmp(ids, want.ids, n * sizeof *ids));
	CHECK_INT(cJSON_GetObjectItemCaseSensitive(j, "dropped")->valuedouble, 0);
	const cJSON *lg = cJSON_GetObjectItemCaseSensitive(j, "logits"), *e;
	CHECK_INT(cJSON_GetArraySize(lg), V);
	int i = 0, close = 1;
	cJSON_ArrayForEach(e, lg)
	{
		close &= i < V && fabs(e->valuedouble - ref[i]) <= 1e-5 * fmax(1, fabs(ref[i]));
		i++;
	}
	CHECK_MSG(close, "predict --logits differs from the model's forward");
	/* the highest logit, for --top */
	int best = 0;
	for (int k = 1; k < V; k++)
		if (ref[k] > ref[best])
			best = k;
	free(ids);
	cJSON_Delete(j);
	free(out);

	/* --top=K (the split form), sorted, tokens spelled as in the vocabulary */
	CHECK_INT(run("predict first 'What is 3 + 4?' --logits --top=5 --json", &out), 0);
	j = cJSON_Parse(out);
	lg = cJSON_GetObjectItemCaseSensitive(j, "logits");
	CHECK_INT(cJSON_GetArraySize(lg), 5);
	double prev = INFINITY;
	int sorted = 1;
	cJSON_ArrayForEach(e, lg)
	{
		double v = cJSON_GetObjectItemCaseSensitive(e, "logit")->valuedouble;
		sorted &= v <= prev;
		prev = v;
		int id = (int)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
		const char *tok = cJSON_GetObjectItemCaseSensitive(e, "token")->valuestring;
		size_t len;
		const char *p = tokenizer_token(t, id, &len);
		struct buf sp;
		buf_init(&sp);
		for (size_t k = 0; p && k < len; k++) {
			char c[3];
			modelio_byte_char((unsigned char)p[k], c);
			buf_puts(&sp, c);
		}
		if (tokenizer_is_special(t, id)) {
			buf_reset(&sp);
			buf_append(&sp, p, len);
		}
		CHECK_STR(tok, sp.data ? sp.data : "");
		CHECK(fabs(v - ref[id]) <= 1e-5 * fmax(1, fabs(ref[id])));
		buf_release(&sp);
	}
	CHECK(sorted);
	CHECK_INT(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(lg, 0), "id")->valuedouble,
		  best);
	cJSON_Delete(j);
	free(out);

	/* --task ans: PREFIX text SEP, as the run was trained */
	CHECK_INT(run("predict first 'What is 3 + 4?' --logits --task ans --json --top 1", &out),
		  0);
	j = cJSON_Parse(out);
	ids = json_ids(j, &n);
	CHECK_INT(n, want.n + 2);
	CHECK_INT(ids[0], tokenizer_special(t, TOKENIZER_ANS));
	CHECK(n > 2 && !memcmp(ids + 1, want.ids, want.n * sizeof *ids));
	CHECK_INT(ids[n - 1], tokenizer_special(t, TOKENIZER_SEP));
	free(ids);
	cJSON_Delete(j);
	free(out);

	/* a prompt longer than the context keeps its last tokens */
	struct buf longp;
	buf_init(&longp);
	buf_puts(&longp, "predict first '");
	for (int k = 0; k < 40; k++)
		buf_puts(&longp, "x + 7 = y. ");
	buf_puts(&longp, "' --logits --json --top 2");
	CHECK_INT(run(longp.data, &out), 0);
	j = cJSON_Parse(out);
	ids = json_ids(j, &n);
	CHECK_INT(n, FIX_T);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "dropped")->valuedouble > 0);
	free(ids);
	cJSON_Delete(j);
	free(out);
	buf_release(&longp);

	/* human output: a table, the token bytes escaped (byte 1 is a token) */
	CHECK_INT(run("predict first 'What is 3 + 4?' --logits", &out), 0);
	char head[128];
	snprintf(head, sizeof head, "prompt: %zu tokens:", want.n);
	CHECK_MSG(strstr(out, head) != NULL, "%s", out);
	snprintf(head, sizeof head, "next-token logits, top 10 of %d:", V);
	CHECK_MSG(strstr(out, head) != NULL, "%s", out);
	free(out);
	CHECK_INT(run("predict first 'a' --logits --all", &out), 0);
	CHECK_MSG(strstr(out, "\"\\x01\"") != NULL, "%s", out);
	CHECK_MSG(strstr(out, "\"\\x00\"") != NULL, "%s", out);
	int raw = 0;
	for (const char *p = out; *p; p++)
		raw |= ((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f;
	CHECK_MSG(!raw, "a control byte reached the terminal");
	free(out);

	/* usage errors */
	static const struct {
		const char *args, *msg;
	} bad[] = {
		{"predict first 'x' --logits --top 0", "invalid value '0' for '--top'"},
		{"predict first 'x' --logits --top 3 --all", "either --top or --all"},
		{"predict first 'x' --top 3", "'--top' goes with --logits"},
		{"predict first 'x' --all", "'--all' goes with --logits"},
		{"predict first 'x' --logits --task foo", "invalid task 'foo'"},
		{"predict first 'x' --logits --type number", "'--type' does not go with"},
		{"predict first 'x' --logits --choices '[]'", "'--choices' needs --task"},
		{"predict first '' --logits", "the prompt is empty"},
		{"predict first 'x' --logits --top", "needs a value"},
		{"predict nosuchrun 'x' --logits", "nosuchrun"},
		{"predict first 'x' --type bogus", "invalid type 'bogus'"},
		{"predict first 'x' --logits --bogus", "unknown option '--bogus' for 'predict'"},
		{"predict first 'x' extra", "unexpected argument 'extra'"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		CHECK_INT(run(bad[k].args, &out), 2);
		CHECK_MSG(strstr(out, bad[k].msg) != NULL, "%s: %s", bad[k].args, out);
		free(out);
	}
	/* '' with a task is a real prompt: PREFIX SEP */
	CHECK_INT(run("predict first '' --logits --task exp --json", &out), 0);
	CHECK_MSG(strstr(out, "\"ids\":[") != NULL, "%s", out);
	free(out);
	tokenizer_ids_release(&want);
	free(ref);
	tokenizer_free(t);
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
	CHECK_INT(run("tokenize first a b", &out), 2);
	CHECK(strstr(out, "unexpected argument 'b'") != NULL);
	free(out);
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

/* The value checks and argument counts of export-model, import-model and
 * serve (all before any file or port is touched). */
static void check_usage(void)
{
	static const struct {
		const char *args, *msg;
	} bad[] = {
		{"export-model first --format=zip",
		 "unknown format 'zip': expected gguf or safetensors"},
		{"export-model first second", "unexpected argument 'second'"},
		{"export-model", "give a run"},
		{"export-model first --out", "option '--out' needs a value"},
		{"import-model a b", "unexpected argument 'b'"},
		{"import-model --name x", "give a model path"},
		{"import-model a --frob", "unknown option '--frob' for 'import-model'"},
		{"serve first --port=70000", "invalid port '70000': 0..65535"},
		{"serve first --idle-timeout 0", "invalid --idle-timeout '0': seconds, 0.01..3600"},
		{"serve first --max-conns 0", "--max-conns needs a count 1..1000"},
		{"serve first --api-key ''", "--api-key needs a non-empty key"},
		{"serve first second", "unexpected argument 'second'"},
		{"serve", "give a run"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char *out;
		CHECK_INT(run(bad[k].args, &out), 2);
		CHECK_MSG(strstr(out, bad[k].msg) != NULL, "%s: %s", bad[k].args, out);
		free(out);
	}
}

int main(void)
{
	bin = getenv("MENTOR_BIN");
	if (!bin)
		TEST_SKIP("MENTOR_BIN not set");
	db = strdup(test_path("w.db"));
	char args[2048];
	char *ckpt = strdup(test_path("ckpt.bin"));
	fixture_gguf(ckpt, test_path("orig.gguf"));

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
	/* a run trained here with a preset and a vocabulary larger than its
	 * tokenizer came out: the same files again after export, import,
	 * export (the preset, requested vocabulary and dataset are kept) */
	CHECK_INT(run("init", NULL), 0);
	CHECK_INT(run("train arith --preset tiny --vocab 2000 --steps 2 --batch 2 --threads 1 "
		      "--eval-split none --name mine",
		      NULL),
		  0);
	snprintf(args, sizeof args, "export-model mine --out '%s'", test_path("m1.gguf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "export-model mine --format hf --out '%s'", test_path("m1-hf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "import-model '%s' --name mine-back", test_path("m1.gguf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "export-model mine-back --out '%s'", test_path("m2.gguf"));
	CHECK_INT(run(args, NULL), 0);
	check_same_file(test_path("m1.gguf"), test_path("m2.gguf"));
	snprintf(args, sizeof args, "import-model '%s' --name mine-hf", test_path("m1-hf"));
	CHECK_INT(run(args, NULL), 0);
	snprintf(args, sizeof args, "export-model mine-hf --format hf --out '%s'",
		 test_path("m2-hf"));
	CHECK_INT(run(args, NULL), 0);
	const char *files[] = {"config.json", "model.safetensors", "tokenizer.json",
			       "tokenizer_config.json", "special_tokens_map.json"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char a[1024], b2[1024];
		snprintf(a, sizeof a, "%s/%s", test_path("m1-hf"), files[i]);
		snprintf(b2, sizeof b2, "%s/%s", test_path("m2-hf"), files[i]);
		check_same_file(a, b2);
	}
	CHECK_INT(run("runs --json", &out), 0);
	CHECK(strstr(out, "\"preset\":\"tiny\"") != NULL);
	free(out);
	/* predict answers the same from each */
	char *p1, *p2;
	CHECK_INT(run("predict first 'What is 3 + 4?' --json", &p1), 0);
	CHECK_INT(run("predict second 'What is 3 + 4?' --json", &p2), 0);
	CHECK(strstr(p1, "\"answer\"") != NULL);
	CHECK_STR(p1, p2);
	free(p1);
	free(p2);
	check_logits(ckpt);
	free(ckpt);
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
	check_usage();
	return test_done();
}
