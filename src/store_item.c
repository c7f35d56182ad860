/* store_item: being written. */
typedef int mentor_store_item_placeholder;
