import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
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
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'too long' }] });
    const started = Date.now();
    let closing: Promise<void> | null = null;
    await (async () => {
      for await (const _chunk of stream) closing ??= proxy.close();
    })().catch(() => undefined);
    await closing;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
