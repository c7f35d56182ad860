#!/bin/sh
# test_option_forms: every command reads its line through its option table,
# and every option means the same in both forms. For each command that
# `mentor --help` lists, the options its --help prints are taken, and
# `mentor --parse-only CMD ...` (the command's own parse, printed as JSON,
# nothing run) must give the same result for `--opt VALUE` and
# `--opt=VALUE`, the long form for a short alias, the option for a flag, and
# a usage error for a flag given a value and for an unknown option. A KEY's
# value is never printed.
# Usage: test_option_forms.sh MENTOR_BIN
set -u
bin=${1:?usage: test_option_forms.sh MENTOR_BIN}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-forms-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99
# a workspace that does not exist: a command that ran instead of printing
# its parse fails, and nothing is created
db=$T/none.db
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

"$bin" --help > main.help || { echo "setup: mentor --help failed"; exit 99; }
sed -n '/^commands:/,/^$/p' main.help | awk 'NR > 1 && NF { print $1 }' > commands
[ "$(wc -l < commands)" -ge 20 ] || { echo "setup: few commands"; exit 99; }

# parse CMD ARGS...: the parse of the line in $T/out, the exit code returned
parse() {
	"$bin" --db "$db" --parse-only "$@" > out 2> err
}

# options HELPFILE: "NAME ARG" lines (ARG "-" for a flag) of the options
# section; a short alias ("-o, --out FILE") takes the argument of its long
# form
options() {
	sed -n '/^options:$/,/^$/p' "$1" | grep -E '^  -' | sed -E 's/^  //; s/  .*//' |
	awk -F', ' '{
		for (i = 1; i <= NF; i++) {
			n = split($i, w, " ")
			arg = n > 1 ? w[2] : "-"
			if (n == 1 && w[1] !~ /^--/ && i < NF) { # an alias
				split($(i + 1), nx, " ")
				arg = nx[2] != "" ? nx[2] : "-"
			}
			print w[1], arg
		}
	}'
}

nopt=0
ncmd=0
for c in $(cat commands); do
	"$bin" "$c" --help > "$c.help" 2>&1 || { fail "mentor $c --help failed"; continue; }
	parse "$c"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "'mentor --parse-only $c' exits $rc ($(head -c 300 err))"
		continue
	fi
	grep -q "^{\"command\":\"$c\"," out ||
		{ fail "'mentor $c' does not read its line through its table: $(head -c 200 out)"; continue; }
	ncmd=$((ncmd + 1))
	options "$c.help" > "$c.opts"
	while read -r name arg; do
		nopt=$((nopt + 1))
		case $name in
		--*) long=1 ;;
		*) long=0 ;;
		esac
		if [ "$arg" = "-" ]; then
			parse "$c" "$name" ||
				{ fail "$c $name: exit $? ($(cat err))"; continue; }
			if [ $long -eq 1 ]; then
				grep -qF "[\"$name\",null]" out || fail "$c $name: not read as a flag: $(cat out)"
			fi
			if parse "$c" "$name=1"; then
				fail "$c $name=1: a flag took a value"
			elif [ $long -eq 1 ] && ! grep -q "takes no value" err; then
				fail "$c $name=1: $(cat err)"
			fi
			continue
		fi
		# a value with '=' and a space in it, as given
		v="v=1 x"
		parse "$c" "$name" "$v" || { fail "$c $name VALUE: exit $? ($(cat err))"; continue; }
		if [ "$arg" = KEY ]; then # a secret: read, never printed
			grep -qF "[\"$name\",\"(secret)\"]" out && ! grep -qF 'v=1 x' out ||
				fail "$c $name KEY: the key is printed: $(cat out)"
		else
			grep -qF '"v=1 x"]' out || fail "$c $name VALUE: the value is not kept: $(cat out)"
		fi
		cp out spaced
		if [ $long -eq 1 ]; then
			parse "$c" "$name=$v" || { fail "$c $name=VALUE: exit $? ($(cat err))"; continue; }
			cmp -s out spaced ||
				fail "$c: '$name VALUE' and '$name=VALUE' differ: $(cat spaced) / $(cat out)"
		else
			# a short alias reads as its long form, and takes no '='
			grep -qF '["--' spaced || fail "$c $name: not read as its long form: $(cat spaced)"
			parse "$c" "$name=$v" && fail "$c: short option $name took '=VALUE'"
		fi
		parse "$c" "$name" && fail "$c $name: a missing value was not refused"
	done < "$c.opts"
	for form in "--no-such-option" "--no-such-option=secret-value"; do
		if parse "$c" "$form"; then
			fail "$c: unknown option $form accepted"
		else
			rc=$?
			[ $rc -eq 2 ] || fail "$c $form: exit $rc, not 2"
			grep -q "unknown option '--no-such-option'" err || fail "$c $form: $(cat err)"
			grep -q secret-value err && fail "$c $form: the value was echoed"
		fi
	done
done

# the global form needs a command too: `mentor --parse-only` alone is the
# workbench's parse
parse && grep -q '^{"command":"tui",' out || fail "mentor --parse-only alone: $(cat out err)"
# aliases: report's -o is --out
parse report -o x.html && grep -qF '["--out","x.html"]' out || fail "report -o: $(cat out err)"
# everything after -- is an argument
parse run-external ds -- --help x && grep -qF '[null,"--help"]' out ||
	fail "run-external -- --help: $(cat out err)"

[ -e "$db" ] && fail "a workspace was created by --parse-only"
[ "$nopt" -ge 150 ] || fail "only $nopt options found in the commands' --help"
[ $fails -eq 0 ] || exit 1
echo "ok: $ncmd commands, $nopt options, both forms read alike"
