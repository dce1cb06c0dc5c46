import { describe, it, expect, afterEach } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createGitHubFetch } from './github-fetch.js';
import { requestGitHub } from './http.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  }));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createGitHubFetch', () => {
  it('without a proxy or CA file, fetches directly through the shared upstream dispatcher', async () => {
    const origin = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ login: 'octocat' }));
    });
    const res = await createGitHubFetch({ env: {} })(`${origin}/user`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ login: 'octocat' });
  });

  it('sends non-loopback requests through HTTP(S)_PROXY (CONNECT tunnel) and never proxies loopback', async () => {
    const hosts: string[] = [];
    const origin = await listen((req, res) => {
      hosts.push(String(req.headers.host));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ login: 'octocat' }));
    });
    const tunnels: string[] = [];
    const proxyServer = createServer();
    servers.push(proxyServer);
    proxyServer.on('connect', (req, client: Socket) => {
      tunnels.push(String(req.url));
      const upstream = connect(Number(new URL(origin).port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    const proxy = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
    const fetchFn = createGitHubFetch({ env: { HTTP_PROXY: proxy } })!;
    const viaProxy = await fetchFn('http://api.github.invalid/user', { headers: { accept: 'application/json', connection: 'close' } });
    expect(await viaProxy.json()).toEqual({ login: 'octocat' });
    expect(tunnels).toEqual(['api.github.invalid:80']);
    expect(hosts).toEqual(['api.github.invalid']);
    const direct = await fetchFn(`${origin}/user`, { headers: { connection: 'close' } });
    expect(await direct.json()).toEqual({ login: 'octocat' });
    expect(tunnels).toHaveLength(1);
    proxyServer.closeAllConnections();
  });

  it('says when the proxy refuses the tunnel', async () => {
    const proxyServer = createServer();
    servers.push(proxyServer);
    proxyServer.on('connect', (_req, client: Socket) => client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    const fetchFn = createGitHubFetch({ env: { HTTPS_PROXY: `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}` } });
    await expect(requestGitHub('https://api.github.invalid/user', { fetch: fetchFn, what: 'the user lookup' })).rejects.toMatchObject({
      kind: 'network',
      message: 'The proxy refused the connection to GitHub (the user lookup: HTTP 403).',
    });
  });

  it('honours NO_PROXY', async () => {
    const seen: string[] = [];
    const proxy = await listen((req, res) => {
      seen.push(String(req.url));
      res.end('{}');
    });
    const fetchFn = createGitHubFetch({ env: { HTTP_PROXY: proxy, NO_PROXY: 'github.invalid' } })!;
    await expect(fetchFn('http://api.github.invalid/user')).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('an unreadable CA file is a config error', () => {
    expect(() => createGitHubFetch({ env: {}, caFile: '/nonexistent/ca.pem' })).toThrow(expect.objectContaining({ kind: 'config' }));
  });
});
