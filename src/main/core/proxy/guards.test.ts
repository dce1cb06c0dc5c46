import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { ApiKeyCheck, hostAllowed, isLoopbackOrigin, originAllowed, parseHostHeader } from './guards.js';

describe('hostAllowed', () => {
  const policy = { port: 4141 };
  it('accepts loopback names with our port', () => {
    for (const host of ['127.0.0.1:4141', 'localhost:4141', 'LOCALHOST:4141', '[::1]:4141']) expect(hostAllowed(host, policy)).toBe(true);
  });
  it('refuses other ports, foreign names (DNS rebinding) and junk', () => {
    for (const host of ['127.0.0.1:4142', 'localhost', 'evil.com:4141', '127.0.0.1.evil.com:4141', '192.168.1.5:4141', '', 'a:b:c', undefined]) {
      expect(hostAllowed(host, policy)).toBe(false);
    }
  });
  it('accepts an opted-in address, and IP literals (never names) on a wildcard bind', () => {
    expect(hostAllowed('192.168.1.5:4141', { port: 4141, extraHosts: ['192.168.1.5'] })).toBe(true);
    expect(hostAllowed('10.0.0.2:4141', { port: 4141, anyIpLiteral: true })).toBe(true);
    expect(hostAllowed('evil.com:4141', { port: 4141, anyIpLiteral: true })).toBe(false);
  });
  it('parses IPv6 literals', () => {
    expect(parseHostHeader('[::1]:80')).toEqual({ hostname: '[::1]', port: 80 });
  });
});

describe('origin guard', () => {
  it('allows no Origin and loopback pages on any port', () => {
    expect(originAllowed(undefined)).toBe(true);
    expect(isLoopbackOrigin('http://localhost:3000')).toBe(true);
    expect(isLoopbackOrigin('https://127.0.0.1')).toBe(true);
    expect(isLoopbackOrigin('http://[::1]:8080')).toBe(true);
  });
  it('refuses foreign and opaque origins', () => {
    for (const origin of ['https://evil.com', 'null', 'http://localhost.evil.com', 'http://127.0.0.1.nip.io:80', 'file://']) expect(originAllowed(origin)).toBe(false);
  });
});

describe('ApiKeyCheck', () => {
  const check = new ApiKeyCheck('relay-key-FAKE');
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it('accepts Bearer and x-api-key', () => {
    expect(check.check(req({ authorization: 'Bearer relay-key-FAKE' }))).toBe(true);
    expect(check.check(req({ 'x-api-key': 'relay-key-FAKE' }))).toBe(true);
  });
  it('refuses wrong, missing, prefix and other-scheme keys', () => {
    expect(check.check(req({}))).toBe(false);
    expect(check.check(req({ authorization: 'Bearer relay-key' }))).toBe(false);
    expect(check.check(req({ authorization: 'Basic relay-key-FAKE' }))).toBe(false);
    expect(check.check(req({ 'x-api-key': 'relay-key-FAKE2' }))).toBe(false);
    expect(new ApiKeyCheck('').matches(undefined)).toBe(false);
  });
});
