/* cli_model: trained models out and in (export-model, import-model), their
 * tokenizers (tokenize), the OpenAI-compatible server (serve) and runs of
 * external trainers (run-external). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mentor/cli.h"
#include "mentor/export.h"
#include "mentor/extrun.h"
#include "mentor/modelio.h"
#include "mentor/serve.h"
#include "mentor/store.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

/* ------------------------------------------------------------ export-model */

static const struct cli_option export_model_opts[] = {
	{"--format", NULL, "F",
	 "gguf (the default): one GGUF v3 file (llama.cpp, llama-server, Ollama), default PATH "
	 "RUN.gguf;\nsafetensors: a Hugging Face folder (config.json, model.safetensors, "
	 "tokenizer.json, tokenizer_config.json) for transformers, default PATH RUN-hf/",
	 "gguf safetensors"},
	{"--out", NULL, "PATH", "where to write", NULL},
	{0},
};

const struct cli_command cli_cmd_export_model = {
	.name = "export-model",
	.fn = cli_export_model,
	.summary = "export a trained model (GGUF, Hugging Face)",
	.usage = "mentor export-model RUN [--format gguf|safetensors] [--out PATH]",
	.about = "Write the checkpoint of a run (id or name) for other tools. A GPT-2 run is\n"
		 "written as GPT-2, a llama-family run as its family (llama, qwen2, qwen3)\n"
		 "in its vocabulary's own ids, mentor's task markers after the last. Tensors\n"
		 "are float32; 'mentor import-model PATH' reads either format back exactly.",
	.opts = export_model_opts,
};

int cli_export_model(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_export_model, argc, argv, &a))
		return a.exit;
	const char *ref = cli_pos(&a, 0), *out = cli_arg(&a, "--out");
	const char *fmt_name = cli_arg(&a, "--format") ? cli_arg(&a, "--format") : "gguf";
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'", cli_pos(&a, 1));
	if (!ref)
		return cli_error(c, CLI_USAGE, "give a run; see 'mentor export-model --help'");
	int fmt;
	if (modelio_format_parse(fmt_name, &fmt))
		return cli_error(c, CLI_USAGE, "unknown format '%s': expected gguf or safetensors",
				 fmt_name);
	char err[MENTOR_ERR_LEN];
	struct store *st = store_open_existing(c->db_path, err);
	if (!st)
		return cli_error(c, CLI_ERR, "%s", err);
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	store_close(st);
	if (rc)
		return cli_error(c, rc == MENTOR_ENOTFOUND ? CLI_USAGE : CLI_ERR, "%s", err);
	if (!r.checkpoint || !*r.checkpoint) {
		cli_error(c, CLI_ERR, "run %lld has no checkpoint yet", (long long)r.id);
		store_run_release(&r);
		return CLI_ERR;
	}
	struct buf path;
	buf_init(&path);
	if (out)
		buf_puts(&path, out);
	else
		buf_printf(&path, "%s%s", r.name && *r.name ? r.name : "model",
			   fmt == MODELIO_GGUF ? ".gguf" : "-hf");
	struct modelio_model mm;
	int status = CLI_ERR;
	if (modelio_from_ckpt(r.checkpoint, &mm, err)) {
		cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	rc = fmt == MODELIO_GGUF ? modelio_write_gguf(&mm, path.data, err)
				 : modelio_write_hf(&mm, path.data, err);
	if (rc) {
		cli_error(c, CLI_ERR, "%s", err);
	} else {
		int llama = mm.arch == STUDENT_LLAMA;
		cli_printf(c->out,
			   "wrote %s (%s, %zu parameters, %d tokens, %d layers, width %d)\n",
			   path.data, fmt == MODELIO_GGUF ? "gguf" : "hugging face", mm.n_params,
			   tokenizer_vocab_size(mm.tok), llama ? mm.lcfg.n_layer : mm.mcfg.n_layer,
			   llama ? mm.lcfg.hidden_size : mm.mcfg.n_embd);
		status = CLI_OK;
	}
	modelio_model_release(&mm);
out:
	buf_release(&path);
	store_run_release(&r);
	return status;
}

/* ------------------------------------------------------------ import-model */

static const struct cli_option import_model_opts[] = {
	{"--dataset", NULL, "NAME",
	 "the dataset the run belongs to (default: 'imported', created empty)", NULL},
	{"--name", NULL, "NAME", "run name (default: imported-ID)", NULL},
	{0},
};

const struct cli_command cli_cmd_import_model = {
	.name = "import-model",
	.fn = cli_import_model,
	.summary = "import a GGUF or Hugging Face GPT-2 model as a run",
	.usage = "mentor import-model PATH [--dataset NAME] [--name NAME]",
	.about = "Read a GPT-2 or Llama-family (Llama, SmolLM2, Qwen2, Qwen3) model and\n"
		 "register it as a finished run, so that predict, eval, serve and\n"
		 "export-model work on it. PATH is a GGUF file, a Hugging Face folder\n"
		 "(config.json, model.safetensors or its shards, and tokenizer.json or\n"
		 "vocab.json + merges.txt; GPT-2 tensor names with or without\n"
		 "'transformer.') or its model.safetensors file.\n\n"
		 "Models exported by mentor come back bit for bit. Other GPT-2 checkpoints\n"
		 "keep their tokenizer (GPT-2's pre-tokenizer, their token ids: see 'mentor\n"
		 "tokenize') and get mentor's special tokens as new zero embedding rows.",
	.opts = import_model_opts,
};

int cli_import_model(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_import_model, argc, argv, &a))
		return a.exit;
	const char *path = cli_pos(&a, 0), *dataset = cli_arg(&a, "--dataset");
	const char *name = cli_arg(&a, "--name");
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'", cli_pos(&a, 1));
	if (!path)
		return cli_error(c, CLI_USAGE,
				 "give a model path; see 'mentor import-model --help'");
	char err[MENTOR_ERR_LEN];
	struct modelio_model mm;
	if (modelio_read(path, &mm, err))
		return cli_error(c, CLI_ERR, "%s", err);
	struct store *st = cli_open_store(c);
	if (!st) {
		modelio_model_release(&mm);
		return CLI_ERR;
	}
	int64_t id;
	int status = CLI_OK;
	if (modelio_register(st, c->db_path, &mm, dataset, name, path, &id, err)) {
		status = cli_error(c, CLI_ERR, "%s", err);
	} else {
		cli_printf(c->out, "imported %s as run %lld (%s, %zu parameters, %d tokens)\n",
			   path, (long long)id, mm.arch == STUDENT_LLAMA ? "llama family" : "gpt2",
			   mm.n_params, tokenizer_vocab_size(mm.tok));
		if (mm.foreign && mm.new_rows)
			cli_printf(c->out,
				   "note: foreign vocabulary mapped to mentor's; %d new "
				   "embedding rows (special tokens) start at zero: fine-tune "
				   "before use (mentor train DATASET --init-from %lld)\n",
				   mm.new_rows, (long long)id);
	}
	store_close(st);
	modelio_model_release(&mm);
	return status;
}

/* --init-from M: a run of the workspace, else a model file or folder, which
 * is imported first (as 'mentor import-model M' would) and started from. */
int cli_init_from(struct cli *c, struct store *st, const char *ref, struct train_config *cfg)
{
	char err[MENTOR_ERR_LEN], ids[24];
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc == 0) {
		store_run_release(&r);
	} else if (rc == MENTOR_ENOTFOUND && access(ref, F_OK) == 0) {
		struct modelio_model mm;
		if (modelio_read(ref, &mm, err))
			return cli_error(c, CLI_ERR, "%s", err);
		int64_t id;
		rc = modelio_register(st, c->db_path, &mm, NULL, NULL, ref, &id, err);
		modelio_model_release(&mm);
		if (rc)
			return cli_error(c, CLI_ERR, "%s", err);
		cli_printf(c->errf,
			   "mentor: imported %s as run %lld; later runs can start from it "
			   "with --init-from %lld\n",
			   ref, (long long)id, (long long)id);
		snprintf(ids, sizeof ids, "%lld", (long long)id);
		ref = ids;
	} else if (rc == MENTOR_ENOTFOUND) {
		return cli_error(c, CLI_USAGE, "--init-from: no run and no model file named '%s'",
				 ref);
	} else {
		return cli_error(c, CLI_ERR, "%s", err);
	}
	rc = train_config_init_from(st, ref, cfg, err);
	if (!rc)
		rc = train_config_check(cfg, err);
	return rc ? cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err) : CLI_OK;
}

/* ------------------------------------------------------------ tokenize */

/* Largest text 'mentor tokenize MODEL -' reads from standard input (a
 * single GPT-2 piece that long takes some 36 bytes a byte to encode). */
#define TOKENIZE_MAX_STDIN ((size_t)64 << 20)

static const struct cli_option tokenize_opts[] = {
	{"--json", NULL, NULL,
	 "one line {\"ids\": [...], \"tokens\": [...]}: each token as text (bytes that are not "
	 "UTF-8 as U+FFFD, control and invisible characters as \\u escapes)",
	 NULL},
	{0},
};

const struct cli_command cli_cmd_tokenize = {
	.name = "tokenize",
	.fn = cli_tokenize,
	.summary = "token ids of a text under a run's or a model file's tokenizer",
	.usage = "mentor tokenize MODEL TEXT [--json]",
	.about = "Print the token ids of TEXT on one line, numbered as the model's own file\n"
		 "numbers its tokens (GPT-2's ids for a GPT-2 model), so that they compare\n"
		 "with other tools'. MODEL is a run (id or name) or a model path (a path\n"
		 "that exists is a path):\n"
		 "  a GGUF file                 only its metadata is read\n"
		 "  a Hugging Face folder       tokenizer.json, or vocab.json + merges.txt,\n"
		 "  or a file in it             or OpenAI's encoder.json + vocab.bpe\n\n"
		 "A tokenizer.json is run as its file says (NFC, GPT-2's ByteLevel or\n"
		 "Qwen2's or Llama 3's Split regex, added tokens such as '<|im_start|>'\n"
		 "found in the text first); what mentor cannot run exactly is refused by\n"
		 "name. The pair files are cut with GPT-2's pre-tokenizer, mentor's own\n"
		 "vocabularies with mentor's. TEXT '-' reads standard input, every byte as\n"
		 "it is (no newline is stripped; bytes that are not UTF-8 are tokenized\n"
		 "too); after '--' a TEXT may start with '-'. Other text never becomes a\n"
		 "special token: without a tokenizer.json '<|endoftext|>' is seven ordinary\n"
		 "tokens.",
	.opts = tokenize_opts,
};

/* The tokenizer of ref: a model file or folder when the path exists, else a
 * run of the workspace. NULL after printing the error (*status set). */
static struct tokenizer *tokenize_load(struct cli *c, const char *ref, int *status)
{
	char err[MENTOR_ERR_LEN];
	struct tokenizer *t = NULL;
	struct stat sb;
	*status = CLI_ERR;
	if (stat(ref, &sb) == 0) {
		if (modelio_read_tokenizer(ref, &t, err))
			cli_error(c, CLI_ERR, "%s", err);
		return t;
	}
	if (errno != ENOENT) {
		cli_error(c, CLI_ERR, "cannot read '%s': %s", ref, strerror(errno));
		return NULL;
	}
	struct stat db;
	if (stat(c->db_path, &db) != 0) {
		*status = cli_error(c, CLI_USAGE,
				    "no model file '%s' (and no workspace '%s' for a run of that "
				    "name)",
				    ref, c->db_path);
		return NULL;
	}
	struct store *st = store_open_existing(c->db_path, err);
	if (!st) {
		cli_error(c, CLI_ERR, "%s", err);
		return NULL;
	}
	struct store_run r;
	int rc = store_run_find(st, ref, &r, err);
	if (rc) {
		if (rc == MENTOR_ENOTFOUND)
			*status = cli_error(c, CLI_USAGE, "no run or model file '%s'", ref);
		else
			cli_error(c, CLI_ERR, "%s", err);
		store_close(st);
		return NULL;
	}
	struct buf path;
	buf_init(&path);
	rc = train_run_ckpt_find(st, &r, &path, err);
	if (!rc)
		rc = train_ckpt_load_tokenizer(path.data, &t, err);
	if (rc)
		cli_error(c, CLI_ERR, "%s", err);
	buf_release(&path);
	store_run_release(&r);
	store_close(st);
	return t;
}

int cli_tokenize(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_tokenize, argc, argv, &a))
		return a.exit;
	const char *ref = cli_pos(&a, 0), *text = cli_pos(&a, 1);
	int json = cli_arg(&a, "--json") != NULL;
	if (cli_npos(&a) > 2)
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'", cli_pos(&a, 2));
	if (!ref || !text)
		return cli_error(c, CLI_USAGE,
				 "give a model and a text; see 'mentor tokenize --help'");
	struct buf in;
	buf_init(&in);
	const char *s = text;
	size_t len = strlen(text);
	if (!strcmp(text, "-")) {
		in.limit = TOKENIZE_MAX_STDIN;
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
			if (buf_append(&in, chunk, n)) {
				buf_release(&in);
				return cli_error(c, CLI_ERR,
						 "cannot read standard input: more than %zu bytes",
						 TOKENIZE_MAX_STDIN);
			}
		if (ferror(stdin)) {
			buf_release(&in);
			return cli_error(c, CLI_ERR, "cannot read standard input: %s",
					 strerror(errno));
		}
		s = in.data ? in.data : "";
		len = in.len;
	}
	int status;
	struct tokenizer *t = tokenize_load(c, ref, &status);
	if (!t) {
		buf_release(&in);
		return status;
	}
	char err[MENTOR_ERR_LEN];
	struct tokenizer_ids ids;
	tokenizer_ids_init(&ids);
	status = CLI_OK;
	if (tokenizer_encode(t, s, len, &ids, err)) {
		status = cli_error(c, CLI_ERR, "%s", err);
		goto out;
	}
	/* ordinary tokens (bytes and merges) always have a file id */
	if (json) {
		fputs("{\"ids\":[", c->out);
		for (size_t i = 0; i < ids.n; i++)
			fprintf(c->out, "%s%ld", i ? "," : "",
				(long)tokenizer_file_id(t, ids.ids[i]));
		fputs("],\"tokens\":[", c->out);
		for (size_t i = 0; i < ids.n; i++) {
			size_t tl;
			const char *tok = tokenizer_token(t, ids.ids[i], &tl);
			if (i)
				fputc(',', c->out);
			cli_json_strn(c->out, tok, tl);
		}
		fputs("]}\n", c->out);
	} else {
		for (size_t i = 0; i < ids.n; i++)
			fprintf(c->out, "%s%ld", i ? " " : "",
				(long)tokenizer_file_id(t, ids.ids[i]));
		fputc('\n', c->out);
	}
out:
	tokenizer_ids_release(&ids);
	tokenizer_free(t);
	buf_release(&in);
	return status;
}

/* ------------------------------------------------------------ signals */

/* serve and run-external: SIGINT/SIGTERM set the stop flag (a blocking
 * poll returns at once), and a closed peer is an error, not a signal. */
static volatile sig_atomic_t *catch_stop_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	return cli_stop_flag();
}

/* ------------------------------------------------------------ serve */

static const struct cli_option serve_opts[] = {
	{"--port", NULL, "P", "port (default 8080; 0 picks a free one)", NULL},
	{"--host", NULL, "ADDR", "numeric IPv4 address to listen on (default 127.0.0.1)", NULL},
	{"--api-key", NULL, "KEY",
	 "require 'Authorization: Bearer KEY' on every endpoint but /health (default: "
	 "$" SERVE_KEY_ENV ", which other users cannot read in the process list)",
	 NULL},
	{"--insecure-no-auth", NULL, NULL, "allow a non-loopback --host without a key", NULL},
	{"--header-timeout", NULL, "S",
	 "seconds for a whole request head (default 5); a body gets as long plus 1 s per 64 KiB",
	 NULL},
	{"--idle-timeout", NULL, "S", "seconds a keep-alive connection may wait (default 5)", NULL},
	{"--max-conns", NULL, "N",
	 "connections held at once (default 128); past them clients get 503 with Retry-After, "
	 "/health still answers",
	 NULL},
	{"--quiet", NULL, NULL, "no line per request on stderr", NULL},
	{0},
};

const struct cli_command cli_cmd_serve = {
	.name = "serve",
	.fn = cli_serve,
	.summary = "serve a run over an OpenAI-compatible HTTP API",
	.usage = "mentor serve RUN [--port P] [--host ADDR] [--api-key KEY] [OPTIONS]",
	.about =
		"Serve a run (id or name) over an OpenAI-compatible HTTP API until Ctrl-C\n"
		"or SIGTERM:\n"
		"  POST /v1/chat/completions  the last user message is the question\n"
		"  POST /v1/completions       \"prompt\" is the question\n"
		"  GET  /v1/models, /health\n"
		"\"stream\": true gives server-sent events ending with 'data: [DONE]'.\n\n"
		"The answer is the one 'mentor predict RUN QUESTION' gives; the response's\n"
		"\"mentor\" object carries predict --json's fields (explanation too).\n"
		"A request's \"mentor\": {\"choices\": [...], \"type\": \"mc\"} acts as predict's\n"
		"--choices and --type.",
	.opts = serve_opts,
};

struct serve_cli {
	struct cli *c;
	int quiet;
};

static void serve_listening(void *u, const char *host, int port)
{
	struct serve_cli *sc = u;
	cli_printf(sc->c->out, "listening on http://%s:%d/v1\n", host, port);
	fflush(sc->c->out);
}

static void serve_logged(void *u, const char *method, const char *path, int status)
{
	struct serve_cli *sc = u;
	if (!sc->quiet) {
		fputs("mentor: ", sc->c->errf);
		if (!*method)
			method = "-";
		if (!*path)
			path = "-";
		util_term_put(sc->c->errf, method, UTIL_PUT_ESC, NULL, 0);
		fputc(' ', sc->c->errf);
		util_term_put(sc->c->errf, path, UTIL_PUT_ESC, NULL, 0);
		fprintf(sc->c->errf, " %d\n", status);
	}
}

/* One option of serve into o and sc: CLI_OK, or CLI_USAGE after printing
 * the error. */
static int serve_opt(struct cli *c, const char *name, const char *v, struct serve_opts *o,
		     struct serve_cli *sc)
{
	long n;
	double sec;
	if (!strcmp(name, "--host")) {
		o->host = v;
	} else if (!strcmp(name, "--port")) {
		if (util_parse_long(v, 0, 65535, &n))
			return cli_error(c, CLI_USAGE, "invalid port '%s': 0..65535", v);
		o->port = (int)n;
	} else if (!strcmp(name, "--header-timeout") || !strcmp(name, "--idle-timeout")) {
		if (util_parse_double(v, &sec) || !(sec >= 0.01 && sec <= 3600))
			return cli_error(c, CLI_USAGE, "invalid %s '%s': seconds, 0.01..3600", name,
					 v);
		*(name[2] == 'h' ? &o->header_timeout_ms
				 : &o->idle_timeout_ms) = (int)(sec * 1000 + 0.5);
	} else if (!strcmp(name, "--max-conns")) {
		if (util_parse_long(v, 1, 1000, &n))
			return cli_error(c, CLI_USAGE, "--max-conns needs a count 1..1000");
		o->max_conns = (int)n;
	} else if (!strcmp(name, "--api-key")) {
		if (!*v)
			return cli_error(c, CLI_USAGE, "--api-key needs a non-empty key");
		o->api_key = v;
	} else if (!strcmp(name, "--insecure-no-auth")) {
		o->insecure_no_auth = 1;
	} else if (!strcmp(name, "--quiet")) {
		sc->quiet = 1;
	}
	return CLI_OK;
}

int cli_serve(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_serve, argc, argv, &a))
		return a.exit;
	struct serve_opts o;
	serve_opts_init(&o);
	struct serve_cli sc = {c, 0};
	const char *ref = cli_pos(&a, 0);
	for (int i = 0, npos = 0; i < a.n; i++) {
		const char *v = a.args[i].value;
		if (!a.args[i].opt) {
			if (npos++)
				return cli_error(c, CLI_USAGE, "unexpected argument '%s'", v);
			continue;
		}
		int rc = serve_opt(c, a.args[i].opt->name, v, &o, &sc);
		if (rc)
			return rc;
	}
	if (!ref)
		return cli_error(c, CLI_USAGE, "give a run; see 'mentor serve --help'");
	if (!o.api_key) {
		const char *env = getenv(SERVE_KEY_ENV);
		if (env && *env)
			o.api_key = env;
	}
	/* (a valid numeric address only: the text goes to the terminal) */
	if (serve_host_is_loopback(o.host) == 0 && !o.api_key && o.insecure_no_auth)
		fprintf(c->errf,
			"mentor: WARNING: serving on %s WITHOUT AUTHENTICATION: anyone who can "
			"reach this address can use the model and its CPU; set %s to require "
			"a key\n",
			o.host, SERVE_KEY_ENV);
	o.stop = catch_stop_signals();
	o.on_listen = serve_listening;
	o.on_request = serve_logged;
	o.u = &sc;
	char err[MENTOR_ERR_LEN];
	int rc = serve_run(c->db_path, ref, &o, err);
	if (rc)
		return cli_error(c,
				 rc == MENTOR_ENOTFOUND || rc == MENTOR_EUSAGE ? CLI_USAGE
									       : CLI_ERR,
				 "%s", err);
	fprintf(c->errf, "mentor: server stopped\n");
	return CLI_OK;
}

/* ------------------------------------------------------------ run-external */

static const struct cli_option run_external_opts[] = {
	{"--cmd", NULL, "COMMAND",
	 "the command, run without a shell: split on spaces, with '...' and \"...\" quoting", NULL},
	{"--export", NULL, "F", "chat (default), alpaca or mt", "chat alpaca mt"},
	{"--status", NULL, "S", "explanations exported: accepted (default) or all", "accepted all"},
	{"--name", NULL, "N", "run name (default external-ID)", NULL},
	{"--variant", NULL, "V",
	 "baseline, mt-re, mt-ra or mt-cot: recorded as the run's, shapes the mt export's "
	 "targets; MENTOR_VARIANT",
	 "baseline mt-re mt-ra mt-cot"},
	{"--alpha", NULL, "A",
	 "answer-task weight of a multi-task variant, 0..1 (default 0.3, as 'mentor train'); "
	 "MENTOR_ALPHA",
	 NULL},
	{"--init-from", NULL, "RUN",
	 "the model the trainer starts from (a run with a checkpoint, e.g. imported): the mt "
	 "export (implied) carries its token ids and MENTOR_INIT names a Hugging Face folder of "
	 "it",
	 NULL},
	{"--quiet", NULL, NULL, "do not print metric points as they arrive", NULL},
	{0},
};

const struct cli_command cli_cmd_run_external = {
	.name = "run-external",
	.fn = cli_run_external,
	.summary = "run an external trainer on exported data",
	.usage = "mentor run-external DATASET --cmd \"COMMAND ...\" [OPTIONS]\n"
		 "mentor run-external DATASET [OPTIONS] -- COMMAND [ARGS...]",
	.about =
		"Run an external trainer as a run of kind 'external': the dataset's\n"
		"training data is exported to <db>.runs/ID/train.jsonl and the command\n"
		"runs (no shell: --cmd is split on spaces, with '...' and \"...\" quoting)\n"
		"with these variables set:\n"
		"  MENTOR_EXPORT   the exported JSONL file\n"
		"  MENTOR_METRICS  a file to append JSON lines to, e.g.\n"
		"                  {\"step\": 10, \"loss\": 2.3, \"val_loss\": 2.5, \"lr\": 0.001}\n"
		"  MENTOR_RUN_ID, MENTOR_RUN_DIR, MENTOR_EXPORT_FORMAT\n\n"
		"Metrics appear live in the workbench and 'mentor runs'. Its output goes to\n"
		"<db>.runs/ID/log.txt. 'mentor stop ID' or Ctrl-C sends SIGTERM. The run\n"
		"ends done (exit 0), failed or stopped.",
	.opts = run_external_opts,
	.more = "The reference PyTorch trainer (DistributedDataParallel) reads all of these:\n"
		"  mentor run-external DATASET --variant mt-cot --init-from RUN -- \\\n"
		"      python3 scripts/mentor_torch_train.py --nproc 2 --steps 500",
};

struct ext_cli {
	struct cli *c;
	int quiet;
	int64_t last_step;
};

static void ext_started(void *u, int64_t run_id, int64_t pid, const char *dir)
{
	struct ext_cli *ec = u;
	cli_printf(ec->c->out, "run %lld started: pid %lld, files in %s\n", (long long)run_id,
		   (long long)pid, dir);
	fflush(ec->c->out);
}

static void ext_point(void *u, int64_t step, const char *name, double value)
{
	struct ext_cli *ec = u;
	if (ec->quiet)
		return;
	if (step != ec->last_step) {
		cli_printf(ec->c->out, "%sstep %lld", ec->last_step >= 0 ? "\n" : "",
			   (long long)step);
		ec->last_step = step;
	}
	cli_printf(ec->c->out, " %s=%.6g", name, value);
	fflush(ec->c->out);
}

/* run-external's --variant, --alpha and --status into o: 0, or CLI_USAGE
 * after printing the error. */
static int ext_opt(struct cli *c, const char *name, const char *v, struct extrun_opts *o)
{
	if (!strcmp(name, "--variant")) {
		if (train_variant_parse(v) < 0)
			return cli_error(c, CLI_USAGE,
					 "unknown variant '%s': expected baseline, "
					 "mt-re, mt-ra or mt-cot",
					 v);
		o->variant = v;
	} else if (!strcmp(name, "--alpha")) {
		if (util_parse_double(v, &o->alpha) || !(o->alpha >= 0 && o->alpha <= 1))
			return cli_error(c, CLI_USAGE, "invalid --alpha '%s': a number 0..1", v);
	} else if (!strcmp(name, "--status") && export_status_parse(v, &o->status)) {
		return cli_error(c, CLI_USAGE, "unknown status '%s': expected accepted or all", v);
	}
	return 0;
}

int cli_run_external(struct cli *c, int argc, char **argv)
{
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_run_external, argc, argv, &a))
		return a.exit;
	struct extrun_opts o;
	extrun_opts_init(&o);
	struct ext_cli ec = {c, 0, -1};
	const char *cmd = NULL;
	char **split = NULL;
	int format_given = 0;
	int nopts = a.dashdash >= 0 ? a.dashdash : a.n; /* args[] before "--" */
	for (int i = 0; i < nopts; i++) {
		const char *v = a.args[i].value;
		if (!a.args[i].opt) {
			if (o.dataset)
				return cli_error(c, CLI_USAGE, "unexpected argument '%s'", v);
			o.dataset = v;
			continue;
		}
		const char *name = a.args[i].opt->name;
		if (!strcmp(name, "--cmd")) {
			cmd = v;
		} else if (!strcmp(name, "--name")) {
			o.name = v;
		} else if (!strcmp(name, "--init-from")) {
			o.init_from = v;
		} else if (!strcmp(name, "--quiet")) {
			ec.quiet = 1;
		} else if (!strcmp(name, "--export")) {
			format_given = 1;
			if (export_format_parse(v, &o.format))
				return cli_error(c, CLI_USAGE,
						 "unknown export format '%s': expected "
						 "chat, alpaca or mt",
						 v);
		} else if (ext_opt(c, name, v, &o)) {
			return CLI_USAGE;
		}
	}
	if (!o.dataset)
		return cli_error(c, CLI_USAGE, "give a dataset; see 'mentor run-external --help'");
	if ((a.dashdash >= 0) == (cmd != NULL))
		return cli_error(c, CLI_USAGE, "give the command either with --cmd or after '--'");
	if (o.init_from && !format_given)
		o.format = EXPORT_MT;
	if (o.init_from && o.format != EXPORT_MT)
		return cli_error(c, CLI_USAGE, "--init-from needs --export mt (its token ids)");
	if (o.alpha >= 0 && (!o.variant || !strcmp(o.variant, "baseline")))
		return cli_error(c, CLI_USAGE, "--alpha needs a multi-task --variant");
	char err[MENTOR_ERR_LEN];
	if (cmd) {
		if (extrun_split(cmd, &split, err))
			return cli_error(c, CLI_USAGE, "%s", err);
		o.argv = split;
	} else {
		if (a.dashdash == a.n)
			return cli_error(c, CLI_USAGE, "give a command after '--'");
		/* everything after "--" is the command: argv's last entries, as
		 * given, and argv[argc] is NULL */
		o.argv = argv + argc - (a.n - a.dashdash);
	}
	o.stop = catch_stop_signals();
	o.on_start = ext_started;
	o.on_point = ext_point;
	o.u = &ec;
	struct extrun_result res;
	int rc = extrun_run(c->db_path, &o, &res, err);
	extrun_argv_free(split);
	if (ec.last_step >= 0)
		fputc('\n', c->out);
	if (rc)
		return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
	cli_printf(c->out, "run %lld %s: %lld metric points from %lld lines", (long long)res.run_id,
		   res.status, (long long)res.points, (long long)res.lines);
	if (res.skipped)
		cli_printf(c->out, ", %lld lines skipped", (long long)res.skipped);
	fputc('\n', c->out);
	if (store_run_status_parse(res.status) == STORE_RUN_DONE)
		return CLI_OK;
	if (res.exit_code > 0)
		return cli_error(c, CLI_ERR, "the command exited with status %d", res.exit_code);
	int stopped = store_run_status_parse(res.status) == STORE_RUN_STOPPED;
	return cli_error(c, CLI_ERR, "the command was %s (signal %d)",
			 stopped ? "stopped" : "killed", res.term_signal);
}
