/* make_seeds: writes the seed inputs of the harnesses whose inputs are
 * binary or must match state the harness builds (model files, checkpoints, a
 * tokenizer image, batch output answering the harness's own requests) into
 * DIR/<harness>/. Run by hand when a format changes:
 *   BUILD/tests/fuzz/make_seeds tests/fuzz/corpus
 * The text seeds of the other harnesses are written by hand. Seeds of older
 * formats (tokenizer/image_v2) stay as an older mentor wrote them. */
#include <cjson/cJSON.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "fuzz_model.h"
#include "fuzz_ws.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/util.h"

static const char *root;

static char *read_all(const char *path, size_t *n)
{
	char err[MENTOR_ERR_LEN];
	char *s = util_read_file(path, (size_t)64 << 20, n, err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		exit(99);
	}
	return s;
}

/* Write DIR/harness/name: an optional prefix byte (< 0: none), then data. */
static void seed(const char *harness, const char *name, int prefix, const void *data, size_t n)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", root, harness);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/%s/%s", root, harness, name);
	struct buf b;
	buf_init(&b);
	if (prefix >= 0)
		buf_putc(&b, prefix);
	buf_append(&b, data, n);
	fuzz_write(p, b.data, b.len);
	printf("wrote %s (%zu bytes)\n", p, b.len);
	buf_release(&b);
}

static void seed_file(const char *harness, const char *name, int prefix, const char *path)
{
	size_t n;
	char *s = read_all(path, &n);
	seed(harness, name, prefix, s, n);
	free(s);
}

/* One Batch API output line answering request line req. */
static void answer_line(struct buf *b, const char *req, int n, int status, const char *text)
{
	cJSON *r = cJSON_Parse(req);
	const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "custom_id"));
	cJSON *o = cJSON_CreateObject();
	char id[64];
	snprintf(id, sizeof id, "batch_req_%d", n);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "custom_id", cid ? cid : "");
	cJSON *resp = cJSON_AddObjectToObject(o, "response");
	cJSON_AddNumberToObject(resp, "status_code", status);
	cJSON *body = cJSON_AddObjectToObject(resp, "body");
	if (status == 200) {
		cJSON_AddStringToObject(body, "object", "chat.completion");
		cJSON *ch = cJSON_AddArrayToObject(body, "choices");
		cJSON *c0 = cJSON_CreateObject();
		cJSON_AddItemToArray(ch, c0);
		cJSON *m = cJSON_AddObjectToObject(c0, "message");
		cJSON_AddStringToObject(m, "role", "assistant");
		cJSON_AddStringToObject(m, "content", text);
		cJSON_AddStringToObject(c0, "finish_reason", "stop");
		cJSON *u = cJSON_AddObjectToObject(body, "usage");
		cJSON_AddNumberToObject(u, "prompt_tokens", 20);
		cJSON_AddNumberToObject(u, "completion_tokens", 9);
	} else {
		cJSON *e = cJSON_AddObjectToObject(body, "error");
		cJSON_AddStringToObject(e, "message", "rate limited");
	}
	cJSON_AddNullToObject(o, "error");
	char *s = cJSON_PrintUnformatted(o);
	buf_puts(b, s);
	buf_putc(b, '\n');
	free(s);
	cJSON_Delete(o);
	cJSON_Delete(r);
}

static void batch_seeds(void)
{
	char *db = fuzz_path("ws.db"), *req = fuzz_path("requests.jsonl");
	struct config cfg;
	struct teacher_opts o;
	int64_t ds;
	fuzz_ws_create(db, &cfg, &o, &ds, req);
	size_t n;
	char *reqs = read_all(req, &n);
	static const char *const replies[] = {"3 + 4 = 7. So the answer is 7.",
					      "The sun is a star. So the answer is (A).",
					      "Ice is frozen water. So the answer is yes.",
					      "I cannot tell.",
					      "The answer is 8.",
					      "So the answer is (B).",
					      "No idea at all here."};
	struct buf good, mixed;
	buf_init(&good);
	buf_init(&mixed);
	int k = 0;
	char *save = NULL;
	for (char *line = strtok_r(reqs, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		answer_line(&good, line, k, 200, replies[k % 7]);
		answer_line(&mixed, line, k, k % 3 == 1 ? 429 : 200, replies[(k + 3) % 7]);
	}
	buf_puts(&mixed, "{\"custom_id\":\"mentor:d1:i999:cot:cot:0123456789abcdef\"}\n"
			 "not json at all\n\n{\"id\":1}\n");
	if (good.len)
		seed("batch", "answers", -1, good.data, good.len);
	if (mixed.len)
		seed("batch", "mixed", -1, mixed.data, mixed.len);
	buf_release(&good);
	buf_release(&mixed);
	free(reqs);
	config_release(&cfg);
	free(db);
	free(req);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
		return 2;
	}
	root = argv[1];
	char *ck = fuzz_path("tiny.ckpt"), *gg = fuzz_path("tiny.gguf"), *hf = fuzz_path("hf");
	fuzz_tiny_ckpt(ck);
	seed_file("ckpt", "tiny", -1, ck);
	fuzz_tiny_gguf(gg);
	seed_file("gguf", "tiny", -1, gg);
	fuzz_tiny_hf(hf);
	static const char *const files[] = {"model.safetensors", "config.json", "tokenizer.json"};
	for (int i = 0; i < 3; i++) {
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", hf, files[i]);
		seed_file("safetensors", files[i], i, p);
	}

	struct modelio_model mm;
	char err[MENTOR_ERR_LEN];
	if (modelio_from_ckpt(ck, &mm, err)) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}
	struct buf img;
	buf_init(&img);
	if (tokenizer_save(mm.tok, &img, err)) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}
	seed("tokenizer", "image", 3, img.data, img.len);
	/* the same merges with GPT-2's pre-tokenizer and a foreign numbering
	 * (bytes last, <|eos|> after them, the other specials absent) */
	{
		int nm = tokenizer_num_merges(mm.tok), V = tokenizer_vocab_size(mm.tok);
		int32_t *pairs = malloc(((size_t)nm + 1) * 2 * sizeof *pairs);
		int32_t *fid = malloc((size_t)V * sizeof *fid);
		if (!pairs || !fid)
			return 99;
		for (int r = 0; r < nm; r++)
			tokenizer_merge(mm.tok, r, &pairs[2 * r], &pairs[2 * r + 1]);
		for (int i = 0; i < V; i++)
			fid[i] = i < 256 ? nm + i : i < 256 + nm ? i - 256 : -1;
		fid[256 + nm + TOKENIZER_EOS] = nm + 256;
		struct tokenizer *g;
		buf_reset(&img);
		if (tokenizer_build(pairs, (size_t)nm, TOKENIZER_PRETOK_GPT2, fid, &g, err) ||
		    tokenizer_save(g, &img, err)) {
			fprintf(stderr, "%s\n", err);
			return 99;
		}
		seed("tokenizer", "image_gpt2", 3, img.data, img.len);
		tokenizer_free(g);
		free(pairs);
		free(fid);
	}
	buf_release(&img);
	modelio_model_release(&mm);
	batch_seeds();
	free(ck);
	free(gg);
	free(hf);
	return 0;
}
