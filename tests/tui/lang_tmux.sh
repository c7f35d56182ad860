#!/bin/sh
# lang_tmux: the workbench in Japanese ([ui] lang = ja in the config file)
# in a real 80x24 terminal (tmux): the tab bar, the status-bar hints and
# counts of every screen, the help overlay and its descriptions, the
# too-small screen and the unbound-key message are in Japanese, no English
# string that has a translation is left in them, and no line is wider than
# the terminal. Argument: the tui_mkws program.
set -u
MKWS=${1:?usage: lang_tmux.sh TUI_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
command -v tmux > /dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tmux-XXXXXX") || exit 99
SOCK="mentor-lang-test-$$"
cleanup() {
	tmux -L "$SOCK" kill-server > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$MKWS" "$T/ws.db" 300 || exit 99
mkdir -p "$T/cfg/mentor"
printf '[ui]\nlang = ja\n' > "$T/cfg/mentor/config"
pass=0
fail=0

. "$(dirname "$0")/tmux_lib.sh"
N=0
S=s0

# row N of the captured screen (1 = the tab bar)
row() { sed -n "${1}p" "$T/screen"; }
# lacks NAME LINE WORD...: none of the words occurs in the line
lacks() {
	name=$1
	line=$2
	shift 2
	for w in "$@"; do
		case "$line" in
		*"$w"*) bad "$name: English '$w' left in: $line" ;;
		*) pass=$((pass + 1)) ;;
		esac
	done
}
# fits NAME: every captured line is at most 80 columns wide, and the status
# bar still shows its right end (counts) and the tab bar the workspace name
fits() {
	screen
	w=$(LC_ALL=C.UTF-8 wc -L < "$T/screen")
	if [ "$w" -le 80 ]; then pass=$((pass + 1)); else bad "$1: a line of $w columns"; fi
}

tmux_session "" "clear; echo BEFORE-TUI; $BIN --db $T/ws.db; echo EXIT=\$?"
tm resize-window -t "$S" -x 80 -y 24

# Items
wait_for tabs " 1 問題 " || exit 1
wait_for counts "問題 1/300"
screen
top=$(row 1)
last=$(row 24)
for w in " 2 レビュー " " 3 学習 " " 4 検査 " "ws.db"; do
	case "$top" in *"$w"*) pass=$((pass + 1)) ;; *) bad "tab bar lacks '$w': $top" ;; esac
done
for w in "/ 検索" "s 分割" "r 状態" "d データ" "Enter 開く" "? ヘルプ" "q 終了" "問題 1/300"; do
	case "$last" in *"$w"*) pass=$((pass + 1)) ;; *) bad "status bar lacks '$w': $last" ;; esac
done
lacks tabs "$top" Items Review Train Inspect
lacks status "$last" search split review dataset open help quit "item "
fits items

# the help overlay
tm send-keys -t "$S" '?'
wait_for help " ヘルプ: 問題 "
wait_for help_section "問題画面のキー"
wait_for help_desc "次のデータセット/全件"
screen
lacks help "$(cat "$T/screen")" "Help:" "next dataset" "first item" "(unbound)"
fits help
# scroll to the global keys
tm send-keys -t "$S" j j j j j j j j j j j j j j j j j j j j
wait_for help_global "全画面共通"
wait_for help_quit "終了 (位置は保存されます)"
screen
lacks help_end "$(cat "$T/screen")" "Everywhere" "Keys are set" "redraw the screen"
fits help_end
tm send-keys -t "$S" Escape
wait_gone help_closed "全画面共通"

# an unbound key
tm send-keys -t "$S" Z
wait_for unbound "キー Z はこの画面では使えません。? でヘルプ"
fits unbound

# Review, Train, Inspect: their hints
tm send-keys -t "$S" 2
wait_for review_hints "a 採用"
screen
last=$(row 24)
for w in "x 却下" "? ヘルプ" "q 終了"; do
	case "$last" in
	*"$w"*) pass=$((pass + 1)) ;;
	*) bad "review status lacks '$w': $last" ;;
	esac
done
lacks review_status "$last" accept reject skip help quit
fits review
tm send-keys -t "$S" 3
wait_for train_hints "n 新規"
screen
lacks train_status "$(row 24)" " new" overlay stop resume compare help quit
fits train
tm send-keys -t "$S" 4
wait_for inspect_tab " 4 検査 "
screen
lacks inspect_status "$(row 24)" " help" " quit" "no items" "item "
fits inspect
tm send-keys -t "$S" '?'
wait_for inspect_help "検査画面のキー"
wait_for inspect_desc "実行 A: 次の実行"
wait_for inspect_report "A (対 B) の HTML レポート保存"
fits inspect_help
tm send-keys -t "$S" Escape
tm send-keys -t "$S" 1
wait_for items_again "問題 1/300"

# too small, and back
tm resize-window -t "$S" -x 60 -y 20
wait_for small "端末が小さすぎます: 現在 60x20、必要 80x24"
wait_for small_hint "ウィンドウを広げるか、q で終了"
tm resize-window -t "$S" -x 80 -y 24
wait_gone back "端末が小さすぎます"
wait_for back_tabs " 1 問題 "

tm send-keys -t "$S" q
wait_for quit "EXIT=0"
wait_for restored "BEFORE-TUI"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
