import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelListListener } from '../copilot/models.js';
import { createMemoryLogger } from '../log/logger.js';
import { openSettings } from '../settings/store.js';
import { newRequestUsage } from '../usage/observer.js';
import type { FinishedRequest } from '../usage/observer.js';
import { ServiceUsage } from './service-usage.js';
import type { AccountBilling, ServiceUsageOptions } from './service-usage.js';

let home: string;
let usage: ServiceUsage | null = null;
const logger = createMemoryLogger();

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'relay-service-usage-'));
  logger.lines.length = 0;
});
afterEach(async () => {
  await usage?.close();
  usage = null;
  vi.useRealTimers();
  rmSync(home, { recursive: true, force: true });
});

function open(options: Partial<ServiceUsageOptions> & { account?: AccountBilling } = {}) {
  const settings = openSettings({ cwd: home });
  const changes: number[] = [];
  const account: AccountBilling = options.account ?? { tokenBasedBilling: true, credits: null };
  usage = new ServiceUsage({
    env: { COPILOT_RELAY_HOME: home },
    logger,
    settings,
    shell: 'desktop',
    proxyUrl: () => 'http://127.0.0.1:4141/v1',
    onChange: () => changes.push(Date.now()),
    ...options,
    account: () => account,
  });
  return { usage, settings, changes };
}

function finished(overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    ...newRequestUsage(), clientApi: 'chat', upstreamEndpoint: '/chat/completions', modelRequested: 'gpt-4o', modelServed: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 0,
    requestId: 'r', startedAt: Date.now(), userAgent: 'OpenAI/JS 6.49.0', method: 'POST', path: '/v1/chat/completions', status: 200, latencyMs: 40, ...overrides,
  };
}

describe('ServiceUsage', () => {
  it('prices requests from the model catalogue the proxy loads, and counts AI credits this period for the status', async () => {
    const { usage } = open();
    let listener: ModelListListener | null = null;
    usage.watchModels({ onList: (l) => ((listener = l), () => (listener = null)) });
    listener!([{ id: 'gpt-4o', billing: { token_prices: { batch_size: 1_000_000, default: { input_price: 250, output_price: 1000 } } } }], []);
    usage.tracker.record(finished());
    usage.tracker.record(finished({ nanoAiu: 1_000_000_000 }));
    expect(usage.status()).toMatchObject({ billingUnit: 'credits', credits: { usedLocally: 251, usedOnGitHub: null }, rateLimits: [], rateLimited: null, budget: null });
    expect(await usage.activity('today')).toMatchObject({ today: { requests: 2, credits: 251 }, billingUnit: 'credits', proxyUrl: 'http://127.0.0.1:4141/v1', ledgerAvailable: true });
  });

  it('a ledger that cannot be opened is logged and the relay serves on, recording nothing', async () => {
    // The home is a file: no database can be made under it.
    const file = join(home, 'not-a-dir');
    writeFileSync(file, 'x');
    const { usage } = open({ env: { COPILOT_RELAY_HOME: file } });
    usage.tracker.record(finished());
    expect(await usage.activity('today')).toMatchObject({ ledgerAvailable: false });
    expect(usage.tracker.admit({ clientApi: 'chat', model: 'gpt-4o' })).toBeNull();
    expect(logger.lines.join('\n')).toMatch(/usage ledger unavailable/);
  });

  it('the window budget is saved and applies at once; COPILOT_RELAY_BUDGET wins while it is set', async () => {
    const { usage, settings } = open();
    usage.tracker.record(finished({ nanoAiu: 3_000_000_000 }));
    expect(usage.setBudget({ limitCredits: 2, period: 'day' })).toEqual({ overriddenBy: null });
    expect(settings.all()).toMatchObject({ budgetCredits: 2, budgetPeriod: 'day' });
    expect(usage.status().budget).toMatchObject({ period: 'day', limitCredits: 2, usedCredits: 3 });
    expect(usage.tracker.admit({ clientApi: 'messages', model: null })).toMatchObject({ status: 429, code: 'budget_exceeded', shouldRetry: false });
    usage.setBudget({ limitCredits: null, period: 'day' });
    expect(settings.get('budgetCredits')).toBeNull();
    expect(usage.tracker.admit({ clientApi: 'messages', model: null })).toBeNull();
    await usage.close();

    const env = open({ env: { COPILOT_RELAY_HOME: home, COPILOT_RELAY_BUDGET: '500/month' } }).usage;
    expect(env.status().budget).toMatchObject({ period: 'month', limitCredits: 500 });
    expect(env.setBudget({ limitCredits: 1, period: 'day' })).toEqual({ overriddenBy: 'COPILOT_RELAY_BUDGET=500/month' });
    expect(openSettings({ cwd: home }).get('budgetCredits')).toBe(1);
    expect(env.status().budget).toMatchObject({ period: 'month', limitCredits: 500 });
  });

  it('an unusable COPILOT_RELAY_BUDGET stops the CLI; the desktop says so and keeps the saved budget', () => {
    openSettings({ cwd: home }).update({ budgetCredits: 40, budgetPeriod: 'day' });
    expect(() => open({ shell: 'cli', env: { COPILOT_RELAY_HOME: home, COPILOT_RELAY_BUDGET: 'lots' } })).toThrow(/Invalid budget "lots"/);
    const { usage } = open({ env: { COPILOT_RELAY_HOME: home, COPILOT_RELAY_BUDGET: 'lots' } });
    expect(usage.configError?.message).toMatch(/Invalid budget "lots"/);
    expect(usage.status().budget).toMatchObject({ limitCredits: 40, period: 'day' });
  });

  it('the 80 % notice goes to the first listener once, even when it was due at start', async () => {
    openSettings({ cwd: home }).update({ budgetCredits: 10, budgetPeriod: 'month' });
    const first = open().usage;
    first.tracker.record(finished({ nanoAiu: 9_000_000_000 }));
    await first.close();
    // A relay that starts at 90 %: the notice waits for its listener.
    const { usage } = open();
    const notices: { title: string; body: string }[] = [];
    usage.onWarning((n) => notices.push(n));
    expect(notices).toEqual([{ title: 'Copilot Relay: 90 % of your budget used', body: expect.stringMatching(/^9 of 10 AI credits used this month\. At 10 the relay stops sending requests until /) }]);
    usage.tracker.record(finished({ nanoAiu: 500_000_000 }));
    expect(notices).toHaveLength(1);
    await usage.close();
    const again = open().usage;
    again.onWarning((n) => notices.push(n));
    expect(notices).toHaveLength(1);
  });

  it('tells the status about usage changes at most once a second, and when a reached limit resets', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { usage, changes } = open();
    const reset = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const weekly = (rem: number) => ({ 'x-usage-ratelimit-weekly': `rem=${rem}&rst=${reset}` });
    usage.tracker.observeUpstream({ status: 200, headers: weekly(40), model: 'gpt-4o' });
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toHaveLength(1);
    for (let i = 0; i < 10; i++) usage.tracker.observeUpstream({ status: 200, headers: weekly(39 - i), model: 'gpt-4o' });
    await vi.advanceTimersByTimeAsync(999);
    expect(changes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toHaveLength(2);
    // Nothing new: nothing sent.
    usage.tracker.observeUpstream({ status: 200, headers: weekly(30), model: 'gpt-4o' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(changes).toHaveLength(2);

    const refusal = usage.tracker.observeUpstream({ status: 429, headers: { 'retry-after': '120' }, errorBody: { error: { code: 'user_weekly_rate_limited', message: 'x' } }, model: 'gpt-4o' });
    expect(refusal).toMatchObject({ code: 'user_weekly_rate_limited' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(changes).toHaveLength(3);
    expect(usage.status().rateLimited).toMatchObject({ name: 'weekly', line: expect.stringMatching(/^Weekly limit reached — resets \d\d:\d\d$/) });
    // No traffic: the status still learns the limit is over when it resets.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(changes).toHaveLength(4);
    expect(usage.status().rateLimited).toBeNull();
  });
});
