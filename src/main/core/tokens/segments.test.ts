import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { DEFAULT_LIMITS, segmentEnds } from './segments.js';
import type { SegmentLimits } from './segments.js';

const plain = { disallowedSpecial: new Set<string>() };
const encoders = { o200k, cl100k };

function segments(text: string, limits?: SegmentLimits): string[] {
  const out: string[] = [];
  let start = 0;
  for (const end of segmentEnds(text, limits)) {
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

const sumOf = (count: (text: string, options: typeof plain) => number, parts: string[]) => parts.reduce((sum, part) => sum + count(part, plain), 0);

/** A small seeded generator: the fuzz cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('segmentEnds', () => {
  it('cuts only where both encodings end a piece anyway: a fuzzed corpus counts exactly', () => {
    // Letters of both cases, digits, every kind of space, punctuation (with the apostrophe of
    // contractions), CJK, combining marks, emoji with modifiers, and text that looks like special tokens.
    const alphabet = ['a', 'b', 'Z', 'Q', 'é', 'ß', '1', '29', ' ', ' ', '  ', '\t', '\n', '\r\n', '\n\n', '.', ',', "'", '"', '(', ')', '/', '//', '_', '-', '{', '}', '#', '=', '+',
      "'s", "'ll", 're', 'Hello', 'world', '<|endoftext|>', '😀', '👍🏽', '中文', '。', '，', '\u00a0', '\u3000', '’', '\u0301', '١', 'Ⅻ'];
    const next = random(12345);
    for (let iteration = 0; iteration < 1500; iteration++) {
      let text = '';
      const length = 1 + Math.floor(next() * 60);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(next() * alphabet.length)];
      // Every exact cut place used, and no mid-run cut: the strictest form of the claim.
      const parts = segments(text, { maxRunBytes: Infinity, segmentChars: 1 });
      expect(parts.join('')).toBe(text);
      for (const [name, count] of Object.entries(encoders)) expect({ name, text, count: sumOf(count, parts) }).toEqual({ name, text, count: count(text, plain) });
    }
  });

  it('keeps real files (docs, JSON, TypeScript, a minified bundle) exact with the default limits', () => {
    for (const file of ['README.md', 'package-lock.json', 'src/main/core/proxy/routes/messages.ts', 'node_modules/gpt-tokenizer/esm/BytePairEncodingCore.js']) {
      const text = readFileSync(file, 'utf8').slice(0, 200_000);
      const parts = segments(text);
      expect(parts.length).toBeGreaterThan(1);
      expect(sumOf(o200k, parts)).toBe(o200k(text, plain));
    }
    const minified = readFileSync('src/main/core/anthropic/count-tokens.ts', 'utf8').replace(/\s+/g, '');
    expect(sumOf(o200k, segments(minified.repeat(20)))).toBe(o200k(minified.repeat(20), plain));
  });

  it('never hands the BPE an unbroken run over 256 bytes, nor half a surrogate pair', () => {
    const next = random(99);
    const randomLetters = Array.from({ length: 50_000 }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
    for (const text of ['a'.repeat(100_000), randomLetters, ' '.repeat(100_000), '\n'.repeat(10_000), '中'.repeat(30_000), '😀'.repeat(20_000), `x${'😀'.repeat(20_000)}`]) {
      const parts = segments(text);
      expect(parts.join('')).toBe(text);
      for (const part of parts) {
        expect(Buffer.byteLength(part)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxRunBytes);
        expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(part)).toBe(false);
      }
    }
  });

  it('errs by well under 1 % where it must cut mid-run (random letters)', () => {
    const next = random(5);
    const text = Array.from({ length: 20_000 }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
    const whole = o200k(text, plain);
    const cut = sumOf(o200k, segments(text));
    expect(Math.abs(cut - whole) / whole).toBeLessThan(0.01);
  });

  it('ends a segment at the first exact place past segmentChars, so a counter can check the clock', () => {
    const text = 'word '.repeat(10_000);
    const parts = segments(text);
    expect(parts.length).toBeGreaterThan(20);
    for (const part of parts.slice(0, -1)) expect(part.length).toBeLessThan(DEFAULT_LIMITS.segmentChars + 8);
    expect(segmentEnds('')).toEqual([]);
  });
});
