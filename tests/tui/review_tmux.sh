#!/bin/sh
# review_tmux: the Review screen in a real terminal (tmux) on a workspace
# made by `mentor init`. Session 1 (offline teacher): open item 1 from Items,
# generate the three modes, accept, reject, undo, reject again, edit through
# a scripted $EDITOR, the diff, resize to three columns and back, quit.
# Session 2: a re: search lists two items in Items; B states its scope (2
# items, 6 tasks, 4 calls), asks above [review] confirm_calls, n cancels with
# nothing written, y generates exactly those two items.
# Session 3 (a slow provider: the fakellm server on 127.0.0.1): reopens on
# the same item, skips to the next unreviewed one, streams a generation in,
# batch-generates the whole dataset after its priced estimate and y, cancels
# it, accepts, then SIGKILL.
# Session 4 reopens on that item with the decision kept. The workspace then
# holds exactly the decisions made. Argument: the fakellm program.
set -u
FAKELLM=${1:?usage: review_tmux.sh FAKELLM}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
command -v sqlite3 > /dev/null 2>&1 || { echo "skip: sqlite3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-review-tmux-XXXXXX") || exit 99
SOCK="mentor-review-test-$$"
FPID=
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	[ -n "$FPID" ] && kill "$FPID" > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" init > "$T/init.log" 2>&1 || { cat "$T/init.log"; exit 99; }
mkdir -p "$T/cfg/mentor"
cat > "$T/editor.sh" << 'EOF'
#!/bin/sh
# a scripted $EDITOR: rewrites the file it is given
[ -f "$1" ] || exit 3
printf 'Edited in tmux: 10 - 3 + 7 + 7 = 21.\n' > "$1"
EOF
chmod +x "$T/editor.sh"
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

# ------------------------------------------------- session 1: offline teacher
start
wait_for items "Dataset arith"
tm send-keys -t "$S" Enter
wait_for open "Item 1  arith train"
wait_for open_text "press g to generate"
tm send-keys -t "$S" G
wait_for gen_cot "COTE  [P] pending"
wait_for gen_crop "CROP  [P] pending"
wait_for gen_model "offline/scripted-teacher"
tm send-keys -t "$S" a
wait_for accept "COTE  [A] accepted"
tm send-keys -t "$S" x
wait_for reject "RP  [R] rejected"
wait_for counters "2 reviewed: 1 acc 1 rej"
tm send-keys -t "$S" u
wait_for undo "RP  [P] pending"
wait_for undo_counters "1 reviewed: 1 acc 0 rej"
tm send-keys -t "$S" x
wait_for reject2 "RP  [R] rejected"
# focus moved on to CROP, the next pending candidate
tm send-keys -t "$S" e
wait_for edit "(edited)"
wait_for edit_text "Edited in tmux: 10 - 3 + 7 + 7 = 21."
tm send-keys -t "$S" d
wait_for diff "Diff CROP -> "
tm send-keys -t "$S" d
wait_gone diff_off "Diff "
tm resize-window -t "$S" -x 200 -y 50
wait_for wide "│  RP  [R] rejected"
tm resize-window -t "$S" -x 100 -y 30
wait_gone narrow "│  RP"
wait_for narrow_item "Item 1  arith train"
tm send-keys -t "$S" '?'
wait_for help "Help: Review"
wait_for help_keys "accept_next"
tm send-keys -t "$S" Escape
wait_gone help_off "Help: Review"
tm send-keys -t "$S" q
wait_for quit "EXIT=0"
eq decisions1 "$(q "select action || ':' || undone from decision order by id")" \
	"accept:0 reject:1 reject:0 edit:0 "
eq statuses1 "$(q "select mode || ':' || status from explanation where item_id = 1 order by id")" \
	"cot:accepted rp:rejected crop:pending "

# -------------- session 2: B runs exactly the Items list of a re: search
# The threshold is lowered so that the 4 calls of 2 items ask first.
printf '[review]\nconfirm_calls = 3\n' > "$T/cfg/mentor/config"
ids=$(sqlite3 "$T/ws.db" "select group_concat(id) from (select id from item where
	question like 'Ann has 8 balloons%' or question like 'Ann has 8 cards%' order by id)")
calls0=$(sqlite3 "$T/ws.db" "select count(*) from llm_call")
start
wait_for re_reopen "Item 1  arith train"
tm send-keys -t "$S" 1
wait_for re_items "Dataset arith"
tm send-keys -t "$S" / C-u
tm send-keys -t "$S" -l 're:^ann has 8 (balloons|cards)'
tm send-keys -t "$S" Enter
wait_for re_list "item 1/2"
tm send-keys -t "$S" 2 B
wait_for re_scope "2 items, 6 tasks: 4 calls, 2 cached, 0 skipped"
wait_for re_search "search /re:^ann has 8 (balloons|cards)"
wait_for re_ask "Up to 4 calls, more than [review] confirm_calls = 3."
tm send-keys -t "$S" n
wait_for re_no "batch not started: no call made"
wait_gone re_no_gone "Start?"
eq re_no_calls "$(q "select count(*) from llm_call")" "$calls0 "
eq re_no_expl "$(q "select count(*) from explanation where item_id in ($ids)")" "0 "
tm send-keys -t "$S" B
wait_for re_ask2 "Start? y: start"
tm send-keys -t "$S" y
wait_for re_done "6/6 tasks"
wait_for re_done_state "done"
tm send-keys -t "$S" q
wait_for re_quit "EXIT=0"
eq re_items "$(q "select group_concat(item_id) from (select distinct item_id from explanation
	where provider = 'offline' and item_id != 1 order by item_id)")" "$ids "
eq re_modes "$(q "select count(distinct item_id || mode) from explanation where item_id in ($ids)")" "6 "
eq re_calls "$(q "select count(*) from llm_call")" "$((calls0 + 4)) "

# ------------------------------------ session 3: a slow streaming provider
"$FAKELLM" --port 0 --port-file "$T/port" --max-seconds 120 --latency-ms 300 \
	--behaviour chunk-delay=100 > /dev/null 2>&1 &
FPID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$T/port" ] || { echo "fakellm did not start"; exit 99; }
PORT=$(tr -dc '0-9' < "$T/port")
printf '[defaults]\nprovider = slow\nk = 0\nconcurrency = 4\n[provider slow]\ntype = openai\nbase_url = http://127.0.0.1:%s/v1\nmodel = fake-model\nprice_in = 1\nprice_out = 2\n' \
	"$PORT" > "$T/cfg/mentor/config"
start
wait_for reopen "Item 1  arith train"
wait_for reopen_state "COTE  [A] accepted"
tm send-keys -t "$S" Space
wait_for skip "Item 2  arith train"
tm send-keys -t "$S" g
wait_for stream "streaming (cot prompt)"
wait_for streamed "slow/fake-model"
wait_for streamed_state "COTE  [P] pending"
# the whole dataset: B asks (priced calls, above the default threshold)
tm send-keys -t "$S" 1 x 2
wait_for all_items "Item 2  arith train"
tm send-keys -t "$S" B
wait_for batch_ask "Start? y: start"
wait_for batch_price "at \$1 in / \$2 out per million tokens (USD)"
wait_for batch_scope "2700 items, 8100 tasks:"
tm send-keys -t "$S" y
wait_for batch "(c: cancel)"
wait_for batch_cost "tasks"
tm send-keys -t "$S" c
wait_for cancelled "cancelled"
tm send-keys -t "$S" a
wait_for accept2 "COTE  [A] accepted"
pid=$(mentor_pid)
[ -n "$pid" ] && kill -KILL "$pid"
wait_for killed "EXIT=137"

# --------------------------------------- session 4: nothing decided is lost
start
wait_for reopen2 "Item 2  arith train"
wait_for reopen2_state "COTE  [A] accepted"
tm send-keys -t "$S" q
wait_for quit3 "EXIT=0"
eq decisions "$(q "select action || ':' || undone from decision order by id")" \
	"accept:0 reject:1 reject:0 edit:0 accept:0 "
eq accepted "$(q "select item_id || e.mode || ':' || e.provider from explanation e where status = 'accepted' order by id")" \
	"1cot:offline 2cot:slow "
eq rejected "$(q "select item_id || mode from explanation where status = 'rejected'")" "1rp "
eq edited "$(q "select item_id || mode from explanation where edited_text is not null")" "1crop "
n=$(sqlite3 "$T/ws.db" "select count(*) from explanation where provider = 'slow'")
[ "$n" -lt 100 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: the batch was not cancelled ($n explanations)"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
