// The relay service process: built to dist/main/service.js. Electron's main starts it with
// utilityProcess.fork (ESM entry points are supported since Electron 28: electron/electron#40047;
// docs/api/utility-process.md); tests and plain-Node hosts with child_process.fork. Electron-free.
import { createLogger } from '../log/logger.js';
import { createBatchedSink } from '../proxy/log-sink.js';
import { hostChannel } from './channel.js';
import { ServiceRuntime } from './service-runtime.js';

const channel = hostChannel();
if (!channel) {
  process.stderr.write('The relay service runs under a host (the desktop app); for a terminal, use `copilot-relay serve`.\n');
  process.exit(2);
}

// The host reads our stderr into its log file; if it stops reading, keep serving (EPIPE, RT-05).
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
const sink = createBatchedSink(process.stderr);
const logger = createLogger({ level: process.argv.includes('--debug') ? 'debug' : 'info', sink });
logger.addSecret(process.env.COPILOT_RELAY_GITHUB_TOKEN?.trim());
logger.addSecret(process.env.COPILOT_RELAY_API_KEY?.trim());

const runtime = new ServiceRuntime({
  channel,
  env: process.env,
  logger,
  exit: (code) => {
    sink.flush();
    process.exit(code);
  },
});

// utilityProcess.kill() sends SIGTERM: stop gracefully. A terminal's Ctrl-C reaches this process
// too (same group as the app): copies within 250 ms are one signal; a later one means now.
let signalledAt = 0;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (signalledAt === 0) {
      signalledAt = Date.now();
      void runtime.shutdown();
    } else if (Date.now() - signalledAt >= 250) {
      sink.flush();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    }
  });
}
process.on('uncaughtException', (error) => {
  // Logged (redacted by the logger) for the host's log file, then the process ends: the host restarts it.
  logger.error(`Uncaught error in the relay service: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  sink.flush();
  process.exit(70);
});

runtime.start();
