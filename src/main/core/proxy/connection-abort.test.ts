import { getEventListeners } from 'node:events';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import { eventually } from '../../../../test/proxy/helpers.js';
import { TestSessionProvider } from '../../../../test/proxy/session-provider.js';
import { createMemoryLogger } from '../log/logger.js';
import { openaiRoutes } from './routes/openai.js';
import { createProxyServer } from './server.js';
import type { ProxyServer } from './server.js';

/**
 * The client-gone AbortSignal is shared by the requests of one keep-alive connection (cheaper than
 * one per request: request-context.ts). These check what that must not break: no listener pile-up
 * across many requests on one connection, and a disconnect still aborting the call in flight.
 */
type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;
let fake: Fake;
let proxy: ProxyServer;
let port: number;
const logger = createMemoryLogger();
// The real OpenAI routes, each noting the ctx.signal it was given (the one forward() passes upstream).
const signals: AbortSignal[] = [];
const routes = openaiRoutes.map((route) => ({ ...route, handle: (ctx: Parameters<typeof route.handle>[0]) => (signals.push(ctx.signal), route.handle(ctx)) }));

beforeAll(async () => {
  fake = await startFakeUpstream();
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, routes, upstreamTimeoutMs: 2_000, shutdownGraceMs: 200 });
  ({ port } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

function chat(agent: Agent, onRequest?: (req: ReturnType<typeof request>) => void): Promise<{ status: number; socketPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent, headers: { 'content-type': 'application/json' }, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socketPort: req.socket?.localPort ?? 0 }));
      },
    );
    req.on('error', reject);
    onRequest?.(req);
    req.end(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  });
}

describe('client-gone signal per connection', () => {
  it('serves many requests on one keep-alive connection without piling up abort listeners', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      const first = signals.length;
      for (let i = 0; i < 25; i++) {
        const { status, socketPort } = await chat(agent);
        expect(status).toBe(200);
        ports.add(socketPort);
        // undici, the body reader and the token manager remove their listeners once the response is
        // out, so the count never grows. (The session exchange's fetch, on the first request, holds
        // one weak listener until GC.)
        await eventually(() => getEventListeners(signals.at(-1)!, 'abort').length <= 1);
      }
      expect(ports.size).toBe(1);
      expect(new Set(signals.slice(first)).size).toBe(1);
      expect(signals.at(-1)!.aborted).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('aborts the upstream call when the client closes a connection that served requests before', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await chat(agent)).status).toBe(200);
      expect((await chat(agent)).status).toBe(200);
      fake.knobs.latencyMs = 1_000;
      const aborted = fake.counters.abortedRequests;
      const pending = chat(agent, (req) => setTimeout(() => req.destroy(), 100)).catch(() => 'gone');
      expect(await pending).toBe('gone');
      await eventually(() => fake.counters.abortedRequests > aborted);
      expect(signals.at(-1)!.aborted).toBe(true);
      expect(logger.lines.some((line) => line.includes('status=499'))).toBe(true);
    } finally {
      fake.knobs.latencyMs = 0;
      agent.destroy();
    }
  });
});
