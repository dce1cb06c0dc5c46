import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../../test/fake-github/index.js';
import { TestSessionProvider } from '../../../../test/proxy/session-provider.js';
import { eventually, raw } from '../../../../test/proxy/helpers.js';
import { silentLogger } from '../log/logger.js';
import { createProxyServer } from '../proxy/server.js';
import type { ProxyServer } from '../proxy/server.js';
import type { FinishedRequest, UsageObserver } from './observer.js';

let fake: FakeUpstream;
let proxy: ProxyServer;
let url: string;
const finished: FinishedRequest[] = [];
const observer: UsageObserver = { admit: () => null, observeUpstream: () => null, record: (r) => finished.push(r) };

beforeAll(async () => {
  fake = await startFakeUpstream();
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger: silentLogger, usage: observer, idleMemoryTrim: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe('usage observer seam', () => {
  it('gets every finished request once, with status, timing and the raw User-Agent', async () => {
    const host = new URL(url).host;
    const ok = await raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host, 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(ok.status).toBe(200);
    const missing = await raw(url, { path: '/nope', headers: { host } });
    expect(missing.status).toBe(404);
    await eventually(() => finished.length === 2);
    const [chat, notFound] = finished;
    expect(chat).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 200, userAgent: 'curl/8.5.0' });
    expect(chat!.requestId).toBe(ok.headers['x-request-id']);
    expect(chat!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(chat!.startedAt - Date.now())).toBeLessThan(10_000);
    expect(notFound).toMatchObject({ path: '/nope', status: 404, userAgent: null, upstreamEndpoint: null });
  });
});
