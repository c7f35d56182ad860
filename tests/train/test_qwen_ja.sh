#!/bin/sh
# test_qwen_ja.sh: Japanese end to end with a Qwen-shaped student. A small
# Qwen3-shaped folder (random weights, Qwen's real tokenizer.json from
# ../shared/tokenizers/qwen3; qwen_fixture.py) is imported, fine-tuned
# with MT-CoT on the bundled Japanese factory set (its gold rationales), and
# the run is evaluated and reported in Japanese:
#   - the import is a llama-family run with Qwen's vocabulary, and the run
#     encodes a Japanese answer sentence to Qwen's own ids;
#   - the loss falls, for the answers and for the explanations (the mean of
#     the last three steps at least 1.5 nats under the first three);
#   - eval answers every test item; the Japanese report holds the factory
#     questions whole (no U+FFFD) in a page marked lang="ja";
#   - --checkpointing and --freeze-embeddings behave as documented;
#   - the fine-tuned run exports to Hugging Face and GGUF in Qwen's
#     numbering and imports again with the same logits.
# Skipped (77) without ../shared or a python3 with torch.
set -u
SRC=${MENTOR_SOURCE_DIR:?MENTOR_SOURCE_DIR not set}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
TOK="$SRC/../shared/tokenizers/qwen3"
[ -f "$TOK/tokenizer.json" ] || { echo "SKIP: $TOK is absent"; exit 77; }
. "$SRC/tests/torch_py.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-qwen-ja-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
"$py" "$SRC/tests/train/qwen_fixture.py" "$T/qwen" "$TOK" || exit 99
M() { "$BIN" --db "$T/ws.db" "$@"; }
M init >/dev/null 2>&1 || exit 99

M import-model "$T/qwen" >"$T/import.out" 2>&1 || { cat "$T/import.out"; exit 1; }
grep -q "as run 1 (llama family, [0-9]* parameters, 151676 tokens)" "$T/import.out" ||
	bad "import says: $(cat "$T/import.out")"
M runs --json >"$T/runs.json" || exit 1
grep -q '"arch":"llama"' "$T/runs.json" || bad "the imported run is not a llama-family run"

# a Japanese sentence in Qwen's ids (checked against Qwen's tokenizer in
# tests/modelio/test_qwen_tokenizer)
ids=$(M tokenize 1 "不良率は2%です。したがって、答えは 2 です。") || bad "tokenize failed"
want="102366 95355 15322 17 4 37541 1773 54951 28195 75847 5373 136885 15322 220 17 220 37541 1773"
[ "$ids" = "$want" ] || bad "ids '$ids', want '$want'"

M train factory-ja --variant mt-cot --source gold --init-from 1 --steps 20 --batch 4 \
	--lr 3e-3 --warmup 2 --eval-split test --val-every 0 --eval-every 0 \
	>"$T/train.out" 2>"$T/train.err" || { cat "$T/train.err"; exit 1; }
# "step N/20 loss L (ans A exp E) ...": the first and last three steps
"$py" - "$T/train.err" <<'PY' || fail=1
import re, sys
rows = [tuple(float(x) for x in m.groups())
        for m in re.finditer(r"step \d+/20 loss (\S+) \(ans (\S+) exp (\S+)\)",
                             open(sys.argv[1], encoding="utf-8").read())]
if len(rows) != 20:
    sys.exit("FAIL: %d step lines, not 20" % len(rows))
bad = 0
for k, name in enumerate(("loss", "answer loss", "explanation loss")):
    first = sum(r[k] for r in rows[:3]) / 3
    last = sum(r[k] for r in rows[-3:]) / 3
    ok = last <= first - 1.5
    print("%s %s: %.3f -> %.3f" % ("ok" if ok else "FAIL", name, first, last))
    bad += not ok
sys.exit(1 if bad else 0)
PY
M runs --json >"$T/runs.json" || exit 1
grep -q '"status":"done"' "$T/runs.json" || bad "the fine-tuned run is not done"

# the memory options: checkpointing gives the same losses to the bit (steps
# 1-3 share the warm-up's learning rates whatever the run's length); a
# frozen embedding and head give the same first loss, then others; a GPT-2
# run refuses both
steps3() { sed -n 's/^step \([123]\)\/[0-9]* loss \([^ ]*\) (ans \([^ ]*\) exp \([^)]*\)).*/\1 \2 \3 \4/p' "$1"; }
M train factory-ja --variant mt-cot --source gold --init-from 1 --steps 3 --batch 4 \
	--lr 3e-3 --warmup 2 --eval-split none --val-every 0 --eval-every 0 --checkpointing \
	>/dev/null 2>"$T/ckpt.err" || { cat "$T/ckpt.err"; exit 1; }
[ "$(steps3 "$T/ckpt.err")" = "$(steps3 "$T/train.err")" ] ||
	bad "checkpointing changed the losses: $(steps3 "$T/ckpt.err") against $(steps3 "$T/train.err")"
M train factory-ja --variant mt-cot --source gold --init-from 1 --steps 3 --batch 4 \
	--lr 3e-3 --warmup 2 --eval-split none --val-every 0 --eval-every 0 --checkpointing \
	--freeze-embeddings >/dev/null 2>"$T/frozen.err" || { cat "$T/frozen.err"; exit 1; }
f1=$(steps3 "$T/frozen.err" | sed -n 1p) t1=$(steps3 "$T/train.err" | sed -n 1p)
f2=$(steps3 "$T/frozen.err" | sed -n 2p) t2=$(steps3 "$T/train.err" | sed -n 2p)
[ -n "$f1" ] && [ "$f1" = "$t1" ] || bad "frozen run's first step '$f1', not '$t1'"
[ -n "$f2" ] && [ "$f2" != "$t2" ] || bad "frozen run's second step '$f2' equals the unfrozen '$t2'"
M runs --json | grep -q '"freeze_embeddings":true' || bad "the frozen run's config does not say so"
M train factory-ja --steps 3 --checkpointing >/dev/null 2>"$T/gpt2.err"
[ $? -eq 2 ] && grep -q "llama-family" "$T/gpt2.err" || bad "a GPT-2 run took --checkpointing"
M eval 2 --split test >"$T/eval.out" 2>&1 || bad "eval failed: $(cat "$T/eval.out")"
grep -q "(0/8)\|([0-9]/8)" "$T/eval.out" || bad "eval did not answer the 8 test items: $(cat "$T/eval.out")"
M report 2 -o "$T/r.html" --lang ja >/dev/null 2>&1 || bad "report failed"
grep -q '<html lang="ja">' "$T/r.html" || bad "the report is not marked Japanese"
q=$(grep -c "不良品" "$T/r.html")
[ "$q" -ge 1 ] || bad "the report does not hold the factory questions"
if grep -q "$(printf '\357\277\275')" "$T/r.html"; then
	bad "the report holds U+FFFD (a broken character)"
fi
# the fine-tuned student exported (Hugging Face, GGUF) in Qwen's numbering,
# mentor's task markers after Qwen's last id, and imported again: the same
# next-token logits
q="検査で3本が不良でした。"
M predict 2 "$q" --logits --top 3 --task exp >"$T/l2" 2>&1 || bad "predict --logits failed"
M export-model 2 --format safetensors --out "$T/hf" >/dev/null 2>&1 || bad "HF export failed"
M export-model 2 --format gguf --out "$T/m.gguf" >/dev/null 2>&1 || bad "GGUF export failed"
grep -q '"id": 151669, "content": "<|ans|>"' "$T/hf/tokenizer.json" ||
	bad "the exported tokenizer lacks <|ans|> at 151669"
grep -q '"vocab_size": 151676' "$T/hf/config.json" || bad "exported vocab_size: $(grep vocab "$T/hf/config.json")"
for f in hf m.gguf; do
	M import-model "$T/$f" --name "re-$f" >/dev/null 2>&1 || { bad "re-import of $f"; continue; }
	M predict "re-$f" "$q" --logits --top 3 --task exp >"$T/l-$f" 2>&1
	cmp -s "$T/l2" "$T/l-$f" || bad "re-imported $f gives other logits: $(cat "$T/l-$f")"
done
[ "$fail" -eq 0 ] && echo "ok: imported, fine-tuned, evaluated and reported in Japanese"
exit "$fail"
