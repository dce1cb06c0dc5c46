/**
 * The built CLI's `serve` under faults, in child processes against the fake upstream. Each test
 * records what the process did (figures for the report: test-results/lifecycle-figures.json).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { sseEvents } from '../reliability/stack.js';
import {
  BIN, FAKE_TOKEN, ROOT, call, chat, childEnv, cliDone, figures, freePort, hasStackTrace, listenersOn, messageLines, messages, killLeftovers, removeHomes, serve, sleep, stop, tempHome, writeFigures,
} from './harness.js';
import type { Running } from './harness.js';

const fakes: FakeUpstream[] = [];
const running: Running[] = [];
async function fake(options: Parameters<typeof startFakeUpstream>[0] = {}): Promise<FakeUpstream> {
  const f = await startFakeUpstream(options);
  fakes.push(f);
  return f;
}
function track<T extends Running>(run: T): T {
  running.push(run);
  return run;
}

beforeAll(() => {
  if (!existsSync(BIN) || !existsSync(join(ROOT, 'dist/cli/index.js'))) throw new Error('The lifecycle suite runs the built CLI: run `npm run build` first.');
});
afterEach(async () => {
  killLeftovers();
  await Promise.all(running.splice(0).map((run) => stop(run, 'SIGKILL')));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
afterAll(async () => {
  await removeHomes();
  await writeFigures('serve');
});

describe('serve never dies on a transient failure', () => {
  it('GitHub unreachable at start: stays up, /health says why, serves once the fake appears on that port (same process)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const relay = track(await serve([], childEnv(url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: FAKE_TOKEN })));
    const pid = relay.child.pid;
    const health = JSON.parse((await call(relay.url, '/health')).body);
    expect(health).toMatchObject({ status: 'ok', ready: false, reason: expect.stringMatching(/Waiting for a Copilot session: Can't reach GitHub/) });
    await sleep(2_500);
    expect(relay.alive()).toBe(true);
    const f = await fake({ port, accounts: [{ login: 'late', githubToken: FAKE_TOKEN }] });
    const first = await chat(relay.url);
    expect(first.status).toBe(200);
    expect(relay.child.pid).toBe(pid);
    expect(relay.alive()).toBe(true);
    expect(JSON.parse((await call(relay.url, '/health')).body)).toMatchObject({ ready: true, reason: null });
    figures.unreachableAtStart = { startToListeningMs: relay.startMs, stayedUpMs: 2_500, firstRequestAfterFakeAppearedMs: first.ms, exchanges: f.counters.exchanges, restarted: false };
    expect(await stop(relay)).toEqual({ code: 0, signal: null });
  });

  it('exchange 503 ×3 at start: 20 concurrent cold requests all succeed, ≤ 8 exchange attempts', async () => {
    const f = await fake({ exchangeFailures: 3, exchangeFailureStatus: 503 });
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? chat(relay.url) : messages(relay.url))));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(f.counters.exchanges).toBeLessThanOrEqual(8);
    expect(f.counters.maxExchangesInFlight).toBe(1);
    figures.exchange503x3 = { statuses: '20 × 200', exchanges: f.counters.exchanges, allDoneMs: Math.round(performance.now() - started) };
    expect(await stop(relay)).toEqual({ code: 0, signal: null });
  });

  it('exchange slower than the request wait: 503 + Retry-After in each dialect, process alive', async () => {
    const f = await fake({ exchangeLatencyMs: 60_000 });
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    const [openai, anthropic] = await Promise.all([chat(relay.url), messages(relay.url)]);
    for (const reply of [openai, anthropic]) {
      expect(reply.status).toBe(503);
      expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(reply.ms).toBeGreaterThanOrEqual(19_000);
      expect(reply.ms).toBeLessThan(25_000);
    }
    expect(JSON.parse(openai.body)).toMatchObject({ error: { code: 'not_ready', message: expect.stringMatching(/^No Copilot session yet/) } });
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/^No Copilot session yet/) } });
    expect(relay.alive()).toBe(true);
    figures.slowExchange = { status: 503, retryAfter: openai.headers['retry-after'], waitedMs: [openai.ms, anthropic.ms], alive: relay.alive() };
  }, 40_000);
});

describe('serve: revocation, shutdown, fatal start-up', () => {
  it('token revoked mid-run: a clear 401 in both dialects, and the relay keeps running', async () => {
    const f = await fake();
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    expect((await chat(relay.url)).status).toBe(200);
    f.revokeGithubToken(f.defaultToken);
    f.revokeSessionTokens();
    const [openai, anthropic] = await Promise.all([chat(relay.url), messages(relay.url)]);
    expect(openai.status).toBe(401);
    expect(JSON.parse(openai.body)).toMatchObject({ error: { type: 'authentication_error', code: 'token-revoked', message: expect.stringMatching(/sign/i) } });
    expect(anthropic.status).toBe(401);
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    // Retrying can't help until the user signs in again: the SDKs must not retry for minutes.
    expect([openai.headers['x-should-retry'], anthropic.headers['x-should-retry']]).toEqual(['false', 'false']);
    expect(relay.alive()).toBe(true);
    figures.revokedMidRun = { statuses: [openai.status, anthropic.status], alive: true };
  });

  it('SIGTERM with streams in flight: they finish, then exit 0', async () => {
    const f = await fake({ streamChunks: 10, streamIntervalMs: 100 });
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    const streams = Promise.all([chat(relay.url, { stream: true }), messages(relay.url, { stream: true }), chat(relay.url, { stream: true })]);
    await sleep(300);
    const signalled = performance.now();
    relay.child.kill('SIGTERM');
    const replies = await streams;
    const exit = await relay.exited;
    for (const reply of replies) expect(reply.status).toBe(200);
    expect(replies[0]!.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(sseEvents(replies[1]!.body).at(-1)?.event).toBe('message_stop');
    expect(exit).toEqual({ code: 0, signal: null });
    figures.sigtermWithStreams = { streams: 3, completed: replies.filter((r) => r.status === 200).length, exitCode: exit.code, exitAfterSignalMs: Math.round(performance.now() - signalled) };
  });

  it('a corrupt config.json: one line naming the file, no stack trace, exit 1', async () => {
    const home = await tempHome('{"port": 41');
    const result = await cliDone(['serve'], childEnv('http://127.0.0.1:9', home, { COPILOT_RELAY_GITHUB_TOKEN: FAKE_TOKEN }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(messageLines(result.stderr)).toEqual([expect.stringContaining(`The settings file ${join(home, 'config.json')} is not valid JSON`)]);
    expect(hasStackTrace(result.stderr)).toBe(false);
    figures.corruptConfig = { exitCode: result.code, line: messageLines(result.stderr)[0] };
  });

  it('"host": "0.0.0.0" in config.json without allow-remote and a key: refused, nothing listens on that port', async () => {
    const port = await freePort();
    const f = await fake();
    const result = await cliDone(['serve'], childEnv(f.url, await tempHome({ host: '0.0.0.0', port }), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken }));
    expect(result.code).toBe(1);
    expect(messageLines(result.stderr)).toEqual([expect.stringMatching(/^Refusing to serve beyond this machine \("host": "0\.0\.0\.0" in config\.json\)/)]);
    expect(listenersOn(port)).toEqual([]);
    figures.remoteHostInConfig = { exitCode: result.code, listenersOnPort: listenersOn(port) };
  });

  it('no keychain and no token: one line offering --insecure-storage, exit 1', async () => {
    const env = childEnv('http://127.0.0.1:9', await tempHome());
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const result = await cliDone(['serve'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(messageLines(result.stderr)).toEqual([expect.stringMatching(/^No system keychain available .*--insecure-storage/)]);
    figures.noKeychain = { exitCode: result.code, line: messageLines(result.stderr)[0] };
  });
});

describe('serve start-up time', () => {
  it('from start to Listening: with a cached session and with GitHub unreachable', async () => {
    const f = await fake();
    const home = await tempHome({ insecureStorage: true });
    const env = childEnv(f.url, home);
    const { FileSecretStore } = await import('../../src/main/core/secrets/file-store.js');
    await new FileSecretStore(home).set(`127.0.0.1:${new URL(f.url).port}`, f.defaultToken);
    // A first run caches the session (once it has one); later runs reuse it.
    const first = track(await serve([], env));
    expect((await chat(first.url)).status).toBe(200);
    await stop(first);
    const exchanges = f.counters.exchanges;
    const cached: number[] = [];
    for (let i = 0; i < 3; i++) {
      const relay = track(await serve([], env));
      cached.push(relay.startMs);
      await stop(relay);
    }
    expect(f.counters.exchanges).toBe(exchanges);
    const unreachable: number[] = [];
    for (let i = 0; i < 3; i++) {
      const relay = track(await serve([], childEnv('http://127.0.0.1:9', await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: FAKE_TOKEN })));
      unreachable.push(relay.startMs);
      await stop(relay);
    }
    figures.startToListeningMs = { cachedSession: cached, githubUnreachable: unreachable };
  }, 60_000);
});
