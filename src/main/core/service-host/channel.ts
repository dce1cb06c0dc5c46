/**
 * The service process's line to its host, whichever way it was started:
 * - Electron `utilityProcess.fork`: `process.parentPort` (messages arrive as `{ data }` events,
 *   `postMessage` sends; docs/api/parent-port.md and docs/api/utility-process.md, Electron 45);
 * - Node `child_process.fork` (tests, and any plain-Node host): `process.send` / 'message', and
 *   'disconnect' when the parent goes away.
 * Both keep the process alive while the host is connected: no extra handle is needed.
 */
export interface Channel {
  send(message: unknown): void;
  onMessage(listener: (raw: unknown) => void): void;
  /** The host is gone (fork: the IPC channel closed). Electron kills a utility process with its parent. */
  onClose(listener: () => void): void;
}

/** Structural type of Electron's ParentPort (the core never imports electron). */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

export function hostChannel(proc: NodeJS.Process = process): Channel | null {
  const parentPort = (proc as { parentPort?: ParentPortLike | null }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => void parentPort.on('message', (event) => listener(event.data)),
      onClose: () => undefined,
    };
  }
  if (typeof proc.send === 'function') {
    return {
      send: (message) => {
        // The host may be gone already (a crash): nothing to deliver to.
        if (proc.connected) proc.send!(message, undefined, undefined, () => undefined);
      },
      onMessage: (listener) => void proc.on('message', listener),
      onClose: (listener) => void proc.on('disconnect', listener),
    };
  }
  return null;
}
