/* config: the user's configuration file, $XDG_CONFIG_HOME/mentor/config
 * (else ~/.config/mentor/config): providers, model aliases, prices and the
 * teacher's defaults, in a small INI-like format (docs/teacher.md). Without a
 * file the built-in providers (offline, openai, anthropic) and defaults apply
 * and the offline teacher is the default, so everything works offline. */
#ifndef MENTOR_CONFIG_H
#define MENTOR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/util.h"

/* Limits on what a file may hold; beyond them the file is refused. */
#define CONFIG_MAX_FILE ((size_t)1 << 20)
#define CONFIG_MAX_LINE 4096
#define CONFIG_MAX_NAME 64
#define CONFIG_MAX_PROVIDERS 64
#define CONFIG_MAX_ALIASES 256

/* Provider types. */
#define CONFIG_TYPE_OPENAI "openai"
#define CONFIG_TYPE_ANTHROPIC "anthropic"
#define CONFIG_TYPE_OFFLINE "offline"

#define CONFIG_DEFAULT_CONCURRENCY 8
#define CONFIG_DEFAULT_TIMEOUT_S 120.0
#define CONFIG_DEFAULT_MAX_TOKENS 512
#define CONFIG_DEFAULT_COT_WRONG_RATE 0.2
#define CONFIG_DEFAULT_COT_BAD_STEP_RATE 0.1
#define CONFIG_DEFAULT_RP_LEAK_RATE 0.1
#define CONFIG_ANTHROPIC_VERSION "2023-06-01"
/* [review] confirm_calls: the workbench's batch (B) asks y/n first when it
 * may make more calls than this. */
#define CONFIG_DEFAULT_CONFIRM_CALLS 20

/* The offline teacher's mistake rates, each a probability from 0 to 1, or
 * negative for "not set here" (the next layer decides). A COTE explanation
 * goes wrong in at most one way, so cot_wrong + cot_bad_step <= 1. */
struct config_offline_rates {
	double cot_wrong;    /* COTE from the trace's wrong steps, ending in a wrong answer */
	double cot_bad_step; /* COTE with one altered middle step and the gold answer */
	double rp_leak;      /* RP restating the hint instead of reasoning */
};

struct config_provider {
	char *name;
	char *type;        /* openai | anthropic | offline */
	char *base_url;    /* without a trailing slash */
	char *api_key_env; /* environment variable holding the key */
	char *api_key;     /* key written in the file (discouraged), or NULL */
	char *model;       /* default model */
	char *anthropic_version;
	double price_in;                     /* price per million input tokens (USD), 0 = unknown */
	double price_out;                    /* per million output tokens */
	struct config_offline_rates offline; /* type offline: rates of its section, or
	                                      * negative (then [defaults]) */
};

struct config_alias {
	char *name;
	char *provider;
	char *model;
};

struct config {
	struct config_provider *providers;
	size_t n_providers;
	struct config_alias *aliases;
	size_t n_aliases;
	char *path; /* the file read, or NULL */
	/* [defaults] */
	char *provider;    /* default provider (or alias) name */
	char *prompts_dir; /* NULL = $XDG_CONFIG_HOME/mentor/prompts */
	int concurrency;   /* parallel requests, default 8 */
	int rpm;           /* requests per minute, 0 = no limit */
	double timeout_s;  /* per request attempt */
	double connect_timeout_s;
	int retries;
	int max_tokens;
	double temperature;
	struct config_offline_rates offline; /* [defaults] offline teacher rates (all set) */
	int k;                               /* demonstrations per prompt */
	uint64_t seed;                       /* demonstration and offline seed */
	int stream;                          /* 1: stream responses (SSE) */
	/* [review] */
	int64_t confirm_calls; /* batch: ask y/n above this many calls (default 20) */
	/* [ui] */
	char *ui_lang; /* lang: "en", "ja", "auto" or NULL when not set; the
				  * language itself is i18n_lang_pick's choice */
};

/* Built-in providers and defaults (no file). Environment: OPENAI_BASE_URL,
 * OPENAI_MODEL, ANTHROPIC_BASE_URL, ANTHROPIC_MODEL refine the built-ins. */
void config_init(struct config *cfg);
void config_release(struct config *cfg);

/* The default file path (heap, caller frees) or NULL when neither
 * XDG_CONFIG_HOME nor HOME is set. */
char *config_default_path(void);

/* config_init, then read path (NULL = config_default_path(); a missing
 * default file is fine, a missing explicit file is an error). warn (may be
 * NULL, MENTOR_ERR_LEN bytes) receives a warning, or "" when none: the file
 * holds an API key and is readable by group or others. On error cfg is
 * still initialised (release it). */
int config_load(struct config *cfg, const char *path, char *warn, char *err);
/* Parse text (len bytes) into cfg, which config_init prepared; `origin`
 * names it in messages ("FILE:LINE: ..."). Values (keys!) never appear in
 * messages. *has_key (may be NULL) says whether the text held an api_key. */
int config_parse(struct config *cfg, const char *text, size_t len, const char *origin, int *has_key,
		 char *err);

/* Provider by name (borrowed) or NULL. */
const struct config_provider *config_provider_get(const struct config *cfg, const char *name);
const struct config_alias *config_alias_get(const struct config *cfg, const char *name);

/* Resolve what the user asked for: name is a provider or alias (NULL = the
 * default), model overrides (an alias name is accepted there too). Sets
 * *prov (borrowed) and *model (borrowed: the provider's default, the
 * alias's or the argument). Returns 0 or MENTOR_EUSAGE with err. */
int config_resolve(const struct config *cfg, const char *name, const char *model,
		   const struct config_provider **prov, const char **model_out, char *err);

/* Every rate negative (not set). */
void config_offline_rates_unset(struct config_offline_rates *r);
/* Set the rate called name (cot_wrong, cot_bad_step, rp_leak, with or
 * without a "_rate" suffix; error_rate is cot_wrong) from the text value.
 * Returns 0, MENTOR_ENOTFOUND for an unknown name, MENTOR_EUSAGE when value
 * is not a number from 0 to 1 (err says which; the value is not echoed). */
int config_offline_rates_set(struct config_offline_rates *r, const char *name, const char *value,
			     char *err);
/* Parse a comma-separated list "cot_wrong=0.2,cot_bad_step=0.1,rp_leak=0.1"
 * (names as for config_offline_rates_set; spaces around items allowed; at
 * most CONFIG_MAX_LINE bytes). Rates not named are left as they were. On
 * error (MENTOR_EUSAGE: unknown name, missing '=', bad or repeated value,
 * empty item) r is unchanged. */
int config_offline_rates_parse(const char *text, struct config_offline_rates *r, char *err);
/* The rates in effect: each from over (may be NULL) when set, else from the
 * provider p's section (p may be NULL), else from [defaults]. When
 * cot_wrong + cot_bad_step exceeds 1, the rate from the nearer layer wins
 * and the other is lowered to fit; both from one layer is an error
 * (MENTOR_EUSAGE with err). Returns 0 otherwise. */
int config_offline_rates_resolve(const struct config *cfg, const struct config_provider *p,
				 const struct config_offline_rates *over,
				 struct config_offline_rates *out, char *err);

/* The provider's API key: from its api_key_env variable, else from the
 * file; NULL if none. Borrowed (environment or cfg). */
const char *config_api_key(const struct config_provider *p);

#endif
