import { afterEach, describe, expect, it } from 'vitest';
import type { RelayError } from '../errors.js';
import { checkClientIdentity, clearClientIdentityRejection, lastClientIdentityRejection, onClientIdentityRejected } from './identity-check.js';

afterEach(() => clearClientIdentityRejection());

describe('checkClientIdentity', () => {
  it('reads HTTP 466 as an outdated client identity, with the override in the fix', () => {
    const error = checkClientIdentity(466, { error: { message: 'the specified API version is no longer supported', code: 'client_not_supported' } })!;
    expect(error.kind).toBe('client-outdated');
    expect(error.status).toBe(466);
    expect(error.message).toMatch(/^GitHub no longer accepts this client identity \(vscode\/[\d.]+, copilot-chat\/[\d.]+, API version 2026-08-01\); the Copilot API answered HTTP 466: the specified API version/);
    expect(error.fix).toContain('COPILOT_RELAY_CLIENT_IDENTITY');
    expect(error.desktopFix).toContain('clientIdentity');
    expect(checkClientIdentity(466, 'client not supported')!.message).toContain('HTTP 466: client not supported');
    expect(checkClientIdentity(466, null)!.message).toMatch(/HTTP 466\.$/);
  });

  it('reads a 400 or 404 naming the API version the same way, and nothing else', () => {
    expect(checkClientIdentity(400, { error: { message: 'bad request: unsupported X-GitHub-Api-Version' } })?.kind).toBe('client-outdated');
    expect(checkClientIdentity(404, { error: { message: 'invalid apiVersion', code: 'invalid_api_version' } })?.kind).toBe('client-outdated');
    expect(checkClientIdentity(400, { message: 'API version 2025-04-01 is no longer supported' })?.kind).toBe('client-outdated');
    expect(checkClientIdentity(400, { error: { message: 'The requested model is not supported.', code: 'model_not_supported' } })).toBeNull();
    expect(checkClientIdentity(404, { error: { message: 'Not Found' } })).toBeNull();
    expect(checkClientIdentity(429, { error: { message: 'api version' } })).toBeNull();
    expect(checkClientIdentity(200, {})).toBeNull();
  });

  it('never echoes a token from the upstream text', () => {
    const error = checkClientIdentity(466, { error: { message: 'client ghu_FAKEFAKEFAKEFAKEFAKE1234 rejected' } })!;
    expect(error.message).not.toContain('ghu_FAKE');
  });

  it('records the rejection and tells the listeners (status, tray)', () => {
    const seen: RelayError[] = [];
    const off = onClientIdentityRejected((error) => seen.push(error));
    const offBroken = onClientIdentityRejected(() => {
      throw new Error('a broken listener is ignored');
    });
    expect(lastClientIdentityRejection()).toBeNull();
    checkClientIdentity(466, 'nope');
    expect(seen).toHaveLength(1);
    expect(lastClientIdentityRejection()).toBe(seen[0]);
    off();
    offBroken();
    checkClientIdentity(466, 'again');
    expect(seen).toHaveLength(1);
    clearClientIdentityRejection();
    expect(lastClientIdentityRejection()).toBeNull();
  });
});
