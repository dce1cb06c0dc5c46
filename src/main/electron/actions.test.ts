import { describe, it, expect, vi } from 'vitest';
import type { RelayController } from '../core/controller.js';
import type { RelayStatus } from '../../shared/status.js';
import { createActions } from './actions.js';
import { silentLogger } from '../core/log/logger.js';
import { RelayError } from '../core/errors.js';
import { readyStatus, signedOutStatus, signingInStatus } from '../../../e2e/support/status-fixtures.js';

function fakeController(initial: RelayStatus) {
  let status = initial;
  const listeners = new Set<(s: RelayStatus) => void>();
  let finishSignIn: (() => void) | null = null;
  const controller = {
    status: () => status,
    onStatus: (fn: (s: RelayStatus) => void) => (listeners.add(fn), () => void listeners.delete(fn)),
    signIn: vi.fn(() => new Promise<void>((resolve) => (finishSignIn = resolve))),
    cancelSignIn: vi.fn(),
    signOut: vi.fn(async () => undefined),
    refreshNow: vi.fn(async () => undefined),
    checkNow: vi.fn(),
    startProxy: vi.fn(async () => ({ url: 'http://127.0.0.1:5000/v1' })),
    stopProxy: vi.fn(async () => undefined),
    apiKey: vi.fn((): string | null => null),
    close: vi.fn(async () => undefined),
  } satisfies RelayController;
  const emit = (next: RelayStatus) => {
    status = next;
    for (const fn of listeners) fn(next);
  };
  return { controller, emit, finish: () => finishSignIn!() };
}

function setup(initial: RelayStatus, githubUrl = 'https://github.com') {
  const fake = fakeController(initial);
  const values: Record<string, unknown> = { port: 4141, apiKeyEnabled: false, startAtLogin: false };
  const settings = { get: (k: string) => values[k], set: (k: string, v: unknown) => void (values[k] = v) };
  let loginState = false;
  const deps = {
    controller: fake.controller,
    clipboard: { writeText: vi.fn(async (_text: string) => undefined) },
    shell: { openExternal: vi.fn(async () => undefined) },
    githubUrl: () => githubUrl,
    settings: settings as never,
    loginItem: { available: () => true, get: vi.fn(async () => loginState), set: vi.fn(async (on: boolean) => (loginState = on)) },
    showWindow: vi.fn(),
    hideWindow: vi.fn(),
    quit: vi.fn(async () => undefined),
    onChange: vi.fn(),
    logger: silentLogger,
  };
  return { ...fake, deps, values, actions: createActions(deps) };
}

describe('actions', () => {
  it('sign-in shows the window, copies the code, opens the GitHub page, then starts the proxy', async () => {
    const t = setup(signedOutStatus());
    const done = t.actions.signIn();
    expect(t.deps.showWindow).toHaveBeenCalled();
    expect(t.actions.signIn()).toBe(done); // a second click joins the running sign-in
    t.emit(signingInStatus());
    t.emit(signingInStatus());
    await vi.waitFor(() => expect(t.deps.clipboard.writeText).toHaveBeenCalledTimes(1));
    expect(t.deps.clipboard.writeText).toHaveBeenCalledWith('WDJB-MJHT');
    await vi.waitFor(() => expect(t.deps.shell.openExternal).toHaveBeenCalledWith('https://github.com/login/device'));
    t.emit(readyStatus({ proxy: { url: null, running: false, apiKeyRequired: false } }));
    t.finish();
    await expect(done).resolves.toEqual({ ok: true });
    expect(t.controller.startProxy).toHaveBeenCalledWith({ port: 4141 });
  });

  it('reports a failed sign-in in plain words with the fix', async () => {
    const t = setup(signedOutStatus());
    t.controller.signIn.mockRejectedValueOnce(Object.assign(new Error('The code expired.'), { fix: 'Sign in again' }));
    await expect(t.actions.signIn()).resolves.toEqual({ ok: false, message: 'The code expired. — Sign in again' });
  });

  it('shows the tray wording of a fix, not the CLI command', async () => {
    const t = setup(signedOutStatus());
    const keychain = new RelayError('keychain-unavailable', 'No system keychain available.', { fix: 'Opt in with `--insecure-storage`.', desktopFix: 'Opt in with the "insecureStorage" setting.' });
    t.controller.signIn.mockRejectedValueOnce(keychain);
    await expect(t.actions.signIn()).resolves.toEqual({ ok: false, message: 'No system keychain available. — Opt in with the "insecureStorage" setting.' });
  });

  it('never opens a verification URL off the GitHub host or over http', async () => {
    const t = setup({ ...signingInStatus(), signIn: { userCode: 'X', verificationUri: 'https://github.com.evil.test/login/device', expiresAt: 0 } });
    await expect(t.actions.openVerificationUri()).resolves.toMatchObject({ ok: false });
    expect(t.deps.shell.openExternal).not.toHaveBeenCalled();
  });

  it('copies URL and API key only when they exist', async () => {
    const t = setup(signedOutStatus());
    expect(await t.actions.copyUrl()).toMatchObject({ ok: false });
    expect(await t.actions.copyApiKey()).toMatchObject({ ok: false });
    t.emit(readyStatus());
    t.controller.apiKey.mockReturnValue('relay-FAKE-key');
    expect(await t.actions.copyUrl()).toEqual({ ok: true });
    expect(await t.actions.copyApiKey()).toEqual({ ok: true });
    expect(t.deps.clipboard.writeText.mock.calls).toEqual([['http://127.0.0.1:4141/v1'], ['relay-FAKE-key']]);
  });

  it('a port change persists and restarts the proxy; the same port does not', async () => {
    const t = setup(readyStatus());
    await t.actions.setSettings({ port: 4141 });
    expect(t.controller.startProxy).not.toHaveBeenCalled();
    const result = await t.actions.setSettings({ port: 5000 });
    expect(t.values.port).toBe(5000);
    expect(t.controller.startProxy).toHaveBeenCalledWith({ port: 5000 });
    expect(result).toEqual({ port: 5000, apiKeyEnabled: false, startAtLogin: false, startAtLoginAvailable: true });
  });

  it('start at login goes through the OS and reports the state read back', async () => {
    const t = setup(readyStatus());
    expect(await t.actions.toggleAutostart()).toBe(true);
    expect(t.deps.loginItem.set).toHaveBeenCalledWith(true);
    expect(t.values.startAtLogin).toBe(true);
    expect(t.deps.onChange).toHaveBeenCalled();
    expect((await t.actions.setSettings({ startAtLogin: false })).startAtLogin).toBe(false);
  });

  it('refresh and sign-out report failures instead of throwing', async () => {
    const t = setup(readyStatus());
    t.controller.refreshNow.mockRejectedValueOnce(new Error("Can't reach GitHub."));
    await expect(t.actions.refreshNow()).resolves.toEqual({ ok: false, message: "Can't reach GitHub." });
    await expect(t.actions.signOut()).resolves.toEqual({ ok: true });
  });
});
