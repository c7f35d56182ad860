#!/usr/bin/env python3
"""mentor_torch_train.py: mentor's reference trainer for PyTorch.

Trains a GPT-2 from a Hugging Face folder written by mentor on the multi-task
export (`mentor export --format mt --tokenizer RUN`, or what `mentor
run-external --init-from RUN` hands over), with mentor's loss (alpha * answer
task + (1 - alpha) * explanation task, token means), batches, schedule and
optimizer, on one process or many (DistributedDataParallel: gloo on CPU, nccl
on GPUs). Metrics go to $MENTOR_METRICS as JSON lines, the model to a Hugging
Face folder that `mentor import-model` reads. See docs/serving.md, "The reference
PyTorch trainer".

Needs only PyTorch (Debian 12: python3-torch, for /usr/bin/python3): the GPT-2,
the safetensors reader and writer and mentor's batch sampler are written here.
"""
import argparse
import contextlib
import datetime
import json
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

PROG = "mentor_torch_train"
# mentor's special tokens, in the order they follow the merges
SPECIALS = ["<|eos|>", "<|ans|>", "<|exp|>", "<|sep|>", "<|pad|>", "<|bos|>", "<|r1|>", "<|r2|>"]
VARIANTS = ("baseline", "mt-re", "mt-ra", "mt-cot")
MAX_ST_HEADER = 100 << 20  # safetensors header bytes read at most
MAX_JSON = 64 << 20        # config.json / tokenizer.json bytes read at most
MAX_LINE = 64 << 20        # longest export line
MASK64 = (1 << 64) - 1
FNV_BASIS = 14695981039346656037
FNV_PRIME = 1099511628211
# Hugging Face files copied from the starting folder to the output as they are
COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


class Fail(Exception):
    """An error to report in one line (exit status 1, or 2 for usage)."""

    def __init__(self, msg, status=1):
        super().__init__(msg)
        self.status = status


# ------------------------------------------------------------ mentor's rng


class Rng:
    """mentor's struct rng (src/util.c): splitmix64 seeding, xorshift64*."""

    def __init__(self, seed):
        z = (seed + 0x9E3779B97F4A7C15) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        self.s = z if z else 0x2545F4914F6CDD1D

    def next(self):
        x = self.s
        x ^= x >> 12
        x = (x ^ (x << 25)) & MASK64
        x ^= x >> 27
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & MASK64

    def below(self, n):
        lim = MASK64 - MASK64 % n
        while True:
            x = self.next()
            if x < lim:
                return x % n

    def unit(self):
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)


def fnv1a(data, h=FNV_BASIS):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def tokenizer_fingerprint(vocab, merge_ids):
    """What `mentor export --tokenizer` writes as "tokenizer" (docs/formats.md)."""
    h = fnv1a(struct.pack("<II", vocab, len(merge_ids) // 2))
    return "%016x" % fnv1a(struct.pack("<%dI" % len(merge_ids), *merge_ids), h)


# ------------------------------------------------------------ schedule


def warmup_steps(warmup, total):
    w = min(100, total // 10) if warmup < 0 else warmup
    return min(w, total)


def lr_at(args, step, total):
    """train_lr_at: linear warmup, then cosine to lr * min_lr_frac at the end."""
    w = warmup_steps(args.warmup, total)
    if step < w:
        return args.lr * (step + 1) / w
    floor = args.lr * args.min_lr_frac
    span = total - 1 - w
    if span <= 0:
        return args.lr
    p = min(1.0, (step - w) / span)
    return floor + 0.5 * (args.lr - floor) * (1.0 + math.cos(math.pi * p))


# ------------------------------------------------------------ files in


def read_json_file(path, what):
    try:
        size = os.path.getsize(path)
        if size > MAX_JSON:
            raise Fail("cannot read '%s': %s of %d bytes is too large" % (path, what, size))
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise Fail("cannot read '%s': %s" % (path, e.strerror or e))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Fail("cannot read '%s': not valid JSON (%s)" % (path, e))


def read_config(init):
    """The starting folder's config.json, checked for what this GPT-2 is."""
    if not os.path.isdir(init):
        raise Fail("cannot start from '%s': not a folder (give a Hugging Face GPT-2 folder "
                   "written by 'mentor export-model RUN --format safetensors')" % init)
    path = os.path.join(init, "config.json")
    cfg = read_json_file(path, "config.json")
    if not isinstance(cfg, dict):
        raise Fail("cannot read '%s': not a JSON object" % path)

    def num(key, lo, hi, alt=None):
        v = cfg.get(key, cfg.get(alt) if alt else None)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise Fail("cannot read '%s': '%s' missing or out of range" % (path, key))
        return v

    mt = cfg.get("model_type", "gpt2")
    if mt != "gpt2":
        raise Fail("cannot read '%s': model type '%s' (this trainer is for GPT-2)" % (path, mt))
    act = cfg.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh"):
        raise Fail("cannot read '%s': activation '%s' (mentor's GPT-2 uses gelu_new)" % (path, act))
    if cfg.get("tie_word_embeddings", True) is not True:
        raise Fail("cannot read '%s': the output head is not tied to the embedding" % path)
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    if not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise Fail("cannot read '%s': bad layer_norm_epsilon" % path)
    m = {
        "vocab": num("vocab_size", 1, 1 << 20),
        "ctx": num("n_positions", 1, 1 << 16, "n_ctx"),
        "width": num("n_embd", 1, 1 << 16),
        "layers": num("n_layer", 1, 1024),
        "heads": num("n_head", 1, 1024),
        "eps": float(eps),
    }
    inner = cfg.get("n_inner")
    if inner is not None and inner != 4 * m["width"]:
        raise Fail("cannot read '%s': n_inner %s (mentor's GPT-2 uses 4 x n_embd)" % (path, inner))
    if m["width"] % m["heads"]:
        raise Fail("cannot read '%s': n_embd %d is not a multiple of n_head %d"
                   % (path, m["width"], m["heads"]))
    men = cfg.get("mentor")
    ids = men.get("merge_ids") if isinstance(men, dict) else None
    if not isinstance(ids, list) or len(ids) % 2 or \
            not all(isinstance(i, int) and 0 <= i < m["vocab"] for i in ids) or \
            len(ids) // 2 + 256 + len(SPECIALS) != m["vocab"]:
        raise Fail("cannot start from '%s': it was not written by mentor (no mentor merge list "
                   "in config.json); import it with 'mentor import-model', which renumbers "
                   "its vocabulary, then write it with 'mentor export-model RUN --format "
                   "safetensors'" % init)
    m["fingerprint"] = tokenizer_fingerprint(m["vocab"], ids)
    m["specials"] = {name: m["vocab"] - len(SPECIALS) + k for k, name in enumerate(SPECIALS)}
    return cfg, m


def tensor_shapes(m):
    """The tensors of a mentor GPT-2 in mentor's file order, with their
    Hugging Face (Conv1D: (in, out)) shapes."""
    C, L = m["width"], m["layers"]
    out = [("transformer.wte.weight", [m["vocab"], C]), ("transformer.wpe.weight", [m["ctx"], C])]
    for i in range(L):
        p = "transformer.h.%d." % i
        out += [(p + "ln_1.weight", [C]), (p + "ln_1.bias", [C]),
                (p + "attn.c_attn.weight", [C, 3 * C]), (p + "attn.c_attn.bias", [3 * C]),
                (p + "attn.c_proj.weight", [C, C]), (p + "attn.c_proj.bias", [C]),
                (p + "ln_2.weight", [C]), (p + "ln_2.bias", [C]),
                (p + "mlp.c_fc.weight", [C, 4 * C]), (p + "mlp.c_fc.bias", [4 * C]),
                (p + "mlp.c_proj.weight", [4 * C, C]), (p + "mlp.c_proj.bias", [C])]
    out += [("transformer.ln_f.weight", [C]), ("transformer.ln_f.bias", [C])]
    return out


ST_DTYPES = {"F32": 4, "F16": 2, "BF16": 2}


def read_safetensors_header(path, m):
    """Check model.safetensors against the model's shape; returns
    {name: (dtype, shape, begin, end)} with absolute file offsets."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise Fail("cannot read '%s': truncated (no header length)" % path)
            n = struct.unpack("<Q", head)[0]
            if n > MAX_ST_HEADER or 8 + n > size:
                raise Fail("cannot read '%s': header of %d bytes does not fit the file" % (path, n))
            hdr = json.loads(f.read(n).decode("utf-8"))
    except OSError as e:
        raise Fail("cannot read '%s': %s" % (path, e.strerror or e))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Fail("cannot read '%s': header is not JSON (%s)" % (path, e))
    if not isinstance(hdr, dict):
        raise Fail("cannot read '%s': header is not a JSON object" % path)
    base = 8 + n
    found = {}
    for name, t in hdr.items():
        if name == "__metadata__":
            continue
        short = name if name.startswith("transformer.") or name.startswith("lm_head.") \
            else "transformer." + name
        if not isinstance(t, dict) or t.get("dtype") not in ST_DTYPES or \
                not isinstance(t.get("shape"), list) or \
                not isinstance(t.get("data_offsets"), list) or len(t["data_offsets"]) != 2:
            raise Fail("cannot read '%s': tensor '%s' has a bad entry" % (path, name))
        b, e = t["data_offsets"]
        count = 1
        for d in t["shape"]:
            if not isinstance(d, int) or d < 0:
                raise Fail("cannot read '%s': tensor '%s' has a bad shape" % (path, name))
            count *= d
        if not isinstance(b, int) or not isinstance(e, int) or not 0 <= b <= e or \
                base + e > size or e - b != count * ST_DTYPES[t["dtype"]]:
            raise Fail("cannot read '%s': tensor '%s' lies outside the file" % (path, name))
        found[short] = (t["dtype"], t["shape"], base + b, base + e)
    want = dict(tensor_shapes(m))
    for name, shape in want.items():
        if name not in found:
            raise Fail("cannot read '%s': tensor '%s' is missing" % (path, name))
        if found[name][1] != shape:
            raise Fail("cannot read '%s': tensor '%s' has shape %s, expected %s"
                       % (path, name, found[name][1], shape))
    for name in found:
        ignored = name.endswith(".attn.bias") or name.endswith(".attn.masked_bias") or \
            name == "lm_head.weight"
        if name not in want and not ignored:
            raise Fail("cannot read '%s': unexpected tensor '%s'" % (path, name))
    return found


def load_state(torch, path, m):
    """The tensors of model.safetensors as float32 torch tensors."""
    entries = read_safetensors_header(path, m)
    dt = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    state = {}
    with open(path, "rb") as f:
        for name, shape in tensor_shapes(m):
            dtype, _, b, e = entries[name]
            f.seek(b)
            raw = bytearray(f.read(e - b))
            t = torch.frombuffer(raw, dtype=dt[dtype]) if raw else torch.empty(0, dtype=dt[dtype])
            state[name] = t.to(torch.float32).reshape(shape).clone()
    if "lm_head.weight" in entries:
        dtype, shape, b, e = entries["lm_head.weight"]
        with open(path, "rb") as f:
            f.seek(b)
            raw = bytearray(f.read(e - b))
        head = torch.frombuffer(raw, dtype=dt[dtype]).to(torch.float32).reshape(shape)
        if list(shape) != [m["vocab"], m["width"]] or \
                not torch.equal(head, state["transformer.wte.weight"]):
            raise Fail("cannot read '%s': lm_head.weight differs from the token embedding "
                       "(mentor's GPT-2 ties them)" % path)
    return state


def write_safetensors(torch, path, state, m):
    """Write state in mentor's tensor order, float32, contiguous, with the
    header padded to 8 bytes; atomically."""
    if sys.byteorder != "little":
        raise Fail("cannot write '%s': a big-endian machine is not supported" % path)
    hdr = {"__metadata__": {"format": "pt", "producer": PROG}}
    off = 0
    order = tensor_shapes(m)
    for name, shape in order:
        n = 4 * math.prod(shape)
        hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + n]}
        off += n
    text = json.dumps(hdr, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, _ in order:
            t = state[name].detach().to("cpu", torch.float32).contiguous()
            f.write(t.numpy().tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_text_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ------------------------------------------------------------ the export


def load_export(path, m):
    """The records of an mt export with ids, by split and task. Returns
    {split: {"ans": [(ids, n_prompt)], "exp": [...]}} (in file order, which
    is mentor's item order), the dataset's name, and the review statuses,
    modes and variants of the explanation records."""
    if not path:
        raise Fail("no training data: give --data FILE (an mt export with token ids), or run "
                   "under 'mentor run-external DATASET --init-from RUN', which sets "
                   "MENTOR_EXPORT", 2)
    try:
        f = open(path, "rb")
    except OSError as e:
        raise Fail("cannot read '%s': %s" % (path, e.strerror or e))
    splits, dataset, statuses, modes, variants = {}, None, set(), set(), set()
    n = 0
    with f:
        for lineno, raw in enumerate(f, 1):
            if len(raw) > MAX_LINE:
                raise Fail("%s:%d: line too long" % (path, lineno))
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise Fail("%s:%d: not a JSON object (%s)" % (path, lineno, e))
            if not isinstance(rec, dict) or rec.get("task") not in ("ans", "exp"):
                raise Fail("%s:%d: not a record of mentor's mt export (no \"task\"); export "
                           "with --format mt" % (path, lineno))
            if "ids" not in rec:
                raise Fail("%s:%d: the export has no token ids; export with 'mentor export "
                           "DATASET --format mt --tokenizer RUN', or use 'mentor "
                           "run-external DATASET --init-from RUN'" % (path, lineno))
            if rec.get("tokenizer") != m["fingerprint"]:
                raise Fail("%s:%d: the token ids are of another tokenizer (%s) than the model's "
                           "(%s): export with the tokenizer of the run the model was written "
                           "from" % (path, lineno, rec.get("tokenizer"), m["fingerprint"]))
            ids, np_ = rec["ids"], rec.get("n_prompt")
            if not isinstance(ids, list) or not 2 <= len(ids) <= m["ctx"] or \
                    not all(isinstance(i, int) and 0 <= i < m["vocab"] for i in ids) or \
                    not isinstance(np_, int) or not 1 <= np_ < len(ids):
                raise Fail("%s:%d: bad \"ids\" or \"n_prompt\" (ids must be 2..%d tokens below "
                           "%d, with a target after n_prompt)"
                           % (path, lineno, m["ctx"], m["vocab"]))
            meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
            split = meta.get("split") or "train"
            dataset = dataset or meta.get("dataset")
            task = rec["task"]
            if task == "exp":
                variants.add(rec.get("variant", "mt-cot"))
                statuses.add(meta.get("status"))
                modes.add(meta.get("mode"))
            splits.setdefault(split, {"ans": [], "exp": []})[task].append((ids, np_))
            n += 1
    if not n:
        raise Fail("'%s' holds no records" % path)
    return splits, dataset, statuses, modes, variants


# ------------------------------------------------------------ the model


def build_model(torch, m):
    nn = torch.nn
    F = torch.nn.functional

    class Conv1D(nn.Module):
        """GPT-2's linear layer: weight (in, out), x @ W + b."""

        def __init__(self, nin, nout):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(nin, nout))
            self.bias = nn.Parameter(torch.zeros(nout))

        def forward(self, x):
            # out (N, OUT) = x (N, IN) @ weight (IN, OUT) + bias
            y = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight)
            return y.view(*x.shape[:-1], y.shape[-1])

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = Conv1D(m["width"], 3 * m["width"])
            self.c_proj = Conv1D(m["width"], m["width"])

        def forward(self, x):
            B, T, C = x.shape
            H = m["heads"]
            q, k, v = self.c_attn(x).split(C, dim=2)
            q = q.view(B, T, H, C // H).transpose(1, 2)  # (B, H, T, hd)
            k = k.view(B, T, H, C // H).transpose(1, 2)
            v = v.view(B, T, H, C // H).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))  # (B, H, T, T)
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = Conv1D(m["width"], 4 * m["width"])
            self.c_proj = Conv1D(4 * m["width"], m["width"])

        def forward(self, x):
            return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(m["width"], eps=m["eps"])
            self.attn = Attention()
            self.ln_2 = nn.LayerNorm(m["width"], eps=m["eps"])
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(m["vocab"], m["width"])
            self.wpe = nn.Embedding(m["ctx"], m["width"])
            self.h = nn.ModuleList(Block() for _ in range(m["layers"]))
            self.ln_f = nn.LayerNorm(m["width"], eps=m["eps"])

    class GPT2(nn.Module):
        """GPT-2 as transformers defines it (and mentor's src/model.c):
        learned positions, pre-LayerNorm blocks, tanh GELU, head tied to
        the token embedding. Parameter names are transformers'."""

        def __init__(self):
            super().__init__()
            self.transformer = Transformer()

        def forward(self, idx):
            tr = self.transformer
            pos = torch.arange(idx.shape[1], device=idx.device)
            x = tr.wte(idx) + tr.wpe(pos)
            for block in tr.h:
                x = block(x)
            # logits (B, T, V) = ln_f(x) (B, T, C) @ wte^T (C, V)
            return tr.ln_f(x) @ tr.wte.weight.t()

    return GPT2()


def decayed(name):
    """AdamW decays matrices and embeddings only (model_tensor_info)."""
    matrix = ".c_attn." in name or ".c_proj." in name or ".c_fc." in name
    return name.endswith("wte.weight") or name.endswith("wpe.weight") or \
        (name.endswith(".weight") and matrix)


def init_special_rows(torch, state, m, seed):
    """train.c's init_special_rows: special rows that are all zero start at the
    mean of the other rows plus a seeded normal jitter (std 0.02), drawn with
    mentor's rng, so they get mentor's values. Returns how many."""
    wte = state["transformer.wte.weight"]
    V, C = wte.shape
    first = V - len(SPECIALS)
    zero = [k for k in range(len(SPECIALS)) if not wte[first + k].any()]
    if not zero:
        return 0
    mean = wte[:first].double().sum(0) / first if first else torch.zeros(C, dtype=torch.float64)
    r = Rng(seed ^ 0x7370656369616C)  # "special"
    for k in zero:
        row = []
        for c in range(C):
            u1, u2 = r.unit(), r.unit()
            z = math.sqrt(-2.0 * math.log(u1 if u1 > 0 else 1e-300)) * \
                math.cos(6.283185307179586 * u2)  # Box-Muller
            row.append(float(mean[c]) + 0.02 * z)
        wte[first + k] = torch.tensor(row, dtype=torch.float64).to(torch.float32)
    return len(zero)


def reinit_state(torch, state, m, seed):
    """Fresh weights of the same shape, as mentor's model_new draws them in
    spirit: normal(0, 0.02), residual projections 0.02/sqrt(2L), biases 0,
    LayerNorm weights 1 (torch's generator, not mentor's stream)."""
    g = torch.Generator().manual_seed(seed)
    resid = 0.02 / math.sqrt(2.0 * m["layers"])
    for name, t in state.items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            t.fill_(1.0)
        elif name.endswith(".bias"):
            t.zero_()
        else:
            std = resid if name.endswith("c_proj.weight") else 0.02
            t.copy_(torch.randn(t.shape, generator=g) * std)


# ------------------------------------------------------------ batches


def share(n, world, rank):
    """Rank's slice [lo, hi) of n items split as evenly as possible."""
    q, r = divmod(n, world)
    lo = rank * q + min(rank, r)
    return lo, lo + q + (1 if rank < r else 0)


def batch_tensors(torch, seqs, pad, device):
    """inputs and targets (B, T), T the longest sequence minus one: the
    target of position t is ids[t + 1] where that is a target token
    (t + 1 >= n_prompt), else -1; padding on the right (never seen by a real
    position: attention is causal). Also the number of real input tokens."""
    T = max(2, max(len(ids) for ids, _ in seqs)) - 1
    inp, tgt, real = [], [], 0
    for ids, np_ in seqs:
        n = len(ids)
        real += n - 1
        inp.append(ids[:-1] + [pad] * (T - (n - 1)))
        tgt.append([ids[t + 1] if t + 1 >= np_ else -1 for t in range(n - 1)] +
                   [-1] * (T - (n - 1)))
    return (torch.tensor(inp, dtype=torch.long, device=device),
            torch.tensor(tgt, dtype=torch.long, device=device), real)


def nll_sum(torch, model, inputs, targets):
    logits = model(inputs)
    return torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1),
                                             ignore_index=-1, reduction="sum")


# ------------------------------------------------------------ the worker


def worker(rank, world, port, job):
    """One training process (rank of world); rank 0 reports and writes."""
    import torch
    import torch.distributed as dist

    args, m, data = job["args"], job["m"], job["data"]
    local = int(os.environ.get("LOCAL_RANK", rank))
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    if cuda:
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
        torch.set_num_threads(args.threads if args.threads > 0
                              else max(1, (os.cpu_count() or 1) // world))
    backend = args.backend if args.backend != "auto" else ("nccl" if cuda else "gloo")
    if world > 1:
        if port:
            os.environ["MASTER_ADDR"] = "127.0.0.1"
            os.environ["MASTER_PORT"] = str(port)
        dist.init_process_group(backend, rank=rank, world_size=world,
                                timeout=datetime.timedelta(minutes=30))
    try:
        train(torch, dist, rank, world, device, backend, args, m, data, job)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def train(torch, dist, rank, world, device, backend, args, m, data, job):
    state = load_state(torch, os.path.join(args.init, "model.safetensors"), m)
    if args.reinit:
        reinit_state(torch, state, m, args.seed)
    new_rows = init_special_rows(torch, state, m, args.seed)
    model = build_model(torch, m)
    model.load_state_dict(state, strict=True)
    del state
    model.to(device)
    net = model
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids,
                                                        broadcast_buffers=False)
    named = list(model.named_parameters())
    groups = [{"params": [p for n, p in named if decayed(n)], "weight_decay": args.weight_decay},
              {"params": [p for n, p in named if not decayed(n)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps)

    tr, dev = data.get("train", {"ans": [], "exp": []}), data.get("dev", {"ans": [], "exp": []})
    multi = args.variant != "baseline"
    alpha = args.alpha if multi else 1.0
    B = args.batch
    n_ans_g = (B + 1) // 2 if multi else B
    n_exp_g = B - n_ans_g
    pad = tr["ans"][0][0][0]  # as mentor: any valid id; never a target
    rng = Rng(args.seed ^ 0x6261746368)  # "batch", as train.c
    total = args.steps
    out = None
    if rank == 0:
        if args.metrics:
            out = open(args.metrics, "a", buffering=1, encoding="utf-8")
        print("%s: %d process%s (%s, %s), %d answer and %d explanation sequences, "
              "%d steps of %d, %s alpha %g%s"
              % (PROG, world, "" if world == 1 else "es", backend, device.type, len(tr["ans"]),
                 len(tr["exp"]), total, B, args.variant, alpha,
                 ", %d special rows set" % new_rows if new_rows else ""), flush=True)
    t0 = time.monotonic()
    for step in range(total):
        ts = time.monotonic()
        lr = lr_at(args, step, total)
        for g in opt.param_groups:
            g["lr"] = lr
        # the global batch exactly as mentor draws it; each rank takes its share
        picks_a = [tr["ans"][rng.below(len(tr["ans"]))] for _ in range(n_ans_g)]
        picks_e = [tr["exp"][rng.below(len(tr["exp"]))] for _ in range(n_exp_g)]
        la, lb = share(n_ans_g, world, rank)
        ea, eb = share(n_exp_g, world, rank)
        mbs = []
        counts = torch.zeros(2, dtype=torch.float64, device=device)
        for k, seqs in enumerate((picks_a[la:lb], picks_e[ea:eb])):
            if seqs:
                inp, tgt, real = batch_tensors(torch, seqs, pad, device)
                counts[k] = float((tgt >= 0).sum())
                mbs.append((k, inp, tgt, real))
        if world > 1:
            dist.all_reduce(counts)  # target tokens of each task over every rank
        # weights as mentor's: alpha / N_ans and (1 - alpha) / N_exp over the
        # global batch; times world because DDP averages the gradients
        w = [alpha, 1.0 - alpha]
        grad = [w[k] > 0 and counts[k] > 0 for k in range(2)]
        sums = torch.zeros(3, dtype=torch.float64, device=device)  # nll ans, nll exp, tokens
        opt.zero_grad(set_to_none=True)
        # explanations first, as train.c; the last backward synchronises
        order = sorted(mbs, key=lambda t: -t[0])
        with_grad = [mb[0] for mb in order if grad[mb[0]]]
        for k, inp, tgt, real in order:
            sums[2] += real
            if not grad[k]:  # measured only (alpha 0 or 1)
                with torch.no_grad():
                    sums[k] += float(nll_sum(torch, model, inp, tgt))
                continue
            # every rank runs the same tasks in the same order
            ctx = net.no_sync() if world > 1 and k != with_grad[-1] else contextlib.nullcontext()
            with ctx:
                s = nll_sum(torch, net, inp, tgt)
                (s * (w[k] * world / float(counts[k]))).backward()
            sums[k] += float(s.detach())
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        if world > 1:
            dist.all_reduce(sums)
        step_n = step + 1
        l_ans = float(sums[0] / counts[0]) if counts[0] > 0 else float("nan")
        l_exp = float(sums[1] / counts[1]) if counts[1] > 0 else float("nan")
        loss = alpha * l_ans + (1.0 - alpha) * l_exp if multi and alpha < 1 and counts[1] > 0 \
            else l_ans
        if not math.isfinite(loss):
            raise Fail("loss is not finite at step %d; lower '--lr'" % step_n)
        dt = time.monotonic() - ts
        val = float("nan")
        if rank == 0 and args.val_every > 0 and dev["ans"] and \
                (step_n % args.val_every == 0 or step_n == total):
            val = val_loss(torch, model, dev, args, alpha, multi, pad, device)
        if rank == 0:
            rec = {"step": step_n, "loss": loss, "loss_ans": l_ans}
            if multi and counts[1] > 0:
                rec["loss_exp"] = l_exp
            rec.update({"lr": lr, "tok_s": float(sums[2]) / dt if dt > 0 else 0.0})
            if math.isfinite(val):
                rec["val_loss"] = val
            rec["t"] = time.monotonic() - t0
            if step_n == 1 or step_n == total:
                rec["total_steps"] = total
            if out:
                out.write(json.dumps(rec) + "\n")
            if step_n == 1 or step_n == total or step_n % args.log_every == 0:
                print("step %d/%d loss %.4f (ans %.4f%s)%s lr %.2e %.0f tok/s %.1fs"
                      % (step_n, total, loss, l_ans,
                         " exp %.4f" % l_exp if "loss_exp" in rec else "",
                         " val %.4f" % val if math.isfinite(val) else "", lr, rec["tok_s"],
                         rec["t"]), flush=True)
    if rank == 0:
        if out:
            out.close()
        write_output(torch, model, m, args, job)


def val_loss(torch, model, dev, args, alpha, multi, pad, device):
    """train.c's val_loss: token means of the first val_items sequences of
    each task of the dev split, combined with alpha."""
    s, c = [0.0, 0.0], [0, 0]
    model.eval()
    with torch.no_grad():
        for k, task in enumerate(("ans", "exp")):
            seqs = dev[task][:args.val_items]
            for i in range(0, len(seqs), args.batch):
                inp, tgt, _ = batch_tensors(torch, seqs[i:i + args.batch], pad, device)
                s[k] += float(nll_sum(torch, model, inp, tgt))
                c[k] += int((tgt >= 0).sum())
    model.train()
    if not c[0]:
        return float("nan")
    la = s[0] / c[0]
    if not multi or not c[1]:
        return la
    return alpha * la + (1.0 - alpha) * s[1] / c[1]


def write_output(torch, model, m, args, job):
    """The trained model as a Hugging Face folder mentor reads back."""
    os.makedirs(args.out, exist_ok=True)
    state = {k: v for k, v in model.state_dict().items()}
    write_safetensors(torch, os.path.join(args.out, "model.safetensors"), state, m)
    cfg = dict(job["config"])
    men = dict(cfg.get("mentor") or {})
    tc = dict(men.get("train_config") or {}) if isinstance(men.get("train_config"), dict) else {}
    tc.update({
        "variant": args.variant, "alpha": args.alpha if args.variant != "baseline" else 1,
        "source": job["source"], "steps": args.steps, "minutes": 0, "batch": args.batch,
        "lr": args.lr, "min_lr_frac": args.min_lr_frac, "warmup": args.warmup,
        "weight_decay": args.weight_decay, "beta1": args.beta1, "beta2": args.beta2,
        "eps": args.eps, "grad_clip": args.grad_clip, "seed": str(args.seed),
        "val_every": args.val_every, "val_items": args.val_items,
    })
    if job["dataset"]:
        tc["dataset"] = job["dataset"]
    tc.pop("init_from", None)
    tc["trainer"] = {"name": PROG, "processes": job["world"], "torch": job["torch"],
                     "init": os.path.abspath(args.init), "reinit": bool(args.reinit)}
    men["train_config"] = tc
    cfg["mentor"] = men
    write_text_atomic(os.path.join(args.out, "config.json"), json.dumps(cfg, indent=2) + "\n")
    for name in COPIED:
        src = os.path.join(args.init, name)
        if os.path.exists(src):
            tmp = os.path.join(args.out, name + ".tmp.%d" % os.getpid())
            shutil.copyfile(src, tmp)
            os.replace(tmp, os.path.join(args.out, name))
    n = sum(p.numel() for p in model.parameters())
    print("wrote %s (%d parameters); import it with: mentor import-model %s%s"
          % (args.out, n, args.out, " --dataset " + job["dataset"] if job["dataset"] else ""),
          flush=True)


# ------------------------------------------------------------ entry

# OpenBLAS cores that mean it did not recognise the CPU (model_blas_info)
GENERIC_CORES = {"prescott", "nehalem", "core2", "penryn", "dunnington", "atom", "katmai",
                 "coppermine", "northwood", "banias", "unknown"}
BLAS_CORE_PROBE = ("import ctypes\n"
                   "lib = ctypes.CDLL('libblas.so.3')\n"
                   "lib.openblas_get_corename.restype = ctypes.c_char_p\n"
                   "print(lib.openblas_get_corename().decode())\n")


def better_blas_core():
    """mentor's model_blas_better_core for the OpenBLAS that Debian's PyTorch
    calls: when it fell back to generic kernels (a virtual machine that
    reports a generic CPU), the core this CPU's instruction set allows; else
    None. Asked in a child process, since OpenBLAS reads OPENBLAS_CORETYPE
    once, when it is loaded."""
    if os.environ.get("OPENBLAS_CORETYPE") or not sys.platform.startswith("linux"):
        return None
    try:
        r = subprocess.run([sys.executable, "-c", BLAS_CORE_PROBE], capture_output=True,
                           text=True, timeout=60)
        if r.returncode or r.stdout.strip().lower() not in GENERIC_CORES:
            return None
        with open("/proc/cpuinfo") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except (OSError, subprocess.SubprocessError):
        return None
    if "avx512_bf16" in flags:
        return "Cooperlake"
    if "avx512f" in flags:
        return "SkylakeX"
    return "Haswell" if "avx2" in flags else None


def env_default(name, fallback=None):
    v = os.environ.get(name)
    return v if v else fallback


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="mentor_torch_train.py",
        description="mentor's reference trainer for PyTorch: a GPT-2 written by mentor, "
                    "trained on mentor's multi-task export with mentor's loss, on one process "
                    "or many (DistributedDataParallel: gloo on CPU, nccl on GPUs). Under "
                    "'mentor run-external' the MENTOR_* variables give the data, model, "
                    "variant, alpha and metrics file.",
        epilog="example: mentor run-external gsm8k --variant mt-cot --alpha 0.3 "
               "--init-from gpt2-run -- python3 scripts/mentor_torch_train.py --nproc 2 "
               "--steps 2000; with torchrun (RANK/WORLD_SIZE set) --nproc is not needed.")
    a = p.add_argument
    a("--data", default=env_default("MENTOR_EXPORT"),
      help="mt export with token ids (default $MENTOR_EXPORT)")
    a("--init", default=env_default("MENTOR_INIT"),
      help="Hugging Face GPT-2 folder written by mentor to start from (default $MENTOR_INIT)")
    a("--out", default=None,
      help="folder for the trained model (default $MENTOR_RUN_DIR/model)")
    a("--metrics", default=env_default("MENTOR_METRICS"),
      help="file to append metrics lines to (default $MENTOR_METRICS)")
    a("--variant", choices=VARIANTS, default=env_default("MENTOR_VARIANT"),
      help="default $MENTOR_VARIANT, else the export's explanation variant")
    a("--alpha", type=float, default=None,
      help="answer-task weight of a multi-task variant (default $MENTOR_ALPHA, else 0.3)")
    a("--steps", type=int, default=1500)
    a("--batch", type=int, default=16, help="sequences per step, over all processes")
    a("--lr", type=float, default=1e-4,
      help="peak learning rate (default 1e-4, mentor's fine-tuning rate)")
    a("--warmup", type=int, default=-1, help="warmup steps (default min(100, steps/10))")
    a("--min-lr-frac", type=float, default=0.1)
    a("--weight-decay", type=float, default=0.1)
    a("--beta1", type=float, default=0.9)
    a("--beta2", type=float, default=0.95)
    a("--eps", type=float, default=1e-8)
    a("--grad-clip", type=float, default=1.0)
    a("--seed", type=int, default=1)
    a("--val-every", type=int, default=100)
    a("--val-items", type=int, default=64)
    a("--reinit", action="store_true",
      help="start from fresh weights of the folder's shape (keeps its tokenizer)")
    a("--nproc", type=int, default=1,
      help="worker processes to start (torch.multiprocessing.spawn); ignored under torchrun")
    a("--backend", choices=("auto", "gloo", "nccl"), default="auto")
    a("--device", choices=("auto", "cpu", "cuda"), default="auto")
    a("--threads", type=int, default=0,
      help="CPU threads per process (default: the cores divided by the processes)")
    a("--log-every", type=int, default=10, help="progress line every N steps")
    args = p.parse_args(argv)
    if args.alpha is None:
        env = env_default("MENTOR_ALPHA")
        try:
            args.alpha = float(env) if env else 0.3
        except ValueError:
            p.error("MENTOR_ALPHA '%s' is not a number" % env)
    if not 0 <= args.alpha <= 1:
        p.error("--alpha must be 0..1")
    if args.steps < 1 or args.batch < 1 or args.batch > 4096 or args.nproc < 1 or \
            args.val_every < 0 or args.val_items < 0 or args.log_every < 1 or args.threads < 0:
        p.error("--steps, --batch (1..4096), --nproc and --log-every must be positive")
    if not args.lr > 0 or not 0 <= args.min_lr_frac <= 1 or args.weight_decay < 0 or \
            not 0 <= args.beta1 < 1 or not 0 <= args.beta2 < 1 or not 0 < args.eps < 1 or \
            args.grad_clip < 0 or args.seed < 0 or args.seed > MASK64:
        p.error("invalid optimizer setting")
    if args.out is None:
        rd = env_default("MENTOR_RUN_DIR")
        if not rd:
            p.error("give --out DIR (or run under 'mentor run-external', which sets "
                    "MENTOR_RUN_DIR)")
        args.out = os.path.join(rd, "model")
    if not args.init:
        p.error("give --init DIR, a Hugging Face GPT-2 folder written by mentor (or run "
                "under 'mentor run-external DATASET --init-from RUN', which sets MENTOR_INIT)")
    return args


def prepare(torch, args, world):
    """Read and check everything once, before any worker starts."""
    cfg, m = read_config(args.init)
    read_safetensors_header(os.path.join(args.init, "model.safetensors"), m)
    data, dataset, statuses, modes, variants = load_export(args.data, m)
    if args.variant is None:  # the export's
        if len(variants) > 1:
            raise Fail("the export mixes explanation variants %s; give --variant"
                       % sorted(variants), 2)
        args.variant = next(iter(variants)) if variants else "baseline"
    if args.variant not in VARIANTS:
        raise Fail("unknown variant '%s' (use baseline, mt-re, mt-ra or mt-cot)" % args.variant, 2)
    if args.variant != "baseline" and variants and variants != {args.variant}:
        raise Fail("the export's explanation targets are %s, not %s: export with --variant %s "
                   "(run-external: --variant %s)" % (", ".join(sorted(variants)), args.variant,
                                                     args.variant, args.variant), 2)
    tr = data.get("train")
    if not tr or not tr["ans"]:
        raise Fail("'%s' has no answer records of the train split" % args.data)
    multi = args.variant != "baseline"
    if multi and not tr["exp"]:
        raise Fail("'%s' has no explanation records of the train split for %s"
                   % (args.data, args.variant))
    n_ans = (args.batch + 1) // 2 if multi else args.batch
    if n_ans < world or (multi and args.batch - n_ans < world):
        raise Fail("--batch %d is too small for %d processes: each needs %s" % (
            args.batch, world, "an answer and an explanation sequence (--batch >= %d)" % (2 * world)
            if multi else "a sequence (--batch >= %d)" % world), 2)
    source = "accepted" if statuses <= {"accepted"} else \
        (next(iter(modes)) if len(modes) == 1 and None not in modes else "accepted")
    return {"args": args, "m": m, "data": data, "config": cfg, "dataset": dataset,
            "source": source, "world": world, "torch": torch.__version__}


def spawn_main(rank, world, port, job):
    """torch.multiprocessing.spawn's entry: a failure becomes one line."""
    try:
        worker(rank, world, port, job)
    except Fail as e:
        sys.stderr.write("%s: rank %d: %s\n" % (PROG, rank, e))
        sys.stderr.flush()
        sys.exit(e.status)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None):
    args = parse_args(argv)
    core = better_blas_core()
    if core:  # before PyTorch loads OpenBLAS; the workers inherit it
        os.environ["OPENBLAS_CORETYPE"] = core
    try:
        import torch  # noqa: F401
        import torch.distributed
        import torch.multiprocessing as mp
    except ImportError as e:
        sys.stderr.write("%s: PyTorch is not installed for %s (%s): on Debian 12 'apt-get install "
                         "python3-torch' and run this script with /usr/bin/python3\n"
                         % (PROG, sys.executable, e))
        return 1
    try:
        torchrun = "RANK" in os.environ and "WORLD_SIZE" in os.environ
        world = int(os.environ["WORLD_SIZE"]) if torchrun else args.nproc
        if not torch.distributed.is_available() and world > 1:
            raise Fail("this PyTorch has no torch.distributed: use --nproc 1")
        cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
        if args.device == "cuda" and not torch.cuda.is_available():
            raise Fail("--device cuda: no CUDA device is available", 2)
        if cuda and world > torch.cuda.device_count() and not torchrun:
            raise Fail("--nproc %d: only %d CUDA devices" % (world, torch.cuda.device_count()), 2)
        if args.backend == "nccl" and not cuda:
            raise Fail("--backend nccl needs CUDA devices; use gloo on CPU", 2)
        job = prepare(torch, args, world)
        if torchrun:
            worker(int(os.environ["RANK"]), world, None, job)
        elif world == 1:
            worker(0, 1, None, job)
        else:
            mp.spawn(spawn_main, args=(world, free_port(), job), nprocs=world, join=True)
    except Fail as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return e.status
    except mp.ProcessExitedException as e:
        sys.stderr.write("%s: a worker failed (%s); see its message above\n" % (PROG, e))
        return 1
    except mp.ProcessRaisedException as e:
        sys.stderr.write("%s: a worker failed:\n%s\n" % (PROG, e))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
