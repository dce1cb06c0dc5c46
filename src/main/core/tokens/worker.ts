/**
 * The token-counting worker thread (bundled as its own entry, `count-worker.js`, by scripts/build.mjs).
 * It holds the BPE tables, so the proxy's event loop never runs a BPE merge: jobs arrive from
 * count-pool.ts and are answered one at a time, in order.
 */
import { parentPort } from 'node:worker_threads';
import { countTexts } from './counter.js';
import type { TextCount } from './counter.js';
import { loadEncoder } from './encoders.js';
import type { EncodingName } from './encoders.js';

export interface CountJob {
  id: number;
  encoding: EncodingName;
  texts: string[];
  /** Epoch ms, when the caller asked. */
  submittedAt: number;
  /** Past `submittedAt + budgetMs` the worker extrapolates from what it counted (counter.ts). */
  budgetMs: number;
}

export type CountReply = { id: number } & (TextCount | { error: string });

/**
 * Every job gets at least this long to count once the worker has segmented it, so small inputs
 * (≤ ~20 KB even at the slowest BPE rate, random letters) are counted, not estimated, behind a slow
 * job or a cold start, and a large one that waited is still sampled.
 */
const MIN_SLICE_MS = 25;

/**
 * gpt-tokenizer keeps up to 100,000 merged pieces; with pieces up to 256 bytes (segments.ts) that
 * can reach ~130 MB on adversarial input. 10,000 entries keep the common pieces (~13 MB at worst).
 */
const MERGE_CACHE_ENTRIES = 10_000;

/** When each encoding's tables finished loading here. */
const readyAt = new Map<EncodingName, number>();

async function answer(job: CountJob): Promise<CountReply> {
  try {
    const encoder = await loadEncoder(job.encoding);
    if (!readyAt.has(job.encoding)) {
      readyAt.set(job.encoding, Date.now());
      encoder.setMergeCacheSize?.(MERGE_CACHE_ENTRIES);
    }
    // The worker's start-up and the table load (a one-time ~0.2–2 s) don't count against a job's
    // budget, so the first counts after a cold start are not estimates; waiting behind other jobs does.
    const deadline = Math.max(job.submittedAt, readyAt.get(job.encoding)!) + job.budgetMs;
    return { id: job.id, ...countTexts(encoder, job.texts, { deadline, minSliceMs: MIN_SLICE_MS }) };
  } catch (error) {
    return { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
}

let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (job: CountJob) => {
  queue = queue.then(async () => parentPort?.postMessage(await answer(job)));
});
