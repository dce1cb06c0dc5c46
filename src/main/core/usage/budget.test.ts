import { describe, expect, it } from 'vitest';
import { Budget, parseBudget, periodBounds, resolveBudget } from './budget.js';

const NOW = new Date(2026, 10, 24, 10, 0, 0).getTime();

function harness(spent = 0) {
  let now = NOW;
  let ledger = spent;
  let warnedKey: string | null = null;
  const warnings: number[] = [];
  const budget = new Budget({ spentSince: () => ledger, now: () => now, warned: { get: () => warnedKey, set: (k) => (warnedKey = k) } });
  budget.onWarning((s) => warnings.push(s.usedCredits));
  return {
    budget,
    warnings,
    spend(credits: number) {
      ledger += credits;
      budget.add(credits, now);
    },
    advance(ms: number) {
      now += ms;
    },
    setLedger(v: number) {
      ledger = v;
    },
  };
}

describe('parseBudget / resolveBudget', () => {
  it('reads N/day and N/month in a few spellings', () => {
    expect(parseBudget('500/month')).toEqual({ limitCredits: 500, period: 'month' });
    expect(parseBudget(' 50 / day ')).toEqual({ limitCredits: 50, period: 'day' });
    expect(parseBudget('12.5 credits/d')).toEqual({ limitCredits: 12.5, period: 'day' });
    expect(parseBudget('100/mo')).toEqual({ limitCredits: 100, period: 'month' });
  });

  it('refuses anything else with a config error that says how', () => {
    for (const bad of ['500', '0/day', '-1/day', '5/week', 'lots']) {
      expect(() => parseBudget(bad)).toThrow(expect.objectContaining({ kind: 'config', fix: expect.stringContaining('50/day') }));
    }
  });

  it('lets the environment win over the setting', () => {
    expect(resolveBudget({ COPILOT_RELAY_BUDGET: '50/day' }, { budgetCredits: 500, budgetPeriod: 'month' })).toEqual({ limitCredits: 50, period: 'day' });
    expect(resolveBudget({}, { budgetCredits: 500, budgetPeriod: 'month' })).toEqual({ limitCredits: 500, period: 'month' });
    expect(resolveBudget({ COPILOT_RELAY_BUDGET: ' ' }, { budgetCredits: null, budgetPeriod: 'month' })).toBeNull();
  });

  it('uses local calendar periods', () => {
    expect(periodBounds('day', NOW)).toEqual({ startsAt: new Date(2026, 10, 24).getTime(), resetsAt: new Date(2026, 10, 25).getTime() });
    expect(periodBounds('month', NOW)).toEqual({ startsAt: new Date(2026, 10, 1).getTime(), resetsAt: new Date(2026, 11, 1).getTime() });
  });
});

describe('Budget', () => {
  it('does nothing until configured', () => {
    const { budget } = harness(1000);
    expect(budget.admit()).toBeNull();
    expect(budget.state()).toBeNull();
  });

  it('warns once at 80 %, refuses at 100 % with budget_exceeded and no retry, until the budget is raised', () => {
    const h = harness(10);
    h.budget.configure({ limitCredits: 50, period: 'day' });
    expect(h.budget.state()).toMatchObject({ usedCredits: 10, limitCredits: 50 });
    h.spend(25);
    expect(h.warnings).toEqual([]);
    h.spend(6);
    h.spend(1);
    expect(h.warnings).toEqual([41]);
    expect(h.budget.admit()).toBeNull();
    h.spend(9.5);
    const refusal = h.budget.admit();
    expect(refusal).toEqual({
      status: 429,
      code: 'budget_exceeded',
      message: 'Your Copilot Relay budget of 50 AI credits per day is used up (51.5 spent); it resets Wed 00:00 (in 14 h). Raise it in the Copilot Relay window or with COPILOT_RELAY_BUDGET.',
      retryAfterSec: 14 * 3600,
      shouldRetry: false,
    });
    h.budget.configure({ limitCredits: 100, period: 'day' });
    expect(h.budget.admit()).toBeNull();
    expect(h.warnings).toEqual([41]);
  });

  it('starts again when the period resets, and warns again in the new period', () => {
    const h = harness(0);
    h.budget.configure({ limitCredits: 10, period: 'day' });
    h.spend(12);
    expect(h.budget.admit()?.code).toBe('budget_exceeded');
    expect(h.warnings).toHaveLength(1);
    h.advance(15 * 3_600_000);
    h.setLedger(0); // the ledger's sum for the new day
    expect(h.budget.admit()).toBeNull();
    h.spend(9);
    expect(h.warnings).toHaveLength(2);
  });

  it('does not warn twice for the same period after a restart (the key is persisted)', () => {
    let key: string | null = null;
    const warned = { get: () => key, set: (k: string) => void (key = k) };
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) {
      const budget = new Budget({ spentSince: () => 45, now: () => NOW, warned });
      budget.onWarning((s) => seen.push(s.usedCredits));
      budget.configure({ limitCredits: 50, period: 'day' });
    }
    expect(seen).toEqual([45]);
  });

  it('a warning due before anyone listened (a relay starting at 90 %) goes to the first listener, once', () => {
    let key: string | null = null;
    const budget = new Budget({ spentSince: () => 45, now: () => NOW, warned: { get: () => key, set: (k) => void (key = k) } });
    budget.configure({ limitCredits: 50, period: 'day' });
    expect(key).toBeNull();
    const seen: number[] = [];
    budget.onWarning((s) => seen.push(s.usedCredits));
    budget.onWarning((s) => seen.push(-s.usedCredits));
    expect(seen).toEqual([45]);
    expect(key).not.toBeNull();
  });

  it('re-reads the ledger each minute (another relay process may spend too)', () => {
    const h = harness(0);
    h.budget.configure({ limitCredits: 100, period: 'month' });
    h.setLedger(70);
    expect(h.budget.state()?.usedCredits).toBe(0);
    h.advance(61_000);
    expect(h.budget.state()?.usedCredits).toBe(70);
  });
});
