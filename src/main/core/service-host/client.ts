import type { RelayStatus, ServiceState } from '../../../shared/status.js';
import type { ActivityRow } from '../../../shared/usage.js';
import { RelayError } from '../errors.js';
import type { RelayErrorKind } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ContractViolation, checkResult, parseServiceMessage } from './contract.js';
import type { BudgetNotice, RequestMessage, ServiceMethod, ServiceParams, ServiceResult, ServiceSettings, StartupFailure, WireError } from './contract.js';
import { initialStatus, statusWhileDown } from './host-status.js';

/** The service process as the host sees it, whatever started it (utilityProcess, child_process.fork). */
export interface ServiceProcess {
  send(message: RequestMessage): void;
  onMessage(listener: (raw: unknown) => void): void;
  /** Once, when the process has ended: its exit code, or the signal that ended it. */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Asks it to end (SIGTERM on POSIX). */
  kill(): void;
}

export interface ServiceClientOptions {
  /** Starts one service process (injected: Electron's utilityProcess in the app, child_process.fork in tests). */
  spawn: () => ServiceProcess;
  logger: Logger;
  /** Restart delays after unexpected exits: base doubling to cap; reset once a process ran `stableMs`. */
  backoff?: { baseMs?: number; capMs?: number; stableMs?: number };
  /** Requests other than signIn (which waits for the user) fail after this long. */
  requestTimeoutMs?: number;
  /** The service could not start (settings file, CA file): the host shows a dialog. */
  onStartupFailed?: (failure: StartupFailure) => void;
}

/** A wire error back into a RelayError, so the shells show message and fix as for a local one. */
function fromWire(error: WireError): RelayError {
  return new RelayError(error.kind as RelayErrorKind, error.message, { fix: error.fix ?? undefined, desktopFix: error.desktopFix ?? undefined });
}

/** "exit code 1", "killed by SIGKILL": why a process ended, for the tray and the log. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
}

/** What the desktop shell uses of the service (tests and the renderer e2e script it). */
export type RelayBackend = Pick<ServiceClient, 'status' | 'onStatus' | 'signIn' | 'cancelSignIn' | 'signOut' | 'refreshNow' | 'checkNow' | 'getSettings' | 'setSettings' | 'apiKey'>;

interface Pending {
  method: ServiceMethod;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * The host's side of the message contract (Electron main uses it; Electron-free). Starts the
 * service, validates what it says, keeps the last status, and restarts it with bounded backoff
 * when it exits unexpectedly — the status says so (phase error, service.state 'restarting').
 */
export class ServiceClient {
  private proc: ServiceProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(status: RelayStatus) => void>();
  private readonly activityListeners = new Set<(row: ActivityRow) => void>();
  private readonly warningListeners = new Set<(notice: BudgetNotice) => void>();
  private latest: RelayStatus = initialStatus();
  private service: ServiceState = { state: 'starting', restarts: 0, lastExit: null };
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private firstReady: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly options: ServiceClientOptions) {
    let resolve!: () => void;
    this.firstReady = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }

  /** Starts the service; resolves once it is up (ready) or has said why it can't start. */
  start(): Promise<void> {
    this.spawn();
    return this.firstReady.promise;
  }

  status(): RelayStatus {
    return { ...this.latest, service: { ...this.service } };
  }

  onStatus(listener: (status: RelayStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Each request the service's usage ledger recorded (the window's live Activity list); returns unsubscribe. */
  onActivity(listener: (row: ActivityRow) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** The budget's 80 % warning (once per period): the desktop notification. Returns unsubscribe. */
  onBudgetWarning(listener: (notice: BudgetNotice) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  /** Hands a value to each listener; one that throws is logged, the others still get it. */
  private tell<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.options.logger.warn(`A listener of the relay service failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private emit(): void {
    this.tell(this.listeners, this.status());
  }

  private spawn(): void {
    this.restartTimer = null;
    this.service = { ...this.service, state: this.service.restarts > 0 ? 'restarting' : 'starting' };
    let proc: ServiceProcess;
    try {
      proc = this.options.spawn();
    } catch (error) {
      this.onExit(null, null, `could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.proc = proc;
    this.startedAt = Date.now();
    proc.onMessage((raw) => this.onMessage(proc, raw));
    proc.onExit((code, signal) => {
      if (this.proc === proc) this.onExit(code, signal, describeExit(code, signal));
    });
  }

  private onMessage(proc: ServiceProcess, raw: unknown): void {
    if (proc !== this.proc) return;
    const message = parseServiceMessage(raw);
    if (message instanceof ContractViolation) {
      this.options.logger.warn(`Ignored a message from the relay service: ${message.message}`);
      return;
    }
    if (message.type === 'response') {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (pending.timer) clearTimeout(pending.timer);
      if (!message.ok) return pending.reject(fromWire(message.error));
      const result = checkResult(pending.method, message.result);
      if (result instanceof ContractViolation) pending.reject(new RelayError('upstream', `The relay service answered ${pending.method} out of contract.`));
      else pending.resolve(result);
      return;
    }
    if (message.event === 'activity') {
      for (const row of message.rows) this.tell(this.activityListeners, row);
      return;
    }
    if (message.event === 'budget-warning') {
      this.tell(this.warningListeners, message.notice);
      return;
    }
    if (message.event === 'startup-failed') {
      this.service = { ...this.service, state: 'failed' };
      this.latest = statusWhileDown(this.latest, { kind: message.error.kind, message: message.error.message, fix: message.error.desktopFix ?? message.error.fix, at: Date.now() });
      this.emit();
      this.options.onStartupFailed?.(message.error);
      this.firstReady.resolve();
      return;
    }
    this.latest = message.status;
    if (message.event === 'ready') {
      this.service = { ...this.service, state: 'running' };
      this.firstReady.resolve();
    }
    this.emit();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, reason: string): void {
    this.proc = null;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(new RelayError('upstream', `The relay service stopped (${reason}).`));
    }
    if (this.stopping) return;
    const { baseMs = 1_000, capMs = 60_000, stableMs = 60_000 } = this.options.backoff ?? {};
    // A process that ran a while before it died starts a fresh backoff: only crash loops slow down.
    if (Date.now() - this.startedAt >= stableMs) this.failures = 0;
    const delay = Math.min(capMs, baseMs * 2 ** this.failures);
    this.failures++;
    this.service = { state: 'restarting', restarts: this.service.restarts + 1, lastExit: reason };
    this.options.logger.error(`The relay service stopped unexpectedly (${reason}); restarting in ${Math.ceil(delay / 1000)} s`);
    this.latest = statusWhileDown(this.latest, {
      kind: 'service-stopped',
      message: `The relay stopped unexpectedly (${reason}); restarting in ${Math.ceil(delay / 1000)} s.`,
      fix: 'If it keeps stopping, open the log from the tray menu.',
      at: Date.now(),
    });
    this.emit();
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  /** One request; rejects with the service's own error (kind, message, fix) or when it stops. */
  request<M extends ServiceMethod>(method: M, params: ServiceParams<M>): Promise<ServiceResult<M>> {
    const proc = this.proc;
    if (!proc) return Promise.reject(new RelayError('upstream', 'The relay service is not running right now; it restarts by itself.'));
    const id = this.nextId++;
    return new Promise<ServiceResult<M>>((resolve, reject) => {
      const timeoutMs = method === 'signIn' ? 0 : this.options.requestTimeoutMs ?? 30_000;
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.pending.delete(id);
        reject(new RelayError('upstream', `The relay service did not answer ${method} in time.`));
      }, timeoutMs) : null;
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer });
      proc.send({ type: 'request', id, method, params });
    });
  }

  // --- What the desktop shell asks (RelayBackend), each one request of the contract.

  signIn(enterprise?: string | null): Promise<{ login: string }> {
    return this.request('signIn', enterprise === undefined ? {} : { enterprise });
  }

  async cancelSignIn(): Promise<void> {
    await this.request('cancelSignIn', null);
  }

  async signOut(): Promise<void> {
    await this.request('signOut', null);
  }

  async refreshNow(): Promise<void> {
    await this.request('refreshNow', null);
  }

  /** Wake or unlock: fire and forget (a service that is restarting checks anyway when it starts). */
  checkNow(): void {
    this.request('checkNow', null).catch(() => undefined);
  }

  getSettings(): Promise<ServiceSettings> {
    return this.request('getSettings', null);
  }

  setSettings(patch: Partial<ServiceSettings>): Promise<ServiceSettings> {
    return this.request('setSettings', patch);
  }

  apiKey(): Promise<string | null> {
    return this.request('getApiKey', null);
  }

  resetSettings(): Promise<{ backup: string }> {
    return this.request('resetSettings', null);
  }

  /** Graceful stop: the service finishes in-flight requests (bounded), exits; killed after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
    this.request('shutdown', null).catch(() => undefined);
    const timer = setTimeout(() => proc.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
