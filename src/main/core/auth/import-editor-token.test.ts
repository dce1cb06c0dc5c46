import { describe, it, expect, afterEach } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editorConfigDir, importEditorToken, pickOAuthToken } from './import-editor-token.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('importing an editor sign-in', () => {
  it('finds the per-OS config dir', () => {
    expect(editorConfigDir({ HOME: '/home/me' }, 'linux')).toBe(join('/home/me', '.config', 'github-copilot'));
    expect(editorConfigDir({ HOME: '/home/me', XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe(join('/xdg', 'github-copilot'));
    expect(editorConfigDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32')).toContain('github-copilot');
  });

  it('picks oauth_token from github.com or github.com:<client id> keys, for the right host only', () => {
    expect(pickOAuthToken({ 'github.com': { user: 'me', oauth_token: 'ghu_FAKEHOSTS' } }, 'github.com')).toBe('ghu_FAKEHOSTS');
    expect(pickOAuthToken({ 'github.com:Iv1.b507a08c87ecfe98': { oauth_token: 'ghu_FAKEAPPS' } }, 'github.com')).toBe('ghu_FAKEAPPS');
    expect(pickOAuthToken({ 'octo.ghe.com': { oauth_token: 'ghu_FAKETENANT' } }, 'github.com')).toBeNull();
    expect(pickOAuthToken({ 'github.com': 'odd' }, 'github.com')).toBeNull();
    expect(pickOAuthToken([], 'github.com')).toBeNull();
  });

  it('reads apps.json / hosts.json and says where it came from; nothing there → not-signed-in', async () => {
    const home = await mkdtemp(join(tmpdir(), 'relay-import-'));
    dirs.push(home);
    const env = { HOME: home, XDG_CONFIG_HOME: '' };
    await expect(importEditorToken({ host: 'github.com', env, platform: 'linux' })).rejects.toMatchObject({ kind: 'not-signed-in' });
    await mkdir(join(home, '.config', 'github-copilot'), { recursive: true });
    await writeFile(join(home, '.config', 'github-copilot', 'hosts.json'), JSON.stringify({ 'github.com': { oauth_token: 'ghu_FAKEIMPORTED' } }));
    await expect(importEditorToken({ host: 'github.com', env, platform: 'linux' })).resolves.toEqual({ token: 'ghu_FAKEIMPORTED', source: join(home, '.config', 'github-copilot', 'hosts.json') });
  });
});
