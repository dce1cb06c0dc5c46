import type { ClientRequest, IncomingMessage } from 'node:http';
import { RelayError } from '../errors.js';
import { IntrusiveList } from './intrusive-list.js';
import type { ListNode } from './intrusive-list.js';

/**
 * Bounds every upstream request: response headers within `headersTimeoutMs` (then 504), and no
 * body silence longer than `bodyTimeoutMs` (a stalled stream is cut). One shared sweep covers all
 * requests in flight instead of two timers per request (a 120 s and a 300 s timeout that almost
 * never fire, each with its own timer-list insert and removal, listener and socket-timeout churn
 * on the hot path). Body progress is read from the socket's byte counter at each sweep, so a busy
 * stream costs nothing per chunk.
 *
 * Precision: a timeout fires between its time and one sweep interval later (interval = a quarter
 * of the shorter timeout, at most 1 s). The sweep timer runs only while requests are in flight and
 * is unref'd.
 */
export class UpstreamDeadlines {
  /** Requests in flight (see Watch for why not a Set). */
  private readonly list = new IntrusiveList<Watch>();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;

  constructor(
    private readonly headersTimeoutMs: number,
    private readonly bodyTimeoutMs: number,
  ) {
    this.intervalMs = Math.max(10, Math.min(1_000, Math.floor(Math.min(headersTimeoutMs, bodyTimeoutMs) / 4)));
  }

  /** Watch `req` until `done()` is called (on the request's 'close'). */
  watch(req: ClientRequest): Watch {
    const entry = new Watch(req, performance.now() + this.headersTimeoutMs, this.list);
    this.list.add(entry);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.intervalMs);
      this.timer.unref();
    }
    return entry;
  }

  /** Requests watched now, and whether the sweep timer runs (for tests). */
  get size(): number {
    return this.list.size;
  }

  get sweeping(): boolean {
    return this.timer !== null;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    if (this.list.size === 0) {
      this.stop();
      return;
    }
    const now = performance.now();
    for (let entry = this.list.head, next: Watch | null; entry !== null; entry = next) {
      next = entry.next;
      const res = entry.res;
      if (res === null) {
        if (now >= entry.headersBy) {
          entry.done();
          entry.req.destroy(new RelayError('network', 'The Copilot API did not answer in time.', { status: 504 }));
        }
        continue;
      }
      const bytes = entry.req.socket?.bytesRead ?? 0;
      if (bytes !== entry.lastBytes || entry.progressAt === 0) {
        entry.lastBytes = bytes;
        entry.progressAt = now;
      } else if (now - entry.progressAt >= this.bodyTimeoutMs) {
        entry.done();
        res.destroy(Object.assign(new Error('The Copilot API stream stalled.'), { code: 'UND_ERR_BODY_TIMEOUT' }));
      }
    }
  }
}

/**
 * One watched request (a class: no closures per request), linked into its list rather than kept
 * in a Set: measured in the benchmark, adding each in-flight request to a long-lived Set and
 * deleting it on completion made V8 promote ~1.6 MB of young objects per scavenge under load
 * (~1 KB without), tripling scavenge time and RSS. (Same finding as the proxy's in-flight count.)
 */
export class Watch implements ListNode<Watch> {
  res: IncomingMessage | null = null;
  lastBytes = -1;
  /** 0 = not measured yet (the next sweep starts the body clock; no clock read per response). */
  progressAt = 0;
  prev: Watch | null = null;
  next: Watch | null = null;
  linked = false;

  constructor(
    readonly req: ClientRequest,
    readonly headersBy: number,
    private readonly list: IntrusiveList<Watch>,
  ) {}

  /** The caller went away (Abortable, for abort-fanout.ts): fail the call as aborted. */
  abort(): void {
    this.req.destroy(Object.assign(new Error('The request was aborted.'), { name: 'AbortError', code: 'ABORT_ERR' }));
  }

  /** Headers are in: from now on only body silence counts. */
  responded(res: IncomingMessage): void {
    this.res = res;
  }

  done(): void {
    this.list.remove(this);
  }
}
