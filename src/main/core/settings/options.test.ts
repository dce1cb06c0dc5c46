import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import Conf from 'conf';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsConfOptions } from './options.js';
import type { Settings } from './schema.js';

describe('settings store options (schema, defaults, migrations) with conf', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'relay-settings-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('creates <relayHome>/config.json with the defaults and validates writes', async () => {
    const store = new Conf<Settings>(settingsConfOptions({ COPILOT_RELAY_HOME: home }));
    expect(store.path).toBe(join(home, 'config.json'));
    expect(store.get('port')).toBe(4141);
    expect(store.get('apiKeyEnabled')).toBe(false);
    store.set('port', 5000);
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8')).port).toBe(5000);
    expect(() => store.set('port', 70000)).toThrow();
    expect(() => store.set('port', 1.5 as number)).toThrow();
    expect(() => store.set('apiKeyEnabled', 'yes' as unknown as boolean)).toThrow();
  });

  it('migrates a pre-1.0 file (enterpriseHost, apiKey) and records the version', async () => {
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({ port: 4242, enterpriseHost: 'octo.ghe.com', apiKey: true, __internal__: { migrations: { version: '0.9.0' } } }),
    );
    const store = new Conf<Settings>(settingsConfOptions({ COPILOT_RELAY_HOME: home }));
    expect(store.get('enterprise')).toBe('octo.ghe.com');
    expect(store.get('apiKeyEnabled')).toBe(true);
    expect(store.get('port')).toBe(4242);
    const raw = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'));
    expect(raw.enterpriseHost).toBeUndefined();
    expect(raw.apiKey).toBeUndefined();
    expect(raw.__internal__.migrations.version).toBe('1.0.0');
  });
});
