#!/bin/sh
# test_extrun_plot: an external trainer's run is recorded and plotted like an
# internal one. A scripted trainer (fake_trainer.sh) writes metrics lines;
# `mentor run-external` records them; the Train screen (headless, --dump)
# lists the run and draws its loss curve with the trainer's values.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-extplot-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export HOME="$T" XDG_CONFIG_HOME="$T/cfg" LC_ALL=C.UTF-8 TERM=xterm-256color
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { if grep -qE -- "$2" "$T/screen"; then ok; else bad "$1: /$2/ not on the screen"; sed 's/^/  | /' "$T/screen"; fi; }

db="$T/ws.db"
"$BIN" --db "$db" sample arith --splits 20/2/2 --import ds >/dev/null || exit 99
"$BIN" --db "$db" explain ds --mode cot --split train >/dev/null 2>&1 || exit 99
if "$BIN" --db "$db" run-external ds --status all --name ext-plot \
	--cmd "/bin/sh '$SRC/tests/modelio/fake_trainer.sh'" >"$T/run.out" 2>&1; then ok; else
	bad "run-external failed"; cat "$T/run.out"; fi
"$BIN" --db "$db" runs >"$T/runs" 2>&1
grep -q "ext-plot" "$T/runs" && ok || { bad "run not listed"; cat "$T/runs"; }
grep -E "ext-plot.* done" "$T/runs" >/dev/null && ok || { bad "run not done"; cat "$T/runs"; }

printf '%s\n' "key 3" >"$T/keys"
if "$BIN" --db "$db" tui --script "$T/keys" --dump --size 100x30 >"$T/screen" 2>"$T/err"; then ok; else
	bad "tui exit status"; cat "$T/err"; fi
has listed "ext-plot"
has title "train loss"
# the loss axis spans the trainer's values: 2.5 at step 10 down to 1.5 at 30
has top_label "2\.5"
has bottom_label "1\.5"
has last_step "30"
# braille cells of the curve itself
has curve "⠑⠢⢄"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
