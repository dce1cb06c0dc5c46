import type { Logger } from '../log/logger.js';
import type { ClientApi } from './observer.js';
import type { CreditsSource } from './pricing.js';
import { insertSql, isCorruptionError, moveAside, openLedgerDatabase, pushRowValues, ROWS_PER_STATEMENT } from './ledger-db.js';
import type { Database } from './ledger-db.js';

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
  now?: () => number;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Rows kept in memory while the database can't take them (locked by another process); older ones are dropped. */
const MAX_PENDING = 10_000;

/**
 * The usage ledger's writer: `append` only queues (the request path never touches SQLite); a timer
 * writes the queue in one transaction at most every `flushMs`, or at once past `batchRows`. A crash
 * loses at most the unflushed rows. Write failures never reach the proxy: a corrupt file is moved
 * aside and a new one started; any other failure keeps the rows for the next try (bounded).
 */
export class UsageLedger {
  private db: Database | null;
  private pending: LedgerRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private readonly now: () => number;
  private retentionDays: number;
  private closed = false;
  private readonly flushListeners = new Set<(rows: readonly LedgerRow[]) => void>();
  /** Prepared multi-row INSERTs by row count (the database's; dropped when it is replaced). */
  private inserts = new Map<number, ReturnType<Database['prepare']>>();

  constructor(private readonly options: LedgerOptions) {
    this.flushMs = options.flushMs ?? 1000;
    this.batchRows = options.batchRows ?? 100;
    this.now = options.now ?? Date.now;
    this.retentionDays = options.retentionDays ?? 90;
    this.db = this.open();
    this.prune();
  }

  get path(): string {
    return this.options.path;
  }

  /** The open database for queries (null when it could not be opened). */
  get database(): Database | null {
    return this.db;
  }

  private open(): Database | null {
    this.inserts = new Map();
    try {
      return openLedgerDatabase(this.options.path, { logger: this.options.logger, now: this.now });
    } catch (error) {
      this.options.logger.warn(`usage ledger unavailable (${error instanceof Error ? error.message : String(error)}); requests are not recorded`);
      return null;
    }
  }

  /** Queues one row; cheap. */
  append(row: LedgerRow): void {
    if (this.closed) return;
    this.pending.push(row);
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    if (this.pending.length >= this.batchRows) {
      // Off the request path still: the batch is written after this request's handler returns.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 0);
      this.timer.unref();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Called with each batch once it is in the database. */
  onFlush(listener: (rows: readonly LedgerRow[]) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Rows appended but not yet written (the Activity view shows them at once). */
  unflushed(): readonly LedgerRow[] {
    return this.pending;
  }

  setRetentionDays(days: number): void {
    this.retentionDays = days;
    this.lastPrune = 0;
    this.prune();
  }

  /** Writes every queued row now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const db = this.db;
    if (!db) {
      this.pending = [];
      return;
    }
    const batch = this.pending;
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (let start = 0; start < batch.length; start += ROWS_PER_STATEMENT) {
          const chunk = batch.slice(start, start + ROWS_PER_STATEMENT);
          const args: unknown[] = [];
          for (const row of chunk) pushRowValues(args, row);
          this.insertFor(db, chunk.length).run(args);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      this.pending = [];
    } catch (error) {
      this.writeFailed(error);
      return;
    }
    for (const listener of this.flushListeners) listener(batch);
    this.prune();
  }

  private insertFor(db: Database, rows: number): ReturnType<Database['prepare']> {
    let statement = this.inserts.get(rows);
    if (!statement) {
      statement = db.prepare(insertSql(rows));
      this.inserts.set(rows, statement);
    }
    return statement;
  }

  private writeFailed(error: unknown): void {
    if (isCorruptionError(error)) {
      try {
        this.db?.close();
      } catch {
        // already unusable
      }
      const aside = moveAside(this.options.path, this.now());
      this.options.logger.warn(`usage ledger: the database became unreadable (${(error as Error).message}); moved it to ${aside} and started a new one`);
      this.db = this.open();
    } else {
      this.options.logger.warn(`usage ledger: write failed (${error instanceof Error ? error.message : String(error)}); will retry`);
    }
    if (!this.closed && !this.timer && this.db) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private prune(): void {
    const now = this.now();
    if (!this.db || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    try {
      this.db.prepare('DELETE FROM requests WHERE at < ?').run(now - this.retentionDays * DAY_MS);
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

  /** Flushes and closes; later appends are ignored. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      this.db?.close();
    } catch {
      // closing is best effort
    }
    this.db = null;
  }
}
