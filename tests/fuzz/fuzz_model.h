/* fuzz_model: a tiny student (1 layer, width 8, 2 heads, context 16, a
 * tokenizer of about 270 tokens, parameters from a fixed stream), written
 * the same way every time, for the model file harnesses and their seeds. */
#ifndef MENTOR_FUZZ_MODEL_H
#define MENTOR_FUZZ_MODEL_H

/* Write the tiny student as a mentor checkpoint at path (aborts on failure). */
void fuzz_tiny_ckpt(const char *path);
/* Write it as a Hugging Face folder at dir (created if missing). */
void fuzz_tiny_hf(const char *dir);
/* Write it as a GGUF file at path. */
void fuzz_tiny_gguf(const char *path);

#endif
