#!/bin/sh
# bench_teacher: teacher throughput. (1) the offline scripted teacher over the
# whole bundled arith dataset in all three modes; (2) the OpenAI-compatible
# path against the local fakellm server with 200 ms of latency per request,
# 64 items at concurrency 1 and 8; (3) the same 64 items again, answered from
# the call log. Usage: bench/bench_teacher.sh BUILD_DIR
set -eu
B=${1:?usage: bench_teacher.sh BUILD_DIR}
BIN="$B/src/mentor"
FAKE="$B/tests/http/fakellm"
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-bench-XXXXXX")
trap 'kill $FPID 2>/dev/null; rm -rf "$T"' EXIT
FPID=
export XDG_CONFIG_HOME="$T/cfg"
mkdir -p "$T/cfg/mentor"
"$BIN" --db "$T/ws.db" init > /dev/null 2>&1
now() { date +%s.%N; }
t0=$(now)
"$BIN" --db "$T/ws.db" explain arith --mode all > "$T/o1" 2> /dev/null
t1=$(now)
n=$(sed -n 's/.*: \([0-9]*\) tasks.*/\1/p' "$T/o1")
echo "offline, arith, all modes: $n tasks in $(echo "$t1 - $t0" | bc) s"
"$FAKE" --port 0 --latency-ms 200 --max-seconds 300 > "$T/port" &
FPID=$!
sleep 0.5
PORT=$(sed -n 's/PORT \([0-9]*\)/\1/p' "$T/port")
printf '[defaults]\nk = 0\n[provider fake]\ntype = openai\nbase_url = http://127.0.0.1:%s/v1\nmodel = m1\n[provider fake8]\ntype = openai\nbase_url = http://127.0.0.1:%s/v1\nmodel = m8\n' "$PORT" "$PORT" > "$T/cfg/mentor/config"
for c in 1 8; do
	p=fake; [ $c = 8 ] && p=fake8
	t0=$(now)
	"$BIN" --db "$T/ws.db" explain coin --split train --limit 64 --provider $p --concurrency $c > /dev/null 2>&1
	t1=$(now)
	echo "fakellm 200 ms latency, 64 requests, concurrency $c: $(echo "$t1 - $t0" | bc) s"
done
"$BIN" --db "$T/ws.db" explain coin --split train --limit 64 --provider fake8 --force --concurrency 8 > /dev/null 2>&1 || true
sqlite3 "$T/ws.db" "DELETE FROM explanation WHERE provider='fake8'" 2>/dev/null || true
t0=$(now)
"$BIN" --db "$T/ws.db" explain coin --split train --limit 64 --provider fake8 > "$T/o3" 2> /dev/null
t1=$(now)
echo "same 64 from the call log: $(echo "$t1 - $t0" | bc) s ($(sed -n 's/.* \([0-9]*\) cached.*/\1/p' "$T/o3") cached)"
