#!/bin/sh
# test_long_functions: no source file over 1,500 lines, and every function
# over 150 lines has its reason in docs/architecture.md's table
# (scripts/long_functions.py --check); and the check fails on a table that
# lacks one of them.
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
doc=$src/docs/architecture.md
py=${PYTHON:-python3}
fails=0
if ! "$py" "$src/scripts/long_functions.py" --check "$doc" "$src" > /dev/null; then
	"$py" "$src/scripts/long_functions.py" --check "$doc" "$src" | grep -v '^src/' >&2
	fails=1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-longfn-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
grep -v '^| `prepare` (train.c)' "$doc" > "$T/doc.md"
if "$py" "$src/scripts/long_functions.py" --check "$T/doc.md" "$src" > "$T/out"; then
	echo "FAIL: a table without prepare passed" >&2
	fails=1
elif ! grep -q 'prepare (train.c) is over 150 lines with no reason' "$T/out"; then
	echo "FAIL: the missing row was not named: $(cat "$T/out")" >&2
	fails=1
fi
[ $fails -eq 0 ] || exit 1
echo "ok: $(grep -c '^src/' "$T/out") long functions, each with its reason; no file over 1,500 lines"
