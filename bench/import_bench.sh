#!/bin/sh
# import_bench: time `mentor import` of 100,000 generic JSONL items into a
# fresh workspace, and, in the same run, the sqlite3 shell's `.import --csv`
# of the same rows as CSV into a plain table (a floor: no parsing, no
# normalisation, no indexes). Usage: import_bench.sh MENTOR_BIN [N] [WORKDIR]
set -eu
bin=${1:?usage: import_bench.sh MENTOR_BIN [N] [WORKDIR]}
n=${2:-100000}
dir=${3:-$(mktemp -d "${TMPDIR:-/tmp}/mentor-import-bench-XXXXXX")}
mkdir -p "$dir"
jsonl=$dir/bench.jsonl
csv=$dir/bench.csv

# The same rows in both files: id, question, choices, answer, rationale, split.
awk -v n="$n" -v jsonl="$jsonl" -v csv="$csv" 'BEGIN {
	srand(42)
	print "id,question,choices,answer,rationale,split" > csv
	for (i = 0; i < n; i++) {
		a = int(rand() * 1000) + 1; b = int(rand() * 1000) + 1
		split_name = (i % 10 < 8) ? "train" : (i % 10 == 8 ? "dev" : "test")
		q = sprintf("Tom has %d apples and buys %d more. How many apples does he have now?", a, b)
		r = sprintf("%d + %d = %d", a, b, a + b)
		if (i % 4 == 0) {
			printf("{\"id\":\"q%d\",\"question\":\"%s\",\"choices\":[\"%d\",\"%d\",\"%d\"],\"answer\":\"B\",\"rationale\":\"%s\",\"split\":\"%s\"}\n", i, q, a + b - 1, a + b, a + b + 1, r, split_name) > jsonl
			printf("q%d,\"%s\",%d|%d|%d,B,%s,%s\n", i, q, a + b - 1, a + b, a + b + 1, r, split_name) > csv
		} else {
			printf("{\"id\":\"q%d\",\"question\":\"%s\",\"answer\":\"%d\",\"rationale\":\"%s\",\"split\":\"%s\"}\n", i, q, a + b, r, split_name) > jsonl
			printf("q%d,\"%s\",,%d,%s,%s\n", i, q, a + b, r, split_name) > csv
		}
	}
}'

# timed NAME ROWS CMD...: run CMD, print wall and CPU (user+sys) seconds and,
# when ROWS > 0, rows per second of wall time. CPU time is the figure to
# compare when other work shares the machine.
timed() {
	label=$1
	rows=$2
	shift 2
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%e %U %S" -o "$dir/time.txt" "$@" >/dev/null
		awk -v l="$label" -v n="$rows" '{
			printf("%-40s %6.2f s wall %6.2f s cpu", l, $1, $2 + $3)
			if (n > 0) printf("  (%.0f rows/s)", n / ($1 > 0 ? $1 : 1e-9))
			printf("\n") }' "$dir/time.txt"
	else
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		awk -v l="$label" -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN {
			printf("%-40s %6.2f s wall", l, b - a)
			if (n > 0) printf("  (%.0f rows/s)", n / (b - a))
			printf("\n") }'
	fi
}

rm -f "$dir"/bench.db* "$dir"/sqlite.db*
printf 'rows: %d (JSONL %s bytes, CSV %s bytes)\n' "$n" "$(wc -c <"$jsonl" | tr -d ' ')" "$(wc -c <"$csv" | tr -d ' ')"
timed "mentor import JSONL, fresh workspace" "$n" "$bin" --db "$dir/bench.db" import "$jsonl" --name bench
timed "mentor import JSONL again (unchanged)" 0 "$bin" --db "$dir/bench.db" import "$jsonl" --name bench
timed "sqlite3 .import --csv into a plain table" "$n" sqlite3 "$dir/sqlite.db" ".import --csv $csv items"
timed "mentor import CSV, fresh dataset" "$n" "$bin" --db "$dir/bench.db" import "$csv" --name bench-csv
timed "mentor items: 50 items at offset 99,950" 0 "$bin" --db "$dir/bench.db" items bench --offset 99950 --limit 50
timed "mentor items: all items as JSON" "$n" "$bin" --db "$dir/bench.db" items bench --limit 0 --json

rows=$(sqlite3 "$dir/sqlite.db" "SELECT count(*) FROM items")
items=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM item")
[ "$rows" -eq "$n" ] && [ "$items" -eq $((2 * n)) ] || {
	echo "import_bench: expected $n rows and $((2 * n)) items, got $rows and $items" >&2
	exit 1
}
[ -n "${3:-}" ] || rm -rf "$dir"
