import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// electron-store loads Electron at import: replaced by a Map that records its options.
const stores: { options: Record<string, unknown>; values: Map<string, unknown> }[] = [];
vi.mock('electron-store', () => ({
  default: class {
    values = new Map<string, unknown>();
    constructor(readonly options: Record<string, unknown>) {
      stores.push({ options, values: this.values });
    }
    get(key: string) {
      return this.values.has(key) ? this.values.get(key) : (this.options.defaults as Record<string, unknown>)[key];
    }
    set(key: string, value: unknown) {
      this.values.set(key, value);
    }
  },
}));

const { openUiState, UI_STATE_DEFAULTS } = await import('./ui-state.js');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('main process UI state', () => {
  it('is its own 0600 file (ui-state.json) in a 0700 folder, never config.json', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'relay-ui-')), 'Copilot Relay');
    dirs.push(dir);
    const ui = openUiState(dir);
    expect(stores[0]!.options).toMatchObject({ cwd: dir, name: 'ui-state', configFileMode: 0o600, defaults: UI_STATE_DEFAULTS, clearInvalidConfig: true });
    expect(stores[0]!.options.name).not.toBe('config');
    if (process.platform !== 'win32') expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(ui.get('firstRunDone')).toBe(false);
    ui.set('windowPosition', { x: 1, y: 2 });
    expect(ui.get('windowPosition')).toEqual({ x: 1, y: 2 });
  });
});
