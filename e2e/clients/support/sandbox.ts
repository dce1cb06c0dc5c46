import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway home for one agent run: HOME, the XDG folders, TMPDIR and a working folder, all under
 * one temp dir that is removed afterwards, so nothing reads or writes the real user's config, auth
 * or history. The environment starts EMPTY (not from process.env): no real API key, proxy or agent
 * setting of the person running the tests can leak in.
 */
export interface Sandbox {
  root: string;
  home: string;
  /** The agent's working directory (not inside any git repository). */
  work: string;
  /** Marks every process of this run (found in /proc/<pid>/environ to prove none is left). */
  runId: string;
  env(extra?: Record<string, string>): Record<string, string>;
  remove(): Promise<void>;
}

export const RUN_MARKER = 'COPILOT_RELAY_CLIENTS_RUN';

export async function makeSandbox(label: string): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), `relay-clients-${label}-`));
  const dirs = {
    home: join(root, 'home'),
    work: join(root, 'work'),
    config: join(root, 'home', '.config'),
    data: join(root, 'home', '.local', 'share'),
    state: join(root, 'home', '.local', 'state'),
    cache: join(root, 'home', '.cache'),
    tmp: join(root, 'tmp'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  const runId = `${label}-${randomBytes(6).toString('hex')}`;
  return {
    root,
    home: dirs.home,
    work: dirs.work,
    runId,
    env: (extra = {}) => ({
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dirs.home,
      USER: 'relay-clients',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      NO_COLOR: '1',
      TMPDIR: dirs.tmp,
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
      XDG_STATE_HOME: dirs.state,
      XDG_CACHE_HOME: dirs.cache,
      [RUN_MARKER]: runId,
      ...extra,
    }),
    remove: () => rm(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}
