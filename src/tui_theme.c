/* tui_theme: being written. */
typedef int mentor_tui_theme_placeholder;
