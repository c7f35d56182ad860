/* modelio_bench: export and import speed of the two formats for a model of
 * GPT-2 small's body (12 layers, width 768, context 1024; a small
 * vocabulary), and the bit-exactness of the round trip at that size.
 * usage: modelio_bench [DIR] (default: $TMPDIR or /tmp). Writes ~700 MB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentor/modelio.h"
#include "mentor/model.h"
#include "mentor/tokenizer.h"

static double mb(size_t n_params)
{
	return (double)n_params * 4.0 / 1e6;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char err[MENTOR_ERR_LEN];
	const char *texts[] = {"What is 3 + 4? 3 + 4 = 7. So the answer is 7.",
			       "The quick brown fox jumps over the lazy dog."};
	size_t lens[] = {strlen(texts[0]), strlen(texts[1])};
	struct modelio_model mm;
	modelio_model_init(&mm);
	if (tokenizer_train(texts, lens, 2, 300, &mm.tok, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct model_config cfg = {tokenizer_vocab_size(mm.tok), 1024, 12, 12, 768};
	mm.mcfg = cfg;
	mm.n_params = model_config_num_params(&cfg);
	mm.params = malloc(mm.n_params * sizeof(float));
	if (!mm.params)
		return 1;
	struct rng r;
	rng_seed(&r, 1);
	for (size_t i = 0; i < mm.n_params; i++)
		mm.params[i] = (float)(rng_unit(&r) - 0.5);
	char gguf[1024], hf[1024];
	snprintf(gguf, sizeof gguf, "%s/modelio_bench.gguf", dir);
	snprintf(hf, sizeof hf, "%s/modelio_bench-hf", dir);
	printf("model: %zu parameters (%.0f MB of float32)\n", mm.n_params, mb(mm.n_params));
	struct {
		const char *what;
		int write, format;
		const char *path;
	} steps[] = {
		{"gguf export", 1, MODELIO_GGUF, gguf},
		{"gguf import", 0, MODELIO_GGUF, gguf},
		{"safetensors export", 1, MODELIO_HF, hf},
		{"safetensors import", 0, MODELIO_HF, hf},
	};
	int exact = 1;
	for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		double t0 = util_mono();
		int rc;
		struct modelio_model back;
		modelio_model_init(&back);
		if (steps[s].write)
			rc = steps[s].format == MODELIO_GGUF ? modelio_write_gguf(&mm, gguf, err)
							     : modelio_write_hf(&mm, hf, err);
		else
			rc = modelio_read(steps[s].path, &back, err);
		double dt = util_mono() - t0;
		if (rc) {
			fprintf(stderr, "%s: %s\n", steps[s].what, err);
			return 1;
		}
		if (!steps[s].write)
			exact &= back.n_params == mm.n_params &&
				 !memcmp(back.params, mm.params, mm.n_params * sizeof(float));
		modelio_model_release(&back);
		printf("%-20s %6.2f s  %7.0f MB/s\n", steps[s].what, dt, mb(mm.n_params) / dt);
	}
	printf("round trip bit-exact: %s\n", exact ? "yes" : "NO");
	modelio_model_release(&mm);
	return exact ? 0 : 1;
}
