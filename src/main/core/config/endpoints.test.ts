import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, isLoopbackHostname, normalizeEnterpriseHost, resolveClientId, resolveEndpoints } from './endpoints.js';
import { relayHome } from './paths.js';

describe('resolveEndpoints', () => {
  it('defaults to github.com', () => {
    expect(resolveEndpoints({ env: {} })).toEqual({
      githubUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      enterprise: null,
      accountKey: 'github.com',
      loopbackApi: false,
    });
  });

  it('derives every URL of a GHE.com tenant from its host', () => {
    const e = resolveEndpoints({ enterprise: 'https://Octo.ghe.com/', env: {} });
    expect(e).toMatchObject({ githubUrl: 'https://octo.ghe.com', apiUrl: 'https://api.octo.ghe.com', enterprise: 'octo.ghe.com', accountKey: 'octo.ghe.com' });
  });

  it('lets the environment override both URLs and marks loopback APIs', () => {
    const e = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:5555/', COPILOT_RELAY_GITHUB_API_URL: 'http://localhost:5555' } });
    expect(e).toMatchObject({ githubUrl: 'http://127.0.0.1:5555', apiUrl: 'http://localhost:5555', loopbackApi: true, accountKey: '127.0.0.1:5555' });
  });

  it('refuses plain http to a non-loopback host and garbage URLs', () => {
    expect(() => resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_API_URL: 'http://example.com' } })).toThrow(/https/);
    expect(() => resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'not a url' } })).toThrow(/not a valid URL/);
  });

  it('validates enterprise hosts', () => {
    expect(normalizeEnterpriseHost('github.com')).toBe('');
    expect(() => normalizeEnterpriseHost('bad host!')).toThrow(/enterprise host/);
    expect(resolveEndpoints({ enterprise: 'github.com', env: {} }).enterprise).toBeNull();
  });

  it('knows loopback names', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.3.2.1']) expect(isLoopbackHostname(h)).toBe(true);
    for (const h of ['10.0.0.1', 'evil.com', '127.0.0.1.evil.com', 'localhost.evil.com']) expect(isLoopbackHostname(h)).toBe(false);
  });

  it('uses the Copilot plugin client id unless overridden', () => {
    expect(resolveClientId({})).toBe(DEFAULT_CLIENT_ID);
    expect(resolveClientId({ COPILOT_RELAY_CLIENT_ID: ' Iv1.custom ' })).toBe('Iv1.custom');
  });
});

describe('relayHome', () => {
  it('prefers COPILOT_RELAY_HOME, else the per-OS app config dir', () => {
    expect(relayHome({ COPILOT_RELAY_HOME: '/tmp/x' }, 'linux')).toBe('/tmp/x');
    expect(relayHome({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.config/Copilot Relay');
    expect(relayHome({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Copilot Relay');
    expect(relayHome({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/Copilot Relay');
  });
});
