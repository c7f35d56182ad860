#!/bin/sh
# fuzz.sh HARNESS|all SECONDS: build the libFuzzer harnesses of tests/fuzz
# with clang in build-fuzz (-Dfuzz=true), run each for SECONDS on one core,
# starting from a scratch copy of its committed corpus (the committed one
# never grows), and print per harness: executions, exec/s, coverage (cov:
# and ft: of libFuzzer's last report) and findings. Crashing inputs are kept
# in build-fuzz/fuzz-findings/HARNESS/; copy each one that shows a bug to
# tests/fuzz/regress/HARNESS/ with the fix.
#
# Each harness runs in a folder of its own, so two invocations with
# different harnesses can share the build and run side by side, one per
# core (build first, e.g. `bench/fuzz.sh answer 1`):
#   bench/fuzz.sh "answer config theme sse" 600 & bench/fuzz.sh "gguf ckpt" 600
set -eu
if [ $# -ne 2 ]; then
	echo "usage: bench/fuzz.sh HARNESS|all SECONDS" >&2
	exit 2
fi
what=$1
secs=$2
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
all="answer config theme sse tokenizer tokjson tui_text dataset gguf safetensors ckpt batch serve"
if [ "$what" = all ]; then
	list=$all
else
	list=$what
fi
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzz=true -Db_lundef=false \
		-Dbuildtype=debugoptimized >/dev/null
fi
targets=""
for h in $list; do
	targets="$targets tests/fuzz/fuzz_$h"
done
# shellcheck disable=SC2086
ninja -C "$build" $targets >/dev/null

work=$build/fuzz-work
findings=$build/fuzz-findings
mkdir -p "$work" "$findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C.UTF-8 OMP_NUM_THREADS=1
printf '%-12s %8s %12s %8s %8s %8s %9s\n' harness seconds execs exec/s cov ft findings
for h in $list; do
	corpus=$work/$h
	rm -rf "$corpus"
	mkdir -p "$corpus" "$findings/$h"
	cp "$src/tests/fuzz/corpus/$h"/* "$corpus"/ 2>/dev/null || true
	cp "$src/tests/fuzz/regress/$h"/* "$corpus"/ 2>/dev/null || true
	log=$work/$h.log
	stamp=$work/$h.start
	: >"$stamp"
	start=$(date +%s)
	# -jobs=1: one worker process, whose output libFuzzer writes to
	# fuzz-0.log in the current directory: the harness's own folder
	run=$work/$h.run
	mkdir -p "$run"
	rm -f "$run/fuzz-0.log"
	(cd "$run" && "$build/tests/fuzz/fuzz_$h" "$corpus" -max_total_time="$secs" -jobs=1 \
		-artifact_prefix="$findings/$h/" -print_final_stats=1 -timeout=20 \
		-rss_limit_mb=2048 >"$log" 2>&1) || true
	if [ -f "$run/fuzz-0.log" ]; then
		cat "$run/fuzz-0.log" >>"$log"
		rm -f "$run/fuzz-0.log"
	fi
	took=$(( $(date +%s) - start ))
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
	# inputs written by this run (earlier ones stay in the same folder)
	found=$(find "$findings/$h" -type f -newer "$stamp" | wc -l)
	printf '%-12s %8s %12s %8s %8s %8s %9s\n' "$h" "$took" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "$found"
done
echo "logs: $work/HARNESS.log; crashing inputs: $findings/HARNESS/"
