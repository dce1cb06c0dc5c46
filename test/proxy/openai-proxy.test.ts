import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import { TestSessionProvider } from './session-provider.js';
import { eventually, raw } from './helpers.js';

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;

let fake: Fake;
let proxy: ProxyServer;
let url: string;
let port: number;
let sessions: TestSessionProvider;
const logger = createMemoryLogger();
const responseBodies: string[] = [];

const client = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 5_000 });
const capiRequests = (path: string) => fake.requests.filter((r) => r.path.endsWith(path) && r.path.includes('/capi'));
const lastCapi = (path: string) => capiRequests(path).at(-1)!;
const defaultKnobs = () => ({ ...fake.knobs });
let initialKnobs: Record<string, unknown>;

beforeAll(async () => {
  fake = await startFakeUpstream();
  initialKnobs = defaultKnobs();
  sessions = new TestSessionProvider(fake.url, fake.defaultToken);
  proxy = createProxyServer({ sessions, logger, upstreamTimeoutMs: 400, shutdownGraceMs: 500 });
  ({ url, port } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterEach(() => {
  Object.assign(fake.knobs, initialKnobs);
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe('OpenAI routes through the real openai SDK', () => {
  it('lists models in OpenAI shape with limits, skipping malformed entries', async () => {
    const page = await client().models.list();
    const models = page.data as unknown as Array<Record<string, unknown>>;
    expect(models.length).toBeGreaterThan(0);
    for (const model of models) {
      expect(typeof model.id).toBe('string');
      expect(model.object).toBe('model');
      expect(typeof model.owned_by).toBe('string');
    }
    expect(models.some((m) => typeof m.max_output_tokens === 'number' && typeof m.context_window === 'number')).toBe(true);
    expect(logger.lines.some((line) => line.includes('Skipping a malformed model entry'))).toBe(true);
    const upstream = lastCapi('/models');
    expect(upstream.headers['openai-intent']).toBe('model-access');
  });

  it('answers a non-stream chat completion with the Copilot headers upstream', async () => {
    const completion = await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: hello there');
    const upstream = lastCapi('/chat/completions');
    expect(upstream.headers['editor-version']).toMatch(/^vscode\//);
    expect(upstream.headers['copilot-integration-id']).toBe('vscode-chat');
    expect(upstream.headers['x-initiator']).toBe('user');
    expect(upstream.headers['copilot-vision-request']).toBeUndefined();
    expect(upstream.headers.authorization).not.toContain('unused');
  });

  it('streams chunk by chunk: the first chunk arrives well before the upstream finishes', async () => {
    Object.assign(fake.knobs, { streamChunks: 6, streamIntervalMs: 60 });
    const started = Date.now();
    const stream = await client().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream me' }] });
    let firstAt = 0;
    let text = '';
    for await (const chunk of stream) {
      if (!firstAt) firstAt = Date.now() - started;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    const total = Date.now() - started;
    expect(text).toBe('Echo: stream me');
    expect(firstAt).toBeLessThan(total - 150);
  });

  it('passes tools through and returns tool calls', async () => {
    const completion = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    expect(completion.choices[0]?.message.tool_calls?.length).toBeGreaterThan(0);
    expect((lastCapi('/chat/completions').body as { tools?: unknown[] }).tools).toHaveLength(1);
  });

  it('sets Copilot-Vision-Request only when a message carries an image', async () => {
    await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    });
    expect(lastCapi('/chat/completions').headers['copilot-vision-request']).toBe('true');
    await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'text only' }] });
    expect(lastCapi('/chat/completions').headers['copilot-vision-request']).toBeUndefined();
  });

  it('marks tool-result and assistant-continuation turns as X-Initiator: agent', async () => {
    await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(lastCapi('/chat/completions').headers['x-initiator']).toBe('agent');
    await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'partial' }] });
    expect(lastCapi('/chat/completions').headers['x-initiator']).toBe('agent');
  });

  it('maps max_tokens to max_completion_tokens for gpt-5 models only', async () => {
    await client().chat.completions.create({ model: 'gpt-5-mini', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
    const body = lastCapi('/chat/completions').body as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(50);
    expect(body.max_tokens).toBeUndefined();
    await client().chat.completions.create({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
    expect((lastCapi('/chat/completions').body as Record<string, unknown>).max_tokens).toBe(50);
  });

  it('creates embeddings', async () => {
    const result = await client().embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(result.data).toHaveLength(2);
    expect(Array.isArray(result.data[0]?.embedding)).toBe(true);
    expect(lastCapi('/embeddings').headers['openai-intent']).toBe('conversation-embeddings');
  });

  it('serves the Responses API, non-stream and stream', async () => {
    const response = await client().responses.create({ model: 'gpt-5.1-codex', input: 'hi responses' });
    expect(response.output_text).toContain('hi responses');
    const stream = await client().responses.create({ model: 'gpt-5.1-codex', input: 'streamed responses', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toContain('response.completed');
    await client().responses.create({
      model: 'gpt-5.1-codex',
      input: [
        { role: 'user', content: 'q' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: '1' },
      ],
    });
    expect(lastCapi('/responses').headers['x-initiator']).toBe('agent');
  });

  it('re-exchanges once and retries when the session token is revoked mid-session', async () => {
    await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'warm' }] });
    const exchangesBefore = sessions.exchanges;
    const chatBefore = capiRequests('/chat/completions').length;
    fake.revokeSessionTokens();
    const completion = await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'after revoke' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: after revoke');
    expect(sessions.exchanges).toBe(exchangesBefore + 1);
    expect(capiRequests('/chat/completions').length).toBe(chatBefore + 2);
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    Object.assign(fake.knobs, { streamChunks: 50, streamIntervalMs: 100 });
    const aborted = fake.counters.abortedRequests;
    const controller = new AbortController();
    const stream = await client().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'long' }] }, { signal: controller.signal });
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        chunks++;
        controller.abort();
      }
    } catch {
      // The SDK may end the iteration quietly or throw an abort error: both are a disconnect.
    }
    expect(chunks).toBeLessThan(50);
    await eventually(() => fake.counters.abortedRequests > aborted);
  });

  it('runs 80 streams at once: none waits for another to finish (no silent upstream connection cap)', async () => {
    // Each stream lasts ~1.5 s upstream; a pool capped below 80 would hold the rest back that long.
    Object.assign(fake.knobs, { streamChunks: 15, streamIntervalMs: 100 });
    const agent = new Agent({ keepAlive: false });
    const started = performance.now();
    const streams = Array.from({ length: 80 }, (_, i) =>
      new Promise<{ firstChunkMs: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent, headers: { 'content-type': 'application/json' }, timeout: 10_000 },
          (res) => {
            let firstChunkMs = 0;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              firstChunkMs ||= performance.now() - started;
              body += chunk;
            });
            res.on('end', () => resolve({ firstChunkMs, body }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `stream ${i}` }] }));
      }),
    );
    const results = await Promise.all(streams);
    agent.destroy();
    for (const { firstChunkMs, body } of results) {
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(firstChunkMs).toBeLessThan(1_000);
    }
  });

  it('aborts the upstream request when a non-stream client gives up', async () => {
    Object.assign(fake.knobs, { latencyMs: 1_000 });
    const aborted = fake.counters.abortedRequests;
    const controller = new AbortController();
    const pending = client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'slow' }] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
    await eventually(() => fake.counters.abortedRequests > aborted);
  });
});

describe('upstream failures', () => {
  const chat = (extra: Record<string, string> = {}) =>
    raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...extra }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });

  it('passes 429 through with Retry-After', async () => {
    Object.assign(fake.knobs, { rateLimitNext: 1, rateLimitRetryAfter: 42 });
    const res = await chat();
    responseBodies.push(res.body);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(JSON.parse(res.body).error).toBeTruthy();
  });

  it('maps upstream 5xx to 502 with a clear JSON error', async () => {
    Object.assign(fake.knobs, { capiFailureStatus: 500 });
    const res = await chat();
    responseBodies.push(res.body);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.message).toMatch(/Copilot API failed with HTTP 500/);
  });

  it('answers 504 when the upstream hangs past the timeout', async () => {
    Object.assign(fake.knobs, { hang: true });
    const res = await chat();
    responseBodies.push(res.body);
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('upstream_timeout');
  });

  it('turns an upstream reset mid-stream into a well-formed SSE error event', async () => {
    Object.assign(fake.knobs, { resetMidStream: true, streamChunks: 6, streamIntervalMs: 10 });
    const res = await raw(url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    responseBodies.push(res.body);
    expect(res.status).toBe(200);
    const events = res.body.split('\n\n').filter(Boolean);
    const last = events.at(-1)!;
    expect(last.startsWith('data: ')).toBe(true);
    expect(JSON.parse(last.slice(6)).error.message).toMatch(/stream/);
  });
});

describe('guards', () => {
  const get = (path: string, headers: Record<string, string> = {}) => raw(url, { path, headers: { host: `127.0.0.1:${port}`, ...headers } });

  it('refuses a foreign Host and a DNS-rebinding Host with 403 JSON', async () => {
    for (const host of [`evil.com:${port}`, `127.0.0.1:${port + 1}`, 'example.org']) {
      const res = await get('/v1/models', { host });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('forbidden_host');
    }
    expect((await get('/health', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('refuses a foreign Origin; allows loopback origins without wildcard CORS', async () => {
    const foreign = await get('/v1/models', { origin: 'https://evil.com' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const local = await get('/v1/models', { origin: 'http://localhost:3000' });
    expect(local.status).toBe(200);
    expect(local.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const preflight = await raw(url, { method: 'OPTIONS', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${port}`, origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://127.0.0.1:5173');
    for (const res of [foreign, local, preflight]) expect(res.headers['access-control-allow-origin']).not.toBe('*');
  });

  it('answers 404, 405, 400 invalid JSON and 413 in OpenAI JSON', async () => {
    const notFound = await get('/v1/nope');
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body).error.type).toBe('not_found_error');
    const wrongMethod = await raw(url, { method: 'DELETE', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${port}` } });
    expect(wrongMethod.status).toBe(405);
    const badJson = await raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error.code).toBe('invalid_json');
  });

  it('accepts query strings on routes', async () => {
    expect((await get('/v1/models?foo=bar')).status).toBe(200);
  });

  it('never puts a token in a response or a log line', () => {
    const secrets = [fake.defaultToken, ...fake.issuedSessionTokens()];
    expect(secrets.length).toBeGreaterThan(1);
    const haystack = [...responseBodies, ...logger.lines].join('\n');
    for (const secret of secrets) expect(haystack).not.toContain(secret);
    expect(logger.lines.some((line) => /^INFO request method=POST path=\/v1\/chat\/completions model=gpt-4o status=200 ms=\d+ stream=false id=[0-9a-f-]{36}$/.test(line))).toBe(true);
    // A route without a model has no model field.
    expect(logger.lines.some((line) => /^INFO request method=GET path=\/v1\/models status=200 ms=\d+ stream=false id=[0-9a-f-]{36}$/.test(line))).toBe(true);
  });

  it('logs unknown paths as sent and quotes a model name with spaces or quotes', async () => {
    expect((await raw(url, { method: 'GET', path: '/v1/no%20such', headers: { host: `127.0.0.1:${port}` } })).status).toBe(404);
    expect(logger.lines.some((line) => line.includes('path=/v1/no%20such status=404'))).toBe(true);
    expect((await raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'my model "x"', messages: [{ role: 'user', content: 'q' }] }) })).status).toBeGreaterThanOrEqual(200);
    expect(logger.lines.some((line) => line.includes('model="my model \\"x\\"" status='))).toBe(true);
  });
});

describe('API key and limits (second server)', () => {
  let keyed: ProxyServer;
  let keyedUrl: string;
  let keyedPort: number;
  const keyLogger = createMemoryLogger();

  beforeAll(async () => {
    keyed = createProxyServer({ sessions, logger: keyLogger, apiKey: 'relay-key-FAKE-123', bodyLimitBytes: 1024, health: () => ({ signedIn: true, sku: 'monthly_subscriber', apiBaseUrl: fake.capiUrl, mode: 'exchange', expiresAt: 1 }) });
    ({ url: keyedUrl, port: keyedPort } = await keyed.listen({ port: 0 }));
  });
  afterAll(async () => {
    await keyed?.close();
  });

  it('requires the key via Bearer or x-api-key, compared exactly', async () => {
    const host = { host: `127.0.0.1:${keyedPort}` };
    expect((await raw(keyedUrl, { path: '/v1/models', headers: host })).status).toBe(401);
    expect((await raw(keyedUrl, { path: '/v1/models', headers: { ...host, authorization: 'Bearer wrong-key' } })).status).toBe(401);
    expect((await raw(keyedUrl, { path: '/v1/models', headers: { ...host, authorization: 'Bearer relay-key-FAKE-123' } })).status).toBe(200);
    expect((await raw(keyedUrl, { path: '/v1/models', headers: { ...host, 'x-api-key': 'relay-key-FAKE-123' } })).status).toBe(200);
    const sdk = new OpenAI({ baseURL: `${keyedUrl}/v1`, apiKey: 'relay-key-FAKE-123', maxRetries: 0 });
    const completion = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'keyed' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: keyed');
    const wrong = new OpenAI({ baseURL: `${keyedUrl}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('serves /health without the key and without secrets', async () => {
    const res = await raw(keyedUrl, { path: '/health', headers: { host: `localhost:${keyedPort}` } });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ status: 'ok', signedIn: true, sku: 'monthly_subscriber', mode: 'exchange' });
    expect(res.body).not.toMatch(/token|tid=/i);
  });

  it('refuses a body over the limit with 413 without buffering it', async () => {
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(4096) }] });
    const res = await raw(keyedUrl, { method: 'POST', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${keyedPort}`, 'x-api-key': 'relay-key-FAKE-123', 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('request_too_large');
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit', async () => {
    const { request } = await import('node:http');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: keyedPort, method: 'POST', path: '/v1/chat/completions', headers: { host: `127.0.0.1:${keyedPort}`, 'x-api-key': 'relay-key-FAKE-123', 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(512));
      req.end();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('request_too_large');
  });

  it('keeps the API key out of logs', () => {
    expect(keyLogger.lines.join('\n')).not.toContain('relay-key-FAKE-123');
  });
});
