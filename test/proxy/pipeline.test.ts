import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import type { FinishedRequest, Refusal, UpstreamAnswer, UsageObserver } from '../../src/main/core/usage/observer.js';
import { eventually, raw } from './helpers.js';
import { TestSessionProvider } from './session-provider.js';

/**
 * The forwarding pipeline's contract with the usage observer and the caller: what it records for
 * every request (API, endpoint, models, tokens, billed cost, first byte), how a local refusal and a
 * replaced upstream error reach the caller (dialect, x-should-retry, Retry-After).
 */

let fake: FakeUpstream;
let proxy: ProxyServer;
let keyed: ProxyServer;
let url: string;
let keyedUrl: string;
let initialKnobs: Record<string, unknown>;
const finished: FinishedRequest[] = [];
const seen: UpstreamAnswer[] = [];
let admitRefusal: Refusal | null = null;
let upstreamRefusal: Refusal | null = null;
const observer: UsageObserver = {
  admit: () => admitRefusal,
  observeUpstream: (answer) => {
    seen.push(answer);
    return answer.status >= 400 ? upstreamRefusal : null;
  },
  record: (r) => finished.push(r),
};

const openai = (baseURL = `${url}/v1`, apiKey = 'unused') => new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 5_000 });
const anthropic = (baseURL = url, apiKey = 'sk-ant-FAKE-dummy', maxRetries = 0) => new Anthropic({ baseURL, apiKey, maxRetries, timeout: 5_000 });
const lastRecord = async (count: number) => {
  await eventually(() => finished.length >= count);
  return finished.at(-1)!;
};

beforeAll(async () => {
  fake = await startFakeUpstream();
  initialKnobs = { ...fake.knobs };
  const sessions = new TestSessionProvider(fake.url, fake.defaultToken);
  proxy = createProxyServer({ sessions, logger: createMemoryLogger(), usage: observer, idleMemoryTrim: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
  keyed = createProxyServer({ sessions, logger: createMemoryLogger(), apiKey: 'relay-key-FAKE-123', idleMemoryTrim: false });
  ({ url: keyedUrl } = await keyed.listen({ port: 0, host: '127.0.0.1' }));
});

afterEach(() => {
  Object.assign(fake.knobs, initialKnobs);
  admitRefusal = null;
  upstreamRefusal = null;
});

afterAll(async () => {
  await proxy?.close();
  await keyed?.close();
  await fake?.close();
});

describe('usage record', () => {
  it('native chat, non-stream: endpoint, models, tokens, billed cost and first byte', async () => {
    const before = finished.length;
    await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'count me in' }] });
    const record = await lastRecord(before + 1);
    expect(record).toMatchObject({ clientApi: 'chat', upstreamEndpoint: '/chat/completions', modelRequested: 'gpt-4o', modelServed: 'gpt-4o', stream: false, initiator: 'user', status: 200, errorCode: null });
    expect(record.inputTokens).toBeGreaterThan(0);
    expect(record.outputTokens).toBe(4);
    expect(record.nanoAiu).toBeGreaterThan(0);
    expect(record.firstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('native Messages stream with a dated id: usage picked from the passing events, the caller’s id in the answer', async () => {
    const before = finished.length;
    const stream = anthropic().messages.stream({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'tap this stream' }] });
    let started = '';
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') started = event.message.model;
    });
    const final = await stream.finalMessage();
    expect(started).toBe('claude-sonnet-4-5-20250929');
    expect(final.model).toBe('claude-sonnet-4-5-20250929');
    const record = await lastRecord(before + 1);
    expect(record).toMatchObject({ clientApi: 'messages', upstreamEndpoint: '/v1/messages', modelRequested: 'claude-sonnet-4-5-20250929', modelServed: 'claude-sonnet-4.5', stream: true });
    expect(record.inputTokens).toBeGreaterThan(0);
    expect(record.outputTokens).toBeGreaterThan(0);
    expect(record.nanoAiu).toBeGreaterThan(0);
  });

  it('translated stream (Responses client, Messages upstream): usage from the translated events', async () => {
    const before = finished.length;
    const stream = await openai().responses.create({ model: 'claude-sonnet-4.5', input: 'translate my usage', stream: true });
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed!.model).toBe('claude-sonnet-4.5');
    const record = await lastRecord(before + 1);
    expect(record).toMatchObject({ clientApi: 'responses', upstreamEndpoint: '/v1/messages', stream: true, status: 200 });
    expect(record.outputTokens).toBe(completed!.usage!.output_tokens);
    expect(record.nanoAiu).toBeGreaterThan(0);
  });
});

describe('refusals and errors', () => {
  it('an admit refusal is answered in the caller’s dialect without going upstream; no retry when it says so', async () => {
    admitRefusal = { status: 429, code: 'budget_exceeded', message: 'The local budget of 50 AI credits per day is spent; it resets at midnight.', retryAfterSec: 3600, shouldRetry: false };
    const before = fake.counters.capiRequests;
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const body = path === '/v1/messages' ? { model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } : { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] };
      const res = await raw(url, { method: 'POST', path, headers: { host: new URL(url).host, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(429);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(res.headers['retry-after']).toBe('3600');
      const parsed = JSON.parse(res.body);
      if (path === '/v1/messages') expect(parsed).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: admitRefusal.message } });
      else expect(parsed.error).toMatchObject({ code: 'budget_exceeded', message: admitRefusal.message });
    }
    expect(fake.counters.capiRequests).toBe(before);
    expect((await lastRecord(1)).errorCode).toBe('budget_exceeded');
  });

  it('observeUpstream sees every answer; its refusal replaces the upstream error', async () => {
    Object.assign(fake.knobs, { rateLimitNext: 1, rateLimitRetryAfter: 30 });
    upstreamRefusal = { status: 429, code: 'user_weekly_rate_limited', message: 'Weekly limit reached; resets Monday.', retryAfterSec: 7200, shouldRetry: false };
    const error = (await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.message).toContain('Weekly limit reached');
    expect(error.headers?.get('x-should-retry')).toBe('false');
    // The upstream's own Retry-After (passed through) wins over the refusal's estimate.
    expect(error.headers?.get('retry-after')).toBe('30');
    expect(seen.at(-1)).toMatchObject({ status: 429, model: 'gpt-4o', errorBody: { error: { code: 'rate_limited' } } });
  });

  it('the relay’s own 401 for a wrong API key carries x-should-retry: false, so an SDK with retries fails at once', async () => {
    const before = fake.counters.capiRequests;
    let requests = 0;
    const client = new Anthropic({ baseURL: keyedUrl, apiKey: 'wrong-key', maxRetries: 5, timeout: 5_000, fetch: (input, init) => (requests++, fetch(input, init)) });
    const error = (await client.messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(error.status).toBe(401);
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(requests).toBe(1);
    expect(fake.counters.capiRequests).toBe(before);
    const openaiError = (await openai(`${keyedUrl}/v1`, 'wrong-key').models.list().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(openaiError.headers?.get('x-should-retry')).toBe('false');
  });

  it('unknown model → 404 with close matches on every generation route; retrying is pointless', async () => {
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'gpt-4oo', messages: [{ role: 'user', content: 'x' }] }],
      ['/v1/responses', { model: 'gpt-4oo', input: 'x' }],
      ['/v1/messages', { model: 'gpt-4oo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }],
    ] as const) {
      const res = await raw(url, { method: 'POST', path, headers: { host: new URL(url).host, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, path).toBe(404);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(res.body).toMatch(/Close matches: .*gpt-4o/);
    }
  });

  it('HTTP 466 (client identity outdated) → a clear error in the caller’s dialect saying how to override it, never retried', async () => {
    Object.assign(fake.knobs, { clientNotSupportedBelow: '2099-01-01' });
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }],
      ['/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }],
    ] as const) {
      const res = await raw(url, { method: 'POST', path, headers: { host: new URL(url).host, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, path).toBe(502);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(res.body).toMatch(/no longer accepts this client identity.*COPILOT_RELAY_CLIENT_IDENTITY/);
    }
    expect((await lastRecord(1)).errorCode).toBe('client_identity_outdated');
  });

  it('upstream 5xx may be retried (no x-should-retry: false); a broken exchange says when to try again', async () => {
    Object.assign(fake.knobs, { capiFailureStatus: 503 });
    const res = await raw(url, { method: 'POST', path: '/v1/chat/completions', headers: { host: new URL(url).host, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(502);
    expect(res.headers['x-should-retry']).toBeUndefined();
  });
});
