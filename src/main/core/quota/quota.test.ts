import { describe, it, expect } from 'vitest';
import { resolveEndpoints } from '../config/endpoints.js';
import { scriptedFetch } from '../auth/scripted-fetch.js';
import { fetchCopilotAccount, planName, quotaFromUserInfo } from './quota.js';

describe('planName', () => {
  it('names plans from SKU and/or copilot_plan', () => {
    expect(planName('free_limited_copilot')).toBe('Copilot Free');
    expect(planName('monthly_subscriber')).toBe('Copilot Pro');
    expect(planName('yearly_subscriber')).toBe('Copilot Pro');
    expect(planName('monthly_subscriber_quota', 'individual')).toBe('Copilot Pro');
    expect(planName(null, 'individual_pro')).toBe('Copilot Pro+');
    expect(planName('copilot_for_business_seat_quota')).toBe('Copilot Business');
    expect(planName('x', 'enterprise')).toBe('Copilot Enterprise');
    expect(planName('something_new')).toBe('Copilot');
    expect(planName(null)).toBeNull();
  });
});

describe('quota', () => {
  const body = {
    login: 'octocat', access_type_sku: 'monthly_subscriber', copilot_plan: 'individual', tracking_id: 'SECRETISH', organization_login_list: ['acme'],
    quota_reset_date_utc: '2026-12-01T00:00:00.000Z',
    quota_snapshots: { chat: { unlimited: true }, premium_interactions: { entitlement: 300, remaining: 212, percent_remaining: 70.7, unlimited: false, overage_count: 0 } },
  };

  it('reduces premium_interactions to a snapshot, never the raw JSON', () => {
    expect(quotaFromUserInfo(body)).toEqual({ entitlement: 300, remaining: 212, unlimited: false, percentRemaining: 70.7, resetsAt: '2026-12-01T00:00:00.000Z' });
    expect(quotaFromUserInfo({ quota_snapshots: { chat: { entitlement: 50, remaining: 10, unlimited: false } } })).toMatchObject({ entitlement: 50, remaining: 10 });
    expect(quotaFromUserInfo({})).toBeNull();
    expect(quotaFromUserInfo({ quota_snapshots: { premium_interactions: 'odd' } })).toBeNull();
  });

  it('fetches /copilot_internal/user with the GitHub token; unavailable → null', async () => {
    const endpoints = resolveEndpoints({ env: {} });
    const ok = scriptedFetch(() => ({ status: 200, body }));
    const info = await fetchCopilotAccount({ endpoints, githubToken: 'ghu_FAKEQ', fetch: ok.fetch });
    expect(info).toEqual({ plan: 'Copilot Pro', sku: 'monthly_subscriber', quota: expect.objectContaining({ remaining: 212 }), tokenBasedBilling: null, credits: null });
    expect(JSON.stringify(info)).not.toContain('SECRETISH');
    expect(ok.calls[0]).toMatchObject({ path: '/copilot_internal/user', headers: { authorization: 'token ghu_FAKEQ' } });
    const tokenBilled = scriptedFetch(() => ({ status: 200, body: { ...body, token_based_billing: true, quota_snapshots: { ...body.quota_snapshots, ai_credits: { entitlement: 1000, remaining: 815.5, quota_reset_at: '2026-12-01T00:00:00Z' } } } }));
    expect(await fetchCopilotAccount({ endpoints, githubToken: 'ghu_FAKEQ', fetch: tokenBilled.fetch })).toMatchObject({
      tokenBasedBilling: true,
      credits: { used: 184.5, entitlement: 1000, resetsAt: '2026-12-01T00:00:00.000Z' },
    });
    const requestBilled = scriptedFetch(() => ({ status: 200, body: { ...body, token_based_billing: false } }));
    expect(await fetchCopilotAccount({ endpoints, githubToken: 'ghu_FAKEQ', fetch: requestBilled.fetch })).toMatchObject({ tokenBasedBilling: false, credits: null });
    const down = scriptedFetch(() => new TypeError('fetch failed'));
    expect(await fetchCopilotAccount({ endpoints, githubToken: 'ghu_FAKEQ', fetch: down.fetch })).toBeNull();
  });
});
