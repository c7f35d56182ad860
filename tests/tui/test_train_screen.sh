#!/bin/sh
# test_train_screen: the Train and Inspect screens in a real terminal (tmux,
# 100x30). On a small generated arithmetic dataset with gold rationales, runs
# of the tiny preset:
# launch a baseline and an MT-CoT run of a tiny model from the form (the
# second waits queued), watch the loss plot change between two captures,
# stop the MT-CoT run from the screen and resume it from its checkpoint, let
# both finish; then Inspect compares them, filters "fixed", answers a typed
# question and writes the report; the workspace holds both runs and their
# predictions. Runs under the sanitizers too (the model is tiny: about 15 s
# there); MENTOR_SKIP_TRAIN_TMUX=1 skips it on a machine too slow for it,
# test_train_script then still covers the screens headless.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
if [ "${MENTOR_SKIP_TRAIN_TMUX:-0}" = 1 ]; then
	echo "skip: MENTOR_SKIP_TRAIN_TMUX=1"
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-train-tmux-XXXXXX") || exit 99
SOCK="mentor-train-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	# a run still training in the background: stop it
	[ -f "$T/ws.db" ] && "$BIN" --db "$T/ws.db" stop 2 > /dev/null 2>&1
	[ -f "$T/ws.db" ] && "$BIN" --db "$T/ws.db" stop 1 > /dev/null 2>&1
	sleep 0.2
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" sample arith --splits 200/20/40 --import arithmini > /dev/null || exit 99
mkdir -p "$T/cfg"
pass=0
fail=0

. "$(dirname "$0")/tmux_wait.sh"

S=s1
tm -f /dev/null new-session -d -s "$S" -x 100 -y 30 \
	"env -i PATH=/usr/bin:/bin HOME=$T TERM=xterm-256color \
	ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} sh" || exit 99
keys "cd $T && export LC_ALL=C.UTF-8 XDG_CONFIG_HOME=$T/cfg MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-}" Enter
keys "echo RE''ADY" Enter
wait_for shell READY || exit 1
keys "clear; $BIN --db $T/ws.db; echo EXIT=\$?" Enter
wait_for open " 3 Train " || exit 1
keys 3
wait_for train "no runs yet: press n" || exit 1

# ------------------------------------------------ run 1: baseline, tiny
keys n
wait_for form "New run" || exit 1
wait_for count "examples: 200 ans + 200 expl"
wait_for count_gold "200/200 items with gold expl."
keys j Right
wait_for baseline "< baseline >"
wait_for count_base "examples: 200 answers"
# the tiny preset; alpha and source are hidden for a baseline
keys j j j j j j j j  # start, preset, layers, width, heads, context, budget, steps
set_field 60
keys j
set_field 8
wait_re tiny "preset +<? ?tiny"
wait_for steps "steps    60"
wait_for batch "batch    8"
keys j j j j j      # seed, lr, vocab, eval on, Launch
wait_for launch_sel "[ Launch ]"
keys Enter
wait_for started "run 1 starts in the background" || exit 1

# ------------------------------------------------ run 2: MT-CoT, queued
keys n
wait_for form2 "New run"
keys j Left
wait_for mtcot "< mt-cot >"
keys j j j j j j j j j j  # alpha, source, start, preset, layers, width, heads, context,
                         # budget, steps
set_field 200
wait_for steps200 "steps    200"
keys j j j j j j        # batch, seed, lr, vocab, eval on, Launch
keys Enter
wait_for queued "run 2 queued" || exit 1
wait_for two_runs "2 runs"

# the plot changes while run 1 trains
wait_re first_points "1 run +arithmini baseline[^ ]* +[1-9][0-9]?%" 60 || exit 1
screen
sed -n '3,14s/^[^│]*│//p' "$T/screen" > "$T/plot1"
i=0
changed=0
while [ $i -lt 300 ]; do
	screen
	sed -n '3,14s/^[^│]*│//p' "$T/screen" > "$T/plot2"
	if ! cmp -s "$T/plot1" "$T/plot2"; then
		changed=1
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
if [ $changed = 1 ]; then pass=$((pass + 1)); else bad "the plot never changed"; fi

# run 2 starts when run 1 ends; stop it past step 12 (it writes a checkpoint)
# (a finished run shows its test accuracy; the name may end in an ellipsis)
wait_re run1_done "1 done arithmini base[^ ]* +test [0-9]+%" 90 || exit 1
wait_re run2_running "Run #2 mt-cot" 10
wait_re run2_past_ckpt "step +(1[3-9]|[2-9][0-9]|1[0-9][0-9]) / 200" 90 || exit 1
keys s
wait_for stopping "stopping run 2"
wait_re stopped "2 stop arithmini mt-cot-2" 30 || exit 1
keys r
wait_for resumed "run 2 resumes from its checkpoint"
wait_re run2_done "2 done arithmini mt-cot[^ ]* +test [0-9]+%" 120 || exit 1
wait_for all_done "2 runs, 0 running, 0 queued"
# log scale, time axis, zoom and ASCII glyphs redraw without trouble
keys l t z g
wait_for zoomed "train loss by time (s) (log)"
keys z z z z z z g g   # the six single panels, then all again
wait_for panels "validation loss"

# ------------------------------------------------ Inspect
keys 4
wait_re summary "A #2 mt-cot-2 dir [0-9.]+% expl [0-9.]+%" || exit 1
wait_re summary_b "B #1 baseline-1 dir [0-9.]+%"
wait_for of40 "40 of 40 items"
wait_re fixed_count "fixed [0-9]+ broken [0-9]+"
wait_for columns "A:dir A:expl B:dir"
keys f f f
wait_for filter_fixed "filter fixed"
# the number of rows equals the fixed count of the summary
screen
nf=$(sed -n 's/.*fixed \([0-9]*\) broken.*/\1/p' "$T/screen" | head -n 1)
wait_for fixed_rows "$nf of 40 items"
keys a
wait_for ask_prompt "Ask:"
keys -l "Ann has 7 apples. She buys 5 more. How many apples does Ann have now?"
keys Enter
wait_for asked "You asked run #2" 30
wait_for answer "│  answer: " 30
keys w
wait_for report "report written to $T/ws.db.report-2-vs-1.html"
[ -s "$T/ws.db.report-2-vs-1.html" ] && pass=$((pass + 1)) || bad "no report file"
keys q
wait_for exited "EXIT=0"

# ------------------------------------------------ the workspace
"$BIN" --db "$T/ws.db" runs > "$T/runs" 2>&1
if [ "$(grep -c ' done ' "$T/runs")" = 2 ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: two done runs expected"; cat "$T/runs"; fi
grep -qE 'baseline-1 .* 60/60 .*%' "$T/runs" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: baseline run"; cat "$T/runs"; }
grep -qE 'mt-cot-2 .* 200/200 .*%' "$T/runs" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: mt-cot run"; cat "$T/runs"; }
# run 2 went on from its checkpoint: its second session's first progress
# line (every 10 steps) is past step 12, not step 10 as from scratch
log="$T/ws.db.runs/2/log.txt"
sessions=$(grep -c 'training 200 steps' "$log" 2> /dev/null)
first=$(awk '/training 200 steps/ { n++ } n == 2 && /^step / { split($2, a, "/"); print a[1]; exit }' "$log")
if [ "${sessions:-0}" -ge 2 ] && [ "${first:-0}" -gt 12 ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: run 2 did not resume from its checkpoint (sessions ${sessions:-0}, first step ${first:-none})"; cat "$log"; fi

echo "$pass checks, $fail failed"
[ $fail = 0 ]
