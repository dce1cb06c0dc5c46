import type { OutgoingHttpHeaders } from 'node:http';
import type { RouteContext } from './route.js';

/**
 * Writes a streamed answer to the caller: headers at once (time to first byte), then chunks with
 * backpressure (a slow client pauses reading from the upstream instead of buffering here), and
 * keep-alive frames while the upstream is silent, for APIs that have them (Anthropic `ping`).
 */
export class StreamWriter {
  private congested = false;
  private lastWrite = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: RouteContext, status: number, headers: OutgoingHttpHeaders) {
    ctx.res.writeHead(status, headers);
    ctx.res.flushHeaders();
    ctx.usage.firstByteMs = Math.round(performance.now() - ctx.startedAt);
  }

  get closed(): boolean {
    return this.ctx.res.destroyed || this.ctx.res.writableEnded;
  }

  write(chunk: string | Buffer | null): void {
    if (!chunk || chunk.length === 0 || this.closed) return;
    if (!this.ctx.res.write(chunk)) this.congested = true;
    this.lastWrite = Date.now();
  }

  /** Resolves at once unless the last write filled the socket buffer; then on drain, close or abort. */
  drained(): Promise<void> | null {
    if (!this.congested) return null;
    this.congested = false;
    const { res, signal } = this.ctx;
    return new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Sends `frame()` whenever nothing was written for `everyMs`. */
  keepAlive(frame: () => string | null, everyMs: number): void {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite < everyMs - 5) return;
      this.write(frame());
    }, everyMs);
    this.timer.unref();
  }

  end(last?: string | Buffer | null): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.closed) return;
    if (last && last.length > 0) this.ctx.res.end(last);
    else this.ctx.res.end();
  }
}
