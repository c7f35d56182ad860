#!/bin/sh
# check_tmux: the Review screen marks a wrong arithmetic step in a real
# terminal (tmux). A workspace made by `mentor init` gets a COTE explanation
# of item 1 whose second step is wrong although its answer is right; the
# monochrome theme (NO_COLOR) draws the step underlined, the column head
# names the step and its right value, and a sound explanation of item 2
# has no underlined step.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
command -v sqlite3 > /dev/null 2>&1 || { echo "skip: sqlite3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-check-tmux-XXXXXX") || exit 99
SOCK="mentor-check-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" init > "$T/init.log" 2>&1 || { cat "$T/init.log"; exit 99; }
sqlite3 "$T/ws.db" "INSERT INTO explanation(item_id, mode, path, provider, model, text,
  parsed_answer, correct, leaked, status, created_at) VALUES
  (1, 'cot', 'cot', 'hand', 'm', 'Wendy starts with 10 books. 10 - 3 = 7. 7 + 7 = 15.
 15 + 6 = 21. So the answer is 21.', '21', 1, 0, 'pending', 1),
  (2, 'cot', 'cot', 'hand', 'm', 'Kate starts with 8 apples. 8 + 4 = 12. 12 * 3 = 36.
 36 + 6 = 42. 42 - 3 = 39.', '39', 1, 0, 'pending', 2)" || exit 99
pass=0
fail=0
WAIT_POLLS=200
. "$(dirname "$0")/tmux_lib.sh"
S=s0
ESC=$(printf '\033')
# marked TEXT: the pane (with attributes) shows TEXT right after an underline.
marked() { tm capture-pane -e -p -t "$S" | grep -cF -- "${ESC}[4m$1"; }

tmux_session "NO_COLOR=1" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"
wait_for items "Dataset arith"
tm send-keys -t "$S" Enter
wait_for open "Item 1  arith train"
wait_for head "check step 2 wrong: 7 + 7 = 15 (is 14)"
wait_for text "10 - 3 = 7. 7 + 7 = 15."
# in the text (the head underlines its whole summary instead)
eq step_marked "$(tm capture-pane -e -p -t "$S" | grep -cF -- "10 - 3 = 7. ${ESC}[4m7 + 7 = 15")" 1
eq right_step_plain "$(marked '10 - 3 = 7')" 0
# ]: the next item, whose explanation is sound
tm send-keys -t "$S" "]"
wait_for open2 "Item 2  arith train"
wait_for head2 "check steps: 4 of 4 valid, answer follows"
eq none_marked "$(marked '8 + 4 = 12')$(marked '12 * 3')" "00"
tm send-keys -t "$S" q
wait_for quit "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
