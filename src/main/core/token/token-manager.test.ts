import { describe, it, expect } from 'vitest';
import { Credentials } from '../auth/credentials.js';
import { scriptedFetch } from '../auth/scripted-fetch.js';
import type { ScriptedAnswer } from '../auth/scripted-fetch.js';
import { resolveEndpoints } from '../config/endpoints.js';
import { createMemoryLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import { ManualClock } from './clock.js';
import { TokenManager } from './token-manager.js';
import type { TokenState } from './token-manager.js';

const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:1', COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:1' } });
const GH = 'ghu_FAKEMANAGERTOKEN';

let upstreams = 0;

/** An exchange endpoint on the manual clock: each answer is a new token valid for `ttl` s with `refreshIn`. */
function upstream(clock: ManualClock, options: { ttl?: number; refreshIn?: number; fail?: (n: number) => ScriptedAnswer | null } = {}) {
  let n = 0;
  const id = ++upstreams;
  const issued: string[] = [];
  const script = scriptedFetch(async () => {
    n++;
    const failure = options.fail?.(n);
    if (failure) return failure;
    await new Promise((resolve) => setTimeout(resolve, 5)); // let concurrent callers pile up
    const token = `tid=FAKE${id}x${n};exp=${Math.floor(clock.now() / 1000) + (options.ttl ?? 1800)};sku=monthly_subscriber:${'ab'.repeat(16)}`;
    issued.push(token);
    return { status: 200, body: { token, expires_at: Math.floor(clock.now() / 1000) + (options.ttl ?? 1800), refresh_in: options.refreshIn ?? 1500, endpoints: { api: 'https://api.individual.githubcopilot.com' } } };
  });
  return { ...script, issued, exchanges: () => script.calls.filter((c) => c.path === '/copilot_internal/v2/token').length };
}

async function setup(options: Parameters<typeof upstream>[1] & { store?: MemorySecretStore; random?: () => number; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock(1_800_000_000_000);
  const store = options.store ?? new MemorySecretStore();
  if (!options.store) await store.set('127.0.0.1:1', GH);
  const fake = upstream(clock, options);
  const logger = createMemoryLogger();
  const credentials = new Credentials(store, endpoints.accountKey, { logger });
  const manager = new TokenManager({ endpoints, credentials, fetch: fake.fetch, clock, logger, random: options.random ?? (() => 1) });
  const states: TokenState[] = [];
  manager.on((state) => states.push(state));
  return { clock, store, fake, logger, manager, states };
}

/** Lets background promises (timer-started refreshes) settle. */
async function settle(manager: TokenManager, phase?: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (!phase || manager.state().phase === phase) return;
  }
}

describe('TokenManager', () => {
  it('50 concurrent cold callers share exactly one exchange', async () => {
    const { fake, manager } = await setup();
    const sessions = await Promise.all(Array.from({ length: 50 }, () => manager.getSession()));
    expect(fake.exchanges()).toBe(1);
    expect(new Set(sessions.map((s) => s.token)).size).toBe(1);
    expect(fake.stats.maxInFlight).toBe(1);
    manager.close();
  });

  it('a ready session is answered from memory: no token read or exchange per call, still never a stale one', async () => {
    const { fake, manager, store, clock } = await setup();
    const first = await manager.getSession();
    let reads = 0;
    const get = store.get.bind(store);
    store.get = async (account: string) => {
      reads++;
      return get(account);
    };
    for (let i = 0; i < 100; i++) expect((await manager.getSession()).token).toBe(first.token);
    expect(reads).toBe(0);
    expect(fake.exchanges()).toBe(1);
    // Past its usable window the fast path steps aside: the next call exchanges a fresh token.
    clock.advance(1800_000 - 60_000);
    const next = await manager.getSession();
    expect(next.token).not.toBe(first.token);
    expect(fake.exchanges()).toBe(2);
  });

  it('refreshes proactively before expiry, from the timer, without callers', async () => {
    const { clock, fake, manager, states } = await setup({ ttl: 4, refreshIn: 2 });
    const first = await manager.getSession();
    expect(first.expiresAt - first.receivedAt).toBe(4000);
    expect(first.refreshAt - first.receivedAt).toBe(2000);
    clock.advance(2000);
    await settle(manager, 'ready');
    expect(fake.exchanges()).toBe(2);
    const second = await manager.getSession();
    expect(second.token).not.toBe(first.token);
    expect(second.receivedAt).toBeLessThan(first.expiresAt);
    expect(states.map((s) => s.phase)).toEqual(['refreshing', 'ready', 'refreshing', 'ready']);
    manager.close();
  });

  it('never waits longer than 60 s between checks', async () => {
    const { clock, manager } = await setup();
    await manager.getSession();
    expect(clock.nextTimerIn()).toBe(60_000);
    manager.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('after a simulated sleep past expiry, getSession returns a fresh token, never the expired one', async () => {
    const { clock, fake, manager } = await setup();
    const first = await manager.getSession();
    clock.jump(2 * 60 * 60_000); // suspended: no timer fired
    const next = await manager.getSession();
    expect(next.token).not.toBe(first.token);
    expect(next.expiresAt).toBeGreaterThan(clock.now() + 120_000);
    expect(fake.exchanges()).toBe(2);
    manager.close();
  });

  it('a wall clock that jumped back makes the session suspect: refreshed before use', async () => {
    const { clock, fake, manager } = await setup();
    const first = await manager.getSession();
    clock.jump(-2 * 60 * 60_000);
    expect((await manager.getSession()).token).not.toBe(first.token);
    expect(fake.exchanges()).toBe(2);
    manager.close();
  });

  it('checkNow() after wake refreshes at once when due', async () => {
    const { clock, fake, manager } = await setup();
    await manager.getSession();
    clock.jump(22 * 60_000); // past refreshAt (21 min), before expiry
    manager.checkNow();
    await settle(manager, 'ready');
    expect(fake.exchanges()).toBe(2);
    manager.close();
  });

  it('does not hand out a token with less than 2 minutes left', async () => {
    const { clock, fake, manager } = await setup({ ttl: 1800, refreshIn: 1500 });
    const first = await manager.getSession();
    clock.jump(first.expiresAt - clock.now() - 119_000);
    const next = await manager.getSession();
    expect(next.token).not.toBe(first.token);
    expect(fake.exchanges()).toBe(2);
    manager.close();
  });

  it('a revoked GitHub token (401) emits signed-out and stops exchanging', async () => {
    const { fake, manager, states, store } = await setup({ fail: () => ({ status: 401, body: { message: 'Bad credentials' } }) });
    await expect(manager.getSession()).rejects.toMatchObject({ kind: 'token-revoked' });
    expect(states.at(-1)).toMatchObject({ phase: 'signed-out', error: { kind: 'token-revoked' } });
    await expect(manager.getSession()).rejects.toMatchObject({ kind: 'token-revoked' });
    expect(fake.exchanges()).toBe(1);
    expect(await store.get('127.0.0.1:1')).toBe(GH); // not deleted behind the user's back
    manager.close();
  });

  it('transient failures: keeps serving the still-valid token, backs off 1 s → 2 s → 4 s, one exchange at a time', async () => {
    let failing = false;
    const { clock, fake, manager, states } = await setup({ fail: (n) => (failing && n <= 4 ? { status: 502, body: 'bad gateway' } : null) });
    const first = await manager.getSession();
    failing = true;
    clock.advance(first.refreshAt - clock.now());
    await settle(manager, 'error');
    expect(states.at(-1)).toMatchObject({ phase: 'error', error: { kind: 'network' }, retryAt: clock.now() + 1000 });
    expect((await manager.getSession()).token).toBe(first.token); // still valid: served
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const retryAt = manager.state().retryAt!;
      delays.push(retryAt - clock.now());
      clock.advance(retryAt - clock.now());
      await settle(manager, i < 2 ? 'error' : 'ready');
      await settle(manager);
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(manager.state().phase).toBe('ready');
    expect(fake.exchanges()).toBe(5);
    expect(fake.stats.maxInFlight).toBe(1);
    expect((await manager.getSession()).token).not.toBe(first.token);
    manager.close();
  });

  it('backoff uses full jitter within the doubling ceiling, capped', async () => {
    const { clock, manager } = await setup({ random: () => 0.5, fail: () => ({ status: 503, body: '' }) });
    await expect(manager.getSession()).rejects.toMatchObject({ kind: 'network' });
    expect(manager.state().retryAt! - clock.now()).toBe(1000); // 0.5 × 1 s, floored at 1 s
    // Cold callers inside the backoff window get the error without a new exchange.
    await expect(manager.getSession()).rejects.toMatchObject({ kind: 'network' });
    manager.close();
  });

  it('reuses the cached session across restarts and drops it when the GitHub token changes', async () => {
    const store = new MemorySecretStore();
    await store.set('127.0.0.1:1', GH);
    const a = await setup({ store });
    const first = await a.manager.getSession();
    a.manager.close();
    const b = await setup({ store, clock: a.clock });
    const again = await b.manager.getSession();
    expect(again.token).toBe(first.token);
    expect(b.fake.exchanges()).toBe(0);
    b.manager.close();
    await store.set('127.0.0.1:1', 'ghu_FAKEOTHERACCOUNT');
    const c = await setup({ store, clock: a.clock });
    const other = await c.manager.getSession();
    expect(other.token).not.toBe(first.token);
    expect(other.token).toBe(c.fake.issued[0]);
    expect(c.fake.exchanges()).toBe(1);
    c.manager.close();
  });

  it('50 concurrent cold callers with a cached session: 0 exchanges', async () => {
    const store = new MemorySecretStore();
    await store.set('127.0.0.1:1', GH);
    const a = await setup({ store });
    const first = await a.manager.getSession();
    a.manager.close();
    const b = await setup({ store, clock: a.clock });
    const sessions = await Promise.all(Array.from({ length: 50 }, () => b.manager.getSession()));
    expect(sessions.every((s) => s.token === first.token)).toBe(true);
    expect(b.fake.exchanges()).toBe(0);
    expect(b.states.map((s) => s.phase)).toEqual(['ready']);
    b.manager.close();
  });

  it('start() reports the real state at launch', async () => {
    const signedIn = await setup();
    expect((await signedIn.manager.start()).phase).toBe('ready');
    signedIn.manager.close();
    const signedOut = await setup({ store: new MemorySecretStore() });
    expect(await signedOut.manager.start()).toMatchObject({ phase: 'signed-out', session: null });
    signedOut.manager.close();
  });

  it('refreshNow forces an exchange; invalidate drops only the matching token', async () => {
    const { fake, manager } = await setup();
    const first = await manager.getSession();
    manager.invalidate('not-the-token');
    expect((await manager.getSession()).token).toBe(first.token);
    const forced = await manager.refreshNow();
    expect(forced.token).not.toBe(first.token);
    manager.invalidate(forced.token);
    const after = await manager.getSession();
    expect(after.token).not.toBe(forced.token);
    expect(fake.exchanges()).toBe(3);
    manager.close();
  });

  it('not signed in → not-signed-in error and signed-out state; signOut deletes everything', async () => {
    const store = new MemorySecretStore();
    const { manager } = await setup({ store });
    await expect(manager.getSession()).rejects.toMatchObject({ kind: 'not-signed-in' });
    await manager.setGithubToken(GH);
    await manager.getSession();
    expect(store.entries.size).toBe(2);
    expect(await manager.signOut()).toBe(true);
    expect(store.entries.size).toBe(0);
    expect(manager.state().phase).toBe('signed-out');
    manager.close();
  });

  it('no token in any log line or state event', async () => {
    const { clock, fake, manager, logger, states } = await setup({ fail: (n) => (n === 2 ? { status: 500, body: `token ${GH}` } : null) });
    const first = await manager.getSession();
    clock.advance(first.refreshAt - clock.now());
    await settle(manager, 'error');
    const text = [...logger.lines, JSON.stringify(states), ...states.map((s) => s.error?.message ?? '')].join('\n');
    for (const secret of [GH, ...fake.issued]) expect(text).not.toContain(secret);
    manager.close();
  });
});
