import { describe, expect, it } from 'vitest';
import { allowedBetas, anthropicRoutes } from './messages.js';

describe('anthropic routes', () => {
  it('registers POST /v1/messages and /v1/messages/count_tokens in the anthropic dialect', () => {
    expect(anthropicRoutes.map((r) => [r.method, r.path, r.dialect])).toEqual([
      ['POST', '/v1/messages', 'anthropic'],
      ['POST', '/v1/messages/count_tokens', 'anthropic'],
    ]);
  });

  it('forwards only the anthropic-beta features CAPI allows', () => {
    expect(allowedBetas('claude-code-20250219,interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14')).toBe('interleaved-thinking-2025-05-14');
    expect(allowedBetas(['context-management-2025-06-27', 'advanced-tool-use-2025-11-20,context-management-2025-06-27'])).toBe('context-management-2025-06-27,advanced-tool-use-2025-11-20');
    expect(allowedBetas('prompt-caching-2024-07-31')).toBeUndefined();
    expect(allowedBetas(undefined)).toBeUndefined();
  });
});
