import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentBin, clientsCacheDir } from '../../e2e/clients/support/install.js';
import { startNetGuard } from '../../e2e/clients/support/net-guard.js';
import { runAgent } from '../../e2e/clients/support/run-agent.js';
import { makeSandbox } from '../../e2e/clients/support/sandbox.js';
import { startTap } from '../../e2e/clients/support/tap.js';

// The clients suite's own plumbing: if the tap, the net guard or the process check lied, every
// agent scenario built on them would too.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends raw bytes and returns everything the server writes until it closes. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('tap', () => {
  it('forwards a request unchanged but for Host, and records both sides', async () => {
    let seenHost = '';
    const target = await listen(createServer((req, res) => {
      seenHost = req.headers.host ?? '';
      res.writeHead(401, { 'content-type': 'application/json', 'x-should-retry': 'false' }).end('{"error":"nope"}');
    }));
    const tap = await startTap(target);
    closers.push(() => tap.close());
    const answer = await fetch(`${tap.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"model":"m"}' });
    expect(answer.status).toBe(401);
    expect(await answer.text()).toBe('{"error":"nope"}');
    expect(seenHost).toBe(new URL(target).host);
    expect(tap.exchanges).toHaveLength(1);
    expect(tap.exchanges[0]).toMatchObject({
      method: 'POST', path: '/v1/messages', query: 'beta=true', body: { model: 'm' }, status: 401, upgrade: false, responseStart: '{"error":"nope"}',
      headers: expect.objectContaining({ 'x-api-key': 'k', host: new URL(tap.url).host }),
      responseHeaders: expect.objectContaining({ 'x-should-retry': 'false' }),
    });
  });

  it('passes a WebSocket upgrade through raw and records the answer, or that there was none', async () => {
    const server = createServer();
    let answer426 = true;
    server.on('upgrade', (_req, socket) => {
      if (answer426) socket.end('HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    const tap = await startTap(await listen(server));
    closers.push(() => tap.close());
    const upgrade = 'GET /v1/responses HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    expect(await raw(tap.url, upgrade)).toMatch(/^HTTP\/1\.1 426 /);
    answer426 = false;
    await raw(tap.url, upgrade);
    expect(tap.exchanges.map((e) => [e.method, e.path, e.upgrade, e.status, e.responseHeaders['connection']])).toEqual([
      ['GET', '/v1/responses', true, 426, 'close'],
      ['GET', '/v1/responses', true, 0, undefined],
    ]);
  });
});

describe('net guard', () => {
  it('refuses and records anything but loopback, tunnels loopback', async () => {
    const guard = await startNetGuard();
    closers.push(() => guard.close());
    const target = await listen(createServer((_req, res) => res.end('local ok')));
    const refused = await raw(guard.url, 'CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n');
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
    const plain = await new Promise<number>((resolve) => {
      request(`${guard.url}`, { path: 'http://telemetry.example.com/v1/log', headers: { host: 'telemetry.example.com' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).end();
    });
    expect(plain).toBe(403);
    const tunnel = await raw(guard.url, `CONNECT ${new URL(target).host} HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(tunnel).toMatch(/^HTTP\/1\.1 200 Connection Established[\s\S]*local ok/);
    expect(guard.blocked.map((b) => `${b.method} ${b.target}`)).toEqual(['CONNECT api.example.com:443', 'GET http://telemetry.example.com/v1/log']);
    expect(guard.env()).toMatchObject({ HTTPS_PROXY: guard.url, https_proxy: guard.url, NO_PROXY: '127.0.0.1,localhost,::1' });
  });
});

describe('runAgent', () => {
  it('kills a run at its deadline and reports and kills a process it left behind', async () => {
    const box = await makeSandbox('harness');
    closers.push(() => box.remove());
    const slow = await runAgent('/bin/sh', ['-c', 'sleep 30'], { cwd: box.work, env: box.env(), runId: box.runId, timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    expect(slow.leftovers).toEqual([]);
    // A daemon in its own session escapes the process group; the run marker still finds it.
    const leaky = await runAgent('/bin/sh', ['-c', 'setsid sleep 30 >/dev/null 2>&1 & echo started'], { cwd: box.work, env: box.env(), runId: box.runId, timeoutMs: 10_000 });
    expect(leaky.code).toBe(0);
    expect(leaky.stdout).toBe('started\n');
    expect(leaky.leftovers).toEqual([expect.stringMatching(/^\d+ sleep 30$/)]);
    const again = await runAgent('/bin/sh', ['-c', 'true'], { cwd: box.work, env: box.env(), runId: box.runId, timeoutMs: 10_000 });
    expect(again.leftovers).toEqual([]);
    // A survivor that keeps the agent's stdout open must not hang the run.
    const holder = await runAgent('/bin/sh', ['-c', 'setsid sleep 30 & echo held'], { cwd: box.work, env: box.env(), runId: box.runId, timeoutMs: 10_000 });
    expect(holder.stdout).toBe('held\n');
    expect(holder.ms).toBeLessThan(5_000);
    expect(holder.leftovers).toEqual([expect.stringMatching(/^\d+ sleep 30$/)]);
  });

  it('gives the agent an empty environment: no key or proxy of the person running the tests', async () => {
    const box = await makeSandbox('harness');
    closers.push(() => box.remove());
    process.env['ANTHROPIC_API_KEY_PROBE'] = 'must-not-leak';
    try {
      const run = await runAgent('/bin/sh', ['-c', 'env'], { cwd: box.work, env: box.env({ EXTRA: '1' }), runId: box.runId, timeoutMs: 10_000 });
      expect(run.stdout).not.toContain('must-not-leak');
      expect(run.stdout).toContain(`HOME=${box.home}\n`);
      expect(run.stdout).toContain('EXTRA=1\n');
    } finally {
      delete process.env['ANTHROPIC_API_KEY_PROBE'];
    }
  });
});

describe('agent cache', () => {
  it('lives under COPILOT_RELAY_CLIENTS_CACHE, else XDG_CACHE_HOME, one folder per pinned version', () => {
    expect(clientsCacheDir({ COPILOT_RELAY_CLIENTS_CACHE: '/c' })).toBe('/c');
    expect(clientsCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'copilot-relay', 'clients'));
    expect(agentBin('codex', '/c')).toMatch(/^\/c\/@openai\+codex@\d+\.\d+\.\d+\/node_modules\/\.bin\/codex$/);
  });
});
