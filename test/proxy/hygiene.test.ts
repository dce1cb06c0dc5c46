/**
 * Connection and request hygiene of the proxy server (hardening findings RT-07, RT-20, RT-21,
 * RT-22, RT-26, RT-27), in process against the fake upstream. The built-CLI side of RT-07 (an fd
 * limit and 1,100 idle sockets) is in test/net/hygiene-built-cli.test.ts.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { errorFromUpstream } from '../../src/main/core/proxy/errors.js';
import type { Route } from '../../src/main/core/proxy/route.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer, ProxyServerOptions } from '../../src/main/core/proxy/server.js';
import { TestSessionProvider } from './session-provider.js';
import { eventually, raw } from './helpers.js';

let fake: FakeUpstream;
const proxies: ProxyServer[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  fake.reset();
});
afterAll(async () => {
  await fake?.close();
});

async function start(options: Partial<ProxyServerOptions> = {}) {
  const logger = createMemoryLogger();
  const proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, shutdownGraceMs: 200, ...options });
  proxies.push(proxy);
  const { url, port } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  return { proxy, url, port, logger, host: `127.0.0.1:${port}` };
}

/** A raw TCP connection that collects everything it receives. */
function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

const connectionCount = (proxy: ProxyServer) => new Promise<number>((resolve, reject) => proxy.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
async function untilConnections(proxy: ProxyServer, count: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while ((await connectionCount(proxy)) !== count) {
    if (Date.now() > deadline) throw new Error(`proxy connections did not reach ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const chatBody = (model = 'gpt-4o', extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const post = (url: string, host: string, path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  raw(url, { method: 'POST', path, headers: { host, 'content-type': 'application/json', ...headers }, body });

describe('RT-07: connections that never send a request', () => {
  it('get 408 and are closed after the first-request timeout; a connection that sends in time is served', async () => {
    const { port, host } = await start({ connections: { firstRequestTimeoutMs: 300 } });
    const idle = await open(port);
    const prompt = await open(port);
    setTimeout(() => prompt.socket.write(`GET /health HTTP/1.1\r\nhost: ${host}\r\n\r\n`), 100);
    const started = performance.now();
    await idle.closed;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(idle.received().split('\r\n\r\n')[1]!)).toMatchObject({ error: { code: 'request_timeout' } });
    await eventually(() => prompt.received().includes('"status":"ok"'));
    expect(prompt.socket.destroyed).toBe(false);
  });

  it('a request that waits upstream longer than the first-request timeout is not cut', async () => {
    const { url, host } = await start({ connections: { firstRequestTimeoutMs: 200 } });
    fake.knobs.latencyMs = 600;
    const res = await post(url, host, '/v1/chat/completions', chatBody());
    expect(res.status).toBe(200);
  });

  it('at the connection cap, the longest-idle connection makes room (408); when all are busy the newcomer gets 503', async () => {
    const { url, port, host } = await start({ connections: { maxConnections: 3, firstRequestTimeoutMs: 10_000 } });
    const idle = [await open(port), await open(port), await open(port)];
    // A fourth connection with a request: the oldest idle one is closed for it.
    const served = await post(url, host, '/v1/chat/completions', chatBody(), { connection: 'close' });
    expect(served.status).toBe(200);
    await idle[0]!.closed;
    expect(idle[0]!.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(idle[1]!.socket.destroyed).toBe(false);
    for (const conn of idle) conn.socket.destroy();
    await untilConnections(proxies[0]!, 0);
    // Three streams hold every slot; the next connection is refused with a clear 503.
    Object.assign(fake.knobs, { streamChunks: 20, streamIntervalMs: 50 });
    const streams = [await open(port), await open(port), await open(port)];
    const body = chatBody('gpt-4o', { stream: true });
    for (const conn of streams) conn.socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await eventually(() => streams.every((conn) => conn.received().includes('data: ')));
    const refused = await open(port);
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused.received()).toMatch(/\r\nretry-after: 1\r\n/);
    expect(JSON.parse(refused.received().split('\r\n\r\n')[1]!)).toMatchObject({ error: { code: 'too_many_connections' } });
    // The streams were not disturbed.
    await eventually(() => streams.every((conn) => conn.received().includes('data: [DONE]')), 5_000);
  });
});

describe('RT-20: HEAD on GET routes', () => {
  it('answers HEAD /health and HEAD /v1/models like GET, without a body', async () => {
    const { url, host, port } = await start();
    for (const path of ['/health', '/v1/models', '/models']) {
      const get = await raw(url, { method: 'GET', path, headers: { host } });
      const head = await raw(url, { method: 'HEAD', path, headers: { host } });
      expect(head.status, path).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
    }
    // A raw HEAD (as `wget --spider` sends it) gets headers only, and the connection stays usable.
    const conn = await open(port);
    conn.socket.write(`HEAD /health HTTP/1.1\r\nhost: ${host}\r\n\r\nGET /health HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    await conn.closed;
    const answers = conn.received().split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
    expect(answers[1]).toContain('"status":"ok"');
  });

  it('lists HEAD where GET is allowed (405 Allow, CORS preflight)', async () => {
    const { url, host } = await start();
    const put = await raw(url, { method: 'PUT', path: '/v1/models', headers: { host } });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    const preflight = await raw(url, { method: 'OPTIONS', path: '/v1/models', headers: { host, origin: 'http://localhost:3000', 'access-control-request-method': 'HEAD' } });
    expect(preflight.headers['access-control-allow-methods']).toContain('HEAD');
  });
});

describe('RT-21: a client that half-closes after its request', () => {
  it('still gets the answer, then the connection closes (a chat that goes upstream, the model list, /health)', async () => {
    const { url, port, host } = await start();
    await raw(url, { method: 'GET', path: '/v1/models', headers: { host } }); // the catalogue is cached now
    fake.knobs.latencyMs = 300; // the answer comes long after the FIN
    const body = chatBody();
    const chat = `POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    for (const request of [chat, `GET /v1/models HTTP/1.1\r\nhost: ${host}\r\n\r\n`, `GET /health HTTP/1.1\r\nhost: ${host}\r\n\r\n`]) {
      const conn = await open(port);
      conn.socket.end(request); // like `nc -N`: shutdown(SHUT_WR) right after the request
      await conn.closed;
      expect(conn.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      const body = conn.received().split('\r\n\r\n').slice(1).join('\r\n\r\n');
      expect(body.length).toBeGreaterThan(10);
    }
  });

  it('a client that closes while its request waits on the Copilot API still cancels the upstream call', async () => {
    const { port, host } = await start();
    fake.knobs.latencyMs = 1_000;
    const aborted = fake.counters.abortedRequests;
    const conn = await open(port);
    const body = chatBody();
    conn.socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await eventually(() => fake.requests.some((r) => r.path === '/capi/chat/completions'));
    conn.socket.end(); // a FIN after the request, not with it: a client giving up
    await eventually(() => fake.counters.abortedRequests > aborted);
  });
});

describe('RT-22: compressed request bodies', () => {
  it('answer 415 naming Content-Encoding, in the route\'s dialect', async () => {
    const { url, host } = await start();
    const gz = gzipSync(chatBody());
    const openai = await post(url, host, '/v1/chat/completions', gz, { 'content-encoding': 'gzip' });
    expect(openai.status).toBe(415);
    expect(openai.headers['accept-encoding']).toBe('identity');
    expect(JSON.parse(openai.body).error).toMatchObject({ code: 'unsupported_content_encoding', message: expect.stringContaining('Content-Encoding: gzip') });
    const anthropic = await post(url, host, '/v1/messages', gzipSync('{}'), { 'content-encoding': 'br', 'anthropic-version': '2023-06-01' });
    expect(anthropic.status).toBe(415);
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('Content-Encoding: br') } });
    // `identity` is no encoding at all.
    expect((await post(url, host, '/v1/chat/completions', chatBody(), { 'content-encoding': 'identity' })).status).toBe(200);
  });
});

describe('RT-26: concurrent large bodies', () => {
  it('serve large bodies within the budget at once, answer 503 past it, and admit again once one is done', async () => {
    const { url, host } = await start({ bodyLimitBytes: 4 * 1024 * 1024, largeBodyBudgetBytes: 5 * 1024 * 1024 });
    fake.knobs.latencyMs = 400;
    const big = chatBody('gpt-4o', { padding: 'x'.repeat(2 * 1024 * 1024) });
    const chunked = (body: string) => raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body });
    // fetch, as the SDKs use it: a client still uploading must get the 503, not EPIPE on a closed socket.
    const viaFetch = async (body: string) => {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, headers: { 'retry-after': res.headers.get('retry-after') ?? undefined }, body: await res.text() };
    };
    const [a, b, c, d] = await Promise.all([post(url, host, '/v1/chat/completions', big), viaFetch(big), viaFetch(big), chunked(big)]);
    const statuses = [a, b, c, d].map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    const busy = [a, b, c, d].find((r) => r.status === 503)!;
    expect(busy.headers['retry-after']).toBe('1');
    expect(JSON.parse(busy.body).error.code).toBe('server_busy');
    // Small bodies never count, and the budget is free again afterwards.
    fake.knobs.latencyMs = 0;
    expect((await post(url, host, '/v1/chat/completions', chatBody())).status).toBe(200);
    expect((await Promise.all([post(url, host, '/v1/chat/completions', big), chunked(big)])).map((r) => r.status)).toEqual([200, 200]);
  });

  it('always serves a single body up to the body limit, even one larger than the budget', async () => {
    const { url, host } = await start({ bodyLimitBytes: 4 * 1024 * 1024, largeBodyBudgetBytes: 1024 * 1024 });
    const res = await post(url, host, '/v1/chat/completions', chatBody('gpt-4o', { padding: 'x'.repeat(3 * 1024 * 1024) }));
    expect(res.status).toBe(200);
  });
});

describe('RT-27: internal failures', () => {
  it('are logged with the request id, also without --debug: a route that throws, and one that answers through the error mapper', async () => {
    const throwing: Route = { method: 'POST', path: '/v1/chat/completions', dialect: 'openai', handle: () => Promise.reject(new RangeError('Maximum call stack size exceeded')) };
    const mapped: Route = {
      method: 'POST',
      path: '/v1/messages',
      dialect: 'anthropic',
      handle: async (ctx) => {
        // What the forwarding pipeline does with a failure it catches.
        errorFromUpstream(ctx.res, 'anthropic', new TypeError("Cannot read properties of undefined (reading 'content')"));
      },
    };
    const { url, host, logger } = await start({ routes: [throwing, mapped] });
    for (const [path, kind] of [['/v1/chat/completions', 'RangeError'], ['/v1/messages', 'TypeError']] as const) {
      const res = await post(url, host, path, chatBody(), { 'anthropic-version': '2023-06-01' });
      expect(res.status).toBe(500);
      expect(res.body).not.toContain(kind);
      const id = String(res.headers['x-request-id']);
      await eventually(() => logger.lines.some((line) => line.includes('ERROR Internal error') && line.includes(`id=${id}`) && line.includes(kind)));
      expect(logger.lines.filter((line) => line.includes(`id=${id}`) && line.includes('ERROR'))).toHaveLength(1);
    }
  });
});
