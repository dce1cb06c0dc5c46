import type { RelayStatus } from '../../src/shared/status.js';
import { initialStatus } from '../../src/main/core/service-host/host-status.js';

/** Status view models for tests (main unit tests and the renderer e2e fake bridge). No secrets. */
export const T0 = Date.UTC(2026, 10, 23, 14, 8, 0);

export function signedOutStatus(): RelayStatus {
  // The tray's own starting status, with the service already running.
  return { ...initialStatus(), service: { state: 'running', restarts: 0, lastExit: null } };
}

export function signingInStatus(): RelayStatus {
  return {
    ...signedOutStatus(),
    phase: 'signing-in',
    signIn: { userCode: 'WDJB-MJHT', verificationUri: 'https://github.com/login/device', expiresAt: T0 + 15 * 60_000 },
  };
}

export function readyStatus(overrides: Partial<RelayStatus> = {}): RelayStatus {
  return {
    ...signedOutStatus(),
    phase: 'ready',
    login: 'octocat',
    sku: 'monthly_subscriber',
    plan: 'Copilot Pro',
    mode: 'exchange',
    expiresAt: T0 + 24 * 60_000 + 30_000,
    refreshedAt: T0 - 60_000,
    nextRefreshAt: T0 + 22 * 60_000,
    apiBaseUrl: 'https://api.individual.githubcopilot.com',
    quota: { entitlement: 300, remaining: 212, unlimited: false, percentRemaining: 70.7, resetsAt: '2026-12-01T00:00:00Z' },
    proxy: { url: 'http://127.0.0.1:4141/v1', running: true, apiKeyRequired: false },
    ...overrides,
  };
}

export function errorStatus(kind: string, message: string, fix: string | null = null, overrides: Partial<RelayStatus> = {}): RelayStatus {
  return readyStatus({ phase: 'error', lastError: { kind, message, fix, at: T0 }, ...overrides });
}
