"""Hugging Face folders of small Llama-family models for test_llama_hf.

`llama_hf_fixture.py write DIR` takes the four model shapes of
tests/model/llama_ref.py (Llama 3 with its own head, SmolLM2, Qwen2 with
biases and a tied head, Qwen3 with q/k norms and head_dim apart from
hidden/heads), with a vocabulary of 300 rows, draws random weights and
writes each in F32, F16 and BF16 (and Qwen3 in BF16 as two shards with
model.safetensors.index.json) as a folder DIR/NAME, and in F16 and BF16
as a GGUF file DIR/NAME-gguf/model.gguf laid out as llama.cpp's
convert_hf_to_gguf.py lays it out (its tensor names and keys, llama's q
and k rows permuted as its LlamaModel.permute does, Llama 3 scaling as
rope_freqs.weight), each folder holding:
  config.json            the model's transformers config
  model.safetensors      (or model.gguf) written here (no safetensors package needed):
                         8-byte little-endian header length, JSON header,
                         raw little-endian data
  tokenizer.json         a small byte-level BPE vocabulary in Qwen's form
  ids.txt                "B T" then B*T input ids
  logits.bin             (B, T, V) float32 logits of llama_ref.forward on
                         the weights as the file holds them
It prints the folder names, one a line."""
import json
import math
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
    elif pretok == "smollm":  # SmolLM2's: each digit alone, then GPT-2's regex
        pre = {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True}, dict(byte_level, use_regex=True)]}
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


GGML = {"F32": 0, "F16": 1, "BF16": 30}


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, kind, value):
    """kind: 'u32', 'f32', 'str', 'i32[]', 'str[]'."""
    out = gguf_str(key)
    if kind == "u32":
        return out + struct.pack("<II", 4, value)
    if kind == "f32":
        return out + struct.pack("<If", 6, value)
    if kind == "str":
        return out + struct.pack("<I", 8) + gguf_str(value)
    if kind == "i32[]":
        return out + struct.pack("<IIQ", 9, 5, len(value)) + struct.pack(
            "<%di" % len(value), *value)
    return out + struct.pack("<IIQ", 9, 8, len(value)) + b"".join(gguf_str(v) for v in value)


def converter_permute(w, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute of q/k rows."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


GG_NAMES = [("input_layernorm", "attn_norm"), ("self_attn.q_proj", "attn_q"),
            ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
            ("self_attn.o_proj", "attn_output"), ("self_attn.q_norm", "attn_q_norm"),
            ("self_attn.k_norm", "attn_k_norm"), ("post_attention_layernorm", "ffn_norm"),
            ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"),
            ("mlp.down_proj", "ffn_down")]


def gguf_name(hf):
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    parts = hf.split(".")
    rest = ".".join(parts[3:-1])
    for a, b in GG_NAMES:
        if rest == a:
            return "blk.%s.%s.%s" % (parts[2], b, parts[-1])
    raise ValueError(hf)


def write_gguf(path, cfg, P, dtype, pre):
    arch = cfg["model_type"]
    NH = cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads") or NH
    D = cfg.get("head_dim") or cfg["hidden_size"] // NH
    tensors = []
    for name, _ in llama_ref.shapes(cfg):
        t = P[name]
        if arch == "llama" and ".q_proj." in name:
            t = converter_permute(t, NH)
        if arch == "llama" and ".k_proj." in name:
            t = converter_permute(t, NKV)
        # llama.cpp keeps norms in F32
        tensors.append((gguf_name(name), t, "F32" if t.dim() == 1 else dtype))
    kv = [gguf_kv("general.architecture", "str", arch)]
    for key, v in (("context_length", cfg["max_position_embeddings"]),
                   ("embedding_length", cfg["hidden_size"]),
                   ("block_count", cfg["num_hidden_layers"]),
                   ("feed_forward_length", cfg["intermediate_size"]),
                   ("attention.head_count", NH), ("attention.head_count_kv", NKV),
                   ("attention.key_length", D), ("attention.value_length", D)):
        kv.append(gguf_kv("%s.%s" % (arch, key), "u32", v))
    kv.append(gguf_kv(arch + ".rope.freq_base", "f32", float(cfg.get("rope_theta", 10000))))
    kv.append(gguf_kv(arch + ".attention.layer_norm_rms_epsilon", "f32", cfg["rms_norm_eps"]))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        kv.append(gguf_kv(arch + ".rope.scaling.type", "str", "linear"))
        kv.append(gguf_kv(arch + ".rope.scaling.factor", "f32", rs["factor"]))
    if kind == "llama3":
        kv.append(gguf_kv(arch + ".rope.scaling.original_context_length", "u32",
                          rs["original_max_position_embeddings"]))
        base = cfg.get("rope_theta", 10000.0)
        freqs = 1.0 / (base ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
        old = rs["original_max_position_embeddings"]
        lo_wl, hi_wl = old / rs["low_freq_factor"], old / rs["high_freq_factor"]
        fac = []
        for f in freqs:
            wl = 2 * math.pi / f
            if wl < hi_wl:
                fac.append(1)
            elif wl > lo_wl:
                fac.append(rs["factor"])
            else:
                sm = (old / wl - rs["low_freq_factor"]) / (rs["high_freq_factor"] -
                                                           rs["low_freq_factor"])
                fac.append(1 / ((1 - sm) / rs["factor"] + sm))
        tensors.append(("rope_freqs.weight", torch.tensor(fac, dtype=torch.float32), "F32"))
    tj = tokenizer_json(pre)
    inv = {i: t for t, i in tj["model"]["vocab"].items()}
    types = [1] * VOCAB
    for a in tj["added_tokens"]:
        inv[a["id"]] = a["content"]
        types[a["id"]] = 3 if a["special"] else 4
    toks = []
    for i in range(VOCAB):
        if i not in inv:
            types[i] = 5
        toks.append(inv.get(i, "[PAD%d]" % i))
    kv.append(gguf_kv("tokenizer.ggml.model", "str", "gpt2"))
    kv.append(gguf_kv("tokenizer.ggml.pre", "str",
                      {"qwen2": "qwen2", "llama3": "llama-bpe", "smollm": "smollm"}[pre]))
    kv.append(gguf_kv("tokenizer.ggml.tokens", "str[]", toks))
    kv.append(gguf_kv("tokenizer.ggml.token_type", "i32[]", types))
    kv.append(gguf_kv("tokenizer.ggml.merges", "str[]", tj["model"]["merges"]))
    kv.append(gguf_kv("tokenizer.ggml.eos_token_id", "u32", 270))
    infos, blobs, off = [], [], 0
    for name, t, dt in tensors:
        b = tensor_bytes(t, dt)
        ne = list(reversed(t.shape))
        infos.append(gguf_str(name) + struct.pack("<I", len(ne)) +
                     struct.pack("<%dQ" % len(ne), *ne) + struct.pack("<IQ", GGML[dt], off))
        b += b"\0" * (-len(b) % 32)
        blobs.append(b)
        off += len(b)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + \
        b"".join(infos)
    head += b"\0" * (-len(head) % 32)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def write(root):
    torch.manual_seed(4321)
    for name, base in llama_ref.MODELS.items():
        cfg = dict(base, vocab_size=VOCAB)
        pretok = "qwen2" if cfg["model_type"] != "llama" else (
            "smollm" if name == "smollm2" else "llama3")
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
        kinds = [("F32", 1), ("F16", 1), ("BF16", 1), ("F16", 0), ("BF16", 0)]
        if cfg["model_type"] == "qwen3":
            kinds.append(("BF16", 2))
        for dtype, shards in kinds:
            folder = os.path.join(root, "%s-%s%s" % (name, dtype.lower(),
                                                     {0: "-gguf", 1: "", 2: "-sharded"}[shards]))
            os.makedirs(folder, exist_ok=True)
            # the weights as the file holds them (GGUF: vectors in F32)
            Q = {k: v.to(DTYPES[dtype]).float() if v.dim() > 1 or shards else v
                 for k, v in P.items()}
            if shards == 0:
                cfg_g = dict(cfg, rms_norm_eps=struct.unpack("<f", struct.pack(
                    "<f", cfg["rms_norm_eps"]))[0])
            with torch.no_grad():
                logits = llama_ref.forward(cfg_g if shards == 0 else cfg, Q, ids)
            names = [n for n, _ in llama_ref.shapes(cfg)]
            if shards == 0:
                write_gguf(os.path.join(folder, "model.gguf"), cfg, P, dtype, pretok)
            elif shards == 1:
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
            if shards:
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
