import { describe, expect, it } from 'vitest';
import { classifyClient } from './client.js';

describe('classifyClient', () => {
  it.each([
    ['claude-cli/2.1.126 (external, cli)', 'Claude Code'],
    ['codex_cli_rs/0.46.0 (Mac OS 15.0.1; arm64) iTerm.app/3.5.0', 'Codex'],
    ['codex_exec/0.50.0 (Ubuntu 24.04; x86_64)', 'Codex'],
    ['opencode/1.16.0 ai-sdk/provider-utils/3.0.1 runtime/bun/1.2.0', 'opencode'],
    ['curl/8.5.0', 'curl'],
    ['OpenAI/JS 6.49.0', 'OpenAI SDK (JS)'],
    ['OpenAI/Python 1.99.1', 'OpenAI SDK (Python)'],
    ['Anthropic/JS 0.60.0', 'Anthropic SDK (JS)'],
    ['Anthropic/Python 0.64.0', 'Anthropic SDK (Python)'],
    ['OpenAI/Go 1.12.0', 'OpenAI SDK (Go)'],
    ['python-httpx/0.27.0', 'python-httpx'],
    ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla'],
  ])('%s → %s', (ua, label) => {
    expect(classifyClient(ua)).toBe(label);
  });

  it('says unknown for a missing UA and never stores more than a short product name', () => {
    expect(classifyClient(null)).toBe('unknown');
    expect(classifyClient('   ')).toBe('unknown');
    expect(classifyClient('(weird)')).toBe('other');
    expect(classifyClient(`${'x'.repeat(200)}/1.0`)).toHaveLength(40);
  });
});
