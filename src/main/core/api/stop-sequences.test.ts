import { describe, expect, it } from 'vitest';
import { StopSequenceMatcher, cutAtStopSequence } from './stop-sequences.js';

describe('stop sequences', () => {
  it('cuts whole text at the earliest match', () => {
    expect(cutAtStopSequence('a END b STOP', ['STOP', 'END'])).toEqual({ text: 'a ', sequence: 'END' });
    expect(cutAtStopSequence('abc', undefined)).toEqual({ text: 'abc', sequence: null });
  });

  it('catches a sequence split across deltas and never emits it', () => {
    const matcher = new StopSequenceMatcher(['</answer>']);
    const out = ['The answer is 4.</an', 'swer> trailing', ' more'].map((d) => matcher.push(d)).join('') + matcher.flush();
    expect(out).toBe('The answer is 4.');
    expect(matcher.matched).toBe('</answer>');
  });

  it('releases held-back text at the end when nothing matched', () => {
    const matcher = new StopSequenceMatcher(['STOP']);
    const emitted = [matcher.push('abcS'), matcher.push('T')];
    expect(emitted.join('')).toBe('ab');
    expect(matcher.flush()).toBe('cST');
    expect(matcher.matched).toBeNull();
    expect(new StopSequenceMatcher([]).push('x')).toBe('x');
  });
});
