import { describe, it, expect, afterEach } from 'vitest';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '../log/logger.js';
import { FileSecretStore } from './file-store.js';

const dirs: string[] = [];
async function tempHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-file-store-'));
  dirs.push(dir);
  return join(dir, 'home'); // not created yet: the store makes it 0700
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const posix = process.platform !== 'win32';

describe('FileSecretStore (opt-in insecure storage)', () => {
  it('round-trips secrets in one 0600 file inside a 0700 dir, leaving no temp file', async () => {
    const home = await tempHome();
    const store = new FileSecretStore(home);
    expect(await store.get('github.com')).toBeNull();
    await store.set('github.com', 'ghu_FAKEFILETOKEN');
    await store.set('github.com#session', '{"v":1}');
    expect(await store.get('github.com')).toBe('ghu_FAKEFILETOKEN');
    expect(await readdir(home)).toEqual(['credentials.json']);
    if (posix) {
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      expect((await stat(home)).mode & 0o777).toBe(0o700);
    }
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual({ 'github.com': 'ghu_FAKEFILETOKEN', 'github.com#session': '{"v":1}' });
    expect(await store.delete('github.com')).toBe(true);
    expect(await store.delete('github.com')).toBe(false);
    expect(await store.get('github.com')).toBeNull();
    expect(await store.get('github.com#session')).toBe('{"v":1}');
    expect(store.describe()).toContain(store.path);
  });

  it('writes atomically: concurrent writers all land, the file is replaced by rename (new inode), never partially', async () => {
    const home = await tempHome();
    const store = new FileSecretStore(home);
    await store.set('a', '1');
    // A hard link to the old file keeps its old content only if writes replace the file (rename) instead of rewriting it in place.
    const oldLink = join(home, '..', 'old-link');
    await link(store.path, oldLink);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    expect(JSON.parse(await readFile(oldLink, 'utf8'))).toEqual({ a: '1' });
    const after = await stat(store.path);
    if (posix) expect(after.mode & 0o777).toBe(0o600);
    const all = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, string>;
    expect(Object.keys(all)).toHaveLength(21);
    expect(await readdir(home)).toEqual(['credentials.json']);
  });

  it.runIf(posix)('tightens a group/world-readable file before reading and warns (without the secret)', async () => {
    const home = await tempHome();
    const logger = createMemoryLogger();
    const store = new FileSecretStore(home, logger);
    await store.set('github.com', 'ghu_FAKELOOSE');
    await chmod(store.path, 0o644);
    expect(await store.get('github.com')).toBe('ghu_FAKELOOSE');
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(logger.lines.join('\n')).toContain('restricting it to 0600');
    expect(logger.lines.join('\n')).not.toContain('ghu_FAKELOOSE');
  });

  it.runIf(posix)('warns when the directory is writable by others', async () => {
    const home = await tempHome();
    await mkdir(home, { mode: 0o700 });
    await chmod(home, 0o777);
    const logger = createMemoryLogger();
    await new FileSecretStore(home, logger).set('github.com', 'ghu_FAKEDIR');
    expect(logger.lines.join('\n')).toContain('writable by other users');
    expect((await stat(join(home, 'credentials.json'))).mode & 0o777).toBe(0o600);
  });

  it('a damaged file is a storage error naming the fix, without its content', async () => {
    const home = await tempHome();
    const store = new FileSecretStore(home);
    await store.set('x', 'y');
    await writeFile(store.path, '{"github.com":"ghu_FAKEDAMAGED', { mode: 0o600 });
    const error = await store.get('github.com').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'storage' });
    expect((error as Error).message).not.toContain('ghu_FAKEDAMAGED');
  });
});
