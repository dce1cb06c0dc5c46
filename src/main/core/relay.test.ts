import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../test/fake-github/index.js';
import type { RelayStatus } from '../../shared/status.js';
import { createMemoryLogger } from './log/logger.js';
import { createRelay } from './relay.js';
import { API_KEY_ACCOUNT } from './secrets/secret-store.js';
import type { RelaySettings , Relay} from './relay.js';
import { MemorySecretStore } from './secrets/memory-store.js';
import type { Settings } from './settings/schema.js';
import { SETTINGS_DEFAULTS } from './settings/schema.js';

function memorySettings(overrides: Partial<Settings> = {}): RelaySettings & { values: Settings } {
  const values: Settings = { ...SETTINGS_DEFAULTS, port: 0, ...overrides };
  return { values, get: (key) => values[key], set: (key, value) => void (values[key] = value) };
}

let fake: FakeUpstream;
let relay: Relay | null = null;
let store: MemorySecretStore;
const logger = createMemoryLogger();

beforeEach(async () => {
  fake = await startFakeUpstream({ deviceInterval: 0, pendingPolls: 1 });
  store = new MemorySecretStore();
  logger.lines.length = 0;
});

afterEach(async () => {
  await relay?.close();
  relay = null;
  await fake.close();
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, ...extra };
}

function build(settings = memorySettings(), extra: NodeJS.ProcessEnv = {}) {
  return createRelay({ settings, env: env(extra), store, logger, deviceFlow: { sleep: async () => undefined } });
}

function waitFor(r: Relay, predicate: (s: RelayStatus) => boolean): Promise<RelayStatus> {
  return new Promise((resolve) => {
    if (predicate(r.status())) return resolve(r.status());
    const off = r.onStatus((s) => {
      if (predicate(s)) {
        off();
        resolve(s);
      }
    });
  });
}

describe('Relay', () => {
  it('starts signed out without a stored token and without a proxy', async () => {
    relay = await build();
    const status = relay.status();
    expect(status).toMatchObject({ phase: 'signed-out', login: null, expiresAt: null, proxy: { running: false, url: null } });
  });

  it('signs in through the device flow: code shown, then ready with expiry, plan, base URL, quota and a running proxy', async () => {
    fake.knobs.deviceOutcome = 'manual';
    const settings = memorySettings();
    relay = await build(settings);
    const phases: string[] = [];
    relay.onStatus((s) => phases.push(s.phase));
    const signingIn = relay.signIn();
    const prompt = await waitFor(relay, (s) => s.phase === 'signing-in');
    expect(prompt.signIn?.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(prompt.signIn?.verificationUri).toBe(`${fake.url}/login/device`);
    fake.approveDevice(prompt.signIn!.userCode);
    await signingIn;

    const ready = await waitFor(relay, (s) => s.phase === 'ready' && s.quota !== null);
    expect(ready).toMatchObject({ login: 'octocat', sku: 'monthly_subscriber', plan: 'Copilot Pro', mode: 'exchange', apiBaseUrl: fake.capiUrl, signIn: null, lastError: null });
    expect(ready.expiresAt).toBeGreaterThan(Date.now() + 20 * 60_000);
    expect(ready.quota).toMatchObject({ entitlement: 300, remaining: 212, unlimited: false });
    expect(ready.proxy.running).toBe(true);
    expect(ready.proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(settings.values.lastLogin).toBe('octocat');
    expect(phases).toContain('signing-in');

    // The proxy it started really serves, with the relay's own token.
    const models = await fetch(`${ready.proxy.url}/models`);
    expect(models.status).toBe(200);
  });

  it('cancelling a sign-in clears the code and rejects with cancelled', async () => {
    fake.knobs.deviceOutcome = 'manual';
    relay = await createRelay({ settings: memorySettings(), env: env(), store, logger });
    const signingIn = relay.signIn();
    await waitFor(relay, (s) => s.phase === 'signing-in');
    relay.cancelSignIn();
    await expect(signingIn).rejects.toMatchObject({ kind: 'cancelled' });
    expect(relay.status()).toMatchObject({ phase: 'signed-out', signIn: null, lastError: null });
  });

  it('a denied sign-in ends in an error the window can show', async () => {
    fake.knobs.deviceOutcome = 'deny';
    relay = await build();
    await expect(relay.signIn()).rejects.toMatchObject({ kind: 'sign-in-denied' });
    const status = relay.status();
    expect(status.phase).toBe('signed-out');
    expect(status.lastError?.kind).toBe('sign-in-denied');
  });

  it('reuses the stored token at launch, refreshNow exchanges again, revocation signs out', async () => {
    await store.set('127.0.0.1:' + new URL(fake.url).port, fake.defaultToken);
    relay = await build();
    const first = relay.status();
    expect(first.phase).toBe('ready');
    expect(first.proxy.running).toBe(true);
    expect(fake.counters.exchanges).toBe(1);

    fake.knobs.sessionTtlSec = 3600;
    fake.knobs.refreshInSec = 3000;
    await relay.refreshNow();
    expect(fake.counters.exchanges).toBe(2);
    expect(relay.status().expiresAt).toBeGreaterThan(first.expiresAt!);

    fake.revokeGithubToken(fake.defaultToken);
    await expect(relay.refreshNow()).rejects.toMatchObject({ kind: 'token-revoked' });
    const revoked = relay.status();
    expect(revoked.phase).toBe('signed-out');
    expect(revoked.lastError?.kind).toBe('token-revoked');
    // The window shows a fix the user can act on there, not a CLI command.
    expect(revoked.lastError?.fix).toBe('Sign in again from the tray menu or this window.');
    expect(revoked.expiresAt).toBeNull();
  });

  it('signOut deletes the token and every cached session', async () => {
    await store.set('127.0.0.1:' + new URL(fake.url).port, fake.defaultToken);
    const settings = memorySettings({ lastLogin: 'octocat' });
    relay = await build(settings);
    expect(store.entries.size).toBeGreaterThan(0);
    await relay.signOut();
    expect([...store.entries.keys()].filter((k) => k !== API_KEY_ACCOUNT)).toEqual([]);
    expect(relay.status()).toMatchObject({ phase: 'signed-out', login: null });
    expect(settings.values.lastLogin).toBeNull();
  });

  it('with the API key setting on, generates one key, keeps it in the store, and the proxy requires it', async () => {
    await store.set('127.0.0.1:' + new URL(fake.url).port, fake.defaultToken);
    relay = await build(memorySettings({ apiKeyEnabled: true }));
    const key = relay.apiKey();
    expect(key).toMatch(/^cr-[A-Za-z0-9_-]{32}$/);
    expect(await store.get(API_KEY_ACCOUNT)).toBe(key);
    const url = relay.status().proxy.url!;
    expect(relay.status().proxy.apiKeyRequired).toBe(true);
    expect((await fetch(`${url}/models`)).status).toBe(401);
    expect((await fetch(`${url}/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    // A restart keeps the same key.
    await relay.startProxy();
    expect(relay.apiKey()).toBe(key);
    expect(logger.lines.join('\n')).not.toContain(key!);
  });

  it('a port in use becomes a status error with the fix, and a new port clears it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      await store.set('127.0.0.1:' + new URL(fake.url).port, fake.defaultToken);
      relay = await build(memorySettings({ port: busyPort }));
      const status = relay.status();
      expect(status.proxy.running).toBe(false);
      expect(status.lastError).toMatchObject({ kind: 'port-in-use', message: `Port ${busyPort} is in use.` });
      expect(status.lastError?.fix).toMatch(/status window/);
      const { url } = await relay.startProxy({ port: 0 });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(relay.status().lastError).toBeNull();
    } finally {
      blocker.close();
    }
  });

  it('never puts a token in its status, health or logs', async () => {
    await store.set('127.0.0.1:' + new URL(fake.url).port, fake.defaultToken);
    relay = await build();
    await relay.refreshNow();
    const health = await (await fetch(relay.status().proxy.url!.replace(/\/v1$/, '/health'))).text();
    const everything = [JSON.stringify(relay.status()), health, ...logger.lines].join('\n');
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(everything).not.toContain(secret);
    expect(health).toContain('"signedIn":true');
  });
});
