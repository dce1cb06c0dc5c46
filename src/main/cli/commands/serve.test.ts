import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RelayError } from '../../core/errors.js';
import { createMemoryLogger } from '../../core/log/logger.js';
import type { CopilotSession, SessionProvider } from '../../core/token/session.js';
import { describeFailure } from '../index.js';
import type { CliContext } from '../context.js';
import { parseServeArgs, serve } from './serve.js';
import { captureCliOutput } from '../../../../test/support/cli-output.js';
import type { ServeDeps } from './serve.js';

function context(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const { stdout, stderr, out } = captureCliOutput();
  const controller = new AbortController();
  const ctx: CliContext = { argv, stdout, stderr, env, debug: false, signal: controller.signal };
  return { ctx, controller, out };
}

const session: CopilotSession = { token: 'tid=FAKE;exp=1:abcdefabcdefabcdef', mode: 'exchange', apiBaseUrl: 'http://127.0.0.1:9', sku: 'monthly_subscriber', receivedAt: 0, expiresAt: Infinity, refreshAt: Infinity };

function deps(getSession: SessionProvider['getSession']): ServeDeps & { logger: ReturnType<typeof createMemoryLogger> } {
  return {
    sessions: { getSession, invalidate() {} },
    logger: createMemoryLogger(),
    settings: { port: 4141, host: '127.0.0.1', bodyLimitMb: 32, extraCaCertsFile: null },
    health: () => ({ signedIn: true, sku: 'monthly_subscriber', apiBaseUrl: session.apiBaseUrl, mode: 'exchange' }),
  };
}

async function waitForLine(out: () => string): Promise<string> {
  const deadline = Date.now() + 3000;
  while (!out().includes('\n')) {
    if (Date.now() > deadline) throw new Error('no Listening line');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return out();
}

describe('serve', () => {
  it('prints exactly one Listening line on stdout, serves, and exits 0 on signal', async () => {
    const { ctx, controller, out } = context(['--port', '0']);
    const running = serve(ctx, parseServeArgs(ctx, { port: 4141, host: '127.0.0.1' }), deps(async () => session));
    const text = await waitForLine(out);
    expect(text).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = text.trim().slice('Listening on '.length);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ signedIn: true, sku: 'monthly_subscriber' });
    controller.abort();
    expect(await running).toBe(0);
    expect(out()).toBe(text);
  });

  it('refuses to start without a usable GitHub token, with the login hint', async () => {
    const { ctx, out } = context(['--port', '0']);
    const failing = serve(ctx, parseServeArgs(ctx, { port: 4141, host: '127.0.0.1' }), deps(async () => {
      throw new RelayError('not-signed-in', 'Not signed in to GitHub.', { fix: 'Run `copilot-relay login` first.' });
    }));
    const error = await failing.catch((e: unknown) => e);
    expect(describeFailure(error, false)).toBe('Not signed in to GitHub. Run `copilot-relay login` first.');
    expect(out()).toBe('');
  });

  it('still starts when the first exchange fails transiently', async () => {
    const { ctx, controller, out } = context(['--port', '0']);
    const d = deps(async () => {
      throw new RelayError('network', 'GitHub is unreachable.');
    });
    const running = serve(ctx, parseServeArgs(ctx, { port: 4141, host: '127.0.0.1' }), d);
    expect(await waitForLine(out)).toMatch(/^Listening on /);
    expect(d.logger.lines.some((l) => l.includes('serving anyway'))).toBe(true);
    controller.abort();
    expect(await running).toBe(0);
  });

  it('reports a busy port in one line', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { ctx } = context(['--port', String(port)]);
      const error = await serve(ctx, parseServeArgs(ctx, { port: 4141, host: '127.0.0.1' }), deps(async () => session)).catch((e: unknown) => e);
      expect(describeFailure(error, false)).toBe(`Port ${port} is in use — pass --port or stop the other process.`);
    } finally {
      blocker.close();
    }
  });

  it('refuses a non-loopback bind without --allow-remote, and without an API key', async () => {
    const a = context(['--host', '0.0.0.0', '--port', '0']);
    await expect(serve(a.ctx, parseServeArgs(a.ctx, { port: 4141, host: '127.0.0.1' }), deps(async () => session))).rejects.toThrow(/Refusing to bind/);
    const b = context(['--host', '0.0.0.0', '--port', '0', '--allow-remote']);
    await expect(serve(b.ctx, parseServeArgs(b.ctx, { port: 4141, host: '127.0.0.1' }), deps(async () => session))).rejects.toThrow(/requires an API key/);
  });

  it('takes the API key from COPILOT_RELAY_API_KEY and defaults from settings', () => {
    const { ctx } = context([], { COPILOT_RELAY_API_KEY: 'relay-key-FAKE' });
    expect(parseServeArgs(ctx, { port: 5000, host: 'localhost' })).toMatchObject({ port: 5000, host: 'localhost', apiKey: 'relay-key-FAKE' });
    const bad = context(['--port', '99999']);
    expect(() => parseServeArgs(bad.ctx, { port: 1, host: 'x' })).toThrow(/Invalid --port/);
  });
});

describe('copilot-relay serve (through main)', () => {
  it('exits non-zero with one line telling the user to log in when no token is stored', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { main } = await import('../index.js');
    const home = await mkdtemp(join(tmpdir(), 'relay-serve-'));
    try {
      const { stdout, stderr, out, err } = captureCliOutput();
      const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:9', COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:9' };
      const code = await main(['serve', '--port', '0', '--insecure-storage'], { stdout, stderr, env });
      expect(code).not.toBe(0);
      expect(out()).toBe('');
      const lines = err().trim().split('\n').filter((l) => !/^\S+Z (?:INFO|WARN|DEBUG) /.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/copilot-relay login/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
