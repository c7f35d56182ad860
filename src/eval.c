/* eval: being written. */
typedef int mentor_eval_placeholder;
