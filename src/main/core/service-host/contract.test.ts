import { describe, expect, it } from 'vitest';
import { signedOutStatus } from '../../../../e2e/support/status-fixtures.js';
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
});
