#!/bin/sh
# lint: rejects the unsafe C functions and trailing white space in the
# project's own sources (after curl's checksrc). Argument: the source root.
root=${1:-.}
cd "$root" || exit 99
status=0
files=$(find src include tests bench -name '*.c' -o -name '*.h' 2>/dev/null)
[ -n "$files" ] || exit 99
if grep -nE '(^|[^_[:alnum:]])(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol)[[:space:]]*\(' $files; then
	echo "lint: unsafe function above (use snprintf, buf_*, util_parse_long)"
	status=1
fi
if grep -nE '[[:space:]]+$' $files meson.build src/meson.build; then
	echo "lint: trailing white space above"
	status=1
fi
exit $status
