/* banned: C library functions that mentor does not call. Each becomes a macro
 * whose expansion is an undeclared identifier naming the problem and the
 * replacement, so that a call fails to compile with that name in the message.
 * util.h includes this last; the system headers that declare these functions
 * are included first here, so that including them again later changes nothing. */
#ifndef MENTOR_BANNED_H
#define MENTOR_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* No bound on the destination: snprintf, or a struct buf with buf_puts. */
#undef strcpy
#define strcpy(...) banned_strcpy_unbounded_use_snprintf
#undef strcat
#define strcat(...) banned_strcat_unbounded_use_snprintf_or_buf_puts
#undef sprintf
#define sprintf(...) banned_sprintf_unbounded_use_snprintf
#undef vsprintf
#define vsprintf(...) banned_vsprintf_unbounded_use_vsnprintf
#undef gets
#define gets(...) banned_gets_unbounded_use_fgets

/* Bounded, but leave the destination unterminated (strncpy) or take the
 * space left rather than the buffer size (strncat). */
#undef strncpy
#define strncpy(...) banned_strncpy_may_not_terminate_use_snprintf
#undef strncat
#define strncat(...) banned_strncat_size_is_space_left_use_snprintf_or_buf_append

/* Hidden state shared by every thread. */
#undef strtok
#define strtok(...) banned_strtok_not_reentrant_use_strtok_r_or_strcspn

/* No way to tell a bad number from zero, undefined on overflow. */
#undef atoi
#define atoi(...) banned_atoi_unchecked_use_util_parse_long
#undef atol
#define atol(...) banned_atol_unchecked_use_util_parse_long
#undef atoll
#define atoll(...) banned_atoll_unchecked_use_strtoll_with_checks
#undef atof
#define atof(...) banned_atof_unchecked_use_util_parse_double

/* A static result shared by every thread (and, for the _r forms of asctime
 * and ctime, a buffer of unstated size). */
#undef asctime
#define asctime(...) banned_asctime_static_buffer_use_strftime
#undef asctime_r
#define asctime_r(...) banned_asctime_r_unsized_buffer_use_strftime
#undef ctime
#define ctime(...) banned_ctime_static_buffer_use_strftime
#undef ctime_r
#define ctime_r(...) banned_ctime_r_unsized_buffer_use_strftime
#undef gmtime
#define gmtime(...) banned_gmtime_static_result_use_gmtime_r
#undef localtime
#define localtime(...) banned_localtime_static_result_use_localtime_r

/* A name that another process can take before it is opened. */
#undef tmpnam
#define tmpnam(...) banned_tmpnam_racy_use_mkstemp
#undef tempnam
#define tempnam(...) banned_tempnam_racy_use_mkstemp
#undef mktemp
#define mktemp(...) banned_mktemp_racy_use_mkstemp

#endif
