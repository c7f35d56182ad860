#!/bin/sh
# banned: every function that include/mentor/banned.h bans fails to compile,
# and the compiler's message names the problem; the same file calling the
# allowed replacement compiles, so a failure cannot come from the harness.
# Every src/*.c reaches banned.h through its includes.
# Arguments: the source root, then the C compiler command.
root=$1
shift
[ -n "$root" ] && [ $# -gt 0 ] || exit 99
cd "$root" || exit 99
hdr=include/mentor/banned.h
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

compile() { # file: compile with the project's include directory
	"$@" -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -fsyntax-only "$tmp/t.c" \
		>"$tmp/out" 2>&1
}

# The control: util.h (which includes banned.h) and the replacements.
cat >"$tmp/t.c" <<'EOF'
#include "mentor/util.h"
#include <string.h>
int f(char *d, size_t n, const char *s);
int f(char *d, size_t n, const char *s)
{
	char *save = NULL, *tok;
	struct tm tm;
	time_t t = 0;
	long v;
	snprintf(d, n, "%s", s);
	tok = strtok_r(d, " ", &save);
	gmtime_r(&t, &tm);
	localtime_r(&t, &tm);
	return tok && util_parse_long(s, 0, 9, &v) == 0;
}
EOF
if ! compile "$@"; then
	cat "$tmp/out"
	echo "banned: the control file with the allowed functions does not compile"
	exit 1
fi

# Every banned name, each with the identifier its macro expands to.
sed -n 's/^#define \([a-z_]*\)(\.\.\.) \(banned_[a-z_]*\)$/\1 \2/p' "$hdr" >"$tmp/list"
n=$(wc -l <"$tmp/list")
if [ "$n" -lt 16 ]; then
	echo "banned: only $n banned functions found in $hdr"
	exit 1
fi
while read -r fn id; do
	case $id in
	banned_"$fn"_*_use_*) ;;
	*) echo "banned: '$fn' expands to '$id', which does not name it and a replacement"
	   status=1 ;;
	esac
	printf '#include "mentor/util.h"\nvoid g(char *d);\nvoid g(char *d) { (void)%s(d, d); }\n' \
		"$fn" >"$tmp/t.c"
	if compile "$@"; then
		echo "banned: a call of '$fn' compiles"
		status=1
	elif ! grep -q "$id" "$tmp/out"; then
		cat "$tmp/out"
		echo "banned: the error for '$fn' does not name '$id'"
		status=1
	fi
done <"$tmp/list"

# Every source file reaches banned.h through the headers it includes.
reaches() { # file: 0 when it includes banned.h, directly or through a header
	for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$1"); do
		case " $seen " in *" $inc "*) continue ;; esac
		seen="$seen $inc"
		[ "$inc" = mentor/banned.h ] && return 0
		for d in include src "$(dirname "$1")"; do
			if [ -f "$d/$inc" ]; then
				reaches "$d/$inc" && return 0
				break
			fi
		done
	done
	return 1
}
for f in src/*.c; do
	seen=""
	if ! reaches "$f"; then
		echo "banned: $f does not include mentor/banned.h (through mentor/util.h)"
		status=1
	fi
done
exit $status
