# tmux_wait.sh: the harness of the real-terminal tests that train, with
# waits given in seconds; sourced by them (`. "$(dirname "$0")/tmux_wait.sh"`).
# The caller sets SOCK (the tmux server's socket name), S (the session), T (a
# scratch directory), pass=0 and fail=0; MENTOR_WAIT_SCALE stretches every
# wait (slow machines, sanitizers).

# tm, screen, bad and the rest of the common harness
. "$(dirname "$0")/tmux_lib.sh"

# wait_for NAME TEXT [SECONDS]: poll the pane until TEXT shows (default 10 s).
wait_for() {
	i=0
	lim=$(( ${3:-10} * 10 * ${MENTOR_WAIT_SCALE:-3} ))
	while [ $i -lt $lim ]; do
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
# wait_re NAME REGEX [SECONDS]: the same with an extended regular expression.
wait_re() {
	i=0
	lim=$(( ${3:-10} * 10 * ${MENTOR_WAIT_SCALE:-3} ))
	while [ $i -lt $lim ]; do
		screen
		if grep -qE -- "$2" "$T/screen"; then
			pass=$((pass + 1))
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	bad "$1: /$2/ never matched"
	return 1
}
keys() { tm send-keys -t "$S" "$@"; }
# set_field: Enter on the selected field, clear it, type VALUE, Enter.
set_field() {
	keys Enter BSpace BSpace BSpace BSpace BSpace
	keys -l "$1"
	keys Enter
}

