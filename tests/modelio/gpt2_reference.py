"""Reference check of mentor's exports with numpy only: read the Hugging Face
folder (model.safetensors, tokenizer.json) and the GGUF file with readers
written here, run GPT-2 as transformers defines it (Conv1D weights, x @ W + b)
and as ggml lays it out (ne = [in, out], x @ W.T + b), and compare the logits
and the BPE encoding with what mentor computed.

usage: gpt2_reference.py HF_DIR GGUF TOKENS LOGITS WORDS
exit 0 on agreement, 1 on a mismatch, 77 when numpy is missing."""
import json
import struct
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(77)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", name
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + e], dtype="<f4").reshape(t["shape"])
    return out


def read_gguf(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = [0]

    def take(fmt):
        v = struct.unpack_from("<" + fmt, data, pos[0])
        pos[0] += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        n = take("Q")
        s = data[pos[0]:pos[0] + n].decode("utf-8")
        pos[0] += n
        return s

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q",
              11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            at = take("I")
            n = take("Q")
            return [value(at) for _ in range(n)]
        return take(scalar[t])

    assert data[:4] == b"GGUF"
    pos[0] = 4
    assert take("I") == 3
    n_t = take("Q")
    n_kv = take("Q")
    kv = {}
    for _ in range(n_kv):
        k = string()
        kv[k] = value(take("I"))
    infos = []
    for _ in range(n_t):
        name = string()
        nd = take("I")
        ne = [take("Q") for _ in range(nd)]
        typ = take("I")
        off = take("Q")
        assert typ == 0, name
        infos.append((name, ne, off))
    align = kv.get("general.alignment", 32)
    start = (pos[0] + align - 1) // align * align
    tensors = {}
    for name, ne, off in infos:
        count = int(np.prod(ne))
        arr = np.frombuffer(data[start + off:start + off + 4 * count], dtype="<f4")
        tensors[name] = arr.reshape(list(reversed(ne)))
    return kv, tensors


def layer_norm(x, w, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def attention(qkv, n_head):
    T, C3 = qkv.shape
    C = C3 // 3
    hs = C // n_head
    q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
    q = q.reshape(T, n_head, hs).transpose(1, 0, 2)
    k = k.reshape(T, n_head, hs).transpose(1, 0, 2)
    v = v.reshape(T, n_head, hs).transpose(1, 0, 2)
    att = q @ k.transpose(0, 2, 1) / np.sqrt(hs)
    att = att + np.triu(np.full((T, T), -np.inf), 1)
    att = np.exp(att - att.max(-1, keepdims=True))
    att = att / att.sum(-1, keepdims=True)
    return (att @ v).transpose(1, 0, 2).reshape(T, C)


def forward(get, linear, ids, n_layer, n_head, names):
    T = len(ids)
    x = get(names["wte"])[ids] + get(names["wpe"])[:T]
    for l in range(n_layer):
        p = lambda k: get(names[k].format(l))
        h = layer_norm(x, p("ln1w"), p("ln1b"))
        x = x + linear(attention(linear(h, p("qkvw"), p("qkvb")), n_head), p("projw"), p("projb"))
        h = layer_norm(x, p("ln2w"), p("ln2b"))
        x = x + linear(gelu_new(linear(h, p("fcw"), p("fcb"))), p("fcprojw"), p("fcprojb"))
    x = layer_norm(x, get(names["lnfw"]), get(names["lnfb"]))
    return x @ get(names["head"]).T


HF = {"wte": "transformer.wte.weight", "wpe": "transformer.wpe.weight",
      "ln1w": "transformer.h.{}.ln_1.weight", "ln1b": "transformer.h.{}.ln_1.bias",
      "qkvw": "transformer.h.{}.attn.c_attn.weight", "qkvb": "transformer.h.{}.attn.c_attn.bias",
      "projw": "transformer.h.{}.attn.c_proj.weight", "projb": "transformer.h.{}.attn.c_proj.bias",
      "ln2w": "transformer.h.{}.ln_2.weight", "ln2b": "transformer.h.{}.ln_2.bias",
      "fcw": "transformer.h.{}.mlp.c_fc.weight", "fcb": "transformer.h.{}.mlp.c_fc.bias",
      "fcprojw": "transformer.h.{}.mlp.c_proj.weight",
      "fcprojb": "transformer.h.{}.mlp.c_proj.bias",
      "lnfw": "transformer.ln_f.weight", "lnfb": "transformer.ln_f.bias",
      "head": "transformer.wte.weight"}
GG = {"wte": "token_embd.weight", "wpe": "position_embd.weight",
      "ln1w": "blk.{}.attn_norm.weight", "ln1b": "blk.{}.attn_norm.bias",
      "qkvw": "blk.{}.attn_qkv.weight", "qkvb": "blk.{}.attn_qkv.bias",
      "projw": "blk.{}.attn_output.weight", "projb": "blk.{}.attn_output.bias",
      "ln2w": "blk.{}.ffn_norm.weight", "ln2b": "blk.{}.ffn_norm.bias",
      "fcw": "blk.{}.ffn_up.weight", "fcb": "blk.{}.ffn_up.bias",
      "fcprojw": "blk.{}.ffn_down.weight", "fcprojb": "blk.{}.ffn_down.bias",
      "lnfw": "output_norm.weight", "lnfb": "output_norm.bias", "head": "output.weight"}


def bpe(word_bytes, vocab, ranks, byte_char):
    parts = [byte_char[b] for b in word_bytes]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            r = ranks.get((parts[i], parts[i + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            break
        a, b = parts[best[1]], parts[best[1] + 1]
        merged, i = [], 0
        while i < len(parts):
            if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return [vocab[p] for p in parts]


def main():
    hf_dir, gguf_path, tokens_path, logits_path, words_path = sys.argv[1:6]
    cfg = json.load(open(hf_dir + "/config.json"))
    ids = [int(t) for t in open(tokens_path).read().split()]
    want = np.fromfile(logits_path, dtype="<f4").reshape(len(ids), cfg["vocab_size"])
    ok = True

    st = read_safetensors(hf_dir + "/model.safetensors")
    get = lambda k: st[k].astype(np.float64)
    conv1d = lambda x, w, b: x @ w + b
    got = forward(get, conv1d, ids, cfg["n_layer"], cfg["n_head"], HF)
    err = float(np.abs(got - want).max())
    print("safetensors (Conv1D) max |logit difference|: %.3g" % err)
    ok &= err < 1e-3

    kv, gt = read_gguf(gguf_path)
    assert kv["general.architecture"] == "gpt2"
    get = lambda k: gt[k].astype(np.float64)
    linear = lambda x, w, b: x @ w.T + b
    got = forward(get, linear, ids, kv["gpt2.block_count"], kv["gpt2.attention.head_count"], GG)
    err = float(np.abs(got - want).max())
    print("gguf (ggml ne order) max |logit difference|: %.3g" % err)
    ok &= err < 1e-3

    # byte-level BPE as tokenizers applies it, with tokenizer.json's merges
    tj = json.load(open(hf_dir + "/tokenizer.json", encoding="utf-8"))
    vocab = tj["model"]["vocab"]
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(tj["model"]["merges"])}
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) +
                 list(range(0xAE, 0x100)))
    cs, n = {}, 0
    for b in range(256):
        if b in printable:
            cs[b] = chr(b)
        else:
            cs[b] = chr(256 + n)
            n += 1
    for line in open(words_path, encoding="utf-8"):
        hexword, mentor_ids = line.rstrip("\n").split("\t")
        word = bytes.fromhex(hexword)
        got_ids = bpe(word, vocab, ranks, cs)
        if got_ids != [int(i) for i in mentor_ids.split()]:
            print("bpe mismatch for %r: %s vs %s" % (word, got_ids, mentor_ids))
            ok = False
    print("bpe: %s" % ("same ids" if ok else "mismatch"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
