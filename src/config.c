/* config: being written. */
typedef int mentor_config_placeholder;
