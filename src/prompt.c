/* prompt: being written. */
typedef int mentor_prompt_placeholder;
