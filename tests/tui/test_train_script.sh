#!/bin/sh
# test_train_script: the Train and Inspect screens headless (--script,
# --dump), so that they run under the sanitizers too: plots of fixture runs
# (braille, half blocks, ASCII; log scale, time axis, zoom, overlay), the new
# run form and its example count, delete with its y/n question, Inspect's
# summary, filters and comparison, an unanswerable question, the report, at
# 100x30 and 80x24, in UTF-8 and in the C locale. Argument: train_mkws.
set -u
MKWS=${1:?usage: test_train_script.sh TRAIN_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-train-script-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
"$MKWS" "$T/ws.db" || exit 99
pass=0
fail=0
export HOME="$T" XDG_CONFIG_HOME="$T/cfg" LC_ALL=C.UTF-8 TERM=xterm-256color

. "$(dirname "$0")/script_lib.sh"

# ------------------------------------------------------------ Train
run train 100x30 "key 3"
has runs train "Runs"
has list train "3 stop coin mt-cot-3"
has list_done train "1 done coin baseline-1"
has stats train "Run #3 mt-cot-3"
has step train "80 / 200"
has panels train "validation loss"
# legend marks are letters, the entries name the runs by id
has legend train "a #1 baseline-1  b #3 mt-cot"
has braille train "$(printf '\342\241')"   # U+2840..U+287F
has status train "3 runs, 0 running, 0 queued"
run train_zoom 100x30 "key 3" "key z" "key l" "key t" "key g"
has zoom train_zoom "train loss by time (s) (log)"
hasnt zoom_one train_zoom "validation loss"
has_re blocks train_zoom "[▀▄█]"
run train_ascii 100x30 "key 3" "key g" "key g" "key e"
has_re ascii train_ascii "[.':]{2}"
hasnt ascii_nobraille train_ascii "⣿"
run train_c 80x24 "key 3"
has c_locale_utf8 train_c "Runs"
LC_ALL=C run train_c_locale 80x24 "key 3"
has c_locale train_c_locale "Runs"
has c_axis train_c_locale "|"
if LC_ALL=C grep -q '[^ -~]' "$T/train_c_locale"; then
	fail=$((fail + 1)); echo "FAIL: non-ASCII output in the C locale"
	sed 's/^/  | /' "$T/train_c_locale"
else pass=$((pass + 1)); fi
run form 100x30 "key 3" "key n"
has form form "New run"
has form_ds form "< coin >"
has form_count form "examples: 10 ans + 10 expl"
has form_items form "10/10 items with gold expl."
run form_edit 100x30 "key 3" "key n" "key j" "key Right" "key j" "key j" "key j" "key Enter" \
	"key Backspace" "type 3" "key Enter" "key j" "key Enter" "key Backspace" "key Backspace" \
	"key Backspace" "type abc" "key Enter"
has base form_edit "variant  baseline"
has base_count form_edit "examples: 10 answers"
has custom form_edit "preset   custom"
# past GPT-2's four presets, the same four of the Llama family
run form_llama 100x30 "key 3" "key n" "key j" "key j" "key j" "key j" "key j" "key Right" \
	"key Right" "key Right" "key Right"
has llama_preset form_llama "preset   < llama tiny >"
has llama_width form_llama "width    128"
run form_llama_back 100x30 "key 3" "key n" "key j" "key j" "key j" "key j" "key j" "key Left"
has llama_custom form_llama_back "preset   < llama custom >"
has layers form_edit "layers   3"
has bad_number form_edit "width: 'abc' is not a whole number in range"
# start from a finished run: its shape, no preset or vocabulary to set
run form_start 100x30 "key 3" "key n" "key j" "key j" "key j" "key j" "key Right"
has start form_start "< mt-cot-2 (2x"
hasnt start_preset form_start "preset "
hasnt start_vocab form_start "vocab "
has start_lr form_start "lr       0.0001"
run form_start_back 100x30 "key 3" "key n" "key j" "key j" "key j" "key j" "key Right" \
	"key Left"
has start_fresh form_start_back "< fresh model >"
has start_fresh_lr form_start_back "lr       0.003"
has start_fresh_preset form_start_back "preset   tiny"
run form_esc 100x30 "key 3" "key n" "key Escape"
hasnt esc form_esc "New run"
run overlay 100x30 "key 3" "key k" "key Space" "key z"
has overlay overlay "#1 baseline-1"
# delete: n keeps the run, y deletes it
run del_no 100x30 "key 3" "key x" "key n"
has kept del_no "run 3 kept"
run del_ask 100x30 "key 3" "key x"
# the question sits in the status bar (the last row), not over the screen
last ask del_ask "delete run #3 (metrics, predictions, checkpoint)? y delete  n keep"
run del_ask80 80x24 "key 3" "key x"
last ask80 del_ask80 "delete run #3 (metrics, predictions, checkpoint)? y delete  n keep"
run del_yes 100x30 "key 3" "key x" "key y"
has deleted del_yes "run 3 deleted"
has two del_yes "2 runs, 0 running"
# the last run deleted: the one before it is selected; a middle one: the next
has del_last_sel del_yes "Run #2 mt-cot-2"
"$MKWS" "$T/del.db" || exit 99
DB="$T/del.db" run del_mid 100x30 "key 3" "key k" "key x" "key y"
has del_mid del_mid "run 2 deleted"
has del_mid_sel del_mid "Run #3 mt-cot-3"
run stop_done 100x30 "key 3" "key s"
has stop_refused del_yes "2 runs"
run resume_done 100x30 "key 3" "key r"
has resume_refused resume_done "run 2 is done"

# 104 runs of two datasets ("many"): ids in one column past 9 and 99, the
# list scrolled to the newest with a cue, each run's dataset and test
# accuracy, the overlay of the selected run's dataset only
"$MKWS" "$T/many.db" many || exit 99
DB="$T/many.db" run many 100x30 "key 3"
has many_cue many "↑ 90 more"
has many_99 many "  99 stop sums extra-99         0%"
has many_100 many " 100 done coin extra-100 "
has many_104 many "●104 done coin extra-104"
has many_legend many "a #1  b #104"
hasnt many_other many "#103"
# up to the sums runs: accuracy shown, both cues, the overlay follows
DB="$T/many.db" run many_up 100x30 "key 3" "key $(printf 'k %.0s' $(seq 100))"
has many_up_cue many_up "↑ 3 more"
has many_down_cue many_up "↓ 88 more"
has many_acc many_up "●  4 done sums sums-cot   test 75%"
has many_9 many_up "   9 stop sums extra-9          0%"
has many_10 many_up "  10 done coin extra-10 "
DB="$T/many.db" run many_first 100x30 "key 3" "key $(printf 'k %.0s' $(seq 103))"
has many_first many_first "●  1 done coin baseline-1"
has many_first_cue many_first "↓ 90 more"
hasnt many_first_up many_first "↑"
DB="$T/many.db" run many_sums 100x30 "key 3" "key $(printf 'k %.0s' $(seq 99))"
has many_sel_sums many_sums "Run #5 sums-far"
has many_sums_legend many_sums "a #4 sums-cot  b #103 extra-103"
LC_ALL=C DB="$T/many.db" run many_c 80x24 "key 3" "key k"
has many_c_cue many_c "  ^ 96 more"
has many_c_sel many_c "*103 stop sums extra-103    0%"
# the newest run is on screen: no cue below
if [ "$(grep -cE '^  [v^] [0-9]+ more' "$T/many_c")" = 1 ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: many_c_down: not one cue"; sed 's/^/  | /' "$T/many_c"; fi

# ------------------------------------------------------------ Inspect
run insp 160x30 "key 4"
has summary_a insp "A #2 mt-cot-2 direct 67.5% (27/40) expl 75.0% (30/40) sound 0.0% (0/40) right-wrong 0"
has summary_b insp "B #1 baseline-1 direct 50.0% (20/40)"
has fixed insp "fixed 13 broken 6"
has cols insp "A:dir A:expl B:dir"
has japanese insp "コインは表です"
run insp_esc 100x30 "key 4" "key j"
has escaped insp_esc 'Escape test: \x1b[2J flipped?'
has compact insp_esc "A #2 mt-cot-2 dir 67.5% expl 75.0%"
has teacher insp "(run #2 did not train on this item: not in the train split)"
has gold_rationale insp "太郎が裏返したので、裏です。"
run insp_fixed 100x30 "key 4" "key f" "key f" "key f"
has filter_fixed insp_fixed "filter fixed  13 of 40 items"
run insp_broken 100x30 "key 4" "key F"
has filter_broken insp_broken "filter broken  6 of 40 items"
run insp_wrong 100x30 "key 4" "key f"
has filter_wrong insp_wrong "filter wrong  13 of 40 items"
run insp_nocmp 100x30 "key 4" "key c"
has no_compare insp_nocmp "(c: compare with another run)"
run insp_swap 100x30 "key 4" "key r"
has swapped insp_swap "A #1 baseline-1"
run insp_ask 100x30 "key 4" "key a" "type Is it heads up?" "key Enter" "wake 4002"
has no_ckpt insp_ask "run 2 has no checkpoint yet"
run insp_report 100x30 "key 4" "key w"
has report insp_report "report written to $T/ws.db.report-2-vs-1.html"
[ -s "$T/ws.db.report-2-vs-1.html" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: no report file"; }
run insp_small 80x24 "key 4" "key j" "key J"
has small insp_small "40 of 40 items  fixed 13 broken 6"
has small_compact insp_small "A #2 mt-cot-2 dir 67.5% expl 75.0%"
LC_ALL=C run insp_c 80x24 "key 4"
has c_marks insp_c "A:dir"
has_re c_ascii_marks insp_c "^ +[+x] +[+x-] +[+x-] "
run resize 100x30 "key 3" "resize 80 24" "resize 120 40" "key 4" "resize 80 24"
has resized resize "A:dir"

echo "$pass checks, $fail failed"
[ $fail = 0 ]
