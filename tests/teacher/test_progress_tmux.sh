#!/bin/sh
# test_progress_tmux: `mentor explain` in a real terminal (tmux) draws its
# progress bar on stderr (done/total, rate, errors, tokens, cost, ETA) and
# ends with the summary; piped, it prints plain progress lines instead.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-progress-XXXXXX") || exit 99
SOCK="mentor-progress-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/cfg"
export XDG_CONFIG_HOME="$T/cfg"
"$BIN" --db "$T/ws.db" init > /dev/null 2>&1 || exit 99
fail=0
tmux -L "$SOCK" new-session -d -x 120 -y 20 -s p \
	"XDG_CONFIG_HOME='$T/cfg' '$BIN' --db '$T/ws.db' explain arith --mode crop --limit 300; echo EXIT=\$?; sleep 30"
i=0
while [ $i -lt 150 ]; do
	tmux -L "$SOCK" capture-pane -p -t p > "$T/screen" 2> /dev/null
	grep -q "EXIT=" "$T/screen" && break
	sleep 0.1
	i=$((i + 1))
done
for want in "[########################] 300/300" "err 0" "tok " "ETA" \
	"arith crop with offline/scripted-teacher: 300 tasks" "EXIT=0"; do
	if ! grep -qF -- "$want" "$T/screen"; then
		echo "FAIL: '$want' not on the terminal"
		sed 's/^/  | /' "$T/screen"
		fail=1
	fi
done
# Not a terminal: plain lines, no carriage returns or escapes.
"$BIN" --db "$T/ws.db" explain arith --mode cot --limit 50 > "$T/out" 2> "$T/err" || fail=1
grep -q "^explain: 50/50 done" "$T/err" || { echo "FAIL: no plain progress line"; fail=1; }
if grep -q "$(printf '\r')" "$T/err"; then
	echo "FAIL: carriage return in piped progress"
	fail=1
fi
exit $fail
