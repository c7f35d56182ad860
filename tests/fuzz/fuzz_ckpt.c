/* fuzz_ckpt: the training checkpoint reader (train_ckpt_load in src/train_ckpt.c,
 * and modelio_from_ckpt on top of it). Input: a checkpoint file. Property: it
 * is refused with a message, or read whole: shape valid, parameter count
 * matching it, moments present when asked for, tokenizer within the
 * vocabulary. */
#include <string.h>

#include "fuzz.h"
#include "mentor/model.h"
#include "mentor/modelio.h"
#include "mentor/tokenizer.h"
#include "mentor/train.h"

static char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	path = fuzz_path("input.ckpt");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write(path, data, size);
	char err[MENTOR_ERR_LEN] = "";
	struct train_ckpt ck;
	if (train_ckpt_load(path, 1, &ck, err)) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		FUZZ_CHECK(model_config_check(&ck.mcfg, err) == 0);
		FUZZ_CHECK(ck.n_params == model_config_num_params(&ck.mcfg));
		FUZZ_CHECK(ck.params && ck.m && ck.v && ck.tok);
		FUZZ_CHECK(tokenizer_vocab_size(ck.tok) <= ck.mcfg.vocab_size);
		train_ckpt_release(&ck);
	}
	struct modelio_model mm;
	err[0] = '\0';
	if (modelio_from_ckpt(path, &mm, err)) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		FUZZ_CHECK(mm.params && mm.n_params == model_config_num_params(&mm.mcfg));
		modelio_model_release(&mm);
	}
	return 0;
}
