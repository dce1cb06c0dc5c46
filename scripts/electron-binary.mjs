// Finds the Electron binary without require('electron'), which would try to download it.
// Shared by `npm start` and the Playwright Electron specs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @returns {{ ok: true, path: string } | { ok: false, reason: string }} */
export function findElectronBinary() {
  const pkgDir = join(root, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pkgDir)) return { ok: false, reason: 'the electron package is not installed (run npm ci)' };
  if (!existsSync(pathFile)) return { ok: false, reason: 'the Electron binary is not installed (it downloads on first use and this machine cannot reach its host)' };
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing at ${binary}` };
  return { ok: true, path: binary };
}

/** A display is needed for a tray icon on Linux; macOS and Windows always have one. */
export function findDisplay(env = process.env, platform = process.platform) {
  if (platform !== 'linux') return { ok: true };
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { ok: true };
  return { ok: false, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
}
