import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLogFile } from './log-file.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('log file', () => {
  it('appends redacted lines, rotates past the cap to .1 and never keeps more than two files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-logs-'));
    dirs.push(dir);
    const path = join(dir, 'logs', 'copilot-relay.log');
    const log = openLogFile(path, 1_000);
    log.write('stack with token ghu_FAKEFAKEFAKEFAKE1234 and Authorization: Bearer abcdef123456');
    const first = await readFile(path, 'utf8');
    expect(first).not.toContain('ghu_FAKE');
    expect(first).not.toContain('abcdef123456');
    expect(first).toContain('[redacted]');
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 100; i++) log.write(`line ${i} ${'x'.repeat(40)}`);
    log.close();
    expect((await stat(path)).size).toBeLessThanOrEqual(1_000);
    expect((await stat(`${path}.1`)).size).toBeLessThanOrEqual(1_000);
    expect(await readFile(path, 'utf8')).toContain('line 99');
  });

  it('a log folder that cannot be created drops lines instead of throwing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-logs-'));
    dirs.push(dir);
    const file = join(dir, 'a-file');
    openLogFile(file).close();
    const log = openLogFile(join(file, 'under-a-file', 'app.log'));
    expect(() => log.write('hello')).not.toThrow();
  });
});
