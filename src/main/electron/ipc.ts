import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC } from '../../shared/ipc.js';
import type { IpcMethod, IpcRequest, IpcResponse } from '../../shared/ipc.js';

/** One handler per contract method; main's actions implement these. */
export type IpcHandlers = { [M in IpcMethod]: (...args: IpcRequest<M>) => Promise<IpcResponse<M>> | IpcResponse<M> };

export class IpcRejected extends Error {}

/** What the choke point needs of the status window (a BrowserWindow in the app). */
export interface TrustedWindow {
  isDestroyed(): boolean;
  readonly webContents: Pick<WebContents, 'mainFrame'>;
}

/**
 * The sender must be our status window's own web contents, in its main frame — compared by
 * identity, not by URL: a URL string comparison broke for install paths with characters such as
 * `[`, `]` or `~` (pathToFileURL and Chromium escape them differently), and identity can't be
 * imitated by a frame that navigated or was injected elsewhere.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, window: TrustedWindow | null): boolean {
  if (!window || window.isDestroyed()) return false;
  const contents = window.webContents;
  if ((event.sender as unknown) !== contents) return false;
  const frame = event.senderFrame;
  const main = contents.mainFrame;
  if (!frame || !main) return false;
  return frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
}

const noArgs = (args: unknown[]): [] => {
  if (args.length > 0) throw new IpcRejected('unexpected arguments');
  return [];
};

const oneOf = <T extends string>(what: string, allowed: readonly T[]) => (args: unknown[]): [T] => {
  if (args.length !== 1 || !allowed.includes(args[0] as T)) throw new IpcRejected(`${what} must be one of ${allowed.join(', ')}`);
  return [args[0] as T];
};

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Argument validators: anything not matching the contract exactly is rejected. */
export const VALIDATORS: { [M in IpcMethod]: (args: unknown[]) => IpcRequest<M> } = {
  getStatus: noArgs,
  cancelSignIn: noArgs,
  signOut: noArgs,
  refreshNow: noArgs,
  copyUrl: noArgs,
  copyApiKey: noArgs,
  copyUserCode: noArgs,
  openVerificationUri: noArgs,
  getSettings: noArgs,
  hideWindow: noArgs,
  getLastView: noArgs,
  setLastView: (args) => {
    if (args.length !== 1 || (args[0] !== 'status' && args[0] !== 'activity')) throw new IpcRejected('view must be "status" or "activity"');
    return [args[0]];
  },
  signIn: (args) => {
    if (args.length === 0 || args[0] === undefined) return [];
    if (args.length > 1) throw new IpcRejected('unexpected arguments');
    const enterprise = args[0];
    if (enterprise === null) return [null];
    if (typeof enterprise === 'string' && HOST.test(enterprise)) return [enterprise.toLowerCase()];
    throw new IpcRejected('enterprise must be a host name');
  },
  getActivity: oneOf('range', ['today', 'week', 'month'] as const),
  copyEnvLine: oneOf('kind', ['openai', 'anthropic'] as const),
  setBudget: (args) => {
    const budget = args[0] as Record<string, unknown> | null;
    if (args.length !== 1 || typeof budget !== 'object' || budget === null || Array.isArray(budget)) throw new IpcRejected('expected one budget object');
    const { limitCredits, period, ...rest } = budget;
    if (Object.keys(rest).length > 0) throw new IpcRejected(`unknown budget field ${Object.keys(rest)[0]}`);
    if (limitCredits !== null && (typeof limitCredits !== 'number' || !Number.isFinite(limitCredits) || limitCredits <= 0 || limitCredits > 10_000_000)) {
      throw new IpcRejected('limitCredits must be a positive number or null');
    }
    if (period !== 'day' && period !== 'month') throw new IpcRejected('period must be day or month');
    return [{ limitCredits, period }];
  },
  setSettings: (args) => {
    if (args.length !== 1) throw new IpcRejected('expected one settings object');
    const patch = args[0];
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new IpcRejected('expected one settings object');
    const out: IpcRequest<'setSettings'>[0] = {};
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'port') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw new IpcRejected('port must be an integer from 1 to 65535');
        out.port = value;
      } else if (key === 'apiKeyEnabled' || key === 'startAtLogin') {
        if (typeof value !== 'boolean') throw new IpcRejected(`${key} must be true or false`);
        out[key] = value;
      } else {
        throw new IpcRejected(`unknown setting ${key}`);
      }
    }
    return [out];
  },
};

/**
 * The single choke point: registers every contract channel, drops foreign senders and bad
 * arguments before a handler runs. Returns a function that removes the handlers.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: IpcHandlers, window: () => TrustedWindow | null): () => void {
  for (const method of Object.keys(IPC) as IpcMethod[]) {
    ipcMain.handle(IPC[method], (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, window())) throw new IpcRejected('IPC from an untrusted frame');
      const valid = VALIDATORS[method](args) as unknown[];
      return (handlers[method] as (...a: unknown[]) => unknown)(...valid);
    });
  }
  return () => {
    for (const channel of Object.values(IPC)) ipcMain.removeHandler(channel);
  };
}
