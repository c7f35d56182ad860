#!/bin/sh
# End-to-end checks of the command table: global options, exit codes, one-line
# errors, and that every command answers --help. Argument: the mentor binary.
bin=${1:?usage: test_cli.sh MENTOR}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { # expect NAME WANT_STATUS CMD...
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" -eq "$want" ]; then ok; else bad "$name: status $st, want $want"; sed 's/^/  ! /' "$tmp/err"; fi
}

expect help 0 "$bin" --help
grep -q '^usage: mentor' "$tmp/out" && ok || bad "help: no usage line"
expect version 0 "$bin" --version
grep -q '^mentor [0-9]' "$tmp/out" && ok || bad "version: output"
expect unknown_cmd 2 "$bin" --db "$tmp/w.db" frobnicate
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "unknown_cmd: error not one line"
grep -q "unknown command 'frobnicate'" "$tmp/err" && ok || bad "unknown_cmd: message"
expect unknown_opt 2 "$bin" --frob
expect db_missing_arg 2 "$bin" --db
[ ! -e "$tmp/w.db" ] && ok || bad "unknown command created a workspace"

# Every command in the table answers --help with status 0 and a usage text,
# and never creates a workspace for it.
cmds=$("$bin" --help | awk '/^commands:/{on=1; next} /^$/{on=0} on && NF {print $1}')
[ -n "$cmds" ] && ok || bad "no commands listed"
for c in $cmds; do
	[ "$c" = tui ] && continue
	expect "help_$c" 0 "$bin" --db "$tmp/h.db" "$c" --help
	[ -s "$tmp/out" ] && ok || bad "help_$c: empty help"
done
[ ! -e "$tmp/h.db" ] && ok || bad "--help created a workspace"

# MENTOR_DB chooses the workspace; --db wins over it.
MENTOR_DB="$tmp/env.db" "$bin" init >/dev/null 2>&1 && [ -e "$tmp/env.db" ] && ok || bad "MENTOR_DB ignored"
MENTOR_DB="$tmp/env.db" "$bin" --db "$tmp/flag.db" init >/dev/null 2>&1
[ -e "$tmp/flag.db" ] && ok || bad "--db did not win over MENTOR_DB"
# a read-only command does not create the workspace it is pointed at
MENTOR_DB="$tmp/env.db" "$bin" --db "$tmp/typo.db" datasets >/dev/null 2>&1
[ $? -eq 1 ] && [ ! -e "$tmp/typo.db" ] && ok || bad "datasets created a missing workspace"
n=$("$bin" --db "$tmp/env.db" datasets --json | grep -o '"name"' | wc -l)
[ "$n" -ge 5 ] && ok || bad "init loaded $n datasets, want at least 5"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
