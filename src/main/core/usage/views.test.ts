import { describe, expect, it } from 'vitest';
import { billingUnit, budgetWarning, planPeriodStart, rangeStart, rateLimitedLine, usageStatus } from './views.js';

const NOW = new Date(2026, 10, 24, 10, 0).getTime();

describe('usage views', () => {
  it('picks the unit from token_based_billing', () => {
    expect([true, false, null, undefined].map(billingUnit)).toEqual(['credits', 'requests', null, null]);
  });

  it('writes the tray line for a reached limit', () => {
    const reset = new Date(2026, 10, 24, 14, 0).getTime();
    expect(rateLimitedLine({ name: 'weekly', usedPercent: 100, resetsAt: new Date(2026, 10, 26, 14, 0).getTime(), reached: true, code: 'x', seenAt: NOW }, NOW)).toBe('Weekly limit reached — resets Thu 14:00');
    expect(rateLimitedLine({ name: 'session', usedPercent: 100, resetsAt: reset, reached: true, code: 'x', seenAt: NOW }, NOW)).toBe('5-hour limit reached — resets 14:00');
    expect(rateLimitedLine({ name: 'credits', usedPercent: 100, resetsAt: null, reached: true, code: 'x', seenAt: NOW }, NOW)).toBe('Out of AI credits');
  });

  it('starts the plan period a month before GitHub\'s reset date, else on the 1st', () => {
    expect(planPeriodStart('2026-12-15T00:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 15));
    expect(planPeriodStart(null, NOW)).toBe(new Date(2026, 10, 1).getTime());
    expect(rangeStart('week', NOW)).toBe(new Date(2026, 10, 18).getTime());
  });

  it('builds the status fields and the 80 % notification', () => {
    const status = usageStatus({ tokenBasedBilling: true, creditsThisPeriod: 184.2, periodStart: new Date(2026, 10, 1).getTime(), githubCredits: { used: 190, entitlement: 1000, resetsAt: '2026-12-01T00:00:00.000Z' }, limits: [], budget: null, now: NOW });
    expect(status).toMatchObject({ billingUnit: 'credits', credits: { usedLocally: 184.2, usedOnGitHub: 190, entitlement: 1000 }, rateLimits: [], rateLimited: null, budget: null });
    const warning = budgetWarning({ limitCredits: 50, period: 'day', usedCredits: 41.04, startsAt: new Date(2026, 10, 24).getTime(), resetsAt: new Date(2026, 10, 25).getTime() }, NOW);
    expect(warning).toEqual({ title: 'Copilot Relay: 82 % of your budget used', body: '41 of 50 AI credits used today. At 50 the relay stops sending requests until Wed 00:00.' });
  });
});
