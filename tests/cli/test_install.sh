#!/bin/sh
# test_install: `meson install` into a staging directory gives a mentor that
# works on its own: it finds its themes, sample data and manual in
# BINDIR/../share (proved by changing the installed copy only), the man page
# and the bash and zsh completions are installed, and a read-only command
# never creates a workspace for a mistyped --db.
# Environment: MENTOR_BUILD_DIR (the meson build directory), MENTOR_BIN.
set -u
build=${MENTOR_BUILD_DIR:?MENTOR_BUILD_DIR not set}
bin=${MENTOR_BIN:?MENTOR_BIN not set}
command -v meson > /dev/null 2>&1 || { echo "skip: meson not on PATH"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-install-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
unset MENTOR_DATA_DIR

meson install -C "$build" --destdir "$T/stage" --no-rebuild --quiet > "$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; exit 99; }
inst=$(find "$T/stage" -path '*/bin/mentor' -type f | head -1)
[ -x "$inst" ] || { echo "no installed binary under $T/stage"; exit 99; }
share=$(dirname "$inst")/../share/mentor
[ -d "$share/themes" ] || fail "themes not installed beside the binary ($share)"
[ -f "$share/sample_datasets/arith.jsonl" ] || fail "sample data not installed ($share)"

# the installed copy is the one read: without coin.jsonl there, init loads
# one dataset fewer than the build's own binary does
rm -f "$share/sample_datasets/coin.jsonl"
(cd "$T" && "$inst" --db inst.db init > inst.out 2>&1) || fail "installed init: $(cat "$T/inst.out")"
(cd "$T" && "$bin" --db build.db init > build.out 2>&1) || fail "build init: $(cat "$T/build.out")"
"$inst" --db "$T/inst.db" datasets > "$T/inst.ds" 2>&1
"$bin" --db "$T/build.db" datasets > "$T/build.ds" 2>&1
grep -q '^coin ' "$T/build.ds" || fail "the build's binary did not load coin: $(cat "$T/build.ds")"
grep -q '^coin ' "$T/inst.ds" && fail "the installed binary read the source tree's samples"
grep -q '^arith ' "$T/inst.ds" || fail "the installed binary loaded no samples: $(cat "$T/inst.ds")"

# the manual: its pages beside the data, read from there by `mentor help`,
# and the man page where man finds it
[ -f "$share/docs/cli.md" ] || fail "the manual's pages not installed ($share/docs)"
[ -e "$share/docs/mentor.1" ] && fail "the man page installed among the pages"
[ -n "$(find "$T/stage" -path '*/share/man/man1/mentor.1' -type f)" ] || fail "no man page installed"
# shell completion where bash-completion and zsh look, made from the tables
bc=$(find "$T/stage" -path '*/share/bash-completion/completions/mentor' -type f)
[ -n "$bc" ] && grep -q 'complete -F _mentor mentor' "$bc" || fail "no bash completion installed"
zc=$(find "$T/stage" -path '*/share/zsh/vendor-completions/_mentor' -type f)
[ -n "$zc" ] && head -n 1 "$zc" | grep -qx '#compdef mentor' || fail "no zsh completion installed"
[ -n "$(find "$T/stage" -name meson.build)" ] && fail "a meson.build was installed"
echo 'the installed page' >> "$share/docs/cli.md"
"$inst" help cli > "$T/help.out" 2>&1 || fail "installed help cli: $(cat "$T/help.out")"
[ "$(tail -n 1 "$T/help.out")" = 'the installed page' ] || fail "help did not read the installed page"

# read-only commands on a mistyped workspace: an error, and no file made
for c in datasets "items arith" "show 1" "explanations arith" calls runs; do
	# shellcheck disable=SC2086
	"$inst" --db "$T/typo.db" $c > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" = 1 ] || fail "mentor $c on a missing workspace exited $rc"
	grep -q "run 'mentor init' first" "$T/err" || fail "mentor $c: $(cat "$T/err")"
	[ ! -e "$T/typo.db" ] || { fail "mentor $c created typo.db"; rm -f "$T/typo.db"; }
done

[ $fails -eq 0 ] || exit 1
echo ok
