#!/usr/bin/env python3
"""long_functions.py [--max N] [--check DOC] [ROOT]: list the functions of
ROOT/src/*.c longer than N lines (default 150), longest first, as
"file:line name lines", and the source files longer than 1,500 lines.
With --check DOC (docs/architecture.md), exit 1 when a source file is over
1,500 lines, or when the table of long functions in DOC (rows
"| `name` (file.c) | lines | why |") misses one of them or lists one that
is no longer long: every long function has its reason written down. A function starts at
a line that begins with a name and an opening parenthesis at column 0 (the
style of the tree: the return type on the same line, the brace on a line of
its own) and ends at the closing brace in column 0. Without --check, exit 0
always: a report, read with docs/architecture.md."""
import os
import re
import sys

START = re.compile(r"^(?:static\s+|inline\s+)*[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\(")


def functions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = START.match(lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            # find the body's opening brace in column 0 before any ';' line
            j = i
            while j < len(lines) and lines[j] != "{" and not lines[j].rstrip().endswith(";"):
                if lines[j].endswith("{") and j > i and lines[j].startswith("{"):
                    break
                j += 1
            if j < len(lines) and lines[j].startswith("{"):
                k = j + 1
                while k < len(lines) and not lines[k].startswith("}"):
                    k += 1
                out.append((i + 1, m.group(1), k - i + 1))
                i = k + 1
                continue
        i += 1
    return out


DOC_ROW = re.compile(r"^\| `(\w+)` \(([\w.]+\.c)\) \| \d+ \|")


def documented(doc):
    """The (file, function) pairs of DOC's table of long functions."""
    with open(doc, encoding="utf-8") as f:
        return {(m.group(2), m.group(1)) for m in map(DOC_ROW.match, f) if m}


def main():
    args = sys.argv[1:]
    limit = 150
    doc = None
    while len(args) >= 2 and args[0] in ("--max", "--check"):
        if args[0] == "--max":
            limit = int(args[1])
        else:
            doc = args[1]
        args = args[2:]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(root, "src")
    rows, big = [], []
    for name in sorted(os.listdir(src)):
        if not name.endswith(".c"):
            continue
        path = os.path.join(src, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            n = f.read().count("\n")
        if n > 1500 and not name.startswith("unicode_"):
            big.append((n, name))
        for line, fn, length in functions(path):
            if length > limit:
                rows.append((length, "src/%s:%d" % (name, line), fn))
    for length, where, fn in sorted(rows, reverse=True):
        print("%s %s %d" % (where, fn, length))
    for n, name in sorted(big, reverse=True):
        print("file over 1500 lines: src/%s %d" % (name, n))
    if doc is None:
        return 0
    long_ones = {(where.split("/")[1].split(":")[0], fn) for _, where, fn in rows}
    listed = documented(doc)
    bad = len(big)
    for file, fn in sorted(long_ones - listed):
        print("%s: %s (%s) is over %d lines with no reason in the table" % (doc, fn, file, limit))
        bad += 1
    for file, fn in sorted(listed - long_ones):
        print("%s: %s (%s) is in the table but not over %d lines" % (doc, fn, file, limit))
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
