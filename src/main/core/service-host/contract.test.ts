import { describe, expect, it } from 'vitest';
import { activityRow, busyActivity, emptyActivity, overBudgetActivity, rateLimitedActivity } from '../../../../e2e/support/activity-fixtures.js';
import { readyStatus, signedOutStatus } from '../../../../e2e/support/status-fixtures.js';
import { ContractViolation, checkResult, parseRequest, parseServiceMessage } from './contract.js';

describe('service message contract', () => {
  it('accepts each method with its params, refuses anything else with the id when there is one', () => {
    expect(parseRequest({ type: 'request', id: 1, method: 'getStatus', params: null })).toEqual({ type: 'request', id: 1, method: 'getStatus', params: null });
    expect(parseRequest({ type: 'request', id: 2, method: 'signIn', params: { enterprise: 'octo.ghe.com' } })).not.toBeInstanceOf(ContractViolation);
    expect(parseRequest({ type: 'request', id: 3, method: 'setSettings', params: { port: 5000 } })).not.toBeInstanceOf(ContractViolation);
    const bad: [unknown, number | undefined][] = [
      [{ type: 'request', id: 4, method: 'setSettings', params: { port: 0 } }, 4],
      [{ type: 'request', id: 5, method: 'setSettings', params: {} }, 5],
      [{ type: 'request', id: 6, method: 'setSettings', params: { port: 5000, host: '0.0.0.0' } }, 6],
      [{ type: 'request', id: 7, method: 'signIn', params: { enterprise: 'evil host/../' } }, 7],
      [{ type: 'request', id: 8, method: 'getStatus', params: { x: 1 } }, 8],
      [{ type: 'request', id: 9, method: 'eval', params: null }, 9],
      [{ type: 'request', method: 'getStatus', params: null }, undefined],
      ['getStatus', undefined],
      [null, undefined],
    ];
    for (const [raw, id] of bad) {
      const parsed = parseRequest(raw);
      expect(parsed).toBeInstanceOf(ContractViolation);
      expect((parsed as { id?: number }).id).toBe(id);
    }
  });

  it('accepts the service messages of the contract and nothing else', () => {
    const status = signedOutStatus();
    expect(parseServiceMessage({ type: 'event', event: 'status', status })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'response', id: 1, ok: true, result: null })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'response', id: 1, ok: false, error: { kind: 'network', message: 'x', fix: null, desktopFix: null } })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'event', event: 'startup-failed', error: { kind: 'config', message: 'x', fix: 'y', desktopFix: null, settingsFile: '/c.json' } })).not.toBeInstanceOf(ContractViolation);
    for (const raw of [
      { type: 'event', event: 'status', status: { ...status, phase: 'hacked' } },
      { type: 'event', event: 'status', status: { ...status, token: 'ghu_FAKE' } },
      { type: 'event', event: 'status', status: { ...status, proxy: { ...status.proxy, running: 'yes' } } },
      { type: 'event', event: 'reboot' },
      { type: 'response', id: 1, ok: false, error: { message: 'no kind' } },
      { type: 'response', id: 0, ok: true, result: null },
    ]) {
      expect(parseServiceMessage(raw)).toBeInstanceOf(ContractViolation);
    }
  });

  it('checks each result against the method it answers', () => {
    expect(checkResult('getSettings', { port: 4141, apiKeyEnabled: false })).toEqual({ port: 4141, apiKeyEnabled: false });
    expect(checkResult('getSettings', { port: '4141', apiKeyEnabled: false })).toBeInstanceOf(ContractViolation);
    expect(checkResult('getApiKey', null)).toBeNull();
    expect(checkResult('getApiKey', '')).toBeInstanceOf(ContractViolation);
    expect(checkResult('signIn', { login: 'octocat', token: 'ghu_FAKE' })).toBeInstanceOf(ContractViolation);
  });

  it('carries the usage data: status fields, the Activity snapshot, live rows, the budget and its notice, nothing more', () => {
    const limited = readyStatus({
      usage: {
        billingUnit: 'credits',
        credits: { usedLocally: 184.2, usedOnGitHub: 190, entitlement: null, periodStart: '2026-11-01T00:00:00.000Z', resetsAt: null },
        rateLimits: [{ name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt: '2026-11-24T14:00:00.000Z', reached: true }],
        rateLimited: { name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt: '2026-11-24T14:00:00.000Z', reached: true, line: 'Weekly limit reached — resets Tue 14:00' },
        budget: { period: 'day', limitCredits: 50, usedCredits: 12.4, resetsAt: '2026-11-24T00:00:00.000Z' },
      },
    });
    expect(parseServiceMessage({ type: 'event', event: 'status', status: limited })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'event', event: 'status', status: { ...limited, usage: { ...limited.usage, prompt: 'hello' } } })).toBeInstanceOf(ContractViolation);
    for (const snapshot of [emptyActivity(), busyActivity(), rateLimitedActivity(), overBudgetActivity()]) expect(checkResult('getActivity', snapshot)).toEqual(snapshot);
    expect(checkResult('getActivity', { ...busyActivity(), recent: [{ ...activityRow(0), content: 'the answer' }] })).toBeInstanceOf(ContractViolation);
    expect(parseRequest({ type: 'request', id: 1, method: 'getActivity', params: { range: 'week' } })).not.toBeInstanceOf(ContractViolation);
    expect(parseRequest({ type: 'request', id: 2, method: 'getActivity', params: { range: 'year' } })).toBeInstanceOf(ContractViolation);
    expect(parseRequest({ type: 'request', id: 3, method: 'setBudget', params: { limitCredits: 500, period: 'month' } })).not.toBeInstanceOf(ContractViolation);
    expect(parseRequest({ type: 'request', id: 4, method: 'setBudget', params: { limitCredits: null, period: 'day' } })).not.toBeInstanceOf(ContractViolation);
    for (const params of [{ limitCredits: 0, period: 'day' }, { limitCredits: 5, period: 'week' }, { limitCredits: '5', period: 'day' }, { limitCredits: 5 }]) {
      expect(parseRequest({ type: 'request', id: 5, method: 'setBudget', params })).toBeInstanceOf(ContractViolation);
    }
    expect(checkResult('setBudget', { overriddenBy: 'COPILOT_RELAY_BUDGET=500/month' })).toEqual({ overriddenBy: 'COPILOT_RELAY_BUDGET=500/month' });
    expect(parseServiceMessage({ type: 'event', event: 'activity', rows: [activityRow(0), activityRow(1)] })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'event', event: 'activity', rows: [] })).toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'event', event: 'budget-warning', notice: { title: 'Copilot Relay: 80 % of your budget used', body: '40 of 50 AI credits used today.' } })).not.toBeInstanceOf(ContractViolation);
    expect(parseServiceMessage({ type: 'event', event: 'budget-warning', notice: { title: 'x' } })).toBeInstanceOf(ContractViolation);
  });
});
