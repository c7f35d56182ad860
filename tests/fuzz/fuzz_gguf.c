/* fuzz_gguf: the GGUF reader (src/modelio.c). Input: a GGUF file. Property:
 * it is refused with a message, or read into a model whose shape, parameter
 * count and vocabulary agree. */
#include <string.h>

#include "fuzz.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"

static char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	path = fuzz_path("input.gguf");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write(path, data, size);
	struct modelio_model mm;
	char err[MENTOR_ERR_LEN] = "";
	if (modelio_read(path, &mm, err)) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(mm.params == NULL && mm.tok == NULL);
		return 0;
	}
	FUZZ_CHECK(model_config_check(&mm.mcfg, err) == 0);
	FUZZ_CHECK(mm.params && mm.n_params == model_config_num_params(&mm.mcfg));
	FUZZ_CHECK(mm.tok && tokenizer_vocab_size(mm.tok) <= mm.mcfg.vocab_size);
	modelio_model_release(&mm);
	return 0;
}
