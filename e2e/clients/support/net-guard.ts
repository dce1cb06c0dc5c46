import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

/**
 * A loopback HTTP(S) proxy every agent is pointed at (HTTPS_PROXY & co.): tunnels to loopback pass,
 * anything else is refused at once with 403 and recorded. So an agent that still phones home
 * (telemetry, update checks, model catalogues) fails fast instead of hanging on a dead network, and
 * the suite can name what it tried. Clients that ignore the proxy variables are not seen here.
 */
export interface BlockedAttempt {
  /** `host:port` of a CONNECT, or the absolute URL of a plain proxied request. */
  target: string;
  method: string;
  at: number;
}

export interface NetGuard {
  url: string;
  blocked: BlockedAttempt[];
  /** Proxy variables (upper and lower case) that send everything but loopback here. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostOf(target: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  return { host: (match?.[1] ?? target).replace(/^\[|\]$/g, ''), port: Number(match?.[2] ?? 443) };
}

export async function startNetGuard(): Promise<NetGuard> {
  const blocked: BlockedAttempt[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = URL.canParse(req.url ?? '') ? new URL(req.url!) : null;
    if (!url || !LOOPBACK.has(url.hostname.replace(/^\[|\]$/g, ''))) {
      blocked.push({ target: req.url ?? '', method: req.method ?? 'GET', at: Date.now() });
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('blocked by the clients suite: no internet in tests\n');
      return;
    }
    const upstream = request(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const { host, port } = hostOf(target);
    if (!LOOPBACK.has(host)) {
      blocked.push({ target, method: 'CONNECT', at: Date.now() });
      client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const drop = (): void => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', drop);
    client.on('error', drop);
    client.on('close', drop);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    blocked,
    env() {
      const noProxy = '127.0.0.1,localhost,::1';
      const out: Record<string, string> = {};
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
        out[name] = url;
        out[name.toLowerCase()] = url;
      }
      out['NO_PROXY'] = out['no_proxy'] = noProxy;
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
