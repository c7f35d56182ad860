/* tokenizer: being written. */
typedef int mentor_tokenizer_placeholder;
