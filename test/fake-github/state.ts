import { setMaxListeners } from 'node:events';
import type { FakeAccountInit, FakeCounters, FakeKnobs, RecordedRequest } from './types.js';
import { defaultKnobs, zeroCounters } from './types.js';

export interface Account {
  login: string;
  id: number;
  sku: string;
  copilot: boolean;
  app: 'copilot' | 'oauth-direct';
  githubToken: string;
  revoked: boolean;
}

export interface Session {
  token: string;
  login: string;
  /** Real-clock expiry of the session token (skew only affects what the envelope says). */
  expiresAtMs: number;
  revoked: boolean;
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  expiresAtMs: number;
  interval: number;
  lastPollAt: number | null;
  polls: number;
  state: 'pending' | 'denied' | 'expired' | 'redeemed';
  approvedLogin: string | null;
}

/** Everything the routes share: knobs, counters, the record and the fake "database". */
export class FakeState {
  url = '';
  readonly knobs: FakeKnobs = defaultKnobs();
  readonly counters: FakeCounters = zeroCounters();
  readonly requests: RecordedRequest[] = [];
  readonly accounts = new Map<string, Account>(); // by GitHub token
  readonly sessions = new Map<string, Session>(); // by session token
  readonly deviceCodes = new Map<string, DeviceCode>(); // by device_code
  lastDeviceCode: DeviceCode | null = null;
  /** Model policies accepted with `POST /models/{id}/policy` (by model id). */
  readonly modelPolicies = new Map<string, string>();
  /** Aborted by close(): every pending wait ends so nothing keeps the process alive. */
  /** Aborted by close(). Every in-flight answer listens to it, so it has no listener limit (no
   * MaxListenersExceededWarning with more than 10 concurrent requests). */
  readonly closing = unlimitedAbortController();
  private tokenCounter = 0;
  private idCounter = 1000;

  get capiUrl(): string {
    return `${this.url}/capi`;
  }

  addAccount(init: FakeAccountInit): Account {
    const app = init.app ?? 'copilot';
    // Obviously fake, but shaped like real tokens so the relay's redaction patterns catch them.
    const n = String(this.tokenCounter++).padStart(4, '0');
    const loginPart = init.login.replace(/[^A-Za-z0-9]/g, '');
    const githubToken = init.githubToken ?? `${app === 'oauth-direct' ? 'gho' : 'ghu'}_FAKE${n}${loginPart}`;
    const account: Account = {
      login: init.login,
      id: this.idCounter++,
      sku: init.sku ?? 'monthly_subscriber',
      copilot: init.copilot ?? true,
      app,
      githubToken,
      revoked: false,
    };
    this.accounts.set(githubToken, account);
    return account;
  }

  /** A live (not revoked) account for this GitHub token. */
  accountByToken(token: string | null): Account | null {
    if (!token) return null;
    const account = this.accounts.get(token);
    return account && !account.revoked ? account : null;
  }

  accountByLogin(login: string): Account | null {
    for (const account of this.accounts.values()) if (account.login === login && !account.revoked) return account;
    return null;
  }

  /** Knob values given to startFakeUpstream, restored by reset(). */
  startKnobs: Partial<FakeKnobs> = {};

  resetCountersAndRecord(): void {
    const openSockets = this.counters.openSockets; // live, not a tally
    Object.assign(this.counters, zeroCounters(), { openSockets });
    this.requests.length = 0; // same array: callers may hold fake.requests
    this.modelPolicies.clear();
    Object.assign(this.knobs, defaultKnobs(), this.startKnobs);
  }
}

function unlimitedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
