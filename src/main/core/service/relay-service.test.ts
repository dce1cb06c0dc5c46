import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../../test/fake-github/index.js';
import type { RelayStatus } from '../../../shared/status.js';
import { createMemoryLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import { API_KEY_ACCOUNT } from '../secrets/secret-store.js';
import type { Settings } from '../settings/schema.js';
import { openSettings } from '../settings/store.js';
import { RelayService } from './relay-service.js';
import type { RelayServiceOptions } from './relay-service.js';

let fake: FakeUpstream;
let home: string;
let service: RelayService | null = null;
let store: MemorySecretStore;
const logger = createMemoryLogger();

beforeEach(async () => {
  fake = await startFakeUpstream({ deviceInterval: 0, pendingPolls: 1 });
  home = await mkdtemp(join(tmpdir(), 'relay-service-'));
  store = new MemorySecretStore();
  logger.lines.length = 0;
});

afterEach(async () => {
  await service?.close();
  service = null;
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const account = () => `127.0.0.1:${new URL(fake.url).port}`;

function open(settings: Partial<Settings> = {}, options: Partial<RelayServiceOptions> = {}): RelayService {
  const stored = openSettings({ cwd: home });
  stored.update({ port: 0, ...settings });
  service = new RelayService({
    env: { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_HOME: home },
    logger,
    shell: 'desktop',
    settings: stored,
    store,
    deviceFlow: { sleep: async () => undefined },
    serverOptions: { shutdownGraceMs: 200 },
    ...options,
  });
  return service;
}

function waitFor(s: RelayService, predicate: (status: RelayStatus) => boolean): Promise<RelayStatus> {
  return new Promise((resolve) => {
    if (predicate(s.status())) return resolve(s.status());
    const off = s.onStatus((status) => {
      if (predicate(status)) {
        off();
        resolve(status);
      }
    });
  });
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

describe('RelayService: account', () => {
  it('starts signed out, without a proxy; the local check says to sign in', async () => {
    const s = open();
    expect(s.status()).toMatchObject({ phase: 'signed-out', login: null, proxy: { running: false, url: null }, service: { state: 'running' } });
    await expect(s.checkSignIn()).rejects.toMatchObject({ kind: 'not-signed-in', fix: 'Run `copilot-relay login` first.' });
  });

  it('signs in through the device flow: code shown, then ready with expiry, plan, base URL and quota', async () => {
    fake.knobs.deviceOutcome = 'manual';
    const s = open();
    const signingIn = s.signIn();
    const prompt = await waitFor(s, (status) => status.phase === 'signing-in' && status.signIn !== null);
    expect(prompt.signIn?.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(prompt.signIn?.verificationUri).toBe(`${fake.url}/login/device`);
    fake.approveDevice(prompt.signIn!.userCode);
    expect(await signingIn).toEqual({ login: 'octocat' });
    const ready = await waitFor(s, (status) => status.phase === 'ready' && status.quota !== null);
    expect(ready).toMatchObject({ login: 'octocat', sku: 'monthly_subscriber', plan: 'Copilot Pro', mode: 'exchange', apiBaseUrl: fake.capiUrl, signIn: null, lastError: null });
    expect(ready.expiresAt).toBeGreaterThan(Date.now() + 20 * 60_000);
    expect(s.settings.get('lastLogin')).toBe('octocat');
    const { origin } = await s.proxy.start();
    expect((await get(`${origin}/v1/models`)).status).toBe(200);
  });

  it('cancelling a sign-in clears the code and rejects with cancelled; a denied one shows the error', async () => {
    fake.knobs.deviceOutcome = 'manual';
    const s = open({}, { deviceFlow: undefined });
    const signingIn = s.signIn();
    await waitFor(s, (status) => status.phase === 'signing-in');
    s.cancelSignIn();
    await expect(signingIn).rejects.toMatchObject({ kind: 'cancelled' });
    expect(s.status()).toMatchObject({ phase: 'signed-out', signIn: null, lastError: null });
    fake.knobs.deviceOutcome = 'deny';
    await expect(s.signIn()).rejects.toMatchObject({ kind: 'sign-in-denied' });
    expect(s.status().lastError?.kind).toBe('sign-in-denied');
  });

  it('reuses the stored token, refreshNow exchanges again, revocation signs out with the tray wording', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open();
    expect(await s.firstSession()).toBeNull();
    const first = s.status();
    expect(first.phase).toBe('ready');
    fake.knobs.sessionTtlSec = 3600;
    fake.knobs.refreshInSec = 3000;
    await s.refreshNow();
    expect(s.status().expiresAt).toBeGreaterThan(first.expiresAt!);
    fake.revokeGithubToken(fake.defaultToken);
    await expect(s.refreshNow()).rejects.toMatchObject({ kind: 'token-revoked' });
    expect(s.status()).toMatchObject({ phase: 'signed-out', expiresAt: null, lastError: { kind: 'token-revoked', fix: 'Sign in again from the tray menu or this window.' } });
  });

  it('signOut deletes the token and every cached session, and forgets the login', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open({ lastLogin: 'octocat' });
    await s.firstSession();
    await s.signOut();
    expect([...store.entries.keys()].filter((k) => k !== API_KEY_ACCOUNT)).toEqual([]);
    expect(s.status()).toMatchObject({ phase: 'signed-out', login: null });
    expect(s.settings.get('lastLogin')).toBeNull();
  });

  it('firstSession: a fatal first answer resolves with it (no Copilot seat); a transient one waits', async () => {
    const noSeat = fake.addAccount({ login: 'noseat', copilot: false });
    await store.set(account(), noSeat);
    expect(await open().firstSession()).toMatchObject({ kind: 'no-copilot' });
    await service!.close();
    await store.set(account(), fake.defaultToken);
    fake.knobs.exchangeFailures = 1;
    const waiting = open().firstSession();
    const outcome = await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))]);
    expect(outcome).toBe('still waiting');
    service!.checkNow();
    await service!.refreshNow();
    expect(await waiting).toBeNull();
  });
});

describe('RelayService: proxy, key and bind policy', () => {
  it('with the key setting on, the desktop creates one key, keeps it, requires it; turning it off restarts without', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open({ apiKeyEnabled: true });
    const { origin } = await s.proxy.start();
    const key = s.proxy.apiKey!;
    expect(key).toMatch(/^cr-[A-Za-z0-9_-]{32}$/);
    expect(await store.get(API_KEY_ACCOUNT)).toBe(key);
    expect(s.status().proxy.apiKeyRequired).toBe(true);
    expect((await get(`${origin}/v1/models`)).status).toBe(401);
    expect((await get(`${origin}/v1/models`, { authorization: `Bearer ${key}` })).status).toBe(200);
    await s.setSettings({ apiKeyEnabled: false });
    expect(s.status().proxy).toMatchObject({ running: true, apiKeyRequired: false });
    expect((await get(`${s.proxy.origin}/v1/models`)).status).toBe(200);
    await s.setSettings({ apiKeyEnabled: true });
    expect(s.proxy.apiKey).toBe(key);
    expect(logger.lines.join('\n')).not.toContain(key);
  });

  it('the CLI never invents a key nobody was told about', async () => {
    const s = open({ apiKeyEnabled: true }, { shell: 'cli' });
    await expect(s.proxy.start()).rejects.toThrow('The API key setting is on but no key is stored yet.');
  });

  it('a busy port is a status error with the fix; a port change restarts and clears it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const s = open({ port: busy });
      await expect(s.proxy.start()).rejects.toMatchObject({ kind: 'port-in-use' });
      expect(s.status().lastError).toMatchObject({ kind: 'port-in-use', message: `Port ${busy} is in use.`, fix: expect.stringMatching(/status window/) });
      await s.setSettings({ port: 0 });
      expect(s.status()).toMatchObject({ proxy: { running: true }, lastError: null });
      expect(s.settings.get('port')).toBe(0);
    } finally {
      blocker.close();
    }
  });

  it('"host": "0.0.0.0" in config.json without allow-remote and a key: the CLI refuses; the desktop serves loopback only and says why (RT-03)', async () => {
    const cli = open({ host: '0.0.0.0' }, { shell: 'cli' });
    await expect(cli.proxy.start()).rejects.toThrow(/Refusing to serve beyond this machine \("host": "0.0.0.0" in config.json\)/);
    expect(cli.proxy.running).toBe(false);
    await cli.close();
    const desktop = open({ host: '0.0.0.0', allowRemote: true });
    const { origin } = await desktop.proxy.start();
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(desktop.proxy.loopback).toBe(true);
    expect(desktop.status().lastError).toMatchObject({ kind: 'config', message: expect.stringMatching(/requires an API key/) });
  });

  it('remote with allow-remote and a key: /health shows the account only with the key (RT-25)', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open({ host: '0.0.0.0', allowRemote: true }, { flags: { apiKey: 'cr-test-remote-key-0123' } });
    await s.firstSession();
    const { origin } = await s.proxy.start();
    expect(s.proxy.loopback).toBe(false);
    const anonymous = JSON.parse((await get(`${origin}/health`)).body);
    expect(anonymous).toMatchObject({ status: 'ok', ready: true, login: null, sku: null, apiBaseUrl: null, signedIn: null });
    const keyed = JSON.parse((await get(`${origin}/health`, { 'x-api-key': 'cr-test-remote-key-0123' })).body);
    expect(keyed).toMatchObject({ ready: true, signedIn: true, sku: 'monthly_subscriber' });
  });

  it('binding 127.0.0.2 accepts that address as the Host (RT-19)', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open({}, { shell: 'cli', flags: { host: '127.0.0.2' } });
    const { origin } = await s.proxy.start();
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect((await get(`${origin}/v1/models`)).status).toBe(200);
  });

  it('never puts a token in its status, health or logs', async () => {
    await store.set(account(), fake.defaultToken);
    const s = open();
    await s.firstSession();
    await s.refreshNow();
    const { origin } = await s.proxy.start();
    const health = (await get(`${origin}/health`)).body;
    expect(JSON.parse(health)).toMatchObject({ ready: true, reason: null, signedIn: true, login: null });
    const everything = [JSON.stringify(s.status()), health, ...logger.lines].join('\n');
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(everything).not.toContain(secret);
  });
});
