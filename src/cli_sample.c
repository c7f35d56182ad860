/* cli_sample: `mentor sample` writes a synthetic task as JSON lines (or
 * imports it straight into the workspace) and `mentor init` creates the
 * workspace and loads every bundled file of sample_datasets/ that is not
 * there yet. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mentor/cli.h"
#include "mentor/dataset.h"
#include "mentor/sample.h"
#include "mentor/store.h"

/* The default seed as text, for the help. */
#define SAMPLE_STR_(x) #x
#define SAMPLE_STR(x) SAMPLE_STR_(x)

static const struct cli_option sample_opts[] = {
	{"--n", NULL, "N", "number of items (of --split, else all train)", NULL},
	{"--seed", NULL, "S",
	 "seed (default " SAMPLE_STR(SAMPLE_DEFAULT_SEED) ", the seed of sample_datasets/)", NULL},
	{"--split", NULL, "NAME", "generate only this split (size: --n, else the shipped one)",
	 "train dev test"},
	{"--splits", NULL, "A/B/C", "train/dev/test sizes, e.g. 2000/200/500", NULL},
	{"--out", NULL, "FILE", "write to FILE instead of standard output", NULL},
	{"--import", NULL, "NAME", "import into the workspace as dataset NAME", NULL},
	{"--list", NULL, NULL, "list the tasks", NULL},
	{0},
};

/* about lists the tasks of sample_tasks() (tests/cli checks that it names
 * each). */
const struct cli_command cli_cmd_sample = {
	.name = "sample",
	.fn = cli_sample,
	.summary = "generate a synthetic task dataset",
	.usage = "mentor sample TASK [OPTIONS]\n"
		 "mentor sample --list",
	.about = "Generate a synthetic reasoning task as JSON lines in the generic import\n"
		 "layout (id, question, answer, answer_type, rationale, split, trace).\n"
		 "The same task, seed and sizes always give the same bytes.\n"
		 "\n"
		 "TASK is one of:\n"
		 "\n"
		 "  arith    how many things one has after 3 to 5 people give or take\n"
		 "           some (number; shipped 2000/200/500)\n"
		 "  coin     is the coin still heads up after 8 to 10 people flip it or\n"
		 "           not (yesno; shipped 2000/200/500)\n"
		 "  letters  follow a word chain by last letters for 5 to 7 turns (text;\n"
		 "           shipped 2000/200/500)\n"
		 "  dial     where a dial of three colours points after 6 to 8 people turn\n"
		 "           it or not (text; shipped 2000/200/500)",
	.opts = sample_opts,
	.more = "With neither --n nor --splits, the task's shipped sizes are used, so\n"
		"`mentor sample arith` reproduces sample_datasets/arith.jsonl.\n"
		"\n"
		"examples:\n"
		"\n"
		"  mentor sample arith --splits 2000/200/500 --out arith.jsonl\n"
		"  mentor sample coin --n 50 --seed 7 --split test\n"
		"  mentor sample letters --import letters-big --splits 5000/200/500",
};

int cli_sample(struct cli *c, int argc, char **argv)
{
	const char *split = NULL, *splits = NULL, *out_path = NULL, *import_name = NULL;
	long n = -1;
	uint64_t seed = SAMPLE_DEFAULT_SEED;
	char err[MENTOR_ERR_LEN];
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_sample, argc, argv, &a))
		return a.exit;
	for (int i = 0; i < a.n; i++) {
		const char *name = a.args[i].opt ? a.args[i].opt->name : "", *v = a.args[i].value;
		if (!strcmp(name, "--list")) {
			for (const char *const *t = sample_tasks(); *t; t++)
				cli_printf(c->out, "%-8s %s\n", *t, sample_task_info(*t)->summary);
			return CLI_OK;
		} else if (!strcmp(name, "--n")) {
			if (util_parse_long(v, 1, SAMPLE_MAX_ITEMS, &n))
				return cli_error(c, CLI_USAGE, "invalid --n '%s': expected 1..%d",
						 v, SAMPLE_MAX_ITEMS);
		} else if (!strcmp(name, "--seed")) {
			char *end = NULL;
			errno = 0;
			unsigned long long sv = strtoull(v, &end, 10);
			if (!*v || *v == '-' || *end || errno)
				return cli_error(c, CLI_USAGE,
						 "invalid --seed '%s': expected a "
						 "non-negative integer",
						 v);
			seed = (uint64_t)sv;
		} else if (!strcmp(name, "--split")) {
			split = v;
			if (strcmp(split, "train") && strcmp(split, "dev") && strcmp(split, "test"))
				return cli_error(c, CLI_USAGE,
						 "invalid --split '%s': expected "
						 "train, dev or test",
						 split);
		} else if (!strcmp(name, "--splits")) {
			splits = v;
		} else if (!strcmp(name, "--out")) {
			out_path = v;
		} else if (!strcmp(name, "--import")) {
			import_name = v;
			if (!*import_name)
				return cli_error(c, CLI_USAGE,
						 "option '--import' needs a dataset name");
		}
	}
	if (cli_npos(&a) > 1)
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'", cli_pos(&a, 1));
	const char *task = cli_pos(&a, 0);
	if (!task)
		return cli_error(c, CLI_USAGE,
				 "which task? one of arith, coin, letters, dial "
				 "(see 'mentor sample --help')");
	if (!sample_task_info(task))
		return cli_error(c, CLI_USAGE,
				 "unknown task '%s': try arith, coin, letters or "
				 "dial",
				 task);
	if (split && splits)
		return cli_error(c, CLI_USAGE,
				 "options '--split' and '--splits' exclude each other");
	if (splits && n >= 0)
		return cli_error(c, CLI_USAGE, "options '--n' and '--splits' exclude each other");
	if (out_path && import_name)
		return cli_error(c, CLI_USAGE, "options '--out' and '--import' exclude each other");

	struct sample_split_plan plan = sample_default_plan(task);
	if (splits) {
		if (sample_plan_parse(splits, &plan, err))
			return cli_error(c, CLI_USAGE, "%s", err);
	} else if (split) {
		size_t size = !strcmp(split, "train") ? plan.n_train
			      : !strcmp(split, "dev") ? plan.n_dev
						      : plan.n_test;
		if (n >= 0)
			size = (size_t)n;
		plan.n_train = !strcmp(split, "train") ? size : 0;
		plan.n_dev = !strcmp(split, "dev") ? size : 0;
		plan.n_test = !strcmp(split, "test") ? size : 0;
	} else if (n >= 0) {
		plan.n_train = (size_t)n;
		plan.n_dev = plan.n_test = 0;
	}
	if (!plan.n_train && !plan.n_dev && !plan.n_test)
		return cli_error(c, CLI_USAGE, "nothing to generate: all split sizes are 0");

	if (import_name) {
		char *mem = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&mem, &len);
		if (!f)
			return cli_error(c, CLI_ERR, "cannot generate '%s': out of memory", task);
		int rc = sample_write(task, seed, &plan, f, err);
		if (fclose(f) && !rc)
			rc = util_err(err, "cannot generate '%s': out of memory", task);
		if (rc) {
			free(mem);
			return cli_error(c, CLI_ERR, "%s", err);
		}
		struct store *st = cli_open_store(c);
		if (!st) {
			free(mem);
			return CLI_ERR;
		}
		char label[64];
		snprintf(label, sizeof label, "sample:%s", task);
		struct dataset_import_opts o = {0};
		o.name = import_name;
		o.format = "generic";
		struct dataset_import_result res;
		memset(&res, 0, sizeof res);
		rc = dataset_import_mem(st, mem, len, label, &o, &res, NULL, NULL, err);
		free(mem);
		store_close(st);
		if (rc)
			return cli_error(c, rc == MENTOR_EUSAGE ? CLI_USAGE : CLI_ERR, "%s", err);
		if (res.unchanged)
			cli_printf(c->out, "%s: unchanged (%zu items)\n", import_name, res.n_items);
		else
			cli_printf(c->out, "%s: imported %zu items (%s, seed %llu)\n", import_name,
				   res.n_items, task, (unsigned long long)seed);
		return CLI_OK;
	}

	FILE *out = c->out;
	if (out_path) {
		out = fopen(out_path, "wb");
		if (!out)
			return cli_error(c, CLI_ERR, "cannot write '%s': %s", out_path,
					 strerror(errno));
	}
	int rc = sample_write(task, seed, &plan, out, err);
	int close_failed = out_path ? fclose(out) != 0 : fflush(out) != 0;
	int close_errno = errno;
	struct stat sb;
	if ((rc || close_failed) && out_path && stat(out_path, &sb) == 0 && S_ISREG(sb.st_mode))
		remove(out_path); /* no half-written file left behind */
	if (rc)
		return cli_error(c, CLI_ERR, "%s", err);
	if (close_failed)
		return cli_error(c, CLI_ERR, "cannot write '%s': %s",
				 out_path ? out_path : "standard output", strerror(close_errno));
	return CLI_OK;
}

/* ------------------------------------------------------------------- init */

static const struct cli_option init_opts[] = {{0}};

const struct cli_command cli_cmd_init = {
	.name = "init",
	.fn = cli_init,
	.summary = "create the workspace and load the bundled sample datasets",
	.usage = "mentor init",
	.about = "Create the workspace (--db PATH, else $MENTOR_DB, else ./mentor.db) and\n"
		 "import every bundled dataset of sample_datasets/ that it does not hold\n"
		 "yet, named after its file: arith, coin, dial, letters (generated),\n"
		 "commonsense, strategy (hand-written English) and factory-ja (hand-written\n"
		 "Japanese). Datasets already present are left as they are, so running it\n"
		 "again is harmless.\n"
		 "\n"
		 "The bundled files are looked up in $MENTOR_DATA_DIR/sample_datasets/, else\n"
		 "in the installed share/mentor, else in the source tree mentor was built\n"
		 "from.",
	.opts = init_opts,
	.more = "example:\n"
		"\n"
		"  mentor --db work.db init && mentor --db work.db",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.jsonl files of dir, sorted by name. *out is a heap array of heap
 * strings (free each, then the array). */
static int list_jsonl(const char *dir, char ***out, size_t *n, char *err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return util_err(err, "cannot read bundled datasets in '%s': %s", dir,
				strerror(errno));
	char **names = NULL;
	size_t count = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 6, ".jsonl"))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof *nn);
			if (!nn) {
				rc = util_err(err, "cannot list '%s': out of memory", dir);
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[count++] = util_strdup(e->d_name);
	}
	closedir(d);
	if (rc) {
		for (size_t i = 0; i < count; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	if (count)
		qsort(names, count, sizeof *names, cmp_str);
	*out = names;
	*n = count;
	return 0;
}

int cli_init(struct cli *c, int argc, char **argv)
{
	char err[MENTOR_ERR_LEN];
	struct cli_args a;
	if (cli_parse(c, &cli_cmd_init, argc, argv, &a))
		return a.exit;
	if (cli_npos(&a))
		return cli_error(c, CLI_USAGE, "unexpected argument '%s'; see 'mentor init --help'",
				 cli_pos(&a, 0));
	struct buf dir;
	buf_init(&dir);
	char dd[PATH_MAX + 32];
	if (buf_printf(&dir, "%s/sample_datasets", cli_data_dir(dd, sizeof dd))) {
		buf_release(&dir);
		return cli_error(c, CLI_ERR, "out of memory");
	}
	char **files;
	size_t n_files;
	if (list_jsonl(dir.data, &files, &n_files, err)) {
		buf_release(&dir);
		return cli_error(c, CLI_ERR, "%s", err);
	}
	struct store *st = cli_open_store(c);
	if (!st) {
		for (size_t i = 0; i < n_files; i++)
			free(files[i]);
		free(files);
		buf_release(&dir);
		return CLI_ERR;
	}
	int status = CLI_OK;
	size_t n_imported = 0, n_present = 0;
	for (size_t i = 0; i < n_files; i++) {
		char name[256];
		size_t stem = strlen(files[i]) - 6;
		if (stem >= sizeof name)
			stem = sizeof name - 1;
		memcpy(name, files[i], stem);
		name[stem] = '\0';
		struct store_dataset d;
		memset(&d, 0, sizeof d);
		int rc = store_dataset_get(st, name, &d, err);
		if (rc == 0) {
			cli_printf(c->out, "%-12s already present (%lld items)\n", name,
				   (long long)(d.n_train + d.n_dev + d.n_test));
			store_dataset_release(&d);
			n_present++;
			continue;
		}
		if (rc != MENTOR_ENOTFOUND) {
			status = cli_error(c, CLI_ERR, "%s", err);
			continue;
		}
		struct buf path;
		buf_init(&path);
		if (buf_printf(&path, "%s/%s", dir.data, files[i])) {
			buf_release(&path);
			status = cli_error(c, CLI_ERR, "out of memory");
			continue;
		}
		struct dataset_import_opts o = {0};
		o.name = name;
		o.format = "generic";
		struct dataset_import_result res;
		memset(&res, 0, sizeof res);
		rc = dataset_import_file(st, path.data, &o, &res, NULL, NULL, err);
		buf_release(&path);
		if (rc) {
			status = cli_error(c, CLI_ERR, "%s", err);
			continue;
		}
		cli_printf(c->out, "%-12s imported %zu items\n", name, res.n_items);
		n_imported++;
	}
	if (status == CLI_OK)
		cli_printf(c->out,
			   "workspace '%s' ready: %zu datasets imported, %zu already present; "
			   "open it with `mentor%s%s`\n",
			   store_path(st), n_imported, n_present, c->db_flag ? " --db " : "",
			   c->db_flag ? c->db_flag : "");
	store_close(st);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	buf_release(&dir);
	return status;
}
