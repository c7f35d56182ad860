/* report: being written. */
typedef int mentor_report_placeholder;
