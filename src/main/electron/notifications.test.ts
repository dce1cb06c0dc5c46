import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it, vi } from 'vitest';
import type { NotificationConstructorOptions } from 'electron';
import { createMemoryLogger } from '../core/log/logger.js';
import { APP_USER_MODEL_ID, createNotifier } from './notifications.js';
import type { NotificationApi } from './notifications.js';

/** Electron's main-process Notification as electron.d.ts documents it: built, then shown by show(); 'click', and 'failed' (macOS, Windows). */
function fakeNotification(supported: boolean) {
  const made: { options: NotificationConstructorOptions; shown: number; emit: (event: string, ...args: unknown[]) => void }[] = [];
  class FakeNotification {
    static isSupported = vi.fn(() => supported);
    private readonly handlers = new Map<string, (...args: unknown[]) => void>();
    readonly record: (typeof made)[number];
    constructor(options: NotificationConstructorOptions) {
      this.record = { options, shown: 0, emit: (event, ...args) => this.handlers.get(event)?.(...args) };
      made.push(this.record);
    }
    on(event: string, listener: (...args: unknown[]) => void) {
      this.handlers.set(event, listener);
      return this;
    }
    show() {
      this.record.shown += 1;
    }
  }
  return { Notification: FakeNotification as unknown as NotificationApi, made, isSupported: FakeNotification.isSupported };
}

const notice = { title: 'Copilot Relay: 80 % of your budget used', body: '40 of 50 AI credits used today. At 50 the relay stops sending requests until 00:00.' };

describe('desktop notifications', () => {
  it('shows the notice where the OS supports notifications; a click opens the Activity view', () => {
    const fake = fakeNotification(true);
    const onClick = vi.fn();
    const logger = createMemoryLogger();
    const notifier = createNotifier({ Notification: fake.Notification, onClick, logger });
    expect(notifier.show(notice)).toBe(true);
    expect(fake.made).toEqual([expect.objectContaining({ options: { title: notice.title, body: notice.body }, shown: 1 })]);
    expect(notifier.current()).not.toBeNull();
    fake.made[0]!.emit('click', {});
    expect(onClick).toHaveBeenCalledTimes(1);
    fake.made[0]!.emit('failed', {}, 'Notifications are turned off for this app');
    expect(logger.lines.join('\n')).toMatch(/could not be shown \(Notifications are turned off for this app\)/);
  });

  it('where there are none (no notification daemon), the notice is a log line', () => {
    const fake = fakeNotification(false);
    const logger = createMemoryLogger();
    expect(createNotifier({ Notification: fake.Notification, onClick: vi.fn(), logger }).show(notice)).toBe(false);
    expect(fake.made).toEqual([]);
    expect(fake.isSupported).toHaveBeenCalled();
    expect(logger.lines.join('\n')).toContain(`not shown: ${notice.title}`);
  });

  it("the Windows AppUserModelID is the installer's appId (its Start-menu shortcut carries it)", () => {
    const config = load(readFileSync(new URL('../../../electron-builder.yml', import.meta.url), 'utf8')) as { appId: string };
    expect(APP_USER_MODEL_ID).toBe(config.appId);
  });
});
