/** Bad input against the assembled stack: each gets a clear error in the route's dialect, and the server stays up. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_HEADERS, call, chatBody, connections, messagesBody, post, startStack, until } from './stack.js';
import type { Reply, Stack } from './stack.js';

let s: Stack;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  s = await startStack({
    proxy: { bodyLimitBytes: LIMIT },
    // createProxyServer has no option for these: shorten node:http's own slow-client timeouts on the exposed server.
    beforeListen: (proxy) => {
      proxy.server.headersTimeout = 300;
      proxy.server.requestTimeout = 500;
      (proxy.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 50;
    },
  });
});

afterAll(async () => {
  const text = (s.logger.lines ?? []).join('\n');
  for (const secret of s.secrets()) expect(text).not.toContain(secret);
  await s.close();
});

const anthropic = (path: string) => path.startsWith('/v1/messages');
const send = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => post(s.url, path, body, { ...(anthropic(path) ? ANTHROPIC_HEADERS : {}), ...headers });

/** The error message in either dialect's envelope, checking the envelope's shape on the way. */
function errorOf(path: string, res: Reply): { message: string; type?: string } {
  const body = JSON.parse(res.body) as { type?: string; error: { message: string; type?: string } };
  if (anthropic(path)) expect(body.type).toBe('error');
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

async function stillServing(): Promise<void> {
  expect((await post(s.url, '/v1/chat/completions', chatBody())).status).toBe(200);
  expect((await post(s.url, '/v1/messages', messagesBody(), ANTHROPIC_HEADERS)).status).toBe(200);
}

const POST_PATHS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/messages', '/v1/messages/count_tokens'];

describe('bodies', () => {
  it.each(POST_PATHS)('%s: invalid JSON, a non-object body and non-UTF-8 bytes → 400 in its dialect', async (path) => {
    for (const [body, pattern] of [
      ['{"model": "gpt-4o", "messages": [', /not valid JSON/],
      ['[1, 2, 3]', /JSON object/],
      ['null', /JSON object/],
      [Buffer.concat([Buffer.from('{"model":"gpt-4o","input":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), /UTF-8/],
    ] as const) {
      const res = await send(path, body);
      expect(res.status).toBe(400);
      const error = errorOf(path, res);
      expect(error.message).toMatch(pattern);
      if (anthropic(path)) expect(error.type).toBe('invalid_request_error');
    }
  });

  it('wrong types → 400 naming the field (OpenAI and Anthropic)', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['/v1/chat/completions', { model: 42, messages: [{ role: 'user', content: 'x' }] }, /model/],
      ['/v1/chat/completions', { model: 'gpt-4o', messages: 'hello' }, /messages/],
      ['/v1/embeddings', { model: 'text-embedding-3-small', input: 5 }, /input/],
      ['/v1/responses', { model: 'gpt-5.1-codex', input: 7 }, /input/],
      ['/v1/messages', messagesBody({ messages: 'hello' }), /messages/],
      ['/v1/messages', messagesBody({ model: 7 }), /model/],
      ['/v1/messages', messagesBody({ max_tokens: 'lots' }), /max_tokens/],
      ['/v1/messages/count_tokens', { model: 'claude-haiku-4.5', messages: 3 }, /messages/],
    ];
    for (const [path, body, pattern] of cases) {
      const res = await send(path, JSON.stringify(body));
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(errorOf(path, res).message).toMatch(pattern);
    }
  });

  it('unknown models → a clear error naming the problem in each dialect', async () => {
    // Unknown everywhere means 404 with close matches (issue #15), as the Messages route always did.
    const openai = await send('/v1/chat/completions', JSON.stringify(chatBody({ model: 'no-such-model' })));
    expect(openai.status).toBe(404);
    expect(openai.headers['x-should-retry']).toBe('false');
    expect(errorOf('/v1/chat/completions', openai).message).toMatch(/model/i);
    const claude = await send('/v1/messages', JSON.stringify(messagesBody({ model: 'no-such-model' })));
    expect(claude.status).toBe(404);
    expect(errorOf('/v1/messages', claude)).toMatchObject({ type: 'not_found_error', message: expect.stringMatching(/no-such-model/) });
  });

  it('oversized bodies → 413 in each dialect, without buffering; 200 of them keep memory bounded', async () => {
    const big = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB against a 64 KiB limit
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const res = await send(path, big);
      expect(res.status).toBe(413);
      expect(errorOf(path, res).message).toMatch(/larger than the limit/);
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 ? '/v1/messages' : '/v1/chat/completions', big)));
      expect(results.every((r) => r.status === 413)).toBe(true);
    }
    global.gc?.();
    const grown = process.memoryUsage().rss - before;
    // 200 MiB were sent; a server that buffered them would grow by far more than this.
    expect(grown).toBeLessThan(48 * 1024 * 1024);
    await stillServing();
  });
});

describe('connections', () => {
  it('huge headers → 431 with a JSON message; the server stays up', async () => {
    const res = await call(s.url, { method: 'GET', path: '/v1/models', headers: { 'x-padding': 'a'.repeat(64 * 1024) } });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).error.message).toMatch(/headers are too large/);
    await stillServing();
  });

  it('slowloris: a body trickled byte by byte and headers never finished are cut by the server timeouts', async () => {
    const started = Date.now();
    const slowBody = new Promise<string>((resolve) => {
      const socket = connect(s.port, '127.0.0.1', () => {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
        const drip = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(drip)), 50);
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(answer);
        });
      });
    });
    const slowHeaders = new Promise<string>((resolve) => {
      const socket = connect(s.port, '127.0.0.1', () => {
        socket.write(`GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\n`);
        const drip = setInterval(() => (socket.writable ? socket.write('x-a: b\r\n') : clearInterval(drip)), 50);
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(answer);
        });
      });
    });
    const [body, headers] = await Promise.all([slowBody, slowHeaders]);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(body).toMatch(/^HTTP\/1\.1 408/);
    expect(headers).toMatch(/^HTTP\/1\.1 408/);
    await until(async () => (await connections(s.proxy)) === 0);
    await stillServing();
  });

  it('garbage on the socket → 400 and close; the server stays up', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(s.port, '127.0.0.1', () => socket.write('\x16\x03\x01 this is not HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });
});
