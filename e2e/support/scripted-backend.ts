import type { RelayBackend } from '../../src/main/core/service-host/client.js';
import type { ServiceSettings } from '../../src/main/core/service-host/contract.js';
import type { RelayStatus } from '../../src/shared/status.js';
import { signedOutStatus } from './status-fixtures.js';

/**
 * An in-test relay service with the real one's observable behaviour (phases, sign-in prompt,
 * refresh giving a later expiry, revocation → error, a port change restarting the proxy), driven by
 * the test. The renderer e2e's scripted counterpart of the ServiceClient.
 */
export class ScriptedBackend implements RelayBackend {
  private current: RelayStatus = signedOutStatus();
  private listeners = new Set<(s: RelayStatus) => void>();
  private pendingSignIn: { resolve: (value: { login: string }) => void; reject: (e: Error) => void } | null = null;
  private revoked = false;
  private settings: ServiceSettings = { port: 4141, apiKeyEnabled: false };
  readonly calls: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  status(): RelayStatus {
    return this.current;
  }
  onStatus(listener: (s: RelayStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private emit(patch: Partial<RelayStatus>): void {
    this.current = { ...this.current, ...patch };
    for (const l of this.listeners) l(this.current);
  }

  signIn(): Promise<{ login: string }> {
    this.calls.push('signIn');
    this.emit({ phase: 'signing-in', lastError: null, signIn: { userCode: 'WDJB-MJHT', verificationUri: 'https://github.com/login/device', expiresAt: this.now() + 900_000 } });
    return new Promise((resolve, reject) => (this.pendingSignIn = { resolve, reject }));
  }
  /** The user approved on github.com: signed in, first exchange done, the proxy serving. */
  approve(): void {
    const now = this.now();
    this.revoked = false;
    this.emit({
      phase: 'ready', signIn: null, login: 'octocat', sku: 'monthly_subscriber', plan: 'Copilot Pro', mode: 'exchange',
      expiresAt: now + 25 * 60_000, refreshedAt: now, nextRefreshAt: now + 23 * 60_000,
      apiBaseUrl: 'https://api.individual.githubcopilot.com', enterprise: null,
      quota: { entitlement: 300, remaining: 212, unlimited: false, percentRemaining: 70.7, resetsAt: '2026-12-01T00:00:00Z' },
      proxy: { url: `http://127.0.0.1:${this.settings.port}/v1`, running: true, apiKeyRequired: this.settings.apiKeyEnabled },
    });
    this.pendingSignIn?.resolve({ login: 'octocat' });
    this.pendingSignIn = null;
  }
  async cancelSignIn(): Promise<void> {
    this.calls.push('cancelSignIn');
    this.emit({ phase: 'signed-out', signIn: null });
    this.pendingSignIn?.reject(Object.assign(new Error('Sign-in cancelled.'), { kind: 'cancelled' }));
    this.pendingSignIn = null;
  }
  async signOut(): Promise<void> {
    this.calls.push('signOut');
    this.current = signedOutStatus();
    this.emit({});
  }
  /** The fake upstream revoked the GitHub token: the next exchange fails with 401. */
  revoke(): void {
    this.revoked = true;
  }
  async refreshNow(): Promise<void> {
    this.calls.push('refreshNow');
    this.emit({ phase: 'refreshing' });
    await new Promise((r) => setTimeout(r, 150));
    if (this.revoked) {
      const error = { kind: 'token-revoked', message: 'GitHub no longer accepts the saved sign-in.', fix: 'Sign in again.', at: this.now() };
      this.emit({ phase: 'error', lastError: error, expiresAt: null, nextRefreshAt: null });
      throw Object.assign(new Error(error.message), { fix: error.fix });
    }
    const now = this.now();
    this.emit({ phase: 'ready', expiresAt: now + 30 * 60_000, refreshedAt: now, nextRefreshAt: now + 28 * 60_000, lastError: null });
  }
  /** The service's usage fields changed (a limit reached, credits spent, a budget set). */
  setUsage(usage: RelayStatus['usage']): void {
    this.emit({ usage });
  }
  checkNow(): void {
    this.calls.push('checkNow');
  }
  async getSettings(): Promise<ServiceSettings> {
    return { ...this.settings };
  }
  async setSettings(patch: Partial<ServiceSettings>): Promise<ServiceSettings> {
    this.settings = { ...this.settings, ...patch };
    if (this.current.proxy.running) this.emit({ proxy: { url: `http://127.0.0.1:${this.settings.port}/v1`, running: true, apiKeyRequired: this.settings.apiKeyEnabled } });
    return { ...this.settings };
  }
  async apiKey(): Promise<string | null> {
    return this.settings.apiKeyEnabled ? 'cr-FAKE-scripted-key' : null;
  }
}
