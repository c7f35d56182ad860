#!/usr/bin/env node
// qwen_reference_ids.js: the expected token ids of Qwen's tokenizer.json
// (Qwen2/Qwen2.5/Qwen3) on the test corpus of
// tests/modelio/data/qwen_tokenizer_cases.json, from a reference
// implementation of Hugging Face tokenizers, the npm package
// @huggingface/tokenizers (tokenizers.js). It is not a dependency of mentor:
// install it in a scratch folder outside the tree,
//
//   mkdir -p /tmp/hftok && (cd /tmp/hftok && npm install @huggingface/tokenizers@0.2.0)
//   NODE_PATH=/tmp/hftok/node_modules node scripts/qwen_reference_ids.js \
//       ../shared/tokenizers/qwen3 > tests/modelio/data/qwen_tokenizer_cases.json
//
// The reference runs JavaScript's regular expressions and String.normalize,
// whose Unicode version (node_unicode in the output) is newer than mentor's
// tables; the corpus keeps to characters that Unicode 14 already had, and
// avoids U+0085 and U+FEFF, where JavaScript's \s differs from the
// White_Space property that Oniguruma's \s (the Rust tokenizers') means.
// A JavaScript string cannot hold bytes that are not UTF-8, so the corpus
// has none; mentor's tests check those separately. The script also checks
// that decoding the ids gives the NFC form of the text.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'tokenizers', 'qwen3');
const tj = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf-8'));
const tc = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf-8'));

const S = (n) => ' '.repeat(n);
const texts = [
	['english sentence', 'Hello world! This is a test of Qwen\'s tokenizer.'],
	['english prose', 'The quick brown fox jumps over the lazy dog. In 1905, Albert Einstein ' +
		'published four papers; the third introduced special relativity. "Imagination is ' +
		'more important than knowledge," he later said.\n\nNatalia sold clips to 48 of her ' +
		'friends in April, and then she sold half as many clips in May. #### 72\n'],
	['contractions lower',
		"I'm sure they'll say it's what we've done, and you'd agree they're right."],
	['contractions upper', "I'M SURE THEY'LL SAY IT'S WHAT WE'VE DONE, YOU'D AGREE THEY'RE RIGHT."],
	['contractions mixed case', "It'S 'Re 'rE 'vE 'Ll 'lL 'D 'M 'T"],
	['contraction long s', "it'\u017f here '\u017f"],
	['apostrophe alone', "' 'x '' ''s rock'n'roll"],
	['japanese kanji', '日本語の文章を正しく分割できるか試験します。東京都千代田区。'],
	['japanese hiragana', 'わたしはがくせいです。きょうはいいてんきですね。'],
	['japanese katakana', 'コンピューターとインターネットとプログラミング。ガギグゲゴ、パピプペポ。'],
	['japanese fullwidth', '価格は１２３４５円です（税込）。「こんにちは」と言った。ＡＢＣ！？'],
	['japanese mixed', '今日は2024年12月6日、Qwen3を使ってtokenizerをテストします。'],
	['japanese halfwidth katakana', 'ｶﾀｶﾅ ﾃｽﾄ ｶﾞｷﾞ'],
	['ideographic space', '東京\u3000大阪\u3000\u3000京都'],
	['numbers', 'pi is 3.14159265358979, e is 2.71828, 1,000,000 and -42.'],
	['long digit run', '12345678901234567890123456789012345678901234567890'],
	['digits and letters', 'abc123def 4x4 v2.0.1 0x1F 1e-9'],
	['other numbers', 'Roman Ⅻ, superscript x² and ³, fractions ½ ¾, circled ①②, Arabic ٣٤٥'],
	['code python', 'def f(x):\n    if x > 0:\n        return x * 2\n    return -x\n\nprint(f(21))\n'],
	['code c', 'int main(void)\n{\n\tfor (int i = 0; i < 10; i++) {\n' +
		'\t\tprintf("%d\\n", i);\n\t}\n\treturn 0;\n}\n'],
	['code json', '{"name": "mentor", "ids": [1, 2, 3], "ok": true}'],
	['whitespace runs', 'a  b   c    d' + S(10) + 'e' + S(33) + 'f'],
	['trailing spaces', 'end   '],
	['leading spaces', '    start'],
	['only spaces', S(7)],
	['newlines', 'one\ntwo\n\nthree\n\n\n\nfour\n'],
	['crlf', 'line one\r\nline two\r\n\r\nline three\r\n'],
	['spaces before newlines', 'a  \n  b \n\n c\t\n\td'],
	['tabs', 'a\tb\t\tc\t\t\t\td\t'],
	['mixed whitespace', ' \t \n \r\n\t\t x \u00a0y\u2003z\u3000w'],
	['vertical tab form feed', 'a\u000bb\u000cc\u000b\u000c d'],
	['punctuation runs', 'Wait... what?!? (yes) [no] {maybe} <tag/> --- *** ### @@ $$ %%'],
	['punctuation then newline', 'end.\nnext!\r\n\r\nlast?\n\n'],
	['letters after punctuation', '(hello) "world" #tag @user $var _under -dash'],
	['emoji', 'I love it 😀🎉👍 and 🚀 to the 🌕'],
	['emoji zwj family', 'family: 👨‍👩‍👧‍👦 and 👩‍❤️‍👨'],
	['emoji flags', 'flags 🇯🇵🇺🇸🇫🇷 🏳️‍🌈'],
	['emoji skin tone', '👋🏽 👍🏿'],
	['accents composed', 'café naïve résumé Ångström'],
	['accents decomposed', 'cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m'],
	['nfc reorder', 'a\u0323\u0307 a\u0307\u0323 q\u0307\u0323'],
	['nfc singletons', 'Ohm \u2126 Kelvin \u212a Angstrom \u212b'],
	['nfc exclusions', '\u0958\u0959 \u2adc \u0344'],
	['hangul', '안녕하세요 세계'],
	['hangul jamo', '\u1100\u1161\u11a8 \u1112\u1161\u11ab'],
	['japanese dakuten decomposed', 'か\u3099き\u3099 ハ\u309a'],
	['greek cyrillic', 'Ελληνικά и русский язык'],
	['arabic hebrew', 'مرحبا بالعالم שלום עולם'],
	['chinese', '我们今天学习机器学习的基础知识，包括神经网络。'],
	['thai devanagari', 'สวัสดีครับ नमस्ते दुनिया'],
	['math symbols', '∀x ∈ ℝ: x² ≥ 0 → √x ∑∫'],
	['control characters', 'a\u0001b\u001fc\u007fd'],
	['nul', 'a\u0000b'],
	['added tokens', '<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n'],
	['added endoftext', 'first<|endoftext|>second'],
	['added adjacent', '<|im_start|><|im_end|><|endoftext|>'],
	['added non-special', '<think>\nreasoning\n</think>\n\n<tool_call>{"a":1}</tool_call>'],
	['added fim', '<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>'],
	['added all', tj.added_tokens.map((a) => a.content).join(' ')],
	['added partial', '<|im_start <|im_end| |im_end|> <|endoftext <think'],
	['added spaced', ' <|im_start|> user <|im_end|> '],
	['long word', 'a'.repeat(300)],
	['long mixed', 'Pneumonoultramicroscopicsilicovolcanoconiosis ' + 'ab'.repeat(100)],
	['repeated japanese', 'テスト'.repeat(40)],
	['url and email', 'see https://example.com/a/b?c=1&d=2#frag or mail x.y@example.org'],
	['empty', ''],
];

const { Tokenizer } = require('@huggingface/tokenizers');
const tok = new Tokenizer(tj, tc);
const cases = texts.map(([name, text]) => {
	const ids = tok.encode(text, { add_special_tokens: false }).ids;
	const back = ids.length ? tok.decode(ids, { skip_special_tokens: false }) : '';
	if (back !== text.normalize('NFC'))
		throw new Error(`case ${name}: decode(encode(x)) != NFC(x)`);
	return { name, text, ids };
});

let pkg = path.dirname(require.resolve('@huggingface/tokenizers'));
while (!fs.existsSync(path.join(pkg, 'package.json')))
	pkg = path.dirname(pkg);
const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf-8')).version;
const J = JSON.stringify;
let out = '{\n';
out += ` "about": ${J('Qwen (Qwen2/Qwen2.5/Qwen3) token ids for mentor\'s tests ' +
	'(tests/modelio/test_qwen_tokenizer.c), written by scripts/qwen_reference_ids.js: ' +
	'the encode() ids of @huggingface/tokenizers with Qwen3\'s tokenizer.json, no special ' +
	'tokens added; decoding them gives the NFC form of the text.')},\n`;
out += ` "reference": ${J('@huggingface/tokenizers ' + version)},\n`;
out += ` "node": ${J(process.version)},\n`;
out += ` "node_unicode": ${J(process.versions.unicode)},\n`;
out += ' "cases": [\n';
// a JSON text with U+0000 is cut there by many parsers: such texts go as hex
const textField = (t) => (t.includes('\0') ? `"hex": ${J(Buffer.from(t, 'utf-8').toString('hex'))}`
	: `"text": ${J(t)}`);
out += cases
	.map((c) => `  {"name": ${J(c.name)},\n   ${textField(c.text)},\n   "ids": ${J(c.ids)}}`)
	.join(',\n');
out += '\n ]\n}\n';
JSON.parse(out);
process.stdout.write(out);
