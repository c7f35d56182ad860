#!/bin/sh
# test_llama_parity.sh PROGRAM: small Llama-3-, SmolLM2-, Qwen2- and
# Qwen3-shaped models built with random weights by llama_ref.py (plain
# PyTorch after transformers' modeling files) must give mentor's llama
# module torch's logits to 1e-4 relative, its loss and its gradients (see
# test_llama_parity.c). Skipped (77) without a Python that imports torch
# (Debian: apt-get install python3-torch).
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
exec "$SRC/tests/torch_each.sh" "${1:?usage: test_llama_parity.sh PROGRAM}" \
	"$SRC/tests/model/llama_ref.py" 4
