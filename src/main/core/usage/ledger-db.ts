import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Database as SqliteDatabase } from 'libsql';
import type { Logger } from '../log/logger.js';
import type { LedgerRow } from './ledger.js';

export type Database = SqliteDatabase;
type DatabaseConstructor = new (path: string, options?: { timeout?: number }) => Database;

/** The ledger's file under the relay's home (next to config.json and the logs). */
export const LEDGER_FILE = 'usage.db';

export function ledgerPath(home: string): string {
  return join(home, LEDGER_FILE);
}

/** Meta key of the last-seen rate limits (a JSON LimitState[]): the relay saves it, `copilot-relay usage` reads it. */
export const RATE_LIMITS_KEY = 'rate_limits';

/** Schema version in `PRAGMA user_version`; a newer file (a later release) is read, never migrated down. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  client TEXT NOT NULL,
  client_api TEXT NOT NULL,
  upstream_endpoint TEXT,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  model_requested TEXT,
  model_served TEXT,
  status INTEGER NOT NULL,
  error_code TEXT,
  latency_ms INTEGER NOT NULL,
  ttfb_ms INTEGER,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  credits REAL,
  credits_source TEXT,
  premium_requests REAL,
  initiator TEXT,
  stream INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_at ON requests (at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** The columns one ledger row fills, in `pushRowValues` order. */
const COLUMNS = `at, request_id, client, client_api, upstream_endpoint, method, path, model_requested, model_served,
  status, error_code, latency_ms, ttfb_ms, input_tokens, output_tokens, cached_tokens, credits, credits_source, premium_requests, initiator, stream`;
/** Values per row in `pushRowValues`. */
export const COLUMN_COUNT = 21;
const PLACEHOLDERS = `(${Array(COLUMN_COUNT).fill('?').join(', ')})`;
/** Rows per INSERT statement: one multi-row statement per chunk costs ~25 % less CPU per row than one per row (4.6 vs 6.0 µs, measured). */
export const ROWS_PER_STATEMENT = 50;

/** Caller-supplied strings (model names, paths) are capped: the ledger stores labels, not payloads. */
function cap(value: string | null, max = 200): string | null {
  return value === null ? null : value.length > max ? value.slice(0, max) : value;
}

export function pushRowValues(out: unknown[], row: LedgerRow): void {
  out.push(
    row.at, row.requestId, cap(row.client, 80), row.clientApi, row.upstreamEndpoint, row.method, cap(row.path), cap(row.modelRequested), cap(row.modelServed),
    row.status, cap(row.errorCode, 100), row.latencyMs, row.firstByteMs, row.inputTokens, row.outputTokens, row.cachedTokens,
    row.credits, row.creditsSource, row.premiumRequests, row.initiator, row.stream ? 1 : 0,
  );
}

/** One multi-row INSERT for `rows` rows. */
export function insertSql(rows: number): string {
  return `INSERT INTO requests (${COLUMNS}) VALUES ${Array(rows).fill(PLACEHOLDERS).join(', ')}`;
}

/** Rows on their way to the database: their values (`pushRowValues`, row after row) and a number per writer. */
export interface RowBatch {
  /** Increasing per writer: the reader's snapshot says which batches it holds (`committedBatch`). */
  id: number;
  count: number;
  values: unknown[];
}

/** The meta key under which one writer records its last committed batch. */
export function batchMarkerKey(writerId: string): string {
  return `writer:${writerId}`;
}

const UPSERT_META = 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value';

/**
 * Writes one batch and its marker in one transaction: the one way rows reach the database (the
 * writer thread's, and the in-thread fallback's). `statements` caches the multi-row INSERTs.
 */
export function writeBatch(db: Database, statements: Map<number, ReturnType<Database['prepare']>>, batch: RowBatch, marker: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (let start = 0; start < batch.count; start += ROWS_PER_STATEMENT) {
      const rows = Math.min(ROWS_PER_STATEMENT, batch.count - start);
      let statement = statements.get(rows);
      if (!statement) statements.set(rows, (statement = db.prepare(insertSql(rows))));
      statement.run(batch.values.slice(start * COLUMN_COUNT, (start + rows) * COLUMN_COUNT));
    }
    // Key 0 holds the marker's UPSERT (row counts start at 1).
    let mark = statements.get(0);
    if (!mark) statements.set(0, (mark = db.prepare(UPSERT_META)));
    mark.run([marker, String(batch.id)]);
    db.exec('COMMIT');
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // the transaction is gone already (the error ended it)
    }
    throw error;
  }
}

/** The last batch a writer committed, as the given connection sees it (0: none). */
export function committedBatch(db: Database, marker: string): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(marker) as { value?: unknown } | undefined;
  return Number(row?.value ?? 0) || 0;
}

/** SQLite's answers for "this file is not (or no longer) a database". */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

export function isCorruptionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT'));
}

let loaded: DatabaseConstructor | null = null;

/** libsql is CommonJS with a Node-API binary (one per platform, shipped inside npm packages): loaded on first use, external to the bundles. */
function loadSqlite(): DatabaseConstructor {
  if (!loaded) loaded = createRequire(import.meta.url)('libsql') as DatabaseConstructor;
  return loaded;
}

function prepare(db: Database): void {
  // WAL: the CLI reads while the relay writes; NORMAL: a commit doesn't fsync (a crash keeps every
  // committed batch but the last, which the ledger tolerates: it loses at most the last second).
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version?: unknown } | undefined)?.user_version ?? 0);
  if (version < SCHEMA_VERSION) {
    db.exec(SCHEMA);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }
}

/**
 * Opens (creating) the ledger. A file SQLite calls corrupt is moved aside (`usage.db.corrupt-<time>`,
 * with its -wal/-shm) and a fresh one started, with a log line; the relay keeps serving.
 * `busyMs`: how long a statement waits for another process's write lock.
 */
export function openLedgerDatabase(path: string, options: { logger: Logger; busyMs?: number; now?: () => number }): Database {
  const Sqlite = loadSqlite();
  mkdirSync(dirname(path), { recursive: true });
  const open = (): Database => {
    const db = new Sqlite(path, { timeout: options.busyMs ?? 1000 });
    try {
      prepare(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  };
  try {
    return open();
  } catch (error) {
    if (!isCorruptionError(error)) throw error;
    const aside = moveAside(path, options.now?.() ?? Date.now());
    options.logger.warn(`usage ledger: ${path} is not a readable database (${(error as Error).message}); moved it to ${aside} and started a new one`);
    return open();
  }
}

/** Renames the database and its WAL/SHM files out of the way; returns the new name. */
export function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const aside = `${path}.corrupt-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}
