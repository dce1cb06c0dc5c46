import { describe, expect, it } from 'vitest';
import { RelayError } from '../errors.js';
import type { ServerResponse } from 'node:http';
import { errorBody, relayErrorStatus, sendError, shouldRetryHeader } from './errors.js';

describe('error envelopes', () => {
  it('builds OpenAI and Anthropic shapes', () => {
    expect(errorBody('openai', 404, 'nope', { code: 'not_found' })).toEqual({ error: { message: 'nope', type: 'not_found_error', code: 'not_found' } });
    expect(errorBody('anthropic', 413, 'big')).toEqual({ type: 'error', error: { type: 'request_too_large', message: 'big' } });
    expect(errorBody('anthropic', 503, 'busy')).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    expect(errorBody('anthropic', 429, 'slow').error).toMatchObject({ type: 'rate_limit_error' });
  });
  it('redacts tokens from messages', () => {
    const body = errorBody('openai', 500, 'failed with Bearer ghu_FAKEFAKEFAKE123 and tid=1;exp=2:0123456789abcdef0123');
    expect(JSON.stringify(body)).not.toMatch(/ghu_FAKE|0123456789abcdef0123/);
  });
});

describe('relayErrorStatus', () => {
  it('maps sign-in problems to 401 with the login hint', () => {
    const mapped = relayErrorStatus(new RelayError('token-revoked', 'Your GitHub token was revoked.'));
    expect(mapped.status).toBe(401);
    expect(mapped.message).toContain('copilot-relay login');
  });
  it('maps no-copilot to 403, rate limits to 429 with Retry-After, network to 502', () => {
    expect(relayErrorStatus(new RelayError('no-copilot', 'No Copilot.')).status).toBe(403);
    expect(relayErrorStatus(new RelayError('rate-limited', 'Slow down.', { retryAfter: 30 }))).toMatchObject({ status: 429, headers: { 'retry-after': '30' } });
    expect(relayErrorStatus(new RelayError('network', 'GitHub unreachable.')).status).toBe(502);
  });
  it('maps undici timeouts to 504 and socket errors to 502', () => {
    expect(relayErrorStatus(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).status).toBe(504);
    expect(relayErrorStatus(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).status).toBe(502);
    expect(relayErrorStatus(new Error('boom'))).toMatchObject({ status: 500, message: 'Internal error in copilot-relay.' });
  });
});

/** Records what sendError writes. */
function recorder() {
  const sent: { status?: number; headers?: Record<string, string | number>; body?: string } = {};
  const res = {
    writableEnded: false,
    destroyed: false,
    headersSent: false,
    writeHead(status: number, headers: Record<string, string | number>) {
      sent.status = status;
      sent.headers = headers;
    },
    end(body: string) {
      sent.body = body;
    },
  } as unknown as ServerResponse;
  return { res, sent };
}

describe('x-should-retry and Retry-After (decided in one place)', () => {
  it('says false when retrying cannot help: bad key, bad request, unknown model, wrong method, too large, quota, outdated client, budget', () => {
    for (const status of [400, 401, 402, 403, 404, 405, 413, 422, 466]) expect(shouldRetryHeader(status, null), String(status)).toBe('false');
    expect(shouldRetryHeader(429, 'budget_exceeded')).toBe('false');
    for (const status of [408, 429, 500, 502, 503, 504, 529]) expect(shouldRetryHeader(status, 'rate_limited'), String(status)).toBeUndefined();
    expect(shouldRetryHeader(429, null, false)).toBe('false');
  });

  it('sendError writes x-should-retry and Retry-After beside the dialect body', () => {
    const unauthorised = recorder();
    sendError(unauthorised.res, 'anthropic', 401, 'Missing or wrong API key.', { code: 'invalid_api_key' });
    expect(unauthorised.sent.headers?.['x-should-retry']).toBe('false');
    expect(JSON.parse(unauthorised.sent.body!)).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Missing or wrong API key.' } });

    const limited = recorder();
    sendError(limited.res, 'openai', 429, 'Slow down.', { code: 'user_weekly_rate_limited', retryAfterSec: 12.2 });
    expect(limited.sent.headers?.['x-should-retry']).toBeUndefined();
    expect(limited.sent.headers?.['retry-after']).toBe('13');

    const passed = recorder();
    sendError(passed.res, 'openai', 429, '', { headers: { 'retry-after': '42' }, retryAfterSec: 1, rawBody: '{"error":{"message":"x"}}' });
    expect(passed.sent.headers?.['retry-after']).toBe('42');
    expect(passed.sent.body).toBe('{"error":{"message":"x"}}');
  });
});
