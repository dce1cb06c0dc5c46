import { describe, expect, it, vi } from 'vitest';
import { busyActivity } from '../../../e2e/support/activity-fixtures.js';
import { silentLogger } from '../core/log/logger.js';
import { createUsageActions } from './usage-actions.js';
import type { UsageSource } from './usage-actions.js';

function setup(source: UsageSource | null, proxyUrl: string | null = 'http://127.0.0.1:4141/v1') {
  const copied: string[] = [];
  const actions = createUsageActions({ source: () => source, clipboard: { writeText: async (t: string) => void copied.push(t) }, proxyUrl: () => proxyUrl, logger: silentLogger });
  return { actions, copied };
}

describe('usage actions', () => {
  it('reads the activity from the source, or says the ledger is unavailable', async () => {
    const snapshot = busyActivity();
    const source: UsageSource = { activity: vi.fn(async () => snapshot), setBudget: vi.fn(() => ({ overriddenBy: null })), onRecord: () => () => undefined };
    expect(await setup(source).actions.getActivity('today')).toBe(snapshot);
    expect(source.activity).toHaveBeenCalledWith('today');
    expect(await setup(null).actions.getActivity('week')).toMatchObject({ range: 'week', ledgerAvailable: false, proxyUrl: 'http://127.0.0.1:4141/v1', recent: [] });
    const failing: UsageSource = { ...source, activity: () => Promise.reject(new Error('disk I/O error')) };
    expect(await setup(failing).actions.getActivity('month')).toMatchObject({ ledgerAvailable: false });
  });

  it('copies the env lines for the running proxy only', async () => {
    const { actions, copied } = setup(null);
    expect(await actions.copyEnvLine('openai')).toEqual({ ok: true });
    expect(await actions.copyEnvLine('anthropic')).toEqual({ ok: true });
    expect(copied).toEqual(['OPENAI_BASE_URL=http://127.0.0.1:4141/v1', 'ANTHROPIC_BASE_URL=http://127.0.0.1:4141']);
    expect(await setup(null, null).actions.copyEnvLine('openai')).toEqual({ ok: false, message: 'The proxy is not running.' });
  });

  it('passes the budget to the source and reports failures in words', async () => {
    const setBudget = vi.fn(() => ({ overriddenBy: null as string | null }));
    const source: UsageSource = { activity: async () => busyActivity(), setBudget, onRecord: () => () => undefined };
    expect(await setup(source).actions.setBudget({ limitCredits: 50, period: 'day' })).toEqual({ ok: true });
    expect(setBudget).toHaveBeenCalledWith({ limitCredits: 50, period: 'day' });
    // The environment's budget wins: saved, and the window says which one applies.
    setBudget.mockReturnValueOnce({ overriddenBy: 'COPILOT_RELAY_BUDGET=500/month' });
    expect(await setup(source).actions.setBudget({ limitCredits: 50, period: 'day' })).toEqual({ ok: true, message: 'Saved, but COPILOT_RELAY_BUDGET=500/month is set and applies until it is removed.' });
    const failing: UsageSource = { ...source, setBudget: () => Promise.reject(new Error('The settings file is read-only.')) };
    expect(await setup(failing).actions.setBudget({ limitCredits: null, period: 'month' })).toEqual({ ok: false, message: 'The settings file is read-only.' });
    expect((await setup(null).actions.setBudget({ limitCredits: 5, period: 'day' })).ok).toBe(false);
  });
});
