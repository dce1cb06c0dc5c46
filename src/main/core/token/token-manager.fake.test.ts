import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import { Credentials } from '../auth/credentials.js';
import { resolveEndpoints } from '../config/endpoints.js';
import { createMemoryLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import { ManualClock } from './clock.js';
import { exchangeToken } from './exchange.js';
import { TokenManager } from './token-manager.js';
import type { TokenState } from './token-manager.js';

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;
let fake: Fake;
const loggers: ReturnType<typeof createMemoryLogger>[] = [];
const managers: TokenManager[] = [];
const errors: string[] = [];

beforeEach(async () => {
  fake = await startFakeUpstream();
});

afterEach(async () => {
  for (const manager of managers.splice(0)) manager.close();
  // Leak check: no GitHub or session token in any log line or error message of the test.
  const text = [...loggers.splice(0).flatMap((l) => l.lines), ...errors.splice(0)].join('\n');
  for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(text).not.toContain(secret);
  await fake.close();
});

function endpoints() {
  return resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url } });
}

async function manager(options: { token?: string; store?: MemorySecretStore; clock?: ManualClock; random?: () => number } = {}) {
  const ep = endpoints();
  const store = options.store ?? new MemorySecretStore();
  if (!options.store) await store.set(ep.accountKey, options.token ?? fake.defaultToken);
  const logger = createMemoryLogger();
  loggers.push(logger);
  const clock = options.clock ?? new ManualClock(Date.now());
  const tokens = new TokenManager({ endpoints: ep, credentials: new Credentials(store, ep.accountKey, { logger, endpoints: ep }), logger, clock, random: options.random ?? (() => 1) });
  managers.push(tokens);
  const states: TokenState[] = [];
  tokens.on((state) => {
    states.push(state);
    if (state.error) errors.push(state.error.message, state.error.fix ?? '');
  });
  return { tokens, store, clock, states, logger };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(() => null, (e: unknown) => e as Error & { kind: string });
  if (error) errors.push(error.message);
  return error;
}

describe('token lifecycle against the fake upstream', () => {
  it('50 concurrent cold callers → exactly 1 exchange', async () => {
    fake.knobs.exchangeLatencyMs = 30;
    const { tokens } = await manager();
    const sessions = await Promise.all(Array.from({ length: 50 }, () => tokens.getSession()));
    expect(fake.counters.exchanges).toBe(1);
    expect(fake.counters.maxExchangesInFlight).toBe(1);
    expect(new Set(sessions.map((s) => s.token)).size).toBe(1);
    expect(sessions[0]!.apiBaseUrl).toBe(fake.capiUrl);
    expect(sessions[0]!.sku).toBe('monthly_subscriber');
  });

  it('sends the GitHub token as `token <gh>` with the editor headers', async () => {
    const { tokens } = await manager();
    await tokens.getSession();
    const request = fake.requests.find((r) => r.path === '/copilot_internal/v2/token')!;
    expect(request.headers.authorization).toBe(`token ${fake.defaultToken}`);
    expect(request.headers['editor-version']).toBeTruthy();
  });

  it('normalises expires_at sent in milliseconds', async () => {
    fake.knobs.expiresAtInMs = true;
    fake.knobs.sessionTtlSec = 600;
    fake.knobs.refreshInSec = 1500;
    const { tokens, clock } = await manager();
    const session = await tokens.getSession();
    expect(Math.abs(session.expiresAt - (clock.now() + 600_000))).toBeLessThan(2000);
  });

  it('derives the base from proxy-ep when endpoints.api is missing', async () => {
    fake.knobs.includeEndpointsApi = false;
    fake.knobs.proxyEp = 'proxy.business.githubcopilot.com';
    const session = await (await manager()).tokens.getSession();
    expect(session.apiBaseUrl).toBe('https://api.business.githubcopilot.com');
  });

  it('refreshes before expiry with a TTL of a few seconds', async () => {
    fake.knobs.sessionTtlSec = 4;
    fake.knobs.refreshInSec = 2;
    const { tokens, clock } = await manager();
    const first = await tokens.getSession();
    clock.advance(first.refreshAt - clock.now());
    await until(() => fake.counters.exchanges === 2 && tokens.state().phase === 'ready');
    const second = await tokens.getSession();
    expect(second.token).not.toBe(first.token);
    expect(second.receivedAt).toBeLessThan(first.expiresAt);
  });

  it('after a simulated sleep past expiry, hands out a fresh token, never the expired one', async () => {
    const { tokens, clock } = await manager();
    const first = await tokens.getSession();
    clock.jump(first.expiresAt - clock.now() + 60_000);
    const next = await tokens.getSession();
    expect(next.token).not.toBe(first.token);
    expect(fake.issuedSessionTokens()).toContain(next.token);
    expect(fake.counters.exchanges).toBe(2);
  });

  it('revoked GitHub token → signed-out event', async () => {
    const { tokens, states } = await manager();
    await tokens.getSession();
    fake.revokeGithubToken(fake.defaultToken);
    const error = await failure(tokens.refreshNow());
    expect(error).toMatchObject({ kind: 'token-revoked' });
    expect(states.at(-1)).toMatchObject({ phase: 'signed-out', session: null, error: { kind: 'token-revoked' } });
  });

  it('no Copilot subscription (403 envelope) → no-copilot with GitHub\'s message', async () => {
    const token = fake.addAccount({ login: 'nocopilot', copilot: false });
    const { tokens, states } = await manager({ token });
    const error = await failure(tokens.getSession());
    expect(error).toMatchObject({ kind: 'no-copilot', status: 403 });
    expect(states.at(-1)).toMatchObject({ phase: 'error' });
    expect(error!.message).not.toContain(token);
  });

  it('an OAuth app the exchange refuses (404) → direct mode with the GitHub token as bearer', async () => {
    const token = fake.addAccount({ login: 'direct', app: 'oauth-direct' });
    const { tokens } = await manager({ token });
    const session = await tokens.getSession();
    expect(session).toMatchObject({ mode: 'direct', token, expiresAt: Infinity });
    expect(session.apiBaseUrl.startsWith('http')).toBe(true);
  });

  it('GitHub unreachable → network error, transient', async () => {
    fake.knobs.exchangeUnreachable = true;
    const { tokens } = await manager();
    const error = await failure(tokens.getSession());
    expect(error).toMatchObject({ kind: 'network' });
  });

  it('5xx for the first N exchanges → backoff, then success; at most one in flight', async () => {
    fake.knobs.exchangeFailures = 3;
    fake.knobs.exchangeFailureStatus = 503;
    const { tokens, clock, states } = await manager();
    await expect(failure(tokens.getSession())).resolves.toMatchObject({ kind: 'network' });
    const delays: number[] = [];
    while (tokens.state().phase !== 'ready') {
      const retryAt = tokens.state().retryAt!;
      delays.push(retryAt - clock.now());
      const before = fake.counters.exchanges;
      clock.advance(retryAt - clock.now());
      await until(() => fake.counters.exchanges === before + 1 && tokens.state().phase !== 'refreshing');
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(fake.counters.exchanges).toBe(4);
    expect(fake.counters.maxExchangesInFlight).toBe(1);
    expect(states.some((s) => s.phase === 'error' && s.error?.kind === 'network')).toBe(true);
    await tokens.getSession();
    expect(fake.counters.exchanges).toBe(4);
  });

  it('keeps serving the still-valid token while refreshes fail', async () => {
    const { tokens, clock } = await manager();
    const first = await tokens.getSession();
    fake.knobs.exchangeFailures = 100;
    clock.advance(first.refreshAt - clock.now());
    await until(() => tokens.state().phase === 'error');
    expect((await tokens.getSession()).token).toBe(first.token);
  });

  it('reuses the cached session across restarts (0 exchanges) and drops it on a fingerprint change', async () => {
    const store = new MemorySecretStore();
    const ep = endpoints();
    await store.set(ep.accountKey, fake.defaultToken);
    const a = await manager({ store });
    const first = await a.tokens.getSession();
    a.tokens.close();
    const b = await manager({ store });
    expect((await b.tokens.getSession()).token).toBe(first.token);
    expect(fake.counters.exchanges).toBe(1);
    const other = fake.addAccount({ login: 'other' });
    await store.set(ep.accountKey, other);
    const c = await manager({ store });
    expect((await c.tokens.getSession()).token).not.toBe(first.token);
    expect(fake.counters.exchanges).toBe(2);
  });

  it('exchangeToken times out instead of hanging', async () => {
    fake.knobs.exchangeLatencyMs = 2000;
    const error = await failure(exchangeToken({ endpoints: endpoints(), githubToken: fake.defaultToken, timeoutMs: 50 }));
    expect(error).toMatchObject({ kind: 'network' });
  });
});

describe('sign-in changes made by another process (RT-06, RT-13)', () => {
  it('notices a logout elsewhere on its next tick (≤ 60 s): signed out, the old token no longer used', async () => {
    const { tokens, store, clock } = await manager();
    await tokens.getSession();
    await store.delete(endpoints().accountKey);
    clock.advance(60_000);
    await until(() => tokens.state().phase === 'signed-out');
    expect(tokens.state().error).toMatchObject({ kind: 'not-signed-in', message: expect.stringMatching(/stored sign-in was removed/) });
    await expect(failure(tokens.getSession(new AbortController().signal))).resolves.toMatchObject({ kind: 'not-signed-in' });
  });

  it('a refresh never writes a session back for a token the store no longer holds', async () => {
    const { tokens, store } = await manager();
    await tokens.getSession();
    await store.delete(endpoints().accountKey);
    await store.delete(`${endpoints().accountKey}#session`);
    await failure(tokens.refreshNow());
    expect([...store.entries.keys()]).toEqual([]);
  });

  it('an exchange 401 re-reads the store first: a new sign-in made meanwhile is used at once', async () => {
    const { tokens, store } = await manager();
    await tokens.getSession();
    const next = fake.addAccount({ login: 'hubot' });
    await store.set(endpoints().accountKey, next);
    fake.revokeGithubToken(fake.defaultToken);
    const session = await tokens.refreshNow();
    expect(session.token).toBe(fake.issuedSessionTokens().at(-1));
    expect(tokens.state().phase).toBe('ready');
  });
});

describe('a waiting caller', () => {
  it('gets not-ready (503-worthy, with Retry-After) when the exchange outlasts the wait, and the exchange goes on for later callers', async () => {
    fake.knobs.exchangeLatencyMs = 300;
    const ep = endpoints();
    const store = new MemorySecretStore();
    await store.set(ep.accountKey, fake.defaultToken);
    const tokens = new TokenManager({ endpoints: ep, credentials: new Credentials(store, ep.accountKey), recoveryWaitMs: 50 });
    managers.push(tokens);
    const error = await failure(tokens.getSession(new AbortController().signal));
    expect(error).toMatchObject({ kind: 'not-ready', retryAfter: 5, message: expect.stringMatching(/^No Copilot session yet/) });
    await until(() => tokens.state().phase === 'ready');
    expect(fake.counters.exchanges).toBe(1);
  });
});
