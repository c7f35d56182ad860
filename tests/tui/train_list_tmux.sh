#!/bin/sh
# train_list_tmux: the Train screen's run list in a real terminal (tmux,
# 100x30) on train_mkws's "many" workspace (104 runs of two datasets): ids
# in one column past 9 and 99, the list scrolled to the newest run with a
# cue, the overlay and its legend following the selected run's dataset, the
# y/n question of a delete in the status bar, the selection moving to a
# neighbour, and a run launched after the newest was deleted getting a new
# id (a baseline of 2 steps). Argument: train_mkws.
set -u
MKWS=${1:?usage: train_list_tmux.sh TRAIN_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-train-list-XXXXXX") || exit 99
SOCK="mentor-train-list-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	[ -f "$T/ws.db" ] && "$BIN" --db "$T/ws.db" stop 105 > /dev/null 2>&1
	sleep 0.2
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$MKWS" "$T/ws.db" many || exit 99
mkdir -p "$T/cfg"
pass=0
fail=0
. "$(dirname "$0")/tmux_wait.sh"
# status TEXT: the last row (the status bar) holds TEXT
status() {
	screen
	if tail -n 1 "$T/screen" | grep -qF -- "$2"; then pass=$((pass + 1)); else
		bad "$1: '$2' not in the status bar"; fi
}

S=s0
tmux_session "" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"
wait_for open " 3 Train " || exit 1
keys 3
# the newest run selected and shown, the older ones behind a cue
wait_for cue "↑ 90 more" || exit 1
wait_for newest "●104 done coin extra-104"
wait_for aligned_99 "  99 stop sums extra-99         0%"
wait_for aligned_100 " 100 done coin extra-100 "
# coin's newest baseline and MT-CoT, nothing of sums
wait_for legend "a #1  b #104"
# a sums run selected: sums's runs overlaid, the accuracy of its runs shown
keys k
wait_for sel_103 "Run #103 extra-103"
wait_for legend_sums "a #4 sums-cot  b #103 extra-103"
# y/n in the status bar; Esc keeps the run
keys x
wait_for ask "delete run #103"
status ask_in_status "delete run #103 (metrics, predictions, checkpoint)? y delete  n keep"
keys Escape
wait_for kept "run 103 kept"
# y deletes it; its neighbour #104 is selected
keys x
wait_for ask2 "delete run #103"
keys y
wait_for deleted "run 103 deleted"
wait_for neighbour "Run #104 extra-104"
wait_for count "103 runs, 0 running"
wait_gone gone_103 " 103 stop sums"
# the newest deleted too: #102 selected
keys x y
wait_for deleted_104 "run 104 deleted"
wait_for neighbour_102 "Run #102 extra-102"
# a new run gets a new id, not the deleted #104's
keys n
wait_for form "New run" || exit 1
keys j Right
wait_for baseline "< baseline >"
keys j j j j j j j j  # start, preset, layers, width, heads, context, budget, steps
set_field 2
wait_for steps "steps    2"
keys j j j j j Left  # batch, seed, lr, vocab, eval on: none
wait_for eval_none "< none >"
keys j Enter
# the launch notice clears once the run's state changes, and a two-step run
# can be done before the next capture: the run's own id in the detail pane
# is what shows the id was not given twice
wait_for new_sel "Run #105 baseline" || exit 1
wait_re new_row "●105 (wait|run |done) coin baseline"
# quitting while a run trains or waits asks first: quit once it is done
wait_re new_done "●105 done coin baseline"
keys q
wait_for quit "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
