import type { Clipboard, Shell } from 'electron';
import type { RelayBackend } from '../core/service-host/client.js';
import type { ActionResult, WindowSettings } from '../../shared/ipc.js';
import type { Logger } from '../core/log/logger.js';
import type { LoginItem } from './login-item.js';
import { isAllowedExternalUrl } from './safe-external.js';

export interface ActionDeps {
  /** The relay service (its own process): account, proxy and settings live there. */
  backend: RelayBackend;
  clipboard: Pick<Clipboard, 'writeText'>;
  shell: Pick<Shell, 'openExternal' | 'openPath'>;
  /** The GitHub web origin we sign in against (only its https host may be opened). */
  githubUrl: () => string;
  loginItem: LoginItem;
  /** The app's log file ("Open log"). */
  logPath: string;
  showWindow: () => void;
  /** Shows the window on its Activity view (the tray's "Activity…"). */
  showActivity: () => void;
  hideWindow: () => void;
  /** Stops the service (gracefully) and exits. */
  quit: () => Promise<void>;
  /** Called when anything the tray shows (not covered by status) changes: autostart state. */
  onChange: () => void;
  logger: Logger;
}

/** Plain words for the user: messages from the service are already token-free; never a stack. */
function failure(error: unknown, fallback: string): ActionResult {
  const message = error instanceof Error && error.message ? error.message : fallback;
  // The tray wording when the core has one (desktopFix: a menu item instead of a CLI command).
  const { fix: cliFix, desktopFix } = (error ?? {}) as { fix?: unknown; desktopFix?: unknown };
  const fix = desktopFix ?? cliFix;
  return { ok: false, message: typeof fix === 'string' && fix ? `${message} — ${fix}` : message };
}

async function attempt(run: () => Promise<unknown>, fallback: string): Promise<ActionResult> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return failure(error, fallback);
  }
}

/** Every user action, shared by the tray menu and the window's IPC handlers. */
export function createActions(deps: ActionDeps) {
  const { backend, clipboard, shell, logger } = deps;
  let startAtLogin = false;
  let signInRunning: Promise<ActionResult> | null = null;

  async function openVerificationUri(): Promise<ActionResult> {
    const uri = backend.status().signIn?.verificationUri;
    if (!uri) return { ok: false, message: 'No sign-in is waiting.' };
    if (!isAllowedExternalUrl(uri, deps.githubUrl())) {
      logger.warn('refused to open a verification URL outside the GitHub host');
      return { ok: false, message: 'The verification address is not on the GitHub host, so it was not opened.' };
    }
    await shell.openExternal(uri);
    return { ok: true };
  }

  async function copyUserCode(): Promise<ActionResult> {
    const code = backend.status().signIn?.userCode;
    if (!code) return { ok: false, message: 'No sign-in code is waiting.' };
    // Electron 45's clipboard writes are async.
    await clipboard.writeText(code);
    return { ok: true };
  }

  /** Shows the window's sign-in panel; once the code arrives, copies it and opens the GitHub page. */
  function signIn(enterprise?: string | null): Promise<ActionResult> {
    if (signInRunning) return signInRunning;
    deps.showWindow();
    let handled = false;
    const stop = backend.onStatus((status) => {
      if (handled || !status.signIn) return;
      handled = true;
      void copyUserCode().catch(() => undefined);
      void openVerificationUri().catch((err: unknown) => logger.warn(`could not open the browser: ${String(err)}`));
    });
    // The service starts its proxy once signed in.
    signInRunning = attempt(() => backend.signIn(enterprise), 'Sign-in failed.').finally(() => {
      stop();
      signInRunning = null;
    });
    return signInRunning;
  }

  async function getSettings(): Promise<WindowSettings> {
    const [service, autostart] = await Promise.all([backend.getSettings(), deps.loginItem.get().catch(() => false)]);
    startAtLogin = autostart;
    return { ...service, startAtLogin, startAtLoginAvailable: deps.loginItem.available() };
  }

  async function setStartAtLogin(enabled: boolean): Promise<boolean> {
    // The OS is the only record: the checkbox shows the state read back.
    startAtLogin = await deps.loginItem.set(enabled);
    deps.onChange();
    return startAtLogin;
  }

  return {
    signIn,
    cancelSignIn: () => void backend.cancelSignIn().catch(() => undefined),
    signOut: () => attempt(() => backend.signOut(), 'Sign-out failed.'),
    refreshNow: () => attempt(() => backend.refreshNow(), 'Refresh failed.'),
    checkNow: () => backend.checkNow(),
    async copyUrl(): Promise<ActionResult> {
      const url = backend.status().proxy.url;
      if (!url) return { ok: false, message: 'The proxy is not running.' };
      await clipboard.writeText(url);
      return { ok: true };
    },
    async copyApiKey(): Promise<ActionResult> {
      const key = await backend.apiKey().catch(() => null);
      if (!key) return { ok: false, message: 'No API key is set.' };
      await clipboard.writeText(key);
      return { ok: true };
    },
    copyUserCode,
    openVerificationUri,
    async openLog(): Promise<ActionResult> {
      const problem = await shell.openPath(deps.logPath);
      return problem ? { ok: false, message: problem } : { ok: true };
    },
    getSettings,
    /** Validated by the IPC layer; the service saves port and key and restarts its proxy on a change. */
    async setSettings(patch: Partial<Omit<WindowSettings, 'startAtLoginAvailable'>>): Promise<WindowSettings> {
      const { startAtLogin: autostart, ...service } = patch;
      if (autostart !== undefined) await setStartAtLogin(autostart);
      if (Object.keys(service).length > 0) {
        await backend.setSettings(service).catch((err: unknown) => logger.warn(`settings not applied: ${err instanceof Error ? err.message : String(err)}`));
      }
      return getSettings();
    },
    async toggleAutostart(): Promise<boolean> {
      return setStartAtLogin(!startAtLogin);
    },
    /** The last state read back from the OS (for the tray checkbox). */
    startAtLogin: () => startAtLogin,
    refreshStartAtLogin: async () => {
      startAtLogin = await deps.loginItem.get().catch(() => false);
      return startAtLogin;
    },
    showWindow: () => deps.showWindow(),
    showActivity: () => deps.showActivity(),
    hideWindow: () => deps.hideWindow(),
    quit: () => deps.quit(),
  };
}

export type AppActions = ReturnType<typeof createActions>;
