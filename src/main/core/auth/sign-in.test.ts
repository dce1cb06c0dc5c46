import { describe, it, expect } from 'vitest';
import { resolveEndpoints } from '../config/endpoints.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import { TokenManager } from '../token/token-manager.js';
import { Credentials } from './credentials.js';
import { scriptedFetch } from './scripted-fetch.js';
import { signInWithDeviceFlow } from './sign-in.js';

const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:1', COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:1' } });

describe('signInWithDeviceFlow', () => {
  it('shows the prompt before the first poll, then stores the token and returns the login', async () => {
    const events: string[] = [];
    const script = scriptedFetch((call) => {
      events.push(call.path);
      if (call.path === '/login/device/code') return { status: 200, body: { device_code: 'D', user_code: 'ABCD-EFGH', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 0 } };
      if (call.path === '/login/oauth/access_token') return { status: 200, body: { access_token: 'ghu_FAKESIGNIN' } };
      if (call.path === '/user') return { status: 200, body: { login: 'octocat' } };
      return { status: 404 };
    });
    const store = new MemorySecretStore();
    await store.set(`${endpoints.accountKey}#session`, '{"v":1,"stale":true}');
    const tokens = new TokenManager({ endpoints, credentials: new Credentials(store, endpoints.accountKey), fetch: script.fetch });
    const result = await signInWithDeviceFlow({
      endpoints, clientId: 'Iv1.FAKE', tokens, fetch: script.fetch,
      onPrompt: (prompt) => events.push(`prompt ${prompt.userCode} ${prompt.verificationUri}`),
    });
    expect(result).toEqual({ login: 'octocat' });
    expect(events).toEqual(['/login/device/code', 'prompt ABCD-EFGH https://github.com/login/device', '/login/oauth/access_token', '/user']);
    expect(store.entries.get(endpoints.accountKey)).toBe('ghu_FAKESIGNIN');
    expect(store.entries.has(`${endpoints.accountKey}#session`)).toBe(false);
    tokens.close();
  });

  it('a cancelled sign-in stores nothing', async () => {
    const controller = new AbortController();
    const script = scriptedFetch(() => ({ status: 200, body: { device_code: 'D', user_code: 'ABCD-EFGH', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 5 } }));
    const store = new MemorySecretStore();
    const tokens = new TokenManager({ endpoints, credentials: new Credentials(store, endpoints.accountKey), fetch: script.fetch });
    const pending = signInWithDeviceFlow({ endpoints, clientId: 'Iv1.FAKE', tokens, fetch: script.fetch, signal: controller.signal, onPrompt: () => controller.abort() });
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    expect(store.entries.size).toBe(0);
    tokens.close();
  });
});
