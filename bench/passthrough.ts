import { createServer, request, Agent } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The cheapest possible Node relay, for the benchmark's baseline: node:http, a keep-alive agent,
 * fixed upstream headers, bodies piped both ways, nothing else (no guards, no logging, no parsing).
 */
export async function startPassThrough(options: { upstream: string; headers: Record<string, string> }): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const target = new URL(options.upstream);
  const basePath = target.pathname.replace(/\/+$/, '');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer({ keepAlive: true }, (req, res) => {
    const headers: Record<string, string> = { ...options.headers };
    const length = req.headers['content-length'];
    if (length) headers['content-length'] = length;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: basePath + (req.url ?? '/').replace(/^\/v1/, ''), headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json' });
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
