import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { FinishedRequest } from './observer.js';
import { newRequestUsage } from './observer.js';
import { UsageTracker } from './tracker.js';

const NOW = new Date(2026, 10, 24, 10, 0, 0).getTime();
let home: string;
let tracker: UsageTracker | null = null;

function finished(overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    ...newRequestUsage(),
    clientApi: 'messages',
    upstreamEndpoint: '/v1/messages',
    modelRequested: 'claude-sonnet-4-5',
    modelServed: 'claude-sonnet-4.5',
    inputTokens: 1000,
    outputTokens: 200,
    cachedTokens: 400,
    requestId: 'req-1',
    startedAt: NOW,
    userAgent: 'claude-cli/2.1.126 (external, cli)',
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    latencyMs: 1800,
    ...overrides,
  };
}

const sonnet = {
  id: 'claude-sonnet-4.5',
  billing: { multiplier: 1, token_prices: { batch_size: 1_000_000, default: { input_price: 300, output_price: 1500, cache_read_price: 30 } } },
};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'relay-usage-'));
});
afterEach(async () => {
  await tracker?.close();
  tracker = null;
  rmSync(home, { recursive: true, force: true });
});

describe('UsageTracker', () => {
  it('records a finished request with its client, cost (billed, else estimated) and timing, never its content', async () => {
    tracker = new UsageTracker({ home, logger: silentLogger, now: () => NOW });
    tracker.prices.update([sonnet]);
    tracker.record(finished({ nanoAiu: 2_500_000_000 }));
    tracker.record(finished({ requestId: 'req-2', userAgent: 'OpenAI/Python 1.99.1', clientApi: 'chat', path: '/v1/chat/completions', stream: true, firstByteMs: 300 }));
    tracker.record(finished({ requestId: 'health', path: '/health', method: 'GET' }));
    const snapshot = await tracker.activity({ range: 'today', unit: 'credits', proxyUrl: 'http://127.0.0.1:4141/v1' });
    expect(snapshot.today.requests).toBe(2);
    expect(snapshot.today.credits).toBeCloseTo(2.5 + 0.492, 10);
    expect(snapshot.byClient.map((g) => g.key)).toEqual(['Claude Code', 'OpenAI SDK (Python)']);
    expect(snapshot.recent[0]).toMatchObject({ client: 'OpenAI SDK (Python)', model: 'claude-sonnet-4.5', path: '/v1/chat/completions', status: 200, stream: true, premiumRequests: 1 });
    expect(snapshot.recent[0]!.credits).toBeCloseTo(0.492, 10);
    expect(snapshot.ledgerAvailable).toBe(true);
  });

  it('refuses generation requests once the budget is spent (not model lists), and warns at 80 % once', () => {
    tracker = new UsageTracker({ home, logger: silentLogger, now: () => NOW, budget: { limitCredits: 5, period: 'day' } });
    const warnings: number[] = [];
    tracker.budget.onWarning((s) => warnings.push(s.usedCredits));
    tracker.record(finished({ nanoAiu: 4_100_000_000 }));
    expect(warnings).toEqual([4.1]);
    expect(tracker.admit({ clientApi: 'chat', model: 'gpt-4o' })).toBeNull();
    tracker.record(finished({ nanoAiu: 1_000_000_000 }));
    expect(tracker.admit({ clientApi: 'responses', model: 'gpt-4o' })).toMatchObject({ status: 429, code: 'budget_exceeded', shouldRetry: false });
    expect(tracker.admit({ clientApi: 'models', model: null })).toBeNull();
    tracker.budget.configure({ limitCredits: 50, period: 'day' });
    expect(tracker.admit({ clientApi: 'chat', model: 'gpt-4o' })).toBeNull();
    expect(warnings).toEqual([4.1]);
  });

  it('keeps spend across a restart (the budget reads the ledger)', async () => {
    tracker = new UsageTracker({ home, logger: silentLogger, now: () => NOW });
    tracker.record(finished({ nanoAiu: 7_000_000_000 }));
    await tracker.close();
    tracker = new UsageTracker({ home, logger: silentLogger, now: () => NOW, budget: { limitCredits: 5, period: 'month' } });
    expect(tracker.budgetState()).toMatchObject({ usedCredits: 7, limitCredits: 5 });
    expect(tracker.admit({ clientApi: 'messages', model: null })?.code).toBe('budget_exceeded');
  });

  it('turns upstream limits into status fields: unit, credits this period, the reached limit and its line', () => {
    tracker = new UsageTracker({ home, logger: silentLogger, now: () => NOW });
    tracker.record(finished({ nanoAiu: 3_000_000_000 }));
    const reset = new Date(2026, 10, 26, 14, 0).getTime();
    expect(tracker.observeUpstream({ status: 429, headers: { 'retry-after': new Date(reset).toUTCString(), 'x-usage-ratelimit-weekly': 'rem=0' }, errorBody: { error: { code: 'user_weekly_rate_limited' } }, model: 'gpt-4o' })?.code).toBe('user_weekly_rate_limited');
    const status = tracker.status({ tokenBasedBilling: true });
    expect(status.billingUnit).toBe('credits');
    expect(status.credits).toMatchObject({ usedLocally: 3, usedOnGitHub: null });
    expect(status.rateLimited).toMatchObject({ name: 'weekly', label: 'weekly limit', usedPercent: 100, reached: true, line: 'Weekly limit reached — resets Thu 14:00' });
    expect(tracker.status({ tokenBasedBilling: false })).toMatchObject({ billingUnit: 'requests', credits: null });
  });

  it('never throws from record or observeUpstream, and works without a ledger', async () => {
    tracker = new UsageTracker({ home: null, logger: silentLogger, now: () => NOW });
    expect(() => tracker!.record(null as unknown as FinishedRequest)).not.toThrow();
    expect(tracker.observeUpstream({ status: 429, headers: null as never, model: null })).toBeNull();
    expect(await tracker.activity({ range: 'month', unit: null, proxyUrl: null })).toMatchObject({ ledgerAvailable: false, billingUnit: 'credits', recent: [] });
  });
});
