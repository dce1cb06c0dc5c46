import { describe, expect, it } from 'vitest';
import { barFraction, creditsFraction, creditsLabel, budgetLabel, count, counted, formatCredits, formatLatency, parseBudgetField, rangeLabel, resetLabel, timeOfDay } from './activity-format.js';

describe('activity formatting', () => {
  it('shows credits with as many digits as a request needs', () => {
    expect([184.24, 12.44, 0.21, 0.0042, 0, null].map(formatCredits)).toEqual(['184', '12.4', '0.21', '0.004', '0', '—']);
  });

  it('formats latency, times and counts', () => {
    expect(formatLatency(1830)).toBe('1.8 s');
    expect(formatLatency(640.4)).toBe('640 ms');
    expect(timeOfDay(new Date(2026, 10, 24, 14, 2, 11).getTime())).toBe('14:02:11');
    expect(count(12345.4)).toBe('12,345');
    expect(counted(1, 'error')).toBe('1 error');
    expect(counted(0, 'request')).toBe('0 requests');
    expect(counted(2001, 'request')).toBe('2,001 requests');
  });

  it('says when a limit resets: a time today, a weekday this week, a date later', () => {
    const now = new Date(2026, 10, 24, 10, 0).getTime();
    expect(resetLabel(new Date(2026, 10, 24, 16, 40).toISOString(), now)).toBe('16:40');
    expect(resetLabel(new Date(2026, 10, 26, 14, 0).toISOString(), now)).toBe('Thu 14:00');
    expect(resetLabel(new Date(2026, 11, 10).toISOString(), now, 'en-GB')).toBe('10 Dec');
    expect(resetLabel(null, now)).toBe('');
    expect(resetLabel('garbage', now)).toBe('');
  });

  it('scales bars against the largest value and labels budgets and ranges', () => {
    expect(barFraction(4, 8)).toBe(0.5);
    expect(barFraction(1, 0)).toBe(0);
    expect(barFraction(9, 8)).toBe(1);
    expect(budgetLabel({ limitCredits: 50, period: 'day' })).toBe('50/day');
    expect(rangeLabel('week')).toBe('Last 7 days');
  });

  it('accepts a positive budget, empty for none, and nothing else', () => {
    expect(parseBudgetField(' 50 ')).toBe(50);
    expect(parseBudgetField('12.5')).toBe(12.5);
    expect(parseBudgetField('')).toBeNull();
    for (const bad of ['0', '-3', 'abc', '1e3', '99999999']) expect(parseBudgetField(bad), bad).toBeUndefined();
  });

  it('speaks AI credits on the status view: GitHub count when it has one, the budget, the bar', () => {
    const local = { usedLocally: 184.2, usedOnGitHub: null, entitlement: null };
    expect(creditsLabel(local, { limitCredits: 500, period: 'month' })).toBe('184 used · budget 500/month');
    expect(creditsLabel({ usedLocally: 12.44, usedOnGitHub: 20.5, entitlement: 300 }, null)).toBe('20.5 of 300 used');
    expect(creditsFraction(local, { limitCredits: 500, usedCredits: 125 })).toBe(0.25);
    expect(creditsFraction({ usedLocally: 1, usedOnGitHub: 30, entitlement: 300 }, null)).toBe(0.1);
    expect(creditsFraction(local, null)).toBeNull();
    expect(budgetLabel({ limitCredits: 0.0042, period: 'day' })).toBe('0.004/day');
  });
});
