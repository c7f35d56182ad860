/* config: built-in providers and defaults, and the parser of the INI-like
 * configuration file. The parser is strict (unknown keys and sections are
 * errors naming the line) and never echoes values, which may be keys. */
#include "mentor/config.h"

#include "mentor/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void provider_release(struct config_provider *p)
{
	free(p->name);
	free(p->type);
	free(p->base_url);
	free(p->api_key_env);
	util_free_secret(p->api_key); /* not left lying in freed memory */
	free(p->model);
	free(p->anthropic_version);
	memset(p, 0, sizeof *p);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = util_strdup(v);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* Strip trailing slashes of a URL in place. */
static void trim_slash(char *u)
{
	size_t n = u ? strlen(u) : 0;
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
}

static struct config_provider *provider_add(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_providers; i++)
		if (!strcmp(cfg->providers[i].name, name))
			return &cfg->providers[i];
	if (cfg->n_providers >= CONFIG_MAX_PROVIDERS)
		return NULL;
	struct config_provider *p = realloc(cfg->providers, (cfg->n_providers + 1) * sizeof *p);
	if (!p)
		util_oom();
	cfg->providers = p;
	p = &cfg->providers[cfg->n_providers++];
	memset(p, 0, sizeof *p);
	p->name = util_strdup(name);
	config_offline_rates_unset(&p->offline);
	return p;
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->provider = util_strdup("offline");
	cfg->concurrency = CONFIG_DEFAULT_CONCURRENCY;
	cfg->rpm = 0;
	cfg->timeout_s = CONFIG_DEFAULT_TIMEOUT_S;
	cfg->connect_timeout_s = 10;
	cfg->retries = 4;
	cfg->max_tokens = CONFIG_DEFAULT_MAX_TOKENS;
	cfg->temperature = 0;
	cfg->offline.cot_wrong = CONFIG_DEFAULT_COT_WRONG_RATE;
	cfg->offline.cot_bad_step = CONFIG_DEFAULT_COT_BAD_STEP_RATE;
	cfg->offline.rp_leak = CONFIG_DEFAULT_RP_LEAK_RATE;
	cfg->k = 4;
	cfg->seed = 1;
	cfg->stream = 0;
	cfg->confirm_calls = CONFIG_DEFAULT_CONFIRM_CALLS;

	struct config_provider *p = provider_add(cfg, "offline");
	p->type = util_strdup(CONFIG_TYPE_OFFLINE);
	p->model = util_strdup("scripted-teacher");

	p = provider_add(cfg, "openai");
	p->type = util_strdup(CONFIG_TYPE_OPENAI);
	p->base_url = util_strdup(env_or("OPENAI_BASE_URL", "https://api.openai.com/v1"));
	trim_slash(p->base_url);
	p->api_key_env = util_strdup("OPENAI_API_KEY");
	p->model = util_strdup(env_or("OPENAI_MODEL", "gpt-4o-mini"));

	p = provider_add(cfg, "anthropic");
	p->type = util_strdup(CONFIG_TYPE_ANTHROPIC);
	p->base_url = util_strdup(env_or("ANTHROPIC_BASE_URL", "https://api.anthropic.com"));
	trim_slash(p->base_url);
	p->api_key_env = util_strdup("ANTHROPIC_API_KEY");
	p->model = util_strdup(env_or("ANTHROPIC_MODEL", "claude-3-5-haiku-latest"));
	p->anthropic_version = util_strdup(CONFIG_ANTHROPIC_VERSION);
}

void config_release(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_providers; i++)
		provider_release(&cfg->providers[i]);
	free(cfg->providers);
	for (size_t i = 0; i < cfg->n_aliases; i++) {
		free(cfg->aliases[i].name);
		free(cfg->aliases[i].provider);
		free(cfg->aliases[i].model);
	}
	free(cfg->aliases);
	free(cfg->path);
	free(cfg->provider);
	free(cfg->prompts_dir);
	free(cfg->ui_lang);
	memset(cfg, 0, sizeof *cfg);
}

char *config_default_path(void)
{
	return util_user_config_path("config");
}

/* ------------------------------------------------------------- parsing */

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n > CONFIG_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static int parse_num(const char *v, double lo, double hi, double *out)
{
	double d;
	if (util_parse_double(v, &d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

/* SEC_OTHER: a section another module reads from the same file ([keys]);
 * its lines are skipped here. [ui] is shared: lang is read here, other keys
 * are left to the workbench. */
enum section { SEC_NONE, SEC_DEFAULTS, SEC_PROVIDER, SEC_ALIAS, SEC_REVIEW, SEC_UI, SEC_OTHER };

struct parse_state {
	struct config *cfg;
	const char *origin;
	size_t line;
	int sec;
	struct config_provider *prov;
	struct config_alias *alias;
	int has_key;
};

#define PERR(ps, err, ...) perr((ps), (err), __VA_ARGS__)

static int perr(struct parse_state *ps, char *err, const char *fmt, ...) MENTOR_PRINTF(3, 4);
static int perr(struct parse_state *ps, char *err, const char *fmt, ...)
{
	char msg[MENTOR_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return util_err(err, "%s:%zu: %s", ps->origin, ps->line, msg);
}

static int set_default(struct parse_state *ps, const char *k, const char *v, char *err)
{
	struct config *c = ps->cfg;
	double d;
	if (!strcmp(k, "provider")) {
		if (!valid_name(v, strlen(v)))
			return PERR(ps, err, "bad provider name for 'provider'");
		set_str(&c->provider, v);
		return 0;
	}
	if (!strcmp(k, "prompts_dir")) {
		set_str(&c->prompts_dir, v);
		return 0;
	}
	if (!strcmp(k, "stream")) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			c->stream = 1;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			c->stream = 0;
		else
			return PERR(ps, err, "'stream' must be yes or no");
		return 0;
	}
	char sub[MENTOR_ERR_LEN];
	int rc = config_offline_rates_set(&c->offline, k, v, sub);
	if (rc != MENTOR_ENOTFOUND)
		return rc ? PERR(ps, err, "%s", sub) : 0;
	static const struct {
		const char *key;
		double lo, hi;
		int integer;
	} nums[] = {
		{"concurrency", 1, 256, 1},
		{"rpm", 0, 1e6, 1},
		{"timeout", 0.1, 86400, 0},
		{"connect_timeout", 0.1, 3600, 0},
		{"retries", 0, 20, 1},
		{"max_tokens", 1, 1e6, 1},
		{"temperature", 0, 2, 0},
		{"k", 0, 64, 1},
		{"seed", 0, 9007199254740992.0, 1},
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(k, nums[i].key))
			continue;
		if (parse_num(v, nums[i].lo, nums[i].hi, &d) ||
		    (nums[i].integer && d != (double)(int64_t)d))
			return PERR(ps, err, "'%s' must be a%s number from %g to %g", k,
				    nums[i].integer ? "n integer" : "", nums[i].lo, nums[i].hi);
		switch (i) {
		case 0: c->concurrency = (int)d; break;
		case 1: c->rpm = (int)d; break;
		case 2: c->timeout_s = d; break;
		case 3: c->connect_timeout_s = d; break;
		case 4: c->retries = (int)d; break;
		case 5: c->max_tokens = (int)d; break;
		case 6: c->temperature = d; break;
		case 7: c->k = (int)d; break;
		default: c->seed = (uint64_t)d; break;
		}
		return 0;
	}
	return PERR(ps, err, "unknown key '%s' in [defaults]", k);
}

static int set_provider(struct parse_state *ps, const char *k, const char *v, char *err)
{
	struct config_provider *p = ps->prov;
	double d;
	char sub[MENTOR_ERR_LEN];
	int rc = config_offline_rates_set(&p->offline, k, v, sub);
	if (rc != MENTOR_ENOTFOUND)
		return rc ? PERR(ps, err, "%s", sub) : 0;
	if (!strcmp(k, "type")) {
		if (strcmp(v, CONFIG_TYPE_OPENAI) && strcmp(v, CONFIG_TYPE_ANTHROPIC) &&
		    strcmp(v, CONFIG_TYPE_OFFLINE))
			return PERR(ps, err, "'type' must be openai, anthropic or offline");
		set_str(&p->type, v);
	} else if (!strcmp(k, "base_url")) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return PERR(ps, err, "'base_url' must start with http:// or https://");
		for (const char *q = v; *q; q++)
			if ((unsigned char)*q <= ' ')
				return PERR(ps, err, "'base_url' must not contain spaces");
		set_str(&p->base_url, v);
		trim_slash(p->base_url);
	} else if (!strcmp(k, "api_key_env")) {
		if (!valid_name(v, strlen(v)))
			return PERR(ps, err, "bad variable name for 'api_key_env'");
		set_str(&p->api_key_env, v);
	} else if (!strcmp(k, "api_key")) {
		for (const char *q = v; *q; q++)
			if ((unsigned char)*q < ' ' || *q == 0x7f)
				return PERR(ps, err, "'api_key' holds a control character");
		if (p->api_key)
			free(p->api_key);
		p->api_key = util_strdup(v);
		ps->has_key = 1;
	} else if (!strcmp(k, "model")) {
		set_str(&p->model, v);
	} else if (!strcmp(k, "anthropic_version")) {
		set_str(&p->anthropic_version, v);
	} else if (!strcmp(k, "price_in") || !strcmp(k, "price_out")) {
		if (parse_num(v, 0, 1e6, &d))
			return PERR(ps, err, "'%s' must be a price per million tokens (0 to 1e6)",
				    k);
		if (k[6] == 'i')
			p->price_in = d;
		else
			p->price_out = d;
	} else {
		return PERR(ps, err, "unknown key '%s' in [provider %s]", k, p->name);
	}
	return 0;
}

static int set_alias(struct parse_state *ps, const char *k, const char *v, char *err)
{
	struct config_alias *a = ps->alias;
	if (!strcmp(k, "provider")) {
		if (!valid_name(v, strlen(v)))
			return PERR(ps, err, "bad provider name in [alias %s]", a->name);
		set_str(&a->provider, v);
	} else if (!strcmp(k, "model")) {
		set_str(&a->model, v);
	} else {
		return PERR(ps, err, "unknown key '%s' in [alias %s]", k, a->name);
	}
	return 0;
}

/* [review]: the workbench's Review screen. */
static int set_review(struct parse_state *ps, const char *k, const char *v, char *err)
{
	double d;
	if (!strcmp(k, "confirm_calls")) {
		if (parse_num(v, 0, 1e9, &d) || d != (double)(int64_t)d)
			return PERR(ps, err, "'confirm_calls' must be an integer from 0 to 1e9");
		ps->cfg->confirm_calls = (int64_t)d;
		return 0;
	}
	return PERR(ps, err, "unknown key '%s' in [review]", k);
}

/* [ui]: lang = en | ja | auto; the workbench reads the section's other keys. */
static int set_ui(struct parse_state *ps, const char *k, const char *v, char *err)
{
	if (strcmp(k, "lang"))
		return 0;
	int lang;
	char sub[MENTOR_ERR_LEN];
	if (!*v || i18n_lang_parse(v, &lang, sub))
		return PERR(ps, err, "'lang' in [ui] must be en, ja or auto");
	set_str(&ps->cfg->ui_lang, lang < 0 ? "auto" : i18n_lang_code(lang));
	return 0;
}

static int section(struct parse_state *ps, char *s, char *err)
{
	size_t n = strlen(s);
	if (n < 2 || s[n - 1] != ']')
		return PERR(ps, err, "section header without ']'");
	s[n - 1] = '\0';
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	char *sp = s;
	while (*sp && *sp != ' ' && *sp != '\t')
		sp++;
	char *name = sp;
	while (*name == ' ' || *name == '\t')
		name++;
	*sp = '\0';
	size_t nl = strlen(name);
	while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
		name[--nl] = '\0';
	ps->prov = NULL;
	ps->alias = NULL;
	if (!strcmp(s, "defaults") && !*name) {
		ps->sec = SEC_DEFAULTS;
		return 0;
	}
	if (!strcmp(s, "review") && !*name) {
		ps->sec = SEC_REVIEW;
		return 0;
	}
	if (!strcmp(s, "ui") && !*name) {
		ps->sec = SEC_UI;
		return 0;
	}
	if (!strcmp(s, "keys") && !*name) {
		ps->sec = SEC_OTHER;
		return 0;
	}
	if (!strcmp(s, "provider") || !strcmp(s, "alias")) {
		if (!valid_name(name, nl))
			return PERR(ps, err, "[%s] needs a name of letters, digits, '_', '-', '.'",
				    s);
		if (s[0] == 'p') {
			ps->prov = provider_add(ps->cfg, name);
			if (!ps->prov)
				return PERR(ps, err, "too many providers (at most %d)",
					    CONFIG_MAX_PROVIDERS);
			ps->sec = SEC_PROVIDER;
			return 0;
		}
		struct config *c = ps->cfg;
		for (size_t i = 0; i < c->n_aliases; i++)
			if (!strcmp(c->aliases[i].name, name)) {
				ps->alias = &c->aliases[i];
				ps->sec = SEC_ALIAS;
				return 0;
			}
		if (c->n_aliases >= CONFIG_MAX_ALIASES)
			return PERR(ps, err, "too many aliases (at most %d)", CONFIG_MAX_ALIASES);
		struct config_alias *a = realloc(c->aliases, (c->n_aliases + 1) * sizeof *a);
		if (!a)
			util_oom();
		c->aliases = a;
		ps->alias = &c->aliases[c->n_aliases++];
		memset(ps->alias, 0, sizeof *ps->alias);
		ps->alias->name = util_strdup(name);
		ps->sec = SEC_ALIAS;
		return 0;
	}
	return PERR(ps, err,
		    "unknown section (use [defaults], [provider NAME], [alias NAME] or "
		    "[review])");
}

static int line(struct parse_state *ps, char *s, char *err)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (!*s || *s == '#' || *s == ';')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
			return PERR(ps, err, "control character in line");
	if (*s == '[')
		return section(ps, s, err);
	/* [keys] belongs to the workbench, which names each bad line of it; a
	 * line there must not make the rest of the file unreadable */
	if (ps->sec == SEC_OTHER)
		return 0;
	char *eq = strchr(s, '=');
	if (!eq)
		return PERR(ps, err, "expected 'key = value'");
	char *k = s, *ke = eq;
	while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
		ke--;
	*ke = '\0';
	char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
		v[vl - 1] = '\0';
		v++;
	}
	if (!valid_name(k, strlen(k)))
		return PERR(ps, err, "bad key name");
	switch (ps->sec) {
	case SEC_OTHER: return 0;
	case SEC_DEFAULTS: return set_default(ps, k, v, err);
	case SEC_PROVIDER: return set_provider(ps, k, v, err);
	case SEC_ALIAS: return set_alias(ps, k, v, err);
	case SEC_REVIEW: return set_review(ps, k, v, err);
	case SEC_UI: return set_ui(ps, k, v, err);
	default: return PERR(ps, err, "key '%s' outside a section", k);
	}
}

int config_parse(struct config *cfg, const char *text, size_t len, const char *origin, int *has_key,
		 char *err)
{
	struct parse_state ps = {.cfg = cfg, .origin = origin ? origin : "config", .line = 0};
	if (has_key)
		*has_key = 0;
	if (len > CONFIG_MAX_FILE)
		return util_err(err, "%s: larger than %zu bytes", ps.origin, CONFIG_MAX_FILE);
	size_t bad;
	if (!util_utf8_valid(text, len, 1, &bad)) {
		/* Count the line for the message. */
		size_t ln = 1;
		for (size_t i = 0; i < bad; i++)
			ln += text[i] == '\n';
		return util_err(err, "%s:%zu: invalid UTF-8 or NUL byte", ps.origin, ln);
	}
	char *lb = malloc(CONFIG_MAX_LINE + 1);
	if (!lb)
		util_oom();
	size_t i = 0;
	int rc = 0;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len && !rc) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		ps.line++;
		if (j - i > CONFIG_MAX_LINE) {
			rc = PERR(&ps, err, "line longer than %d bytes", CONFIG_MAX_LINE);
			break;
		}
		memcpy(lb, text + i, j - i);
		lb[j - i] = '\0';
		rc = line(&ps, lb, err);
		i = j + 1;
	}
	memset(lb, 0, CONFIG_MAX_LINE + 1);
	free(lb);
	if (has_key)
		*has_key = ps.has_key;
	if (rc)
		return MENTOR_ERR;
	struct config_offline_rates r;
	char sub[MENTOR_ERR_LEN];
	if (config_offline_rates_resolve(cfg, NULL, NULL, &r, sub))
		return util_err(err, "%s: [defaults]: %s", ps.origin, sub);
	for (size_t p = 0; p < cfg->n_providers; p++) {
		const struct config_provider *pr = &cfg->providers[p];
		if (!pr->type)
			return util_err(err, "%s: [provider %s] has no 'type'", ps.origin,
					pr->name);
		int has_rates = pr->offline.cot_wrong >= 0 || pr->offline.cot_bad_step >= 0 ||
				pr->offline.rp_leak >= 0;
		if (has_rates && strcmp(pr->type, CONFIG_TYPE_OFFLINE))
			return util_err(err,
					"%s: [provider %s] sets offline teacher rates but its "
					"type is %s, not offline",
					ps.origin, pr->name, pr->type);
		if (config_offline_rates_resolve(cfg, pr, NULL, &r, sub))
			return util_err(err, "%s: [provider %s]: %s", ps.origin, pr->name, sub);
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, char *warn, char *err)
{
	config_init(cfg);
	if (warn)
		warn[0] = '\0';
	char *def = NULL;
	if (!path) {
		def = config_default_path();
		if (!def)
			return 0;
		struct stat sb;
		if (stat(def, &sb) != 0) {
			free(def);
			return 0;
		}
		path = def;
	}
	size_t len;
	char sub[MENTOR_ERR_LEN];
	char *text = util_read_file(path, CONFIG_MAX_FILE, &len, sub);
	if (!text) {
		util_err(err, "cannot read config: %s", sub);
		free(def);
		return MENTOR_ERR;
	}
	int has_key = 0;
	int rc = config_parse(cfg, text, len, path, &has_key, err);
	memset(text, 0, len);
	free(text);
	if (!rc) {
		set_str(&cfg->path, path);
		struct stat sb;
		if (has_key && warn && stat(path, &sb) == 0 && (sb.st_mode & 077))
			snprintf(
				warn, MENTOR_ERR_LEN,
				"config file '%s' contains an API key and is readable by group or "
				"others; run 'chmod 600 %s' or move the key to an environment variable",
				path, path);
	}
	free(def);
	return rc;
}

const struct config_provider *config_provider_get(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_providers; i++)
		if (!strcmp(cfg->providers[i].name, name))
			return &cfg->providers[i];
	return NULL;
}

const struct config_alias *config_alias_get(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_aliases; i++)
		if (!strcmp(cfg->aliases[i].name, name))
			return &cfg->aliases[i];
	return NULL;
}

int config_resolve(const struct config *cfg, const char *name, const char *model,
		   const struct config_provider **prov, const char **model_out, char *err)
{
	const char *pname = name && *name ? name : cfg->provider;
	const char *m = NULL;
	const struct config_alias *a = NULL;
	/* --model may name an alias: it then brings its provider unless one was given. */
	if (model && (a = config_alias_get(cfg, model)) != NULL) {
		if (!name || !*name)
			pname = a->provider;
		m = a->model;
	} else if ((a = config_alias_get(cfg, pname)) != NULL) {
		pname = a->provider;
		m = a->model;
	}
	if (model && !config_alias_get(cfg, model))
		m = model;
	const struct config_provider *p = config_provider_get(cfg, pname);
	if (!p) {
		util_err(err,
			 "unknown provider '%s': define it with [provider %s] in the config file",
			 pname ? pname : "", pname ? pname : "NAME");
		return MENTOR_EUSAGE;
	}
	if (!m)
		m = p->model;
	if (!m || !*m) {
		util_err(err, "provider '%s' has no model: give --model or set 'model'", p->name);
		return MENTOR_EUSAGE;
	}
	*prov = p;
	*model_out = m;
	return 0;
}

/* ------------------------------------------------ offline teacher rates */

void config_offline_rates_unset(struct config_offline_rates *r)
{
	r->cot_wrong = r->cot_bad_step = r->rp_leak = -1;
}

/* The field a rate name stands for, or NULL. */
static double *rate_field(struct config_offline_rates *r, const char *name, size_t n)
{
	static const struct {
		const char *name;
		int field;
	} names[] = {
		{"cot_wrong", 0},    {"cot_wrong_rate", 0},    {"error_rate", 0},
		{"cot_bad_step", 1}, {"cot_bad_step_rate", 1}, {"rp_leak", 2},
		{"rp_leak_rate", 2},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && !strncmp(names[i].name, name, n))
			return names[i].field == 0   ? &r->cot_wrong
			       : names[i].field == 1 ? &r->cot_bad_step
						     : &r->rp_leak;
	return NULL;
}

static int rate_set(struct config_offline_rates *r, const char *name, size_t n, const char *value,
		    char *err)
{
	double *f = rate_field(r, name, n);
	if (!f)
		return MENTOR_ENOTFOUND;
	double d;
	if (parse_num(value, 0, 1, &d)) {
		util_err(err, "'%.*s' must be a number from 0 to 1", (int)n, name);
		return MENTOR_EUSAGE;
	}
	*f = d;
	return 0;
}

int config_offline_rates_set(struct config_offline_rates *r, const char *name, const char *value,
			     char *err)
{
	int rc = rate_set(r, name, strlen(name), value, err);
	if (rc == MENTOR_ENOTFOUND)
		util_err(err,
			 "unknown offline teacher rate '%.*s' (use cot_wrong, cot_bad_step "
			 "or rp_leak)",
			 CONFIG_MAX_NAME, name);
	return rc;
}

/* One NAME=RATE item of a rates list (n bytes at s, trimmed) into tmp. */
static int rates_item(const char *s, size_t n, struct config_offline_rates *tmp,
		      struct config_offline_rates *seen, char *err)
{
	char item[CONFIG_MAX_LINE + 1];
	memcpy(item, s, n);
	item[n] = '\0';
	char *eq = strchr(item, '=');
	if (!n)
		return util_err(err, "empty item in the list of offline teacher rates");
	if (!eq)
		return util_err(err, "expected NAME=RATE in the list of offline teacher rates "
				     "(e.g. cot_wrong=0.2,cot_bad_step=0.1,rp_leak=0.1)");
	size_t nl = (size_t)(eq - item);
	while (nl && (item[nl - 1] == ' ' || item[nl - 1] == '\t'))
		nl--;
	int shown = (int)(nl < CONFIG_MAX_NAME ? nl : CONFIG_MAX_NAME);
	const char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	double *sf = rate_field(seen, item, nl);
	if (!sf)
		return util_err(err,
				"unknown offline teacher rate '%.*s' (use cot_wrong, "
				"cot_bad_step or rp_leak)",
				shown, item);
	if (*sf >= 0)
		return util_err(err, "offline teacher rate '%.*s' given twice", shown, item);
	*sf = 1;
	return rate_set(tmp, item, nl, v, err) ? MENTOR_ERR : 0;
}

int config_offline_rates_parse(const char *text, struct config_offline_rates *r, char *err)
{
	size_t len = text ? strlen(text) : 0;
	if (len == 0) {
		util_err(err, "empty list of offline teacher rates");
		return MENTOR_EUSAGE;
	}
	if (len > CONFIG_MAX_LINE) {
		util_err(err, "list of offline teacher rates longer than %d bytes",
			 CONFIG_MAX_LINE);
		return MENTOR_EUSAGE;
	}
	struct config_offline_rates tmp = *r, seen;
	config_offline_rates_unset(&seen);
	const char *p = text;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (rates_item(p, n, &tmp, &seen, err))
			return MENTOR_EUSAGE;
		if (!e)
			break;
		p = e + 1;
	}
	*r = tmp;
	return 0;
}

int config_offline_rates_resolve(const struct config *cfg, const struct config_provider *p,
				 const struct config_offline_rates *over,
				 struct config_offline_rates *out, char *err)
{
	const struct config_offline_rates *layers[3] = {over, p ? &p->offline : NULL,
							&cfg->offline};
	double *dst[3] = {&out->cot_wrong, &out->cot_bad_step, &out->rp_leak};
	int from[3] = {3, 3, 3}; /* the layer each rate came from */
	for (int f = 0; f < 3; f++) {
		*dst[f] = 0;
		for (int l = 0; l < 3; l++) {
			if (!layers[l])
				continue;
			double v = f == 0   ? layers[l]->cot_wrong
				   : f == 1 ? layers[l]->cot_bad_step
					    : layers[l]->rp_leak;
			if (v >= 0) {
				*dst[f] = v > 1 ? 1 : v;
				from[f] = l;
				break;
			}
		}
	}
	/* A little slack for decimal sums such as 0.7 + 0.3. */
	if (out->cot_wrong + out->cot_bad_step <= 1 + 1e-9)
		return 0;
	if (from[0] == from[1]) {
		util_err(err,
			 "cot_wrong_rate + cot_bad_step_rate is %g; a cot explanation goes "
			 "wrong in one way at most, so the sum must not exceed 1",
			 out->cot_wrong + out->cot_bad_step);
		return MENTOR_EUSAGE;
	}
	/* Set in different places: the one set closer to the run wins and the
	 * other is lowered to fit (cot_wrong=1 on the command line means every
	 * cot explanation is wrong, whatever the file says of bad steps). */
	if (from[0] < from[1])
		out->cot_bad_step = 1 - out->cot_wrong;
	else
		out->cot_wrong = 1 - out->cot_bad_step;
	return 0;
}

const char *config_api_key(const struct config_provider *p)
{
	if (p->api_key_env) {
		const char *v = getenv(p->api_key_env);
		if (v && *v)
			return v;
	}
	return p->api_key && *p->api_key ? p->api_key : NULL;
}
