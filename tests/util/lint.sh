#!/bin/sh
# lint: rejects the unsafe C functions and trailing white space in the
# project's own sources (after curl's checksrc). Argument: the source root.
root=${1:-.}
cd "$root" || exit 99
status=0
files=$(find src include tests bench -name '*.c' -o -name '*.h' 2>/dev/null)
[ -n "$files" ] || exit 99
# the functions of include/mentor/banned.h, also in files that do not include it
unsafe='sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|gets|atoi|atol|atoll|atof'
unsafe="$unsafe|asctime|asctime_r|ctime|ctime_r|gmtime|localtime|tmpnam|tempnam|mktemp"
if grep -nE "(^|[^_[:alnum:]])($unsafe)[[:space:]]*\\(" $(echo "$files" | grep -v 'mentor/banned\.h$'); then
	echo "lint: unsafe function above (use snprintf, buf_*, util_parse_long, strtok_r, gmtime_r)"
	status=1
fi
if grep -nE '[[:space:]]+$' $files meson.build src/meson.build; then
	echo "lint: trailing white space above"
	status=1
fi
# The layout of .clang-format, checked once the sources have been formatted
# (scripts/format.sh); until then, on only with MENTOR_LINT_FORMAT=1.
check_format=${MENTOR_LINT_FORMAT:-0}
if [ "$check_format" = 1 ] && ! scripts/format.sh --check; then
	echo "lint: sources not laid out as .clang-format says (scripts/format.sh fixes them)"
	status=1
fi
exit $status
