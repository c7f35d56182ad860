#!/bin/sh
# paper_effect: the paper's effect on the bundled arithmetic task. Trains the
# four variants (baseline, MT-Re, MT-Ra, MT-CoT) with the same preset, steps
# and seed on sample_datasets/arith.jsonl, evaluates each on the test split and
# prints one table: direct accuracy and explain-then-answer accuracy.
#
# usage: bench/paper_effect.sh [MENTOR_BIN]
# environment (defaults in brackets):
#   PRESET [tiny] STEPS [2500] BATCH [16] LR [0.002] VOCAB [512] SEED [1]
#   THREADS [2] SOURCE [gold] ALPHA [0.3] VARIANTS ["baseline mt-re mt-ra mt-cot"]
#   WORK [a new temporary directory; the workspace stays there]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${MENTOR_BIN:-$here/build/src/mentor}}
PRESET=${PRESET:-tiny}
STEPS=${STEPS:-2500}
BATCH=${BATCH:-16}
LR=${LR:-0.002}
VOCAB=${VOCAB:-512}
SEED=${SEED:-1}
THREADS=${THREADS:-2}
SOURCE=${SOURCE:-gold}
ALPHA=${ALPHA:-0.3}
VARIANTS=${VARIANTS:-baseline mt-re mt-ra mt-cot}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mentor-paper-XXXXXX")}
export MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-$here}
# sleeping, not spinning, idle OpenMP threads: much faster on a busy machine
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
. "$here/bench/blas_env.sh"
mkdir -p "$WORK"
db="$WORK/paper.db"

[ -x "$bin" ] || { echo "paper_effect: no mentor binary at '$bin'" >&2; exit 2; }
if [ ! -f "$db" ]; then
	"$bin" --db "$db" import "$MENTOR_DATA_DIR/sample_datasets/arith.jsonl" --name arith \
		>/dev/null
fi

# json_field FILE KEY: a number or null from the one-line JSON result
json_field() {
	sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1"
}

pct() {
	case $1 in
	null | "") echo "-" ;;
	*) awk -v v="$1" 'BEGIN { printf "%.1f", 100 * v }' ;;
	esac
}

echo "workspace: $db"
echo "settings: preset $PRESET, steps $STEPS, batch $BATCH, lr $LR, vocab $VOCAB," \
	"seed $SEED, threads $THREADS, source $SOURCE, alpha $ALPHA," \
	"OPENBLAS_CORETYPE ${OPENBLAS_CORETYPE:-default}"
for v in $VARIANTS; do
	out="$WORK/$v.json"
	"$bin" --db "$db" train arith --variant "$v" --source "$SOURCE" --alpha "$ALPHA" \
		--preset "$PRESET" --vocab "$VOCAB" --steps "$STEPS" --batch "$BATCH" --lr "$LR" \
		--seed "$SEED" --threads "$THREADS" --name "paper-$v" --json \
		>"$out" 2>"$WORK/$v.log" || {
		echo "paper_effect: training $v failed: $(tail -1 "$WORK/$v.log")" >&2
		exit 1
	}
done

printf '\n%-9s %6s %8s %8s %20s\n' variant steps minutes direct explain-then-answer
base=""
best_cot=""
for v in $VARIANTS; do
	out="$WORK/$v.json"
	steps=$(json_field "$out" step)
	secs=$(json_field "$out" train_seconds)
	acc=$(json_field "$out" accuracy)
	eacc=$(json_field "$out" expl_accuracy)
	mins=$(awk -v s="$secs" 'BEGIN { printf "%.2f", s / 60 }')
	printf '%-9s %6s %8s %7s%% %19s%s\n' "$v" "$steps" "$mins" "$(pct "$acc")" \
		"$(pct "$eacc")" "$([ "$eacc" = null ] && echo " " || echo "%")"
	[ "$v" = baseline ] && base=$acc
	if [ "$v" = mt-cot ]; then
		best_cot=$(awk -v a="$acc" -v b="$eacc" 'BEGIN { if (b != "null" && b > a) a = b; print a }')
	fi
done
if [ -n "$base" ] && [ -n "$best_cot" ]; then
	awk -v c="$best_cot" -v b="$base" 'BEGIN {
		d = 100 * (c - b)
		verdict = (d >= 10) ? "shown" : "not shown"
		printf "\nmt-cot (better mode) - baseline: %+.1f points (%s: the paper effect needs >= 10)\n",
			d, verdict }'
fi
