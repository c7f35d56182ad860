#!/bin/sh
# llama_135m: training throughput at SmolLM2-135M's shape (30 layers, hidden
# 576, 9 heads on 3 key/value heads of 64, MLP 1536, vocabulary 49,152, tied
# head; 134,515,008 parameters), mentor (bench/llama_bench) against PyTorch
# (bench/torch_llama.py: the tests' reference decoder of the identical model,
# the same batch, AdamW and clipping) on the CPU, in alternating rounds with
# the same thread count and OpenBLAS kernels. Each program probes the sgemm
# peak (1536^3, the same OpenBLAS) before its first timed step and after
# each: MFU is against the mean sustained rate of those probes (the same
# interruptions by other processes), and strictly against the fastest call.
# Prints each round as it ends, then a table with min-max over the rounds.
# Usage: [nice -n -10] bench/llama_135m.sh [LLAMA_BENCH_BINARY]
# Environment: SHAPES ("4x256 1x1024": batch x sequence length), ROUNDS (3),
# STEPS (3), WARMUP (1), THREADS (2), LAYERS (30; fewer for a quick try),
# PROBE_MS (1000), TORCH (1; 0 skips PyTorch), RT (0; 1 runs both under the
# real-time policy, see bench/rt_env.sh). OPENBLAS_CORETYPE and
# OMP_WAIT_POLICY are passed on to both programs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
name=llama_135m
. "$here/llama_env.sh"
shapes=${SHAPES:-"4x256 1x1024"}
rounds=${ROUNDS:-3}
steps=${STEPS:-3}
warmup=${WARMUP:-1}
threads=${THREADS:-2}
layers=${LAYERS:-30}
probe=${PROBE_MS:-1000}
torch=${TORCH:-1}
if [ "$torch" = 1 ] && ! "$py" -c 'import torch' 2>/dev/null; then
	echo "llama_135m: python3-torch missing (apt-get install -y python3-torch); mentor only" >&2
	torch=0
fi
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
. "$here/blas_env.sh"
. "$here/rt_env.sh"
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}" \
	"OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default} nice=$(nice)${rt:+ under $rt}"
echo "shapes: $shapes; $rounds rounds; $warmup warm-up step(s), then $steps timed steps;" \
	"$layers layers"
res=$(mktemp) || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$res" "$out"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
val() { sed -n "s/^RESULT.* $1=\([0-9.]*\).*/\1/p; s/^RESULT $1=\([0-9.]*\).*/\1/p" "$out" | head -n 1; }

run() { # who shape round
	b=${2%x*} t=${2#*x}
	l0=$(load)
	if [ "$1" = mentor ]; then
		$rt "$bin" --layers "$layers" --batch "$b" --ctx "$t" --steps "$steps" \
			--warmup "$warmup" --threads "$threads" --probe-ms "$probe" \
			--decode-tokens 0 >"$out" 2>&1 ||
			{ cat "$out"; echo "llama_135m: llama_bench failed" >&2; exit 1; }
		tps=$(val train_tokens_per_s)
	else
		$rt "$py" "$here/torch_llama.py" --layers "$layers" --batch "$b" --ctx "$t" \
			--steps "$steps" --warmup "$warmup" --threads "$threads" --probe-ms "$probe" \
			>"$out" 2>&1 ||
			{ cat "$out"; echo "llama_135m: torch_llama.py failed" >&2; exit 1; }
		tps=$(val torch_tokens_per_s)
	fi
	l1=$(load)
	grep -E '^(step|training)' "$out" | sed 's/^/    /'
	echo "$1 $2 $3 $tps $(val mfu_pct) $(val mfu_best_pct) $(val sgemm_gflops)" \
		"$(val sgemm_best) $(val rss_mib) $l0 $l1" >>"$res"
	tail -n 1 "$res" | awk '{ printf "  %-7s %s round %s: %s tokens/s, MFU %s%% (best call %s%%), sgemm %s (best %s) GFLOP/s, RSS %s MiB, load %s-%s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
}

r=1
while [ "$r" -le "$rounds" ]; do
	for s in $shapes; do
		echo "== round $r, batch ${s%x*} x ${s#*x} ($(date -u +%H:%M) UTC)"
		# alternate which program goes first, so neither always follows the other
		if [ "$torch" = 1 ] && [ $((r % 2)) -eq 0 ]; then
			run torch "$s" "$r"
			run mentor "$s" "$r"
		else
			run mentor "$s" "$r"
			[ "$torch" = 1 ] && run torch "$s" "$r"
		fi
	done
	r=$((r + 1))
done

echo
echo "| SmolLM2-135M shape ($layers layers), $threads threads | mentor tokens/s |" \
	"PyTorch tokens/s | mentor / PyTorch | mentor MFU: sustained / best call |" \
	"PyTorch MFU: sustained / best call | sgemm GFLOP/s: sustained / best | peak RSS" \
	"mentor / PyTorch (MiB) | load |"
echo "|---|---|---|---|---|---|---|---|---|"
awk -v sh="$shapes" '
function mm(a, n,   i, lo, hi) { if (!n) return "n/a"; lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return lo == hi ? lo : lo "-" hi }
{ k = $2; r = $3; if (r > R) R = r
  if ($1 == "mentor") { mt[k, r] = $4; mf[k, r] = $5; mb[k, r] = $6; mr[k, r] = $9 }
  else { tt[k, r] = $4; tf[k, r] = $5; tb[k, r] = $6; tr[k, r] = $9 }
  pk[k, ++np[k]] = $7; pb[k, np[k]] = $8; ld[k, ++nl[k]] = $10; ld[k, ++nl[k]] = $11 }
END {
  n = split(sh, S, " ")
  for (i = 1; i <= n; i++) {
    k = S[i]; split(k, bt, "x"); nm = nt = 0
    for (r = 1; r <= R; r++) {
      q = tt[k, r] > 0 ? sprintf("%.2fx", mt[k, r] / tt[k, r]) : "n/a"
      printf "| %s x %s, round %d | %s | %s | %s | %s%% / %s%% | %s | | | |\n", bt[1], bt[2], r,
        mt[k, r], (tt[k, r] != "" ? tt[k, r] : "n/a"), q, mf[k, r], mb[k, r],
        (tt[k, r] != "" ? tf[k, r] "% / " tb[k, r] "%" : "n/a")
      M[++nm] = mt[k, r]; MF[nm] = mf[k, r]; MB[nm] = mb[k, r]; MR[nm] = mr[k, r]
      if (tt[k, r] > 0) { P[++nt] = tt[k, r]; PF[nt] = tf[k, r]; PB[nt] = tb[k, r]
        Q[nt] = int(100 * mt[k, r] / tt[k, r] + 0.5) / 100; TR[nt] = tr[k, r] }
    }
    for (j = 1; j <= np[k]; j++) { PK[j] = pk[k, j]; PBK[j] = pb[k, j] }
    for (j = 1; j <= nl[k]; j++) LD[j] = ld[k, j]
    printf "| **%s x %s, min-max** | **%s** | %s | **%sx** | **%s%%** / %s%% | %s%% / %s%% |" \
      " %s / %s | %s / %s | %s |\n", bt[1], bt[2], mm(M, nm), mm(P, nt), mm(Q, nt), mm(MF, nm),
      mm(MB, nm), mm(PF, nt), mm(PB, nt), mm(PK, np[k]), mm(PBK, np[k]), mm(MR, nm),
      mm(TR, nt), mm(LD, nl[k])
  }
}' "$res"
