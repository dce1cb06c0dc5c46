import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { RelayBackend } from '../../src/main/core/service-host/client.js';
import { createActions } from '../../src/main/electron/actions.js';
import { VALIDATORS } from '../../src/main/electron/ipc.js';
import { createUsageActions } from '../../src/main/electron/usage-actions.js';
import type { UsageSource } from '../../src/main/electron/usage-actions.js';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { IPC } from '../../src/shared/ipc.js';
import type { IpcMethod, WindowView } from '../../src/shared/ipc.js';

/** Debian's Chromium with the flags this machine needs (Playwright's browsers are never downloaded). */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
};

/** Where the renderer specs put their screenshots (looked at after each run). */
export const SHOTS = 'test-results/renderer';

export const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

const DIST = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves the BUILT dist/renderer (CSP meta included) on loopback. */
export async function serveRenderer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
    if (path.includes('..')) return void res.writeHead(400).end();
    readFile(join(DIST, path)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/index.html`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Injects `window.relay` before page scripts: every call crosses to this process through
 * exposeBinding and runs main's real actions and argument validators over the given backend (the
 * ServiceClient of a real service process, or a scripted one); status pushes are forwarded to the
 * page's onStatus listeners.
 */
export async function installBridge(page: Page, backend: RelayBackend, options: { usage?: UsageSource } = {}) {
  const clipboard: string[] = [];
  const opened: string[] = [];
  let autostart = false;
  const actions = createActions({
    backend,
    clipboard: { writeText: async (t: string) => void clipboard.push(t) },
    shell: { openExternal: async (u: string) => void opened.push(u), openPath: async () => '' },
    githubUrl: () => 'https://github.com',
    loginItem: { available: () => true, get: async () => autostart, set: async (on: boolean) => (autostart = on) },
    logPath: '/nonexistent/copilot-relay.log',
    showWindow: () => {},
    // As main does: remember the view, push it to the loaded page.
    showActivity: () => {
      lastView = 'activity';
      void showView('activity');
    },
    hideWindow: () => void (hidden += 1),
    quit: async () => {},
    onChange: () => {},
    logger: silentLogger,
  });
  let hidden = 0;
  const usageActions = createUsageActions({ source: () => options.usage ?? null, clipboard: { writeText: async (t: string) => void clipboard.push(t) }, proxyUrl: () => backend.status().proxy.url, logger: silentLogger });
  let lastView: WindowView = 'status';
  const handlers = {
    ...actions,
    ...usageActions,
    getStatus: () => backend.status(),
    getLastView: () => lastView,
    setLastView: (view: WindowView) => void (lastView = view),
  } as unknown as Record<IpcMethod, (...a: unknown[]) => unknown>;

  await page.exposeBinding('__relayCall', async (_source, method: IpcMethod, args: unknown[]) => {
    if (!(method in IPC)) throw new Error('unknown method');
    const valid = VALIDATORS[method](args) as unknown[];
    const result = await handlers[method](...valid);
    return result === undefined ? null : result;
  });
  await page.addInitScript((methods: string[]) => {
    const listeners = new Set<(s: unknown) => void>();
    const activityListeners = new Set<(r: unknown) => void>();
    const viewListeners = new Set<(v: unknown) => void>();
    const w = globalThis as unknown as Record<string, unknown> & { __relayCall: (m: string, a: unknown[]) => Promise<unknown> };
    const api: Record<string, unknown> = {
      onStatus: (fn: (s: unknown) => void) => (listeners.add(fn), () => listeners.delete(fn)),
      onActivity: (fn: (r: unknown) => void) => (activityListeners.add(fn), () => activityListeners.delete(fn)),
      onShowView: (fn: (v: unknown) => void) => (viewListeners.add(fn), () => viewListeners.delete(fn)),
    };
    w.__relayPushActivity = (r: unknown) => activityListeners.forEach((fn) => fn(r));
    w.__relayPushView = (v: unknown) => viewListeners.forEach((fn) => fn(v));
    for (const m of methods) api[m] = (...args: unknown[]) => w.__relayCall(m, args).then((r) => (r === null ? undefined : r));
    w.__relayPush = (s: unknown) => listeners.forEach((fn) => fn(s));
    w.relay = Object.freeze(api);
  }, Object.keys(IPC));
  const unsubscribe = backend.onStatus((status) => {
    void page.evaluate((s) => (globalThis as unknown as { __relayPush?: (s: unknown) => void }).__relayPush?.(s), status).catch(() => undefined);
  });
  // Live rows from the usage source, as main pushes them.
  const stopActivity = options.usage?.onRecord((row) => {
    void page.evaluate((r) => (globalThis as unknown as { __relayPushActivity?: (r: unknown) => void }).__relayPushActivity?.(r), row).catch(() => undefined);
  });
  const showView = (view: WindowView) => page.evaluate((v) => (globalThis as unknown as { __relayPushView?: (v: unknown) => void }).__relayPushView?.(v), view);
  return { clipboard, opened, hiddenCount: () => hidden, autostart: () => autostart, unsubscribe: () => (unsubscribe(), stopActivity?.()), showView, lastView: () => lastView };
}
