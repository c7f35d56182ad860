#!/bin/sh
# lang_screens_tmux: the bodies of the four screens in Japanese ([ui] lang =
# ja), in a real terminal (tmux) on a workspace made by `mentor init` with
# the offline teacher's explanations of factory-ja (Japanese text): the
# Items filter line and detail labels, Review's pane labels, states,
# verdicts, progress and counts, Train's run list and form, Inspect's
# headers and its messages are Japanese and the English they replace is
# gone; and no line of the wrapped Japanese text (Items' detail pane,
# Review's item and candidate panes, stacked at 80 and 104 columns and side
# by side at 120 and 131, over several items) starts with closing
# punctuation or ends with an opening bracket.
set -u
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tmux-XXXXXX") || exit 99
SOCK="mentor-ja-screens-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN" --db "$T/ws.db" init > "$T/init.log" 2>&1 || { cat "$T/init.log"; exit 99; }
"$BIN" --db "$T/ws.db" explain factory-ja --mode all --limit 8 > "$T/explain.log" 2>&1 ||
	{ cat "$T/explain.log"; exit 99; }
mkdir -p "$T/cfg/mentor"
printf '[ui]\nlang = ja\n' > "$T/cfg/mentor/config"
pass=0
fail=0
WAIT_POLLS=200
. "$(dirname "$0")/tmux_lib.sh"
N=0
S=s0
export LC_ALL=C.UTF-8

# has NAME WORD...: the screen shows every word
has() {
	name=$1
	shift
	for w in "$@"; do
		if grep -qF -- "$w" "$T/screen"; then pass=$((pass + 1)); else
			bad "$name: '$w' not shown"; fi
	done
}
# lacks NAME WORD...: the screen shows none of the words
lacks() {
	name=$1
	shift
	for w in "$@"; do
		if grep -qF -- "$w" "$T/screen"; then bad "$name: English '$w' left"; else
			pass=$((pass + 1)); fi
	done
}
# the text of the panes of a screen file, one pane row a line: the borders
# split the rows, the blanks around them go
panes() { sed 's/[│┃┆|]/\n/g' "$1" | sed 's/^ *//; s/ *$//' | grep -v '^$'; }
NO_START='。、，．）」』】〕〉》！？：；・ーぁぃぅぇぉっゃゅょァィゥェォッャュョ'
NO_END='（「『【〔〈《'
# kinsoku_bad FILE: the pane rows of FILE that start with closing
# punctuation (or a small kana, ー) or end with an opening bracket
kinsoku_bad() {
	panes "$1" | grep -E -e "^[$NO_START]" -e "[$NO_END]\$"
}
rows_ja=0
# a lead byte of UTF-8 kana and kanji (U+3000..U+9FFF)
JA_BYTE=$(printf '[\343-\351]')
# kinsoku NAME: the captured screen keeps the rules; counts its rows of
# Japanese text so that the test knows it looked at some
kinsoku() {
	screen
	if kinsoku_bad "$T/screen" > "$T/bad"; then
		bad "$1: a row breaks the line-breaking rules: $(head -n 3 "$T/bad")"
	else
		pass=$((pass + 1))
	fi
	n=$(panes "$T/screen" | LC_ALL=C grep -c "$JA_BYTE")
	rows_ja=$((rows_ja + n))
}

# the checker itself finds a bad row (a test that can fail)
printf '%s\n' ' 1 問題 │ 。から始まる行 │' ' │ 括弧で終わる（' ' │ 正しい行。' > "$T/fake"
eq checker "$(kinsoku_bad "$T/fake" | wc -l | tr -d ' ')" 2

tmux_session "" "clear; $BIN --db $T/ws.db; echo EXIT=\$?"
tm resize-window -t "$S" -x 80 -y 24
wait_for start " 1 問題 " || exit 1

# ---------------------------------------------------------------- Items
i=0
while [ $i -lt 12 ] && ! grep -qF "データセット factory-ja" "$T/screen"; do
	tm send-keys -t "$S" d
	sleep 0.2
	screen
	i=$((i + 1))
done
wait_for items_ds "データセット factory-ja" || exit 1
wait_for items_detail "説明 (3)"
screen
has items "分割:全 状態:全 モード:全 結果:全 漏洩:全" "問題文" "正解: " "正解の根拠" \
	"問題 1/40"
lacks items "Dataset " "split:" "review:" "Question" "Gold answer" "Gold rationale" \
	"Explanations" "answer " "item "
kinsoku items_1
for k in 2 3 4 5 6; do
	tm send-keys -t "$S" j
	wait_for "items_$k" "問題 $k/40"
	kinsoku "items_$k"
done
tm send-keys -t "$S" r
wait_for items_filter "状態:未判定"
tm send-keys -t "$S" x
wait_for items_cleared "状態:全 "
tm send-keys -t "$S" g
wait_for items_top "問題 1/40"

# --------------------------------------------------------------- Review
tm send-keys -t "$S" Enter
wait_for review " factory-ja train" || exit 1
wait_for review_cands "未判定"
screen
id=$(sed -n 's/.*問題 \([0-9][0-9]*\)  factory-ja.*/\1/p' "$T/screen" | head -n 1)
[ -n "$id" ] || { bad "review: no item id in the header"; id=0; }
has review "正解: " "未判定" "答え " "経路 " "検算 " "採用 0 却下 0 要確認 0 未判定" \
	"問題 $id を開きました"
lacks review "Item " "Gold answer" "pending" "path " "check " "not judged" \
	" acc " " rej " " flag " "no explanation" " correct" " wrong"
kinsoku review_1
tm send-keys -t "$S" a
wait_for review_counts "レビュー 1 件: 採用 1 却下 0"
screen
lacks review_counts "reviewed" "acc "
# walk NAME KEY K...: KEY moves Review to the item id + K, for each K, and
# the screen keeps the line-breaking rules there
walk() {
	name=$1
	key=$2
	shift 2
	for k in "$@"; do
		tm send-keys -t "$S" "$key"
		wait_for "${name}_$k" "問題 $((id + k))  factory-ja"
		kinsoku "${name}_$k"
	done
}
walk review_next ']' 1 2 3 4 5
# wider, stacked: the panes wrap at other places
tm resize-window -t "$S" -x 104 -y 30
walk review_wide '[' 4 3 2 1
# three candidate columns side by side, about 38 and 42 columns each
tm resize-window -t "$S" -x 120 -y 30
walk review_cols ']' 2 3 4 5
tm resize-window -t "$S" -x 131 -y 30
walk review_cols131 '[' 4 3 2 1
tm send-keys -t "$S" 1
wait_for items_wide " 1 問題 "
for k in 2 3 4; do
	tm send-keys -t "$S" j
	wait_for "items_wide_$k" "問題 $k/40"
	kinsoku "items_wide_$k"
done
tm resize-window -t "$S" -x 80 -y 24

# ---------------------------------------------------------------- Train
tm send-keys -t "$S" 3
wait_for train " 実行はまだありません"
screen
has train " 実行  (Space: 重ねる)" "実行 0 件、実行中 0、待機 0"
lacks train "Runs" "no runs" "overlay)" " runs, "
tm send-keys -t "$S" n
wait_for form " 新しい実行"
screen
has form "(Esc: 閉じる)" " データ" " 手法" " 規模" " 層数" " シード" " 評価対象" "[ 開始 ]" \
	" 学習例: "
lacks form "New run" "dataset" "variant" "preset" "layers" "seed" "eval on" "Launch" \
	"examples"
tm send-keys -t "$S" Escape
wait_gone form_closed " 新しい実行"

# -------------------------------------------------------------- Inspect
tm send-keys -t "$S" 4
wait_for inspect "(実行なし)"
screen
has inspect " A直接 A説明   問題" "絞り込み 全体" " 予測がありません"
lacks inspect "(no run)" "A:dir" "filter " "no predictions" " items"
tm send-keys -t "$S" w
wait_for inspect_w "レポートする実行がありません"

# enough Japanese rows were looked at for the line-breaking checks to mean
# something
if [ "$rows_ja" -ge 100 ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: only $rows_ja rows of Japanese text checked"; fi

tm send-keys -t "$S" q
wait_for quit "EXIT=0"

echo "$pass passed, $fail failed ($rows_ja rows of Japanese checked)"
[ "$fail" -eq 0 ]
