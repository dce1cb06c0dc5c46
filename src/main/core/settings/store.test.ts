import { describe, it, expect, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS_DEFAULTS } from './schema.js';
import { backUpSettingsFile, openSettings } from './store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-settings-'));
  dirs.push(dir);
  return dir;
}
const posix = process.platform !== 'win32';
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('settings store', () => {
  it('reads defaults without creating anything, and writes config.json only when a value changes', async () => {
    const home = join(await temp(), 'not-yet');
    const settings = openSettings({ env: { COPILOT_RELAY_HOME: home } });
    expect(settings.path).toBe(join(home, 'config.json'));
    expect(settings.all()).toMatchObject(SETTINGS_DEFAULTS);
    settings.set('port', SETTINGS_DEFAULTS.port);
    expect(existsSync(home)).toBe(false);
    settings.update({ enterprise: 'octo.ghe.com', lastLogin: 'octocat' });
    const again = openSettings({ cwd: home });
    expect(again.get('enterprise')).toBe('octo.ghe.com');
    expect(again.get('lastLogin')).toBe('octocat');
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toEqual({ enterprise: 'octo.ghe.com', lastLogin: 'octocat', __internal__: { migrations: { version: '1.0.0' } } });
  });

  it.runIf(posix)('creates the folder 0700 and the file 0600 whatever the umask (RT-14)', async () => {
    const root = await temp();
    const home = join(root, 'config', 'Copilot Relay');
    const previous = process.umask(0);
    try {
      openSettings({ cwd: home }).set('port', 5000);
    } finally {
      process.umask(previous);
    }
    expect(await mode(home)).toBe(0o700);
    expect(await mode(join(root, 'config'))).toBe(0o700);
    expect(await mode(join(home, 'config.json'))).toBe(0o600);
    expect(await readdir(home)).toEqual(['config.json']);
  });

  it('runs the migrations in memory (pre-1.0 enterpriseHost → enterprise) without rewriting the file', async () => {
    const home = await temp();
    const original = JSON.stringify({ enterpriseHost: 'octo.ghe.com', apiKey: true, __internal__: { migrations: { version: '0.9.0' } } });
    await writeFile(join(home, 'config.json'), original);
    const settings = openSettings({ cwd: home });
    expect(settings.get('enterprise')).toBe('octo.ghe.com');
    expect(settings.get('apiKeyEnabled')).toBe(true);
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe(original);
    settings.set('port', 4242);
    const raw = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'));
    expect(raw).toMatchObject({ enterprise: 'octo.ghe.com', apiKeyEnabled: true, port: 4242, __internal__: { migrations: { version: '1.0.0' } } });
    expect(raw.enterpriseHost).toBeUndefined();
  });

  it('a file that does not parse or validate is a config error naming the file; it is never cleared', async () => {
    const home = await temp();
    const file = join(home, 'config.json');
    await writeFile(file, '{"port": 41');
    expect(() => openSettings({ cwd: home })).toThrow(expect.objectContaining({ kind: 'config', message: expect.stringContaining(`${file} is not valid JSON`) }));
    await writeFile(file, JSON.stringify({ port: 'nope' }));
    expect(() => openSettings({ cwd: home })).toThrow(expect.objectContaining({ kind: 'config', message: expect.stringMatching(/invalid value: port must be integer/) }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ port: 'nope' });
    expect(() => openSettings({ cwd: home }).set('port', 70000)).toThrow();
  });

  it('rejects invalid values before writing', async () => {
    const home = await temp();
    const settings = openSettings({ cwd: home });
    expect(() => settings.set('port', 70000)).toThrow(expect.objectContaining({ kind: 'config' }));
    expect(() => settings.set('apiKeyEnabled', 'yes' as unknown as boolean)).toThrow(expect.objectContaining({ kind: 'config' }));
    expect(existsSync(join(home, 'config.json'))).toBe(false);
  });

  it('backs a damaged file up so the defaults apply', async () => {
    const home = await temp();
    await writeFile(join(home, 'config.json'), 'garbage');
    const backup = backUpSettingsFile({ cwd: home }, new Date('2026-11-01T10:00:00Z'));
    expect(backup).toBe(join(home, 'config.json.bak-2026-11-01T10-00-00-000Z'));
    expect(await readFile(backup, 'utf8')).toBe('garbage');
    expect(openSettings({ cwd: home }).get('port')).toBe(4141);
  });

  it.runIf(posix && process.getuid?.() !== 0)('a read-only folder: reading works, saving says permission denied (RT-10)', async () => {
    const home = await temp();
    await mkdir(join(home, 'ro'));
    await writeFile(join(home, 'ro', 'config.json'), JSON.stringify({ port: 4141 }));
    await chmod(join(home, 'ro'), 0o555);
    try {
      const settings = openSettings({ cwd: join(home, 'ro') });
      expect(settings.get('port')).toBe(4141);
      settings.set('port', 4141);
      expect(() => settings.set('port', 5000)).toThrow(/Could not save the settings to .*permission denied \(EACCES\)/);
    } finally {
      await chmod(join(home, 'ro'), 0o755);
    }
  });
});
