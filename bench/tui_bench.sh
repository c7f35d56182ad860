#!/bin/sh
# tui_bench: the workbench on a large workspace, headless: time to the first
# frame, redraw time per keypress (mean and p99) and peak resident memory,
# at 80x24 and 200x60. Usage: tui_bench.sh MENTOR_BIN TUI_MKWS [ITEMS] [KEYS]
# (defaults 100000 items, 2000 keypresses). Run it from a built tree:
#   ninja -C build bench-tui   or   sh bench/tui_bench.sh build/src/mentor build/tests/tui/tui_mkws
set -eu
BIN=${1:?usage: tui_bench.sh MENTOR_BIN TUI_MKWS [ITEMS] [KEYS]}
MKWS=${2:?usage: tui_bench.sh MENTOR_BIN TUI_MKWS [ITEMS] [KEYS]}
ITEMS=${3:-100000}
KEYS=${4:-2000}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tui-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 XDG_CONFIG_HOME="$T/cfg"
start=$(date +%s.%N)
"$MKWS" "$T/ws.db" "$ITEMS"
end=$(date +%s.%N)
echo "workspace: $ITEMS items + 4 Japanese items, built in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
for size in 80x24 200x60; do
	# a fresh position each time: the first frame starts at the top
	sqlite3 "$T/ws.db" "DELETE FROM setting WHERE key LIKE 'tui.%'" 2> /dev/null || true
	echo "--- $size, $KEYS keypresses (j j j PgDn j k j j ...)"
	"$BIN" --db "$T/ws.db" tui --bench "$KEYS" --size "$size"
	echo "--- $size, reopening at the saved position (deep in the list)"
	"$BIN" --db "$T/ws.db" tui --bench "$KEYS" --size "$size" | grep -E 'first_frame|p99'
done
