/**
 * The built service entry (dist/main/service.js) in a child process, driven by the host's
 * ServiceClient over the message contract — exactly what the desktop app's main process does
 * with utilityProcess, here with child_process.fork — against the fake upstream.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ServiceClient } from '../../src/main/core/service-host/client.js';
import type { StartupFailure } from '../../src/main/core/service-host/contract.js';
import { forkService } from '../../src/main/core/service-host/fork.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import type { RelayStatus } from '../../src/shared/status.js';
import { SERVICE_ENTRY, call, chat, childEnv, figures, freePort, listenersOn, removeHomes, tempHome, writeFigures } from './harness.js';

let fake: FakeUpstream;
const clients: ServiceClient[] = [];
beforeAll(() => {
  if (!existsSync(SERVICE_ENTRY)) throw new Error('The service suite runs the built service entry: run `npm run build` first.');
});
afterAll(() => writeFigures('service'));
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop(3_000)));
  await fake?.close();
  await removeHomes();
});

interface Host {
  client: ServiceClient;
  statuses: RelayStatus[];
  output: string[];
  pids: (number | undefined)[];
  failures: StartupFailure[];
  until(predicate: (status: RelayStatus) => boolean, timeoutMs?: number): Promise<RelayStatus>;
}

function host(env: NodeJS.ProcessEnv, backoff = { baseMs: 200, capMs: 1_000 }): Host {
  const output: string[] = [];
  const pids: (number | undefined)[] = [];
  const failures: StartupFailure[] = [];
  const client = new ServiceClient({
    spawn: () => {
      const proc = forkService(SERVICE_ENTRY, { env, onOutput: (line) => output.push(line) });
      pids.push(proc.pid);
      return proc;
    },
    logger: createMemoryLogger(),
    backoff,
    onStartupFailed: (failure) => failures.push(failure),
  });
  clients.push(client);
  const statuses: RelayStatus[] = [];
  client.onStatus((status) => statuses.push(status));
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
  return { client, statuses, output, pids, failures, until };
}

/** The desktop app's data dir: the opt-in credential file (no keychain in a child's throwaway HOME). */
async function desktopHome(config: Record<string, unknown> = {}): Promise<string> {
  return tempHome({ insecureStorage: true, port: 0, ...config });
}

describe('the service process over the message contract (child_process.fork)', () => {
  it('start → status events → sign-in with the device code → serving; refresh now; port change; API-key toggle; stop', async () => {
    fake = await startFakeUpstream({ deviceInterval: 0, enforceSlowDown: false, deviceOutcome: 'manual' });
    const home = await desktopHome();
    const h = host(childEnv(fake.url, home));
    await h.client.start();
    expect(h.client.status()).toMatchObject({ phase: 'signed-out', proxy: { running: false }, service: { state: 'running', restarts: 0 } });

    const signingIn = h.client.request('signIn', {});
    const prompt = await h.until((status) => status.signIn !== null);
    expect(prompt.phase).toBe('signing-in');
    expect(prompt.signIn!.userCode).toBe(fake.lastDeviceCode()!.userCode);
    fake.approveDevice(prompt.signIn!.userCode);
    expect(await signingIn).toEqual({ login: 'octocat' });
    const ready = await h.until((status) => status.phase === 'ready' && status.proxy.running);
    expect(ready).toMatchObject({ login: 'octocat', sku: 'monthly_subscriber', apiBaseUrl: fake.capiUrl, proxy: { apiKeyRequired: false } });
    const origin = ready.proxy.url!.replace(/\/v1$/, '');
    expect((await chat(origin)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // expiries have second precision
    await h.client.request('refreshNow', null);
    expect((await h.until((status) => status.expiresAt !== ready.expiresAt)).expiresAt).toBeGreaterThan(ready.expiresAt!);

    const port = await freePort();
    expect(await h.client.request('setSettings', { port })).toEqual({ port, apiKeyEnabled: false });
    const moved = await h.until((status) => status.proxy.url === `http://127.0.0.1:${port}/v1`);
    expect(moved.proxy.running).toBe(true);
    expect((await chat(`http://127.0.0.1:${port}`)).status).toBe(200);
    expect(listenersOn(Number(new URL(origin).port))).toEqual([]);

    await h.client.request('setSettings', { apiKeyEnabled: true });
    await h.until((status) => status.proxy.apiKeyRequired);
    const key = await h.client.request('getApiKey', null);
    expect(key).toMatch(/^cr-/);
    expect((await chat(`http://127.0.0.1:${port}`)).status).toBe(401);
    expect((await call(`http://127.0.0.1:${port}`, '/v1/models', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await h.client.request('setSettings', { apiKeyEnabled: false });
    await h.until((status) => !status.proxy.apiKeyRequired);
    expect(await h.client.request('getApiKey', null)).toBeNull();

    // The service is the one writer of config.json: what the window changed is there.
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ port, apiKeyEnabled: false, lastLogin: 'octocat' });
    await h.client.stop();
    expect(listenersOn(port)).toEqual([]);
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens(), key!]) expect(h.output.join('\n') + JSON.stringify(h.statuses)).not.toContain(secret);
  });

  it('a killed service process is restarted by the host, and the state says so', async () => {
    fake = await startFakeUpstream();
    const home = await desktopHome({ port: await freePort() });
    const { FileSecretStore } = await import('../../src/main/core/secrets/file-store.js');
    await new FileSecretStore(home).set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);
    const h = host(childEnv(fake.url, home));
    await h.client.start();
    const before = await h.until((status) => status.phase === 'ready' && status.proxy.running);
    process.kill(h.pids[0]!, 'SIGKILL');
    const down = await h.until((status) => status.service.state === 'restarting');
    expect(down).toMatchObject({ phase: 'error', proxy: { running: false }, lastError: { kind: 'service-stopped', message: expect.stringMatching(/stopped unexpectedly \(killed by SIGKILL\); restarting in 1 s/) }, service: { restarts: 1, lastExit: 'killed by SIGKILL' } });
    const started = performance.now();
    const back = await h.until((status) => status.service.state === 'running' && status.phase === 'ready' && status.proxy.running);
    expect(back.service).toEqual({ state: 'running', restarts: 1, lastExit: 'killed by SIGKILL' });
    expect(back.proxy.url).toBe(before.proxy.url);
    expect(h.pids).toHaveLength(2);
    expect((await chat(back.proxy.url!.replace(/\/v1$/, ''))).status).toBe(200);
    figures.serviceKilled = { restartedAfterMs: Math.round(performance.now() - started), restarts: back.service.restarts, sameUrl: back.proxy.url === before.proxy.url };
  });

  it('an unusable config.json: the service says so and waits; resetting keeps a backup and starts with the defaults', async () => {
    fake = await startFakeUpstream();
    const home = await tempHome('{"port": 41');
    const h = host(childEnv(fake.url, home));
    await h.client.start();
    expect(h.failures).toEqual([expect.objectContaining({ kind: 'config', settingsFile: join(home, 'config.json'), message: expect.stringContaining('is not valid JSON') })]);
    expect(h.client.status()).toMatchObject({ phase: 'error', service: { state: 'failed' }, lastError: { kind: 'config' } });
    await expect(h.client.request('getStatus', null)).rejects.toMatchObject({ message: expect.stringMatching(/did not start/) });
    const { backup } = await h.client.request('resetSettings', null);
    expect(await readFile(backup, 'utf8')).toBe('{"port": 41');
    await h.until((status) => status.service.state === 'running');
    // No new config.json (the defaults are not written); the usage ledger opened with the service.
    expect((await readdir(home)).filter((name) => !name.startsWith('usage.db')).sort()).toEqual([backup.split('/').at(-1)]);
  });

  it('an unreadable CA file: the failure names it (no reset offered)', async () => {
    fake = await startFakeUpstream();
    const home = await desktopHome({ extraCaCertsFile: '/nonexistent/corp-ca.pem' });
    const h = host(childEnv(fake.url, home));
    await h.client.start();
    expect(h.failures).toEqual([expect.objectContaining({ kind: 'config', settingsFile: null, message: 'Could not read the extra CA certificates file /nonexistent/corp-ca.pem.' })]);
    await expect(h.client.request('resetSettings', null)).rejects.toThrow(/nothing to reset/);
  });

  it('"host": "0.0.0.0" in config.json without allow-remote and a key: the service listens on loopback only and says why', async () => {
    fake = await startFakeUpstream();
    const port = await freePort();
    const home = await desktopHome({ host: '0.0.0.0', port });
    const { FileSecretStore } = await import('../../src/main/core/secrets/file-store.js');
    await new FileSecretStore(home).set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);
    const h = host(childEnv(fake.url, home));
    await h.client.start();
    const status = await h.until((s) => s.proxy.running);
    expect(status.proxy.url).toBe(`http://127.0.0.1:${port}/v1`);
    expect(listenersOn(port)).toEqual(['127.0.0.1']);
    expect(status.lastError).toMatchObject({ kind: 'config', message: expect.stringMatching(/Refusing to serve beyond this machine/), fix: expect.stringMatching(/"allowRemote": true/) });
    figures.serviceRemoteHostInConfig = { listenersOnPort: listenersOn(port) };
  });

  it('both sides refuse messages out of contract', async () => {
    fake = await startFakeUpstream();
    const h = host(childEnv(fake.url, await desktopHome()));
    await h.client.start();
    await expect(h.client.request('setSettings', { port: 70000 } as never)).rejects.toMatchObject({ kind: 'contract', message: expect.stringMatching(/bad params for setSettings/) });
    await expect(h.client.request('signIn', { enterprise: 'not a host' } as never)).rejects.toMatchObject({ kind: 'contract' });
    await expect(h.client.request('nope' as never, null as never)).rejects.toMatchObject({ kind: 'contract' });
    expect(h.output.join('\n')).toMatch(/Refused a message from the host/);
    expect(await h.client.request('getSettings', null)).toEqual({ port: 0, apiKeyEnabled: false });
  });
});
