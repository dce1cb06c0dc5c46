import { describe, expect, it } from 'vitest';
import { describeFailure, main } from './index.js';
import { RelayError } from '../core/errors.js';
import { captureCliOutput } from '../../../test/support/cli-output.js';

function io(env: NodeJS.ProcessEnv = {}) {
  return { ...captureCliOutput(), env };
}

describe('cli dispatch', () => {
  it('prints usage for --help and no command', async () => {
    for (const args of [['--help'], [], ['help'], ['login', '--help'], ['serve', '-h']]) {
      const s = io();
      expect(await main(args, s)).toBe(0);
      expect(s.out()).toContain('Usage: copilot-relay <command>');
      expect(s.out()).toContain('serve [--port N]');
    }
  });

  it('lists every serve flag in --help (RT-24)', async () => {
    const s = io();
    await main(['serve', '--help'], s);
    for (const flag of ['--allow-remote', '--log-bodies', '--insecure-storage', '--api-key', '--host', '--login']) expect(s.out()).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
  });

  it('rejects an unknown command with one line and exit 2', async () => {
    const s = io();
    expect(await main(['frobnicate'], s)).toBe(2);
    expect(s.err().trim().split('\n')).toHaveLength(1);
    expect(s.err()).toContain('Unknown command "frobnicate"');
  });

  it('describes failures in one redacted line, with the stack only under --debug', () => {
    const err = new RelayError('token-revoked', 'GitHub rejected token ghu_FAKEFAKEFAKEFAKE1234.', { fix: 'Run `copilot-relay login`.' });
    const line = describeFailure(err, false);
    expect(line).toBe('GitHub rejected token [redacted]. Run `copilot-relay login`.');
    expect(describeFailure(new Error('boom'), false)).toBe('Unexpected error: boom (run with --debug for details)');
    expect(describeFailure(new Error('boom'), true)).toMatch(/Unexpected error: boom\n.*Error: boom/s);
  });
});
