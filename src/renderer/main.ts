// The status window. Talks to main only through window.relay (the preload's typed bridge).
import type { RelayApi, WindowSettings, WindowView } from '../shared/ipc.js';
import type { RelayStatus } from '../shared/status.js';
import { usageStop } from '../shared/usage.js';
import { el, setBar, setText, show } from './dom.js';
import { initActivity } from './activity.js';
import { creditsFraction, creditsLabel } from './activity-format.js';
import { clockTime, countdown, displayUrl, lifetimeLeft, modeLabel, parsePort, phaseLabel, quotaLabel, shortDate } from './format.js';

declare global {
  interface Window {
    relay: RelayApi;
  }
}

const relay = window.relay;
let current: RelayStatus | null = null;
let refreshing = false;

function renderCountdown(): void {
  const status = current;
  show('expiry-track', status?.expiresAt != null);
  if (!status || status.expiresAt === null) {
    setText('countdown', '');
    return;
  }
  const now = Date.now();
  setText('countdown', `(${countdown(status.expiresAt, now)})`);
  setBar('expiry-bar', lifetimeLeft(status.refreshedAt, status.expiresAt, now));
}

function render(status: RelayStatus): void {
  current = status;
  const phase = status.phase;
  // The headline agrees with the tray: a reached limit (Copilot's or the budget) is not "Ready".
  const stop = phase === 'ready' ? usageStop(status.usage, Date.now()) : null;
  const dot = el('phase-dot');
  dot.className = `dot ${stop ? 'rate-limited' : phase}`;
  setText('phase', stop ? (stop.kind === 'limit' ? 'Rate limited' : 'Budget used up') : phaseLabel(phase));
  setText('account', status.login ?? '');

  // Ready means signed in even before the login is known (a token from the environment, or stored
  // by another tool): the panel shows, the account name fills in later.
  const signedIn = phase === 'ready' || phase === 'refreshing' || (status.login !== null && phase === 'error');
  const signedOutPanel = phase === 'signed-out' || (phase === 'error' && status.login === null);
  show('panel-signed-out', signedOutPanel);
  show('panel-signing-in', phase === 'signing-in');
  show('panel-ready', signedIn);

  if (status.signIn) {
    setText('user-code', status.signIn.userCode);
    setText('verification-host', displayUrl(status.signIn.verificationUri));
  }

  setText('proxy-url', status.proxy.url ?? 'not running');
  (el<HTMLButtonElement>('copy-url')).disabled = status.proxy.url === null;
  setText('mode', modeLabel(status.mode));
  if (status.mode === 'direct' || status.expiresAt === null) {
    setText('expires', status.mode === 'direct' ? 'does not expire (direct token)' : '—');
  } else {
    setText('expires', clockTime(status.expiresAt));
  }
  const next = status.nextRefreshAt === null ? '' : `  ·  next refresh ~${clockTime(status.nextRefreshAt)}`;
  setText('refreshed', status.refreshedAt === null ? '—' : `${clockTime(status.refreshedAt)}${next}`);
  (el<HTMLButtonElement>('refresh-now')).disabled = refreshing || phase === 'refreshing';
  setText('plan', status.plan ?? '—');
  setText('sku', status.sku ? `(${status.sku})` : '');
  setText('api-base', status.apiBaseUrl ?? '—');
  setText('enterprise', status.enterprise ?? '—');

  // The plan's unit: AI credits for token-billed plans, premium requests for the others (ui.md).
  const usage = status.usage;
  const credits = usage.billingUnit === 'credits' ? usage.credits : null;
  show('quota-block', credits !== null || status.quota !== null);
  if (credits) {
    setText('quota-label', 'Credits');
    setText('quota', creditsLabel(credits, usage.budget));
    const fraction = creditsFraction(credits, usage.budget);
    show('quota-track', fraction !== null);
    // The bar shows what is used here; it turns red near the end, not near empty.
    if (fraction !== null) setBar('quota-bar', fraction, -1);
    el('quota-bar').classList.toggle('danger', fraction !== null && fraction >= 0.8);
    setText('quota-reset', credits.resetsAt ? `resets ${shortDate(credits.resetsAt)}` : `since ${shortDate(credits.periodStart)}`);
  } else if (status.quota) {
    setText('quota-label', 'Premium');
    show('quota-track', true);
    el('quota-bar').classList.remove('danger');
    setText('quota', quotaLabel(status.quota));
    setBar('quota-bar', status.quota.unlimited ? 1 : (status.quota.percentRemaining ?? 0) / 100);
    setText('quota-reset', status.quota.resetsAt ? `resets ${shortDate(status.quota.resetsAt)}` : '');
  }
  // Copilot refuses requests until a reset: said here too, with the way to the details.
  show('limit-block', usage.rateLimited !== null && signedIn);
  if (usage.rateLimited) setText('limit-line', usage.rateLimited.line);

  const error = status.lastError;
  show('error-block', error !== null);
  if (error) {
    setText('last-error', error.message);
    setText('last-error-fix', error.fix ?? '');
    const fix = el<HTMLButtonElement>('error-fix');
    const signInFix = status.login === null || error.kind === 'token-revoked' || error.kind === 'not-signed-in';
    // The signed-out panel already offers the sign-in button.
    fix.hidden = signedOutPanel || (!signedIn && !signInFix);
    fix.textContent = signInFix ? 'Sign in again' : 'Retry now';
    fix.dataset.action = signInFix ? 'sign-in' : 'refresh';
  }
  renderCountdown();
}

function renderSettings(settings: WindowSettings): void {
  const port = el<HTMLInputElement>('port');
  if (document.activeElement !== port) port.value = String(settings.port);
  port.removeAttribute('aria-invalid');
  el<HTMLInputElement>('api-key-enabled').checked = settings.apiKeyEnabled;
  (el<HTMLButtonElement>('copy-api-key')).disabled = !settings.apiKeyEnabled;
  const login = el<HTMLInputElement>('start-at-login');
  login.checked = settings.startAtLogin;
  login.disabled = !settings.startAtLoginAvailable;
  login.title = settings.startAtLoginAvailable ? '' : 'Available in the installed app';
}

async function refreshNow(): Promise<void> {
  const button = el<HTMLButtonElement>('refresh-now');
  refreshing = true;
  button.disabled = true;
  setText('refresh-result', 'Refreshing…');
  try {
    const result = await relay.refreshNow();
    const status = await relay.getStatus();
    render(status);
    // A failure that became the status's last error is shown once, in the Last error row.
    const failure = status.lastError && result.message?.startsWith(status.lastError.message) ? 'Refresh failed (see Last error).' : result.message ?? 'Refresh failed.';
    setText('refresh-result', result.ok
      ? status.expiresAt === null ? 'Refreshed.' : `New token, expires ${clockTime(status.expiresAt)}`
      : failure);
    el('refresh-result').className = result.ok ? 'muted' : 'error-text';
  } finally {
    refreshing = false;
    button.disabled = current?.phase === 'refreshing';
  }
}

async function signIn(): Promise<void> {
  show('sign-in-error', false);
  const result = await relay.signIn();
  if (!result.ok && result.message) {
    setText('sign-in-error', result.message);
    show('sign-in-error', true);
  }
}

async function applySettings(patch: Parameters<RelayApi['setSettings']>[0], done: string): Promise<void> {
  try {
    renderSettings(await relay.setSettings(patch));
    setText('settings-message', done);
  } catch {
    setText('settings-message', 'That setting could not be saved.');
  }
}

async function copy(action: () => Promise<{ ok: boolean; message?: string }>, what: string, target: string): Promise<void> {
  const result = await action();
  setText(target, result.ok ? `${what} copied.` : result.message ?? `Could not copy the ${what.toLowerCase()}.`);
}

function on(id: string, event: string, handler: () => unknown): void {
  el(id).addEventListener(event, () => void handler());
}

on('sign-in', 'click', signIn);
on('copy-code', 'click', () => copy(relay.copyUserCode, 'Code', 'code-result'));
on('open-verification', 'click', () => relay.openVerificationUri());
on('cancel-sign-in', 'click', () => relay.cancelSignIn());
on('copy-url', 'click', () => copy(relay.copyUrl, 'URL', 'refresh-result'));
on('refresh-now', 'click', refreshNow);
on('error-fix', 'click', () => (el('error-fix').dataset.action === 'sign-in' ? signIn() : refreshNow()));
on('copy-api-key', 'click', () => copy(relay.copyApiKey, 'API key', 'settings-message'));
on('api-key-enabled', 'change', () => {
  const on = el<HTMLInputElement>('api-key-enabled').checked;
  return applySettings({ apiKeyEnabled: on }, on ? 'API key required; proxy restarted.' : 'API key off; proxy restarted.');
});
on('start-at-login', 'change', () => applySettings({ startAtLogin: el<HTMLInputElement>('start-at-login').checked }, 'Saved.'));
on('port', 'change', () => {
  const input = el<HTMLInputElement>('port');
  const port = parsePort(input.value);
  if (port === null) {
    input.setAttribute('aria-invalid', 'true');
    setText('settings-message', 'The port must be a whole number from 1 to 65535.');
    return;
  }
  return applySettings({ port }, `Proxy restarted on port ${port}.`);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') void relay.hideWindow();
});

// Status | Activity: a segmented control; the tray's "Activity…" switches through onShowView.
const activity = initActivity(relay);
function showView(view: WindowView): void {
  document.body.dataset.view = view;
  for (const [id, name] of [['tab-status', 'status'], ['tab-activity', 'activity']] as const) {
    el(id).setAttribute('aria-selected', String(view === name));
    el(id).tabIndex = view === name ? 0 : -1;
  }
  show('view-activity', view === 'activity');
  show('activity-range', view === 'activity');
  if (view === 'activity') activity.show();
  else activity.hide();
}
/** A switch the user made (or the tray asked for): main remembers it for the next time the window opens. */
function chooseView(view: WindowView): void {
  showView(view);
  void relay.setLastView(view);
}
on('tab-status', 'click', () => chooseView('status'));
on('limit-activity', 'click', () => chooseView('activity'));
on('tab-activity', 'click', () => chooseView('activity'));
el('tab-status').parentElement!.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
  const next = document.body.dataset.view === 'activity' ? 'status' : 'activity';
  chooseView(next);
  el(`tab-${next}`).focus();
});
relay.onShowView(chooseView);
showView('status');
void relay.getLastView().then(showView);

relay.onStatus(render);
void relay.getStatus().then(render);
void relay.getSettings().then(renderSettings);
// The only timer: the countdown, recomputed from the expiry time (right at once after sleep).
setInterval(renderCountdown, 1000);
