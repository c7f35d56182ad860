#!/bin/sh
# model_compare: runs model_bench and bench/torch_gpt.py on the same preset,
# batch and thread count, one after the other, and prints a side-by-side table.
# Usage: model_compare.sh [MODEL_BENCH_BINARY] [extra model_bench options]
# Environment: THREADS (2), STEPS (5), WINDOWS (5); OPENBLAS_CORETYPE and
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
threads=${THREADS:-2}
steps=${STEPS:-5}
windows=${WINDOWS:-5}
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
# OpenBLAS falls back to generic SSE3 kernels on CPUs it does not recognise
# (virtual machines reporting a generic model); pick the kernels from the
# instruction set unless the caller chose.
. "$here/blas_env.sh"
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default}"
common="--preset small --batch 16 --ctx 128 --vocab 512 --threads $threads --steps $steps --windows $windows --warmup 3"
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
echo "== mentor (C, OpenBLAS + OpenMP)"
"$bin" $common "$@" | tee "$out" || exit 1
mentor_tps=$(sed -n 's/.*RESULT train_tokens_per_s=\([0-9]*\).*/\1/p' "$out")
mfu=$(sed -n 's/.*mfu_pct=\([0-9.]*\).*/\1/p' "$out")
peak=$(sed -n 's/.*sgemm_gflops=\([0-9.]*\).*/\1/p' "$out")
dec=$(sed -n 's/.*decode_tokens_per_s=\([0-9]*\).*/\1/p' "$out")
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
	echo "model_compare: python3-torch missing (apt-get install -y python3-torch); mentor only" >&2
	torch_tps=""
else
	echo "== PyTorch (CPU)"
	"$py" "$here/torch_gpt.py" --preset small --batch 16 --ctx 128 --vocab 512 \
		--threads "$threads" --steps "$steps" --windows "$windows" --warmup 3 | tee "$out" || exit 1
	torch_tps=$(sed -n 's/.*RESULT torch_tokens_per_s=\([0-9]*\).*/\1/p' "$out")
fi
echo
echo "| small preset, batch 16 x 128, vocab 512, $threads threads | mentor | PyTorch |"
echo "|---|---|---|"
echo "| training tokens/s (median of $windows x $steps steps) | $mentor_tps | ${torch_tps:-n/a} |"
if [ -n "$torch_tps" ] && [ "$torch_tps" -gt 0 ]; then
	ratio=$(awk -v a="$mentor_tps" -v b="$torch_tps" 'BEGIN { printf "%.2f", a / b }')
	echo "| speed-up over PyTorch | ${ratio}x | 1.00x |"
fi
echo "| MFU vs measured sgemm peak ($peak GFLOP/s) | $mfu% | |"
echo "| greedy decoding tokens/s (KV cache, batch 1) | $dec | |"
