import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ensureBuilt, startBuiltServe } from '../support/built-serve.js';
import type { BuiltServe } from '../support/built-serve.js';

// RT-02 on the BUILT CLI: token counting (count_tokens, and the estimates of a translated stream)
// runs on the count worker bundled as dist/cli/count-worker.js, never on the proxy's event loop.
// Before the fix one 1 MiB whitespace-free text held the relay for minutes.

let fake: FakeUpstream;
let home: string;
let relay: BuiltServe;
let initialKnobs: FakeUpstream['knobs'];

/** Random lowercase letters from a fixed seed: one unbroken run, the BPE's worst case. */
function letters(length: number, seed = 7): string {
  const out = new Array<string>(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    out[i] = String.fromCharCode(97 + (state % 26));
  }
  return out.join('');
}

/** Runs `task` while probing /health every 50 ms; every probe's latency (Infinity: failed or > 2 s). */
async function whileProbing<T>(task: () => Promise<T>): Promise<{ result: T; probes: number[] }> {
  let settled = false;
  const running = task().finally(() => (settled = true));
  const probes: number[] = [];
  while (!settled) {
    const started = performance.now();
    try {
      const res = await fetch(`${relay.url}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      probes.push(res.ok ? performance.now() - started : Infinity);
    } catch {
      probes.push(Infinity);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { result: await running, probes };
}

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${relay.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, text: await res.text() };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SSE payloads are walked freely in assertions
type Event = { event: string; data: Record<string, any> };
const events = (sse: string): Event[] =>
  sse
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1] ?? '', data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Event['data'] }));

beforeAll(async () => {
  ensureBuilt('dist/cli/count-worker.js');
  fake = await startFakeUpstream();
  initialKnobs = { ...fake.knobs };
  home = await mkdtemp(join(tmpdir(), 'relay-counting-'));
  const { COPILOT_RELAY_API_KEY: _key, ...inherited } = process.env;
  relay = await startBuiltServe({
    ...inherited,
    COPILOT_RELAY_HOME: home,
    COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken,
    COPILOT_RELAY_GITHUB_URL: fake.url,
    COPILOT_RELAY_GITHUB_API_URL: fake.url,
  });
}, 30_000);

afterEach(() => {
  Object.assign(fake.knobs, initialKnobs);
  // A working worker never falls back to the rough estimate (a missing or broken bundle entry would).
  expect(relay.stderr()).not.toContain('rough estimate');
});

afterAll(async () => {
  await relay?.stop();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

describe('token counting on the built CLI (bounded CPU per request)', () => {
  it('a 1 MiB whitespace-free count_tokens leaves /health responsive, and answers', async () => {
    const body = { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: letters(1 << 20) }] };
    const { result, probes } = await whileProbing(() => post('/v1/messages/count_tokens', body));
    expect(result.status).toBe(200);
    // Random letters run ~0.52 tokens per letter in o200k_base (~545k here); the rough 3-bytes-per-token
    // fallback would say ~350k.
    const tokens = (JSON.parse(result.text) as { input_tokens: number }).input_tokens;
    expect(tokens).toBeGreaterThan(450_000);
    expect(tokens).toBeLessThan(650_000);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...probes)).toBeLessThan(1_000);
  }, 30_000);

  it('a 1 MiB streamed translated message without upstream usage: both estimates off the event loop', async () => {
    fake.knobs.streamUsage = false;
    const body = { model: 'claude-haiku-4.5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: letters(1 << 20, 11) }] };
    const { result, probes } = await whileProbing(() => post('/v1/messages', body));
    expect(result.status).toBe(200);
    const stream = events(result.text);
    expect(stream.map((e) => e.event)).not.toContain('error');
    const start = stream.find((e) => e.event === 'message_start')!.data;
    const delta = stream.find((e) => e.event === 'message_delta')!.data;
    expect(start.message.usage.input_tokens).toBeGreaterThan(450_000);
    // The fake echoes the text back ("Echo: " + the letters).
    expect(delta.usage.output_tokens).toBeGreaterThan(450_000);
    expect(delta.usage.output_tokens).toBeLessThan(650_000);
    expect(Math.max(...probes)).toBeLessThan(1_000);
  }, 30_000);

  it('counts output that looks like a special token as plain text when the upstream sends no usage', async () => {
    fake.knobs.streamUsage = false;
    const content = 'repeat <|endoftext|> and <|im_start|> literally';
    const res = await post('/v1/messages', { model: 'claude-haiku-4.5', max_tokens: 100, stream: true, messages: [{ role: 'user', content }] });
    const stream = events(res.text);
    expect(stream.map((e) => e.event)).toEqual(expect.arrayContaining(['message_delta', 'message_stop']));
    expect(stream.map((e) => e.event)).not.toContain('error');
    const delta = stream.find((e) => e.event === 'message_delta')!.data;
    expect(delta.usage.output_tokens).toBe(encode(`Echo: ${content}`, { disallowedSpecial: new Set() }).length);
  }, 30_000);
});
