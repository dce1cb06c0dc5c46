import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { main } from '../../src/main/cli/index.js';

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

describe('copilot-relay serve --port 0 (main, real token core, fake upstream)', () => {
  it('prints exactly the Listening line, proxies, and exits 0 on its SIGTERM handler', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
    const before = new Set(process.listeners('SIGTERM'));
    const running = main(['serve', '--port', '0'], { stdout, stderr, env });
    // main's own SIGTERM handler (emitting the real signal would also reach the test runner's).
    const onSigterm = process.listeners('SIGTERM').find((listener) => !before.has(listener))!;
    const deadline = Date.now() + 5000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(out).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = out.trim().slice('Listening on '.length);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'via serve' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: via serve');
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ signedIn: true, mode: 'exchange' });
    onSigterm('SIGTERM');
    expect(await running).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) {
      expect(err).not.toContain(secret);
      expect(JSON.stringify(health)).not.toContain(secret);
    }
    expect(err).toMatch(/INFO request method=POST path=\/v1\/chat\/completions model=gpt-4o status=200/);
  });
});
