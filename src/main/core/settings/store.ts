import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { writePrivateFileSync } from '../config/private-files.js';
import { relayHome } from '../config/paths.js';
import { RelayError } from '../errors.js';
import { migrate } from './migrations.js';
import type { Settings } from './schema.js';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMA } from './schema.js';

export interface SettingsStore {
  get<K extends keyof Settings>(key: K): Settings[K];
  /** Validates, then writes the file — only when the value really changes. */
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  /** Several settings in one write (nothing is written when none changes). */
  update(patch: Partial<Settings>): void;
  all(): Settings;
  readonly path: string;
}

export const SETTINGS_FILE = 'config.json';

const validate = new Ajv({ allErrors: true, strict: false }).compile({ type: 'object', properties: SETTINGS_SCHEMA });

/** A settings file that can't be used as it is: the desktop app offers to reset it (keeping a backup). */
export class SettingsFileError extends RelayError {
  constructor(readonly file: string, message: string, options: { cause?: unknown } = {}) {
    super('config', message, { fix: FIX, desktopFix: DESKTOP_FIX, cause: options.cause });
  }
}

const FIX = 'Fix it, or delete it to use the defaults.';
const DESKTOP_FIX = 'Fix it, or reset it to the defaults (the old file is kept as a backup).';

function schemaProblem(): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || 'the file'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** The errno of a failed file operation in words that say what to do, not just the code. */
function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  if (code === 'EROFS') return 'the file system is read-only (EROFS)';
  if (code === 'EISDIR') return 'it is a folder, not a file (EISDIR)';
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads `config.json` without writing anything (a read-only location or a missing folder is fine:
 * defaults apply), migrating older files in memory. A file that can't be read, parsed or validated
 * is a `config` error naming it — never silently replaced.
 */
function readSettingsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') text = '{}';
    else throw new RelayError('config', `Could not read the settings file ${path}: ${describeIoError(error)}.`, { fix: 'Make it readable, or point COPILOT_RELAY_HOME at another folder.', cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsFileError(path, `The settings file ${path} is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  // conf wrote `null` for an emptied store; treat a non-object like an empty file.
  const values = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : {};
  migrate(values);
  if (!validate(values)) throw new SettingsFileError(path, `The settings file ${path} has an invalid value: ${schemaProblem()}.`);
  return values;
}

/**
 * The settings file. The one writer is the relay service; one-shot CLI commands read it and write
 * only what they change (login: the account; logout: the last login). Writes replace the file
 * atomically as 0600 in a 0700 folder.
 */
export function openSettings(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SettingsStore {
  const path = join(options.cwd ?? relayHome(options.env), SETTINGS_FILE);
  const raw = readSettingsFile(path);
  const current = (): Settings => ({ ...SETTINGS_DEFAULTS, ...(raw as Partial<Settings>) });

  const update = (patch: Partial<Settings>): void => {
    const next = { ...raw, ...patch };
    if (!validate(next)) throw new RelayError('config', `Invalid value for setting ${Object.keys(patch).join(', ')}: ${schemaProblem()}.`);
    const before = current();
    const changed = (Object.keys(patch) as (keyof Settings)[]).some((key) => JSON.stringify(before[key]) !== JSON.stringify(patch[key]));
    if (!changed) return;
    try {
      // The same layout electron-store/conf used (tabs), so older app versions still read it.
      writePrivateFileSync(path, JSON.stringify(next, undefined, '\t'));
    } catch (error) {
      throw new RelayError('config', `Could not save the settings to ${path}: ${describeIoError(error)}.`, {
        fix: 'Make the folder writable, or point COPILOT_RELAY_HOME at a writable folder.',
        cause: error,
      });
    }
    Object.assign(raw, patch);
  };

  return {
    path,
    get: (key) => current()[key],
    set: (key, value) => update({ [key]: value } as Partial<Settings>),
    update,
    all: current,
  };
}

/** Moves a damaged settings file aside (`config.json.bak-<time>`) so the defaults apply; returns the backup's path. */
export function backUpSettingsFile(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}, now = new Date()): string {
  const path = join(options.cwd ?? relayHome(options.env), SETTINGS_FILE);
  const backup = `${path}.bak-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, backup);
  } catch (error) {
    throw new RelayError('config', `Could not move the settings file ${path} aside: ${describeIoError(error)}.`, { cause: error });
  }
  return backup;
}
