import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log/logger.js';
import { UsageLedger } from './ledger.js';
import type { LedgerRow } from './ledger.js';
import { openLedgerDatabase } from './ledger-db.js';
import { creditsSince, groupsSince, recentRows, totalsSince } from './ledger-queries.js';

let dir: string;
const lines: string[] = [];
const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });

function row(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    at: Date.now(), requestId: 'r1', client: 'curl', clientApi: 'chat', upstreamEndpoint: '/chat/completions', method: 'POST', path: '/v1/chat/completions',
    modelRequested: 'gpt-4o', modelServed: 'gpt-4o', status: 200, errorCode: null, latencyMs: 120, firstByteMs: 40, inputTokens: 100, outputTokens: 20,
    cachedTokens: 0, credits: 0.5, creditsSource: 'billed', premiumRequests: 1, initiator: 'user', stream: false, ...overrides,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-ledger-'));
  lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('UsageLedger', () => {
  it('queues rows and writes them in one batch after flushMs, readable by a second connection', async () => {
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger, flushMs: 30 });
    ledger.append(row({ requestId: 'a' }));
    ledger.append(row({ requestId: 'b', client: 'Claude Code', modelServed: 'claude-sonnet-4.5', credits: 1.25, status: 429, errorCode: 'user_weekly_rate_limited' }));
    const reader = openLedgerDatabase(join(dir, 'usage.db'), { logger });
    expect(totalsSince(reader, 0).requests).toBe(0);
    expect(ledger.unflushed()).toHaveLength(2);
    await vi.waitFor(() => expect(totalsSince(reader, 0).requests).toBe(2), { timeout: 5_000 });
    expect(totalsSince(reader, 0)).toEqual({ requests: 2, inputTokens: 200, outputTokens: 40, credits: 1.75, errors: 1, premiumRequests: 2 });
    expect(groupsSince(reader, 0, 'client').map((g) => [g.key, g.credits])).toEqual([['Claude Code', 1.25], ['curl', 0.5]]);
    expect(groupsSince(reader, 0, 'model').map((g) => g.key)).toEqual(['claude-sonnet-4.5', 'gpt-4o']);
    expect(recentRows(reader, 1)[0]).toEqual(row({ requestId: 'b', client: 'Claude Code', modelServed: 'claude-sonnet-4.5', credits: 1.25, status: 429, errorCode: 'user_weekly_rate_limited', at: recentRows(reader, 1)[0]!.at }));
    reader.close();
    await ledger.close();
  });

  it('flushes at once past batchRows, and on close', async () => {
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger, flushMs: 60_000, batchRows: 3 });
    const flushed: number[] = [];
    ledger.onFlush((rows) => flushed.push(rows.length));
    for (let i = 0; i < 3; i++) ledger.append(row({ requestId: `r${i}` }));
    await vi.waitFor(() => expect(flushed).toEqual([3]));
    ledger.append(row());
    await ledger.close();
    expect(flushed).toEqual([3, 1]);
    ledger.append(row()); // ignored after close
    const reader = openLedgerDatabase(join(dir, 'usage.db'), { logger });
    expect(totalsSince(reader, 0).requests).toBe(4);
    reader.close();
  });

  it('groups by local day and sums credits since a time', async () => {
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger });
    const day = 86_400_000;
    const now = Date.now();
    ledger.append(row({ at: now - 2 * day, credits: 2 }));
    ledger.append(row({ at: now - 2 * day + 1, credits: 3 }));
    ledger.append(row({ at: now, credits: 4, modelServed: null, modelRequested: null }));
    await ledger.flush();
    const db = ledger.database!;
    const days = groupsSince(db, 0, 'day');
    expect(days).toHaveLength(2);
    expect(days.map((d) => d.credits)).toEqual([5, 4]);
    expect(days[0]!.key).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(creditsSince(db, now - day)).toBe(4);
    expect(groupsSince(db, now - day, 'model')[0]!.key).toBe('(no model)');
    await ledger.close();
  });

  it('deletes rows past the retention period at open and when it changes', async () => {
    const path = join(dir, 'usage.db');
    const day = 86_400_000;
    const first = new UsageLedger({ path, logger });
    first.append(row({ at: Date.now() - 100 * day }));
    first.append(row({ at: Date.now() - 10 * day }));
    first.append(row());
    await first.close();
    const second = new UsageLedger({ path, logger });
    expect(totalsSince(second.database!, 0).requests).toBe(2);
    second.setRetentionDays(7);
    expect(totalsSince(second.database!, 0).requests).toBe(1);
    await second.close();
  });

  it('moves a corrupt file aside with a log line and starts a new ledger', async () => {
    const path = join(dir, 'usage.db');
    writeFileSync(path, Buffer.alloc(8192, 7));
    const ledger = new UsageLedger({ path, logger, now: () => Date.UTC(2026, 10, 23, 12, 0, 0) });
    ledger.append(row());
    await ledger.flush();
    expect(totalsSince(ledger.database!, 0).requests).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['usage.db', 'usage.db.corrupt-2026-11-23T12-00-00-000Z']));
    expect(lines.join('\n')).toMatch(/WARN usage ledger: .*usage\.db is not a readable database .*moved it to .*corrupt-2026-11-23T12-00-00-000Z and started a new one/);
    await ledger.close();
  });

  it('keeps serving (records nothing) when the database cannot be opened at all', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    const ledger = new UsageLedger({ path: join(dir, 'file', 'usage.db'), logger });
    expect(ledger.database).toBeNull();
    ledger.append(row());
    await ledger.flush();
    await ledger.close();
    expect(lines.join('\n')).toMatch(/usage ledger unavailable/);
  });

  it('writes on its own thread; a read sees each row once, in the database or on its way, never twice', async () => {
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger, flushMs: 60_000, batchRows: 1_000_000 });
    const sum = () => {
      const read = ledger.read((db) => creditsSince(db, 0))!;
      return read.value + read.unflushed.reduce((total, r) => total + (r.credits ?? 0), 0);
    };
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 50; i++) ledger.append(row({ requestId: `${batch}-${i}`, credits: 1 }));
      const writing = ledger.flush();
      // Busy here (no message handled): the writer thread commits meanwhile, its answer waits.
      const until = Date.now() + 15;
      while (Date.now() < until);
      // Committed or not, answered or not: the sum is exact.
      expect(sum()).toBe((batch + 1) * 50);
      if (batch % 3 === 0) await writing;
    }
    await ledger.flush();
    expect(ledger.unflushed()).toEqual([]);
    expect(sum()).toBe(1000);
    expect(creditsSince(ledger.database!, 0)).toBe(1000);
    await ledger.close();
  });

  it('the in-thread writer (fallback) keeps the same record', async () => {
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger, writer: 'inline' });
    ledger.append(row({ credits: 2 }));
    await ledger.flush();
    expect(totalsSince(ledger.database!, 0)).toMatchObject({ requests: 1, credits: 2 });
    await ledger.close();
  });

  it('a writer thread that dies (or never starts) hands over to the in-thread writer: no row is lost, a log line says so', async () => {
    const broken = () => new Worker('throw new Error("no ledger-worker.js here")', { eval: true });
    const ledger = new UsageLedger({ path: join(dir, 'usage.db'), logger, flushMs: 10, spawnWriter: broken });
    for (let i = 0; i < 5; i++) ledger.append(row({ requestId: `r${i}` }));
    await vi.waitFor(() => expect(totalsSince(ledger.database!, 0).requests).toBe(5), { timeout: 5_000 });
    expect(lines.join('\n')).toMatch(/usage ledger: no writer thread \(.*no ledger-worker\.js here.*\); writing on the main thread/);
    ledger.append(row({ requestId: 'after' }));
    await ledger.close();
    const reader = openLedgerDatabase(join(dir, 'usage.db'), { logger });
    expect(totalsSince(reader, 0).requests).toBe(6);
    reader.close();
  });
});
