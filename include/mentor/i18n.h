/* i18n: the user interface's languages (English, the default, and
 * Japanese): the catalogue of the workbench's and the report's strings, one
 * table per language indexed by message id; the choice of language from an
 * option, the config file's [ui] lang and the locale variables; and the
 * detection of a text's language from its share of kana and kanji. Plain
 * data and pure functions: no terminal, no I/O. */
#ifndef MENTOR_I18N_H
#define MENTOR_I18N_H

#include <stddef.h>

enum i18n_lang { I18N_EN = 0, I18N_JA = 1, I18N_N_LANGS = 2 };

/* Message ids. A format string keeps the same conversions, in the same
 * order, in every language (the tests check it). */
enum i18n_msg {
	/* workbench frame */
	I18N_TUI_ITEMS,
	I18N_TUI_REVIEW,
	I18N_TUI_TRAIN,
	I18N_TUI_INSPECT,
	I18N_TUI_HELP,
	I18N_TUI_QUIT,
	I18N_TUI_HELP_TITLE, /* " Help: %s " */
	I18N_TUI_KEYS_OF,    /* "%s keys" */
	I18N_TUI_EVERYWHERE,
	I18N_TUI_UNBOUND,
	I18N_TUI_HELP_FOOT1,
	I18N_TUI_HELP_FOOT2,
	I18N_TUI_MORE_ABOVE, /* " %s %zu more above: k, Up " (glyph, count) */
	I18N_TUI_MORE_BELOW, /* " %s %zu more below: j, Down " */
	I18N_TUI_MOUSE_OFF,
	I18N_TUI_KEY_NOTHING, /* "key %s does nothing here; ..." */
	I18N_TUI_TOO_SMALL,   /* "terminal too small: have %dx%d, need %dx%d" */
	I18N_TUI_ENLARGE,
	I18N_TUI_ITEM_OF,   /* "item %lld/%lld" */
	I18N_TUI_ITEM_OF_Z, /* "item %zu/%zu" */
	I18N_TUI_NO_ITEMS,
	/* status-bar hints */
	I18N_HINT_SEARCH,
	I18N_HINT_SPLIT,
	I18N_HINT_REVIEW,
	I18N_HINT_DATASET,
	I18N_HINT_OPEN,
	I18N_HINT_ACCEPT,
	I18N_HINT_REJECT,
	I18N_HINT_SKIP,
	I18N_HINT_NEW,
	I18N_HINT_OVERLAY,
	I18N_HINT_STOP,
	I18N_HINT_RESUME,
	I18N_HINT_COMPARE,
	I18N_HINT_ZOOM,
	I18N_HINT_EDIT_LAUNCH,
	I18N_HINT_VALUE,
	I18N_HINT_RUN,
	I18N_HINT_FILTER,
	I18N_HINT_ASK,
	I18N_HINT_REPORT,
	/* help overlay: what the global actions do */
	I18N_ACT_QUIT,
	I18N_ACT_HELP,
	I18N_ACT_SCREEN1,
	I18N_ACT_SCREEN2,
	I18N_ACT_SCREEN3,
	I18N_ACT_SCREEN4,
	I18N_ACT_MOUSE,
	I18N_ACT_REDRAW,
	/* Items */
	I18N_ACT_ITEM_UP,
	I18N_ACT_ITEM_DOWN,
	I18N_ACT_PAGE_UP,
	I18N_ACT_PAGE_DOWN,
	I18N_ACT_FIRST_ITEM,
	I18N_ACT_LAST_ITEM,
	I18N_ACT_OPEN_REVIEW,
	I18N_ACT_FOCUS_PANE,
	I18N_ACT_DS_NEXT,
	I18N_ACT_DS_PREV,
	I18N_ACT_F_SPLIT,
	I18N_ACT_F_REVIEW,
	I18N_ACT_F_MODE,
	I18N_ACT_F_CORRECT,
	I18N_ACT_F_LEAKED,
	I18N_ACT_CLEAR,
	I18N_ACT_SEARCH,
	I18N_ACT_DETAIL_DOWN,
	I18N_ACT_DETAIL_UP,
	/* Review */
	I18N_ACT_FOCUS_LEFT,
	I18N_ACT_FOCUS_RIGHT,
	I18N_ACT_GENERATE,
	I18N_ACT_GENERATE_ALL,
	I18N_ACT_ACCEPT,
	I18N_ACT_REJECT,
	I18N_ACT_FLAG,
	I18N_ACT_ACCEPT_NEXT,
	I18N_ACT_REJECT_NEXT,
	I18N_ACT_KEEP,
	I18N_ACT_SKIP,
	I18N_ACT_NEXT_ITEM,
	I18N_ACT_PREV_ITEM,
	I18N_ACT_UNDO,
	I18N_ACT_EDIT,
	I18N_ACT_DIFF,
	I18N_ACT_DIFF_PAIR,
	I18N_ACT_ATTEMPT,
	I18N_ACT_BATCH,
	I18N_ACT_CANCEL,
	I18N_ACT_SCROLL_DOWN,
	I18N_ACT_SCROLL_UP,
	I18N_ACT_SCROLL_PGDN,
	I18N_ACT_SCROLL_PGUP,
	/* Train */
	I18N_ACT_RUN_UP,
	I18N_ACT_RUN_DOWN,
	I18N_ACT_NEW_RUN,
	I18N_ACT_FORM_ENTER,
	I18N_ACT_OVERLAY,
	I18N_ACT_STOP,
	I18N_ACT_RESUME,
	I18N_ACT_DELETE,
	I18N_ACT_LOG,
	I18N_ACT_XAXIS,
	I18N_ACT_SMOOTH,
	I18N_ACT_ZOOM,
	I18N_ACT_GLYPHS,
	I18N_ACT_VALUE_PREV,
	I18N_ACT_VALUE_NEXT,
	I18N_ACT_COMPARE,
	I18N_ACT_EXPVIEW,
	/* Inspect */
	I18N_ACT_PREV_ONLY,
	I18N_ACT_NEXT_ONLY,
	I18N_ACT_RUN_NEXT,
	I18N_ACT_RUN_PREV,
	I18N_ACT_VS_NEXT,
	I18N_ACT_VS_PREV,
	I18N_ACT_FILTER,
	I18N_ACT_FILTER_PREV,
	I18N_ACT_ASK,
	I18N_ACT_REPORT,
	/* the experiment's verdict and table words */
	I18N_EXP_DIRECT,
	I18N_EXP_EXPLAIN,
	I18N_EXP_BASELINE,
	I18N_V_PARTIAL, /* " Partial: %zu of %zu runs evaluated." */
	I18N_V_PARTIAL_FAILED,
	I18N_V_NO_BASELINE, /* "...%s" (the partial note) */
	I18N_V_ONLY_BASELINE,
	I18N_V_NO_PAIRED, /* "%zu of %zu" */
	I18N_V_NO_PAIRED_FAILED,
	I18N_V_WHO,  /* "%s (%s)": variant, answer mode */
	I18N_V_SEED, /* "%zu seed" */
	I18N_V_SEEDS,
	I18N_V_MORE, /* who, points, split, lo, hi, seeds, partial */
	I18N_V_FEWER,
	I18N_V_UNCLEAR, /* who, sign, points, lo, hi, seeds, partial */
	/* the HTML report */
	I18N_R_TITLE,      /* "mentor report: " */
	I18N_R_INTRO,      /* "Dataset %s. ..." (escaped name) */
	I18N_R_EXPERIMENT, /* "Experiment %s" */
	I18N_R_EVALUATED,  /* "%zu of %zu runs evaluated" */
	I18N_R_FAILED,     /* " (%zu failed)" */
	I18N_R_SEED_FROM,  /* "; %zu seed, explanations from %s" */
	I18N_R_SEEDS_FROM,
	I18N_R_PRESET, /* ", preset %s, %lld steps per run; accuracy on the %s split
				 * (%lld questions)." */
	I18N_R_H_VARIANT,
	I18N_R_H_ANSWER,
	I18N_R_H_SEEDS,
	I18N_R_H_ACC_MEAN,
	I18N_R_H_CI,
	I18N_R_H_VS_BASE,
	I18N_R_H_PER_SEED,
	I18N_R_RANGE, /* "%.1f to %.1f" */
	I18N_R_EXP_NOTE,
	I18N_R_RUNS,
	I18N_R_H_ROLE,
	I18N_R_H_RUN,
	I18N_R_H_EXPLANATIONS,
	I18N_R_H_STATUS,
	I18N_R_H_STEPS,
	I18N_R_H_DATASET,
	I18N_R_H_PREDICTIONS,
	I18N_R_ROLE_TRAINED,
	I18N_R_ROLE_BASELINE,
	I18N_R_LOSS,
	I18N_R_CHART_TITLE,
	I18N_R_CHART_STEP,
	I18N_R_CHART_LOSS,
	I18N_R_NO_DATA,
	I18N_R_SOLID,  /* "Solid: %s" */
	I18N_R_DASHED, /* "; dashed: %s" */
	I18N_R_LOSS_NOTE,
	I18N_R_ACCURACY,
	I18N_R_NO_PRED,
	I18N_R_H_SPLIT,
	I18N_R_H_ITEMS,
	I18N_R_H_DIRECT,
	I18N_R_H_EXPLAIN,
	I18N_R_H_SOUND,
	I18N_R_H_RIGHT_WRONG,
	I18N_R_NA,
	I18N_R_NO_STEPS, /* "%lld without steps" */
	I18N_R_CHANGE,
	I18N_R_PP, /* "%+.1f pp" */
	I18N_R_ACC_NOTE,
	I18N_R_EXPL_SECTION,
	I18N_R_EXPL_COUNTS, /* "%lld items; %lld with ...; %lld with ..." */
	I18N_R_H_MODE,
	I18N_R_ST_PENDING,
	I18N_R_ST_ACCEPTED,
	I18N_R_ST_REJECTED,
	I18N_R_ST_FLAGGED,
	I18N_R_H_TOTAL,
	I18N_R_H_TEACHER_OK,
	I18N_R_ALL,
	I18N_R_EXAMPLES,
	I18N_R_CMP_COUNTS,   /* "%lld fixed ... %lld broken ... %lld ... %lld" */
	I18N_R_RIGHT_WRONG,  /* "%lld right, %lld wrong" */
	I18N_R_ONLY_TRAINED, /* "; %lld answered by the trained run only" */
	I18N_R_SHOWING_FB,   /* ". Showing %zu of %zu, fixed and broken cases first." */
	I18N_R_SHOWING_WRONG,
	I18N_R_CASE_FIXED,
	I18N_R_CASE_BROKEN,
	I18N_R_CASE_BOTH_WRONG,
	I18N_R_CASE_BOTH_RIGHT,
	I18N_R_CASE_WRONG,
	I18N_R_CASE_RIGHT,
	I18N_R_ITEM, /* "item %lld" */
	I18N_R_GOLD,
	I18N_R_BASE_ANSWER,
	I18N_R_TRAINED_ANSWER,
	I18N_R_COT_ANSWER,
	I18N_R_NONE,
	I18N_R_MODEL_EXPL,
	I18N_R_TEACHER_EXPL,
	I18N_R_TEACHER_EXPL_OF, /* "teacher's explanation (%s, %s/%s, accepted%s%s)" */
	I18N_R_EDITED,
	I18N_R_NOT_TRAINED, /* "; not trained on: %.16s item" */
	I18N_R_UNSPLIT,
	I18N_R_GOLD_RATIONALE,
	I18N_N_MSGS
};

/* The text of msg in lang (static); an unknown language is English, an
 * unknown id "". */
const char *i18n_get(int lang, int msg);
/* 1 when lang's table holds msg (a translation, or the English text). */
int i18n_has(int lang, int msg);
/* The translation of a catalogue's English text into lang: the first id
 * whose English text is en, in lang, else the phrase (below) whose English
 * is en, in lang; en itself when the catalogue does not hold it (or lang is
 * English). Static or en. For tables of English text defined elsewhere (key
 * map descriptions, hint labels) and the screens' own words. */
const char *i18n_text(int lang, const char *en);
/* The screens' phrases: a second catalogue, keyed by the English text
 * itself (labels, column headers, verdicts and messages of the workbench's
 * screens), that i18n_text also looks in. i18n_phrase_count() entries;
 * i18n_phrase(i, lang) is entry i in lang (static; "" out of range). */
size_t i18n_phrase_count(void);
const char *i18n_phrase(size_t i, int lang);
/* "en" | "ja" (static). */
const char *i18n_lang_code(int lang);
/* Parse a language setting: "en", "ja" (also "english", "japanese", "日本語",
 * any case) into *lang; "auto" (and "") sets *lang to -1. MENTOR_EUSAGE
 * (with err, the value quoted) for anything else. */
int i18n_lang_parse(const char *s, int *lang, char *err);
/* The language of a locale name as in LANG ("ja_JP.UTF-8", "ja" -> Japanese,
 * anything else, "C" and NULL -> English). */
int i18n_lang_of_locale(const char *name);
/* The UI language: opt (a command-line value, may be NULL) when it names
 * one, else cfg (the config file's [ui] lang, may be NULL or "auto"), else
 * the locale variables in POSIX order (the first set and non-empty of
 * lc_all, lc_messages, lang). Values are assumed valid (parsed before);
 * anything unparsable counts as unset. */
int i18n_lang_pick(const char *opt, const char *cfg, const char *lc_all, const char *lc_messages,
		   const char *lang);

/* Language detection: letters counted over any number of texts. */
struct i18n_census {
	size_t kana;  /* hiragana, katakana (full and half width) */
	size_t kanji; /* CJK ideographs */
	size_t latin; /* ASCII and full-width Latin letters */
};
/* Count the letters of s (n bytes, UTF-8; invalid bytes are skipped). */
void i18n_census_add(struct i18n_census *c, const char *s, size_t n);
/* Japanese when kana and kanji make at least a quarter of the letters and
 * kana at least a tenth of those (so Chinese is not taken for Japanese);
 * English otherwise, also when there are no letters. */
int i18n_census_lang(const struct i18n_census *c);
/* The census of one text, decided. */
int i18n_detect(const char *s, size_t n);

/* 1 when the printf conversions of two format strings are the same, in the
 * same order ("%zu" and "%zu" match, "%s" and "%d" do not; "%%" is text). */
int i18n_same_format(const char *a, const char *b);

#endif
