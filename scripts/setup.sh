#!/bin/sh
# setup.sh: the two commands of the README.
#   scripts/setup.sh run   install what is missing, build, load the sample data
#                          into ./mentor.db (or $MENTOR_DB) and open the workbench
#   scripts/setup.sh test  install what is missing, build, run the whole test
#                          suite plainly and under AddressSanitizer and
#                          UndefinedBehaviorSanitizer; ends with "N passed, N failed"
#   scripts/setup.sh ci    what .ci/run runs: the test command's two suites with
#                          -Dwerror=true, a -Werror build with clang (compiled,
#                          not run) and the suite once more on a release build
#                          (-Dbuildtype=release); the last line counts all three
# Needs root or sudo only when packages are missing (Debian 12 apt-get).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# python3-torch (about 143 MB of packages, 610 MB installed) gives the test
# suite PyTorch's logits for imported GPT-2 checkpoints (modelio/torch_parity)
# and runs the reference trainer, scripts/mentor_torch_train.py, with
# /usr/bin/python3 (modelio/torch_trainer); python3-jinja2 renders the
# exported chat template as transformers does; groff-base renders the man
# page in the test that checks it (docs_man); zsh runs the zsh completion
# script in its test (cli_completion).
PACKAGES="gcc meson ninja-build pkg-config python3 libncurses-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libopenblas-openmp-dev sqlite3 tmux groff-base python3-numpy
python3-jinja2 python3-torch zsh"
# ci also compiles with clang (and checks the layout once the lint does)
CI_PACKAGES="clang libomp-dev clang-format"

install_missing() {
	missing=""
	for p in $PACKAGES; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	echo "setup: installing:$missing" >&2
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "setup: packages missing ($missing) and neither root nor sudo" >&2
		exit 1
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
}

build() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log" >&2
			exit 1
		}
	elif [ -n "${reconfigure:-}" ] && [ $# -gt 0 ]; then
		meson configure "$dir" "$@" >&2 || exit 1
	fi
	ninja -C "$dir" >&2
}

# Run one meson test suite; print its counts as "passed failed skipped".
run_suite() {
	dir=$1
	shift
	meson test -C "$dir" --print-errorlogs "$@" >&2 || true
	python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    if not line.strip():
        continue
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
if not lines:
    f += 1
print(p, f, s)
PY
}

passed=0 failed=0 skipped=0
# Run one suite (run_suite's arguments) and add its counts to the totals.
tally() {
	run_suite "$@" >/tmp/mentor-suite.$$ || true
	set -- $(cat /tmp/mentor-suite.$$)
	rm -f /tmp/mentor-suite.$$
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}

# The plain and the sanitized builds and suites; arguments: meson options for both.
plain_and_sanitized() {
	build build "$@"
	tally build --num-processes 2
	build build-san -Db_sanitize=address,undefined -Db_lundef=false "$@"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	MENTOR_SANITIZED=1 \
		tally build-san --num-processes 2 --timeout-multiplier 4
}

cmd=${1:-}
case "$cmd" in
run)
	install_missing
	build build
	# install mentor (binary, themes, sample data) where the shell finds it:
	# /usr/local as root, else ~/.local (PREFIX overrides)
	if [ "$(id -u)" -eq 0 ]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
	if [ "$(meson introspect build --buildoptions 2>/dev/null |
		python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))' 2>/dev/null)" != "$prefix" ]; then
		meson configure build -Dprefix="$prefix" >&2
	fi
	meson install -C build --quiet >&2
	echo "setup: mentor installed as $prefix/bin/mentor (data in $prefix/share/mentor)" >&2
	case ":$PATH:" in
	*":$prefix/bin:"*) ;;
	*) echo "setup: add $prefix/bin to PATH to run 'mentor' from anywhere" >&2 ;;
	esac
	db=${MENTOR_DB:-mentor.db}
	"$prefix/bin/mentor" --db "$db" init
	exec "$prefix/bin/mentor" --db "$db"
	;;
test)
	install_missing
	plain_and_sanitized
	echo "plain and sanitized suites" >&2
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	;;
ci)
	PACKAGES="$PACKAGES $CI_PACKAGES"
	install_missing
	# a build directory kept from an earlier run gets the options too
	reconfigure=1
	plain_and_sanitized -Dwerror=true
	# clang: every warning of its own is an error too; compiled, not run
	if ! (CC=clang && export CC && build build-clang -Dwerror=true); then
		echo "ci: the clang build failed" >&2
		failed=$((failed + 1))
	fi
	build build-release -Dbuildtype=release -Dwerror=true
	tally build-release --num-processes 2
	echo "plain, sanitized and release suites; clang build" >&2
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	;;
*)
	echo "usage: scripts/setup.sh run|test|ci" >&2
	exit 2
	;;
esac
