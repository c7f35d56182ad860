#!/bin/sh
# model_compare: runs model_bench and bench/torch_gpt.py on the same preset,
# batch and thread count in alternating rounds (mentor first in odd rounds,
# PyTorch first in even ones) and prints each round and the min-max over the
# rounds. Each program probes the sgemm peak (the same OpenBLAS, 1 s of
# 1536^3 calls) around its timing windows: MFU is against the sustained
# sgemm rate measured at that time (the host's speed drifts by more than the
# difference between the two programs) and strictly against the run's
# fastest single call.
# Usage: [nice -n -10] model_compare.sh [MODEL_BENCH_BINARY] [extra model_bench options]
# Environment: ROUNDS (3), THREADS (2), STEPS (5), WINDOWS (5), PRESET
# (small), BATCH (16), CTX (128), VOCAB (512); OPENBLAS_CORETYPE and
# OMP_WAIT_POLICY are passed on to both programs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$bin" ]; then
	for d in "$here"/../build*/bench; do
		[ -x "$d/model_bench" ] && bin="$d/model_bench" && break
	done
fi
[ -x "$bin" ] || { echo "model_compare: model_bench not found (build it: ninja -C BUILD bench/model_bench)" >&2; exit 2; }
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
steps=${STEPS:-5}
windows=${WINDOWS:-5}
preset=${PRESET:-small}
batch=${BATCH:-16}
ctx=${CTX:-128}
vocab=${VOCAB:-512}
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
# OpenBLAS falls back to generic SSE3 kernels on CPUs it does not recognise
# (virtual machines reporting a generic model); pick the kernels from the
# instruction set unless the caller chose.
. "$here/blas_env.sh"
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default} nice=$(nice)"
common="--preset $preset --batch $batch --ctx $ctx --vocab $vocab --threads $threads --steps $steps --windows $windows --warmup 3"
py=/usr/bin/python3
torch=1
if ! "$py" -c 'import torch' 2>/dev/null; then
	echo "model_compare: python3-torch missing (apt-get install -y python3-torch); mentor only" >&2
	torch=0
fi
out=$(mktemp) || exit 1
res=$(mktemp) || exit 1
trap 'rm -f "$out" "$res"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
val() { sed -n "s/^RESULT.* $1=\([0-9.]*\).*/\1/p; s/^RESULT $1=\([0-9.]*\).*/\1/p" "$out" | head -n 1; }
mentor() {
	l0=$(load)
	"$bin" $common "$@" >"$out" || { cat "$out"; exit 1; }
	grep -v '^RESULT' "$out" | sed 's/^/    /'
	echo "mentor $r $(val train_tokens_per_s) $(val train_min) $(val train_max) $(val mfu_pct) $(val sgemm_gflops) $(val decode_tokens_per_s) $l0 $(load) $(val mfu_best_pct) $(val sgemm_best)" >>"$res"
}
pytorch() {
	l0=$(load)
	"$py" "$here/torch_gpt.py" $common >"$out" || { cat "$out"; exit 1; }
	grep -v '^RESULT' "$out" | sed 's/^/    /'
	echo "torch $r $(val torch_tokens_per_s) $(val train_min) $(val train_max) $(val mfu_pct) $(val sgemm_gflops) - $l0 $(load) $(val mfu_best_pct) $(val sgemm_best)" >>"$res"
}
r=1
while [ "$r" -le "$rounds" ]; do
	echo "== round $r ($(date -u +%H:%M:%S) UTC)"
	if [ "$torch" = 1 ] && [ $((r % 2)) -eq 0 ]; then
		echo "  -- PyTorch (CPU)"
		pytorch
		echo "  -- mentor (C, OpenBLAS + OpenMP)"
		mentor "$@"
	else
		echo "  -- mentor (C, OpenBLAS + OpenMP)"
		mentor "$@"
		if [ "$torch" = 1 ]; then
			echo "  -- PyTorch (CPU)"
			pytorch
		fi
	fi
	r=$((r + 1))
done
echo
echo "| $preset preset, batch $batch x $ctx, vocab $vocab, $threads threads | mentor tokens/s (windows) | PyTorch tokens/s (windows) | mentor / PyTorch | mentor MFU: sustained / best call | PyTorch MFU: sustained / best call | sgemm sustained mentor / PyTorch (GFLOP/s) | load |"
echo "|---|---|---|---|---|---|---|---|"
awk '
function mm(a, n,   i, lo, hi) { lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return n ? (lo == hi ? lo : lo "-" hi) : "n/a" }
{ r = $2; if ($2 > R) R = $2
  if ($1 == "mentor") { m[r] = $3; mw[r] = $4 "-" $5; mf[r] = $6; mp[r] = $7; dec[++nd] = $8; mb[r] = $11 }
  else { t[r] = $3; tw[r] = $4 "-" $5; tf[r] = $6; tp[r] = $7; tb[r] = $11 }
  ld[++nl] = $9; ld[++nl] = $10 }
END {
  for (r = 1; r <= R; r++) {
    q = t[r] > 0 ? int(100 * m[r] / t[r] + 0.5) / 100 : ""
    printf "| round %d | %s (%s) | %s (%s) | %s | %s%% / %s%% | %s | %s / %s | |\n", r, m[r], mw[r], (t[r] ? t[r] : "n/a"), (t[r] ? tw[r] : "n/a"), (q != "" ? q "x" : "n/a"), mf[r], mb[r], (t[r] ? tf[r] "% / " tb[r] "%" : "n/a"), mp[r], (t[r] ? tp[r] : "n/a")
    M[++nm] = m[r]; MF[nm] = mf[r]; MB[nm] = mb[r]; MP[nm] = mp[r]
    if (t[r] > 0) { P[++nt] = t[r]; PF[nt] = tf[r]; PB[nt] = tb[r]; PP[nt] = tp[r]; Q[nt] = q }
  }
  printf "| **min-max over %d rounds** | **%s** | %s | **%sx** | **%s%%** / %s%% | %s%% / %s%% | %s / %s | %s |\n", R, mm(M, nm), mm(P, nt), mm(Q, nt), mm(MF, nm), mm(MB, nm), mm(PF, nt), mm(PB, nt), mm(MP, nm), mm(PP, nt), mm(ld, nl)
  printf "\ngreedy decoding, KV cache, batch 1 (mentor): %s tokens/s\n", mm(dec, nd)
}' "$res"
