"""Hugging Face folders of small Llama-family models for test_llama_hf.

`llama_hf_fixture.py write DIR` takes the four model shapes of
tests/model/llama_ref.py (Llama 3 with its own head, SmolLM2, Qwen2 with
biases and a tied head, Qwen3 with q/k norms and head_dim apart from
hidden/heads), with a vocabulary of 300 rows, draws random weights and
writes each in F32, F16 and BF16 (and Qwen3 in BF16 as two shards with
model.safetensors.index.json) as a folder DIR/NAME holding:
  config.json            the model's transformers config
  model.safetensors      written here (no safetensors package needed):
                         8-byte little-endian header length, JSON header,
                         raw little-endian data
  tokenizer.json         a small byte-level BPE vocabulary in Qwen's form
  ids.txt                "B T" then B*T input ids
  logits.bin             (B, T, V) float32 logits of llama_ref.forward on
                         the weights as the file holds them
It prints the folder names, one a line."""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "model"))
import llama_ref  # noqa: E402

VOCAB = 300

QWEN2_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| "
            r"?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_RE = QWEN2_RE.replace(r"\p{N}|", r"\p{N}{1,3}|", 1)


def byte_chars():
    """GPT-2's bytes_to_unicode: byte -> the character vocabularies use."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    out, n = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + n)
            n += 1
    return out


def tokenizer_json(pretok):
    bc = byte_chars()
    vocab = {bc[b]: b for b in range(256)}
    merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("\u0120", "w"), ("o", "r"),
              ("\u0120w", "or"), ("l", "d"), ("\u0120wor", "ld")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    added = []
    for i, (text, special) in enumerate([("<|endoftext|>", True), ("<|im_start|>", True),
                                         ("<|im_end|>", True), ("<think>", False)]):
        added.append({"id": 270 + i, "content": text, "single_word": False,
                      "lstrip": False, "rstrip": False, "normalized": False,
                      "special": special})
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                  "use_regex": pretok == "gpt2"}
    if pretok == "gpt2":
        pre = byte_level
    else:
        pre = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_RE if pretok == "qwen2" else LLAMA3_RE},
             "behavior": "Isolated", "invert": False}, byte_level]}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": {"type": "NFC"} if pretok == "qwen2" else None,
            "pre_tokenizer": pre, "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": False,
                        "trim_offsets": False, "use_regex": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}


DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def tensor_bytes(t, dtype):
    t = t.detach().to(DTYPES[dtype]).contiguous()
    if dtype == "BF16":
        t = t.view(torch.int16)
    assert sys.byteorder == "little"
    return t.numpy().tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, tensor)."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors:
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write(root):
    torch.manual_seed(4321)
    for name, base in llama_ref.MODELS.items():
        cfg = dict(base, vocab_size=VOCAB)
        pretok = "qwen2" if cfg["model_type"] != "llama" else (
            "gpt2" if name == "smollm2" else "llama3")
        P = {}
        for pname, shape in llama_ref.shapes(cfg):
            if pname.endswith("norm.weight"):
                P[pname] = 1.0 + 0.2 * torch.randn(shape)
            elif len(shape) == 1:
                P[pname] = 0.2 * torch.randn(shape)
            else:
                P[pname] = 0.15 * torch.randn(shape)
        B, T = 2, 10
        ids = torch.randint(0, VOCAB, (B, T))
        kinds = [("F32", 1), ("F16", 1), ("BF16", 1)]
        if cfg["model_type"] == "qwen3":
            kinds.append(("BF16", 2))
        for dtype, shards in kinds:
            folder = os.path.join(root, "%s-%s%s" % (name, dtype.lower(),
                                                     "-sharded" if shards > 1 else ""))
            os.makedirs(folder, exist_ok=True)
            # the weights as the file holds them
            Q = {k: v.to(DTYPES[dtype]).float() for k, v in P.items()}
            with torch.no_grad():
                logits = llama_ref.forward(cfg, Q, ids)
            names = [n for n, _ in llama_ref.shapes(cfg)]
            if shards == 1:
                write_safetensors(os.path.join(folder, "model.safetensors"),
                                  [(n, P[n]) for n in names], dtype)
            else:
                half = len(names) // 2
                parts = [names[:half], names[half:]]
                wmap = {}
                for i, part in enumerate(parts):
                    fn = "model-%05d-of-%05d.safetensors" % (i + 1, len(parts))
                    write_safetensors(os.path.join(folder, fn), [(n, P[n]) for n in part],
                                      dtype)
                    wmap.update({n: fn for n in part})
                with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
                    json.dump({"metadata": {}, "weight_map": wmap}, f, indent=2)
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(dict(cfg, torch_dtype={"F32": "float32", "F16": "float16",
                                                 "BF16": "bfloat16"}[dtype],
                               eos_token_id=270), f, indent=2)
            with open(os.path.join(folder, "tokenizer.json"), "w") as f:
                json.dump(tokenizer_json(pretok), f, ensure_ascii=False, indent=1)
            with open(os.path.join(folder, "ids.txt"), "w") as f:
                f.write("%d %d\n" % (B, T))
                f.write(" ".join(str(int(i)) for i in ids.flatten()) + "\n")
            with open(os.path.join(folder, "logits.bin"), "wb") as f:
                f.write(logits.numpy().astype("<f4").tobytes())
            print(folder)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "write":
        sys.exit("usage: llama_hf_fixture.py write DIR")
    torch.set_num_threads(1)
    write(sys.argv[2])
