/* prompt: what the teacher is asked and how its answer is read. Templates per
 * mode (cot, rp) and answer type (mc, yesno, number, text), built in and
 * overridable by files; few-shot demonstrations; answer parsing in English and
 * Japanese with the importer's normalisation; the leak heuristic for
 * rationalizations that merely restate the hint. No transport, no SQL. */
#ifndef MENTOR_PROMPT_H
#define MENTOR_PROMPT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/i18n.h"
#include "mentor/util.h"

/* The two prompts: COTE (few-shot chain of thought) and RP (rationalize a
 * given gold answer). CROP uses both. */
enum { PROMPT_COT = 0, PROMPT_RP = 1, PROMPT_N_MODES = 2 };
/* Answer types, in the order of prompt_type_index(). */
#define PROMPT_N_TYPES 4

/* Longest template file accepted, and longest prompt built. */
#define PROMPT_MAX_TEMPLATE ((size_t)64 << 10)
#define PROMPT_MAX_PROMPT ((size_t)1 << 20)
/* Default number of demonstrations and their seed. */
#define PROMPT_DEFAULT_K 4
#define PROMPT_DEFAULT_SEED 1

/* "cot"/"rp" for PROMPT_COT/PROMPT_RP (static strings). */
const char *prompt_mode_name(int mode);
/* Index 0..3 of "mc", "yesno", "number", "text"; -1 for anything else. */
int prompt_type_index(const char *answer_type);
const char *prompt_type_name(int index);

/* A set of templates, one per language (English, Japanese: I18N_EN,
 * I18N_JA), mode and answer type. prompt_set_init fills the built-in
 * defaults; prompt_set_load_dir replaces those for which DIR has a file
 * named MODE-TYPE.txt (e.g. cot-number.txt), or MODE-TYPE.ja.txt for
 * Japanese (cot-number.ja.txt). */
struct prompt_set {
	char *tmpl[PROMPT_N_MODES][PROMPT_N_TYPES]; /* English */
	int from_file[PROMPT_N_MODES][PROMPT_N_TYPES];
	char *tmpl_ja[PROMPT_N_MODES][PROMPT_N_TYPES]; /* Japanese */
	int from_file_ja[PROMPT_N_MODES][PROMPT_N_TYPES];
};
void prompt_set_init(struct prompt_set *ps);
void prompt_set_release(struct prompt_set *ps);
/* Missing directory or files are fine (defaults stay). An unreadable, huge
 * or non-UTF-8 file is an error naming it. */
int prompt_set_load_dir(struct prompt_set *ps, const char *dir, char *err);
/* Borrowed template for mode and answer type (unknown types use "text"),
 * English; _lang for a language (anything but I18N_JA is English). */
const char *prompt_set_get(const struct prompt_set *ps, int mode, const char *answer_type);
const char *prompt_set_get_lang(const struct prompt_set *ps, int lang, int mode,
				const char *answer_type);
/* The built-in template (static string), English or of a language. */
const char *prompt_default_template(int mode, const char *answer_type);
const char *prompt_default_template_lang(int lang, int mode, const char *answer_type);

/* The prompts directory: $XDG_CONFIG_HOME/mentor/prompts, else
 * $HOME/.config/mentor/prompts. Heap string (caller frees) or NULL when
 * neither variable is set. */
char *prompt_default_dir(void);
/* Write the built-in templates as MODE-TYPE.txt (English) and
 * MODE-TYPE.ja.txt (Japanese) files into dir (created with its parents).
 * Existing files are kept unless overwrite. *written (may be NULL) counts
 * the files written. */
int prompt_write_defaults(const char *dir, int overwrite, int *written, char *err);

/* One question, as a demonstration (with rationale) or as the target.
 * All strings borrowed; choices_json is [{"label":"A","text":"..."}] or NULL. */
struct prompt_example {
	int64_t id;
	const char *split;
	const char *question;
	const char *choices_json;
	const char *answer; /* normalised gold */
	const char *answer_type;
	const char *rationale; /* demonstrations only */
};

/* Choose demonstrations: shuffle the candidates with the seed (the same
 * order for every target, as a fixed few-shot set), then take the first k
 * that are neither the target (self_id) nor in the test split. Writes up to
 * k indices into out (which has room for k) and returns how many. */
size_t prompt_pick_demos(const struct prompt_example *cands, size_t n, int64_t self_id, size_t k,
			 uint64_t seed, size_t *out);

/* Render a template: {{demos}} becomes the demonstrations formatted for the
 * mode, {{question}}, {{choices}} (one "(A) text" line per choice) and
 * {{answer}} (RP's hint: "(B) text" for mc, else the gold) those of the
 * target. Unknown {{names}} stay as they are. The result is appended to out
 * (capped at PROMPT_MAX_PROMPT). */
int prompt_render(const char *tmpl, int mode, const struct prompt_example *target,
		  const struct prompt_example *demos, size_t n_demos, struct buf *out, char *err);
/* The same with the demonstrations' labels in a language: I18N_JA gives
 * "問題: ", "選択肢:", "答え: ", "説明: ", the closing line "したがって、答えは
 * X です。" and yes/no answers as はい/いいえ; anything else is English. */
int prompt_render_lang(const char *tmpl, int lang, int mode, const struct prompt_example *target,
		       const struct prompt_example *demos, size_t n_demos, struct buf *out,
		       char *err);

/* Read the final answer from a generated explanation ("So the answer is
 * (b).", "The answer is $1,200.", "答えは 42 です", "答え：(B)", "Yes"...).
 * Returns the answer normalised as the importer does (number: plain decimal,
 * mc: upper-case label, yesno: "yes"/"no", text: trimmed, spaces collapsed)
 * as a heap string (caller frees), or NULL when it cannot tell. */
char *prompt_parse_answer(const char *text, const char *answer_type, const char *choices_json);

/* Normalise one answer string of a type (full-width digits and letters
 * folded): answer_normalise(), the function dataset_normalise_answer() is
 * too. Heap string or NULL when s is not of that type. */
char *prompt_normalise_answer(const char *answer_type, const char *s);

/* 1 if two normalised answers are the same (text compares ASCII case-
 * insensitively), 0 otherwise or if either is NULL. */
int prompt_answers_equal(const char *answer_type, const char *a, const char *b);

/* The leak heuristic (documented in docs/teacher.md): 1 if an explanation given
 * the gold answer merely restates it. Flags (1) circular phrases anywhere
 * ("because it is the answer", "答えだから") and phrases treating the answer
 * as handed over ("the provided answer", "the expected answer", "the answer
 * we were given", "与えられた答え"), (2) an opening that reasons
 * from the hint ("since the answer is", "given that the answer is", "we are
 * told"), (3) too little content once the answer itself, its label, its
 * choice text and stock words are removed (fewer than
 * PROMPT_LEAK_MIN_CONTENT content words; two CJK characters count as one,
 * numbers and arithmetic operators count as words). */
#define PROMPT_LEAK_MIN_CONTENT 4
int prompt_leaked(const char *text, const char *gold, const char *answer_type,
		  const char *choices_json);

#endif
