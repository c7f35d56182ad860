/* fuzz_config: the configuration file parser (src/config.c). Input: a whole
 * config file. Properties: parsing never fails without a message, a parsed
 * configuration resolves its default provider or says why not, and every
 * provider it names can be looked up. */
#include <string.h>

#include "fuzz.h"
#include "mentor/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	config_init(&cfg);
	char err[MENTOR_ERR_LEN] = "";
	int has_key = -1;
	int rc = config_parse(&cfg, (const char *)data, size, "fuzz.conf", &has_key, err);
	if (rc) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		FUZZ_CHECK(has_key == 0 || has_key == 1);
		const struct config_provider *p = NULL;
		const char *model = NULL;
		err[0] = '\0';
		if (config_resolve(&cfg, NULL, NULL, &p, &model, err))
			FUZZ_CHECK(err[0] != '\0');
		else
			FUZZ_CHECK(p != NULL);
		for (size_t i = 0; i < cfg.n_providers; i++)
			FUZZ_CHECK(config_provider_get(&cfg, cfg.providers[i].name) != NULL);
		for (size_t i = 0; i < cfg.n_aliases; i++) {
			FUZZ_CHECK(config_alias_get(&cfg, cfg.aliases[i].name) != NULL);
			err[0] = '\0';
			if (config_resolve(&cfg, cfg.aliases[i].name, NULL, &p, &model, err))
				FUZZ_CHECK(err[0] != '\0');
		}
	}
	config_release(&cfg);
	return 0;
}
