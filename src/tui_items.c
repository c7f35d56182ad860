/* tui_items: being written. */
typedef int mentor_tui_items_placeholder;
