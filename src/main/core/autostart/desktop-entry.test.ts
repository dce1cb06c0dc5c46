import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  autostartExec,
  autostartPath,
  defaultConfigHome,
  isAutostartEnabled,
  quoteExecArg,
  renderAutostartEntry,
  setAutostart,
} from './desktop-entry.js';

describe('Exec quoting', () => {
  it('leaves plain args alone and quotes args with spaces or reserved characters', () => {
    expect(quoteExecArg('/usr/bin/copilot-relay')).toBe('/usr/bin/copilot-relay');
    expect(quoteExecArg('--hidden')).toBe('--hidden');
    expect(quoteExecArg('/opt/Copilot Relay/copilot-relay')).toBe('"/opt/Copilot Relay/copilot-relay"');
    expect(quoteExecArg('a;b')).toBe('"a;b"');
    expect(quoteExecArg('')).toBe('""');
  });

  it('escapes " ` $ \\ inside quotes and doubles %', () => {
    expect(quoteExecArg('say "hi" $HOME `x` a\\b')).toBe('"say \\"hi\\" \\$HOME \\`x\\` a\\\\b"');
    expect(quoteExecArg('100%')).toBe('100%%');
    expect(quoteExecArg('50% off')).toBe('"50%% off"');
  });

  it('renders a complete desktop entry', () => {
    const text = renderAutostartEntry({ exec: '/opt/Copilot Relay/copilot-relay', args: ['--hidden'] });
    expect(text).toContain('[Desktop Entry]\nType=Application\n');
    expect(text).toContain('Exec="/opt/Copilot Relay/copilot-relay" --hidden\n');
    expect(text).toContain('Name=Copilot Relay\n');
    expect(text).toContain('X-GNOME-Autostart-enabled=true\n');
  });
});

describe('autostart file in a temporary HOME', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'relay-autostart-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('uses XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultConfigHome({ HOME: home })).toBe(join(home, '.config'));
    expect(defaultConfigHome({ HOME: home, XDG_CONFIG_HOME: '/x/cfg' })).toBe('/x/cfg');
  });

  it('writes the real file, reads it back as enabled, removes it on disable', async () => {
    const configHome = defaultConfigHome({ HOME: home });
    expect(await isAutostartEnabled(configHome)).toBe(false);
    expect(await setAutostart(configHome, true, { exec: '/usr/lib/copilot relay/bin', args: ['--hidden'] })).toBe(true);
    const text = await readFile(join(home, '.config', 'autostart', 'copilot-relay.desktop'), 'utf8');
    expect(text).toContain('Exec="/usr/lib/copilot relay/bin" --hidden');
    expect(await setAutostart(configHome, false, { exec: '/x' })).toBe(false);
    await expect(readFile(autostartPath(configHome))).rejects.toThrow();
    // Disabling twice is fine.
    expect(await setAutostart(configHome, false, { exec: '/x' })).toBe(false);
  });

  it('prefers $APPIMAGE over the temporary mount path', async () => {
    const exec = autostartExec({ APPIMAGE: '/home/me/Apps/Copilot Relay.AppImage' }, '/tmp/.mount_abc/copilot-relay');
    await setAutostart(home, true, { exec, args: ['--hidden'] });
    const text = await readFile(autostartPath(home), 'utf8');
    expect(text).toContain('Exec="/home/me/Apps/Copilot Relay.AppImage" --hidden');
    expect(autostartExec({}, '/usr/bin/copilot-relay')).toBe('/usr/bin/copilot-relay');
  });

  it('treats Hidden=true and X-GNOME-Autostart-enabled=false as disabled', async () => {
    await mkdir(join(home, 'autostart'), { recursive: true });
    await writeFile(autostartPath(home), '[Desktop Entry]\nType=Application\nExec=x\nHidden=true\n');
    expect(await isAutostartEnabled(home)).toBe(false);
    await writeFile(autostartPath(home), '[Desktop Entry]\nExec=x\nX-GNOME-Autostart-enabled=false\n');
    expect(await isAutostartEnabled(home)).toBe(false);
    await writeFile(autostartPath(home), '[Desktop Entry]\nExec=x\n');
    expect(await isAutostartEnabled(home)).toBe(true);
  });
});
