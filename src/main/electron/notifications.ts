import type { Event, Notification, NotificationConstructorOptions } from 'electron';
import type { Logger } from '../core/log/logger.js';

/**
 * The app's identity for Windows notifications: toasts show only for an AppUserModelID that a
 * Start-menu shortcut carries, and electron-builder's NSIS installer gives its shortcut the
 * `appId` (electron-builder.yml). Main sets it at start (`app.setAppUserModelId`) so the two match
 * (Electron docs, tutorial/notifications.md "Windows"; unpackaged dev runs get none).
 */
export const APP_USER_MODEL_ID = 'io.github.copilot-relay.app';

/** What this module uses of Electron's main-process Notification (electron.d.ts). */
export interface NotificationApi {
  isSupported(): boolean;
  new (options: NotificationConstructorOptions): Pick<Notification, 'show' | 'on'>;
}

export interface NotifierDeps {
  Notification: NotificationApi;
  /** A click on the notification: the window on its Activity view. */
  onClick: () => void;
  logger: Logger;
}

/**
 * Desktop notifications (the budget's 80 % warning, once per period: the service decides when).
 * Where the OS has none (`Notification.isSupported()` false: e.g. Linux without a notification
 * daemon) the notice is a log line instead. The last notification is kept referenced: a collected
 * one no longer delivers its click.
 */
export function createNotifier(deps: NotifierDeps) {
  let last: Pick<Notification, 'show' | 'on'> | null = null;
  return {
    /** True when handed to the OS. */
    show(notice: { title: string; body: string }): boolean {
      if (!deps.Notification.isSupported()) {
        deps.logger.info(`No desktop notifications here; not shown: ${notice.title}. ${notice.body}`);
        return false;
      }
      const notification = new deps.Notification({ title: notice.title, body: notice.body });
      notification.on('click', () => deps.onClick());
      // 'failed' is emitted on macOS and Windows only (e.g. notifications turned off for the app).
      notification.on('failed', (_event: Event, error: string) => deps.logger.warn(`The notification could not be shown (${error}): ${notice.title}`));
      notification.show();
      last = notification;
      return true;
    },
    /** The notification on screen (tests). */
    current: () => last,
  };
}
