/**
 * A loopback HTTP forward proxy for the network tests, standing in for a corporate proxy: it
 * tunnels CONNECT requests to wherever `route` sends them (the fake, by host name) and records
 * every request it sees. Unrouted CONNECTs get 403; plain absolute-form requests get 502 (only
 * tunnels are supported, like most corporate proxies for https).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxyRecord {
  /** `CONNECT host:port` or `METHOD absolute-url`. */
  request: string;
  /** Bytes tunnelled each way (CONNECT only), updated as they flow. */
  up: number;
  down: number;
}

export interface RecordingProxy {
  url: string;
  records: ProxyRecord[];
  /** The CONNECT targets seen so far, in order (`host:port`). */
  tunnels(): string[];
  close(): Promise<void>;
}

export async function startConnectProxy(route: (host: string, port: number) => { host: string; port: number } | null): Promise<RecordingProxy> {
  const records: ProxyRecord[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    records.push({ request: `${req.method} ${req.url}`, up: 0, down: 0 });
    res.writeHead(502, { 'content-type': 'text/plain' }).end('this test proxy only tunnels (CONNECT)');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const record: ProxyRecord = { request: `CONNECT ${req.url}`, up: 0, down: 0 };
    records.push(record);
    const target = /^(.+):(\d+)$/.exec(req.url ?? '');
    const to = target ? route(target[1]!.replace(/^\[|\]$/g, ''), Number(target[2])) : null;
    if (!to) {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (chunk: Buffer) => (record.up += chunk.length));
      upstream.on('data', (chunk: Buffer) => (record.down += chunk.length));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    tunnels: () => records.filter((r) => r.request.startsWith('CONNECT ')).map((r) => r.request.slice('CONNECT '.length)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
