/* model: being written. */
typedef int mentor_model_placeholder;
