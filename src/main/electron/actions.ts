import type { Clipboard, Shell } from 'electron';
import type { RelayController } from '../core/controller.js';
import type { ActionResult, WindowSettings } from '../../shared/ipc.js';
import type { Logger } from '../core/log/logger.js';
import type { LoginItem } from './login-item.js';
import { isAllowedExternalUrl } from './safe-external.js';

/** The settings the app persists (electron-store in the app, any get/set store in tests). */
export interface SettingsAccess {
  get(key: 'port'): number;
  get(key: 'apiKeyEnabled'): boolean;
  get(key: 'startAtLogin'): boolean;
  set(key: 'port', value: number): void;
  set(key: 'apiKeyEnabled', value: boolean): void;
  set(key: 'startAtLogin', value: boolean): void;
}

export interface ActionDeps {
  controller: RelayController;
  clipboard: Pick<Clipboard, 'writeText'>;
  shell: Pick<Shell, 'openExternal'>;
  /** The GitHub web origin we sign in against (only its https host may be opened). */
  githubUrl: () => string;
  settings: SettingsAccess;
  loginItem: LoginItem;
  showWindow: () => void;
  hideWindow: () => void;
  /** Stops the core (and so the proxy) and exits. */
  quit: () => Promise<void>;
  /** Called when anything the tray shows (not covered by status) changes: autostart state. */
  onChange: () => void;
  logger: Logger;
}

/** Plain words for the user: messages from the core are already token-free; never a stack. */
function failure(error: unknown, fallback: string): ActionResult {
  const message = error instanceof Error && error.message ? error.message : fallback;
  // The tray wording when the core has one (desktopFix: a menu item instead of a CLI command).
  const { fix: cliFix, desktopFix } = (error ?? {}) as { fix?: unknown; desktopFix?: unknown };
  const fix = desktopFix ?? cliFix;
  return { ok: false, message: typeof fix === 'string' && fix ? `${message} — ${fix}` : message };
}

/** Every user action, shared by the tray menu and the window's IPC handlers. */
export function createActions(deps: ActionDeps) {
  const { controller, clipboard, shell, logger } = deps;
  let startAtLogin = false;
  let signInRunning: Promise<ActionResult> | null = null;

  async function openVerificationUri(): Promise<ActionResult> {
    const uri = controller.status().signIn?.verificationUri;
    if (!uri) return { ok: false, message: 'No sign-in is waiting.' };
    if (!isAllowedExternalUrl(uri, deps.githubUrl())) {
      logger.warn('refused to open a verification URL outside the GitHub host');
      return { ok: false, message: 'The verification address is not on the GitHub host, so it was not opened.' };
    }
    await shell.openExternal(uri);
    return { ok: true };
  }

  async function copyUserCode(): Promise<ActionResult> {
    const code = controller.status().signIn?.userCode;
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
    const stop = controller.onStatus((status) => {
      if (handled || !status.signIn) return;
      handled = true;
      void copyUserCode().catch(() => undefined);
      void openVerificationUri().catch((err: unknown) => logger.warn(`could not open the browser: ${String(err)}`));
    });
    signInRunning = controller
      .signIn(enterprise === undefined ? undefined : { enterprise })
      .then(async () => {
        await startProxyIfSignedIn();
        return { ok: true };
      })
      .catch((err: unknown) => failure(err, 'Sign-in failed.'))
      .finally(() => {
        stop();
        signInRunning = null;
      });
    return signInRunning;
  }

  async function startProxyIfSignedIn(): Promise<void> {
    const status = controller.status();
    if (status.login === null || status.proxy.running) return;
    try {
      await controller.startProxy({ port: deps.settings.get('port') });
    } catch (err) {
      // The core reports it (e.g. port-in-use) in the status; the tray/window show it.
      logger.warn(`proxy did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function getSettings(): Promise<WindowSettings> {
    startAtLogin = await deps.loginItem.get().catch(() => false);
    return {
      port: deps.settings.get('port'),
      apiKeyEnabled: deps.settings.get('apiKeyEnabled'),
      startAtLogin,
      startAtLoginAvailable: deps.loginItem.available(),
    };
  }

  async function setStartAtLogin(enabled: boolean): Promise<boolean> {
    startAtLogin = await deps.loginItem.set(enabled);
    deps.settings.set('startAtLogin', startAtLogin);
    deps.onChange();
    return startAtLogin;
  }

  return {
    signIn,
    startProxyIfSignedIn,
    cancelSignIn: () => controller.cancelSignIn(),
    async signOut(): Promise<ActionResult> {
      try {
        await controller.signOut();
        return { ok: true };
      } catch (err) {
        return failure(err, 'Sign-out failed.');
      }
    },
    async refreshNow(): Promise<ActionResult> {
      try {
        await controller.refreshNow();
        return { ok: true };
      } catch (err) {
        return failure(err, 'Refresh failed.');
      }
    },
    checkNow: () => controller.checkNow(),
    async copyUrl(): Promise<ActionResult> {
      const url = controller.status().proxy.url;
      if (!url) return { ok: false, message: 'The proxy is not running.' };
      await clipboard.writeText(url);
      return { ok: true };
    },
    async copyApiKey(): Promise<ActionResult> {
      const key = controller.apiKey();
      if (!key) return { ok: false, message: 'No API key is set.' };
      await clipboard.writeText(key);
      return { ok: true };
    },
    copyUserCode,
    openVerificationUri,
    getSettings,
    /** Validated by the IPC layer; a port change restarts the proxy on the new port. */
    async setSettings(patch: Partial<Omit<WindowSettings, 'startAtLoginAvailable'>>): Promise<WindowSettings> {
      if (patch.startAtLogin !== undefined) await setStartAtLogin(patch.startAtLogin);
      const restart = (patch.port !== undefined && patch.port !== deps.settings.get('port')) ||
        (patch.apiKeyEnabled !== undefined && patch.apiKeyEnabled !== deps.settings.get('apiKeyEnabled'));
      if (patch.port !== undefined) deps.settings.set('port', patch.port);
      if (patch.apiKeyEnabled !== undefined) deps.settings.set('apiKeyEnabled', patch.apiKeyEnabled);
      if (restart && controller.status().login !== null) {
        await controller.startProxy({ port: deps.settings.get('port') }).catch((err: unknown) => {
          logger.warn(`proxy restart failed: ${err instanceof Error ? err.message : String(err)}`);
        });
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
    hideWindow: () => deps.hideWindow(),
    quit: () => deps.quit(),
  };
}

export type AppActions = ReturnType<typeof createActions>;
