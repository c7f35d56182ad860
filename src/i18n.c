/* i18n: the catalogue (one table per language, indexed by message id), the
 * choice of the UI language and the kana/kanji census that tells Japanese
 * text from English. Japanese strings are written for a tool's UI: short,
 * plain form for labels, です/ます for sentences. */
#include "mentor/i18n.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mentor/util.h"

static const char *const msg_en[I18N_N_MSGS] = {
	[I18N_TUI_ITEMS] = "Items",
	[I18N_TUI_REVIEW] = "Review",
	[I18N_TUI_TRAIN] = "Train",
	[I18N_TUI_INSPECT] = "Inspect",
	[I18N_TUI_HELP] = "help",
	[I18N_TUI_QUIT] = "quit",
	[I18N_TUI_HELP_TITLE] = " Help: %s ",
	[I18N_TUI_KEYS_OF] = "%s keys",
	[I18N_TUI_EVERYWHERE] = "Everywhere",
	[I18N_TUI_UNBOUND] = "(unbound)",
	[I18N_TUI_HELP_FOOT1] = "Keys are set in the [keys] section of "
				"$XDG_CONFIG_HOME/mentor/config",
	[I18N_TUI_HELP_FOOT2] = "(action = key, key2). j, k scroll; any other key closes this help.",
	[I18N_TUI_MORE_ABOVE] = " %s %zu more above: k, Up ",
	[I18N_TUI_MORE_BELOW] = " %s %zu more below: j, Down ",
	[I18N_TUI_MOUSE_OFF] = "[mouse off] ",
	[I18N_TUI_KEY_NOTHING] = "key %s does nothing here; press ? for help",
	[I18N_TUI_TOO_SMALL] = "terminal too small: have %dx%d, need %dx%d",
	[I18N_TUI_ENLARGE] = "enlarge the window, or press q to quit",
	[I18N_TUI_ITEM_OF] = "item %lld/%lld",
	[I18N_TUI_ITEM_OF_Z] = "item %zu/%zu",
	[I18N_TUI_NO_ITEMS] = "no items",
	[I18N_HINT_SEARCH] = "search",
	[I18N_HINT_SPLIT] = "split",
	[I18N_HINT_REVIEW] = "review",
	[I18N_HINT_DATASET] = "dataset",
	[I18N_HINT_OPEN] = "open",
	[I18N_HINT_ACCEPT] = "accept",
	[I18N_HINT_REJECT] = "reject",
	[I18N_HINT_SKIP] = "skip",
	[I18N_HINT_NEW] = "new",
	[I18N_HINT_OVERLAY] = "overlay",
	[I18N_HINT_STOP] = "stop",
	[I18N_HINT_RESUME] = "resume",
	[I18N_HINT_COMPARE] = "compare",
	[I18N_HINT_ZOOM] = "zoom",
	[I18N_HINT_EDIT_LAUNCH] = "edit/launch",
	[I18N_HINT_VALUE] = "value",
	[I18N_HINT_RUN] = "run",
	[I18N_HINT_FILTER] = "filter",
	[I18N_HINT_ASK] = "ask",
	[I18N_HINT_REPORT] = "report",
	[I18N_ACT_QUIT] = "quit (the position is kept)",
	[I18N_ACT_HELP] = "show or hide this help",
	[I18N_ACT_SCREEN1] = "Items screen",
	[I18N_ACT_SCREEN2] = "Review screen",
	[I18N_ACT_SCREEN3] = "Train screen",
	[I18N_ACT_SCREEN4] = "Inspect screen",
	[I18N_ACT_MOUSE] = "release / capture the mouse (to copy text)",
	[I18N_ACT_REDRAW] = "redraw the screen",
	[I18N_ACT_ITEM_UP] = "previous item (or scroll the detail up)",
	[I18N_ACT_ITEM_DOWN] = "next item (or scroll the detail down)",
	[I18N_ACT_PAGE_UP] = "one page up",
	[I18N_ACT_PAGE_DOWN] = "one page down",
	[I18N_ACT_FIRST_ITEM] = "first item",
	[I18N_ACT_LAST_ITEM] = "last item",
	[I18N_ACT_OPEN_REVIEW] = "open the item in Review",
	[I18N_ACT_FOCUS_PANE] = "focus the list or the detail pane",
	[I18N_ACT_DS_NEXT] = "next dataset (or all datasets)",
	[I18N_ACT_DS_PREV] = "previous dataset",
	[I18N_ACT_F_SPLIT] = "filter: split (train, dev, test)",
	[I18N_ACT_F_REVIEW] = "filter: review status of explanations",
	[I18N_ACT_F_MODE] = "filter: explanation mode (cot, rp, crop)",
	[I18N_ACT_F_CORRECT] = "filter: has a correct / wrong explanation",
	[I18N_ACT_F_LEAKED] = "filter: has a leaked explanation",
	[I18N_ACT_CLEAR] = "clear filters and search",
	[I18N_ACT_SEARCH] = "search questions (re:PATTERN for a regex)",
	[I18N_ACT_DETAIL_DOWN] = "scroll the detail pane down",
	[I18N_ACT_DETAIL_UP] = "scroll the detail pane up",
	[I18N_ACT_FOCUS_LEFT] = "focus the candidate on the left",
	[I18N_ACT_FOCUS_RIGHT] = "focus the candidate on the right",
	[I18N_ACT_GENERATE] = "generate the focused mode for this item",
	[I18N_ACT_GENERATE_ALL] = "generate COTE, RP and CROP for this item",
	[I18N_ACT_ACCEPT] = "accept the focused explanation",
	[I18N_ACT_REJECT] = "reject the focused explanation",
	[I18N_ACT_FLAG] = "flag the focused explanation for a second look",
	[I18N_ACT_ACCEPT_NEXT] = "accept, then go to the next unreviewed item",
	[I18N_ACT_REJECT_NEXT] = "reject, then go to the next unreviewed item",
	[I18N_ACT_KEEP] = "accept this one, reject the other pending ones, next item",
	[I18N_ACT_SKIP] = "next unreviewed item, without deciding",
	[I18N_ACT_NEXT_ITEM] = "next item of the Items filter",
	[I18N_ACT_PREV_ITEM] = "previous item of the Items filter",
	[I18N_ACT_UNDO] = "undo the last decision (and go back to its item)",
	[I18N_ACT_EDIT] = "edit the focused explanation in $EDITOR",
	[I18N_ACT_DIFF] = "word diff of the focused candidate and the next one",
	[I18N_ACT_DIFF_PAIR] = "diff the next pair (COTE->RP, RP->CROP, CROP->COTE)",
	[I18N_ACT_ATTEMPT] = "CROP: show the kept COTE attempt / the final text",
	[I18N_ACT_BATCH] = "generate what the Items list lacks (scope and cost first)",
	[I18N_ACT_CANCEL] = "cancel the running generation, batch or estimate",
	[I18N_ACT_SCROLL_DOWN] = "scroll the focused text down",
	[I18N_ACT_SCROLL_UP] = "scroll the focused text up",
	[I18N_ACT_SCROLL_PGDN] = "scroll the focused text a page down",
	[I18N_ACT_SCROLL_PGUP] = "scroll the focused text a page up",
	[I18N_ACT_RUN_UP] = "previous run (or form field)",
	[I18N_ACT_RUN_DOWN] = "next run (or form field)",
	[I18N_ACT_NEW_RUN] = "open the form for a new run",
	[I18N_ACT_FORM_ENTER] = "form: edit the field, or launch",
	[I18N_ACT_OVERLAY] = "overlay the selected run in the plots (or not)",
	[I18N_ACT_STOP] = "stop the selected run (it keeps its checkpoint)",
	[I18N_ACT_RESUME] = "resume (or start) the selected run from its checkpoint",
	[I18N_ACT_DELETE] = "delete the selected run (asks y/n)",
	[I18N_ACT_LOG] = "plots: log / linear scale",
	[I18N_ACT_XAXIS] = "plots: x axis by step or by time",
	[I18N_ACT_SMOOTH] = "plots: raw and smoothed, smoothed only, raw only",
	[I18N_ACT_ZOOM] = "plots: all panels, or one series full size",
	[I18N_ACT_GLYPHS] = "plots: braille, half blocks, ASCII",
	[I18N_ACT_VALUE_PREV] = "form: previous value",
	[I18N_ACT_VALUE_NEXT] = "form: next value",
	[I18N_ACT_COMPARE] = "compare: baseline and MT variants, 3 seeds, in the background",
	[I18N_ACT_EXPVIEW] = "the experiment's results table, or the plots",
	[I18N_ACT_PREV_ONLY] = "previous item",
	[I18N_ACT_NEXT_ONLY] = "next item",
	[I18N_ACT_RUN_NEXT] = "run A: next run",
	[I18N_ACT_RUN_PREV] = "run A: previous run",
	[I18N_ACT_VS_NEXT] = "run B to compare: next run of A's dataset (or none)",
	[I18N_ACT_VS_PREV] = "run B to compare: previous run",
	[I18N_ACT_FILTER] = "filter: all, wrong, right, fixed, broken",
	[I18N_ACT_FILTER_PREV] = "filter: the other way round",
	[I18N_ACT_ASK] = "ask run A a new question",
	[I18N_ACT_REPORT] = "write the HTML report of A (vs B) next to the workspace",
	[I18N_EXP_DIRECT] = "direct",
	[I18N_EXP_EXPLAIN] = "explain-then-answer",
	[I18N_EXP_BASELINE] = "Baseline",
	[I18N_V_PARTIAL] = " Partial: %zu of %zu runs evaluated.",
	[I18N_V_PARTIAL_FAILED] = " Partial: %zu of %zu runs evaluated, some failed.",
	[I18N_V_NO_BASELINE] = "No baseline in this experiment, so nothing to compare with.%s",
	[I18N_V_ONLY_BASELINE] = "Only the baseline in this experiment, so nothing to compare "
				 "it with.%s",
	[I18N_V_NO_PAIRED] = "No paired results yet: %zu of %zu runs evaluated.",
	[I18N_V_NO_PAIRED_FAILED] = "No paired results yet: %zu of %zu runs evaluated (some "
				    "failed).",
	[I18N_V_WHO] = "%s (%s)",
	[I18N_V_SEED] = "%zu seed",
	[I18N_V_SEEDS] = "%zu seeds",
	[I18N_V_MORE] = "%s answers %s points more %s questions than the baseline, 95%% CI %s "
			"to %s, %s.%s",
	[I18N_V_FEWER] = "%s answers %s points fewer %s questions than the baseline, 95%% CI %s "
			 "to %s, %s.%s",
	[I18N_V_UNCLEAR] = "%s: no clear difference from the baseline (%s%s points, 95%% CI %s "
			   "to %s, %s).%s",
	[I18N_R_TITLE] = "mentor report: ",
	[I18N_R_INTRO] = "Dataset %s. Explanations from a large model teaching a small one: "
			 "baseline (answers only) against explanation-trained multi-task runs.",
	[I18N_R_EXPERIMENT] = "Experiment %s",
	[I18N_R_EVALUATED] = "%zu of %zu runs evaluated",
	[I18N_R_FAILED] = " (%zu failed)",
	[I18N_R_SEED_FROM] = "; %zu seed, explanations from %s",
	[I18N_R_SEEDS_FROM] = "; %zu seeds, explanations from %s",
	[I18N_R_PRESET] = ", preset %s, %lld steps per run; accuracy on the %s split (%lld "
			  "questions).",
	[I18N_R_H_VARIANT] = "variant",
	[I18N_R_H_ANSWER] = "answer",
	[I18N_R_H_SEEDS] = "seeds",
	[I18N_R_H_ACC_MEAN] = "accuracy &#37;, mean &#177; sd",
	[I18N_R_H_CI] = "95&#37; CI",
	[I18N_R_H_VS_BASE] = "vs baseline, points",
	[I18N_R_H_PER_SEED] = "per seed",
	[I18N_R_RANGE] = "%.1f to %.1f",
	[I18N_R_EXP_NOTE] = "Every variant is trained with the same configuration and seeds. "
			    "Accuracy interval: Student&#39;s t over seeds (the Wilson interval "
			    "with one seed). Difference: the variant's accuracy minus the "
			    "baseline's with the same seed on the same questions, averaged over "
			    "seeds, with a paired bootstrap interval over questions (2000 "
			    "resamples); McNemar's exact test on the questions one got right and "
			    "the other wrong, pooled over seeds.",
	[I18N_R_RUNS] = "Runs",
	[I18N_R_H_ROLE] = "role",
	[I18N_R_H_RUN] = "run",
	[I18N_R_H_EXPLANATIONS] = "explanations",
	[I18N_R_H_STATUS] = "status",
	[I18N_R_H_STEPS] = "steps",
	[I18N_R_H_DATASET] = "dataset",
	[I18N_R_H_PREDICTIONS] = "predictions",
	[I18N_R_ROLE_TRAINED] = "trained",
	[I18N_R_ROLE_BASELINE] = "baseline",
	[I18N_R_LOSS] = "Loss",
	[I18N_R_CHART_TITLE] = "Training loss",
	[I18N_R_CHART_STEP] = "step",
	[I18N_R_CHART_LOSS] = "loss",
	[I18N_R_NO_DATA] = "no data",
	[I18N_R_SOLID] = "Solid: %s",
	[I18N_R_DASHED] = "; dashed: %s",
	[I18N_R_LOSS_NOTE] = ". loss = &#945;&#183;loss_ans + (1&#8722;&#945;)&#183;loss_exp; "
			     "val_loss on the dev split.",
	[I18N_R_ACCURACY] = "Accuracy",
	[I18N_R_NO_PRED] = "No predictions yet: evaluate the runs with 'mentor eval RUN'.",
	[I18N_R_H_SPLIT] = "split",
	[I18N_R_H_ITEMS] = "items",
	[I18N_R_H_DIRECT] = "direct answer",
	[I18N_R_H_EXPLAIN] = "explain, then answer",
	[I18N_R_H_SOUND] = "sound explanations",
	[I18N_R_H_RIGHT_WRONG] = "right answer, wrong reasoning",
	[I18N_R_NA] = "n/a",
	[I18N_R_NO_STEPS] = "%lld without steps",
	[I18N_R_CHANGE] = "change",
	[I18N_R_PP] = "%+.1f pp",
	[I18N_R_ACC_NOTE] = "Direct answer: the answer task ([ANS] prefix), the paper's "
			    "protocol. Explain, then answer: the answer read from the explanation "
			    "the model generates (MT-CoT, MT-Ra), where the run has one. Sound "
			    "explanations: of the explanations the model generated, those whose "
			    "arithmetic steps all compute and whose answer follows from them; "
			    "right answer, wrong reasoning: explanations whose answer is right "
			    "although a "
			    "step is wrong, the answer does not follow or the solution trace is "
			    "left.",
	[I18N_R_EXPL_SECTION] = "Explanations of the dataset",
	[I18N_R_EXPL_COUNTS] = "%lld items; %lld with explanations; %lld with an accepted one.",
	[I18N_R_H_MODE] = "mode",
	[I18N_R_ST_PENDING] = "pending",
	[I18N_R_ST_ACCEPTED] = "accepted",
	[I18N_R_ST_REJECTED] = "rejected",
	[I18N_R_ST_FLAGGED] = "flagged",
	[I18N_R_H_TOTAL] = "total",
	[I18N_R_H_TEACHER_OK] = "teacher answer correct",
	[I18N_R_ALL] = "all",
	[I18N_R_EXAMPLES] = "Examples",
	[I18N_R_CMP_COUNTS] = "Compared on the items both runs answered: %lld fixed (wrong in "
			      "the baseline, right after training with explanations), %lld broken "
			      "(the reverse), %lld both right, %lld both wrong",
	[I18N_R_RIGHT_WRONG] = "%lld right, %lld wrong",
	[I18N_R_ONLY_TRAINED] = "; %lld answered by the trained run only",
	[I18N_R_SHOWING_FB] = ". Showing %zu of %zu, fixed and broken cases first.",
	[I18N_R_SHOWING_WRONG] = ". Showing %zu of %zu, wrong answers first.",
	[I18N_R_CASE_FIXED] = "fixed",
	[I18N_R_CASE_BROKEN] = "broken",
	[I18N_R_CASE_BOTH_WRONG] = "both wrong",
	[I18N_R_CASE_BOTH_RIGHT] = "both right",
	[I18N_R_CASE_WRONG] = "wrong",
	[I18N_R_CASE_RIGHT] = "right",
	[I18N_R_ITEM] = "item %lld",
	[I18N_R_GOLD] = "gold answer",
	[I18N_R_BASE_ANSWER] = "baseline answer",
	[I18N_R_TRAINED_ANSWER] = "trained answer",
	[I18N_R_COT_ANSWER] = "answer read from its explanation",
	[I18N_R_NONE] = "(none)",
	[I18N_R_MODEL_EXPL] = "model's explanation",
	[I18N_R_TEACHER_EXPL] = "teacher's explanation",
	[I18N_R_TEACHER_EXPL_OF] = "teacher's explanation (%s, %s/%s, accepted%s%s)",
	[I18N_R_EDITED] = ", edited",
	[I18N_R_NOT_TRAINED] = "; not trained on: %.16s item",
	[I18N_R_UNSPLIT] = "unsplit",
	[I18N_R_GOLD_RATIONALE] = "gold rationale",
};

static const char *const msg_ja[I18N_N_MSGS] = {
	[I18N_TUI_ITEMS] = "問題",
	[I18N_TUI_REVIEW] = "レビュー",
	[I18N_TUI_TRAIN] = "学習",
	[I18N_TUI_INSPECT] = "検査",
	[I18N_TUI_HELP] = "ヘルプ",
	[I18N_TUI_QUIT] = "終了",
	[I18N_TUI_HELP_TITLE] = " ヘルプ: %s ",
	[I18N_TUI_KEYS_OF] = "%s画面のキー",
	[I18N_TUI_EVERYWHERE] = "全画面共通",
	[I18N_TUI_UNBOUND] = "(未割り当て)",
	[I18N_TUI_HELP_FOOT1] = "キーは $XDG_CONFIG_HOME/mentor/config の [keys] で設定します",
	[I18N_TUI_HELP_FOOT2] = "(動作 = キー, キー2)。j, k でスクロール、ほかのキーで閉じます。",
	[I18N_TUI_MORE_ABOVE] = " %s 上にあと %zu 行: k, ↑ ",
	[I18N_TUI_MORE_BELOW] = " %s 下にあと %zu 行: j, ↓ ",
	[I18N_TUI_MOUSE_OFF] = "[マウス解放] ",
	[I18N_TUI_KEY_NOTHING] = "キー %s はこの画面では使えません。? でヘルプ",
	[I18N_TUI_TOO_SMALL] = "端末が小さすぎます: 現在 %dx%d、必要 %dx%d",
	[I18N_TUI_ENLARGE] = "ウィンドウを広げるか、q で終了",
	[I18N_TUI_ITEM_OF] = "問題 %lld/%lld",
	[I18N_TUI_ITEM_OF_Z] = "問題 %zu/%zu",
	[I18N_TUI_NO_ITEMS] = "問題なし",
	[I18N_HINT_SEARCH] = "検索",
	[I18N_HINT_SPLIT] = "分割",
	[I18N_HINT_REVIEW] = "状態",
	[I18N_HINT_DATASET] = "データ",
	[I18N_HINT_OPEN] = "開く",
	[I18N_HINT_ACCEPT] = "採用",
	[I18N_HINT_REJECT] = "却下",
	[I18N_HINT_SKIP] = "保留",
	[I18N_HINT_NEW] = "新規",
	[I18N_HINT_OVERLAY] = "重ねる",
	[I18N_HINT_STOP] = "停止",
	[I18N_HINT_RESUME] = "再開",
	[I18N_HINT_COMPARE] = "比較",
	[I18N_HINT_ZOOM] = "拡大",
	[I18N_HINT_EDIT_LAUNCH] = "編集/開始",
	[I18N_HINT_VALUE] = "値",
	[I18N_HINT_RUN] = "実行",
	[I18N_HINT_FILTER] = "絞り込み",
	[I18N_HINT_ASK] = "質問",
	[I18N_HINT_REPORT] = "レポート",
	[I18N_ACT_QUIT] = "終了 (位置は保存されます)",
	[I18N_ACT_HELP] = "このヘルプの表示/非表示",
	[I18N_ACT_SCREEN1] = "問題画面",
	[I18N_ACT_SCREEN2] = "レビュー画面",
	[I18N_ACT_SCREEN3] = "学習画面",
	[I18N_ACT_SCREEN4] = "検査画面",
	[I18N_ACT_MOUSE] = "マウスの解放/取得 (コピー用)",
	[I18N_ACT_REDRAW] = "画面を再描画",
	[I18N_ACT_ITEM_UP] = "前の問題 (詳細ペインでは上へ)",
	[I18N_ACT_ITEM_DOWN] = "次の問題 (詳細ペインでは下へ)",
	[I18N_ACT_PAGE_UP] = "1 ページ上へ",
	[I18N_ACT_PAGE_DOWN] = "1 ページ下へ",
	[I18N_ACT_FIRST_ITEM] = "最初の問題",
	[I18N_ACT_LAST_ITEM] = "最後の問題",
	[I18N_ACT_OPEN_REVIEW] = "問題をレビュー画面で開く",
	[I18N_ACT_FOCUS_PANE] = "一覧と詳細のフォーカス切り替え",
	[I18N_ACT_DS_NEXT] = "次のデータセット/全件",
	[I18N_ACT_DS_PREV] = "前のデータセット",
	[I18N_ACT_F_SPLIT] = "絞り込み: 分割 train/dev/test",
	[I18N_ACT_F_REVIEW] = "絞り込み: 説明のレビュー状態",
	[I18N_ACT_F_MODE] = "絞り込み: モード (cot/rp/crop)",
	[I18N_ACT_F_CORRECT] = "絞り込み: 説明の正誤",
	[I18N_ACT_F_LEAKED] = "絞り込み: 答えが漏れた説明",
	[I18N_ACT_CLEAR] = "絞り込みと検索を解除",
	[I18N_ACT_SEARCH] = "問題文を検索 (re: で正規表現)",
	[I18N_ACT_DETAIL_DOWN] = "詳細を下へスクロール",
	[I18N_ACT_DETAIL_UP] = "詳細を上へスクロール",
	[I18N_ACT_FOCUS_LEFT] = "左の候補にフォーカス",
	[I18N_ACT_FOCUS_RIGHT] = "右の候補にフォーカス",
	[I18N_ACT_GENERATE] = "フォーカス中のモードで生成",
	[I18N_ACT_GENERATE_ALL] = "COTE、RP、CROP をすべて生成",
	[I18N_ACT_ACCEPT] = "フォーカス中の説明を採用",
	[I18N_ACT_REJECT] = "フォーカス中の説明を却下",
	[I18N_ACT_FLAG] = "フォーカス中の説明を要確認に",
	[I18N_ACT_ACCEPT_NEXT] = "採用して次の未レビューの問題へ",
	[I18N_ACT_REJECT_NEXT] = "却下して次の未レビューの問題へ",
	[I18N_ACT_KEEP] = "これだけ採用し残りは却下、次へ",
	[I18N_ACT_SKIP] = "判定せず次の未レビューへ",
	[I18N_ACT_NEXT_ITEM] = "問題画面の絞り込みで次の問題",
	[I18N_ACT_PREV_ITEM] = "問題画面の絞り込みで前の問題",
	[I18N_ACT_UNDO] = "直前の判定を取り消して戻る",
	[I18N_ACT_EDIT] = "説明を $EDITOR で編集",
	[I18N_ACT_DIFF] = "次の候補との単語差分",
	[I18N_ACT_DIFF_PAIR] = "次の組の差分 (COTE->RP など)",
	[I18N_ACT_ATTEMPT] = "CROP: COTE の試行/最終版",
	[I18N_ACT_BATCH] = "足りない説明を一括生成",
	[I18N_ACT_CANCEL] = "生成・一括・見積もりを中止",
	[I18N_ACT_SCROLL_DOWN] = "テキストを下へスクロール",
	[I18N_ACT_SCROLL_UP] = "テキストを上へスクロール",
	[I18N_ACT_SCROLL_PGDN] = "テキストを 1 ページ下へ",
	[I18N_ACT_SCROLL_PGUP] = "テキストを 1 ページ上へ",
	[I18N_ACT_RUN_UP] = "前の実行/フォームの前の項目",
	[I18N_ACT_RUN_DOWN] = "次の実行/フォームの次の項目",
	[I18N_ACT_NEW_RUN] = "新しい実行のフォームを開く",
	[I18N_ACT_FORM_ENTER] = "フォーム: 項目を編集か開始",
	[I18N_ACT_OVERLAY] = "選択中の実行をグラフに重ねる",
	[I18N_ACT_STOP] = "選択中の実行を停止 (再開可能)",
	[I18N_ACT_RESUME] = "選択中の実行を再開/開始",
	[I18N_ACT_DELETE] = "選択中の実行を削除 (y/n 確認)",
	[I18N_ACT_LOG] = "グラフ: 対数/線形軸",
	[I18N_ACT_XAXIS] = "グラフ: 横軸をステップ/時間に",
	[I18N_ACT_SMOOTH] = "グラフ: 生/平滑化/両方",
	[I18N_ACT_ZOOM] = "グラフ: 全パネル/1 系列を拡大",
	[I18N_ACT_GLYPHS] = "グラフ: 点字/半ブロック/ASCII",
	[I18N_ACT_VALUE_PREV] = "フォーム: 前の値",
	[I18N_ACT_VALUE_NEXT] = "フォーム: 次の値",
	[I18N_ACT_COMPARE] = "全手法をシード 3 個で比較実行",
	[I18N_ACT_EXPVIEW] = "実験の結果表/グラフの切り替え",
	[I18N_ACT_PREV_ONLY] = "前の問題",
	[I18N_ACT_NEXT_ONLY] = "次の問題",
	[I18N_ACT_RUN_NEXT] = "実行 A: 次の実行",
	[I18N_ACT_RUN_PREV] = "実行 A: 前の実行",
	[I18N_ACT_VS_NEXT] = "比較する実行 B: 次の実行/なし",
	[I18N_ACT_VS_PREV] = "比較する実行 B: 前の実行",
	[I18N_ACT_FILTER] = "絞り込み: 全/誤/正/改善/悪化",
	[I18N_ACT_FILTER_PREV] = "絞り込み: 逆順に切り替え",
	[I18N_ACT_ASK] = "実行 A に新しい質問をする",
	[I18N_ACT_REPORT] = "A (対 B) の HTML レポート保存",
	[I18N_EXP_DIRECT] = "直接回答",
	[I18N_EXP_EXPLAIN] = "説明してから回答",
	[I18N_EXP_BASELINE] = "ベースライン",
	[I18N_V_PARTIAL] = "（途中結果: 評価済み %zu / %zu 実行）",
	[I18N_V_PARTIAL_FAILED] = "（途中結果: 評価済み %zu / %zu 実行、一部失敗）",
	[I18N_V_NO_BASELINE] = "この実験にはベースラインがないため、比較できません。%s",
	[I18N_V_ONLY_BASELINE] = "この実験にはベースラインしかないため、比較できません。%s",
	[I18N_V_NO_PAIRED] = "比較できる結果はまだありません (評価済み %zu / %zu 実行)。",
	[I18N_V_NO_PAIRED_FAILED] = "比較できる結果はまだありません (評価済み %zu / %zu 実行、"
				    "一部失敗)。",
	[I18N_V_WHO] = "%s (%s)",
	[I18N_V_SEED] = "シード %zu 個",
	[I18N_V_SEEDS] = "シード %zu 個",
	[I18N_V_MORE] = "%s はベースラインより正解が %s ポイント多い (%s 分割、95%% 信頼区間 "
			"%s〜%s、%s)。%s",
	[I18N_V_FEWER] = "%s はベースラインより正解が %s ポイント少ない (%s 分割、95%% 信頼区間 "
			 "%s〜%s、%s)。%s",
	[I18N_V_UNCLEAR] = "%s: ベースラインとの明確な差はありません (%s%s ポイント、95%% "
			   "信頼区間 %s〜%s、%s)。%s",
	[I18N_R_TITLE] = "mentor レポート: ",
	[I18N_R_INTRO] = "データセット %s。大規模モデルの説明で小規模モデルを教えます: "
			 "答えだけで学習したベースラインと、説明でマルチタスク学習した実行の"
			 "比較です。",
	[I18N_R_EXPERIMENT] = "実験 %s",
	[I18N_R_EVALUATED] = "評価済み %zu / %zu 実行",
	[I18N_R_FAILED] = " (失敗 %zu)",
	[I18N_R_SEED_FROM] = "、シード %zu 個、説明の出典 %s",
	[I18N_R_SEEDS_FROM] = "、シード %zu 個、説明の出典 %s",
	[I18N_R_PRESET] = "、プリセット %s、1 実行あたり %lld ステップ。正解率は %s 分割 "
			  "(%lld 問) で計測。",
	[I18N_R_H_VARIANT] = "手法",
	[I18N_R_H_ANSWER] = "回答方法",
	[I18N_R_H_SEEDS] = "シード",
	[I18N_R_H_ACC_MEAN] = "正解率 &#37;、平均 &#177; 標準偏差",
	[I18N_R_H_CI] = "95&#37; 信頼区間",
	[I18N_R_H_VS_BASE] = "ベースラインとの差 (ポイント)",
	[I18N_R_H_PER_SEED] = "シード別",
	[I18N_R_RANGE] = "%.1f〜%.1f",
	[I18N_R_EXP_NOTE] = "どの手法も同じ設定とシードで学習しています。正解率の区間: "
			    "シード間の Student の t 分布 (シード 1 個では Wilson 区間)。差: "
			    "同じシード、同じ問題での手法とベースラインの正解率の差をシードで"
			    "平均し、"
			    "問題単位の対応のあるブートストラップ区間 (2000 回) を付けたもの。"
			    "McNemar の正確検定: 一方だけが正解した問題について、シードをまとめて"
			    "検定。",
	[I18N_R_RUNS] = "実行",
	[I18N_R_H_ROLE] = "役割",
	[I18N_R_H_RUN] = "実行",
	[I18N_R_H_EXPLANATIONS] = "説明",
	[I18N_R_H_STATUS] = "状態",
	[I18N_R_H_STEPS] = "ステップ",
	[I18N_R_H_DATASET] = "データセット",
	[I18N_R_H_PREDICTIONS] = "予測",
	[I18N_R_ROLE_TRAINED] = "説明で学習",
	[I18N_R_ROLE_BASELINE] = "ベースライン",
	[I18N_R_LOSS] = "損失",
	[I18N_R_CHART_TITLE] = "学習損失",
	[I18N_R_CHART_STEP] = "ステップ",
	[I18N_R_CHART_LOSS] = "損失",
	[I18N_R_NO_DATA] = "データなし",
	[I18N_R_SOLID] = "実線: %s",
	[I18N_R_DASHED] = "、破線: %s",
	[I18N_R_LOSS_NOTE] = "。loss = &#945;&#183;loss_ans + (1&#8722;&#945;)&#183;loss_exp、"
			     "val_loss は dev 分割で計測。",
	[I18N_R_ACCURACY] = "正解率",
	[I18N_R_NO_PRED] = "まだ予測がありません。'mentor eval RUN' で実行を評価してください。",
	[I18N_R_H_SPLIT] = "分割",
	[I18N_R_H_ITEMS] = "問題数",
	[I18N_R_H_DIRECT] = "直接回答",
	[I18N_R_H_EXPLAIN] = "説明してから回答",
	[I18N_R_H_SOUND] = "妥当な説明",
	[I18N_R_H_RIGHT_WRONG] = "答えは正しいが推論が誤り",
	[I18N_R_NA] = "該当なし",
	[I18N_R_NO_STEPS] = "手順なし %lld",
	[I18N_R_CHANGE] = "差",
	[I18N_R_PP] = "%+.1f ポイント",
	[I18N_R_ACC_NOTE] = "直接回答: 回答タスク ([ANS] 接頭辞) による答えで、論文の評価方法です。"
			    "説明してから回答: モデルが生成した説明から読み取った答え (MT-CoT、"
			    "MT-Ra の実行のみ)。妥当な説明: モデルが生成した説明のうち、計算の"
			    "手順が"
			    "すべて正しく、答えがそこから導かれるもの。答えは正しいが推論が誤り: "
			    "答えは正しいものの、手順に誤りがある、答えが手順から導かれない、"
			    "または解の手順が途中で終わっている説明。",
	[I18N_R_EXPL_SECTION] = "データセットの説明",
	[I18N_R_EXPL_COUNTS] = "問題 %lld 件。説明あり %lld 件、採用済みの説明あり %lld 件。",
	[I18N_R_H_MODE] = "モード",
	[I18N_R_ST_PENDING] = "未判定",
	[I18N_R_ST_ACCEPTED] = "採用",
	[I18N_R_ST_REJECTED] = "却下",
	[I18N_R_ST_FLAGGED] = "要確認",
	[I18N_R_H_TOTAL] = "合計",
	[I18N_R_H_TEACHER_OK] = "教師の答えが正解",
	[I18N_R_ALL] = "全体",
	[I18N_R_EXAMPLES] = "事例",
	[I18N_R_CMP_COUNTS] = "両方の実行が答えた問題で比較: 改善 %lld 件 (ベースラインで誤り、"
			      "説明で学習して正解)、悪化 %lld 件 (その逆)、両方正解 %lld 件、"
			      "両方誤り %lld 件",
	[I18N_R_RIGHT_WRONG] = "正解 %lld 件、誤り %lld 件",
	[I18N_R_ONLY_TRAINED] = "、学習した実行だけが答えた問題 %lld 件",
	[I18N_R_SHOWING_FB] = "。%zu / %zu 件を表示 (改善と悪化が先)。",
	[I18N_R_SHOWING_WRONG] = "。%zu / %zu 件を表示 (誤答が先)。",
	[I18N_R_CASE_FIXED] = "改善",
	[I18N_R_CASE_BROKEN] = "悪化",
	[I18N_R_CASE_BOTH_WRONG] = "両方誤り",
	[I18N_R_CASE_BOTH_RIGHT] = "両方正解",
	[I18N_R_CASE_WRONG] = "誤り",
	[I18N_R_CASE_RIGHT] = "正解",
	[I18N_R_ITEM] = "問題 %lld",
	[I18N_R_GOLD] = "正解",
	[I18N_R_BASE_ANSWER] = "ベースラインの答え",
	[I18N_R_TRAINED_ANSWER] = "学習後の答え",
	[I18N_R_COT_ANSWER] = "説明から読み取った答え",
	[I18N_R_NONE] = "(なし)",
	[I18N_R_MODEL_EXPL] = "モデルの説明",
	[I18N_R_TEACHER_EXPL] = "教師の説明",
	[I18N_R_TEACHER_EXPL_OF] = "教師の説明 (%s、%s/%s、採用%s%s)",
	[I18N_R_EDITED] = "、編集済み",
	[I18N_R_NOT_TRAINED] = "、学習に不使用: %.16s の問題",
	[I18N_R_UNSPLIT] = "分割なし",
	[I18N_R_GOLD_RATIONALE] = "正解の根拠",
};

static const char *const *const tables[I18N_N_LANGS] = {msg_en, msg_ja};

const char *i18n_get(int lang, int msg)
{
	if (msg < 0 || msg >= I18N_N_MSGS)
		return "";
	if (lang < 0 || lang >= I18N_N_LANGS)
		lang = I18N_EN;
	const char *s = tables[lang][msg];
	if (!s)
		s = msg_en[msg];
	return s ? s : "";
}

int i18n_has(int lang, int msg)
{
	return lang >= 0 && lang < I18N_N_LANGS && msg >= 0 && msg < I18N_N_MSGS &&
	       tables[lang][msg] && *tables[lang][msg];
}

const char *i18n_text(int lang, const char *en)
{
	if (!en || lang <= I18N_EN || lang >= I18N_N_LANGS)
		return en;
	for (int i = 0; i < I18N_N_MSGS; i++)
		if (msg_en[i] && !strcmp(msg_en[i], en))
			return i18n_get(lang, i);
	return en;
}

const char *i18n_lang_code(int lang) { return lang == I18N_JA ? "ja" : "en"; }

int i18n_lang_parse(const char *s, int *lang, char *err)
{
	if (!s || !*s || !strcasecmp(s, "auto")) {
		*lang = -1;
		return 0;
	}
	if (!strcasecmp(s, "en") || !strcasecmp(s, "english")) {
		*lang = I18N_EN;
		return 0;
	}
	if (!strcasecmp(s, "ja") || !strcasecmp(s, "japanese") || !strcmp(s, "日本語")) {
		*lang = I18N_JA;
		return 0;
	}
	util_err(err, "unknown language '%.32s': use en, ja or auto", s);
	return MENTOR_EUSAGE;
}

int i18n_lang_of_locale(const char *name)
{
	if (!name)
		return I18N_EN;
	/* ja, ja_JP, ja_JP.UTF-8, ja_JP.eucJP@... */
	if ((name[0] == 'j' || name[0] == 'J') && (name[1] == 'a' || name[1] == 'A') &&
	    (name[2] == '\0' || name[2] == '_' || name[2] == '.' || name[2] == '@' ||
	     name[2] == '-'))
		return I18N_JA;
	return I18N_EN;
}

int i18n_lang_pick(const char *opt, const char *cfg, const char *lc_all,
		   const char *lc_messages, const char *lang)
{
	char err[MENTOR_ERR_LEN];
	int l;
	if (opt && !i18n_lang_parse(opt, &l, err) && l >= 0)
		return l;
	if (cfg && !i18n_lang_parse(cfg, &l, err) && l >= 0)
		return l;
	const char *env[3] = {lc_all, lc_messages, lang};
	for (int i = 0; i < 3; i++)
		if (env[i] && *env[i])
			return i18n_lang_of_locale(env[i]);
	return I18N_EN;
}

/* ------------------------------------------------------------- detection */

void i18n_census_add(struct i18n_census *c, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (s && i < n) {
		if (p[i] < 0x80) {
			if (isalpha(p[i]))
				c->latin++;
			i++;
			continue;
		}
		uint32_t cp;
		int len = util_utf8_decode(p + i, n - i, &cp);
		i += (size_t)len;
		/* kana without the middle dot U+30FB, which is punctuation */
		if ((cp >= 0x3041 && cp <= 0x309F) ||
		    (cp >= 0x30A0 && cp <= 0x30FF && cp != 0x30FB) ||
		    (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0xFF66 && cp <= 0xFF9F))
			c->kana++;
		else if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
			 (cp >= 0xF900 && cp <= 0xFAFF) || cp == 0x3005)
			c->kanji++;
		else if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
			c->latin++;
	}
}

int i18n_census_lang(const struct i18n_census *c)
{
	size_t cjk = c->kana + c->kanji;
	size_t all = cjk + c->latin;
	if (!cjk || cjk * 4 < all || c->kana * 10 < cjk)
		return I18N_EN;
	return I18N_JA;
}

int i18n_detect(const char *s, size_t n)
{
	struct i18n_census c = {0, 0, 0};
	i18n_census_add(&c, s, n);
	return i18n_census_lang(&c);
}

/* ---------------------------------------------------------------- formats */

/* The next conversion of a format from *p: its flags-free signature (length
 * modifier and conversion letter, plus '*' for a star width or precision)
 * into sig; 0 at the end of the string. */
static int next_conv(const char **p, char *sig, size_t cap)
{
	const char *s = *p;
	for (;;) {
		s = strchr(s, '%');
		if (!s) {
			*p = s;
			return 0;
		}
		s++;
		if (*s == '%') {
			s++;
			continue;
		}
		break;
	}
	size_t n = 0;
	while (*s && strchr("-+ #0'", *s))
		s++;
	while (*s && (isdigit((unsigned char)*s) || *s == '*' || *s == '.' || *s == '$')) {
		if (*s == '*' && n + 1 < cap)
			sig[n++] = '*';
		s++;
	}
	while (*s && strchr("hlLqjzt", *s)) {
		if (n + 1 < cap)
			sig[n++] = *s;
		s++;
	}
	if (*s && n + 1 < cap)
		sig[n++] = *s++;
	sig[n] = '\0';
	*p = s;
	return 1;
}

int i18n_same_format(const char *a, const char *b)
{
	const char *pa = a ? a : "", *pb = b ? b : "";
	for (;;) {
		char sa[16], sb[16];
		int ga = next_conv(&pa, sa, sizeof sa), gb = next_conv(&pb, sb, sizeof sb);
		if (ga != gb)
			return 0;
		if (!ga)
			return 1;
		if (strcmp(sa, sb))
			return 0;
	}
}
