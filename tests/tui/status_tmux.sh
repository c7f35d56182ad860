#!/bin/sh
# status_tmux: what the workbench says about itself, in a real terminal (tmux)
# on a workspace made by `mentor init`. Text entries (Items search, a Train
# number field) show their own keys and the terminal cursor after their text;
# the help box has corners, a scroll cue and whole descriptions at 80x24; the
# too-small screen says everything at 20 columns; an error is white on red, a
# notice is not. Two runs launched (the second queued), quitting asks y/n and
# the queue outlives the workbench: `mentor runs` lists it, `runs
# --start-queued` waits for the run training; the next workbench starts it
# once that run's process is gone. A failed run that never reached a
# checkpoint is queued to start, not to resume, and the notice saying it
# waits goes by itself when it starts; `runs --start-queued` trains what
# waits (a two-step run). The long runs are killed as soon as seen.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-status-XXXXXX") || exit 99
SOCK="mentor-status-test-$$"
# run_pid RUN: the process of a run of this workspace, from `runs --json`
run_pid() {
	"$BIN" --db "$T/ws.db" runs --json 2> /dev/null | tr '{' '\n' |
		sed -n "s/^\"id\":$1,.*\"pid\":\([0-9]*\),.*/\1/p" | head -n 1
}
# kill_run RUN: kill its process and wait until it is gone
kill_run() {
	p=$(run_pid "$1")
	[ -n "$p" ] && [ "$p" -gt 0 ] || return 0
	kill -9 "$p" 2> /dev/null
	k=0
	while kill -0 "$p" 2> /dev/null && [ $k -lt 100 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	return 0
}
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	if [ -f "$T/ws.db" ]; then
		for r in 1 2 3; do kill_run $r; done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" init > /dev/null 2>&1 || exit 99
mkdir -p "$T/cfg"
pass=0
fail=0
. "$(dirname "$0")/tmux_wait.sh"
N=0
S=s0
start() { tmux_session "" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"; }
# cursor: "FLAG X Y" of the pane's cursor
cursor() { tm display-message -p -t "$S" '#{cursor_flag} #{cursor_x} #{cursor_y}'; }
# no NAME TEXT: TEXT is not on the screen now
no() {
	screen
	if grep -qF -- "$2" "$T/screen"; then bad "$1: '$2' is shown"; else pass=$((pass + 1)); fi
}
# status_sgr ROW: that row of the pane with its colours
status_sgr() { tm capture-pane -e -p -t "$S" | sed -n "${1}p"; }
# no_status NAME TEXT: the status bar (row 30) does not say TEXT
no_status() {
	screen
	if sed -n 30p "$T/screen" | grep -qF -- "$2"; then bad "$1: the status bar says '$2'"
	else pass=$((pass + 1)); fi
}

# ------------------------------------------------ text entry: Items search
start
wait_for open "item 1/" || exit 1
wait_for global_hints "q quit"
eq no_cursor "$(cursor | cut -d' ' -f1)" 0
keys /
wait_for prompt "Search:"
wait_for entry_keys "Enter search  Esc cancel  Backspace delete"
no entry_no_quit "q quit"
eq cursor_search "$(cursor)" "1 8 1"
keys -l "qua"
wait_for typed "Search: qua"
eq cursor_typed "$(cursor)" "1 11 1"
keys Escape
wait_for entry_closed "q quit"
eq cursor_hidden "$(cursor | cut -d' ' -f1)" 0

# ------------------------------------------------ help at 80x24
tm resize-window -t "$S" -x 80 -y 24
wait_for help80 "item 1/"
keys '?'
wait_for help "Help: Items"
wait_for corner "┌─ Help: Items"
wait_for corner_end "┘"
wait_re cue "▼ [0-9]+ more below: j, Down"
# a description longer than its column goes on the next line, whole
wait_for wrapped "previous item (or scroll the"
wait_for wrapped2 "detail up)"
# nothing inside the box is cut (the screen behind it may be)
screen
if sed -n '4,22p' "$T/screen" | sed 's/│[^│]*$//' | grep -qF "…"; then bad "help: a line is cut"
else pass=$((pass + 1)); fi
keys j j j
wait_for cue_up "▲ 3 more above: k, Up"
keys Escape
wait_gone help_closed "Help: Items"

# ------------------------------------------------ too small, down to 20 columns
tm resize-window -t "$S" -x 20 -y 10
wait_for small "terminal too small:"
wait_for small_size "have 20x10, need"
wait_for small_need "80x24"
wait_for small_hint "or press q to quit"
tm resize-window -t "$S" -x 100 -y 30
wait_gone small_gone "too small"

# ------------------------------------------------ an error is red, a notice is not
keys Z
wait_for error "key Z does nothing here"
if status_sgr 30 | grep -qE '(\[|;)41m'; then pass=$((pass + 1)); else
	bad "the error is not on red: $(status_sgr 30 | od -c | head -3)"; fi
keys m
wait_for notice "mouse released"
if status_sgr 30 | grep -qE '(\[|;)42m' && ! status_sgr 30 | grep -qE '(\[|;)41m'; then
	pass=$((pass + 1))
else
	bad "the notice is not in its own colours: $(status_sgr 30 | od -c | head -3)"
fi
keys m

# ------------------------------------------------ text entry: a Train number field
keys 3
wait_for train "0 runs, 0 running, 0 queued" || exit 1
keys n
wait_for form "New run" || exit 1
keys j j j j j j j j j j j   # variant ... budget, steps
wait_for steps_sel "steps    1500"
keys Enter
wait_for field_keys "Enter set  Esc cancel  Backspace delete"
no field_no_quit "q quit"
screen
row=$(grep -n " steps    1500" "$T/screen" | head -n 1 | cut -d: -f1)
eq cursor_field "$(cursor)" "1 14 $((row - 1))"
keys Escape
wait_for field_closed "edit/launch"

# ------------------------------------------------ two runs, quit asks, the queue stays
keys Escape           # the form closes
keys n k              # it opens on dataset; k wraps round to Launch
wait_for launch_sel "[ Launch ]"
keys Enter
wait_for started "run 1 starts in the background" || exit 1
no_status started_not_resumed "checkpoint"
if status_sgr 30 | grep -qE '(\[|;)42m'; then pass=$((pass + 1)); else
	bad "the start notice is not in the notice colours"; fi
keys n k Enter
wait_for queued "run 2 queued: it starts when run 1 ends" || exit 1
wait_for counts "2 runs, "
keys q
wait_for ask "Quit? y/n: run 1 keeps training; 1 queued run waits for the next workbench"
keys n
wait_for not_quitting "not quitting"
keys q
wait_for ask2 "Quit? y/n"
keys y
wait_for exited "EXIT=0" || exit 1

"$BIN" --db "$T/ws.db" runs > "$T/runs" 2>&1
if grep -qE '^2 +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +queued' "$T/runs"; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: run 2 is not queued after quitting"; cat "$T/runs"; fi
"$BIN" --db "$T/ws.db" runs --start-queued > "$T/sq" 2>&1
eq start_queued_waits $? 1
grep -qF "run 1 is training: the 1 queued run starts after it ends" "$T/sq" &&
	pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: runs --start-queued:"; cat "$T/sq"; }

# ------------------------------------------------ the next workbench starts it
kill_run 1
start
wait_for train_again " 3 Train " || exit 1
wait_for queue_started "2 runs, 1 running, 0 queued" 60 || exit 1
wait_re run1_failed "1 FAIL" 20
# run 1 never reached a checkpoint: r queues it to start, not to resume
keys k r
wait_for requeued "run 1 queued: it starts when run 2 ends" || exit 1
no_status requeued_not_resumed "resumes"
# run 2's process goes: run 1 starts, and the notice that it waits goes by itself
kill_run 2
wait_gone notice_cleared "run 1 queued" 60
wait_re run1_runs "1 (run |wait) " 30
# run 3: two steps, no evaluation, queued behind run 1
keys n k              # Launch
keys k Right Right    # eval on: none
wait_for eval_none "eval on  < none >"
keys k k k k k        # vocab, lr, seed, batch, steps
set_field 2
wait_for steps2 "steps    2"
keys j j j j j j Enter
wait_for queued3 "run 3 queued: it starts when run 1 ends" || exit 1
keys q
wait_for ask3 "Quit? y/n: run 1 keeps training; 1 queued run waits for the next workbench"
keys y
wait_for exited2 "EXIT=0"
# runs --start-queued trains it here once run 1's process is gone, then finds
# the queue empty
kill_run 1
"$BIN" --db "$T/ws.db" runs --start-queued > "$T/sq" 2> "$T/sq.err"
eq start_queued_trains $? 0
grep -qE "run 3 .* done at step 2/2" "$T/sq" && pass=$((pass + 1)) ||
	{ fail=$((fail + 1)); echo "FAIL: runs --start-queued did not train run 3:"; cat "$T/sq" "$T/sq.err"; }
"$BIN" --db "$T/ws.db" runs --start-queued > "$T/sq" 2>&1
eq start_queued_empty "$?:$(cat "$T/sq")" "0:no run is queued"
# with nothing training or waiting, q quits at once
start
wait_for train3 "3 runs, 0 running, 0 queued" 60 || exit 1
keys q
wait_for exited3 "EXIT=0"

echo "$pass checks, $fail failed"
[ $fail = 0 ]
