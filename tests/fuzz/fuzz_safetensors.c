/* fuzz_safetensors: the Hugging Face GPT-2 folder reader (src/modelio.c):
 * model.safetensors, config.json and tokenizer.json. A valid folder of a
 * tiny student is written at start. Input: a byte choosing which of the
 * three files the rest replaces (the other two stay valid). Property: the
 * folder is refused with a message, or read into a whole model. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_model.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/util.h"

static const char *const files[] = {"model.safetensors", "config.json", "tokenizer.json"};
static char *dir, *paths[3], *good[3];
static size_t good_len[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dir = fuzz_path("hf");
	fuzz_tiny_hf(dir);
	char err[MENTOR_ERR_LEN];
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(dir) + strlen(files[i]) + 2;
		paths[i] = malloc(n);
		if (!paths[i])
			abort();
		snprintf(paths[i], n, "%s/%s", dir, files[i]);
		if (!(good[i] = util_read_file(paths[i], (size_t)64 << 20, &good_len[i], err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int which = data[0] % 3;
	for (int i = 0; i < 3; i++)
		if (i == which)
			fuzz_write(paths[i], data + 1, size - 1);
		else
			fuzz_write(paths[i], good[i], good_len[i]);
	struct modelio_model mm;
	char err[MENTOR_ERR_LEN] = "";
	/* the folder, and the file itself as a path */
	for (int k = 0; k < 2; k++) {
		if (modelio_read_hf(k ? paths[0] : dir, &mm, err)) {
			FUZZ_CHECK(err[0] != '\0');
			FUZZ_CHECK(mm.params == NULL && mm.tok == NULL);
			continue;
		}
		FUZZ_CHECK(model_config_check(&mm.mcfg, err) == 0);
		FUZZ_CHECK(mm.params && mm.n_params == model_config_num_params(&mm.mcfg));
		FUZZ_CHECK(mm.tok && tokenizer_vocab_size(mm.tok) <= mm.mcfg.vocab_size);
		modelio_model_release(&mm);
	}
	return 0;
}
