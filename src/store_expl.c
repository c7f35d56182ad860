/* store_expl: being written. */
typedef int mentor_store_expl_placeholder;
