#!/bin/sh
# paper_effect: the paper's effect on the bundled synthetic tasks, as a new
# user gets it. A fresh workspace (`mentor init`), then for each task one
# `mentor experiment TASK` with no flags: the baseline and the three
# multi-task variants, the engine's default settings, 3 seeds, each run
# evaluated on the test split; the experiment prints its table (accuracy per
# variant and inference mode, 95% intervals, paired difference to the
# baseline with a bootstrap interval and McNemar p) and its verdict.
#
# usage: bench/paper_effect.sh [MENTOR_BIN]
# environment (defaults in brackets):
#   TASKS ["arith coin letters dial"]  the bundled datasets to run
#   SOURCES [""]          also compare explanation sources on SOURCE_TASK:
#                         e.g. "cot rp crop"; the offline teacher writes
#                         cot/rp/crop explanations first (mentor explain);
#                         each source is an experiment of baseline and MT-CoT
#   SOURCE_TASK [the first of TASKS, else arith]; TASKS=none runs only that
#   SEEDS [3]  WORK [a new temporary directory; the workspace stays there]
#   EXTRA [""]            more options for every experiment (e.g. --threads 1)
#   MODEL_BENCH [build/bench/model_bench beside the binary's build]: reads the
#                         host's sgemm peak before and after, so that training
#                         times can be compared across runs of this script
#   RT [0]                1: run each experiment (and the sgemm probes) under
#                         the real-time policy (bench/rt_env.sh says why)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${MENTOR_BIN:-$here/build/src/mentor}}
TASKS=${TASKS:-arith coin letters dial}
[ "$TASKS" = none ] && TASKS=
SOURCE_TASK=${SOURCE_TASK:-${TASKS%% *}}
SOURCE_TASK=${SOURCE_TASK:-arith}
SOURCES=${SOURCES:-}
SEEDS=${SEEDS:-3}
EXTRA=${EXTRA:-}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mentor-paper-XXXXXX")}
export MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-$here}
# sleeping, not spinning, idle OpenMP threads: much faster on a busy machine
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
. "$here/bench/rt_env.sh"
[ -x "$bin" ] || { echo "paper_effect: no mentor binary at '$bin'" >&2; exit 2; }
mkdir -p "$WORK"
db="$WORK/paper.db"
"$bin" --db "$db" init >/dev/null
mb=${MODEL_BENCH:-$(dirname "$bin")/../bench/model_bench}

# The host's speed now: the median GFLOP/s of a 1536^3 cblas_sgemm with the
# kernels and threads the runs get (a busy or throttled host shows here).
host_speed() {
	[ -x "$mb" ] || return 0
	# shellcheck disable=SC2086
	(. "$here/bench/blas_env.sh" && $rt "$mb" --preset tiny --steps 1 --windows 1 --warmup 0 \
		--no-rss 2>/dev/null) | sed -n 's/^RESULT.*sgemm_gflops=\([0-9.]*\).*/\1/p' |
		{ read -r g && echo "host: sgemm peak $g GFLOP/s ($1)"; } || true
}

echo "workspace: $db; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)${rt:+; under $rt}"
host_speed before
for t in $TASKS; do
	echo
	echo "== mentor experiment $t --seeds $SEEDS $EXTRA"
	# shellcheck disable=SC2086
	$rt "$bin" --db "$db" experiment "$t" --seeds "$SEEDS" $EXTRA 2>"$WORK/$t.log" ||
		{ echo "paper_effect: experiment $t failed: $(tail -1 "$WORK/$t.log")" >&2; exit 1; }
done
if [ -n "$SOURCES" ]; then
	t=$SOURCE_TASK
	"$bin" --db "$db" explain "$t" --mode all >"$WORK/explain.log" 2>&1 ||
		{ echo "paper_effect: explain $t failed: $(tail -1 "$WORK/explain.log")" >&2; exit 1; }
	for s in $SOURCES; do
		echo
		echo "== mentor experiment $t --variants baseline,mt-cot --source $s --seeds $SEEDS $EXTRA"
		# shellcheck disable=SC2086
		$rt "$bin" --db "$db" experiment "$t" --variants baseline,mt-cot --source "$s" \
			--seeds "$SEEDS" $EXTRA 2>"$WORK/$t-$s.log" ||
			{ echo "paper_effect: source $s failed: $(tail -1 "$WORK/$t-$s.log")" >&2; exit 1; }
	done
fi
host_speed after
# how long each run trained: the time of its last loss point (without the
# evaluation), per variant
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "training seconds per run (min-max over the seeds; runs over 120 s):"
sqlite3 "$db" "SELECT '  ' || d.name || ' ' || r.variant || ' ' || CAST(MIN(t) AS INT) || '-' ||
	CAST(MAX(t) AS INT) || ' s (' || COUNT(*) || ' runs, ' || SUM(t > 120) || ' over 120 s)'
	FROM (SELECT run_id, MAX(t) AS t FROM metric WHERE name = 'loss' GROUP BY run_id) m
	JOIN run r ON r.id = m.run_id JOIN dataset d ON d.id = r.dataset_id
	WHERE r.status = 'done' GROUP BY d.name, r.variant ORDER BY d.name, r.variant"
sqlite3 "$db" "SELECT 'longest run: ' || CAST(MAX(t) AS INT) || ' s; ' || SUM(t > 120) || ' of ' ||
	COUNT(*) || ' runs over 120 s' FROM (SELECT MAX(m.t) AS t FROM metric m JOIN run r
	ON r.id = m.run_id WHERE m.name = 'loss' AND r.status = 'done' GROUP BY m.run_id)"
