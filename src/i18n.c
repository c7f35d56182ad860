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
	[I18N_TUI_HELP_FOOT2] =
		"(action = key, key2). j, k scroll; any other key closes this help.",
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

/* The screens' phrases, by their English text. */
static const struct {
	const char *en, *ja;
} phrases[] = {
	/* text entries */
	{"cancel", "取消"},
	{"delete", "削除"},
	/* Items */
	{"Search: ", "検索: "},
	{"Dataset ", "データセット "},
	{" no items", " 問題なし"},
	{" (filters or the search hide them: x clears)", " (絞り込みか検索で非表示: x で解除)"},
	{" (import a dataset: mentor import)", " (データセットを取り込む: mentor import)"},
	{"no item selected", "問題が選ばれていません"},
	{"Item %lld", "問題 %lld"},
	{"Question", "問題文"},
	{"Choices", "選択肢"},
	{"Gold answer: ", "正解: "},
	{"Gold rationale", "正解の根拠"},
	{"Explanations (%zu)", "説明 (%zu)"},
	{"Explanations", "説明"},
	{"none yet: press Enter to open the item in Review", "まだありません: Enter "
							     "でレビュー画面に開きます"},
	{" %s%s%s  %s  answer %s", " %s%s%s  %s  答え %s"},
	{"cannot list items: %s", "問題を一覧できません: %s"},
	{"cannot search: %s", "検索できません: %s"},
	{"cannot count items: %s", "問題を数えられません: %s"},
	{"cannot save the position: %s", "位置を保存できません: %s"},
	{"all datasets (%zu)", "全データセット (%zu)"},
	{"re:PATTERN for a regex", "re:パターン で正規表現"},
	{" (regex scanned %d)", " (正規表現は %d 行まで走査)"},
	/* Items: the filter line */
	{"any", "全"},
	{"split:%s review:%s mode:%s result:%s leaked:%s",
	 "分割:%s 状態:%s モード:%s 結果:%s 漏洩:%s"},
	{"none", "なし"},
	{"correct", "正解"},
	{"yes", "あり"},
	/* Review: panes, chips, batch, scope */
	{" correct", " 正解"},
	{" wrong", " 誤り"},
	{" not judged", " 未判定"},
	{"Review: select an item in Items and press Enter", "レビュー: 問題画面で問題を選び Enter "
							    "を押します"},
	{"or press Space for the next unreviewed item of the Items filter",
	 "または Space で問題画面の絞り込みの次の未"
	 "レビューの問題へ"},
	{"generating...", "生成中..."},
	{"no explanation yet", "説明はまだありません"},
	{"answer ", "答え "},
	{" leaked", " 漏洩"},
	{"(edited)", "(編集済み)"},
	{"kept COTE attempt, read-only (o: back to CROP)",
	 "保存された COTE の試行、読み取り専用 (o: "
	 "CROP に戻る)"},
	{"path rp fallback", "経路 rp (代替)"},
	{"path cot", "経路 cot"},
	{"COTE attempt ", "COTE の試行 "},
	{" (o: show)", " (o: 表示)"},
	{"path %s", "経路 %s"},
	{"check ", "検算 "},
	{"... streaming (%s prompt)", "... 受信中 (%s プロンプト)"},
	{"waiting for the teacher...", "教師の応答を待っています..."},
	{"press g to generate this mode, G for all three",
	 "g でこのモードを生成、G で 3 つとも生成"},
	{"Diff %s -> %s", "差分 %s -> %s"},
	{"[-removed-]", "[-削除-]"},
	{"{+added+}", "{+追加+}"},
	{"   d: close  D: next pair", "   d: 閉じる  D: 次の組"},
	{"%s has no explanation yet", "%s にはまだ説明がありません"},
	{"(long texts: the differing middle is shown whole)",
	 "(長い文章: 異なる中間部分をそのまま表示)"},
	{"cancelling", "中止中"},
	{"batch", "バッチ"},
	{"cancelled", "中止"},
	{"done", "完了"},
	{" %lld/%lld tasks  %lld errors  %lld skipped  tok %lld/%lld  %s  %.0f s",
	 " %lld/%lld 件  エラー %lld  省略 %lld  "
	 "トークン %lld/%lld  %s  %.0f 秒"},
	{"  (c: cancel)", "  (c: 中止)"},
	{"Batch generation, before any call:", "一括生成 (呼び出し前の確認):"},
	{"Up to %lld calls, more than [review] confirm_calls = %lld. Start? y: start  n, Esc: "
	 "cancel (nothing is asked)",
	 "最大 %lld 回の呼び出しで、[review] "
	 "confirm_calls = %lld "
	 "を超えます。開始しますか? y: 開始  n, "
	 "Esc: 中止 (何も呼び出しません)"},
	{"%s: %lld acc %lld rej %lld flag %lld pend %lld none, of %lld items",
	 "%s: 採用 %lld 却下 %lld 要確認 %lld "
	 "未判定 %lld なし %lld (全 %lld 問)"},
	{"estimating the batch before any call: %zu of %zu items read (c, Esc: cancel)",
	 "呼び出し前に一括生成を見積もり中: %zu / "
	 "%zu 問を読み込み済み (c, Esc: 中止)"},
	/* Train: notices, form, run list, plots */
	{"run %lld resumes from its checkpoint at step %lld in the background",
	 "実行 %lld をステップ %lld "
	 "のチェックポイントからバックグラウンドで再"
	 "開します"},
	{"run %lld queued: it resumes from its checkpoint at step %lld when run %lld ends",
	 "実行 %lld は待機中: ステップ %lld "
	 "のチェックポイントから、実行 %lld "
	 "の終了後に再開します"},
	{"run %lld queued: it resumes from its checkpoint at step %lld next",
	 "実行 %lld は待機中: 次にステップ %lld "
	 "のチェックポイントから再開します"},
	{"run %lld starts in the background", "実行 %lld をバックグラウンドで開始します"},
	{"run %lld queued: it starts when run %lld ends", "実行 %lld は待機中: 実行 %lld "
							  "の終了後に開始します"},
	{"run %lld queued: it starts next", "実行 %lld は待機中: 次に開始します"},
	{"%zu queued run waits for the next workbench", "待機中の実行 %zu 件は次回の起動時に開始"},
	{"%zu queued runs wait for the next workbench", "待機中の実行 %zu 件は次回の起動時に開始"},
	{"%d runs keep training%s%s", "実行 %d 件は学習を続けます%s%s"},
	{"run %lld keeps training%s%s", "実行 %lld は学習を続けます%s%s"},
	{"fresh model", "新しいモデル"},
	{"(none: mentor init)", "(なし: mentor init)"},
	{"[ Launch ]", "[ 開始 ]"},
	{"%s: '%.40s' is not a number in range", "%s: '%.40s' は範囲内の数ではありません"},
	{"%s: '%.40s' is not a whole number in range", "%s: '%.40s' は範囲内の整数ではありません"},
	{"no dataset: import one first (mentor init, mentor import)",
	 "データセットがありません: "
	 "先に取り込んでください (mentor init, "
	 "mentor import)"},
	{"  %s %zu more", "  %s ほか %zu 件"},
	{" Runs", " 実行"},
	{"  (Space: overlay)", "  (Space: 重ねる)"},
	{" no runs yet: press n", " 実行はまだありません: n で新規"},
	{" Run ", " 実行 "},
	{"evaluating", "評価中"},
	{"running", "実行中"},
	{"queued", "待機中"},
	{"stopped", "停止"},
	{"failed", "失敗"},
	{" (queued here)", " (ここで待機中)"},
	{"%s (at %s)", "%s (%s 終了予定)"},
	{"ETA", "残り時間"},
	{"(estimating)", "(見積もり中)"},
	{"(none yet)", "(まだなし)"},
	{", explained %.0f%%", "、説明から %.0f%%"},
	{", explained %.1f%%", "、説明から %.1f%%"},
	{"tokens/s", "tok/秒"},
	{"elapsed", "経過"},
	{"lr", "学習率"},
	{"ckpt", "保存点"},
	{"dev acc", "dev 正解"},
	{"test acc", "test 正解"},
	{"error", "エラー"},
	{" New run", " 新しい実行"},
	{"  (Esc: close)", "  (Esc: 閉じる)"},
	{"alpha", "重み α"},
	{"source", "出典"},
	{"start", "開始点"},
	{"preset", "規模"},
	{"layers", "層数"},
	{"width", "幅"},
	{"heads", "ヘッド数"},
	{"context", "文脈長"},
	{"budget", "予算"},
	{"minutes", "分"},
	{"seed", "シード"},
	{"vocab", "語彙数"},
	{"eval on", "評価対象"},
	{" examples: %ld answers", " 学習例: 答え %ld 件"},
	{" examples: %ld ans + %ld expl", " 学習例: 答え %ld + 説明 %ld 件"},
	{" %ld/%ld items with %s expl.", " %ld/%ld 問に %s の説明あり"},
	{"train loss", "学習損失"},
	{"validation loss", "検証損失"},
	{"answer-task loss", "回答タスクの損失"},
	{"explanation-task loss", "説明タスクの損失"},
	{"dev accuracy % (direct)", "dev 正解率 % (直接)"},
	{"dev accuracy % (explained)", "dev 正解率 % (説明から)"},
	{" by time (s)", " (横軸: 時間 秒)"},
	{"run %lld is running: stop it first (s)", "実行 %lld は実行中です: "
						   "先に停止してください (s)"},
	{"run %lld deleted", "実行 %lld を削除しました"},
	{"run %lld left the queue; r resumes it", "実行 %lld を待機列から外しました。r "
						  "で再開します"},
	{"run %lld left the queue; r starts it", "実行 %lld を待機列から外しました。r "
						 "で開始します"},
	{"run %lld stopped before it started; r resumes it", "実行 %lld は開始前に停止しました。r "
							     "で再開します"},
	{"run %lld stopped before it started; r starts it", "実行 %lld は開始前に停止しました。r "
							    "で開始します"},
	{"stopping run %lld: it writes a checkpoint; r resumes it",
	 "実行 %lld を停止中: "
	 "チェックポイントを保存します。r "
	 "で再開します"},
	{"%d runs overlaid already: Space on one removes it", "すでに %d 件を重ねています: Space "
							      "で外せます"},
	{"run %lld is %s", "実行 %lld は%sです"},
	{"run %lld is starting", "実行 %lld を開始しています"},
	{"no experiment yet: c starts one", "実験はまだありません: c で開始します"},
	{"run %lld kept", "実行 %lld を残しました"},
	{"delete run #%lld (metrics, predictions, checkpoint)? ",
	 "実行 #%lld (指標、予測、チェックポイント) "
	 "を削除しますか? "},
	{" delete  ", " 削除  "},
	{" keep  ", " 残す  "},
	{"set", "設定"},
	{"%zu runs, %d running, %zu queued", "実行 %zu 件、実行中 %d、待機 %zu"},
	/* Inspect */
	{" A:dir A:expl B:dir  item", " A直接 A説明 B直接   問題"},
	{" A:dir A:expl  item", " A直接 A説明   問題"},
	{" no item passes the filter", " 絞り込みに合う問題がありません"},
	{" no predictions: the run has not been evaluated",
	 " 予測がありません: この実行はまだ評価され"
	 "ていません"},
	{" right", " 正解"},
	{" You asked run #%lld", " 実行 #%lld への質問"},
	{"  (thinking...)", "  (考え中...)"},
	{"answer: ", "答え: "},
	{"  explanation:", "  説明:"},
	{"answer from the explanation: ", "説明から読み取った答え: "},
	{"  check ", "  検算 "},
	{"  teacher explanation:", "  教師の説明:"},
	{"(run #%lld did not train on this item: not in the train split)",
	 "(実行 #%lld はこの問題で学習していません: "
	 "train 分割にありません)"},
	{"  teacher explanation trained on:", "  学習に使った教師の説明:"},
	{"(none: a baseline trains on answers only)", "(なし: ベースラインは答えだけで学習します)"},
	{"  teacher explanation trained on (%s):", "  学習に使った教師の説明 (%s):"},
	{"(none for this item: trained on its answer only)", "(この問題にはなし: 答えだけで学習)"},
	{" Item %lld (%s)", " 問題 %lld (%s)"},
	{"gold answer: ", "正解: "},
	{"direct: ", "直接回答: "},
	{"explain-then-answer: ", "説明してから回答: "},
	{"  generated explanation:", "  生成された説明:"},
	{"(no prediction for this item)", "(この問題の予測はありません)"},
	{" Gold rationale", " 正解の根拠"},
	{"(no run)", "(実行なし)"},
	{"filter ", "絞り込み "},
	{"  %zu of %zu items", "  %zu / %zu 問"},
	{"  (c: compare with another run)", "  (c: 別の実行と比較)"},
	{"  fixed %lld", "  改善 %lld"},
	{" broken %lld", " 悪化 %lld"},
	{"fixed %lld", "改善 %lld"},
	{"Ask: ", "質問: "},
	{"sound", "妥当"},
	{"rw", "正誤"},
	{"right-wrong", "答え正・推論誤"},
	{"dir", "直接"},
	{"expl", "説明"},
	{"run %lld answered after run A changed: answer not shown",
	 "実行 A が変わった後に実行 %lld "
	 "が答えました: 答えは表示しません"},
	{"cannot answer: %s", "答えられません: %s"},
	{"run %lld answered", "実行 %lld が答えました"},
	{"still answering the last question", "前の質問に答えています"},
	{"no run to ask: train one on the Train screen", "質問できる実行がありません: "
							 "学習画面で学習してください"},
	{"run %lld has no checkpoint yet", "実行 %lld にはまだチェックポイントがありま"
					   "せん"},
	{"cannot start the answer thread", "回答スレッドを開始できません"},
	{"asking run %lld...", "実行 %lld に質問中..."},
	{"cannot compare run #%lld (%s) with run A #%lld (%s): other dataset; %s",
	 "実行 #%lld (%s) は実行 A #%lld (%s) "
	 "と比較できません: データセットが違います。"
	 "%s"},
	{"B is now baseline #%lld", "B はベースライン #%lld になりました"},
	{"no comparison", "比較なし"},
	{"passed over", "飛ばしました"},
	{"no run to report on", "レポートする実行がありません"},
	{"report written to %s", "レポートを書き出しました: %s"},
	{"%s needs a run to compare: press c", "%s には比較する実行が必要です: c "
					       "を押してください"},
	/* the frame */
	{"screen %d is not available yet", "画面 %d はまだありません"},
	{"Quit? y/n: %s", "終了しますか? y/n: %s"},
	{"mouse captured", "マウスを取得しました"},
	{"mouse released: select text with the terminal; press m again to capture",
	 "マウスを解放しました: "
	 "端末で文字を選択できます。m "
	 "でまた取得します"},
	{"not quitting", "終了しません"},
	/* Review: messages and status bar */
	{"cannot load the explanations: %s", "説明を読み込めません: %s"},
	{"cannot open item %lld: %s", "問題 %lld を開けません: %s"},
	{"cannot select the items: %s", "問題を選べません: %s"},
	{"no unreviewed item left in the Items filter", "問題画面の絞り込みに未レビューの問題は残っ"
							"ていません"},
	{"COTE attempt is read-only (o: CROP to %s)", "COTE の試行は読み取り専用です (o: CROP "
						      "に戻って%s)"},
	{"decide", "判定"},
	{"edit", "編集"},
	{"no item open: select one in Items (1) and press Enter",
	 "問題が開かれていません: 問題画面 (1) "
	 "で選んで Enter"},
	{"%s has no explanation yet: press g to generate it", "%s にはまだ説明がありません: g "
							      "で生成します"},
	{"cannot record the decision: %s", "判定を記録できません: %s"},
	{"%s is %s already: nothing recorded", "%s はすでに%sです: 記録しません"},
	{"nothing to undo", "取り消すものがありません"},
	{"cannot undo: %s", "取り消せません: %s"},
	{"undone, but cannot show it: %s", "取り消しましたが表示できません: %s"},
	{"undone: the edit of %s of item %lld; its text is restored",
	 "取り消し: %s の編集 (問題 "
	 "%lld)。元の文章に戻しました"},
	{"undone: %s of item %lld is %s again", "取り消し: %s (問題 %lld) は再び%sです"},
	{"cannot generate: %s", "生成できません: %s"},
	{"a generation is running (c: cancel)", "生成中です (c: 中止)"},
	{"cannot start the batch: %s", "一括生成を開始できません: %s"},
	{"batch started: %s", "一括生成を開始しました: %s"},
	{"batch not started: estimate cancelled, no call made",
	 "一括生成は未開始: 見積もりを中止し、呼び出"
	 "しはしていません"},
	{"cannot estimate the batch: %s", "一括生成を見積もれません: %s"},
	{"a batch is running (c: cancel)", "一括生成中です (c: 中止)"},
	{"the batch is being estimated (c: cancel)", "一括生成を見積もり中です (c: 中止)"},
	{"no items in the Items filter", "問題画面の絞り込みに問題がありません"},
	{"cannot estimate the batch: no thread", "一括生成を見積もれません: "
						 "スレッドがありません"},
	{"batch not started: no call made", "一括生成は未開始: 呼び出しはしていません"},
	{"cancelling the estimate: no call is made", "見積もりを中止中: 呼び出しはしません"},
	{"nothing is running", "実行中のものはありません"},
	{"cancelling: what finished is kept", "中止中: 終わった分は残します"},
	{"batch stopped early: %s", "一括生成が途中で止まりました: %s"},
	{"%s has no explanation to keep", "%s には残す説明がありません"},
	{"item %lld: kept %s, rejected %d other", "問題 %lld: %s を残し、ほか %d 件を却下"},
	{"item %lld: kept %s, rejected %d others", "問題 %lld: %s を残し、ほか %d 件を却下"},
	{"nothing to edit: generate an explanation first (g)", "編集するものがありません: "
							       "先に説明を生成してください (g)"},
	{"cannot create a file for the editor: %s", "エディタ用のファイルを作れません: %s"},
	{"cannot write '%s'", "'%s' に書き込めません"},
	{"cannot read the edited text: %s", "編集した文章を読めません: %s"},
	{"no change: nothing saved", "変更なし: 保存しません"},
	{"the edited text is empty: nothing saved", "編集した文章が空です: 保存しません"},
	{"cannot save the edit: %s", "編集を保存できません: %s"},
	{"no next item in the Items filter", "問題画面の絞り込みに次の問題はありません"},
	{"no previous item in the Items filter", "問題画面の絞り込みに前の問題はありません"},
	{"CROP kept no COTE attempt for this item", "この問題では CROP は COTE "
						    "の試行を残していません"},
	{"item %lld is open", "問題 %lld を開きました"},
	{" start the batch  ", " 一括生成を開始  "},
	{" cancel: no call  ", " 中止: 呼び出しなし  "},
	{"up to %lld calls", "最大 %lld 回の呼び出し"},
	{"%d reviewed: %d acc %d rej %.0f/h", "レビュー %d 件: 採用 %d 却下 %d %.0f/時"},
	{"%d reviewed: %d acc %d rej --/h", "レビュー %d 件: 採用 %d 却下 %d --/時"},
	{"error: %s", "エラー: %s"},
	{"already explained by this teacher: not asked again", "この教師の説明はすでにあります: "
							       "再度は問い合わせません"},
	/* the config, Train's experiment table and plots, the [keys] check */
	{"cannot read the config: %s", "設定ファイルを読めません: %s"},
	{"experiment %lld: %zu runs (%zu variants x %d seeds) started in the background; v: "
	 "table or plots",
	 "実験 %lld: %zu 件の実行 (%zu 手法 x "
	 "シード %d 個) をバックグラウンドで開始しま"
	 "した。v: 表/グラフ"},
	{"explanations not available: %.400s", "説明を読み込めません: %.400s"},
	{"all datasets", "全データセット"},
	{"  search /%s", "  検索 /%s"},
	{" (regex scanned %d rows)", " (正規表現は %d 行まで走査)"},
	{" (log)", " (対数)"},
	{"no data yet", "データはまだありません"},
	{" Experiment #%lld  ", " 実験 #%lld  "},
	{" %s: %zu of %zu runs evaluated%s; source %s, preset %s, %lld steps, %zu seeds; %s "
	 "split, %lld questions",
	 " %s: 評価済み %zu / %zu "
	 "実行%s。説明の出典 %s、規模 %s、%lld "
	 "ステップ、シード %zu 個。%s 分割、%lld 問"},
	{" (some failed)", " (一部失敗)"},
	{" Verdict: %s", " 結論: %s"},
	{" v: plots  c: another experiment  (runs appear on the left)",
	 " v: グラフ  c: 別の実験  (実行は左に表示)"},
	{"missing '='", "'=' がありません"},
	{"unknown action '%.40s'", "不明な動作 '%.40s'"},
	{"unknown key '%s'", "不明なキー '%s'"},
	{"line %zu: %s", "%zu 行目: %s"},
	{"config [keys], %d bad line (the others apply):", "設定 [keys] の誤った行 %d 件 "
							   "(ほかの行は有効):"},
	{"config [keys], %d bad lines (the others apply):", "設定 [keys] の誤った行 %d 件 "
							    "(ほかの行は有効):"},
};
#define N_PHRASES (sizeof phrases / sizeof phrases[0])

size_t i18n_phrase_count(void)
{
	return N_PHRASES;
}

const char *i18n_phrase(size_t i, int lang)
{
	if (i >= N_PHRASES)
		return "";
	return lang == I18N_JA ? phrases[i].ja : phrases[i].en;
}

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
	for (size_t i = 0; i < N_PHRASES; i++)
		if (!strcmp(phrases[i].en, en))
			return lang == I18N_JA ? phrases[i].ja : en;
	return en;
}

const char *i18n_lang_code(int lang)
{
	return lang == I18N_JA ? "ja" : "en";
}

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

int i18n_lang_pick(const char *opt, const char *cfg, const char *lc_all, const char *lc_messages,
		   const char *lang)
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
