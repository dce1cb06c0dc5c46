import type { UsageStatusFields } from './usage.js';

/**
 * The status every shell renders (tray, window, CLI `status`, `/health`). Built in main from the
 * core's state; it holds no secret — no GitHub token, no session token, not even a prefix.
 */
export type RelayPhase = 'signed-out' | 'signing-in' | 'ready' | 'refreshing' | 'error';

export interface QuotaSnapshot {
  /** Premium requests (or chat, on Free). */
  entitlement: number | null;
  remaining: number | null;
  unlimited: boolean;
  percentRemaining: number | null;
  /** ISO date of the next reset, if known. */
  resetsAt: string | null;
}

export interface StatusError {
  /** A RelayErrorKind from the core. */
  kind: string;
  /** Plain words, no stack, no token. */
  message: string;
  /** What the user can do ("Sign in again"). */
  fix: string | null;
  /** Epoch ms. */
  at: number;
}

export interface SignInPrompt {
  userCode: string;
  verificationUri: string;
  /** Epoch ms when the code stops working. */
  expiresAt: number;
}

/**
 * The relay service's process as the desktop app's main process sees it (the CLI's `serve` runs the
 * service in its own process: always 'running', no restarts).
 */
export interface ServiceState {
  /** 'restarting': it exited unexpectedly and a restart is scheduled; 'failed': it could not start (a dialog says why). */
  state: 'starting' | 'running' | 'restarting' | 'failed';
  /** Unexpected exits restarted since the app started. */
  restarts: number;
  /** Why it last stopped unexpectedly ("exit code 1", "killed by SIGKILL"), or null. */
  lastExit: string | null;
}

export interface RelayStatus {
  phase: RelayPhase;
  login: string | null;
  /** Raw SKU as GitHub reports it (`monthly_subscriber`). */
  sku: string | null;
  /** Plan by name: "Copilot Free", "Copilot Pro", "Copilot Pro+", "Copilot Business", "Copilot Enterprise". */
  plan: string | null;
  mode: 'exchange' | 'direct' | null;
  /** Session token expiry, epoch ms (null in direct mode or when there is none). */
  expiresAt: number | null;
  refreshedAt: number | null;
  nextRefreshAt: number | null;
  apiBaseUrl: string | null;
  /** GHE.com tenant host, or null for github.com. */
  enterprise: string | null;
  /** Premium requests (request-billed plans; GitHub's snapshot). */
  quota: QuotaSnapshot | null;
  /** The plan's unit and AI credits this period, Copilot's rate limits as last seen, the local budget (issue #16). */
  usage: UsageStatusFields;
  lastError: StatusError | null;
  signIn: SignInPrompt | null;
  proxy: {
    /** e.g. http://127.0.0.1:4141/v1 */
    url: string | null;
    running: boolean;
    apiKeyRequired: boolean;
  };
  service: ServiceState;
}
