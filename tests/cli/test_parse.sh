#!/bin/sh
# The commands that read their lines through their option tables, read with
# --parse-only: every option their --help lists is accepted as "--opt VALUE"
# and "--opt=VALUE" with the same result (a short alias too), a flag reads
# as a flag, an unknown option is a one-line usage error, and nothing
# creates a workspace. Argument: the mentor binary.
bin=${1:?usage: test_parse.sh MENTOR}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# parse NAME WANT_STATUS ARGS...: mentor --parse-only ARGS into $tmp/out.
parse() {
	name=$1 want=$2
	shift 2
	"$bin" --db "$tmp/w.db" --parse-only "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" -eq "$want" ]; then ok; else bad "$name: status $st, want $want"; sed 's/^/  ! /' "$tmp/err"; fi
}
has() { # has NAME TEXT: $tmp/out holds TEXT
	grep -qF -- "$2" "$tmp/out" && ok || { bad "$1: no '$2' in"; sed 's/^/  > /' "$tmp/out"; }
}

# The options of a command's --help, one "NAME ARG" or "NAME" a line; a
# short alias ("-o, --out FILE") takes its option's ARG.
options() {
	"$bin" "$1" --help | awk '
		/^options:/ { on = 1; next }
		on && /^$/ { on = 0 }
		on && /^  -/ {
			left = substr($0, 3)
			sub(/  .*/, "", left)
			n = split(left, part, ", ")
			for (i = n; i >= 1; i--) {
				if (part[i] !~ / / && part[i] !~ /^--/ && i < n)
					part[i] = part[i] " " substr(part[i + 1], index(part[i + 1], " ") + 1)
			}
			for (i = 1; i <= n; i++) print part[i]
		}'
}

cmds="import datasets items show sample init explain explanations calls review report export"
for c in $cmds; do
	options "$c" >"$tmp/opts"
	[ -s "$tmp/opts" ] || [ "$c" = init ] && ok || bad "$c: --help lists no options"
	while read -r opt arg; do
		if [ -n "$arg" ]; then
			parse "$c$opt" 0 "$c" "$opt" v1
			cp "$tmp/out" "$tmp/spaced"
			case $opt in
			--*) has "$c$opt" "\"$opt\",\"v1\"]" ;;
			*) has "$c$opt" ",\"v1\"]" ;; # an alias reads as its option
			esac
			case $opt in --*)
				parse "$c$opt=" 0 "$c" "$opt=v1"
				cmp -s "$tmp/out" "$tmp/spaced" && ok || bad "$c $opt=v1 differs from $opt v1"
				parse "$c$opt-missing" 2 "$c" "$opt"
				grep -qF "option '$opt' needs a value" "$tmp/err" && ok ||
					bad "$c $opt: $(cat "$tmp/err")"
				;;
			esac
		else
			parse "$c$opt" 0 "$c" "$opt"
			has "$c$opt" "[\"$opt\",null]"
		fi
	done <"$tmp/opts"
	parse "$c-unknown" 2 "$c" --no-such-option
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "$c --no-such-option: not one line"
	grep -qF "unknown option '--no-such-option' for '$c'; see 'mentor $c --help'" "$tmp/err" &&
		ok || bad "$c --no-such-option: $(cat "$tmp/err")"
	# after "--" everything is positional
	parse "$c-dashdash" 0 "$c" a -- --json
	has "$c-dashdash" '[[null,"a"],[null,"--json"]],"dashdash":1}'
done
[ ! -e "$tmp/w.db" ] && ok || bad "--parse-only created a workspace"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
