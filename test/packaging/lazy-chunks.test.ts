/**
 * Every lazily loaded chunk of every built bundle (dist/cli, dist/main with its service and
 * count-worker entries, and any bundle added later) loads, and exports the names the code that
 * loads it reads. RT-01 was this class of bug: bundled with splitting, a dynamic import of the
 * CommonJS `undici` became a chunk whose only export was `default`, so `({ Agent, fetch })` were
 * undefined in the built CLI and the Electron bundle while the unit tests, importing sources, passed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportNames, importSites } from './chunk-imports.js';
import type { ImportSite } from './chunk-imports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
let sites: ImportSite[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'relay-chunks-'));

beforeAll(() => {
  if (!existsSync(join(dist, 'cli/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  sites = importSites(dist);
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads `specifiers` in a fresh Node process and reports each one's runtime export names (or its load error). */
function loadInNode(specifiers: string[]): Record<string, string[] | { error: string }> {
  const script = `const out = {};
for (const spec of JSON.parse(process.argv[1])) {
  try { out[spec] = Object.keys(await import(spec)); } catch (error) { out[spec] = { error: String(error) }; }
}
process.stdout.write(JSON.stringify(out));
process.exit(0);`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(specifiers)], { cwd: root, encoding: 'utf8', timeout: 60_000 })) as Record<string, string[] | { error: string }>;
}

const isChunk = (site: ImportSite) => !site.target.startsWith('node:');

describe('lazily loaded chunks of the built bundles', () => {
  it('finds the lazy imports of every bundle (commands, tokenizer tables)', () => {
    const bundles = new Set(sites.map((site) => site.from.split('/')[0]));
    expect([...bundles]).toEqual(expect.arrayContaining(['cli', 'main']));
    expect(sites.filter((site) => site.from === 'cli/index.js' && site.names.includes('run')).length).toBeGreaterThanOrEqual(4);
    expect(sites.some((site) => site.target.includes('o200k_base'))).toBe(true);
    // No dynamic import of a package left to resolve at run time: the CLI ships without node_modules.
    expect(sites.filter((site) => !site.target.startsWith('node:') && !site.target.endsWith('.js')).map((s) => s.target)).toEqual([]);
  });

  it('each chunk exports the names its importer reads, and named exports, not only `default`', () => {
    const problems: string[] = [];
    for (const site of sites.filter(isChunk)) {
      const exports = exportNames(readFileSync(join(dist, site.target), 'utf8'));
      const missing = site.names.filter((name) => !exports.includes(name));
      if (missing.length) problems.push(`${site.from} reads ${missing.join(', ')} from ${site.target}, which exports ${exports.join(', ') || 'nothing'}`);
      if (!site.names.includes('default') && exports.every((name) => name === 'default')) problems.push(`${site.target} (loaded by ${site.from}) exports only default`);
    }
    expect(problems).toEqual([]);
  });

  it('each chunk really loads in Node and has those names at run time', () => {
    const targets = [...new Set(sites.map((site) => site.target))];
    const loaded = loadInNode(targets.map((target) => (target.startsWith('node:') ? target : join(dist, target))));
    const problems: string[] = [];
    for (const site of sites) {
      const result = loaded[site.target.startsWith('node:') ? site.target : join(dist, site.target)]!;
      if (!Array.isArray(result)) problems.push(`${site.target}: ${result.error}`);
      else for (const name of site.names) if (!result.includes(name)) problems.push(`${site.target} has no ${name} at run time (loaded by ${site.from})`);
    }
    expect(problems).toEqual([]);
  });

  it('would have caught RT-01: a lazily imported CommonJS package bundled with splitting', async () => {
    // The shape of the bug, rebuilt small: CommonJS exports, `import()` of it, esbuild with splitting.
    writeFileSync(join(scratch, 'cjs-lib.cjs'), 'exports.Agent = class Agent {}; exports.fetch = () => 1;\n');
    writeFileSync(join(scratch, 'entry.mjs'), "export const load = () => import('./cjs-lib.cjs').then(({ Agent, fetch }) => [Agent, fetch]);\n");
    await build({ entryPoints: [join(scratch, 'entry.mjs')], outdir: join(scratch, 'dist/bundle'), bundle: true, splitting: true, format: 'esm', platform: 'node', logLevel: 'silent', chunkNames: 'chunks/[name]-[hash]' });
    const [site] = importSites(join(scratch, 'dist'));
    expect(site!.names).toEqual(['Agent', 'fetch']);
    expect(exportNames(readFileSync(join(scratch, 'dist', site!.target), 'utf8'))).toEqual(['default']);
  });
});
