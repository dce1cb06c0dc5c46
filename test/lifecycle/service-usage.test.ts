/**
 * The usage ledger through the desktop data path: the built service entry (dist/main/service.js)
 * forked as the app's utility process, driven by the host's ServiceClient over the message
 * contract — the Activity view's data, its live pushes, and the window's budget applied at once.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { FileSecretStore } from '../../src/main/core/secrets/file-store.js';
import { ServiceClient } from '../../src/main/core/service-host/client.js';
import type { BudgetNotice } from '../../src/main/core/service-host/contract.js';
import { forkService } from '../../src/main/core/service-host/fork.js';
import { serviceUsageSource } from '../../src/main/core/service-host/usage-source.js';
import type { RelayStatus } from '../../src/shared/status.js';
import type { ActivityRow } from '../../src/shared/usage.js';
import { SERVICE_ENTRY, chat, childEnv, removeHomes, tempHome } from './harness.js';

let fake: FakeUpstream;
const clients: ServiceClient[] = [];
beforeAll(() => {
  if (!existsSync(SERVICE_ENTRY)) throw new Error('The service suite runs the built service entry: run `npm run build` first.');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop(3_000)));
  await fake?.close();
  await removeHomes();
});

/** A signed-in desktop home (the opt-in credential file: a child's throwaway HOME has no keychain). */
async function signedInHome(config: Record<string, unknown> = {}): Promise<string> {
  const home = await tempHome({ insecureStorage: true, port: 0, ...config });
  await new FileSecretStore(home).set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);
  return home;
}

async function startService(env: NodeJS.ProcessEnv) {
  const output: string[] = [];
  const client = new ServiceClient({ spawn: () => forkService(SERVICE_ENTRY, { env, onOutput: (line) => output.push(line) }), logger: createMemoryLogger() });
  clients.push(client);
  const rows: ActivityRow[] = [];
  const notices: BudgetNotice[] = [];
  client.onActivity((row) => rows.push(row));
  client.onBudgetWarning((notice) => notices.push(notice));
  await client.start();
  const until = (predicate: (status: RelayStatus) => boolean, timeoutMs = 15_000) =>
    new Promise<RelayStatus>((resolve, reject) => {
      if (predicate(client.status())) return resolve(client.status());
      const timer = setTimeout(() => reject(new Error(`status never matched; last: ${JSON.stringify(client.status())}\n${output.join('\n')}`)), timeoutMs);
      const off = client.onStatus((status) => {
        if (!predicate(status)) return;
        clearTimeout(timer);
        off();
        resolve(status);
      });
    });
  const ready = await until((status) => status.phase === 'ready' && status.proxy.running);
  return { client, source: serviceUsageSource(client), rows, notices, output, until, origin: ready.proxy.url!.replace(/\/v1$/, '') };
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('usage over the message contract (built service entry, child_process.fork)', () => {
  it('the Activity view reads the ledger, recorded requests are pushed live, the plan unit is in the status', async () => {
    fake = await startFakeUpstream();
    const s = await startService(childEnv(fake.url, await signedInHome()));
    for (let i = 0; i < 3; i++) expect((await chat(s.origin)).status).toBe(200);
    await waitFor(() => s.rows.length === 3);
    expect(s.rows[0]).toMatchObject({ path: '/v1/chat/completions', status: 200 });
    const activity = await s.source.activity('today');
    expect(activity).toMatchObject({ range: 'today', billingUnit: 'credits', today: { requests: 3, errors: 0 }, ledgerAvailable: true, proxyUrl: `${s.origin}/v1` });
    expect(activity.recent).toHaveLength(3);
    expect((await s.until((status) => status.usage.billingUnit === 'credits')).usage).toMatchObject({ credits: { usedLocally: expect.any(Number) }, rateLimited: null });
  });

  it("the window's budget is saved and applies at once, without a restart; out of contract is refused", async () => {
    fake = await startFakeUpstream();
    const home = await signedInHome();
    const s = await startService(childEnv(fake.url, home));
    expect(await s.source.setBudget({ limitCredits: 40, period: 'day' })).toEqual({ overriddenBy: null });
    expect((await s.until((status) => status.usage.budget !== null)).usage.budget).toMatchObject({ period: 'day', limitCredits: 40, usedCredits: 0 });
    expect((await s.source.activity('today')).budget).toMatchObject({ period: 'day', limitCredits: 40 });
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ budgetCredits: 40, budgetPeriod: 'day' });
    // Spend something, then set the budget below it: the next request is refused at once, with
    // nothing sent upstream; raised, the next one goes through — no restart either way.
    expect((await chat(s.origin)).status).toBe(200);
    await waitFor(() => s.rows.length === 1);
    const spent = (await s.source.activity('today')).today.credits;
    expect(spent).toBeGreaterThan(0);
    await s.source.setBudget({ limitCredits: spent / 2, period: 'day' });
    const upstream = fake.requests.length;
    const refused = await chat(s.origin);
    expect(refused.status).toBe(429);
    expect(refused.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'budget_exceeded', type: 'rate_limit_error' } });
    expect(fake.requests.length).toBe(upstream);
    await s.source.setBudget({ limitCredits: spent * 10, period: 'day' });
    expect((await chat(s.origin)).status).toBe(200);
    await s.source.setBudget({ limitCredits: null, period: 'day' });
    await s.until((status) => status.usage.budget === null);
    await expect(s.client.request('setBudget', { limitCredits: -5, period: 'day' })).rejects.toMatchObject({ kind: 'contract' });
    await expect(s.client.request('getActivity', { range: 'year' } as never)).rejects.toMatchObject({ kind: 'contract' });
  });

  it('with COPILOT_RELAY_BUDGET set, the window is told the environment wins; the saved one waits', async () => {
    fake = await startFakeUpstream();
    const home = await signedInHome();
    const s = await startService(childEnv(fake.url, home, { COPILOT_RELAY_BUDGET: '500/month' }));
    expect(s.client.status().usage.budget).toMatchObject({ period: 'month', limitCredits: 500 });
    expect(await s.source.setBudget({ limitCredits: 5, period: 'day' })).toEqual({ overriddenBy: 'COPILOT_RELAY_BUDGET=500/month' });
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ budgetCredits: 5, budgetPeriod: 'day' });
    expect((await s.source.activity('today')).budget).toMatchObject({ period: 'month', limitCredits: 500 });
  });
});
