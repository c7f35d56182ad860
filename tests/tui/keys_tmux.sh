#!/bin/sh
# keys_tmux: a config file whose [keys] section has an invalid binding for
# quit, an unknown action, a line without '=' and an unknown key name, next
# to one good line. In a real 80x24 terminal (tmux) the workbench starts,
# the status bar says how many lines are bad, the help lists every one of
# them, the good line applies, and the default quit key still quits; in
# Japanese too (the '=' check in Japanese is test_tui_keys'). Argument: the
# tui_mkws program.
set -u
MKWS=${1:?usage: keys_tmux.sh TUI_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tmux-XXXXXX") || exit 99
SOCK="mentor-keys-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$MKWS" "$T/ws.db" 50 || exit 99
mkdir -p "$T/cfg/mentor"
# lines 1-8; bad: 3 (key), 4 (action), 5 (no '='), 7 (key); good: 6
cat > "$T/cfg/mentor/config" <<'CFG'
[keys]
# quit gets a key that does not exist: it keeps q and F10
quit = NoSuchKey
frobnicate = x
this line has no equals sign
mouse = M
help = F99
CFG
pass=0
fail=0

. "$(dirname "$0")/tmux_lib.sh"
N=0
S=s0

# rows NAME LINE...: the captured help starts a row of its box with each line
rows() {
	name=$1
	shift
	screen
	help=$(cat "$T/screen")
	for w in "$@"; do
		case "$help" in
		*"│ $w"*) pass=$((pass + 1)) ;;
		*) bad "$name: the help lacks '$w'" ;;
		esac
	done
}

# open NAME TAB STATUS HELP: the workbench in an 80x24 terminal starts (its
# tab bar shows TAB), says STATUS, and ? (its default key: the bad line left
# it alone) opens the help titled HELP
open() {
	tmux_session "" "clear; echo BEFORE-TUI; $BIN --db $T/ws.db; echo EXIT=\$?"
	tm resize-window -t "$S" -x 80 -y 24
	wait_for "$1" "$2" || exit 1
	wait_for "$1_status" "$3"
	tm send-keys -t "$S" '?'
	wait_for "$1_help" "$4"
}

# it starts and says so on its status bar; the help lists every bad line,
# each on a row of its own; the good one is not there
open en " 1 Items " "config [keys], 4 bad lines (the others apply): line 3" "Help: Items"
rows help "line 3: unknown key 'NoSuchKey'" "line 4: unknown action 'frobnicate'" \
	"line 5: missing '='" "line 7: unknown key 'F99'"
case "$help" in
*"line 6"*) bad "the good line 6 is listed as bad" ;;
*) pass=$((pass + 1)) ;;
esac
tm send-keys -t "$S" Escape
wait_gone help_closed "Help: Items"

# the good line applies: M releases the mouse, m no longer does
tm send-keys -t "$S" M
wait_for mouse "[mouse off]"
tm send-keys -t "$S" M
wait_gone mouse_back "[mouse off]"
tm send-keys -t "$S" m
wait_for m_unbound "key m does nothing here"

# the default key quits
tm send-keys -t "$S" q
wait_for quit "EXIT=0"
wait_for restored "BEFORE-TUI"

# the same in Japanese, the line lacking '=' included: it is the
# workbench's to name and leaves the rest of the file, [ui] lang too, read
cat > "$T/cfg/mentor/config" <<'CFG'
[ui]
lang = ja
[keys]
quit = NoSuchKey
frobnicate = x
this line has no equals sign
mouse = M
help = F99
CFG
open ja " 1 問題 " "設定 [keys] の誤った行 4 件 (ほかの行は有効): 4 行目" "ヘルプ: 問題"
rows ja_help "4 行目: 不明なキー 'NoSuchKey'" "5 行目: 不明な動作 'frobnicate'" \
	"6 行目:" "8 行目: 不明なキー 'F99'"
tm send-keys -t "$S" Escape
wait_gone ja_help_closed "ヘルプ: 問題"
tm send-keys -t "$S" q
wait_for ja_quit "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
