/* tui_review: being written. */
typedef int mentor_tui_review_placeholder;
