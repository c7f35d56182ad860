/* test_config: the config file: built-ins without a file, a good file,
 * aliases and resolution, malformed, huge and hostile input, values never
 * echoed in messages, and the permission warning for a file holding a key. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mentor/config.h"
#include "test.h"

static const char good[] = "\xEF\xBB\xBF# mentor config\n"
			   "[defaults]\n"
			   "provider = fast\n"
			   "concurrency = 4\n"
			   "rpm = 120\n"
			   "timeout = 30.5\n"
			   "error_rate = 0.3\n"
			   "k = 2\n"
			   "seed = 7\n"
			   "stream = yes\n"
			   "\n"
			   "; local vLLM\n"
			   "[provider local]\n"
			   "type = openai\n"
			   "base_url = http://127.0.0.1:8000/v1/\n"
			   "api_key_env = LOCAL_KEY\n"
			   "model = \"Qwen/Qwen2.5-7B-Instruct\"\n"
			   "price_in = 0.5\n"
			   "price_out = 1.5\n"
			   "\n"
			   "[provider anthropic]\n"
			   "model = claude-x\n"
			   "\n"
			   "[alias fast]\n"
			   "provider = local\n"
			   "model = small-model\n";

static int parse(struct config *cfg, const char *text, size_t len, char *err)
{
	config_init(cfg);
	int rc = config_parse(cfg, text, len, "test.conf", NULL, err);
	return rc;
}

static void test_builtin(void)
{
	struct config cfg;
	char err[MENTOR_ERR_LEN];
	config_init(&cfg);
	CHECK_STR(cfg.provider, "offline");
	CHECK_INT(cfg.concurrency, 8);
	CHECK_INT(cfg.k, 4);
	CHECK_INT(cfg.confirm_calls, CONFIG_DEFAULT_CONFIRM_CALLS);
	const struct config_provider *p;
	const char *model;
	CHECK_INT(config_resolve(&cfg, NULL, NULL, &p, &model, err), 0);
	CHECK_STR(p->type, "offline");
	CHECK_STR(model, "scripted-teacher");
	CHECK_INT(config_resolve(&cfg, "openai", NULL, &p, &model, err), 0);
	CHECK_STR(p->base_url, "https://api.openai.com/v1");
	CHECK_STR(p->api_key_env, "OPENAI_API_KEY");
	CHECK_INT(config_resolve(&cfg, "anthropic", "claude-y", &p, &model, err), 0);
	CHECK_STR(model, "claude-y");
	CHECK_INT(config_resolve(&cfg, "nope", NULL, &p, &model, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "nope") != NULL);
	config_release(&cfg);

	/* The environment refines the built-ins. */
	setenv("OPENAI_BASE_URL", "http://localhost:11434/v1/", 1);
	config_init(&cfg);
	CHECK_STR(config_provider_get(&cfg, "openai")->base_url, "http://localhost:11434/v1");
	config_release(&cfg);
	unsetenv("OPENAI_BASE_URL");

	/* No file at all: load succeeds with the built-ins. */
	setenv("XDG_CONFIG_HOME", test_path("empty-xdg"), 1);
	char warn[MENTOR_ERR_LEN];
	CHECK_INT(config_load(&cfg, NULL, warn, err), 0);
	CHECK(cfg.path == NULL);
	CHECK_STR(warn, "");
	config_release(&cfg);
}

static void test_good(void)
{
	struct config cfg;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(&cfg, good, sizeof good - 1, err), 0);
	CHECK_INT(cfg.concurrency, 4);
	CHECK_INT(cfg.rpm, 120);
	CHECK_NEAR(cfg.timeout_s, 30.5, 1e-9);
	CHECK_NEAR(cfg.offline.cot_wrong, 0.3, 1e-9);
	CHECK_INT(cfg.k, 2);
	CHECK_INT(cfg.seed, 7);
	CHECK_INT(cfg.stream, 1);
	const struct config_provider *p = config_provider_get(&cfg, "local");
	CHECK(p != NULL);
	CHECK_STR(p->base_url, "http://127.0.0.1:8000/v1");
	CHECK_STR(p->model, "Qwen/Qwen2.5-7B-Instruct");
	CHECK_NEAR(p->price_out, 1.5, 1e-9);
	/* Overriding a built-in keeps its other fields. */
	p = config_provider_get(&cfg, "anthropic");
	CHECK_STR(p->model, "claude-x");
	CHECK_STR(p->type, "anthropic");
	/* Default provider is an alias. */
	const char *model;
	CHECK_INT(config_resolve(&cfg, NULL, NULL, &p, &model, err), 0);
	CHECK_STR(p->name, "local");
	CHECK_STR(model, "small-model");
	/* --model naming an alias, and an explicit model winning over the alias. */
	CHECK_INT(config_resolve(&cfg, "offline", "fast", &p, &model, err), 0);
	CHECK_STR(p->name, "offline");
	CHECK_STR(model, "small-model");
	CHECK_INT(config_resolve(&cfg, "fast", "other", &p, &model, err), 0);
	CHECK_STR(p->name, "local");
	CHECK_STR(model, "other");
	/* Keys: environment first, then the file. */
	CHECK(config_api_key(config_provider_get(&cfg, "local")) == NULL);
	setenv("LOCAL_KEY", "env-key-1", 1);
	CHECK_STR(config_api_key(config_provider_get(&cfg, "local")), "env-key-1");
	unsetenv("LOCAL_KEY");
	config_release(&cfg);
}

static void expect_bad(const char *text, size_t len, const char *what)
{
	struct config cfg;
	char err[MENTOR_ERR_LEN] = "";
	int rc = parse(&cfg, text, len, err);
	CHECK_MSG(rc != 0, "accepted: %s", what);
	CHECK_MSG(strncmp(err, "test.conf", 9) == 0, "message '%s' for %s", err, what);
	config_release(&cfg);
}

static void test_malformed(void)
{
	const char *bad[] = {
		"key = value\n",                         /* outside a section */
		"[defaults\nk = 1\n",                    /* no ] */
		"[nonsense]\n",                          /* unknown section */
		"[provider]\ntype = openai\n",           /* no name */
		"[provider bad name!]\ntype = openai\n", /* bad name */
		"[defaults]\nconcurrency = 0\n",         /* out of range */
		"[defaults]\nconcurrency = 3.5\n",       /* not an integer */
		"[defaults]\nk = many\n",
		"[defaults]\nerror_rate = 1.5\n",
		"[defaults]\ntimeout = nan\n",
		"[defaults]\nstream = perhaps\n",
		"[defaults]\nwhat = 1\n",    /* unknown key */
		"[defaults]\njust a line\n", /* no = */
		"[provider x]\nmodel = m\n", /* no type */
		"[provider x]\ntype = grpc\n",
		"[provider x]\ntype = openai\nbase_url = ftp://x\n",
		"[provider x]\ntype = openai\nbase_url = http://a b\n",
		"[provider x]\ntype = openai\nprice_in = -1\n",
		"[alias a]\ncolour = red\n",
		"[review]\nconfirm_calls = -1\n",
		"[review]\nconfirm_calls = 2.5\n",
		"[review]\nconfirm = 3\n",         /* unknown key */
		"[review x]\nconfirm_calls = 3\n", /* no name allowed */
		"[ui]\nlang = fr\n",               /* unknown language */
		"[ui]\nlang = ja_JP.UTF-8\n",      /* a locale, not a language */
		"[ui]\nlang =\n",
		"[ui x]\nlang = ja\n",
		"[defaults]\nk = 1\x01\n", /* control character */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad(bad[i], strlen(bad[i]), bad[i]);
	/* NUL byte and invalid UTF-8. */
	expect_bad("[defaults]\nk = 1\0\n", 17, "nul");
	expect_bad("[defaults]\nmodel = \xc3\x28\n", 21, "utf8");
	/* Truncated: a section header cut short. */
	expect_bad("[provider lo", 12, "truncated");
	/* Line number in the message. */
	struct config cfg;
	char err[MENTOR_ERR_LEN];
	parse(&cfg, "[defaults]\n\n\nk = x\n", 18, err);
	CHECK(strstr(err, "test.conf:4:") != NULL);
	config_release(&cfg);
}

static void test_huge_hostile(void)
{
	char err[MENTOR_ERR_LEN];
	struct config cfg;
	/* A very long line. */
	size_t n = CONFIG_MAX_LINE + 100;
	char *t = malloc(n + 20);
	memcpy(t, "[defaults]\nprovider=", 20);
	memset(t + 20, 'a', n);
	expect_bad(t, n + 20, "long line");
	free(t);
	/* A file over the size cap. */
	size_t big = CONFIG_MAX_FILE + 1;
	t = malloc(big);
	memset(t, '\n', big);
	CHECK(parse(&cfg, t, big, err) != 0);
	config_release(&cfg);
	free(t);
	/* Too many providers and aliases. */
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < CONFIG_MAX_PROVIDERS + 5; i++)
		buf_printf(&b, "[provider p%d]\ntype = offline\n", i);
	expect_bad(b.data, b.len, "providers");
	buf_reset(&b);
	for (int i = 0; i < CONFIG_MAX_ALIASES + 5; i++)
		buf_printf(&b, "[alias a%d]\nprovider = offline\n", i);
	expect_bad(b.data, b.len, "aliases");
	buf_release(&b);
	/* A key in a bad line is never echoed. */
	const char *secret = "[provider x]\ntype = openai\napi_key = sk-SECRET-123\x02\n";
	CHECK(parse(&cfg, secret, strlen(secret), err) != 0);
	CHECK(strstr(err, "SECRET") == NULL);
	config_release(&cfg);
	const char *secret2 = "[provider x]\ntype = openai\nbase_url = sk-SECRET-456\n";
	CHECK(parse(&cfg, secret2, strlen(secret2), err) != 0);
	CHECK(strstr(err, "SECRET") == NULL);
	config_release(&cfg);
	/* Random bytes never crash the parser. */
	struct rng r;
	rng_seed(&r, 42);
	char junk[512];
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rng_below(&r, sizeof junk);
		for (size_t i = 0; i < len; i++) {
			static const char alpha[] = "[]=\n #;abc_.-\"\t\xff\x01"
						    "0123456789";
			junk[i] = alpha[rng_below(&r, sizeof alpha - 1)];
		}
		config_init(&cfg);
		config_parse(&cfg, junk, len, "junk", NULL, err);
		config_release(&cfg);
	}
}

static void test_permissions(void)
{
	char err[MENTOR_ERR_LEN], warn[MENTOR_ERR_LEN];
	struct config cfg;
	const char *dir = test_path("xdg");
	char sub[600], path[700];
	snprintf(sub, sizeof sub, "%s/mentor", dir);
	mkdir(dir, 0700);
	mkdir(sub, 0700);
	snprintf(path, sizeof path, "%s/config", sub);
	const char *with_key = "[provider openai]\napi_key = sk-test-perm-key\n";
	test_write_file(path, with_key, strlen(with_key));
	setenv("XDG_CONFIG_HOME", dir, 1);
	chmod(path, 0644);
	CHECK_INT(config_load(&cfg, NULL, warn, err), 0);
	CHECK_STR(cfg.path, path);
	CHECK(strstr(warn, "readable") != NULL);
	CHECK(strstr(warn, "sk-test") == NULL);
	CHECK_STR(config_api_key(config_provider_get(&cfg, "openai")), "sk-test-perm-key");
	config_release(&cfg);
	chmod(path, 0600);
	CHECK_INT(config_load(&cfg, NULL, warn, err), 0);
	CHECK_STR(warn, "");
	config_release(&cfg);
	/* Readable file without a key: no warning. */
	const char *no_key = "[defaults]\nk = 3\n";
	test_write_file(path, no_key, strlen(no_key));
	chmod(path, 0644);
	CHECK_INT(config_load(&cfg, NULL, warn, err), 0);
	CHECK_STR(warn, "");
	CHECK_INT(cfg.k, 3);
	config_release(&cfg);
	/* An explicit missing file is an error; a bad file names its line. */
	CHECK(config_load(&cfg, test_path("missing.conf"), warn, err) != 0);
	config_release(&cfg);
	test_write_file(path, "[defaults]\nk = -1\n", 18);
	CHECK(config_load(&cfg, path, warn, err) != 0);
	CHECK(strstr(err, ":2:") != NULL);
	config_release(&cfg);
}

/* The TUI reads [keys] and [ui] from the same file: the teacher skips them
 * and still reads its own sections around them. */
static void test_foreign_sections(void)
{
	static const char text[] = "[keys]\naccept = a, y\nquit = q\n[ui]\ntheme = light\n"
				   "[defaults]\nconcurrency = 3\n";
	struct config cfg;
	char err[MENTOR_ERR_LEN];
	CHECK_INT(parse(&cfg, text, sizeof text - 1, err), 0);
	CHECK_INT(cfg.concurrency, 3);
	config_release(&cfg);
	/* [review]: the batch's confirmation threshold */
	static const char review[] = "[review]\nconfirm_calls = 0\n[defaults]\nk = 1\n";
	CHECK_INT(parse(&cfg, review, sizeof review - 1, err), 0);
	CHECK_INT(cfg.confirm_calls, 0);
	config_release(&cfg);
	static const char review2[] = "[review]\nconfirm_calls = 500\n";
	CHECK_INT(parse(&cfg, review2, sizeof review2 - 1, err), 0);
	CHECK_INT(cfg.confirm_calls, 500);
	config_release(&cfg);
	/* a bad line of [keys] is the workbench's to report: the rest of the
	 * file still reads ([ui] lang included) */
	static const char bad[] = "[keys]\nnot a line\n[ui]\nlang = ja\n[defaults]\nk = 2\n";
	CHECK_INT(parse(&cfg, bad, sizeof bad - 1, err), 0);
	CHECK_STR(cfg.ui_lang, "ja");
	CHECK_INT(cfg.k, 2);
	config_release(&cfg);
	/* elsewhere such a line is still an error */
	static const char bad2[] = "[ui]\nnot a line\n";
	CHECK(parse(&cfg, bad2, sizeof bad2 - 1, err) != 0);
	config_release(&cfg);
	/* [ui] lang: the language of the workbench and the report */
	CHECK_INT(parse(&cfg, text, sizeof text - 1, err), 0);
	CHECK(cfg.ui_lang == NULL);
	config_release(&cfg);
	static const char ja[] = "[ui]\ntheme = dark\nlang = ja\n";
	CHECK_INT(parse(&cfg, ja, sizeof ja - 1, err), 0);
	CHECK_STR(cfg.ui_lang, "ja");
	config_release(&cfg);
	static const char two[] = "[ui]\nlang = JA\n[ui]\nlang = \"auto\"\n";
	CHECK_INT(parse(&cfg, two, sizeof two - 1, err), 0);
	CHECK_STR(cfg.ui_lang, "auto");
	config_release(&cfg);
	static const char en[] = "[ui]\nlang = English\n";
	CHECK_INT(parse(&cfg, en, sizeof en - 1, err), 0);
	CHECK_STR(cfg.ui_lang, "en");
	config_release(&cfg);
	/* the bad value is not echoed (the message names the key) */
	static const char secret[] = "[ui]\nlang = sk-hidden\n";
	CHECK(parse(&cfg, secret, sizeof secret - 1, err) != 0);
	CHECK(strstr(err, "sk-hidden") == NULL);
	CHECK(strstr(err, "'lang'") != NULL);
	config_release(&cfg);
}

static void test_offline_rates(void)
{
	struct config cfg;
	char err[MENTOR_ERR_LEN];
	struct config_offline_rates r;
	/* Built-in defaults. */
	config_init(&cfg);
	CHECK_INT(config_offline_rates_resolve(&cfg, config_provider_get(&cfg, "offline"), NULL, &r,
					       err),
		  0);
	CHECK_NEAR(r.cot_wrong, CONFIG_DEFAULT_COT_WRONG_RATE, 1e-12);
	CHECK_NEAR(r.cot_bad_step, CONFIG_DEFAULT_COT_BAD_STEP_RATE, 1e-12);
	CHECK_NEAR(r.rp_leak, CONFIG_DEFAULT_RP_LEAK_RATE, 1e-12);
	config_release(&cfg);

	/* The offline provider's section, over [defaults], under options. */
	static const char text[] =
		"[defaults]\nerror_rate = 0.3\nrp_leak_rate = 0.25\n"
		"[provider offline]\ncot_bad_step_rate = 0.05\nrp_leak_rate = 0.4\n"
		"[provider sloppy]\ntype = offline\nerror_rate = 0.6\ncot_bad_step_rate=0.4\n";
	CHECK_INT(parse(&cfg, text, sizeof text - 1, err), 0);
	const struct config_provider *off = config_provider_get(&cfg, "offline");
	CHECK_INT(config_offline_rates_resolve(&cfg, off, NULL, &r, err), 0);
	CHECK_NEAR(r.cot_wrong, 0.3, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.05, 1e-12);
	CHECK_NEAR(r.rp_leak, 0.4, 1e-12);
	CHECK_INT(config_offline_rates_resolve(&cfg, NULL, NULL, &r, err), 0);
	CHECK_NEAR(r.rp_leak, 0.25, 1e-12);
	CHECK_NEAR(r.cot_bad_step, CONFIG_DEFAULT_COT_BAD_STEP_RATE, 1e-12);
	CHECK_INT(config_offline_rates_resolve(&cfg, config_provider_get(&cfg, "sloppy"), NULL, &r,
					       err),
		  0);
	CHECK_NEAR(r.cot_wrong, 0.6, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.4, 1e-12);
	struct config_offline_rates over;
	config_offline_rates_unset(&over);
	over.rp_leak = 0;
	CHECK_INT(config_offline_rates_resolve(&cfg, off, &over, &r, err), 0);
	CHECK_NEAR(r.rp_leak, 0, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.05, 1e-12);
	/* An option pushing the sum over 1 lowers the rate set further away. */
	over.cot_wrong = 0.97;
	CHECK_INT(config_offline_rates_resolve(&cfg, off, &over, &r, err), 0);
	CHECK_NEAR(r.cot_wrong, 0.97, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.03, 1e-12);
	config_offline_rates_unset(&over);
	over.cot_bad_step = 0.9; /* over the provider's (defaults') 0.3 */
	CHECK_INT(config_offline_rates_resolve(&cfg, off, &over, &r, err), 0);
	CHECK_NEAR(r.cot_bad_step, 0.9, 1e-12);
	CHECK_NEAR(r.cot_wrong, 0.1, 1e-12);
	/* Both in one place: an error. */
	over.cot_wrong = 0.2;
	CHECK_INT(config_offline_rates_resolve(&cfg, off, &over, &r, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "must not exceed 1") != NULL);
	over.cot_wrong = 0.1; /* 0.1 + 0.9: exactly 1 is fine */
	CHECK_INT(config_offline_rates_resolve(&cfg, off, &over, &r, err), 0);
	config_release(&cfg);

	/* Bad values in the file: clear errors naming the line and the key. */
	const char *bad[] = {
		"[provider offline]\ncot_wrong_rate = -0.1\n",
		"[provider offline]\ncot_wrong_rate = 1.5\n",
		"[provider offline]\ncot_bad_step_rate = abc\n",
		"[provider offline]\nrp_leak_rate = nan\n",
		"[provider offline]\nrp_leak_rate = inf\n",
		"[provider offline]\nrp_leak_rate = 0.5x\n",
		"[provider offline]\nrp_leak_rate =\n",
		"[defaults]\nerror_rate = -1\n",
		"[defaults]\ncot_bad_step_rate = 2\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_bad(bad[i], strlen(bad[i]), bad[i]);
		parse(&cfg, bad[i], strlen(bad[i]), err);
		CHECK_MSG(strstr(err, ":2: '") &&
				  strstr(err, "_rate' must be a number from 0 to 1"),
			  "message '%s'", err);
		config_release(&cfg);
	}
	/* Rates on a provider that is not offline; a sum over 1. */
	const char *bad2[] = {
		"[provider x]\ntype = openai\nrp_leak_rate = 0.1\n",
		"[provider x]\nrp_leak_rate = 0.1\ntype = anthropic\n",
		"[provider offline]\ncot_wrong_rate = 0.8\ncot_bad_step_rate = 0.3\n",
		"[defaults]\ncot_wrong_rate = 0.8\ncot_bad_step_rate = 0.3\n",
	};
	for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++)
		expect_bad(bad2[i], strlen(bad2[i]), bad2[i]);
	parse(&cfg, bad2[0], strlen(bad2[0]), err);
	CHECK(strstr(err, "[provider x] sets offline teacher rates but its type is openai") !=
	      NULL);
	config_release(&cfg);
}

static void test_rates_list(void)
{
	char err[MENTOR_ERR_LEN];
	struct config_offline_rates r, keep;
	config_offline_rates_unset(&r);
	CHECK_INT(config_offline_rates_parse("cot_wrong=0.2,cot_bad_step=0.1,rp_leak=0.15", &r,
					     err),
		  0);
	CHECK_NEAR(r.cot_wrong, 0.2, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.1, 1e-12);
	CHECK_NEAR(r.rp_leak, 0.15, 1e-12);
	/* Spaces, _rate names, the old name; unnamed rates left alone. */
	CHECK_INT(config_offline_rates_parse(" rp_leak_rate = 0 , error_rate=1 ", &r, err), 0);
	CHECK_NEAR(r.cot_wrong, 1, 1e-12);
	CHECK_NEAR(r.cot_bad_step, 0.1, 1e-12);
	CHECK_NEAR(r.rp_leak, 0, 1e-12);
	CHECK_INT(config_offline_rates_set(&r, "cot_bad_step_rate", "0.5", err), 0);
	CHECK_NEAR(r.cot_bad_step, 0.5, 1e-12);
	CHECK_INT(config_offline_rates_set(&r, "bogus", "0.5", err), MENTOR_ENOTFOUND);
	CHECK(strstr(err, "unknown offline teacher rate 'bogus'") != NULL);
	CHECK_INT(config_offline_rates_set(&r, "rp_leak", "-0.5", err), MENTOR_EUSAGE);
	CHECK_NEAR(r.rp_leak, 0, 1e-12);

	/* Malformed, truncated and hostile lists: an error, r unchanged. */
	const char *bad[] = {
		"",
		",",
		" ",
		"cot_wrong",
		"cot_wrong=",
		"=0.2",
		"cot_wrong=0.2,",
		"cot_wrong=0.2,,rp_leak=0.1",
		"cot_wrong=0.2,cot_wrong_rate=0.3",
		"cot_wrong=2",
		"cot_wrong=-1",
		"cot_wrong=1e999",
		"cot_wrong=0x",
		"bogus=0.1",
		"cot_wrong=0.1;rp_leak=0.2",
		"cot_wrong==0.1",
		"rp_leak=0.1 0.2",
		"rp_leak=\x1b[2J",
	};
	keep = r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_MSG(config_offline_rates_parse(bad[i], &r, err) == MENTOR_EUSAGE,
			  "accepted '%s'", bad[i]);
		CHECK_MSG(err[0] != '\0', "no message for '%s'", bad[i]);
		CHECK(!memcmp(&r, &keep, sizeof r));
	}
	CHECK_INT(config_offline_rates_parse(NULL, &r, err), MENTOR_EUSAGE);
	/* Huge: refused by size; a long unknown name is not echoed whole. */
	size_t n = CONFIG_MAX_LINE + 10;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	CHECK_INT(config_offline_rates_parse(big, &r, err), MENTOR_EUSAGE);
	memcpy(big + 3000, "=0.1", 5);
	CHECK_INT(config_offline_rates_parse(big, &r, err), MENTOR_EUSAGE);
	CHECK(strstr(err, "unknown offline teacher rate") != NULL);
	CHECK(strlen(err) < 200);
	free(big);
	CHECK(!memcmp(&r, &keep, sizeof r));
}

int main(void)
{
	test_offline_rates();
	test_rates_list();
	test_foreign_sections();
	test_builtin();
	test_good();
	test_malformed();
	test_huge_hostile();
	test_permissions();
	return test_done();
}
