import { describe, it, expect, vi, beforeEach } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const created: { options: BrowserWindowConstructorOptions; handlers: Map<string, (e: { preventDefault(): void }) => void>; hide: ReturnType<typeof vi.fn>; loadFile: ReturnType<typeof vi.fn> }[] = [];
let position: [number, number] = [100, 200];

vi.mock('electron', () => ({
  BrowserWindow: class {
    handlers = new Map<string, (e: { preventDefault(): void }) => void>();
    hide = vi.fn();
    loadFile = vi.fn(async () => undefined);
    constructor(options: BrowserWindowConstructorOptions) {
      created.push({ options, handlers: this.handlers, hide: this.hide, loadFile: this.loadFile });
    }
    on(name: string, fn: (e: { preventDefault(): void }) => void) {
      this.handlers.set(name, fn);
      return this;
    }
    getPosition() {
      return position;
    }
  },
}));

const { createStatusWindow, hardenApp, statusWindowOptions, usablePosition } = await import('./window.js');

describe('status window', () => {
  beforeEach(() => void (created.length = 0));

  it('is sandboxed, isolated, without Node, small and not resizable', () => {
    const options = statusWindowOptions('/app/dist/preload/index.cjs');
    expect(options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, preload: '/app/dist/preload/index.cjs' });
    expect(options.webPreferences).not.toHaveProperty('webSecurity');
    expect(options.webPreferences).not.toHaveProperty('nodeIntegrationInWorker');
    expect(options).toMatchObject({ width: 380, height: 520, resizable: false, show: false });
  });

  it('loads the local page and hides on close unless quitting', () => {
    let quitting = false;
    createStatusWindow({ preloadPath: '/p.cjs', pageFile: '/app/dist/renderer/index.html', isQuitting: () => quitting });
    const win = created[0]!;
    expect(win.loadFile).toHaveBeenCalledWith('/app/dist/renderer/index.html');
    const event = { preventDefault: vi.fn() };
    win.handlers.get('close')!(event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(win.hide).toHaveBeenCalled();
    quitting = true;
    const second = { preventDefault: vi.fn() };
    win.handlers.get('close')!(second);
    expect(second.preventDefault).not.toHaveBeenCalled();
  });

  it('opens where it was last and reports its position on every hide (main keeps it in its UI state)', () => {
    const onHide = vi.fn();
    createStatusWindow({ preloadPath: '/p.cjs', pageFile: '/i.html', isQuitting: () => false, position: { x: 40, y: 60 }, onHide });
    const win = created[0]!;
    expect(win.options).toMatchObject({ x: 40, y: 60, width: 380, height: 520 });
    position = [300, 400];
    win.handlers.get('hide')!({ preventDefault() {} });
    expect(onHide).toHaveBeenCalledWith({ x: 300, y: 400 });
  });

  it('uses a remembered position only while it lies on a display', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(usablePosition({ x: 100, y: 100 }, screen)).toEqual({ x: 100, y: 100 });
    expect(usablePosition({ x: 2500, y: 100 }, screen)).toBeNull();
    expect(usablePosition({ x: 1700, y: 100 }, screen)).toBeNull();
    expect(usablePosition(null, screen)).toBeNull();
  });
});

describe('hardenApp', () => {
  it('blocks navigation and window.open in every web contents and denies permissions', () => {
    const appHandlers = new Map<string, (...a: unknown[]) => void>();
    const app = { on: vi.fn((name: string, fn: (...a: unknown[]) => void) => appHandlers.set(name, fn)) };
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
    hardenApp(app as never, session as never);

    const contentsHandlers = new Map<string, (e: { preventDefault(): void }) => void>();
    let openHandler: (() => unknown) | undefined;
    const contents = {
      on: (name: string, fn: (e: { preventDefault(): void }) => void) => contentsHandlers.set(name, fn),
      setWindowOpenHandler: (fn: () => unknown) => void (openHandler = fn),
    };
    appHandlers.get('web-contents-created')!({}, contents);
    const nav = { preventDefault: vi.fn() };
    contentsHandlers.get('will-navigate')!(nav);
    expect(nav.preventDefault).toHaveBeenCalled();
    expect(openHandler!()).toEqual({ action: 'deny' });

    const callback = vi.fn();
    session.setPermissionRequestHandler.mock.calls[0]![0]({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(session.setPermissionCheckHandler.mock.calls[0]![0]()).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const CSP = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:`;
  const root = fileURLToPath(new URL('../../../', import.meta.url));

  async function cspOf(file: string): Promise<string[]> {
    const html = await readFile(file, 'utf8');
    return [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/gi)].map((m) => m[1]!);
  }

  it('the source page carries the strict CSP and no inline script or style', async () => {
    const file = `${root}src/renderer/index.html`;
    expect(await cspOf(file)).toEqual([CSP]);
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle=|<style/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('the BUILT page carries the same CSP (npm run build first)', async () => {
    expect(existsSync(`${root}dist/renderer/index.html`), 'dist/renderer/index.html missing: run npm run build').toBe(true);
    expect(await cspOf(`${root}dist/renderer/index.html`)).toEqual([CSP]);
    // The page writes text only: no HTML sinks, no eval (which the CSP would block anyway).
    const script = await readFile(`${root}dist/renderer/renderer.js`, 'utf8');
    expect(script).not.toMatch(/\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
  });
});
