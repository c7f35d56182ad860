#!/bin/sh
# gpt2_124m: training throughput at GPT-2 small's shape (12 layers, width
# 768, 12 heads, context 1024, vocabulary 50,257; 124,439,808 parameters),
# mentor (bench/model_bench) against PyTorch on the CPU (bench/torch_gpt.py,
# the identical model and batch), in alternating rounds with the same thread
# count and OpenBLAS settings. Each program probes the sgemm peak (1536^3,
# the same OpenBLAS) before every timing window and after the last, so every
# MFU is against the peak measured around it. Prints each round as it ends,
# then a table with min-max over the rounds.
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
	grep -E '^(window|sgemm peak over|achieved|decoding)' "$out" | sed 's/^/    /'
	echo "mentor $1 $2 $(val train_tokens_per_s) $(val train_min) $(val train_max)" \
		"$(val mfu_pct) $(val sgemm_gflops) $(val rss_mib) $(val decode_tokens_per_s) $l0 $l1" >>"$res"
	tail -n 1 "$res" | awk '{ printf "  mentor  %s round %s: %s tokens/s, MFU %s%%, sgemm %s GFLOP/s, RSS %s MiB, load %s-%s\n", $2, $3, $4, $7, $8, $9, $11, $12 }'
}

run_torch() { # shape round
	b=${1%x*} t=${1#*x}
	l0=$(load)
	"$py" "$here/torch_gpt.py" --preset gpt2 --batch "$b" --ctx "$t" --accum "$accum" \
		--threads "$threads" --steps "$steps" --windows "$windows" --warmup "$warmup" \
		>"$out" 2>&1 || { cat "$out"; echo "gpt2_124m: torch_gpt.py failed" >&2; exit 1; }
	l1=$(load)
	grep -E '^(window|sgemm peak over|MFU)' "$out" | sed 's/^/    /'
	echo "torch $1 $2 $(val torch_tokens_per_s) $(val train_min) $(val train_max)" \
		"$(val mfu_pct) $(val sgemm_gflops) $(val rss_mib) - $l0 $l1" >>"$res"
	tail -n 1 "$res" | awk '{ printf "  PyTorch %s round %s: %s tokens/s, MFU %s%%, sgemm %s GFLOP/s, RSS %s MiB, load %s-%s\n", $2, $3, $4, $7, $8, $9, $11, $12 }'
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
echo "| GPT-2 124M, $threads threads, $accum micro-batch(es) per step | mentor tokens/s | PyTorch tokens/s | mentor / PyTorch | mentor MFU | PyTorch MFU | sgemm peak (GFLOP/s) | peak RSS mentor / PyTorch (MiB) | mentor decoding tokens/s | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -v sh="$shapes" '
function mm(a, n,   i, lo, hi) { lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return n ? (lo == hi ? lo : lo "-" hi) : "n/a" }
{ k = $2; r = $3
  if ($1 == "mentor") { mt[k, r] = $4; mm_[k, r] = $7; pk[k, ++npk[k]] = $8; mr[k] = $9; dec[k, ++nd[k]] = $10 }
  else { tt[k, r] = $4; tm[k, r] = $7; pk[k, ++npk[k]] = $8; tr[k] = $9 }
  ld[k, ++nl[k]] = $11; ld[k, ++nl[k]] = $12; if ($3 > R) R = $3 }
END {
  n = split(sh, S, " ")
  for (i = 1; i <= n; i++) {
    k = S[i]; split(k, bt, "x"); nm = nt = nr = 0
    for (r = 1; r <= R; r++) {
      ratio = (tt[k, r] > 0) ? sprintf("%.2fx", mt[k, r] / tt[k, r]) : "n/a"
      printf "| %s x %s, round %d | %s | %s | %s | %s%% | %s%% | | | | |\n", bt[1], bt[2], r, mt[k, r], (tt[k, r] ? tt[k, r] : "n/a"), ratio, mm_[k, r], (tm[k, r] ? tm[k, r] : "n/a")
      if (mt[k, r] != "") { M[++nm] = mt[k, r]; MF[nm] = mm_[k, r] }
      if (tt[k, r] > 0) { P[++nt] = tt[k, r]; PF[nt] = tm[k, r]; if (mt[k, r] != "") Q[++nr] = int(100 * mt[k, r] / tt[k, r] + 0.5) / 100 }
    }
    for (j = 1; j <= npk[k]; j++) PK[j] = pk[k, j]
    for (j = 1; j <= nd[k]; j++) D[j] = dec[k, j]
    for (j = 1; j <= nl[k]; j++) LD[j] = ld[k, j]
    printf "| **%s x %s, min-max** | **%s** | %s | **%sx** | **%s%%** | %s%% | %s | %s / %s | %s | %s |\n", bt[1], bt[2], mm(M, nm), mm(P, nt), mm(Q, nr), mm(MF, nm), mm(PF, nt), mm(PK, npk[k]), mr[k], (tr[k] ? tr[k] : "n/a"), mm(D, nd[k]), mm(LD, nl[k])
  }
}' "$res"
