import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import type { ClientApi } from './observer.js';
import type { CreditsSource } from './pricing.js';
import { batchMarkerKey, committedBatch, moveAside, openLedgerDatabase, pushRowValues } from './ledger-db.js';
import type { Database } from './ledger-db.js';
import { InlineWriter, ThreadWriter } from './ledger-writer.js';
import type { BatchWriter, WriteResult } from './ledger-writer.js';

/** One request as the ledger keeps it: ids, counts, codes and times; never prompt or answer content. */
export interface LedgerRow {
  /** Epoch ms when the request arrived. */
  at: number;
  requestId: string;
  client: string;
  clientApi: ClientApi;
  upstreamEndpoint: string | null;
  method: string;
  path: string;
  modelRequested: string | null;
  modelServed: string | null;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  firstByteMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  credits: number | null;
  creditsSource: CreditsSource | null;
  premiumRequests: number | null;
  initiator: 'user' | 'agent' | null;
  stream: boolean;
}

export interface LedgerOptions {
  path: string;
  logger: Logger;
  /** Rows older than this are deleted (at open, then hourly). Default 90. */
  retentionDays?: number;
  /** Flush at most this long after a row arrives. Default 1000 ms. */
  flushMs?: number;
  /** Flush as soon as this many rows wait. Default 100. */
  batchRows?: number;
  /** `thread` (default): a worker thread writes; `inline`: this thread does (tests, fallback). */
  writer?: 'thread' | 'inline';
  /** Tests: how the writer thread is started (a broken one, to see the fallback). */
  spawnWriter?: (path: string) => Worker;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Rows kept in memory while the database can't take them (locked by another process); older ones are dropped. */
const MAX_PENDING = 10_000;

/**
 * The usage ledger: `append` only queues (the request path never touches SQLite); a batch goes to
 * the writer thread at most `flushMs` after its first row, or at once past `batchRows` (measured:
 * the INSERTs cost ≈ 5 µs per row, which the event loop no longer pays). This thread keeps its own
 * connection for reads and the small meta notes; `read` gives a query's result together with the
 * rows that snapshot doesn't hold yet, so a sum never misses or double-counts a batch in flight. A
 * crash loses at most the unwritten rows. Write failures never reach the proxy: a corrupt file is
 * moved aside and a new one started; any other failure keeps the rows for the next try (bounded).
 */
export class UsageLedger {
  private db: Database | null;
  private writer: BatchWriter | null = null;
  private pending: LedgerRow[] = [];
  /** Batches handed to the writer and not answered yet, oldest first. */
  private inflight: { id: number; rows: LedgerRow[] }[] = [];
  private nextBatch = 1;
  private lastWrite: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** A full batch is due on the next loop turn (scheduled once, not per row). */
  private soon = false;
  private lastPrune = 0;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private readonly now: () => number;
  private readonly marker = batchMarkerKey(randomUUID());
  private retentionDays: number;
  private closed: Promise<void> | null = null;
  private readonly flushListeners = new Set<(rows: readonly LedgerRow[]) => void>();

  constructor(private readonly options: LedgerOptions) {
    this.flushMs = options.flushMs ?? 1000;
    this.batchRows = options.batchRows ?? 100;
    this.now = options.now ?? Date.now;
    this.retentionDays = options.retentionDays ?? 90;
    this.db = this.open();
    if (this.db) this.writer = options.writer === 'inline' ? this.inlineWriter() : this.threadWriter();
    this.prune(true);
  }

  get path(): string {
    return this.options.path;
  }

  /** This thread's connection for queries (null when the database could not be opened). */
  get database(): Database | null {
    return this.db;
  }

  private open(): Database | null {
    try {
      return openLedgerDatabase(this.options.path, { logger: this.options.logger, now: this.now });
    } catch (error) {
      this.options.logger.warn(`usage ledger unavailable (${error instanceof Error ? error.message : String(error)}); requests are not recorded`);
      return null;
    }
  }

  private inlineWriter(): BatchWriter {
    return new InlineWriter(() => this.db, this.marker, this.options.logger);
  }

  private threadWriter(): BatchWriter {
    const fallBack = (why: string) => {
      this.options.logger.warn(`usage ledger: no writer thread (${why}); writing on the main thread`);
      this.writer = this.inlineWriter();
      this.schedule();
    };
    try {
      return new ThreadWriter(this.options.path, this.marker, this.options.logger, fallBack, this.options.spawnWriter);
    } catch (error) {
      fallBack(error instanceof Error ? error.message : String(error));
      return this.writer!;
    }
  }

  /** Queues one row; cheap. */
  append(row: LedgerRow): void {
    if (this.closed) return;
    this.pending.push(row);
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    if (this.pending.length >= this.batchRows) {
      // Off the request path still: the batch goes after this loop turn. Scheduled once: re-arming
      // a timer for every row past the batch size cost ~10 µs per request under load.
      if (this.soon) return;
      this.soon = true;
      setImmediate(() => void this.flush()).unref();
    } else {
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer || this.pending.length === 0) return;
    this.timer = setTimeout(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Called with each batch once it is in the database. */
  onFlush(listener: (rows: readonly LedgerRow[]) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Rows appended and not yet confirmed written (queued or on their way). */
  unflushed(): readonly LedgerRow[] {
    return [...this.inflight.flatMap((batch) => batch.rows), ...this.pending];
  }

  /**
   * A query on one consistent snapshot of this thread's connection, with the rows that snapshot
   * doesn't hold yet (queued, or in a batch not committed when it was taken). Null without a database.
   */
  read<T>(query: (db: Database) => T): { value: T; unflushed: LedgerRow[] } | null {
    const db = this.db;
    if (!db) return null;
    db.exec('BEGIN');
    try {
      const value = query(db);
      const committed = this.inflight.length > 0 ? committedBatch(db, this.marker) : 0;
      return { value, unflushed: [...this.inflight.filter((batch) => batch.id > committed).flatMap((batch) => batch.rows), ...this.pending] };
    } finally {
      db.exec('COMMIT');
    }
  }

  setRetentionDays(days: number): void {
    this.retentionDays = days;
    this.lastPrune = 0;
    this.prune(true);
  }

  /** Hands every queued row to the writer; resolves once every batch handed over so far is answered. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.soon = false;
    if (this.pending.length === 0) return this.lastWrite;
    const writer = this.writer;
    if (!this.db || !writer) {
      this.pending = [];
      return this.lastWrite;
    }
    const rows = this.pending;
    this.pending = [];
    const values: unknown[] = [];
    for (const row of rows) pushRowValues(values, row);
    const entry = { id: this.nextBatch++, rows };
    this.inflight.push(entry);
    // The writer answers in order: the last answer means every earlier one is in.
    this.lastWrite = writer.write({ id: entry.id, count: rows.length, values }).then((result) => this.written(entry, result));
    return this.lastWrite;
  }

  private written(entry: { id: number; rows: LedgerRow[] }, result: WriteResult): void {
    this.inflight = this.inflight.filter((batch) => batch !== entry);
    if (result.ok) {
      for (const listener of this.flushListeners) listener(entry.rows);
      this.prune(false);
      return;
    }
    if (result.corrupt) this.replaceCorrupt(result.message);
    else this.options.logger.warn(`usage ledger: write failed (${result.message}); will retry`);
    // Back at the front of the queue for the next try (bounded like any backlog).
    this.pending = [...entry.rows, ...this.pending].slice(-MAX_PENDING);
    if (!this.closed) this.schedule();
  }

  private replaceCorrupt(message: string): void {
    if (!this.db) return;
    try {
      this.db.close();
    } catch {
      // already unusable
    }
    this.db = null;
    const aside = moveAside(this.options.path, this.now());
    this.options.logger.warn(`usage ledger: the database became unreadable (${message}); moved it to ${aside} and started a new one`);
    this.db = this.open();
    this.writer?.reopen();
  }

  /** Deletes rows past retention: at open and on a change here (sync), then hourly on the writer. */
  private prune(now: boolean): void {
    const at = this.now();
    if (!this.db || at - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = at;
    const before = at - this.retentionDays * DAY_MS;
    if (!now) return this.writer?.prune(before);
    try {
      this.db.prepare('DELETE FROM requests WHERE at < ?').run(before);
    } catch (error) {
      this.options.logger.warn(`usage ledger: retention cleanup failed (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** A small persistent note (e.g. which budget warning was already shown), or null. */
  getMeta(key: string): string | null {
    try {
      const row = this.db?.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value?: unknown } | undefined;
      return typeof row?.value === 'string' ? row.value : null;
    } catch {
      return null;
    }
  }

  setMeta(key: string, value: string): void {
    try {
      this.db?.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
    } catch (error) {
      this.options.logger.warn(`usage ledger: could not save ${key} (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Writes what is queued (one retry for a failed batch), stops the writer, closes; later appends are ignored. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.flush();
      if (this.pending.length > 0) await this.flush();
      if (this.timer) clearTimeout(this.timer);
      if (this.pending.length > 0) this.options.logger.warn(`usage ledger: ${this.pending.length} requests could not be recorded before closing`);
      await this.writer?.close();
      try {
        this.db?.close();
      } catch {
        // closing is best effort
      }
      this.db = null;
    })();
    return this.closed;
  }
}
