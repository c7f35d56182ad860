#!/bin/sh
# test_completion: `mentor completion bash|zsh` offer every command and every
# option each command's --help lists, the values of options that take one of
# a few words, and file names where a file is asked for. The bash script is
# run as bash runs it on <TAB>; the zsh script is run with _arguments,
# _describe and _files replaced by functions that print what they are given
# (zsh's completion widgets need a terminal); it skips when zsh is absent.
# Usage: test_completion.sh MENTOR_BIN
set -u
bin=${1:?usage: test_completion.sh MENTOR_BIN}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-comp-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

"$bin" completion bash > mentor.bash || { echo "setup: completion bash failed"; exit 99; }
"$bin" --help > main.help || exit 99
sed -n '/^commands:/,/^$/p' main.help | awk 'NR > 1 && NF { print $1 }' > commands
[ "$(wc -l < commands)" -ge 20 ] || { echo "setup: few commands"; exit 99; }
# the long options of each command's --help, one a line
for c in $(cat commands); do
	"$bin" "$c" --help 2>&1 | sed -n '/^options:$/,/^$/p' | grep -E '^  -' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u > "$c.opts"
done
: > report.html
mkdir -p sub

# comp WORD...: what bash offers for the last word
cat > comp.bash <<'EOF'
source ./mentor.bash
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_mentor
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
EOF
bcomp() {
	bash -c '. ./comp.bash; comp "$@"' bash "$@"
}

bash -n mentor.bash || fail "the bash script does not parse"
bcomp mentor tr | grep -qx train || fail "bash: 'mentor tr' does not offer train"
bcomp mentor "" | grep -qx completion || fail "bash: the command list lacks completion"
bcomp mentor --d | grep -qx -- --db || fail "bash: --db not offered"
bcomp mentor --db x.db train --st | grep -qx -- --steps ||
	fail "bash: --db PATH before the command hides it"
[ "$(bcomp mentor train --variant "" | tr '\n' ' ')" = "baseline mt-cot mt-ra mt-re " ] ||
	fail "bash: --variant values: $(bcomp mentor train --variant "")"
bcomp mentor report -o rep | grep -qx report.html || fail "bash: -o does not offer files"
bcomp mentor train --steps "" | grep -q . && fail "bash: a number was offered file names"
n=0
for c in $(cat commands); do
	bcomp mentor "$c" -- > offered
	while read -r o; do
		n=$((n + 1))
		grep -qx -- "$o" offered || fail "bash: 'mentor $c' does not offer $o"
	done < "$c.opts"
	# and nothing it does not take
	grep -- '^--' offered | grep -vx -- --help | sort > got
	cmp -s got "$c.opts" || fail "bash: 'mentor $c' offers $(comm -23 got "$c.opts" | tr '\n' ' ')"
done
[ "$n" -ge 150 ] || fail "only $n options in the commands' --help"

if command -v zsh > /dev/null 2>&1; then
	"$bin" completion zsh > _mentor || fail "completion zsh failed"
	zsh -n _mentor || fail "the zsh script does not parse"
	# zcomp CMD: the specs _mentor hands to _arguments for words (CMD)
	cat > harness.zsh <<'EOF'
_arguments() { print -rl -- "$@"; state=${FORCE_STATE:-}; return 0 }
_describe() { print -rl -- "${(@P)2}" }
_files() { : }
words=("$@")
source ./_mentor
EOF
	for c in $(cat commands); do
		FORCE_STATE=argument zsh -f harness.zsh "$c" > "$c.zsh" 2> zerr ||
			{ fail "zsh: _mentor for $c: $(cat zerr)"; continue; }
		while read -r o; do
			grep -qE -- "^$o(=?\\[)" "$c.zsh" || fail "zsh: 'mentor $c' lacks $o"
		done < "$c.opts"
	done
	grep -qF -- '--variant=[' train.zsh && grep -qF '(baseline mt-re mt-ra mt-cot)' train.zsh ||
		fail "zsh: --variant's values: $(grep -F -- --variant train.zsh)"
	FORCE_STATE=command zsh -f harness.zsh > cmds.zsh 2>&1
	grep -q '^train:train a small model' cmds.zsh || fail "zsh: no train in $(head -3 cmds.zsh)"
else
	echo "zsh absent: its script is not checked"
fi

[ $fails -eq 0 ] || exit 1
echo "ok: $(wc -l < commands) commands, $n options offered"
