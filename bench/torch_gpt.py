#!/usr/bin/python3
"""torch_gpt: the same GPT-2 as src/model.c (learned positions, pre-LayerNorm,
tanh-GELU 4x MLP, causal attention with one QKV matrix, biases, final
LayerNorm, head tied to the token embedding) trained with the same batch,
AdamW and gradient clipping on the CPU, for a tokens/s comparison with
model_bench. Prints one RESULT line. Needs Debian's python3-torch."""
import argparse
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"tiny": (2, 128, 4, 128), "small": (4, 256, 4, 128), "base": (6, 384, 6, 256),
           "gpt2": (12, 768, 12, 1024)}  # gpt2: GPT-2 small's shape, vocabulary 50,257


class Block(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.nh = NH
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, 4 * C)
        self.fcproj = nn.Linear(4 * C, C)

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q = q.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        k = k.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        v = v.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(mask[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, V, maxT, L, C, NH):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(maxT, C)
        self.blocks = nn.ModuleList([Block(C, NH) for _ in range(L)])
        self.lnf = nn.LayerNorm(C)
        self.register_buffer("mask", torch.tril(torch.ones(maxT, maxT)).view(1, 1, maxT, maxT))

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x, self.mask)
        logits = self.lnf(x) @ self.wte.weight.t()  # tied head
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def sgemm_probe(secs, n=1536):
    """n x n x n float32 matmuls through torch (the same OpenBLAS sgemm as
    mentor's) back to back for at least secs seconds (at least 5 calls), as
    model_bench probes: (sustained GFLOP/s = all FLOPs over all time, best
    call's GFLOP/s)."""
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    a @ b.t()
    calls, total, best = 0, 0.0, 0.0
    while calls < 5 or total < secs:
        t0 = time.perf_counter()
        a @ b.t()
        dt = time.perf_counter() - t0
        total += dt
        calls += 1
        best = max(best, 2.0 * n ** 3 / dt / 1e9)
    return 2.0 * n ** 3 * calls / total / 1e9, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--accum", type=int, default=1, help="micro-batches per optimizer step")
    ap.add_argument("--ctx", type=int, default=None, help="default 128 (1024 for gpt2)")
    ap.add_argument("--vocab", type=int, default=None, help="default 512 (50257 for gpt2)")
    ap.add_argument("--layers", type=int, default=None)
    ap.add_argument("--width", type=int, default=None)
    ap.add_argument("--heads", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--windows", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--probe-ms", type=int, default=500, help="length of each sgemm probe")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    L, C, NH, T0 = PRESETS[a.preset]
    L, C, NH = a.layers or L, a.width or C, a.heads or NH
    gpt2 = a.preset == "gpt2"
    T = a.ctx or (1024 if gpt2 else 128)
    a.vocab = a.vocab or (50257 if gpt2 else 512)
    model = GPT(a.vocab, max(T, T0), L, C, NH)
    nparams = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": nodecay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    idx = torch.randint(0, a.vocab, (a.accum, a.batch, T))
    tgt = torch.randint(0, a.vocab, (a.accum, a.batch, T))

    def step():
        # gradients of the micro-batches add up, as in model_bench
        opt.zero_grad(set_to_none=False)
        for k in range(a.accum):
            loss = model(idx[k], tgt[k])
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    # FLOPs per token as model_bench counts them (BENCHMARKS.md)
    flops_tok = 6.0 * (12.0 * L * C * C + a.vocab * C) + 6.0 * L * C * (T + 1.0)
    for _ in range(a.warmup):
        step()
    # probes before every step and after the last, as model_bench: a window's
    # MFU is against the mean sustained rate of the probes around its steps
    tps, probe, mfu = [], [], []
    p, best = sgemm_probe(a.probe_ms / 1000.0)
    for _ in range(a.windows):
        tw, psum, pbefore = 0.0, p, p
        for _ in range(a.steps):
            t0 = time.perf_counter()
            step()
            tw += time.perf_counter() - t0
            p, b = sgemm_probe(a.probe_ms / 1000.0)
            best = max(best, b)
            psum += p
        tps.append(a.accum * a.batch * T * a.steps / tw)
        probe.append(psum / (a.steps + 1))
        mfu.append(100.0 * tps[-1] * flops_tok / 1e9 / probe[-1])
        print(f"window {len(tps)}: {tps[-1]:.1f} tokens/s (sgemm sustained {pbefore:.1f} GFLOP/s "
              f"before, {p:.1f} after, {probe[-1]:.1f} mean of {a.steps + 1} probes; MFU "
              f"{mfu[-1]:.1f}%)", flush=True)
    strict = 100.0 * statistics.median(tps) * flops_tok / 1e9 / best
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"torch {torch.__version__}: preset {a.preset}, L={L} C={C} NH={NH} T={T} "
          f"V={a.vocab}, {nparams} parameters, batch {a.batch} x {T}"
          f"{f' x {a.accum} micro-batches' if a.accum > 1 else ''}, threads {a.threads}")
    print(f"training: {statistics.median(tps):.0f} tokens/s (median of {a.windows} windows x "
          f"{a.steps} steps; min {min(tps):.0f}, max {max(tps):.0f})")
    print(f"sgemm over the run: sustained {statistics.median(probe):.1f} GFLOP/s (median of the "
          f"windows' means; min {min(probe):.1f}, max {max(probe):.1f}; probes of "
          f"{a.probe_ms / 1000.0:.2f} s); best call {best:.1f} GFLOP/s")
    print(f"MFU {statistics.median(mfu):.1f}% of the sustained sgemm rate (median over windows, "
          f"each against the probes around its steps; min {min(mfu):.1f}%, max {max(mfu):.1f}%); "
          f"{strict:.1f}% of the best call")
    print(f"peak RSS of this process after training: {rss:.0f} MiB")
    print(f"RESULT torch_tokens_per_s={statistics.median(tps):.0f} train_min={min(tps):.0f} "
          f"train_max={max(tps):.0f} mfu_pct={statistics.median(mfu):.1f} "
          f"sgemm_gflops={statistics.median(probe):.1f} rss_mib={rss:.0f} "
          f"mfu_best_pct={strict:.1f} sgemm_best={best:.1f}")


if __name__ == "__main__":
    main()
