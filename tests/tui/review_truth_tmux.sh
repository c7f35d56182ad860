#!/bin/sh
# review_truth_tmux: what the Review screen shows is what gets decided, in a
# real terminal (tmux) on a workspace made by `mentor init` (offline teacher).
# 1. CROP's kept COTE attempt (`o`) is read-only: `a` on it decides nothing,
#    and `o` back on the final CROP text decides that one.
# 2. An edit is judged again: a wrong answer written in $EDITOR turns the
#    header to "✗ wrong" at once, the database keeps both texts, and undo
#    brings back the earlier text and its verdict.
# 5. The progress line counts the mode's explanations over the dataset, and
#    `Y` finishes an item: keeps the focused candidate, rejects the others,
#    and moves on.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
command -v sqlite3 > /dev/null 2>&1 || { echo "skip: sqlite3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-truth-tmux-XXXXXX") || exit 99
SOCK="mentor-truth-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" init > "$T/init.log" 2>&1 || { cat "$T/init.log"; exit 99; }
mkdir -p "$T/cfg/mentor"
pass=0
fail=0
WAIT_POLLS=200
. "$(dirname "$0")/tmux_lib.sh"
q() { sqlite3 "$T/ws.db" "$1" | tr '\n' ' '; }
N=0
S=s0
start() {
	tmux_session "EDITOR=$T/editor.sh" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"
}

# the offline teacher's CROP keeps a wrong COTE attempt on some items
"$BIN" --db "$T/ws.db" explain arith --mode crop --limit 20 > "$T/explain.log" 2>&1 ||
	{ cat "$T/explain.log"; exit 99; }
aid=$(sqlite3 "$T/ws.db" "select item_id from explanation where mode = 'crop' and
	attempt_of > 0 order by id limit 1")
[ -n "$aid" ] || { echo "FAIL: no CROP attempt among the first 20 items"; exit 1; }
sqlite3 "$T/ws.db" "insert or replace into setting(key, value) values('tui.review.item', '$aid')"
crop() { q "select path || ':' || status from explanation where item_id = $aid and
	mode = 'crop' order by id"; }

# ---------------------------------------- 1. the attempt view is read-only
start
wait_for items "Dataset arith"
tm send-keys -t "$S" 2
wait_for review "Item $aid  arith"
tm send-keys -t "$S" o
wait_for attempt "kept COTE attempt, read-only"
tm send-keys -t "$S" a
wait_for attempt_refused "COTE attempt is read-only (o: CROP to decide)"
eq attempt_db "$(crop)" "cot:pending rp:pending "
eq attempt_no_decision "$(q "select count(*) from decision")" "0 "
tm send-keys -t "$S" o
wait_gone attempt_off "kept COTE attempt, read-only"
tm send-keys -t "$S" a
wait_for crop_accepted "CROP  [A] accepted"
eq crop_db "$(crop)" "cot:pending rp:accepted "

# ------------------------------------------------ 2. an edit is re-judged
gold=$(sqlite3 "$T/ws.db" "select answer from item where id = $aid")
wrong=$((gold + 1000))
cat > "$T/editor.sh" << EOF
#!/bin/sh
[ -f "\$1" ] || exit 3
printf 'Rewritten in tmux, so the answer is $wrong.\n' > "\$1"
EOF
chmod +x "$T/editor.sh"
text0=$(sqlite3 "$T/ws.db" "select text from explanation where item_id = $aid and mode = 'crop'
	and path = 'rp'")
tm send-keys -t "$S" e
wait_for edit_wrong "✗ wrong  answer $wrong"
wait_for edit_mark "(edited)"
eq edit_db "$(q "select correct || ':' || parsed_answer || ':' || edited_text from explanation
	where item_id = $aid and mode = 'crop' and path = 'rp'")" \
	"0:$wrong:Rewritten in tmux, so the answer is $wrong. "
eq edit_keeps_text "$(sqlite3 "$T/ws.db" "select text from explanation where item_id = $aid
	and mode = 'crop' and path = 'rp'")" "$text0"
tm send-keys -t "$S" u
wait_for edit_undone "undone: the edit of CROP of item $aid"
wait_for edit_verdict_back "✓ correct  answer $gold"
eq undo_db "$(q "select correct || ':' || parsed_answer || ':' || ifnull(edited_text, '-')
	from explanation where item_id = $aid and mode = 'crop' and path = 'rp'")" "1:$gold:- "

# ------------------------------------------ 5. progress, and Y on an item
wait_for progress " of 2700 items"
wait_for progress_pending " pend "
tm send-keys -t "$S" Space
wait_gone next_item "Item $aid  arith"
tm send-keys -t "$S" G
wait_for gen_cot "COTE  [P] pending"
wait_for gen_rp "RP  [P] pending"
wait_for gen_crop "CROP  [P] pending"
# the focus stays on the CROP column: Y keeps CROP and rejects the others
tm send-keys -t "$S" Y
wait_for keep "kept CROP, rejected 2 others"
kid=$(sed -n 's/.*item \([0-9]*\): kept CROP, rejected 2 others.*/\1/p' "$T/screen" | head -1)
if [ -z "$kid" ]; then
	bad "keep: no item number in the message"
else
	eq keep_db "$(q "select e.mode || ':' || e.status from explanation e where e.item_id = $kid
		and not exists (select 1 from explanation x where x.attempt_of = e.id)
		order by e.mode")" "cot:rejected crop:accepted rp:rejected "
fi
tm send-keys -t "$S" q
wait_for quit "EXIT=0"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
