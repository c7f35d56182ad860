/* teacher: being written. */
typedef int mentor_teacher_placeholder;
