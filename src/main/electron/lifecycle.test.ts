import { describe, it, expect, vi } from 'vitest';
import { acquireSingleInstance, manageQuit, startsHidden } from './lifecycle.js';

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
  it('the first instance keeps the lock and shows its window on a second launch', () => {
    const app = fakeApp(true);
    const show = vi.fn();
    expect(acquireSingleInstance(app as never, show)).toBe(true);
    app.handlers.get('second-instance')!({}, ['copilot-relay']);
    expect(show).toHaveBeenCalledTimes(1);
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

  it('recognises --hidden', () => {
    expect(startsHidden(['/x/electron', 'dist/main/index.js', '--hidden'])).toBe(true);
    expect(startsHidden(['/x/electron', 'dist/main/index.js'])).toBe(false);
  });
});
