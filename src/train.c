/* train: being written. */
typedef int mentor_train_placeholder;
