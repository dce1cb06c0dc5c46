import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import { eventually } from './helpers.js';
import { TestSessionProvider } from './session-provider.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake?.close();
});

async function startProxy(shutdownGraceMs: number) {
  const proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger: silentLogger, shutdownGraceMs });
  const { url } = await proxy.listen({ port: 0 });
  return { proxy, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, then closes', async () => {
    Object.assign(fake.knobs, { streamChunks: 5, streamIntervalMs: 40 });
    const { proxy, client } = await startProxy(3_000);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'finish me' }] });
    let text = '';
    let closing: Promise<void> | null = null;
    for await (const chunk of stream) {
      closing ??= proxy.close();
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    await closing;
    expect(text).toBe('Echo: finish me');
  });

  it('cuts streams that outlast the grace period', async () => {
    Object.assign(fake.knobs, { streamChunks: 100, streamIntervalMs: 50 });
    const { proxy, client } = await startProxy(150);
    const aborted = fake.counters.abortedRequests;
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'too long' }] });
    const started = Date.now();
    let closing: Promise<void> | null = null;
    await (async () => {
      for await (const _chunk of stream) closing ??= proxy.close();
    })().catch(() => undefined);
    await closing;
    expect(Date.now() - started).toBeLessThan(2_000);
    // The cut reaches the upstream too: the fake saw its stream aborted, not left running.
    await eventually(() => fake.counters.abortedRequests > aborted);
  });

  it('aborts the upstream call of a request still waiting for its answer when the grace period ends', async () => {
    const { proxy, client } = await startProxy(150);
    // The model list is read before any request is planned: have it before the upstream turns slow.
    await client.models.list();
    Object.assign(fake.knobs, { latencyMs: 5_000 });
    try {
      const aborted = fake.counters.abortedRequests;
      const pending = client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'slow' }] }).then(
        () => 'answered',
        () => 'failed',
      );
      await eventually(() => fake.requests.some((r) => r.path.endsWith('/chat/completions') && JSON.stringify(r.body ?? '').includes('slow')));
      const started = Date.now();
      await proxy.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await pending).toBe('failed');
      await eventually(() => fake.counters.abortedRequests > aborted);
    } finally {
      fake.knobs.latencyMs = 0;
    }
  });
});
