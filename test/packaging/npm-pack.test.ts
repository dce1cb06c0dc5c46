// The npm package (what `npm install -g copilot-relay` / `npx copilot-relay` gets): it must hold
// what the headless CLI needs and nothing private. `npm pack --dry-run` is offline.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface PackResult {
  name: string;
  files: { path: string; size: number }[];
}

let packed: string[] = [];

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/cli/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  // --ignore-scripts: `prepare` would rebuild dist/ underneath other test files running in parallel.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  const [result] = JSON.parse(out) as PackResult[];
  packed = result!.files.map((f) => f.path);
}, 40_000);

describe('npm pack --dry-run', () => {
  it('contains what the CLI needs', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/copilot-relay.js', 'dist/cli/index.js']));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    for (const bin of Object.values(pkg.bin)) expect(packed).toContain(bin.replace(/^\.\//, ''));
  });

  it('contains nothing private or build-only', () => {
    const forbidden = [
      /^(src|test|e2e|bench|scripts|build|release|\.ci|\.github|node_modules)\//,
      /^dist\/(preload|renderer|icons)\//,
      /\.map$/, // the CLI source map embeds every bundled source file
      /(^|\/)\.env/,
      /(^|\/)\.npmrc$/,
      /\.(pem|key|p12|pfx|crt)$/i,
      /(token|secret|credential)/i,
      /^(electron-builder\.yml|tsconfig.*\.json|vitest\.config\.ts|playwright\.config\.ts|eslint\.config\.js|package-lock\.json)$/,
    ];
    expect(packed.filter((file) => forbidden.some((re) => re.test(file)))).toEqual([]);
  });

  it('only carries the Electron main entry npm insists on packing (package.json "main")', () => {
    // npm always packs the `main` file; the CLI never loads it. Nothing else of the desktop app goes in.
    expect(packed.filter((file) => file.startsWith('dist/') && !file.startsWith('dist/cli/'))).toEqual(
      packed.includes('dist/main/index.js') ? ['dist/main/index.js'] : [],
    );
  });
});
