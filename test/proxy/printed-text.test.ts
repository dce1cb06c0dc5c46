import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ensureBuilt, startBuiltServe } from '../support/built-serve.js';
import type { BuiltServe } from '../support/built-serve.js';
import { eventually } from './helpers.js';

// On the BUILT CLI, what the relay prints about a request: RT-17, a model name carrying terminal
// controls or bidi overrides reaches the request log line escaped, never raw (a C1 CSI would clear or
// recolour the operator's terminal); RT-18, the 401 help text survives the redactor.

let fake: FakeUpstream;
let home: string;
let relay: BuiltServe;
const API_KEY = 'relay-key-FAKE-0001';

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-log-injection-'));
  const { COPILOT_RELAY_API_KEY: _key, ...inherited } = process.env;
  relay = await startBuiltServe({ ...inherited, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_API_KEY: API_KEY });
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

describe('request log line with a hostile model name (built CLI)', () => {
  it('escapes C1 controls and bidi overrides on chat and messages', async () => {
    const model = 'gpt-4o\u009b2J\u009b31mFAKE\u202e\u2066x\u2069\u009d0;t\u009c';
    const post = (path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) }).then((res) => res.text());
    await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
    await post('/v1/messages', { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    await eventually(() => (relay.stderr().match(/ request method=POST/g) ?? []).length >= 2, 5_000);
    const lines = relay.stderr().split('\n').filter((line) => line.includes(' request method=POST'));
    for (const line of lines) {
      expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
      expect(line).toContain('model="gpt-4o\\u009b2J\\u009b31mFAKE\\u202e\\u2066x\\u2069\\u009d0;t\\u009c"');
    }
  });

  it('answers a missing API key with the intended help text (the placeholder is not redacted)', async () => {
    const openai = await fetch(`${relay.url}/v1/models`);
    expect(openai.status).toBe(401);
    const body = (await openai.json()) as { error: { message: string } };
    expect(body.error.message).toBe('Missing or wrong API key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.');
    const anthropic = await fetch(`${relay.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(((await anthropic.json()) as { error: { message: string } }).error.message).toContain('`Authorization: Bearer <key>`');
  });
});
