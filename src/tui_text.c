/* tui_text: being written. */
typedef int mentor_tui_text_placeholder;
