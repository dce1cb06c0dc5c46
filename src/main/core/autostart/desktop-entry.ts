import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Linux start-at-login: our own XDG autostart entry (Electron's setLoginItemSettings is a no-op on
 * Linux; the `auto-launch` package writes Exec unescaped and ignores AppImage).
 */
export const AUTOSTART_FILE_NAME = 'copilot-relay.desktop';

export interface AutostartEntry {
  exec: string;
  args?: readonly string[];
  name?: string;
}

// Desktop Entry spec, "The Exec key": these force quoting; inside quotes `"`, `` ` ``, `$`, `\` are escaped.
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** Quotes one Exec argument per the freedesktop spec (`%` is a field code, so it is doubled). */
export function quoteExecArg(arg: string): string {
  const percentEscaped = arg.replace(/%/g, '%%');
  if (percentEscaped.length > 0 && !RESERVED.test(percentEscaped)) return percentEscaped;
  return `"${percentEscaped.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/** Pure: the text of the .desktop file. */
export function renderAutostartEntry({ exec, args = [], name = 'Copilot Relay' }: AutostartEntry): string {
  const execLine = [exec, ...args].map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    `Name=${name.replace(/[\r\n]/g, ' ')}`,
    'Comment=Local OpenAI/Anthropic endpoint for GitHub Copilot',
    `Exec=${execLine}`,
    'Icon=copilot-relay',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** `$XDG_CONFIG_HOME` or `~/.config`. */
export function defaultConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
}

export function autostartPath(configHome: string): string {
  return join(configHome, 'autostart', AUTOSTART_FILE_NAME);
}

/** The executable to start: an AppImage's `process.execPath` is a temporary mount, so prefer `$APPIMAGE`. */
export function autostartExec(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE || execPath;
}

/** Parses `Key=Value` lines of the [Desktop Entry] group. */
function desktopEntryKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  let inGroup = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inGroup = line === '[Desktop Entry]';
    else if (inGroup && line.includes('=') && !line.startsWith('#')) {
      const at = line.indexOf('=');
      keys.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
  }
  return keys;
}

/** Enabled when our file exists and is neither `Hidden=true` nor GNOME-disabled. */
export async function isAutostartEnabled(configHome: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(autostartPath(configHome), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const keys = desktopEntryKeys(text);
  if (keys.get('Hidden')?.toLowerCase() === 'true') return false;
  if (keys.get('X-GNOME-Autostart-enabled')?.toLowerCase() === 'false') return false;
  return true;
}

/** Writes (enable) or removes (disable) the entry, then returns the state read back from disk. */
export async function setAutostart(configHome: string, enabled: boolean, entry: AutostartEntry): Promise<boolean> {
  const file = autostartPath(configHome);
  if (enabled) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, renderAutostartEntry(entry), { mode: 0o644 });
  } else {
    await rm(file, { force: true });
  }
  return isAutostartEnabled(configHome);
}
