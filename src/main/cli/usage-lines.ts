import { limitLabel } from '../core/usage/limits.js';
import { resetClock } from '../core/usage/reset-time.js';

/** The limits and budget lines `usage` and `status` print (one wording for both commands). */

/** 184.2, 0.35, 0.0042: AI credits as the CLI prints them. */
export function formatCredits(n: number): string {
  return n === 0 ? '0' : n < 0.01 ? n.toFixed(4) : n.toFixed(2);
}

/** "weekly limit 62 % used, resets Tue 14:00 · 5-hour limit reached, resets 16:40", or "none seen yet". */
export function limitsLine(limits: { name: string; usedPercent: number | null; resetsAt: string | null; reached?: boolean }[], now: number): string {
  if (limits.length === 0) return 'none seen yet';
  return limits
    .map((l) => {
      const reset = l.resetsAt ? `, resets ${resetClock(Date.parse(l.resetsAt), now)}` : '';
      const used = l.reached ? 'reached' : `${l.usedPercent === null ? '?' : `${Math.round(l.usedPercent)} %`} used`;
      return `${limitLabel(l.name)} ${used}${reset}`;
    })
    .join(' · ');
}

/** "12.40 / 50 AI credits this day", or how to set one. */
export function budgetLine(budget: { period: 'day' | 'month'; limitCredits: number; usedCredits: number } | null): string {
  if (!budget) return 'none (set COPILOT_RELAY_BUDGET=500/month or one in the window)';
  const over = budget.usedCredits >= budget.limitCredits ? ' (used up: requests are refused until it resets)' : '';
  return `${formatCredits(budget.usedCredits)} / ${formatCredits(budget.limitCredits)} AI credits this ${budget.period}${over}`;
}
