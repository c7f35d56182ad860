/* extrun: external trainers as runs (see include/mentor/extrun.h). The
 * command is started with fork/execvp (never a shell); a poll loop tails the
 * metrics file into the workspace and reaps the child. */
#include "mentor/extrun.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mentor/export.h"
#include "mentor/modelio.h"
#include "mentor/store.h"
#include "mentor/train.h"

void extrun_opts_init(struct extrun_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = EXPORT_CHAT;
	o->status = EXPORT_STATUS_ACCEPTED;
	o->alpha = -1;
}

/* ------------------------------------------------------------ command line */

void extrun_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int extrun_split(const char *cmd, char ***out, char *err)
{
	*out = NULL;
	char **argv = calloc(EXTRUN_MAX_ARGS + 1, sizeof *argv);
	if (!argv)
		util_oom();
	size_t n = 0;
	const char *p = cmd ? cmd : "";
	struct buf cur;
	buf_init(&cur);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		int have = 0;
		buf_reset(&cur);
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			have = 1;
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e)
					goto unterminated;
				buf_append(&cur, p + 1, (size_t)(e - p - 1));
				p = e + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					buf_putc(&cur, *p++);
				}
				if (*p != '"')
					goto unterminated;
				p++;
			} else if (*p == '\\' && p[1]) {
				buf_putc(&cur, p[1]);
				p += 2;
			} else {
				buf_putc(&cur, *p++);
			}
		}
		if (have) {
			if (n >= EXTRUN_MAX_ARGS) {
				buf_release(&cur);
				extrun_argv_free(argv);
				util_err(err, "invalid command: more than %d arguments",
					 EXTRUN_MAX_ARGS);
				return MENTOR_EUSAGE;
			}
			argv[n++] = cur.data ? util_strndup(cur.data, cur.len) : util_strdup("");
		}
	}
	buf_release(&cur);
	if (!n) {
		extrun_argv_free(argv);
		util_err(err, "invalid command: it is empty");
		return MENTOR_EUSAGE;
	}
	*out = argv;
	return 0;
unterminated:
	buf_release(&cur);
	extrun_argv_free(argv);
	util_err(err, "invalid command: unterminated quote");
	return MENTOR_EUSAGE;
}

/* ------------------------------------------------------------ metrics lines */

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-' || c == '/'))
			return 0;
	}
	return 1;
}

int extrun_parse_line(const char *line, size_t len, int64_t *step, double *t, int64_t *total,
		      struct extrun_point *pts, int max)
{
	*t = -1;
	*total = -1;
	if (len > EXTRUN_MAX_LINE)
		return -1;
	cJSON *o = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return -1;
	}
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "step");
	double sv = cJSON_IsNumber(s) ? s->valuedouble : -1;
	if (!(sv >= 0 && sv <= 1e15) || sv != floor(sv)) {
		cJSON_Delete(o);
		return -1;
	}
	*step = (int64_t)sv;
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, o)
	{
		if (!cJSON_IsNumber(e) || !e->string || !isfinite(e->valuedouble))
			continue;
		if (!strcmp(e->string, "step"))
			continue;
		if (!strcmp(e->string, "t") || !strcmp(e->string, "time")) {
			if (e->valuedouble >= 0)
				*t = e->valuedouble;
			continue;
		}
		if (!strcmp(e->string, "total_steps")) {
			if (e->valuedouble >= 0 && e->valuedouble <= 1e15)
				*total = (int64_t)e->valuedouble;
			continue;
		}
		if (!name_ok(e->string) || n >= max)
			continue;
		snprintf(pts[n].name, sizeof pts[n].name, "%s", e->string);
		pts[n].value = e->valuedouble;
		n++;
	}
	cJSON_Delete(o);
	return n > 0 ? n : -1;
}

/* ------------------------------------------------------------ the tail */

struct tail {
	int fd;
	off_t off;
	struct buf pending;
	int discarding; /* inside a line longer than EXTRUN_MAX_LINE */
};

static void tail_line(struct store *st, const struct extrun_opts *o, struct extrun_result *res,
		      double t0, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return;
	res->lines++;
	int64_t step, total;
	double t;
	struct extrun_point pts[EXTRUN_MAX_POINTS];
	int n = extrun_parse_line(line, len, &step, &t, &total, pts, EXTRUN_MAX_POINTS);
	if (n < 0) {
		res->skipped++;
		return;
	}
	if (t < 0)
		t = util_mono() - t0;
	char err[MENTOR_ERR_LEN];
	for (int i = 0; i < n; i++) {
		if (store_metric_add(st, res->run_id, step, t, pts[i].name, pts[i].value, err))
			continue;
		res->points++;
		if (o->on_point)
			o->on_point(o->u, step, pts[i].name, pts[i].value);
	}
	if (step > res->last_step) {
		res->last_step = step;
		store_run_set_progress(st, res->run_id, step, NULL, err);
	}
	if (total >= 0) {
		struct store_run r;
		if (!store_run_get(st, res->run_id, &r, err)) {
			r.total_steps = total;
			store_run_update(st, &r, err);
			store_run_release(&r);
		}
	}
}

/* Read what was appended to the metrics file; at_end: a last line without
 * its newline counts too. */
static void tail_poll(struct tail *tl, struct store *st, const struct extrun_opts *o,
		      struct extrun_result *res, double t0, int at_end)
{
	char chunk[16384];
	char err[MENTOR_ERR_LEN];
	struct stat sb;
	if (fstat(tl->fd, &sb) == 0 && sb.st_size < tl->off) {
		/* the trainer truncated the file and starts over */
		tl->off = 0;
		buf_reset(&tl->pending);
		tl->discarding = 0;
	}
	int in_tx = store_begin(st, err) == 0;
	for (;;) {
		ssize_t k = pread(tl->fd, chunk, sizeof chunk, tl->off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		tl->off += k;
		const char *p = chunk, *end = chunk + k;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (tl->discarding) {
				if (nl)
					tl->discarding = 0;
			} else if (tl->pending.len + n > EXTRUN_MAX_LINE) {
				buf_reset(&tl->pending);
				res->lines++;
				res->skipped++;
				tl->discarding = !nl;
			} else if (nl) {
				if (tl->pending.len) {
					buf_append(&tl->pending, p, n);
					tail_line(st, o, res, t0, tl->pending.data,
						  tl->pending.len);
					buf_reset(&tl->pending);
				} else {
					tail_line(st, o, res, t0, p, n);
				}
			} else {
				buf_append(&tl->pending, p, n);
			}
			p += n + (nl ? 1 : 0);
		}
	}
	if (at_end && tl->pending.len && !tl->discarding) {
		tail_line(st, o, res, t0, tl->pending.data, tl->pending.len);
		buf_reset(&tl->pending);
	}
	if (in_tx && store_commit(st, err))
		store_rollback(st);
}

/* ------------------------------------------------------------ the run */

static int make_dir(const char *path, char *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return util_err(err, "cannot create '%s': %s", path, strerror(errno));
	return 0;
}

static const char *format_name(int f)
{
	return f == EXPORT_ALPACA ? "alpaca" : f == EXPORT_MT ? "mt" : "chat";
}

/* Start argv with the environment set; the child reports an exec failure's
 * errno through a close-on-exec pipe. */
static int spawn(char *const *argv, const char *log_path, const char *env[][2], pid_t *pid,
		 char *err)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return util_err(err, "cannot start '%s': %s", argv[0], strerror(errno));
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return util_err(err, "cannot open '%s': %s", log_path, strerror(errno));
	}
	pid_t c = fork();
	if (c < 0) {
		close(pfd[0]);
		close(pfd[1]);
		close(logfd);
		return util_err(err, "cannot start '%s': %s", argv[0], strerror(errno));
	}
	if (c == 0) {
		setpgid(0, 0);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		for (int i = 0; env[i][0]; i++)
			setenv(env[i][0], env[i][1], 1);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		int e = errno;
		ssize_t w = write(pfd[1], &e, sizeof e);
		(void)w;
		_exit(127);
	}
	setpgid(c, c);
	close(pfd[1]);
	close(logfd);
	int e = 0;
	ssize_t k;
	do
		k = read(pfd[0], &e, sizeof e);
	while (k < 0 && errno == EINTR);
	close(pfd[0]);
	if (k == (ssize_t)sizeof e) {
		waitpid(c, NULL, 0);
		return util_err(err, "cannot start '%s': %s", argv[0], strerror(e));
	}
	*pid = c;
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int extrun_run(const char *db_path, const struct extrun_opts *o, struct extrun_result *res,
	       char *err)
{
	memset(res, 0, sizeof *res);
	res->exit_code = -1;
	if (!o->dataset || !o->argv || !o->argv[0])
		return util_err(err, "give a dataset and a command"), MENTOR_EUSAGE;
	int variant = TRAIN_BASELINE;
	if (o->variant && (variant = train_variant_parse(o->variant)) < 0)
		return util_err(err, "unknown variant '%s' (use baseline, mt-re, mt-ra or mt-cot)",
				o->variant),
		       MENTOR_EUSAGE;
	if (o->alpha > 1)
		return util_err(err, "invalid alpha %g: must be 0..1", o->alpha), MENTOR_EUSAGE;
	if (o->init_from && o->format != EXPORT_MT)
		return util_err(err, "starting from a model needs the mt export (its token ids)"),
		       MENTOR_EUSAGE;
	struct store *st = store_open_existing(db_path, err);
	if (!st)
		return MENTOR_ERR;
	struct store_dataset d;
	int rc = store_dataset_get(st, o->dataset, &d, err);
	if (rc) {
		if (rc == MENTOR_ENOTFOUND)
			util_err(err, "no dataset '%s'; see 'mentor datasets'", o->dataset);
		store_close(st);
		return rc;
	}
	/* the model to start from: found now, read once the run exists */
	struct buf init_ckpt;
	buf_init(&init_ckpt);
	int64_t init_id = 0;
	if (o->init_from) {
		struct store_run ir;
		rc = store_run_find(st, o->init_from, &ir, err);
		if (rc == 0) {
			init_id = ir.id;
			char sub[MENTOR_ERR_LEN];
			rc = train_run_ckpt_find(st, &ir, &init_ckpt, sub);
			if (rc)
				util_err(err, "cannot start from run %lld: %s", (long long)ir.id,
					 sub);
			store_run_release(&ir);
		} else if (rc == MENTOR_ENOTFOUND) {
			util_err(err, "no run '%s' to start from; see 'mentor runs'", o->init_from);
			rc = MENTOR_EUSAGE;
		}
		if (rc) {
			store_dataset_release(&d);
			buf_release(&init_ckpt);
			store_close(st);
			return rc;
		}
	}
	double alpha = variant == TRAIN_BASELINE ? 1.0 : o->alpha;
	if (alpha < 0) {
		struct train_config dc;
		train_config_defaults(&dc);
		alpha = dc.alpha;
	}
	/* the run row */
	cJSON *cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg, "dataset", o->dataset);
	cJSON *cmd = cJSON_AddArrayToObject(cfg, "command");
	for (size_t i = 0; o->argv[i]; i++)
		cJSON_AddItemToArray(cmd, cJSON_CreateString(o->argv[i]));
	cJSON_AddStringToObject(cfg, "export", format_name(o->format));
	cJSON_AddStringToObject(cfg, "status_filter",
				o->status == EXPORT_STATUS_ALL
					? "all"
					: store_review_name(STORE_REVIEW_ACCEPTED));
	if (o->variant) {
		cJSON_AddStringToObject(cfg, "variant", train_variant_name(variant));
		cJSON_AddNumberToObject(cfg, "alpha", alpha);
	}
	if (init_id)
		cJSON_AddNumberToObject(cfg, "init_from", (double)init_id);
	struct store_run r;
	memset(&r, 0, sizeof r);
	r.dataset_id = d.id;
	store_dataset_release(&d);
	r.name = util_strdup(o->name ? o->name : "");
	r.variant = util_strdup(train_variant_name(variant));
	r.alpha = alpha;
	r.source = util_strdup(train_source_name(TRAIN_SRC_ACCEPTED));
	r.kind = util_strdup("external");
	r.config_json = cJSON_PrintUnformatted(cfg);
	r.status = util_strdup(store_run_status_name(STORE_RUN_QUEUED));
	struct buf dir, exp, met, logp, initp;
	buf_init(&dir);
	buf_init(&exp);
	buf_init(&met);
	buf_init(&logp);
	buf_init(&initp);
	struct modelio_model mm;
	modelio_model_init(&mm);
	struct tail tl = {-1, 0, {0}, 0};
	buf_init(&tl.pending);
	tl.pending.limit = EXTRUN_MAX_LINE + 1;
	int ret = MENTOR_ERR;
	int created = 0;
	if (store_run_insert(st, &r, err))
		goto out;
	created = 1;
	res->run_id = r.id;
	if (!o->name) {
		free(r.name);
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "external-%lld", (long long)r.id);
		r.name = buf_detach(&b, NULL);
	}
	buf_printf(&dir, "%s.runs", db_path);
	if (make_dir(dir.data, err))
		goto out;
	buf_reset(&dir);
	train_run_dir(db_path, r.id, &dir);
	if (make_dir(dir.data, err))
		goto out;
	buf_printf(&exp, "%s/train.jsonl", dir.data);
	buf_printf(&met, "%s/metrics.jsonl", dir.data);
	buf_printf(&logp, "%s/log.txt", dir.data);
	cJSON_AddStringToObject(cfg, "export_path", exp.data);
	cJSON_AddStringToObject(cfg, "metrics_path", met.data);
	cJSON_AddStringToObject(cfg, "log_path", logp.data);
	free(r.config_json);
	r.config_json = cJSON_PrintUnformatted(cfg);
	if (store_run_update(st, &r, err))
		goto out;
	struct export_opts eo;
	export_opts_init(&eo);
	eo.dataset = o->dataset;
	eo.format = o->format;
	eo.status = o->status;
	if (o->format == EXPORT_MT && variant != TRAIN_BASELINE)
		eo.variant = train_variant_name(variant);
	if (init_id) {
		/* the model as a Hugging Face folder, and the ids of its tokenizer */
		buf_printf(&initp, "%s/init", dir.data);
		char sub[MENTOR_ERR_LEN];
		if (modelio_from_ckpt(init_ckpt.data, &mm, sub) ||
		    (mm.arch != STUDENT_GPT2 &&
		     util_err(sub,
			      "external trainers take GPT-2 students; run %lld is of the "
			      "llama family",
			      (long long)init_id)) ||
		    modelio_write_hf(&mm, initp.data, sub)) {
			util_err(err, "cannot start from run %lld: %s", (long long)init_id, sub);
			goto out;
		}
		cJSON_AddStringToObject(cfg, "init_path", initp.data);
		free(r.config_json);
		r.config_json = cJSON_PrintUnformatted(cfg);
		if (store_run_update(st, &r, err))
			goto out;
		eo.tok = mm.tok;
		eo.n_ctx = mm.mcfg.max_seq_len;
	}
	struct export_stats es;
	if (export_write(st, &eo, exp.data, &es, err))
		goto out;
	/* an empty metrics file the command appends to */
	tl.fd = open(met.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tl.fd < 0) {
		util_err(err, "cannot create '%s': %s", met.data, strerror(errno));
		goto out;
	}
	char idtxt[32], alphatxt[32];
	snprintf(idtxt, sizeof idtxt, "%lld", (long long)r.id);
	/* the shortest text that reads back as the same double */
	snprintf(alphatxt, sizeof alphatxt, "%.15g", alpha);
	if (strtod(alphatxt, NULL) != alpha)
		snprintf(alphatxt, sizeof alphatxt, "%.17g", alpha);
	const char *env[9][2] = {
		{"MENTOR_EXPORT", exp.data},
		{"MENTOR_METRICS", met.data},
		{"MENTOR_RUN_ID", idtxt},
		{"MENTOR_RUN_DIR", dir.data},
		{"MENTOR_EXPORT_FORMAT", format_name(o->format)},
		{NULL, NULL},
	};
	int ne = 5;
	if (init_id) {
		env[ne][0] = "MENTOR_INIT";
		env[ne++][1] = initp.data;
	}
	if (o->variant) {
		env[ne][0] = "MENTOR_VARIANT";
		env[ne++][1] = train_variant_name(variant);
		env[ne][0] = "MENTOR_ALPHA";
		env[ne++][1] = alphatxt;
	}
	env[ne][0] = env[ne][1] = NULL;
	pid_t pid = 0;
	if (spawn(o->argv, logp.data, env, &pid, err)) {
		char e2[MENTOR_ERR_LEN];
		store_run_set_status(st, r.id, store_run_status_name(STORE_RUN_FAILED), err, 0, e2);
		created = 0; /* keep the failed run as a record */
		goto out;
	}
	store_run_set_status(st, r.id, store_run_status_name(STORE_RUN_RUNNING), NULL, (int64_t)pid,
			     err);
	if (o->on_start)
		o->on_start(o->u, r.id, (int64_t)pid, dir.data);
	double t0 = util_mono(), term_at = 0;
	int wstatus = 0, stop_sent = 0;
	int poll_ms = o->poll_ms > 0 ? o->poll_ms : 100;
	for (;;) {
		pid_t w = waitpid(pid, &wstatus, WNOHANG);
		tail_poll(&tl, st, o, res, t0, w == pid);
		if (w == pid || (w < 0 && errno == ECHILD))
			break;
		if (o->stop && *o->stop && !stop_sent) {
			kill(-pid, SIGTERM);
			stop_sent = 1;
			term_at = util_mono();
		}
		if (stop_sent && util_mono() - term_at > 10.0) {
			kill(-pid, SIGKILL);
			term_at = util_mono() + 1e9;
		}
		sleep_ms(poll_ms);
	}
	enum store_run_status status;
	struct buf msg;
	buf_init(&msg);
	if (WIFEXITED(wstatus)) {
		res->exit_code = WEXITSTATUS(wstatus);
		status = res->exit_code == 0 ? STORE_RUN_DONE
			 : stop_sent         ? STORE_RUN_STOPPED
					     : STORE_RUN_FAILED;
		if (res->exit_code)
			buf_printf(&msg, "command exited with status %d", res->exit_code);
	} else if (WIFSIGNALED(wstatus)) {
		res->term_signal = WTERMSIG(wstatus);
		int asked = stop_sent || res->term_signal == SIGTERM || res->term_signal == SIGINT;
		status = asked ? STORE_RUN_STOPPED : STORE_RUN_FAILED;
		buf_printf(&msg, "command ended by signal %d", res->term_signal);
	} else {
		status = STORE_RUN_FAILED;
		buf_puts(&msg, "command ended");
	}
	if (res->skipped)
		buf_printf(&msg, "%s%lld metrics lines skipped", msg.len ? "; " : "",
			   (long long)res->skipped);
	snprintf(res->status, sizeof res->status, "%s", store_run_status_name(status));
	cJSON_AddNumberToObject(cfg, "metrics_lines", (double)res->lines);
	cJSON_AddNumberToObject(cfg, "metrics_skipped", (double)res->skipped);
	struct store_run cur;
	if (!store_run_get(st, r.id, &cur, err)) {
		free(cur.config_json);
		cur.config_json = cJSON_PrintUnformatted(cfg);
		store_run_update(st, &cur, err);
		store_run_release(&cur);
	}
	rc = store_run_set_status(st, r.id, store_run_status_name(status),
				  msg.len ? msg.data : NULL, 0, err);
	buf_release(&msg);
	created = 0;
	if (rc)
		goto out;
	ret = 0;
out:
	if (created && r.id > 0) {
		/* nothing ran: leave no half-made run behind */
		char e2[MENTOR_ERR_LEN];
		store_run_delete(st, r.id, e2);
		res->run_id = 0;
	}
	if (tl.fd >= 0)
		close(tl.fd);
	buf_release(&tl.pending);
	cJSON_Delete(cfg);
	store_run_release(&r);
	buf_release(&dir);
	buf_release(&exp);
	buf_release(&met);
	buf_release(&logp);
	buf_release(&initp);
	buf_release(&init_ckpt);
	modelio_model_release(&mm);
	store_close(st);
	return ret;
}
