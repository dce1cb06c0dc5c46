import { mkdirSync } from 'node:fs';
import Store from 'electron-store';
import type { Options } from 'electron-store';
import type { WindowPosition } from './window.js';

/**
 * The main process's own state — how the window looked, not how the relay runs — in its own file
 * (`ui-state.json` beside the relay's `config.json`, which only the service process writes).
 */
export interface UiState {
  /** Where the status window was last shown. */
  windowPosition: WindowPosition | null;
  /** The window's last view ('status' or 'activity'). */
  lastView: 'status' | 'activity';
  /** False until the app has run once: only then does it open its window at launch on macOS. */
  firstRunDone: boolean;
}

export const UI_STATE_DEFAULTS: UiState = { windowPosition: null, lastView: 'status', firstRunDone: false };

const SCHEMA = {
  windowPosition: { type: ['object', 'null'], properties: { x: { type: 'integer' }, y: { type: 'integer' } }, required: ['x', 'y'] },
  lastView: { enum: ['status', 'activity'] },
  firstRunDone: { type: 'boolean' },
};

export interface UiStateStore {
  get<K extends keyof UiState>(key: K): UiState[K];
  set<K extends keyof UiState>(key: K, value: UiState[K]): void;
}

/** electron-store in `dir` (a 0700 folder, a 0600 file). A damaged file only costs the window's last position. */
export function openUiState(dir: string): UiStateStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = new Store<UiState>({ cwd: dir, name: 'ui-state', schema: SCHEMA, defaults: UI_STATE_DEFAULTS, clearInvalidConfig: true, configFileMode: 0o600 } as unknown as Options<UiState>);
  return { get: (key) => store.get(key), set: (key, value) => store.set(key, value) };
}
