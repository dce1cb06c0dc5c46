import { RelayError } from '../errors.js';
import type { Refusal } from './observer.js';
import { resetPhrase } from './reset-time.js';

/**
 * The local AI-credit budget (opt-in): a daily or monthly limit from the window's setting or
 * `COPILOT_RELAY_BUDGET=500/month`. At 80 % one warning per period (a desktop notification); at
 * 100 % generation requests are refused with 429 `budget_exceeded` (`x-should-retry: false`)
 * until the period resets or the budget is raised. Periods follow the local calendar.
 */
export type BudgetPeriod = 'day' | 'month';

export interface BudgetSetting {
  limitCredits: number;
  period: BudgetPeriod;
}

export interface BudgetState extends BudgetSetting {
  usedCredits: number;
  /** Epoch ms: start of this period and of the next (the reset). */
  startsAt: number;
  resetsAt: number;
}

export const WARN_AT = 0.8;
/** The ledger is re-read this often (another relay process may share it). */
const RESYNC_MS = 60_000;

/** "500/month", "50/day", "12.5 / d" → the setting. Throws a config error for anything else. */
export function parseBudget(text: string): BudgetSetting {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:credits?)?\s*\/\s*(day|d|daily|month|mo|m|monthly)\s*$/i.exec(text);
  const limit = match ? Number(match[1]) : Number.NaN;
  if (!match || !(limit > 0)) {
    throw new RelayError('config', `Invalid budget "${text}".`, { fix: 'Use AI credits per day or month, e.g. COPILOT_RELAY_BUDGET=50/day or 500/month.' });
  }
  return { limitCredits: limit, period: match[2]!.toLowerCase().startsWith('d') ? 'day' : 'month' };
}

/** `COPILOT_RELAY_BUDGET` wins over the saved setting; empty means none. */
export function resolveBudget(env: NodeJS.ProcessEnv, setting: { budgetCredits: number | null; budgetPeriod: BudgetPeriod }): BudgetSetting | null {
  const fromEnv = env.COPILOT_RELAY_BUDGET?.trim();
  if (fromEnv) return parseBudget(fromEnv);
  return setting.budgetCredits !== null && setting.budgetCredits > 0 ? { limitCredits: setting.budgetCredits, period: setting.budgetPeriod } : null;
}

/** The local-time period containing `now`. */
export function periodBounds(period: BudgetPeriod, now: number): { startsAt: number; resetsAt: number } {
  const d = new Date(now);
  if (period === 'day') {
    return { startsAt: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(), resetsAt: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() };
  }
  return { startsAt: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), resetsAt: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime() };
}

/** 500, 12.4, 0.0001: cents for ordinary amounts, two significant digits below a cent (never "0" for a tiny budget). */
const format = (credits: number) => (credits > 0 && credits < 0.01 ? Number(credits.toPrecision(2)) : Math.round(credits * 100) / 100).toString();

export interface BudgetOptions {
  /** AI credits recorded since this epoch ms (the ledger, flushed and queued). */
  spentSince: (sinceMs: number) => number;
  /** Remembers which warning was shown, across restarts (the ledger's meta table). */
  warned?: { get(): string | null; set(key: string): void };
  now?: () => number;
}

export class Budget {
  private setting: BudgetSetting | null = null;
  private used = 0;
  private bounds: { startsAt: number; resetsAt: number } | null = null;
  private syncedAt = 0;
  private readonly now: () => number;
  private readonly warningListeners = new Set<(state: BudgetState) => void>();
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly options: BudgetOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Applies at once (no restart): a raised budget re-admits requests, a new period starts from the ledger. */
  configure(setting: BudgetSetting | null): void {
    this.setting = setting;
    this.bounds = null;
    this.sync();
    this.maybeWarn();
    for (const listener of this.changeListeners) listener();
  }

  /** The 80 % warning, once per period. A warning due before anyone listened goes to the first listener. */
  onWarning(listener: (state: BudgetState) => void): () => void {
    this.warningListeners.add(listener);
    this.maybeWarn();
    return () => this.warningListeners.delete(listener);
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Re-reads the period's spend from the ledger when the period changed or a minute passed; true when it did. */
  private sync(): boolean {
    if (!this.setting) return false;
    const now = this.now();
    if (this.bounds && now < this.bounds.resetsAt && now - this.syncedAt < RESYNC_MS) return false;
    this.bounds = periodBounds(this.setting.period, now);
    this.used = this.options.spentSince(this.bounds.startsAt);
    this.syncedAt = now;
    return true;
  }

  /** A finished request's credits, called after its row was queued in the ledger (so a re-read already counts it). */
  add(credits: number | null, at: number): void {
    if (!this.setting || credits === null || credits <= 0) return;
    if (!this.sync() && at >= this.bounds!.startsAt) this.used += credits;
    this.maybeWarn();
    for (const listener of this.changeListeners) listener();
  }

  state(): BudgetState | null {
    if (!this.setting) return null;
    this.sync();
    return { ...this.setting, usedCredits: this.used, ...this.bounds! };
  }

  private maybeWarn(): void {
    // Nobody to tell (yet): not marked as shown, so the first listener still gets it.
    if (this.warningListeners.size === 0) return;
    const state = this.state();
    if (!state || state.usedCredits < state.limitCredits * WARN_AT) return;
    const key = `${state.period}:${state.startsAt}:${state.limitCredits}`;
    if (this.options.warned?.get() === key) return;
    this.options.warned?.set(key);
    for (const listener of this.warningListeners) listener(state);
  }

  /** Before a generation request goes upstream. */
  admit(): Refusal | null {
    const state = this.state();
    if (!state || state.usedCredits < state.limitCredits) return null;
    const now = this.now();
    const per = state.period === 'day' ? 'day' : 'month';
    return {
      status: 429,
      code: 'budget_exceeded',
      message: `Your Copilot Relay budget of ${format(state.limitCredits)} AI credits per ${per} is used up (${format(state.usedCredits)} spent); ${resetPhrase(state.resetsAt, now)}. Raise it in the Copilot Relay window or with COPILOT_RELAY_BUDGET.`,
      retryAfterSec: Math.max(1, Math.ceil((state.resetsAt - now) / 1000)),
      shouldRetry: false,
    };
  }
}
