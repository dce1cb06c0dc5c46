import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeCounters } from './types.js';

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON, form-urlencoded, or the raw string when neither parses. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return '';
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** `token X`, `Token X` or `Bearer X` (any case) → X. */
export function authToken(headers: Record<string, string>, schemes: readonly string[] = ['token', 'bearer']): string | null {
  const value = headers['authorization'];
  if (!value) return null;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(value);
  if (!match || !schemes.includes(match[1]!.toLowerCase())) return null;
  return match[2]!;
}

/**
 * One in-flight answer. Notices when the client goes away before the answer ended (counted as an
 * abort unless the fake itself destroyed the socket) and lets waits end early then.
 */
export class Reply {
  gone = false;
  private serverDestroyed = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    counters: FakeCounters,
    private readonly closing: AbortSignal,
  ) {
    const onClosing = (): void => this.wakeAll();
    closing.addEventListener('abort', onClosing, { once: true });
    res.on('close', () => {
      closing.removeEventListener('abort', onClosing);
      if (!res.writableFinished) {
        this.gone = true;
        if (!this.serverDestroyed && !closing.aborted) counters.abortedRequests++;
      }
      this.wakeAll();
    });
  }

  /** True when nothing more should be written. */
  get done(): boolean {
    return this.gone || this.closing.aborted || this.res.destroyed;
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Waits `ms`, ending early if the client leaves or the fake closes. */
  wait(ms: number): Promise<void> {
    if (ms <= 0 || this.done) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Never answers: resolves only when the client leaves or the fake closes. */
  forever(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => this.wakers.add(resolve));
  }

  /** Drops the connection without an answer (a fault, not a client abort). */
  destroy(): void {
    this.serverDestroyed = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.text(status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
  }

  form(status: number, fields: Record<string, string | number>): void {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) params.set(key, String(value));
    this.text(status, params.toString(), 'application/x-www-form-urlencoded; charset=utf-8');
  }

  text(status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
    if (this.done) return;
    this.res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
    this.res.end(body);
  }

  /** Starts an SSE answer; headers go out at once so clients see the stream open. */
  startSse(): void {
    if (this.done) return;
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    this.res.flushHeaders();
  }

  /** Writes one raw SSE frame; false when the client is gone. */
  write(frame: string): boolean {
    if (this.done) return false;
    this.res.write(frame);
    return true;
  }

  end(): void {
    if (!this.done) this.res.end();
  }
}
