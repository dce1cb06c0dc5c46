import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ServiceProcess } from './client.js';

/** Hands each line of a child's output to `onLine` (the host's log file, a test's buffer). */
export function forwardLines(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}

/**
 * The service entry under plain Node (`child_process.fork`): the same contract as Electron's
 * utilityProcess. Its stdout/stderr lines go to `onOutput`.
 */
export function forkService(entry: string, options: { env: NodeJS.ProcessEnv; args?: string[]; onOutput?: (line: string) => void }): ServiceProcess & { pid: number | undefined } {
  const child = fork(entry, options.args ?? [], { env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  const onLine = options.onOutput ?? (() => undefined);
  forwardLines(child.stdout, onLine);
  forwardLines(child.stderr, onLine);
  // A child that died leaves the channel closed: sending then is a no-op, not a crash.
  child.on('error', () => undefined);
  return {
    pid: child.pid,
    send: (message) => {
      if (child.connected) child.send(message, (error) => void error);
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', listener),
    kill: () => void child.kill('SIGTERM'),
  };
}
