"""torch_gpt2: GPT-2 checkpoints laid out as transformers and llama.cpp write
them, and PyTorch's logits for them, to check mentor's import against.

  torch_gpt2.py write DIR      build small models with random weights (fixed
                               seed) in DIR: Hugging Face folders as
                               transformers' save_pretrained writes them
                               (Conv1D weights [in, out]; F32, F16, BF16; with
                               and without lm_head.weight and the
                               "transformer." prefix) and GGUF v3 files as
                               llama.cpp's convert_hf_to_gguf.py writes them
                               (F32, F16, BF16; with and without
                               output.weight). Also DIR/models.txt (NAME PATH
                               lines), DIR/prompts.txt and DIR/cases.json
                               (each prompt's token ids and, per model,
                               torch's float32 logits for the next token).
  torch_gpt2.py check DIR OUT  compare OUT/NAME.K.json, mentor's
                               `predict NAME PROMPT_K --logits --all --json`,
                               with cases.json.

The reference forward is GPT-2's as transformers' modeling_gpt2.py defines
it (LayerNorm with the config's epsilon, Conv1D as x @ W + b, causal softmax
attention scaled by 1/sqrt(head size), gelu_new, head tied to wte), written
with torch.nn.functional because transformers is not packaged in Debian 12.
The vocabulary is a small byte-level BPE in mentor's id order (bytes 0..255
through GPT-2's byte-to-unicode table, then each merge's token, then
<|endoftext|>), so the file's ids and mentor's agree.

A logit agrees when |mentor - torch| <= 1e-4 * max(1, |torch|).
Exit 0 on agreement, 1 on a mismatch, 77 when torch cannot be imported."""
import json
import math
import os
import re
import struct
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch_gpt2: no torch in this python", file=sys.stderr)
    sys.exit(77)

SEED = 1234
N_LAYER, N_EMBD, N_HEAD, N_POS = 2, 64, 4, 32
EPS = 1e-5
N_MERGES = 80
EOT = "<|endoftext|>"
RTOL = 1e-4

PROMPTS = [
    "The cat sat on the mat.",
    "hello, world!",
    "a",
    "Once upon a time there was a tiny robot who liked to count: 1, 2, 3.",
    "What is 3 + 4? So the answer is 7.",
]

CORPUS = """The cat sat on the mat. The dog sat on the log. Once upon a time
there was a tiny robot. The robot liked to count: 1, 2, 3, 4. hello, world!
What is 3 + 4? So the answer is 7. What is the answer? The answer is the
time. There was a cat who liked the mat and a dog who liked the log. Once
upon a time the tiny robot said hello to the world."""


# ------------------------------------------------------------ tokenizer

def bytes_to_unicode():
    """GPT-2's table: printable Latin-1 bytes stand for themselves, the other
    bytes take the code points from 256 up, in byte order."""
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_CHAR = bytes_to_unicode()

# GPT-2's pre-tokenizer pattern with ASCII classes (\p{L} -> letters,
# \p{N} -> digits): the prompts here are ASCII.
PRETOK = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+"
                    r"|\s+(?!\S)|\s+")


def pretokens(text):
    return [tuple(BYTE_CHAR[b] for b in p.encode("utf-8")) for p in PRETOK.findall(text)]


def train_merges(text, n):
    """Byte-level BPE merges by pair count (ties: the smaller pair). A merge
    that would spell a token already built is passed over, as mentor's
    vocabulary wants one token per string."""
    words = {}
    for w in pretokens(text):
        words[w] = words.get(w, 0) + 1
    known = set(BYTE_CHAR.values())
    merges, banned = [], set()
    while len(merges) < n:
        counts = {}
        for w, c in words.items():
            for pair in zip(w, w[1:]):
                if pair not in banned:
                    counts[pair] = counts.get(pair, 0) + c
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if best[0] + best[1] in known:
            banned.add(best)
            continue
        merges.append(best)
        known.add(best[0] + best[1])
        new_words = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + c
        words = new_words
    return merges


def bpe_encode(text, ranks, ids):
    """Rank-ordered BPE of each pre-token, as GPT-2's encoder does it."""
    out = []
    for word in pretokens(text):
        word = list(word)
        while len(word) > 1:
            pairs = [(ranks.get((a, b), math.inf), i) for i, (a, b) in
                     enumerate(zip(word, word[1:]))]
            rank, _ = min(pairs)
            if rank == math.inf:
                break
            pair = min(p for p in zip(word, word[1:]) if ranks.get(p) == rank)
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        out.extend(ids[t] for t in word)
    return out


# ------------------------------------------------------------ weights

def conv1d_names(prefix):
    """Tensor names of GPT2LMHeadModel's state dict (prefix "transformer.")
    or GPT2Model's (prefix ""), in module order."""
    names = [prefix + "wte.weight", prefix + "wpe.weight"]
    for i in range(N_LAYER):
        h = "%sh.%d." % (prefix, i)
        for m in ("ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"):
            names += [h + m + ".weight", h + m + ".bias"]
    return names + [prefix + "ln_f.weight", prefix + "ln_f.bias"]


def random_weights(vocab):
    """float32 weights under GPT2Model's names (no prefix), Conv1D matrices
    [in, out]. Spreads large enough that logits are far from 0 and that a
    LayerNorm weight or bias taken for 1 or 0 shows."""
    g = torch.Generator().manual_seed(SEED)

    def rnd(*shape, std, mean=0.0):
        return (torch.randn(*shape, generator=g) * std + mean).float()

    C = N_EMBD
    w = {"wte.weight": rnd(vocab, C, std=0.3), "wpe.weight": rnd(N_POS, C, std=0.2)}
    for i in range(N_LAYER):
        h = "h.%d." % i
        w[h + "ln_1.weight"] = rnd(C, std=0.2, mean=1.0)
        w[h + "ln_1.bias"] = rnd(C, std=0.1)
        w[h + "attn.c_attn.weight"] = rnd(C, 3 * C, std=0.15)
        w[h + "attn.c_attn.bias"] = rnd(3 * C, std=0.1)
        w[h + "attn.c_proj.weight"] = rnd(C, C, std=0.1)
        w[h + "attn.c_proj.bias"] = rnd(C, std=0.05)
        w[h + "ln_2.weight"] = rnd(C, std=0.2, mean=1.0)
        w[h + "ln_2.bias"] = rnd(C, std=0.1)
        w[h + "mlp.c_fc.weight"] = rnd(C, 4 * C, std=0.15)
        w[h + "mlp.c_fc.bias"] = rnd(4 * C, std=0.1)
        w[h + "mlp.c_proj.weight"] = rnd(4 * C, C, std=0.07)
        w[h + "mlp.c_proj.bias"] = rnd(C, std=0.05)
    w["ln_f.weight"] = rnd(C, std=0.2, mean=1.0)
    w["ln_f.bias"] = rnd(C, std=0.1)
    return w


def gpt2_next_logits(w, ids):
    """Logits (V) after ids: GPT-2's forward as modeling_gpt2.py defines it,
    in float32. w: GPT2Model names, Conv1D weights [in, out]."""
    C, NH = N_EMBD, N_HEAD
    hd = C // NH
    T = len(ids)
    x = w["wte.weight"][torch.tensor(ids)] + w["wpe.weight"][torch.arange(T)]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(N_LAYER):
        h = "h.%d." % i
        a = F.layer_norm(x, (C,), w[h + "ln_1.weight"], w[h + "ln_1.bias"], EPS)
        # Conv1D: addmm(bias, x, weight) with weight [in, out]
        qkv = torch.addmm(w[h + "attn.c_attn.bias"], a, w[h + "attn.c_attn.weight"])
        q, k, v = (t.view(T, NH, hd).permute(1, 0, 2) for t in qkv.split(C, dim=-1))
        att = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], hd ** 0.5)
        att = torch.where(causal, att, torch.full([], torch.finfo(att.dtype).min))
        att = F.softmax(att, dim=-1)
        y = torch.matmul(att, v).permute(1, 0, 2).reshape(T, C)
        x = x + torch.addmm(w[h + "attn.c_proj.bias"], y, w[h + "attn.c_proj.weight"])
        m = F.layer_norm(x, (C,), w[h + "ln_2.weight"], w[h + "ln_2.bias"], EPS)
        m = torch.addmm(w[h + "mlp.c_fc.bias"], m, w[h + "mlp.c_fc.weight"])
        # gelu_new (NewGELUActivation): the tanh approximation
        m = 0.5 * m * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) *
                                        (m + 0.044715 * torch.pow(m, 3.0))))
        x = x + torch.addmm(w[h + "mlp.c_proj.bias"], m, w[h + "mlp.c_proj.weight"])
    x = F.layer_norm(x, (C,), w["ln_f.weight"], w["ln_f.bias"], EPS)
    return x[-1] @ w["wte.weight"].t()  # lm_head tied to wte


# ------------------------------------------------------------ writers

ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
TORCH_DTYPE = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}


def raw_bytes(t):
    """Little-endian bytes of a contiguous tensor (numpy has no bfloat16)."""
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors):
    """safetensors by hand: u64 header length, JSON header, data. Data in
    name order, the header padded with spaces to 8 bytes, as the safetensors
    library does."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        b = raw_bytes(t)
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_hf(dirpath, w, vocab, merges, dtype, prefix, lm_head, masks, merge_pairs):
    """A folder as GPT2LMHeadModel.save_pretrained and GPT2TokenizerFast write
    it (config.json with GPT-2's keys, model.safetensors, vocab.json,
    merges.txt, tokenizer.json, tokenizer_config.json,
    special_tokens_map.json, generation_config.json)."""
    os.makedirs(dirpath, exist_ok=True)
    V = len(vocab)
    eot = V - 1
    tensors = {}
    for name in conv1d_names(""):
        tensors[prefix + name] = w[name].to(dtype)
    if lm_head:
        tensors["lm_head.weight"] = w["wte.weight"].to(dtype)
    if masks:
        # the causal-mask buffers older transformers saved with the weights
        for i in range(N_LAYER):
            tensors["%sh.%d.attn.bias" % (prefix, i)] = \
                torch.tril(torch.ones(N_POS, N_POS)).view(1, 1, N_POS, N_POS).to(dtype)
    write_safetensors(os.path.join(dirpath, "model.safetensors"), tensors)
    config = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": eot,
        "embd_pdrop": 0.1,
        "eos_token_id": eot,
        "initializer_range": 0.02,
        "layer_norm_epsilon": EPS,
        "model_type": "gpt2",
        "n_ctx": N_POS,
        "n_embd": N_EMBD,
        "n_head": N_HEAD,
        "n_inner": None,
        "n_layer": N_LAYER,
        "n_positions": N_POS,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": TORCH_DTYPE[dtype],
        "transformers_version": "4.36.2",
        "use_cache": True,
        "vocab_size": V,
    }

    def dump(name, obj):
        with open(os.path.join(dirpath, name), "w", encoding="utf-8") as f:
            f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")

    dump("config.json", config)
    dump("generation_config.json", {"bos_token_id": eot, "eos_token_id": eot,
                                    "transformers_version": "4.36.2"})
    ids = {t: i for i, t in enumerate(vocab)}
    with open(os.path.join(dirpath, "vocab.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(ids, ensure_ascii=False))
    with open(os.path.join(dirpath, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join("%s %s\n" % m for m in merges))
    added = {"id": eot, "content": EOT, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": True, "special": True}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                  "use_regex": True}
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": dict(byte_level, add_prefix_space=True, trim_offsets=False),
        "decoder": dict(byte_level, add_prefix_space=True),
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None,
            "continuing_subword_prefix": "", "end_of_word_suffix": "",
            "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": ids,
            # tokenizers >= 0.20 writes pairs, older versions "a b" strings
            "merges": [list(m) for m in merges] if merge_pairs else
                      ["%s %s" % m for m in merges],
        },
    }
    dump("tokenizer.json", tok)
    dump("tokenizer_config.json", {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(eot): {k: v for k, v in added.items() if k != "id"}},
        "bos_token": EOT, "clean_up_tokenization_spaces": True, "eos_token": EOT,
        "model_max_length": N_POS, "tokenizer_class": "GPT2Tokenizer", "unk_token": EOT})
    dump("special_tokens_map.json", {"bos_token": EOT, "eos_token": EOT, "unk_token": EOT})
    return tensors


# GGUF value types and ggml tensor types (gguf-py's constants)
GV_U32, GV_I32, GV_F32, GV_BOOL, GV_STR, GV_ARR = 4, 5, 6, 7, 8, 9
GGML_TYPE = {torch.float32: 0, torch.float16: 1, torch.bfloat16: 30}
FILE_TYPE = {torch.float32: 0, torch.float16: 1, torch.bfloat16: 32}  # LlamaFileType
GGUF_ALIGN = 32

# llama.cpp's tensor names for gpt2 (gguf-py's tensor_mapping)
GGUF_NAME = {"wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
             "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"}
GGUF_BLOCK = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
              "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}


def gguf_name(name):
    """llama.cpp's name of GPT2Model tensor name, and whether the converter
    transposes it (the Conv1D weights, to [out, in])."""
    m = re.match(r"h\.(\d+)\.(.*)\.(weight|bias)$", name)
    if not m:
        return GGUF_NAME[name], False
    return ("blk.%s.%s.%s" % (m.group(1), GGUF_BLOCK[m.group(2)], m.group(3)),
            m.group(3) == "weight" and not m.group(2).startswith("ln_"))


def gguf_tensors(w, dtype, output):
    """(name, tensor) in the converter's order and types: Conv1D weights
    transposed to [out, in]; with --outtype f16/bf16 the 2-D weights in that
    type except position_embd, 1-D tensors (norms, biases) in F32. output:
    the tied head written as output.weight (older converters always did;
    newer ones only from an lm_head.weight)."""
    out = []
    for name in conv1d_names(""):
        gname, transpose = gguf_name(name)
        t = w[name].t() if transpose else w[name]
        keep_f32 = t.dim() <= 1 or gname.endswith("_norm.weight") or \
            gname == "position_embd.weight" or not gname.endswith(".weight")
        out.append((gname, t.contiguous().to(torch.float32 if keep_f32 else dtype)))
        if gname == "token_embd.weight" and output:
            out.append(("output.weight", out[-1][1]))
    return out


def write_gguf(path, tensors, vocab, merges, dtype):
    V = len(vocab)
    kv = []

    def s(x):
        b = x.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def add(key, vtype, payload):
        kv.append(s(key) + struct.pack("<I", vtype) + payload)

    def add_str(key, v):
        add(key, GV_STR, s(v))

    def add_u32(key, v):
        add(key, GV_U32, struct.pack("<I", v))

    def add_arr(key, atype, items):
        add(key, GV_ARR, struct.pack("<IQ", atype, len(items)) + b"".join(items))

    add_str("general.architecture", "gpt2")
    add_str("general.type", "model")
    add_str("general.name", "Torch Gpt2")
    add_u32("gpt2.block_count", N_LAYER)
    add_u32("gpt2.context_length", N_POS)
    add_u32("gpt2.embedding_length", N_EMBD)
    add_u32("gpt2.feed_forward_length", 4 * N_EMBD)
    add_u32("gpt2.attention.head_count", N_HEAD)
    add("gpt2.attention.layer_norm_epsilon", GV_F32, struct.pack("<f", EPS))
    add_u32("general.file_type", FILE_TYPE[dtype])
    add_u32("general.quantization_version", 2)
    add_str("tokenizer.ggml.model", "gpt2")
    add_str("tokenizer.ggml.pre", "gpt-2")
    add_arr("tokenizer.ggml.tokens", GV_STR, [s(t) for t in vocab])
    add_arr("tokenizer.ggml.token_type", GV_I32,
            [struct.pack("<i", 3 if t == EOT else 1) for t in vocab])
    add_arr("tokenizer.ggml.merges", GV_STR, [s("%s %s" % m) for m in merges])
    add_u32("tokenizer.ggml.bos_token_id", V - 1)
    add_u32("tokenizer.ggml.eos_token_id", V - 1)
    add_u32("tokenizer.ggml.unknown_token_id", V - 1)
    infos, blobs, off = [], [], 0
    for name, t in tensors:
        b = raw_bytes(t)
        ne = list(reversed(t.shape))  # ggml's ne[0] is the fastest dimension
        infos.append(s(name) + struct.pack("<I", len(ne)) +
                     b"".join(struct.pack("<Q", n) for n in ne) +
                     struct.pack("<IQ", GGML_TYPE[t.dtype], off))
        pad = -len(b) % GGUF_ALIGN
        blobs.append(b + b"\0" * pad)
        off += len(b) + pad
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + \
        b"".join(infos)
    head += b"\0" * (-len(head) % GGUF_ALIGN)
    with open(path, "wb") as f:
        f.write(head + b"".join(blobs))


# ------------------------------------------------------------ commands

def write(outdir):
    os.makedirs(outdir, exist_ok=True)
    merges = train_merges(CORPUS, N_MERGES)
    vocab = [BYTE_CHAR[b] for b in range(256)] + [a + b for a, b in merges] + [EOT]
    ids = {t: i for i, t in enumerate(vocab)}
    ranks = {m: r for r, m in enumerate(merges)}
    w = random_weights(len(vocab))
    prompts = []
    for p in PROMPTS:
        pi = bpe_encode(p, ranks, ids)
        assert 1 <= len(pi) <= N_POS, (p, len(pi))
        prompts.append({"text": p, "ids": pi})
    models, refs = [], {}
    hf_variants = [
        # name, dtype, prefix, lm_head, mask buffers, merges as pairs
        ("hf-f32", torch.float32, "transformer.", False, False, False),
        ("hf-f32-head", torch.float32, "transformer.", True, False, True),
        ("hf-f16", torch.float16, "transformer.", False, False, True),
        ("hf-f16-head", torch.float16, "transformer.", True, False, False),
        ("hf-bf16", torch.bfloat16, "transformer.", False, False, True),
        ("hf-short-f32", torch.float32, "", False, True, False),
        ("hf-short-f16", torch.float16, "", False, False, True),
    ]
    for name, dt, prefix, head, masks, pairs in hf_variants:
        path = os.path.join(outdir, name)
        write_hf(path, w, vocab, merges, dt, prefix, head, masks, pairs)
        ref = {k: v.to(dt).to(torch.float32) for k, v in w.items()}
        models.append((name, path))
        refs[name] = ref
    gguf_variants = [
        ("gguf-f32", torch.float32, True),
        ("gguf-f32-nohead", torch.float32, False),
        ("gguf-f16", torch.float16, True),
        ("gguf-f16-nohead", torch.float16, False),
        ("gguf-bf16", torch.bfloat16, True),
    ]
    for name, dt, output in gguf_variants:
        path = os.path.join(outdir, name + ".gguf")
        tensors = gguf_tensors(w, dt, output)
        write_gguf(path, tensors, vocab, merges, dt)
        # the reference reads back what the file holds, in GPT2Model's layout
        stored = dict(tensors)
        ref = {}
        for hname in conv1d_names(""):
            gname, transpose = gguf_name(hname)
            t = stored[gname].to(torch.float32)
            ref[hname] = t.t().contiguous() if transpose else t
        models.append((name, path))
        refs[name] = ref
    # The same model with its vocabulary in GPT-2's own order (the byte
    # tokens as GPT-2's encoder.json lists them: the printable bytes first,
    # then the others), rows permuted to match: mentor maps it onto its
    # layout, and must report the file's ids and the logits in the file's
    # order.
    printable = [b for b in range(256) if ord(BYTE_CHAR[b]) == b]
    order = printable + [b for b in range(256) if b not in printable]
    vocab2 = [BYTE_CHAR[b] for b in order] + [a + b for a, b in merges] + [EOT]
    ids2 = {t: i for i, t in enumerate(vocab2)}
    perm = torch.tensor([ids[t] for t in vocab2])  # file-2 id -> id in vocab
    w2 = dict(w)
    w2["wte.weight"] = w["wte.weight"][perm].clone()
    prompt_ids = {}
    for name, dt in (("hf-gpt2order-f32", torch.float32), ("hf-gpt2order-f16", torch.float16)):
        path = os.path.join(outdir, name)
        write_hf(path, w2, vocab2, merges, dt, "transformer.", False, False, False)
        models.append((name, path))
        refs[name] = {k: v.to(dt).to(torch.float32) for k, v in w2.items()}
        prompt_ids[name] = [bpe_encode(p, ranks, ids2) for p in PROMPTS]
    path = os.path.join(outdir, "gguf-gpt2order-f32.gguf")
    write_gguf(path, gguf_tensors(w2, torch.float32, True), vocab2, merges, torch.float32)
    models.append(("gguf-gpt2order-f32", path))
    refs["gguf-gpt2order-f32"] = refs["hf-gpt2order-f32"]
    prompt_ids["gguf-gpt2order-f32"] = prompt_ids["hf-gpt2order-f32"]
    assert prompt_ids["hf-gpt2order-f32"] != [p["ids"] for p in prompts]
    cases = {"vocab_size": len(vocab), "rtol": RTOL, "prompts": prompts, "logits": {},
             "prompt_ids": prompt_ids}
    with torch.no_grad():
        for name, ref in refs.items():
            pid = prompt_ids.get(name, [p["ids"] for p in prompts])
            cases["logits"][name] = [gpt2_next_logits(ref, i).tolist() for i in pid]
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump(cases, f)
    with open(os.path.join(outdir, "models.txt"), "w") as f:
        f.write("".join("%s %s\n" % m for m in models))
    with open(os.path.join(outdir, "prompts.txt"), "w") as f:
        f.write("".join(p + "\n" for p in PROMPTS))
    spread = max(abs(x) for v in cases["logits"].values() for row in v for x in row)
    print("wrote %d models (vocabulary %d, %d merges), %d prompts; largest |logit| %.2f" %
          (len(models), len(vocab), len(merges), len(prompts), spread))
    return 0


def check(outdir, got_dir):
    with open(os.path.join(outdir, "cases.json")) as f:
        cases = json.load(f)
    V = cases["vocab_size"]
    rtol = cases["rtol"]
    bad = 0
    for name, per_prompt in cases["logits"].items():
        worst = 0.0
        for k, want in enumerate(per_prompt):
            path = os.path.join(got_dir, "%s.%d.json" % (name, k))
            try:
                with open(path) as f:
                    got = json.load(f)
            except (OSError, ValueError) as e:
                print("FAIL %s prompt %d: no output (%s)" % (name, k, e))
                bad += 1
                continue
            ids = cases.get("prompt_ids", {}).get(name, [p["ids"] for p in
                                                          cases["prompts"]])[k]
            if got.get("ids") != ids or got.get("dropped") != 0:
                print("FAIL %s prompt %d: ids %s, want %s" % (name, k, got.get("ids"), ids))
                bad += 1
            g = got.get("logits") or []
            # mentor's vocabulary: the file's V tokens (<|endoftext|> is
            # mentor's <|eos|>, its first special), then 7 more specials on
            # zero rows, whose logits are exactly 0
            if len(g) != V + 7 or any(x != 0 for x in g[V:]):
                print("FAIL %s prompt %d: %d logits (want %d + 7 zeros)" %
                      (name, k, len(g), V))
                bad += 1
                continue
            for i in range(V):
                a, b = g[i], want[i]
                if a is None or not abs(a - b) <= rtol * max(1.0, abs(b)):
                    print("FAIL %s prompt %d: logit %d is %r, torch %r" % (name, k, i, a, b))
                    bad += 1
                    break
                worst = max(worst, abs(a - b) / max(1.0, abs(b)))
        print("%-16s %d prompts, largest |mentor - torch| / max(1, |torch|) = %.2e" %
              (name, len(per_prompt), worst))
    print("%s: %d mismatches" % ("FAIL" if bad else "ok", bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "write":
        return write(argv[2])
    if len(argv) == 4 and argv[1] == "check":
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
