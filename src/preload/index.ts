// Sandboxed preload (bundled to one CJS file): exposes functions only, never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IPC, STATUS_EVENT } from '../shared/ipc.js';
import type { IpcMethod, RelayApi } from '../shared/ipc.js';
import type { RelayStatus } from '../shared/status.js';

function invoker<M extends IpcMethod>(method: M) {
  return (...args: unknown[]) => ipcRenderer.invoke(IPC[method], ...args);
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
} as RelayApi;

contextBridge.exposeInMainWorld('relay', api);
