#!/bin/sh
# train_time: how long each run of the paper-effect experiments trains, the
# issue's "every run trains in at most 2 minutes". For every task, variant
# and seed, `mentor train TASK --variant V --seed S --source gold` with the
# engine's defaults (the runs `mentor experiment TASK` makes in a fresh
# workspace), without the final evaluation on the test split; a run's
# training time is the `t` of its last loss point (1500 steps with the dev
# accuracy points along the way), as the workbench's plot shows it.
#
# usage: bench/train_time.sh [MENTOR_BIN]
# environment (defaults in brackets):
#   TASKS ["arith coin letters dial"]  VARIANTS ["baseline mt-re mt-ra mt-cot"]
#   SEEDS ["1 2 3"]  WORK [a new temporary directory]  EXTRA [""]
#   LIMIT [120]   seconds a run may take
#   RT [0]        1: under the real-time policy (see bench/rt_env.sh)
# Prints one line per run as it ends, then min-max per task and variant and
# the number of runs over LIMIT.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${MENTOR_BIN:-$here/build/src/mentor}}
TASKS=${TASKS:-arith coin letters dial}
VARIANTS=${VARIANTS:-baseline mt-re mt-ra mt-cot}
SEEDS=${SEEDS:-1 2 3}
EXTRA=${EXTRA:-}
LIMIT=${LIMIT:-120}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mentor-time-XXXXXX")}
export MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-$here}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
. "$here/bench/rt_env.sh"
[ -x "$bin" ] || { echo "train_time: no mentor binary at '$bin'" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "train_time: needs sqlite3" >&2; exit 2; }
mkdir -p "$WORK"
db="$WORK/time.db"
"$bin" --db "$db" init >/dev/null
echo "workspace: $db; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)${rt:+; under $rt}"
for t in $TASKS; do
	for s in $SEEDS; do
		for v in $VARIANTS; do
			# shellcheck disable=SC2086
			$rt "$bin" --db "$db" train "$t" --variant "$v" --seed "$s" --source gold \
				--eval-split none $EXTRA >"$WORK/run.log" 2>&1 ||
				{ echo "train_time: $t $v seed $s failed: $(tail -1 "$WORK/run.log")" >&2
				  exit 1; }
			sqlite3 "$db" "SELECT '  ' || '$t $v seed $s: ' || printf('%.1f', MAX(t)) || ' s'
				FROM metric WHERE name = 'loss' AND run_id = (SELECT MAX(id) FROM run)"
		done
	done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "training seconds (min-max over the seeds):"
sqlite3 "$db" "SELECT '  ' || d.name || ' ' || r.variant || ' ' || printf('%.0f-%.0f', MIN(t),
	MAX(t)) || ' s (' || COUNT(*) || ' runs)'
	FROM (SELECT run_id, MAX(t) AS t FROM metric WHERE name = 'loss' GROUP BY run_id) m
	JOIN run r ON r.id = m.run_id JOIN dataset d ON d.id = r.dataset_id
	WHERE r.status = 'done' GROUP BY d.name, r.variant ORDER BY d.name, r.variant"
sqlite3 "$db" "SELECT 'longest run: ' || printf('%.1f', MAX(t)) || ' s; ' || SUM(t > $LIMIT) ||
	' of ' || COUNT(*) || ' runs over $LIMIT s' FROM (SELECT MAX(t) AS t FROM metric
	WHERE name = 'loss' GROUP BY run_id)"
