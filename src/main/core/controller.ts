import type { RelayStatus } from '../../shared/status.js';

/**
 * What the shells (tray, window, CLI) drive: the whole app behind one Electron-free facade.
 * Implemented by `Relay` in ./relay.ts, which composes the credential store, token manager and proxy.
 */
export interface RelayController {
  /** Current status; cheap, no I/O, never contains a secret. */
  status(): RelayStatus;
  /** Called on every status change (phase, expiry, error, sign-in code, proxy). Returns unsubscribe. */
  onStatus(listener: (status: RelayStatus) => void): () => void;

  /** Starts the device flow; the status carries the user code until it ends. Resolves when signed in. */
  signIn(options?: { enterprise?: string | null }): Promise<void>;
  /** Cancels a running sign-in (its promise rejects with kind `cancelled`). */
  cancelSignIn(): void;
  /** Deletes the stored GitHub token and every cached session token; stops using the proxy's token. */
  signOut(): Promise<void>;
  /** Forces a new token exchange now (the "Refresh now" button). */
  refreshNow(): Promise<void>;
  /** Re-checks the token against the wall clock (wake from sleep, unlock, clock jump). */
  checkNow(): void;

  /** Starts (or restarts, e.g. after a port change) the local proxy. */
  startProxy(options?: { port?: number; host?: string }): Promise<{ url: string }>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes. */
  stopProxy(): Promise<void>;
  /** The proxy's API key when one is required (for "Copy API key"), else null. Never put it in a log. */
  apiKey(): string | null;

  /** Stops timers and the proxy. */
  close(): Promise<void>;
}
