import type { ActivityRange, ActivityRow, ActivitySnapshot, BillingUnit, BudgetSaved } from '../../../shared/usage.js';
import type { BudgetSetting } from './budget.js';
import type { UsageTracker } from './tracker.js';
import { activityRow } from './views.js';

export interface TrackerSourceOptions {
  unit: () => BillingUnit | null;
  proxyUrl: () => string | null;
  /** Persists the window's budget setting (config.json in the service). */
  saveBudget: (budget: BudgetSetting | null) => void;
  /** The environment's budget that wins over the saved one (`COPILOT_RELAY_BUDGET=…`), or null. */
  overriddenBy?: () => string | null;
}

/**
 * The Activity view's source over a running UsageTracker (the shape `UsageSource` in
 * electron/usage-actions.ts asks for), so main — or the service's message contract — can hand the
 * window one object. `setBudget` persists the window's budget and applies it at once, unless the
 * environment's budget wins (then the saved one applies once that is removed).
 */
export function trackerSource(tracker: UsageTracker, options: TrackerSourceOptions) {
  return {
    activity: (range: ActivityRange): Promise<ActivitySnapshot> => tracker.activity({ range, unit: options.unit(), proxyUrl: options.proxyUrl() }),
    setBudget(budget: { limitCredits: number | null; period: 'day' | 'month' }): BudgetSaved {
      const setting = budget.limitCredits === null ? null : { limitCredits: budget.limitCredits, period: budget.period };
      options.saveBudget(setting);
      const overriddenBy = options.overriddenBy?.() ?? null;
      if (overriddenBy === null) tracker.budget.configure(setting);
      return { overriddenBy };
    },
    onRecord: (listener: (row: ActivityRow) => void): (() => void) => tracker.onRecord((row) => listener(activityRow(row))),
  };
}
