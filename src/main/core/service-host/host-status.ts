import type { RelayStatus, StatusError } from '../../../shared/status.js';
import { noUsageStatus } from '../../../shared/usage.js';

/** What the tray shows before the service's first status arrives. */
export function initialStatus(): RelayStatus {
  return {
    phase: 'signed-out',
    login: null,
    sku: null,
    plan: null,
    mode: null,
    expiresAt: null,
    refreshedAt: null,
    nextRefreshAt: null,
    apiBaseUrl: null,
    enterprise: null,
    quota: null,
    usage: noUsageStatus(),
    lastError: null,
    signIn: null,
    proxy: { url: null, running: false, apiKeyRequired: false },
    service: { state: 'starting', restarts: 0, lastExit: null },
  };
}

/**
 * The last known status while the service is not running: the account stays as it was (it is
 * still stored), nothing is served, and the error says why and what happens next.
 */
export function statusWhileDown(last: RelayStatus, error: StatusError): RelayStatus {
  return { ...last, phase: 'error', signIn: null, lastError: error, proxy: { url: null, running: false, apiKeyRequired: false } };
}
