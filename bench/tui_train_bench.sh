#!/bin/sh
# tui_train_bench: the Train screen while a run trains. (1) keypress redraw
# time of the Train screen (headless --bench, 100x30 and 80x24) sampled
# while a background run writes metrics; (2) tokens/s of the same run
# launched from the CLI (foreground `mentor train`) and from the Train
# screen's form in a real terminal (tmux) that stays open on the live plots,
# alternated ROUNDS times. Usage:
#   sh bench/tui_train_bench.sh MENTOR_BIN [STEPS] [ROUNDS] [KEYS]
# (defaults 150 steps, 2 rounds, 500 keypresses). Needs tmux and sqlite3.
set -eu
BIN=${1:?usage: tui_train_bench.sh MENTOR_BIN [STEPS] [ROUNDS] [KEYS]}
STEPS=${2:-150}
ROUNDS=${3:-2}
KEYS=${4:-500}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-train-bench-XXXXXX")
SOCK="mentor-train-bench-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
export LC_ALL=C.UTF-8 XDG_CONFIG_HOME="$T/cfg" HOME="$T"
# Runs started from the workbench sleep their idle OpenMP threads
# (OMP_WAIT_POLICY=passive, unless the environment says otherwise); give the
# CLI run the same setting, so that the only difference measured is the screen.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
cd "$T"
"$BIN" --db ws.db sample arith --splits 2000/200/500 --import arith > /dev/null
# the run: tiny preset, baseline, no evaluation at the end; validation and
# checkpoints as often as the Train screen's form sets them for short runs
VAL=$((STEPS / 10)); [ $VAL -lt 10 ] && VAL=10; [ $VAL -gt 100 ] && VAL=100
CK=$((STEPS / 5)); [ $CK -lt 10 ] && CK=10; [ $CK -gt 200 ] && CK=200
ARGS="--variant baseline --preset tiny --batch 16 --steps $STEPS --eval-split none \
--val-every $VAL --ckpt-every $CK"

# sqlite3 with a busy timeout: the training process writes at the same time
sq() { sqlite3 -cmd ".timeout 10000" ws.db "$@"; }
# mean tokens/s of a run over its steps after the first 10 (warm-up)
toks() {
	sq "SELECT printf('%.0f', avg(value)) FROM metric WHERE run_id = $1 AND \
name = 'tok_s' AND step > 10"
}
last_run() { sq "SELECT max(id) FROM run"; }
wait_done() {
	while :; do
		st=$(sq "SELECT status FROM run WHERE id = $1")
		case $st in done|failed|stopped) return 0 ;; esac
		sleep 0.5
	done
}

echo "--- redraw of the Train screen while a run trains ($KEYS keypresses each)"
"$BIN" --db ws.db train arith $ARGS --detach > /dev/null
id=$(last_run)
sq "INSERT OR REPLACE INTO setting(key, value) VALUES('tui.screen', '3')"
sleep 3
for size in 100x30 80x24 100x30 80x24; do
	step=$(sq "SELECT step FROM run WHERE id = $id")
	echo "size $size at step $step:"
	"$BIN" --db ws.db tui --bench "$KEYS" --size "$size" | grep -E 'redraw|first'
done
wait_done "$id"
echo "(that run: $(toks "$id") tok/s while the benchmark redrew)"

tm() { tmux -L "$SOCK" "$@"; }
launch_from_tui() {
	tm -f /dev/null new-session -d -s b -x 100 -y 30 \
		"env LC_ALL=C.UTF-8 HOME=$T TERM=xterm-256color $BIN --db $T/ws.db tui"
	sleep 1
	tm send-keys -t b 3 n
	sleep 0.3
	# variant -> baseline, then steps, eval none, launch
	tm send-keys -t b j Right j j j j j j j Enter BSpace BSpace BSpace BSpace BSpace
	tm send-keys -t b -l "$STEPS"
	tm send-keys -t b Enter j j j Right Right j Enter
	sleep 2
}
echo "--- tokens/s: CLI vs Train screen (tiny, batch 16, $STEPS steps)"
# alternate which goes first (ABBA...), so that a machine whose load drifts
# favours neither
cli_run() {
	"$BIN" --db ws.db train arith $ARGS > /dev/null 2>&1
	cli=$(last_run)
}
tui_run() {
	before=$(last_run)
	launch_from_tui
	tui=$(last_run)
	if [ "$tui" = "$before" ]; then
		echo "the form did not launch a run:"
		tm capture-pane -p -t b
		exit 1
	fi
	wait_done "$tui"
	tm kill-session -t b
}
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then cli_run; tui_run; else tui_run; cli_run; fi
	echo "round $r: cli run $cli $(toks "$cli") tok/s, tui run $tui $(toks "$tui") tok/s"
done
