#!/bin/sh
# test_train_cli: the training commands end to end through the mentor binary
# ($MENTOR_BIN): train in the foreground and detached, runs, eval, predict,
# stop and resume, usage errors (exit 2), runtime errors (exit 1), and a
# corrupted checkpoint reported on one line.
set -u
bin=${MENTOR_BIN:?MENTOR_BIN not set}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mentor-train-cli-XXXXXX") || exit 99
trap 'kill $(cat "$dir/pid" 2>/dev/null) 2>/dev/null; rm -rf "$dir"' EXIT
db="$dir/w.db"
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect CODE CMD...: run mentor, keep stdout/stderr, check the exit code
expect() {
	want=$1
	shift
	"$bin" --db "$db" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	[ "$got" = "$want" ] || fail "mentor $* exited $got, expected $want: $(cat "$dir/err")"
}

has() { grep -q -- "$1" "$dir/$2" || fail "'$1' not in $2: $(cat "$dir/$2")"; }
one_line_err() { [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$dir/err")"; }

# a small addition dataset in the generic layout
i=0
: >"$dir/toy.jsonl"
while [ $i -lt 120 ]; do
	a=$((i % 10)); b=$(((i / 10 + i * 3) % 10)); s=train
	[ $i -ge 100 ] && s=dev
	[ $i -ge 110 ] && s=test
	printf '{"id":"t%d","question":"What is %d + %d?","answer":"%d","answer_type":"number","rationale":"%d + %d = %d.","split":"%s"}\n' \
		$i $a $b $((a + b)) $a $b $((a + b)) $s >>"$dir/toy.jsonl"
	i=$((i + 1))
done
expect 0 import "$dir/toy.jsonl" --name toy

tiny="--layers 1 --width 32 --heads 2 --context 48 --vocab 300 --batch 8 --threads 1"

# help and usage errors
for c in train runs eval predict stop; do
	expect 0 $c --help
	has usage out
done
expect 2 train
one_line_err
expect 2 train toy --variant nope
one_line_err
has "unknown variant" err
expect 2 train toy --steps 0
expect 2 train toy --alpha 2
expect 2 train toy --preset huge
has "unknown preset" err
expect 2 train toy --heads 3 --width 32
one_line_err
expect 2 train toy --bogus
expect 1 train nosuch --steps 5
one_line_err
has "no dataset 'nosuch'" err
expect 2 eval
expect 2 eval 999
has "no run '999'" err
expect 2 predict 1
expect 2 stop
expect 2 runs extra

# the option tables: both forms of a value, values checked as before, an
# unknown option named with its command, the lines read as given
expect 2 train toy --bogus=1
has "unknown option '--bogus' for 'train'; see 'mentor train --help'" err
one_line_err
expect 2 train toy --steps
has "option '--steps' needs a value" err
expect 2 train toy --steps=0
has "invalid value '0' for '--steps': expected 1..100000000" err
expect 2 train toy --eval-split=all
has "invalid split 'all': expected test, dev, train or none" err
expect 2 train toy other
has "unexpected argument 'other'" err
expect 2 eval 1 --split=none
has "invalid split 'none': expected train, dev or test" err
expect 2 eval 1 2
has "unexpected argument '2'" err
expect 2 predict 1 Q extra
has "unexpected argument 'extra'" err
expect 2 predict 1 Q --top 3
has "'--top' goes with --logits" err
for c in runs eval predict stop; do
	expect 2 $c --nope
	has "unknown option '--nope' for '$c'" err
done
expect 0 --parse-only train toy --steps=3 --layers 2 --detach
has '^{"command":"train","args":\[\[null,"toy"\],\["--steps","3"\],\["--layers","2"\],\["--detach",null\]\],"dashdash":-1}$' out
cp "$dir/out" "$dir/eq"
expect 0 --parse-only train toy --steps 3 --layers=2 --detach
cmp -s "$dir/out" "$dir/eq" || fail "--opt=VALUE and --opt VALUE read differently"
expect 0 --parse-only predict 1 -- --logits
has '\[null,"--logits"\]' out
expect 0 --parse-only eval 1 --split=dev --json
has '\["--split","dev"\],\["--json",null\]' out
expect 0 train --help
has "--layers N, --width N, --heads N, --context N" out
has "Exit status: 0 done" out

# a multi-task run on accepted explanations needs some
expect 1 train toy --variant mt-cot $tiny --steps 3
one_line_err
has "no accepted explanations" err

# train in the foreground
expect 0 train toy --variant mt-cot --source gold $tiny --steps 40 --name first --json
has '"status":"done"' out
has '"accuracy":' out
id=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
[ -n "$id" ] || fail "no run id in $(cat "$dir/out")"
[ -f "$db.runs/$id/ckpt.bin" ] || fail "no checkpoint at $db.runs/$id/ckpt.bin"
expect 0 runs
has "first" out
has "mt-cot" out
has "done" out
expect 0 runs --json
has "\"name\":\"first\"" out
has '"status":"done"' out
has '"expl_accuracy":' out
has '"source":"gold","alpha":0.3' out
has '"seed":[0-9]' out

# a baseline learns from answers only: no source anywhere, alpha 1
expect 0 train toy $tiny --steps 3 --name base3 --json
expect 0 runs
grep -q "^[0-9]* *base3 .* baseline - " "$dir/out" || fail "baseline source shown: $(grep base3 "$dir/out")"
expect 0 runs --json
has '"name":"base3","dataset":"toy","variant":"baseline","source":null,"alpha":1' out
grep -o '"name":"base3".*' "$dir/out" | grep -q '"config":{[^}]*"source":null,"alpha":1,' ||
	fail "baseline config: $(grep -o '"name":"base3".*' "$dir/out" | head -c 400)"
expect 0 eval first --split dev --json
has '"split":"dev","n":10' out
has '"expl_accuracy":' out
has '"check":{"explanations":10,"sound":[0-9]*,"no_steps":[0-9]*,"right_answer_wrong_reasoning":[0-9]*,"sound_share":' out
expect 0 eval "$id"
has "direct" out
has "explain-then-answer" out
has "^explanations checked: .*% sound (.*/10), .* right answers from wrong reasoning" out
expect 0 predict "$id" "What is 2 + 3?"
has "^answer: " out
has "^explanation: " out
expect 0 predict "$id" "What is 2 + 3?" --json
has '"explanation":' out
expect 2 predict "$id" "Q" --choices '{'
expect 2 stop "$id"
has "not running" err
expect 2 train --resume "$id"
has "already done" err

# baseline: answer task only, no explanation in predictions
expect 0 train toy $tiny --steps 10 --eval-split none --json
has '"status":"done"' out
bid=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
expect 0 predict "$bid" "What is 1 + 1?"
grep -q "^explanation" "$dir/out" && fail "baseline printed an explanation"

# a workspace named relatively records its checkpoint absolutely
(cd "$dir" && "$bin" --db w.db train toy $tiny --steps 5 --eval-split none --json) \
	>"$dir/out" 2>"$dir/err" || fail "relative workspace: $(cat "$dir/err")"
grep -q '"checkpoint":"/' "$dir/out" || fail "checkpoint not absolute: $(cat "$dir/out")"
rid=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
(cd / && "$bin" --db "$db" eval "$rid" --split dev >/dev/null 2>"$dir/err") ||
	fail "eval from another directory: $(cat "$dir/err")"

# --init-from: a run, or a model folder imported on the way
expect 2 train toy --init-from no-such-model
has "no run and no model file" err
one_line_err
expect 2 train toy --init-from "$rid" --layers 2
has "cannot be combined with --init-from" err
expect 2 train --resume "$rid" --init-from "$rid"
expect 0 train toy --init-from "$rid" --variant mt-cot --source gold --steps 4 --batch 4 \
	--threads 1 --eval-split none --json
ft=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
# cfg RUN KEY: one value of a run's configuration, as 'runs --json' shows it
cfg() {
	"$bin" --db "$db" runs --json | python3 -c 'import json, sys
for r in json.load(sys.stdin):
    if r["id"] == int(sys.argv[1]):
        print(r["config"].get(sys.argv[2]))' "$1" "$2"
}
[ "$(cfg "$ft" init_from)" = "$rid" ] || fail "init_from not in run $ft's configuration"
[ "$(cfg "$ft" lr)" = "0.0001" ] || fail "fine-tuning lr not the default: $(cfg "$ft" lr)"
# a fine-tuned run is a run like any other: eval, predict, export, import
expect 0 eval "$ft" --split dev
has "direct" out
expect 0 export-model "$ft" --format hf --out "$dir/ft-hf"
expect 0 import-model "$dir/ft-hf" --name ft-back --dataset toy
expect 0 predict "$ft" "What is 2 + 3?" --json
cp "$dir/out" "$dir/p1"
expect 0 predict ft-back "What is 2 + 3?" --json
cmp -s "$dir/p1" "$dir/out" || fail "the re-imported fine-tuned run answers differently: $(cat "$dir/p1") vs $(cat "$dir/out")"
expect 0 export-model "$rid" --format hf --out "$dir/start-hf"
expect 0 train toy --init-from "$dir/start-hf" --steps 3 --batch 4 --threads 1 --eval-split none \
	--lr 0.001 --json
has "imported $dir/start-hf as run" err
ft=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
[ "$(cfg "$ft" lr)" = "0.001" ] || fail "--lr not kept with --init-from: $(cfg "$ft" lr)"
[ "$(cfg "$ft" init_from)" = "$((ft - 1))" ] || fail "not started from the imported run"
expect 2 experiment toy --init-from "$rid" --preset small

# detached: start, watch progress from here, stop, resume
expect 0 train toy --variant mt-re --source gold $tiny --steps 100000 --ckpt-every 50 \
	--eval-split none --detach --json
has '"pid":' out
did=$(sed -n 's/^{"run":\([0-9]*\),.*/\1/p' "$dir/out")
sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$dir/out" >"$dir/pid"
n=0
while [ $n -lt 600 ]; do
	"$bin" --db "$db" runs --json >"$dir/runs" 2>/dev/null
	grep -q "\"id\":$did,[^}]*\"status\":\"running\",[^}]*\"step\":[1-9]" "$dir/runs" && break
	sleep 0.1
	n=$((n + 1))
done
grep -q "\"id\":$did,[^}]*\"status\":\"running\"" "$dir/runs" || fail "detached run never ran: $(cat "$dir/runs")"
expect 2 train --resume "$did"
has "already running" err
expect 0 stop "$did" --wait
has "stopped" out
expect 0 runs --json
grep -q "\"id\":$did,[^}]*\"status\":\"stopped\"" "$dir/out" || fail "run not stopped: $(cat "$dir/out")"
[ -f "$db.runs/$did/ckpt.bin" ] || fail "stopped run has no checkpoint"
[ -s "$db.runs/$did/log.txt" ] || fail "detached run wrote no log"
expect 2 train --resume "$did" --lr 0.1
has "options differ" err
one_line_err
expect 2 train other --resume "$did"
# a checkpoint write a kill cut short left its temporary file: a dead
# process's one goes when the run resumes
sh -c 'exit 0' & deadpid=$!
wait $deadpid
printf 'partial' >"$db.runs/$did/ckpt.bin.tmp.$deadpid"
# the original command line with --resume added goes on with the run
expect 0 train toy --variant mt-re --source gold $tiny --steps 100000 --ckpt-every 50 \
	--eval-split none --detach --resume "$did"
has "run $did started" out
expect 0 stop "$did" --wait
[ ! -e "$db.runs/$did/ckpt.bin.tmp.$deadpid" ] || fail "stale checkpoint temp file left"
has "run $did stopped" out
expect 0 eval "$did" --split test
has "direct" out

# a corrupted checkpoint: one clear line, exit 1
size=$(wc -c <"$db.runs/$id/ckpt.bin")
printf 'garbage' | dd of="$db.runs/$id/ckpt.bin" bs=1 seek=$((size - 64)) conv=notrunc 2>/dev/null
expect 1 eval "$id"
one_line_err
has "checksum mismatch" err
: >"$db.runs/$id/ckpt.bin"
expect 1 predict "$id" "What is 1 + 1?"
one_line_err
has "truncated" err

[ $fails -eq 0 ] || exit 1
echo "ok"
