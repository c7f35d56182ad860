#!/bin/sh
# test_help: `mentor help` lists one topic per page of docs/, `mentor help
# TOPIC` prints that page as it is, through $PAGER on a terminal (tmux) with
# nothing in it reaching the terminal raw; an unknown, hostile or second topic
# is a usage error, a missing or oversized page a clear runtime error.
# Environment: MENTOR_BIN, MENTOR_SOURCE_DIR.
set -u
bin=${MENTOR_BIN:?MENTOR_BIN not set}
src=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
[ -x "$bin" ] && [ -d "$src/docs" ] || { echo "setup: no binary or no docs/"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-help-XXXXXX") || exit 99
SOCK="mentor-help-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
export MENTOR_DATA_DIR="$src"
ESC=$(printf '\033')

# the list: every page is a topic, every topic a page
"$bin" help > "$T/list" 2> "$T/err" || fail "mentor help exited $?: $(cat "$T/err")"
awk 'NR > 1 { print $1 }' "$T/list" | sort > "$T/topics"
(cd "$src/docs" && ls -- *.md) | sed 's/\.md$//' | sort > "$T/pages"
cmp -s "$T/topics" "$T/pages" ||
	fail "topics and docs/ pages differ: $(diff "$T/topics" "$T/pages" | tr '\n' ' ')"

# each page printed as it is when stdout is not a terminal
for t in $(cat "$T/pages"); do
	"$bin" help "$t" > "$T/page" 2> "$T/err" || fail "mentor help $t exited $?"
	cmp -s "$T/page" "$src/docs/$t.md" || fail "mentor help $t is not docs/$t.md"
	[ -s "$T/err" ] && fail "mentor help $t wrote to stderr: $(cat "$T/err")"
done

# usage errors: exit 2, one clear line, nothing on stdout
expect_usage() { # WHAT MESSAGE ARGS...
	what=$1 msg=$2
	shift 2
	"$bin" help "$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" = 2 ] || fail "$what: exit $rc, not 2"
	[ -s "$T/out" ] && fail "$what: wrote to stdout: $(cat "$T/out")"
	grep -qF -- "$msg" "$T/err" || fail "$what: no '$msg' in: $(cat "$T/err")"
	grep -q "$ESC" "$T/err" && fail "$what: a raw ESC reached stderr"
}
expect_usage "unknown topic" "mentor: unknown help topic 'nope'" nope
expect_usage "path as topic" "unknown help topic '../README'" ../README
expect_usage "page file name" "unknown help topic 'cli.md'" cli.md
expect_usage "empty topic" "unknown help topic ''" ""
expect_usage "hostile topic" "unknown help topic '\\x1b[2J\\u202e'" \
	"$(printf '\033[2J\342\200\256')"
expect_usage "two topics" "help takes one topic, not 2" cli teacher
"$bin" help nope 2>&1 | grep -q '^  workbench ' || fail "an unknown topic does not list the topics"
"$bin" help --help > "$T/out" 2>&1 || fail "mentor help --help exited $?"
grep -q '^usage: mentor help \[TOPIC\]' "$T/out" || fail "help --help: $(cat "$T/out")"

# runtime errors: a data directory without the page, a page too large
mkdir -p "$T/empty" "$T/huge/docs" "$T/hostile/docs"
MENTOR_DATA_DIR="$T/empty" "$bin" help cli > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 1 ] || fail "missing page: exit $rc, not 1"
grep -q "cannot show help topic 'cli': cannot open '.*/docs/cli.md'" "$T/err" ||
	fail "missing page: $(cat "$T/err")"
head -c 5000000 /dev/zero | tr '\0' 'a' > "$T/huge/docs/cli.md"
MENTOR_DATA_DIR="$T/huge" "$bin" help cli > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 1 ] || fail "huge page: exit $rc, not 1"
grep -q "larger than" "$T/err" || fail "huge page: $(cat "$T/err")"
[ -s "$T/out" ] && fail "huge page: something was printed"

# a page holding terminal controls is shown escaped, newlines and tabs kept
printf '# t\n\tclear \033[2J, c1 \302\233, bidi \342\200\256 end\n' > "$T/hostile/docs/cli.md"
MENTOR_DATA_DIR="$T/hostile" "$bin" help cli > "$T/out" 2>&1 || fail "hostile page: exit $?"
printf '# t\n\tclear \\x1b[2J, c1 \\u009b, bidi \\u202e end\n' > "$T/want"
cmp -s "$T/out" "$T/want" || fail "hostile page printed as: $(od -c "$T/out" | head -5)"

# on a terminal: through $PAGER (here one that saves what it is given)
if command -v tmux > /dev/null 2>&1; then
	run_tty() { # NAME DATA_DIR PAGER TOPIC: run in a tmux terminal, wait for it
		rm -f "$T/$1.rc"
		cmd="MENTOR_DATA_DIR='$2' PAGER='$3' '$bin' help $4"
		cmd="$cmd; echo \$? > '$T/$1.rc.tmp'; mv '$T/$1.rc.tmp' '$T/$1.rc'; sleep 60"
		tmux -L "$SOCK" new-session -d -x 80 -y 24 -s "$1" "$cmd" ||
			{ echo "setup: tmux failed"; exit 99; }
		i=0
		while [ ! -f "$T/$1.rc" ] && [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ -f "$T/$1.rc" ] || fail "$1: mentor help did not end"
	}
	run_tty paged "$src" "cat > '$T/paged'" teacher
	[ "$(cat "$T/paged.rc" 2> /dev/null)" = 0 ] || fail "paged: exit $(cat "$T/paged.rc")"
	cmp -s "$T/paged" "$src/docs/teacher.md" || fail "the pager was not given docs/teacher.md"
	run_tty hostile "$T/hostile" "cat > '$T/hostile.paged'" cli
	cmp -s "$T/hostile.paged" "$T/want" ||
		fail "the pager got raw controls: $(od -c "$T/hostile.paged" | head -5)"
	# a pager that cannot be run: the page is printed instead
	run_tty nopager "$T/hostile" "/nonexistent/pager" cli
	[ "$(cat "$T/nopager.rc" 2> /dev/null)" = 0 ] ||
		fail "no pager: exit $(cat "$T/nopager.rc")"
	tmux -L "$SOCK" capture-pane -p -t nopager > "$T/screen"
	grep -qF 'clear \x1b[2J, c1 \u009b' "$T/screen" ||
		fail "no pager, screen: $(cat "$T/screen")"
else
	echo "note: tmux not installed, the pager is not tried"
fi

[ $fails -eq 0 ] || exit 1
echo "ok: $(wc -l < "$T/pages") topics"
