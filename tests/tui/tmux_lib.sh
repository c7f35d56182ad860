# tmux_lib.sh: the harness of the real-terminal tests, sourced by them
# (`. "$(dirname "$0")/tmux_lib.sh"`). The caller sets SOCK (tmux server
# name), T (a scratch directory), S (the current session), pass=0, fail=0,
# and optionally WAIT_POLLS (tenths of a second wait_for waits; 100).

tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t "$S" > "$T/screen" 2> /dev/null; }
# bad NAME: count a failure and show the pane.
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	screen
	sed 's/^/  | /' "$T/screen"
}
# wait_for NAME TEXT: poll the pane until TEXT shows.
wait_for() {
	i=0
	while [ $i -lt "${WAIT_POLLS:-100}" ]; do
		screen
		if grep -qF -- "$2" "$T/screen"; then
			pass=$((pass + 1))
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	bad "$1: '$2' never appeared"
	return 1
}
# wait_gone NAME TEXT: poll until TEXT is no longer shown.
wait_gone() {
	i=0
	while [ $i -lt "${WAIT_POLLS:-100}" ]; do
		screen
		if ! grep -qF -- "$2" "$T/screen"; then
			pass=$((pass + 1))
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	bad "$1: '$2' never went away"
	return 1
}
# eq NAME GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: got '$2', want '$3'"
	fi
}
# tmux_session EXPORTS COMMAND: a new 100x30 session S (the old one is closed
# after, so the server stays) with a clean shell in $T, LC_ALL=C.UTF-8,
# XDG_CONFIG_HOME=$T/cfg, MENTOR_DATA_DIR and EXPORTS (NAME=VALUE words)
# exported, then COMMAND typed in it.
tmux_session() {
	old=$S
	N=$((${N:-0} + 1))
	S=s$N
	tm -f /dev/null new-session -d -s "$S" -x 100 -y 30 \
		"env -i PATH=/usr/bin:/bin HOME=$T TERM=xterm-256color sh" || exit 99
	tm kill-session -t "$old" > /dev/null 2>&1
	tm send-keys -t "$S" "cd $T && export LC_ALL=C.UTF-8 XDG_CONFIG_HOME=$T/cfg $1 MENTOR_DATA_DIR=${MENTOR_DATA_DIR:-}" Enter
	tm send-keys -t "$S" "echo RE''ADY" Enter
	wait_for shell READY || exit 1
	tm send-keys -t "$S" "$2" Enter
}
# mentor_pid: the pid of the program the session's shell runs.
mentor_pid() {
	sh_pid=$(tm display-message -p -t "$S" '#{pane_pid}')
	ps -o pid= --ppid "$sh_pid" | tr -d ' ' | head -n 1
}
