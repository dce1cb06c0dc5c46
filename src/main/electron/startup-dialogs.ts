import type { Dialog } from 'electron';
import type { StartupFailure } from '../core/service-host/contract.js';
import type { Logger } from '../core/log/logger.js';

export interface StartupFailureDeps {
  dialog: Pick<Dialog, 'showMessageBox'>;
  /** Moves the settings file aside and lets the service start with the defaults. */
  reset: () => Promise<{ backup: string }>;
  openLog: () => void;
  quit: () => void;
  logger: Logger;
}

/**
 * The relay service could not start: say why in a dialog instead of a line on a stderr nobody
 * sees. A settings file it can't use → offer to reset it (the old file is kept as a backup);
 * anything else (an unreadable CA file: the message names it) → the reason, "Open log", quit.
 */
export async function handleStartupFailure(failure: StartupFailure, deps: StartupFailureDeps): Promise<void> {
  const { dialog, logger } = deps;
  const fix = failure.desktopFix ?? failure.fix;
  if (failure.settingsFile) {
    const { response } = await dialog.showMessageBox({
      type: 'error',
      title: 'Copilot Relay',
      message: "Copilot Relay can't use its settings file",
      detail: `${failure.message}\n\nReset the settings to the defaults? The current file is kept as a backup beside it.`,
      buttons: ['Reset to defaults', 'Quit'],
      defaultId: 0,
      cancelId: 1,
      noLink: true,
    });
    if (response !== 0) return deps.quit();
    try {
      const { backup } = await deps.reset();
      logger.info(`Settings reset to the defaults; the old file is kept as ${backup}`);
    } catch (error) {
      logger.error(`Resetting the settings failed: ${error instanceof Error ? error.message : String(error)}`);
      deps.quit();
    }
    return;
  }
  const { response } = await dialog.showMessageBox({
    type: 'error',
    title: 'Copilot Relay',
    message: "Copilot Relay can't start",
    detail: fix ? `${failure.message}\n\n${fix}` : failure.message,
    buttons: ['Open log', 'Quit'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  });
  if (response === 0) deps.openLog();
  deps.quit();
}
