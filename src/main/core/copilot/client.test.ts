import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../log/logger.js';
import type { CopilotSession, SessionProvider } from '../token/session.js';
import { CopilotClient } from './client.js';

/** A tiny upstream that accepts only the current token, to test the retry rule in isolation. */
let server: Server;
let base: string;
let validToken = 'tid=FAKE;exp=1:aaaa1111bbbb2222';
const seen: IncomingHttpHeaders[] = [];
let alwaysRefuse = false;
/** Upstream connections accepted (keep-alive reuse keeps this low). */
let connections = 0;
/** 403 bodies by path: a policy refusal, a token problem, or something unrecognised. */
const FORBIDDEN: Record<string, string> = {
  '/policy': '{"error":{"message":"You are not authorized to use this Copilot feature, it requires an enterprise or organization policy to be enabled."}}',
  '/expired': '{"error":{"message":"unauthorized: token expired"}}',
  '/odd': '{"error":{"message":"Forbidden"}}',
};

class Sessions implements SessionProvider {
  minted = 0;
  invalidated: string[] = [];
  private token: string | null = null;
  async getSession(): Promise<CopilotSession> {
    if (!this.token) {
      this.minted++;
      this.token = validToken;
    }
    return { token: this.token, mode: 'exchange', apiBaseUrl: base, sku: null, receivedAt: 0, expiresAt: Infinity, refreshAt: Infinity };
  }
  invalidate(token: string): void {
    this.invalidated.push(token);
    if (this.token === token) this.token = null;
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      if (req.url === '/hang') return;
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.alloc(200_000, 0x20));
        return;
      }
      if (req.url === '/trickle') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial":');
        return;
      }
      if (req.url === '/broken-200' || req.url === '/broken-500') {
        res.writeHead(req.url === '/broken-200' ? 200 : 500, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"error":');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const forbidden = FORBIDDEN[req.url ?? ''];
      if (forbidden) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(forbidden);
        return;
      }
      if (alwaysRefuse || req.headers.authorization !== `Bearer ${validToken}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"unauthorized: token expired"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// Each rule holds for answers streamed and for answers read whole (`stream: false`, whole-answer.ts).
describe.each([{ stream: undefined }, { stream: false }])('CopilotClient (stream: $stream)', ({ stream }) => {
  it('sends the Copilot headers and the session Bearer', async () => {
    const sessions = new Sessions();
    const client = new CopilotClient({ sessions, logger: silentLogger });
    const res = await client.request({ stream, method: 'POST', path: '/chat/completions', body: { a: 1 }, intent: 'conversation-panel', initiator: 'agent', requestId: 'req-1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const headers = seen.at(-1)!;
    expect(headers['x-initiator']).toBe('agent');
    expect(headers['x-request-id']).toBe('req-1');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['editor-version']).toBeTruthy();
    await client.close();
  });

  it('invalidates and retries exactly once on 401', async () => {
    const sessions = new Sessions();
    const client = new CopilotClient({ sessions, logger: silentLogger });
    await (await client.request({ stream, method: 'GET', path: '/models', intent: 'model-access' })).dump();
    const old = validToken;
    validToken = `${old}-next`;
    const before = seen.length;
    const res = await client.request({ stream, method: 'GET', path: '/models', intent: 'model-access' });
    expect(res.status).toBe(200);
    await res.dump();
    expect(seen.length - before).toBe(2);
    expect(sessions.invalidated).toEqual([old]);
    expect(sessions.minted).toBe(2);
    await client.close();
  });

  it('never loops: a second 401 is returned to the caller', async () => {
    alwaysRefuse = true;
    try {
      const sessions = new Sessions();
      const client = new CopilotClient({ sessions, logger: silentLogger });
      const before = seen.length;
      const res = await client.request({ stream, method: 'GET', path: '/models', intent: 'model-access' });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('token expired');
      expect(seen.length - before).toBe(2);
      await client.close();
    } finally {
      alwaysRefuse = false;
    }
  });

  it('RT-04: passes a policy 403 on with its body, keeping the session (no re-exchange, one upstream call)', async () => {
    const sessions = new Sessions();
    const client = new CopilotClient({ sessions, logger: silentLogger });
    const before = seen.length;
    for (let i = 0; i < 5; i++) {
      const res = await client.request({ stream, method: 'POST', path: '/policy', body: { model: 'gpt-4.1' }, intent: 'conversation-panel' });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual(JSON.parse(FORBIDDEN['/policy']!));
    }
    expect(seen.length - before).toBe(5);
    expect(sessions.invalidated).toEqual([]);
    expect(sessions.minted).toBe(1);
  });

  it('RT-04: an unrecognised 403 re-exchanges at most once per session token, then passes on', async () => {
    const sessions = new Sessions();
    const client = new CopilotClient({ sessions, logger: silentLogger });
    const before = seen.length;
    const first = await client.request({ stream, method: 'POST', path: '/odd', body: {}, intent: 'conversation-panel' });
    expect(first.status).toBe(403);
    expect(await first.text()).toContain('Forbidden');
    expect(seen.length - before).toBe(2);
    expect(sessions.minted).toBe(2);
    for (let i = 0; i < 5; i++) {
      const res = await client.request({ stream, method: 'POST', path: '/odd', body: {}, intent: 'conversation-panel' });
      expect(res.status).toBe(403);
      await res.dump();
    }
    expect(seen.length - before).toBe(7);
    expect(sessions.invalidated).toHaveLength(1);
    expect(sessions.minted).toBe(2);
  });

  it('a 403 about the token (expired) re-exchanges and retries once, like a 401', async () => {
    const sessions = new Sessions();
    const client = new CopilotClient({ sessions, logger: silentLogger });
    const before = seen.length;
    const res = await client.request({ stream, method: 'POST', path: '/expired', body: {}, intent: 'conversation-panel' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('token expired');
    expect(seen.length - before).toBe(2);
    expect(sessions.invalidated).toHaveLength(1);
  });

  it('reuses upstream connections (keep-alive)', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    await (await client.request({ stream, method: 'GET', path: '/models', intent: 'model-access' })).dump();
    const opened = connections;
    for (let i = 0; i < 20; i++) {
      const res = await client.request({ stream, method: 'POST', path: '/chat/completions', body: { i }, intent: 'conversation-panel' });
      expect(await res.json()).toEqual({ ok: true });
    }
    expect(connections - opened).toBe(0);
  });

  it('fails with a headers timeout (mapped to 504) when the upstream does not answer in time', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger, headersTimeoutMs: 150 });
    const started = performance.now();
    await expect(client.request({ stream, method: 'POST', path: '/hang', body: {}, intent: 'conversation-panel' })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('aborts the upstream call with the caller\'s signal', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    const controller = new AbortController();
    const pending = client.request({ stream, method: 'POST', path: '/hang', body: {}, intent: 'conversation-panel', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client gone')), 50);
    await expect(pending).rejects.toThrow('client gone');
  });

});

describe('CopilotClient, answers read whole (stream: false)', () => {
  it('gives the body at once, the same bytes as streamed, and dump() is a no-op', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    const whole = await client.request({ method: 'POST', path: '/big', body: {}, intent: 'conversation-panel', stream: false });
    const streamed = await client.request({ method: 'POST', path: '/big', body: {}, intent: 'conversation-panel' });
    const bytes = await whole.bytes();
    expect(bytes.length).toBe(200_000);
    expect(bytes.equals(await streamed.bytes())).toBe(true);
    await whole.dump();
    // The body stream is still there for a reader that wants one.
    const again = await client.request({ method: 'POST', path: '/big', body: {}, intent: 'conversation-panel', stream: false });
    let size = 0;
    for await (const chunk of again.body) size += chunk.length;
    expect(size).toBe(200_000);
  });

  it('refuses a body past the limit of bytes()', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    const res = await client.request({ method: 'POST', path: '/big', body: {}, intent: 'conversation-panel', stream: false });
    await expect(res.bytes(1000)).rejects.toThrow('too large');
  });

  it('aborts mid-body with the caller\'s signal, and leaves no listener on it', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    const controller = new AbortController();
    const pending = client.request({ method: 'POST', path: '/trickle', body: {}, intent: 'conversation-panel', signal: controller.signal, stream: false });
    setTimeout(() => controller.abort(new Error('client gone')), 100);
    await expect(pending).rejects.toThrow('client gone');
    const done = await client.request({ method: 'POST', path: '/chat/completions', body: {}, intent: 'conversation-panel', signal: controller.signal, stream: false }).catch((error: unknown) => error);
    expect(done).toBeInstanceOf(Error);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a 2xx body that breaks off fails; a refusal that breaks off keeps its status and what arrived', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    await expect(client.request({ method: 'POST', path: '/broken-200', body: {}, intent: 'conversation-panel', stream: false })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    const refusal = await client.request({ method: 'POST', path: '/broken-500', body: {}, intent: 'conversation-panel', stream: false });
    expect(refusal.status).toBe(500);
    expect((await refusal.text()).startsWith('{"error"')).toBe(true);
  });

  it('leaves no listener on a signal after answers complete', async () => {
    const client = new CopilotClient({ sessions: new Sessions(), logger: silentLogger });
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await (await client.request({ method: 'POST', path: '/chat/completions', body: {}, intent: 'conversation-panel', signal: controller.signal, stream: false })).bytes();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('CopilotClient, network set-up', () => {
  it('uses a proxy only for non-loopback upstreams (loopback is never proxied)', async () => {
    const sessions = new Sessions();
    // A proxy that does not exist: if loopback were proxied, this request would fail.
    const client = new CopilotClient({ sessions, logger: silentLogger, env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } });
    const res = await client.request({ method: 'GET', path: '/models', intent: 'model-access' });
    expect(res.status).toBe(200);
    await res.dump();
    await client.close();
  });

  it('sends non-loopback upstreams through HTTP(S)_PROXY', async () => {
    // A forward proxy on loopback that tunnels every CONNECT to the little upstream above.
    const proxied: string[] = [];
    const proxy = createServer();
    const tunnels: Socket[] = [];
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      proxied.push(`CONNECT ${req.url}`);
      tunnels.push(client);
      const upstream = connect(Number(new URL(base).port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const sessions: SessionProvider = {
      getSession: async () => ({ token: validToken, mode: 'exchange', apiBaseUrl: 'http://copilot.example.invalid/capi', sku: null, receivedAt: 0, expiresAt: Infinity, refreshAt: Infinity }),
      invalidate() {},
    };
    const client = new CopilotClient({ sessions, logger: silentLogger, env: { HTTP_PROXY: proxyUrl } });
    try {
      const res = await client.request({ method: 'GET', path: '/models', intent: 'model-access' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
      expect(proxied).toEqual(['CONNECT copilot.example.invalid:80']);
    } finally {
      await client.close();
      // The shared dispatcher keeps its idle tunnel: cut it so the proxy can close now.
      for (const tunnel of tunnels) tunnel.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('reports an unreadable extra CA file as a config error', () => {
    expect(() => new CopilotClient({ sessions: new Sessions(), logger: silentLogger, caFile: '/nonexistent/ca.pem' })).toThrow(/extra CA certificates/);
  });
});
