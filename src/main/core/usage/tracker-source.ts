import type { ActivityRange, ActivityRow, ActivitySnapshot, BillingUnit } from '../../../shared/usage.js';
import type { BudgetSetting } from './budget.js';
import type { UsageTracker } from './tracker.js';
import { activityRow } from './views.js';

/**
 * The Activity view's source over a running UsageTracker (the shape `UsageSource` in
 * electron/usage-actions.ts asks for), so main — or the service's message contract — can hand the
 * window one object. `saveBudget` persists the window's budget setting; the tracker applies it at once.
 */
export function trackerSource(tracker: UsageTracker, options: { unit: () => BillingUnit | null; proxyUrl: () => string | null; saveBudget: (budget: BudgetSetting | null) => void }) {
  return {
    activity: (range: ActivityRange): ActivitySnapshot => tracker.activity({ range, unit: options.unit(), proxyUrl: options.proxyUrl() }),
    setBudget(budget: { limitCredits: number | null; period: 'day' | 'month' }): void {
      const setting = budget.limitCredits === null ? null : { limitCredits: budget.limitCredits, period: budget.period };
      options.saveBudget(setting);
      tracker.budget.configure(setting);
    },
    onRecord: (listener: (row: ActivityRow) => void): (() => void) => tracker.onRecord((row) => listener(activityRow(row))),
  };
}
