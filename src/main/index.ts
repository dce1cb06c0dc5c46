// Electron main: composition only. Tray, window and OS integration live in ./electron; the relay
// itself runs in its own process (./core/service-host, dist/main/service.js), reached through ServiceClient.
import { app, dialog } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relayHome } from './core/config/paths.js';
import { openLogFile } from './core/log/log-file.js';
import type { LogFile } from './core/log/log-file.js';
import { createLogger } from './core/log/logger.js';
import { ServiceClient } from './core/service-host/client.js';
import { serviceUsageSource } from './core/service-host/usage-source.js';
import { startDesktop } from './electron/desktop.js';
import { acquireSingleInstance, manageQuit } from './electron/lifecycle.js';
import { spawnServiceProcess } from './electron/service-process.js';
import { openUiState } from './electron/ui-state.js';

const SERVICE_ENTRY = fileURLToPath(new URL('./service.js', import.meta.url));
const debug = process.env.APP_E2E === '1' || process.argv.includes('--debug');
// The secrets in our environment are the service's alone: programs main starts (the browser via
// shell.openExternal) must not inherit them (RT-16).
const serviceEnv = { ...process.env };
for (const name of ['COPILOT_RELAY_GITHUB_TOKEN', 'COPILOT_RELAY_API_KEY']) delete process.env[name];
process.stderr.on('error', () => undefined);

let showWindow: (() => void) | null = null;
let pendingShow = false;
let backend: ServiceClient | null = null;
let logFile: LogFile | null = null;

// Before anything else: a second launch (or macOS `activate`) only shows the first instance's window.
if (acquireSingleInstance(app, () => (showWindow ? showWindow() : (pendingShow = true)))) {
  const quitter = manageQuit(app, async () => {
    // The service lets in-flight proxy requests finish (bounded) before it exits.
    await backend?.stop();
    logFile?.close();
  });

  void app
    .whenReady()
    .then(async () => {
      const log = (logFile = openLogFile(join(app.getPath('logs'), 'copilot-relay.log')));
      const writeLine = (line: string) => {
        process.stderr.write(`${line}\n`);
        log.write(line);
      };
      const logger = createLogger({ level: debug ? 'debug' : 'info', sink: writeLine });
      let desktop: Awaited<ReturnType<typeof startDesktop>> | null = null;
      backend = new ServiceClient({
        spawn: () => spawnServiceProcess({ entry: SERVICE_ENTRY, env: serviceEnv, debug, onOutput: writeLine }),
        logger,
        onStartupFailed: (failure) => void desktop?.onStartupFailed(failure),
      });
      desktop = await startDesktop({
        backend,
        uiState: openUiState(relayHome(serviceEnv)),
        logger,
        logPath: log.path,
        env: process.env,
        argv: process.argv,
        isQuitting: quitter.isQuitting,
        quit: async () => quitter.quit(),
        // The Activity view's data: the service's usage ledger, over the message contract.
        usage: serviceUsageSource(backend),
      });
      showWindow = desktop.showWindow;
      if (pendingShow) showWindow();
      await backend.start();
    })
    .catch((error: unknown) => {
      // Main itself failed (not the service: that one has its own dialogs): say so where a user looks.
      const message = error instanceof Error ? error.message : String(error);
      logFile?.write(`ERROR Copilot Relay could not start: ${message}`);
      dialog.showErrorBox('Copilot Relay could not start', logFile ? `${message}\n\nDetails are in ${logFile.path}.` : message);
      app.exit(1);
    });
}
