/**
 * Regressions of the hardening review's lifecycle findings (docs/hardening-2026-11.md), each on
 * the built CLI in child processes, reproduced the way the review did.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { sseEvents } from '../reliability/stack.js';
import { FileSecretStore } from '../../src/main/core/secrets/file-store.js';
import { BIN, chat, childEnv, cli, cliDone, messageLines, messages, killLeftovers, removeHomes, serve, sleep, start, stop, tempHome } from './harness.js';
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
afterEach(async () => {
  killLeftovers();
  await Promise.all(running.splice(0).map((run) => stop(run, 'SIGKILL')));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
afterAll(removeHomes);

const accountOf = (f: FakeUpstream) => `127.0.0.1:${new URL(f.url).port}`;

/** A home using the opt-in credential file, signed in with `token` (what `login --insecure-storage` leaves). */
async function fileStoreHome(f: FakeUpstream, token: string): Promise<{ home: string; store: FileSecretStore }> {
  const home = await tempHome({ insecureStorage: true });
  const store = new FileSecretStore(home);
  await store.set(accountOf(f), token);
  return { home, store };
}

const root = process.getuid?.() === 0;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/** Root without the capabilities that bypass file permissions: bound by modes like any owner. */
const NO_DAC_OVERRIDE = ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search'];
/**
 * As root, the way to lose root's power over file modes: run as nobody when nobody can reach the
 * build (a checkout under a 0700 directory, e.g. `mktemp -d`, is out of its reach), else stay root
 * without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH. Either way a 0555 directory refuses writes.
 */
const dropPrivileges = !root ? [] : spawnSync('setpriv', [...NOBODY, process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`]).status === 0 ? NOBODY : NO_DAC_OVERRIDE;
/** Runs the built CLI without root's power over file modes where we are root (setpriv), else as ourselves. */
function unprivileged(args: string[], env: NodeJS.ProcessEnv): Running {
  if (!root) return cli(args, env);
  return start('setpriv', [...dropPrivileges, '--', process.execPath, BIN, ...args], { env });
}

describe('hardening findings on the built CLI', () => {
  it('RT-05: the reader of stderr goes away (EPIPE): serve keeps serving', async () => {
    const f = await fake();
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    relay.child.stderr?.destroy();
    expect((await chat(relay.url)).status).toBe(200);
    await sleep(200); // the batched log line goes out (and fails) within 20 ms
    expect((await chat(relay.url)).status).toBe(200);
    expect(relay.alive()).toBe(true);
  });

  it('RT-06: logout by another process while serve runs: no request is served with the removed token, no session is written back', async () => {
    const f = await fake();
    const { home } = await fileStoreHome(f, f.defaultToken);
    const env = childEnv(f.url, home);
    const relay = track(await serve([], env));
    expect((await chat(relay.url)).status).toBe(200);
    const logout = await cliDone(['logout'], env);
    expect(logout.code).toBe(0);
    f.revokeSessionTokens(); // the next request needs a new session: serve must not mint one with the old token
    const after = await chat(relay.url);
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body).error.code).toBe('not-signed-in');
    expect(JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8'))).toEqual({});
  });

  it('RT-13: login (a new token) by another process while serve runs; the old one revoked: the first request already works', async () => {
    const f = await fake();
    const { home, store } = await fileStoreHome(f, f.defaultToken);
    const relay = track(await serve([], childEnv(f.url, home)));
    expect((await chat(relay.url)).status).toBe(200);
    const tokenB = f.addAccount({ login: 'hubot' });
    await store.set(accountOf(f), tokenB);
    await store.delete(`${accountOf(f)}#session`);
    f.revokeGithubToken(f.defaultToken);
    f.revokeSessionTokens();
    expect((await chat(relay.url)).status).toBe(200);
    expect((await chat(relay.url)).status).toBe(200);
  });

  it('RT-09: login whose Copilot check fails transiently exits 0 with the "not checked yet" line (not 13)', async () => {
    const f = await fake({ deviceInterval: 0, enforceSlowDown: false, exchangeFailures: 100 });
    const result = await cliDone(['login', '--insecure-storage'], childEnv(f.url, await tempHome()));
    expect(result.stdout).toContain('Signed in as octocat');
    expect(result.stderr).toContain('Signed in, but could not check Copilot access yet:');
    expect(result.code).toBe(0);
  });

  it('RT-10: a read-only settings location with an env token: status and serve work, nothing is written', async () => {
    const f = await fake();
    const home = await tempHome({ port: 4141, __internal__: { migrations: { version: '1.0.0' } } });
    await chmod(join(home, 'config.json'), 0o644);
    await chmod(home, 0o555);
    const env = childEnv(f.url, home, { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken });
    const status = unprivileged(['status', '--json'], env);
    expect(await status.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(status.stdout())).toMatchObject({ signedIn: true });
    const relay = track(unprivileged(['serve', '--port', '0'], env));
    const [, url] = await relay.line(/^Listening on (http:\/\/127\.0\.0\.1:\d+)\n/m);
    expect((await chat(url!)).status).toBe(200);
    // A read-only HOME and no COPILOT_RELAY_HOME: the default location need not exist or be creatable.
    const readOnlyHome = await tempHome();
    await chmod(readOnlyHome, 0o555);
    const { COPILOT_RELAY_HOME: _h, XDG_CONFIG_HOME: _x, ...rest } = env;
    const bare = unprivileged(['status', '--json'], { ...rest, HOME: readOnlyHome });
    expect((await bare.exited).code).toBe(0);
    expect(existsSync(join(readOnlyHome, '.config'))).toBe(false);
  });

  it('RT-14: with umask 000 the data dir is 0700 and config.json / credentials.json 0600', async () => {
    const f = await fake({ deviceInterval: 0, enforceSlowDown: false });
    const home = await tempHome();
    const { COPILOT_RELAY_HOME: _h, XDG_CONFIG_HOME: _x, ...env } = childEnv(f.url, home);
    const run = start('sh', ['-c', `umask 000; exec "${process.execPath}" "${BIN}" login --insecure-storage`], { env: { ...env, HOME: home } });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const dir = join(home, '.config', 'Copilot Relay');
    const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
    expect({ config: await mode(join(home, '.config')), data: await mode(dir), settings: await mode(join(dir, 'config.json')), credentials: await mode(join(dir, 'credentials.json')) }).toEqual({
      config: '700', data: '700', settings: '600', credentials: '600',
    });
  });

  it('RT-23: a damaged credentials.json: serve exits with the line naming it; logout removes the file', async () => {
    const home = await tempHome({ insecureStorage: true });
    await writeFile(join(home, 'credentials.json'), '{"x":"ghu_abc', { mode: 0o600 });
    const env = childEnv('http://127.0.0.1:9', home);
    const served = await cliDone(['serve', '--port', '0'], env);
    expect(served.code).toBe(1);
    expect(served.stdout).toBe('');
    expect(messageLines(served.stderr)).toEqual([expect.stringMatching(/^The credential file .*credentials\.json is damaged\. Run `copilot-relay logout`/)]);
    const logout = await cliDone(['logout'], env);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('removed the damaged credential file');
    expect(existsSync(join(home, 'credentials.json'))).toBe(false);
  });
});

describe('RT-12: shutdown', () => {
  it('streams past the grace end with a terminal error event in their dialect; the log says 499 shutdown, no misleading WARN', async () => {
    const f = await fake({ streamChunks: 40, streamIntervalMs: 250 });
    const relay = track(await serve([], childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken })));
    const long = [{ role: 'user', content: 'word '.repeat(60) }];
    const streams = Promise.all([chat(relay.url, { stream: true, messages: long }), messages(relay.url, { stream: true, messages: long })]);
    await sleep(800);
    relay.child.kill('SIGTERM');
    const [openai, anthropic] = await streams;
    const exit = await relay.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const lastOpenai = sseEvents(openai.body).at(-1)?.data as { error?: { code?: string } };
    expect(lastOpenai.error?.code).toBe('shutting_down');
    const lastAnthropic = sseEvents(anthropic.body).at(-1);
    expect(lastAnthropic).toMatchObject({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error' } } });
    expect(relay.stderr()).toMatch(/request method=POST path=\/v1\/chat\/completions model=gpt-4o status=499 reason=shutdown/);
    expect(relay.stderr()).not.toContain('Upstream stream failed mid-way');
  }, 30_000);

  it('a second signal exits at once; SIGHUP stops gracefully like SIGTERM, logs flushed', async () => {
    const f = await fake({ streamChunks: 40, streamIntervalMs: 250 });
    const env = childEnv(f.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f.defaultToken });
    const relay = track(await serve([], env));
    void chat(relay.url, { stream: true, messages: [{ role: 'user', content: 'word '.repeat(60) }] }).catch(() => undefined);
    await sleep(300);
    relay.child.kill('SIGTERM');
    relay.child.kill('SIGTERM'); // a copy of the same signal (a terminal's group + npm forwarding it): not a second one
    await sleep(500);
    expect(relay.alive()).toBe(true);
    const second = performance.now();
    relay.child.kill('SIGINT');
    expect(await relay.exited).toEqual({ code: 130, signal: null });
    expect(performance.now() - second).toBeLessThan(1_000);

    const f2 = await fake({ streamChunks: 4, streamIntervalMs: 100 });
    const hup = track(await serve([], childEnv(f2.url, await tempHome(), { COPILOT_RELAY_GITHUB_TOKEN: f2.defaultToken })));
    const stream = chat(hup.url, { stream: true });
    await sleep(150);
    hup.child.kill('SIGHUP');
    expect((await stream).body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await hup.exited).toEqual({ code: 0, signal: null });
    expect(hup.stderr()).toContain('Shutting down: letting in-flight requests finish');
    expect(hup.stderr()).toMatch(/status=200 .*stream=true/);
  }, 30_000);
});

describe('data dir on first use', () => {
  it('login without COPILOT_RELAY_HOME creates the folders it needs (and only those)', async () => {
    const f = await fake({ deviceInterval: 0, enforceSlowDown: false });
    const home = await tempHome();
    await mkdir(join(home, 'xdg'));
    const { COPILOT_RELAY_HOME: _h, ...env } = childEnv(f.url, home, { HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') });
    expect((await cliDone(['login', '--insecure-storage'], env)).code).toBe(0);
    expect(existsSync(join(home, 'xdg', 'Copilot Relay', 'config.json'))).toBe(true);
  });
});
