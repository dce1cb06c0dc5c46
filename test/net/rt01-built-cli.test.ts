/**
 * RT-01: with HTTP(S)_PROXY set or an extra CA file configured, every GitHub and Copilot call of
 * the BUILT CLI failed (the bundled dynamic import of undici exported only `default`). Unit tests
 * import the sources, where the named exports exist, so these run the built CLI in child processes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ensureBuilt, runCli, startServe } from './built-cli.js';
import { startConnectProxy } from './connect-proxy.js';
import type { RecordingProxy } from './connect-proxy.js';

let fake: FakeUpstream;
let proxy: RecordingProxy;
let home: string;

beforeAll(async () => {
  ensureBuilt();
  // No endpoints.api in the exchange: the session's API base is the public Copilot host (from proxy-ep),
  // which a proxied client must reach through the proxy.
  fake = await startFakeUpstream({ includeEndpointsApi: false });
  // Refuses every tunnel: these tests check that calls reach the proxy at all, not what is behind it.
  proxy = await startConnectProxy(() => null);
  home = await mkdtemp(join(tmpdir(), 'relay-rt01-'));
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

async function freshHome(config?: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(home, 'h-'));
  if (config) await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const baseEnv = (relayHome: string): NodeJS.ProcessEnv => ({
  HOME: relayHome,
  COPILOT_RELAY_HOME: relayHome,
  COPILOT_RELAY_GITHUB_URL: fake.url,
  COPILOT_RELAY_GITHUB_API_URL: fake.url,
  COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken,
});

describe('RT-01: the built CLI with a proxy or an extra CA file', () => {
  it('status --json works with HTTPS_PROXY/HTTP_PROXY set (loopback GitHub is never proxied)', async () => {
    const before = proxy.records.length;
    const result = await runCli(['status', '--json'], { ...baseEnv(await freshHome()), HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
    expect(result.stderr).not.toContain('LOOPBACK_ONLY');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ signedIn: true, login: 'octocat', sku: 'monthly_subscriber' });
    expect(proxy.records.length).toBe(before);
  });

  it('status --json works with the extraCaCertsFile setting', async () => {
    const relayHome = await freshHome();
    const ca = join(relayHome, 'corporate-ca.pem');
    await writeFile(ca, rootCertificates[0]!);
    await writeFile(join(relayHome, 'config.json'), JSON.stringify({ extraCaCertsFile: ca }));
    const result = await runCli(['status', '--json'], baseEnv(relayHome));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ signedIn: true, login: 'octocat' });
  });

  it('serve sends Copilot calls for a public API host through HTTPS_PROXY (a clear 502 when the proxy refuses, not 500)', async () => {
    const before = proxy.tunnels().length;
    const serve = await startServe([], { ...baseEnv(await freshHome()), HTTPS_PROXY: proxy.url });
    try {
      const res = await fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(502);
      expect(body.error.code).not.toBe('internal_error');
      expect(proxy.tunnels().slice(before)).toContain('api.individual.githubcopilot.com:443');
      expect(serve.stderr()).not.toContain('LOOPBACK_ONLY');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
