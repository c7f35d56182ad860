# script_lib.sh: the harness of the headless (--script, --dump) screen tests,
# sourced by them (`. "$(dirname "$0")/script_lib.sh"`). The caller sets BIN
# (the mentor binary), T (a scratch directory holding ws.db), pass=0, fail=0,
# and optionally DB (another workspace than $T/ws.db).

# run NAME SIZE SCRIPT-LINES...: dump the last frame to $T/NAME
run() {
	name=$1 size=$2
	shift 2
	printf '%s\n' "$@" > "$T/$name.keys"
	if ! "$BIN" --db "${DB:-$T/ws.db}" tui --script "$T/$name.keys" --dump --size "$size" \
		> "$T/$name" 2> "$T/$name.err"; then
		fail=$((fail + 1))
		echo "FAIL: $name: exit status"
		cat "$T/$name.err"
	fi
}
# has CHECK FILE TEXT, has_re CHECK FILE REGEX, hasnt CHECK FILE TEXT
has() {
	if grep -qF -- "$3" "$T/$2"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $1: '$3' not in $2"; sed 's/^/  | /' "$T/$2"; fi
}
has_re() {
	if grep -qE -- "$3" "$T/$2"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $1: /$3/ not in $2"; sed 's/^/  | /' "$T/$2"; fi
}
# last CHECK FILE TEXT: the last row (the status bar) holds TEXT
last() {
	if tail -n 1 "$T/$2" | grep -qF -- "$3"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $1: '$3' not in the last row of $2"
		sed 's/^/  | /' "$T/$2"; fi
}
hasnt() {
	if ! grep -qF -- "$3" "$T/$2"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $1: '$3' in $2"; sed 's/^/  | /' "$T/$2"; fi
}
