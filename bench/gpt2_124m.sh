#!/bin/sh
# gpt2_124m: training throughput at GPT-2 small's shape (12 layers, width
# 768, 12 heads, context 1024, vocabulary 50,257; 124,439,808 parameters),
# mentor (bench/model_bench) against PyTorch on the CPU (bench/torch_gpt.py,
# the identical model and batch), in alternating rounds with the same thread
# count and OpenBLAS settings. Each program probes the sgemm peak (1536^3,
# the same OpenBLAS, 1 s of calls) before every timing window and after the
# last: MFU is against the sustained sgemm rate measured around each window
# (the same interruptions by other processes), and strictly against the
# fastest single call of the run. Prints each round as it ends, then a table
# with min-max over the rounds.
# Usage: [nice -n -10] bench/gpt2_124m.sh [MODEL_BENCH_BINARY]
# Environment: SHAPES ("2x1024 8x256": batch x sequence length), ROUNDS (3),
# ACCUM (1: micro-batches per optimizer step), STEPS (2), WINDOWS (2),
# WARMUP (1), THREADS (2), DECODE (128 tokens of greedy decoding, batch 1;
# 0 for none), TORCH (1; 0 skips PyTorch). OPENBLAS_CORETYPE and
# OMP_WAIT_POLICY are passed on to both programs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
	for d in "$here"/../build*/bench; do
		[ -x "$d/model_bench" ] && bin="$d/model_bench" && break
	done
fi
[ -x "$bin" ] || { echo "gpt2_124m: model_bench not found (build it: ninja -C BUILD bench/model_bench)" >&2; exit 2; }
shapes=${SHAPES:-"2x1024 8x256"}
rounds=${ROUNDS:-3}
accum=${ACCUM:-1}
steps=${STEPS:-2}
windows=${WINDOWS:-2}
warmup=${WARMUP:-1}
threads=${THREADS:-2}
decode=${DECODE:-128}
py=/usr/bin/python3
torch=${TORCH:-1}
if [ "$torch" = 1 ] && ! "$py" -c 'import torch' 2>/dev/null; then
	echo "gpt2_124m: python3-torch missing (apt-get install -y python3-torch); mentor only" >&2
	torch=0
fi
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
. "$here/blas_env.sh"
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}" \
	"OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default} nice=$(nice)"
echo "shapes: $shapes; $rounds rounds; $accum micro-batch(es) per step; $warmup warm-up" \
	"step(s), then $windows windows of $steps steps"
res=$(mktemp) || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$res" "$out"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
# val KEY: the value of KEY=... on the RESULT line of $out
val() { sed -n "s/^RESULT.* $1=\([0-9.]*\).*/\1/p; s/^RESULT $1=\([0-9.]*\).*/\1/p" "$out" | head -n 1; }

run_mentor() { # shape round
	b=${1%x*} t=${1#*x}
	l0=$(load)
	"$bin" --preset gpt2 --batch "$b" --ctx "$t" --accum "$accum" --threads "$threads" \
		--steps "$steps" --windows "$windows" --warmup "$warmup" --decode-tokens "$decode" \
		--no-rss >"$out" 2>&1 || { cat "$out"; echo "gpt2_124m: model_bench failed" >&2; exit 1; }
	l1=$(load)
	grep -E '^(window|sgemm over|achieved|decoding)' "$out" | sed 's/^/    /'
	echo "mentor $1 $2 $(val train_tokens_per_s) $(val train_min) $(val train_max)" \
		"$(val mfu_pct) $(val sgemm_gflops) $(val rss_mib) $(val decode_tokens_per_s) $l0 $l1" \
		"$(val mfu_best_pct) $(val sgemm_best)" >>"$res"
	tail -n 1 "$res" | awk '{ printf "  mentor  %s round %s: %s tokens/s, MFU %s%% (best call %s%%), sgemm %s (best %s) GFLOP/s, RSS %s MiB, load %s-%s\n", $2, $3, $4, $7, $13, $8, $14, $9, $11, $12 }'
}

run_torch() { # shape round
	b=${1%x*} t=${1#*x}
	l0=$(load)
	"$py" "$here/torch_gpt.py" --preset gpt2 --batch "$b" --ctx "$t" --accum "$accum" \
		--threads "$threads" --steps "$steps" --windows "$windows" --warmup "$warmup" \
		>"$out" 2>&1 || { cat "$out"; echo "gpt2_124m: torch_gpt.py failed" >&2; exit 1; }
	l1=$(load)
	grep -E '^(window|sgemm over|MFU)' "$out" | sed 's/^/    /'
	echo "torch $1 $2 $(val torch_tokens_per_s) $(val train_min) $(val train_max)" \
		"$(val mfu_pct) $(val sgemm_gflops) $(val rss_mib) - $l0 $l1" \
		"$(val mfu_best_pct) $(val sgemm_best)" >>"$res"
	tail -n 1 "$res" | awk '{ printf "  PyTorch %s round %s: %s tokens/s, MFU %s%% (best call %s%%), sgemm %s (best %s) GFLOP/s, RSS %s MiB, load %s-%s\n", $2, $3, $4, $7, $13, $8, $14, $9, $11, $12 }'
}

r=1
while [ "$r" -le "$rounds" ]; do
	for s in $shapes; do
		echo "== round $r, batch ${s%x*} x ${s#*x} ($(date -u +%H:%M) UTC)"
		# alternate which program goes first, so neither always follows the other
		if [ "$torch" = 1 ] && [ $((r % 2)) -eq 0 ]; then
			run_torch "$s" "$r"
			run_mentor "$s" "$r"
		else
			run_mentor "$s" "$r"
			[ "$torch" = 1 ] && run_torch "$s" "$r"
		fi
	done
	r=$((r + 1))
done

echo
echo "| GPT-2 124M, $threads threads, $accum micro-batch(es) per step | mentor tokens/s | PyTorch tokens/s | mentor / PyTorch | mentor MFU: sustained / best call | PyTorch MFU: sustained / best call | sgemm GFLOP/s: sustained / best call | peak RSS mentor / PyTorch (MiB) | mentor decoding tokens/s | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -v sh="$shapes" '
function mm(a, n,   i, lo, hi) { lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return n ? (lo == hi ? lo : lo "-" hi) : "n/a" }
{ k = $2; r = $3
  if ($1 == "mentor") { mt[k, r] = $4; mf[k, r] = $7; mb[k, r] = $13; mr[k, ++nmr[k]] = $9; dec[k, ++nd[k]] = $10 }
  else { tt[k, r] = $4; tf[k, r] = $7; tb[k, r] = $13; tr[k, ++ntr[k]] = $9 }
  pk[k, ++np[k]] = $8; pb[k, np[k]] = $14
  ld[k, ++nl[k]] = $11; ld[k, ++nl[k]] = $12; if ($3 > R) R = $3 }
END {
  n = split(sh, S, " ")
  for (i = 1; i <= n; i++) {
    k = S[i]; split(k, bt, "x"); nm = nt = 0
    for (r = 1; r <= R; r++) {
      q = (tt[k, r] > 0) ? int(100 * mt[k, r] / tt[k, r] + 0.5) / 100 : ""
      printf "| %s x %s, round %d | %s | %s | %s | %s%% / %s%% | %s | | | | |\n", bt[1], bt[2], r, mt[k, r], (tt[k, r] ? tt[k, r] : "n/a"), (q != "" ? q "x" : "n/a"), mf[k, r], mb[k, r], (tt[k, r] ? tf[k, r] "% / " tb[k, r] "%" : "n/a")
      if (mt[k, r] != "") { M[++nm] = mt[k, r]; MF[nm] = mf[k, r]; MB[nm] = mb[k, r] }
      if (tt[k, r] > 0) { P[++nt] = tt[k, r]; PF[nt] = tf[k, r]; PB[nt] = tb[k, r]; Q[nt] = q }
    }
    for (j = 1; j <= np[k]; j++) { PK[j] = pk[k, j]; PBK[j] = pb[k, j] }
    for (j = 1; j <= nd[k]; j++) D[j] = dec[k, j]
    for (j = 1; j <= nmr[k]; j++) MR[j] = mr[k, j]
    for (j = 1; j <= ntr[k]; j++) TR[j] = tr[k, j]
    for (j = 1; j <= nl[k]; j++) LD[j] = ld[k, j]
    printf "| **%s x %s, min-max** | **%s** | %s | **%sx** | **%s%%** / %s%% | %s%% / %s%% | %s / %s | %s / %s | %s | %s |\n", bt[1], bt[2], mm(M, nm), mm(P, nt), mm(Q, nt), mm(MF, nm), mm(MB, nm), mm(PF, nt), mm(PB, nt), mm(PK, np[k]), mm(PBK, np[k]), mm(MR, nmr[k]), mm(TR, ntr[k]), mm(D, nd[k]), mm(LD, nl[k])
  }
}' "$res"
