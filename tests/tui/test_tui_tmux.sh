#!/bin/sh
# test_tui_tmux: the workbench in a real terminal (tmux): open a workspace
# with two datasets, navigate, filter, search (Japanese input), resize to
# 60x20 (the too-small screen) and back, help, quit; the terminal is restored
# afterwards (alternate screen left, the shell is back). Then SIGTERM and
# SIGABRT restore the terminal too, and after a SIGKILL the workspace reopens on the
# same item and filters. Argument: the tui_mkws program.
set -u
MKWS=${1:?usage: test_tui_tmux.sh TUI_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tmux-XXXXXX") || exit 99
SOCK="mentor-tui-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$MKWS" "$T/ws.db" 300 || exit 99
mkdir -p "$T/cfg"
pass=0
fail=0

. "$(dirname "$0")/tmux_lib.sh"
alt_off() {
	i=0
	while [ $i -lt 50 ]; do
		if [ "$(tm display-message -p -t "$S" '#{alternate_on}')" = 0 ]; then
			pass=$((pass + 1))
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	bad "$1: the alternate screen is still on"
}
N=0
S=s0
# start: a new session with a clean shell, then the workbench in it.
start() {
	tmux_session "" "clear; echo BEFORE-TUI; $BIN --db $T/ws.db; echo EXIT=\$?"
}

# ---------------------------------------------------------------- session 1
start
wait_for open "item 1/300" || exit 1
wait_for open " 1 Items "
tm send-keys -t "$S" j j j
wait_for down "item 4/300"
tm send-keys -t "$S" d
wait_for dataset "Dataset nihongo"
wait_for japanese "りんごが3個あります"
wait_for escaped 'Escape test: \x1b[2J'
tm send-keys -t "$S" /
wait_for prompt "Search:"
tm send-keys -t "$S" -l "東京"
tm send-keys -t "$S" Enter
wait_for search "item 1/1"
wait_for search_row "東京から大阪まで"
tm send-keys -t "$S" x d
wait_for all "all datasets (2)"
tm send-keys -t "$S" s
wait_for filter "split:train"
wait_for filter_count "item 1/244"
tm resize-window -t "$S" -x 60 -y 20
wait_for small "terminal too small: have 60x20, need 80x24"
tm resize-window -t "$S" -x 100 -y 30
wait_for back "split:train"
wait_gone back_small "too small"
tm send-keys -t "$S" '?'
wait_for help "Help: Items"
tm send-keys -t "$S" Escape
wait_gone help_closed "Help: Items"
tm send-keys -t "$S" Enter
wait_gone review "split:train"
tm send-keys -t "$S" 1
wait_for items_again "split:train"
tm send-keys -t "$S" q
wait_for quit "EXIT=0"
wait_for restored "BEFORE-TUI"
wait_gone restored_screen "split:train"
alt_off quit

# ------------------------------------------------- SIGTERM restores the terminal
start
wait_for open2 "split:train" || exit 1
pid=$(mentor_pid)
[ -n "$pid" ] && kill -TERM "$pid"
wait_for sigterm "EXIT=143"
wait_gone sigterm_screen "split:train"
alt_off sigterm

# ------------------------- SIGABRT (a crash) restores the terminal as well
start
wait_for open_abrt "split:train" || exit 1
pid=$(mentor_pid)
[ -n "$pid" ] && kill -ABRT "$pid"
wait_for sigabrt "EXIT=134"
wait_gone sigabrt_screen "split:train"
alt_off sigabrt

# ------------------------- SIGKILL: the workspace reopens on the same place
start
wait_for open3 "item 1/244" || exit 1
tm send-keys -t "$S" r r
wait_for filter3 "review:accepted"
tm send-keys -t "$S" r r r
wait_for filter4 "review:none"
tm send-keys -t "$S" j j j j j j
wait_for moved "item 7/240"
pid=$(mentor_pid)
[ -n "$pid" ] && kill -KILL "$pid"
wait_for killed "EXIT=137"
start
wait_for reopen "item 7/240"
wait_for reopen_filters "split:train review:none"
wait_for reopen_dataset "all datasets (2)"
tm send-keys -t "$S" q
wait_for quit3 "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
