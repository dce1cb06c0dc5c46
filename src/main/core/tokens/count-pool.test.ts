import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { CountPool } from './count-pool.js';
import { roughTokens } from './counter.js';

const plain = { disallowedSpecial: new Set<string>() };
const pool = new CountPool();
afterAll(() => pool.stop());

function letters(length: number): string {
  let state = 3;
  return Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return String.fromCharCode(97 + (state % 26));
  }).join('');
}

describe('CountPool (the counting worker)', () => {
  it('counts on the worker exactly what the BPE counts, special-looking text as plain', async () => {
    const texts = ['Hello <|endoftext|> world', 'export const x = 1;\n'.repeat(2000)];
    const result = await pool.count(texts, 'o200k_base');
    expect(result).toEqual({ tokens: o200k(texts[0]!, plain) + o200k(texts[1]!, plain), basis: 'counted' });
    expect(await pool.count(['', ''], 'o200k_base')).toEqual({ tokens: 0, basis: 'counted' });
  });

  it('answers a huge slow input within its budget with an extrapolated sample', async () => {
    await pool.count(['warm up'], 'o200k_base');
    const text = letters(2 << 20);
    const result = await pool.count([text], 'o200k_base', 100);
    expect(result.basis).toBe('sampled');
    // ~0.52 tokens per random letter in o200k_base.
    expect(result.tokens / text.length).toBeGreaterThan(0.45);
    expect(result.tokens / text.length).toBeLessThan(0.6);
    // Small counts queued behind it are still counted, not estimated.
    const [big, small] = await Promise.all([pool.count([text], 'o200k_base', 50), pool.count(['just a few words'], 'o200k_base', 1)]);
    expect(big.basis).toBe('sampled');
    expect(small).toEqual({ tokens: o200k('just a few words', plain), basis: 'counted' });
  });

  it('falls back to the rough estimate, without respawning per call, when the worker cannot start', async () => {
    let spawned = 0;
    const broken = new CountPool(() => (spawned++, new Worker('throw new Error("no tables")', { eval: true })));
    const texts = ['some text to count'];
    expect(await broken.count(texts, 'o200k_base')).toEqual({ tokens: roughTokens(texts), basis: 'rough' });
    expect(await broken.count(texts, 'cl100k_base')).toEqual({ tokens: roughTokens(texts), basis: 'rough' });
    expect(spawned).toBe(1);
  });

  it('answers pending counts roughly when stopped', async () => {
    const stopping = new CountPool();
    const pending = stopping.count([letters(1 << 20)], 'o200k_base', 10_000);
    await stopping.stop();
    expect((await pending).basis).toBe('rough');
  });
});
