import { describe, expect, it } from 'vitest';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTexts, roughTokens } from './counter.js';
import { loadEncoder } from './encoders.js';
import type { Encoder } from './encoders.js';

const plain = { disallowedSpecial: new Set<string>() };

describe('countTexts', () => {
  it('without a deadline is the BPE count of every text, special-looking text counted as plain', async () => {
    const encoder = await loadEncoder('o200k_base');
    const texts = ['Summarise <|endoftext|> this, please.', 'const x = () => 42;\n'.repeat(500), '', 'Ünïcode 中文 😀'];
    expect(countTexts(encoder, texts)).toEqual({ tokens: texts.reduce((sum, text) => sum + o200k(text, plain), 0), basis: 'counted' });
  });

  it('past its deadline extrapolates from a sample spread over the whole input, not its beginning', () => {
    // A stand-in encoder: 1 token per 4 chars of "prose", 1 per char of "data"; every call ticks the clock.
    let clock = 0;
    const encoder: Encoder = { countTokens: (text) => (clock++, text.includes('d') ? text.length : text.length / 4) };
    // First half prose, second half data: a prefix-only sample would say ~1/4 token per char.
    const prose = 'pppp '.repeat(100_000);
    const data = `d${'d'.repeat(499_999)}`;
    const truth = prose.length / 4 + data.length;
    const limits = { maxRunBytes: 256, segmentChars: 2048 };
    const result = countTexts(encoder, [prose, data], { deadline: 300, now: () => clock, limits });
    expect(result.basis).toBe('sampled');
    expect(Math.abs(result.tokens - truth) / truth).toBeLessThan(0.05);
  });

  it('answers the documented rough estimate when not one segment could be counted', () => {
    // (With a minimum slice, the worker's case, at least the first segment is always counted.)
    const encoder: Encoder = { countTokens: () => 1 };
    const texts = ['x'.repeat(3000), 'é'.repeat(300)];
    let clock = 0;
    expect(countTexts(encoder, texts, { deadline: 0, now: () => clock++ })).toEqual({ tokens: roughTokens(texts), basis: 'rough' });
    expect(roughTokens(texts)).toBe((3000 + 600) / 3);
  });

  it('grants a job that waited past its deadline a minimum slice after segmenting: still a sample, not a guess', () => {
    let clock = 1_000;
    const encoder: Encoder = { countTokens: (text) => (clock++, text.length / 4) };
    const result = countTexts(encoder, ['word '.repeat(50_000)], { deadline: 0, minSliceMs: 10, now: () => clock });
    expect(result.basis).toBe('sampled');
    expect(Math.abs(result.tokens - 250_000 / 4)).toBeLessThan(10);
  });
});
