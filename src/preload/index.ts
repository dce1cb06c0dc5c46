// Sandboxed preload (bundled to one CJS file): exposes functions only, never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { ACTIVITY_EVENT, IPC, STATUS_EVENT, VIEW_EVENT } from '../shared/ipc.js';
import type { IpcMethod, RelayApi, WindowView } from '../shared/ipc.js';
import type { RelayStatus } from '../shared/status.js';
import type { ActivityRow } from '../shared/usage.js';

function invoker<M extends IpcMethod>(method: M) {
  return (...args: unknown[]) => ipcRenderer.invoke(IPC[method], ...args);
}

/** A push channel without its event (which carries `sender`). */
function subscribe<T>(channel: string, listener: (value: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, value: T) => listener(value);
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
}

const methods = Object.fromEntries((Object.keys(IPC) as IpcMethod[]).map((m) => [m, invoker(m)]));

const api = {
  ...methods,
  onStatus(listener: (status: RelayStatus) => void): () => void {
    // Strip the event: it carries `sender`, which would leak ipcRenderer into the page.
    const handler = (_event: IpcRendererEvent, status: RelayStatus) => listener(status);
    ipcRenderer.on(STATUS_EVENT, handler);
    return () => ipcRenderer.removeListener(STATUS_EVENT, handler);
  },
  onActivity: (listener: (row: ActivityRow) => void) => subscribe(ACTIVITY_EVENT, listener),
  onShowView: (listener: (view: WindowView) => void) => subscribe(VIEW_EVENT, listener),
} as RelayApi;

contextBridge.exposeInMainWorld('relay', api);
