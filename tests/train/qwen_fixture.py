"""A small Qwen3-shaped Hugging Face folder with Qwen's real tokenizer.

`qwen_fixture.py DIR TOKENIZER_DIR` writes DIR/config.json (model_type
qwen3: 2 layers, hidden 64, 4 query heads on 2 key/value heads of size 16,
MLP 128, the head tied to the embedding, Qwen3's 151,936 embedding rows and
40,960 positions),
DIR/model.safetensors (BF16, random weights drawn as transformers
initialises them: normal(0, 0.02), norms 1) and copies tokenizer.json and
tokenizer_config.json from TOKENIZER_DIR (../shared/tokenizers/qwen3). The
weights are random, not Qwen's: the folder tests that such a model imports,
reads Japanese and learns, not what it knows."""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model"))
sys.path.insert(0, os.path.join(HERE, "..", "modelio"))
import llama_ref  # noqa: E402
from llama_hf_fixture import write_safetensors  # noqa: E402

CONFIG = {
    "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 151936,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "max_position_embeddings": 40960, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6,
    "hidden_act": "silu", "attention_bias": False, "tie_word_embeddings": True,
    "bos_token_id": 151643, "eos_token_id": 151643, "torch_dtype": "bfloat16",
}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: qwen_fixture.py DIR TOKENIZER_DIR")
    out, tok = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20261206)
    tensors = []
    for name, shape in llama_ref.shapes(CONFIG):
        t = torch.ones(shape) if name.endswith("norm.weight") else 0.02 * torch.randn(shape)
        tensors.append((name, t))
    write_safetensors(os.path.join(out, "model.safetensors"), tensors, "BF16")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    for fn in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tok, fn), os.path.join(out, fn))


if __name__ == "__main__":
    main()
