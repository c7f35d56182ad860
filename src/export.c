/* export: being written. */
typedef int mentor_export_placeholder;
