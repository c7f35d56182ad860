#!/bin/sh
# Hostile text through every command that prints data: terminal control
# sequences (OSC 52, title, clear screen), raw C1 CSI, bidi overrides,
# invisible characters, joiner chains, combining marks, a family emoji and a
# 50 KB line, as item fields, dataset name and file name. No output may carry
# any of them raw, and the escaped form of each must be there (nothing
# dropped). Argument: the mentor binary.
bin=${1:?usage: test_hostile.sh MENTOR}
command -v python3 >/dev/null || exit 77
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/cfg" LC_ALL=C.UTF-8
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
db="$tmp/w.db"
run() { # run NAME WANT_STATUS ARGS...: output in $tmp/NAME.out and .err
	name=$1 want=$2
	shift 2
	"$bin" --db "$db" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	st=$?
	if [ "$st" -eq "$want" ]; then ok; else bad "$name: status $st, want $want"; tail -c 600 "$tmp/$name.err"; tail -c 300 "$tmp/$name.out"; fi
}
# raw FILE...: 0 when a file holds a control, C1, bidi or invisible character
raw() {
	python3 - "$@" <<'PY'
import re, sys
bad = re.compile(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b\x8e\x8f\xa8-\xae]'
                 rb'|\xe2\x81[\xa0-\xa4\xa6-\xaf]|\xef\xbb\xbf|\xd8\x9c|\xc2\xad')
hit = 0
for p in sys.argv[1:]:
    d = open(p, 'rb').read()
    m = bad.search(d)
    if m:
        print('raw %r in %s at %d' % (m.group(0), p, m.start()))
        hit = 1
sys.exit(0 if hit else 1)
PY
}
clean() { # clean NAME FILE...
	n=$1
	shift
	if raw "$@"; then bad "$n: raw control characters reached the output"; else ok; fi
}
has() { # has NAME FILE TEXT: TEXT (fixed) is in FILE
	if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' missing"; fi
}

# the corpus; the file name itself carries a title sequence
fname=$(printf 'hostile\033]0;pwned\007.jsonl')
python3 - "$tmp/$fname" <<'PY'
import json, sys
zwj = '\u200d'
chain = zwj.join('答えはですよヒミツ')
family = zwj.join(['\U0001F468', '\U0001F469', '\U0001F467', '\U0001F466'])
q1 = ('osc52 \x1b]52;c;cHduZWQ=\x07 title \x1b]0;title\x07 clear \x1b[2J csi \u009b31m '
      'rlo \u202eevil\u202c isolate \u2066x\u2069 bom \ufeff zwsp \u200b end')
recs = [
    {"id": "h1", "question": q1, "answer": "4\u202e2", "rationale": "because \x1b[31mred\x1b[0m",
     "split": "train", "trace": {"op": "add", "args": [2, 2]}},
    {"id": "h2", "question": "chain " + chain + " family " + family + " marks e\u0301\u0323",
     "answer": "5", "rationale": "a" + zwj + "漢", "split": "train"},
    {"id": "h3", "question": "long " + "x" * 50000 + " \u202e tail", "answer": "6",
     "split": "test"},
]
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    for r in recs:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
    # a bad record: its fields go into the error message
    f.write('{"id": "h4\x1b]52;c;eHg=\x07\u009b\u202e", "question": "q\x1b[2J"}\n')
PY
dname=$(printf 'ds\342\200\256\302\233x')

# import: the error names the file and the record, escaped
run import_err 1 import "$tmp/$fname" --name "$dname"
clean import_err "$tmp/import_err.out" "$tmp/import_err.err"
has import_err "$tmp/import_err.err" '\x1b]0;pwned\x07'
run import 0 import "$tmp/$fname" --name "$dname" --skip-bad
clean import "$tmp/import.out" "$tmp/import.err"
has import "$tmp/import.out" 'ds\u202e\u009bx'

run datasets 0 datasets
clean datasets "$tmp/datasets.out" "$tmp/datasets.err"
has datasets "$tmp/datasets.out" 'ds\u202e\u009bx'
run items 0 items "$dname"
clean items "$tmp/items.out" "$tmp/items.err"
has items "$tmp/items.out" '\x1b]52;c;'
has items "$tmp/items.out" '4\u202e2'
id=$(awk '$3 ~ /^4/ {print $1; exit}' "$tmp/items.out")
id2=$((id + 1))
id3=$((id + 2))
for i in "$id" "$id2" "$id3"; do
	run "show$i" 0 show "$i"
	clean "show$i" "$tmp/show$i.out" "$tmp/show$i.err"
	run "showjson$i" 0 show "$i" --json
	clean "showjson$i" "$tmp/showjson$i.out" "$tmp/showjson$i.err"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/showjson$i.out" \
		&& ok || bad "show --json $i: not JSON"
done
for want in '\x1b]52;c;cHduZWQ=\x07' '\x1b]0;title\x07' '\x1b[2J' '\u009b31m' '\u202eevil\u202c' \
	'\u2066x\u2069' '\ufeff' '\u200b' '\x1b[31mred\x1b[0m'; do
	has show "$tmp/show$id.out" "$want"
done
has showjson "$tmp/showjson$id.out" '\u009b31m'
has showjson "$tmp/showjson$id.out" '\u202eevil'
# text is kept as it is: joiners, marks, emoji; the long line whole
python3 - "$tmp/show$id2.out" "$tmp/show$id3.out" <<'PY' && ok || bad "show: text changed"
import sys
a = open(sys.argv[1], encoding='utf-8').read()
b = open(sys.argv[2], encoding='utf-8').read()
zwj = '\u200d'
assert zwj.join('答えはですよヒミツ') in a
assert zwj.join(['\U0001F468', '\U0001F469', '\U0001F467', '\U0001F466']) in a
assert 'e\u0301\u0323' in a and 'a' + zwj + '漢' in a
assert 'x' * 50000 + ' \\u202e tail' in b
PY

# explanations by the offline teacher, then calls
run explain 0 explain "$dname" --mode cot --split train
clean explain "$tmp/explain.out" "$tmp/explain.err"
run expls 0 explanations "$dname"
clean expls "$tmp/expls.out" "$tmp/expls.err"
run explsjson 0 explanations "$dname" --json
clean explsjson "$tmp/explsjson.out"
run calls 0 calls --json
clean calls "$tmp/calls.out"

# a run whose name is hostile: train prints it escaped, runs too
rname=$(printf 'run\033]0;x\007\342\200\256')
run train 0 train "$dname" --source gold --variant mt-re --name "$rname" --steps 2 \
	--layers 1 --width 32 --heads 2 --context 48 --vocab 300 --batch 2 --threads 1 \
	--eval-split none
clean train "$tmp/train.out" "$tmp/train.err"
has train "$tmp/train.out" 'run\x1b]0;x\x07\u202e'
run runs 0 runs
clean runs "$tmp/runs.out" "$tmp/runs.err"
has runs "$tmp/runs.out" 'run\x1b]0;x\x07\u202e'
run runsjson 0 runs --json
clean runsjson "$tmp/runsjson.out"
rid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$tmp/runsjson.out")

# tokenize: the tokens of hostile text (any token may hold a control byte or
# a piece of a bidi override) come out escaped; a hostile run name too
htext=$(printf 'osc52 ]52;c;cHduZWQ= csi Â rlo â®evil bom ï»¿ end')
run tokenize 0 tokenize "$rid" "$htext" --json
clean tokenize "$tmp/tokenize.out" "$tmp/tokenize.err"
has tokenize "$tmp/tokenize.out" '\u001b'
run tokenizename 0 tokenize "$rname" "$htext"
clean tokenizename "$tmp/tokenizename.out" "$tmp/tokenizename.err"
run tokenizebad 2 tokenize "no$rname" x
clean tokenizebad "$tmp/tokenizebad.out" "$tmp/tokenizebad.err"
has tokenizebad "$tmp/tokenizebad.err" 'norun\x1b]0;x\x07\u202e'

# the report page and the export
run report 0 report "$rid" --out "$tmp/r.html"
clean report "$tmp/report.out" "$tmp/report.err" "$tmp/r.html"
has report "$tmp/r.html" '\u202e'
run export 0 export "$dname" --status all --out "$tmp/e.jsonl"
clean export "$tmp/export.out" "$tmp/export.err" "$tmp/e.jsonl"
run exportout 0 export "$dname" --status all --out -
clean exportout "$tmp/exportout.out"

# the workbench, headless: the item list and the first item of the dataset
printf 'key d\n' >"$tmp/script"
run tui 0 tui --script "$tmp/script" --dump
clean tui "$tmp/tui.out" "$tmp/tui.err"
has tui "$tmp/tui.out" '\u202e'
# and in a real terminal (tmux): what arrives, attributes included (-e),
# holds no control or bidi character but the workbench's own colours
if command -v tmux >/dev/null 2>&1; then
	sock="mentor-hostile-$$"
	tmux -L "$sock" -f /dev/null new-session -d -s h -x 160 -y 45 \
		"XDG_CONFIG_HOME='$tmp/cfg' LC_ALL=C.UTF-8 '$bin' --db '$db' tui" 2>/dev/null
	i=0
	while [ $i -lt 100 ]; do
		tmux -L "$sock" capture-pane -p -t h >"$tmp/pane" 2>/dev/null
		grep -qF 'x1b]52' "$tmp/pane" && break
		[ $i -eq 5 ] && tmux -L "$sock" send-keys -t h d
		sleep 0.1
		i=$((i + 1))
	done
	tmux -L "$sock" capture-pane -e -p -t h >"$tmp/pane_e" 2>/dev/null
	tmux -L "$sock" kill-server >/dev/null 2>&1
	has tmux "$tmp/pane" '\x1b]52;c;'
	# colours (SGR) are the workbench's own; anything else is raw data
	python3 - "$tmp/pane_e" <<'PY' && bad "tmux: raw control characters arrived" || ok
import re, sys
d = open(sys.argv[1], 'rb').read()
d = re.sub(rb'\x1b\[[0-9;:]*m', b'', d)
sys.exit(0 if re.search(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]'
                        rb'|\xe2\x81[\xa6-\xa9]|\xef\xbb\xbf', d) else 1)
PY
fi

# under the sanitizer build any report fails the test
if grep -lE 'Sanitizer|runtime error:' "$tmp"/*.err 2>/dev/null; then
	bad "sanitizer report"
else
	ok
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
