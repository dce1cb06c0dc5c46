// Pure formatting for the status window (tested in Node; the page uses the same functions).

/** "14:32" in the user's locale. */
export function clockTime(epochMs: number, locale?: string): string {
  return new Date(epochMs).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** "1 Dec". */
export function shortDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}

/** "in 24 min 05 s", "in 1 h 02 min", "expired". Computed from the expiry, never from a tick count. */
export function countdown(expiresAt: number, now: number): string {
  const ms = expiresAt - now;
  if (ms <= 0) return 'expired';
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `in ${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `in ${m} min ${String(s).padStart(2, '0')} s`;
  return `in ${s} s`;
}

/** Fraction of the token's lifetime left, 0..1. */
export function lifetimeLeft(receivedAt: number | null, expiresAt: number, now: number): number {
  const start = receivedAt ?? now;
  const span = expiresAt - start;
  if (span <= 0) return 0;
  return Math.min(1, Math.max(0, (expiresAt - now) / span));
}

export function phaseLabel(phase: string): string {
  switch (phase) {
    case 'signed-out':
      return 'Not signed in';
    case 'signing-in':
      return 'Signing in';
    case 'ready':
      return 'Ready';
    case 'refreshing':
      return 'Refreshing token';
    case 'error':
      return 'Needs attention';
    default:
      return phase;
  }
}

export function modeLabel(mode: 'exchange' | 'direct' | null): string {
  if (mode === 'exchange') return 'token exchange';
  if (mode === 'direct') return 'direct';
  return '—';
}

/** "212 / 300 left", "unlimited". */
export function quotaLabel(quota: { entitlement: number | null; remaining: number | null; unlimited: boolean }): string {
  if (quota.unlimited) return 'unlimited requests';
  if (quota.remaining === null) return '—';
  return quota.entitlement === null ? `${quota.remaining} requests left` : `${quota.remaining} / ${quota.entitlement} requests left`;
}

/** A displayable URL: the scheme and trailing slash dropped. */
export function displayUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

/** Port field: an integer 1–65535, else null. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const port = Number(text.trim());
  return port >= 1 && port <= 65535 ? port : null;
}
