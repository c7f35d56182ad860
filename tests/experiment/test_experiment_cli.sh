#!/bin/sh
# test_experiment_cli: `mentor experiment` end to end through the binary
# ($MENTOR_BIN): a 2 variants x 2 seeds experiment with --json checked by
# python3, the text table, --show, --list, --plan-only then --resume (also
# detached), OPT=VALUE options, the report that opens with the experiment's
# table, and usage errors (exit 2) on one line.
set -u
bin=${MENTOR_BIN:?MENTOR_BIN not set}
command -v python3 >/dev/null || exit 77
dir=$(mktemp -d "${TMPDIR:-/tmp}/mentor-exp-cli-XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
db="$dir/w.db"
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

expect() {
	want=$1
	shift
	"$bin" --db "$db" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	[ "$got" = "$want" ] || fail "mentor $* exited $got, expected $want: $(cat "$dir/err")"
}

has() { grep -q -- "$1" "$dir/$2" || fail "'$1' not in $2: $(cat "$dir/$2")"; }
one_line_err() { [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$dir/err")"; }

expect 0 sample arith --splits 60/10/40 --import toy
small="--preset tiny --steps 4 --batch 2 --threads 1 --source gold"

# help and usage errors
expect 0 experiment --help
has "usage: mentor experiment" out
expect 2 experiment
one_line_err
expect 2 experiment toy --seeds 0
has "invalid value '0' for '--seeds'" err
expect 2 experiment toy --variants baseline,mt-xx
has "unknown variant 'mt-xx'" err
one_line_err
expect 2 experiment toy --variants baseline,baseline
has "twice" err
expect 2 experiment toy --steps=abc
has "invalid value 'abc' for '--steps'" err
expect 2 experiment toy --show 1
has "give one of" err
expect 2 experiment --show x
expect 2 experiment --resume 1 --steps 5
has "apply to a new experiment" err
expect 2 experiment toy --bogus
has "unknown option '--bogus' for 'experiment'; see 'mentor experiment --help'" err
expect 2 experiment toy other
has "one dataset only (got 'toy' and 'other')" err
expect 2 experiment toy --arch=gpt3
has "unknown architecture 'gpt3'" err
# the last of an option given twice counts
expect 2 experiment toy --seeds 2 --seeds=0
has "invalid value '0' for '--seeds'" err
expect 0 --parse-only experiment toy --seeds=2 --list
has '^{"command":"experiment","args":\[\[null,"toy"\],\["--seeds","2"\],\["--list",null\]\],"dashdash":-1}$' out
expect 2 experiment toy --preset huge
expect 2 experiment toy --seeds
has "needs a value" err
expect 2 experiment nosuch $small
has "no dataset 'nosuch'" err
# accepted, asked for, has nothing reviewed in a fresh dataset
expect 2 experiment toy --preset tiny --steps 4 --source accepted
has "no accepted explanations" err
one_line_err
expect 2 experiment --show 99
expect 0 experiment --list
has "no experiments" out

# a whole experiment, JSON on stdout, progress on stderr
expect 0 experiment toy --variants=baseline,mt-cot --seeds=2 $small --json
has "run 1/4 baseline seed 1: training run" err
has "run 4/4 mt-cot seed 2: step 4/4 loss" err
has "evaluating 40/40" err
cp "$dir/out" "$dir/exp.json"
python3 - "$dir/exp.json" <<'PY' || fail "experiment JSON: $(cat "$dir/exp.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["status"] == "done" and j["seeds"] == 2 and j["split"] == "test", j
assert j["runs"] == {"total": 4, "done": 4, "evaluated": 4, "failed": 0}, j["runs"]
assert j["split_items"] == 40 and j["steps"] == 4 and j["preset"] == "tiny"
rows = [(r["variant"], r["mode"]) for r in j["rows"]]
assert rows == [("baseline", "direct"), ("mt-cot", "direct"),
                ("mt-cot", "explain-then-answer")], rows
base = j["rows"][0]
assert base["vs_baseline"] is None and base["n"] == 2 and base["ci_method"] == "t"
for r in j["rows"]:
    seeds = [s["seed"] for s in r["per_seed"]]
    assert seeds == [1, 2], seeds
    accs = [s["accuracy"] for s in r["per_seed"]]
    assert all(0 <= a <= 1 for a in accs)
    assert abs(r["mean"] - sum(accs) / 2) < 1e-9
    assert all(s["items"] == 40 for s in r["per_seed"])
    lo, hi = r["ci"]
    assert 0 <= lo <= r["mean"] + 1e-9 and r["mean"] - 1e-9 <= hi <= 1
for r in j["rows"][1:]:
    v = r["vs_baseline"]
    assert v["seeds"] == 2 and v["items"] == 40
    d = sum(a["accuracy"] - b["accuracy"]
            for a, b in zip(r["per_seed"], base["per_seed"])) / 2
    assert abs(v["diff"] - d) < 1e-9, (v, d)
    assert v["ci"][0] <= v["diff"] + 1e-9 <= v["ci"][1] + 2e-9
    assert 0 <= v["mcnemar_p"] <= 1
    # the runs of one seed are paired: baseline seed s against mt-cot seed s
    assert [s["run"] for s in r["per_seed"]] != [s["run"] for s in base["per_seed"]]
assert j["verdict"].startswith("MT-CoT (") and "2 seeds" in j["verdict"], j["verdict"]
PY
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["experiment"])' "$dir/exp.json")

# the same table as text, and in the list
expect 0 experiment --show "$id"
has "experiment $id (exp$id) on 'toy': done, 4 of 4 runs evaluated" out
has "^mt-cot    explain-then-answer" out
has "^verdict: MT-CoT (" out
expect 0 experiment --show="$id" --json
cmp -s "$dir/out" "$dir/exp.json" || fail "--show --json differs from the run's JSON"
expect 0 experiment --list
has "exp$id  done" out
has "4/4 runs evaluated" out
expect 0 experiment --list --json
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert len(l)==1 and l[0]["status"]=="done"' \
	"$dir/out" || fail "list JSON: $(cat "$dir/out")"

# the report opens with the experiment's table
expect 0 report --experiment "$id" -o "$dir/r.html"
has "id=\"experiment\"" r.html
has "<td>MT-CoT</td><td>explain-then-answer</td>" r.html
python3 - "$dir/r.html" "$dir/exp.json" <<'PY' || fail "report does not show the verdict first"
import html, json, sys
h = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
v = html.escape(j["verdict"], quote=True).replace("&#x27;", "&#39;")
assert v in h, v
assert h.index(v) < h.index('id="runs"')
PY
run1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][1]["per_seed"][0]["run"])' "$dir/exp.json")
expect 0 report "$run1" -o "$dir/r2.html"
has "id=\"experiment\"" r2.html
expect 1 report --experiment 99 -o "$dir/r3.html"
expect 2 report --experiment x -o "$dir/r3.html"

# plan only, then resume in this process
expect 0 experiment toy --variants baseline --seeds 1 $small --plan-only
pid_only=$(cat "$dir/out")
expect 0 experiment --show "$pid_only" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["status"]=="queued" and j["runs"]["total"]==1 and j["runs"]["done"]==0' \
	"$dir/out" || fail "planned experiment: $(cat "$dir/out")"
expect 0 experiment --resume "$pid_only" --threads 1
has "verdict: Only the baseline in this experiment" out
expect 2 experiment --resume "$pid_only" --detach
has "already done" err

# plan only, then resume detached; wait for the process to finish
expect 0 experiment toy --variants baseline --seeds 1 $small --plan-only --json
did=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["experiment"])' "$dir/out")
expect 0 experiment --resume "$did" --detach
has "started in the background" out
n=0
while [ $n -lt 1200 ]; do
	"$bin" --db "$db" experiment --show "$did" --json >"$dir/st" 2>/dev/null
	grep -q '"status":"done"' "$dir/st" && break
	grep -q '"status":"failed"' "$dir/st" && break
	n=$((n + 1))
	sleep 0.1
done
grep -q '"status":"done"' "$dir/st" || fail "detached experiment did not finish: $(cat "$dir/st")"
[ -s "$db.runs/experiment-$did.log" ] || fail "detached experiment wrote no log"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
exit 0
