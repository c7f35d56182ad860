/* dataset: being written. */
typedef int mentor_dataset_placeholder;
