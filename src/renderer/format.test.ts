import { describe, it, expect } from 'vitest';
import { countdown, lifetimeLeft, parsePort, quotaLabel, phaseLabel, displayUrl } from './format.js';

describe('renderer formatting', () => {
  it('counts down from the expiry time', () => {
    expect(countdown(10_000, 0)).toBe('in 10 s');
    expect(countdown(24 * 60_000 + 5_000, 0)).toBe('in 24 min 05 s');
    expect(countdown(62 * 60_000, 0)).toBe('in 1 h 02 min');
    expect(countdown(0, 1)).toBe('expired');
  });

  it('computes the lifetime fraction left', () => {
    expect(lifetimeLeft(0, 100, 25)).toBe(0.75);
    expect(lifetimeLeft(0, 100, 200)).toBe(0);
    expect(lifetimeLeft(null, 100, 50)).toBe(1);
  });

  it('validates the port field', () => {
    expect(parsePort('4141')).toBe(4141);
    expect(parsePort(' 8080 ')).toBe(8080);
    for (const bad of ['0', '65536', '41.5', '-1', 'abc', '', '1e3']) expect(parsePort(bad)).toBeNull();
  });

  it('labels quota, phases and URLs', () => {
    expect(quotaLabel({ entitlement: 300, remaining: 212, unlimited: false })).toBe('212 / 300 requests left');
    expect(quotaLabel({ entitlement: null, remaining: null, unlimited: true })).toBe('unlimited requests');
    expect(phaseLabel('refreshing')).toBe('Refreshing token');
    expect(displayUrl('https://github.com/login/device')).toBe('github.com/login/device');
  });
});
