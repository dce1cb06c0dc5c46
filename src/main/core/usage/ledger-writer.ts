import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import { isCorruptionError, writeBatch } from './ledger-db.js';
import type { Database, RowBatch } from './ledger-db.js';
import type { WriterReply, WriterRequest } from './ledger-worker.js';

/** What happened to a batch: in the database, or why not (a corrupt file is moved aside by the ledger). */
export type WriteResult = { ok: true } | { ok: false; corrupt: boolean; message: string };

/** Where the ledger's rows are written. */
export interface BatchWriter {
  /** Resolves once the batch is committed (with its marker), or with why not. Never rejects. */
  write(batch: RowBatch): Promise<WriteResult>;
  prune(before: number): void;
  /** The file was replaced (a corrupt one moved aside): attach to the new one. */
  reopen(): void;
  /** Lets queued writes finish, forgets this writer's marker, closes. */
  close(): Promise<void>;
}

/**
 * Bundles: the `ledger-worker` entry beside the bundle's entry (with its extension: `.js`, or
 * `.mjs` in the bench's bundles); this module may itself sit in `chunks/`. Sources (tests, tsx):
 * ledger-worker.ts through tsx, since Node can't import TypeScript by itself.
 */
export function spawnLedgerWorker(path: string): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const source = JSON.stringify(new URL('./ledger-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${source}, ${JSON.stringify(here)}))`, { eval: true, workerData: { path } });
  }
  const dir = new URL('.', here);
  const file = `ledger-worker${extname(new URL(here).pathname)}`;
  return new Worker(new URL(dir.pathname.endsWith('/chunks/') ? `../${file}` : `./${file}`, dir), { workerData: { path } });
}

/**
 * Writes on a worker thread that owns its own connection (WAL: the main thread's connection reads
 * meanwhile). The main thread only posts each batch's values (a flat array: cheap to clone). A
 * worker that dies or can't start fails what it held; `onDead` lets the ledger write in-thread.
 */
export class ThreadWriter implements BatchWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (result: WriteResult) => void>();
  private closed: Promise<void> | null = null;
  private dead = false;

  constructor(
    path: string,
    private readonly marker: string,
    private readonly logger: Logger,
    private readonly onDead: (why: string) => void,
    spawn: (path: string) => Worker = spawnLedgerWorker,
  ) {
    this.worker = spawn(path);
    // The relay's own handles (server, host channel) decide when the process ends, not the writer.
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.onReply(reply));
    this.worker.on('error', (error) => this.die(error instanceof Error ? error.message : String(error)));
    this.worker.on('exit', (code) => this.die(`exit code ${code}`));
  }

  private onReply(reply: WriterReply): void {
    if (reply.type === 'log') this.logger.warn(reply.message);
    else if (reply.type === 'written') this.settle(reply.id, { ok: true });
    else if (reply.type === 'failed') this.settle(reply.id, { ok: false, corrupt: reply.corrupt, message: reply.message });
  }

  private settle(id: number, result: WriteResult): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(result);
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    for (const id of [...this.waiting.keys()]) this.settle(id, { ok: false, corrupt: false, message: `the ledger's writer thread stopped (${why})` });
    if (!this.closed) this.onDead(why);
  }

  private send(request: WriterRequest): void {
    if (!this.dead) this.worker.postMessage(request);
  }

  write(batch: RowBatch): Promise<WriteResult> {
    if (this.dead) return Promise.resolve({ ok: false, corrupt: false, message: "the ledger's writer thread is not running" });
    return new Promise((resolve) => {
      this.waiting.set(batch.id, resolve);
      this.send({ type: 'write', batch, marker: this.marker });
    });
  }

  prune(before: number): void {
    this.send({ type: 'prune', before });
  }

  reopen(): void {
    this.send({ type: 'reopen' });
  }

  close(): Promise<void> {
    this.closed ??= this.dead
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          // Messages are handled in order: every write posted before this one is answered first.
          this.worker.on('message', (reply: WriterReply) => {
            if (reply.type === 'closed') void this.worker.terminate().then(() => resolve());
          });
          this.worker.once('exit', () => resolve());
          this.send({ type: 'close', forget: this.marker });
        });
    return this.closed;
  }
}

/** Writes on the calling thread, on the ledger's own connection: the fallback when no worker runs. */
export class InlineWriter implements BatchWriter {
  private statements = new Map<number, ReturnType<Database['prepare']>>();
  private db: Database | null = null;

  constructor(private readonly connection: () => Database | null, private readonly marker: string, private readonly logger: Logger) {}

  private current(): Database | null {
    const db = this.connection();
    if (db !== this.db) {
      this.db = db;
      this.statements = new Map();
    }
    return db;
  }

  write(batch: RowBatch): Promise<WriteResult> {
    const db = this.current();
    if (!db) return Promise.resolve({ ok: false, corrupt: false, message: 'the database is not open' });
    try {
      writeBatch(db, this.statements, batch, this.marker);
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, corrupt: isCorruptionError(error), message: error instanceof Error ? error.message : String(error) });
    }
  }

  prune(before: number): void {
    try {
      this.current()?.prepare('DELETE FROM requests WHERE at < ?').run(before);
    } catch (error) {
      this.logger.warn(`usage ledger: retention cleanup failed (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  reopen(): void {
    this.statements = new Map();
  }

  close(): Promise<void> {
    try {
      this.current()?.prepare('DELETE FROM meta WHERE key = ?').run(this.marker);
    } catch {
      // a leftover marker is harmless
    }
    return Promise.resolve();
  }
}
