import { utilityProcess } from 'electron';
import type { ServiceProcess } from '../core/service-host/client.js';
import type { RequestMessage } from '../core/service-host/contract.js';
import { forwardLines } from '../core/service-host/fork.js';

/**
 * The relay service in an Electron utility process (docs/api/utility-process.md, Electron 45):
 * `utilityProcess.fork(modulePath, args, { env, stdio, serviceName })`; messages go out with
 * `postMessage` and come back as 'message' events (the child uses `process.parentPort`); 'exit'
 * reports the exit code. ESM entry points are supported since Electron 28 (electron/electron#40047).
 */
export function spawnServiceProcess(options: { entry: string; env: NodeJS.ProcessEnv; debug: boolean; onOutput: (line: string) => void }): ServiceProcess {
  const child = utilityProcess.fork(options.entry, options.debug ? ['--debug'] : [], { env: options.env, stdio: 'pipe', serviceName: 'Copilot Relay service' });
  forwardLines(child.stdout, options.onOutput);
  forwardLines(child.stderr, options.onOutput);
  // Until 'spawn' the child has no port to receive on: hold requests made that early.
  let queue: RequestMessage[] | null = [];
  child.once('spawn', () => {
    for (const message of queue ?? []) child.postMessage(message);
    queue = null;
  });
  return {
    send: (message) => (queue ? queue.push(message) : child.postMessage(message)),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', (code) => listener(code, null)),
    kill: () => void child.kill(),
  };
}
