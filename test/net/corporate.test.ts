/**
 * The corporate network, end to end on the BUILT CLI in child processes (hardening RT-01, "a
 * class, not just the instance"): GitHub and Copilot are reachable only through an HTTP CONNECT
 * proxy (HTTPS_PROXY set, NO_PROXY not covering them), and their TLS certificates come from a
 * private CA that the relay must be told about — as the `extraCaCertsFile` setting, as
 * NODE_EXTRA_CA_CERTS, or one CA each at once. Sign-in (device flow), the token exchange, status
 * and a streamed chat all go through both; the proxy records what it tunnels. Every child runs under
 * a loopback-only guard, so a request that bypassed the proxy fails instead of leaving the machine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ensureBuilt, runCli, startServe } from './built-cli.js';
import { startConnectProxy } from './connect-proxy.js';
import type { RecordingProxy } from './connect-proxy.js';
import { createPrivateCa } from './private-ca.js';
import type { PrivateCa } from './private-ca.js';
import { startTlsFront } from './tls-front.js';
import type { TlsFront } from './tls-front.js';

/** Names that exist only behind the test proxy (a `.test` name, and a host the API base check accepts). */
const GITHUB_HOST = 'github.corp.test';
const COPILOT_HOST = 'api.relay-e2e.githubcopilot.com';

let dir: string;
let fake: FakeUpstream;
let proxy: RecordingProxy;
/** One front per CA set-up: both names from one CA, or each name from its own CA. */
let single: { ca: PrivateCa; front: TlsFront };
let split: { github: PrivateCa; copilot: PrivateCa; front: TlsFront };
let route: Map<string, number>;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'relay-corporate-'));
  fake = await startFakeUpstream({ deviceInterval: 1, pendingPolls: 1, streamChunks: 5, endpointsApiUrl: `https://${COPILOT_HOST}/capi` });
  const fakePort = Number(new URL(fake.url).port);
  const ca = createPrivateCa(dir, 'corporate-ca');
  single = { ca, front: await startTlsFront(fakePort, { [GITHUB_HOST]: ca.issue(GITHUB_HOST), [COPILOT_HOST]: ca.issue(COPILOT_HOST) }) };
  const github = createPrivateCa(dir, 'github-ca');
  const copilot = createPrivateCa(dir, 'copilot-ca');
  split = { github, copilot, front: await startTlsFront(fakePort, { [GITHUB_HOST]: github.issue(GITHUB_HOST), [COPILOT_HOST]: copilot.issue(COPILOT_HOST) }) };
  route = new Map();
  proxy = await startConnectProxy((host, port) => {
    const front = port === 443 ? route.get(host) : undefined;
    return front === undefined ? null : { host: '127.0.0.1', port: front };
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await single?.front.close();
  await split?.front.close();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends both names to `front` through the proxy. */
function routeTo(front: TlsFront): void {
  route.set(GITHUB_HOST, front.port);
  route.set(COPILOT_HOST, front.port);
}

async function relayHome(config: Record<string, unknown> = {}): Promise<string> {
  const home = await mkdtemp(join(dir, 'home-'));
  await writeFile(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

function corporateEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    COPILOT_RELAY_HOME: home,
    COPILOT_RELAY_GITHUB_URL: `https://${GITHUB_HOST}`,
    COPILOT_RELAY_GITHUB_API_URL: `https://${GITHUB_HOST}`,
    HTTPS_PROXY: proxy.url,
    // A corporate NO_PROXY that does not cover GitHub or Copilot.
    NO_PROXY: 'localhost,127.0.0.1,.intranet.example',
    ...extra,
  };
}

const tunnelsSince = (mark: number) => proxy.records.slice(mark).filter((r) => r.request.startsWith('CONNECT '));

async function streamedChat(url: string, content: string): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  let text = '';
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    text += (JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '';
  }
  return text;
}

describe('behind a corporate proxy with a private CA (built CLI)', () => {
  it('one CA as the extraCaCertsFile setting: login, status, serve and a streamed chat, all through the proxy', async () => {
    routeTo(single.front);
    const home = await relayHome({ extraCaCertsFile: single.ca.certFile });
    const env = corporateEnv(home);
    const mark = proxy.records.length;

    const login = await runCli(['login', '--insecure-storage'], env, 30_000);
    expect(login.stderr).not.toContain('LOOPBACK_ONLY');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout.split('\n')).toContain('Signed in as octocat');

    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true, login: 'octocat', apiBaseUrl: `https://${COPILOT_HOST}/capi` });

    const serve = await startServe(['--insecure-storage'], env);
    try {
      expect(await streamedChat(serve.url, 'through the proxy')).toBe('Echo: through the proxy');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(serve.stderr()).not.toContain('LOOPBACK_ONLY');

    // Everything went through the proxy as CONNECT tunnels to the two names, with bytes both ways.
    const tunnels = tunnelsSince(mark);
    expect(new Set(tunnels.map((t) => t.request))).toEqual(new Set([`CONNECT ${GITHUB_HOST}:443`, `CONNECT ${COPILOT_HOST}:443`]));
    expect(tunnels.every((t) => t.up > 0 && t.down > 0)).toBe(true);
    expect(proxy.records.slice(mark).filter((r) => !r.request.startsWith('CONNECT '))).toEqual([]);
    const capi = fake.requests.filter((r) => r.path === '/capi/chat/completions');
    expect(capi.at(-1)?.body).toMatchObject({ stream: true });
  });

  it('one CA as NODE_EXTRA_CA_CERTS only: status and a streamed chat', async () => {
    routeTo(single.front);
    const home = await relayHome();
    const env = corporateEnv(home, { NODE_EXTRA_CA_CERTS: single.ca.certFile, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken });
    const mark = proxy.records.length;
    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true, apiBaseUrl: `https://${COPILOT_HOST}/capi` });
    const serve = await startServe([], env);
    try {
      expect(await streamedChat(serve.url, 'env CA')).toBe('Echo: env CA');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(new Set(tunnelsSince(mark).map((t) => t.request))).toEqual(new Set([`CONNECT ${GITHUB_HOST}:443`, `CONNECT ${COPILOT_HOST}:443`]));
  });

  it('the setting adds to NODE_EXTRA_CA_CERTS: GitHub signed by one CA (env), Copilot by another (setting)', async () => {
    routeTo(split.front);
    const home = await relayHome({ extraCaCertsFile: split.copilot.certFile });
    const env = corporateEnv(home, { NODE_EXTRA_CA_CERTS: split.github.certFile, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken });
    const serve = await startServe([], env);
    try {
      expect(await streamedChat(serve.url, 'two CAs')).toBe('Echo: two CAs');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(split.front.servernames).toEqual(expect.arrayContaining([GITHUB_HOST, COPILOT_HOST]));
  });

  it('without the CA the same set-up fails on the certificate, with a clear message (the CA is really used)', async () => {
    routeTo(single.front);
    const home = await relayHome();
    const status = await runCli(['status', '--json'], corporateEnv(home, { COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken }));
    expect(status.code).not.toBe(0);
    expect(status.stderr).not.toContain('LOOPBACK_ONLY');
    expect(status.stderr).toContain("GitHub's TLS certificate is not trusted (the Copilot session request: UNABLE_TO_VERIFY_LEAF_SIGNATURE).");
    expect(status.stderr).toContain('extraCaCertsFile setting or NODE_EXTRA_CA_CERTS');
  });

  it('with the GitHub CA but not the Copilot one, a chat answers 502 naming the certificate problem', async () => {
    routeTo(split.front);
    const home = await relayHome();
    const serve = await startServe([], corporateEnv(home, { NODE_EXTRA_CA_CERTS: split.github.certFile, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken }));
    try {
      const res = await fetch(`${serve.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });
      const body = (await res.json()) as { error: { message: string } };
      expect(res.status).toBe(502);
      expect(body.error.message).toMatch(/Copilot API's TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
