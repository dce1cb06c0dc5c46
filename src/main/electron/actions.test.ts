import { describe, it, expect, vi } from 'vitest';
import { createActions } from './actions.js';
import { silentLogger } from '../core/log/logger.js';
import { RelayError } from '../core/errors.js';
import { signedOutStatus, signingInStatus } from '../../../e2e/support/status-fixtures.js';
import { ScriptedBackend } from '../../../e2e/support/scripted-backend.js';

function setup(githubUrl = 'https://github.com') {
  const backend = new ScriptedBackend();
  let loginState = false;
  const deps = {
    backend,
    clipboard: { writeText: vi.fn(async (_text: string) => undefined) },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    githubUrl: () => githubUrl,
    loginItem: { available: () => true, get: vi.fn(async () => loginState), set: vi.fn(async (on: boolean) => (loginState = on)) },
    logPath: '/logs/copilot-relay.log',
    showWindow: vi.fn(),
    showActivity: vi.fn(),
    hideWindow: vi.fn(),
    quit: vi.fn(async () => undefined),
    onChange: vi.fn(),
    logger: silentLogger,
  };
  return { backend, deps, actions: createActions(deps) };
}

describe('actions (over the relay service)', () => {
  it('sign-in shows the window, copies the code once, opens the GitHub page, resolves when the service says signed in', async () => {
    const t = setup();
    const done = t.actions.signIn();
    expect(t.deps.showWindow).toHaveBeenCalled();
    expect(t.actions.signIn()).toBe(done); // a second click joins the running sign-in
    await vi.waitFor(() => expect(t.deps.clipboard.writeText).toHaveBeenCalledWith('WDJB-MJHT'));
    await vi.waitFor(() => expect(t.deps.shell.openExternal).toHaveBeenCalledWith('https://github.com/login/device'));
    t.backend.approve();
    await expect(done).resolves.toEqual({ ok: true });
    expect(t.deps.clipboard.writeText).toHaveBeenCalledTimes(1);
  });

  it('reports a failed sign-in in plain words with the tray wording of the fix', async () => {
    const t = setup();
    const keychain = new RelayError('keychain-unavailable', 'No system keychain available.', { fix: 'Opt in with `--insecure-storage`.', desktopFix: 'Opt in with the "insecureStorage" setting.' });
    vi.spyOn(t.backend, 'signIn').mockRejectedValueOnce(keychain);
    await expect(t.actions.signIn()).resolves.toEqual({ ok: false, message: 'No system keychain available. — Opt in with the "insecureStorage" setting.' });
  });

  it('never opens a verification URL off the GitHub host or over http', async () => {
    const t = setup();
    vi.spyOn(t.backend, 'status').mockReturnValue({ ...signingInStatus(), signIn: { userCode: 'X', verificationUri: 'https://github.com.evil.test/login/device', expiresAt: 0 } });
    await expect(t.actions.openVerificationUri()).resolves.toMatchObject({ ok: false });
    expect(t.deps.shell.openExternal).not.toHaveBeenCalled();
  });

  it('copies the URL and asks the service for the API key only when they exist', async () => {
    const t = setup();
    expect(await t.actions.copyUrl()).toMatchObject({ ok: false });
    expect(await t.actions.copyApiKey()).toMatchObject({ ok: false });
    t.backend.approve();
    await t.backend.setSettings({ apiKeyEnabled: true });
    expect(await t.actions.copyUrl()).toEqual({ ok: true });
    expect(await t.actions.copyApiKey()).toEqual({ ok: true });
    expect(t.deps.clipboard.writeText.mock.calls).toEqual([['http://127.0.0.1:4141/v1'], ['cr-FAKE-scripted-key']]);
  });

  it('settings: port and key go to the service (which restarts its proxy), start at login to the OS', async () => {
    const t = setup();
    t.backend.approve();
    const setSettings = vi.spyOn(t.backend, 'setSettings');
    const result = await t.actions.setSettings({ port: 5000, startAtLogin: true });
    expect(setSettings).toHaveBeenCalledWith({ port: 5000 });
    expect(t.deps.loginItem.set).toHaveBeenCalledWith(true);
    expect(result).toEqual({ port: 5000, apiKeyEnabled: false, startAtLogin: true, startAtLoginAvailable: true });
    expect(t.backend.status().proxy.url).toBe('http://127.0.0.1:5000/v1');
    await t.actions.setSettings({ startAtLogin: false });
    expect(setSettings).toHaveBeenCalledTimes(1);
  });

  it('start at login goes through the OS and reports the state read back', async () => {
    const t = setup();
    expect(await t.actions.toggleAutostart()).toBe(true);
    expect(t.deps.loginItem.set).toHaveBeenCalledWith(true);
    expect(t.deps.onChange).toHaveBeenCalled();
  });

  it('refresh and sign-out report failures instead of throwing; Open log opens the log file', async () => {
    const t = setup();
    vi.spyOn(t.backend, 'refreshNow').mockRejectedValueOnce(new Error("Can't reach GitHub."));
    await expect(t.actions.refreshNow()).resolves.toEqual({ ok: false, message: "Can't reach GitHub." });
    await expect(t.actions.signOut()).resolves.toEqual({ ok: true });
    expect(t.backend.status()).toEqual(signedOutStatus());
    await expect(t.actions.openLog()).resolves.toEqual({ ok: true });
    expect(t.deps.shell.openPath).toHaveBeenCalledWith('/logs/copilot-relay.log');
    t.deps.shell.openPath.mockResolvedValueOnce('No application knows .log files.');
    await expect(t.actions.openLog()).resolves.toEqual({ ok: false, message: 'No application knows .log files.' });
  });
});
