// Pure formatting for the Activity view (tested in Node; the page uses the same functions).

/** "12.4", "0.21", "0.004", "0": enough digits to tell small requests apart, no more. */
export function formatCredits(credits: number | null): string {
  if (credits === null) return '—';
  if (credits === 0) return '0';
  const abs = Math.abs(credits);
  if (abs >= 100) return credits.toFixed(0);
  if (abs >= 10) return credits.toFixed(1);
  if (abs >= 0.01) return credits.toFixed(2);
  return credits.toFixed(3);
}

/** The status view's plan line for token-billed plans: "184.2 used · budget 500/month" (ui.md). */
export function creditsLabel(credits: { usedLocally: number; usedOnGitHub: number | null; entitlement: number | null }, budget: { limitCredits: number; period: 'day' | 'month' } | null): string {
  // GitHub's own count covers every client of the account, not only this relay: shown when it has one.
  const used = credits.usedOnGitHub ?? credits.usedLocally;
  const of = credits.entitlement === null ? '' : ` of ${formatCredits(credits.entitlement)}`;
  return `${formatCredits(used)}${of} used${budget ? ` · budget ${budgetLabel(budget)}` : ''}`;
}

/** The bar under it: the budget when there is one, else GitHub's entitlement; null → no bar. */
export function creditsFraction(credits: { usedLocally: number; usedOnGitHub: number | null; entitlement: number | null }, budget: { limitCredits: number; usedCredits: number } | null): number | null {
  if (budget) return budget.usedCredits / budget.limitCredits;
  return credits.entitlement ? (credits.usedOnGitHub ?? credits.usedLocally) / credits.entitlement : null;
}

/** "1.8 s", "640 ms". */
export function formatLatency(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "14:02:11" (24-hour, the list's time column). */
export function timeOfDay(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "16:40" today, "Tue 14:00" this week, "1 Dec" later; "" when unknown. */
export function resetLabel(iso: string | null, now: number, locale?: string): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const time = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  if (at.toDateString() === today.toDateString()) return time;
  if (at.getTime() - now < 6 * 86_400_000) return `${DAYS[at.getDay()]} ${time}`;
  return at.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}

/** 0..1 of `value` against the largest value in the chart. */
export function barFraction(value: number, max: number): number {
  return max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
}

/** "1,234". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "1 request", "2,001 requests". */
export function counted(n: number, noun: string): string {
  return `${count(n)} ${Math.round(n) === 1 ? noun : `${noun}s`}`;
}

/** "50/day", "500/month", "0.004/day" (a budget under a cent keeps its digits). */
export function budgetLabel(budget: { limitCredits: number; period: 'day' | 'month' }): string {
  const limit = budget.limitCredits < 0.01 ? formatCredits(budget.limitCredits) : String(Math.round(budget.limitCredits * 100) / 100);
  return `${limit}/${budget.period}`;
}

/** The heading of the selected range. */
export function rangeLabel(range: 'today' | 'week' | 'month'): string {
  return range === 'today' ? 'Today' : range === 'week' ? 'Last 7 days' : 'This month';
}

/** Parses the budget field: a positive number, empty → null (no budget), anything else → undefined (invalid). */
export function parseBudgetField(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value > 0 && value <= 10_000_000 ? value : undefined;
}
