import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import { eventually, raw } from '../../../../test/proxy/helpers.js';
import { TestSessionProvider } from '../../../../test/proxy/session-provider.js';
import { createMemoryLogger } from '../log/logger.js';
import { createProxyServer } from './server.js';
import type { ProxyServer } from './server.js';

/** The proxy wires IdleMemoryTrim to its requests: trims after a quiet spell, never during a stream. */
type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;
let fake: Fake;
let proxy: ProxyServer;
let url: string;
const logger = createMemoryLogger();
const trims = () => logger.lines.filter((line) => line.includes('Idle: heap trimmed')).length;
const chat = (stream = false) =>
  raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }) });

beforeAll(async () => {
  fake = await startFakeUpstream();
  // minGrowthBytes 0: every quiet spell after requests counts (the heap-growth rule is unit-tested).
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, idleMemoryTrim: { idleMs: 150, minGrowthBytes: 0 }, shutdownGraceMs: 200 });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe('idle memory trim in the proxy', () => {
  it('trims the heap once the proxy has been quiet after requests, and logs it', async () => {
    for (let i = 0; i < 5; i++) expect((await chat()).status).toBe(200);
    const before = trims();
    await eventually(() => trims() > before, 3_000);
    expect(logger.lines.find((line) => line.includes('Idle: heap trimmed'))).toMatch(/fromMB=\d+ toMB=\d+/);
  });

  it('does not trim while a stream is still open', async () => {
    await eventually(() => trims() > 0, 3_000);
    Object.assign(fake.knobs, { streamChunks: 12, streamIntervalMs: 100 });
    try {
      const before = trims();
      const started = Date.now();
      const response = await chat(true);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThan(500);
      // The stream spans several 150 ms windows: none of them trimmed.
      expect(trims()).toBe(before);
      await eventually(() => trims() > before, 3_000);
    } finally {
      Object.assign(fake.knobs, { streamChunks: 3, streamIntervalMs: 0 });
    }
  });
});
