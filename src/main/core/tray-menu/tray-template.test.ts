import { describe, it, expect } from 'vitest';
import { buildTrayTemplate, formatRemaining, trayIconState } from './tray-template.js';
import type { TrayItem, TrayOptions } from './tray-template.js';
import { T0, errorStatus, readyStatus, signedOutStatus, signingInStatus } from '../../../../e2e/support/status-fixtures.js';
import type { RelayStatus } from '../../../shared/status.js';
import { noUsageStatus } from '../../../shared/usage.js';

const options: TrayOptions = { now: T0, startAtLogin: false, startAtLoginAvailable: true, hasApiKey: false };
const ids = (items: TrayItem[]) => items.map((i) => (i.type === 'separator' ? '---' : i.id));
const byId = (items: TrayItem[], id: string) => items.find((i) => i.type !== 'separator' && i.id === id);
const label = (items: TrayItem[], id: string) => {
  const found = byId(items, id);
  return found && found.type !== 'separator' ? found.label : undefined;
};

describe('buildTrayTemplate', () => {
  it('signed out: status, sign in, start at login, show, quit', () => {
    const items = buildTrayTemplate(signedOutStatus(), options);
    expect(ids(items)).toEqual(['status-line', '---', 'sign-in', '---', 'toggle-autostart', 'show-window', 'show-activity', 'open-log', 'quit']);
    expect(label(items, 'status-line')).toBe('Copilot Relay — not signed in');
    expect(label(items, 'sign-in')).toBe('Sign in with GitHub…');
  });

  it('signing in: the code and the URL, copy/open/cancel', () => {
    const items = buildTrayTemplate(signingInStatus(), options);
    expect(ids(items)).toEqual(['status-line', 'copy-code', 'open-verification', 'cancel-sign-in', '---', 'show-window', 'quit']);
    expect(label(items, 'status-line')).toBe('Enter code WDJB-MJHT at github.com/login/device');
    expect(label(items, 'open-verification')).toBe('Open github.com/login/device');
  });

  it('ready: account, plan, minutes left, serving URL, copy URL, refresh, sign out; no API key item without a key', () => {
    const items = buildTrayTemplate(readyStatus(), options);
    expect(ids(items)).toEqual([
      'status-line', 'proxy-line', '---', 'copy-url', 'refresh-now', '---', 'toggle-autostart', 'show-window', 'show-activity', 'open-log', 'sign-out', 'quit',
    ]);
    expect(label(items, 'status-line')).toBe('octocat · Copilot Pro · token valid 24 min');
    expect(label(items, 'proxy-line')).toBe('Serving http://127.0.0.1:4141/v1');
    expect(label(items, 'copy-url')).toBe('Copy URL (http://127.0.0.1:4141/v1)');
  });

  it('offers Copy API key only when a key is set', () => {
    const items = buildTrayTemplate(readyStatus(), { ...options, hasApiKey: true });
    expect(ids(items)).toContain('copy-api-key');
    expect(ids(items).indexOf('copy-api-key')).toBe(ids(items).indexOf('copy-url') + 1);
  });

  it('reflects the start-at-login state and availability', () => {
    const on = byId(buildTrayTemplate(readyStatus(), { ...options, startAtLogin: true }), 'toggle-autostart');
    expect(on).toMatchObject({ type: 'checkbox', checked: true, enabled: true });
    const unavailable = byId(buildTrayTemplate(readyStatus(), { ...options, startAtLoginAvailable: false }), 'toggle-autostart');
    expect(unavailable).toMatchObject({ checked: false, enabled: false });
  });

  it('refreshing: says so and disables Refresh now', () => {
    const items = buildTrayTemplate(readyStatus({ phase: 'refreshing' }), options);
    expect(label(items, 'status-line')).toBe('octocat · Copilot Pro · refreshing token…');
    expect(byId(items, 'refresh-now')).toMatchObject({ enabled: false });
  });

  it('error variants: words the user can act on, with the fix item right below', () => {
    const revoked = buildTrayTemplate(errorStatus('token-revoked', 'GitHub token revoked', 'Sign in again'), options);
    expect(label(revoked, 'status-line')).toBe('GitHub sign-in expired — sign in again');
    expect(ids(revoked)[1]).toBe('fix-sign-in-again');

    const noCopilot = buildTrayTemplate(errorStatus('no-copilot', 'No Copilot'), options);
    expect(label(noCopilot, 'status-line')).toBe('No Copilot subscription on octocat');
    expect(ids(noCopilot)[1]).toBe('fix-show-window');

    const port = buildTrayTemplate(errorStatus('port-in-use', 'Port 4141 is in use', null, { proxy: { url: null, running: false, apiKeyRequired: false } }), options);
    expect(label(port, 'status-line')).toBe('Port 4141 is in use — change it in the status window');
    expect(byId(port, 'copy-url')).toMatchObject({ enabled: false });
    expect(ids(port)).not.toContain('proxy-line');

    const network = buildTrayTemplate(errorStatus('network', 'fetch failed'), options);
    expect(label(network, 'status-line')).toBe("Can't reach GitHub — retrying");
    expect(ids(network)[1]).toBe('fix-retry-now');
  });

  it('rate-limited: the limit and its reset first, the account below, a clock icon; back to ready once it resets', () => {
    // T0 is Mon 23 Nov 2026 14:08 UTC; the weekly limit resets in 2 days, at the hour.
    const resetsAt = T0 + 2 * 86_400_000 - 8 * 60_000;
    const limit = { name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt: new Date(resetsAt).toISOString(), reached: true };
    const limited: RelayStatus = readyStatus({ usage: { ...noUsageStatus(), rateLimits: [limit], rateLimited: { ...limit, line: 'Weekly limit reached — resets Wed 14:00' } } });
    const items = buildTrayTemplate(limited, options);
    const clock = new Date(resetsAt);
    const expected = `Weekly limit reached — resets ${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][clock.getDay()]} ${String(clock.getHours()).padStart(2, '0')}:00`;
    expect(label(items, 'status-line')).toBe(expected);
    expect(ids(items).slice(0, 3)).toEqual(['status-line', 'account-line', 'proxy-line']);
    expect(label(items, 'account-line')).toBe('octocat · Copilot Pro · token valid 24 min');
    expect(ids(items)).toContain('show-activity');
    expect(label(items, 'show-activity')).toBe('Activity…');
    expect(trayIconState(limited, T0)).toBe('rate-limited');
    expect(trayIconState(limited, resetsAt + 1)).toBe('ready');
    expect(label(buildTrayTemplate(limited, { ...options, now: resetsAt + 1 }), 'status-line')).toMatch(/^octocat · Copilot Pro/);
    // An error outranks it (the error says what to fix).
    expect(trayIconState({ ...limited, phase: 'error', lastError: { kind: 'network', message: 'x', fix: null, at: T0 } }, T0)).toBe('error');
  });

  it('a spent local budget is the rate-limited state too, until its period resets', () => {
    const resetsAt = new Date(new Date(T0).setHours(24, 0, 0, 0)).getTime();
    const spent: RelayStatus = readyStatus({ usage: { ...noUsageStatus(), budget: { period: 'day', limitCredits: 50, usedCredits: 51.3, resetsAt: new Date(resetsAt).toISOString() } } });
    expect(label(buildTrayTemplate(spent, options), 'status-line')).toMatch(/^AI-credit budget used up — resets (\w{3} )?00:00$/);
    expect(trayIconState(spent, T0)).toBe('rate-limited');
    const under: RelayStatus = readyStatus({ usage: { ...noUsageStatus(), budget: { period: 'day', limitCredits: 50, usedCredits: 49, resetsAt: new Date(resetsAt).toISOString() } } });
    expect(trayIconState(under, T0)).toBe('ready');
  });

  it('never puts a token-looking string in any label', () => {
    const all = [signedOutStatus(), signingInStatus(), readyStatus(), errorStatus('upstream', 'Unexpected answer')]
      .flatMap((s) => buildTrayTemplate(s, { ...options, hasApiKey: true }))
      .map((i) => (i.type === 'separator' ? '' : i.label))
      .join('\n');
    expect(all).not.toMatch(/gh[upos]_|tid=|sk-/);
  });
});

describe('helpers', () => {
  it('formats remaining time', () => {
    expect(formatRemaining(-1)).toBe('expired');
    expect(formatRemaining(30_000)).toBe('under a minute');
    expect(formatRemaining(24 * 60_000 + 59_000)).toBe('24 min');
    expect(formatRemaining(125 * 60_000)).toBe('2 h 5 min');
  });

  it('maps phases to icon states', () => {
    expect(trayIconState(signingInStatus(), T0)).toBe('signed-out');
    expect(trayIconState(readyStatus(), T0)).toBe('ready');
    expect(trayIconState(errorStatus('network', 'x'), T0)).toBe('error');
  });
});
