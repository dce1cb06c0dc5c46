import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCliOutput } from '../support/cli-output.js';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { main } from '../../src/main/cli/index.js';
import { openSettings } from '../../src/main/core/settings/store.js';
import { FileSecretStore } from '../../src/main/core/secrets/file-store.js';
import { API_KEY_ACCOUNT } from '../../src/main/core/secrets/secret-store.js';

let fake: FakeUpstream;
let home: string;

beforeAll(async () => {
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-serve-cli-'));
});
afterAll(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs `serve --port 0` through main, capturing its output, until it prints its Listening line or exits. */
async function runServe(env: NodeJS.ProcessEnv) {
  const { stdout, stderr, out, err } = captureCliOutput();
  const before = new Set(process.listeners('SIGTERM'));
  const running = main(['serve', '--port', '0'], { stdout, stderr, env });
  // main's own SIGTERM handler (emitting the real signal would also reach the test runner's).
  const onSigterm = () => process.listeners('SIGTERM').find((listener) => !before.has(listener))?.('SIGTERM');
  const deadline = Date.now() + 5000;
  while (!out().includes('\n') && Date.now() < deadline) {
    const settled = await Promise.race([running.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10))]);
    if (settled) break;
  }
  return { running, out, err, stop: onSigterm };
}

describe('copilot-relay serve --port 0 (main, real token core, fake upstream)', () => {
  it('prints exactly the Listening line, proxies, and exits 0 on its SIGTERM handler', async () => {
    const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
    const served = await runServe(env);
    const out = served.out();
    expect(out).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = out.trim().slice('Listening on '.length);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'via serve' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: via serve');
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ signedIn: true, mode: 'exchange' });
    served.stop();
    expect(await served.running).toBe(0);
    expect(served.out().split('\n').filter(Boolean)).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    const err = served.err();
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) {
      expect(err).not.toContain(secret);
      expect(JSON.stringify(health)).not.toContain(secret);
    }
    expect(err).toMatch(/INFO request method=POST path=\/v1\/chat\/completions model=gpt-4o status=200/);
  });
});

describe('copilot-relay serve with the tray app\'s API key setting', () => {
  it('requires the key kept in the credential store, and refuses to start when the setting is on without a key', async () => {
    const keyHome = await mkdtemp(join(tmpdir(), 'relay-serve-key-'));
    try {
      const env = { COPILOT_RELAY_HOME: keyHome, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
      const settings = openSettings({ cwd: keyHome });
      settings.set('insecureStorage', true);
      settings.set('apiKeyEnabled', true);
      const store = new FileSecretStore(keyHome);
      await store.set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);

      const refused = await runServe(env);
      expect(await refused.running).toBe(1);
      expect(refused.err()).toContain('The API key setting is on but no key is stored yet.');

      await store.set(API_KEY_ACCOUNT, 'cr-test-key-0123456789');
      const served = await runServe(env);
      const url = served.out().trim().slice('Listening on '.length);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, { headers: { 'x-api-key': 'cr-test-key-0123456789' } })).status).toBe(200);
      served.stop();
      expect(await served.running).toBe(0);
      expect(served.err()).not.toContain('cr-test-key-0123456789');
    } finally {
      await rm(keyHome, { recursive: true, force: true });
    }
  });
});
