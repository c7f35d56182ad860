#!/bin/sh
# test_layers.sh: every include in src/ and include/mentor/ goes down the
# layer map of scripts/layers.py (no module includes one above it or beside
# it), and the check does fail: a copy of the tree with one back edge added
# (the model module including the CLI's header) is refused, naming the file
# and both modules; so is a file that belongs to no module of the map.
set -u
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
PY=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
fail=0
if ! out=$("$PY" "$SRC/scripts/layers.py" "$SRC"); then
	echo "FAIL: the tree has back edges:"
	echo "$out"
	fail=1
else
	echo "ok: $out"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-layers-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/include" && cp -r "$SRC/src" "$T/src" && cp -r "$SRC/include/mentor" "$T/include/mentor" || exit 99
printf '#include "mentor/cli.h"\n' >>"$T/src/model.c"
out=$("$PY" "$SRC/scripts/layers.py" "$T")
rc=$?
if [ "$rc" -ne 1 ] || ! printf '%s\n' "$out" | grep -q 'back edge: src/model.c: model (layer [0-9]*) includes mentor/cli.h: cli'; then
	echo "FAIL: an added back edge was not refused (exit $rc): $out"
	fail=1
else
	echo "ok: the added back edge is refused: $out"
fi
sed -i '$d' "$T/src/model.c"
printf 'int stray;\n' >"$T/src/stray.c"
out=$("$PY" "$SRC/scripts/layers.py" "$T")
rc=$?
if [ "$rc" -ne 2 ] || ! printf '%s\n' "$out" | grep -q 'no module in the layer map: src/stray.c'; then
	echo "FAIL: a file of no module was not refused (exit $rc): $out"
	fail=1
else
	echo "ok: a file of no module is refused"
fi
exit $fail
