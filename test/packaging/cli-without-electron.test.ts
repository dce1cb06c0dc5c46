// The headless CLI must run on a server with no display and no Electron: its bundle never imports
// electron (or electron-store), and `--help` runs with both made unloadable.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const forbid = fileURLToPath(new URL('./fixtures/forbid-electron.mjs', import.meta.url));

let home = '';
afterAll(() => rmSync(home, { recursive: true, force: true }));
beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'relay-no-electron-'));
  if (!existsSync(path.join(root, 'dist/cli/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}, 60_000);

function runCli(args: string[]): ReturnType<typeof spawnSync> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, COPILOT_RELAY_HOME: path.join(home, '.copilot-relay') };
  for (const name of ['NODE_PATH', 'NODE_OPTIONS', 'DISPLAY', 'WAYLAND_DISPLAY', 'ELECTRON_RUN_AS_NODE', 'COPILOT_RELAY_GITHUB_TOKEN']) delete env[name];
  return spawnSync(process.execPath, ['--import', forbid, 'bin/copilot-relay.js', ...args], { cwd: root, env, encoding: 'utf8', timeout: 15_000 });
}

describe('CLI without Electron', () => {
  it('has no electron import in the CLI bundle', () => {
    const bundle = readFileSync(path.join(root, 'dist/cli/index.js'), 'utf8');
    expect(bundle).not.toMatch(/\bfrom\s*["'](electron|electron-store)["']/);
    expect(bundle).not.toMatch(/\b(require|import)\s*\(\s*["'](electron|electron-store)["']\s*\)/);
  });

  it('the guard really trips on an electron import', () => {
    const r = spawnSync(process.execPath, ['--import', forbid, '-e', "await import('electron')", '--input-type=module'], { encoding: 'utf8', timeout: 15_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('FORBIDDEN_IMPORT electron');
    const c = spawnSync(process.execPath, ['--import', forbid, '-e', "require('electron-store')"], { encoding: 'utf8', timeout: 15_000 });
    expect(c.status).toBe(86);
    expect(c.stderr).toContain('FORBIDDEN_IMPORT electron-store');
  });

  it('prints help with no display, no NODE_PATH and electron unloadable', () => {
    const r = runCli(['--help']);
    expect(r.stderr).not.toContain('FORBIDDEN_IMPORT');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: copilot-relay/);
    expect(r.stdout).toMatch(/\bserve\b/);
  });

  it('prints its version the same way', () => {
    const r = runCli(['--version']);
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(r.status).toBe(0);
    expect(String(r.stdout).trim()).toContain(version);
  });

  it('loads a real command (status: settings, secret store, core) without electron', () => {
    // Signed out in an empty home, so it exits non-zero; what matters is that nothing reached for electron.
    const r = runCli(['status', '--json']);
    expect(r.stderr).not.toContain('FORBIDDEN_IMPORT');
    expect(r.status).not.toBe(86);
    expect(r.status).not.toBeNull();
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Cannot find (package|module) 'electron/);
  });
});
