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
#   TASKS ["arith coin"]  the bundled datasets to run
#   SOURCES [""]          also compare explanation sources on the first task:
#                         e.g. "gold cot rp crop"; the offline teacher writes
#                         cot/rp/crop explanations first (mentor explain)
#   SEEDS [3]  WORK [a new temporary directory; the workspace stays there]
#   EXTRA [""]            more options for every experiment (e.g. --threads 1)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${MENTOR_BIN:-$here/build/src/mentor}}
TASKS=${TASKS:-arith coin}
SOURCES=${SOURCES:-}
SEEDS=${SEEDS:-3}
EXTRA=${EXTRA:-}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mentor-paper-XXXXXX")}
export MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-$here}
# sleeping, not spinning, idle OpenMP threads: much faster on a busy machine
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
[ -x "$bin" ] || { echo "paper_effect: no mentor binary at '$bin'" >&2; exit 2; }
mkdir -p "$WORK"
db="$WORK/paper.db"
"$bin" --db "$db" init >/dev/null

echo "workspace: $db; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores"
for t in $TASKS; do
	echo
	echo "== mentor experiment $t --seeds $SEEDS $EXTRA"
	# shellcheck disable=SC2086
	"$bin" --db "$db" experiment "$t" --seeds "$SEEDS" $EXTRA 2>"$WORK/$t.log" ||
		{ echo "paper_effect: experiment $t failed: $(tail -1 "$WORK/$t.log")" >&2; exit 1; }
done
if [ -n "$SOURCES" ]; then
	t=${TASKS%% *}
	"$bin" --db "$db" explain "$t" --mode all >"$WORK/explain.log" 2>&1 ||
		{ echo "paper_effect: explain $t failed: $(tail -1 "$WORK/explain.log")" >&2; exit 1; }
	for s in $SOURCES; do
		echo
		echo "== mentor experiment $t --variants baseline,mt-cot --source $s --seeds $SEEDS $EXTRA"
		# shellcheck disable=SC2086
		"$bin" --db "$db" experiment "$t" --variants baseline,mt-cot --source "$s" \
			--seeds "$SEEDS" $EXTRA 2>"$WORK/$t-$s.log" ||
			{ echo "paper_effect: source $s failed: $(tail -1 "$WORK/$t-$s.log")" >&2; exit 1; }
	done
fi
# how long each run trained: the time of its last loss point (without the
# evaluation), per variant
echo
echo "training seconds per run (min-max per variant):"
sqlite3 "$db" "SELECT '  ' || r.variant || ' ' || CAST(MIN(t) AS INT) || '-' || CAST(MAX(t) AS INT)
	FROM (SELECT run_id, MAX(t) AS t FROM metric WHERE name = 'loss' GROUP BY run_id) m
	JOIN run r ON r.id = m.run_id WHERE r.status = 'done' GROUP BY r.variant ORDER BY r.variant"
