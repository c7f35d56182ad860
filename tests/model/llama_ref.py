"""Reference Llama, Qwen2 and Qwen3 decoders in plain PyTorch, written after
transformers' modeling_llama.py, modeling_qwen2.py and modeling_qwen3.py
(RMSNorm in float32, rotate_half RoPE with default, linear and llama3
inverse frequencies, repeat_kv grouped-query attention, q/k RMSNorm over
the head dimension before RoPE, SwiGLU MLP, tied or separate head).

`llama_ref.py write DIR` builds small models of each family with random
weights and writes, for each, a folder DIR/NAME with:
  config.json   the Hugging Face config
  weights.txt   lines "name rows cols offset" into weights.bin (float32 LE)
  batch.txt     "B T", then B*T input ids, B*T targets (-1 ignored), B*T
                loss weights
  logits.bin    (B, T, V) float32 logits of the inputs
  loss.txt      sum(w * nll) / sum(w) over positions with a target
  grads.txt     lines "name rows cols offset" into grads.bin: the gradient
                of that loss for every parameter
It prints the folder names, one a line."""
import json
import math
import os
import sys

import torch


def rms_norm(x, w, eps):
    var = x.float().pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def inv_freq(cfg, dim):
    base = cfg.get("rope_theta", 10000.0)
    f = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return f
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return f / rs["factor"]
    if kind == "llama3":
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / f
        scaled = torch.where(wl > lo_wl, f / factor, f)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wl < hi_wl) * ~(wl > lo_wl)
        return torch.where(medium, smoothed, scaled)
    raise ValueError(kind)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(cfg, P, ids):
    """Logits (B, T, V) of ids (B, T) with the parameters P (name -> tensor)."""
    B, T = ids.shape
    C, NH = cfg["hidden_size"], cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads") or NH
    D = cfg.get("head_dim") or C // NH
    eps = cfg["rms_norm_eps"]
    pos = torch.arange(T).float()
    freqs = (inv_freq(cfg, D)[:, None] @ pos[None, :]).transpose(0, 1)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    mask = torch.full((T, T), float("-inf")).triu(1)
    x = P["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % l

        def lin(name, inp):
            y = inp @ P[pre + name + ".weight"].t()
            b = P.get(pre + name + ".bias")
            return y if b is None else y + b

        h = rms_norm(x, P[pre + "input_layernorm.weight"], eps)
        q = lin("self_attn.q_proj", h).view(B, T, NH, D)
        k = lin("self_attn.k_proj", h).view(B, T, NKV, D)
        v = lin("self_attn.v_proj", h).view(B, T, NKV, D)
        if cfg["model_type"] == "qwen3":
            q = rms_norm(q, P[pre + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, P[pre + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(NH // NKV, dim=1)
        v = v.repeat_interleave(NH // NKV, dim=1)
        att = (q @ k.transpose(2, 3)) * D ** -0.5 + mask
        att = torch.softmax(att, dim=-1, dtype=torch.float32)
        y = (att @ v).transpose(1, 2).reshape(B, T, NH * D)
        x = x + lin("self_attn.o_proj", y)
        h = rms_norm(x, P[pre + "post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(lin("mlp.gate_proj", h)) * lin("mlp.up_proj", h)
        x = x + lin("mlp.down_proj", g)
    x = rms_norm(x, P["model.norm.weight"], eps)
    head = P["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") \
        else P["lm_head.weight"]
    return x @ head.t()


def shapes(cfg):
    """Parameter names and shapes of cfg, as transformers names them."""
    C, F = cfg["hidden_size"], cfg["intermediate_size"]
    NH = cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads") or NH
    D = cfg.get("head_dim") or C // NH
    V, mt = cfg["vocab_size"], cfg["model_type"]
    bias = mt == "qwen2" or cfg.get("attention_bias", False)
    out = [("model.embed_tokens.weight", (V, C))]
    for l in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % l
        out.append((pre + "input_layernorm.weight", (C,)))
        for n, rows in (("q", NH * D), ("k", NKV * D), ("v", NKV * D)):
            out.append((pre + "self_attn.%s_proj.weight" % n, (rows, C)))
            if bias:
                out.append((pre + "self_attn.%s_proj.bias" % n, (rows,)))
        out.append((pre + "self_attn.o_proj.weight", (C, NH * D)))
        if bias and mt != "qwen2":
            out.append((pre + "self_attn.o_proj.bias", (C,)))
        if mt == "qwen3":
            out.append((pre + "self_attn.q_norm.weight", (D,)))
            out.append((pre + "self_attn.k_norm.weight", (D,)))
        out.append((pre + "post_attention_layernorm.weight", (C,)))
        out.append((pre + "mlp.gate_proj.weight", (F, C)))
        out.append((pre + "mlp.up_proj.weight", (F, C)))
        out.append((pre + "mlp.down_proj.weight", (C, F)))
    out.append(("model.norm.weight", (C,)))
    if not cfg.get("tie_word_embeddings"):
        out.append(("lm_head.weight", (V, C)))
    return out


def dump(folder, stem, tensors):
    """tensors: list of (name, tensor) into stem.txt and stem.bin."""
    off = 0
    with open(os.path.join(folder, stem + ".txt"), "w") as idx, \
            open(os.path.join(folder, stem + ".bin"), "wb") as data:
        for name, t in tensors:
            t = t.detach().float().contiguous()
            rows, cols = (1, t.shape[0]) if t.dim() == 1 else tuple(t.shape)
            idx.write("%s %d %d %d\n" % (name, rows, cols, off))
            data.write(t.numpy().astype("<f4").tobytes())
            off += t.numel()


MODELS = {
    # Llama 3 shape: grouped-query attention, llama3 RoPE scaling, separate head
    "llama3": {"model_type": "llama", "vocab_size": 61, "hidden_size": 32,
               "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
               "num_key_value_heads": 2, "max_position_embeddings": 64,
               "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": False,
               "hidden_act": "silu",
               "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0,
                                "original_max_position_embeddings": 16}},
    # SmolLM2's: 3 heads sharing one key/value head, tied head, theta 1e5
    "smollm2": {"model_type": "llama", "vocab_size": 50, "hidden_size": 48,
                "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 3,
                "num_key_value_heads": 1, "max_position_embeddings": 32,
                "rope_theta": 100000, "rms_norm_eps": 1e-5, "tie_word_embeddings": True,
                "rope_scaling": None, "attention_bias": False},
    # Qwen2: q/k/v biases, tied head
    "qwen2": {"model_type": "qwen2", "vocab_size": 57, "hidden_size": 32,
              "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "max_position_embeddings": 64,
              "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": True,
              "use_sliding_window": False},
    # Qwen3: q/k norms, head_dim 12 against hidden 32 / 4 heads, biases on
    # q, k, v and o, linear RoPE scaling, separate head
    "qwen3": {"model_type": "qwen3", "vocab_size": 53, "hidden_size": 32,
              "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 12, "max_position_embeddings": 64,
              "rope_theta": 1000000, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
              "attention_bias": True, "rope_scaling": {"type": "linear", "factor": 2.0}},
}


def write(root):
    torch.manual_seed(1234)
    for name, cfg in MODELS.items():
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        P = {}
        for pname, shape in shapes(cfg):
            if pname.endswith("norm.weight"):
                t = 1.0 + 0.2 * torch.randn(shape)
            elif len(shape) == 1:
                t = 0.2 * torch.randn(shape)
            else:
                t = 0.15 * torch.randn(shape)
            P[pname] = t.requires_grad_(True)
        B, T, V = 2, 12, cfg["vocab_size"]
        ids = torch.randint(0, V, (B, T))
        tg = torch.randint(0, V, (B, T))
        tg[0, 3] = -1
        w = torch.rand(B, T)
        logits = forward(cfg, P, ids)
        logp = torch.log_softmax(logits.double(), dim=-1)
        keep = tg >= 0
        nll = -logp.gather(-1, tg.clamp(min=0)[..., None])[..., 0]
        wk = torch.where(keep, w.double(), torch.zeros_like(w.double()))
        loss = (wk * nll).sum() / wk.sum()
        loss.backward()
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        dump(folder, "weights", [(n, P[n]) for n, _ in shapes(cfg)])
        dump(folder, "grads", [(n, P[n].grad) for n, _ in shapes(cfg)])
        with open(os.path.join(folder, "logits.bin"), "wb") as f:
            f.write(logits.detach().numpy().astype("<f4").tobytes())
        with open(os.path.join(folder, "loss.txt"), "w") as f:
            f.write("%.9g\n" % loss.item())
        with open(os.path.join(folder, "batch.txt"), "w") as f:
            f.write("%d %d\n" % (B, T))
            f.write(" ".join(str(int(i)) for i in ids.flatten()) + "\n")
            f.write(" ".join(str(int(i)) for i in tg.flatten()) + "\n")
            f.write(" ".join("%.9g" % float(x) for x in w.flatten()) + "\n")
        print(folder)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "write":
        sys.exit("usage: llama_ref.py write DIR")
    torch.set_num_threads(1)
    write(sys.argv[2])
