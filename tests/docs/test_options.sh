#!/bin/sh
# test_options: the man page cannot fall behind the command line. Every
# command `mentor --help` lists has its own subsection in docs/mentor.1, and
# every option that `mentor CMD --help` prints (--name, -o) appears in that
# subsection (the global ones anywhere in the page). A page with an option
# renamed and one with a command missing are caught.
# Environment: MENTOR_BIN, MENTOR_SOURCE_DIR.
set -u
bin=${MENTOR_BIN:?MENTOR_BIN not set}
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
page=$src/docs/mentor.1
[ -x "$bin" ] && [ -f "$page" ] || { echo "setup: no binary or no $page"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-opts-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

"$bin" --help > "$T/main.help" || { echo "setup: mentor --help failed"; exit 99; }
sed -n '/^commands:/,/^$/p' "$T/main.help" | awk 'NR > 1 && NF { print $1 }' > "$T/commands"
[ "$(wc -l < "$T/commands")" -ge 20 ] ||
	{ echo "setup: few commands: $(cat "$T/commands")"; exit 99; }
for c in $(cat "$T/commands"); do
	"$bin" "$c" --help > "$T/$c.help" 2>&1 ||
		{ echo "setup: mentor $c --help failed"; exit 99; }
done

# options FILE: the options a help text names, one a line
options() {
	grep -oE -- '(^|[][ (|,=])--?[a-zA-Z][a-zA-Z0-9-]*' "$1" | sed 's/^[^-]*//' | sort -u
}

# plain PAGE: the page's text with hyphens unescaped and font changes gone
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(dq/"/g' "$1"
}

# has TEXTFILE OPT: OPT occurs in the text as a whole option
has() {
	grep -qE -- "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|\$)" "$1"
}

# check PAGE: the number of commands and options missing from it
check() {
	plain "$1" > "$T/page.txt"
	missing=0
	for o in $(options "$T/main.help"); do
		has "$T/page.txt" "$o" ||
			{ echo "mentor.1 lacks the global option $o"; missing=$((missing + 1)); }
	done
	for c in $(cat "$T/commands"); do
		# the subsection: from .SS "mentor CMD to the next .SS or .SH
		awk -v c="$c" '
			/^\.S[SH] / { on = 0 }
			index($0, ".SS \"mentor " c " ") == 1 { on = 1 }
			$0 == ".SS \"mentor " c "\"" { on = 1 }
			on' "$T/page.txt" > "$T/section.txt"
		if [ ! -s "$T/section.txt" ]; then
			echo "mentor.1 has no subsection for 'mentor $c'"
			missing=$((missing + 1))
			continue
		fi
		for o in $(options "$T/$c.help"); do
			has "$T/section.txt" "$o" && continue
			echo "mentor.1 lacks '$o' of 'mentor $c'"
			missing=$((missing + 1))
		done
	done
	[ $missing -eq 0 ]
}

fails=0
check "$page" > "$T/report"
if [ -s "$T/report" ]; then
	cat "$T/report" >&2
	fails=1
fi
n=0
for c in $(cat "$T/commands"); do n=$((n + $(options "$T/$c.help" | wc -l))); done

# the check itself fails on a page that fell behind
sed 's/\\-\\-dry\\-run/\\-\\-dry\\-walk/g' "$page" > "$T/renamed.1"
check "$T/renamed.1" > "$T/r1" && { echo "FAIL: a renamed --dry-run went unnoticed" >&2; fails=1; }
grep -q "lacks '--dry-run' of 'mentor explain'" "$T/r1" ||
	{ echo "FAIL: the renamed option was not named: $(cat "$T/r1")" >&2; fails=1; }
sed 's/^\.SS "mentor stop /.SS "mentor halt /' "$page" > "$T/nostop.1"
check "$T/nostop.1" > "$T/r2" && { echo "FAIL: a missing 'stop' went unnoticed" >&2; fails=1; }
grep -q "no subsection for 'mentor stop'" "$T/r2" ||
	{ echo "FAIL: the missing command was not named: $(cat "$T/r2")" >&2; fails=1; }

[ $fails -eq 0 ] || exit 1
echo "ok: $(wc -l < "$T/commands") commands, $n options of their --help, all in mentor.1"
