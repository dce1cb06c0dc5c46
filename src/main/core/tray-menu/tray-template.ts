import type { RelayStatus } from '../../../shared/status.js';
import { usageStop } from '../../../shared/usage.js';
import { budgetSpentLine, rateLimitedLine } from '../usage/views.js';

/**
 * The tray menu as plain data (a pure function of the status), so it is testable without Electron
 * and rebuilt wholesale on every change (Linux ignores in-place MenuItem mutation).
 */
export type TrayActionId =
  | 'sign-in'
  | 'copy-code'
  | 'open-verification'
  | 'cancel-sign-in'
  | 'copy-url'
  | 'copy-api-key'
  | 'refresh-now'
  | 'toggle-autostart'
  | 'show-window'
  | 'show-activity'
  | 'open-log'
  | 'sign-out'
  | 'quit'
  | 'fix-sign-in-again'
  | 'fix-show-window'
  | 'fix-retry-now';

export type TrayItem =
  | { type: 'separator' }
  | { type: 'normal'; id: TrayActionId | 'status-line' | 'account-line' | 'proxy-line'; label: string; enabled: boolean }
  | { type: 'checkbox'; id: 'toggle-autostart'; label: string; checked: boolean; enabled: boolean };

export interface TrayOptions {
  now: number;
  startAtLogin: boolean;
  startAtLoginAvailable: boolean;
  /** True when the proxy requires an API key (then "Copy API key" is offered). */
  hasApiKey: boolean;
}

const SEPARATOR: TrayItem = { type: 'separator' };

function item(id: Extract<TrayItem, { type: 'normal' }>['id'], label: string, enabled = true): TrayItem {
  return { type: 'normal', id, label, enabled };
}

/** "github.com/login/device" for display (scheme dropped, no trailing slash). */
export function displayUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

/** "24 min", "under a minute", "2 h 5 min". */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * What refuses requests right now, in words: Copilot's reached limit ("Weekly limit reached —
 * resets Tue 14:00") or the local budget spent; null when nothing does (or its reset passed).
 */
export function usageStopLine(status: RelayStatus, now: number): string | null {
  const stop = usageStop(status.usage, now);
  if (!stop) return null;
  return stop.kind === 'limit' ? rateLimitedLine({ name: stop.name, resetsAt: stop.resetsAt }, now) : budgetSpentLine(stop.resetsAt, now);
}

/** "octocat · Copilot Pro · token valid 24 min": who is signed in and how long the token lasts. */
function accountLine(status: RelayStatus, now: number): string {
  const who = [status.login, status.plan].filter(Boolean).join(' · ') || 'Signed in';
  if (status.phase === 'refreshing') return `${who} · refreshing token…`;
  if (status.mode === 'direct') return `${who} · direct token`;
  return status.expiresAt === null ? who : `${who} · token valid ${formatRemaining(status.expiresAt - now)}`;
}

/** The first menu line, also the tooltip. */
export function statusLine(status: RelayStatus, now: number): string {
  switch (status.phase) {
    case 'signed-out':
      return 'Copilot Relay — not signed in';
    case 'signing-in':
      return status.signIn
        ? `Enter code ${status.signIn.userCode} at ${displayUrl(status.signIn.verificationUri)}`
        : 'Copilot Relay — starting sign-in…';
    case 'error':
      return errorLine(status);
    case 'ready':
    case 'refreshing':
      // Rate-limited: the limit and its reset are what the user needs to know first.
      return usageStopLine(status, now) ?? accountLine(status, now);
  }
}

function errorLine(status: RelayStatus): string {
  const error = status.lastError;
  if (!error) return 'Copilot Relay — something went wrong';
  switch (error.kind) {
    case 'token-revoked':
    case 'not-signed-in':
      return 'GitHub sign-in expired — sign in again';
    case 'no-copilot':
      return status.login ? `No Copilot subscription on ${status.login}` : 'No Copilot subscription on this account';
    case 'port-in-use':
      return `${error.message} — change it in the status window`;
    case 'network':
    case 'not-ready':
      return "Can't reach GitHub — retrying";
    default:
      return error.message;
  }
}

/** The fix item under an error line. */
function errorFix(status: RelayStatus): TrayItem {
  const kind = status.lastError?.kind;
  if (kind === 'token-revoked' || kind === 'not-signed-in' || kind === 'sign-in-expired' || kind === 'sign-in-denied')
    return item('fix-sign-in-again', 'Sign in again…');
  if (kind === 'network' || kind === 'rate-limited' || kind === 'upstream') return item('fix-retry-now', 'Retry now');
  return item('fix-show-window', 'Open status window');
}

function autostartItem(options: TrayOptions): TrayItem {
  return {
    type: 'checkbox',
    id: 'toggle-autostart',
    label: options.startAtLoginAvailable ? 'Start at login' : 'Start at login (packaged app only)',
    checked: options.startAtLogin,
    enabled: options.startAtLoginAvailable,
  };
}

export function buildTrayTemplate(status: RelayStatus, options: TrayOptions): TrayItem[] {
  const first = item('status-line', statusLine(status, options.now), false);
  const tail = [autostartItem(options), item('show-window', 'Show status window'), item('show-activity', 'Activity…'), item('open-log', 'Open log')];
  const quit = item('quit', 'Quit Copilot Relay');

  if (status.phase === 'signed-out') {
    return [first, SEPARATOR, item('sign-in', 'Sign in with GitHub…'), SEPARATOR, ...tail, quit];
  }
  if (status.phase === 'signing-in') {
    const prompt = status.signIn;
    return [
      first,
      item('copy-code', 'Copy code', prompt !== null),
      item('open-verification', prompt ? `Open ${displayUrl(prompt.verificationUri)}` : 'Open GitHub', prompt !== null),
      item('cancel-sign-in', 'Cancel sign-in'),
      SEPARATOR,
      item('show-window', 'Show status window'),
      quit,
    ];
  }

  const signedIn = status.login !== null || status.phase !== 'error';
  const proxyItems: TrayItem[] = [];
  if (status.proxy.running && status.proxy.url) proxyItems.push(item('proxy-line', `Serving ${status.proxy.url}`, false));
  const actions: TrayItem[] = [
    item('copy-url', status.proxy.url ? `Copy URL (${status.proxy.url})` : 'Copy URL', status.proxy.url !== null),
  ];
  if (options.hasApiKey) actions.push(item('copy-api-key', 'Copy API key'));
  actions.push(item('refresh-now', 'Refresh token now', status.phase !== 'refreshing' && signedIn));

  const stopped = status.phase !== 'error' && usageStopLine(status, options.now) !== null;
  const head = status.phase === 'error' ? [first, errorFix(status)] : stopped ? [first, item('account-line', accountLine(status, options.now), false)] : [first];
  const account = signedIn ? [item('sign-out', 'Sign out')] : [item('sign-in', 'Sign in with GitHub…')];
  return [...head, ...proxyItems, SEPARATOR, ...actions, SEPARATOR, ...tail, ...account, quit];
}

/** Tray icon state for a phase (signing-in shows the signed-out outline until a token exists). */
export type TrayIconState = 'signed-out' | 'ready' | 'refreshing' | 'rate-limited' | 'error';

/** Every state has its icon files (build/icons/tray, scripts/make-icons.mjs). */
export const TRAY_ICON_STATES: readonly TrayIconState[] = ['signed-out', 'ready', 'refreshing', 'rate-limited', 'error'];

export function trayIconState(status: RelayStatus, now: number): TrayIconState {
  if (status.phase === 'signing-in') return 'signed-out';
  // Signed in and serving, but Copilot (or the local budget) refuses requests until a reset.
  if ((status.phase === 'ready' || status.phase === 'refreshing') && usageStopLine(status, now) !== null) return 'rate-limited';
  return status.phase;
}
