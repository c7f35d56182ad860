#!/bin/sh
# compare_tmux: the one-key experiment from the Train screen in a real
# terminal (tmux, 110x34). On a small generated arithmetic dataset: open the
# form, set 20 steps, press c; the baseline and the three multi-task variants
# train over 3 seeds in a detached process, the runs show up in the list, and
# the screen shows the experiment's table and verdict with the figures that
# `mentor experiment --show` computes from the same workspace.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
command -v python3 > /dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-compare-XXXXXX") || exit 99
SOCK="mentor-compare-test-$$"
S=s1
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	# the experiment's process, if it still trains
	pkill -f "$T/ws.db" > /dev/null 2>&1
	sleep 0.2
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" sample arith --splits 60/10/20 --import arithmini > /dev/null || exit 99
pass=0
fail=0
. "$(dirname "$0")/tmux_wait.sh"

tm -f /dev/null new-session -d -s "$S" -x 110 -y 34 \
	"env -i PATH=/usr/bin:/bin HOME=$T TERM=xterm-256color \
	ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} sh" || exit 99
keys "cd $T && export LC_ALL=C.UTF-8 XDG_CONFIG_HOME=$T/cfg OMP_WAIT_POLICY=passive" Enter
keys "echo RE''ADY" Enter
wait_for shell READY || exit 1
keys "clear; $BIN --db $T/ws.db; echo EXIT=\$?" Enter
wait_for open " 3 Train " || exit 1
keys 3
wait_for train "no runs yet: press n" || exit 1
keys v
wait_for no_experiment "no experiment yet: c starts one"

# the form's settings, 20 steps, then the compare key
keys n
wait_for form "New run" || exit 1
keys j j j j j j j j j j j  # variant, alpha, source, start, preset, layers, width, heads,
                            # context, budget, steps
set_field 20
wait_for steps "steps    20"
keys c
wait_re started "experiment 1: 12 runs \(4 variants x 3 seeds\) started" 20 || exit 1
wait_for table "Experiment #1" || exit 1
wait_re listed "[0-9]+ (done|run |wait|eval) arithmini exp1" 30
wait_for done "done: 12 of 12 runs evaluated" 300 || exit 1
wait_for verdict "Verdict:"
for row in "Baseline direct" "MT-Re    direct" "MT-Ra    explained" "MT-CoT   explained"; do
	wait_re "row $row" " $row " 5
done

# the screen's figures are the CLI's: the MT-CoT explained row and the verdict
"$BIN" --db "$T/ws.db" experiment --show 1 --json > "$T/exp.json" 2> "$T/exp.err" || {
	fail=$((fail + 1)); echo "FAIL: experiment --show: $(cat "$T/exp.err")"; }
python3 - "$T/exp.json" > "$T/expect" << 'PY' || { fail=$((fail + 1)); echo "FAIL: json"; }
import json, sys
r = json.load(open(sys.argv[1]))
cells = r.get("cells") or r.get("rows") or []
for c in cells:
    if c.get("variant") == "mt-cot" and c.get("mode") in ("explain-then-answer", "explain", 1):
        m = c.get("mean")
        if m is None:
            m = c.get("accuracy")
        print("%.1f" % (100 * m) if m is not None else "-")
print(r["verdict"][:40])
PY
acc=$(sed -n 1p "$T/expect")
verdict=$(sed -n 2p "$T/expect")
screen
if grep -qE -- "MT-CoT +explained +$acc " "$T/screen"; then pass=$((pass + 1)); else
	bad "the MT-CoT explained row does not show $acc"
fi
if tr -d '\n' < "$T/screen" | tr -s ' ' | grep -qF -- "$(echo "$verdict" | tr -s ' ')"; then
	pass=$((pass + 1))
else
	bad "the verdict '$verdict...' is not on the screen"
fi
# v goes back to the plots and forth to the table
keys v
wait_for plots "train loss"
keys v
wait_for table_again "Experiment #1"
keys q
wait_for quit "EXIT=0"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
