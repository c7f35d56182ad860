#!/bin/sh
# test_torch_parity: GPT-2 checkpoints built with PyTorch (torch_gpt2.py:
# random weights, GPT-2's config keys and tensor names, Conv1D layout, F32,
# F16 and BF16, with and without lm_head / output.weight; Hugging Face
# folders and GGUF files in llama.cpp's converter layout) are imported into
# a fresh workspace, and `mentor predict --logits --all --json` must give
# torch's next-token logits to 1e-4 relative (|a - b| <= 1e-4 * max(1, |b|))
# and the prompt ids of torch_gpt2.py's own BPE. Skipped (77) without a
# Python that imports torch (Debian: apt-get install python3-torch).
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
. "$SRC/tests/torch_py.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-torch-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export HOME="$T" XDG_CONFIG_HOME="$T/cfg" LC_ALL=C.UTF-8
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

"$py" "$SRC/tests/modelio/torch_gpt2.py" write "$T/models" || exit 99
db="$T/ws.db"
"$BIN" --db "$db" init >"$T/init.out" 2>&1 || { cat "$T/init.out"; exit 99; }
mkdir "$T/out"
while read -r name path; do
	if ! "$BIN" --db "$db" import-model "$path" --name "$name" </dev/null \
		>"$T/import.out" 2>&1; then
		bad "import-model $name"
		cat "$T/import.out"
		continue
	fi
	k=0
	while IFS= read -r text; do
		if ! "$BIN" --db "$db" predict "$name" "$text" --logits --all --json </dev/null \
			>"$T/out/$name.$k.json" 2>"$T/predict.err"; then
			bad "predict $name '$text'"
			cat "$T/predict.err"
		fi
		k=$((k + 1))
	done <"$T/models/prompts.txt"
done <"$T/models/models.txt"
"$py" "$SRC/tests/modelio/torch_gpt2.py" check "$T/models" "$T/out" || fail=$((fail + 1))

# fine-tuning from one of them: MT-CoT on arith with the gold rationales
# starts from its weights and tokenizer, and the loss falls
first=$(head -1 "$T/models/models.txt" | cut -d' ' -f1)
if "$BIN" --db "$db" train arith --init-from "$first" --variant mt-cot --source gold \
	--steps 60 --batch 8 --lr 0.001 --threads 1 --eval-split none --eval-every 0 --json \
	</dev/null >"$T/ft.out" 2>"$T/ft.err"; then
	ft=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$T/ft.out")
	sqlite3 "$db" "select value from metric where run_id = $ft and name = 'loss' order by step" \
		>"$T/loss.txt" 2>/dev/null || bad "no loss points for run $ft"
	"$py" - "$T/loss.txt" <<'PY' || bad "fine-tuning from $first: the loss did not fall"
import sys
v = [float(x) for x in open(sys.argv[1]).read().split()]
first, last = sum(v[:10]) / 10, sum(v[-10:]) / 10
print("fine-tune loss: first 10 steps %.3f, last 10 %.3f" % (first, last))
sys.exit(0 if len(v) == 60 and last < 0.8 * first else 1)
PY
else
	bad "train --init-from $first: $(cat "$T/ft.err")"
fi
[ "$fail" -eq 0 ]
