import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../../test/fake-github/index.js';
import { createMemoryLogger, silentLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import type { Settings } from '../settings/schema.js';
import { openSettings } from '../settings/store.js';
import { readUsageReport } from '../usage/report.js';
import { RelayService } from './relay-service.js';
import type { RelayServiceOptions } from './relay-service.js';

// The relay service with its usage ledger (issue #16): what it records, shows and keeps.
let fake: FakeUpstream;
let home: string;
let service: RelayService | null = null;
let store: MemorySecretStore;

beforeEach(async () => {
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-service-usage-'));
  store = new MemorySecretStore();
  await store.set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);
});
afterEach(async () => {
  await service?.close();
  service = null;
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

function open(settings: Partial<Settings> = {}, options: Partial<RelayServiceOptions> = {}): RelayService {
  openSettings({ cwd: home }).update({ port: 0, ...settings });
  service = new RelayService({
    env: { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_HOME: home },
    logger: createMemoryLogger(),
    shell: 'desktop',
    store,
    serverOptions: { shutdownGraceMs: 200 },
    ...options,
  });
  return service;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const report = () => readUsageReport({ home, since: 0, by: 'client', budget: null, logger: silentLogger });

describe('RelayService: usage', () => {
  it('records every request in the ledger in its home, prices from the proxy model list, and flushes on close', async () => {
    const s = open();
    await s.firstSession();
    const { origin } = await s.proxy.start();
    expect(s.usage.tracker.prices.get('gpt-4o')).toBeNull();
    expect((await get(`${origin}/v1/models`, { 'user-agent': 'curl/8.5.0' })).status).toBe(200);
    expect((await get(`${origin}/v1/nope`, { 'user-agent': 'curl/8.5.0' })).status).toBe(404);
    // The catalogue the proxy loaded fed the price book (the fake's /models carries token_prices).
    expect(s.usage.tracker.prices.get('gpt-4o')).not.toBeNull();
    await s.close();
    service = null;
    // Closed within the ledger's flush second: nothing lost.
    expect(report()).toMatchObject({ requests: 2, errors: 1, groups: [{ key: 'curl', requests: 2 }] });
  });

  it('the status speaks the plan unit once GitHub said it, with limits and budget; signed out, no unit', async () => {
    const s = open({ budgetCredits: 50, budgetPeriod: 'day' });
    await s.firstSession();
    await s.refreshNow();
    expect(s.status().usage).toMatchObject({ billingUnit: 'credits', credits: { usedLocally: 0 }, rateLimits: [], rateLimited: null, budget: { period: 'day', limitCredits: 50, usedCredits: 0 } });
    await s.signOut();
    expect(s.status().usage).toMatchObject({ billingUnit: null, credits: null, budget: { limitCredits: 50 } });
  });

  it('/health: limits and budget for callers who may see the account; nothing more for a remote caller without the key', async () => {
    const local = open({ budgetCredits: 20, budgetPeriod: 'month' });
    await local.firstSession();
    const { origin } = await local.proxy.start();
    expect(JSON.parse((await get(`${origin}/health`)).body)).toMatchObject({ ready: true, rateLimits: [], budget: { period: 'month', limitCredits: 20, usedCredits: 0 } });
    await local.close();

    const remote = open({ host: '0.0.0.0', allowRemote: true, budgetCredits: 20 }, { flags: { apiKey: 'cr-test-remote-key-0123' } });
    await remote.firstSession();
    const served = await remote.proxy.start();
    expect(JSON.parse((await get(`${served.origin}/health`)).body)).toMatchObject({ signedIn: null, login: null, rateLimits: null, budget: null });
    expect(JSON.parse((await get(`${served.origin}/health`, { 'x-api-key': 'cr-test-remote-key-0123' })).body)).toMatchObject({ rateLimits: [], budget: { limitCredits: 20 } });
  });

  it('an unusable COPILOT_RELAY_BUDGET: the CLI stops with the one line, the desktop shows it and serves', () => {
    const env = { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_HOME: home, COPILOT_RELAY_BUDGET: '500 a month' };
    expect(() => open({}, { shell: 'cli', env })).toThrow('Invalid budget "500 a month".');
    const s = open({}, { env });
    expect(s.status().lastError).toMatchObject({ kind: 'config', message: 'Invalid budget "500 a month".', fix: expect.stringMatching(/COPILOT_RELAY_BUDGET=50\/day/) });
  });
});
