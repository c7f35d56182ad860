#!/bin/sh
# test_llama_hf.sh PROGRAM: Hugging Face folders of Llama-3-, SmolLM2-,
# Qwen2- and Qwen3-shaped models written by llama_hf_fixture.py with
# PyTorch (F32, F16, BF16, one sharded) must import with
# modelio_llama_read and give torch's logits (see test_llama_hf.c).
# Skipped (77) without a Python that imports torch.
set -u
PROG=${1:?usage: test_llama_hf.sh PROGRAM}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
. "$SRC/tests/torch_py.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-llamahf-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
"$py" "$SRC/tests/modelio/llama_hf_fixture.py" write "$T" >"$T/list" || exit 99
fail=0
n=0
while read -r dir; do
	n=$((n + 1))
	if ! "$PROG" "$dir"; then
		fail=$((fail + 1))
		echo "FAIL: $(basename "$dir")"
	fi
done <"$T/list"
[ "$n" -eq 13 ] || { echo "llama_hf_fixture.py wrote $n folders, not 13"; exit 99; }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
