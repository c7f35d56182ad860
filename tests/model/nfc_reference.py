#!/usr/bin/python3
"""nfc_reference.py: lines "INPUT<TAB>NFC" (UTF-8 in hex) from Python's
unicodedata, for test_unicode_nfc: every code point on its own (surrogates
excepted), each after "a" and before U+0301 and U+0308, and 20,000 random
sequences (a fixed seed) drawn from starters, combining marks, Hangul
jamo and syllables, precomposed letters and composition exclusions."""
import random
import sys
import unicodedata


def line(s):
    return "%s\t%s\n" % (s.encode().hex(), unicodedata.normalize("NFC", s).encode().hex())


def main():
    out = sys.stdout
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        out.write(line(c))
        if unicodedata.combining(c) or unicodedata.decomposition(c):
            out.write(line("a" + c + "\u0301\u0308"))
    marks = [cp for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))][:400]
    pool = (list("aeiouAEIOUnczsyw ") + [chr(m) for m in marks] +
            ["\u1100", "\u1112", "\u1161", "\u1175", "\u11a8", "\u11c2", "\uac00",
             "\ud7a3", "\uac01", "\u00e9", "\u00c5", "\u212b", "\u2126", "\u0958",
             "\u0344", "\u0f73", "\u0f75", "\u0f81", "\u1e9b", "\u3099", "\u309a",
             "\u304b", "\u30cf", "\u0928", "\u093c", "\u0cc6", "\u0cc2", "\u0cd5",
             "\u0dd9", "\u0dcf", "\u0dca", "\U0001d15e", "\U0001d165", "\U0001d16e",
             "\u05d0", "\u05b8", "\u05bc", "\ufb2f"])
    rnd = random.Random(20261206)
    for _ in range(20000):
        out.write(line("".join(rnd.choice(pool) for _ in range(rnd.randint(1, 8)))))


if __name__ == "__main__":
    main()
