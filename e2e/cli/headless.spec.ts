import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startFakeUpstream } from '../../test/fake-github/index.js';
import type { FakeUpstream } from '../../test/fake-github/index.js';

// Layer C: the built CLI (bin/copilot-relay.js → dist/cli) as a user runs it, in child processes,
// against the fake upstream. Credentials go to the opt-in 0600 file in a throwaway COPILOT_RELAY_HOME.
const bin = fileURLToPath(new URL('../../bin/copilot-relay.js', import.meta.url));

test.describe.configure({ mode: 'serial' });

let fake: FakeUpstream;
let home: string;

test.beforeAll(async () => {
  fake = await startFakeUpstream({ deviceInterval: 1, pendingPolls: 1 });
  home = await mkdtemp(join(tmpdir(), 'relay-e2e-cli-'));
});

test.afterAll(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { COPILOT_RELAY_GITHUB_TOKEN: _drop, COPILOT_RELAY_API_KEY: _drop2, ...rest } = process.env;
  return { ...rest, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, ...extra };
}

function cli(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: env(extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function startServe(args: string[] = []): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const match = /^Listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match) resolve({ child, url: match[1]!, stderr: () => stderr });
    });
    child.on('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/** A raw request so the Host header can be forged (fetch won't let us). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function secrets(): string[] {
  return [fake.defaultToken, ...fake.issuedSessionTokens()];
}

test('serve without a sign-in exits non-zero with one line pointing at login', async () => {
  const result = await cli(['serve', '--port', '0', '--insecure-storage']);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain('copilot-relay login');
});

test('login shows the code, waits, and stores the token in a 0600 file', async () => {
  const result = await cli(['login', '--insecure-storage']);
  expect(result.code).toBe(0);
  const code = fake.lastDeviceCode()!.userCode;
  expect(result.stdout).toContain(code);
  expect(result.stdout).toContain(`${fake.url}/login/device`);
  expect(result.stdout).toMatch(/Waiting for you to authorize in the browser… \(Ctrl-C to cancel\)/);
  expect(result.stdout.split('\n')).toContain('Signed in as octocat');
  const file = await stat(join(home, 'credentials.json'));
  expect(file.mode & 0o777).toBe(0o600);
  for (const secret of secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
});

test('status --json prints exactly one object with the documented keys', async () => {
  const result = await cli(['status', '--json']);
  expect(result.code).toBe(0);
  const status = JSON.parse(result.stdout) as Record<string, unknown>;
  // The documented keys, then the usage ledger's (issue #16): the fake's plan is token-billed.
  expect(Object.keys(status)).toEqual(['signedIn', 'login', 'sku', 'expiresAt', 'apiBaseUrl', 'enterprise', 'mode', 'quota', 'unit', 'credits', 'limits', 'budget']);
  expect(status).toMatchObject({ signedIn: true, login: 'octocat', sku: 'monthly_subscriber', apiBaseUrl: fake.capiUrl, enterprise: null, mode: 'exchange', unit: 'credits', credits: { used: 0 }, limits: [], budget: null });
  expect(Date.parse(String(status.expiresAt))).toBeGreaterThan(Date.now());
  for (const secret of secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
});

test('serve proxies with the stored sign-in, enforces the guards, and stops cleanly on SIGTERM', async () => {
  const exchangesBefore = fake.counters.exchanges;
  const server = await startServe();
  try {
    const models = await fetch(`${server.url}/v1/models`);
    expect(models.status).toBe(200);
    const list = (await models.json()) as { data: { id: string }[] };
    expect(list.data.map((m) => m.id)).toContain('gpt-4o');
    // The session cached by login/status is reused: no new exchange for this process.
    expect(fake.counters.exchanges).toBe(exchangesBefore);

    const chat = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello from e2e' }] }),
    });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('Echo: hello from e2e');

    const port = new URL(server.url).port;
    expect((await rawGet(`${server.url}/v1/models`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await rawGet(`${server.url}/v1/models`, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).status).toBe(403);
    const health = await rawGet(`${server.url}/health`, { host: `localhost:${port}` });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ signedIn: true });
    for (const secret of secrets()) expect(health.body + server.stderr()).not.toContain(secret);
  } finally {
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});

test('a revoked GitHub token shows as signed out; logout removes the stored credentials', async () => {
  fake.revokeGithubToken(fake.defaultToken);
  const status = await cli(['status', '--json']);
  expect(status.code).not.toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: false });
  const logout = await cli(['logout']);
  expect(logout.code).toBe(0);
  const after = await cli(['status', '--json']);
  expect(JSON.parse(after.stdout)).toMatchObject({ signedIn: false, login: null });
});
