#!/usr/bin/python3
"""torch_llama: the PyTorch twin of llama_bench. The model is the tests'
reference decoder (tests/model/llama_ref.py: the same Llama, Qwen2 or Qwen3
as src/llama.c, from a Hugging Face config.json or SmolLM2-135M's shape),
trained with the same random batch, AdamW (decay on matrices and the
embedding), gradient clipping and thread count on the CPU. Prints each
step, the tokens/s, the MFU against sgemm probes taken around the steps as
llama_bench takes them, the peak RSS, and one RESULT line. Needs Debian's
python3-torch."""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "model"))
sys.path.insert(0, here)
import llama_ref  # noqa: E402
from torch_gpt import sgemm_probe  # noqa: E402  (as bench/sgemm_probe.h measures)

# SmolLM2-135M's config.json keys (llama_bench's default shape)
SMOLLM2_135M = {"model_type": "llama", "vocab_size": 49152, "hidden_size": 576,
                "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
                "num_key_value_heads": 3, "head_dim": 64, "max_position_embeddings": 8192,
                "rope_theta": 100000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": True}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", help="config.json (default: SmolLM2-135M's shape)")
    ap.add_argument("--layers", type=int, default=0)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probe-ms", type=int, default=500, help="0: no sgemm probe")
    ap.add_argument("--freeze-embeddings", action="store_true",
                    help="no gradient or AdamW state for the embedding and the head")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cfg = dict(SMOLLM2_135M)
    if a.config:
        with open(a.config) as f:
            cfg = json.load(f)
    if a.layers:
        cfg["num_hidden_layers"] = a.layers
    cfg.setdefault("rms_norm_eps", 1e-6)
    B, T, V = a.batch, a.ctx, cfg["vocab_size"]
    P = {}
    for name, shape in llama_ref.shapes(cfg):
        if name.endswith("norm.weight"):
            t = torch.ones(shape)
        elif name.endswith(".bias"):
            t = torch.zeros(shape)
        else:
            t = torch.randn(shape) * 0.02
        P[name] = t.requires_grad_()
    frozen = {"model.embed_tokens.weight", "lm_head.weight"} if a.freeze_embeddings else set()
    for name in frozen & P.keys():
        P[name].requires_grad_(False)
    train = [(n, p) for n, p in P.items() if n not in frozen]
    decay = [p for n, p in train if p.dim() >= 2]
    nodecay = [p for n, p in train if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": nodecay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    idx = torch.randint(0, V, (B, T))
    tgt = torch.randint(0, V, (B, T))

    def step():
        opt.zero_grad(set_to_none=False)
        logits = llama_ref.forward(cfg, P, idx)
        loss = F.cross_entropy(logits.view(-1, V), tgt.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in train], 1.0)
        opt.step()

    C, L, F_ = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    NH = cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads") or NH
    D = cfg.get("head_dim") or C // NH
    Q, KV = NH * D, NKV * D
    # FLOPs per token as llama_bench counts them
    nmat = L * (2 * C * Q + 2 * C * KV + 3 * C * F_) + V * C
    flops_tok = 6.0 * nmat + 6.0 * L * Q * (T + 1.0) - (2.0 * V * C if frozen else 0.0)
    nparams = sum(p.numel() for p in P.values())
    print(f"torch {torch.__version__}: {cfg['model_type']} L={L} C={C} F={F_} NH={NH} "
          f"NKV={NKV} D={D} V={V}, {nparams} parameters; batch {B} x {T}; threads {a.threads}; "
          f"embedding and head {'frozen' if frozen else 'trained'}", flush=True)
    for _ in range(a.warmup):
        step()
    probing = a.probe_ms > 0
    psum, best = sgemm_probe(a.probe_ms / 1000.0) if probing else (0.0, 0.0)
    tsum = 0.0
    for s in range(a.steps):
        t0 = time.perf_counter()
        step()
        dt = time.perf_counter() - t0
        tsum += dt
        line = f"step {s + 1}: {dt:.2f} s, {B * T / dt:.0f} tokens/s"
        if probing:
            p, b = sgemm_probe(a.probe_ms / 1000.0)
            psum += p
            best = max(best, b)
            line += f"; sgemm after: sustained {p:.1f} GFLOP/s"
        print(line, flush=True)
    tps = B * T * a.steps / tsum
    achieved = tps * flops_tok / 1e9
    peak = psum / (a.steps + 1)
    mfu = 100.0 * achieved / peak if probing else 0.0
    strict = 100.0 * achieved / best if probing else 0.0
    if probing:
        print(f"training: {tps:.0f} tokens/s; {achieved:.1f} GFLOP/s; MFU {mfu:.1f}% of the "
              f"sustained sgemm rate ({peak:.1f} GFLOP/s, mean of {a.steps + 1} probes), "
              f"{strict:.1f}% of the best call ({best:.1f})")
    else:
        print(f"training: {tps:.0f} tokens/s; {achieved:.1f} GFLOP/s (no sgemm probe)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"peak RSS {rss:.0f} MiB")
    print(f"RESULT torch_tokens_per_s={tps:.0f} mfu_pct={mfu:.1f} sgemm_gflops={peak:.1f} "
          f"rss_mib={rss:.0f} sgemm_best={best:.1f} mfu_best_pct={strict:.1f}")


if __name__ == "__main__":
    main()
