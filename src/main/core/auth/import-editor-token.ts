import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RelayError } from '../errors.js';
import { isObject } from './http.js';

/** Where the Copilot editor plugins keep their sign-in (hosts.json / apps.json). */
export function editorConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'github-copilot');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'github-copilot');
}

/** Picks `oauth_token` from entries keyed `github.com` or `github.com:<client id>`. */
export function pickOAuthToken(content: unknown, host: string): string | null {
  if (!isObject(content)) return null;
  for (const [key, value] of Object.entries(content)) {
    const keyHost = key.split(':')[0]?.toLowerCase();
    if (keyHost !== host.toLowerCase() || !isObject(value)) continue;
    if (typeof value.oauth_token === 'string' && value.oauth_token) return value.oauth_token;
  }
  return null;
}

/**
 * Reads an existing Copilot editor sign-in for `host`. Only called on an explicit request
 * (`login --import`): never silently.
 */
export async function importEditorToken(options: { host: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): Promise<{ token: string; source: string }> {
  const dir = editorConfigDir(options.env, options.platform);
  for (const name of ['apps.json', 'hosts.json']) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    const token = pickOAuthToken(parsed, options.host);
    if (token) return { token, source: path };
  }
  throw new RelayError('not-signed-in', `No Copilot editor sign-in for ${options.host} found in ${dir}.`, { fix: 'Run `copilot-relay login` without --import to sign in.', desktopFix: 'Sign in with GitHub from the tray menu.' });
}
