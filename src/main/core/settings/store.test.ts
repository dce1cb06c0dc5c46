import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS_DEFAULTS } from './schema.js';
import { openSettings } from './store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-settings-'));
  dirs.push(dir);
  return dir;
}

describe('settings store', () => {
  it('defaults, persists to config.json under COPILOT_RELAY_HOME and reopens', async () => {
    const home = await temp();
    const settings = openSettings({ env: { COPILOT_RELAY_HOME: home } });
    expect(settings.path).toBe(join(home, 'config.json'));
    expect(settings.all()).toEqual(SETTINGS_DEFAULTS);
    settings.set('enterprise', 'octo.ghe.com');
    settings.set('lastLogin', 'octocat');
    const again = openSettings({ cwd: home });
    expect(again.get('enterprise')).toBe('octo.ghe.com');
    expect(again.get('lastLogin')).toBe('octocat');
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ enterprise: 'octo.ghe.com', __internal__: { migrations: { version: '1.0.0' } } });
  });

  it('runs the shared migrations (pre-1.0 enterpriseHost → enterprise)', async () => {
    const home = await temp();
    await writeFile(join(home, 'config.json'), JSON.stringify({ enterpriseHost: 'octo.ghe.com', __internal__: { migrations: { version: '0.9.0' } } }));
    expect(openSettings({ cwd: home }).get('enterprise')).toBe('octo.ghe.com');
  });

  it('rejects invalid values and an invalid file as config errors (never clearing the file)', async () => {
    const home = await temp();
    const settings = openSettings({ cwd: home });
    expect(() => settings.set('port', 70000)).toThrow(expect.objectContaining({ kind: 'config' }));
    await writeFile(join(home, 'config.json'), JSON.stringify({ port: 'nope' }));
    expect(() => openSettings({ cwd: home })).toThrow(expect.objectContaining({ kind: 'config' }));
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ port: 'nope' });
  });
});
