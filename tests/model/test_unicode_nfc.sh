#!/bin/sh
# unicode_nfc: src/unicode_nfc_tables.c is what scripts/gen_nfc_tables.py
# writes, and unicode_nfc() gives Python's unicodedata NFC on every code
# point and on random sequences (tests/model/nfc_reference.py). Skipped (77)
# without Debian's /usr/bin/python3, or when its unicodedata is another
# Unicode version than the one the committed tables name.
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
prog=${1:?usage: test_unicode_nfc.sh PROGRAM}
py=/usr/bin/python3
[ -x "$py" ] || exit 77
want=$(sed -n 's/^const char unicode_nfc_tables_version\[\] = "\(.*\)";$/\1/p' \
	"$src/src/unicode_nfc_tables.c")
have=$("$py" -c 'import unicodedata; print(unicodedata.unidata_version)') || exit 99
if [ "$want" != "$have" ]; then
	echo "skip: tables are Unicode $want, $py has $have"
	exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$py" "$src/scripts/gen_nfc_tables.py" >"$tmp/tables.c" || exit 99
if ! diff -u -I '^ \* Unicode Character Database version' \
	"$src/src/unicode_nfc_tables.c" "$tmp/tables.c"; then
	echo "FAIL: src/unicode_nfc_tables.c differs from scripts/gen_nfc_tables.py's output"
	exit 1
fi
echo "unicode_nfc_tables.c matches the generator"
"$py" "$src/tests/model/nfc_reference.py" >"$tmp/ref.txt" || exit 99
"$prog" "$tmp/ref.txt"
