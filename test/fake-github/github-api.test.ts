import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';

let fake: FakeUpstream;
beforeEach(async () => {
  fake = await startFakeUpstream();
});
afterEach(async () => {
  await fake.close();
});

const exchange = (auth: string | null, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}/copilot_internal/v2/token`, { headers: { ...(auth ? { authorization: auth } : {}), ...headers } });

interface Envelope { token: string; expires_at: number; refresh_in: number; sku: string; individual: boolean; chat_enabled: boolean; endpoints: Record<string, string>; tracking_id: string }

function tokenFields(token: string): Record<string, string> {
  const [fields] = token.split(':');
  return Object.fromEntries(fields!.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

describe('/user', () => {
  it('answers the login for token and Bearer auth, 401 otherwise', async () => {
    for (const scheme of ['token', 'Bearer']) {
      const res = await fetch(`${fake.url}/user`, { headers: { authorization: `${scheme} ${fake.defaultToken}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ login: 'octocat', id: expect.any(Number), name: expect.any(String), avatar_url: expect.any(String) });
    }
    const bad = await fetch(`${fake.url}/user`, { headers: { authorization: 'token ghu_FAKEunknown' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });
    fake.revokeGithubToken(fake.defaultToken);
    expect((await fetch(`${fake.url}/user`, { headers: { authorization: `token ${fake.defaultToken}` } })).status).toBe(401);
  });
});

describe('token exchange', () => {
  it('accepts token, Token and Bearer and answers a well-formed envelope', async () => {
    for (const scheme of ['token', 'Token', 'Bearer']) {
      const res = await exchange(`${scheme} ${fake.defaultToken}`);
      expect(res.status).toBe(200);
    }
    const before = Math.floor(Date.now() / 1000);
    const body = (await (await exchange(`token ${fake.defaultToken}`, { 'editor-version': 'vscode/1.0' })).json()) as Envelope;
    expect(body.expires_at).toBeGreaterThanOrEqual(before + 1800);
    expect(body.expires_at).toBeLessThan(before + 1800 + 5);
    expect(body).toMatchObject({ refresh_in: 1500, sku: 'monthly_subscriber', individual: true, chat_enabled: true });
    expect(body.endpoints).toMatchObject({ api: fake.capiUrl, proxy: expect.any(String), telemetry: expect.any(String), 'origin-tracker': expect.any(String) });
    expect(body.token).toMatch(/^tid=[0-9a-f]{32};exp=\d+;sku=monthly_subscriber;proxy-ep=proxy\.individual\.githubcopilot\.com;st=dotcom;chat=1;ip=127\.0\.0\.1;asn=AS0000:[0-9a-f]{64}$/);
    expect(tokenFields(body.token)['exp']).toBe(String(body.expires_at));
    expect(fake.issuedSessionTokens()).toContain(body.token);
    expect(fake.issuedSessionTokens()).toHaveLength(4);
    expect(fake.counters.exchanges).toBe(4);
    // Editor headers aren't required, but recorded.
    expect(fake.requests.at(-1)?.headers['editor-version']).toBe('vscode/1.0');
  });

  it('answers 401 for unknown, missing or revoked GitHub tokens', async () => {
    expect((await exchange('token ghu_FAKEnobody')).status).toBe(401);
    expect((await exchange(null)).status).toBe(401);
    fake.revokeGithubToken(fake.defaultToken);
    expect((await exchange(`token ${fake.defaultToken}`)).status).toBe(401);
  });

  it('answers the 403 envelope without Copilot and 404 for oauth-direct apps', async () => {
    const noCopilot = fake.addAccount({ login: 'nocopilot', copilot: false });
    const res = await exchange(`token ${noCopilot}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      message: expect.any(String),
      error_details: { message: 'No Copilot access for this account', notification_id: 'no_copilot_access', title: expect.any(String), url: expect.any(String) },
    });
    const direct = fake.addAccount({ login: 'direct', app: 'oauth-direct' });
    expect(direct).toMatch(/^gho_FAKE/);
    const notFound = await exchange(`Bearer ${direct}`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ message: 'Not Found' });
  });

  it('honours the envelope knobs: ms expiry, skew, omitted endpoints.api, proxy-ep, sku', async () => {
    fake.knobs.expiresAtInMs = true;
    fake.knobs.serverClockSkewSec = 3600;
    fake.knobs.includeEndpointsApi = false;
    fake.knobs.proxyEp = null;
    fake.knobs.sessionTtlSec = 60;
    fake.knobs.refreshInSec = 30;
    const business = fake.addAccount({ login: 'corp', sku: 'copilot_for_business_seat_quota' });
    const body = (await (await exchange(`token ${business}`)).json()) as Envelope;
    const nowSec = Date.now() / 1000;
    expect(body.expires_at).toBeGreaterThan(1e11);
    expect(body.expires_at / 1000 - nowSec).toBeGreaterThan(3600 + 55);
    expect(body.expires_at / 1000 - nowSec).toBeLessThan(3600 + 65);
    expect(body.refresh_in).toBe(30);
    expect(body.endpoints['api']).toBeUndefined();
    expect(body.sku).toBe('copilot_for_business_seat_quota');
    expect(body.individual).toBe(false);
    expect(tokenFields(body.token)['proxy-ep']).toBeUndefined();
  });

  it('fails the next N exchanges, then recovers', async () => {
    fake.knobs.exchangeFailures = 2;
    fake.knobs.exchangeFailureStatus = 502;
    expect((await exchange(`token ${fake.defaultToken}`)).status).toBe(502);
    expect(fake.knobs.exchangeFailures).toBe(1);
    expect((await exchange(`token ${fake.defaultToken}`)).status).toBe(502);
    expect((await exchange(`token ${fake.defaultToken}`)).status).toBe(200);
    expect(fake.counters.exchanges).toBe(3);
  });

  it('drops the socket when unreachable', async () => {
    fake.knobs.exchangeUnreachable = true;
    await expect(exchange(`token ${fake.defaultToken}`)).rejects.toThrow();
    expect(fake.counters.abortedRequests).toBe(0);
    expect(fake.counters.exchangesInFlight).toBe(0);
  });

  it('tracks concurrent exchanges in flight', async () => {
    fake.knobs.exchangeLatencyMs = 50;
    const all = await Promise.all([1, 2, 3].map(() => exchange(`token ${fake.defaultToken}`)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(fake.counters.maxExchangesInFlight).toBe(3);
    expect(fake.counters.exchangesInFlight).toBe(0);
  });
});

describe('/copilot_internal/user', () => {
  it('answers plan and quota with GitHub-token auth', async () => {
    const res = await fetch(`${fake.url}/copilot_internal/user`, { headers: { authorization: `token ${fake.defaultToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      access_type_sku: 'monthly_subscriber',
      copilot_plan: 'individual',
      chat_enabled: true,
      endpoints: { api: fake.capiUrl },
      quota_reset_date: expect.stringMatching(/^\d{4}-\d{2}-01$/),
      quota_snapshots: {
        chat: { unlimited: true },
        completions: { unlimited: true },
        premium_interactions: { entitlement: 300, remaining: 212, percent_remaining: 70.7, unlimited: false, overage_count: 0, overage_permitted: false },
      },
    });
    expect((await fetch(`${fake.url}/copilot_internal/user`, { headers: { authorization: 'token ghu_FAKEnobody' } })).status).toBe(401);
  });
});
