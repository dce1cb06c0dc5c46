import { join } from 'node:path';
import type { TrayIconState } from '../core/tray-menu/tray-template.js';

/**
 * The one place that knows the tray icon file names (copied verbatim to dist/icons/tray by the
 * build): macOS gets `<state>Template.png` so the OS recolours it (the @2x twin is picked up by
 * name); Windows gets the .ico, Linux the 32 px colour PNG.
 */
export function trayIconPath(state: TrayIconState, platform: NodeJS.Platform, iconDir: string): string {
  if (platform === 'darwin') return join(iconDir, `${state}Template.png`);
  return join(iconDir, platform === 'win32' ? `${state}.ico` : `${state}.png`);
}
