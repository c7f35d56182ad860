#!/bin/sh
# test_man: docs/mentor.1 renders with groff's man macros without a single
# warning (-ww) and has the sections a man page needs; a page with an
# undefined macro is caught, so the check can fail.
# Environment: MENTOR_SOURCE_DIR.
set -u
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
page=$src/docs/mentor.1
command -v groff > /dev/null 2>&1 || { echo "skip: groff not installed"; exit 77; }
[ -f "$page" ] || { echo "setup: no $page"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-man-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# render FILE: groff's output in $T/out, its warnings in $T/err; 0 when clean
render() {
	groff -man -Tutf8 -ww "$1" > "$T/out" 2> "$T/err" && [ ! -s "$T/err" ]
}

render "$page" || fail "mentor.1 does not render cleanly: $(cat "$T/err")"
[ -s "$T/out" ] || fail "mentor.1 renders to nothing"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS FILES ENVIRONMENT 'EXIT STATUS' EXAMPLES \
	'SEE ALSO'; do
	grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}\$" "$page" || fail "mentor.1 has no section $s"
done
grep -q '^\.TH MENTOR 1 ' "$page" || fail "mentor.1 has no .TH MENTOR 1 line"

# the check itself: a stray macro must be reported
{ cat "$page"; echo '.XQ undefined'; } > "$T/bad.1"
render "$T/bad.1" && fail "a page with an undefined macro rendered without a warning"

[ $fails -eq 0 ] || exit 1
echo "ok: mentor.1 renders without warnings ($(wc -l < "$T/out") lines)"
