import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureStream } from '../../../../test/support/cli-output.js';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import { main } from '../index.js';
import { run as runLogin } from './login.js';
import { mkdir, writeFile } from 'node:fs/promises';

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;


let fake: Fake;
let home: string;
const outputs: string[] = [];

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, HOME: home, ...extraEnv };
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, env });
  outputs.push(stdout.text(), stderr.text());
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeEach(async () => {
  fake = await startFakeUpstream();
  fake.knobs.deviceInterval = 0;
  home = await mkdtemp(join(tmpdir(), 'relay-cli-'));
});

afterEach(async () => {
  // No token in any output of any command of the test.
  const secrets = [fake.defaultToken, ...fake.issuedSessionTokens()];
  for (const text of outputs.splice(0)) for (const secret of secrets) expect(text).not.toContain(secret);
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe('copilot-relay login / status / logout (file store, against the fake upstream)', () => {
  it('signs in with the device flow, stores the token in a 0600 file, shows status, logs out', async () => {
    const login = await cli(['login', '--insecure-storage']);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const lines = login.stdout.split('\n');
    expect(lines).toContain(fake.lastDeviceCode()?.userCode);
    expect(login.stdout).toContain('/login/device');
    expect(login.stdout).toContain('Waiting for you to authorize in the browser… (Ctrl-C to cancel)');
    expect(login.stdout).toMatch(/Signed in as \S+/);

    const file = join(home, 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(home)).filter((name) => name.includes('credentials'))).toEqual(['credentials.json']);
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    expect(Object.values(stored)).toContain(fake.defaultToken);
    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as { insecureStorage: boolean; lastLogin: string };
    expect(config.insecureStorage).toBe(true);
    const exchangesAfterLogin = fake.counters.exchanges;

    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout) as Record<string, unknown>;
    // The documented keys, then the usage ledger's (issue #16).
    expect(Object.keys(json)).toEqual(['signedIn', 'login', 'sku', 'expiresAt', 'apiBaseUrl', 'enterprise', 'mode', 'quota', 'unit', 'credits', 'limits', 'budget']);
    expect(json).toMatchObject({ signedIn: true, login: config.lastLogin, mode: 'exchange', enterprise: null, apiBaseUrl: fake.capiUrl });
    expect(typeof json.expiresAt).toBe('string');
    expect(Date.parse(json.expiresAt as string)).toBeGreaterThan(Date.now());
    // The session cached at login is reused by the next process: no new exchange.
    expect(fake.counters.exchanges).toBe(exchangesAfterLogin);

    const text = await cli(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Signed in\s+yes$/m);
    expect(text.stdout).toMatch(/^Mode\s+token exchange$/m);
    expect(text.stdout).toContain(fake.capiUrl);

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('Signed out');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({});

    const after = await cli(['status', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ signedIn: false, login: null, expiresAt: null });
  });

  it('fails with one line when the user denies or the code expires', async () => {
    fake.knobs.deviceOutcome = 'deny';
    const denied = await cli(['login', '--insecure-storage']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toContain('cancelled on GitHub');
    fake.knobs.deviceOutcome = 'expire';
    const expired = await cli(['login', '--insecure-storage']);
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toContain('expired');
  });

  it('status with a revoked GitHub token reports signed out, non-zero, one line', async () => {
    expect((await cli(['login', '--insecure-storage'])).code).toBe(0);
    fake.revokeGithubToken(fake.defaultToken);
    const status = await cli(['status', '--json']);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: false, expiresAt: null });
    expect(status.stderr.trim().split('\n')).toHaveLength(1);
    expect(status.stderr).toContain('Sign in again');
    // The stored token stays until the user logs out or signs in again; the cached session is gone.
    const stored = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(stored).filter((key) => key.endsWith('#session'))).toEqual([]);
  });

  it('uses COPILOT_RELAY_GITHUB_TOKEN without persisting anything', async () => {
    const status = await cli(['status', '--json'], { COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true });
    expect(await readdir(home)).not.toContain('credentials.json');
  });

  it('rejects unknown options with a clear one-line error', async () => {
    const result = await cli(['login', '--bogus']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--bogus');
  });

  it('--import reuses an editor sign-in (only when asked) and --enterprise is saved and shown', async () => {
    await mkdir(join(home, '.config', 'github-copilot'), { recursive: true });
    await writeFile(join(home, '.config', 'github-copilot', 'apps.json'), JSON.stringify({ 'octo.ghe.com:Iv1.b507a08c87ecfe98': { user: 'octocat', oauth_token: fake.defaultToken } }));
    const login = await cli(['login', '--import', '--enterprise', 'octo.ghe.com', '--insecure-storage'], { XDG_CONFIG_HOME: '' });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('apps.json');
    expect(login.stdout).toContain('Signed in as octocat');
    expect(fake.lastDeviceCode()).toBeNull();
    const stored = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8')) as Record<string, string>;
    expect(stored['octo.ghe.com']).toBe(fake.defaultToken);
    const status = await cli(['status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true, enterprise: 'octo.ghe.com', login: 'octocat' });
  });

  it('Ctrl-C while waiting cancels the sign-in', async () => {
    fake.knobs.deviceOutcome = 'manual';
    const controller = new AbortController();
    const stdout = captureStream();
    const stderr = captureStream();
    const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
    const pending = runLogin({ argv: ['--insecure-storage'], stdout: stdout.stream, stderr: stderr.stream, env, debug: false, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stdout.text()).toContain(fake.lastDeviceCode()!.userCode);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('--debug output (every log line, errors with stacks) contains no token', async () => {
    expect((await cli(['login', '--insecure-storage', '--debug'])).code).toBe(0);
    await cli(['logout', '--debug']);
    expect((await cli(['login', '--insecure-storage', '--debug'])).code).toBe(0);
    // Force an exchange that fails: the cached session is dropped by a revoked-then-restored account.
    const file = join(home, 'credentials.json');
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    for (const key of Object.keys(stored)) if (key.endsWith('#session')) delete stored[key];
    await writeFile(file, JSON.stringify(stored), { mode: 0o600 });
    fake.knobs.exchangeFailures = 1;
    fake.knobs.exchangeFailureStatus = 502;
    const failed = await cli(['status', '--json', '--debug']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('HTTP 502');
    const ok = await cli(['status', '--debug']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('INFO Copilot session refreshed');
  });
});
