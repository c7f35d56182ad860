#!/bin/sh
# unicode_tables: src/unicode_tables.c is what scripts/gen_unicode_tables.py
# writes (nobody edited the generated tables by hand). Skipped (77) without
# python3, or when its unicodedata is another Unicode version than the one
# the committed tables name.
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
command -v python3 >/dev/null 2>&1 || exit 77
want=$(sed -n 's/^const char unicode_tables_version\[\] = "\(.*\)";$/\1/p' "$src/src/unicode_tables.c")
have=$(python3 -c 'import unicodedata; print(unicodedata.unidata_version)') || exit 99
if [ "$want" != "$have" ]; then
	echo "skip: tables are Unicode $want, this python3 has $have"
	exit 77
fi
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
python3 "$src/scripts/gen_unicode_tables.py" >"$tmp" || exit 99
# the Python version in the first comment may differ
if diff -u -I '^ \* Unicode Character Database version' "$src/src/unicode_tables.c" "$tmp"; then
	echo "unicode_tables.c matches the generator"
	exit 0
fi
echo "FAIL: src/unicode_tables.c differs from scripts/gen_unicode_tables.py's output"
exit 1
