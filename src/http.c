/* http: being written. */
typedef int mentor_http_placeholder;
