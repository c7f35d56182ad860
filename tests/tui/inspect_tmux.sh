#!/bin/sh
# inspect_tmux: the Inspect screen in a real terminal (tmux) on train_mkws's
# workspace with its "sums" runs: the default pair, A's wrong step drawn
# underlined by the monochrome theme (NO_COLOR) in the explanation of a train
# item, the teacher explanation it trained on, a test item that was not
# trained on, the refusal of a run of another dataset as B, and the answer to
# a question leaving with run A. Argument: train_mkws.
set -u
MKWS=${1:?usage: inspect_tmux.sh TRAIN_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-inspect-tmux-XXXXXX") || exit 99
SOCK="mentor-inspect-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$MKWS" "$T/ws.db" sums || exit 99
pass=0
fail=0
WAIT_POLLS=200
. "$(dirname "$0")/tmux_lib.sh"
S=s0
ESC=$(printf '\033')
# marked TEXT: the pane (with attributes) shows TEXT right after an underline.
marked() { tm capture-pane -e -p -t "$S" | grep -cF -- "${ESC}[4m$1"; }

tmux_session "NO_COLOR=1" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"
wait_for items "Dataset"
tm send-keys -t "$S" 4
wait_for pair "A #4 sums-cot dir 75.0% expl 75.0% sound 50.0% rw 1"
wait_for pair_b "B #6 sums-base dir 0.0%"
wait_for check "check step 1 wrong: 3 + 4 = 8 (is 7)"
wait_for trained "teacher explanation trained on (gold):"
eq step_marked "$(marked '3 + 4 = 8')" 1
# the next item's explanation is sound: nothing marked in it
tm send-keys -t "$S" j
wait_for sound "check steps: 1 of 1 valid, answer follows"
eq none_marked "$(marked '2 + 2 = 4')" 0
# a test item: not trained on
tm send-keys -t "$S" j
wait_for test_item "did not train on this item"
# B through another dataset's runs: refused in the status bar
tm send-keys -t "$S" c
wait_for vs_none "(c: compare with another run)"
tm send-keys -t "$S" c
wait_for refused "cannot compare run #1 (coin) with run A #4"
wait_for vs_far "B #5 sums-far"
# ask A (its checkpoint is missing), then change A: the answer goes
tm send-keys -t "$S" a
tm send-keys -t "$S" -l "What is 2 + 2?"
tm send-keys -t "$S" Enter
wait_for asked "You asked run #4"
tm send-keys -t "$S" r
wait_for a_changed "A #5 sums-far"
wait_gone stale "You asked run"
tm send-keys -t "$S" q
wait_for quit "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
