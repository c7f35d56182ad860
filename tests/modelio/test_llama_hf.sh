#!/bin/sh
# test_llama_hf.sh PROGRAM: Hugging Face folders of Llama-3-, SmolLM2-,
# Qwen2- and Qwen3-shaped models written by llama_hf_fixture.py with
# PyTorch (F32, F16, BF16, one sharded, and GGUF files in llama.cpp's
# converter layout in F16 and BF16) must import with
# modelio_llama_read and give torch's logits (see test_llama_hf.c).
# Skipped (77) without a Python that imports torch.
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
exec "$SRC/tests/torch_each.sh" "${1:?usage: test_llama_hf.sh PROGRAM}" \
	"$SRC/tests/modelio/llama_hf_fixture.py" 21
