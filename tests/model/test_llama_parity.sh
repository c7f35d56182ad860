#!/bin/sh
# test_llama_parity.sh PROGRAM: small Llama-3-, SmolLM2-, Qwen2- and
# Qwen3-shaped models built with random weights by llama_ref.py (plain
# PyTorch after transformers' modeling files) must give mentor's llama
# module torch's logits to 1e-4 relative, its loss and its gradients (see
# test_llama_parity.c). Skipped (77) without a Python that imports torch
# (Debian: apt-get install python3-torch).
set -u
PROG=${1:?usage: test_llama_parity.sh PROGRAM}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
. "$SRC/tests/torch_py.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-llama-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
"$py" "$SRC/tests/model/llama_ref.py" write "$T" >"$T/list" || exit 99
fail=0
n=0
while read -r dir; do
	n=$((n + 1))
	if ! "$PROG" "$dir"; then
		fail=$((fail + 1))
		echo "FAIL: $(basename "$dir")"
	fi
done <"$T/list"
[ "$n" -eq 4 ] || { echo "llama_ref.py wrote $n models, not 4"; exit 99; }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
