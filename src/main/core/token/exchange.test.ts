import { describe, it, expect } from 'vitest';
import { resolveEndpoints } from '../config/endpoints.js';
import { redact } from '../log/redact.js';
import { scriptedFetch } from '../auth/scripted-fetch.js';
import { acceptApiBase, classifyExchangeFailure, deriveApiBase, exchangeToken, normalizeEpochSeconds, sessionFromEnvelope, sessionTimes } from './exchange.js';

const publicEndpoints = resolveEndpoints({ env: {} });
const tenant = resolveEndpoints({ enterprise: 'octo.ghe.com', env: {} });
const loopback = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:7', COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:7' } });
const T0 = 1_800_000_000_000;
const TOKEN = 'tid=FAKE;exp=1800001800;sku=monthly_subscriber;proxy-ep=proxy.business.githubcopilot.com:0123456789abcdef0123';

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers), json: body, text: typeof body === 'string' ? body : JSON.stringify(body) };
}

describe('session envelope', () => {
  it('normalises expires_at in milliseconds to the same expiry as seconds', () => {
    expect(normalizeEpochSeconds(1_800_001_800_000)).toBe(1_800_001_800);
    expect(normalizeEpochSeconds(1_800_001_800)).toBe(1_800_001_800);
    const seconds = sessionFromEnvelope({ token: TOKEN, expires_at: 1_800_001_800, refresh_in: 1500 }, publicEndpoints, T0);
    const ms = sessionFromEnvelope({ token: TOKEN, expires_at: 1_800_001_800_000, refresh_in: 1500 }, publicEndpoints, T0);
    expect(ms.expiresAt).toBe(seconds.expiresAt);
    expect(seconds.expiresAt).toBe(T0 + 1_560_000); // capped by receivedAt + refresh_in + 60 s
  });

  it('requires token, expires_at and refresh_in and tolerates everything else', () => {
    for (const bad of [{}, { token: '', expires_at: 1, refresh_in: 1 }, { token: TOKEN, refresh_in: 1500 }, { token: TOKEN, expires_at: 'soon', refresh_in: 1500 }, { token: TOKEN, expires_at: 1_800_001_800 }, null, 'text']) {
      expect(() => sessionFromEnvelope(bad, publicEndpoints, T0)).toThrow(expect.objectContaining({ kind: 'upstream' }));
    }
    const session = sessionFromEnvelope({ token: TOKEN, expires_at: 1_800_001_800, refresh_in: 1500, endpoints: 'weird', sku: 42, chat_enabled: 'yes', limited_user_quotas: [1] }, publicEndpoints, T0);
    expect(session).toMatchObject({ mode: 'exchange', sku: 'monthly_subscriber', apiBaseUrl: 'https://api.business.githubcopilot.com' });
  });

  it('schedules the refresh at refresh_in − 60 s on the local clock, never later than 5 min before expiry', () => {
    expect(sessionTimes(T0, T0 / 1000 + 1800, 1500)).toEqual({ expiresAt: T0 + 1_560_000, refreshAt: T0 + 1_260_000 });
    // Server clock far ahead: local refresh_in rules.
    expect(sessionTimes(T0, T0 / 1000 + 7200, 1500).expiresAt).toBe(T0 + 1_560_000);
    // Local clock ahead of the server (expires_at already past here): trust refresh_in.
    expect(sessionTimes(T0, T0 / 1000 - 3600, 1500).expiresAt).toBe(T0 + 1_560_000);
    // A tiny refresh_in is clamped (no exchange storms), and never beyond half the lifetime.
    expect(sessionTimes(T0, T0 / 1000 + 1800, 1).refreshAt).toBe(T0 + 30_000);
    expect(sessionTimes(T0, T0 / 1000 + 4, 2)).toEqual({ expiresAt: T0 + 4000, refreshAt: T0 + 2000 });
  });
});

describe('API base URL', () => {
  it('prefers endpoints.api, then proxy-ep, then the tenant or public default', () => {
    expect(deriveApiBase('https://api.individual.githubcopilot.com/', 'proxy.business.githubcopilot.com', publicEndpoints)).toBe('https://api.individual.githubcopilot.com');
    expect(deriveApiBase(undefined, 'proxy.business.githubcopilot.com', publicEndpoints)).toBe('https://api.business.githubcopilot.com');
    expect(deriveApiBase(undefined, null, publicEndpoints)).toBe('https://api.githubcopilot.com');
    expect(deriveApiBase(undefined, null, tenant)).toBe('https://copilot-api.octo.ghe.com');
  });

  it('accepts only https under githubcopilot.com / ghe.com unless the GitHub API is loopback', () => {
    const notes: string[] = [];
    expect(deriveApiBase('https://evil.example.com', null, publicEndpoints, (n) => notes.push(n))).toBe('https://api.githubcopilot.com');
    expect(notes[0]).toContain('evil.example.com');
    expect(acceptApiBase('http://api.githubcopilot.com', publicEndpoints)).toBeNull();
    expect(acceptApiBase('https://githubcopilot.com.evil.io', publicEndpoints)).toBeNull();
    expect(acceptApiBase('https://copilot-api.octo.ghe.com', tenant)).toBe('https://copilot-api.octo.ghe.com');
    expect(acceptApiBase('http://127.0.0.1:5/capi', publicEndpoints)).toBeNull();
    expect(acceptApiBase('http://127.0.0.1:5/capi', loopback)).toBe('http://127.0.0.1:5/capi');
  });
});

describe('exchange failures', () => {
  it('maps each failure class to its own kind and message', () => {
    expect(classifyExchangeFailure(answer(401, { message: 'Bad credentials' }))).toMatchObject({ kind: 'token-revoked', status: 401 });
    const noCopilot = classifyExchangeFailure(answer(403, { message: 'Forbidden', error_details: { message: 'You do not have access to GitHub Copilot.', url: 'https://github.com/features/copilot', notification_id: 'no_copilot_access' } }));
    expect(noCopilot).toMatchObject({ kind: 'no-copilot', fix: 'See https://github.com/features/copilot' });
    expect(noCopilot.message).toContain('You do not have access to GitHub Copilot.');
    expect(classifyExchangeFailure(answer(403, { message: 'API rate limit exceeded for user ID 1.' }, { 'retry-after': '30' }))).toMatchObject({ kind: 'rate-limited', retryAfter: 30, transient: true });
    expect(classifyExchangeFailure(answer(403, { message: 'Resource not accessible by personal access token' }))).toMatchObject({ kind: 'unsupported-token' });
    expect(classifyExchangeFailure(answer(502, 'Bad gateway'))).toMatchObject({ kind: 'network', transient: true });
    expect(classifyExchangeFailure(answer(418, 'teapot'))).toMatchObject({ kind: 'upstream' });
  });

  it('messages and fixes survive redaction intact (no phrase looks like a token)', () => {
    const all = [
      classifyExchangeFailure(answer(401, {})), classifyExchangeFailure(answer(403, { error_details: { message: 'No access.', url: 'https://github.com/x' } })),
      classifyExchangeFailure(answer(403, { message: 'API rate limit exceeded' })), classifyExchangeFailure(answer(403, { message: 'Resource not accessible by personal access token' })),
      classifyExchangeFailure(answer(503, '')), classifyExchangeFailure(answer(418, 'x')),
    ];
    for (const error of all) for (const text of [error.message, error.fix ?? '']) expect(redact(text)).toBe(text);
  });

  it('never echoes a token from the upstream message', () => {
    const error = classifyExchangeFailure(answer(403, { message: 'Forbidden', error_details: { message: 'token ghu_FAKELEAKEDTOKEN123 is not allowed' } }));
    expect(error.message).not.toContain('ghu_FAKELEAKEDTOKEN123');
  });

  it('404 → probes /copilot_internal/user and falls back to direct mode with the GitHub token as bearer', async () => {
    const script = scriptedFetch((call) => (call.path === '/copilot_internal/v2/token' ? { status: 404, body: { message: 'Not Found' } } : { status: 200, body: { access_type_sku: 'monthly_subscriber', endpoints: { api: 'https://api.individual.githubcopilot.com' } } }));
    const session = await exchangeToken({ endpoints: publicEndpoints, githubToken: 'gho_FAKEDIRECT', fetch: script.fetch, now: () => T0 });
    expect(session).toEqual({ token: 'gho_FAKEDIRECT', mode: 'direct', apiBaseUrl: 'https://api.individual.githubcopilot.com', sku: 'monthly_subscriber', receivedAt: T0, expiresAt: Infinity, refreshAt: Infinity });
    expect(script.calls.map((c) => c.path)).toEqual(['/copilot_internal/v2/token', '/copilot_internal/user']);
    expect(script.calls[0]!.headers.authorization).toBe('token gho_FAKEDIRECT');
    expect(script.calls[0]!.headers['editor-version']).toBeTruthy();
  });

  it('404 on both → no-copilot', async () => {
    const script = scriptedFetch(() => ({ status: 404, body: { message: 'Not Found' } }));
    await expect(exchangeToken({ endpoints: publicEndpoints, githubToken: 'gho_FAKE', fetch: script.fetch })).rejects.toMatchObject({ kind: 'no-copilot' });
  });

  it('connection refused, a destroyed socket and a timeout are network failures', async () => {
    const refused = scriptedFetch(() => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    await expect(exchangeToken({ endpoints: publicEndpoints, githubToken: 'ghu_FAKE', fetch: refused.fetch })).rejects.toMatchObject({ kind: 'network' });
    const destroyed = scriptedFetch(() => Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }));
    await expect(exchangeToken({ endpoints: publicEndpoints, githubToken: 'ghu_FAKE', fetch: destroyed.fetch })).rejects.toMatchObject({ kind: 'network' });
    const slow = scriptedFetch(() => new Promise(() => undefined));
    const hanging = (input: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        void slow.fetch(input, init);
        init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      });
    await expect(exchangeToken({ endpoints: publicEndpoints, githubToken: 'ghu_FAKE', fetch: hanging, timeoutMs: 30 })).rejects.toMatchObject({ kind: 'network' });
  });

  it('the caller aborting is "cancelled", not a network failure', async () => {
    const controller = new AbortController();
    controller.abort();
    const script = scriptedFetch(() => ({ status: 200, body: {} }));
    await expect(exchangeToken({ endpoints: publicEndpoints, githubToken: 'ghu_FAKE', fetch: script.fetch, signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
  });
});
