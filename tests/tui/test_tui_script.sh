#!/bin/sh
# test_tui_script: drives the real binary headless (mentor tui --script
# FILE --dump) on a workspace made through the store API: first frame,
# navigation, datasets, every filter, substring and regex search, resizes
# (the too-small screen and back), help, Enter into Review, the mouse, wake
# events, persistence across runs, config [keys], themes, NO_COLOR, an ASCII
# locale, and malformed scripts. Argument: the tui_mkws program.
set -u
MKWS=${1:?usage: test_tui_script.sh TUI_MKWS}
BIN=${MENTOR_BIN:?MENTOR_BIN not set}
[ -x "$BIN" ] || { echo "setup: no binary at $BIN"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mentor-tui-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 XDG_CONFIG_HOME="$T/cfg"
unset NO_COLOR MENTOR_THEME MENTOR_DB
"$MKWS" "$T/base.db" 300 || exit 99
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
status_is() { if [ "$2" = "$3" ]; then ok; else bad "$1: exit status $2, want $3"; fi; }

# run NAME SCRIPT [ARGS...]: fresh copy of the workspace unless KEEP=1
run() {
	name=$1
	script=$2
	shift 2
	[ "${KEEP:-0}" = 1 ] || cp "$T/base.db" "$T/ws.db"
	printf '%s\n' "$script" > "$T/script"
	"$BIN" --db "$T/ws.db" tui --script "$T/script" --dump "$@" > "$T/out" 2> "$T/err"
	rc=$?
	sanitizer_clean "$name"
}
# Under the sanitizer build any report fails the test.
sanitizer_clean() {
	if grep -qE 'Sanitizer|runtime error:' "$T/err"; then
		bad "$1: sanitizer report"
	fi
}

run first ""
status_is first $rc 0
has first " 1 Items "
has first " 2 Review "
has first "Dataset arith (1/2)"
has first "item 1/300"
has first ">     1 test"
has first "Gold answer: 1"
[ "$(wc -l < "$T/out")" -eq 24 ] && ok || bad "first: 24 rows expected"

run down "key j j j"
has down "item 4/300"
has down ">     4 train"
has down "Explanations (1)"
has down "[R] ✗ rp"
has down "[L]"

run end "key G"
has end "item 300/300"
run pgdn "key PgDn"
has pgdn "item 22/300"
run top "key G g"
has top "item 1/300"

run dataset "key d"
has dataset "Dataset nihongo (2/2)"
has dataset "りんごが3個あります"
has dataset "[A]✓"
run escapes "key d j j"
has escapes 'Escape test: \x1b[2J'
has escapes '\x1b[31mred'
has escapes '\x07'
has escapes '\u009b'
if tr -d '\n' < "$T/out" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
	bad "escapes: a raw control character reached the screen"
else
	ok
fi
run invalid "key d j j j"
has invalid '\xff\xfe'
run alldatasets "key d d"
has alldatasets "all datasets (2)"
has alldatasets "item 1/304"

run split "key s"
has split "split:train"
has split "item 1/240"
run split2 "key s s"
has split2 "split:dev"
has split2 "item 1/30"
run review "key r r"
has review "review:accepted"
has review "item 1/1"
has review ">     3 train [A]✓"
run review_none "key r r r r r"
has review_none "review:none"
has review_none "item 1/297"
run mode "key e e"
has mode "mode:rp"
has mode "item 1/1"
run correct "key c"
has correct "result:correct"
has correct "item 1/1"
run wrong "key c c"
has wrong "result:wrong"
has wrong "item 1/2"
run leaked "key l"
has leaked "leaked:yes"
has leaked "item 1/1"
has leaked ">     4 train"
run clear "key s r l
key x"
has clear "split:any review:any mode:any result:any leaked:any"
has clear "item 1/300"

run search "key /
type Question 29
key Enter"
has search "/Question 29"
has search "item 1/11"
has search ">    30 train"
run search_jp "key d /
type 新幹線
key Enter"
has search_jp "item 1/1"
has search_jp "東京から大阪まで"
run search_cancel "key /
type zzz
key Esc"
has search_cancel "item 1/300"
run search_none "key /
type no such question
key Enter"
has search_none "no items"
run regex "key /
type re:^Question 1[0-9]:
key Enter"
has regex "/re:^Question 1[0-9]:"
has regex "item 1/10"
has regex ">    11 test"
run regex_bad "key /
type re:([
key Enter"
has regex_bad "bad regular expression"
has regex_bad "item 1/300"
run search_edit "key /
type abcあ
key Backspace Backspace"
has search_edit "Search: ab"

run small "resize 60 20"
has small "terminal too small: have 60x20, need 80x24"
lacks small "Dataset"
run smallback "resize 60 20
key j
resize 80 24"
has smallback "Dataset arith"
has smallback "item 1/300"
lacks smallback "too small"
run big "resize 200 60
key j"
has big "item 2/300"
[ "$(wc -l < "$T/out")" -eq 60 ] && ok || bad "big: 60 rows expected"
has big "Question 1: Tom has 1 apples and buys 2 more. How many apples does Tom have now?"
run size "" --size 120x40
[ "$(wc -l < "$T/out")" -eq 40 ] && ok || bad "size: 40 rows expected"

run help "key ?" --size 100x40
has help "Help: Items"
has help "filter_split"
has help "j, Down"
has help "Everywhere"
run help_scroll "key ? j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j"
has help_scroll "Everywhere"
lacks help_scroll "Items keys"
run help_closed "key ? Esc"
lacks help_closed "Help: Items"
run help_quit_q "key ? q
key j"
status_is help_quit_q $rc 0

# Enter hands the item to the Review screen (tab 2)
run open "key j Enter"
lacks open "Dataset arith"
has open "Question 1: Tom has 1 apples"
run tabs "key 2"
lacks tabs "Dataset arith"
has tabs "select an item in Items and press Enter"
run tabs_back "key 2 1"
has tabs_back "Dataset arith"
# a decision taken in Review shows in Items when it comes back
run review_back "key r r r
key Enter
key Tab a
key 1"
has review_back "review:rejected"
has review_back "no items"
has review_back "filters or the search hide them"
run key9 "key 9"
has key9 "key 9 does nothing here"
run unbound "key Z"
has unbound "key Z does nothing here"

run click "click 5 6"
has click "item 5/300"
run wheel "wheel down 5 5
wheel down 5 5"
has wheel "item 7/300"
run clicktab "click 12 0"
has clicktab "select an item in Items"
run detailfocus "click 60 10
key j j"
has detailfocus "item 1/300"
run mouse_toggle "key m"
has mouse_toggle "[mouse off]"
run wake "wake 7 42
key j"
has wake "item 2/300"
run tick "tick
key j
tick"
has tick "item 2/300"

cp "$T/base.db" "$T/ws.db"
KEEP=1 run persist1 "key d j
key s"
KEEP=1 run persist2 ""
has persist2 "Dataset nihongo"
has persist2 "split:train"
has persist2 "item 2/4"
KEEP=1 run persist3 "key 2"
KEEP=1 run persist4 ""
has persist4 "select an item in Items"

mkdir -p "$T/cfg/mentor"
printf '[defaults]\nmodel = x\n[keys]\ndown = n, Down\nquit = Q\n[provider p]\nbase_url = http://127.0.0.1:1\n' \
	> "$T/cfg/mentor/config"
run keys "key n n j"
has keys "item 3/300"
has keys "key j does nothing here"
run keys_quit "key Q
key n"
has keys_quit "item 1/300"
printf '[keys]\ndown = Nope\n' > "$T/cfg/mentor/config"
run keys_bad "" --size 160x30
has keys_bad "config [keys], 1 bad line (the others apply): line 2: unknown key 'Nope'"
# every bad line at once; the good line applies, quit keeps its key
printf '[keys]\nquit = Qx\nqiut = q\nnoequals\ndown = n\n' > "$T/cfg/mentor/config"
run keys_many "" --size 200x30
has keys_many "3 bad lines (the others apply): line 2: unknown key 'Qx'; line 3: unknown action 'qiut'; line 4: missing '='"
run keys_many_n "key n
key q
key n"
has keys_many_n "item 2/300"
rm -f "$T/cfg/mentor/config"

for th in dark light high-contrast monochrome; do
	run "theme_$th" "key j" --theme "$th"
	status_is "theme_$th" $rc 0
	lacks "theme_$th" "cannot load theme"
done
run theme_missing "" --theme nosuch
has theme_missing "cannot load theme 'nosuch'"
NO_COLOR=1 run nocolor "key j"
status_is nocolor $rc 0
has nocolor "item 2/300"
mkdir -p "$T/cfg/mentor/themes"
printf 'status = red on\n' > "$T/cfg/mentor/themes/dark.theme"
run theme_user ""
has theme_user "theme 'dark'"
rm -rf "$T/cfg/mentor/themes"

LC_ALL=C run ascii "key j j d"
has ascii "[A]+"
has ascii '\xe3\x82'
lacks ascii "│"
has ascii "|"

# an empty workspace, extreme sizes, clicks anywhere
printf 'key j d s /\ntype x\nkey Enter\nresize 1 1\nkey j\nresize 1000 300\nkey ? j\nresize 80 24\nclick 79 23\nclick 0 0\nwheel up 50 10\nkey Enter\n' > "$T/script"
"$BIN" --db "$T/empty.db" tui --script "$T/script" --dump > "$T/out" 2> "$T/err"
status_is empty $? 0
sanitizer_clean empty
has empty "all datasets (0)"
has empty "no items"

run bad_cmd "bogus 1 2"
status_is bad_cmd $rc 1
if grep -q "unknown command 'bogus'" "$T/err"; then ok; else bad "bad_cmd: message"; fi
run bad_key "key Nope"
status_is bad_key $rc 1
run bad_resize "resize 0 0"
status_is bad_resize $rc 1
run bad_click "click -1 x"
status_is bad_click $rc 1
head -c 10000 /dev/zero | tr '\0' 'k' > "$T/long"
printf 'key %s\n' "$(cat "$T/long")" > "$T/script"
"$BIN" --db "$T/ws.db" tui --script "$T/script" --dump > "$T/out" 2> "$T/err"
status_is long_line $? 1
sanitizer_clean long_line
head -c 4000 /dev/urandom > "$T/script"
"$BIN" --db "$T/ws.db" tui --script "$T/script" --dump > "$T/out" 2> "$T/err"
rc=$?
[ $rc -le 1 ] && ok || bad "binary script: exit $rc"
sanitizer_clean binary_script
"$BIN" --db "$T/ws.db" tui --script "$T/nonexistent" > "$T/out" 2> "$T/err"
status_is no_script $? 1
"$BIN" --db "$T/ws.db" tui --bogus > "$T/out" 2> "$T/err"
status_is bad_option $? 2
"$BIN" --db "$T/ws.db" tui --size 10 > "$T/out" 2> "$T/err"
status_is bad_size $? 2
"$BIN" --db "$T/ws.db" tui < /dev/null > "$T/out" 2> "$T/err"
status_is no_tty $? 1
if grep -q "needs a terminal" "$T/err"; then ok; else bad "no_tty: message"; fi
"$BIN" --db "$T/ws.db" tui --bench 50 > "$T/out" 2> "$T/err"
status_is bench $? 0
sanitizer_clean bench
has bench "first_frame_ms"
has bench "redraw_p99_ms"
has bench "maxrss_kb"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
