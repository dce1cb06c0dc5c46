import { describe, expect, it } from 'vitest';
import { RelayError } from '../errors.js';
import { BUILT_IN_IDENTITY, isOverridden, parseClientIdentityOverride, resolveClientIdentity } from './identity.js';

const env = (value: string): NodeJS.ProcessEnv => ({ COPILOT_RELAY_CLIENT_IDENTITY: value });

function configError(run: () => unknown): RelayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).kind).toBe('config');
    return error as RelayError;
  }
  throw new Error('expected a config error');
}

describe('client identity', () => {
  it('is the current VS Code identity by default, with API version 2026-08-01', () => {
    const identity = resolveClientIdentity({ env: {} });
    expect(identity).toEqual(BUILT_IN_IDENTITY);
    expect(identity.apiVersion).toBe('2026-08-01');
    expect(identity.editorVersion).toMatch(/^vscode\/1\.12\d\.\d+$/);
    expect(identity.editorPluginVersion).toMatch(/^copilot-chat\/0\.[45]\d\.\d+$/);
    expect(isOverridden(identity)).toBe(false);
  });

  it('takes any subset of fields from the setting, then from COPILOT_RELAY_CLIENT_IDENTITY', () => {
    const identity = resolveClientIdentity({
      env: env('{"editorPluginVersion":"copilot-chat/0.52.0","userAgent":"GitHubCopilotChat/0.52.0"}'),
      setting: { editorPluginVersion: 'copilot-chat/0.50.0', apiVersion: '2026-10-01' },
    });
    expect(identity).toEqual({ ...BUILT_IN_IDENTITY, editorPluginVersion: 'copilot-chat/0.52.0', userAgent: 'GitHubCopilotChat/0.52.0', apiVersion: '2026-10-01' });
    expect(isOverridden(identity)).toBe(true);
    expect(resolveClientIdentity({ env: env('  ') })).toEqual(BUILT_IN_IDENTITY);
  });

  it('refuses invalid JSON with one config error naming the variable', () => {
    const error = configError(() => resolveClientIdentity({ env: env('{editorVersion: vscode}') }));
    expect(error.message).toMatch(/^COPILOT_RELAY_CLIENT_IDENTITY is not a valid client identity: not JSON/);
    expect(error.fix).toContain('editorVersion, editorPluginVersion, userAgent, integrationId, apiVersion');
  });

  it('refuses unknown fields, non-strings, header-breaking characters and a malformed API version', () => {
    expect(configError(() => parseClientIdentityOverride('[]', 'X')).message).toContain('expected a JSON object');
    expect(configError(() => parseClientIdentityOverride('{"editorversion":"vscode/1"}', 'X')).message).toContain('unknown field "editorversion"');
    expect(configError(() => parseClientIdentityOverride('{"editorVersion":1}', 'X')).message).toContain('"editorVersion" must be a string');
    expect(configError(() => parseClientIdentityOverride({ userAgent: 'a\r\nx-evil: 1' }, 'X')).message).toContain('printable ASCII');
    expect(configError(() => parseClientIdentityOverride({ integrationId: '' }, 'X')).message).toContain('"integrationId" must be a string');
    expect(configError(() => parseClientIdentityOverride({ apiVersion: 'latest' }, 'X')).message).toContain('2026-08-01');
    expect(configError(() => resolveClientIdentity({ setting: { apiVersion: 'x' } })).message).toMatch(/^The clientIdentity setting/);
  });
});
