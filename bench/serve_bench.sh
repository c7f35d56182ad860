#!/bin/sh
# serve_bench: latency of `mentor serve` (model loaded once) against
# `mentor predict` (loads the checkpoint every time) on the same question.
# usage: serve_bench.sh MENTOR DB RUN [N]   (N requests, default 50)
set -eu
mentor=$1 db=$2 run=$3 n=${4:-50}
out=$(mktemp)
"$mentor" --db "$db" serve "$run" --port 0 --quiet > "$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -f "$out"' EXIT
i=0
while ! grep -q listening "$out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "server did not start" >&2; exit 1; }
	sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$out")
body='{"messages":[{"role":"user","content":"What is 12 + 30?"}]}'
t0=$(date +%s.%N)
i=0
while [ $i -lt "$n" ]; do
	curl -s -o /dev/null "$url/chat/completions" -d "$body"
	i=$((i + 1))
done
t1=$(date +%s.%N)
i=0
while [ $i -lt 10 ]; do
	"$mentor" --db "$db" predict "$run" "What is 12 + 30?" > /dev/null
	i=$((i + 1))
done
t2=$(date +%s.%N)
echo "$t0 $t1 $t2 $n" | awk '{ printf "serve:   %.1f ms per chat completion (%d requests)\npredict: %.1f ms per call (10 calls, checkpoint loaded each time)\n", ($2-$1)*1000/$4, $4, ($3-$2)*100 }'
