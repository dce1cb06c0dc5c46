/**
 * The usage ledger's writer thread (bundled as its own entry, `ledger-worker.js`, by
 * scripts/build.mjs): it owns the writing connection, so a batch's INSERTs (≈ 5 µs per row) and
 * the hourly retention DELETE never run on the proxy's event loop. Batches arrive from
 * ledger-writer.ts and are answered in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import { isCorruptionError, openLedgerDatabase, writeBatch } from './ledger-db.js';
import type { Database, RowBatch } from './ledger-db.js';

export type WriterRequest =
  | { type: 'write'; batch: RowBatch; marker: string }
  | { type: 'prune'; before: number }
  /** The main thread replaced a corrupt file: open the new one. */
  | { type: 'reopen' }
  | { type: 'close'; forget: string };

export type WriterReply =
  | { type: 'ready' }
  | { type: 'written'; id: number }
  | { type: 'failed'; id: number; corrupt: boolean; message: string }
  | { type: 'log'; message: string }
  | { type: 'closed' };

const port = parentPort!;
const { path } = workerData as { path: string };
const post = (reply: WriterReply) => port.postMessage(reply);
const say = (message: string) => post({ type: 'log', message });
const logger: Logger = { debug: () => undefined, info: say, warn: say, error: say, addSecret: () => undefined };

let db: Database | null = null;
let statements = new Map<number, ReturnType<Database['prepare']>>();

function open(): void {
  statements = new Map();
  try {
    // The main thread opened (and, if needed, created or replaced) the file first: this only attaches.
    db = openLedgerDatabase(path, { logger });
  } catch (error) {
    db = null;
    say(`usage ledger: the writer could not open ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
}

function closeDb(): void {
  try {
    db?.close();
  } catch {
    // best effort
  }
  db = null;
}

port.on('message', (request: WriterRequest) => {
  switch (request.type) {
    case 'write': {
      if (!db) {
        post({ type: 'failed', id: request.batch.id, corrupt: false, message: 'the database is not open' });
        return;
      }
      try {
        writeBatch(db, statements, request.batch, request.marker);
        post({ type: 'written', id: request.batch.id });
      } catch (error) {
        const corrupt = isCorruptionError(error);
        // A corrupt file is let go at once: the main thread moves it aside and says `reopen`.
        if (corrupt) closeDb();
        post({ type: 'failed', id: request.batch.id, corrupt, message: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    case 'prune':
      try {
        db?.prepare('DELETE FROM requests WHERE at < ?').run(request.before);
      } catch (error) {
        say(`usage ledger: retention cleanup failed (${error instanceof Error ? error.message : String(error)})`);
      }
      return;
    case 'reopen':
      closeDb();
      open();
      return;
    case 'close':
      try {
        db?.prepare('DELETE FROM meta WHERE key = ?').run(request.forget);
      } catch {
        // a leftover marker is harmless
      }
      closeDb();
      post({ type: 'closed' });
      return;
  }
});

open();
post({ type: 'ready' });
