#!/bin/sh
# review_script: the Review screen driven headless (mentor tui --script FILE
# --dump) on a workspace made by `mentor init`, so that it runs under the
# sanitizers too: open an item from Items, generate all three modes with the
# offline teacher, accept, reject, undo, edit through a scripted $EDITOR,
# skip to the next unreviewed item, the diff, resizes, batch generation over
# the Items filter (finished and cancelled), reopening on the same item, and
# the decisions left in the workspace (sqlite3). "wake 2002" makes a script
# wait for the running generation.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
command -v sqlite3 > /dev/null 2>&1 || { echo "skip: sqlite3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-review-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 XDG_CONFIG_HOME="$T/cfg" TMPDIR="$T"
unset NO_COLOR MENTOR_THEME MENTOR_DB VISUAL
"$BIN" --db "$T/base.db" init > "$T/init.log" 2>&1 || { cat "$T/init.log"; exit 99; }
cp "$T/base.db" "$T/ws.db"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	sed 's/^/  | /' "$T/out"
	sed 's/^/  ! /' "$T/err"
}
has() { if grep -qF -- "$2" "$T/out"; then ok; else bad "$1: '$2' not on the screen"; fi; }
lacks() { if grep -qF -- "$2" "$T/out"; then bad "$1: '$2' on the screen"; else ok; fi; }
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
q() { sqlite3 "$T/ws.db" "$1"; }

# run NAME SCRIPT [ARGS...]: on the same workspace, one process per call
run() {
	name=$1
	script=$2
	shift 2
	printf '%s\n' "$script" > "$T/script"
	"$BIN" --db "$T/ws.db" tui --script "$T/script" --dump "$@" > "$T/out" 2> "$T/err"
	rc=$?
	eq "$name: exit status" "$rc" 0
}

cat > "$T/editor.sh" << 'EOF'
#!/bin/sh
# a scripted $EDITOR: rewrites the file it is given
[ -f "$1" ] || exit 3
grep -q "Zoe" "$1" || exit 4
printf 'Edited: Max has 4 - 3 + 3 - 3 + 1 + 4 = 6 eggs.\n' > "$1"
EOF
chmod +x "$T/editor.sh"

# ------------------------------------------------ open, generate, decide
run open "key Enter"
has open "item 1 is open"
has open "Item 1  arith train"
has open "Max has 4 eggs."
has open "Gold answer: 6"
has open "COTE  no explanation yet"
has open "press g to generate"

run generate "key G
wake 2002"
has generate "▶ COTE  [P] pending  ✓ correct  answer 6  path cot"
has generate "RP  [P] pending"
has generate "CROP  [P] pending"
has generate "offline/scripted-teacher"
eq generate_rows "$(q "select count(*) from explanation where item_id = 1")" 3

run accept_reject "key a x"
has accept_reject "COTE  [A] accepted"
has accept_reject "RP  [R] rejected"
has accept_reject "1 acc 1 rej"
eq decided "$(q "select mode || ':' || status from explanation where item_id = 1 order by id" | tr '\n' ' ')" \
	"cot:accepted rp:rejected crop:pending "

run undo "key u"
has undo "undone: RP of item 1 is pending again"
has undo "RP  [P] pending"
eq undone "$(q "select action || ':' || undone from decision order by id" | tr '\n' ' ')" \
	"accept:0 reject:1 "

# reopened, the focus is on the first pending candidate (RP)
EDITOR="$T/editor.sh" run edit "key Right
key e"
has edit "(edited)"
has edit "Edited: Max has 4 - 3 + 3 - 3 + 1 + 4 = 6 eggs."
eq edited "$(q "select edited_text from explanation where item_id = 1 and mode = 'crop'")" \
	"Edited: Max has 4 - 3 + 3 - 3 + 1 + 4 = 6 eggs."
eq edit_audit "$(q "select count(*) from decision where action = 'edit'")" 1
ls "$T"/mentor-expl-* > /dev/null 2>&1 && bad "edit: the temporary file was left behind" || ok

# an edit is judged again: a wrong answer shows at once; undo brings back
# the text before and its verdict
printf '#!/bin/sh\nprintf "Edited: Max has 4 - 3 + 3 - 3 + 1 + 4 = 7 eggs.\\n" > "$1"\n' \
	> "$T/editor-wrong.sh"
chmod +x "$T/editor-wrong.sh"
EDITOR="$T/editor-wrong.sh" run edit_wrong "key Right
key e"
has edit_wrong "✗ wrong  answer 7"
eq edit_wrong_db "$(q "select correct || ':' || parsed_answer from explanation where item_id = 1 and mode = 'crop'")" \
	"0:7"
run edit_wrong_undo "key u"
has edit_wrong_undo "undone: the edit of CROP of item 1"
has edit_wrong_undo "✓ correct  answer 6"
eq edit_undo_db "$(q "select correct || ':' || parsed_answer || ':' || edited_text from explanation
	where item_id = 1 and mode = 'crop'")" "1:6:Edited: Max has 4 - 3 + 3 - 3 + 1 + 4 = 6 eggs."

EDITOR="$T/no-such-editor" run edit_missing "key Right Right
key e"
has edit_missing "cannot run the editor"
eq edit_missing_audit "$(q "select count(*) from decision where action = 'edit'")" 2

# an editor that exits with an error saves nothing
printf '#!/bin/sh\nprintf "junk" > "$1"\nexit 1\n' > "$T/fail.sh"
chmod +x "$T/fail.sh"
EDITOR="$T/fail.sh" run edit_fail "key e"
has edit_fail "the editor failed (status 1): nothing saved"
eq edit_fail_rows "$(q "select count(*) from explanation where edited_text = 'junk'")" 0

run diff "key d"
has diff "Diff RP -> CROP"
has diff "{+Edited:"
run diff_pair "key D D"
has diff_pair "Diff CROP -> COTE"

# ------------------------------------------------ reopen on the same item
run reopen ""
has reopen "Item 1  arith train"
has reopen "COTE  [A] accepted"

# --------------------------------------------- skip, decide-and-advance
run skip "key Space"
has skip "Item 2  arith train"
has skip "Ann has 8 balloons."
run advance "key G
wake 2002
key A"
has advance "Item 3  arith"
eq advanced "$(q "select status from explanation where item_id = 2 and mode = 'cot'")" accepted
run back "key ["
has back "Item 2  arith"
run forward "key ]"
has forward "Item 3  arith"

# undo goes back to the item of the decision
run undo_back "key u"
has undo_back "Item 2  arith"
has undo_back "undone: COTE of item 2 is pending again"
eq undo_back_db "$(q "select status from explanation where item_id = 2 and mode = 'cot'")" pending

# --------------------------------------------------------------- resize
run wide "resize 200 60"
lacks wide "too small"
has wide "│  RP  [P] pending"
run narrow "resize 80 24"
has narrow "Ann has 8 balloons."

# ----------------------------------------------------- batch generation
run batch "key 1 /
type Dora has 1
key Enter
key 2 B
wake 2002"
has batch "done"
has batch "36/36 tasks"
eq batch_items "$(q "select count(distinct item_id) from explanation e join item i on i.id = e.item_id
	where i.question like '%Dora has 1%' and e.mode = 'rp'")" 12
run batch_cancel "key 1 x
key 2 B c
wake 2002"
has batch_cancel "cancelled"
n=$(q "select count(*) from explanation where mode = 'rp'")
[ "$n" -lt 2700 ] && ok || bad "batch_cancel: $n rp explanations, the batch was not cancelled"

# ------------------------------------------------ the decisions are kept
eq final "$(q "select e.item_id || e.mode || ':' || e.status from explanation e where e.status != 'pending'
	order by e.id" | tr '\n' ' ')" "1cot:accepted "
eq final_decisions "$(q "select action || ':' || undone from decision order by id" | tr '\n' ' ')" \
	"accept:0 reject:1 edit:0 edit:1 accept:1 "

# ---------------------------------------------- keys remapped in the config
mkdir -p "$T/cfg/mentor"
printf '[keys]\naccept = y\nreject = N\n' > "$T/cfg/mentor/config"
run remap "key 2 y"
has remap "COTE  [A] accepted"
run remap_help "key ?" --size 100x40
has remap_help "accept_next"
has remap_help "y"
run remap_undo "key u"
has remap_undo "COTE  [P] pending"
rm -f "$T/cfg/mentor/config"

# flag, and its undo
run flag "key 2 f"
has flag "COTE  [F] flagged"
eq flagged "$(q "select count(*) from explanation where status = 'flagged'")" 1
run flag_undo "key u"
has flag_undo "COTE  [P] pending"
eq unflagged "$(q "select count(*) from explanation where status = 'flagged'")" 0

# ------------------------- ten decide-and-advance steps, then ten undos
acc0=$(q "select count(*) from explanation where status = 'accepted'")
und0=$(q "select count(*) from decision where undone = 1")
steps="key A"
for i in 1 2 3 4 5 6 7 8 9; do
	steps="$steps
key G
wake 2002
key A"
done
run ten "$steps"
has ten "10 reviewed: 10 acc 0 rej"
eq ten_accepted "$(q "select count(*) from explanation where status = 'accepted'")" $((acc0 + 10))
run ten_undo "key u u u u u u u u u u"
has ten_undo "Item 2  arith"
has ten_undo "undone: COTE of item 2 is pending again"
eq ten_restored "$(q "select count(*) from explanation where status = 'accepted'")" "$acc0"
eq ten_undone "$(q "select count(*) from decision where undone = 1")" $((und0 + 10))

# ------------------------------- progress, and one key to finish an item
run progress "key 2"
has progress "COTE: "
has progress " pend "
has progress " none, of 2700 items"
run keep "key 2
key Space
key G
wake 2002
key Y"
kid=$(sed -n 's/.*item \([0-9]*\): kept COTE, rejected 2 others.*/\1/p' "$T/out" | head -1)
if [ -z "$kid" ]; then
	bad "keep: no 'kept COTE, rejected 2 others' message"
else
	ok
	eq keep_db "$(q "select e.mode || ':' || e.status from explanation e where e.item_id = $kid and
		not exists (select 1 from explanation x where x.attempt_of = e.id) order by e.id" |
		tr '\n' ' ')" "cot:accepted rp:rejected crop:rejected "
fi

# ---------------------------------- CROP's kept COTE attempt is read-only
"$BIN" --db "$T/ws.db" explain arith --mode crop --limit 20 > /dev/null 2>&1 ||
	bad "explain crop failed"
aid=$(q "select item_id from explanation where mode = 'crop' and attempt_of > 0 order by id limit 1")
if [ -z "$aid" ]; then
	bad "no CROP attempt among the first 20 items"
else
	q "insert or replace into setting(key, value) values('tui.review.item', '$aid')"
	run attempt "key 2
key o
key a"
	has attempt "kept COTE attempt, read-only"
	has attempt "COTE attempt is read-only (o: CROP to decide)"
	eq attempt_db "$(q "select path || ':' || status from explanation where item_id = $aid and
		mode = 'crop' order by id" | tr '\n' ' ')" "cot:pending rp:pending "
	run attempt_back "key 2
key o
key o
key a"
	eq attempt_back_db "$(q "select path || ':' || status from explanation where item_id = $aid and
		mode = 'crop' order by id" | tr '\n' ' ')" "cot:pending rp:accepted "
fi

# ------------------------------------------------------- ASCII terminal
LC_ALL=C run ascii "key 2"
has ascii "> COTE  [P] pending"
lacks ascii "✓"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
