#!/bin/sh
# gen_man.sh [--check] [MENTOR_BIN]: the COMMANDS section of docs/mentor.1
# is made from the commands' option tables (`mentor help --man`); this puts
# it between the page's two marker lines. With --check, the page is left
# alone and the exit status says whether it is current (1 with a diff when
# it is not). MENTOR_BIN defaults to build/src/mentor.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
bin=${1:-$here/build/src/mentor}
page=$here/docs/mentor.1
[ -x "$bin" ] || { echo "gen_man: no mentor binary at $bin (build first)" >&2; exit 2; }
begin='.\" BEGIN COMMANDS'
end='.\" END COMMANDS'
n_begin=$(grep -cxF "$begin" "$page" || true)
n_end=$(grep -cxF "$end" "$page" || true)
if [ "$n_begin" != 1 ] || [ "$n_end" != 1 ]; then
	echo "gen_man: $page needs one line '$begin' and one '$end'" >&2
	exit 2
fi
tmp=$(mktemp "${TMPDIR:-/tmp}/mentor-man-XXXXXX")
trap 'rm -f "$tmp" "$tmp.gen"' EXIT
"$bin" help --man > "$tmp.gen"
# (through the environment: awk -v would read the backslashes as escapes)
GEN=$tmp.gen B=$begin E=$end awk '
	$0 == ENVIRON["B"] { print; while ((getline l < ENVIRON["GEN"]) > 0) print l; skip = 1; next }
	$0 == ENVIRON["E"] { skip = 0 }
	!skip' "$page" > "$tmp"
if [ $check -eq 1 ]; then
	if ! cmp -s "$tmp" "$page"; then
		echo "gen_man: docs/mentor.1 is not what the option tables make;" \
			"run scripts/gen_man.sh" >&2
		diff -u "$page" "$tmp" | head -40 >&2
		exit 1
	fi
	exit 0
fi
cat "$tmp" > "$page"
