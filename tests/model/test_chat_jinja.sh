#!/bin/sh
# test_chat_jinja.sh PROGRAM: the Qwen3 chat renderer (src/chat.c) must
# give, byte for byte, what Jinja renders from Qwen's real chat template
# (../shared/tokenizers/qwen3/tokenizer_config.json) the way transformers
# runs it (a sandboxed environment with trim_blocks and lstrip_blocks), for
# every case test_chat --dump prints; and chat_detect must recognise that
# template as qwen3. Skipped (77) without the shared tokenizers or jinja2.
set -u
PROG=${1:?usage: test_chat_jinja.sh PROGRAM}
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
CFG="$SRC/../shared/tokenizers/qwen3/tokenizer_config.json"
[ -f "$CFG" ] || { echo "SKIP: $CFG is absent"; exit 77; }
/usr/bin/python3 -c 'import jinja2' 2>/dev/null ||
	{ echo "SKIP: no jinja2 (apt-get install python3-jinja2)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-chat-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 -c 'import json, sys
sys.stdout.write(json.load(open(sys.argv[1], encoding="utf-8"))["chat_template"])' "$CFG" \
	>"$T/template.jinja" || exit 99
kind=$("$PROG" --detect "$T/template.jinja") || exit 1
[ "$kind" = qwen3 ] || { echo "FAIL: detected '$kind', not qwen3"; exit 1; }
"$PROG" --dump >"$T/cases.json" || exit 1
/usr/bin/python3 - "$T/template.jinja" "$T/cases.json" <<'PY'
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
tpl = env.from_string(open(sys.argv[1], encoding="utf-8").read())
cases = json.load(open(sys.argv[2], encoding="utf-8"))
bad = 0
for i, c in enumerate(cases):
    want = tpl.render(messages=c["messages"], add_generation_prompt=c["add_generation_prompt"],
                      enable_thinking=c["enable_thinking"])
    if want != c["rendered"]:
        bad += 1
        print("case %d differs:\n  jinja  %r\n  mentor %r" % (i, want, c["rendered"]))
print("%d cases, %d differ" % (len(cases), bad))
if len(cases) < 10:
    print("too few cases")
    bad += 1
sys.exit(1 if bad else 0)
PY
