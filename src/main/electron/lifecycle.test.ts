import { describe, it, expect, vi } from 'vitest';
import { acquireSingleInstance, manageQuit, showWindowAtLaunch } from './lifecycle.js';

function fakeApp(lock: boolean) {
  const handlers = new Map<string, (...a: unknown[]) => void>();
  return {
    handlers,
    requestSingleInstanceLock: vi.fn(() => lock),
    quit: vi.fn(),
    on: vi.fn((name: string, fn: (...a: unknown[]) => void) => handlers.set(name, fn)),
  };
}

describe('single instance', () => {
  it('the first instance keeps the lock and shows its window on a second launch and on macOS activate', () => {
    const app = fakeApp(true);
    const show = vi.fn();
    expect(acquireSingleInstance(app as never, show)).toBe(true);
    app.handlers.get('second-instance')!({}, ['copilot-relay']);
    expect(show).toHaveBeenCalledTimes(1);
    // `activate` (macOS): the app re-opened from the Dock, Finder or Spotlight while running.
    app.handlers.get('activate')!({}, false);
    expect(show).toHaveBeenCalledTimes(2);
    expect(app.quit).not.toHaveBeenCalled();
  });

  it('a second instance quits at once', () => {
    const app = fakeApp(false);
    expect(acquireSingleInstance(app as never, vi.fn())).toBe(false);
    expect(app.quit).toHaveBeenCalled();
    expect(app.handlers.has('second-instance')).toBe(false);
  });
});

describe('quit handling', () => {
  it('keeps running when windows close; quit waits for the graceful shutdown once', async () => {
    const app = fakeApp(true);
    let finish!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const q = manageQuit(app as never, shutdown);
    expect(app.handlers.has('window-all-closed')).toBe(true);
    expect(q.isQuitting()).toBe(false);

    const first = { preventDefault: vi.fn() };
    app.handlers.get('before-quit')!(first);
    expect(q.isQuitting()).toBe(true);
    expect(first.preventDefault).toHaveBeenCalled();
    expect(app.quit).not.toHaveBeenCalled();
    finish();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));

    const second = { preventDefault: vi.fn() };
    app.handlers.get('before-quit')!(second);
    expect(second.preventDefault).not.toHaveBeenCalled();
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('opens the window at launch: macOS only on the first run (a menu-bar agent); elsewhere unless --hidden', () => {
    const argv = ['/x/electron', 'dist/main/index.js'];
    expect(showWindowAtLaunch({ platform: 'darwin', argv, firstRun: true })).toBe(true);
    expect(showWindowAtLaunch({ platform: 'darwin', argv, firstRun: false })).toBe(false);
    expect(showWindowAtLaunch({ platform: 'darwin', argv: [...argv, '--hidden'], firstRun: false })).toBe(false);
    for (const platform of ['win32', 'linux'] as const) {
      expect(showWindowAtLaunch({ platform, argv, firstRun: false })).toBe(true);
      expect(showWindowAtLaunch({ platform, argv: [...argv, '--hidden'], firstRun: false })).toBe(false);
      expect(showWindowAtLaunch({ platform, argv: [...argv, '--hidden'], firstRun: true })).toBe(true);
    }
  });
});
