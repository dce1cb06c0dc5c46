// Electron main: composition only. The work lives in ./electron (shell) and ./core (Electron-free).
import { app } from 'electron';
import type { RelayController } from './core/controller.js';
import { createLogger } from './core/log/logger.js';
import { createRelay } from './core/relay.js';
import { acquireSingleInstance, manageQuit, startsHidden } from './electron/lifecycle.js';
import { startDesktop } from './electron/desktop.js';

const logger = createLogger({ level: process.env.APP_E2E === '1' ? 'debug' : 'info' });
let controller: RelayController | null = null;
let showWindow: (() => void) | null = null;
let pendingShow = false;

// Before anything else: a second launch must only show the first instance's window.
if (acquireSingleInstance(app, () => (showWindow ? showWindow() : (pendingShow = true)))) {
  const quitter = manageQuit(app, async () => {
    // Stops the token timers and lets in-flight proxy requests finish (bounded) before exiting.
    await controller?.close();
  });

  void app
    .whenReady()
    .then(async () => {
      // Loads the stored sign-in and, when signed in, starts the proxy.
      const relay = await createRelay({ env: process.env, logger });
      controller = relay;
      const settings = relay.service.settings;
      const desktop = await startDesktop({
        controller,
        settings,
        logger,
        env: process.env,
        hidden: startsHidden(process.argv) && !pendingShow,
        isQuitting: quitter.isQuitting,
        quit: async () => quitter.quit(),
      });
      showWindow = desktop.showWindow;
    })
    .catch((err: unknown) => {
      logger.error(`Copilot Relay could not start: ${err instanceof Error ? err.message : String(err)}`);
      app.exit(1);
    });
}
