import { describe, expect, it } from 'vitest';
import { refusalKind } from './forbidden.js';

describe('refusalKind (what a Copilot 403 is about)', () => {
  it('recognises session-token problems', () => {
    expect(refusalKind(Buffer.from('{"error":{"message":"unauthorized: token expired"}}'))).toBe('token');
    expect(refusalKind('IDE token expired: unauthorized: token expired')).toBe('token');
    expect(refusalKind('{"message":"Bad credentials"}')).toBe('token');
  });

  it('recognises policy refusals', () => {
    expect(refusalKind('{"error":{"message":"You are not authorized to use this Copilot feature, it requires an enterprise or organization policy to be enabled."}}')).toBe('policy');
    expect(refusalKind('{"error":{"message":"The model gpt-4.1 is disabled by your organization"}}')).toBe('policy');
    expect(refusalKind('{"error":{"code":"model_blocked","message":"Access to this model is blocked."}}')).toBe('policy');
  });

  it('anything else is unknown (re-exchanged at most once per session token)', () => {
    expect(refusalKind('')).toBe('unknown');
    expect(refusalKind('<html>Forbidden</html>')).toBe('unknown');
  });
});
