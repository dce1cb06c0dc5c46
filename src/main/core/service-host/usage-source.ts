import type { BudgetInput } from '../../../shared/ipc.js';
import type { ActivityRange, ActivityRow, ActivitySnapshot, BudgetSaved } from '../../../shared/usage.js';
import type { ServiceClient } from './client.js';

/**
 * The window's Activity data as main reaches it: the service process's usage ledger, limits and
 * budget over the message contract (each answer validated by the client). The shape of
 * `UsageSource` (electron/usage-actions.ts).
 */
export function serviceUsageSource(client: Pick<ServiceClient, 'request' | 'onActivity'>) {
  return {
    activity: (range: ActivityRange): Promise<ActivitySnapshot> => client.request('getActivity', { range }),
    setBudget: (budget: BudgetInput): Promise<BudgetSaved> => client.request('setBudget', { limitCredits: budget.limitCredits, period: budget.period }),
    onRecord: (listener: (row: ActivityRow) => void): (() => void) => client.onActivity(listener),
  };
}
