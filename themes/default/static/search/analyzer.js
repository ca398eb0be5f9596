// Text analysis; must give exactly the tokens of generator/search/analyzer.py
// (checked by tests/vectors/analyzer.json on both sides).

const FOLD = {"ß": "ss", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i",
  "ς": "σ", "ħ": "h", "ŧ": "t"};
const FOLD_RE = /[ßøđðłæœþıςħŧ]/g;
const MARK_RE = /(?![\u3099\u309A])\p{Mn}/gu;
const WORD_RE = /[\p{L}\p{N}\p{M}]+/gu;
const CJK_SRC = "\\u1100-\\u11FF\\u3040-\\u30FF\\u3130-\\u318F\\u31F0-\\u31FF\\u3400-\\u4DBF" +
  "\\u4E00-\\u9FFF\\uA960-\\uA97F\\uAC00-\\uD7FF\\uF900-\\uFAFF\\u{20000}-\\u{3FFFF}";
const CJK_SPLIT_RE = new RegExp(`([${CJK_SRC}]+)`, "u");
const CJK_ONE_RE = new RegExp(`^[${CJK_SRC}]$`, "u");
const ASCII_RE = /^[\x00-\x7F]*$/;
const ASCII_WORD_RE = /[a-z0-9]+/g;

/** The folded form of a text, before it is split into words. */
export function normalize(text) {
  if (ASCII_RE.test(text)) return text.toLowerCase();
  const lowered = text.normalize("NFKC").toLowerCase().normalize("NFD");
  return lowered.replace(MARK_RE, "").normalize("NFC").replace(FOLD_RE, (c) => FOLD[c]);
}

/** True for one Han, kana or Hangul character. */
export function isCjk(char) {
  return CJK_ONE_RE.test(char);
}

/** The tokens of a text, in order, repeats kept. */
export function analyze(text) {
  const folded = normalize(text);
  if (ASCII_RE.test(folded)) return folded.match(ASCII_WORD_RE) || [];
  const tokens = [];
  for (const run of folded.match(WORD_RE) || []) {
    run.split(CJK_SPLIT_RE).forEach((part, i) => {
      if (!part) return;
      const chars = Array.from(part);
      if (i % 2 === 0 || chars.length === 1) {
        tokens.push(part);
        return;
      }
      for (let j = 0; j < chars.length - 1; j += 1) tokens.push(chars[j] + chars[j + 1]);
      tokens.push(chars[chars.length - 1]);
    });
  }
  return tokens;
}
