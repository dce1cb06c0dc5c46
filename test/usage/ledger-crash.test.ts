// A relay killed with SIGKILL (no shutdown hook runs) loses at most the rows of its last unflushed
// second: a real child process writing through the real tracker, the database read afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { openLedgerDatabase } from '../../src/main/core/usage/ledger-db.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const home = mkdtempSync(path.join(tmpdir(), 'relay-ledger-crash-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('usage ledger after a crash', () => {
  it('keeps every row but those of the last unflushed second', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/usage/fixtures/ledger-writer.ts', home], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    // Run long enough for a few flushes, then kill without warning.
    const deadline = Date.now() + 15_000;
    while (out.split('\n').filter(Boolean).length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    expect(err).toBe('');

    const recorded = out.split('\n').filter(Boolean).map(Number);
    const lastRecorded = recorded.at(-1)!;
    const db = openLedgerDatabase(path.join(home, 'usage.db'), { logger: silentLogger });
    try {
      const rows = db.prepare('SELECT at FROM requests ORDER BY at').all().map((r) => Number((r as { at: number }).at));
      expect(rows.length).toBeGreaterThan(0);
      const lastSaved = rows.at(-1)!;
      // Nothing older than the last flush is missing, and the gap is at most the flush interval
      // (plus timer lateness on a loaded machine).
      expect(rows).toEqual(recorded.filter((at) => at <= lastSaved));
      expect(lastRecorded - lastSaved).toBeLessThan(1_500);
    } finally {
      db.close();
    }
  }, 30_000);
});
