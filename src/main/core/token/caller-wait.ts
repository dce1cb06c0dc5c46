import { RelayError, isRelayError } from '../errors.js';
import type { Clock } from './clock.js';
import type { CopilotSession } from './session.js';

/** What a waiting caller needs to know of the token manager. */
export interface WaitSource {
  clock: Clock;
  /** One attempt: a usable session, the in-flight exchange's outcome, or the current failure. */
  attempt(signal: AbortSignal): Promise<CopilotSession>;
  /** Epoch ms of the next scheduled exchange after a failure, or null. */
  retryAt(): number | null;
  lastError(): RelayError | null;
  closed(): boolean;
}

/** Rejection marker of a caller's wait running out (never leaves this module). */
const DEADLINE = Symbol('deadline');

/**
 * A caller that can give up (a proxied request) waits for a session — through transient failures
 * on the backoff schedule (still one exchange at a time) and through a slow exchange — until
 * `deadline`, then gets `not-ready` (503 with Retry-After) instead of hanging.
 */
export async function waitForSession(source: WaitSource, signal: AbortSignal, deadline: number): Promise<CopilotSession> {
  for (;;) {
    try {
      return await beforeDeadline(source.clock, source.attempt(signal), deadline);
    } catch (error) {
      if (error === DEADLINE) throw notReady(source, source.lastError());
      if (!isRelayError(error) || !error.transient || source.closed() || signal.aborted) throw error;
      // Nothing new happens before the next scheduled attempt: past the deadline, answer now.
      const retryAt = source.retryAt();
      if (retryAt === null || retryAt >= deadline) throw notReady(source, error);
      await sleep(source.clock, Math.max(0, retryAt - source.clock.now()), signal);
    }
  }
}

/** A waiting caller's answer: no session yet, and when to try again (Retry-After, 1–60 s). */
function notReady(source: WaitSource, cause: RelayError | null): RelayError {
  const retryAt = source.retryAt();
  const untilRetry = retryAt === null ? 5 : Math.ceil((retryAt - source.clock.now()) / 1000);
  const retryAfter = Math.min(60, Math.max(1, cause?.retryAfter ?? untilRetry));
  const why = cause ? cause.message : 'GitHub has not answered the session request yet.';
  return new RelayError('not-ready', `No Copilot session yet: ${why}`, { fix: cause?.fix, desktopFix: cause?.desktopFix, retryAfter, cause: cause ?? undefined });
}

/** Rejects with DEADLINE at `deadline`; the shared exchange itself goes on for later callers. */
function beforeDeadline<T>(clock: Clock, promise: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // keepAlive: a request (or `login`) is waiting on this, so it must hold the process open.
    const timer = clock.setTimeout(() => reject(DEADLINE), Math.max(0, deadline - clock.now()), true);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Waits on the injected clock (a ManualClock drives it in tests); rejects as cancelled on abort. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(new RelayError('cancelled', 'Request cancelled.'));
    };
    // keepAlive: a caller waits on it (an unref'd timer here let `login` exit with code 13, RT-09).
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms, true);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lets one caller stop waiting without cancelling the shared exchange for the others. */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new RelayError('cancelled', 'Request cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RelayError('cancelled', 'Request cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
