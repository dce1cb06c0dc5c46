import { describe, expect, it } from 'vitest';
import { RelayError } from '../errors.js';
import { errorBody, relayErrorStatus } from './errors.js';

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
