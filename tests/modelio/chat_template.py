"""The chat template of mentor's exports, rendered as transformers renders
chat templates (jinja2's sandbox, trim_blocks, lstrip_blocks, loop
controls): every message shape gives the prompt `mentor serve` builds,
"<|ans|>" + the last user message's text + "<|sep|>", and the GGUF file
carries the same template as tokenizer_config.json.

usage: chat_template.py HF_DIR GGUF
exit 0 on agreement, 1 on a mismatch, 77 when jinja2 or numpy is missing."""
import json
import os
import sys

try:
    import jinja2
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    sys.exit(77)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from gpt2_reference import read_gguf
except SystemExit:
    sys.exit(77)

CASES = [
    ([{"role": "user", "content": "What is 3 + 4?"}], "What is 3 + 4?"),
    ([{"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Is the sky blue?"}], "Is the sky blue?"),
    ([{"role": "user", "content": "first"},
      {"role": "assistant", "content": "1"},
      {"role": "user", "content": "second"}], "second"),
    ([{"role": "user", "content": [{"type": "text", "text": "What is "},
                                   {"type": "image_url", "image_url": {"url": "x"}},
                                   {"type": "text", "text": "2 + 2?"}]}], "What is 2 + 2?"),
    ([{"role": "user", "content": "りんごは何個？ {{ x }} {% raw %}"}],
     "りんごは何個？ {{ x }} {% raw %}"),
]


def main():
    hf_dir, gguf = sys.argv[1], sys.argv[2]
    with open(os.path.join(hf_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        tc = json.load(f)
    tpl = tc.get("chat_template")
    ok = True
    if not isinstance(tpl, str):
        print("tokenizer_config.json has no chat_template")
        return 1
    kv, _ = read_gguf(gguf)
    if kv.get("tokenizer.chat_template") != tpl:
        print("GGUF tokenizer.chat_template differs from tokenizer_config.json's")
        ok = False
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    template = env.from_string(tpl)
    for messages, question in CASES:
        for gen in (True, False):
            got = template.render(messages=messages, add_generation_prompt=gen,
                                  bos_token=tc.get("bos_token"),
                                  eos_token=tc.get("eos_token"))
            want = "<|ans|>" + question + "<|sep|>"
            if got != want:
                print("messages %r rendered %r, expected %r" % (messages, got, want))
                ok = False
    print("chat template: %d cases %s" % (len(CASES), "agree" if ok else "DIFFER"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
