#!/bin/sh
# torch_each.sh PROGRAM SCRIPT COUNT: the PyTorch checks that run a Python
# script writing fixture folders (`SCRIPT write DIR` prints one folder a
# line) and then PROGRAM on each; COUNT folders are expected. Skipped (77)
# without a Python that imports torch (see torch_py.sh).
set -u
PROG=${1:?usage: torch_each.sh PROGRAM SCRIPT COUNT}
SCRIPT=${2:?usage: torch_each.sh PROGRAM SCRIPT COUNT}
COUNT=${3:?usage: torch_each.sh PROGRAM SCRIPT COUNT}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
. "$SRC/tests/torch_py.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-torch-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
"$py" "$SCRIPT" write "$T" >"$T/list" || exit 99
fail=0
n=0
while read -r dir; do
	n=$((n + 1))
	if ! "$PROG" "$dir"; then
		fail=$((fail + 1))
		echo "FAIL: $(basename "$dir")"
	fi
done <"$T/list"
[ "$n" -eq "$COUNT" ] || { echo "$(basename "$SCRIPT") wrote $n folders, not $COUNT"; exit 99; }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
