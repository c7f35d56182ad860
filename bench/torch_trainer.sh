#!/bin/sh
# torch_trainer.sh: the same MT-CoT steps trained by `mentor train` (1 and 2
# threads) and by the reference PyTorch trainer through `mentor run-external` (1
# process x 2 threads, 2 processes x 1 thread, DDP over gloo), from the same starting
# model on the same batches. Prints, per configuration: training seconds (the
# metric t of the last step), tokens/s (median of the steps' tok_s), CPU
# seconds of the whole command (with its children), and the last loss (the
# three agree to float rounding: same batches, same loss).
# usage: bench/torch_trainer.sh [MENTOR_BIN [STEPS [PRESET [PYTHON]]]]
#   defaults: build/src/mentor, 60 steps, small, /usr/bin/python3
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$here/build/src/mentor}
STEPS=${2:-60}
PRESET=${3:-small}
PY=${4:-/usr/bin/python3}
"$PY" -c 'import torch' 2>/dev/null || { echo "no PyTorch for $PY" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/mentor-torch-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
db="$W/ws.db"
m() { "$BIN" --db "$db" "$@"; }
# CPU seconds of a command and its children, then the command's own output
cpu() {
	"$PY" - "$@" <<'EOF'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.1f" % (r.ru_utime + r.ru_stime))
EOF
}
m init >/dev/null 2>&1
for split in train dev; do
	m explain arith --mode cot --split $split --offline-rates cot_wrong=0,cot_bad_step=0 \
		>/dev/null 2>&1
done
m train arith --variant mt-cot --source cot --preset "$PRESET" --vocab 512 --steps 1 \
	--eval-split none --eval-every 0 --val-every 0 --name start >/dev/null 2>&1
common="--steps $STEPS --batch 16 --lr 1e-3 --seed 3 --val-every 0"
echo "MT-CoT on arith, preset $PRESET, $STEPS steps of 16;" \
	"OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
inproc() {
	cpu "$BIN" --db "$db" train arith --init-from start --variant mt-cot --source cot \
		--alpha 0.3 $common --threads "$1" --eval-every 0 --eval-split none --name "mentor-$1t"
}
c0=$(inproc 1)
c1=$(inproc 2)
ext() {
	name=$1
	shift
	cpu "$BIN" --db "$db" run-external arith --status all --variant mt-cot --alpha 0.3 \
		--init-from start --name "$name" --quiet -- "$PY" "$here/scripts/mentor_torch_train.py" \
		$common "$@"
}
c2=$(ext torch-1x2 --nproc 1 --threads 2)
c3=$(ext torch-2x1 --nproc 2 --threads 1)
"$PY" - "$db" "$c0" "$c1" "$c2" "$c3" <<'EOF'
import sqlite3, statistics, sys
db = sqlite3.connect(sys.argv[1])
print("%-28s %10s %9s %8s %10s" % ("configuration", "train s", "tok/s", "CPU s", "last loss"))
rows = [("mentor-1t", "mentor train, 1 thread"), ("mentor-2t", "mentor train, 2 threads"),
        ("torch-1x2", "torch, 1 process x 2 threads"),
        ("torch-2x1", "torch, 2 processes x 1 thread")]
for (name, label), cpu in zip(rows, sys.argv[2:]):
    rid = db.execute("select id from run where name = ?", (name,)).fetchone()[0]
    def series(metric):
        return db.execute("select step, t, value from metric where run_id = ? and name = ? "
                          "order by step", (rid, metric)).fetchall()
    loss, toks = series("loss"), series("tok_s")
    print("%-28s %10.1f %9.0f %8s %10.6f" % (label, loss[-1][1],
          statistics.median(v for _, _, v in toks), cpu, loss[-1][2]))
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
