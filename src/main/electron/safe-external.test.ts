import { describe, it, expect } from 'vitest';
import { isAllowedExternalUrl } from './safe-external.js';

describe('isAllowedExternalUrl', () => {
  it('allows https URLs on the exact GitHub host', () => {
    expect(isAllowedExternalUrl('https://github.com/login/device', 'https://github.com')).toBe(true);
    expect(isAllowedExternalUrl('https://octo.ghe.com/login/device', 'https://octo.ghe.com')).toBe(true);
  });

  it('rejects other schemes, look-alike hosts, credentials and garbage', () => {
    expect(isAllowedExternalUrl('http://github.com/login/device', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com.evil.test/login', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('https://evil.test/?https://github.com', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com@evil.test/', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@github.com/', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('not a url', 'https://github.com')).toBe(false);
    expect(isAllowedExternalUrl('https://octo.ghe.com/login', 'https://github.com')).toBe(false);
  });
});
