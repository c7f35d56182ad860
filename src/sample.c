/* sample: being written. */
typedef int mentor_sample_placeholder;
