#!/bin/sh
# valgrind_train: the tiny preset's training path under valgrind (memcheck,
# full leak check): a small generated arithmetic set, an MT-CoT run of the
# tiny preset for a few steps, one thread. Exits non-zero on any memcheck
# error or definite leak. Slow (memcheck runs ~100x slower): minutes.
# usage: bench/valgrind_train.sh [MENTOR_BIN] [STEPS]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/src/mentor}
steps=${2:-3}
command -v valgrind >/dev/null || { echo "valgrind_train: valgrind is not installed" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-vg-XXXXXX")
trap 'rm -rf "$T"' EXIT
export MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-$here} OMP_NUM_THREADS=1
# valgrind does not run AVX-512: keep OpenBLAS's own kernel choice
unset OPENBLAS_CORETYPE
"$bin" --db "$T/w.db" sample arith --splits 100/10/10 --import arithmini >/dev/null
valgrind --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite \
	"$bin" --db "$T/w.db" train arithmini --variant mt-cot --source gold --preset tiny \
	--vocab 512 --steps "$steps" --batch 4 --threads 1 --eval-split none --json \
	>"$T/out.json" 2>"$T/vg.log" || { cat "$T/vg.log"; exit 1; }
grep -E 'definitely lost|ERROR SUMMARY' "$T/vg.log"
echo "valgrind_train: clean"
