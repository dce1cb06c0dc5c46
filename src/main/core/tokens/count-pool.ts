import { Worker } from 'node:worker_threads';
import { roughTokens } from './counter.js';
import type { TextCount } from './counter.js';
import type { EncodingName } from './encoders.js';
import type { CountJob, CountReply } from './worker.js';

/**
 * Token counting off the event loop: one worker thread (worker.ts) that holds the BPE tables and
 * answers jobs in order. One is enough: every job is bounded by its time budget, and a second
 * worker would cost another ~60 MB of tables. Hand-written on node:worker_threads rather than a
 * pool library: piscina and tinypool load their own worker file by a path inside node_modules,
 * which esbuild bundles don't carry; this needs one entry (scripts/build.mjs) and ~100 lines.
 */

/**
 * Budget of one count, from the call (from the worker's readiness after a cold start): past it the
 * worker extrapolates from a sample (counter.ts).
 */
export const COUNT_BUDGET_MS = 500;
/** Safety net: a worker this late past the budget (wedged, or starved while starting) gets a rough answer. */
const OVERDUE_MS = 10_000;
/** An idle worker is stopped after this long (it holds ~60 MB of tables); the next count starts one. */
const IDLE_MS = 5 * 60_000;
/** After a worker died before answering anything, counts are rough for this long instead of respawning per request. */
const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * Bundles: the `count-worker` entry beside the bundle's index.js; this module itself may have been
 * split into `chunks/` (chunkNames in scripts/build.mjs). Sources (tests, tsx): worker.ts through
 * tsx, since Node can't import TypeScript by itself.
 */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const source = JSON.stringify(new URL('./worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${source}, ${JSON.stringify(here)}))`, { eval: true });
  }
  const dir = new URL('.', here);
  return new Worker(new URL(dir.pathname.endsWith('/chunks/') ? '../count-worker.js' : './count-worker.js', dir));
}

const rough = (texts: readonly string[]): TextCount => ({ tokens: roughTokens(texts), basis: 'rough' });

interface Job {
  worker: Worker;
  texts: string[];
  resolve: (count: TextCount) => void;
  timer: NodeJS.Timeout;
}

export class CountPool {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  private failedAt = -Infinity;

  /** `spawn`: how to start the worker (tests hand in a broken one). */
  constructor(private readonly spawn: () => Worker = spawnWorker) {}

  /** Never rejects: a count that can't be made is answered with the rough estimate. */
  count(texts: string[], encoding: EncodingName, budgetMs = COUNT_BUDGET_MS): Promise<TextCount> {
    if (texts.every((text) => text.length === 0)) return Promise.resolve({ tokens: 0, basis: 'counted' });
    const worker = this.start();
    if (!worker) return Promise.resolve(rough(texts));
    const id = this.nextId++;
    const job: CountJob = { id, encoding, texts, submittedAt: Date.now(), budgetMs };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, rough(texts)), budgetMs + OVERDUE_MS);
      timer.unref();
      this.jobs.set(id, { worker, texts, resolve, timer });
      // Pending counts keep the process alive; an idle worker doesn't.
      worker.ref();
      if (this.idle) clearTimeout(this.idle);
      this.idle = null;
      worker.postMessage(job);
    });
  }

  /** Stops the worker now (shutdown, tests); pending counts get the rough estimate. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (worker) await worker.terminate();
  }

  private settle(id: number, count: TextCount): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    clearTimeout(job.timer);
    job.resolve(count);
    const worker = this.worker;
    if (worker && ![...this.jobs.values()].some((other) => other.worker === worker)) {
      worker.unref();
      if (this.idle) clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.stop(), IDLE_MS);
      this.idle.unref();
    }
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    if (Date.now() - this.failedAt < RETRY_AFTER_FAILURE_MS) return null;
    let worker: Worker;
    try {
      worker = this.spawn();
    } catch {
      this.failedAt = Date.now();
      return null;
    }
    let answered = false;
    worker.on('message', (reply: CountReply) => {
      answered = true;
      const job = this.jobs.get(reply.id);
      if (job) this.settle(reply.id, 'error' in reply ? rough(job.texts) : { tokens: reply.tokens, basis: reply.basis });
    });
    // An uncaught error ends the worker: 'exit' follows and answers its jobs.
    worker.on('error', () => {
      if (!answered) this.failedAt = Date.now();
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      for (const [id, job] of this.jobs) if (job.worker === worker) this.settle(id, rough(job.texts));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

/** The process's one counting worker. */
export const countPool = new CountPool();
