import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../../test/fake-github/index.js';
import { captureCliOutput } from '../../../../test/support/cli-output.js';
import { main } from '../index.js';
import { parseServeArgs } from './serve.js';

let fake: FakeUpstream;
const homes: string[] = [];
beforeAll(async () => {
  fake = await startFakeUpstream({ deviceInterval: 0, enforceSlowDown: false });
});
afterAll(async () => {
  await fake?.close();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

async function newHome(config?: unknown): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'relay-serve-'));
  homes.push(home);
  if (config !== undefined) await writeFile(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

function env(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, ...extra };
}

/** Runs `serve` through main until it prints its Listening line or exits; `stop` calls main's own SIGTERM handler. */
async function serve(args: string[], environment: NodeJS.ProcessEnv, io: { stdinIsTTY?: boolean } = {}) {
  const { stdout, stderr, out, err } = captureCliOutput();
  const before = new Set(process.listeners('SIGTERM'));
  const running = main(['serve', '--port', '0', ...args], { stdout, stderr, env: environment, ...io });
  const ours = process.listeners('SIGTERM').find((listener) => !before.has(listener));
  const deadline = Date.now() + 10_000;
  while (!out().includes('Listening on') && Date.now() < deadline) {
    if (await Promise.race([running.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10))])) break;
  }
  const url = /Listening on (\S+)/.exec(out())?.[1] ?? null;
  return { running, out, err, url, stop: () => ours?.('SIGTERM') };
}

describe('parseServeArgs', () => {
  it('takes flags as given and leaves the rest to the settings', () => {
    expect(parseServeArgs({ argv: [], env: {} })).toEqual({ port: undefined, host: undefined, apiKey: null, allowRemote: false, logBodies: false, insecureStorage: false, login: false });
    expect(parseServeArgs({ argv: ['--port', '5000', '--host', 'localhost', '--login'], env: {} })).toMatchObject({ port: 5000, host: 'localhost', login: true });
    expect(() => parseServeArgs({ argv: ['--port', '99999'], env: {} })).toThrow(/Invalid --port/);
  });
});

describe('copilot-relay serve (main, real service, fake upstream)', () => {
  it('prints exactly the Listening line, proxies, logs bodies with --log-bodies (RT-24), exits 0 on SIGTERM', async () => {
    const served = await serve(['--log-bodies'], env(await newHome(), { COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken }));
    expect(served.out()).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const chat = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'body-marker' }] }) });
    expect(chat.status).toBe(200);
    served.stop();
    expect(await served.running).toBe(0);
    expect(served.out().split('\n').filter(Boolean)).toHaveLength(1);
    expect(served.err()).toMatch(/DEBUG request body .*body-marker/);
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(served.err()).not.toContain(secret);
  });

  it('without a sign-in: one line pointing at login, nothing on stdout, exit 1 (also with --login when stdin is no terminal)', async () => {
    for (const args of [[], ['--login']]) {
      const served = await serve(['--insecure-storage', ...args], env(await newHome()));
      expect(await served.running).toBe(1);
      expect(served.out()).toBe('');
      expect(served.err().trim().split('\n')).toEqual(['Not signed in to GitHub. Run `copilot-relay login` first.']);
    }
  });

  it('--login at a terminal without a sign-in: the device flow right there, then serving', async () => {
    const home = await newHome();
    const served = await serve(['--login', '--insecure-storage'], env(home), { stdinIsTTY: true });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const code = fake.lastDeviceCode()!.userCode;
    expect(served.out()).toContain(`Open ${fake.url}/login/device and enter this code:\n${code}\n`);
    expect(served.err()).toContain('Signed in as octocat');
    expect((await fetch(`${served.url}/v1/models`)).status).toBe(200);
    served.stop();
    expect(await served.running).toBe(0);
  });

  it('a busy port, a refused host, the key setting without a key: one line each, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const token = { COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken };
    try {
      const cases: [string[], object | undefined, string][] = [
        [['--port', String(port)], undefined, `Port ${port} is in use — pass --port or stop the other process.`],
        [['--host', '0.0.0.0'], undefined, 'Refusing to serve beyond this machine (--host 0.0.0.0)'],
        [['--host', '0.0.0.0', '--allow-remote'], undefined, 'Serving beyond this machine (--host 0.0.0.0) requires an API key.'],
        [[], { host: '0.0.0.0' }, 'Refusing to serve beyond this machine ("host": "0.0.0.0" in config.json)'],
        [[], { apiKeyEnabled: true }, 'The API key setting is on but no key is stored yet.'],
      ];
      for (const [args, config, line] of cases) {
        const served = await serve(args, env(await newHome(config), token));
        expect(await served.running).toBe(1);
        expect(served.err().trim().split('\n').filter((l) => !/^\S+Z (?:INFO|WARN|DEBUG) /.test(l))).toEqual([expect.stringContaining(line)]);
      }
    } finally {
      blocker.close();
    }
  });
});
