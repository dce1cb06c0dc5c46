import { getHeapStatistics } from 'node:v8';

/**
 * Gives memory back once a burst of requests is over.
 *
 * Under load V8 grows its young generation to the maximum (32 MB on Node 20) and keeps it while
 * the process idles: measured in the benchmark, a relay that had served 10k requests stayed at
 * ~110–120 MB RSS for as long as it ran, though only ~8 MB of its heap was live. When the proxy has
 * had no request for `idleMs` and nothing is in flight, one memory-reducing full GC (what V8 runs
 * on a low-memory notification) shrinks the heap back. It runs only when the heap has grown by
 * `minGrowthBytes` since the last trim, so an idle app never pays for it, and never while a stream
 * is open (a full GC pauses the loop for ~10–30 ms).
 *
 * Why 30 s of quiet and not less: the memory-reducing GC also throws away V8's optimised code, so
 * the next burst runs on cold code. Measured (bench/after-idle.ts): after a trim V8 re-optimised
 * ~300 functions and the next burst's first second ran at ~55 % of the warm rate, the second at
 * ~75 %. With a 5 s window the benchmark's relay rounds that followed a trim were its slowest. A
 * person's pause is long; an agent loop's is not: 30 s trims after the former, never inside the latter.
 *
 * Cost per request: one counter increment. Quiet is checked every `idleMs / 5`, so a trim comes
 * 1–1.2 × `idleMs` after the last request. The timer is unref'd: it never keeps a process alive.
 */
export interface IdleMemoryTrimOptions {
  /** Quiet time before a trim (default 30 s). */
  idleMs?: number;
  /** Heap growth since the last trim that makes one worth it (default 8 MiB). */
  minGrowthBytes?: number;
  /** Requests still in flight (a trim waits for 0). */
  inflight: () => number;
  /** The collection itself; default lowMemoryGc. Resolves when done. */
  collect?: () => Promise<void>;
  /** Heap size now; default V8's total_heap_size. */
  heapSize?: () => number;
  /** Told after each trim (for the debug log). */
  onTrim?: (before: number, after: number) => void;
}

const DEFAULT_IDLE_MS = 30_000;
/** Quiet checks per idle window: the trim lands within 1.2 windows of the last request. */
const QUIET_CHECKS = 5;

export class IdleMemoryTrim {
  private requests = 0;
  private seenAtLastCheck = 0;
  private quietChecks = 0;
  private timer: NodeJS.Timeout | null = null;
  private baseline: number;
  private stopped = false;
  private readonly checkEveryMs: number;
  private readonly minGrowth: number;
  private readonly collect: () => Promise<void>;
  private readonly heapSize: () => number;

  constructor(private readonly options: IdleMemoryTrimOptions) {
    this.checkEveryMs = (options.idleMs ?? DEFAULT_IDLE_MS) / QUIET_CHECKS;
    this.minGrowth = options.minGrowthBytes ?? 8 * 1024 * 1024;
    this.collect = options.collect ?? lowMemoryGc;
    this.heapSize = options.heapSize ?? (() => getHeapStatistics().total_heap_size);
    this.baseline = this.heapSize();
  }

  /** Call once per request. */
  noteRequest(): void {
    this.requests++;
    if (this.timer === null && !this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.seenAtLastCheck = this.requests;
    this.timer = setTimeout(() => this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    if (this.stopped) return;
    // Anything since the last check (or a stream still open): the quiet spell starts over.
    if (this.requests !== this.seenAtLastCheck || this.options.inflight() > 0) {
      this.quietChecks = 0;
      this.arm();
      return;
    }
    if (++this.quietChecks < QUIET_CHECKS) {
      this.arm();
      return;
    }
    this.quietChecks = 0;
    const before = this.heapSize();
    // Not grown enough to matter: don't re-arm; the next request does.
    if (before - this.baseline < this.minGrowth) return;
    this.collect().then(
      () => {
        this.baseline = this.heapSize();
        this.options.onTrim?.(before, this.baseline);
      },
      () => undefined,
    );
  }
}

/**
 * A full GC that also shrinks the young generation and releases pages: V8's
 * Isolate::LowMemoryNotification, reached through an in-process inspector session
 * (`HeapProfiler.collectGarbage`; no port is opened, nothing is exposed; the session lives only
 * for the call). A plain `gc()` would need --expose-gc and does not shrink the young generation.
 * Where Node was built without the inspector this does nothing.
 */
export async function lowMemoryGc(): Promise<void> {
  const inspector = await import('node:inspector').catch(() => null);
  if (!inspector) return;
  const session = new inspector.Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) => session.post('HeapProfiler.collectGarbage', (error) => (error ? reject(error) : resolve())));
  } finally {
    session.disconnect();
  }
}
