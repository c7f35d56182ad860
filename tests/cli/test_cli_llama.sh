#!/bin/sh
# test_cli_llama: a Llama-family student through the mentor binary ($1 or
# $MENTOR_BIN): train --arch llama, the run named llama in runs and runs
# --json, eval, predict, serve, stop and resume, --init-from a llama run,
# experiment, --model-config with a Hugging Face config.json, export to GGUF
# and Hugging Face and import again (the same logits), and usage errors for
# bad architectures and configs.
set -u
bin=${1:-${MENTOR_BIN:?MENTOR_BIN not set}}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mentor-cli-llama-XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
db="$dir/w.db"
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

expect() {
	want=$1
	shift
	"$bin" --db "$db" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	[ "$got" = "$want" ] || fail "mentor $* exited $got, expected $want: $(cat "$dir/err")"
}

has() { grep -q -- "$1" "$dir/$2" || fail "'$1' not in $2: $(cat "$dir/$2")"; }
one_line_err() {
	[ "$(wc -l <"$dir/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$dir/err")"
}
run_id() { sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out"; }

i=0
: >"$dir/toy.jsonl"
while [ $i -lt 80 ]; do
	a=$((i % 10)); b=$(((i / 10 + i * 3) % 10)); s=train
	[ $i -ge 64 ] && s=dev
	[ $i -ge 72 ] && s=test
	printf '{"id":"t%d","question":"What is %d + %d?","answer":"%d","answer_type":"number","rationale":"%d + %d = %d.","split":"%s"}\n' \
		$i $a $b $((a + b)) $a $b $((a + b)) $s >>"$dir/toy.jsonl"
	i=$((i + 1))
done
expect 0 import "$dir/toy.jsonl" --name toy

tiny="--layers 1 --width 32 --heads 4 --context 48 --vocab 300 --batch 8 --threads 1"

# usage errors
expect 2 train toy --arch bert $tiny --steps 3
one_line_err
has "unknown architecture 'bert'" err
echo '{"model_type":"bert","hidden_size":32}' >"$dir/bert.json"
expect 2 train toy --model-config "$dir/bert.json" --steps 3
one_line_err
has "invalid model config" err
expect 2 train toy --model-config "$dir/nosuch.json" --steps 3
one_line_err
echo '{"model_type":"qwen2","hidden_size":32,"intermediate_size":64,"num_hidden_layers":1,
"num_attention_heads":4,"num_key_value_heads":2,"max_position_embeddings":64,
"vocab_size":151936,"tie_word_embeddings":true,"rope_theta":1000000.0}' >"$dir/qwen2.json"
expect 2 train toy --arch gpt2 --model-config "$dir/qwen2.json" --steps 3
has "cannot be combined" err
expect 2 train toy --model-config "$dir/qwen2.json" --layers 2 --steps 3
has "cannot be combined" err

# a llama run, evaluated at the end
expect 0 train toy --arch llama --variant mt-cot --source gold $tiny --steps 30 --name ll --json
has '"status":"done"' out
has '"accuracy":' out
id=$(run_id)
[ -n "$id" ] || fail "no run id in $(cat "$dir/out")"
expect 0 runs
grep -q "^$id *ll *toy *llama *mt-cot" "$dir/out" || fail "runs: $(cat "$dir/out")"
expect 0 runs --json
has '"name":"ll","dataset":"toy","variant":"mt-cot","source":"gold","alpha":0.3,"arch":"llama"' out
has '"arch":"llama","llama":{"family":0,"vocab_size":' out
expect 0 eval ll --split dev --json
has '"split":"dev","n":8' out
has '"expl_accuracy":' out
expect 0 predict ll "What is 2 + 3?"
has "^answer: " out
has "^explanation: " out
expect 0 predict ll "What is 2 + 3?" --json
has '"explanation":' out
# exported (GGUF and Hugging Face) and imported again: the same next-token
# logits as the run itself
expect 0 export-model ll --out "$dir/ll.gguf"
has "^wrote .*ll.gguf (gguf" out
expect 0 export-model ll --format safetensors --out "$dir/ll-hf"
has '"model_type": "llama"' ll-hf/config.json
has '"<|ans|>"' ll-hf/tokenizer.json
expect 0 predict ll "What is 2 + 3?" --logits --top 3
cp "$dir/out" "$dir/logits.ll"
for f in ll.gguf ll-hf; do
	expect 0 import-model "$dir/$f" --name "re-$f"
	expect 0 predict "re-$f" "What is 2 + 3?" --logits --top 3
	cmp -s "$dir/out" "$dir/logits.ll" || fail "re-imported $f: $(cat "$dir/out")"
done

# served: the answer predict gives, over HTTP (with curl, when there is one)
if command -v curl >/dev/null 2>&1; then
	"$bin" --db "$db" serve ll --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
	spid=$!
	n=0
	while [ $n -lt 300 ] && ! grep -q "listening on" "$dir/serve.out"; do
		sleep 0.1
		n=$((n + 1))
	done
	port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$dir/serve.out")
	curl -s -m 60 "http://127.0.0.1:$port/v1/completions" -d '{"prompt":"What is 2 + 3?"}' \
		>"$dir/http" || fail "serve: no answer: $(cat "$dir/serve.err")"
	kill "$spid"
	wait "$spid"
	grep -q '"object":"text_completion"' "$dir/http" || fail "serve: $(cat "$dir/http")"
	grep -q '"mentor":{"answer":' "$dir/http" || fail "serve: $(cat "$dir/http")"
else
	echo "note: no curl; 'mentor serve' of a llama run not tried" >&2
fi

# a run from a Hugging Face config.json: Qwen2's biases, the tokenizer's vocabulary
expect 0 train toy --model-config "$dir/qwen2.json" --vocab 300 --batch 8 --threads 1 \
	--steps 4 --eval-split none --name qw --json
has '"status":"done"' out
expect 0 runs --json
grep -o '"name":"qw".*' "$dir/out" | grep -q '"llama":{"family":1,"vocab_size":300,"hidden_size":32,"intermediate_size":64,"n_layer":1,"n_head":4,"n_kv_head":2,"head_dim":8,"max_seq_len":64,.*"attention_bias":1' ||
	fail "qwen2 config: $(grep -o '"name":"qw".*' "$dir/out" | head -c 700)"

# stopped wherever a stop lands (queued, between checkpoints, or after the
# end) and resumed: the final loss of an uninterrupted run
expect 0 train toy --arch llama $tiny --steps 12 --ckpt-every 4 --eval-split none \
	--name whole --json
"$bin" --db "$db" train toy --arch llama $tiny --steps 12 --ckpt-every 4 --eval-split none \
	--name part --detach >/dev/null 2>&1 || fail "detach failed"
"$bin" --db "$db" stop part >/dev/null 2>&1
n=0
while [ $n -lt 600 ]; do
	"$bin" --db "$db" runs --json >"$dir/runs" 2>/dev/null
	grep -o '"name":"part"[^}]*"status":"[a-z]*"' "$dir/runs" | grep -q '"status":"\(done\|stopped\|failed\)"' && break
	sleep 0.2
	n=$((n + 1))
done
grep -o '"name":"part"[^}]*"status":"[a-z]*"' "$dir/runs" | grep -q '"status":"done"' ||
	expect 0 train --resume part --json
expect 0 runs --json
# the final loss of one run's object (cut before the next run's)
final_loss() {
	grep -o "\"name\":\"$1\".*" "$dir/out" | sed 's/},{"id".*//' |
		sed -n 's/.*"loss":\([0-9.e+-]*\).*/\1/p'
}
w=$(final_loss whole)
p=$(final_loss part)
l=$(final_loss ll)
[ "$w" != "$l" ] || fail "two different runs show one loss: $w"
[ -n "$w" ] && [ "$w" = "$p" ] || fail "resumed llama run loss $p, uninterrupted $w"
expect 2 train --resume whole
has "already done" err

# --init-from a llama run: its shape and tokenizer; no shape options
expect 2 train toy --init-from ll --arch llama --steps 2
has "cannot be combined with --init-from" err
expect 0 train toy --init-from ll --variant mt-cot --source gold --batch 8 --threads 1 \
	--steps 3 --eval-split none --name ft --json
has '"status":"done"' out
expect 0 runs --json
grep -o '"name":"ft".*' "$dir/out" | grep -q '"arch":"llama"' || fail "init-from run is not llama"
expect 0 predict ft "What is 1 + 1?"
has "^answer: " out

# an experiment of llama students
expect 2 experiment toy --arch bert --seeds 1
has "unknown architecture 'bert'" err
expect 2 experiment toy --arch llama --init-from ll --seeds 1
has "cannot be combined with --init-from" err
expect 0 experiment toy --arch llama --seeds 1 --variants baseline,mt-cot --source gold \
	--steps 3 --batch 4 --threads 1
expect 0 runs
[ "$(grep -c "exp1 .* llama " "$dir/out")" = 2 ] || fail "experiment runs: $(cat "$dir/out")"

[ $fails -eq 0 ] || exit 1
echo ok
