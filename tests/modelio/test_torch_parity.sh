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
# python3 on PATH may be another Python (pyenv) than Debian's, which has torch
py=""
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import torch' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: no python3 with torch (apt-get install python3-torch)"
	exit 77
fi
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
[ "$fail" -eq 0 ]
