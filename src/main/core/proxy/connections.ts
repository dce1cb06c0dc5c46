import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open client connections at most (default: from the process's file-descriptor limit). */
  maxConnections?: number;
  /** A new connection must deliver a complete request head within this (default 15 s). */
  firstRequestTimeoutMs?: number;
}

const DEFAULT_FIRST_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Half the file descriptors Node may open (it raises the soft limit to the hard one at start),
 * keeping the other half for upstream connections — each busy client connection needs one —
 * files and a margin; between 64 and 4096. Linux reads the limit; elsewhere 4096.
 */
export function defaultMaxConnections(limitsFile = '/proc/self/limits'): number {
  let fds = Infinity;
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isFinite(soft)) fds = soft;
  } catch {
    // Not Linux: no cheap way to read the limit; 4096 below.
  }
  return Math.max(64, Math.min(4096, Math.floor((fds - 128) / 2)));
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };

/** A complete HTTP answer written straight to a socket (no request object exists), OpenAI error shape. */
function rawAnswer(status: number, message: string, code: string | null): string {
  const payload = JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code } });
  // Retrying a malformed request can't help (the Anthropic SDKs retry whatever isn't marked so); a timeout or a full relay can.
  const retry = status === 503 ? 'retry-after: 1\r\n' : status === 408 ? '' : 'x-should-retry: false\r\n';
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n${retry}connection: close\r\n\r\n${payload}`;
}

/**
 * Connection hygiene for the proxy's HTTP server (RT-07). Node times out a request only once its
 * first byte arrived, so a connection that never sends one held a file descriptor forever, and
 * 1,100 of them took the relay down. Here:
 * - a connection that has not delivered a complete request head within `firstRequestTimeoutMs`
 *   gets 408 and is closed;
 * - past `maxConnections` open connections, the one that has waited longest without sending a
 *   request is closed (408) to make room; when every connection is busy, the newcomer gets 503
 *   with Retry-After and is closed.
 * - malformed or oversized request heads get 400/431/408 instead of a bare close;
 * - a client that half-closes after its request still gets the answer (RT-21; Node's
 *   httpAllowHalfOpen), and `onClientEnd` hears of the FIN (RequestContext.clientEnded).
 * There is no dialect before a request, so these answers use the OpenAI error shape.
 */
export class ConnectionGuard {
  /** Every open client connection (shutdown destroys them). */
  readonly sockets = new Set<Socket>();
  /** Connections that have not sent a request yet, oldest first. */
  private readonly waiting = new Set<Socket>();
  /** Connections answered here and closing: a request parsed on one of them is ignored. */
  private readonly refused = new WeakSet<Socket>();
  private readonly max: number;
  private readonly firstRequestMs: number;

  /** `onClientEnd`: the client half-closed `socket` (sent FIN). */
  constructor(
    server: Server,
    limits: ConnectionLimits = {},
    private readonly onClientEnd: (socket: Socket) => void = () => undefined,
  ) {
    this.max = limits.maxConnections ?? defaultMaxConnections();
    this.firstRequestMs = limits.firstRequestTimeoutMs ?? DEFAULT_FIRST_REQUEST_TIMEOUT_MS;
    // Node's flag (in its http server since v0.x, absent from @types/node 20).
    (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    server.on('connection', (socket: Socket) => this.accept(socket));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      // Say what was wrong: oversized headers and too-slow requests are the common cases.
      if (error.code === 'HPE_HEADER_OVERFLOW') this.answerAndClose(socket, 431, 'Request headers are too large.', null);
      else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') this.answerAndClose(socket, 408, 'The request was not received in time.', null);
      else this.answerAndClose(socket, 400, 'Malformed HTTP request.', null);
    });
    // With a 'timeout' listener on the server, Node leaves timed-out sockets to us.
    server.on('timeout', (socket: Socket) => {
      if (this.waiting.has(socket)) this.answerAndClose(socket, 408, `No request arrived within ${Math.round(this.firstRequestMs / 1000)} s.`, 'request_timeout');
      else socket.destroy();
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.waiting.delete(socket);
    });
    socket.on('end', () => this.onClientEnd(socket));
    if (this.sockets.size > this.max) {
      const idle = this.waiting.values().next();
      if (idle.done) {
        this.answerAndClose(socket, 503, 'Too many open connections to the relay; retry shortly.', 'too_many_connections');
        return;
      }
      this.answerAndClose(idle.value, 408, 'Closed to make room: no request arrived on this connection.', 'request_timeout');
    }
    this.waiting.add(socket);
    socket.setTimeout(this.firstRequestMs);
  }

  /** A request arrived on `socket`: false when the connection was already answered and is closing. */
  requestStarted(socket: Socket): boolean {
    if (this.refused.has(socket)) return false;
    // Node's own keep-alive timeout takes over from here (it resets the socket timeout per request).
    if (this.waiting.delete(socket)) socket.setTimeout(0);
    return true;
  }

  private answerAndClose(socket: Socket, status: number, message: string, code: string | null): void {
    this.waiting.delete(socket);
    this.refused.add(socket);
    socket.setTimeout(0);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Destroyed once written: a peer that never reads or closes must not keep the descriptor.
    socket.end(rawAnswer(status, message, code), () => socket.destroy());
  }
}
