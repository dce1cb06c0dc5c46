import { describe, expect, it } from 'vitest';
import { limitLabel, parseLimitHeader, RateLimits } from './limits.js';
import type { UpstreamAnswer } from './observer.js';
import { parseRetryAfter, resetIn, resetPhrase } from './reset-time.js';

// Tue 2026-11-24 10:00 in local time: the expected clock strings hold in any time zone.
const NOW = new Date(2026, 10, 24, 10, 0, 0).getTime();
const HOUR = 3_600_000;

function answer(status: number, headers: UpstreamAnswer['headers'] = {}, errorBody?: unknown, model: string | null = 'gpt-4o'): UpstreamAnswer {
  return { status, headers, errorBody, model };
}

describe('parseLimitHeader', () => {
  it('reads the URL-encoded snapshot Copilot sends (rem = percent left)', () => {
    const reset = '2026-04-22T14:30:56Z';
    expect(parseLimitHeader(`ent=0&ov=0.0&ovPerm=false&rem=37.5&rst=${encodeURIComponent(reset)}`)).toEqual({ usedPercent: 62.5, resetsAt: Date.parse(reset) });
  });

  it('accepts other spellings defensively: used_percent, epoch seconds or ms, JSON, a bare number', () => {
    expect(parseLimitHeader('used_percent=18&reset=1764000000')).toEqual({ usedPercent: 18, resetsAt: 1_764_000_000_000 });
    expect(parseLimitHeader('{"remaining":"90","reset_at":1764000000000}')).toEqual({ usedPercent: 10, resetsAt: 1_764_000_000_000 });
    expect(parseLimitHeader('25')).toEqual({ usedPercent: 75, resetsAt: null });
    expect(parseLimitHeader('garbage')).toEqual({ usedPercent: null, resetsAt: null });
    expect(parseLimitHeader('{broken')).toEqual({ usedPercent: null, resetsAt: null });
  });
});

describe('Retry-After and reset wording', () => {
  it('parses seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', NOW)).toBe(NOW + 30_000);
    expect(parseRetryAfter(new Date(NOW + 2 * HOUR).toUTCString(), NOW)).toBe(Math.floor((NOW + 2 * HOUR) / 1000) * 1000);
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });

  it('says when in plain words', () => {
    expect(resetIn(NOW + 30_000, NOW)).toBe('in 30 s');
    expect(resetIn(NOW + 45 * 60_000, NOW)).toBe('in 45 min');
    expect(resetIn(NOW + 3 * HOUR + 20 * 60_000, NOW)).toBe('in 3 h 20 min');
    expect(resetIn(NOW + 51 * HOUR, NOW)).toBe('in 2 d 3 h');
    expect(resetPhrase(new Date(2026, 10, 24, 14, 0).getTime(), NOW)).toBe('it resets 14:00 (in 4 h)');
    expect(resetPhrase(new Date(2026, 10, 26, 14, 0).getTime(), NOW)).toBe('it resets Thu 14:00 (in 2 d 4 h)');
    expect(resetPhrase(new Date(2026, 11, 1, 0, 0).getTime(), NOW)).toBe('it resets 1 Dec 00:00 (in 6 d 14 h)');
  });
});

describe('RateLimits', () => {
  it('keeps the latest state of each header limit', () => {
    const limits = new RateLimits(() => NOW);
    let changes = 0;
    limits.onChange(() => changes++);
    const weeklyReset = new Date(2026, 10, 26, 14, 0).getTime();
    expect(limits.observe(answer(200, { 'x-usage-ratelimit-weekly': `rem=38&rst=${new Date(weeklyReset).toISOString()}`, 'x-usage-ratelimit-session': 'rem=82' }))).toBeNull();
    expect(limits.observe(answer(200, { 'x-usage-ratelimit-session': 'rem=80' }))).toBeNull();
    expect(changes).toBe(2);
    expect(limits.snapshot()).toEqual([
      { name: 'session', usedPercent: 20, resetsAt: null, reached: false, code: null, seenAt: NOW },
      { name: 'weekly', usedPercent: 62, resetsAt: weeklyReset, reached: false, code: null, seenAt: NOW },
    ]);
    expect(limits.reached()).toBeNull();
  });

  it('answers a weekly 429 with the limit named, when it resets and Retry-After; no SDK retry for a long wait', () => {
    const limits = new RateLimits(() => NOW);
    const reset = new Date(2026, 10, 26, 14, 0).getTime();
    const refusal = limits.observe(answer(429, { 'retry-after': new Date(reset).toUTCString() }, { error: { code: 'user_weekly_rate_limited', message: 'weekly' } }));
    expect(refusal).toEqual({
      status: 429,
      code: 'user_weekly_rate_limited',
      message: "Copilot's weekly limit is reached; it resets Thu 14:00 (in 2 d 4 h).",
      retryAfterSec: (reset - NOW) / 1000,
      shouldRetry: false,
    });
    expect(limits.reached()).toMatchObject({ name: 'weekly', reached: true, resetsAt: reset });
  });

  it('names each 429 code, lets short waits be retried, and falls back to a full header limit', () => {
    const limits = new RateLimits(() => NOW);
    expect(limits.observe(answer(429, { 'retry-after': '20' }, { error: { code: 'user_model_rate_limited' } }, 'claude-sonnet-4.5'))).toMatchObject({
      code: 'user_model_rate_limited', message: "Copilot's rate limit for claude-sonnet-4.5 is reached; it resets 10:00 (in 20 s).", retryAfterSec: 20, shouldRetry: true,
    });
    expect(limits.observe(answer(429, {}, { error: { code: 'integration_rate_limited' } }))?.message).toBe("Copilot's rate limit for this kind of client is reached; try again later.");
    expect(limits.observe(answer(429, { 'retry-after': '60' }, { code: 'user_global_rate_limited' }))?.message).toMatch(/^Copilot's account-wide rate limit is reached; it resets/);
    expect(limits.observe(answer(429, { 'retry-after': '5' }, { error: { code: 'rate_limited' } }))?.message).toMatch(/^Copilot's rate limit is reached/);
    // Unknown code, no full limit: pass Copilot's answer through.
    expect(limits.observe(answer(429, {}, { error: { code: 'model_overloaded' } }))).toBeNull();
    // Unknown code but the 5-hour header is at 100 %: that limit.
    expect(limits.observe(answer(429, { 'x-usage-ratelimit-session': 'rem=0&rst=1764000000' }, {}))?.message).toMatch(/^Copilot's 5-hour limit is reached; it resets/);
  });

  it('treats a 402 as out of AI credits (with or without a code), and ignores other 402s', () => {
    const limits = new RateLimits(() => NOW);
    expect(limits.observe(answer(402, {}, { error: { message: "You've run out of your AI credits" } }))).toEqual({
      status: 402, code: 'out_of_credits', message: 'You have run out of Copilot AI credits for this period. Add credits or raise your budget on GitHub to continue.', retryAfterSec: undefined, shouldRetry: false,
    });
    expect(limits.observe(answer(402, { 'retry-after': '3600' }, { error: { code: 'quota_exceeded', message: 'x' } }))?.message).toMatch(/for this period; it resets 11:00 \(in 1 h\)\./);
    expect(new RateLimits(() => NOW).observe(answer(402, {}, { error: { code: 'something_else', message: 'payment' } }))).toBeNull();
  });

  it('clears a reached limit on the next success (a model limit only for that model) or when its reset passes', () => {
    let now = NOW;
    const limits = new RateLimits(() => now);
    limits.observe(answer(429, { 'retry-after': '600' }, { error: { code: 'user_model_rate_limited' } }, 'a'));
    limits.observe(answer(200, {}, undefined, 'b'));
    expect(limits.reached()?.name).toBe('model:a');
    limits.observe(answer(200, {}, undefined, 'a'));
    expect(limits.reached()).toBeNull();
    limits.observe(answer(429, { 'retry-after': '600' }, { error: { code: 'user_weekly_rate_limited' } }));
    expect(limits.reached()?.name).toBe('weekly');
    now += 601_000;
    expect(limits.reached()).toBeNull();
  });

  it('labels limits for sentences', () => {
    expect(limitLabel('session')).toBe('5-hour limit');
    expect(limitLabel('monthly_burst')).toBe('monthly burst limit');
  });
});
