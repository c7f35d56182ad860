/* store_run: being written. */
typedef int mentor_store_run_placeholder;
