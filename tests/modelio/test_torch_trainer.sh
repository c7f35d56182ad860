#!/bin/sh
# test_torch_trainer: the reference PyTorch trainer (scripts/mentor_torch_train.py)
# on CPU. A tiny in-process run is the starting model; `mentor run-external
# --init-from` runs the trainer with 2 worker processes (DistributedDataParallel,
# gloo) for 20 MT-CoT steps: the run is done with its loss points, the loss
# fell, the Train screen (headless) lists it with its curve, and `mentor
# import-model` reads its output back for `mentor predict`. The same
# configuration trained in-process by mentor draws the same batches, so every
# loss point must agree (|difference| < 1e-4; about 3e-7 is typical); so must
# the first step of a 1-process run started by hand from `mentor export-model`
# and `mentor export --tokenizer`, and 3 steps from a foreign GPT-2 whose
# special rows start at zero. Exits 77 without a Python that has PyTorch.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
TRAINER="$SRC/scripts/mentor_torch_train.py"
PY=
# Debian's python3-torch is for /usr/bin/python3, which may not be first on PATH
for p in ${MENTOR_TORCH_PYTHON:-} /usr/bin/python3 python3; do
	if "$p" -c 'import torch, torch.distributed' >/dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	echo "skip: no Python with PyTorch (Debian 12: apt-get install python3-torch)"
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-torch-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export HOME="$T" XDG_CONFIG_HOME="$T/cfg" LC_ALL=C.UTF-8 TERM=xterm-256color
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
show() { sed 's/^/  | /' "$1"; }
db="$T/ws.db"
m() { "$BIN" --db "$db" "$@"; }
# Python over the workspace: PY_DB 'code using db (sqlite3) and runs (runs --json)'
py_db() {
	m runs --json >"$T/runs.json" || return 99
	"$PY" - "$db" "$T/runs.json" "$@" <<EOF
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = {r["name"]: r for r in json.load(open(sys.argv[2]))}
def points(name, metric):
    return dict(db.execute("select step, value from metric where run_id = ? and name = ?",
                           (runs[name]["id"], metric)).fetchall())
$PYCODE
EOF
}

# a fresh workspace with the bundled data, and a small dataset whose every
# explanation is right (so that mentor train --source cot and the export of
# every explanation hold the same sequences)
m init >/dev/null 2>&1 || exit 99
m sample arith --splits 24/8/4 --import ds >/dev/null || exit 99
m explain ds --mode cot --offline-rates cot_wrong=0,cot_bad_step=0 >/dev/null 2>&1 || exit 99
common="--steps 20 --batch 8 --lr 1e-3 --seed 7 --val-every 10"
m train ds --variant mt-cot --source cot --preset tiny --vocab 300 --steps 20 --batch 8 \
	--threads 1 --eval-every 0 --eval-split none --name start >"$T/start.out" 2>&1 ||
	{ show "$T/start.out"; exit 99; }

# ------------------------------------------------------------ 2 processes, run-external
if m run-external ds --status all --variant mt-cot --alpha 0.3 --init-from start --name torch-ddp \
	--quiet -- "$PY" "$TRAINER" --nproc 2 --threads 1 $common --log-every 5 >"$T/ext.out" 2>&1; then
	ok
else
	bad "run-external failed"; show "$T/ext.out"
fi
grep -q "done: 1[0-9][0-9] metric points from 20 lines" "$T/ext.out" && ok ||
	{ bad "not 20 metrics lines"; show "$T/ext.out"; }
rundir=$(sed -n 's/.*files in \(.*\)$/\1/p' "$T/ext.out")
grep -q "2 processes (gloo, cpu)" "$rundir/log.txt" 2>/dev/null && ok ||
	{ bad "not 2 gloo processes"; show "$rundir/log.txt"; }
PYCODE='
r = runs["torch-ddp"]
want = [("kind", "external"), ("status", "done"), ("variant", "mt-cot"), ("alpha", 0.3),
        ("step", 20), ("total_steps", 20)]
bad = [k for k, v in want if r[k] != v]
loss = points("torch-ddp", "loss")
val = points("torch-ddp", "val_loss")
if sorted(loss) != list(range(1, 21)): bad.append("loss steps %s" % sorted(loss))
if sorted(val) != [10, 20]: bad.append("val_loss steps %s" % sorted(val))
for name in ("loss_ans", "loss_exp", "lr", "tok_s"):
    if len(points("torch-ddp", name)) != 20: bad.append(name)
first, last = sum(loss[s] for s in range(1, 6)) / 5, sum(loss[s] for s in range(16, 21)) / 5
if not last < first - 0.1: bad.append("loss did not fall: %.4f -> %.4f" % (first, last))
print("loss %.4f -> %.4f over the first and last 5 steps" % (first, last))
print(" ".join(bad) if bad else "ok")'
py_db >"$T/check" 2>&1
if tail -1 "$T/check" | grep -qx ok; then ok; else bad "run-external run"; show "$T/check"; fi
head -1 "$T/check"

# the Train screen lists the run (the newest, so selected) with its loss curve
printf 'key 3\n' >"$T/keys"
if m tui --script "$T/keys" --dump --size 100x30 >"$T/screen" 2>"$T/err"; then ok; else
	bad "tui exit status"; show "$T/err"; fi
for want in "done ds torch-ddp" "Run #2 torch-ddp" "variant  mt-cot a=0.30" "step     20 / 20" \
	"train loss" "validation loss"; do
	grep -qF -- "$want" "$T/screen" && ok || { bad "screen: no '$want'"; show "$T/screen"; }
done
# braille cells (U+2800..U+28FF: bytes e2 a0..a3 xx) draw the curves
LC_ALL=C grep -q "$(printf '\342[\240-\243]')" "$T/screen" && ok ||
	{ bad "no braille curve"; show "$T/screen"; }

# import-model reads the output back; predict answers with it
if m import-model "$rundir/model" --dataset ds --name torch-imported >"$T/imp.out" 2>&1; then
	ok
else
	bad "import-model"; show "$T/imp.out"
fi
if m predict torch-imported "Max has 4 eggs. Zoe takes 3. How many eggs does Max have now?" \
	>"$T/pred.out" 2>&1 && grep -q '^answer: ' "$T/pred.out"; then ok; else
	bad "predict on the imported run"; show "$T/pred.out"; fi

# ------------------------------------------------------------ parity with mentor train
m train ds --init-from start --variant mt-cot --source cot --alpha 0.3 $common --threads 1 \
	--eval-every 0 --eval-split none --name inproc >"$T/inproc.out" 2>&1 ||
	{ bad "in-process run"; show "$T/inproc.out"; }
# every loss point of run A against run B: parity A B POINTS
PARITY='
a_run, b_run, want = sys.argv[3], sys.argv[4], int(sys.argv[5])
worst, n = 0.0, 0
for name in ("loss", "loss_ans", "loss_exp", "val_loss"):
    a, b = points(a_run, name), points(b_run, name)
    if sorted(a) != sorted(b):
        print("steps of %s differ: %s %s" % (name, sorted(a), sorted(b))); worst = 1e9
    for s in a:
        if s in b:
            worst, n = max(worst, abs(a[s] - b[s])), n + 1
print("%s against %s: %d points, max |mentor - torch| = %.3g" % (b_run, a_run, n, worst))
print("ok" if worst < 1e-4 and n == want else "too far")'
parity() {
	PYCODE=$PARITY py_db "$@" >"$T/check" 2>&1
	if tail -1 "$T/check" | grep -qx ok; then ok; else bad "parity $*"; show "$T/check"; fi
	head -1 "$T/check"
}
parity inproc torch-ddp 62

# ------------------------------------------------------------ by hand, 1 process
m export-model start --format safetensors --out "$T/start-hf" >/dev/null 2>&1 || exit 99
m export ds --format mt --status all --tokenizer start --out "$T/mt.jsonl" >/dev/null 2>&1 ||
	exit 99
if "$PY" "$TRAINER" --data "$T/mt.jsonl" --init "$T/start-hf" --out "$T/one" \
	--metrics "$T/one.jsonl" --alpha 0.3 --threads 1 $common >"$T/one.out" 2>&1; then ok; else
	bad "1-process run"; show "$T/one.out"; fi
test -s "$T/one/model.safetensors" && test -s "$T/one/tokenizer.json" && ok ||
	bad "no model written by the 1-process run"
PYCODE='
first = json.loads(open(sys.argv[3]).readline())
bad = ["%s %.6f" % (k, first[k]) for k in ("loss", "loss_ans", "loss_exp")
       if abs(first[k] - points("inproc", k)[1]) >= 1e-4]
print(" ".join(bad) if bad else "ok")'
py_db "$T/one.jsonl" >"$T/check" 2>&1
if tail -1 "$T/check" | grep -qx ok; then ok; else bad "1-process first step"; show "$T/check"; fi

# ------------------------------------------------------------ a foreign GPT-2
# tests/modelio/torch_gpt2.py's checkpoint in transformers' layout (GPT-2's
# pre-tokenizer, a vocabulary of its own): the import adds mentor's special
# rows as zeros, which both trainers fill from the same seeded generator
"$PY" "$SRC/tests/modelio/torch_gpt2.py" write "$T/gpt2" >/dev/null 2>&1 || exit 99
m import-model "$T/gpt2/hf-f32" --name gpt2ish >/dev/null 2>&1 || exit 99
short="--steps 3 --batch 8 --lr 1e-3 --seed 5 --val-every 0"
m train ds --init-from gpt2ish --variant mt-cot --source cot --alpha 0.3 $short --threads 1 \
	--eval-every 0 --eval-split none --name gpt2-inproc >"$T/g.out" 2>&1 ||
	{ bad "in-process run from the foreign GPT-2"; show "$T/g.out"; }
if m run-external ds --status all --variant mt-cot --alpha 0.3 --init-from gpt2ish \
	--name gpt2-torch --quiet -- "$PY" "$TRAINER" --nproc 2 --threads 1 $short >"$T/g.out" 2>&1
then ok; else bad "run-external from the foreign GPT-2"; show "$T/g.out"; fi
grep -q "7 special rows set" "$(sed -n 's/.*files in \(.*\)$/\1/p' "$T/g.out")/log.txt" && ok ||
	bad "the special rows were not set"
parity gpt2-inproc gpt2-torch 9

# ids of another tokenizer are refused with a message
m train ds --preset tiny --vocab 290 --steps 1 --val-every 0 --eval-every 0 --eval-split none \
	--name other >/dev/null 2>&1 || exit 99
m export ds --format mt --status all --tokenizer other --out "$T/other.jsonl" >/dev/null 2>&1 ||
	exit 99
"$PY" "$TRAINER" --data "$T/other.jsonl" --init "$T/start-hf" --out "$T/x" --steps 1 \
	>"$T/o.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "another tokenizer" "$T/o.out" && ok ||
	{ bad "another tokenizer: exit $rc"; show "$T/o.out"; }
# an export without ids, a missing folder: one line each, no traceback
m export ds --format mt --status all --out "$T/noids.jsonl" >/dev/null 2>&1 || exit 99
"$PY" "$TRAINER" --data "$T/noids.jsonl" --init "$T/start-hf" --out "$T/x" >"$T/o.out" 2>&1
[ $? -eq 1 ] && grep -q "no token ids" "$T/o.out" && ! grep -q Traceback "$T/o.out" && ok ||
	{ bad "export without ids"; show "$T/o.out"; }
"$PY" "$TRAINER" --data "$T/mt.jsonl" --init "$T/nowhere" --out "$T/x" >"$T/o.out" 2>&1
[ $? -eq 1 ] && grep -q "not a folder" "$T/o.out" && ok ||
	{ bad "missing folder"; show "$T/o.out"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
