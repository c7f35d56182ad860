#!/bin/sh
# inspect_script: the Inspect screen headless (--script, --dump), so that it
# runs under the sanitizers too, on train_mkws's workspace with its "sums"
# runs: the default pair is the explanation-trained run against the closest
# baseline of its dataset even when a baseline finished last; the summary
# gives the share of sound explanations and the right answers from wrong
# reasoning; the detail checks A's explanation; the teacher row appears for
# train items only; runs of another dataset are refused as B; the answer to
# a question asked of run A goes away when A changes. Argument: train_mkws.
set -u
MKWS=${1:?usage: inspect_script.sh TRAIN_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-inspect-script-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
"$MKWS" "$T/ws.db" sums || exit 99
pass=0
fail=0
export HOME="$T" XDG_CONFIG_HOME="$T/cfg" LC_ALL=C.UTF-8 TERM=xterm-256color

. "$(dirname "$0")/script_lib.sh"

# the default pair: #6 sums-base finished last, yet A is #4 sums-cot and B
# the baseline with its settings (#6, not #5 of another shape)
run pair 160x30 "key 4"
has pair_a pair "A #4 sums-cot direct 75.0% (3/4) expl 75.0% (3/4) sound 50.0% (2/4) right-wrong 1"
has pair_b pair "B #6 sums-base direct 0.0% (0/4)"
has pair_fixed pair "fixed 3 broken 0"
hasnt pair_note pair "no finished"
# the first item (s1, train): the wrong step and the teacher text trained on
has check pair "check step 1 wrong: 3 + 4 = 8 (is 7)"
has trained pair "teacher explanation trained on (gold):"
has trained_text pair "3 + 4 = 7"
# narrow: the compact summary keeps the check figures
run pair_small 100x30 "key 4"
has compact pair_small "A #4 sums-cot dir 75.0% expl 75.0% sound 50.0% rw 1"
# a test item (s4): not trained on, and a sound explanation
run test_item 120x30 "key 4" "key j" "key j"
has test_item test_item "Item"
has not_trained test_item "(run #4 did not train on this item: not in the train split)"
hasnt no_trained_on test_item "teacher explanation trained on"
has sound test_item "check steps: 1 of 1 valid, answer follows"

# B: c steps to none, then through the coin runs (refused, passed over) to #5
run vs_none 120x30 "key 4" "key c"
has vs_none vs_none "(c: compare with another run)"
run vs_refused 160x30 "key 4" "key c" "key c"
has refused vs_refused "cannot compare run #1 (coin) with run A #4 (sums): other dataset; passed over"
has vs_far vs_refused "B #5 sums-far"
# A to a coin run: B of sums gives way to the coin baseline
run a_other 160x30 "key 4" "key R"
has a_other a_other "A #3 mt-cot-3"
has b_coin a_other "B #1 baseline-1"
has a_other_msg a_other "cannot compare run #6 (sums) with run A #3 (coin): other dataset; B is now baseline #1"
# within the dataset, B stays
run a_same 160x30 "key 4" "key r"
has a_same a_same "A #5 sums-far"
has b_same a_same "B #6 sums-base"

# a question asked of A: its (failed) answer is shown, then goes with A
run ask 120x30 "key 4" "key a" "type What is 2 + 2?" "key Enter" "wake 4002"
has asked ask "You asked run #4"
run ask_gone 120x30 "key 4" "key a" "type What is 2 + 2?" "key Enter" "wake 4002" "key r"
hasnt stale ask_gone "You asked run"
has moved ask_gone "A #5 sums-far"
run ask_back 120x30 "key 4" "key a" "type What is 2 + 2?" "key Enter" "wake 4002" "key r" "key R"
hasnt stale_back ask_back "You asked run"

# the report of the default pair, from the w key
run report 120x30 "key 4" "key w"
has report report "report written to $T/ws.db.report-4-vs-6.html"
if grep -qF "1 without steps" "$T/ws.db.report-4-vs-6.html"; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: report lacks the sound share"; fi
has report_en ws.db.report-4-vs-6.html '<html lang="en">'
# in the UI language: [ui] lang = ja writes the page in Japanese
mkdir -p "$T/cfg/mentor"
printf '[ui]\nlang = ja\n' > "$T/cfg/mentor/config"
rm -f "$T/ws.db.report-4-vs-6.html"
run report_ja 120x30 "key 4" "key w"
has report_ja_notice report_ja "$T/ws.db.report-4-vs-6.html"
has report_ja_lang ws.db.report-4-vs-6.html '<html lang="ja">'
has report_ja_label ws.db.report-4-vs-6.html "正解率"
hasnt report_ja_english ws.db.report-4-vs-6.html ">Accuracy<"
rm -f "$T/cfg/mentor/config"

# no finished explanation-trained run: the newest finished run alone, said so
if command -v sqlite3 > /dev/null 2>&1; then
	cp "$T/ws.db" "$T/base.db"
	sqlite3 "$T/base.db" "UPDATE run SET status = 'failed' WHERE variant != 'baseline'" ||
		exit 99
	# the workspace opens on Inspect (the screen last shown): no key, so that
	# the note stays in the status bar
	DB="$T/base.db" run only_base 160x30 "resize 160 30"
	has only_base only_base "A #6 sums-base"
	has only_base_note only_base "no finished explanation-trained run: showing run #6 (baseline) alone"
	hasnt only_base_b only_base "B #"
else
	echo "note: sqlite3 not installed, fallback case not run"
fi

echo "$pass checks, $fail failed"
[ $fail = 0 ]
