import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

// The core and the CLI must run in plain Node (servers, CI, tests): Electron stays in the shell.
// The lint rule catches static imports; this also catches dynamic import()/require() spellings.
describe('architecture', () => {
  it.each(['src/main/core', 'src/main/cli', 'src/shared'])('%s never loads electron at run time', (dir) => {
    const offenders = sources(dir).filter((file) => {
      const text = readFileSync(join(root, file), 'utf8');
      return /(?:^|\n)\s*import\s+(?!type\b)[^;]*from\s+['"]electron(?:-store)?['"]/.test(text)
        || /(?:import|require)\s*\(\s*['"]electron(?:-store)?['"]\s*\)/.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it('the renderer imports nothing from main or node', () => {
    const offenders = sources('src/renderer').filter((file) => /from\s+['"](?:node:|\.\.\/main|electron)/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
