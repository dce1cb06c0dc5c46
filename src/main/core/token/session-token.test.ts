import { describe, it, expect } from 'vitest';
import { parseSessionToken } from './session-token.js';

describe('parseSessionToken', () => {
  it('reads exp, sku and proxy-ep from the fields before the MAC', () => {
    const token = 'tid=FAKE;exp=1900000000;sku=monthly_subscriber;proxy-ep=proxy.individual.githubcopilot.com;ip=127.0.0.1;8kp=1:00deadbeef00';
    expect(parseSessionToken(token)).toEqual({ exp: 1900000000, sku: 'monthly_subscriber', proxyEp: 'proxy.individual.githubcopilot.com' });
  });

  it('splits only at the first "=" and the first ":"', () => {
    const token = 'tid=a=b;exp=5;x=y:z:abcdef';
    expect(parseSessionToken(token)).toEqual({ exp: 5, sku: null, proxyEp: null });
  });

  it('returns nothing (and does not throw) for a direct-mode GitHub token', () => {
    expect(parseSessionToken('gho_FAKEFAKEFAKE')).toEqual({ exp: null, sku: null, proxyEp: null });
    expect(parseSessionToken('')).toEqual({ exp: null, sku: null, proxyEp: null });
  });

  it('ignores a non-numeric exp', () => {
    expect(parseSessionToken('exp=soon;sku=x:ab').exp).toBeNull();
  });
});
