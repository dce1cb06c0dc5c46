import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

/**
 * A recording pass-through between an agent and the relay, so a test sees exactly what the agent
 * asked (method, path, headers, body) and what the relay answered (status, headers, the start of
 * the body), including answers the relay gives itself and the fake upstream never sees (model
 * discovery, its own 401, a WebSocket upgrade). A request body is read whole before it goes on
 * (agents send at most ~100 KB); answers stream through as they come. Only the Host header is
 * rewritten, so the relay's DNS-rebinding guard sees its own port.
 */
export interface TapExchange {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  /** Parsed JSON request body, the raw text when not JSON, '' when none. */
  body: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  /** The first KiB of the answer (for SSE: its first events). */
  responseStart: string;
  /** An `Upgrade:` request (Codex's WebSocket attempt). */
  upgrade: boolean;
  at: number;
  ms: number;
}

export interface Tap {
  url: string;
  exchanges: TapExchange[];
  close(): Promise<void>;
}

const KEEP = 16_384;

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function parse(raw: string): unknown {
  if (raw === '') return '';
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function splitUrl(url: string | undefined): { path: string; query: string } {
  const [path = '/', query = ''] = (url ?? '/').split('?', 2);
  return { path, query };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTap(relayUrl: string): Promise<Tap> {
  const target = new URL(relayUrl);
  const exchanges: TapExchange[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const at = Date.now();
    void readAll(req).then((raw) => {
      const record: TapExchange = {
        method: req.method ?? 'GET', ...splitUrl(req.url), headers: flat(req.headers), body: parse(raw.toString('utf8')),
        status: 0, responseHeaders: {}, responseStart: '', upgrade: false, at, ms: 0,
      };
      exchanges.push(record);
      const forward = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          record.status = answer.statusCode ?? 0;
          record.responseHeaders = flat(answer.headers);
          res.writeHead(record.status, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            if (record.responseStart.length < KEEP) record.responseStart += chunk.toString('utf8').slice(0, KEEP - record.responseStart.length);
          });
          answer.on('end', () => (record.ms = Date.now() - at));
          answer.pipe(res);
        },
      );
      forward.on('error', (err) => {
        record.responseStart = `tap: relay connection failed: ${err.message}`;
        record.ms = Date.now() - at;
        res.destroy();
      });
      res.on('close', () => forward.destroy());
      forward.end(raw);
    });
  });

  // An Upgrade request goes to the relay as raw bytes; whatever it answers (or a bare close) is recorded.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const at = Date.now();
    const record: TapExchange = {
      method: req.method ?? 'GET', ...splitUrl(req.url), headers: flat(req.headers), body: '',
      status: 0, responseHeaders: {}, responseStart: '', upgrade: true, at, ms: 0,
    };
    exchanges.push(record);
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (record.responseStart.length < KEEP) record.responseStart += chunk.toString('latin1').slice(0, KEEP - record.responseStart.length);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(record.responseStart);
      if (status && record.status === 0) {
        record.status = Number(status[1]);
        const headEnd = record.responseStart.indexOf('\r\n\r\n');
        for (const line of record.responseStart.slice(0, headEnd < 0 ? undefined : headEnd).split('\r\n').slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) record.responseHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      }
    });
    upstream.pipe(client);
    client.pipe(upstream);
    const done = (): void => {
      if (record.ms === 0) record.ms = Date.now() - at;
      upstream.destroy();
      client.destroy();
    };
    upstream.on('close', done);
    upstream.on('error', done);
    client.on('close', done);
    client.on('error', done);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
