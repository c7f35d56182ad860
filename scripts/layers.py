#!/usr/bin/env python3
"""layers.py [ROOT]: check that every source file of ROOT (default: the
repository) includes only headers of its own module or of modules in lower
layers, so that dependencies run one way. Exit 0 when they do; 1 with one
line per back edge ("src/train.c: train (layer 6) includes mentor/eval.h:
eval (layer 7)"); 2 when a file or header belongs to no module of the map.

The map is LAYERS below: a module's files are src/MODULE.c, src/MODULE_*.c,
src/MODULE_*.h and include/mentor/MODULE.h (the longest module name that
prefixes the file's name wins, so tui_text.c is tui's). Modules on one line
share a layer and must not include each other either. ALIASES names the
module of a file whose name does not start with it."""
import os
import re
import sys

LAYERS = [
    "banned",
    "util",
    "unicode i18n stats",
    "store tokenizer model chat http answer sample config check",
    "prompt llama",
    "dataset teacher",
    "student",
    "train",
    "eval",
    "export modelio",
    "experiment serve extrun",
    "report",
    "tui",
    "cli",
    "main",
]

# Files whose name is not their module's: the GGUF and safetensors
# containers are parts of modelio (src/modelio_int.h).
ALIASES = {"gguf": "modelio", "safetensors": "modelio"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of():
    rank = {}
    for i, line in enumerate(LAYERS):
        for m in line.split():
            rank[m] = i
    return rank


def module(name, rank):
    """The module a file (basename without extension) belongs to."""
    if name in ALIASES:
        return ALIASES[name]
    best = None
    for m in rank:
        if name == m or name.startswith(m + "_"):
            if best is None or len(m) > len(best):
                best = m
    return best


def files(root):
    for d in ("src", "include/mentor"):
        top = os.path.join(root, d)
        if not os.path.isdir(top):
            continue
        for f in sorted(os.listdir(top)):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def check(root):
    rank = layer_of()
    bad, unknown = [], []
    for rel in files(root):
        base = os.path.splitext(os.path.basename(rel))[0]
        m = module(base, rank)
        if m is None:
            unknown.append(rel)
            continue
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            hbase = os.path.splitext(os.path.basename(inc))[0]
            hm = module(hbase, rank)
            if hm is None:
                unknown.append("%s (includes %s)" % (rel, inc))
                continue
            if hm == m:
                continue
            if rank[hm] >= rank[m]:
                bad.append("%s: %s (layer %d) includes %s: %s (layer %d)"
                           % (rel, m, rank[m], inc, hm, rank[hm]))
    return bad, unknown


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    bad, unknown = check(root)
    for u in unknown:
        print("no module in the layer map: " + u)
    for b in bad:
        print("back edge: " + b)
    if unknown:
        return 2
    if bad:
        return 1
    n = sum(1 for _ in files(root))
    print("%d files, every include goes down the layers" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
