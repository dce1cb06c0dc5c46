import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RelayError } from './errors.js';

/** CLI syntax that means nothing in the tray app: a command in backticks or a --flag. */
const CLI_SYNTAX = /`copilot-relay|--[a-z]/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('RelayError fixes', () => {
  it('keeps the CLI fix and the tray wording apart', () => {
    const error = new RelayError('token-revoked', 'Revoked.', { fix: 'Run `copilot-relay login`.', desktopFix: 'Sign in from the tray menu.' });
    expect(error.fix).toBe('Run `copilot-relay login`.');
    expect(error.desktopFix).toBe('Sign in from the tray menu.');
  });

  it('every fix that names a CLI command or flag also carries tray wording (desktopFix)', () => {
    const core = new URL('.', import.meta.url).pathname;
    const offenders: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(core)) {
      const text = readFileSync(file, 'utf8');
      const constants = new Map([...text.matchAll(/const (\w+) = '([^']*)';/g)].map((m) => [m[1]!, m[2]!]));
      // Each `fix:` (not `desktopFix:`) inside a RelayError's options literal, up to the closing `}`.
      for (const match of text.matchAll(/(?<![A-Za-z])fix: ('[^']*'|\w+)/g)) {
        const value = match[1]!.startsWith("'") ? match[1]!.slice(1, -1) : constants.get(match[1]!);
        if (value === undefined || !CLI_SYNTAX.test(value)) continue;
        checked++;
        const options = text.slice(text.lastIndexOf('{', match.index), text.indexOf('}', match.index));
        if (!options.includes('desktopFix:')) offenders.push(`${file.slice(core.length)}: ${value}`);
      }
    }
    expect(offenders).toEqual([]);
    // The scan found the known CLI-worded fixes (login, --insecure-storage, --import…).
    expect(checked).toBeGreaterThanOrEqual(7);
  });
});
